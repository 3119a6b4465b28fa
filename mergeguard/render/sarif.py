"""SARIF 2.1.0 for GitHub code scanning and any other SARIF consumer.

One run for all assessments (code scanning groups alerts by tool, and several runs of the same
tool in one file are deprecated there). Each finding becomes a result whose rule is its kind; each
assessment also yields one ``mergeguard.risk`` result carrying the overall score, so the risk is
visible next to the line-level findings; when the assessment has a gate verdict, that result's
message states it (conclusion, missing validations, notes such as the error-budget rule applied) and
its properties carry the whole ``verdict`` object.

GitHub rejects a *whole* SARIF file if any result has no location ("locationFromSarifResult:
expected at least one location"). A finding always has a path; the overall-risk result is anchored
at the file of the assessment's first finding, else at ``anchor_path`` if the caller gives one
(e.g. the first changed file), else it carries no location — valid SARIF, but callers uploading
to code scanning should pass ``anchor_path``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import mergeguard
from mergeguard.assessment import Assessment, Finding, Review, Verdict

from . import Reviewed, as_float, clean_line, contribution, headline, level_of, notable_reasons, percent, to_json, unpack

__all__ = ["sarif", "sarif_log", "plain_text", "SARIF_SCHEMA", "SARIF_VERSION", "RISK_RULE_ID", "INFORMATION_URI"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
RISK_RULE_ID = "mergeguard.risk"
#: Where a reader of an alert can learn about the tool. Update when the project has a home page.
INFORMATION_URI = "https://github.com/mergeguard/mergeguard"

#: Risk level -> SARIF result level: a low-risk change is reported, but not as a problem.
RISK_LEVELS = {"low": "none", "medium": "note", "high": "warning", "critical": "error"}
_LEVEL_ORDER = ("none", "note", "warning", "error")
_TOP_REASONS = 3


def sarif(assessments: Sequence[Reviewed] | Reviewed, *, anchor_path: str | None = None) -> str:
    """The SARIF log for ``assessments`` as pretty JSON (indent 2)."""
    return to_json(sarif_log(assessments, anchor_path=anchor_path), indent=2)


def sarif_log(assessments: Sequence[Reviewed] | Reviewed, *, anchor_path: str | None = None) -> dict[str, Any]:
    """The SARIF log as a dict, for callers that post it through an API rather than a file."""
    items: list[Reviewed] = [assessments] if isinstance(assessments, (Review, Assessment)) else list(assessments)
    findings = [(a, f) for a in items for f in unpack(a)[0].findings]
    rules = _rules([f for _, f in findings])
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = [_finding_result(a, f, index) for a, f in findings]
    results += [_risk_result(a, index, anchor_path) for a in items]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mergeguard",
                        "version": mergeguard.__version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


def _kind(finding: Finding) -> str:
    """The finding's rule id; a kind-less finding still needs one to be a valid result."""
    return clean_line(finding.kind) or "mergeguard.finding"


def _describe_kind(kind: str) -> str:
    """``retry.without_backoff`` -> ``retry: without backoff``: readable without a rule catalogue."""
    family, _, rest = kind.partition(".")
    words = rest.replace("_", " ").replace(".", " ")
    return f"{family}: {words}" if words else family.replace("_", " ")


def _rules(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """One rule per distinct finding kind (first-seen order), then the overall-risk rule.

    A rule's default level is the most severe level its findings were reported at, so a
    consumer that shows only rule metadata does not understate it.
    """
    rules: dict[str, dict[str, Any]] = {}
    for finding in findings:
        kind = _kind(finding)
        level = finding.severity.sarif_level
        rule = rules.get(kind)
        if rule is None:
            rules[kind] = {
                "id": kind,
                "name": kind,
                "shortDescription": {"text": _describe_kind(kind)},
                "defaultConfiguration": {"level": level},
                "properties": {"category": clean_line(finding.category) or kind.split(".")[0]},
            }
        elif _LEVEL_ORDER.index(level) > _LEVEL_ORDER.index(rule["defaultConfiguration"]["level"]):
            rule["defaultConfiguration"]["level"] = level
    rules.pop(RISK_RULE_ID, None)
    risk_rule = {
        "id": RISK_RULE_ID,
        "name": RISK_RULE_ID,
        "shortDescription": {"text": "Overall change risk"},
        "fullDescription": {
            "text": "Calibrated probability that the change will need a fix or a revert, "
            "with the features that contributed most."
        },
        "defaultConfiguration": {"level": "warning"},
        "properties": {"category": "risk"},
    }
    return [*rules.values(), risk_rule]


def _uri(path: str) -> str:
    """A repository-relative path as a URI reference (forward slashes, percent-encoded) that stays
    inside the repository.

    ``:`` is encoded so that a first segment like ``c:x`` or ``file:`` is not read as a URI scheme;
    a leading ``/`` is dropped and ``.``/``..`` segments are folded, with ``..`` never climbing above
    the root (``../../etc/x.py`` is ``etc/x.py``): a ``--diff`` may name anything, and a SARIF
    consumer resolves the URI against the checkout, where ``..`` would point at the runner's files.
    """
    segments: list[str] = []
    for segment in path.replace("\\", "/").split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    return quote("/".join(segments), safe="/!$&'()*+,;=@")


_LINK_BRACKET = re.compile(r"(\\*)([\[\]])")


def plain_text(value: object) -> str:
    """One line of plain SARIF message text, with every ``[`` and ``]`` escaped.

    SARIF plain-text messages may embed links, ``[text](target)`` with a URI or a related location
    as the target (SARIF 2.1.0, 3.11.6), which code scanning renders; a path or message written
    ``[fix](https://evil.example)`` must stay text. Literal brackets are backslash-escaped, as the
    standard says, and a backslash just before one is doubled so that it cannot cancel the escape.
    """
    return _LINK_BRACKET.sub(lambda m: m.group(1) * 2 + "\\" + m.group(2), clean_line(value))


def _positive_int(value: int | None) -> int | None:
    """A line number usable in SARIF (1-based), or ``None``."""
    return value if value is not None and value >= 1 else None


def _location(path: str | None, line: int | None = None, end_line: int | None = None) -> dict[str, Any] | None:
    """A physical location; the region is omitted when the line is unknown (whole file)."""
    cleaned = clean_line(path)
    if not cleaned:
        return None
    uri = _uri(cleaned)
    if not uri:  # "..", "/": no file of the repository
        return None
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    start = _positive_int(line)
    if start is not None:
        region: dict[str, Any] = {"startLine": start}
        end = _positive_int(end_line)
        if end is not None and end >= start:
            region["endLine"] = end
        physical["region"] = region
    return {"physicalLocation": physical}


def _change_properties(item: Reviewed) -> dict[str, Any]:
    change = unpack(item)[0].change
    return {"change": change.id, "base": change.base, "head": change.head}


def _finding_result(item: Reviewed, finding: Finding, index: Mapping[str, int]) -> dict[str, Any]:
    kind = _kind(finding)
    result: dict[str, Any] = {
        "ruleId": kind,
        "ruleIndex": index[kind],
        "level": finding.severity.sarif_level,
        "message": {"text": plain_text(finding.message) or _describe_kind(kind)},
    }
    location = _location(finding.path, finding.line, finding.end_line)
    if location is not None:
        result["locations"] = [location]
    result["properties"] = {
        "category": clean_line(finding.category) or kind.split(".")[0],
        **_change_properties(item),
    }
    return result


def _risk_message(item: Reviewed) -> str:
    """``Change abc1234: risk 83% (high). Top reasons: a; b; c.``"""
    assessment, verdict = unpack(item)
    change_id = clean_line(assessment.change.id)
    subject = f"Change {change_id}" if change_id else "Change"
    message = f"{subject}: {level_of(item)} risk ({percent(assessment.score)}). Most important: {headline(item)}."
    reasons = []
    for reason in notable_reasons(item, _TOP_REASONS):
        words = clean_line(reason.text) or clean_line(reason.feature)
        sign = "raises" if contribution(reason) > 0 else "lowers" if contribution(reason) < 0 else "neutral"
        reasons.append(f"{words} ({sign} risk)")
    if reasons:
        message += " Top reasons: " + "; ".join(reasons) + "."
    said = _verdict_message(verdict)
    if said:
        message += " " + said
    return message


_CONCLUSION_WORDS = {"success": "pass", "neutral": "neutral", "action_required": "action required", "failure": "fail"}


def _verdict_message(verdict: Verdict | None) -> str:
    """``Verdict: action required (high). Missing: a; b. <first note>`` — the gate's decision in one line."""
    if verdict is None:
        return ""
    conclusion = verdict.conclusion
    words = _CONCLUSION_WORDS.get(conclusion) or clean_line(conclusion) or "unknown"
    level = clean_line(verdict.level)
    text = f"Verdict: {words}" + (f" ({level} risk)." if level else ".")
    validations = verdict.required_validations
    missing = [clean_line(v.description) or clean_line(v.id) for v in validations if not v.satisfied]
    if missing:
        text += " Missing: " + "; ".join(missing) + "."
    notes = [clean_line(n) for n in verdict.notes if clean_line(n)]
    if notes:
        text += " " + " ".join(notes)
    return text


def _risk_result(item: Reviewed, index: Mapping[str, int], anchor_path: str | None) -> dict[str, Any]:
    """The overall-risk result for one review, anchored where GitHub can show it."""
    assessment, verdict = unpack(item)
    level = level_of(item)
    result: dict[str, Any] = {
        "ruleId": RISK_RULE_ID,
        "ruleIndex": index[RISK_RULE_ID],
        "level": RISK_LEVELS.get(level, "note"),
        "message": {"text": plain_text(_risk_message(item))},
    }
    anchors: list[str | None] = [*(f.path for f in assessment.findings), anchor_path]
    location = next((loc for loc in map(_location, anchors) if loc is not None), None)
    if location is not None:
        result["locations"] = [location]
    result["properties"] = {
        "score": as_float(assessment.score),
        "level": level,
        "model_level": assessment.model_level or level,
        "model": {"name": assessment.model.name, "version": assessment.model.version},
        **_change_properties(item),
    }
    if verdict is not None:
        result["properties"]["verdict"] = verdict.to_dict()
    return result
