"""Retry and timeout policy held as data: a JSON file the code loads to decide what to retry.

Service clients keep their retry policy in data next to the code: botocore's ``_retry.json``
(which HTTP status codes and service error codes are retried, per service and operation, and the
attempt limits), Google's generated ``*_client_config.json`` (``retry_codes``, ``retry_params`` with
delays and per-RPC timeouts), a gRPC service config (``retryPolicy``). Changing such a file changes
what the client retries as surely as changing a ``Retry(...)`` call (``docs/retry_timeout_labelling.md``:
"a retry policy held as data is production config").

A file counts only where its own name or an enclosing key names a retry or timeout policy
(``_retry.json``, ``"retryPolicy": {...}``, ``"retry_params"``): a ``"timeout"`` key in a tool's
config (``"mocha": {"timeout": 5000}``) is not a policy of the product, nor are the API types of a
service model (its ``shapes``: an ``HttpRetryPolicy`` shape is a feature of the service called). Waiter and paginator data
(a delay and a number of polls until a resource reaches a state) are poll loops, not retries.
The comparison is of parsed values, never of text: a file re-indented or with its keys reordered
changes nothing.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from typing import Any

from mergeguard.features.resilience.settings import classify, words

#: larger files are service models, not policies; parsing them is not worth it
MAX_CHARS = 2_000_000
#: what a poll loop's data is called: its delays and attempt counts are no retry policy
_POLL_WORDS = frozenset({"waiter", "waiters", "paginator", "paginators", "poll", "polling"})


@dataclass(frozen=True)
class DataChange:
    """One retry or timeout policy in a data file that the change altered, at a new-side line."""

    kind: str  # retry | timeout
    line: int
    key: str  # the dotted key path of the first value that changed
    removed: bool  # only on the old side (the new side has no such value)


def is_data(path: str) -> bool:
    """A JSON file of the product: not under a dot-folder (``.changes/``, ``.github/``, ``.vscode/``)."""
    return path.lower().endswith(".json") and not any(part.startswith(".") for part in path.split("/")[:-1])


_WORDS = re.compile(r"(?i)retr(y|ies|iable|yable)|backoff|timeout|deadline|attempt")


def worth_reading(path: str, changed: list[str]) -> bool:
    """Whether a JSON file may hold a policy the change touched, before its images are read: its
    name says so, or a changed line names a retry or a timeout. A release that rewrites dozens of
    service models costs no reads."""
    stem = posixpath.splitext(posixpath.basename(path))[0]
    return bool(_stem_context(stem) - {"poll"}) or any(_WORDS.search(t) for t in changed)


def changes(path: str, pre: str | None, post: str | None, added: dict[int, str],
            new_line_of_removed: int) -> list[DataChange]:
    """The retry and timeout policies a change to one JSON file altered: at most one per kind.

    ``added`` maps new-side line numbers to the lines the change added (where a changed value is
    looked for); ``new_line_of_removed`` is where a removal is reported when nothing was added."""
    stem = posixpath.splitext(posixpath.basename(path))[0]
    if set(words(stem)) & _POLL_WORDS:
        return []
    ctx = _stem_context(stem)
    before, after = _leaves(pre, ctx), _leaves(post, ctx)
    if before is None or after is None:
        return []  # one side unreadable (not JSON, too large): say nothing rather than guess
    out = []
    for kind in ("retry", "timeout"):
        gone = {k: v for k, v in before.items() if v[0] == kind and after.get(k) != v}
        came = {k: v for k, v in after.items() if v[0] == kind and before.get(k) != v}
        if not gone and not came:
            continue
        key = min(came) if came else min(gone)
        out.append(DataChange(kind, _line_of(key, added) or new_line_of_removed, ".".join(key), not came))
    return out


def _stem_context(stem: str) -> set[str]:
    """The policy a file's name says it holds: a short name that is one (``_retry``, ``retry_config``,
    ``timeouts``), not a name that merely mentions one among other words and numbers
    (``api-change-deadline-43995``, a changelog entry)."""
    ws = words(stem)
    if not ws or len(ws) > 3 or any(ch.isdigit() for ch in stem):
        return set()
    return _context(stem)


def _leaves(text: str | None, ctx: set[str]) -> dict[tuple[str, ...], tuple[str, Any]] | None:
    """Every value of a JSON document under a retry or timeout policy: key path -> (kind, value).
    An absent file (added or deleted) has none; one that is not JSON is None."""
    if text is None:
        return {}
    if len(text) > MAX_CHARS:
        return None
    try:
        doc = json.loads(text)
        out: dict[tuple[str, ...], tuple[str, Any]] = {}
        if _service_model(doc):  # its API's types are not read; its own ``retry`` section still is
            doc = {k: v for k, v in doc.items() if k != "shapes"}
        _walk(doc, (), ctx, out)
    except (ValueError, RecursionError):
        return None  # not JSON, or nested deeper than any policy (hostile input): nothing to compare
    return out


def _service_model(doc: Any) -> bool:
    """A service model (the JSON a generated client is built from: ``metadata``, ``operations`` and
    ``shapes``). Its ``shapes`` are the API's own types, the members a request or response has: a
    shape named ``HttpRetryPolicy`` or a member ``ConnectionRetryInterval`` describes a feature of the
    service the client calls, not how the client retries."""
    return isinstance(doc, dict) and isinstance(doc.get("shapes"), dict) and (
        isinstance(doc.get("operations"), dict) or isinstance(doc.get("metadata"), dict))


def _context(name: str) -> set[str]:
    """The policy kinds a key (or the file's name) opens: ``retry`` for ``retryPolicy``,
    ``retry_params``, ``_retry``; ``timeout`` for ``timeouts``; a poll loop's name closes both."""
    if set(words(name)) & _POLL_WORDS:
        return {"poll"}
    kind = classify(name)
    return {kind} if kind else set()


def _key_context(key: str) -> set[str]:
    """What an enclosing key opens: a retry policy (``retryPolicy``, ``retry_params``) or a poll loop.
    A timeout-named key opens nothing: in a service model ``"Timeout": {...}`` describes an API's
    parameter, not a policy of the client (a timeout leaf counts inside a retry policy or a file
    named for timeouts)."""
    ctx = _context(key)
    return ctx - {"timeout"}


def _walk(node: Any, path: tuple[str, ...], ctx: set[str], out: dict) -> None:
    if "poll" in ctx:
        return
    if isinstance(node, dict):
        for k, v in node.items():
            key = str(k)
            if isinstance(v, (dict, list)):
                _walk(v, (*path, key), ctx | _key_context(key), out)
            else:
                _leaf(v, (*path, key), key, ctx, out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, (dict, list)):
                _walk(v, (*path, str(i)), ctx, out)
            else:
                _leaf(v, (*path, str(i)), path[-1] if path else "", ctx, out)


def _leaf(value: Any, path: tuple[str, ...], key: str, ctx: set[str], out: dict) -> None:
    """A value counts under a policy the file or an enclosing key opened: a timeout when its own key
    names one (``total_timeout_millis`` inside ``retry_params``) or only a timeout policy encloses
    it, else a retry."""
    if not ctx or "poll" in ctx or (isinstance(value, str) and any(c.isspace() for c in value)):
        return  # outside a policy, or prose (a description, a documentation string)
    own = classify(key)
    if own == "timeout" or ("timeout" in ctx and "retry" not in ctx):
        out[path] = ("timeout", value)
    elif "retry" in ctx:
        out[path] = ("retry", value)


def _line_of(key: tuple[str, ...], added: dict[int, str]) -> int | None:
    """The first added line that writes the value's key (or, for a list item, its list's key), else
    the first added line at all."""
    names = [k for k in reversed(key) if not k.isdigit()][:1]
    for n in sorted(added):
        if names and f'"{names[0]}"' in added[n]:
            return n
    return min(added) if added else None
