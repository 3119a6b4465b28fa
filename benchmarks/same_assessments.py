"""Are two scoring runs the same? Compare two ``mergeguard score --commits ... --format json`` outputs.

A refactor that must not change behaviour (issue 12: the language registry, the detector contract)
is checked by scoring the same commits before and after it and comparing, line by line, the
assessments without their wall-clock figures (``pipeline.without_timings``)::

    mergeguard score --repo /work/.mirror/psf+requests/repo --commits shas.txt --format json > before.jsonl
    # ... change the code ...
    mergeguard score --repo /work/.mirror/psf+requests/repo --commits shas.txt --format json > after.jsonl
    python benchmarks/same_assessments.py before.jsonl after.jsonl

Prints how many assessments and how many feature sets are identical, and each commit that differs
with the top-level keys that do; exits 1 when anything differs.
"""

from __future__ import annotations

import json
import sys

from mergeguard.pipeline import without_timings


def _canonical(line: str) -> dict[str, object]:
    out: dict[str, object] = without_timings(json.loads(line))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: same_assessments.py BEFORE.jsonl AFTER.jsonl", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as a, open(argv[1], encoding="utf-8") as b:
        before = [_canonical(line) for line in a if line.strip()]
        after = [_canonical(line) for line in b if line.strip()]
    same = sum(json.dumps(x, sort_keys=True) == json.dumps(y, sort_keys=True) for x, y in zip(before, after, strict=False))
    same_features = sum(x.get("features") == y.get("features") for x, y in zip(before, after, strict=False))
    print(f"{len(before)} before, {len(after)} after: {same} assessments identical, "
          f"{same_features} feature sets identical")
    for x, y in zip(before, after, strict=False):
        if json.dumps(x, sort_keys=True) != json.dumps(y, sort_keys=True):
            change = x.get("change")
            sha = change.get("id") if isinstance(change, dict) else "?"
            print(f"  {sha}: {', '.join(sorted(k for k in set(x) | set(y) if x.get(k) != y.get(k)))}")
    return 0 if same == len(before) == len(after) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
