"""Retry policy for our own GitHub calls: which failures are worth another attempt, and how long to wait.

GitHub fails transiently in three ways that deserve a retry: server errors (5xx), network errors, and
rate limits (429, or 403 carrying ``Retry-After`` / ``x-ratelimit-remaining: 0``). Every other 4xx
is an answer, not an accident: retrying a 404 or a validation error only burns rate limit.

Waits use exponential backoff with full jitter (``rng() * min(cap, base * 2**n)``), so many workers
hit by the same outage do not return in lockstep; when GitHub says how long to wait (``Retry-After``
seconds, or the ``x-ratelimit-reset`` epoch) that is honoured instead, up to ``max_wait``: a wait
longer than that (a primary rate limit resetting in 40 minutes) is given up on at once with a clear
error, because a webhook job blocking a worker for that long is worse than failing.

This must be the ONLY retry layer. PyGithub has its own (``GithubRetry``, an urllib3 ``Retry``
installed by default in ``Github(...)``) which would multiply attempts and hide waits from us;
:mod:`mergeguard.github_api` constructs PyGithub with ``retry=None`` (requests' default of zero
retries) so a failure reaches this policy on the first occurrence.

The function is pure apart from ``sleep``/``rng``/``clock``, which tests replace with recorders.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

import requests
from github import GithubException

T = TypeVar("T")

#: GitHub asks for at least a minute after a secondary rate limit that names no wait.
SECONDARY_LIMIT_WAIT = 60.0


class RetryWaitTooLong(RuntimeError):
    """GitHub asked us to wait longer than we are willing to block; the cause is chained."""


def _headers(exc: GithubException) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (exc.headers or {}).items()}


def _message(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, Mapping) else {}
    return str(data.get("message") or "").lower()


def server_wait(exc: BaseException, clock: Callable[[], float] = time.time) -> float | None:
    """The wait GitHub itself prescribes for ``exc`` (Retry-After or rate-limit reset), if any."""
    if not isinstance(exc, GithubException):
        return None
    h = _headers(exc)
    if "retry-after" in h:
        try:
            return max(0.0, float(h["retry-after"]))
        except ValueError:
            return None
    if h.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in h:
        try:
            return max(0.0, float(h["x-ratelimit-reset"]) - clock()) + 1.0  # +1: reset is whole seconds
        except ValueError:
            return None
    return None


def is_rate_limited(exc: BaseException) -> bool:
    """A 403/429 that is a rate limit (primary or secondary) rather than a refusal."""
    if not isinstance(exc, GithubException) or exc.status not in (403, 429):
        return False
    h = _headers(exc)
    msg = _message(exc)
    return (
        exc.status == 429
        or "retry-after" in h
        or h.get("x-ratelimit-remaining") == "0"
        or "rate limit" in msg
    )


def is_retryable(exc: BaseException) -> bool:
    """5xx, network trouble and rate limits are transient; every other 4xx is final."""
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return True
    if isinstance(exc, GithubException):
        return (exc.status is not None and exc.status >= 500) or is_rate_limited(exc)
    return False


def call_with_retries(
    fn: Callable[[], T],
    *,
    attempts: int = 5,
    base: float = 0.5,
    cap: float = 30.0,
    max_wait: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
    clock: Callable[[], float] = time.time,
    on_retry: Callable[[BaseException, int, float], None] | None = None,
) -> T:
    """Call ``fn()`` until it succeeds, a failure is not retryable, or ``attempts`` are spent.

    The last exception is re-raised unchanged when attempts run out or the failure is final, so
    the caller keeps GitHub's status and message; :class:`RetryWaitTooLong` (chained from the
    GitHub error) when the prescribed wait exceeds ``max_wait``. ``on_retry(exc, attempt, wait)``
    is called before each wait (for logs and metrics).
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except Exception as exc:
            if not is_retryable(exc) or attempt == attempts:
                raise
            wait = server_wait(exc, clock)
            if wait is None and isinstance(exc, GithubException) and exc.status == 403:
                wait = SECONDARY_LIMIT_WAIT  # secondary limit with no header: GitHub says wait a minute
            if wait is None:
                wait = rng() * min(cap, base * (2 ** (attempt - 1)))
            if wait > max_wait:
                raise RetryWaitTooLong(
                    f"GitHub asked to wait {wait:.0f}s (status {getattr(exc, 'status', '?')}), "
                    f"more than the {max_wait:.0f}s limit; giving up"
                ) from exc
            if on_retry is not None:
                on_retry(exc, attempt, wait)
            sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover
