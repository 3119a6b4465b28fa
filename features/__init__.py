"""Signals that turn a Change into numbers (model features) and line-level findings.

One module per signal family; each declares what it owns (``SPEC``, see ``features.contract``) and
exposes ``extract(change, context) -> Extraction``, doing no I/O: whatever it needs from the
repository arrives in ``Context``. ``extract_all`` runs the detector registry in a fixed order.
``FEATURES`` is what this version computes; a model names the features it was trained on and uses
those (``models.model``), so a new feature does not retire older models. ``FEATURE_SCHEMA`` bumps only
when a feature's *meaning* changes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from mergeguard.assessment import Finding
from mergeguard.change import Change
from mergeguard.errors import MergeguardError
from mergeguard.history import HistoryIndex

from . import contract

FEATURE_SCHEMA = "mergeguard.features/2"

#: built-in detector modules in the order they run (``features.<name>``); the registry is ``features.contract``
DETECTORS: tuple[str, ...] = contract.BUILTIN
#: the detectors of schema /1: what the diff's numbers and the history say, without reading the code
CORE_DETECTORS: tuple[str, ...] = ("diffstat", "history")


class References(Protocol):
    """How many lines of the repository at the base revision mention a name (a whole word) in the
    files of a language family; None when the language has no files to search.

    The one query a detector makes of the repository, and the only one that is not plain data: the
    names (definitions whose signature a change alters or removes) are known only after the change
    is parsed, so the counts cannot be computed before the detectors run. It is answered through the
    git interface (:class:`mergeguard.repofacts.ReferenceCounter`, ``git grep -w -c`` at the base)
    and reads nothing at or after the change.
    """

    def count(self, name: str, language: str) -> int | None: ...


@dataclass
class Context:
    """What extractors may know besides the change itself; all of it strictly before the change.

    Detectors receive values, not callbacks, with one typed query (``references``). Who reads what:

    ============  ========================================================  =======================
    field         what it holds                                             read by
    ============  ========================================================  =======================
    history       the replayed history index (authors, churn, past fixes,   ``history``,
                  co-changes) up to the base, built from one ``git log``     ``coupling`` (partners,
                                                                            file listing fallback)
    shallow       the clone is shallow: history features are degraded      ``history``
    repo_files    every path at the base (one ``git ls-tree``)              ``coupling``
    references    :class:`References` over the git interface (git grep)    ``coupling``
                                                                            (``api_surface``)
    coupling      the repository's coupling settings (config)               ``coupling``
    ============  ========================================================  =======================

    ``diffstat``, ``authorship`` and ``retry_timeout`` read only the change: its diff, its commit
    metadata, and the pre- and post-image texts (``Change.images``, blobs read through the git
    interface or the images of a bare diff). None of the fields is required: a detector whose input is missing
    reports its features as missing, never as zero.
    """

    history: HistoryIndex | None = None
    shallow: bool = False
    #: every path at the base revision; None means "use the files the history index knows"
    repo_files: tuple[str, ...] | None = None
    #: lines of the repository at the base that mention a name (a typed query, see :class:`References`)
    references: References | None = None
    coupling: Any = None  # features.coupling.CouplingSettings, or None for the defaults


@dataclass
class Extraction:
    features: dict[str, float | None] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    signals: dict[str, Any] = field(default_factory=dict)

    def merge(self, other: Extraction) -> None:
        self.features.update(other.features)
        self.findings.extend(other.findings)
        self.signals.update(other.signals)


#: detectors that read the change alone (diff, commit metadata, images), never the ``Context``: their
#: features for one change are the same whatever history index it is scored with (see ``Context``)
CHANGE_ONLY: frozenset[str] = frozenset({"diffstat", "authorship", "retry_timeout"})

#: the features of :data:`CHANGE_ONLY` detectors for one change: detector name -> its features
ChangeOnlyFeatures = dict[str, dict[str, float | None]]


def extract_all(change: Change, context: Context, *, known: ChangeOnlyFeatures | None = None,
                keep: ChangeOnlyFeatures | None = None) -> Extraction:
    """Run every registered detector (``features.contract``); ``signals["timing_ms"]`` says where the
    time went (syntax included). A detector that raises is reported (a warning and
    ``signals["detector_errors"]``), its features are missing, and the others still run.

    ``keep`` collects the features of the :data:`CHANGE_ONLY` detectors; ``known`` (what ``keep``
    collected for the same change, the same paths ignored) gives their features without running them.
    Why: the gate's percentile windows score a commit again with another history index (issue 16);
    only the history-reading detectors have anything new to say then. Such an extraction has those
    detectors' features alone (no findings, no signals): for a caller that needs the score only.
    """
    out = Extraction()
    timing: dict[str, float] = {}
    for detector in contract.registry():
        spec = detector.spec
        t0 = time.perf_counter()
        if known is not None and spec.name in known and spec.name in CHANGE_ONLY:
            out.merge(Extraction(dict(known[spec.name])))
            continue
        try:
            found = detector.extract(change, context)
        except MergeguardError:
            raise  # the repository or the input is at fault, not the detector: the face reports it as before
        except Exception as exc:  # noqa: BLE001 - one detector's bug degrades its features, not the assessment
            contract.record_failure(change, spec.name, None, exc)
            found = Extraction(dict.fromkeys(spec.features))
        if keep is not None and spec.name in CHANGE_ONLY:
            keep[spec.name] = dict(found.features)
        out.merge(found)
        timing[spec.name] = round((time.perf_counter() - t0) * 1000, 2)
    cache = change.derived.get("syntax")
    if cache is not None:
        st = cache.stats
        out.signals["syntax"] = {"parsed": st.parsed, "unavailable": st.unavailable, "errors": st.errors,
                                 "ms": round(st.ms, 2)}
    errors = contract.report_failures(change)
    if errors:
        out.signals["detector_errors"] = errors
    out.signals["timing_ms"] = timing
    for name in NOT_MODELLED:
        out.features.pop(name, None)  # shown in the detector's signals instead
    return out


def detector_features(detectors: tuple[str, ...] | list[str]) -> list[str]:
    """The model features the named detectors contribute."""
    return [name for det in detectors for name in contract.get(det).spec.modelled]


def _feature_names() -> list[str]:
    return [name for det in contract.registry() for name in det.spec.modelled]


def _not_modelled() -> frozenset[str]:
    return frozenset(name for det in contract.registry() for name in det.spec.not_modelled)


#: features a detector reports that the model does not train on, because mining cannot compute them
#: the way scoring does (``api_references`` greps the repository at the base revision, which mining
#: would have to do for every historical commit): shown to reviewers, never fed to the model
NOT_MODELLED = _not_modelled()
FEATURES: list[str] = _feature_names()
