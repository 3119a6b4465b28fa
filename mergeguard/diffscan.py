"""Cut a unified diff down to the caps *before* it is parsed: time and memory linear and small.

``unidiff.PatchSet`` makes a Python object of every line of a diff; the caps in ``change.Limits``
(files analysed, changed lines kept per file) used to apply after that, so a 20 MB diff of empty
added lines -- well inside ``max_diff_bytes``, and in the App written by a pull request's author --
took minutes and gigabytes before any cap bit. This module walks the diff once by *hunks*, not by
lines: the extent and the exact counts of a hunk's body come from C-level ``str.count`` and one
regular-expression search, and only the lines the caps keep are handed on to ``unidiff`` (one file
at a time). Counts stay exact for every file, kept or not.

The walk follows unidiff's grammar where it matters: a hunk ends when the lengths in its header
are used up (so a plain ``diff -u``'s next ``--- `` header, or ``git format-patch``'s ``-- ``
signature, is not mistaken for a removed line), ``\\ No newline`` markers belong to their hunk, an
empty line in a hunk is context, and a hunk shorter or longer than its header says is malformed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import DiffError

#: lines between hunks that unidiff reads (everything else there is ignored, as unidiff ignores it)
_HEADER_LINE = re.compile(
    r"^(?:diff --git |index |old mode |new mode |deleted file mode |new file mode |similarity index |"
    r"dissimilarity index |rename from |rename to |copy from |copy to |Binary files |GIT binary patch|"
    r"--- |\+\+\+ )[^\n]*\n", re.M)
_STRUCTURE = re.compile(r"\n(?:diff --git |--- |@@ )")  # "\n" first, not "^" with re.M: 4x faster
_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?([^\n]*)\n")
_BODY_END = re.compile(r"\n(?![-+ \\\r\n])")  # a newline that starts a line no hunk body has
_MAX_HEADER_LINES = 64  # per file: a real git header has at most 8
MAX_STRAY_LINES = 10_000  # "--- " or "@@" lines that start nothing: a real diff has none
_BLOCK = 1 << 16


@dataclass(frozen=True)
class Tally:
    """Line counts of a stretch of hunk body."""

    added: int = 0
    removed: int = 0
    context: int = 0
    markers: int = 0  # "\ No newline at end of file"

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.added + other.added, self.removed + other.removed, self.context + other.context,
                     self.markers + other.markers)

    @property
    def source(self) -> int:
        return self.removed + self.context

    @property
    def target(self) -> int:
        return self.added + self.context

    @property
    def changed(self) -> int:
        return self.added + self.removed


@dataclass
class ScannedFile:
    """One file of the diff: its exact counts, and the text (headers and kept hunks) to parse."""

    parts: list[str] = field(default_factory=list)
    added: int = 0
    deleted: int = 0
    kept: int = 0  # changed lines kept
    truncated: bool = False  # some changed lines were not kept
    git: bool = False
    keep: bool = True  # False past ``max_files``: counted, not kept
    walk: bool = False  # past its cap, this file's rest must be walked hunk by hunk (see _skip_rest_of_file)
    header_lines: int = 0
    hunks: int = 0
    seen_source_header: bool = False

    @property
    def text(self) -> str:
        return "".join(self.parts)


@dataclass(frozen=True)
class Scan:
    files: list[ScannedFile]  # the first ``max_files`` files of the diff
    total_files: int  # all of them (past ``max_files`` counted by their headers, not walked)

    @property
    def kept_files(self) -> int:
        return len(self.files)


def scan(text: str, *, max_files: int, max_file_lines: int, max_lines: int, cut: bool = False) -> Scan:
    """Walk ``text`` once; keep at most ``max_file_lines`` changed lines of a file, ``max_lines`` in
    all, and the text of the first ``max_files`` files. DiffError for a malformed hunk, except that
    when the text was ``cut`` (at ``max_diff_bytes``) its last hunk may end early: it is kept as far
    as it goes and its file marked truncated."""
    if not text.endswith("\n"):
        text += "\n"
    n = len(text)
    files: list[ScannedFile] = []
    current: ScannedFile | None = None
    total_kept = 0
    stray = 0
    pos = 0
    while pos < n:
        stop = _next_structure(text, pos)
        if current is not None and pos < stop:
            _header_lines(current, text, pos, stop)
        if stop >= n:
            break
        start = stop
        eol = _line_end(text, start)
        starts_file = text.startswith("diff --git ", start) or (
            text.startswith("--- ", start) and text.startswith("+++ ", eol)
            and not (current is not None and current.git and not current.hunks and not current.seen_source_header))
        if starts_file and len(files) >= max_files:
            return Scan(files=files, total_files=len(files) + _count_files(text, start))
        if text.startswith("diff --git ", start):
            current = _new_file(files, max_files, git=True)
            _keep_header(current, text[start:eol])
            pos = eol
        elif text.startswith("--- ", start):
            if current is not None and current.git and not current.hunks and not current.seen_source_header:
                current.seen_source_header = True  # a git header restating its source
                _keep_header(current, text[start:eol])
                pos = eol
            elif text.startswith("+++ ", eol):
                current = _new_file(files, max_files, git=False)
                _keep_header(current, text[start:_line_end(text, eol)])
                pos = _line_end(text, eol)
            else:
                pos = eol  # a stray "--- " line: unidiff ignores it too
                stray = _stray(stray, text, start)
        else:  # "@@ "
            header = _HUNK.match(text, start)
            if header is None:
                pos = eol  # "@@" that is no hunk header: ignored, as unidiff does
                stray = _stray(stray, text, start)
                continue
            if current is None:
                raise DiffError(f"malformed diff: a hunk before any file header (line {_line_no(text, start)})")
            room = min(max_file_lines - current.kept, max_lines - total_kept) if current.keep else 0
            if room <= 0 and not current.walk:
                skipped = _skip_rest_of_file(current, text, start, cut=cut)
                if skipped is not None:
                    pos = skipped
                    continue
                current.walk = True  # its hunks disagree with their headers somewhere: walk them
            pos, kept = _hunk(current, text, header, room, cut=cut)
            total_kept += kept
    return Scan(files=files, total_files=len(files))


def _hunk(current: ScannedFile, text: str, header: re.Match[str], room: int, *, cut: bool = False) -> tuple[int, int]:
    """Consume one hunk; keep as much of it as ``room`` allows. Returns (end, changed lines kept)."""
    start, body = header.start(), header.end()
    if any(len(g) > 18 for g in header.groups()[:4] if g):  # int() past 4,300 digits would even raise
        raise DiffError(f"malformed diff: hunk header at line {_line_no(text, start)} has numbers past 10^18")
    src_len = 1 if header.group(2) is None else int(header.group(2))
    tgt_len = 1 if header.group(4) is None else int(header.group(4))
    found = _BODY_END.search(text, body - 1)
    run_end = found.start() + 1 if found else len(text)
    whole = tally(text, body, run_end)
    complete = True
    if whole.source == src_len and whole.target == tgt_len:
        end, hunk = run_end, whole
    elif whole.source <= src_len and whole.target <= tgt_len:
        if not (cut and run_end == len(text)):
            raise DiffError(f"malformed diff: hunk at line {_line_no(text, start)} is shorter than its header says")
        end, hunk, complete = run_end, whole, False  # the cut at max_diff_bytes ran through this hunk
    else:  # the body run goes on past this hunk: find where its lengths are used up
        end, hunk = advance(text, body, run_end, lambda t: t.source >= src_len and t.target >= tgt_len)
        if hunk.source != src_len or hunk.target != tgt_len:
            raise DiffError(f"malformed diff: hunk at line {_line_no(text, start)} is longer than its header says")
        while end < run_end and text.startswith("\\", end):
            end = _line_end(text, end)
            hunk = hunk + Tally(markers=1)
    current.hunks += 1
    current.added += hunk.added
    current.deleted += hunk.removed
    cost = max(1, hunk.changed)  # a hunk with no changed line still costs one: no endless empty hunks
    if complete and cost <= room:
        current.parts.append(text[start:end])
        current.kept += hunk.changed
        return end, cost
    take = min(room, hunk.changed)
    current.truncated = current.truncated or not complete or take < hunk.changed
    if take <= 0:
        return end, 0
    stop, part = (end, hunk) if take == hunk.changed else advance(text, body, end, lambda t: t.changed >= take)
    section = header.group(5)
    current.parts.append(f"@@ -{header.group(1)},{part.source} +{header.group(3)},{part.target} @@"
                         f"{' ' + section if section else ''}\n")
    current.parts.append(text[body:stop])
    current.kept += part.changed
    return end, part.changed


def _count_files(text: str, start: int) -> int:
    """Files from ``start`` on, by their headers: ``diff --git`` lines, else ``---``/``+++`` pairs."""
    git_headers = len(re.findall(r"^diff --git ", text[start:], re.M)) if text.startswith("diff --git ", start) else 0
    return git_headers or len(re.findall(r"^--- [^\n]*\n\+\+\+ ", text[start:], re.M))


def _stray(count: int, text: str, start: int) -> int:
    """One more line that looks like structure but is none; too many is not a diff (and would cost a
    Python step each)."""
    if count >= MAX_STRAY_LINES:
        raise DiffError(f"malformed diff: more than {MAX_STRAY_LINES:,} lines that look like headers but are none "
                        f"(line {_line_no(text, start)})")
    return count + 1


_NEXT_PLAIN_FILE = re.compile(r"\n(?:diff --git |--- [^\n]*\n\+\+\+ )")


_SOURCE_LEN = re.compile(r"\n@@ -\d{1,18},(\d{1,18}) \+\d{1,18}(?:,\d{1,18})? @@")
_SOURCE_ONE = re.compile(r"\n@@ -\d{1,18} \+\d{1,18}(?:,\d{1,18})? @@")
_TARGET_LEN = re.compile(r"\n@@ -\d{1,18}(?:,\d{1,18})? \+\d{1,18},(\d{1,18}) @@")
_TARGET_ONE = re.compile(r"\n@@ -\d{1,18}(?:,\d{1,18})? \+\d{1,18} @@")


def _header_sums(text: str, a: int, b: int) -> tuple[int, int, int] | None:
    """(source lines, target lines, hunks) the hunk headers in ``text[a:b]`` announce; None if some
    ``@@`` line there is no hunk header. By 1 MB blocks, so no Python step (or object) per hunk."""
    source = target = headers = 0
    p = a
    while p < b:
        q = min(p + (1 << 20), b)
        if q < b:
            q = _line_end(text, q - 1)
        with_len = _SOURCE_LEN.findall(text, p - 1, q - 1)
        source += sum(map(int, with_len)) + len(_SOURCE_ONE.findall(text, p - 1, q - 1))
        target_len = _TARGET_LEN.findall(text, p - 1, q - 1)
        n_target_one = len(_TARGET_ONE.findall(text, p - 1, q - 1))
        target += sum(map(int, target_len)) + n_target_one
        n = len(target_len) + n_target_one
        if n != text.count("\n@@", p - 1, q - 1):
            return None
        headers += n
        p = q
    return source, target, headers


def _skip_rest_of_file(current: ScannedFile, text: str, start: int, *, cut: bool = False) -> int | None:
    """Count, without walking its hunks, the rest of a file nothing more is kept of; the end of it,
    or None when the counts could be wrong (the caller then walks the hunks).

    In git's format every file starts with ``diff --git``, a line no hunk body can hold, so the
    rest of this file ends there, and its added and removed lines are the lines starting with
    ``+`` and ``-`` (hunk headers start with ``@@``). A plain ``diff -u`` has no such line: its next
    file is taken to start at the next ``---``/``+++`` pair (which a removed line ``-- x`` followed by
    an added ``++ y`` would imitate; only counts past the cap could be off then). Hunk lengths past
    the cap are checked in sum: the lines must be exactly what the hunk headers announce, else a
    line between hunks that unidiff would ignore might be counted, and None is returned. (When the
    text was ``cut`` and this file runs to its end, its last hunk may come up short.)
    """
    if current.git:
        nxt = text.find("\ndiff --git ", start - 1)
        end = nxt + 1 if nxt >= 0 else len(text)
    else:
        found = _NEXT_PLAIN_FILE.search(text, start - 1)
        end = found.start() + 1 if found else len(text)
    sums = _header_sums(text, start, end)
    if sums is None:
        return None  # an "@@" line that is no hunk header
    source, target, headers = sums
    body = tally(text, start, end)
    context = body.context - headers  # tally took the header lines for context
    counted = (body.removed + context, body.added + context)
    if counted != (source, target) and not (cut and end == len(text) and counted[0] <= source
                                            and counted[1] <= target):
        return None
    current.added += body.added
    current.deleted += body.removed
    current.hunks += headers
    current.truncated = current.truncated or current.keep
    return end


def tally(text: str, a: int, b: int) -> Tally:
    """Counts of the hunk-body lines in ``text[a:b]``; ``a`` and ``b`` are line starts, ``a`` > 0."""
    lines = text.count("\n", a, b)
    added = text.count("\n+", a - 1, b - 1)
    removed = text.count("\n-", a - 1, b - 1)
    markers = text.count("\n\\", a - 1, b - 1)
    return Tally(added, removed, lines - added - removed - markers, markers)


def advance(text: str, a: int, b: int, enough: Callable[[Tally], bool]) -> tuple[int, Tally]:
    """The first line boundary ``e`` in ``(a, b]`` where ``enough(tally(a, e))`` (monotone) holds.

    Blocks of 64 KB are counted at C speed; only the block where ``enough`` turns true is walked line
    by line. ``(b, tally(a, b))`` when it never does.
    """
    acc = Tally()
    pos = a
    while pos < b:
        block_end = min(pos + _BLOCK, b)
        if block_end < b:
            block_end = _line_end(text, block_end - 1)
        step = tally(text, pos, block_end)
        if not enough(acc + step):
            acc, pos = acc + step, block_end
            continue
        while pos < block_end:
            nxt = _line_end(text, pos)
            kind = text[pos]
            acc = acc + (Tally(added=1) if kind == "+" else Tally(removed=1) if kind == "-"
                         else Tally(markers=1) if kind == "\\" else Tally(context=1))
            pos = nxt
            if enough(acc):
                return pos, acc
    return b, acc


def _header_lines(current: ScannedFile, text: str, a: int, b: int) -> None:
    for m in _HEADER_LINE.finditer(text, a, b):
        if current.header_lines >= _MAX_HEADER_LINES:
            return
        current.header_lines += 1
        if current.keep and not current.hunks:
            current.parts.append(m.group(0))


def _new_file(files: list[ScannedFile], max_files: int, *, git: bool) -> ScannedFile:
    current = ScannedFile(git=git, keep=len(files) < max_files, seen_source_header=not git)
    files.append(current)
    return current


def _keep_header(current: ScannedFile, line: str) -> None:
    current.header_lines += 1
    if current.keep:
        current.parts.append(line)


def _next_structure(text: str, pos: int) -> int:
    """Start of the first line at or after ``pos`` (a line start) that begins a file or a hunk; len(text) if none."""
    if text.startswith(("diff --git ", "--- ", "@@ "), pos):
        return pos
    found = _STRUCTURE.search(text, pos)
    return found.start() + 1 if found else len(text)


def _line_end(text: str, pos: int) -> int:
    """Index just past the newline ending the line at ``pos`` (the text ends with a newline)."""
    return text.index("\n", pos) + 1


def _line_no(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1
