"""API surface: functions, methods and classes whose signature a change alters or removes.

Both images of every touched source file come parsed from the change's shared syntax cache
(``features.syntax``). Each top-level or class-level
definition gets a qualified name (``Client.get``) and a normalised signature:

- Python: ``def``/``async def`` at module or class level, ``class``; signature: name, parameters,
  return annotation, ``staticmethod``/``classmethod``/``property``; bases.
- JavaScript, TypeScript: function declarations, ``const f = (…) =>``, classes, methods; TS interfaces
  and type aliases; signature: parameters and types, return type; heritage; interface/alias body.
- Go: ``func``, methods (``Type.Method``), ``type`` structs and interfaces; signature: parameters,
  results; struct fields and interface methods.
- Java: classes, interfaces, enums, records, methods, constructors; signature: modifiers, type
  parameters, return type, parameters, ``throws``; extends/implements.

A definition is *changed* when one of its signatures before the change no longer exists after it
while the name remains (adding an overload is not a change), *removed* when the name is gone (or the
file deleted). New definitions are not API changes. For each, ``references.count(name, language)`` from
the context (a query answered through the git interface, ``features.References``) counts the lines
of the repository at the base revision that mention the name (``git grep -w``), less the definition's
own line; constructors are looked up by their class name.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from typing import Any

from mergeguard import languages, paths
from mergeguard.assessment import Finding, new_line
from mergeguard.change import Change, FileChange

from . import syntax

#: the languages whose public definitions are read (``Language.api_surface`` in the registry)
SUPPORTED = tuple(lang.name for lang in languages.REGISTRY if lang.api_surface)
MAX_FILES = 200
PRIVATE_MIN_REFERENCES = 3  # a private definition is reported when this many other lines mention it


def _short(signature: str, limit: int = 140) -> str:
    return signature if len(signature) <= limit else signature[: limit - 1] + "…"


# -- what changed in a signature ---------------------------------------------------------------
#
# A finding that prints the whole old and new signature, each cut at 140 characters, shows two
# identical strings whenever the change sits past the cut (issue 14). The reviewer needs the
# difference: which parameters were added, removed or changed (with their defaults), whether the
# return type or a modifier changed. Signatures are already normalised (``_norm``), so they split
# into text and bracket groups, and a group into items, without a parser.

_OPEN = {"(": ")", "[": "]", "{": "}", "<": ">"}


def _parts(signature: str) -> list[tuple[str, str]]:
    """``[("text", "def f"), ("(", "a, b=1"), ("text", " -> int")]``: top-level bracket groups and text."""
    out: list[tuple[str, str]] = []
    depth, start, opener, quote = 0, 0, "", ""
    for i, ch in enumerate(signature):
        if quote:
            if ch == quote and signature[i - 1] != "\\":
                quote = ""
            continue
        if ch in "\"'`":
            quote = ch
            continue
        if depth == 0 and ch in "([{":
            if i > start:
                out.append(("text", signature[start:i]))
            depth, opener, start = 1, ch, i + 1
        elif depth and ch == opener:
            depth += 1
        elif depth and ch == _OPEN[opener]:
            depth -= 1
            if depth == 0:
                out.append((opener, signature[start:i]))
                start = i + 1
    if start < len(signature):
        out.append(("text" if depth == 0 else opener, signature[start:]))
    return out


def _items(group: str) -> list[str]:
    """A group's items, split at top-level commas and semicolons."""
    items, depth, cur, quote = [], 0, [], ""
    for ch in group:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'`":
            quote = ch
        elif ch in "([{<":
            depth += 1
        elif ch in ")]}>" and depth:
            depth -= 1
        elif ch in ",;" and depth == 0:
            items.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    if "".join(cur).strip():
        items.append("".join(cur).strip())
    return [i for i in items if i]


def _param_name(item: str, language: str) -> str:
    """The name a parameter (or field, base class) is known by, to pair it across versions."""
    text = re.sub(r"^(?:@\w+(?:\([^)]*\))?\s+)+", "", item.strip())  # Java annotations
    text = re.sub(r"^(?:final|readonly|public|private|protected|override)\s+", "", text)
    if language == "java":
        text = text.split("=", 1)[0].strip()
        return re.sub(r"\.\.\.$", "", text.split()[-1]) if text.split() else item
    if language == "go":  # a parameter or field by its name, an interface's method by its own (not `Get(ctx`)
        return re.split(r"[\s(]", text.strip(), maxsplit=1)[0] or item
    m = re.match(r"^(?:\*{1,2}|\.\.\.)?\s*([A-Za-z_$][\w$]*)\??\s*(?=[:=]|$)", text)
    return m.group(1) if m else text


def _code(text: str, limit: int = 80) -> str:
    return f"`{_short(text.strip(), limit)}`"


def _words_delta(before: str, after: str) -> str:
    """Word-level difference of two texts: ``now `async def f`, was `def f```, only the changed words."""
    import difflib

    a, b = before.split(), after.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        old, new = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if op == "insert":
            out.append(f"adds {_code(new)}")
        elif op == "delete":
            out.append(f"drops {_code(old)}")
        else:
            out.append(f"{_code(old)} → {_code(new)}")
    return "; ".join(out)


def _group_delta(before: str, after: str, language: str, noun: str) -> list[str]:
    old, new = _items(before), _items(after)
    old_by = {_param_name(i, language): i for i in old}
    new_by = {_param_name(i, language): i for i in new}
    out = []
    added = [new_by[n] for n in new_by if n not in old_by]
    removed = [old_by[n] for n in old_by if n not in new_by]
    if language == "python" and "*" in added:  # a bare star: what follows becomes keyword-only
        added.remove("*")
        out.append("makes the parameters after `*` keyword-only")
    if language == "python" and "*" in removed:
        removed.remove("*")
        out.append("lets the parameters after the former `*` be passed by position")
    changed = [(old_by[n], new_by[n]) for n in old_by if n in new_by and old_by[n].replace(" ", "") != new_by[n].replace(" ", "")]
    if added:
        out.append(f"adds {noun}{'s' if len(added) > 1 else ''} " + ", ".join(_code(x) for x in added))
    if removed:
        out.append(f"removes {noun}{'s' if len(removed) > 1 else ''} " + ", ".join(_code(x) for x in removed))
    for a, b in changed:
        # two long items that differ past the cut would print the same text twice: say only the
        # words that changed (an interface's methods or a type's members written without separators)
        out.append(f"{_code(a)} → {_code(b)}" if _code(a) != _code(b) else _words_delta(a, b))
    kept_old = [n for n in old_by if n in new_by]
    kept_new = [n for n in new_by if n in old_by]
    if not out and kept_old != kept_new:
        out.append(f"reorders {noun}s: ({', '.join(kept_old)}) → ({', '.join(kept_new)})")
    if not out and before.replace(" ", "") != after.replace(" ", ""):
        delta = _words_delta(before, after)
        if delta:
            out.append(delta)
    return out


def _padded(parts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Parts with a (possibly empty) text between and around every group, so that two signatures
    with the same groups line up part for part even when one lost its trailing ``throws``."""
    out: list[tuple[str, str]] = []
    for kind, text in parts:
        if kind != "text" and (not out or out[-1][0] != "text"):
            out.append(("text", ""))
        out.append((kind, text))
    if not out or out[-1][0] != "text":
        out.append(("text", ""))
    return out


def signature_delta(before: str, after: str, language: str) -> str:
    """What changed between two signatures, in words: added, removed and changed parameters (with
    their defaults and types), return type or modifiers; never the two whole signatures."""
    pa, pb = _padded(_parts(before)), _padded(_parts(after))
    if [k for k, _ in pa] != [k for k, _ in pb]:
        return _words_delta(before, after) or "changes its declaration"
    groups = [i for i, (k, _) in enumerate(pa) if k != "text"]
    nouns = {i: {"(": "parameter", "[": "type parameter", "<": "type parameter", "{": "member"}[pa[i][0]] for i in groups}
    parens = [i for i in groups if pa[i][0] == "("]
    if language == "go" and parens:
        method = before.startswith("func (")
        roles = (["receiver"] if method else []) + ["parameter", "result"]
        for i, role in zip(parens, roles, strict=False):
            nouns[i] = role
    if before.lstrip().startswith("class") and parens and language == "python":
        nouns[parens[0]] = "base class"
    out: list[str] = []
    for n, ((kind, a), (_, b)) in enumerate(zip(pa, pb, strict=True)):
        if a.replace(" ", "") == b.replace(" ", ""):
            continue
        if kind != "text":
            out.extend(_group_delta(a, b, language, nouns[n]))
        elif groups and n > groups[-1] and (a.strip().startswith(("->", ":")) or b.strip().startswith(("->", ":"))):
            old_ret, new_ret = _code(a.strip(' :') or '(none)'), _code(b.strip(' :') or '(none)')
            # a long union that changes past the cut: the words that changed, not the same text twice
            out.append(f"return {old_ret} → {new_ret}" if old_ret != new_ret else f"return type: {_words_delta(a, b)}")
        else:
            out.append(_words_delta(a, b))
    return "; ".join(x for x in out if x) or "changes its declaration"


@dataclass(frozen=True)
class Definition:
    qualname: str
    name: str  # what callers write: the function, or the class for a constructor
    kind: str  # function | method | class | type | constructor
    signature: str
    line: int  # 1-based, in its image
    end_line: int
    public: bool


# -- parsing -----------------------------------------------------------------------------------


def parse(text: str, language: str):
    """A tree-sitter tree from the shared syntax layer; None if no grammar is installed."""
    return syntax.parse(text, language)


def available(language: str) -> bool:
    return syntax.grammar(language) is not None


# -- signatures --------------------------------------------------------------------------------


def _t(node) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


_SPACES = re.compile(r"\s+")
_AFTER_OPEN = re.compile(r"([(\[{<])\s+")
_BEFORE_CLOSE = re.compile(r"\s+([)\]}>])")
_TRAILING_COMMA = re.compile(r",\s*([)\]}>])")
_COMMA = re.compile(r"\s*,\s*")


@functools.lru_cache(maxsize=8192)  # some 8,000 signatures: a few MB
def _norm(text: str) -> str:
    """One line, single spaces, no padding inside brackets, no trailing commas.

    A pure function of the text, remembered: the definitions of every image of a file are normalised
    again though most of its signatures are those of the image before (issue 16: 3.6% of go-redis's
    batch time); the patterns are compiled once instead of looked up in ``re``'s cache per call."""
    text = _SPACES.sub(" ", text).strip()
    text = _AFTER_OPEN.sub(r"\1", text)
    text = _BEFORE_CLOSE.sub(r"\1", text)
    text = _TRAILING_COMMA.sub(r"\1", text)  # trailing commas
    text = _COMMA.sub(", ", text)
    return text


def signature_key(signature: str) -> str:
    """What must differ for a signature to have changed: whitespace and trailing commas do not count."""
    return re.sub(r"\s+", "", signature)


def _without_comments(node) -> str:
    """Source text of a node with comments removed (doc comments do not change an API)."""
    if node is None:
        return ""
    parts: list[str] = []
    start = node.start_byte
    src = node.text
    base = node.start_byte

    def walk(n):
        nonlocal start
        if n.type in ("comment", "line_comment", "block_comment"):
            parts.append(src[start - base : n.start_byte - base].decode("utf-8", "replace"))
            start = n.end_byte
            return
        for c in n.children:
            walk(c)

    walk(node)
    parts.append(src[start - base :].decode("utf-8", "replace"))
    return "".join(parts)


def definitions(tree, language: str) -> dict[str, set[Definition]]:
    """Qualified name -> the definitions (overloads) of that name in a parsed file."""
    out: dict[str, set[Definition]] = {}

    def add(d: Definition) -> None:
        out.setdefault(d.qualname, set()).add(d)

    root = tree.root_node
    if language == "python":
        _python(root, [], add)
    elif language in ("javascript", "typescript", "tsx"):
        _js(root, [], add, exported=False)
        commonjs = _commonjs_exports(_t(root))
        if commonjs:  # CommonJS modules export by assignment, not with the export keyword
            for qual, defs in out.items():
                if qual.split(".")[0] in commonjs:
                    out[qual] = {d if d.public or d.qualname.split(".")[-1].startswith(("_", "#")) else
                                 Definition(d.qualname, d.name, d.kind, d.signature, d.line, d.end_line, True) for d in defs}
    elif language == "go":
        _go(root, add)
    elif language == "java":
        _java(root, [], add)
    return out


_EXPORTS_OBJECT = re.compile(r"module\.exports\s*=\s*\{([^}]*)\}")
_EXPORTS_NAME = re.compile(r"module\.exports\s*=\s*(\w+)\s*;?\s*$|(?:module\.)?exports\.(\w+)\s*=", re.M)


def _commonjs_exports(source: str) -> set[str]:
    names: set[str] = set()
    for m in _EXPORTS_OBJECT.finditer(source):
        for part in m.group(1).split(","):
            key, _, value = part.partition(":")
            names.add((value or key).strip().split()[0] if (value or key).strip() else "")
    for m in _EXPORTS_NAME.finditer(source):
        names.add(m.group(1) or m.group(2))
    names.discard("")
    return names


def _line(node) -> tuple[int, int]:
    return node.start_point[0] + 1, node.end_point[0] + 1


def _python(node, classes: list[str], add) -> None:
    for child in node.children:
        target, decorators = child, []
        if child.type == "decorated_definition":
            target = child.child_by_field_name("definition")
            decorators = [_t(d).lstrip("@").strip() for d in child.children if d.type == "decorator"]
        if target is None:
            continue
        if target.type == "function_definition":
            name = _t(target.child_by_field_name("name"))
            params = _t(target.child_by_field_name("parameters"))
            ret = target.child_by_field_name("return_type")
            marks = sorted(d for d in decorators if d in ("staticmethod", "classmethod", "property", "abstractmethod")
                           or d.endswith((".setter", ".deleter")))
            prefix = "async def" if _t(target).startswith("async") else "def"  # async changes how it is called
            sig = _norm(f"{' '.join('@' + m for m in marks)} {prefix} {name}{params}" + (f" -> {_t(ret)}" if ret else ""))
            qual = ".".join([*classes, name])
            dunder = name.startswith("__") and name.endswith("__")
            callers = classes[-1] if classes and name in ("__init__", "__new__") else (name if not dunder else "")
            public = (not name.startswith("_") or dunder) and not any(c.startswith("_") for c in classes)
            kind = "constructor" if name in ("__init__", "__new__") and classes else ("method" if classes else "function")
            add(Definition(qual, callers, kind, sig, *_line(child), public))
        elif target.type == "class_definition":
            name = _t(target.child_by_field_name("name"))
            bases = target.child_by_field_name("superclasses")
            sig = _norm(f"class {name}{_t(bases)}")
            public = not name.startswith("_") and not any(c.startswith("_") for c in classes)
            add(Definition(".".join([*classes, name]), name, "class", sig, *_line(child), public))
            body = target.child_by_field_name("body")
            if body is not None:
                _python(body, [*classes, name], add)


def _js(node, classes: list[str], add, exported: bool) -> None:
    for child in node.children:
        t = child.type
        if t == "export_statement":
            _js(child, classes, add, exported=True)
            continue
        if t in ("function_declaration", "generator_function_declaration", "function_signature"):
            name = _t(child.child_by_field_name("name"))
            sig = _norm(f"function {name}{_t(child.child_by_field_name('type_parameters'))}"
                        f"{_t(child.child_by_field_name('parameters'))}{_ret(child)}")
            add(Definition(name, name, "function", sig, *_line(child), exported))
        elif t in ("class_declaration", "abstract_class_declaration", "class"):
            name_node = child.child_by_field_name("name")
            if name_node is None:
                continue
            name = _t(name_node)
            heritage = next((_t(c) for c in child.children if c.type == "class_heritage"), "")
            sig = _norm(f"class {name}{_t(child.child_by_field_name('type_parameters'))} {heritage}")
            add(Definition(name, name, "class", sig, *_line(child), exported))
            body = child.child_by_field_name("body")
            if body is not None:
                for m in body.children:
                    if m.type in ("method_definition", "method_signature", "abstract_method_signature"):
                        mname = _t(m.child_by_field_name("name"))
                        mods = " ".join(_t(c) for c in m.children
                                        if c.type in ("static", "get", "set", "async", "*", "accessibility_modifier",
                                                      "override_modifier", "readonly"))
                        sig = _norm(f"{mods} {mname}{_t(m.child_by_field_name('parameters'))}{_ret(m)}")
                        ctor = mname == "constructor"
                        private = mname.startswith(("#", "_")) or "private" in mods
                        add(Definition(f"{name}.{mname}", name if ctor else mname, "constructor" if ctor else "method",
                                       sig, *_line(m), exported and not private))
        elif t in ("interface_declaration", "type_alias_declaration"):
            name = _t(child.child_by_field_name("name"))
            add(Definition(name, name, "type", _norm(_without_comments(child)), *_line(child), exported))
        elif t in ("lexical_declaration", "variable_declaration"):
            for decl in child.children:
                if decl.type != "variable_declarator":
                    continue
                value = decl.child_by_field_name("value")
                if value is None or value.type not in ("arrow_function", "function_expression", "function"):
                    continue
                name = _t(decl.child_by_field_name("name"))
                params = value.child_by_field_name("parameters") or value.child_by_field_name("parameter")
                sig = _norm(f"const {name} = {'async ' if _t(value).startswith('async') else ''}"
                            f"{_t(value.child_by_field_name('type_parameters'))}({_strip_parens(_t(params))}){_ret(value)}")
                add(Definition(name, name, "function", sig, *_line(child), exported))


def _strip_parens(text: str) -> str:
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


def _ret(node) -> str:
    r = node.child_by_field_name("return_type")
    return _t(r) if r is not None else ""


def _go(root, add) -> None:
    pkg = next((_t(c.named_children[0]) for c in root.children if c.type == "package_clause" and c.named_children), "")

    def callers(name: str) -> str:
        # other packages write pkg.Name; the package's own uses are not the coupling that matters
        return f"{pkg}.{name}" if pkg and name[:1].isupper() and pkg != "main" else name

    for child in root.children:
        if child.type == "function_declaration":
            name = _t(child.child_by_field_name("name"))
            sig = _norm(f"func {name}{_t(child.child_by_field_name('type_parameters'))}{_t(child.child_by_field_name('parameters'))} "
                        f"{_t(child.child_by_field_name('result'))}")
            add(Definition(name, callers(name), "function", sig, *_line(child), name[:1].isupper()))
        elif child.type == "method_declaration":
            name = _t(child.child_by_field_name("name"))
            recv = _t(child.child_by_field_name("receiver")).strip("()").split()
            rtext = re.sub(r"\[.*?\]", "", recv[-1] if recv else "")
            rtype = rtext.lstrip("*")
            sig = _norm(f"func ({rtext}) {name}{_t(child.child_by_field_name('parameters'))} {_t(child.child_by_field_name('result'))}")
            add(Definition(f"{rtype}.{name}", name, "method", sig, *_line(child), name[:1].isupper() and rtype[:1].isupper()))
        elif child.type == "type_declaration":
            for spec in child.children:
                if spec.type not in ("type_spec", "type_alias"):
                    continue
                name = _t(spec.child_by_field_name("name"))
                typ = spec.child_by_field_name("type")
                if typ is None or typ.type not in ("struct_type", "interface_type") or not name[:1].isupper():
                    continue  # unexported types are no package's API
                if typ.type == "struct_type":
                    body = next((c for c in typ.children if c.type == "field_declaration_list"), None)
                    fields = [
                        re.sub(r"`[^`]*`", "", _without_comments(fd))  # tags are metadata, not the API
                        for fd in (body.children if body is not None else [])
                        if fd.type == "field_declaration" and _exported_field(fd)
                    ]
                    text = "struct{" + "; ".join(f.strip() for f in fields) + "}"
                else:  # one member a line in the source: kept apart, so a finding names the member that changed
                    elems = [_without_comments(e) for e in typ.named_children if e.type not in ("comment",)]
                    text = "interface{" + "; ".join(e.strip() for e in elems) + "}"
                add(Definition(name, callers(name), "type", _norm(f"type {name} {text}"), *_line(spec), True))


def _exported_field(fd) -> bool:
    names = fd.children_by_field_name("name")
    if names:
        return any(_t(n)[:1].isupper() for n in names)
    embedded = _t(fd.child_by_field_name("type")).lstrip("*").split(".")[-1]  # embedded type: its name
    return embedded[:1].isupper()


_JAVA_TYPES = ("class_declaration", "interface_declaration", "enum_declaration", "record_declaration", "annotation_type_declaration")


def _java(node, classes: list[str], add, interface: bool = False) -> None:
    for child in node.children:
        if child.type in _JAVA_TYPES:
            name = _t(child.child_by_field_name("name"))
            mods = _java_mods(child)
            parts = [mods, child.type.split("_")[0], name, _t(child.child_by_field_name("type_parameters")),
                     _t(child.child_by_field_name("parameters")), _t(child.child_by_field_name("superclass")),
                     _t(child.child_by_field_name("interfaces"))]
            parts += [_t(c) for c in child.children if c.type == "extends_interfaces"]
            public = "public" in mods or "protected" in mods or interface
            add(Definition(".".join([*classes, name]), name, "class", _norm(" ".join(p for p in parts if p)), *_line(child), public))
            body = child.child_by_field_name("body")
            if body is not None:
                _java(body, [*classes, name], add, interface=child.type == "interface_declaration")
        elif child.type in ("method_declaration", "constructor_declaration") and classes:
            name = _t(child.child_by_field_name("name"))
            mods = _java_mods(child)
            ctor = child.type == "constructor_declaration"
            throws = next((_t(c) for c in child.children if c.type == "throws"), "")
            sig = _norm(" ".join(p for p in (mods, _t(child.child_by_field_name("type_parameters")),
                                               _t(child.child_by_field_name("type")), name + _t(child.child_by_field_name("parameters")),
                                               throws) if p))
            public = "public" in mods or "protected" in mods or (interface and "private" not in mods)
            add(Definition(f"{'.'.join(classes)}.{name}", classes[-1] if ctor else name, "constructor" if ctor else "method",
                           sig, *_line(child), public))
        elif child.type in ("class_body", "interface_body", "enum_body", "enum_body_declarations"):
            _java(child, classes, add, interface)


def _java_mods(node) -> str:
    mods = next((c for c in node.children if c.type == "modifiers"), None)
    if mods is None:
        return ""
    return " ".join(_t(c) for c in mods.children if c.type not in ("marker_annotation", "annotation", "line_comment", "block_comment"))


# -- comparison --------------------------------------------------------------------------------


@dataclass
class ApiChange:
    path: str
    language: str
    status: str  # changed | removed
    before: Definition
    after: Definition | None
    line: int | None
    end_line: int | None
    references: int | None = None

    def as_signal(self) -> dict[str, Any]:
        return {
            "path": self.path, "name": self.before.qualname, "kind": self.before.kind, "status": self.status,
            "public": self.before.public, "before": self.before.signature,
            "after": self.after.signature if self.after else None, "references": self.references,
        }


def compare(pre: dict[str, set[Definition]], post: dict[str, set[Definition]]) -> list[tuple[str, Definition, Definition | None]]:
    """(changed | removed, old definition, new definition or None) for every altered API."""
    out: list[tuple[str, Definition, Definition | None]] = []
    for qual, olds in sorted(pre.items()):
        news = post.get(qual)
        new_sigs = {signature_key(d.signature) for d in news} if news else set()
        for old in sorted(olds, key=lambda d: d.line):
            if signature_key(old.signature) in new_sigs:
                continue
            if not news:
                out.append(("removed", old, None))
            else:
                same_kind = [d for d in news if d.kind == old.kind] or list(news)
                out.append(("changed", old, min(same_kind, key=lambda d: abs(d.line - old.line))))
    return out




def _definitions_of(src: syntax.Source, language: str) -> dict[str, set[Definition]]:
    """:func:`definitions` once per image in a process (the post-image of one commit is the
    pre-image of the next that touches the file); a copy the caller may change."""
    found = syntax.image_memo(src, ("api_surface.definitions", language), lambda: definitions(src.tree, language))
    return {qual: set(defs) for qual, defs in found.items()}


def go_module_private(path: str, language: str) -> bool:
    """A Go file in an ``internal`` package: the toolchain lets only the tree rooted at the
    directory above ``internal/`` import it, so its capitalised names are the module's own
    business, not an API its users call; the compiler finds every caller a change breaks. Counted
    as public, they were 63 of the 355 API-change warnings on the newest 150 commits of 10 fetched
    repositories (22 commits, all in grpc-go and go-redis)."""
    return language == "go" and "internal" in path.split("/")[:-1]


def generated(f: FileChange, base_text: str, head_text: str | None) -> bool:
    """Generated or vendored code: its API changes are its generator's, reported on the source
    (the one generated-file rule, by the base's name and mark: ``paths.is_generated_name``, ``…_image``)."""
    return paths.is_generated_name(f.path, f.old_path) or paths.is_generated_image(base_text, head_text)


def file_changes(change: Change, f: FileChange, language: str) -> list[ApiChange]:
    if f.status == "added" or f.binary or paths.is_generated_name(f.path, f.old_path):
        return []
    cache = syntax.syntax_of(change)  # parsed once per change, shared with the other detectors
    pre_src = cache.source(f, "pre")
    if pre_src is None:
        return []
    post_src = None if f.status == "deleted" else cache.source(f, "post")
    if post_src is None and f.status != "deleted":
        return []
    if generated(f, pre_src.text, post_src.text if post_src is not None else None):
        return []
    pre = _definitions_of(pre_src, language)
    post = _definitions_of(post_src, language) if post_src is not None else {}
    out = []
    for status, old, new in compare(pre, post):
        if old.public and go_module_private(f.old_path or f.path, language):
            old = replace(old, public=False)
        if new is not None:
            line = end = new.line
        else:
            line = new_line(f.hunks, old.line) if f.status != "deleted" else old.line
            end = line
        out.append(ApiChange(f.path, language, status, old, new, line, end))
    return out


def analyse(change: Change, references, settings, make_finding) -> dict[str, Any]:
    """API changes of a change with their reference counts and findings (see the module doc)."""
    changes: list[ApiChange] = []
    parsed_any = False
    seen = 0
    for f in change.files:
        language = paths.language(f.old_path or f.path) if f.status == "deleted" else paths.language(f.path)
        if language not in SUPPORTED or paths.is_test(f.path) or not available(language):
            continue
        parsed_any = True
        seen += 1
        if seen > MAX_FILES:
            break
        changes.extend(file_changes(change, f, language))
    lookups = 0
    total = 0
    for c in changes:
        name = c.before.name
        if references is None or not name:
            continue
        if lookups >= settings.max_reference_lookups:
            break
        lookups += 1
        count = references.count(name, c.language)
        if count is not None:
            # less the definition's own line (a package-qualified name never occurs on it)
            c.references = count if "." in name else max(0, count - 1)
            total += c.references
    findings: list[Finding] = []
    for c in sorted(changes, key=lambda c: (not c.before.public, -(c.references or 0))):
        if len(findings) >= settings.max_api_findings:
            break
        if not c.before.public and (c.before.kind == "method" or (c.references or 0) < PRIVATE_MIN_REFERENCES):
            continue  # a private helper's new signature is the module's own business
        what = {"class": "class", "type": "type", "constructor": "constructor", "method": "method"}.get(c.before.kind, "function")
        refs = ""
        if c.references is not None:
            one = c.references == 1
            refs = f"; {c.references} line{'' if one else 's'} of the repository mention{'s' if one else ''} `{c.before.name}`"
        vis = "public " if c.before.public else ""
        if c.status == "removed":
            msg = f"removes {vis}{what} `{c.before.qualname}` (`{_short(c.before.signature)}`){refs}"
        else:
            assert c.after is not None  # compare() pairs every "changed" with its new definition
            msg = (f"changes the signature of {vis}{what} `{c.before.qualname}`: "
                   f"{signature_delta(c.before.signature, c.after.signature, c.language)}{refs}")
        severity = "warning" if c.before.public else "info"
        findings.append(make_finding("coupling.api_change", c.path, c.line, c.end_line, severity, msg))
    return {
        "available": parsed_any or not any(paths.language(f.path) in SUPPORTED for f in change.files),
        "changes": [c.as_signal() for c in changes],
        "references": total,
        "findings": findings,
    }
