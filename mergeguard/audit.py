"""The audit log of accepted risk: who accepted which change, when, why, for which head SHA.

Append-only JSON Lines, one acceptance a line, so the log is greppable and diffable and a
concurrent writer cannot corrupt earlier entries (appends take an exclusive ``flock``). An
acceptance names the exact head SHA it was given for: once new commits arrive, the change is a
different change and the acceptance no longer applies. It names the **base branch** it was given
for and the **level** it accepted too: a pull request retargeted to another branch, or a head that a
stricter config (or a new base) now rates higher, is a risk nobody accepted. An entry written before
acceptances named both (no ``base`` or no ``level``) accepts nothing: what it accepted cannot be told,
and counting it for any base and level would keep the very hole the pinning closes; accept again.
Whether the person may accept is decided by the configuration at the time the log is *read* as well
as when it is written, so removing someone from ``risk_acceptance.allowed`` also retires their
earlier acceptances.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .config import LEVELS
from .errors import MergeguardError

SCHEMA = "mergeguard.acceptance/1"
_SHA_RE = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


class AuditError(MergeguardError):
    """The audit log cannot be read or written, or an acceptance is incomplete."""


@dataclass(frozen=True)
class Acceptance:
    """One recorded acceptance of risk."""

    head_sha: str
    by: str
    at: str  # ISO 8601, UTC
    reason: str
    #: the level of risk accepted: it covers that level and the ones below, never a higher one
    level: str | None = None
    score: float | None = None
    change: str | None = None
    #: the base branch the pull request targeted when the risk was accepted
    base: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, **asdict(self)}


def is_full_sha(value: str) -> bool:
    """Acceptances are pinned to full SHAs: an abbreviation could later name another commit."""
    return bool(_SHA_RE.match(value))


def new_acceptance(head_sha: str, by: str, reason: str, *, base: str, level: str, now: dt.datetime | None = None,
                   score: float | None = None, change: str | None = None) -> Acceptance:
    """An acceptance of ``level`` risk for ``head_sha`` targeting branch ``base``; both are required:
    an acceptance that names neither would count for any base and any level."""
    head_sha = head_sha.strip().lower()
    if not is_full_sha(head_sha):
        raise AuditError(f"--head must be a full commit SHA (40 hex digits), got {head_sha!r}")
    if not reason.strip():
        raise AuditError("an acceptance needs a reason")
    if not base.strip():
        raise AuditError("an acceptance needs the base branch it is given for")
    if level not in LEVELS:
        raise AuditError(f"the level accepted must be one of {', '.join(LEVELS)}, got {level!r}")
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return Acceptance(head_sha=head_sha, by=by.strip().lstrip("@"), at=when.isoformat(timespec="seconds"),
                      reason=" ".join(reason.split()), level=level, score=score, change=change, base=base.strip())


def record(path: str | Path, acceptance: Acceptance) -> None:
    """Append ``acceptance`` to the log at ``path`` (created if missing), durably."""
    line = json.dumps(acceptance.to_dict(), ensure_ascii=False, sort_keys=True) + "\n"
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            try:
                import fcntl

                fcntl.flock(fh, fcntl.LOCK_EX)
            except (ImportError, OSError):
                pass
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise AuditError(f"cannot write audit log {path}: {exc.strerror or exc}") from None


def read(path: str | Path) -> tuple[list[Acceptance], list[str]]:
    """Every acceptance in the log and a note for each line that could not be read.

    A missing log is an empty log. Malformed lines are not fatal (one bad line must not hide every
    acceptance) but they are reported, never silently dropped.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"cannot read audit log {path}: {getattr(exc, 'strerror', None) or exc}") from None
    entries: list[Acceptance] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
            entry = Acceptance(head_sha=str(doc["head_sha"]).lower(), by=str(doc["by"]), at=str(doc["at"]),
                               reason=str(doc["reason"]), level=_text(doc.get("level")), score=doc.get("score"),
                               change=doc.get("change"), base=_text(doc.get("base")))
        except (ValueError, KeyError, TypeError, RecursionError) as exc:  # Recursion: nested past the parser's limit
            problems.append(f"audit log {path}:{number}: unreadable entry ({type(exc).__name__}: {exc}); ignored")
            continue
        entries.append(entry)
    return entries, problems


def _text(value: Any) -> str | None:
    """An optional string field of a log line (anything else reads as absent, which accepts nothing)."""
    return value if isinstance(value, str) and value.strip() else None


def mismatch(entry: Acceptance, base: str | None, level: str) -> str | None:
    """Why ``entry`` does not cover a change targeting ``base`` at ``level`` (None when it does)."""
    if entry.base is None or entry.level not in LEVELS:
        return ("it was recorded without the base branch and the level it accepted (before acceptances named "
                "them), so what it accepted cannot be told: accept again")
    if base is None:
        return f"it was given for base branch '{entry.base}' and the base branch of this change is not known"
    if entry.base != base:
        return f"it was given for base branch '{entry.base}' and the pull request now targets '{base}'"
    if LEVELS.index(level) > LEVELS.index(entry.level):
        return f"it accepted {entry.level} risk and this change is now {level} risk"
    return None


def accepted(entries: Iterable[Acceptance], head_sha: str | None, may_accept: Callable[[str], bool], *,
             base: str | None, level: str) -> Acceptance | None:
    """The newest acceptance for exactly ``head_sha`` by someone ``may_accept`` allows, given for the
    base branch ``base`` at ``level`` or above (:func:`mismatch`), if any."""
    if not head_sha:
        return None
    head_sha = head_sha.lower()
    valid = [e for e in entries if e.head_sha == head_sha and may_accept(e.by) and mismatch(e, base, level) is None]
    return valid[-1] if valid else None
