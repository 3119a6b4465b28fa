"""Scoring in child processes (app/scoring.py): the same assessment as in-thread, a repository stays
with one child, errors keep their type, crashed and hung children are replaced, and nothing is left
running after close. Real repositories, the real trained model, real spawned processes."""

from __future__ import annotations

import os
import pickle
import time

import pytest

from mergeguard.app.jobs import PermanentError, TransientError, is_transient
from mergeguard.app.scoring import (ProcessScorer, ScoreRequest, ScoringCrashed, ScoringTimeout, ThreadScorer,
                                    _portable, scorer)
from mergeguard.app.settings import Settings, SettingsError
from mergeguard.errors import RefError
from mergeguard.git import GitRepo
from mergeguard.models.model import load
from mergeguard.policy import PullRequestFacts

from .test_app_web import pem


class Exits:
    """Unpickling this ends the process that reads it: a child dying in the middle of a request."""

    def __reduce__(self):
        return (os._exit, (3,))


class Sleeps:
    """Unpickling this blocks for a while: a scoring that hangs."""

    def __reduce__(self):
        return (time.sleep, (60,))


@pytest.fixture(scope="module")
def request_of(synthetic_repos, trained_model_dir, tmp_path_factory):
    repo = GitRepo(synthetic_repos[0].path)
    head = repo.resolve("HEAD")
    base = repo.resolve("HEAD~3")
    # the App keeps the scores of each repository's history in its data dir: scored once here (as a
    # first pull request would), every request below reads them instead of scoring the history again
    cache = str(tmp_path_factory.mktemp("scores"))
    from mergeguard.config import Config
    from mergeguard.review import make_gate

    make_gate(repo, load(str(trained_model_dir[0])), score_cache=cache).thresholds_at(base, Config())

    def make(**facts) -> ScoreRequest:
        return ScoreRequest(str(repo.path), base, head, repo.merge_base(base, head),
                            PullRequestFacts(author="dev", **facts), score_cache=cache)

    return make


@pytest.fixture()
def processes(trained_model_dir):
    s = ProcessScorer(str(trained_model_dir[0]), 2, timeout=120)
    yield s
    s.close()


def without_timing(value):
    """The assessment without its wall-clock timings (``timing_ms`` at any depth)."""
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items() if k != "timing_ms"}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


def test_a_child_process_gives_the_assessment_the_job_thread_would(processes, request_of, trained_model_dir):
    model_dir = str(trained_model_dir[0])
    in_thread = ThreadScorer(lambda: load(model_dir)).score("demo/svc", request_of())
    in_child = processes.score("demo/svc", request_of())
    assert 0.0 <= in_child["score"] <= 1.0
    assert in_child["verdict"]["conclusion"] == in_thread["verdict"]["conclusion"]
    assert without_timing(in_child) == without_timing(in_thread)
    pid = processes.pids()[processes.child_for("demo/svc")]
    assert pid is not None and pid != os.getpid()
    # the child runs below the web threads' priority
    assert os.getpriority(os.PRIO_PROCESS, pid) >= 10


def test_a_repository_stays_with_one_child_and_repositories_spread_over_the_children(processes, request_of):
    assert processes.child_for("a/one") == 0
    assert processes.child_for("a/two") == 1
    assert processes.child_for("a/one") == 0
    assert processes.child_for("a/three") == 0  # both have one: the lowest index
    processes.score("a/one", request_of())
    first = processes.pids()[0]
    processes.score("a/one", request_of())  # the same child again: its warm index is reused
    assert processes.pids()[0] == first
    assert processes.pids()[1] is None  # started only when a repository of its own is scored


def test_errors_from_the_child_keep_their_type_so_the_queue_decides_the_same(processes, request_of):
    bad = request_of()
    bad = ScoreRequest(bad.git_dir, bad.base_sha, "0" * 40, bad.merge_base, bad.facts)
    with pytest.raises(RefError) as info:
        processes.score("demo/svc", bad)
    assert is_transient(None, info.value) is False
    # and the child survives an error: the next request is served by the same process
    pid = processes.pids()[processes.child_for("demo/svc")]
    assert processes.score("demo/svc", request_of())["score"] >= 0.0
    assert processes.pids()[processes.child_for("demo/svc")] == pid


def test_a_child_that_dies_mid_request_fails_the_job_transiently_and_is_replaced(trained_model_dir, request_of):
    started = []
    processes = ProcessScorer(str(trained_model_dir[0]), 2, timeout=120, on_start=started.append)
    try:
        processes.score("demo/svc", request_of())
        old = processes.pids()[0]
        with pytest.raises(ScoringCrashed, match=r"died \(exit code 3\)") as info:
            processes.score("demo/svc", request_of(teams={"@org/t": Exits()}))
        assert isinstance(info.value, TransientError) and is_transient(None, info.value)
        assert processes.score("demo/svc", request_of())["score"] >= 0.0
        assert processes.pids()[0] not in (None, old)
    finally:
        processes.close()
    assert started == ["first", "replacement"]  # what /metrics counts


def test_a_hung_child_is_killed_after_the_timeout_and_the_job_fails_for_good(trained_model_dir, request_of):
    s = ProcessScorer(str(trained_model_dir[0]), 1, timeout=300)
    try:
        s.score("demo/svc", request_of())  # spawn and model load are not part of the hang (nor timed)
        s.timeout = 2
        hung = s.pids()[0]
        # The child sleeps 60 s; had the timeout not fired, it would have woken and answered (an error
        # about its request), not raised ScoringTimeout: the exception itself is the proof, no clock needed.
        with pytest.raises(ScoringTimeout, match="longer than 2 s") as info:
            s.score("demo/svc", request_of(teams={"@org/t": Sleeps()}))
        assert isinstance(info.value, PermanentError)
        assert not os.path.exists(f"/proc/{hung}") or _zombie(hung)
        s.timeout = 300  # a fresh child (spawn, model load) takes the next request
        assert s.score("demo/svc", request_of())["score"] >= 0.0
    finally:
        s.close()


def test_close_stops_every_child(trained_model_dir, request_of):
    s = ProcessScorer(str(trained_model_dir[0]), 2, timeout=120)
    s.score("a/one", request_of())
    s.score("a/two", request_of())
    pids = s.pids()
    assert all(pids)
    s.close()
    assert s.pids() == [None, None]
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or _zombie(pid)


def _gone(pid: int) -> bool:
    return not os.path.exists(f"/proc/{pid}") or _zombie(pid)


def _wait_gone(pid: int, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.2)
    return False


def _run_and_kill(code: str) -> int:
    """Run ``code`` in a fresh interpreter until it prints a pid, kill -9 it, return that pid."""
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(proc.stdout.readline())
        time.sleep(0.5)  # the scoring request is on its way (the child blocks reading it)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    return pid


def test_a_child_busy_scoring_does_not_outlive_a_worker_killed_with_kill_9(trained_model_dir):
    """kill -9 of the server runs no cleanup; the child, mid-request (a request that takes 10
    minutes), must go with it instead of finishing its work for nobody."""
    code = f"""
import time
from mergeguard.app.scoring import ProcessScorer
class Sleeps:
    def __reduce__(self):
        return (time.sleep, (600,))
s = ProcessScorer({str(trained_model_dir[0])!r}, 1, timeout=3600)
child = s._children[0]
child._start()
print(child.process.pid, flush=True)
s.score("demo/svc", Sleeps())
"""
    child = _run_and_kill(code)
    assert _wait_gone(child), f"scoring process {child} outlived its killed parent"


def test_the_watchdog_alone_ends_an_orphan_where_the_kernel_does_not(tmp_path):
    """Without PR_SET_PDEATHSIG (other systems): the parent-pid watchdog ends the orphan."""
    code = """
import subprocess, sys, time
inner = "import os, sys, time; sys.platform = 'other'; from mergeguard.app.scoring import die_with_parent; " \
        "die_with_parent(os.getppid(), poll=0.2); time.sleep(600)"
p = subprocess.Popen([sys.executable, "-c", inner])
print(p.pid, flush=True)
time.sleep(600)
"""
    orphan = _run_and_kill(code)
    assert _wait_gone(orphan), f"process {orphan} outlived its killed parent"


def test_a_corrupt_model_directory_fails_in_the_child_with_the_models_own_error(tmp_path, request_of):
    from mergeguard.errors import ModelError

    (tmp_path / "model.txt").write_text("not a model\n")
    s = ProcessScorer(str(tmp_path), 1, timeout=60)
    try:
        with pytest.raises(ModelError):
            s.score("demo/svc", request_of())
    finally:
        s.close()


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] in ("Z", "X")
    except OSError:
        return True


def test_an_exception_that_cannot_travel_becomes_a_runtime_error_with_its_text():
    class Local(Exception):  # not importable in the parent: cannot be unpickled there
        pass

    assert isinstance(_portable(RefError("no such ref")), RefError)
    out = _portable(Local("boom"))
    assert type(out) is RuntimeError and "Local: boom" in str(out)
    pickle.dumps(out)


def test_scoring_mode_comes_from_the_environment_and_a_bad_value_names_the_variable():
    env = {"MERGEGUARD_APP_ID": "1", "MERGEGUARD_PRIVATE_KEY": pem(), "MERGEGUARD_WEBHOOK_SECRET": "s"}
    assert Settings.from_env(env).job_scoring == "process"
    assert Settings.from_env({**env, "MERGEGUARD_JOB_SCORING": "Thread"}).job_scoring == "thread"
    with pytest.raises(SettingsError, match="MERGEGUARD_JOB_SCORING must be one of process, thread"):
        Settings.from_env({**env, "MERGEGUARD_JOB_SCORING": "celery"})
    with pytest.raises(SettingsError, match="MERGEGUARD_JOB_SCORING_TIMEOUT_SECONDS must be at least 10"):
        Settings.from_env({**env, "MERGEGUARD_JOB_SCORING_TIMEOUT_SECONDS": "1"})
    assert isinstance(scorer("thread", model_dir=None, model=lambda: None, processes=1), ThreadScorer)
    with pytest.raises(ValueError):
        scorer("fork", model_dir=None, model=lambda: None, processes=1)


def test_the_warm_index_budget_comes_from_the_environment_and_is_shared_by_the_scoring_processes():
    env = {"MERGEGUARD_APP_ID": "1", "MERGEGUARD_PRIVATE_KEY": pem(), "MERGEGUARD_WEBHOOK_SECRET": "s"}
    assert Settings.from_env(env).warm_index_mb == 1024
    assert Settings.from_env({**env, "MERGEGUARD_WARM_INDEX_MB": "64"}).warm_index_mb == 64
    with pytest.raises(SettingsError, match="MERGEGUARD_WARM_INDEX_MB must be at least 1"):
        Settings.from_env({**env, "MERGEGUARD_WARM_INDEX_MB": "0"})
    thread = scorer("thread", model_dir=None, model=lambda: None, processes=1, warm_bytes=5 << 20)
    assert thread.history.max_bytes == 5 << 20
    processes = scorer("process", model_dir=None, model=lambda: None, processes=2, warm_bytes=5 << 20)
    try:
        assert [c.warm_bytes for c in processes._children] == [(5 << 20) // 2] * 2
    finally:
        processes.close()


def test_a_child_reports_its_warm_indexes_and_metrics_show_them(request_of, trained_model_dir, tmp_path):
    from mergeguard.app.metrics import Metrics
    from mergeguard.app.store import Store

    s = ProcessScorer(str(trained_model_dir[0]), 1, timeout=120, warm_bytes=64 << 20)
    try:
        assert s.warm_stats() == {"indexes": 0, "bytes": 0, "budget_bytes": 0, "evicted": 0}
        s.score("demo/svc", request_of())
        stats = s.warm_stats()
        assert stats["indexes"] == 1 and 0 < stats["bytes"] < stats["budget_bytes"] == 64 << 20
        metrics = Metrics(Store(f"sqlite:///{tmp_path / 'm.db'}"))
        metrics.watch_warm(s.warm_stats)
        from prometheus_client.parser import text_string_to_metric_families

        samples = {smp.name: smp.value for fam in text_string_to_metric_families(metrics.render()[0].decode())
                   for smp in fam.samples}
        assert samples["mergeguard_warm_indexes"] == 1 and samples["mergeguard_warm_index_budget_bytes"] == 64 << 20
        assert samples["mergeguard_warm_index_bytes"] == stats["bytes"]
        assert samples["mergeguard_warm_index_evictions_total"] == 0
    finally:
        s.close()
