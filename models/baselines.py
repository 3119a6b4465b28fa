"""Literature baselines for just-in-time change-risk prediction.

Why: a learned risk model is only worth shipping if it beats the simple,
well-known baselines of the JIT defect prediction literature on the same data.

* :class:`LAPredict` -- Yan et al. 2020, "Effort-aware just-in-time defect
  identification in practice": a logistic regression on a single feature, the
  number of lines added (``la``).  Surprisingly hard to beat.
* :class:`Kamei14LR` -- Kamei et al. 2013, "A large-scale empirical study of
  just-in-time quality assurance": logistic regression on the 14 change
  metrics (diffusion, size, purpose, history, experience).

Both follow a scikit-learn-like contract: ``fit(rows, y) -> self`` and
``predict_proba(rows) -> np.ndarray`` of shape ``(n,)`` holding P(risky),
where ``rows`` is a list of dicts mapping feature name -> float.  Missing or
NaN values are treated as 0 (the metric is absent, e.g. no history).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

__all__ = ["KAMEI14_FEATURES", "rows_to_matrix", "LAPredict", "Kamei14LR"]

KAMEI14_FEATURES: list[str] = [
    "ns", "nd", "nf", "entropy", "la", "ld", "lt",
    "fix", "ndev", "age", "nuc", "exp", "rexp", "sexp",
]

# Kamei 2013 log-transforms every metric except the binary ``fix`` flag.
_NOT_LOGGED = frozenset({"fix"})

_MAX_ITER = 5000


def _to_float(value) -> float:
    """A feature value as float; None, NaN, inf or non-numeric -> 0.0."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return 0.0
    return x if math.isfinite(x) else 0.0


def rows_to_matrix(rows: Sequence[Mapping[str, float]], features: Sequence[str]) -> np.ndarray:
    """Dict rows -> dense ``(n, len(features))`` matrix, missing/NaN -> 0."""
    return np.array(
        [[_to_float(row.get(f)) for f in features] for row in rows],
        dtype=float,
    ).reshape(len(rows), len(features))


def _signed_log1p(x: np.ndarray) -> np.ndarray:
    """log1p for the (non-negative) counts; sign-preserving so bad data can't NaN."""
    return np.sign(x) * np.log1p(np.abs(x))


def _labels(y, n_rows: int) -> np.ndarray:
    arr = np.asarray(y, dtype=float).ravel()
    if arr.size != n_rows:
        raise ValueError(f"{n_rows} rows but {arr.size} labels")
    if arr.size == 0:
        raise ValueError("cannot fit on an empty training set")
    if not np.isin(arr, (0.0, 1.0)).all():
        raise ValueError("labels must be 0/1")
    return arr.astype(int)


class _LogisticBaseline:
    """Shared fit/predict logic: transform features, then balanced LR.

    With a single class in the training set a classifier cannot be fitted;
    we then predict the constant base rate (0 or 1), which is the honest
    answer given the data.
    """

    name: str = ""
    features: list[str] = []

    def __init__(self) -> None:
        self.model_: Pipeline | None = None
        self.base_rate_: float | None = None

    def _transform(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _design(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        return self._transform(rows_to_matrix(rows, self.features))

    def fit(self, rows: Sequence[Mapping[str, float]], y) -> _LogisticBaseline:
        yy = _labels(y, len(rows))
        self.base_rate_ = float(yy.mean())
        if yy.min() == yy.max():
            self.model_ = None
            return self
        self.model_ = make_pipeline(
            StandardScaler(),
            LogisticRegression(class_weight="balanced", max_iter=_MAX_ITER),
        )
        self.model_.fit(self._design(rows), yy)
        return self

    def predict_proba(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """P(risky) per row, shape ``(n,)``."""
        if self.base_rate_ is None:
            raise RuntimeError(f"{self.name} is not fitted; call fit() first")
        if self.model_ is None:
            return np.full(len(rows), self.base_rate_, dtype=float)
        if len(rows) == 0:
            return np.zeros(0, dtype=float)
        return self.model_.predict_proba(self._design(rows))[:, 1]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(features={self.features!r})"


class LAPredict(_LogisticBaseline):
    """Logistic regression on log1p(lines added) -- Yan et al. 2020."""

    name = "LApredict"
    features = ["la"]

    def _transform(self, x: np.ndarray) -> np.ndarray:
        return _signed_log1p(x)


class Kamei14LR(_LogisticBaseline):
    """Logistic regression on Kamei et al. 2013's 14 change metrics.

    Preprocessing as in the paper: missing -> 0, log1p of all counts (every
    metric but ``fix``), standardisation, class-balanced weights.
    """

    name = "Kamei14-LR"
    features = list(KAMEI14_FEATURES)

    def _transform(self, x: np.ndarray) -> np.ndarray:
        out = x.copy()
        for j, f in enumerate(self.features):
            if f not in _NOT_LOGGED:
                out[:, j] = _signed_log1p(out[:, j])
        return out
