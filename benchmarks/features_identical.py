"""Are the assessments (features, findings, signals) byte-identical before and after a refactoring?

Issue 12 moved every git call behind one interface and turned the detectors' reference callback into
a typed query object; the shipped model reads the features, so they must not move by a bit. This
script scores commits of real mirrors with the installed mergeguard and writes one canonical JSON line
per commit (``pipeline.without_timings``: the wall-clock figures removed), so two runs (one from a
snapshot of the code before the change, one after) can be compared with ``--compare``.

Two paths are scored, because they build their contexts differently:

* ``--commits``: historical commits, each against its first parent (the batch path, one history
  replay);
* ``--head``: a few commits as a pull request would be (``review``: history index at the base, file
  listing, ``git grep`` reference counts), which is where the reference counter is used.

Usage::

    python benchmarks/features_identical.py run OUT.jsonl --mirror /work/.mirror/psf+requests/repo \
        --mirror /work/.mirror/square+okhttp/repo --commits 300 --heads 25
    python benchmarks/features_identical.py compare BEFORE.jsonl AFTER.jsonl

Commit selection is deterministic: ``git rev-list --no-merges --max-count=N`` from the mirror's HEAD
(so both runs see the same commits as long as the mirror is not fetched in between).
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
from contextlib import redirect_stdout
from pathlib import Path


def _shas(mirror: str, count: int) -> list[str]:
    out = subprocess.run(["git", "-C", mirror, "rev-list", "--no-merges", f"--max-count={count}", "HEAD"],
                         capture_output=True, text=True, check=True).stdout
    return out.split()


def _score(args: list[str]) -> list[dict]:
    from mergeguard.cli import main
    from mergeguard.pipeline import without_timings

    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["score", *args, "--format", "json"])
    if code not in (0, None):
        raise SystemExit(f"mergeguard score {' '.join(args)} exited {code}")
    text = buf.getvalue().strip()
    try:
        items = [json.loads(text)]  # one pretty-printed assessment (--head)
    except json.JSONDecodeError:
        items = [json.loads(line) for line in text.splitlines() if line.strip()]  # JSON lines (--commits)
    return [without_timings(a) for a in items]


def run(out: str, mirrors: list[str], commits: int, heads: int) -> None:
    """Score and write as it goes (one line per assessment), so a run cut short still compares."""
    written = 0
    with open(out, "w", encoding="utf-8") as sink:
        def put(record: dict) -> None:
            nonlocal written
            sink.write(json.dumps(record, sort_keys=True) + "\n")
            sink.flush()
            written += 1

        for mirror in mirrors:
            name = Path(mirror).parent.name
            shas = _shas(mirror, commits)
            with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
                fh.write("\n".join(shas) + "\n")
            for a in _score(["--repo", mirror, "--commits", fh.name]):
                put({"mirror": name, "mode": "commits", "assessment": a})
            Path(fh.name).unlink()
            for sha in shas[:heads]:
                for a in _score(["--repo", mirror, "--head", sha, "--base", f"{sha}~1"]):
                    put({"mirror": name, "mode": "head", "sha": sha, "assessment": a})
            print(f"{mirror}: {len(shas)} commits, {min(heads, len(shas))} heads", file=sys.stderr)
    print(f"{written} assessments -> {out}", file=sys.stderr)


def compare(before: str, after: str) -> int:
    a = Path(before).read_text(encoding="utf-8").splitlines()
    b = Path(after).read_text(encoding="utf-8").splitlines()
    if len(a) != len(b):
        print(f"different counts: {len(a)} before, {len(b)} after; comparing the first {min(len(a), len(b))}")
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
    for i in differ[:5]:
        x, y = json.loads(a[i]), json.loads(b[i])
        keys = sorted(k for k in set(x["assessment"]) | set(y["assessment"])
                      if x["assessment"].get(k) != y["assessment"].get(k))
        print(f"line {i + 1} ({x['mirror']} {x['mode']}): differs in {keys}")
    print(f"{min(len(a), len(b))} assessments compared, {len(differ)} differ")
    return 1 if differ or len(a) != len(b) else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("out")
    r.add_argument("--mirror", action="append", required=True)
    r.add_argument("--commits", type=int, default=300)
    r.add_argument("--heads", type=int, default=25)
    c = sub.add_parser("compare")
    c.add_argument("before")
    c.add_argument("after")
    args = p.parse_args()
    if args.cmd == "run":
        run(args.out, args.mirror, args.commits, args.heads)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
