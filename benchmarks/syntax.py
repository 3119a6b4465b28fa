"""Syntax work + retry/timeout extraction per typical pull request, against the 150 ms budget.

A *typical PR* is a real commit (parent..commit) from a mirror under /work/.mirror/*/repo whose diff
touches 1-20 files and at most 1,000 changed lines, at least one of them a code file the syntax layer
parses. For each, a fresh Change is built (images read from git beforehand, so git I/O is not timed),
then the timed part runs: every touched file's pre/post parse (shared cache) plus
``features.retry_timeout.extract``. Prints median and p95 per repository and overall.

    python benchmarks/syntax.py                 # every mirror, 30 PRs each
    python benchmarks/syntax.py --per-repo 60 --repos psf+requests grpc+grpc-go
"""

from __future__ import annotations

import argparse
import glob
import os
import statistics
import sys
import time

from mergeguard.change import Limits, StaticImages
from mergeguard.features import Context, retry_timeout, syntax
from mergeguard.git import GitRepo
from mergeguard.sources import change_from_range

BUDGET_MS = 150.0


def typical_commits(repo: GitRepo, want: int) -> list[str]:
    """Recent non-merge commits with 1-20 files and <= 1,000 changed lines, some parseable code."""
    out = repo.run("log", "--no-merges", "--format=%H", "-n", str(want * 8), "HEAD").decode().split()
    picked = []
    for sha in out:
        stat = repo.run("show", "--numstat", "--format=", sha).decode().splitlines()
        rows = [r.split("\t") for r in stat if r.count("\t") >= 2]
        if not 1 <= len(rows) <= 20:
            continue
        lines = sum(int(a) + int(d) for a, d, _ in rows if a.isdigit() and d.isdigit())
        if lines > 1000 or not any(syntax.language_of(p) for _, _, p in rows):
            continue
        picked.append(sha)
        if len(picked) >= want:
            break
    return picked


def time_one(repo: GitRepo, sha: str) -> tuple[float, int, int]:
    change = change_from_range(repo, f"{sha}^", sha, Limits())
    images = {}
    for f in change.files:  # read every image first: git I/O is not syntax work
        for side in ("pre", "post"):
            images[(f.path, side)] = change.image(f.path, side)
    change.images = StaticImages(images)
    t0 = time.perf_counter()
    retry_timeout.extract(change, Context())
    ms = (time.perf_counter() - t0) * 1000
    parse_ms = syntax.syntax_of(change).stats.ms
    if ms > BUDGET_MS:
        biggest = max(change.files, key=lambda f: len(images.get((f.path, "post")) or ""))
        print(f"  over budget: {sha[:10]} {ms:.0f} ms (parsing {parse_ms:.0f} ms); largest image {biggest.path} "
              f"({len(images.get((biggest.path, 'post')) or '') // 1000} kB)", file=sys.stderr)
    return ms, len(change.files), change.added + change.deleted


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-repo", type=int, default=30)
    ap.add_argument("--repos", nargs="*", help="mirror names (owner+name); default: all")
    args = ap.parse_args(argv)
    mirrors = sorted(glob.glob("/work/.mirror/*/repo"))
    if args.repos:
        mirrors = [m for m in mirrors if os.path.basename(os.path.dirname(m)) in args.repos]
    if not mirrors:
        print("no mirrors under /work/.mirror/*/repo", file=sys.stderr)
        return 2
    print(f"languages with grammars: {', '.join(syntax.available_languages())}")
    every: list[float] = []
    # warm-up: import scanners and grammars once, as a long-running App worker would have
    for m in mirrors[:1]:
        repo = GitRepo(m)
        for sha in typical_commits(repo, 2):
            time_one(repo, sha)
    for m in mirrors:
        repo = GitRepo(m)
        times, files, lines = [], [], []
        for sha in typical_commits(repo, args.per_repo):
            try:
                ms, nf, nl = time_one(repo, sha)
            except Exception as exc:  # noqa: BLE001 - report and go on: one odd commit is not the benchmark
                print(f"  {sha[:10]}: {exc}", file=sys.stderr)
                continue
            times.append(ms)
            files.append(nf)
            lines.append(nl)
        if not times:
            continue
        every.extend(times)
        print(f"{os.path.basename(os.path.dirname(m)):<22} PRs={len(times):>3} files(med)={statistics.median(files):>4.0f} "
              f"lines(med)={statistics.median(lines):>5.0f}  median={statistics.median(times):7.2f} ms  "
              f"p95={pct(times, 0.95):7.2f} ms  max={max(times):7.2f} ms")
    if every:
        p95 = pct(every, 0.95)
        print(f"{'ALL':<22} PRs={len(every):>3}  median={statistics.median(every):7.2f} ms  p95={p95:7.2f} ms  "
              f"budget {BUDGET_MS:.0f} ms: {'within' if p95 <= BUDGET_MS else 'OVER'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
