"""Retry and timeout *settings*: a retry- or timeout-named name bound to a value, in any language.

Most of what real libraries do to their retry and timeout behaviour is not a call to a retry
library: it is a constant (``DEFAULT_TIMEOUT = 30``, ``const defaultRetryMax = 4``), a field
(``self.max_retries = 3``, ``this.keepAliveTimeout = 5000``), an option key (``{retry: {limit: 2}}``,
``Config{RetryWaitMin: time.Second}``), a default parameter (``def __init__(self, timeout=60)``), a
builder or setter call (``.connectTimeout(10, TimeUnit.SECONDS)``, ``SetTimeout(5 * time.Second)``) or
a named argument (``retries = 2``, ``maxAttempts = 4``). This module finds those bindings by syntax
node (never by text, so comments, strings and log messages never count), whatever the language, and
records each as a ``Construct`` whose ``target`` is the name and ``value`` the value as written, so
that the comparison sees ``keepAliveTimeout 5000 -> 60_000`` as a change and a moved or re-indented
binding as no change.

Only constant values count (numbers, durations, booleans, none/null, literal objects and lists):
``timeout=timeout`` passes a value through and says nothing about how long anything waits. A delay
between attempts (``retryDelay``, ``backoff_factor``) is a retry setting, never a timeout; an interval,
poll period, tick or TTL is neither.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any

from mergeguard.features import syntax
from mergeguard.features.resilience import INFINITE, Construct, Scan, arith, defaults, durations

#: node types that bind a name to a value, per language: (node type, how to read it)
_BINDINGS: dict[str, dict[str, str]] = {
    "python": {"assignment": "assign", "keyword_argument": "option", "pair": "option",
               "default_parameter": "param", "typed_default_parameter": "param", "call": "call", "tuple": "option"},
    "go": {"const_spec": "const", "var_spec": "const", "keyed_element": "option", "assignment_statement": "assign",
           "short_var_declaration": "assign", "call_expression": "call"},
    "javascript": {"variable_declarator": "assign", "pair": "option", "assignment_expression": "assign",
                   "public_field_definition": "const", "field_definition": "const",
                   "object_assignment_pattern": "param", "assignment_pattern": "param",
                   "required_parameter": "param", "optional_parameter": "param", "call_expression": "call"},
    "java": {"variable_declarator": "assign", "assignment_expression": "assign", "element_value_pair": "option",
             "method_invocation": "call"},
    "kotlin": {"property_declaration": "assign", "assignment": "assign", "value_argument": "option",
               "class_parameter": "param", "parameter_with_optional_type": "param", "call_expression": "call"},
}
_BINDINGS["typescript"] = _BINDINGS["tsx"] = _BINDINGS["javascript"]

_NUMBER_TYPES = frozenset({"integer", "float", "number", "int_literal", "float_literal", "decimal_integer_literal",
                           "decimal_floating_point_literal", "hex_integer_literal", "number_literal",
                           "integer_literal", "long_literal", "real_literal"})
_NONE = frozenset({"None", "null", "nil", "undefined"})
_BOOLS = frozenset({"True", "False", "true", "false"})
_FUNCS = frozenset({"function_definition", "lambda", "function_declaration", "method_declaration", "func_literal",
                    "arrow_function", "function_expression", "function", "method_definition", "lambda_expression",
                    "constructor_declaration", "anonymous_function", "lambda_literal", "generator_function"})
_CLASSES = frozenset({"class_definition", "class_declaration", "class_body", "object_declaration",
                      "interface_declaration", "enum_declaration", "class"})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_TIMEOUT_WORDS = frozenset({"timeout", "timeouts", "deadline", "timeoutms", "timeoutmillis", "timeoutsec"})
_RETRY_WORDS = frozenset({"retry", "retries", "retrying", "attempts", "attempt", "backoff", "reconnect", "reconnection",
                          "retrymax", "maxretries", "tries", "redelivery", "redeliveries"})
#: words that make a retry/timeout-named name something else: a handler, a flag about an error, a counter
_NOT = frozenset({"handler", "callback", "cb", "error", "err", "errors", "exception", "exc", "message", "msg", "cls",
                  "class", "func", "fn", "id", "counter", "reached", "exceeded", "expired", "elapsed", "remaining",
                  "left", "current", "last", "at", "event", "listener", "key", "label", "name", "names", "header",
                  "headers", "metric", "metrics", "log", "logger", "test", "tests", "mock", "ttl", "after", "reason",
                  "type", "kind", "promise", "timer", "timers", "signal", "controller", "abort", "index", "idx", "num",
                  "i", "status", "code", "codes", "validator", "validators", "cache", "exceptions",
                  # a message lease or an object's lifetime: how long something lives, not how long a call waits
                  "visibility", "lease", "lifetime", "age", "expiry", "expire", "expires", "expiration",
                  # a circuit breaker's reset: how long it stays open, not how long a call waits
                  "reset",
                  # when an attempt started or was recorded, a hook around it, a component holding it: not
                  # how often or how long anything is retried
                  "start", "started", "since", "recorded", "before", "preemptive", "interceptor", "interceptors"})
#: the last word of a name listing what is retried (``RETRYABLE_STATUS_CODES``, ``retry_on_exceptions``)
_RETRIED_SETS = frozenset({"codes", "errors", "statuses", "exceptions", "methods", "conditions", "status"})
#: words that make a name a question or an action when they lead it: ``isRetry``, ``onTimeout``, ``setTimeout``
_NOT_FIRST = frozenset({"is", "has", "should", "can", "on", "set", "get", "clear", "handle", "with", "make", "new",
                        "create", "do", "run", "to", "parse", "validate", "check", "format", "emit", "was", "did"})
#: a delay between attempts, a poll period, a tick: not a timeout (a retry setting when retry-named)
_INTERVAL = frozenset({"interval", "delay", "backoff", "period", "poll", "polling", "tick", "ticker", "sleep",
                       "frequency", "jitter", "wait", "cooldown"})
#: unit of a bare number bound to a timeout name, per language (None: not known): a guess, for messages
#: and ratios; values are compared by ``durations`` (certain units only)
_DEFAULT_UNIT = {"python": 1.0, "javascript": 1e-3, "typescript": 1e-3, "tsx": 1e-3, "java": 1e-3, "kotlin": 1e-3,
                 "go": None}
_TIMEUNIT = durations.TIMEUNIT
_DURATION_STRING = durations.DURATION_STRING
#: callees that look like settings but are timers or helpers (JavaScript's setTimeout schedules, it
#: does not bound anything)
_NOT_SETTERS = frozenset({"setTimeout", "setInterval", "clearTimeout", "clearInterval", "setImmediate",
                          "window.setTimeout", "globalThis.setTimeout", "global.setTimeout", "timers.setTimeout",
                          "time.Sleep", "Thread.sleep", "time.sleep", "asyncio.sleep", "time.After", "time.NewTimer",
                          "time.AfterFunc", "time.NewTicker", "time.Tick", "Promise.race"})


#: HTTP status constants named after a timeout (java.net.HttpURLConnection, HttpStatus, Go's net/http)
_STATUS_CODE = re.compile(r"^(HTTP|SC|STATUS)_(CLIENT|REQUEST|GATEWAY)_TIME_?OUT$|^(GATEWAY_TIMEOUT|REQUEST_TIMEOUT)$")


def words(name: str) -> list[str]:
    """Lower-case words of an identifier: ``keepAliveTimeoutMs`` -> keep, alive, timeout, ms."""
    return [w.lower() for w in _WORD.findall(name)]


#: the last word of a name that holds bookkeeping about retries, not a limit, delay or wait
_BOOKKEEPING = frozenset({"context", "ctx", "model", "metadata", "info", "headers", "header", "history", "stats"})


def bookkeeping(name: str) -> bool:
    """Whether a retry- or timeout-named name holds bookkeeping (``retries_context``, ``retryInfo``):
    reading or writing it decides nothing about when to try again or how long to wait."""
    ws = words(name)
    return bool(ws) and ws[-1] in _BOOKKEEPING


@functools.lru_cache(maxsize=8192)  # a pure function of the name, asked of every binding of every image (issue 16)
def classify(name: str) -> str | None:
    """``"timeout"``, ``"retry"`` or None for a setting's name (its last dotted segment)."""
    last = name.strip("'\"`").rsplit(".", 1)[-1].lstrip("_$")
    if not last or len(last) > 60:
        return None
    ws = words(last)
    joined = last.lower()
    if not ws or ws[0] in _NOT_FIRST:
        return None
    if _STATUS_CODE.match(last):
        return None  # HTTP_CLIENT_TIMEOUT, SC_GATEWAY_TIMEOUT: a response status, not a wait
    if ws[-1] in _RETRIED_SETS and ("retry" in joined or "retri" in joined or ws[0] == "retry"):
        return "retry"  # RETRYABLE_STATUS_CODES, retryOnErrors, retriableExceptions: which failures are retried
    if len(ws) >= 3 and ws[0] in ("retry", "retries") and ws[-2] == "on" and ws[-1] in ("error", "exception"):
        return "retry"  # retry_on_error, retryOnException: which failures are retried
    if any(w in _NOT for w in ws if w) and not _header_wait(ws):
        return None
    if "retryable" in joined or "retriable" in joined:
        return None  # a flag on an error or an operation, not a policy
    retry = any(w in _RETRY_WORDS for w in ws) or "retry" in joined or "retries" in joined
    # a keepalive's value says when a silent peer is given up on (MQTT: 1.5 keepalives); code that
    # merely reads it schedules a heartbeat (see ``heartbeat_only``)
    # a shutdown's grace period is how long it waits for work in flight before cutting it off (not a
    # calendar's: ``EOL_GRACE_PERIOD = timedelta(weeks=1)``)
    grace = "grace" in ws and not _CALENDAR & set(ws)
    timeout = any(w in _TIMEOUT_WORDS for w in ws) or "timeout" in joined or "keepalive" in joined or grace
    if retry and timeout:
        return "retry"  # retry_on_timeout, DialerRetryTimeout, retryTimeout: which failures are retried, or the wait between tries
    if retry and any(w in _INTERVAL for w in ws):
        return "retry"  # retryDelay, backoff_factor, reconnectInterval: how long between attempts
    if timeout and (grace or not any(w in _INTERVAL for w in ws)):
        return "timeout"
    if retry:
        return "retry"
    return None


#: words that name what a wait is for (the headers of a request), not bookkeeping, when a timeout
#: word ends the name
_WAITED_FOR = frozenset({"header", "headers"})


def _header_wait(ws: list[str]) -> bool:
    """``ReadHeaderTimeout``, ``headersTimeout``, ``ResponseHeaderTimeout``: how long a server or
    client waits for the headers. "header" keeps a name out elsewhere (``retryHeaders``,
    ``TIMEOUT_HEADER``: a header's name or value, not a wait); ending in a timeout word, it is one."""
    return len(ws) >= 2 and ws[-1] in _TIMEOUT_WORDS and not any(w in _NOT for w in ws if w not in _WAITED_FOR)


#: what a wrapper's name says it runs an operation with: ``call_with_retry``, ``doWithRetries``
_WRAPPED_BY = frozenset({"retry", "retries", "retrying", "backoff", "reconnect"})


def wrapped_by(ws: list[str]) -> str | None:
    """The word after ``with`` in the words of a name that runs something *with* it (``call_with_retry``
    -> retry, ``executeWithTimeout`` -> timeout), else None: a name led by ``with``
    (``withRetryOnConnectionFailure(b)``, ``withTimeout(d)``) is a setting, not a wrapper."""
    if "with" not in ws[1:]:
        return None
    after = ws[ws.index("with") + 1:]
    return after[0] if after else None

#: words of a grace period counted in days: a deadline of a calendar, not a wait of a program
_CALENDAR = frozenset({"eol", "day", "days", "week", "weeks", "month", "months", "year", "years", "date",
                       "deprecation", "license", "trial", "billing", "payment", "subscription"})


def heartbeat_only(name: str) -> bool:
    """A keepalive name with no timeout or deadline word: its value is a timeout setting, but code that
    reads it (``setInterval(ping, keepalive * 1000)``) times a heartbeat, it bounds no wait."""
    ws = set(words(name.rsplit(".", 1)[-1]))
    joined = name.rsplit(".", 1)[-1].lower()
    return "keepalive" in joined and not (ws & _TIMEOUT_WORDS or "timeout" in joined)


unit_of_name = durations.unit_of_name


_MEMBERS = re.compile(r"^(?:frozenset|set|tuple|list|new Class\[\]|\w+\.of|setOf|listOf|arrayOf)?\(?"
                      r"[\[({]([^\[\](){}]*)[\])}]\)?$")


def members(value: str) -> list[str] | None:
    """The members of a value that is one flat collection (``(ConnectionError, socket.timeout)``,
    ``frozenset([429, 502])``), as written without layout; None for anything else."""
    m = _MEMBERS.match(normalise(value))
    return [x for x in m.group(1).split(",") if x] if m is not None else None


def same_members(a: str, b: str) -> bool:
    """Whether two values are one flat collection of the same members in another order or wrapping
    (``(socket.timeout, ConnectionResetError)`` and ``(ConnectionResetError, socket.timeout)``;
    ``frozenset([429, 502])`` and ``frozenset([502, 429])``): what is retried is a set."""
    ma, mb = _MEMBERS.match(normalise(a)), _MEMBERS.match(normalise(b))
    if ma is None or mb is None:
        return False
    return sorted(filter(None, ma.group(1).split(","))) == sorted(filter(None, mb.group(1).split(",")))


def normalise(text: str) -> str:
    """A value's text without layout: whitespace, digit separators, numeric suffixes and the quote style
    of a string (``'GET'`` and ``"GET"``, what a formatter rewrites) do not matter."""
    t = re.sub(r"'([^'\"\\\n]*)'", r'"\1"', text)
    t = re.sub(r"\s+", "", t)
    t = re.sub(r"(?<=\d)_(?=\d)", "", t)
    t = re.sub(r"(?<=\d)[lLfFdD]\b", "", t)
    return t


def scan(source: syntax.Source) -> Scan:
    """Every retry/timeout setting with a constant value in one image."""
    return _Settings(source).run()


class _Settings:
    def __init__(self, source: syntax.Source) -> None:
        self.src = source
        self.lang = source.language
        self.lines = source.text.splitlines()
        self.consts: dict[str, float] = {}
        self.out = Scan()

    def run(self) -> Scan:
        kinds = _BINDINGS.get(self.lang)
        if not kinds:
            return self.out
        nodes = syntax.nodes_of_types(self.src.root, self.lang, tuple(kinds))
        bindings = []
        for node in nodes:
            b = self._binding(node, kinds[node.type])
            if b is not None:
                bindings.append(b)
            elif kinds[node.type] == "call":
                self._retry_wrapper(node)
        # constants first, so a setting can be valued through one (``Timeout: defaultTimeout``)
        for node, how, name, value in bindings:
            if how in ("const", "assign") and value is not None and _constant_name(node, name, self._local(node)):
                v = self._number(value)
                if v is not None:
                    self.consts.setdefault(name, v)
        taken: list[Any] = []
        for node, how, name, value in bindings:
            if value is not None and self.lang == "python":
                value = _field_default(value)
            kind = classify(name) or self._wait_named_as_status(name, value) or policy_member(node, how, name)
            if kind == "timeout" and how == "option" and backoff_bound(node, name):
                kind = "retry"
            if kind is None or value is None or syntax.inside_comment_or_string(node) or (
                    self.src.has_errors and _in_error(node)):
                continue
            if any(t.start_byte <= node.start_byte and node.end_byte <= t.end_byte for t in taken):
                continue  # inside an option object already recorded as a whole (``retry: {limit: 2}``)
            if not self._constant(value) or (syntax.node_text(value).rsplit(".", 1)[-1] == name.rsplit(".", 1)[-1]
                                             and defaults.default_of(value, self.lang) is None):
                continue  # timeout=timeout, this.retries = retries: passed through, not set
            value = _schema_default(value)
            if how == "assign" and self._local(node) and not _local_setting(name, kind) and not (
                    node.type == "assignment_expression" and _in_constructor(node)):
                continue  # attempt = 0, retries += 1: a loop counter, not a setting
            text = syntax.node_text(value)
            if how == "assign" and text in _BOOLS and self._local(node) and not _in_constructor(node):
                continue  # this.retryRequested = false in a method: state flipped at run time, not a setting
            if kind == "timeout" and text in _BOOLS:
                continue  # keepAlive: true switches something on; it bounds no wait
            if how == "param" and text in _NONE:
                continue  # def f(timeout=None): an optional parameter, no value
            if kind == "retry" and text == "0" and how in ("assign", "const", "param") and not name.isupper() and not (
                    {"max", "limit", "default", "total"} & set(words(name))):
                continue  # this._retryCount = 0: a counter starting, not a setting
            self._record(node, kind, name, value, how)
            if value.type in ("object", "dictionary", "literal_value", "lambda_literal", "annotated_lambda"):
                taken.append(value)
        return self.out

    def _retry_wrapper(self, node) -> None:
        """A call that runs an operation under the program's own retrying (``self.retry.call_with_retry(
        lambda: self._connect(), ...)``, ``doWithRetry(op)``, ``executeWithRetries(req)``): the operation
        is retried where it was not (added), or no longer (removed). Keyed by the wrapper's name, so the
        operation changing inside it, or the call moving, is no change."""
        name = syntax.callee(node, self.lang)
        last = name.rsplit(".", 1)[-1].lstrip("_")
        if wrapped_by(words(last)) not in _WRAPPED_BY \
                or syntax.inside_comment_or_string(node) or (self.src.has_errors and _in_error(node)):
            return  # (climbing for an error only where the parser met one: a climb costs depth x depth)
        line = syntax.line_of(node)
        scope = self.src.scope_at(line)
        self.out.constructs.append(Construct(
            "retry", "wrapper", line, line, scope.qualname if scope is not None else "", target=last,
            value=last, snippet=self.lines[line - 1].strip()[:160] if 0 < line <= len(self.lines) else ""))

    def _wait_named_as_status(self, name: str, value) -> str | None:
        """``REQUEST_TIMEOUT = 5``, ``GATEWAY_TIMEOUT = 30_000``: named like the HTTP status (408, 504,
        which :func:`classify` leaves out by name) but holding a number that is no such status: a wait.
        "timeout" then, else None (``REQUEST_TIMEOUT = 408`` is the status)."""
        if value is None or not re.fullmatch(r"(GATEWAY|REQUEST)_TIMEOUT", name.rsplit(".", 1)[-1]):
            return None
        v = self._number(value)
        return "timeout" if v is not None and v not in (408, 504) else None

    # -- reading a binding ---------------------------------------------------------------------------
    def _binding(self, node, how: str) -> tuple[Any, str, str, Any] | None:
        t = node.type
        name_node = value = None
        if how == "call":
            return self._call_binding(node)
        if t == "keyed_element":  # Go: key and value are literal_elements
            if len(node.named_children) < 2:
                return None
            name_node, value = node.named_children[0], node.named_children[1]
            if value.type == "literal_element" and value.named_children:
                value = value.named_children[0]
        elif t in ("const_spec", "var_spec"):
            names = node.children_by_field_name("name")
            v = node.child_by_field_name("value")
            if not names or v is None or not v.named_children:
                return None
            name_node, value = names[0], v.named_children[0]
        elif t in ("assignment_statement", "short_var_declaration"):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None or len(left.named_children) != 1 or len(right.named_children) != 1:
                return None
            op = node.child_by_field_name("operator")
            if op is not None and syntax.node_text(op) not in ("=", ":="):
                return None
            name_node, value = left.named_children[0], right.named_children[0]
        elif t == "property_declaration":
            decl = next((c for c in node.named_children if c.type == "variable_declaration"), None)
            if decl is None or not decl.named_children:
                return None
            name_node = decl.named_children[0]
            rest = [c for c in node.named_children if c.start_byte > decl.end_byte]
            value = rest[-1] if rest else None
        elif t == "tuple":
            # ``options=[("grpc.keepalive_timeout_ms", 10000)]``: an option given as a (key, value) pair
            # in a list of them (gRPC channel arguments, socket options)
            kids = [k for k in node.named_children if not syntax.is_comment(k)]
            if len(kids) != 2 or not syntax.is_string(kids[0]) or node.parent is None or node.parent.type != "list" \
                    or heartbeat_only(syntax.node_text(kids[0]).strip("'\"")):
                return None  # (``grpc.keepalive_time_ms``: how often to ping, not how long to wait)
            name_node, value = kids
        elif t in ("value_argument",):
            kids = node.named_children
            if len(kids) < 2 or kids[0].type not in ("identifier", "simple_identifier"):
                return None
            name_node, value = kids[0], kids[-1]
        elif t in ("class_parameter", "parameter_with_optional_type", "required_parameter", "optional_parameter"):
            kids = node.named_children
            value = node.child_by_field_name("value")
            name_node = node.child_by_field_name("pattern") or node.child_by_field_name("name") or (
                kids[0] if kids else None)
            if value is None and t == "class_parameter" and len(kids) >= 3:
                value = kids[-1]
            if value is None or name_node is None or name_node.type not in ("identifier", "simple_identifier"):
                return None
        elif t == "assignment" and self.lang == "kotlin":
            kids = node.named_children
            if len(kids) < 2:
                return None
            name_node, value = kids[0], kids[-1]
        else:
            name_node = (node.child_by_field_name("name") or node.child_by_field_name("left")
                         or node.child_by_field_name("key") or node.child_by_field_name("property"))
            value = node.child_by_field_name("value") or node.child_by_field_name("right")
            kids = node.named_children
            if name_node is None and kids:
                name_node = kids[0]
            if value is None and len(kids) >= 2:
                value = kids[-1]
            if t == "assignment" and node.child_by_field_name("type") is not None and value is not None \
                    and value.type == "type":
                return None
        if name_node is None or value is None or name_node == value:
            return None
        if t == "assignment" and self.lang == "python" and node.parent is not None \
                and node.parent.type == "assignment":
            return None  # a = b = 3: the outer one is read
        name = syntax.node_text(name_node).strip().replace(".#", ".").lstrip("#")  # ``this.#timeoutMs``: private
        if name == "default" and t == "keyword_argument":
            name = _option_named(node) or name
        if not re.fullmatch(r"['\"`]?[\w$.]+['\"`]?", name):
            return None  # a = b[...], destructuring: not one name
        return node, how, name.strip("'\"`"), value

    def _call_binding(self, node):
        name = syntax.callee(node, self.lang)
        if not name or name in _NOT_SETTERS:
            return None
        last = name.rsplit(".", 1)[-1]
        if last in _LOOKUPS:  # options.get("timeout", 30), os.getenv("RETRY_MAX", "3"): a default
            args = [v for k, v in syntax.arguments(node, self.lang)]
            if len(args) == 2 and syntax.is_string(args[0]):
                key = syntax.node_text(args[0]).strip("'\"`")
                return (node, "option", key, args[1]) if re.fullmatch(r"[\w.-]+", key) else None
            return None
        setting = re.sub(r"^(set|with|With|Set)(?=[A-Z_])_?", "", last)
        if setting == last and not (self.lang in ("java", "kotlin") and "." in name) and not (
                self.lang == "go" and last[:1].isupper()):
            return None  # only setters, option functions and builder links (``.connectTimeout(...)``)
        args = [v for k, v in syntax.arguments(node, self.lang) if k is None]
        if not args or len(args) > 2:
            return None
        value = args[0]
        if len(args) == 2 and not _is_time_unit(args[1]):
            return None
        return node, "call", setting, value

    def _local(self, node) -> bool:
        p = node.parent
        while p is not None:
            if p.type in _FUNCS:
                return True
            if p.type in _CLASSES:
                return False
            p = p.parent
        return False

    # -- values ------------------------------------------------------------------------------------
    def _constant(self, value) -> bool:
        text = syntax.node_text(value)
        if text in _NONE or text in _BOOLS:
            return True
        if self._seconds(value) is not None or self._number(value) is not None:
            return True
        if self.lang in _NAMED_CONSTANT_LANGS and _NAMED_CONSTANT.match(text):
            return True  # RealWebSocket.CANCEL_AFTER_CLOSE_MILLIS.toInt(): a constant of another class
        if value.type in ("string", "interpreted_string_literal", "string_literal"):
            # "30s", and "30" (``os.environ.get('SVC_TIMEOUT', '30')``: a number read from the environment)
            inner = text.strip("'\"`")
            return bool(_DURATION_STRING.match(inner) or re.fullmatch(r"\d+(\.\d+)?", inner))
        if value.type in _AGGREGATES:
            return len(text) <= 600 and self._literal(value)
        default = defaults.default_of(value, self.lang)
        if default is not None and default.type in _AGGREGATES:
            return self._constant(default)  # retry_on_error or [ConnectionError]: the default list
        return False

    def _literal(self, node) -> bool:
        """An object, dict, list or struct literal made of constants only (``{limit: 2, methods: ['get']}``),
        not one that spreads or copies other values (``{...options.retry}``)."""
        parts = node.named_children
        if not parts:
            return False
        for part in parts:
            if syntax.is_comment(part):
                continue
            if part.type in ("pair", "keyed_element", "element_value_pair"):
                v = part.child_by_field_name("value") or (part.named_children[-1] if part.named_children else None)
                if v is not None and v.type == "literal_element" and v.named_children:
                    v = v.named_children[0]
                if v is None or not (self._constant(v) or syntax.is_string(v)):
                    return False
            elif part.type == "literal_element" and part.named_children:
                v = part.named_children[0]
                if not (self._constant(v) or syntax.is_string(v)):
                    return False
            elif part.type in ("type_identifier", "qualified_type", "generic_type", "dimensions"):
                continue  # the type of a composite literal or an array
            elif _EXCEPTION_CLASS.match(syntax.node_text(part)):
                continue  # (ConnectionError, socket.timeout), {IOException.class}: which failures, all constant
            elif part.type in _AGGREGATES:
                if not self._literal(part):
                    return False
            elif not (self._constant(part) or syntax.is_string(part)):
                return False
        return True

    def _number(self, node) -> float | None:
        if node is None:
            return None
        t = node.type
        text = syntax.node_text(node)
        if t in _NUMBER_TYPES:
            s = normalise(text).rstrip("uU")
            try:
                return float(s)
            except ValueError:
                try:
                    return float(int(s, 0))
                except ValueError:
                    return None
        if t in ("identifier", "simple_identifier") or (t in ("attribute", "member_expression", "field_access",
                                                               "selector_expression") and "(" not in text):
            if self.lang in ("java", "kotlin") and _JVM_ZERO.match(text):
                return 0.0  # httpcore's Timeout.ZERO_MILLISECONDS / DISABLED, java.time's Duration.ZERO
            if text in ("Infinity", "math.inf", "float('inf')", "Number.POSITIVE_INFINITY"):
                return INFINITE
            last = text.rsplit(".", 1)[-1]
            if "." in text and not (last.isupper() or last.lstrip("_").isupper()):
                return None  # ky._retryCount: a field, not a constant
            return self.consts.get(last)
        if t in ("parenthesized_expression",) and node.named_children:
            return self._number(node.named_children[0])
        if self.lang == "go" and (count := go_conversion(node)) is not None:
            return self._number(count)  # uint(10), int64(3): the number, typed
        if t in ("unary_operator", "unary_expression", "prefix_expression") and node.named_children:
            v = self._number(node.named_children[-1])
            return -v if v is not None and text.lstrip().startswith("-") else v
        default = defaults.default_of(node, self.lang)
        if default is not None:  # options.timeout || 10000, typeof t === 'undefined' ? 10000 : t: the default
            return self._number(default)
        if t in ("binary_operator", "binary_expression", "multiplicative_expression", "additive_expression"):
            kids = node.named_children
            left = node.child_by_field_name("left") or (kids[0] if kids else None)
            right = node.child_by_field_name("right") or (kids[-1] if kids else None)
            op_node = node.child_by_field_name("operator")
            op = syntax.node_text(op_node) if op_node is not None else next(
                (syntax.node_text(c) for c in node.children if not c.is_named), "")
            a, b = self._number(left), self._number(right)
            if a is None or b is None or left == right:
                return None
            return arith(op, a, b)
        return None

    def _seconds(self, node) -> float | None:
        """Seconds when the value carries its own unit (a duration), else None (``durations.written``)."""
        return durations.written(node, self.lang, self._number)

    # -- output ------------------------------------------------------------------------------------
    def _record(self, node, kind: str, name: str, value, how: str) -> None:
        # ``typeof x === 'undefined' ? d : x`` and ``x === undefined ? d : x``, ``x == null ? d : x`` and
        # ``x ?? d``: one text for the spellings of a default that mean exactly the same
        text = defaults.canonical(value, self.lang) or _entries_in_order(value) or _without_comments(value)
        line = syntax.line_of(node)
        seconds: float | None = None
        attempts: float | None = None
        unit = None  # ``setRetryDelay(500, TimeUnit.MILLISECONDS)``: the unit passed beside the value
        if how == "call":
            parent_args = [v for k, v in syntax.arguments(node, self.lang) if k is None]
            if len(parent_args) == 2 and _is_time_unit(parent_args[1]):
                unit = parent_args[1]
                text = f"{text}, {syntax.node_text(unit)}"
        duration = durations.of_setting(name, value, self.lang, self._number, unit)
        if kind == "timeout":
            seconds = self._seconds(value)
            if seconds is None and unit is not None:
                n = self._number(value)
                unit_name = syntax.node_text(unit).rsplit(".", 1)[-1]
                seconds = n * _TIMEUNIT[unit_name] if n is not None and unit_name in _TIMEUNIT else None
            if seconds is None:
                n = self._number(value)
                guess = unit_of_name(name) or _DEFAULT_UNIT.get(self.lang)
                if n == 0 and self.lang != "python":
                    seconds = INFINITE  # axios, got, node:http, OkHttp, java.net, Go's net/http: 0 is "no timeout"
                elif n is not None and guess is not None:
                    seconds = INFINITE if n == INFINITE else n * guess
                elif text == "None" and self.lang == "python" and how != "param":
                    seconds = INFINITE  # requests, socket, urllib3: None waits forever
        else:
            n = self._number(value)
            if n is not None and any(w in ("retries", "retry", "retrymax", "maxretries", "tries", "attempts",
                                           "attempt", "redeliveries")
                                     for w in words(name.rsplit(".", 1)[-1])) and not any(
                    w in _INTERVAL for w in words(name.rsplit(".", 1)[-1])):
                attempts = n if "attempt" in name.lower() or "tries" in words(name) else n + 1
        end = node.end_point[0] + 1
        scope = self.src.scope_at(line)
        self.out.constructs.append(Construct(
            kind, "setting", line, end, scope.qualname if scope is not None else "", target=name.rsplit(".", 1)[-1],
            attempts=attempts, seconds=seconds, value=self._shown(text),
            duration=duration.seconds if duration is not None else None,
            snippet=self.lines[line - 1].strip()[:160] if 0 < line <= len(self.lines) else ""))


    def _shown(self, text: str) -> str:
        """A value as the construct keeps it: its text on one line, bounded by :func:`bounded` (in every
        language, so a long literal that changes past its first characters is still a change). In JS/TS
        trailing commas are left out: there a formatter adds and drops them as it re-wraps a literal."""
        shown = " ".join(text.split())
        if self.lang in ("javascript", "typescript", "tsx"):
            shown = re.sub(r",\s*(?=[\]})])", "", shown)  # a trailing comma is a formatter's choice
        return bounded(shown)


#: the longest value a construct keeps as written; a longer one keeps its first ``_SHOWN_PREFIX``
#: characters other than spaces (so at most ``2 * _SHOWN_PREFIX`` with the single spaces between
#: them, about 100 in real code), then `` … #`` and 12 hex digits of a digest of the whole
VALUE_WIDTH = 120
_SHOWN_PREFIX = 80


def bounded(shown: str) -> str:
    """A value's one-line text, at most about ``VALUE_WIDTH`` characters (it goes into messages and
    JSON), that still tells two values apart: a longer one keeps its start and a digest of the whole,
    layout left out (:func:`normalise`). Cutting alone made two long values that differ only past the
    cut (a status code added at the end of a retried-codes list) compare equal, so the change went
    unseen. The start is counted in characters other than spaces, so the same literal re-wrapped
    (``[ 408, 429 ]`` and ``[408, 429]``) keeps the same start once normalised, as it keeps the digest."""
    if len(shown) <= VALUE_WIDTH:
        return shown
    digest = hashlib.sha1(normalise(shown).encode("utf-8", "replace")).hexdigest()[:12]
    kept, cut = 0, len(shown)
    for i, ch in enumerate(shown):
        if not ch.isspace():
            kept += 1
            if kept == _SHOWN_PREFIX:
                cut = i + 1
                break
    return f"{shown[:cut].rstrip()} … #{digest}"


def written(node) -> str:
    """A value as the code wrote it, on one line and bounded (:func:`bounded`): what every scanner keeps
    as a construct's ``value``, so that no scanner cuts a long value where a change past the cut would
    go unseen."""
    return bounded(" ".join(syntax.node_text(node).split()))


#: object and dictionary literals, and the lists and sets inside them read as sets of members
_LITERAL_MAPS = frozenset({"object", "dictionary"})
_LITERAL_LISTS = frozenset({"array", "list", "set", "tuple"})
_ENTRY_DEPTH = 6


def backoff_bound(pair, name: str) -> bool:
    """``{retries: 5, minTimeout: 500, maxTimeout: 5000}`` (node-retry, p-retry, async-retry): beside a
    retry count in the same options, a minimum or maximum "timeout" is the delay between attempts,
    which is retry policy, not a wait for an answer."""
    ws = words(name.rsplit(".", 1)[-1])
    if len(ws) != 2 or ws[0] not in ("min", "max") or ws[1] != "timeout" or pair.parent is None:
        return False
    for sibling in pair.parent.named_children:
        key = sibling.child_by_field_name("key") if sibling.type == "pair" else None
        if key is not None and sibling != pair and classify(syntax.node_text(key).strip("'\"")) == "retry":
            return True
    return False


def _entries_in_order(node, depth: int = 0) -> str | None:
    """An options literal's text with its entries sorted by key, and the plain lists in it sorted
    (``{limit: 2, methods: ['get', 'put']}`` and ``{methods: ['put', 'get'], limit: 2}``): the same
    options, written in another order. None when it holds anything but ``key: value`` entries (a
    spread, ``...defaults``, whose place decides what wins) or nests deeper than a handful of levels."""
    if node is None or node.type not in _LITERAL_MAPS or depth > _ENTRY_DEPTH:
        return None
    entries = []
    for child in node.named_children:
        if syntax.is_comment(child):
            continue
        if child.type != "pair":
            return None
        key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
        if key is None or value is None:
            return None
        entries.append(f"{syntax.node_text(key).strip(chr(34) + chr(39))}: {_member_text(value, depth + 1)}")
    return "{" + ", ".join(sorted(entries)) + "}" if len(entries) > 1 else None


def _member_text(node, depth: int) -> str:
    """An entry's value as written, with maps and plain lists in it sorted (by their normalised text,
    so that quote styles sort alike; shown as written)."""
    if node.type in _LITERAL_MAPS:
        return _entries_in_order(node, depth) or _without_comments(node)
    members = [c for c in node.named_children if not syntax.is_comment(c)]
    if node.type in _LITERAL_LISTS and members and all(c.type in ("string", "number", "integer", "float") for c in members):
        written = sorted((syntax.node_text(c) for c in members), key=normalise)
        return ("(" if node.type == "tuple" else "[") + ", ".join(written) + (")" if node.type == "tuple" else "]")
    return _without_comments(node)


def _without_comments(node) -> str:
    """A value's text with the comments inside it left out (a multi-line options literal whose
    comment was reworded or dropped holds the same values)."""
    text = syntax.node_text(node)
    comments = [n for n in syntax.walk(node) if syntax.is_comment(n)]
    if not comments:
        return text
    out, at = [], node.start_byte
    raw = text.encode("utf-8")
    for c in comments:
        out.append(raw[at - node.start_byte:c.start_byte - node.start_byte])
        at = c.end_byte
    out.append(raw[at - node.start_byte:])
    return b" ".join(out).decode("utf-8", "replace")


_JVM_ZERO = re.compile(r"^(Timeout|TimeValue)\.(ZERO_MILLISECONDS|DISABLED)$|^Duration\.ZERO$")

#: languages whose upper-case names are compile-time constants by convention (Go, Java, Kotlin, C#)
_NAMED_CONSTANT_LANGS = frozenset({"go", "java", "kotlin", "csharp"})
_NAMED_CONSTANT = re.compile(r"^([A-Za-z_]\w*\.)*[A-Z][A-Z0-9]*(_[A-Z0-9]+)+(\.to(Int|Long)\(\)|\.inWholeMilliseconds)?$")

#: an exception class named in a list of what is retried: a constant as much as a number is
_EXCEPTION_CLASS = re.compile(r"^([A-Za-z_$][\w$]*\.)*[A-Z][\w$]*(Error|Exception|Timeout|Failure)"
                              r"(\.class|::class(\.java)?)?$|^[a-z_]\w*\.(timeout|error)$")

_AGGREGATES = frozenset({"object", "dictionary", "literal_value", "array", "list", "tuple", "expression_list",
                         "composite_literal", "array_creation_expression", "array_initializer"})


#: Go's numeric types, whose conversion of a literal is that number (``uint(10)``, ``uint32(0)``)
_GO_NUMERIC = frozenset({"int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
                         "float32", "float64", "uintptr", "byte", "rune"})


def go_conversion(node) -> Any:
    """The operand of a Go conversion to a numeric type (``uint(10)`` -> ``10``), else None: a default
    written ``DefaultAttempts = uint(10)`` or ``retryTimeout := uint32(1)`` is the number written out,
    as ``10`` is."""
    if node is None or node.type != "call_expression":
        return None
    fn, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
    if fn is None or args is None or fn.type != "identifier" or syntax.node_text(fn) not in _GO_NUMERIC:
        return None
    operands = [a for a in args.named_children if not syntax.is_comment(a)]
    return operands[0] if len(operands) == 1 else None


def _constant_name(node, name: str, local: bool) -> bool:
    """A name that holds one value for the life of the program, so a use of it can be valued: upper
    case, or bound at module level (not a field, which code may count with: ``this._retryCount = 0``)."""
    if "." in name:
        return False
    if name.isupper() or name.lstrip("_").isupper():
        return True
    if local:
        return False
    return not syntax.has_ancestor(node, _CLASSES)


#: class nodes whose name says what the class is (a ``class_body`` is climbed through)
_CLASS_NODES = frozenset({"class_definition", "class_declaration", "object_declaration", "class",
                          "companion_object"})


def policy_member(node, how: str, name: str) -> str | None:
    """``"retry"`` or ``"timeout"`` for a field or constructor default of a class named for a retry or
    timeout policy, else None. A library's own policy class names its parts plainly: ``Timeout(connect=5,
    read=5)``, ``ExponentialBackoff(cap=0.512, base=0.008)``, ``RetryConfig.DEFAULT_WAIT_DURATION``,
    ``class RetryCfg(val delayMillis: Long = 1000)``; their defaults are the library's retry and timeout
    behaviour though no part's name says so. Only a class's fields and its constructor's defaults
    (including ``self.x = 5`` in it) count, never a method's locals; a name that is bookkeeping, a
    handler or a question (``name``, ``logger``, ``isEnabled``) does not, nor an interval in a timeout
    class (a poll period is no wait)."""
    last = name.rsplit(".", 1)[-1].lstrip("_$")
    ws = words(last)
    # supported_errors, status_forcelist, allowed_methods: what is retried
    retried = bool(ws) and (ws[-1] in _RETRIED_SETS or ws[-1] in _LISTS)
    if not ws or ws[0] in _NOT_FIRST or bookkeeping(last) or any(
            w in _NOT for w in (ws[:-1] if retried else ws) if not (retried and w in _RETRIED_SETS)):
        return None
    owner = _policy_owner(node, how, name)
    if owner is None:
        return None
    if owner.type in _CALLS:  # Timeout(connect=5, read=30), RetryPolicy(maxAttempts = 3)
        kind = _policy_kind(syntax.callee(owner, "kotlin" if owner.type == "call_expression" else "python"))
    else:
        kind = None
        for _ in range(3):  # RetryConfig.Builder's fields, a companion's constants: the policy's
            label = owner.child_by_field_name("name") or next(
                (c for c in owner.named_children if c.type in ("type_identifier", "identifier", "simple_identifier")),
                None)
            text = syntax.node_text(label) if label is not None else ""
            kind = _policy_kind(text)
            outer = syntax.ancestor(owner, _CLASS_NODES) if text in _HELPER_CLASSES or owner.type in (
                "companion_object",) else None
            if kind is not None or outer is None:
                break
            owner = outer
    if kind == "timeout" and (retried or any(w in _INTERVAL for w in ws)):
        return None
    return kind


#: classes nested in a policy that hold its parts for it (a builder, a companion's defaults)
_HELPER_CLASSES = frozenset({"Builder", "Companion", "Defaults", ""})

#: the last word of a list a policy keeps of what it retries (``status_forcelist``, ``method_whitelist``)
_LISTS = frozenset({"forcelist", "whitelist", "allowlist", "blacklist", "denylist", "list", "set"})

#: the last word of a class or callee that *is* a policy (``RetryConfig``, ``ClientTimeout``,
#: ``ExponentialBackoff``), not something that uses one (``AIMDBackoffManager``, ``RetryTemplate``,
#: ``RetrySynchronizationManager``: their fields are the tool's own state)
_POLICY_NOUNS = frozenset({"retry", "retries", "retrying", "backoff", "timeout", "timeouts", "policy", "config",
                           "configuration", "cfg", "conf", "options", "opts", "settings", "strategy", "params", "parameters", "spec",
                           "limits", "defaults"})


def _policy_kind(name: str) -> str | None:
    """``"retry"``/``"timeout"`` for the name of a class or callee that is a retry or timeout policy."""
    last = name.rsplit(".", 1)[-1]
    ws = words(last)
    if not ws or not (ws[-1] in _POLICY_NOUNS or last.lower().endswith("backoff")):
        return None
    return classify(last) or ("retry" if "backoff" in last.lower() else None)


def _policy_owner(node, how: str, name: str) -> Any:
    """The class a binding belongs to as a field or a constructor default, else None."""
    if how == "param":
        fn = syntax.ancestor(node, _FUNCS | {"primary_constructor"})
        if fn is not None and fn.type != "primary_constructor" and not _in_constructor(node):
            return None
        target = fn if fn is not None else node
    elif how == "option" and node.type in ("keyword_argument", "value_argument"):
        return _called_policy(node)
    elif how in ("const", "assign"):
        fn = syntax.ancestor(node, _FUNCS)
        if fn is not None and not (name.startswith(("self.", "this.")) and name.count(".") == 1
                                   and not name.split(".")[1].startswith(("_", "#")) and _in_constructor(node)):
            return None  # a method's local, another object's field, or private state set up
        target = fn if fn is not None else node
    else:
        return None
    return syntax.ancestor(target, _CLASS_NODES)


#: call nodes whose named arguments :func:`_called_policy` reads (Python, Kotlin)
_CALLS = frozenset({"call", "call_expression"})


def _called_policy(node) -> Any:
    """The call a named argument is given to (``ClientTimeout(sock_connect=30)``): the policy object
    it builds, when its callee is named for one (:func:`policy_member` asks)."""
    args = node.parent
    call = args.parent if args is not None else None
    if call is not None and call.type == "call_suffix":  # Kotlin: value_arguments < call_suffix < call
        call = call.parent
    return call if call is not None and call.type in _CALLS else None


def _option_named(node) -> str | None:
    """The option a ``default=`` argument belongs to, named by the call's first argument
    (``add_argument('--timeout', type=float, default=30)``, ``click.option('--retries', default=3)``):
    the command line's default is the program's setting."""
    call = _called_policy(node)
    if call is None or call.type != "call":
        return None
    first = next((v for k, v in syntax.arguments(call, "python") if k is None), None)
    if first is None or not syntax.is_string(first):
        return None
    option = syntax.node_text(first).strip("'\"").lstrip("-").replace("-", "_")
    return option if re.fullmatch(r"[A-Za-z_]\w*", option) else None


_CONSTRUCTORS = frozenset({"constructor_declaration", "secondary_constructor", "anonymous_initializer",
                           "static_initializer", "constructor_definition"})


#: declarations of a dataclass, attrs or pydantic field with its default (``Field(5.0, description=...)``)
_FIELD_CALLS = frozenset({"field", "Field", "ib", "attrib", "PrivateAttr"})


def _field_default(value):
    """The default a field declaration gives (``Field(5.0, ...)``, ``field(default=5.0)``,
    ``attr.ib(default=5.0)``): a documented field holds the value the bare annotation held."""
    if value.type != "call" or syntax.callee(value, "python").rsplit(".", 1)[-1] not in _FIELD_CALLS:
        return value
    args = syntax.arguments(value, "python")
    given = {k: v for k, v in args if k is not None}
    positional = [v for k, v in args if k is None]
    default = given.get("default")
    if default is None and positional and syntax.callee(value, "python").rsplit(".", 1)[-1] == "Field":
        default = positional[0]
    if default is None or syntax.node_text(default) in ("None", "..."):
        return value  # (no default, or "not set": the bare declaration said nothing either)
    return default


def _schema_default(value):
    """The default of an option described by a schema (``pluginTimeout: {type: 'integer', default: 10000}``):
    the option's value is its default, so moving it between a schema and a defaults object is no change."""
    if value.type not in ("object", "dictionary"):
        return value
    for part in value.named_children:
        if part.type != "pair":
            continue
        key = part.child_by_field_name("key")
        if key is not None and syntax.node_text(key).strip("'\"`") == "default":
            return part.child_by_field_name("value") or value
    return value


def _in_constructor(node) -> bool:
    """Inside a constructor or initialiser (``__init__``, ``constructor``, a Java/Kotlin constructor or
    ``init`` block, a Go ``New...`` function), where fields get their defaults."""
    p = node.parent
    while p is not None:
        if p.type in _CONSTRUCTORS:
            return True
        if p.type in _FUNCS:
            name = p.child_by_field_name("name")
            text = syntax.node_text(name) if name is not None else ""
            return text in ("__init__", "constructor", "init") or text.startswith(("New", "new", "default", "Default"))
        p = p.parent
    return False


def _local_setting(name: str, kind: str) -> bool:
    ws = words(name.rsplit(".", 1)[-1])
    if "." in name:
        return True  # self.timeout = 5, c.RetryMax = 3: a field
    return kind == "timeout" or bool({"max", "limit", "default", "total"} & set(ws)) or name.isupper()


#: calls that read an option with a default: the default is a setting of the option's name
_LOOKUPS = frozenset({"get", "pop", "setdefault", "getOrDefault", "getenv", "getint", "getfloat", "getboolean",
                      "getInt", "getLong", "getDuration", "optInt", "optLong"})


def _in_error(node) -> bool:
    """Inside a part the parser could not read: what it binds is a guess. (A missing node is a leaf, so
    only the node itself can be one; the climb for an ``ERROR`` is the memoised one: each plain climb
    costs depth x depth, and a file can hold thousands of nested calls and one syntax error.)"""
    return node.type == "ERROR" or node.is_missing or syntax.ancestor(node, _ERROR) is not None


_ERROR = frozenset({"ERROR"})


def _is_time_unit(node) -> bool:
    text = syntax.node_text(node)
    return text.rsplit(".", 1)[-1] in _TIMEUNIT
