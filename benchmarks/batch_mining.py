"""Mining many repositories in parallel: ``mergeguard mine --repo R1 R2 ... --jobs N`` (or ``--scheduler``).

Runs the same ``mine`` command over the given repositories with 1 worker and with 2 workers (a local
process pool, or a local Dask cluster with ``--dask``), checks that the two outputs are byte for byte
identical, and prints the wall time of each, the speed-up, and the projection to ``--project``
repositories of the same mix (wall time per repository x repositories / workers: repositories are
independent tasks, so the projection is linear in both; the measured speed-up from 1 to 2 workers
says how far from linear this machine was).

``--max-commits`` bounds the commits emitted per repository (the whole history is still replayed
for the history features and blamed for the labels of the commits emitted), so the run stays short.

Usage: python benchmarks/batch_mining.py --max-commits 200 /work/.mirror/*/repo
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _mine(repos: list[str], out: Path, max_commits: int, parallel: list[str]) -> tuple[float, dict]:
    report = out.with_suffix(".report.json")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mergeguard.cli", "mine", "--repo", *repos, "--out", str(out),
                    "--max-commits", str(max_commits), "--report", str(report), "--quiet", *parallel], check=True)
    return time.perf_counter() - t0, json.loads(report.read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("repos", nargs="+", metavar="REPO")
    ap.add_argument("--max-commits", type=int, default=200)
    ap.add_argument("--project", type=int, default=2000, help="project the wall time to this many repositories")
    ap.add_argument("--dask", action="store_true", help="a local Dask cluster of 1, then 2 workers, not a pool")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mg-batch-mine-"))
    walls: dict[int, float] = {}
    outputs: dict[int, bytes] = {}
    rows = 0
    for workers in (1, 2):
        cluster = None
        if args.dask:
            from distributed import LocalCluster

            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   scheduler_port=0, dashboard_address=None)
            parallel = ["--scheduler", cluster.scheduler_address]
        else:
            parallel = ["--jobs", str(workers)]
        try:
            out = tmp / f"w{workers}.jsonl"
            walls[workers], report = _mine(args.repos, out, args.max_commits, parallel)
        finally:
            if cluster is not None:
                cluster.close()
        outputs[workers] = out.read_bytes()
        rows = sum(r["rows"] for r in report["repos"])
        print(f"{workers} worker{'s' if workers > 1 else ''} ({'Dask' if args.dask else 'process pool'}): "
              f"{len(args.repos)} repositories, {rows:,} rows in {walls[workers]:.1f} s wall", flush=True)
    identical = outputs[1] == outputs[2]
    print(f"outputs byte for byte identical: {identical} ({len(outputs[1]):,} bytes)")
    print(f"speed-up 1 -> 2 workers: {walls[1] / walls[2]:.2f}x")
    per_repo = walls[1] / len(args.repos)
    for workers in (1, 2, 16, 64):
        hours = per_repo * args.project / workers / 3600
        print(f"projection: {args.project:,} repositories of this mix on {workers} worker(s) ~ {hours:.1f} h "
              f"(linear; {per_repo:.1f} s per repository at --max-commits {args.max_commits})")
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    main()
