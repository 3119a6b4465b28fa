"""The gate's decision: (assessment, config, error budget, pull-request facts) -> verdict.

Pure on purpose: no git, no network, no clock. Everything the decision depends on is an argument,
so the CLI, the Action and the App decide identically, and a verdict can be explained (and tested)
from its inputs alone. The edges (``mergeguard.gate``) read the config and CODEOWNERS from the base
revision, fetch the error budget, read the audit log and resolve percentile thresholds first.

The rules, in order:

1. **Level.** The score against the thresholds: the config's (absolute, or percentiles of the
   repository's own scores, resolved beforehand) or the model's. Explicit AI-authorship evidence
   applies ``ai_authored`` thresholds; an error budget below its floor (or unreadable, with the
   ``tighten`` fallback) applies ``error_budget.tighten.thresholds``. Tightening only ever lowers a
   threshold: each level's threshold is the minimum of those that apply.
2. **Validations.** Those required at the level, plus, when the budget tightens the gate,
   ``error_budget.tighten.require`` for every non-trivial change (anything but an empty or
   documentation-only change).
3. **Conclusion.** All required validations satisfied: ``success``, and the verdict says why.
   Some missing: the level's conclusion, but never softer than ``action_required``. None required:
   the level's conclusion (defaults: low and medium pass, high needs action, critical fails).
   An unreadable budget with the ``fail`` fallback: ``failure``.
4. **Accepted risk.** A conclusion other than success becomes success when someone the config
   allows has accepted the risk for exactly this head SHA, targeting this base branch, at this level
   or a higher one, and the config lets them accept this level.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .assessment import Assessment, ValidationResult, Verdict
from .audit import Acceptance, accepted, mismatch
from . import linear_re
from .budget import BudgetStatus
from .codeowners import CodeOwners, is_author, login_key, owner_approval
from .labelling import LabelProvenance
from .paths import is_prose
from .config import (CONCLUSIONS, DEFAULT_MIN_HISTORY, DEFAULT_PERCENTILES, DEFAULT_ROLLOUT_HEADING, LEVELS,
                     THRESHOLD_LEVELS, Config, ThresholdSpec, Validation)

#: Fewest scored commits from which configured percentile thresholds are trusted (the default gate,
#: with no ``thresholds`` in the config, needs :data:`~mergeguard.config.DEFAULT_MIN_HISTORY`).
MIN_HISTORY = 20
#: The lowest level of a change with code mergeguard did not read in full (past the diff caps, on lines
#: git does not split, in UTF-16 or UTF-32, behind a submodule or a symlink): what was not read cannot be
#: vouched for, and each is within a pull request's reach (``_unread_code``). ``high`` is the first level
#: whose default conclusion (``action_required``) asks for a person.
UNREAD_FLOOR = "high"
#: The default gate: percentiles of the repository's own history (see ``Config.thresholds``).
DEFAULT_THRESHOLDS = ThresholdSpec(mode="percentile", values=dict(DEFAULT_PERCENTILES))


@dataclass(frozen=True)
class PullRequestFacts:
    """What the gate knows about the pull request besides its diff.

    ``approvals`` are logins whose latest review approves the current head; ``teams`` maps
    ``@org/team`` to the member logins the caller knows of (for team code owners and team risk
    acceptors); ``codeowners`` is the CODEOWNERS file at the *base* revision; ``acceptances`` the
    audit log's entries; ``head_sha`` defaults to the assessment's ``change.head``; ``notes`` are
    what the caller learned on the way and the reviewer should read with the verdict (a team whose
    members could not be looked up, so its approvals do not count); ``accounts`` the bot accounts
    GitHub names behind the change, by role (``"pull request"``, ``"author of <sha>"``), which the
    authorship detector reads like commit authors (an agent's pull request, an App's commits).

    ``label_provenance`` says who last added each label a validation asks for (the App and the Action
    read GitHub's issue events): a label counts only when someone other than the author, let in by the
    repository, added it. ``None`` means the labels were given by whoever runs the command (the CLI's
    ``--label``), who is trusted with them. ``base_branch`` is the branch the pull request targets:
    an acceptance counts only for the branch it was given for.
    """

    author: str | None = None
    labels: tuple[str, ...] = ()
    approvals: tuple[str, ...] = ()
    description: str = ""
    teams: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    codeowners: CodeOwners | None = None
    acceptances: tuple[Acceptance, ...] = ()
    head_sha: str | None = None
    notes: tuple[str, ...] = ()
    accounts: Mapping[str, str] = field(default_factory=dict)
    label_provenance: LabelProvenance | None = None
    base_branch: str | None = None


def label_names(config: Config) -> tuple[str, ...]:
    """Every label a validation of ``config`` may ask for (any level, and the error budget's
    tightening): the labels whose provenance the App and the Action look up, and no others."""
    groups = [*config.require.values(), config.error_budget.require if config.error_budget else ()]
    return tuple(sorted({v.name for g in groups for v in g if v.kind == "label" and v.name}, key=str.lower))


def labels_to_trace(config: Config, labels: Iterable[str]) -> list[str]:
    """The labels a validation of ``config`` asks for that the pull request carries (``labels``): the
    only ones whose adder the App and the Action look up (none asked for, no events listing)."""
    present = {label.strip().lower() for label in labels}
    return [name for name in label_names(config) if name.strip().lower() in present]


@dataclass(frozen=True)
class Thresholds:
    """Absolute thresholds, resolved from the config (and history, for percentiles) by the caller."""

    base: Mapping[str, float]
    base_source: str = "model"
    ai: Mapping[str, float] | None = None
    budget: Mapping[str, float] | None = None
    notes: tuple[str, ...] = ()


# ------------------------------------------------------------------------------------- thresholds


def resolve_thresholds(config: Config, model_thresholds: Mapping[str, float],
                       history_scores: Sequence[float] | None = None, *, available: int | None = None) -> Thresholds:
    """Turn the config's threshold specs into absolute thresholds.

    Percentile specs take percentiles of ``history_scores`` (the scores of the repository's newest
    commits). With fewer than :data:`MIN_HISTORY` scores a configured percentile spec cannot be
    trusted: the base thresholds fall back to the model's and a tightening spec is dropped, each with
    a note. Without ``thresholds`` in the config the default gate applies :data:`DEFAULT_THRESHOLDS`
    from ``DEFAULT_MIN_HISTORY`` scores on, the model's thresholds below that (``available``: how many
    commits the history had, when fewer were scored, for the note).
    """
    notes: list[str] = []
    scores = sorted(float(s) for s in history_scores or [])
    have = len(scores) if available is None else max(len(scores), available)

    def absolute(spec: ThresholdSpec | None, what: str, minimum: int = MIN_HISTORY) -> dict[str, float] | None:
        if spec is None:
            return None
        if spec.mode == "absolute":
            return dict(spec.values)
        if len(scores) < minimum:
            if what != "default":
                notes.append(f"{what}: percentile thresholds need at least {minimum} scored commits of history, "
                             f"found {have}; not applied")
            return None
        return {level: percentile(scores, p) for level, p in spec.values.items()}

    base = {level: float(model_thresholds[level]) for level in THRESHOLD_LEVELS}
    default = config.thresholds is None
    spec = DEFAULT_THRESHOLDS if default else config.thresholds
    assert spec is not None
    source = "the model's"
    configured = absolute(spec, "default" if default else "thresholds", DEFAULT_MIN_HISTORY if default else MIN_HISTORY)
    if configured is not None:
        base.update(configured)
        if spec.mode == "percentile":
            ps = ", ".join(f"{lv} p{spec.values[lv]:g}" for lv in THRESHOLD_LEVELS if lv in spec.values)
            source = (f"{'the default gate: ' if default else ''}percentiles of the scores of this repository's "
                      f"newest {len(scores)} commits ({ps})")
        else:
            source = "the config's"
    elif default:
        source = (f"the model's (the default gate uses percentiles of this repository's own scores from "
                  f"{DEFAULT_MIN_HISTORY} commits of history on; {have} available)")
    else:
        source = "the model's (fallback)"
    budget_spec = config.error_budget.thresholds if config.error_budget else None
    return Thresholds(base=_monotone(base), base_source=source,
                      ai=absolute(config.ai_authored, "ai_authored.thresholds"),
                      budget=absolute(budget_spec, "error_budget.tighten.thresholds"), notes=tuple(notes))


def percentile(sorted_scores: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile ``p`` (0..100) of already sorted scores (numpy's default)."""
    if not sorted_scores:
        raise ValueError("no scores")
    k = (len(sorted_scores) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_scores) - 1)
    return round(sorted_scores[lo] + (sorted_scores[hi] - sorted_scores[lo]) * (k - lo), 6)


def level_for(score: float, thresholds: Mapping[str, float]) -> str:
    """The most severe level whose threshold the score reaches (``>=``), else ``low``."""
    for level in reversed(THRESHOLD_LEVELS):
        if level in thresholds and score >= thresholds[level]:
            return level
    return "low"


def _tighten(current: Mapping[str, float], stricter: Mapping[str, float]) -> dict[str, float]:
    out = dict(current)
    for level, value in stricter.items():
        out[level] = min(out.get(level, value), value)
    return _monotone(out)


def _monotone(t: Mapping[str, float]) -> dict[str, float]:
    """A lower level's threshold never exceeds a higher one's (a partial override could invert them)."""
    out = dict(t)
    out["high"] = min(out["high"], out["critical"])
    out["medium"] = min(out["medium"], out["high"])
    return out


# ---------------------------------------------------------------------------------------- decide


def decide(assessment: Assessment, config: Config, budget: BudgetStatus | None,
           facts: PullRequestFacts, thresholds: Thresholds, *, extra_notes: Iterable[str] = ()) -> Verdict:
    """The verdict for one assessment. Pure: the same inputs always give the same verdict."""
    notes: list[str] = []
    score = _score(assessment)
    t = dict(thresholds.base)
    rules: list[str] = []
    tightened_by: list[str] = []

    if _ai_explicit(assessment):
        if thresholds.ai:
            t = _tighten(t, thresholds.ai)
            tightened_by.append("AI authorship")
            rules.append(f"explicit AI-authorship evidence: stricter thresholds apply ({_describe(thresholds.ai)})")
        else:
            rules.append("explicit AI-authorship evidence (no stricter ai_authored thresholds are configured)")

    budget_view, extra_required, force_failure, budget_note = _budget(config, budget, thresholds, assessment)
    if budget_view is not None and budget_view["tightened"] and thresholds.budget:
        t = _tighten(t, thresholds.budget)
        tightened_by.append("the error budget")

    level = level_for(score, t)
    notes.append(_level_note(level, score, t, thresholds.base_source, tightened_by))
    unread = _unread_code(assessment)
    if unread and LEVELS.index(level) < LEVELS.index(UNREAD_FLOOR):
        notes.append(f"Level raised from {level} to {UNREAD_FLOOR}: {unread} not read in full (the diff caps, line ends "
                     "git does not split at, an encoding read as UTF-8, a submodule, a symlink; see the warnings), "
                     "and a change is not let through on the part of it that was read.")
        level = UNREAD_FLOOR
    notes.extend(rules)
    if budget_note:
        notes.append(budget_note)

    required = _merge(config.require.get(level, ()), extra_required)
    results = tuple(_evaluate(v, assessment, facts) for v in required)
    level_conclusion = config.conclusions.get(level, "success")
    missing = [r for r in results if not r.satisfied]
    # ``why`` is the sentence that explains the conclusion; it always comes first in the notes.
    if not results:
        conclusion = level_conclusion
        why = (f"{level} risk needs no validation" if conclusion == "success" else
               f"no validation is configured for {level} risk, whose conclusion is {conclusion}; "
               "only an accepted risk lets it pass")
    elif not missing:
        conclusion = "success"
        why = (f"all {len(results)} validations required at {level} risk are satisfied" if len(results) > 1 else
               f"the validation required at {level} risk is satisfied")
    else:
        conclusion = _worst(level_conclusion, "action_required")
        why = (f"{len(missing)} of {len(results)} required validations {'are' if len(missing) != 1 else 'is'} "
               "not satisfied: " + "; ".join(r.description for r in missing))
    if force_failure:
        besides = "" if conclusion == "success" else f"; besides, {why}"
        conclusion = "failure"
        why = "the error budget cannot be read and error_budget.on_error is 'fail'" + besides
    notes.insert(0, f"{_verb(conclusion)}: {why}.")

    acceptance_view = None
    head = facts.head_sha or assessment.change.head
    if conclusion != "success" and facts.acceptances:
        def allowed(who: str) -> bool:
            return may_accept(config, who, facts.teams, author=facts.author)

        entry = accepted(facts.acceptances, head, allowed, base=facts.base_branch, level=level)
        if entry is not None and level in config.risk_acceptance.levels:
            acceptance_view = {"by": entry.by, "at": entry.at, "reason": entry.reason, "head_sha": entry.head_sha,
                               "base": entry.base, "level": entry.level}
            notes[0] = f"Without that acceptance the conclusion would be {conclusion}: {why}."
            notes.insert(0, f"Passes: {entry.level} risk accepted by @{entry.by} at {entry.at} for head "
                            f"{entry.head_sha[:12]} into '{entry.base}': {entry.reason}")
            conclusion = "success"
        elif entry is not None:
            notes.append(f"@{entry.by} accepted the risk, but the config does not allow accepting {level} risk "
                         f"(risk_acceptance.levels: {', '.join(config.risk_acceptance.levels) or 'none'}).")
        else:
            same_sha = [e for e in facts.acceptances if head and e.head_sha == head.lower()]
            own = [e for e in same_sha if is_author(e.by, facts.author)]
            if own:
                notes.append(f"Acceptance by @{own[0].by} ignored: the pull request's author cannot accept its own risk.")
            others = [e for e in same_sha if not is_author(e.by, facts.author)]
            unpinned: dict[str, str] = {}  # why each allowed acceptor's newest entry does not apply
            for e in others:
                reason = mismatch(e, facts.base_branch, level) if allowed(e.by) else None
                if reason is not None:
                    unpinned[e.by] = reason
            for who, reason in unpinned.items():
                notes.append(f"Acceptance by @{who} ignored: {reason}.")
            refused = sorted({f"@{e.by}" for e in others if not allowed(e.by)})
            if refused:
                notes.append(f"Acceptance by {', '.join(refused)} ignored: not allowed by risk_acceptance.allowed.")
            elif not head:
                notes.append("Recorded acceptances cannot apply: the change has no head commit.")
    if facts.codeowners is not None and facts.codeowners.errors and any(v.kind == "codeowners" for v in required):
        notes.append(f"{facts.codeowners.source}: {len(facts.codeowners.errors)} line(s) skipped as GitHub would: "
                     + "; ".join(facts.codeowners.errors[:3]))
    notes.extend(thresholds.notes)
    notes.extend(extra_notes)
    return Verdict(conclusion=conclusion, level=level, required_validations=results, notes=tuple(notes),
                   score=score, thresholds=t, error_budget=budget_view, accepted=acceptance_view,
                   config=config.source)


def team_name(entry: str) -> str | None:
    """``@org/team`` for a team entry (with or without the ``@``), ``None`` for a login or an e-mail."""
    name = entry.strip()
    if "@" in name.lstrip("@") or name.count("/") != 1:
        return None
    org, slug = name.lstrip("@").split("/")
    return f"@{org}/{slug}" if org and slug else None


def teams_to_resolve(config: Config, codeowners: CodeOwners | None, paths: Iterable[str]) -> list[str]:
    """The teams whose members the gate may need: owners of the touched ``paths`` and risk acceptors.

    Only these, not every team a CODEOWNERS file names: a monorepo's file can name hundreds, and
    each costs a lookup.
    """
    entries = list(config.risk_acceptance.allowed)
    if codeowners is not None:
        for path in paths:
            entries.extend(codeowners.owners(path))
    seen: dict[str, str] = {}
    for entry in entries:
        name = team_name(entry)
        if name is not None:
            seen.setdefault(name.lower(), name)
    return sorted(seen.values(), key=str.lower)


def may_accept(config: Config, login: str, teams: Mapping[str, Iterable[str]] | None = None, *,
               author: str | None = None) -> bool:
    """Whether ``login`` may accept risk: listed in ``risk_acceptance.allowed``, directly or by team,
    and not the pull request's ``author``: as an author's approval never counts, an author's
    acceptance would let anyone allowed to accept wave their own change through."""
    if is_author(login, author):
        return False
    who = login_key(login)
    members = {login_key(k): {login_key(m) for m in v} for k, v in (teams or {}).items()}
    for allowed in config.risk_acceptance.allowed:
        key = login_key(allowed)
        if key == who or who in members.get(key, set()):
            return True
    return False


# ----------------------------------------------------------------------------------------- budget


def _budget(config: Config, status: BudgetStatus | None, thresholds: Thresholds, assessment: Assessment
            ) -> tuple[dict[str, Any] | None, tuple[Validation, ...], bool, str]:
    """(budget view for the verdict, validations it adds, whether it forces failure, its note)."""
    eb = config.error_budget
    if eb is None:
        return None, (), False, ""
    if status is None:
        status = BudgetStatus(eb.source.describe(), error="not checked")
    if status.ok:
        assert status.remaining is not None
        state = "below_floor" if status.remaining < eb.floor else "healthy"
    else:
        state = "unavailable"
    tightened = state == "below_floor" or (state == "unavailable" and eb.on_error == "tighten")
    force_failure = state == "unavailable" and eb.on_error == "fail"
    trivial = _trivial(assessment)
    applied: list[str] = []
    extra: tuple[Validation, ...] = ()
    if tightened:
        if thresholds.budget:
            applied.append(f"thresholds lowered to {_describe(thresholds.budget)}")
        elif eb.thresholds is not None:
            applied.append("threshold tightening could not be resolved (see below)")
        if eb.require:
            names = ", ".join(v.id for v in eb.require)
            if trivial:
                applied.append(f"{names} would be required of every non-trivial change; this one is "
                               f"{'empty' if not assessment.change.files else 'documentation only'}")
            else:
                extra = eb.require
                applied.append(f"{names} required of every non-trivial change")
    if force_failure:
        applied.append("the check fails until the budget can be read or someone accepts the risk")
    rule = "; ".join(applied) if applied else "normal rules apply"
    floor = _pct(eb.floor)
    if state == "healthy":
        note = f"Error budget: {_pct(status.remaining)} remaining (floor {floor}): normal rules apply."
    elif state == "below_floor":
        note = f"Error budget: {_pct(status.remaining)} remaining, below the {floor} floor: the gate tightens: {rule}."
    else:
        note = (f"Error budget unavailable ({status.source}: {status.error}); fallback on_error={eb.on_error}: "
                + (f"the gate tightens: {rule}." if tightened else f"{rule}."))
    view = {"source": status.source, "remaining": status.remaining, "error": status.error, "floor": eb.floor,
            "state": state, "on_error": eb.on_error, "tightened": tightened, "rule": rule}
    return view, extra, force_failure, note


# ------------------------------------------------------------------------------------ validations


def _evaluate(v: Validation, assessment: Assessment, facts: PullRequestFacts) -> ValidationResult:
    approvers = _approvers(facts)
    if v.kind == "approvals":
        ok = len(approvers) >= v.count
        detail = (f"approved by {_logins(approvers)}" if approvers else "no approvals yet") + f" ({len(approvers)}/{v.count})"
        return ValidationResult(v.id, v.description, ok, detail)
    if v.kind == "label":
        have = {label.strip().lower() for label in facts.labels}
        if v.name.lower() not in have:
            return ValidationResult(v.id, v.description, False, f"add the label '{v.name}'")
        if facts.label_provenance is None:  # given by whoever runs the command (CLI --label)
            return ValidationResult(v.id, v.description, True, "label present")
        adder = facts.label_provenance.adder(v.name)
        if adder.counts:
            return ValidationResult(v.id, v.description, True, f"label present, {adder.why}")
        return ValidationResult(v.id, v.description, False,
                                f"label '{v.name}' {adder.why}, so it does not count (it counts when someone other "
                                "than the author with triage access to the repository adds it)")
    if v.kind == "rollout_note":
        ok = has_rollout_note(facts.description, v.pattern)
        detail = "found in the description" if ok else (
            "no rollout or feature-flag note in the description" + (f" (pattern {v.pattern!r})" if v.pattern else
                                                                     " (e.g. a line 'Rollout: canary 5% for a day')"))
        return ValidationResult(v.id, v.description, ok, detail)
    # codeowners
    paths = list(assessment.change.paths)
    if facts.codeowners is None:
        ok = bool(approvers)
        return ValidationResult(v.id, v.description, ok,
                                "no CODEOWNERS file at the base revision, so any approval counts: "
                                + (f"approved by {_logins(approvers)}" if ok else "no approval yet"))
    result = owner_approval(facts.codeowners, paths, facts.approvals, author=facts.author, teams=facts.teams)
    if not result.owned:
        ok = bool(approvers)
        return ValidationResult(v.id, v.description, ok,
                                f"no touched path has owners in {facts.codeowners.source}, so any approval counts: "
                                + (f"approved by {_logins(approvers)}" if ok else "no approval yet"))
    if result.satisfied:
        return ValidationResult(v.id, v.description, True,
                                f"every owned path ({len(result.owned)}) is approved by one of its owners")
    waiting: dict[tuple[str, ...], list[str]] = {}
    for path, owners in result.missing.items():
        waiting.setdefault(owners, []).append(path)
    parts = []
    for owners, owned_paths in list(waiting.items())[:5]:
        shown = ", ".join(owned_paths[:3]) + (f" and {len(owned_paths) - 3} more" if len(owned_paths) > 3 else "")
        parts.append(f"{' or '.join(owners)} for {shown}")
    return ValidationResult(v.id, v.description, False, "waiting for " + "; ".join(parts))


_TRIVIAL_NOTE = re.compile(r"^(?:n/?a|none|no|nothing|not applicable|-+|tbd|todo|\.\.\.|…)?$", re.I)
_HEADING = re.compile(r"^\s*(?:[-*+]\s+)?(?:#{1,6}\s*)?(?:\*\*|__)?\s*" + DEFAULT_ROLLOUT_HEADING
                      + r"\s*(?:\*\*|__)?\s*[:\-–—]?\s*(?:\*\*|__)?\s*(?P<rest>.*)$", re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def has_rollout_note(description: str, pattern: str | None = None) -> bool:
    """Whether the description carries a rollout or feature-flag note.

    With ``pattern``: a regular-expression search (multi-line), in linear time (RE2): the pattern is
    the base branch's, the text the author's, and neither may stall the gate. Otherwise a line such as
    ``Rollout: canary to 5% for a day``, ``Feature flag: new_checkout`` or a heading
    ``## Rollout plan`` followed by a paragraph; placeholders (``n/a``, ``none``, ``TBD``) and
    template comments (``<!-- ... -->``) do not count.
    """
    text = _COMMENT.sub("", description or "")
    if pattern:
        return linear_re.search(pattern, text)
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if not m:
            continue
        content = m.group("rest").strip()
        if not content:
            following = []
            for nxt in lines[i + 1:]:
                if nxt.lstrip().startswith("#"):
                    break
                if nxt.strip():
                    following.append(nxt.strip())
            content = " ".join(following)
        if content and not _TRIVIAL_NOTE.match(content.strip(" .*_`")):
            return True
    return False


# ---------------------------------------------------------------------------------------- helpers


def _merge(*groups: Iterable[Validation]) -> tuple[Validation, ...]:
    """Validations in order, without duplicates; of several approval counts the largest stays."""
    out: list[Validation] = []
    for v in (v for g in groups for v in g):
        if v.kind == "approvals":
            existing = next((i for i, o in enumerate(out) if o.kind == "approvals"), None)
            if existing is not None:
                if v.count > out[existing].count:
                    out[existing] = v
                continue
        if all(o.id != v.id for o in out):
            out.append(v)
    return tuple(out)


def _approvers(facts: PullRequestFacts) -> list[str]:
    author = login_key(facts.author or "")
    seen: dict[str, str] = {}
    for login in facts.approvals:
        key = login_key(login)
        if key and key != author:
            seen.setdefault(key, login.strip().lstrip("@"))
    return list(seen.values())


def _logins(logins: Sequence[str]) -> str:
    return ", ".join(f"@{x}" for x in logins)


def _score(assessment: Assessment) -> float:
    return assessment.score


def _unread_code(assessment: Assessment) -> str:
    """What code was not read in full (``signals.diff``, from the diffstat detector: past the diff caps,
    on lines git does not split, in UTF-16 or UTF-32, behind a submodule or a symlink), said for a note; ``""`` when none. A
    pull request reaches each on purpose (filler before its code, CR line ends...)."""
    diff = assessment.signals.get("diff")
    if not isinstance(diff, Mapping):
        return ""
    names = [str(p) for p in diff.get("unread_code") or ()]
    if names:
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        return f"{len(names)} code file{'s' if len(names) != 1 else ''} ({shown}) {'were' if len(names) != 1 else 'was'}"
    return "files that may hold code were" if diff.get("unread_unnamed") else ""


def _ai_explicit(assessment: Assessment) -> bool:
    ai = assessment.signals.get("ai_authorship")
    return bool(ai.get("explicit")) if isinstance(ai, Mapping) else False


def _trivial(assessment: Assessment) -> bool:
    """Empty or documentation-only: the one kind of change a tightened gate lets through untouched.

    Documentation by :func:`~mergeguard.paths.is_prose` of every path (old names of renames too), not
    by the model's ``doc_only`` feature, which counts ``svc/history.py`` and ``app/docs/x.py`` as
    documentation: a change's author picks its paths, and must not pick its way past the gate.
    """
    paths = assessment.change.paths
    return assessment.trivial or (bool(paths) and all(is_prose(p) for p in paths))


def _worst(a: str, b: str) -> str:
    return a if CONCLUSIONS.index(a) >= CONCLUSIONS.index(b) else b


def _verb(conclusion: str) -> str:
    return {"failure": "Fails", "action_required": "Needs action", "neutral": "Neutral"}.get(conclusion, "Passes")


def _pct(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value * 100:.3g}%"


def _describe(t: Mapping[str, float]) -> str:
    return ", ".join(f"{level} {_pct(t[level])}" for level in THRESHOLD_LEVELS if level in t)


def _level_note(level: str, score: float | None, t: Mapping[str, float], source: str, tightened_by: Sequence[str]) -> str:
    where = f"thresholds {_describe(t)}: {source}" + (f", tightened for {' and '.join(tightened_by)}" if tightened_by else "")
    if score is None:
        return f"Level {level}: no score, the model's level is used ({where})."
    if level == "low":
        return f"Level low: score {_pct(score)} is below the medium threshold {_pct(t['medium'])} ({where})."
    return f"Level {level}: score {_pct(score)} reaches the {level} threshold {_pct(t[level])} ({where})."
