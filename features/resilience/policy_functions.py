"""Functions that *are* a retry or timeout policy, for the Go, Java, Kotlin and C# scanners.

Most of what a client library changes in how it retries is not a retry call or a loop: it is the
body of a function whose name says what it decides (``shouldRetry``, ``DefaultRetryPolicy``,
``LinearJitterBackoff``, ``isRetryableException``, ``NextBackOff``) or how long something waits
(``decodeTimeout``, ``SetReadTimeout``, ``connectTimeoutMillis``). Which errors are retried, how the
next delay is computed, how a timeout header is parsed: all of it lives there, usually with no
retry- or timeout-named variable on the changed line. Each such function becomes one construct whose
``value`` is a digest of its code without comments and layout, so that

- a change to its body is a change to the policy (``features.retry_timeout`` reports a differing
  digest as ``retry.changed``/``timeout.changed``);
- a comment, a re-indent or a move of the whole function (same digest) is no change;
- a hook or a message (``onRetry``, ``logRetry``, ``isTimeout(err)``, ``RetryError.Error``) is not a
  policy: it decides nothing about whether or how long to retry or wait.

The construct's ``scope`` is empty on purpose: it is the function itself, not something inside one,
so it never counts as "a retrying function" for ``retry.nested`` (a retry loop calling
``shouldRetry`` does not retry twice).
"""

from __future__ import annotations

import hashlib
import re

from mergeguard.features import syntax
from mergeguard.features.resilience import Construct
from mergeguard.features.resilience.settings import words

#: what the digest calls the construct's library
LIBRARY = "policy function"

#: function node types per language
FUNCTION_TYPES: dict[str, tuple[str, ...]] = {
    "go": ("function_declaration", "method_declaration"),
    "java": ("method_declaration",),
    "kotlin": ("function_declaration",),
    "csharp": ("method_declaration",),
}

#: words that make a retry/timeout-named function a hook, a message or plumbing, not a policy
_NOT_POLICY = frozenset({"log", "logger", "logging", "string", "format", "metric", "metrics", "test", "tests",
                         "mock", "fake", "name", "message", "msg", "print", "debug", "trace", "event", "events",
                         "listener", "listeners", "stats", "report", "describe", "hash", "equals", "copy", "clone",
                         "callback", "handler", "hook", "hooks", "notify", "count", "counter", "elapsed", "exceeded",
                         "expired", "state", "stat", "id", "key", "context", "ctx", "value", "values", "config",
                         "builder", "options", "opts", "option", "settings", "unit", "units"})
#: leading words of a hook or an accessor rather than a decision
_NOT_FIRST = frozenset({"on", "handle", "to", "log", "print", "test", "emit", "fire", "notify", "record", "has",
                        "was", "did"})
#: timeout functions that classify a failure (``isTimeout(err)``, ``timeoutError()``), not a wait
_TIMEOUT_NOT = frozenset({"error", "err", "errors", "exception", "exceptions", "is", "cause", "fail", "failure",
                          "timer", "timers", "ticker"})

#: a timeout function that reads or writes a timeout's value (a getter or setter only hands it on)
_TIMEOUT_CODEC = frozenset({"parse", "decode", "encode", "compute", "calculate", "calc", "convert", "normalize",
                            "normalise", "clamp", "effective", "remaining", "split"})
_RETRY_WORDS = frozenset({"retry", "retries", "retrying", "retryable", "retriable", "backoff", "reconnect",
                          "redial", "retrier"})
_TIMEOUT_WORDS = frozenset({"timeout", "timeouts", "deadline"})


def classify(name: str) -> str | None:
    """``"retry"``, ``"timeout"`` or None for a function's own name (``Type.method``: the method)."""
    last = name.rsplit(".", 1)[-1].lstrip("_")
    ws = words(last)
    if not ws or ws[0] in _NOT_FIRST or any(w in _NOT_POLICY for w in ws):
        return None
    joined = last.lower()
    if any(w in _RETRY_WORDS for w in ws) or "backoff" in joined or "retr" in joined.replace("retrieve", "") \
            .replace("retract", "").replace("retrofit", "").replace("retro", ""):
        return "retry"
    if (any(w in _TIMEOUT_WORDS for w in ws) or "timeout" in joined) and any(w in _TIMEOUT_CODEC for w in ws) \
            and not any(w in _TIMEOUT_NOT for w in ws):
        return "timeout"  # decodeTimeout, parseDeadline: how a timeout setting or header is read
    return None


#: tokens that carry no decision: grouping, member access, separators, plain assignment, receivers
_LAYOUT = frozenset({"(", ")", "[", "]", "{", "}", ".", ",", ";", ":", "=", ":=", '"', "'", "`", "?.", "::", "->",
                     "=>", "@", "this", "self", "super", "\n"})
_NAMES = frozenset({"identifier", "field_identifier", "type_identifier", "simple_identifier", "package_identifier",
                    "this", "self", "super", "this_expression", "super_expression"})
#: names that *are* a decision: an error or exception class, a sentinel error, a constant
_DECISIVE_NAME = re.compile(r"^(Err[A-Z_]|err[A-Z])|(Error|Exception|Exceeded|Canceled|Cancelled|EOF)$"
                            r"|^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^[A-Z]{3,}$")


def decisions(body) -> list[str]:
    """The tokens of a body that decide something: literals (a status code, an error's text, a
    bound), operators and comparisons, keywords (``return``, ``if``, ``case``, ``break``), and the names
    of errors, exceptions and constants. Plain names are left out, so renaming a variable, a type or a
    helper, adding parentheses, or reading a field through a getter changes nothing; so does a
    bare call statement with no arguments (``preExecute();``)."""
    out: list[str] = []
    stack = [body]
    while stack:
        n = stack.pop()
        if syntax.is_comment(n):
            continue
        if n.child_count == 0:
            text = syntax.node_text(n)
            if not text.strip() or text in _LAYOUT:
                continue
            if n.type in _NAMES and not _DECISIVE_NAME.search(text):
                continue
            out.append(text)
            continue
        stack.extend(reversed(n.children))
    return out


_TEST_MARK = re.compile(r"@(Test|ParameterizedTest|RepeatedTest)\b|\[(Fact|Theory|Test|TestMethod|TestCase)\b")


def _arity(node) -> int:
    params = node.child_by_field_name("parameters") or next(
        (c for c in node.named_children if c.type in ("function_value_parameters", "parameter_list",
                                                      "formal_parameters")), None)
    return sum(1 for c in params.named_children if not syntax.is_comment(c)) if params is not None else 0


def _body(node):
    body = node.child_by_field_name("body")
    if body is None:
        body = next((c for c in node.named_children if c.type == "function_body"), None)
    return body


def scan(source: syntax.Source) -> list[Construct]:
    """One construct per retry- or timeout-policy function of ``source`` that decides something (a
    getter, a setter or a function that only delegates has no decision of its own and is left out)."""
    types = FUNCTION_TYPES.get(source.language)
    if not types:
        return []
    out = []
    for node in syntax.nodes_of_types(source.root, source.language, types):
        name = syntax.scope_name(node, source.language)
        kind = classify(name) if name else None
        body = _body(node) if kind is not None else None
        if body is None:
            continue  # an interface or abstract method: no code of its own
        outer = syntax.qualname_at(node, source.language)
        if outer.rsplit(".", 1)[-1] == name:
            continue  # a constructor: wiring, its defaults are settings
        if {"test", "tests", "spec"} & set(words(outer)) or _TEST_MARK.search(syntax.node_text(node)[:300]):
            continue  # a test named after what it tests
        tokens = decisions(body)
        if not any(t != "return" for t in tokens):
            continue
        digest = hashlib.sha1("\0".join(tokens).encode("utf-8", "replace")).hexdigest()[:12]
        line = syntax.line_of(node)
        # no snippet: the same decisions ported to another file or language are a move, not a change
        target = f"{outer}.{name}" if outer else name
        if source.language != "go":  # overloads: retryOn(Class) beside retryOn(List) is another function
            target += f"/{_arity(node)}"
        out.append(Construct(kind, LIBRARY, line, node.end_point[0] + 1, "", target=target, value=f"#{digest}"))
    return out
