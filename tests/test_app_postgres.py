"""The App on PostgreSQL (``MERGEGUARD_DATABASE_URL=postgresql+psycopg://...``): the store, the queue's
atomic claims under concurrent workers, and a pull request scored end to end, against a real server
started here (tests/pgserver.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from mergeguard.app.jobs import Queue
from mergeguard.app.store import JobSpec, Store

from . import pgserver
from .ghstub import GitHubStub
from .test_app_serve import (INSTALLATION, NUMBER, REPO, drain, our_runs, post, pr_payload, pr_repo,  # noqa: F401
                             public_pem)
from .test_app_web import make_settings, pem


@pytest.fixture(scope="module")
def pg_socket():
    if pgserver.binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; .ci/run installs Debian's package")
        pytest.skip("PostgreSQL (initdb, pg_ctl) not installed (apt-get install postgresql); required on CI")
    base = Path(tempfile.mkdtemp(prefix="mg-pg-"))  # not under pytest's 0700 dirs: the server's user reads it
    base.chmod(0o755)
    try:
        with pgserver.server(base / "pg") as sock:
            yield sock
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_url(pg_socket):
    with pgserver.database(pg_socket) as url:
        yield url


def spec(pr: int, kind: str = "score") -> JobSpec:
    return JobSpec(kind=kind, repo="octo/svc", pr_number=pr, installation=98_765_432_101, payload={"number": pr})


def test_deliveries_jobs_assessments_and_acceptances_round_trip(pg_url):
    store = Store(pg_url)
    try:
        assert store.engine.dialect.name == "postgresql"
        first = store.record_delivery("d-1", "pull_request", "opened", "octo/svc", 98_765_432_101, [spec(1)],
                                      outcome="queued", max_attempts=3)
        assert first and len(first) == 1
        # a redelivery collides on the primary key: no second job, and the transaction is rolled back cleanly
        assert store.record_delivery("d-1", "pull_request", "opened", "octo/svc", 98_765_432_101, [spec(1)],
                                     outcome="queued", max_attempts=3) is None
        second = store.record_delivery("d-2", "pull_request", "synchronize", "octo/svc", 98_765_432_101, [spec(1)],
                                       outcome="queued", max_attempts=3)
        assert store.job(first[0])["state"] == "superseded" and store.job(second[0])["state"] == "queued"
        assert store.job(second[0])["installation"] == 98_765_432_101  # over 32 bits
        assert store.deliveries_by_event() == {("pull_request", "queued"): 2}
        assessment = {"score": 0.42, "level": "high", "features": {"la": 10}, "model": {"version": "2026.11.4"},
                      "change": {"head": "a" * 40, "gate_base": "b" * 40}}
        store.save_assessment("octo/svc", 1, assessment, check_run_id=34_567_890_123)
        row = store.latest_assessment("octo/svc", pr_number=1, head_sha="a" * 40)
        assert row["check_run_id"] == 34_567_890_123 and row["level"] == "high"
        assert row["model_version"] == "2026.11.4" and row["assessment"]["features"] == {"la": 10}
        store.record_acceptance("octo/svc", 1, "A" * 40, "@alice", "button", base_ref="main", level="high")
        assert [a["by"] for a in store.acceptances_for("octo/svc", "a" * 40)] == ["alice"]
        store.ping()
    finally:
        store.dispose()


def test_an_older_postgresql_database_is_upgraded_in_place(pg_url):
    from .test_app_store_migration import check_upgraded, create_old_schema

    create_old_schema(pg_url)
    check_upgraded(pg_url)


def test_concurrent_workers_claim_each_job_once_and_one_per_pull_request_at_a_time(pg_url):
    from .test_app_jobs import run_concurrent_workers

    store = Store(pg_url)
    try:
        assert run_concurrent_workers(store) == []
    finally:
        store.dispose()


def test_an_expired_lease_is_taken_over(pg_url):
    store = Store(pg_url)
    try:
        job_id = store.enqueue(spec(7), max_attempts=3, now=1000.0)
        q = Queue(store, lease_seconds=30)
        first = q.claim(now=1000.0)
        assert first.id == job_id and q.claim(now=1029.0) is None
        second = q.claim(now=1031.0)
        assert second.id == job_id and second.attempts == 2
        assert q.complete(first) is False and q.complete(second) is True  # only the lease holder finishes
    finally:
        store.dispose()


def test_a_pull_request_is_scored_end_to_end_with_postgresql(tmp_path, pg_url, pr_repo, trained_model_dir):
    from mergeguard.app.web import create_app, runtime

    path, _ = pr_repo
    with GitHubStub(app_id=4242, app_public_key_pem=public_pem(pem()), first_id=30_000_000_000) as stub:
        stub.add_installation(INSTALLATION, "octo")
        stub.add_repo(REPO, path, collaborators={"alice": "write", "dev": "write"})
        stub.add_pull(REPO, NUMBER, head="feature", base="main", author="dev", title="Add turbo mode")
        settings = make_settings(tmp_path, github_api_url=stub.url, model_dir=str(trained_model_dir[0]),
                                 database_url=pg_url)
        app = create_app(settings, start_workers=False)
        payload = pr_payload(stub, "pull_request", "opened")
        try:
            assert post(app.test_client(), "pull_request", payload).status_code == 202
            assert drain(app) == 1
            (run,) = our_runs(stub)
            assert run.data["status"] == "completed" and run.data["conclusion"] == "action_required"
            stored = runtime(app).store.latest_assessment(REPO, pr_number=NUMBER)
            assert stored["check_run_id"] == run.data["id"] > 2**31
        finally:
            runtime(app).stop()
        # a restarted server sees the same database: the delivery is known, the job done
        again = create_app(settings, start_workers=False)
        try:
            rt = runtime(again)
            assert rt.store.jobs_by_state() == {"done": 1}
            body = post(again.test_client(), "pull_request", payload)
            assert body.status_code == 202  # a new delivery id (post() makes one): a new score job ...
            assert drain(again) == 1
            assert len(our_runs(stub)) == 1  # ... that updates the same check run
            assert stub.violations == []
        finally:
            runtime(again).stop()
