"""Retry and timeout constructs in Python.

Retries: tenacity (``@retry(stop=..., wait=...)``, ``Retrying``/``AsyncRetrying``), the older
``retrying`` package, ``backoff.on_exception``/``on_predicate``, urllib3 ``Retry`` and
``HTTPAdapter(max_retries=...)``, and hand-written loops (``for _ in range(n)``/``while ...`` around a
``try`` that exits on success and goes round again on failure, with or without a growing sleep).
Timeouts: ``timeout``-like keyword arguments on any call (requests, httpx, aiohttp, grpc, redis
``socket_timeout``, psycopg ``connect_timeout``...), ``aiohttp.ClientTimeout``, ``sock.settimeout``,
``asyncio.wait_for``/``asyncio.timeout``, ``signal.alarm`` and ``"timeout"``-like keys in dict literals.
Network call sites for ``timeout.missing``: requests (module and sessions), ``urlopen`` and
``socket.create_connection`` (no default timeout); httpx (5 s) and aiohttp (300 s) have defaults.

Matching is on syntax nodes (callee names, keyword names, dict keys), never on text, so the words in
comments, docstrings, strings and test names never count.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from mergeguard.features import syntax
from mergeguard.features.resilience import INFINITE, Construct, Hooks, NetworkCall, Scan, Scanner, policy_functions
from mergeguard.features.resilience.settings import bookkeeping, classify, heartbeat_only, words, written
from mergeguard.features.resilience import durations, recursion

LANG = "python"
_TIMEOUT_KW = re.compile(r"^(\w+_)?timeout(_\w+)?$", re.I)
_NOT_TIMEOUT_KW = re.compile(r"(handler|callback|error|exception|cls|class|func)$", re.I)
_VERBS = {"get", "post", "put", "patch", "delete", "head", "options", "request"}
_SLEEPS = {"time.sleep", "asyncio.sleep", "sleep", "gevent.sleep", "trio.sleep"}
_LOOPS = {"for_statement", "while_statement"}
_FUNCS = {"function_definition", "lambda"}


def scan(source: syntax.Source) -> Scan:
    """Every retry/timeout construct and network call site in one Python image."""
    return _Scanner(source).run()


class _Scanner(Scanner):
    snippet_width = 160

    def __init__(self, source: syntax.Source) -> None:
        super().__init__(source)
        self.imports: dict[str, str] = {}  # local name -> module it came from ("retry" -> "tenacity")
        self.sessions: set[str] = set()  # names bound to requests.Session()
        self.module_consts: dict[str, float] = {}  # module and class level: seen from every function
        self.local_consts: dict[tuple[int, int], dict[str, float]] = {}  # by function: seen only there
        self.scoped: dict[tuple[int, int] | None, dict[str, float]] = {}

    def _consts_at(self, node) -> dict[str, float]:
        """The numeric constants a name at ``node`` can mean: module and class level ones, and those
        its own function (and the functions around it) assigns, less the names its functions take as
        parameters. A local ``timeout = 1`` in one function says nothing about the ``timeout``
        parameter of another (whose value is the caller's)."""
        func = _enclosing_scope_node(node)
        key = (func.start_byte, func.end_byte) if func is not None else None
        got = self.scoped.get(key)
        if got is not None:
            return got
        chain = []
        while func is not None:
            chain.append(func)
            func = _enclosing_scope_node(func)
        out = dict(self.module_consts)
        for f in reversed(chain):
            params = f.child_by_field_name("parameters")
            for p in params.named_children if params is not None else ():
                n = p.child_by_field_name("name") if p.type not in ("identifier",) else p
                if n is not None:
                    out.pop(syntax.node_text(n), None)
            out.update(self.local_consts.get((f.start_byte, f.end_byte), {}))
        self.scoped[key] = out
        return out

    def run(self) -> Scan:
        root = self.src.root
        self._declarations(root)
        for node in syntax.nodes_of_types(root, LANG, ("call", "for_statement", "while_statement", "pair")):
            t = node.type
            self.consts = self._consts_at(node)
            if t == "call":
                if not syntax.inside_comment_or_string(node):
                    self._call(node)
            elif t in _LOOPS:
                self._loop(node)
            elif t == "pair" and node.parent is not None and node.parent.type == "dictionary":
                self._config_pair(node)
        self.consts = self.module_consts  # defaults of parameters and class or module bindings
        self._policies(root)
        self._options(root)
        self._error_classes(root)
        self.out.constructs.extend(_policy_functions(self.src))
        self.out.constructs.extend(recursion.scan(self.src))  # a function that calls itself on failure
        # a retry's time budget (``deadline=_DEFAULT_DEADLINE`` kept by a retry policy class) is retry policy
        self.out.constructs = [recast_setting(self.src, c) if c.library == "setting" else c
                               for c in self.out.constructs]
        return self.out

    # -- policies the library builds itself --------------------------------------------------------
    def _policies(self, root) -> None:
        """Retry and timeout policy objects built by the code itself rather than by a known retry
        library: ``DEFAULT_RETRY = retry.Retry(predicate=RETRY_PREDICATE)``, ``RETRY_PREDICATE =
        retry.if_exception_type(...)``, ``self._retry = AsyncRetry(...)``, ``DEFAULT_TIMEOUT =
        timeout.ExponentialTimeout(...)``, and a retry policy class built anywhere
        (``retry.Retry(predicate=..., deadline=timeout)``). Each is a setting whose value is the call
        as written, so its arguments changing is a change and the same call moved or re-wrapped is not.
        A name bound to such a call is a policy only at module or class level, or as a field set in
        ``__init__``: a local ``retry_ = ...`` is seen through the class it builds."""
        taken = {c.line for c in self.out.constructs}
        for node in syntax.nodes_of_types(root, LANG, ("assignment", "call")):
            if syntax.inside_comment_or_string(node):
                continue
            if node.type == "assignment":
                left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                if left is not None and right is not None and left.type == "attribute":
                    self.consts = self._consts_at(node)
                    self._applied_timeout(node, left, right)
                    self.consts = self.module_consts
                if left is not None and right is not None and left.type in ("identifier", "attribute") \
                        and classify(syntax.node_text(left)) == "retry" \
                        and _policy_binding(node, syntax.node_text(left)):
                    members = _members(right)
                    if members is not None:  # RETRY_STATUS_CODES = {429, 503}: which failures are retried
                        self._policy(node, right, "retry", syntax.node_text(left).rsplit(".", 1)[-1], taken,
                                     value="{" + ", ".join(members) + "}")
                        continue
                if left is None or right is None or right.type != "call" or left.type not in ("identifier", "attribute"):
                    continue
                name = syntax.node_text(left)
                kind = classify(name)
                callee = syntax.callee(right, LANG)
                if kind is None or not _policy_callee(callee, kind) or not _policy_binding(node, name) or not (
                        _policy_class(callee.rsplit(".", 1)[-1], kind) or (
                        "." in callee and callee.split(".", 1)[0] in self.imports and callee[:1].islower())):
                    continue  # timeout.clone(), Timeout.from_float(t): a value handed on, not a policy built
                self._policy(node, right, kind, name.rsplit(".", 1)[-1], taken)
            else:
                name = syntax.callee(node, LANG)
                last = name.rsplit(".", 1)[-1]
                if _policy_factory(last) and not _policy_class(last, "retry") and not _raised(node):
                    # its arguments are the caller's plumbing (which config, which event): that the
                    # policy is built or installed here at all is what counts
                    self._policy(node, node, "retry", last, taken, value=f"{last}(...)")
                elif _policy_class(last, "retry") and \
                        not _raised(node) and (
                        node.parent is None or node.parent.type != "decorator"):
                    plain = _plain_retry(node)
                    if plain is not None:  # ``retries=Retry(False)`` is ``retries=False``: the same setting
                        self._policy(node, node, "retry", plain[0], taken, value=plain[1])
                    else:
                        self._policy(node, node, "retry", last, taken)

    def _error_classes(self, root) -> None:
        """Which failures a client retries, held as collections of exception classes rather than in a
        retry-named name: a transport's ``connection_errors = (socket.error, IOError, ...)`` (the
        classifier its reconnect-and-retry wrapper catches), the connection and channel error tuples a
        function returns for the driver it wraps (``def _get_errors(self): return ((ConnectionError,
        socket.timeout), (DataError,))``), and an exception table at module level of a module named for
        retrying (``EXCEPTION_MAP = {'GENERAL_CONNECTION_ERROR': [ReadTimeoutError, ...]}`` in
        ``retryhandler.py``). Each is a retry setting valued by its members in no order, so an exception
        added or taken out is a retry change and a reordered or moved tuple is not. A collection
        of other things (status texts, names) or of exceptions under another name (``__all__``,
        ``fatal_errors`` of a parser) is none of these."""
        taken = {c.line for c in self.out.constructs}
        in_retry_module = bool(_RETRY_MODULE & set(words(self.src.path.rsplit("/", 1)[-1].rsplit(".", 1)[0])))
        for node in syntax.nodes_of_types(root, LANG, ("assignment", "return_statement")):
            if syntax.inside_comment_or_string(node):
                continue
            if node.type == "assignment":
                left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                if left is None or right is None or left.type not in ("identifier", "attribute"):
                    continue
                name = syntax.node_text(left)
                last = name.rsplit(".", 1)[-1]
                predicate = _error_predicate(right) if _retried_predicate_name(last) else None
                if predicate is not None and (_enclosing_scope_node(node) is None or name.startswith("self.")):
                    self._policy(node, right, "retry", last, taken, value=predicate)
                    continue
                if classify(name) == "retry" or not (_retried_errors_name(last) or (
                        in_retry_module and last.lstrip("_").isupper() and _enclosing_scope_node(node) is None)):
                    continue  # retry-named collections are read by ``_policies``
                if _enclosing_scope_node(node) is not None and not name.startswith("self."):
                    continue  # a local tuple of one function hands its members on
                value = _error_table(right)
                if value is not None:
                    self._policy(node, right, "retry", last, taken, value=value)
                continue
            func = _enclosing_scope_node(node)
            if func is None or func.type != "function_definition":
                continue
            fname = syntax.node_text(func.child_by_field_name("name"))
            ws = set(words(fname))
            if not ({"errors", "exceptions"} & ws or ({"error", "exception"} & ws and "classes" in ws)):
                continue
            value = node.named_children[0] if node.named_children else None
            if value is not None and value.type == "call":
                args = value.child_by_field_name("arguments")
                value = args if args is not None else value
            groups = [_error_members(c) for c in (value.named_children if value is not None else ())
                      if not syntax.is_comment(c)]
            if groups and all(g is not None for g in groups):
                self._policy(node, value, "retry", fname, taken,
                             value="; ".join("{" + ", ".join(g or []) + "}" for g in groups))

    def _options(self, root) -> None:
        """A retry or timeout that callers can set: a constructor parameter with a default of its own
        (``def __init__(self, max_retries=DEFAULT_RETRIES)``, ``timeout=30``) that the object keeps
        (``self.max_retries = max_retries``). Placed at the line that keeps it, so that a constant
        turned into such an option (``self.max_retries = DEFAULT_RETRIES`` before) is an option
        added, with the default kept: the wait or the attempts became configurable. ``None`` as the
        default is no policy of the class (it hands on what the caller gives, or nothing)."""
        for func in syntax.nodes_of_types(root, LANG, ("function_definition",)):
            if syntax.node_text(func.child_by_field_name("name")) != "__init__":
                continue
            cls = syntax.ancestor(func, ("class_definition",), ("function_definition",))
            if cls is not None and _REPORT_CLASS.search(syntax.node_text(cls.child_by_field_name("name"))):
                continue  # ``MaxRetryError(pool, url, retries=3)``, ``Response(..., retries=0)``: a report
            params = func.child_by_field_name("parameters")
            body = func.child_by_field_name("body")
            if params is None or body is None:
                continue
            defaults = {}
            for p in params.named_children:
                if p.type in ("default_parameter", "typed_default_parameter"):
                    name, value = p.child_by_field_name("name"), p.child_by_field_name("value")
                    if name is not None and value is not None and value.type != "none" \
                            and classify(syntax.node_text(name)) is not None and not (
                                value.type in ("true", "false") and classify(syntax.node_text(name)) == "timeout"):
                        # (``tcp_keepalive=False``: a switch, not a wait)
                        defaults[syntax.node_text(name)] = value
            if not defaults:
                continue
            for n in _own(body):
                if n.type != "assignment":
                    continue
                left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
                if left is None or right is None or left.type != "attribute" or right.type != "identifier" \
                        or syntax.node_text(left.child_by_field_name("object")) != "self":
                    continue
                name = syntax.node_text(right)
                kind = classify(name)
                if name not in defaults or kind is None:
                    continue
                line = syntax.line_of(n)
                # the default's duration where its unit is certain (``timeout_ms=5000``: 5 s, not 5000)
                known = durations.of_setting(name, defaults[name], LANG, lambda v: _number(v, self.consts))
                seconds = None if kind != "timeout" else known.seconds if known is not None \
                    else self._timeout_value(defaults[name])
                self.out.constructs.append(Construct(
                    kind, "setting", line, n.end_point[0] + 1, self._scope(n), target=name, seconds=seconds,
                    value=f"option {name}", snippet=self._snippet(line),
                    duration=known.seconds if known is not None else None))

    def _applied_timeout(self, node, left, right) -> None:
        """``conn.timeout = timeout`` / ``sock.timeout = self.timeout``: a timeout handed to another
        object (a connection, a socket), which then waits that long. Set on ``self``/``cls`` it is the
        object's own field (a setting, read by ``settings``); a constant value is a setting too."""
        obj = left.child_by_field_name("object")
        attr = syntax.node_text(left.child_by_field_name("attribute"))
        if obj is None or syntax.node_text(obj) in ("self", "cls") or not _TIMEOUT_KW.match(attr) \
                or _NOT_TIMEOUT_KW.search(attr) or _number(right, self.consts) is not None \
                or syntax.node_text(right) in ("None", "True", "False"):
            return
        self._construct("timeout", "attribute", node, node, target=f"{syntax.node_text(obj)}.{attr}", seconds=None,
                        value=written(right))

    def _policy(self, node, call, kind: str, target: str, taken: set[int], value: str | None = None) -> None:
        line = syntax.line_of(node)
        if line in taken:
            return  # a tenacity or urllib3 construct already says what this one does
        taken.add(line)
        self.out.constructs.append(Construct(
            kind, "setting", line, node.end_point[0] + 1, self._scope(node), target=target,
            value=value if value is not None else " ".join(syntax.node_text(call).split())[:400],
            snippet=self._snippet(line)))

    # -- declarations ------------------------------------------------------------------------------
    def _declarations(self, root) -> None:
        for node in syntax.nodes_of_types(root, LANG, ("import_from_statement", "import_statement", "assignment")):
            if node.type in ("import_from_statement",):
                module = syntax.node_text(node.child_by_field_name("module_name"))
                for n in node.children_by_field_name("name"):
                    name = n.child_by_field_name("alias") or n.child_by_field_name("name") or n
                    self.imports[syntax.node_text(name)] = module
            elif node.type == "import_statement":
                for n in node.named_children:
                    name = n.child_by_field_name("alias") or n.child_by_field_name("name") or n
                    self.imports[syntax.node_text(name)] = syntax.node_text(n.child_by_field_name("name") or n)
            elif node.type == "assignment":
                left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                if left is None or right is None:
                    continue
                name = syntax.node_text(left)
                if left.type == "identifier":
                    func = _enclosing_scope_node(node)
                    where = self.module_consts if func is None else self.local_consts.setdefault(
                        (func.start_byte, func.end_byte), {})
                    v = _number(right, {**self.module_consts, **where})
                    if v is not None:
                        where[name] = v
                if right.type == "call" and syntax.callee(right, LANG) in ("requests.Session", "Session",
                                                                           "requests.session"):
                    self.sessions.add(name)

    # -- calls -------------------------------------------------------------------------------------
    def _call(self, node) -> None:
        name = syntax.callee(node, LANG)
        if not name:
            return
        last = name.rsplit(".", 1)[-1]
        args = syntax.arguments(node, LANG)
        kw = {k: v for k, v in args if k}
        parent = node.parent
        if parent is not None and parent.type == "decorator":
            self._decorator(node, name, kw, args)
        elif last in ("Retrying", "AsyncRetrying") and self._module_of(name) in ("tenacity", ""):
            # the retry library's own code building its own class: the defaults it gets are defined (and
            # judged, as a changed default) in this library, not chosen at this call
            own = self._module_of(name) == "" and last in _defined_classes(self.src.root)
            self._tenacity(node, kw, _enclosing_scope_node(node), "tenacity", forwarded=_forwards(args) or own)
        elif last == "Retry" and self._module_of(name) in ("urllib3", "urllib3.util", "urllib3.util.retry",
                                                               "requests.adapters", "requests.packages.urllib3.util.retry", ""):
            self._urllib3_retry(node, kw, args)
        elif last == "HTTPAdapter" and "max_retries" in kw and kw["max_retries"].type != "call":
            n = _number(kw["max_retries"], self.consts)
            if n is not None and n > 0:
                self._construct("retry", "requests.HTTPAdapter", node, node, target="max_retries",
                                attempts=n + 1, backoff="none", jitter=False)
        self._timeouts(node, name, last, args, kw)
        self._network(node, name, last, kw)

    def _module_of(self, name: str) -> str:
        head = name.split(".", 1)[0]
        if "." in name:
            return self.imports.get(head, head)
        return self.imports.get(head, "")

    def _decorator(self, node, name: str, kw: dict, args: list) -> None:
        func = _decorated_function(node)
        if func is None:
            return
        module = self._module_of(name)
        last = name.rsplit(".", 1)[-1]
        if last == "retry" and module.startswith("retrying"):
            self._retrying(node, kw, func)
        elif last == "retry" and (module.startswith("tenacity") or module == ""):
            self._tenacity(node, kw, func, "tenacity", forwarded=_forwards(args))
        elif name in ("backoff.on_exception", "backoff.on_predicate") or (
                last in ("on_exception", "on_predicate") and module.startswith("backoff")):
            self._backoff(node, kw, args, func)

    def _tenacity(self, node, kw: dict, body, library: str, *, forwarded: bool = False) -> None:
        # tenacity's default stop is stop_never and its default wait wait_none; but a policy built from
        # the caller's ``*args``/``**kwargs`` (a decorator factory, a wrapper forwarding its options)
        # stops and waits as that caller says: what it omits is not visible here, so unknown, not default
        attempts: float | None = None if forwarded else INFINITE
        if "stop" in kw:
            attempts = self._stop(kw["stop"])
        backoff: str | None = None if forwarded else "none"
        jitter = False
        if "wait" in kw:
            backoff, jitter = _tenacity_wait(kw["wait"])
        self._construct("retry", library, node, node, body=body, attempts=attempts, backoff=backoff, jitter=jitter)

    def _stop(self, value) -> float | None:
        """Attempts from a tenacity ``stop=``; combinations with ``|`` stop at the first that fires."""
        best: float | None = None
        for c in syntax.calls(value, LANG):
            n = syntax.callee(c, LANG).rsplit(".", 1)[-1]
            a = syntax.arguments(c, LANG)
            if n == "stop_after_attempt" and a:
                v = _number(a[0][1], self.consts)
                if v is not None:
                    best = v if best is None else min(best, v)
        if value.type == "identifier" and syntax.node_text(value) == "stop_never":
            return INFINITE
        return best  # None: bounded by time or an event, or by attempts that are not a constant

    def _retrying(self, node, kw: dict, body) -> None:
        attempts: float | None = INFINITE
        if "stop_max_attempt_number" in kw:
            attempts = _number(kw["stop_max_attempt_number"], self.consts)
        elif "stop_max_delay" in kw:
            attempts = None
        backoff = "exponential" if any(k.startswith("wait_exponential") for k in kw) else (
            "fixed" if any(k in kw for k in ("wait_fixed", "wait_random_min", "wait_random_max")) else "none")
        jitter = any(k.startswith("wait_random") or k == "wait_jitter_max" for k in kw)
        self._construct("retry", "retrying", node, node, body=body, attempts=attempts, backoff=backoff, jitter=jitter)

    def _backoff(self, node, kw: dict, args: list, body) -> None:
        positional = [v for k, v in args if k is None]
        gen = syntax.node_text(positional[0]) if positional else syntax.node_text(kw.get("wait_gen"))
        g = gen.rsplit(".", 1)[-1]
        backoff = {"expo": "exponential", "fibo": "exponential", "constant": "fixed"}.get(g)
        jitter = not ("jitter" in kw and syntax.node_text(kw["jitter"]) == "None")
        attempts: float | None = INFINITE
        if "max_tries" in kw:
            attempts = _number(kw["max_tries"], self.consts)
        elif "max_time" in kw:
            attempts = None  # bounded by time
        self._construct("retry", "backoff", node, node, body=body, attempts=attempts, backoff=backoff,
                        jitter=jitter if backoff is not None else None)

    def _urllib3_retry(self, node, kw: dict, args: list) -> None:
        positional = [v for k, v in args if k is None]
        total_node = kw.get("total") or (positional[0] if positional else None)
        if total_node is not None and syntax.node_text(total_node) == "False":
            return  # Retry(False): retries disabled
        attempts: float | None = 11.0  # urllib3 default total=10
        if total_node is not None:
            if syntax.node_text(total_node) == "None":
                attempts = None  # falls back to connect/read counts
            else:
                t = _number(total_node, self.consts)
                attempts = t + 1 if t is not None else None
        factor = _number(kw["backoff_factor"], self.consts) if "backoff_factor" in kw else 0.0
        backoff = "exponential" if factor else ("none" if factor == 0 else None)
        jitter = "backoff_jitter" in kw
        method = None
        methods = kw.get("allowed_methods") or kw.get("method_whitelist")
        if methods is not None:
            text = syntax.node_text(methods).upper()
            if syntax.node_text(methods) in ("False", "None") or '"POST"' in text or "'POST'" in text:
                method = "POST"
            elif "PATCH" in text:
                method = "PATCH"
        self._construct("retry", "urllib3.Retry", node, node, target="", attempts=attempts,
                        backoff=backoff, jitter=jitter, method=method)

    # -- timeouts ----------------------------------------------------------------------------------
    def _timeouts(self, node, name: str, last: str, args: list, kw: dict) -> None:
        positional = [v for k, v in args if k is None]
        # a call that *applies* a timeout (a socket's, a coroutine's, a block's) keeps its value as
        # written: added where nothing waited with a limit before, it is a timeout added, not a value
        # plumbed through (``retry_timeout._plumbing`` looks for the same call without one)
        if last == "settimeout" and positional:
            self._timeout(node, name, positional[0], "socket", target="settimeout", none_is_infinite=True,
                          written=written(positional[0]))
        elif name in ("asyncio.wait_for", "wait_for") and (len(positional) > 1 or "timeout" in kw):
            value = kw.get("timeout") or positional[1]
            self._timeout(node, name, value, "asyncio", target="asyncio.wait_for",
                          none_is_infinite=True, written=written(value))
            return
        elif name in ("asyncio.timeout", "async_timeout.timeout", "anyio.fail_after") and (positional or "delay" in kw):
            value = positional[0] if positional else kw["delay"]
            self._timeout(node, name, value, "asyncio", target=name, none_is_infinite=True, written=written(value))
        elif _timeout_scope(node, last) and (positional or kw.keys() & {"delay", "timeout", "seconds"}):
            # ``async with ceil_timeout(t.connect):``, ``with anyio.move_on_after(3):``, ``with
            # gevent.Timeout(5):``: a deadline applied to the block; its value as written, so that
            # taking the block out of its ``with`` (or wrapping a call in one) is a change, not plumbing
            value = positional[0] if positional else next(kw[k] for k in ("delay", "timeout", "seconds") if k in kw)
            self._timeout(node, name, value, "with", target=name, none_is_infinite=True, written=written(value))
            return
        elif name == "select.select" and len(positional) == 4:
            # ``select.select(r, w, x, 5.0)``: the fourth argument bounds the wait (none: forever)
            self._timeout(node, name, positional[3], "select", target="select.select", none_is_infinite=True,
                          written=written(positional[3]))
        elif name == "signal.alarm" and positional:
            v = _number(positional[0], self.consts)
            if v:  # alarm(0) cancels
                self._timeout(node, name, positional[0], "signal", target="signal.alarm")
        elif last in _WAITS_GIVEN and "." in name and positional and self._bounded_wait(node, positional[0]):
            # ``done.wait(10)``, ``worker.join(5)``, ``future.result(30)``: a thread, an event, a
            # process or a future waited for with a limit given by position
            self._timeout(node, name, positional[0], "wait", target=f"{name}:timeout", none_is_infinite=True,
                          written=written(positional[0]))
        elif last == "ClientTimeout" and not _is_kw_value(node):
            v = self._timeout_value(node)
            self._construct("timeout", "aiohttp", node, node, target="ClientTimeout", seconds=v)
        if kw and _poll_wait(node):
            return  # waits for work to arrive and goes round again when none did: a poll, not a timeout
        if _queue_get(node):
            return  # ``inbound.get(timeout=0.3)``: an item from an in-process queue, not a peer's answer
        for k, v in kw.items():
            if _timeout_kw(k) and v is not None:
                lib = _library(name)
                self._timeout(node, name, v, lib, target=f"{name}:{k}",
                              none_is_infinite=True, zero_is_infinite=lib in ("requests", "socket", "urllib"))

    def _bounded_wait(self, call, first) -> bool:
        """Whether ``first``, a wait method's first argument, is a limit written as a number (or a
        constant), and the call waits once: the same ``stop.wait(interval)`` in a loop paces the loop (a
        poll or a sleep that shutdown can cut short), which is no timeout. A name handed in
        (``thread.join(timeout)``) is plumbing, and an interval read from settings is often a pace."""
        if syntax.ancestor(call, tuple(_LOOPS), tuple(_OWN_STOP)) is not None:
            return False
        return (_number(first, self.consts) or 0) > 0

    def _timeout(self, node, name: str, value, library: str, *, target: str, none_is_infinite: bool = False,
                 zero_is_infinite: bool = False, written: str = "") -> None:
        text = syntax.node_text(value)
        if text == "None":
            seconds: float | None = INFINITE if none_is_infinite else None
        else:
            seconds = self._timeout_value(value)
            if seconds == 0 and zero_is_infinite:
                seconds = INFINITE
        extra = {"value": written} if written else {}
        self._construct("timeout", library, node, node, target=target, seconds=seconds, **extra)

    def _timeout_value(self, value) -> float | None:
        """Seconds from a number, a constant, a (connect, read) tuple or a Timeout/ClientTimeout call."""
        if value is None:
            return None
        if value.type == "tuple":
            vals = [self._timeout_value(c) for c in value.named_children]
            if any(v is None for v in vals) or not vals:
                return INFINITE if any(syntax.node_text(c) == "None" for c in value.named_children) else None
            return max(v for v in vals if v is not None)  # the longest it can wait for one phase
        if value.type == "call":
            n = syntax.callee(value, LANG).rsplit(".", 1)[-1]
            a = syntax.arguments(value, LANG)
            if n in ("ClientTimeout", "Timeout"):
                kws = {k: v for k, v in a if k}
                pos = [v for k, v in a if k is None]
                if n == "ClientTimeout":
                    t = kws.get("total")
                    if t is None:
                        return 300.0 if not kws else None  # aiohttp default total
                    return INFINITE if syntax.node_text(t) == "None" else _number(t, self.consts)
                first = pos[0] if pos else kws.get("timeout")
                if first is not None:
                    return INFINITE if syntax.node_text(first) == "None" else _number(first, self.consts)
                vals = [_number(v, self.consts) for k, v in a if k in ("connect", "read", "write", "pool")]
                return max(v for v in vals if v is not None) if any(v is not None for v in vals) else None
            if n == "timedelta":
                return _timedelta(a, self.consts)
        return _number(value, self.consts)

    def _config_pair(self, node) -> None:
        key = node.child_by_field_name("key")
        value = node.child_by_field_name("value")
        if key is None or value is None or key.type != "string" or syntax.inside_comment_or_string(node.parent):
            return
        k = syntax.node_text(key).strip("'\"")
        if not _TIMEOUT_KW.match(k) or _NOT_TIMEOUT_KW.search(k):
            return
        v = INFINITE if syntax.node_text(value) == "None" else self._timeout_value(value)
        if v is None and value.type not in ("integer", "float", "none"):
            return
        self._construct("timeout", "config", node, node, target=k, seconds=v)

    # -- network calls -----------------------------------------------------------------------------
    def _network(self, node, name: str, last: str, kw: dict) -> None:
        parts = name.split(".")
        head = parts[0]
        module = self._module_of(name)
        # options passed on whole (``requests.get(url, **kwargs)``): whether a timeout is among them
        # is the caller's decision, not one this call site leaves out (``timeout.missing``)
        has = any(_timeout_kw(k) for k in kw) or _passes_options_on(node)
        if last in _VERBS and len(parts) >= 2:
            owner = parts[-2]
            # ``requests`` only when the file imports it: a parameter or a local of that name (an
            # ``asyncio.Queue`` called ``requests``) makes no HTTP call
            if module == "requests" and self._requests_file():
                self._net("requests", name, node, has, True)
            elif owner in self.sessions or "session" in owner.lower():
                self._net("requests.Session", name, node, has, self._requests_file())
            elif head == "httpx" or module == "httpx":
                self._net("httpx", name, node, has, False)
        elif last == "urlopen" and (module.startswith("urllib") or head == "urllib" or name == "urlopen"):
            self._net("urllib", name, node, has, True)
        elif name == "socket.create_connection":
            self._net("socket", name, node, has, True)
        elif last in ("Redis", "StrictRedis") and module.startswith("redis"):
            self._net("redis", name, node, has, True)

    def _requests_file(self) -> bool:
        """A ``session.get`` is a requests session (no default timeout) when the file uses requests."""
        return any(m.startswith("requests") for m in self.imports.values())

    def _net(self, library: str, name: str, node, has: bool, unbounded: bool) -> None:
        line = syntax.line_of(node)
        self.out.calls.append(NetworkCall(library, name, line, self._scope(node), has, unbounded, self._snippet(line)))

    # -- hand-written loops ------------------------------------------------------------------------
    def _loop(self, node) -> None:
        if syntax.inside_comment_or_string(node):
            return
        body = node.child_by_field_name("body")
        if body is None:
            return
        # a try of this loop's own (one in a nested loop goes round that loop), whose failure goes round
        # again: an except that always re-raises ends the loop, and one that catches an empty
        # container or an exhausted iterator is polling for work, not retrying an operation
        tries = [n for n in _own(body) if n.type == "try_statement" and _loop_of(n) == node
                 and _retries_on_failure(n) and not _moves_on(n)]
        if not tries:
            return
        attempts = self._loop_attempts(node)
        if attempts is False and _delays_loop(node):
            attempts = None  # ``for sleep in sleep_generator:``: one pass per delay the generator gives
        if attempts is False:
            return  # iterating over items: a skip-on-error loop, not a retry
        t = tries[0]
        try_body = t.child_by_field_name("body")
        excepts = [c for c in t.named_children if c.type == "except_clause"]
        if not excepts or try_body is None:
            return
        exits = any(n.type in ("return_statement", "break_statement") for n in _own(try_body)) or any(
            n.type in ("break_statement",) for n in _own(t) if n.type == "else_clause") or any(
            c.type == "else_clause" and any(n.type in ("return_statement", "break_statement") for n in _own(c))
            for c in t.named_children)
        # ``except WantReadError: continue`` goes round again at once, and the loop ends elsewhere
        # (``if not data: break`` after the try): the failed call is tried again, by design
        again = any(_last_statement(e) is not None and _last_statement(e).type == "continue_statement"
                    for e in excepts) and not _eintr(excepts)
        elsewhere = [n for n in _own(body) if n.type in ("return_statement", "break_statement")
                     and _loop_of(n) == node and not _within(n, t)]
        exits = exits or (again and bool(elsewhere))
        sleeps = [c for c in _own(body) if c.type == "call" and _is_sleep(syntax.callee(c, LANG))]
        if not exits and not sleeps:
            return
        if attempts == INFINITE and (elsewhere or any(n.type == "raise_statement" and _under_if(n, body)
                                                      for e in excepts for n in _own(e))
                                     or any(_hands_on_error(e) for e in excepts)):
            attempts = None  # gives up after some condition, or ends on one that is not the failure's
        backoff: str | None = "none"
        jitter = False
        if not sleeps and _next_candidate(node, excepts):
            backoff = None  # each pass tries another address: not the same call again at once
        if not sleeps and _waits_ready(excepts):
            backoff = None  # the failed call is tried again once the socket is ready, not at once
        if sleeps:
            backoff = "fixed"
            for s in sleeps:
                arg = syntax.node_text(s.child_by_field_name("arguments"))
                if "**" in arg or "<<" in arg:
                    backoff = "exponential"
                if "random" in arg or "uniform" in arg:
                    jitter = True
            grown = _grown_names(body)
            if any(any(n in syntax.node_text(s.child_by_field_name("arguments")) for n in grown) for s in sleeps):
                backoff = "exponential"
        self._construct("retry", "loop", node, node, body=try_body, attempts=attempts, backoff=backoff,
                        jitter=jitter, value=_loop_decision(node, tries, sleeps, _exception_groups(self.src)))

    def _loop_attempts(self, node) -> Any:
        if node.type == "while_statement":
            cond = node.child_by_field_name("condition")
            text = syntax.node_text(cond)
            if text in ("True", "1"):
                return INFINITE
            if cond is not None and cond.type == "comparison_operator":
                right = cond.named_children[-1]
                v = _number(right, self.consts)
                return v if v is not None else None
            return None
        right = node.child_by_field_name("right")
        if right is not None and right.type == "call" and syntax.callee(right, LANG) in ("count", "itertools.count"):
            return INFINITE  # ``for attempt in itertools.count():`` counts attempts with no bound of its own
        if right is None or right.type != "call" or syntax.callee(right, LANG) != "range":
            return False
        a = [v for k, v in syntax.arguments(right, LANG)]
        nums = [_number(v, self.consts) for v in a[:2]]
        if len(a) == 1:
            return nums[0]
        if len(a) >= 2 and nums[0] is not None and nums[1] is not None:
            return nums[1] - nums[0]
        return None

    # -- output ------------------------------------------------------------------------------------
    def _construct(self, kind: str, library: str, node, end_node, *, body=None, target: str = "", **values) -> None:
        line = syntax.line_of(node)
        end = end_node.end_point[0] + 1
        calls: tuple[str, ...] = ()
        method = values.pop("method", None)
        key = False
        if kind == "retry":
            inside = body if body is not None else node
            calls = tuple(dict.fromkeys(syntax.callee(c, LANG) for c in syntax.calls(inside, LANG)
                                        if not syntax.inside_comment_or_string(c)))
            method = method or _method(inside)
            text = syntax.node_text(inside).lower()
            key = "idempotency-key" in text or "idempotency_key" in text
            if not target:
                target = next((c for c in calls if c.rsplit(".", 1)[-1] in _VERBS), "")
            if body is not None and body.type == "function_definition":
                end = body.end_point[0] + 1
        scope_node = body.child_by_field_name("body") if body is not None and body.type == "function_definition" else node
        self.out.constructs.append(Construct(
            kind, library, line, end, self._scope(scope_node), target, method=method, idempotency_key=key,
            calls=calls, snippet=self._snippet(line), **values))

    def _scope(self, node) -> str:
        return syntax.qualname_at(node, LANG)


# -- helpers ---------------------------------------------------------------------------------------

#: leading verbs of a function that wires a retry policy in rather than deciding (``register_retries``,
#: ``add_retry_headers``); that a factory is called at all is judged where it is called (``_policy_factory``)
_WIRES = frozenset({"register", "add", "install", "create", "build", "make", "set", "new", "init", "setup"})


def _defined_classes(root) -> set[str]:
    """Names of the classes a module defines (at any depth)."""
    return {syntax.node_text(n.child_by_field_name("name"))
            for n in syntax.nodes_of_types(root, LANG, ("class_definition",))}


def _policy_functions(src: syntax.Source) -> list[Construct]:
    """Functions that *are* a retry policy by their name (``is_retry``, ``get_backoff_time``,
    ``_is_retryable_exception``, ``should_retry``), valued by what their body decides
    (``policy_functions.decisions``: literals, operators, keywords, error classes and constants, not
    plain names, logging or docstrings). Which errors a client retries and how it computes the next
    delay live in such functions, with no retry-named name on the changed line. A rename, a reworded
    docstring or a moved function is no change; a wrapper (``call_with_retry``), a hook (``on_retry``),
    an accessor, a constructor and a test are no policy (``policy_functions.classify``). Only retry
    policies: a Python function named for a timeout mostly reads or hands one on, and the timeout
    constructs say what it does."""
    out = []
    for node in syntax.nodes_of_types(src.root, LANG, ("function_definition",)):
        name = syntax.node_text(node.child_by_field_name("name"))
        if not name or name.startswith("__") or (policy_functions.classify(name) != "retry"
                                                 and not _classifier_method(node, name, src.path)):
            continue
        body = node.child_by_field_name("body")
        outer = syntax.qualname_at(node, LANG)
        if body is None or {"test", "tests"} & set(words(outer)) or {"test", "tests"} & set(words(name)) \
                or (words(name)[0] in _WIRES and not _marks_retryable(name)) or re.search(r"(Error|Exception|Warning)$", outer):
            continue  # wiring a policy in (its arguments are plumbing), or a failure describing itself
        if any(n.type in _LOOPS and any(t.type == "try_statement" for t in _own(n)) for n in _own(body)):
            continue  # the loop in it is judged by what it decides (``_loop_decision``), not by its body;
            # a loop with no try (``for cls in self._exceptions: if isinstance(...)``) is no retry loop
        tokens: list[str] = []
        for stmt in body.named_children:
            if stmt.type == "expression_statement" and stmt.named_children and \
                    syntax.is_string(stmt.named_children[0]):
                continue  # a docstring says, it decides nothing
            tokens.extend(policy_functions.decisions(stmt, LANG, said=False))
        if not any(t not in ("return", "pass", "raise", "None", "...") for t in tokens):
            continue  # ``def retry_with(self, *args) -> R: ...`` (a protocol's stub), ``pass``: no decision
        stmts = [c for c in body.named_children if c.type != "comment"]
        if len(stmts) == 1 and stmts[0].type == "return_statement" and stmts[0].named_children and \
                stmts[0].named_children[0].type in ("identifier", "attribute"):
            continue  # ``return self._retries``: hands a setting on
        out.append(Construct("retry", policy_functions.LIBRARY, syntax.line_of(node), node.end_point[0] + 1, "",
                             target=f"{outer}.{name}" if outer else name,
                             value=policy_functions.decision_value(tokens)))
    return out


def _marks_retryable(name: str) -> bool:
    """``_add_retryable_write_error(exc)``, ``add_retriable_label``: a function that marks a failure as
    one to retry (the label the retry loop tests), so which failures it marks is which are retried; not
    ``add_retry_headers`` or ``set_retry_policy`` (wiring a policy in). Go, Java and JS/TS name-reading
    (``policy_functions.classify``) never set these aside."""
    ws = words(name)
    return len(ws) >= 2 and ws[1] in ("retryable", "retriable")


#: leading words of a method that classifies an attempt's outcome (``_is_connection_error``,
#: ``_check_response``, ``should_stop``)
_CLASSIFIES = frozenset({"is", "check", "should", "can", "classify"})
#: last words of a class that classifies outcomes for a retry handler (in a module named for retrying)
_CHECKER = frozenset({"checker", "checkers", "classifier", "condition", "predicate", "policy", "strategy"})


def _forwards(args: list) -> bool:
    """Whether a call passes its caller's arguments on (``f(*args)``, ``f(**kwargs)``): then any option
    it does not name may still be set, by whoever calls the code around it."""
    return any(k is None and v is not None and v.type in ("list_splat", "dictionary_splat") for k, v in args)


def _classifier_method(func, name: str, path: str) -> bool:
    """A method of a retry policy that decides which outcomes are retried, with no retry word in its
    own name: ``Retry._is_connection_error(err)`` (which failures count against connect retries),
    ``ServiceErrorCodeChecker._check_response`` in ``retryhandler.py``. The class says it is retry
    policy: a retry-named class (``Retry``, ``_BaseRetry``), or a checker, classifier or condition class
    in a module named for retrying. A method of any other class named ``is_*`` decides something else."""
    ws = words(name)
    cls = func.parent.parent if func.parent is not None and func.parent.type == "block" else None
    if not ws or cls is None or cls.type != "class_definition":
        return False
    cname = syntax.node_text(cls.child_by_field_name("name"))
    cws = words(cname)
    if not cws or re.search(r"(Error|Exception|Warning)$", cname):
        return False
    policy_class = classify(cname) == "retry" and cws[-1] in ("retry", "retrying", "retries")
    if policy_class and _rebuilds(func, cname):
        return True  # ``Retry.with_delay``, ``Retry.new``: which settings a copy keeps and which it takes
    if ws[0] not in _CLASSIFIES or len(ws) < 2:
        return False
    if policy_class:
        return True
    module = set(words(path.rsplit("/", 1)[-1].rsplit(".", 1)[0]))
    return cws[-1] in _CHECKER and bool(_RETRY_MODULE & module)


def _rebuilds(func, cname: str) -> bool:
    """A method that returns a new instance of its own class (``return type(self)(initial=initial or
    self._initial, ...)``, ``self.__class__(**params)``, ``cls(...)``): a policy copied with some settings
    replaced, where how a setting passed as ``None`` or ``0`` is merged decides the copy's retrying."""
    body = func.child_by_field_name("body")
    for ret in (n for n in _own(body) if n.type == "return_statement") if body is not None else ():
        value = ret.named_children[0] if ret.named_children else None
        if value is None or value.type != "call":
            continue
        fn = value.child_by_field_name("function")
        text = "".join(syntax.node_text(fn).split()) if fn is not None else ""
        if text in ("type(self)", "self.__class__", "cls", cname):
            return True
    return False


_COLLECTIONS = frozenset({"tuple", "list", "set"})


def _members(node) -> list[str] | None:
    """The members of a collection of retried things (status codes, exception classes, error codes),
    in no order: ``(A, B)``, ``{429, 503}``, ``frozenset([...])``, ``BASE + (C,)``, ``A | B``. None
    when ``node`` is not such a collection."""
    if node.type == "call" and syntax.callee(node, LANG) in ("frozenset", "set", "tuple", "list"):
        args = syntax.arguments(node, LANG)
        if len(args) != 1 or args[0][0] is not None:
            return None
        node = args[0][1]
    if node.type == "binary_operator" and syntax.node_text(node.child_by_field_name("operator")) in ("+", "|"):
        parts = [node.child_by_field_name("left"), node.child_by_field_name("right")]
        if any(p is None for p in parts):
            return None
        got = [_members(p) if p.type not in ("identifier", "attribute") else [syntax.node_text(p)] for p in parts]
        if any(g is None for g in got):
            return None
        return sorted({m for g in got for m in g or []})
    if node.type not in _COLLECTIONS:
        return None
    out = set()
    for c in node.named_children:
        if syntax.is_comment(c):
            continue
        if c.type in _COLLECTIONS:
            inner = _members(c)
            out.update(inner or [])
        else:
            out.add(" ".join(syntax.node_text(c).split()))
    return sorted(out)


#: words of a module named for retrying (``retryhandler.py``, ``retry.py``, ``_retry.py``)
_RETRY_MODULE = frozenset({"retry", "retries", "retrying", "retryhandler", "retryable", "backoff"})
#: what a collection of retried failures is called when no retry word says it: the errors a
#: reconnect-and-retry wrapper catches (``connection_errors``, ``recoverable_errors``)
_RETRIED_ERRORS_LEAD = frozenset({"connection", "recoverable", "transient", "retryable", "retriable", "temporary"})
_EXCEPTION_CLASS = re.compile(r"^_*([A-Z]\w*(Error|Exception|Timeout|Exit|Interrupt|Failure)|error|timeout"
                              r"|herror|gaierror)$")


def _retried_errors_name(name: str) -> bool:
    ws = words(name)
    return len(ws) >= 2 and ws[-1] in ("errors", "exceptions") and bool(_RETRIED_ERRORS_LEAD & set(ws[:-1]))


def _error_members(node) -> list[str] | None:
    """The members of a collection of exception classes (``(socket.error, IOError)``,
    ``Transport.connection_errors + (TimeoutError,)``), in no order; None for any other collection.
    Every member is a class (``exceptions.InvalidResponse`` too) and one at least is named a failure."""
    while node is not None and node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    if node is None:
        return None
    members = _members(node)
    return members if members and _exception_classes(members) else None


def _exception_classes(members: list[str]) -> bool:
    """Every member is a class (``exceptions.InvalidResponse`` too) and one at least is named a failure."""
    seen = False
    for m in members:
        last = m.rsplit(".", 1)[-1]
        if _EXCEPTION_CLASS.match(last) or (words(last) and words(last)[-1] in ("errors", "exceptions")):
            seen = True
        elif not re.match(r"^_*[A-Z][a-z]\w*$", last) or not re.match(r"^[\w.]+$", m):
            return False  # a value, a call, a constant: not a collection of classes
    return seen


def _retried_predicate_name(name: str) -> bool:
    """A name for the test of which failures are retried: ``if_transient_error``, ``is_retryable``,
    ``RETRY_PREDICATE``, ``retry_on``; not ``error`` or ``fatal_errors``."""
    ws = set(words(name))
    return bool(_RETRIED_ERRORS_LEAD & ws) or classify(name) == "retry"


def _error_predicate(node) -> str | None:
    """``if_exception_type(A, B)``, ``retry_if_exception_type((A, B))``: a predicate built from exception
    classes by a callee named for matching exceptions, valued as the callee with its classes in no
    order (a class added or taken out is another predicate; the same classes reordered are not). None
    for any other call (a call with keywords, values or calls among its arguments)."""
    if node.type != "call":
        return None
    last = (syntax.callee(node, LANG) or "").rsplit(".", 1)[-1]
    if not {"exception", "exceptions", "error", "errors"} & set(words(last)):
        return None
    args = syntax.arguments(node, LANG)
    members: set[str] = set()
    for key, value in args:
        if key is not None or value is None:
            return None
        got = [syntax.node_text(value)] if value.type in ("identifier", "attribute") else _members(value)
        if not got:
            return None
        members.update(got)
    return f"{last}({', '.join(sorted(members))})" if members and _exception_classes(sorted(members)) else None


def _error_table(node) -> str | None:
    """An exception collection, or a dict of them (``{'GENERAL_CONNECTION_ERROR': [A, B]}``), as
    written in no order; None for anything else. A comment among the pairs is skipped, as among a
    collection's members (:func:`_members`): it says something about the table, it is no entry of it,
    so a commented table is read like any other and its comment reworded is no change."""
    if node.type == "dictionary":
        out = []
        for pair in node.named_children:
            if syntax.is_comment(pair):
                continue
            if pair.type != "pair":
                return None  # a ``**other`` spread: what it holds is not written here
            key, val = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            got = _error_members(val) if val is not None else None
            if key is None or got is None:
                return None
            out.append(f"{syntax.node_text(key)}: {{{', '.join(got)}}}")
        return "{" + "; ".join(sorted(out)) + "}" if out else None
    got = _error_members(node)
    return "{" + ", ".join(got) + "}" if got is not None else None


def _delays_loop(loop) -> bool:
    """``for sleep in sleep_generator: try: ... except ...: time.sleep(sleep)``: a loop over the
    delays between attempts (a backoff generator) that waits its own loop variable."""
    if loop.type != "for_statement":
        return False
    left, body = loop.child_by_field_name("left"), loop.child_by_field_name("body")
    if left is None or body is None or left.type != "identifier":
        return False
    var = syntax.node_text(left)
    return any(c.type == "call" and _is_sleep(syntax.callee(c, LANG)) and any(
        v is not None and syntax.node_text(v) == var for _, v in syntax.arguments(c, LANG)) for c in _own(body))


#: calls that report a failure rather than decide about it
_REPORTS = re.compile(r"(?i)(^|\.)(log\w*|logger|print\w*|debug|info|warn\w*|error|exception|critical|append|add)$")


def _hands_on_error(clause) -> bool:
    """An ``except ... as exc`` that hands the failure to a helper (``_retry_error_helper(exc,
    deadline, ...)``, ``self._handle_error(exc)``), which may end the loop by raising: the loop's
    bound is that helper's, not "never". Logging or collecting the error decides nothing."""
    alias = None
    for c in clause.named_children:
        if c.type == "as_pattern":
            target = c.child_by_field_name("alias")
            alias = syntax.node_text(target) if target is not None else None
    if not alias:
        return False
    for call in syntax.calls(clause, LANG):
        if _REPORTS.search(syntax.callee(call, LANG) or ""):
            continue
        if any(v is not None and syntax.node_text(v) == alias for _, v in syntax.arguments(call, LANG)):
            return True
    return False


def _is_sleep(callee: str) -> bool:
    """``time.sleep``, ``asyncio.sleep``, and a sleep injected for tests (``self._sleep(delay)``,
    ``_sleep = time.sleep``): the wait between attempts, whoever provides it."""
    return callee in _SLEEPS or callee.rsplit(".", 1)[-1].strip("_") == "sleep"


#: calls that wait until a socket is ready (``select.select([], [sock], [], timeout)``, urllib3's
#: ``wait_for_write(sock, timeout)``, ``selector.select(timeout)``, ``poller.poll(timeout)``)
_READY_WAITS = frozenset({"select", "wait_for_read", "wait_for_write", "wait_for_socket", "poll"})


def _waits_ready(excepts) -> bool:
    """``except WantWriteError: select.select([], [sock], [], sock.gettimeout())``: a non-blocking call
    that could not go on waits until the socket can take it and is then tried again. That wait (bounded
    by the socket's timeout, or by nothing) is between the attempts, so it is no retry without backoff;
    a bare ``except WantReadError: continue`` still spins at once."""
    return any(c.type == "call" and (syntax.callee(c, LANG) or "").rsplit(".", 1)[-1] in _READY_WAITS
               and syntax.arguments(c, LANG) for e in excepts for c in _own(e))


def _next_candidate(loop, excepts) -> bool:
    """``while addr_infos: try: connect(addr_infos) except ...: pop_addr_infos(addr_infos); continue``:
    a failure takes a candidate out of what the loop goes over, so the next pass tries another one
    (happy eyeballs, the next host of a list)."""
    if loop.type != "while_statement":
        return False
    cond = loop.child_by_field_name("condition")
    if cond is None or cond.type not in ("identifier", "attribute"):
        return False
    name = syntax.node_text(cond)
    for e in excepts:
        for c in syntax.calls(e, LANG):
            callee = syntax.callee(c, LANG)
            if callee.startswith(name + ".") and callee.rsplit(".", 1)[-1] in ("pop", "popleft", "remove", "clear"):
                return True
            if any(v is not None and syntax.node_text(v) == name for _, v in syntax.arguments(c, LANG)):
                return True
    return False


def _timeout_kw(name: str) -> bool:
    """A keyword that sets a timeout: ``timeout``, ``connect_timeout``, ``socket_timeout``; not a
    handler of one (``timeout_callback``) nor a retry flag named after it (``retry_on_timeout`` says
    which failures are retried, it bounds no wait)."""
    return bool(_TIMEOUT_KW.match(name)) and not _NOT_TIMEOUT_KW.search(name) and classify(name) != "retry"


def _policy_callee(callee: str, kind: str) -> bool:
    """A call that builds a policy of ``kind``: some part of its dotted name says so (``retry.Retry``,
    ``retry.if_exception_type``, ``timeout.ExponentialTimeout``, ``backoff.expo``)."""
    for part in callee.split("."):
        ws = set(words(part))
        if kind == "retry" and ws & {"retry", "retries", "retrying", "backoff"}:
            return True
        if kind == "timeout" and ws & {"timeout", "deadline"}:
            return True
    return False


def _policy_class(name: str, kind: str) -> bool:
    """A class that is a policy of ``kind`` by its name: ``Retry``, ``AsyncRetry``, ``RetryPolicy``,
    ``ExponentialBackoff``, ``ExponentialTimeout``; not ``RetryCallState`` or ``RetryError``."""
    ws = words(name)
    ends = {"retry": ("retry", "retrying", "policy", "strategy", "backoff"), "timeout": ("timeout", "deadline")}[kind]
    return name[:1].isupper() and bool(ws) and ws[-1] in ends and classify(name) == kind and _policy_callee(name, kind)


#: verbs of a function that builds or installs a retry policy (``create_retry_handler(config, key)``)
_FACTORY_VERBS = frozenset({"create", "make", "build", "new", "register", "install"})


def _policy_factory(name: str) -> bool:
    """A function that builds or installs a retry policy by its name: ``create_retry_handler``,
    ``build_retry_config``, ``make_backoff``, ``register_retry_handler``. Where such a call is added
    or removed, requests gain or lose a retry policy (a client wiring the data-driven retry handler of
    each operation); its arguments changing picks another policy. Not ``get_retry_count`` (a read)."""
    ws = words(name)
    return name[:1].islower() and len(ws) >= 2 and ws[0] in _FACTORY_VERBS and bool(
        set(ws[1:]) & {"retry", "retries", "retrying", "backoff", "retrier"})


_TIMEOUT_SCOPES = frozenset({"move_on_after", "fail_after", "move_on_at", "fail_at", "timeout_at"})


def _timeout_scope(call, last: str) -> bool:
    """A call that opens a ``with`` block under a deadline: the value of a ``with`` item (``as`` or
    not) whose callee is named for a timeout (``ceil_timeout``, ``Timeout``) or is one of trio's and
    anyio's scopes (``fail_after``, ``move_on_after``)."""
    p = call.parent
    if p is not None and p.type == "as_pattern":
        p = p.parent
    if p is None or p.type != "with_item":
        return False
    return last in _TIMEOUT_SCOPES or classify(last) == "timeout"


def _plain_retry(call) -> tuple[str, str] | None:
    """(keyword, value) when a ``Retry(...)`` handed to a keyword says no more than a plain value
    would: ``retries=Retry(False)`` or ``retries=Retry(total=3)`` is ``retries=False`` or
    ``retries=3`` written another way (urllib3 wraps a plain value in the same ``Retry``)."""
    p = call.parent
    if p is None or p.type != "keyword_argument":
        return None
    args = syntax.arguments(call, LANG)
    if len(args) != 1 or args[0][0] not in (None, "total"):
        return None
    value = args[0][1]
    if value is None or value.type not in ("false", "true", "integer", "none"):
        return None
    return syntax.node_text(p.child_by_field_name("name")), syntax.node_text(value)


def _policy_binding(node, name: str) -> bool:
    """Module or class level, an upper-case constant, or a field set in ``__init__``."""
    if name.lstrip("_").isupper():
        return True
    func = _enclosing_scope_node(node)
    if func is None:
        return True
    fname = syntax.node_text(func.child_by_field_name("name"))
    return fname == "__init__" and name.startswith("self.")


def _raised(node) -> bool:
    """Inside a ``raise``: an exception named after retrying (``RetryError(...)``) is no policy."""
    return syntax.has_ancestor(node, ("raise_statement",), ("function_definition", "module"))


# -- more helpers ---------------------------------------------------------------------------------------

_OWN_STOP = frozenset(_FUNCS | {"class_definition"})  # what _own does not descend into


def _own(node):
    """Nodes under ``node`` not inside a nested function (its body belongs to another scope)."""
    return syntax.walk_within(node, _OWN_STOP)


#: exceptions that say a container is empty or an iterator is done: a loop catching only these polls
#: for work (a pool's free connections, a queue), it does not retry a failed operation
_NOT_FAILURES = frozenset({"IndexError", "KeyError", "LookupError", "StopIteration", "StopAsyncIteration", "Empty",
                           "QueueEmpty"})


def _loop_of(node):
    """The nearest loop around ``node`` in the same function."""
    return syntax.ancestor(node, _LOOPS, _OWN_STOP)


def _caught_names(clause) -> set[str]:
    """The exception names an ``except`` clause catches, last dotted part only (``socket.timeout`` ->
    ``timeout``); empty for a bare ``except:``."""
    caught = [c for c in clause.named_children if c.type not in ("block", "comment")]
    return {syntax.node_text(n).rsplit(".", 1)[-1] for c in caught[:1] for n in syntax.walk(c)
            if n.type in ("identifier", "attribute") and n.parent is not None
            and n.parent.type not in ("attribute", "as_pattern_target")}  # ``as e``: the alias is no failure


def _retries_on_failure(try_node) -> bool:
    """Whether some ``except`` of a try lets the loop go round again after a failure: it does not end
    by re-raising or by leaving (``return``/``break``: the failure ends the loop, a fallback), and it
    catches an operation's failure rather than an empty container."""
    for clause in try_node.named_children:
        if clause.type != "except_clause":
            continue
        names = _caught_names(clause)
        if names and names <= _NOT_FAILURES:
            continue
        block = next((c for c in clause.named_children if c.type == "block"), None)
        stmts = [c for c in block.named_children if c.type != "comment"] if block is not None else []
        if stmts and stmts[-1].type in ("raise_statement", "return_statement", "break_statement"):
            continue  # re-raises, or gives up (``except Exception: log(...); return None``): a fallback
        return True
    return False


def _queue_get(call) -> bool:
    """``self.inbound.get(timeout=0.3)``, ``q.get(block=True, timeout=1)``: an item taken from an
    in-process queue (nothing but ``block``/``timeout``; an HTTP ``get`` names what it fetches). How long
    it waits for another thread paces the caller, it bounds no wait for a peer."""
    name = syntax.callee(call, LANG)
    args = syntax.arguments(call, LANG)
    keys = {k for k, _ in args}
    return name.rsplit(".", 1)[-1] == "get" and "." in name and bool(args) and None not in keys \
        and keys <= {"block", "timeout"}


#: what a wait for work raises when nothing came in time
_NOTHING_CAME = frozenset({"Empty", "QueueEmpty", "timeout", "TimeoutError", "Timeout", "ReadTimeout", "WouldBlock"})


def _poll_wait(call) -> bool:
    """Whether a call with a timeout is a poll: it sits in the ``try`` of a loop that goes round
    again whatever happens (nothing in the try or its ``else`` leaves the loop), and its ``except``
    for "nothing came" (``Empty``, ``socket.timeout``) only goes on (``pass``/``continue``). Its
    timeout paces the loop (``drain_events(timeout=1)`` in a consumer thread, ``queue.get(timeout=1)``
    in a worker); a retry loop around a call leaves the loop when the call succeeds, so a
    per-attempt timeout there is still a timeout."""
    t = syntax.ancestor(call, ("try_statement",), _OWN_STOP | _LOOPS)
    if t is None or _loop_of(t) is None:
        return False
    body = t.child_by_field_name("body")
    if body is None or not _within(call, body):
        return False
    loop = _loop_of(t)
    leaves = [n for c in t.named_children if c.type in ("block", "else_clause") for n in _own(c)
              if n.type in ("return_statement", "break_statement", "raise_statement") and _loop_of(n) == loop]
    if leaves:
        return False
    for clause in t.named_children:
        if clause.type != "except_clause":
            continue
        names = _caught_names(clause)
        last = _last_statement(clause)
        if names and names <= _NOTHING_CAME and (last is None or last.type in ("pass_statement",
                                                                               "continue_statement")):
            return True
    return False


def _moves_on(try_node) -> bool:
    """Whether an ``except`` points the next pass at something else: it assigns a new value (not a
    count: ``attempt += 1``, ``delay = delay * 2``) to a name the ``try`` hands to a call (``path =
    parent`` before ``os.stat(path)``, ``host = next(hosts)``). Each pass then tries another input;
    retrying runs the same operation again."""
    body = try_node.child_by_field_name("body")
    assigned = set()
    for clause in try_node.named_children:
        if clause.type != "except_clause":
            continue
        for n in _own(clause):
            if n.type == "assignment":
                left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
                if left is not None and left.type == "identifier" and right is not None \
                        and right.type not in ("integer", "float") \
                        and syntax.node_text(left) not in {syntax.node_text(i) for i in syntax.walk(right) if i.type == "identifier"} \
                        and classify(syntax.node_text(left)) is None:
                    assigned.add(syntax.node_text(left))
    if not assigned or body is None:
        return False
    for call in syntax.calls(body, LANG):
        args = call.child_by_field_name("arguments")
        if args is not None and any(n.type == "identifier" and syntax.node_text(n) in assigned
                                    for n in syntax.walk(args)):
            return True
    return False


#: statements that end a pass of a loop one way or another
_LEAVES = {"return_statement": "return", "raise_statement": "raise", "break_statement": "break",
           "continue_statement": "continue"}


def _exception_groups(src: syntax.Source) -> dict[str, list[str]]:
    """``RETRYABLE = (ConnectionError, socket.timeout)`` at a module's or class's top: a name -> the
    exception names it groups (last dotted part), so that ``except RETRYABLE:`` catches what ``except
    (ConnectionError, socket.timeout):`` did. Once per image."""

    def index() -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for scope in (src.root, *[b for c in syntax.nodes_of_types(src.root, LANG, ("class_definition",))
                                  for b in [c.child_by_field_name("body")] if b is not None]):
            for stmt in scope.named_children:
                n = stmt.named_children[0] if stmt.type == "expression_statement" and stmt.named_children else None
                if n is None or n.type != "assignment":
                    continue
                left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
                if left is None or right is None or left.type != "identifier" or right.type not in ("tuple", "list"):
                    continue
                members = [m for m in right.named_children if not syntax.is_comment(m)]
                if members and all(m.type in ("identifier", "attribute") for m in members):
                    out.setdefault(syntax.node_text(left), [syntax.node_text(m).rsplit(".", 1)[-1] for m in members])
        return out

    return syntax.image_memo(src, "python.exception_groups", index)


def _loop_decision(loop, tries, sleeps, groups: dict[str, list[str]] | None = None) -> str:
    """A hand-written retry loop valued by what decides whether it tries again: its header (the bound),
    each ``except`` of its retrying ``try`` with the failures it catches and how it ends the pass
    (goes round, re-raises, gives up), and what it waits between passes. So a loop that now retries
    one more error, or gives up on one it used to retry (``except ReadTimeoutError: return None``,
    ``except Exception`` narrowed to ``except PyMongoError``), differs from the loop before it, while
    a renamed exception alias, a new log line or a reworded message does not. ``#`` marks a digest
    (``retry_timeout._differs``: "what the loop decides changed")."""
    head = loop.child_by_field_name("condition") if loop.type == "while_statement" else loop.child_by_field_name("right")
    parts = ["head:" + _plain(head)]
    for t in tries:
        for clause in t.named_children:
            if clause.type != "except_clause":
                continue
            ends = sorted({_LEAVES[n.type] + _guard(n, clause) for n in _own(clause)
                           if n.type in _LEAVES and _loop_of(n) == loop})
            last = _last_statement(clause)
            caught = {m for name in _caught_names(clause) for m in (groups or {}).get(name, [name])}
            parts.append("except:" + ",".join(sorted(caught) or ["*"]) + ":" + ",".join(ends)
                         + ":" + (_LEAVES.get(last.type, "on") if last is not None else "on"))
    parts.extend("wait:" + _plain(s.child_by_field_name("arguments")) for s in sleeps)
    return "#" + "|".join(parts)


def _guard(leave, clause) -> str:
    """The conditions under which an ``except`` gives up (``raise``/``return``/``break`` under
    ``if self.fileno() == -1:``): a new reason to stop retrying is a retry change. Going round
    again (``continue``) is what the clause does anyway, whatever guards it."""
    if leave.type == "continue_statement":
        return ""
    conds = []
    p = leave.parent
    while p is not None and p != clause:
        if p.type in ("if_statement", "elif_clause"):
            conds.append(_deciding(p.child_by_field_name("condition")))
        p = p.parent
    return "@" + "&".join(sorted(conds)) if conds else ""


_KEYWORDS = frozenset({"and", "or", "not", "is", "in", "None", "True", "False"})


def _deciding(node) -> str:
    """What a condition decides with: operators, numbers, keywords, constants, error classes and
    retry/timeout names; a helper, a receiver or a clock read another way (``_time()`` ->
    ``time.monotonic()``) decides nothing new."""
    if node is None:
        return ""
    out = set()
    for t in re.findall(r"[A-Za-z_]\w*|\d+(?:\.\d+)?|[<>=!]=?|[-+*/%]", syntax.node_text(node)):
        if not (t[0].isalpha() or t[0] == "_") or t in _KEYWORDS or classify(t) is not None \
                or re.fullmatch(r"_*[A-Z][A-Z0-9_]+|\w*(Error|Exception)", t):
            out.add(t.lstrip("_") or t)
    return " ".join(sorted(out))


def _plain(node) -> str:
    """An expression's words and operators, without layout, receivers or private markers: a renamed
    ``self._delay`` -> ``self.delay`` or a re-wrapped call reads the same."""
    if node is None:
        return ""
    text = re.sub(r"\b(self|cls)\.", "", syntax.node_text(node))
    return " ".join(t.lstrip("_") for t in re.findall(r"\w+|[^\w\s]", text))


def _last_statement(clause):
    block = next((c for c in clause.named_children if c.type == "block"), None)
    stmts = [c for c in block.named_children if c.type != "comment"] if block is not None else []
    return stmts[-1] if stmts else None


def _eintr(excepts) -> bool:
    """A system call retried on ``EINTR`` (``except InterruptedError: continue``): the correct idiom,
    not a retry of a failed operation."""
    return any("InterruptedError" in syntax.node_text(e) or "EINTR" in syntax.node_text(e) for e in excepts)


def _within(node, outer) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def _under_if(n, stop) -> bool:
    p = n.parent
    while p is not None and p != stop:
        if p.type in ("if_statement", "elif_clause"):
            return True
        p = p.parent
    return False


def _grown_names(body) -> set[str]:
    """Names multiplied or shifted in the loop body (``delay *= 2``, ``delay = delay * 2``)."""
    out: set[str] = set()
    for n in _own(body):
        if n.type == "augmented_assignment":
            op = syntax.node_text(n.child_by_field_name("operator"))
            if op in ("*=", "<<=", "**="):
                out.add(syntax.node_text(n.child_by_field_name("left")))
        elif n.type == "assignment":
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            if left is not None and right is not None and right.type == "binary_operator":
                op = syntax.node_text(right.child_by_field_name("operator"))
                if op in ("*", "<<", "**") and syntax.node_text(left) in syntax.node_text(right):
                    out.add(syntax.node_text(left))
    return out


def _decorated_function(node):
    deco = node.parent
    if deco is None or deco.parent is None or deco.parent.type != "decorated_definition":
        return None
    return deco.parent.child_by_field_name("definition")


def _enclosing_scope_node(node):
    return syntax.ancestor(node, ("function_definition",))


def _is_kw_value(node) -> bool:
    p = node.parent
    return p is not None and p.type == "keyword_argument"


def _tenacity_wait(value) -> tuple[str | None, bool]:
    names = [syntax.callee(c, LANG).rsplit(".", 1)[-1] for c in syntax.calls(value, LANG)]
    if value.type == "identifier":
        names.append(syntax.node_text(value))
    backoff: str | None = None
    jitter = False
    for n in names:
        if n in ("wait_exponential", "wait_random_exponential", "wait_exponential_jitter", "wait_incrementing"):
            backoff = "exponential"
        elif n in ("wait_fixed", "wait_random", "wait_chain", "wait_combine") and backoff is None:
            backoff = "fixed"
        elif n == "wait_none" and backoff is None:
            backoff = "none"
        if n in ("wait_random_exponential", "wait_exponential_jitter", "wait_random"):
            jitter = True
    return backoff, jitter


def _method(node) -> str | None:
    """POST/PATCH when the retried body sends one (``requests.post``, ``session.request("POST", ...)``)."""
    for c in syntax.calls(node, LANG):
        if syntax.inside_comment_or_string(c):
            continue
        name = syntax.callee(c, LANG)
        last = name.rsplit(".", 1)[-1]
        if last in ("post", "patch") and "." in name:
            return last.upper()
        if last in ("request", "urlopen", "Request"):
            for k, v in syntax.arguments(c, LANG):
                if (k in (None, "method")) and v is not None and v.type == "string":
                    m = syntax.node_text(v).strip("'\"").upper()
                    if m in ("POST", "PATCH"):
                        return m
    return None


def _passes_options_on(call) -> bool:
    """Whether a call hands on a mapping of keyword options it does not spell out (``**kwargs``)."""
    args = call.child_by_field_name("arguments")
    return args is not None and any(a.type == "dictionary_splat" for a in args.named_children)


def _library(name: str) -> str:
    head = name.split(".", 1)[0]
    for lib in ("requests", "httpx", "aiohttp", "grpc", "redis", "psycopg", "psycopg2", "urllib", "socket",
                "boto3", "asyncio", "subprocess"):
        if head == lib or head.startswith(lib):
            return lib
    if "session" in head.lower():
        return "requests"
    if name.endswith("urlopen"):
        return "urllib"
    return "call"


def _timedelta(args, consts) -> float | None:
    return durations.timedelta_seconds(args, lambda v: _number(v, consts))


def _number(node, consts: dict[str, float]) -> float | None:
    """A numeric constant expression: literals, module constants, + - * / and unary minus."""
    if node is None:
        return None
    t = node.type
    if t in ("integer", "float"):
        try:
            return float(syntax.node_text(node).replace("_", ""))
        except ValueError:
            try:
                return float(int(syntax.node_text(node).replace("_", ""), 0))
            except ValueError:
                return None
    if t == "identifier":
        return consts.get(syntax.node_text(node))
    if t == "attribute":
        return consts.get(syntax.node_text(node).rsplit(".", 1)[-1]) if syntax.node_text(node).split(".")[0] in (
            "self", "cls") else None
    if t == "parenthesized_expression" and node.named_children:
        return _number(node.named_children[0], consts)
    if t == "unary_operator":
        v = _number(node.named_children[-1], consts) if node.named_children else None
        return -v if v is not None and syntax.node_text(node).startswith("-") else v
    if t == "binary_operator":
        a = _number(node.child_by_field_name("left"), consts)
        b = _number(node.child_by_field_name("right"), consts)
        if a is None or b is None:
            return None
        op = syntax.node_text(node.child_by_field_name("operator"))
        try:
            return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None, "**": a ** b,
                    "//": a // b if b else None}.get(op)
        except (OverflowError, ZeroDivisionError):
            return None
    if t == "call" and syntax.callee(node, LANG) in ("timedelta", "datetime.timedelta"):
        return _timedelta(syntax.arguments(node, LANG), consts)
    if t == "call" and syntax.callee(node, LANG) in ("float", "int") and syntax.arguments(node, LANG):
        return _number(syntax.arguments(node, LANG)[0][1], consts)
    return None


#: a value that stands for "not passed" and for nothing else (``_unset``, ``NOT_SET``, ``_MISSING``)
_SENTINEL = re.compile(r"^_*(unset|missing|not_?set|not_?given|sentinel|no_?value)$", re.I)


def _presence_check(node) -> bool:
    """Whether a retry- or timeout-named name is only tested for having been passed at all:
    ``previous_attempt_number is _unset``, ``timeout is NOT_SET``. Such a test fills in a value
    that is judged on its own; it changes no attempt limit, delay or wait. ``None`` is not such a
    marker in Python: ``timeout=None`` means "wait forever" to sockets, requests and urllib3, and a
    default-timeout object (``DEFAULT_TIMEOUT``) means "the global socket default", so testing for
    either decides how long a call waits."""
    n = node
    while n.parent is not None and n.parent.type == "attribute":
        n = n.parent
    p = n.parent
    if p is None or p.type != "comparison_operator" or len(p.named_children) != 2:
        return False
    ops = {syntax.node_text(c) for c in p.children if not c.is_named}
    if not ops or not ops <= {"is", "is not", "==", "!="}:
        return False
    return any(side.type in ("identifier", "attribute") and bool(
        _SENTINEL.match(syntax.node_text(side).rsplit(".", 1)[-1])) for side in p.named_children)


#: the last word of a name that holds a scheduled callback or a running wait, not a duration or a count
_HANDLE = frozenset({"handle", "handler", "task", "future", "fut", "waiter", "timer", "callback", "cb", "event"})


#: words after a leading "attempt" that make it a count of tries (``attempt_limit``), not the verb
_COUNTED = frozenset({"count", "counts", "limit", "limits", "max", "maximum", "number", "num", "total", "timeout",
                      "timeouts", "deadline", "delay", "backoff", "interval"})
#: words of a timeout-named name that make it a lifetime (renewed or removed after it), not a wait
_LIFETIME = frozenset({"refresh", "renew", "renewal", "delete", "deletion", "eviction", "evict", "purge"})


def _attempt_verb(name: str) -> bool:
    """``attempt_direct_path``: "attempt" the verb leading a name (try this way first), not a number
    of tries (``attempt_limit``, ``max_attempts``)."""
    ws = words(name.rsplit(".", 1)[-1])
    return len(ws) > 1 and ws[0] == "attempt" and not set(ws[1:]) & _COUNTED


_BUDGET_LEAD = frozenset({"retry", "retries", "retrying", "backoff"})


def _retry_budget(path: str, scope: str) -> bool:
    """Whether a timeout-named value in ``scope`` of ``path`` is a retry's time budget: it sits in a
    retry policy class (``class AsyncRetry``, ``_BaseRetry``, ``RetryPolicy``), in a function whose name
    leads with retrying (``retry_target``, ``retry_over_time``), or at module level of a module named
    for retrying (``retry_async.py``: its ``_DEFAULT_DEADLINE``). How long to keep trying is part of the
    retry policy (labelling rules: google-api-core's ``deadline``, kombu's ``retry_over_time(timeout=)``),
    not a wait of one call; a per-attempt timeout handed to a call there stays a timeout (the callers
    of this check only look at settings and conditions, never at calls)."""
    parts = [p for p in scope.split(".") if p and p != "__init__"] if scope else []
    for part in parts:
        ws = words(part)
        if part.lstrip("_")[:1].isupper() and _policy_class(part.lstrip("_"), "retry"):
            return True
        if part.lstrip("_")[:1].islower() and ws and ws[0] in _BUDGET_LEAD:
            return True
    if parts:
        return False
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0].lstrip("_")
    ws = words(stem)
    return bool(ws) and (ws[0] in _BUDGET_LEAD or stem.lower().startswith(("retry", "retries"))) \
        and classify(stem) == "retry"


def recast_setting(source: syntax.Source, setting: Construct) -> Construct:
    """A timeout-named setting that is a retry's time budget (:func:`_retry_budget`) is a retry setting."""
    if setting.kind == "timeout" and _retry_budget(source.path, setting.scope):
        return replace(setting, kind="retry", seconds=None)
    return setting


def _keyword_arguments(source: syntax.Source) -> dict[int, list]:
    """The image's ``keyword_argument`` nodes by the line they start on, in document order (the order a
    walk meets them), once per image."""
    def index() -> dict[int, list]:
        out: dict[int, list] = {}
        for node in syntax.nodes_of_types(source.root, source.language, ("keyword_argument",)):
            out.setdefault(syntax.line_of(node), []).append(node)
        return out
    return syntax.image_memo(source, "python.keyword_arguments", index)


def keeps_setting(source: syntax.Source, setting: Construct) -> bool:
    """Whether a setting the shared settings scan found is one here: a handle of a scheduled callback
    (``self._keepalive_handle = None``, ``self._retry_future = None``) is state, not a setting; and a
    ``timeout=`` keyword of a call that polls (:func:`_poll_wait`) paces a loop, it bounds no operation."""
    ws = words(setting.target.rsplit(".", 1)[-1])
    if ws and ws[-1] in _HANDLE:
        return False
    if setting.kind == "retry" and _attempt_verb(setting.target):
        return False
    if any(re.search(r"(Error|Exception|Warning)$", part) for part in setting.scope.split(".")):
        return False  # ``HostChangedError(url, retries=3)``: a failure reports how it came about, it sets nothing
    if setting.kind == "timeout" and heartbeat_only(setting.target) and setting.value.strip() in (
            "True", "False", "option True", "option False"):
        return False  # ``tcp_keepalive=False``: keep-alive probes switched on or off, no wait is bounded
    if setting.kind == "timeout" and set(ws) & _LIFETIME:
        return False  # ``_DEFAULT_ADVISORY_REFRESH_TIMEOUT``, ``AUTO_DELETE_TIMEOUT``: when something is renewed or
        # removed (a lifetime), not how long a call waits
    if setting.kind != "timeout":
        return True
    row = setting.line - 1
    lines = source.lines()
    if not 0 <= row < len(lines):
        return True
    around = source.root.descendant_for_point_range((row, 0), (row, len(lines[row])))
    # the keyword arguments on the setting's line within ``around``: read from an index of the image's
    # keyword arguments by line, not by a walk of ``around``, which is the whole block when the line is
    # indented (1,000 timeouts in one function: 1,000 walks of it, quadratic)
    for node in _keyword_arguments(source).get(setting.line, ()) if around is not None else ():
        if not (around.start_byte <= node.start_byte and node.end_byte <= around.end_byte):
            continue
        name = node.child_by_field_name("name")
        call = node.parent.parent if node.parent is not None else None
        if name is not None and syntax.node_text(name) == setting.target and call is not None \
                and call.type == "call" and (_poll_wait(call) or _queue_get(call)):
            return False
    return True


#: an exception that says a value was rejected, not that an operation failed or ran out of attempts
_REJECTED = re.compile(r"^Invalid\w*(Error|Exception)$"
                       r"|(Value|Range|Type|Config|Configuration|Argument|Validation|Param\w*)(Error|Exception)$")


def decides_nothing(node) -> bool:
    """Whether a retry- or timeout-named name on a changed line takes part in no retry or timeout
    decision although it sits in a condition: a test of whether it was passed (:func:`_presence_check`),
    a check that only raises a "bad value" error (``if retries < 0: raise ValueError(...)``: valid
    settings behave as before), a bookkeeping object (``retries_context``, ``retry_model``), an option
    copied when present, "attempt" the verb, a condition that only warns or logs; and for a timeout
    name, an exception class (:func:`_timeout_error`), a test that only picks which exception reports a
    failure, or a retry's time budget (:func:`_retry_budget`: retry policy, not a wait)."""
    name = syntax.node_text(node)
    if _presence_check(node) or bookkeeping(name) or _only_rejects(node) or _copy_guard(node) \
            or _attempt_verb(name) or _only_tells(node):
        return True
    if classify(name) != "timeout":
        return False
    return _timeout_error(node) or _picks_the_error(node) or _retry_budget("", syntax.qualname_at(node, LANG) or "-")


#: calls that tell someone about a setting rather than apply it
_TELLS = re.compile(r"(?i)(^|\.)(warn\w*|log\w*|logger|debug|info|print\w*|notice)$")


#: leading verbs of a call that (re)arms a timeout: when the wait starts counting is part of the timeout
_ARMS = frozenset({"reschedule", "schedule", "arm", "rearm", "restart", "extend"})


def decides_too(node) -> bool:
    """A call as a statement that starts, arms or cancels a retry (``_ATTEMPT``), and
    ``self._reschedule_timeout()``: arming a timeout again (after data arrived, on
    resume) decides when the wait gives up, so a line that adds, drops or conditions such a call is
    timeout logic although nothing is compared (``retry_timeout._logic_lines`` asks this beside its own
    test). Cancelling one (``_cancel_timeout()``) on close is cleanup and is not asked about."""
    p = node.parent
    if p is not None and p.type == "attribute" and p.child_by_field_name("attribute") == node:
        p = p.parent
    if p is None or p.type != "call" or p.parent is None or p.parent.type != "expression_statement":
        return False
    ws = words(syntax.node_text(node))
    if _ATTEMPT.match(syntax.node_text(node)):
        return True  # ``self._reconnect()``, ``self._schedule_retry()``: as in JavaScript (``_starts_attempt``)
    return bool(ws) and ws[0] in _ARMS and classify(syntax.node_text(node)) == "timeout"


#: a call that starts another attempt, or arms or cancels the pending one (``self._reconnect()``,
#: ``self._schedule_reconnect()``, ``self._cancel_retry_timer()``): whether the next attempt runs
_ATTEMPT = re.compile(r"^_*((schedule|start|trigger|do|setup|set_up|arm|rearm|restart|clear|cancel)_)?"
                      r"(retry|reconnect)(_(request|connection|connect|timer))?$", re.I)


def _sole_branch_body(node) -> list | None:
    """The statements of the body of the ``if`` (no ``elif``/``else``) in whose condition ``node`` sits,
    comments left out; None when it sits in no such condition."""
    p = syntax.ancestor(node, ("if_statement",), ("block", "module", "function_definition"))
    if p is None or p.child_by_field_name("alternative") is not None:
        return None
    cond, body = p.child_by_field_name("condition"), p.child_by_field_name("consequence")
    if cond is None or body is None or not _within(node, cond):
        return None
    return [c for c in body.named_children if c.type != "comment"]


def _only_tells(node) -> bool:
    """A name in the condition of an ``if`` (no ``elif``/``else``) whose body only warns or logs
    (``if timeout.read is not None: warnings.warn("granular timeouts are ignored", ...)``): what is
    said about a setting changes no attempt and no wait."""
    stmts = _sole_branch_body(node)
    if stmts is None:
        return False
    for st in stmts:
        expr = st.named_children[0] if st.type == "expression_statement" and st.named_children else None
        if expr is None or expr.type != "call" or not _TELLS.search(syntax.callee(expr, LANG) or ""):
            return False
    return bool(stmts)


def _picks_the_error(node) -> bool:
    """A timeout-named name in the condition of an ``if`` inside an ``except`` clause where every way
    through raises: ``if exc.errno == EAGAIN and timeout != 0: raise Empty() else: raise``, or ``if
    timeout and elapsed > timeout: raise socket.timeout(...)`` followed by ``raise SSLError(...)``. The
    failure is reported either way; the condition picks which exception says so (error mapping), it
    neither waits nor gives up any sooner."""
    cond_if = syntax.ancestor(node, ("if_statement", "elif_clause"), ("block", "function_definition", "module"))
    if cond_if is None:
        return False
    cond = cond_if.child_by_field_name("condition")
    if cond is None or not _within(node, cond):
        return False
    if cond_if.type == "elif_clause":
        cond_if = cond_if.parent
    if syntax.ancestor(cond_if, ("except_clause",), _OWN_STOP | _LOOPS) is None:
        return False

    def raises(block) -> bool:
        stmts = [c for c in block.named_children if c.type != "comment"] if block is not None else []
        return bool(stmts) and stmts[-1].type == "raise_statement"

    branches = [cond_if.child_by_field_name("consequence")] + [
        c.child_by_field_name("consequence") if c.type == "elif_clause" else next(
            (b for b in c.named_children if b.type == "block"), None)
        for c in cond_if.named_children if c.type in ("elif_clause", "else_clause")]
    if not all(raises(b) for b in branches):
        return False
    if any(c.type == "else_clause" for c in cond_if.named_children):
        return True
    after = cond_if.next_named_sibling
    while after is not None and after.type == "comment":
        after = after.next_named_sibling
    return after is not None and after.type == "raise_statement"


def _timeout_error(node) -> bool:
    """A timeout-named name that is an exception class, not a wait: raised (``raise Timeout(...)``,
    ``raise ReadTimeoutError if ... else err``), caught (``except socket.timeout:``) or tested for
    (``isinstance(err, socket.timeout)``). Mapping one failure to another changes how long nothing
    waits; which failures a retry loop retries is judged by the loop itself (its ``except`` clauses)."""
    if classify(syntax.node_text(node)) != "timeout":
        return False
    top = node
    while top.parent is not None and top.parent.type == "attribute":
        top = top.parent
    last = syntax.node_text(top).rsplit(".", 1)[-1]
    p = top.parent
    while p is not None and p.type not in ("block", "module", "function_definition", "class_definition"):
        if p.type == "raise_statement":
            return last[:1].isupper() or top.type == "attribute"  # a class, or ``socket.timeout``
        if p.type == "except_clause":
            return True  # in the clause's head: the blocks stop the walk
        if p.type == "argument_list" and p.parent is not None and p.parent.type == "call" \
                and syntax.callee(p.parent, LANG) in ("isinstance", "issubclass") \
                and p.named_children[-1:] and _within(top, p.named_children[-1]):
            return True
        p = p.parent
    return False


def _copy_guard(node) -> bool:
    """``if retry.allowed_methods: new.allowed_methods = list(retry.allowed_methods)``: an option
    copied only when it is there. The test is the option itself (no comparison, no ``not``) and every
    statement of the body is an assignment that reads it: what it holds is handed on as it was."""
    p = node
    while p.parent is not None and p.parent.type in ("attribute", "subscript"):
        p = p.parent
    stmt = p.parent
    if stmt is None or stmt.type != "if_statement" or stmt.child_by_field_name("condition") != p \
            or stmt.child_by_field_name("alternative") is not None:
        return False
    tested = syntax.node_text(p)
    body = stmt.child_by_field_name("consequence")
    stmts = [c for c in body.named_children if c.type != "comment"] if body is not None else []
    for st in stmts:
        expr = st.named_children[0] if st.type == "expression_statement" and st.named_children else None
        right = expr.child_by_field_name("right") if expr is not None and expr.type == "assignment" else None
        if right is None or tested not in syntax.node_text(right):
            return False
    return bool(stmts)


def _only_rejects(node) -> bool:
    """``node`` is in the condition of an ``if`` (no ``elif``/``else``) whose body only raises an
    exception named for a rejected value."""
    stmts = _sole_branch_body(node)
    if stmts is None:
        return False
    if len(stmts) != 1 or stmts[0].type != "raise_statement" or not stmts[0].named_children:
        return False
    raised = stmts[0].named_children[0]
    name = syntax.callee(raised, LANG) if raised.type == "call" else syntax.node_text(raised)
    return bool(_REJECTED.search((name or "").rsplit(".", 1)[-1]))


#: Python's hooks for ``features.retry_timeout`` (``resilience.Hooks``)
HOOKS = Hooks(keeps_setting=keeps_setting, recast_setting=recast_setting, decides_nothing=decides_nothing,
              decides_too=decides_too)


#: classes that report what happened (a failure, a response, a result, an event), by the last word of
#: their name: a retry count or a timeout they are built with is data about one call, not a setting
_REPORT_CLASS = re.compile(r"(Error|Exception|Warning|Response|Result|Reply|Outcome|Event|Record|Report|Summary"
                           r"|Stats|Metadata)$")
#: methods that wait for a thread, event, condition, process or future, with their limit first
_WAITS_GIVEN = frozenset({"wait", "join", "result"})
