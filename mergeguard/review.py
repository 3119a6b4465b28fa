"""Review a pull request: score base..head and apply the gate, as the CLI, the Action and the App do.

``mergeguard score --base B --head H``, the Action and the App all call :func:`review`, so a pull
request gets the same score, reasons, findings and verdict whichever face looked at it. The App also
re-decides the gate when only the pull request's facts change (labels, approvals, an acceptance):
:func:`reverdict` does that on a stored assessment, without scoring again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from mergeguard.features import Context

from . import audit
from .budget import SourceAccess
from .config import Config
from .change import Limits
from .gate import Gate, ignore_paths
from .git import GitRepo
from .history import HistoryIndex
from .pipeline import assess
from .policy import PullRequestFacts
from .repofacts import ReferenceCounter
from .sources import change_from_range, history_at


def context_at(repo: GitRepo, rev: str | None, *, shallow: bool = False,
               history: HistoryIndex | None = None) -> Context:
    """What the detectors may know about the repository at ``rev`` (strictly before the change).

    ``history`` lets a long-running caller pass an index it keeps warm instead of replaying the
    whole history again.
    """
    if rev is None:
        return Context(shallow=shallow)
    return Context(history=history if history is not None else history_at(repo, rev), shallow=shallow,
                   references=ReferenceCounter(repo, rev))


def review(repo: GitRepo, base: str, head: str, *, model: Any, facts: PullRequestFacts = PullRequestFacts(),
           config_path: str | None = None, config: Config | None = None, audit_log: str | None = None,
           acceptances: Sequence[audit.Acceptance] | None = None, history: HistoryIndex | None = None,
           limits: Limits = Limits(), top_reasons: int = 5, branch: str | None = None,
           shallow: bool | None = None, budget_access: SourceAccess | None = None,
           score_cache: str | None = None) -> dict[str, Any]:
    """The assessment of ``head`` against its merge base with ``base``, with the gate's ``verdict``.

    The gate reads its config and CODEOWNERS at ``base`` itself (the target branch's tip), never at
    the head: a pull request must not relax its own gate. ``acceptances`` (the App's audit table)
    take the place of ``audit_log`` (the CLI's file) when given. ``budget_access`` says where
    error-budget sources may be read (the App's allow-list; by default the CLI's rule). ``score_cache`` is a directory
    keeping the scores of the base's history between runs (the default gate's percentiles).
    """
    t0 = time.perf_counter()
    shallow = repo.is_shallow if shallow is None else shallow
    base_sha = repo.resolve(base)
    gate = Gate(repo, model, config_path=config_path, config=config, facts=facts, audit_log=audit_log, limits=limits,
                shallow=shallow, acceptance_entries=tuple(acceptances) if acceptances is not None else None,
                budget_access=budget_access, score_cache=score_cache)
    change = change_from_range(repo, base_sha, head, limits)
    change.description = facts.description or ""
    change.branch = branch
    change.accounts = dict(facts.accounts)
    ignored = ignore_paths(change, gate.config_at(base_sha).ignore)
    context = context_at(repo, change.base, shallow=shallow, history=history)
    assessment = assess(change, context, model, top_reasons=top_reasons)
    assessment["change"]["ignored"] = ignored
    assessment["change"]["gate_base"] = base_sha
    gate.apply(assessment, base_sha, ignored=ignored)
    assessment["timing_ms"]["total"] = round((time.perf_counter() - t0) * 1000, 2)
    return assessment


def reverdict(repo: GitRepo | None, assessment: dict[str, Any], *, model: Any,
              facts: PullRequestFacts = PullRequestFacts(), config_path: str | None = None,
              acceptances: Sequence[audit.Acceptance] | None = None, audit_log: str | None = None,
              base: str | None = None, budget_access: SourceAccess | None = None,
              score_cache: str | None = None) -> dict[str, Any]:
    """A fresh verdict for a stored assessment: the facts changed, the code did not."""
    base = base or assessment.get("change", {}).get("gate_base")
    gate = Gate(repo, model, config_path=config_path, facts=facts, audit_log=audit_log,
                acceptance_entries=tuple(acceptances) if acceptances is not None else None,
                budget_access=budget_access, score_cache=score_cache)
    out = dict(assessment)
    gate.apply(out, base, ignored=assessment.get("change", {}).get("ignored") or ())
    return out
