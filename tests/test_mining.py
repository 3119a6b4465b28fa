"""Mining a real repository: every non-merge commit, features as of its parent, known labels."""

from __future__ import annotations

from mergeguard.git import GitRepo
from mergeguard.models.dataset import read_rows, write_rows

from .conftest import MATURITY_DAYS


def test_every_non_merge_commit_is_mined(synthetic_repos, mined):
    syn, (rows, report) = synthetic_repos[0], mined[0]
    expected = GitRepo(syn.path).run("rev-list", "--no-merges", "HEAD").split()
    assert len(rows) == len(expected) == report.commits
    assert [r["time"] for r in rows] == sorted(r["time"] for r in rows)


def test_labels_match_the_designed_history(synthetic_repos, mined):
    for syn, (rows, report) in zip(synthetic_repos, mined, strict=True):
        by_sha = {r["sha"]: r for r in rows}
        mature = [r for r in rows if r["labels"]["mature"]]
        assert 0 < len(mature) < len(rows)
        flagged = {r["sha"] for r in mature if r["labels"]["bug_inducing"]}
        fixed_buggy = {s for s in syn.buggy if by_sha[s]["labels"]["mature"]}
        # every designed bug that was later fixed is found; nothing else is blamed
        assert fixed_buggy and fixed_buggy <= flagged
        assert flagged <= syn.buggy
        for sha in syn.reverted:
            assert by_sha[sha]["labels"]["reverted"] and by_sha[sha]["labels"]["risky"]
        newest = max(r["time"] for r in rows)
        for r in rows:
            young = r["time"] > newest - MATURITY_DAYS * 86400
            assert r["labels"]["mature"] is not young
            if young:
                assert r["labels"]["risky"] is None
        assert report.bug_inducing == len(flagged)


def test_dataset_round_trip(mined, tmp_path):
    rows, _ = mined[0]
    path = tmp_path / "d.jsonl"
    assert write_rows(rows, path) == len(rows)
    back = read_rows([path])
    assert [r["sha"] for r in back] == [r["sha"] for r in rows]
    assert back[5]["features"] == dict(rows[5]["features"])


def test_max_commits_keeps_history_but_emits_the_newest(synthetic_repos, mined):
    from mergeguard.models.mining import mine

    rows_all, _ = mined[0]
    rows, report = mine(GitRepo(synthetic_repos[0].path), name="demo/svc0", maturity_days=MATURITY_DAYS, max_commits=30)
    assert len(rows) == 30
    by_sha = {r["sha"]: r for r in rows_all}
    for r in rows:  # same features as the full run: the replay still saw all earlier history
        assert r["features"] == by_sha[r["sha"]]["features"]
