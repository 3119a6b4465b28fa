"""Render assessments for every surface: terminal text, JSON, GitHub markdown and SARIF.

The CLI, the Action and the App all hold the same thing at the end of a run: one or more
*assessment* dicts (schema ``mergeguard.assessment/1``). They differ only in where the rendering
goes, so each renderer is a pure function ``assessment(s) -> str`` with no I/O; the caller writes it.

Submodules are imported lazily inside :func:`render` so that they can share the small helpers in
this module (``from mergeguard.render import jsonable``) without an import cycle.

Every renderer returns its text without a trailing newline; the caller's ``print`` adds it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = [
    "FORMATS",
    "LEVELS",
    "render",
    "to_json",
    "jsonable",
    "percent",
    "top_reasons",
    "group_findings",
    "clean_line",
    "headline",
    "level_of",
    "model_level_of",
    "notable_reasons",
    "other_reasons",
    "missing_validations",
    "look_first",
]

#: Output formats accepted by :func:`render`, in the order the CLI lists them.
FORMATS: tuple[str, ...] = ("text", "json", "markdown", "sarif")

#: Risk levels from least to most severe.
LEVELS: tuple[str, ...] = ("low", "medium", "high", "critical")


def render(assessments: list[dict] | dict, fmt: str, **options: Any) -> str:
    """Render ``assessments`` in format ``fmt`` (one of :data:`FORMATS`).

    ``options`` are passed to the format's renderer (``color`` for text, ``max_chars`` for
    markdown). A single dict is accepted as a convenience because most callers hold exactly one.
    Raises :class:`ValueError` naming the allowed formats when ``fmt`` is unknown, so that a typo
    in a workflow file fails loudly instead of producing nothing.
    """
    renderers: dict[str, Callable[..., str]] = {
        "text": _render_text,
        "json": _render_json,
        "markdown": _render_markdown,
        "sarif": _render_sarif,
    }
    key = fmt.strip().lower() if isinstance(fmt, str) else fmt
    if key not in renderers:
        raise ValueError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    items = [assessments] if isinstance(assessments, Mapping) else list(assessments)
    failed = [a for a in items if "error" in a]
    if not failed:
        return renderers[key](items, **options)
    scored = [a for a in items if "error" not in a]
    if key == "json":  # error records keep their place in the stream
        return _render_json(items)
    out = renderers[key](scored, **options) if scored else ""
    if key == "sarif":
        return _sarif_notifications(out, failed)
    lines = [f"{a['change']['id']}: not scored: {a['error']}" for a in failed]
    notes = "\n".join(f"- `{line}`" for line in lines) if key == "markdown" else "\n".join(lines)
    return "\n\n".join(part for part in (out, notes) if part)


def error_record(change_id: str, reason: str) -> dict[str, Any]:
    """What a batch reports for a change it could not score, in place of its assessment."""
    return {"change": {"id": change_id}, "error": reason}


def _sarif_notifications(log: str, failed: list[dict]) -> str:
    """SARIF says a tool's trouble with ``invocations[].toolExecutionNotifications``."""
    from .sarif import sarif

    doc = json.loads(log or sarif([]))
    notes = [{"level": "error", "message": {"text": f"{a['change']['id']}: not scored: {a['error']}"}} for a in failed]
    for run in doc.get("runs", []):
        run["invocations"] = [{"executionSuccessful": True, "toolExecutionNotifications": notes}]
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _render_text(items: list[dict], *, color: bool = False, **options: Any) -> str:
    """Concatenate per-assessment summaries; a blank line keeps them visually apart."""
    from .text import text

    return "\n\n".join(text(a, color=color, **options) for a in items)


def _render_json(items: list[dict]) -> str:
    """JSON for one assessment, JSON Lines for several (stream-friendly for ``jq`` and logs)."""
    if len(items) == 1:
        return to_json(items[0], indent=2)
    return "\n".join(to_json(a) for a in items)


def _render_markdown(items: list[dict], *, max_chars: int = 65535) -> str:
    """Markdown for each assessment, separated by rules, sharing one ``max_chars`` budget.

    The budget is split evenly so that the whole document stays within the limit of the surface
    it is posted to.
    """
    from .markdown import markdown

    if not items:
        return ""
    separator = "\n\n---\n\n"
    budget = max(0, (max_chars - len(separator) * (len(items) - 1)) // len(items))
    return separator.join(markdown(a, max_chars=budget) for a in items)


def _render_sarif(items: list[dict], **options: Any) -> str:
    """All assessments' results in one SARIF run (code scanning accepts one run per tool)."""
    from .sarif import sarif

    return sarif(items, **options)


# --------------------------------------------------------------------------- shared helpers


def jsonable(value: Any) -> Any:
    """Return ``value`` as plain JSON data: NaN/inf become ``None``, tuples become lists.

    Features are often missing (NaN) and ``json.dumps`` would write the non-standard token
    ``NaN``, which ``jq``, browsers and GitHub's APIs reject. Numpy scalars (anything with
    ``.item()``) are unwrapped for the same reason.
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return jsonable(item())
        except (TypeError, ValueError):
            pass
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return jsonable(tolist())
    return str(value)


def to_json(value: Any, indent: int | None = None) -> str:
    """Serialise to strict JSON: pretty with ``indent``, compact (one line) without it."""
    separators = (",", ": ") if indent is not None else (",", ":")
    return json.dumps(
        jsonable(value), indent=indent, separators=separators, ensure_ascii=False, allow_nan=False
    )


def as_float(value: Any) -> float | None:
    """``value`` as a finite float, or ``None``; renderers must not crash on a bad number."""
    if isinstance(value, bool):
        return float(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def percent(score: Any) -> str:
    """Format a probability as a whole percentage without claiming certainty.

    A calibrated 0.996 is not "100%", and 0.003 is not "0%": the extremes are shown as ``>99%``
    and ``<1%``. A missing score is ``n/a``.
    """
    value = as_float(score)
    if value is None:
        return "n/a"
    value = min(1.0, max(0.0, value))
    if 0.0 < value < 0.01:
        return "<1%"
    if 0.99 < value < 1.0:
        return ">99%"
    return f"{int(value * 100 + 0.5)}%"


def change_of(assessment: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``change`` object, or an empty mapping when an assessment lacks one."""
    change = assessment.get("change")
    return change if isinstance(change, Mapping) else {}


def count(value: Any) -> int:
    """A count field as an int; missing or malformed counts read as 0."""
    number = as_float(value)
    return int(number) if number is not None else 0


def level_of(assessment: Mapping[str, Any]) -> str:
    """*The* level, lower-cased: the gate's when there is a verdict, else the assessment's; ``unknown``.

    Every surface shows this one level (issue 14); the model's own band, where it differs, is only
    ever the secondary :func:`model_level_of`.
    """
    verdict = assessment.get("verdict")
    level = verdict.get("level") if isinstance(verdict, Mapping) and verdict.get("level") else assessment.get("level")
    return str(level).lower() if level else "unknown"


def model_level_of(assessment: Mapping[str, Any]) -> str | None:
    """The model's own band when it differs from :func:`level_of` (the gate's thresholds are not the
    model's: percentiles of the repository, tightening); ``None`` when they agree or it is unknown."""
    band = assessment.get("model_level")
    if not band:
        return None
    band = str(band).lower()
    return band if band != level_of(assessment) else None


def notable_reasons(assessment: Mapping[str, Any], limit: int | None = None) -> list[dict]:
    """Reasons worth a reviewer's attention (``notable``), those raising the risk first, strongest
    first. An assessment from before the flag existed has every reason treated as notable."""
    reasons = [r for r in assessment.get("reasons") or [] if isinstance(r, Mapping) and r.get("notable", True)]
    ordered = sorted(reasons, key=lambda r: (contribution(r) <= 0, -abs(contribution(r))))
    return ordered if limit is None else ordered[: max(0, limit)]


def other_reasons(assessment: Mapping[str, Any]) -> list[dict]:
    """Effects the model weighed that are true of many changes (not headline material), strongest first."""
    reasons = [r for r in assessment.get("reasons") or [] if isinstance(r, Mapping) and not r.get("notable", True)]
    return sorted(reasons, key=lambda r: -abs(contribution(r)))


_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def headline(assessment: Mapping[str, Any]) -> str:
    """The one thing that matters most, in a line: the strongest notable reason raising the risk,
    else the most severe finding, else the strongest notable reason lowering it (a small or
    documentation-only change says so), else that nothing sets this change apart."""
    notable = notable_reasons(assessment)
    for reason in notable:
        if contribution(reason) > 0:
            return clean_line(reason.get("text")) or clean_line(reason.get("feature"))
    findings = [f for f in assessment.get("findings") or [] if isinstance(f, Mapping) and f.get("message")]
    if findings:
        worst = min(findings, key=lambda f: _SEVERITY_RANK.get(str(f.get("severity")), 3))
        if _SEVERITY_RANK.get(str(worst.get("severity")), 3) <= 1:
            return f"{clean_line(location(worst))}: {clean_line(worst.get('message'))}"
    for reason in notable:
        if contribution(reason) < 0:
            return clean_line(reason.get("text")) or clean_line(reason.get("feature"))
    if not change_of(assessment).get("files"):
        return "nothing to score"
    return "nothing sets this change apart from this repository's history"


def missing_validations(assessment: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The required validations not yet satisfied: what would let the change pass."""
    verdict = assessment.get("verdict")
    if not isinstance(verdict, Mapping):
        return []
    return [v for v in verdict.get("required_validations") or [] if isinstance(v, Mapping) and not v.get("satisfied")]


def look_first(assessment: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The ranked files of the assessment (``look_first``), tolerating its absence."""
    return [f for f in assessment.get("look_first") or [] if isinstance(f, Mapping) and f.get("path")]


def contribution(reason: Mapping[str, Any]) -> float:
    """A reason's log-odds contribution, 0.0 when missing or not finite."""
    return as_float(reason.get("contribution")) or 0.0


def top_reasons(assessment: Mapping[str, Any], limit: int | None = None) -> list[dict]:
    """Reasons ordered by the size of their effect, largest first (stable for ties).

    Sorting here rather than trusting the producer's order keeps "top reasons" true on every
    surface even if the explainer changes its ordering.
    """
    reasons = [r for r in assessment.get("reasons") or [] if isinstance(r, Mapping)]
    ordered = sorted(reasons, key=lambda r: -abs(contribution(r)))
    return ordered if limit is None else ordered[: max(0, limit)]


def group_findings(findings: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Findings grouped by category, categories in order of first appearance."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for finding in findings:
        category = str(finding.get("category") or _category_from_kind(finding.get("kind")))
        groups.setdefault(category, []).append(finding)
    return groups


def _category_from_kind(kind: Any) -> str:
    """``retry.without_backoff`` -> ``retry``: a fallback when a finding lacks a category."""
    return str(kind).split(".", 1)[0] if kind else "other"


def location(finding: Mapping[str, Any]) -> str:
    """``path:line`` (or ``path:line-end``), just ``path`` when the line is unknown."""
    path = str(finding.get("path") or "")
    line = finding.get("line")
    if not isinstance(line, int) or isinstance(line, bool) or line < 1:
        return path
    end = finding.get("end_line")
    if isinstance(end, int) and not isinstance(end, bool) and end > line:
        return f"{path}:{line}-{end}"
    return f"{path}:{line}"


def clean_line(value: Any) -> str:
    """One line of printable text: control characters and newlines become spaces.

    Paths, messages and commit data come from the change under review; a crafted file name must
    not be able to inject terminal escape sequences or split a line in any output format.
    """
    text = "" if value is None else str(value)
    return "".join(ch if ch.isprintable() else " " for ch in text).strip()
