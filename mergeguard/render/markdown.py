"""GitHub-flavoured markdown for check-run summaries, PR comments and ``GITHUB_STEP_SUMMARY``.

What a reviewer reads, in order (issue 14): one headline (the gate's level, the score, the
conclusion) and the one thing that matters most; a short checklist of what would let the change
pass; the touched files ranked by their share of the risk, with their findings; then, folded in
``<details>``, the reasons, all findings, and the gate's notes.

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
from collections.abc import Sequence
from typing import Any

import mergeguard
from mergeguard.assessment import Assessment, Finding, Reason, Verdict

from . import (Reviewed, as_float, clean_line, contribution, group_findings, headline, level_of, location, look_first,
               model_level_of, notable_reasons, other_reasons, percent, total_ms, unpack)

__all__ = ["markdown", "GITHUB_SUMMARY_LIMIT"]

#: GitHub's limit on a check run's ``output.summary``.
GITHUB_SUMMARY_LIMIT = 65535

_LEVEL_ICONS = {"low": "🟢", "medium": "🟡", "high": "🟠", "critical": "🔴"}
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
# What GitHub turns into a link or a notification *after* markdown, on the rendered text: an
# ``@login`` or ``@org/team`` mention (and ``a@b.example``, an e-mail autolink), and GFM's extended
# autolinks (``https://…``, ``www.…``). A backslash does not stop a mention (``\@x`` renders as the
# text ``@x``, which GitHub then links and notifies), so a zero-width space goes after every ``@``;
# a scheme's ``:`` and ``www``'s dot are backslash-escaped, which GFM's autolinker never sees.
# GitHub's references (``#12``, ``GH-12``, ``owner/repo#12``) link too, and in a comment they put a
# "mentioned this" event on the issue they name: a zero-width space after ``#`` and inside ``GH-``.
_MENTION = re.compile(r"@")
_ISSUE_REF = re.compile(r"\\#(?=[0-9])")
_GH_REF = re.compile(r"(?i)(?<![A-Za-z0-9])(gh)-(?=[0-9])")
_SCHEME_COLON = re.compile(r":(?=//)")
_WWW_DOT = re.compile(r"(?i)(?<![A-Za-z0-9])(www)\.")
_MAX_REASONS = 8
_MAX_FILES = 10


def markdown(assessment: Reviewed, max_chars: int = GITHUB_SUMMARY_LIMIT) -> str:
    """Render a review (or a bare assessment) as GitHub markdown of at most ``max_chars`` characters.

    If the full document is too long, findings are dropped from the end of the list (the producer
    orders them most important first) and a line says how many were omitted. If even the document
    without findings is too long, it is cut hard with a closing note: exceeding the limit would
    lose the whole check run, which is worse.
    """
    if max_chars <= 0:
        return ""
    findings = unpack(assessment)[0].findings
    full = _document(assessment, findings, omitted=0, limit=max_chars)
    if len(full) <= max_chars:
        return full
    kept = _most_findings_that_fit(assessment, findings, max_chars)
    if kept is not None:
        return _document(assessment, findings[:kept], omitted=len(findings) - kept, limit=max_chars)
    bare = _document(assessment, [], omitted=len(findings), limit=max_chars)
    return _hard_cut(bare, max_chars, omitted=len(findings))


def _most_findings_that_fit(assessment: Reviewed, findings: Sequence[Finding], max_chars: int) -> int | None:
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


def _document(item: Reviewed, findings: Sequence[Finding], omitted: int, limit: int) -> str:
    """The whole summary with the given findings and a note about ``omitted`` ones."""
    assessment, verdict = unpack(item)
    sections = [
        _title(item),
        _checklist(verdict),
        _paragraph(assessment),
        _look_first(item),
        _notes("Warnings", assessment.warnings, "⚠️"),
        _folded(f"Why this score ({_reason_count(assessment)})", _reasons(item)),
        _folded(f"Findings ({len(findings) + omitted})", _findings(findings, omitted, limit)),
        _folded("How the gate decided", _gate_notes(item)),
        _footer(assessment),
    ]
    return "\n\n".join(s for s in sections if s)


def _folded(summary: str, body: str) -> str:
    """``body`` inside ``<details>`` (blank lines around it, so GitHub renders its markdown)."""
    if not body:
        return ""
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def _reason_count(assessment: Assessment) -> str:
    n = len(assessment.reasons)
    return f"{n} effect{'s' if n != 1 else ''}"


# --------------------------------------------------------------------------- escaping


def escape(value: Any) -> str:
    """One line of text with markdown/HTML-significant punctuation backslash-escaped, and neither a
    mention nor an autolink left in it (see :func:`_escaped`)."""
    return _escaped(clean_line(value))


def _escaped(text: str) -> str:
    """One line of text with its markdown/HTML punctuation backslash-escaped, then mentions and
    autolinks broken where GitHub would make them (after rendering, so escaping alone does not stop them).

    Paths, messages and branch names are the pull request author's: ``@org/everyone`` in a file name
    must not notify a team, and ``www.evil.example`` in a message must not become a link on a page
    that carries the gate's authority. The text still reads the same (the zero-width space is invisible).
    """
    escaped = _MENTION.sub("@&#8203;", _INLINE_SPECIAL.sub(r"\\\1", text))
    escaped = _SCHEME_COLON.sub("\\\\:", escaped)
    escaped = _GH_REF.sub(r"\1&#8203;-", _ISSUE_REF.sub(r"\\#&#8203;", escaped))
    return _WWW_DOT.sub(r"\1\\.", escaped)


def rich(value: Any, in_table: bool = False) -> str:
    """Like :func:`escape`, but the message's own code spans (```name```) stay code spans.

    Detectors quote identifiers and values in backticks; escaping them would show literal
    backticks. A code span's content is literal in markdown, so keeping it cannot inject markup
    (in a table its pipes are still escaped, see :func:`code`).
    """
    text = clean_line(value)
    out = []
    for part in re.split(r"(`[^`]+`)", text):
        if len(part) > 2 and part.startswith("`") and part.endswith("`"):
            out.append(code(part[1:-1], in_table=in_table))
        else:
            out.append(_escaped(part))
    return "".join(out)


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


def _title(item: Reviewed) -> str:
    """``### 🟠 HIGH risk · 83% · ⚠️ action required`` and the one thing that matters most."""
    assessment, verdict = unpack(item)
    level = level_of(item)
    icon = _LEVEL_ICONS.get(level, "⚪")
    title = f"### {icon} {level.upper()} risk · {escape(percent(assessment.score))}"
    if verdict is not None and verdict.conclusion:
        title += f" · {_CONCLUSIONS.get(verdict.conclusion) or escape(verdict.conclusion)}"
    return f"{title}\n\n**Most important:** {escape(headline(item))}"


def _checklist(verdict: Verdict | None) -> str:
    """What would let the change pass, as a task list; or, when it passes, why in one line."""
    if verdict is None:
        return ""
    validations = verdict.required_validations
    notes = [n for n in verdict.notes if clean_line(n)]
    if not validations:
        return f"_{escape(notes[0])}_" if notes else ""
    done = sum(1 for v in validations if v.satisfied)
    lines = [f"**To pass** ({done} of {len(validations)} done):", ""]
    for validation in validations:
        box = "[x]" if validation.satisfied else "[ ]"
        ident = clean_line(validation.id)
        description = escape(validation.description) or escape(ident) or "(unnamed)"
        detail = escape(validation.detail)
        lines.append(f"- {box} {description}" + (f" — {detail}" if detail else ""))
    if verdict.accepted and notes:
        lines += ["", f"_{escape(notes[0])}_"]
    return "\n".join(lines)


def _paragraph(assessment: Assessment) -> str:
    """What was assessed, and what the score means."""
    change = assessment.change
    files = change.files
    subject = f"Change {code(change.id)}" if clean_line(change.id) else "This change"
    base, head = clean_line(change.base), clean_line(change.head)
    if (base or head) and ".." not in clean_line(change.id):  # a range's id already says both
        subject += f" ({code(base[:12]) or '?'} → {code(head[:12]) or '?'})"
    size = (
        f"touches **{files} file{'s' if files != 1 else ''}** "
        f"(+{change.added} / −{change.deleted} lines)."
    )
    estimate = (
        f"Estimated probability that it will need a fix or a revert: "
        f"**{escape(percent(assessment.score))}**."
    )
    return " ".join(part for part in (subject, size, estimate) if part)


def _look_first(item: Reviewed) -> str:
    """The touched files ranked by their share of the risk, with their most important findings."""
    files = look_first(item)
    if not files:
        return ""
    rows = ["**Where to look first**", "", "| # | File | Lines | What to check |", "| ---: | --- | ---: | --- |"]
    for n, entry in enumerate(files[:_MAX_FILES], 1):
        found = entry.findings
        checks = []
        for f in found[:2]:
            at = f"L{f.line}: " if f.line is not None and f.line > 0 else ""
            checks.append(f"{_SEVERITY_ICONS.get(f.severity.value, '')} {at}{rich(f.message, True)}".strip())
        extra = max(0, len(found) - 2) + entry.more_findings
        if extra:
            checks.append(f"+{extra} more")
        rows.append(f"| {n} | {code(entry.path, in_table=True) or ' '} "
                    f"| +{entry.added} −{entry.deleted} "
                    f"| {'<br>'.join(checks) or 'its changed lines'} |")
    if len(files) > _MAX_FILES:
        rows += ["", f"_{len(files) - _MAX_FILES} more files not shown._"]
    return "\n".join(rows)


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


def _reasons(item: Reviewed) -> str:
    """Notable effects, then the effects true of many changes, as tables: effect, fact, feature."""
    notable = notable_reasons(item, _MAX_REASONS)
    others = other_reasons(item)[:_MAX_REASONS]
    if not notable and not others:
        return ""
    parts = []
    header = ["| Effect | Fact about this change | Feature | Value |", "| :---: | --- | --- | ---: |"]

    def row(reason: Reason) -> str:
        return (f"| {_effect(contribution(reason))} | {cell(reason.text)} "
                f"| {code(reason.feature, in_table=True) or ' '} | {_value(reason.value)} |")

    if notable:
        parts.append("\n".join(header + [row(r) for r in notable]))
    else:
        parts.append("_Nothing sets this change apart from this repository's history._")
    if others:
        parts.append("\n".join(["Also weighed, but true of many changes:", ""] + header + [row(r) for r in others]))
    parts.append("<sub>▲ raises the risk, ▼ lowers it; the number is the effect on the log-odds (TreeSHAP).</sub>")
    return "\n\n".join(parts)


def _findings(findings: Sequence[Finding], omitted: int, limit: int) -> str:
    """Findings grouped by category, one table each, plus a note about omitted ones."""
    total = len(findings) + omitted
    if not total:
        return ""
    parts = []
    for category, group in group_findings(findings).items():
        rows = [
            f"**{escape(category)}** ({len(group)})",
            "",
            "| Location | Severity | Finding |",
            "| --- | --- | --- |",
        ]
        for finding in group:
            severity = finding.severity.value
            icon = _SEVERITY_ICONS.get(severity, "")
            kind = code(finding.kind, in_table=True)
            message = rich(finding.message, in_table=True) or " "
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


def _gate_notes(item: Reviewed) -> str:
    """The gate's notes (why this conclusion, where the thresholds come from), limits applied, and
    the model's own band when it differs from the gate's level."""
    assessment, verdict = unpack(item)
    notes = [escape(n) for n in (verdict.notes if verdict is not None else ()) if clean_line(n)]
    band = model_level_of(item)
    if band:
        notes.append(f"`model_level`: {escape(band)} — the model's own band, before this repository's thresholds; "
                     f"the level above is the gate's")
    notes += [f"✂️ {escape(t)}" for t in assessment.change.truncated if clean_line(t)]
    return "\n".join(f"- {n}" for n in notes)


def _notes(title: str, items: Sequence[str], icon: str) -> str:
    """A titled bullet list of free-text notes; empty when there are none."""
    notes = [escape(item) for item in items if clean_line(item)]
    if not notes:
        return ""
    return "\n".join([f"### {title}", ""] + [f"- {icon} {n}" for n in notes])


def _footer(assessment: Assessment) -> str:
    """Tool and model version, so a posted score can be traced to what produced it."""
    name = code(assessment.model.name) or "unknown model"
    version = code(assessment.model.version)
    parts = [f"mergeguard {escape(mergeguard.__version__)}", f"model {name}" + (f" {version}" if version else "")]
    total = total_ms(assessment)
    if total > 0:
        parts.append(f"{total:.0f} ms")
    return "---\n<sub>" + " · ".join(parts) + "</sub>"
