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
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mergeguard.features import syntax
from mergeguard.features.resilience import Construct
from mergeguard.features.resilience.settings import words, wrapped_by

#: what the digest calls the construct's library
LIBRARY = "policy function"

#: function node types per language
FUNCTION_TYPES: dict[str, tuple[str, ...]] = {
    "go": ("function_declaration", "method_declaration"),
    "java": ("method_declaration",),
    "kotlin": ("function_declaration",),
    "csharp": ("method_declaration",),
    # JS/TS: declarations, class and object methods (``retryStrategy(times) {...}`` in an options
    # object), and functions bound to a name (``const shouldRetry = (err) => ...``, ``retryCondition: fn``)
    "javascript": ("function_declaration", "method_definition", "arrow_function", "function_expression"),
}
FUNCTION_TYPES["typescript"] = FUNCTION_TYPES["tsx"] = FUNCTION_TYPES["javascript"]

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
_RETRY_STEM = re.compile(r"retr(y|ies|ied|iable|iab|yable|yabl|ier)")


#: words of a function that checks a configuration rather than applying it: an invalid retry policy
#: rejected instead of ignored retries no more and no less
_VALIDATES = frozenset({"valid", "invalid", "validate", "validates", "validation", "validator", "verify", "sanitize"})


def _wraps(ws: list[str]) -> bool:
    """``doWithRetry``, ``executeWithRetries``, ``callWithBackoff``: a function that runs
    an operation *under* a retry or a timeout. Its body is mostly the operation, and a change to the
    operation is no change to the retrying; the loop or the timeout it applies is a construct of its
    own (the loop scanners, the timeout calls), judged by what it decides."""
    return wrapped_by(ws) in _RETRY_WORDS | _TIMEOUT_WORDS | {"retries", "backoff", "back", "timeouts"}


def classify(name: str) -> str | None:
    """``"retry"``, ``"timeout"`` or None for a function's own name (``Type.method``: the method)."""
    last = name.rsplit(".", 1)[-1].lstrip("_")
    ws = words(last)
    if not ws or ws[0] in _NOT_FIRST or any(w in _NOT_POLICY or w in _VALIDATES for w in ws) or _wraps(ws):
        return None
    joined = last.lower()
    if any(w in _RETRY_WORDS for w in ws) or "backoff" in joined or _RETRY_STEM.search(joined):
        return "retry"  # maxretries, doretry; not retransmitLimit (gossip fan-out), retrieve, retract
    if (any(w in _TIMEOUT_WORDS for w in ws) or "timeout" in joined) and any(w in _TIMEOUT_CODEC for w in ws) \
            and not any(w in _TIMEOUT_NOT for w in ws):
        return "timeout"  # decodeTimeout, parseDeadline: how a timeout setting or header is read
    return None


#: tokens that carry no decision: grouping, member access, separators, plain assignment, receivers
_LAYOUT = frozenset({"(", ")", "[", "]", "{", "}", ".", ",", ";", ":", "=", ":=", '"', "'", "`", "?.", "::", "->",
                     "=>", "@", "this", "self", "super", "\n"})
_NAMES = frozenset({"identifier", "field_identifier", "type_identifier", "simple_identifier", "package_identifier",
                    "this", "self", "super", "this_expression", "super_expression",
                    # JS/TS only: ``options.retry.limit``, ``this.#retryCount``, ``{timeout}``
                    "property_identifier", "private_property_identifier", "shorthand_property_identifier",
                    "shorthand_property_identifier_pattern"})
#: names that *are* a decision: an error or exception class, a sentinel error, a constant
_DECISIVE_NAME = re.compile(r"^(Err[A-Z_]|err[A-Z])|(Error|Exception|Exceeded|Canceled|Cancelled|EOF)$"
                            r"|^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^[A-Z]{3,}$")


#: nodes that only say what type something has: generics, modifiers, annotations, primitive types
_TYPE_ONLY = frozenset({"type_arguments", "type_argument_list", "type_parameters", "type_parameter_list",
                        "modifiers", "annotation", "marker_annotation", "integral_type", "floating_point_type",
                        "boolean_type", "void_type", "predefined_type", "implicit_type", "type_constraints"})
#: declarations whose ``type`` child is typing, not a decision (a ``catch``'s or an ``instanceof``'s type
#: is a decision and is kept)
_DECLARES = frozenset({"local_variable_declaration", "field_declaration", "formal_parameter", "spread_parameter",
                       "variable_declaration", "parameter", "var_declaration", "var_spec", "parameter_declaration",
                       "property_declaration", "local_declaration_statement"})
_KOTLIN_TYPES = frozenset({"user_type", "nullable_type", "function_type"})


def _typing(n) -> bool:
    """Whether ``n`` only states a type: ``List<Class<? extends IOException>>``, ``final``, ``@Suppress``,
    the declared type of a variable or parameter, ``int`` widened to ``long``. Typing a value anew
    changes no decision; the type a ``catch``, an ``instanceof`` or a Kotlin ``is`` tests is kept."""
    if n.type in _TYPE_ONLY:
        return True
    p = n.parent
    if p is None or p.type not in _DECLARES:
        return False
    return p.child_by_field_name("type") == n or n.type in _KOTLIN_TYPES


def decisions(body, language: str, *, messages: bool = True, said: bool = True) -> list[str]:
    """The tokens of a body that decide something: literals (a status code, an error's text, a
    bound), operators and comparisons, keywords (``return``, ``if``, ``case``, ``break``), and the names
    of errors, exceptions and constants. Plain names are left out, so renaming a variable, a type or a
    helper, adding parentheses, or reading a field through a getter changes nothing; so does a
    bare call statement with no arguments (``preExecute();``), and so does typing (generics,
    ``final``, annotations, declared types: :func:`_typing`; a Python annotation). ``said=False``
    leaves out log, print and error-message calls (what a function says, not what it decides);
    ``messages=False`` also leaves out every string."""
    out: list[str] = []
    stack = [body]
    calls = syntax.CALL_TYPES.get(language, frozenset())
    said = said and messages
    while stack:
        n = stack.pop()
        if syntax.is_comment(n) or _typing(n) or (language == "python" and n.type == "type"):
            continue  # (Python: an annotation, ``r: "BaseRetrying"``, ``-> WrappedFn``, types nothing it decides)
        if language in _TS and n.type in _TS_TYPING and n.named_children:
            stack.append(n.named_children[0])  # ``(error as GotError).code as ErrorCode``: the value, not its type
            continue
        if language in _JS_TS and n.type == "call_expression" and (guard := _type_guard(n)):
            out.extend(("instanceof", guard))  # ``isTimeoutError(error)`` is ``error instanceof TimeoutError``
            continue
        if not messages and syntax.is_string(n):
            continue
        if not said and n.type in calls and MESSAGE_CALL.search(syntax.callee(n, language) or ""):
            continue
        if n.child_count == 0:
            text = syntax.node_text(n)
            if not text.strip() or text in _LAYOUT:
                continue
            if n.type in ("else", "elif") and _after_leaving_branches(n):
                if n.type == "elif":
                    out.append("if")
                continue  # ``else`` after a ``return`` (a lint's no-else-return rewrite) decides nothing
            if n.type in _NAMES and not _DECISIVE_NAME.search(text) and not _bounds_or_draws(n, text, calls, language):
                continue
            out.append(_DIGIT_SEPARATOR.sub("", text) if text[:1].isdigit() else text)  # 60_000 is 60000
            continue
        stack.extend(reversed(n.children))
    return out


#: a digit separator inside a number (``60_000``, ``1_000L``): layout, the same number as ``60000``
_DIGIT_SEPARATOR = re.compile(r"(?<=[0-9a-fA-F])_+(?=[0-9a-fA-F])")
#: called functions whose name is the decision: a cap, a floor, a growth or a random draw
#: (``Math.min(max, delay)``, ``minOf``, ``coerceAtMost``, ``Math.pow``, ``rand.Int63n``, ``nextLong``)
_MATH = frozenset({"min", "max", "Min", "Max", "minOf", "maxOf", "coerceAtMost", "coerceAtLeast", "coerceIn",
                   "pow", "Pow", "exp", "Exp", "floor", "ceil", "Floor", "Ceil", "random", "Random", "nextInt",
                   "nextLong", "nextDouble", "nextFloat", "Intn", "Int63n", "Int31n", "Int63", "Float64",
                   "ExpFloat64", "randint", "uniform"})
_MEMBER = frozenset({"selector_expression", "member_expression", "field_access", "navigation_suffix",
                     "navigation_expression", "attribute", "method_invocation"})


def _bounds_or_draws(n, text: str, calls: frozenset[str], language: str) -> bool:
    """Whether a name is the function a call invokes to cap, floor, grow or randomise a value
    (``Math.min(max, delay)``, ``delay.coerceAtMost(cap)``, ``rand.Int63n(n)``): plain names are left out
    of a digest so that renames change nothing, but a cap or a jitter added to a backoff through such a
    call is a new decision, as ``if d > max { d = max }`` is. Only the callee, not a variable of that name.
    A Kotlin infix function (``base shl attempt``, ``delay coerceAtMost cap``) is an operator: kept."""
    p = n.parent
    if p is not None and p.type == "infix_expression" and len(p.named_children) == 3 and p.named_children[1] == n:
        return True
    if text not in _MATH:
        return False
    node = n
    for _ in range(3):
        p = node.parent
        if p is None:
            return False
        if p.type in calls:
            return (syntax.callee(p, language) or "").rsplit(".", 1)[-1] == text
        if p.type not in _MEMBER:
            return False
        node = p
    return False


#: statements that leave a branch: whatever follows the ``if`` runs only when the branch was not taken
_LEAVES = frozenset({"return_statement", "raise_statement", "throw_statement", "continue_statement",
                     "break_statement"})


def _after_leaving_branches(keyword) -> bool:
    """Whether an ``else``/``elif`` keyword (Python, JS/TS) follows branches that all end by leaving
    (``return``, ``raise``, ``throw``, ``continue``, ``break``): ``if x: return a`` then ``else: return b``
    decides what ``if x: return a`` then ``return b`` decides, so a no-else-return rewrite is no change."""
    clause = keyword.parent
    if clause is None or clause.type not in ("else_clause", "elif_clause") or clause.children[0] != keyword:
        return False
    stmt = clause.parent
    if stmt is None or stmt.type != "if_statement":
        return False
    consequence = stmt.child_by_field_name("consequence")
    for branch in stmt.children:
        if branch == clause:
            return True
        if branch == consequence:
            body = branch
        elif branch.type == "elif_clause":
            body = branch.child_by_field_name("consequence")
        else:
            continue
        if not _leaves(body):
            return False
    return False


def _leaves(body) -> bool:
    if body is None:
        return False
    if body.type in ("block", "statement_block"):
        stmts = [c for c in body.named_children if not syntax.is_comment(c)]
        return bool(stmts) and stmts[-1].type in _LEAVES
    return body.type in _LEAVES


_JS_TS = frozenset({"javascript", "typescript", "tsx"})
_TS = frozenset({"typescript", "tsx"})
#: TypeScript expressions that only restate a type: ``x as T``, ``x satisfies T``, ``x!``
_TS_TYPING = frozenset({"as_expression", "satisfies_expression", "non_null_expression"})
_GUARD = re.compile(r"^is([A-Z]\w*(Error|Exception))$")


def _type_guard(call) -> str | None:
    """``isHTTPError(error)``: a type guard named for an error class tests what ``error instanceof
    HTTPError`` tests; the class it names, or None."""
    fn = call.child_by_field_name("function")
    args = call.child_by_field_name("arguments")
    if fn is None or fn.type != "identifier" or args is None or len(args.named_children) != 1:
        return None
    m = _GUARD.match(syntax.node_text(fn))
    return m.group(1) if m else None


_TEST_MARK = re.compile(r"@(Test|ParameterizedTest|RepeatedTest)\b|\[(Fact|Theory|Test|TestMethod|TestCase)\b")


#: calls that say something rather than decide it: logging, printing, formatting an error message
MESSAGE_CALL = re.compile(r"(?i)(^|\.)(log\w*|logger|print\w*|debug\w*|info\w*|warn\w*|trace\w*|errorf|sprintf"
                           r"|fatal\w*|format|newf?|wrapf?)$")


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


#: leading words of a question asked of an object's state
_QUESTION = frozenset({"is", "has", "was"})


def _accessor(node, name: str) -> bool:
    """``isRetry()``, ``hasRetries()`` with no arguments and a one-statement body: a question about the
    state an execution is in (is this attempt a retry?), which reports a decision rather than making
    it. With an argument (``isRetryable(err)``) it decides about what it is given, and ``canRetry()``,
    ``shouldRetry()``, ``isRetryable()`` decide whether to go on: those stay policies."""
    ws = words(name.rsplit(".", 1)[-1].lstrip("_"))
    if not ws or ws[0] not in _QUESTION or _arity(node) != 0 or any(w.endswith(("able", "ible")) for w in ws):
        return False
    body = _body(node)
    if body is not None and body.type == "function_body":
        body = next((c for c in body.named_children if c.type == "block"), body)
    stmts = [c for c in (body.named_children if body is not None else []) if not syntax.is_comment(c)]
    return len(stmts) <= 1


def scan(source: syntax.Source, names=None) -> list[Construct]:
    """One construct per retry- or timeout-policy function of ``source`` that decides something (a
    getter, a setter or a function that only delegates has no decision of its own and is left out).
    ``names`` classifies a function's name instead of :func:`classify` (a language's own vocabulary)."""
    classify_name = names or classify
    types = FUNCTION_TYPES.get(source.language)
    if not types:
        return []
    out = []
    for node in syntax.nodes_of_types(source.root, source.language, types):
        name = syntax.scope_name(node, source.language)
        kind = classify_name(name) if name else None
        body = _body(node) if kind is not None else None
        if kind is None or body is None:
            continue  # not a policy, or an interface or abstract method: no code of its own
        outer = syntax.qualname_at(node, source.language)
        if outer.rsplit(".", 1)[-1] == name:
            continue  # a constructor: wiring, its defaults are settings
        if {"test", "tests", "spec"} & set(words(outer)) or _TEST_MARK.search(syntax.node_text(node)[:300]):
            continue  # a test named after what it tests
        if _accessor(node, name):
            continue
        tokens = decisions(body, source.language, said=False)
        if not any(t != "return" for t in tokens):
            continue
        line = syntax.line_of(node)
        # no snippet: the same decisions ported to another file or language are a move, not a change
        target = f"{outer}.{name}" if outer else name
        if source.language != "go":  # overloads: retryOn(Class) beside retryOn(List) is another function
            target += f"/{_arity(node)}"
        out.append(Construct(kind, LIBRARY, line, node.end_point[0] + 1, "", target=target, value=decision_value(tokens)))
    return out


def with_loop_digests(source: syntax.Source, constructs: list[Construct]) -> list[Construct]:
    """Hand-written retry loops valued by what they decide (``decisions`` without messages), so that
    a loop that now stops on a permanent error or on cancellation, or waits through a ``select``
    instead of a sleep, differs from the loop before it, while a rename or a new log line does not."""
    out = []
    for c in constructs:
        if c.kind == "retry" and c.library == "loop" and not c.value:
            node = spanning(source, c.line, c.end_line)
            if node is not None:
                c = replace(c, value=loop_digest(node, source.language))
        out.append(c)
    return out


def loop_digest(body, language: str, keep: Callable[[Any], bool] | None = None) -> str:
    """The digest ``with_loop_digests`` gives a loop, for a retry loop whose body is a lambda the loop
    scan does not enter (Kotlin's ``repeat(n) { … }``): the body is read as the loop. ``keep`` (a
    language's own) says which conditions an exit sits under decide the retry; an exit whose every
    condition it rejects is left out (Go: what a pass does with the data it got)."""
    return decision_value(_exits(body, language, keep))


#: what ends a pass of a loop, or makes it wait, per grammar
_EXIT_TYPES = frozenset({"return_statement", "break_statement", "continue_statement", "throw_statement",
                         "return_expression", "jump_expression", "throw_expression", "communication_case",
                         "yield_statement"})
_NESTED = frozenset({"func_literal", "lambda_expression", "lambda_literal", "anonymous_function",
                     "class_declaration", "object_declaration", "anonymous_class_body", "class_body",
                     "local_function_statement"})
_WAIT = re.compile(r"(?i)(^|\.)(sleep|after|delay|await\w*|wait\w*|park\w*)$")
_CONDITIONS = frozenset({"if_statement", "if_expression", "when_entry", "switch_case", "expression_case",
                         "switch_section", "catch_clause", "type_case"})


def _exits(loop, language: str, keep: Callable[[Any], bool] | None = None) -> list[str]:
    """What decides whether a loop goes round again: each statement that leaves it, skips to the next
    pass or waits, with the conditions it sits under (``if err == ErrPermanent { return }``, a
    ``select`` case on ``ctx.Done()``, ``Thread.sleep(backoff)``). The rest of the body (what each
    attempt does, what it logs, how it builds its error) is not the retry."""
    calls = syntax.CALL_TYPES.get(language, frozenset())
    out: list[str] = []
    for n in syntax.walk_within(loop, _NESTED):
        waits = n.type in calls and _WAIT.search(syntax.callee(n, language) or "")
        if n.type not in _EXIT_TYPES and not waits:
            continue
        if not waits and (_chooses_how_to_leave(n, loop) or (
                language in _EITHER_WAY_LANGUAGES and _leaves_either_way(n, loop))):
            continue
        if keep is not None and not waits and not _kept(n, loop, keep):
            continue
        out.append(n.type if not waits else "wait")
        if n.type in ("jump_expression", "communication_case") or waits:
            head = n.child_by_field_name("communication") if n.type == "communication_case" else n
            out.extend(decisions(head, language, messages=False) if head is not None else [])
        p = n.parent
        while p is not None and p != loop:
            if p.type in _CONDITIONS:
                cond = _condition_of(p)
                if cond is not None and not (cond.start_byte <= n.start_byte < cond.end_byte):
                    out.append("|")
                    out.extend(decisions(cond, language, messages=False))
            p = p.parent
        out.append(";")
    return out


def _condition_of(branch):
    """The condition a branch (``if``, ``when`` entry, ``case``) is taken under, in whichever field its
    grammar keeps it."""
    return (branch.child_by_field_name("condition") or branch.child_by_field_name("value")
            or branch.child_by_field_name("type") or (branch.named_children[0] if branch.named_children else None))


def _kept(exit_node, loop, keep: Callable[[Any], bool]) -> bool:
    """Whether an exit stays in a loop's digest: it sits under no condition, or under one ``keep`` accepts."""
    conds = []
    p = exit_node.parent
    while p is not None and p != loop:
        if p.type in _CONDITIONS:
            cond = _condition_of(p)
            if cond is not None and not (cond.start_byte <= exit_node.start_byte < cond.end_byte):
                conds.append(cond)
                init = p.child_by_field_name("initializer")  # Go: if e, ok := err.(*PermanentError); ok
                if init is not None:
                    conds.append(init)
        p = p.parent
    return not conds or any(keep(c) for c in conds)


def _chooses_how_to_leave(exit_node, loop) -> bool:
    """Whether ``exit_node`` sits in a branch that is followed, in its own block, by an unconditional
    exit of the same kind (``if lastErrorOnly { return err }; return errs``): the branch picks what to
    return, not whether to stop."""
    p = exit_node.parent
    while p is not None and p != loop:
        if p.type in _CONDITIONS or p.type in ("if_statement", "expression_switch_statement", "switch_expression",
                                               "select_statement", "when_expression", "try_statement"):
            after = p.next_named_sibling
            while after is not None:
                if after.type == exit_node.type or (after.type == "expression_statement" and after.named_children
                                                    and after.named_children[0].type == exit_node.type):
                    return True
                after = after.next_named_sibling
        p = p.parent
    return False


#: languages whose loop digests read an if/else that exits the same way in both branches as choosing how to
#: leave (Java/Kotlin, round 6; other languages may opt in once their dev figures are checked)
_EITHER_WAY_LANGUAGES = frozenset({"java", "kotlin"})


def _leaves_either_way(exit_node, loop) -> bool:
    """Whether ``exit_node`` sits in an ``if``/``else`` each of whose branches ends in an exit of the same
    kind (``if (unwrap && cause != null) { throw cause; } else { throw e; }``): the branch picks what leaves
    the loop, not whether it leaves, as in :func:`_chooses_how_to_leave`."""
    p = exit_node.parent
    while p is not None and p != loop:
        if p.type in ("if_statement", "if_expression"):
            alt = p.child_by_field_name("alternative")
            cons = p.child_by_field_name("consequence")
            if alt is None or cons is None:  # Kotlin keeps both branches unnamed: the blocks after the condition
                blocks = [c for c in p.named_children if c.type in ("block", "control_structure_body")
                          or c.type in _EXIT_TYPES or c.type == "expression_statement"]
                cons, alt = (blocks[0], blocks[-1]) if len(blocks) == 2 else (None, None)
            if cons is not None and alt is not None and _ends_in(cons, exit_node.type) \
                    and _ends_in(alt, exit_node.type):
                return True
        p = p.parent
    return False


def _ends_in(branch, exit_type: str) -> bool:
    """Whether a branch's last statement is an exit of ``exit_type`` (the branch itself, a block ending in
    one, or an ``else if`` both of whose branches do)."""
    if branch.type == exit_type:
        return True
    if branch.type == "expression_statement" and branch.named_children:
        return branch.named_children[0].type == exit_type
    if branch.type in ("if_statement", "if_expression"):
        alt = branch.child_by_field_name("alternative")
        cons = branch.child_by_field_name("consequence")
        return cons is not None and alt is not None and _ends_in(cons, exit_type) and _ends_in(alt, exit_type)
    stmts = [c for c in branch.named_children if not syntax.is_comment(c)]
    if branch.type in ("block", "control_structure_body", "statements") and stmts:
        return _ends_in(stmts[-1], exit_type)
    return False


def spanning(source: syntax.Source, line: int, end_line: int):
    """The outermost node that starts on ``line`` and ends on ``end_line``."""
    node = syntax.node_at_indent(source.root, source.lines(), line)
    found = None
    while node is not None and node.start_point[0] >= line - 1:
        if node.start_point[0] == line - 1 and node.end_point[0] == end_line - 1:
            found = node
        node = node.parent
    return found


def loop_decisions(loop, language: str) -> list[str]:
    """What decides whether ``loop`` goes round again (:func:`_exits`), for scanners that value their
    loops themselves (JavaScript adds the delays it reads from its timers)."""
    return _exits(loop, language)


def decision_value(tokens: list[str]) -> str:
    """The value of a construct valued by what it decides: ``#`` and a short stable digest of its
    decision tokens. ``retry_timeout._differs`` compares two such values as decisions, not text."""
    return "#" + hashlib.sha1("\0".join(tokens).encode("utf-8", "replace")).hexdigest()[:12]


def delegates_decision(loop, language: str) -> bool:
    """Whether a loop asks a strategy object whether to go round again (``retryHandler.retryRequest(ex,
    count, ctx)``, ``retryStrategy.shouldRetry(...)``): the object is pluggable and may wait, so the
    loop's own lack of a sleep says nothing about its backoff."""
    for c in syntax.calls(loop, language):
        name = syntax.callee(c, language) or ""
        receiver, _, method = name.rpartition(".")
        if receiver and receiver not in ("this", "self", "super") and classify(method) == "retry":
            return True
    return False
