"""Retry and timeout constructs in JavaScript, TypeScript and TSX.

Finds the retry libraries JS services actually use (p-retry, async-retry, axios-retry, got, ky,
cockatiel), hand-written retry loops (a loop whose ``try`` exits on success and whose ``catch`` goes
round again), timeout settings (``AbortSignal.timeout``, ``setTimeout(() => c.abort(), ms)``,
``Promise.race`` with a timer, ``timeout``-like keys in option objects passed to a call,
``server.setTimeout``/``req.setTimeout``, ``axios.defaults.timeout = …``) and the HTTP call sites that
``timeout.missing`` is judged on (fetch, axios, got, ky, node http/https).

Only syntax nodes count: words in comments, strings and test names never match because matching is on
callee names and object keys of real call expressions, never on text. Library defaults used when an
option is omitted are documented in ``docs/retry_timeout_js_java.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mergeguard.features import syntax
from mergeguard.features.resilience import policy_functions
from mergeguard.features.resilience import (INFINITE, Construct, Hooks, LineScopedScanner, Scan, folded, loop_bound,
                                           walks_collection)
from mergeguard.features.resilience.settings import backoff_bound, bookkeeping, bounded, classify, words, written

_FUNCS = frozenset({"arrow_function", "function_expression", "function", "function_declaration",
                    "generator_function_declaration", "method_definition"})
_LOOPS = frozenset({"for_statement", "while_statement", "do_statement", "for_in_statement"})
_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
#: keys in option objects that set a timeout (ms unless the name says seconds)
_TIMEOUT_KEY = re.compile(r"^(timeout|\w*Timeout(MS|Ms|Millis)?|timeoutMs|timeout_ms|statement_timeout|"
                          r"query_timeout|idle_in_transaction_session_timeout|\w*_timeout)$")
#: the global timer, under the names code calls it by
_NODE_TIMER_CALLEES = ("setTimeout", "timers.setTimeout", "setTimeoutPromise")
_SLEEPS = re.compile(r"(^|\.)(sleep|delay|wait|setTimeout|backoff|pause|waitFor|timeout)$", re.I)
#: test-runner calls whose timeouts bound tests, not production code
#: methods that register an event listener (``req.on('timeout', …)``)
_LISTEN = frozenset({"on", "once", "addListener", "addEventListener", "prependListener", "prependOnceListener"})
_TEST_FRAMEWORK = frozenset({"jest", "vi", "jasmine", "it", "test", "describe", "beforeEach", "beforeAll",
                             "afterEach", "afterAll", "suite", "mocha"})

def scan(source: syntax.Source) -> Scan:
    """Every retry/timeout construct and every HTTP call site in one JS/TS image."""
    return _Scanner(source).run()


class _Scanner(LineScopedScanner):
    def __init__(self, source: syntax.Source) -> None:
        super().__init__(source)  # consts: const NAME = <number>
        self.lang = source.language
        self.imports: dict[str, str] = {}  # local name -> module ("pRetry" -> "p-retry")
        self.axios_instances: dict[str, bool] = {}  # name -> created with a timeout
        self.axios_default_timeout = False
        self.got_instances: dict[str, bool] = {}
        self.timer_handles: set[str] = set()  # names holding a timer that ends a wait (``this.timeoutTimer``)
        self._fns: frozenset[str] | None = None

    # -- driver -------------------------------------------------------------------------------------
    def run(self) -> Scan:
        root = self.src.root
        self._collect_declarations(root)
        for node in syntax.walk(root):
            t = node.type
            if t in ("call_expression", "new_expression"):
                if not syntax.inside_comment_or_string(node):
                    self._call(node)
            elif t in _LOOPS:
                self._loop(node)
            elif t == "assignment_expression":
                self._assignment(node)
            elif t == "pair" and not syntax.inside_comment_or_string(node):
                self._policy_members(node)
                self._named_deadline(node, node.child_by_field_name("key"), node.child_by_field_name("value"))
            elif t == "variable_declarator":
                self._named_deadline(node, node.child_by_field_name("name"), node.child_by_field_name("value"))
                self._retried_list(node, node.child_by_field_name("name"), node.child_by_field_name("value"))
                self._retried_codes(node, node.child_by_field_name("name"), node.child_by_field_name("value"))
            if t in ("variable_declarator", "pair", "assignment_expression"):
                self._defaulted_list(node)
        self._timer_clears(root)
        self.out.constructs = policy_functions.with_loop_digests(self.src, self.out.constructs)
        self.out.constructs.extend(c for c in policy_functions.scan(self.src) if _decides_policy(c))
        return self.out

    # -- declarations -------------------------------------------------------------------------------
    def _collect_declarations(self, root) -> None:
        for node in syntax.walk(root):
            if node.type == "import_statement":
                src = node.child_by_field_name("source")
                module = _strip(syntax.node_text(src))
                for n in syntax.walk(node):
                    if n.type != "identifier" or n.parent is None:
                        continue
                    alias = n.parent.child_by_field_name("alias") if n.parent.type == "import_specifier" else None
                    if alias is None or alias == n:
                        self.imports[syntax.node_text(n)] = module
            elif node.type == "assignment_expression" and not syntax.inside_comment_or_string(node):
                left = syntax.node_text(node.child_by_field_name("left"))
                if left.endswith(".defaults.timeout") and self._library_of(left) == "axios":
                    self.axios_default_timeout = True
            elif node.type == "variable_declarator":
                name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
                if value is None or name is None:
                    continue
                inner = value.child_by_field_name("argument") if value.type == "await_expression" else value
                if inner is not None and inner.type == "call_expression" and syntax.callee(inner, self.lang) == "require":
                    args = syntax.arguments(inner, self.lang)
                    module = _strip(syntax.node_text(args[0][1])) if args else ""
                    for n in syntax.walk(name):
                        if n.type in ("identifier", "shorthand_property_identifier_pattern"):
                            self.imports[syntax.node_text(n)] = module
                elif name.type == "identifier":
                    num = self._number(value, follow=False)
                    if num is not None:
                        self.consts[syntax.node_text(name)] = num
                    if inner is not None and inner.type == "call_expression":
                        c = syntax.callee(inner, self.lang)
                        lib = self._library_of(c)
                        if lib == "axios" and c.endswith(".create"):
                            self.axios_instances[syntax.node_text(name)] = self._options_have_timeout(inner)
                        elif lib == "got" and c.endswith(".extend"):
                            self.got_instances[syntax.node_text(name)] = self._options_have_timeout(inner)

    def _library_of(self, dotted: str) -> str:
        """The npm package a dotted callee comes from (by import when visible, else by its name)."""
        head = dotted.split(".", 1)[0]
        module = self.imports.get(head, "")
        if module:
            return module.split("/", 1)[0] if not module.startswith("@") else module
        if head in self.axios_instances:
            return "axios"
        if head in self.got_instances:
            return "got"
        return {"pRetry": "p-retry", "axiosRetry": "axios-retry", "asyncRetry": "async-retry"}.get(head, head)

    # -- calls --------------------------------------------------------------------------------------
    def _call(self, call) -> None:
        c = syntax.callee(call, self.lang)
        if not c or c.split(".", 1)[0] in _TEST_FRAMEWORK:
            return  # jest.setTimeout(…), it('…', fn, {timeout}) bound tests, not production calls
        lib = self._library_of(c)
        head = c.split(".", 1)[0]
        args = syntax.arguments(call, self.lang)
        if lib in ("p-retry", "promise-retry") or (lib == "async-retry" and head == c):
            if lib == "promise-retry" and args and args[0][1] is not None and args[0][1].type == "object":
                args = args[::-1]  # promiseRetry(options, fn) is the other order it accepts
            self._node_retry(call, lib, args)
        elif lib == "retry" and c.endswith(".operation") and "." in c:
            self._node_retry(call, "retry", [(None, None), *args])  # retry.operation({retries: 5})
        elif lib == "exponential-backoff" and c.rsplit(".", 1)[-1] == "backOff" and args:
            self._exponential_backoff(call, args)
        elif lib == "p-timeout" and head == c and len(args) >= 2:
            # pTimeout(promise, 5000) / pTimeout(promise, {milliseconds: 5000}): the promise rejects after it
            opt = args[1][1]
            ms = self._num_key(opt, "milliseconds") if opt is not None and opt.type == "object" else self._number(opt)
            self._timeout(call, "p-timeout", self._target_of(args[0][1]) or "promise",
                          ms / 1000 if ms is not None else None, zero_is_infinite=False)
        elif lib == "axios-retry" and head == c:
            self._axios_retry(call, args)
        elif lib == "cockatiel" and c.split(".")[-1] == "retry" and args:
            self._cockatiel(call, args)
        elif lib == "cockatiel" and ".retry" in c and _chain_top(call):
            self._cockatiel_fluent(call)
        elif c == "AbortSignal.timeout":
            self._timeout(call, "AbortSignal.timeout", self._enclosing_client(call), self._ms(args[0][1]) if args else None,
                          zero_is_infinite=False)
        elif (c in _NODE_TIMER_CALLEES or _TIMER_HELPER.search(c.rsplit(".", 1)[-1])) and len(args) >= 2 \
                and _aborts(args[0][1]):
            # a delay known only at run time keeps its expression as the value: a timer that now aborts
            # the request where none did is a timeout added, not a value handed through. A project's own
            # timer helper (safeTimeout(() => controller.abort(), reject, ms)) is the same timer
            ms = self._ms(args[-1][1])
            self._hold(call)
            self._timeout(call, "setTimeout.abort", self._enclosing_client(call) or "abort", ms, zero_is_infinite=False,
                          value="" if ms is not None else "abort after " + written(args[-1][1]))
        elif (c in _NODE_TIMER_CALLEES or c == "setInterval") and len(args) >= 2 and self._rescheduled(call, args[0][1]):
            delay = syntax.node_text(args[1][1])
            backoff = "exponential" if re.search(r"\*\*|Math\.pow|<<|\*\s*2\b", delay) else "fixed"
            self._retry(call, "setTimeout", "reschedule", None, backoff, "Math.random" in delay, args[0][1])
            timer = self.out.constructs[-1]  # valued by its delay as written: 1000 -> 5000 waits longer between tries
            self.out.constructs[-1] = replace(timer, value=policy_functions.decision_value(
                policy_functions.decisions(args[1][1], self.lang, messages=False)))
        elif c in _NODE_TIMER_CALLEES and len(args) >= 2 and _times_out(args[0][1], args[1][1]):
            # a timer that, when it fires, fails the operation (rejects with a TimeoutError, calls the
            # timeout handler): the wait's bound. Its value is the call as written, so a different
            # callback or delay is a change, the same timer moved or re-indented is not
            self._hold(call)
            self._valued_timeout(call, "setting", _assigned_name(call) or _enclosing_function_name(call) or "timer",
                                 _timer_value(args[0][1], args[1][1], self.lang))
        elif not c.endswith("setTimeout") and _TIMER_HELPER.search(c.rsplit(".", 1)[-1]) and len(args) >= 2 \
                and args[0][1] is not None and args[0][1].type not in _CALLBACKS and _times_out(args[1][1], args[0][1]):
            # a project's own timer helper taking the delay first (``addTimeout(delays.secureConnect,
            # timeoutHandler, 'secureConnect')``): the same timeout timer, valued the same way
            self._hold(call)
            self._valued_timeout(call, "setting", _assigned_name(call) or _enclosing_function_name(call) or "timer",
                                 _timer_value(args[1][1], args[0][1], self.lang))
        elif c == "Promise.race" and args:
            self._promise_race(call, args[0][1])
        elif c.rsplit(".", 1)[-1] in _LISTEN and "." in c and len(args) >= 2 and args[0][1] is not None \
                and _strip(syntax.node_text(args[0][1])) == "timeout" and syntax.is_string(args[0][1]):
            self._timeout_handler(call, c.rsplit(".", 1)[0], args[1][1])
        elif c.rsplit(".", 1)[-1] in _LISTEN and "." in c and len(args) >= 2 and args[0][1] is not None \
                and syntax.is_string(args[0][1]) and _strip(syntax.node_text(args[0][1])) in _RETRY_EVENTS \
                and args[1][1] is not None and args[1][1].type in _CALLBACKS:
            self._retry_listener(call, _strip(syntax.node_text(args[0][1])), args[1][1])
        elif c.endswith(".setTimeout") and c not in _NODE_TIMER_CALLEES and args and _settable(c.rsplit(".", 1)[0]):
            # server.setTimeout(ms) / req.setTimeout(ms) / socket.setTimeout(ms): 0 disables the timeout
            library = "node:" + c.rsplit(".", 1)[0].split(".")[-1]
            if self._ms(args[0][1]) == 0 and _teardown(call):
                # cancelers.push(() => req.setTimeout(0)), req.once('error', () => req.setTimeout(0)): the
                # timer is disarmed once the request is over; nothing is left to wait for
                self._valued_timeout(call, library, "setTimeout", "0 (disarmed on teardown)")
            else:
                # a bound known only at run time (session.setTimeout(timeout, close)) keeps its argument as
                # its value: applying one where none was is a timeout added, not plumbing handed through
                ms = self._ms(args[0][1])
                self._timeout(call, library, "setTimeout", ms, zero_is_infinite=True,
                              value="" if ms is not None else written(args[0][1]))
        elif _TIMEOUT_WRAPPER.match(c.rsplit(".", 1)[-1]) and args and not c.endswith("clearTimeout"):
            self._timeout_wrapper(call, c, args)
        else:
            self._recursion(call, c)
        if self._known_client(c):
            self._option_objects(call, c, lib, args)
        self._network_call(call, c, lib, args)

    def _function_names(self) -> frozenset[str]:
        """Names of the functions and methods this file defines (cached: asked for every call)."""
        if self._fns is None:
            self._fns = frozenset(sc.name for sc in self.src.scopes() if sc.kind in ("function", "method"))
        return self._fns

    def _timeout_wrapper(self, call, c: str, args) -> None:
        """``withTimeout(api.get(url), 5000)``, ``timeout(fetch(url), 5000)``, bluebird's
        ``promise.timeout(5000)``, superagent's ``.timeout({response: 5000, deadline: 60000})``: a call
        named for the timeout it puts on an operation, with the bound as a number. Only a numeric
        bound (a literal, a constant, an option object of them) counts: ``timeout(fn)`` with no number
        is not known to be one."""
        for _, a in args:
            if a is None:
                continue
            if a.type == "object":
                for pair in _pairs(a):
                    k = _strip(syntax.node_text(pair.child_by_field_name("key")))
                    v = pair.child_by_field_name("value")
                    n = self._number(v) if v is not None else None
                    if n is not None and (k in ("response", "deadline", "milliseconds", "ms") or _TIMEOUT_KEY.match(k)):
                        self._timeout(pair, "timeout-call", f"{c}.{k}", n / 1000, zero_is_infinite=False)
                return
            n = self._number(a)
            if n is not None:
                target = self._target_of(args[0][1]) if a is not args[0][1] else c
                self._timeout(call, "timeout-call", target or c, n / 1000, zero_is_infinite=False)
                return

    def _deadline(self, node, name: str, value) -> None:
        """``const deadline = new Date(Date.now() + 5000)``, ``{deadline: Date.now() + 5000}`` (gRPC): a
        deadline so many milliseconds from now is a timeout of that many milliseconds."""
        for n in syntax.walk(value):
            if n.type == "binary_expression" and syntax.node_text(n.child_by_field_name("operator")) == "+":
                left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
                for now, span in ((left, right), (right, left)):
                    if now is not None and re.fullmatch(r"Date\.now\(\)|new Date\(\)\.getTime\(\)|\+new Date\(\)|"
                                                        r"performance\.now\(\)", syntax.node_text(now)):
                        ms = self._number(span)
                        self._timeout(node, "deadline", name, ms / 1000 if ms is not None else None,
                                      value=written(span))
                        return

    def _hold(self, call) -> None:
        """Remember the name a timeout timer is stored under (``const id = setTimeout(...)``,
        ``req.requestTimeoutTimer = setTimeout(...)``), for :meth:`_timer_clears`."""
        p = call.parent
        if p is not None and p.type == "variable_declarator":
            self.timer_handles.add(syntax.node_text(p.child_by_field_name("name")))
        elif p is not None and p.type == "assignment_expression" and p.child_by_field_name("right") == call:
            self.timer_handles.add(syntax.node_text(p.child_by_field_name("left")).rsplit(".", 1)[-1])

    def _timer_clears(self, root) -> None:
        """``clearTimeout(id)`` of a timeout timer, by *when* it runs: in a ``finally``, a ``catch``, a
        ``'end'`` listener nested in a ``'response'`` one. Clearing a timeout ends the bound it puts
        on the wait; clearing it on another event (when the response ends, not the request) or where it
        was not cleared before changes how long the bound applies, and a clear that only moved within
        the same place is no change. The place is part of the target, so such a change reads as one
        clear removed and one added."""
        if not self.timer_handles:
            return  # no timeout timer in this file: nothing to clear
        for call in syntax.walk(root):
            if call.type != "call_expression" or syntax.callee(call, self.lang) not in ("clearTimeout", "clearInterval"):
                continue
            args = syntax.arguments(call, self.lang)
            arg = syntax.node_text(args[0][1]) if args and args[0][1] is not None else ""
            handle = arg.rsplit(".", 1)[-1]
            if handle not in self.timer_handles:
                continue  # only a timer this file sets to end a wait (a refresh or heartbeat timer is no bound)
            when = _when_it_runs(call)
            line = syntax.line_of(call)
            self.out.constructs.append(Construct(
                "timeout", "clearTimeout", line, call.end_point[0] + 1, self._scope(line),
                target=f"{handle} cleared {when}", value=f"cleared {when}", snippet=self._snippet(line)))

    def _recursion(self, call, c: str) -> None:
        """``function fetchWithRetry(url, n = 3) { return fetch(url).catch(() => n > 1 ? delay(200).then(() =>
        fetchWithRetry(url, n - 1)) : Promise.reject(err)) }``: a function that calls itself again when
        its operation fails (in a ``catch`` clause or a ``.catch``/``.then(_, onRejected)`` callback)
        retries by recursion. Its attempts are the starting value of the counter it passes on
        decremented, its delay a wait on the way; it is valued by what the failure path decides."""
        f = call.child_by_field_name("function")
        if f is not None and f.type == "member_expression":
            c = syntax.node_text(f)  # ``this.#retry(fn)``: the callee with its private name
        name = c.rsplit(".", 1)[-1]
        if c not in (name, f"this.{name}") or name not in self._function_names():
            return  # only a call of a function this file defines can be it calling itself
        handler = _failure_path(call)
        if handler is not None and any(syntax.callee(t, self.lang) in (*_NODE_TIMER_CALLEES, "setInterval")
                                       for t in syntax.calls(handler, self.lang) if _within(call, t)):
            return  # catch (e) { setTimeout(() => connect(url), delay) }: the timer is the retry (_rescheduled)
        fn = syntax.ancestor(call, _FUNCS) if handler is not None else None
        while fn is not None and syntax.scope_name(fn, self.lang) != name:
            fn = syntax.ancestor(fn, _FUNCS)  # out of the callbacks, to the function that calls itself
        if fn is None or handler is None or not _within(handler, fn) or not _same_inputs(call, fn):
            return
        scope_name = name
        attempts = None
        args = syntax.arguments(call, self.lang)
        for _, a in args:
            if a is not None and a.type == "binary_expression" and syntax.node_text(
                    a.child_by_field_name("operator")) == "-" and syntax.node_text(a.child_by_field_name("right")) == "1":
                counter = a.child_by_field_name("left")
                if counter is not None and counter.type == "identifier":
                    attempts = self._number(_parameter_default(counter), follow=True)
        waits = [w for w in syntax.calls(handler, self.lang) if _SLEEPS.search(syntax.callee(w, self.lang) or "")]
        text = " ".join(syntax.node_text(w) for w in waits)
        backoff: str | None = "none" if not waits else (
            "exponential" if re.search(r"\*\*|Math\.pow|<<|\*\s*2\b", text) else "fixed")
        if attempts is None and any(a is not None and a.type == "true" for _, a in args):
            # this.#execute(cmd, /* retried */ true): recover and try once more; an immediate second
            # try after repairing state is no missing backoff
            attempts, backoff = 2.0, None
        self._retry(call, "recursion", scope_name, attempts, backoff, "Math.random" in text, None)
        # valued like a loop: what leaves the failure path or waits on it, under which conditions, and
        # the delays as written; a hook called on the way (``for (const hook of beforeRetry)``) is not it
        tokens = policy_functions.loop_decisions(handler, self.lang) + _wait_tokens(waits, self.lang, self._declared)
        rec = self.out.constructs[-1]
        self.out.constructs[-1] = replace(rec, value=policy_functions.decision_value(tokens))

    def _known_client(self, c: str) -> bool:
        """Options count only when passed to a package's API (imported/required) or to fetch/an instance.

        ``Object.freeze({sessionTimeout: 1000})`` or a local helper's options say nothing about a client.
        """
        head = c.split(".", 1)[0]
        return (head in self.imports or head in self.axios_instances or head in self.got_instances
                or c in ("fetch", "axios", "got", "ky"))

    def _node_retry(self, call, lib: str, args) -> None:
        """p-retry / async-retry: both wrap node-retry (retries 10, factor 2, minTimeout 1000 ms)."""
        opts = _object_arg(args, 1)
        retries = self._num_key(opts, "retries")
        forever = syntax.node_text(_key(opts, "forever")) == "true"
        attempts = INFINITE if forever else (retries + 1 if retries is not None else (11 if _key(opts, "retries") is None else None))
        factor = self._num_key(opts, "factor")
        min_timeout = self._num_key(opts, "minTimeout")
        if min_timeout == 0:
            backoff = "none"
        elif factor is not None and factor <= 1:
            backoff = "fixed"
        else:
            backoff = "exponential"
        randomize = _key(opts, "randomize")
        jitter = syntax.node_text(randomize) == "true" if randomize is not None else False
        fn = args[0][1] if args else None
        self._retry(call, lib, self._target_of(fn), attempts, backoff, jitter, fn)
        stops = self._stop_decisions(fn)
        if stops:
            c = self.out.constructs[-1]
            self.out.constructs[-1] = replace(c, value=policy_functions.decision_value(stops))

    def _stop_decisions(self, fn) -> list[str]:
        """What makes a retried function stop the retrying (async-retry's ``bail(err)``, p-retry's
        ``throw new AbortError(...)``) and under which conditions: ``if (res.status === 403) return
        bail(new Error('forbidden'))`` decides which failures are not retried. Empty when it never stops
        early (then the construct is judged by its limits and delays alone)."""
        if fn is not None and fn.type == "identifier":
            fn = self._function_named(syntax.node_text(fn))
        if fn is None or fn.type not in _FUNCS:
            return []
        params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
        first = next((n for n in (params.named_children if params is not None and params.type != "identifier"
                                  else [params] if params is not None else []) if not syntax.is_comment(n)), None)
        bail = syntax.node_text(first) if first is not None and first.type == "identifier" else "bail"
        out: list[str] = []
        for n in syntax.walk(fn):
            stop = (n.type == "call_expression" and syntax.callee(n, self.lang) == bail) or (
                n.type == "throw_statement" and re.search(r"new\s+([\w.]+\.)?AbortError\b", syntax.node_text(n)))
            if not stop:
                continue
            out.append("stop")
            p = n.parent
            while p is not None and p != fn:
                if p.type in ("if_statement", "ternary_expression"):
                    cond = p.child_by_field_name("condition")
                    if cond is not None and not _within(n, cond):
                        out += ["|", *policy_functions.decisions(cond, self.lang, messages=False)]
                p = p.parent
            out.append(";")
        return out

    def _exponential_backoff(self, call, args) -> None:
        """exponential-backoff ``backOff(fn, {numOfAttempts, startingDelay, timeMultiplier, jitter})``:
        10 attempts, 100 ms doubling, no jitter unless set."""
        opts = _object_arg(args, 1)
        n = self._num_key(opts, "numOfAttempts")
        attempts = n if n is not None else (10.0 if _key(opts, "numOfAttempts") is None else None)
        multiplier = self._num_key(opts, "timeMultiplier")
        start = self._num_key(opts, "startingDelay")
        backoff = "none" if start == 0 else ("fixed" if multiplier is not None and multiplier <= 1 else "exponential")
        jitter = _key(opts, "jitter")
        fn = args[0][1]
        self._retry(call, "exponential-backoff", self._target_of(fn), attempts, backoff,
                    jitter is not None and _strip(syntax.node_text(jitter)) == "full", fn)

    def _axios_retry(self, call, args) -> None:
        """axios-retry: 3 retries with no delay unless ``retryDelay`` says otherwise."""
        opts = _object_arg(args, 1)
        retries = self._num_key(opts, "retries")
        attempts = (retries + 1) if retries is not None else (4 if _key(opts, "retries") is None else None)
        delay = _key(opts, "retryDelay")
        if delay is None:
            backoff = "none"
        else:
            text = syntax.node_text(delay)
            backoff = "exponential" if ("exponential" in text or "**" in text or "Math.pow" in text) else "fixed"
            if text.endswith("noDelay") or text.strip() in ("0", "() => 0"):
                backoff = "none"
        jitter = delay is not None and ("Math.random" in syntax.node_text(delay) or "exponentialDelay" in syntax.node_text(delay))
        client = syntax.node_text(args[0][1]) if args else "axios"
        self._retry(call, "axios-retry", client, attempts, backoff, jitter, None)

    def _cockatiel(self, call, args) -> None:
        """cockatiel ``retry(policy, {maxAttempts, backoff})``: unlimited and immediate unless set."""
        opts = _object_arg(args, 1)
        n = self._num_key(opts, "maxAttempts")
        attempts = (n + 1) if n is not None else (INFINITE if _key(opts, "maxAttempts") is None else None)
        b = _key(opts, "backoff")
        text = syntax.node_text(b) if b is not None else ""
        backoff = "exponential" if "Exponential" in text else ("fixed" if b is not None else "none")
        target = _assigned_name(call) or "retry"
        self._retry(call, "cockatiel", target, attempts, backoff, "Exponential" in text, None)

    def _cockatiel_fluent(self, call) -> None:
        """cockatiel 1.x/2.x ``Policy.handleAll().retry().attempts(3).exponential()``.

        Without ``attempts`` the policy retries once (its default backoff is ``ConstantBackoff(0, 1)``).
        """
        links = _links(call)
        names = [n for n, _ in links]
        if "retry" not in names:
            return
        after = names[names.index("retry") + 1:]
        attempts: float | None = 2.0
        for name, a in links:
            if name == "attempts":
                n = self._number(a[0]) if a else None
                attempts = n + 1 if n is not None else None
        backoff = "exponential" if "exponential" in after else ("fixed" if {"delay", "delegate", "backoff"} & set(after)
                                                                else "none")
        target = _assigned_name(call) or "retry"
        self._retry(call, "cockatiel", target, attempts, backoff, "exponential" in after, None)

    def _option_objects(self, call, c: str, lib: str, args) -> None:
        """``timeout``-like keys and got/ky ``retry`` options in object literals passed to a call."""
        for _, value in args:
            if value is None or value.type != "object":
                continue
            for pair in _pairs(value):
                key = _strip(syntax.node_text(pair.child_by_field_name("key")))
                val = pair.child_by_field_name("value")
                if key == "retry" and lib in ("got", "ky"):
                    self._got_retry(call, lib, c, val)
                elif key == "signal" or val is None or backoff_bound(pair, key):
                    continue  # (``{retries: 5, minTimeout: 500}``: the delay between attempts, no wait)
                elif val.type == "object" and not _TIMEOUT_KEY.match(key):
                    # undici ``new Agent({connect: {timeout: 10_000}})``, redis ``{socket: {connectTimeout}}``:
                    # a timeout of one part of the client, one level down
                    for inner in _pairs(val):
                        ik = _strip(syntax.node_text(inner.child_by_field_name("key")))
                        iv = inner.child_by_field_name("value")
                        if _TIMEOUT_KEY.match(ik) and iv is not None and iv.type not in ("object", *_FUNCS):
                            self._timeout(inner, lib, f"{key}.{ik}", self._ms(iv, key=ik), zero_is_infinite=True)
                elif _TIMEOUT_KEY.match(key):
                    if val.type == "object":  # got: timeout: {request: 5000, connect: 500}
                        for inner in _pairs(val):
                            ik = _strip(syntax.node_text(inner.child_by_field_name("key")))
                            self._timeout(inner, lib, f"{key}.{ik}", self._ms(inner.child_by_field_name("value"), key=ik),
                                          zero_is_infinite=True)
                    elif _defaults_to_none(val):
                        # timeout: Number(options.pluginTimeout) || 0: the caller's choice, and by default
                        # none, as before the option existed; its value is not known here
                        self._valued_timeout(pair, lib, key, written(val))
                    else:
                        self._timeout(pair, lib, key, self._ms(val, key=key), zero_is_infinite=True)

    def _retried_list(self, node, name_node, value) -> None:
        """``const retryRanges = [[100, 199], [429, 429], [500, 599]]`` inside a function: which status
        codes or errors are retried, held in a local ``const`` (the shared settings scan leaves locals
        out, as counters; a ``const`` list is no counter)."""
        if name_node is None or value is None or name_node.type != "identifier" or value.type != "array" \
                or node.parent is None or node.parent.type != "lexical_declaration" \
                or not syntax.node_text(node.parent).startswith("const") or syntax.ancestor(node, _FUNCS) is None:
            return
        name = syntax.node_text(name_node)
        if classify(name) == "retry" and _literal(value):
            self._setting(node, "retry", name, value)

    def _retried_codes(self, node, name_node, value) -> None:
        """``const WHITELIST = new Set(['ETIMEDOUT', 'ECONNRESET', 'EPIPE'])`` in a retry module
        (``is-retry-allowed.js``) or under a retry name (``retryableCodes``): which network errors are
        retried, a setting valued by its codes, so a code added or dropped is a retry change. A list of
        codes elsewhere (errors ignored on close, logged) is not read."""
        if name_node is None or value is None or name_node.type != "identifier":
            return
        items = value
        if items.type == "new_expression" and (syntax.callee(items, self.lang) or "") == "Set":
            first = next(iter(syntax.arguments(items, self.lang)), (None, None))[1]
            items = first if first is not None else items
        if items.type != "array":
            return
        codes = [_strip(syntax.node_text(v)) for v in items.named_children if v.type != "comment"]
        if len(codes) < 2 or not all(syntax.is_string(v) for v in items.named_children if v.type != "comment") \
                or not all(_ERRNO.match(c) for c in codes):
            return
        stem = self.src.path.rsplit("/", 1)[-1].split(".", 1)[0]
        name = syntax.node_text(name_node)
        if classify(name) == "retry" or classify(stem) == "retry" or "retry" in words(stem):
            self._setting(node, "retry", name, items)

    def _defaulted_list(self, node) -> None:
        """``config.statusCodesToRetry = config.statusCodesToRetry || [[100, 199], [429, 429]]``,
        ``methods: opts.methods ?? ['GET', 'PUT']``: a retry list the caller may give, with a literal
        default; the default is the setting (the shared scan values only a numeric default)."""
        name_node = node.child_by_field_name("name") or node.child_by_field_name("key") or node.child_by_field_name("left")
        value = node.child_by_field_name("value") or node.child_by_field_name("right")
        if name_node is None or value is None or value.type != "binary_expression" \
                or syntax.node_text(value.child_by_field_name("operator")) not in ("||", "??"):
            return
        name = _strip(syntax.node_text(name_node)).rsplit(".", 1)[-1]
        default = value.child_by_field_name("right")
        if classify(name) == "retry" and default is not None and default.type in ("array", "object") and (
                _literal(default) if default.type == "array" else all(
                    (v := p.child_by_field_name("value")) is not None and _literal(v) for p in _pairs(default))):
            self._setting(node, "retry", name, default)

    def _setting(self, node, kind: str, name: str, value) -> None:
        line = syntax.line_of(node)
        self.out.constructs.append(Construct(
            kind, "setting", line, node.end_point[0] + 1, self._scope(line), target=name,
            value=_code_text(value), snippet=self._snippet(line)))

    def _named_deadline(self, node, name_node, value) -> None:
        if name_node is None or value is None or name_node.type not in (
                "identifier", "property_identifier", "string"):
            return
        name = _strip(syntax.node_text(name_node))
        if classify(name) == "timeout" and re.search(r"\b(Date|performance)\b", syntax.node_text(value)):
            self._deadline(node, name, value)

    def _policy_members(self, pair) -> None:
        """``retry: {limit: 2, statusCodes: [408, 429, 500], errorCodes: ['ECONNRESET'], calculateDelay: fn}``
        in a client's defaults: which status codes and errors are retried and how many times, as
        settings of their own (``retry.statusCodes``). The shared settings scan records such an object
        as one setting only when all of it is constant; a function among its members (a delay
        callback) hides the rest, so the literal members are recorded here, one by one."""
        key = _strip(syntax.node_text(pair.child_by_field_name("key")))
        obj = pair.child_by_field_name("value")
        if classify(key) != "retry" or obj is None or obj.type != "object" or not any(
                v is not None and v.type in _FUNCS for v in (p.child_by_field_name("value") for p in _pairs(obj))):
            return
        kind = "retry"
        for inner in _pairs(obj):
            ik = _strip(syntax.node_text(inner.child_by_field_name("key")))
            iv = inner.child_by_field_name("value")
            if iv is None or iv.type not in _LITERALS or not _literal(iv):
                continue
            self._setting(inner, kind, f"{key}.{ik}", iv)

    def _got_retry(self, call, lib: str, c: str, val) -> None:
        """got ``retry: {limit}`` (default 2, exponential) / ky ``retry: n | {limit}`` (default 2)."""
        if val.type == "object":
            limit = self._num_key(val, "limit")
            given = _key(val, "limit") is not None
        else:
            limit, given = self._number(val), True
        attempts = (limit + 1) if limit is not None else (3 if not given else None)
        self._retry(call, lib, c, attempts, "exponential", True, None)

    def _promise_race(self, call, arr) -> None:
        if arr.type != "array":
            return
        for el in arr.named_children:
            if el.type == "identifier":
                # ``const timeout = new Promise((_, reject) => { setTimeout(reject, ms) })`` made first,
                # then raced by name: the same timer
                el = self._declared(call, syntax.node_text(el)) or el
            for inner in syntax.calls(el, self.lang):
                if syntax.callee(inner, self.lang) in _NODE_TIMER_CALLEES:
                    a = syntax.arguments(inner, self.lang)
                    ms = self._ms(a[1][1]) if len(a) >= 2 else None
                    self._timeout(call, "Promise.race", self._race_target(arr), ms, zero_is_infinite=False)
                    return

    def _declared(self, node, name: str):
        """The value ``name`` is declared with (``const name = value``) in the function ``node`` is in,
        or in the function around that (a callback reads its outer function's names), or None. One
        index per function and image: a function of many races walks itself once."""
        fn = syntax.ancestor(node, tuple(_FUNCS))
        for _ in range(_DECLARED_DEPTH):
            if fn is None:
                return None

            def index(fn=fn) -> dict[str, Any]:
                out: dict[str, Any] = {}
                for d in syntax.nodes_of_types(fn, self.lang, ("variable_declarator",)):
                    n, v = d.child_by_field_name("name"), d.child_by_field_name("value")
                    if n is not None and v is not None and n.type == "identifier":
                        out.setdefault(syntax.node_text(n), v)
                return out

            found = syntax.image_memo(self.src, ("js.declared", fn.start_byte, fn.end_byte), index).get(name)
            if found is not None:
                return found
            fn = syntax.ancestor(fn, tuple(_FUNCS))
        return None

    def _race_target(self, arr) -> str:
        for el in arr.named_children:
            for inner in syntax.calls(el, self.lang):
                name = syntax.callee(inner, self.lang)
                if name not in _NODE_TIMER_CALLEES and name not in ("Promise", "reject", "resolve") and not name.endswith("Error"):
                    return name
        return "race"

    # -- network calls -----------------------------------------------------------------------------
    def _network_call(self, call, c: str, lib: str, args) -> None:
        parts = c.split(".")
        verb = parts[-1] if len(parts) > 1 else ""
        if _passes_options_on(args, c, lib):
            # the caller's options handed on (``fetch(url, init)``, ``{...options, method}``): whether a
            # signal or a timeout is among them is decided where they are built, not at this call
            return
        if c in ("fetch", "undici.fetch") or (lib == "node-fetch" and len(parts) == 1):
            opts = _object_arg(args, 1)
            has = opts is not None and (_key(opts, "signal") is not None or _key(opts, "timeout") is not None)
            self._net(call, "fetch", c, has, True)
        elif lib == "axios" and (len(parts) == 1 or verb in _HTTP_VERBS):
            has = self.axios_default_timeout or self.axios_instances.get(parts[0], False) or self._options_have_timeout(call)
            self._net(call, "axios", c, has, True)
        elif lib == "got" and (len(parts) == 1 or verb in _HTTP_VERBS or verb == "stream"):
            has = self.got_instances.get(parts[0], False) or self._options_have_timeout(call)
            self._net(call, "got", c, has, True)
        elif lib == "ky" and (len(parts) == 1 or verb in _HTTP_VERBS):
            opts = _object_arg(args, 1)
            tv = _key(opts, "timeout")
            unbounded = tv is not None and syntax.node_text(tv) == "false"
            self._net(call, "ky", c, not unbounded, False)
        elif lib in ("http", "https", "node:http", "node:https") and verb in ("request", "get"):
            has = self._options_have_timeout(call) or _chained_set_timeout(call)
            self._net(call, "node:http", c, has, True)

    def _options_have_timeout(self, call) -> bool:
        for _, value in syntax.arguments(call, self.lang):
            if value is not None and value.type == "object":
                for pair in _pairs(value):
                    key = _strip(syntax.node_text(pair.child_by_field_name("key")))
                    if key == "signal" or _TIMEOUT_KEY.match(key):
                        return True
        return False

    def _assignment(self, node) -> None:
        """``axios.defaults.timeout = 5000`` / ``server.requestTimeout = 0`` / ``instance.defaults.timeout``."""
        if syntax.inside_comment_or_string(node):
            return
        left = node.child_by_field_name("left")
        if left is None or left.type != "member_expression":
            return
        prop = syntax.node_text(left.child_by_field_name("property"))
        if prop == "ontimeout" and node.child_by_field_name("right") is not None:
            self._timeout_handler(node, syntax.node_text(left.child_by_field_name("object")),
                                  node.child_by_field_name("right"))
            return
        if not _TIMEOUT_KEY.match(prop) or prop.startswith(("_", "on")):
            return
        obj = syntax.node_text(left.child_by_field_name("object"))
        right = node.child_by_field_name("right")
        if not _settable(obj) or right is None or right.type in _FUNCS or right.type in (
                "call_expression", "null", "undefined", "member_expression") or syntax.node_text(right) == "undefined":
            return  # this._timeout = setTimeout(...) holds a timer handle; exports.x = fn is not a setting
        lib = self._library_of(obj)
        self._timeout(node, lib if lib in ("axios", "got") else "node:" + obj.split(".")[-1], prop,
                      self._ms(node.child_by_field_name("right"), key=prop), zero_is_infinite=True)

    def _valued_timeout(self, node, library: str, target: str, value: str) -> None:
        """A timeout set at run time, with its expression kept as the value (for moves and messages)."""
        line = syntax.line_of(node)
        self.out.constructs.append(Construct(
            "timeout", library, line, node.end_point[0] + 1, self._scope(line), target=target, value=value,
            snippet=self._snippet(line)))

    def _timeout_handler(self, node, receiver: str, handler) -> None:
        """``req.on('timeout', h)`` / ``xhr.ontimeout = h``: what happens when a request or socket times
        out. Adding one makes a wait that never ended end (a request rejects instead of hanging); taking
        one away, or commenting it out, lets it hang again. Its duration is set elsewhere: the
        construct carries the handler as its value (a function written in place by how it ends the
        wait, :func:`_ending`), so a handler that only moved, or whose message or bookkeeping changed,
        is no change."""
        line = syntax.line_of(node)
        value = "ends: " + ",".join(sorted(_ending(handler, self.lang))) if handler is not None and \
            handler.type in _CALLBACKS else written(handler)
        self.out.constructs.append(Construct(
            "timeout", "timeout-event", line, node.end_point[0] + 1, self._scope(line), target=receiver,
            value=value, snippet=self._snippet(line)))

    def _retry_listener(self, node, event: str, handler) -> None:
        """``request.once('retry', (count, error) => { if (promiseSettled) return; makeRequest(count); })``:
        the code that runs the next attempt, valued by the guards that stop it (an ``if`` whose branch
        returns or throws, in order), so a guard added or dropped changes whether a retry happens. A
        listener without such a guard (one that logs or counts) is not recorded: it decides nothing."""
        body = handler.child_by_field_name("body")
        if body is None or body.type != "statement_block":
            return
        guards = []
        for stmt in body.named_children:
            if stmt.type != "if_statement":
                continue
            cons = stmt.child_by_field_name("consequence")
            if cons is None or not any(n.type in ("return_statement", "throw_statement")
                                       and syntax.ancestor(n, _FUNCS) == handler for n in syntax.walk(cons)):
                continue
            cond = stmt.child_by_field_name("condition")
            guards.append(" ".join(syntax.node_text(cond).split()) if cond is not None else "")
        if not guards:
            return
        line = syntax.line_of(node)
        self.out.constructs.append(Construct(
            "retry", "retry-event", line, node.end_point[0] + 1, self._scope(line), target=event,
            value=bounded("#" + " && ".join(guards)), snippet=self._snippet(line)))  # "#": valued by its decisions

    # -- hand-written loops ------------------------------------------------------------------------
    def _loop(self, loop) -> None:
        body = loop.child_by_field_name("body")
        if walks_collection(loop) and not self._delay_list(loop, body):
            return  # trying each alternative in turn is not retrying one
        if body is None or loop.type == "for_in_statement":  # for (x of items): iterating, not retrying
            return
        tries = [n for n in _own(body) if n.type == "try_statement"]
        for t in tries:
            handler = t.child_by_field_name("handler")
            block = t.child_by_field_name("body")
            if handler is None or block is None:
                continue
            exits = any(n.type in ("return_statement", "break_statement") for n in _own(block))
            hbody = handler.child_by_field_name("body")
            h_stmts = [s for s in (hbody.named_children if hbody is not None else []) if not syntax.is_comment(s)]
            if not exits or (h_stmts and h_stmts[-1].type == "throw_statement" and len(h_stmts) == 1):
                continue
            if hbody is not None and any(n.type in ("return_statement", "break_statement") for n in _own(hbody)):
                continue  # the catch gives up: a fallback, not a retry
            if _indexes_collection(loop) or _moves_on(block, hbody) or _consumes(loop, body, block):
                continue  # the next candidate, the parent path, the next host: not the same operation again
            self._loop_retry(loop, t, handler)
            return
        if not tries and not _indexes_collection(loop):
            self._response_loop(loop, body)

    def _delay_list(self, loop, body) -> bool:
        """``while (delays.length) { try { return await send() } catch { await sleep(delays.shift()) } }``:
        the collection the loop walks is the list of waits between attempts, not alternatives to try:
        every element it takes goes straight into a sleep, and the tried call reads none of it."""
        cond = loop.child_by_field_name("condition")
        if cond is None or body is None:
            return False
        tested = {syntax.node_text(n) for n in syntax.walk(cond) if n.type in ("identifier", "member_expression")}
        taken = [c for c in syntax.calls(body, self.lang) if (syntax.callee(c, self.lang) or "").rsplit(".", 1)[-1]
                 in ("shift", "pop") and (syntax.callee(c, self.lang) or "").rsplit(".", 1)[0] in tested]
        if not taken:
            return False
        for c in taken:
            p = c.parent
            if p is None or p.type != "arguments" or p.parent is None or not _SLEEPS.search(
                    syntax.callee(p.parent, self.lang) or ""):
                return False  # const host = hosts.shift(): the next alternative
        return True

    def _response_loop(self, loop, body) -> None:
        """``for (let i = 0; i < 3; i++) { const res = await fetch(url); if (res.ok) return res; await
        sleep(1000); }``: a loop with no ``try`` that leaves once a response or a callback says it
        succeeded (``res.ok``, ``res.status`` against a number, ``!err``) and waits before going round
        again retries the call. A poll waits for a state (``job.status === 'done'``) and is no retry."""
        sleeps = [c for c in _own_calls(body, self.lang) if _SLEEPS.search(syntax.callee(c, self.lang) or "")]
        if not sleeps:
            return
        exits = [n for n in _own(body) if n.type in ("return_statement", "break_statement")]
        if not any(_succeeded(cond) for e in exits
                   if (cond := _condition_of(e, loop)) is not None):
            return
        attempts = self._loop_attempts(loop, body)
        text = " ".join(syntax.node_text(c) for c in sleeps)
        backoff = "exponential" if re.search(r"\*\*|Math\.pow|<<|\*=\s*\d|\*\s*2\b", text) else "fixed"
        self._retry(loop, "loop", "loop", attempts, backoff, "Math.random" in text, body)
        self._value_loop(loop, sleeps)

    def _loop_retry(self, loop, trynode, handler) -> None:
        attempts = self._loop_attempts(loop, handler)
        sleeps = [c for c in syntax.calls(loop, self.lang) if _SLEEPS.search(syntax.callee(c, self.lang) or "")
                  and not _within(c, trynode.child_by_field_name("body"))]
        if not sleeps:
            # new Promise(r => setTimeout(r, ms)) shows up as a setTimeout call, caught above
            backoff, jitter = "none", False
        else:
            text = " ".join(syntax.node_text(s) for s in sleeps) + " " + syntax.node_text(handler)
            backoff = "exponential" if re.search(r"\*\*|Math\.pow|<<|\*=\s*\d|\bbackoff\b\s*\*|\*\s*2\b", text) else "fixed"
            jitter = "Math.random" in text
        self._retry(loop, "loop", "loop", attempts, backoff, jitter, trynode.child_by_field_name("body"))
        self._value_loop(loop, sleeps)

    def _value_loop(self, loop, sleeps) -> None:
        """The loop just recorded, valued by what it decides: what ends or skips a pass and under which
        conditions (``policy_functions``' reading of a loop), and how long each wait is as written
        (``setTimeout(r, 500)`` -> ``setTimeout(r, 2000)`` changes the delay, ``sleep(backoff)`` read
        through a renamed variable does not)."""
        tokens = policy_functions.loop_decisions(loop, self.lang) + _wait_tokens(sleeps, self.lang, self._declared)
        c = self.out.constructs[-1]
        self.out.constructs[-1] = replace(c, value=policy_functions.decision_value(tokens))

    def _loop_attempts(self, loop, handler) -> float | None:
        cond = loop.child_by_field_name("condition")
        if cond is not None and cond.type == "parenthesized_expression" and cond.named_children:
            cond = cond.named_children[0]
        text = syntax.node_text(cond).strip().rstrip(";").strip() if cond is not None else ""
        if loop.type == "for_statement" and text in ("", ";"):
            text = "true"
        if text in ("true", "1", "!0"):
            # bounded only if the catch (or the loop) gives up after a count: if (attempt >= 5) throw e
            for n in syntax.walk(handler):
                if n.type == "if_statement" and any(m.type == "throw_statement" for m in syntax.walk(n)):
                    bound = loop_bound(n.child_by_field_name("condition"), self._number)
                    return bound
            return INFINITE
        countdown = _countdown(cond)
        if countdown is not None:
            # while (retries-- > 0), while (attempts--): as many passes as the counter starts with
            return self._number(_initial_value(countdown, loop), follow=True)
        bound = loop_bound(cond, self._number)
        if bound is not None and loop.type == "for_statement":
            init = loop.child_by_field_name("initializer")
            start = None
            if init is not None:
                for n in syntax.walk(init):
                    if n.type == "variable_declarator":
                        start = self._number(n.child_by_field_name("value"))
            if start is not None and start >= 1:
                bound -= start
        return bound


    # -- emitting ----------------------------------------------------------------------------------
    def _timeout(self, node, library: str, target: str, seconds, *, zero_is_infinite: bool = False,
                 line: int | None = None, value: str = "") -> None:
        """A timeout where ``0`` means none for the library (``zero_is_infinite``: axios, got, http)."""
        super()._timeout(node, library, target, INFINITE if seconds == 0 and zero_is_infinite else seconds, line=line,
                         value=value)

    def _rescheduled(self, call, callback) -> bool:
        """``setTimeout(() => this._reconnect(), period)``, or a function that on failure schedules itself
        again (``catch (e) { setTimeout(connect, delay) }``): trying again later, a retry by timer. A
        function rescheduling itself with no failure in sight (a poll, a heartbeat) is not one."""
        from mergeguard.features.resilience.settings import classify
        names = [syntax.callee(c, self.lang) for c in syntax.calls(callback, self.lang)] if callback.type in (
            "arrow_function", "function_expression", "function") else [syntax.node_text(callback)]
        names = [n.rsplit(".", 1)[-1] for n in names if n]
        if any(classify(n) == "retry" and "reconnect" in n.lower() or n.lower().lstrip("_") in ("retry", "reconnect")
               for n in names):
            return True
        own = _enclosing_function_name(call)
        if _after_failure_event(call) and any(n == own or _RERUN.search(n) for n in names):
            # sock.on('close', () => setTimeout(() => this.connect(), 1000)); ws.onclose = ...:
            # the connection failed or went away, and the timer opens it again
            return True
        if not own or own not in names:
            return False
        p = call.parent
        while p is not None and p.type not in _FUNCS:
            if p.type == "catch_clause":
                return True
            if p.type == "if_statement" and re.search(r"\berr(or)?\b", syntax.node_text(p.child_by_field_name("condition"))):
                return True
            p = p.parent
        return False

    def _body_facts(self, body) -> tuple[tuple[str, ...], str | None, bool]:
        """Callees in a retried body, the HTTP method it sends, and whether it sends an idempotency key."""
        if body is None:
            return (), None, False
        if body.type == "identifier":  # pRetry(run, …): look inside the function of that name
            fn = self._function_named(syntax.node_text(body))
            if fn is None:
                return (syntax.node_text(body),), None, False
            body = fn
        calls: list[str] = []
        method = None
        idem = False
        for c in syntax.calls(body, self.lang):
            name = syntax.callee(c, self.lang)
            if name:
                calls.append(name)
            verb = name.rsplit(".", 1)[-1].upper() if "." in name else ""
            lib = self._library_of(name)
            if lib in ("axios", "got", "ky", "superagent") and verb in ("POST", "PUT", "PATCH", "DELETE", "GET"):
                method = method if method == "POST" else verb
            opts = next((v for _, v in syntax.arguments(c, self.lang) if v is not None and v.type == "object"), None)
            m = _key(opts, "method")
            if m is not None and m.type == "string":
                verb = _strip(syntax.node_text(m)).upper()
                method = method if method == "POST" else verb
            elif name in ("fetch", "axios") and method is None and opts is not None:
                method = "GET"
        for n in syntax.walk(body):
            if n.type == "pair" or (n.type == "string" and n.parent is not None and n.parent.type == "arguments"):
                k = _strip(syntax.node_text(n.child_by_field_name("key") if n.type == "pair" else n)).lower()
                if k in ("idempotency-key", "x-idempotency-key", "idempotencykey", "idempotency_key"):
                    idem = True
        return tuple(dict.fromkeys(calls)), method, idem

    def _function_named(self, name: str):
        for n in syntax.walk(self.src.root):
            if n.type in ("function_declaration", "method_definition") and syntax.node_text(n.child_by_field_name("name")) == name:
                return n
            if n.type == "variable_declarator" and syntax.node_text(n.child_by_field_name("name")) == name:
                v = n.child_by_field_name("value")
                if v is not None and v.type in _FUNCS:
                    return v
        return None

    def _target_of(self, fn) -> str:
        if fn is None:
            return ""
        if fn.type in ("identifier", "member_expression"):
            return syntax.node_text(fn)
        for c in syntax.calls(fn, self.lang):
            name = syntax.callee(c, self.lang)
            if name:
                return name
        return ""

    def _enclosing_client(self, node) -> str:
        """The call an option node is passed to (``fetch`` for ``fetch(u, {signal: AbortSignal.timeout()})``)."""
        n = node.parent
        while n is not None and n.type not in _FUNCS and n.type != "statement_block":
            if n.type in ("call_expression", "new_expression"):
                return syntax.callee(n, self.lang)
            n = n.parent
        return _assigned_name(node) or ""

    # -- values ------------------------------------------------------------------------------------
    def _num_key(self, obj, key: str) -> float | None:
        v = _key(obj, key)
        return self._number(v) if v is not None else None

    def _ms(self, node, key: str = "") -> float | None:
        """Milliseconds (the JS convention) in seconds; keys named ``…Seconds``/``…_timeout`` strings aside."""
        if node is None:
            return None
        text = syntax.node_text(node).strip()
        if text in ("false", "null", "Infinity", "Number.POSITIVE_INFINITY", "Number.MAX_SAFE_INTEGER"):
            return INFINITE
        if node.type == "string":  # postgres statement_timeout: '5s' / '5000'
            m = re.fullmatch(r"['\"`]?(\d+(?:\.\d+)?)\s*(ms|s|min)?['\"`]?", text)
            if not m:
                return None
            value, unit = float(m.group(1)), m.group(2) or "ms"
            return value / 1000 if unit == "ms" else value * (60 if unit == "min" else 1)
        n = self._number(node)
        if n is None:
            return None
        if re.search(r"(Seconds|Secs|_s|Sec)$", key):
            return float(n)
        return n / 1000

    def _number(self, node, follow: bool = True) -> float | None:
        """A numeric literal or constant expression (``5_000``, ``30 * 1000``, ``MAX``)."""
        if node is None:
            return None
        t = node.type
        if t == "number":
            try:
                return float(syntax.node_text(node).replace("_", "").rstrip("n"))
            except ValueError:
                try:
                    return float(int(syntax.node_text(node).replace("_", ""), 0))
                except ValueError:
                    return None
        if t == "parenthesized_expression" and node.named_children:
            return self._number(node.named_children[0], follow)
        if t in ("as_expression", "satisfies_expression") and node.named_children:
            return self._number(node.named_children[0], follow)
        if t == "identifier" and follow:
            name = syntax.node_text(node)
            return self.consts[name] if name in self.consts else self._number(_parameter_default(node), follow=False)
        return folded(node, lambda n: self._number(n, follow))


# -- pure node helpers ------------------------------------------------------------------------------

def _strip(text: str) -> str:
    return text.strip().strip("'\"`")


def _pairs(obj):
    return [p for p in obj.named_children if p.type == "pair"] if obj is not None else []


def _key(obj, key: str):
    """The value node of ``key`` in an object literal (shorthand ``{retries}`` gives the identifier)."""
    if obj is None or obj.type != "object":
        return None
    for p in obj.named_children:
        if p.type == "pair" and _strip(syntax.node_text(p.child_by_field_name("key"))) == key:
            return p.child_by_field_name("value")
        if p.type == "shorthand_property_identifier" and syntax.node_text(p) == key:
            return p
    return None


#: values that are data, not code: what a policy's member may be set to
_LITERALS = frozenset({"number", "string", "true", "false", "null", "undefined", "array", "new_expression",
                       "unary_expression"})


def _code_text(node) -> str:
    """A value's code without its comments and layout (``[100, 199], // 1xx`` -> ``[ 100 , 199 ]``):
    a comment added to a list of retried codes is no change to it."""
    out: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if syntax.is_comment(n) or n.type == ",":
            continue  # a trailing comma is layout too
        if n.child_count == 0 or syntax.is_string(n):
            out.append(syntax.node_text(n))
            continue
        stack.extend(reversed(n.children))
    return " ".join(out)[:400]


def _literal(node) -> bool:
    """A number, string, boolean, or a list or ``new Set([...])`` of them (``[408, 429]``, ``['GET']``)."""
    if node.type in ("number", "string", "true", "false", "null", "undefined"):
        return True
    if node.type == "unary_expression":
        return all(_literal(c) for c in node.named_children)
    if node.type == "array":
        return all(_literal(c) for c in node.named_children if not syntax.is_comment(c))
    if node.type == "new_expression":
        ctor = node.child_by_field_name("constructor")
        args = node.child_by_field_name("arguments")
        return syntax.node_text(ctor) == "Set" and args is not None and all(
            _literal(c) for c in args.named_children if not syntax.is_comment(c))
    return False


#: a project's own wrapper of the timer (``safeTimeout``, ``setSafeTimeout``, ``startTimeout``)
#: events whose listener runs the next attempt
_RETRY_EVENTS = frozenset({"retry", "reconnect"})
#: a Node/libuv network error code (``ECONNRESET``, ``EAI_AGAIN``)
_ERRNO = re.compile(r"^E[A-Z][A-Z_]{2,}$")
_TIMER_HELPER = re.compile(r"^(safe|start|schedule|set\w*|create|add|arm)Timeout$|Timeout(Safe|Unref)$", re.I)

#: calls named for the timeout they put on an operation (``withTimeout(p, 5000)``, ``p.timeout(5000)``)
_TIMEOUT_WRAPPER = re.compile(r"^(timeout|withTimeout|promiseTimeout|timeoutPromise|timeoutAfter|withDeadline|"
                              r"raceTimeout|pTimeout)$")


def _wait_tokens(waits, lang: str, declared: Callable[[Any, str], Any]) -> list[str]:
    """How each wait between attempts is written: its delay's numbers and operators, and whether an
    abort signal can cut it short (``delay(ms, {signal})``: the retrying stops on cancellation). A
    delay given by a name declared in the same function is read as what the name is declared with
    (``const delay = 250 * (attempt + 1); setTimeout(r, delay)`` waits as ``setTimeout(r, 250 *
    (attempt + 1))`` did)."""
    out: list[str] = []
    for w in waits:
        args = w.child_by_field_name("arguments")
        out.append("wait")
        if args is not None:
            for arg in args.named_children:
                value = declared(w, syntax.node_text(arg)) if arg.type == "identifier" else None
                out += policy_functions.decisions(value if value is not None else arg, lang, messages=False)
            if re.search(r"\bsignal\b", syntax.node_text(args)):
                out.append("cancellable")
    return out


def _own_calls(node, lang: str):
    """Calls under ``node`` outside nested functions (``await sleep(1000)``, not a callback's calls)
    plus the timer of ``await new Promise((r) => setTimeout(r, ms))``."""
    for n in syntax.walk_within(node, _FUNCS):
        if n.type == "call_expression":
            yield n
        elif n.type == "new_expression" and syntax.node_text(n.child_by_field_name("constructor")) == "Promise":
            yield from (c for c in syntax.calls(n, lang) if syntax.callee(c, lang) in _NODE_TIMER_CALLEES)


def _condition_of(exit_node, loop):
    """The condition of the nearest ``if`` around an exit within ``loop`` (None when it exits always)."""
    p = exit_node.parent
    while p is not None and p != loop:
        if p.type == "if_statement":
            return p.child_by_field_name("condition")
        p = p.parent
    return None


_SUCCESS = re.compile(r"\.(ok|status|statusCode)\b|^\(?\s*!\s*(err|error)\s*\)?$")


def _succeeded(cond) -> bool:
    """A test of whether an attempt worked: ``res.ok``, ``res.status < 500``, ``res.status !== 503``,
    ``!err``. A status compared with a string (``job.status === 'done'``) is a state being polled."""
    text = syntax.node_text(cond).strip()
    if not _SUCCESS.search(text):
        return False
    if re.search(r"\.(status|statusCode)\b", text) and not re.search(r"\b[1-5]\d\d\b", text) \
            and not re.search(r"\.ok\b", text):
        return False
    return True


def _same_inputs(call, fn) -> bool:
    """Whether a recursive call passes the function its own inputs again, a counter stepped aside
    (``fetchWithRetry(url, retries - 1)``, ``this.#retry(fn)``): the same operation once more. A call
    with another input (``load(parentDir)``, ``resolve(next)``) tries an alternative, not again."""
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    names = {syntax.node_text(n) for n in syntax.walk(params) if n.type in (
        "identifier", "shorthand_property_identifier_pattern")} if params is not None else set()
    for _, a in syntax.arguments(call, "javascript"):
        if a is None:
            continue
        if a.type == "binary_expression" and syntax.node_text(a.child_by_field_name("operator")) in ("+", "-"):
            a = a.child_by_field_name("left")  # retries - 1, attempt + 1
        if a is None or not (a.type == "identifier" and syntax.node_text(a) in names
                             or a.type in ("member_expression", "this", "undefined", "null", "true", "false")):
            return False
    return True


def _when_it_runs(node) -> str:
    """Where a call runs, by what triggers it: the events of the listeners around it, outermost first
    (``on response > on end``), a ``finally``/``catch`` (clause or promise callback), else its function."""
    out: list[str] = []
    p = node.parent
    while p is not None:
        if p.type in ("finally_clause", "catch_clause"):
            out.append(p.type.split("_")[0])
        elif p.type in _FUNCS and p.parent is not None and p.parent.type == "arguments":
            holder = p.parent.parent
            name = syntax.callee(holder, "javascript").rsplit(".", 1)[-1] if holder is not None and \
                holder.type == "call_expression" else ""
            first = next(iter(syntax.arguments(holder, "javascript")), (None, None))[1] if name else None
            if name in _LISTEN and first is not None and syntax.is_string(first):
                out.append("on " + _strip(syntax.node_text(first)))
            elif name in ("finally", "catch", "then"):
                out.append(name)
        elif p.type in ("function_declaration", "method_definition"):
            break  # which function it sits in is where, not when (a handler moved to another file)
        p = p.parent
    return " > ".join(reversed(out)) or "when called"


def _failure_path(call):
    """The code that runs when an operation failed and that ``call`` sits in: the body of a ``catch``
    clause, or a function handed to ``.catch(...)`` or as the second argument of ``.then(...)``. None
    when the call is on no failure path (a recursive walk, a loop, a success callback)."""
    p = call.parent
    while p is not None and p.type not in ("function_declaration", "method_definition", "program"):
        if p.type == "catch_clause":
            return p.child_by_field_name("body")
        if p.type in ("arrow_function", "function_expression") and p.parent is not None and p.parent.type == "arguments":
            holder = p.parent.parent
            name = syntax.callee(holder, "javascript").rsplit(".", 1)[-1] if holder is not None and \
                holder.type == "call_expression" else ""
            position = [n for n in p.parent.named_children if not syntax.is_comment(n)].index(p)
            if name == "catch" or (name == "then" and position == 1):
                return p
        p = p.parent
    return None


def _countdown(cond):
    """The counter of a loop condition that counts down to zero: ``retries-- > 0``, ``--left >= 0``,
    ``attempts--``, ``tries > 0`` (decremented in the body). None for any other condition."""
    if cond is None:
        return None
    if cond.type == "binary_expression":
        op = syntax.node_text(cond.child_by_field_name("operator"))
        right = cond.child_by_field_name("right")
        if op not in (">", "!==", "!=") or right is None or syntax.node_text(right) != "0":
            return None
        cond = cond.child_by_field_name("left")
        if cond is not None and cond.type == "identifier":
            return cond  # while (tries > 0) { ... tries--; }
    if cond is not None and cond.type == "update_expression" and "--" in syntax.node_text(cond):
        arg = cond.child_by_field_name("argument")
        return arg if arg is not None and arg.type == "identifier" else None
    return None


def _initial_value(ident, loop):
    """The value ``ident`` starts with before ``loop``: ``let retries = 5`` earlier in the function,
    else the default of the parameter of that name."""
    name = syntax.node_text(ident)
    fn = syntax.ancestor(loop, _FUNCS)
    scope = fn.child_by_field_name("body") if fn is not None else loop.parent
    found = None
    for n in syntax.walk_within(scope, _FUNCS) if scope is not None else ():
        if n.start_byte >= loop.start_byte:
            break
        if n.type == "variable_declarator" and syntax.node_text(n.child_by_field_name("name")) == name:
            found = n.child_by_field_name("value")
    return found if found is not None else _parameter_default(ident)


def _parameter_default(ident):
    """The default of the parameter ``ident`` names in the function it sits in: ``ms`` in
    ``function get(url, ms = 5000) { setTimeout(() => c.abort(), ms) }`` or ``{timeout = 5000} = {}``.
    None when the name is not a parameter with a default (a local shadowing it is not one)."""
    name = syntax.node_text(ident)
    fn = syntax.ancestor(ident, _FUNCS)
    while fn is not None:  # a callback reads its outer function's parameter
        params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
        if params is not None and any(n.type in ("identifier", "shorthand_property_identifier_pattern")
                                      and syntax.node_text(n) == name for n in syntax.walk(params)):
            return _default_in(params, name)
        unpacked = _unpacked_default(fn, name)
        if unpacked is not None:
            return unpacked
        fn = syntax.ancestor(fn, _FUNCS)
    return None


def _unpacked_default(fn, name: str):
    """``const { timeout = 8000, retries = 2 } = options;`` among a function's first statements: the
    options a parameter brings, unpacked with their defaults in the body rather than in the parameter
    list; the same defaults."""
    body = fn.child_by_field_name("body")
    if body is None or body.type != "statement_block":
        return None
    for stmt in body.named_children[:_UNPACKED_WITHIN]:
        if stmt.type not in ("lexical_declaration", "variable_declaration"):
            continue
        for decl in stmt.named_children:
            pattern = decl.child_by_field_name("name") if decl.type == "variable_declarator" else None
            if pattern is not None and pattern.type == "object_pattern" and pattern.named_child_count <= _UNPACKED_MAX:
                found = _default_in(pattern, name)
                if found is not None:
                    return found
    return None


#: how many enclosing functions a name is looked up in
_DECLARED_DEPTH = 3
#: how many of a function's first statements are read for unpacked options, and how many options one
#: may unpack (each name looked up reads them: a hostile list of thousands is not read per name)
_UNPACKED_WITHIN = 8
_UNPACKED_MAX = 64


def _default_in(params, name: str):
    """The default value given to parameter ``name`` in a parameter list, or None."""
    for n in syntax.walk(params):
        if n.type in ("assignment_pattern", "object_assignment_pattern"):
            left = n.child_by_field_name("left")
            if left is not None and syntax.node_text(left) == name:
                return n.child_by_field_name("right")
        elif n.type in ("required_parameter", "optional_parameter"):  # TypeScript: (ms: number = 5000)
            pat, val = n.child_by_field_name("pattern"), n.child_by_field_name("value")
            if pat is not None and val is not None and syntax.node_text(pat) == name:
                return val
    return None


def _passes_options_on(args, callee: str, lib: str) -> bool:
    """Whether a request call takes options it does not spell out: an object literal that spreads
    another (``{...opts, method: "POST"}``), or a fetch/got options argument given by name."""
    if any(v is not None and v.type == "object" and any(p.type == "spread_element" for p in v.named_children)
           for _, v in args):
        return True
    takes_init = callee in ("fetch", "undici.fetch") or (lib in ("node-fetch", "got") and "." not in callee)
    return takes_init and len(args) > 1 and args[1][1] is not None and args[1][1].type in (
        "identifier", "member_expression")


def _object_arg(args, index: int):
    if len(args) > index and args[index][1] is not None and args[index][1].type == "object":
        return args[index][1]
    return None


def _aborts(fn) -> bool:
    """A timer callback that aborts a controller: ``() => controller.abort()``."""
    if fn is None:
        return False
    if fn.type in ("arrow_function", "function_expression", "function"):
        return any(syntax.callee(c, "javascript").endswith(".abort") for c in syntax.walk(fn)
                   if c.type == "call_expression")
    # setTimeout(controller.abort.bind(controller), ms) / setTimeout(abort, ms)
    return bool(re.fullmatch(r"([\w$.]+\.)?abort(\.bind\([^()]*\))?", syntax.node_text(fn).strip()))


_OWN_STOP = _FUNCS | _LOOPS  # what _own does not descend into


#: words of a function name that say it answers a retry question (whether, when, how long to wait):
#: ``shouldRetry``, ``isRetryable``, ``retryCondition``, ``retryStrategy``, ``calculateRetryDelay``
_ANSWERS = frozenset({"should", "can", "is", "retryable", "retriable", "condition", "conditions", "strategy",
                      "policy", "delay", "delays", "backoff", "predicate", "classify", "classifier"})


def _decides_policy(c: Construct) -> bool:
    """Whether a policy function found by ``policy_functions.scan`` is one in JS/TS: for retries, only a
    function whose name asks or answers the question (``shouldRetry(err)``, ``retryDelay(n)``,
    ``retryStrategy(times)``). A function named for doing it (``retry(fn)``, ``reconnect()``,
    ``_setupReconnect()``, ``#retryFromError(e)``) is mostly the operation, its bookkeeping and its
    events; its decisions are judged by the loops, timers and names inside it."""
    if c.kind != "retry":
        return True
    name = c.target.rsplit("/", 1)[0].rsplit(".", 1)[-1].lstrip("_#")
    return bool(set(words(name)) & _ANSWERS) or "backoff" in name.lower()


def _own(node):
    """Nodes under ``node`` that do not belong to a nested function or a nested loop."""
    return syntax.walk_within(node, _OWN_STOP)


def _within(node, outer) -> bool:
    if outer is None:
        return False
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def _assigned_name(node) -> str:
    n = node.parent
    while n is not None and n.type in ("await_expression", "parenthesized_expression", "as_expression"):
        n = n.parent
    if n is not None and n.type == "variable_declarator":
        return syntax.node_text(n.child_by_field_name("name"))
    return ""


def _chain_top(call) -> bool:
    """The outermost call of ``a.b().c().d()``: nothing calls a method on its result."""
    p = call.parent
    return not (p is not None and p.type == "member_expression" and p.parent is not None
                and p.parent.type == "call_expression")


def _links(call) -> list[tuple[str, list]]:
    """``P.handleAll().retry().attempts(3)`` -> [("P", []), ("handleAll", []), ("retry", []), ("attempts", [3])]."""
    out: list[tuple[str, list]] = []
    n = call
    while n is not None and n.type == "call_expression":
        fn = n.child_by_field_name("function")
        args = [v for _, v in syntax.arguments(n, "javascript") if v is not None]
        if fn is not None and fn.type == "member_expression":
            out.append((syntax.node_text(fn.child_by_field_name("property")), args))
            n = fn.child_by_field_name("object")
        else:
            out.append((syntax.node_text(fn), args))
            n = None
    if n is not None:
        out.append((syntax.node_text(n), []))
    out.reverse()
    return out


def _settable(receiver: str) -> bool:
    """A receiver whose ``timeout`` is a client/server setting, not an object's own bookkeeping."""
    head = receiver.split(".", 1)[0]
    if head in ("this", "self", "that", "_this") and "." in receiver and ".prototype" not in receiver:
        # this.socket.setTimeout(ms), this._req.setTimeout(ms): a socket or request the object holds
        return bool(set(words(receiver.rsplit(".", 1)[-1])) & _NETWORK_HELD)
    return bool(receiver) and head not in ("this", "self", "that", "_this", "exports", "module", "options", "opts",
                                           "config", "cfg", "settings") and ".prototype" not in receiver


#: what an object holds whose ``setTimeout`` bounds a wait on the network
_NETWORK_HELD = frozenset({"socket", "sock", "req", "request", "res", "response", "server", "conn", "connection",
                           "stream", "session", "client"})


def _chained_set_timeout(call) -> bool:
    """``http.get(url, cb).setTimeout(5000)`` / ``.on('timeout', …)`` on the request object."""
    parent = call.parent
    if parent is not None and parent.type == "member_expression":
        prop = syntax.node_text(parent.child_by_field_name("property"))
        return prop == "setTimeout"
    return False


#: events after which a request or socket is over: disarming its timer then waits for nothing
_END_EVENTS = frozenset({"error", "close", "end", "abort", "aborted", "finish", "response", "timeout"})
_TEARDOWN_NAME = re.compile(r"(cancel|clean|teardown|destroy|abort|clear|dispose|release|close|finish|unhandle)", re.I)


#: events after which a connection is gone: a timer set then to open it again reconnects
_FAILURE_EVENTS = frozenset({"error", "close", "end", "disconnect", "disconnected", "timeout", "exit", "offline"})
#: what a timer set after a failure calls to try again
_RERUN = re.compile(r"(connect|open|start|subscribe|dial|login|listen|init|attempt|retry)", re.I)


def _after_failure_event(call) -> bool:
    """Whether ``call`` runs in a callback for a failure event: ``x.on('close', fn)``,
    ``x.once('error', fn)``, ``ws.onclose = fn``, ``ws.addEventListener('close', fn)``."""
    fn = syntax.ancestor(call, _FUNCS)
    if fn is None or fn.parent is None:
        return False
    if fn.parent.type == "assignment_expression":
        left = fn.parent.child_by_field_name("left")
        prop = left.child_by_field_name("property") if left is not None and left.type == "member_expression" else None
        return prop is not None and syntax.node_text(prop).lower() in {f"on{e}" for e in _FAILURE_EVENTS}
    holder = fn.parent.parent if fn.parent.type == "arguments" else None
    if holder is None or holder.type != "call_expression":
        return False
    name = syntax.callee(holder, "javascript").rsplit(".", 1)[-1]
    first = next(iter(syntax.arguments(holder, "javascript")), (None, None))[1]
    return name in _LISTEN and first is not None and syntax.is_string(first) and \
        _strip(syntax.node_text(first)) in _FAILURE_EVENTS


def _teardown(call) -> bool:
    """Whether a call sits in code that runs when an operation is over: a function handed to
    ``cancelers.push(...)``/``.once('error', ...)``/``.on('close', ...)``, or one named for cleaning up."""
    p = syntax.ancestor(call, _FUNCS)
    if p is None:
        return False
    if _TEARDOWN_NAME.search(_enclosing_function_name(call) or ""):
        return True
    holder = p.parent.parent if p.parent is not None and p.parent.type == "arguments" else None
    if holder is None or holder.type != "call_expression":
        return False
    name = syntax.callee(holder, "javascript").rsplit(".", 1)[-1]
    if name in ("push", "unshift", "add"):
        return True
    first = next(iter(syntax.arguments(holder, "javascript")), (None, None))[1]
    return name in _LISTEN and first is not None and syntax.is_string(first) and \
        _strip(syntax.node_text(first)) in _END_EVENTS


_TIMES_OUT = re.compile(r"time_?out|timed_?out", re.I)


#: the timer functions themselves: a callback that sets or clears another timer (a reschedule, a
#: debounce) is no timeout handler for having ``Timeout`` in a callee's name
_TIMER_API = re.compile(r"^(set|clear)(Timeout|Interval|Immediate)$")


def _handles_timeout(name: str) -> bool:
    """``onTimeout``, ``handleTimeout``, ``throwETIMEDOUT``: a callee named for ending a wait."""
    return bool(_TIMES_OUT.search(name)) and not _TIMER_API.match(name)


def _timer_value(callback, delay, lang: str) -> str:
    """What a timeout timer does, as its value: the delay as written and *how* its callback ends the
    wait (:func:`_ending`), so a changed message, a helper renamed or bookkeeping added around the
    failure (a deprecation notice, a queue pulsed) is no change, while a failure deferred a tick,
    dropped, or a request no longer destroyed is."""
    if callback is not None and callback.type in _CALLBACKS:
        what = ",".join(sorted(_ending(callback, lang)))
    else:
        what = syntax.node_text(callback) if callback is not None else ""
    return bounded(f"after {' '.join(syntax.node_text(delay).split())}: {what}")  # a change past its start shows


_CALLBACKS = frozenset({"arrow_function", "function_expression", "function"})
#: calls that end the operation a timer bounds (the request, the socket, the connection)
_ENDS = re.compile(r"^(destroy|abort|end|close|terminate|kill|cancel|disconnect|reset)$", re.I)
#: calls that fail it (``reject(err)``, ``callback(new Error(...))`` is seen by its ``new``)
_FAILS = re.compile(r"^(reject|fail|\w*[Ee]rror)$")
_DEFERS = frozenset({"process.nextTick", "setImmediate", "queueMicrotask"})


def _ending(callback, lang: str) -> set[str]:
    """How a timer's callback ends the wait it bounds, as kinds: ``fails`` (throws, rejects, builds an
    error, emits ``'error'``), ``times-out`` (calls a timeout handler, emits ``'timeout'``), ``ends``
    (destroys, aborts or closes the operation), ``settles`` (resolves the race it is in), and
    ``deferred`` when it waits a tick first. Empty: the callback does something after a delay
    (resumes a paused consumer, pulses a queue), which bounds no wait."""
    kinds: set[str] = set()
    for n in syntax.walk(callback):
        if n.type == "throw_statement":
            kinds.add("fails")
        elif n.type == "new_expression":
            name = (syntax.callee(n, lang) or "").rsplit(".", 1)[-1]
            if _handles_timeout(name):
                kinds.add("times-out")
            elif re.search(r"(Error|Exception)$", name):
                kinds.add("fails")
        elif n.type == "call_expression":
            full = syntax.callee(n, lang) or ""
            name = full.rsplit(".", 1)[-1]
            if full in _DEFERS:
                kinds.add("deferred")
            elif _handles_timeout(name):
                kinds.add("times-out")
            elif name == "emit":
                first = next(iter(syntax.arguments(n, lang)), (None, None))[1]
                event = _strip(syntax.node_text(first)) if first is not None and syntax.is_string(first) else ""
                kinds.add("times-out" if event == "timeout" else "fails" if event in ("error", "abort") else "")
            elif _ENDS.match(name):
                kinds.add("ends")
            elif _FAILS.match(name):
                kinds.add("fails")
            elif name == "resolve":
                kinds.add("settles")
    kinds.discard("")
    return kinds


def _times_out(callback, delay) -> bool:
    """A timer callback that ends a wait: it is (or calls) a timeout handler, throws or rejects with a
    timeout error, emits ``'timeout'``, or the delay is a timeout option (``options.timeout``)."""
    if delay is not None and _TIMES_OUT.search(syntax.node_text(delay)) and not syntax.is_string(delay):
        # a delay named for a timeout bounds a wait only when the callback ends one: ``setTimeout(() =>
        # consumer.resume(), e.timeout)`` resumes after a pause, it gives nothing up
        return callback is None or callback.type not in _CALLBACKS or bool(_ending(callback, "javascript"))
    if callback is None:
        return False
    if callback.type in ("identifier", "member_expression"):
        return _handles_timeout(syntax.node_text(callback).rsplit(".", 1)[-1])
    if callback.type not in ("arrow_function", "function_expression", "function"):
        return False
    for n in syntax.walk(callback):
        if n.type in ("call_expression", "new_expression"):
            name = syntax.callee(n, "javascript") or ""
            if _handles_timeout(name.rsplit(".", 1)[-1]):
                return True
            if name.endswith(".emit"):
                first = next(iter(syntax.arguments(n, "javascript")), (None, None))[1]
                if first is not None and _strip(syntax.node_text(first)) == "timeout":
                    return True
    return False


def _defaults_to_none(val) -> bool:
    """``options.timeout || 0`` / ``opts.timeout ?? 0``: a value the caller chooses, none by default."""
    if val is None or val.type != "binary_expression":
        return False
    op = syntax.node_text(val.child_by_field_name("operator"))
    right = val.child_by_field_name("right")
    return op in ("||", "??") and right is not None and syntax.node_text(right).strip() in ("0", "null", "undefined")


def _enclosing_function_name(node) -> str:
    """The name of the named function or method a node sits in ("" for an anonymous one)."""
    p = node.parent
    while p is not None:
        if p.type in ("function_declaration", "method_definition", "generator_function_declaration"):
            name = p.child_by_field_name("name")
            return syntax.node_text(name) if name is not None else ""
        if p.type in ("arrow_function", "function_expression") and p.parent is not None \
                and p.parent.type == "variable_declarator":
            name = p.parent.child_by_field_name("name")
            return syntax.node_text(name) if name is not None else ""
        p = p.parent
    return ""


#: a value that stands for "not given" in a comparison
_ABSENT = frozenset({"undefined", "null"})
_MEMBERS = frozenset({"member_expression", "subscript_expression", "non_null_expression"})


def _presence_check(node) -> bool:
    """Whether a retry- or timeout-named name is only tested for having been given:
    ``options.retry.maxRetryAfter === undefined``, ``timeout == null``, ``typeof retry === 'undefined'``.
    Such a test fills in a default (a setting, judged on its own) or copies the option only when set;
    it changes no attempt limit, delay or wait. Comparisons with a value (``limit > 0``,
    ``reconnectPeriod === 0``) still decide."""
    n = node
    while n.parent is not None and n.parent.type in _MEMBERS:
        n = n.parent
    if n.parent is not None and n.parent.type == "unary_expression" and \
            syntax.node_text(n.parent.children[0]) == "typeof":
        n = n.parent
    p = n.parent
    if p is None or p.type != "binary_expression":
        return False
    if syntax.node_text(p.child_by_field_name("operator")) not in ("===", "!==", "==", "!="):
        return False
    left, right = p.child_by_field_name("left"), p.child_by_field_name("right")
    other = right if left == n else left
    if other is None:
        return False
    text = syntax.node_text(other)
    return text in _ABSENT or (n.type == "unary_expression" and text.strip("'\"`") == "undefined")


#: an error that says a value was rejected, not that an operation failed or ran out of attempts
_REJECTED = re.compile(r"^Invalid\w*(Error|Exception)$"
                       r"|(Range|Type|Config\w*|Argument|Validation|Option\w*)(Error|Exception)$")


def decides_nothing(node) -> bool:
    """Whether a retry- or timeout-named name on a changed line takes part in no retry or timeout
    decision although it sits in a condition: a test of whether it was passed (:func:`_presence_check`),
    a check that only throws a "bad value" error (``if (timeout > 2147483647) throw new RangeError(...)``:
    valid settings behave as before), or a bookkeeping object (``retryContext``, ``retryInfo``)."""
    ws = words(syntax.node_text(node).rsplit(".", 1)[-1].lstrip("_#"))
    return _presence_check(node) or bookkeeping(syntax.node_text(node)) or _only_rejects(node) or _copy_guard(node) \
        or _told(node) or bool(ws and ws[0] in _WAITING) \
        or bool(len(ws) > 1 and ws[-1] in _HANDLE) \
        or _class_tested(node)  # if (this.connectionTimeoutHandle.unref): the timer, not its bound


def _class_tested(node) -> bool:
    """``id instanceof ReactNativeTimeout``: the class a value is tested against is a type (a timer
    wrapper, a retry helper class), not a wait or an attempt limit. Error classes are no retry or
    timeout names to begin with (``settings.classify('TimeoutError')`` is None)."""
    p = node.parent
    return p is not None and p.type == "binary_expression" and p.child_by_field_name("right") == node and \
        syntax.node_text(p.child_by_field_name("operator")) == "instanceof"


#: callees that are told about an attempt rather than deciding one: hooks, events, callbacks, logs
_TOLD = re.compile(r"(^|\.)(hook|emit|callback|cb|notify|listener|on[A-Z]\w*|log|debug|trace|info|warn)$")


def _told(node) -> bool:
    """``await hook(error, this.retryCount + 1)``, ``this.emit('retry', attempt + 1)``: the name is
    computed into an argument handed to a hook, an event or a log, which reports the attempt and
    decides nothing about it."""
    p = node.parent
    while p is not None and p.type in ("binary_expression", "parenthesized_expression", *_MEMBERS):
        p = p.parent
    if p is None or p.type != "arguments" or p.parent is None or p.parent.type != "call_expression":
        return False
    return bool(_TOLD.search(syntax.callee(p.parent, "javascript") or ""))


_ASSIGNMENTS = frozenset({"assignment_expression", "augmented_assignment_expression"})


def _copy_guard(node) -> bool:
    """``if (retry.errorCodes) { result.retry.errorCodes = [...retry.errorCodes]; }``: an option
    copied only when it is there. The test is the option itself (no comparison, no negation) and
    every statement of the body is an assignment that reads it: what it holds is handed on as it
    was, no limit, delay or wait is decided."""
    p = node
    while p.parent is not None and p.parent.type in _MEMBERS:
        p = p.parent
    cond = p.parent
    if cond is None or cond.type != "parenthesized_expression" or cond.parent is None \
            or cond.parent.type != "if_statement" or cond.parent.child_by_field_name("alternative") is not None:
        return False
    return _only_copies(cond.parent.child_by_field_name("consequence"), syntax.node_text(p))


def _only_copies(body, tested: str) -> bool:
    """Every statement of ``body`` assigns something read from ``tested``, or is itself a copy guard
    of a part of it (``if (retry.methods) { ... }``)."""
    if body is None:
        return False
    stmts = [c for c in body.named_children if c.type != "comment"] if body.type == "statement_block" else [body]
    for st in stmts:
        if st.type == "if_statement" and st.child_by_field_name("alternative") is None:
            inner = st.child_by_field_name("condition")
            inner = inner.named_children[0] if inner is not None and inner.named_children else None
            if inner is not None and inner.type in _MEMBERS and syntax.node_text(inner).startswith(tested) \
                    and _only_copies(st.child_by_field_name("consequence"), syntax.node_text(inner)):
                continue
            return False
        expr = st.named_children[0] if st.type == "expression_statement" and st.named_children else None
        right = expr.child_by_field_name("right") if expr is not None and expr.type in _ASSIGNMENTS else None
        if right is None or tested not in syntax.node_text(right):
            return False
    return bool(stmts)


def _only_rejects(node) -> bool:
    """``node`` is in the condition of an ``if`` with no ``else`` whose body only throws an error
    named for a rejected value."""
    p = syntax.ancestor(node, ("if_statement",), ("statement_block", "program", *_FUNCS))
    if p is None or p.child_by_field_name("alternative") is not None:
        return False
    cond, body = p.child_by_field_name("condition"), p.child_by_field_name("consequence")
    if cond is None or body is None or not _within(node, cond):
        return False
    stmts = [c for c in body.named_children if c.type != "comment"] if body.type == "statement_block" else [body]
    if len(stmts) != 1 or stmts[0].type != "throw_statement" or not stmts[0].named_children:
        return False
    thrown = stmts[0].named_children[0]
    if thrown.type == "new_expression":
        ctor = thrown.child_by_field_name("constructor")
        name = syntax.node_text(ctor) if ctor is not None else ""
    elif thrown.type == "call_expression":
        name = syntax.callee(thrown, "javascript") or ""
    else:
        name = syntax.node_text(thrown)
    return bool(_REJECTED.search(name.rsplit(".", 1)[-1]))


#: the last word of a name that holds a scheduled callback or a running wait, not a duration or a count
_HANDLE = frozenset({"handle", "handler", "task", "promise", "waiter", "timer", "callback", "cb", "event", "id"})


#: the first word of a name that holds an action scheduled for later, not a setting
_WAITING = frozenset({"deferred", "pending", "scheduled", "queued"})


def keeps_setting(source: syntax.Source, setting: Construct) -> bool:
    """Whether a setting the shared settings scan found is one here: a handle of a scheduled callback
    (``this.timeoutHandle = null``, ``this._retryPromise = undefined``) is state, not a setting."""
    last = setting.target.rsplit(".", 1)[-1]
    ws = words(last)
    if setting.value.strip() in _ABSENT and re.search(
            rf"\b{re.escape(last)}\s*=\s*(\w+\.)?set(Timeout|Interval|Immediate)\s*\(", source.text):
        return False  # this.refreshTimeout = null where it also holds setTimeout(...): a timer handle reset
    # this.deferredReconnect = null, this._pendingRetry = undefined: an action waiting to run, state;
    # this._cancelReconnection = undefined: the function that calls a scheduled reconnect off, state
    return not (ws and (ws[-1] in _HANDLE or ws[0] in _WAITING or len(ws) > 1 and ws[0] in _CANCELLER))


_CANCELLER = frozenset({"cancel", "abort", "stop", "clear", "dispose"})


def _indexes_collection(loop) -> bool:
    """``for (let i = items.length - 1; i >= 0; i -= 1)``: a loop that walks a collection from its
    initialiser (``walks_collection`` reads the condition)."""
    init = loop.child_by_field_name("initializer") if loop.type == "for_statement" else None
    return init is not None and ".length" in syntax.node_text(init)


#: calls that take the next piece of what a loop works through (a buffer, a queue, a cursor)
_CONSUMING = re.compile(r"\.(slice|subarray|substring|substr|shift|splice|pop|next|read\w*)\s*\(")


def _consumes(loop, body, try_body) -> bool:
    """``while (this._buffer) { const line = ...; this._buffer = this._buffer.subarray(i + 1); try { return
    parse(line) } catch { continue } }``: the loop takes the next piece of what its condition tests on
    every pass and the ``try`` works on a value made in the pass, so a failure moves on to the next
    piece (a line, a queued job); retrying runs the same operation on the same input again. A list of
    delays shifted for the sleep between attempts is still a retry: the tried call reads nothing made
    in the pass."""
    cond = loop.child_by_field_name("condition")
    if cond is None:
        return False
    tested = {syntax.node_text(n) for n in syntax.walk(cond) if n.type in ("identifier", "member_expression")}
    consumed = False
    made: set[str] = set()
    for n in _own(body):
        if _within(n, try_body):
            continue
        if n.type == "assignment_expression":
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            if left is not None and right is not None and syntax.node_text(left) in tested and \
                    _CONSUMING.search(syntax.node_text(right)) and syntax.node_text(left) in syntax.node_text(right):
                consumed = True
        elif n.type == "variable_declarator":
            name, value = n.child_by_field_name("name"), n.child_by_field_name("value")
            if name is not None and value is not None:
                made.add(syntax.node_text(name))
                m = _CONSUMING.search(syntax.node_text(value))
                if m and syntax.node_text(value)[:m.start()] in tested:
                    consumed = True  # const job = queue.shift() under while (queue.length)
    if not consumed or not made:
        return False
    return any(n.type == "identifier" and syntax.node_text(n) in made for c in syntax.calls(try_body, "javascript")
               if (args := c.child_by_field_name("arguments")) is not None for n in syntax.walk(args))


def _moves_on(try_body, handler_body) -> bool:
    """Whether the ``catch`` points the next pass at something else: it assigns a new value (not a
    count: ``attempt++``, ``delay *= 2``) to a name the ``try`` hands to a call (``existingPath =
    parent`` before ``realpath(existingPath)``, ``url = mirrors[next]``). Each pass then tries another
    input; retrying runs the same operation again."""
    if handler_body is None:
        return False
    assigned = set()
    for n in _own(handler_body):
        if n.type == "assignment_expression":
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            if left is None or left.type != "identifier" or right is None or right.type == "number":
                continue
            name = syntax.node_text(left)
            if classify(name) is None and name not in {syntax.node_text(i) for i in syntax.walk(right)
                                                       if i.type == "identifier"}:
                assigned.add(name)
    if not assigned:
        return False
    for call in syntax.calls(try_body, "javascript"):
        args = call.child_by_field_name("arguments")
        if args is not None and any(n.type == "identifier" and syntax.node_text(n) in assigned for n in syntax.walk(args)):
            return True
    return False


#: a JS/TS token for :func:`layout_only`: comments, strings, names and numbers, operators
_LAYOUT_TOKEN = re.compile(r"//[^\n]*|/\*.*?\*/|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`"
                           r"|\w+|\?\?=?|\?\.|[=!]==?|<=|>=|&&|\|\||=>|\.\.\.|[^\s\w]", re.S)
#: what a formatter adds, drops or moves without changing what the code does
_LAYOUT_NOISE = frozenset({"(", ")", ",", ";"})


def _layout_tokens(lines: list[str]) -> list[str]:
    out = []
    for t in _LAYOUT_TOKEN.findall("\n".join(lines)):
        if t.startswith(("//", "/*")) or t in _LAYOUT_NOISE:
            continue
        out.append('"' + t[1:-1] + '"' if t[:1] == "'" and len(t) > 1 else t)  # 'x' and "x" are one string
    return out


def layout_only(hunks) -> tuple[set[int], set[int]]:
    """The removed and added lines of the hunks whose code differs only in layout: re-wrapped,
    re-indented, parenthesised for clarity, trailing commas or semicolons, quote style, comments
    (what a formatter such as prettier or gts does to a whole file at once). Such lines change no
    decision, so the changed-logic rule does not read them (``features.retry_timeout``). Braces
    delimit blocks in JS/TS, so indentation carries no meaning here."""
    removed: set[int] = set()
    added: set[int] = set()
    for h in hunks:
        if h.removed and h.added and _layout_tokens([t for _, t in h.removed]) == _layout_tokens([t for _, t in h.added]):
            removed.update(n for n, _ in h.removed)
            added.update(n for n, _ in h.added)
    return removed, added


#: a function whose job is to produce the effective options every request then follows
_NORMALISER = re.compile(r"^_*(normali[sz]e|merge|resolve|applyDefaults|withDefaults|defaults?)([A-Z_]\w*)?$")
#: where a name is built into the options that function hands back
_BUILDING = frozenset({"pair", "spread_element", "shorthand_property_identifier", "arguments", "object",
                       "array", "return_statement", "variable_declarator"})


def decides_too(node) -> bool:
    """A retry- or timeout-named name on a changed line inside an options normaliser (``merge``,
    ``normalizeRetryOptions``, ``mergeTimeoutDefaults``): what such a function returns IS the setting
    every request follows, so reshaping it (``retry: {retries: source.retry}`` for a number,
    ``...definedRetry`` dropping undefined fields, a field no longer forced to the built-in list) changes
    the retry or timeout decision although the name is only handed on there. A type test, a message or
    a bad-value check still decide nothing (``decides_nothing`` is asked after this)."""
    if _schedules_retry(node) or _starts_attempt(node):
        return True
    if not _NORMALISER.match(_enclosing_function_name(node)):
        return False
    p = node.parent
    while p is not None and p.type in _MEMBERS:
        p = p.parent
    if p is not None and p.type == "arguments" and p.parent is not None and p.parent.parent is not None \
            and p.parent.parent.type == "expression_statement":
        return False  # ``Object.freeze(options.timeout)``: a call whose result is dropped builds nothing
    return p is not None and p.type in _BUILDING



def _schedules_retry(node) -> bool:
    """``setTimeout(get, backoff, {...options, forceRefresh: true})``, ``this.reconnectTimer =
    setInterval(() => this._reconnect(), this.options.reconnectPeriod)``: a timer whose delay is a
    retry-named value IS the next attempt being scheduled, so a changed line there changes what the
    retry runs, with what, or when (a handed-on delay decides nothing elsewhere)."""
    n = node
    while n.parent is not None and n.parent.type in _MEMBERS and n.parent.child_by_field_name("property") == n:
        n = n.parent
    args = n.parent
    if args is None or args.type != "arguments" or len(args.named_children) < 2 or args.named_children[1] != n:
        return False
    callee = args.parent.child_by_field_name("function") if args.parent is not None else None
    if callee is None or syntax.node_text(callee).rsplit(".", 1)[-1] not in ("setTimeout", "setInterval"):
        return False
    return classify(syntax.node_text(node)) == "retry"


#: a function that starts another attempt when called, or arms or cancels the pending one
_ATTEMPT = re.compile(r"^_*(retry|reconnect|(schedule|start|trigger|do|setup|set_?up|arm|rearm|restart|clear|cancel)"
                      r"_?(Retry|Reconnect))(Request|Connection|Connect|Timer)?$", re.I)


def _starts_attempt(node) -> bool:
    """``this._reconnect();`` added on a path (a missed keepalive answer, a refused CONNACK) or removed
    from one: that path now starts another attempt, or no longer does. Arming or cancelling the pending
    attempt (``this._setupReconnect()``, ``this._clearReconnect()``: the reconnect timer) decides the same
    thing: whether the next attempt runs. Only a call made as a statement of its own; a retry-named
    value handed on or a callback registered (``onRetry``) is no attempt."""
    n = node
    if n.parent is not None and n.parent.type in _MEMBERS and n.parent.child_by_field_name("property") == n:
        n = n.parent
    call = n.parent
    if call is None or call.type != "call_expression" or call.child_by_field_name("function") != n:
        return False
    stmt = call.parent
    if stmt is not None and stmt.type == "await_expression":
        stmt = stmt.parent
    return stmt is not None and stmt.type == "expression_statement" and bool(_ATTEMPT.match(syntax.node_text(node)))


#: JavaScript's and TypeScript's hooks for ``features.retry_timeout`` (``resilience.Hooks``).
#: ``lines_removed_count``: a construct that only lost lines (a wait deleted from a retry loop) was
#: touched too, and is compared with its pre-image, as in Go
HOOKS = Hooks(keeps_setting=keeps_setting, layout_only=layout_only, decides_nothing=decides_nothing,
              decides_too=decides_too, lines_removed_count=True)
