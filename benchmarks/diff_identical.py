"""Does ``GitRepo.diff_commit`` (one long-lived ``git diff-tree --stdin``) give exactly the bytes of
``GitRepo.diff`` (a ``git diff`` process per commit)? (issue 16: faster, not a single output changed)

For each repository it takes the newest ``--limit`` commits of ``git rev-list --all`` (merges
included, each against its first parent; root commits too) and compares the two answers byte for
byte, errors included (a commit whose diff fails must fail the same way). Prints the count of
commits, renames, binaries, mode changes and failures seen, and every difference; exits 1 on one.

Usage: python benchmarks/diff_identical.py --limit 3000 /path/a.git /path/b.git
"""

from __future__ import annotations

import argparse
import sys

from mergeguard.errors import RepositoryError
from mergeguard.git import GitRepo


def answer(fn, *args) -> tuple[str, bytes]:
    try:
        return "ok", fn(*args)
    except RepositoryError as exc:
        return "error", str(exc).encode()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=3000)
    ap.add_argument("repos", nargs="+")
    args = ap.parse_args()
    bad = 0
    for path in args.repos:
        repo = GitRepo(path)
        lines = repo.run("rev-list", "--all", "--parents", f"--max-count={args.limit}").decode().splitlines()
        seen = {"commits": 0, "renames": 0, "binaries": 0, "modes": 0, "errors": 0, "roots": 0, "merges": 0}
        for line in lines:
            sha, *parents = line.split()
            parent = parents[0] if parents else None
            fast = answer(repo.diff_commit, parent, sha)
            slow = answer(repo.diff, parent, sha)
            seen["commits"] += 1
            seen["roots"] += parent is None
            seen["merges"] += len(parents) > 1
            seen["errors"] += slow[0] == "error"
            seen["renames"] += b"\nrename from " in slow[1]
            seen["binaries"] += b"\nBinary files " in slow[1]
            seen["modes"] += b"\nold mode " in slow[1]
            if fast != slow:
                bad += 1
                print(f"{path} {sha}: {fast[0]} {len(fast[1])} bytes != {slow[0]} {len(slow[1])} bytes")
        print(f"{path}: {seen}, tree process usable: {repo._diff_tree.usable()}")
    print(f"{bad} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
