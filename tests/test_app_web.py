"""The App's HTTP side through Flask's test client, with GitHub's published webhook payloads.

Every request is signed as GitHub signs it (HMAC-SHA256 of the raw body with the webhook secret);
the assertions look at what the database holds afterwards, not only at status codes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import threading
import uuid
from pathlib import Path

import pytest

from mergeguard.app.settings import Settings, SettingsError
from mergeguard.app.store import Store
from mergeguard.app.web import create_app, runtime, verify_signature

from .npm_fixtures import webhook_examples

SECRET = "It's a Secret to Everybody"


def rsa_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


_PEM = None


def pem() -> str:
    global _PEM
    if _PEM is None:
        _PEM = rsa_pem()
    return _PEM


def make_settings(tmp_path: Path, **overrides) -> Settings:
    values = {"app_id": 4242, "private_key": pem(), "webhook_secret": SECRET, "data_dir": tmp_path / "data",
              "github_api_url": "http://127.0.0.1:9", "retry_base_seconds": 0.0, "job_threads": 1}
    values.update(overrides)
    return Settings(**values)


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def delivery_headers(event: str, body: bytes, *, delivery: str | None = None, secret: str = SECRET) -> dict:
    return {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-Hub-Signature-256": sign(body, secret), "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/test"}


class Recorder:
    """Job handlers that record the jobs they were given (the real ones are tested end to end)."""

    def __init__(self) -> None:
        self.runs = []
        self.failures = []
        self.done = threading.Event()

    def run(self, job):
        self.runs.append(job)
        self.done.set()

    def on_failure(self, job, reason):
        self.failures.append((job, reason))


def recorders():
    r = Recorder()
    return r, {"score": r, "reevaluate": r, "accept": r}


def post(client, event: str, payload, *, delivery: str | None = None, secret: str = SECRET, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload).encode()
    return client.post("/webhook", data=body, headers=delivery_headers(event, body, delivery=delivery, secret=secret))


def example(event: str, action: str | None = None, index: int = 0) -> dict:
    return webhook_examples(event, action)[index]


def jobs_of(application):
    return runtime(application).store.all_jobs()


# -- signatures, sizes, malformed input -------------------------------------------------------------

def test_signature_is_hmac_sha256_of_the_raw_body():
    # the example from GitHub's "Validating webhook deliveries" documentation
    header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert verify_signature(SECRET, b"Hello, World!", header)
    assert not verify_signature(SECRET, b"Hello, World!!", header)
    assert not verify_signature(SECRET, b"Hello, World!", header.replace("sha256=", "sha1="))
    assert not verify_signature(SECRET, b"Hello, World!", None)


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "garbage", "wrong-secret"])
def test_a_bad_signature_is_401_and_stores_nothing(app, signature):
    body = json.dumps(example("pull_request", "opened")).encode()
    headers = delivery_headers("pull_request", body)
    if signature is None:
        del headers["X-Hub-Signature-256"]
    elif signature == "wrong-secret":
        headers["X-Hub-Signature-256"] = sign(body, "another secret")
    else:
        headers["X-Hub-Signature-256"] = signature
    resp = app.test_client().post("/webhook", data=body, headers=headers)
    assert resp.status_code == 401
    assert set(runtime(app).store.counts().values()) == {0}


def test_a_body_altered_after_signing_is_401(app):
    body = json.dumps(example("pull_request", "opened")).encode()
    headers = delivery_headers("pull_request", body)
    resp = app.test_client().post("/webhook", data=body.replace(b'"opened"', b'"closed"'), headers=headers)
    assert resp.status_code == 401
    assert set(runtime(app).store.counts().values()) == {0}


def test_a_body_over_the_limit_is_413_before_it_is_read(tmp_path):
    _, handlers = recorders()
    application = create_app(make_settings(tmp_path, max_body_bytes=2048), handlers=handlers, start_workers=False)
    try:
        payload = example("pull_request", "opened")
        body = json.dumps(payload).encode()
        assert len(body) > 2048
        resp = application.test_client().post("/webhook", data=body, headers=delivery_headers("pull_request", body))
        assert resp.status_code == 413
        assert set(runtime(application).store.counts().values()) == {0}
        assert application.config["MAX_CONTENT_LENGTH"] == 2048
    finally:
        runtime(application).stop()


def test_the_default_limit_is_githubs_25_mb(tmp_path):
    assert make_settings(tmp_path).max_body_bytes == 25 * 1024 * 1024


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe", b"[1, 2]", b"\"text\""])
def test_a_signed_but_malformed_body_is_400(app, raw):
    resp = post(app.test_client(), "pull_request", None, raw=raw)
    assert resp.status_code == 400
    assert set(runtime(app).store.counts().values()) == {0}


def test_a_handled_event_missing_its_pull_request_is_400(app):
    payload = example("pull_request", "opened")
    del payload["pull_request"]
    resp = post(app.test_client(), "pull_request", payload)
    assert resp.status_code == 400 and "pull_request" in resp.get_json()["error"]
    assert runtime(app).store.counts()["jobs"] == 0


def test_missing_delivery_headers_are_400(app):
    body = json.dumps(example("pull_request", "opened")).encode()
    headers = delivery_headers("pull_request", body)
    del headers["X-GitHub-Delivery"]
    assert app.test_client().post("/webhook", data=body, headers=headers).status_code == 400


def test_ping_is_answered_without_a_job(app):
    resp = post(app.test_client(), "ping", {"zen": "Design for failure.", "hook_id": 1})
    assert resp.status_code == 200 and resp.get_json()["pong"] is True
    assert runtime(app).store.counts()["jobs"] == 0


# -- routing --------------------------------------------------------------------------------------

@pytest.mark.parametrize("event,action,kind", [
    ("pull_request", "opened", "score"),
    ("pull_request", "synchronize", "score"),
    ("pull_request", "reopened", "score"),
    ("pull_request", "ready_for_review", "score"),
    ("pull_request", "labeled", "reevaluate"),
    ("pull_request", "unlabeled", "reevaluate"),
    ("pull_request_review", "submitted", "reevaluate"),
    ("pull_request_review", "dismissed", "reevaluate"),
    ("check_suite", "rerequested", "score"),
    ("check_run", "rerequested", "score"),
])
def test_handled_events_become_one_job_each(app, event, action, kind):
    payload = example(event, action)
    for key in ("check_run", "check_suite"):
        if key in payload:
            payload[key]["app"]["id"] = 4242  # our App's check run
    resp = post(app.test_client(), event, payload)
    assert resp.status_code == 202, resp.get_data(as_text=True)
    rows = jobs_of(app)
    assert [r["kind"] for r in rows] == [kind] * len(rows) and rows
    assert resp.get_json()["jobs"] == [r["id"] for r in rows]
    row = rows[0]
    assert row["state"] == "queued" and row["attempts"] == 0
    assert row["repo"] == payload["repository"]["full_name"]
    assert row["installation"] == (payload.get("installation") or {}).get("id")
    pr = payload.get("pull_request")
    if pr:
        assert row["pr_number"] == pr["number"]
        assert row["payload"]["head_sha"] == pr["head"]["sha"]
        assert row["payload"]["base_ref"] == pr["base"]["ref"]
    else:
        check = payload.get("check_run") or payload.get("check_suite")
        assert row["payload"]["head_sha"] == check["head_sha"]
        assert row["pr_number"] == ((check["pull_requests"] or [{}])[0]).get("number")
    delivery = runtime(app).store.counts()["deliveries"]
    assert delivery == 1


def test_a_check_run_of_another_app_is_ignored(app):
    payload = example("check_run", "rerequested")
    payload["check_run"]["app"]["id"] = 1
    assert post(app.test_client(), "check_run", payload).status_code == 204
    assert jobs_of(app) == []


@pytest.mark.parametrize("identifier,kind", [("accept_risk", "accept"), ("rescore", "score")])
def test_check_run_buttons(app, identifier, kind):
    payload = example("check_run", "requested_action")
    payload["check_run"]["app"]["id"] = 4242
    payload["requested_action"] = {"identifier": identifier}
    resp = post(app.test_client(), "check_run", payload)
    assert resp.status_code == 202
    (row,) = jobs_of(app)
    assert row["kind"] == kind
    assert row["pr_number"] == payload["check_run"]["pull_requests"][0]["number"]
    assert row["payload"]["sender"] == payload["sender"]["login"]
    if kind == "accept":
        assert row["payload"]["check_run_id"] == payload["check_run"]["id"]


def test_an_unknown_button_is_ignored(app):
    payload = example("check_run", "requested_action")
    payload["check_run"]["app"]["id"] = 4242
    payload["requested_action"] = {"identifier": "self_destruct"}
    assert post(app.test_client(), "check_run", payload).status_code == 204


@pytest.mark.parametrize("event,action", [("pull_request", "closed"), ("push", None), ("pull_request", "assigned"),
                                          ("check_run", "completed")])
def test_unhandled_events_and_actions_are_204_without_a_job(app, event, action):
    resp = post(app.test_client(), event, example(event, action))
    assert resp.status_code == 204
    assert jobs_of(app) == []


def test_a_repeated_delivery_makes_no_second_job(app):
    client = app.test_client()
    payload = example("pull_request", "opened")
    first = post(client, "pull_request", payload, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    again = post(client, "pull_request", payload, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    assert first.status_code == 202
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert len(jobs_of(app)) == 1
    assert runtime(app).store.counts()["deliveries"] == 1


def test_concurrent_redeliveries_still_make_one_job(app):
    payload = example("pull_request", "opened")
    body = json.dumps(payload).encode()
    headers = delivery_headers("pull_request", body, delivery="same-delivery")
    codes = []

    def send():
        codes.append(app.test_client().post("/webhook", data=body, headers=headers).status_code)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)  # a wedged thread fails the test instead of holding the suite
    assert not any(t.is_alive() for t in threads)
    assert sorted(codes) == [200] * 5 + [202]
    assert len(jobs_of(app)) == 1


def test_a_push_to_the_pull_request_supersedes_its_queued_score(app):
    client = app.test_client()
    opened = example("pull_request", "opened")
    sync = example("pull_request", "synchronize")
    sync["repository"] = opened["repository"]
    sync["pull_request"]["number"] = opened["pull_request"]["number"]
    sync["pull_request"]["head"]["sha"] = "f" * 40
    assert post(client, "pull_request", opened).status_code == 202
    assert post(client, "pull_request", sync).status_code == 202
    rows = jobs_of(app)
    assert [(r["state"], r["payload"]["head_sha"]) for r in rows] == [
        ("superseded", opened["pull_request"]["head"]["sha"]), ("queued", "f" * 40)]


def test_installations_are_recorded(app):
    client = app.test_client()
    created = example("installation", "created")
    assert post(client, "installation", created).status_code == 202
    store = runtime(app).store
    inst = store.installation(created["installation"]["id"])
    assert inst["state"] == "active"
    assert inst["account"] == created["installation"]["account"]["login"]
    assert inst["repos"] == sorted(r["full_name"] for r in created["repositories"])
    added = example("installation_repositories", "added")
    added["installation"]["id"] = created["installation"]["id"]
    assert post(client, "installation_repositories", added).status_code == 202
    inst = store.installation(created["installation"]["id"])
    for repo in added["repositories_added"]:
        assert repo["full_name"] in inst["repos"]
    deleted = example("installation", "deleted")
    deleted["installation"]["id"] = created["installation"]["id"]
    assert post(client, "installation", deleted).status_code == 202
    assert store.installation(created["installation"]["id"])["state"] == "deleted"
    assert jobs_of(app) == []


# -- durability -----------------------------------------------------------------------------------

def test_a_queued_job_survives_a_restart_and_runs_once(tmp_path):
    settings = make_settings(tmp_path)
    first_handler, handlers = recorders()
    first = create_app(settings, handlers=handlers, start_workers=False)
    assert post(first.test_client(), "pull_request", example("pull_request", "opened")).status_code == 202
    runtime(first).stop()  # the process ends before any job thread ran
    assert first_handler.runs == []

    handler, handlers = recorders()
    second = create_app(settings, handlers=handlers, start_workers=True)
    try:
        assert handler.done.wait(20)
        rt = runtime(second)
        assert rt.pool.stop(timeout=10)
        assert len(handler.runs) == 1
        (row,) = rt.store.all_jobs()
        assert row["state"] == "done" and row["attempts"] == 1
        assert handler.runs[0].id == row["id"]
    finally:
        runtime(second).stop()


# -- operations -----------------------------------------------------------------------------------

def test_healthz_reports_database_and_job_threads(tmp_path):
    _, handlers = recorders()
    application = create_app(make_settings(tmp_path), handlers=handlers, start_workers=True)
    rt = runtime(application)
    client = application.test_client()
    try:
        ok = client.get("/healthz")
        assert ok.status_code == 200
        body = ok.get_json()
        assert body["status"] == "ok" and body["database"] == "ok" and all(body["workers"].values())
        rt.pool.stop(timeout=10)
        down = client.get("/healthz")
        assert down.status_code == 503 and "workers" in down.get_json()["problems"]
    finally:
        rt.stop()


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    settings = make_settings(tmp_path)
    _, handlers = recorders()
    application = create_app(settings, handlers=handlers, start_workers=True)
    rt = runtime(application)
    try:
        db = Path(rt.store.engine.url.database)
        rt.store.engine.dispose()
        for p in db.parent.glob(db.name + "*"):
            p.unlink()
        db.mkdir()  # a directory where the database file was: SQLite cannot open it
        resp = application.test_client().get("/healthz")
        assert resp.status_code == 503
        assert resp.get_json()["problems"]["database"].startswith("unreachable")
    finally:
        rt.stop()
        shutil.rmtree(db, ignore_errors=True)


def test_metrics_are_prometheus_text_with_deliveries_and_jobs(app):
    client = app.test_client()
    post(client, "pull_request", example("pull_request", "opened"))
    post(client, "pull_request", example("pull_request", "closed"))
    post(client, "pull_request_review", example("pull_request_review", "submitted"))
    resp = client.get("/metrics")
    assert resp.status_code == 200 and resp.content_type.startswith("text/plain")
    text = resp.get_data(as_text=True)
    assert 'mergeguard_deliveries_total{event="pull_request",outcome="queued"} 1.0' in text
    assert 'mergeguard_deliveries_total{event="pull_request",outcome="ignored"} 1.0' in text
    assert 'mergeguard_deliveries_total{event="pull_request_review",outcome="queued"} 1.0' in text
    assert 'mergeguard_jobs{state="queued"} 2.0' in text
    assert "# TYPE mergeguard_scoring_seconds histogram" in text
    assert "# TYPE mergeguard_github_api_errors_total counter" in text
    runtime(app).metrics.github_error(502)
    assert 'mergeguard_github_api_errors_total{status="502"} 1.0' in client.get("/metrics").get_data(as_text=True)


# -- settings -------------------------------------------------------------------------------------

def good_env(tmp_path) -> dict[str, str]:
    return {"MERGEGUARD_APP_ID": "4242", "MERGEGUARD_PRIVATE_KEY": pem(), "MERGEGUARD_WEBHOOK_SECRET": SECRET,
            "MERGEGUARD_DATA_DIR": str(tmp_path / "data")}


def test_settings_from_the_environment(tmp_path):
    s = Settings.from_env(good_env(tmp_path))
    assert s.app_id == 4242 and s.github_api_url == "https://api.github.com"
    assert s.database_url == f"sqlite:///{(tmp_path / 'data').resolve() / 'mergeguard.db'}"
    assert s.mirrors_dir == tmp_path / "data" / "mirrors"
    assert SECRET not in repr(s) and "PRIVATE KEY" not in repr(s)
    key_file = tmp_path / "app.pem"
    key_file.write_text(pem())
    env = good_env(tmp_path)
    del env["MERGEGUARD_PRIVATE_KEY"]
    env.update(MERGEGUARD_PRIVATE_KEY_PATH=str(key_file), MERGEGUARD_GITHUB_API_URL="https://ghe.example.com/api/v3/",
               MERGEGUARD_DATABASE_URL="postgresql+psycopg://mg@db/mergeguard")
    s = Settings.from_env(env)
    assert s.github_api_url == "https://ghe.example.com/api/v3"
    assert s.database_url == "postgresql+psycopg://mg@db/mergeguard"
    one_line = dict(good_env(tmp_path), MERGEGUARD_PRIVATE_KEY=pem().replace("\n", "\\n"))
    assert Settings.from_env(one_line).private_key.startswith("-----BEGIN RSA PRIVATE KEY-----\n")


@pytest.mark.parametrize("change,named", [
    ({"MERGEGUARD_APP_ID": None}, "MERGEGUARD_APP_ID"),
    ({"MERGEGUARD_APP_ID": "my-app"}, "MERGEGUARD_APP_ID"),
    ({"MERGEGUARD_APP_ID": "-3"}, "MERGEGUARD_APP_ID"),
    ({"MERGEGUARD_PRIVATE_KEY": None}, "MERGEGUARD_PRIVATE_KEY"),
    ({"MERGEGUARD_PRIVATE_KEY": "-----BEGIN RSA PRIVATE KEY-----\nnope\n-----END RSA PRIVATE KEY-----"},
     "MERGEGUARD_PRIVATE_KEY"),
    ({"MERGEGUARD_PRIVATE_KEY": None, "MERGEGUARD_PRIVATE_KEY_PATH": "/nonexistent/app.pem"},
     "MERGEGUARD_PRIVATE_KEY_PATH"),
    ({"MERGEGUARD_WEBHOOK_SECRET": None}, "MERGEGUARD_WEBHOOK_SECRET"),
    ({"MERGEGUARD_GITHUB_API_URL": "api.github.com"}, "MERGEGUARD_GITHUB_API_URL"),
    ({"MERGEGUARD_GITHUB_API_URL": "ftp://example.com"}, "MERGEGUARD_GITHUB_API_URL"),
    ({"MERGEGUARD_DATABASE_URL": "not a url"}, "MERGEGUARD_DATABASE_URL"),
    ({"MERGEGUARD_JOB_THREADS": "many"}, "MERGEGUARD_JOB_THREADS"),
])
def test_a_bad_setting_is_named(tmp_path, change, named):
    env = good_env(tmp_path)
    for k, v in change.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)


def test_a_non_rsa_key_is_refused(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    with pytest.raises(SettingsError, match="RSA"):
        Settings.from_env(dict(good_env(tmp_path), MERGEGUARD_PRIVATE_KEY=key))


def test_the_store_creates_its_tables_and_data_dir(tmp_path):
    url = f"sqlite:///{tmp_path / 'deep' / 'er' / 'x.db'}"
    store = Store(url)
    try:
        assert set(store.counts()) == {"deliveries", "jobs", "installations", "assessments", "acceptances", "check_runs",
                                      "workers", "repo_owners"}
    finally:
        store.dispose()
