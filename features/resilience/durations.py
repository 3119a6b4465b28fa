"""A written duration in seconds, where the language and the name make its unit certain.

A refactor that keeps every wait rewrites how durations are written: ``RetryDelayMillis: 500`` becomes
``RetryDelay: 500 * time.Millisecond``, ``long retryDelayMs = 500`` becomes ``Duration retryDelay =
Duration.ofMillis(500)``, ``timeout_ms=5000`` becomes ``timeout=5.0``, ``2 * 1000`` becomes ``2000``.
Compared as written, each reads as a changed or a removed-and-added setting; compared by what it means,
nothing waits longer or shorter. This module is the one place that reads what a value means:

- the value carries its unit (:func:`written`): Go's ``time`` constants and arithmetic on them
  (``5 * time.Second``, ``time.Duration(n) * time.Millisecond``, ``time.Minute / 2``), Java's
  ``Duration.ofX(n)``, ``Duration.of(n, ChronoUnit.X)`` and ``TimeUnit.X.toY(n)``, Kotlin's ``n.seconds``
  and ``n.toDuration(DurationUnit.X)``, Python's ``timedelta(...)``, a duration string (``'5s'``,
  JavaScript's ``ms('5s')``);
- else the name says it (:func:`unit_of_name`: ``_ms``, ``Millis``, ``_seconds``, ``Secs``), or a
  ``(n, TimeUnit.X)`` pair the value is passed with;
- else the language's own convention, only where one holds for every library: Python waits in seconds
  (``time.sleep``, ``socket.settimeout``, ``requests``), JavaScript in milliseconds (``setTimeout``,
  ``AbortSignal.timeout``, axios, got) except a keepalive, which MQTT and HTTP agents count in seconds.
  Go's bare numbers (a ``time.Duration`` of nanoseconds, or a count the code multiplies later), Java's
  and Kotlin's ``long`` (milliseconds or seconds, as each API decides) have none: None.

Pure functions of a syntax node; ``number`` reads a literal or a folded constant in the caller's
language (the settings scanner's constant table), so this module knows no file.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mergeguard.features import syntax
from mergeguard.features.resilience import defaults

#: the unit words a name ends its meaning with (``keepAliveTimeoutMs``, ``RETRY_DELAY_SECONDS``); not
#: ``min``, which in a setting's name is a minimum far more often than minutes (``RetryWaitMin``)
UNIT_WORDS = {"ms": 1e-3, "millis": 1e-3, "milliseconds": 1e-3, "msec": 1e-3, "msecs": 1e-3, "millisecond": 1e-3,
              "us": 1e-6, "micros": 1e-6, "ns": 1e-9, "nanos": 1e-9, "sec": 1.0, "secs": 1.0, "seconds": 1.0,
              "second": 1.0, "s": 1.0, "mins": 60.0, "minutes": 60.0, "hours": 3600.0}
GO_UNITS = {"Nanosecond": 1e-9, "Microsecond": 1e-6, "Millisecond": 1e-3, "Second": 1.0, "Minute": 60.0,
            "Hour": 3600.0}
JAVA_DURATION = {"ofNanos": 1e-9, "ofMillis": 1e-3, "ofSeconds": 1.0, "ofMinutes": 60.0, "ofHours": 3600.0,
                 "ofDays": 86400.0, "millis": 1e-3, "seconds": 1.0, "minutes": 60.0, "hours": 3600.0}
TIMEUNIT = {"NANOSECONDS": 1e-9, "MICROSECONDS": 1e-6, "MILLISECONDS": 1e-3, "SECONDS": 1.0, "MINUTES": 60.0,
            "HOURS": 3600.0, "DAYS": 86400.0}
#: java.time's ChronoUnit and kotlin.time's DurationUnit, as ``Duration.of(n, ChronoUnit.MILLIS)`` names them
CHRONO = {**TIMEUNIT, "NANOS": 1e-9, "MICROS": 1e-6, "MILLIS": 1e-3}
KOTLIN_EXT = {"nanoseconds": 1e-9, "microseconds": 1e-6, "milliseconds": 1e-3, "seconds": 1.0, "minutes": 60.0,
              "hours": 3600.0, "days": 86400.0}
PY_TIMEDELTA = {"seconds": 1.0, "milliseconds": 1e-3, "microseconds": 1e-6, "minutes": 60.0, "hours": 3600.0,
                "days": 86400.0, "weeks": 604800.0}
#: ``timedelta``'s positional parameters, in order (``timedelta(0, 30)`` is 30 seconds)
_TIMEDELTA_ORDER = ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks")
DURATION_STRING = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|sec|secs|seconds|minutes|min)\s*$")
STRING_UNITS = {"ms": 1e-3, "s": 1.0, "sec": 1.0, "secs": 1.0, "seconds": 1.0, "m": 60.0, "min": 60.0,
                "minutes": 60.0, "h": 3600.0}
#: the unit a bare number has in a language whose every library agrees on one (see the module's docstring)
CONVENTION = {"python": 1.0, "javascript": 1e-3, "typescript": 1e-3, "tsx": 1e-3}
#: Kotlin's ``Duration`` read back as a number of the same duration (``5.seconds.inWholeMilliseconds``)
_KOTLIN_WHOLE = frozenset({"inWholeMilliseconds", "inWholeSeconds", "inWholeMinutes", "inWholeNanoseconds",
                           "inWholeMicroseconds"})
#: words of a name that holds a ratio or a count beside a duration (``backoffMultiplier``,
#: ``backoff_factor``): no duration, whatever the language writes bare numbers in
_NOT_A_DURATION = frozenset({"multiplier", "factor", "exponent", "ratio", "percent", "percentage", "randomization",
                             "rate", "count", "attempts", "retries", "tries"})
#: words of a name that holds a duration (with a retry or timeout word, or alone)
_DURATION_WORDS = frozenset({"timeout", "timeouts", "deadline", "interval", "delay", "backoff", "period", "wait",
                             "sleep", "cooldown", "pause", "duration", "keepalive"})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")

Number = Callable[[Any], "float | None"]


@dataclass(frozen=True)
class Duration:
    """A value's duration in seconds and what made its unit known: ``"written"`` (the value carries it),
    ``"name"`` (the name's unit word, or a ``TimeUnit`` passed with it) or ``"convention"`` (the
    language's). Two values of the same duration are the same wait however each is written."""

    seconds: float
    by: str


def words(name: str) -> list[str]:
    """Lower-case words of an identifier's last segment: ``keepAliveTimeoutMs`` -> keep, alive, timeout, ms."""
    return [w.lower() for w in _WORD.findall(name.rsplit(".", 1)[-1])]


def unit_of_name(name: str) -> float | None:
    """The unit a name's last unit word gives its value (``retryDelayMs`` -> 0.001), else None."""
    for w in reversed(words(name)):
        if w in UNIT_WORDS:
            return UNIT_WORDS[w]
    return None


@functools.lru_cache(maxsize=8192)  # asked of every setting's key, a pure function of the name
def unitless(name: str) -> str:
    """A setting's name without the unit it carries (``InitialIntervalMillis`` -> ``InitialInterval``,
    ``timeout_ms`` -> ``timeout``, ``RETRY_DELAY_SECONDS`` -> ``RETRY_DELAY``, ``timeoutInMillis`` ->
    ``timeout``): a setting renamed only to carry its unit in its type or its value is the same setting,
    and its two images are compared by what they mean. A name that is only a unit, or whose last word
    merely ends in one (``Timeouts``, ``retries``), is kept."""
    head, dot, last = name.rpartition(".")
    ws = list(_WORD.finditer(last))
    if len(ws) < 2 or ws[-1].group(0).lower() not in UNIT_WORDS:
        return name
    cut = ws[-1].start()
    if len(ws) > 2 and ws[-2].group(0).lower() == "in":
        cut = ws[-2].start()  # timeoutInMillis, RETRY_DELAY_IN_MS
    return head + dot + last[:cut].rstrip("_")


def holds_duration(name: str) -> bool:
    """Whether a setting's name says it holds a duration (a timeout, a delay, an interval, or a unit word),
    not a count or a ratio (``maxRetries``, ``backoffMultiplier``)."""
    ws = words(name)
    if not ws or any(w in _NOT_A_DURATION for w in ws):
        return False
    joined = name.rsplit(".", 1)[-1].lower()
    return any(w in _DURATION_WORDS or w in UNIT_WORDS for w in ws) or "timeout" in joined or "keepalive" in joined


#: types that hold a duration, as a field declares them (Go's ``time.Duration``, a pointer to one)
DURATION_TYPES = frozenset({"time.Duration", "*time.Duration"})
#: number types: a field of one holds a duration only when its name says the unit (``TimeoutMillis int64``)
NUMBER_TYPES = frozenset({"int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
                          "float32", "float64", "*int", "*int64", "*uint32", "*float64"})


def declares_duration(name: str, type_text: str) -> bool:
    """Whether a field declared ``name type_text`` holds a duration: of a duration type, or of a number
    type under a name that says its unit (``RetryWaitMinMillis int64`` and ``RetryWaitMin time.Duration``
    both hold how long to wait; re-typing one as the other changes how it is written, not the wait)."""
    t = " ".join(type_text.split())
    return t in DURATION_TYPES or (t in NUMBER_TYPES and unit_of_name(name) is not None)


def string_seconds(text: str) -> float | None:
    """``'5s'``, ``"500ms"``, ``'2 minutes'``: seconds, else None."""
    m = DURATION_STRING.match(text.strip("'\"`"))
    return float(m.group(1)) * STRING_UNITS[m.group(2)] if m else None


def written(node: Any, language: str, number: Number) -> float | None:
    """Seconds when the value carries its own unit (a duration written as one), else None."""
    if node is None:
        return None
    t = node.type
    text = syntax.node_text(node)
    if t == "parenthesized_expression" and len(node.named_children) == 1:
        return written(node.named_children[0], language, number)
    if language == "go":
        if t == "selector_expression" and text.startswith("time.") and text[5:] in GO_UNITS:
            return GO_UNITS[text[5:]]
        if t == "binary_expression":
            return _go_arithmetic(node, number)
        if t == "call_expression" and syntax.callee(node, "go") == "time.Duration":
            args = syntax.arguments(node, "go")
            return written(args[0][1], language, number) if len(args) == 1 else None  # time.Duration(5 * time.Second)
    if t in ("method_invocation", "call_expression", "call"):
        return _call(node, language, number)
    if t == "navigation_expression" and language == "kotlin" and len(node.named_children) == 2:
        unit_name = syntax.node_text(node.named_children[1]).lstrip(".?")
        if unit_name in KOTLIN_EXT:
            n = number(node.named_children[0])
            return n * KOTLIN_EXT[unit_name] if n is not None else None
        if unit_name in _KOTLIN_WHOLE:
            return written(node.named_children[0], language, number)  # 5.seconds.inWholeMilliseconds: 5 s
    if t in ("string", "interpreted_string_literal", "string_literal"):
        return string_seconds(text)
    default = defaults.default_of(node, language)
    if default is not None:
        return written(default, language, number)  # options.delay ?? 5.seconds: the default
    return None


def of_setting(name: str, value: Any, language: str, number: Number, unit: Any = None) -> Duration | None:
    """The duration a setting named ``name`` binds ``value`` to, where its unit is certain: written
    with the value, given by ``unit`` (``TimeUnit.MILLISECONDS`` passed beside it), named by a unit
    word, or the language's convention (see the module's docstring); None otherwise, and None for a
    name that holds no duration (:func:`holds_duration`) unless the value itself is a duration."""
    seconds = written(value, language, number)
    if seconds is not None:
        return _finite(seconds, "written")
    if not holds_duration(name):
        return None
    n = number(value)
    if n is None:
        return None
    if unit is not None:
        factor = TIMEUNIT.get(syntax.node_text(unit).rsplit(".", 1)[-1])
        return _finite(n * factor, "name") if factor is not None else None
    named = unit_of_name(name)
    if named is not None:
        return _finite(n * named, "name")
    convention = CONVENTION.get(language)
    if convention is None or (convention != 1.0 and "keepalive" in name.lower()):
        return None
    return _finite(n * convention, "convention")


def same(a: float | None, b: float | None) -> bool:
    """Whether two durations in seconds are known and equal, to a float's rounding (``0.3 * 1000`` ms and
    ``300`` ms): what a setting's two images are compared by when both have one."""
    return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _finite(seconds: float, by: str) -> Duration | None:
    return Duration(seconds, by) if math.isfinite(seconds) else None


def _go_arithmetic(node: Any, number: Number) -> float | None:
    """``5 * time.Second``, ``time.Duration(n) * time.Millisecond``, ``time.Second + 500*time.Millisecond``,
    ``time.Minute / 2``: a Go duration folded."""
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    op_node = node.child_by_field_name("operator")
    op = syntax.node_text(op_node) if op_node is not None else ""
    if op == "*":
        for a, b in ((left, right), (right, left)):
            unit = written(a, "go", number)
            count = number(b)
            if count is None and b is not None and b.type == "call_expression" and \
                    syntax.callee(b, "go") == "time.Duration":
                args = syntax.arguments(b, "go")
                count = number(args[0][1]) if len(args) == 1 else None
            if unit is not None and count is not None:
                return unit * count
        return None
    if op == "/":
        whole, by = written(left, "go", number), number(right)
        return whole / by if whole is not None and by else None
    if op in ("+", "-"):
        a, b = written(left, "go", number), written(right, "go", number)
        if a is not None and b is not None:
            return a + b if op == "+" else a - b
    return None


def _call(node: Any, language: str, number: Number) -> float | None:
    name = syntax.callee(node, language)
    last = name.rsplit(".", 1)[-1]
    args = syntax.arguments(node, language)
    if last in JAVA_DURATION and args and ("Duration" in name or language == "kotlin"
                                            or name.rsplit(".", 2)[-2:-1] in (["Timeout"], ["TimeValue"])):
        n = number(args[0][1])
        return n * JAVA_DURATION[last] if n is not None else None
    if last == "of" and len(args) == 2 and ("Duration" in name or name.rsplit(".", 2)[-2:-1] in (["Timeout"],
                                                                                                 ["TimeValue"])):
        unit = CHRONO.get(syntax.node_text(args[1][1]).rsplit(".", 1)[-1])  # Duration.of(5, ChronoUnit.SECONDS)
        n = number(args[0][1])
        return n * unit if n is not None and unit is not None else None
    if last == "toDuration" and language == "kotlin" and len(args) == 1:
        fn = node.named_children[0] if node.named_children else None  # 5.toDuration(DurationUnit.SECONDS)
        receiver = fn.named_children[0] if fn is not None and fn.type == "navigation_expression" \
            and fn.named_children else None
        unit = CHRONO.get(syntax.node_text(args[0][1]).rsplit(".", 1)[-1])
        n = number(receiver) if receiver is not None else None
        return n * unit if n is not None and unit is not None else None
    if last == "timedelta" and language == "python":
        return timedelta_seconds(args, number)
    if last.startswith("to") and "." in name and len(args) == 1:  # TimeUnit.SECONDS.toMillis(5): 5 s
        unit_name = name.rsplit(".", 2)[-2]
        if unit_name in TIMEUNIT:
            n = number(args[0][1])
            return n * TIMEUNIT[unit_name] if n is not None else None
    if last == "ms" and len(args) == 1 and language in ("javascript", "typescript", "tsx"):  # ms('5s')
        return string_seconds(syntax.node_text(args[0][1]))
    return None


def timedelta_seconds(args: list[tuple[str | None, Any]], number: Number) -> float | None:
    """Seconds of Python's ``timedelta(...)`` from its arguments (keyword, or positional in the
    constructor's order: days, seconds, microseconds, ...), None when one is not a constant."""
    total = 0.0
    for i, (k, v) in enumerate(args):
        key = k if k is not None else (_TIMEDELTA_ORDER[i] if i < len(_TIMEDELTA_ORDER) else None)
        n = number(v)
        if n is None or key not in PY_TIMEDELTA:
            return None
        total += n * PY_TIMEDELTA[key]
    return total
