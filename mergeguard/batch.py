"""Run independent batch tasks in parallel: in this process, on a local process pool, or on Dask.

``mine``, ``score --commits`` and ``evaluate`` split their work into independent tasks (a repository
to mine, a slice of commits to score, a model to fit) whose results do not depend on where they run.
:func:`run_tasks` returns the results in the order of the tasks, whichever engine ran them, so the
command's output is the same as a single-process run's.

The engines:

- ``jobs=1`` (or a single task): in this process, no pickling, no start-up cost.
- ``jobs=N``: a local process pool (``forkserver`` start: LightGBM's OpenMP threads and git
  subprocesses do not survive a plain ``fork`` safely). The fork server imports the task's heavy
  modules once (``preload``) and each worker is forked from it with them already imported, instead of
  every worker importing NumPy, SciPy, LightGBM and the detectors again (about a second of CPU each);
  :func:`start_pool` starts it early, so that import overlaps the caller's own start-up work.
- ``scheduler="tcp://host:8786"``: a Dask distributed cluster (optional extra ``mergeguard[cluster]``).
  Workers must see the same paths (repositories, datasets) and the same mergeguard version.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from .errors import MergeguardError

T = TypeVar("T")
R = TypeVar("R")

#: how long to wait for a Dask scheduler to answer before giving up with a clear error
CONNECT_TIMEOUT_S = 20


def default_jobs() -> int:
    """The CPUs this process may use (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def check_jobs(jobs: int | None) -> int:
    """``--jobs`` as given, or the default; a clear error for nonsense."""
    if jobs is None:
        return default_jobs()
    if jobs < 1:
        raise MergeguardError(f"--jobs must be at least 1, got {jobs}")
    return jobs


def start_pool(preload: Sequence[str] = ()) -> None:
    """Start the local pool's fork server now (it is started once per process), importing ``preload``
    (module names) in it before it forks any worker.

    Why: a worker forked from a server that has imported the task's modules inherits them, so the
    workers of ``--jobs N`` do not each spend their first second importing; started before the
    caller's own imports and planning, the server imports on another core meanwhile. Only modules:
    nothing runs in the server that could start OpenMP threads or git processes before a fork.
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["__main__", *preload])  # __main__: the default preload, kept
    from multiprocessing import forkserver

    forkserver.ensure_running()


def run_tasks(fn: Callable[[T], R], tasks: Sequence[T], *, jobs: int = 1, scheduler: str | None = None,
              preload: Sequence[str] = ()) -> list[R]:
    """``[fn(t) for t in tasks]``, possibly in parallel; results in task order.

    ``fn`` must be a module-level function and tasks and results picklable. A
    :class:`MergeguardError` raised by a task reaches the caller unchanged (the first one in task
    order), so a bad repository among many still ends in one clear line. ``preload`` see
    :func:`start_pool` (no effect when the pool's server already runs).
    """
    tasks = list(tasks)
    if scheduler:
        return _run_dask(fn, tasks, scheduler)
    if jobs <= 1 or len(tasks) <= 1:
        return [fn(t) for t in tasks]
    start_pool(preload)
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=ctx) as pool:
        futures = [pool.submit(fn, t) for t in tasks]
        return [f.result() for f in futures]


def _run_dask(fn: Callable[[T], R], tasks: list[T], address: str) -> list[R]:
    try:
        from distributed import Client
    except ImportError:
        raise MergeguardError("--scheduler needs Dask: pip install 'mergeguard[cluster]'") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise MergeguardError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        # pure=False: identical tasks (e.g. the same repository twice) still run, and keep their order
        futures = client.map(fn, tasks, pure=False)
        results: list[Any] = client.gather(futures)
        return results
    finally:
        client.close()


def slices(items: Sequence[T], parts: int) -> list[list[T]]:
    """``items`` dealt round-robin into at most ``parts`` non-empty lists (balanced when the cost of
    an item grows along the sequence, as it does along a history)."""
    parts = max(1, min(parts, len(items)))
    return [list(items[i::parts]) for i in range(parts)] if items else []
