"""Signed deliveries answered while slow clients are connected: gunicorn's gthread worker against
mergeguard's buffering worker (``app/worker.py``), the same app and settings otherwise.

Issue 11, item 5: with gthread, a connection that has sent its headers holds one of the ``--threads``
while its body trickles in, with no deadline; as many such connections as threads stall every
acknowledgement. The buffering worker reads requests in its event loop and hands only complete ones
to a thread.

What runs: ``python -m gunicorn -k CLASS --threads 8 mergeguard.app.wsgi:app`` on 127.0.0.1 (settings
from a temporary environment: SQLite data directory, generated key, webhook secret; no GitHub is
contacted because ``installation`` deliveries queue no job). Per worker class and per number of slow
clients (0, 16, 64): the slow clients connect and send a webhook's headers and then one body byte
every 0.5 s (slow body) or a header byte every 0.5 s (slow headers, a quarter of them); after 1 s, a
paced stream of signed ``installation.created`` deliveries (GitHub's published example) is sent, one
every ``1/rate`` seconds for ``--seconds``, each on a new connection, with a 15 s client timeout.
Printed: answered/sent, 202s, and p50/p99/max latency, where an unanswered delivery counts as 15 s.

Run::

    python benchmarks/slow_clients.py [--seconds 10] [--rate 20] [--slow 0,16,64] [--read-timeout 10]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.npm_fixtures import webhook_examples  # noqa: E402
from tests.test_app_web import SECRET, delivery_headers, pem  # noqa: E402

CLASSES = {"gthread": "gthread", "buffering": "mergeguard.app.worker.BufferingThreadWorker"}
CLIENT_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slow_client(port: int, head_only: bool, stop: threading.Event) -> None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            head = (b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"X-GitHub-Event: push\r\nContent-Length: 100000\r\n")
            s.sendall(head[:40] if head_only else head + b"\r\n{")
            while not stop.wait(0.5):
                s.sendall(b"X" if head_only else b" ")
    except OSError:
        pass


def deliver(port: int, body: bytes) -> tuple[int | None, float]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/webhook", data=body, method="POST",
                                 headers=delivery_headers("installation", body, delivery=str(uuid.uuid4())))
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=CLIENT_TIMEOUT) as resp:
            resp.read()
            return resp.status, time.monotonic() - t0
    except urllib.error.HTTPError as exc:
        return exc.code, time.monotonic() - t0
    except OSError:
        return None, CLIENT_TIMEOUT


def run(worker: str, slow: int, args: argparse.Namespace) -> dict:
    port = free_port()
    data = Path(tempfile.mkdtemp(prefix="mg-slow-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERGEGUARD_") or k == "MERGEGUARD_NPM_PREFIX"}
    env.update(MERGEGUARD_APP_ID="4242", MERGEGUARD_PRIVATE_KEY=pem(), MERGEGUARD_WEBHOOK_SECRET=SECRET,
               MERGEGUARD_DATA_DIR=str(data), MERGEGUARD_GITHUB_API_URL="http://127.0.0.1:9")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", CLASSES[worker], "--threads", "8", "-w", "1",
                             "-b", f"127.0.0.1:{port}", "--timeout", "60", "mergeguard.app.wsgi:app"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop = threading.Event()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        threads = [threading.Thread(target=slow_client, args=(port, i % 4 == 3, stop), daemon=True)
                   for i in range(slow)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        body = json.dumps(webhook_examples("installation", "created")[0]).encode()
        results: list[tuple[int | None, float]] = []
        lock = threading.Lock()

        def one() -> None:
            r = deliver(port, body)
            with lock:
                results.append(r)

        senders = []
        t0 = time.monotonic()
        for i in range(int(args.seconds * args.rate)):
            time.sleep(max(0.0, t0 + i / args.rate - time.monotonic()))
            t = threading.Thread(target=one, daemon=True)
            t.start()
            senders.append(t)
        for t in senders:
            t.join(CLIENT_TIMEOUT + 5)
    finally:
        stop.set()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    lat = sorted(r[1] for r in results)
    return {"worker": worker, "slow": slow, "sent": len(senders), "answered": sum(r[0] is not None for r in results),
            "accepted": sum(r[0] == 202 for r in results), "p50_ms": statistics.median(lat) * 1000,
            "p99_ms": lat[max(0, int(len(lat) * 0.99) - 1)] * 1000, "max_ms": lat[-1] * 1000}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--rate", type=float, default=20.0)
    p.add_argument("--slow", default="0,16,64")
    args = p.parse_args()
    print(f"{'worker':>10} {'slow':>5} {'answered':>9} {'202':>5} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}")
    for slow in (int(x) for x in args.slow.split(",")):
        for worker in CLASSES:
            r = run(worker, slow, args)
            print(f"{r['worker']:>10} {r['slow']:>5} {r['answered']:>4}/{r['sent']:<4} {r['accepted']:>5} "
                  f"{r['p50_ms']:>9.1f} {r['p99_ms']:>9.1f} {r['max_ms']:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
