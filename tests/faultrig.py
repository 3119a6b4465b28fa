"""A seeded stream of pull requests against a real ``mergeguard serve``, with kill -9 of the server and of
its scoring children in the middle; then the check-run invariants. Shared by tests/test_faults.py (small,
in CI) and benchmarks/faults.py (longer, prints its counts).

The pieces are all real: ``GitHubStub`` (tests/ghstub.py) plays GitHub's REST API (validating every body
against GitHub's OpenAPI description) and serves a real repository over git smart HTTP; the server is
``python -m mergeguard.cli serve`` (gunicorn, one gthread worker, scoring in child processes) on a data
directory that survives its restarts; deliveries are GitHub's published webhook examples, signed.

The stream is drawn from ``random.Random(seed)``: open each pull request, push new heads to it (the stub
moves ``refs/pull/N/head``, then a ``synchronize`` delivery), redeliver one delivery, kill the server
(``SIGKILL`` to gunicorn's arbiter and worker at once, so nothing runs a shutdown hook; then the same
command on the same data directory), kill a scoring child. A kill waits (bounded) until some check run is
in progress, so it lands mid-job; nothing here depends on how fast the machine is: every wait is for a
condition, with a generous bound, and no duration is asserted.

When the stream is over the rig waits until quiet (no job queued or running, no check run noted open,
every current head's run completed) and checks, returning each breach as a line:

* every current head has exactly one check run of ours, completed, with a real verdict (the kills per
  job stay below the retry budget, so none may end "Not scored");
* no check run of ours is left queued or in progress, on any head;
* no head has two check runs of ours (nothing duplicated);
* every acknowledged delivery is in the database with its job, and the redelivery added none;
* no scoring child outlived the server process that started it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mergeguard.checkrun import CHECK_NAME

from .ghstub import GitHubStub, rsa_keypair
from .gitrepo import commit, git
from .npm_fixtures import webhook_examples
from .serverproc import stop_gracefully

SECRET = "fault-secret"
APP_ID, INSTALLATION, REPO = 4242, 77, "octo/svc"
DAY = 86400


@dataclass
class Plan:
    """How big the stream is; the seed decides the order."""

    seed: int = 11
    prs: int = 3
    heads_per_pr: int = 3
    server_kills: int = 2
    child_kills: int = 2
    redeliveries: int = 1
    #: bound for every wait (server start, a job to be in progress, quiet at the end)
    patience: float = 600.0


@dataclass
class Report:
    counts: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    seconds_to_quiet: float = 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, poll: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(poll)


# -- processes ----------------------------------------------------------------------------------------

def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            rest = fh.read().rsplit(")", 1)[1].split()
        return rest[0], int(rest[1])
    except (OSError, IndexError, ValueError):
        return None


def alive(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def _cpu(pid: int) -> int | None:
    """User + system clock ticks of a process so far."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            rest = fh.read().rsplit(")", 1)[1].split()
        return int(rest[11]) + int(rest[12])
    except (OSError, IndexError, ValueError):
        return None


def children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None and st[1] == pid and st[0] not in ("Z", "X"):
                out.append(int(entry))
    return out


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


# -- the repository -----------------------------------------------------------------------------------

def prepare_repo(source: Path, dest: Path, plan: Plan) -> dict[int, list[str]]:
    """Clone ``source`` to ``dest`` and add, per pull request, a branch of ``heads_per_pr`` commits
    (each head builds on the previous one, as pushes do). Returns pull request -> its heads in order."""
    git(dest.parent, "clone", "-q", str(source), str(dest))
    rng = random.Random(plan.seed)
    files = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*.py") if ".git" not in p.parts)
    when = int(git(dest, "log", "-1", "--format=%ct", "main").strip()) + DAY
    heads: dict[int, list[str]] = {}
    for number in range(1, plan.prs + 1):
        git(dest, "checkout", "-q", "-b", f"pr-{number}", "main")
        heads[number] = []
        for h in range(plan.heads_per_pr):
            path = rng.choice(files)
            added = "".join(f"    step_{number}_{h}_{i} = compute({i}) * {rng.randint(2, 9)}\n"
                            for i in range(rng.randint(3, 40)))
            text = (dest / path).read_text() + f"\n\ndef change_{number}_{h}():\n{added}"
            when += 3600
            heads[number].append(commit(dest, {path: text}, f"Change {number}.{h}", when=when,
                                        author=("Dev", "dev@example.com")))
        git(dest, "checkout", "-q", "main")
    return heads


# -- the rig ------------------------------------------------------------------------------------------

class FaultRig:
    """The stub, the server and the stream; use as a context manager."""

    def __init__(self, workdir: Path, source_repo: Path, plan: Plan, *, model_dir: str | None = None,
                 log=None) -> None:
        self.workdir, self.plan, self.model_dir = Path(workdir), plan, model_dir
        self.rng = random.Random(plan.seed)
        self.heads = prepare_repo(Path(source_repo), self.workdir / "svc", plan)
        self.pushed: dict[int, int] = {}  # pull request -> index of its current head
        self.private_pem, public_pem = rsa_keypair()
        self.stub = GitHubStub(app_id=APP_ID, app_public_key_pem=public_pem)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.serve_log = open(self.workdir / "serve.log", "ab+")
        self.report = Report()
        self.acked: list[str] = []
        self.children_seen: set[int] = set()
        self.say = log or (lambda *_: None)

    def __enter__(self) -> FaultRig:
        self.stub.__enter__()
        self.stub.add_installation(INSTALLATION, "octo")
        self.stub.add_repo(REPO, self.workdir / "svc", collaborators={"dev": "write"})
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if self.proc is not None and self.proc.poll() is None:
                self._kill_group(signal.SIGKILL)
        finally:
            self.stub.__exit__(*exc)
            self.serve_log.close()

    # -- the server ---------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MERGEGUARD_") or k == "MERGEGUARD_NPM_PREFIX"}
        env.update(MERGEGUARD_APP_ID=str(APP_ID), MERGEGUARD_PRIVATE_KEY=self.private_pem,
                   MERGEGUARD_WEBHOOK_SECRET=SECRET, MERGEGUARD_DATA_DIR=str(self.workdir / "data"),
                   MERGEGUARD_GITHUB_API_URL=self.stub.url, MERGEGUARD_JOB_LEASE_SECONDS="10",
                   MERGEGUARD_SWEEP_SECONDS="2", MERGEGUARD_JOB_THREADS="2", PYTHONUNBUFFERED="1")
        if self.model_dir:
            env["MERGEGUARD_MODEL_DIR"] = self.model_dir
        return env

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "mergeguard.cli", "serve", "--bind",
                                      f"127.0.0.1:{self.port}", "--graceful-timeout", "20"],
                                     env=self.env(), stdout=self.serve_log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        wait_for(self._healthy, self.plan.patience, "the server to answer /healthz")
        self.report.counts["server starts"] += 1

    def _healthy(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"mergeguard serve exited with {self.proc.returncode}: {self.log_tail()}")
        try:
            with urllib.request.urlopen(self.base + "/healthz", timeout=10) as resp:
                return resp.status == 200
        except OSError:
            return False

    def workers(self) -> list[int]:
        return children(self.proc.pid) if self.proc is not None else []

    def scoring_children(self) -> list[int]:
        found = [c for w in self.workers() for c in children(w) if "spawn_main" in cmdline(c)]
        self.children_seen.update(found)
        return found

    def _kill_group(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def stop(self) -> int:
        """SIGTERM, as a deploy does; the exit status."""
        return stop_gracefully(self.proc, self.plan.patience, group=True)

    def log_tail(self, lines: int = 40) -> str:
        self.serve_log.flush()
        text = (self.workdir / "serve.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    # -- deliveries ---------------------------------------------------------------------------------

    def deliver(self, event: str, action: str, number: int, *, delivery: str | None = None) -> int:
        payload = webhook_examples(event, action)[0]
        pull = self.stub.repos[REPO].pulls[number]
        payload["repository"].update(full_name=REPO, name="svc", clone_url=self.stub.clone_url(REPO))
        payload["installation"] = {"id": INSTALLATION, "node_id": "MDIz"}
        pr = payload["pull_request"]
        pr["number"] = number
        pr["head"]["sha"], pr["base"]["ref"], pr["base"]["sha"] = pull.head_sha, "main", pull.base_sha
        body = json.dumps(payload).encode()
        delivery = delivery or str(uuid.uuid4())
        headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json",
                   "X-Hub-Signature-256": "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()}
        req = urllib.request.Request(self.base + "/webhook", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                status = resp.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        if status == 202:
            self.acked.append(delivery)
            self.report.counts["deliveries acknowledged"] += 1
        return status

    def open(self, number: int) -> None:
        self.stub.add_pull(REPO, number, head=self.heads[number][0], base="main", author="dev",
                           title=f"Change {number}")
        self.pushed[number] = 0
        status = self.deliver("pull_request", "opened", number)
        if status != 202:
            self.report.problems.append(f"opening #{number} was answered {status}")
        self.report.counts["pull requests opened"] += 1

    def push(self, number: int) -> None:
        self.pushed[number] += 1
        self.stub.add_pull(REPO, number, head=self.heads[number][self.pushed[number]], base="main", author="dev",
                           title=f"Change {number}")
        status = self.deliver("pull_request", "synchronize", number)
        if status != 202:
            self.report.problems.append(f"a push to #{number} was answered {status}")
        self.report.counts["heads pushed"] += 1

    def redeliver(self) -> None:
        delivery = self.rng.choice(self.acked)
        before = len(self.acked)
        status = self.deliver("pull_request", "opened", 1, delivery=delivery)
        if status != 200 or len(self.acked) != before:
            self.report.problems.append(f"a redelivery of {delivery} was answered {status}, not 200")
        self.report.counts["redeliveries"] += 1

    # -- kills --------------------------------------------------------------------------------------

    def runs(self) -> list[dict[str, Any]]:
        with self.stub._lock:
            return [dict(r.data) for r in self.stub.check_runs.values()
                    if r.data.get("_repo") == REPO and r.data.get("name") == CHECK_NAME]

    def _in_progress(self) -> bool:
        return any(r["status"] != "completed" for r in self.runs())

    def _pending(self) -> bool:
        states = self._jobs_by_state()
        return bool(states.get("queued") or states.get("running"))

    def busy_children(self) -> list[int]:
        """Scoring children using CPU now (scoring is CPU-bound; an idle child sleeps in a read)."""
        before = {c: _cpu(c) for c in self.scoring_children()}
        time.sleep(0.1)
        return [c for c, t in before.items() if t is not None and (_cpu(c) or 0) > t]

    def _mid_job(self, *, scoring: bool) -> str:
        """Wait until a job is mid-way (``scoring``: a child busy scoring, else any check run in progress);
        ``idle`` at once when no job is pending, ``late`` when the bound passed without it."""
        deadline = time.monotonic() + min(self.plan.patience, 120.0)
        while time.monotonic() < deadline:
            if not self._pending():
                return "idle"
            if self._in_progress() and (not scoring or self.busy_children()):
                return "scoring" if scoring else "mid-job"
            time.sleep(0.05)
        return "late"

    def kill_server(self) -> None:
        where = self._mid_job(scoring=self.rng.random() < 0.5)
        mid = where in ("scoring", "mid-job")
        doomed = self.scoring_children()
        workers = self.workers()
        os.kill(self.proc.pid, signal.SIGKILL)  # the arbiter first, so it restarts no worker
        for w in workers:
            os.kill(w, signal.SIGKILL)
        self.proc.wait()
        for w in workers:
            wait_for(lambda w=w: not alive(w), self.plan.patience, f"worker {w} to die")
        self.report.counts["server kills"] += 1
        self.report.counts["server kills with a check run in progress"] += int(mid)
        self.report.counts["server kills while a child was scoring"] += int(where == "scoring")
        self.report.counts["scoring processes orphaned by a server kill"] += len(doomed)
        try:
            for c in doomed:
                wait_for(lambda c=c: not alive(c), 60.0, f"orphaned scoring process {c} to end")
        except AssertionError as exc:
            self.report.problems.append(str(exc))
        self.say(f"killed the server ({where}); {len(doomed)} scoring process(es) ended with it")
        self.start()

    def kill_child(self) -> None:
        where = self._mid_job(scoring=True)
        kids = self.busy_children() or self.scoring_children()
        if not kids:
            self.report.counts["child kills with no child to kill"] += 1
            self.say(f"no scoring process to kill ({where})")
            return
        victim = self.rng.choice(sorted(kids))
        os.kill(victim, signal.SIGKILL)
        self.report.counts["scoring child kills"] += 1
        self.report.counts["scoring child kills while scoring"] += int(where == "scoring")
        self.say(f"killed scoring process {victim} ({where})")

    # -- the stream ---------------------------------------------------------------------------------

    def stream(self) -> list[tuple[str, int]]:
        """The seeded order of events: opens before the pushes of their pull request, kills anywhere
        after the first open."""
        p = self.plan
        pending_opens = list(range(1, p.prs + 1))
        pushes_left = dict.fromkeys(pending_opens, p.heads_per_pr - 1)
        kills = ["kill_server"] * p.server_kills + ["kill_child"] * p.child_kills + ["redeliver"] * p.redeliveries
        events: list[tuple[str, int]] = []
        opened: list[int] = []
        while pending_opens or any(pushes_left.values()) or kills:
            choices = []
            if pending_opens:
                choices.append("open")
            if any(pushes_left[n] for n in opened):
                choices.append("push")
            if kills and opened:
                choices.append("other")
            pick = self.rng.choice(choices)
            if pick == "open":
                n = pending_opens.pop(0)
                opened.append(n)
                events.append(("open", n))
            elif pick == "push":
                n = self.rng.choice([n for n in opened if pushes_left[n]])
                pushes_left[n] -= 1
                events.append(("push", n))
            else:
                events.append((kills.pop(self.rng.randrange(len(kills))), 0))
        return events

    def run(self) -> Report:
        self.start()
        for kind, number in self.stream():
            self.say(f"{kind} {number or ''}".strip())
            if kind == "open":
                self.open(number)
            elif kind == "push":
                self.push(number)
            elif kind == "redeliver":
                self.redeliver()
            else:
                getattr(self, kind)()
            self.scoring_children()
        t0 = time.monotonic()
        try:
            wait_for(self._quiet, self.plan.patience, "every job to end and every check run to complete", poll=0.5)
        except AssertionError as exc:
            self.report.problems.append(f"{exc}; jobs: {self._jobs_by_state()}; log: {self.log_tail(15)}")
        self.report.seconds_to_quiet = time.monotonic() - t0
        self.check()
        code = self.stop()
        if code != 0:
            self.report.problems.append(f"mergeguard serve exited with {code} on SIGTERM")
        for c in sorted(self.children_seen):
            if alive(c):
                self.report.problems.append(f"scoring process {c} outlived the server")
        return self.report

    # -- the invariants -----------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.workdir / 'data' / 'mergeguard.db'}?mode=ro", uri=True, timeout=30)

    def _jobs_by_state(self) -> dict[str, int]:
        with self._db() as db:
            return dict(db.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall())

    def _quiet(self) -> bool:
        states = self._jobs_by_state()
        if states.get("queued") or states.get("running"):
            return False
        with self._db() as db:
            if db.execute("SELECT count(*) FROM check_runs WHERE state = 'open'").fetchone()[0]:
                return False
        runs = self.runs()
        current = {self.stub.repos[REPO].pulls[n].head_sha for n in self.pushed}
        done = {r["head_sha"] for r in runs if r["status"] == "completed"}
        return current <= done and not any(r["status"] != "completed" for r in runs)

    def check(self) -> None:
        runs, problems, counts = self.runs(), self.report.problems, self.report.counts
        by_head = Counter(r["head_sha"] for r in runs)
        for head, n in sorted(by_head.items()):
            if n > 1:
                problems.append(f"{n} check runs on {head[:12]}")
        for r in runs:
            if r["status"] != "completed":
                problems.append(f"check run {r['id']} on {r['head_sha'][:12]} left {r['status']}")
        for n in sorted(self.pushed):
            head = self.stub.repos[REPO].pulls[n].head_sha
            mine = [r for r in runs if r["head_sha"] == head]
            if len(mine) != 1:
                problems.append(f"#{n}'s head {head[:12]} has {len(mine)} check runs")
                continue
            title = (mine[0].get("output") or {}).get("title") or ""
            if mine[0]["status"] != "completed" or mine[0].get("conclusion") == "neutral":
                problems.append(f"#{n}'s head {head[:12]}: {mine[0]['status']} {mine[0].get('conclusion')} {title!r}")
        with self._db() as db:
            stored = dict(db.execute(
                "SELECT d.id, count(j.id) FROM deliveries d LEFT JOIN jobs j ON j.delivery_id = d.id GROUP BY d.id"))
            jobs = db.execute("SELECT state, failures, takeovers FROM jobs").fetchall()
        for d in set(self.acked):
            if stored.get(d, 0) < 1:
                problems.append(f"acknowledged delivery {d} has no job")
        for d, n in stored.items():
            if n > 1:
                problems.append(f"delivery {d} has {n} jobs")
        if self.stub.violations:
            problems.append(f"{len(self.stub.violations)} request(s) GitHub would refuse: {self.stub.violations[:3]}")
        counts["check runs"] = len(runs)
        counts["check runs superseded"] = sum(1 for r in runs if ((r.get("output") or {}).get("title") or "").startswith("Superseded"))
        counts["check runs not scored"] = sum(1 for r in runs if ((r.get("output") or {}).get("title") or "").startswith("Not scored"))
        counts["jobs"] = len(jobs)
        for state, n in Counter(s for s, _, _ in jobs).items():
            counts[f"jobs {state}"] = n
        counts["job takeovers (lease expired)"] = sum(t for _, _, t in jobs)
        counts["job failures (retried or final)"] = sum(f for _, f, _ in jobs)
        counts["scoring processes seen"] = len(self.children_seen)
