"""Webhook acknowledgement latency of ``mergeguard serve`` under an open-loop load, next to a no-database peer.

Target: p99 <= 50 ms at 200 deliveries/s (GitHub gives up on a delivery after 10 s; the App must
answer fast whatever the job threads are doing).

What runs
=========

* **mergeguard**: ``mergeguard serve --bind 127.0.0.1:PORT`` as a subprocess (real gunicorn, gthread,
  ``--workers``/``--threads``), settings from the environment: a temporary data directory (SQLite in
  WAL mode, the default), a freshly generated RSA key, a webhook secret, and
  ``MERGEGUARD_GITHUB_API_URL`` pointing at a ``tests.ghstub.GitHubStub`` that this script starts in
  a *separate process* (so neither the stub nor the load generator steals the other's GIL).
* **nojobs**: mergeguard's own web app (``create_app(start_workers=False)``, same database, same
  routing and transaction) under the same gunicorn options, with no job threads: the web path alone,
  so the job threads' share of the cost can be told apart.
* **peer**: a minimal Flask app that verifies the HMAC and answers 202 with a small JSON body -- no
  database, no routing, no jobs -- served by the same gunicorn options (``gunicorn_options`` from
  ``mergeguard.app.wsgi``, without the job-thread exit hook). The difference between the two is the
  cost of durability (delivery row + job row in one SQLite transaction, the supersede UPDATE) plus
  routing and the job threads' competition.

* **scoring**: ``mergeguard serve`` again, but the stand-in now serves a real repository (a bare
  clone of a mirror under ``/work/.mirror``, default aio-libs/aiohttp, or ``--repo``) and ``--prs``
  pull requests on it, and the deliveries cycle through them: the job threads clone the mirror,
  replay the history and score (tree-sitter, LightGBM) and publish check runs all through the load.
  This is the realistic worst case -- scoring is the CPU-heavy part -- and what
  ``MERGEGUARD_JOB_SCORING`` (``process``, the default, or ``thread``; passed through from the
  caller's environment like every ``MERGEGUARD_JOB_*`` setting) is about.

Why the job threads run against a stub (and not switched off): a real server acknowledges while its
job threads claim and finish jobs in the same process and the same database, and that competition
(SQLite write lock, the GIL) is exactly what could push acknowledgements past 50 ms. The stub knows
the installation (so tokens are minted with a real RS256 JWT) but not the repository, so every job
fails fast with a 404 and completes as failed: the job threads do real queue work (claim, HTTP to the
"GitHub", finish, and the supersede UPDATE of every new delivery's job) but no scoring; the
``scoring`` variant adds it. Nothing ever reaches the internet.

Load
====

GitHub's published ``pull_request.opened`` example (``@octokit/webhooks-examples``, via
``tests.npm_fixtures``), with an ``installation`` block added as GitHub adds one for App
deliveries; the body is signed once (the signature covers the body only) and every delivery gets
a unique ``X-GitHub-Delivery``. Open loop: delivery *i* is scheduled at ``t0 + i/rate``; a
dispatcher hands it to a pool of ``--senders`` threads (``http.client``, one keep-alive connection
each) at that time, and latency is measured **from the scheduled time** to the end of the response,
so a server stall that makes requests queue in the client counts in full (no coordinated omission).
The first ``--warmup`` seconds are sent but not counted.

Run::

    python benchmarks/webhook_ack.py [--rate 200] [--seconds 20] [--workers 1] [--threads 8]
        [--senders 32] [--warmup 2] [--only peer|nojobs|mergeguard|scoring] [--repo PATH] [--prs 4]

Prints, per server: sent/answered, achieved rate, status counts, p50/p90/p99/max latency (ms), and
the verdict against the target; for mergeguard also the deliveries and jobs the database holds
afterwards (from ``/metrics``). Servers are stopped (SIGTERM) before the script exits.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import multiprocessing as mp
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

from app_e2e import free_port, stop_serve  # the sibling benchmark: run as a script, its folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "benchmark-secret"
APP_ID = 4242
INSTALLATION = 1
TARGET_P99_MS, TARGET_RATE = 50.0, 200
VARIANTS = ("peer", "nojobs", "mergeguard", "scoring")
MIRRORS = (Path("/work/.mirror/aio-libs+aiohttp/repo"), Path("/work/.mirror/psf+requests/repo"))


# -- the peer server ---------------------------------------------------------------------------------

def peer_app():
    """The peer: HMAC check and 202, nothing else (what a webhook receiver costs without durability)."""
    from flask import Flask, Response, jsonify, request

    app = Flask("peer")

    @app.post("/webhook")
    def webhook() -> Response:
        body = request.get_data(cache=False)
        header = request.headers.get("X-Hub-Signature-256", "")
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, header):
            return jsonify(error="bad signature"), 401
        json.loads(body)  # the real handler parses the body too
        return jsonify(delivery=request.headers.get("X-GitHub-Delivery"), outcome="queued"), 202

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    return app


def serve_variant(kind: str, bind: str, workers: int, threads: int) -> None:
    """gunicorn with mergeguard's options, serving the peer or mergeguard without job threads."""
    from gunicorn.app.base import BaseApplication

    from mergeguard.app.wsgi import gunicorn_options

    options = gunicorn_options(bind=bind, workers=workers, threads=threads)
    if kind == "peer":
        options.pop("worker_exit")

    class Variant(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            if kind == "peer":
                return peer_app()
            from mergeguard.app.web import create_app

            return create_app(start_workers=False)  # settings from the environment, as serve

    Variant().run()


# -- the GitHub stand-in, in its own process ----------------------------------------------------------

def run_stub(public_pem: str, owner: str, conn, stop, served: dict | None) -> None:
    """The stand-in; with ``served`` (full name, bare repository, pull request heads) it also serves a
    real repository and its pull requests, so jobs score for real."""
    sys.path.insert(0, str(ROOT))
    from tests.ghstub import GitHubStub

    with GitHubStub(app_id=APP_ID, app_public_key_pem=public_pem) as stub:
        stub.add_installation(INSTALLATION, owner)
        pulls = {}
        if served:
            stub.add_repo(served["full"], served["path"], collaborators={"dev": "write"})
            for number, head in served["pulls"]:
                pull = stub.add_pull(served["full"], number, head=head, base="main", author="dev",
                                     title=f"PR {number}")
                pulls[number] = (pull.base_sha, pull.head_sha)
        conn.send({"url": stub.url, "pulls": pulls,
                   "clone_url": stub.clone_url(served["full"]) if served else None})
        stop.wait()
        completed = sum(1 for r in stub.check_runs.values() if r.data.get("status") == "completed")
        conn.send({"requests": len(stub.requests), "violations": len(stub.violations),
                   "check_runs_completed": completed})


# -- helpers -----------------------------------------------------------------------------------------

def serve_repository(source: Path, served: Path, owner: str, prs: int) -> dict:
    """A bare clone of ``source`` whose ``main`` sits just before its newest ``prs`` first-parent
    commits; pull request *i* brings commit *i* (so its diff holds commits 1..i, as stacked work does)."""
    def git(*a: str) -> str:
        return subprocess.run(["git", "-C", str(served), *a], check=True, capture_output=True, text=True).stdout.strip()

    subprocess.run(["git", "clone", "--quiet", "--bare", str(source), str(served)], check=True)
    branch = git("symbolic-ref", "--short", "HEAD")
    heads = git("rev-list", "--first-parent", "--no-merges", "-n", str(prs), branch).split()[::-1]
    git("update-ref", "refs/heads/main", f"{heads[0]}^")
    git("symbolic-ref", "HEAD", "refs/heads/main")
    return {"full": f"{owner}/{source.parent.name.split('+')[-1]}", "path": str(served),
            "pulls": list(enumerate(heads, start=1))}


def pr_payload(example: dict, full: str, clone_url: str, number: int, base_sha: str, head_sha: str) -> dict:
    payload = json.loads(json.dumps(example))
    owner, name = full.split("/")
    payload["repository"].update(full_name=full, name=name, clone_url=clone_url)
    payload["repository"]["owner"]["login"] = owner
    pr = payload["pull_request"]
    pr["number"] = number
    pr["head"]["sha"], pr["base"]["ref"], pr["base"]["sha"] = head_sha, "main", base_sha
    return payload


def signed(payload: dict) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    return body, "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def wait_healthy(base: str, proc: subprocess.Popen, log: Path, timeout: float = 60.0, *,
                 need_workers: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code == 503 and not need_workers:  # "job threads not started": expected without them
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"server at {base} did not become healthy:\n{log.read_text()[-3000:]}")



def pct(sorted_xs: list[float], q: float) -> float:
    if not sorted_xs:
        return float("nan")
    return sorted_xs[min(len(sorted_xs) - 1, max(0, int(round(q * len(sorted_xs) + 0.5)) - 1))]


# -- the load ----------------------------------------------------------------------------------------

def load(port: int, bodies: list[tuple[bytes, str]], *, rate: float, seconds: float, senders: int,
         warmup: float) -> dict:
    """Open-loop load: delivery i is due at t0 + i/rate, body ``i % len(bodies)`` (with its signature);
    latency runs from the due time to the answer."""
    total = int(rate * seconds)
    work: queue.Queue = queue.Queue()
    results: list[tuple[float, float, int | str]] = []  # (scheduled offset, latency s, status)
    lock = threading.Lock()

    def sender() -> None:
        conn: http.client.HTTPConnection | None = None
        mine = []
        while True:
            item = work.get()
            if item is None:
                break
            due_offset, due, (body, signature) = item
            headers = {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": str(uuid.uuid4()),
                       "X-Hub-Signature-256": signature, "Content-Type": "application/json",
                       "User-Agent": "GitHub-Hookshot/bench"}
            status: int | str
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", "/webhook", body, headers)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                if conn is not None:
                    conn.close()
                conn = None
            mine.append((due_offset, time.perf_counter() - due, status))
        if conn is not None:
            conn.close()
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(senders)]
    for t in threads:
        t.start()
    t0 = time.perf_counter() + 0.2
    late = 0.0
    for i in range(total):
        offset = i / rate
        due = t0 + offset
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        else:
            late = max(late, now - due)
        work.put((offset, due, bodies[i % len(bodies)]))
    end_sched = time.perf_counter()
    for _ in threads:
        work.put(None)
    for t in threads:
        t.join(120)
    elapsed = time.perf_counter() - t0
    counted = [r for r in results if r[0] >= warmup]
    lat = sorted(r[1] * 1000 for r in counted)
    return {
        "sent": total, "answered": sum(1 for r in results if isinstance(r[2], int)),
        "counted": len(counted), "elapsed": elapsed, "schedule_seconds": end_sched - t0,
        "dispatch_late_ms": late * 1000,
        "statuses": Counter(str(r[2]) for r in results),
        "p50": pct(lat, 0.50), "p90": pct(lat, 0.90), "p99": pct(lat, 0.99), "max": lat[-1] if lat else float("nan"),
        "mean": sum(lat) / len(lat) if lat else float("nan"),
    }


def report(name: str, r: dict, rate: float) -> None:
    achieved = r["answered"] / r["elapsed"] if r["elapsed"] else 0.0
    ok = r["p99"] <= TARGET_P99_MS and r["statuses"].get("202", 0) == r["sent"]
    print(f"\n== {name}")
    print(f"   sent {r['sent']} at {rate:g}/s, answered {r['answered']} in {r['elapsed']:.2f} s "
          f"(achieved {achieved:.1f}/s; dispatcher at most {r['dispatch_late_ms']:.1f} ms behind schedule)")
    print("   status codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items())))
    print(f"   latency from scheduled send, ms (n={r['counted']} after warm-up): p50 {r['p50']:.2f}  "
          f"p90 {r['p90']:.2f}  p99 {r['p99']:.2f}  max {r['max']:.2f}  mean {r['mean']:.2f}")
    print(f"   target p99 <= {TARGET_P99_MS:g} ms with every delivery 202: {'MET' if ok else 'NOT MET'}")


def metric_lines(base: str, prefixes: tuple[str, ...]) -> list[str]:
    with urllib.request.urlopen(base + "/metrics", timeout=10) as resp:
        text = resp.read().decode()
    return [ln for ln in text.splitlines() if ln.startswith(prefixes) and not ln.startswith("#")]


# -- main --------------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=float, default=200.0, help="deliveries per second (default 200)")
    ap.add_argument("--seconds", type=float, default=20.0, help="duration of the load (default 20)")
    ap.add_argument("--workers", type=int, default=1, help="gunicorn worker processes (default 1, as serve)")
    ap.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker (default 8, as serve)")
    ap.add_argument("--senders", type=int, default=32, help="concurrent client threads (default 32)")
    ap.add_argument("--warmup", type=float, default=2.0, help="seconds at the start not counted (default 2)")
    ap.add_argument("--only", choices=VARIANTS, help="measure one server only")
    ap.add_argument("--repo", type=Path, help="repository the 'scoring' variant serves (default: a mirror "
                                              "under /work/.mirror; without one that variant is skipped)")
    ap.add_argument("--prs", type=int, default=4, help="pull requests the 'scoring' deliveries cycle through "
                                                        "(default 4)")
    args = ap.parse_args()
    if args.rate <= 0 or args.seconds <= 0 or args.senders < 1 or args.workers < 1 or args.threads < 1 or args.prs < 1:
        ap.error("--rate, --seconds, --senders, --workers, --threads and --prs must be positive")

    sys.path.insert(0, str(ROOT))
    from tests.ghstub import rsa_keypair
    from tests.npm_fixtures import webhook_examples

    example = webhook_examples("pull_request", "opened")[0]
    example["installation"] = {"id": INSTALLATION, "node_id": "MDIz"}
    owner = example["repository"]["owner"]["login"]
    chosen = [args.only] if args.only else list(VARIANTS)
    tmp = Path(tempfile.mkdtemp(prefix="mg-ack-"))
    source = args.repo or next((m for m in MIRRORS if m.exists()), None)
    served = None
    if "scoring" in chosen:
        if source is None or not Path(source).exists():
            print("no repository for the 'scoring' variant (pass --repo): skipped")
            chosen.remove("scoring")
        else:
            served = serve_repository(Path(source), tmp / "served.git", owner, args.prs)

    with open("/proc/loadavg") as fh:
        print(f"machine: {os.cpu_count()} CPUs, load average before start: {fh.read().split()[:3]}")
    print(f"load: pull_request.opened ({len(json.dumps(example))} bytes), {args.rate:g}/s for {args.seconds:g} s "
          f"({int(args.rate * args.seconds)} deliveries per server), {args.senders} sender threads; "
          f"gunicorn gthread workers={args.workers} threads={args.threads}")

    private, public = rsa_keypair()
    results = {}
    ctx = mp.get_context("spawn")
    parent_conn, child_conn = ctx.Pipe()
    stub_stop = ctx.Event()
    stub = ctx.Process(target=run_stub, args=(public, owner, child_conn, stub_stop, served), daemon=True)
    stub.start()
    stub_setup = parent_conn.recv()
    stub_url = stub_setup["url"]
    bodies = {"unknown": [signed(example)]}
    if served:
        bodies["served"] = [signed(pr_payload(example, served["full"], stub_setup["clone_url"], number, *shas))
                            for number, shas in sorted(stub_setup["pulls"].items())]
        print(f"'scoring' serves {source} as {served['full']} with {len(bodies['served'])} pull requests "
              f"(heads {', '.join(h[:12] for _, h in served['pulls'])}); its deliveries cycle through them")
    procs: list[subprocess.Popen] = []
    # MERGEGUARD_JOB_* from the caller's environment pass through (e.g. MERGEGUARD_JOB_THREADS=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERGEGUARD_") or k.startswith("MERGEGUARD_JOB_")}
    passed = {k: v for k, v in env.items() if k.startswith("MERGEGUARD_JOB_")}
    if passed:
        print("job settings from the environment: " + ", ".join(f"{k}={v}" for k, v in sorted(passed.items())))
    env.update(MERGEGUARD_APP_ID=str(APP_ID), MERGEGUARD_PRIVATE_KEY=private, MERGEGUARD_WEBHOOK_SECRET=SECRET,
               MERGEGUARD_GITHUB_API_URL=stub_url, PYTHONUNBUFFERED="1")
    gunicorn_args = [str(args.workers), str(args.threads)]

    def serve_argv(bind: str) -> list[str]:
        return [sys.executable, "-m", "mergeguard.cli", "serve", "--bind", bind,
                "--workers", str(args.workers), "--threads", str(args.threads)]

    servers = {  # name -> (title, argv)
        "peer": ("peer: Flask, HMAC check + 202, no database (same gunicorn options)",
                 lambda bind: [sys.executable, __file__, "--_serve", "peer", bind, *gunicorn_args]),
        "nojobs": ("mergeguard web app, job threads NOT started (same gunicorn options): the web path alone",
                   lambda bind: [sys.executable, __file__, "--_serve", "nojobs", bind, *gunicorn_args]),
        "mergeguard": ("mergeguard serve (SQLite WAL, delivery + job per request, job threads live; "
                       "the repository is unknown to the stand-in, so every job fails fast with a 404)",
                       lambda bind: serve_argv(bind)),
        "scoring": ("mergeguard serve, jobs really scoring (the stand-in serves the repository and its pull "
                    "requests: mirror clone, history replay, tree-sitter, LightGBM, check runs)",
                    lambda bind: serve_argv(bind)),
    }
    try:
        for name in chosen:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            log = tmp / f"{name}.log"
            proc = subprocess.Popen(servers[name][1](f"127.0.0.1:{port}"), stdout=open(log, "w"),
                                    stderr=subprocess.STDOUT, env=dict(env, MERGEGUARD_DATA_DIR=str(tmp / name)))
            procs.append(proc)
            wait_healthy(base, proc, log, need_workers=name != "nojobs")
            results[name] = load(port, bodies["served" if name == "scoring" else "unknown"], rate=args.rate,
                                 seconds=args.seconds,
                                 senders=args.senders, warmup=args.warmup)
            time.sleep(1.0)
            if name != "peer":
                try:
                    results[name]["metrics"] = metric_lines(base, ("mergeguard_deliveries_total", "mergeguard_jobs{",
                                                                   "mergeguard_jobs_finished_total",
                                                                   "mergeguard_scoring_seconds_count",
                                                                   "mergeguard_scoring_seconds_sum"))
                except OSError as exc:
                    results[name]["metrics"] = [f"/metrics unavailable: {exc}"]
            results[name]["exit"] = stop_serve(proc, grace=40)
            results[name]["tracebacks"] = log.read_text(errors="replace").count("Traceback")
    finally:
        for p in procs:
            stop_serve(p, grace=40)
        stub_stop.set()
        try:
            stub_info = parent_conn.recv() if parent_conn.poll(10) else {}
        except EOFError:
            stub_info = {}
        stub.join(15)
        if stub.is_alive():
            stub.terminate()

    for name in chosen:
        r = results[name]
        report(servers[name][0], r, args.rate)
        if "metrics" in r:
            print("   afterwards: " + "; ".join(r["metrics"]))
        print(f"   server exit code {r['exit']}; tracebacks in its log: {r['tracebacks']}")
    if "mergeguard" in results or "scoring" in results:
        print(f"   (the GitHub stand-in answered {stub_info.get('requests', '?')} requests from the job threads, "
              f"{stub_info.get('violations', '?')} of them contract violations)")
    if "peer" in results:
        b = results["peer"]
        for name in ("nojobs", "mergeguard", "scoring"):
            if name in results:
                a = results[name]
                print(f"\n{name} - peer, ms: p50 {a['p50'] - b['p50']:+.2f}  p90 {a['p90'] - b['p90']:+.2f}  "
                      f"p99 {a['p99'] - b['p99']:+.2f}  max {a['max'] - b['max']:+.2f}")
    print(f"(logs and data in {tmp})")
    with open("/proc/loadavg") as fh:
        print(f"load average after: {fh.read().split()[:3]}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--_serve":
        serve_variant(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        sys.exit(0)
    sys.exit(main())
