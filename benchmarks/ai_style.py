"""How well does the style-only AI score separate AI-marked commits from human ones?

For each repository (default: every mirror under /work/.mirror/*/repo):

1. Stream the history once; a non-merge commit is **AI-marked** when ``explicit_evidence`` finds a
   marker in its author, message or added code (co-author trailers, "Generated with", agent
   authors...). Automation bots (dependabot, renovate, pre-commit-ci...) are left out entirely.
2. History is every ref (`--all`: pull-request heads hold most agent commits). **Human** commits are
   the other non-bot commits of the same period: from the first AI-marked commit of that repository
   to its newest commit (a seeded sample of at most ``--max-human``).
3. Markers are removed before scoring: each change is rebuilt from its diff alone (no message,
   author, branch or description) and added lines carrying an AI marker comment are dropped. Only
   changes adding at least ``--min-lines`` non-blank code lines are kept.
4. ROC-AUC of the style score, per repository and grouped (mean over repositories with at least
   ``--min-positives`` AI-marked changes). Two figures:
   - ``loro``: leave one repository out: standardisation and the logistic model are fitted on the
     other repositories and score the held-out one. This is the honest figure.
   - ``shipped``: the coefficients in features/ai_style_model.py (fitted on all repositories: in-sample).

``--write-model`` refits on every repository and rewrites features/ai_style_model.py.
Per-commit statistics are cached in ``--cache`` (default /tmp/mergeguard-ai-style.json) so refits
do not re-read the diffs. Nothing here is committed but the script and the fitted coefficients.

    python benchmarks/ai_style.py                      # figures with the shipped coefficients and LORO
    python benchmarks/ai_style.py --write-model        # refit, rewrite the model module, print figures
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import random
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from mergeguard.change import Change, CommitMeta, Limits, parse_diff
from mergeguard.features import authorship
from mergeguard.git import CommitRecord, GitRepo

MAX_LINES_KEPT = 4000  # added lines kept per file in the cache
MODEL_PATH = Path(__file__).resolve().parent.parent / "features" / "ai_style_model.py"


# Co-author trailers these tools add when a person applies one of their review suggestions: the
# change is mostly the person's code.
REVIEW_SUGGESTION_TOOLS = {"copilot", "gemini", "coderabbit"}


def style_lines_without_markers(sha: str, files: list, max_lines: int) -> list[tuple[str, list[str]]]:
    """The added code of a change, per file, as the style score reads it: the code alone (no message,
    author or branch) and without the lines that carry an AI marker comment, at most ``max_lines`` a file.
    Shared with ai_style_set.py so both benchmarks score exactly the same text."""
    change = Change(id=sha, files=files)
    for f in change.files:
        for h in f.hunks:
            h.added = [(n, t) for n, t in h.added if not authorship.code_marker(t)]
    return [(lang, lines[:max_lines]) for lang, lines in authorship.style_lines(change)]


def collect(repo_path: str, *, max_human: int, min_lines: int, seed: int) -> list[dict]:
    repo = GitRepo(repo_path)
    name = Path(repo_path).parent.name.replace("+", "/")
    ai, human = [], []
    for rec in _commits(repo):
        meta = Change(id=rec.sha, files=[], commits=[CommitMeta.from_record(rec)])
        ev = authorship.explicit_evidence(meta)
        if ev.explicit:
            agent = any(src.startswith("author of") for src in ev.sources) or bool(set(ev.tools) - REVIEW_SUGGESTION_TOOLS)
            ai.append((rec, ev.tools + (["agent"] if agent else [])))
        elif not ev.bots:
            human.append(rec)
    if not ai:
        return []
    start = min(r.author_time for r, _ in ai)
    human = [r for r in human if r.author_time >= start]
    random.Random(seed).shuffle(human)
    rows = []
    for label, batch in ((1, ai), (0, [(r, []) for r in human])):
        kept = 0
        for rec, tools in batch:
            if label == 0 and kept >= max_human:
                break
            parent = rec.parents[0] if rec.parents else None
            t = time.time()
            try:
                files, _ = parse_diff(repo.diff(parent, rec.sha), Limits(max_file_lines=MAX_LINES_KEPT))
            except Exception:  # noqa: BLE001 - a diff we cannot read is skipped
                continue
            if time.time() - t > 5:
                print(f"    slow diff {rec.sha[:12]}: {time.time() - t:.0f}s", file=sys.stderr)
            per_file = style_lines_without_markers(rec.sha, files, MAX_LINES_KEPT)
            _, n = authorship.statistics_of(per_file)
            if n < min_lines:
                continue
            kept += 1
            rows.append({"repo": name, "sha": rec.sha, "label": label, "tools": tools, "time": rec.author_time,
                         "lines": per_file})
    return rows


def _commits(repo: GitRepo):
    """Every non-merge commit of every ref (pull-request heads hold most agent commits), metadata only.

    No numstat: some mirrors lack a few blobs, and only the messages and authors are needed here.
    """
    raw = repo.run("log", "--all", "--no-merges", "--format=%x1e%H%x1f%P%x1f%aN%x1f%aE%x1f%at%x1f%B")
    for part in raw.split(b"\x1e")[1:]:
        sha, parents, name, email, at, body = part.decode("utf-8", "replace").split("\x1f", 5)
        yield CommitRecord(sha, tuple(parents.split()), name, email.lower(), int(at or 0), int(at or 0), body.strip())


def matrix(rows: list[dict], mean: np.ndarray | None = None, std: np.ndarray | None = None):
    raw = np.array([[np.nan if v is None else v for v in authorship.vector(r["stats"])] for r in rows], dtype=float)
    if mean is None:
        mean = np.nanmean(raw, axis=0)
        std = np.nanstd(raw, axis=0)
        std[~np.isfinite(std) | (std == 0)] = 1.0
        mean[~np.isfinite(mean)] = 0.0
    x = (raw - mean) / std
    x = np.nan_to_num(x, nan=0.0)
    x = np.clip(x, -5, 5)
    return x, mean, std


def fit(rows: list[dict], shrink_lines: float, c: float) -> dict:
    x, mean, std = matrix(rows)
    n = np.array([r["n"] for r in rows], dtype=float)
    x = x * (n / (n + shrink_lines))[:, None]
    y = np.array([r["label"] for r in rows])
    # each repository weighs the same, and within it both classes weigh the same
    w = np.ones(len(rows))
    for repo in {r["repo"] for r in rows}:
        for label in (0, 1):
            idx = [i for i, r in enumerate(rows) if r["repo"] == repo and r["label"] == label]
            if idx:
                w[idx] = 1.0 / len(idx)
    lr = LogisticRegression(C=c, max_iter=2000)
    lr.fit(x, y, sample_weight=w * len(rows) / w.sum())
    names = authorship.STYLE_FEATURES
    return {
        "intercept": float(lr.intercept_[0]),
        "shrink_lines": float(shrink_lines),
        "coefficients": {k: round(float(v), 4) for k, v in zip(names, lr.coef_[0], strict=True)},
        "mean": {k: round(float(v), 6) for k, v in zip(names, mean, strict=True)},
        "std": {k: round(float(v), 6) for k, v in zip(names, std, strict=True)},
    }


def scores(rows: list[dict], model: dict) -> list[float]:
    return [authorship.score_statistics(r["stats"], r["n"], model) for r in rows]


def auc_table(rows: list[dict], predict, min_positives: int) -> tuple[dict, float | None]:
    table = {}
    for repo in sorted({r["repo"] for r in rows}):
        sub = [r for r in rows if r["repo"] == repo]
        pos = sum(r["label"] for r in sub)
        neg = len(sub) - pos
        auc = roc_auc_score([r["label"] for r in sub], predict(repo, sub)) if pos and neg else None
        table[repo] = (pos, neg, auc)
    good = [a for p, n, a in table.values() if a is not None and p >= min_positives]
    return table, (sum(good) / len(good) if good else None)


def write_model(model: dict, rows: list[dict], note: str = "") -> None:
    repos = sorted({r["repo"] for r in rows})
    pos = sum(r["label"] for r in rows)
    fitted_on = (f"Fitted on {pos} AI-marked{note} and {len(rows) - pos} human changes (markers removed) from "
                 f"{len(repos)} public repositories: " + ", ".join(repos) + ".")
    text = (
        '"""Coefficients of the style-only AI-authorship score; written by ``benchmarks/ai_style_set.py --write-model``.\n\n'
        f"{textwrap.fill(fitted_on, 110, break_on_hyphens=False)}\n"
        "Standardised statistics (``mean``/``std``, after log1p for counts and lengths), each repository and each\n"
        "class weighted equally, L2-regularised logistic regression. See features/authorship.py.\n"
        '"""\n\n'
        f"MODEL = {json.dumps(model, indent=4)}\n"
    )
    old = MODEL_PATH.read_text(encoding="utf-8") if MODEL_PATH.exists() else ""
    calibration = old[old.find("\n# -- calibration"):] if "\n# -- calibration" in old else ""
    MODEL_PATH.write_text(text + calibration, encoding="utf-8")  # the calibration block is kept (ai_style_set.py rewrites it)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("repos", nargs="*", help="repositories (default: /work/.mirror/*/repo)")
    ap.add_argument("--cache", default="/tmp/mergeguard-ai-style.json")
    ap.add_argument("--refresh", action="store_true", help="re-read the repositories even if cached")
    ap.add_argument("--max-human", type=int, default=400)
    ap.add_argument("--min-lines", type=int, default=5)
    ap.add_argument("--min-positives", type=int, default=10)
    ap.add_argument("--shrink-lines", type=float, default=50.0)
    ap.add_argument("--C", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--write-model", action="store_true")
    ap.add_argument("--agents-only", action="store_true",
                    help="AI-marked = written by an agent (Claude Code, Codex, Cursor, Devin...), leaving out changes whose "
                         "only marker is an applied review suggestion (Copilot, Copilot Autofix, Gemini Code Assist, CodeRabbit)")
    args = ap.parse_args()

    repos = args.repos or sorted(glob.glob("/work/.mirror/*/repo"))
    cache: dict = {}
    if os.path.exists(args.cache) and not args.refresh:
        cache = json.loads(Path(args.cache).read_text())
    t0 = time.time()
    for path in repos:
        key = f"{path}|{args.max_human}|{args.min_lines}|{args.seed}"
        if key in cache and cache[key] and "lines" not in cache[key][0]:
            del cache[key]  # an older cache format
        if key not in cache:
            t = time.time()
            cache[key] = collect(path, max_human=args.max_human, min_lines=args.min_lines, seed=args.seed)
            print(f"  read {path}: {len(cache[key])} changes in {time.time() - t:.0f}s", file=sys.stderr)
            Path(args.cache).write_text(json.dumps(cache))
    Path(args.cache).write_text(json.dumps(cache))
    rows = [r for path in repos for r in cache[f"{path}|{args.max_human}|{args.min_lines}|{args.seed}"]]
    for r in rows:  # statistics are computed now, so a change to them needs no re-reading of diffs
        r["stats"], r["n"] = authorship.statistics_of([(lang, lines) for lang, lines in r["lines"]])
    if args.agents_only:
        rows = [r for r in rows if r["label"] == 0 or "agent" in r["tools"]]
    if not rows:
        print("no AI-marked commits found")
        return 1

    if args.write_model:
        write_model(fit(rows, args.shrink_lines, args.C), rows)
        print(f"wrote {MODEL_PATH}", file=sys.stderr)

    def loro(repo, sub):
        train = [r for r in rows if r["repo"] != repo]
        return scores(sub, fit(train, args.shrink_lines, args.C))

    namespace: dict = {}
    exec(compile(MODEL_PATH.read_text(), str(MODEL_PATH), "exec"), namespace)  # the model as written now
    shipped_model = namespace["MODEL"]

    def shipped(repo, sub):
        return scores(sub, shipped_model) if shipped_model["coefficients"] else [0.5] * len(sub)

    loro_table, loro_mean = auc_table(rows, loro, args.min_positives)
    ship_table, ship_mean = auc_table(rows, shipped, args.min_positives)
    print(f"style-only AI score: AI-marked vs human changes, markers removed (>= {args.min_lines} added code lines)")
    print(f"{'repository':<22} {'AI':>5} {'human':>6} {'ROC-AUC loro':>13} {'shipped (in-sample)':>20}")
    for repo in loro_table:
        pos, neg, a = loro_table[repo]
        b = ship_table[repo][2]
        note = "" if pos >= args.min_positives else "  (too few AI-marked; not in the mean)"
        print(f"{repo:<22} {pos:>5} {neg:>6} {_fmt(a):>13} {_fmt(b):>20}{note}")
    print(f"{'grouped mean':<22} {'':>5} {'':>6} {_fmt(loro_mean):>13} {_fmt(ship_mean):>20}")
    print(f"({time.time() - t0:.0f}s; model: {len(authorship.STYLE_FEATURES)} statistics, C={args.C}, shrink {args.shrink_lines:g} lines)")
    return 0


def _fmt(x: float | None) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


if __name__ == "__main__":
    raise SystemExit(main())
