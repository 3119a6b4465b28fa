"""Batch scoring throughput and single-change latency, measured as a user runs mergeguard.

- batch: ``mergeguard score --repo R --commits FILE --format json`` on the newest N non-merge commits,
  history features included (the replay of everything before them is part of the time), run as a
  real subprocess so start-up and imports count too. Target: >= 30 commits/s on 2 cores.
- latency: one subprocess per change, for K recent commits, in three modes: ``--commit SHA``,
  ``--base SHA~1 --head SHA`` (the pull-request view) and ``--diff FILE`` (no repository).
  Prints p50/p95/min/max in milliseconds, and the replay time alone so it is clear what dominates.

Usage: python benchmarks/score_throughput.py --repo /path/to/repo.git [--commits 500] [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mergeguard.git import GitRepo
from mergeguard.sources import history_at


def _run(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mergeguard.cli", *args], check=True, capture_output=True)
    return time.perf_counter() - t0


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--commits", type=int, default=500)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    repo = GitRepo(args.repo)
    shas = repo.run("rev-list", "--no-merges", "-n", str(args.commits), "HEAD").decode().split()
    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-"))
    listing = tmp / "shas.txt"
    listing.write_text("\n".join(shas) + "\n")

    total = _run(["score", "--repo", args.repo, "--commits", str(listing), "--format", "json", "-o", str(tmp / "o.jsonl")])
    t0 = time.perf_counter()
    history_at(repo, "HEAD")
    replay = time.perf_counter() - t0
    print(f"repository: {args.repo} ({int(repo.run('rev-list', '--count', 'HEAD').decode())} commits)")
    print(f"batch: {len(shas)} commits in {total:.2f} s = {len(shas) / total:.1f} commits/s "
          f"(history replay alone {replay:.2f} s, included)")

    sample = shas[: args.runs]
    modes: dict[str, list[float]] = {"--commit": [], "--base/--head": [], "--diff (no repo)": []}
    for sha in sample:
        modes["--commit"].append(_run(["score", "--repo", args.repo, "--commit", sha, "--format", "json"]))
        modes["--base/--head"].append(_run(["score", "--repo", args.repo, "--base", f"{sha}~1", "--head", sha, "--format", "json"]))
        diff = tmp / "c.diff"
        diff.write_bytes(repo.diff(f"{sha}~1", sha))
        modes["--diff (no repo)"].append(_run(["score", "--diff", str(diff), "--format", "json"]))
    print(f"single-change latency over {len(sample)} commits (ms, subprocess incl. start-up):")
    print(f"  {'mode':<18} {'p50':>8} {'p95':>8} {'min':>8} {'max':>8}")
    for mode, xs in modes.items():
        ms = [x * 1000 for x in xs]
        print(f"  {mode:<18} {statistics.median(ms):8.0f} {_pct(ms, 0.95):8.0f} {min(ms):8.0f} {max(ms):8.0f}")


if __name__ == "__main__":
    main()
