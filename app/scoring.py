"""Where the App's scoring runs: in child processes by default, so webhooks never wait for it.

Scoring (history replay, tree-sitter parses, feature extraction, LightGBM) is CPU-bound Python. Run
on the job threads of the server process, it holds the GIL for most of every 5 ms switch interval,
and a webhook request arriving meanwhile waits for it at every step that releases the GIL (each
socket read, each SQLite call): measured with jobs really scoring (``benchmarks/webhook_ack.py``,
variant ``scoring``, 200 deliveries/s), acknowledgement p99 was 40-44 ms on the job threads and
7-17 ms with scoring in children. In a child process scoring has its own interpreter and GIL, and
at a lower CPU priority (nice 10) the kernel runs the web threads first whenever both want a core.

The job threads stay where they are -- they claim jobs, talk to GitHub, sync mirrors (git runs in
subprocesses anyway) and publish check runs -- and hand only the scoring itself to a child:
:class:`ScoreRequest` in, the assessment (a JSON-ready dict) out.

* **one child per job thread**, started lazily on a repository's first score and kept: its model is
  loaded once and its warm history indexes (mergeguard/warm.py) live there;
* **a repository sticks to one child**, chosen on first use as the one with the fewest repositories,
  so its warm index is never built twice; two jobs of one repository take turns (as they did on one
  index in-process);
* **a crashed child** (killed, out of memory) fails the job with a transient error and is started
  again for the next one; **a hung one** is killed after ``timeout`` seconds and the job fails with
  the reason (retrying would hang again);
* errors raised while scoring (a ref that does not exist, a corrupt model) reach the job thread as
  themselves, so the queue decides on retries exactly as it does in-thread;
* **a child never outlives its server process**: a worker killed with ``kill -9`` runs no cleanup,
  and a child busy scoring would not notice the closed pipe until it finished. The child asks the
  kernel for SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)`` on Linux; strictly, when the
  job thread that started it ends, which is only ever at shutdown) and, everywhere, a watchdog
  thread checks each second that its parent is still the process that started it.

``mode="thread"`` (``MERGEGUARD_JOB_SCORING=thread``) scores on the job thread itself: fewer
processes and less memory for a small installation, at the cost of webhook latency under load.
"""

from __future__ import annotations

import logging
import ctypes
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mergeguard.budget import SourceAccess
from mergeguard.change import Limits
from mergeguard.git import GitRepo
from mergeguard.policy import PullRequestFacts
from mergeguard.review import review
from mergeguard.warm import WarmHistory

from .jobs import PermanentError, TransientError

log = logging.getLogger("mergeguard.app.scoring")

MODES = ("process", "thread")
#: nice value of the scoring children: webhook acknowledgements run first when the CPUs are busy
SCORING_NICENESS = 10
DEFAULT_TIMEOUT_SECONDS = 900.0


@dataclass(frozen=True)
class ScoreRequest:
    """One pull request to score: everything :func:`score` needs, all of it picklable."""

    git_dir: str
    base_sha: str
    head_sha: str
    merge_base: str
    facts: PullRequestFacts = field(default_factory=PullRequestFacts)
    limits: Limits = field(default_factory=Limits)
    #: where error-budget sources may be read: the App's allow-list, no files
    budget_access: SourceAccess = field(default_factory=lambda: SourceAccess.app(()))
    #: directory of this repository's cached history scores (in the App's data dir)
    score_cache: str | None = None


def score(request: ScoreRequest, model: Any, history: WarmHistory) -> dict[str, Any]:
    """The review of the request's head against its base, on the warm index at its merge base, as its
    JSON: plain data is what crosses a scoring child's pipe and what the store keeps; the handler reads
    it back with ``Review.from_json`` before publishing."""
    git = GitRepo(request.git_dir)
    with history.at(git, request.merge_base) as index:
        return review(git, request.base_sha, request.head_sha, model=model, facts=request.facts,
                      acceptances=request.facts.acceptances, history=index, limits=request.limits,
                      budget_access=request.budget_access,
                      score_cache=request.score_cache).to_json()


class ThreadScorer:
    """Scores on the calling thread (``mode="thread"``)."""

    def __init__(self, model: Callable[[], Any], warm_bytes: int | None = None) -> None:
        self._model = model
        self.history = WarmHistory(max_bytes=warm_bytes)

    def score(self, key: str, request: ScoreRequest) -> dict[str, Any]:
        return score(request, self._model(), self.history)

    def warm_stats(self) -> dict[str, int]:
        return warm_stats(self.history)

    def close(self, timeout: float = 10.0) -> None:
        pass


class ScoringCrashed(TransientError):
    """The child died while scoring (killed, out of memory); the next attempt gets a fresh one."""


class ScoringTimeout(PermanentError):
    """Scoring took longer than the timeout; the child was killed. Retrying would hang again."""


class _Child:
    """One child process and the pipe to it; one request at a time (the caller holds ``lock``)."""

    def __init__(self, index: int, model_dir: str | None, niceness: int,
                 on_start: Callable[[str], None] | None = None, warm_bytes: int | None = None) -> None:
        self.index = index
        self.warm_bytes = warm_bytes
        self.model_dir = model_dir
        self.niceness = niceness
        self.on_start = on_start
        self.lock = threading.Lock()
        #: the child's warm indexes as of its last reply (it is the only one that can count them)
        self.warm: dict[str, int] = {}
        self.process: Any = None
        self.conn: Any = None
        self.started = 0

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")  # never fork a process that runs threads
        parent, child = ctx.Pipe()
        self.process = ctx.Process(target=child_main, args=(child, self.model_dir, self.niceness, os.getpid(),
                                                            self.warm_bytes),
                                   name=f"mergeguard-scoring-{self.index}", daemon=True)
        self.process.start()
        child.close()
        self.conn = parent
        self.started += 1
        log.info("scoring process %d started (pid %s)", self.index, self.process.pid)
        if self.on_start is not None:
            self.on_start("first" if self.started == 1 else "replacement")

    def call(self, request: ScoreRequest, timeout: float) -> dict[str, Any]:
        if self.process is None or not self.process.is_alive():
            self._start()
        try:
            self.conn.send(request)
            deadline = time.monotonic() + timeout
            while not self.conn.poll(min(1.0, max(0.0, deadline - time.monotonic()))):
                if time.monotonic() >= deadline:
                    self._kill()
                    raise ScoringTimeout(f"scoring took longer than {timeout:g} s and was stopped")
                if not self.process.is_alive():
                    break  # the pipe may stay open a moment after the child is gone
            status, value, detail, *stats = self.conn.recv()
            if stats and stats[0]:
                self.warm = stats[0]
        except (EOFError, OSError, BrokenPipeError):
            code = None
            if self.process is not None:
                self.process.join(5)  # the pipe closes a moment before the exit status is there
                code = self.process.exitcode
            self._kill()
            raise ScoringCrashed(f"the scoring process died (exit code {code})") from None
        if status == "ok":
            return value
        if detail:  # an unexpected error: keep the child's traceback in the job log
            value.add_note("in the scoring process:\n" + detail)
        raise value

    def _kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join(10)
        if self.conn is not None:
            self.conn.close()
        self.process = self.conn = None

    def close(self, timeout: float) -> None:
        if self.process is None:
            return
        try:
            self.conn.send(None)
            self.process.join(timeout)
        except (OSError, BrokenPipeError):
            pass
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()
        self.process = self.conn = None


class ProcessScorer:
    """Scores in ``processes`` child processes; a repository (``key``) always goes to the same one."""

    def __init__(self, model_dir: str | None, processes: int, *, niceness: int = SCORING_NICENESS,
                 timeout: float = DEFAULT_TIMEOUT_SECONDS, on_start: Callable[[str], None] | None = None,
                 warm_bytes: int | None = None) -> None:
        if processes < 1:
            raise ValueError("processes must be at least 1")
        self.timeout = timeout
        # the warm-index budget is the worker's: each child (its own repositories) gets an equal share
        share = None if warm_bytes is None else max(1, warm_bytes // processes)
        self._children = [_Child(i, model_dir, niceness, on_start, share) for i in range(processes)]
        self._home: dict[str, int] = {}
        self._guard = threading.Lock()

    def child_for(self, key: str) -> int:
        """The child that scores ``key``: the one it had, else the one with the fewest repositories."""
        with self._guard:
            if key not in self._home:
                load = [0] * len(self._children)
                for i in self._home.values():
                    load[i] += 1
                self._home[key] = min(range(len(load)), key=lambda i: (load[i], i))
            return self._home[key]

    def score(self, key: str, request: ScoreRequest) -> dict[str, Any]:
        child = self._children[self.child_for(key)]
        with child.lock:
            return child.call(request, self.timeout)

    def warm_stats(self) -> dict[str, int]:
        """The children's warm indexes together, as of each one's last reply; a replaced child starts cold
        (its evictions so far stay counted)."""
        total = {"indexes": 0, "bytes": 0, "budget_bytes": 0, "evicted": 0}
        for child in self._children:
            for k in total:
                total[k] += child.warm.get(k, 0)
            if child.process is None:
                total["indexes"] -= child.warm.get("indexes", 0)
                total["bytes"] -= child.warm.get("bytes", 0)
        return total

    def pids(self) -> list[int | None]:
        return [c.process.pid if c.process is not None else None for c in self._children]

    def close(self, timeout: float = 10.0) -> None:
        for child in self._children:
            with child.lock:
                child.close(timeout)


def scorer(mode: str, *, model_dir: str | None, model: Callable[[], Any], processes: int,
           timeout: float = DEFAULT_TIMEOUT_SECONDS, on_start: Callable[[str], None] | None = None,
           warm_bytes: int | None = None) -> ThreadScorer | ProcessScorer:
    if mode == "thread":
        return ThreadScorer(model, warm_bytes)
    if mode == "process":
        return ProcessScorer(model_dir, processes, timeout=timeout, on_start=on_start, warm_bytes=warm_bytes)
    raise ValueError(f"scoring mode must be one of {', '.join(MODES)}, got {mode!r}")


# -- in the child ------------------------------------------------------------------------------------

def child_main(conn: Any, model_dir: str | None, niceness: int, parent_pid: int | None = None,
               warm_bytes: int | None = None) -> None:
    """The child's loop: requests in, ``(status, value, traceback)`` out, until ``None`` or EOF."""
    if parent_pid is not None:
        die_with_parent(parent_pid)
    _lower_priority(niceness)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")
    history = WarmHistory(max_bytes=warm_bytes)
    model: Any = None
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):  # the server went away
            return
        except Exception as exc:  # noqa: BLE001 -- a request that does not unpickle: say so, keep serving
            conn.send(("error", _portable(exc), traceback.format_exc()))
            continue
        if request is None:
            return
        try:
            if model is None:
                import gc

                from mergeguard.models.model import load

                model = load(model_dir)
                gc.collect()
                gc.freeze()  # modules and model live as long as the child: keep them out of every full collection
            reply: tuple[str, Any, str | None] = ("ok", score(request, model, history), None)
        except Exception as exc:  # noqa: BLE001 -- every error goes back to the job thread
            from mergeguard.errors import MergeguardError

            detail = None if isinstance(exc, MergeguardError) else traceback.format_exc()
            reply = ("error", _portable(exc), detail)
        conn.send((*reply, warm_stats(history)))


def warm_stats(history: WarmHistory) -> dict[str, int]:
    """What ``/metrics`` shows of a scorer's warm history indexes."""
    return {"indexes": history.indexes, "bytes": history.bytes, "budget_bytes": history.max_bytes or 0,
            "evicted": history.served["evicted"]}


#: prctl(2) option: the signal this process gets when its parent dies
PR_SET_PDEATHSIG = 1
#: seconds between two checks of the watchdog thread
PARENT_POLL_SECONDS = 1.0


def die_with_parent(parent_pid: int, *, poll: float = PARENT_POLL_SECONDS) -> None:
    """End this process as soon as ``parent_pid`` is no longer its parent (it died; we were re-parented).

    On Linux the kernel sends SIGKILL at once (``PR_SET_PDEATHSIG``); the watchdog thread covers other
    systems and the moment before the ``prctl`` call, when the parent may already have gone.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no libc symbol: the watchdog alone
            pass
    if os.getppid() != parent_pid:
        os._exit(0)

    def watch() -> None:
        while True:
            time.sleep(poll)
            if os.getppid() != parent_pid:
                os._exit(0)  # no cleanup to do: the job it served is taken over by another worker

    threading.Thread(target=watch, name="mergeguard-parent-watch", daemon=True).start()


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling (so the job thread sees its real type), else a RuntimeError."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _lower_priority(niceness: int) -> None:
    try:
        current = os.getpriority(os.PRIO_PROCESS, 0)
        if current < niceness:
            os.setpriority(os.PRIO_PROCESS, 0, niceness)
    except (AttributeError, OSError):
        pass
