"""How much faster is ``score --commits`` than an earlier revision? (issue 16)

For each case ``NAME=REPO:FILE`` and each ``--jobs`` value it runs
``mergeguard score --repo REPO --commits FILE --format json --jobs J`` with the code of ``--before``
and with the code of ``--after`` (default: the installed code) in turn, before/after/before/after...,
``--runs`` times each, as whole processes (start-up, imports and history replay included). Each run's
wall time and CPU time (user + system of the process and every child it waited for, git included,
from ``os.wait4``) are recorded; it prints the medians, commits per second and the ratios
before/after. CPU time is the steadier figure on a shared machine; pairing the runs keeps the wall
ratio meaningful when the machine's speed drifts. With ``--jobs`` above 1 the CPU figure misses the
worker processes (multiprocessing's forkserver, not the command, reaps them): compare wall time there.
Check that the outputs are identical with ``batch_identical.py``.

Usage: python benchmarks/batch_speed.py --before e6b3212 --runs 3 --jobs 1 --jobs 2 \\
           rq=/path/requests.git:rq.txt
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from batch_identical import export  # same directory


def timed(python_path: str | None, repo: str, commits: str, jobs: int, out: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process tree) of one run."""
    env = dict(os.environ)
    if python_path:
        env["PYTHONPATH"] = python_path
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "mergeguard.cli", "score", "--repo", repo, "--commits", commits,
                             "--format", "json", "--jobs", str(jobs), "--output", str(out)],
                            env=env, cwd=python_path or tempfile.gettempdir(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"score failed ({python_path or 'installed code'}, {repo})")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", help="git revision (default: the installed code)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, action="append")
    ap.add_argument("cases", nargs="+", metavar="NAME=REPO:FILE")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mg-speed-"))
    before = str(export(args.before, tmp / "before"))
    after = str(export(args.after, tmp / "after")) if args.after else None
    print(f"before {args.before}, after {args.after or 'installed code'}, {args.runs} paired runs, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    for case in args.cases:
        name, _, spec = case.partition("=")
        repo, _, commits = spec.rpartition(":")
        n = sum(1 for line in Path(commits).read_text().splitlines() if line.strip())
        for jobs in args.jobs or [1]:
            runs: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
            for _ in range(args.runs):
                runs["before"].append(timed(before, repo, commits, jobs, tmp / "b.json"))
                runs["after"].append(timed(after, repo, commits, jobs, tmp / "a.json"))
            med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in runs.items()}
            wall_ratio = statistics.median(b[0] / a[0] for b, a in zip(runs["before"], runs["after"], strict=True))
            cpu_ratio = statistics.median(b[1] / a[1] for b, a in zip(runs["before"], runs["after"], strict=True))
            print(f"{name} ({n} commits) --jobs {jobs}: wall {med['before'][0]:.1f} s -> {med['after'][0]:.1f} s "
                  f"({n / med['before'][0]:.1f} -> {n / med['after'][0]:.1f} commits/s, {wall_ratio:.2f}x); "
                  f"CPU {med['before'][1]:.1f} s -> {med['after'][1]:.1f} s ({n / med['before'][1]:.1f} -> "
                  f"{n / med['after'][1]:.1f} commits per CPU-second, {cpu_ratio:.2f}x)")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
