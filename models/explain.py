"""Reasons a reviewer can read, from LightGBM's exact per-feature contributions.

``pred_contrib=True`` gives TreeSHAP values: how much each feature moved this change's log-odds
away from the average change. The largest movers become sentences that state the fact and the
number behind it, with a comparison to the repository's own history where we have it ("adds 640
lines, more than 97% of this repository's changes") and to the training population otherwise.

Two rules keep reasons worth a reviewer's time (issue 14): a comparison is written only when it
agrees with the reason's arrow, and only a *notable* reason (a fact that sets this change apart, in
the direction it moves the score) may headline; the others are kept, flagged, for the details.
``benchmarks/reasons.py`` measures how often one reason text headlines real commits.
"""

from __future__ import annotations

import math
from collections.abc import Callable

Percentile = Callable[[str, float], "tuple[float, str] | None"]  # -> (share below, population name)


def _n(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.1f}"


def _plural(v: float, word: str) -> str:
    return f"{_n(v)} {word}{'' if v == 1 else 's'}"


_TEMPLATES: dict[str, Callable[[float], str]] = {
    "la": lambda v: f"adds {_plural(v, 'line')}",
    "ld": lambda v: f"deletes {_plural(v, 'line')}",
    "nf": lambda v: f"touches {_plural(v, 'file')}",
    "nd": lambda v: f"touches {_plural(v, 'directory').replace('directorys', 'directories')}",
    "ns": lambda v: f"spans {_plural(v, 'top-level component')}",
    "entropy": lambda v: f"spreads its edits {'evenly over' if v >= 0.5 else 'unevenly across'} the files (entropy {v:.2f})",
    "fix": lambda v: "says it fixes a bug" if v else "is not described as a bug fix",
    "tests_changed": lambda v: "changes tests alongside the code" if v else "changes no tests",
    "code_files": lambda v: f"changes {_plural(v, 'source file')}",
    "doc_only": lambda v: "changes only documentation" if v else "changes more than documentation",
    "files_added": lambda v: f"adds {_plural(v, 'file')}",
    "files_deleted": lambda v: f"deletes {_plural(v, 'file')}",
    "files_renamed": lambda v: f"renames {_plural(v, 'file')}",
    "binary_files": lambda v: f"changes {_plural(v, 'binary file')}",
    "mode_changes": lambda v: f"changes the mode of {_plural(v, 'file')}",
    "lt": lambda v: f"touches files of {_n(round(v))} lines on average",
    "ndev": lambda v: f"touches files that {_plural(v, 'developer')} changed before",
    "age": lambda v: f"touches files last changed {_n(round(v))} days ago on average",
    "nuc": lambda v: f"touches files changed by {_plural(v, 'earlier commit')}",
    "exp": lambda v: f"comes from an author with {_plural(v, 'earlier commit')} here",
    "rexp": lambda v: f"comes from an author with recent experience {v:.1f} (commits weighted by recency)",
    "sexp": lambda v: f"comes from an author with {_plural(v, 'earlier commit')} in these components",
    "prior_fixes": lambda v: f"touches files that needed {_plural(v, 'bug fix').replace('fixs', 'fixes')} before",
    "max_file_fixes": lambda v: f"touches a file that needed {_plural(v, 'bug fix').replace('fixs', 'fixes')} before",
    "size_percentile": lambda v: ("is larger than every earlier change in this repository" if v >= 1 else
                                  f"is larger than {min(99, math.floor(v * 100))}% of this repository's earlier changes"
                                  if v >= 0.5 else
                                  f"is smaller than {min(99, 100 - math.floor(v * 100))}% of this repository's earlier changes"),
    "new_files": lambda v: f"touches {_plural(v, 'file')} with no history",
    # coupling
    "components_touched": lambda v: f"touches {_plural(v, 'component')}",
    "service_roots_touched": lambda v: f"touches {_plural(v, 'separately built service')}",
    "contract_files": lambda v: (f"changes {_plural(v, 'contract file')} (schemas, APIs, migrations) others depend on"
                                 if v else "changes no shared contract (schema, API description, migration)"),
    "config_files": lambda v: (f"changes {_plural(v, 'shared configuration or infrastructure file')}"
                               if v else "changes no shared configuration or infrastructure"),
    "api_changes": lambda v: (f"changes the signature of {_plural(v, 'function or class')}".replace(
        "function or classs", "functions or classes") if v else "changes no function or class signature"),
    "missing_partners": lambda v: (f"leaves out {_plural(v, 'file')} that usually change with these files"
                                   if v else "includes the files that usually change with these files"),
    # a smoothed confidence (with a prior), not a share of commits: 1 change of 1 together is 0.33
    "max_partner_rate": lambda v: (f"leaves out a file history pairs with these (partner confidence {v:.2f})"
                                   if v else "leaves out no file that usually changes with these"),
    # retry and timeout
    "retry_added": lambda v: f"adds {_plural(v, 'retry policy')}".replace("policys", "policies") if v else "adds no retry policy",
    "retry_removed": lambda v: f"removes {_plural(v, 'retry policy')}".replace("policys", "policies") if v else "removes no retry policy",
    "retry_changed": lambda v: f"changes {_plural(v, 'retry policy')}".replace("policys", "policies") if v else "changes no retry policy",
    "timeout_added": lambda v: f"adds {_plural(v, 'timeout')}" if v else "adds no timeout",
    "timeout_removed": lambda v: f"removes {_plural(v, 'timeout')}" if v else "removes no timeout",
    "timeout_changed": lambda v: f"changes {_plural(v, 'timeout')}" if v else "changes no timeout",
    "retry_antipatterns": lambda v: (f"introduces {_plural(v, 'risky retry pattern')} (no backoff, no limit, nested, "
                                     "or not idempotent)" if v else "introduces no risky retry pattern"),
    "timeout_antipatterns": lambda v: (f"introduces {_plural(v, 'risky timeout')} (unbounded or raised 5x or more)"
                                       if v else "introduces no risky timeout"),
    "timeout_missing_calls": lambda v: (f"adds {_plural(v, 'network or database call')} with no timeout"
                                        if v else "adds no network call without a timeout"),
    "max_timeout_ratio": lambda v: f"changes a timeout by a factor of {v:.1f}",
    "files_with_resilience_code": lambda v: (f"touches {_plural(v, 'file')} with retry or timeout code"
                                             if v else "touches no retry or timeout code"),
    # AI authorship
    "ai_explicit": lambda v: "carries explicit signs of AI authorship" if v else "carries no explicit sign of AI authorship",
    "ai_style_score": lambda v: (f"its added code reads as AI-written (AI-style score {v:.2f}; 0 human-like, 1 AI-like)"
                                 if v >= 0.7 else
                                 f"its added code reads as human-written (AI-style score {v:.2f}; 0 human-like, 1 AI-like)"
                                 if v <= 0.3 else
                                 f"its added code has an AI-style score of {v:.2f} (0 human-like, 1 AI-like)"),
}
#: Which way a feature points: +1 more is riskier, -1 more is safer, 0 no settled direction. A
#: comparison ("more than 90% of ...") is only written when it agrees with the reason's arrow.
_DIRECTION: dict[str, int] = {
    "la": 1, "ld": 1, "nf": 1, "nd": 1, "ns": 1, "entropy": 1, "lt": 1, "ndev": 1, "nuc": 1, "code_files": 1,
    "prior_fixes": 1, "max_file_fixes": 1, "new_files": 1, "files_added": 1, "files_deleted": 1, "files_renamed": 1,
    "components_touched": 1, "service_roots_touched": 1, "size_percentile": 1,
    "exp": -1, "rexp": -1, "sexp": -1,
}
#: Facts that hold or not (a flag, or a count of something most changes have none of): the fact is
#: worth a reviewer's attention when it holds, and its direction (+1 raises risk, -1 lowers it).
_INDICATOR: dict[str, int] = {
    "fix": 1, "ai_explicit": 1, "contract_files": 1, "config_files": 1, "api_changes": 1, "missing_partners": 1,
    "max_partner_rate": 1, "retry_added": 1, "retry_removed": 1, "retry_changed": 1, "timeout_added": 1,
    "timeout_removed": 1, "timeout_changed": 1, "retry_antipatterns": 1, "timeout_antipatterns": 1,
    "timeout_missing_calls": 1, "max_timeout_ratio": 1, "files_with_resilience_code": 1,
    "doc_only": -1, "tests_changed": -1,
}
#: Scores nearly every change with history has some of (the best partner's confidence): a fact only
#: where the detector found it strong enough to report, i.e. with a finding behind it. As a plain
#: indicator it headlined 161 of 1,500 ordinary commits of 10 fetched repositories (third after size
#: and source files), 159 of them with no missing-partner finding to point at.
_NEEDS_FINDING = frozenset({"max_partner_rate"})
#: Findings that stand behind a detector's feature, by kind prefix: its reason names file and line.
_FINDING_KINDS: dict[str, tuple[str, ...]] = {
    "api_changes": ("coupling.api_change",), "contract_files": ("coupling.contract",),
    "config_files": ("coupling.config",), "missing_partners": ("coupling.missing_partner",),
    "max_partner_rate": ("coupling.missing_partner",), "components_touched": ("coupling.cross_component",),
    "service_roots_touched": ("coupling.cross_component",),
    "retry_added": ("retry.added",), "retry_removed": ("retry.removed",), "retry_changed": ("retry.changed",),
    "timeout_added": ("timeout.added",), "timeout_removed": ("timeout.removed",),
    "timeout_changed": ("timeout.changed", "timeout.increased"),
    "retry_antipatterns": ("retry.without_backoff", "retry.without_limit", "retry.nested", "retry.non_idempotent"),
    "timeout_antipatterns": ("timeout.unbounded", "timeout.increased"), "timeout_missing_calls": ("timeout.missing",),
    "max_timeout_ratio": ("timeout.increased", "timeout.changed"), "files_with_resilience_code": ("retry.", "timeout."),
}
#: Above (or below one minus) this share of the repository's own changes a value is unusual enough to
#: be a reason; against the training population (no repository figure for the feature) it takes more,
#: since what is rare across many repositories may be this one's everyday (2 source files).
UNUSUAL = 0.75
UNUSUAL_POPULATION = 0.9
#: An AI-style score reads as AI-written from here on (and human-written below one minus it).
AI_STYLE_CLEAR = 0.7


def _unusual(population: str) -> float:
    return UNUSUAL if population.startswith("this repository") else UNUSUAL_POPULATION


def sentence(feature: str, value: float | None, percentile: Percentile | None = None, effect: float = 0.0) -> str:
    """The fact, plus a comparison with the population when the value is unusual *in the arrow's
    direction* (``effect``: the contribution's sign; 0 compares in the feature's own direction)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{feature.replace('_', ' ')} is unknown"
    template = _TEMPLATES.get(feature)
    text = template(value) if template else f"{feature.replace('_', ' ')} = {_n(value)}"
    found = _share(feature, value, percentile)
    if found is not None:
        share, population = found
        direction = _DIRECTION.get(feature, 0)
        arrow = 1 if effect > 0 else -1 if effect < 0 else direction
        if share >= _unusual(population) and arrow == direction:
            text += f", more than {min(99, math.floor(share * 100))}% of {population}"
        elif share <= 1 - _unusual(population) and value > 0 and arrow == -direction:
            text += f", fewer than {min(99, 100 - math.floor(share * 100))}% of {population}"
    return text


def _share(feature: str, value: float, percentile: Percentile | None) -> tuple[float, str] | None:
    if feature not in _DIRECTION or feature == "size_percentile" or percentile is None:
        return None
    return percentile(feature, value)


def notable(feature: str, value: float, effect: float, percentile: Percentile | None = None) -> bool:
    """Whether a reason is worth a reviewer's attention: a fact that sets this change apart, pointing
    the way its arrow does. An absence ("changes no tests"), a typical value ("touches 1 component" in
    a repository where most changes do), a low AI-style score, or a value that moves the score against
    its own direction (many files *lowering* the risk) is true of too many changes to be a reason."""
    if effect == 0:
        return False
    arrow = 1 if effect > 0 else -1
    if feature in _INDICATOR:
        return value > 0 and _INDICATOR[feature] == arrow
    if feature == "ai_style_score":
        return value >= AI_STYLE_CLEAR if arrow > 0 else value <= 1 - AI_STYLE_CLEAR
    if feature == "size_percentile":
        return value >= UNUSUAL if arrow > 0 else value <= 1 - UNUSUAL
    direction = _DIRECTION.get(feature, 0)
    found = _share(feature, value, percentile)
    if not direction or found is None:
        return False
    share, population = found
    bar = _unusual(population)
    return share >= bar if arrow == direction else (share <= 1 - bar and value > 0)


def reasons(
    features: list[str],
    values: dict[str, float | None],
    contributions: list[float],
    *,
    top: int = 5,
    percentile: Percentile | None = None,
    min_abs: float = 0.01,
    findings: list[dict] | None = None,
) -> list[dict]:
    """The features that moved the score most, each with its sentence and whether it is ``notable``.

    Notable reasons come first (strongest first, the ones raising the risk before those lowering it):
    they are what the renderers headline. Up to ``top`` of them, then up to ``top`` of the others,
    strongest first, which the renderers fold away. A detector's reason names the file and line of
    its first finding.
    """
    ranked = sorted(range(len(features)), key=lambda i: -abs(contributions[i]))
    picked: list[dict] = []
    others: list[dict] = []
    for i in ranked:
        if len(picked) >= top and len(others) >= top:
            break
        c = float(contributions[i])
        if abs(c) < min_abs:
            break
        name = features[i]
        v = values.get(name)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue  # an unknown is not a fact about the change; the warnings say what is missing
        v = float(v)
        if name == "ai_style_score" and (c > 0) != (v >= 0.5):
            continue  # a human-looking style never reads as raising the risk (nor an AI-looking one as lowering it)
        text = sentence(name, v, percentile, c)
        where = _where(name, findings or []) if v > 0 else ""
        entry = {"feature": name, "value": v, "contribution": round(c, 4), "text": text + where,
                 "notable": notable(name, v, c, percentile) and (bool(where) or name not in _NEEDS_FINDING)}
        bucket = picked if entry["notable"] else others
        if len(bucket) < top:
            bucket.append(entry)
    picked.sort(key=lambda r: (r["contribution"] < 0, -abs(r["contribution"])))
    return picked + others


def _where(feature: str, findings: list[dict]) -> str:
    """`` (path:line)`` of the first finding behind a detector's feature, ``and N more`` when several."""
    kinds = _FINDING_KINDS.get(feature)
    if not kinds:
        return ""
    hits = [f for f in findings if isinstance(f, dict) and str(f.get("kind") or "").startswith(kinds) and f.get("path")]
    if not hits:
        return ""
    first = hits[0]
    line = first.get("line")
    at = f"{first['path']}:{line}" if isinstance(line, int) and line > 0 else str(first["path"])
    more = f" and {len(hits) - 1} more" if len(hits) > 1 else ""
    return f" ({at}{more})"


def look_first(files: list[dict], reasons_: list[dict], findings: list[dict], *, top: int = 10) -> list[dict]:
    """The touched files ranked by their share of what raised the score: where a reviewer reads first.

    The model explains the change as a whole, so each risk-raising contribution is spread over the
    files it is about: a detector's feature over the files of its findings (by count), every other
    feature over the files by their changed lines (the size and history features describe those
    lines and their files). ``files`` are ``{"path", "added", "deleted"}``; each result carries the
    file's ``contribution`` (log-odds), and its findings, most severe first.
    """
    if not files:
        return []
    weight = {f["path"]: 0.0 for f in files}
    lines = {f["path"]: int(f.get("added") or 0) + int(f.get("deleted") or 0) for f in files}
    total_lines = sum(lines.values())
    by_path: dict[str, list[dict]] = {}
    for finding in findings:
        if isinstance(finding, dict) and finding.get("path") in weight:
            by_path.setdefault(finding["path"], []).append(finding)
    for r in reasons_:
        c = float(r.get("contribution") or 0.0)
        if c <= 0:
            continue
        kinds = _FINDING_KINDS.get(str(r.get("feature")))
        hits = [f for f in findings if isinstance(f, dict) and f.get("path") in weight
                and str(f.get("kind") or "").startswith(kinds)] if kinds else []
        if hits:
            for f in hits:
                weight[f["path"]] += c / len(hits)
        elif total_lines:
            for path, n in lines.items():
                weight[path] += c * n / total_lines
        else:
            for path in weight:
                weight[path] += c / len(weight)
    rank = {"error": 0, "warning": 1, "info": 2}
    out = []
    for f in files:
        path = f["path"]
        own = sorted(by_path.get(path, []), key=lambda x: (rank.get(str(x.get("severity")), 3), x.get("line") or 0))
        out.append({"path": path, "added": int(f.get("added") or 0), "deleted": int(f.get("deleted") or 0),
                    "contribution": round(weight[path], 4),
                    "findings": [{"kind": x.get("kind"), "line": x.get("line"), "severity": x.get("severity"),
                                  "message": x.get("message")} for x in own[:5]],
                    "more_findings": max(0, len(own) - 5)})
    sev = lambda e: min((rank.get(str(x.get("severity")), 3) for x in e["findings"]), default=4)  # noqa: E731
    out.sort(key=lambda e: (-e["contribution"], sev(e), -(e["added"] + e["deleted"]), e["path"]))
    return out[:top]
