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
    audit.record(log, audit.new_acceptance(SHA.upper(), "@alice", "  hotfix\n for incident 42 ", now=when))
    audit.record(log, audit.new_acceptance(SHA, "bob", "second look", now=when))
    lines = log.read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first == {"schema": "mergeguard.acceptance/1", "head_sha": SHA, "by": "alice", "at": "2026-11-20T10:30:00+00:00",
                     "reason": "hotfix for incident 42", "level": None, "score": None, "change": None}
    entries, problems = audit.read(log)
    assert [e.by for e in entries] == ["alice", "bob"] and problems == []


def test_acceptances_are_pinned_to_full_shas_and_need_a_reason():
    with pytest.raises(audit.AuditError, match="full commit SHA"):
        audit.new_acceptance("0123456", "alice", "why")
    with pytest.raises(audit.AuditError, match="needs a reason"):
        audit.new_acceptance(SHA, "alice", "   ")


def test_unreadable_lines_are_reported_not_fatal(tmp_path):
    log = tmp_path / "audit.jsonl"
    audit.record(log, audit.new_acceptance(SHA, "alice", "ok"))
    with open(log, "a") as fh:
        fh.write("{not json\n")
        fh.write(f'{{"head_sha": "{SHA}"}}\n')
    entries, problems = audit.read(log)
    assert len(entries) == 1 and len(problems) == 2
    assert problems[0].startswith(f"audit log {log}:2: unreadable entry")
    assert audit.read(tmp_path / "none.jsonl") == ([], [])


def test_accepted_matches_exact_head_and_allowed_people():
    a = audit.Acceptance(SHA, "alice", "2026-11-20T10:00:00+00:00", "r1")
    b = audit.Acceptance(SHA, "mallory", "2026-11-20T11:00:00+00:00", "r2")
    allowed = {"alice"}.__contains__
    assert audit.accepted([a, b], SHA.upper(), allowed) == a
    assert audit.accepted([a, b], "f" * 40, allowed) is None
    assert audit.accepted([a, b], None, allowed) is None
    assert audit.accepted([b], SHA, allowed) is None
