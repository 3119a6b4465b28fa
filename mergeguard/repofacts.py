"""Facts about the repository at the base revision that coupling detectors need, read through git.

The coupling extractor is pure: it receives the file listing as a value and reference counts
through a typed query (``features.References``) in its context. This module builds both from the
:class:`~mergeguard.git.Git` interface (work tree or bare), running git only through ``Git.run``:

- ``list_files(repo, rev)``: every path in the tree at ``rev`` (one ``git ls-tree``), from which
  service roots (directories with their own ``go.mod``, ``package.json``, ``pyproject.toml``…) are
  found.
- ``ReferenceCounter(repo, base)``: ``count(name, language)`` is how many lines of that
  language's files at ``base`` contain ``name`` as a whole word (``git grep -w -c``), cached by
  ``(base, name, language)`` so scoring many changes on one base greps each name once.
"""

from __future__ import annotations

from . import languages
from .git import Git


def extensions(language: str) -> list[str]:
    """The extensions a reference count for ``language`` greps: its family's, from the language registry
    (one language family greps the sources of the family: a Python function is not called from Go)."""
    lang = languages.get(language)
    family = lang.grep_family if lang is not None else (language,)
    return sorted(ext for ext, name in languages.BY_EXTENSION.items() if name in family)


def list_files(repo: Git, rev: str) -> tuple[str, ...]:
    """Every file path in the tree at ``rev``."""
    out = repo.run("ls-tree", "-r", "-z", "--name-only", "--full-tree", rev, check=False)
    return tuple(p.decode("utf-8", "replace") for p in out.split(b"\0") if p)


class ReferenceCounter:
    """``count(name, language)`` -> lines at ``base`` that mention ``name`` as a word; cached.
    The implementation of ``features.References`` over the git interface."""

    _cache: dict[tuple[str, str, str], int | None] = {}

    def __init__(self, repo: Git, base: str, *, max_cache: int = 50_000):
        self.repo = repo
        self.base = base
        self.max_cache = max_cache
        self.calls = 0  # git grep runs (cache misses), for tests and benchmarks

    def count(self, name: str, language: str) -> int | None:
        key = (self.base, name, language)
        cache = ReferenceCounter._cache
        if key in cache:
            return cache[key]
        exts = extensions(language)
        if not exts or not name:
            return None
        self.calls += 1
        out = self.repo.run(
            "grep", "-w", "-c", "-F", "-I", "-e", name, self.base, "--", *(f"*{e}" for e in exts), check=False,
        )
        total = 0
        for line in out.decode("utf-8", "replace").splitlines():
            _, _, count = line.rpartition(":")
            if count.isdigit():
                total += int(count)
        if len(cache) >= self.max_cache:
            cache.clear()
        cache[key] = total
        return total
