"""Signals that turn a Change into numbers (model features) and line-level findings.

One module per signal family; each exposes ``extract(change, context) -> Extraction`` and does no
I/O: whatever it needs from the repository arrives in ``Context``. ``extract_all`` runs them in a
fixed order and ``FEATURES`` is the schema the model is trained on; bumping it makes older models
refuse to load instead of silently mis-reading columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mergeguard.change import Change
from mergeguard.history import HistoryIndex

FEATURE_SCHEMA = "mergeguard.features/1"


@dataclass
class Context:
    """What extractors may know besides the change itself; all of it strictly before the change."""

    history: HistoryIndex | None = None
    shallow: bool = False


@dataclass
class Extraction:
    features: dict[str, float | None] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)
    signals: dict[str, Any] = field(default_factory=dict)

    def merge(self, other: "Extraction") -> None:
        self.features.update(other.features)
        self.findings.extend(other.findings)
        self.signals.update(other.signals)


def extract_all(change: Change, context: Context) -> Extraction:
    from . import diffstat, history

    out = Extraction()
    for module in (diffstat, history):
        out.merge(module.extract(change, context))
    return out


def _feature_names() -> list[str]:
    from . import diffstat, history

    return [*diffstat.FEATURES, *history.FEATURES]


FEATURES: list[str] = _feature_names()
