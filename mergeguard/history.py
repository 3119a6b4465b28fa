"""History index: what the repository knew before a change, built in one pass over ``git log``.

Replaying the commit stream oldest-first, the index keeps per-file, per-author and per-subsystem
state. At any point it answers Kamei's history questions (NDEV, AGE, NUC, EXP, REXP, SEXP, LT) for a
set of paths, author and time, using only commits already observed. Mining, batch scoring and
single-change scoring all replay the same stream and ask the same questions at the change's parent,
which is what keeps training and scoring free of time travel.

It also counts co-changes per file pair for logical coupling, as code-maat's ``coupling`` analysis
does: a file's revisions are all the commits that touched it; shared revisions are counted only in
commits touching at most ``max_changeset_size`` files (30, code-maat's default: huge commits are
reformatting, vendoring or merges of unrelated work, not coupling); the degree of a pair is shared
revisions / the average revisions of the two.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from itertools import combinations
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


@dataclass(frozen=True)
class Partner:
    """A file that changed together with another: code-maat's coupling row for the pair."""

    path: str
    degree: float  # shared revisions / average revisions of the two files (0..1)
    shared: int  # commits (of at most max_changeset_size files) that touched both
    revisions: int  # revisions of the partner
    revisions_of: int  # revisions of the file asked about

    @property
    def average_revisions(self) -> float:
        return (self.revisions + self.revisions_of) / 2


class HistoryIndex:
    """Mutable replay state; ``observe`` commits in order, query between observations."""

    MAX_CHANGESET_SIZE = 30  # code-maat's default max-changeset-size

    def __init__(self, max_changeset_size: int = MAX_CHANGESET_SIZE) -> None:
        self.max_changeset_size = max_changeset_size
        self.cochanges: dict[str, dict[str, int]] = {}  # path -> partner -> shared revisions
        self.files: dict[str, FileState] = {}
        self.authors: dict[str, AuthorState] = defaultdict(AuthorState)
        self.sizes: list[int] = []  # sorted LA+LD of observed commits, for percentiles
        self.distributions: dict[str, list[int]] = {"la": [], "ld": [], "nf": []}
        self.commits = 0
        self.newest_time = 0
        self._paths: tuple[str, ...] | None = None

    # -- replay ---------------------------------------------------------------------------------

    def observe(self, rec: CommitRecord) -> None:
        """Fold one commit into the state. Merges carry no numstat and are skipped by the caller."""
        idx = self.commits
        self.commits += 1
        if self._paths is not None and any(f.status != "modified" or f.path not in self.files for f in rec.files):
            self._paths = None
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
                self._rename_cochanges(f.old_path, f.path)
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
                self._forget_cochanges(f.path)
        if 1 < len(rec.files) <= self.max_changeset_size:
            self._count_cochanges(sorted({f.path for f in rec.files if f.status != "deleted"}))
        bisect.insort(self.sizes, size)
        bisect.insort(self.distributions["la"], sum(f.added for f in rec.files))
        bisect.insort(self.distributions["ld"], sum(f.deleted for f in rec.files))
        bisect.insort(self.distributions["nf"], len(rec.files))
        self.newest_time = max(self.newest_time, rec.commit_time)

    def paths(self) -> tuple[str, ...]:
        """Files alive after the observed commits; the same tuple object until a file comes or goes."""
        if self._paths is None:
            self._paths = tuple(self.files)
        return self._paths

    def _count_cochanges(self, touched: list[str]) -> None:
        cochanges = self.cochanges
        for a, b in combinations(touched, 2):
            row = cochanges.get(a)
            if row is None:
                row = cochanges[a] = {}
            row[b] = row.get(b, 0) + 1
            row = cochanges.get(b)
            if row is None:
                row = cochanges[b] = {}
            row[a] = row.get(a, 0) + 1

    def _rename_cochanges(self, old: str, new: str) -> None:
        row = self.cochanges.pop(old, None)
        if row is None:
            return
        self._forget_cochanges(new)  # a renamed-over file's own pairs end with it
        row.pop(new, None)
        self.cochanges[new] = row
        for partner, shared in row.items():
            other = self.cochanges.get(partner)
            if other is not None:
                other.pop(old, None)
                other[new] = shared

    def _forget_cochanges(self, path: str) -> None:
        row = self.cochanges.pop(path, None)
        for partner in row or ():
            other = self.cochanges.get(partner)
            if other is not None:
                other.pop(path, None)

    # -- queries --------------------------------------------------------------------------------

    def revisions(self, path: str) -> int:
        """Commits that touched ``path`` (following renames), as code-maat's ``revisions`` counts them."""
        st = self.files.get(path)
        return len(st.commits) if st is not None else 0

    def partners(
        self, path: str, *, min_revs: int = 5, min_shared: int = 5, min_degree: float = 0.0,
    ) -> list[Partner]:
        """Files that changed with ``path``, strongest first, filtered as code-maat filters coupling.

        ``min_revs`` applies to the average revisions of the pair (code-maat's ``min-revs``),
        ``min_shared`` to the shared revisions (``min-shared-revs``), ``min_degree`` to the degree.
        """
        row = self.cochanges.get(path)
        if not row:
            return []
        own = self.revisions(path)
        out: list[Partner] = []
        for partner, shared in row.items():
            if shared < min_shared:
                continue
            revs = self.revisions(partner)
            average = (own + revs) / 2
            if average < min_revs or average <= 0:
                continue
            degree = min(1.0, shared / average)
            if degree >= min_degree:
                out.append(Partner(partner, degree, shared, revs, own))
        out.sort(key=lambda p: (-p.degree, -p.shared, p.path))
        return out

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
