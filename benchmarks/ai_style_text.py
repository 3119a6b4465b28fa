"""Does the added code's *text* add to the style statistics, now that the set has 50 repositories? (Measured: a little.)

Leave one repository out on the extended labelled set (``ai_labels.REPOS``; changes of >= 20 added
code lines, markers removed, read by ``ai_style_set.load``), L2 logistic regression, each repository
and class weighted equally, over any mix of:

- ``stats``: the style statistics (``authorship.STYLE_FEATURES``, standardised);
- ``cw``: words of the added comments (lowercased uni- and bigrams, hashed, log counts, tf-idf);
- ``iw``: identifier sub-words (camelCase and snake_case split, lowercased, hashed);
- ``shape``: token-shape uni- and bigrams (``ai_style_set.code_text``: identifiers reduced to case
  style and length, so no repository's names are learnt).

Per kind: pooled ROC-AUC (held-out scores ranked within their repository), mean and minimum per
repository (>= 10 AI-marked changes), repositories >= 0.6, and the pooled AUC per evidence family.
Hashed vocabularies exist only in memory; nothing but this script is committed.

    python benchmarks/ai_style_text.py stats cw stats+cw shape iw
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
from ai_style import matrix as stats_matrix  # the sibling benchmarks: run as a script, its folder is on sys.path
from ai_style_set import code_text, load, weights
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from mergeguard.features import authorship

_SUBWORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NGRAMS = {"cw": (1, 2), "iw": (1, 1), "shape": (1, 2)}


def comment_words(row: dict) -> str:
    out = []
    for lang, lines in row["lines"]:
        for raw in lines:
            c = authorship._comment(raw, lang)
            if c is not None:
                out += [w.lower() for w in re.findall(r"[A-Za-z']+", c)]
    return " ".join(out)


def ident_words(row: dict) -> str:
    out = []
    for lang, lines in row["lines"]:
        for raw in lines:
            if authorship._comment(raw, lang) is None:
                out += [w.lower() for tok in _IDENT.findall(raw) for w in _SUBWORD.findall(tok)]
    return " ".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kinds", nargs="+", help="'+'-joined parts: stats, cw, iw, shape")
    ap.add_argument("--cache", default="/tmp/mergeguard-ai-style-set.json")
    ap.add_argument("--min-lines", type=int, default=20)
    ap.add_argument("--C", type=float, default=0.3)
    args = ap.parse_args()
    rows = load(Path(args.cache))
    for r in rows:
        r["stats"], r["n"] = authorship.statistics_of(r["lines"])
    rows = [r for r in rows if r["n"] >= args.min_lines]
    texts = {"cw": comment_words, "iw": ident_words, "shape": code_text}
    blocks = {}
    for part, fn in texts.items():
        if any(part in k.split("+") for k in args.kinds):
            m = HashingVectorizer(n_features=2 ** 18, ngram_range=_NGRAMS[part], token_pattern=r"\S+", lowercase=False,
                                  alternate_sign=False, norm=None).transform([fn(r) for r in rows]).tocsr()
            m.data = np.log1p(m.data)
            blocks[part] = m
    repos = sorted({r["repo"] for r in rows})
    for kind in args.kinds:
        parts = kind.split("+")
        per, flat = {}, []
        for repo in repos:
            it = [i for i, r in enumerate(rows) if r["repo"] != repo]
            ie = [i for i, r in enumerate(rows) if r["repo"] == repo]
            train, test = [rows[i] for i in it], [rows[i] for i in ie]
            xs_parts, xt_parts = [], []
            if "stats" in parts:
                xs, mean, std = stats_matrix(train)
                xs_parts.append(csr_matrix(xs))
                xt_parts.append(csr_matrix(stats_matrix(test, mean, std)[0]))
            for part in ("cw", "iw", "shape"):
                if part in parts:
                    tf = TfidfTransformer().fit(blocks[part][it])
                    xs_parts.append(tf.transform(blocks[part][it]))
                    xt_parts.append(tf.transform(blocks[part][ie]))
            lr = LogisticRegression(C=args.C, max_iter=3000)
            lr.fit(hstack(xs_parts).tocsr(), [r["label"] for r in train], sample_weight=weights(train))
            s = lr.decision_function(hstack(xt_parts).tocsr())
            y = [r["label"] for r in test]
            ranks = (np.argsort(np.argsort(s)) + 0.5) / len(s)
            flat += list(zip(y, ranks, [r["family"] for r in test], strict=True))
            if 10 <= sum(y) < len(y):
                per[repo] = roc_auc_score(y, s)
        pooled = roc_auc_score([f[0] for f in flat], [f[1] for f in flat])
        fam = {}
        for f in ("agent-author", "agent-session", "suggestion"):
            sub = [x for x in flat if x[0] == 0 or x[2] == f]
            fam[f] = roc_auc_score([x[0] for x in sub], [x[1] for x in sub])
        v = list(per.values())
        print(f"{kind:20s} pooled(rank) {pooled:.3f}  mean-per-repo {np.mean(v):.3f}  min {min(v):.3f}  "
              f"repos>=0.6 {sum(a >= 0.6 for a in v)}/{len(v)}  by family "
              + " ".join(f"{k}={a:.3f}" for k, a in fam.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
