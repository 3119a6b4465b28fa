"""Retries built by recursion, in Python, Go, Java and Kotlin (issue 13).

A function that, when its operation fails, waits and calls itself again with the same inputs
(``return fetch_feed(session, url, attempt + 1)`` after ``time.sleep(2 ** attempt)`` in an ``except``;
``return c.fetch(ctx, url, retries-1)`` after ``time.Sleep`` under ``if err != nil``) retries by
recursion, as JavaScript's ``_recursion`` reads it. What counts, the same in every language:

- the self-call is on a *failure path*: an ``except``/``catch`` clause, or the branch of an ``if``
  that tests a failure (``err != nil``, ``!resp.isSuccessful``, ``status >= 500``);
- it passes the function its own inputs again (a counter stepped by one, a delay doubled): a call on
  another input (``walk(child)``, ``load(parent)``) tries an alternative, not the same thing again;
- and a wait precedes it on that path, or it passes a counter down. A recursive algorithm (tree walk,
  pagination, a parser) has no failure path and is no retry; nor is a callback that only logs.

The construct sits at the self-call, as in JavaScript, valued by what the failure path decides (its
stop conditions and waits, as written). Attempts are the default of the counter it decrements
(``retries=3``, ``retries: Int = 3``); with no counter and no stop on the way it never gives up.
The language-specific part is only which nodes are functions, failure paths, stops and waits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mergeguard.features import syntax
from mergeguard.features.resilience import INFINITE, Construct, policy_functions


@dataclass(frozen=True)
class _Grammar:
    """The node types one language writes a recursion retry with."""

    functions: tuple[str, ...]  # functions and methods that can call themselves
    nested: frozenset[str]  # a closure: a self-call in it runs later, not on this failure path
    catches: frozenset[str]  # a clause that runs when the operation failed
    ifs: frozenset[str]  # a conditional whose first branch can be the failure branch
    stops: frozenset[str]  # statements that end the attempts (raise, throw, return)
    receivers: tuple[str, ...]  # names the function's own object goes by
    counters: frozenset[str]  # binary expression node types (``attempt + 1``)
    raises: frozenset[str]  # statements that fail the call (raise, throw)
    splats: frozenset[str]  # ``*args``/``**kwargs`` handed on


_GRAMMARS = {
    "python": _Grammar(("function_definition",), frozenset({"lambda", "function_definition"}),
                       frozenset({"except_clause"}), frozenset({"if_statement"}),
                       frozenset({"raise_statement", "return_statement"}), ("self", "cls"),
                       frozenset({"binary_operator"}), frozenset({"raise_statement"}),
                       frozenset({"list_splat", "dictionary_splat"})),
    "go": _Grammar(("function_declaration", "method_declaration"), frozenset({"func_literal"}),
                   frozenset(), frozenset({"if_statement"}), frozenset({"return_statement"}), (),
                   frozenset({"binary_expression"}), frozenset(), frozenset({"variadic_argument"})),
    "java": _Grammar(("method_declaration",), frozenset({"lambda_expression", "class_body"}),
                     frozenset({"catch_clause"}), frozenset({"if_statement"}),
                     frozenset({"throw_statement", "return_statement"}), ("this",), frozenset({"binary_expression"}),
                     frozenset({"throw_statement"}), frozenset()),
    "kotlin": _Grammar(("function_declaration",), frozenset({"lambda_literal", "anonymous_function", "class_body"}),
                       frozenset({"catch_block"}), frozenset({"if_expression"}),
                       frozenset({"throw_expression", "return_expression"}), ("this",),
                       frozenset({"binary_expression"}), frozenset({"throw_expression"}), frozenset({"spread_expression"})),
}

#: a wait before trying again: ``time.sleep``, ``asyncio.sleep``, ``time.Sleep``, ``Thread.sleep``,
#: ``TimeUnit.SECONDS.sleep``, Kotlin ``delay``, Go ``<-time.After(d)``, a project's ``backoff(...)``
_WAIT = re.compile(r"(^|\.)(sleep|Sleep|delay|pause|backoff|Backoff|After)$")
#: a condition that says the operation failed: Go's ``err != nil``, a result that is not ok, a 5xx/429
_FAILED = re.compile(r"\b\w*(err|Err|error|Error)\s*!=\s*nil\b"
                     r"|(!|\bnot\s+)\s*\(?\s*[\w.]*\.?(ok|isSuccessful|is_success|isSuccess|success|successful)\b"
                     r"|\b(status|status_code|statusCode|StatusCode|code)\s*(>=|>)\s*[45]\d\d"
                     r"|\b(status|status_code|statusCode|StatusCode|code)\s*==\s*(429|50[234])\b"
                     r"|\b(status|status_code|statusCode|StatusCode)\s+in\s")
_EXPONENTIAL = re.compile(r"\*\*|\bpow\b|\.pow\(|\bPow\(|<<|\bshl\b|\*\s*2\b")
_JITTER = re.compile(r"random|Random|rand\.|jitter|Jitter", re.I)
_SAME = frozenset({"true", "false", "none", "nil", "null_literal", "boolean_literal", "this", "this_expression"})
_FIELDS = frozenset({"attribute", "selector_expression", "field_access", "navigation_expression"})


def scan(source: syntax.Source) -> list[Construct]:
    """Every retry by recursion in one image (empty for a language without a grammar here)."""
    g = _GRAMMARS.get(source.language)
    if g is None:
        return []
    out = []
    for fn in syntax.nodes_of_types(source.root, source.language, g.functions):
        found = _retry_of(fn, source, g)
        if found is not None:
            out.append(found)
    return out


def _retry_of(fn, src: syntax.Source, g: _Grammar) -> Construct | None:
    lang = src.language
    name = syntax.scope_name(fn, lang).rsplit(".", 1)[-1]
    body = fn.child_by_field_name("body") or next(
        (c for c in fn.named_children if c.type in ("function_body", "block")), None)
    if not name or body is None:
        return None
    params = _parameters(fn, lang)
    own = {f"{r}.{name}" for r in (*g.receivers, _receiver(fn, lang))} | {name}
    for call, args in _self_calls(body, lang, own):
        if syntax.ancestor(call, (*g.functions, *g.nested)) != fn:
            continue
        path = _failure_path(call, fn, g)
        if path is None:
            continue
        if not all(_same_input(a, params, g, {*g.receivers, _receiver(fn, lang)} - {""}) for a in args):
            continue  # another input: an alternative tried, not the same operation again
        counter = next((c for c in (_counter(a, params, g) for a in args) if c is not None), None)
        # a wait on the way to the self-call: on the failure path, or before the attempt at the top of
        # the function (``await anyio.sleep(delay)`` and then the ``try``)
        waits = [w for w in syntax.calls(body, lang) if w.start_byte < call.start_byte
                 and _WAIT.search(syntax.callee(w, lang) or "") and syntax.ancestor(w, g.nested, stop=g.functions) is None]
        if not waits and counter is None:
            continue  # a recover-and-call-again with neither a wait nor a bound: not read as a retry
        # what gives up on the way: a raise/throw/return on the failure path, or a guarded raise/throw
        # before it (``if attempt >= MAX: raise``, ``if time.monotonic() > deadline: raise``)
        stops = [s for s in syntax.walk_within(body, g.nested) if s.start_byte < call.start_byte and (
            s.type in g.stops and _inside(s, path) or s.type in g.raises and _guarded(s, fn, g))
            and not _inside(call, s)]
        attempts: float | None = None
        if counter is not None and counter[1] == "-":
            attempts = _number(params.get(counter[0]))
        elif counter is None and not stops:
            attempts = INFINITE  # nothing counts the attempts and nothing on the way gives up
        text = " ".join(syntax.node_text(w) for w in waits)
        backoff = "none" if not waits else "exponential" if _EXPONENTIAL.search(text) or any(
            _doubled(a, params) for a in args) else "fixed"
        tokens = ["stop:" + _plain(_guard(s, path, g)) for s in stops]
        tokens += ["wait:" + _plain(syntax.node_text(w)) for w in waits]
        if counter is not None:
            tokens.append(f"counter:{counter[1]}:" + _plain(syntax.node_text(params.get(counter[0]))))
        # a delay handed down from a parameter's default (``delay=0.5``) is the wait as written too
        tokens += [f"default:{p}=" + _plain(syntax.node_text(d)) for p, d in params.items()
                   if d is not None and re.search(rf"\b{re.escape(p)}\b", text)]
        line = syntax.line_of(call)
        lines = src.lines()
        return Construct("retry", "recursion", line, call.end_point[0] + 1, syntax.qualname_at(call, lang), target=name,
                         attempts=attempts, backoff=backoff, jitter=bool(_JITTER.search(text)),
                         snippet=lines[line - 1].strip()[:160] if line <= len(lines) else "",
                         value=policy_functions.decision_value(sorted(tokens)))
    return None


def _self_calls(body, lang: str, own: set[str]):
    """The calls in ``body`` of one of the names ``own`` (the function itself), with their arguments.

    tree-sitter-kotlin reads a call of a function named for a modifier (``open(attempt + 1)``,
    ``data(x)``) as an ERROR holding the modifier and a parenthesised expression: that is the call too."""
    for call in syntax.calls(body, lang):
        if syntax.callee(call, lang) in own:
            yield call, [a for _, a in syntax.arguments(call, lang) if a is not None]
    if lang != "kotlin" or not body.has_error:
        return
    for err in syntax.walk(body):
        nxt = err.next_named_sibling if err.type == "ERROR" else None
        if nxt is not None and nxt.type == "parenthesized_expression" and syntax.node_text(err) in own \
                and err.end_point[0] == nxt.start_point[0]:
            yield err, [c for c in nxt.named_children if not syntax.is_comment(c)]


def _failure_path(call, fn, g: _Grammar):
    """The failure path ``call`` sits on inside ``fn``: the ``except``/``catch`` clause around it, or
    the first branch of an ``if`` whose condition says the operation failed. None elsewhere."""
    p = call.parent
    while p is not None and p != fn:
        if p.type in g.catches:
            return p
        if p.type in g.ifs:
            cond = p.child_by_field_name("condition") or (p.named_children[0] if p.named_children else None)
            branch = p.child_by_field_name("consequence") or (p.named_children[1] if len(p.named_children) > 1 else None)
            if cond is not None and branch is not None and branch.start_byte <= call.start_byte < branch.end_byte \
                    and (_FAILED.search(syntax.node_text(cond)) or _cleared_on_failure(cond, fn, g)):
                return branch
        p = p.parent
    return None


#: a test that a name holds nothing: ``not conn``, ``conn is None``, ``conn == null``, ``conn == nil``, ``!ok``
_EMPTY = re.compile(r"^\(?\s*(?:not\s+(\w+)|!\s*(\w+)|(\w+)\s*(?:is|==|===)\s*(?:None|null|nil))\s*\)?$")


def _cleared_on_failure(cond, fn, g: _Grammar) -> bool:
    """A failed-result check: the condition tests for nothing a name that an ``except``/``catch`` of the
    same function sets (``except SocketError: conn = None`` ... ``if not conn: return
    self.urlopen(..., retries - 1)``; set through a helper, ``conn = self._cleanup_conn(conn)``, that
    returns None): the branch runs when the attempt failed."""
    m = _EMPTY.match(syntax.node_text(cond).strip())
    name = next((x for x in m.groups() if x), None) if m else None
    if not name:
        return False
    for clause in syntax.walk_within(fn, g.nested):
        if clause.type not in g.catches:
            continue
        for n in syntax.walk_within(clause, g.nested):
            if n.type in ("assignment", "assignment_expression", "assignment_statement"):
                if syntax.node_text(n.child_by_field_name("left")) == name:
                    return True
    return False


def _inside(node, outer) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def _guarded(stop, fn, g: _Grammar) -> bool:
    """Whether a stop sits under a condition of its function (not in a nested one)."""
    p = stop.parent
    while p is not None and p != fn:
        if p.type in g.ifs:
            return True
        p = p.parent
    return False


def _parameters(fn, lang: str) -> dict:
    """The function's parameter names, each with its default value node (None without one)."""
    out: dict = {}
    if lang == "python":
        params = fn.child_by_field_name("parameters")
        for p in params.named_children if params is not None else ():
            if p.type == "identifier":
                out[syntax.node_text(p)] = None
            elif p.type in ("default_parameter", "typed_default_parameter"):
                out[syntax.node_text(p.child_by_field_name("name"))] = p.child_by_field_name("value")
            elif p.type in ("typed_parameter", "list_splat_pattern", "dictionary_splat_pattern") and p.named_children:
                name = p.named_children[0]  # ``x: int``, ``*args``, ``**kwargs`` (and ``*args: Any``)
                if name.type in ("list_splat_pattern", "dictionary_splat_pattern") and name.named_children:
                    name = name.named_children[0]
                out[syntax.node_text(name)] = None
    elif lang == "go":
        params = fn.child_by_field_name("parameters")
        for d in params.named_children if params is not None else ():
            for n in d.children_by_field_name("name"):
                out[syntax.node_text(n)] = None
    elif lang == "java":
        params = fn.child_by_field_name("parameters")
        for d in params.named_children if params is not None else ():
            n = d.child_by_field_name("name")
            if n is not None:
                out[syntax.node_text(n)] = None
    else:  # kotlin: a parameter's default follows it in the list
        params = next((c for c in fn.named_children if c.type == "function_value_parameters"), None)
        last = None
        for c in params.named_children if params is not None else ():
            if c.type == "parameter":
                ident = next((i for i in c.named_children if i.type in ("identifier", "simple_identifier")), None)
                last = syntax.node_text(ident) if ident is not None else None
                if last:
                    out[last] = None
            elif last and not syntax.is_comment(c):
                out[last], last = c, None
    return out


def _receiver(fn, lang: str) -> str:
    """The name a Go method calls its receiver by (``c`` in ``func (c *Client) fetch()``)."""
    if lang != "go" or fn.type != "method_declaration":
        return ""
    rec = fn.child_by_field_name("receiver")
    decl = rec.named_children[0] if rec is not None and rec.named_children else None
    name = decl.child_by_field_name("name") if decl is not None else None
    return syntax.node_text(name) if name is not None else ""


def _unwrap(a):
    """A keyword or Kotlin value argument's value."""
    if a.type == "keyword_argument":
        return a.child_by_field_name("value")
    if a.type == "value_argument":
        named = [c for c in a.named_children if not syntax.is_comment(c)]
        return named[-1] if named else None
    return a


def _same_input(a, params: dict, g: _Grammar, receivers: set[str]) -> bool:
    """Whether an argument hands the function one of its own inputs again: a parameter (stepped by
    one or doubled), a field of its object, a constant literal."""
    a = _unwrap(a)
    if a is None:
        return False
    if a.type in g.counters:
        return _counter(a, params, g) is not None or _doubled(a, params)
    if a.type in g.splats:  # *args, **kwargs, args... handed on as they came
        a = a.named_children[0] if a.named_children else a
    if a.type in ("identifier", "simple_identifier"):
        return syntax.node_text(a) in params
    if a.type in _FIELDS:  # a field of its own object (``self.url``), not one of another input (``page.next``)
        return syntax.node_text(a).split(".", 1)[0] in receivers
    return a.type in _SAME


def _operands(a):
    kids = [c for c in a.children if not syntax.is_comment(c)]
    return (kids[0], syntax.node_text(kids[1]), kids[2]) if len(kids) == 3 else (None, "", None)


def _counter(a, params: dict, g: _Grammar) -> tuple[str, str] | None:
    """``attempt + 1`` / ``retries - 1`` of a parameter: (its name, the operator)."""
    a = _unwrap(a)
    if a is None or a.type not in g.counters:
        return None
    left, op, right = _operands(a)
    if op in ("+", "-") and left is not None and syntax.node_text(left) in params and syntax.node_text(right) == "1":
        return syntax.node_text(left), op
    return None


def _doubled(a, params: dict) -> bool:
    """``delay * 2`` of a parameter: the wait handed down grows each time."""
    a = _unwrap(a)
    if a is None or not a.named_children:
        return False
    left, op, right = _operands(a)
    return op == "*" and left is not None and syntax.node_text(left) in params and syntax.node_text(right) == "2"


def _guard(stop, path, g: _Grammar) -> str:
    """The condition under which a stop on the failure path gives up (its ``if``), else the stop itself."""
    p = stop.parent
    while p is not None and p != path:
        if p.type in g.ifs:
            cond = p.child_by_field_name("condition") or (p.named_children[0] if p.named_children else None)
            return syntax.node_text(cond)
        p = p.parent
    return syntax.node_text(stop)


def _plain(text: str) -> str:
    """Words and operators without layout or receivers: re-wrapped code reads the same."""
    text = re.sub(r"\b(self|this|cls)\.", "", text)
    return " ".join(re.findall(r"\w+|[^\w\s]", text))


def _number(node) -> float | None:
    """A counter's default as a number (``3``, ``3L``, ``5_000``); None for anything else."""
    if node is None:
        return None
    text = syntax.node_text(node).replace("_", "").rstrip("LlUu")
    try:
        return float(int(text))
    except ValueError:
        return None
