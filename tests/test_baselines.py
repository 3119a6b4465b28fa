"""Tests for mergeguard.models.baselines on synthetic data with known signal."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mergeguard.models.baselines import KAMEI14_FEATURES, Kamei14LR, LAPredict

KAMEI_NAMES = ["ns", "nd", "nf", "entropy", "la", "ld", "lt",
               "fix", "ndev", "age", "nuc", "exp", "rexp", "sexp"]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _random_rows(rng: np.random.Generator, n: int) -> list[dict[str, float]]:
    """Plausible Kamei-style metrics, all independent of each other."""
    cols = {
        "ns": rng.integers(1, 4, n), "nd": rng.integers(1, 6, n),
        "nf": rng.integers(1, 30, n), "entropy": rng.random(n) * 3,
        "la": np.round(rng.lognormal(3.5, 1.5, n)), "ld": np.round(rng.lognormal(2.5, 1.5, n)),
        "lt": np.round(rng.lognormal(5, 1, n)), "fix": (rng.random(n) < 0.3).astype(int),
        "ndev": rng.integers(1, 20, n), "age": rng.random(n) * 100,
        "nuc": rng.integers(1, 10, n), "exp": rng.integers(0, 2000, n),
        "rexp": rng.random(n) * 50, "sexp": rng.integers(0, 500, n),
    }
    return [{k: float(v[i]) for k, v in cols.items()} for i in range(n)]


def _make(seed: int, n: int, logit) -> tuple[list[dict[str, float]], np.ndarray]:
    rng = np.random.default_rng(seed)
    rows = _random_rows(rng, n)
    z = np.array([logit(r) for r in rows])
    y = (rng.random(n) < _sigmoid(z)).astype(int)
    return rows, y


def _la_logit(r: dict[str, float]) -> float:
    # risk grows steeply with log(lines added); independent of everything else
    return 2.5 * (math.log1p(r["la"]) - 4.0)


def _fix_nf_logit(r: dict[str, float]) -> float:
    # risk depends on fix and nf only; la carries no signal
    return 3.0 * r["fix"] + 2.0 * (math.log1p(r["nf"]) - 2.5) - 0.5


def test_names_and_features():
    assert LAPredict().name == "LApredict"
    assert LAPredict().features == ["la"]
    assert Kamei14LR().name == "Kamei14-LR"
    assert Kamei14LR().features == KAMEI_NAMES
    assert KAMEI14_FEATURES == KAMEI_NAMES


@pytest.mark.parametrize("model_cls", [LAPredict, Kamei14LR])
def test_learns_la_signal(model_cls):
    train_rows, train_y = _make(0, 2000, _la_logit)
    test_rows, test_y = _make(1, 1000, _la_logit)
    model = model_cls()
    assert model.fit(train_rows, train_y) is model
    p = model.predict_proba(test_rows)
    assert p.shape == (len(test_rows),)
    assert np.all((p >= 0) & (p <= 1))
    assert roc_auc_score(test_y, p) > 0.8
    # and the learned direction is "more lines added = riskier"
    small = model.predict_proba([{**test_rows[0], "la": 1.0}])[0]
    large = model.predict_proba([{**test_rows[0], "la": 5000.0}])[0]
    assert large > small


def test_kamei_uses_more_than_la():
    train_rows, train_y = _make(2, 3000, _fix_nf_logit)
    test_rows, test_y = _make(3, 1500, _fix_nf_logit)
    auc_la = roc_auc_score(test_y, LAPredict().fit(train_rows, train_y).predict_proba(test_rows))
    auc_k = roc_auc_score(test_y, Kamei14LR().fit(train_rows, train_y).predict_proba(test_rows))
    assert auc_la < 0.6  # la is pure noise here
    assert auc_k > 0.75
    assert auc_k > auc_la + 0.15


def test_lapredict_ignores_other_features():
    rows, y = _make(4, 500, _la_logit)
    model = LAPredict().fit(rows, y)
    a = model.predict_proba([{"la": 40.0, "fix": 0.0, "nf": 1.0}])
    b = model.predict_proba([{"la": 40.0, "fix": 1.0, "nf": 300.0}])
    assert a == pytest.approx(b)


@pytest.mark.parametrize("model_cls", [LAPredict, Kamei14LR])
def test_missing_and_nan_values_are_zero(model_cls):
    rows, y = _make(5, 500, _fix_nf_logit)
    model = model_cls().fit(rows, y)
    zero_row = dict.fromkeys(model.features, 0.0)
    nan_row = {f: float("nan") for f in model.features}
    p = model.predict_proba([zero_row, nan_row, {}, {"la": None}])
    assert np.all(np.isfinite(p))
    assert p[1] == pytest.approx(p[0])
    assert p[2] == pytest.approx(p[0])
    assert p[3] == pytest.approx(p[0])


def test_training_rows_with_missing_values():
    rows, y = _make(6, 600, _fix_nf_logit)
    for i in range(0, len(rows), 3):
        rows[i] = {k: v for k, v in rows[i].items() if k not in ("age", "exp")}
        rows[i]["sexp"] = float("nan")
    p = Kamei14LR().fit(rows, y).predict_proba(rows)
    assert np.all(np.isfinite(p))


@pytest.mark.parametrize("model_cls", [LAPredict, Kamei14LR])
@pytest.mark.parametrize("label", [0, 1])
def test_single_class_predicts_base_rate(model_cls, label):
    rows, _ = _make(7, 50, _la_logit)
    model = model_cls().fit(rows, [label] * len(rows))
    p = model.predict_proba(rows[:7])
    assert p.shape == (7,)
    assert np.all(p == float(label))


@pytest.mark.parametrize("model_cls", [LAPredict, Kamei14LR])
def test_misuse_raises(model_cls):
    with pytest.raises(RuntimeError):
        model_cls().predict_proba([{"la": 1.0}])
    with pytest.raises(ValueError):
        model_cls().fit([{"la": 1.0}, {"la": 2.0}], [0])
    with pytest.raises(ValueError):
        model_cls().fit([], [])


def test_empty_predict_after_fit():
    rows, y = _make(8, 200, _la_logit)
    assert LAPredict().fit(rows, y).predict_proba([]).shape == (0,)
