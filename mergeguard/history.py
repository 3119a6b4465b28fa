"""History index: what the repository knew before a change, built in one pass over ``git log``.

Replaying the commit stream oldest-first, the index keeps per-file, per-author and per-subsystem
state. At any point it answers Kamei's history questions (NDEV, AGE, NUC, EXP, REXP, SEXP, LT) for a
set of paths, author and time, using only commits already observed. Mining, batch scoring and
single-change scoring all replay the same stream and ask the same questions at the change's parent,
which is what keeps training and scoring free of time travel.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field

from . import messages, paths
from .git import CommitRecord

YEAR = 365.25 * 86400
DAY = 86400.0


@dataclass
class FileState:
    lines: int = 0
    last_time: int | None = None
    authors: set[str] = field(default_factory=set)
    commits: set[int] = field(default_factory=set)
    fixes: int = 0


@dataclass
class AuthorState:
    commits: int = 0
    by_year: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    by_subsystem: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class HistoryIndex:
    """Mutable replay state; ``observe`` commits in order, query between observations."""

    def __init__(self) -> None:
        self.files: dict[str, FileState] = {}
        self.authors: dict[str, AuthorState] = defaultdict(AuthorState)
        self.sizes: list[int] = []  # sorted LA+LD of observed commits, for percentiles
        self.distributions: dict[str, list[int]] = {"la": [], "ld": [], "nf": []}
        self.commits = 0
        self.newest_time = 0

    # -- replay ---------------------------------------------------------------------------------

    def observe(self, rec: CommitRecord) -> None:
        """Fold one commit into the state. Merges carry no numstat and are skipped by the caller."""
        idx = self.commits
        self.commits += 1
        fix = messages.is_fix(rec.message)
        author = self.authors[rec.author_email]
        author.commits += 1
        author.by_year[int(rec.author_time // YEAR)] += 1
        for sub in {paths.subsystem(f.path) for f in rec.files}:
            author.by_subsystem[sub] += 1
        size = 0
        for f in rec.files:
            if f.old_path and f.old_path != f.path:
                moved = self.files.pop(f.old_path, None)
                if moved is not None:
                    self.files[f.path] = moved
            st = self.files.get(f.path)
            if st is None:
                st = self.files[f.path] = FileState()
            st.lines = max(0, st.lines + f.added - f.deleted)
            st.last_time = rec.author_time
            st.authors.add(rec.author_email)
            st.commits.add(idx)
            if fix:
                st.fixes += 1
            size += f.added + f.deleted
            if f.status == "deleted":
                self.files.pop(f.path, None)  # its history ends here; a later file of that name starts anew
        bisect.insort(self.sizes, size)
        bisect.insort(self.distributions["la"], sum(f.added for f in rec.files))
        bisect.insort(self.distributions["ld"], sum(f.deleted for f in rec.files))
        bisect.insort(self.distributions["nf"], len(rec.files))
        self.newest_time = max(self.newest_time, rec.commit_time)

    # -- queries --------------------------------------------------------------------------------

    def file(self, path: str, old_path: str | None = None) -> FileState | None:
        return self.files.get(old_path or path) or self.files.get(path)

    def size_percentile(self, size: int) -> float | None:
        """Share of earlier changes that were strictly smaller (0..1); None with no history."""
        if not self.sizes:
            return None
        return bisect.bisect_left(self.sizes, size) / len(self.sizes)

    def percentile(self, feature: str, value: float) -> float | None:
        """Share of earlier changes with a smaller ``feature`` (la, ld, nf); None if not tracked."""
        dist = self.distributions.get(feature)
        if not dist:
            return None
        return bisect.bisect_left(dist, value) / len(dist)

    def author_experience(self, email: str, when: int, subsystems: set[str]) -> tuple[int, float, int]:
        """EXP, REXP, SEXP for an author at a time.

        REXP weights each earlier change by 1/(n+1), n its age in whole years (Kamei et al. 2013);
        ages are counted in calendar-year buckets so the cost does not grow with the author's output.
        """
        st = self.authors.get(email)
        if st is None:
            return 0, 0.0, 0
        now_year = int(when // YEAR)
        rexp = sum(count / (max(0, now_year - year) + 1) for year, count in st.by_year.items())
        sexp = sum(st.by_subsystem.get(s, 0) for s in subsystems)
        return st.commits, rexp, sexp
