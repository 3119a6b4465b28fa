"""Change -> features -> model -> Assessment: the one scoring path every face uses."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from mergeguard.features import ChangeOnlyFeatures, Context, extract_all
from mergeguard.models import explain
from mergeguard.models.model import RiskModel

from . import __version__
from .assessment import ASSESSMENT_SCHEMA, Assessment, ChangeSummary, FileFocus, Finding, ModelRef, Reason
from .change import Change, Limits
from .config import Config
from .gate import ignore_paths
from .git import CommitRecord, GitRepo
from .history import HistoryIndex

if TYPE_CHECKING:
    from .sources import LogMemo

__all__ = ["ASSESSMENT_SCHEMA", "assess", "score_change", "score_commits", "score_slice", "CommitSlice", "WindowTargets",
           "touched_paths", "without_timings"]


def assess(change: Change, context: Context, model: RiskModel, *, top_reasons: int = 5,
           ignored: tuple[str, ...] | list[str] = (), known: ChangeOnlyFeatures | None = None,
           keep: ChangeOnlyFeatures | None = None) -> Assessment:
    """Score one change: the model's :class:`~mergeguard.assessment.Assessment`, before any gate.

    ``ignored`` are the paths the caller's config dropped from ``change`` before (they are reported).
    ``known`` and ``keep``: see :func:`~mergeguard.features.extract_all` (with ``known`` only the
    score is the full one).
    """
    t0 = time.perf_counter()
    extraction = extract_all(change, context, known=known, keep=keep)
    t1 = time.perf_counter()
    x = model.matrix([extraction.features])
    # without reasons only the score is needed: the raw margin gives the same output where it can
    # (the gate's window commits, issue 16)
    contrib = None
    score = model.score_without_contributions(x) if not top_reasons else None
    if score is None:
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

    findings = tuple(f if isinstance(f, Finding) else Finding.from_json(f) for f in extraction.findings)
    plain = [f.to_json() for f in findings]
    reasons = explain.reasons(model.features, extraction.features, list(contrib[:-1]), top=top_reasons,
                              percentile=percentile, findings=plain) if contrib is not None else []
    stats = [{"path": f.path, "added": f.added, "deleted": f.deleted} for f in change.files]
    look_first = explain.look_first(stats, reasons, plain) if top_reasons else []
    warnings = list(change.warnings)
    if not change.files:
        warnings.append("empty change: nothing to score")
    if context.shallow:
        warnings.append("shallow clone: history features are degraded (fetch full history for a reliable score)")
    if history is None:
        warnings.append("no repository history: history features are missing; the score rests on the diff alone")
    warnings.extend(model.warnings())  # features the model needs that this version no longer computes
    return Assessment(
        change=ChangeSummary(id=change.id, base=change.base, head=change.head, files=len(change.files),
                             added=change.added, deleted=change.deleted, truncated=tuple(change.truncated),
                             paths=tuple(touched_paths(change)), ignored=tuple(ignored)),
        score=round(score, 4),
        model_level=model.level(score),
        reasons=tuple(Reason.from_json(r) for r in reasons),
        look_first=tuple(FileFocus.from_json(f) for f in look_first),
        findings=findings,
        signals=extraction.signals,
        features={k: _finite(v) for k, v in extraction.features.items()},
        warnings=tuple(warnings),
        model=ModelRef(model.name, model.version),
        version=__version__,
        timings={"features": round((t1 - t0) * 1000, 2), "model": round((t2 - t1) * 1000, 2)},
    )


def without_timings(assessment: dict[str, Any]) -> dict[str, Any]:
    """A copy without the wall-clock figures (``timing_ms``, the detectors' and the syntax layer's
    milliseconds): what two runs of the same scoring must agree on to the byte."""
    out = {k: v for k, v in assessment.items() if k != "timing_ms"}
    signals = {k: v for k, v in out.get("signals", {}).items() if k != "timing_ms"}
    if isinstance(signals.get("syntax"), dict):
        signals["syntax"] = {k: v for k, v in signals["syntax"].items() if k != "ms"}
    out["signals"] = signals
    return out


def touched_paths(change: Change) -> list[str]:
    """Every path the change touches, old names of renames included (CODEOWNERS applies to both),
    and those of files the diff caps left out (``Change.all_paths``, after them)."""
    paths: dict[str, None] = {}
    for f in change.files:
        if f.old_path and f.old_path != f.path:
            paths[f.old_path] = None
        paths[f.path] = None
    for p in change.all_paths or ():
        paths.setdefault(p, None)
    return list(paths)


def _finite(v: float | None) -> float | None:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return None
    return round(float(v), 6)


def score_commits(repo: GitRepo, shas: list[str], model: RiskModel, limits: Limits, *, top_reasons: int = 5,
                  shallow: bool = False,
                  config_at: Callable[[str | None], Config] | None = None, fixed_base: str | None = None,
                  only: list[str] | None = None, errors: dict[str, str] | None = None,
                  memo: LogMemo | None = None, windows: WindowTargets | None = None,
                  known: Mapping[str, ChangeOnlyFeatures] | None = None) -> dict[str, Assessment]:
    """Score historical commits, each against its first parent, in one replay of the history.

    The batch path of ``score --commit/--commits``, also used to score a repository's recent history
    for percentile thresholds. ``shas`` must be full SHAs; the result maps each one found to its
    assessment. Each commit is scored as its pull request would have been gated: at ``fixed_base``
    or else its first parent (the assessment's ``gate_base``), with the paths ignored by
    ``config_at(gate_base)`` dropped. ``only`` scores just those of ``shas`` while the replay still
    streams the history of all of them, so each commit sees exactly the index it would see in one run
    over all ``shas`` (how a slice of a parallel batch stays identical to the single-process result).

    ``errors``, when given, collects the commits that could not be scored (a blob missing from an
    incomplete mirror, a diff git cannot produce) with the one-line reason, and the others are
    scored all the same: one bad commit must not cost a batch of thousands. Without it, the first
    such failure is raised. ``memo`` serves the replay from records an earlier replay kept.

    ``windows`` (the gate's percentile windows, scored in this same replay) collects its commits'
    score-cache values and the order of the stream; see :class:`WindowTargets`. ``known`` (sha ->
    the change-only detectors' features that :class:`WindowTargets` kept) spares those detectors: for
    a caller that uses the score alone (the gate's window scorer).
    """
    from .errors import MergeguardError
    from .sources import change_from_commit, replay

    context = Context(shallow=shallow)
    wanted = list(dict.fromkeys(shas))

    def visit(rec: CommitRecord, index: HistoryIndex) -> tuple[str, Assessment] | None:
        t0 = time.perf_counter()
        context.history = index
        if windows is not None and rec.sha in windows.shas and rec.sha not in targets:
            windows.visit(repo, rec, context, model, limits)
            return None
        try:
            change = change_from_commit(repo, rec, limits)
            base = fixed_base or (rec.parents[0] if rec.parents else None)
            config = config_at(base) if config_at is not None else Config()
            assessment = score_change(change, context, model, config, base, top_reasons=top_reasons,
                                      known=known.get(rec.sha) if known is not None else None)
        except (MergeguardError, OSError) as exc:
            if errors is None:
                raise
            errors[rec.sha] = " ".join(str(exc).split()) or type(exc).__name__
            return None
        return rec.sha, assessment.with_timing("total", (time.perf_counter() - t0) * 1000)

    targets = set(wanted) if only is None else set(only) & set(wanted)
    visited = targets | set(windows.shas) if windows is not None else targets
    order = windows.order if windows is not None else None
    return dict(replay(repo, wanted, visit, targets=visited, memo=memo, order=order))


def score_change(change: Change, context: Context, model: RiskModel, config: Config, base: str | None, *,
                 top_reasons: int = 5, known: ChangeOnlyFeatures | None = None,
                 keep: ChangeOnlyFeatures | None = None) -> Assessment:
    """The scoring half of score-then-gate: drop the paths ``config`` ignores, then assess.

    ``base`` is the revision the verdict will be decided at (its config, CODEOWNERS and history); it is
    recorded as the assessment's ``gate_base`` so that the gate (and a later re-decision) reads the same.
    """
    ignored = ignore_paths(change, config.ignore)
    assessment = assess(change, context, model, top_reasons=top_reasons, ignored=ignored, known=known, keep=keep)
    return assessment.with_change(gate_base=base)


@dataclass
class WindowTargets:
    """Older commits the gate's percentile windows will ask for, scored in the batch's own replay.

    Why: each history-scorer call replays the history again and scores its commits one process after
    the batch; scored here they cost no replay and run in the batch's ``--jobs`` slices. A commit is
    scored as the history scorer scores it (against its first parent, ``config``'s ignored paths
    dropped, no reasons), but with the index of *this* stream: the scorer uses the value only for a
    commit whose stream prefix equals that of its own replay (``order`` says what this one was), so
    every threshold stays what a replay of its own gives. A commit that fails is left out (the
    scorer then scores it, failure included, as before).
    """

    shas: frozenset[str]
    config: Config
    #: sha -> score-cache value (-1 for a change with nothing to score)
    scores: dict[str, float] = field(default_factory=dict)
    #: the non-merge shas of the stream in order: what each index rested on (merges are not observed)
    order: list[str] = field(default_factory=list)
    #: sha -> the change-only detectors' features (``features.CHANGE_ONLY``): the same in any replay,
    #: so the scorer needs only the history-reading detectors for a commit it must score again
    features: dict[str, ChangeOnlyFeatures] = field(default_factory=dict)

    def visit(self, repo: GitRepo, rec: CommitRecord, context: Context, model: RiskModel, limits: Limits) -> None:
        from .errors import MergeguardError
        from .gate import cache_value
        from .sources import change_from_commit

        if repo.missing_paths:
            # the log left an incomplete mirror's missing paths out: the scorer cannot use this stream
            # (its own replays compute their own exclusions), so scoring here would be wasted work
            return
        try:
            change = change_from_commit(repo, rec, limits)
            base = rec.parents[0] if rec.parents else None
            kept: ChangeOnlyFeatures = {}
            self.scores[rec.sha] = cache_value(score_change(change, context, model, self.config, base, top_reasons=0,
                                                            keep=kept))
            self.features[rec.sha] = kept
        except (MergeguardError, OSError):
            pass


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
    #: older commits of the gate's percentile windows this slice also scores (see WindowTargets)
    windows: tuple[str, ...] = ()
    window_config: Config | None = None
    #: hand the replay's records back (the fourth result) for the caller's gate scorer to replay from
    hand_log: bool = False


def score_slice(task: CommitSlice, keep: LogMemo | None = None
                ) -> tuple[dict[str, Assessment], dict[str, str], WindowTargets | None, dict[str, CommitRecord] | None]:
    """Run one :class:`CommitSlice` (in any process): the assessments (each with the base its verdict
    is decided at and the paths its gate configuration ignores; the verdict itself is decided by the
    caller, which holds the pull-request facts and the audit log), the commits that could not be
    scored with the reason, the scores of ``windows`` (None without them), and with ``hand_log``
    the records of the slice's replay when it streamed the log whole (None otherwise: an incomplete
    mirror's log, or past the memo's bound), as :meth:`LogMemo.adopt` would take them. ``keep`` (a
    slice run in the caller's process) adopts those records itself.

    Why ``hand_log``: the gate's scorer in the caller replays the history for the windows it must
    score again; from a worker's records (a 2 MB pickle for requests' 6,500 commits) instead of a
    ``git log`` of its own, some 1.5 s of wall time after the pool on a 2-core machine (issue 16)."""
    from mergeguard.models.model import load

    from .gate import read_config
    from .git import GitRepo
    from .sources import LogMemo

    repo = GitRepo(task.repo)
    configs: dict[str | None, Config] = {}

    def config_at(base: str | None) -> Config:
        if task.config_path:
            base = None
        if base not in configs:
            configs[base] = read_config(repo, base, task.config_path)
        return configs[base]

    errors: dict[str, str] = {}
    windows = (WindowTargets(frozenset(task.windows), task.window_config)
               if task.windows and task.window_config is not None else None)
    # empty: it streams git log and keeps the records
    memo = LogMemo(repo) if keep is not None or task.hand_log else None
    found = score_commits(repo, list(task.shas), load(task.model), task.limits, top_reasons=task.top_reasons,
                          shallow=task.shallow, config_at=config_at, fixed_base=task.fixed_base,
                          only=list(task.only), errors=errors, windows=windows, memo=memo)
    if keep is not None and memo is not None:
        keep.adopt(memo)
    handed = (memo.records if task.hand_log and memo is not None and memo.enabled and memo.records
              and not repo.missing_paths else None)
    if windows is not None and repo.missing_paths:  # its records depended on the revisions asked
        windows.order.clear()
    return found, errors, windows, handed
