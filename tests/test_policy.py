"""The pure gate: every rule, from a real config text and a test assessment, no I/O."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mergeguard import codeowners
from mergeguard.audit import Acceptance
from mergeguard.budget import BudgetStatus
from mergeguard.config import Config, loads
import dataclasses

from mergeguard.assessment import Assessment
from mergeguard.policy import (PullRequestFacts, Thresholds, decide, has_rollout_note, level_for, may_accept,
                               percentile, resolve_thresholds, team_name, teams_to_resolve)

MODEL = {"medium": 0.2, "high": 0.4, "critical": 0.7}
HEAD = "a" * 40
OTHER_HEAD = "b" * 40


def assessment(score: float, *, ai: bool | None = None, doc_only: bool = False,
               paths=("core/engine.py",)) -> Assessment:
    a = {
        "change": {"id": "x", "base": "c" * 40, "head": HEAD, "files": len(paths), "paths": list(paths)},
        "score": score, "level": "n/a",
        "signals": {"diff": {"code_changed": not doc_only}},
        "features": {"doc_only": 1.0 if doc_only else 0.0},
    }
    if ai is not None:
        a["signals"]["ai_authorship"] = {"explicit": ai}
    return Assessment.from_json(a)


def verdict(a, config: Config | str = "", facts=PullRequestFacts(), budget=None, scores=None):
    config = loads(config) if isinstance(config, str) else config
    return decide(a, config, budget, facts, resolve_thresholds(config, MODEL, scores))


@pytest.mark.parametrize("score, level, required", [
    (0.05, "low", []), (0.25, "medium", []), (0.45, "high", ["codeowners"]),
    (0.85, "critical", ["codeowners", "rollout-note"]),
])
def test_default_gate_without_history_uses_the_models_thresholds_and_every_level_is_passable(score, level, required):
    v = verdict(assessment(score))
    assert v.level == level and [r.id for r in v.required_validations] == required
    assert v.conclusion == ("success" if not required else "action_required")  # never failure by default
    assert "the model's (the default gate uses percentiles of this repository's own scores from 100" in v.notes[1]
    # what the defaults ask for is enough: an approval by someone else (no CODEOWNERS), plus a rollout note
    facts = PullRequestFacts(author="dev", approvals=("dev", "rev"), description="Rollout: canary 5% for a day")
    assert verdict(assessment(score), facts=facts).conclusion == "success"
    # the author's own approval is not enough
    alone = PullRequestFacts(author="dev", approvals=("dev",), description="Rollout: canary 5% for a day")
    assert verdict(assessment(score), facts=alone).conclusion == ("success" if not required else "action_required")


def test_default_gate_takes_percentiles_of_enough_history():
    history = [i / 1000 for i in range(200)]  # 0.000 .. 0.199
    v = verdict(assessment(0.185), scores=history)
    assert v.thresholds == {"medium": percentile(history, 75), "high": percentile(history, 90),
                            "critical": percentile(history, 98)}
    assert v.level == "high" and v.conclusion == "action_required"
    assert "the default gate: percentiles of the scores of this repository's newest 200 commits " \
           "(medium p75, high p90, critical p98)" in v.notes[1]
    # the share of the history itself at each level is what the percentiles promise
    levels = [verdict(assessment(s), scores=history).level for s in history]
    assert levels.count("critical") == 4 and levels.count("high") + levels.count("critical") == 20
    # 99 scored commits are not enough for the default percentiles, 20 are for configured ones
    assert verdict(assessment(0.185), scores=history[:99]).thresholds == MODEL
    configured = "thresholds: {mode: percentile, high: 90}\n"
    assert verdict(assessment(0.185), configured, scores=history[:20]).thresholds["high"] == percentile(history[:20], 90)


def test_a_config_names_only_the_levels_whose_validations_it_changes():
    v = verdict(assessment(0.85), "require:\n  high: [{label: ok}]\n")
    assert [r.id for r in v.required_validations] == ["codeowners", "rollout-note"]
    v = verdict(assessment(0.85), "require:\n  critical: []\nconclusions: {critical: failure}\n")
    assert v.required_validations == () and v.conclusion == "failure"  # failure only when configured


def test_configured_conclusions_and_absolute_thresholds():
    v = verdict(assessment(0.25), "thresholds: {medium: 0.1, high: 0.2, critical: 0.5}\nconclusions: {high: neutral}\n"
                                  "require: {high: []}\n")
    assert v.level == "high" and v.conclusion == "neutral"
    assert v.thresholds == {"medium": 0.1, "high": 0.2, "critical": 0.5}
    assert "score 25% reaches the high threshold 20%" in v.notes[1]
    # a partial override keeps the model's other thresholds, and a lower level never exceeds a higher one
    v = verdict(assessment(0.15), "thresholds: {high: 0.1}\n")
    assert v.thresholds == {"medium": 0.1, "high": 0.1, "critical": 0.7} and v.level == "high"


REQUIRE = """\
require:
  high: [codeowners, {approvals: 2}, {label: canary-planned}, rollout_note]
"""
OWNERS = codeowners.parse("* @lead\n/core/ @alice @acme/core\n/docs/\n")


def test_risky_change_with_every_validation_satisfied_passes_and_says_why():
    facts = PullRequestFacts(author="dev", labels=("Canary-Planned",), approvals=("bob", "alice"),
                             description="Adds retries.\n\nRollout: canary 5% for a day, then 50%.",
                             codeowners=OWNERS)
    v = verdict(assessment(0.5), REQUIRE, facts)
    assert v.level == "high" and v.conclusion == "success"
    assert all(r.satisfied for r in v.required_validations)
    assert [r.id for r in v.required_validations] == ["codeowners", "approvals:2", "label:canary-planned", "rollout-note"]
    assert v.notes[0] == "Passes: all 4 validations required at high risk are satisfied."
    d = v.to_dict()
    assert set(d) >= {"conclusion", "level", "required_validations", "notes"}
    assert set(d["required_validations"][0]) >= {"id", "description", "satisfied"}


@pytest.mark.parametrize("facts, failing", [
    (PullRequestFacts(author="dev", labels=("canary-planned",), approvals=("bob", "carol"),
                      description="Rollout: canary", codeowners=OWNERS), "codeowners"),
    (PullRequestFacts(author="dev", labels=("canary-planned",), approvals=("alice", "dev"),
                      description="Rollout: canary", codeowners=OWNERS), "approvals:2"),
    (PullRequestFacts(author="dev", labels=("needs-canary",), approvals=("alice", "bob"),
                      description="Rollout: canary", codeowners=OWNERS), "label:canary-planned"),
    (PullRequestFacts(author="dev", labels=("canary-planned",), approvals=("alice", "bob"),
                      description="Rollout: n/a", codeowners=OWNERS), "rollout-note"),
])
def test_each_missing_validation_blocks(facts, failing):
    v = verdict(assessment(0.5), REQUIRE, facts)
    assert v.conclusion == "action_required"
    assert [r.id for r in v.required_validations if not r.satisfied] == [failing]
    assert v.notes[0].startswith("Needs action: 1 of 4 required validations is not satisfied")


def test_a_label_counts_only_as_its_provenance_allows():
    """The App and the Action pass who added each label; the CLI's --label (provenance None) is trusted."""
    from mergeguard.labelling import LabelAdder, LabelProvenance

    config = "require:\n  high: [{label: qa-passed}]\n"
    by_author = LabelProvenance({"qa-passed": LabelAdder("dev", False, "was added by the author")})
    v = verdict(assessment(0.5), config, PullRequestFacts(author="dev", labels=("QA-passed",),
                                                          label_provenance=by_author))
    (result,) = v.required_validations
    assert v.conclusion == "action_required" and not result.satisfied
    assert result.detail.startswith("label 'qa-passed' was added by the author, so it does not count")
    by_other = LabelProvenance({"qa-passed": LabelAdder("lead", True, "added by @lead")})
    assert verdict(assessment(0.5), config, PullRequestFacts(author="dev", labels=("qa-passed",),
                                                            label_provenance=by_other)).conclusion == "success"
    unreadable = LabelProvenance(error="GitHub GET events of o/r#1 failed: HTTP 500")
    v = verdict(assessment(0.5), config, PullRequestFacts(labels=("qa-passed",), label_provenance=unreadable))
    assert v.conclusion == "action_required"
    assert "cannot be traced to whoever added it (GitHub GET events of o/r#1 failed: HTTP 500)" in \
        v.required_validations[0].detail
    # no event at all for a label the provenance was asked about: not counted either
    assert verdict(assessment(0.5), config, PullRequestFacts(labels=("qa-passed",),
                                                            label_provenance=LabelProvenance())).conclusion != "success"
    assert verdict(assessment(0.5), config, PullRequestFacts(labels=("qa-passed",))).conclusion == "success"


def test_label_names_lists_every_label_a_validation_may_ask_for():
    from mergeguard.policy import label_names

    config = loads("require:\n  high: [{label: qa-passed}]\n  critical: [{label: canary}, codeowners]\n"
                   "error_budget:\n  json: {url: 'http://x/b.json', field: r}\n  tighten: {require: [{label: sre-ok}]}\n")
    assert label_names(config) == ("canary", "qa-passed", "sre-ok")
    assert label_names(loads("")) == ()


def test_labels_to_trace_are_those_asked_for_that_the_pull_request_carries():
    from mergeguard.policy import labels_to_trace

    config = loads("require:\n  high: [{label: qa-passed}]\n  critical: [{label: Canary}]\n")
    assert labels_to_trace(config, [" QA-Passed", "docs", "canary"]) == ["Canary", "qa-passed"]
    assert labels_to_trace(config, ["docs"]) == []
    assert labels_to_trace(loads(""), ["qa-passed"]) == []


def test_missing_validations_never_soften_a_failing_level():
    config = "require:\n  critical: [{approvals: 1}]\n  low: [{label: reviewed}]\nconclusions: {critical: failure}\n"
    assert verdict(assessment(0.9), config).conclusion == "failure"
    # a level that would pass still needs action while its validations are missing
    assert verdict(assessment(0.01), config).conclusion == "action_required"
    assert verdict(assessment(0.01), config, PullRequestFacts(labels=("reviewed",))).conclusion == "success"


def test_codeowners_details():
    facts = PullRequestFacts(author="dev", approvals=("bob",), teams={"@acme/core": ("bob",)}, codeowners=OWNERS)
    v = verdict(assessment(0.5, paths=("core/a.py", "docs/x.md", "setup.py")), "require: {high: [codeowners]}", facts)
    (r,) = v.required_validations
    assert not r.satisfied and r.detail == "waiting for @lead for setup.py"
    # no CODEOWNERS at the base: any approval by someone other than the author counts
    v = verdict(assessment(0.5), "require: {high: [codeowners]}", PullRequestFacts(author="dev", approvals=("dev",)))
    assert not v.required_validations[0].satisfied and "no CODEOWNERS file" in v.required_validations[0].detail
    v = verdict(assessment(0.5), "require: {high: [codeowners]}", PullRequestFacts(author="dev", approvals=("x",)))
    assert v.required_validations[0].satisfied


def test_stricter_thresholds_for_explicit_ai_authorship():
    config = "ai_authored:\n  thresholds: {medium: 0.05, high: 0.1, critical: 0.3}\n"
    assert verdict(assessment(0.15), config).level == "low"
    assert verdict(assessment(0.15, ai=False), config).level == "low"
    v = verdict(assessment(0.15, ai=True), config)
    assert v.level == "high" and v.conclusion == "action_required"
    assert any("explicit AI-authorship evidence: stricter thresholds apply" in n for n in v.notes)
    # "stricter" never loosens: an ai threshold above the base one is ignored for that level
    v = verdict(assessment(0.5, ai=True), "ai_authored: {thresholds: {high: 0.9}}")
    assert v.level == "high"
    # the detectors' signals are free-form: one that is not an object reads as no evidence
    a = dataclasses.replace(assessment(0.15), signals={"ai_authorship": "explicit"})
    assert verdict(a, config).level == "low"


BUDGET = """\
error_budget:
  json: {file: slo.json}
  floor: 0.25
  tighten:
    thresholds: {medium: 0.1, high: 0.2, critical: 0.5}
    require: [{approvals: 1}]
"""


def test_budget_healthy_keeps_normal_rules():
    v = verdict(assessment(0.15), BUDGET, budget=BudgetStatus("JSON slo.json", remaining=0.62))
    assert v.level == "low" and v.conclusion == "success"
    assert "Error budget: 62% remaining (floor 25%): normal rules apply." in v.notes
    assert v.error_budget["state"] == "healthy" and v.error_budget["remaining"] == 0.62


def test_budget_below_floor_tightens_and_says_how():
    status = BudgetStatus("JSON slo.json", remaining=0.12)
    v = verdict(assessment(0.15), BUDGET, budget=status)
    assert v.level == "medium" and v.conclusion == "action_required"
    assert [r.id for r in v.required_validations] == ["approvals:1"]
    note = next(n for n in v.notes if n.startswith("Error budget"))
    assert note == ("Error budget: 12% remaining, below the 25% floor: the gate tightens: thresholds lowered to "
                    "medium 10%, high 20%, critical 50%; approvals:1 required of every non-trivial change.")
    assert verdict(assessment(0.15), BUDGET, PullRequestFacts(approvals=("bob",)), budget=status).conclusion == "success"
    # exhausted (and overspent) budgets are below any floor
    assert verdict(assessment(0.15), BUDGET, budget=BudgetStatus("s", remaining=-0.3)).error_budget["state"] == "below_floor"


def test_budget_requirements_spare_trivial_changes():
    v = verdict(assessment(0.01, doc_only=True, paths=("README.md",)), BUDGET, budget=BudgetStatus("s", remaining=0.0))
    assert v.conclusion == "success" and v.required_validations == ()
    assert "this one is documentation only" in v.error_budget["rule"]


@pytest.mark.parametrize("on_error, level, conclusion", [
    ("tighten", "medium", "action_required"), ("normal", "low", "success"), ("fail", "low", "failure"),
])
def test_unreadable_budget_is_stated_and_the_fallback_applies(on_error, level, conclusion):
    status = BudgetStatus("Prometheus http://127.0.0.1:1 (q)", error="unreachable: connection refused")
    v = verdict(assessment(0.15), BUDGET + f"  on_error: {on_error}\n", budget=status)
    assert (v.level, v.conclusion) == (level, conclusion)
    note = next(n for n in v.notes if n.startswith("Error budget unavailable"))
    assert "unreachable: connection refused" in note and f"on_error={on_error}" in note
    assert v.error_budget["state"] == "unavailable"
    # a budget nobody fetched is not a healthy budget
    assert verdict(assessment(0.15), BUDGET, budget=None).error_budget["error"] == "not checked"


ACCEPT = ("risk_acceptance:\n  allowed: [alice, '@acme/sre']\n  levels: [high, critical]\n"
          "conclusions: {critical: failure}\n")


def acceptance(by: str, head: str = HEAD, *, base: str | None = "main", level: str | None = "critical") -> Acceptance:
    return Acceptance(head_sha=head, by=by, at="2026-11-20T10:00:00+00:00", reason="hotfix; SRE watching",
                      base=base, level=level)


def on_main(**facts) -> PullRequestFacts:
    return PullRequestFacts(base_branch="main", **facts)


def test_accepted_risk_passes_for_that_head_only():
    v = verdict(assessment(0.9), ACCEPT, on_main(acceptances=(acceptance("alice"),)))
    assert v.conclusion == "success" and v.accepted["by"] == "alice"
    assert v.accepted["base"] == "main" and v.accepted["level"] == "critical"
    assert v.notes[0].startswith("Passes: critical risk accepted by @alice at 2026-11-20T10:00:00+00:00 for head "
                                 "aaaaaaaaaaaa into 'main'")
    assert v.notes[1].startswith("Without that acceptance the conclusion would be failure")
    # new commits: the head changed, the acceptance no longer applies
    stale = verdict(assessment(0.9), ACCEPT, on_main(acceptances=(acceptance("alice", OTHER_HEAD),)))
    assert stale.conclusion == "failure" and stale.accepted is None


def test_an_acceptance_counts_only_for_the_base_branch_it_was_given_for():
    """Retargeted from a lenient branch: the acceptance given there is not one for 'main'."""
    given = (acceptance("alice", base="release"),)
    v = verdict(assessment(0.9), ACCEPT, on_main(acceptances=given))
    assert v.conclusion == "failure" and v.accepted is None
    assert "Acceptance by @alice ignored: it was given for base branch 'release' and the pull request now targets " \
           "'main'." in v.notes
    back = verdict(assessment(0.9), ACCEPT, PullRequestFacts(base_branch="release", acceptances=given))
    assert back.conclusion == "success"
    unknown = verdict(assessment(0.9), ACCEPT, PullRequestFacts(acceptances=given))  # no base branch known
    assert unknown.conclusion == "failure" and any("base branch of this change is not known" in n for n in unknown.notes)


def test_an_acceptance_of_high_risk_does_not_cover_critical():
    high = (acceptance("alice", level="high"),)
    v = verdict(assessment(0.9), ACCEPT, on_main(acceptances=high))  # 0.9: critical
    assert v.level == "critical" and v.conclusion == "failure" and v.accepted is None
    assert "Acceptance by @alice ignored: it accepted high risk and this change is now critical risk." in v.notes
    ok = verdict(assessment(0.5), ACCEPT, on_main(acceptances=high))  # high: action_required until accepted
    assert ok.level == "high" and ok.conclusion == "success"
    # accepting critical covers the lower high: the acceptor accepted more than is asked
    lower = verdict(assessment(0.5), ACCEPT, on_main(acceptances=(acceptance("alice", level="critical"),)))
    assert lower.level == "high" and lower.conclusion == "success"


def test_an_acceptance_recorded_without_base_and_level_accepts_nothing():
    """Entries written before acceptances named their base and level: what they accepted cannot be told,
    and counting them for any base and level would keep the hole open; they open less than before,
    never more, and the verdict says so."""
    for old in (acceptance("alice", base=None, level=None), acceptance("alice", base="main", level=None),
                acceptance("alice", base=None, level="critical")):
        v = verdict(assessment(0.9), ACCEPT, on_main(acceptances=(old,)))
        assert v.conclusion == "failure" and v.accepted is None
        assert any(n.startswith("Acceptance by @alice ignored: it was recorded without the base branch and the level")
                   and n.endswith("accept again.") for n in v.notes), v.notes


def test_only_allowed_people_and_levels_count():
    v = verdict(assessment(0.9), ACCEPT, on_main(acceptances=(acceptance("mallory"),)))
    assert v.conclusion == "failure" and any("@mallory ignored" in n for n in v.notes)
    team = on_main(acceptances=(acceptance("sam"),), teams={"@acme/sre": ("sam",)})
    assert verdict(assessment(0.9), ACCEPT, team).conclusion == "success"
    medium_fails = "conclusions: {medium: failure, critical: failure}\n" + ACCEPT.replace("conclusions: {critical: failure}\n", "")
    v = verdict(assessment(0.25), medium_fails, on_main(acceptances=(acceptance("alice"),)))
    assert v.conclusion == "failure" and any("does not allow accepting medium risk" in n for n in v.notes)
    assert not may_accept(loads(""), "alice"), "nobody may accept by default"


def test_the_author_never_accepts_their_own_risk():
    """Approvals exclude the author; so does acceptance (issue 11, item 3), directly or through a team."""
    config = loads(ACCEPT)
    assert may_accept(config, "alice") and not may_accept(config, "alice", author="alice")
    assert not may_accept(config, "ALICE", author="@alice"), "logins compare case-insensitively"
    assert not may_accept(config, "sam", {"@acme/sre": ("sam",)}, author="sam"), "a team member who wrote the pull request"
    assert may_accept(config, "sam", {"@acme/sre": ("sam",)}, author="alice")
    own = verdict(assessment(0.9), ACCEPT, on_main(author="alice", acceptances=(acceptance("alice"),)))
    assert own.conclusion == "failure" and own.accepted is None
    assert any("@alice ignored" in n and "author" in n for n in own.notes), own.notes
    other = verdict(assessment(0.9), ACCEPT, on_main(author="bob", acceptances=(acceptance("alice"),)))
    assert other.conclusion == "success" and other.accepted["by"] == "alice"


def test_percentile_thresholds_are_resolved_from_history():
    scores = [i / 100 for i in range(100)]  # 0.00 .. 0.99
    config = loads("thresholds: {mode: percentile, medium: 50, high: 80, critical: 95}\n")
    t = resolve_thresholds(config, MODEL, scores)
    assert t.base == {"medium": 0.495, "high": 0.792, "critical": 0.9405}
    assert "percentiles of the scores of this repository's newest 100 commits" in t.base_source
    v = decide(assessment(0.8), config, None, PullRequestFacts(), t)
    assert v.level == "high"
    few = resolve_thresholds(config, MODEL, scores[:5])
    assert few.base == MODEL and "need at least 20 scored commits" in few.notes[0]


def test_small_pure_helpers():
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert level_for(0.4, MODEL) == "high" and level_for(0.39, MODEL) == "medium" and level_for(0.0, MODEL) == "low"
    assert Thresholds(base=MODEL).base_source == "model"


@pytest.mark.parametrize("text, ok", [
    ("Rollout: canary 5% for a day", True),
    ("## Rollout plan\n\nShip behind the flag, enable for staff first.\n", True),
    ("**Feature flag:** `new_checkout`", True),
    ("- Feature-flag: payments.v2", True),
    ("Kill switch: `DISABLE_RETRIES=1`", True),
    ("## Rollout\n<!-- describe the rollout -->\n\n## Testing\nunit tests", False),
    ("Rollout: n/a", False),
    ("Rollout: TBD", False),
    ("We should roll out carefully.", False),
    ("", False),
])
def test_rollout_note(text, ok):
    assert has_rollout_note(text) is ok


def test_rollout_note_custom_pattern():
    config = "require:\n  high:\n    - rollout_note: {pattern: '^Flag: \\S+'}\n"
    assert verdict(assessment(0.5), config, PullRequestFacts(description="x\nFlag: checkout_v2")).conclusion == "success"
    assert verdict(assessment(0.5), config, PullRequestFacts(description="Rollout: canary")).conclusion != "success"


EVIL = "(a+)+$"  # exponential with a backtracking engine on a line of a's that ends otherwise


def test_rollout_note_pattern_runs_in_linear_time_on_author_text():
    """The description is the author's; the pattern is the base branch's. A backtracking engine would take
    longer than the universe on this; RE2 is linear (issue 11, item 6). Run in a child so a regression
    fails on the generous bound instead of hanging the suite."""
    code = ("import sys; from mergeguard.policy import has_rollout_note as h; "
            f"print(h('a' * 100_000 + '!', {EVIL!r}), h('x\\n' + 'a' * 50_000 + '\\nb', {EVIL!r}))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["False", "True"]
    assert has_rollout_note("aaaa", EVIL) and not has_rollout_note("aaab", EVIL)
    assert has_rollout_note("Fix\nFLAG: new_checkout", "(?i)^flag: \\S+")  # multi-line, as before
    assert not has_rollout_note("anything", "(a)\\1"), "a pattern RE2 cannot run never counts as a note"


def test_budget_validations_merge_with_level_validations():
    config = BUDGET.replace("[{approvals: 1}]", "[{approvals: 1}, codeowners]") + "require:\n  high: [{approvals: 2}]\n"
    v = verdict(assessment(0.3), config, budget=BudgetStatus("s", remaining=0.0))
    assert v.level == "high"
    assert [r.id for r in v.required_validations] == ["approvals:2", "codeowners"]


def test_team_names_are_told_from_logins_and_e_mails():
    assert team_name("@octo/core") == "@octo/core"
    assert team_name("octo/core") == "@octo/core"
    assert [team_name(x) for x in ("@alice", "alice", "dev@example.com", "@a/b/c", "@/core", "@octo/")] == [None] * 6


def test_only_teams_owning_touched_paths_and_risk_acceptors_are_resolved():
    owners = codeowners.parse("*.md @octo/docs\n/core/ @octo/core @alice\n/billing/ @Octo/Billing dev@example.com\n")
    config = loads("risk_acceptance:\n  allowed: [bob, '@octo/leads', octo/core]\n")
    assert teams_to_resolve(config, owners, ["core/engine.py", "billing/pay.py"]) == [
        "@Octo/Billing", "@octo/core", "@octo/leads"]
    assert teams_to_resolve(config, None, ["core/engine.py"]) == ["@octo/core", "@octo/leads"]
    assert teams_to_resolve(Config(), owners, ["README.md"]) == ["@octo/docs"]
    assert teams_to_resolve(Config(), owners, ["src/x.py"]) == []


def test_the_callers_notes_reach_the_verdict(trained_model_dir):
    from mergeguard.gate import Gate
    from mergeguard.models.model import load

    facts = PullRequestFacts(author="dev", notes=("Team @octo/core counts nobody here: no permission.",))
    verdict = Gate(None, load(str(trained_model_dir[0])), facts=facts).verdict(
        Assessment.from_json({"score": 0.01, "change": {"paths": []}, "findings": []}), None)
    assert "Team @octo/core counts nobody here: no permission." in verdict.notes
