"""A durable job queue in the database, worked by threads inside the server process.

Why not Celery or RQ: the App's jobs are few and slow (seconds of git and scoring each), and a
second service (a broker) to deploy and watch would cost more than it saves. The database already
holds the deliveries, so jobs live next to them and survive restarts.

The guarantees, and how they are kept:

* **claim with a lease** -- a worker takes a job with one conditional ``UPDATE ... WHERE id=? AND
  state='queued'`` and checks the row count, so two workers (threads or processes) never both win;
  the job is then ``running`` until ``lease_until``. A heartbeat extends the lease while the job
  runs; a crashed worker stops extending it and the job becomes claimable again when it expires.
* **at-least-once** -- a job is marked ``done`` only after its handler returned, and only by the
  holder of the current lease (``lease_token``), so a job is never lost but may run twice; the
  handlers are idempotent (a check run is found or created per head SHA, then overwritten).
* **bounded retries** -- ``attempts`` counts claims, ``failures`` the attempts that raised; a
  transient error re-queues the job after an exponential backoff with jitter (so a GitHub outage
  does not get a synchronised stampede back), until ``max_attempts`` failures. Then the handler's
  ``on_failure`` runs (the scorer completes its check run as neutral with the reason: a check run
  is never left in progress) and the job is ``failed``. ``on_failure`` runs *before* the job is
  marked failed, under the lease: a crash in between runs the job again (a takeover), rather than
  never ending it. Runs nobody completed after all are left to app/sweeper.py.
* **kills are not failures** -- a job whose lease expired (its worker was killed, or the server
  restarted) is taken over without spending its retry budget: ``takeovers`` counts those claims
  against a separate, larger bound (``max_takeovers``), so a crash-looping server delays the pull
  requests it holds but does not turn them neutral, while a job that itself kills every worker
  that runs it still ends, with ``on_failure``.
* **one job per pull request at a time** -- a queued job is not claimed while another job of the
  same pull request holds a live lease, and enqueueing a ``score`` supersedes the queued older ones.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import and_, case, exists, or_, select, text, update
from sqlalchemy.exc import OperationalError

from mergeguard.errors import MergeguardError

from .affinity import Affinity
from .store import Store, jobs

log = logging.getLogger("mergeguard.app.jobs")

MAX_BACKOFF_SECONDS = 3600.0
#: first key of PostgreSQL advisory locks taken per pull request while claiming (any constant of ours)
ADVISORY_SPACE = 0x6D67
#: takeovers of an expired lease before a job is given up: each one waited a whole lease
DEFAULT_MAX_TAKEOVERS = 10


class TransientError(Exception):
    """Worth retrying: the cause is outside the job (network, rate limit, a 5xx from GitHub)."""


class PermanentError(Exception):
    """Not worth retrying: the same job would fail the same way."""


@dataclass(frozen=True)
class Job:
    """A claimed job, as its handler sees it."""

    id: int
    kind: str
    repo: str | None
    pr_number: int | None
    installation: int | None
    payload: Mapping[str, Any]
    attempts: int
    max_attempts: int
    lease_token: str
    delivery_id: str | None = None
    last_error: str | None = None
    #: earlier attempts that raised (the retry budget is ``max_attempts`` of these)
    failures: int = 0
    #: claims of this job after its worker stopped renewing the lease, this one included
    takeovers: int = 0


class Handler(Protocol):
    """What the queue needs of a job handler."""

    def run(self, job: Job) -> None: ...

    def on_failure(self, job: Job, reason: str) -> None: ...


def is_transient(handler: Any, exc: BaseException) -> bool:
    """Whether ``exc`` deserves a retry: the handler decides if it can, else a conservative default.

    Unknown exceptions are *not* retried: a bug does not get better by running it five times, and
    the user sees the neutral check run with the reason at once instead of after an hour of backoff.
    """
    decide = getattr(handler, "transient", None)
    if callable(decide):
        verdict = decide(exc)
        if verdict is not None:
            return bool(verdict)
    if isinstance(exc, (PermanentError, MergeguardError)):
        return False
    return isinstance(exc, (TransientError, ConnectionError, TimeoutError, OperationalError))


def backoff(attempts: int, base: float, *, rng: random.Random | None = None) -> float:
    """Seconds before attempt ``attempts + 1``: ``base * 2**(attempts-1)``, +-50 % jitter, capped."""
    uniform = rng.uniform if rng is not None else random.uniform
    delay = min(MAX_BACKOFF_SECONDS, base * (2 ** max(0, attempts - 1)))
    return delay * uniform(0.5, 1.5)


class Queue:
    """Claiming, finishing and retrying jobs; every transition is one conditional UPDATE."""

    def __init__(self, store: Store, *, lease_seconds: float = 300.0, retry_base_seconds: float = 5.0,
                 max_takeovers: int = DEFAULT_MAX_TAKEOVERS, affinity: Affinity | None = None) -> None:
        self.store = store
        self.lease_seconds = lease_seconds
        self.retry_base_seconds = retry_base_seconds
        self.max_takeovers = max_takeovers
        #: several workers on one database: a repository's jobs prefer its owner (app/affinity.py)
        self.affinity = affinity

    def _claimable(self, now: float):
        other = jobs.alias("other")
        busy = exists(select(other.c.id).where(other.c.coalesce_key == jobs.c.coalesce_key,
                                               other.c.state == "running", other.c.lease_until >= now,
                                               other.c.id != jobs.c.id))
        queued = and_(jobs.c.state == "queued", jobs.c.run_after <= now, ~busy)
        expired = and_(jobs.c.state == "running", jobs.c.lease_until < now)
        return or_(queued, expired)

    def _candidates(self, now: float):
        """The next job for this worker: with affinity, its own repositories' jobs first."""
        q = select(jobs.c.id, jobs.c.repo, jobs.c.coalesce_key).where(self._claimable(now))
        if self.affinity is None:
            return q.order_by(jobs.c.run_after, jobs.c.id).limit(1)
        return (q.where(self.affinity.allowed(now))
                .order_by(self.affinity.preference(), jobs.c.run_after, jobs.c.id).limit(1))

    def _take(self, conn: Any, candidate: int, now: float, token: str) -> bool:
        # the whole claimability test again, inside the UPDATE: with SQLite's one writer at a
        # time, no other job of the pull request can have become running in between
        return conn.execute(
            update(jobs).where(jobs.c.id == candidate, self._claimable(now))
            .values(state="running", attempts=jobs.c.attempts + 1,
                    # the right-hand sides see the row as it was: a running row is a takeover
                    takeovers=jobs.c.takeovers + case((jobs.c.state == "running", 1), else_=0),
                    lease_until=now + self.lease_seconds, lease_token=token, updated_at=now)).rowcount == 1

    def claim(self, now: float | None = None) -> Job | None:
        """The oldest claimable job, now leased to the caller, or ``None``."""
        locking = self.store.engine.dialect.name == "postgresql"
        for _ in range(5):  # lost races: another worker took the candidate first
            now = time.time() if now is None else now
            token = uuid.uuid4().hex
            if locking:
                # one transaction: the candidate row is locked (rows other workers are claiming are
                # skipped, not waited for), then taken, then its repository's owner noted
                with self.store.begin() as conn:
                    row = conn.execute(self._candidates(now).with_for_update(skip_locked=True, of=jobs)).first()
                    if row is None:
                        return None
                    candidate = row.id
                    if row.coalesce_key:
                        # SKIP LOCKED lets two workers lock two jobs of one pull request at once, and a
                        # statement sees only what was committed when it began: a lock per pull request
                        # (held to commit) makes the second claim's UPDATE see the first one's
                        conn.execute(text("SELECT pg_advisory_xact_lock(:space, hashtext(:key))"),
                                     {"space": ADVISORY_SPACE, "key": row.coalesce_key})
                    won = self._take(conn, candidate, now, token)
                    if won and self.affinity is not None:
                        self.affinity.take(conn, row.repo, now)
            else:
                with self.store.engine.connect() as conn:
                    row = conn.execute(self._candidates(now)).first()
                if row is None:
                    return None
                candidate = row.id
                with self.store.begin() as conn:
                    won = self._take(conn, candidate, now, token)
                    if won and self.affinity is not None:
                        self.affinity.take(conn, row.repo, now)
            if won:
                stored = self.store.job(candidate)
                assert stored is not None
                return Job(id=stored["id"], kind=stored["kind"], repo=stored["repo"], pr_number=stored["pr_number"],
                           installation=stored["installation"], payload=stored["payload"] or {},
                           attempts=stored["attempts"], max_attempts=stored["max_attempts"], lease_token=token,
                           delivery_id=stored["delivery_id"], last_error=stored["last_error"],
                           failures=stored["failures"] or 0, takeovers=stored["takeovers"] or 0)
            now = None
        return None

    def _finish(self, job: Job, **values: Any) -> bool:
        with self.store.begin() as conn:
            return conn.execute(update(jobs).where(jobs.c.id == job.id, jobs.c.lease_token == job.lease_token,
                                                   jobs.c.state == "running")
                                .values(updated_at=time.time(), **values)).rowcount == 1

    def complete(self, job: Job) -> bool:
        """Mark done; ``False`` if the lease was lost meanwhile (another worker owns the job now)."""
        return self._finish(job, state="done", lease_until=None, last_error=None)

    def retry(self, job: Job, error: str, delay: float) -> bool:
        """Re-queue after a genuine failure (it spends one of ``max_attempts``)."""
        return self._finish(job, state="queued", run_after=time.time() + delay, lease_until=None,
                            lease_token=None, last_error=error, failures=jobs.c.failures + 1)

    def fail(self, job: Job, error: str, *, failed_attempt: bool = True) -> bool:
        values: dict[str, Any] = {"failures": jobs.c.failures + 1} if failed_attempt else {}
        return self._finish(job, state="failed", lease_until=None, last_error=error, **values)

    def extend(self, job_ids_tokens: Mapping[int, str], now: float | None = None) -> None:
        """Push the leases of jobs still running in this process forward (the heartbeat)."""
        now = time.time() if now is None else now
        with self.store.begin() as conn:
            for job_id, token in job_ids_tokens.items():
                conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.lease_token == token,
                                                jobs.c.state == "running")
                             .values(lease_until=now + self.lease_seconds))


def describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text and not isinstance(exc, MergeguardError) else (text or type(exc).__name__)


class WorkerPool:
    """Threads that claim and run jobs until :meth:`stop`; one pool per server process."""

    def __init__(self, queue: Queue, handlers: Mapping[str, Handler], *, threads: int = 2,
                 poll_seconds: float = 1.0, on_finished: Callable[[Job, str, float], None] | None = None) -> None:
        self.queue = queue
        self.handlers = dict(handlers)
        self.n_threads = threads
        self.poll_seconds = poll_seconds
        self.on_finished = on_finished
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._running: dict[int, str] = {}
        self._lock = threading.Lock()

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> WorkerPool:
        if self._threads:
            return self
        for i in range(self.n_threads):
            t = threading.Thread(target=self._loop, name=f"mergeguard-job-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        hb = threading.Thread(target=self._heartbeat, name="mergeguard-job-heartbeat", daemon=True)
        hb.start()
        self._threads.append(hb)
        if self.queue.affinity is not None:
            self._announce()  # registered before the first claim: its repositories are its own at once
            reg = threading.Thread(target=self._announce_loop, name="mergeguard-worker-heartbeat", daemon=True)
            reg.start()
            self._threads.append(reg)
        if self.sweepers():
            sw = threading.Thread(target=self._sweep_loop, name="mergeguard-job-sweeper", daemon=True)
            sw.start()
            self._threads.append(sw)
        return self

    def sweepers(self) -> list[Any]:
        """The handlers' sweepers (objects with ``sweep()`` and ``interval``), each once."""
        found = {id(s): s for h in self.handlers.values() if (s := getattr(h, "sweeper", None)) is not None}
        return list(found.values())

    def sweep(self) -> int:
        """Run every sweeper once; a failing sweeper is logged and the others still run."""
        n = 0
        for sweeper in self.sweepers():
            try:
                n += int(sweeper.sweep() or 0)
            except Exception:  # the next sweep tries again
                log.exception("sweeping check runs failed")
        return n

    def _sweep_loop(self) -> None:
        _lower_priority()
        interval = min(float(getattr(s, "interval", 60.0)) for s in self.sweepers())
        while not self._stop.is_set():
            self.sweep()
            self._stop.wait(interval)

    def stop(self, timeout: float = 30.0) -> bool:
        """Let running jobs finish (up to ``timeout`` seconds), claim nothing new; ``True`` if all stopped.

        A job still running when the process exits keeps its lease until it expires, then another
        worker takes it over: stopping never loses a job.
        """
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        stopped = not any(t.is_alive() for t in self._threads)
        self._retire()
        if stopped:  # nothing runs any more: handlers may release what they hold (scoring processes)
            for handler in {id(h): h for h in self.handlers.values()}.values():
                close = getattr(handler, "close", None)
                if callable(close):
                    try:
                        close()
                    except Exception:  # stopping must finish
                        log.exception("closing a job handler failed")
        return stopped

    def _announce(self) -> None:
        affinity = self.queue.affinity
        if affinity is None:
            return
        try:
            affinity.heartbeat(self.queue.store)
        except Exception:  # the database went away: the next beat tries again
            log.exception("worker heartbeat failed")

    def _announce_loop(self) -> None:
        """Say this worker is alive, a few times per TTL, until it stops (app/affinity.py)."""
        affinity = self.queue.affinity
        assert affinity is not None
        interval = max(0.5, affinity.ttl_seconds / 3)
        while not self._stop.wait(interval):
            self._announce()

    def _retire(self) -> None:
        """Free this worker's repositories at once; jobs it still runs keep their leases."""
        affinity = self.queue.affinity
        if affinity is None or getattr(self, "_retired", False):
            return
        self._retired = True
        try:
            affinity.retire(self.queue.store)
        except Exception:  # stopping must finish; the TTL frees them anyway
            log.exception("retiring the worker failed")

    def notify(self) -> None:
        """A job was enqueued: look now instead of at the next poll."""
        self._wake.set()

    def alive(self) -> dict[str, bool]:
        return {t.name: t.is_alive() for t in self._threads}

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # -- work -----------------------------------------------------------------------------------

    def _loop(self) -> None:
        _lower_priority()
        while not self._stop.is_set():
            try:
                did = self.run_once()
            except Exception:  # the database went away: keep the thread, try again later
                log.exception("job worker: cannot claim")
                did = False
            if not did:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def run_once(self) -> bool:
        """Claim and run one job; ``False`` if none was claimable. Also the tests' synchronous driver."""
        job = self.queue.claim()
        if job is None:
            return False
        with self._lock:
            self._running[job.id] = job.lease_token
        try:
            self._run(job)
        finally:
            with self._lock:
                self._running.pop(job.id, None)
        return True

    def _run(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        t0 = time.perf_counter()
        if handler is None:
            self.queue.fail(job, f"no handler for job kind {job.kind!r}")
            return
        if job.takeovers > self.queue.max_takeovers:
            # every worker that ran it died (lease expired) before it ended: the job may be what kills them
            reason = f"the worker running this job stopped responding {job.takeovers} times"
            log.error("job %s (%s): %s; giving up", job.id, job.kind, reason)
            self._give_up(job, handler, reason, failed_attempt=False)
            return
        if job.takeovers:
            log.warning("job %s (%s) taken over after its worker stopped responding (takeover %d of at most %d)",
                        job.id, job.kind, job.takeovers, self.queue.max_takeovers)
        try:
            handler.run(job)
        except Exception as exc:  # every failure must end in retry or on_failure
            reason = describe(exc)
            if is_transient(handler, exc) and job.failures + 1 < job.max_attempts:
                delay = backoff(job.failures + 1, self.queue.retry_base_seconds)
                log.warning("job %s (%s) attempt %d failed, retry in %.0fs: %s", job.id, job.kind, job.failures + 1,
                            delay, reason)
                self.queue.retry(job, reason, delay)
                self._finished(job, "retry", t0)
            else:
                log.error("job %s (%s) failed after %d attempt(s): %s", job.id, job.kind, job.failures + 1, reason,
                          exc_info=not is_transient(handler, exc) and not isinstance(exc, MergeguardError))
                self._give_up(job, handler, reason)
                self._finished(job, "failed", t0)
            return
        self.queue.complete(job)
        self._finished(job, "done", t0)

    def _give_up(self, job: Job, handler: Handler, reason: str, *, failed_attempt: bool = True) -> None:
        try:
            handler.on_failure(job, reason)
        except MergeguardError as exc:  # an expected refusal (GitHub said no): one line, no traceback
            log.error("job %s: on_failure hook failed: %s", job.id, describe(exc))
        except Exception:
            log.exception("job %s: on_failure hook failed", job.id)
        self.queue.fail(job, reason, failed_attempt=failed_attempt)

    def _finished(self, job: Job, outcome: str, t0: float) -> None:
        if self.on_finished:
            try:
                self.on_finished(job, outcome, time.perf_counter() - t0)
            except Exception:  # metrics must never break the queue
                log.exception("job %s: on_finished failed", job.id)

    def _heartbeat(self) -> None:
        interval = max(1.0, self.queue.lease_seconds / 3)
        while True:
            stopping = self._stop.wait(interval)
            with self._lock:
                running = dict(self._running)
            if running:
                try:
                    self.queue.extend(running)
                except Exception:
                    log.exception("job heartbeat failed")
            if stopping:
                if not running:
                    return
                time.sleep(min(interval, 1.0))  # jobs finishing after stop(): keep their leases fresh


#: nice value of job threads: webhook acknowledgements run first when the CPUs are busy
JOB_THREAD_NICENESS = 10


def _lower_priority() -> None:
    """Lower this thread's CPU priority (Linux schedules threads as tasks with their own nice value).

    Scoring is CPU-bound and can wait a little; a webhook must be answered in milliseconds. Where
    per-thread priorities are not available the call does nothing.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), JOB_THREAD_NICENESS)
    except (AttributeError, OSError, PermissionError):
        pass
