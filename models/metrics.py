"""Evaluation metrics for change-risk scores (just-in-time defect prediction).

Why these metrics: a risk score is only useful if it helps reviewers spend
their limited attention well.  Ranking quality alone (ROC-AUC) ignores that a
500-line change costs far more to review than a 5-line one, so we also report
the *effort-aware* metrics of the JIT literature (Kamei et al. 2013; Yang et
al. 2016; Huang et al. 2017; Yan et al. 2020, "LApredict"), where effort is the
number of changed lines (LA + LD, values < 1 counted as 1).

Inputs are numpy-like arrays: ``y`` (0/1 labels, 1 = risky/defect-inducing),
``s`` (risk scores, higher = riskier) and ``effort``.  Whenever a metric is
undefined (e.g. only one class present) it returns ``float('nan')`` instead of
raising, so an evaluation report never crashes on a small slice.

Definitions:

* ``roc_auc`` -- probability a random positive outranks a random negative.
* ``pr_auc`` -- average precision; more informative when positives are rare.
* Inspection order -- changes are inspected by descending score; ties are
  broken by smaller effort first (cheaper to look at), then by original index
  (determinism).
* ``recall_at_effort(frac=0.2)`` -- share of all positives found after
  inspecting changes whose cumulative effort stays within ``frac`` of the total
  effort; a change counts only if it fits fully within the budget.
* ``effort_at_recall(frac=0.2)`` -- share of total effort spent (in inspection
  order) until at least ``frac`` of all positives have been found.
* ``popt`` -- normalised area under the cumulative-%-positives vs
  cumulative-%-effort curve (trapezoids from (0, 0)):
  ``1 - (A(opt) - A(model)) / (A(opt) - A(worst))`` where the optimal order is
  label desc then effort asc and the worst is label asc then effort desc.
  1 = optimal, 0 = worst possible.
* ``recall_at_top(frac)`` -- share of all positives among the top
  ``ceil(frac * n)`` changes by score (count-based, ignores effort).
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

__all__ = [
    "roc_auc",
    "pr_auc",
    "inspection_order",
    "recall_at_effort",
    "effort_at_recall",
    "popt",
    "recall_at_top",
    "all_metrics",
]

# Tolerance for float comparisons of budgets/targets (e.g. 0.1 * 30 != 3.0).
_EPS = 1e-9


def _labels(y) -> np.ndarray:
    """Labels as a 1-D int array; rejects anything that is not 0/1."""
    arr = np.asarray(y, dtype=float).ravel()
    if arr.size and not np.isin(arr, (0.0, 1.0)).all():
        raise ValueError("labels must be 0/1")
    return arr.astype(int)


def _scores(s, n: int) -> np.ndarray:
    """Scores as a 1-D float array of length ``n``."""
    arr = np.asarray(s, dtype=float).ravel()
    if arr.size != n:
        raise ValueError(f"scores have length {arr.size}, labels {n}")
    return arr


def _effort(effort, n: int) -> np.ndarray:
    """Effort per change; < 1 or NaN counts as 1 (every change costs a look)."""
    arr = np.asarray(effort, dtype=float).ravel()
    if arr.size != n:
        raise ValueError(f"effort has length {arr.size}, labels {n}")
    return np.where(np.isnan(arr) | (arr < 1.0), 1.0, arr)


def _single_class(y: np.ndarray) -> bool:
    """True when ranking metrics are undefined (no positives or no negatives)."""
    return y.size == 0 or y.min() == y.max()


def roc_auc(y, s) -> float:
    """ROC-AUC of scores ``s`` for labels ``y``; NaN if only one class."""
    yy = _labels(y)
    ss = _scores(s, yy.size)
    if _single_class(yy):
        return float("nan")
    return float(roc_auc_score(yy, ss))


def pr_auc(y, s) -> float:
    """Average precision (area under PR curve); NaN if only one class."""
    yy = _labels(y)
    ss = _scores(s, yy.size)
    if _single_class(yy):
        return float("nan")
    return float(average_precision_score(yy, ss))


def inspection_order(s, effort=None) -> np.ndarray:
    """Indices in reviewer inspection order.

    Descending score, ties by smaller effort, then by original index, so the
    result is deterministic and favours cheap changes when the model is unsure.
    """
    ss = np.asarray(s, dtype=float).ravel()
    n = ss.size
    ee = np.zeros(n) if effort is None else _effort(effort, n)
    # lexsort: last key is primary.
    return np.lexsort((np.arange(n), ee, -ss))


def _prepare(y, s, effort) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    yy = _labels(y)
    return yy, _scores(s, yy.size), _effort(effort, yy.size)


def recall_at_effort(y, s, effort, frac: float = 0.2) -> float:
    """Share of positives found within ``frac`` of total effort.

    Changes are inspected in :func:`inspection_order`; a change counts only if
    it fits fully within the budget.  NaN if there are no positives.
    """
    yy, ss, ee = _prepare(y, s, effort)
    positives = int(yy.sum())
    if positives == 0:
        return float("nan")
    order = inspection_order(ss, ee)
    cum_effort = np.cumsum(ee[order])
    budget = frac * ee.sum()
    inspected = cum_effort <= budget + _EPS
    return float(yy[order][inspected].sum() / positives)


def effort_at_recall(y, s, effort, frac: float = 0.2) -> float:
    """Share of total effort needed to find at least ``frac`` of positives.

    NaN if there are no positives.  ``frac <= 0`` needs no effort (0.0).
    """
    yy, ss, ee = _prepare(y, s, effort)
    positives = int(yy.sum())
    if positives == 0:
        return float("nan")
    target = frac * positives
    if target <= _EPS:
        return 0.0
    order = inspection_order(ss, ee)
    cum_pos = np.cumsum(yy[order])
    k = int(np.argmax(cum_pos >= target - _EPS))
    return float(ee[order][: k + 1].sum() / ee.sum())


def _curve_area(y_sorted: np.ndarray, e_sorted: np.ndarray) -> float:
    """Trapezoid area under cumulative-%-positives vs cumulative-%-effort."""
    x = np.concatenate(([0.0], np.cumsum(e_sorted) / e_sorted.sum()))
    r = np.concatenate(([0.0], np.cumsum(y_sorted) / y_sorted.sum()))
    return float(np.sum((x[1:] - x[:-1]) * (r[1:] + r[:-1]) / 2.0))


def popt(y, s, effort) -> float:
    """Normalised effort-aware ranking quality (Kamei et al. 2013).

    ``1 - (A(opt) - A(model)) / (A(opt) - A(worst))``; NaN if only one class
    (optimal and worst curves would coincide or be undefined).
    """
    yy, ss, ee = _prepare(y, s, effort)
    if _single_class(yy):
        return float("nan")
    idx = np.arange(yy.size)
    model = inspection_order(ss, ee)
    optimal = np.lexsort((idx, ee, -yy))
    worst = np.lexsort((idx, -ee, yy))
    a_model = _curve_area(yy[model], ee[model])
    a_opt = _curve_area(yy[optimal], ee[optimal])
    a_worst = _curve_area(yy[worst], ee[worst])
    if a_opt - a_worst <= _EPS:
        return float("nan")
    return float(1.0 - (a_opt - a_model) / (a_opt - a_worst))


def recall_at_top(y, s, frac: float, effort=None) -> float:
    """Share of all positives among the top ``ceil(frac * n)`` changes by score.

    Count-based (a reviewer looks at the top k% of changes regardless of size).
    ``effort`` is only used to break score ties consistently with the
    effort-aware metrics.  NaN if there are no positives.
    """
    yy = _labels(y)
    ss = _scores(s, yy.size)
    positives = int(yy.sum())
    if positives == 0:
        return float("nan")
    k = max(0, math.ceil(frac * yy.size - _EPS))
    top = inspection_order(ss, effort)[:k]
    return float(yy[top].sum() / positives)


def all_metrics(y, s, effort) -> dict[str, float]:
    """Every metric used by ``mergeguard evaluate`` in one dict."""
    yy, ss, ee = _prepare(y, s, effort)
    return {
        "roc_auc": roc_auc(yy, ss),
        "pr_auc": pr_auc(yy, ss),
        "recall_at_20_effort": recall_at_effort(yy, ss, ee, 0.2),
        "effort_at_20_recall": effort_at_recall(yy, ss, ee, 0.2),
        "popt": popt(yy, ss, ee),
        "recall_top10": recall_at_top(yy, ss, 0.1, ee),
        "recall_top20": recall_at_top(yy, ss, 0.2, ee),
        "n": float(yy.size),
        "positives": float(yy.sum()),
    }
