"""Hostile webhook requests at the edge (issue 11, items 7-9): never a 500, nothing malformed queued.

Every case here was a 500 with a traceback, or a malformed job in the queue, before the edge
checked what it was given. Requests are signed with the real secret where the attack needs to get
past the signature (anyone who knows it, or a payload GitHub sends that we did not foresee).
"""

from __future__ import annotations

import http.client
import json
import threading
import uuid

import pytest
from werkzeug.serving import make_server

from mergeguard.app import schemas
from mergeguard.app.events import installation_id, repo_name
from mergeguard.app.store import scrub
from mergeguard.app.web import create_app, runtime, verify_signature

from .test_app_web import SECRET, delivery_headers, example, make_settings, post, recorders, sign


def counts(application) -> dict[str, int]:
    return runtime(application).store.counts()


# -- item 7: no 500 ---------------------------------------------------------------------------------

@pytest.mark.parametrize("header", ["sha256=" + "é" * 64, "sha256=\u00ff\u00fe", "sha256=" + "ü" * 3])
def test_a_non_ascii_signature_is_401_not_500(app, header):
    body = json.dumps(example("pull_request", "opened")).encode()
    headers = {**delivery_headers("pull_request", body), "X-Hub-Signature-256": header.encode("utf-8").decode("latin-1")}
    resp = app.test_client().post("/webhook", data=body, headers=headers)
    assert resp.status_code == 401
    assert set(counts(app).values()) == {0}
    assert verify_signature(SECRET, body, "sha256=" + "\u0100" * 64) is False  # beyond latin-1 too


def test_the_signature_still_verifies_as_bytes():
    body = b'{"zen": "x"}'
    assert verify_signature(SECRET, body, sign(body))
    assert verify_signature(SECRET, body, sign(body).upper().replace("SHA256=", "sha256="))
    assert not verify_signature(SECRET, body + b" ", sign(body))


def test_a_ping_echoes_only_a_short_zen(app):
    deep = b'{"zen": ' + b"[" * 800 + b"]" * 800 + b"}"  # parses; echoing it back need not
    resp = post(app.test_client(), "ping", None, raw=deep)
    assert resp.status_code == 200 and resp.get_json() == {"pong": True, "zen": None}
    resp = post(app.test_client(), "ping", {"zen": "z" * 10_000})
    assert resp.status_code == 200 and resp.get_json()["zen"] == "z" * 200


def test_deeply_nested_json_is_400(app):
    raw = b'{"action": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    resp = post(app.test_client(), "pull_request", None, raw=raw)
    assert resp.status_code == 400 and "nested too deeply" in resp.get_json()["error"]
    assert set(counts(app).values()) == {0}


@pytest.mark.parametrize("raw", [
    b'{"installation": {"id": 1e999}, "action": "created"}',
    b'{"installation": {"id": NaN}, "action": "created"}',
    b'{"installation": {"id": Infinity}, "action": "created"}',
    b'{"installation": {"id": ' + b"9" * 5000 + b'}, "action": "created"}',
])
def test_numbers_python_cannot_convert_are_400(app, raw):
    resp = post(app.test_client(), "installation", None, raw=raw)
    assert resp.status_code == 400
    assert set(counts(app).values()) == {0}


@pytest.mark.parametrize("inst_id", [2**63, 2**64 + 5, -1, 0, 1.5, True, "12"])
def test_ids_the_database_cannot_hold_are_400_for_handled_events(app, inst_id):
    payload = example("installation", "created")
    payload["installation"]["id"] = inst_id
    resp = post(app.test_client(), "installation", payload)
    assert resp.status_code == 400
    assert "installation.id" in resp.get_json()["error"]
    assert set(counts(app).values()) == {0}


def test_an_unhandled_event_with_a_huge_installation_id_is_recorded_without_it(app):
    payload = {"action": "created", "installation": {"id": 2**70}, "repository": {"full_name": "no-slash"}}
    resp = post(app.test_client(), "star", payload)
    assert resp.status_code == 204
    assert counts(app)["deliveries"] == 1
    assert installation_id(payload) is None and repo_name(payload) is None


def test_lone_surrogates_are_stored_without_a_500(app):
    payload = example("pull_request", "opened")
    payload["pull_request"]["base"]["ref"] = "main\ud800\x00"
    payload["action"] = "opened"
    body = json.dumps(payload).encode()  # ensure_ascii: the surrogate travels as the escape \ud800
    assert b"\\ud800" in body
    resp = post(app.test_client(), "pull_request", None, raw=body)
    assert resp.status_code == 202, resp.get_json()
    [job] = runtime(app).store.all_jobs()
    assert job["payload"]["base_ref"] == "main\ufffd"
    # an unhandled event with a surrogate in its action: recorded, action dropped
    weird = json.dumps({"action": "x\udc80", "repository": {"full_name": "a/b"}}).encode()
    assert post(app.test_client(), "watch", None, raw=weird).status_code == 204


def test_scrub_cleans_every_string_and_keeps_the_shape():
    value = {"a\ud800": ["x\udfff", ("y\x00",), {"n": 1, "f": None}]}
    assert scrub(value) == {"a\ufffd": ["x\ufffd", ["y"], {"n": 1, "f": None}]}


@pytest.mark.parametrize("header,value", [("X-GitHub-Event", "pull_request\u00e9"), ("X-GitHub-Event", "x" * 65),
                                          ("X-GitHub-Delivery", "id with spaces"), ("X-GitHub-Delivery", "\u00e9")])
def test_malformed_event_and_delivery_headers_are_400(app, header, value):
    body = json.dumps(example("pull_request", "opened")).encode()
    headers = {**delivery_headers("pull_request", body), header: value}
    assert app.test_client().post("/webhook", data=body, headers=headers).status_code == 400
    assert set(counts(app).values()) == {0}


# -- item 8: a schema per handled event ---------------------------------------------------------------

def _set(payload: dict, path: str, value) -> dict:
    *parents, last = path.split(".")
    node = payload
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return payload


_DELETE = object()


@pytest.mark.parametrize("event,action,path,value", [
    ("pull_request", "opened", "pull_request.number", False),
    ("pull_request", "opened", "pull_request.number", "2"),
    ("pull_request", "opened", "pull_request.number", 2.0),
    ("pull_request", "opened", "pull_request.number", 2**31),
    ("pull_request", "synchronize", "repository.full_name", "no-owner"),
    ("pull_request", "synchronize", "repository.full_name", "a/b/c"),
    ("pull_request", "synchronize", "repository.full_name", ["a/b"]),
    ("pull_request", "opened", "pull_request.head.sha", ["d" * 40]),
    ("pull_request", "opened", "pull_request.head.sha", "D" * 40),
    ("pull_request", "opened", "pull_request.head.sha", "d" * 39),
    ("pull_request", "opened", "pull_request.base.ref", 7),
    ("pull_request", "labeled", "pull_request.head", _DELETE),
    ("pull_request", "opened", "sender", "octocat"),
    ("pull_request_review", "submitted", "pull_request.number", None),
    ("pull_request_review", "submitted", "installation", {"id": "1"}),
    ("check_run", "rerequested", "check_run.head_sha", 123),
    ("check_run", "rerequested", "check_run.pull_requests", [{"number": "1"}]),
    ("check_run", "requested_action", "requested_action", ["accept"]),
    ("check_run", "requested_action", "check_run.id", 2**63),
    ("check_suite", "rerequested", "check_suite.pull_requests", [{"number": None}]),
    ("check_suite", "rerequested", "repository", None),
    ("installation", "created", "repositories", [{"full_name": "x"}]),
    ("installation", "created", "installation.account", {"login": "bad login"}),
    ("installation_repositories", "added", "repositories_added", {"full_name": "a/b"}),
])
def test_a_signed_malformed_payload_is_400_and_never_queued(app, event, action, path, value):
    payload = _set(example(event, action), path, value)
    resp = post(app.test_client(), event, payload)
    assert resp.status_code == 400, resp.get_json()
    error = resp.get_json()["error"]
    assert error.startswith(f"{event}.") and len(error) < 300
    assert set(counts(app).values()) == {0}


def test_an_error_names_the_field_but_never_echoes_a_huge_value(app):
    payload = example("pull_request", "opened")
    payload["pull_request"]["head"]["sha"] = "z" * 1_000_000
    resp = post(app.test_client(), "pull_request", payload)
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "pull_request.opened: pull_request.head.sha: does not match ^[0-9a-f]{40}$"
    assert len(resp.get_data()) < 400


@pytest.mark.parametrize("event,action", [("pull_request", "opened"), ("pull_request", "synchronize"),
                                          ("pull_request", "labeled"), ("pull_request_review", "submitted"),
                                          ("pull_request_review", "dismissed"), ("check_run", "rerequested"),
                                          ("check_run", "requested_action"), ("check_suite", "rerequested"),
                                          ("installation", "created"), ("installation", "deleted"),
                                          ("installation_repositories", "added")])
def test_every_published_example_of_a_handled_event_passes_its_schema(event, action):
    from mergeguard.app.events import router

    for payload in example_all(event, action):
        router.dispatch(event, payload)  # raises PayloadError if a real payload failed its schema


def example_all(event, action):
    from .npm_fixtures import webhook_examples

    found = webhook_examples(event, action)
    assert found
    return found


def test_schemas_are_valid_json_schemas():
    for name in ("PULL_REQUEST", "CHECK_RUN", "CHECK_SUITE", "INSTALLATION", "INSTALLATION_REPOSITORIES"):
        schemas.Schema(getattr(schemas, name))  # check_schema raises on a bad one


# -- item 9: an unsized body over the limit is 413 ----------------------------------------------------

@pytest.fixture()
def live(tmp_path):
    """The app behind werkzeug's threaded server, which de-chunks bodies (``wsgi.input_terminated``)."""
    _, handlers = recorders()
    application = create_app(make_settings(tmp_path, max_body_bytes=4096), handlers=handlers, start_workers=False)
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield application, server.server_port
    server.shutdown()
    runtime(application).stop()


def _chunked(port: int, body: bytes, headers: dict) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.putrequest("POST", "/webhook")
        for k, v in {**headers, "Transfer-Encoding": "chunked"}.items():
            conn.putheader(k, v)
        conn.endheaders()
        for i in range(0, len(body), 1000):
            part = body[i:i + 1000]
            conn.send(b"%x\r\n%s\r\n" % (len(part), part))
        conn.send(b"0\r\n\r\n")
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_a_chunked_body_over_the_limit_is_413_not_a_truncated_401(live):
    application, port = live
    payload = example("pull_request", "opened")
    body = json.dumps(payload).encode()
    assert len(body) > 4096
    status, answer = _chunked(port, body, delivery_headers("pull_request", body))
    assert status == 413, answer
    assert set(counts(application).values()) == {0}


def test_a_chunked_body_within_the_limit_is_read_whole(live):
    application, port = live
    payload = {"action": "created", "installation": {"id": 77, "account": {"login": "octo"}}, "repositories": []}
    body = json.dumps(payload).encode() + b" " * 3000  # several chunks, under 4096
    headers = {**delivery_headers("installation", body), "X-GitHub-Delivery": str(uuid.uuid4())}
    status, answer = _chunked(port, body, headers)
    assert status == 202, answer
    assert runtime(application).store.installation(77)["account"] == "octo"
