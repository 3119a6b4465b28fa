"""The local pool's start-up (issue 16, fifth round): workers forked from a fork server that has
imported the task's modules already, started before the command's own imports and planning.

The pool is started in a fresh interpreter for each case (a pytest process's fork server may have
been started by an earlier test, without the modules, and is started once per process)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from mergeguard import cli

from .test_batch_speed import merges  # noqa: F401 - a fixture

SCRIPT = """
import sys
from mergeguard.batch import run_tasks

def loaded(name):
    return name in sys.modules

if __name__ == "__main__":
    preload = sys.argv[1:]
    print(run_tasks(loaded, ["mergeguard.features.api_surface"] * 2, jobs=2, preload=preload))
"""


def _workers_saw(tmp_path: Path, *preload: str) -> str:
    script = tmp_path / "pool_script.py"
    script.write_text(SCRIPT)
    done = subprocess.run([sys.executable, str(script), *preload], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_workers_inherit_the_preloaded_modules(tmp_path):
    assert _workers_saw(tmp_path, "mergeguard.features.api_surface") == "[True, True]"


def test_without_preload_workers_import_for_themselves(tmp_path):
    assert _workers_saw(tmp_path) == "[False, False]"


@pytest.mark.parametrize("name", cli.SCORE_PRELOAD)
def test_every_module_the_score_pool_preloads_exists(name):
    """The fork server skips a module it cannot import without a word: a misspelt name would silently
    bring back each worker's own imports."""
    assert importlib.import_module(name).__name__ == name


def test_the_pool_starts_early_only_for_a_batch_worth_two_workers(tmp_path, monkeypatch):
    from mergeguard import batch

    monkeypatch.setattr(batch, "default_jobs", lambda: 2)
    many = tmp_path / "many.txt"
    many.write_text("# a comment\n" + "".join(f"{i:040x}\n" for i in range(2 * cli.MIN_COMMITS_PER_JOB)))
    few = tmp_path / "few.txt"
    few.write_text("".join(f"{i:040x}\n" for i in range(2 * cli.MIN_COMMITS_PER_JOB - 1)))
    parse = cli.build_parser().parse_args

    def ahead(*argv: str) -> bool:
        """As ``score`` asks: the commits are read once (:func:`cli._commit_list`), then counted."""
        args = parse(["score", *argv])
        return cli._pool_ahead(args, len(args.commit or []) + len(cli._commit_list(args.commits) if args.commits else []))

    assert ahead("--commits", str(many))
    assert not ahead("--commits", str(few))
    assert ahead("--commits", str(few), "--commit", "HEAD")  # --commit and --commits count together
    assert not ahead("--commits", str(many), "--jobs", "1")
    assert not ahead("--diff", "-")
    with pytest.raises(cli.MergeguardError, match="cannot read .*missing.txt"):
        ahead("--commits", str(tmp_path / "missing.txt"))  # said once, where the commits are read
    monkeypatch.setattr(batch, "default_jobs", lambda: 1)
    assert not ahead("--commits", str(many))
    assert ahead("--commits", str(many), "--jobs", "3")


# -- a worker hands its replay's records to the parent's gate scorer -------------------------------

def _two_workers(monkeypatch) -> None:
    """Small batches split over two worker processes (the synthetic histories are short)."""
    monkeypatch.setattr(cli, "MIN_COMMITS_PER_JOB", 5)


def test_the_parent_replays_from_a_workers_records_and_decides_as_the_plain_replays(merges, tmp_path,
                                                                                     monkeypatch):
    from .gitrepo import git
    from .test_batch_log_seed import _watched_against_plain

    shas = git(merges, "rev-list", "--no-merges", "HEAD").split()[:15]
    _two_workers(monkeypatch)
    seen = _watched_against_plain(merges, shas, tmp_path, monkeypatch, jobs=2)
    assert seen["adopted"] > 60  # the whole history's records, merges included, from a worker
    assert seen["logs"] == 0  # this process streamed no git log: the workers did, and one handed it over
    assert seen["served"] >= 1


def test_an_incomplete_mirrors_worker_hands_no_records_over(merges, tmp_path, monkeypatch):
    from .test_batch_log_seed import _watched_against_plain
    from .test_batch_speed import _with_hole

    _, shas = _with_hole(merges)
    _two_workers(monkeypatch)
    seen = _watched_against_plain(merges, shas, tmp_path, monkeypatch, jobs=2)
    assert seen["adopted"] == 0 and seen["logs"] >= 1  # the scorer streamed its own log, as before


def test_a_slice_hands_its_records_only_when_asked(merges):
    from mergeguard.change import Limits
    from mergeguard.pipeline import CommitSlice, score_slice

    from .gitrepo import git

    shas = tuple(git(merges, "rev-list", "--no-merges", "HEAD").split()[:4])
    task = CommitSlice(repo=str(merges), shas=shas, only=shas[:2], model=None, limits=Limits())
    assert score_slice(task)[3] is None
    import dataclasses

    records = score_slice(dataclasses.replace(task, hand_log=True))[3]
    assert records is not None and set(git(merges, "rev-list", *shas).split()) == set(records)


# -- the window scorer's orders listed ahead, on the core the pool no longer uses -------------------

def test_prefetched_orders_are_gits_and_a_failure_is_raised_where_asked(merges):
    import threading

    from mergeguard.errors import RepositoryError
    from mergeguard.git import GitRepo
    from mergeguard.sources import LogMemo

    from .gitrepo import git

    memo = LogMemo(GitRepo(merges))
    memo.prefetch([["HEAD"]])
    assert memo._ahead == {}  # no records yet: nothing listed ahead (the order would go unused)
    list(memo.log(["HEAD"]))
    everything = git(merges, "rev-list", "HEAD").split()
    picks = [everything[3:6], [everything[10], everything[40]], ["f" * 40]]
    where: list[str] = []
    real = memo._rev_list

    def rev_list(revs):
        where.append(threading.current_thread().name)
        return real(revs)

    memo._rev_list = rev_list  # type: ignore[method-assign]
    memo.prefetch(picks)
    for p in picks[:2]:
        assert memo.order(p) == git(merges, "rev-list", "--reverse", "--date-order", *p, "--").split()
    with pytest.raises(RepositoryError):
        memo.order(picks[2])
    assert len(where) == 3 and all(w.startswith("rev-list") for w in where)  # every one listed ahead
    other = [everything[7]]
    assert memo.order(other) == git(merges, "rev-list", "--reverse", "--date-order", *other, "--").split()
    assert where[-1] == threading.current_thread().name  # not guessed: listed when asked
    memo.stop_prefetch()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_gates_window_orders_are_listed_ahead_and_decide_as_the_plain_replays(jobs, merges, tmp_path,
                                                                                  monkeypatch):
    import threading

    from mergeguard.pipeline import without_timings
    from mergeguard.sources import LogMemo

    from .gitrepo import git
    from .test_batch_log_seed import GATE
    from .test_batch_speed import _plain, _score_commits_json

    shas = git(merges, "rev-list", "--no-merges", "HEAD").split()[:15]
    config = tmp_path / "gate.yml"
    config.write_text(GATE)
    _two_workers(monkeypatch)
    where: list[str] = []
    real = LogMemo._rev_list

    def rev_list(self, revs):
        where.append(threading.current_thread().name)
        return real(self, revs)

    monkeypatch.setattr(LogMemo, "_rev_list", rev_list)
    fast = _score_commits_json(merges, shas, tmp_path, "fast", "--config", str(config), "--jobs", jobs)
    ahead = [w for w in where if w.startswith("rev-list")]
    assert len(ahead) >= 2 and len(ahead) == len(where)  # every window order the scorer read was listed ahead
    monkeypatch.undo()
    _plain(monkeypatch)
    plain = _score_commits_json(merges, shas, tmp_path, "plain", "--config", str(config), "--jobs", "1")
    assert len(fast) == len(plain) == 15
    assert [without_timings(a) for a in fast] == [without_timings(b) for b in plain]
