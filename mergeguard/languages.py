"""The languages of a repository, by the code files in its tree: what a model card names per source.

A model trained on Python and Go histories says little about a Kotlin repository; the card must say
which languages each source repository is written in. Counted over the files of one revision's tree
by extension (the same table the detectors use), the languages that make up at least
:data:`MIN_SHARE` of the code files, most files first.
"""

from __future__ import annotations

from collections import Counter

from .git import GitRepo
from .paths import language

#: a language below this share of a repository's code files is not named (vendored scripts, build glue)
MIN_SHARE = 0.05

DISPLAY = {
    "python": "Python", "javascript": "JavaScript", "typescript": "TypeScript", "tsx": "TypeScript", "go": "Go",
    "java": "Java", "kotlin": "Kotlin", "ruby": "Ruby", "rust": "Rust", "csharp": "C#", "c": "C", "cpp": "C++",
    "php": "PHP", "scala": "Scala", "swift": "Swift", "shell": "Shell", "cython": "Cython", "objc": "Objective-C",
    "protobuf": "Protocol Buffers", "sql": "SQL",
}


def languages_of_paths(paths: list[str], min_share: float = MIN_SHARE) -> list[str]:
    """Display names of the languages of at least ``min_share`` of the code files, most files first."""
    counts = Counter(DISPLAY.get(lang, lang) for p in paths if (lang := language(p)))
    total = sum(counts.values())
    return [name for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n / total >= min_share]


def repo_languages(repo: GitRepo, rev: str = "HEAD") -> list[str]:
    """The languages of ``rev``'s tree (an empty list for a tree without code files)."""
    names = repo.run("ls-tree", "-r", "-z", "--name-only", rev).decode("utf-8", "replace").split("\0")
    return languages_of_paths([n for n in names if n])
