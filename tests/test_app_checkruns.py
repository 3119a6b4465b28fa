"""No check run is left in progress: the runs of jobs that died, were taken over, or failed while GitHub
was unreachable, against the local GitHub stand-in with a real repository and the real model.

A worker's death is played in-process by a scorer that raises a ``BaseException`` the queue does not
catch: the job stays ``running`` on its lease, exactly as after ``kill -9`` (the real kills are in
tests/test_faults.py, against ``mergeguard serve``)."""

from __future__ import annotations

import pytest

from mergeguard.app.web import runtime

from .gitrepo import commit, git
from .test_app_serve import NUMBER, REPO, WHEN, DAY, app, our_runs, post, pr_payload, pr_repo, stub  # noqa: F401
from .test_app_jobs import expire_leases


class Killed(BaseException):
    """What the job thread sees of ``kill -9``: nothing after this point runs."""


class DiesOnce:
    """Wraps the real scorer; the first call (after the check run was opened) dies."""

    def __init__(self, real) -> None:
        self.real, self.calls = real, 0

    def score(self, key, request):
        self.calls += 1
        if self.calls == 1:
            raise Killed()
        return self.real.score(key, request)

    def close(self, timeout: float = 10.0) -> None:
        self.real.close(timeout)


@pytest.fixture(scope="module")
def next_head(pr_repo):
    """A second head for the pull request (a push after the first scoring started)."""
    path, head = pr_repo
    git(path, "checkout", "-q", "-b", "feature-next", head)
    sha = commit(path, {"core/engine0.py": (path / "core/engine0.py").read_text() + "RETRIES = 3\n"},
                 "Retry a little", when=WHEN + 2 * DAY, author=("Dev", "dev@example.com"))
    git(path, "checkout", "-q", "main")
    return sha


def services(app):
    return runtime(app).pool.handlers["score"].s


def runs_by_head(stub) -> dict[str, list]:
    out: dict[str, list] = {}
    for r in our_runs(stub):
        out.setdefault(r.data["head_sha"], []).append(r)
    return out


def kill_the_first_scoring(app) -> None:
    """The opened pull request's job opens its head's check run, then its worker dies."""
    s = services(app)
    s.scorer = DiesOnce(s.scorer)
    with pytest.raises(Killed):
        runtime(app).pool.run_once()


def push(stub, app, sha: str) -> None:
    stub.add_pull(REPO, NUMBER, head=sha, base="main", author="dev", title="Add turbo mode")
    assert post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "synchronize")).status_code == 202


def test_a_job_killed_after_opening_its_run_is_taken_over_and_the_old_head_is_superseded(app, stub, next_head):
    first = stub.repos[REPO].pulls[NUMBER].head_sha
    assert post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "opened")).status_code == 202
    kill_the_first_scoring(app)
    assert [r.data["status"] for r in our_runs(stub)] == ["in_progress"]
    push(stub, app, next_head)  # the pull request moves on while the dead job holds its lease
    expire_leases(runtime(app).store)
    while runtime(app).pool.run_once():
        pass
    runs = runs_by_head(stub)
    assert set(runs) == {first, next_head}
    (old,), (new,) = runs[first], runs[next_head]
    assert old.data["status"] == "completed" and old.data["conclusion"] == "neutral"
    assert old.data["output"]["title"] == f"Superseded by {next_head[:12]}"
    assert new.data["status"] == "completed" and new.data["conclusion"] == "action_required"
    jobs = runtime(app).store.all_jobs()
    assert [(j["state"], j["failures"], j["takeovers"]) for j in jobs] == [("done", 0, 1), ("done", 0, 0)]
    assert runtime(app).store.open_check_runs() == []
    assert stub.violations == []


@pytest.mark.parametrize("moved", [False, True])
def test_the_sweeper_completes_a_run_whose_job_failed_while_github_refused_the_completion(app, stub, next_head,
                                                                                           moved):
    first = stub.repos[REPO].pulls[NUMBER].head_sha
    post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "opened"))
    kill_the_first_scoring(app)
    rt = runtime(app)
    rt.queue.max_takeovers = 0  # the next claim gives the job up: on_failure ...
    stub.fail("PATCH", r"/check-runs/\d+$", 403, times=1)  # ... cannot complete the run
    expire_leases(rt.store)
    assert rt.pool.run_once() is True
    (job,) = rt.store.all_jobs()
    assert job["state"] == "failed" and "stopped responding" in job["last_error"]
    assert [r.data["status"] for r in our_runs(stub)] == ["in_progress"]  # stranded
    if moved:
        stub.add_pull(REPO, NUMBER, head=next_head, base="main", author="dev")  # pushed; no webhook came (yet)
    assert rt.pool.sweep() == 1
    (run,) = our_runs(stub)
    assert run.data["head_sha"] == first and run.data["status"] == "completed" and run.data["conclusion"] == "neutral"
    if moved:
        assert run.data["output"]["title"] == f"Superseded by {next_head[:12]}"
    else:
        assert run.data["output"]["title"] == "Not scored: the worker running this job stopped responding 1 times"
        assert [a["identifier"] for a in run.data["actions"]] == ["rescore"]
    assert rt.store.open_check_runs() == [] and rt.pool.sweep() == 0
    assert stub.violations == []


def metric(app, name: str) -> float:
    text = app.test_client().get("/metrics").get_data(as_text=True)
    (line,) = [x for x in text.splitlines() if x.startswith(name + " ")]
    return float(line.split()[1])


def test_the_sweeper_leaves_a_run_alone_while_a_job_of_its_pull_request_may_complete_it(app, stub):
    post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "opened"))
    kill_the_first_scoring(app)
    rt = runtime(app)
    assert metric(app, "mergeguard_check_runs_open") == 1.0
    assert metric(app, "mergeguard_check_run_open_oldest_seconds") >= 0.0
    assert rt.pool.sweep() == 0  # the dead job's lease will expire and it will be taken over
    post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "reopened"))
    assert rt.pool.sweep() == 0
    expire_leases(rt.store)
    while rt.pool.run_once():
        pass
    (run,) = our_runs(stub)
    assert run.data["status"] == "completed" and run.data["conclusion"] == "action_required"
    assert rt.store.open_check_runs() == []
    assert len(stub.calls("POST", r"/check-runs$")) == 1
    assert metric(app, "mergeguard_check_runs_open") == 0.0
    assert metric(app, "mergeguard_check_run_open_oldest_seconds") == 0.0
    assert metric(app, "mergeguard_job_takeovers_total") == 1.0


def test_a_run_completed_before_its_note_was_closed_is_not_overwritten(app, stub):
    """The worker died between completing the run on GitHub and noting it: the sweeper only closes the note."""
    rt = runtime(app)
    post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "opened"))
    while rt.pool.run_once():
        pass
    (run,) = our_runs(stub)
    head = run.data["head_sha"]
    (job,) = rt.store.all_jobs()
    rt.store.open_check_run(REPO, head, pr_number=NUMBER, installation=77, job_id=job["id"])  # as if never closed
    rt.store.set_check_run_id(REPO, head, run.data["id"])
    patches = len(stub.calls("PATCH", r"/check-runs/\d+$"))
    assert rt.pool.sweep() == 1
    assert len(stub.calls("PATCH", r"/check-runs/\d+$")) == patches
    (run,) = our_runs(stub)
    assert run.data["conclusion"] == "action_required"
    assert rt.store.open_check_runs() == []


def test_a_run_github_keeps_refusing_is_tried_again_then_given_up_without_blocking_the_others(app, stub, monkeypatch):
    from mergeguard.app import sweeper

    rt = runtime(app)
    post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "opened"))
    kill_the_first_scoring(app)
    rt.queue.max_takeovers = 0
    stub.fail("PATCH", r"/check-runs/\d+$", 403, times=1)  # on_failure cannot complete the run
    expire_leases(rt.store)
    assert rt.pool.run_once() is True
    (row,) = rt.store.open_check_runs()
    # a second stranded note whose run GitHub does not know: first in line (oldest), and never completable
    rt.store.open_check_run(REPO, "f" * 40, pr_number=None, installation=77, job_id=None, now=0.0)
    stub.fail("GET", r"/check-runs/\d+$", 502, times=1000)  # GitHub down for the first run
    monkeypatch.setattr(sweeper, "MAX_SWEEPS", 2)
    assert rt.pool.sweep() == 0  # the unknown commit: given up at once (GitHub: 422); the other waits
    assert [r["sweeps"] for r in rt.store.open_check_runs()] == [1]
    assert rt.pool.sweep() == 0  # second failure: given up (logged), so the sweeper does not spin on it
    assert rt.store.open_check_runs() == []
