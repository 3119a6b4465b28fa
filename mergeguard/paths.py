"""What a path is: test, documentation, code, and in which language.

Used by features (tests changed alongside code, documentation-only changes) and by SZZ (blame only
lines of code). Classification is by name alone so it works on diffs with no repository.
"""

from __future__ import annotations

import posixpath
import re

LANGUAGES: dict[str, str] = {
    ".py": "python", ".pyi": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go", ".java": "java", ".kt": "kotlin", ".kts": "kotlin", ".rb": "ruby", ".rs": "rust",
    ".cs": "csharp", ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp", ".hpp": "cpp", ".cxx": "cpp",
    ".php": "php", ".scala": "scala", ".swift": "swift", ".sh": "shell", ".bash": "shell",
    ".pyx": "cython", ".m": "objc", ".proto": "protobuf", ".sql": "sql",
}

_TEST_RE = re.compile(
    r"(^|/)(tests?|__tests__|spec|specs|testing|testdata|test-data|fixtures?)/"
    r"|(^|/)test_[^/]*\.py$|_test\.(py|go)$|\.(test|spec)\.[cm]?[jt]sx?$"
    r"|(^|/)[^/]*Tests?\.(java|kt|cs|scala)$|(^|/)Test[^/]*\.(java|kt)$|_spec\.rb$|conftest\.py$",
)
_DOC_EXT = {".md", ".rst", ".txt", ".adoc", ".asciidoc", ".rdoc", ".org", ".html", ".htm"}
_DOC_NAMES = re.compile(r"^(changelog|changes|history|news|authors|contributors|license|copying|notice|readme|todo)(\.|$)", re.I)
_DOC_DIRS = re.compile(r"(^|/)(docs?|documentation|changes|changelog\.d|news)/")


def language(path: str) -> str | None:
    """Programming language by extension; None for anything we do not treat as code."""
    return LANGUAGES.get(posixpath.splitext(path)[1].lower())


def is_test(path: str) -> bool:
    return bool(_TEST_RE.search(path))


def is_doc(path: str) -> bool:
    base = posixpath.basename(path)
    ext = posixpath.splitext(base)[1].lower()
    return ext in _DOC_EXT or bool(_DOC_NAMES.match(base)) or bool(_DOC_DIRS.search(path))


def is_code(path: str) -> bool:
    """Source code that can carry a bug (not tests, docs, data or configuration)."""
    return language(path) is not None and not is_test(path) and not is_doc(path)


def subsystem(path: str) -> str:
    """Kamei's subsystem: the top-level directory ('' for files at the root)."""
    return path.split("/", 1)[0] if "/" in path else ""


def directory(path: str) -> str:
    return posixpath.dirname(path)
