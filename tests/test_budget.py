"""Error-budget sources against real servers: a Prometheus started here scraping an exporter served here,
JSON documents over HTTP and on disk; healthy, exhausted, unreachable and malformed."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from mergeguard.budget import SourceAccess
from mergeguard.budget import fetch as fetch_with
from mergeguard.config import BudgetSource

METRICS = """\
# HELP slo_error_budget_remaining Remaining fraction of the 30-day error budget.
# TYPE slo_error_budget_remaining gauge
slo_error_budget_remaining{service="api"} 0.62
slo_error_budget_remaining{service="checkout"} 0.12
slo_error_budget_remaining{service="search"} 0
"""


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, str, bytes]] = {}

    def do_GET(self):
        status, ctype, body = self.routes.get(urllib.parse.urlsplit(self.path).path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep pytest output clean
        pass


def serve(routes: dict[str, tuple[int, str, bytes]]):
    """An HTTP server on a free loopback port, in a thread; returns (server, base URL)."""
    handler = type("Handler", (_Handler,), {"routes": routes})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def fetch(source: BudgetSource):
    """The CLI's rule: any http(s) URL; files inside the work tree (here: the file's own directory)."""
    root = Path(source.file).parent if source.file else Path.cwd()
    return fetch_with(source, SourceAccess.local(root))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------------ a real Prometheus


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    """Debian's prometheus, scraping our exporter every second; yields its base URL."""
    binary = shutil.which("prometheus")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus is not installed; .ci/run installs Debian's package")
        pytest.skip("prometheus binary not installed (apt-get install prometheus); required on CI")
    exporter, exporter_url = serve({"/metrics": (200, "text/plain; version=0.0.4", METRICS.encode())})
    d = tmp_path_factory.mktemp("prometheus")
    config = d / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: slo\n    static_configs:\n"
        f"      - targets: ['{exporter_url.removeprefix('http://')}']\n")
    port = free_port()
    log = open(d / "prometheus.log", "wb")
    proc = subprocess.Popen([binary, f"--config.file={config}", f"--storage.tsdb.path={d / 'data'}",
                             f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        query = url + "/api/v1/query?" + urllib.parse.urlencode({"query": "slo_error_budget_remaining"})
        while True:
            if proc.poll() is not None:
                pytest.fail(f"prometheus exited: {(d / 'prometheus.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(query, timeout=2) as r:
                    if len(json.load(r)["data"]["result"]) == 3:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"prometheus never scraped the exporter: {(d / 'prometheus.log').read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        exporter.shutdown()


def prom(url: str, query: str, timeout: float = 5) -> BudgetSource:
    return BudgetSource("prometheus", url=url, query=query, timeout=timeout)


def test_prometheus_healthy(prometheus):
    status = fetch(prom(prometheus, 'slo_error_budget_remaining{service="api"}'))
    assert status.ok and status.remaining == pytest.approx(0.62) and status.error is None
    # a scalar result works too
    assert fetch(prom(prometheus, 'scalar(slo_error_budget_remaining{service="api"})')).remaining == pytest.approx(0.62)


def test_prometheus_low_and_exhausted(prometheus):
    assert fetch(prom(prometheus, 'slo_error_budget_remaining{service="checkout"}')).remaining == pytest.approx(0.12)
    assert fetch(prom(prometheus, 'slo_error_budget_remaining{service="search"}')).remaining == 0.0
    assert fetch(prom(prometheus, "min(slo_error_budget_remaining)")).remaining == 0.0


@pytest.mark.parametrize("query, error", [
    ("slo_error_budget_remaining", "query returned 3 series; expected one (aggregate it, e.g. with min())"),
    ('slo_error_budget_remaining{service="nope"}', "query returned no data"),
    ("slo_error_budget_remaining{", "HTTP 400 Bad Request"),
    ("slo_error_budget_remaining[1m]", "query returned a matrix"),
    ('slo_error_budget_remaining{service="api"} * 100', "expected a remaining fraction of at most 1, got more"),
])
def test_prometheus_malformed_answers_are_stated(prometheus, query, error):
    status = fetch(prom(prometheus, query))
    assert not status.ok and status.remaining is None
    assert error in status.error


def test_prometheus_unreachable():
    status = fetch(prom(f"http://127.0.0.1:{free_port()}", "up", timeout=2))
    assert not status.ok and status.error.startswith("unreachable:")


def test_a_server_that_never_answers_times_out():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)  # accepts the connection, never answers
        status = fetch(prom(f"http://127.0.0.1:{s.getsockname()[1]}", "up", timeout=0.5))
    # the server never answers, so returning at all (with this message) is the timeout working
    assert status.error == "no answer within 0.5s"


def test_not_prometheus_at_all():
    server, url = serve({"/api/v1/query": (200, "text/html", b"<html>login</html>")})
    try:
        assert fetch(prom(url, "up")).error.startswith("not JSON")
    finally:
        server.shutdown()


def test_cli_states_the_prometheus_budget_and_the_rule(prometheus, synthetic_repos, trained_model_dir, tmp_path):
    """End to end: the gate asks the real Prometheus, tightens, and every format says so."""
    syn = synthetic_repos[0]
    config = tmp_path / "mergeguard.yml"
    config.write_text(
        "error_budget:\n"
        f"  prometheus: {{url: '{prometheus}', query: 'slo_error_budget_remaining{{service=\"checkout\"}}'}}\n"
        "  floor: 0.25\n"
        "  tighten:\n    thresholds: {medium: 0.0001, high: 0.0002}\n    require: [{approvals: 1}]\n"
        "conclusions: {critical: action_required}\n"
        "require: {high: [], critical: []}\n")  # only the budget's validation
    args = [sys.executable, "-m", "mergeguard.cli", "score", "--repo", str(syn.path), "--commit", sorted(syn.buggy)[0],
            "--model", str(trained_model_dir[0]), "--config", str(config)]
    p = subprocess.run([*args, "--format", "json"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    v = json.loads(p.stdout)["verdict"]
    assert v["error_budget"]["remaining"] == pytest.approx(0.12) and v["error_budget"]["state"] == "below_floor"
    assert v["level"] in ("high", "critical") and v["conclusion"] == "action_required"
    assert v["thresholds"]["high"] == 0.0002
    assert [r["id"] for r in v["required_validations"]] == ["approvals:1"]
    assert any(n.startswith("Error budget: 12% remaining, below the 25% floor: the gate tightens") for n in v["notes"])
    for fmt in ("text", "markdown", "sarif"):
        out = subprocess.run([*args, "--format", fmt], capture_output=True, text=True, timeout=300).stdout
        assert "12% remaining, below the 25% floor" in out, fmt


# ------------------------------------------------------------------------------ JSON documents


DOC = {"generated": "2026-11-20T10:00:00Z", "services": {"api": {"remaining": 0.62}, "checkout": {"remaining": "0.05"}},
       "slos": [{"name": "latency", "remaining": -0.2}]}


def test_json_document_over_http():
    server, url = serve({"/slo.json": (200, "application/json", json.dumps(DOC).encode()),
                         "/broken.json": (200, "application/json", b"{\"services\": "),
                         "/gone.json": (503, "text/plain", b"maintenance")})
    try:
        assert fetch(BudgetSource("json", url=f"{url}/slo.json", field="services.api.remaining")).remaining == 0.62
        assert fetch(BudgetSource("json", url=f"{url}/slo.json", field="services.checkout.remaining")).remaining == 0.05
        assert fetch(BudgetSource("json", url=f"{url}/slo.json", field="slos.0.remaining")).remaining == -0.2
        assert fetch(BudgetSource("json", url=f"{url}/broken.json")).error.startswith("not JSON")
        assert fetch(BudgetSource("json", url=f"{url}/gone.json")).error == "HTTP 503 Service Unavailable"
    finally:
        server.shutdown()


@pytest.mark.parametrize("content, field, expected", [
    (json.dumps(DOC), "services.api.remaining", 0.62),
    (json.dumps({"remaining": 0}), "remaining", 0.0),
    (json.dumps(DOC), "services.payments.remaining", "field 'services.payments' not found in the document"),
    (json.dumps(DOC), "generated", "expected a number, got a string"),
    (json.dumps({"remaining": 45}), "remaining", "expected a remaining fraction of at most 1, got more (a percentage?)"),
    (json.dumps({"remaining": True}), "remaining", "expected a number, got a boolean"),
    ("remaining: 0.5", "remaining", "not JSON"),
])
def test_json_document_in_a_file(tmp_path, content, field, expected):
    path = tmp_path / "slo.json"
    path.write_text(content)
    status = fetch(BudgetSource("json", file=str(path), field=field))
    if isinstance(expected, float):
        assert status.ok and status.remaining == expected
    else:
        assert not status.ok and expected in status.error


def test_missing_file_is_stated(tmp_path):
    status = fetch(BudgetSource("json", file=str(tmp_path / "nope.json")))
    assert status.error.startswith("cannot read") and "No such file" in status.error
    assert status.to_dict() == {"source": f"JSON {tmp_path / 'nope.json'} (field remaining)", "remaining": None,
                                "error": status.error}


def test_module_never_raises_on_garbage(tmp_path):
    path = Path(tmp_path / "slo.json")
    path.write_bytes(b"\xff\xfe\x00garbage")
    assert fetch(BudgetSource("json", file=str(path))).error
