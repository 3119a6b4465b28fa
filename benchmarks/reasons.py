"""How often one reason headlines: the distribution of the top reason over real commits.

A reason true of nearly every change ("changes 1 source file", "touches 1 component") teaches a
reviewer to skip the reasons. For the newest ``--commits`` non-merge commits of each repository
(each scored against its first parent with the history before it, the batch path of ``score
--commits``), this prints the headline every surface shows (``mergeguard.render.headline``: the
strongest notable reason raising the risk, else the most severe finding, else "nothing sets this
change apart"), over the commits that change code (``code_files`` > 0):

* the most frequent headline texts with their share (target: none above 25%);
* the most frequent headline features (a feature may headline often with different numbers);
* checks of the wording rules over *every* reason shown: "more than" next to a downward arrow, or a
  comparison "fewer than" next to an upward arrow for a feature where more is riskier, and a low
  AI-style score flagged notable while raising the risk (target: 0 each).

    python benchmarks/reasons.py /work/.mirror/urllib3+urllib3/repo /work/.mirror/axios+axios/repo ...
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

from mergeguard.change import Limits
from mergeguard.git import GitRepo
from mergeguard.models import explain
from mergeguard.models.model import load
from mergeguard.pipeline import score_commits
from mergeguard.render import contribution, headline


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repos", nargs="+")
    ap.add_argument("--commits", type=int, default=150, help="newest non-merge commits per repository")
    ap.add_argument("--model", default=None)
    ap.add_argument("--show", type=int, default=12, help="headline texts to list")
    args = ap.parse_args(argv)
    model = load(args.model)
    texts: collections.Counter[str] = collections.Counter()
    features: collections.Counter[str] = collections.Counter()
    per_repo: dict[str, tuple[int, float]] = {}
    violations: collections.Counter[str] = collections.Counter()
    n = 0
    for path in args.repos:
        repo = GitRepo(path)
        name = Path(path).resolve().parent.name if Path(path).name == "repo" else Path(path).name
        shas = repo.run("rev-list", "--no-merges", f"--max-count={args.commits}", "HEAD").decode().split()
        found = score_commits(repo, shas, model, Limits(), top_reasons=5)
        local: collections.Counter[str] = collections.Counter()
        for a in found.values():
            if not (a.features.get("code_files") or 0) > 0:
                continue
            n += 1
            h = headline(a)
            texts[h] += 1
            local[h] += 1
            top = next((r for r in a.reasons if r.notable and contribution(r) > 0), None)
            features[top.feature if top else "(a finding, a reason lowering the risk, or nothing)"] += 1
            for r in a.reasons:
                c, text, f = contribution(r), r.text, r.feature
                direction = explain._DIRECTION.get(f, 0)
                if "more than" in text and c * direction < 0:
                    violations["'more than' against the arrow"] += 1
                if "fewer than" in text and c * direction > 0:
                    violations["'fewer than' against the arrow"] += 1
                if f == "ai_style_score" and r.notable and c > 0 and (r.value or 0) < 0.5:
                    violations["low AI-style score shown as raising risk"] += 1
        m = sum(local.values())
        per_repo[name] = (m, 100 * local.most_common(1)[0][1] / m if m else 0.0)
        print(f"{name:32} commits with code {m:4}; most frequent headline {per_repo[name][1]:5.1f}%: "
              f"{local.most_common(1)[0][0] if m else '-'}", flush=True)
    print(f"\n{n} commits with code over {len(args.repos)} repositories")
    print("most frequent headline texts (target: none above 25%):")
    for text, k in texts.most_common(args.show):
        print(f"  {100 * k / n:5.1f}%  {k:5}  {text[:110]}")
    print("headline features:")
    for f, k in features.most_common(args.show):
        print(f"  {100 * k / n:5.1f}%  {k:5}  {f}")
    print("wording checks over every reason shown (target: 0 each): "
          + (", ".join(f"{k}: {v}" for k, v in violations.items()) if violations else "0 violations"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
