"""The repository's gate configuration, ``.github/mergeguard.yml``: load, validate, and freeze.

Why strict: a gate whose configuration silently ignores a misspelt key (``thresolds:``) or a bad
value (``high: "0.4"``) quietly runs with defaults the team never agreed on. Every problem is
reported with its ``file:line:column`` and key path, all at once, and nothing is ignored::

    .github/mergeguard.yml:7:3: thresholds.hihg: unknown key; did you mean 'high'?

The parsed configuration is a tree of frozen dataclasses. Every default is documented on its field
and in the README's *Configuration* section; ``Config()`` is the configuration of a repository that
has no file. Loading does no network or git I/O: the caller hands over the text (read from the base
revision, never from the pull request's head: a change must not relax its own gate).
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from . import linear_re
from .errors import MergeguardError

#: Risk levels, least to most severe.
LEVELS: tuple[str, ...] = ("low", "medium", "high", "critical")
#: Levels that have a threshold (``low`` is everything below ``medium``).
THRESHOLD_LEVELS: tuple[str, ...] = ("medium", "high", "critical")
#: GitHub check-run conclusions a level can map to, least to most blocking.
CONCLUSIONS: tuple[str, ...] = ("success", "neutral", "action_required", "failure")
#: Where the gate looks for its configuration in a repository (at the base revision).
CONFIG_PATH = ".github/mergeguard.yml"

#: A level's conclusion when its required validations do not decide. ``failure`` is never a
#: default: a team's first day must not be a wall of red checks (issue 14); it is a configured choice.
DEFAULT_CONCLUSIONS: dict[str, str] = {
    "low": "success", "medium": "success", "high": "action_required", "critical": "action_required",
}
DEFAULT_HISTORY_COMMITS = 300
#: Without ``thresholds`` in the config: percentiles of the repository's own recent scores, so that
#: about 10% of its changes are high or critical and about 2% critical (``benchmarks/default_gate.py``).
DEFAULT_PERCENTILES: dict[str, float] = {"medium": 75.0, "high": 90.0, "critical": 98.0}
#: Fewest scored commits at the base from which the default percentiles are trusted (2% of 100 is
#: two commits: any fewer and "critical" is one commit's accident); below it, the model's thresholds.
DEFAULT_MIN_HISTORY = 100
DEFAULT_TIMEOUT = 5.0

#: Validations required per level when the config does not say (per level: a config's ``require``
#: replaces only the levels it names). Every level is passable without an accepted risk: high needs
#: an approving review by someone other than the author (by a code owner of the touched paths where
#: CODEOWNERS exists, see ``policy``); critical needs that plus a rollout or feature-flag note.
DEFAULT_REQUIRE: dict[str, tuple[Validation, ...]] = {}  # filled below, once Validation exists

#: What a rollout or feature-flag note looks like in a pull-request description when the config
#: does not give its own pattern: a line ``Rollout: ...``, ``Feature flag: ...``, ``Canary: ...``
#: (optionally a markdown heading or bold) followed by real content on the line or below it.
DEFAULT_ROLLOUT_HEADING = r"(?:roll-?out(?:\s+plan)?|feature[\s_-]?flags?|canary(?:\s+plan)?|kill[\s_-]?switch)"


class ConfigError(MergeguardError):
    """The configuration is unreadable or invalid; carries every problem found, with locations."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "invalid configuration"
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more != 1 else ''}; `mergeguard config check` lists them)" if more else ""
        super().__init__(first + suffix)

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled from the App's scoring process to its job thread: rebuilt from the problems, not
        # from the message (which the default would pass back in as the list of problems)
        return (type(self), (self.problems,))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a configuration file, where it is, and under which key."""

    source: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}:{self.column}" if self.line else self.source
        path = self.path if len(self.path) <= 80 else self.path[:77] + "..."
        text = f"{where}: {path}: {self.message}" if path else f"{where}: {self.message}"
        return " ".join(text.split())  # one line, whatever a key or value held


# -------------------------------------------------------------------------------------- the shape


@dataclass(frozen=True)
class ThresholdSpec:
    """Score thresholds for ``medium``/``high``/``critical``: absolute, or percentiles of history.

    ``absolute`` values are probabilities in [0, 1]; ``percentile`` values are in (0, 100) and are
    resolved against the scores of the repository's own newest commits (see ``history_commits``).
    A level left out keeps the threshold it would otherwise have (the model's, or the base one).
    """

    mode: str = "absolute"
    values: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Validation:
    """A validation a risky change must show before it passes.

    ``kind`` is ``codeowners`` (an approval from a code owner of every touched owned path, per
    the base revision's CODEOWNERS), ``approvals`` (``count`` approvals by people other than the
    author), ``label`` (the pull request carries label ``name``), or ``rollout_note`` (the
    description has a rollout or feature-flag note; ``pattern`` overrides what a note looks like).
    """

    kind: str
    count: int = 1
    name: str = ""
    pattern: str | None = None

    @property
    def id(self) -> str:
        if self.kind == "label":
            return f"label:{self.name}"
        if self.kind == "approvals":
            return f"approvals:{self.count}"
        return self.kind.replace("_", "-")

    @property
    def description(self) -> str:
        if self.kind == "codeowners":
            return "Approval by the code owners of the touched paths"
        if self.kind == "approvals":
            return f"{self.count} approving review{'s' if self.count != 1 else ''} by someone other than the author"
        if self.kind == "label":
            return f"Label '{self.name}' on the pull request"
        return "A rollout or feature-flag note in the pull-request description"


@dataclass(frozen=True)
class BudgetSource:
    """Where the remaining error-budget fraction comes from.

    ``kind="prometheus"``: ``GET {url}/api/v1/query?query={query}``, an instant query that must
    return one sample, the remaining fraction (1 = untouched, 0 = exhausted).
    ``kind="json"``: a JSON document at ``url`` or in ``file``, the fraction at dotted ``field``
    (list items by index: ``slos.0.remaining``).
    """

    kind: str
    url: str | None = None
    query: str | None = None
    file: str | None = None
    field: str = "remaining"
    timeout: float = DEFAULT_TIMEOUT

    def describe(self) -> str:
        if self.kind == "prometheus":
            return f"Prometheus {self.url} ({self.query})"
        return f"JSON {self.url or self.file} (field {self.field})"


@dataclass(frozen=True)
class ErrorBudget:
    """Error-budget awareness: below ``floor`` the gate tightens.

    Tightening lowers the thresholds to ``thresholds`` (per level, never raising one) and/or
    requires ``require`` of every non-trivial change (anything but an empty or documentation-only
    change), whatever its level. ``on_error`` says what an unreachable or malformed source means:
    ``tighten`` (default: treat as below the floor), ``normal`` (apply the normal rules, stated in
    the output) or ``fail`` (the check fails until someone accepts the risk).
    """

    source: BudgetSource
    floor: float = 0.25
    thresholds: ThresholdSpec | None = None
    require: tuple[Validation, ...] = ()
    on_error: str = "tighten"


@dataclass(frozen=True)
class RiskAcceptance:
    """Who may accept the risk of a change (logins, or ``@org/team`` slugs) and at which levels."""

    allowed: tuple[str, ...] = ()
    levels: tuple[str, ...] = ("medium", "high", "critical")


@dataclass(frozen=True)
class Config:
    """The gate's configuration; ``Config()`` is what a repository without a file gets."""

    #: score -> level; ``None`` is the default gate: :data:`DEFAULT_PERCENTILES` of the repository's
    #: own history when it has :data:`DEFAULT_MIN_HISTORY` scored commits, the model's otherwise.
    thresholds: ThresholdSpec | None = None
    #: how many of the newest non-merge commits reachable from the base to score for percentiles.
    history_commits: int = DEFAULT_HISTORY_COMMITS
    #: CODEOWNERS-style patterns of paths left out of scoring and of code-owner validation.
    ignore: tuple[str, ...] = ()
    #: check conclusion per level when no required validation decides otherwise.
    conclusions: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CONCLUSIONS))
    #: validations required per level (:data:`DEFAULT_REQUIRE` for the levels the file leaves out).
    require: dict[str, tuple[Validation, ...]] = field(default_factory=lambda: dict(DEFAULT_REQUIRE))
    #: stricter thresholds for changes with explicit AI-authorship evidence.
    ai_authored: ThresholdSpec | None = None
    error_budget: ErrorBudget | None = None
    risk_acceptance: RiskAcceptance = field(default_factory=RiskAcceptance)
    #: where this configuration came from (a path, ``<base>:.github/mergeguard.yml``, or ``defaults``).
    source: str = "defaults"

    @property
    def uses_percentiles(self) -> bool:
        if self.thresholds is None:  # the default gate
            return True
        specs = [self.thresholds, self.ai_authored, self.error_budget.thresholds if self.error_budget else None]
        return any(s is not None and s.mode == "percentile" for s in specs)


DEFAULT_REQUIRE.update({
    "high": (Validation("codeowners"),),
    "critical": (Validation("codeowners"), Validation("rollout_note")),
})


# ----------------------------------------------------------------------------------------- loading


#: Limits on a configuration file (anyone who can push to a base branch writes it, and the App reads
#: it for every pull request): real ones are a few KB, a handful of levels deep, with few aliases.
MAX_CONFIG_BYTES = 65_536
MAX_DEPTH = 32
MAX_ALIASES = 50


def load_file(path: str | Path) -> Config:
    """Read and validate a configuration file; :class:`ConfigError` on any problem."""
    return loads(read_file(path), str(path))


def read_file(path: str | Path) -> str:
    """A configuration file's text, read no further than the cap; :class:`ConfigError` if unreadable."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)  # never more than the cap, whatever the file's size
    except OSError as exc:
        raise ConfigError([Problem(str(path), 0, 0, "", f"cannot read: {exc.strerror or exc}")]) from None
    return decode(data, str(path))


def decode(data: bytes, source: str) -> str:
    """A configuration's bytes as text (from a file, or a blob read from git at a revision);
    :class:`ConfigError` if they are not UTF-8 (a size past the cap is left to :func:`check`)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError([_too_large(source)]) from None
        raise ConfigError([Problem(source, 0, 0, "", "not UTF-8 text")]) from None


def _too_large(source: str) -> Problem:
    return Problem(source, 1, 1, "", f"larger than {MAX_CONFIG_BYTES:,} bytes, the limit for a configuration file")


def loads(text: str, source: str = CONFIG_PATH) -> Config:
    """Validate configuration ``text``; ``source`` names it in problems. Raises :class:`ConfigError`."""
    config, problems = check(text, source)
    if problems:
        raise ConfigError(problems)
    assert config is not None
    return config


def check(text: str, source: str = CONFIG_PATH) -> tuple[Config | None, list[Problem]]:
    """Every problem in ``text`` (empty list when valid) and the config when there are none.

    Hostile text ends as a problem with a location too: over :data:`MAX_CONFIG_BYTES`, nested
    deeper than :data:`MAX_DEPTH` (PyYAML's composer recurses, and would hit Python's recursion
    limit near 500 levels), more than :data:`MAX_ALIASES` aliases (a "billion laughs" document
    expands exponentially as it is walked), integers of more than 4,300 digits.
    """
    if len(text) > MAX_CONFIG_BYTES or len(text.encode("utf-8", "replace")) > MAX_CONFIG_BYTES:
        return None, [_too_large(source)]
    try:
        shape = _shape_problem(text, source)
        if shape is not None:
            return None, [shape]
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:  # not expected under MAX_DEPTH; never a traceback if it happens
        return None, [Problem(source, 0, 0, "", "invalid YAML: nested too deeply")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        return None, [Problem(source, (mark.line + 1) if mark else 0, (mark.column + 1) if mark else 0, "",
                              f"invalid YAML: {message}")]
    except yaml.YAMLError as exc:
        return None, [Problem(source, 0, 0, "", f"invalid YAML: {exc}")]
    reader = _Reader(source)
    config = reader.config(node)
    problems = sorted(reader.problems, key=lambda p: (p.line, p.column))  # file order reads best
    return (None if problems else config), problems


class _Mark(Protocol):
    """Where PyYAML saw something (its pure-Python and C marks both have these, 0-based)."""

    line: int
    column: int


def _line_column(mark: _Mark | None) -> tuple[int, int]:
    """1-based line and column of a PyYAML mark; 0, 0 where PyYAML kept none (its types allow that)."""
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def _shape_problem(text: str, source: str) -> Problem | None:
    """Depth and alias count from PyYAML's event stream (its parser keeps a stack, not recursion)."""
    depth = aliases = 0
    for ev in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return Problem(source, *_line_column(ev.start_mark), "", f"nested deeper than {MAX_DEPTH} levels")
        elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        elif isinstance(ev, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                return Problem(source, *_line_column(ev.start_mark), "", f"more than {MAX_ALIASES} aliases (*name)")
    return None


# -------------------------------------------------------------------------------------- validation

_TOP_KEYS = ("version", "thresholds", "history_commits", "ignore", "conclusions", "require", "ai_authored",
             "error_budget", "risk_acceptance")
_THRESHOLD_KEYS = ("mode", "medium", "high", "critical")
_VALIDATION_KINDS = ("codeowners", "approvals", "label", "rollout_note")
_BUDGET_KEYS = ("prometheus", "json", "floor", "tighten", "on_error")
_ON_ERROR = ("tighten", "normal", "fail")
_OWNER_RE = re.compile(r"^@?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)?$")


class _Reader:
    """Walks the YAML node tree (which keeps line and column) and collects every problem."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []
        self._constructor = yaml.constructor.SafeConstructor()
        #: nodes whose value could not be read -> index of that problem (None once a keyed one replaced it)
        self._unreadable: dict[int, int | None] = {}

    # -- primitives ---------------------------------------------------------------------------

    def problem(self, node: yaml.Node | None, path: str, message: str) -> None:
        mark = node.start_mark if node is not None else None
        first = self._unreadable.get(id(node)) if node is not None else None
        if node is not None and first is not None and path:
            # the generic "cannot read value" of this node gives way to the keyed problem, which says
            # what was expected; the reason it could not be read replaces "got nothing (null)"
            reason = self.problems[first].message.removeprefix("cannot read value: ")
            self.problems[first] = Problem(self.source, *_line_column(mark), path,
                                           message.replace("got nothing (null)", f"got {reason}"))
            self._unreadable[id(node)] = None
            return
        self.problems.append(Problem(self.source, *_line_column(mark), path, message))

    def value(self, node: yaml.Node) -> Any:
        """The plain Python value of a scalar node (``0.4``, ``'high'``, ``True``, ``None``)."""
        if id(node) in self._unreadable:
            return None
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as exc:
            # ValueError: int() of more than 4,300 digits (CPython's limit on str -> int)
            message = "a number with too many digits" if isinstance(exc, ValueError) else str(exc)[:200]
            self.problem(node, "", f"cannot read value: {message}")
            self._unreadable[id(node)] = len(self.problems) - 1
            self._constructor = yaml.constructor.SafeConstructor()  # a failed construction leaves state behind
            return None

    def got(self, node: yaml.Node) -> str:
        """How a node is described in "expected ..., got ..." messages."""
        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        if isinstance(node, yaml.SequenceNode):
            return "a list"
        value = self.value(node)
        if value is None:
            return "nothing (null)"
        if isinstance(value, str):
            return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def mapping(self, node: yaml.Node, path: str, allowed: tuple[str, ...]) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """``{key: (key node, value node)}``; unknown and duplicate keys are problems."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, path or "(top level)", f"expected a mapping, got {self.got(node)}")
            return {}
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            key_path = f"{path}.{key}" if path else str(key)
            if not isinstance(key, str):
                self.problem(key_node, path or "(top level)", f"keys must be names, got {self.got(key_node)}")
                continue
            if key in out:
                self.problem(key_node, key_path, "duplicate key (YAML would silently keep only the last one)")
                continue
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(allowed)}"
                self.problem(key_node, key_path, f"unknown key; {hint}")
                continue
            out[key] = (key_node, value_node)
        return out

    def sequence(self, node: yaml.Node, path: str) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        self.problem(node, path, f"expected a list, got {self.got(node)}")
        return []

    def number(self, node: yaml.Node, path: str, lo: float, hi: float, what: str,
               lo_open: bool = False, hi_open: bool = False) -> float | None:
        value: Any = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
              and (value > lo if lo_open else value >= lo) and (value < hi if hi_open else value <= hi))
        if not ok:
            self.problem(node, path, f"expected {what}, got {self.got(node)}")
            return None
        return float(value)

    def integer(self, node: yaml.Node, path: str, lo: int, hi: int) -> int | None:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not (isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi):
            self.problem(node, path, f"expected a whole number from {lo} to {hi}, got {self.got(node)}")
            return None
        return value

    def string(self, node: yaml.Node, path: str, *, choices: tuple[str, ...] | None = None,
               check: Callable[[str], str | None] | None = None) -> str | None:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or not value.strip():
            want = f"one of: {', '.join(choices)}" if choices else "a non-empty string"
            self.problem(node, path, f"expected {want}, got {self.got(node)}")
            return None
        if choices and value not in choices:
            close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            self.problem(node, path, f"expected one of: {', '.join(choices)}, got {value!r}{hint}")
            return None
        if check is not None:
            error = check(value)
            if error:
                self.problem(node, path, error)
                return None
        return value

    # -- sections -----------------------------------------------------------------------------

    def config(self, node: yaml.Node | None) -> Config:
        if node is None:  # an empty file: every default
            return Config(source=self.source)
        top = self.mapping(node, "", _TOP_KEYS)
        kwargs: dict[str, Any] = {"source": self.source}
        if "version" in top:
            version = self.value(top["version"][1]) if isinstance(top["version"][1], yaml.ScalarNode) else None
            if version != 1 or isinstance(version, bool):
                self.problem(top["version"][1], "version", f"expected 1, got {self.got(top['version'][1])}")
        if "thresholds" in top:
            kwargs["thresholds"] = self.thresholds(top["thresholds"][1], "thresholds")
        if "history_commits" in top:
            n = self.integer(top["history_commits"][1], "history_commits", 20, 100_000)
            if n is not None:
                kwargs["history_commits"] = n
        if "ignore" in top:
            kwargs["ignore"] = tuple(self.patterns(top["ignore"][1], "ignore"))
        if "conclusions" in top:
            kwargs["conclusions"] = self.conclusions(top["conclusions"][1], "conclusions")
        if "require" in top:
            kwargs["require"] = self.require(top["require"][1], "require")
        if "ai_authored" in top:
            ai = self.mapping(top["ai_authored"][1], "ai_authored", ("thresholds",))
            if "thresholds" in ai:
                kwargs["ai_authored"] = self.thresholds(ai["thresholds"][1], "ai_authored.thresholds")
            elif isinstance(top["ai_authored"][1], yaml.MappingNode):
                self.problem(top["ai_authored"][1], "ai_authored", "expected 'thresholds' (the stricter thresholds)")
        if "error_budget" in top:
            kwargs["error_budget"] = self.error_budget(top["error_budget"][1], "error_budget")
        if "risk_acceptance" in top:
            kwargs["risk_acceptance"] = self.risk_acceptance(top["risk_acceptance"][1], "risk_acceptance")
        return Config(**kwargs)

    def thresholds(self, node: yaml.Node, path: str) -> ThresholdSpec | None:
        m = self.mapping(node, path, _THRESHOLD_KEYS)
        if not isinstance(node, yaml.MappingNode):
            return None
        mode = "absolute"
        if "mode" in m:
            mode = self.string(m["mode"][1], f"{path}.mode", choices=("absolute", "percentile")) or "absolute"
        values: dict[str, float] = {}
        for level in THRESHOLD_LEVELS:
            if level not in m:
                continue
            if mode == "percentile":
                v = self.number(m[level][1], f"{path}.{level}", 0, 100, "a percentile between 0 and 100 (exclusive)",
                                lo_open=True, hi_open=True)
            else:
                v = self.number(m[level][1], f"{path}.{level}", 0, 1, "a number between 0 and 1")
            if v is not None:
                values[level] = v
        if not any(level in m for level in THRESHOLD_LEVELS):
            self.problem(node, path, "expected at least one of: medium, high, critical")
        given = [(level, values[level]) for level in THRESHOLD_LEVELS if level in values]
        if mode == "percentile" and given and all(v <= 1 for _, v in given):
            # probabilities written under `mode: percentile` (0.9 for 90): the gate would put nearly
            # every change at the top level and ask for action on each
            level, v = given[0]
            self.problem(m[level][1], f"{path}.{level}", f"percentiles run from 0 to 100 and {v:g} would flag nearly "
                         f"every change; did you mean {v * 100:g}?")
        for (low_name, low), (high_name, high) in itertools.pairwise(given):
            if low > high:
                self.problem(m[high_name][1], f"{path}.{high_name}",
                             f"must not be below {path}.{low_name} ({low:g}), got {high:g}")
        return ThresholdSpec(mode=mode, values=values)

    def patterns(self, node: yaml.Node, path: str) -> list[str]:
        from .codeowners import pattern_error

        out = []
        for i, item in enumerate(self.sequence(node, path)):
            value = self.string(item, f"{path}[{i}]", check=pattern_error)
            if value is not None:
                out.append(value.strip())
        return out

    def conclusions(self, node: yaml.Node, path: str) -> dict[str, str]:
        m = self.mapping(node, path, LEVELS)
        out = dict(DEFAULT_CONCLUSIONS)
        for level, (_, value_node) in m.items():
            value = self.string(value_node, f"{path}.{level}", choices=CONCLUSIONS)
            if value is not None:
                out[level] = value
        return out

    def require(self, node: yaml.Node, path: str) -> dict[str, tuple[Validation, ...]]:
        m = self.mapping(node, path, LEVELS)
        out = dict(DEFAULT_REQUIRE)
        out.update({level: tuple(self.validations(value_node, f"{path}.{level}")) for level, (_, value_node) in m.items()})
        return out

    def validations(self, node: yaml.Node, path: str) -> list[Validation]:
        out: list[Validation] = []
        for i, item in enumerate(self.sequence(node, path)):
            v = self.validation(item, f"{path}[{i}]")
            if v is not None:
                out.append(v)
        return out

    def validation(self, node: yaml.Node, path: str) -> Validation | None:
        """``codeowners`` | ``rollout_note`` | ``{approvals: N}`` | ``{label: NAME}`` | ``{rollout_note: {pattern: RE}}``."""
        if isinstance(node, yaml.ScalarNode):
            value = self.value(node)
            if value in ("approvals", "label"):
                example = "{approvals: 2}" if value == "approvals" else "{label: canary-planned}"
                self.problem(node, path, f"'{value}' needs a value, e.g. {example}")
                return None
            kind = self.string(node, path, choices=("codeowners", "rollout_note"))
            return Validation(kind) if kind else None
        m = self.mapping(node, path, _VALIDATION_KINDS)
        if not isinstance(node, yaml.MappingNode):
            return None
        if len(node.value) != 1:
            self.problem(node, path, f"expected exactly one validation per list item, got {len(node.value)} keys")
            return None
        if not m:
            return None
        kind, (_, value_node) = next(iter(m.items()))
        sub = f"{path}.{kind}"
        if kind == "approvals":
            n = self.integer(value_node, sub, 1, 50)
            return Validation("approvals", count=n) if n is not None else None
        if kind == "label":
            name = self.string(value_node, sub)
            return Validation("label", name=name.strip()) if name else None
        if kind == "codeowners":
            value = self.value(value_node) if isinstance(value_node, yaml.ScalarNode) else None
            if value is not True:
                self.problem(value_node, sub, f"expected true (or write just 'codeowners'), got {self.got(value_node)}")
                return None
            return Validation("codeowners")
        # rollout_note
        if isinstance(value_node, yaml.ScalarNode) and self.value(value_node) is True:
            return Validation("rollout_note")
        opts = self.mapping(value_node, sub, ("pattern",))
        if "pattern" not in opts:
            if isinstance(value_node, yaml.MappingNode):
                self.problem(value_node, sub, "expected 'pattern' (a regular expression)")
            return None
        pattern = self.string(opts["pattern"][1], f"{sub}.pattern", check=_regex_error)
        return Validation("rollout_note", pattern=pattern) if pattern else None

    def error_budget(self, node: yaml.Node, path: str) -> ErrorBudget | None:
        m = self.mapping(node, path, _BUDGET_KEYS)
        if not isinstance(node, yaml.MappingNode):
            return None
        sources = [k for k in ("prometheus", "json") if k in m]
        source: BudgetSource | None = None
        if len(sources) != 1:
            self.problem(node, path, "expected exactly one source: 'prometheus' or 'json'"
                         + (", got both" if len(sources) > 1 else ""))
        elif sources[0] == "prometheus":
            source = self.prometheus(m["prometheus"][1], f"{path}.prometheus")
        else:
            source = self.json_source(m["json"][1], f"{path}.json")
        floor = 0.25
        if "floor" in m:
            floor = self.number(m["floor"][1], f"{path}.floor", 0, 1, "a fraction between 0 and 1") or floor
        thresholds: ThresholdSpec | None = None
        require: tuple[Validation, ...] = ()
        if "tighten" in m:
            t = self.mapping(m["tighten"][1], f"{path}.tighten", ("thresholds", "require"))
            if "thresholds" in t:
                thresholds = self.thresholds(t["thresholds"][1], f"{path}.tighten.thresholds")
            if "require" in t:
                require = tuple(self.validations(t["require"][1], f"{path}.tighten.require"))
            if isinstance(m["tighten"][1], yaml.MappingNode) and not t:
                self.problem(m["tighten"][1], f"{path}.tighten", "expected 'thresholds' and/or 'require'")
        else:
            self.problem(node, path, "expected 'tighten' (lower thresholds and/or validations required below the floor)")
        on_error = "tighten"
        if "on_error" in m:
            on_error = self.string(m["on_error"][1], f"{path}.on_error", choices=_ON_ERROR) or on_error
        if source is None:
            return None
        return ErrorBudget(source=source, floor=floor, thresholds=thresholds, require=require, on_error=on_error)

    def prometheus(self, node: yaml.Node, path: str) -> BudgetSource | None:
        m = self.mapping(node, path, ("url", "query", "timeout"))
        if not isinstance(node, yaml.MappingNode):
            return None
        for key in ("url", "query"):
            if key not in m:
                self.problem(node, path, f"missing '{key}'")
        url = self.string(m["url"][1], f"{path}.url", check=_url_error) if "url" in m else None
        query = self.string(m["query"][1], f"{path}.query") if "query" in m else None
        timeout = self.timeout(m, path)
        if url is None or query is None:
            return None
        return BudgetSource("prometheus", url=url.rstrip("/"), query=query, timeout=timeout)

    def json_source(self, node: yaml.Node, path: str) -> BudgetSource | None:
        m = self.mapping(node, path, ("url", "file", "field", "timeout"))
        if not isinstance(node, yaml.MappingNode):
            return None
        where = [k for k in ("url", "file") if k in m]
        if len(where) != 1:
            self.problem(node, path, "expected exactly one of 'url' or 'file'")
        url = self.string(m["url"][1], f"{path}.url", check=_url_error) if "url" in m else None
        file = self.string(m["file"][1], f"{path}.file") if "file" in m else None
        fld = "remaining"
        if "field" in m:
            fld = self.string(m["field"][1], f"{path}.field", check=_field_error) or fld
        timeout = self.timeout(m, path)
        if len(where) != 1 or (url is None and file is None):
            return None
        return BudgetSource("json", url=url, file=file, field=fld, timeout=timeout)

    def timeout(self, m: dict[str, tuple[yaml.Node, yaml.Node]], path: str) -> float:
        if "timeout" not in m:
            return DEFAULT_TIMEOUT
        t = self.number(m["timeout"][1], f"{path}.timeout", 0, 60, "seconds, more than 0 and at most 60", lo_open=True)
        return t if t is not None else DEFAULT_TIMEOUT

    def risk_acceptance(self, node: yaml.Node, path: str) -> RiskAcceptance:
        m = self.mapping(node, path, ("allowed", "levels"))
        allowed: list[str] = []
        if "allowed" in m:
            for i, item in enumerate(self.sequence(m["allowed"][1], f"{path}.allowed")):
                who = self.string(item, f"{path}.allowed[{i}]", check=_owner_error)
                if who:
                    allowed.append(who.strip())
        levels = RiskAcceptance().levels
        if "levels" in m:
            got = []
            for i, item in enumerate(self.sequence(m["levels"][1], f"{path}.levels")):
                level = self.string(item, f"{path}.levels[{i}]", choices=LEVELS)
                if level:
                    got.append(level)
            levels = tuple(got)
        return RiskAcceptance(allowed=tuple(allowed), levels=levels)


def _regex_error(value: str) -> str | None:
    try:
        re.compile(value)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    return linear_re.error(value)


def _url_error(value: str) -> str | None:
    # whitespace or a control character anywhere: no URL has one, and the URL is shown in notes and reports
    if not re.match(r"^https?://[^\s/]+", value) or any(c.isspace() or not c.isprintable() for c in value):
        return f"expected an http:// or https:// URL, got {value!r}"
    return None


def _field_error(value: str) -> str | None:
    if any(not part for part in value.split(".")):
        return f"expected a dotted field path such as 'slo.remaining', got {value!r}"
    return None


def _owner_error(value: str) -> str | None:
    if not _OWNER_RE.match(value.strip()):
        return f"expected a GitHub login or @org/team, got {value!r}"
    return None
