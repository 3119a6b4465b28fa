"""A disk budget for the mirrors: least recently used ones are removed, and cloned again when needed.

An organisation with thousands of repositories would otherwise keep a mirror of every one of them on
the worker's disk forever. After each sync the mirrors' total size is measured; while it is over the
budget, the mirror used least recently is removed. "Used" is the modification time of a small
``<repo>.git.use`` file, touched when a job starts on the repository.

A mirror in use is never removed: a job holds a shared ``flock`` on the ``.use`` file from its start
to its end (:meth:`BudgetedMirror.in_use`), and eviction needs an exclusive one, taken without
waiting, plus the mirror's own write lock (app/mirror.py), also without waiting; so a mirror being
synced or read by any thread or process of this host is skipped, and locks die with their process, so
a killed job never pins a mirror. A removed mirror is cloned again by the next job's sync, as the
first time.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import RepositoryError
from ..git import GitRepo
from .mirror import Mirror

log = logging.getLogger("mergeguard.app.mirror_budget")


@dataclass(frozen=True)
class MirrorUsage:
    """One mirror on disk: its repository, path, bytes and last use (epoch seconds)."""

    repo: str
    path: Path
    bytes: int
    used_at: float


def tree_bytes(path: Path) -> int:
    """Disk space of a directory tree (allocated blocks, as ``du`` counts; files only once)."""
    total, stack, seen = 0, [path], set()
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue  # removed meanwhile
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            elif (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += getattr(st, "st_blocks", 0) * 512 or st.st_size
    return total


class BudgetedMirror(Mirror):
    """:class:`Mirror` whose mirrors together stay within ``budget_bytes`` (None: no budget)."""

    def __init__(self, root: str | os.PathLike[str], *, budget_bytes: int | None, timeout: float = 600.0):
        super().__init__(root, timeout=timeout)
        self.budget_bytes = budget_bytes
        self.evicted = 0
        self.used_bytes = 0
        self._stats = threading.Lock()

    # -- jobs -------------------------------------------------------------------------------------

    @contextmanager
    def in_use(self, full_name: str | None) -> Iterator[None]:
        """Hold ``full_name``'s mirror against eviction for the block, and mark it used now."""
        try:
            path = self.path(full_name or "")
        except RepositoryError:
            yield  # no repository (or not a name): nothing to hold
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        marker = path.with_name(path.name + ".use")
        with open(marker, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_SH)
            os.utime(marker)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def sync(self, full_name: str, clone_url: str, token: str | None, refs: Sequence[str] = ()) -> GitRepo:
        repo = super().sync(full_name, clone_url, token, refs)
        try:
            self.enforce(keep=full_name)
        except OSError as exc:  # the budget is kept next time; this job has its mirror
            log.warning("mirror disk budget: %s", exc)
        return repo

    # -- the budget -------------------------------------------------------------------------------

    def mirrors(self) -> list[MirrorUsage]:
        """Every finished mirror under the root, least recently used first."""
        found: list[MirrorUsage] = []
        if not self.root.is_dir():
            return found
        for owner in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for path in sorted(owner.glob("*.git")):
                if not path.is_dir():
                    continue
                marker = path.with_name(path.name + ".use")
                try:
                    used = marker.stat().st_mtime
                except OSError:
                    used = path.stat().st_mtime
                found.append(MirrorUsage(f"{owner.name}/{path.name[:-4]}", path, tree_bytes(path), used))
        return sorted(found, key=lambda m: (m.used_at, m.repo))

    def enforce(self, keep: str | None = None) -> list[str]:
        """Remove least recently used mirrors until the total is within budget; returns the removed ones.

        ``keep`` (the mirror just synced for a job) and mirrors in use are never removed; if they alone
        exceed the budget, the total stays over it until they are free.
        """
        mirrors = self.mirrors()
        total = sum(m.bytes for m in mirrors)
        removed: list[str] = []
        if self.budget_bytes is not None:
            for m in mirrors:
                if total <= self.budget_bytes:
                    break
                if m.repo != keep and self._evict(m):
                    total -= m.bytes
                    removed.append(m.repo)
        with self._stats:
            self.used_bytes = total
            self.evicted += len(removed)
        if removed:
            log.info("mirror disk budget %d MiB: removed %d least recently used mirror(s): %s",
                     (self.budget_bytes or 0) // 2**20, len(removed), ", ".join(removed))
        return removed

    def _evict(self, m: MirrorUsage) -> bool:
        """Remove one mirror if nobody uses or syncs it (both locks taken without waiting)."""
        with open(m.path.with_name(m.path.name + ".use"), "a") as use, \
                open(m.path.with_name(m.path.name + ".lock"), "a") as write:
            try:
                fcntl.flock(use, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            try:
                fcntl.flock(write, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            # renamed first: a half-removed directory never looks like a mirror (sync would see an
            # unhealthy one and clone again anyway, but a rename is atomic)
            doomed = m.path.with_name(m.path.name + ".evicted")
            shutil.rmtree(doomed, ignore_errors=True)
            m.path.rename(doomed)
            shutil.rmtree(doomed, ignore_errors=True)
            return True

    def stats(self) -> dict[str, int]:
        with self._stats:
            return {"bytes": self.used_bytes, "budget_bytes": self.budget_bytes or 0, "evicted": self.evicted}
