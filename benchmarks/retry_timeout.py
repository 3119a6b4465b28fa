"""Retry/timeout detector against the labelled real-commit corpus: precision, recall, F1.

The corpus is ``benchmarks/data/retry_timeout/<owner>+<name>.json`` (format and labelling rules in
``docs/retry_timeout_labelling.md``): commit ids and labels a person gave by reading each diff. Each
repository's commits are scored through the very code path of
``mergeguard score --repo MIRROR --commit SHA... --format json`` (the CLI's ``main`` is called
in-process, so the gate, the limits and the default model are exactly the user's), and the
assessment's findings are turned into predictions:

- ``changes_retry`` is predicted when the assessment has a ``retry.added``, ``retry.removed`` or
  ``retry.changed`` finding (the findings behind the features ``retry_added/removed/changed``);
- ``changes_timeout`` likewise with ``timeout.added``, ``timeout.removed``, ``timeout.changed``.
  Anti-pattern kinds (``timeout.increased`` among them) do not count as a predicted change: they are
  measured on their own, so that one signal is never credited twice;
- anti-patterns, at commit level (the set of anti-pattern kinds per commit, pairs (commit, kind)
  counted) and at line level (a predicted finding matches a labelled one of the same kind in the same
  path within 3 lines, one to one).

``--by-rule`` says which rule produced each prediction (:class:`Fired`: the finding kind, its file's
language and the construct that decided it, read from the assessment's own signals) and gives each
rule's true and false positives on the split, the commits where it alone made the prediction, and the
repositories it was right and wrong in: a rule right in one repository and wrong in several was written
for that repository.

Mirrors are found under ``--mirrors`` (default ``/work/.mirror``) as ``<owner>+<name>/`` holding a bare
git directory at any depth up to two (the fetch tool's layout is ``<owner>+<name>/repo``).

    python benchmarks/retry_timeout.py                      # held-out part (the figures to quote)
    python benchmarks/retry_timeout.py --split dev --errors # the part you may look at, with misses
    python benchmarks/retry_timeout.py --split all --json /tmp/rt.json
    python benchmarks/retry_timeout.py --split dev --by-rule --data FOLDER  # a folder with some repositories

Commits a mirror does not have are reported and left out, never counted as negatives.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data" / "retry_timeout"
LABELS = ("changes_retry", "changes_timeout")
ANTI_PATTERNS = ("retry.without_backoff", "retry.without_limit", "retry.nested", "retry.non_idempotent",
                 "timeout.unbounded", "timeout.missing", "timeout.increased")
CHANGE_KINDS = {"changes_retry": ("retry.added", "retry.removed", "retry.changed"),
                "changes_timeout": ("timeout.added", "timeout.removed", "timeout.changed")}
LANGUAGES = ("python", "go", "javascript", "typescript", "java", "kotlin")
SPLITS = ("dev", "heldout")
SOURCES = ("keyword", "unworded", "hard_negative", "random")
LINE_TOLERANCE = 3


class CorpusError(ValueError):
    """A corpus file that does not follow the shared format."""


@dataclass(frozen=True)
class AntiPattern:
    kind: str
    path: str
    line: int


@dataclass(frozen=True)
class Labelled:
    """One labelled commit, with the repository and language of its file."""

    repository: str
    language: str
    sha: str
    split: str
    source: str
    changes_retry: bool
    changes_timeout: bool
    anti_patterns: tuple[AntiPattern, ...]
    note: str
    #: 9 for the fresh commits of round 9 (drawn blind, after eight rounds of rules written from dev);
    #: 0 for the corpus before it, whose rows carry no round
    round: int = 0


@dataclass(frozen=True)
class Predicted:
    """What the assessment of one commit says, reduced to the corpus's labels."""

    changes_retry: bool
    changes_timeout: bool
    anti_patterns: tuple[AntiPattern, ...]


def heldout_by_hash(sha: str) -> bool:
    """The shared split rule: about 40% held out, chosen by the sha, so nobody chooses."""
    return int(sha[:8], 16) % 10 < 4


# -- corpus -----------------------------------------------------------------------------------------

def load_file(path: Path) -> list[Labelled]:
    """Read and check one corpus file; a malformed one is a CorpusError naming the file and commit."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path}: {exc}") from None
    where = path.name
    if not isinstance(doc, dict) or not isinstance(doc.get("commits"), list):
        raise CorpusError(f"{where}: expected an object with a 'commits' list")
    repository, language = doc.get("repository"), doc.get("language")
    if not isinstance(repository, str) or repository.count("/") != 1:
        raise CorpusError(f"{where}: 'repository' must be owner/name")
    if language not in LANGUAGES:
        raise CorpusError(f"{where}: 'language' must be one of {', '.join(LANGUAGES)}")
    out: list[Labelled] = []
    seen: set[str] = set()
    for i, c in enumerate(doc["commits"]):
        at = f"{where}: commit {i}"
        if not isinstance(c, dict):
            raise CorpusError(f"{at}: not an object")
        sha = c.get("sha")
        if not isinstance(sha, str) or len(sha) != 40 or any(ch not in "0123456789abcdef" for ch in sha):
            raise CorpusError(f"{at}: 'sha' must be 40 lower-case hex digits")
        at = f"{where}: {sha[:12]}"
        if sha in seen:
            raise CorpusError(f"{at}: listed twice")
        seen.add(sha)
        if c.get("split") not in SPLITS:
            raise CorpusError(f"{at}: 'split' must be dev or heldout")
        if (c["split"] == "heldout") != heldout_by_hash(sha):
            raise CorpusError(f"{at}: 'split' disagrees with the hash rule (int(sha[:8], 16) % 10 < 4 is heldout)")
        if c.get("source") not in SOURCES:
            raise CorpusError(f"{at}: 'source' must be one of {', '.join(SOURCES)}")
        for label in LABELS:
            if not isinstance(c.get(label), bool):
                raise CorpusError(f"{at}: '{label}' must be true or false")
        aps = c.get("anti_patterns", [])
        if not isinstance(aps, list):
            raise CorpusError(f"{at}: 'anti_patterns' must be a list")
        parsed = []
        for ap in aps:
            if (not isinstance(ap, dict) or ap.get("kind") not in ANTI_PATTERNS or not isinstance(ap.get("path"), str)
                    or not isinstance(ap.get("line"), int) or ap["line"] < 1):
                raise CorpusError(f"{at}: an anti-pattern needs a known 'kind', a 'path' and a 'line' >= 1")
            parsed.append(AntiPattern(ap["kind"], ap["path"], ap["line"]))
        note = c.get("note", "")
        if not isinstance(note, str):
            raise CorpusError(f"{at}: 'note' must be text")
        labelled_in = c.get("round", 0)
        if not isinstance(labelled_in, int) or isinstance(labelled_in, bool) or labelled_in < 0:
            raise CorpusError(f"{at}: 'round' must be a whole number")
        out.append(Labelled(repository, language, sha, c["split"], c["source"], c["changes_retry"],
                            c["changes_timeout"], tuple(parsed), note, labelled_in))
    return out


def load_corpus(data_dir: Path = DATA_DIR) -> list[Labelled]:
    files = sorted(data_dir.glob("*.json"))
    if not files:
        raise CorpusError(f"no corpus files (*.json) in {data_dir}")
    return [c for f in files for c in load_file(f)]


def select(corpus: Iterable[Labelled], split: str) -> list[Labelled]:
    return [c for c in corpus if split == "all" or c.split == split]


# -- mirrors and scoring ------------------------------------------------------------------------------

def _is_git_dir(p: Path) -> bool:
    return (p / "HEAD").is_file() and (p / "objects").is_dir() and (p / "refs").is_dir()


def find_mirror(mirrors: Path, repository: str) -> Path | None:
    """The git directory of ``owner/name`` under ``mirrors``: ``owner+name/`` itself, or a git dir
    (bare, or a work tree's ``.git``) at most two levels inside it."""
    root = mirrors / repository.replace("/", "+")
    if not root.is_dir():
        return None
    if _is_git_dir(root) or _is_git_dir(root / ".git"):
        return root
    for depth in ("*", "*/*"):
        for p in sorted(root.glob(depth)):
            if p.is_dir() and not p.name.endswith((".part", ".tar")) and _is_git_dir(p):
                return p.parent if p.name == ".git" else p
    return None


def present(mirror: Path, shas: list[str]) -> set[str]:
    """The commits of ``shas`` that the mirror has (``score`` refuses a whole run over one unknown sha)."""
    proc = subprocess.run(["git", "--git-dir", str(mirror), "cat-file", "--batch-check"], capture_output=True,
                          input="".join(f"{s}^{{commit}}\n" for s in shas).encode(), check=False)
    lines = proc.stdout.decode(errors="replace").splitlines()
    return {sha for sha, line in zip(shas, lines, strict=False) if line.split()[1:2] == ["commit"]}


def score_cli(mirror: Path, shas: list[str], model: str | None = None) -> dict[str, dict[str, Any]]:
    """Assessments of ``shas`` from ``mergeguard score --repo MIRROR --commit SHA... --format json``.

    The CLI's ``main`` runs in this process (one history replay per repository); its JSON output is
    read back, so what is measured is what a user of the command gets. Commits the mirror lacks are
    absent from the result. The gate is given fixed thresholds (``--config``): the gate decides the
    level, never a finding or a feature, and the default gate's percentile windows would score 300
    more commits of history behind every labelled commit, which made a run take hours.
    """
    from mergeguard.cli import main

    if not shas:
        return {}
    with tempfile.TemporaryDirectory(prefix="rt-bench-") as tmp:
        out = Path(tmp) / "assessments.json"
        config = Path(tmp) / "gate.yml"
        config.write_text("thresholds: {mode: absolute, medium: 0.05, high: 0.2, critical: 0.4}\n", encoding="utf-8")
        argv = ["score", "--repo", str(mirror), "--config", str(config), "--format", "json", "--output", str(out),
                "--commit", *shas]
        if model:
            argv[1:1] = ["--model", model]
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(argv)
        if code != 0:
            raise RuntimeError(f"mergeguard score failed on {mirror} (exit {code}): {err.getvalue().strip()}")
        text = out.read_text(encoding="utf-8").strip()
    try:  # one assessment is printed indented, several one per line
        docs = [json.loads(text)] if text else []
    except json.JSONDecodeError:
        docs = [json.loads(line) for line in text.splitlines() if line.strip()]
    return {d["change"]["head"]: d for d in docs}


def predict(assessment: dict[str, Any]) -> Predicted:
    """Reduce an assessment to the corpus's labels (the mapping in the module docstring)."""
    kinds = {f.get("kind") for f in assessment.get("findings", [])}
    aps = tuple(AntiPattern(f["kind"], f["path"], int(f["line"])) for f in assessment.get("findings", [])
                if f.get("kind") in ANTI_PATTERNS)
    return Predicted(changes_retry=bool(kinds & set(CHANGE_KINDS["changes_retry"])),
                     changes_timeout=bool(kinds & set(CHANGE_KINDS["changes_timeout"])), anti_patterns=aps)


# -- attribution: which rule produced a prediction (``--by-rule``) ---------------------------------------

@dataclass(frozen=True)
class Fired:
    """Which rule produced each part of one commit's prediction: the (label, rule) pairs behind its
    ``changes_retry``/``changes_timeout`` and each anti-pattern finding with its rule.

    A rule is ``"<finding kind> <language>:<shape>"`` (``"timeout.changed go:setting"``,
    ``"retry.changed python:logic"``, ``"retry.without_backoff javascript:setTimeout"``): the finding's
    kind, the language of its file (each language has its own scanner), and the construct that decided
    it, as the assessment already says (the ``library`` of the signal entry behind the finding, else the
    library its message names). Read from the CLI's JSON, so the measured predictions stay the user's."""

    labels: tuple[tuple[str, str], ...]
    anti_patterns: tuple[tuple[AntiPattern, str], ...]


#: the signal list behind a change finding, by the finding kind's verb
_SIGNAL_PART = {"added": "added", "removed": "removed", "changed": "modified"}
#: the library a ``timeout.missing`` message names: "{callee} has no timeout and {library}'s default is none"
_MISSING_LIBRARY = re.compile(r" has no timeout and (.+?)'s default is none")
#: the construct a message starts with (``features.retry_timeout.describe``), after the verb of a change
_DESCRIBED = re.compile(r"^(?:adds |removed |changes )?(?:(?P<kind>retry|timeout) (?P<own>setting|policy function)\b"
                        r"|(?P<lib>.+?) (?:retry|timeout)\b)")


def _library_named(message: str) -> str | None:
    """The construct a finding's message names first (``describe``'s phrase), or None."""
    m = _DESCRIBED.match(message)
    if m is None:
        return None
    return m.group("own") or m.group("lib")


def rule_of(finding: dict[str, Any], signals: dict[str, Any]) -> str:
    """The rule behind one finding of an assessment (see :class:`Fired`)."""
    kind, path = str(finding.get("kind", "")), str(finding.get("path", ""))
    line, end = finding.get("line"), finding.get("end_line")
    message = str(finding.get("message", ""))
    category, _, verb = kind.partition(".")
    sig = signals.get(category) if isinstance(signals.get(category), dict) else {}
    entries = [e for part in (("added", "modified") if verb not in _SIGNAL_PART else (_SIGNAL_PART[verb],))
               for e in sig.get(part) or [] if isinstance(e, dict) and e.get("path") == path]
    library: str | None = None
    if kind == "timeout.missing":
        m = _MISSING_LIBRARY.search(message)
        library = m.group(1) if m else None
    elif verb in _SIGNAL_PART:  # a change finding sits at its construct's line
        same = [e for e in entries if e.get("line") == line]
        named = _library_named(message)
        library = next((e["library"] for e in same if e.get("library") == named), None) or (
            same[0].get("library") if same else named)
    else:  # an anti-pattern sits at (or inside) the construct it judges
        inside = [e for e in entries if isinstance(line, int) and isinstance(e.get("line"), int)
                  and e.get("scope", "") == finding.get("scope", "") and e["line"] <= line <= (end or line)]
        library = max(inside, key=lambda e: e["line"])["library"] if inside else _library_named(message)
    from mergeguard import paths

    return f"{kind} {paths.language(path) or 'other'}:{library or '?'}"


def fired(assessment: dict[str, Any]) -> Fired:
    """The rules behind :func:`predict`'s answer for one assessment, finding by finding."""
    signals = assessment.get("signals") if isinstance(assessment.get("signals"), dict) else {}
    labels: set[tuple[str, str]] = set()
    aps: list[tuple[AntiPattern, str]] = []
    for f in assessment.get("findings", []):
        kind = f.get("kind")
        for label, kinds in CHANGE_KINDS.items():
            if kind in kinds:
                labels.add((label, rule_of(f, signals)))
        if kind in ANTI_PATTERNS:
            aps.append((AntiPattern(f["kind"], f["path"], int(f["line"])), rule_of(f, signals)))
    return Fired(tuple(sorted(labels)), tuple(aps))


# -- metrics ------------------------------------------------------------------------------------------

@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, pred: bool) -> None:
        if truth and pred:
            self.tp += 1
        elif pred:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None if p is None or r is None else 0.0
        return 2 * p * r / (p + r)

    def as_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn, "positives": self.tp + self.fn,
                "precision": _r(self.precision), "recall": _r(self.recall), "f1": _r(self.f1)}


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def match_lines(truth: Iterable[AntiPattern], pred: Iterable[AntiPattern],
                tolerance: int = LINE_TOLERANCE) -> tuple[int, int, int]:
    """(matched, unmatched predictions, unmatched labels): one-to-one, same kind and path, |Δline| <= tolerance.

    Closest pairs are matched first, so one prediction never takes the label another sits on.
    """
    truth, pred = list(truth), list(pred)
    matched = matched_pairs(truth, pred, tolerance)
    return len(matched), len(pred) - len(matched), len(truth) - len(matched)


def matched_pairs(truth: list[AntiPattern], pred: list[AntiPattern],
                  tolerance: int = LINE_TOLERANCE) -> list[tuple[int, int]]:
    """The (label index, prediction index) pairs :func:`match_lines` counts: closest first, one to one."""
    pairs = sorted((abs(t.line - p.line), i, j) for i, t in enumerate(truth) for j, p in enumerate(pred)
                   if t.kind == p.kind and t.path == p.path and abs(t.line - p.line) <= tolerance)
    used_t: set[int] = set()
    used_p: set[int] = set()
    out: list[tuple[int, int]] = []
    for _, i, j in pairs:
        if i not in used_t and j not in used_p:
            used_t.add(i)
            used_p.add(j)
            out.append((i, j))
    return out


@dataclass
class Report:
    labels: dict[str, dict[str, Counts]] = field(default_factory=dict)  # label -> group -> counts
    ap_commit: dict[str, Counts] = field(default_factory=dict)  # group (kind or "all") -> counts
    ap_line: dict[str, Counts] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    commits: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    #: each scored commit with the rules behind its prediction (:func:`by_rule`)
    fired: list[tuple[Labelled, Fired]] = field(default_factory=list)


def evaluate(pairs: Iterable[tuple[Labelled, Predicted]]) -> Report:
    """All the figures from (label, prediction) pairs: pure, so the arithmetic is testable alone."""
    rep = Report()
    for truth, pred in pairs:
        groups = ("all", truth.language)
        for g in groups:
            rep.commits[g] = rep.commits.get(g, 0) + 1
        for label in LABELS:
            t, p = getattr(truth, label), getattr(pred, label)
            for g in (*groups, f"source:{truth.source}"):
                rep.labels.setdefault(label, {}).setdefault(g, Counts()).add(t, p)
            if t != p:
                rep.errors.append({"repository": truth.repository, "sha": truth.sha, "label": label,
                                   "error": "fn" if t else "fp", "note": truth.note})
        t_kinds = {a.kind for a in truth.anti_patterns}
        p_kinds = {a.kind for a in pred.anti_patterns}
        for kind in ANTI_PATTERNS:
            if kind in t_kinds or kind in p_kinds:
                for g in ("all", kind):
                    rep.ap_commit.setdefault(g, Counts()).add(kind in t_kinds, kind in p_kinds)
            tk = [a for a in truth.anti_patterns if a.kind == kind]
            pk = [a for a in pred.anti_patterns if a.kind == kind]
            if tk or pk:
                m, extra, missed = match_lines(tk, pk)
                for g in ("all", kind):
                    c = rep.ap_line.setdefault(g, Counts())
                    c.tp += m
                    c.fp += extra
                    c.fn += missed
        if truth.anti_patterns or pred.anti_patterns:
            m, extra, missed = match_lines(truth.anti_patterns, pred.anti_patterns)
            if extra or missed:
                rep.errors.append({"repository": truth.repository, "sha": truth.sha, "label": "anti_patterns",
                                   "error": f"{missed} missed, {extra} extra",
                                   "truth": [vars(a) for a in truth.anti_patterns],
                                   "predicted": [vars(a) for a in pred.anti_patterns], "note": truth.note})
    return rep


def by_repository(corpus: list[Labelled], mirrors: Path,
                  missing: Callable[[str], None]) -> Iterator[tuple[str, Path, list[Labelled]]]:
    """The corpus's commits grouped by repository, in name order, each with its mirror: a repository
    is scored in one CLI call against its own mirror. One without a mirror is told to ``missing`` and
    left out, never counted as negatives."""
    groups: dict[str, list[Labelled]] = {}
    for c in corpus:
        groups.setdefault(c.repository, []).append(c)
    for repository, commits in sorted(groups.items()):
        mirror = find_mirror(mirrors, repository)
        if mirror is None:
            missing(f"{repository}: no mirror under {mirrors}, left out")
        else:
            yield repository, mirror, commits


def run(corpus: list[Labelled], mirrors: Path, *, model: str | None = None,
        scorer: Callable[[Path, list[str]], dict[str, dict[str, Any]]] | None = None,
        progress: Callable[[str], None] | None = None) -> Report:
    """Score every commit of ``corpus`` (grouped per repository) and evaluate."""
    scorer = scorer or (lambda m, shas: score_cli(m, shas, model))
    pairs: list[tuple[Labelled, Predicted]] = []
    fired_by: list[tuple[Labelled, Fired]] = []
    missing: list[str] = []
    for repository, mirror, commits in by_repository(corpus, mirrors, missing.append):
        if progress:
            progress(f"{repository}: scoring {len(commits)} commits")
        have = present(mirror, [c.sha for c in commits])
        found = scorer(mirror, [c.sha for c in commits if c.sha in have])
        for c in commits:
            if c.sha in found:
                pairs.append((c, predict(found[c.sha])))
                fired_by.append((c, fired(found[c.sha])))
            else:
                missing.append(f"{repository}: {c.sha} not in the mirror")
    rep = evaluate(pairs)
    rep.missing = missing
    rep.fired = fired_by
    return rep


@dataclass
class RuleCounts:
    """One rule's record on a split: commits (or, for anti-patterns, findings) it was right and wrong
    on, those where it alone made the prediction, and the repositories of each."""

    label: str  # changes_retry | changes_timeout | anti_patterns (line level)
    rule: str
    tp: int = 0
    fp: int = 0
    alone_tp: int = 0  # commit level: the only rule behind the label's prediction (dropping it flips it)
    alone_fp: int = 0
    right: dict[str, int] = field(default_factory=dict)  # repository -> true positives there
    wrong: dict[str, int] = field(default_factory=dict)  # repository -> false positives there

    def add(self, repository: str, truth: bool, alone: bool) -> None:
        if truth:
            self.tp += 1
            self.alone_tp += alone
            self.right[repository] = self.right.get(repository, 0) + 1
        else:
            self.fp += 1
            self.alone_fp += alone
            self.wrong[repository] = self.wrong.get(repository, 0) + 1

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def repos_net_wrong(self) -> int:
        """Repositories where the rule was wrong more often than right."""
        return sum(1 for r, n in self.wrong.items() if n > self.right.get(r, 0))

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "rule": self.rule, "tp": self.tp, "fp": self.fp,
                "precision": _r(self.precision), "alone_tp": self.alone_tp, "alone_fp": self.alone_fp,
                "repos_right": len(self.right), "repos_wrong": len(self.wrong),
                "repos_net_wrong": self.repos_net_wrong, "right": dict(sorted(self.right.items())),
                "wrong": dict(sorted(self.wrong.items()))}


def by_rule(fired_by: Iterable[tuple[Labelled, Fired]]) -> list[RuleCounts]:
    """Per rule: commit-level true/false positives for the label it contributes to, and line-level ones
    for anti-pattern findings (matched as :func:`match_lines` matches them); worst precision first."""
    table: dict[tuple[str, str], RuleCounts] = {}

    def row(label: str, rule: str) -> RuleCounts:
        return table.setdefault((label, rule), RuleCounts(label, rule))

    for truth, f in fired_by:
        for label in LABELS:
            rules = sorted({r for lab, r in f.labels if lab == label})
            for r in rules:
                row(label, r).add(truth.repository, getattr(truth, label), len(rules) == 1)
        preds = [ap for ap, _ in f.anti_patterns]
        hit = {j for _, j in matched_pairs(list(truth.anti_patterns), preds)}
        for j, (_, r) in enumerate(f.anti_patterns):
            row("anti_patterns", r).add(truth.repository, j in hit, False)
    order = (*LABELS, "anti_patterns")
    return sorted(table.values(), key=lambda c: (order.index(c.label), c.precision if c.precision is not None else 1.0,
                                                 -(c.tp + c.fp), c.rule))


# -- output -------------------------------------------------------------------------------------------

def _fmt(v: float | None) -> str:
    return "   -" if v is None else f"{v:.2f}"


def _row(name: str, c: Counts) -> str:
    return (f"  {name:<24} {c.tp + c.fn:>4} {c.tp:>4} {c.fp:>4} {c.fn:>4}   "
            f"{_fmt(c.precision)}  {_fmt(c.recall)}  {_fmt(c.f1)}")


def render_text(rep: Report, split: str) -> str:
    head = f"  {'':<24} {'pos':>4} {'tp':>4} {'fp':>4} {'fn':>4}   prec  rec   F1"
    lines = [f"retry/timeout corpus, split {split}: "
             + ", ".join(f"{g} {n}" for g, n in sorted(rep.commits.items(), key=lambda kv: kv[0] != "all"))
             + " commits"]
    for label in LABELS:
        lines += ["", label, head]
        groups = rep.labels.get(label, {})
        # overall, per language, then per way the commits were found (hard negatives show false alarms)
        for g in ["all", *sorted(k for k in groups if k != "all" and not k.startswith("source:")),
                  *(f"source:{src}" for src in SOURCES)]:
            if g in groups:
                lines.append(_row(g, groups[g]))
    for title, table in (("anti-patterns, commit level", rep.ap_commit),
                         (f"anti-patterns, line level (same kind and path, within {LINE_TOLERANCE} lines)",
                          rep.ap_line)):
        lines += ["", title, head]
        for g in ["all", *ANTI_PATTERNS]:
            if g in table:
                lines.append(_row(g, table[g]))
    if rep.missing:
        lines += ["", f"left out ({len(rep.missing)}):", *(f"  {m}" for m in rep.missing)]
    return "\n".join(lines)


def render_rules(rows: list[RuleCounts]) -> str:
    """The ``--by-rule`` table: per label, each rule's record, worst precision first."""
    lines = ["", "by rule (commit level for the labels, line level for anti-patterns; alone: the only rule behind "
             "the prediction; repos: where it was right / wrong / wrong more than right)"]
    for label in (*LABELS, "anti_patterns"):
        mine = [r for r in rows if r.label == label]
        if not mine:
            continue
        lines += ["", label, f"  {'rule':<52} {'tp':>4} {'fp':>4}  prec  {'alone':>9}  {'repos':>8}  wrong in"]
        for r in mine:
            alone = "" if label == "anti_patterns" else f"{r.alone_tp}/{r.alone_fp}"
            repos = f"{len(r.right)}/{len(r.wrong)}/{r.repos_net_wrong}"
            wrong = ", ".join(f"{k.split('/')[-1]} {n}" for k, n in sorted(r.wrong.items(), key=lambda kv: -kv[1]))
            lines.append(f"  {r.rule:<52} {r.tp:>4} {r.fp:>4}  {_fmt(r.precision)}  {alone:>9}  {repos:>8}  {wrong}")
    return "\n".join(lines)


def report_json(rep: Report, split: str) -> dict[str, Any]:
    return {"split": split, "commits": rep.commits,
            "labels": {k: {g: c.as_dict() for g, c in v.items()} for k, v in rep.labels.items()},
            "anti_patterns_commit": {g: c.as_dict() for g, c in rep.ap_commit.items()},
            "anti_patterns_line": {g: c.as_dict() for g, c in rep.ap_line.items()},
            "errors": rep.errors, "missing": rep.missing}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--split", choices=["heldout", "dev", "all"], default="heldout")
    p.add_argument("--data", type=Path, default=DATA_DIR, help="corpus folder (default: %(default)s)")
    p.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"), help="mirror folder (default: %(default)s)")
    p.add_argument("--language", action="append", choices=LANGUAGES, help="only these languages (repeatable)")
    p.add_argument("--repository", action="append", metavar="OWNER/NAME", help="only these repositories (repeatable)")
    p.add_argument("--rows", choices=["all", "round9", "before-round9"], default="all",
                   help="all commits, only round 9's fresh ones, or only those labelled before round 9")
    p.add_argument("--model", metavar="DIR", help="model directory (default: the shipped model)")
    p.add_argument("--errors", action="store_true", help="also list every false positive and false negative")
    p.add_argument("--json", metavar="PATH", help="write the figures (and errors) as JSON here; - for stdout")
    p.add_argument("--by-rule", action="store_true",
                   help="also give each rule's true and false positives and the repositories it was right and wrong "
                        "in (and, in the JSON, the rules behind every commit's prediction)")
    args = p.parse_args(argv)
    try:
        corpus = select(load_corpus(args.data), args.split)
    except CorpusError as exc:
        print(f"retry_timeout: error: {exc}", file=sys.stderr)
        return 2
    corpus = [c for c in corpus if (not args.language or c.language in args.language)
              and (not args.repository or c.repository in args.repository)
              and (args.rows == "all" or (c.round == 9) == (args.rows == "round9"))]
    rep = run(corpus, args.mirrors, model=args.model, progress=lambda s: print(s, file=sys.stderr))
    if args.json != "-":
        print(render_text(rep, args.split))
        if args.errors:
            print("\nerrors:")
            for e in rep.errors:
                extra = f" truth={e['truth']} predicted={e['predicted']}" if "truth" in e else ""
                print(f"  {e['repository']} {e['sha'][:12]} {e['label']}: {e['error']}  # {e['note']}{extra}")
        if args.by_rule:
            print(render_rules(by_rule(rep.fired)))
    if args.json:
        doc = report_json(rep, args.split)
        if args.by_rule:
            doc["by_rule"] = [r.as_dict() for r in by_rule(rep.fired)]
            doc["fired"] = [{"repository": c.repository, "sha": c.sha,
                             "labels": {label: sorted(r for lab, r in f.labels if lab == label) for label in LABELS},
                             "truth": {label: getattr(c, label) for label in LABELS},
                             "anti_patterns": [{**vars(ap), "rule": r} for ap, r in f.anti_patterns],
                             "labelled_anti_patterns": [vars(ap) for ap in c.anti_patterns]}
                            for c, f in rep.fired]
        text = json.dumps(doc, indent=1)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
