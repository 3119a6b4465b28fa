"""Render reviews for every surface: terminal text, JSON, GitHub markdown and SARIF.

The CLI, the Action and the App all hold the same thing at the end of a run: one or more typed
:class:`~mergeguard.assessment.Review` objects (an :class:`~mergeguard.assessment.Assessment` with the
gate's :class:`~mergeguard.assessment.Verdict`), and in a batch a :class:`NotScored` for a change that
could not be scored. They differ only in where the rendering goes, so each renderer is a pure function
``review(s) -> str`` with no I/O; the caller writes it. The renderers read typed fields; JSON is made
only here, at the edge, by the ``json`` format (``to_json()``). A face that holds stored JSON reads it
back with ``Review.from_json`` first.

A bare :class:`~mergeguard.assessment.Assessment` (no gate) renders too, without the verdict's parts.

Submodules are imported lazily inside :func:`render` so that they can share the small helpers in
this module (``from mergeguard.render import jsonable``) without an import cycle.

Every renderer returns its text without a trailing newline; the caller's ``print`` adds it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from mergeguard.assessment import Assessment, FileFocus, Finding, Reason, Review, ValidationResult, Verdict

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
    "location",
    "contribution",
    "total_ms",
    "error_record",
    "NotScored",
    "Reviewed",
    "unpack",
]

#: Output formats accepted by :func:`render`, in the order the CLI lists them.
FORMATS: tuple[str, ...] = ("text", "json", "markdown", "sarif")

#: Risk levels from least to most severe.
LEVELS: tuple[str, ...] = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class NotScored:
    """What a batch reports for a change it could not score, in place of its review."""

    change_id: str
    reason: str

    @property
    def message(self) -> str:
        return f"{self.change_id}: not scored: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        return {"change": {"id": self.change_id}, "error": self.reason}


#: What a renderer reads: a gated review, or an assessment without a gate.
Reviewed: TypeAlias = Review | Assessment
#: What :func:`render` takes: reviews, and in a batch the changes that could not be scored.
Item: TypeAlias = Review | Assessment | NotScored


def unpack(item: Reviewed) -> tuple[Assessment, Verdict | None]:
    """The assessment and, when there is one, the gate's verdict."""
    if isinstance(item, Review):
        return item.assessment, item.verdict
    return item, None


def render(items: Item | Sequence[Item], fmt: str, **options: Any) -> str:
    """Render ``items`` in format ``fmt`` (one of :data:`FORMATS`).

    ``options`` are passed to the format's renderer (``color`` for text, ``max_chars`` for
    markdown). A single item is accepted as a convenience because most callers hold exactly one.
    Raises :class:`ValueError` naming the allowed formats when ``fmt`` is unknown, so that a typo
    in a workflow file fails loudly instead of producing nothing.
    """
    renderers: dict[str, Callable[..., str]] = {
        "text": _render_text,
        "json": _render_json,
        "markdown": _render_markdown,
        "sarif": _render_sarif,
    }
    key = fmt.strip().lower()
    if key not in renderers:
        raise ValueError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    all_items: list[Item] = [items] if isinstance(items, (Review, Assessment, NotScored)) else list(items)
    if key == "json":  # error records keep their place in the stream
        return _render_json(all_items)
    failed = [a for a in all_items if isinstance(a, NotScored)]
    scored = [a for a in all_items if not isinstance(a, NotScored)]
    if not failed:
        return renderers[key](scored, **options)
    out = renderers[key](scored, **options) if scored else ""
    if key == "sarif":
        return _sarif_notifications(out, failed)
    lines = [f.message for f in failed]
    if key == "markdown":  # the reason may quote a config key of whoever pushed: a code span it cannot close
        from .markdown import code

        notes = "\n".join(f"- {code(line)}" for line in lines)
    else:
        notes = "\n".join(lines)
    return "\n\n".join(part for part in (out, notes) if part)


def error_record(change_id: str, reason: str) -> NotScored:
    """What a batch reports for a change it could not score, in place of its review."""
    return NotScored(change_id, reason)


def _sarif_notifications(log: str, failed: list[NotScored]) -> str:
    """SARIF says a tool's trouble with ``invocations[].toolExecutionNotifications``."""
    from .sarif import plain_text, sarif

    doc = json.loads(log or sarif([]))
    notes = [{"level": "error", "message": {"text": plain_text(f.message)}} for f in failed]
    for run in doc.get("runs", []):
        run["invocations"] = [{"executionSuccessful": True, "toolExecutionNotifications": notes}]
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _render_text(items: list[Reviewed], *, color: bool = False, **options: Any) -> str:
    """Concatenate per-review summaries; a blank line keeps them visually apart."""
    from .text import text

    return "\n\n".join(text(a, color=color, **options) for a in items)


def _render_json(items: Sequence[Item]) -> str:
    """JSON for one item, JSON Lines for several (stream-friendly for ``jq`` and logs): the edge
    where the typed review becomes ``mergeguard.assessment/1``."""
    if len(items) == 1:
        return to_json(items[0].to_json(), indent=2)
    return "\n".join(to_json(a.to_json()) for a in items)


def _render_markdown(items: list[Reviewed], *, max_chars: int = 65535) -> str:
    """Markdown for each review, separated by rules, sharing one ``max_chars`` budget.

    The budget is split evenly so that the whole document stays within the limit of the surface
    it is posted to.
    """
    from .markdown import markdown

    if not items:
        return ""
    separator = "\n\n---\n\n"
    budget = max(0, (max_chars - len(separator) * (len(items) - 1)) // len(items))
    return separator.join(markdown(a, max_chars=budget) for a in items)


def _render_sarif(items: list[Reviewed], **options: Any) -> str:
    """All reviews' results in one SARIF run (code scanning accepts one run per tool)."""
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


def level_of(item: Reviewed) -> str:
    """*The* level, lower-cased: the gate's when there is a verdict, else the model's; ``unknown``.

    Every surface shows this one level (issue 14); the model's own band, where it differs, is only
    ever the secondary :func:`model_level_of`.
    """
    assessment, verdict = unpack(item)
    level = verdict.level if verdict is not None and verdict.level else assessment.model_level
    return level.lower() if level else "unknown"


def model_level_of(item: Reviewed) -> str | None:
    """The model's own band when it differs from :func:`level_of` (the gate's thresholds are not the
    model's: percentiles of the repository, tightening); ``None`` when they agree or it is unknown."""
    band = unpack(item)[0].model_level.lower()
    return band if band and band != level_of(item) else None


def notable_reasons(item: Reviewed, limit: int | None = None) -> list[Reason]:
    """Reasons worth a reviewer's attention (``notable``), those raising the risk first, strongest first."""
    reasons = [r for r in unpack(item)[0].reasons if r.notable]
    ordered = sorted(reasons, key=lambda r: (contribution(r) <= 0, -abs(contribution(r))))
    return ordered if limit is None else ordered[: max(0, limit)]


def other_reasons(item: Reviewed) -> list[Reason]:
    """Effects the model weighed that are true of many changes (not headline material), strongest first."""
    reasons = [r for r in unpack(item)[0].reasons if not r.notable]
    return sorted(reasons, key=lambda r: -abs(contribution(r)))


def headline(item: Reviewed) -> str:
    """The one thing that matters most, in a line: the strongest notable reason raising the risk,
    else the most severe finding, else the strongest notable reason lowering it (a small or
    documentation-only change says so), else that nothing sets this change apart. An empty change
    (``--head`` equal to its base) has nothing to score, whatever the model says of its 0 lines."""
    assessment = unpack(item)[0]
    if not assessment.change.files:
        return "nothing to score"
    notable = notable_reasons(item)
    for reason in notable:
        if contribution(reason) > 0:
            return clean_line(reason.text) or clean_line(reason.feature)
    findings = [f for f in assessment.findings if f.message]
    if findings:
        worst = min(findings, key=lambda f: f.severity.rank)
        if worst.severity.rank <= 1:
            return f"{clean_line(location(worst))}: {clean_line(worst.message)}"
    for reason in notable:
        if contribution(reason) < 0:
            return clean_line(reason.text) or clean_line(reason.feature)
    return "nothing sets this change apart from this repository's history"


def missing_validations(item: Reviewed) -> list[ValidationResult]:
    """The required validations not yet satisfied: what would let the change pass."""
    verdict = unpack(item)[1]
    return [] if verdict is None else [v for v in verdict.required_validations if not v.satisfied]


def look_first(item: Reviewed) -> list[FileFocus]:
    """The ranked files of the assessment (*where to look first*) that name a path."""
    return [f for f in unpack(item)[0].look_first if f.path]


def contribution(reason: Reason) -> float:
    """A reason's log-odds contribution, 0.0 when not finite."""
    return reason.contribution if math.isfinite(reason.contribution) else 0.0


def top_reasons(item: Reviewed, limit: int | None = None) -> list[Reason]:
    """Reasons ordered by the size of their effect, largest first (stable for ties).

    Sorting here rather than trusting the producer's order keeps "top reasons" true on every
    surface even if the explainer changes its ordering.
    """
    ordered = sorted(unpack(item)[0].reasons, key=lambda r: -abs(contribution(r)))
    return ordered if limit is None else ordered[: max(0, limit)]


def group_findings(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """Findings grouped by category, categories in order of first appearance."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.category or "other", []).append(finding)
    return groups


def location(finding: Finding) -> str:
    """``path:line`` (or ``path:line-end``), just ``path`` when the line is unknown."""
    line, end = finding.line, finding.end_line
    if line is None or line < 1:
        return finding.path
    if end is not None and end > line:
        return f"{finding.path}:{line}-{end}"
    return f"{finding.path}:{line}"


def total_ms(assessment: Assessment) -> float:
    """The run's wall-clock milliseconds: ``total`` when the caller recorded it, else the parts' sum."""
    total = as_float(assessment.timings.get("total"))
    if total is None:
        total = sum(v for v in (as_float(t) for t in assessment.timings.values()) if v is not None)
    return total


def clean_line(value: Any) -> str:
    """One line of printable text: control characters and newlines become spaces.

    Paths, messages and commit data come from the change under review; a crafted file name must
    not be able to inject terminal escape sequences or split a line in any output format.
    """
    text = "" if value is None else str(value)
    return "".join(ch if ch.isprintable() else " " for ch in text).strip()
