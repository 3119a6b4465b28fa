"""Evaluation: the model against the literature's baselines, on the same split, in one run.

Two protocols:

- ``within``: each repository's own history, time-ordered; oldest 60% train, next 20% early stopping
  and calibration, newest 20% test. Metrics are computed on the pooled test predictions and per repo.
- ``loro``: cross-project, leave one repository out: train on all the others (time-split for early
  stopping), test on every labelled change of the held-out repository. This is what a team that
  installs mergeguard on a new repository gets from the shipped model.

Baselines: LApredict (logistic regression on lines added; Yan et al. 2020) and Kamei-14 logistic
regression (Kamei et al. 2013), both trained on exactly the rows our model trains on.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mergeguard.errors import DataError

from . import metrics as M
from . import plots
from .baselines import Kamei14LR, LAPredict
from .dataset import labelled
from .model import RiskModel
from .train import Split, fit_booster, labels, platt, time_split


@dataclass
class Predictions:
    """Pooled test predictions per model (plus labels and effort) for one protocol."""

    y: list[int] = field(default_factory=list)
    effort: list[float] = field(default_factory=list)
    repo: list[str] = field(default_factory=list)
    scores: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, rows: list[dict[str, Any]], scores: dict[str, np.ndarray], label: str) -> None:
        self.y += labels(rows, label).tolist()
        self.effort += [float((r["features"].get("la") or 0) + (r["features"].get("ld") or 0)) for r in rows]
        self.repo += [r.get("repo", "") for r in rows]
        for name, s in scores.items():
            self.scores[name] += [float(v) for v in s]

    def metrics(self, repo: str | None = None) -> dict[str, dict[str, float]]:
        mask = np.array([repo is None or r == repo for r in self.repo])
        y, eff = np.array(self.y)[mask], np.array(self.effort)[mask]
        return {name: M.all_metrics(y, np.array(s)[mask], eff) for name, s in self.scores.items()}


def _fit_and_predict(train: list, valid: list, test: list, features: list[str], params: dict, label: str,
                     model_name: str, variants: dict[str, list[str]] | None = None) -> dict[str, np.ndarray]:
    """Our model, each ablation variant (the same learner on a feature subset) and the baselines,
    all fitted on exactly the same rows and scored on the same test rows."""
    out: dict[str, np.ndarray] = {}
    for name, names in {model_name: features, **(variants or {})}.items():
        booster, _ = fit_booster(train, valid, names, params, label)
        ours = RiskModel(booster=booster, features=names)
        if valid:
            ours.calibration = platt(ours.margin(ours.matrix([r["features"] for r in valid])), labels(valid, label))
        out[name] = ours.predict_proba([r["features"] for r in test])
    fit_rows = train + valid
    y_fit = labels(fit_rows, label)
    for base in (LAPredict(), Kamei14LR()):
        base.fit([r["features"] for r in fit_rows], y_fit)
        out[base.name] = base.predict_proba([r["features"] for r in test])
    return out


@dataclass(frozen=True)
class FitTask:
    """One ``_fit_and_predict`` call as a picklable task (a repository's split, or a held-out repository)."""

    train: list
    valid: list
    test: list
    features: list[str]
    params: dict
    label: str
    model_name: str
    variants: dict[str, list[str]] | None = None


def fit_task(task: FitTask) -> dict[str, np.ndarray]:
    """Run one :class:`FitTask` in whichever process holds it."""
    return _fit_and_predict(task.train, task.valid, task.test, task.features, task.params, task.label,
                            task.model_name, task.variants)


def _run_fits(tasks: list[FitTask], label: str, jobs: int, scheduler: str | None) -> Predictions:
    """Fit every task (in parallel when asked) and pool the predictions in task order, exactly as a
    sequential run pools them."""
    from mergeguard.batch import run_tasks

    preds = Predictions()
    for task, scores in zip(tasks, run_tasks(fit_task, tasks, jobs=jobs, scheduler=scheduler), strict=True):
        preds.add(task.test, scores, label)
    return preds


def within_project(rows: list[dict[str, Any]], features: list[str], params: dict, label: str = "risky",
                   model_name: str = "mergeguard", variants: dict[str, list[str]] | None = None, *,
                   jobs: int = 1, scheduler: str | None = None) -> Predictions:
    by_repo: dict[str, list] = defaultdict(list)
    for r in rows:
        by_repo[r.get("repo", "")].append(r)
    tasks = []
    for _repo, rs in sorted(by_repo.items()):
        split = time_split(rs, valid_frac=0.2, test_frac=0.2)
        if not _both_classes(split.train, label) or not split.test:
            continue
        tasks.append(FitTask(split.train, split.valid, split.test, features, params, label, model_name, variants))
    return _run_fits(tasks, label, jobs, scheduler)


def leave_one_repo_out(rows: list[dict[str, Any]], features: list[str], params: dict, label: str = "risky",
                       model_name: str = "mergeguard", variants: dict[str, list[str]] | None = None, *,
                       jobs: int = 1, scheduler: str | None = None) -> Predictions:
    repos = sorted({r.get("repo", "") for r in rows})
    if len(repos) < 2:
        raise DataError("leave-one-repo-out needs data from at least two repositories")
    tasks = []
    for held_out in repos:
        test = [r for r in rows if r.get("repo", "") == held_out]
        others = [r for r in rows if r.get("repo", "") != held_out]
        split: Split = time_split(others, valid_frac=0.15, test_frac=0.0)
        if not _both_classes(split.train, label):
            continue
        tasks.append(FitTask(split.train, split.valid, test, features, params, label, model_name, variants))
    return _run_fits(tasks, label, jobs, scheduler)


def _both_classes(rows: list, label: str) -> bool:
    y = labels(rows, label)
    return 0 < int(y.sum()) < len(y)


#: finer feature groups of the detectors, ablated one at a time by ``--ablation each`` besides each
#: whole detector: the hidden-coupling ranking (its count covers both ``coupling.missing_partner`` and
#: ``coupling.missing_test`` findings, its rate the best left-out code candidate), the API surface read
#: by tree-sitter, and the AI style estimate apart from the explicit markers
ABLATION_GROUPS: dict[str, tuple[str, ...]] = {
    "partners": ("missing_partners", "max_partner_rate"),
    "api surface": ("api_changes",),
    "AI style": ("ai_style_score",),
}

#: readable variant names for the detectors (``without <name>``)
_DETECTOR_NAMES = {"retry_timeout": "retry/timeout", "authorship": "AI authorship"}


def ablation_groups() -> dict[str, list[str]]:
    """Every group ``--ablation each`` leaves out in turn, as {name: features}: the history features,
    each code-reading detector, and the finer groups of :data:`ABLATION_GROUPS`."""
    from mergeguard.features import CORE_DETECTORS, DETECTORS, detector_features

    groups = {"history": detector_features(("history",))}
    for det in DETECTORS:
        if det not in CORE_DETECTORS:
            groups[_DETECTOR_NAMES.get(det, det)] = detector_features((det,))
    for name, names in ABLATION_GROUPS.items():
        groups[name] = list(names)
    return groups


def ablation_variants(features: list[str], kind: str = "detectors") -> dict[str, list[str]]:
    """Feature subsets to compare against the full model, on the same split.

    ``detectors``: the model without everything the code-reading detectors add (coupling, AI
    authorship, retry/timeout), i.e. diff and history features only. ``each``: additionally one
    variant per group of :func:`ablation_groups` left out (history, each detector, and the partner
    ranking, API surface and AI style within them). ``none``: no ablation.
    """
    from mergeguard.features import CORE_DETECTORS, detector_features

    if kind == "none":
        return {}
    core = set(detector_features(CORE_DETECTORS))
    variants = {"without detectors": [f for f in features if f in core]}
    if kind == "each":
        for name, names in ablation_groups().items():
            drop = set(names)
            variants[f"without {name}"] = [f for f in features if f not in drop]
    return {name: names for name, names in variants.items() if names and names != features}


def evaluate(rows: list[dict[str, Any]], model: RiskModel, *, modes: list[str], label: str = "risky",
             plots_dir: str | Path | None = None, ablation: str = "detectors", jobs: int = 1,
             scheduler: str | None = None) -> dict[str, Any]:
    """Run the protocols; returns {mode: {"pooled": {model: metrics}, "per_repo": {repo: {model: metrics}}}}.

    Ablation variants appear as further models in the same tables (see :func:`ablation_variants`).
    The fits of a protocol are independent: ``jobs``/``scheduler`` run them in parallel
    (:mod:`mergeguard.batch`) with results identical to a sequential run.
    """
    variants = ablation_variants(list(model.features), ablation)
    data = labelled(rows, label)
    if not data:
        raise DataError("no labelled (mature) changes in the data")
    params = {k: v for k, v in model.params.items() if k != "num_boost_round"}
    results: dict[str, Any] = {}
    for mode in modes:
        runner = within_project if mode == "within" else leave_one_repo_out
        preds = runner(data, model.features, params, label, model.name, variants, jobs=jobs, scheduler=scheduler)
        if not preds.y:
            raise DataError(f"{mode}: no repository has enough labelled changes of both classes")
        results[mode] = {
            "pooled": preds.metrics(),
            "per_repo": {repo: preds.metrics(repo) for repo in sorted(set(preds.repo))},
        }
        if plots_dir:
            curves = {name: (np.array(preds.y), np.array(s)) for name, s in preds.scores.items()}
            d = Path(plots_dir)
            results[mode]["plots"] = [
                str(plots.roc_plot(curves, d / f"roc-{mode}.png", f"ROC ({mode})")),
                str(plots.calibration_plot(curves, d / f"calibration-{mode}.png", f"Calibration ({mode})")),
            ]
    return results


METRIC_LABELS = {
    "roc_auc": "ROC-AUC", "pr_auc": "PR-AUC", "recall_at_20_effort": "Recall@20%Effort",
    "effort_at_20_recall": "Effort@20%Recall (lower is better)", "popt": "Popt",
    "recall_top10": "Recall, top 10% flagged", "recall_top20": "Recall, top 20% flagged",
    "n": "changes", "positives": "risky changes",
}


def format_table(table: dict[str, dict[str, float]]) -> str:
    """Models side by side, one metric a row."""
    names = list(table)
    width = max(len(v) for v in METRIC_LABELS.values())
    lines = [" " * width + "  " + "  ".join(f"{n:>12}" for n in names)]
    for key, text in METRIC_LABELS.items():
        cells = []
        for n in names:
            v = table[n][key]
            if key in ("n", "positives"):
                cells.append(f"{int(v):>12,}")
            else:  # a metric the slice cannot define (one class only) is said so, not printed as nan
                cells.append(f"{'n/a':>12}" if math.isnan(v) else f"{v:>12.3f}")
        lines.append(f"{text:<{width}}  " + "  ".join(cells))
    return "\n".join(lines)


def format_results(results: dict[str, Any]) -> str:
    titles = {"within": "Within-project (time split: newest 20% of each repository)",
              "loro": "Cross-project (leave one repository out)"}
    out = []
    for mode, res in results.items():
        out += [titles.get(mode, mode), format_table(res["pooled"]), ""]
        for repo, table in res["per_repo"].items():
            first = next(iter(table.values()))
            if all(math.isnan(m["roc_auc"]) for m in table.values()):
                n, pos = int(first["n"]), int(first["positives"])
                out.append(f"  {repo}: ROC-AUC n/a: {pos:,} risky of {n:,} test changes (it needs risky and safe ones)")
                continue
            aucs = ", ".join(f"{n} {m['roc_auc']:.3f}" for n, m in table.items())
            out.append(f"  {repo}: ROC-AUC {aucs}")
        if res.get("plots"):
            out.append("  plots: " + ", ".join(res["plots"]))
        out.append("")
    return "\n".join(out).rstrip() + "\n"
