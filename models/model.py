"""A trained risk model: a LightGBM booster plus everything needed to read its output honestly.

On disk a model is a directory: ``model.txt`` (LightGBM's own text format), ``model.json`` (feature
schema and order, Platt calibration, level thresholds, feature quantiles for plain-language reasons)
and the model card (``card.json`` + ``card.md``).

A model names the features it was trained on and reads only those, by name, so it never meets a
misaligned column. Loading therefore checks *meaning*, not the feature list: a model whose feature
schema (``features.FEATURE_SCHEMA``, bumped only when what a feature means changes) differs is
refused with a clear error; a model trained before a feature was added simply does not use it; and a
feature the model needs that this mergeguard no longer computes is missing (NaN, which LightGBM
treats as unknown) with a warning (:attr:`RiskModel.missing_features`, :meth:`RiskModel.warnings`).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mergeguard.errors import ModelError
from mergeguard.features import FEATURE_SCHEMA, FEATURES

def _lightgbm_without_sklearn() -> Any:
    """``import lightgbm`` without letting it import scikit-learn, when nothing has imported it yet.

    Why: ``lightgbm.compat`` imports scikit-learn (and SciPy's stack with it) at import time only to
    offer its scikit-learn estimators; scoring uses the native ``Booster`` alone, and the import cost
    ~0.75 s of CPU in every scoring process (``score`` and each ``--jobs`` worker, the App's scoring
    processes). A ``None`` in ``sys.modules`` makes ``import sklearn`` raise ImportError, which
    lightgbm handles as "not installed"; the entry is removed right after, so ``train`` and
    ``evaluate`` (which import scikit-learn themselves) work in the same process. What is lost: the
    ``lightgbm.LGBMClassifier`` family in a process where scoring imported lightgbm first; nothing in
    mergeguard uses it (``train`` uses ``lightgbm.train``).
    """
    import sys

    if "lightgbm" in sys.modules or "sklearn" in sys.modules:
        import lightgbm
        return lightgbm
    modules: dict[str, Any] = sys.modules  # a None entry blocks an import
    modules["sklearn"] = None
    try:
        import lightgbm
    finally:
        if modules.get("sklearn", "absent") is None:
            del modules["sklearn"]
    return lightgbm


if TYPE_CHECKING:
    import lightgbm as lgb
else:
    lgb = _lightgbm_without_sklearn()

LEVELS = ("low", "medium", "high", "critical")
#: probability at which each level starts, for a model that does not state its own
DEFAULT_LEVEL_THRESHOLDS: dict[str, float] = {"medium": 0.2, "high": 0.4, "critical": 0.7}

log = logging.getLogger(__name__)


def default_model_dir() -> Path:
    return Path(str(resources.files("mergeguard.models") / "default"))


@dataclass
class RiskModel:
    booster: lgb.Booster
    features: list[str]
    calibration: tuple[float, float] = (1.0, 0.0)  # p = sigmoid(a * margin + b)
    thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LEVEL_THRESHOLDS))
    quantiles: dict[str, list[float]] = field(default_factory=dict)  # 101 points per feature
    name: str = "mergeguard-risk"
    version: str = "0"
    params: dict[str, Any] = field(default_factory=dict)
    card: dict[str, Any] = field(default_factory=dict)
    _tolerance: float | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def missing_features(self) -> list[str]:
        """Features the model was trained on that this mergeguard does not compute (always NaN)."""
        computed = set(FEATURES)
        return [f for f in self.features if f not in computed]

    def warnings(self) -> list[str]:
        """What a reader of this model's scores should know (features it needs but never gets)."""
        missing = self.missing_features
        if not missing:
            return []
        return [f"model {self.name} {self.version} was trained on features this mergeguard no longer computes "
                f"({', '.join(missing)}): they are missing (unknown) in every score; "
                "retrain it with 'mergeguard train'"]

    # -- prediction -----------------------------------------------------------------------------

    def matrix(self, rows: list[dict[str, float | None]]) -> np.ndarray:
        """Feature rows in the model's column order; missing values become NaN (LightGBM: unknown)."""
        x = np.full((len(rows), len(self.features)), np.nan, dtype=np.float64)
        for i, row in enumerate(rows):
            for j, name in enumerate(self.features):
                v = row.get(name)
                if v is not None:
                    x[i, j] = float(v)
        return x

    def margin(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster.predict(x, raw_score=True, num_threads=self._threads(x)), dtype=np.float64)

    @staticmethod
    def _threads(x: np.ndarray) -> int:
        """One thread for a handful of rows: OpenMP start-up costs more than the trees themselves."""
        return 1 if len(x) < 64 else 0

    def calibrate(self, margin: np.ndarray) -> np.ndarray:
        a, b = self.calibration
        return 1.0 / (1.0 + np.exp(-(a * margin + b)))

    def predict_proba(self, rows: list[dict[str, float | None]]) -> np.ndarray:
        return self.calibrate(self.margin(self.matrix(rows)))

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Exact TreeSHAP contributions (LightGBM ``pred_contrib``) in calibrated log-odds.

        Platt scaling is affine in the margin, so scaling by ``a`` keeps contributions additive:
        they sum, with the bias column, to the calibrated logit of the score.
        """
        contrib = np.asarray(self.booster.predict(x, pred_contrib=True, num_threads=self._threads(x)), dtype=np.float64)
        return contrib * self.calibration[0]

    def score_without_contributions(self, x: np.ndarray) -> float | None:
        """The score of one row as :func:`~mergeguard.pipeline.assess` computes it from the TreeSHAP
        sum, computed from the raw margin instead (some 30x cheaper), or None where the two might not
        give the same output: for a caller that needs the score and no reasons (the gate's windows).

        Why exact: TreeSHAP's contributions sum to the margin; their floating-point sums differ by
        a few units in the last place of the terms (at most 1.3e-14 in logit on 2,400 real rows of
        the shipped model). Both are sigmoids of logits that close, so they differ by less than
        :attr:`margin_tolerance`; the output rounds the score to 4 places and compares it with the
        level thresholds, so a score farther than that from every rounding midpoint and threshold
        gives the same output either way. Nearer than that (about one score in 100,000): None.
        """
        a, b = self.calibration
        margin = float(self.booster.predict(x, raw_score=True, num_threads=1)[0])
        score = float(1.0 / (1.0 + math.exp(-(a * margin + b))))
        tolerance = self.margin_tolerance
        midpoint = (math.floor(score * 10_000) + 0.5) / 10_000
        edges = (midpoint - 1e-4, midpoint, midpoint + 1e-4, *self.thresholds.values())
        if any(abs(score - e) <= tolerance for e in edges):
            return None
        return score

    @property
    def margin_tolerance(self) -> float:
        """A bound, with a margin of some 10,000x, on how far the TreeSHAP sum's score and the raw
        margin's may lie apart: 1e-12 per unit of the largest sum of absolute contributions the
        trees allow (each tree's features times its largest absolute leaf, twice, times the
        calibration's slope) (rounding errors scale with the terms summed, not with their sum)."""
        if self._tolerance is None:
            bound = 0.0
            trees = self.booster.model_to_string().split("end of trees", 1)[0]
            for block in trees.split("\nTree=")[1:]:  # LightGBM's text format: one "key=values" line each
                values = dict(line.split("=", 1) for line in block.split("\n") if "=" in line)
                leaves = [abs(float(v)) for v in values.get("leaf_value", "").split()]
                bound += 2 * max(1, len(set(values.get("split_feature", "").split()))) * max(leaves, default=0.0)
            self._tolerance = 1e-12 * (1.0 + abs(self.calibration[0]) * bound)
        return self._tolerance

    def level(self, score: float) -> str:
        t = self.thresholds
        if score >= t["critical"]:
            return "critical"
        if score >= t["high"]:
            return "high"
        if score >= t["medium"]:
            return "medium"
        return "low"

    def percentile(self, feature: str, value: float) -> float | None:
        """Share of training changes with a smaller value of ``feature`` (0..1)."""
        q = self.quantiles.get(feature)
        if not q or value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return float(np.searchsorted(np.asarray(q), value, side="left")) / (len(q) - 1)

    # -- persistence ----------------------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(d / "model.txt"))
        meta = {
            "name": self.name,
            "version": self.version,
            "feature_schema": FEATURE_SCHEMA,
            "features": self.features,
            "calibration": {"method": "platt", "a": self.calibration[0], "b": self.calibration[1]},
            "thresholds": self.thresholds,
            "quantiles": self.quantiles,
            "params": self.params,
        }
        (d / "model.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
        if self.card:
            (d / "card.json").write_text(json.dumps(self.card, indent=2, sort_keys=True) + "\n")
        return d


def load(directory: str | Path | None = None) -> RiskModel:
    """Load a model directory (default: the shipped model); any defect is a ModelError."""
    d = Path(directory) if directory else default_model_dir()
    meta_path, booster_path = d / "model.json", d / "model.txt"
    if not d.is_dir():
        raise ModelError(f"model directory {d} does not exist")
    if not meta_path.is_file() or not booster_path.is_file():
        raise ModelError(f"{d} is not a mergeguard model (needs model.json and model.txt)")
    try:
        meta = json.loads(meta_path.read_text())
        schema = meta["feature_schema"]
        features = list(meta["features"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{meta_path}: corrupt model metadata ({exc})") from None
    if schema != FEATURE_SCHEMA:
        raise ModelError(
            f"model {d} was trained on feature schema {schema!r}; this mergeguard computes "
            f"{FEATURE_SCHEMA!r}: retrain it with 'mergeguard train'"
        )
    if len(set(features)) != len(features) or not all(isinstance(f, str) for f in features):
        raise ModelError(f"{meta_path}: corrupt model metadata (feature names must be distinct strings)")
    try:
        text = booster_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"{booster_path}: unreadable model ({exc})") from None
    # Check the shape before LightGBM parses it: its C++ loader prints to stderr on garbage.
    if not text.startswith("tree\n") or "feature_names=" not in text or "end of trees" not in text:
        raise ModelError(f"{booster_path}: corrupt or truncated LightGBM model")
    try:
        booster = lgb.Booster(model_str=text)
    except lgb.basic.LightGBMError as exc:
        raise ModelError(f"{booster_path}: corrupt LightGBM model ({str(exc).splitlines()[0]})") from None
    if booster.num_feature() != len(features):
        raise ModelError(f"{booster_path} has {booster.num_feature()} features but model.json lists {len(features)}")
    card: dict[str, Any] = {}
    if (d / "card.json").is_file():
        try:
            card = json.loads((d / "card.json").read_text())
        except ValueError as exc:
            raise ModelError(f"{d / 'card.json'}: corrupt model card ({exc})") from None
    cal = meta.get("calibration", {})
    model = RiskModel(
        booster=booster,
        features=features,
        calibration=(float(cal.get("a", 1.0)), float(cal.get("b", 0.0))),
        thresholds={k: float(v) for k, v in meta.get("thresholds", {}).items()} or dict(DEFAULT_LEVEL_THRESHOLDS),
        quantiles=meta.get("quantiles", {}),
        name=meta.get("name", "mergeguard-risk"),
        version=str(meta.get("version", "0")),
        params=meta.get("params", {}),
        card=card,
    )
    for warning in model.warnings():
        log.warning("%s", warning)
    return model
