"""How consistently is the retry/timeout corpus labelled? A second reader against the first.

The detector's targets (precision >= 0.90, recall >= 0.85 per label) only mean something if two
careful readers applying the same written rules (``docs/retry_timeout_labelling.md``) give the same
labels. This script compares a second, blind labelling of a sample of corpus commits (an *audit file*
in ``benchmarks/data/retry_timeout_audit/``, drawn by ``retry_timeout_sample.py``) with the corpus,
and prints per label, overall, per split and per language:

- ``agree``: raw agreement, the share of commits both readers labelled the same;
- ``kappa``: Cohen's kappa, agreement corrected for the agreement two readers with these label rates
  would reach by chance (1 = perfect, 0 = chance level; ``n/a`` when every commit has the same label
  for both, so chance explains everything);
- ``P``/``R``: the audit read as a detector scored against the corpus (precision = corpus-positive
  share of the audit's positives, recall = audit-positive share of the corpus positives): the ceiling
  a perfect reader who reads the rules slightly differently would reach on the corpus.

Labels compared: ``changes_retry``, ``changes_timeout``, and each anti-pattern kind at commit level
(does the commit carry that kind at all) and at line level (same kind, same path, lines within 3, one
to one, as ``retry_timeout.py`` matches a detector). At line level there is no countable set of
negative lines, so only P, R and their harmonic mean (the positive agreement, reported as ``agree``)
are given; kappa is ``n/a`` there.

    python benchmarks/retry_timeout_agreement.py                                 # blind audit
    python benchmarks/retry_timeout_agreement.py --audit benchmarks/data/retry_timeout_audit/reconciled.json
    python benchmarks/retry_timeout_agreement.py --disagreements                # list them (reconciliation)
    python benchmarks/retry_timeout_agreement.py --audit benchmarks/data/retry_timeout_audit/blind.json \
        --audit benchmarks/data/retry_timeout_audit/blind2.json                  # both samples together

``--audit`` may be given several times: the files are read as one audit (a commit listed in two of them
is an error, since it would be counted twice).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retry_timeout import (  # sibling benchmark: run as a script, its folder is on sys.path
    ANTI_PATTERNS,
    DATA_DIR,
    LABELS,
    AntiPattern,
    CorpusError,
    Labelled,
    heldout_by_hash,
    load_corpus,
    match_lines,
)

AUDIT_DIR = Path(__file__).resolve().parent / "data" / "retry_timeout_audit"
DEFAULT_AUDIT = AUDIT_DIR / "blind.json"


@dataclass(frozen=True)
class AuditLabel:
    """One commit as the second reader labelled it (the corpus's per-commit fields, no source)."""

    repository: str
    sha: str
    split: str
    changes_retry: bool
    changes_timeout: bool
    anti_patterns: tuple[AntiPattern, ...]
    note: str


@dataclass(frozen=True)
class Binary:
    """A 2x2 table of two readers' yes/no labels: ``both``, ``audit_only``, ``corpus_only``, ``neither``."""

    both: int = 0
    audit_only: int = 0
    corpus_only: int = 0
    neither: int = 0

    def add(self, corpus: bool, audit: bool) -> Binary:
        return Binary(self.both + (corpus and audit), self.audit_only + (audit and not corpus),
                      self.corpus_only + (corpus and not audit), self.neither + (not corpus and not audit))

    @property
    def n(self) -> int:
        return self.both + self.audit_only + self.corpus_only + self.neither

    @property
    def agreement(self) -> float | None:
        return None if self.n == 0 else (self.both + self.neither) / self.n

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa; None when chance agreement is 1 (both readers gave one label to everything)."""
        n = self.n
        if n == 0:
            return None
        observed = (self.both + self.neither) / n
        corpus_yes, audit_yes = self.both + self.corpus_only, self.both + self.audit_only
        chance = (corpus_yes * audit_yes + (n - corpus_yes) * (n - audit_yes)) / (n * n)
        if chance == 1:
            return None
        return (observed - chance) / (1 - chance)

    @property
    def precision(self) -> float | None:
        predicted = self.both + self.audit_only
        return None if predicted == 0 else self.both / predicted

    @property
    def recall(self) -> float | None:
        actual = self.both + self.corpus_only
        return None if actual == 0 else self.both / actual


@dataclass(frozen=True)
class Lines:
    """Line-level matches of anti-patterns: ``matched`` pairs, ``audit_only`` and ``corpus_only`` lines."""

    matched: int = 0
    audit_only: int = 0
    corpus_only: int = 0

    def add(self, corpus: Iterable[AntiPattern], audit: Iterable[AntiPattern]) -> Lines:
        m, audit_left, corpus_left = match_lines(corpus, audit)
        return Lines(self.matched + m, self.audit_only + audit_left, self.corpus_only + corpus_left)

    @property
    def precision(self) -> float | None:
        d = self.matched + self.audit_only
        return None if d == 0 else self.matched / d

    @property
    def recall(self) -> float | None:
        d = self.matched + self.corpus_only
        return None if d == 0 else self.matched / d

    @property
    def agreement(self) -> float | None:
        """Positive agreement (2 x matched over all lines of both readers), the F1 of P and R."""
        d = 2 * self.matched + self.audit_only + self.corpus_only
        return None if d == 0 else 2 * self.matched / d


# -- reading ------------------------------------------------------------------------------------------

def load_audit(path: Path) -> list[AuditLabel]:
    """Read and check an audit file; a malformed one is a CorpusError naming the file and commit."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path}: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("commits"), list):
        raise CorpusError(f"{path.name}: expected an object with a 'commits' list")
    out: list[AuditLabel] = []
    seen: set[tuple[str, str]] = set()
    for i, c in enumerate(doc["commits"]):
        at = f"{path.name}: commit {i}"
        if not isinstance(c, dict) or not isinstance(c.get("repository"), str) or not isinstance(c.get("sha"), str):
            raise CorpusError(f"{at}: needs 'repository' and 'sha'")
        key = (c["repository"], c["sha"])
        if key in seen:
            raise CorpusError(f"{at}: {c['sha'][:12]} listed twice")
        seen.add(key)
        if c.get("split") not in ("dev", "heldout") or (c["split"] == "heldout") != heldout_by_hash(c["sha"]):
            raise CorpusError(f"{at}: 'split' must follow the hash rule (int(sha[:8], 16) % 10 < 4 is heldout)")
        if not all(isinstance(c.get(label), bool) for label in LABELS):
            raise CorpusError(f"{at}: 'changes_retry' and 'changes_timeout' must be true or false")
        aps = c.get("anti_patterns", [])
        if not isinstance(aps, list) or not all(
                isinstance(a, dict) and a.get("kind") in ANTI_PATTERNS and isinstance(a.get("path"), str)
                and isinstance(a.get("line"), int) and a["line"] >= 1 for a in aps):
            raise CorpusError(f"{at}: an anti-pattern needs a known 'kind', a 'path' and a 'line' >= 1")
        out.append(AuditLabel(c["repository"], c["sha"], c["split"], c["changes_retry"], c["changes_timeout"],
                              tuple(AntiPattern(a["kind"], a["path"], a["line"]) for a in aps),
                              str(c.get("note", ""))))
    return out


def load_audits(paths: Sequence[Path]) -> list[AuditLabel]:
    """Several audit files read as one; a commit in more than one of them is a CorpusError, because the
    figures would count it twice (the samples of successive audit rounds are drawn disjoint)."""
    out: list[AuditLabel] = []
    where: dict[tuple[str, str], str] = {}
    for path in paths:
        for a in load_audit(path):
            key = (a.repository, a.sha)
            if key in where:
                raise CorpusError(f"{path.name}: {a.sha[:12]} is also in {where[key]}")
            where[key] = path.name
            out.append(a)
    return out


def pair_up(corpus: Sequence[Labelled], audit: Sequence[AuditLabel]) -> list[tuple[Labelled, AuditLabel]]:
    """Each audited commit with its corpus entry; an audited commit the corpus lacks is a CorpusError."""
    index = {(c.repository, c.sha): c for c in corpus}
    pairs = []
    for a in audit:
        c = index.get((a.repository, a.sha))
        if c is None:
            raise CorpusError(f"audit commit {a.repository} {a.sha[:12]} is not in the corpus")
        pairs.append((c, a))
    return pairs


# -- figures ------------------------------------------------------------------------------------------

ROWS = (*LABELS, *(f"ap:{k}" for k in ANTI_PATTERNS), "ap:any")


def _commit_value(entry: Labelled | AuditLabel, row: str) -> bool:
    if row in LABELS:
        return bool(getattr(entry, row))
    kind = row[3:]
    return any(ap.kind == kind or kind == "any" for ap in entry.anti_patterns)


def _lines(entry: Labelled | AuditLabel, row: str) -> list[AntiPattern]:
    kind = row[3:]
    return [ap for ap in entry.anti_patterns if kind in (ap.kind, "any")]


def groups_of(c: Labelled) -> tuple[str, ...]:
    return ("all", f"split={c.split}", f"language={c.language}")


def compare(pairs: Iterable[tuple[Labelled, AuditLabel]]) -> tuple[dict[str, dict[str, Binary]],
                                                                 dict[str, dict[str, Lines]]]:
    """(commit-level tables, line-level tables), each ``group -> row -> counts``: pure, so testable alone."""
    commit: dict[str, dict[str, Binary]] = {}
    line: dict[str, dict[str, Lines]] = {}
    for c, a in pairs:
        for g in groups_of(c):
            rows = commit.setdefault(g, {r: Binary() for r in ROWS})
            lrows = line.setdefault(g, {r: Lines() for r in ROWS if r.startswith("ap:")})
            for r in ROWS:
                rows[r] = rows[r].add(_commit_value(c, r), _commit_value(a, r))
                if r.startswith("ap:"):
                    lrows[r] = lrows[r].add(_lines(c, r), _lines(a, r))
    return commit, line


def disagreements(pairs: Iterable[tuple[Labelled, AuditLabel]]) -> list[dict[str, Any]]:
    """Every commit where the readers differ on a label, an anti-pattern kind or an anti-pattern line."""
    out = []
    for c, a in pairs:
        diff = [label for label in LABELS if getattr(c, label) != getattr(a, label)]
        _, audit_left, corpus_left = match_lines(c.anti_patterns, a.anti_patterns)
        if audit_left or corpus_left:
            diff.append("anti_patterns")
        if diff:
            out.append({"repository": c.repository, "sha": c.sha, "split": c.split, "language": c.language,
                        "differs": diff,
                        "corpus": {"changes_retry": c.changes_retry, "changes_timeout": c.changes_timeout,
                                   "anti_patterns": [vars(x) for x in c.anti_patterns], "note": c.note},
                        "audit": {"changes_retry": a.changes_retry, "changes_timeout": a.changes_timeout,
                                  "anti_patterns": [vars(x) for x in a.anti_patterns], "note": a.note}})
    return out


# -- output -------------------------------------------------------------------------------------------

def _f(v: float | None) -> str:
    return "  n/a" if v is None else f"{v:5.3f}"


def _group_order(groups: Iterable[str]) -> list[str]:
    return sorted(groups, key=lambda g: (g != "all", not g.startswith("split="), g))


def render(commit: dict[str, dict[str, Binary]], line: dict[str, dict[str, Lines]]) -> str:
    out = []
    for g in _group_order(commit):
        rows = commit[g]
        out.append(f"== {g} (n={rows[LABELS[0]].n} commits)")
        out.append(f"  {'label':34} {'agree':>6} {'kappa':>6} {'P':>6} {'R':>6}   both audit-only corpus-only neither")
        for r in ROWS:
            b = rows[r]
            if r.startswith("ap:") and b.both + b.audit_only + b.corpus_only == 0:
                continue
            out.append(f"  {r:34} {_f(b.agreement):>6} {_f(b.kappa):>6} {_f(b.precision):>6} {_f(b.recall):>6}"
                       f"   {b.both:4d} {b.audit_only:10d} {b.corpus_only:11d} {b.neither:7d}")
        for r, lc in line[g].items():
            if lc.matched + lc.audit_only + lc.corpus_only == 0:
                continue
            out.append(f"  {r + ' (lines)':34} {_f(lc.agreement):>6} {'  n/a':>6} {_f(lc.precision):>6}"
                       f" {_f(lc.recall):>6}   matched {lc.matched}, audit-only {lc.audit_only},"
                       f" corpus-only {lc.corpus_only}")
    return "\n".join(out)


def as_json(commit: dict[str, dict[str, Binary]], line: dict[str, dict[str, Lines]]) -> dict[str, Any]:
    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 4)

    return {g: {**{row: {"n": b.n, "agreement": r(b.agreement), "kappa": r(b.kappa), "precision": r(b.precision),
                         "recall": r(b.recall), "both": b.both, "audit_only": b.audit_only,
                         "corpus_only": b.corpus_only, "neither": b.neither} for row, b in commit[g].items()},
                **{f"{row} (lines)": {"agreement": r(lc.agreement), "precision": r(lc.precision),
                                      "recall": r(lc.recall), "matched": lc.matched, "audit_only": lc.audit_only,
                                      "corpus_only": lc.corpus_only} for row, lc in line[g].items()}}
            for g in _group_order(commit)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--audit", type=Path, action="append", default=None, metavar="FILE",
                   help=f"audit file, repeatable to pool several (default: {DEFAULT_AUDIT})")
    p.add_argument("--data", type=Path, default=DATA_DIR, help="corpus folder (default: %(default)s)")
    p.add_argument("--json", metavar="PATH", help="write the figures as JSON here; - for stdout")
    p.add_argument("--disagreements", action="store_true",
                   help="list every commit the readers label differently, with both labels and notes")
    args = p.parse_args(argv)
    try:
        pairs = pair_up(load_corpus(args.data), load_audits(args.audit or [DEFAULT_AUDIT]))
    except CorpusError as exc:
        print(f"retry_timeout_agreement: error: {exc}", file=sys.stderr)
        return 2
    commit, line = compare(pairs)
    if args.json != "-":
        print(render(commit, line))
    if args.disagreements:
        for d in disagreements(pairs):
            print(f"\n{d['repository']} {d['sha']} [{d['split']}, {d['language']}] differs: {', '.join(d['differs'])}")
            for who in ("corpus", "audit"):
                x = d[who]
                aps = ", ".join(f"{ap['kind']}@{ap['path']}:{ap['line']}" for ap in x["anti_patterns"]) or "-"
                print(f"  {who:6} retry={x['changes_retry']!s:5} timeout={x['changes_timeout']!s:5} ap={aps}  # {x['note']}")
    if args.json:
        text = json.dumps(as_json(commit, line), indent=1)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
