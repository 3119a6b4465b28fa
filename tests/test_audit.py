"""The risk-acceptance audit log: append-only JSON Lines, pinned to full head SHAs, unreadable lines reported."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mergeguard import audit

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_record_appends_and_read_returns_every_entry(tmp_path):
    log = tmp_path / "logs" / "audit.jsonl"
    when = dt.datetime(2026, 11, 20, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    audit.record(log, audit.new_acceptance(SHA.upper(), "@alice", "  hotfix\n for incident 42 ", now=when,
                                           base="main", level="high"))
    audit.record(log, audit.new_acceptance(SHA, "bob", "second look", now=when, base="main", level="critical"))
    lines = log.read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first == {"schema": "mergeguard.acceptance/1", "head_sha": SHA, "by": "alice", "at": "2026-11-20T10:30:00+00:00",
                     "reason": "hotfix for incident 42", "level": "high", "score": None, "change": None,
                     "base": "main"}
    entries, problems = audit.read(log)
    assert [e.by for e in entries] == ["alice", "bob"] and problems == []
    assert [(e.base, e.level) for e in entries] == [("main", "high"), ("main", "critical")]


def test_acceptances_are_pinned_to_full_shas_and_need_a_reason():
    with pytest.raises(audit.AuditError, match="full commit SHA"):
        audit.new_acceptance("0123456", "alice", "why", base="main", level="high")
    with pytest.raises(audit.AuditError, match="needs a reason"):
        audit.new_acceptance(SHA, "alice", "   ", base="main", level="high")
    with pytest.raises(audit.AuditError, match="needs the base branch"):
        audit.new_acceptance(SHA, "alice", "why", base=" ", level="high")
    with pytest.raises(audit.AuditError, match="level accepted must be one of"):
        audit.new_acceptance(SHA, "alice", "why", base="main", level="severe")


def test_unreadable_lines_are_reported_not_fatal(tmp_path):
    log = tmp_path / "audit.jsonl"
    audit.record(log, audit.new_acceptance(SHA, "alice", "ok", base="main", level="high"))
    with open(log, "a") as fh:
        fh.write("{not json\n")
        fh.write(f'{{"head_sha": "{SHA}"}}\n')
    entries, problems = audit.read(log)
    assert len(entries) == 1 and len(problems) == 2
    assert problems[0].startswith(f"audit log {log}:2: unreadable entry")
    assert audit.read(tmp_path / "none.jsonl") == ([], [])


def test_accepted_matches_exact_head_and_allowed_people():
    a = audit.Acceptance(SHA, "alice", "2026-11-20T10:00:00+00:00", "r1", level="high", base="main")
    b = audit.Acceptance(SHA, "mallory", "2026-11-20T11:00:00+00:00", "r2", level="high", base="main")
    allowed = {"alice"}.__contains__
    pinned = {"base": "main", "level": "high"}
    assert audit.accepted([a, b], SHA.upper(), allowed, **pinned) == a
    assert audit.accepted([a, b], "f" * 40, allowed, **pinned) is None
    assert audit.accepted([a, b], None, allowed, **pinned) is None
    assert audit.accepted([b], SHA, allowed, **pinned) is None


def test_accepted_matches_the_base_branch_and_the_level_or_below():
    a = audit.Acceptance(SHA, "alice", "2026-11-20T10:00:00+00:00", "r1", level="high", base="main")
    allowed = {"alice"}.__contains__
    assert audit.accepted([a], SHA, allowed, base="main", level="medium") == a
    assert audit.accepted([a], SHA, allowed, base="main", level="critical") is None
    assert audit.accepted([a], SHA, allowed, base="release", level="high") is None
    assert audit.accepted([a], SHA, allowed, base=None, level="high") is None


def test_an_old_log_line_without_base_or_level_reads_but_accepts_nothing(tmp_path):
    """A line an older mergeguard wrote (no ``base``; ``level`` null) is read, not reported as broken,
    and accepts nothing: what it accepted cannot be told."""
    log = tmp_path / "audit.jsonl"
    log.write_text(json.dumps({"schema": "mergeguard.acceptance/1", "head_sha": SHA, "by": "alice",
                               "at": "2026-11-20T10:00:00+00:00", "reason": "old", "level": None, "score": None,
                               "change": None}) + "\n")
    (entry,), problems = audit.read(log)
    assert problems == [] and (entry.base, entry.level) == (None, None)
    for level in ("medium", "high", "critical"):
        assert audit.accepted([entry], SHA, lambda who: True, base="main", level=level) is None
    assert "recorded without the base branch and the level" in audit.mismatch(entry, "main", "high")
