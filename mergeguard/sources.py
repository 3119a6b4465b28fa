"""Build Changes from the places they come from: a diff file, a local range, historical commits.

Also the replay that pairs each historical change with the history known at its parent: one
``git log`` stream over every ancestor, features computed for a target commit just before the index
observes it. Mining, batch scoring and single-commit scoring all go through ``replay``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from .change import Change, CommitMeta, Limits, decode, files_from_stats, parse_diff
from .errors import DiffError, RepositoryError
from .git import EMPTY_TREE, CommitRecord, Git, GitRepo
from .history import HistoryIndex
from .paths import language
from .postimage import DiffImages

T = TypeVar("T")
#: file texts a change keeps read (pre and post of 256 files); past it the oldest is read again if asked
IMAGE_CACHE = 512


class DiffInput(bytes):
    """A diff's first bytes, as far as the caps will read them, and ``size``: how long it really is."""

    size: int

    def __new__(cls, data: bytes, size: int) -> DiffInput:
        self = super().__new__(cls, data)
        self.size = size
        return self


def read_diff_input(spec: str, limit: int | None = None) -> bytes:
    """Bytes of a diff named on the command line: a path, or '-' for standard input.

    With ``limit`` (``--max-diff-bytes``) at most ``limit + 1`` bytes are kept, whatever the input's
    size: the rest is read and counted, never held (a 5 GB diff on a pipe needed 5 GB before the cap
    cut it), so the note on the cut still gives the exact size.
    """
    try:
        fh = sys.stdin.buffer if spec == "-" else open(spec, "rb")  # closed below
    except OSError as exc:
        raise DiffError(f"cannot read diff {spec}: {exc.strerror}") from None
    try:
        if limit is None:
            return fh.read()
        data = fh.read(limit + 1)
        size = len(data)
        while chunk := fh.read(1 << 20):
            size += len(chunk)
        return DiffInput(data, size)
    except OSError as exc:
        raise DiffError(f"cannot read diff {spec}: {exc.strerror}") from None
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()


class BlobImages:
    """A change's file texts read lazily through the git interface (``cat-file``: works on bare
    repositories): the pre-image at ``base`` (under the file's old name when renamed), the
    post-image at ``head``; binary blobs (a NUL byte; not in a code file) are None. Cached: the detectors share one read per file."""

    def __init__(self, repo: Git, base: str | None, head: str | None, old_paths: dict[str, str]) -> None:
        self.repo = repo
        self.base = base
        self.head = head
        self.old_paths = old_paths
        self._cache: dict[tuple[str, str], str | None] = {}

    def text(self, path: str, side: str) -> str | None:
        key = (path, side)
        if key not in self._cache:
            if len(self._cache) >= IMAGE_CACHE:
                del self._cache[next(iter(self._cache))]  # the oldest: a change reads each file's images together
            self._cache[key] = self._read(path, side)
        return self._cache[key]

    def _read(self, path: str, side: str) -> str | None:
        rev = self.base if side == "pre" else self.head
        if rev is None:
            return None
        name = self.old_paths.get(path, path) if side == "pre" else path
        blob = self.repo.read_blobs([f"{rev}:{name}"]).get(f"{rev}:{name}")
        if blob is None or (b"\0" in blob[:8000] and language(path) is None):
            return None  # binary, unless it is code: git diffs code as text whatever its bytes (git.py)
        return decode(blob)[0]


def change_from_diff(data: bytes, limits: Limits, *, repo: GitRepo | None = None, base: str | None = None,
                     label: str = "diff", worktree: Path | None = None) -> Change:
    """A bare diff; its images come from the work tree it applies to or from the base blobs with the
    hunks applied (``postimage``), so the detectors that read code see it as they see a commit."""
    files, notes = parse_diff(data, limits)
    change = Change(id=label, files=files, base=base, source="diff", truncated=notes)
    blobs = None
    if repo is not None and base is not None:
        blobs = BlobImages(repo, base, None, {f.path: f.old_path for f in files if f.old_path})
    change.images = DiffImages(files, worktree=worktree, base=blobs)
    return change


def worktree_of(repo: GitRepo | None) -> Path | None:
    """The checkout a ``--diff`` may have been made from: the repository's work tree, or the current
    directory when no repository was named; None for a bare repository."""
    if repo is None:
        return Path.cwd()
    try:
        if repo.is_bare:
            return None
        return Path(repo.run("rev-parse", "--show-toplevel").decode().strip())
    except (RepositoryError, OSError, UnicodeDecodeError):
        return None


def change_from_range(repo: GitRepo, base_ref: str, head_ref: str, limits: Limits) -> Change:
    """The pull-request view: head against its merge base with base, with every commit's metadata."""
    base_sha, head_sha = repo.resolve(base_ref), repo.resolve(head_ref)
    merge_base = repo.merge_base(base_sha, head_sha)
    # a partial clone may lack some blobs (the App's mirror leaves those over 1 MB on the server and
    # fetches the ones a pull request needs): what is still missing is left out, and said so
    missing = repo.missing_blobs(merge_base, head_sha)
    files, notes = parse_diff(repo.diff(merge_base, head_sha, exclude=missing), limits)
    if missing:
        shown = ", ".join(list(missing)[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        notes.append(f"{len(missing)} file{'s' if len(missing) != 1 else ''} left out: not in this partial "
                     f"clone ({shown})")
    commits = [CommitMeta.from_record(r) for r in repo.log([f"{merge_base}..{head_sha}"], no_merges=False)]
    change = Change(
        id=f"{merge_base[:12]}..{head_sha[:12]}", files=files, base=merge_base, head=head_sha,
        commits=commits, source="range", truncated=notes,
        all_paths=changed_paths(repo, merge_base, head_sha) if notes else None,
    )
    change.images = BlobImages(repo, merge_base, head_sha, {f.path: f.old_path for f in files if f.old_path})
    return change


def changed_paths(repo: GitRepo, base: str | None, head: str) -> list[str]:
    """Every path ``head`` changes against ``base`` (both names of a rename), from the trees alone: no
    blob is read, so a partial clone's missing content and the diff caps leave nothing out."""
    out = repo.run("diff", "--name-only", "-z", "--no-renames", base or EMPTY_TREE, head)
    return [p.decode("utf-8", "replace") for p in out.split(b"\0") if p]


def change_from_commit(repo: GitRepo, rec: CommitRecord, limits: Limits, *, with_diff: bool = True) -> Change:
    """A historical commit against its first parent.

    ``with_diff=False`` builds the files from the log's numstat (no subprocess): the cheap path used
    by mining, giving the same counts, statuses and features as the diff.
    """
    parent = rec.parents[0] if rec.parents else None
    notes: list[str] = []
    if not with_diff:
        files = files_from_stats(rec.files)
    else:
        try:
            files, notes = parse_diff(repo.diff_commit(parent, rec.sha), limits)
        except RepositoryError as exc:
            # an incomplete mirror lacks some blobs: keep the log's exact counts, lose only the hunks
            files = files_from_stats(rec.files)
            notes = [f"diff unavailable ({exc}); counts come from the log, hunks were not analysed"]
    change = Change(
        id=rec.sha, files=files, base=parent, head=rec.sha, commits=[CommitMeta.from_record(rec)],
        source="commit", truncated=notes, all_paths=changed_paths(repo, parent, rec.sha) if notes else None,
    )
    change.images = BlobImages(repo, parent, rec.sha, {f.path: f.old_path for f in files if f.old_path})
    return change


def replay(
    repo: GitRepo,
    revs: list[str],
    visit: Callable[[CommitRecord, HistoryIndex], T | None],
    *,
    targets: set[str] | None = None,
    index: HistoryIndex | None = None,
    memo: LogMemo | None = None,
    order: list[str] | None = None,
) -> Iterator[T]:
    """Stream history reachable from ``revs``; call ``visit`` on each target before observing it.

    ``targets=None`` visits every non-merge commit (mining). The index passed to ``visit`` holds
    exactly the commits streamed before this one: its parents and everything older. ``memo`` (of the
    same repository) serves a replay of history it has already streamed without a new ``git log``.
    ``order``, when given, collects the sha of every non-merge record streamed, in order: what the
    index at each commit rests on (merges are streamed but never observed).
    """
    index = index if index is not None else HistoryIndex()
    records: Iterable[CommitRecord] = memo.log(revs) if memo is not None else repo.log(revs, no_merges=False)
    for rec in records:
        if order is not None and not rec.is_merge:
            order.append(rec.sha)
        if targets is None:
            if not rec.is_merge:
                result = visit(rec, index)
                if result is not None:
                    yield result
        elif rec.sha in targets:
            result = visit(rec, index)
            if result is not None:
                yield result
        if not rec.is_merge:
            index.observe(rec)


class LogMemo:
    """The records of the ``git log`` replays of one repository, kept by sha for the next replay.

    Why: the gate's percentile windows replay the whole history again for every few dozen older
    commits it scores (``score --commits`` of 300 commits made about ten such replays). A commit's
    record (metadata, numstat, renames) depends on that commit alone, so a replay whose commits are
    all here needs only the *order* ``git log`` would stream them in, and ``git rev-list`` with the
    log's own walk (``--reverse --date-order``, no diffs read) gives exactly that order. The index
    built at each commit rests on that order, so the replay is the one a fresh ``git log`` gives.

    Off for good once a log had to leave an incomplete mirror's missing paths out (its records
    then depend on the revisions asked for), and once it holds :data:`LOG_MEMO_RECORDS` records
    (memory): those replays stream ``git log`` as before.
    """

    def __init__(self, repo: GitRepo, limit: int | None = None):
        self.repo = repo
        self.limit = LOG_MEMO_RECORDS if limit is None else limit
        self.records: dict[str, CommitRecord] = {}
        self.enabled = True
        #: replays served from the memo (without ``git log``), for tests and benchmarks
        self.served = 0
        self._order: tuple[tuple[str, ...], list[str]] | None = None
        #: orders being listed ahead of their replays (:meth:`prefetch`), by revisions
        self._ahead: dict[tuple[str, ...], Future[list[str]]] = {}
        self._lister: ThreadPoolExecutor | None = None

    def log(self, revs: list[str]) -> Iterator[CommitRecord]:
        """What ``repo.log(revs, no_merges=False)`` streams, from the memo when it holds every commit."""
        if self.enabled and self.records and not self.repo.missing_paths:
            try:
                order = self.order(revs)
            except RepositoryError:  # git log meets the same trouble and says so in its own words
                order = []
            if order and all(sha in self.records for sha in order):
                self.served += 1
                yield from (self.records[sha] for sha in order)
                return
        for rec in self.repo.log(revs, no_merges=False):
            if self.enabled:
                self.records[rec.sha] = rec
            yield rec
        if self.repo.missing_paths or len(self.records) > self.limit:
            self.enabled = False
            self.records.clear()


    def order(self, revs: list[str]) -> list[str]:
        """``git rev-list --reverse --date-order revs``: the order a log of ``revs`` streams, merges
        included. The last answer is kept: the gate's scorer asks for the same revisions' order just
        before it replays them (:meth:`~mergeguard.review.WindowScorer.non_merge_order`)."""
        key = tuple(revs)
        if self._order is None or self._order[0] != key:
            ahead = self._ahead.pop(key, None)
            self._order = (key, ahead.result() if ahead is not None else self._rev_list(key))
        return self._order[1]

    def _rev_list(self, revs: tuple[str, ...]) -> list[str]:
        return self.repo.run("rev-list", "--reverse", "--date-order", *revs, "--").decode().split()

    def prefetch(self, revs_lists: Sequence[Sequence[str]]) -> None:
        """List the orders of these revisions ahead, one ``rev-list`` at a time on a background thread,
        for replays expected next (in that order); :meth:`order` takes such an answer when asked for
        exactly those revisions (a failure is raised there, as its own ``rev-list`` would), and lists
        the order itself otherwise. Call :meth:`stop_prefetch` when done.

        Why: after ``score --commits``'s pool, the gate's window scorer asks for about one full-history
        ``rev-list`` per window (a tenth of a second each on requests), serially, while the other core is
        idle; listed ahead, its answers are ready when asked. Only the time changes: the same command
        gives the same answer, and a wrong guess costs a ``rev-list`` nobody reads.
        """
        if not (self.enabled and self.records) or self.repo.missing_paths:
            return
        if self._lister is None:
            self._lister = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rev-list")
        for revs in revs_lists:
            key = tuple(revs)
            if key and key not in self._ahead:
                self._ahead[key] = self._lister.submit(self._rev_list, key)

    def stop_prefetch(self) -> None:
        """Drop the orders not asked for and cancel those not started (a running one finishes)."""
        if self._lister is not None:
            self._lister.shutdown(wait=False, cancel_futures=True)
            self._lister = None
        self._ahead.clear()

    def adopt(self, other: LogMemo) -> None:
        """Keep the records ``other`` (of the same repository) kept from its own replay, when it
        streamed its log whole (no incomplete mirror's paths left out, within its bound).

        Why: ``score --commits`` in one process streams the whole history for the batch, and the
        gate's scorer then streamed it again with a ``git log`` of its own (some 0.6 s of git's CPU
        and the parse for requests' 6,000 commits, issue 16): a record depends on its commit alone.
        """
        if other.enabled and not other.repo.missing_paths:
            self.take(other.records)

    def take(self, records: dict[str, CommitRecord]) -> None:
        """Keep ``records`` of a replay of the same repository that streamed its log whole (a
        ``score --commits`` worker's, handed back: :attr:`~mergeguard.pipeline.CommitSlice.hand_log`),
        within this memo's bound."""
        if self.enabled and records and len(self.records) + len(records) <= self.limit:
            self.records.update(records)


#: records a :class:`LogMemo` keeps at most (about a few hundred MB for the largest histories)
LOG_MEMO_RECORDS = 300_000


def history_at(repo: GitRepo, rev: str) -> HistoryIndex:
    """The index after every commit reachable from ``rev`` (for a range or a diff based on ``rev``)."""
    index = HistoryIndex()
    for _ in replay(repo, [rev], lambda r, i: None, targets=set(), index=index):
        pass
    return index
