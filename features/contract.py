"""The detector contract and the one registry of detectors that ``extract_all`` runs.

A detector turns a :class:`~mergeguard.change.Change` (the diff, the pre- and post-images, commit
metadata) and a :class:`~mergeguard.features.Context` (what is known of the repository strictly
before the change: the history index, the base revision's file list, a reference counter) into an
:class:`~mergeguard.features.Extraction`: features (numbers, ``None`` for "unknown"), findings
(line-level, each of a kind the detector owns) and signals (anything a reviewer or a renderer may
want to show). It receives data only; whatever it needs from git arrives in the context.

What a detector owns is declared, not discovered: a :class:`DetectorSpec` names the features and
finding kinds it produces and the signal keys it writes, and the registry refuses two detectors that
claim the same feature, finding kind or signal. Declaring them is what lets the model, the
conformance suite (``tests/test_conformance.py``) and a new maintainer check a detector without
reading it: every feature of the shipped model is owned by exactly one registered detector, and a
detector that reports an undeclared feature or finding kind fails the suite.

A detector that raises (anything but a ``MergeguardError``, which names a bad repository or input
and goes to the face as before) does not take the assessment down with it, and is no longer
silent: its features are reported missing (``None``), the failure is a warning on the change and a
counter in ``signals["detector_errors"]``, and the other detectors still run. A detector that fails on one file
but can go on with the rest (a language scanner on odd code) calls :func:`record_failure` and
carries on; the failures land in the same signal.

Adding a detector: write ``features/<name>.py`` with ``SPEC`` (a :class:`DetectorSpec`) and
``extract(change, context)``, and add its name to :data:`BUILTIN`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # features/__init__.py imports this module; the types are only for annotations
    from mergeguard.change import Change
    from mergeguard.features import Context, Extraction

#: the built-in detectors (``mergeguard.features.<name>``, each with ``SPEC`` and ``extract``), in run order
BUILTIN: tuple[str, ...] = ("diffstat", "history", "coupling", "authorship", "retry_timeout")

#: where per-file failures of one change are kept until ``extract_all`` reports them
_FAILURES_KEY = "detector_failures"
#: characters of an exception's text kept in a warning (a hostile file must not make the report huge)
MAX_ERROR_TEXT = 200


@dataclass(frozen=True)
class DetectorSpec:
    """What a detector declares: its name and everything it owns in an Extraction."""

    name: str
    #: the features it reports, in a fixed order (all of them, on every change: None when unknown)
    features: tuple[str, ...]
    #: the ``kind`` of every finding it may report ("retry.removed")
    finding_kinds: tuple[str, ...] = ()
    #: the top-level signal keys it writes
    signals: tuple[str, ...] = ()
    #: features it reports that the model does not train on (shown to reviewers, never fed to the model)
    not_modelled: tuple[str, ...] = ()
    #: a detector of feature schema /1: what the diff's numbers and the history say, without reading code
    core: bool = False

    def __post_init__(self) -> None:
        for label, names in (("feature", self.features), ("finding kind", self.finding_kinds),
                             ("signal", self.signals)):
            if len(set(names)) != len(names):
                raise ValueError(f"detector {self.name!r} declares a {label} twice")
        if not set(self.not_modelled) <= set(self.features):
            raise ValueError(f"detector {self.name!r}: not_modelled names features it does not report")

    @property
    def modelled(self) -> tuple[str, ...]:
        """The features the model may train on."""
        return tuple(f for f in self.features if f not in self.not_modelled)


@runtime_checkable
class Detector(Protocol):
    """A detector: its declaration and a pure ``extract``."""

    @property
    def spec(self) -> DetectorSpec: ...

    def extract(self, change: Change, context: Context) -> Extraction: ...


@dataclass(frozen=True)
class ModuleDetector:
    """A detector that is a module of ``mergeguard.features`` with ``SPEC`` and ``extract``."""

    module: str

    @property
    def spec(self) -> DetectorSpec:
        spec = importlib.import_module(self.module).SPEC
        assert isinstance(spec, DetectorSpec), f"{self.module}.SPEC is not a DetectorSpec"
        return spec

    def extract(self, change: Change, context: Context) -> Extraction:
        out: Extraction = importlib.import_module(self.module).extract(change, context)
        return out


_registry: list[Detector] = [ModuleDetector(f"mergeguard.features.{name}") for name in BUILTIN]


def registry() -> tuple[Detector, ...]:
    """The registered detectors, in the order they run."""
    return tuple(_registry)


def get(name: str) -> Detector:
    """The registered detector called ``name`` (KeyError for none)."""
    for det in _registry:
        if det.spec.name == name:
            return det
    raise KeyError(name)


def check(detectors: tuple[Detector, ...]) -> None:
    """Refuse a set of detectors in which two claim the same name, feature, finding kind or signal."""
    owners: dict[tuple[str, str], str] = {}
    for det in detectors:
        spec = det.spec
        claims = [("detector", spec.name)] + [("feature", f) for f in spec.features] + [
            ("finding kind", k) for k in spec.finding_kinds] + [("signal", s) for s in spec.signals]
        for claim in claims:
            if claim in owners:
                raise ValueError(f"{claim[0]} {claim[1]!r} is claimed by both {owners[claim]!r} and {spec.name!r}")
            owners[claim] = spec.name


def register(detector: Detector) -> None:
    """Add a detector (after the built-in ones); refused if it claims what another one owns."""
    if not isinstance(detector, Detector):
        raise TypeError(f"{detector!r} does not follow the detector contract (spec, extract)")
    check((*_registry, detector))
    _registry.append(detector)


def unregister(name: str) -> None:
    _registry.remove(get(name))


@contextmanager
def registered(detector: Detector) -> Iterator[Detector]:
    """``register`` for the length of a ``with`` block (tests, experiments)."""
    register(detector)
    try:
        yield detector
    finally:
        unregister(detector.spec.name)


# -- failures ------------------------------------------------------------------------------------------


def describe(exc: BaseException) -> str:
    """One line naming an exception, bounded."""
    text = " ".join(str(exc).split())
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return line if len(line) <= MAX_ERROR_TEXT else line[: MAX_ERROR_TEXT - 1] + "…"


def record_failure(change: Change, detector: str, path: str | None, exc: BaseException) -> None:
    """Note that ``detector`` failed on ``path`` (None: on the whole change) and went on without it."""
    failures: list[tuple[str, str | None, str]] = change.derived.setdefault(_FAILURES_KEY, [])
    failures.append((detector, path, describe(exc)))


def record_failures(change: Change, entries: list[tuple[str, str | None, str]]) -> None:
    """Record failures already described (:func:`failures` of another change that met the same file)."""
    if entries:
        change.derived.setdefault(_FAILURES_KEY, []).extend(entries)


def failures(change: Change) -> list[tuple[str, str | None, str]]:
    """The (detector, path or None, error) failures recorded for ``change`` so far."""
    found: list[tuple[str, str | None, str]] = change.derived.get(_FAILURES_KEY, [])
    return found


def report_failures(change: Change) -> dict[str, int]:
    """Failures per detector, each also a warning on the change (once per detector): the signal
    ``detector_errors`` and what the assessment's ``warnings`` say."""
    counts: dict[str, int] = {}
    first: dict[str, tuple[str | None, str]] = {}
    for detector, path, error in failures(change):
        counts[detector] = counts.get(detector, 0) + 1
        first.setdefault(detector, (path, error))
    for detector, n in counts.items():
        path, error = first[detector]
        where = f" on {path}" if path else ""
        more = f" (and {n - 1} more failure{'s' if n > 2 else ''})" if n > 1 else ""
        change.warnings.append(f"{detector}: the detector failed{where}: {error}{more}; "
                               "what it would have found there is missing from this assessment")
    return counts
