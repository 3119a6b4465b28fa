"""The Change: the one currency every face of mergeguard builds and every feature reads.

A Change is the unified diff (parsed with ``unidiff``) plus what surrounds it: commit metadata
(authors, messages, trailers, branch), where it came from, and which caps were applied. Text of the
pre- and post-image of a file is fetched lazily through the change's ``images`` (an :class:`Images`:
blobs read through the git interface, or the images of a bare diff) so that a diff read from stdin
and a commit in a bare mirror look the same to the feature extractors.

Bad input never crashes and never disappears silently: binary files, non-UTF-8 text, huge files and
huge diffs are kept as far as the caps allow and every cap that bit is recorded in ``truncated``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from unidiff.patch import PatchedFile, PatchSet
from unidiff.errors import UnidiffParseError

from . import diffscan
from .errors import DiffError
from .git import CommitRecord, FileStat, unquote_path
from .paths import language

class Images(Protocol):
    """Where a change's file texts come from: ``text(path, "pre" | "post")`` is the file before or
    after the change, None when it cannot be had (absent, binary, unreadable).

    Implementations: :class:`mergeguard.sources.BlobImages` (blobs at the base and head, read
    through the git interface), :class:`mergeguard.postimage.DiffImages` (a bare diff: work tree or
    base blob, hunks applied) and :class:`StaticImages` (texts already in hand).
    """

    def text(self, path: str, side: str) -> str | None: ...


@dataclass(frozen=True)
class StaticImages:
    """Images that are plain data: ``{(path, side): text}``; what is not there is None."""

    texts: Mapping[tuple[str, str], str | None]

    def text(self, path: str, side: str) -> str | None:
        return self.texts.get((path, side))


@dataclass(frozen=True)
class Limits:
    """Caps that keep one pathological change from exhausting memory or time."""

    max_diff_bytes: int = 20_000_000
    max_files: int = 3_000
    max_file_lines: int = 20_000  # changed lines kept per file; counts stay exact
    max_lines: int = 100_000  # changed lines kept in all files together; counts stay exact


@dataclass
class Hunk:
    source_start: int
    source_length: int
    target_start: int
    target_length: int
    section: str = ""
    added: list[tuple[int, str]] = field(default_factory=list)  # (post-image line, text)
    removed: list[tuple[int, str]] = field(default_factory=list)  # (pre-image line, text)


@dataclass
class FileChange:
    """One touched file. ``added``/``deleted`` are exact even when hunks were truncated."""

    path: str
    old_path: str | None = None
    status: str = "modified"  # added | deleted | modified | renamed
    added: int = 0
    deleted: int = 0
    binary: bool = False
    old_mode: str | None = None
    new_mode: str | None = None
    mode_changed: bool = False
    hunks: list[Hunk] = field(default_factory=list)
    truncated: bool = False


@dataclass
class CommitMeta:
    sha: str
    author_name: str = ""
    author_email: str = ""
    author_time: int = 0
    message: str = ""

    @classmethod
    def from_record(cls, rec: CommitRecord) -> CommitMeta:
        return cls(rec.sha, rec.author_name, rec.author_email, rec.author_time, rec.message)


@dataclass
class Change:
    """A change to be scored: files, commits, provenance, and the caps that were applied."""

    id: str
    files: list[FileChange]
    base: str | None = None
    head: str | None = None
    commits: list[CommitMeta] = field(default_factory=list)
    branch: str | None = None
    description: str = ""
    #: bot accounts GitHub names behind the change, by role ("pull request", "author of <sha>")
    accounts: dict[str, str] = field(default_factory=dict)
    source: str = "diff"  # diff | range | commit
    truncated: list[str] = field(default_factory=list)
    #: every path the change touches as git lists them, whatever the caps kept of the diff (set when a
    #: cap bit and the repository is at hand); None when ``files`` are all there is to know. The gate
    #: reads it: a file the caps left unanalysed is still a file its code owners must see.
    all_paths: list[str] | None = None
    warnings: list[str] = field(default_factory=list)
    images: Images | None = field(default=None, repr=False)
    #: what detectors derive from the change and share (e.g. the parsed syntax trees), per change
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def deleted(self) -> int:
        return sum(f.deleted for f in self.files)

    @property
    def author_email(self) -> str:
        return self.commits[-1].author_email if self.commits else ""

    @property
    def author_time(self) -> int:
        return self.commits[-1].author_time if self.commits else 0

    @property
    def message(self) -> str:
        return "\n\n".join(c.message for c in self.commits)

    def image(self, path: str, side: str) -> str | None:
        """Text of a file before (``pre``) or after (``post``) the change, if it can be had."""
        return self.images.text(path, side) if self.images is not None else None


#: how the notes of the two caps that leave whole files out of a diff begin (:func:`files_left_out`)
BYTES_CAP_NOTE = "diff is"
FILES_CAP_NOTE = "diff touches"


def files_left_out(notes: list[str] | tuple[str, ...]) -> bool:
    """Whether ``parse_diff``'s notes say a cap left whole files out (past ``max_files``, or after the
    cut at ``max_diff_bytes``): what a bare diff can say of them, having no other list of its files."""
    return any(n.startswith((f"{BYTES_CAP_NOTE} ", f"{FILES_CAP_NOTE} ")) and " only the first " in n for n in notes)


def decode(data: bytes) -> tuple[str, bool]:
    """Text of possibly non-UTF-8 bytes; the flag says whether anything had to be replaced."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace"), True


def parse_diff(data: bytes | str, limits: Limits = Limits()) -> tuple[list[FileChange], list[str]]:
    """Parse a unified diff into FileChanges; returns them with notes on every cap applied.

    An empty diff is a valid, empty change. Text that is not a diff at all raises DiffError.
    """
    notes: list[str] = []
    cut = False
    if isinstance(data, bytes):
        if len(data) > limits.max_diff_bytes:
            cut = True
            size = getattr(data, "size", len(data))  # sources.DiffInput: read only as far as the cap, sized whole
            notes.append(f"{BYTES_CAP_NOTE} {size:,} bytes; only the first {limits.max_diff_bytes:,} were read")
            data = _cut_at_file_boundary(data, limits.max_diff_bytes)
        text, replaced = decode(data)
        if replaced:
            notes.append("diff is not valid UTF-8; undecodable bytes were replaced")
    else:
        text = data
    if not text.strip():
        return [], notes
    text = _lf_endings(text)
    if limits.max_file_lines < 0 or limits.max_lines < 0 or limits.max_files < 0:
        raise DiffError("diff caps must not be negative")
    scanned = diffscan.scan(text, max_files=limits.max_files, max_file_lines=limits.max_file_lines,
                            max_lines=limits.max_lines, cut=cut)
    if not scanned.total_files:
        if "@@" in text or "diff --git" in text or "+++ " in text:
            raise DiffError("malformed diff: no file headers could be read")
        raise DiffError("input is not a unified diff (no 'diff --git' or '---/+++' headers)")
    files: list[FileChange] = []
    for sf in scanned.files[: scanned.kept_files]:
        try:
            patch = PatchSet(sf.text)
        except UnidiffParseError as exc:
            raise DiffError(f"malformed diff: {str(exc)[:200]}") from None
        if len(patch) != 1:
            raise DiffError("malformed diff: a file header could not be read")
        files.append(_file_change(patch[0], sf, limits, notes))
    if scanned.total_files > scanned.kept_files:
        notes.append(f"{FILES_CAP_NOTE} {scanned.total_files:,} files; only the first {limits.max_files:,} were analysed")
    if sum(sf.kept for sf in scanned.files) >= limits.max_lines and any(sf.truncated for sf in scanned.files):
        notes.append(f"diff changes {sum(sf.added + sf.deleted for sf in scanned.files):,} lines; "
                     f"only the first {limits.max_lines:,} were analysed")
    notes.extend(_truncation_notes(files, scanned, limits))
    notes.extend(lfs_notes(files))
    return files, notes


#: the first line of a Git LFS pointer file (git-lfs's spec, v1)
LFS_POINTER = "version https://git-lfs.github.com/spec/v1"


def lfs_notes(files: list[FileChange]) -> list[str]:
    """One note naming the code files the diff turns into (or adds as) Git LFS pointers.

    Why: such a file's code lives on an LFS server, outside git; checked out with git-lfs it is the
    code that runs, but every detector reads the three-line pointer. A pull request could so carry
    any code past them; mergeguard fetches nothing from outside the repository, so it says what it
    could not read instead of scoring the pointer as if it were the change.
    """
    found = [f.path for f in files if f.status != "deleted" and language(f.path) is not None
             and any((1, LFS_POINTER) in h.added for h in f.hunks)]
    if not found:
        return []
    shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
    return [f"{len(found)} code file{'s are' if len(found) != 1 else ' is'} now a Git LFS pointer ({shown}): "
            "the code stored outside git was not read"]


_FIRST_HEADER = re.compile(r"^(?:diff --git |--- )[^\n]*", re.M)


def _lf_endings(text: str) -> str:
    """The diff with git's own line ends when a tool rewrote every one as CRLF (a diff saved on Windows).

    git never ends a header line with CR; when the first one does, every line got one, and read as it
    was, each file's name carried the CR (``a.py`` became a rename to ``a.py\r``). A CR that belongs to
    the file's text (a CRLF file, as in ``+x = 1\r\r\n``) is kept.
    """
    first = _FIRST_HEADER.search(text, 0, 1 << 20)
    return text.replace("\r\n", "\n") if first and first.group().endswith("\r") else text


def _cut_at_file_boundary(data: bytes, limit: int) -> bytes:
    """The first ``limit`` bytes, ended at the last file boundary in them (else the last line end)."""
    cut = data.rfind(b"\ndiff --git ", 0, limit)
    if cut <= 0:
        cut = data.rfind(b"\n", 0, limit)
    return data[: cut + 1] if cut > 0 else data[:limit]


def _strip_prefix(name: str | None) -> str | None:
    if not name or name == "/dev/null":
        return None
    name = unquote_path(name)
    return name[2:] if name[:2] in ("a/", "b/") else name


def _file_change(pf: PatchedFile, scanned: diffscan.ScannedFile, limits: Limits, notes: list[str]) -> FileChange:
    """A FileChange from unidiff's reading of the file's kept text and the scan's exact counts."""
    src, dst = _strip_prefix(pf.source_file), _strip_prefix(pf.target_file)
    if pf.is_added_file:
        status = "added"
    elif pf.is_removed_file:
        status = "deleted"
    elif pf.is_rename or (src and dst and src != dst):
        status = "renamed"
    else:
        status = "modified"
    path = dst or src or pf.path
    fc = FileChange(
        path=path,
        old_path=src if status == "renamed" else None,
        status=status,
        added=scanned.added,
        deleted=scanned.deleted,
        binary=bool(pf.is_binary_file),
        old_mode=getattr(pf, "source_mode", None),
        new_mode=getattr(pf, "target_mode", None),
    )
    fc.mode_changed = bool(fc.old_mode and fc.new_mode and fc.old_mode != fc.new_mode)
    for h in pf:
        hunk = Hunk(h.source_start, h.source_length, h.target_start, h.target_length, h.section_header or "")
        for line in h:  # unidiff numbers every added line in the target and every removed one in the source
            if line.line_type == "+" and line.target_line_no is not None:
                hunk.added.append((line.target_line_no, line.value.rstrip("\n")))
            elif line.line_type == "-" and line.source_line_no is not None:
                hunk.removed.append((line.source_line_no, line.value.rstrip("\n")))
        fc.hunks.append(hunk)
    fc.truncated = scanned.truncated
    return fc


def _truncation_notes(files: list[FileChange], scanned: diffscan.Scan, limits: Limits) -> list[str]:
    """One note per file its own cap cut; files the diff-wide cap emptied share one note."""
    notes, emptied = [], 0
    for fc, sf in zip(files, scanned.files, strict=False):  # files: the kept prefix of scanned.files
        if not fc.truncated:
            continue
        if sf.kept == 0 and sum(s.kept for s in scanned.files) >= limits.max_lines:
            emptied += 1
        else:
            notes.append(f"{fc.path}: {fc.added + fc.deleted:,} changed lines; hunks after {sf.kept:,} lines were not analysed")
    if emptied:
        notes.append(f"{emptied:,} files were not analysed line by line (the diff-wide cap of {limits.max_lines:,} lines)")
    return notes


def files_from_stats(stats: tuple[FileStat, ...] | list[FileStat]) -> list[FileChange]:
    """FileChanges from ``git log --numstat --summary``, for mining where no hunks are needed.

    Counts, status and mode changes agree with what ``parse_diff`` reads from the same commit's
    unified diff, so a mined change and a scored change give the same diff features.
    """
    return [
        FileChange(
            path=s.path,
            old_path=s.old_path,
            status=s.status,
            added=s.added,
            deleted=s.deleted,
            binary=s.binary,
            mode_changed=s.mode_changed,
        )
        for s in stats
    ]
