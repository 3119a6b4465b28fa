"""Training: LightGBM on older changes, early-stopped and calibrated on newer ones.

Why time-aware: a random split lets the model learn from the future of the very files it is
validated on, which inflates every metric (Jimenez et al., "The importance of accounting for
real-world labelling when predicting software vulnerabilities", and the JIT-SDP literature).
Each repository's labelled rows are ordered by commit time and cut into train (oldest), early-stop
validation, and calibration/test (newest); pooled across repositories so that every repository is
represented in every part.

Class imbalance: ``scale_pos_weight`` = negatives/positives during boosting, then Platt scaling on
the newest slice maps margins back to honest probabilities.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.linear_model import LogisticRegression

from mergeguard.errors import DataError
from mergeguard.features import FEATURES

from .dataset import labelled
from .model import RiskModel

DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 2,
    "deterministic": True,
    "force_row_wise": True,
    "seed": 7,
    "verbose": -1,
}
MAX_ROUNDS = 2000
EARLY_STOP = 100


@dataclass
class Split:
    train: list[dict[str, Any]]
    valid: list[dict[str, Any]]
    test: list[dict[str, Any]]


def time_split(rows: list[dict[str, Any]], valid_frac: float = 0.15, test_frac: float = 0.15) -> Split:
    """Per repository: oldest rows train, then validation, newest test."""
    by_repo: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_repo[r.get("repo", "")].append(r)
    split = Split([], [], [])
    for repo_rows in by_repo.values():
        repo_rows.sort(key=lambda r: (r["time"], r.get("sha", "")))
        n = len(repo_rows)
        n_test = int(round(n * test_frac))
        n_valid = int(round(n * valid_frac))
        split.train += repo_rows[: n - n_test - n_valid]
        split.valid += repo_rows[n - n_test - n_valid : n - n_test]
        split.test += repo_rows[n - n_test :]
    return split


def labels(rows: list[dict[str, Any]], label: str = "risky") -> np.ndarray:
    return np.array([1 if r["labels"][label] else 0 for r in rows], dtype=np.int32)


def fit_booster(
    train: list[dict[str, Any]],
    valid: list[dict[str, Any]],
    features: list[str],
    params: dict[str, Any] | None = None,
    label: str = "risky",
) -> tuple[lgb.Booster, int]:
    """Boost on ``train`` with early stopping on ``valid``; returns the booster and its best round."""
    params = {**DEFAULT_PARAMS, **(params or {})}
    params.pop("positive_weight", None)  # recorded in cards; recomputed for each training set
    shell = RiskModel(booster=None, features=features)  # type: ignore[arg-type]  # a shell for matrix(): never predicts
    y_tr, y_va = labels(train, label), labels(valid, label)
    pos = int(y_tr.sum())
    if pos == 0 or pos == len(y_tr):
        raise DataError("the training data has only one class; mine more history or lower --maturity-days")
    weight = float(params.pop("scale_pos_weight", (len(y_tr) - pos) / pos))
    # small repositories: leaves of 40 changes would forbid every split
    params["min_data_in_leaf"] = int(min(params.get("min_data_in_leaf", 40), max(5, len(y_tr) // 50)))
    dtrain = lgb.Dataset(shell.matrix([r["features"] for r in train]), y_tr, weight=_weights(y_tr, weight),
                         feature_name=features, free_raw_data=False)
    callbacks: list[Callable[..., Any]] = [lgb.log_evaluation(0)]
    valid_sets = []
    if valid and 0 < y_va.sum() < len(y_va):
        # Early stopping watches the loss being optimised (positives weighted as in training); AUC
        # saturates on easy validation sets and unweighted logloss rises as weighting shifts scores.
        dvalid = lgb.Dataset(shell.matrix([r["features"] for r in valid]), y_va, weight=_weights(y_va, weight),
                             reference=dtrain)
        valid_sets = [dvalid]
        callbacks.append(lgb.early_stopping(EARLY_STOP, verbose=False))
        params["metric"] = ["binary_logloss"]
    rounds = int(params.pop("num_boost_round", MAX_ROUNDS if valid_sets else 300))
    booster = lgb.train(params, dtrain, num_boost_round=rounds, valid_sets=valid_sets, callbacks=callbacks)
    best = booster.best_iteration or rounds
    return booster, best


def _weights(y: np.ndarray, positive_weight: float) -> np.ndarray:
    """Class-imbalance handling: each positive counts as ``positive_weight`` negatives."""
    return np.where(y == 1, positive_weight, 1.0)


def platt(margin: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling: logistic regression of the label on the raw margin (nearly unregularised)."""
    if len(set(y.tolist())) < 2:
        return 1.0, 0.0
    lr = LogisticRegression(C=1e6, max_iter=1000)
    lr.fit(margin.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def quantiles(rows: list[dict[str, Any]], features: list[str]) -> dict[str, list[float]]:
    """101 quantiles per feature of the training population, for 'more than 97% of changes' texts."""
    out: dict[str, list[float]] = {}
    for name in features:
        vals = np.array([r["features"].get(name) for r in rows if r["features"].get(name) is not None], dtype=float)
        if len(vals):
            out[name] = [round(float(v), 6) for v in np.quantile(vals, np.linspace(0, 1, 101))]
    return out


def train(
    rows: list[dict[str, Any]],
    *,
    features: list[str] | None = None,
    params: dict[str, Any] | None = None,
    label: str = "risky",
    valid_frac: float = 0.15,
    test_frac: float = 0.15,
    name: str = "mergeguard-risk",
    version: str = "1",
) -> tuple[RiskModel, Split]:
    """Fit, early-stop, calibrate and set level thresholds; returns the model and the split used."""
    features = list(features or FEATURES)
    data = labelled(rows, label)
    if len(data) < 50:
        raise DataError(f"only {len(data)} labelled changes; need at least 50 to train")
    split = time_split(data, valid_frac, test_frac)
    booster, best = fit_booster(split.train, split.valid, features, params, label)
    model = RiskModel(booster=booster, features=features, name=name, version=version)
    calib_rows = split.test or split.valid
    margin = model.margin(model.matrix([r["features"] for r in calib_rows]))
    model.calibration = platt(margin, labels(calib_rows, label))
    scores = model.predict_proba([r["features"] for r in data])
    model.thresholds = level_thresholds(scores)
    model.quantiles = quantiles(split.train, features)
    y_train = labels(split.train, label)
    model.params = {**DEFAULT_PARAMS, **(params or {}), "num_boost_round": best,
                    "positive_weight": round(float((len(y_train) - y_train.sum()) / max(1, y_train.sum())), 4)}
    return model, split


def level_thresholds(scores: np.ndarray) -> dict[str, float]:
    """Levels as ranks in the training population: medium = riskier than half the changes,
    high = than 80%, critical = than 95%. Teams can override them in their config."""
    q = np.quantile(scores, [0.5, 0.8, 0.95])
    return {"medium": _r(q[0]), "high": _r(q[1]), "critical": _r(q[2])}


def _r(x: float) -> float:
    return float(round(x, 4)) if math.isfinite(x) else 1.0
