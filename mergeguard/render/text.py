"""Human summary of one assessment for a terminal.

Laid out so the first line answers "how risky, and does it pass?", the second "what matters
most", and the rest "what now, where, and why": header (the gate's one level, score, conclusion),
the headline, size, what would let it pass, the files to look at first, reasons, findings,
warnings, caps applied, the gate's notes, model. Plain text by default (it ends up in CI logs and
files); ANSI colour only when the caller asks for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mergeguard.assessment import Assessment, ValidationResult, Verdict

from . import (Reviewed, clean_line, contribution, group_findings, headline, level_of, location, look_first,
               model_level_of, notable_reasons, other_reasons, percent, total_ms, unpack)

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


Paint = Callable[[str, str | None], str]


def text(item: Reviewed, *, color: bool = False, max_reasons: int = 5) -> str:
    """Render a review (or a bare assessment) as a terminal summary; ``color=True`` adds ANSI colour codes."""
    paint = _painter(color)
    assessment, verdict = unpack(item)
    sections = [
        _header(item, paint),
        _verdict(verdict, paint),
        _look_first(item, paint),
        _reasons(item, paint, max_reasons),
        _findings(assessment, paint),
        _bullets("Warnings", assessment.warnings, "!", paint),
        _bullets("Limits applied", assessment.change.truncated, "~", paint),
        _notes(item, paint),
        _footer(assessment, paint),
    ]
    return "\n\n".join(s for s in sections if s)


def _painter(color: bool) -> Paint:
    """A function wrapping text in an ANSI code, or leaving it alone when colour is off."""

    def paint(value: str, code: str | None) -> str:
        return f"{code}{value}{_RESET}" if color and code else value

    return paint


def _header(item: Reviewed, paint: Paint) -> str:
    """``abc1234  HIGH risk (83%) · ACTION REQUIRED``, the one thing that matters most, then size."""
    assessment, verdict = unpack(item)
    change = assessment.change
    level = level_of(item)
    change_id = clean_line(change.id) or "(unnamed change)"
    risk = paint(f"{level.upper()} risk ({percent(assessment.score)})", _LEVEL_COLORS.get(level))
    if verdict is not None and verdict.conclusion:
        label = _CONCLUSIONS.get(verdict.conclusion, clean_line(verdict.conclusion).upper())
        code = {"PASS": _LEVEL_COLORS["low"], "FAIL": _LEVEL_COLORS["critical"]}.get(label, _LEVEL_COLORS["medium"])
        risk += f" · {paint(label, code)}"
    files = change.files
    size = f"{files} file{'s' if files != 1 else ''} changed, +{change.added} -{change.deleted}"
    base, head = clean_line(change.base), clean_line(change.head)
    if base or head:
        size += f"  ({base or '?'} -> {head or '?'})"
    return f"{paint(change_id, _BOLD)}  {risk}\nMost important: {headline(item)}\n{size}"


def _reasons(item: Reviewed, paint: Paint, limit: int) -> str:
    """Notable effects as bullets (▲ raises risk, ▼ lowers it, with the log-odds effect), then one
    line naming the effects that are true of many changes."""
    reasons = notable_reasons(item, limit)
    others = other_reasons(item)
    if not reasons and not others:
        return ""
    lines = ["Why:"]
    for reason in reasons:
        effect = contribution(reason)
        marker = paint("▲", _UP_COLOR) if effect > 0 else paint("▼", _DOWN_COLOR) if effect < 0 else "·"
        words = clean_line(reason.text) or clean_line(reason.feature)
        lines.append(f"  {marker} {words}  {paint(f'({effect:+.2f})', _DIM)}")
    if not reasons:
        lines.append("  nothing sets this change apart from this repository's history")
    if others:
        shown = "; ".join(f"{clean_line(r.text)} ({contribution(r):+.2f})" for r in others[:3])
        lines.append(paint(f"  also weighed, true of many changes: {shown}"
                           + (f" and {len(others) - 3} more" if len(others) > 3 else ""), _DIM))
    return "\n".join(lines)


def _look_first(item: Reviewed, paint: Paint) -> str:
    """The touched files ranked by their share of the risk, each with its most severe finding."""
    files = look_first(item)
    if not files:
        return ""
    lines = ["Where to look first:"]
    for n, entry in enumerate(files[:5], 1):
        size = f"+{entry.added} -{entry.deleted}"
        what = ""
        if entry.findings:
            first = entry.findings[0]
            at = f"line {first.line}: " if first.line is not None and first.line > 0 else ""
            what = f"  {at}{clean_line(first.message)}"
            extra = len(entry.findings) - 1 + entry.more_findings
            if extra > 0:
                what += paint(f" (+{extra} more finding{'s' if extra != 1 else ''})", _DIM)
        lines.append(f"  {n}. {clean_line(entry.path)}  {paint(size, _DIM)}{what}")
    if len(files) > 5:
        lines.append(paint(f"  ... and {len(files) - 5} more files", _DIM))
    return "\n".join(lines)


def _findings(assessment: Assessment, paint: Paint) -> str:
    """Findings grouped by category, each as ``path:line  severity  message  [kind]``."""
    findings = assessment.findings
    if not findings:
        return ""
    lines = [f"Findings ({len(findings)}):"]
    for category, group in group_findings(findings).items():
        lines.append(f"  {clean_line(category)} ({len(group)})")
        for finding in group:
            severity = finding.severity.value
            lines.append(
                f"    {clean_line(location(finding))}  "
                f"{paint(severity, _SEVERITY_COLORS.get(severity))}  "
                f"{clean_line(finding.message)}  "
                f"{paint('[' + clean_line(finding.kind) + ']', _DIM)}"
            )
    return "\n".join(lines)


def _bullets(title: str, items: Sequence[str], marker: str, paint: Paint) -> str:
    """A titled list of free-text notes (warnings, caps), empty when there are none."""
    notes = [clean_line(item) for item in items if clean_line(item)]
    if not notes:
        return ""
    return "\n".join([f"{title}:"] + [f"  {paint(marker, _SEVERITY_COLORS['warning'])} {n}" for n in notes])


def _verdict(verdict: Verdict | None, paint: Paint) -> str:
    """What would let the change pass: the required validations as a ``[x]``/``[ ]`` checklist."""
    validations: Sequence[ValidationResult] = verdict.required_validations if verdict is not None else ()
    if not validations:
        return ""
    done = sum(1 for v in validations if v.satisfied)
    lines = [f"To pass ({done} of {len(validations)} done):"]
    for validation in validations:
        box = "[x]" if validation.satisfied else "[ ]"
        ident = clean_line(validation.id)
        description = clean_line(validation.description) or ident
        suffix = f"  ({ident})" if ident and ident != description else ""
        lines.append(f"  {box} {description}{paint(suffix, _DIM)}")
        detail = clean_line(validation.detail)
        if detail:
            lines.append(f"      {paint(detail, _DIM)}")
    return "\n".join(lines)


def _notes(item: Reviewed, paint: Paint) -> str:
    """The gate's notes (why this conclusion, where the thresholds come from) and the model's band."""
    verdict = unpack(item)[1]
    notes = [clean_line(n) for n in (verdict.notes if verdict is not None else ()) if clean_line(n)]
    band = model_level_of(item)
    if band:
        notes.append(f"model_level: {band} (the model's own band, before this repository's thresholds)")
    if not notes:
        return ""
    return "\n".join(["Gate:"] + [f"  - {n}" for n in notes])


def _footer(assessment: Assessment, paint: Paint) -> str:
    """Model name/version (and total time) so a score can be traced to what produced it."""
    name = clean_line(assessment.model.name) or "unknown"
    version = clean_line(assessment.model.version)
    footer = f"model {name}" + (f" {version}" if version else "")
    total = total_ms(assessment)
    if total > 0:
        footer += f", {total:.0f} ms"
    return paint(footer, _DIM)
