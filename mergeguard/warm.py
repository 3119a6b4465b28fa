"""A history index kept warm between scores, for long-running callers (the App).

Replaying a repository's whole history takes seconds (aiohttp: about 4 s) and a pull request's base
is almost always the target branch's tip, a little further along than last time. So the index is
kept per repository and *advanced*: when the new base descends from the one the index was built at,
only the commits in between (``git log old..new``) are replayed. Anything else (a base older than the
index, a rewritten branch) gets a fresh replay, because an index that has seen commits after the
base would let a score peek at the future.

One index per repository is mutated in place, so a caller holds it under :meth:`WarmHistory.at`'s
lock for as long as it reads it.

With ``max_bytes``, the indexes together stay within a memory budget (estimated by
:meth:`HistoryIndex.approx_bytes`): after each use the least recently used indexes not in use are
dropped until the rest fit; a dropped repository's next score rebuilds its index from scratch,
which gives exactly the index it would have had. The index just used is never dropped, so one
repository larger than the whole budget still scores (and is dropped as soon as another is used).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
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
    size: int = 0


class WarmHistory:
    """Per-repository warm indexes; counts how each request was served (for metrics and tests)."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()  # least recently used first
        self._guard = threading.Lock()
        self.max_bytes = max_bytes
        self.served = {"hit": 0, "advanced": 0, "rebuilt": 0, "evicted": 0}

    @property
    def indexes(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        """Estimated memory of the warm indexes (as of each one's last use)."""
        with self._guard:
            return sum(e.size for e in self._entries.values())

    @contextmanager
    def at(self, repo: GitRepo, rev: str) -> Iterator[HistoryIndex]:
        """The index after every commit reachable from ``rev``, held exclusively while in use."""
        sha = repo.resolve(rev)
        key = str(repo.git_dir)
        with self._guard:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry("", HistoryIndex(), threading.Lock())
            self._entries.move_to_end(key)
        try:
            with entry.lock:
                yield self._serve(entry, repo, sha)
                entry.size = entry.index.approx_bytes()
        finally:
            self._evict(keep=key)

    def _serve(self, entry: _Entry, repo: GitRepo, sha: str) -> HistoryIndex:
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
        return entry.index

    def _evict(self, keep: str) -> None:
        """Drop least recently used indexes (never ``keep``, never one in use) until the rest fit."""
        if self.max_bytes is None:
            return
        with self._guard:
            total = sum(e.size for e in self._entries.values())
            for key in list(self._entries):
                if total <= self.max_bytes:
                    break
                entry = self._entries[key]
                if key == keep or entry.lock.locked():
                    continue
                del self._entries[key]
                total -= entry.size
                self.served["evicted"] += 1


def _is_ancestor(repo: GitRepo, a: str, b: str) -> bool:
    try:
        repo.run("merge-base", "--is-ancestor", a, b)
        return True
    except RepositoryError:
        return False
