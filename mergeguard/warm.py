"""A history index kept warm between scores, for long-running callers (the App).

Replaying a repository's whole history takes seconds (aiohttp: about 4 s) and a pull request's base
is almost always the target branch's tip, a little further along than last time. So the index is
kept per repository and *advanced*: when the new base descends from the one the index was built at,
only the commits in between (``git log old..new``) are replayed. Anything else (a base older than the
index, a rewritten branch) gets a fresh replay, because an index that has seen commits after the
base would let a score peek at the future.

One index per repository is mutated in place, so a caller holds it under :meth:`WarmHistory.at`'s
lock for as long as it reads it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .errors import RepositoryError
from .git import GitRepo
from .history import HistoryIndex
from .sources import history_at, replay


@dataclass
class _Entry:
    sha: str
    index: HistoryIndex
    lock: threading.Lock


class WarmHistory:
    """Per-repository warm indexes; counts how each request was served (for metrics and tests)."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._guard = threading.Lock()
        self.served = {"hit": 0, "advanced": 0, "rebuilt": 0}

    @contextmanager
    def at(self, repo: GitRepo, rev: str) -> Iterator[HistoryIndex]:
        """The index after every commit reachable from ``rev``, held exclusively while in use."""
        sha = repo.resolve(rev)
        key = str(repo.git_dir)
        with self._guard:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry("", HistoryIndex(), threading.Lock())
        with entry.lock:
            if entry.sha == sha:
                self.served["hit"] += 1
            elif entry.sha and _is_ancestor(repo, entry.sha, sha):
                for _ in replay(repo, [sha, f"^{entry.sha}"], lambda r, i: None, targets=set(), index=entry.index):
                    pass
                entry.sha = sha
                self.served["advanced"] += 1
            else:
                entry.index, entry.sha = history_at(repo, sha), sha
                self.served["rebuilt"] += 1
            yield entry.index

    def forget(self, repo: GitRepo) -> None:
        with self._guard:
            self._entries.pop(str(repo.git_dir), None)


def _is_ancestor(repo: GitRepo, a: str, b: str) -> bool:
    try:
        repo.run("merge-base", "--is-ancestor", a, b)
        return True
    except RepositoryError:
        return False
