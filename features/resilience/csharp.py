"""Retry and timeout constructs in C#.

Retries: Polly v7 policies (``Policy.Handle<…>().RetryAsync(n)`` / ``WaitAndRetryAsync(n, f)`` /
``RetryForeverAsync()``, ``HttpPolicyExtensions.HandleTransientHttpError()…``), Polly v8
``RetryStrategyOptions`` initialisers, and hand-written loops whose ``try`` exits on success and whose
``catch`` goes round again. Timeouts: ``HttpClient.Timeout`` (and any ``…Timeout`` property set by
assignment or object initialiser: ``CommandTimeout``, ``ReadTimeout``), ``Timeout.InfiniteTimeSpan``,
``new CancellationTokenSource(t)``, ``CancelAfter(t)``, ``Policy.TimeoutAsync(t)``,
``AddTimeout(t)``, ``WaitAsync(t)``.

No ``NetworkCall`` sites are reported: ``HttpClient`` defaults to 100 s and ADO.NET commands to
30 s, so a C# call never has an unbounded default (``Timeout.InfiniteTimeSpan`` set explicitly is
reported as ``timeout.unbounded`` instead).
"""

from __future__ import annotations

import re

from mergeguard.features import syntax
from mergeguard.features.resilience import policy_functions
from mergeguard.features.resilience import NO_HOOKS, INFINITE, LineScopedScanner, Scan, folded, loop_bound, walks_collection

L = "csharp"
_LOOPS = frozenset({"for_statement", "while_statement", "do_statement"})
_NESTED = frozenset({"lambda_expression", "local_function_statement", "anonymous_method_expression"}) | _LOOPS
_POLLY = {"Retry", "RetryAsync", "WaitAndRetry", "WaitAndRetryAsync", "RetryForever", "RetryForeverAsync",
          "WaitAndRetryForever", "WaitAndRetryForeverAsync"}
_TIMESPAN = {"FromMilliseconds": 1e-3, "FromSeconds": 1.0, "FromMinutes": 60.0, "FromHours": 3600.0,
             "FromDays": 86400.0, "FromTicks": 1e-7}
_SLEEP = re.compile(r"(^|\.)(Delay|Sleep|SpinWait|Wait)$")


def scan(source: syntax.Source) -> Scan:
    """Every retry/timeout construct in one C# image (no network call sites: see the module doc)."""
    return _Scanner(source).run()


class _Scanner(LineScopedScanner):
    def run(self) -> Scan:
        for node in syntax.walk(self.src.root):
            if node.type == "variable_declarator":
                name = node.child_by_field_name("name")
                value = next((c for c in node.named_children if c != name and c.type != "bracketed_argument_list"), None)
                n = self._number(value, follow=False) if value is not None else None
                if name is not None and n is not None:
                    self.consts[syntax.node_text(name)] = n
        for node in syntax.walk_code(self.src.root):  # walk() less comments and strings (issue 16)
            t = node.type
            if t == "invocation_expression":
                self._invocation(node)
            elif t == "object_creation_expression":
                self._creation(node)
            elif t == "assignment_expression":
                self._assignment(node)
            elif t in _LOOPS:
                self._loop(node)
        self.out.constructs = policy_functions.with_loop_digests(self.src, self.out.constructs)
        self.out.constructs.extend(policy_functions.scan(self.src))
        return self.out

    # -- Polly and timeouts via calls --------------------------------------------------------------
    def _invocation(self, call) -> None:
        c = syntax.callee(call, L)
        last = c.rsplit(".", 1)[-1]
        args = [v for _, v in syntax.arguments(call, L) if v is not None]
        if last in _POLLY and ("Handle" in c or "Policy" in c or "Or" in c.split(".")):
            self._polly(call, last, args)
        elif last in ("TimeoutAsync", "Timeout") and "Policy" in c and args:
            secs = self._seconds(args[0], bare="s")
            self._timeout(call, "polly", "TimeoutPolicy", secs)
        elif last == "AddTimeout" and args:
            self._timeout(call, "polly", "AddTimeout", self._seconds(args[0], bare="s"))
        elif last == "CancelAfter" and args:
            self._timeout(call, "CancellationTokenSource", "CancelAfter", self._seconds(args[0], bare="ms", minus_one_inf=True))
        elif last == "WaitAsync" and args and "Token" not in syntax.node_text(args[0]):
            self._timeout(call, "Task", "WaitAsync", self._seconds(args[0], bare="ms", minus_one_inf=True))

    def _polly(self, call, name: str, args) -> None:
        forever = "Forever" in name
        n = self._number(args[0]) if args and not forever else None
        attempts: float | None
        if forever:
            attempts = INFINITE
        elif not args or (args and args[0].type == "lambda_expression"):
            attempts = 2.0  # Retry()/RetryAsync() with no count: one retry
        elif n is not None:
            attempts = n + 1
        elif args[0].type in ("implicit_array_creation_expression", "array_creation_expression", "collection_expression"):
            attempts = float(len([c for c in syntax.walk(args[0]) if c.type == "invocation_expression"
                                  and syntax.callee(c, L).startswith("TimeSpan.")])) + 1
        else:
            attempts = None
        jitter = False
        if name.startswith("WaitAndRetry"):
            text = " ".join(syntax.node_text(a) for a in args)
            if re.search(r"Math\.Pow|<<|Exponential|DecorrelatedJitter|\*\s*attempt|attempt\s*\*", text, re.I):
                backoff = "exponential"
            else:
                backoff = "fixed"
            jitter = bool(re.search(r"Jitter|Random", text))
        else:
            backoff = "none"
        line = syntax.line_of(call)
        self._retry(call, "polly", _assigned_name(call) or self._scope_name(line) or "policy", attempts, backoff,
                    jitter, line=line)

    def _creation(self, node) -> None:
        tname = syntax.node_text(node.child_by_field_name("type")).split("<")[0].rsplit(".", 1)[-1]
        init = node.child_by_field_name("initializer")
        props = _initializer(init)
        args = [v for _, v in syntax.arguments(node, L) if v is not None]
        if tname in ("RetryStrategyOptions", "HttpRetryStrategyOptions"):
            # Polly v8 defaults: MaxRetryAttempts 3, Delay 2 s, BackoffType Constant, no jitter
            n = self._number(props.get("MaxRetryAttempts"))
            attempts = (n + 1) if n is not None else (4.0 if "MaxRetryAttempts" not in props else None)
            if tname == "HttpRetryStrategyOptions" and "BackoffType" not in props:
                backoff = "exponential"  # Microsoft.Extensions.Http.Resilience defaults to exponential + jitter
            else:
                backoff = "exponential" if "Exponential" in syntax.node_text(props.get("BackoffType")) else "fixed"
            if "Delay" in props and self._seconds(props["Delay"]) == 0:
                backoff = "none"
            jitter = syntax.node_text(props.get("UseJitter")) == "true" or (
                tname == "HttpRetryStrategyOptions" and "UseJitter" not in props)
            line = syntax.line_of(node)
            self._retry(node, "polly", _assigned_name(node) or self._scope_name(line) or tname, attempts, backoff,
                        jitter, line=line)
        elif tname == "CancellationTokenSource" and args:
            self._timeout(node, "CancellationTokenSource", "CancellationTokenSource",
                          self._seconds(args[0], bare="ms", minus_one_inf=True))

    def _assignment(self, node) -> None:
        """``client.Timeout = …`` and ``new HttpClient { Timeout = … }`` / ``cmd.CommandTimeout = 0``."""
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        prop = syntax.node_text(left).rsplit(".", 1)[-1]
        if not prop.endswith("Timeout") or right is None:
            return
        owner = node.parent.parent if node.parent is not None and node.parent.type == "initializer_expression" else None
        if owner is not None and owner.type == "object_creation_expression":
            library = syntax.node_text(owner.child_by_field_name("type")).rsplit(".", 1)[-1]
        else:
            library = "HttpClient" if prop == "Timeout" else syntax.node_text(left).rsplit(".", 1)[0].split(".")[-1]
        if prop == "CommandTimeout":
            library = "ado.net"
            secs = self._seconds(right, bare="s")
            secs = INFINITE if secs == 0 else secs  # ADO.NET: 0 waits forever
        else:
            secs = self._seconds(right, bare="ms", minus_one_inf=True)
        self._timeout(node, library, prop, secs)

    # -- hand-written loops ------------------------------------------------------------------------
    def _loop(self, loop) -> None:
        body = loop.child_by_field_name("body")
        if walks_collection(loop):
            return  # trying each alternative in turn is not retrying one
        if body is None:
            return
        for t in (n for n in _own(body) if n.type == "try_statement"):
            block = t.child_by_field_name("body")
            catches = [c for c in t.named_children if c.type == "catch_clause"]
            if block is None or not catches:
                continue
            if not any(n.type in ("return_statement", "break_statement") for n in _own(block)):
                continue
            gives_up = False
            for c in catches:
                cb = c.child_by_field_name("body") or next((x for x in c.named_children if x.type == "block"), None)
                stmts = [s for s in (cb.named_children if cb is not None else []) if not syntax.is_comment(s)]
                if (len(stmts) == 1 and stmts[0].type == "throw_statement") or (
                        cb is not None and any(n.type in ("return_statement", "break_statement") for n in _own(cb))):
                    gives_up = True
            if gives_up:
                continue
            sleeps = [c for c in syntax.calls(loop, L) if _SLEEP.search(syntax.callee(c, L) or "")
                      and not (block.start_byte <= c.start_byte < block.end_byte)]
            text = " ".join(syntax.node_text(s) for s in sleeps) + " " + " ".join(syntax.node_text(c) for c in catches)
            backoff = "none" if not sleeps else (
                "exponential" if re.search(r"Math\.Pow|<<|\*=|\*\s*2\b", text) else "fixed")
            jitter = bool(re.search(r"Random|Jitter", text))
            attempts = self._loop_attempts(loop, catches)
            self._retry(loop, "loop", "loop", attempts, backoff, jitter, block)
            return

    def _loop_attempts(self, loop, catches) -> float | None:
        cond = loop.child_by_field_name("condition")
        text = syntax.node_text(cond).strip() if cond is not None else ""
        if text in ("", "true"):
            for c in catches:
                for n in syntax.walk(c):
                    if n.type == "if_statement" and any(m.type == "throw_statement" for m in syntax.walk(n)):
                        return loop_bound(n.child_by_field_name("condition"), self._number)
            return INFINITE
        bound = loop_bound(cond, self._number)
        if bound is not None and loop.type == "for_statement":
            init = loop.child_by_field_name("initializer")
            for n in syntax.walk(init) if init is not None else ():
                if n.type == "variable_declarator":
                    v = next((c for c in n.named_children if c != n.child_by_field_name("name")), None)
                    start = self._number(v)
                    if start is not None and start >= 1:
                        bound -= start
        return bound

    # -- emitting ----------------------------------------------------------------------------------
    def _body_facts(self, body):
        if body is None:
            return (), None, False
        calls, method, idem = [], None, False
        for c in syntax.calls(body, L):
            name = syntax.callee(c, L)
            if name:
                calls.append(name)
            m = re.search(r"\.(Post|Put|Patch|Delete|Get)(AsJson)?Async$", name)
            if m and method != "POST":
                method = m.group(1).upper()
            for _, a in syntax.arguments(c, L):
                if a is not None and _strip(syntax.node_text(a)).lower() in ("idempotency-key", "x-idempotency-key"):
                    idem = True
        return tuple(dict.fromkeys(calls)), method, idem

    def _scope_name(self, line: int) -> str:
        return self._scope(line).rsplit(".", 1)[-1]

    # -- values ------------------------------------------------------------------------------------
    def _seconds(self, node, bare: str = "ms", minus_one_inf: bool = False) -> float | None:
        """Seconds from ``TimeSpan.FromX(n)``, ``Timeout.InfiniteTimeSpan``, ``TimeSpan.Zero`` or a bare number."""
        if node is None:
            return None
        text = syntax.node_text(node).replace(" ", "")
        if text.endswith(("InfiniteTimeSpan", "TimeSpan.MaxValue", "Timeout.Infinite")):
            return INFINITE
        if text.endswith("TimeSpan.Zero"):
            return 0.0
        if node.type == "invocation_expression":
            name = syntax.callee(node, L).rsplit(".", 1)[-1]
            a = [v for _, v in syntax.arguments(node, L) if v is not None]
            if name in _TIMESPAN and a:
                n = self._number(a[0])
                return n * _TIMESPAN[name] if n is not None else None
            return None
        if node.type == "object_creation_expression" and "TimeSpan" in syntax.node_text(node.child_by_field_name("type")):
            a = [self._number(v) for _, v in syntax.arguments(node, L) if v is not None]
            if len(a) == 3 and None not in a:
                return a[0] * 3600 + a[1] * 60 + a[2]
            return None
        n = self._number(node)
        if n is None:
            return None
        if n == -1 and minus_one_inf:
            return INFINITE
        return n / 1000 if bare == "ms" else n

    def _number(self, node, follow: bool = True) -> float | None:
        if node is None:
            return None
        t = node.type
        if t in ("integer_literal", "real_literal"):
            try:
                return float(syntax.node_text(node).replace("_", "").rstrip("LlUuFfDdMm"))
            except ValueError:
                return None
        if t == "parenthesized_expression" and node.named_children:
            return self._number(node.named_children[0], follow)
        if t == "identifier" and follow:
            return self.consts.get(syntax.node_text(node))
        return folded(node, lambda n: self._number(n, follow), negation="prefix_unary_expression")


def _strip(text: str) -> str:
    return text.strip().strip('"').strip("@").strip('"')


def _initializer(init) -> dict[str, object]:
    out: dict[str, object] = {}
    if init is None:
        return out
    for a in init.named_children:
        if a.type == "assignment_expression":
            out[syntax.node_text(a.child_by_field_name("left"))] = a.child_by_field_name("right")
    return out


def _own(node):
    return syntax.walk_within(node, _NESTED)


def _assigned_name(node) -> str:
    p = node.parent
    while p is not None and p.type in ("await_expression", "parenthesized_expression", "equals_value_clause"):
        p = p.parent
    if p is not None and p.type == "variable_declarator":
        return syntax.node_text(p.child_by_field_name("name"))
    if p is not None and p.type == "assignment_expression":
        return syntax.node_text(p.child_by_field_name("left")).rsplit(".", 1)[-1]
    if p is not None and p.type == "argument":  # AddRetry(new RetryStrategyOptions {...})
        return ""
    return ""


#: C#'s hooks for ``features.retry_timeout`` (``resilience.Hooks``): none, the shared rules apply
HOOKS = NO_HOOKS
