"""History index: what the repository knew before a change, built in one pass over ``git log``.

Replaying the commit stream oldest-first, the index keeps per-file, per-author and per-subsystem
state. At any point it answers Kamei's history questions (NDEV, AGE, NUC, EXP, REXP, SEXP, LT) for a
set of paths, author and time, using only commits already observed. Mining, batch scoring and
single-change scoring all replay the same stream and ask the same questions at the change's parent,
which is what keeps training and scoring free of time travel.

It also keeps the co-change transactions that logical coupling is computed from (ROSE, TARMAQ,
code-maat): for every observed commit of at most ``max_changeset_size`` files (30, code-maat's
default: huge commits are reformatting, vendoring or merges of unrelated work, not coupling) the set
of files it touched, as ids that follow renames. Counting is left to query time
(``features.partners``): a query reads only the transactions of the files it asks about, which is
milliseconds, and keeping sets instead of pair counts makes multi-file rules (A and B, then C)
possible at all, at a replay cost linear in the files per commit instead of quadratic.
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

    MAX_CHANGESET_SIZE = 30  # code-maat's default max-changeset-size

    def __init__(self, max_changeset_size: int = MAX_CHANGESET_SIZE) -> None:
        self.max_changeset_size = max_changeset_size
        # co-change transactions: file ids follow renames; a deleted file's id is retired
        self.file_ids: dict[str, int] = {}  # live path -> id
        self.id_paths: list[str | None] = []  # id -> live path (None once deleted)
        self.id_transactions: list[list[int]] = []  # id -> indices into transactions, oldest first
        self.transactions: list[tuple[int, ...]] = []  # commits of 1..max_changeset_size files
        self.files: dict[str, FileState] = {}
        self.authors: dict[str, AuthorState] = defaultdict(AuthorState)
        self.sizes: list[int] = []  # sorted LA+LD of observed commits, for percentiles
        self.distributions: dict[str, list[int]] = {"la": [], "ld": [], "nf": []}
        self.commits = 0
        self.newest_time = 0
        self._paths: tuple[str, ...] | None = None

    def approx_bytes(self) -> int:
        """The index's memory, estimated from what it holds (cheap enough to ask after every score).

        Coefficients fitted to tracemalloc's count of indexes built from 4 real histories
        (go-retryablehttp, cobra, alembic, requests: 0.1 to 1.9 MB) and checked on 2 held out
        (urllib3 -6%, okhttp +11%): per commit, per file entry of a co-change transaction, per path
        known, per author.
        """
        entries = sum(len(t) for t in self.transactions)
        return 30 * self.commits + 110 * entries + 290 * (len(self.files) + len(self.id_paths)) + 960 * len(self.authors)

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
                self._rename_id(f.old_path, f.path)
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
        if len(rec.files) <= self.max_changeset_size:
            self._add_transaction(rec)
        for f in rec.files:
            if f.status == "deleted":
                self._retire_id(f.path)
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

    def _id(self, path: str) -> int:
        fid = self.file_ids.get(path)
        if fid is None:
            fid = self.file_ids[path] = len(self.id_paths)
            self.id_paths.append(path)
            self.id_transactions.append([])
        return fid

    def _add_transaction(self, rec: CommitRecord) -> None:
        tid = len(self.transactions)
        ids = tuple(sorted({self._id(f.path) for f in rec.files}))
        self.transactions.append(ids)
        for fid in ids:
            self.id_transactions[fid].append(tid)

    def _rename_id(self, old: str, new: str) -> None:
        fid = self.file_ids.pop(old, None)
        if fid is None:
            return
        self._retire_id(new)  # a renamed-over file's own history ends with it
        self.file_ids[new] = fid
        self.id_paths[fid] = new

    def _retire_id(self, path: str) -> None:
        fid = self.file_ids.pop(path, None)
        if fid is not None:
            self.id_paths[fid] = None

    # -- queries --------------------------------------------------------------------------------

    def revisions(self, path: str) -> int:
        """Commits that touched ``path`` (following renames), as code-maat's ``revisions`` counts them."""
        st = self.files.get(path)
        return len(st.commits) if st is not None else 0

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
