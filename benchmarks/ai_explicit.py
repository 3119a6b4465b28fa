"""Precision and recall of the explicit AI-authorship evidence on the labelled set.

The set (``benchmarks/data/ai_authorship/*.json``, built by ``benchmarks/ai_labels.py`` from its
own conservative rules and a manual reading, never from the detector) holds commit ids and labels.
Each commit is read from its mirror (``/work/.mirror/<owner>+<name>/repo``): author and message
only, as ``explicit_evidence`` sees a commit (no branch or pull-request description: a mirror has
none). Figures per split (``dev``: looked at while writing the catalogue; ``heldout``: never looked
at) and pooled, with every miss and false alarm listed.

    python benchmarks/ai_explicit.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from mergeguard.change import Change, CommitMeta
from mergeguard.features.authorship import explicit_evidence

DATA = Path(__file__).resolve().parent / "data" / "ai_authorship"
MIRRORS = Path("/work/.mirror")


def metadata(repo: str, shas: list[str]) -> dict[str, CommitMeta]:
    git_dir = MIRRORS / repo.replace("/", "+") / "repo"
    fmt = "--format=%x1e%H%x1f%aN%x1f%aE%x1f%at%x1f%B"
    out = subprocess.run(["git", "--git-dir", str(git_dir), "log", "--no-walk=unsorted", fmt, *shas],
                         capture_output=True, check=True).stdout
    metas = {}
    for part in out.split(b"\x1e")[1:]:
        sha, name, email, at, body = part.decode("utf-8", "replace").split("\x1f", 4)
        metas[sha] = CommitMeta(sha, name, email, int(at or 0), body.strip())
    return metas


def main() -> int:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misses, alarms = [], []
    for path in sorted(DATA.glob("*.json")):
        doc = json.loads(path.read_text())
        rows = doc["commits"]
        metas = {}
        for i in range(0, len(rows), 200):
            metas.update(metadata(doc["repo"], [r["sha"] for r in rows[i:i + 200]]))
        for r in rows:
            meta = metas[r["sha"]]
            ev = explicit_evidence(Change(id=r["sha"], files=[], commits=[meta]))
            key = ("tp" if r["label"] else "fp") if ev.explicit else ("fn" if r["label"] else "tn")
            for group in (doc["split"], "pooled", f"{doc['repo']}"):
                counts[group][key] += 1
            if key == "fn":
                subject = meta.message.splitlines()[0][:70] if meta.message else ""
                misses.append((doc["repo"], r["sha"][:12], r["rule"], meta.author_name, subject))
            elif key == "fp":
                alarms.append((doc["repo"], r["sha"][:12], ev.evidence[:2]))
    print(f"{'group':40s} {'AI':>5s} {'human':>6s} {'precision':>9s} {'recall':>7s}")
    for group in ["dev", "heldout", "pooled"] + sorted(k for k in counts if "/" in k):
        c = counts[group]
        tp, fp, fn, tn = c["tp"], c["fp"], c["fn"], c["tn"]
        prec = tp / (tp + fp) if tp + fp else float("nan")
        rec = tp / (tp + fn) if tp + fn else float("nan")
        print(f"{group:40s} {tp + fn:5d} {fp + tn:6d} {prec:9.4f} {rec:7.4f}")
    print(f"\nmissed AI commits ({len(misses)}):")
    for m in misses:
        print("  ", *m)
    print(f"false alarms ({len(alarms)}):")
    for a in alarms:
        print("  ", *a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
