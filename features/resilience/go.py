"""Retry and timeout constructs in Go.

Timeouts: ``context.WithTimeout``/``WithDeadline`` (durations such as ``5*time.Second``,
``time.Duration(n)*time.Millisecond`` and constants declared in the file), ``*Timeout`` fields of
composite literals (``http.Client{Timeout}``, ``net.Dialer{Timeout}``, ``http.Server{ReadTimeout}``,
``http.Transport{ResponseHeaderTimeout}``), ``net.DialTimeout``, ``grpc.WithTimeout``,
``http.TimeoutHandler`` and ``time.After`` in a ``select``. Network calls without a timeout:
``http.Get/Post/Head/PostForm``, ``http.DefaultClient.*`` and ``http.Client{}`` literals without
``Timeout`` (Go's default client never times out), ``net.Dial``.
Retries: cenkalti/backoff (``backoff.Retry``), avast/retry-go (``retry.Do``), hashicorp
go-retryablehttp (``retryablehttp.NewClient`` + ``RetryMax``) and hand-written ``for`` loops that check
``err`` and go round again (exponential when the sleep is multiplied or shifted).
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mergeguard.features import syntax
from mergeguard.features.resilience import durations, policy_functions, recursion, settings
from mergeguard.features.resilience import INFINITE, Construct, Hooks, NetworkCall, Scan, Scanner, walks_collection

LANG = "go"
_UNITS = durations.GO_UNITS
_DEFAULT_CLIENT_CALLS = {"http.Get", "http.Post", "http.Head", "http.PostForm", "http.DefaultClient.Do",
                         "http.DefaultClient.Get", "http.DefaultClient.Post", "http.DefaultClient.Head"}


def scan(source: syntax.Source) -> Scan:
    """Every retry/timeout construct and network call site in one Go image; none in a file of test
    tooling (:func:`test_tooling`)."""
    if test_tooling(source.path):
        return Scan()
    return _Scanner(source).run()


#: Go files that ship in a package but serve its tests: helpers, fakes and mocks (``test_helpers.go``,
#: ``testutil.go``, ``mock_client.go``, ``transport_fake.go``); ``_test.go`` files are tests already
_TEST_TOOLING = re.compile(r"(^|/)(test_?helpers?|test_?utils?|testing|mocks?|fakes?)\.go$"
                           r"|(^|/)(mock|fake)_\w+\.go$|_(mock|fake|testing)\.go$")


def test_tooling(path: str) -> bool:
    """Whether a Go file is test tooling by its name: how long a test helper waits for a server to come
    up, or how often it polls, is no change to how the product retries or waits (the labelling rules:
    test clients and fake transports are negative)."""
    return bool(_TEST_TOOLING.search(path))


class _Scanner(Scanner):
    snippet_width = 160

    def run(self) -> Scan:
        root = self.src.root
        nodes = syntax.nodes_of_types(root, LANG, ("const_spec", "var_spec", "call_expression", "composite_literal",
                                                   "for_statement", "assignment_statement", "type_spec",
                                                   "expression_case"))
        #: plain numbers declared in the file (``maxRetries = 3``): a count, where ``consts`` holds every
        #: constant read as a duration (a bare 3 is 3ns there)
        self.numbers: dict[str, float] = {}
        #: names of the functions whose loop fails over to another target at once (``_not_nested``)
        self.failover: set[str] = set()
        for n in nodes:
            if n.type in ("const_spec", "var_spec"):
                names = n.children_by_field_name("name")
                value = n.child_by_field_name("value")
                if names and value is not None and value.named_children:
                    first = value.named_children[0]
                    v = self._duration(first)
                    if v is not None:
                        self.consts[syntax.node_text(names[0])] = v
                    if first.type in ("int_literal", "float_literal"):
                        count = self._number(first)
                        if count is not None:
                            self.numbers[syntax.node_text(names[0])] = count
        #: constants whose duration is certain (``durations``): ``DefaultIntervalMillis int64 = 500`` and
        #: ``DefaultInterval = 500 * time.Millisecond`` are both half a second, where ``consts`` reads a
        #: bare number as nanoseconds
        self.durations: dict[str, float] = {}
        for n in nodes:
            if n.type in ("const_spec", "var_spec"):
                names = n.children_by_field_name("name")
                value = n.child_by_field_name("value")
                if len(names) == 1 and value is not None and len(value.named_children) == 1:
                    first = value.named_children[0]
                    known = durations.of_setting(syntax.node_text(names[0]), first, LANG, self._number)
                    declared = n.child_by_field_name("type")
                    if known is not None:
                        self.durations[syntax.node_text(names[0])] = known.seconds
                    elif declared is not None and syntax.node_text(declared) == "time.Duration" and (
                            nanos := self._number(first)) is not None:
                        self.durations[syntax.node_text(names[0])] = nanos * 1e-9  # typed: a count of nanoseconds
        #: struct types declared in this file, by name: their fields in order (a positional literal's keys)
        self.struct_fields: dict[str, list[str]] = {}
        for n in nodes:
            if n.type == "type_spec":
                struct = n.child_by_field_name("type")
                if struct is not None and struct.type == "struct_type":
                    self.struct_fields[syntax.node_text(n.child_by_field_name("name"))] = [
                        syntax.node_text(f) for d in syntax.walk(struct) if d.type == "field_declaration"
                        for f in d.children_by_field_name("name")]
        for n in nodes:
            if n.type == "call_expression":
                self._call(n)
            elif n.type == "composite_literal":
                self._literal(n)
            elif n.type == "for_statement":
                self._loop(n)
            elif n.type == "type_spec":
                self._option_fields(n)
            elif n.type == "expression_case":
                self._config_key(n)
            elif n.type == "assignment_statement":
                self._parsed_setting(n)
                self._net_field(n)
                left = syntax.node_text(n.child_by_field_name("left"))
                if left.endswith(".RetryMax"):
                    right = n.child_by_field_name("right")
                    v = self._number(right.named_children[0]) if right is not None and right.named_children else None
                    self._construct("retry", "go-retryablehttp", n, target="RetryMax",
                                    attempts=v + 1 if v is not None else None, backoff="exponential", jitter=False)
        self._not_nested()
        self._loop_digests()
        self.out.constructs = policy_functions.with_loop_digests(self.src, self.out.constructs)
        self.out.constructs.extend(c for c in policy_functions.scan(self.src) if not _delegates(self.src, c))
        self.out.constructs.extend(_duration_functions(self.src, self.out.constructs))
        self.out.constructs.extend(_backoff_methods(self.src, self.out.constructs))
        self.out.constructs.extend(_error_classifiers(self.src, self.out.constructs))
        self.out.constructs.extend(recursion.scan(self.src))  # a function that calls itself on failure
        self.out.constructs.extend(_service_configs(self.src, self._scope))
        return self.out

    def _loop_digests(self) -> None:
        """Hand-written loops valued by what decides them (``policy_functions.loop_digest``), leaving out
        an exit whose conditions are all about the data a pass got (``if len(line) == 0 { continue }``,
        ``case EventX: if !send(ctx, out, e) { return }``): a stream loop that learns a new event type
        changes nothing about when it stops, waits or tries again (:func:`_decides_failure`)."""
        for i, c in enumerate(self.out.constructs):
            if c.kind == "retry" and c.library == "loop" and not c.value:
                node = policy_functions.spanning(self.src, c.line, c.end_line)
                if node is not None:
                    digest = policy_functions.loop_digest(node, LANG, keep=_decides_failure)
                    pace = _pacing(node)
                    self.out.constructs[i] = replace(c, value=policy_functions.decision_value(
                        [digest, *pace]) if pace else digest)

    def _not_nested(self) -> None:
        """A function of this file whose loop only fails over (``randomClient``: each pass picks another
        node at once, no wait) picks a target; a retry that calls it retries once per pick, it does not
        multiply attempts: its name is left out of what the retry calls (``retry.nested``)."""
        if not self.failover:
            return
        for i, c in enumerate(self.out.constructs):
            if c.kind == "retry" and c.calls:
                kept = tuple(n for n in c.calls if n.rsplit(".", 1)[-1] not in self.failover
                             or n.rsplit(".", 1)[-1] == c.scope.rsplit(".", 1)[-1])
                if kept != c.calls:
                    self.out.constructs[i] = replace(c, calls=kept)

    # -- durations -----------------------------------------------------------------------------------
    def _number(self, node) -> float | None:
        if node is None:
            return None
        t = node.type
        if t in ("int_literal", "float_literal"):
            try:
                return float(syntax.node_text(node).replace("_", ""))
            except ValueError:
                return None
        if t == "identifier":
            return self.numbers.get(syntax.node_text(node))
        if t == "parenthesized_expression" and node.named_children:
            return self._number(node.named_children[0])
        return None

    def _count(self, node) -> float | None:
        """A plain multiplier: a literal, or ``time.Duration(n)`` used as a count."""
        if node is None:
            return None
        if node.type in ("int_literal", "float_literal", "identifier"):
            return self._number(node)  # 3, or maxWaitSeconds declared as 3 in the file
        if node.type == "call_expression" and syntax.callee(node, LANG) == "time.Duration":
            args = syntax.arguments(node, LANG)
            return self._number(args[0][1]) if args else None
        return None

    def _duration(self, node) -> float | None:
        """Seconds from a Go duration expression, or None when it is not a constant."""
        if node is None:
            return None
        t = node.type
        if t == "selector_expression":
            text = syntax.node_text(node)
            if text.startswith("time.") and text[5:] in _UNITS:
                return _UNITS[text[5:]]
            return None
        if t in ("int_literal", "float_literal"):
            v = self._number(node)
            return v * 1e-9 if v is not None else None  # a bare number is nanoseconds
        if t == "identifier":
            return self.consts.get(syntax.node_text(node))
        if t == "parenthesized_expression" and node.named_children:
            return self._duration(node.named_children[0])
        if t == "call_expression" and syntax.callee(node, LANG) == "time.Duration":
            args = syntax.arguments(node, LANG)
            nanos = self._number(args[0][1]) if args else None
            return nanos * 1e-9 if nanos is not None else None
        if t == "binary_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            op = syntax.node_text(node.child_by_field_name("operator"))
            if op == "*":
                for a, b in ((left, right), (right, left)):
                    unit = self._duration(a) if a is not None and a.type not in ("int_literal", "float_literal") else None
                    count = self._count(b)
                    if unit is not None and count is not None:
                        return unit * count
            if op in ("+", "-"):
                a, b = self._duration(left), self._duration(right)
                if a is not None and b is not None:
                    return a + b if op == "+" else a - b
        return None

    # -- calls ---------------------------------------------------------------------------------------
    def _call(self, node) -> None:
        name = syntax.callee(node, LANG)
        args = [v for _, v in syntax.arguments(node, LANG)]
        if name in ("context.WithTimeout", "context.WithTimeoutCause") and len(args) >= 2:
            # valued by its duration as written: a deadline made from a run-time value is still a
            # timeout applied here, not a value handed on (``_plumbing``)
            # ``context.WithTimeout(ctx, timeout)`` with the enclosing function's own parameter applies the
            # caller's wait: decided where it is called, plumbing in a new or deleted function
            self._construct("timeout", "context.WithTimeout", node, target=name, seconds=self._duration(args[1]),
                            value="" if _parameter(args[1]) else settings.written(args[1]))
        elif name in ("context.WithDeadline", "context.WithDeadlineCause") and len(args) >= 2:
            d = None
            for c in syntax.calls(args[1], LANG):
                if syntax.callee(c, LANG).endswith("Now.Add"):
                    a = syntax.arguments(c, LANG)
                    d = self._duration(a[0][1]) if a else None
            self._construct("timeout", "context.WithDeadline", node, target=name, seconds=d,
                            value=settings.written(args[1]))
        elif _deadline_helper(node, name):
            # ctx, cancel := contextWithTotalTimeout(c), ctx, cancel := s.withRequestDeadline(ctx): the
            # project's own way to make a context with a deadline, applied here
            self._construct("timeout", "context", node, target=name, seconds=None,
                            value=settings.written(node))
        elif _DIAL_TIMEOUT.search(name) and name != "net.DialTimeout" and len(args) >= 2:
            # t.transport.DialTimeout(addr, d), DialAddressTimeout(a, d): a dialer of the project's own,
            # shaped like net.DialTimeout; one renamed is the same wait. Given the enclosing function's own
            # parameter (a shim forwarding its caller's timeout) it applies what the caller decided
            self._construct("timeout", "DialTimeout", node, target="DialTimeout", seconds=self._duration(args[-1]),
                            value="" if _parameter(args[-1]) else settings.written(args[-1]))
        elif name in ("grpc.WithTimeout", "net.DialTimeout", "http.TimeoutHandler") and args:
            # the duration is net.DialTimeout's third argument but http.TimeoutHandler's second (its third
            # is the message): read at the wrong place, a handler's timeout changed was no change
            at = {"grpc.WithTimeout": 0, "net.DialTimeout": 2, "http.TimeoutHandler": 1}[name]
            arg = args[at] if len(args) > at else None
            self._construct("timeout", name.split(".")[0], node, target=name, seconds=self._duration(arg),
                            value=settings.written(arg) if arg is not None and name == "http.TimeoutHandler"
                            and not _parameter(arg) else "")
        elif name == "time.After" and args and _in_select(node) and not _waits_between_attempts(args[0]) \
                and not _select_wait(node):
            # valued by its duration as written, as the time.After kept in a variable is: a select that now
            # gives up after ``c.replyTimeout`` bounds a wait here, it does not hand one on (the enclosing
            # function's own parameter is its caller's wait: plumbing in a new function)
            self._construct("timeout", "time.After", node, target="select", seconds=self._duration(args[0]),
                            value="" if _parameter(args[0]) or _paces_a_loop(node) else settings.written(args[0]))
        elif _applies_deadline(name, args):
            self._deadline_call(node, name, args)
        elif name == "time.After" and args and not _in_select(node) and not _waits_between_attempts(args[0]) \
                and _gives_up_on(node, ""):
            # timeout := time.After(2 * time.Minute); for { select { case <-timeout: return errLoad; ... } }
            self._construct("timeout", "time.After", node, target="select", seconds=self._duration(args[0]),
                            value=settings.written(args[0]))
        elif name == "time.NewTimer" and args and not _waits_between_attempts(args[0]) and _gives_up_on(node):
            # t := time.NewTimer(d); select { case <-done: ...; case <-t.C: return ErrTimeout }: the wait
            # ``time.After`` bounds, on a timer that can be stopped (the same construct: one for the other
            # with the same duration is no change)
            self._construct("timeout", "time.After", node, target="select", seconds=self._duration(args[0]),
                            value=settings.written(args[0]))
        elif name == "time.AfterFunc" and len(args) == 2 and _timeout_named(args[0]) and not _expires_entry(args[1]):
            # ah.timer = time.AfterFunc(timeout, expire): gives up on what it waits for once the time is out
            self._construct("timeout", "time.AfterFunc", node, target=name, seconds=self._duration(args[0]),
                            value=settings.written(args[0]))
        elif _FLAG_DEFINE.match(name.rsplit(".", 1)[-1]) and _FLAG_RECEIVER.search(name.rpartition(".")[0]):
            self._flag(node, name.rsplit(".", 1)[-1], args)
        elif name == "backoff.Retry" or name == "backoff.RetryNotify" or name == "backoff.RetryWithData":
            self._cenkalti(node, args)
        elif name == "retry.Do" or name == "retry.DoWithData":
            self._avast(node, args)
        elif name == "retryablehttp.NewClient":
            self._construct("retry", "go-retryablehttp", node, target="RetryMax", attempts=5.0,
                            backoff="exponential", jitter=False)
        elif (bound := self._positional_wait(name, args)) is not None:
            # nc.Request(subj, data, 2*time.Second), s.conns.WaitTimeout(10*time.Second): a blocking call
            # given how long it may take as a plain argument, with no name to say so
            self._construct("timeout", "argument", node, target=name.rsplit(".", 1)[-1],
                            seconds=self._duration(bound),
                            value="" if _parameter(bound) else settings.written(bound))
        if args and _CONTEXT_SUFFIX.search(name) and not name.startswith("context.") and \
                _callers_context(args[0]) and not _told_ctx(name):
            # the context-taking twin of a call (``NewRequestWithContext``, ``QueryContext``, ``DialContext``)
            # given the caller's context gives up when the caller does: valued at run time, so a new call is
            # plumbing, while one that had none (``http.NewRequest``) or had ``context.Background()`` gets a
            # deadline (``retry_timeout._plumbing`` pairs it with the call on the other side of its hunk).
            # Only these twins: any call given ``ctx`` would list every call of a Go service
            self._construct("timeout", "caller-context", node, target=_CONTEXT_SUFFIX.sub("", name), seconds=None)
        if name in _DEFAULT_CLIENT_CALLS:
            self._net("net/http", name, node, False)
        elif name == "net.Dial":
            self._net("net", name, node, False)

    def _positional_wait(self, name: str, args: list) -> Any:
        """The one argument of a blocking call that is a duration (``2*time.Second``, a constant of a
        certain duration, a timeout-named value), when the call's verb waits for a reply, a connection
        or a drain (:data:`_BLOCKING_VERB`; ``FlushTimeout``, ``NextMsg``) or its name ends in
        ``Timeout``: that argument bounds the call (labelling rules: "passing a timeout ... to a call
        that had none, or passing a different one"). Not a sleep, a ticker or a timer (``time.*``), a
        context (``context.*``), nor a call with two durations (which is the bound is unknown)."""
        last = name.rsplit(".", 1)[-1]
        if not args or "." not in name or name.startswith(("time.", "context.")) or not (
                _BLOCKING_VERB.match(last) or last.endswith("Timeout")):
            return None
        waits = [a for a in args if a is not None and (
            "time." in syntax.node_text(a) and self._duration(a) is not None
            or a.type in ("identifier", "selector_expression") and (
                syntax.node_text(a) in self.durations or _timeout_named(a)))]
        return waits[0] if len(waits) == 1 else None

    def _flag(self, node, method: str, args) -> None:
        """``flag.Duration("read-timeout", 5*time.Second, "...")``, ``fs.DurationVar(&c.ShutdownTimeout,
        "shutdown-timeout", 30*time.Second, "...")``, ``flags.IntVarP(&o.retries, "retries", "r", 3, "...")``:
        a command-line flag for a retry or timeout setting, defined with its default. The flag is how a
        service's operators set the wait or the attempts, and its default is what runs when they do not:
        a default changed or a flag added is a setting changed or added, as it is for a config field.
        Known by the flag's name (``read-timeout`` reads as ``read_timeout``), else by the variable or
        field it fills."""
        pointer = method.endswith(("Var", "VarP"))
        at = (1 if pointer else 0)
        value_at = at + (2 if method.endswith("P") else 1)
        if len(args) <= value_at or not syntax.is_string(args[at]):
            return
        key = syntax.node_text(args[at]).strip('"`').replace("-", "_").replace(".", "_")
        kind = settings.classify(key)
        if kind is None:
            assigned = _assigned_to(node)
            bound = args[0] if pointer else (assigned[0] if assigned else None)
            if bound is not None:
                key = syntax.node_text(bound).lstrip("&").rsplit(".", 1)[-1]
                kind = settings.classify(key)
        if kind is None or not _bounds_a_wait(kind, key):
            return
        value = args[value_at]
        line = syntax.line_of(node)
        self.out.constructs.append(Construct(
            kind, "setting", line, node.end_point[0] + 1, self._scope(node), key, snippet=self._snippet(line),
            value=settings.written(value), duration=self._certain_duration(key, value)))

    def _deadline_call(self, node, name: str, args) -> None:
        """``conn.SetReadDeadline(time.Now().Add(d))``, ``cmd.setReadTimeout(d)``,
        ``syscall.SetTCPUserTimeout(conn, d)``: a deadline or timeout applied to a connection or a command
        here. Valued by the duration it adds to now (or is given), and by its argument as written when
        that is known only at run time: it applies a wait, it does not hand one on."""
        arg = _local_value(args[-1])
        if syntax.node_text(arg).replace(" ", "") in ("time.Time{}", "noDeadline"):
            return  # conn.SetDeadline(time.Time{}): clears a deadline before the next use, bounds no wait
        seconds = self._duration(arg)
        if seconds is None:
            for c in [arg, *syntax.calls(arg, LANG)]:
                if c.type == "call_expression" and syntax.callee(c, LANG).endswith("Now.Add") or (
                        c.type == "call_expression" and syntax.callee(c, LANG).endswith("now.Add")):
                    a = syntax.arguments(c, LANG)
                    seconds = self._duration(a[0][1]) if a else None
                    break
        self._construct("timeout", "deadline", node, target=name.rsplit(".", 1)[-1], seconds=seconds,
                        value=settings.written(arg))

    def _cenkalti(self, node, args) -> None:
        scope = _function(node)
        text_calls = [syntax.callee(c, LANG) for c in syntax.calls(scope if scope is not None else node, LANG)]
        backoff = "exponential" if "backoff.NewExponentialBackOff" in text_calls else (
            "fixed" if "backoff.NewConstantBackOff" in text_calls else (
                "none" if "backoff.ZeroBackOff" in text_calls else None))
        attempts: float | None = None
        for c in syntax.calls(scope if scope is not None else node, LANG):
            if syntax.callee(c, LANG) == "backoff.WithMaxRetries":
                a = syntax.arguments(c, LANG)
                n = self._number(a[1][1]) if len(a) > 1 else None
                attempts = n + 1 if n is not None else None
        if attempts is None and backoff in ("fixed", "none") and "backoff.WithMaxRetries" not in text_calls:
            attempts = INFINITE  # constant/zero backoff never stop on their own
        body = args[0] if args else node
        self._construct("retry", "cenkalti/backoff", node, body=body, attempts=attempts, backoff=backoff,
                        jitter=backoff == "exponential", value=_options_digest(args[1:]))

    def _avast(self, node, args) -> None:
        attempts: float | None = 10.0  # retry-go default
        backoff: str | None = "exponential"  # default DelayType: CombineDelay(BackOffDelay, RandomDelay)
        jitter = True
        for a in args[1:]:
            if a.type != "call_expression":
                continue
            n = syntax.callee(a, LANG)
            inner = [v for _, v in syntax.arguments(a, LANG)]
            if n == "retry.Attempts" and inner:
                v = self._number(inner[0])
                attempts = (INFINITE if v == 0 else v) if v is not None else None
            elif n == "retry.DelayType" and inner:
                t = syntax.node_text(inner[0])
                backoff = "fixed" if "FixedDelay" in t else ("exponential" if "BackOff" in t else None)
                jitter = "Random" in t
        self._construct("retry", "retry-go", node, body=args[0] if args else node, attempts=attempts,
                        backoff=backoff, jitter=jitter, value=_options_digest(args[1:]))

    def _literal(self, node) -> None:
        type_name = syntax.node_text(node.child_by_field_name("type"))
        body = node.child_by_field_name("body")
        if body is None:
            return
        has_timeout = False
        policy = _retry_policy_type(type_name.lstrip("&*"))
        elements = [el for el in body.named_children if not syntax.is_comment(el)]
        fields = self.struct_fields.get(type_name.lstrip("&*"), [])
        if elements and all(el.type == "literal_element" for el in elements) and len(elements) == len(fields):
            # Config{hostname, "0.0.0.0", 10 * time.Second}: a positional literal of a struct declared here
            # sets the same fields as the keyed one (``TCPTimeout: 10 * time.Second``): read it that way,
            # so that writing the keys out changes nothing
            for el, key in zip(elements, fields, strict=True):
                if key.endswith("Timeout") and el.named_children:
                    self._construct("timeout", type_name or "struct", el, target=f"{type_name}.{key}",
                                    seconds=self._duration(el.named_children[0]))
        for el in body.named_children:
            if el.type != "keyed_element" or len(el.named_children) < 2:
                continue
            key = syntax.node_text(el.named_children[0])
            if policy and not settings.classify(key):
                # backoff.Config{BaseDelay: 1 * time.Second, Multiplier: 1.6}: every field of a retry or
                # backoff policy literal is that policy's setting (named ones are settings already)
                value = el.named_children[1]
                value = value.named_children[0] if value.type == "literal_element" and value.named_children else value
                self._policy_field(type_name.lstrip("&*"), key, value, el)
            elif key.endswith("Timeout"):
                value = el.named_children[1]
                value = value.named_children[0] if value.type == "literal_element" and value.named_children else value
                v = self._duration(value)
                std = type_name.lstrip("&*") in _NET_TYPES
                if v == 0 and std:
                    v = INFINITE  # zero means no timeout
                # on the standard library's network objects a value known only at run time is still a
                # timeout applied here (``&http.Client{Timeout: timeout}``): valued as written
                self._construct("timeout", type_name or "struct", el, target=f"{type_name}.{key}", seconds=v,
                                value=settings.written(value) if std and v is None else "")
                has_timeout = has_timeout or key == "Timeout"
        if type_name == "http.Client" and not has_timeout and not self._requests_carry_context():
            self._net("net/http", "http.Client{}", node, False)

    def _requests_carry_context(self) -> bool:
        """Whether the file builds its requests with a context (``http.NewRequestWithContext``,
        ``req.WithContext(ctx)``): each request is then bounded by its caller's deadline, and a client
        without ``Timeout`` is the idiom (a streaming client must not have one), not a missing timeout."""
        found = getattr(self, "_ctx_requests", None)
        if found is None:
            found = any(syntax.callee(c, LANG).rsplit(".", 1)[-1] in ("NewRequestWithContext", "WithContext")
                        for c in syntax.nodes_of_types(self.src.root, LANG, ("call_expression",)))
            self._ctx_requests = found
        return found

    def _net_field(self, assign) -> None:
        """``tr.ResponseHeaderTimeout = d``, ``client.Timeout = cfg.Timeout`` where ``tr``/``client`` is an
        ``http.Transport``, ``http.Client``, ``http.Server`` or ``net.Dialer`` made in the same function:
        a timeout set on the standard library's network objects field by field, as a literal would
        (zero is none). Valued as written when it is known only at run time: it applies a timeout, it
        does not hand one on."""
        left, right = assign.child_by_field_name("left"), assign.child_by_field_name("right")
        if left is None or right is None or len(left.named_children) != 1 or len(right.named_children) != 1:
            return
        target = left.named_children[0]
        if target.type != "selector_expression":
            return
        field = syntax.node_text(target.child_by_field_name("field"))
        var = syntax.node_text(target.child_by_field_name("operand"))
        if not var.isidentifier():
            return
        fn = _function(assign) or syntax.ancestor(assign, ("func_literal",))
        made = _retry_object(self.src, fn, var)
        if made is not None and settings.classify(field) != "timeout":
            # b := backoff.NewExponentialBackOff(); b.MaxElapsedTime = 2 * time.Minute: a field of a retry
            # or backoff policy is that policy's setting, whatever it is called
            self._policy_field(made, field, right.named_children[0], assign)
            return
        if not field.endswith("Timeout"):
            return
        type_name = _made_as(self.src, fn, _NET_MADE).get(var)
        if type_name is None:
            return
        value = right.named_children[0]
        v = self._duration(value)
        if v == 0:
            v = INFINITE  # zero means no timeout
        self._construct("timeout", type_name, assign, target=f"{type_name}.{field}", seconds=v,
                        value=settings.written(value))

    def _parsed_setting(self, assign) -> None:
        """``o.DialTimeout = q.duration("dial_timeout")``, ``cfg.MaxRetries, err = strconv.Atoi(v)``: a
        retry or timeout setting read from configuration (a URL query, the environment, a flag, a
        config file) by its key or parsed from text. Reading it is what makes it configurable, and a
        parse that comes or goes is a setting that comes or goes; valued as written."""
        left, right = assign.child_by_field_name("left"), assign.child_by_field_name("right")
        if left is None or right is None or len(right.named_children) != 1 or not left.named_children:
            return
        target = left.named_children[0]
        field = target.child_by_field_name("field") if target.type == "selector_expression" else None
        if field is None:
            return
        name = syntax.node_text(field)
        kind = settings.classify(name)
        if kind is None:
            return  # (asked first: finding the parse a local came from walks its whole function)
        call = _parsed_local(self.src, right.named_children[0])
        if call.type != "call_expression":
            return
        callee = syntax.callee(call, LANG) or ""
        args = [a for _, a in syntax.arguments(call, LANG)]
        if not (callee in _PARSERS or any(syntax.is_string(a) for a in args)):
            return
        line = syntax.line_of(assign)
        self.out.constructs.append(Construct(
            kind, "setting", line, line, self._scope(assign), name, snippet=self._snippet(line),
            value=settings.written(call)))

    def _config_key(self, case) -> None:
        """``case "dial_timeout": d, err := ParseDuration(arg); ...; h.DialTimeout = Duration(d)``,
        ``case "write_deadline": o.WriteDeadline = parseDur(v)``: a config file or a block of directives
        read key by key, where a retry- or timeout-named key fills a field of the same kind. The case is
        where the setting is parsed, so a key that comes or goes is a setting added or removed, and its
        parsing changed is a setting changed (valued by the case's code as written). A key that fills no
        such field (an error code ``"RequestTimeout"`` switched on) is not a setting."""
        values = case.child_by_field_name("value")
        if values is None:
            return
        keys = [syntax.node_text(v).strip('"`') for v in values.named_children if syntax.is_string(v)]
        kind = next((k for k in (settings.classify(key.replace("-", "_").replace(".", "_")) for key in keys)
                     if k is not None), None)
        if kind is None:
            return
        fills = False
        for n in syntax.walk(case):
            if n.type == "assignment_statement":
                left = n.child_by_field_name("left")
                for target in left.named_children if left is not None else []:
                    field = target.child_by_field_name("field") if target.type == "selector_expression" else None
                    if field is not None and settings.classify(syntax.node_text(field)) == kind:
                        fills = True
        if not fills or not _bounds_a_wait(kind, keys[0]):
            return
        # valued by what its code decides, messages left out (an error's wording is no change)
        tokens = [t for c in case.named_children if c != values
                  for t in policy_functions.decisions(c, LANG, messages=False)]
        line = syntax.line_of(case)
        self.out.constructs.append(Construct(
            kind, "setting", line, case.end_point[0] + 1, self._scope(case), keys[0], snippet=self._snippet(line),
            value=policy_functions.decision_value(tokens) if tokens else "set"))

    def _policy_field(self, type_name: str, field: str, value, node) -> None:
        line = syntax.line_of(node)
        self.out.constructs.append(Construct(
            "retry", "setting", line, line, self._scope(node), f"{type_name}.{field}", snippet=self._snippet(line),
            value=settings.written(value), duration=self._certain_duration(field, value)))

    def _certain_duration(self, name: str, value) -> float | None:
        """Seconds a setting named ``name`` is given, where the unit is certain: a constant's
        (``self.durations``) or the value's own (``durations.of_setting``), else None."""
        if value is not None and value.type == "identifier":
            return self.durations.get(syntax.node_text(value))
        known = durations.of_setting(name, value, LANG, self._number)
        return known.seconds if known is not None else None

    def _option_fields(self, spec) -> None:
        """``type Options struct { DialTimeout time.Duration; MaxRetries int }``: a retry or timeout field of
        an options or config struct is a setting callers can set. A field that comes is a wait or a retry
        made configurable, one that goes is a setting taken away; the struct renamed, the field moved or
        re-typed is neither (it pairs by its name). Valued by its type as written: what it holds, set at
        run time. A field of any other struct (``conn.readTimeout``) is the code's own state."""
        name = syntax.node_text(spec.child_by_field_name("name"))
        struct = spec.child_by_field_name("type")
        if struct is None or struct.type != "struct_type" or not _OPTIONS_TYPE.search(name):
            return
        for decl in syntax.walk(struct):
            if decl.type != "field_declaration":
                continue
            ftype = decl.child_by_field_name("type")
            for field in decl.children_by_field_name("name"):
                fname = syntax.node_text(field)
                kind = settings.classify(fname)
                if kind is None or ftype is None or not _bounds_a_wait(kind, fname):
                    continue
                line = syntax.line_of(field)
                self.out.constructs.append(Construct(
                    kind, "setting", line, line, self._scope(field), fname, snippet=self._snippet(line),
                    value=" ".join(syntax.node_text(ftype).split())))

    # -- hand-written loops ------------------------------------------------------------------------
    def _loop(self, node) -> None:
        body = node.child_by_field_name("body")
        if body is None:
            return
        header = next((c for c in node.named_children if c.type in ("for_clause", "range_clause")), None)
        cond = next((c for c in node.named_children if c != body and c.type not in ("for_clause", "range_clause")),
                    None)
        attempts: float | None
        if header is None and cond is None:
            attempts = INFINITE
        elif header is not None and header.type == "for_clause":
            if walks_collection(node):
                return  # for i := 0; i < len(addrs); i++: trying each address, not retrying one
            c = header.child_by_field_name("condition")
            right = c.child_by_field_name("right") if c is not None and c.type == "binary_expression" else None
            if _counts_items(right):
                return  # for i := 0; i < t.NumField(); i++: each field once, skipping the ones that fail
            attempts = self._number(right)
            if _while_failing(header):
                # for err := op(); err != nil; err = op() { wait }: the header itself tries again while
                # the operation fails; bounded only by a count it also tests (``&& n < max``)
                bound = next((self._number(b.child_by_field_name("right")) for b in syntax.walk(c)
                              if b.type == "binary_expression" and syntax.node_text(
                                  b.child_by_field_name("operator")) in ("<", "<=")), None)
                attempts = bound if bound is not None else (None if _compares_count_node(c) else INFINITE)
        elif header is not None and header.type == "range_clause":
            right = header.child_by_field_name("right")
            if right is None or right.type not in ("int_literal", "identifier", "selector_expression") or (
                    right.type != "int_literal" and syntax.node_text(right) not in self.consts
                    and not _names_attempts(syntax.node_text(right))):
                return  # ranging over a collection: processing items, not retrying
            attempts = self._number(right)
        else:
            attempts = None
        own = list(_own(body))
        header_retries = header is not None and header.type == "for_clause" and _while_failing(header)
        checks_err = header_retries or any(
            n.type == "binary_expression" and _is_err(syntax.node_text(n.child_by_field_name("left")))
            or _switches_on_err(n) for n in own)
        if not checks_err:
            return
        sleeps = [n for n in own if n.type == "call_expression" and (
            _waits_as(syntax.callee(n, LANG), "Sleep") or _waits_as(syntax.callee(n, LANG), "After") and (
                _select_wait(n) or _received_alone(n)) or _timer_wait(n, node))]
        delegated = [n for n in own if n.type == "call_expression" and n not in sleeps and _delegated_wait(n)]
        if not sleeps and not delegated and _reads_to_end(own, body):
            return  # for { line, err := r.ReadSlice('\n'); ...; if err == io.EOF { break } }: reading input
        # the loop goes round again on failure (continue under `if err != nil`) or leaves on success
        # (return/break under `if err == nil`); a CAS loop that continues on a lost race is not a retry
        again = header_retries or any(n.type == "continue_statement" and _under_err_if(n, body, "!=") for n in own)
        leaves = any(n.type in ("return_statement", "break_statement") and _under_err_if(n, body, "==") for n in own)
        if not (sleeps or again or leaves):
            return
        if attempts == INFINITE and not leaves and not header_retries and not _leaves_on_its_own(body, node) and not (
                again and sleeps or any(_under_err_if(s, body, "!=") for s in sleeps)) and not _reconnects(own) \
                and not any(_waits_to_retry(s) for s in sleeps):
            # a loop that never stops on success retries only when a failure makes it wait and go again
            # (one whose header calls again while the call fails stops on success there: it retries);
            # otherwise it reads or accepts (``if err != nil { continue }``, no wait) or works on a period
            # (``select { case <-time.After(t): }`` first, then a check whose error is only logged)
            return
        if attempts == INFINITE and any(n.type == "if_statement" and any(
                _leaves(m, node) for m in _own(n)) and _compares_count(n) for n in own):
            attempts = None
        if attempts == INFINITE and not _leaves_on_its_own(body, node) and any(_leaves(m, node) for m in own) \
                and not any(n.type in ("return_statement", "break_statement") and _under_err_if(n, body, "==")
                            and not _on_stop(n, node) for n in own):
            # a loop that serves (a watch reopened, an accept loop, a resolver) has no success to stop
            # at and ends when its owner stops it or on an error it does not retry: bounded by that
            # life, it is no retry that never gives up (one that stops only on success still is)
            attempts = None
        # one immediate re-try (``for range 2``: a protocol's renegotiation, a stale connection replaced)
        # cannot spin: its delay is not judged (the labelling rules: only a loop that can go round more
        # than once with no delay retries without backoff)
        fails_over = _tries_alternatives(own, header)
        if fails_over and not sleeps and not delegated:
            self.failover.add(self._scope(node).rsplit(".", 1)[-1])
        backoff: str | None = "none" if not fails_over and attempts != 2 else None
        jitter = False
        if delegated and not sleeps:
            sleeps, backoff = delegated, None  # w.rc.reconnectWait(ctx), b.Backoff(attempt): waits, for how long
            # and growing how is the helper's business
        elif sleeps:
            backoff = "fixed"
            grown = set()
            for n in own:
                if n.type == "assignment_statement":
                    op = syntax.node_text(n.child_by_field_name("operator"))
                    if op in ("*=", "<<="):
                        grown.add(syntax.node_text(n.child_by_field_name("left")))
            for s in sleeps:
                arg = syntax.node_text(s.child_by_field_name("arguments"))
                if "<<" in arg or "math.Pow" in arg or any(g and g in arg for g in grown):
                    backoff = "exponential"
                if "rand." in arg:
                    jitter = True
        self._construct("retry", "loop", node, body=body, attempts=attempts, backoff=backoff, jitter=jitter)

    # -- output ------------------------------------------------------------------------------------
    def _construct(self, kind: str, library: str, node, *, body=None, target: str = "", **values) -> None:
        line = syntax.line_of(node)
        end = node.end_point[0] + 1
        calls: tuple[str, ...] = ()
        method = None
        key = False
        if kind == "retry" and body is not None:
            calls = tuple(dict.fromkeys(syntax.callee(c, LANG) for c in syntax.calls(body, LANG)))
            text = syntax.node_text(body)
            method = _method(body)
            key = "idempotency-key" in text.lower()
            if not target:
                target = next((c for c in calls if c.rsplit(".", 1)[-1] in ("Do", "Get", "Post", "NewRequest",
                                                                            "NewRequestWithContext")), "")
        self.out.constructs.append(Construct(kind, library, line, end, self._scope(node), target, method=method,
                                             idempotency_key=key, calls=calls, snippet=self._snippet(line), **values))

    def _net(self, library: str, name: str, node, has: bool) -> None:
        line = syntax.line_of(node)
        self.out.calls.append(NetworkCall(library, name, line, self._scope(node), has, True, self._snippet(line)))

    def _scope(self, node) -> str:
        scope = syntax.qualname_at(node, LANG)
        if _in_goroutine(node):
            # a loop a function starts in the background: calling that function does not retry
            # (no ``retry.nested`` for its callers), and it pairs only with itself
            scope = f"{scope}.<goroutine>" if scope else "<goroutine>"
        return scope


_OWN_STOP = frozenset({"func_literal"})  # what _own does not descend into
#: the nodes a Go function's body belongs to (a climb from a statement stops there)
_GO_FUNCTIONS = ("function_declaration", "method_declaration", "func_literal")
#: the standard library's network objects whose ``*Timeout`` fields bound a wait (zero: none)
_NET_TYPES = frozenset({"http.Client", "net.Dialer", "http.Server", "http.Transport"})
#: ``SetDeadline``, ``SetReadDeadline``, ``setWriteTimeout``, ``SetTCPUserTimeout``: a setter that applies
#: a deadline or a timeout to the object it is called on
_SETTER = re.compile(r"^[sS]et\w*(Timeout|Deadline)$")
#: the standard ``flag`` package's and pflag's definitions of a duration or a count flag, and where they are
#: called from (the package itself, a ``FlagSet``, ``cmd.Flags()``)
_FLAG_DEFINE = re.compile(r"^(Duration|Int|Int64|Uint|Uint64|Float64)(Var)?P?$")
_FLAG_RECEIVER = re.compile(r"(?i)(^|\.)(p?flags?|fs|\w*flag_?set|persistentflags)$")


#: a project's dialer method shaped like ``net.DialTimeout(network, addr, d)``: ``DialTimeout``,
#: ``DialAddressTimeout`` (a method, not a package function)
_DIAL_TIMEOUT = re.compile(r"\.Dial\w*Timeout$")
#: verbs of calls that block until a reply, a connection, a message or a drain comes (a positional
#: duration bounds them); not Get/Set/Lock (a cache or a lease takes a TTL), Poll/Tick (a poll duration)
_BLOCKING_VERB = re.compile(r"^(Request|RequestMsg|RequestWithContext|Call|Invoke|Wait\w*|Flush\w*|Dial\w*|"
                            r"Connect\w*|Drain\w*|NextMsg\w*|Fetch\w*|Recv\w*|Receive\w*|Shutdown\w*)$")


#: a gRPC service config in a string is read only up to this size (a policy is a few hundred characters)
_SERVICE_CONFIG_MAX = 100_000
_SERVICE_CONFIG = re.compile(r'(?i)"(retryPolicy|methodConfig)"')


def _service_configs(src: syntax.Source, scope: Callable[[Any], str]) -> list[Construct]:
    """A gRPC service config written as JSON in a Go string (``grpc.WithDefaultServiceConfig(`{
    "methodConfig": [{"retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.2s", ...,
    "retryableStatusCodes": ["UNAVAILABLE"]}, "timeout": "1s"}]}`)``): grpc-go retries and bounds each
    call by it, so it is the client's retry policy and per-call timeout held as data, as a
    ``retryPolicy`` in a JSON file is (``data``; labelling rules: "a retry policy held as data is
    production config"). Read as parsed values, never as text: one retry construct per string valued by
    its retry policies with keys in any case (grpc-go matches them so) and any order, and one timeout
    per method config that sets one. A string that is not JSON, or too large, is no policy."""
    out: list[Construct] = []
    for node in syntax.nodes_of_types(src.root, LANG, ("raw_string_literal", "interpreted_string_literal")):
        text = syntax.node_text(node)
        if len(text) > _SERVICE_CONFIG_MAX or not _SERVICE_CONFIG.search(text):
            continue
        try:
            doc = json.loads(text[1:-1] if node.type == "raw_string_literal" else json.loads(text))
            configs = _lower_keys(doc).get("methodconfig") if isinstance(doc, dict) else None
        except (ValueError, RecursionError):  # not JSON, or nested past the interpreter's stack
            continue
        if not isinstance(configs, list):
            continue
        holder = node.parent.parent if node.parent is not None and node.parent.type == "expression_list" else None
        names = holder.children_by_field_name("name") if holder is not None and holder.type in (
            "const_spec", "var_spec") else []
        target = syntax.node_text(names[0]) if names else "serviceConfig"
        line, end = syntax.line_of(node), node.end_point[0] + 1
        snippet = syntax.node_text(node).split("\n", 1)[0].strip()[:160]
        policies: list[dict] = [c["retrypolicy"] for c in configs
                                if isinstance(c, dict) and isinstance(c.get("retrypolicy"), dict)]
        if policies:
            attempts = {p.get("maxattempts") for p in policies}
            first = next(iter(attempts)) if len(attempts) == 1 else None
            out.append(Construct("retry", "grpc.ServiceConfig", line, end, scope(node), target,
                                 attempts=float(first) if isinstance(first, (int, float)) else None,
                                 backoff="exponential", snippet=snippet,
                                 value=policy_functions.decision_value([json.dumps(policies, sort_keys=True)])))
        for i, c in enumerate(configs):
            wait = c.get("timeout") if isinstance(c, dict) else None
            if isinstance(wait, str):
                out.append(Construct("timeout", "grpc.ServiceConfig", line, end, scope(node), f"{target}[{i}]",
                                     seconds=durations.string_seconds(wait), value=wait, snippet=snippet))
    return out


def _lower_keys(node: Any) -> Any:
    """A parsed JSON value with every object key lower-cased: grpc-go reads ``MaxAttempts`` and
    ``maxAttempts`` alike."""
    if isinstance(node, dict):
        return {str(k).lower(): _lower_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_lower_keys(v) for v in node]
    return node


def _applies_deadline(name: str, args) -> bool:
    return bool(args) and bool(_SETTER.match(name.rsplit(".", 1)[-1])) and "." in name


#: what reads a number or a duration out of text
_PARSERS = frozenset({"time.ParseDuration", "strconv.Atoi", "strconv.ParseInt", "strconv.ParseUint",
                      "strconv.ParseFloat", "os.Getenv"})
#: a retry or backoff policy's package (``backoff.Config``, ``retry.Options``)
_RETRY_PACKAGE = re.compile(r"(?i)g?(back_?off|retry)")
_POLICY_WORDS = frozenset({"retry", "retrier", "retryer", "backoff"})


def _retry_policy_type(made: str) -> bool:
    """Whether a type or constructor makes a retry or backoff policy: ``backoff.ExponentialBackOff``,
    ``backoff.NewExponentialBackOff``, ``gbackoff.Config``, ``RetryPolicy``, ``retry.Config``; not a
    ``RetryableError`` (an error that says it may be retried) nor a ``retryablehttp.Client``."""
    from mergeguard.features.resilience.settings import words
    pkg, _, last = made.rpartition(".")
    ws = words(last)
    own = bool(set(ws) & _POLICY_WORDS) or any(a == "back" and b == "off" for a, b in zip(ws, ws[1:], strict=False))
    return own or bool(pkg) and bool(_RETRY_PACKAGE.fullmatch(pkg))


def _retry_object(src: syntax.Source, fn, var: str) -> str | None:
    """What ``var`` was made as in ``fn`` when that is a retry or backoff policy (``b :=
    backoff.NewExponentialBackOff()``, ``p := &retry.Config{}``): the constructor or type, else None.
    A retry *counter* or a client is not a policy object."""
    made = _made_as(src, fn, _POLICY_MADE).get(var)
    return made if made is not None and _retry_policy_type(made) else None


#: ``v := pkg.New(``, ``v = &T{``: a name and the first thing it is made as, at every position (a
#: lookahead, so a match never hides the one that starts inside it)
_POLICY_MADE = re.compile(r"(?=\b(\w+)\s*:?=\s*&?([\w.]+)\s*[({])")
#: ``tr := &http.Transport{``, ``var d net.Dialer``: a standard-library network object made in a function
_NET_MADE = re.compile(r"(?=(?:\b(\w+)\s*:?=\s*(?:&|new\()?|\bvar\s+(\w+)\s+\*?)"
                       r"(http\.(?:Transport|Client|Server)|net\.Dialer)\b)")


def _made_as(src: syntax.Source, fn, pattern: re.Pattern[str]) -> dict[str, str]:
    """``name -> `` what ``pattern`` first finds it made as in ``fn``'s text, for every name at once.
    Built once per function and image: asked per field assignment, a search of the function's text
    for one name made a function of n ``x.F = y`` lines cost n x n (2,000 lines, 25 s)."""
    if fn is None:
        return {}

    def index() -> dict[str, str]:
        out: dict[str, str] = {}
        for m in pattern.finditer(syntax.node_text(fn)):
            name = next(g for g in m.groups()[:-1] if g)
            out.setdefault(name, m.groups()[-1])
        return out

    return syntax.image_memo(src, ("go.made_as", pattern.pattern, fn.start_byte, fn.end_byte), index)


def _assigned_to(call) -> list:
    """The left-hand names of the ``:=`` or ``=`` whose value ``call`` is (``ctx, cancel := f()``); none
    when its value goes anywhere else."""
    p = call.parent
    if p is not None and p.type == "expression_list":
        p = p.parent
    if p is None or p.type not in ("short_var_declaration", "assignment_statement"):
        return []
    left = p.child_by_field_name("left")
    return list(left.named_children) if left is not None else []


#: ``QueryContext``, ``NewRequestWithContext``, ``DialContext``: the context-taking twin of a call
_CONTEXT_SUFFIX = re.compile(r"(With)?Context$")
#: what the caller's context is read as: ``ctx``, ``reqCtx``, ``r.Context()``
_CALLER_CONTEXT = re.compile(r"^(\w*[cC]tx|\w+\.Context\(\))$")
#: receivers that are told about a request (logs, traces, metrics), never bounded by its deadline
_TOLD_RECEIVER = re.compile(r"(?i)(^|\.)\w*(log|logger|trace|tracer|span|otel|metrics?|meter|slog|zap|klog|hclog)$")


def _callers_context(arg) -> bool:
    """Whether an argument is the caller's context (``ctx``, ``r.Context()``), not a fresh one
    (``context.Background()``, ``context.TODO()``)."""
    return bool(_CALLER_CONTEXT.match(syntax.node_text(arg).replace(" ", "")))


def _told_ctx(name: str) -> bool:
    """A call that takes a context only to report (``logger.InfoContext(ctx, ...)``, ``tracer.Start(ctx,
    "op")``, ``slog.LogAttrs``): it waits for nothing the context could bound."""
    receiver, _, last = name.rpartition(".")
    return bool(_TOLD.match(_CONTEXT_SUFFIX.sub("", last)) or _TOLD_RECEIVER.search(receiver)
                or _DERIVES_CONTEXT.match(last))


#: calls that only make a context carry a value or read one back (``peer.NewContext(ctx, p)``,
#: ``metadata.NewOutgoingContext``, ``AppendToOutgoingContext``, ``FromContext``), or a group tied to it
#: (``errgroup.WithContext``): they wait for nothing the context could bound
_DERIVES_CONTEXT = re.compile(r"^(New(Incoming|Outgoing)?Context|Append\w*Context|\w*FromContext|ContextWith\w*"
                              r"|WithContext|Value|Err|Done)$")


def _parsed_local(src: syntax.Source, value):
    """``d, err := time.ParseDuration(v); ...; c.DialTimeout = d``: the parse a plain local was set from,
    in the same function, when it is set once and first of what a parse returns; else ``value``. Parsing
    into a local first, to check the error, is how Go reads a setting from the environment or a file."""
    if value.type != "identifier":
        return value
    fn = _function(value) or syntax.ancestor(value, ("func_literal",))
    if fn is None:
        return value
    starts, found = _assignments(src, fn).get(syntax.node_text(value), ([], []))
    if bisect.bisect_left(starts, value.start_byte) != 1:
        return value
    first, call = found[0]
    if not first:
        return value
    return call if call.type == "call_expression" and syntax.callee(call, LANG) in _PARSERS else value


def _assignments(src: syntax.Source, fn) -> dict[str, tuple[list[int], list[tuple[bool, Any]]]]:
    """``name -> `` (where, (whether first on the left, the one value)) of each ``:=`` or ``=`` in ``fn``
    that sets it from one value, in document order. Built once per function and image, for the same
    reason as :func:`_made_as`."""

    def index() -> dict[str, tuple[list[int], list[tuple[bool, Any]]]]:
        out: dict[str, tuple[list[int], list[tuple[bool, Any]]]] = {}
        for n in syntax.walk(fn):
            if n.type not in ("short_var_declaration", "assignment_statement"):
                continue
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            if left is None or right is None or not left.named_children or len(right.named_children) != 1:
                continue
            names = [syntax.node_text(x) for x in left.named_children]
            for name in dict.fromkeys(names):
                starts, found = out.setdefault(name, ([], []))
                starts.append(n.start_byte)
                found.append((names[0] == name, right.named_children[0]))
        return out

    return syntax.image_memo(src, ("go.assignments", fn.start_byte, fn.end_byte), index)


def _gives_up_on(call, field: str = ".C") -> bool:
    """``t := time.NewTimer(d)`` (``timeout := time.After(d)``, ``field`` "") whose channel a ``select`` of the
    same function receives in a case that
    gives up (returns, breaks out, sets an error): the timer bounds that wait. A timer whose case does
    its work and goes round again (a poll) or only logs bounds nothing."""
    left = _assigned_to(call)
    if len(left) != 1:
        return False
    var = syntax.node_text(left[0])
    fn = _function(call) or syntax.ancestor(call, ("func_literal",))
    for case in syntax.walk(fn) if fn is not None else ():
        if case.type != "communication_case":
            continue
        comm = case.child_by_field_name("communication")
        if comm is None or syntax.node_text(comm).replace(" ", "").rsplit("<-", 1)[-1] != f"{var}{field}":
            continue
        stmts = [c for c in case.named_children if c != comm and not syntax.is_comment(c)]
        if len(stmts) == 1 and stmts[0].type == "statement_list":
            stmts = [c for c in stmts[0].named_children if not syntax.is_comment(c)]
        if any(n.type in ("return_statement", "break_statement", "goto_statement") or n.type in (
                "assignment_statement", "short_var_declaration") and "err" in syntax.node_text(
                    n.child_by_field_name("left")).lower() for c in stmts for n in syntax.walk(c)):
            return True
    return False


def _timer_wait(call, loop) -> bool:
    """``timer := time.NewTimer(wait)`` in a loop whose ``select`` then waits on ``case <-timer.C:`` with
    nothing (or only ``continue``) under it, or ``<-timer.C`` alone: a sleep between passes that a
    ``ctx.Done()`` case can cut short, written with a timer that can be stopped (``time.After`` written
    otherwise); so is ``timer.Reset(wait)`` of a timer made before the loop, waited on the same way. A
    timer whose case gives up bounds a wait instead (:func:`_gives_up_on`)."""
    name = syntax.callee(call, LANG) or ""
    if not syntax.arguments(call, LANG):
        return False
    if name == "time.NewTimer":
        left = _assigned_to(call)
        if len(left) != 1:
            return False
        channel = f"{syntax.node_text(left[0])}.C"
    elif name.endswith(".Reset") and len(syntax.arguments(call, LANG)) == 1:
        # t := time.NewTimer(d) before the loop, ``t.Reset(d); <-t.C`` in it: the same wait, re-armed
        channel = f"{name[:-len('.Reset')]}.C"
    else:
        return False
    for n in _own(loop):
        if n.type == "unary_expression" and n.parent is not None and n.parent.type == "expression_statement" \
                and syntax.node_text(n).replace(" ", "") == f"<-{channel}":
            return True
        if n.type != "communication_case":
            continue
        comm = n.child_by_field_name("communication")
        if comm is None or syntax.node_text(comm).replace(" ", "").rsplit("<-", 1)[-1] != channel:
            continue
        stmts = [c for c in n.named_children if c != comm and not syntax.is_comment(c)]
        if len(stmts) == 1 and stmts[0].type == "statement_list":
            stmts = [c for c in stmts[0].named_children if not syntax.is_comment(c)]
        return all(c.type == "continue_statement" or _says(c) for c in stmts)
    return False


def _local_value(arg):
    """``tm := cn.deadline(ctx, timeout); conn.SetReadDeadline(tm)``: the expression a plain local
    passed as the argument was set to, in the same function, when it is set once; else the argument.
    Inlining the local (``SetReadDeadline(cn.deadline(ctx, timeout))``) applies the same deadline."""
    if arg.type != "identifier":
        return arg
    fn = _function(arg) or syntax.ancestor(arg, ("func_literal",))
    if fn is None:
        return arg
    name = syntax.node_text(arg)
    found = []
    for n in syntax.walk(fn):
        if n.type in ("short_var_declaration", "assignment_statement") and n.start_byte < arg.start_byte:
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            if left is not None and right is not None and len(left.named_children) == len(right.named_children) \
                    and any(syntax.node_text(x) == name for x in left.named_children):
                i = [syntax.node_text(x) for x in left.named_children].index(name)
                found.append(right.named_children[i])
    return found[0] if len(found) == 1 else arg


#: words of a condition about a failure, a wait or a bound (``err``, ``ctx.Done()``, ``resp.StatusCode``,
#: ``attempt < max``, ``time.Since(start) > timeout``, ``isTemporary(e)``)
_FAILURE = re.compile(r"^(errs?|errors?|\w*err|ctx|context|status|code|retr\w*|attempts?|backoff|back|timeout|deadline"
                      r"|clos\w*|stop\w*|cancel\w*|limit|max|tries|tried|temporar\w*|permanent|fatal|halt\w*"
                      r"|fail\w*|eof|timer|elapsed|expired?|since|until|quit|shutdown|exit|remain\w*)$")


def _failure_word(name: str) -> bool:
    """Whether an identifier has a word of :data:`_FAILURE` (``err``, ``netErr``, ``StatusCode``, ``ctx``),
    by its words, not its letters (``accountState`` is no count, ``UpdateAvailable`` no status)."""
    return any(_FAILURE.match(w) for w in settings.words(name))


#: a clock or timer a type holds so that tests can replace it (``d.clock.Sleep(d)``, ``r.timer.After(d)``,
#: ``pc.clock.After(retryInterval)``): what it waits on is ``time``'s, by default
_CLOCK = re.compile(r"(?i)^(\w+\.)*(\w*clock|clk|\w*timer)$")


def _waits_as(name: str, method: str) -> bool:
    """``time.Sleep``/``time.After`` (``method``), or the same method of an injected clock or timer: a
    loop that waits on ``config.timer.After(delay)`` instead of ``time.After(delay)`` waits the same
    (the swap is made for tests); a method of anything else named ``After`` is not a wait."""
    receiver, _, last = name.rpartition(".")
    return last == method and (receiver == "time" or bool(_CLOCK.match(receiver)))


#: a call that waits between a loop's passes (``time.Sleep(d)``, ``<-config.timer.After(delay(c, n, err))``)
_PASS_WAIT = re.compile(r"(^|\.)(Sleep|After|NewTimer)$")
#: names a wait's argument reads that are no part of how long it waits: the error, the context
_NOT_PACE = re.compile(r"^(err|\w*Err|ctx|context)$")


def _pacing(loop) -> list[str]:
    """How a retry loop computes the wait between its passes, in order: each statement of the loop that
    sets or steps a local its wait reads (``delayTime = config.maxDelay`` under ``if config.maxDelay > 0
    && delayTime > config.maxDelay``, ``n++`` before or after ``<-time.After(delay(config, n, err))``),
    with the conditions it sits under, and where each wait sits. A cap on the delay, a jitter added or an
    attempt number counted from 1 instead of 0 changes the waits a policy makes without changing when the
    loop leaves (the exits ``policy_functions.loop_digest`` reads); renaming the local changes nothing (its
    decision tokens leave plain names out). Empty when the loop sets nothing its waits read."""
    waits = [n for n in syntax.walk_within(loop, ("func_literal",)) if n.type == "call_expression"
             and _PASS_WAIT.search(syntax.callee(n, LANG) or "") and syntax.arguments(n, LANG)]
    read = {syntax.node_text(i) for w in waits for i in syntax.walk(syntax.arguments(w, LANG)[0][1])
            if i.type == "identifier" and not _NOT_PACE.match(syntax.node_text(i))}
    if not read:
        return []
    sets = []  # (statement, the locals it sets, the locals it reads)
    for n in syntax.walk_within(loop, ("func_literal",)):
        if n.type in ("inc_statement", "dec_statement"):
            targets, right = n.named_children[:1], None
        elif n.type in ("assignment_statement", "short_var_declaration"):
            left = n.child_by_field_name("left")
            targets, right = (left.named_children if left is not None else []), n.child_by_field_name("right")
        else:
            continue
        sets.append((n, {syntax.node_text(t) for t in targets if t.type == "identifier"},
                     {syntax.node_text(i) for i in syntax.walk(right) if i.type == "identifier"
                      and not _NOT_PACE.match(syntax.node_text(i))} if right is not None else set()))
    grown = True
    while grown:  # delayTime := config.delayType(n, config) read by the wait: n paces it too
        grown = False
        for _, targets, reads in sets:
            if targets & read and not reads <= read:
                read |= reads
                grown = True
    paced = {(n.start_byte, n.end_byte) for n, targets, _ in sets if targets & read}
    counting = [c for c in loop.named_children if _counts_from_zero(c)]
    out: list[str] = []
    for n in syntax.walk_within(loop, ("func_literal",)):
        if n in waits:
            out.append("wait")
            continue
        if n.type not in ("inc_statement", "dec_statement", "assignment_statement", "short_var_declaration") \
                or (n.start_byte, n.end_byte) not in paced or _before_leaving(n, loop) or n.parent in counting:
            continue
        out.append("pace")
        out.extend(policy_functions.decisions(n, LANG, messages=False))
        p = n.parent
        while p is not None and p != loop:
            if p.type == "if_statement" and p.child_by_field_name("condition") is not None:
                out.append("|")
                out.extend(policy_functions.decisions(p.child_by_field_name("condition"), LANG, messages=False))
            p = p.parent
        out.append(";")
    return out if "pace" in out else []


def _counts_from_zero(header) -> bool:
    """Whether a ``for`` header counts passes from 0 by 1 (``i := 0; i < n; i++``), as ``for i := range n``
    does with no statement to read: the counter paces the waits the same way in both spellings, so the
    header's own statements are left out of :func:`_pacing` (a count from 1, or by 2, stays in)."""
    if header.type != "for_clause":
        return False
    init, update = header.child_by_field_name("initializer"), header.child_by_field_name("update")
    if init is None or update is None or init.type != "short_var_declaration" or update.type != "inc_statement":
        return False
    left, right = init.child_by_field_name("left"), init.child_by_field_name("right")
    return left is not None and right is not None and syntax.node_text(right) == "0" and \
        syntax.node_text(left) == syntax.node_text(update.named_children[0]) if update.named_children else False


def _before_leaving(stmt, loop) -> bool:
    """Whether a statement is followed, in its own block, by a ``return`` or a ``break`` of ``loop``
    (``case <-ctx.Done(): n++; errs[n] = ctx.Err(); return errs``): what it sets is what the loop hands
    back, no wait is computed from it."""
    block = stmt.parent
    return block is not None and any(s.start_byte > stmt.end_byte and _leaves(s, loop) for s in block.named_children)


def _decides_failure(cond) -> bool:
    """Whether a condition a loop's exit sits under is about a failure, a wait or a bound: it names one,
    other than as an argument handed to a call that is not about one (``!sendEvent(ctx, out, e)`` is
    about delivering an event, ``errors.Is(err, io.EOF)`` about the error)."""
    for n in syntax.walk(cond):
        if n.type not in ("identifier", "field_identifier", "package_identifier", "type_identifier") or \
                not _failure_word(syntax.node_text(n)):
            continue
        p, handed = n.parent, False
        while p is not None and p != cond.parent:
            if p.type == "argument_list" and p.parent is not None and p.parent.type == "call_expression" and \
                    not any(_failure_word(x) for x in syntax.node_text(p.parent.child_by_field_name("function")).split(".")):
                handed = True
                break
            p = p.parent
        if not handed:
            return True
    return False


#: methods that say how many items something holds (``reflect.Type.NumField``, ``heap.Len``)
_ITEM_COUNT = re.compile(r"^(Num[A-Z]\w*|Len|Size|Count)$")


def _counts_items(bound) -> bool:
    """``i < structType.NumField()``, ``i < h.Len()``: a loop bound by how many items an object holds
    visits each once (a ``continue`` on an error skips one); a retry is bounded by a number of attempts."""
    if bound is None or bound.type != "call_expression" or syntax.arguments(bound, LANG):
        return False
    callee = syntax.callee(bound, LANG) or ""
    return "." in callee and bool(_ITEM_COUNT.match(callee.rsplit(".", 1)[-1]))


def _parameter(arg) -> bool:
    """Whether ``arg`` is a plain parameter of the function it is in (``timeout`` of ``func (s *Server)
    publish(timeout time.Duration)``): a value the caller hands in, not one picked here."""
    if arg.type != "identifier":
        return False
    fn = syntax.ancestor(arg, _GO_FUNCTIONS)
    params = fn.child_by_field_name("parameters") if fn is not None else None
    name = syntax.node_text(arg)
    return params is not None and any(
        syntax.node_text(n) == name for p in params.named_children
        if p.type in ("parameter_declaration", "variadic_parameter_declaration") for n in p.children_by_field_name("name"))


def _expires_entry(callback) -> bool:
    """``time.AfterFunc(c.timeout, func() { ...; delete(c.subConnCache, addr) })``: a callback that deletes
    an entry from a cache when the time is up expires a stored item (a cache lifetime), it gives up on no
    operation anyone waits for. Deleting a pending request's handler (``delete(m.ackHandlers, seqNo)``)
    stops waiting for its answer: that stays a timeout."""
    if callback.type != "func_literal":
        return False
    for c in syntax.walk(callback):
        if c.type == "call_expression" and syntax.node_text(c.child_by_field_name("function")) == "delete":
            args = syntax.arguments(c, LANG)
            if args and "cache" in syntax.node_text(args[0][1]).rsplit(".", 1)[-1].lower():
                return True
    return False


def _bounds_a_wait(kind: str, name: str) -> bool:
    """Whether a setting's name says it bounds a wait: in Go a keepalive with no timeout or deadline word
    (``net.Dialer{KeepAlive: 5 * time.Minute}``, ``KeepAlivePeriod``, gRPC's ``KeepaliveMinPingTime``) is
    how often a probe or ping is sent, a period; ``KeepaliveTimeout`` still bounds the wait for the ack."""
    return kind != "timeout" or not settings.heartbeat_only(name)


def keeps_setting(source: syntax.Source, setting: Construct) -> bool:
    """Whether a setting the shared settings scan found is one in Go (``retry_timeout._scan_image`` asks):
    a keepalive period is not a timeout (:func:`_bounds_a_wait`), and a file of test tooling holds none
    (:func:`test_tooling`)."""
    return _bounds_a_wait(setting.kind, setting.target) and not test_tooling(source.path)


def _timeout_named(arg) -> bool:
    """An argument that names a timeout or a deadline (``timeout``, ``m.config.ProbeTimeout``)."""
    from mergeguard.features.resilience.settings import words
    return any(w in ("timeout", "deadline") for n in syntax.walk(arg)
               if n.type in ("identifier", "field_identifier") for w in words(syntax.node_text(n)))


def _options_digest(options) -> str:
    """A digest of the options a retry call is given as written (``retry.Delay(time.Second),
    retry.MaxDelay(time.Minute)``, the backoff passed to ``backoff.Retry``), without layout: another delay,
    cap, condition or limit is a retry change even where the attempts and the backoff's shape stay."""
    hooks = [o for o in options if o.type == "call_expression"
             and (syntax.callee(o, LANG) or "").rsplit(".", 1)[-1].startswith(("On", "Notify"))]
    tokens = [syntax.node_text(leaf) for o in options if o not in hooks
              for leaf in syntax.walk(o) if leaf.child_count == 0 and not syntax.is_comment(leaf)]
    return policy_functions.decision_value(tokens) if tokens else ""


def _delegates(src: syntax.Source, c: Construct) -> bool:
    """``func RetryWithData[T any](o OperationWithData[T], b BackOff) (T, error) { return
    RetryNotifyWithData(o, b, nil) }``: a policy function whose whole body hands its own parameters (and
    ``nil`` for what it leaves out) to another function decides nothing itself; a new entry point of
    that shape is no retry change. A literal passed on (``RetryN(op, 3)``) is a default: a decision."""
    if c.library != policy_functions.LIBRARY:
        return False
    node = policy_functions.spanning(src, c.line, c.end_line)
    body = node.child_by_field_name("body") if node is not None else None
    if body is None:
        return False
    stmts = [n for n in body.named_children if not syntax.is_comment(n)]
    if len(stmts) == 1 and stmts[0].type == "statement_list":
        stmts = [n for n in stmts[0].named_children if not syntax.is_comment(n)]
    if len(stmts) != 1 or stmts[0].type != "return_statement" or len(stmts[0].named_children) != 1:
        return False
    ret = stmts[0].named_children[0]
    if ret.type == "expression_list" and len(ret.named_children) == 1:
        ret = ret.named_children[0]
    if ret.type != "call_expression":
        return False
    params = {syntax.node_text(n) for p in syntax.walk(node.child_by_field_name("parameters"))
              if p.type in ("parameter_declaration", "variadic_parameter_declaration")
              for n in p.children_by_field_name("name")}
    receiver = node.child_by_field_name("receiver")
    if receiver is not None:
        params |= {syntax.node_text(n) for p in syntax.walk(receiver) if p.type == "parameter_declaration"
                   for n in p.children_by_field_name("name")}
    for _, a in syntax.arguments(ret, LANG):
        if a.type == "variadic_argument" and a.named_children:
            a = a.named_children[0]
        root = a
        while root.type == "selector_expression":
            root = root.child_by_field_name("operand")
        if not (a.type == "nil" or root.type == "identifier" and syntax.node_text(root) in params):
            return False
    return True


def _duration_functions(src: syntax.Source, found: list[Construct]) -> list[Construct]:
    """``func suspicionTimeout(mult, n int, interval time.Duration) time.Duration``, ``func (c *Config)
    peerDialTimeout() time.Duration``: a function named for a timeout or deadline that returns a
    ``time.Duration`` computes how long something waits. Valued, like a policy function, by a digest of
    what its body decides (numbers, operators, conditions), so a new formula is a timeout change while
    a rename, a comment or a getter (``return c.timeout``: nothing decided) is none."""
    return _decided_functions(src, found, "timeout", _returns_a_wait, _wait_decisions)


def _backoff_methods(src: syntax.Source, found: list[Construct]) -> list[Construct]:
    """``func (b *Backoff) next(attempt int) time.Duration``, ``func (b *Backoff) Duration() time.Duration``,
    ``func (e *Exponential) ForAttempt(n float64) time.Duration``: a method of a backoff or retry type that
    returns a duration works out the wait between attempts, whatever the method is called (backoff
    packages name them ``Duration``, ``Next``, ``ForAttempt``). A cap, a jitter or a new growth there is a
    retry change; a getter (``return b.min``) decides nothing. Valued like a policy function."""
    return _decided_functions(src, found, "retry", _computes_backoff, _wait_decisions)


def _computes_backoff(node, name: str) -> bool:
    receiver = node.child_by_field_name("receiver")
    result = node.child_by_field_name("result")
    return node.type == "method_declaration" and receiver is not None and result is not None \
        and bool(_BACKOFF_TYPE.search(syntax.node_text(receiver))) \
        and "time.Duration" in syntax.node_text(result).split(",")[0] \
        and not set(settings.words(name)) & _NOT_A_WAIT


#: a receiver whose type is a backoff or a retry policy (``*Backoff``, ``*ExponentialBackOff``, ``retrier``)
_BACKOFF_TYPE = re.compile(r"(?i)\*?\s*\w*(back_?off|retr(y|ier|yer)(policy|strategy)?)\s*\)\s*$")


def _returns_a_wait(node, name: str) -> bool:
    """Named for a timeout or deadline (not for measuring or reporting one), a ``time.Duration`` first result."""
    from mergeguard.features.resilience.settings import words
    result = node.child_by_field_name("result")
    ws = set(words(name))
    return result is not None and "time.Duration" in syntax.node_text(result).split(",")[0] and bool(
        {"timeout", "deadline"} & ws) and not ws & _NOT_A_WAIT


def _wait_decisions(body, tokens: list[str]) -> list[str] | None:
    """What a duration function decides, with the units it computes in (``time.Millisecond`` ->
    ``time.Second`` is a change); None for a getter, which decides nothing (``return c.timeout``,
    ``return time.Duration(c.TimeoutMs) * time.Millisecond``)."""
    stmts = [n for n in body.named_children if not syntax.is_comment(n)]
    if len(stmts) == 1 and stmts[0].type == "statement_list":
        stmts = [n for n in stmts[0].named_children if not syntax.is_comment(n)]
    if not any(t != "return" for t in tokens) or len(stmts) == 1 and not any(
            t not in ("return", "*") for t in tokens):
        return None
    return tokens + [syntax.node_text(n) for n in syntax.walk(body) if n.type == "selector_expression"
                     and syntax.node_text(n).startswith("time.") and syntax.node_text(n)[5:] in _UNITS]


#: words of an error classifier whose answer decides whether to stop or go on trying
_STOP_OR_RETRY = frozenset({"halt", "permanent", "transient", "temporary", "fatal", "recoverable", "unrecoverable",
                            "retriable"})


def _error_classifiers(src: syntax.Source, found: list[Construct]) -> list[Construct]:
    """``func isHaltErr(ctx context.Context, err error) bool``, ``isTransient(err error) bool``: a function
    that takes an error and answers whether it is permanent, transient or fatal is the retry condition
    of the loops that call it (which errors stop the retrying). Valued, like a policy function, by what
    its body decides; a change to which errors it names is a retry change."""
    return _decided_functions(src, found, "retry", _classifies_errors, _any_decision)


def _classifies_errors(node, name: str) -> bool:
    """Takes an ``error``, answers a ``bool``, and is named for whether the error stops or goes on trying."""
    from mergeguard.features.resilience.settings import words
    result = node.child_by_field_name("result")
    params = node.child_by_field_name("parameters")
    return result is not None and syntax.node_text(result) == "bool" and params is not None and any(
        syntax.node_text(p.child_by_field_name("type")) == "error" for p in params.named_children
        if p.type == "parameter_declaration" and p.child_by_field_name("type") is not None) and bool(
        set(words(name)) & _STOP_OR_RETRY)


def _any_decision(body, tokens: list[str]) -> list[str] | None:
    """What an error classifier decides; None when it only returns."""
    return tokens if any(t != "return" for t in tokens) else None


def _decided_functions(src: syntax.Source, found: list[Construct], kind: str, wanted: Callable[[Any, str], bool],
                       decided: Callable[[Any, list[str]], list[str] | None]) -> list[Construct]:
    """The functions and methods of one image that ``wanted`` takes by their signature and name, each
    valued like a policy function by a digest of what its body decides (``decided``: the tokens to value
    it by, None when it decides nothing). One a policy function already values (in ``found``) or with no
    body (an external declaration) is left out: the same code is not counted twice."""
    have = {c.target for c in found if c.library == policy_functions.LIBRARY}
    out = []
    for node in syntax.nodes_of_types(src.root, LANG, ("function_declaration", "method_declaration")):
        name = syntax.node_text(node.child_by_field_name("name"))
        if not wanted(node, name):
            continue
        outer = syntax.qualname_at(node, LANG)
        target = f"{outer}.{name}" if outer else name
        body = node.child_by_field_name("body")
        if target in have or body is None:
            continue
        tokens = decided(body, policy_functions.decisions(body, LANG, said=False))
        if tokens is None:
            continue
        out.append(Construct(kind, policy_functions.LIBRARY, syntax.line_of(node), node.end_point[0] + 1, "",
                             target=target, value=policy_functions.decision_value(tokens)))
    return out


#: words of a duration-returning function that measures or reports rather than bounds a wait
_NOT_A_WAIT = frozenset({"elapsed", "since", "until", "test", "testing", "log", "string"})
#: structs whose fields are settings a caller sets (``redis.Options``, ``memberlist.Config``, ``dialOpts``)
_OPTIONS_TYPE = re.compile(r"(?i)(options?|opts|config|conf|settings|params|policy)$")


def _own(node):
    return syntax.walk_within(node, _OWN_STOP)


def _under_err_if(node, stop, op: str) -> bool:
    """Whether ``node`` sits in the then-branch of an ``if`` testing ``err <op> nil`` (inside ``stop``).
    ``err == io.EOF`` is not success: a read loop that stops at the end of its input retries nothing."""
    p = node.parent
    while p is not None and p != stop:
        if p.type == "if_statement":
            cond = p.child_by_field_name("condition")
            cons = p.child_by_field_name("consequence")
            if cond is not None and cons is not None and cons.start_byte <= node.start_byte < cons.end_byte and any(
                    n.type == "binary_expression" and _is_err(syntax.node_text(n.child_by_field_name("left")))
                    and syntax.node_text(n.child_by_field_name("operator")) == op
                    and syntax.node_text(n.child_by_field_name("right")) == "nil" for n in syntax.walk(cond)):
                return True
        if p.type in ("expression_case", "default_case") and _switches_on_err(p.parent):
            # switch err { case nil: return ...; default: log }: ``case nil`` is ``err == nil``, and
            # ``default`` (or a case naming an error) is ``err != nil``
            is_nil = p.type == "expression_case" and syntax.node_text(p.child_by_field_name("value")) == "nil"
            return is_nil if op == "==" else not is_nil
        p = p.parent
    return False


_EOF = re.compile(r"\(?\s*(err\s*==\s*io\.EOF|errors\.Is\(\s*err\s*,\s*io\.EOF\s*\))\s*\)?")


def _reads_to_end(own: list, body) -> bool:
    """A loop that leaves when ``err`` is ``io.EOF`` (``if err == io.EOF { break }``, or a ``return`` with
    no error there: the input is done) reads its input to the end: a ``continue`` on another error
    (``bufio.ErrBufferFull``) reads on, it tries nothing again. A retry that gives up on EOF returns the
    error; one that treats EOF as one of several connection errors (``ok || err == io.EOF``) and goes
    round again is no read loop."""
    for n in own:
        if not (n.type == "break_statement" or n.type == "return_statement" and (
                not n.named_children or syntax.node_text(n.named_children[-1]).rsplit(",", 1)[-1].strip() == "nil")):
            continue
        p = n.parent
        while p is not None and p != body:
            if p.type == "if_statement":
                cond = p.child_by_field_name("condition")
                cons = p.child_by_field_name("consequence")
                if cond is not None and _EOF.fullmatch(syntax.node_text(cond)) and cons is not None and not any(
                        m.type == "continue_statement" for m in syntax.walk(cons)):
                    return True
            p = p.parent
    return False


#: words of a helper that waits between attempts (``reconnectWait``, ``waitBackoff``, ``sleepWithJitter``)
_WAIT_WORDS = frozenset({"sleep", "backoff", "delay", "pause"})
#: what a helper waits *for* when it waits between attempts (``reconnectWait``), not for a state
#: (``waitLeader``, ``waitSession`` return at once when it holds)
_AGAIN_WORDS = frozenset({"retry", "reconnect", "redial", "attempt", "again", "retries"})


def _delegated_wait(call) -> bool:
    """A call that waits between attempts on the loop's behalf: a helper named for sleeping, backing off
    or delaying, or for waiting to try again (``reconnectWait``, ``waitForRetry``). A bare ``Wait()`` (a
    WaitGroup, a condition variable) or ``waitLeader`` waits for other work or a state, not between
    attempts."""
    from mergeguard.features.resilience.settings import words
    name = (syntax.callee(call, LANG) or "").rsplit(".", 1)[-1]
    if name in ("Sleep", "After"):
        return False  # time.Sleep and time.After are read above, with their durations
    ws = words(name)
    return bool(set(ws) & _WAIT_WORDS) or ("wait" in ws and bool(set(ws) & _AGAIN_WORDS))


def _deadline_helper(call, name: str) -> bool:
    """``ctx, cancel := contextWithTotalTimeout(c)``: a call named for a timeout or deadline whose results
    are a context and its cancel function (what ``context.WithTimeout`` returns). A helper that only
    reads a timeout (``getTimeout()``) returns no cancel function."""
    from mergeguard.features.resilience.settings import words
    if name.startswith("context.") or not set(words(name.rsplit(".", 1)[-1])) & {"timeout", "deadline"}:
        return False
    names = [syntax.node_text(n) for n in _assigned_to(call)]
    return len(names) == 2 and "cancel" in names[1].lower()


def _names_attempts(text: str) -> bool:
    """Whether ``for i := range c.maxRetries`` ranges over a count of attempts (Go 1.22 range over an
    int): a retry-named field or variable is a number of tries, not a collection of items (a loop
    rewritten from ``for i := 0; i < c.maxRetries; i++`` is the same retry)."""
    last = text.rsplit(".", 1)[-1]
    return settings.classify(last) == "retry" and not last.lower().endswith(("codes", "errors", "statuses"))


_ERR_NAME = re.compile(r"err|[a-z][A-Za-z0-9]*Err")


def _is_err(name: str) -> bool:
    """Whether ``name`` is the error a loop tests: ``err``, or one named for what failed or when
    (``lastErr``, ``dialErr``), as a loop that keeps the last failure to return it names it: the same
    loop with its error renamed is the same retry."""
    return _ERR_NAME.fullmatch(name) is not None


def _switches_on_err(switch) -> bool:
    return switch is not None and switch.type == "expression_switch_statement" and \
        _is_err(syntax.node_text(switch.child_by_field_name("value")))


def _leaves(stmt, loop) -> bool:
    """``return``, or a ``break`` that ends ``loop`` (a labelled break, or one whose nearest loop it is)."""
    if stmt.type == "return_statement":
        return True
    if stmt.type != "break_statement":
        return False
    if stmt.named_children:  # break label: out of an outer loop, this one included
        return True
    return syntax.ancestor(stmt, ("for_statement", "select_statement", "expression_switch_statement",
                                  "type_switch_statement")) == loop


#: what a loop calls when it re-establishes a connection or a subscription (labelling rules: a
#: reconnect-and-read-again loop and a background redial are retries)
_RECONNECT_WORDS = frozenset({"dial", "redial", "connect", "reconnect", "resubscribe", "subscribe", "handshake",
                              "login", "relogin"})


def _reconnects(own) -> bool:
    """Whether a loop dials, connects or subscribes (again) on its passes: then going round after a
    failure is a reconnect loop, a retry, even if it never stops on success."""
    from mergeguard.features.resilience.settings import words
    return any(n.type == "call_expression" and set(words((syntax.callee(n, LANG) or "").rsplit(".", 1)[-1]))
               & _RECONNECT_WORDS for n in own)


def _leaves_on_its_own(body, loop) -> bool:
    """Whether the body ends a pass with an unconditional ``return`` or ``break`` of this loop (``c.conn =
    conn; return nil`` after the error check): the loop stops once an attempt succeeds."""
    stmts = [c for c in body.named_children if not syntax.is_comment(c)]
    if len(stmts) == 1 and stmts[0].type == "statement_list":
        stmts = [c for c in stmts[0].named_children if not syntax.is_comment(c)]
    return any(_leaves(c, loop) for c in stmts)


def _tries_alternatives(own: list, header) -> bool:
    """Whether each pass picks another target by index (``c.addrs[rand.Intn(n)]``, ``nodes[i]`` with
    ``i`` the loop counter): the next attempt goes elsewhere at once, which is failing over, not
    hammering the same peer with no delay."""
    counters = set()
    if header is not None and header.type == "for_clause":
        init = header.child_by_field_name("initializer")
        left = init.child_by_field_name("left") if init is not None else None
        counters = {syntax.node_text(n) for n in (left.named_children if left is not None else [])}
    picked = {syntax.node_text(n.child_by_field_name("left").named_children[0]) for n in own
              if n.type in ("short_var_declaration", "assignment_statement")
              and n.child_by_field_name("left") is not None and n.child_by_field_name("left").named_children
              and "rand." in syntax.node_text(n.child_by_field_name("right"))}
    for n in own:
        if n.type == "index_expression":
            index = n.child_by_field_name("index")
            text = syntax.node_text(index)
            if text in counters or text in picked or "rand." in text:
                return True
    return False


def _while_failing(header) -> bool:
    """``for err := dial(); err != nil; err = dial()``: a loop whose condition is the failure of the
    call its update statement makes again."""
    cond = header.child_by_field_name("condition")
    update = header.child_by_field_name("update")
    if cond is None or update is None or not any(n.type == "call_expression" for n in syntax.walk(update)):
        return False
    return any(n.type == "binary_expression" and _is_err(syntax.node_text(n.child_by_field_name("left")))
               and syntax.node_text(n.child_by_field_name("operator")) == "!="
               and syntax.node_text(n.child_by_field_name("right")) == "nil" for n in syntax.walk(cond))


def _compares_count_node(cond) -> bool:
    return any(n.type == "binary_expression" and syntax.node_text(n.child_by_field_name("operator")) in (
        ">=", ">", "<", "<=") for n in syntax.walk(cond))


def _in_goroutine(node) -> bool:
    return syntax.has_ancestor(node, ("go_statement",), ("function_declaration", "method_declaration"))


def _compares_count(if_node) -> bool:
    cond = if_node.child_by_field_name("condition")
    return cond is not None and any(n.type == "binary_expression" and syntax.node_text(
        n.child_by_field_name("operator")) in (">=", ">", "==", "<=") and syntax.node_text(
        n.child_by_field_name("left")) != "err" for n in syntax.walk(cond))


def _waits_between_attempts(arg) -> bool:
    """``case <-time.After(backoff)``: a cancellable sleep between attempts, not a timeout."""
    from mergeguard.features.resilience.settings import words
    names = [syntax.node_text(n) for n in syntax.walk(arg) if n.type in ("identifier", "field_identifier")]
    return any(w in ("wait", "delay", "backoff", "sleep", "interval", "retry", "pause", "jitter")
               for n in names for w in words(n))


def _waits_to_retry(sleep) -> bool:
    """``time.After(retryInterval)``, ``time.Sleep(reconnectDelay)``: a wait the code names for trying
    again, which makes the loop around it a retry loop even when it never stops on success (a
    listener that reconnects forever)."""
    from mergeguard.features.resilience.settings import words
    args = syntax.arguments(sleep, LANG)
    return bool(args) and any(w in _AGAIN_WORDS or w == "backoff" for n in syntax.walk(args[0][1])
                              if n.type in ("identifier", "field_identifier") for w in words(syntax.node_text(n)))


def _paces_a_loop(call) -> bool:
    """``for { select { case <-time.After(tick): m.pushPull(); case <-stop: return } }``: a time.After whose
    case does its work and goes round again, in a loop of the same function, paces periodic work (an
    interval computed per pass); it gives up on nothing. Such a wait written in new code is not a timeout
    the change sets (left valued at run time only, as before)."""
    p = syntax.ancestor(call, ("communication_case",), _GO_FUNCTIONS)
    if p is None or syntax.ancestor(p, ("for_statement",), _GO_FUNCTIONS) is None:
        return False
    comm = p.child_by_field_name("communication")
    return not any(n.type in ("return_statement", "break_statement", "goto_statement") or n.type in (
        "assignment_statement", "short_var_declaration") and "err" in syntax.node_text(
            n.child_by_field_name("left")).lower() for c in p.named_children if c != comm for n in syntax.walk(c))


def _select_wait(call) -> bool:
    """``case <-time.After(d):`` with nothing (or only ``continue``) under it: the select waits d unless
    something else happens first, a cancellable sleep; a timeout gives up (returns, sets an error)."""
    p = call.parent
    while p is not None and p.type != "communication_case":
        if p.type in ("function_declaration", "method_declaration", "func_literal", "select_statement"):
            return False
        p = p.parent
    if p is None:
        return False
    comm = p.child_by_field_name("communication")
    stmts = [c for c in p.named_children if c != comm and not syntax.is_comment(c)]
    if len(stmts) == 1 and stmts[0].type == "statement_list":
        stmts = [c for c in stmts[0].named_children if not syntax.is_comment(c)]
    if not all(c.type == "continue_statement" or _says(c) for c in stmts):
        return False
    return not _bounds_a_result(p)


#: what a select receives from when it only waits to be told to stop (``ctx.Done()``, ``s.closing``)
_STOP_WORDS = frozenset({"stop", "stopped", "quit", "closing", "closed", "close", "shutdown", "exit", "cancel",
                         "cancelled", "canceled", "die", "dying", "kill", "term"})


def _bounds_a_result(case) -> bool:
    """``select { case err := <-resChan: return err; case <-time.After(d): }`` outside any loop, then
    giving up after the select: the timer bounds the wait for a result (a timeout), where a loop's
    ``case <-time.After(backoff):`` beside ``case <-ctx.Done():`` is a sleep that can be cut short. A
    result is a value received from a channel that is not a stop signal; a bare ``case <-ack:`` beside an
    empty timer case stays a wait (what follows the select decides, and it is read as a wait elsewhere)."""
    from mergeguard.features.resilience.settings import words
    select = case.parent
    if select is None or select.type != "select_statement":
        return False
    if syntax.ancestor(select, ("for_statement",), ("function_declaration", "method_declaration",
                                                    "func_literal")) is not None:
        return False
    for other in select.named_children:
        if other is case or other.type != "communication_case":
            continue
        comm = other.child_by_field_name("communication")
        if comm is None:
            continue
        if comm.type == "receive_statement" and comm.child_by_field_name("left") is not None:
            channel = syntax.node_text(comm.child_by_field_name("right")).replace(" ", "").lstrip("<-")
            if not (channel.endswith(".Done()") or set(words(channel.rsplit(".", 1)[-1].rstrip("()"))) & _STOP_WORDS):
                return True  # err := <-resChan
    return False


def _on_stop(stmt, loop) -> bool:
    """Whether ``stmt`` sits in a ``select`` case that receives a stop signal (``case <-ctx.Done():``,
    ``case <-w.stopc:``) inside ``loop``: leaving there is being stopped, not succeeding."""
    from mergeguard.features.resilience.settings import words
    case = syntax.ancestor(stmt, ("communication_case",), ("for_statement",))
    if case is None or not (loop.start_byte <= case.start_byte < loop.end_byte):
        return False
    comm = case.child_by_field_name("communication")
    channel = syntax.node_text(comm).replace(" ", "").rsplit("<-", 1)[-1] if comm is not None else ""
    return channel.endswith(".Done()") or bool(set(words(channel.rsplit(".", 1)[-1].rstrip("()"))) & _STOP_WORDS)


def _received_alone(call) -> bool:
    """``<-time.After(d)`` as a statement of its own: a sleep written as a receive."""
    p = call.parent
    return p is not None and p.type == "unary_expression" and p.parent is not None and \
        p.parent.type == "expression_statement"


def _says(stmt) -> bool:
    """A statement that only logs or prints (``m.logger.Printf("ping timed out")``): saying that the
    wait ended changes neither what the code waits for nor what it does next."""
    if stmt.type != "expression_statement" or not stmt.named_children:
        return False
    call = stmt.named_children[0]
    return call.type == "call_expression" and bool(policy_functions.MESSAGE_CALL.search(syntax.callee(call, LANG) or ""))


def _in_select(node) -> bool:
    return syntax.has_ancestor(node, ("communication_case", "select_statement"), _GO_FUNCTIONS)


def _function(node):
    return syntax.ancestor(node, ("function_declaration", "method_declaration"))


def _method(body) -> str | None:
    for n in syntax.walk(body):
        if n.type != "call_expression":
            continue
        name = syntax.callee(n, LANG)
        if name.endswith((".Post", ".PostForm")):
            return "POST"
        if name.rsplit(".", 1)[-1] in ("NewRequest", "NewRequestWithContext"):
            for _, a in syntax.arguments(n, LANG):
                t = syntax.node_text(a).strip('"`')
                for m in ("POST", "PATCH"):
                    if t == m or t == f"http.Method{m.title()}":
                        return m
    return None


#: leaves a value written out in full may have: numbers, booleans, nil, operators and time units
_LITERAL_LEAVES = frozenset({"int_literal", "float_literal", "true", "false", "nil", "(", ")", "*", "+", "-", "/",
                             "<<"})


def decides_too(node) -> bool:
    """A retry- or timeout-named name that a statement sets to a value written out (``backoffFor = 0``
    once connected, ``canRetry := true``, ``c.dialTimeout = 30 * time.Second``) or steps (``delay *= 2``):
    the code picks the value there, which is the decision a retry or a wait then follows. A value handed
    on (``timeout = opts.Timeout``, ``f(timeout)``) decides nothing here (``retry_timeout._logic_lines``
    asks this beside its own test)."""
    target = node.parent
    if target is not None and target.type == "selector_expression":
        if target.child_by_field_name("field") != node:
            return False
        node, target = target, target.parent
    if target is None or target.type != "expression_list":
        return False
    stmt = target.parent
    if stmt is None or stmt.type not in ("assignment_statement", "short_var_declaration") or \
            stmt.child_by_field_name("left") != target:
        return False
    op = syntax.node_text(stmt.child_by_field_name("operator")) if stmt.type == "assignment_statement" else ":="
    if op not in ("=", ":="):
        return True  # delay *= 2, attempts += 1, backoff <<= 1
    right = stmt.child_by_field_name("right")
    index = target.named_children.index(node)
    if right is None or index >= len(right.named_children):
        return False
    value = right.named_children[index]
    converted = settings.go_conversion(value)  # retryTimeout := uint32(0): the number, typed
    value = converted if converted is not None else value
    return all(n.type in _LITERAL_LEAVES or n.type == "selector_expression" and syntax.node_text(n)[5:] in _UNITS
               and syntax.node_text(n).startswith("time.")
               for n in _leaves_of(value))


def _leaves_of(node):
    """The leaves of an expression, a ``time.Second`` selector counted as one."""
    if node.type == "selector_expression" or node.child_count == 0:
        yield node
        return
    for c in node.children:
        yield from _leaves_of(c)


#: what starts or resets a ticker: how often something runs, not how long anything waits
_TICKERS = frozenset({"time.Tick", "time.NewTicker"})


def paces_a_ticker(node) -> bool:
    """A timeout name read in the period of a ticker (``tickc := time.Tick(ConnReadTimeout / 3)``, a
    heartbeat sent three times per read timeout; ``ticker.Reset(idleTimeout / 2)``): the ticker's period
    is derived from the timeout, it bounds no wait (the labelling rules: a ticker or poll interval is no
    timeout). The timeout itself, where it is applied, is read elsewhere. A retry name there
    (``time.NewTicker(retryInterval * 2)``) still paces the retries: it is left to the shared rule."""
    if settings.classify(syntax.node_text(node)) != "timeout":
        return False
    p = node.parent
    while p is not None and p.type not in ("expression_statement", "short_var_declaration", "assignment_statement",
                                            "block", "function_declaration", "method_declaration", "func_literal"):
        if p.type == "argument_list" and p.parent is not None and p.parent.type == "call_expression":
            name = syntax.callee(p.parent, LANG) or ""
            receiver, _, last = name.rpartition(".")
            return name in _TICKERS or last == "Reset" and "tick" in receiver.lower()
        p = p.parent
    return False


#: callees told about an attempt or a wait rather than deciding one: the standard ``log`` and ``fmt``
#: printers, the levelled methods of common loggers (logrus, zap's sugar, klog, hclog), a zerolog
#: message, and structured-log fields built through ``zap``/``slog``
_TOLD = re.compile(r"^(Print(f|ln)?|Fatal(f|ln)?|Panic(f|ln)?|Sprint(f|ln)?|Fprint(f|ln)?|Errorf|Msgf?|Log(f|Attrs)?|"
                   r"(Trace|Debug|Info|Notice|Warn|Warning|Error|Critical)(f|w|ln|Context)?)$")
_FIELD_PACKAGES = frozenset({"zap", "slog"})


def told(node) -> bool:
    """A retry- or timeout-named name computed with inside the arguments of a log call or a message
    (``log.Printf("attempt %d failed", attempt+1)``, ``fmt.Errorf("gave up after %s", timeout*2)``,
    ``zap.Int("attempt", attempt+1)``): the line reports an attempt or a wait, it decides nothing about
    either. The labelling rules count log and error messages as neither label, and the JVM and JavaScript
    scanners already read their loggers so; Go had no such reading, so a reworded log line in a retry loop
    was a retry change. So is one sent along in a header or gRPC metadata (:data:`_SENT_ALONG`)."""
    p = node.parent
    while p is not None and p.type not in ("expression_statement", "block", "short_var_declaration",
                                           "assignment_statement", "return_statement", "if_statement",
                                           "for_statement", "func_literal"):
        if p.type == "argument_list" and p.parent is not None and p.parent.type == "call_expression":
            name = syntax.callee(p.parent, LANG) or ""
            receiver, _, last = name.rpartition(".")
            if _TOLD.match(last) or receiver in _FIELD_PACKAGES or _SENT_ALONG.search(name):
                return True
        p = p.parent
    return False


#: the attempt number or a wait sent along with a request or a response (``req.Header.Set("X-Attempt",
#: ...)``, ``w.Header().Add(...)``, gRPC ``metadata.Pairs``/``AppendToOutgoingContext``): bookkeeping
#: around retries (labelling rules: "attempts ... reported in response metadata, headers"), no decision
_SENT_ALONG = re.compile(r"(^|\.)(Header|Trailer)(\(\))?\.(Set|Add)$|^metadata\.(Pairs|New|AppendToOutgoingContext)$")


def decides_nothing(node) -> bool:
    """Go's "this use decides nothing": a ticker's period derived from a timeout, or a value reported."""
    return paces_a_ticker(node) or told(node)


#: (the bound is taken greedily up to its ``;`` or ``{`` and stripped after: a lazy bound followed by
#: ``\s*`` backtracks over a long line of blanks in the square of its length)
_COUNTED_FOR = re.compile(r"\s*for\s+(\w+)\s*:=\s*0\s*;\s*\1\s*<([^;{]+);\s*\1\s*\+\+\s*\{\s*")
_RANGED_FOR = re.compile(r"\s*for\s+(\w+)\s*:=\s*range\s([^{]+)\{\s*")


def layout_only(hunks) -> tuple[set[int], set[int]]:
    """(removed, added) lines that only respell a counted loop's header: ``for i := 0; i < n; i++ {``
    and ``for i := range n {`` (Go 1.22's range over an int) go round as often with the same counter, so
    a retry loop rewritten so changes no retry logic (its exits and waits are compared as a construct).
    Matched one for one within a hunk, by counter and bound."""
    gone: set[int] = set()
    came: set[int] = set()
    for h in hunks:
        spelled: dict[tuple[str, str, str, str], list[int]] = {}  # (side, spelling, counter, bound) -> lines
        for side, lines in (("pre", h.removed), ("post", h.added)):
            for n, t in lines:
                for pattern in (_COUNTED_FOR, _RANGED_FOR):
                    m = pattern.fullmatch(t)
                    if m is not None:
                        how = "counted" if pattern is _COUNTED_FOR else "ranged"
                        spelled.setdefault((side, how, m.group(1), " ".join(m.group(2).split())), []).append(n)
        for (side, how, counter, bound), pre in spelled.items():
            if side != "pre":
                continue
            post = spelled.get(("post", "ranged" if how == "counted" else "counted", counter, bound), [])
            for a, b in zip(pre, post, strict=False):
                gone.add(a)
                came.add(b)
    return gone, came


#: Go's hooks for ``features.retry_timeout`` (``resilience.Hooks``). ``lines_removed_count``: a construct
#: that only lost lines (a check deleted from ``decodeTimeout``, a case from a retry loop) was touched
#: too, and is compared with its pre-image.
HOOKS = Hooks(keeps_setting=keeps_setting, lines_removed_count=True, decides_too=decides_too,
              decides_nothing=decides_nothing, layout_only=layout_only)
