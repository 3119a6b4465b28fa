"""Kamei's just-in-time metrics on a real repository whose every value is worked out by hand."""

from __future__ import annotations

import math

import pytest

from mergeguard.change import Limits
from mergeguard.features import FEATURES, Context, extract_all
from mergeguard.features.diffstat import entropy
from mergeguard.git import GitRepo
from mergeguard.sources import change_from_commit, history_at, replay

from .gitrepo import commit, init_repo

DAY = 86400
T0 = 1_600_000_000
ALICE = ("Alice", "alice@example.com")
BOB = ("Bob", "bob@example.com")
CAROL = ("Carol", "carol@example.com")


def lines(n: int, tag: str = "x") -> str:
    return "".join(f"{tag}{i} = {i}\n" for i in range(n))


@pytest.fixture
def history_repo(tmp_path):
    p = init_repo(tmp_path / "repo")
    shas = {}
    shas["c1"] = commit(p, {"src/a.py": lines(10), "src/b.py": lines(5, "y")}, "initial import", when=T0, author=ALICE)
    shas["c2"] = commit(p, {"src/a.py": lines(10).replace("x0 = 0\n", "x0 = 1\nx00 = 2\n")}, "Fix crash in a",
                        when=T0 + DAY, author=BOB)
    shas["c3"] = commit(p, {"lib/c.py": lines(3, "z"), "src/b.py": lines(5, "y") + "y5 = 5\n"}, "add c",
                        when=T0 + 2 * DAY, author=ALICE)
    a_now = lines(10).replace("x0 = 0\n", "x0 = 1\nx00 = 2\n")
    a_new = a_now.replace("x1 = 1\nx2 = 2\n", "q1 = 1\nq2 = 2\nq3 = 3\nq4 = 4\n")
    shas["c4"] = commit(p, {"src/a.py": a_new, "src/b.py": lines(5, "y") + "y5 = 5\ny6 = 6\n",
                            "lib/c.py": lines(2, "z"), "tests/test_a.py": lines(5, "t")},
                        "add feature", when=T0 + 3 * DAY, author=CAROL)
    shas["c5"] = commit(p, {"src/b.py": lines(5, "y")}, "tidy b", when=T0 + 4 * DAY, author=ALICE)
    return GitRepo(p), shas


def features_at(repo: GitRepo, sha: str, with_diff: bool) -> dict:
    context = Context()

    def visit(rec, index):
        context.history = index
        return extract_all(change_from_commit(repo, rec, Limits(), with_diff=with_diff), context).features

    return next(replay(repo, [sha], visit, targets={sha}))


def test_kamei_metrics_by_hand(history_repo):
    repo, shas = history_repo
    f = features_at(repo, shas["c4"], with_diff=True)
    assert set(f) == set(FEATURES)
    assert (f["nf"], f["ns"], f["nd"]) == (4, 3, 3)  # src, lib, tests
    assert (f["la"], f["ld"]) == (4 + 1 + 0 + 5, 2 + 0 + 1 + 0)
    assert f["entropy"] == pytest.approx(entropy([6, 1, 1, 5]))
    assert f["entropy"] == pytest.approx(-sum(p * math.log2(p) for p in (6 / 13, 1 / 13, 1 / 13, 5 / 13)) / 2)
    assert (f["fix"], f["tests_changed"], f["code_files"], f["files_added"]) == (0, 1, 3, 1)
    # before c4: a.py 10+2-1 = 11 lines, b.py 6, c.py 3, the test file is new: (11+6+3+0)/4
    assert f["lt"] == pytest.approx(5.0)
    assert f["ndev"] == 2  # alice and bob touched these files; carol is new
    assert f["age"] == pytest.approx((2 + 1 + 1) / 3)  # days since a.py, b.py, c.py last changed
    assert f["nuc"] == 3  # c1, c2, c3
    assert (f["exp"], f["rexp"], f["sexp"]) == (0, 0, 0)
    assert (f["prior_fixes"], f["max_file_fixes"], f["new_files"]) == (1, 1, 1)
    assert f["size_percentile"] == pytest.approx(2 / 3)  # earlier sizes 15, 3, 4; this one 13


def test_author_experience(history_repo):
    repo, shas = history_repo
    f = features_at(repo, shas["c5"], with_diff=True)
    assert f["exp"] == 2  # c1, c3
    assert f["sexp"] == 2  # both touched src/
    assert f["rexp"] == pytest.approx(2.0)  # both within the current year bucket or one before
    assert f["ndev"] == 2  # b.py: alice (c1, c3), carol (c4)


def test_mining_path_equals_scoring_path(history_repo):
    """What a model trains on is exactly what scoring computes, code-reading detectors included."""
    from mergeguard.models.mining import mine

    repo, shas = history_repo
    rows, _ = mine(repo, maturity_days=0)
    mined = {r["sha"]: r["features"] for r in rows}
    for sha in shas.values():
        assert mined[sha] == features_at(repo, sha, with_diff=True)
    assert any(v["ai_style_score"] is not None for v in mined.values())


def test_numstat_changes_give_the_same_diff_and_history_features(history_repo):
    from mergeguard.features import CORE_DETECTORS, detector_features

    repo, shas = history_repo
    core = detector_features(CORE_DETECTORS)
    for sha in shas.values():
        cheap, full = features_at(repo, sha, with_diff=False), features_at(repo, sha, with_diff=True)
        assert {k: cheap[k] for k in core} == {k: full[k] for k in core}


def test_history_is_strictly_before_the_change(history_repo):
    repo, shas = history_repo
    # c2's features must not know c3..c5 exist, even when we replay all of history
    context = Context()
    seen = {}

    def visit(rec, index):
        context.history = index
        seen[rec.sha] = (index.commits, extract_all(change_from_commit(repo, rec, Limits()), context).features)

    list(replay(repo, [shas["c5"]], visit))
    commits_before, f2 = seen[shas["c2"]]
    assert commits_before == 1
    assert f2["nuc"] == 1 and f2["ndev"] == 1 and f2["exp"] == 0
    assert history_at(repo, shas["c3"]).commits == 3


def test_renamed_file_keeps_its_history(tmp_path):
    p = init_repo(tmp_path / "ren")
    commit(p, {"pkg/old.py": lines(20)}, "init", when=T0, author=ALICE)
    commit(p, {"pkg/old.py": lines(21)}, "grow", when=T0 + DAY, author=BOB)
    commit(p, {"pkg/old.py": None, "pkg/new.py": lines(21)}, "rename", when=T0 + 2 * DAY, author=ALICE)
    sha = commit(p, {"pkg/new.py": lines(22)}, "more", when=T0 + 3 * DAY, author=CAROL)
    f = features_at(GitRepo(p), sha, with_diff=True)
    assert f["ndev"] == 2 and f["nuc"] == 3 and f["new_files"] == 0 and f["lt"] == 21


def test_no_history_means_missing_not_zero():
    from mergeguard.change import parse_diff, Change

    files, _ = parse_diff(b"diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n")
    f = extract_all(Change(id="d", files=files), Context()).features
    assert f["la"] == 1 and f["nf"] == 1
    assert all(f[k] is None for k in ("lt", "ndev", "age", "nuc", "exp", "rexp", "sexp", "fix"))
