"""Tests for mergeguard.models.metrics and mergeguard.models.plots.

Expected numbers are computed by hand in the comments, never by calling the
code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from mergeguard.models import metrics as M
from mergeguard.models import plots as P

# --- Hand example --------------------------------------------------------
# 5 changes, scores strictly decreasing, so inspection order is 0,1,2,3,4.
#   idx  y  s    effort  (effort<1 -> 1)  cum effort
#   0    1  0.9  10                        10
#   1    0  0.8  20                        30
#   2    1  0.7  30                        60
#   3    0  0.6  0       -> 1              61
#   4    0  0.5  40                       101
# total effort = 101, positives = 2
Y = np.array([1, 0, 1, 0, 0])
S = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
E = np.array([10, 20, 30, 0, 40])


def test_roc_auc_hand():
    # positives 0.9, 0.7; negatives 0.8, 0.6, 0.5
    # 0.9 beats 3 negatives, 0.7 beats 2 (loses to 0.8) -> 5/6
    assert M.roc_auc(Y, S) == pytest.approx(5 / 6)


def test_pr_auc_hand():
    # ranked labels 0,1,1,0 -> precision at hits 1/2 and 2/3 -> AP = 7/12
    y = [0, 1, 1, 0]
    s = [0.9, 0.8, 0.7, 0.6]
    assert M.pr_auc(y, s) == pytest.approx(7 / 12)
    # hand example: ranked 1,0,1,0,0 -> (1/1 + 2/3) / 2 = 5/6
    assert M.pr_auc(Y, S) == pytest.approx(5 / 6)


def test_roc_auc_ties_count_half():
    # one positive and one negative with the same score -> 0.5
    assert M.roc_auc([1, 0], [0.3, 0.3]) == pytest.approx(0.5)


def test_recall_at_effort_hand():
    # budget 0.2 * 101 = 20.2 -> only change 0 (cum 10) fits; cum 30 > 20.2
    assert M.recall_at_effort(Y, S, E, 0.2) == pytest.approx(0.5)
    # budget 0.6 * 101 = 60.6 -> changes 0,1,2 fit -> both positives
    assert M.recall_at_effort(Y, S, E, 0.6) == pytest.approx(1.0)
    # budget 0.05 * 101 = 5.05 -> nothing fits
    assert M.recall_at_effort(Y, S, E, 0.05) == pytest.approx(0.0)


def test_recall_at_effort_counts_only_fully_fitting_changes():
    # total 5, budget 1: a change of effort 1 fits exactly ...
    assert M.recall_at_effort([1, 1], [0.9, 0.8], [1, 4], 0.2) == pytest.approx(0.5)
    # ... but a change of effort 2 does not fit, even partially
    assert M.recall_at_effort([1, 1], [0.9, 0.8], [2, 3], 0.2) == pytest.approx(0.0)


def test_effort_at_recall_hand():
    # 20% of 2 positives = 0.4 -> first change suffices: 10 / 101
    assert M.effort_at_recall(Y, S, E) == pytest.approx(10 / 101)
    # 100% recall needs changes 0..2: 60 / 101
    assert M.effort_at_recall(Y, S, E, 1.0) == pytest.approx(60 / 101)
    # 50% recall = exactly 1 positive -> 10 / 101
    assert M.effort_at_recall(Y, S, E, 0.5) == pytest.approx(10 / 101)


def test_popt_hand():
    # Model curve (x in effort units /101, r = recall), trapezoids:
    #   10*(0+.5)/2=2.5, 20*(.5+.5)/2=10, 30*(.5+1)/2=22.5, 1*1=1, 40*1=40 -> 76
    # Optimal: positives by effort asc (10, 30), then negatives:
    #   10*(0+.5)/2=2.5, 30*(.5+1)/2=22.5, 61*1=61 -> 86
    # Worst: negatives first (61 effort at recall 0), positives effort desc (30, 10):
    #   0, 30*(0+.5)/2=7.5, 10*(.5+1)/2=7.5 -> 15
    # Popt = 1 - (86-76)/(86-15) = 61/71
    assert M.popt(Y, S, E) == pytest.approx(61 / 71)


def test_recall_at_top_hand():
    # n=5: top ceil(0.1*5)=1 -> change 0 (positive) -> 1/2
    assert M.recall_at_top(Y, S, 0.1) == pytest.approx(0.5)
    # top ceil(0.4*5)=2 -> changes 0,1 -> 1/2
    assert M.recall_at_top(Y, S, 0.4) == pytest.approx(0.5)
    # top ceil(0.5*5)=3 -> changes 0,1,2 -> 2/2
    assert M.recall_at_top(Y, S, 0.5) == pytest.approx(1.0)


def test_recall_at_top_float_rounding():
    # 0.28 * 25 is 7.000000000000001 in floating point; k must be 7, not 8.
    y = np.zeros(25, dtype=int)
    y[7] = 1  # the 8th-ranked change is the only positive
    s = -np.arange(25, dtype=float)
    assert M.recall_at_top(y, s, 0.28) == pytest.approx(0.0)
    assert M.recall_at_top(y, s, 8 / 25) == pytest.approx(1.0)


def test_ties_broken_by_smaller_effort_then_index():
    # Equal scores: inspect the cheapest first. Efforts 5,1,3 -> order 1,2,0.
    assert list(M.inspection_order([0.5, 0.5, 0.5], [5, 1, 3])) == [1, 2, 0]
    # total 9, budget 1.8 -> only change 1 (effort 1), which is the positive
    assert M.recall_at_effort([0, 1, 0], [0.5] * 3, [5, 1, 3]) == pytest.approx(1.0)
    # Equal scores and efforts: original index decides.
    assert list(M.inspection_order([0.5, 0.5], [2, 2])) == [0, 1]
    assert M.recall_at_top([0, 1], [0.5, 0.5], 0.5) == pytest.approx(0.0)
    assert M.recall_at_top([1, 0], [0.5, 0.5], 0.5) == pytest.approx(1.0)


def test_effort_below_one_counts_as_one():
    # efforts 0, -3, NaN all count as 1 -> total 3, budget 0.34*3=1.02 -> one change
    y = [1, 0, 1]
    s = [0.9, 0.8, 0.7]
    assert M.recall_at_effort(y, s, [0, -3, np.nan], 0.34) == pytest.approx(0.5)
    assert M.effort_at_recall(y, s, [0, -3, np.nan], 1.0) == pytest.approx(1.0)


def _random_case(seed: int, n: int = 200):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    effort = rng.integers(1, 500, size=n).astype(float)
    return y, effort


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_perfect_ranking(seed):
    y, effort = _random_case(seed)
    # score = label: positives first, ties broken by smaller effort -> optimal order
    s = y.astype(float)
    assert M.popt(y, s, effort) == pytest.approx(1.0)
    assert M.roc_auc(y, s) == pytest.approx(1.0)
    assert M.pr_auc(y, s) == pytest.approx(1.0)
    k = math.ceil(0.2 * len(y))
    assert M.recall_at_top(y, s, 0.2) == pytest.approx(min(1.0, k / y.sum()))
    # effort-aware: at 20% effort we find exactly the positives whose cheapest-first
    # cumulative effort fits in the budget
    pos_eff = np.sort(effort[y == 1])
    expected = np.sum(np.cumsum(pos_eff) <= 0.2 * effort.sum()) / y.sum()
    assert M.recall_at_effort(y, s, effort) == pytest.approx(expected)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reversed_ranking(seed):
    y, effort = _random_case(seed)
    # negatives first, positives by descending effort -> the worst order
    s = -y + 1e-6 * effort
    assert M.popt(y, s, effort) == pytest.approx(0.0, abs=1e-12)
    assert M.roc_auc(y, s) == pytest.approx(0.0)
    assert M.recall_at_top(y, s, 0.2) == pytest.approx(0.0)


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_random_ranking_is_in_between(seed):
    y, effort = _random_case(seed)
    s = np.random.default_rng(seed + 100).random(len(y))
    p = M.popt(y, s, effort)
    assert 0.0 < p < 1.0
    # effort-aware metrics are monotone in their budget / target
    assert M.recall_at_effort(y, s, effort, 0.2) <= M.recall_at_effort(y, s, effort, 0.5)
    assert M.effort_at_recall(y, s, effort, 0.2) <= M.effort_at_recall(y, s, effort, 0.5)


def test_popt_prefers_cheap_positives():
    # Same count-based ranking quality, but the model that puts the small risky
    # change first must score higher on Popt.
    y = [1, 1, 0, 0]
    effort = [1, 100, 50, 50]
    cheap_first = [0.9, 0.8, 0.2, 0.1]
    costly_first = [0.8, 0.9, 0.2, 0.1]
    assert M.roc_auc(y, cheap_first) == M.roc_auc(y, costly_first)
    assert M.popt(y, cheap_first, effort) > M.popt(y, costly_first, effort)


@pytest.mark.parametrize("label", [0, 1])
def test_single_class_is_nan(label):
    y = [label] * 4
    s = [0.1, 0.2, 0.3, 0.4]
    e = [1, 2, 3, 4]
    assert math.isnan(M.roc_auc(y, s))
    assert math.isnan(M.pr_auc(y, s))
    assert math.isnan(M.popt(y, s, e))
    if label == 0:  # no positives -> recall undefined
        assert math.isnan(M.recall_at_effort(y, s, e))
        assert math.isnan(M.effort_at_recall(y, s, e))
        assert math.isnan(M.recall_at_top(y, s, 0.2))
    else:
        # all positive: top 20% of 4 -> ceil(0.8)=1 change -> 1/4
        assert M.recall_at_top(y, s, 0.2) == pytest.approx(0.25)


def test_all_metrics_keys_and_values():
    out = M.all_metrics(Y, S, E)
    assert list(out) == [
        "roc_auc", "pr_auc", "recall_at_20_effort", "effort_at_20_recall",
        "popt", "recall_top10", "recall_top20", "n", "positives",
    ]
    assert out["roc_auc"] == pytest.approx(5 / 6)
    assert out["pr_auc"] == pytest.approx(5 / 6)
    assert out["recall_at_20_effort"] == pytest.approx(0.5)
    assert out["effort_at_20_recall"] == pytest.approx(10 / 101)
    assert out["popt"] == pytest.approx(61 / 71)
    assert out["recall_top10"] == pytest.approx(0.5)  # top 1
    assert out["recall_top20"] == pytest.approx(0.5)  # top 1
    assert out["n"] == 5
    assert out["positives"] == 2
    assert all(isinstance(v, float) for v in out.values())


def test_all_metrics_single_class():
    out = M.all_metrics([0, 0, 0], [0.1, 0.5, 0.9], [3, 2, 1])
    for key in ("roc_auc", "pr_auc", "recall_at_20_effort", "effort_at_20_recall", "popt"):
        assert math.isnan(out[key]), key
    assert out["n"] == 3 and out["positives"] == 0


def test_bad_inputs_rejected():
    with pytest.raises(ValueError):
        M.roc_auc([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError):
        M.popt([0, 1], [0.1, 0.2], [1, 2, 3])
    with pytest.raises(ValueError):
        M.recall_at_top([0, 1], [0.1], 0.2)


# --- plots ---------------------------------------------------------------

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _assert_png(path):
    data = open(path, "rb").read()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 5000  # axes, curves and legend, not an empty image


def test_roc_plot_writes_png(tmp_path):
    rng = np.random.default_rng(0)
    y = (rng.random(300) < 0.3).astype(int)
    good = y + rng.normal(0, 0.5, 300)
    noise = rng.random(300)
    target = tmp_path / "nested" / "dir" / "roc.png"
    out = P.roc_plot({"good": (y, good), "noise": (y, noise),
                      "one-class": (np.zeros(5), np.arange(5))}, target, "ROC")
    assert str(out) == str(target)
    _assert_png(target)


def test_calibration_plot_writes_png(tmp_path):
    rng = np.random.default_rng(1)
    prob = rng.random(500)
    y = (rng.random(500) < prob).astype(int)
    target = tmp_path / "a" / "cal.png"
    out = P.calibration_plot({"calibrated": (y, prob), "constant": (y, np.full(500, 0.3))},
                             target, "Calibration", bins=10)
    assert str(out) == str(target)
    _assert_png(target)


def test_calibration_bins_hand():
    # quantile edges for 2 bins: [0.1, 0.25, 0.4] -> {0.1, 0.2} and {0.3, 0.4}
    mean_pred, observed, counts = P.calibration_bins([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], bins=2)
    assert mean_pred == pytest.approx([0.15, 0.35])
    assert observed == pytest.approx([0.0, 1.0])
    assert list(counts) == [2, 2]


def test_calibration_bins_skip_empty():
    # all probabilities equal -> every quantile edge coincides -> a single bin
    mean_pred, observed, counts = P.calibration_bins([0, 1, 1, 0], [0.5] * 4, bins=10)
    assert mean_pred == pytest.approx([0.5])
    assert observed == pytest.approx([0.5])
    assert list(counts) == [4]
