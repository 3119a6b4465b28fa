"""Human summary of one assessment for a terminal.

Laid out so the first line answers "how risky, and does it pass?", the second "what matters
most", and the rest "what now, where, and why": header (the gate's one level, score, conclusion),
the headline, size, what would let it pass, the files to look at first, reasons, findings,
warnings, caps applied, the gate's notes, model. Plain text by default (it ends up in CI logs and
files); ANSI colour only when the caller asks for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import as_float, clean_line, contribution, group_findings, headline, level_of, location, percent
from . import count as _count, change_of as _change, look_first, model_level_of, notable_reasons, other_reasons

__all__ = ["text"]

_RESET = "\x1b[0m"
_LEVEL_COLORS = {
    "low": "\x1b[32m",  # green
    "medium": "\x1b[33m",  # yellow
    "high": "\x1b[31m",  # red
    "critical": "\x1b[1;31m",  # bold red
}
_SEVERITY_COLORS = {"info": "\x1b[36m", "warning": "\x1b[33m", "error": "\x1b[31m"}
_DIM = "\x1b[2m"
_BOLD = "\x1b[1m"
_UP_COLOR = "\x1b[31m"
_DOWN_COLOR = "\x1b[32m"

_CONCLUSIONS = {
    "success": "PASS",
    "neutral": "NEUTRAL",
    "action_required": "ACTION REQUIRED",
    "failure": "FAIL",
}


def text(assessment: Mapping[str, Any], *, color: bool = False, max_reasons: int = 5) -> str:
    """Render ``assessment`` as a terminal summary; ``color=True`` adds ANSI colour codes."""
    paint = _painter(color)
    sections = [
        _header(assessment, paint),
        _verdict(assessment.get("verdict"), paint),
        _look_first(assessment, paint),
        _reasons(assessment, paint, max_reasons),
        _findings(assessment, paint),
        _bullets("Warnings", assessment.get("warnings"), "!", paint),
        _bullets("Limits applied", _change(assessment).get("truncated"), "~", paint),
        _notes(assessment, paint),
        _footer(assessment, paint),
    ]
    return "\n\n".join(s for s in sections if s)


def _painter(color: bool):
    """A function wrapping text in an ANSI code, or leaving it alone when colour is off."""

    def paint(value: str, code: str | None) -> str:
        return f"{code}{value}{_RESET}" if color and code else value

    return paint


def _header(assessment: Mapping[str, Any], paint) -> str:
    """``abc1234  HIGH risk (83%) · ACTION REQUIRED``, the one thing that matters most, then size."""
    change = _change(assessment)
    level = level_of(assessment)
    change_id = clean_line(change.get("id")) or "(unnamed change)"
    risk = paint(f"{level.upper()} risk ({percent(assessment.get('score'))})", _LEVEL_COLORS.get(level))
    verdict = assessment.get("verdict")
    if isinstance(verdict, Mapping) and verdict.get("conclusion"):
        conclusion = str(verdict.get("conclusion"))
        label = _CONCLUSIONS.get(conclusion, clean_line(conclusion).upper())
        code = {"PASS": _LEVEL_COLORS["low"], "FAIL": _LEVEL_COLORS["critical"]}.get(label, _LEVEL_COLORS["medium"])
        risk += f" · {paint(label, code)}"
    files = _count(change.get("files"))
    size = (
        f"{files} file{'s' if files != 1 else ''} changed, "
        f"+{_count(change.get('added'))} -{_count(change.get('deleted'))}"
    )
    base, head = clean_line(change.get("base")), clean_line(change.get("head"))
    if base or head:
        size += f"  ({base or '?'} -> {head or '?'})"
    return f"{paint(change_id, _BOLD)}  {risk}\nMost important: {headline(assessment)}\n{size}"


def _reasons(assessment: Mapping[str, Any], paint, limit: int) -> str:
    """Notable effects as bullets (▲ raises risk, ▼ lowers it, with the log-odds effect), then one
    line naming the effects that are true of many changes."""
    reasons = notable_reasons(assessment, limit)
    others = other_reasons(assessment)
    if not reasons and not others:
        return ""
    lines = ["Why:"]
    for reason in reasons:
        effect = contribution(reason)
        marker = paint("▲", _UP_COLOR) if effect > 0 else paint("▼", _DOWN_COLOR) if effect < 0 else "·"
        words = clean_line(reason.get("text")) or clean_line(reason.get("feature"))
        lines.append(f"  {marker} {words}  {paint(f'({effect:+.2f})', _DIM)}")
    if not reasons:
        lines.append("  nothing sets this change apart from this repository's history")
    if others:
        shown = "; ".join(f"{clean_line(r.get('text'))} ({contribution(r):+.2f})" for r in others[:3])
        lines.append(paint(f"  also weighed, true of many changes: {shown}"
                           + (f" and {len(others) - 3} more" if len(others) > 3 else ""), _DIM))
    return "\n".join(lines)


def _look_first(assessment: Mapping[str, Any], paint) -> str:
    """The touched files ranked by their share of the risk, each with its most severe finding."""
    files = look_first(assessment)
    if not files:
        return ""
    lines = ["Where to look first:"]
    for n, entry in enumerate(files[:5], 1):
        size = f"+{_count(entry.get('added'))} -{_count(entry.get('deleted'))}"
        first = next((f for f in entry.get("findings") or [] if isinstance(f, Mapping)), None)
        what = ""
        if first is not None:
            line = first.get("line")
            at = f"line {line}: " if isinstance(line, int) and line > 0 else ""
            what = f"  {at}{clean_line(first.get('message'))}"
            extra = len(entry.get("findings") or []) - 1 + _count(entry.get("more_findings"))
            if extra > 0:
                what += paint(f" (+{extra} more finding{'s' if extra != 1 else ''})", _DIM)
        lines.append(f"  {n}. {clean_line(entry.get('path'))}  {paint(size, _DIM)}{what}")
    if len(files) > 5:
        lines.append(paint(f"  ... and {len(files) - 5} more files", _DIM))
    return "\n".join(lines)


def _findings(assessment: Mapping[str, Any], paint) -> str:
    """Findings grouped by category, each as ``path:line  severity  message  [kind]``."""
    findings = [f for f in assessment.get("findings") or [] if isinstance(f, Mapping)]
    if not findings:
        return ""
    lines = [f"Findings ({len(findings)}):"]
    for category, group in group_findings(findings).items():
        lines.append(f"  {clean_line(category)} ({len(group)})")
        for finding in group:
            severity = clean_line(finding.get("severity")) or "info"
            lines.append(
                f"    {clean_line(location(finding))}  "
                f"{paint(severity, _SEVERITY_COLORS.get(severity))}  "
                f"{clean_line(finding.get('message'))}  "
                f"{paint('[' + clean_line(finding.get('kind')) + ']', _DIM)}"
            )
    return "\n".join(lines)


def _bullets(title: str, items: Any, marker: str, paint) -> str:
    """A titled list of free-text notes (warnings, caps), empty when there are none."""
    notes = [clean_line(item) for item in items or [] if clean_line(item)]
    if not notes:
        return ""
    return "\n".join([f"{title}:"] + [f"  {paint(marker, _SEVERITY_COLORS['warning'])} {n}" for n in notes])


def _verdict(verdict: Any, paint) -> str:
    """What would let the change pass: the required validations as a ``[x]``/``[ ]`` checklist."""
    if not isinstance(verdict, Mapping):
        return ""
    validations = [v for v in verdict.get("required_validations") or [] if isinstance(v, Mapping)]
    if not validations:
        return ""
    done = sum(1 for v in validations if v.get("satisfied"))
    lines = [f"To pass ({done} of {len(validations)} done):"]
    for validation in validations:
        box = "[x]" if validation.get("satisfied") else "[ ]"
        ident = clean_line(validation.get("id"))
        description = clean_line(validation.get("description")) or ident
        suffix = f"  ({ident})" if ident and ident != description else ""
        lines.append(f"  {box} {description}{paint(suffix, _DIM)}")
        detail = clean_line(validation.get("detail"))
        if detail:
            lines.append(f"      {paint(detail, _DIM)}")
    return "\n".join(lines)


def _notes(assessment: Mapping[str, Any], paint) -> str:
    """The gate's notes (why this conclusion, where the thresholds come from) and the model's band."""
    verdict = assessment.get("verdict")
    notes = [clean_line(n) for n in (verdict.get("notes") or [] if isinstance(verdict, Mapping) else []) if clean_line(n)]
    band = model_level_of(assessment)
    if band:
        notes.append(f"model_level: {band} (the model's own band, before this repository's thresholds)")
    if not notes:
        return ""
    return "\n".join(["Gate:"] + [f"  - {n}" for n in notes])


def _footer(assessment: Mapping[str, Any], paint) -> str:
    """Model name/version (and total time) so a score can be traced to what produced it."""
    model = assessment.get("model")
    model = model if isinstance(model, Mapping) else {}
    name = clean_line(model.get("name")) or "unknown"
    version = clean_line(model.get("version"))
    footer = f"model {name}" + (f" {version}" if version else "")
    timing = assessment.get("timing_ms")
    if isinstance(timing, Mapping):
        total = as_float(timing.get("total"))
        if total is None:
            total = sum(v for v in (as_float(t) for t in timing.values()) if v is not None)
        if total > 0:
            footer += f", {total:.0f} ms"
    return paint(footer, _DIM)
