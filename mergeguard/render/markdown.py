"""GitHub-flavoured markdown for check-run summaries, PR comments and ``GITHUB_STEP_SUMMARY``.

Two things matter beyond looking right:

* **Size.** A check run's summary is capped at 65535 characters and GitHub rejects the whole
  request when it is longer, so :func:`markdown` never returns more than ``max_chars``: it drops
  findings from the end of the list and says how many it dropped.
* **Hostile text.** Paths, messages and refs come from the change under review. Every such string
  is flattened to one line and escaped (or put in a code span), so a file named ``a|b.py`` or a
  message containing ``</details>`` cannot break a table or inject markup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import mergeguard

from . import as_float, clean_line, contribution, group_findings, level_of, location, percent
from . import count as _count, change_of as _change, top_reasons

__all__ = ["markdown", "GITHUB_SUMMARY_LIMIT"]

#: GitHub's limit on a check run's ``output.summary``.
GITHUB_SUMMARY_LIMIT = 65535

_LEVEL_ICONS = {"low": "🟢", "medium": "🟡", "high": "🟠", "critical": "🔴"}
_LEVEL_ADVICE = {
    "low": "Nothing here calls for extra validation.",
    "medium": "Worth a careful review.",
    "high": "Extra validation is recommended before merging.",
    "critical": "Validate thoroughly before merging.",
}
_CONCLUSIONS = {
    "success": "✅ pass",
    "neutral": "⚪ neutral",
    "action_required": "⚠️ action required",
    "failure": "❌ fail",
}
_SEVERITY_ICONS = {"info": "ℹ️", "warning": "⚠️", "error": "❌"}

# ASCII punctuation that can open an inline construct (emphasis, links, HTML, entities, code,
# strikethrough) or end a table cell. CommonMark lets any ASCII punctuation be backslash-escaped.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&!#])")
_MAX_REASONS = 8


def markdown(assessment: Mapping[str, Any], max_chars: int = GITHUB_SUMMARY_LIMIT) -> str:
    """Render ``assessment`` as GitHub markdown of at most ``max_chars`` characters.

    If the full document is too long, findings are dropped from the end of the list (the producer
    orders them most important first) and a line says how many were omitted. If even the document
    without findings is too long, it is cut hard with a closing note: exceeding the limit would
    lose the whole check run, which is worse.
    """
    if max_chars <= 0:
        return ""
    findings = [f for f in assessment.get("findings") or [] if isinstance(f, Mapping)]
    full = _document(assessment, findings, omitted=0, limit=max_chars)
    if len(full) <= max_chars:
        return full
    kept = _most_findings_that_fit(assessment, findings, max_chars)
    if kept is not None:
        return _document(assessment, findings[:kept], omitted=len(findings) - kept, limit=max_chars)
    bare = _document(assessment, [], omitted=len(findings), limit=max_chars)
    return _hard_cut(bare, max_chars, omitted=len(findings))


def _most_findings_that_fit(
    assessment: Mapping[str, Any], findings: Sequence[Mapping[str, Any]], max_chars: int
) -> int | None:
    """The largest ``k`` such that the document with ``findings[:k]`` fits, or ``None``.

    Length grows with ``k`` (almost monotonically: the omitted count's digits shrink), so a binary
    search finds the candidate and a short walk down confirms it.
    """

    def fits(k: int) -> bool:
        doc = _document(assessment, findings[:k], omitted=len(findings) - k, limit=max_chars)
        return len(doc) <= max_chars

    low, high = 0, len(findings) - 1
    if not fits(0):
        return None
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    while low > 0 and not fits(low):
        low -= 1
    return low


def _hard_cut(document: str, max_chars: int, omitted: int) -> str:
    """Cut ``document`` to ``max_chars`` with a note; the last resort when nothing else fits."""
    note = "\n\n_… summary truncated to fit the size limit"
    note += f"; {omitted} finding{'s' if omitted != 1 else ''} omitted._" if omitted else "._"
    if len(note) >= max_chars:
        return document[:max_chars]
    return document[: max_chars - len(note)].rstrip() + note


def _document(
    assessment: Mapping[str, Any], findings: Sequence[Mapping[str, Any]], omitted: int, limit: int
) -> str:
    """The whole summary with the given findings and a note about ``omitted`` ones."""
    sections = [
        _title(assessment),
        _paragraph(assessment),
        _reasons(assessment),
        _findings(findings, omitted, limit),
        _verdict(assessment.get("verdict")),
        _notes("Warnings", assessment.get("warnings"), "⚠️"),
        _notes("Limits applied", _change(assessment).get("truncated"), "✂️"),
        _footer(assessment),
    ]
    return "\n\n".join(s for s in sections if s)


# --------------------------------------------------------------------------- escaping


def escape(value: Any) -> str:
    """One line of text with markdown/HTML-significant punctuation backslash-escaped."""
    return _INLINE_SPECIAL.sub(r"\\\1", clean_line(value))


def cell(value: Any) -> str:
    """Text safe inside a table cell: one line, pipes escaped, never empty (keeps columns)."""
    return escape(value) or " "


def code(value: Any, in_table: bool = False) -> str:
    """A code span that survives backticks in the value (and pipes when inside a table).

    The fence is one backtick longer than the longest run inside, as CommonMark requires. In a
    table GFM splits cells *before* parsing code spans, so a ``|`` must be escaped even there.
    """
    content = clean_line(value)
    if not content:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * (longest + 1)
    if content.startswith("`") or content.endswith("`"):
        content = f" {content} "
    if in_table:
        content = content.replace("|", "\\|")
    return f"{fence}{content}{fence}"


# --------------------------------------------------------------------------- sections


def _title(assessment: Mapping[str, Any]) -> str:
    """``## 🟠 mergeguard: HIGH risk (83%)`` — level and score at a glance in the checks tab."""
    level = level_of(assessment)
    icon = _LEVEL_ICONS.get(level, "⚪")
    return f"## {icon} mergeguard: {level.upper()} risk ({escape(percent(assessment.get('score')))})"


def _paragraph(assessment: Mapping[str, Any]) -> str:
    """What was assessed, what the score means, and what to do about it, in two sentences."""
    change = _change(assessment)
    level = level_of(assessment)
    files = _count(change.get("files"))
    subject = f"Change {code(change.get('id'))}" if clean_line(change.get("id")) else "This change"
    base, head = clean_line(change.get("base")), clean_line(change.get("head"))
    if base or head:
        subject += f" ({code(base) or '?'} → {code(head) or '?'})"
    size = (
        f"touches **{files} file{'s' if files != 1 else ''}** "
        f"(+{_count(change.get('added'))} / −{_count(change.get('deleted'))} lines)."
    )
    estimate = (
        f"The estimated probability that it will need a fix or a revert is "
        f"**{escape(percent(assessment.get('score')))}** (level **{escape(level)}**)."
    )
    advice = _LEVEL_ADVICE.get(level, "")
    return " ".join(part for part in (subject, size, estimate, advice) if part)


def _value(value: Any) -> str:
    """A feature value compact enough for a table cell; ``—`` when missing."""
    number = as_float(value)
    if number is None:
        return "—"
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.3g}"


def _effect(value: float) -> str:
    """▲ raises / ▼ lowers risk, with the log-odds contribution."""
    if value > 0:
        return f"▲ +{value:.2f}"
    if value < 0:
        return f"▼ −{abs(value):.2f}"
    return "· 0.00"


def _reasons(assessment: Mapping[str, Any]) -> str:
    """The largest effects as a table: feature, value, effect, explanation."""
    reasons = top_reasons(assessment, _MAX_REASONS)
    if not reasons:
        return ""
    rows = [
        "### Why",
        "",
        "| Feature | Value | Effect | Explanation |",
        "| --- | ---: | :---: | --- |",
    ]
    for reason in reasons:
        rows.append(
            f"| {code(reason.get('feature'), in_table=True) or ' '} | {_value(reason.get('value'))} "
            f"| {_effect(contribution(reason))} | {cell(reason.get('text'))} |"
        )
    hidden = len(assessment.get("reasons") or []) - len(reasons)
    if hidden > 0:
        rows += ["", f"_{hidden} smaller effect{'s' if hidden != 1 else ''} not shown._"]
    return "\n".join(rows)


def _findings(findings: Sequence[Mapping[str, Any]], omitted: int, limit: int) -> str:
    """Findings grouped by category, one table each, plus a note about omitted ones."""
    total = len(findings) + omitted
    if not total:
        return ""
    parts = [f"### Findings ({total})"]
    for category, group in group_findings(findings).items():
        rows = [
            f"**{escape(category)}** ({len(group)})",
            "",
            "| Location | Severity | Finding |",
            "| --- | --- | --- |",
        ]
        for finding in group:
            severity = clean_line(finding.get("severity")) or "info"
            icon = _SEVERITY_ICONS.get(severity, "")
            kind = code(finding.get("kind"), in_table=True)
            message = cell(finding.get("message"))
            rows.append(
                f"| {code(location(finding), in_table=True) or ' '} "
                f"| {icon} {cell(severity)} | {message}{f' ({kind})' if kind else ''} |"
            )
        parts.append("\n".join(rows))
    if omitted:
        parts.append(
            f"_… {omitted} of {total} findings omitted to stay within the {limit}-character limit; "
            "the JSON and SARIF outputs list them all._"
        )
    return "\n\n".join(parts)


def _verdict(verdict: Any) -> str:
    """Conclusion and required validations as a task list (``- [x]`` done, ``- [ ]`` to do)."""
    if not isinstance(verdict, Mapping):
        return ""
    conclusion = str(verdict.get("conclusion") or "")
    label = _CONCLUSIONS.get(conclusion) or escape(conclusion) or "unknown"
    level = clean_line(verdict.get("level"))
    lines = [f"### Verdict: {label}" + (f" ({escape(level)} risk)" if level else "")]
    validations = [v for v in verdict.get("required_validations") or [] if isinstance(v, Mapping)]
    if validations:
        lines += ["", "**Required validations**", ""]
        for validation in validations:
            box = "[x]" if validation.get("satisfied") else "[ ]"
            ident = clean_line(validation.get("id"))
            description = escape(validation.get("description")) or escape(ident) or "(unnamed)"
            suffix = f" ({code(ident)})" if ident else ""
            detail = escape(validation.get("detail"))
            lines.append(f"- {box} {description}{suffix}" + (f" — {detail}" if detail else ""))
    notes = [escape(n) for n in verdict.get("notes") or [] if clean_line(n)]
    if notes:
        lines += ["", "**Notes**", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines)


def _notes(title: str, items: Any, icon: str) -> str:
    """A titled bullet list of free-text notes; empty when there are none."""
    notes = [escape(item) for item in items or [] if clean_line(item)]
    if not notes:
        return ""
    return "\n".join([f"### {title}", ""] + [f"- {icon} {n}" for n in notes])


def _footer(assessment: Mapping[str, Any]) -> str:
    """Tool and model version, so a posted score can be traced to what produced it."""
    model = assessment.get("model")
    model = model if isinstance(model, Mapping) else {}
    name = code(model.get("name")) or "unknown model"
    version = code(model.get("version"))
    parts = [f"mergeguard {escape(mergeguard.__version__)}", f"model {name}" + (f" {version}" if version else "")]
    timing = assessment.get("timing_ms")
    if isinstance(timing, Mapping):
        total = as_float(timing.get("total"))
        if total is None:
            total = sum(v for v in (as_float(t) for t in timing.values()) if v is not None)
        if total > 0:
            parts.append(f"{total:.0f} ms")
    return "---\n<sub>" + " · ".join(parts) + "</sub>"
