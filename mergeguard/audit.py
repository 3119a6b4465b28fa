"""The audit log of accepted risk: who accepted which change, when, why, for which head SHA.

Append-only JSON Lines, one acceptance a line, so the log is greppable and diffable and a
concurrent writer cannot corrupt earlier entries (appends take an exclusive ``flock``). An
acceptance names the exact head SHA it was given for: once new commits arrive, the change is a
different change and the acceptance no longer applies. Whether the person may accept is decided
by the configuration at the time the log is *read* as well as when it is written, so removing
someone from ``risk_acceptance.allowed`` also retires their earlier acceptances.
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
    level: str | None = None
    score: float | None = None
    change: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, **asdict(self)}


def is_full_sha(value: str) -> bool:
    """Acceptances are pinned to full SHAs: an abbreviation could later name another commit."""
    return bool(_SHA_RE.match(value))


def new_acceptance(head_sha: str, by: str, reason: str, *, now: dt.datetime | None = None,
                   level: str | None = None, score: float | None = None, change: str | None = None) -> Acceptance:
    head_sha = head_sha.strip().lower()
    if not is_full_sha(head_sha):
        raise AuditError(f"--head must be a full commit SHA (40 hex digits), got {head_sha!r}")
    if not reason.strip():
        raise AuditError("an acceptance needs a reason")
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return Acceptance(head_sha=head_sha, by=by.strip().lstrip("@"), at=when.isoformat(timespec="seconds"),
                      reason=" ".join(reason.split()), level=level, score=score, change=change)


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
                               reason=str(doc["reason"]), level=doc.get("level"), score=doc.get("score"),
                               change=doc.get("change"))
        except (ValueError, KeyError, TypeError, RecursionError) as exc:  # Recursion: nested past the parser's limit
            problems.append(f"audit log {path}:{number}: unreadable entry ({type(exc).__name__}: {exc}); ignored")
            continue
        entries.append(entry)
    return entries, problems


def accepted(entries: Iterable[Acceptance], head_sha: str | None,
             may_accept: Callable[[str], bool]) -> Acceptance | None:
    """The newest acceptance for exactly ``head_sha`` by someone ``may_accept`` allows, if any."""
    if not head_sha:
        return None
    head_sha = head_sha.lower()
    valid = [e for e in entries if e.head_sha == head_sha and may_accept(e.by)]
    return valid[-1] if valid else None
