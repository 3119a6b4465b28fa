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
#: waits that, given one ``Duration``, are a consumer's poll period rather than a bound (Kafka
#: ``consumer.poll(Duration.ofMillis(100))`` in a loop): only their ``(n, unit)`` queue forms are waits
POLLS = frozenset({"poll", "offer"})
#: a type that is a retry, backoff or timeout policy by its name, and the suffixes of one that is not (an
#: exception thrown, an event or a context reported, a listener)
_POLICY_OBJECT = re.compile(r"(Retr(y|ies|ier|yer)|Back[oO]ff|Reconnect\w*(Policy|Strategy)|Timeout|Deadline)")
_NOT_POLICY_OBJECT = re.compile(r"(Exception|Error|Event|Listener|Context|Stats|Metrics|State|Callback|Task"
                                r"|Future|Result|Response|Request|Timer|Executor)$")


def policy_object_kind(type_name: str) -> str | None:
    """``retry`` or ``timeout`` for a policy type's simple name (``Retryer.Default``: its outer type), or None."""
    if not type_name or _NOT_POLICY_OBJECT.search(type_name) or not _POLICY_OBJECT.search(type_name):
        return None
    return "timeout" if re.search(r"Timeout|Deadline", type_name) and not re.search(
        r"Retr(y|ies|ier|yer)|Back[oO]ff|Reconnect", type_name) else "retry"


def policy_object_value(readings: list[tuple[float | None, float | None]], args: list,
                        names: list[str] | None = None) -> tuple[str, float | None] | None:
    """What a policy object built from its arguments is valued by (Java ``new ExponentialBackoff(100, 2.0,
    30000)``, Kotlin ``RetryPolicy(maxAttempts = 3, delay = 500.milliseconds)``): each argument as the
    number (``5``) or the duration (``0.5s``) the scanner read it as, in the order given (``readings``:
    number, seconds), as written where it read neither, with its name where it has one; and the first
    duration's seconds. None when no argument is a constant: built only from run-time values, the object
    hands them on and decides nothing here."""
    folded = [f"{n:g}" if n is not None else f"{secs:.6g}s" if secs is not None else None for n, secs in readings]
    if all(v is None for v in folded):
        return None
    parts = [v if v is not None else settings.normalise(syntax.node_text(a)) for v, a in zip(folded, args, strict=True)]
    if names is not None:
        parts = [f"{n}={p}" for n, p in zip(names, parts, strict=True)]
    seconds = next((float(v[:-1]) for v in folded if v is not None and v.endswith("s")), None)
    return settings.bounded(",".join(parts)), seconds


def given_to_strategy(node, language: str) -> bool:
    """Whether a policy object is the argument of a strategy setter (``setRetryStrategy(new X(...))``,
    ``retryer(new Retryer.Default(...))``): that setter's own construct values it already."""
    p = node.parent
    for _ in range(5):
        if p is None:
            return False
        if p.type in _JVM_CALLS and p is not node:
            name = syntax.callee(p, language).rsplit(".", 1)[-1]
            return bool(STRATEGY.search(name))
        p = p.parent
    return False


_LOOP_TYPES = frozenset({"for_statement", "enhanced_for_statement", "while_statement", "do_statement",
                         "do_while_statement"})
_BODY_EDGE = frozenset({"method_declaration", "constructor_declaration", "function_declaration", "lambda_expression",
                        "lambda_literal", "class_body", "anonymous_function"})


def polls_in_a_loop(node, name: str) -> bool:
    """``while (running) { Event e = queue.poll(100, MILLISECONDS); if (e != null) handle(e); }``: a queue's
    ``poll`` with a time, made inside a loop of the same method, paces the loop (a consumer checks its
    stop flag between polls) rather than giving up on anything; the labelling rules read such a block
    time as a poll duration, not a timeout. Outside a loop the same call is a bounded wait."""
    return name == "poll" and syntax.has_ancestor(node, _LOOP_TYPES, stop=_BODY_EDGE)


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


def handed_on(node, name: str, arg) -> bool:
    """A retry strategy handed from one builder to another as it came (``public Builder retryer(Retryer
    retryer) { delegate.retryer(retryer); }``, ``AsyncFeign.builder().retryer(retryer).logger(logger)`` copying
    the builder's own fields): which strategy is used is decided where the value is made, not here."""
    if arg is None:
        return False
    if arg.type in ("field_access", "navigation_expression") and syntax.node_text(arg).startswith("this."):
        arg = arg.child_by_field_name("field") or arg.named_children[-1]
    if arg.type not in ("identifier", "simple_identifier"):
        return False
    value = syntax.node_text(arg).lower()
    return passed_through(node, arg) or value == _SETTER_PREFIX.sub("", name).lower()


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
    bookkeeping (``retryInfo``). A ``retryAfter`` value is the delay before the next attempt (the HTTP
    ``Retry-After`` header), a backoff."""
    if settings.bookkeeping(name):
        return None
    if retry_after(name):
        return "retry"
    return settings.classify(name)


def retry_after(name: str) -> bool:
    """``retryAfter``, ``retryAfterMillis``: the delay the server asked for before the next attempt. How it is
    read (seconds or milliseconds, capped or not) is the retry's delay, even when it is read without
    arithmetic (``header?.toLongOrNull()``)."""
    return settings.words(name)[:2] == ["retry", "after"]


def called_name(call, language: str) -> str:
    """The dotted callee of a call, also where tree-sitter-kotlin reads a negated call ``!retryAfterFailure()``
    as a call *of* ``!retryAfterFailure`` (its callee then has no name of its own): the name negated."""
    name = syntax.callee(call, language)
    if name or language != "kotlin" or not call.named_children:
        return name
    head = call.named_children[0]
    if head.type == "unary_expression" and syntax.node_text(head).startswith("!") and head.named_children:
        inner = head.named_children[-1]
        if inner.type in ("identifier", "simple_identifier", "navigation_expression"):
            return re.sub(r"\s|\?", "", syntax.node_text(inner)).removeprefix("this.")
    return name


def asks_policy(call, language: str) -> bool:
    """Whether a call in a condition asks something of a retry policy (``retryHandler.retryRequest(ex, n,
    ctx)``, ``canRetry()``) rather than reading a value through a getter (``config.getPropagationPolicy()``)."""
    name = called_name(call, language).rsplit(".", 1)[-1]
    has_args = bool(syntax.arguments(call, language))
    return bool(re.search(r"(?i)retr|attempt|backoff|recover", name)) or (
        has_args and not re.match(r"^(get|is|has)[A-Z]", name))


#: calls asking whether another alternative is left to try (the next route, address or element)
_MORE_LEFT = frozenset({"hasNext", "hasMoreElements"})


def _functions_of(root, language: str) -> dict[str, list]:
    """The functions (methods) a file declares, by name: their bodies, every overload."""
    out: dict[str, list] = {}
    for n in syntax.walk_code(root):
        if n.type == "method_declaration":
            name, body = n.child_by_field_name("name"), n.child_by_field_name("body")
        elif n.type == "function_declaration":
            name = next((c for c in n.named_children if c.type in ("identifier", "simple_identifier")), None)
            body = next((c for c in n.named_children if c.type == "function_body"), None)
        else:
            continue
        if name is not None and body is not None:
            out.setdefault(syntax.node_text(name), []).append(body)
    return out


def _exit_conditions(catch, language: str) -> list:
    """The conditions under which a retry loop's ``catch`` throws (``if (!recover(e)) throw e``)."""
    out = []
    for n in syntax.walk(catch):
        if n.type not in ("if_statement", "if_expression") or not any(
                m.type in ("throw_statement", "throw_expression") for m in syntax.walk(n)):
            continue
        cond = n.child_by_field_name("condition") if n.type == "if_statement" else (
            n.named_children[0] if n.named_children else None)
        if cond is not None:
            out.append(cond)
    return out


def moves_on(catches, source: syntax.Source, language: str) -> bool:
    """Whether a retry loop's ``catch`` goes round again only while a function of this file says another
    alternative is left: ``if (!retryAfterFailure()) throw e`` where ``retryAfterFailure`` asks
    ``routeSelector.hasNext()``, itself or through one more function of the file. Each pass then takes
    the next route or address, so the loop is bounded by the set it walks and going round at once moves
    on rather than hammering the same peer (as a loop whose header walks a collection,
    ``resilience.walks_collection``): no unbounded retry and no missing backoff to report.

    The file's functions are found once per image (``syntax.image_memo``), not once per loop: a
    hostile file of 600 such loops walked the whole file 600 times (10 s; 2,400 loops, quadratic)."""
    asked = {called_name(c, language).removeprefix("this.") for cond in
             (x for catch in catches for x in _exit_conditions(catch, language))
             for c in syntax.walk(cond) if c.type in _JVM_CALLS}
    frontier = {n for n in asked if n and "." not in n}
    if not frontier:
        return False
    functions = syntax.image_memo(source, ("jvm.functions", language), lambda: _functions_of(source.root, language))
    seen = set(frontier)
    for _ in range(2):  # the function asked, and the functions of the file it asks in turn
        after: set[str] = set()
        for name in frontier:
            for body in functions.get(name, []):
                for c in syntax.walk(body):
                    if c.type not in _JVM_CALLS:
                        continue
                    callee = called_name(c, language).removeprefix("this.")
                    if callee.rsplit(".", 1)[-1] in _MORE_LEFT:
                        return True
                    if callee and "." not in callee and callee not in seen:
                        after.add(callee)
        seen |= after
        frontier = after
    return False


#: words of a function that works out a backoff's next wait (``getNextInterval``, ``getSleepAndIncrement``,
#: ``computeDelay``, ``nextMaxInterval``) ...
_DELAY_WORDS = frozenset({"interval", "delay", "sleep", "wait", "pause"})
#: ... rather than reading one (``getInterval()`` returning a field decides nothing and is left out anyway)
_NEXT_WORDS = frozenset({"next", "compute", "calculate", "calc", "increment", "get"})
#: a class that is a backoff or a retry policy (``ExponentialBackOffPolicy.ExponentialBackOffContext``,
#: ``Retryer.Default``, ``RetryPolicy``), not one that reports on retries (``RetrySimulation``)
_BACKOFF_CLASS = re.compile(r"(?i)back_?off|retryer|retr(y|ies)_?(policy|strategy|handler|template|config)")


def _delay_name(name: str) -> str | None:
    ws = settings.words(name)
    if any(w in _DELAY_WORDS for w in ws) and any(w in _NEXT_WORDS for w in ws) and not policy_functions.classify(name):
        return "retry"
    return None


def delay_functions(source) -> list:
    """The functions of a backoff or retry policy class that work out the next wait: Spring Retry's
    ``ExponentialBackOffContext.getSleepAndIncrement()``/``getNextInterval()``, Feign's
    ``Retryer.Default.nextMaxInterval()``, a ``RetryPolicy``'s ``computeDelay``. Their names carry no
    retry word, so ``policy_functions.classify`` passes them over, yet how the delay grows, is capped or
    randomised lives there (a new backoff type overriding it, a cap added): a retry policy function,
    valued by its decisions like the others. Only inside a class named for a backoff or a retry, so a
    poll or a scheduler's interval is not one."""
    return [c for c in policy_functions.scan(source, _delay_name)
            if _BACKOFF_CLASS.search(c.target.rsplit(".", 1)[0] if "." in c.target else "")]


def ends_by_flag(loop, block) -> bool:
    """Whether a ``while (retrying)`` loop's ``try`` leaves it on success by clearing its flag
    (``response = exec(request); retrying = false;``; ``while (!done)`` with ``done = true``): the same
    exit as a ``return`` or ``break`` there, the shape of Apache HttpClient's request directors and of
    hand-written Kotlin loops (``var retry = true; while (retry) { try { …; retry = false } catch … }``)."""
    cond = loop.child_by_field_name("condition")
    if cond is None and loop.named_children:  # Kotlin keeps the condition in an unnamed child
        cond = loop.named_children[0]
    text = syntax.node_text(cond).strip().strip("()").strip() if cond is not None else ""
    m = re.fullmatch(r"(!?)\s*([A-Za-z_]\w*)", text)
    if m is None or m.group(2) in ("true", "false"):
        return False
    done = "true" if m.group(1) else "false"
    return any(n.type in ("assignment_expression", "assignment")
               and re.fullmatch(rf"(this\.)?{m.group(2)}\s*=\s*{done}", syntax.node_text(n).strip())
               for n in syntax.walk(block))


#: an expression that works a value out: arithmetic, a default (``?:``), a clamp, a unit conversion
_WORKED_OUT = re.compile(r"[-+*/%]|<<|>>|\?:|\b(min|max|minOf|maxOf|coerce\w*|times|plus\w*|minus\w*|div|shl|shr|pow|"
                         r"multipliedBy|dividedBy|to(Millis|Seconds|Nanos|Minutes))\b")


def worked_out(text: str) -> bool:
    """Whether an initializer computes a value (``Math.min(max, base << n)``, ``timeout ?: DEFAULT``) rather
    than building an object (a policy builder chain is a construct of its own) or copying a value."""
    return bool(_WORKED_OUT.search(text)) and not re.search(r"(?i)builder|\bnew\b|->|\{", text)


# -- "this use decides nothing" (``retry_timeout._logic_lines`` asks each language's scanner) ---------------

#: the nodes a name is read through: ``builder.timeout``, ``httpOptions.timeout()``, ``this.maxRetries``
_READ_THROUGH = frozenset({"field_access", "navigation_expression", "method_invocation", "call_expression",
                           "value_arguments", "argument_list", "parenthesized_expression"})
#: calls asking whether an optional value was given at all
_PRESENCE = frozenset({"isPresent", "isEmpty", "isNull", "nonNull", "isNotEmpty", "isNullOrEmpty", "isDefined",
                       "isNotNull", "ifPresent"})
#: callees that are told about an attempt or a wait rather than deciding one: logs, events, listeners, metrics
_TOLD = re.compile(r"^(trace|debug|info|warn|warning|error|fine|finer|finest|severe|log|logf|printf?|println|"
                   r"format|formatted|emit|on[A-Z]\w*|notify\w*|fire[A-Z]\w*|publish\w*|record[A-Z]\w*|increment\w*|"
                   r"set(Attribute|Tag)|add(Attribute|Tag|Event))$")
_JVM_CALLS = ("method_invocation", "call_expression")


def _call_name(call) -> str:
    """The method name of a Java ``method_invocation`` or a Kotlin ``call_expression``."""
    if call.type == "method_invocation":
        return syntax.node_text(call.child_by_field_name("name"))
    head = call.named_children[0] if call.named_children else None
    if head is None:
        return ""
    if head.type == "navigation_expression" and head.named_children:
        return syntax.node_text(head.named_children[-1])
    return syntax.node_text(head) if head.type in ("identifier", "simple_identifier") else ""


def _operand(node):
    """The whole expression a name is read as: ``builder.timeout``, ``options.timeout()``."""
    n = node
    while n.parent is not None:
        p = n.parent
        if p.type == "field_access" and p.child_by_field_name("field") == n:
            n = p
        elif p.type == "method_invocation" and p.child_by_field_name("name") == n and not syntax.arguments(p, "java"):
            n = p  # a getter: options.timeout()
        elif p.type == "navigation_expression" and p.named_children and p.named_children[-1] == n:
            n = p
        elif p.type == "call_expression" and p.named_children and p.named_children[0] == n and not any(
                a.type == "value_argument" for c in p.named_children if c.type == "value_arguments"
                for a in c.named_children):
            n = p  # Kotlin getter call: options.timeout()
        else:
            break
    return n


def _presence_check(node) -> bool:
    """``timeout != null``, ``timeout.isPresent()``, ``config.retryPolicy() == null``: a test of whether a value
    was given, which fills in a default (a setting, judged on its own) or applies the value only when set.
    Not when the test chooses between this value and *another* retry/timeout value (``if (cfg?.requestTimeoutMillis
    != null) cfg.requestTimeoutMillis else config.requestTimeout``): which timeout applies is a decision."""
    op = _operand(node)
    p = op.parent
    if p is None:
        return False
    if p.type in ("binary_expression", "equality_expression"):
        ops = [syntax.node_text(c) for c in p.children if not c.is_named]
        others = [c for c in p.named_children if c != op]
        tested = bool(set(ops) & {"==", "!=", "===", "!=="}) and len(others) == 1 and \
            syntax.node_text(others[0]) == "null"
    elif p.type == "method_invocation" and p.child_by_field_name("object") == op:
        tested = syntax.node_text(p.child_by_field_name("name")) in _PRESENCE
    elif p.type == "navigation_expression" and p.named_children and p.named_children[0] == op:
        tested = syntax.node_text(p.named_children[-1]) in _PRESENCE
    else:
        tested = False
    return tested and not _chooses_another(node, op) and not _writes_default(op)


_NUMBERS = frozenset({"decimal_integer_literal", "decimal_floating_point_literal", "hex_integer_literal",
                      "number_literal", "integer_literal", "long_literal", "real_literal"})


def _writes_default(op) -> bool:
    """Whether the ``if``/``?:`` testing ``op`` for presence writes a default number in a branch (``timeout ==
    null ? ofSeconds(60) : timeout``, ``if (retries == null) retries = 3``): the default is a value decided
    here. A sentinel (``Long.MAX_VALUE``, ``null``) is not a number written out."""
    branch = syntax.ancestor(op, ("if_statement", "if_expression", "ternary_expression"),
                             ("block", "statements", "class_body", "method_declaration", "function_declaration"))
    cond = branch.child_by_field_name("condition") if branch is not None else None
    if cond is None or not (cond.start_byte <= op.start_byte < cond.end_byte):
        return False
    return any(n.type in _NUMBERS for c in branch.named_children if c != cond for n in syntax.walk(c))


_COMPUTES_WITH = frozenset({"binary_expression", "multiplicative_expression", "additive_expression",
                            "unary_expression", "prefix_expression", "update_expression", "comparison_expression",
                            "equality_expression", "ternary_expression"})


def _guarded_value(node) -> bool:
    """``timeout != null ? timeout.toMillis() : Long.MAX_VALUE``: the value read in a branch of a test of its
    own presence is the value applied when given, as before (the test itself is :func:`_presence_check`)."""
    op = _operand(node)
    whole = syntax.node_text(op)
    branch = syntax.ancestor(op, ("ternary_expression", "if_expression", "if_statement"),
                             ("block", "statements", "class_body", "method_declaration", "function_declaration"))
    cond = branch.child_by_field_name("condition") if branch is not None else None
    if cond is None or cond.start_byte <= op.start_byte < cond.end_byte:
        return False
    p = op.parent
    while p is not None and p != branch:
        if p.type in _COMPUTES_WITH:
            return False  # timeout.toMillis() * 2: computed with, a decision
        p = p.parent
    for n in syntax.walk(cond):
        if n.type in ("identifier", "simple_identifier") and syntax.node_text(_operand(n)) == whole \
                and _presence_check(n):
            return True
    return False


def _chooses_another(node, op) -> bool:
    """Whether the ``if``/``?:`` whose condition tests ``op`` falls back, in its ``else`` branch, to another
    retry- or timeout-named value of the same kind."""
    kind = settings.classify(syntax.node_text(node))
    branch = syntax.ancestor(op, ("if_statement", "if_expression", "ternary_expression"),
                             ("block", "statements", "class_body", "method_declaration", "function_declaration"))
    if branch is None:
        return False
    cond = branch.child_by_field_name("condition")
    if cond is None or not (cond.start_byte <= op.start_byte < cond.end_byte):
        return False
    tested = syntax.node_text(op)
    alt = branch.child_by_field_name("alternative")
    if alt is None:  # Kotlin: what follows ``else``
        seen_else = False
        for c in branch.children:
            if seen_else and c.is_named:
                alt = c
                break
            seen_else = seen_else or (not c.is_named and syntax.node_text(c) == "else")
    for part in [alt] if alt is not None else []:
        for n in syntax.walk(part):
            if n.type in ("identifier", "simple_identifier") and settings.classify(syntax.node_text(n)) == kind:
                whole = syntax.node_text(_operand(n))
                if whole != tested and not tested.endswith("." + whole) and not whole.endswith("." + tested):
                    return True
    return False


def _argument_of(node, pattern: re.Pattern) -> bool:
    """Whether ``node`` is (part of) an argument of a call whose method name matches ``pattern``."""
    p = node.parent
    while p is not None and p.type not in ("expression_statement", "block", "statements", "class_body",
                                           "lambda_expression", "lambda_literal", "local_variable_declaration",
                                           "property_declaration", "return_statement", "if_statement",
                                           "if_expression", "while_statement"):
        if p.type in ("argument_list", "value_arguments"):
            call = p.parent
            if call is not None and call.type in _JVM_CALLS and pattern.search(_call_name(call)):
                return True
        p = p.parent
    return False


def breaker_timeout(name: str) -> bool:
    """``openTimeout``, ``resetTimeout``, ``circuitBreakerTimeout``: how long a circuit breaker stays open,
    not how long a call waits."""
    return settings.classify(name) == "timeout" and bool(set(settings.words(name)) & _BREAKER)


def decides_nothing(node) -> bool:
    """Whether a retry- or timeout-named name on a changed line of Java or Kotlin takes part in no retry or
    timeout decision although it sits in a condition or an expression: a test of whether it was given
    (``timeout != null``, ``timeout.isPresent()``), a value reported to a log,
    a listener or an event (``log.debug("attempt {}", attempt + 1)``), bookkeeping (``retryContext``) or a
    circuit breaker's open timeout. A check that rejects a value is *not* here: the labelling rules count a
    timeout or a backoff newly rejected (``if (millis == 0 && timeout > 0) throw …``) as a change."""
    name = syntax.node_text(node)
    return settings.bookkeeping(name) or breaker_timeout(name) or _presence_check(node) or _guarded_value(node) \
        or _argument_of(node, _TOLD) or _in_question(node) or (
            settings.classify(name) == "timeout" and _in_breaker_class(node))


def _breaker_name(name: str) -> bool:
    return bool({"breaker", "circuit"} & set(settings.words(name)))


def _in_breaker_class(node) -> bool:
    """A timeout read inside a circuit breaker's class (``CircuitBreakerRetryContext``: ``if (time >
    this.timeout)`` closes the circuit again): how long the breaker stays open, not how long a call waits."""
    n = node.parent
    while n is not None:
        if n.type in ("class_declaration", "object_declaration"):
            name = n.child_by_field_name("name") or next(
                (c for c in n.named_children if c.type in ("type_identifier", "identifier", "simple_identifier")), None)
            if name is not None and _breaker_name(syntax.node_text(name)):
                return True
        n = n.parent
    return False


#: words of a limit: a question that compares with one decides whether to go on (``hasAttemptsLeft()``)
_LIMIT = frozenset({"max", "maximum", "limit", "limits", "allowed", "remaining", "left", "budget", "exhausted"})


def _one_statement_body(fn):
    """The body of a Java method or Kotlin function that takes no argument and holds at most one statement
    (a getter's or a state question's shape), or None: what such a function returns is read whole."""
    params = fn.child_by_field_name("parameters") or next(
        (c for c in fn.named_children if c.type == "function_value_parameters"), None)
    if params is not None and any(not syntax.is_comment(c) for c in params.named_children):
        return None
    body = fn.child_by_field_name("body") or next((c for c in fn.named_children if c.type == "function_body"), None)
    if body is None:
        return None
    if body.type == "function_body":
        body = next((c for c in body.named_children if c.type in ("block", "statements")), body)
    if len([c for c in body.named_children if not syntax.is_comment(c)]) > 1:
        return None
    return body


def _in_question(node) -> bool:
    """``boolean isFirstAttempt() { return attempts.get() == 0; }``, ``isRetry()``: a no-argument question about
    the state an execution is in, one statement long, reports where it is rather than deciding whether to go
    on (``policy_functions`` reads such accessors the same way). One that compares with a limit
    (``hasAttemptsLeft() { return attempts < maxAttempts; }``) still decides."""
    fn = syntax.ancestor(node, ("method_declaration", "function_declaration"), ("class_body", "lambda_expression",
                                                                               "lambda_literal"))
    if fn is None:
        return False
    ws = settings.words(syntax.scope_name(fn, "java" if fn.type == "method_declaration" else "kotlin"))
    if not ws or ws[0] not in ("is", "has", "was") or any(w.endswith(("able", "ible")) for w in ws) \
            or set(ws) & _LIMIT:
        return False
    body = _one_statement_body(fn)
    if body is None:
        return False
    names = {w for n in syntax.walk(body) if n.type in ("identifier", "simple_identifier")
             for w in settings.words(syntax.node_text(n))}
    return not names & _LIMIT


def keeps_setting(src, c) -> bool:
    """A Java/Kotlin constant or field is no timeout setting when it is a circuit breaker's open/reset timeout
    in a file about circuit breakers (``private long openTimeout = 5000`` in a ``CircuitBreakerRetryPolicy``)."""
    if c.kind != "timeout":
        return True
    target = c.target.rsplit(".", 1)[-1]
    ws = set(settings.words(target))
    if ws & {"breaker", "circuit"}:
        return False
    return not (ws & {"open", "reset", "half"} and re.search(r"(?i)circuit|breaker", src.text))


#: calls that only check an argument before it is handed on (``Assert.notNull(failure, "failure")``)
_ARG_CHECK = re.compile(r"^((Assert|Args|Objects|Preconditions|Validate|Asserts)\.\w+|require\w*|check\w*|"
                        r"requireNonNull|checkNotNull|notNull)$")
_LITERALS = frozenset({"decimal_integer_literal", "decimal_floating_point_literal", "hex_integer_literal",
                       "string_literal", "true", "false", "null_literal", "class_literal", "number_literal",
                       "integer_literal", "long_literal", "real_literal", "boolean_literal", "character_literal"})


def _delegates_to_namesake(fn, name: str, language: str) -> bool:
    """``retryOn(Class<? extends Throwable> failure) { Assert.notNull(failure, "failure"); return
    retryOn(Arrays.asList(failure)); }``: an overload that checks its argument and hands it, wrapped, to the
    function of the same name, with no value of its own (no literal among the arguments)."""
    body = fn.child_by_field_name("body") or next(
        (c for c in fn.named_children if c.type in ("function_body", "block")), None)
    if body is not None and body.type == "function_body":
        inner = next((c for c in body.named_children if c.type in ("block", "statements")), None)
        body = inner if inner is not None else body
    if body is None:
        return False
    stmts = [s for s in body.named_children if not syntax.is_comment(s)]
    rest = []
    for st in stmts:
        call = st.named_children[0] if st.type == "expression_statement" and st.named_children else st
        if call.type in ("method_invocation", "call_expression") and _ARG_CHECK.match(syntax.callee(call, language) or ""):
            continue
        rest.append(st)
    if len(rest) != 1:
        return False
    st = rest[0]
    expr = st.named_children[0] if st.type in ("return_statement", "expression_statement", "jump_expression") \
        and st.named_children else st
    if expr.type not in ("method_invocation", "call_expression"):
        return False
    if (syntax.callee(expr, language) or "").rsplit(".", 1)[-1] != name:
        return False
    args = [a for _, a in syntax.arguments(expr, language) if a is not None]
    return not any(n.type in _LITERALS for a in args for n in syntax.walk(a))


def not_a_delegating_overload(source, constructs: list) -> list:
    """Drops the policy functions that are overloads handing their argument to their namesake
    (``retryOn(Class)`` -> ``retryOn(List)``): a new entry point to the same decision, not a decision (the
    labelling rules' "a new entry point that only delegates"). What the namesake decides is its own construct."""
    def delegates(fn) -> bool:
        name = syntax.scope_name(fn, source.language)
        return bool(name) and _delegates_to_namesake(fn, name, source.language)
    return _drop_policy_functions(source, constructs, delegates)


def _drop_policy_functions(source, constructs: list, drops) -> list:
    """``constructs`` without the policy functions whose function node ``drops`` accepts."""
    lines = {c.line for c in constructs if c.library == policy_functions.LIBRARY}
    if not lines:
        return constructs
    types = policy_functions.FUNCTION_TYPES.get(source.language, ())
    drop = {syntax.line_of(fn) for fn in syntax.nodes_of_types(source.root, source.language, types)
            if syntax.line_of(fn) in lines and drops(fn)}
    return [c for c in constructs if not (c.library == policy_functions.LIBRARY and c.line in drop)]


#: the tokens of an accessor's decision: a null guard around a conversion
_GUARD_TOKENS = frozenset({"return", "!=", "==", "null", "?", ":", "new", "nil"})


def not_an_accessor(source, constructs: list) -> list:
    """Drops the policy functions that are accessors with a null guard (``Date retryAfter() { return
    retryAfter != null ? new Date(retryAfter) : null; }``, a defensive copy): a getter hands a value on,
    whatever it is named; the delay it returns is decided where it is used."""
    def guarded_getter(fn) -> bool:
        body = _one_statement_body(fn)
        return body is not None and set(policy_functions.decisions(body, source.language, said=False)) <= _GUARD_TOKENS
    return _drop_policy_functions(source, constructs, guarded_getter)
