"""The default of a value written with one: ``x || 10000``, ``x ?? 30``, ``x or 30``, ``x ?: 30``, and
the same test written out as a conditional (``typeof x === 'undefined' ? 10000 : x``, ``x != null ? x :
30``, ``30 if x is None else x``).

A setting bound to such a value is set to its default: what the code waits or tries when the caller
gives nothing. A refactor that rewrites the test (a lint rule turning ``typeof x === 'undefined' ? d :
x`` into ``x ?? d``) keeps the default, so both spellings must read as the same setting. Only tests
that catch a missing value (undefined, or null where that also means missing: JavaScript's loose
``== null``, Java's and Kotlin's ``null``, Python's ``None``) and only conditionals whose other branch is
the tested value itself count; ``x > 0 ? x : d`` clamps, it does not default.

Pure functions of a syntax node.
"""

from __future__ import annotations

import re
from typing import Any

from mergeguard.features import syntax

#: binary operators that give their right operand when the left one is missing (or falsy)
_DEFAULT_OPERATORS = frozenset({"||", "??", "or", "?:"})
_BINARY = frozenset({"boolean_operator", "binary_expression", "elvis_expression"})
#: conditionals: JavaScript/TypeScript/Java ``c ? a : b``, Python ``a if c else b``
_CONDITIONALS = frozenset({"ternary_expression", "conditional_expression"})
#: what a missing value is compared with, by how strictly: ``undefined`` always, ``null`` only loosely in
#: JavaScript (``x == null`` is true for undefined too; ``x === null`` is not) and always in Java
_MISSING = frozenset({"undefined", "void 0"})
_NULL = frozenset({"null", "None"})
#: languages with an ``undefined`` beside ``null``, where only a loose ``== null`` catches both
_LOOSE_NULL = frozenset({"javascript", "typescript", "tsx"})


def default_of(node: Any, language: str) -> Any:
    """The node that is ``node``'s default when ``node`` is a value with one, else None."""
    if node is None:
        return None
    t = node.type
    if t == "parenthesized_expression" and len(node.named_children) == 1:
        return default_of(node.named_children[0], language)
    if t in _BINARY and len(node.named_children) == 2 and _operator(node) in _DEFAULT_OPERATORS:
        return node.named_children[-1]
    if t in _CONDITIONALS:
        return _conditional_default(node, language in _LOOSE_NULL)
    return None


def _operator(node: Any) -> str:
    op = node.child_by_field_name("operator")
    if op is not None:
        return syntax.node_text(op)
    return next((syntax.node_text(c) for c in node.children if not c.is_named), "")


def _conditional_default(node: Any, strict_null: bool) -> Any:
    """``typeof x === 'undefined' ? d : x``, ``x !== undefined ? x : d``, ``d if x is None else x``: ``d``."""
    kids = [k for k in node.named_children if not syntax.is_comment(k)]
    if len(kids) != 3:
        return None
    if node.type == "conditional_expression":  # Python: consequence if condition else alternative
        when_true, condition, when_false = kids
    else:
        condition, when_true, when_false = kids
    tested = _missing_test(condition, strict_null)
    if tested is None:
        return None
    value, missing_when_true = tested
    if missing_when_true and _same(when_false, value):
        return when_true
    if not missing_when_true and _same(when_true, value):
        return when_false
    return None


def _missing_test(condition: Any, strict_null: bool) -> tuple[str, bool] | None:
    """(the tested value's text, whether the condition is true when it is missing) for a test of a
    missing value, else None. ``strict_null``: a strict ``=== null`` lets undefined through (JavaScript)."""
    while condition.type == "parenthesized_expression" and len(condition.named_children) == 1:
        condition = condition.named_children[0]
    if condition.type not in ("binary_expression", "comparison_operator") or len(condition.named_children) != 2:
        return None
    left, right = condition.named_children
    op = " ".join(syntax.node_text(c) for c in condition.children if not c.is_named)
    if op in ("is", "is not"):  # Python
        equal = op == "is"
        if syntax.node_text(right) == "None":
            return _text(left), equal
        return None
    if op not in ("===", "==", "!==", "!="):
        return None
    equal, loose = op in ("===", "=="), op in ("==", "!=")
    for a, b in ((left, right), (right, left)):
        b_text = syntax.node_text(b)
        if b_text in _MISSING or (b_text in _NULL and (loose or not strict_null)):
            return _text(a), equal
        if b.type == "string" and b_text.strip("'\"`") == "undefined" and a.type == "unary_expression" \
                and syntax.node_text(a).startswith("typeof") and a.named_children:
            return _text(a.named_children[-1]), equal  # typeof x === 'undefined'
    return None


def _text(node: Any) -> str:
    return "".join(syntax.node_text(node).split())


def _same(node: Any, text: str) -> bool:
    while node.type == "parenthesized_expression" and len(node.named_children) == 1:
        node = node.named_children[0]
    return _text(node) == text


def canonical(node: Any, language: str) -> str | None:
    """One text for the spellings of a value with a default that mean exactly the same, else None:
    either way round (``x != null ? x : d`` is ``x == null ? d : x``; ``x if x is not None else d`` is
    ``d if x is None else x``), ``typeof x === 'undefined'`` written ``x === undefined``, and in
    JavaScript a loose ``x == null ? d : x`` written ``x ?? d``, which tests the same. A strict
    ``x === undefined ? d : x`` lets ``null`` through where ``??`` does not: it keeps its own text."""
    if node is None or node.type not in _CONDITIONALS:
        return None
    js = language in _LOOSE_NULL
    default = _conditional_default(node, js)
    kids = [k for k in node.named_children if not syntax.is_comment(k)]
    if default is None or len(kids) != 3:
        return None
    condition = kids[1] if node.type == "conditional_expression" else kids[0]
    tested = _missing_test(condition, js)
    if tested is None:
        return None
    value = tested[0]
    shown = " ".join(syntax.node_text(default).split())
    if node.type == "conditional_expression":
        return f"{shown} if {value} is None else {value}"
    if js:
        return f"{value} ?? {shown}" if _loose(condition) else f"{value} === undefined ? {shown} : {value}"
    return f"{value} == null ? {shown} : {value}"


def _loose(condition: Any) -> bool:
    """A JavaScript test of ``== null`` / ``!= null`` (or ``== undefined``): true for undefined and null alike."""
    while condition.type == "parenthesized_expression" and len(condition.named_children) == 1:
        condition = condition.named_children[0]
    op = " ".join(syntax.node_text(c) for c in condition.children if not c.is_named)
    return op in ("==", "!=") and any(syntax.node_text(k) in ("null", "undefined") for k in condition.named_children)


#: ``typeof x === 'undefined'`` and ``x === undefined`` test the same (for a property or a declared name)
TYPEOF_UNDEFINED = re.compile(r"\btypeof\s+([\w$.]+(?:\?\.[\w$]+)*)\s*(===?|!==?)\s*(['\"`])undefined\3")


def typeof_as_comparison(line: str) -> str:
    """A line with each ``typeof x === 'undefined'`` written ``x === undefined``: the same test."""
    return TYPEOF_UNDEFINED.sub(lambda m: f"{m.group(1)} {m.group(2)} undefined", line)
