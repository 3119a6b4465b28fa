"""The types after the model: Finding, Reason, Assessment, Verdict and the Review that pairs them.

Everything the core passes once the model has spoken is one of these frozen dataclasses, so no layer
can change what another already decided (the old ``dict`` was edited by four layers, which is how one
report once carried two levels). JSON is produced from them only at the edge, by ``to_json()``, in
the ``mergeguard.assessment/1`` shape that ``mergeguard/schemas/assessment-1.json`` publishes; the SARIF,
markdown and text renderers and the check run read these types. ``from_json`` reads a stored assessment back (the App
re-decides a verdict from its database without scoring again).

Severity is mapped to every surface's vocabulary here and nowhere else (:class:`Severity`).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

ASSESSMENT_SCHEMA = "mergeguard.assessment/1"

#: Conclusions that keep a pull request from merging until someone acts (or accepts the risk).
BLOCKING_CONCLUSIONS = ("action_required", "failure")


class Severity(enum.Enum):
    """How much a finding matters; the one place it is mapped to SARIF, check runs and text."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @classmethod
    def parse(cls, value: object) -> Severity:
        """The severity named ``value`` (``Severity`` or its string); an unknown name reads as a warning,
        as the SARIF and check-run writers always treated it (never silently dropped to ``info``)."""
        if isinstance(value, Severity):
            return value
        try:
            return cls(str(value or "").strip().lower())
        except ValueError:
            return cls.WARNING

    @property
    def rank(self) -> int:
        """0 for the most severe: the sort key of every "most severe first" list."""
        return _RANK[self]

    @property
    def sarif_level(self) -> str:
        """SARIF ``result.level``."""
        return _SARIF[self]

    @property
    def annotation_level(self) -> str:
        """GitHub check-run ``annotation_level``."""
        return _ANNOTATION[self]

    @property
    def workflow_command(self) -> str:
        """GitHub Actions workflow command (``::notice``, ``::warning``, ``::error``)."""
        return _COMMAND[self]


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_SARIF = {Severity.INFO: "note", Severity.WARNING: "warning", Severity.ERROR: "error"}
_ANNOTATION = {Severity.INFO: "notice", Severity.WARNING: "warning", Severity.ERROR: "failure"}
_COMMAND = {Severity.INFO: "notice", Severity.WARNING: "warning", Severity.ERROR: "error"}


def severity_rank(value: object) -> int:
    """The rank of a severity given as JSON (3 for a missing one: after every real severity)."""
    return Severity.parse(value).rank if value else 3


@dataclass(frozen=True)
class Finding:
    """One line-level observation of a detector: reviewdog's single diagnostic, in our words.

    ``line``/``end_line`` are lines of the NEW file (what GitHub can annotate); something the change
    removed sits on the nearest new-file line (:func:`new_line`). ``None`` when a finding has no line
    (a file too large to read). ``scope`` is the detector's evidence of where (the enclosing function).
    """

    kind: str
    path: str
    line: int | None
    end_line: int | None
    severity: Severity
    message: str
    category: str = ""
    scope: str = ""

    def __post_init__(self) -> None:
        if not self.category:
            object.__setattr__(self, "category", self.kind.split(".", 1)[0])

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "category": self.category, "path": self.path, "line": self.line,
                               "end_line": self.end_line, "severity": self.severity.value, "message": self.message}
        if self.scope:
            out["scope"] = self.scope
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        return cls(kind=str(data.get("kind") or ""), path=str(data.get("path") or ""), line=_int(data.get("line")),
                   end_line=_int(data.get("end_line")), severity=Severity.parse(data.get("severity")),
                   message=str(data.get("message") or ""), category=str(data.get("category") or ""),
                   scope=str(data.get("scope") or ""))


def new_line(hunks: Sequence[Any], old_line: int) -> int:
    """The new-file line nearest to ``old_line`` of the old file: where a finding about something the
    change removed or moved can be drawn (GitHub annotates only lines of the new file).

    Inside a hunk, the line at the same offset in the hunk's new side (clamped to that side); outside
    any hunk, the old line shifted by what the hunks before it added or removed. ``hunks`` are the
    file's hunks in order, each with ``source_start``, ``source_length``, ``target_start`` and
    ``target_length`` (unidiff's names). The one old-to-new map every detector uses.
    """
    delta = 0
    for h in hunks:
        if old_line < h.source_start:
            break
        if old_line < h.source_start + max(h.source_length, 1):
            last = h.target_start + max(h.target_length - 1, 0)
            return int(max(1, min(h.target_start + (old_line - h.source_start), last)))
        delta = (h.target_start + h.target_length) - (h.source_start + h.source_length)
    return int(max(1, old_line + delta))


@dataclass(frozen=True)
class Reason:
    """One feature's part in the score: its value, its TreeSHAP contribution (log-odds) and its sentence."""

    feature: str
    value: float | None
    contribution: float
    text: str
    notable: bool

    def to_json(self) -> dict[str, Any]:
        return {"feature": self.feature, "value": self.value, "contribution": self.contribution, "text": self.text,
                "notable": self.notable}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reason:
        value = data.get("value")
        return cls(feature=str(data["feature"]), value=None if value is None else float(value),
                   contribution=float(data.get("contribution") or 0.0), text=str(data.get("text") or ""),
                   notable=bool(data.get("notable")))


@dataclass(frozen=True)
class FileFocus:
    """A touched file in *where to look first*: its share of the raised score and its worst findings."""

    path: str
    added: int
    deleted: int
    contribution: float
    findings: tuple[Finding, ...]
    more_findings: int

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "added": self.added, "deleted": self.deleted, "contribution": self.contribution,
                "findings": [{"kind": f.kind, "line": f.line, "severity": f.severity.value, "message": f.message}
                             for f in self.findings],
                "more_findings": self.more_findings}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FileFocus:
        path = str(data["path"])
        return cls(path=path, added=int(data.get("added") or 0), deleted=int(data.get("deleted") or 0),
                   contribution=float(data.get("contribution") or 0.0),
                   findings=tuple(Finding.from_json({**f, "path": path}) for f in data.get("findings") or ()),
                   more_findings=int(data.get("more_findings") or 0))


@dataclass(frozen=True)
class ChangeSummary:
    """What was scored: ids, sizes and every touched path (old names of renames included).

    ``ignored`` are the paths the gate's config dropped before scoring; ``gate_base`` the revision whose
    config, CODEOWNERS and history decided the verdict (None without a repository).
    """

    id: str
    base: str | None
    head: str | None
    files: int
    added: int
    deleted: int
    truncated: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    gate_base: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "base": self.base, "head": self.head, "files": self.files, "added": self.added,
                "deleted": self.deleted, "truncated": list(self.truncated), "paths": list(self.paths),
                "ignored": list(self.ignored), "gate_base": self.gate_base}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ChangeSummary:
        return cls(id=str(data.get("id") or ""), base=data.get("base"), head=data.get("head"),
                   files=int(data.get("files") or 0), added=int(data.get("added") or 0),
                   deleted=int(data.get("deleted") or 0), truncated=tuple(data.get("truncated") or ()),
                   paths=tuple(data.get("paths") or ()), ignored=tuple(data.get("ignored") or ()),
                   gate_base=data.get("gate_base"))


@dataclass(frozen=True)
class ModelRef:
    name: str
    version: str


@dataclass(frozen=True)
class Assessment:
    """The model's view of one change, before any gate: the score, its band and its explanation.

    ``model_level`` is the model's own band (its thresholds). The level a reader acts on is the gate's
    (:attr:`Verdict.level`); the JSON ``level`` is that one (see :meth:`Review.to_json`).
    ``signals`` are the detectors' free-form details; ``timings`` wall-clock milliseconds (``features``,
    ``model``, and ``total`` once the caller knows it), the only part two identical runs may disagree on.
    """

    change: ChangeSummary
    score: float
    model_level: str
    reasons: tuple[Reason, ...]
    look_first: tuple[FileFocus, ...]
    findings: tuple[Finding, ...]
    signals: Mapping[str, Any]
    features: Mapping[str, float | None]
    warnings: tuple[str, ...]
    model: ModelRef
    version: str
    timings: Mapping[str, float] = field(default_factory=dict)

    @property
    def trivial(self) -> bool:
        """Nothing left to score (an empty change, or every path ignored)."""
        return self.change.files == 0

    def with_change(self, **changes: Any) -> Assessment:
        return replace(self, change=replace(self.change, **changes))

    def with_timing(self, name: str, ms: float) -> Assessment:
        return replace(self, timings={**self.timings, name: round(ms, 2)})

    def to_json(self, verdict: Verdict | None = None) -> dict[str, Any]:
        """The ``mergeguard.assessment/1`` object; with ``verdict``, ``level`` is the verdict's."""
        out: dict[str, Any] = {
            "schema": ASSESSMENT_SCHEMA,
            "change": self.change.to_json(),
            "score": self.score,
            "level": verdict.level if verdict is not None else self.model_level,
            "model_level": self.model_level,
            "reasons": [r.to_json() for r in self.reasons],
            "look_first": [f.to_json() for f in self.look_first],
            "findings": [f.to_json() for f in self.findings],
            "signals": _plain(self.signals),
            "features": dict(self.features),
            "warnings": list(self.warnings),
            "model": {"name": self.model.name, "version": self.model.version},
            "mergeguard": self.version,
            "timing_ms": dict(self.timings),
        }
        if verdict is not None:
            out["verdict"] = verdict.to_dict()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Assessment:
        model = data.get("model") or {}
        return cls(
            change=ChangeSummary.from_json(data.get("change") or {}), score=float(data.get("score") or 0.0),
            model_level=str(data.get("model_level") or data.get("level") or "low"),
            reasons=tuple(Reason.from_json(r) for r in data.get("reasons") or ()),
            look_first=tuple(FileFocus.from_json(f) for f in data.get("look_first") or ()),
            findings=tuple(Finding.from_json(f) for f in data.get("findings") or ()),
            signals=dict(data.get("signals") or {}), features=dict(data.get("features") or {}),
            warnings=tuple(data.get("warnings") or ()),
            model=ModelRef(str(model.get("name") or ""), str(model.get("version") or "")),
            version=str(data.get("mergeguard") or ""), timings=dict(data.get("timing_ms") or {}))


@dataclass(frozen=True)
class ValidationResult:
    id: str
    description: str
    satisfied: bool
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "description": self.description, "satisfied": self.satisfied, "detail": self.detail}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ValidationResult:
        return cls(str(data["id"]), str(data.get("description") or ""), bool(data.get("satisfied")),
                   str(data.get("detail") or ""))


@dataclass(frozen=True)
class Verdict:
    """The gate's decision. ``to_dict`` is the ``verdict`` object of the JSON assessment.

    ``level`` is *the* level of the change (the model's score against the thresholds that apply:
    the repository's percentiles, any tightening); ``notes[0]`` says why the conclusion is what it is.
    """

    conclusion: str
    level: str
    required_validations: tuple[ValidationResult, ...]
    notes: tuple[str, ...]
    score: float | None = None
    thresholds: Mapping[str, float] = field(default_factory=dict)
    error_budget: Mapping[str, Any] | None = None
    accepted: Mapping[str, Any] | None = None
    config: str = "defaults"

    @property
    def blocking(self) -> bool:
        """Whether the pull request may not merge as it is."""
        return self.conclusion in BLOCKING_CONCLUSIONS

    @property
    def why(self) -> str:
        return self.notes[0] if self.notes else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "conclusion": self.conclusion,
            "level": self.level,
            "required_validations": [v.to_dict() for v in self.required_validations],
            "notes": list(self.notes),
            "score": self.score,
            "thresholds": dict(self.thresholds),
            "error_budget": dict(self.error_budget) if self.error_budget is not None else None,
            "accepted": dict(self.accepted) if self.accepted is not None else None,
            "config": self.config,
        }

    to_json = to_dict

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        return cls(conclusion=str(data["conclusion"]), level=str(data["level"]),
                   required_validations=tuple(ValidationResult.from_dict(v)
                                              for v in data.get("required_validations") or ()),
                   notes=tuple(data.get("notes") or ()), score=data.get("score"),
                   thresholds=dict(data.get("thresholds") or {}), error_budget=data.get("error_budget"),
                   accepted=data.get("accepted"), config=str(data.get("config") or "defaults"))


@dataclass(frozen=True)
class Review:
    """An assessment with its verdict: what every face publishes."""

    assessment: Assessment
    verdict: Verdict

    def to_json(self) -> dict[str, Any]:
        return self.assessment.to_json(self.verdict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Review:
        return cls(Assessment.from_json(data), Verdict.from_dict(data["verdict"]))


def schema() -> dict[str, Any]:
    """The published JSON Schema of ``mergeguard.assessment/1`` (Draft 2020-12)."""
    text = resources.files("mergeguard").joinpath("schemas/assessment-1.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _int(v: Any) -> int | None:
    return None if v is None or isinstance(v, bool) else int(v)


def _plain(v: Any) -> Any:
    """A JSON-ready deep copy (the signals are read-only in the type, plain lists and dicts in JSON)."""
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v
