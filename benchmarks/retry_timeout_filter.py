"""Does a learned filter over the retry/timeout rules' own findings generalise better than more rules?

Measured answer (stop 19): **no**. On the 2,053 dev commits of 26 repositories, pooled LORO, precision /
recall / F1 (rules, then rules + filter at the fold-chosen threshold):

- ``changes_retry``: rules 0.85 / 0.73 / 0.79; logistic filter 0.86 / 0.72 / 0.78; LightGBM filter
  0.86 / 0.73 / 0.79; per-finding logistic 0.86 / 0.73 / 0.79; per-finding LightGBM 0.86 / 0.73 / 0.79.
- ``changes_timeout``: rules 0.84 / 0.74 / 0.79; logistic 0.84 / 0.72 / 0.78; LightGBM 0.84 / 0.74 /
  0.79; per-finding logistic 0.84 / 0.73 / 0.78; per-finding LightGBM 0.84 / 0.73 / 0.78.
- Round 9's dev rows (529): retry 0.79 / 0.72 / 0.75 -> 0.79 / 0.68 / 0.73 (logistic), 0.80 / 0.72 /
  0.76 (LightGBM); timeout 0.62 / 0.64 / 0.63 -> 0.61 / 0.58 / 0.59 and 0.61 / 0.61 / 0.61.

Every variant moves F1 by -0.009 to +0.001 (the stop rule asks +0.03): it fails. Why: among the
commits the rules flag, the out-of-fold probability ranks right flags above false alarms with ROC-AUC
0.53-0.59 (retry) and 0.60-0.69 (timeout), against 0.80-1.00 when the same model is scored on the
repositories it was fitted on. The inputs describe dev's false alarms well, but what separates them
is particular to each repository, so nothing carries to the one left out. The thresholds the folds
choose (0.05-0.45) make each variant withdraw 2 to 12 flags over both labels, in 2 to 5
repositories, more often a right flag than a false alarm (logistic: 9 right, 3 false alarms;
LightGBM: 1 and 1); no repository gains more than one commit. Leaving out the construct, language
and verb one-hots (``--no-shapes``) changes nothing (F1 -0.002 / -0.007). The weak candidates (a
retry/timeout name on a changed code line; anti-pattern findings without a change finding occur once
in dev) hold 38 of the 95 retry changes the rules miss and 49 of the 70 timeout ones, beside 164 and
320 commits that change nothing, and are ranked at AUC 0.54-0.64: the folds add none of them
(LightGBM: 1-2 false alarms), and on the curve every point of recall they add costs at least a
point of precision: F1 never rises above the rules'. A perfect filter would reach F1 0.84 / 0.85 on dev; none of this gets measurably
closer. The filter is therefore not in the product.

Question (issue 13, after stop 18): ten rounds of rules written from dev misses and false alarms moved
the held-out figures by about one commit each. Would a small model that reads the rules' findings, one by
one, with repository-independent context the product has at scoring time, and decides whether the
commit-level label ``changes_retry``/``changes_timeout`` fires, carry over to unseen repositories
better than the rules as they are? Round 8 (``retry_timeout_decision.py``) asked this with commit-level
counts of finding kinds and shapes; this asks it with what each finding says.

Method (dev split only; the held-out part is never read):

- Every dev commit is scored once through ``mergeguard score --commit`` (``retry_timeout.score_cli``,
  the benchmark's own scorer) and its diff read from the mirror, both cached under ``--cache`` (outside
  the repository: the cache holds code of the fetched repositories).
- Candidates per label: the label's change findings (``retry.added``/``removed``/``changed``...), plus
  weak evidence the rules do not count towards the label, which costs nothing extra: the label's
  anti-pattern findings (``timeout.increased`` is a timeout change the benchmark does not credit) and
  a retry/timeout name on a changed code line (round 8's lexical evidence). Each finding is described
  by its verb, language, the construct that decided it (``retry_timeout.rule_of``, the ``--by-rule``
  rule without its kind), whether its path is a test/example/doc/vendored one, whether its message
  shows numbers changing, whether its scope or target is named like the label, and how many changed code
  lines of its hunk carry a retry/timeout name. A commit's row is these aggregated over its findings
  of the label, the commit-level evidence of ``retry_timeout_evidence.commit_features`` (words,
  numbers, durations on changed code lines, the change's size and make-up) and the other label's
  rules. A construct enters the vocabulary only if it occurs in at least three training repositories,
  so a rule seen in one repository cannot act as that repository's identity.
- Decisions, per label: ``rules`` (as shipped); ``filter`` (rules AND p >= t: it can only withdraw);
  ``filter+weak`` (``filter``, OR no rule fired, a weak candidate exists and p >= t2). Models:
  L2 logistic regression (C = 0.5, balanced classes) and a small LightGBM, fitted on the candidate
  commits of the other repositories.
- Leave one repository out over the 26 dev repositories: for each repository, the model is fitted on
  the other 25 and its threshold(s) chosen by F1 on an inner leave-one-repository-out over those same
  25; only then is the left-out repository predicted. Predictions are pooled. The precision/recall
  curve is the pooled out-of-fold probability swept over thresholds (a curve, not a choice).
- Reported for all dev rows and for round 9's dev rows (fewer rules were written from them until stop
  18). The rules' dev figure is flattering (they were written from these commits); LORO on the learned
  part does not remove that, since its inputs are those rules' findings.
- Stop rule (the brief): ship only if LORO dev F1 rises by >= 0.03 on both labels, recall falls by at
  most 0.02, and the gain is not carried by one or two repositories (per-repository table; the gain is
  recomputed without the two repositories that gain most).

    python benchmarks/retry_timeout_filter.py                    # cache (resumable), then the tables
    python benchmarks/retry_timeout_filter.py --learner lgbm     # a small LightGBM instead
    python benchmarks/retry_timeout_filter.py --unit finding     # one vector per finding, a commit its best
    python benchmarks/retry_timeout_filter.py --no-shapes        # without the construct/language/verb one-hots
    python benchmarks/retry_timeout_filter.py --per-repository   # each repository before and after

Each run takes 3-8 minutes once the cache is filled (scoring the dev part fills it in about 10).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import retry_timeout as rt
import retry_timeout_evidence as evidence

from mergeguard.change import Change, Limits, parse_diff
from mergeguard.features.resilience import settings
from mergeguard.git import GitRepo

KIND = {"changes_retry": "retry", "changes_timeout": "timeout"}
GRID = [round(0.05 * i, 2) for i in range(1, 20)]
MODES = ("rules", "filter", "filter+weak")
MIN_SHAPE_REPOS = 3
_VENDORED = re.compile(r"(^|/)(vendor|vendored|third_party|thirdparty|node_modules|_vendor|extern)/", re.I)
_NUMBERS_CHANGE = re.compile(r"\d[^→]*(→|->)[^→]*\d")
_SCOPE_WORD = re.compile(r"retr|backoff|attempt|reconnect|timeout|deadline|expir|wait", re.I)


# -- one finding, as the filter sees it ------------------------------------------------------------------

def _shape(rule: str) -> str:
    """``"timeout.changed go:setting"`` -> ``"setting"``: the construct, without kind or language."""
    return rule.split(" ", 1)[1].split(":", 1)[1] if " " in rule and ":" in rule else "?"


def _hunk_words(change: Change, path: str, line: int | None, kind: str) -> tuple[int, int]:
    """(changed code lines of the finding's hunk(s) that carry a ``kind`` name, changed code lines there):
    the hunks whose post-image span is within 3 lines of the finding."""
    if not isinstance(line, int):
        return 0, 0
    named = total = 0
    for f in change.files:
        if f.path != path:
            continue
        for h in f.hunks:
            if h.target_start - 3 <= line <= h.target_start + max(h.target_length, 1) + 3:
                for _, text in (*h.added, *h.removed):
                    code = evidence._code_part(text)
                    if not code.strip():
                        continue
                    total += 1
                    named += any(settings.classify(w) == kind for w in evidence._WORD.findall(code))
    return named, total


def finding_features(f: dict[str, Any], rule: str, signals: dict[str, Any], change: Change,
                     kind: str) -> dict[str, float]:
    """What one finding says, repository-independent: no path, repository or project name."""
    path, message, verb = str(f.get("path", "")), str(f.get("message", "")), str(f.get("kind", "")).split(".")[1]
    entry = next((e for part in ("added", "removed", "modified")
                  for e in ((signals.get(f["category"]) or {}).get(part) or [])
                  if isinstance(e, dict) and e.get("path") == path and e.get("line") == f.get("line")), {})
    target = str(entry.get("target") or "")
    scope = str(f.get("scope") or entry.get("scope") or "")
    named, total = _hunk_words(change, path, f.get("line"), kind)
    return {
        f"verb={verb}": 1.0,
        f"lang={rule.split(' ', 1)[1].split(':', 1)[0] if ' ' in rule else 'other'}": 1.0,
        f"shape={_shape(rule)}": 1.0,
        "test_path": float(evidence._test_like(path)),
        "vendored": float(bool(_VENDORED.search(path))),
        "numbers_change": float(bool(_NUMBERS_CHANGE.search(message))),
        "removed_there": float("removed there" in message or message.startswith("removed ")),
        "logic": float(" logic" in message[:40]),
        "scope_named": float(bool(_SCOPE_WORD.search(scope))),
        "target_named": float(settings.classify(target) == kind) if target else 0.0,
        "target_other": float(settings.classify(target) not in (None, kind)) if target else 0.0,
        "hunk_named": math.log1p(named),
        "hunk_named_share": named / total if total else 0.0,
        "hunk_size": math.log1p(total),
    }


# -- rows -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One dev commit: its label, the rules' answer per label, and the filter's inputs per label."""

    commit: rt.Labelled
    rules: dict[str, bool]
    weak: dict[str, bool]  # a weak candidate (anti-pattern of the label's category, or a named changed line)
    x: dict[str, dict[str, float]]  # label -> features
    #: label -> one vector per change finding of the label (its own features and the commit's context);
    #: a candidate without such a finding has one vector, the context alone
    f: dict[str, list[dict[str, float]]]

    def candidate(self, label: str) -> bool:
        return self.rules[label] or self.weak[label]


def commit_row(c: rt.Labelled, a: dict[str, Any], change: Change) -> Row:
    signals = a.get("signals") if isinstance(a.get("signals"), dict) else {}
    ours = [f for f in a.get("findings", []) if f.get("category") in ("retry", "timeout")]
    lexical = evidence.commit_features(change, ours)
    rules = {lab: any(f["kind"] in rt.CHANGE_KINDS[lab] for f in ours) for lab in rt.LABELS}
    xs: dict[str, dict[str, float]] = {}
    fs: dict[str, list[dict[str, float]]] = {}
    weak: dict[str, bool] = {}
    for label, kind in KIND.items():
        changes = [f for f in ours if f["kind"] in rt.CHANGE_KINDS[label]]
        antis = [f for f in ours if f["kind"].startswith(kind + ".") and f["kind"] not in rt.CHANGE_KINDS[label]]
        weak[label] = bool(antis) or lexical.get(f"{kind}_lines_add", 0) + lexical.get(f"{kind}_lines_del", 0) > 0
        per = [finding_features(f, rt.rule_of(f, signals), signals, change, kind) for f in changes]
        x: dict[str, float] = {}
        for p in per:  # counts of the one-hot parts, max and mean of the rest
            for k, v in p.items():
                if "=" in k:
                    x[k] = x.get(k, 0.0) + v
                else:
                    x[f"max_{k}"] = max(x.get(f"max_{k}", 0.0), v)
                    x[f"mean_{k}"] = x.get(f"mean_{k}", 0.0) + v / len(per)
        for k in [k for k in x if "=" in k]:
            x[k] = math.log1p(x[k])
        x["n_findings"] = math.log1p(len(changes))
        x["n_files"] = math.log1p(len({f["path"] for f in changes}))
        x["all_in_tests"] = float(bool(per) and all(p["test_path"] for p in per))
        x["rules"] = float(bool(changes))
        for f in antis:
            x[f"anti={f['kind']}"] = x.get(f"anti={f['kind']}", 0.0) + 1.0
        other = "changes_timeout" if label == "changes_retry" else "changes_retry"
        x["other_rules"] = float(any(f["kind"] in rt.CHANGE_KINDS[other] for f in ours))
        x.update({f"ev_{k}": v for k, v in lexical.items()})
        xs[label] = x
        context = {k: v for k, v in x.items() if not k.startswith(("max_", "mean_", "shape=", "verb=", "lang="))}
        fs[label] = [{**context, **p} for p in per] or [context]
    return Row(c, rules, weak, xs, fs)


def build(corpus: list[rt.Labelled], mirrors: Path, cache: Path, say: Callable[[str], None]) -> list[Row]:
    """Rows for every dev commit the mirrors have; assessments cached per repository, features in one file."""
    feats_file = cache / "filter-rows.json"
    saved: dict[str, Any] = json.loads(feats_file.read_text()) if feats_file.exists() else {}
    rows: list[Row] = []
    for name, mirror, commits in rt.by_repository(corpus, mirrors, say):
        if not all("f" in saved.get(c.sha, {}) for c in commits):
            say(f"{name}: {len(commits)} commits")
            f = cache / "assess" / (name.replace("/", "+") + ".json")
            found = json.loads(f.read_text()) if f.exists() else {}
            if not all(c.sha in found for c in commits):
                have = rt.present(mirror, [c.sha for c in commits])
                found = rt.score_cli(mirror, [c.sha for c in commits if c.sha in have])
                f.parent.mkdir(parents=True, exist_ok=True)
                f.write_text(json.dumps(found), encoding="utf-8")
            repo = GitRepo(mirror)
            for c in commits:
                a = found.get(c.sha)
                if a is None:
                    continue
                files, _ = parse_diff(repo.diff_commit(a["change"].get("base"), c.sha), Limits())
                r = commit_row(c, a, Change(id=c.sha, files=files))
                saved[c.sha] = {"rules": r.rules, "weak": r.weak, "x": r.x, "f": r.f}
            feats_file.write_text(json.dumps(saved), encoding="utf-8")
        rows += [Row(c, **saved[c.sha]) for c in commits if c.sha in saved]
    return rows


# -- models -----------------------------------------------------------------------------------------------

def vectors(r: Row, label: str, unit: str) -> list[dict[str, float]]:
    """A row's inputs: one commit-level vector, or one per finding (``unit`` "finding")."""
    return r.f[label] if unit == "finding" else [r.x[label]]


def vocabulary(rows: Sequence[Row], label: str, unit: str) -> list[str]:
    """Feature names of the training rows; a construct, language or anti-pattern one-hot only if it
    occurs in >= MIN_SHAPE_REPOS repositories (a rule of one repository is that repository's name)."""
    repos: dict[str, set[str]] = {}
    for r in rows:
        for k, v in ((k, v) for x in vectors(r, label, unit) for k, v in x.items()):
            if v:
                repos.setdefault(k, set()).add(r.commit.repository)
    return sorted(k for k, s in repos.items() if "=" not in k or len(s) >= MIN_SHAPE_REPOS)


class Model:
    """A fitted filter for one label: ``lr`` (standardised L2 logistic regression) or ``lgbm``, over one
    vector per commit, or (``unit`` "finding") one per finding, each given its commit's label, a commit's
    probability being its most confident finding's (multiple-instance learning at its simplest)."""

    def __init__(self, rows: Sequence[Row], label: str, learner: str, unit: str = "commit") -> None:
        import numpy as np

        self.label, self.unit, self.names = label, unit, vocabulary(rows, label, unit)
        x = self._matrix([v for r in rows for v in vectors(r, label, unit)])
        y = np.array([int(getattr(r.commit, label)) for r in rows for _ in vectors(r, label, unit)])
        self.constant: float | None = None
        if len(set(y.tolist())) < 2:
            self.constant = float(y[0]) if len(y) else 0.0
            return
        if learner == "lgbm":
            self.m: Any = _Boosted(x, y)
            self.mean, self.scale = np.zeros(x.shape[1]), np.ones(x.shape[1])
            return
        from sklearn.linear_model import LogisticRegression

        self.m = LogisticRegression(C=0.5, solver="liblinear", class_weight="balanced", max_iter=1000)
        self.mean = x.mean(axis=0)
        self.scale = x.std(axis=0)
        self.scale[self.scale == 0] = 1.0
        self.m.fit((x - self.mean) / self.scale, y)

    def _matrix(self, xs: Sequence[dict[str, float]]) -> Any:
        import numpy as np

        return np.array([[x.get(n, 0.0) for n in self.names] for x in xs], dtype=float).reshape(
            len(xs), len(self.names))

    def probabilities(self, rows: Sequence[Row]) -> list[float]:
        if not rows:
            return []
        if self.constant is not None:
            return [self.constant] * len(rows)
        per = [vectors(r, self.label, self.unit) for r in rows]
        ps = [float(p) for p in self.m.predict_proba((self._matrix([v for vs in per for v in vs]) - self.mean)
                                                      / self.scale)[:, 1]]
        out, at = [], 0
        for vs in per:
            out.append(max(ps[at:at + len(vs)]))
            at += len(vs)
        return out


class _Boosted:
    """A small LightGBM through its own API: the scorer imports LightGBM without scikit-learn (for
    speed, ``models/model.py``), after which ``LGBMClassifier`` refuses to work in the same process."""

    def __init__(self, x: Any, y: Any) -> None:
        import lightgbm as lgb
        import numpy as np

        w = np.where(y == 1, len(y) / (2 * max(int(y.sum()), 1)), len(y) / (2 * max(int((1 - y).sum()), 1)))
        params = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 7, "min_data_in_leaf": 10,
                  "bagging_fraction": 0.8, "bagging_freq": 1, "feature_fraction": 0.8, "verbose": -1, "seed": 0,
                  "num_threads": 1, "deterministic": True, "min_data_in_bin": 1}
        self.booster = lgb.train(params, lgb.Dataset(x, label=y, weight=w), num_boost_round=150)

    def predict_proba(self, x: Any) -> Any:
        import numpy as np

        p = np.asarray(self.booster.predict(x))
        return np.stack([1 - p, p], axis=1)


def decide(mode: str, r: Row, label: str, p: float, t: tuple[float, float]) -> bool:
    if mode == "rules":
        return r.rules[label]
    if r.rules[label]:
        return p >= t[0]
    return mode == "filter+weak" and r.weak[label] and p >= t[1]


def scored(rows: Sequence[Row], label: str, learner: str, unit: str) -> list[float]:
    """Leave-one-repository-out probabilities over ``rows`` (0 for non-candidates, never predicted)."""
    probs = [0.0] * len(rows)
    for g in sorted({r.commit.repository for r in rows}):
        train = [r for r in rows if r.commit.repository != g and r.candidate(label)]
        at = [i for i, r in enumerate(rows) if r.commit.repository == g and r.candidate(label)]
        for i, p in zip(at, Model(train, label, learner, unit).probabilities([rows[i] for i in at]), strict=True):
            probs[i] = p
    return probs


def counts(rows: Sequence[Row], label: str, decided: Iterable[bool]) -> rt.Counts:
    cnt = rt.Counts()
    for r, d in zip(rows, decided, strict=True):
        cnt.add(getattr(r.commit, label), d)
    return cnt


def choose(mode: str, rows: Sequence[Row], probs: Sequence[float], label: str) -> tuple[float, float]:
    """Threshold(s) with the best F1 on out-of-fold probabilities (ties: the higher, fewer alerts)."""
    cands = [(t, 1.01) for t in GRID] if mode == "filter" else [(t, t2) for t in GRID for t2 in GRID if t2 >= t]
    best, best_t = -1.0, cands[0]
    for t in cands:
        f1 = counts(rows, label, (decide(mode, r, label, p, t) for r, p in zip(rows, probs, strict=True))).f1 or 0.0
        if f1 >= best:
            best, best_t = f1, t
    return best_t


@dataclass
class Outcome:
    decided: dict[str, list[bool]]  # mode -> per row
    probs: list[float]  # outer LORO probabilities
    thresholds: dict[str, dict[str, tuple[float, float]]]  # mode -> repository -> threshold(s)
    #: in-sample probabilities (fitted on every repository, scored on the same rows): how well the inputs
    #: fit dev at all, against ``probs``, how well they carry to a repository not fitted on
    fitted: list[float]


def loro(rows: list[Row], label: str, learner: str, unit: str, say: Callable[[str], None]) -> Outcome:
    """Outer LORO: each repository predicted by a model and thresholds that never saw it."""
    everyone = Model([r for r in rows if r.candidate(label)], label, learner, unit)
    fitted = [p if r.candidate(label) else 0.0 for r, p in zip(rows, everyone.probabilities(rows), strict=True)]
    out = Outcome({m: [False] * len(rows) for m in MODES}, [0.0] * len(rows), {m: {} for m in MODES}, fitted)
    for g in sorted({r.commit.repository for r in rows}):
        say(f"  {label} {learner}: leaving out {g}")
        train = [r for r in rows if r.commit.repository != g]
        inner = scored(train, label, learner, unit)
        model = Model([r for r in train if r.candidate(label)], label, learner, unit)
        at = [i for i, r in enumerate(rows) if r.commit.repository == g]
        ps = model.probabilities([rows[i] for i in at])
        for mode in MODES:
            t = choose(mode, train, inner, label) if mode != "rules" else (0.0, 0.0)
            out.thresholds[mode][g] = t
            for i, p in zip(at, ps, strict=True):
                out.probs[i] = p if rows[i].candidate(label) else 0.0
                out.decided[mode][i] = decide(mode, rows[i], label, out.probs[i], t)
    return out


# -- report -----------------------------------------------------------------------------------------------

def _line(name: str, c: rt.Counts) -> str:
    return (f"  {name:<26} {c.tp + c.fn:>4} {c.tp:>4} {c.fp:>4} {c.fn:>4}   "
            f"{rt._fmt(c.precision)}  {rt._fmt(c.recall)}  {rt._fmt(c.f1)}")


HEAD = f"  {'':<26} {'pos':>4} {'tp':>4} {'fp':>4} {'fn':>4}   prec  rec   F1"


def report(rows: list[Row], results: dict[str, Outcome], learner: str, per_repository: bool) -> str:
    """The tables: per label, the three decisions on all, round 9's and older dev rows; the ceilings;
    the precision/recall curves; and, for the stop rule, each repository before and after."""
    out: list[str] = []
    parts = (("all dev rows", lambda r: True), ("round 9 dev rows", lambda r: r.commit.round == 9),
             ("dev rows before round 9", lambda r: r.commit.round != 9))
    for label, res in results.items():
        right = sum(1 for r in rows if r.rules[label] and getattr(r.commit, label))
        pos = sum(1 for r in rows if getattr(r.commit, label))
        weak_pos = sum(1 for r in rows if not r.rules[label] and r.weak[label] and getattr(r.commit, label))
        weak_neg = sum(1 for r in rows if not r.rules[label] and r.weak[label] and not getattr(r.commit, label))
        best = 2 * right / (right + pos) if pos else 0.0
        out += ["", f"{label}: ceilings on dev: a perfect filter (every false alarm withdrawn, every right flag kept) "
                f"F1 {best:.2f}; weak candidates hold {weak_pos} of the {pos - right} missed changes, "
                f"beside {weak_neg} commits that change nothing"]
        out += [f"{label}: {learner}, leave one repository out (thresholds from an inner LORO)", HEAD]
        for title, keep in parts:
            idx = [i for i, r in enumerate(rows) if keep(r)]
            for mode in MODES:
                out.append(_line(f"{title[:16]}: {mode}", counts([rows[i] for i in idx], label,
                                                                 [res.decided[mode][i] for i in idx])))
        ts = sorted(set(res.thresholds["filter"].values()))
        out.append(f"  filter thresholds chosen in the folds: {', '.join(f'{t[0]:.2f}' for t in ts)}")
        fired = [(getattr(r.commit, label), p) for r, p in zip(rows, res.probs, strict=True) if r.rules[label]]
        weak = [(getattr(r.commit, label), p) for r, p in zip(rows, res.probs, strict=True)
                if r.weak[label] and not r.rules[label]]
        out.append(f"  ROC-AUC of the out-of-fold p: among the rules' flags (right vs false alarm) {_auc(fired)}; "
                   f"among weak candidates (change vs none) {_auc(weak)}")
        fired = [(getattr(r.commit, label), p) for r, p in zip(rows, res.fitted, strict=True) if r.rules[label]]
        weak = [(getattr(r.commit, label), p) for r, p in zip(rows, res.fitted, strict=True)
                if r.weak[label] and not r.rules[label]]
        out.append(f"  ROC-AUC in sample (fitted on all 26, scored on them): among the rules' flags {_auc(fired)}; "
                   f"among weak candidates {_auc(weak)}")
        out += ["", f"  precision/recall curve of 'filter' (pooled out-of-fold p, rules' commits only), {label}",
                "    t     prec  rec   F1    (t=0 is the rules)"]
        for t in [0.0, *GRID]:
            c = counts(rows, label, [r.rules[label] and p >= t for r, p in zip(rows, res.probs, strict=True)])
            out.append(f"    {t:.2f}  {rt._fmt(c.precision)}  {rt._fmt(c.recall)}  {rt._fmt(c.f1)}")
        out += ["", f"  precision/recall curve of the rules plus weak candidates at p >= t2 (every rule flag kept), "
                f"{label}", "    t2    prec  rec   F1"]
        for t2 in GRID:
            c = counts(rows, label, [decide("filter+weak", r, label, p, (0.0, t2))
                                     for r, p in zip(rows, res.probs, strict=True)])
            out.append(f"    {t2:.2f}  {rt._fmt(c.precision)}  {rt._fmt(c.recall)}  {rt._fmt(c.f1)}")
        if per_repository:
            out += ["", f"  per repository, {label}: rules tp/fp/fn -> filter tp/fp/fn (F1)"]
            deltas = []
            for g in sorted({r.commit.repository for r in rows}):
                idx = [i for i, r in enumerate(rows) if r.commit.repository == g]
                a = counts([rows[i] for i in idx], label, [res.decided["rules"][i] for i in idx])
                b = counts([rows[i] for i in idx], label, [res.decided["filter"][i] for i in idx])
                deltas.append(((b.tp - b.fp) - (a.tp - a.fp), g))
                out.append(f"    {g:<32} {a.tp:>3}/{a.fp:>3}/{a.fn:>3} ({rt._fmt(a.f1)}) -> "
                           f"{b.tp:>3}/{b.fp:>3}/{b.fn:>3} ({rt._fmt(b.f1)})")
            top = {g for d, g in sorted(deltas, reverse=True)[:2] if d > 0}
            idx = [i for i, r in enumerate(rows) if r.commit.repository not in top]
            a = counts([rows[i] for i in idx], label, [res.decided["rules"][i] for i in idx])
            b = counts([rows[i] for i in idx], label, [res.decided["filter"][i] for i in idx])
            out.append(f"    without the two that gain most ({', '.join(sorted(top)) or 'none gains'}): "
                       f"rules F1 {rt._fmt(a.f1)} -> filter {rt._fmt(b.f1)}")
    out += ["", "stop rule (ship only if F1 rises >= 0.03 on both labels and recall falls <= 0.02, all dev rows):"]
    for mode in MODES[1:]:
        verdicts = []
        for label, res in results.items():
            a, b = counts(rows, label, res.decided["rules"]), counts(rows, label, res.decided[mode])
            df, dr = (b.f1 or 0.0) - (a.f1 or 0.0), (b.recall or 0.0) - (a.recall or 0.0)
            verdicts.append(df >= 0.03 and dr >= -0.02)
            out.append(f"  {mode:<12} {label:<16} F1 {a.f1 or 0.0:.3f} -> {b.f1 or 0.0:.3f} ({df:+.3f}), recall {dr:+.3f}")
        out.append(f"  {mode:<12} {'passes' if all(verdicts) else 'fails'}")
    return "\n".join(out)


def _plain(x: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in x.items() if not k.startswith(("shape=", "lang=", "verb="))}


def _auc(pairs: list[tuple[bool, float]]) -> str:
    """ROC-AUC of (truth, probability) pairs: 0.5 is a coin, 1.0 a perfect ranking."""
    from sklearn.metrics import roc_auc_score

    if len({t for t, _ in pairs}) < 2:
        return "-"
    return f"{roc_auc_score([t for t, _ in pairs], [p for _, p in pairs]):.2f} ({len(pairs)})"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--data", type=Path, default=rt.DATA_DIR)
    p.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    p.add_argument("--cache", type=Path, default=Path("/tmp/mergeguard-rt-filter"),
                   help="assessments and features, outside the repository (default: %(default)s)")
    p.add_argument("--learner", choices=("lr", "lgbm"), default="lr")
    p.add_argument("--unit", choices=("commit", "finding"), default="commit",
                   help="one vector per commit (findings aggregated), or one per finding (a commit: its best)")
    p.add_argument("--no-shapes", action="store_true",
                   help="leave out the construct, language and verb one-hots (the inputs closest to a rule's identity)")
    p.add_argument("--per-repository", action="store_true", help="also the per-repository table of the stop rule")
    args = p.parse_args(argv)
    say = lambda s: print(s, file=sys.stderr, flush=True)  # noqa: E731
    try:
        corpus = rt.select(rt.load_corpus(args.data), "dev")  # never the held-out part
    except rt.CorpusError as exc:
        print(f"retry_timeout_filter: error: {exc}", file=sys.stderr)
        return 2
    args.cache.mkdir(parents=True, exist_ok=True)
    rows = build(corpus, args.mirrors, args.cache, say)
    if args.no_shapes:
        rows = [Row(r.commit, r.rules, r.weak, {lab: _plain(x) for lab, x in r.x.items()},
                    {lab: [_plain(v) for v in vs] for lab, vs in r.f.items()}) for r in rows]
    results = {label: loro(rows, label, args.learner, args.unit, say) for label in rt.LABELS}
    print(f"dev commits: {len(rows)} of {len({r.commit.repository for r in rows})} repositories "
          f"({sum(r.commit.round == 9 for r in rows)} of round 9)")
    print(report(rows, results, f"{args.learner} over {args.unit} vectors{' without shapes' * args.no_shapes}",
                 args.per_repository))
    return 0


if __name__ == "__main__":
    sys.exit(main())
