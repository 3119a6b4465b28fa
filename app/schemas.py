"""What a handled webhook payload must hold before it may become a job: one JSON Schema per event.

Anyone who knows the webhook secret -- or GitHub with a payload we did not foresee -- can send a
signed delivery whose fields have the wrong shape (``"number": false``, a ``full_name`` without an
owner, a ``head_sha`` that is a list, an id past 2**63). Checked here, at the edge, such a
delivery is answered 400 and never queued, so the job handlers can trust the few fields they read.

Only the fields the router and the handlers use are described; everything else GitHub sends is
let through unread. ``integer`` means a JSON integer (not ``2.0``, not ``true``) that fits the
database's 64-bit columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match

MAX_ID = 2**63 - 1  # BIGINT: GitHub's ids are 64-bit signed

_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_NUMBER = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}  # pull request numbers (INTEGER column)
_SHA = {"type": "string", "pattern": "^[0-9a-f]{40}$"}
FULL_NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$"
_FULL_NAME = {"type": "string", "maxLength": 201, "pattern": FULL_NAME_PATTERN}
_LOGIN = {"type": "string", "maxLength": 255, "pattern": r"^[A-Za-z0-9_.\[\]-]+$"}
_REF = {"type": "string", "minLength": 1, "maxLength": 255}
_URL = {"type": ["string", "null"], "maxLength": 2048}

_REPOSITORY = {
    "type": "object",
    "required": ["full_name"],
    "properties": {"full_name": _FULL_NAME, "clone_url": _URL, "default_branch": {"type": ["string", "null"], "maxLength": 255}},
}
_INSTALLATION = {"type": "object", "required": ["id"],
                 "properties": {"id": _ID, "account": {"type": ["object", "null"], "properties": {"login": _LOGIN}}}}
_SENDER = {"type": ["object", "null"], "properties": {"login": _LOGIN}}
_SIDE = {"type": "object", "required": ["sha"], "properties": {"sha": _SHA, "ref": _REF}}
_PULL_REQUEST = {"type": "object", "required": ["number", "head", "base"],
                 "properties": {"number": _NUMBER, "head": _SIDE, "base": {**_SIDE, "required": ["sha", "ref"]}}}
_PR_REF = {"type": "object", "required": ["number"], "properties": {"number": _NUMBER}}
_CHECK = {"type": "object", "required": ["head_sha"],
          "properties": {"id": _ID, "head_sha": _SHA, "app": {"type": ["object", "null"], "properties": {"id": _ID}},
                         "pull_requests": {"type": ["array", "null"], "maxItems": 100, "items": _PR_REF}}}
_REPO_LIST = {"type": ["array", "null"], "maxItems": 100_000,
              "items": {"type": "object", "required": ["full_name"], "properties": {"full_name": _FULL_NAME}}}


def _event(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required,
            "properties": {"installation": _INSTALLATION, "sender": _SENDER, **properties}}


PULL_REQUEST = _event(["repository", "pull_request"], repository=_REPOSITORY, pull_request=_PULL_REQUEST)
PULL_REQUEST_EDITED = _event(["repository", "pull_request"], repository=_REPOSITORY, pull_request=_PULL_REQUEST,
                             changes={"type": ["object", "null"]})
CHECK_RUN = _event(["repository", "check_run"], repository=_REPOSITORY, check_run={
    **_CHECK, "required": ["id", "head_sha"]},
    requested_action={"type": ["object", "null"], "properties": {"identifier": {"type": "string", "maxLength": 100}}})
CHECK_SUITE = _event(["repository", "check_suite"], repository=_REPOSITORY, check_suite=_CHECK)
INSTALLATION = _event(["installation"], repositories=_REPO_LIST)
INSTALLATION_REPOSITORIES = _event(["installation"], repositories_added=_REPO_LIST, repositories_removed=_REPO_LIST)


def _is_integer(_checker: Any, instance: Any) -> bool:
    """JSON integers only: jsonschema would also take ``2.0`` (and ``1e999`` is a float too)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = validators.extend(Draft202012Validator,
                               type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer))


class Schema:
    """A compiled payload schema; :meth:`problem` says what is wrong in one short line, or None."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        _Validator.check_schema(schema)
        self._validator = _Validator(schema)

    def problem(self, payload: Any) -> str | None:
        error = best_match(self._validator.iter_errors(payload))
        return None if error is None else describe(error)


def describe(error: ValidationError) -> str:
    """Where and what, never the offending value itself (it may be megabytes, or a secret)."""
    where = ".".join(str(p) for p in error.absolute_path) or "payload"
    kind, expected = error.validator, error.validator_value
    if kind == "required":
        missing = [k for k in expected if isinstance(error.instance, Mapping) and k not in error.instance]
        return f"{where}: lacks {', '.join(missing) or expected}"
    if kind == "type":
        return f"{where}: must be {' or '.join(expected) if isinstance(expected, list) else expected}"
    if kind == "pattern":
        return f"{where}: does not match {expected}"
    if kind in ("minimum", "maximum"):
        return f"{where}: out of range ({kind} {expected})"
    if kind in ("maxLength", "minLength", "maxItems"):
        return f"{where}: {kind} {expected}"
    return f"{where}: fails {kind}"
