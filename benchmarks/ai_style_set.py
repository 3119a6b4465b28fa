"""The style-only AI score on the labelled set, leave one repository out.

Reads ``benchmarks/data/ai_authorship/*.json`` (ids and labels; see ``benchmarks/ai_labels.py``),
rebuilds each commit's change from its diff alone (no message, author, branch or description; added
lines carrying an "AI wrote this" comment dropped), and measures ROC-AUC per repository and pooled,
each scorer fitted on the other repositories only (the held-out repository never seen), for:

- ``shipped``: the coefficients in ``features/ai_style_model.py`` (the shipped style score; in-sample
  for the repositories it was fitted on);
- ``refit``: the shipped scorer's exact form (``ai_style.fit``: standardised statistics shrunk by
  n / (n + K), each repository and class weighted equally; scored by ``authorship.score_statistics``,
  the product's function) fitted on the other repositories. ``--write-model`` fits this on every
  repository and its Platt calibration on the pooled held-out scores;
- ``stats``: the same style statistics, refitted on the set (logistic, each repository and class
  weighted equally);
- ``stats-lang``: the same, each statistic standardised within the change's main language;
- ``stats+ngrams``: the statistics plus hashed token uni- and bigrams of the added code (identifiers
  normalised to their shape, so no repository's names are learnt), logistic.

Per size bucket of added non-blank code lines, the pooled AUC, to set the abstention bound.

The added lines are cached in ``--cache`` (default /tmp/mergeguard-ai-style-set.json, never committed).

``--set original`` limits everything to the 26 repositories of rounds 1-2; ``--train agents`` (the
default, the shipped model's choice) fits on human changes and agent-written AI ones only (evidence
families ``agent-author``, ``agent-session``, ``reviewed``), evaluating on every label.

    python benchmarks/ai_style_set.py                 # figures
    python benchmarks/ai_style_set.py --write-model   # refit the shipped scorer on every repository, recalibrate
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from ai_style import fit as fit_product_model  # the sibling benchmark: run as a script, its folder is on sys.path
from ai_style import matrix as stats_matrix
from ai_style import style_lines_without_markers, write_model
from ai_labels import ORIGINAL

from mergeguard.change import Limits, parse_diff
from mergeguard.features import authorship

DATA = Path(__file__).resolve().parent / "data" / "ai_authorship"
MIRRORS = Path("/work/.mirror")
MAX_LINES = 2000
#: evidence families of agent-written changes (``ai_labels.family``); ``suggestion`` is the other one
AGENT_FAMILIES = frozenset({"agent-author", "agent-session", "reviewed"})


def added_code(repo: str, sha: str) -> list[tuple[str, list[str]]] | None:
    git_dir = MIRRORS / repo.replace("/", "+") / "repo"
    try:
        raw = subprocess.run(["git", "--git-dir", str(git_dir), "show", "--format=", "--no-color", "--no-ext-diff",
                              "-M", "--first-parent", sha], capture_output=True, check=True, timeout=60).stdout
        files, _ = parse_diff(raw.decode("utf-8", "replace"), Limits(max_file_lines=MAX_LINES))
    except Exception:  # noqa: BLE001 - a diff we cannot read is left out (and counted)
        return None
    return style_lines_without_markers(sha, files, MAX_LINES)


def load(cache_path: Path) -> list[dict]:
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    rows = []
    dirty = False
    for path in sorted(DATA.glob("*.json")):
        doc = json.loads(path.read_text())
        for c in doc["commits"]:
            key = c["sha"]
            if key not in cache:
                cache[key] = added_code(doc["repo"], c["sha"])
                dirty = True
            if cache[key] is None:
                continue
            rows.append({"repo": doc["repo"], "language": doc["language"], "split": doc["split"], "sha": c["sha"],
                         "label": c["label"], "period": c["period"], "family": c.get("family", "human"),
                         "original": doc["repo"] in ORIGINAL, "lines": cache[key]})
        if dirty:
            cache_path.write_text(json.dumps(cache))
            dirty = False
            print(f"  read {doc['repo']}", file=sys.stderr)
    return rows


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+|\S")


def _shape(tok: str) -> str:
    """A token's shape: keywords and punctuation as they are, identifiers by case style and length."""
    if not tok[:1].isalpha() and tok[:1] != "_":
        return "0" if tok[:1].isdigit() else tok
    if tok.lower() in authorship._KEYWORDS:
        return tok
    style = ("S" if "_" in tok.strip("_") else "C" if any(ch.isupper() for ch in tok[1:]) else "l")
    style += "U" if tok[:1].isupper() else ""
    return f"<{style}{min(len(tok) // 4, 5)}>"


def code_text(row: dict) -> str:
    """The added code as a stream of token shapes and comment words (lowercased)."""
    out = []
    for lang, lines in row["lines"]:
        for raw in lines:
            s = raw.strip()
            if not s:
                out.append("<blank>")
                continue
            c = authorship._comment(raw, lang)
            if c is not None:
                out.append("<comment> " + " ".join(w.lower() for w in re.findall(r"[A-Za-z']+|[^\sA-Za-z]", c)[:40]))
                continue
            out.append(" ".join(_shape(t) for t in _WORD.findall(s)[:80]) + " <eol>")
    return "\n".join(out)


def weights(rows: list[dict]) -> np.ndarray:
    """Each repository and, within it, each class weigh the same."""
    w = np.ones(len(rows))
    groups: dict[tuple[str, int], list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault((r["repo"], r["label"]), []).append(i)
    for idx in groups.values():
        w[idx] = 1.0 / len(idx)
    return w * len(rows) / w.sum()


SHRINK_LINES = 50.0
REFIT_C = 0.3

HASHER = HashingVectorizer(n_features=2 ** 16, ngram_range=(1, 2), token_pattern=r"\S+", lowercase=False,
                           alternate_sign=False, norm="l2")


def fit_predict(kind: str, train: list[dict], test: list[dict], c: float) -> np.ndarray:
    if kind == "refit":  # the product's form and scoring function
        model = fit_product_model(train, SHRINK_LINES, REFIT_C)
        return np.array([authorship.score_statistics(r["stats"], r["n"], model) for r in test])
    y = np.array([r["label"] for r in train])
    xs, mean, std = stats_matrix(train)
    xt, _, _ = stats_matrix(test, mean, std)
    if kind == "stats":
        lr = LogisticRegression(C=c, max_iter=3000).fit(xs, y, sample_weight=weights(train))
        return lr.decision_function(xt)
    if kind == "stats-lang":  # each statistic standardised within the change's main language
        xs, xt = xs.copy(), xt.copy()
        for lang in {r["main"] for r in train} | {r["main"] for r in test}:
            i_s = [i for i, r in enumerate(train) if r["main"] == lang]
            i_t = [i for i, r in enumerate(test) if r["main"] == lang]
            if len(i_s) < 30:
                continue
            _, m, sd = stats_matrix([train[i] for i in i_s])
            xs[i_s] = stats_matrix([train[i] for i in i_s], m, sd)[0]
            if i_t:
                xt[i_t] = stats_matrix([test[i] for i in i_t], m, sd)[0]
        lr = LogisticRegression(C=c, max_iter=3000).fit(xs, y, sample_weight=weights(train))
        return lr.decision_function(xt)
    from scipy.sparse import csr_matrix, hstack

    hs = HASHER.transform([r["text"] for r in train])
    ht = HASHER.transform([r["text"] for r in test])
    a = hstack([hs, csr_matrix(xs * 0.3)]).tocsr()
    b = hstack([ht, csr_matrix(xt * 0.3)]).tocsr()
    lr = LogisticRegression(C=c, max_iter=3000).fit(a, y, sample_weight=weights(train))
    return lr.decision_function(b)


def shipped_scores(rows: list[dict]) -> np.ndarray:
    from mergeguard.features.ai_style_model import MODEL

    return np.array([authorship.score_statistics(r["stats"], r["n"], MODEL) for r in rows])


def auc(y, s) -> float | None:
    return float(roc_auc_score(y, s)) if 0 < sum(y) < len(y) else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default="/tmp/mergeguard-ai-style-set.json")
    ap.add_argument("--min-lines", type=int, default=20)
    ap.add_argument("--min-positives", type=int, default=10)
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--kinds", default="shipped,refit,stats,stats+ngrams")
    ap.add_argument("--split", default="all", help="dev, heldout or all")
    ap.add_argument("--train", default="agents", choices=("all", "agents"),
                    help="fit on every AI label, or on the agent-written ones only (evaluation always on every label)")
    ap.add_argument("--set", default="extended", choices=("original", "extended"),
                    help="the original 26 repositories (rounds 1-2) or every repository of ai_labels.REPOS")
    ap.add_argument("--write-model", action="store_true",
                    help="fit the refit scorer on every repository (>= --min-lines), write it to features/ai_style_model.py "
                         "with the Platt calibration of its pooled held-out (leave-one-repository-out) scores")
    ap.add_argument("--write-calibration", action="store_true",
                    help="fit the Platt calibration of the shipped score on the pooled scores and write it with --min-lines")
    args = ap.parse_args()
    t0 = time.time()
    rows = load(Path(args.cache))
    for r in rows:
        r["stats"], r["n"] = authorship.statistics_of([(lang, lines) for lang, lines in r["lines"]])
        r["text"] = code_text(r) if "stats+ngrams" in args.kinds else ""
        sizes: dict[str, int] = {}
        for lang, lines in r["lines"]:
            sizes[lang] = sizes.get(lang, 0) + len(lines)
        r["main"] = max(sizes, key=sizes.get) if sizes else "none"
    everything = [r for r in rows if r["n"] > 0 and (args.set == "extended" or r["original"])]
    rows = [r for r in everything if r["n"] >= args.min_lines and (args.split == "all" or r["split"] == args.split)]
    repos = sorted({r["repo"] for r in rows})
    # what the scorers are fitted on: every label, or (``--train agents``) the human changes and the
    # agent-written AI ones, leaving out changes whose only evidence is a review-suggestion trailer
    trainable = [r for r in everything if r["n"] >= args.min_lines
                 and (args.train == "all" or r["label"] == 0 or r["family"] in AGENT_FAMILIES)]
    kinds = args.kinds.split(",")
    pooled: dict[str, list] = {k: [] for k in kinds}
    table = {}
    for repo in repos:
        test = [r for r in rows if r["repo"] == repo]
        train = [r for r in trainable if r["repo"] != repo]
        y = [r["label"] for r in test]
        table[repo] = {"ai": sum(y), "human": len(y) - sum(y)}
        for k in kinds:
            s = shipped_scores(test) if k == "shipped" else fit_predict(k, train, test, args.C)
            # pooled over repositories: each held-out score turned into its rank within the repository,
            # so a repository's offset does not count (the per-repository AUCs are the primary figure)
            ranks = (np.argsort(np.argsort(s)) + 0.5) / len(s)
            pooled[k].extend(zip(y, ranks, s, [r["n"] for r in test], [r["language"] for r in test], strict=True))
            table[repo][k] = auc(y, s)
    print(f"style-only AI score, leave one repository out, >= {args.min_lines} added code lines, split={args.split}")
    print(f"{'repository':38s} {'AI':>4s} {'hum':>4s} " + " ".join(f"{k:>13s}" for k in kinds))
    for repo in repos:
        t = table[repo]
        flag = "" if t["ai"] >= args.min_positives else "  (few AI)"
        print(f"{repo:38s} {t['ai']:4d} {t['human']:4d} " + " ".join(f"{_f(t[k]):>13s}" for k in kinds) + flag)
    for k in kinds:
        good = [table[r][k] for r in repos if table[r][k] is not None and table[r]["ai"] >= args.min_positives]
        y = [p[0] for p in pooled[k]]
        print(f"{k:14s} pooled(rank) {_f(auc(y, [p[1] for p in pooled[k]]))}  pooled(raw) {_f(auc(y, [p[2] for p in pooled[k]]))}"
              f"  mean-per-repo {_f(float(np.mean(good)) if good else None)}  min-per-repo {_f(min(good) if good else None)}"
              f"  repos>=0.6 {sum(g >= 0.6 for g in good)}/{len(good)}")
    for k in kinds:  # by size: where does the signal start?
        parts = []
        for lo, hi in ((1, 5), (5, 10), (10, 20), (20, 50), (50, 200), (200, 10 ** 9)):
            sub = [p for p in pooled[k] if lo <= p[3] < hi]
            parts.append(f"[{lo},{hi if hi < 10 ** 9 else 'inf'}) n={len(sub)} auc={_f(auc([p[0] for p in sub], [p[1] for p in sub]))}")
        print(f"{k:14s} by added lines: " + "; ".join(parts))
    for k in kinds:  # by the repository's main language (held-out scores ranked within their repository)
        parts = []
        for lang in sorted({p[4] for p in pooled[k]}):
            sub = [p for p in pooled[k] if p[4] == lang]
            parts.append(f"{lang} n={len(sub)} auc={_f(auc([p[0] for p in sub], [p[1] for p in sub]))}")
        print(f"{k:14s} by language: " + "; ".join(parts))
    if args.write_model:
        if "refit" not in kinds:
            print("--write-model needs the refit kind", file=sys.stderr)
            return 2
        note = " (agent-written: agent-author and agent-session labels)" if args.train == "agents" else ""
        write_model(fit_product_model(trainable, SHRINK_LINES, REFIT_C), trainable, note)
        y = [int(p[0]) for p in pooled["refit"]]
        a, b = authorship.fit_calibration([float(p[2]) for p in pooled["refit"]], y)
        write_calibration(a, b, args.min_lines, len(y), sum(y), held_out=True)
        print(f"wrote the refit model; calibration a={a:.4f} b={b:.4f} on {len(y)} held-out scores ({sum(y)} AI-marked)")
    elif args.write_calibration:
        y = [int(p[0]) for p in pooled["shipped"]]
        a, b = authorship.fit_calibration([float(p[2]) for p in pooled["shipped"]], y)
        write_calibration(a, b, args.min_lines, len(y), sum(y))
        print(f"calibration a={a:.4f} b={b:.4f} on {len(y)} changes ({sum(y)} AI-marked), min lines {args.min_lines}")
    print(f"({time.time() - t0:.0f}s)")
    return 0


MODEL_PATH = Path(__file__).resolve().parent.parent / "features" / "ai_style_model.py"
_CAL = re.compile(r"\n# -- calibration \(benchmarks/ai_style_set\.py[^)\n]*\).*", re.S)


def write_calibration(a: float, b: float, min_lines: int, n: int, pos: int, held_out: bool = False) -> None:
    """Replace the calibration block at the end of features/ai_style_model.py."""
    text = _CAL.sub("", MODEL_PATH.read_text()).rstrip("\n") + "\n"
    scores = "held-out (leave-one-repository-out) scores of" if held_out else "scores of"
    text += (f"\n# -- calibration (benchmarks/ai_style_set.py): Platt scaling of the score above, fitted on the\n"
             f"# {scores} {n} changes ({pos} AI-marked) of the labelled set with >= {min_lines} added code lines\n"
             f"CALIBRATION = ({a:.6f}, {b:.6f})\n"
             f"#: fewer non-blank added code lines than this: no style estimate (no signal below it, measured)\n"
             f"MIN_LINES = {min_lines}\n")
    MODEL_PATH.write_text(text)


def _f(x) -> str:
    return "-" if x is None else f"{x:.3f}"


if __name__ == "__main__":
    sys.exit(main())
