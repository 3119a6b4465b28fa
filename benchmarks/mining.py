"""Mining a repository end to end, as a user runs it: ``mergeguard mine`` in a subprocess.

Prints commits, wall seconds, commits/s, the stage split from ``--report`` (features vs labels),
and the label counts. Target: a 5,000-commit repository in <= 5 minutes on 2 cores.

Usage: python benchmarks/mining.py --repo /path/to/repo.git
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", required=True)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mg-mine-"))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mergeguard.cli", "mine", "--repo", args.repo, "--out", str(tmp / "d.jsonl"),
                    "--report", str(tmp / "r.json"), "--quiet"], check=True)
    wall = time.perf_counter() - t0
    r = json.loads((tmp / "r.json").read_text())
    print(f"repository: {args.repo}")
    print(f"mined {r['commits']:,} commits in {wall:.1f} s wall = {r['commits'] / wall:.0f} commits/s "
          f"(features {r['seconds']['features']} s, labels {r['seconds']['labels']} s; target <= 300 s)")
    print(f"rows {r['rows']:,}, labelled {r['labelled']:,}, bug-inducing {r['bug_inducing']:,}, reverted {r['reverted']:,}")


if __name__ == "__main__":
    main()
