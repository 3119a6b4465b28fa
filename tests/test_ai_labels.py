"""The labelled AI-authorship set's builder (benchmarks/ai_labels.py): rules and evidence families
on a real repository built in a temp dir, read the way the builder reads a fetched mirror."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.benchscripts import BENCH, load
from tests.gitrepo import commit, git, init_repo

T2024 = 1_720_000_000
T2019 = 1_550_000_000
HUMAN = ("Alice", "alice@example.com")


@pytest.fixture(scope="module")
def labels():
    return load("ai_labels")


def _mirror(tmp_path: Path, labels, monkeypatch) -> tuple[Path, dict[str, str]]:
    """A repository with one commit of each kind, cloned bare where the builder looks for mirrors."""
    work = init_repo(tmp_path / "work")
    shas = {
        "old": commit(work, {"a.py": "x = 1\n"}, "Initial import", T2019, HUMAN),
        "agent-author": commit(work, {"b.py": "y = 2\n"}, "Add b\n\nCo-authored-by: Alice <alice@example.com>",
                               T2024, ("Copilot", "198982749+Copilot@users.noreply.github.com")),
        "claude-session": commit(work, {"c.py": "z = 3\n"},
                                 "Add c\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)", T2024 + 10, HUMAN),
        "cursor-session": commit(work, {"d.py": "w = 4\n"},
                                 "Add d\r\n\r\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\r\n", T2024 + 20, HUMAN),
        "suggestion": commit(work, {"a.py": "x = 10\n"},
                             "Apply suggestion from review\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
                             T2024 + 30, HUMAN),
        "suggestion-and-agent": commit(work, {"e.py": "v = 5\n"},
                                       "Add e\n\nCo-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>\n"
                                       "Co-Authored-By: Claude <noreply@anthropic.com>", T2024 + 40, HUMAN),
        "human": commit(work, {"f.py": "u = 6\n"}, "Fix the cursor position in the pager", T2024 + 50, HUMAN),
        "ai-company-human": commit(work, {"g.py": "t = 7\n"}, "Tidy", T2024 + 60, ("Sam Lee", "sam@anthropic.com")),
        "bot": commit(work, {"h.py": "s = 8\n"}, "Bump deps", T2024 + 70, ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")),
    }
    mirrors = tmp_path / "mirrors"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(mirrors / "o+r" / "repo"))
    monkeypatch.setattr(labels, "MIRRORS", mirrors)
    return mirrors, shas


def test_each_ai_label_carries_its_evidence_family(tmp_path, labels, monkeypatch):
    _, shas = _mirror(tmp_path, labels, monkeypatch)
    rows, pending = labels.label_repo("o/r", max_ai=50, max_human=50, max_old=5, seed=15)
    by_sha = {r["sha"]: r for r in rows}
    assert by_sha[shas["agent-author"]] == {"sha": shas["agent-author"], "label": 1, "period": "ai-era",
                                                  "rule": "author-address", "family": "agent-author"}
    assert by_sha[shas["claude-session"]]["rule"] == "footer"
    assert by_sha[shas["claude-session"]]["family"] == "agent-session"
    assert by_sha[shas["cursor-session"]]["family"] == "agent-session"  # CRLF trailers read too
    assert by_sha[shas["suggestion"]]["family"] == "suggestion"
    # a suggestion tool next to an agent: the agent wrote code, so the change is an agent session
    assert by_sha[shas["suggestion-and-agent"]]["family"] == "agent-session"
    # people (a person at an AI company, a message with "cursor" in prose) are human or left for reading,
    # automation bots are left out, and human rows carry no family
    assert by_sha[shas["ai-company-human"]]["label"] == 0 and "family" not in by_sha[shas["ai-company-human"]]
    assert shas["human"] not in by_sha or by_sha[shas["human"]]["label"] == 0
    assert shas["bot"] not in by_sha
    assert by_sha[shas["old"]] == {"sha": shas["old"], "label": 0, "period": "pre-2021", "rule": "none"}
    assert all(p[0] != shas["agent-author"] for p in pending)


def test_family_of_a_label_from_its_message(labels):
    cop = "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>"
    rabbit = "Co-authored-by: coderabbitai[bot] <136622811+coderabbitai[bot]@users.noreply.github.com>"
    claude = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"
    assert labels.family("coauthor-address", f"Fix\n\n{cop}\n{rabbit}") == "suggestion"
    assert labels.family("coauthor-address", f"Fix\n\n{cop}\n{claude}") == "agent-session"
    assert labels.family("footer", "Fix\n\n🤖 Generated with [Claude Code]") == "agent-session"
    assert labels.family("author-address", "anything") == "agent-author"
    assert labels.family("reviewed", "anything") == "reviewed"


def test_the_committed_set_has_a_family_on_every_ai_label_and_none_on_human_ones():
    data = BENCH / "data" / "ai_authorship"
    docs = [json.loads(p.read_text()) for p in sorted(data.glob("*.json"))]
    assert len(docs) >= 50
    for doc in docs:
        for row in doc["commits"]:
            assert set(row) <= {"sha", "label", "period", "rule", "family"}  # ids and labels only
            assert ("family" in row) == bool(row["label"])
            if row["label"]:
                assert row["family"] in {"agent-author", "agent-session", "suggestion", "reviewed"}
