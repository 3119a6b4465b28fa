"""app/manifest.json against GitHub's own OpenAPI description and the App's event router: every
permission is one GitHub knows, at a level it allows, and every event the App acts on is subscribed."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from mergeguard.app.events import router

from .npm_fixtures import openapi_spec

MANIFEST = Path(__file__).resolve().parent.parent / "app" / "manifest.json"


def app_permissions() -> dict:
    """GitHub's ``app-permissions`` schema, as the installation-token request uses it (dereferenced)."""
    op = openapi_spec()["paths"]["/app/installations/{installation_id}/access_tokens"]["post"]
    return op["requestBody"]["content"]["application/json"]["schema"]["properties"]["permissions"]


def test_the_manifest_asks_for_permissions_github_has_at_levels_it_allows():
    manifest = json.loads(MANIFEST.read_text())
    schema = app_permissions()
    jsonschema.validate(manifest["default_permissions"], schema)
    assert set(manifest["default_permissions"]) <= set(schema["properties"])
    assert schema["properties"]["members"]["enum"] == ["read", "write"]
    assert manifest["default_permissions"] == {"checks": "write", "pull_requests": "read", "issues": "read",
                                               "contents": "read", "metadata": "read", "members": "read"}


def test_the_manifest_subscribes_to_every_event_the_app_acts_on():
    manifest = json.loads(MANIFEST.read_text())
    acted_on = set(router.events()) - {"installation", "installation_repositories"}  # sent to every App
    assert acted_on <= set(manifest["default_events"]), acted_on - set(manifest["default_events"])
    assert manifest["hook_attributes"]["url"].endswith("/webhook")
