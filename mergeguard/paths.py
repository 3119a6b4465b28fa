"""What a path is: test, documentation, generated, code, and in which language.

Used by features (tests changed alongside code, documentation-only changes) and by SZZ (blame only
lines of code). Classification is by name alone so it works on diffs with no repository; the one
filesystem question here, :func:`written_under`, is also answered from the name, never from symlinks.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from . import languages as _registry

#: extension -> language, derived from the language registry (``mergeguard.languages``)
LANGUAGES: dict[str, str] = dict(_registry.BY_EXTENSION)

_TEST_RE = re.compile("|".join((
    r"(^|/)(tests?|__tests__|spec|specs|testing|testdata|test-data|fixtures?)/",
    *dict.fromkeys(p for lang in _registry.REGISTRY for p in lang.test_patterns),
)))
_DOC_EXT = {".md", ".rst", ".txt", ".adoc", ".asciidoc", ".rdoc", ".org", ".html", ".htm"}
_DOC_NAMES = re.compile(r"^(changelog|changes|history|news|authors|contributors|license|copying|notice|readme|todo)(\.|$)", re.I)
#: what a documentation folder holds besides documents
_DOC_PICTURES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
_DOC_DIRS = re.compile(r"(^|/)(docs?|documentation|changes|changelog\.d|news)/")
_NEWS_DIRS = re.compile(r"(^|/)(changes|changelog\.d|news)/")


def language(path: str) -> str | None:
    """Programming language by extension; None for anything we do not treat as code."""
    return _registry.language_of_path(path)


def is_generated(path: str, text: str | None = None) -> bool:
    """Generated or vendored code (the one rule every detector uses; see ``languages.is_generated``)."""
    return _registry.is_generated(path, text)


def is_test(path: str) -> bool:
    return bool(_TEST_RE.search(path))


def is_doc(path: str) -> bool:
    base = posixpath.basename(path)
    ext = posixpath.splitext(base)[1].lower()
    return ext in _DOC_EXT or bool(_DOC_NAMES.match(base)) or bool(_DOC_DIRS.search(path))


def is_prose(path: str) -> bool:
    """Documentation that runs nowhere: the one kind of file a tightened gate lets through untouched.

    Stricter than :func:`is_doc` (a model feature, kept as it was trained): a file of a programming
    language is never prose, whatever its name or folder (``svc/history.py``, ``app/docs/handler.py``),
    and ``.txt``/``.html`` count only in a documentation folder or under a documentation name
    (``requirements.txt``, ``CMakeLists.txt`` and HTML templates are build input and code); in a
    documentation folder, only documents and pictures count (not ``docs/Makefile`` or a submodule).
    """
    if language(path) is not None or not is_doc(path):
        return False
    base = posixpath.basename(path)
    ext = posixpath.splitext(base)[1].lower()
    if ext in (".txt", ".html", ".htm"):
        return bool(_DOC_DIRS.search(path) or _DOC_NAMES.match(base))
    # in a documentation folder, only documents and their pictures: a submodule (``docs/theme``), a
    # script without extension, a Makefile, Dockerfile or package.json there runs or builds something;
    # a news-fragment folder holds fragments of any suffix (``changes/123.feature``)
    return (ext in _DOC_EXT or ext in _DOC_PICTURES or bool(_DOC_NAMES.match(base))
            or bool(_NEWS_DIRS.search(path)))


def is_code(path: str) -> bool:
    """Source code that can carry a bug (not tests, docs, data or configuration)."""
    return language(path) is not None and not is_test(path) and not is_doc(path)


def subsystem(path: str) -> str:
    """Kamei's subsystem: the top-level directory ('' for files at the root)."""
    return path.split("/", 1)[0] if "/" in path else ""


def directory(path: str) -> str:
    return posixpath.dirname(path)


def written_under(path: str | os.PathLike[str], root: Path) -> Path | None:
    """``path`` relative to ``root``, judged on the path as written (made absolute, ``..`` folded, no
    symlink followed), or None when it lies outside. Where a pull request's checkout is the work tree,
    which file a name means must not depend on symlinks the pull request put there."""
    written = Path(os.path.abspath(path))
    return written.relative_to(root) if written == root or root in written.parents else None
