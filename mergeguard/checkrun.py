"""What a check run says: one pure function shared by the App and the Action.

The App and the Action must tell a pull request the same thing in the same words, so both build
their check run (and the Action its job summary and workflow-command annotations) from
:func:`content`. Everything here respects GitHub's documented limits, because GitHub rejects a whole
request that exceeds one of them and a lost check run is worse than a shortened one:

* ``output.summary`` and ``output.text``: at most 65535 characters;
* annotations: at most 50 per request; we keep at most 50 per run (:data:`MAX_ANNOTATIONS`): a
  reviewer reads the first few, and a diff covered in notes is alert fatigue. Most important first:
  by severity, then by the file's rank in *where to look first*;
  ``message`` and ``raw_details`` at most 64 KB, ``title`` kept to one short line;
* requested actions: at most 3, ``label`` <= 20, ``description`` <= 40, ``identifier`` <= 20 characters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .assessment import BLOCKING_CONCLUSIONS, Finding, Review
from .render import as_float, clean_line, group_findings, headline, level_of, look_first, percent
from .render.markdown import GITHUB_SUMMARY_LIMIT, escape, markdown

#: the check run's name: one per app per head SHA, reused on re-scoring
CHECK_NAME = "mergeguard"
ANNOTATIONS_PER_REQUEST = 50
#: annotations kept per check run; beyond this the summary says how many were left out
MAX_ANNOTATIONS = 50
TEXT_LIMIT = 65535
MESSAGE_LIMIT = 64 * 1024 - 1  # bytes, checked on the UTF-8 encoding
TITLE_LIMIT = 255
ACCEPT_RISK = "accept_risk"
RESCORE = "rescore"
ACTIONS = {
    ACCEPT_RISK: ("Accept risk", "Record that you accept this risk"),
    RESCORE: ("Re-score", "Score this pull request again"),
}
_LEVEL_RANK = {"failure": 0, "warning": 1, "notice": 2}


@dataclass(frozen=True)
class CheckRunContent:
    """A complete check run, ready for the REST API (or for an Action's summary and annotations)."""

    conclusion: str
    title: str
    summary: str
    text: str | None = None
    annotations: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, str]] = field(default_factory=list)
    omitted_annotations: int = 0

    def output(self, annotations: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
        """The ``output`` object of one create/update request carrying ``annotations``."""
        out: dict[str, Any] = {"title": self.title, "summary": self.summary}
        if self.text:
            out["text"] = self.text
        if annotations:
            out["annotations"] = [dict(a) for a in annotations]
        return out

    def batches(self) -> list[list[dict[str, Any]]]:
        """Annotations in request-sized batches (at least one, possibly empty, batch)."""
        a = self.annotations
        return [a[i:i + ANNOTATIONS_PER_REQUEST] for i in range(0, len(a), ANNOTATIONS_PER_REQUEST)] or [[]]


def content(review: Review, *, max_annotations: int = MAX_ANNOTATIONS) -> CheckRunContent:
    """The check run for a review (an assessment with its gate verdict)."""
    verdict = review.verdict
    conclusion = verdict.conclusion or "neutral"
    rank = {f.path: i for i, f in enumerate(look_first(review))}
    annotations = annotations_of(review.assessment.findings, file_rank=rank)
    omitted = max(0, len(annotations) - max_annotations)
    annotations = annotations[:max_annotations]
    summary = markdown(review, max_chars=GITHUB_SUMMARY_LIMIT - 200)
    if omitted:
        summary += f"\n\n_{omitted} more annotation{'s' if omitted != 1 else ''} not shown on the diff._"
    actions = [RESCORE]
    if conclusion in BLOCKING_CONCLUSIONS and not verdict.accepted:
        actions.insert(0, ACCEPT_RISK)
    return CheckRunContent(
        conclusion=conclusion,
        title=clip(title_of(review, conclusion), TITLE_LIMIT),
        summary=clip(summary, GITHUB_SUMMARY_LIMIT),
        text=clip(details(review), TEXT_LIMIT) or None,
        annotations=annotations,
        actions=[action(i) for i in actions],
        omitted_annotations=omitted,
    )


def failed(reason: str, *, details_text: str = "") -> CheckRunContent:
    """A neutral check run saying why no score could be given: never leave a check in progress."""
    reason = clean_line(reason) or "unknown error"
    summary = ("mergeguard could not score this change, so it neither passes nor blocks it.\n\n"
               f"**Reason:** {escape(reason)}\n\nUse **Re-score** to try again.")
    return CheckRunContent(conclusion="neutral", title=clip(f"Not scored: {reason}", TITLE_LIMIT),
                           summary=clip(summary, GITHUB_SUMMARY_LIMIT),
                           text=clip(details_text, TEXT_LIMIT) or None, actions=[action(RESCORE)])


def superseded(head_sha: str) -> CheckRunContent:
    """A neutral check run for a head the pull request moved away from before its scoring finished."""
    short = clean_line(head_sha)[:12] or "a newer commit"
    summary = (f"The pull request moved on to {short} before this commit's scoring finished, so this commit "
               "was not scored. The newer head has its own check run.")
    return CheckRunContent(conclusion="neutral", title=clip(f"Superseded by {short}", TITLE_LIMIT),
                           summary=clip(summary, GITHUB_SUMMARY_LIMIT), text=None, actions=[])


def with_note(c: CheckRunContent, note: str) -> dict[str, Any]:
    """``c``'s output (no annotations) with ``note`` quoted above its summary, within GitHub's limit.

    The note (an Accept-risk refusal) names a branch and a login, so it is escaped like every other
    string from the change; and the summary may already be at its limit, so the whole is cut from the
    end: the note and the verdict's headline, at the top, always stay.
    """
    out = c.output()
    out["summary"] = clip(f"> **Accept risk refused:** {escape(note)}\n\n{c.summary}", GITHUB_SUMMARY_LIMIT)
    return out


def action(identifier: str) -> dict[str, str]:
    label, description = ACTIONS[identifier]
    return {"label": label[:20], "description": description[:40], "identifier": identifier[:20]}


def title_of(review: Review, conclusion: str) -> str:
    """``High risk (21%) — action required: <the one thing that matters most>`` on one line."""
    level = level_of(review)
    score = percent(review.assessment.score)
    words = {"action_required": " — action required", "failure": " — blocked"}.get(conclusion, "")
    return clean_line(f"{level.capitalize()} risk ({score}){words}: {headline(review)}")


def annotations_of(findings: Sequence[Finding], file_rank: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
    """Check-run annotations for findings that point at a line, duplicates dropped; most severe
    first, then by ``file_rank`` (the file's place in *where to look first*), then in finding order."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, int, int, str, str]] = set()
    for f in findings:
        if not f.path or f.line is None or f.line < 1:
            continue
        start = f.line
        end = max(start, f.end_line or start)
        message = clean_message(f.message or f.kind or "finding")
        key = (f.path, start, end, f.kind, message)
        if key in seen:
            continue
        seen.add(key)
        a: dict[str, Any] = {"path": f.path, "start_line": start, "end_line": end,
                             "annotation_level": f.severity.annotation_level, "message": message,
                             "title": clip(clean_line(f.kind or f.category or "mergeguard"), 255)}
        out.append(a)
    ranks = file_rank or {}
    out.sort(key=lambda a: (_LEVEL_RANK[a["annotation_level"]], ranks.get(a["path"], len(ranks))))
    return out


def details(review: Review) -> str:
    """The check run's ``text``: the numbers behind the summary, for whoever wants to check them."""
    assessment = review.assessment
    lines = ["### Features", "", "| feature | value |", "|---|---|"]
    for name, value in sorted(assessment.features.items()):
        number = as_float(value)
        shown = "missing" if number is None else (f"{number:g}")
        lines.append(f"| `{clean_line(name)}` | {shown} |")
    groups = group_findings(assessment.findings)
    if groups:
        lines += ["", "### Findings by category", ""]
        lines += [f"- {clean_line(cat)}: {len(items)}" for cat, items in groups.items()]
    lines += ["", f"Model: {clean_line(assessment.model.name)} {clean_line(assessment.model.version)}"]
    return "\n".join(lines)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (GitHub rejects longer fields)."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def clean_message(message: str) -> str:
    data = message.encode("utf-8")
    if len(data) <= MESSAGE_LIMIT:
        return message
    return data[: MESSAGE_LIMIT - 3].decode("utf-8", "ignore") + "…"

