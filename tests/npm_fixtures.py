"""GitHub's own published descriptions, used as test material: webhook payloads and the REST API spec.

Nothing of it is committed: ``@octokit/webhooks-examples`` (real payloads contributed against
github.com) and ``@octokit/openapi`` (GitHub's OpenAPI description of api.github.com) are npm
packages installed once into a cache directory. Tests built on them check our code against what
GitHub says it sends and accepts, not against what we believe it does.

The directory is ``$MERGEGUARD_NPM_PREFIX`` or ``~/.cache/mergeguard/npm``. CI runs the same
install line up front (:data:`INSTALL_ARGS`); locally the first test that needs the packages runs
it, under a file lock so parallel test processes do not race each other into a broken install.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

PACKAGES = ("@octokit/webhooks-examples@7", "@octokit/openapi")
INSTALL_ARGS = ("install", "--no-save", "--no-audit", "--no-fund")

_EXAMPLES = Path("node_modules/@octokit/webhooks-examples/api.github.com/index.json")
_OPENAPI_DIR = Path("node_modules/@octokit/openapi/generated")


class NpmMaterialError(RuntimeError):
    """The npm packages are missing and could not be installed."""


def _prefix() -> Path:
    return Path(os.environ.get("MERGEGUARD_NPM_PREFIX") or Path.home() / ".cache/mergeguard/npm").expanduser()


def _installed(d: Path) -> bool:
    return (d / _EXAMPLES).is_file() and (d / _OPENAPI_DIR / "api.github.com.json").is_file()


def install_command(prefix: Path | None = None) -> list[str]:
    """The exact npm command that puts the packages under ``prefix`` (CI runs the same line)."""
    return ["npm", *INSTALL_ARGS, "--prefix", str(prefix or _prefix()), *PACKAGES]


def npm_dir() -> Path:
    """The directory holding ``node_modules/@octokit/...``; installs the packages once if missing."""
    d = _prefix()
    if _installed(d):
        return d
    d.mkdir(parents=True, exist_ok=True)
    with open(d / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second process waits here, then finds the install done
        try:
            if _installed(d):
                return d
            if shutil.which("npm") is None:
                raise NpmMaterialError(f"npm is not installed; run: {' '.join(install_command(d))}")
            proc = subprocess.run(install_command(d), capture_output=True, text=True, timeout=600)
            if proc.returncode != 0 or not _installed(d):
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
                raise NpmMaterialError(
                    f"npm install of {', '.join(PACKAGES)} into {d} failed (exit {proc.returncode}): " + " | ".join(tail)
                )
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return d


@functools.lru_cache(maxsize=1)
def _webhook_index() -> list[dict]:
    # The package's main file: a list of {name, description, actions, properties, examples: [payload...]}.
    return json.loads((npm_dir() / _EXAMPLES).read_text(encoding="utf-8"))


def webhook_examples(event: str, action: str | None = None) -> list[dict]:
    """Real example payloads of a webhook ``event`` (e.g. ``pull_request``), optionally of one ``action``.

    Returns deep copies, so a test may edit what it gets. An unknown event is an error, not an
    empty list: a typo must not make a test vacuous.
    """
    for entry in _webhook_index():
        if entry["name"] == event:
            found = [p for p in entry["examples"] if action is None or p.get("action") == action]
            if not found:
                raise KeyError(f"no {event} example with action {action!r}; actions with examples: "
                               f"{sorted({p.get('action') for p in entry['examples'] if p.get('action')})}")
            return json.loads(json.dumps(found))
    raise KeyError(f"unknown webhook event {event!r}")


@functools.lru_cache(maxsize=1)
def openapi_spec() -> dict:
    """GitHub's OpenAPI description of api.github.com, fully dereferenced (no ``$ref`` left).

    The dereferenced file is ~70 MB and takes about a second and ~400 MB to load, so it is read
    once per process and shared; callers must not mutate it.
    """
    d = npm_dir() / _OPENAPI_DIR
    path = d / "api.github.com.deref.json"
    if not path.is_file():  # older package versions ship only the $ref form
        path = d / "api.github.com.json"
    return json.loads(path.read_text(encoding="utf-8"))
