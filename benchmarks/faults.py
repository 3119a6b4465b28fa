"""kill -9 under a stream of pull requests, longer than the CI test: counts of what was killed and what
every check run ended as.

The rig is tests/faultrig.py (a real ``mergeguard serve`` with the shipped model, the local GitHub
stand-in serving a synthetic repository built by tests/synthetic.py, signed deliveries of GitHub's
published webhook examples). Per seed: ``--prs`` pull requests with ``--heads`` heads each (the later
ones pushed mid-stream), ``--server-kills`` kill -9 of gunicorn's arbiter and worker (then a restart on
the same data directory), ``--child-kills`` kill -9 of a scoring child while it scores, redeliveries.
A kill waits until a job is mid-way (bounded). Then the rig waits until quiet and checks: every
current head has exactly one completed, scored check run; no run left in progress; nothing duplicated;
every acknowledged delivery stored with its job; no scoring child outlived its server. ::

    python benchmarks/faults.py [--seeds 1 2 3] [--prs 6] [--heads 4] [--server-kills 6] [--child-kills 4]

Exit status 1 if any invariant broke (each breach is printed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import synthetic  # noqa: E402
from tests.faultrig import FaultRig, Plan  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--prs", type=int, default=6)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--server-kills", type=int, default=6)
    ap.add_argument("--child-kills", type=int, default=4, help="per seed; keep below the retry budget (5)")
    ap.add_argument("--redeliveries", type=int, default=3)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    total: Counter = Counter()
    problems: list[str] = []
    for seed in args.seeds:
        with tempfile.TemporaryDirectory(prefix="mergeguard-faults-") as tmp:
            source = synthetic.build(Path(tmp) / "source", seed=seed).path
            work = Path(tmp) / "rig"
            work.mkdir()
            plan = Plan(seed=seed, prs=args.prs, heads_per_pr=args.heads, server_kills=args.server_kills,
                        child_kills=args.child_kills, redeliveries=args.redeliveries, patience=900.0)
            t0 = time.monotonic()
            with FaultRig(work, source, plan, log=print if args.verbose else None) as rig:
                report = rig.run()
            print(f"seed {seed}: {time.monotonic() - t0:.0f} s, quiet {report.seconds_to_quiet:.0f} s after the "
                  f"stream, {len(report.problems)} problem(s)")
            total.update(report.counts)
            problems += [f"seed {seed}: {p}" for p in report.problems]
    print()
    for key in sorted(total):
        print(f"{key:55s} {total[key]:6d}")
    print(f"{'invariant breaches':55s} {len(problems):6d}")
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
