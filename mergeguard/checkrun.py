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

from .assessment import Severity
from .render import as_float, clean_line, group_findings, headline, level_of, look_first, percent
from .render.markdown import GITHUB_SUMMARY_LIMIT, markdown

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


def content(assessment: Mapping[str, Any], *, max_annotations: int = MAX_ANNOTATIONS) -> CheckRunContent:
    """The check run for an assessment with its gate verdict."""
    verdict = assessment.get("verdict") if isinstance(assessment.get("verdict"), Mapping) else {}
    conclusion = str(verdict.get("conclusion") or "neutral")
    rank = {str(f.get("path")): i for i, f in enumerate(look_first(assessment))}
    annotations = annotations_of(assessment.get("findings") or [], file_rank=rank)
    omitted = max(0, len(annotations) - max_annotations)
    annotations = annotations[:max_annotations]
    summary = markdown(assessment, max_chars=GITHUB_SUMMARY_LIMIT - 200)
    if omitted:
        summary += f"\n\n_{omitted} more annotation{'s' if omitted != 1 else ''} not shown on the diff._"
    actions = [RESCORE]
    if conclusion in ("action_required", "failure") and not verdict.get("accepted"):
        actions.insert(0, ACCEPT_RISK)
    return CheckRunContent(
        conclusion=conclusion,
        title=clip(title_of(assessment, conclusion), TITLE_LIMIT),
        summary=clip(summary, GITHUB_SUMMARY_LIMIT),
        text=clip(details(assessment), TEXT_LIMIT) or None,
        annotations=annotations,
        actions=[action(i) for i in actions],
        omitted_annotations=omitted,
    )


def failed(reason: str, *, details_text: str = "") -> CheckRunContent:
    """A neutral check run saying why no score could be given: never leave a check in progress."""
    reason = clean_line(reason) or "unknown error"
    summary = ("mergeguard could not score this change, so it neither passes nor blocks it.\n\n"
               f"**Reason:** {reason}\n\nUse **Re-score** to try again.")
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


def action(identifier: str) -> dict[str, str]:
    label, description = ACTIONS[identifier]
    return {"label": label[:20], "description": description[:40], "identifier": identifier[:20]}


def title_of(assessment: Mapping[str, Any], conclusion: str) -> str:
    """``High risk (21%) — action required: <the one thing that matters most>`` on one line."""
    level = level_of(assessment)
    score = percent(assessment.get("score"))
    words = {"action_required": " — action required", "failure": " — blocked"}.get(conclusion, "")
    return clean_line(f"{level.capitalize()} risk ({score}){words}: {headline(assessment)}")


def annotations_of(findings: Sequence[Any], file_rank: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
    """Check-run annotations for findings that point at a line, duplicates dropped; most severe
    first, then by ``file_rank`` (the file's place in *where to look first*), then in finding order."""
    out: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    for f in findings:
        if not isinstance(f, Mapping) or not f.get("path"):
            continue
        start = _line(f.get("line"))
        if start is None:
            continue
        end = max(start, _line(f.get("end_line")) or start)
        level = Severity.parse(f.get("severity")).annotation_level
        message = clean_message(str(f.get("message") or f.get("kind") or "finding"))
        key = (f["path"], start, end, f.get("kind"), message)
        if key in seen:
            continue
        seen.add(key)
        a: dict[str, Any] = {"path": str(f["path"]), "start_line": start, "end_line": end,
                             "annotation_level": level, "message": message,
                             "title": clip(clean_line(f.get("kind") or f.get("category") or "mergeguard"), 255)}
        out.append(a)
    ranks = file_rank or {}
    out.sort(key=lambda a: (_LEVEL_RANK[a["annotation_level"]], ranks.get(a["path"], len(ranks))))
    return out


def details(assessment: Mapping[str, Any]) -> str:
    """The check run's ``text``: the numbers behind the summary, for whoever wants to check them."""
    features = assessment.get("features") if isinstance(assessment.get("features"), Mapping) else {}
    model = assessment.get("model") if isinstance(assessment.get("model"), Mapping) else {}
    lines = ["### Features", "", "| feature | value |", "|---|---|"]
    for name, value in sorted(features.items()):
        number = as_float(value)
        shown = "missing" if number is None else (f"{number:g}")
        lines.append(f"| `{clean_line(name)}` | {shown} |")
    groups = group_findings(f for f in assessment.get("findings") or [] if isinstance(f, Mapping))
    if groups:
        lines += ["", "### Findings by category", ""]
        lines += [f"- {clean_line(cat)}: {len(items)}" for cat, items in groups.items()]
    lines += ["", f"Model: {clean_line(model.get('name'))} {clean_line(model.get('version'))}"]
    return "\n".join(lines)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (GitHub rejects longer fields)."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def clean_message(message: str) -> str:
    data = message.encode("utf-8")
    if len(data) <= MESSAGE_LIMIT:
        return message
    return data[: MESSAGE_LIMIT - 3].decode("utf-8", "ignore") + "…"


def _line(value: Any) -> int | None:
    number = as_float(value)
    return int(number) if number is not None and number >= 1 else None
