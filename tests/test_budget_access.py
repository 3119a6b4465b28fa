"""Where error-budget sources may be read from (issue 11, item 1), against real servers and real files.

The configuration names the source, and whoever can push to a base branch writes the configuration;
the answer ends up in a check run anyone can read. So the App reads no files and only URLs under its
operator's prefixes, the CLI and the Action read files only inside the work tree, every fetch has one
deadline and a size cap, redirects are checked like the first URL, and no error quotes what the
source sent. Each test here starts a real HTTP server on 127.0.0.1 or writes a real secret file.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mergeguard.budget import MAX_BODY, SourceAccess, fetch, url_under
from mergeguard.config import BudgetSource
from mergeguard.gate import Gate
from mergeguard.git import GitRepo

from .gitrepo import commit, git, init_repo

SECRET = "AKIA-SECRET-7f3e9c1d"


class Recorder(http.server.BaseHTTPRequestHandler):
    """Routes: path -> (status, headers, body); every request path is recorded in ``hits``."""

    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
    hits: list[str] = []

    def do_GET(self):
        self.hits.append(self.path)
        status, headers, body = self.routes.get(self.path.split("?")[0], (404, {}, b"no"))
        reason = headers.pop("X-Reason", None) if headers else None
        self.send_response(status, reason)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A metadata-style server: a secret at /latest/meta-data, a budget at /slo/budget.json."""
    routes = {
        "/slo/budget.json": (200, {"Content-Type": "application/json"}, json.dumps({"remaining": 0.42}).encode()),
        "/latest/meta-data": (200, {}, json.dumps({"remaining": SECRET, "key": SECRET}).encode()),
        "/slo/to-secret": (302, {"Location": "/latest/meta-data"}, b""),
        "/slo/to-budget": (302, {"Location": "/slo/budget.json"}, b""),
        "/slo/leaky-error": (500, {"X-Reason": f"Oops {SECRET}"}, SECRET.encode()),
        "/api/v1/query": (400, {"Content-Type": "application/json"},
                          json.dumps({"status": "error", "error": f"parse error near {SECRET}"}).encode()),
    }
    handler = type("H", (Recorder,), {"routes": routes, "hits": []})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", handler.hits
    srv.shutdown()
    srv.server_close()


def json_source(**kw) -> BudgetSource:
    return BudgetSource("json", **kw)


# -- the App: no files, only the operator's URL prefixes ----------------------------------------------


def test_app_reads_no_file_at_all(tmp_path):
    secret = tmp_path / "credentials.json"
    secret.write_text(json.dumps({"remaining": 0.777, "token": SECRET}))
    for name, field in ((str(secret), "remaining"), (str(secret), "token"), ("/etc/passwd", "remaining")):
        status = fetch(json_source(file=name, field=field), SourceAccess.app(["http://127.0.0.1:1/"]))
        assert not status.ok and status.remaining is None
        assert status.error == ("error budget source unavailable (files are not read as error-budget sources here "
                                "(not allowed by the App's settings))")
        assert SECRET not in status.error and "0.777" not in status.error


def test_app_fetches_only_urls_under_the_operators_prefixes(server):
    url, hits = server
    app = SourceAccess.app([f"{url}/slo/"])
    ok = fetch(json_source(url=f"{url}/slo/budget.json"), app)
    assert ok.ok and ok.remaining == 0.42
    for target in (f"{url}/latest/meta-data", f"{url}/slo/../latest/meta-data", f"{url}/slo/%2e%2e/latest/meta-data",
                   f"{url}/slox/budget.json"):
        refused = fetch(json_source(url=target, field="key"), app)
        assert refused.error == "error budget source unavailable (not allowed by the App's settings)", target
    prom = fetch(BudgetSource("prometheus", url=url, query="up"), app)
    assert prom.error == "error budget source unavailable (not allowed by the App's settings)"
    assert fetch(json_source(url=f"{url}/slo/budget.json"), SourceAccess.app([])).error.endswith(
        "(not allowed by the App's settings)"), "no prefixes: nothing is fetched"
    assert hits == ["/slo/budget.json"], "a refused URL is never contacted"


def test_url_prefix_matching_is_by_origin_and_path_segment():
    assert url_under("http://prom:9090/api/v1/query?query=x", "http://prom:9090")
    assert url_under("https://slo.example/budget/api.json", "https://slo.example/budget/")
    assert url_under("https://slo.example/budget", "https://slo.example/budget")
    assert url_under("HTTPS://SLO.example:443/budget/x", "https://slo.example/budget")
    assert not url_under("https://slo.example/budgets/x", "https://slo.example/budget")
    assert not url_under("http://slo.example/budget/x", "https://slo.example/budget")  # scheme
    assert not url_under("https://slo.example:8443/budget/x", "https://slo.example/budget")  # port
    assert not url_under("https://slo.example.evil.io/budget/x", "https://slo.example/budget")  # host
    assert not url_under("https://slo.example@169.254.169.254/budget/x", "https://slo.example/budget")  # user info
    assert not url_under("https://slo.example/budget/../admin", "https://slo.example/budget")
    assert not url_under("http://prom:99999/x", "http://prom:9090")  # a bad port is no match, not a crash


def test_redirects_are_followed_only_to_allowed_places(server):
    url, hits = server
    app = SourceAccess.app([f"{url}/slo/"])
    assert fetch(json_source(url=f"{url}/slo/to-budget"), app).remaining == 0.42
    refused = fetch(json_source(url=f"{url}/slo/to-secret"), app)
    assert refused.error == ("error budget source unavailable (redirected to a URL not allowed by the App's "
                             "settings)")
    assert "/latest/meta-data" not in hits
    # the CLI's rule allows any http(s) URL, so it follows; the secret is still never quoted back
    cli = fetch(json_source(url=f"{url}/slo/to-secret", field="key"), SourceAccess.local("."))
    assert cli.error == "expected a number, got a string"


def test_no_error_quotes_what_the_source_sent(server):
    url, _ = server
    cli = SourceAccess.local(".")
    assert fetch(json_source(url=f"{url}/slo/leaky-error"), cli).error == "HTTP 500 Internal Server Error"
    prom = fetch(BudgetSource("prometheus", url=url, query="up"), cli)
    assert prom.error == "HTTP 400 Bad Request"
    for field in ("key", "remaining"):
        status = fetch(json_source(url=f"{url}/latest/meta-data", field=field), cli)
        assert status.error == "expected a number, got a string"
    for status in (prom, fetch(json_source(url=f"{url}/latest/meta-data", field="key"), cli)):
        assert SECRET not in json.dumps(status.to_dict())


# -- one deadline and a size cap for every fetch ------------------------------------------------------


def _drip_server(body_first: bool):
    """Accepts, then sends one byte every 0.2 s for ever: of the headers, or (after them) of the body."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    def drip(conn):
        try:
            conn.recv(4096)
            if body_first:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
            while not stop.is_set():
                conn.sendall(b" " if body_first else b"X")
                time.sleep(0.2)
        except OSError:
            pass
        finally:
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return srv, stop


@pytest.mark.parametrize("body_first", [True, False], ids=["slow-body", "slow-headers"])
def test_a_source_that_drips_bytes_is_cut_off_at_the_deadline(body_first):
    """A per-read timeout alone never fires here: each read gets a byte within 0.2 s."""
    srv, stop = _drip_server(body_first)
    try:
        t0 = time.monotonic()
        status = fetch(json_source(url=f"http://127.0.0.1:{srv.getsockname()[1]}/b.json", timeout=1),
                       SourceAccess.local("."))
        elapsed = time.monotonic() - t0
    finally:
        stop.set()
        srv.close()
    assert status.error == "no answer within 1s"
    assert elapsed < 30  # generous: the point is that it ends, not how fast the machine is


def test_a_body_over_the_cap_is_refused_with_or_without_content_length(server):
    url, _ = server
    big = b"[" + b"0," * (MAX_BODY // 2) + b"0]"
    handler_routes = {"/declared": (200, {}, big), "/undeclared": (200, {"Connection": "close"}, big)}
    handler = type("H", (Recorder,), {"routes": handler_routes, "hits": []})

    class NoLength(handler):
        def do_GET(self):  # noqa: N802
            if self.path == "/undeclared":
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(big)
                return
            super().do_GET()

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NoLength)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{srv.server_address[1]}"
        for path in ("/declared", "/undeclared"):
            status = fetch(json_source(url=base + path), SourceAccess.local("."))
            assert status.error == f"response larger than {MAX_BODY:,} bytes", path
    finally:
        srv.shutdown()
        srv.server_close()


# -- the CLI and the Action: files inside the work tree, as the base has them ---------------------------


def test_cli_reads_files_only_inside_the_work_tree(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "slo.json").write_text(json.dumps({"remaining": 0.3}))
    outside = tmp_path / "secret.json"
    outside.write_text(json.dumps({"remaining": 0.9, "token": SECRET}))
    (repo / "link.json").symlink_to(outside)
    access = SourceAccess.local(repo)
    assert fetch(json_source(file="slo.json"), access).remaining == 0.3  # relative to the work tree
    assert fetch(json_source(file=str(repo / "slo.json")), access).remaining == 0.3
    for name in (str(outside), "../secret.json", "link.json"):
        status = fetch(json_source(file=name, field="token"), access)
        assert status.error == "error budget source unavailable (outside the repository's work tree)", name
        assert SECRET not in status.error


BUDGET_CONFIG = ("error_budget:\n  json: {file: ci/slo.json}\n  floor: 0.25\n"
                 "  tighten: {require: [{approvals: 1}]}\n  on_error: fail\n")


def _repo_with_budget(tmp_path: Path, *, at_base: bool) -> tuple[Path, str, str]:
    w = init_repo(tmp_path / "w")
    files = {"a.py": "x = 1\n", ".github/mergeguard.yml": BUDGET_CONFIG}
    if at_base:
        files["ci/slo.json"] = json.dumps({"remaining": 0.05})
    base = commit(w, files, "base")
    git(w, "checkout", "-q", "-b", "feat")
    head = commit(w, {"a.py": "x = 2\n", "ci/slo.json": json.dumps({"remaining": 1.0})}, "feat: budget is fine")
    return w, base, head


def test_a_change_cannot_bring_or_rewrite_its_own_budget_file(tmp_path):
    """The work tree is the change's (a pull request's merge commit in the Action): a file the base
    tracks is read at the base, one only the change adds is refused."""
    w, base, _ = _repo_with_budget(tmp_path / "tracked", at_base=True)
    gate = Gate(GitRepo(w), None)
    status = gate.budget_for(gate.config_at(base), base)
    assert status.ok and status.remaining == 0.05  # the base's 5 %, not the work tree's 100 %
    w, base, _ = _repo_with_budget(tmp_path / "added", at_base=False)
    gate = Gate(GitRepo(w), None)
    status = gate.budget_for(gate.config_at(base), base)
    assert status.error == ("error budget source unavailable (ci/slo.json is not at the base revision: "
                            "a change cannot bring its own budget)")
    # a file git does not track (written by an earlier workflow step) is read from the work tree
    w2 = init_repo(tmp_path / "untracked")
    base2 = commit(w2, {"a.py": "x = 1\n", ".github/mergeguard.yml": BUDGET_CONFIG}, "base")
    (w2 / "ci").mkdir()
    (w2 / "ci" / "slo.json").write_text(json.dumps({"remaining": 0.6}))
    gate = Gate(GitRepo(w2), None)
    assert gate.budget_for(gate.config_at(base2), base2).remaining == 0.6


def test_config_check_and_score_never_print_a_secret_file(tmp_path):
    """End to end through the CLI: a config naming a secret outside the work tree reads nothing."""
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"remaining": SECRET}))
    w = init_repo(tmp_path / "w")
    commit(w, {"a.py": "x = 1\n", ".github/mergeguard.yml":
               f"error_budget:\n  json: {{file: '{secret}'}}\n  tighten: {{require: [{{approvals: 1}}]}}\n"}, "base")
    git(w, "checkout", "-q", "-b", "feat")
    commit(w, {"a.py": "x = 2\n"}, "feat")
    p = subprocess.run([sys.executable, "-m", "mergeguard.cli", "score", "--repo", str(w), "--base", "main",
                        "--head", "feat", "--format", "json"], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert p.returncode == 0, p.stderr
    verdict = json.loads(p.stdout)["verdict"]
    assert verdict["error_budget"]["state"] == "unavailable"
    assert SECRET not in p.stdout + p.stderr
    assert any("outside the repository's work tree" in n for n in verdict["notes"]), verdict["notes"]


# -- through the App: the check run never shows the secret ---------------------------------------------


@pytest.fixture
def app_with_budget(request, synthetic_repos, tmp_path, trained_model_dir, server):
    """A pull request whose base config names ``request.param`` as its budget source, served by the App
    with ``server``'s /slo/ as the operator's only allowed prefix."""
    from mergeguard.app.web import create_app, runtime

    from .ghstub import GitHubStub
    from .test_app_serve import DAY, INSTALLATION, NUMBER, REPO, WHEN, public_pem
    from .test_app_web import make_settings, pem

    url, hits = server
    secret = tmp_path / "app-secret.json"
    secret.write_text(json.dumps({"remaining": SECRET, "key": SECRET}))
    source = {"file": f"json: {{file: '{secret}', field: key}}",
              "metadata": f"json: {{url: '{url}/latest/meta-data', field: key}}",
              "prometheus": f"prometheus: {{url: '{url}', query: up}}",
              "allowed": f"json: {{url: '{url}/slo/budget.json', timeout: 60}}"}[request.param]
    path = tmp_path / "svc"
    git(tmp_path, "clone", "-q", str(synthetic_repos[0].path), str(path))
    commit(path, {".github/mergeguard.yml": f"error_budget:\n  {source}\n  floor: 0.5\n"
                  "  tighten: {require: [{label: budget-ok}]}\n"}, "Gate configuration", when=WHEN)
    git(path, "checkout", "-q", "-b", "feature")
    commit(path, {"core/engine0.py": (path / "core/engine0.py").read_text() + "def turbo():\n    return 1\n"},
           "Add turbo mode", when=WHEN + DAY)
    git(path, "checkout", "-q", "main")
    with GitHubStub(app_id=4242, app_public_key_pem=public_pem(pem())) as stub:
        stub.add_installation(INSTALLATION, "octo")
        stub.add_repo(REPO, path, collaborators={"dev": "write"})
        stub.add_pull(REPO, NUMBER, head="feature", base="main", author="dev")
        app = create_app(make_settings(tmp_path, github_api_url=stub.url, model_dir=str(trained_model_dir[0]),
                                       error_budget_urls=(f"{url}/slo/",)), start_workers=False)
        try:
            yield app, stub, hits
        finally:
            runtime(app).stop()


@pytest.mark.parametrize("app_with_budget", ["file", "metadata", "prometheus", "allowed"], indirect=True)
def test_the_app_check_run_never_shows_a_file_or_an_internal_url(app_with_budget, request):
    from .test_app_serve import drain, our_runs, post, pr_payload

    app, stub, hits = app_with_budget
    case = request.node.callspec.params["app_with_budget"]
    assert post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "opened")).status_code == 202
    assert drain(app) == 1
    (run,) = our_runs(stub)
    shown = json.dumps(run.data)
    assert SECRET not in shown
    assert run.data["status"] == "completed"
    if case == "allowed":
        assert "42% remaining" in run.data["output"]["summary"]
        assert hits == ["/slo/budget.json"]
    else:
        assert "error budget source unavailable" in shown
        assert "not allowed by the App's settings" in shown
        assert hits == [], "nothing outside the operator's prefixes is contacted"
    assert stub.violations == []


def test_the_allow_list_is_read_from_the_environment_and_checked_at_start_up():
    from mergeguard.app.settings import Settings, SettingsError

    from .test_app_web import pem

    env = {"MERGEGUARD_APP_ID": "1", "MERGEGUARD_PRIVATE_KEY": pem(), "MERGEGUARD_WEBHOOK_SECRET": "s"}
    assert Settings.from_env(env).error_budget_urls == ()
    got = Settings.from_env({**env, "MERGEGUARD_ERROR_BUDGET_URLS": " http://prometheus:9090,\nhttps://slo.example/b/ "})
    assert got.error_budget_urls == ("http://prometheus:9090", "https://slo.example/b/")
    for bad in ("file:///etc/", "prometheus:9090", "https://user:pw@slo.example/"):
        with pytest.raises(SettingsError, match="MERGEGUARD_ERROR_BUDGET_URLS"):
            Settings.from_env({**env, "MERGEGUARD_ERROR_BUDGET_URLS": bad})
