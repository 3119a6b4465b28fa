"""What the Java and Kotlin scanners share about JVM client code: which calls are blocking waits bounded
by a time, and what a setter or builder link sets (``setIdleTimeout`` a timeout, ``setRetryStrategy`` a
retry policy), whatever library the client comes from. Both scanners read the same java.util.concurrent,
gRPC, OkHttp, Apache and Reactor APIs; only the syntax around the call differs.
"""

from __future__ import annotations

import re

from mergeguard.features import syntax
from mergeguard.features.resilience import policy_functions, settings

#: blocking waits that give up after ``(n, TimeUnit.X)`` (or a ``Duration``): a latch, a lock, a queue, a
#: process, an executor's shutdown, a gRPC stub's deadline, Reactor's ``block``. Each bounds how long the
#: caller waits for something, so adding one, dropping one or changing its value is a timeout change;
#: ``schedule(task, 5, SECONDS)`` and ``sleep`` are delays and are not here.
WAITS = frozenset({"await", "awaitUninterruptibly", "tryLock", "tryAcquire", "poll", "offer", "awaitTermination",
                   "waitFor", "withDeadlineAfter", "invokeAll", "invokeAny", "awaitCompletion", "awaitResult"})
BLOCKS = frozenset({"block", "blockFirst", "blockLast", "blockOptional"})
#: a setter or builder link whose name, without its set/with/update prefix, names a retry or timeout
_SETTER_PREFIX = re.compile(r"^(set|with|update|use)(?=[A-Z])")
#: words of a helper that works a value out rather than applying one (``computeTimeout(request)``)
_COMPUTES = frozenset({"compute", "calculate", "calc", "effective", "clamp", "convert", "parse", "decode", "encode",
                       "resolve", "remaining", "min", "max", "default", "validate", "check"})
#: how the name of a timeout setter without a set/with prefix ends (``connectTimeout``, ``idleTimeoutMillis``)
_TIMEOUT_LAST = frozenset({"timeout", "timeouts", "deadline", "ms", "millis", "milliseconds", "seconds", "secs", "sec",
                           "nanos", "timeoutms", "timeoutmillis", "duration"})
#: words of a circuit breaker's state timeouts
_BREAKER = frozenset({"open", "breaker", "circuit", "reset", "half"})
#: no-argument builder links that turn a client's own retrying on or off (``disableAutomaticRetries()``)
RETRY_SWITCH = re.compile(r"^(enable|disable)\w*(Retr(y|ies)|Backoff)\w*$")


#: a link that hands a client a whole retry policy object (not one number of it: ``setMaxAttempts(n)``
#: given a run-time value only passes a value on)
STRATEGY = re.compile(r"(Retr(y|ies)|Back[Oo]ff)\w*(Handler|Strategy|Policy|Retryer|Template|Config)$|^retryWhen$|^retryer$",
                      re.I)


def setting_name(name: str) -> str | None:
    """What a setter or builder link sets: ``setIdleTimeout`` -> timeout, ``setRetryStrategy`` -> retry."""
    bare = _SETTER_PREFIX.sub("", name)
    if STRATEGY.search(bare):
        return "retry"  # setRetryHandler(new DefaultHttpRequestRetryHandler(3, false)): a handler *is* the policy
    if bare == name and set(settings.words(name)) & _COMPUTES:
        return None  # computeTimeout(request): a helper working a value out, not a setting applied
    if set(settings.words(bare)) & _BREAKER:
        return None  # setOpenTimeout, setResetTimeout: how long a circuit breaker stays open, not a wait
    kind = settings.classify(bare[:1].lower() + bare[1:])
    if kind == "timeout" and bare == name and settings.words(name)[-1] not in _TIMEOUT_LAST:
        return None  # timeoutExit(), deadlineReached(): an action named after a timeout, not a setter
    return kind


def passed_through(node, value) -> bool:
    """Whether a run-time value is a parameter of the enclosing method, handed on unchanged
    (``connectSocket(int connectTimeout, …) { sock.connect(addr, connectTimeout); }``): the caller
    decides how long to wait, so the call moving or being inlined is no timeout change."""
    if value is None or value.type not in ("identifier", "simple_identifier"):
        return False
    name = syntax.node_text(value)
    fn = node.parent
    while fn is not None and fn.type not in ("method_declaration", "constructor_declaration", "function_declaration",
                                             "lambda_expression", "lambda_literal"):
        fn = fn.parent
    if fn is None:
        return False
    params = fn.child_by_field_name("parameters")
    if params is None:
        params = next((c for c in fn.named_children if c.type in ("function_value_parameters", "formal_parameters")),
                      None)
    if params is None:
        return False
    return bool(re.search(rf"\b{re.escape(name)}\b", syntax.node_text(params)))


def circuit_breaker(text: str) -> bool:
    """A call on a circuit breaker (``breaker.setTimeout(…)``, ``CircuitBreakerConfig…``): its timeouts say
    how long it stays open, not how long a call waits."""
    return bool(re.search(r"breaker|circuit", text, re.I))


def policy_name(name: str) -> str | None:
    """A function that is a retry or timeout policy, by its name (``policy_functions.classify``), and in
    JVM clients also a predicate deciding whether a failure is *recovered* from by trying again
    (``isRecoverable(e)``, ``canRecoverFromFailure``): OkHttp, gRPC and Kafka clients name their retry
    decision so. A bare ``recover`` is not: in Spring Retry it is the fallback after the last attempt."""
    if policy_functions.classify(name):
        return policy_functions.classify(name)
    if re.match(r"^(is|can|should)Recover(able|)\b|^(is|can|should)Recover[A-Z]|^recoverable$|^recover$", name):
        return "retry"  # (a Spring Retry @Recover fallback is dropped again by not_a_fallback)
    return None


def not_a_fallback(source, constructs: list) -> list:
    """Drops the policy functions that are Spring Retry's fallbacks: a ``recover`` method annotated
    ``@Recover`` or in a recoverer/recovery-handler class runs after the last attempt and decides nothing
    about trying again (OkHttp's ``recover(e, request)`` does, and stays)."""
    fallback_lines = set()
    for n in syntax.walk(source.root):
        if n.type in ("method_declaration", "function_declaration") and re.search(
                r"@Recover\b", syntax.node_text(n).split("{", 1)[0]):
            fallback_lines.add(syntax.line_of(n))
    return [c for c in constructs if not (
        c.library == policy_functions.LIBRARY and re.search(r"(^|\.)recover/\d+$", c.target) and (
            c.line in fallback_lines or re.search(r"Recover(er|y)", c.target)))]


def computed_kind(name: str) -> str | None:
    """``retry``/``timeout`` for a local or field whose value the code works out (``long backoff = base <<
    attempt``, ``val retryAfter = header?.toLongOrNull()?.times(1000)``); None for other names and for
    bookkeeping (``retryInfo``)."""
    if settings.bookkeeping(name):
        return None
    return settings.classify(name)


#: an expression that works a value out: arithmetic, a default (``?:``), a clamp, a unit conversion
_WORKED_OUT = re.compile(r"[-+*/%]|<<|>>|\?:|\b(min|max|minOf|maxOf|coerce\w*|times|plus\w*|minus\w*|div|shl|shr|pow|"
                         r"multipliedBy|dividedBy|to(Millis|Seconds|Nanos|Minutes))\b")


def worked_out(text: str) -> bool:
    """Whether an initializer computes a value (``Math.min(max, base << n)``, ``timeout ?: DEFAULT``) rather
    than building an object (a policy builder chain is a construct of its own) or copying a value."""
    return bool(_WORKED_OUT.search(text)) and not re.search(r"(?i)builder|\bnew\b|->|\{", text)
