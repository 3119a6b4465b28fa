"""The conformance suite: every registered detector and every registered language, on the inputs that break
detectors (as scikit-learn's ``check_estimator`` runs over every estimator).

The changes are real: one git repository, a base commit with a file per registered language, and one
branch per case (an edit, broken syntax, empty files, files over the size caps, binary and unknown
files, a deletion and a rename, CRLF line endings), read back with ``change_from_range`` and parsed
with the installed tree-sitter grammars. Each detector is called directly, so a crash fails the test
instead of being recorded, and every output is checked against its declaration: every declared
feature reported, each None or finite; findings of declared kinds, on the change's files, on lines
that exist; signals under declared keys; the same output for the same input.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from mergeguard import languages, paths
from mergeguard.assessment import Finding
from mergeguard.change import Change, Limits
from mergeguard.errors import RepositoryError
from mergeguard.features import FEATURES, Context, Extraction, contract, extract_all, syntax
from mergeguard.features.contract import DetectorSpec
from mergeguard.git import GitRepo
from mergeguard.models.model import load
from mergeguard.pipeline import assess
from mergeguard.sources import change_from_range, history_at

from .gitrepo import commit, git, init_repo

DETECTORS = contract.registry()
DETECTOR_IDS = [d.spec.name for d in DETECTORS]
LANGUAGES = languages.REGISTRY
PARSED = [lang for lang in LANGUAGES if lang.grammar is not None]

#: a small realistic file per parsed language (each parses without errors; numbers the edit can change)
SAMPLES: dict[str, str] = {
    "python": 'import requests\n\n\ndef fetch(url):\n    """Get it."""\n    return requests.get(url, timeout=5)\n\n\n'
              "class Client:\n    def status(self, url):\n        return fetch(url).status_code\n",
    "javascript": "export async function fetchIt(url) {\n"
                  "  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });\n  return res.json();\n}\n\n"
                  "export class Client {\n  status(url) {\n    return fetchIt(url);\n  }\n}\n",
    "typescript": "export async function fetchIt(url: string): Promise<unknown> {\n"
                  "  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });\n  return res.json();\n}\n\n"
                  "export interface Options {\n  retries: number;\n}\n",
    "tsx": "export function View(props: { name: string; count: number }) {\n  return <div>{props.name} {5}</div>;\n}\n",
    "go": 'package svc\n\nimport (\n\t"net/http"\n\t"time"\n)\n\n'
          "var client = &http.Client{Timeout: 5 * time.Second}\n\n"
          "// Fetch gets a URL.\nfunc Fetch(url string) (*http.Response, error) {\n\treturn client.Get(url)\n}\n",
    "java": "package svc;\n\nimport java.time.Duration;\n\npublic class Fetcher {\n"
            "    private final Duration timeout = Duration.ofSeconds(5);\n\n    public Duration timeout() {\n"
            "        return timeout;\n    }\n}\n",
    "ruby": "class Fetcher\n  def fetch(url)\n    Net::HTTP.get(URI(url), read_timeout: 5)\n  end\nend\n",
    "rust": "pub fn add(a: i32, b: i32) -> i32 {\n    a + b + 5\n}\n\npub struct Client {\n    pub retries: u32,\n}\n",
    "csharp": "namespace Svc\n{\n    public class Fetcher\n    {\n"
              "        public int Timeout() { return 5; }\n    }\n}\n",
    "kotlin": "package svc\n\nclass Fetcher {\n    fun timeout(): Int = 5\n}\n",
}
BROKEN_TAIL = "\n)))) {{{ def class <<< ]]] 'unterminated\n"
BINARY = bytes(range(256)) * 8


def sample(lang: languages.Language) -> str:
    if lang.name in SAMPLES:
        return SAMPLES[lang.name]
    mark = "#" if lang.comment == languages.HASH else "--" if lang.name == "sql" else "//"
    return f"{mark} {lang.display} sample\nvalue = 5\nother = 6\n"


def edited(text: str) -> str:
    return text.replace("5", "50") + ("\n" if not text.endswith("\n") else "")


def huge(lang: languages.Language) -> str:
    """Over the syntax layer's cap (``syntax.MAX_BYTES``), in few long lines: bounded by the cap, not by luck."""
    line = "x" * 990
    comment = "#" if lang.comment == languages.HASH else "//"
    return "".join(f"{comment} {i:06d} {line}\n" for i in range(syntax.MAX_BYTES // 1000 + 50))


def file_path(lang: languages.Language, stem: str) -> str:
    return f"src/{lang.name}/{stem}{lang.extensions[0]}"


CASES = ("edit", "broken", "empty", "huge", "binary_unknown", "delete_rename", "crlf")


@pytest.fixture(scope="module")
def changes(tmp_path_factory) -> dict[str, Change]:
    """One change per case, each touching a file of every registered language, from one real repository."""
    repo = init_repo(tmp_path_factory.mktemp("conformance") / "repo")
    base: dict[str, str | bytes | None] = {"README.md": "conformance\n"}
    for lang in LANGUAGES:
        for stem in ("edit", "broken", "emptied", "gone", "moved", "crlf"):
            base[file_path(lang, stem)] = sample(lang)
    base["assets/logo.bin"] = BINARY
    commit(repo, base, "base", when=1_700_000_000)
    heads: dict[str, dict[str, str | bytes | None]] = {c: {} for c in CASES}
    for lang in LANGUAGES:
        text = sample(lang)
        heads["edit"][file_path(lang, "edit")] = edited(text)
        heads["broken"][file_path(lang, "broken")] = text[: len(text) // 2] + BROKEN_TAIL
        heads["empty"][file_path(lang, "new_empty")] = ""
        heads["empty"][file_path(lang, "emptied")] = ""
        if lang.grammar is not None:  # the parse cap is what is tested; 1 MB each keeps the diff under its own cap
            heads["huge"][file_path(lang, "huge")] = huge(lang)
        heads["delete_rename"][file_path(lang, "gone")] = None
        heads["delete_rename"][file_path(lang, "moved")] = None
        heads["delete_rename"][file_path(lang, "renamed")] = text + "\n"
        heads["crlf"][file_path(lang, "crlf")] = edited(text).replace("\n", "\r\n").encode()
    heads["binary_unknown"].update({"assets/logo.bin": BINARY[::-1], "data/table.xyz": "a,b\n1,2\n",
                                    "src/python/blob.py": b"\x00\x01PK\x03\x04" + BINARY})
    out: dict[str, Change] = {}
    for case in CASES:
        git(repo, "checkout", "-q", "-b", case, "main")
        commit(repo, heads[case], case, when=1_700_000_100)
        out[case] = change_from_range(GitRepo(str(repo)), "main", case, Limits())
    git(repo, "checkout", "-q", "main")
    out["repo"] = repo  # type: ignore[assignment] - where the cases live, for the capped re-read
    return out


@pytest.fixture(scope="module")
def context(changes) -> Context:
    """What the detectors know besides the change: the history of the base (every case branches from it)."""
    return Context(history=history_at(GitRepo(str(changes["repo"])), "main"))


def fresh(change: Change, lang: languages.Language | None = None) -> Change:
    """The change with nothing derived yet (no parsed trees, no warnings), optionally one language's files."""
    files = change.files if lang is None else [
        f for f in change.files if paths.language(f.old_path or f.path) == lang.name
        or paths.language(f.path) == lang.name]
    return replace(change, files=list(files), warnings=list(change.warnings), derived={})


def comparable(ex: Extraction) -> str:
    """An extraction as JSON without wall-clock figures."""
    signals = {k: ({kk: vv for kk, vv in v.items() if kk != "ms"} if k == "syntax" and isinstance(v, dict) else v)
               for k, v in ex.signals.items() if k != "timing_ms"}
    return json.dumps({"features": ex.features, "findings": ex.findings, "signals": signals}, sort_keys=True,
                      default=str)


def image_lines(change: Change, path: str) -> dict[str, int]:
    out = {}
    for f in change.files:
        if f.path != path and f.old_path != path:
            continue
        for side in ("pre", "post"):
            text = change.image(f.path, side)
            if text is not None:
                out[side] = max(1, len(text.splitlines()))
    return out


def check_output(detector: contract.Detector, change: Change, ex: Extraction) -> None:
    spec = detector.spec
    assert isinstance(ex, Extraction)
    assert list(ex.features) == list(spec.features), f"{spec.name} must report exactly its declared features"
    for name, value in ex.features.items():
        assert value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)
                                 and math.isfinite(value)), f"{spec.name}.{name} = {value!r}"
    touched = {p for f in change.files for p in (f.path, f.old_path) if p}
    for finding in ex.findings:
        assert isinstance(finding, Finding), f"{spec.name} reported {type(finding).__name__}, not a Finding"
        assert finding.kind in spec.finding_kinds, f"{spec.name} reported an undeclared kind {finding.kind}"
        assert finding.path in touched, f"{spec.name} reported on {finding.path}, not in the change"
        line, end = finding.line, finding.end_line
        if line is not None:
            most = max(image_lines(change, finding.path).values(), default=0)
            assert 1 <= line <= (end or line) <= most, f"{spec.name}: {finding.kind} at {line}-{end} of {most}"
    assert set(ex.signals) <= set(spec.signals) | {"syntax"}, f"{spec.name} wrote undeclared signals"
    assert contract.failures(change) == [], f"{spec.name} recorded failures: {contract.failures(change)}"
    json.dumps(ex.signals, default=str)  # signals are JSON-ready


# -- the registry ---------------------------------------------------------------------------------------


def test_every_model_feature_is_owned_by_exactly_one_detector():
    contract.check(DETECTORS)  # raises on a feature, finding kind, signal or name claimed twice
    owners: dict[str, list[str]] = {}
    for det in DETECTORS:
        for name in det.spec.features:
            owners.setdefault(name, []).append(det.spec.name)
    shipped = load()
    for name in (*shipped.features, *FEATURES):
        assert len(owners.get(name, [])) == 1, f"feature {name} is owned by {owners.get(name, [])}"
    kinds = [k for det in DETECTORS for k in det.spec.finding_kinds]
    assert len(kinds) == len(set(kinds)) and kinds


def test_two_detectors_cannot_claim_one_feature_or_finding_kind():
    class Claims:
        def __init__(self, spec: DetectorSpec) -> None:
            self.spec = spec

        def extract(self, change: Change, context: Context) -> Extraction:
            return Extraction(dict.fromkeys(self.spec.features))

    with pytest.raises(ValueError, match="feature 'la' is claimed by both 'diffstat' and 'thief'"):
        contract.register(Claims(DetectorSpec("thief", ("la",))))
    with pytest.raises(ValueError, match="finding kind 'retry.removed'"):
        contract.register(Claims(DetectorSpec("thief", ("stolen",), finding_kinds=("retry.removed",))))
    with pytest.raises(ValueError, match="detector 'history'"):
        contract.register(Claims(DetectorSpec("history", ("other",))))
    with pytest.raises(TypeError, match="contract"):
        contract.register(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="twice"):
        DetectorSpec("x", ("a", "a"))
    assert contract.registry() == DETECTORS


@pytest.mark.parametrize("detector", DETECTORS, ids=DETECTOR_IDS)
def test_detector_declares_itself(detector):
    assert isinstance(detector, contract.Detector)
    spec = detector.spec
    assert spec.features and spec.signals and all(isinstance(n, str) and n for n in spec.features)
    assert set(spec.modelled) <= set(FEATURES) and set(spec.not_modelled).isdisjoint(FEATURES)


# -- every detector on every case (all languages in one change) -------------------------------------------


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("detector", DETECTORS, ids=DETECTOR_IDS)
def test_detector_conforms(changes, context, detector, case):
    first, second = fresh(changes[case]), fresh(changes[case])
    out = detector.extract(first, context)
    check_output(detector, first, out)
    assert comparable(detector.extract(second, context)) == comparable(out), "same input, same output"
    without = fresh(changes[case])  # and with no repository around it (a diff on stdin)
    check_output(detector, without, detector.extract(without, Context()))


# -- every detector on every language, one language's files at a time -----------------------------------


@pytest.mark.parametrize("lang", LANGUAGES, ids=[lang.name for lang in LANGUAGES])
@pytest.mark.parametrize("detector", DETECTORS, ids=DETECTOR_IDS)
def test_detector_conforms_per_language(changes, context, detector, lang):
    for case in ("edit", "broken", "empty", "delete_rename", "crlf"):
        change = fresh(changes[case], lang)
        assert change.files, f"{case} has {lang.name} files"
        out = detector.extract(change, context)
        check_output(detector, change, out)
        assert comparable(detector.extract(fresh(changes[case], lang), context)) == comparable(out)


# -- every parsed language through the syntax layer ------------------------------------------------------


@pytest.mark.parametrize("lang", PARSED, ids=[lang.name for lang in PARSED])
def test_grammar_parses_recovers_and_places_scopes(lang):
    assert syntax.grammar(lang.name) is not None, f"the {lang.grammar} wheel is a dependency"
    good = syntax.parse(sample(lang), lang.name)
    assert not good.root_node.has_error, f"the {lang.name} sample parses cleanly"
    broken = syntax.parse(sample(lang)[: len(sample(lang)) // 2] + BROKEN_TAIL, lang.name)
    assert broken.root_node.has_error  # recovered, flagged, not raised
    assert syntax.parse("", lang.name).root_node.end_byte == 0
    assert syntax.parse(b"\xff\xfe\x00 not utf-8 \x80", lang.name) is not None
    text = sample(lang)
    lf = syntax.Source("x", "post", lang.name, text, good)
    crlf_text = text.replace("\n", "\r\n")
    crlf = syntax.Source("x", "post", lang.name, crlf_text, syntax.parse(crlf_text, lang.name))
    assert [(s.qualname, s.start_line, s.end_line) for s in crlf.scopes()] == [
        (s.qualname, s.start_line, s.end_line) for s in lf.scopes()]
    if lang.scopes:
        assert lf.scopes(), f"the {lang.name} sample has a scope the registry's node types find"
    if lang.name in ("python", "javascript", "typescript", "go", "ruby", "java"):  # samples that call something
        assert list(syntax.calls(good.root_node, lang.name)), f"the registry's {lang.name} call node types match"


def test_over_the_cap_is_flagged_not_parsed(changes):
    change = fresh(changes["huge"])
    cache = syntax.syntax_of(change)
    for lang in PARSED:
        f = next(f for f in change.files if f.path == file_path(lang, "huge"))
        assert len(change.image(f.path, "post").encode()) > syntax.MAX_BYTES
        assert cache.source(f, "post") is None
    ex = extract_all(change, Context())
    assert ex.signals["syntax"]["unavailable"] >= len(PARSED) and ex.signals["syntax"]["parsed"] == 0
    assert all(v is None or math.isfinite(v) for v in ex.features.values())
    capped = change_from_range(GitRepo(str(changes["repo"])), "main", "huge", Limits(max_file_lines=100))
    assert capped.truncated, "a diff over the line cap says so"


def test_binary_and_unknown_files_are_skipped_not_misread(changes):
    change = fresh(changes["binary_unknown"])
    ex = extract_all(change, Context())
    assert {f.path for f in change.files if f.binary} >= {"assets/logo.bin"}
    assert ex.features["files_with_resilience_code"] is None or ex.features["files_with_resilience_code"] == 0
    assert "detector_errors" not in ex.signals


# -- a detector that fails is reported, and the others still run ------------------------------------------


class Exploding:
    """A deliberately broken detector: raises on the whole change."""

    spec = DetectorSpec("exploding", ("boom_count",), signals=("boom",))

    def extract(self, change: Change, context: Context) -> Extraction:
        raise RuntimeError("scanner bug on " + change.files[0].path)


class FailsOnOneFile:
    """A detector that cannot read one file, records it and goes on with the rest."""

    spec = DetectorSpec("picky", ("files_read",), signals=("picky",))

    def extract(self, change: Change, context: Context) -> Extraction:
        read = 0
        for f in change.files:
            try:
                if f.path.startswith("src/python/"):
                    raise ValueError(f"cannot read {f.path}")
                read += 1
            except ValueError as exc:
                contract.record_failure(change, self.spec.name, f.path, exc)
        return Extraction({"files_read": float(read)}, [], {"picky": {"read": read}})


def test_a_failing_detector_is_reported_and_the_others_still_run(changes):
    before = extract_all(fresh(changes["edit"]), Context())
    with contract.registered(Exploding()), contract.registered(FailsOnOneFile()):
        change = fresh(changes["edit"])
        ex = extract_all(change, Context())
    assert contract.registry() == DETECTORS  # unregistered again
    assert ex.signals["detector_errors"] == {"exploding": 1, "picky": 1}
    assert ex.features["boom_count"] is None and ex.features["files_read"] == len(change.files) - 1
    assert {k: v for k, v in ex.features.items() if k in before.features} == before.features
    assert ex.findings == before.findings
    assert any(w.startswith("exploding: the detector failed: RuntimeError: scanner bug on src/")
               for w in change.warnings)
    assert any("picky: the detector failed on src/python/edit.py: ValueError" in w for w in change.warnings)
    # and the assessment says so
    with contract.registered(Exploding()):
        a = assess(fresh(changes["edit"]), Context(), load(), top_reasons=3)
    assert any("exploding: the detector failed" in w for w in a.warnings)
    assert a.signals["detector_errors"] == {"exploding": 1}


def test_failures_are_bounded_and_counted_once_per_detector(changes):
    change = fresh(changes["edit"])
    for i in range(50):
        contract.record_failure(change, "picky", f"f{i}.py", ValueError("x" * 10_000))
    counts = contract.report_failures(change)
    assert counts == {"picky": 50}
    assert len(change.warnings) == len(changes["edit"].warnings) + 1
    assert "and 49 more failures" in change.warnings[-1] and len(change.warnings[-1]) < 500


class MirrorGone:
    """A detector whose repository read fails: the repository is at fault, not the detector."""

    spec = DetectorSpec("mirror_gone", ("never",), signals=("gone",))

    def extract(self, change: Change, context: Context) -> Extraction:
        raise RepositoryError("git cat-file failed: the mirror lost its objects")


def test_a_repository_error_still_reaches_the_face(changes):
    with contract.registered(MirrorGone()), pytest.raises(RepositoryError, match="lost its objects"):
        extract_all(fresh(changes["edit"]), Context())
