"""The durable job queue: leases, atomic claims, retries with backoff, on_failure, coalescing, restarts."""

from __future__ import annotations

import random
import threading

import pytest

from mergeguard.app.jobs import (Job, PermanentError, Queue, TransientError, WorkerPool, backoff, is_transient)
from mergeguard.app.store import JobSpec, Store
from mergeguard.errors import MergeguardError


class Recorder:
    """A job handler that records what it ran; ``fail`` decides, per call, what to raise."""

    def __init__(self, fail=None) -> None:
        self.runs: list[Job] = []
        self.failures: list[tuple[int, str]] = []
        self.fail = fail
        self.lock = threading.Lock()

    def run(self, job: Job) -> None:
        with self.lock:
            self.runs.append(job)
        if self.fail is not None:
            exc = self.fail(job)
            if exc is not None:
                raise exc

    def on_failure(self, job: Job, reason: str) -> None:
        self.failures.append((job.id, reason))


@pytest.fixture()
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'jobs.db'}")
    yield s
    s.dispose()


def spec(kind="score", repo="octo/demo", pr=1, **payload) -> JobSpec:
    return JobSpec(kind=kind, repo=repo, pr_number=pr, installation=7, payload={"number": pr, **payload})


def test_sqlite_runs_in_wal_mode(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_a_claimed_job_is_not_claimed_again_while_its_lease_lasts(store):
    q = Queue(store, lease_seconds=60)
    job_id = store.enqueue(spec(), max_attempts=3, now=1000.0)
    first = q.claim(now=1000.0)
    assert first is not None and first.id == job_id and first.attempts == 1
    assert store.job(job_id)["state"] == "running"
    assert store.job(job_id)["lease_until"] == pytest.approx(1060.0)
    assert q.claim(now=1059.0) is None


def test_an_expired_lease_makes_a_crashed_workers_job_claimable_again(store):
    q = Queue(store, lease_seconds=60)
    job_id = store.enqueue(spec(), max_attempts=3, now=1000.0)
    crashed = q.claim(now=1000.0)  # this worker "dies": it never completes
    again = q.claim(now=1061.0)
    assert again is not None and again.id == job_id and again.attempts == 2
    assert again.lease_token != crashed.lease_token
    # the old holder wakes up late: its completion must not count, the new holder's does
    assert q.complete(crashed) is False
    assert store.job(job_id)["state"] == "running"
    assert q.complete(again) is True
    assert store.job(job_id)["state"] == "done"


def test_the_heartbeat_extends_only_the_current_holders_lease(store):
    q = Queue(store, lease_seconds=60)
    job_id = store.enqueue(spec(), max_attempts=3, now=1000.0)
    job = q.claim(now=1000.0)
    q.extend({job.id: job.lease_token}, now=1050.0)
    assert store.job(job_id)["lease_until"] == pytest.approx(1110.0)
    assert q.claim(now=1100.0) is None
    q.extend({job.id: "not-the-token"}, now=2000.0)
    assert store.job(job_id)["lease_until"] == pytest.approx(1110.0)


def test_concurrent_claimers_never_share_a_job(store):
    n_jobs = 40
    for i in range(n_jobs):
        store.enqueue(spec(pr=i), max_attempts=3)
    claimed: list[int] = []
    lock = threading.Lock()

    def claimer() -> None:
        q = Queue(store, lease_seconds=600)  # a queue per thread, as in separate processes
        while (job := q.claim()) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)  # a wedged thread fails the test instead of holding the suite
    assert not any(t.is_alive() for t in threads)
    assert sorted(claimed) == sorted(r["id"] for r in store.all_jobs())
    assert len(claimed) == len(set(claimed)) == n_jobs


def test_a_newer_score_supersedes_queued_older_ones_of_the_same_pull_request(store):
    old = store.enqueue(spec(head_sha="a" * 40), max_attempts=3)
    other_pr = store.enqueue(spec(pr=2), max_attempts=3)
    reeval = store.enqueue(spec(kind="reevaluate"), max_attempts=3)
    new = store.enqueue(spec(head_sha="b" * 40), max_attempts=3)
    states = {r["id"]: r["state"] for r in store.all_jobs()}
    assert states == {old: "superseded", other_pr: "queued", reeval: "queued", new: "queued"}


def test_a_pull_requests_jobs_run_one_at_a_time(store):
    q = Queue(store, lease_seconds=60)
    store.enqueue(spec(kind="reevaluate"), max_attempts=3, now=1000.0)
    other = store.enqueue(spec(pr=9), max_attempts=3, now=1000.0)
    second = store.enqueue(spec(kind="reevaluate"), max_attempts=3, now=1000.0)
    first = q.claim(now=1000.0)
    assert first.pr_number == 1
    assert q.claim(now=1001.0).id == other  # same PR is busy: the other PR's job goes first
    assert q.claim(now=1002.0) is None
    q.complete(first)
    assert q.claim(now=1003.0).id == second


def test_transient_failures_retry_with_growing_delays_then_on_failure_runs_once(store):
    handler = Recorder(fail=lambda job: TransientError("GitHub answered 502"))
    q = Queue(store, lease_seconds=60, retry_base_seconds=0.0)  # no waiting in the test; backoff tested below
    pool = WorkerPool(q, {"score": handler}, threads=1)
    job_id = store.enqueue(spec(), max_attempts=3)
    while pool.run_once():
        pass
    row = store.job(job_id)
    assert [j.attempts for j in handler.runs] == [1, 2, 3]
    assert handler.failures == [(job_id, "TransientError: GitHub answered 502")]
    assert row["state"] == "failed" and row["attempts"] == 3
    assert row["last_error"] == "TransientError: GitHub answered 502"


def test_a_retry_waits_for_its_backoff(store):
    handler = Recorder(fail=lambda job: TransientError("timeout"))
    q = Queue(store, lease_seconds=60, retry_base_seconds=100.0)
    pool = WorkerPool(q, {"score": handler}, threads=1)
    job_id = store.enqueue(spec(), max_attempts=3)
    assert pool.run_once() is True
    row = store.job(job_id)
    assert row["state"] == "queued" and row["run_after"] > row["updated_at"] + 49  # >= 100 * 0.5
    assert pool.run_once() is False  # not due yet
    assert handler.failures == []


def test_permanent_errors_and_bugs_fail_at_once(store):
    for exc in (PermanentError("no such pull request"), MergeguardError("bad config"), KeyError("head")):
        handler = Recorder(fail=lambda job, exc=exc: exc)
        pool = WorkerPool(Queue(store, retry_base_seconds=0.0), {"score": handler}, threads=1)
        job_id = store.enqueue(spec(pr=hash(str(exc)) % 1000), max_attempts=5)
        while pool.run_once():
            pass
        assert len(handler.runs) == 1, exc
        assert [i for i, _ in handler.failures] == [job_id]
        assert store.job(job_id)["state"] == "failed"


def test_a_handler_may_classify_its_own_errors(store):
    class Picky(Recorder):
        def transient(self, exc):
            return isinstance(exc, LookupError)

    handler = Picky(fail=lambda job: KeyError("temporarily missing") if len(handler.runs) < 2 else None)
    pool = WorkerPool(Queue(store, retry_base_seconds=0.0), {"score": handler}, threads=1)
    job_id = store.enqueue(spec(), max_attempts=5)
    while pool.run_once():
        pass
    assert len(handler.runs) == 2 and handler.failures == []
    assert store.job(job_id)["state"] == "done"
    assert is_transient(handler, ValueError("x")) is False


def expire_leases(store: Store) -> None:
    """Let every lease run out, as time passing would."""
    from sqlalchemy import update

    from mergeguard.app.store import jobs
    with store.engine.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.state == "running").values(lease_until=0.0))


def test_a_killed_worker_does_not_spend_the_jobs_retry_budget(store):
    """Lease expiry is not a failure: a job killed on its only allowed attempt still runs again."""
    q = Queue(store, lease_seconds=60)
    job_id = store.enqueue(spec(), max_attempts=1, now=1000.0)
    assert q.claim(now=1000.0) is not None  # the only attempt; the worker is killed
    handler = Recorder()
    pool = WorkerPool(Queue(store, lease_seconds=60), {"score": handler}, threads=1)
    expire_leases(store)
    assert pool.run_once() is True
    (run,) = handler.runs
    assert (run.attempts, run.failures, run.takeovers) == (2, 0, 1)
    assert handler.failures == []
    row = store.job(job_id)
    assert row["state"] == "done" and row["failures"] == 0 and row["takeovers"] == 1


def test_a_crash_looping_server_delays_a_job_but_genuine_failures_still_end_it(store):
    """Kills interleaved with transient errors: only the errors count against max_attempts."""
    handler = Recorder(fail=lambda job: TransientError("GitHub answered 502"))
    q = Queue(store, lease_seconds=60, retry_base_seconds=0.0, max_takeovers=10)
    pool = WorkerPool(q, {"score": handler}, threads=1)
    job_id = store.enqueue(spec(), max_attempts=3)
    for _ in range(3):  # each attempt: a worker claims it and is killed, the next one runs it and it raises
        assert q.claim() is not None
        expire_leases(store)
        assert pool.run_once() is True  # taken over, and this time the handler raises
    row = store.job(job_id)
    assert row["state"] == "failed" and row["failures"] == 3 and row["takeovers"] == 3
    assert [j.failures for j in handler.runs] == [0, 1, 2]
    assert handler.failures == [(job_id, "TransientError: GitHub answered 502")]


def test_a_job_that_kills_every_worker_ends_after_max_takeovers_with_on_failure(store):
    handler = Recorder()
    q = Queue(store, lease_seconds=60, max_takeovers=3)
    pool = WorkerPool(q, {"score": handler}, threads=1)
    job_id = store.enqueue(spec(), max_attempts=5)
    assert q.claim() is not None
    for _ in range(3):  # each taker dies too
        expire_leases(store)
        assert q.claim() is not None
    expire_leases(store)
    assert pool.run_once() is True  # the fourth takeover: given up instead of run
    assert handler.runs == []
    assert handler.failures == [(job_id, "the worker running this job stopped responding 4 times")]
    row = store.job(job_id)
    assert row["state"] == "failed" and row["failures"] == 0 and row["takeovers"] == 4


def test_an_older_database_gets_the_new_columns_at_start_up(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # the jobs table as the first schema version created it
        db.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, kind VARCHAR(32) NOT NULL, state VARCHAR(16) NOT NULL,"
                   " repo VARCHAR(255), pr_number INTEGER, installation BIGINT, coalesce_key VARCHAR(300),"
                   " payload JSON NOT NULL, delivery_id VARCHAR(64), attempts INTEGER NOT NULL,"
                   " max_attempts INTEGER NOT NULL, run_after FLOAT NOT NULL, lease_until FLOAT,"
                   " lease_token VARCHAR(64), last_error TEXT, created_at FLOAT NOT NULL, updated_at FLOAT NOT NULL)")
        db.execute("INSERT INTO jobs (kind, state, repo, pr_number, payload, attempts, max_attempts, run_after,"
                   " created_at, updated_at) VALUES ('score', 'queued', 'octo/demo', 1, '{}', 0, 3, 0, 0, 0)")
    s = Store(f"sqlite:///{path}")
    try:
        job = Queue(s).claim()
        assert job is not None and (job.failures, job.takeovers) == (0, 0)
        assert s.counts()["check_runs"] == 0
    finally:
        s.dispose()


def test_check_run_notes_are_stranded_only_when_no_job_of_the_pull_request_can_complete_them(store):
    q = Queue(store, lease_seconds=60)
    first = store.enqueue(spec(), max_attempts=3)
    job = q.claim()
    store.open_check_run("octo/demo", "a" * 40, pr_number=1, installation=7, job_id=job.id)
    assert store.stranded_check_runs() == []  # its job runs
    expire_leases(store)
    assert store.stranded_check_runs() == []  # killed: it will be taken over, and may complete it
    q.fail(job, "RuntimeError: boom")
    (row,) = store.stranded_check_runs()
    assert row["head_sha"] == "a" * 40 and row["last_error"] == "RuntimeError: boom" and row["job_id"] == first
    second = store.enqueue(spec(), max_attempts=3)  # a newer job of the pull request: it goes first
    assert store.stranded_check_runs() == []
    newer = q.claim()
    assert newer.id == second
    store.open_check_run("octo/demo", "a" * 40, pr_number=1, installation=7, job_id=newer.id)  # same head again
    assert store.close_check_run("octo/demo", "a" * 40, job_id=first) is False  # no longer the old job's
    assert store.close_check_run("octo/demo", "a" * 40, job_id=newer.id) is True
    assert store.open_check_runs() == []


def test_unknown_job_kinds_fail_instead_of_looping(store):
    pool = WorkerPool(Queue(store), {"score": Recorder()}, threads=1)
    job_id = store.enqueue(spec(kind="mystery"), max_attempts=3)
    assert pool.run_once() is True
    assert store.job(job_id)["state"] == "failed"
    assert "mystery" in store.job(job_id)["last_error"]


def test_backoff_doubles_with_jitter_and_is_capped():
    rng = random.Random(4)
    for attempts in range(1, 8):
        delays = [backoff(attempts, 5.0, rng=rng) for _ in range(200)]
        nominal = 5.0 * 2 ** (attempts - 1)
        assert min(delays) >= nominal * 0.5 and max(delays) <= nominal * 1.5
        assert max(delays) - min(delays) > nominal * 0.5  # jittered, not constant
    assert backoff(40, 5.0, rng=rng) <= 3600 * 1.5


def test_worker_threads_pick_up_jobs_and_stop_gracefully_after_the_running_one(store):
    release = threading.Event()
    started = threading.Event()

    def slow(job):
        started.set()
        release.wait(10)

    handler = Recorder(fail=slow)
    pool = WorkerPool(Queue(store, lease_seconds=30), {"score": handler}, threads=2, poll_seconds=0.05).start()
    job_id = store.enqueue(spec(), max_attempts=3)
    pool.notify()
    assert started.wait(10)
    stopper = threading.Thread(target=lambda: setattr(stopper, "result", pool.stop(timeout=10)))
    stopper.start()
    release.set()
    stopper.join(15)
    assert stopper.result is True
    assert store.job(job_id)["state"] == "done"
    assert not any(pool.alive().values())
    store.enqueue(spec(pr=5), max_attempts=3)  # nothing claims after stop
    assert store.jobs_by_state().get("queued") == 1


class Closable(Recorder):
    def __init__(self, fail=None) -> None:
        super().__init__(fail)
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def test_stopping_closes_each_handler_once_but_only_when_no_job_runs_any_more(store):
    shared, other = Closable(), Closable()
    pool = WorkerPool(Queue(store), {"score": shared, "reevaluate": shared, "accept": other}, threads=1,
                      poll_seconds=0.05).start()
    assert pool.stop(timeout=10)
    assert (shared.closed, other.closed) == (1, 1)

    release, started = threading.Event(), threading.Event()
    busy = Closable(fail=lambda job: (started.set(), release.wait(10)) and None)
    pool = WorkerPool(Queue(store, lease_seconds=30), {"score": busy}, threads=1, poll_seconds=0.05).start()
    store.enqueue(spec(pr=9), max_attempts=3)
    pool.notify()
    assert started.wait(10)
    assert pool.stop(timeout=0.2) is False  # a job still runs: what it uses stays open
    assert busy.closed == 0
    release.set()


def run_concurrent_workers(store: Store, *, prs: int = 5, per_pr: int = 6, workers: int = 8,
                           make_queue=None) -> list[int]:
    """Jobs of several pull requests worked by ``workers`` threads; checks every job ran exactly once
    and returns the pull requests that ever had two jobs running at once (the queue promises none)."""
    import time

    for _ in range(per_pr):
        for pr in range(prs):
            store.enqueue(spec(kind="reevaluate", pr=pr), max_attempts=3)  # not superseded: all of them run
    running: dict[int, int] = {}
    overlaps: list[int] = []
    claimed: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        q = make_queue() if make_queue else Queue(store, lease_seconds=60)
        while (job := q.claim()) is not None:
            with lock:
                claimed.append(job.id)
                running[job.pr_number] = running.get(job.pr_number, 0) + 1
                if running[job.pr_number] > 1:
                    overlaps.append(job.pr_number)
            time.sleep(0.01)
            with lock:
                running[job.pr_number] -= 1
            assert q.complete(job)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert store.jobs_by_state() == {"done": prs * per_pr}
    assert len(claimed) == len(set(claimed)) == prs * per_pr  # no job handed out twice
    return overlaps


def test_concurrent_workers_run_one_job_per_pull_request_at_a_time(store):
    assert run_concurrent_workers(store) == []
