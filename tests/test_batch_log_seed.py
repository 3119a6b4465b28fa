"""``score --commits`` in one process: the gate's history scorer replays the history from the records
the batch's own replay streamed, instead of a ``git log`` of its own (issue 16), and every line is
what the plain replays give; on an incomplete mirror it keeps streaming its own log."""

from __future__ import annotations

from mergeguard.pipeline import without_timings
from mergeguard.review import WindowScorer
from mergeguard.sources import LogMemo

from .gitrepo import git
from .test_batch_speed import DAY, T0, _plain, _score_commits_json, _with_hole, merges  # noqa: F401 - merges is a fixture

GATE = ("version: 1\nthresholds:\n  mode: percentile\n  medium: 75\n  high: 90\n  critical: 98\n"
        "history_commits: 20\n")


def _watch(monkeypatch) -> dict[str, int]:
    """How the scorer's replays were served: from records (``served``) or by ``git log`` (``logs``)."""
    seen = {"served": 0, "logs": 0, "adopted": 0}
    real_call, real_log, real_take = WindowScorer.__call__, LogMemo.log, LogMemo.take

    def call(self, shas, cfg):
        served = self.memo.served if self.memo is not None else 0
        out = real_call(self, shas, cfg)
        seen["served"] += (self.memo.served if self.memo is not None else 0) - served
        return out

    def log(self, revs):
        if not self.records:
            seen["logs"] += 1
        return real_log(self, revs)

    def take(self, records):  # what adopt keeps, and what a worker hands back, goes through take
        real_take(self, records)
        seen["adopted"] = len(self.records)

    monkeypatch.setattr(WindowScorer, "__call__", call)
    monkeypatch.setattr(LogMemo, "log", log)
    monkeypatch.setattr(LogMemo, "take", take)
    return seen


def _watched_against_plain(repo, shas, tmp_path, monkeypatch, jobs: int) -> dict[str, int]:
    """Scores ``shas`` with every shortcut on at ``--jobs jobs`` while watching how the gate scorer's
    replays were served, then with every shortcut off: the lines must be equal. Returns what was seen."""
    config = tmp_path / "gate.yml"
    config.write_text(GATE)
    seen = _watch(monkeypatch)
    fast = _score_commits_json(repo, shas, tmp_path, "fast", "--config", str(config), "--jobs", str(jobs))
    monkeypatch.undo()
    _plain(monkeypatch)
    plain = _score_commits_json(repo, shas, tmp_path, "plain", "--config", str(config), "--jobs", "1")
    assert len(fast) == len(plain) == len(shas)
    assert [without_timings(a) for a in fast] == [without_timings(b) for b in plain]
    return seen


def test_the_scorer_replays_from_the_batchs_records_and_decides_as_the_plain_replays(merges, tmp_path,
                                                                                    monkeypatch):
    shas = git(merges, "rev-list", "--no-merges", "HEAD").split()[:15]
    seen = _watched_against_plain(merges, shas, tmp_path, monkeypatch, jobs=1)
    assert seen["adopted"] > 60  # the whole history's records, merges included
    assert seen["logs"] == 1  # the batch's replay; the scorer streamed none of its own
    assert seen["served"] >= 1


def test_an_incomplete_mirror_hands_no_records_over(merges, tmp_path, monkeypatch):
    _, shas = _with_hole(merges)
    assert _watched_against_plain(merges, shas, tmp_path, monkeypatch, jobs=1)["adopted"] == 0


def test_the_scorers_order_without_merges_is_gits(merges):
    """From the memo's order with merges, merges dropped: exactly what ``rev-list --no-merges`` lists,
    for revisions whose histories interleave side branches; and without records, git's own answer."""
    from mergeguard.git import GitRepo

    repo = GitRepo(merges)
    scorer = WindowScorer(repo, None)
    scorer.keep_log()
    assert scorer.memo is not None
    everything = git(merges, "rev-list", "HEAD").split()
    picks = [[everything[0]], everything[3:6], [everything[10], everything[40]], everything[20:50:7]]
    plain = [git(merges, "rev-list", "--reverse", "--date-order", "--no-merges", *p, "--").split() for p in picks]
    assert [scorer.non_merge_order(p) for p in picks] == plain  # no records yet: git answers
    list(scorer.memo.log(["HEAD"]))  # keeps every record
    asked: list[tuple[str, ...]] = []
    real_run = repo.run

    def run(*args, **kwargs):
        asked.append(args)
        return real_run(*args, **kwargs)

    repo.run = run  # type: ignore[method-assign]
    assert [scorer.non_merge_order(p) for p in picks] == plain
    assert not any("--no-merges" in a for a in asked)  # from the memo's order
    assert any(len(o) != len(git(merges, "rev-list", "--reverse", "--date-order", *p, "--").split())
               for o, p in zip(plain, picks, strict=True))  # merges were there to drop
    asked.clear()
    assert [r.sha for r in scorer.memo.log(picks[-1])] == git(merges, "rev-list", "--reverse", "--date-order",
                                                             *picks[-1], "--").split()
    assert asked == []  # the replay read the order just listed
