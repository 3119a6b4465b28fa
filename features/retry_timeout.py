"""Retry and timeout changes: what a change adds, removes or alters in how code retries and waits.

Each touched code file's pre- and post-image is scanned by its language's scanner
(``features.resilience.<language>.scan``) and the two scans are compared by ``Construct.key``
(kind, scope, library, target), falling back to the nearest construct of the same kind and library
when a scope was renamed. Only constructs on lines the change touched, or inside a function the
change touched, are judged, so old code the change did not touch never fires. Anti-patterns are
reported only when the change introduces them. See ``docs/retry_timeout.md``.
"""

from __future__ import annotations

import copy
import importlib
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from typing import Any

from mergeguard import languages, paths
from mergeguard.assessment import Finding, Severity, new_line
from mergeguard.change import Change, FileChange
from mergeguard.features import Context, Extraction, syntax
from mergeguard.features.contract import DetectorSpec, failures, record_failure, record_failures
from mergeguard.features.resilience import (COMPUTED, INFINITE, Construct, Scan, data, defaults, durations, hooks_of,
                                           policy_functions, renames, settings)

FEATURES: list[str] = [
    "retry_added", "retry_removed", "retry_changed", "timeout_added", "timeout_removed", "timeout_changed",
    "retry_antipatterns", "timeout_antipatterns", "timeout_missing_calls", "max_timeout_ratio",
    "files_with_resilience_code",
]

#: scanner module per tree-sitter language, from the language registry
_SCANNERS = {lang.name: lang.resilience_scanner for lang in languages.REGISTRY if lang.resilience_scanner}
_SEVERITY = {
    "retry.added": "info", "retry.changed": "info", "retry.removed": "warning", "timeout.added": "info",
    "timeout.changed": "info", "timeout.removed": "warning", "retry.without_backoff": "warning",
    "retry.without_limit": "error", "retry.nested": "warning", "retry.non_idempotent": "error",
    "timeout.missing": "warning", "timeout.unbounded": "error", "timeout.increased": "warning",
}
#: what this detector owns (``features.contract``)
SPEC = DetectorSpec("retry_timeout", tuple(FEATURES), finding_kinds=tuple(_SEVERITY), signals=("retry", "timeout"))

#: build scripts: how long a build waits is not how the product behaves
_BUILD_SCRIPTS = (".gradle.kts",)


#: folders of code that does not run in production: test helpers, fakes, examples, benchmarks (JMH's
#: ``src/jmh/java`` source set too), the code of documentation pages (``docs_src/``), maintainers'
#: scripts, CI workflows and actions (``.github/``), the servers a test suite starts (``dummyserver/``,
#: ``mock_server/``)
_NOT_PRODUCTION = re.compile(r"(^|/)([^/]*[_.-])?(tests?|testutils?|testing|testdata|fakes?|mocks?|stubs?|examples?"
                             r"|samples?|benchmarks?|jmh|interop|e2e|docs?|scripts?)([_.-][^/]*)?/|(^|/)\.github/"
                             r"|(^|/)(dummy|mock|fake|test)[_-]?servers?/", re.I)


#: test and benchmark tooling known by its file name wherever it sits: test-runner configuration
#: (``.mocharc.js``, ``jest.config.ts``), JS/TS test utilities (``utils/test.util.ts``, ``test-helpers.js``),
#: JS/TS benchmark scripts (``packages/pg/bench-pipelining.js``), camel-cased test folders
#: (``testHelpers/``, ``testProjects/``), build tool configuration (``gulpfile.js``, ``webpack.config.js``),
#: manual-testing sandboxes (``sandbox/``, ``playground/``), CI configuration (``.circleci/``) and Python's
#: build and task runners at the root (``noxfile.py``, ``setup.py``)
_TOOLING = re.compile(r"(^|/)(\.mocharc[^/]*|(jest|vitest|karma|ava|wdio|playwright)\.conf(ig)?\.[^/]*"
                      r"|test[-_.]?(utils?|helpers?|setup)\.[cm]?[jt]sx?|bench(mark)?s?([-_.][^/]*)?\.[cm]?[jt]s"
                      r"|([Gg]ulpfile|[Gg]runtfile|(webpack|rollup|vite|esbuild|babel|tsup)\.config)\.[cm]?[jt]s"
                      r"|tests?[A-Z]\w*/|sandbox/|playground/|\.circleci/)"
                      r"|^(noxfile|fabfile|toxfile|setup)\.py$")


def _generated(path: str) -> bool:
    """Built, vendored (the one generated-file rule, ``paths.is_generated``), or not production code:
    what it does to retries and timeouts is no change to how the product behaves
    (``internal/testutils/``, ``examples/``, ``benchmarks/``)."""
    return paths.is_generated(path) or path.endswith(_BUILD_SCRIPTS) or bool(_NOT_PRODUCTION.search(path)) \
        or bool(_TOOLING.search(path))


def _skipped_by_name(f: FileChange) -> bool:
    """:func:`_generated` by the file's name, and for a rename skipped by its base name too (a test
    moved into a testing-support module stays out of view): a change that moves hand-written production
    code to ``vendor/`` or ``examples/`` does not take its own edits out of view."""
    return _generated(f.path) and (not f.old_path or _generated(f.old_path) or not paths.is_code(f.old_path))


def scanner(language: str):
    """The scanner module for a language, or None when there is none (or it fails to import)."""
    name = _SCANNERS.get(language)
    if name is None:
        return None
    try:
        return importlib.import_module(f"mergeguard.features.resilience.{name}")
    except ImportError:
        return None


def finding(kind: str, path: str, line: int, end_line: int, message: str, scope: str = "") -> Finding:
    return Finding(kind, path, line, end_line, Severity.parse(_SEVERITY[kind]), message, scope=scope)


def fmt_seconds(v: float | None) -> str:
    if v is None:
        return "a value set at run time"
    if v == INFINITE:
        return "none (unbounded)"
    if v < 1:
        return f"{v * 1000:g}ms"
    if v >= 120 and v % 60 == 0:
        return f"{v:g}s = {v / 60:g}min"
    return f"{v:g}s"


def fmt_attempts(v: float | None) -> str:
    return "bounded/unknown" if v is None else ("unlimited" if v == INFINITE else f"{v:g}")


def fmt_value(c: Construct) -> str:
    """A setting's value as the code wrote it, with its normalised unit: ``60_000 (60s)``."""
    if c.kind == "timeout" and c.seconds == INFINITE:
        return f"{c.value} (no timeout)"
    if c.kind == "timeout" and c.seconds is not None:
        return f"{c.value} ({fmt_seconds(c.seconds)})"
    if c.kind == "retry" and c.duration is not None:  # a delay between attempts, in certain units
        return f"{c.value} ({fmt_seconds(c.duration)})"
    if c.kind == "retry" and c.attempts is not None and c.attempts != INFINITE:
        return f"{c.value} ({c.attempts:g} attempts)"
    return c.value


def describe(c: Construct) -> str:
    """One phrase with the values: 'tenacity retry (5 attempts, exponential)', 'timeout 5s',
    'keepAliveTimeout 60_000 (60s)'."""
    if c.library == "setting":
        return f"{c.kind} setting {c.target} {fmt_value(c)}"
    if c.library == policy_functions.LIBRARY:
        return f"{c.kind} policy function {c.target}"
    if c.kind == "retry":
        bits = [f"{fmt_attempts(c.attempts)} attempts"]
        if c.backoff:
            bits.append("no backoff" if c.backoff == "none" else f"{c.backoff} backoff")
        where = f" around {c.target}" if c.target else ""
        return f"{c.library} retry{where} ({', '.join(bits)})"
    if c.seconds is None:
        return f"{c.library} timeout{' ' + c.target if c.target else ''} (set at run time)"
    return f"{c.library} timeout{' ' + c.target if c.target else ''} = {fmt_seconds(c.seconds)}"


def _safe_scan(module, src: syntax.Source | None, change: Change | None = None) -> Scan | None:
    """:func:`_scan_image`, once per image in a process (``syntax.image_memo``: the scan is a pure
    function of the image, and a batch of commits meets each image about twice). The failures it
    recorded are recorded again on every change that meets the image; callers get their own copy."""
    if module is None or src is None or change is None:
        return _scan_image(module, src, change)
    computed = False

    def scan() -> tuple[Scan | None, list[tuple[str, str | None, str]]]:
        nonlocal computed
        computed, before = True, len(failures(change))
        found = _scan_image(module, src, change)
        return (_copy_scan(found) if found is not None else None), failures(change)[before:]

    cached, failed = syntax.image_memo(src, ("retry_timeout.scan", module.__name__), scan)
    if not computed:  # a hit: the failures the scan recorded are this change's too
        record_failures(change, failed)
    return _copy_scan(cached) if cached is not None else None


def _copy_scan(found: Scan) -> Scan:
    """A copy whose lists the caller may change without changing the cached scan."""
    return replace(found, **{f.name: copy.copy(getattr(found, f.name)) for f in fields(found)})


class _Spans:
    """Whether some construct of a kind spans a line: per kind, the spans sorted by first line with the
    furthest last line reached so far, so that a line is answered by one search."""

    def __init__(self, constructs: Iterable[Construct]) -> None:
        spans: dict[str, list[tuple[int, int]]] = {}
        for k in constructs:
            spans.setdefault(k.kind, []).append((k.line, k.end_line))
        self.starts: dict[str, list[int]] = {}
        self.reach: dict[str, list[int]] = {}
        for kind, pairs in spans.items():
            pairs.sort()
            self.starts[kind] = [a for a, _ in pairs]
            reach, furthest = [], -1
            for _, b in pairs:
                furthest = max(furthest, b)
                reach.append(furthest)
            self.reach[kind] = reach

    def covers(self, kind: str, line: int) -> bool:
        k = bisect_right(self.starts.get(kind, []), line) - 1
        return k >= 0 and self.reach[kind][k] >= line


def _scan_image(module, src: syntax.Source | None, change: Change | None = None) -> Scan | None:
    """The language scanner's constructs plus the settings it does not already cover (a setting on a
    line a library construct spans is the same thing seen twice). A scanner that raises degrades
    that file, never the assessment, and is recorded (``contract.record_failure``), not swallowed."""
    if module is None or src is None:
        return None
    try:
        found = module.scan(src)
    except Exception as exc:  # noqa: BLE001 - a scanner bug on odd code degrades that file, never the assessment
        if change is not None:
            record_failure(change, SPEC.name, src.path, exc)
        return None
    try:
        extra = settings.scan(src).constructs
    except Exception as exc:  # noqa: BLE001 - same: the library constructs still count
        if change is not None:
            record_failure(change, SPEC.name, src.path, exc)
        extra = []
    hooks = hooks_of(module)
    keeps = hooks.keeps_setting  # a language's own "this binding is no setting"
    if keeps is not None:
        extra = [c for c in extra if keeps(src, c)]
    recast = hooks.recast_setting  # a language's own "this setting is of the other kind"
    if recast is not None:
        extra = [recast(src, c) for c in extra]
    kept: list[Construct] = []
    # settings by kind, sorted by line, and the library constructs' spans by kind: each question below
    # is a search of these, not a scan of every setting for each construct (and every construct for
    # each setting), which was quadratic: 4,000 waits with a ``timeout=`` each took 40 M comparisons
    lines_of: dict[str, list[tuple[int, int]]] = {}
    for j, c in enumerate(extra):
        lines_of.setdefault(c.kind, []).append((c.line, j))
    for by_line in lines_of.values():
        by_line.sort()
    several: set[int] = set()  # timeout constructs that build a policy of several settings
    twice: set[int] = set()  # the settings such a construct is valued by
    for i, lib in enumerate(found.constructs):
        by_line = lines_of.get(lib.kind, [])
        lo = bisect_left(by_line, (lib.line, -1))
        hi = bisect_left(by_line, (lib.end_line + 1, -1))
        if hi - lo > 1 and lib.kind == "timeout" and lib.library != policy_functions.LIBRARY:
            several.add(i)
            twice.update(j for _, j in by_line[lo:hi] if extra[j].seconds == lib.seconds)
        if hi > lo and lib.kind == "retry" and not lib.value and lib.library != policy_functions.LIBRARY:
            # a retry library's construct is valued by its attempts and backoff only: the other parts of
            # the same policy on its lines (``Retry(total=3, backoff_factor=0.3, status_forcelist=[502])``,
            # got's ``retry: {limit: 2, methods: ['GET']}``) become its written value, so a change to them
            # is seen, once, at the construct (the settings themselves stay covered by it, below)
            parts = sorted(f"{extra[j].target}={settings.normalise(extra[j].value)}" for _, j in by_line[lo:hi])
            found.constructs[i] = replace(lib, value=POLICY_TEXT + ", ".join(parts))
        if hi - lo == 1 and lib.kind == "timeout" and not lib.value and (
                lib.seconds is None or extra[by_line[lo][1]].seconds == lib.seconds):
            inside = extra[by_line[lo][1]]
            # how the code wrote it, for messages; and its value when the library scanner could not
            # fold it (``timeout: Number(options.pluginTimeout) || 10000``)
            found.constructs[i] = replace(lib, value=inside.value,
                                          seconds=lib.seconds if lib.seconds is not None else inside.seconds)
    # a policy function spans a whole body: the settings in it are still their own; so are the parts of
    # a policy object the library scanner values as one number (``ClientTimeout(total=300,
    # sock_connect=30)`` is 300 s however long a connect may take: its ``sock_connect`` changing is a
    # change); a binding the construct is valued by (``timeout=5`` of ``requests.get``) is not counted twice
    spans = _Spans(k for i, k in enumerate(found.constructs)
                   if k.library != policy_functions.LIBRARY and i not in several)
    for j, c in enumerate(extra):
        if not spans.covers(c.kind, c.line) and j not in twice:
            kept.append(c)
    found.constructs.extend(kept)
    return found


def _pair(pre: list[Construct], post: list[Construct], shift) -> tuple[list, list, list]:
    """(pairs, only_pre, only_post): by key first, then nearest line within the same kind+library.

    By key: of the pre-image constructs left under the key, the first with the same value, seconds
    and attempts, else the first. By line: of those left of the same kind and library (a setting only
    with a target :func:`_same_thing` accepts), the one whose line, shifted to the post-image, is
    nearest, the first of equals, and only within 10 lines. Both read indexes (by key, by key and
    value, by shifted line) with the taken constructs skipped, instead of a scan of every construct
    left for each one: a file of 4,000 retry loops whose functions were all renamed took 8 M distance
    computations (15 s). Same pairs as the scan: ``tests/test_hostile_cost.py`` compares them."""
    taken: set[int] = set()  # positions in ``pre``
    by_key: dict[Any, list[int]] = {}
    by_value: dict[Any, list[int]] = {}
    for i, p in enumerate(pre):
        by_key.setdefault(p.key, []).append(i)
        by_value.setdefault((p.key, p.value, p.seconds, p.attempts), []).append(i)

    heads: dict[int, int] = {}  # id of an index list -> where its first position not taken may be

    def first_left(positions: list[int] | None) -> int | None:
        if not positions:
            return None
        k = heads.get(id(positions), 0)
        while k < len(positions) and positions[k] in taken:
            k += 1
        heads[id(positions)] = k
        return positions[k] if k < len(positions) else None

    pairs: list[tuple[Construct, Construct]] = []
    rest: list[Construct] = []
    for c in post:
        m = first_left(by_value.get((c.key, c.value, c.seconds, c.attempts)))
        if m is None:
            m = first_left(by_key.get(c.key))
        if m is not None:
            taken.add(m)
            pairs.append((pre[m], c))
        else:
            rest.append(c)
    by_line: dict[tuple[str, str, int], list[int]] = {}
    if rest:
        for i, p in enumerate(pre):
            if i not in taken:
                by_line.setdefault((p.kind, p.library, shift(p.line)), []).append(i)
    only_post = []
    for c in rest:
        m = None
        for distance in range(11):
            for line in {c.line - distance, c.line + distance}:
                bucket = by_line.get((c.kind, c.library, line))
                if first_left(bucket) is None:
                    continue
                assert bucket is not None
                for k in range(heads[id(bucket)], len(bucket)):
                    i = bucket[k]
                    if i in taken or (c.library == "setting" and not _same_thing(pre[i].target, c.target)):
                        continue  # pluginTimeout is not requestTimeout
                    if m is None or i < m:
                        m = i
                    break
            if m is not None:
                break
        if m is not None:
            taken.add(m)
            pairs.append((pre[m], c))
        else:
            only_post.append(c)
    return pairs, [p for i, p in enumerate(pre) if i not in taken], only_post


#: a value that is a name (``self.DEFAULT_MAX_RETRIES``, ``Defaults.RETRIES``), valued through what it names
_NAMED = re.compile(r"[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*")


def _differs(a: Construct, b: Construct) -> list[str]:
    out: list[str] = []
    if a.library == "setting" and b.library == "setting":
        # compared by what the values mean where both durations are certain (``durations``), as written
        # otherwise: ``2 * 1000`` -> ``2000`` is no change, ``RETRY_DELAY_MS = 500`` -> ``RETRY_DELAY = 500``
        # (Python: 500 ms became 500 s) is one
        known = a.duration is not None and b.duration is not None
        if known and durations.same(a.duration, b.duration):
            return out
        if durations.declares_duration(a.target, a.value) and durations.declares_duration(b.target, b.value):
            return out  # a field re-typed to carry its unit (``XMillis int64`` -> ``X time.Duration``)
        if settings.same_members(a.value, b.value):
            return out  # (socket.timeout, ConnectionResetError) reordered: the same failures retried
        if a.kind == "retry" and a.attempts is not None and a.attempts == b.attempts and (
                _NAMED.fullmatch(a.value) or _NAMED.fullmatch(b.value)):
            return out  # ``3`` -> ``self.DEFAULT_MAX_RETRIES`` (= 3): a count given a name, read through it
        if known or settings.normalise(a.value) != settings.normalise(b.value) and (
                a.kind == "retry" or a.seconds != b.seconds or a.seconds is None):
            text = f"{b.target} {fmt_value(a)} → {fmt_value(b)}"
            if a.kind == "timeout" and a.seconds and b.seconds and INFINITE not in (a.seconds, b.seconds):
                text += f" ({b.seconds / a.seconds:.3g}x)"
            out.append(text)
        return out
    if a.library == b.library == policy_functions.LIBRARY:  # its code, without comments and layout
        return [f"the code of {b.target} changed"] if a.value != b.value else []
    if a.kind == "retry":
        if a.attempts != b.attempts:
            out.append(f"attempts {fmt_attempts(a.attempts)} → {fmt_attempts(b.attempts)}")
        if a.backoff != b.backoff:
            out.append(f"backoff {a.backoff or 'unknown'} → {b.backoff or 'unknown'}")
        if a.jitter != b.jitter and a.jitter is not None and b.jitter is not None:
            out.append(f"jitter {'on' if a.jitter else 'off'} → {'on' if b.jitter else 'off'}")
        if a.method != b.method and not (a.library == b.library == "loop" and None in (a.method, b.method)):
            # a hand-written loop's method is read off the call in its body: one whose operation became a
            # parameter (``withRetries(() -> store.put(blob))``) retries what it did, as its digest says
            out.append(f"method {a.method or 'any'} → {b.method or 'any'}")
        # a construct valued by its decisions (loops; JS timers that try again): "#" + their digest
        # (go: retry.Do(f, retry.Delay(d)) given another delay is a non-loop construct valued so too)
        if not out and a.library == b.library and a.value[:1] == b.value[:1] == "#" and a.value != b.value:
            out.append("what the loop decides changed (when it stops, waits or tries again)" if a.library == "loop"
                       else "what it decides changed (its options: when it stops, waits or tries again)")
        written = [v for v in (a.value, b.value) if v]  # the policy as written on one side or both
        if not out and a.library == b.library and a.value != b.value and written and all(
                v.startswith(POLICY_TEXT) for v in written):
            out.append(f"{b.target or b.library} {a.value or 'set'} → {b.value or 'set'}")
        if not out and a.library == b.library and a.library in _VALUED_RETRIES and (
                _computed_otherwise(a.value, b.value) if a.library == COMPUTED
                else settings.normalise(a.value) != settings.normalise(b.value)):  # java/kotlin: a policy as written
            out.append(f"{b.target} {a.value or 'set'} → {b.value or 'set'}")
    elif _other_setter(a.target, b.target):
        # java/kotlin/csharp: paired by place, but another timeout is set now (setSocketTimeout(t) ->
        # setConnectTimeout(t)): the value waits for something else
        out.append(f"{a.target} → {b.target}")
    elif a.seconds is None and b.seconds is None and a.value and b.value and _computed_otherwise(a.value, b.value):
        # both known only at run time, computed from something else now (``m.config.TCPTimeout`` ->
        # ``deadline.Sub(time.Now())``); read through another object (``p.cfg.X`` -> ``p.opt.X``) is the same
        out.append(f"timeout {a.value} → {b.value}")
    elif a.seconds != b.seconds:
        if a.value and b.value:  # the values as written, when a setting on the same line gave them
            text = f"timeout {fmt_value(a)} → {fmt_value(b)}"
        else:
            text = f"timeout {fmt_seconds(a.seconds)} → {fmt_seconds(b.seconds)}"
        if a.seconds and b.seconds and INFINITE not in (a.seconds, b.seconds):
            text += f" ({b.seconds / a.seconds:.3g}x)"
        out.append(text)
    return out


_JVM_SETTER = re.compile(r"^set(?=[A-Z])")


def _other_setter(a: str, b: str) -> bool:
    """Two JVM/C# timeout setters that set different timeouts (``setSocketTimeout`` / ``setConnectTimeout``),
    not one renamed (``setReadTimeout`` / ``setReadTimeoutMillis``)."""
    if a == b or not (_JVM_SETTER.match(a) and _JVM_SETTER.match(b)):
        return False
    x, y = _JVM_SETTER.sub("", a), _JVM_SETTER.sub("", b)
    return settings.classify(x) == settings.classify(y) == "timeout" and not _same_thing(x, y)


#: how a retry library construct's value starts when it lists the settings on its lines
POLICY_TEXT = "with "

#: retry constructs valued by their policy as written (the JVM scanners: a strategy object handed to a
#: client, a ``@Retryable`` annotation's arguments, a ``@Value`` default): other arguments are another policy
_VALUED_RETRIES = frozenset({"retry strategy", "spring-retry", "spring.Value", "property", "retried set", COMPUTED})

_BODY = re.compile(r"[{};]|=>|\bfunction\b")
#: the digest ``settings.bounded`` writes in place of a long value's end (`` … #`` and 12 hex digits)
_DIGEST = re.compile(r" … #([0-9a-f]{12})\b")


def _computed_otherwise(a: str, b: str) -> bool:
    """Whether two run-time timeout values are computed from different things: their retry/timeout names,
    operators and numbers differ (``m.config.TCPTimeout`` -> ``deadline.Sub(time.Now())``), beyond a
    renamed local (``connectTimeout`` -> ``connectTimeoutValue``), a helper or a receiver."""
    if any(_BODY.search(v) for v in (a, b)):
        return False  # a handler's code kept as its value (JavaScript's timeout events): not a value
    # a long value is shown as its start and a digest of the whole (``settings.bounded``): the digest is
    # no name to be renamed, so it is set aside, and two values whose starts read alike but whose
    # digests differ changed past the start, where what changed cannot be read: a change
    da, db = _DIGEST.findall(a), _DIGEST.findall(b)
    ta, tb = _deciding_part(_tokens(_DIGEST.sub(" ", a))), _deciding_part(_tokens(_DIGEST.sub(" ", b)))
    if ta == tb:
        return da != db
    if len(ta - tb) == 1 and len(tb - ta) == 1:
        (x,), (y,) = ta - tb, tb - ta
        return not (_is_name(x) and _is_name(y) and _same_thing(x, y))
    return True


def content(c: Construct) -> tuple:
    """What a construct is, wherever it sits: a moved or re-indented construct has the same content."""
    if c.library == "setting":  # a setting ported to another language keeps its name and value
        return (c.kind, "setting", c.target, settings.normalise(c.value).rstrip(";"))
    if c.library == policy_functions.LIBRARY and "/" in c.target:  # java/kotlin/csharp: Class.method/arity
        return (c.kind, c.library, c.target.rsplit(".", 1)[-1], c.value)  # moved to another class: same code
    return (c.kind, c.library, c.target, settings.normalise(c.value), c.attempts, c.backoff, c.seconds, c.method,
            settings.normalise(c.snippet))


def _shift_fn(f: FileChange):
    """Map a pre-image line to the post image (approximately), for the nearest-line fallback."""
    def shift(line: int) -> int:
        delta = 0
        for h in f.hunks:
            if h.source_start + h.source_length <= line:
                delta = (h.target_start + h.target_length) - (h.source_start + h.source_length)
        return line + delta
    return shift


#: timeout libraries whose value is an option declared or forwarded, not a wait applied to a call:
#: a setting (``settings``), a config table entry (Python ``config``), a keyword of the code's own
#: function (Python ``call``)
_DECLARED = frozenset({"setting", "config", "call"})


def _antipatterns(c: Construct, before: Construct | None) -> list[tuple[str, str]]:
    out = []
    if c.kind == "retry":
        # one finding per loop: one that now never gives up is reported as that (the worse of the two),
        # and says whether it also goes round at once, rather than twice on the same line
        unlimited = c.attempts == INFINITE and (before is None or before.attempts != INFINITE)
        if c.backoff == "none" and (before is None or before.backoff != "none") and not unlimited:
            out.append(("retry.without_backoff", f"{describe(c)} retries immediately, with no delay between attempts"))
        if unlimited:
            out.append(("retry.without_limit", f"{describe(c)} never gives up"
                        + (", and retries with no delay between attempts" if c.backoff == "none" else "")))
        if c.method in ("POST", "PATCH") and not c.idempotency_key and (
                before is None or before.method != c.method or before.idempotency_key):
            out.append(("retry.non_idempotent",
                        f"{describe(c)} retries a {c.method} without an Idempotency-Key: a retry can apply it twice"))
    else:
        # a new option whose value is "none" keeps what the code did before it existed; a setting
        # turned from a bound to "none" drops one. The same holds for an option the change declares
        # in a config table with no default ("config") and for a timeout keyword it forwards, as none,
        # to the code's own function ("call"): what none means there is that code's choice (often
        # "use the default"), not a wait the change sets
        new_setting = before is None and c.library in _DECLARED
        if c.seconds == INFINITE and not new_setting and (before is None or before.seconds != INFINITE):
            out.append(("timeout.unbounded", f"{describe(c)}: the call can wait forever"))
        if (before is not None and before.seconds and c.seconds and before.seconds != INFINITE
                and c.seconds != INFINITE and c.seconds / before.seconds >= 5):
            was, now = ((fmt_value(before), fmt_value(c)) if before.value and c.value
                        else (fmt_seconds(before.seconds), fmt_seconds(c.seconds)))
            out.append(("timeout.increased", f"{c.target or 'timeout'} raised from {was} to {now} "
                                             f"({c.seconds / before.seconds:.3g}x): a stalled call now holds "
                                             "its caller that much longer"))
    return out


@dataclass
class _FileScan:
    """One touched file's comparison, before moves across files are taken out."""

    f: FileChange
    post: Scan
    added_lines: set[int]
    post_scopes: set[str]
    pairs: list[tuple[Construct, Construct]]
    only_pre: list[Construct]
    only_post: list[Construct]
    #: functions of each image by qualname: a construct in a function the other image lacks is new code
    functions: dict[str, set[str]] = field(default_factory=dict)
    #: the pre-image's scan: whether a retry already called a retrying function (``retry.nested``)
    pre: Scan = field(default_factory=Scan)
    #: the file's parsed images, before and after (None for a side it lacks)
    sources: tuple[syntax.Source | None, syntax.Source | None] = (None, None)



def _runs_own_policy(outer: Construct, inner: Construct) -> bool:
    """Whether a retry policy object runs its own loop rather than a retry nested in it: a retry
    library's decorator builds ``Retrying(...)`` and calls ``r.call(f)``, whose attempts are the loop of
    ``Retrying.call`` itself (one retry, not two). The inner loop is a method of a retry-named class
    the outer construct builds by name, and the outer is that policy object, not a hand-written loop
    or a recursion (a loop that builds a retrying client and calls it does stack two retries)."""
    if outer.library in ("loop", "recursion") or "." not in inner.scope:
        return False
    owner = inner.scope.rsplit(".", 2)[-2]
    return owner[:1].isupper() and settings.classify(owner) == "retry" and owner in outer.calls

def extract(change: Change, context: Context) -> Extraction:
    cache = syntax.syntax_of(change)
    findings: list[Finding] = []
    counts = dict.fromkeys(FEATURES, 0.0)
    retry_sig: dict[str, list] = {"added": [], "removed": [], "modified": []}
    timeout_sig: dict[str, list] = {"added": [], "removed": [], "modified": [], "missing": []}
    scanned: list[_FileScan] = []
    unreadable: list[str] = []
    logic: list[tuple] = []
    texts: list[tuple[list[tuple[list[str], list[str]]], str, str]] = []  # what renames are read from

    data_changes: list[tuple[FileChange, data.DataChange]] = []
    for f in change.files:
        if f.binary or not paths.is_code(f.path) or _skipped_by_name(f):
            if not f.binary and data.is_data(f.path) and not _generated(f.path) and not paths.is_test(f.path):
                data_changes.extend((f, d) for d in _data_changes(change, f))  # a retry policy held as data
            continue
        language = syntax.language_of(f.old_path or f.path if f.status == "deleted" else f.path)
        module = scanner(language) if language else None
        if module is None:
            continue
        pre_src, post_src = cache.source(f, "pre"), cache.source(f, "post")
        if paths.is_generated_image(pre_src.text if pre_src is not None else None,
                                    post_src.text if post_src is not None else None):
            continue  # the base's generator header ("Code generated ... DO NOT EDIT"), kept by the change
        pre_scan = _safe_scan(module, pre_src, change) or (Scan() if f.status == "added" else None)
        post_scan = _safe_scan(module, post_src, change) or (Scan() if f.status == "deleted" else None)
        if pre_scan is None or post_scan is None:
            unreadable.append(f.path)
            continue  # one side unavailable: a comparison would be wrong, so say nothing
        added_lines = {n for h in f.hunks for n, _ in h.added}
        removed_lines = {n for h in f.hunks for n, _ in h.removed}
        texts.append(([([t for _, t in h.removed], [t for _, t in h.added]) for h in f.hunks],
                      pre_src.text if pre_src is not None else "", post_src.text if post_src is not None else ""))
        post_scopes = _scopes_of_lines(post_src, added_lines)
        pre_scopes = _scopes_of_lines(pre_src, removed_lines)

        def touched_post(c: Construct, f=f, added_lines=added_lines, post_scopes=post_scopes) -> bool:
            if f.status == "added" or _spans(c, added_lines):
                return True
            # a library construct whose scope the change touched (a decorator's function body); a
            # setting is one binding: only its own lines count
            return c.library != "setting" and bool(c.scope) and c.scope in post_scopes

        def touched_pre(c: Construct, f=f, removed_lines=removed_lines, pre_scopes=pre_scopes,
                        post_scopes=post_scopes) -> bool:
            if f.status == "deleted" or _spans(c, removed_lines):
                return True
            return c.library != "setting" and bool(c.scope) and (c.scope in pre_scopes or c.scope in post_scopes)

        if pre_scan.constructs or post_scan.constructs:
            counts["files_with_resilience_code"] += 1
        pairs, only_pre, only_post = _pair(pre_scan.constructs, post_scan.constructs, _shift_fn(f))
        # a language's own "these hunks differ only in layout" (JS/TS: a formatter's re-wrap)
        hooks = hooks_of(module)
        relaid = hooks.layout_only
        laid_pre, laid_post = relaid(f.hunks) if relaid is not None else (set(), set())
        logic_post = _logic_lines(post_src, added_lines - laid_post)
        logic_pre = _logic_lines(pre_src, removed_lines - laid_pre)
        if logic_post or logic_pre:
            logic.append((f, logic_pre, logic_post,
                          {n: t for h in f.hunks for n, t in h.removed}, {n: t for h in f.hunks for n, t in h.added}))
        scanned.append(_FileScan(f, post_scan, added_lines, post_scopes,
                                 # a construct the change only deleted lines from is touched too (JVM/C#:
                                 # a retried exception class dropped from shouldRetry adds no line; Go:
                                 # a scanner that asks for it with lines_removed_count)
                                 [(a, b) for a, b in pairs if touched_post(b) or (
                                     hooks.lines_removed_count and _spans(a, removed_lines)) or (
                                     language in _SETTER_LANGUAGES and touched_pre(a))],
                                 [c for c in only_pre if touched_pre(c)],
                                 [c for c in only_post if touched_post(c)],
                                 {side: {sc.qualname for sc in src.scopes()} if src is not None else set()
                                  for side, src in (("pre", pre_src), ("post", post_src))}, pre_scan, (pre_src, post_src)))
        if not paths.is_test(f.path):
            # only a NEW call: one the same function made before (with a timeout or without) is not
            # new; a timeout taken off it is the timeout's removal (``timeout.removed``), often moved
            # to a context or deadline the request now carries
            pre_calls = {(c.scope, c.callee) for c in pre_scan.calls}
            # scanners list a call site only when it lacks a timeout: a timeout construct the change
            # took out of the same function says the call was there, with one
            pre_calls |= {(c.scope, call.callee) for c in only_pre if c.kind == "timeout" and _spans(c, removed_lines)
                          for call in post_scan.calls if call.scope == c.scope}
            for call in post_scan.calls:
                if call.has_timeout or not call.default_is_unbounded or call.line not in added_lines:
                    continue
                if (call.scope, call.callee) in pre_calls and f.status != "added":
                    continue
                counts["timeout_missing_calls"] += 1
                counts["timeout_antipatterns"] += 1
                findings.append(finding("timeout.missing", f.path, call.line, call.line,
                                        f"{call.callee} has no timeout and {call.library}'s default is none: "
                                        "a stalled peer blocks it forever", call.scope))
                timeout_sig["missing"].append({"path": f.path, "line": call.line, "callee": call.callee})

    _cancel_inlined(scanned)  # a helper inlined first: its removed body has no duration to match
    _cancel_moved_waits(scanned)  # by duration, before the one-for-one moves take a merged wait's twin
    _cancel_moves(scanned)
    _cancel_moves_from_constants(scanned)
    _cancel_extracted_constants(scanned)
    _cancel_grouped_exceptions(scanned)
    named_lines = _cancel_named_literals(scanned, logic)
    # settings the change writes, by name and value: a literal replaced by one of them moved into it
    named = {(c.target, c.kind, c.seconds, c.attempts) for fs in scanned for c in fs.post.constructs
             if c.library == "setting" and _spans(c, fs.added_lines)}
    renamed = renames.consistent(texts, _same_thing)
    for fs in scanned:
        _cancel_renames(fs, renamed)
    for fs in scanned:
        f = fs.f
        fs.only_post = [c for c in fs.only_post if not _plumbing(f, c, "post", fs.functions)]
        merged_branch = _merged_branches(f, fs.pre, fs.post)
        repeats_policy = _repeats_policy(f, fs.pre, fs.post)
        fs.only_pre = [c for c in fs.only_pre if not _plumbing(f, c, "pre", fs.functions) and not merged_branch(c)
                       and not _now_forwarded(fs, c) and not _clear_of_a_timer_gone(fs, c)]
        for c in fs.only_post:
            counts[f"{c.kind}_added"] += 1
            findings.append(finding(f"{c.kind}.added", f.path, c.line, c.end_line, f"adds {describe(c)}", c.scope))
            (retry_sig if c.kind == "retry" else timeout_sig)["added"].append(_sig(f.path, c))
            if not repeats_policy(c):
                findings.extend(_anti(f.path, c, None, counts, at=_decided_at(c, fs.added_lines)))
        for c in fs.only_pre:
            counts[f"{c.kind}_removed"] += 1
            line = new_line(f.hunks, c.line) if f.status != "deleted" else 1
            findings.append(finding(f"{c.kind}.removed", f.path, line, line,
                                    f"removed {describe(c)} (it was at line {c.line} of the old "
                                    f"{f.old_path or f.path})", c.scope))
            (retry_sig if c.kind == "retry" else timeout_sig)["removed"].append(
                {**_sig(f.path, c), "line": line, "old_line": c.line})
        # a constant the change edited shows its new value wherever it is used: reported once, at the
        # constant (the line the change touched), not again at every untouched use
        via_setting = {(a.kind, a.seconds, b.seconds, a.attempts, b.attempts) for a, b in fs.pairs
                       if a.library == "setting" and _differs(a, b)}
        pre_named, post_named = named_lines.get(id(fs), (set(), set()))
        named_at = (sorted(pre_named), sorted(post_named))
        hunk_at = (sorted(n for h in f.hunks for n, _ in h.removed), sorted(n for h in f.hunks for n, _ in h.added)) \
            if post_named else ([], [])
        for a, b in fs.pairs:
            diffs = _differs(a, b)
            if diffs and post_named and _only_lines(hunk_at, a, b, named_at):
                continue  # its only changed lines wrote a constant's value for its name, or back
            if diffs and _became_named(a, b, named):
                _judged(logic, f, a, b)
                continue
            if diffs and renamed and (_same_but_renamed(a, b, renamed) or _written_alike(fs, a, b, renamed)):
                continue
            if diffs and a.library == b.library == "setting" and b.end_line > b.line:
                # an options object judged whole (``retryOpts = {maxRetries: 5, minTimeout: 500}``):
                # its inner lines are this setting's, not logic of the other kind (node-retry's
                # ``minTimeout`` is the delay between attempts)
                _judged(logic, f, a, b, whole=True)
            if not diffs and a.library == b.library == "setting" and a.value and a.value == b.value:
                # a setting bound to the same value, its line rewritten (``typeof t === 'undefined' ? d : t``
                # -> ``t === undefined ? d : t``, a test turned round: one text, ``defaults.canonical``):
                # judged here, so its lines are no logic change either
                _judged(logic, f, a, b)
            own_lines = _spans(b, fs.added_lines)
            if diffs and not own_lines and b.library != "setting" and (
                    (b.kind, a.seconds, b.seconds, None, None) in via_setting
                    or (b.kind, None, None, a.attempts - 1 if a.attempts else None,
                        b.attempts - 1 if b.attempts else None) in via_setting
                    or (b.kind, None, None, a.attempts, b.attempts) in via_setting):
                continue
            if diffs:
                counts[f"{b.kind}_changed"] += 1
                what = f"{b.kind} setting {b.target}" if b.library == "setting" else \
                    f"{b.library} {b.kind}{' ' + b.target if b.target else ''}"
                findings.append(finding(f"{b.kind}.changed", f.path, b.line, b.end_line,
                                        f"changes {what}: " + "; ".join(diffs), b.scope))
                (retry_sig if b.kind == "retry" else timeout_sig)["modified"].append(
                    {**_sig(f.path, b), "before": _values(a)})
                if b.kind == "timeout" and a.seconds and b.seconds and INFINITE not in (a.seconds, b.seconds):
                    counts["max_timeout_ratio"] = max(counts["max_timeout_ratio"], b.seconds / a.seconds)
            if own_lines:
                findings.extend(_anti(f.path, b, a, counts))

    _logic_findings(logic, findings, retry_sig, timeout_sig, counts, renamed)
    for f, d in data_changes:
        counts[f"{d.kind}_changed"] += 1
        (retry_sig if d.kind == "retry" else timeout_sig)["modified"].append(
            {"path": f.path, "line": d.line, "library": "data", "target": d.key})
        findings.append(finding(f"{d.kind}.changed", f.path, d.line, d.line,
                                f"changes the {d.kind} policy held as data: {d.key}"
                                + (" (removed there)" if d.removed else ""), ""))

    # retry.nested: a retrying scope calls (by name) a function that itself retries with a wait
    # between its attempts, and the change made it so: a retry it touched that already called that
    # function when it already retried (a bound or a condition edited in an old nesting) introduces
    # nothing. A called function that tries again at once (picks another node, binds another port)
    # fails over; it does not stack a retry policy's waits under the caller's
    def _retrying(scans: list[Scan]) -> dict[str, Construct]:
        return {c.scope.rsplit(".", 1)[-1]: c for sc in scans for c in sc.constructs
                if c.kind == "retry" and c.scope and c.library not in ("setting", COMPUTED)
                and c.backoff not in (None, "none")}

    retrying = _retrying([fs.post for fs in scanned])
    retrying_before = _retrying([fs.pre for fs in scanned])
    for fs in scanned:
        if paths.is_test(fs.f.path):
            continue  # production code only, as for the other anti-patterns
        for c in fs.post.constructs:
            if c.kind != "retry" or c.library in ("setting", COMPUTED) or not _spans(c, fs.added_lines):
                continue
            own = c.scope.rsplit(".", 1)[-1]
            for name in c.calls:
                short = name.rsplit(".", 1)[-1]
                inner = retrying.get(short)
                if inner is None or short == own or inner is c or _runs_own_policy(c, inner):
                    continue
                if short in retrying_before and any(
                        p.kind == c.kind and p.scope == c.scope and p.library == c.library and name in p.calls
                        for p in fs.pre.constructs):
                    continue  # the same retry called the same retrying function before the change
                counts["retry_antipatterns"] += 1
                findings.append(finding(
                    "retry.nested", fs.f.path, c.line, c.end_line,
                    f"{describe(c)} calls {name}, which retries too ({describe(inner)}): attempts multiply",
                    c.scope))
                break

    if not scanned and not data_changes:
        features: dict[str, float | None] = dict.fromkeys(FEATURES)
    else:
        features = {k: round(v, 3) for k, v in counts.items()}
    signals: dict[str, Any] = {}
    for name, sig in (("retry", retry_sig), ("timeout", timeout_sig)):
        changed: bool | None = bool(sig["added"] or sig["removed"] or sig["modified"])
        if not changed and unreadable:
            changed = None  # not seen is not "unchanged"
        signals[name] = {"changed": changed, **sig}
    unexplained = [p for p in unreadable if p not in cache.stats.too_deep]  # those have their own warning
    if unexplained:
        shown = ", ".join(unexplained[:3]) + (f" and {len(unexplained) - 3} more" if len(unexplained) > 3 else "")
        change.warnings.append(
            f"retry/timeout: the code before or after the change could not be read for {shown}; "
            "what it does to retries and timeouts is unknown there (give --repo, or run in the work tree the "
            "diff applies to)")
    st = cache.stats
    signals["syntax"] = {"parsed": st.parsed, "unavailable": st.unavailable, "errors": st.errors,
                         "ms": round(st.ms, 2)}
    return Extraction(features, findings, signals)


def _spans(c: Construct, lines: set[int]) -> bool:
    """Whether one of ``lines`` (the lines a change added, or removed) is inside construct ``c``."""
    return any(n in lines for n in range(c.line, c.end_line + 1))


def _data_changes(change: Change, f: FileChange) -> list[data.DataChange]:
    """What a change to a JSON file does to a retry or timeout policy held in it (``resilience.data``)."""
    if not data.worth_reading(f.path, [t for h in f.hunks for _, t in h.added + h.removed]):
        return []
    pre = None if f.status == "added" else change.image(f.path, "pre")
    post = None if f.status == "deleted" else change.image(f.path, "post")
    if (pre is None and f.status != "added") or (post is None and f.status != "deleted"):
        return []  # one side could not be read: say nothing rather than call the whole file new
    added = {n: t for h in f.hunks for n, t in h.added}
    removed = [n for h in f.hunks for n, _ in h.removed]
    return data.changes(f.path, pre, post, added, new_line(f.hunks, min(removed)) if removed else 1)


def _became_named(a: Construct, b: Construct, named: set[tuple]) -> bool:
    """``timeout: x || 10000`` -> ``timeout: x || defaults.pluginTimeout`` where the change also writes
    ``pluginTimeout: 10000``: the value moved into a named setting; nothing waits longer or shorter."""
    if a.kind == "timeout" and (a.seconds is None or b.seconds is not None):
        return False
    if a.kind == "retry" and (a.attempts is None or b.attempts is not None):
        return False
    names = set(re.findall(r"\w+", b.snippet))
    return any(t in names and k == a.kind and (s == a.seconds if k == "timeout" else n == a.attempts)
               for t, k, s, n in named)


#: languages whose scanners value a timeout setter given a run-time value by its argument
#: (``resilience.applied_value``)
_SETTER_LANGUAGES = frozenset({"java", "kotlin", "csharp"})


def _plumbing(f: FileChange, c: Construct, side: str, functions: dict[str, set[str]] | None = None) -> bool:
    """A timeout whose value is only known at run time (``timeout=self.timeout``), on a line the change
    added or removed whole: plumbing a value through new or deleted code, not a change to how long
    anything waits. It counts when the same call is on the other side of its hunk without a timeout
    (a call that had none gets one, or loses it)."""
    if c.library == COMPUTED:
        return True  # a retry/timeout value worked out in code (JVM scanners): only a change to it counts
    if c.kind != "timeout" or c.seconds is not None:
        return False
    if f.status in ("added", "deleted") and (not c.value or syntax.language_of(f.path) in _SETTER_LANGUAGES):
        return True  # a whole file of plumbing came or went (a JVM/C# setter handing a configured timeout on to
        # a session it wraps included): no call that stays waits longer or shorter
    if c.value:
        return False
    other_image = (functions or {}).get("pre" if side == "post" else "post")
    if other_image is not None and c.scope and c.scope not in other_image:
        return True  # a whole function came or went (``def patch(url, timeout=None)`` handing it on)
    callee = (c.target.split(":", 1)[0].rsplit(".", 1)[-1] or c.library.rsplit(".", 1)[-1]).strip()
    for h in f.hunks:
        mine, other = (h.added, h.removed) if side == "post" else (h.removed, h.added)
        if any(n == c.line for n, _ in mine):
            # (Python: a call on the other side that passes ``**kwargs`` may hand the timeout on in them)
            return not (callee and any(callee in t and "timeout" not in t.lower() and "**" not in t
                                       for t in _statements(other)))
    if side == "pre" and callee and c.end_line > c.line:
        # the call's first line kept, its timeout keyword taken out of the lines under it: the call
        # stays, and lost its timeout, unless what it is given now hands its caller's options on
        # (``proxy_from_url(\n    url, **manager_kwargs)``, the timeout in them)
        at = _kept_line(f, c.line)
        if at is None:
            return False
        added = {n: t for h in f.hunks for n, t in h.added}
        given, n = [], at + 1
        while n in added:
            given.append(added[n])
            n += 1
        removed_inside = any(c.line < n <= c.end_line for h in f.hunks for n, _ in h.removed)
        return removed_inside and any("**" in t for t in given)
    return False


def _kept_line(f: FileChange, old: int) -> int | None:
    """The new-side line of an old line the change kept (context), exactly: the k-th kept line of a
    hunk's old side is its k-th kept line on the new side. None for a line the change removed."""
    for h in f.hunks:
        if not h.source_start <= old < h.source_start + h.source_length:
            continue
        removed = {n for n, _ in h.removed}
        if old in removed:
            return None
        k = old - h.source_start - sum(1 for n in removed if n < old)
        added = {n for n, _ in h.added}
        n = h.target_start
        while n < h.target_start + h.target_length:
            if n not in added:
                if k == 0:
                    return n
                k -= 1
            n += 1
        return None
    return new_line(f.hunks, old)  # outside every hunk: shifted by the hunks before it


#: a line that is only a comment: it makes no call, whatever it names
_COMMENT_LINE = re.compile(r"^\s*(#|//|/\*|\*(\s|/|$))")


def _statements(lines: list[tuple[int, str]]) -> list[str]:
    """The code lines of one side of a hunk, a call that opens a parenthesis it does not close on its
    line joined with the lines up to the one that closes it (``proxy_from_url(`` then
    ``url, **kwargs)``: what the call is given is on the later line); comment lines left out (``# the
    PoolManager interface`` calls nothing)."""
    out: list[str] = []
    pending = ""
    for _, text in lines:
        if _COMMENT_LINE.match(text):
            continue
        pending = f"{pending} {text.strip()}" if pending else text
        if pending.count("(") <= pending.count(")") or len(pending) > 2000:
            out.append(pending)
            pending = ""
    if pending:
        out.append(pending)
    return out


#: the calls a line makes: ``await asyncio.wait_for(_send_tls(sock, buf), timeout=t)`` -> asyncio.wait_for, _send_tls
_CALLED = re.compile(r"([A-Za-z_$][\w$]*(?:\s*\??\.\s*[A-Za-z_$][\w$]*)*)\s*\(")


def _merged_branches(f: FileChange, pre: Scan, post: Scan) -> Callable[[Construct], bool]:
    """For the constructs of one file: whether a timeout was taken out with the branch that held it,
    while the same function still waits the same way elsewhere (same call, same value as written):
    two branches that each ran ``wait_for(..., timeout=timeout)`` merged into one, a platform's own
    path deleted. No call that stays lost its wait: it counts as removed only when a call one of those
    waits wrapped, and none wraps now, is still made on a line the change added (the wait was taken off
    that call), as ``_plumbing`` asks of a value-less timeout.

    What it reads is indexed once per file: the waits of each image by (key, value, seconds), the
    answer per such group (it depends on nothing else), and the names called on the added lines.
    Before, each removed wait scanned both images' constructs and every added line: 1,000 waits taken
    out of one function took 18 s (x4 per doubling)."""
    def group(c: Construct) -> tuple:
        return (c.key, c.value, c.seconds)

    pre_by: dict[tuple, list[Construct]] = {}
    post_by: dict[tuple, list[Construct]] = {}
    for x in pre.constructs:
        pre_by.setdefault(group(x), []).append(x)
    for x in post.constructs:
        post_by.setdefault(group(x), []).append(x)
    added = [t for h in f.hunks for _, t in h.added]
    called: set[str] | None = None  # every name called on an added line (``name(`` or ``name (``)
    answers: dict[tuple, bool] = {}

    def made_on_added_line(words: set[str]) -> bool:
        nonlocal called
        plain = {w for w in words if re.fullmatch(r"\w+", w)}
        if plain:
            if called is None:
                called = {m for t in added for m in re.findall(r"\b(\w+)\s*\(", t)}
            if plain & called:
                return True
        return any(re.search(rf"\b{re.escape(w)}\s*\(", t) for w in words - plain for t in added)

    def answer(c: Construct) -> bool:
        kept = post_by.get(group(c), [])
        if not kept:
            return False
        own = {c.target.rsplit(".", 1)[-1], c.library.rsplit(".", 1)[-1]}

        def wrapped(xs: list[Construct]) -> set[str]:
            return {name.rsplit(".", 1)[-1].strip() for x in xs for name in _CALLED.findall(x.snippet)} - own

        before = pre_by.get(group(c), [])
        if not all(wrapped([x]) for x in before):
            return False  # a wait whose wrapped call its first line does not show: say what it said before
        return not made_on_added_line(wrapped(before) - wrapped(kept))

    def merged(c: Construct) -> bool:
        if c.kind != "timeout" or not c.scope or not c.value or c.library == "setting":
            return False
        key = group(c)
        if key not in answers:
            answers[key] = answer(c)
        return answers[key]

    return merged


def _judged(logic: list[tuple], f: FileChange, a: Construct, b: Construct, whole: bool = False) -> None:
    """A pair of constructs judged as constructs: their lines (``a``'s removed, ``b``'s added; with
    ``whole``, every line each spans) are taken out of ``f``'s logic lines, so :func:`_logic_findings`
    does not judge them again."""
    for entry in logic:
        if entry[0] is f:
            for line in range(a.line, (a.end_line if whole else a.line) + 1):
                entry[1].pop(line, None)
            for line in range(b.line, (b.end_line if whole else b.line) + 1):
                entry[2].pop(line, None)


def _cancel_renames(fs: _FileScan, renamed: dict[str, str]) -> None:
    """A setting removed and one added in the same file with the same value under a name that says the
    same thing (``connectRetryAttempts = 1`` -> ``connectAttempts = 1``): renamed, not changed. So is a
    setting whose line the change rewrote with only names the change renames consistently
    (``renames.consistent``: ``retries: 2`` -> ``limit: 2``, every ``retry.retries`` read as
    ``retry.limit``), whatever the new name says: the same value is bound and read where it was."""
    for c in list(fs.only_post):
        if c.library != "setting":
            continue
        gone = next((p for p in fs.only_pre if p.library == "setting" and p.kind == c.kind
                     and (settings.normalise(p.value) == settings.normalise(c.value)
                          or p.kind == "timeout" and p.seconds is not None and p.seconds == c.seconds
                          or durations.same(p.duration, c.duration))
                     and _same_thing(p.target, c.target)), None)  # 0 -> Timeout.ZERO_MILLISECONDS: same wait
        if gone is not None:
            fs.only_pre.remove(gone)
            fs.only_post.remove(c)
    if not renamed:
        return
    removed = {n: t for h in fs.f.hunks for n, t in h.removed}
    added: dict[str, list[int]] = {}
    for h in fs.f.hunks:
        for n, t in h.added:
            added.setdefault(_squeezed(t), []).append(n)
    for p in list(fs.only_pre):
        text = removed.get(p.line)
        if p.library != "setting" or text is None:
            continue
        lines = added.get(_squeezed(renames.apply(text, renamed)))
        if not lines:
            continue
        fs.only_pre.remove(p)
        twin = next((c for c in fs.only_post if c.library == "setting" and c.kind == p.kind and c.line in lines
                     and settings.normalise(c.value) == settings.normalise(renames.apply(p.value, renamed))), None)
        if twin is not None:
            fs.only_post.remove(twin)


def _squeezed(text: str) -> str:
    """A line without its layout (a re-aligned map literal has the same entries)."""
    return re.sub(r"\s+", "", text)


def _same_but_renamed(a: Construct, b: Construct, renamed: dict[str, str]) -> bool:
    """Whether ``b`` is ``a`` with its value written through renamed names only
    (``self.enhanced_timeout.request_timeout`` -> ``self.enhanced_timeout.read_timeout`` when the change
    renames ``request_timeout`` everywhere): the same wait, read under its new name."""
    return (a.seconds == b.seconds and a.attempts == b.attempts and a.backoff == b.backoff and a.method == b.method
            and a.value != b.value and settings.normalise(renames.apply(a.value, renamed)) == settings.normalise(b.value))


def _clear_of_a_timer_gone(fs: _FileScan, c: Construct) -> bool:
    """A ``clearTimeout(timer)`` that went with its timer: the file no longer stores any timer under
    that name (``const timer = setTimeout(() => controller.abort(), 8000)`` replaced by
    ``AbortSignal.timeout(8000)``). The timer is judged on its own (moved, removed or replaced); its
    cleanup adds nothing to that."""
    if c.library != "clearTimeout" or fs.sources[1] is None:
        return False
    src = fs.sources[1]
    held = syntax.image_memo(src, "retry_timeout.timer_handles", lambda: _timer_handles(src.text))
    return c.target.split(" ", 1)[0] not in held


#: ``= setTimeout(``: where a file keeps a timer, under the name just before it
_TIMER_SET = re.compile(r"=\s*(?:timers\.)?set(?:Timeout|Interval)\(")


def _timer_handles(text: str) -> set[str]:
    """The last name of everything a timer is stored under (``timer = setTimeout(``, ``this.t =
    setTimeout(``). Each name is read from a short window before its ``=``, so a hostile run of
    identifier characters costs no more than its length."""
    out = set()
    for m in _TIMER_SET.finditer(text):
        end = m.start()
        while end > 0 and text[end - 1] in " \t":
            end -= 1
        start = end
        while start > max(0, end - 100) and (text[start - 1].isalnum() or text[start - 1] in "_$"):
            start -= 1
        if start < end:
            out.add(text[start:end])
    return out


#: a parameter that carries a call's options as one object (``options``, ``opts``, ``init``)
_OPTIONS_BAG = re.compile(r"\b(options|opts|config|settings|init|params|kwargs)\b")
#: the longest function, in characters, read as a wrapper that forwards its options
_FORWARDER_MAX = 20_000


def _now_forwarded(fs: _FileScan, c: Construct) -> bool:
    """``def get(url, *, timeout=DEFAULT, retries=2): return request(..., timeout=timeout, retries=retries)``
    -> ``def get(url, **kwargs): return request(..., **kwargs)`` (JavaScript: ``{timeout = 10000} = {}``
    handed on as ``{timeout}`` -> ``options`` handed on as it came): a parameter whose default was only
    handed on by name now travels, unnamed, in the keyword arguments the same function receives and
    forwards whole. The callee's own default applies, as the wrapper's copy of it did; a change to that
    default is the callee's setting, reported where it is."""
    if c.library != "setting" or not c.scope:
        return False
    before, after = (_scope_text(src, c.scope) for src in fs.sources)
    if before is None or after is None or max(len(before), len(after)) > _FORWARDER_MAX:
        return False  # (a wrapper that hands its options on is short; a hostile one is not searched per name)
    name = re.escape(c.target.rsplit(".", 1)[-1])
    if not re.search(rf"[(,{{]\s*{name}\s*([=:]\s*{name}\b|[,}}])", before) or re.search(rf"\b{name}\b", after):
        return False
    # received whole and handed on whole: ``**kwargs``, ``...rest``, or an options object passed as it came
    bags = [a or b for a, b in re.findall(r"\*\*\s*(\w+)|\.\.\.\s*(\w+)", after)]
    bags += _OPTIONS_BAG.findall(after)
    return any(bags.count(n) >= 2 for n in set(bags))


def _scope_text(src: syntax.Source | None, qualname: str) -> str | None:
    """The text of the function or class ``qualname`` in ``src``, or None when it has none."""
    if src is None:
        return None
    by_name = syntax.image_memo(src, "retry_timeout.scopes_by_qualname",
                                lambda: {sc.qualname: sc for sc in reversed(src.scopes())})
    scope = by_name.get(qualname)  # (the first of a name, as a walk meets them)
    if scope is None:
        return None
    return "\n".join(src.lines()[scope.start_line - 1:scope.end_line])


#: the longest construct, in lines, compared as text with the change's renames made
_ALIKE_LINES = 400


def _written_alike(fs: _FileScan, a: Construct, b: Construct, renamed: dict[str, str]) -> bool:
    """Whether ``b``'s lines are ``a``'s with the change's renames made, layout aside: a retry loop whose
    counter is renamed at every use (``attempt`` -> ``failures``) is the same loop, though its digest,
    which keeps only retry-named names, loses the counter and so differs."""
    pre, post = (src.lines() if src is not None else [] for src in fs.sources)
    if not (0 < a.line <= a.end_line <= len(pre) and 0 < b.line <= b.end_line <= len(post)) \
            or max(a.end_line - a.line, b.end_line - b.line) > _ALIKE_LINES:
        return False  # (a construct of thousands of lines, nested in others, is not re-read for each)
    before = "\n".join(pre[a.line - 1:a.end_line])
    after = "\n".join(post[b.line - 1:b.end_line])
    return before != after and _squeezed(renames.apply(before, renamed)) == _squeezed(after)


def _cancel_moves(scanned: list[_FileScan]) -> None:
    """A construct removed in one place and added with the same content in another (the same file or
    another file of the change) moved; it did not go and come back."""
    removed: dict[tuple, list[_FileScan]] = {}
    for fs in scanned:
        for c in fs.only_pre:
            removed.setdefault(content(c), []).append(fs)
    moved: dict[int, tuple[list[Construct], list[Construct]]] = {}  # id(fs) -> (pre, post) loops that moved
    for fs in scanned:
        kept = []
        for c in fs.only_post:
            owners = removed.get(content(c))
            if owners:
                src = owners.pop(0)
                gone = next(p for p in src.only_pre if content(p) == content(c))
                src.only_pre.remove(gone)
                if c.library == "loop":
                    moved.setdefault(id(src), ([], []))[0].append(gone)
                    moved.setdefault(id(fs), ([], []))[1].append(c)
            else:
                kept.append(c)
        fs.only_post = kept
    for fs in scanned:
        pre_loops, post_loops = moved.get(id(fs), ([], []))
        for a, b in fs.pairs:  # paired by place, but now in another function: moved all the same
            if a.library == b.library == "loop" and a.scope != b.scope and a.value == b.value:
                pre_loops.append(a)
                post_loops.append(b)
        post_at = sorted(lp.line for lp in post_loops)
        pre_at = sorted(lp.line for lp in pre_loops)
        fs.only_post = [c for c in fs.only_post if not _wraps_moved_loop(c, post_at)]
        fs.only_pre = [c for c in fs.only_pre if not _wraps_moved_loop(c, pre_at)]


def _wraps_moved_loop(c: Construct, loops: list[int]) -> bool:
    """Whether ``c`` is a retry helper that holds a retry loop which moved whole (:func:`_cancel_moves`): a
    loop extracted from ``Send`` into a new ``withRetries(op func() error)`` (or inlined back) keeps its
    attempts, delays and conditions, and the helper around it is the new entry point that only
    delegates to it (labelling rules: "a new entry point that only delegates to the existing retry
    loop is not" a retry change). The loop's digest already says what it decides; the helper's own
    digest only differs because it is new. ``loops``: the moved loops' lines, sorted (one bisect per
    construct: a file of thousands of loops whose functions were all renamed stays linear)."""
    return (c.kind == "retry" and c.library == policy_functions.LIBRARY
            and bisect_right(loops, c.end_line) > bisect_left(loops, c.line))


def _cancel_moved_waits(scanned: list[_FileScan]) -> None:
    """The same wait taken off some calls and put elsewhere: a timeout of a known duration removed from
    calls and one of that duration added in the same change (two ``requests.get(..., timeout=1)`` now
    made through a helper whose ``timeout=1`` default they use, a per-call deadline moved into the
    transport every call goes through, reads that drain with a zero timeout moved into the transport)
    moved; whichever call carries it, nothing waits longer or shorter. :func:`_cancel_moves` asks for
    the same call, one for one; a wait is judged by its duration, and several calls merged into one
    place are one wait moved. Two settings of one duration are two names (``connect_timeout = 5`` ->
    ``read_timeout = 5`` applies another timeout): those keep their own rules (:func:`_cancel_renames`);
    a duration known on one side only is no evidence."""
    def wait(c: Construct) -> tuple[float, bool] | None:
        return (c.seconds, c.library == "setting") if c.kind == "timeout" and c.seconds is not None else None

    gone = {wait(c) for fs in scanned for c in fs.only_pre} - {None}
    came = {wait(c) for fs in scanned for c in fs.only_post} - {None}

    def moved(w: tuple[float, bool] | None, other: set) -> bool:
        # a call's wait matches a call or a setting of its duration; a setting's only a call's
        return w is not None and ((w[0], False) in other or not w[1] and (w[0], True) in other)

    if not gone or not came:
        return
    for fs in scanned:
        fs.only_pre = [c for c in fs.only_pre if not moved(wait(c), came)]
        fs.only_post = [c for c in fs.only_post if not moved(wait(c), gone)]


def _argument(snippet: str, callee: str) -> str | None:
    """The one value ``callee`` is given on a snippet line: a call's one argument (``socketTimeout(0)`` ->
    ``0``) or a property assigned (Kotlin ``socket.soTimeout = 0``)."""
    m = re.search(rf"\b{re.escape(callee)}\s*\(([^(),]*)\)", snippet) or re.search(
        rf"\b{re.escape(callee)}\s*=\s*([^;=/]+?)\s*;?\s*(//.*)?$", snippet)
    return m.group(1).strip() if m else None


def _cancel_inlined(scanned: list[_FileScan]) -> None:
    """A one-setter timeout helper inlined (Java, Kotlin, C#): the change deletes ``socketTimeout(int
    timeout) { socket.setSoTimeout(timeout); }`` and its call ``transmitter.socketTimeout(0)``, and writes
    ``socket.setSoTimeout(0)`` where the work now happens. The same setter is given the same value: the
    wait moved through one call less; none was removed and none added (nor a ``timeout.unbounded`` for
    a 0 that was there before)."""
    removed = [(fs, c) for fs in scanned for c in fs.only_pre
               if c.kind == "timeout" and syntax.language_of(fs.f.path) in _SETTER_LANGUAGES]
    for fs_body, body in list(removed):
        helper = body.scope.rsplit(".", 1)[-1]
        if body.seconds is not None or not body.value.isidentifier() or not helper or body not in fs_body.only_pre:
            continue  # the helper's setter applies its parameter
        for fs_call, call in removed:
            arg = _argument(call.snippet, helper) if call.target == helper else None
            if not arg or call is body or call not in fs_call.only_pre:
                continue
            added = next(((fs, c) for fs in scanned for c in fs.only_post if c.kind == "timeout"
                          and c.target == body.target and _argument(c.snippet, body.target) == arg), None)
            if added is None:
                continue
            fs_body.only_pre.remove(body)
            fs_call.only_pre.remove(call)
            added[0].only_post.remove(added[1])
            break


def _unresolved(c: Construct) -> tuple:
    """:func:`content` without the duration read off a constant: the same call, the same name written."""
    return (*content(c)[:6], *content(c)[7:]) if c.library != "setting" else content(c)


def _cancel_moves_from_constants(scanned: list[_FileScan]) -> None:
    """A construct moved to another file, away from the constant it names (``context.WithTimeout(ctx,
    defaultServerTimeout)`` split out of ``http.go`` into ``client.go``, the constant left behind in the
    package): the file it left read the constant's value, the file it went to cannot, so the two differ
    only in a duration one side knows. The same name written for the value, known on one side only, is
    the same wait moved; a constant whose own value changes is a setting change of its own."""
    for fs in scanned:
        kept = []
        for c in fs.only_post:
            gone = next((p for other in scanned if other is not fs for p in other.only_pre
                         if (p.seconds is None) != (c.seconds is None) and settings.normalise(c.value)
                         and not c.value.startswith("#") and _unresolved(p) == _unresolved(c)), None)
            if gone is None:
                kept.append(c)
                continue
            for other in scanned:
                if gone in other.only_pre:
                    other.only_pre.remove(gone)
                    break
        fs.only_post = kept


def _cancel_extracted_constants(scanned: list[_FileScan]) -> None:
    """A literal given a name (``http.get(url, timeout=10)`` -> ``DEFAULT_TIMEOUT = 10`` and
    ``timeout=DEFAULT_TIMEOUT``; ``tryAcquire(10, SECONDS)`` -> ``tryAcquire(ACQUIRE_TIMEOUT_SECONDS,
    SECONDS)``; ``net.DialTimeout(..., 5*time.Second)`` -> ``dialTimeout``): the constant is new, but
    what it names is what the use held before, and the use, valued through it, is unchanged. The
    constant is then no setting added, in any file of the change (constants are often declared apart).
    Only when a use the change rewrote names it now (on its line or in its value) and did not before,
    and holds the same seconds or attempts. A setting of the same value whose name that use no longer
    writes was renamed with it, or inlined into it, and is no removal."""
    def value_of(c: Construct) -> tuple:  # rounded: 100 ms and 0.1 s are one wait
        value = c.seconds if c.kind == "timeout" else c.attempts
        return c.kind, round(value, 9) if value is not None else None

    # (kind, value) -> the names a use writes now that it did not before, and those it no longer
    # writes: one pass over the uses
    named_now: dict[tuple, set[str]] = {}
    named_before: dict[tuple, set[str]] = {}
    for fs in scanned:
        for a, b in fs.pairs:
            if value_of(a)[1] is not None and (a.snippet, a.value) != (b.snippet, b.value) and not _differs(a, b):
                old = set(re.findall(r"[\w$]+", f"{a.snippet} {a.value}"))
                new = set(re.findall(r"[\w$]+", f"{b.snippet} {b.value}"))
                named_now.setdefault(value_of(a), set()).update(new - old)
                named_before.setdefault(value_of(a), set()).update(old - new)
    if not named_now and not named_before:
        return
    for fs in scanned:
        fs.only_post = [c for c in fs.only_post if not (
            c.library == "setting" and c.target in named_now.get(value_of(c), ()))]
        # the setting it replaces, renamed with every use (``retries = 3`` -> ``retryCount = 3``), or a
        # constant inlined (``timeout=DEFAULT_TIMEOUT`` -> ``timeout=10`` and ``DEFAULT_TIMEOUT = 10``
        # gone): a use that no longer writes its name holds its value still
        fs.only_pre = [c for c in fs.only_pre if not (
            c.library == "setting" and c.target in named_before.get(value_of(c), ()))]


#: ``except (ConnectionError, socket.timeout) as e:`` on a line: what it catches
_EXCEPT = re.compile(r"^\s*except\s*\(?\s*([\w.]+(?:\s*,\s*[\w.]+)*)\s*,?\s*\)?\s*(?:as\s+\w+\s*)?:")


def _cancel_grouped_exceptions(scanned: list[_FileScan]) -> None:
    """``except (ConnectionError, TimeoutError):`` -> ``RETRYABLE = (ConnectionError, TimeoutError)``
    and ``except RETRYABLE:``: the failures a loop retries, given a name; the loop catches what it
    caught (the Python scanner reads the name's members), and the new constant is no retry setting
    added. Only when a line the change removed caught exactly those members and one it added catches
    the name, in any file of the change (such constants are often declared apart)."""
    caught_before: set[frozenset[str]] = set()
    caught_now: set[str] = set()
    for fs in scanned:
        for h in fs.f.hunks:
            for _, text in h.removed:
                m = _EXCEPT.match(text)
                if m is not None:
                    caught_before.add(frozenset(x.strip().rsplit(".", 1)[-1] for x in m.group(1).split(",")))
            for _, text in h.added:
                m = _EXCEPT.match(text)
                if m is not None and "," not in m.group(1):
                    caught_now.add(m.group(1).strip())
    if not caught_before or not caught_now:
        return
    for fs in scanned:
        fs.only_post = [c for c in fs.only_post if not (
            c.library == "setting" and c.target in caught_now and frozenset(
                x.rsplit(".", 1)[-1] for x in settings.members(c.value) or ()) in caught_before)]


#: a declaration no caller can set: a parameter or a settable field given the literal is an option (a wait
#: made configurable), not a name for it
_CONSTANT_DECL = re.compile(r"\b(const|final)\b|\bprivate\s+val\b")


def _cancel_named_literals(scanned: list[_FileScan], logic: list[tuple]) -> dict[int, tuple[set[int], set[int]]]:
    """A literal in a line of code given a name, or a name replaced by its literal, and nothing else on
    the line changed (``time.Sleep(2 * time.Second)`` -> ``const reconnectDelay = 2 * time.Second`` and
    ``time.Sleep(reconnectDelay)``; ``Thread.sleep(200L * attempt)`` -> ``BACKOFF_STEP_MS * attempt``;
    ``net.DialTimeout(.., dialTimeout)`` -> ``5*time.Second`` with the constant deleted): the code waits
    and tries as before. :func:`_cancel_extracted_constants` matches a use by the seconds or attempts
    the scanner valued it at; a delay inside a retry loop is valued only through the loop's digest, which
    the new name changes, so the lines themselves are compared here (for a constant holding a literal:
    a parameter or a settable field is an option, :data:`_CONSTANT_DECL`): the added line with the new
    constant's value written for its name (or the removed line with the deleted constant's) is a removed
    (an added) line of the same file, layout aside. Such a constant is no setting added or removed, and
    its lines are no logic change; id(file scan) -> (pre, post) lines that only did that, for the pairs."""
    def constants(side: str) -> list[tuple[Construct, re.Pattern, str]]:
        out = []
        for fs in scanned:  # also those an earlier step took out, for their lines
            paired = {id(x) for pair in fs.pairs for x in pair}
            hunk_lines = {n for h in fs.f.hunks for n, _ in (h.added if side == "post" else h.removed)}
            for c in (fs.post if side == "post" else fs.pre).constructs:
                if id(c) in paired or c.line not in hunk_lines:
                    continue
                name = c.target.rsplit(".", 1)[-1]
                if c.library == "setting" and re.search(r"\d", c.value) and not c.value.startswith("#") \
                        and _is_name(name) and re.fullmatch(r"[\w$]+", name) and _squeezed(c.value) != name \
                        and (_CONSTANT_DECL.search(c.snippet) or re.fullmatch(r"[A-Z][A-Z0-9_]*", name)):
                    out.append((c, re.compile(rf"(?<![\w$.]){re.escape(name)}(?![\w$])"), c.value))
        return out

    def by_name(consts: list[tuple[Construct, re.Pattern, str]]) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for i, (c, _, _) in enumerate(consts):
            found.setdefault(c.target.rsplit(".", 1)[-1], []).append(i)
        return found

    new, gone = constants("post"), constants("pre")
    if not new and not gone:
        return {}
    used: set[int] = set()
    lines: dict[int, tuple[set[int], set[int]]] = {}
    names = {"post": by_name(new), "pre": by_name(gone)}
    for fs in scanned:
        removed = {n: t for h in fs.f.hunks for n, t in h.removed}
        added = {n: t for h in fs.f.hunks for n, t in h.added}
        if not removed or not added:
            continue
        pre_lines, post_lines = lines.setdefault(id(fs), (set(), set()))
        for mine, other, mine_lines, other_lines, consts, named in (
                (added, removed, post_lines, pre_lines, new, names["post"]),
                (removed, added, pre_lines, post_lines, gone, names["pre"])):
            at: dict[str, list[int]] = {}
            for n, t in other.items():
                at.setdefault(_squeezed(t), []).append(n)
            for n, t in mine.items():
                # only the constants the line names (one lookup per word, not one search per constant)
                candidates = sorted({i for w in re.findall(r"[\w$]+", t) for i in named.get(w, ())})
                hits = [consts[i] for i in candidates if consts[i][1].search(t)]
                if not hits:
                    continue
                text = t
                for _, pat, value in hits:
                    text = pat.sub(value.replace("\\", "\\\\"), text)  # the value as written, no group references
                twins = at.get(_squeezed(text))
                if twins:
                    mine_lines.add(n)
                    other_lines.add(twins[0])
                    used.update(id(c) for c, _, _ in hits)
    if not used:
        return lines
    for fs in scanned:
        fs.only_post = [c for c in fs.only_post if id(c) not in used]
        fs.only_pre = [c for c in fs.only_pre if id(c) not in used]
    of_file = {id(fs.f): lines[id(fs)] for fs in scanned if id(fs) in lines}
    for entry in logic:
        pre_lines, post_lines = of_file.get(id(entry[0]), (set(), set()))
        for n in pre_lines:
            entry[1].pop(n, None)
        for n in post_lines:
            entry[2].pop(n, None)
    return lines


def _only_lines(hunk_lines: tuple[list[int], list[int]], a: Construct, b: Construct,
                named: tuple[list[int], list[int]]) -> bool:
    """Whether every line the change removed inside ``a`` and added inside ``b`` is one that only wrote a
    constant's value for its name or back (:func:`_cancel_named_literals`), and there is at least one.
    ``hunk_lines`` and ``named``: (removed, added) line numbers, each sorted, so that every pair costs
    four bisects (a named line is a removed or added one)."""
    (removed, added), (pre, post) = hunk_lines, named

    def within(lines: list[int], lo: int, hi: int) -> int:
        return bisect_right(lines, hi) - bisect_left(lines, lo)

    came = within(post, b.line, b.end_line)
    return came > 0 and came == within(added, b.line, b.end_line) \
        and within(pre, a.line, a.end_line) == within(removed, a.line, a.end_line)


#: where a retry/timeout-named identifier says nothing about behaviour: declarations of types, imports
_LOGIC_SKIP = frozenset({"type_annotation", "interface_declaration", "type_alias_declaration", "import_statement",
                         "import_declaration", "import_from_statement", "import_spec", "import_header", "import_list",
                         "comment", "line_comment", "block_comment", "string", "template_string",
                         "interpreted_string_literal", "raw_string_literal", "string_literal", "type_arguments",
                         "type_parameters", "formal_parameters", "parameters", "parameter_list", "decorator",
                         "marker_annotation", "annotation", "export_clause", "package_clause", "user_type",
                         "function_value_parameters"})
_RETRY_HEADER = re.compile(r"^['\"`](retry-after|x-ratelimit-retry-after|x-retry-after)['\"`]$", re.I)
_IDENTS = frozenset({"identifier", "property_identifier", "field_identifier", "simple_identifier",
                     "shorthand_property_identifier", "type_identifier"})


def _logic_lines(src: syntax.Source | None, lines: set[int]) -> dict[int, tuple[str, str]]:
    """Changed lines of code that read or write a retry- or timeout-named name (``this._retryCount <=
    this._options.retry.limit``, ``clearTimeout(this.timeoutTimer)`` does not count, a timer is not a
    timeout): line -> (kind, name). Retry logic lives in library code far from any retry call."""
    if src is None or not lines:
        return {}
    out: dict[int, tuple[str, str]] = {}
    lo, hi = min(lines), max(lines)
    # a language's own "this use decides nothing": a test of whether it was passed at all (``attempt
    # is _unset``, ``retry === undefined``), a check that only rejects a bad value, bookkeeping
    hooks = hooks_of(scanner(src.language))
    quiet = hooks.decides_nothing
    # and its own "this use decides too": Go's ``backoffFor = 0``, ``canRetry := true`` (a literal given)
    loud = hooks.decides_too
    changed = sorted(lines)
    stack = [src.root]
    while stack:
        node = stack.pop()
        first, last = node.start_point[0] + 1, node.end_point[0] + 1
        if last < lo or first > hi:
            continue
        at = bisect_left(changed, first)
        if at == len(changed) or changed[at] > last:
            continue  # no changed line within this node: nothing under it can start on one (issue 16)
        if node.type in _LOGIC_SKIP:
            if syntax.is_string(node) and first in lines and first not in out and \
                    _RETRY_HEADER.search(syntax.node_text(node)):
                out[first] = ("retry", syntax.node_text(node).strip("'\"`"))  # the Retry-After header
            continue
        if node.type in _IDENTS and node.type != "type_identifier":
            if first in lines and first not in out:
                name = syntax.node_text(node)
                kind = settings.classify(name)
                if kind is None and loud is not None and _CANCELS.match(name) and loud(node):
                    kind = settings.classify(_CANCELS.sub("", name))  # ``this._clearReconnect()``: the retry it cancels
                if kind is not None and (_decides(node) or loud is not None and loud(node)) and not (kind == "timeout" and (
                        _on_an_error(node) or settings.heartbeat_only(name))) and not (
                        quiet is not None and quiet(node)) and not _counted_on(node):
                    out[first] = (kind, name)
            continue
        stack.extend(node.children)
    _continued_conditions(src, lines, out, quiet)
    return out


#: the last word of an object that counts what happened, for a report: statistics, metrics
_TALLIES = frozenset({"stats", "statistics", "metrics", "metric", "counters", "telemetry", "meter", "meters"})


def _counted_on(node) -> bool:
    """Whether a retry- or timeout-named name is a field of a statistics object (``self.stats.retries
    += 1``, ``this.metrics.timeouts++``, ``s.counters.Retries``): a tally of what happened, reported,
    not a decision about when to try again or how long to wait."""
    p = node.parent
    if p is None or p.type not in _MEMBER or len(p.named_children) < 2 or p.named_children[-1] != node:
        return False
    ws = settings.words(syntax.node_text(p.named_children[0]).rsplit(".", 1)[-1])
    return bool(ws) and ws[-1] in _TALLIES


#: a chain of conditions joined by ``and``/``or`` (``&&``/``||``)
_CHAINS = frozenset({"boolean_operator", "binary_expression", "conjunction_expression", "disjunction_expression"})


def _continued_conditions(src: syntax.Source, lines: set[int], out: dict[int, tuple[str, str]], quiet) -> None:
    """A changed line that continues a condition written over several lines, where a retry- or
    timeout-named name decides on another of its lines: ``retryable = (retryable and self.retry_writes``
    gaining ``and not session.in_transaction)`` on a line of its own (a formatter's one-condition-a-line
    layout) changes that retry decision though the new line names no retry. Only ``and``/``or`` chains:
    a conjunct added or taken out is the decision changed. The work is bounded (``_CHAIN_BUDGET`` node
    steps a file side): a hostile chain of thousands of lines loses this reading, never takes unbounded
    time."""
    text = src.text.splitlines()
    named: dict[tuple[int, int], tuple[str, str, int] | None] = {}  # chain -> a deciding name and its line
    budget = _CHAIN_BUDGET
    for n in sorted(lines - set(out)):
        if not 0 < n <= len(text) or not text[n - 1].strip():
            continue
        node = syntax.node_at_indent(src.root, text, n)
        top = None
        while node is not None and node.type not in _STATEMENT_END:
            budget -= 1
            if budget <= 0:
                return
            op = node.child_by_field_name("operator") if node.type in _CHAINS else None
            if node.type in ("conjunction_expression", "disjunction_expression") or (
                    op is not None and syntax.node_text(op) in ("and", "or", "&&", "||")):
                top = node
            node = node.parent
        if top is None or top.start_point[0] == top.end_point[0]:
            continue
        key = (top.start_byte, top.end_byte)
        if key not in named:
            named[key] = None
            for ident in syntax.walk(top):
                budget -= 1
                if budget <= 0:
                    return
                if ident.type not in _IDENTS or ident.type == "type_identifier":
                    continue
                kind = settings.classify(syntax.node_text(ident))
                if kind is None:
                    continue
                budget -= _CHECK_COST
                if _decides(ident) and not (quiet is not None and quiet(ident)):
                    named[key] = (kind, syntax.node_text(ident), ident.start_point[0] + 1)
                    break
        got = named[key]
        if got is not None and got[2] != n:
            out[n] = (got[0], got[1])


#: node steps ``_continued_conditions`` may take in one side of a file, and what one name's checks cost
_CHAIN_BUDGET = 20_000
_CHECK_COST = 50


#: a leading verb that cancels what the rest of a name is (``_clearReconnect``, ``cancel_retry``)
_CANCELS = re.compile(r"^_*(clear|cancel)_?(?=[A-Za-z])", re.I)
_MEMBER = frozenset({"selector_expression", "member_expression", "attribute", "field_access", "navigation_expression",
                     "method_invocation", "member_access_expression"})
_ERROR_NAME = re.compile(r"(e|ex|exc|err|error|cause|\w*(Err|Error|Exception|_err|_error))", re.I)


def _on_an_error(node) -> bool:
    """``err.Timeout()``, ``e.timeout``, ``netErr.Timeout()``: what kind of failure happened (which a
    retry decision may read), not how long anything waits."""
    p = node.parent
    if p is None or p.type not in _MEMBER or not p.named_children or p.named_children[0] == node:
        return False
    receiver = syntax.node_text(p.named_children[0]).rsplit(".", 1)[-1]
    return bool(_ERROR_NAME.fullmatch(receiver)) or _asserted_error(p, receiver)


def _asserted_error(node, name: str) -> bool:
    """Go: ``if ne, ok := err.(net.Error); ok && ne.Timeout()``: ``ne`` is the error itself, seen through
    an interface, whatever it is called."""
    fn = syntax.ancestor(node, ("function_declaration", "method_declaration", "func_literal"))
    if fn is None or not name.isidentifier():
        return False
    return bool(re.search(rf"\b{name}\s*(,\s*\w+\s*)?:?=\s*[\w.]+\.\(\*?[\w.]*(Error|Err)\b",
                          syntax.node_text(fn)))


#: expressions where a name decides something: compared, counted, computed with, or tested
_DECIDING = frozenset({"binary_expression", "binary_operator", "comparison_operator", "boolean_operator",
                       "update_expression", "augmented_assignment", "augmented_assignment_expression",
                       "inc_statement", "dec_statement", "postfix_expression", "prefix_unary_expression",
                       "ternary_expression", "conditional_expression", "not_operator", "unary_expression",
                       "comparison_expression", "equality_expression", "conjunction_expression",
                       "disjunction_expression", "additive_expression", "multiplicative_expression",
                       "if_statement", "while_statement", "if_expression", "when_expression"})
_STATEMENT_END = frozenset({"expression_statement", "lexical_declaration", "variable_declaration", "return_statement",
                            "statement_block", "block", "local_variable_declaration", "short_var_declaration",
                            "assignment_statement", "property_declaration", "class_body", "function_body",
                            "arguments", "argument_list", "value_arguments"})


def _decides(node) -> bool:
    """Whether a name takes part in a decision (``retryCount <= limit``, ``if (!reconnectPeriod)``,
    ``attempts++``) rather than being handed on (``f(timeout)``, ``{retry: options.retry}``)."""
    p = node.parent
    while p is not None and p.type not in _STATEMENT_END:
        if p.type == "unary_expression" and syntax.node_text(p.child_by_field_name("operator")) == "&" and (
                p.child_by_field_name("operand") is not None
                and p.child_by_field_name("operand").type == "composite_literal"):
            p = p.parent  # Go's ``&Options{Timeout: t}``: building a struct by address decides nothing
            continue
        if p.type in _DECIDING:
            if _in_message(p):
                return False  # "timeout of " + timeout + "ms exceeded": a message, not a decision
            if p.type in ("if_statement", "while_statement", "if_expression"):
                cond = p.child_by_field_name("condition")
                return cond is not None and cond.start_byte <= node.start_byte < cond.end_byte
            return True
        p = p.parent
    return False


def _in_message(expr) -> bool:
    """Whether ``expr`` is part of a string built with an operator: ``"with timeout " + connectTimeout``
    (the whole chain, however long: ``"a " + x + " b " + timeout`` nests to the left)."""
    top = expr
    while top.parent is not None and top.parent.type == expr.type:
        top = top.parent
    stack = [top]
    while stack:
        n = stack.pop()
        if syntax.is_string(n):
            return True
        if n.type == expr.type:
            stack.extend(n.named_children)
    return False


#: string literals, left to right (so that the text between two strings is never read as one)
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`[^`\n]*`')


def _without_prose(line: str) -> str:
    """The line with every string that has a space in it blanked: prose (a message, a flag's help text)
    decides nothing, while a value such as ``"10s"``, ``"LOADING"`` or ``"Retry-After"`` is kept."""
    return _STRING.sub(lambda m: '""' if any(c.isspace() for c in m.group(0)) else m.group(0), line)


#: a comment to the end of the line (``// max 32-bit int``, ``# seconds``), after code or alone
_TRAILING_COMMENT = re.compile(r"(^|(?<=\s))(//|#(?=\s)|/\*).*$")
#: a class read only for one of its constants: the constant is the same wherever it is read from
_CLASS_QUALIFIER = re.compile(r"\b[A-Z]\w*\s*\.\s*(?=[A-Z][A-Z0-9]*(_[A-Z0-9]+)+\b)")


def _tokens(line: str) -> frozenset[str]:
    """The words and numbers of a line, in no order: a line re-indented, re-wrapped or with its
    comparison turned round (``0 < period`` -> ``period > 0``) has the same ones. The receiver
    (``this``, ``self``) and a private marker (``_retry``, ``#retry``) are not part of what a line does."""
    flip = {">": "<", ">=": "<="}
    # an exported Go name is the same name, and the object a value is read through is not what the
    # line does (``p.idleTimeout`` -> ``p.opt.IdleTimeout``): qualifiers before a ``.`` are left out,
    # unless they are retry/timeout names themselves (``timeout.unref()``)
    out = set()
    line = _without_prose(line)  # a help text or a message reworded decides nothing (a '#' in it included)
    line = defaults.typeof_as_comparison(line)  # ``typeof x === 'undefined'`` is ``x === undefined``
    line = _TRAILING_COMMENT.sub("", line)  # what a line says about itself decides nothing
    line = _CLASS_QUALIFIER.sub("", line)  # ``Timeout.DEFAULT_TIMEOUT`` is the constant ``DEFAULT_TIMEOUT``
    # what is thrown once the retries run out is not how often they run (``throw err`` -> ``throw new
    # RetryError(..., {cause: err})``): the statement leaves the same way
    line = _THROWN.sub(r"\1", line)
    if "&&" in line and len(line) <= _GUARD_LINE:  # ``a && a.retry && a.retry.limit`` is ``a?.retry?.limit``
        line = line.replace("?.", ".")
        for _ in range(8):  # (each pass takes one guard off each chain: chains this deep are rare)
            guarded = _GUARD_CHAIN.sub(r"\1.", line)
            if guarded == line:
                break
            line = guarded
    for t in re.findall(r"\w+\s*\??\.(?=\s*[A-Za-z_#$])|\w+|[<>=!]=?|&&|\|\||[-+*/%]", line):
        if t[0].isdigit():
            t = t.replace("_", "")  # ``30_000`` is ``30000``
        elif t.endswith("."):
            t = t.rstrip(".?").strip()
            if settings.classify(t) is None:
                continue
        if t not in ("this", "self"):
            out.add(_uncap(flip.get(t, t).lstrip("_") or t))
    return frozenset(out)


#: ``x && x.`` (``options && options.retry``): the guard optional chaining writes ``x?.``; read on lines
#: no longer than this (the back-reference costs the line's length squared)
_GUARD_CHAIN = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*&&\s*\1\.")
_GUARD_LINE = 400

#: a throw or raise and what it throws, to the end of the line
_THROWN = re.compile(r"\b(throw|raise)\b.*")


def _uncap(t: str) -> str:
    return t[:1].lower() + t[1:] if t[1:2].islower() else t


def _is_name(token: str) -> bool:
    return token[:1].isalpha() or token[:1] == "_"


def _same_thing(a: str, b: str) -> bool:
    """Whether swapping name ``a`` for ``b`` is a rename: yes unless both name a retry or timeout
    setting and each says something the other does not (``connectTimeout`` -> ``responseTimeout``
    applies another timeout; ``connectRetryAttempts`` -> ``connectAttempts`` is the same one)."""
    if settings.classify(a) is None or settings.classify(b) is None:
        return True
    wa, wb = _stems(a), _stems(b)
    return wa <= wb or wb <= wa


#: words a count's name may carry or drop without naming another thing (``retries`` / ``retryCount``)
_COUNT_WORDS = frozenset({"count", "number", "num", "n"})


def _stems(name: str) -> set[str]:
    """A name's words with plurals folded and count words left out: ``retries`` and ``retryCount`` say
    the same, ``connectTimeouts`` and ``connectTimeout`` too."""
    out = set()
    for w in settings.words(name):
        if w in _COUNT_WORDS:
            continue
        out.add(w[:-3] + "y" if w.endswith("ies") and len(w) > 4 else w[:-1] if w.endswith("s") and len(w) > 3 else w)
    return out


#: what joins conditions into one test
_CONNECTIVES = frozenset({"&&", "||", "and", "or"})

#: words that change what a line decides when they come or go: never incidental
_LOGIC_WORDS = frozenset({"not", "and", "or", "is", "in", "if", "else", "elif", "return", "while", "for", "break",
                          "continue", "throw", "raise", "None", "null", "nil", "undefined", "true", "false", "True",
                          "False", "await", "yield", "new", "typeof", "instanceof", "delete", "void"})


def _incidental(token: str) -> bool:
    """A name that is neither a retry/timeout name nor a word of the line's logic: a callee, a receiver,
    a helper or a type, which a refactor may rename or add without changing any decision."""
    return _is_name(token) and token not in _LOGIC_WORDS and settings.classify(token) is None


def _deciding_part(toks: frozenset[str]) -> frozenset[str]:
    """What a line decides with: its tokens less the incidental names."""
    return frozenset(t for t in toks if not _incidental(t))


def _renamed(lines: list[frozenset[str]], exclusive: frozenset[str]) -> set[frozenset[str]]:
    """The lines with every name found on only one side of the change blanked out: a line that reads
    the same once renamed names are blanked (a type, a helper or a receiver renamed) is the old line
    renamed, not new logic. Retry- and timeout-named names are never blanked (see ``_same_thing``)."""
    return {frozenset("\0" if t in exclusive else t for t in toks) for toks in lines}


def _logic_findings(logic: list[tuple], findings: list[Finding], retry_sig: dict, timeout_sig: dict,
                    counts: dict[str, float], renamed: dict[str, str] | None = None) -> None:
    """A change to code that works with retry or timeout names, where no construct explained it: one
    finding per file and kind, at the first such line (a moved or renamed line is no change; names the
    change renames consistently, ``renames.consistent``, are blanked like any name of one side only)."""
    def old_tokens(text: str) -> frozenset[str]:  # a removed line read with the change's renames made
        return _tokens(renames.apply(text, renamed)) if renamed else _tokens(text)  # (a tag or flag spelled too)

    removed_toks = [old_tokens(t) for _, _, _, removed, _ in logic for t in removed.values()]
    added_toks = [_tokens(t) for _, _, _, _, added in logic for t in added.values()]
    gone, came = set(removed_toks), set(added_toks)
    words_gone = frozenset(t for toks in removed_toks for t in toks)
    words_came = frozenset(t for toks in added_toks for t in toks)
    exclusive = frozenset(t for t in words_gone ^ words_came if _is_name(t) and settings.classify(t) is None)
    exclusive |= frozenset(_uncap(n.lstrip("_") or n) for pair in (renamed or {}).items() for n in pair)
    gone |= _renamed(removed_toks, exclusive)
    came |= _renamed(added_toks, exclusive)

    def seen(toks: frozenset[str], other: set[frozenset[str]]) -> bool:
        if toks in other or next(iter(_renamed([toks], exclusive))) in other:
            return True
        # one name swapped for another and nothing else (``self.max_attempts`` -> ``self.get_max_attempts()``)
        for o in other:  # (on a line with more than the two names: ``if (x)`` -> ``if (y)`` is no rename)
            if len(toks - o) == 1 and len(o - toks) == 1 and len(toks) > 2:
                (a,), (b,) = toks - o, o - toks
                if _is_name(a) and _is_name(b) and _same_thing(a, b):
                    return True
        # the same retry/timeout names, operators and numbers, only other names around them changed
        # (``time() > deadline`` -> ``time.monotonic() > deadline``, a helper or a receiver renamed)
        # (swapped, not added to a chain of conditions: ``!this.closed &&`` added to a reconnect test is a
        # new reason not to retry; a call split over two lines loses names from its first one)
        mine = _deciding_part(toks)
        return bool(mine) and any(_deciding_part(o) == mine and all(_incidental(t) for t in toks ^ o)
                                  and (len(toks - o) <= len(o - toks) or not _CONNECTIVES & toks & o) for o in other)

    for _f, pre, post, removed, added in logic:
        _relabel(post, added, removed)
        _relabel(pre, removed, added)
    explained = {(s["path"], kind) for kind, sig in (("retry", retry_sig), ("timeout", timeout_sig))
                 for part in ("added", "removed", "modified") for s in sig[part]}
    for f, pre, post, removed, added in logic:
        defined_post, defined_pre = _defined_on(added), _defined_on(removed)
        for kind in ("retry", "timeout"):
            if (f.path, kind) in explained:
                continue
            hits = [(n, name, "new") for n, (k, name) in post.items() if k == kind
                    and not seen(_tokens(added.get(n, "")), gone) and not _calls_defined(added.get(n, ""), name, defined_post)]
            hits += [(new_line(f.hunks, n), name, "old") for n, (k, name) in pre.items() if k == kind
                     and not seen(old_tokens(removed.get(n, "")), came)
                     and not _calls_defined(removed.get(n, ""), name, defined_pre)]
            if not hits:
                continue
            line, name, side = min(hits)
            counts[f"{kind}_changed"] += 1
            sig = retry_sig if kind == "retry" else timeout_sig
            sig["modified"].append({"path": f.path, "line": line, "library": "logic", "target": name})
            findings.append(finding(f"{kind}.changed", f.path, line, line,
                                    f"changes {kind} logic: {len(hits)} changed line{'s' if len(hits) != 1 else ''} "
                                    f"{'use' if len(hits) != 1 else 'uses'} {name}"
                                    + (" (removed there)" if side == "old" else ""), ""))


def _calls_defined(line: str, name: str, defined: frozenset[str]) -> bool:
    """Whether ``line`` only calls ``name`` (``that._setupReconnect();``) and the same side of the change
    defines that function (``defined``, :func:`_defined_on`: ``MqttClient.prototype._setupReconnect =
    function () {``, ``def _reconnect(``):
    code moved into a new helper and called where it was (or a helper inlined) is judged by the
    helper's own lines, which are compared like any others; the call itself decides nothing new."""
    if not re.fullmatch(rf"\s*(await\s+)?((this|that|self|\w+)\s*\.\s*)?{re.escape(name)}\s*\([^()]*\)\s*;?\s*", line):
        return False
    return name in defined


_DEFINES = re.compile(r"(?<![\w$])([\w$]+)\s*[:=]\s*(?:async\s+)?(?:function\b|\([^()]*\)\s*=>)|\bfunction\s*\*?\s*([\w$]+)\s*\("
                      r"|\bdef\s+(\w+)\s*\(|^\s*(?:(?:async|private|public|protected|static)\s+)*([\w$]+)\s*\([^()]*\)\s*[:{]")


def _defined_on(side: dict[int, str]) -> frozenset[str]:
    """Names of the functions the lines of one side of a file's change define (read once a side)."""
    return frozenset(g for t in side.values() for m in _DEFINES.finditer(t) for g in m.groups() if g)


def _relabel(hits: dict[int, tuple[str, str]], mine: dict[int, str], theirs: dict[int, str]) -> None:
    """A changed line whose retry- or timeout-named names are the same as on a line of the other side,
    and whose difference is a name of the *other* kind, changes the other kind:
    ``shouldRetry(err, cmd.readTimeout() == nil)`` gaining ``&& !cmd.NoRetry()`` changes a retry
    decision, not a timeout."""
    other_lines = [_tokens(t) for t in theirs.values()]
    for n, (kind, _name) in list(hits.items()):
        toks = _tokens(mine.get(n, ""))
        same = {t for t in toks if settings.classify(t) == kind}
        if not same:
            continue
        other = "timeout" if kind == "retry" else "retry"
        for o in other_lines:
            if not (o < toks or toks < o):
                continue  # the line only gained (or lost) something: a condition, an argument
            diff = toks ^ o
            if {t for t in o if settings.classify(t) == kind} == same and not any(
                    settings.classify(t) == kind for t in diff):
                swapped = next((t for t in sorted(diff) if _is_name(t) and settings.classify(t) == other), None)
                if swapped is not None:
                    hits[n] = (other, swapped)
                    break


def _scopes_of_lines(src: syntax.Source | None, lines: set[int]) -> set[str]:
    """Qualnames of the functions the given lines sit in: what counts as "a function the change touched".

    Found from the node at each line walking up its parents, which costs the tree depth per line
    rather than a scope walk of the whole file.
    """
    if src is None or not lines:
        return set()
    out: set[str] = set()
    text_lines = src.text.splitlines()
    known: dict[int, str] = {}  # one tree's climbs shared by all its lines (see syntax.qualname_at)
    for n in lines:
        node = syntax.node_at_indent(src.root, text_lines, n)
        if node is not None and node.parent is not None and node.parent.type == "export_statement":
            decl = node.parent.child_by_field_name("declaration")  # JS ``export function f(ms = 5000) {``
            node = (decl.child_by_field_name("body") or decl) if decl is not None else node
        name = syntax.qualname_at(node, src.language, known) if node is not None else ""
        if node is not None and node.type in ("identifier", "name") and node.parent is not None:
            name = syntax.qualname_at(node.parent, src.language, known)  # a def line names its own scope
        if name:
            out.add(name)
    return out


def _decided_at(c: Construct, added_lines: set[int]) -> int:
    """Where a retry the change made out of an existing loop is decided: a loop whose header the change
    kept but which only now retries (the exit on failure taken out, a ``continue`` put in) goes round
    again because of a line changed inside it, the last one (where the old exit stood, labelling rules
    round 6, rule 5); a new loop is decided at its header."""
    header = int(c.line)
    if c.kind != "retry" or header in added_lines or c.end_line - header < 2:
        return header
    inside = [n for n in added_lines if header < n <= c.end_line]
    return max(inside) if inside else header


#: languages whose new retries are compared with the policies the file already applied (``_repeats_policy``)
_REPEATED_POLICY_LANGUAGES = frozenset({"java", "kotlin"})


def _repeats_policy(f: FileChange, pre: Scan, post: Scan) -> Callable[[Construct], bool]:
    """Whether a retry the change adds repeats a policy the file already applied and still applies: a
    copy of an existing retry loop (the same decisions, ``flush()`` and ``close()`` recovering the way
    ``write()`` already did), or a library policy with the attempts and backoff the file's existing one
    has (a builder whose defaults mirror the template's own). Its anti-pattern, if it has one, is the
    file's existing one used once more, not one the change brings in (labelling rules, round 9, rule
    26); the retry itself is still added. Java and Kotlin (where it was measured).

    Asked of each retry a file adds, so the file's policies are grouped once: by what makes two the same
    policy (library, attempts, backoff, method, idempotency key, a loop's decisions), each group with the
    (key, value, attempts, backoff) it has in both images. Before, each added retry scanned both images'
    constructs: 2,000 loops added beside 2,000 kept took 10 s (x3.2 per doubling)."""
    def policy(x: Construct) -> tuple:
        return (x.kind, x.library, x.attempts, x.backoff, x.method, x.idempotency_key,
                x.value if x.library == "loop" else None)

    def held(x: Construct) -> tuple:
        return (x.key, x.value, x.attempts, x.backoff)

    in_post: dict[tuple, dict[tuple, int]] = {}
    for q in post.constructs:
        counted = in_post.setdefault(policy(q), {})
        counted[held(q)] = counted.get(held(q), 0) + 1
    in_both: dict[tuple, set[tuple]] = {}
    for p in pre.constructs:
        if held(p) in in_post.get(policy(p), {}):
            in_both.setdefault(policy(p), set()).add(held(p))
    post_ids = {id(q) for q in post.constructs}
    applies = syntax.language_of(f.path) in _REPEATED_POLICY_LANGUAGES and f.status != "added"

    def repeats(c: Construct) -> bool:
        if not applies or c.kind != "retry" or c.library in ("setting", COMPUTED):
            return False
        if c.library == "loop" and not c.value:
            return False  # a loop without a digest of its decisions is no policy to compare
        common = in_both.get(policy(c), set())
        mine = held(c)
        if len(common) > 1 or (len(common) == 1 and mine not in common):
            return True  # another policy of the file, before and after, is this one
        # this one's own (key, value, attempts, backoff) counts only if another construct holds it too
        return mine in common and in_post[policy(c)][mine] - (1 if id(c) in post_ids else 0) > 0

    return repeats


def _anti(path: str, c: Construct, before: Construct | None, counts: dict[str, float],
          at: int | None = None) -> list[Finding]:
    if paths.is_test(path) or c.library == "setting" and c.kind == "retry":
        return []
    out = []
    for kind, msg in _antipatterns(c, before):
        counts[f"{kind.split('.')[0]}_antipatterns"] += 1
        line = at or c.line
        out.append(finding(kind, path, line, max(line, c.end_line), msg, c.scope))
    return out


def _values(c: Construct) -> dict[str, Any]:
    v: dict[str, Any] = {"value": c.value} if c.value else {}
    if c.kind == "retry":
        v["attempts"] = None if c.attempts is None else ("unlimited" if c.attempts == INFINITE else c.attempts)
        v["backoff"] = c.backoff
    else:
        v["seconds"] = None if c.seconds is None else ("unbounded" if c.seconds == INFINITE else c.seconds)
    return v


def _sig(path: str, c: Construct) -> dict[str, Any]:
    return {"path": path, "line": c.line, "library": c.library, "target": c.target, "scope": c.scope, **_values(c)}
