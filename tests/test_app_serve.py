"""The App end to end: real webhooks in, real check runs out, against the local GitHub stand-in.

``GitHubStub`` validates every request body against GitHub's OpenAPI description and serves the
pull request's repository over git smart HTTP, so the App's mirror clones and fetches for real and
its check runs are the ones GitHub would accept. The first tests drive the job queue synchronously
through the Flask app (exact, no waiting); the last ones start ``mergeguard serve`` (gunicorn) as a
subprocess and talk HTTP to it, then stop it with SIGTERM.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

from mergeguard import checkrun
from mergeguard.git import GitRepo
from mergeguard.models.model import load
from mergeguard.policy import PullRequestFacts
from mergeguard.review import review

from .ghstub import GitHubStub
from .gitrepo import commit, git
from .npm_fixtures import webhook_examples
from .schema import assert_valid
from .serverproc import stop_and_read_log
from .test_app_web import SECRET, delivery_headers, make_settings, pem

DAY = 86400
WHEN = 1_500_000_000 + 400 * DAY
CONFIG = """\
thresholds: {medium: 0.0001, high: 0.0002}
conclusions: {critical: action_required}
require:
  high: &risky [{approvals: 1}, {label: canary-planned}]
  critical: *risky
risk_acceptance:
  allowed: [alice, mallory]
"""
REPO, NUMBER, INSTALLATION = "octo/svc", 7, 77


def public_pem(private_pem: str) -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture(scope="module")
def pr_repo(synthetic_repos, tmp_path_factory):
    """A real repository with a gate config on main and a risky feature branch (as in test_review)."""
    path = tmp_path_factory.mktemp("app") / "svc"
    git(path.parent, "clone", "-q", str(synthetic_repos[0].path), str(path))
    commit(path, {".github/mergeguard.yml": CONFIG}, "Gate configuration", when=WHEN)
    git(path, "checkout", "-q", "-b", "feature")
    engine = (path / "core/engine0.py").read_text()
    added = "".join(f"    turbo_{i} = compute({i}) * factor\n" for i in range(90))
    head = commit(path, {"core/engine0.py": engine + "def turbo():\n" + added,
                         "proto/orders.proto": 'syntax = "proto3";\nmessage Order { string id = 1; }\n'},
                  "Add turbo mode", when=WHEN + DAY, author=("Dev", "dev@example.com"))
    git(path, "checkout", "-q", "main")
    return path, head


@pytest.fixture()
def stub(pr_repo):
    path, head = pr_repo
    with GitHubStub(app_id=4242, app_public_key_pem=public_pem(pem())) as s:
        s.add_installation(INSTALLATION, "octo")
        s.add_repo(REPO, path, collaborators={"alice": "write", "mallory": "read", "dev": "write"})
        s.add_pull(REPO, NUMBER, head="feature", base="main", author="dev", title="Add turbo mode")
        yield s
        git(path, "update-ref", "-d", f"refs/pull/{NUMBER}/head")


def pr_payload(stub, event: str, action: str, **extra) -> dict:
    """GitHub's published example of ``event.action``, pointed at the stub's repository and pull request."""
    payload = webhook_examples(event, action)[0]
    pull = stub.repos[REPO].pulls[NUMBER]
    payload["repository"].update(full_name=REPO, name="svc", clone_url=stub.clone_url(REPO))
    payload["installation"] = {"id": INSTALLATION, "node_id": "MDIz"}
    if "pull_request" in payload:
        pr = payload["pull_request"]
        pr["number"] = NUMBER
        pr["head"]["sha"], pr["base"]["ref"], pr["base"]["sha"] = pull.head_sha, "main", pull.base_sha
    if "check_run" in payload:
        payload["check_run"].update(head_sha=pull.head_sha, pull_requests=[{"number": NUMBER, "id": 1}])
        payload["check_run"]["app"]["id"] = 4242
    payload.update(extra)
    return payload


def post(client, event: str, payload: dict):
    body = json.dumps(payload).encode()
    return client.post("/webhook", data=body, headers=delivery_headers(event, body))


def drain(app) -> int:
    from mergeguard.app.web import runtime

    n = 0
    while runtime(app).pool.run_once():
        n += 1
    return n


def our_runs(stub) -> list:
    return [r for r in stub.check_runs.values() if r.data["_repo"] == REPO and r.data["name"] == checkrun.CHECK_NAME]


@pytest.fixture()
def app(tmp_path, stub, trained_model_dir):
    from mergeguard.app.web import create_app, runtime

    application = create_app(make_settings(tmp_path, github_api_url=stub.url, model_dir=str(trained_model_dir[0])),
                             start_workers=False)
    yield application
    runtime(application).stop()


# -- the job handlers against the stub --------------------------------------------------------------

def test_an_opened_pull_request_gets_a_completed_check_run_with_the_reviews_verdict(app, stub, pr_repo,
                                                                                   trained_model_dir):
    from mergeguard.app.web import runtime

    assert post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "opened")).status_code == 202
    assert drain(app) == 1
    assert stub.violations == []
    (run,) = our_runs(stub)
    pull = stub.repos[REPO].pulls[NUMBER]
    assert run.data["head_sha"] == pull.head_sha and run.data["status"] == "completed"
    # the same verdict as `mergeguard score` computes on the same repository
    expected = review(GitRepo(pr_repo[0]), "main", pull.head_sha, model=load(str(trained_model_dir[0])),
                      facts=PullRequestFacts(author="dev", description=pull.body or ""))
    want = checkrun.content(expected)
    assert run.data["conclusion"] == want.conclusion == "action_required"
    assert run.data["output"]["title"] == want.title
    assert run.annotations == want.annotations
    assert any(a["path"] == "proto/orders.proto" and a["title"] == "coupling.contract" for a in run.annotations)
    assert [a["identifier"] for a in run.data["actions"]] == [checkrun.ACCEPT_RISK, checkrun.RESCORE]
    # it went through the in_progress state first, then completed
    creates = stub.calls("POST", r"/check-runs$")
    assert len(creates) == 1 and creates[0].json["status"] == "in_progress"
    stored = runtime(app).store.latest_assessment(REPO, pr_number=NUMBER, head_sha=pull.head_sha)
    assert stored["score"] == pytest.approx(expected.assessment.score) and stored["check_run_id"] == run.data["id"]
    assert stored["level"] == expected.verdict.level and stored["features"] == pytest.approx(dict(expected.assessment.features))
    assert_valid(stored["assessment"])
    (job,) = runtime(app).store.all_jobs()
    assert job["state"] == "done" and job["attempts"] == 1


def test_labels_and_approvals_re_decide_without_rescoring(app, stub):
    from mergeguard.app.web import runtime

    client = app.test_client()
    post(client, "pull_request", pr_payload(stub, "pull_request", "opened"))
    drain(app)
    stub.label(REPO, NUMBER, "canary-planned", by="alice")  # a maintainer, not the author
    stub.add_review(REPO, NUMBER, "bob", "APPROVED")
    diffs_before = runtime(app).store.counts()["assessments"]
    assert post(client, "pull_request", pr_payload(stub, "pull_request", "labeled")).status_code == 202
    assert drain(app) == 1
    (run,) = our_runs(stub)
    assert run.data["conclusion"] == "success"
    assert [a["identifier"] for a in run.data["actions"]] == [checkrun.RESCORE]
    from sqlalchemy import select

    from mergeguard.app.store import assessments
    with runtime(app).store.engine.connect() as conn:
        rows = conn.execute(select(assessments).order_by(assessments.c.id)).mappings().all()
    assert len(rows) == diffs_before + 1  # the new verdict is stored ...
    first, latest = rows[0], rows[-1]
    assert latest["score"] == first["score"]  # ... with the same score: nothing was scored again
    assert first["assessment"]["verdict"]["conclusion"] == "action_required"
    assert latest["assessment"]["verdict"]["conclusion"] == "success"
    assert latest["assessment"]["timing_ms"] == first["assessment"]["timing_ms"]
    assert len(stub.calls("POST", r"/check-runs$")) == 1  # the same check run, updated
    assert stub.violations == []


def test_re_decisions_and_re_scores_never_duplicate_annotations(app, stub):
    """GitHub appends annotations on every update: they are sent once per check run."""
    client = app.test_client()
    post(client, "pull_request", pr_payload(stub, "pull_request", "opened"))
    drain(app)
    (run,) = our_runs(stub)
    first = list(run.annotations)
    assert first
    stub.label(REPO, NUMBER, "canary-planned", by="alice")  # a maintainer, not the author
    post(client, "pull_request", pr_payload(stub, "pull_request", "labeled"))
    post(client, "pull_request", pr_payload(stub, "pull_request", "reopened"))  # re-score of the same head
    drain(app)
    (run,) = our_runs(stub)
    assert run.annotations == first
    assert stub.violations == []


def test_accept_risk_needs_the_config_and_write_permission(app, stub):
    from mergeguard.app.web import runtime

    client = app.test_client()
    post(client, "pull_request", pr_payload(stub, "pull_request", "opened"))
    drain(app)
    store = runtime(app).store
    pull = stub.repos[REPO].pulls[NUMBER]

    def press(login: str):
        payload = pr_payload(stub, "check_run", "requested_action", requested_action={"identifier": "accept_risk"})
        payload["sender"]["login"] = login
        assert post(client, "check_run", payload).status_code == 202
        drain(app)

    press("mallory")  # in risk_acceptance.allowed, but GitHub says read-only
    press("dev")  # may write, but is not in the config
    assert store.acceptances_for(REPO, pull.head_sha) == []
    assert our_runs(stub)[0].data["conclusion"] == "action_required"
    press("alice")
    (entry,) = store.acceptances_for(REPO, pull.head_sha)
    assert entry["by"] == "alice" and entry["pr_number"] == NUMBER and entry["head_sha"] == pull.head_sha
    run = our_runs(stub)[0]
    assert run.data["conclusion"] == "success"
    assert "alice" in run.data["output"]["summary"]
    press("alice")  # pressed twice: one audit entry
    assert len(store.acceptances_for(REPO, pull.head_sha)) == 1
    assert stub.violations == []


TEAM_CONFIG = """\
thresholds: {medium: 0.0001, high: 0.0002}
conclusions: {critical: action_required}
require:
  high: &owners [codeowners]
  critical: *owners
risk_acceptance:
  allowed: ["@octo/leads"]
"""


@pytest.fixture(scope="module")
def team_repo(synthetic_repos, tmp_path_factory):
    """A repository whose CODEOWNERS (at the base) gives core/ to a team, and a risky change to core/."""
    path = tmp_path_factory.mktemp("teams") / "svc"
    git(path.parent, "clone", "-q", str(synthetic_repos[0].path), str(path))
    commit(path, {".github/mergeguard.yml": TEAM_CONFIG, ".github/CODEOWNERS": "/core/ @octo/core\n"},
           "Gate configuration and owners", when=WHEN)
    git(path, "checkout", "-q", "-b", "feature")
    engine = (path / "core/engine0.py").read_text()
    added = "".join(f"    turbo_{i} = compute({i}) * factor\n" for i in range(90))
    commit(path, {"core/engine0.py": engine + "def turbo():\n" + added}, "Add turbo mode", when=WHEN + DAY,
           author=("Dev", "dev@example.com"))
    git(path, "checkout", "-q", "main")
    return path


@pytest.mark.parametrize("members_read", [True, False])
def test_a_team_code_owners_approval_counts_when_the_app_may_read_the_team(tmp_path, team_repo, trained_model_dir,
                                                                           members_read):
    from mergeguard.app.web import create_app, runtime

    with GitHubStub(app_id=4242, app_public_key_pem=public_pem(pem())) as stub:
        stub.add_installation(INSTALLATION, "octo", members_read=members_read)
        stub.add_repo(REPO, team_repo, collaborators={"carol": "write", "lee": "write", "dev": "write"})
        stub.add_pull(REPO, NUMBER, head="feature", base="main", author="dev", title="Add turbo mode")
        stub.add_team("octo", "core", ["carol"])
        stub.add_team("octo", "leads", ["lee"])
        app = create_app(make_settings(tmp_path, github_api_url=stub.url, model_dir=str(trained_model_dir[0])),
                         start_workers=False)
        try:
            client = app.test_client()
            post(client, "pull_request", pr_payload(stub, "pull_request", "opened"))
            drain(app)
            (run,) = our_runs(stub)
            assert run.data["conclusion"] == "action_required"
            stub.add_review(REPO, NUMBER, "carol", "APPROVED")  # a member of @octo/core, not named in CODEOWNERS
            post(client, "pull_request_review", pr_payload(stub, "pull_request_review", "submitted"))
            drain(app)
            (run,) = our_runs(stub)
            summary = run.data["output"]["summary"]
            stored = runtime(app).store.latest_assessment(REPO, pr_number=NUMBER)["assessment"]
            (owners,) = [v for v in stored["verdict"]["required_validations"] if v["id"] == "codeowners"]
            if members_read:
                assert run.data["conclusion"] == "success" and owners["satisfied"] is True
                assert "counts nobody" not in summary
            else:  # the approval cannot be told to be the team's: still required, and the reason is shown
                assert run.data["conclusion"] == "action_required" and owners["satisfied"] is False
                assert "Team @&#8203;octo/core counts nobody here" in summary and "Members: read" in summary
            # an "Accept risk" press by a member of the accepting team
            payload = pr_payload(stub, "check_run", "requested_action", requested_action={"identifier": "accept_risk"})
            payload["sender"]["login"] = "lee"
            post(client, "check_run", payload)
            drain(app)
            accepted = runtime(app).store.acceptances_for(REPO, stub.repos[REPO].pulls[NUMBER].head_sha)
            assert [a["by"] for a in accepted] == (["lee"] if members_read else [])
            # each team was looked up once, then served from the cache
            assert len(stub.calls("GET", r"^/orgs/octo/teams/core/members$")) == 1
            assert len(stub.calls("GET", r"^/orgs/octo/teams/leads/members$")) == 1
            assert stub.violations == []
        finally:
            runtime(app).stop()


def test_a_pull_request_changing_a_file_over_1_mb_is_scored_with_it(tmp_path, synthetic_repos, trained_model_dir):
    """The mirror leaves files over 1 MB on the server; the pull request's own are fetched for it."""
    from mergeguard.app.web import create_app, runtime

    path = tmp_path / "svc"
    git(tmp_path, "clone", "-q", str(synthetic_repos[0].path), str(path))
    rows = "".join(f"{i},{i * 7 % 13},ok\n" + "#" * 64 + "\n" for i in range(18_000))
    commit(path, {"data/fixtures.csv": rows}, "Add fixtures", when=WHEN)
    git(path, "checkout", "-q", "-b", "feature")
    commit(path, {"data/fixtures.csv": rows.replace("5,9,ok", "5,9,failed"),
                  "core/engine0.py": (path / "core/engine0.py").read_text() + "LIMIT = 3\n"},
           "Update fixtures", when=WHEN + DAY, author=("Dev", "dev@example.com"))
    git(path, "checkout", "-q", "main")
    assert len(rows) > 1_100_000
    with GitHubStub(app_id=4242, app_public_key_pem=public_pem(pem())) as stub:
        stub.add_installation(INSTALLATION, "octo")
        stub.add_repo(REPO, path, collaborators={"dev": "write"})
        stub.add_pull(REPO, NUMBER, head="feature", base="main", author="dev")
        app = create_app(make_settings(tmp_path, github_api_url=stub.url, model_dir=str(trained_model_dir[0])),
                         start_workers=False)
        try:
            post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "opened"))
            assert drain(app) == 1
            (run,) = our_runs(stub)
            assert run.data["status"] == "completed" and run.data["conclusion"] != "neutral"
            stored = runtime(app).store.latest_assessment(REPO, pr_number=NUMBER)["assessment"]
            assert "data/fixtures.csv" in stored["change"]["paths"] and stored["change"]["files"] == 2
            assert not any("left out" in n for n in stored["change"].get("truncated") or [])
            assert [r for r in stub.requests if r.path.startswith("/git/") and r.status == 401] == []
            assert stub.violations == []
        finally:
            runtime(app).stop()


def test_an_agents_pull_request_is_known_by_its_github_accounts(app, stub):
    """Files, commits and the author's account type come from GitHub's API: a pull request opened by
    an agent's Bot account, with commits GitHub links to the agent, is explicit AI authorship."""
    from mergeguard.app.web import runtime

    stub.add_account("Copilot", kind="Bot")
    stub.add_account("copilot-swe-agent[bot]", emails=["dev@example.com"], kind="Bot")
    stub.repos[REPO].pulls[NUMBER].author = "Copilot"
    post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "opened"))
    assert drain(app) == 1
    ai = runtime(app).store.latest_assessment(REPO, pr_number=NUMBER)["assessment"]["signals"]["ai_authorship"]
    assert ai["explicit"] is True and ai["tools"] == ["copilot"]
    assert ai["sources"][0] == "pull request" and ai["sources"][1].startswith("author of ")
    assert len(stub.calls("GET", r"/pulls/7/files$")) == 1 and len(stub.calls("GET", r"/pulls/7/commits$")) == 1
    assert stub.violations == []


def test_a_job_that_cannot_succeed_completes_the_check_run_as_neutral(app, stub):
    from mergeguard.app.web import runtime

    stub.fail("GET", rf"/repos/{REPO}/pulls/{NUMBER}$", 404, times=3)  # e.g. the pull request vanished
    assert post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "opened")).status_code == 202
    drain(app)
    (run,) = our_runs(stub)
    assert run.data["status"] == "completed" and run.data["conclusion"] == "neutral"
    assert "404" in run.data["output"]["summary"] and run.data["output"]["title"].startswith("Not scored")
    (job,) = runtime(app).store.all_jobs()
    assert job["state"] == "failed" and job["attempts"] == 1 and "404" in job["last_error"]
    assert stub.violations == []


def test_a_github_outage_is_retried_by_the_queue_and_then_scores(app, stub):
    from mergeguard.app.web import runtime

    # GitHub answers 502 for as long as the first job attempt keeps asking (github.py retries too)
    stub.fail("POST", rf"/repos/{REPO}/check-runs$", 502, times=1000)
    assert post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "opened")).status_code == 202
    pool = runtime(app).pool
    assert pool.run_once() is True
    (job,) = runtime(app).store.all_jobs()
    assert job["state"] == "queued" and job["attempts"] == 1 and "502" in job["last_error"]
    assert our_runs(stub) == []
    with stub._lock:  # the outage ends (the stub has no public "heal")
        stub._faults.clear()
    assert pool.run_once() is True  # retry_base_seconds=0 in the test settings: the retry is due at once
    (job,) = runtime(app).store.all_jobs()
    assert job["state"] == "done" and job["attempts"] == 2
    (run,) = our_runs(stub)
    assert run.data["conclusion"] == "action_required"
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert "mergeguard_github_api_errors_total{status=" in text
    assert 'mergeguard_jobs_finished_total{kind="score",outcome="retry"} 1.0' in text


def test_a_forks_rerequested_check_run_finds_its_pull_request_from_the_stored_assessment(app, stub):
    from mergeguard.app.web import runtime

    client = app.test_client()
    post(client, "pull_request", pr_payload(stub, "pull_request", "opened"))
    drain(app)
    payload = pr_payload(stub, "check_run", "rerequested")
    payload["check_run"]["pull_requests"] = []  # what GitHub sends for a fork's head
    assert post(client, "check_run", payload).status_code == 202
    assert drain(app) == 1
    jobs = runtime(app).store.all_jobs()
    assert [(j["kind"], j["pr_number"], j["state"]) for j in jobs] == [("score", NUMBER, "done"), ("score", None, "done")]
    assert runtime(app).store.counts()["assessments"] == 2
    (run,) = our_runs(stub)  # scored again into the same check run
    assert run.data["conclusion"] == "action_required"
    assert stub.violations == []


def test_handlers_retry_only_what_may_pass_next_time():
    from mergeguard.github_api import GitHubError, PermissionDenied
    from mergeguard.app.handlers import transient
    from mergeguard.errors import ModelError, RefError, RepositoryError

    assert transient(GitHubError("GET pull request failed: HTTP 502", 502)) is True
    assert transient(GitHubError("rate limited", 429)) is True
    assert transient(GitHubError("connection refused")) is True
    assert transient(GitHubError("GET pull request failed: HTTP 404", 404)) is False
    assert transient(PermissionDenied("no", 403)) is False
    assert transient(RepositoryError("git fetch of octo/svc failed: Connection reset")) is True
    assert transient(RefError("no such commit")) is False
    assert transient(ModelError("corrupt model")) is False
    assert transient(KeyError("x")) is None  # the queue's default decides


# -- gunicorn, for real -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_env(tmp_path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERGEGUARD_") or k == "MERGEGUARD_NPM_PREFIX"}
    env.update(MERGEGUARD_APP_ID="4242", MERGEGUARD_PRIVATE_KEY=pem(), MERGEGUARD_WEBHOOK_SECRET=SECRET,
               MERGEGUARD_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_until(predicate, timeout: float = 120.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_serve_refuses_to_start_with_a_bad_setting(tmp_path):
    env = serve_env(tmp_path, MERGEGUARD_APP_ID="mergeguard")
    p = subprocess.run([sys.executable, "-m", "mergeguard.cli", "serve", "--bind", f"127.0.0.1:{free_port()}"],
                       env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == ["mergeguard: error: MERGEGUARD_APP_ID must be an integer, got 'mergeguard'"]
    env = serve_env(tmp_path, MERGEGUARD_PRIVATE_KEY="not a key")
    p = subprocess.run([sys.executable, "-m", "mergeguard.cli", "serve"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 2 and "MERGEGUARD_PRIVATE_KEY" in p.stderr


def test_gunicorn_serves_webhooks_scores_and_stops_gracefully(tmp_path, stub, trained_model_dir):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = serve_env(tmp_path, MERGEGUARD_GITHUB_API_URL=stub.url, MERGEGUARD_MODEL_DIR=str(trained_model_dir[0]))
    log = open(tmp_path / "serve.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "mergeguard.cli", "serve", "--bind", f"127.0.0.1:{port}",
                             "--graceful-timeout", "20"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        def healthy():
            try:
                return http("GET", base + "/healthz")
            except OSError:
                return None
        status, body = wait_until(healthy, 60, "the server to answer")
        assert status == 200 and json.loads(body)["status"] == "ok"

        payload = json.dumps(pr_payload(stub, "pull_request", "opened")).encode()
        delivery = str(uuid.uuid4())
        status, body = http("POST", base + "/webhook", payload, delivery_headers("pull_request", payload,
                                                                                 delivery=delivery))
        assert status == 202 and json.loads(body)["jobs"]
        # the same delivery again: answered, no second job
        status, _ = http("POST", base + "/webhook", payload, delivery_headers("pull_request", payload,
                                                                             delivery=delivery))
        assert status == 200
        # a bad signature, a non-event, a malformed body
        bad = delivery_headers("pull_request", payload)
        bad["X-Hub-Signature-256"] = "sha256=" + "0" * 64
        assert http("POST", base + "/webhook", payload, bad)[0] == 401
        closed = json.dumps(webhook_examples("pull_request", "closed")[0]).encode()
        assert http("POST", base + "/webhook", closed, delivery_headers("pull_request", closed))[0] == 204
        assert http("POST", base + "/webhook", b"{oops", delivery_headers("pull_request", b"{oops"))[0] == 400
        # a body announced over 25 MB is refused before it is sent
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"X-GitHub-Event: push\r\nContent-Length: 30000000\r\n\r\n")
            assert s.recv(4096).split(b"\r\n", 1)[0].endswith(b"413 REQUEST ENTITY TOO LARGE")

        run = wait_until(lambda: [r for r in our_runs(stub) if r.data["status"] == "completed"], 180,
                         "the check run to complete")[0]
        assert run.data["conclusion"] == "action_required" and run.annotations
        assert stub.violations == []

        # the job is marked done just after its check run is completed: wait for that, not a moment
        def scraped_done():
            status, body = http("GET", base + "/metrics")
            return body.decode() if status == 200 and 'mergeguard_jobs{state="done"} 1.0' in body.decode() else None
        text = wait_until(scraped_done, 120, "the job to be marked done")
        assert 'mergeguard_deliveries_total{event="pull_request",outcome="queued"} 1.0' in text
        assert 'mergeguard_deliveries_total{event="pull_request",outcome="ignored"} 1.0' in text
        assert 'mergeguard_jobs{state="done"} 1.0' in text
        assert "mergeguard_scoring_seconds_count 1.0" in text
        assert 'mergeguard_scoring_processes_started_total{reason="first"} 1.0' in text
    finally:
        code, output = stop_and_read_log(proc, log)
    assert code == 0, output
    assert "Handling signal: term" in output and "job threads stopped" in output, output
    assert "Control socket" not in output and "Traceback" not in output, output
    # scoring ran in a child process of the worker, and stopping the server stopped it too
    children = [int(pid) for pid in re.findall(r"scoring process \d+ started \(pid (\d+)\)", output)]
    assert len(children) == 1, output
    assert not os.path.exists(f"/proc/{children[0]}"), f"scoring process {children[0]} outlived the server"


def test_start_up_objects_are_frozen_out_of_the_collectors_sight():
    import gc

    from mergeguard.app.wsgi import settle_heap

    marker = object()
    tracked = len(gc.get_objects())
    try:
        assert settle_heap(marker) is marker
        assert gc.get_freeze_count() >= tracked // 2  # the bulk of the heap, not a handful
        assert len(gc.get_objects(generation=2)) < tracked // 10  # what a full collection still walks
    finally:
        gc.unfreeze()
