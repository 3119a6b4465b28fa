"""Retry and timeout constructs, found per language, in one shape the comparison can work on.

Each language module exposes ``scan(source: features.syntax.Source) -> Scan``: every retry
construct (library decorators and policies, hand-written loops that catch a failure and try again),
every timeout/deadline setting, and every network or database call site with whether it carries a
timeout; and ``HOOKS: Hooks``, what the language decides for itself where the comparison asks (every
hook optional, see :class:`Hooks`). ``features.retry_timeout`` compares the scans of the pre- and
post-image of each file and turns the differences into findings. Values are normalised (seconds,
attempts) so that a change from ``timeout=5`` to ``Duration.ofSeconds(30)`` reads as the same kind of
change in every language.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mergeguard.features import syntax
from mergeguard.features.resilience import durations

INFINITE = math.inf
#: the library of a retry or timeout value a scanner saw worked out in code (``val retryAfter =
#: header?.toLongOrNull()?.times(1000)``): a change to how it is computed is a change, while one that
#: comes or goes with new or deleted code is plumbing (``features.retry_timeout._plumbing``)
COMPUTED = "computed"


@dataclass(frozen=True)
class Construct:
    """One retry policy or timeout setting in one image of one file."""

    kind: str  # "retry" | "timeout"
    library: str  # what provides it: "tenacity", "urllib3.Retry", "loop", "context.WithTimeout", "requests", ...
    line: int  # 1-based, in its image
    end_line: int
    scope: str  # qualname of the enclosing function/method/class ("" at module level)
    target: str = ""  # what it applies to when known: the call or setting name ("requests.get", "readTimeout")
    # retry
    attempts: float | None = None  # maximum attempts; INFINITE when unbounded; None when unknown
    backoff: str | None = None  # "exponential" | "fixed" | "none"; None when unknown
    jitter: bool | None = None
    # timeout
    seconds: float | None = None  # normalised; INFINITE for "no timeout" (None/0/infinite where that means none)
    # context for anti-patterns
    method: str | None = None  # HTTP method or operation retried, upper-case ("POST")
    idempotency_key: bool = False  # an idempotency key/header is sent with the retried request
    calls: tuple[str, ...] = ()  # callees inside the retried body (for retry.nested)
    snippet: str = ""  # one line of source, for messages
    value: str = ""  # a setting's value as the code wrote it ("60_000", "5 * time.Second"), for messages
    # a setting's duration where its unit is certain (``durations.of_setting``), for either kind: what two
    # images' values are compared by when both have one, so ``RetryDelayMs: 500`` and
    # ``RetryDelay: 500 * time.Millisecond`` are one wait
    duration: float | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity across pre and post images: what makes 'the same' construct changed rather than new.
        A setting is known by its name without the unit it carries (``durations.unitless``): renamed only
        to carry its unit in its type or its value (``TimeoutMillis`` -> ``Timeout``) it is the same
        setting, and its values are compared by what they mean."""
        if self.library == "setting":
            return (self.kind, self.scope, self.library, durations.unitless(self.target))
        return (self.kind, self.scope, self.library, self.target)


@dataclass(frozen=True)
class NetworkCall:
    """A network or database call site, for ``timeout.missing``."""

    library: str  # "requests", "net/http", "fetch", "okhttp", ...
    callee: str
    line: int
    scope: str
    has_timeout: bool  # the call (or its client, when visible in the same file) sets a timeout
    default_is_unbounded: bool  # the library's own default is no timeout at all
    snippet: str = ""


@dataclass
class Scan:
    constructs: list[Construct] = field(default_factory=list)
    calls: list[NetworkCall] = field(default_factory=list)


@dataclass(frozen=True)
class Hooks:
    """What a language decides for itself where ``features.retry_timeout`` asks: each scanner module
    declares its ``HOOKS``, naming only the hooks it has. A hook left out (None, or False for the flag)
    means the language follows the shared rule; its default is said with each.

    Declared here once, typed, so the orchestration reads one known shape rather than optional module
    attributes by name, and mypy checks each language's functions against these signatures."""

    #: ``keeps_setting(source, setting)``: whether a construct the shared settings scan found in this
    #: image is a setting here (Go: a field of the code's own state is not). Default: every one is.
    keeps_setting: Callable[[syntax.Source, Construct], bool] | None = None
    #: ``recast_setting(source, setting)``: the setting as this language reads it (Python: a timeout-
    #: named total budget of a retry loop is a retry setting). Default: as found.
    recast_setting: Callable[[syntax.Source, Construct], Construct] | None = None
    #: ``layout_only(hunks)``: (removed, added) line numbers of hunks that only re-wrap code, left out of
    #: the changed-logic lines (JS/TS: a formatter's re-wrap; Go: ``for i := 0; i < n; i++`` respelled
    #: ``for i := range n``). Default: none.
    layout_only: Callable[[Any], tuple[set[int], set[int]]] | None = None
    #: whether a construct the change only deleted lines from counts as touched (Go: an error classifier
    #: that lost a case). Default: False, only added lines (and, for setters, the pre-image) count.
    lines_removed_count: bool = False
    #: ``decides_nothing(node)``: a retry/timeout-named name on a changed line whose use decides nothing
    #: (a test of whether it was passed at all, a check that only rejects a bad value). Default: False.
    decides_nothing: Callable[[Any], bool] | None = None
    #: ``decides_too(node)``: a use the shared rule would pass over that decides here (Go's
    #: ``backoffFor = 0``, an options normaliser's output). Default: False.
    decides_too: Callable[[Any], bool] | None = None


#: the hooks of a language that has none of its own
NO_HOOKS = Hooks()


def hooks_of(module: Any) -> Hooks:
    """A scanner module's declared ``HOOKS`` (every scanner declares them; no module, no hooks)."""
    if module is None:
        return NO_HOOKS
    found = module.HOOKS
    if not isinstance(found, Hooks):
        raise TypeError(f"{module.__name__}.HOOKS is not a resilience.Hooks")
    return found


def loop_bound(cond: Any, number: Callable[[Any], float | None]) -> float | None:
    """Attempts a C-style loop condition allows: ``i < 5`` -> 5, ``i <= 5`` -> 6, ``attempt >= MAX``
    -> MAX, ``++i <= 5`` -> 5 (counters start at 0; the caller corrects for another start). ``number`` reads a
    literal or constant in the scanner's language. Same node shape in Java, JavaScript and C#."""
    if cond is None:
        return None
    for n in syntax.walk(cond):
        if n.type == "binary_expression":
            op = syntax.node_text(n.child_by_field_name("operator"))
            right = number(n.child_by_field_name("right"))
            # ``while (++attempt <= max)``: a condition to go on whose counter is stepped before it is
            # compared lets the pass that sees ``max`` be the last (the attempts of ``for (i = 0; i < max;
            # i++)``); an exit test (``if (++attempt >= max) throw``) counts the attempt already made
            ahead = 1 if op in ("<", "<=") and syntax.node_text(n.child_by_field_name("left")).startswith("++") else 0
            if op in ("<", ">=", ">") and right is not None:
                return right - ahead
            if op == "<=" and right is not None:
                return right + 1 - ahead
    return None


#: a loop condition that walks a collection: ``i < prefs.size()``, ``i < hosts.length``, ``i < len(addrs)``
_COLLECTION_BOUND = re.compile(r"\.(size|length|Length|Count|count)\b(\s*\(\s*\))?|\blen\s*\(|\.indices\b|\.lastIndex\b")


def walks_collection(loop: Any) -> bool:
    """Whether a loop steps through a collection (each element once: trying the next host, the next
    auth scheme, the next handler) rather than going round again on the same operation. Falling back
    through alternatives is not a retry, whatever the loop's body catches; a for-each loop is the same
    thing and is skipped by each scanner before it gets here."""
    cond = loop.child_by_field_name("condition")
    if cond is None:  # Kotlin and Go keep the header in unnamed children
        cond = next((c for c in loop.named_children if c.type in ("for_clause", "range_expression", "infix_expression")),
                    None)
        if cond is not None and cond.type == "for_clause":
            cond = cond.child_by_field_name("condition")
    return cond is not None and bool(_COLLECTION_BOUND.search(syntax.node_text(cond)))


class Scanner:
    """What every language's scanner starts from: the image, its lines, the scan it fills and the
    constants it has folded; and how it quotes a line for a message."""

    #: characters of a source line kept as a construct's snippet
    snippet_width = 200

    def __init__(self, source: syntax.Source) -> None:
        self.src = source
        self.lines = source.text.splitlines()
        self.out = Scan()
        self.consts: dict[str, float] = {}

    def _snippet(self, line: int) -> str:
        return self.lines[line - 1].strip()[:self.snippet_width] if 0 < line <= len(self.lines) else ""


class LineScopedScanner(Scanner):
    """The scanners that place constructs by line in the syntax layer's scope map (JavaScript, Java,
    Kotlin, C#) and record retries, timeouts and call sites alike; each says what a retried body
    calls (:meth:`_body_facts`)."""

    def _scope(self, line: int) -> str:
        s = self.src.scope_at(line)
        return s.qualname if s is not None else ""

    def _body_facts(self, body: Any) -> tuple[tuple[str, ...], str | None, bool]:
        """Callees in a retried body, the HTTP method it sends, and whether it sends an idempotency key."""
        raise NotImplementedError

    def _retry(self, node: Any, library: str, target: str, attempts: float | None, backoff: str | None,
               jitter: bool | None, body: Any = None, *, line: int | None = None) -> None:
        line = line or syntax.line_of(node)
        calls, method, idem = self._body_facts(body)
        self.out.constructs.append(Construct(
            "retry", library, line, node.end_point[0] + 1, self._scope(line), target=target, attempts=attempts,
            backoff=backoff, jitter=jitter, method=method, idempotency_key=idem, calls=calls,
            snippet=self._snippet(line)))

    def _timeout(self, node: Any, library: str, target: str, seconds: float | None, *, line: int | None = None,
                 value: str = "") -> None:
        line = line or syntax.line_of(node)
        self.out.constructs.append(Construct(
            "timeout", library, line, node.end_point[0] + 1, self._scope(line), target=target, seconds=seconds,
            snippet=self._snippet(line), value=value))

    def _net(self, node: Any, library: str, callee: str, has_timeout: bool, unbounded: bool) -> None:
        line = syntax.line_of(node)
        self.out.calls.append(NetworkCall(library, callee, line, self._scope(line), has_timeout, unbounded,
                                          self._snippet(line)))


def arith(op: str, a: float, b: float) -> float | None:
    """Constant folding for the operators timeouts are written with (``30 * 1000``, ``2 ** 3``)."""
    try:
        if op == "*":
            return a * b
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "/":
            return a / b if b else None
        if op == "**":
            return float(a ** b)
    except OverflowError:
        return None
    return None


def folded(node: Any, number: Callable[[Any], float | None], negation: str = "unary_expression") -> float | None:
    """A negated number or a binary expression of two numbers folded (``-1``, ``30 * 1000``), in the
    grammars whose binary expression has ``left``, ``operator`` and ``right`` fields (Java, JavaScript,
    C#); ``number`` reads an operand in the scanner's language (a literal, a constant, a nested
    expression), ``negation`` is the grammar's prefix-minus node. None for any other node. Shared, like
    :func:`loop_bound`, because the node shapes are the same in these languages."""
    t = node.type
    if t == negation and syntax.node_text(node).startswith("-") and node.named_children:
        v = number(node.named_children[-1])
        return -v if v is not None else None
    if t == "binary_expression":
        a = number(node.child_by_field_name("left"))
        b = number(node.child_by_field_name("right"))
        op = syntax.node_text(node.child_by_field_name("operator"))
        if a is None or b is None:
            return None
        return arith(op, a, b)
    return None


def applied_value(seconds: float | None, args: Any) -> str:
    """How a timeout *setter* was given a value known only at run time (``setSoTimeout(config.readTimeout)``),
    as written: a setter applies a timeout to a socket, a connection or a client, so it is not a value
    handed on (``features.retry_timeout._plumbing``), and a setter that comes or goes is a timeout that
    comes or goes. Empty when the value is a constant (the settings scanner writes it then)."""
    if seconds is not None:
        return ""
    from mergeguard.features.resilience.settings import bounded  # settings builds on this module

    return bounded(" ".join(" ".join(syntax.node_text(a).split()) for a in args))
