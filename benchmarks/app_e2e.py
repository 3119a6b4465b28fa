"""End-to-end time for the App to score a pull request: webhook in, completed check run out.

GitHub's own latency is excluded: ``tests.ghstub.GitHubStub`` (in this process) plays GitHub's REST
API and serves a real repository over git smart HTTP (``git http-backend``), and ``mergeguard serve``
(real gunicorn, a subprocess, settings from the environment, the shipped model unless
``--model-dir``) talks to it through ``MERGEGUARD_GITHUB_API_URL``.

The repository is a ``git clone --bare`` (into a temp dir) of a mirror under ``/work/.mirror``
(default: aio-libs+aiohttp if present, else psf+requests; ``--repo PATH`` for another), so the
App's partial-clone mirror, history replay and scoring run on real history. Pull requests are real
commits: the newest ``--prs`` first-parent, non-merge commits C1..Cn of the default branch, oldest
first. Before PR *i* the served ``main`` is set to Ci's parent (the target branch moving forward, as
it does between pull requests) and PR *i* is ``main`` <- Ci, published as ``refs/pull/i/head``.

For each PR the script POSTs GitHub's published ``pull_request.opened`` example (pointed at the
stub's repository and PR, signed) and polls the stub until the check run on Ci is ``completed``.

Printed per PR:

* ``ack``: POST to its HTTP answer;
* ``to in_progress``: POST to the check run's creation (job claimed, token minted, PR read);
* ``mirror``: first git request to the first API request after the git traffic (clone or fetch);
* ``score+publish``: from there to the check run completed (reviews read, warm history at the merge
  base -- a full replay the first time, an advance after -- review, store, PATCH);
* ``total``: POST to completed;
* the job's own ``timing_ms`` from the stored assessment (features / model / total of ``review``).

PR 1 is the cold case (mirror clone + full history replay + model load); PRs 2..n are warm
(incremental fetch, history index advanced by one commit). Run::

    python benchmarks/app_e2e.py [--repo /work/.mirror/aio-libs+aiohttp/repo] [--prs 4]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "benchmark-secret"
APP_ID, INSTALLATION = 4242, 77
MIRRORS = (Path("/work/.mirror/aio-libs+aiohttp/repo"), Path("/work/.mirror/psf+requests/repo"))


def git(path: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(path), *args], check=True, capture_output=True, text=True).stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(env: dict[str, str], port: int, log: Path, *, startup_seconds: float = 60) -> subprocess.Popen:
    """``mergeguard serve`` on 127.0.0.1:``port``, returned once ``/healthz`` answers (its output goes to
    ``log``); a server that dies or does not answer in time is stopped and its log's tail quoted."""
    proc = subprocess.Popen([sys.executable, "-m", "mergeguard.cli", "serve", "--bind", f"127.0.0.1:{port}"],
                            env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + startup_seconds
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit(f"server did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.1)


def stop_serve(proc: subprocess.Popen, grace: float = 60.0) -> int:
    """SIGTERM and ``grace`` seconds for a graceful stop (running jobs finish), then SIGKILL; the exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def post(url: str, event: str, payload: dict) -> tuple[int, float]:
    body = json.dumps(payload).encode()
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": str(uuid.uuid4()), "Content-Type": "application/json",
               "X-Hub-Signature-256": "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()}
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=30) as resp:
            status = resp.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", type=Path, help="a git repository to serve (default: a mirror under /work/.mirror)")
    ap.add_argument("--prs", type=int, default=4, help="pull requests to score one after another (default 4)")
    ap.add_argument("--model-dir", help="model directory (default: the shipped model)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for one check run (default 600)")
    args = ap.parse_args()
    source = args.repo or next((m for m in MIRRORS if m.exists()), None)
    if source is None or not source.exists():
        ap.error("no repository: pass --repo PATH (no mirror under /work/.mirror)")
    if args.prs < 1:
        ap.error("--prs must be at least 1")

    sys.path.insert(0, str(ROOT))
    from tests.ghstub import GitHubStub, rsa_keypair
    from tests.npm_fixtures import webhook_examples

    tmp = Path(tempfile.mkdtemp(prefix="mg-e2e-"))
    served = tmp / "served.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(source), str(served)], check=True)
    branch = git(served, "symbolic-ref", "--short", "HEAD")
    commits = git(served, "rev-list", "--first-parent", "--no-merges", "-n", str(args.prs), branch).split()[::-1]
    # the served default branch is called main from here on (the App reads whatever the PR names)
    n_commits = int(git(served, "rev-list", "--count", branch))
    print(f"repository: {source} ({n_commits} commits on {branch}), served from a bare clone in {served}")

    private, public = rsa_keypair()
    owner, name = "bench", source.parent.name.split("+")[-1]
    full = f"{owner}/{name}"
    events: list[tuple[float, str, str]] = []  # (perf_counter, method, path) of every stub request

    stub = GitHubStub(app_id=APP_ID, app_public_key_pem=public)
    inner = stub._wsgi

    def recording(environ, start_response):
        events.append((time.perf_counter(), environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
        return inner(environ, start_response)

    stub._wsgi = recording  # set before the server starts: make_server binds the callable it is given
    with stub:
        stub.add_installation(INSTALLATION, owner)
        git(served, "update-ref", "refs/heads/main", f"{commits[0]}^")
        stub.add_repo(full, served, collaborators={"dev": "write"})

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MERGEGUARD_")}
        env.update(MERGEGUARD_APP_ID=str(APP_ID), MERGEGUARD_PRIVATE_KEY=private, MERGEGUARD_WEBHOOK_SECRET=SECRET,
                   MERGEGUARD_DATA_DIR=str(tmp / "data"), MERGEGUARD_GITHUB_API_URL=stub.url, PYTHONUNBUFFERED="1")
        if args.model_dir:
            env["MERGEGUARD_MODEL_DIR"] = args.model_dir
        log = tmp / "serve.log"
        proc = start_serve(env, port, log)
        rows = []
        try:

            for i, sha in enumerate(commits, start=1):
                git(served, "update-ref", "refs/heads/main", f"{sha}^")  # the target branch moved on
                pull = stub.add_pull(full, i, head=sha, base="main", author="dev", title=f"PR {i}")
                payload = webhook_examples("pull_request", "opened")[0]
                payload["repository"].update(full_name=full, name=name, clone_url=stub.clone_url(full))
                payload["repository"]["owner"]["login"] = owner
                payload["installation"] = {"id": INSTALLATION, "node_id": "MDIz"}
                pr = payload["pull_request"]
                pr["number"] = i
                pr["head"]["sha"], pr["base"]["ref"], pr["base"]["sha"] = pull.head_sha, "main", pull.base_sha
                mark = len(events)
                t0 = time.perf_counter()
                status, ack = post(base + "/webhook", "pull_request", payload)
                if status != 202:
                    raise SystemExit(f"PR {i}: webhook answered {status}")
                created = done = None
                run = None
                deadline = time.monotonic() + args.timeout
                while done is None:
                    runs = [r for r in list(stub.check_runs.values()) if r.data.get("head_sha") == sha]
                    if runs and created is None:
                        created = time.perf_counter()
                    if runs and runs[0].data.get("status") == "completed":
                        done, run = time.perf_counter(), runs[0]
                    elif time.monotonic() > deadline or proc.poll() is not None:
                        raise SystemExit(f"PR {i}: no completed check run; server log:\n{log.read_text()[-3000:]}")
                    else:
                        time.sleep(0.01)
                mine = events[mark:]
                creates = [t for t, m, p in mine if m == "POST" and p.endswith("/check-runs")]
                gits = [k for k, (_, _, p) in enumerate(mine) if p.startswith("/git/")]
                mirror = after_git = None
                late_git = 0
                if gits:
                    # the mirror sync is the first burst of git traffic; the next API call (GET reviews)
                    # follows it at once. git requests after that come from the scoring itself (a
                    # partial clone's lazy blob fetch), and are counted separately.
                    after = [k for k in range(gits[0] + 1, len(mine)) if not mine[k][2].startswith("/git/")]
                    if after:
                        after_git = mine[after[0]][0]
                        mirror = after_git - mine[gits[0]][0]
                        late_git = sum(1 for k in gits if k > after[0])
                rows.append({
                    "pr": i, "sha": sha[:12], "ack": ack, "to_in_progress": (creates[0] if creates else created) - t0,
                    "mirror": mirror, "score_publish": (done - after_git) if after_git else None, "total": done - t0,
                    "git_requests": len(gits), "late_git": late_git, "conclusion": run.data.get("conclusion"),
                    "title": (run.data.get("output") or {}).get("title"),
                })
            deadline = time.monotonic() + 30  # the last job is marked done just after its check run completes
            while time.monotonic() < deadline:
                db = sqlite3.connect(f"file:{tmp / 'data' / 'mergeguard.db'}?mode=ro", uri=True)
                running = db.execute("SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')").fetchone()[0]
                db.close()
                if not running:
                    break
                time.sleep(0.05)
            db = sqlite3.connect(f"file:{tmp / 'data' / 'mergeguard.db'}?mode=ro", uri=True)
            timing = {pr: json.loads(a).get("timing_ms") for pr, a in
                      db.execute("SELECT pr_number, assessment FROM assessments ORDER BY id")}
            db.close()
            with urllib.request.urlopen(base + "/metrics", timeout=10) as resp:
                metrics = [ln for ln in resp.read().decode().splitlines()
                           if ln.startswith(("mergeguard_scoring_seconds_sum", "mergeguard_scoring_seconds_count",
                                             "mergeguard_jobs{"))]
        finally:
            stop_serve(proc)
        violations = list(stub.violations)
        refused_git = sum(1 for r in stub.requests if r.path.startswith("/git/") and r.status in (401, 403))

    def ms(x: float | None) -> str:
        return "-" if x is None else f"{x * 1000:,.0f}"

    print(f"\n{'PR':>3} {'head':12} {'ack':>6} {'->in_progress':>13} {'mirror':>8} {'score+publish':>13} "
          f"{'total':>8}  {'git req':>7}  conclusion / title   (ms; git req = sync + during scoring)")
    for r in rows:
        print(f"{r['pr']:>3} {r['sha']:12} {ms(r['ack']):>6} {ms(r['to_in_progress']):>13} {ms(r['mirror']):>8} "
              f"{ms(r['score_publish']):>13} {ms(r['total']):>8}  {r['git_requests'] - r['late_git']:>3}+{r['late_git']:<3}  "
              f"{r['conclusion']} / {r['title']}")
    print("\njob's own timing_ms (stored assessment):")
    for r in rows:
        print(f"  PR {r['pr']}: {timing.get(r['pr'])}")
    if len(rows) > 1:
        warm = sorted(r["total"] for r in rows[1:])
        print(f"\nfirst PR (clone + full replay + model load): {ms(rows[0]['total'])} ms; "
              f"later PRs (fetch + index advance): median {ms(warm[len(warm) // 2])} ms, max {ms(warm[-1])} ms")
    print("server /metrics: " + "; ".join(metrics))
    print(f"git requests refused by the stub (e.g. lazy fetches without credentials): {refused_git}")
    print(f"stub contract violations: {len(violations)}; server exit code {proc.returncode}; files in {tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
