"""Round 3 of the style score (issue 15): more repositories, and the score per evidence family.

Two questions, both leave one repository out (each scorer fitted on the other repositories only):

1. **More data.** Does training on the extended set (the original 26 repositories plus the round-3
   ones, ``ai_labels.REPOS``) generalise better than training on the original 26? Reported on the
   original 26 (comparable with earlier rounds) and on the extended set.
2. **Label purity.** Each AI label has an evidence family (``ai_labels.family``): ``agent-author``
   (the agent is the commit's author), ``agent-session`` (a tool footer or an agent co-author
   trailer: Claude Code, Cursor, Codex...), ``suggestion`` (only Copilot / Gemini Code Assist /
   CodeRabbit co-author trailers, mostly applied review suggestions) and ``reviewed``. The held-out
   scores are ranked within their repository and the AUC of each family against the same
   repositories' human changes is pooled. ``--train agents`` fits on agent-written labels only
   (``agent-author``, ``agent-session``, ``reviewed``) and still evaluates on all labels.

Scorers: ``refit`` (the product's form: ``ai_style.fit`` and ``authorship.score_statistics``),
``lgbm`` (LightGBM over the same statistics, each repository and class weighted equally).

Reads the added lines from ``ai_style_set.load`` (cache in /tmp, never committed).

    python benchmarks/ai_style_families.py                       # the tables of the README / docs
    python benchmarks/ai_style_families.py --scorers refit --train agents
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from ai_style import fit as fit_product_model  # the sibling benchmarks: run as a script, its folder is on sys.path
from ai_style import matrix as stats_matrix
from ai_style_set import AGENT_FAMILIES, REFIT_C, SHRINK_LINES, load, weights
from sklearn.metrics import roc_auc_score

from mergeguard.features import authorship

FAMILIES = ("agent-author", "agent-session", "suggestion", "reviewed")
SIZES = ((20, 50), (50, 200), (200, 10 ** 9))


def fit_predict(kind: str, train: list[dict], test: list[dict]) -> np.ndarray:
    if kind == "refit":
        model = fit_product_model(train, SHRINK_LINES, REFIT_C)
        return np.array([authorship.score_statistics(r["stats"], r["n"], model) for r in test])
    if kind == "lgbm":
        import lightgbm as lgb

        xs, mean, std = stats_matrix(train)
        xt, _, _ = stats_matrix(test, mean, std)
        clf = lgb.LGBMClassifier(n_estimators=200, learning_rate=0.03, num_leaves=7, min_child_samples=40,
                                 subsample=0.8, subsample_freq=1, colsample_bytree=0.8, reg_lambda=5.0,
                                 verbose=-1, n_jobs=1, random_state=15)
        clf.fit(xs, [r["label"] for r in train], sample_weight=weights(train))
        return clf.predict_proba(xt)[:, 1]
    raise ValueError(kind)


def auc(y, s) -> float | None:
    return float(roc_auc_score(y, s)) if 0 < sum(y) < len(y) else None


def loro(kind: str, rows: list[dict], eval_repos: list[str], train_pool: list[dict], train: str) -> dict:
    """Held-out scores of every change of ``eval_repos``: {repo: [(row, score, rank)]}."""
    out = {}
    for repo in eval_repos:
        test = [r for r in rows if r["repo"] == repo]
        fit_on = [r for r in train_pool if r["repo"] != repo
                  and (train == "all" or r["label"] == 0 or r["family"] in AGENT_FAMILIES)]
        s = fit_predict(kind, fit_on, test)
        ranks = (np.argsort(np.argsort(s)) + 0.5) / len(s)
        out[repo] = list(zip(test, s, ranks, strict=True))
    return out


def report(name: str, held: dict, min_positives: int) -> dict:
    per_repo = {}
    for repo, triples in held.items():
        y = [t[0]["label"] for t in triples]
        per_repo[repo] = (sum(y), len(y) - sum(y), auc(y, [t[1] for t in triples]))
    good = {k: v[2] for k, v in per_repo.items() if v[2] is not None and v[0] >= min_positives}
    flat = [t for triples in held.values() for t in triples]
    pooled = auc([t[0]["label"] for t in flat], [t[2] for t in flat])
    pooled_raw = auc([t[0]["label"] for t in flat], [t[1] for t in flat])
    fam = {}
    for f in FAMILIES:
        sub = [t for t in flat if t[0]["label"] == 0 or t[0]["family"] == f]
        fam[f] = (sum(t[0]["label"] for t in sub), auc([t[0]["label"] for t in sub], [t[2] for t in sub]))
    size = {}
    for lo, hi in SIZES:
        sub = [t for t in flat if lo <= t[0]["n"] < hi]
        size[(lo, hi)] = (len(sub), auc([t[0]["label"] for t in sub], [t[2] for t in sub]))
    below = sorted((a, r) for r, a in good.items() if a < 0.6)
    print(f"{name}: pooled(raw) {_f(pooled_raw)}  pooled(rank) {_f(pooled)}  mean-per-repo {_f(float(np.mean(list(good.values()))))}"
          f"  min {_f(min(good.values()))}  repos>=0.6 {sum(a >= 0.6 for a in good.values())}/{len(good)}")
    print("   by family (AI of that family vs all human changes, ranks within repository): "
          + "; ".join(f"{f} n={n} {_f(a)}" for f, (n, a) in fam.items()))
    print("   by size: " + "; ".join(f"[{lo},{hi if hi < 10 ** 9 else 'inf'}) n={n} {_f(a)}" for (lo, hi), (n, a) in size.items()))
    print("   below 0.6: " + ", ".join(f"{r} {a:.3f}" for a, r in below))
    return {"pooled": pooled, "pooled_raw": pooled_raw, "per_repo": per_repo}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default="/tmp/mergeguard-ai-style-set.json")
    ap.add_argument("--min-lines", type=int, default=20)
    ap.add_argument("--min-positives", type=int, default=10)
    ap.add_argument("--scorers", default="refit,lgbm")
    ap.add_argument("--train", default="all,agents", help="all, agents, or both (comma-separated)")
    ap.add_argument("--per-repo", action="store_true", help="print every repository's held-out AUC")
    args = ap.parse_args()
    t0 = time.time()
    rows = load(Path(args.cache))
    for r in rows:
        r["stats"], r["n"] = authorship.statistics_of([(lang, lines) for lang, lines in r["lines"]])
    rows = [r for r in rows if r["n"] >= args.min_lines]
    original = [r for r in rows if r["original"]]
    repos_orig = sorted({r["repo"] for r in original})
    repos_all = sorted({r["repo"] for r in rows})
    n_ai = sum(r["label"] for r in rows)
    print(f"changes >= {args.min_lines} added code lines: {len(rows)} ({n_ai} AI-marked) from {len(repos_all)} repositories; "
          f"original set {len(original)} ({sum(r['label'] for r in original)} AI-marked) from {len(repos_orig)}")
    for f in FAMILIES:
        print(f"  family {f}: {sum(r['label'] and r['family'] == f for r in rows)} "
              f"(original set {sum(r['label'] and r['family'] == f for r in original)}); median added lines "
              f"{np.median([r['n'] for r in rows if r['label'] and r['family'] == f] or [0]):.0f}")
    print(f"  human: median added lines {np.median([r['n'] for r in rows if not r['label']]):.0f}")
    tables = {}
    for kind in args.scorers.split(","):
        for train in args.train.split(","):
            for pool_name, pool in (("original", original), ("extended", rows)):
                for eval_name, eval_repos in (("original", repos_orig), ("extended", repos_all)):
                    if pool_name == "original" and eval_name == "extended":
                        continue
                    name = f"{kind:5s} train={train:6s} on {pool_name:8s} -> eval {eval_name}"
                    tables[name] = report(name, loro(kind, rows, eval_repos, pool, train), args.min_positives)
    if args.per_repo:
        names = list(tables)
        print(f"{'repository':38s} {'AI':>4s} {'hum':>4s} " + " ".join(f"{i:>6d}" for i in range(len(names))))
        for repo in repos_all:
            cells = [tables[n]["per_repo"].get(repo) for n in names]
            first = next(c for c in cells if c)
            print(f"{repo:38s} {first[0]:4d} {first[1]:4d} " + " ".join(f"{_f(c[2] if c else None):>6s}" for c in cells))
        for i, n in enumerate(names):
            print(f"  {i}: {n}")
    print(f"({time.time() - t0:.0f}s)")
    return 0


def _f(x) -> str:
    return "-" if x is None else f"{x:.3f}"


if __name__ == "__main__":
    sys.exit(main())
