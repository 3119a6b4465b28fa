"""Three ``mergeguard serve`` processes on one PostgreSQL, an organisation of 200 repositories, a stream of
pull requests (opened, then pushes that supersede heads), and one server killed with SIGKILL mid-stream.

Every current head must end with exactly one completed check run of ours, no run may stay in progress
(superseded heads included), no job may be left queued, running or failed, and a repository's later
jobs must stay with the live worker that owns it (app/affinity.py) or move off the killed one.

Nothing here depends on the machine's speed: every wait is on a condition, under one generous guard;
the affinity wait is set far beyond the guard so that only a death moves a repository (the overload
path is tested with a fake clock in tests/test_app_affinity.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from mergeguard import checkrun

from . import pgserver
from .ghstub import GitHubStub
from .gitrepo import commit, git, init_repo
from .npm_fixtures import webhook_examples
from .test_app_postgres import pg_socket  # noqa: F401 -- the module's PostgreSQL server
from .test_app_serve import free_port, http, public_pem, serve_env
from .test_app_web import delivery_headers, pem

ORG, INSTALLATION, NUMBER = "acme", 501, 1
N_REPOS = 200
#: repositories pushed to again: some already scored (their owner is known), some still queued or running
N_PUSH_SCORED, N_PUSH_PENDING = 20, 20
#: one overall guard for the whole stream; generous, never a measurement
GUARD_SECONDS = 900.0
WHEN = 1_700_000_000


def name(i: int) -> str:
    return f"{ORG}/svc-{i:03d}"


@pytest.fixture(scope="module")
def organisation(tmp_path_factory):
    """200 small repositories: a main branch, ``feature`` (the pull request) and ``feature2`` (a later push)."""
    root = tmp_path_factory.mktemp("org")
    template = init_repo(root / "template")
    commit(template, {"src/app.py": "def handler(event):\n    return event\n", "README.md": "# svc\n"},
           "Initial", when=WHEN)
    paths = []
    for i in range(N_REPOS):
        path = root / f"svc-{i:03d}"
        shutil.copytree(template, path, symlinks=True)
        git(path, "checkout", "-q", "-b", "feature")
        commit(path, {"src/app.py": f"def handler(event):\n    retries = {i}\n    return event * retries\n"},
               f"Retry {i} times", when=WHEN + 3600)
        git(path, "checkout", "-q", "-b", "feature2")
        commit(path, {"src/app.py": f"def handler(event):\n    retries = {i + 1}\n    return event * retries\n"},
               f"Retry {i + 1} times", when=WHEN + 7200)
        git(path, "checkout", "-q", "main")
        paths.append(path)
    return paths


def payload(stub: GitHubStub, repo: str, action: str) -> bytes:
    p = webhook_examples("pull_request", action)[0]
    pull = stub.repos[repo].pulls[NUMBER]
    p["repository"].update(full_name=repo, name=repo.split("/")[1], clone_url=stub.clone_url(repo))
    p["installation"] = {"id": INSTALLATION, "node_id": "MDIz"}
    pr = p["pull_request"]
    pr["number"] = NUMBER
    pr["head"]["sha"], pr["base"]["ref"], pr["base"]["sha"] = pull.head_sha, "main", pull.base_sha
    return json.dumps(p).encode()


def deliver(base: str, stub: GitHubStub, repo: str, action: str) -> None:
    body = payload(stub, repo, action)
    status, answer = http("POST", base + "/webhook", body, delivery_headers("pull_request", body))
    assert status == 202, answer


def runs_by_head(stub: GitHubStub) -> dict[tuple[str, str], list]:
    found: dict[tuple[str, str], list] = {}
    with stub._lock:
        for run in stub.check_runs.values():
            if run.data["name"] == checkrun.CHECK_NAME:
                found.setdefault((run.data["_repo"], run.data["head_sha"]), []).append(dict(run.data))
    return found


def completed_repos(stub: GitHubStub) -> set[str]:
    return {repo for (repo, _), runs in runs_by_head(stub).items() if any(r["status"] == "completed" for r in runs)}


def wait_for(predicate, deadline: float, what: str, procs=()):
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        for i, proc in procs:
            assert proc.poll() is None, f"server {i} exited with {proc.returncode}"
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_three_servers_share_an_organisation_and_survive_a_kill(tmp_path, organisation, pg_socket, trained_model_dir):
    from mergeguard.app.store import Store, jobs, repo_owners, workers
    from sqlalchemy import select

    deadline = time.monotonic() + GUARD_SECONDS
    with pgserver.database(pg_socket) as url, \
            GitHubStub(app_id=4242, app_public_key_pem=public_pem(pem())) as stub:
        stub.add_installation(INSTALLATION, ORG)
        for i, path in enumerate(organisation):
            stub.add_repo(name(i), path, collaborators={"dev": "write"})
            stub.add_pull(name(i), NUMBER, head="feature", base="main", author="dev", title=f"Retry {i} times")

        procs, logs, bases = [], [], []
        for i in range(3):
            port = free_port()
            env = serve_env(tmp_path / f"server{i}", MERGEGUARD_GITHUB_API_URL=stub.url,
                            MERGEGUARD_MODEL_DIR=str(trained_model_dir[0]), MERGEGUARD_DATABASE_URL=url,
                            MERGEGUARD_JOB_THREADS="2", MERGEGUARD_JOB_SCORING="thread",
                            MERGEGUARD_JOB_LEASE_SECONDS="10", MERGEGUARD_SWEEP_SECONDS="2",
                            MERGEGUARD_WORKER_TTL_SECONDS="3", MERGEGUARD_AFFINITY_WAIT_SECONDS="100000")
            log = open(tmp_path / f"server{i}.log", "w+")
            procs.append(subprocess.Popen([sys.executable, "-m", "mergeguard.cli", "serve", "--bind",
                                           f"127.0.0.1:{port}", "--workers", "1", "--graceful-timeout", "5"],
                                          env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
            logs.append(log)
            bases.append(f"http://127.0.0.1:{port}")
        store = Store(url)
        try:
            alive = list(enumerate(procs))

            def healthy(base: str) -> bool:
                try:
                    return http("GET", base + "/healthz")[0] == 200
                except OSError:
                    return False
            for base in bases:
                wait_for(lambda base=base: healthy(base), deadline, f"{base} to be healthy", alive)

            # the stream: every repository's pull request is opened, spread over the three servers
            for i in range(N_REPOS):
                deliver(bases[i % 3], stub, name(i), "opened")
            wait_for(lambda: len(completed_repos(stub)) >= 40, deadline, "40 pull requests scored", alive)

            # SIGKILL server 0 (gunicorn master and worker) in the middle of its jobs
            with store.engine.connect() as conn:
                registered = dict(conn.execute(select(workers.c.id, workers.c.pid)).all())
            victim_pgid = os.getpgid(procs[0].pid)
            killed = {w for w, pid in registered.items() if _pgid(pid) == victim_pgid}
            assert len(killed) == 1 and len(registered) == 3, registered
            os.killpg(victim_pgid, signal.SIGKILL)
            procs[0].wait(timeout=60)
            alive = [(1, procs[1]), (2, procs[2])]

            # pushes: to pull requests already scored (owner known) and to ones still queued or running
            scored = sorted(completed_repos(stub))
            owned_before = _owners(store)
            by_victim = [r for r in scored if owned_before.get(r) in killed]
            by_live = [r for r in scored if r in owned_before and owned_before[r] not in killed]
            pushed_scored = by_victim[:N_PUSH_SCORED // 2] + by_live[:N_PUSH_SCORED - len(by_victim[:N_PUSH_SCORED // 2])]
            pending = [name(i) for i in range(N_REPOS) if name(i) not in set(scored)]
            pushed_pending = pending[-N_PUSH_PENDING:]
            assert by_victim and by_live and len(pushed_pending) == N_PUSH_PENDING
            for k, repo in enumerate(pushed_scored + pushed_pending):
                stub.push(repo, NUMBER, "feature2")
                deliver(bases[1 + k % 2], stub, repo, "synchronize")

            heads = {name(i): stub.repos[name(i)].pulls[NUMBER].head_sha for i in range(N_REPOS)}
            heads_pushed = set(pushed_scored + pushed_pending)

            def settled() -> bool:
                runs = runs_by_head(stub)
                if any(len(runs.get((repo, head), [])) != 1 or runs[(repo, head)][0]["status"] != "completed"
                       for repo, head in heads.items()):
                    return False
                if any(r["status"] != "completed" for rs in runs.values() for r in rs):
                    return False  # a superseded head's run still in progress: the sweeper must end it
                states = store.jobs_by_state()
                return not states.get("queued") and not states.get("running")
            wait_for(settled, deadline, "every current head to have exactly one completed check run", alive)

            runs = runs_by_head(stub)
            duplicates = {k: len(v) for k, v in runs.items() if len(v) > 1}
            assert duplicates == {}, duplicates
            assert all(runs[(repo, head)][0]["conclusion"] for repo, head in heads.items())
            states = store.jobs_by_state()
            assert not states.get("failed"), _failed(store)
            assert stub.violations == []

            # affinity: a live owner kept its repositories; the killed worker's moved to a live one
            owned_after = _owners(store)
            for repo in pushed_scored:
                before = owned_before[repo]
                if before in killed:
                    assert owned_after[repo] not in killed, repo
                else:
                    assert owned_after[repo] == before, repo
            # the dead worker's rows name it only for repositories without a job since (nothing to move)
            assert {r for r, w in owned_after.items() if w in killed} <= set(owned_before) - set(heads_pushed)
            with store.engine.connect() as conn:
                takeovers = sum(t for (t,) in conn.execute(select(jobs.c.takeovers)))
                spread = Counter(w for (w,) in conn.execute(select(repo_owners.c.worker)) if w not in killed)
            assert len(spread) == 2, spread  # both live workers own repositories
            status, body = http("GET", bases[1] + "/metrics")
            assert status == 200 and "mergeguard_workers_live 2.0" in body.decode()
            print(f"\n{N_REPOS} repositories, {len(pushed_scored + pushed_pending)} pushes, takeovers={takeovers}, "
                  f"owners={dict(spread)}")
        finally:
            store.dispose()
            for _, proc in [(i, p) for i, p in enumerate(procs) if p.poll() is None]:
                os.killpg(os.getpgid(proc.pid), signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(os.getpgid(proc.pid), signal.SIGKILL)
                    proc.wait()
            outputs = []
            for log in logs:
                log.seek(0)
                outputs.append(log.read())
                log.close()
    for output in outputs[1:]:
        assert "Traceback" not in output, output[-4000:]


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def _owners(store) -> dict[str, str]:
    from mergeguard.app.affinity import owners

    return owners(store)


def _failed(store) -> list:
    return [(j["repo"], j["last_error"]) for j in store.all_jobs() if j["state"] == "failed"]
