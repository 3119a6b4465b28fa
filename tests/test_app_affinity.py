"""Several workers on one database: a repository's jobs stay with the worker that has it warm, and move
when that worker dies or falls behind (app/affinity.py). On SQLite and on a real PostgreSQL."""

from __future__ import annotations

import pytest

from mergeguard.app.affinity import Affinity, live_workers, owners
from mergeguard.app.jobs import Queue
from mergeguard.app.store import JobSpec, Store

from .test_app_postgres import pg_socket  # noqa: F401 -- the module's PostgreSQL server

T0 = 1_000_000.0


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'q.db'}")
        yield s
        s.dispose()
        return
    from . import pgserver

    sock = request.getfixturevalue("pg_socket")
    with pgserver.database(sock) as url:
        s = Store(url)
        yield s
        s.dispose()


def spec(repo: str, pr: int) -> JobSpec:
    return JobSpec(kind="score", repo=repo, pr_number=pr, installation=1, payload={"number": pr})


def worker(store: Store, name: str, *, ttl: float = 30.0, wait: float = 60.0) -> Queue:
    q = Queue(store, lease_seconds=300, affinity=Affinity(worker_id=name, ttl_seconds=ttl, wait_seconds=wait))
    q.affinity.heartbeat(store, now=T0)
    return q


def test_a_repositorys_next_job_waits_for_the_worker_that_has_it_warm(store):
    a, b = worker(store, "a"), worker(store, "b")
    store.enqueue(spec("o/r1", 1), max_attempts=3, now=T0)
    first = a.claim(now=T0 + 1)
    assert first.repo == "o/r1" and owners(store) == {"o/r1": "a"}
    assert a.complete(first)
    store.enqueue(spec("o/r1", 2), max_attempts=3, now=T0 + 2)
    assert b.claim(now=T0 + 3) is None  # a is alive and keeps up: the job is a's
    second = a.claim(now=T0 + 3)
    assert second.pr_number == 2 and owners(store) == {"o/r1": "a"}
    # another repository is anyone's; b now owns it
    store.enqueue(spec("o/r2", 1), max_attempts=3, now=T0 + 4)
    assert b.claim(now=T0 + 5).repo == "o/r2"
    assert owners(store) == {"o/r1": "a", "o/r2": "b"}
    assert live_workers(store, 30.0, now=T0 + 5) == 2


def test_a_worker_takes_its_own_repositories_first(store):
    a, b = worker(store, "a"), worker(store, "b")
    store.enqueue(spec("o/mine", 1), max_attempts=3, now=T0)
    assert a.complete(a.claim(now=T0 + 1))
    store.enqueue(spec("o/new", 1), max_attempts=3, now=T0 + 2)  # older
    store.enqueue(spec("o/mine", 2), max_attempts=3, now=T0 + 3)
    assert a.claim(now=T0 + 4).repo == "o/mine"
    assert b.claim(now=T0 + 4).repo == "o/new"


def test_a_job_moves_when_its_owner_dies_or_falls_behind(store):
    a, b = worker(store, "a", ttl=30.0, wait=60.0), worker(store, "b", ttl=30.0, wait=60.0)
    store.enqueue(spec("o/r1", 1), max_attempts=3, now=T0)
    assert a.complete(a.claim(now=T0 + 1))
    # overloaded: a is alive but has not taken the job within the wait; b may
    store.enqueue(spec("o/r1", 2), max_attempts=3, now=T0 + 2)
    a.affinity.heartbeat(store, now=T0 + 61)
    b.affinity.heartbeat(store, now=T0 + 61)
    assert b.claim(now=T0 + 61) is None
    moved = b.claim(now=T0 + 62.5)
    assert moved.pr_number == 2 and owners(store) == {"o/r1": "b"}
    assert b.complete(moved)
    # dead: b stops beating; after the TTL its repository is anyone's at once
    store.enqueue(spec("o/r1", 3), max_attempts=3, now=T0 + 70)
    a.affinity.heartbeat(store, now=T0 + 95)
    assert a.claim(now=T0 + 90) is None  # b was seen at T0+61, within 30 s
    taken = a.claim(now=T0 + 95)
    assert taken.pr_number == 3 and owners(store) == {"o/r1": "a"}
    assert live_workers(store, 30.0, now=T0 + 95) == 1


def test_a_stopped_worker_frees_its_repositories_at_once(store):
    a, b = worker(store, "a"), worker(store, "b")
    store.enqueue(spec("o/r1", 1), max_attempts=3, now=T0)
    assert a.complete(a.claim(now=T0 + 1))
    store.enqueue(spec("o/r1", 2), max_attempts=3, now=T0 + 2)
    assert b.claim(now=T0 + 3) is None
    a.affinity.retire(store)
    assert owners(store) == {} and b.claim(now=T0 + 3).pr_number == 2


def test_nothing_is_claimed_twice_by_competing_workers(store):
    """Workers with affinity, claiming concurrently: every job once, one job per pull request at a time."""
    from .test_app_jobs import run_concurrent_workers

    def make_queue() -> Queue:
        q = Queue(store, lease_seconds=60, affinity=Affinity(ttl_seconds=30, wait_seconds=0.05))
        q.affinity.heartbeat(store)
        return q

    assert run_concurrent_workers(store, make_queue=make_queue) == []
