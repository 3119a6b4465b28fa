"""Labels from the future of each commit: SZZ bug-inducing, reverted, and label maturity.

SZZ (Śliwerski, Zimmermann, Zeller 2005) with the refinements the literature settled on (Kim et al.
2006; da Costa et al. 2017; Borg et al., "SZZ Unleashed", 2019):

- fix commits are found by message (``messages.is_bug_fix``: fix/bug/defect..., not docs/style/CI);
- only code files that existed before the fix are traced; fixes touching more than ``max_fix_files``
  code files are tangled (refactorings, mass renames) and skipped whole;
- the lines a fix deletes or modifies are read from one whitespace-insensitive diff per fix, blank
  and comment-only lines are skipped, and ``git blame -w`` at the fix's parent names the commits
  that last touched them (honouring the repository's ``.git-blame-ignore-revs``);
- the initial commit can be blamed (``--root``) unless the clone is shallow, where the cut-off
  commit only looks like a root; other boundary commits are never blamed;
- blamed commits must be non-merge commits of the mined history; blame only ever names ancestors
  of the fix's parent, so they precede the fix by construction (no clock-skewed time test needed).

One diff per fix and one blame per file (all line ranges in one call) keep the subprocess count
proportional to fixes, not lines; fixes run concurrently since git does the work. Every ignore-revs
file is read in a single ``cat-file --batch`` up front rather than one ``git show`` per fix.
"""

from __future__ import annotations

import bisect
import codecs
import hashlib
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from mergeguard import languages, messages, paths
from mergeguard.errors import RepositoryError
from mergeguard.git import CommitRecord, FileStat, GitRepo

IGNORE_REVS_FILE = ".git-blame-ignore-revs"
DAY = 86400

_HUNK_RE = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")
# Porcelain header of a blamed group: "<sha> <orig line> <final line>[ <group size>]" (SHA-1 or SHA-256).
_BLAME_HEADER_RE = re.compile(rb"^([0-9a-f]{40}(?:[0-9a-f]{24})?) \d+ \d+")
_FULL_SHA_RE = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$", re.I)
#: comment syntax per language, from the language registry (``mergeguard.languages``)
_HASH_COMMENT = frozenset(lang.name for lang in languages.REGISTRY if lang.comment == languages.HASH)
_SLASH_COMMENT = frozenset(lang.name for lang in languages.REGISTRY if lang.comment == languages.SLASH)
_DOCSTRINGS = frozenset(lang.name for lang in languages.REGISTRY if lang.docstrings)


@dataclass
class SZZResult:
    """What SZZ found, and how many fixes it could use: the counts say how far to trust the labels.

    ``fixes_seen == fixes_used + fixes_tangled + fixes_without_code + failures``.
    """

    inducing: dict[str, set[str]] = field(default_factory=dict)  # bug-inducing sha -> fix shas
    fixes_seen: int = 0
    fixes_used: int = 0
    fixes_tangled: int = 0
    failures: int = 0
    fixes_without_code: int = 0  # fixes touching no pre-existing code file (docs, tests, new files)


@dataclass
class Labels:
    """Training labels of one non-merge commit; None means "not known yet" (commit too young)."""

    bug_inducing: bool | None
    reverted: bool | None
    risky: bool | None
    mature: bool


# -- pure helpers ------------------------------------------------------------------------------


def is_comment_or_blank(line: str, language: str | None) -> bool:
    """True for lines that carry no behaviour: a fix editing them cannot point at a bug."""
    s = line.strip()
    if not s:
        return True
    if language in _HASH_COMMENT and s.startswith("#"):
        return True
    if language in _DOCSTRINGS and s.startswith(('"""', "'''")):
        return True
    if language in _SLASH_COMMENT and s.startswith(("//", "/*", "*")):
        return True
    return False


def _diff_path(raw: bytes) -> str | None:
    """Path of a ``--- a/x`` / ``+++ b/x`` header (C-quoted when it holds odd characters)."""
    name = raw[4:].rstrip(b"\r").decode("utf-8", "replace")
    if name == "/dev/null":
        return None
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = codecs.escape_decode(name[1:-1].encode("utf-8"))[0].decode("utf-8", "replace")
    return name[2:] if name.startswith(("a/", "b/")) else name


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
            path = _diff_path(raw)
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


def ranges(lines: Sequence[int]) -> list[tuple[int, int]]:
    """Contiguous runs of line numbers, for one ``-L a,b`` each."""
    out: list[tuple[int, int]] = []
    for n in sorted(set(lines)):
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def blamed_shas(porcelain: bytes) -> set[str]:
    """Commits named by ``git blame --porcelain`` output, without boundary commits (the edge of a
    shallow or ranged history, where blame stops rather than finds the true author)."""
    shas: set[str] = set()
    boundary: set[str] = set()
    current: str | None = None
    for line in porcelain.split(b"\n"):
        if line.startswith(b"\t"):
            continue
        m = _BLAME_HEADER_RE.match(line)
        if m:
            current = m.group(1).decode()
            shas.add(current)
        elif line == b"boundary" and current:
            boundary.add(current)
    return shas - boundary


def filter_ignore_revs(text: bytes) -> bytes:
    """The full SHAs of an ignore-revs file. git rejects the whole file (and so the blame) over one
    abbreviated or malformed entry, so keep only what it accepts; comments and blanks go too."""
    keep = []
    for line in text.decode("utf-8", "replace").splitlines():
        token = line.split("#", 1)[0].strip()
        if _FULL_SHA_RE.match(token):
            keep.append(token.lower())
    return "".join(s + "\n" for s in keep).encode()


def fix_paths(rec: CommitRecord) -> list[FileStat]:
    """Code files of a fix that existed before it: only those have pre-image lines to blame."""
    return [
        f for f in rec.files
        if f.status != "added" and not f.binary and (paths.is_code(f.old_path or f.path) or paths.is_code(f.path))
    ]


def _pathspecs(files: Sequence[FileStat]) -> list[str]:
    """Literal pathspecs for the fix's files; both sides of a rename, so ``-M`` can pair them
    (given only the old name, git would report it deleted and SZZ would blame the whole file)."""
    names = dict.fromkeys(p for f in files for p in (f.old_path, f.path) if p)
    return [f":(literal){p}" for p in names]


# -- git work ----------------------------------------------------------------------------------


def blame_shas(repo: GitRepo, rev: str, path: str, line_ranges: Sequence[tuple[int, int]],
               ignore_file: str | None, *, root: bool = True) -> set[str]:
    """Commits that last touched ``line_ranges`` of ``path`` at ``rev``: one blame for all ranges.

    ``root``: blame root commits too (git marks them boundary by default). Right for a complete
    history, where the initial commit wrote real code; wrong for a shallow clone, whose cut-off
    commit looks like a root but stands for all the history before it.
    """
    args = ["blame", "-w", "--porcelain", *(["--root"] if root else [])]
    if ignore_file:
        args += ["--ignore-revs-file", ignore_file]
    for a, b in line_ranges:
        args += ["-L", f"{a},{b}"]
    return blamed_shas(repo.run(*args, rev, "--", path))


def trace_fix(repo: GitRepo, fix: CommitRecord, files: Sequence[FileStat], ignore_file: str | None = None,
              *, root: bool = True) -> set[str]:
    """Commits blamed for the code lines ``fix`` deletes or modifies (one diff, one blame per file)."""
    parent = fix.parents[0]
    diff = repo.run(
        "diff", "-U0", "-w", "--no-color", "--no-ext-diff", "--no-textconv", "-M",
        "--src-prefix=a/", "--dst-prefix=b/", parent, fix.sha, "--", *_pathspecs(files),
    )
    shas: set[str] = set()
    for path, nums in deleted_lines(diff).items():
        shas |= blame_shas(repo, parent, path, ranges(nums), ignore_file, root=root)
    return shas


def ignore_rev_files(repo: GitRepo, parents: Sequence[str], directory: str) -> dict[str, str]:
    """Parent sha -> file in ``directory`` holding that tree's (filtered) ignore-revs list.

    All parents are read in one ``cat-file --batch`` instead of one ``git show`` per fix, and one
    file is written per distinct content. Failing to read them loses a refinement, not the run.
    """
    try:
        blobs = repo.read_blobs(f"{p}:{IGNORE_REVS_FILE}" for p in parents)
    except (RepositoryError, ValueError):
        return {}
    by_content: dict[bytes, str] = {}
    out: dict[str, str] = {}
    for parent in parents:
        blob = blobs.get(f"{parent}:{IGNORE_REVS_FILE}")
        content = filter_ignore_revs(blob) if blob else b""
        if not content:
            continue
        if content not in by_content:
            name = os.path.join(directory, f"ignore-revs-{hashlib.sha1(content).hexdigest()[:12]}")
            with open(name, "wb") as fh:
                fh.write(content)
            by_content[content] = name
        out[parent] = by_content[content]
    return out


def find_bug_inducing(
    repo: GitRepo,
    records: Sequence[CommitRecord],
    *,
    max_fix_files: int = 20,
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
) -> SZZResult:
    """Run SZZ over the fixes in ``records``; see the module docstring for the rules.

    ``progress(1)`` is called once per fix actually traced (after it finishes). A fix whose git
    commands fail (missing objects, a shallow edge) is counted in ``failures`` and skipped, so one
    odd commit never costs the whole mining run.
    """
    result = SZZResult()
    known = {r.sha for r in records if not r.is_merge}
    jobs: list[tuple[CommitRecord, list[FileStat]]] = []
    for rec in records:
        if rec.is_merge or not rec.parents or not messages.is_bug_fix(rec.message):
            continue
        result.fixes_seen += 1
        files = fix_paths(rec)
        if len(files) > max_fix_files:
            result.fixes_tangled += 1
        elif not files:
            result.fixes_without_code += 1
        else:
            jobs.append((rec, files))

    root = not repo.is_shallow if jobs else True
    with tempfile.TemporaryDirectory(prefix="mg-szz-") as tmp:
        ignore_files = ignore_rev_files(repo, list(dict.fromkeys(rec.parents[0] for rec, _ in jobs)), tmp)

        def work(job: tuple[CommitRecord, list[FileStat]]) -> set[str] | None:
            rec, files = job
            try:
                return trace_fix(repo, rec, files, ignore_files.get(rec.parents[0]), root=root)
            except (RepositoryError, OSError, ValueError):
                return None

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            outcomes = pool.map(work, jobs)
            for (fix, _), shas in zip(jobs, outcomes, strict=True):
                if progress:
                    progress(1)
                if shas is None:
                    result.failures += 1
                    continue
                result.fixes_used += 1
                for sha in shas:
                    if sha in known and sha != fix.sha:
                        result.inducing.setdefault(sha, set()).add(fix.sha)
    return result


# -- reverts and labels ------------------------------------------------------------------------


def resolve_prefix(sorted_shas: Sequence[str], prefix: str) -> str | None:
    """The one SHA in ``sorted_shas`` starting with ``prefix``; None if none or ambiguous."""
    prefix = prefix.lower()
    i = bisect.bisect_left(sorted_shas, prefix)
    hits = [s for s in sorted_shas[i : i + 2] if s.startswith(prefix)]
    return hits[0] if len(hits) == 1 else None


def find_reverted(records: Sequence[CommitRecord]) -> dict[str, str]:
    """Reverted sha -> (first) reverting sha, from 'This reverts commit <sha>' messages.

    Abbreviated SHAs are resolved against ``records`` by unique prefix, the same way git would;
    SHAs outside the mined history (or ambiguous) are ignored rather than guessed.
    """
    shas = sorted(r.sha for r in records)
    out: dict[str, str] = {}
    for rec in records:
        for ref in messages.reverted_shas(rec.message):
            target = resolve_prefix(shas, ref)
            if target and target != rec.sha:
                out.setdefault(target, rec.sha)
    return out


def assign_labels(
    records: Sequence[CommitRecord],
    inducing: Mapping[str, object] | set[str],
    reverted: Mapping[str, str],
    *,
    maturity_days: int = 180,
    newest_time: int | None = None,
) -> dict[str, Labels]:
    """Labels for every non-merge commit; the young ones (committed within ``maturity_days`` of the
    newest commit, or of ``newest_time``) stay unknown because their bugs may simply not have been
    found yet, and training on them as "clean" would teach the model that new code is safe."""
    if newest_time is None:
        newest_time = max((r.commit_time for r in records), default=0)
    cutoff = newest_time - maturity_days * DAY
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
