"""The shared tree-sitter layer: each touched file's pre- and post-image parsed once per change.

Detectors (retry/timeout, API surface, ...) all need syntax trees of the same files; parsing them
once per change and sharing the result is what keeps syntax work for a typical pull request within
its 150 ms budget. Grammars come from the per-language PyPI wheels, which carry the compiled grammar:
they work offline, unlike grammar packs that download at run time (air-gapped GitHub Enterprise
users exist). A grammar that is not installed, a file too large to parse, or a parse that fails makes
that file's syntax *unavailable*: detectors then report their features as missing, never as zero.
"""

from __future__ import annotations

import bisect
import heapq
import importlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from mergeguard import languages, paths
from mergeguard.nesting import MAX_NESTING, MAX_TREE_DEPTH, nested_deeper_than, tree_deeper_than
from mergeguard.change import Change, FileChange

#: language -> (module, function returning the grammar pointer), from the language registry
GRAMMARS: dict[str, tuple[str, str]] = {
    lang.name: (lang.grammar.module, lang.grammar.function) for lang in languages.REGISTRY if lang.grammar is not None
}

#: images larger than this are not parsed: a generated or vendored blob says little and costs a lot
MAX_BYTES = 1_000_000

_COMMENT_TYPES = frozenset({"comment", "line_comment", "block_comment", "multiline_comment", "doc_comment"})
_STRING_TYPES = frozenset({
    "string", "string_literal", "raw_string_literal", "interpreted_string_literal", "template_string",
    "string_content", "string_fragment", "verbatim_string_literal", "interpolated_string_expression",
    "text_block", "heredoc_body", "character_literal", "char_literal", "line_string_literal",
    "multi_line_string_literal", "concatenated_string",
})
_COMMENT_OR_STRING_TYPES = _COMMENT_TYPES | _STRING_TYPES

#: node types that open a scope a hunk can belong to, per language, and the scope kind (from the registry)
_SCOPES: dict[str, dict[str, str]] = {lang.name: dict(lang.scopes) for lang in languages.REGISTRY if lang.grammar}

#: call expressions per language (from the registry)
CALL_TYPES: dict[str, frozenset[str]] = {lang.name: lang.calls for lang in languages.REGISTRY if lang.grammar}


def language_of(path: str) -> str | None:
    """The grammar a path is parsed with (``.tsx`` gets the TSX grammar, ``.jsx`` the JS one)."""
    lang = paths.language(path)
    return lang if lang in GRAMMARS else None


@cache
def grammar(language: str):
    """The installed tree-sitter ``Language``, or None when its wheel is missing or incompatible."""
    spec = GRAMMARS.get(language)
    if spec is None:
        return None
    try:
        import tree_sitter

        return tree_sitter.Language(getattr(importlib.import_module(spec[0]), spec[1])())
    except (ImportError, AttributeError, ValueError, TypeError):
        return None


def available_languages() -> list[str]:
    return [lang for lang in GRAMMARS if grammar(lang) is not None]


_local = threading.local()


def parse(text: str | bytes, language: str):
    """A tree-sitter ``Tree`` of ``text``, or None when no grammar is installed for ``language`` or the
    code nests too deep to analyse (:func:`parse_checked` says which)."""
    return parse_checked(text, language)[0]


def parse_checked(text: str | bytes, language: str) -> tuple[Any, str]:
    """``(tree, "")``, or ``(None, why)``: ``why`` is "" when no grammar is installed for ``language``,
    else what nests too deep, brackets past :data:`mergeguard.nesting.MAX_NESTING` (checked before
    parsing) or a tree deeper than :data:`mergeguard.nesting.MAX_TREE_DEPTH` (checked after): hostile
    text must not buy unbounded time (see there), and the user is told why its code was not read.

    Parsers are not thread-safe, so each thread keeps its own (the App scores in worker threads).
    """
    lang = grammar(language)
    if lang is None:
        return None, ""
    parsers = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    parser = parsers.get(language)
    if parser is None:
        import tree_sitter

        parser = parsers[language] = tree_sitter.Parser(lang)
    data = text.encode("utf-8", "replace") if isinstance(text, str) else text
    if nested_deeper_than(data):
        return None, f"brackets nested deeper than {MAX_NESTING}"
    tree = parser.parse(data)
    if tree_deeper_than(tree.root_node):
        return None, f"a syntax tree deeper than {MAX_TREE_DEPTH} levels"
    return tree, ""


# -- parsed images --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """A function, method or class: where a hunk lives, for findings a reviewer can place."""

    kind: str  # function | method | class
    name: str
    qualname: str  # Outer.inner
    start_line: int  # 1-based, inclusive
    end_line: int


@dataclass
class Source:
    """One parsed image of one file."""

    path: str
    side: str  # pre | post
    language: str
    text: str
    tree: Any
    _scopes: list[Scope] | None = field(default=None, repr=False)
    #: results of pure functions of this image, by the caller's key (``image_memo``); shared by every
    #: Source of the same image (path, language, text) that :class:`SyntaxCache` hands out
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def root(self):
        return self.tree.root_node

    @property
    def has_errors(self) -> bool:
        return bool(self.root.has_error)

    def scopes(self) -> list[Scope]:
        """Every scope in the file, outermost first (the order a walk meets them)."""
        if self._scopes is None:
            self._scopes = image_memo(self, "syntax.scopes", lambda: scopes_of(self.root, self.language))
        return self._scopes

    def lines(self) -> list[str]:
        """``text.splitlines()``, once per image (the list is shared: not to be changed). Scanners
        that place a construct by its line split the whole file once per construct before, which is
        quadratic in a hostile file of thousands of loops (2,000 Java retry loops: 3 s of splits)."""
        return image_memo(self, "syntax.lines", self.text.splitlines)

    def scope_at(self, line: int) -> Scope | None:
        """The innermost named scope containing ``line`` (1-based); None at module level.

        Anonymous closures are skipped in favour of the function around them: "in ``handler``" says
        more to a reviewer than "in a lambda". Of the named scopes containing the line, the one that
        starts last (the later in :meth:`scopes` on a tie), read from an index built once per image
        (:func:`_scope_index`): a scan of every scope for each construct placed was quadratic in a file
        of many functions (10,000 Java retry loops' scopes: 17 s).
        """
        starts, answers = image_memo(self, "syntax.scope_index", lambda: _scope_index(self.scopes()))
        k = bisect.bisect_right(starts, line) - 1
        return answers[k] if k >= 0 else None


def _scope_index(scopes: Sequence[Scope]) -> tuple[list[int], list[Scope | None]]:
    """The answer of :meth:`Source.scope_at` as steps: from ``starts[k]`` until the next start the
    innermost named scope is ``answers[k]``. The answer changes only where a named scope starts or
    ends, and there it is the scope of greatest ``(start_line, position)`` still open: a sweep over
    those lines with a heap of the open scopes (one that ended is dropped when it comes to the top)."""
    named = sorted((s.start_line, i) for i, s in enumerate(scopes) if s.name)
    points = sorted({scopes[i].start_line for _, i in named} | {scopes[i].end_line + 1 for _, i in named})
    heap: list[tuple[int, int]] = []  # (-start_line, -position) of the open scopes
    starts: list[int] = []
    answers: list[Scope | None] = []
    j = 0
    for x in points:
        while j < len(named) and named[j][0] <= x:
            heapq.heappush(heap, (-named[j][0], -named[j][1]))
            j += 1
        while heap and scopes[-heap[0][1]].end_line < x:
            heapq.heappop(heap)
        starts.append(x)
        answers.append(scopes[-heap[0][1]] if heap else None)
    return starts, answers


def scopes_of(root, language: str) -> list[Scope]:
    """Every scope under ``root``, outermost first: the list :func:`_walk_scopes` yields, built from
    the scope nodes a tree-sitter query finds in C.

    Why: the Python walk visits every named node of the file (tens of thousands in a large Go file)
    to find a few hundred scopes, and was the largest single cost of batch scoring (issue 16). The
    query's nodes are put in walk order (preorder: by start, the longer first, an ancestor before a
    descendant of the same extent) and each takes its names and enclosing kind from its nearest
    scope ancestor, found by walking ``parent`` up, as the walk carries them down.
    ``tests/test_syntax_scopes.py`` holds the two equal on real images of every language.
    """
    kinds = _SCOPES.get(language, {})
    if not kinds:
        return []
    nodes = nodes_of_types(root, language, tuple(kinds))
    if len(nodes) != len({n.id for n in nodes}):
        return list(_walk_scopes(root, language, ()))  # a node met twice: no order to trust
    for i in range(1, len(nodes)):
        if (nodes[i].start_byte, nodes[i].end_byte) == (nodes[i - 1].start_byte, nodes[i - 1].end_byte):
            nodes.sort(key=lambda n: (n.start_byte, -n.end_byte, _depth(n)))  # nested scopes of one extent
            break
    context: dict[int, tuple[tuple[str, ...], str]] = {}
    out: list[Scope] = []
    for n in nodes:
        up = n.parent
        while up is not None and up.id not in context:
            up = up.parent
        names, parent_kind = context[up.id] if up is not None else ((), "")
        kind = kinds[n.type]
        name = scope_name(n, language)
        if name:
            if kind == "function" and parent_kind == "class":
                kind = "method"  # a def inside a class body
            names, parent_kind = (*names, name), kind
            out.append(Scope(kind, name, ".".join(names), n.start_point[0] + 1, n.end_point[0] + 1))
        context[n.id] = (names, parent_kind)
    return out


def _depth(node) -> int:
    depth = 0
    while (node := node.parent) is not None:
        depth += 1
    return depth


def _walk_scopes(node, language: str, outer: tuple[str, ...]) -> Iterator[Scope]:
    """The reference :func:`scopes_of` must equal: a walk over every named node."""
    kinds = _SCOPES.get(language, {})
    stack: list[tuple[Any, tuple[str, ...], str]] = [(node, outer, "")]
    while stack:
        n, names, parent_kind = stack.pop()
        kind = kinds.get(n.type)
        child_names, child_kind = names, parent_kind
        if kind is not None:
            name = scope_name(n, language)
            if name:
                if kind == "function" and parent_kind == "class":
                    kind = "method"  # a def inside a class body
                child_names, child_kind = (*names, name), kind
                yield Scope(kind, name, ".".join(child_names), n.start_point[0] + 1, n.end_point[0] + 1)
        stack.extend((c, child_names, child_kind) for c in reversed(n.named_children))


def scope_name(node, language: str) -> str:
    """The name a scope node declares ('' for anonymous functions not bound to a name)."""
    name = node.child_by_field_name("name")
    if name is None and language == "kotlin":
        name = next((c for c in node.named_children if c.type in ("identifier", "simple_identifier", "type_identifier")), None)
    if name is None and language == "rust" and node.type == "impl_item":
        name = node.child_by_field_name("type")
    if name is None and node.type in ("arrow_function", "function_expression", "function", "lambda_expression",
                                      "closure_expression", "func_literal", "lambda_literal", "anonymous_function"):
        parent = node.parent
        # const handler = async () => {...}; obj = { handler: () => ... }; x.handler = function() {...}
        if parent is not None and parent.type in ("variable_declarator", "pair", "assignment_expression",
                                                  "public_field_definition", "field_definition"):
            name = (parent.child_by_field_name("name") or parent.child_by_field_name("key")
                    or parent.child_by_field_name("left") or parent.child_by_field_name("property"))
    if name is None:
        return ""
    text = node_text(name)
    if language == "go" and node.type == "method_declaration":
        receiver = node.child_by_field_name("receiver")
        rtype = _go_receiver_type(receiver)
        if rtype:
            return f"{rtype}.{text}"
    return text.rsplit(".", 1)[-1] if node.type == "assignment_expression" else text


def _go_receiver_type(receiver) -> str:
    if receiver is None:
        return ""
    for n in walk(receiver):
        if n.type == "type_identifier":
            return node_text(n)
    return ""


# -- node helpers ---------------------------------------------------------------------------------

def node_text(node) -> str:
    if node is None:
        return ""
    text = node.text  # each read copies the bytes out of the tree: read once (issue 16)
    return text.decode("utf-8", "replace") if text is not None else ""


def line_of(node) -> int:
    """1-based line where ``node`` starts."""
    return node.start_point[0] + 1


def node_at_indent(root, lines: Sequence[str], line: int) -> Any:
    """The smallest node where 1-based ``line`` of ``lines`` (the text, split) starts its code, after
    the indent: what a changed line is about. None past the text's end."""
    if not 0 < line <= len(lines):
        return None
    row = lines[line - 1]
    col = len(row) - len(row.lstrip())
    return root.descendant_for_point_range((line - 1, col), (line - 1, col))


def walk(node) -> Iterator[Any]:
    """Every node under ``node`` (itself included), in document order, without recursion."""
    cursor = node.walk()
    visited_children = False
    while True:
        if not visited_children:
            yield cursor.node
            if cursor.goto_first_child():
                continue
        if cursor.goto_next_sibling():
            visited_children = False
        elif cursor.goto_parent():
            visited_children = True
        else:
            return


def walk_code(node) -> Iterator[Any]:
    """The nodes of :func:`walk` that are not, and do not sit inside, a comment or a string literal
    (those for which :func:`inside_comment_or_string` is False), in the same order.

    Why: the Kotlin, Java and C# scanners walked every node of a file and asked each whether it sat
    in a comment or string (a fifth of okhttp's batch time, issue 16); a node is inside one exactly
    when it or an ancestor is one, and the ancestors of a node in a walk from ``node`` are the nodes
    the walk is in, so not descending into comments and strings gives the same nodes without asking.
    """
    if inside_comment_or_string(node):  # ``node`` itself or what it sits in
        return
    skip = _COMMENT_OR_STRING_TYPES
    cursor = node.walk()
    visited_children = False
    while True:
        if not visited_children:
            n = cursor.node
            if n.type not in skip:
                yield n
                if cursor.goto_first_child():
                    continue
        if cursor.goto_next_sibling():
            visited_children = False
        elif cursor.goto_parent():
            visited_children = True
        else:
            return


def walk_within(node, stop: Collection[str]) -> Iterator[Any]:
    """Named nodes under ``node`` in document order, not descending into nodes whose type is in
    ``stop`` (they are yielded, their insides are not): the code that belongs to ``node`` itself and
    not to a nested function, class or loop."""
    stack = list(reversed(node.named_children))
    while stack:
        n = stack.pop()
        yield n
        if n.type not in stop:
            stack.extend(reversed(n.named_children))


def is_comment(node) -> bool:
    return node.type in _COMMENT_TYPES


def is_string(node) -> bool:
    return node.type in _STRING_TYPES


def ancestor(node, types: Collection[str], stop: Collection[str] = ()) -> Any:
    """The nearest ancestor of ``node`` of one of ``types``, or None when one of ``stop`` (its
    function, its module) or the root comes first: the loop a statement belongs to, its function.

    Remembered, per ``(types, stop)``, for every node the climb passes (their answer is the same), so
    the next climb from the same statement stops at the first ancestor already answered. Why:
    tree-sitter finds a node's parent by descending from the root, so one climb costs depth x depth,
    and the Python scanner asks each call for its function: a 600-line ``and`` chain of calls cost
    depth x depth x depth, ~1 s a chain, ~40 s for a 20,000-line file of them (``benchmarks/hostile_depth.py``).
    """
    try:
        question = (types, stop)
        hash(question)
    except TypeError:  # a list or set of types: asked rarely, climbed plainly
        return _climb(node, types, stop)
    passed = []
    p = node.parent
    found = None
    while p is not None:
        known = _ANCESTORS.get((p, question), _UNKNOWN)
        if known is not _UNKNOWN:
            found = known
            break
        passed.append(p)
        t = p.type  # read once: each read makes a new string (issue 16)
        if t in stop:
            break
        if t in types:
            found = p
            break
        p = p.parent
    if passed:
        _ANCESTORS.update({(n, question): found for n in passed})
    return found


def _climb(node, types: Collection[str], stop: Collection[str]) -> Any:
    """:func:`ancestor` without its memo: the definition its remembered answers must equal."""
    p = node.parent
    while p is not None:
        t = p.type
        if t in stop:
            return None
        if t in types:
            return p
        p = p.parent
    return None


def has_ancestor(node, types: Collection[str], stop: Collection[str] = ()) -> bool:
    """Whether :func:`ancestor` finds one: a wait in a goroutine, a name inside a ``raise``."""
    return ancestor(node, types, stop) is not None


def inside_comment_or_string(node) -> bool:
    """Whether ``node`` is, or sits inside, a comment or a string literal (words there never fire).

    Remembered for every node the walk up passes (the answer is its ancestors' too), so that the
    next node of the same function or statement stops at the first ancestor already answered: the
    scanners ask this of each call and assignment of a file, each a dozen parents deep (issue 16).
    """
    path = []
    n = node
    inside = False
    while n is not None:
        known = _INSIDE.get(n)
        if known is not None:
            inside = known
            break
        if n.type in _COMMENT_OR_STRING_TYPES:
            inside = True
            break
        path.append(n)
        n = n.parent
    if path:  # nothing new to remember when ``node`` itself was answered before
        _INSIDE.update(dict.fromkeys(path, inside))
    return inside


class _NodeMemo(dict):
    """Answers of a pure function of a node (of its tree), keyed by the node: a node is equal to and
    hashes as every other handle on the same node of the same tree, and keeps its tree alive, so a
    key is never mistaken for a node of another tree. Emptied whenever :class:`_TypeIndex` meets a
    new tree (the scans of one image run together) and when it reaches ``limit`` entries, so the
    trees its keys hold stay few."""

    def __init__(self, limit: int = 100_000) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: Any, value: Any) -> None:
        if len(self) >= self.limit:
            self.clear()
        super().__setitem__(key, value)

    def update(self, other: Any = (), /, **kw: Any) -> None:
        if len(self) + len(other) >= self.limit:
            self.clear()
        super().update(other, **kw)


_INSIDE = _NodeMemo()
_CALLEES = _NodeMemo()
#: chain node -> its :func:`_dotted` name
_DOTTED = _NodeMemo()
#: ``(node, (types, stop)) -> `` :func:`ancestor`'s answer for a climb starting at ``node`` (itself included)
_ANCESTORS = _NodeMemo()
_UNKNOWN = object()


def calls(node, language: str) -> Iterator[Any]:
    """Call expressions under ``node`` in document order."""
    types = CALL_TYPES.get(language, frozenset())
    return (n for n in walk(node) if n.type in types)


def callee(call, language: str) -> str:
    """Dotted name of what a call invokes: ``requests.get``, ``http.Client``, ``ctx.WithTimeout``.

    Arguments and intermediate calls are dropped (``retry(3).on(x)`` gives ``retry.on``) so that
    detectors match on names, never on argument text. Remembered per call node: the scanners of one
    image ask it about four times of each call (issue 16).
    """
    key = (call, language)
    name = _CALLEES.get(key)
    if name is None:
        name = _CALLEES[key] = _callee(call, language)
    return name


def _callee(call, language: str) -> str:
    if language == "java":
        if call.type == "object_creation_expression":
            return _dotted(call.child_by_field_name("type"))
        obj = call.child_by_field_name("object")
        name = node_text(call.child_by_field_name("name"))
        return f"{_dotted(obj)}.{name}" if obj is not None and _dotted(obj) else name
    if language == "ruby":
        recv = call.child_by_field_name("receiver")
        name = node_text(call.child_by_field_name("method"))
        return f"{_dotted(recv)}.{name}" if recv is not None and _dotted(recv) else name
    if language == "csharp" and call.type == "object_creation_expression":
        return _dotted(call.child_by_field_name("type"))
    if language == "rust" and call.type == "macro_invocation":
        return _dotted(call.child_by_field_name("macro")) + "!"
    if language in ("javascript", "typescript", "tsx") and call.type == "new_expression":
        return _dotted(call.child_by_field_name("constructor"))
    fn = call.child_by_field_name("function")
    if fn is None and call.named_children:
        fn = call.named_children[0]
    return _dotted(fn)


#: node types :func:`_dotted` reads as a name, as a builder, as a chain, and skips inside a chain
#: (sets built once: the function runs some 100,000 times in a batch of 300 commits)
_NAME_TYPES = frozenset({"identifier", "type_identifier", "field_identifier", "property_identifier", "constant",
                         "simple_identifier", "scoped_type_identifier", "predefined_type", "this", "self", "super"})
_BUILDER_TYPES = frozenset({"object_creation_expression", "new_expression"})
_CHAIN_TYPES = frozenset({
    "attribute", "member_expression", "selector_expression", "field_access", "member_access_expression",
    "navigation_expression", "field_expression", "scoped_identifier", "qualified_name",
    "scope_resolution", "generic_name", "generic_type", "call", "call_expression", "method_invocation",
    "invocation_expression", "await", "await_expression", "parenthesized_expression",
    "non_null_expression", "optional_chain", "subscript_expression"})
_CHAIN_SKIPPED = frozenset({"argument_list", "arguments", "value_arguments", "type_arguments", "type_argument_list",
                            "call_suffix", "comment"})


def _dotted(node) -> str:
    """``a.b.c`` from attribute/member/selector chains; '' when the chain has no names."""
    if node is None:
        return ""
    t = node.type
    if t in _NAME_TYPES:
        return node_text(node)
    if t in _BUILDER_TYPES:  # Java/C#/JS builders: new X.Builder().timeout(...)
        return _dotted(node.child_by_field_name("type") or node.child_by_field_name("constructor"))
    if t in _CHAIN_TYPES:
        # remembered per node: each call of a method chain ``b.m0().m1()...`` asks for the chain below
        # it, so without it a chain d calls long cost d x d (34 chains of 290 calls: 10 s)
        name = _DOTTED.get(node)
        if name is None:
            parts = []
            for c in node.named_children:
                if c.type in _CHAIN_SKIPPED:
                    continue
                part = _dotted(c)
                if part:
                    parts.append(part)
            name = _DOTTED[node] = ".".join(parts)
        return name
    if t == "navigation_suffix":
        return ".".join(p for p in (_dotted(c) for c in node.named_children) if p)
    return ""


def arguments(call, language: str) -> list[tuple[str | None, Any]]:
    """A call's arguments as ``(keyword or None, value node)``; Ruby/Kotlin/C# named arguments too."""
    args = (call.child_by_field_name("arguments")
            or next((c for c in call.named_children if c.type in ("argument_list", "arguments", "value_arguments")),
                    None))
    if args is None and language == "kotlin":
        suffix = next((c for c in call.named_children if c.type == "call_suffix"), None)
        args = next((c for c in suffix.named_children if c.type == "value_arguments"), None) if suffix else None
    if args is None:
        return []
    out: list[tuple[str | None, Any]] = []
    for a in args.named_children:
        if is_comment(a):
            continue
        if a.type == "keyword_argument":  # python
            out.append((node_text(a.child_by_field_name("name")), a.child_by_field_name("value")))
        elif a.type == "pair":  # ruby keyword / hash argument
            key = node_text(a.child_by_field_name("key")).rstrip(":").lstrip(":")
            out.append((key, a.child_by_field_name("value")))
        elif a.type in ("value_argument", "argument"):  # kotlin / c#
            named = [c for c in a.named_children if not is_comment(c)]
            label = a.child_by_field_name("name")
            if label is None and language == "kotlin" and len(named) == 2 and named[0].type in (
                    "identifier", "simple_identifier"):
                label = named[0]
            out.append((node_text(label) if label is not None else None, named[-1] if named else None))
        else:
            out.append((None, a))
    return out


# -- the per-change cache --------------------------------------------------------------------------

@dataclass
class SyntaxStats:
    """What the syntax layer did for one change (for ``timing_ms`` and for degraded-feature notes)."""

    parsed: int = 0
    unavailable: int = 0  # unknown language, grammar missing, binary, too large, or no image
    errors: int = 0  # parsed, but tree-sitter had to recover from syntax errors
    ms: float = 0.0
    #: paths of the change whose code nests too deep to analyse (``parse_checked``): each is named once
    #: in the change's warnings, and a detector can leave it out of its own "could not be read" notes
    too_deep: list[str] = field(default_factory=list)


_IMAGE = {"pre": "code before the change", "post": "code after the change"}


class SyntaxCache:
    """Parsed images of one change's files, each parsed at most once whichever detector asks first."""

    def __init__(self, change: Change) -> None:
        self.change = change
        self.stats = SyntaxStats()
        self._sources: dict[tuple[str, str], Source | None] = {}

    def source(self, f: FileChange, side: str) -> Source | None:
        """The parsed ``pre`` or ``post`` image of ``f``; None when it cannot be had or parsed."""
        key = (f.path, side)
        if key in self._sources:
            return self._sources[key]
        src = None
        t0 = time.perf_counter()
        path = (f.old_path or f.path) if side == "pre" else f.path
        language = language_of(path)
        absent = (side == "pre" and f.status == "added") or (side == "post" and f.status == "deleted")
        if language is not None and not f.binary and not absent and grammar(language) is not None:
            text = self.change.image(f.path, side)
            if text is not None and len(text) <= MAX_BYTES:
                src = _IMAGES.get(path, side, language, text)
                if src is None:
                    tree, why = parse_checked(text, language)
                    if tree is not None:
                        src = _IMAGES.put(Source(path, side, language, text, tree))
                    elif why:
                        if f.path not in self.stats.too_deep:
                            self.stats.too_deep.append(f.path)
                        self.change.warnings.append(
                            f"{f.path}: its code nests too deep to analyse ({why}, in the {_IMAGE[side]}); "
                            "the detectors did not read it")
                if src is not None:  # parsed now or earlier in this process: it counts as parsed
                    self.stats.parsed += 1
                    self.stats.errors += int(src.tree.root_node.has_error)
        if src is None and language is not None and not absent:
            self.stats.unavailable += 1
        self.stats.ms += (time.perf_counter() - t0) * 1000
        self._sources[key] = src
        return src

    def hunk_scopes(self, f: FileChange) -> list[Scope | None]:
        """The enclosing function, method or class of each hunk of ``f`` (None at module level).

        Placed by the first added line in the post-image; a pure deletion is placed in the
        pre-image, where its lines were.
        """
        out: list[Scope | None] = []
        for h in f.hunks:
            if h.added:
                src, line = self.source(f, "post"), h.added[0][0]
            elif h.removed:
                src, line = self.source(f, "pre"), h.removed[0][0]
            else:
                src, line = None, 0
            out.append(src.scope_at(line) if src is not None else None)
        return out


class ImageCache:
    """Parsed images kept across changes (a bounded LRU, one per process).

    Why: in a batch of commits, the post-image of a file at one commit is its pre-image at the next
    commit that touches it (about 40% of the images ``score --commits`` reads were read before), and
    parsing, the scope walk and the detectors' per-file scans are pure functions of the image. An
    entry is keyed by path, language and the text itself, so a hit is the same parse of the same
    bytes; the Source handed out carries the caller's ``side`` and shares the tree, the scopes and
    :attr:`Source.memo`. Bounded by count and by text size (a tree takes about ten times its text:
    4 MB of text is some 40 MB).
    """

    def __init__(self, entries: int = 128, text_bytes: int = 4_000_000):
        self.entries, self.text_bytes = entries, text_bytes
        self._items: OrderedDict[tuple[str, str, str], Source] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        #: images served from the cache, for tests and benchmarks
        self.hits = 0

    def get(self, path: str, side: str, language: str, text: str) -> Source | None:
        with self._lock:
            hit = self._items.get((path, language, text))
            if hit is None:
                return None
            self._items.move_to_end((path, language, text))
            self.hits += 1
        return Source(path, side, language, text, hit.tree, memo=hit.memo)

    def put(self, src: Source) -> Source:
        if len(src.text) > self.text_bytes // 4:
            return src
        with self._lock:
            key = (src.path, src.language, src.text)
            if key not in self._items:
                self._items[key] = src
                self._bytes += len(src.text)
            while len(self._items) > self.entries or self._bytes > self.text_bytes:
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old.text)
        return src

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


_IMAGES = ImageCache()


def image_memo(src: Source, key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()`` for this image, once per process while the image stays cached: for a result
    that depends on the image alone (``key`` names the function and any argument besides the image).
    The caller copies what it will change."""
    if key not in src.memo:
        src.memo[key] = compute()
    return src.memo[key]


def syntax_of(change: Change) -> SyntaxCache:
    """The change's shared cache, created on first use; every detector of one change gets the same one."""
    cache = change.derived.get("syntax")
    if cache is None:
        cache = change.derived["syntax"] = SyntaxCache(change)
    return cache


# -- fast node lookup (added for the resilience scanners) -----------------------------------------

@cache
def _type_query(language: str, types: tuple[str, ...]):
    """A compiled query capturing every node of ``types``; types the grammar lacks are left out."""
    import tree_sitter

    known = _known_types(language, types)
    return tree_sitter.Query(grammar(language), " ".join(f"({t}) @n" for t in known)) if known else None


def nodes_of_types(node, language: str, types: tuple[str, ...]) -> list[Any]:
    """Every node of ``types`` under ``node`` in document order, found by tree-sitter in C.

    A Python-level ``walk`` visits every node of a 200 kB file (tens of thousands) and costs more
    than the parse; scanners that only look at a few node types ask for those instead. Asked for a
    whole tree, the nodes come from :class:`_TypeIndex` (one query per tree for every type the
    scanners ask for, instead of one per scanner); the list is the caller's to change.
    """
    if node.parent is None:  # a root: served by the tree's index
        known = _known_types(language, tuple(types))
        if not known:
            return []
        by_type = _TYPE_INDEX.nodes(node, language, known)
        found = [n for t in known for n in by_type[t]]
        keys = [(n.start_byte, -n.end_byte) for n in found]  # _document_order, inlined: a call per node cost more
        if len(set(keys)) == len(keys):
            return [found[i] for i in sorted(range(len(found)), key=keys.__getitem__)]
        # nodes of one extent (``f(x)`` as a Kotlin argument is a value_argument and a call): a
        # query puts them in an order of its own, which only that query gives
    return _queried_nodes_of_types(node, language, types)


def _queried_nodes_of_types(node, language: str, types: tuple[str, ...]) -> list[Any]:
    """:func:`nodes_of_types` by a query of ``types`` alone: for a subtree, and the reference the
    index must equal (``tests/test_syntax.py``, ``benchmarks/scopes_identical.py --nodes``)."""
    import tree_sitter

    query = _type_query(language, tuple(types))
    if query is None:
        return []
    found = tree_sitter.QueryCursor(query).captures(node).get("n", [])
    return sorted(found, key=_document_order)


def _document_order(n) -> tuple[int, int]:
    return n.start_byte, -n.end_byte


@cache
def _known_types(language: str, types: tuple[str, ...]) -> tuple[str, ...]:
    """``types`` the grammar has, in the order asked (a query's patterns, hence its ties, follow it)."""
    import tree_sitter

    lang = grammar(language)
    if lang is None:
        return ()
    known = []
    for t in types:
        try:
            tree_sitter.Query(lang, f"({t}) @n")
        except Exception:  # noqa: BLE001 - QueryError/NameError for a node type this grammar lacks
            continue
        known.append(t)
    return tuple(known)


@cache
def _capture_query(language: str, types: tuple[str, ...]):
    """A query capturing each of ``types`` (all known to the grammar) under its own name ``t<i>``."""
    import tree_sitter

    return tree_sitter.Query(grammar(language), " ".join(f"({t}) @t{i}" for i, t in enumerate(types)))


class _TypeIndex:
    """The nodes of a few recent trees by type, each tree's found by one query (issue 16).

    Why: five scanners ask for the nodes of a few types of the same image one after another (the
    scope list, the Python resilience scanner four times, the settings and policy-function scans),
    and each query walks the whole tree in C: six walks of a large file cost more than its parse.
    The first request for a tree queries every type asked so far in this process for the language
    (the scanners' types are the same for every image), later ones read the lists; a type not yet
    indexed for the tree is queried then. A query of any set of these types finds the same nodes of
    each type, so when no two of the nodes asked for share an extent, sorting them by document order
    gives exactly the list one query of those types gives; :func:`nodes_of_types` asks that query
    itself when two do (a query orders nodes of one extent in a way of its own, not by its patterns).

    Keyed by the root node, which keeps its tree alive while the entry stays (a root's identity is its
    tree's); bounded to ``size`` trees, the most recently asked kept, since the scanners of one image
    run one after another.
    """

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._trees: OrderedDict[Any, dict[str, list[Any]]] = OrderedDict()
        self._asked: dict[str, dict[str, None]] = {}  # language -> types asked so far, in order
        self._lock = threading.Lock()

    def nodes(self, root, language: str, known: tuple[str, ...]) -> dict[str, list[Any]]:
        """``type -> nodes`` (each list in a query's capture order) for at least ``known`` (types
        the grammar has) under ``root``; the lists are shared, not to be changed."""
        import tree_sitter

        with self._lock:
            asked = self._asked.setdefault(language, {})
            asked.update(dict.fromkeys(known))
            by_type = self._trees.get(root)
            if by_type is None:
                by_type = self._trees[root] = {}
                # the scanners of one image run one after another: what the node memos hold of the
                # images before would only keep their trees alive (some 70 MB over a batch)
                _INSIDE.clear()
                _CALLEES.clear()
                _ANCESTORS.clear()
                _DOTTED.clear()
                while len(self._trees) > self.size:
                    self._trees.popitem(last=False)
            else:
                self._trees.move_to_end(root)
            missing = tuple(t for t in asked if t not in by_type) if any(t not in by_type for t in known) else ()
        if missing:
            captured = tree_sitter.QueryCursor(_capture_query(language, missing)).captures(root)
            found = {t: captured.get(f"t{i}", []) for i, t in enumerate(missing)}
            with self._lock:
                for t, nodes in found.items():
                    by_type.setdefault(t, nodes)
        return by_type

    def clear(self) -> None:
        with self._lock:
            self._trees.clear()


_TYPE_INDEX = _TypeIndex()


def qualname_at(node, language: str, cache: dict[int, str] | None = None) -> str:
    """Qualname of the named scopes around ``node`` ('' at module level), found by walking up parents.

    Same names as ``Source.scope_at(line).qualname`` for a node (anonymous closures skipped) but
    costs the node's depth instead of a walk of the whole file, which matters in large files.

    ``cache`` (node id -> qualname at and above that node, for ONE tree) is for callers that ask of
    many nodes of the same tree: tree-sitter finds a node's parent by descending from the root, so a
    climb costs depth x depth, and a hostile file of one 3,000-line ``and`` chain asked line by line
    took 150 s; with the cache each ancestor is climbed through once.
    """
    kinds = _SCOPES.get(language, {})
    climbed = []  # ancestors not yet known, nearest first
    base = ""
    n = node.parent if node is not None else None
    while n is not None:
        known = cache.get(n.id) if cache is not None else None
        if known is not None:
            base = known
            break
        climbed.append(n)
        n = n.parent
    for a in reversed(climbed):
        if a.type in kinds:
            name = scope_name(a, language)
            if name:
                base = f"{base}.{name}" if base else name
        if cache is not None:
            cache[a.id] = base
    return base
