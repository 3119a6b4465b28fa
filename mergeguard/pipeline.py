"""Change -> features -> model -> Assessment: the one scoring path every face uses."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
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
    contrib = model.contributions(x)[0]
    # TreeSHAP values plus the bias column sum to the calibrated logit: one predict call, not two
    score = float(1.0 / (1.0 + math.exp(-(contrib.sum() + model.calibration[1]))))
    t2 = time.perf_counter()
    history = context.history

    def percentile(feature: str, value: float) -> tuple[float, str] | None:
        if history is not None and history.commits >= 20:
            share = history.percentile(feature, value)
            if share is not None:
                return share, "this repository's changes"
        share = model.percentile(feature, value)
        return (share, "the changes the model was trained on") if share is not None else None

    reasons = explain.reasons(model.features, extraction.features, list(contrib[:-1]), top=top_reasons,
                              percentile=percentile, findings=extraction.findings)
    stats = [{"path": f.path, "added": f.added, "deleted": f.deleted} for f in change.files]
    look_first = explain.look_first(stats, reasons, extraction.findings) if top_reasons else []
    warnings = list(change.warnings)
    if not change.files:
        warnings.append("empty change: nothing to score")
    if context.shallow:
        warnings.append("shallow clone: history features are degraded (fetch full history for a reliable score)")
    if history is None:
        warnings.append("no repository history: history features are missing; the score rests on the diff alone")
    warnings.extend(model.warnings())  # features the model needs that this version no longer computes
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
            "paths": touched_paths(change),
        },
        "score": round(score, 4),
        # the model's own band; the gate replaces ``level`` with its verdict's (gate.attach_verdict)
        "level": model.level(score),
        "model_level": model.level(score),
        "reasons": reasons,
        "look_first": look_first,
        "findings": extraction.findings,
        "signals": extraction.signals,
        "features": {k: _finite(v) for k, v in extraction.features.items()},
        "warnings": warnings,
        "model": {"name": model.name, "version": model.version},
        "mergeguard": __version__,
        "timing_ms": {"features": round((t1 - t0) * 1000, 2), "model": round((t2 - t1) * 1000, 2)},
    }


def without_timings(assessment: dict[str, Any]) -> dict[str, Any]:
    """A copy without the wall-clock figures (``timing_ms``, the detectors' and the syntax layer's
    milliseconds): what two runs of the same scoring must agree on to the byte."""
    out = {k: v for k, v in assessment.items() if k != "timing_ms"}
    signals = {k: v for k, v in out.get("signals", {}).items() if k != "timing_ms"}
    if isinstance(signals.get("syntax"), dict):
        signals["syntax"] = {k: v for k, v in signals["syntax"].items() if k != "ms"}
    out["signals"] = signals
    return out


def touched_paths(change) -> list[str]:
    """Every path the change touches, old names of renames included (CODEOWNERS applies to both)."""
    paths: dict[str, None] = {}
    for f in change.files:
        if f.old_path and f.old_path != f.path:
            paths[f.old_path] = None
        paths[f.path] = None
    return list(paths)


def _finite(v: float | None) -> float | None:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return None
    return round(float(v), 6)


def score_commits(repo, shas: list[str], model: RiskModel, limits, *, top_reasons: int = 5, shallow: bool = False,
                  prepare=None, only: list[str] | None = None, errors: dict[str, str] | None = None
                  ) -> dict[str, dict[str, Any]]:
    """Score historical commits, each against its first parent, in one replay of the history.

    The batch path of ``score --commit/--commits``, also used to score a repository's recent history
    for percentile thresholds. ``shas`` must be full SHAs; the result maps each one found to its
    assessment. ``prepare(change, record)`` may adjust a change before it is scored (the gate drops
    ignored paths there). ``only`` scores just those of ``shas`` while the replay still streams the
    history of all of them, so each commit sees exactly the index it would see in one run over all
    ``shas`` (how a slice of a parallel batch stays identical to the single-process result).

    ``errors``, when given, collects the commits that could not be scored (a blob missing from an
    incomplete mirror, a diff git cannot produce) with the one-line reason, and the others are
    scored all the same: one bad commit must not cost a batch of thousands. Without it, the first
    such failure is raised.
    """
    from .errors import MergeguardError
    from .sources import change_from_commit, replay

    context = Context(shallow=shallow)
    wanted = list(dict.fromkeys(shas))

    def visit(rec, index):
        t0 = time.perf_counter()
        context.history = index
        try:
            change = change_from_commit(repo, rec, limits)
            if prepare is not None:
                prepare(change, rec)
            assessment = assess(change, context, model, top_reasons=top_reasons)
        except (MergeguardError, OSError) as exc:
            if errors is None:
                raise
            errors[rec.sha] = " ".join(str(exc).split()) or type(exc).__name__
            return None
        assessment["timing_ms"]["total"] = round((time.perf_counter() - t0) * 1000, 2)
        return rec.sha, assessment

    targets = set(wanted) if only is None else set(only) & set(wanted)
    return dict(replay(repo, wanted, visit, targets=targets))


@dataclass(frozen=True)
class CommitSlice:
    """One task of a parallel ``score --commits``: score ``only`` within the replay of ``shas``."""

    repo: str
    shas: tuple[str, ...]
    only: tuple[str, ...]
    model: str | None
    limits: Any
    top_reasons: int = 5
    shallow: bool = False
    config_path: str | None = None
    fixed_base: str | None = None


def score_slice(task: CommitSlice) -> tuple[dict[str, dict[str, Any]], dict[str, str | None], dict[str, list[str]],
                                            dict[str, str]]:
    """Run one :class:`CommitSlice` (in any process): the assessments, and for each commit the base
    its verdict is decided at and the paths its gate configuration ignores (the verdict itself is
    decided by the caller, which holds the pull-request facts and the audit log), and the commits
    that could not be scored with the reason."""
    from mergeguard.models.model import load

    from .gate import Gate, ignore_paths
    from .git import GitRepo

    repo = GitRepo(task.repo)
    gate = Gate(repo, None, config_path=task.config_path)
    bases: dict[str, str | None] = {}
    ignored: dict[str, list[str]] = {}

    def prepare(change, rec) -> None:
        # each historical commit is gated as its pull request would have been: at its parent
        bases[rec.sha] = task.fixed_base or (rec.parents[0] if rec.parents else None)
        ignored[rec.sha] = ignore_paths(change, gate.config_at(bases[rec.sha]).ignore)

    errors: dict[str, str] = {}
    found = score_commits(repo, list(task.shas), load(task.model), task.limits, top_reasons=task.top_reasons,
                          shallow=task.shallow, prepare=prepare, only=list(task.only), errors=errors)
    return found, bases, ignored, errors
