"""The language registry: every language mergeguard knows, declared once.

A language used to live in up to eleven tables (extensions in ``paths.py``, grammars, scope and call
node types in ``features/syntax.py``, scanners in ``features/retry_timeout.py``, API-surface support,
the reference-grep family in ``repofacts.py``, comment syntax in ``models/labels.py`` and
``features/authorship.py``, display names for model cards); they disagreed as languages were added
one table at a time. Now each is one :class:`Language` entry in :data:`REGISTRY`, and every one of
those tables is derived from it, so adding a language is one entry here (plus, for retry/timeout
support, one scanner module in ``features/resilience/``). See "Adding a language" in the README.

This module is data only: it imports nothing heavier than the standard library, so ``paths`` (which
everything imports) can read it. The grammar is named, not loaded: ``features.syntax`` loads it.

It also names the languages of a repository's tree (what a model card says per source repository):
the languages that make up at least :data:`MIN_SHARE` of the code files, most files first.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the annotation of repo_languages: git is an edge, not a dependency
    from .git import GitRepo

#: a language below this share of a repository's code files is not named (vendored scripts, build glue)
MIN_SHARE = 0.05

#: comment syntax: ``#`` line comments (and, for Python, docstrings) or C-style ``//`` and ``/* */``
HASH = "hash"
SLASH = "slash"


@dataclass(frozen=True)
class Grammar:
    """Where the compiled tree-sitter grammar is: ``getattr(import_module(module), function)()``.

    Grammars come from per-language PyPI wheels (they work offline); a wheel that is not installed
    makes the language's syntax unavailable, never an error.
    """

    module: str
    function: str = "language"


@dataclass(frozen=True)
class Language:
    """One language: how to recognise its files and what each part of mergeguard knows about it.

    Only ``name``, ``display`` and ``extensions`` are required; every other field says "this part of
    mergeguard supports the language" and defaults to "it does not".
    """

    name: str  # the key every table uses ("python", "tsx")
    display: str  # what a model card shows ("Python", "TypeScript")
    extensions: tuple[str, ...]  # lower-case, with the dot
    comment: str | None = None  # HASH | SLASH | None (no comment rule: only blank lines carry nothing)
    docstrings: bool = False  # a line opening with a triple quote is documentation (Python)
    grammar: Grammar | None = None  # None: never parsed
    #: node type -> scope kind ("function" | "method" | "class") for "which function is this hunk in"
    scopes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    calls: frozenset[str] = frozenset()  # node types of call expressions
    #: module under ``mergeguard.features.resilience`` that scans retries and timeouts (``scan(source)``)
    resilience_scanner: str | None = None
    api_surface: bool = False  # ``features.api_surface`` reads its public definitions
    #: the languages whose files may call this one's definitions (reference counts grep all of them)
    family: tuple[str, ...] = ()
    #: regular expressions (fragments) for this language's test files, by name
    test_patterns: tuple[str, ...] = ()
    #: regular expressions (fragments) for this language's generated files, by name (``_pb2.py``)
    generated_patterns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.extensions or any(not e.startswith(".") or e != e.lower() for e in self.extensions):
            raise ValueError(f"language {self.name!r}: extensions must be lower-case and start with a dot")
        if self.comment not in (None, HASH, SLASH):
            raise ValueError(f"language {self.name!r}: comment must be {HASH!r}, {SLASH!r} or None")
        if not set(self.scopes.values()) <= {"function", "method", "class"}:
            raise ValueError(f"language {self.name!r}: a scope kind is function, method or class")

    @property
    def parsed(self) -> bool:
        """Whether mergeguard parses it with tree-sitter (its wheel may still be missing)."""
        return self.grammar is not None

    @property
    def grep_family(self) -> tuple[str, ...]:
        """The languages whose files a reference count greps (the language itself when no family)."""
        return self.family or (self.name,)


def _scopes(**kinds: str) -> Mapping[str, str]:
    return MappingProxyType(dict(kinds))


_JS_SCOPES = {
    "function_declaration": "function", "generator_function_declaration": "function", "method_definition": "method",
    "class_declaration": "class", "arrow_function": "function", "function_expression": "function",
    "function": "function", "class": "class",
}
_TS_SCOPES = {**_JS_SCOPES, "interface_declaration": "class", "abstract_class_declaration": "class"}
_JS_CALLS = frozenset({"call_expression", "new_expression"})
_JS_FAMILY = ("javascript", "typescript", "tsx")
_JS_TESTS = (r"\.(test|spec)\.[cm]?[jt]sx?$",)
_JVM_FAMILY = ("java", "kotlin", "scala")
_C_FAMILY = ("c", "cpp", "objc")

#: every language, in the order tables list them (the parsed ones first)
REGISTRY: tuple[Language, ...] = (
    Language(
        "python", "Python", (".py", ".pyi"), comment=HASH, docstrings=True, grammar=Grammar("tree_sitter_python"),
        scopes=_scopes(function_definition="function", class_definition="class"), calls=frozenset({"call"}),
        resilience_scanner="python", api_surface=True, family=("python", "cython"),
        test_patterns=(r"(^|/)test_[^/]*\.py$", r"_test\.(py|go)$", r"conftest\.py$"),
        # vendored copies: pip's ``_vendor/``, botocore's ``vendored/``, requests' ``requests/packages/urllib3/``
        generated_patterns=(r"_pb2(_grpc)?\.pyi?$", r"(^|/)(_vendor|vendored)/.*\.pyi?$",
                            r"(^|/)[a-z_][a-z0-9_]*/packages/.*\.pyi?$"),
    ),
    Language(
        "javascript", "JavaScript", (".js", ".mjs", ".cjs", ".jsx"), comment=SLASH,
        grammar=Grammar("tree_sitter_javascript"), scopes=MappingProxyType(_JS_SCOPES), calls=_JS_CALLS,
        resilience_scanner="javascript", api_surface=True, family=_JS_FAMILY, test_patterns=_JS_TESTS,
        generated_patterns=(r"\.min\.js$", r"\.bundle\.js$"),
    ),
    Language(
        "typescript", "TypeScript", (".ts", ".mts", ".cts"), comment=SLASH,
        grammar=Grammar("tree_sitter_typescript", "language_typescript"), scopes=MappingProxyType(_TS_SCOPES),
        calls=_JS_CALLS, resilience_scanner="javascript", api_surface=True, family=_JS_FAMILY, test_patterns=_JS_TESTS,
    ),
    Language(
        "tsx", "TypeScript", (".tsx",), comment=SLASH, grammar=Grammar("tree_sitter_typescript", "language_tsx"),
        scopes=MappingProxyType(_TS_SCOPES), calls=_JS_CALLS, resilience_scanner="javascript", api_surface=True,
        family=_JS_FAMILY, test_patterns=_JS_TESTS,
    ),
    Language(
        "go", "Go", (".go",), comment=SLASH, grammar=Grammar("tree_sitter_go"),
        scopes=_scopes(function_declaration="function", method_declaration="method", func_literal="function"),
        calls=frozenset({"call_expression"}), resilience_scanner="go", api_surface=True,
        test_patterns=(r"_test\.(py|go)$",), generated_patterns=(r"\.pb(\.gw)?\.go$", r"_grpc\.pb\.go$"),
    ),
    Language(
        "java", "Java", (".java",), comment=SLASH, grammar=Grammar("tree_sitter_java"),
        scopes=_scopes(method_declaration="method", constructor_declaration="method", class_declaration="class",
                       interface_declaration="class", enum_declaration="class", record_declaration="class",
                       lambda_expression="function"),
        calls=frozenset({"method_invocation", "object_creation_expression"}), resilience_scanner="java",
        api_surface=True, family=_JVM_FAMILY,
        test_patterns=(r"(^|/)[^/]*Tests?\.(java|kt|cs|scala)$", r"(^|/)Test[^/]*\.(java|kt)$"),
    ),
    Language(
        "ruby", "Ruby", (".rb",), comment=HASH, grammar=Grammar("tree_sitter_ruby"),
        scopes=_scopes(method="method", singleton_method="method", **{"class": "class", "module": "class"}),
        calls=frozenset({"call"}), test_patterns=(r"_spec\.rb$",),
    ),
    Language(
        "rust", "Rust", (".rs",), comment=SLASH, grammar=Grammar("tree_sitter_rust"),
        scopes=_scopes(function_item="function", impl_item="class", trait_item="class", closure_expression="function"),
        calls=frozenset({"call_expression", "macro_invocation"}),
    ),
    Language(
        "csharp", "C#", (".cs",), comment=SLASH, grammar=Grammar("tree_sitter_c_sharp"),
        scopes=_scopes(method_declaration="method", constructor_declaration="method",
                       local_function_statement="function", class_declaration="class",
                       interface_declaration="class", struct_declaration="class", record_declaration="class",
                       lambda_expression="function"),
        calls=frozenset({"invocation_expression", "object_creation_expression"}), resilience_scanner="csharp",
        test_patterns=(r"(^|/)[^/]*Tests?\.(java|kt|cs|scala)$",),
    ),
    Language(
        "kotlin", "Kotlin", (".kt", ".kts"), comment=SLASH, grammar=Grammar("tree_sitter_kotlin"),
        scopes=_scopes(function_declaration="function", class_declaration="class", object_declaration="class",
                       lambda_literal="function", anonymous_function="function"),
        calls=frozenset({"call_expression"}), resilience_scanner="kotlin", family=_JVM_FAMILY,
        test_patterns=(r"(^|/)[^/]*Tests?\.(java|kt|cs|scala)$", r"(^|/)Test[^/]*\.(java|kt)$"),
    ),
    Language("c", "C", (".c", ".h"), comment=SLASH, family=_C_FAMILY),
    Language("cpp", "C++", (".cc", ".cpp", ".hpp", ".cxx"), comment=SLASH, family=_C_FAMILY),
    Language("php", "PHP", (".php",), comment=SLASH),
    Language("scala", "Scala", (".scala",), comment=SLASH, test_patterns=(r"(^|/)[^/]*Tests?\.(java|kt|cs|scala)$",)),
    Language("swift", "Swift", (".swift",), comment=SLASH),
    Language("shell", "Shell", (".sh", ".bash"), comment=HASH),
    Language("cython", "Cython", (".pyx",), comment=HASH, docstrings=True),
    Language("objc", "Objective-C", (".m",), comment=SLASH),
    Language("protobuf", "Protocol Buffers", (".proto",), comment=SLASH),
    Language("sql", "SQL", (".sql",)),
)


def _index(registry: tuple[Language, ...]) -> tuple[Mapping[str, Language], Mapping[str, str]]:
    by_name: dict[str, Language] = {}
    by_ext: dict[str, str] = {}
    for lang in registry:
        if lang.name in by_name:
            raise ValueError(f"language {lang.name!r} is registered twice")
        by_name[lang.name] = lang
        for ext in lang.extensions:
            if ext in by_ext:
                raise ValueError(f"extension {ext} belongs to both {by_ext[ext]!r} and {lang.name!r}")
            by_ext[ext] = lang.name
    unknown = {m for lang in registry for m in lang.family} - set(by_name)
    if unknown:
        raise ValueError(f"language families name unregistered languages: {', '.join(sorted(unknown))}")
    return MappingProxyType(by_name), MappingProxyType(by_ext)


BY_NAME, BY_EXTENSION = _index(REGISTRY)

#: display names, for model cards
DISPLAY: Mapping[str, str] = MappingProxyType({lang.name: lang.display for lang in REGISTRY})


def get(name: str | None) -> Language | None:
    """The registered language called ``name`` (None for None or an unknown name)."""
    return BY_NAME.get(name) if name is not None else None


def language_of_path(path: str) -> str | None:
    """The language of a path, by its extension; None for anything not treated as code."""
    return BY_EXTENSION.get(posixpath.splitext(path)[1].lower())


# -- generated and vendored files: one rule -----------------------------------------------------------
#
# Three detectors had three rules (retry/timeout, API surface, authorship style) that disagreed:
# only some skipped build/ or bower_components/, .bundle.js or .min.css, .pb.gw.go or .pyi stubs, and
# only the API surface read a file's header. A file that is generated for one detector is generated
# for all: the rule is their union, and the header test applies wherever the file's text is at hand.

#: directories of built or vendored copies (at the root or anywhere below it)
GENERATED_DIRS: tuple[str, ...] = ("vendor", "third_party", "node_modules", "dist", "build", "bower_components")
#: generated files of no one language: lock files, minified styles, generator-named files
_GENERATED_ANY: tuple[str, ...] = (
    r"\.min\.css$", r"\.generated\.", r"_generated\.", r"zz_generated",
    r"(^|/)(package-lock\.json|yarn\.lock|go\.sum|poetry\.lock|Cargo\.lock)$",
)
GENERATED_PATH = re.compile("|".join((
    rf"(^|/)({'|'.join(map(re.escape, GENERATED_DIRS))})/",
    *_GENERATED_ANY,
    *dict.fromkeys(p for lang in REGISTRY for p in lang.generated_patterns),
)))
#: the marks generators leave in a file's first lines (Go's "Code generated ... DO NOT EDIT", @generated)
GENERATED_HEADER = re.compile(r"Code generated .* DO NOT EDIT|@generated|autogenerated|auto-generated", re.I)
#: how many of a file's first lines the header test reads
HEADER_LINES = 8


def is_generated(path: str, text: str | None = None) -> bool:
    """Generated or vendored code, by its path, or by its header when its ``text`` is given.

    What such a change does is its generator's doing, reported (if at all) on the generator's input.
    """
    if GENERATED_PATH.search(path):
        return True
    return text is not None and has_generated_mark(text)


def has_generated_mark(text: str) -> bool:
    """Whether a generator's mark is in the first :data:`HEADER_LINES` lines of ``text``."""
    return bool(GENERATED_HEADER.search("\n".join(text.splitlines()[:HEADER_LINES])))


# -- the languages of a repository --------------------------------------------------------------------


def languages_of_paths(paths: list[str], min_share: float = MIN_SHARE) -> list[str]:
    """Display names of the languages of at least ``min_share`` of the code files, most files first."""
    counts = Counter(DISPLAY.get(lang, lang) for p in paths if (lang := language_of_path(p)))
    total = sum(counts.values())
    return [name for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n / total >= min_share]


def repo_languages(repo: GitRepo, rev: str = "HEAD") -> list[str]:
    """The languages of ``rev``'s tree (an empty list for a tree without code files)."""
    names = repo.run("ls-tree", "-r", "-z", "--name-only", rev).decode("utf-8", "replace").split("\0")
    return languages_of_paths([n for n in names if n])
