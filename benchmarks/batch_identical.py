"""Is ``score --commits`` byte-for-byte what an earlier revision gave? (issue 16: faster, not a single
output changed)

For each case ``NAME=REPO:FILE`` (a repository and a file of commit SHAs) it runs
``mergeguard score --repo REPO --commits FILE --format json`` twice: with the code of ``--before``
(a git revision of this checkout, exported with ``git archive`` into a temporary directory laid out
as pyproject's ``package-dir`` says, and run with ``PYTHONPATH`` pointing there; the imported path is
checked) and with the code installed now. Every JSON line is compared in full after dropping only the
wall-clock figures (:func:`mergeguard.pipeline.without_timings`): verdict, score, thresholds,
reasons, warnings, findings, signals, everything. It prints the number of lines compared and every
difference, and exits 1 when there is one.

``--cache DIR`` keeps the "before" outputs (keyed by revision and case) so a rerun only runs "after";
``--after REV`` runs a revision instead of the installed code (so the checkout can change meanwhile).

Usage: python benchmarks/batch_identical.py --before e6b3212 --cache /tmp/before \\
           rq=/path/requests.git:rq.txt go=/path/go-redis.git:go.txt [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from mergeguard.pipeline import without_timings

ROOT = Path(__file__).resolve().parent.parent


def export(rev: str, into: Path) -> Path:
    """The package at ``rev`` laid out as installed (``mergeguard/features`` etc.), for ``PYTHONPATH``."""
    into.mkdir(parents=True, exist_ok=True)
    tree = into / "src"
    tree.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    layout = tomllib.loads((tree / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    pkg = into / "pkg"
    pkg.mkdir()
    for name, src in sorted(layout.items(), key=lambda kv: kv[0].count(".")):
        target = pkg.joinpath(*name.split("."))
        if not target.exists():
            (tree / src).rename(target)
    return pkg


def run(python_path: str | None, repo: str, commits: str, out: Path, jobs: int) -> None:
    env = dict(os.environ)
    cwd = None
    if python_path:
        env["PYTHONPATH"] = python_path
        cwd = python_path
        probe = subprocess.run([sys.executable, "-c", "import mergeguard, mergeguard.features, mergeguard.models;"
                                "print(mergeguard.__file__, mergeguard.features.__file__, mergeguard.models.__file__)"],
                               env=env, cwd=cwd, capture_output=True, text=True, check=True).stdout.split()
        if not all(p.startswith(python_path) for p in probe):
            sys.exit(f"the 'before' code did not import from {python_path}: {probe}")
    subprocess.run([sys.executable, "-m", "mergeguard.cli", "score", "--repo", repo, "--commits", commits,
                    "--format", "json", "--jobs", str(jobs), "--output", str(out)],
                   env=env, cwd=cwd, check=True, stderr=subprocess.DEVNULL)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def differences(a: Any, b: Any, where: str = "") -> list[str]:
    """Every path at which two JSON values differ (first few per line are enough to read)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{where}.{k}: {'missing before' if k not in a else 'missing after'}")
            else:
                out += differences(a[k], b[k], f"{where}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=False)) for d in differences(x, y, f"{where}[{i}]")]
    return [] if a == b else [f"{where}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True, help="git revision of the code to compare against")
    ap.add_argument("--cache", help="directory keeping the 'before' outputs between runs")
    ap.add_argument("--after", help="git revision of the code to compare (default: the code installed now)")
    ap.add_argument("--after-dir", help="directory for the 'after' outputs (default: a temporary one)")
    ap.add_argument("--jobs", type=int, default=1, help="--jobs of the 'after' run (the 'before' run uses 1)")
    ap.add_argument("cases", nargs="+", metavar="NAME=REPO:FILE")
    args = ap.parse_args()
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", args.before], check=True, capture_output=True,
                         text=True).stdout.strip()
    tmp = Path(tempfile.mkdtemp(prefix="mg-identical-"))
    cache = Path(args.cache) if args.cache else tmp / "before"
    after_dir = Path(args.after_dir) if args.after_dir else tmp / "after"
    cache.mkdir(parents=True, exist_ok=True)
    after_dir.mkdir(parents=True, exist_ok=True)
    pkg: Path | None = None
    after_pkg = str(export(args.after, tmp / "after-code")) if args.after else None
    total = differing = 0
    for case in args.cases:
        name, _, spec = case.partition("=")
        repo, _, commits = spec.rpartition(":")
        before = cache / f"{rev[:12]}-{name}.json"
        if not before.exists():
            pkg = pkg or export(rev, tmp)
            run(str(pkg), repo, str(Path(commits).resolve()), before, 1)
        after = after_dir / f"{name}.json"
        run(after_pkg, repo, str(Path(commits).resolve()), after, args.jobs)
        a, b = lines(before), lines(after)
        if len(a) != len(b):
            print(f"{name}: {len(a)} lines before, {len(b)} after")
            differing += 1
        n_diff = 0
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = differences(without_timings(x), without_timings(y))
            if found:
                n_diff += 1
                sha = x.get("change", {}).get("head") or x.get("sha")
                print(f"{name} line {i + 1} ({sha}): " + "; ".join(found[:5]))
        total += min(len(a), len(b))
        differing += n_diff
        print(f"{name}: {min(len(a), len(b))} lines compared, {n_diff} differ")
    print(f"all: {total} lines compared, {differing} differ (before {rev[:12]}, after "
          f"{args.after or 'the installed code'}, --jobs {args.jobs})")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
