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

Round 5 (label noise in the human class): every human change has a ``period``: ``pre-2021`` (before
any AI coding tool: certainly human) or ``ai-era`` (dated on or after the repository's first AI-marked
commit, carrying no AI marker: some may be unmarked AI-assisted code). ``--human-era all,pre2021,same``
evaluates the same held-out scores against each human class (AI changes always all of them; ranks
within repository over the changes evaluated); ``--train-human all|pre2021|pre2021-paired|same`` fits
on that human class only (``pre2021-paired``: and on the AI changes of repositories that have
pre-2021 human ones only); ``--era-quantiles`` prints the score's distribution per class; ``--era-model`` fits the scorer to tell
same-period human changes from pre-2021 ones (no AI label at all), to see how much of a pre-2021
comparison is era; ``--era-trend`` asks whether same-period human changes score more AI-like
later (dates read from the mirrors), as growing unmarked AI use would make them.

    python benchmarks/ai_style_set.py                 # figures
    python benchmarks/ai_style_set.py --write-model   # refit the shipped scorer on every repository, recalibrate
    python benchmarks/ai_style_set.py --kinds refit,stats --human-era all,pre2021,same \
        --train-human all,pre2021,pre2021-paired,same --era-quantiles --era-model --era-trend   # round 5
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


#: the human class of each ``--human-era``: None is every human change, else the rows' ``period``
HUMAN_ERAS: dict[str, str | None] = {"all": None, "pre2021": "pre-2021", "same": "ai-era"}
TRAIN_HUMAN = ("all", "pre2021", "pre2021-paired", "same")


def with_human_era(rows: list[dict], era: str) -> list[dict]:
    """Every AI-marked change, and the human changes of ``era`` only (``HUMAN_ERAS``).

    Why: the ``ai-era`` human class is "no AI marker", not "certainly human"; comparing against the
    ``pre-2021`` class alone measures the score without that label noise."""
    return [r for r in rows if in_human_era(r, era)]


def in_human_era(row: dict, era: str) -> bool:
    """Is the change AI-marked, or a human change of ``era``?"""
    period = HUMAN_ERAS[era]
    return row["label"] == 1 or period is None or row["period"] == period


def train_rows(rows: list[dict], train: str, train_human: str) -> list[dict]:
    """The changes a scorer is fitted on: the human changes of ``train_human`` and the AI ones
    (``train`` = ``agents``: agent-written families only). ``pre2021-paired`` keeps AI changes only
    from repositories that have pre-2021 human ones, so no repository is on one side only."""
    era = "pre2021" if train_human == "pre2021-paired" else train_human
    out = [r for r in with_human_era(rows, era) if r["label"] == 0 or train == "all" or r["family"] in AGENT_FAMILIES]
    if train_human == "pre2021-paired":
        paired = {r["repo"] for r in out if r["label"] == 0}
        out = [r for r in out if r["repo"] in paired]
    return out


def held_out(kinds: list[str], rows: list[dict], trainable: list[dict], c: float) -> dict[str, dict[str, np.ndarray]]:
    """Each kind's score of every change of ``rows``, fitted without the change's repository:
    {kind: {repo: scores in the order of that repository's rows}}."""
    out: dict[str, dict[str, np.ndarray]] = {k: {} for k in kinds}
    for repo in sorted({r["repo"] for r in rows}):
        test = [r for r in rows if r["repo"] == repo]
        train = [r for r in trainable if r["repo"] != repo]
        for k in kinds:
            out[k][repo] = shipped_scores(test) if k == "shipped" else fit_predict(k, train, test, c)
    return out


def evaluate(rows: list[dict], scores: dict[str, np.ndarray], era: str) -> tuple[dict, list]:
    """Per repository (AI, human, AUC) and the pooled (label, rank in repository, score, lines,
    language, row) of the changes of ``era`` (``with_human_era``); ranks over the changes evaluated,
    pooled only from repositories that have both classes there."""
    table, pooled = {}, []
    for repo in sorted(scores):
        pairs = [(r, s) for r, s in zip([r for r in rows if r["repo"] == repo], scores[repo], strict=True)
                 if in_human_era(r, era)]
        if not pairs:
            continue
        y = [r["label"] for r, _ in pairs]
        s = np.array([x for _, x in pairs])
        table[repo] = {"ai": sum(y), "human": len(y) - sum(y), "auc": auc(y, s)}
        if not 0 < sum(y) < len(y):
            continue  # one class only: its ranks would be noise in the pooled figure
        ranks = (np.argsort(np.argsort(s)) + 0.5) / len(s)
        pooled.extend(zip(y, ranks, s, [r["n"] for r, _ in pairs], [r["language"] for r, _ in pairs],
                          [r for r, _ in pairs], strict=True))
    return table, pooled


def summary(table: dict, pooled: list, min_positives: int, repos: set[str] | None = None) -> dict:
    """Pooled rank AUC, mean / min per repository and repositories >= 0.6 (>= ``min_positives`` AI
    changes and a human one), over ``repos`` (all when None)."""
    pooled = [p for p in pooled if repos is None or p[5]["repo"] in repos]
    good = [t["auc"] for r, t in table.items() if (repos is None or r in repos) and t["auc"] is not None
            and t["ai"] >= min_positives]
    y = [p[0] for p in pooled]
    return {"pooled": auc(y, [p[1] for p in pooled]), "raw": auc(y, [p[2] for p in pooled]),
            "mean": float(np.mean(good)) if good else None, "min": min(good) if good else None,
            "ok": sum(g >= 0.6 for g in good), "repos": len(good), "n": len(pooled), "n_ai": sum(y)}


def era_quantiles(rows: list[dict], scores: dict[str, np.ndarray], repos: set[str]) -> dict[str, dict]:
    """The held-out score (raw and as its rank within the repository) of AI, same-period human and
    pre-2021 human changes of ``repos``: quantiles, and each human class's share above the AI median
    of its own repository."""
    groups: dict[str, list[tuple[float, float]]] = {"ai": [], "same": [], "pre2021": []}
    above: dict[str, list[int]] = {"same": [], "pre2021": []}
    for repo in sorted(repos):
        test = [r for r in rows if r["repo"] == repo]
        s = scores[repo]
        ranks = (np.argsort(np.argsort(s)) + 0.5) / len(s)
        ai_median = float(np.median([x for r, x in zip(test, s, strict=True) if r["label"] == 1]))
        for r, x, q in zip(test, s, ranks, strict=True):
            cls = "ai" if r["label"] == 1 else "pre2021" if r["period"] == "pre-2021" else "same"
            groups[cls].append((float(x), float(q)))
            if cls != "ai":
                above[cls].append(int(x > ai_median))
    out = {}
    for cls, vals in groups.items():
        raw = np.array([v[0] for v in vals])
        rk = np.array([v[1] for v in vals])
        out[cls] = {"n": len(vals), "raw": np.quantile(raw, [0.1, 0.25, 0.5, 0.75, 0.9]).tolist() if len(raw) else [],
                    "rank": np.quantile(rk, [0.1, 0.25, 0.5, 0.75, 0.9]).tolist() if len(rk) else [],
                    "above_ai_median": float(np.mean(above[cls])) if cls in above and above[cls] else None}
    return out


def era_model(rows: list[dict], train: str, min_positives: int) -> dict:
    """Is there an era axis without any AI label? The product-form scorer fitted to tell same-period
    human changes (1) from pre-2021 human ones (0), leave one repository out over the repositories that
    have both: its pooled rank AUC and per repository; the same held-out era model scoring the
    repository's AI changes against its same-period human ones; and the cosine between its
    coefficients and those of the AI scorers fitted on all human changes and on pre-2021 ones (all
    repositories). Why: an AI-vs-pre-2021 gain that an era model shares is drift, not AI."""
    humans = [r | {"label": int(r["period"] == "ai-era")} for r in rows if r["label"] == 0]
    repos = sorted({r["repo"] for r in humans if r["label"]} & {r["repo"] for r in humans if not r["label"]})
    humans = [r for r in humans if r["repo"] in repos]
    pooled, on_ai, per_repo = [], [], {}
    for repo in repos:
        model = fit_product_model([r for r in humans if r["repo"] != repo], SHRINK_LINES, REFIT_C)
        for sub, out in (([r for r in humans if r["repo"] == repo], pooled),
                         ([r for r in rows if r["repo"] == repo and in_human_era(r, "same")], on_ai)):
            if out is on_ai and sum(r["label"] for r in sub) < min_positives:
                continue
            s = np.array([authorship.score_statistics(r["stats"], r["n"], model) for r in sub])
            y = [r["label"] for r in sub]
            if out is pooled:
                per_repo[repo] = (sum(y), len(y) - sum(y), auc(y, s))
            out.extend(zip(y, (np.argsort(np.argsort(s)) + 0.5) / len(s), strict=True))
    coef = {name: fit_product_model(fitted, SHRINK_LINES, REFIT_C)["coefficients"] for name, fitted in (
        ("era", humans), ("ai-vs-all", train_rows(rows, train, "all")), ("ai-vs-pre2021", train_rows(rows, train, "pre2021-paired")))}
    names = list(coef["era"])
    vec = {k: np.array([c[f] for f in names]) for k, c in coef.items()}

    def cos(a: str, b: str) -> float:
        return float(vec[a] @ vec[b] / (np.linalg.norm(vec[a]) * np.linalg.norm(vec[b]) or 1.0))

    return {"repos": repos, "per_repo": per_repo, "n": len(pooled),
            "auc": auc([p[0] for p in pooled], [p[1] for p in pooled]),
            "ai_vs_same": auc([p[0] for p in on_ai], [p[1] for p in on_ai]), "n_ai_vs_same": len(on_ai),
            "cosine": {"era/ai-vs-all": cos("era", "ai-vs-all"), "era/ai-vs-pre2021": cos("era", "ai-vs-pre2021"),
                       "ai-vs-all/ai-vs-pre2021": cos("ai-vs-all", "ai-vs-pre2021")},
            "top": sorted(((f, *(float(vec[k][i]) for k in coef)) for i, f in enumerate(names)), key=lambda t: -abs(t[1]))[:8]}


def commit_times(repo: str, shas: list[str]) -> dict[str, int]:
    """Author time of each commit, read from the repository's mirror (the labelled set keeps no dates)."""
    git_dir = MIRRORS / repo.replace("/", "+") / "repo"
    out = subprocess.run(["git", "--git-dir", str(git_dir), "show", "-s", "--no-walk", "--format=%H %at", *shas],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    return {sha: int(at) for sha, at in (line.split() for line in out.splitlines() if line.strip())}


def era_trend(rows: list[dict], scores: dict[str, np.ndarray], times: dict[str, int], min_positives: int) -> dict:
    """Does AI-likeness of the same-period human changes grow with time, as unmarked AI use would?
    Per class (same-period human, AI-marked), the mean held-out rank within the repository of the
    changes dated before and from the median date of the repository's AI-marked changes, and the
    per-repository Spearman correlation of date and rank (classes of 8+ changes)."""
    from scipy.stats import spearmanr

    halves: dict[str, tuple[list[float], list[float]]] = {"same": ([], []), "ai": ([], [])}
    rho: dict[str, list[float]] = {"same": [], "ai": []}
    for repo in sorted(scores):
        test = [r for r in rows if r["repo"] == repo]
        if sum(r["label"] for r in test) < min_positives:
            continue
        ranks = (np.argsort(np.argsort(scores[repo])) + 0.5) / len(test)
        mid = float(np.median([times[r["sha"]] for r in test if r["label"] == 1]))
        for cls in ("same", "ai"):
            sel = [(times[r["sha"]], float(q)) for r, q in zip(test, ranks, strict=True)
                   if r["period"] == "ai-era" and r["label"] == int(cls == "ai")]
            for t, q in sel:
                halves[cls][int(t >= mid)].append(q)
            if len(sel) >= 8 and len({t for t, _ in sel}) > 1:
                rho[cls].append(float(spearmanr([t for t, _ in sel], [q for _, q in sel]).statistic))
    return {cls: {"before": (float(np.mean(b)) if b else None, len(b)), "after": (float(np.mean(a)) if a else None, len(a)),
                  "rho_median": float(np.median(rho[cls])) if rho[cls] else None, "repos": len(rho[cls]),
                  "rho_positive": sum(x > 0 for x in rho[cls])} for cls, (b, a) in halves.items()}


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
    ap.add_argument("--human-era", default="all",
                    help="evaluate against these human changes (comma-separated): all, pre2021 (before 2021), "
                         "same (the AI-era ones); the first one is the main table's")
    ap.add_argument("--train-human", default="all",
                    help="fit on these human changes (comma-separated variants): all, pre2021, pre2021-paired, same; "
                         "the first one is the main table's and --write-model's")
    ap.add_argument("--era-quantiles", action="store_true",
                    help="print the held-out score's distribution for AI, same-period and pre-2021 human changes")
    ap.add_argument("--era-model", action="store_true",
                    help="fit the scorer to tell same-period human changes from pre-2021 ones (no AI label): is the "
                         "pre-2021 comparison measuring era?")
    ap.add_argument("--era-trend", action="store_true",
                    help="per class, the held-out rank of changes before and after the repository's median AI date "
                         "(dates read from the mirrors): does unmarked AI use show as a trend?")
    ap.add_argument("--write-model", action="store_true",
                    help="fit the refit scorer on every repository (>= --min-lines), write it to features/ai_style_model.py "
                         "with the Platt calibration of its pooled held-out (leave-one-repository-out) scores")
    ap.add_argument("--write-calibration", action="store_true",
                    help="fit the Platt calibration of the shipped score on the pooled scores and write it with --min-lines")
    args = ap.parse_args()
    eras = args.human_era.split(",")
    train_humans = args.train_human.split(",")
    bad = [e for e in eras if e not in HUMAN_ERAS] + [t for t in train_humans if t not in TRAIN_HUMAN]
    if bad:
        print(f"mergeguard: error: unknown human era {bad[0]!r} (eras: {', '.join(HUMAN_ERAS)}; "
              f"training: {', '.join(TRAIN_HUMAN)})", file=sys.stderr)
        return 2
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
    # what the scorers are fitted on: every label, or (``--train agents``) the human changes and the
    # agent-written AI ones, leaving out changes whose only evidence is a review-suggestion trailer;
    # ``--train-human``: which human changes (round 5)
    fit_pool = [r for r in everything if r["n"] >= args.min_lines]
    kinds = args.kinds.split(",")
    trainable = train_rows(fit_pool, args.train, train_humans[0])
    held = {th: held_out(kinds, rows, train_rows(fit_pool, args.train, th), args.C) for th in train_humans}
    results = {(k, th, era): evaluate(rows, held[th][k], era) for k in kinds for th in train_humans for era in eras}
    first = (train_humans[0], eras[0])
    pooled = {k: results[(k, *first)][1] for k in kinds}
    table = {repo: {"ai": t["ai"], "human": t["human"]} for repo, t in results[(kinds[0], *first)][0].items()}
    for k in kinds:
        for repo, t in results[(k, *first)][0].items():
            table[repo][k] = t["auc"]
    repos = sorted(table)
    print(f"style-only AI score, leave one repository out, >= {args.min_lines} added code lines, split={args.split}, "
          f"trained on human={train_humans[0]}, evaluated on human={eras[0]}")
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
    if len(eras) > 1 or len(train_humans) > 1:
        era_tables(results, kinds, train_humans, eras, rows, args.min_positives)
    if args.era_quantiles:
        both = repos_with_both_eras(rows, args.min_positives)
        for k in kinds:
            for th in train_humans:
                q = era_quantiles(rows, held[th][k], both)
                print(f"{k} trained on human={th}: held-out score by class, {len(both)} repositories with AI, "
                      f"same-period and pre-2021 human changes (quantiles 10/25/50/75/90)")
                for cls, d in q.items():
                    share = "" if d["above_ai_median"] is None else f"  above its repository's AI median {d['above_ai_median']:.3f}"
                    print(f"   {cls:8s} n={d['n']:5d} raw {' '.join(f'{v:6.2f}' for v in d['raw'])}"
                          f"  rank {' '.join(f'{v:.2f}' for v in d['rank'])}{share}")
    if args.era_model:
        e = era_model(fit_pool, args.train, args.min_positives)
        print(f"\nera model (refit form, same-period human = 1 vs pre-2021 human = 0, leave one repository out, "
              f"{len(e['repos'])} repositories): pooled rank AUC {_f(e['auc'])} over {e['n']} human changes; scoring AI "
              f"against same-period human changes {_f(e['ai_vs_same'])} ({e['n_ai_vs_same']} changes)")
        print("   " + "; ".join(f"{r} {s}/{p} {_f(a)}" for r, (s, p, a) in e["per_repo"].items()))
        print("   cosine of coefficients: " + "  ".join(f"{k} {v:.2f}" for k, v in e["cosine"].items()))
        for f, *c in e["top"]:
            print(f"   {f:22s} era {c[0]:+.3f}  ai-vs-all {c[1]:+.3f}  ai-vs-pre2021 {c[2]:+.3f}")
    if args.era_trend:
        times: dict[str, int] = {}
        for repo in repos:
            times.update(commit_times(repo, [r["sha"] for r in rows if r["repo"] == repo]))
        for k in kinds:
            tr = era_trend(rows, held[train_humans[0]][k], times, args.min_positives)
            for cls, d in tr.items():
                print(f"{k} trend, {cls}: mean rank before / from the repository's median AI date {_f(d['before'][0])} "
                      f"({d['before'][1]}) / {_f(d['after'][0])} ({d['after'][1]}); Spearman(date, rank) median "
                      f"{_f(d['rho_median'])}, positive in {d['rho_positive']} of {d['repos']} repositories")
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
        y, s = all_held_out(rows, held[train_humans[0]]["refit"])
        a, b = authorship.fit_calibration(s, y)
        write_calibration(a, b, args.min_lines, len(y), sum(y), held_out=True)
        print(f"wrote the refit model; calibration a={a:.4f} b={b:.4f} on {len(y)} held-out scores ({sum(y)} AI-marked)")
    elif args.write_calibration:
        if "shipped" not in kinds:
            print("--write-calibration needs the shipped kind", file=sys.stderr)
            return 2
        y, s = all_held_out(rows, held[train_humans[0]]["shipped"])
        a, b = authorship.fit_calibration(s, y)
        write_calibration(a, b, args.min_lines, len(y), sum(y))
        print(f"calibration a={a:.4f} b={b:.4f} on {len(y)} changes ({sum(y)} AI-marked), min lines {args.min_lines}")
    print(f"({time.time() - t0:.0f}s)")
    return 0


def all_held_out(rows: list[dict], scores: dict[str, np.ndarray]) -> tuple[list[int], list[float]]:
    """Labels and held-out scores of every change, whatever ``--human-era``: what a calibration is fitted on."""
    y, s = [], []
    for repo, sc in scores.items():
        y += [int(r["label"]) for r in rows if r["repo"] == repo]
        s += [float(x) for x in sc]
    return y, s


def repos_with_both_eras(rows: list[dict], min_positives: int) -> set[str]:
    """Repositories with >= ``min_positives`` AI changes, and same-period and pre-2021 human ones."""
    out = set()
    for repo in {r["repo"] for r in rows}:
        sub = [r for r in rows if r["repo"] == repo]
        if (sum(r["label"] for r in sub) >= min_positives and any(r["label"] == 0 and r["period"] == "pre-2021" for r in sub)
                and any(r["label"] == 0 and r["period"] == "ai-era" for r in sub)):
            out.add(repo)
    return out


def era_tables(results: dict, kinds: list[str], train_humans: list[str], eras: list[str], rows: list[dict],
               min_positives: int) -> None:
    """Round 5's tables: each (kind, training, evaluation era), over every repository the era has and
    over the repositories that have both human eras; then per repository."""
    both = repos_with_both_eras(rows, min_positives)
    print(f"\nby human era (pooled = ranks within repository; repos = >= {min_positives} AI changes and a human one); "
          f"'both' = the {len(both)} repositories with same-period and pre-2021 human changes")
    print(f"{'kind':7s} {'train':15s} {'eval':8s} {'n':>5s} {'AI':>5s} {'pooled':>7s} {'raw':>6s} {'mean':>6s} {'min':>6s} "
          f"{'>=0.6':>6s} | {'both: n':>7s} {'pooled':>7s} {'mean':>6s} {'min':>6s} {'>=0.6':>6s}")
    for k in kinds:
        for th in train_humans:
            for era in eras:
                table, pooled = results[(k, th, era)]
                a, b = summary(table, pooled, min_positives), summary(table, pooled, min_positives, both)
                print(f"{k:7s} {th:15s} {era:8s} {a['n']:5d} {a['n_ai']:5d} {_f(a['pooled']):>7s} {_f(a['raw']):>6s} "
                      f"{_f(a['mean']):>6s} {_f(a['min']):>6s} {a['ok']:>3d}/{a['repos']:<2d} | {b['n']:7d} {_f(b['pooled']):>7s} "
                      f"{_f(b['mean']):>6s} {_f(b['min']):>6s} {b['ok']:>3d}/{b['repos']:<2d}")
    names = [(k, th, era) for k in kinds for th in train_humans for era in eras]
    print(f"\n{'repository':38s} {'AI':>4s} {'same':>4s} {'pre':>4s} " + " ".join(f"{i:>6d}" for i in range(len(names))))
    for repo in sorted({r["repo"] for r in rows}):
        sub = [r for r in rows if r["repo"] == repo]
        n_ai = sum(r["label"] for r in sub)
        if n_ai < min_positives:
            continue
        same = sum(r["label"] == 0 and r["period"] == "ai-era" for r in sub)
        pre = sum(r["label"] == 0 and r["period"] == "pre-2021" for r in sub)
        cells = [results[n][0].get(repo, {}).get("auc") for n in names]
        print(f"{repo:38s} {n_ai:4d} {same:4d} {pre:4d} " + " ".join(f"{_f(c):>6s}" for c in cells)
              + ("  (both)" if repo in both else ""))
    for i, n in enumerate(names):
        print(f"  {i}: {' '.join(n)}")


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
