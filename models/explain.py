"""Reasons a reviewer can read, from LightGBM's exact per-feature contributions.

``pred_contrib=True`` gives TreeSHAP values: how much each feature moved this change's log-odds
away from the average change. The largest movers become sentences that state the fact and the
number behind it, with a comparison to the repository's own history where we have it ("adds 640
lines, more than 97% of this repository's changes") and to the training population otherwise.
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
                                  f"is larger than {min(99, math.floor(v * 100))}% of this repository's earlier changes"),
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
    "max_partner_rate": lambda v: (f"leaves out a file that changed with these in {math.floor(v * 100)}% of commits"
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
    "ai_style_score": lambda v: f"its added code scores {v:.2f} on the AI-style model (0 human-like, 1 AI-like)",
}
_COMPARABLE = {"la", "ld", "nf", "nd", "ns", "lt", "ndev", "nuc", "exp", "sexp", "prior_fixes", "age"}


def sentence(feature: str, value: float | None, percentile: Percentile | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{feature.replace('_', ' ')} is unknown"
    template = _TEMPLATES.get(feature)
    text = template(value) if template else f"{feature.replace('_', ' ')} = {_n(value)}"
    if feature in _COMPARABLE and percentile is not None:
        found = percentile(feature, value)
        if found is not None:
            share, population = found
            if share >= 0.75:
                text += f", more than {min(99, math.floor(share * 100))}% of {population}"
            elif share <= 0.25 and value > 0:
                text += f", lower than in {100 - math.floor(share * 100)}% of {population}"
    return text


def reasons(
    features: list[str],
    values: dict[str, float | None],
    contributions: list[float],
    *,
    top: int = 5,
    percentile: Percentile | None = None,
    min_abs: float = 0.01,
) -> list[dict]:
    """The ``top`` features that moved the score most, strongest first, each with its sentence."""
    ranked = sorted(range(len(features)), key=lambda i: -abs(contributions[i]))
    out = []
    for i in ranked:
        if len(out) >= top:
            break
        c = float(contributions[i])
        if abs(c) < min_abs:
            break
        name = features[i]
        v = values.get(name)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue  # an unknown is not a fact about the change; the warnings say what is missing
        out.append({
            "feature": name,
            "value": None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v),
            "contribution": round(c, 4),
            "text": sentence(name, v, percentile),
        })
    return out
