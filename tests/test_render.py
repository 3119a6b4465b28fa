"""Renderers: every format on realistic assessments, including hostile and oversized input."""

from __future__ import annotations

import copy
import json
import math
import re

import pytest

import mergeguard
from mergeguard.assessment import Assessment, Review
from mergeguard.render import FORMATS, NotScored, percent, render
from mergeguard.render.markdown import markdown
from mergeguard.render.sarif import RISK_RULE_ID, sarif_log
from mergeguard.render.text import text

from .schema import assert_valid


def make_assessment(**overrides) -> dict:
    """A high-risk assessment as the pipeline would produce it, with a verdict."""
    assessment = {
        "schema": "mergeguard.assessment/1",
        "change": {
            "id": "abc1234",
            "base": "main",
            "head": "feature/retry-client",
            "files": 7,
            "added": 640,
            "deleted": 31,
            "truncated": ["diff capped at 5000 lines; 2 files not analysed"],
            "paths": ["src/client/http.py", "src/jobs/worker.py", "docs/config.md"],
            "ignored": [],
            "gate_base": "c" * 40,
        },
        "score": 0.834,
        "level": "high",
        "model_level": "high",
        "reasons": [
            {
                "feature": "la",
                "value": 640.0,
                "contribution": 0.92,
                "text": "adds 640 lines, more than 97% of this repository's changes",
                "notable": True,
            },
            {
                "feature": "exp",
                "value": 143.0,
                "contribution": -0.41,
                "text": "the author made 143 commits here in the last year",
                "notable": True,
            },
            {
                "feature": "retry_antipatterns",
                "value": 2.0,
                "contribution": 0.55,
                "text": "adds 2 retry loops without backoff",
                "notable": True,
            },
            {
                "feature": "max_partner_rate",
                "value": float("nan"),
                "contribution": 0.0,
                "text": "co-change history unavailable",
                "notable": False,
            },
        ],
        "findings": [
            {
                "kind": "retry.without_backoff",
                "category": "retry",
                "path": "src/client/http.py",
                "line": 88,
                "end_line": 97,
                "severity": "warning",
                "message": "retry loop without backoff or jitter",
            },
            {
                "kind": "timeout.missing",
                "category": "timeout",
                "path": "src/client/http.py",
                "line": 120,
                "end_line": None,
                "severity": "error",
                "message": "requests.get called without a timeout",
            },
            {
                "kind": "retry.without_limit",
                "category": "retry",
                "path": "src/jobs/worker.py",
                "line": 14,
                "end_line": 20,
                "severity": "info",
                "message": "while True retry loop has no attempt limit",
            },
            {
                "kind": "coupling.missing_partner",
                "category": "coupling",
                "path": "docs/config.md",
                "line": None,
                "end_line": None,
                "severity": "info",
                "message": "usually changes together with src/config.py",
            },
        ],
        "look_first": [],
        "signals": {"history": {"commits_seen": 1200, "coverage": float("nan")}},
        "features": {"la": 640.0, "max_partner_rate": float("nan"), "age": None},
        "warnings": ["shallow clone: history features are degraded"],
        "model": {"name": "default", "version": "2024.06.1"},
        "mergeguard": mergeguard.__version__,
        "timing_ms": {"features": 80.25, "model": 3.0, "total": 95.75},
        "verdict": {
            "conclusion": "action_required",
            "level": "high",
            "required_validations": [
                {"id": "second-review", "description": "Second reviewer approval", "satisfied": True, "detail": ""},
                {"id": "load-test", "description": "Run the load test against staging", "satisfied": False,
                 "detail": ""},
            ],
            "notes": ["error budget for payments is 40% spent"],
            "score": 0.834,
            "thresholds": {"medium": 0.2, "high": 0.5, "critical": 0.9},
            "error_budget": None,
            "accepted": None,
            "config": "defaults",
        },
    }
    assessment.update(overrides)
    return assessment


def test_the_fixture_is_a_real_assessment():
    """The hand-built assessment has the published shape and only features the shipped model has."""
    from mergeguard.models.model import load

    data = json.loads(render([typed(make_assessment())], "json"))  # NaN -> null, as every output writes it
    assert_valid(data)
    features = set(load(None).features)
    assert set(data["features"]) <= features and {r["feature"] for r in data["reasons"]} <= features


def make_low_assessment() -> dict:
    """A second, quiet change: no findings, no verdict, no warnings."""
    return make_assessment(
        change={"id": "def5678", "base": None, "head": None, "files": 1, "added": 3, "deleted": 1, "truncated": []},
        score=0.04,
        level="low",
        model_level="low",
        reasons=[{"feature": "la", "value": 3.0, "contribution": -1.2, "text": "adds only 3 lines"}],
        findings=[],
        warnings=[],
        verdict=None,
    )


def typed(data: dict) -> Review | Assessment:
    """The fixture as a face holds it: read back from JSON as the App reads a stored assessment
    (a review when it has a verdict, a bare assessment otherwise)."""
    return Review.from_json(data) if data.get("verdict") else Assessment.from_json(data)


# --------------------------------------------------------------------------- dispatch


def test_unknown_format_raises_value_error_naming_allowed_formats():
    with pytest.raises(ValueError) as excinfo:
        render([typed(make_assessment())], "yaml")
    message = str(excinfo.value)
    assert "yaml" in message
    for fmt in FORMATS:
        assert fmt in message


def test_render_accepts_each_format():
    for fmt in FORMATS:
        assert render([typed(make_assessment())], fmt).strip()


def test_percent_does_not_claim_certainty():
    assert percent(0.834) == "83%"
    assert percent(0.003) == "<1%"
    assert percent(0.996) == ">99%"
    assert percent(0.0) == "0%"
    assert percent(1.0) == "100%"
    assert percent(float("nan")) == "n/a"
    assert percent(None) == "n/a"


# --------------------------------------------------------------------------- json


def test_json_single_round_trips_and_nan_becomes_null():
    assessment = make_assessment()
    out = render([typed(assessment)], "json")
    assert "NaN" not in out
    data = json.loads(out)  # strict: would fail on NaN tokens
    assert data["schema"] == "mergeguard.assessment/1"
    assert data["score"] == pytest.approx(0.834)
    assert data["features"]["max_partner_rate"] is None
    assert data["signals"]["history"]["coverage"] is None
    assert data["reasons"][3]["value"] is None
    assert data["findings"] == assessment["findings"]
    assert out.startswith("{\n  ")  # pretty, indent 2


def test_json_rejects_nan_tokens_strictly():
    out = render([typed(make_assessment(score=float("nan")))], "json")
    data = json.loads(out, parse_constant=lambda token: pytest.fail(f"non-standard token {token}"))
    assert data["score"] is None


def test_json_lines_for_several_assessments():
    out = render([typed(make_assessment()), typed(make_low_assessment())], "json")
    lines = out.split("\n")
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["change"]["id"] == "abc1234"
    assert second["change"]["id"] == "def5678"
    assert "verdict" not in second  # an assessment without a gate has no verdict object
    assert ": " not in lines[0].split('"text"')[0]  # compact separators


def test_json_does_not_mutate_input():
    assessment = make_assessment()
    before = copy.deepcopy(assessment)
    render([typed(assessment)], "json")
    assert math.isnan(assessment["features"]["max_partner_rate"])
    assert assessment["change"] == before["change"]


# --------------------------------------------------------------------------- text


def test_text_summary_contents():
    out = render([typed(make_assessment())], "text")
    first_line = out.splitlines()[0]
    assert first_line == "abc1234  HIGH risk (83%) · ACTION REQUIRED"
    assert out.splitlines()[1] == "Most important: adds 640 lines, more than 97% of this repository's changes"
    assert "7 files changed, +640 -31" in out
    assert "▲ adds 640 lines, more than 97% of this repository's changes" in out
    assert "▼ the author made 143 commits here in the last year" in out
    # largest effect first
    assert out.index("adds 640 lines") < out.index("retry loops") < out.index("143 commits")
    assert "src/client/http.py:88-97" in out
    assert "src/client/http.py:120" in out
    assert "src/jobs/worker.py:14" in out
    assert "docs/config.md" in out
    assert "shallow clone: history features are degraded" in out
    assert "diff capped at 5000 lines" in out
    assert "[x] Second reviewer approval" in out
    assert "[ ] Run the load test against staging" in out
    assert "ACTION REQUIRED" in out
    assert "model default 2024.06.1" in out
    assert "\x1b[" not in out


def test_text_groups_findings_by_category():
    out = text(typed(make_assessment()))
    retry = out.index("  retry (2)")
    timeout = out.index("  timeout (1)")
    assert retry < out.index("src/jobs/worker.py:14") < timeout  # both retry findings under retry


def test_text_color_only_when_asked():
    assert "\x1b[" in text(typed(make_assessment()), color=True)
    assert "\x1b[" in render([typed(make_assessment())], "text", color=True)


def test_text_neutralises_control_characters_in_paths():
    hostile = make_assessment()
    hostile["findings"][0]["path"] = "evil\x1b[2J\nname.py"
    out = text(typed(hostile))
    assert "\x1b" not in out
    assert "evil [2J name.py:88" in out


def test_text_without_optional_sections():
    out = text(typed(make_low_assessment()))
    assert out.splitlines()[0] == "def5678  LOW risk (4%)"
    assert "Findings" not in out and "To pass" not in out and "Warnings" not in out and "Gate:" not in out


def test_text_several_assessments():
    out = render([typed(make_assessment()), typed(make_low_assessment())], "text")
    assert "abc1234  HIGH risk (83%) · ACTION REQUIRED" in out and "def5678  LOW risk (4%)" in out


# --------------------------------------------------------------------------- markdown


def _table_rows(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("|")]


def _unescaped_pipes(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row))


def test_markdown_title_paragraph_and_footer():
    md = markdown(typed(make_assessment()))
    assert md.splitlines()[0] == "### 🟠 HIGH risk · 83% · ⚠️ action required"
    assert md.splitlines()[2] == "**Most important:** adds 640 lines, more than 97% of this repository's changes"
    assert "`abc1234`" in md
    assert "**7 files**" in md
    assert f"mergeguard {mergeguard.__version__}" in md
    assert "`2024.06.1`" in md.splitlines()[-1]


def test_markdown_reasons_table():
    md = markdown(typed(make_assessment()))
    assert "| Effect | Fact about this change | Feature | Value |" in md
    assert "<details><summary>Why this score (4 effects)</summary>" in md
    row = next(r for r in _table_rows(md) if "la" in r)
    assert "| 640 |" in row and "▲ +0.92" in row
    assert "adds 640 lines, more than 97% of this repository's changes" in row
    nan_row = next(r for r in _table_rows(md) if "max_partner_rate" in r)
    assert "| — |" in nan_row


def test_markdown_findings_by_category_with_locations():
    md = markdown(typed(make_assessment()))
    assert "<details><summary>Findings (4)</summary>" in md
    assert "**retry** (2)" in md and "**timeout** (1)" in md and "**coupling** (1)" in md
    assert "`src/client/http.py:88-97`" in md
    assert "`src/client/http.py:120`" in md
    assert "`docs/config.md`" in md


def test_markdown_checklist_and_warnings():
    md = markdown(typed(make_assessment()))
    assert "**To pass** (1 of 2 done):" in md
    assert "- [x] Second reviewer approval\n" in md
    assert "- [ ] Run the load test against staging\n" in md
    assert "shallow clone: history features are degraded" in md
    assert "diff capped at 5000 lines; 2 files not analysed" in md


def test_markdown_escapes_pipes_and_newlines_in_table_cells():
    hostile = make_assessment()
    hostile["findings"][0]["path"] = "src/a|b.py"
    hostile["findings"][0]["message"] = "first line\n| injected | row |\nthird <b>bold</b>"
    hostile["reasons"][0]["text"] = "reason with | pipe"
    md = markdown(typed(hostile))
    rows = _table_rows(md)
    # every table row keeps exactly its column count: 3 findings columns, 4 reasons columns
    for row in rows:
        assert _unescaped_pipes(row) in (4, 5), row
    finding_row = next(r for r in rows if "a\\|b.py" in r)
    assert "`src/a\\|b.py:88-97`" in finding_row
    assert "injected" in finding_row  # the message stayed in its own cell, on one line
    assert not any(line.startswith("| injected") for line in md.splitlines())
    assert "<b>" not in md
    assert "reason with \\| pipe" in md


def test_markdown_code_span_survives_backticks():
    hostile = make_assessment()
    hostile["findings"][0]["path"] = "weird`name.py"
    md = markdown(typed(hostile))
    assert "``weird`name.py:88-97``" in md


def test_markdown_truncates_findings_to_fit():
    many = make_assessment()
    many["findings"] = [
        {
            "kind": "retry.without_backoff",
            "category": "retry",
            "path": f"src/module_{i}.py",
            "line": i + 1,
            "end_line": None,
            "severity": "warning",
            "message": "retry loop without backoff or jitter " + "x" * 40,
        }
        for i in range(500)
    ]
    full = markdown(typed(many), max_chars=10**9)
    assert "omitted" not in full
    limit = 6000
    md = markdown(typed(many), max_chars=limit)
    assert len(md) <= limit
    kept = len(re.findall(r"src/module_\d+\.py", md))
    assert 0 < kept < 500
    assert f"{500 - kept} of 500 findings omitted" in md
    assert "src/module_0.py:1" in md  # dropped from the end, not the start
    assert "src/module_499.py" not in md
    # the rest of the summary survives
    assert "- [ ] Run the load test against staging" in md
    assert "model `default`" in md


def test_markdown_default_limit_is_github_check_run_limit():
    many = make_assessment()
    many["findings"] = many["findings"] * 2000  # 8000 findings
    md = markdown(typed(many))
    assert len(md) <= 65535
    assert "findings omitted" in md


def test_markdown_never_exceeds_tiny_limits():
    for limit in (0, 1, 20, 80, 300, 900):
        assert len(markdown(typed(make_assessment()), max_chars=limit)) <= limit


def test_markdown_several_assessments_share_the_budget():
    many = make_assessment()
    many["findings"] = many["findings"] * 300
    out = render([typed(many), typed(make_low_assessment())], "markdown", max_chars=20000)
    assert len(out) <= 20000
    assert "def5678" in out and "abc1234" in out


# --------------------------------------------------------------------------- sarif


ALLOWED_LEVELS = {"none", "note", "warning", "error"}


def _check_sarif_structure(log: dict) -> None:
    """The parts of the SARIF 2.1.0 schema (and GitHub's ingestion) this renderer relies on."""
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "mergeguard"
    assert driver["version"] == mergeguard.__version__
    assert driver["informationUri"].startswith("https://")
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ALLOWED_LEVELS
    for result in run["results"]:
        assert result["ruleId"] in rule_ids
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ALLOWED_LEVELS
        assert result["message"]["text"]
        for location in result.get("locations", []):
            physical = location["physicalLocation"]
            assert physical["artifactLocation"]["uri"]
            if "region" in physical:
                region = physical["region"]
                assert isinstance(region["startLine"], int) and region["startLine"] >= 1
                if "endLine" in region:
                    assert region["endLine"] >= region["startLine"]


def test_sarif_structure_and_results():
    out = render([typed(make_assessment())], "sarif")
    assert out.startswith("{\n  ")
    log = json.loads(out)
    _check_sarif_structure(log)
    run = log["runs"][0]
    rule_ids = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    assert rule_ids == {
        "retry.without_backoff",
        "timeout.missing",
        "retry.without_limit",
        "coupling.missing_partner",
        RISK_RULE_ID,
    }
    results = run["results"]
    assert len(results) == 5  # four findings + overall risk
    by_rule = {r["ruleId"]: r for r in results}

    backoff = by_rule["retry.without_backoff"]
    assert backoff["level"] == "warning"
    assert backoff["message"]["text"] == "retry loop without backoff or jitter"
    physical = backoff["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "src/client/http.py"
    assert physical["region"] == {"startLine": 88, "endLine": 97}

    assert by_rule["timeout.missing"]["level"] == "error"
    assert by_rule["timeout.missing"]["locations"][0]["physicalLocation"]["region"] == {"startLine": 120}
    assert by_rule["retry.without_limit"]["level"] == "note"
    coupling = by_rule["coupling.missing_partner"]["locations"][0]["physicalLocation"]
    assert "region" not in coupling

    risk = by_rule[RISK_RULE_ID]
    assert risk["level"] == "warning"  # high
    assert "83%" in risk["message"]["text"]
    assert "adds 640 lines" in risk["message"]["text"]
    assert risk["properties"]["score"] == pytest.approx(0.834)
    assert risk["properties"]["level"] == "high"
    assert risk["locations"]  # GitHub rejects the whole file otherwise


def test_sarif_risk_level_mapping():
    expected = {"low": "none", "medium": "note", "high": "warning", "critical": "error"}
    for level, sarif_level in expected.items():
        log = sarif_log([typed(make_assessment(level=level, verdict={**make_assessment()["verdict"], "level": level}))])
        risk = next(r for r in log["runs"][0]["results"] if r["ruleId"] == RISK_RULE_ID)
        assert risk["level"] == sarif_level


def test_sarif_omits_bad_regions():
    odd = make_assessment()
    odd["findings"][0]["line"] = 0
    odd["findings"][1]["line"] = -3
    odd["findings"][2]["end_line"] = 2  # before its start line
    log = sarif_log([typed(odd)])
    _check_sarif_structure(log)
    results = log["runs"][0]["results"]
    assert "region" not in results[0]["locations"][0]["physicalLocation"]
    assert "region" not in results[1]["locations"][0]["physicalLocation"]
    assert results[2]["locations"][0]["physicalLocation"]["region"] == {"startLine": 14}


def test_sarif_several_assessments_in_one_run():
    out = render([typed(make_assessment()), typed(make_low_assessment())], "sarif")
    log = json.loads(out)
    _check_sarif_structure(log)
    results = log["runs"][0]["results"]
    risks = [r for r in results if r["ruleId"] == RISK_RULE_ID]
    assert [r["properties"]["change"] for r in risks] == ["abc1234", "def5678"]
    assert [r["level"] for r in risks] == ["warning", "none"]
    assert len(results) == 4 + 2


def test_sarif_risk_anchor_when_no_findings():
    quiet = make_low_assessment()
    risk = sarif_log([typed(quiet)])["runs"][0]["results"][0]
    assert "locations" not in risk
    anchored = sarif_log([typed(quiet)], anchor_path="src/app.py")["runs"][0]["results"][0]
    assert anchored["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/app.py"
    via_render = json.loads(render([typed(quiet)], "sarif", anchor_path="src/app.py"))
    assert via_render["runs"][0]["results"][0]["locations"]


def test_sarif_uri_encoding_and_nan_score():
    odd = make_assessment(score=float("nan"))
    odd["findings"][0]["path"] = "./docs/my file.md"
    out = render([typed(odd)], "sarif")
    assert "NaN" not in out
    log = json.loads(out)
    results = log["runs"][0]["results"]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "docs/my%20file.md"
    risk = next(r for r in results if r["ruleId"] == RISK_RULE_ID)
    assert risk["properties"]["score"] is None
    assert "n/a" in risk["message"]["text"]


def test_sarif_rule_default_level_is_most_severe():
    mixed = make_assessment()
    mixed["findings"][2]["kind"] = "retry.without_backoff"
    mixed["findings"][2]["severity"] = "error"
    rules = sarif_log([typed(mixed)])["runs"][0]["tool"]["driver"]["rules"]
    rule = next(r for r in rules if r["id"] == "retry.without_backoff")
    assert rule["defaultConfiguration"]["level"] == "error"


# --------------------------------------------------------------------------- changes a batch could not score


def test_not_scored_keeps_its_place_in_every_format():
    items = [typed(make_assessment()), NotScored("f" * 40, "blob missing from the mirror")]
    lines = render(items, "json").split("\n")
    assert [json.loads(line).get("error") for line in lines] == [None, "blob missing from the mirror"]
    assert render(items, "text").endswith(f"{'f' * 40}: not scored: blob missing from the mirror")
    assert render(items, "markdown").endswith(f"- `{'f' * 40}: not scored: blob missing from the mirror`")
    log = json.loads(render(items, "sarif"))
    _check_sarif_structure(log)
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == [f"{'f' * 40}: not scored: blob missing from the mirror"]
    assert render([items[1]], "text") == f"{'f' * 40}: not scored: blob missing from the mirror"
