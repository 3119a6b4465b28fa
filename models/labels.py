"""Labels from the future of each commit: SZZ bug-inducing, reverted, and label maturity.

SZZ (Śliwerski, Zimmermann, Zeller 2005) with the refinements the literature settled on (Kim et al.
2006; da Costa et al. 2017; Borg et al., "SZZ Unleashed", 2019):

- fix commits are found by message (``messages.is_bug_fix``: fix/bug/defect..., not docs/style/CI);
- only code files that existed before the fix are traced; fixes touching more than ``max_fix_files``
  code files are tangled (refactorings, mass renames) and skipped whole;
- the lines a fix deletes or modifies are read from one whitespace-insensitive diff per fix, blank
  and comment-only lines are skipped, and ``git blame -w`` at the fix's parent names the commits
  that last touched them (honouring the repository's ``.git-blame-ignore-revs``);
- blamed commits must be non-merge commits of the mined history and older than the fix.

One diff per fix and one blame per file (all line ranges in one call) keep the subprocess count
proportional to fixes, not lines; fixes run concurrently since git does the work.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from mergeguard import messages, paths
from mergeguard.errors import RepositoryError
from mergeguard.git import CommitRecord, GitRepo

_HUNK_RE = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")
_HASH_COMMENT = {"python", "ruby", "shell", "cython"}
_SLASH_COMMENT = {"javascript", "typescript", "tsx", "go", "java", "kotlin", "rust", "csharp", "c", "cpp", "php",
                  "scala", "swift", "objc", "protobuf"}


@dataclass
class SZZResult:
    inducing: dict[str, set[str]] = field(default_factory=dict)  # bug-inducing sha -> fix shas
    fixes_seen: int = 0
    fixes_used: int = 0
    fixes_tangled: int = 0
    failures: int = 0


@dataclass
class Labels:
    bug_inducing: bool | None
    reverted: bool | None
    risky: bool | None
    mature: bool


def is_comment_or_blank(line: str, language: str | None) -> bool:
    s = line.strip()
    if not s:
        return True
    if language in _HASH_COMMENT and s.startswith("#"):
        return True
    if language == "python" and (s.startswith('"""') or s.startswith("'''")):
        return True
    if language in _SLASH_COMMENT and (s.startswith("//") or s.startswith("/*") or s.startswith("*") or s == "*/"):
        return True
    return False


def deleted_lines(diff: bytes) -> dict[str, list[int]]:
    """Pre-image line numbers of lines a ``-U0`` diff deletes or modifies, per pre-image path,
    without blank or comment-only lines (they carry no behaviour to blame)."""
    out: dict[str, list[int]] = defaultdict(list)
    path: str | None = None
    lang: str | None = None
    line_no = 0
    in_header = False
    for raw in diff.split(b"\n"):
        if raw.startswith(b"diff --git"):
            in_header, path = True, None
        elif in_header and raw.startswith(b"--- "):
            name = raw[4:].decode("utf-8", "replace")
            path = None if name == "/dev/null" else name[2:] if name.startswith("a/") else name
            lang = paths.language(path) if path else None
        elif raw.startswith(b"@@"):
            in_header = False
            m = _HUNK_RE.match(raw)
            line_no = int(m.group(1)) if m else 0
        elif not in_header and raw.startswith(b"-") and path is not None:
            if not is_comment_or_blank(raw[1:].decode("utf-8", "replace"), lang):
                out[path].append(line_no)
            line_no += 1
    return dict(out)


def ranges(lines: list[int]) -> list[tuple[int, int]]:
    """Contiguous runs of line numbers, for one ``-L a,b`` each."""
    out: list[tuple[int, int]] = []
    for n in sorted(set(lines)):
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def blame_shas(repo: GitRepo, rev: str, path: str, line_ranges: list[tuple[int, int]], ignore_file: str | None) -> set[str]:
    args = ["blame", "-w", "--porcelain"]
    if ignore_file:
        args += ["--ignore-revs-file", ignore_file]
    for a, b in line_ranges:
        args += ["-L", f"{a},{b}"]
    out = repo.run(*args, rev, "--", path)
    shas: set[str] = set()
    boundary: set[str] = set()
    current = None
    for line in out.split(b"\n"):
        if line.startswith(b"\t"):
            continue
        parts = line.split(b" ")
        if len(parts[0]) == 40 and len(parts) >= 3 and parts[1].isdigit():
            current = parts[0].decode()
            shas.add(current)
        elif line == b"boundary" and current:
            boundary.add(current)
    return shas - boundary


def _trace_fix(repo: GitRepo, fix: CommitRecord, code_paths: list[str]) -> set[str]:
    parent = fix.parents[0]
    diff = repo.run("diff", "-U0", "-w", "--no-color", "--no-ext-diff", "-M", parent, fix.sha, "--", *code_paths)
    lines = deleted_lines(diff)
    if not lines:
        return set()
    ignore_file = None
    ignore = repo.run("show", f"{parent}:.git-blame-ignore-revs", check=False)
    try:
        if ignore.strip():
            fd, ignore_file = tempfile.mkstemp(prefix="mg-ignore-revs-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(ignore)
        shas: set[str] = set()
        for path, nums in lines.items():
            shas |= blame_shas(repo, parent, path, ranges(nums), ignore_file)
        return shas
    finally:
        if ignore_file:
            os.unlink(ignore_file)


def find_bug_inducing(
    repo: GitRepo,
    records: Sequence[CommitRecord],
    *,
    max_fix_files: int = 20,
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
) -> SZZResult:
    result = SZZResult()
    known = {r.sha: r for r in records if not r.is_merge}
    jobs: list[tuple[CommitRecord, list[str]]] = []
    for rec in records:
        if rec.is_merge or not rec.parents or not messages.is_bug_fix(rec.message):
            continue
        result.fixes_seen += 1
        code = [(f.old_path or f.path) for f in rec.files if f.status not in ("added",) and paths.is_code(f.path)]
        if len(code) > max_fix_files:
            result.fixes_tangled += 1
            continue
        if code:
            jobs.append((rec, code))

    def work(job: tuple[CommitRecord, list[str]]) -> tuple[CommitRecord, set[str] | None]:
        rec, code = job
        try:
            return rec, _trace_fix(repo, rec, code)
        except RepositoryError:
            return rec, None

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for fix, shas in pool.map(work, jobs):
            if progress:
                progress(1)
            if shas is None:
                result.failures += 1
                continue
            result.fixes_used += 1
            for sha in shas:
                induced = known.get(sha)
                if induced is not None and induced.sha != fix.sha and induced.commit_time <= fix.commit_time:
                    result.inducing.setdefault(sha, set()).add(fix.sha)
    return result


def find_reverted(records: Sequence[CommitRecord]) -> dict[str, str]:
    """Reverted sha -> reverting sha, from 'This reverts commit <sha>' (abbreviations resolved)."""
    shas = sorted(r.sha for r in records)
    import bisect

    def resolve(prefix: str) -> str | None:
        i = bisect.bisect_left(shas, prefix)
        hits = [s for s in shas[i : i + 2] if s.startswith(prefix)]
        return hits[0] if len(hits) == 1 else None

    out: dict[str, str] = {}
    for rec in records:
        for ref in messages.reverted_shas(rec.message):
            target = resolve(ref.lower())
            if target and target != rec.sha:
                out.setdefault(target, rec.sha)
    return out


def assign_labels(
    records: Sequence[CommitRecord],
    inducing: dict[str, set[str]] | set[str],
    reverted: dict[str, str],
    *,
    maturity_days: int = 180,
    newest_time: int | None = None,
) -> dict[str, Labels]:
    """Labels for every non-merge commit; the young ones (within the maturity window of the newest
    commit) stay unknown because their bugs may simply not have been found yet."""
    if newest_time is None:
        newest_time = max((r.commit_time for r in records), default=0)
    cutoff = newest_time - maturity_days * 86400
    out: dict[str, Labels] = {}
    for rec in records:
        if rec.is_merge:
            continue
        if rec.commit_time > cutoff:
            out[rec.sha] = Labels(None, None, None, False)
            continue
        bug = rec.sha in inducing
        rev = rec.sha in reverted
        out[rec.sha] = Labels(bug, rev, bug or rev, True)
    return out
