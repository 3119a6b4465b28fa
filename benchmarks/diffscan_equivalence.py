"""Does the pre-scan (mergeguard/diffscan.py) read real diffs exactly as ``unidiff`` alone does?

For the newest ``--commits`` non-merge commits of each repository given (bare mirrors are fine), the
commit's diff against its first parent (``git diff -M -U3``, as scoring makes it) is parsed twice:
by ``mergeguard.change.parse_diff`` (scan, cut to the caps, then ``unidiff`` per file) and by
``unidiff.PatchSet`` on the whole text. Compared per file: path, added and deleted counts, hunk
count, and each hunk's header numbers and changed lines. Under the default caps they differ only
where a file has more than 20,000 changed lines (the cut hunk's header is rewritten to the lines
kept, and later hunks are not kept); those files are counted apart.

    python benchmarks/diffscan_equivalence.py /work/.mirror/pallets+flask/repo ... [--commits 300]

Prints per repository: commits, identical, capped (a file over a cap), different (the claim is 0),
and the first few different SHAs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from mergeguard.change import parse_diff
from mergeguard.errors import DiffError


def reference(raw: bytes) -> list:
    """Per file: added, removed, and per hunk its header numbers and its changed lines (sorted)."""
    return [(p.added, p.removed, [((h.source_start, h.source_length, h.target_start, h.target_length),
                                   sorted(ln.value.rstrip("\n") for ln in h if ln.line_type in ("+", "-")))
                                  for h in p]) for p in PatchSet(raw.decode("utf-8", "replace"))]


def ours(raw: bytes) -> tuple[list, bool]:
    """The same from parse_diff, and whether a cap cut some file."""
    files, _ = parse_diff(raw)
    return [(f.added, f.deleted, [((h.source_start, h.source_length, h.target_start, h.target_length),
                                   sorted([t for _, t in h.added] + [t for _, t in h.removed])) for h in f.hunks])
            for f in files], any(f.truncated for f in files)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("repos", nargs="+")
    ap.add_argument("--commits", type=int, default=300)
    args = ap.parse_args()
    total_diff = 0
    for repo in args.repos:
        shas = subprocess.run(["git", "-C", repo, "rev-list", "--no-merges", f"--max-count={args.commits}", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.split()
        same = capped = 0
        different: list[str] = []
        for sha in shas:
            raw = subprocess.run(["git", "-C", repo, "diff", "--no-color", "-M", "-U3", f"{sha}^", sha],
                                 capture_output=True).stdout
            try:
                ref: object = reference(raw)
            except UnidiffParseError:
                ref = "error"
            try:
                got, was_capped = ours(raw)
            except DiffError:
                got, was_capped = "error", False
            if got == ref:
                same += 1
            elif was_capped:
                capped += 1
            else:
                different.append(sha)
        total_diff += len(different)
        print(f"{repo}: {len(shas)} commits, {same} identical, {capped} with a file over a cap, "
              f"{len(different)} different {different[:3]}", flush=True)
    return 1 if total_diff else 0


if __name__ == "__main__":
    sys.exit(main())
