"""Score-then-gate: the one function every face calls to review a change.

:func:`assess_and_gate` scores a :class:`~mergeguard.change.Change` and decides its verdict; the CLI's
three ``score`` modes, the Action and the App all end there (``review`` builds the change of a pull
request first), so a change gets the same score, reasons, findings and verdict whichever face looked
at it. The batch path (``score --commits``) runs the same two halves, :func:`~mergeguard.pipeline.score_change`
inside one history replay and :meth:`~mergeguard.gate.Gate.review` afterwards, because its verdicts
need the pull-request facts of the parent process. The App also re-decides the gate when only the pull
request's facts change (labels, approvals, an acceptance): :func:`reverdict` does that on a stored
assessment, without scoring again.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from mergeguard.features import ChangeOnlyFeatures, Context

from . import audit, pipeline
from .assessment import Assessment, Review
from .budget import SourceAccess
from .change import Change, Limits
from .config import Config
from .gate import Gate, HistoryScorer, cache_value
from .errors import RepositoryError
from .git import GitRepo
from .history import HistoryIndex
from .policy import PullRequestFacts
from .repofacts import ReferenceCounter
from .sources import LogMemo, change_from_range, history_at


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


class WindowScorer:
    """What the gate calls to score the base's history for percentile thresholds: the batch path,
    each commit against its first parent with the config's ignored paths dropped.

    Two shortcuts, neither changing a score. The windows of successive bases each need a replay of
    the history: after :meth:`keep_log` the first streams ``git log`` and the later ones are served
    from its records (:class:`~mergeguard.sources.LogMemo`). And ``score --commits`` scores the windows' commits in its
    own replay beforehand (:meth:`offer`); such a score is used only for a commit that the scorer's
    own replay (``git log`` of the commits asked, oldest first) reaches after exactly the same
    non-merge commits in the same order, i.e. with the same history index (the index observes no
    merge, so where a merge is streamed does not matter). The rest is scored as before, except that
    the detectors that read the change alone (``features.CHANGE_ONLY``) are not run again for a
    commit the batch scored with the same ignore list and limits: their features are the same in any
    replay, and the scorer keeps a score and nothing else.
    """

    def __init__(self, repo: GitRepo, model: Any, *, limits: Limits | None = None, shallow: bool = False):
        self.repo, self.model, self.limits, self.shallow = repo, model, limits or Limits(), shallow
        #: set by :meth:`keep_log` (a batch run makes many calls; one review makes one, and keeping
        #: the whole history's records for it would only cost memory)
        self.memo: LogMemo | None = None
        self._offered: tuple[Config, Mapping[str, float], list[str]] | None = None
        self._features: Mapping[str, ChangeOnlyFeatures] = {}
        #: commits answered from the offered scores, for tests and benchmarks
        self.reused = 0
        #: commits scored again with the offered change-only features, for tests and benchmarks
        self.reused_features = 0

    def keep_log(self) -> None:
        """Keep the first replay's records to serve the later ones (``score --commits``)."""
        if self.memo is None:
            self.memo = LogMemo(self.repo)

    def offer(self, config: Config, scores: Mapping[str, float], order: list[str],
              features: Mapping[str, ChangeOnlyFeatures] | None = None, limits: Limits | None = None) -> None:
        """Scores computed with ``config``'s ignore list in a replay that streamed ``order`` (every
        non-merge sha, in order; empty when that replay cannot stand for the scorer's own), and the
        change-only features of those commits, computed with ``limits``."""
        self._offered = (config, scores, order)
        self._features = features if features is not None and limits == self.limits else {}

    def non_merge_order(self, shas: Sequence[str]) -> list[str]:
        """``git rev-list --reverse --date-order --no-merges shas`` ([] when git fails).

        From the log memo's order of the same revisions with merges, the merges dropped, when the memo
        holds every record: git drops merges from what it has already ordered, so the two agree
        (checked on 48 random revision sets of four repositories), and the replay that follows reads
        the kept order instead of listing the history once more (issue 16).
        """
        memo = self.memo
        if memo is not None and memo.enabled and memo.records and not self.repo.missing_paths \
                and len(set(shas)) == len(shas):
            try:
                full = memo.order(list(shas))
            except RepositoryError:
                return []
            if all(s in memo.records for s in full):
                return [s for s in full if not memo.records[s].is_merge]
        try:
            return self.repo.run("rev-list", "--reverse", "--date-order", "--no-merges", *shas, "--").decode().split()
        except RepositoryError:
            return []

    def __call__(self, shas: Sequence[str], config: Config) -> Mapping[str, float]:
        ready: dict[str, float] = {}
        order: list[str] = []
        # the offered scores and features stand only for the same ignore list (all they depend on)
        same_ignore = self._offered is not None and self._offered[0].ignore == config.ignore
        if same_ignore and self._offered is not None and self._offered[2]:
            _, offered, streamed = self._offered
            order = self.non_merge_order(shas)
            same = 0
            for mine, theirs in zip(order, streamed, strict=False):
                if mine != theirs:
                    break
                same += 1
            prefix = set(order[:same])
            ready = {s: offered[s] for s in shas if s in offered and s in prefix}
            self.reused += len(ready)
        rest = [s for s in shas if s not in ready]
        found: dict[str, float] = {}
        if rest:
            known = None
            if self._features and same_ignore:
                known = {s: self._features[s] for s in rest if s in self._features}
                self.reused_features += len(known)
            done = pipeline.score_commits(self.repo, list(shas), self.model, self.limits, top_reasons=0,
                                          shallow=self.shallow, config_at=lambda _base: config, memo=self.memo,
                                          only=rest if ready else None, known=known)
            found = {sha: cache_value(a) for sha, a in done.items()}
        if not ready:
            return found
        found.update(ready)
        return {s: found[s] for s in order if s in found}  # stream order, as one replay returns them


def history_scorer(repo: GitRepo, model: Any, *, limits: Limits | None = None,
                   shallow: bool = False) -> HistoryScorer:
    """The gate's history scorer for ``repo`` (a :class:`WindowScorer`)."""
    return WindowScorer(repo, model, limits=limits, shallow=shallow)


def make_gate(repo: GitRepo | None, model: Any, *, limits: Limits | None = None, shallow: bool = False,
              **options: Any) -> Gate:
    """A :class:`Gate` that can resolve percentile thresholds (it is given the history scorer)."""
    scorer = history_scorer(repo, model, limits=limits, shallow=shallow) if repo is not None else None
    return Gate(repo, model, scorer=scorer, limits=limits, shallow=shallow, **options)


def assess_and_gate(change: Change, context: Context, model: Any, gate: Gate, base: str | None, *,
                    top_reasons: int = 5, started: float | None = None) -> Review:
    """Score ``change`` and decide its verdict at ``base`` (config, CODEOWNERS and history read there).

    The one score-then-gate function: the config's ignored paths are dropped, the change assessed,
    and the gate decides. ``started`` (a ``time.perf_counter()`` value) sets ``timing_ms.total``.
    """
    t0 = time.perf_counter() if started is None else started
    assessment = pipeline.score_change(change, context, model, gate.config_at(base), base, top_reasons=top_reasons)
    assessment = assessment.with_timing("total", (time.perf_counter() - t0) * 1000)
    return gate.review(assessment)


def review(repo: GitRepo, base: str, head: str, *, model: Any, facts: PullRequestFacts = PullRequestFacts(),
           config_path: str | None = None, config: Config | None = None, audit_log: str | None = None,
           acceptances: Sequence[audit.Acceptance] | None = None, history: HistoryIndex | None = None,
           limits: Limits = Limits(), top_reasons: int = 5, branch: str | None = None,
           shallow: bool | None = None, budget_access: SourceAccess | None = None,
           score_cache: str | None = None) -> Review:
    """The review of ``head`` against its merge base with ``base``.

    The gate reads its config and CODEOWNERS at ``base`` itself (the target branch's tip), never at
    the head: a pull request must not relax its own gate. ``acceptances`` (the App's audit table)
    take the place of ``audit_log`` (the CLI's file) when given. ``budget_access`` says where
    error-budget sources may be read (the App's allow-list; by default the CLI's rule). ``score_cache`` is a directory
    keeping the scores of the base's history between runs (the default gate's percentiles).
    """
    t0 = time.perf_counter()
    shallow = repo.is_shallow if shallow is None else shallow
    base_sha = repo.resolve(base)
    gate = make_gate(repo, model, config_path=config_path, config=config, facts=facts, audit_log=audit_log,
                     limits=limits, shallow=shallow,
                     acceptance_entries=tuple(acceptances) if acceptances is not None else None,
                     budget_access=budget_access, score_cache=score_cache)
    change = change_from_range(repo, base_sha, head, limits)
    change.description = facts.description or ""
    change.branch = branch
    change.accounts = dict(facts.accounts)
    gate.config_at(base_sha)  # a broken config is the user's error before any scoring work
    context = context_at(repo, change.base, shallow=shallow, history=history)
    return assess_and_gate(change, context, model, gate, base_sha, top_reasons=top_reasons, started=t0)


def reverdict(repo: GitRepo | None, assessment: Mapping[str, Any], *, model: Any,
              facts: PullRequestFacts = PullRequestFacts(), config_path: str | None = None,
              acceptances: Sequence[audit.Acceptance] | None = None, audit_log: str | None = None,
              base: str | None = None, budget_access: SourceAccess | None = None,
              score_cache: str | None = None) -> Review:
    """A fresh verdict for a stored assessment (its JSON): the facts changed, the code did not."""
    stored = Assessment.from_json(assessment)
    gate = make_gate(repo, model, config_path=config_path, facts=facts, audit_log=audit_log,
                     acceptance_entries=tuple(acceptances) if acceptances is not None else None,
                     budget_access=budget_access, score_cache=score_cache)
    if base and base != stored.change.gate_base:
        stored = stored.with_change(gate_base=base)
    return gate.review(stored)
