"""Change -> features -> model -> Assessment: the one scoring path every face uses."""

from __future__ import annotations

import math
import time
from typing import Any

from mergeguard.features import Context, extract_all
from mergeguard.models import explain
from mergeguard.models.model import RiskModel

from . import __version__

ASSESSMENT_SCHEMA = "mergeguard.assessment/1"


def assess(change, context: Context, model: RiskModel, *, top_reasons: int = 5) -> dict[str, Any]:
    """Score one change; the result is a JSON-ready dict in the ``mergeguard.assessment/1`` shape."""
    t0 = time.perf_counter()
    extraction = extract_all(change, context)
    t1 = time.perf_counter()
    x = model.matrix([extraction.features])
    score = float(model.calibrate(model.margin(x))[0])
    contrib = model.contributions(x)[0]
    t2 = time.perf_counter()
    history = context.history

    def percentile(feature: str, value: float) -> tuple[float, str] | None:
        if history is not None and history.commits >= 20:
            share = history.percentile(feature, value)
            if share is not None:
                return share, "this repository's changes"
        share = model.percentile(feature, value)
        return (share, "the changes the model was trained on") if share is not None else None

    reasons = explain.reasons(model.features, extraction.features, list(contrib[:-1]), top=top_reasons, percentile=percentile)
    warnings = list(change.warnings)
    if not change.files:
        warnings.append("empty change: nothing to score")
    if context.shallow:
        warnings.append("shallow clone: history features are degraded (fetch full history for a reliable score)")
    if history is None:
        warnings.append("no repository history: history features are missing; the score rests on the diff alone")
    return {
        "schema": ASSESSMENT_SCHEMA,
        "change": {
            "id": change.id,
            "base": change.base,
            "head": change.head,
            "files": len(change.files),
            "added": change.added,
            "deleted": change.deleted,
            "truncated": list(change.truncated),
        },
        "score": round(score, 4),
        "level": model.level(score),
        "reasons": reasons,
        "findings": extraction.findings,
        "signals": extraction.signals,
        "features": {k: _finite(v) for k, v in extraction.features.items()},
        "warnings": warnings,
        "model": {"name": model.name, "version": model.version},
        "mergeguard": __version__,
        "timing_ms": {"features": round((t1 - t0) * 1000, 2), "model": round((t2 - t1) * 1000, 2)},
    }


def _finite(v: float | None) -> float | None:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return None
    return round(float(v), 6)
