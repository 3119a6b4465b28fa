"""The two images of a file a bare diff touches, when there is no head commit to read them from.

``score --diff`` gets hunks, not files. The detectors that read code (retry/timeout, API surface)
need the file before and after the change. They are had, in this order:

- from the work tree, when the diff applies to it: its file is the post-image when every added line
  sits at its new-side line number (the diff was made from this work tree), or the pre-image when
  every removed line sits at its old-side line number (a patch not applied yet);
- otherwise from the base blob (``git cat-file``), with the hunks applied to it;
- the other image by applying the hunks forwards or backwards (a pure function: no ``git apply``,
  no temporary files, no process).

When neither image can be had (no repository, no matching work tree) the reader says None and the
detectors report their signals as unknown, never as "nothing changed".
"""

from __future__ import annotations

from pathlib import Path

from .change import FileChange, Images, decode

#: a work-tree file larger than this is not read (the syntax layer would not parse it anyway)
MAX_FILE_BYTES = 2_000_000


def apply_hunks(text: str, f: FileChange, *, reverse: bool = False) -> str | None:
    """The post-image from the pre-image (or, ``reverse``, the pre-image from the post-image), by the
    hunks' line numbers; None when the hunks do not fit the text (another base, a truncated diff)."""
    if f.truncated or f.binary:
        return None
    lines = text.splitlines()
    out: list[str] = []
    pos = 0  # lines of ``lines`` consumed (0-based)
    for h in f.hunks:
        src_start, src_len = (h.target_start, h.target_length) if reverse else (h.source_start, h.source_length)
        dst_start, dst_len = (h.source_start, h.source_length) if reverse else (h.target_start, h.target_length)
        drop = dict(h.added if reverse else h.removed)  # line in the given image -> its text
        put = dict(h.removed if reverse else h.added)  # line in the image built -> its text
        first = src_start if src_len else src_start + 1  # a zero-length range starts after its line number
        if first - 1 < pos or first - 1 + src_len > len(lines):
            return None
        out.extend(lines[pos:first - 1])
        region = lines[first - 1:first - 1 + src_len]
        for n, t in drop.items():
            if not first <= n < first + src_len or region[n - first] != t:
                return None
        kept = [ln for i, ln in enumerate(region) if first + i not in drop]
        if len(kept) + len(put) != dst_len:
            return None
        dst_first = dst_start if dst_len else dst_start + 1
        built: list[str] = []
        for n in range(dst_first, dst_first + dst_len):
            built.append(put[n] if n in put else kept.pop(0))
        out.extend(built)
        pos = first - 1 + src_len
    out.extend(lines[pos:])
    return "\n".join(out) + ("\n" if out else "")


def holds(text: str, f: FileChange, side: str) -> bool:
    """Whether ``text`` is the file's ``side`` image as far as the diff can tell: every added (post)
    or removed (pre) line at its line number, and the hunks fit. Vacuous (False) when the diff has no
    such lines."""
    lines = text.splitlines()
    marks = [ln for h in f.hunks for ln in (h.added if side == "post" else h.removed)]
    if not marks or f.truncated:
        return False
    return all(0 < n <= len(lines) and lines[n - 1] == t for n, t in marks) and apply_hunks(
        text, f, reverse=side == "post") is not None


def worktree_file(root: Path, path: str) -> str | None:
    """Text of ``path`` under the work tree ``root``; None for anything outside it, missing, huge or
    binary (paths come from a diff anybody can write: ``../`` and absolute paths never leave the tree)."""
    if not path or path.startswith("/") or "\\" in path or any(p in ("..", "") for p in path.split("/")):
        return None
    try:
        base = root.resolve()
        target = (base / path).resolve()
        if not target.is_relative_to(base) or not target.is_file() or target.stat().st_size > MAX_FILE_BYTES:
            return None
        data = target.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8000]:
        return None
    return decode(data)[0]


class DiffImages:
    """Pre- and post-image of each file of a bare diff (an :class:`~mergeguard.change.Images`).
    ``base`` reads the base revision (None without a repository); ``worktree`` is the checkout the
    diff may come from."""

    def __init__(self, files: list[FileChange], *, worktree: Path | None, base: Images | None) -> None:
        self.by_path = {f.path: f for f in files}
        self.worktree = worktree
        self.base = base
        self._cache: dict[str, tuple[str | None, str | None]] = {}

    def text(self, path: str, side: str) -> str | None:
        if path not in self._cache:
            if len(self._cache) >= 512:
                del self._cache[next(iter(self._cache))]
            self._cache[path] = self._both(path)
        pre, post = self._cache[path]
        return pre if side == "pre" else post

    def _both(self, path: str) -> tuple[str | None, str | None]:
        f = self.by_path.get(path)
        if f is None:
            return None, None
        worktree = self.worktree
        base = self.base.text(path, "pre") if self.base is not None and f.status != "added" else None
        if f.status == "added":
            base = ""
        here = worktree_file(worktree, path) if worktree is not None and f.status != "deleted" else None
        if here is None and worktree is not None and f.status == "deleted":
            here = worktree_file(worktree, f.old_path or path)
        pre = post = None
        if here is not None:
            is_post, is_pre = holds(here, f, "post"), holds(here, f, "pre")
            if is_post and is_pre and base is not None:
                is_post = here != base
                is_pre = not is_post
            if is_post and not is_pre:
                post = here
                pre = base if base is not None else apply_hunks(here, f, reverse=True)
            elif is_pre and not is_post:
                pre = base if base is not None else here
                post = apply_hunks(pre, f)
        if pre is None and post is None and base is not None:
            pre, post = base, apply_hunks(base, f)
        if f.status == "deleted":
            post = None
            if pre is None:
                pre = apply_hunks("", f, reverse=True)  # every line of a deleted file is in the diff
        if f.status == "added":
            pre = None
        return pre, post
