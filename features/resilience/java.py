"""Retry and timeout constructs in Java.

Retries: Spring Retry ``@Retryable`` and ``RetryTemplate.builder()``, resilience4j ``@Retry`` and
``RetryConfig.custom()``, Failsafe ``RetryPolicy.builder()``, Guava-retrying ``RetryerBuilder``, and
hand-written loops (a loop whose ``try`` exits on success and whose ``catch`` goes round again).
Timeouts: OkHttp and java.net.http builders, ``HttpURLConnection``/``RestTemplate`` request factories,
Apache ``RequestConfig``, JDBC ``setQueryTimeout``, ``@Transactional(timeout)``,
``CompletableFuture.orTimeout``/``get(n, unit)``, Reactor ``timeout``/``responseTimeout``,
``Socket.setSoTimeout``. Call sites for ``timeout.missing``: ``HttpClient.send``, ``openConnection``,
``RestTemplate`` exchanges and JDBC statement executions.

Builder chains are read link by link (``RetryConfig.custom().maxAttempts(5).waitDuration(…)``), so
values are taken from the method that sets them, never from text; comments and strings never match.
Defaults relied on are listed, with sources, in ``docs/retry_timeout_js_java.md``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from mergeguard.features import syntax
from mergeguard.features.resilience import durations, policy_functions, recursion, settings
from mergeguard.features.resilience.jvm import decides_nothing, delay_functions, ends_by_flag, keeps_setting, moves_on
from mergeguard.features.resilience.jvm import (BLOCKS, POLLS, RETRY_SWITCH, STRATEGY, WAITS, asks_policy, circuit_breaker,
                                               computed_kind, handed_on, not_a_delegating_overload, not_a_fallback,
                                               not_an_accessor, passed_through, policy_name, policy_object_kind,
                                               policy_object_value, given_to_strategy, polls_in_a_loop, retry_after,
                                               setting_name, worked_out)
from mergeguard.features.resilience import (COMPUTED, INFINITE, Hooks, LineScopedScanner, Scan, applied_value, folded,
                                           loop_bound, walks_collection)

L = "java"
_LOOPS = frozenset({"for_statement", "while_statement", "do_statement"})
_NESTED = frozenset({"lambda_expression", "class_body", "method_declaration"}) | _LOOPS
_UNIT_SECONDS = durations.TIMEUNIT
_DURATION = {"ofNanos": 1e-9, "ofMillis": 1e-3, "ofSeconds": 1.0, "ofMinutes": 60.0, "ofHours": 3600.0,
             "ofDays": 86400.0, "ofMilliseconds": 1e-3, "ofMicroseconds": 1e-6, "ofNanoseconds": 1e-9}
#: httpcore5's ``Timeout``/``TimeValue`` constants that mean zero (a socket timeout of zero: none)
_ZERO_TIME = re.compile(r"(^|\.)(Duration\.ZERO|(Timeout|TimeValue)\.(ZERO_MILLISECONDS|DISABLED|NEG_ONE_\w+))$")
#: chain roots that start a retry builder -> library
_RETRY_ROOTS = {"RetryConfig": "resilience4j", "RetryPolicy": "failsafe", "RetryerBuilder": "guava-retrying",
                "RetryTemplate": "spring-retry", "RetryTemplateBuilder": "spring-retry", "Retry": "resilience4j"}
#: timeout setters on builders/objects -> (library by chain root or receiver type, unit of a bare number)
_TIMEOUT_SETTERS = {"connectTimeout", "readTimeout", "writeTimeout", "callTimeout", "timeout", "responseTimeout",
                    "setConnectTimeout", "setReadTimeout", "setSocketTimeout", "setConnectionRequestTimeout",
                    "setQueryTimeout", "setSoTimeout", "orTimeout", "completeOnTimeout", "setResponseTimeout",
                    "timeoutDuration", "setConnectionTimeout", "connectionTimeout", "queryTimeout",
                    "setSocketTimeoutMillis", "setConnectTimeoutMillis"}
#: socket and connection setters where 0 means "no timeout" whatever the receiver (java.net, httpcore)
_ZERO_IS_NONE = frozenset({"setSoTimeout", "setSocketTimeout", "setSocketTimeoutMillis", "setConnectTimeout",
                           "setConnectTimeoutMillis"})
_SLEEP = re.compile(r"(^|\.)(sleep|parkNanos|await|delay|backoff|pause)$", re.I)


#: a name holding which failures are retried (or not): RETRYABLE_EXCEPTIONS, nonRetriableStatusCodes, RETRY_ON
_RETRIED_SET = re.compile(r"(?i)^(non_?|not_?)?retr(y|i)able(_?(exceptions?|errors?|status(es)?|(status_?)?codes?|"
                          r"classes|causes|methods))?$|^retry_?on(_?(exceptions?|errors?|status(es)?|codes?))?$")
#: a test that a response failed (and so is worth sending again): not successful, a 5xx/429/408 status
_FAILED_RESPONSE = re.compile(
    r"!\s*\w+(\.\w+\(\))*\.(isSuccessful|isSuccess|is2xxSuccessful|ok)\(\)|\.(is5xxServerError|isServerError)\(\)"
    r"|\.(code|status|statusCode|getStatusCode|getStatus|getCode|value|rawStatusCode)\(\)\s*(==|!=|>=|<=|<|>)\s*(5\d\d|4(29|08))\b"
    r"|\b(5\d\d|4(29|08))\s*(==|!=|<=|>=|<|>)\s*\w+(\.\w+\(\))*\.(code|status|statusCode|getStatusCode|getStatus)\(\)"
    r"|(SERVICE_UNAVAILABLE|TOO_MANY_REQUESTS|BAD_GATEWAY|GATEWAY_TIMEOUT|HTTP_UNAVAILABLE|SC_SERVICE_UNAVAILABLE)")
#: the declared type of a retry policy object (``ExponentialBackOffPolicy``, ``SimpleRetryPolicy``,
#: ``RetryConfig``): a setter called on one changes the policy
_POLICY_TYPE = re.compile(r"^\w*(Retry|BackOff|Backoff)\w*(Policy|Strategy|Config|Template|Handler)$")
#: setters of a policy object that configure its bookkeeping, not what it decides
_NOT_POLICY_PART = frozenset({"log", "logger", "listener", "listeners", "name", "label", "id", "metric", "metrics",
                              "stats", "statistics", "tag", "tags", "throw", "callback", "context", "observer"})
#: ``Optional``'s lazily computed default (``.orElseGet(() -> X)``), read as the default it computes
_LAZY_DEFAULT = re.compile(r"\.orElseGet\(\s*\(\s*\)\s*->\s*(.+?)\s*\)(?=\s*$|\s*\))")
#: calls that set a client property by key (Kafka/JDBC ``Properties``, Netty channel options, config maps)
_PUTS = frozenset({"put", "setProperty", "option", "childOption", "putIfAbsent", "property", "set"})


def scan(source: syntax.Source) -> Scan:
    """Every retry/timeout construct and every network/database call site in one Java image."""
    return _Scanner(source).run()


#: types no method is called on: ``types`` names what a call's receiver is, so an inner class's ``final
#: boolean client`` must not hide the ``OkHttpClient client`` whose builder the file configures
_PRIMITIVES = frozenset({"boolean", "byte", "short", "int", "long", "char", "float", "double"})


class _Scanner(LineScopedScanner):
    def __init__(self, source: syntax.Source) -> None:
        super().__init__(source)
        self.types: dict[str, str] = {}  # variable/field name -> declared type (simple name)
        self.request_timeout = False  # some HttpRequest in this file sets .timeout(...)
        self.factory_timeout = False  # some RestTemplate request factory / builder sets a read timeout
        self.scoped_setters: dict[str, set[str]] = {}  # scope -> setter names called there

    def run(self) -> Scan:
        self._declarations()
        for node in syntax.walk(self.src.root):
            t = node.type
            if t in ("annotation", "marker_annotation"):
                self._annotation(node)
            elif t == "method_invocation" or t == "object_creation_expression":
                if _is_chain_top(node) and not syntax.inside_comment_or_string(node):
                    self._chain(node)
                if t == "object_creation_expression" and not syntax.inside_comment_or_string(node):
                    self._policy_object(node)
            elif t in _LOOPS:
                self._loop(node)
        self._network_calls()
        self.out.constructs = policy_functions.with_loop_digests(self.src, self.out.constructs)
        self.out.constructs.extend(not_an_accessor(self.src, not_a_delegating_overload(
            self.src, not_a_fallback(self.src, policy_functions.scan(self.src, policy_name)))))
        self.out.constructs.extend(delay_functions(self.src))  # how a backoff works out its next wait
        self.out.constructs.extend(recursion.scan(self.src))  # a function that calls itself on failure
        return self.out

    #: the file's variables declared with a call (``Duration.ofMillis(200)``), by name (``_constant_duration``)
    _declared: dict[str, Any] | None = None

    # -- declarations ------------------------------------------------------------------------------
    def _declarations(self) -> None:
        for node in syntax.walk(self.src.root):
            if node.type in ("local_variable_declaration", "field_declaration", "formal_parameter"):
                tnode = node.child_by_field_name("type")
                tname = re.sub(r"<.*", "", syntax.node_text(tnode)).rsplit(".", 1)[-1]
                for d in node.named_children:
                    if d.type == "variable_declarator":
                        name = syntax.node_text(d.child_by_field_name("name"))
                        if tname not in _PRIMITIVES:
                            self.types[name] = tname
                        value = self._number(d.child_by_field_name("value"), follow=False)
                        if value is not None:
                            self.consts[name] = value
                        self._retried_set(d, name)
                        if node.type != "formal_parameter":
                            self._computed(d, name)
                if node.type == "formal_parameter" and tname not in _PRIMITIVES:
                    self.types[syntax.node_text(node.child_by_field_name("name"))] = tname
            elif node.type == "method_invocation" and not syntax.inside_comment_or_string(node):
                name = syntax.node_text(node.child_by_field_name("name"))
                c = syntax.callee(node, L)
                if name == "timeout" and "HttpRequest" in c:
                    self.request_timeout = True
                if name in ("setReadTimeout", "setConnectTimeout", "setConnectionRequestTimeout", "setQueryTimeout"):
                    scope = self._scope(syntax.line_of(node))
                    self.scoped_setters.setdefault(scope, set()).add(name)
                    recv = node.child_by_field_name("object")
                    rtype = self.types.get(syntax.node_text(recv), "") if recv is not None else ""
                    if "Factory" in rtype or "RestTemplateBuilder" in c or "Factory" in c:
                        self.factory_timeout = True
                if name in ("setReadTimeout", "readTimeout") and ("RestTemplateBuilder" in c or "restTemplateBuilder" in c
                                                                   or "builder" in c.split(".")[0].lower()):
                    self.factory_timeout = True

    def _computed(self, decl, name: str) -> None:
        """A retry- or timeout-named local or field given a value worked out in code (``long delay =
        Math.min(maxDelay, base << attempt)``, ``int timeout = deadline - now``): valued by the expression as
        written, so that computing it otherwise is a change (a constant is the settings scanner's)."""
        value = decl.child_by_field_name("value")
        kind = computed_kind(name)
        if value is None or kind is None or syntax.inside_comment_or_string(decl):
            return
        if self._number(value) is not None or (value.type == "method_invocation" and (
                self._duration([value]) is not None or durations.written(value, "java", self._number) is not None)):
            return  # a constant duration (``TimeUnit.SECONDS.toMillis(10)``): the settings scanner's
        if value.type in ("lambda_expression", "object_creation_expression", "array_initializer", "null_literal",
                          "true", "false", "string_literal", "class_literal"):
            return
        if not worked_out(" ".join(syntax.node_text(value).split())) and not retry_after(name):
            return
        line, text = syntax.line_of(decl), settings.written(value)  # bounded: a change past its start still shows
        if kind == "retry":
            self._retry(decl, COMPUTED, name, None, None, None, None, line=line)
            self.out.constructs[-1] = replace(self.out.constructs[-1], value=text)
        else:
            self._timeout(decl, COMPUTED, name, None, line=line, value=text)

    def _retried_set(self, decl, name: str) -> None:
        """``RETRYABLE_EXCEPTIONS = Set.of(IOException.class, …)``, ``retryableStatusCodes = List.of(503, 429)``:
        which failures are retried, held as data. Valued by its content as written, so an error class or a
        status code that comes or goes is a retry change (a constant list is the settings scanner's too;
        both say the same)."""
        value = decl.child_by_field_name("value")
        if value is None or syntax.inside_comment_or_string(decl) or not _RETRIED_SET.search(name):
            return
        if value.type not in ("method_invocation", "array_creation_expression", "array_initializer",
                              "object_creation_expression"):
            return  # boolean retryable = true: a flag on one error, not a set of them
        line = syntax.line_of(decl)
        self._retry(decl, "retried set", name, None, None, None, None, line=line)
        self.out.constructs[-1] = replace(self.out.constructs[-1], value=" ".join(syntax.node_text(value).split())[:300])

    # -- annotations -------------------------------------------------------------------------------
    def _annotation(self, node) -> None:
        name = syntax.node_text(node.child_by_field_name("name")).rsplit(".", 1)[-1]
        if name == "Value":
            self._placeholder_default(node)
            return
        if name == "HystrixProperty":  # @HystrixProperty(name = "execution.isolation.thread.timeoutInMilliseconds", value = "500")
            pairs = _annotation_pairs(node)
            if pairs.get("name") is not None and pairs.get("value") is not None:
                self._keyed(node, [pairs["name"], pairs["value"]])
            return
        if name not in ("Retryable", "Retry", "Transactional", "TimeLimiter"):
            return
        method = node.parent.parent if node.parent is not None and node.parent.type == "modifiers" else None
        if method is None or method.type not in ("method_declaration", "class_declaration"):
            return
        target = syntax.node_text(method.child_by_field_name("name"))
        pairs = _annotation_pairs(node)
        line = syntax.line_of(node)  # the annotation; end_line is the method's end (the retried body)
        body = method.child_by_field_name("body")
        if name == "Retryable":
            # Spring Retry: maxAttempts 3 (total), @Backoff() default 1000 ms fixed
            n = self._number(pairs.get("maxAttempts"))
            attempts = n if n is not None else (3.0 if "maxAttempts" not in pairs and "maxAttemptsExpression" not in pairs
                                                else None)
            backoff, jitter = "fixed", False
            b = pairs.get("backoff")
            if b is not None:
                bp = _annotation_pairs(b) if b.type in ("annotation", "marker_annotation") else {}
                mult = self._number(bp.get("multiplier"))
                delay = self._number(bp.get("delay") or bp.get("value"))
                if mult is not None and mult > 1:
                    backoff = "exponential"
                elif delay == 0 and "delay" in bp:
                    backoff = "none"
                jitter = syntax.node_text(bp.get("random")) == "true" if "random" in bp else False
            self._retry(method, "spring-retry", target, attempts, backoff, jitter, body, line=line)
            # valued by its arguments as written: which exceptions are retried (include/exclude/retryFor) and
            # the @Backoff delays are the policy as much as its attempts
            self.out.constructs[-1] = replace(self.out.constructs[-1],
                                              value=" ".join(syntax.node_text(node.child_by_field_name("arguments")).split())[:300])
        elif name == "Retry":
            # resilience4j annotation: instance config lives in application.yml; defaults 3 attempts, 500 ms fixed
            self._retry(method, "resilience4j", _strip(syntax.node_text(pairs.get("name"))) or target, 3.0, "fixed",
                        False, body, line=line)
        elif name == "Transactional" and "timeout" in pairs:
            secs = self._number(pairs.get("timeout"))
            self._timeout(node, "spring.Transactional", target, INFINITE if secs is not None and secs < 0 else secs)
        elif name == "TimeLimiter":
            self._timeout(node, "resilience4j.TimeLimiter", target, 1.0)

    def _placeholder_default(self, node) -> None:
        """Spring ``@Value("${orders.client.read-timeout:5000}") int readTimeoutMs``: the default after the
        colon is the value the client runs with when nobody configures it, a setting like a constant."""
        field = node.parent.parent if node.parent is not None and node.parent.type == "modifiers" else None
        if field is None or field.type not in ("field_declaration", "formal_parameter"):
            return
        decl = next((c for c in field.named_children if c.type == "variable_declarator"), None)
        fname = syntax.node_text(decl.child_by_field_name("name") if decl is not None else field.child_by_field_name("name"))
        m = re.search(r"\$\{([\w.\-\[\]]+):([^}]*)\}", syntax.node_text(node.child_by_field_name("arguments")))
        if not m or not fname:
            return
        key = re.sub(r"[.\-\[\]]+", "_", m.group(1)).rsplit("_", 3)
        kind = settings.classify(fname) or settings.classify("_".join(key[-2:]))
        default = m.group(2).strip()
        n = self._number_text(default)
        if kind == "retry":
            self._retry(field, "spring.Value", fname, n, None, None, None, line=syntax.line_of(node))
            self.out.constructs[-1] = replace(self.out.constructs[-1], value=default)
        elif kind == "timeout":
            unit = settings.unit_of_name(fname) or 1e-3  # Spring's Duration conversion reads a bare number as ms
            secs = settings_seconds(default)
            if secs is None and n is not None:
                secs = INFINITE if n <= 0 else n * unit
            self._timeout(field, "spring.Value", fname, secs, line=syntax.line_of(node), value=default)

    # -- builder chains ----------------------------------------------------------------------------
    def _chain(self, top) -> None:
        links = _links(top)  # [(name, args, node)] from the root outwards
        if not links:
            return
        root = links[0][0]
        names = [n for n, _, _ in links]
        root_type = self.types.get(root, root)
        # only the class itself starts a policy: retryTemplate.execute(...) on a variable is a use, not a policy
        lib = _RETRY_ROOTS.get(root)
        if lib == "resilience4j" and root == "Retry" and "ofDefaults" not in names:
            lib = None
        if lib is not None and len(links) > 1:
            self._retry_chain(top, lib, links)
            return
        timeout_lib = self._timeout_library(root_type, names)
        if len(links) == 1:
            return  # no receiver: Mockito's timeout(100) and friends, not a client setting
        for i, (name, args, node) in enumerate(links[1:], 1):
            if name in _TIMEOUT_SETTERS and args:
                self._timeout_link(node, timeout_lib, name, args)
            elif name in _PUTS and len(args) == 2 and self._keyed(node, args):
                pass
            elif name == "get" and len(args) == 2 and "TimeUnit" in syntax.node_text(args[1]):
                self._timeout(node, "Future.get", "get", self._duration(args))
            elif self._wait(node, name, args, links[i - 1][0]):
                pass
            elif args and setting_name(name) == "timeout" and not circuit_breaker(timeout_lib + links[0][0]):
                self._timeout_link(node, timeout_lib, name, args)  # setIdleTimeout(cfg.idle()), updateReadTimeout(t)
            elif args and STRATEGY.search(name) and not self._constant_arg(args[0]) and not handed_on(node, name, args[0]):
                self._strategy(node, name, args)
            elif not args and RETRY_SWITCH.match(name):
                self._retry(node, "retry strategy", name, 1.0 if name.startswith("disable") else None, None, None,
                            None, line=syntax.line_of(node.child_by_field_name("name")))
            elif i == 1 and len(links) == 2 and args and name.startswith("set") and _POLICY_TYPE.search(root_type) \
                    and not set(settings.words(name)) & _NOT_POLICY_PART:
                # backOff.setInitialInterval(500) on an ExponentialBackOffPolicy: every setter of a retry policy
                # object is part of the policy, whatever its own name says
                self._strategy(node, f"{root}.{name}", args)

    def _timeout_library(self, root_type: str, names: list[str]) -> str:
        joined = ".".join(names)
        if "OkHttpClient" in joined or root_type == "OkHttpClient":
            return "okhttp"
        if root_type in ("HttpClient", "HttpRequest") or "HttpClient.newBuilder" in joined or "HttpRequest.newBuilder" in joined:
            return "java.net.http." + ("HttpRequest" if "HttpRequest" in joined or root_type == "HttpRequest" else "HttpClient")
        if "RequestConfig" in joined:
            return "apache.RequestConfig"
        if "RestTemplateBuilder" in joined or "Factory" in root_type:
            return "spring.RestTemplate"
        if root_type in ("HttpURLConnection", "URLConnection", "HttpsURLConnection"):
            return "HttpURLConnection"
        if root_type in ("Statement", "PreparedStatement", "CallableStatement"):
            return "jdbc"
        if root_type in ("Socket", "SSLSocket"):
            return "socket"
        if "CompletableFuture" in joined or root_type.startswith("CompletableFuture"):
            return "CompletableFuture"
        if "TimeLimiterConfig" in joined:
            return "resilience4j.TimeLimiter"
        if ("webclient" in joined.lower() or root_type in ("Mono", "Flux", "WebClient")
                or "bodyToMono" in names or "bodyToFlux" in names):
            return "reactor"
        return root_type or "java"

    def _timeout_link(self, node, lib: str, name: str, args) -> None:
        if name == "completeOnTimeout":
            args = args[1:]
        secs = self._duration(args)
        unit = settings.unit_of_name(name) if name not in _TIMEOUT_SETTERS and len(args) == 1 else None
        if unit is not None:  # setIdleTimeoutSeconds(30): the name says the unit
            n = self._number(args[0])
            secs = n * unit if n is not None else secs
        if name == "setQueryTimeout" and secs is not None:
            secs = secs * 1000  # JDBC takes seconds; _duration read a bare int as milliseconds
        if name in ("timeout", "responseTimeout", "connectTimeout") and lib == "java.net.http.HttpClient" and secs == 0:
            secs = None  # Duration.ZERO is rejected by java.net.http: leave the value unknown
        if secs == 0 and (lib in ("okhttp", "HttpURLConnection", "spring.RestTemplate", "jdbc", "socket",
                                  "apache.RequestConfig") or name in _ZERO_IS_NONE):
            secs = INFINITE  # these libraries read 0 as "no timeout"
        if secs is not None and secs < 0:
            secs = INFINITE  # RestTemplate/Apache: -1 is the system default, i.e. none
        # Optional's lazy default is the same default: orElseGet(() -> Duration.ofMinutes(5)) == orElse(...)
        value = _LAZY_DEFAULT.sub(r".orElse(\1)", applied_value(secs, args))
        if value:  # a timeout known at run time is also what decides whether it is applied at all
            guard = _guard(node, {syntax.node_text(n) for a in args for n in syntax.walk(a) if n.type == "identifier"})
            value += f" when {guard}" if guard else ""
        self._timeout(node, lib, name, secs, value=value)

    def _wait(self, node, name: str, args, receiver: str) -> bool:
        """A blocking wait bounded by a time (``latch.await(5, SECONDS)``, ``stub.withDeadlineAfter(…)``,
        ``mono.block(Duration.ofSeconds(3))``, ``socket.connect(addr, 5000)``): recorded as a timeout."""
        if name in WAITS and len(args) >= 2 and _time_unit(args[-1]):
            if passed_through(node, args[-2]) or polls_in_a_loop(node, name):
                return True  # the caller's timeout, handed on: the caller is where it is decided
            secs = self._duration(args[-2:])
            self._timeout(node, "blocking wait", name, secs)  # a call: a run-time value is judged as plumbing
            return True
        if name in BLOCKS and len(args) == 1:
            secs = self._duration(args)
            self._timeout(node, "reactor", name, secs)
            return True
        if name in WAITS and name not in POLLS and len(args) == 1 and args[0].type == "method_invocation":
            # awaitTermination(Timeout.ofSeconds(1)), tryAcquire(Duration.ofMillis(500)): the same wait given
            # as one Duration instead of (n, unit), so that moving between the two forms is no change
            secs = self._duration(args)
            if secs is not None:
                self._timeout(node, "blocking wait", name, secs)
                return True
        if name == "connect" and len(args) == 2 and (
                self.types.get(receiver, "") in ("Socket", "SSLSocket") or re.search(r"socket", receiver, re.I)):
            if passed_through(node, args[1]):
                return True
            secs = self._duration(args[1:])  # java.net.Socket.connect(address, timeoutMillis): 0 waits forever
            self._timeout(node, "socket", "connect", INFINITE if secs == 0 else secs)
            return True
        return False

    def _keyed(self, node, args) -> bool:
        """A client property set by key: ``props.put(ProducerConfig.RETRIES_CONFIG, 5)``,
        ``props.setProperty("request.timeout.ms", "30000")``, Netty's ``option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
        5000)``. The key names the setting; a constant key (``X_CONFIG``) or a number as the value says it is
        configuration, not a map of data that happens to hold a "timeout" entry."""
        key_text = syntax.node_text(args[0])
        constant_key = bool(re.search(r"(^|\.)[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$", key_text))
        if args[0].type == "string_literal":
            key = re.sub(r"[.\-]+", "_", _strip(key_text))
        elif constant_key:
            key = key_text.rsplit(".", 1)[-1]
        else:
            return False
        key = re.sub(r"(?i)_(config|option|key|property|prop)$", "", key)
        kind = settings.classify(key)
        if kind is None:
            return False
        value = args[1]
        raw = _strip(syntax.node_text(value)) if value.type == "string_literal" else None
        n = self._number_text(raw) if raw is not None else self._number(value)
        if n is None and not constant_key:
            return False  # result.put("timeout", elapsed): data, not a setting
        line = syntax.line_of(node.child_by_field_name("name"))
        written = settings.written(value)
        if kind == "retry":
            self._retry(node, "property", key, None if n is None else n + 1 if "retries" in key.lower() else n, None,
                        None, None, line=line)
            self.out.constructs[-1] = replace(self.out.constructs[-1], value=written)
        else:
            unit = settings.unit_of_name(key) or 1e-3
            secs = None if n is None else INFINITE if n <= 0 else n * unit
            self._timeout(node, "property", key, secs, line=line, value=written if secs is None else "")
        return True

    def _constant_arg(self, node) -> bool:
        """A literal the settings scanner values already (``retryOnConnectionFailure(false)``, ``retry(3)``)."""
        return node.type in ("true", "false", "null_literal") or self._number(node) is not None

    def _policy_object(self, node) -> None:
        """``new SimpleRetryPolicy(5)``, ``new ExponentialBackoff(100, 2.0, 30000)``, ``new RetrySettings(3,
        Duration.ofMillis(500))``, ``new TimeoutConfig(Duration.ofSeconds(5))``: a retry, backoff or timeout
        policy object built from constants, whose positional arguments are its attempts, delays and
        bounds though nothing names them. Valued by its arguments (numbers and durations folded, so a
        literal moved into a constant of the same value is no change); one built only from values known
        at run time hands them on and is not a policy decided here."""
        kind = policy_object_kind(re.sub(r"<.*", "", syntax.node_text(node.child_by_field_name("type"))))
        args = [a for _, a in syntax.arguments(node, L)]
        if kind is None or not args or given_to_strategy(node, L):
            return
        readings = []
        for a in args:
            n = self._number(a) if a.type != "method_invocation" else None
            readings.append((n, self._duration([a]) if n is None and a.type == "method_invocation" else None))
        valued = policy_object_value(readings, args)
        if valued is None:
            return
        value, seconds = valued
        type_name = syntax.node_text(node.child_by_field_name("type"))
        if kind == "retry":
            self._retry(node, "retry strategy", type_name, None, None, None, None)
        else:
            self._timeout(node, "policy object", type_name, seconds)
        self.out.constructs[-1] = replace(self.out.constructs[-1], value=value)

    def _strategy(self, node, name: str, args) -> None:
        """A retry strategy handed to a client (``setRetryStrategy(new DefaultHttpRequestRetryStrategy(3,
        TimeValue.ofSeconds(1)))``, ``retryWhen(Retry.backoff(3, Duration.ofMillis(100)))``, Feign's
        ``retryer(new Retryer.Default(100, 1000, 5))``): valued by the strategy as written, so that a new
        one, a removed one or other arguments to it are a retry change."""
        text = " ".join(syntax.node_text(args[0]).split())
        backoff = ("exponential" if re.search(r"[Ee]xponential|\bbackoff\(", text) else
                   "fixed" if re.search(r"fixedDelay|Fixed|TimeValue|Duration", text) else None)
        self._retry(node, "retry strategy", name, None, backoff, None, None,
                    line=syntax.line_of(node.child_by_field_name("name")))
        self.out.constructs[-1] = replace(self.out.constructs[-1], value=settings.bounded(text))

    def _retry_chain(self, top, lib: str, links) -> None:
        by = {n: a for n, a, _ in links}
        names = [n for n, _, _ in links]
        attempts: float | None
        backoff: str | None
        jitter = False
        if lib == "resilience4j":  # defaults: 3 attempts, 500 ms fixed wait
            attempts = self._number(by["maxAttempts"][0]) if by.get("maxAttempts") else 3.0
            backoff = "fixed"
            fn = syntax.node_text(by["intervalFunction"][0]) if by.get("intervalFunction") else ""
            if "Exponential" in fn or "exponential" in names or "intervalBiFunction" in names:
                backoff = "exponential"
            if "Random" in fn:
                jitter = True
            if by.get("waitDuration") and self._duration(by["waitDuration"]) == 0:
                backoff = "none"
        elif lib == "failsafe":  # defaults: 2 retries (3 attempts), no delay
            attempts = 3.0
            if by.get("withMaxRetries"):
                n = self._number(by["withMaxRetries"][0])
                attempts = INFINITE if n is not None and n < 0 else (n + 1 if n is not None else None)
            if by.get("withMaxAttempts"):
                n = self._number(by["withMaxAttempts"][0])
                attempts = INFINITE if n is not None and n < 0 else n
            backoff = ("exponential" if "withBackoff" in names else
                       "fixed" if ("withDelay" in names or "withDelayFn" in names) else "none")
            jitter = "withJitter" in names
        elif lib == "guava-retrying":  # defaults: never stop, no wait
            stop = " ".join(syntax.node_text(a[0]) for n, a, _ in links if n == "withStopStrategy" and a)
            m = re.search(r"stopAfterAttempt\(\s*([^)]*)\)", stop)
            attempts = (self._number_text(m.group(1)) if m else INFINITE if (not stop or "neverStop" in stop) else None)
            wait = " ".join(syntax.node_text(a[0]) for n, a, _ in links if n == "withWaitStrategy" and a)
            backoff = ("exponential" if re.search(r"exponential|fibonacci", wait, re.I) else
                       "fixed" if wait and "noWait" not in wait else "none")
            jitter = "random" in wait.lower()
        else:  # spring RetryTemplate.builder(): 3 attempts, no backoff
            attempts = 3.0
            if by.get("maxAttempts"):
                attempts = self._number(by["maxAttempts"][0])
            if "infiniteRetry" in names:
                attempts = INFINITE
            backoff = ("exponential" if "exponentialBackoff" in names else
                       "fixed" if ("fixedBackoff" in names or "uniformRandomBackoff" in names) else "none")
            jitter = "uniformRandomBackoff" in names
        line = syntax.line_of(top)
        # a local variable's name is incidental (``retryConfigBuilder`` -> ``builder`` when the code moves into a
        # helper): the policy is the library's; a field or an assignment names what the policy is for
        local = top.parent is not None and top.parent.type == "variable_declarator" and top.parent.parent is not None \
            and top.parent.parent.type == "local_variable_declaration"
        target = lib if local else _assigned_name(top) or self._scope(line).rsplit(".", 1)[-1] or lib
        self._retry(top, lib, target, attempts, backoff, jitter, None, line=line)
        self.out.constructs[-1] = replace(self.out.constructs[-1], value=self._chain_digest(links))
        if local:  # and the line around it is the declaration of that name: the chain is what moves
            self.out.constructs[-1] = replace(self.out.constructs[-1],
                                              snippet=" ".join(syntax.node_text(top).split())[:self.snippet_width])

    def _chain_digest(self, links) -> str:
        """A retry policy built through a chain (``RetryConfig.custom().maxAttempts(3).waitDuration(
        Duration.ofMillis(500))``, ``RetryPolicy.builder().withDelay(Duration.ofSeconds(1))``,
        ``RetryTemplate.builder().fixedBackoff(1000)``), valued by its links and what each is given: the
        attempts and the backoff's shape alone missed another wait, another cap or another retried
        exception (500 ms -> 100 ms between attempts was no change). A wait is valued by its length, so
        ``withDelay(RETRY_DELAY_MS, MILLISECONDS)`` -> ``withDelay(RETRY_DELAY)`` holding the same 200 ms is
        none; links that name, log or listen are left out, and layout does not count."""
        tokens = []
        for name, args, _ in links:
            if name in _CHAIN_ENDS or set(settings.words(name)) & _NOT_POLICY_PART:
                continue
            tokens.append(name)
            secs = self._duration(args)
            if secs is None and len(args) == 1 and args[0].type == "identifier":
                secs = self._constant_duration(syntax.node_text(args[0]))
            if secs is not None:
                tokens.append(f"{secs:.6g}s")
            else:
                tokens.extend(settings.normalise(syntax.node_text(a)) for a in args)
        return policy_functions.decision_value(tokens) if tokens else ""

    def _constant_duration(self, name: str) -> float | None:
        """Seconds of a constant of this file declared as a duration (``Duration RETRY_DELAY =
        Duration.ofMillis(200)``), or None. The file's declarations are indexed once, on first use."""
        if self._declared is None:
            self._declared = {}
            for node in syntax.nodes_of_types(self.src.root, L, ("variable_declarator",)):
                value = node.child_by_field_name("value")
                if value is not None and value.type == "method_invocation":
                    self._declared.setdefault(syntax.node_text(node.child_by_field_name("name")), value)
        value = self._declared.get(name)
        return self._duration([value]) if value is not None else None

    # -- hand-written loops ------------------------------------------------------------------------
    def _loop(self, loop) -> None:
        if syntax.inside_comment_or_string(loop):
            return
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
            if not any(n.type in ("return_statement", "break_statement") for n in _own(block)) \
                    and not ends_by_flag(loop, block):
                continue
            gives_up = False
            for c in catches:
                cbody = c.child_by_field_name("body")
                stmts = [s for s in (cbody.named_children if cbody is not None else []) if not syntax.is_comment(s)]
                if (len(stmts) == 1 and stmts[0].type == "throw_statement") or (
                        cbody is not None and any(n.type in ("return_statement", "break_statement") for n in _own(cbody))):
                    gives_up = True
            if gives_up:
                continue
            self._loop_retry(loop, t, catches)
            return
        self._response_retry(loop, body)

    def _response_retry(self, loop, body) -> None:
        """A loop that sends again while the response says the server failed (``while (!response.isSuccessful()
        && tryCount < 3)``, ``if (r.code() < 500) return r; Thread.sleep(…)``): a retry on status codes with
        no exception in sight, the shape OkHttp interceptors and hand-written clients use. A loop that waits
        for a *state* (``status == READY``) is a poll, not this: only a test of failure counts."""
        conds = [loop.child_by_field_name("condition")] + [
            n.child_by_field_name("condition") for n in _own(body) if n.type == "if_statement"]
        if not any(c is not None and _FAILED_RESPONSE.search(syntax.node_text(c)) for c in conds):
            return
        if not any(True for _ in syntax.calls(body, L)):
            return
        sleeps = [c for c in syntax.calls(loop, L) if _SLEEP.search(syntax.callee(c, L) or "")]
        text = " ".join(syntax.node_text(x) for x in sleeps)
        backoff = ("exponential" if re.search(r"<<|Math\.pow|\*=|\*\s*2\b|\bbackoff\s*\*", text) else "fixed") \
            if sleeps else (None if policy_functions.delegates_decision(loop, L) else "none")
        cond = loop.child_by_field_name("condition")
        if cond is not None and cond.type == "parenthesized_expression" and cond.named_children:
            cond = cond.named_children[0]
        attempts = loop_bound(cond, self._number) if cond is not None and syntax.node_text(cond) != "true" else None
        self._retry(loop, "loop", "loop", attempts, backoff, bool(re.search(r"random", text, re.I)), body)

    def _loop_retry(self, loop, trynode, catches) -> None:
        block = trynode.child_by_field_name("body")
        sleeps = [c for c in syntax.calls(loop, L) if _SLEEP.search(syntax.callee(c, L) or "")
                  and not (block.start_byte <= c.start_byte < block.end_byte)]
        text = " ".join(syntax.node_text(s) for s in sleeps) + " " + " ".join(syntax.node_text(c) for c in catches)
        if not sleeps:
            backoff = None if policy_functions.delegates_decision(loop, L) else "none"
        else:
            backoff = "exponential" if re.search(r"<<|Math\.pow|\*=|\*\s*2\b|\bbackoff\s*\*", text) else "fixed"
        jitter = bool(re.search(r"random|ThreadLocalRandom", text, re.I))
        attempts = self._loop_attempts(loop, catches)
        if moves_on(catches, self.src, L):  # the next route each pass: bounded by the routes, no backoff due
            attempts = None if attempts == INFINITE else attempts
            backoff = None if backoff == "none" else backoff
        self._retry(loop, "loop", "loop", attempts, backoff, jitter, block)

    def _loop_attempts(self, loop, catches) -> float | None:
        cond = loop.child_by_field_name("condition")
        if cond is not None and cond.type == "parenthesized_expression" and cond.named_children:
            cond = cond.named_children[0]
        text = syntax.node_text(cond).strip() if cond is not None else ""
        if text in ("", "true"):
            for c in catches:
                for n in syntax.walk(c):
                    if n.type == "if_statement" and any(m.type == "throw_statement" for m in syntax.walk(n)) \
                            and _counts(n.child_by_field_name("condition")):
                        return loop_bound(n.child_by_field_name("condition"), self._number)
            return INFINITE
        bound = loop_bound(cond, self._number)
        if bound is not None and loop.type == "for_statement":
            init = loop.child_by_field_name("init")
            if init is not None:
                for n in syntax.walk(init):
                    if n.type == "variable_declarator":
                        start = self._number(n.child_by_field_name("value"))
                        if start is not None and start >= 1:
                            bound -= start
        return bound


    # -- network / database call sites -------------------------------------------------------------
    def _network_calls(self) -> None:
        for node in syntax.walk_code(self.src.root):  # walk() less comments and strings (issue 16)
            if node.type != "method_invocation":
                continue
            name = syntax.node_text(node.child_by_field_name("name"))
            recv = node.child_by_field_name("object")
            rtext = syntax.node_text(recv) if recv is not None else ""
            rtype = self.types.get(rtext, "")
            line = syntax.line_of(node)
            scope = self._scope(line)
            setters = self.scoped_setters.get(scope, set())
            if name in ("send", "sendAsync") and (rtype == "HttpClient" or "HttpClient.new" in syntax.callee(node, L)):
                self._net(node, "java.net.http", f"HttpClient.{name}", self.request_timeout, True)
            elif name == "openConnection":
                self._net(node, "HttpURLConnection", "URL.openConnection", "setReadTimeout" in setters, True)
            elif rtype == "RestTemplate" and re.match(r"(get|post|put|patch|delete|exchange|execute|head|options)", name):
                self._net(node, "spring.RestTemplate", f"RestTemplate.{name}", self.factory_timeout, True)
            elif rtype in ("Statement", "PreparedStatement", "CallableStatement") and name in (
                    "execute", "executeQuery", "executeUpdate", "executeBatch", "executeLargeUpdate"):
                self._net(node, "jdbc", f"{rtype}.{name}", "setQueryTimeout" in setters, True)
            elif name == "execute" and recv is not None and syntax.callee(node, L).endswith("newCall.execute"):
                self._net(node, "okhttp", "Call.execute", True, False)  # OkHttp: 10 s connect/read/write by default

    # -- emitting ----------------------------------------------------------------------------------
    def _timeout(self, node, library: str, target: str, seconds, *, line: int | None = None, value: str = "") -> None:
        # a link of a builder chain starts where the chain starts; its own line is where its name is
        name = node.child_by_field_name("name") if node.type == "method_invocation" else None
        super()._timeout(node, library, target, seconds, line=line or syntax.line_of(name if name is not None else node),
                         value=value)

    def _body_facts(self, body) -> tuple[tuple[str, ...], str | None, bool]:
        """Callees in the retried body, the HTTP method sent, and whether an idempotency key goes with it."""
        if body is None:
            return (), None, False
        calls: list[str] = []
        method = None
        idem = False
        for c in syntax.calls(body, L):
            name = syntax.callee(c, L)
            if name:
                calls.append(name)
            last = name.rsplit(".", 1)[-1]
            verb = None
            if last in ("POST", "PUT", "DELETE", "GET", "PATCH"):  # HttpRequest.newBuilder().POST(...)
                verb = last
            elif re.match(r"(post|put|patch|delete)(ForObject|ForEntity|ForLocation)?$", last) or last in ("post", "put"):
                m = re.match(r"(post|put|patch|delete)", last)  # always matches: the condition above says so
                verb = m.group(1).upper() if m else None
            elif last in ("getForObject", "getForEntity"):
                verb = "GET"
            elif last == "method" or last == "setRequestMethod":  # okhttp .method("POST", b) / conn.setRequestMethod("POST")
                a = syntax.arguments(c, L)
                if a and a[0][1] is not None and a[0][1].type == "string_literal":
                    verb = _strip(syntax.node_text(a[0][1])).upper()
            if verb and method != "POST":
                method = verb
            if last in ("header", "setHeader", "addHeader", "set", "add", "headers"):
                for _, a in syntax.arguments(c, L):
                    if a is not None and a.type == "string_literal" and _strip(syntax.node_text(a)).lower() in (
                            "idempotency-key", "x-idempotency-key"):
                        idem = True
        return tuple(dict.fromkeys(calls)), method, idem

    # -- values ------------------------------------------------------------------------------------
    def _duration(self, args) -> float | None:
        """Seconds from ``(n, TimeUnit.X)``, ``(Duration.ofX(n))``, ``(Duration.ZERO)`` or a bare ms count."""
        if not args:
            return None
        first = args[0]
        if len(args) >= 2:
            unit = syntax.node_text(args[1]).rsplit(".", 1)[-1]
            n = self._number(first)
            if unit in _UNIT_SECONDS and n is not None:
                return n * _UNIT_SECONDS[unit]
            if unit in ("ChronoUnit",):
                return None
        text = syntax.node_text(first)
        zero = _ZERO_TIME.search(text)
        if zero:
            return -1.0 if "NEG_ONE" in text else 0.0
        if first.type == "method_invocation":
            name = syntax.node_text(first.child_by_field_name("name"))
            if name in _DURATION:
                a = syntax.arguments(first, L)
                n = self._number(a[0][1]) if a else None
                return n * _DURATION[name] if n is not None else None
            if name == "of" and re.search(r"\b(Duration|Timeout|TimeValue)\.of\b", text):
                a = syntax.arguments(first, L)
                if len(a) == 2:  # Duration.of(5, ChronoUnit.SECONDS), Timeout.of(5, TimeUnit.SECONDS)
                    n = self._number(a[0][1])
                    unit = syntax.node_text(a[1][1]).rsplit(".", 1)[-1]
                    factor = {"MILLIS": 1e-3, "SECONDS": 1.0, "MINUTES": 60.0, **_UNIT_SECONDS}.get(unit)
                    return n * factor if n is not None and factor else None
            return None
        n = self._number(first)
        return n / 1000 if n is not None else None

    def _number_text(self, text: str) -> float | None:
        text = text.strip().rstrip("LlFfDd").replace("_", "")
        try:
            return float(text)
        except ValueError:
            return self.consts.get(text)

    def _number(self, node, follow: bool = True) -> float | None:
        if node is None:
            return None
        t = node.type
        if t in ("decimal_integer_literal", "decimal_floating_point_literal", "hex_integer_literal"):
            text = syntax.node_text(node).replace("_", "").rstrip("LlFfDd") if t != "hex_integer_literal" else \
                syntax.node_text(node).replace("_", "").rstrip("Ll")
            try:
                return float(int(text, 0)) if t == "hex_integer_literal" else float(text)
            except ValueError:
                return None
        if t == "parenthesized_expression" and node.named_children:
            return self._number(node.named_children[0], follow)
        if t == "identifier" and follow:
            return self.consts.get(syntax.node_text(node))
        if t == "field_access" and follow:
            return self.consts.get(syntax.node_text(node.child_by_field_name("field")))
        if t == "cast_expression":
            return self._number(node.child_by_field_name("value"), follow)
        return folded(node, lambda n: self._number(n, follow))


# -- pure node helpers ------------------------------------------------------------------------------

def settings_seconds(text: str) -> float | None:
    """``30s``, ``500ms``, ``2m``: Spring's duration strings."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)", text.strip())
    return float(m.group(1)) * {"ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}[m.group(2)] if m else None


def _guard(node, own: set[str]) -> str:
    """The conditions under which a statement runs inside its method, innermost first (``!(c)`` for an
    else branch): ``else if (!connection.isSpdy()) { connection.updateReadTimeout(t) }`` gives
    ``!connection.isSpdy() && !(connection == null)``. A test of the applied value itself (``timeout >= 0``,
    ``this.connectTimeout != null``) only checks the value and is left out."""
    out: list[str] = []
    child, p = node, node.parent
    while p is not None and p.type not in ("method_declaration", "constructor_declaration", "lambda_expression",
                                           "class_body"):
        if p.type == "if_statement":
            cond = p.child_by_field_name("condition")
            if cond is not None and child is not cond:
                inner = cond.named_children[0] if cond.type == "parenthesized_expression" and cond.named_children else cond
                text = " ".join(syntax.node_text(inner).split())
                names = {syntax.node_text(n) for n in syntax.walk(cond) if n.type == "identifier"}
                if not names <= own:
                    alt = p.child_by_field_name("alternative")
                    out.append(f"!({text})" if alt is not None and alt.start_byte <= child.start_byte < alt.end_byte
                               else text)
        child, p = p, p.parent
    return settings.bounded(" && ".join(out))  # a long guard keeps a digest of its end: a change there shows


def _counts(cond) -> bool:
    """Whether a condition under which a retry loop's ``catch`` throws compares a count (``++attempt >= 3``,
    ``retries > config.max()``) or asks a retry policy (``retryHandler.retryRequest(ex, n, ctx)``): a bound on
    attempts, known or not. ``if (policy == UNWRAP && cause != null) throw cause`` only chooses what is thrown
    once the loop gives up, which bounds nothing."""
    return cond is not None and any(
        n.type == "binary_expression" and syntax.node_text(n.child_by_field_name("operator")) in ("<", "<=", ">", ">=")
        or n.type == "method_invocation" and asks_policy(n, L)  # if (retryHandler.retryRequest(ex, n, ctx)) … else throw
        for n in syntax.walk(cond))


def _time_unit(node) -> bool:
    """``TimeUnit.SECONDS``, a static-imported ``SECONDS``, ``ChronoUnit.MILLIS``."""
    return syntax.node_text(node).rsplit(".", 1)[-1] in _UNIT_SECONDS or "TimeUnit" in syntax.node_text(node)


def _strip(text: str) -> str:
    return text.strip().strip('"')


def _annotation_pairs(node) -> dict[str, Any]:
    """``@X(a = 1, b = @Y)`` -> {"a": node, "b": node}; a single unnamed value is ``value``."""
    args = node.child_by_field_name("arguments")
    out: dict[str, Any] = {}
    if args is None:
        return out
    for c in args.named_children:
        if c.type == "element_value_pair":
            out[syntax.node_text(c.child_by_field_name("key"))] = c.child_by_field_name("value")
        elif not syntax.is_comment(c):
            out["value"] = c
    return out


#: links of a policy builder that start or end it, whatever policy it builds
_CHAIN_ENDS = frozenset({"custom", "builder", "newBuilder", "build", "of", "ofDefaults", "from", "toBuilder"})


def _is_chain_top(node) -> bool:
    """The outermost call of a chain: its parent does not call a method on it."""
    p = node.parent
    return not (p is not None and p.type == "method_invocation" and p.child_by_field_name("object") == node)


def _links(top) -> list[tuple[str, list, Any]]:
    """``a.b().c(x).d(y)`` -> [("a", [], a), ("b", [], …), ("c", [x], …), ("d", [y], …)], root first."""
    out = []
    n = top
    while n is not None:
        if n.type == "method_invocation":
            out.append((syntax.node_text(n.child_by_field_name("name")),
                        [v for _, v in syntax.arguments(n, L) if v is not None], n))
            n = n.child_by_field_name("object")
        elif n.type == "object_creation_expression":
            out.append((syntax.node_text(n.child_by_field_name("type")).split("<")[0], [], n))
            break
        elif n.type in ("identifier", "field_access", "scoped_identifier", "this"):
            out.append((syntax.node_text(n).split(".")[-1] if n.type != "field_access" else
                        syntax.node_text(n.child_by_field_name("field")), [], n))
            if n.type == "field_access":  # RetryConfig.custom() roots are identifiers; keep class names whole
                out[-1] = (syntax.node_text(n), [], n)
            break
        else:
            break
    out.reverse()
    return out


def _own(node):
    """Nodes under ``node`` not inside a nested lambda, class or loop."""
    return syntax.walk_within(node, _NESTED)


def _assigned_name(node) -> str:
    p = node.parent
    if p is not None and p.type == "variable_declarator":
        return syntax.node_text(p.child_by_field_name("name"))
    if p is not None and p.type == "assignment_expression":
        return syntax.node_text(p.child_by_field_name("left")).rsplit(".", 1)[-1]
    return ""


#: Java's hooks for ``features.retry_timeout`` (``resilience.Hooks``): the JVM family's, shared with Kotlin
HOOKS = Hooks(keeps_setting=keeps_setting, decides_nothing=decides_nothing)
