"""Retry and timeout constructs in Kotlin.

Retries: Flow ``retry(n)`` / ``retryWhen``, ktor ``install(HttpRequestRetry)``, Spring ``@Retryable``
on Kotlin methods, and hand-written retries (``repeat(n) { try … catch … }``, ``for (attempt in
1..n)``, ``while (true)``) whose ``try`` leaves on success and whose ``catch`` goes round again.
Timeouts: ``withTimeout``/``withTimeoutOrNull``, ktor ``HttpTimeout`` settings
(``requestTimeoutMillis`` …, ``HttpTimeout.INFINITE_TIMEOUT_MS``), OkHttp builder setters,
``@Transactional(timeout)``.

No ``NetworkCall`` sites are reported: ktor's engines carry their own defaults (CIO 15 s request
timeout, OkHttp engine 10 s), so a missing ``HttpTimeout`` is not an unbounded call.
"""

from __future__ import annotations

import re
from dataclasses import replace

from mergeguard.features import syntax
from mergeguard.features.resilience import durations, policy_functions, recursion, settings
from mergeguard.features.resilience.jvm import decides_nothing, delay_functions, ends_by_flag, keeps_setting, moves_on
from mergeguard.features.resilience.jvm import (BLOCKS, POLLS, STRATEGY, WAITS, asks_policy, circuit_breaker, computed_kind,
                                               handed_on, not_a_delegating_overload, not_a_fallback, not_an_accessor,
                                               passed_through, policy_name, policy_object_kind, policy_object_value, given_to_strategy,
                                               polls_in_a_loop,
                                               retry_after, setting_name, worked_out)
from mergeguard.features.resilience import (COMPUTED, INFINITE, Construct, Hooks, LineScopedScanner, Scan, applied_value, arith,
                                           walks_collection)

L = "kotlin"
_LOOPS = frozenset({"for_statement", "while_statement", "do_while_statement"})
_NESTED = frozenset({"lambda_literal", "anonymous_function", "function_declaration"}) | _LOOPS
_UNIT_SECONDS = durations.TIMEUNIT
_DURATION_EXT = durations.KOTLIN_EXT
_JAVA_DURATION = {"ofMillis": 1e-3, "ofSeconds": 1.0, "ofMinutes": 60.0, "ofHours": 3600.0}
_KTOR_KEYS = {"requestTimeoutMillis", "connectTimeoutMillis", "socketTimeoutMillis"}
_OKHTTP = {"connectTimeout", "readTimeout", "writeTimeout", "callTimeout"}
_SLEEP = re.compile(r"(^|\.)(delay|sleep)$")


def scan(source: syntax.Source) -> Scan:
    """Every retry/timeout construct in one Kotlin image (no network call sites: see the module doc)."""
    return _Scanner(source).run()


class _Scanner(LineScopedScanner):
    def run(self) -> Scan:
        for node in syntax.walk(self.src.root):
            if node.type == "property_declaration":
                decl = next((c for c in node.named_children if c.type == "variable_declaration"), None)
                value = node.named_children[-1] if node.named_children else None
                n = self._number(value, follow=False) if value is not None and value != decl else None
                if decl is not None and n is not None:
                    self.consts[syntax.node_text(decl.named_children[0])] = n
        for node in syntax.walk_code(self.src.root):  # walk() less comments and strings (issue 16)
            t = node.type
            if t == "call_expression" and _has_args(node):
                self._call(node)
            elif t == "annotation":
                self._annotation(node)
            elif t == "assignment":
                self._assignment(node)
            elif t == "property_declaration":
                self._computed(node)
            elif t in _LOOPS and not _over_items(node):
                self._loop(node, node.named_children[-1] if node.named_children else None, None)
        self.out.constructs = policy_functions.with_loop_digests(self.src, self.out.constructs)
        self.out.constructs.extend(not_an_accessor(self.src, not_a_delegating_overload(
            self.src, not_a_fallback(self.src, policy_functions.scan(self.src, policy_name)))))
        self.out.constructs.extend(delay_functions(self.src))  # how a backoff works out its next wait
        self.out.constructs.extend(_retry_defaults(self.src))  # retry(times = 3, initialDelay = 100) { … }
        self.out.constructs.extend(recursion.scan(self.src))  # a function that calls itself on failure
        return self.out

    # -- calls ------------------------------------------------------------------------------------
    def _call(self, call) -> None:
        c = syntax.callee(call, L)
        last = c.rsplit(".", 1)[-1]
        args = _args(call)
        lam = _trailing_lambda(call)
        if c in ("withTimeout", "withTimeoutOrNull") and args:
            self._timeout(call, "kotlinx.coroutines", c, self._seconds(args[0], bare="ms"))
            # valued by its duration as written: a block bounded by a run-time value is still a timeout
            # applied here, not a value handed on
            self.out.constructs[-1] = replace(self.out.constructs[-1],
                                              value=settings.written(args[0]))
        elif last == "retry" and "." in c:
            n = self._number(args[0]) if args else None
            attempts = INFINITE if not args else (n + 1 if n is not None else None)
            self._retry(call, "flow.retry", c.rsplit(".", 1)[0], attempts, *self._lambda_backoff(lam), lam)
        elif last == "retryWhen" and "." in c and lam is not None:
            attempts = INFINITE
            for n in syntax.walk(lam):
                if _comparison(n) and "attempt" in syntax.node_text(n):
                    bound = self._number(n.named_children[-1])
                    attempts = bound + 1 if bound is not None else None
                    break
            self._retry(call, "flow.retryWhen", c.rsplit(".", 1)[0], attempts, *self._lambda_backoff(lam), lam)
        elif c == "repeat" and args and lam is not None:
            whole = call.parent if call.parent is not None and call.parent.type == "call_expression" else call
            self._loop(whole, lam, self._number(args[0]))
        elif "." not in c and c[:1].isupper() and args and policy_object_kind(c) and not given_to_strategy(call, L):
            self._policy_object(call, c, args)
        elif c == "install" and args and syntax.node_text(args[0]) == "HttpRequestRetry":
            self._ktor_retry(call, lam)
        elif (last in _OKHTTP or ("." not in c and last == "timeout")) and args and (
                "OkHttpClient" in c or "Builder" in c or "newBuilder" in c
                or ("." not in c and (_in_builder_block(call) or (len(args) == 2 and _is_unit(args[1]))))) \
                and not _overload_of(call, last):
            secs = self._seconds(args[0], unit=args[1] if len(args) > 1 else None, bare="ms")
            self._timeout(call, "okhttp" if last in _OKHTTP else "builder", last, INFINITE if secs == 0 else secs,
                          name_line=True, value=_let_bound(call, applied_value(secs, args[:1])))
        elif "." in c and last in WAITS and len(args) >= 2 and _is_unit(args[-1]) and not passed_through(call, args[-2]) \
                and not polls_in_a_loop(call, last):
            secs = self._seconds(args[-2], unit=args[-1])  # latch.await(5, TimeUnit.SECONDS), withDeadlineAfter
            self._timeout(call, "blocking wait", last, secs, name_line=True)  # a call: run-time values are plumbing
        elif "." in c and last == "get" and len(args) == 2 and _is_unit(args[-1]) and not passed_through(call, args[0]):
            # future.get(5, TimeUnit.SECONDS): a Future's bounded wait, as the Java scanner reads it (the Kotlin
            # scanner read only the WAITS verbs, so a Future given a bound, or another one, was no change)
            self._timeout(call, "Future.get", "get", self._seconds(args[0], unit=args[1]), name_line=True)
        elif "." in c and last in WAITS and last not in POLLS and len(args) == 1 \
                and args[0].type in ("call_expression", "navigation_expression") and self._seconds(args[0]) is not None:
            # awaitTermination(Duration.ofSeconds(1)), tryLock(5.seconds): the same wait given as one
            # Duration instead of (n, unit)
            self._timeout(call, "blocking wait", last, self._seconds(args[0]), name_line=True)
        elif "." in c and last in BLOCKS and len(args) == 1:
            secs = self._seconds(args[0])
            self._timeout(call, "reactor", last, secs, name_line=True)
        elif last == "connect" and len(args) == 2 and re.search(r"socket", c.rsplit(".", 1)[0], re.I) \
                and not passed_through(call, args[1]):
            secs = self._seconds(args[1], bare="ms")  # java.net.Socket.connect(address, millis): 0 waits forever
            self._timeout(call, "socket", "connect", INFINITE if secs == 0 else secs, name_line=True)
        elif "." in c and args and setting_name(last) == "timeout" and not circuit_breaker(c) and self._seconds(args[0]) is None \
                and self._number(args[0]) is None:
            # a setter given a value known at run time (builder.setConnectTimeout(config.connectTimeout));
            # constants are the settings scanner's
            self._timeout(call, c.rsplit(".", 1)[0].rsplit(".", 1)[-1] or "kotlin", last, None, name_line=True,
                          value=_let_bound(call, applied_value(None, args[:1])))
        elif "." in c and args and STRATEGY.search(last) and last != "retryWhen" and not handed_on(call, last, args[0]) \
                and self._number(args[0]) is None and syntax.node_text(args[0]) not in ("true", "false", "null"):
            text = " ".join(syntax.node_text(args[0]).split())
            self._retry(call, "retry strategy", last, None, None, None, None)
            self.out.constructs[-1] = replace(self.out.constructs[-1], value=settings.bounded(text))

    def _policy_object(self, call, type_name: str, args) -> None:
        """``ExponentialBackoff(100, 2.0, 30_000)``, ``RetryPolicy(maxAttempts = 3, delay = 500.milliseconds)``,
        ``TimeoutConfig(5.seconds)``: a retry, backoff or timeout policy object built from constants, as the
        Java scanner reads ``new X(...)``. Valued by its arguments, numbers and durations folded; one built
        only from run-time values hands them on."""
        kind = policy_object_kind(type_name)
        readings = []
        for a in args:
            n = self._number(a) if a.type != "navigation_expression" else None
            readings.append((n, self._seconds(a) if n is None else None))
        names = [syntax.node_text(a.parent.named_children[0]) if a.parent is not None and len(
            a.parent.named_children) == 2 else "" for a in args]
        valued = policy_object_value(readings, args, names)
        if valued is None:
            return
        value, seconds = valued
        if kind == "retry":
            self._retry(call, "retry strategy", type_name, None, None, None, None)
        else:
            self._timeout(call, "policy object", type_name, seconds)
        self.out.constructs[-1] = replace(self.out.constructs[-1], value=value)

    def _ktor_retry(self, call, lam) -> None:
        """ktor HttpRequestRetry: defaults to 3 retries on exceptions and 5xx with exponential delay."""
        attempts: float | None = 4.0
        backoff, jitter = "exponential", True
        if lam is not None:
            for c in syntax.walk(lam):
                if c.type == "assignment" and len(c.named_children) >= 2 and \
                        syntax.node_text(c.named_children[0]) == "maxRetries":  # maxRetries = 5
                    n = self._number(c.named_children[-1])
                    attempts = n + 1 if n is not None else None
                    continue
                if c.type != "call_expression" or not _has_args(c):
                    continue
                name = syntax.callee(c, L)
                if name.startswith("retryOn") or name == "retryIf":
                    a = _args(c)
                    n = self._number(a[0]) if a else None
                    if a:
                        attempts = n + 1 if n is not None else None
                elif name == "constantDelay":
                    backoff = "fixed"  # constantDelay(millis = 1000, randomizationMs = 1000): still jittered
                elif name == "noRetry":
                    attempts = 1.0
        self._retry(call, "ktor.HttpRequestRetry", "HttpRequestRetry", attempts, backoff, jitter, None)
        if lam is not None:
            # valued by what its block decides too: another retryIf condition, delay or status retried on is a
            # retry change though the attempts and the backoff's shape stay
            tokens = policy_functions.decisions(lam, L, said=False)
            if tokens:
                self.out.constructs[-1] = replace(self.out.constructs[-1],
                                                  value=policy_functions.decision_value(tokens))

    def _lambda_backoff(self, lam) -> tuple[str, bool]:
        if lam is None:
            return "none", False
        sleeps = [c for c in syntax.walk(lam) if c.type == "call_expression" and _SLEEP.search(syntax.callee(c, L))]
        if not sleeps:
            return "none", False
        text = " ".join(syntax.node_text(s) for s in sleeps)
        return ("exponential" if re.search(r"\bshl\b|pow|\*\s*2\b|\*=", text) else "fixed"), "random" in text.lower()

    def _annotation(self, node) -> None:
        inv = next((c for c in node.named_children if c.type == "constructor_invocation"), None)
        if inv is None:
            name = syntax.node_text(node).lstrip("@").split("(")[0].rsplit(".", 1)[-1]
            pairs: dict[str, object] = {}
        else:
            name = syntax.node_text(inv.named_children[0]).rsplit(".", 1)[-1]
            pairs = _named_args(inv)
        fn = node.parent.parent if node.parent is not None and node.parent.type == "modifiers" else None
        if fn is None or fn.type != "function_declaration":
            return
        target = next((syntax.node_text(c) for c in fn.named_children if c.type in ("identifier", "simple_identifier")), "")
        body = next((c for c in fn.named_children if c.type == "function_body"), None)
        line = syntax.line_of(node)
        if name == "Retryable":
            n = self._number(pairs.get("maxAttempts"))
            attempts = n if n is not None else (3.0 if "maxAttempts" not in pairs else None)
            backoff = "fixed"
            b = pairs.get("backoff")
            if b is not None:
                bp = _named_args(b)
                mult = self._number(bp.get("multiplier"))
                if mult is not None and mult > 1:
                    backoff = "exponential"
                elif "delay" in bp and self._number(bp.get("delay")) == 0:
                    backoff = "none"
            self._retry(fn, "spring-retry", target, attempts, backoff, False, body, line=line)
        elif name == "Transactional" and "timeout" in pairs:
            secs = self._number(pairs.get("timeout"))
            self._timeout(node, "spring.Transactional", target, INFINITE if secs is not None and secs < 0 else secs)

    def _assignment(self, node) -> None:
        """ktor ``HttpTimeout``: ``requestTimeoutMillis = 5_000`` inside ``install(HttpTimeout) { … }``."""
        named = node.named_children
        if len(named) < 2:
            return
        key = syntax.node_text(named[0]).rsplit(".", 1)[-1]
        if key not in _KTOR_KEYS:
            self._property_timeout(node, named[0], named[-1])
            return
        value = named[-1]
        text = syntax.node_text(value)
        secs = INFINITE if "INFINITE_TIMEOUT_MS" in text or text in ("null", "Long.MAX_VALUE") else self._seconds(value, bare="ms")
        self._timeout(node, "ktor", key, secs)

    def _computed(self, node) -> None:
        """``val retryAfter = response.headers[RetryAfter]?.toLongOrNull()?.times(1000)``, ``val backoff =
        base shl attempt``: a retry- or timeout-named value worked out in code, valued by its expression as
        written (a constant is the settings scanner's; ``by lazy``/delegates and lambdas are not values)."""
        decl = next((c for c in node.named_children if c.type == "variable_declaration"), None)
        value = node.named_children[-1] if node.named_children else None
        if decl is None or value is None or value == decl or not decl.named_children:
            return
        name = syntax.node_text(decl.named_children[0])
        kind = computed_kind(name)
        if kind is None or value.type in ("lambda_literal", "string_literal", "boolean_literal", "null_literal",
                                          "property_delegate", "anonymous_function", "object_literal"):
            return
        if self._number(value) is not None or self._seconds(value) is not None:
            return
        if not worked_out(" ".join(syntax.node_text(value).split())) and not retry_after(name):
            return
        text = settings.written(value)  # bounded: a change past its start still shows
        if kind == "retry":
            self._retry(node, COMPUTED, name, None, None, None, None, line=syntax.line_of(node))
            self.out.constructs[-1] = replace(self.out.constructs[-1], value=text)
        else:
            self._timeout(node, COMPUTED, name, None, line=syntax.line_of(node), value=text)

    def _property_timeout(self, node, target, value) -> None:
        """``connection.readTimeout = config.readTimeout``, ``socket.soTimeout = timeoutMillis``: a Java
        timeout setter called as a Kotlin property, given a value known at run time (a constant is the
        settings scanner's). ``this.timeout = timeout`` keeps a value; it applies nothing."""
        if target.type not in ("directly_assignable_expression", "navigation_expression") or "." not in syntax.node_text(target):
            return
        receiver, _, key = syntax.node_text(target).rpartition(".")
        if receiver in ("this", "") or settings.classify(key) != "timeout":
            return
        if self._number(value) == 0:  # socket.soTimeout = 0, asyncContext.timeout = 0: JVM APIs read 0 as "never"
            self._timeout(node, "property", key, INFINITE)
            return
        if self._seconds(value) is not None or self._number(value) is not None:
            return
        self._timeout(node, "property", key, None, value=applied_value(None, [value]))

    # -- hand-written loops ------------------------------------------------------------------------
    def _loop(self, loop, body, repeat_count) -> None:
        if body is None:
            return
        for t in (n for n in _own(body) if n.type == "try_expression"):
            block = next((c for c in t.named_children if c.type in ("block", "statements")), None)
            catches = [c for c in t.named_children if c.type == "catch_block"]
            if block is None or not catches:
                continue
            if not any(n.type == "return_expression" or syntax.node_text(n) == "break" for n in _own(block)
                       if n.type in ("return_expression", "jump_expression", "break_expression")):
                if not _ends_with_return(block) and not ends_by_flag(loop, block):
                    continue
            gives_up = False
            for c in catches:
                cb = next((x for x in c.named_children if x.type in ("block", "statements")), None)
                stmts = [s for s in (cb.named_children if cb is not None else []) if not syntax.is_comment(s)]
                if len(stmts) == 1 and syntax.node_text(stmts[0]).startswith("throw"):
                    gives_up = True
                if cb is not None and any(n.type == "return_expression" for n in _own(cb)):
                    gives_up = True
            if gives_up:
                continue
            sleeps = [c for c in syntax.walk(body) if c.type == "call_expression" and _SLEEP.search(syntax.callee(c, L))
                      and not (block.start_byte <= c.start_byte < block.end_byte)]
            text = " ".join(syntax.node_text(s) for s in sleeps)
            backoff = ("none" if not policy_functions.delegates_decision(loop, L) else None) if not sleeps else (
                "exponential" if re.search(r"\bshl\b|pow|\*\s*2\b|\*=", text) else "fixed")
            attempts = repeat_count if repeat_count is not None else self._loop_attempts(loop, catches)
            if moves_on(catches, self.src, L):  # the next route each pass: bounded by the routes, no backoff due
                attempts = None if attempts == INFINITE else attempts
                backoff = None if backoff == "none" else backoff
            library = "loop"
            self._retry(loop, library, "loop", attempts, backoff, "random" in text.lower(), block)
            if repeat_count is not None:  # repeat(n) { … }: its lambda is the loop's body (see loop_digest)
                self.out.constructs[-1] = replace(self.out.constructs[-1], value=policy_functions.loop_digest(body, L))
            return

    def _loop_attempts(self, loop, catches) -> float | None:
        if loop.type == "for_statement":
            rng = next((c for c in loop.named_children if c.type in ("range_expression", "infix_expression")), None)
            if rng is None:
                return None
            ends = [self._number(c) for c in rng.named_children if c.type != "identifier" or syntax.node_text(c) not in (
                "until", "downTo", "step")]
            known = [e for e in ends if e is not None] if len(ends) >= 2 else []
            if len(known) == 2:
                lo, hi = known
                inclusive = rng.type == "range_expression"
                return hi - lo + (1 if inclusive else 0)
            return None
        cond = loop.named_children[0] if loop.type == "while_statement" and loop.named_children else None
        if loop.type == "do_while_statement":
            cond = loop.named_children[-1] if loop.named_children else None
        text = syntax.node_text(cond).strip("() ") if cond is not None else ""
        if text == "true":
            for c in catches:
                for n in syntax.walk(c):
                    if n.type in ("if_expression", "if_statement") and "throw" in syntax.node_text(n):
                        head = n.child_by_field_name("condition") or n
                        cmp_ = next((m for m in syntax.walk(head) if _comparison(m)), None)
                        if cmp_ is not None:
                            return self._number(cmp_.named_children[-1])
                        if any(m.type == "call_expression" and asks_policy(m, L) for m in syntax.walk(head)):
                            return None  # if (!policy.shouldRetry(e, n)) throw e: bounded by the policy
                        # if (policy == UNWRAP) throw cause: what is thrown, not a bound
            return INFINITE
        cmp_ = next((m for m in syntax.walk(cond) if _comparison(m)), None) if cond is not None else None
        if cmp_ is not None:
            bound = self._number(cmp_.named_children[-1])
            if bound is not None and "<=" in syntax.node_text(cmp_):
                bound += 1
            return bound
        return None

    # -- emitting ----------------------------------------------------------------------------------
    def _body_facts(self, body) -> tuple[tuple[str, ...], str | None, bool]:
        if body is None:
            return (), None, False
        calls = tuple(name for name in dict.fromkeys(syntax.callee(n, L) for n in syntax.walk(body)
                                                     if n.type == "call_expression" and _has_args(n)) if name)
        method = None
        for name in calls:
            m = re.search(r"\.(post|put|patch|delete|get)$", name)
            if m and method != "POST":
                method = m.group(1).upper()
        idem = any(n.type == "string_literal"
                   and syntax.node_text(n).strip('"').lower() in ("idempotency-key", "x-idempotency-key")
                   for n in syntax.walk(body))
        return calls, method, idem

    def _timeout(self, node, library, target, seconds, *, name_line: bool = False, line: int | None = None,
                 value: str = "") -> None:
        if line is None and name_line:  # a builder link: its own line is where its method name is
            nav = node.named_children[0] if node.named_children else None
            if nav is not None and nav.type == "navigation_expression" and nav.named_children:
                line = syntax.line_of(nav.named_children[-1])
        super()._timeout(node, library, target, seconds, line=line, value=value)

    # -- values ------------------------------------------------------------------------------------
    def _seconds(self, node, unit=None, bare: str = "ms") -> float | None:
        if node is None:
            return None
        text = syntax.node_text(node).replace(" ", "")
        if text in ("Duration.INFINITE", "Long.MAX_VALUE"):
            return INFINITE
        if unit is not None:
            u = syntax.node_text(unit).rsplit(".", 1)[-1]
            n = self._number(node)
            return n * _UNIT_SECONDS[u] if n is not None and u in _UNIT_SECONDS else None
        if node.type == "navigation_expression" and node.named_children:  # 5.seconds / 500.milliseconds
            suffix = syntax.node_text(node.named_children[-1])
            if suffix in _DURATION_EXT:
                n = self._number(node.named_children[0])
                return n * _DURATION_EXT[suffix] if n is not None else None
        if node.type == "call_expression":
            name = syntax.callee(node, L).rsplit(".", 1)[-1]
            a = _args(node)
            if name in _JAVA_DURATION and a:
                n = self._number(a[0])
                return n * _JAVA_DURATION[name] if n is not None else None
            if name in ("toDuration",) and len(a) == 1:
                return None
            return None
        n = self._number(node)
        if n is None:
            return None
        return n / 1000 if bare == "ms" else n

    def _number(self, node, follow: bool = True) -> float | None:
        if node is None:
            return None
        t = node.type
        if t in ("number_literal", "integer_literal", "long_literal", "float_literal", "real_literal"):
            try:
                return float(syntax.node_text(node).replace("_", "").rstrip("LlFf"))
            except ValueError:
                return None
        if t == "parenthesized_expression" and node.named_children:
            return self._number(node.named_children[0], follow)
        if t in ("identifier", "simple_identifier") and follow:
            return self.consts.get(syntax.node_text(node))
        if t in ("multiplicative_expression", "additive_expression", "binary_expression") and len(node.named_children) == 2:
            a = self._number(node.named_children[0], follow)
            b = self._number(node.named_children[1], follow)
            op = next((syntax.node_text(c) for c in node.children if not c.is_named), "")
            if a is None or b is None:
                return None
            return arith(op, a, b)
        if t == "prefix_expression" and syntax.node_text(node).startswith("-") and node.named_children:
            v = self._number(node.named_children[-1], follow)
            return -v if v is not None else None
        return None


#: literal defaults a retry helper's parameters may have: a count, a delay, a factor
_LITERAL_DEFAULT = frozenset({"number_literal", "integer_literal", "long_literal", "real_literal", "float_literal",
                              "hex_literal", "unsigned_literal", "prefix_expression", "navigation_expression",
                              "multiplicative_expression"})


def _retry_defaults(src: syntax.Source) -> list[Construct]:
    """``suspend fun <T> retryIO(times: Int = 3, initialDelay: Long = 100, maxDelay: Long = 1000, factor:
    Double = 2.0, block: suspend () -> T)``: the Kotlin idiom of a retry helper whose policy is its
    parameters' defaults, which every caller that passes only the block runs with. Their names carry no
    retry word (``times``, ``factor``), so the settings scan passes them over; in a function named for
    retrying (``retryIO``, ``withRetry``, ``retrying``) each defaulted parameter is a retry setting, and a
    default changed is a retry change. A retry- or timeout-named parameter is the settings scan's."""
    out: list[Construct] = []
    for fn in syntax.nodes_of_types(src.root, L, ("function_declaration",)):
        name = syntax.scope_name(fn, L)
        ws = set(settings.words(name))
        if not ws & {"retry", "retrying", "retries", "reconnect", "backoff"}:
            continue
        params = next((c for c in fn.named_children if c.type == "function_value_parameters"), None)
        if params is None:
            continue
        kids = params.children
        for i, param in enumerate(kids):
            if param.type != "parameter" or i + 2 >= len(kids) or kids[i + 1].type != "=":
                continue
            value = kids[i + 2]
            pname = syntax.node_text(param.named_children[0]) if param.named_children else ""
            if value.type not in _LITERAL_DEFAULT or not pname or settings.classify(pname) is not None:
                continue
            line = syntax.line_of(param)
            out.append(Construct("retry", "setting", line, line, name, pname, value=settings.written(value)))
    return out


def _comparison(node) -> bool:
    """``attempt < 3``, ``++tries >= max``: an ordering comparison (``comparison_expression`` in older
    tree-sitter-kotlin grammars, a ``binary_expression`` with ``<``/``<=``/``>``/``>=`` in the one shipped)."""
    if node.type == "comparison_expression":
        return True
    return node.type == "binary_expression" and any(
        not c.is_named and syntax.node_text(c) in ("<", "<=", ">", ">=") for c in node.children)


def _has_args(call) -> bool:
    """A call that carries its own arguments (not the wrapper tree-sitter adds for a trailing lambda)."""
    return any(c.type in ("value_arguments", "call_suffix") for c in call.named_children) or (
        bool(call.named_children) and call.named_children[0].type != "call_expression"
        and any(c.type == "annotated_lambda" for c in call.named_children))


def _args(call) -> list:
    va = next((c for c in call.named_children if c.type == "value_arguments"), None)
    if va is None:
        suffix = next((c for c in call.named_children if c.type == "call_suffix"), None)
        va = next((c for c in suffix.named_children if c.type == "value_arguments"), None) if suffix else None
    if va is None:
        return []
    out = []
    for a in va.named_children:
        if a.type == "value_argument" and a.named_children:
            out.append(a.named_children[-1])
    return out


def _named_args(call) -> dict[str, object]:
    va = next((c for c in call.named_children if c.type == "value_arguments"), None)
    out: dict[str, object] = {}
    for a in va.named_children if va is not None else []:
        named = [c for c in a.named_children if not syntax.is_comment(c)]
        if len(named) == 2 and named[0].type in ("identifier", "simple_identifier"):
            out[syntax.node_text(named[0])] = named[1]
        elif named:
            out["value"] = named[-1]
    return out


def _trailing_lambda(call):
    """The ``{ … }`` after ``repeat(3)`` / ``flow.retry(3)``: a sibling in tree-sitter-kotlin's wrapper call."""
    for holder in (call, call.parent):
        if holder is None or holder.type != "call_expression":
            continue
        lam = next((c for c in holder.named_children if c.type == "annotated_lambda"), None)
        if lam is not None:
            return next((c for c in lam.named_children if c.type == "lambda_literal"), lam)
    return None


def _is_unit(node) -> bool:
    """``TimeUnit.SECONDS`` or a static-imported ``SECONDS``."""
    return syntax.node_text(node).rsplit(".", 1)[-1] in _UNIT_SECONDS


def _in_builder_block(call) -> bool:
    """``OkHttpClient.Builder().apply { connectTimeout(10, SECONDS) }``: a bare setter inside a scope
    function (apply/also/run/with) called on a client builder."""
    n = call.parent
    while n is not None and n.type not in ("function_declaration", "class_body"):
        if n.type == "call_expression" and any(c.type == "annotated_lambda" for c in n.named_children):
            owner = syntax.callee(n, L)
            if owner.rsplit(".", 1)[-1] in ("apply", "also", "run", "with") and re.search(
                    r"(?i)builder|OkHttpClient", syntax.node_text(n)[:200]):
                return True
        n = n.parent
    return False


def _overload_of(call, name: str) -> bool:
    """``fun callTimeout(duration: Duration) = apply { callTimeout(duration.toMillis(), MILLISECONDS) }``:
    a builder's overload handing its argument to the other one, not a timeout applied."""
    fn = syntax.ancestor(call, ("function_declaration",))
    return fn is not None and syntax.scope_name(fn, L) == name


def _let_bound(call, value: str) -> str:
    """A value written as ``it`` inside ``config.readTimeoutMillis?.let { … }`` is that property: which
    timeout is applied is the receiver of the ``let``, not the name ``it``."""
    if not re.search(r"\bit\b", value):
        return value
    n = call.parent
    while n is not None and n.type not in ("function_declaration", "class_body"):
        if n.type == "call_expression" and any(c.type == "annotated_lambda" for c in n.named_children):
            head = n.named_children[0] if n.named_children else None
            text = syntax.node_text(head)
            m = re.fullmatch(r"(?s)(.+?)\s*\??\.\s*(let|also)", text)
            if m:
                return re.sub(r"\bit\b", " ".join(m.group(1).split()), value)
            return value
        n = n.parent
    return value


def _own(node):
    return syntax.walk_within(node, _NESTED)


def _ends_with_return(block) -> bool:
    named = [c for c in block.named_children if not syntax.is_comment(c)]
    return bool(named) and (named[-1].type == "return_expression" or syntax.node_text(named[-1]) == "break")


def _over_items(loop) -> bool:
    """``for (host in hosts)`` or a ``while`` bounded by a collection's size: trying each alternative in
    turn, not retrying one operation (``for (attempt in 1..3)`` and ``repeat(n)`` do retry)."""
    if loop.type == "for_statement":
        return not any(c.type in ("range_expression", "infix_expression") for c in loop.named_children)
    return walks_collection(loop)


#: Kotlin's hooks for ``features.retry_timeout`` (``resilience.Hooks``): the JVM family's, shared with Java
HOOKS = Hooks(keeps_setting=keeps_setting, decides_nothing=decides_nothing)
