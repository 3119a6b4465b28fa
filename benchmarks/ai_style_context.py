"""Does normalising against the repository's own code make the style score generalise? (Measured: no.)

Idea (issue 15): each repository has its own house style, so global weights point the wrong way on
some repositories. The pre-image of the touched files is mostly human code in that same style; the
added code's statistics *relative to* the same statistics of the pre-image would remove the offset.

For every commit of ``benchmarks/data/ai_authorship/*.json`` this builds the Change a
``score --commit`` would see for the code: the diff alone (no message, author, branch or
description), AI-marker comment lines dropped, and images serving the parent's and the commit's
blobs (``sources.BlobImages``, the product's class); it keeps ``authorship.style_lines`` (the added
code) and ``style_reference`` (the pre-image of the touched code files, capped). Then, leave one
repository out (changes with >= ``--min-lines`` added code lines), ROC-AUC per repository and pooled
for logistic regression and LightGBM over the raw statistics, the relative ones, and both.

Measured on the 26-repository set (1,777 changes of >= 20 added code lines, 706 AI-marked, 1,667
with a pre-image), pooled / mean per repository / minimum per repository (repositories with >= 10
AI-marked changes): logistic raw 0.609 / 0.636 / 0.41, raw+relative 0.583 / 0.608 / 0.38, relative
only 0.551 / 0.566 / 0.37; LightGBM raw 0.590 / 0.615 / 0.50, raw+relative 0.577 / 0.587 / 0.45,
relative only 0.553 / 0.567 / 0.44. Relative features do not help (the per-repository offset is not
what limits the score), so the product does not read the pre-image for style.

The cache (default /tmp/mergeguard-ai-style-ctx.pkl.gz) holds code of the fetched repositories: never
committed.

    python benchmarks/ai_style_context.py            # fill the cache (resumable) and print the figures
"""

from __future__ import annotations

import argparse
import gzip
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np
from ai_style import style_lines_without_markers  # the sibling benchmark: run as a script, its folder is on sys.path
from ai_style_set import weights
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from mergeguard.change import Change, Limits, parse_diff
from mergeguard.features import authorship
from mergeguard.git import GitRepo
from mergeguard.sources import BlobImages

DATA = Path(__file__).resolve().parent / "data" / "ai_authorship"
MIRRORS = Path("/work/.mirror")
MAX_LINES = 2000
REFERENCE_FILE_LINES = 1500
REFERENCE_LINES = 6000

#: statistics compared with the pre-image
RELATIVE = (
    "comment_ratio", "doc_ratio", "ident_len", "blank_ratio", "line_len_cv", "line_len_mean", "type_hint_ratio",
    "broad_except", "comment_words", "comment_capitalised", "comment_period", "comment_narration",
    "comment_examples", "fancy_punct", "imperative_comments", "log_ratio", "indent_depth",
)
RAW_NAMES = tuple(authorship.STYLE_FEATURES)
REL_NAMES = tuple(f"rel_{k}" for k in RELATIVE)


def style_reference(change: Change) -> list[tuple[str, list[str]]]:
    """(language, pre-image lines) of the touched code files that ``style_lines`` reads, capped per
    file and in all. New files have no pre-image."""
    out: list[tuple[str, list[str]]] = []
    budget = REFERENCE_LINES
    for f in change.files:
        lang = authorship.paths.language(f.path)
        if budget <= 0 or lang is None or f.binary or f.status == "added" or authorship.paths.is_generated(f.path) \
                or authorship.paths.is_doc(f.path) or not any(h.added for h in f.hunks):
            continue
        text = change.image(f.path, "pre")
        if not text:
            continue
        lines = [t.expandtabs(4) for t in text.splitlines()[: min(REFERENCE_FILE_LINES, budget)]]
        budget -= len(lines)
        out.append((lang, lines))
    return out


def style_vector(added: list[tuple[str, list[str]]], reference: list[tuple[str, list[str]]]) -> tuple[dict[str, float | None], int]:
    """Raw statistics (transformed as the product does), their differences from the pre-image's
    (when the pre-image has >= 20 code lines), and the number of non-blank added code lines."""
    stats, n = authorship.statistics_of(added)
    ref, m = authorship.statistics_of(reference) if reference else ({}, 0)
    out: dict[str, float | None] = {k: None if (v := stats.get(k)) is None else authorship._transform(k, v) for k in RAW_NAMES}
    for k in RELATIVE:
        a, b = stats.get(k), ref.get(k) if m >= 20 else None
        out[f"rel_{k}"] = None if a is None or b is None else authorship._transform(k, a) - authorship._transform(k, b)
    return out, n


def change_of(repo: GitRepo, sha: str) -> Change | None:
    """The commit's change as the style score reads it: code only, markers out, the commit's blobs as images."""
    try:
        raw = repo.run("show", "--format=", "--no-color", "--no-ext-diff", "-M", "--first-parent", sha)
        parents = repo.run("rev-list", "--parents", "-n", "1", sha).decode().split()[1:]
        files, _ = parse_diff(raw.decode("utf-8", "replace"), Limits(max_file_lines=MAX_LINES))
    except Exception:  # noqa: BLE001 - a diff we cannot read is left out (and counted)
        return None
    style_lines_without_markers(sha, files, MAX_LINES)  # drops the marker lines from the hunks in place
    change = Change(id=sha, files=files, base=parents[0] if parents else None, head=sha)
    change.images = BlobImages(repo, change.base, sha, {f.path: f.old_path for f in files if f.old_path})
    return change


def read(repo_name: str, shas: list[str]) -> dict[str, dict | None]:
    repo = GitRepo(MIRRORS / repo_name.replace("/", "+") / "repo")
    out: dict[str, dict | None] = {}
    for sha in shas:
        change = change_of(repo, sha)
        out[sha] = None if change is None else {
            "lines": [(lang, ls[:MAX_LINES]) for lang, ls in authorship.style_lines(change)],
            "ref": style_reference(change)}
    return out


def fill(cache_path: Path) -> dict[str, dict | None]:
    cache: dict[str, dict | None] = {}
    if cache_path.exists():
        with gzip.open(cache_path, "rb") as fh:
            cache = pickle.load(fh)
    for path in sorted(DATA.glob("*.json")):
        doc = json.loads(path.read_text())
        todo = [c["sha"] for c in doc["commits"] if c["sha"] not in cache]
        if todo:
            t = time.time()
            cache.update(read(doc["repo"], todo))
            with gzip.open(cache_path, "wb", compresslevel=3) as fh:
                pickle.dump(cache, fh)
            print(f"  {doc['repo']}: {len(todo)} commits in {time.time() - t:.0f}s", file=sys.stderr)
    return cache


def _x(rows: list[dict], cols: tuple[str, ...]) -> np.ndarray:
    return np.array([[np.nan if r["vec"][k] is None else r["vec"][k] for k in cols] for r in rows], dtype=float)


def loro(rows: list[dict], kind: str, cols: tuple[str, ...], min_positives: int) -> str:
    import lightgbm as lgb

    per_repo, pooled = {}, []
    for repo in sorted({r["repo"] for r in rows}):
        test = [r for r in rows if r["repo"] == repo]
        train = [r for r in rows if r["repo"] != repo]
        y, yt = np.array([r["label"] for r in train]), [r["label"] for r in test]
        xs, xt = _x(train, cols), _x(test, cols)
        if kind == "logistic":
            mean, std = np.nanmean(xs, 0), np.nanstd(xs, 0)
            std[~np.isfinite(std) | (std == 0)] = 1.0
            mean[~np.isfinite(mean)] = 0.0
            a, b = (np.clip(np.nan_to_num((x - mean) / std), -5, 5) for x in (xs, xt))
            s = LogisticRegression(C=0.3, max_iter=3000).fit(a, y, sample_weight=weights(train)).decision_function(b)
        else:
            model = lgb.LGBMClassifier(n_estimators=200, learning_rate=0.03, num_leaves=7, min_child_samples=20, subsample=0.8,
                                       subsample_freq=1, colsample_bytree=0.7, reg_lambda=1.0, verbose=-1, n_jobs=1, random_state=7)
            s = model.fit(xs, y, sample_weight=weights(train)).predict_proba(xt)[:, 1]
        if sum(yt) >= min_positives and sum(yt) < len(yt):
            per_repo[repo] = roc_auc_score(yt, s)
        pooled += list(zip(yt, s, strict=True))
    below = ", ".join(f"{k.split('/')[1]} {v:.2f}" for k, v in sorted(per_repo.items()) if v < 0.6)
    return (f"{kind:9s} {len(cols):2d} inputs: pooled {roc_auc_score([p[0] for p in pooled], [p[1] for p in pooled]):.3f}"
            f"  mean {np.mean(list(per_repo.values())):.3f}  min {min(per_repo.values()):.3f}  below 0.6: {below or '-'}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default="/tmp/mergeguard-ai-style-ctx.pkl.gz")
    ap.add_argument("--min-lines", type=int, default=20)
    ap.add_argument("--min-positives", type=int, default=10)
    args = ap.parse_args()
    cache = fill(Path(args.cache))
    rows = []
    for path in sorted(DATA.glob("*.json")):
        doc = json.loads(path.read_text())
        for c in doc["commits"]:
            if cache.get(c["sha"]):
                vec, n = style_vector(cache[c["sha"]]["lines"], cache[c["sha"]]["ref"])
                if n >= args.min_lines:
                    rows.append({"repo": doc["repo"], "label": c["label"], "vec": vec, "ref": bool(cache[c["sha"]]["ref"])})
    print(f"{len(rows)} changes ({sum(r['label'] for r in rows)} AI-marked, {sum(r['ref'] for r in rows)} with a pre-image), "
          f">= {args.min_lines} added code lines, leave one repository out")
    for kind in ("logistic", "lightgbm"):
        for name, cols in (("raw", RAW_NAMES), ("raw+relative", RAW_NAMES + REL_NAMES), ("relative", REL_NAMES)):
            print(f"{name:13s}", loro(rows, kind, cols, args.min_positives), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
