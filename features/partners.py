"""Which files a change leaves out that history says go with it: a ranking, not a filter.

Association rules over the co-change transactions of ``HistoryIndex`` (commits of at most 30 files),
computed at query time from the transactions of the touched files only.

- ``rank`` scores every candidate from *all* touched files together, TARMAQ-style (Rolfsnes et al.
  2016): each past transaction that overlaps the change contributes its overlap ``A`` (the touched
  files it shares) as the antecedent of a rule ``A -> c`` for every file ``c`` it adds. A rule's
  confidence is ``n(A and c) / (n(A) + prior)`` over the last ``window`` transactions containing all
  of ``A`` (recency: what a file changes with *now*, not ten years ago), the prior pulling rules with
  little evidence down. A candidate takes its best rule. Touched tests are evidence like any file
  (a change to ``x_test.go`` says a lot about ``x.go``); documentation is not (changelogs change
  with everything).
- ``baseline`` is plain association rules (Zimmermann et al.'s ROSE with single antecedents): the
  best ``n(a and c) / n(a)`` over touched files ``a``, ranked by confidence then support. The
  benchmark reports both side by side from the same index.

Pure: reads the index, never git.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Protocol
from collections.abc import Iterable

from mergeguard import paths


class CoChanges(Protocol):
    file_ids: dict[str, int]
    id_paths: list[str | None]
    id_transactions: list[list[int]]
    transactions: list[tuple[int, ...]]


@dataclass(frozen=True)
class RankSettings:
    """How candidates are scored; the defaults are what ``benchmarks/coupling.py`` chose on its dev part."""

    window: int | None = 30  # last transactions of an antecedent that count (None: all of history)
    prior: float = 2.0  # added to n(A): two of two is weaker evidence than twenty of twenty
    multi: bool = True  # antecedents of several touched files (TARMAQ); False: single files only
    tests_as_evidence: bool = True
    docs_as_evidence: bool = True  # a touched doc is evidence (never a candidate: see coupling.py)
    max_antecedents: int = 64  # distinct multi-file overlaps examined per change (bounds the cost)
    max_touched: int = 30  # a change of more files is not coupling evidence (as in history), so no ranking
    combine: bool = True  # also combine the single-file rules for a candidate (noisy-or)
    nearby: bool = True  # break ties towards candidates in the touched files' directories


@dataclass(frozen=True)
class Candidate:
    """A file left out of the change, with the rule that proposes it."""

    path: str
    confidence: float  # the ranking score: the best rule's smoothed confidence (or the rules combined), 0..1
    together: int  # recent changes to the antecedent that also touched ``path``
    changes: int  # recent changes to the antecedent (all of its files at once)
    antecedent: tuple[str, ...]  # the touched files the evidence comes from

    @property
    def is_test(self) -> bool:
        return is_test(self.path)

    def evidence(self, *, window: int | None = None) -> str:
        """``changed together in 7 of the last 9 changes to `a.py` ``: the numbers behind the rule."""
        last = "the last " if window is not None and self.changes >= window else ""
        if len(self.antecedent) == 1:
            what = f"`{self.antecedent[0]}`"
        else:
            shown = ", ".join(f"`{p}`" for p in self.antecedent[:3])
            more = f" and {len(self.antecedent) - 3} more" if len(self.antecedent) > 3 else ""
            what = f"{shown}{more} together"
        plural = "change" if self.changes == 1 else "changes"
        return f"changed together in {self.together} of {last}{self.changes} {plural} to {what}"


@functools.lru_cache(maxsize=65536)
def is_test(path: str) -> bool:
    """``paths.is_test``, remembered per path: the coupling detector asks it of every candidate the
    history ranks for every change (the same few thousand paths over and over; issue 16)."""
    return paths.is_test(path)


@functools.lru_cache(maxsize=65536)
def is_doc(path: str) -> bool:
    """``paths.is_doc``, remembered per path (asked of every candidate as :func:`is_test` is)."""
    return paths.is_doc(path)


def _query_ids(index: CoChanges, touched: Iterable[str], settings: RankSettings) -> tuple[set[int], set[int]]:
    """Ids of the touched files (all of them, to exclude) and of those that count as evidence."""
    every: set[int] = set()
    evidence: set[int] = set()
    for p in touched:
        fid = index.file_ids.get(p)
        if fid is None:
            continue
        every.add(fid)
        if paths.is_doc(p) and not settings.docs_as_evidence:
            continue
        if paths.is_test(p) and not settings.tests_as_evidence:
            continue
        evidence.add(fid)
    return every, evidence


def _holding(lists: list[list[int]], sets: list[set[int]], window: int | None) -> list[int]:
    """The transactions containing every file (each list sorted, oldest first); only the newest
    ``window`` are wanted, so the shortest list is walked from its end and the walk stops there."""
    order = sorted(range(len(lists)), key=lambda i: len(lists[i]))
    shortest, others = lists[order[0]], [sets[i] for i in order[1:]]
    out: list[int] = []
    for tid in reversed(shortest):
        if all(tid in s for s in others):
            out.append(tid)
            if window is not None and len(out) >= window:
                break
    out.reverse()
    return out


def rank(index: CoChanges, touched: Iterable[str], settings: RankSettings = RankSettings()) -> list[Candidate]:
    """Every file the history proposes for this change, best first (ties by support, then path)."""
    touched_paths = list(touched)
    if len(touched_paths) > settings.max_touched:
        return []
    every, evidence = _query_ids(index, touched_paths, settings)
    if not evidence:
        return []
    txs = index.transactions
    overlaps: set[tuple[int, ...]] = set()
    for fid in evidence:
        recent = index.id_transactions[fid]
        if settings.window is not None:
            recent = recent[-settings.window:]
        for tid in recent:
            t = txs[tid]
            if len(t) < 2:
                continue
            if settings.multi:
                overlaps.add(tuple(x for x in t if x in evidence))
            else:
                overlaps.add((fid,))
    # larger overlaps first: the most specific evidence is examined even when the budget runs out;
    # every single touched file is an antecedent too
    multi = sorted((a for a in overlaps if len(a) > 1), key=lambda a: (-len(a), a))[: settings.max_antecedents]
    ordered = multi + sorted((fid,) for fid in evidence)
    sets: dict[int, set[int]] = {}  # a touched file's transactions, as a set, built once if needed

    def set_of(fid: int) -> set[int]:
        if fid not in sets:
            sets[fid] = set(index.id_transactions[fid])
        return sets[fid]

    best: dict[int, Candidate] = {}
    miss: dict[int, float] = {}  # noisy-or of the single-file rules: product of (1 - confidence)
    for ante in ordered:
        if len(ante) == 1:
            holding = index.id_transactions[ante[0]]
            holding = holding[-settings.window:] if settings.window is not None else holding
        else:
            lists = [index.id_transactions[a] for a in ante]
            holding = _holding(lists, [set_of(a) for a in ante], settings.window)
        if not holding:
            continue
        counts: dict[int, int] = defaultdict(int)
        for tid in holding:
            for x in txs[tid]:
                if x not in every:
                    counts[x] += 1
        n = len(holding)
        names: tuple[str, ...] | None = None
        for x, k in counts.items():
            path = index.id_paths[x]
            if path is None:
                continue
            conf = k / (n + settings.prior)
            if len(ante) == 1:
                miss[x] = miss.get(x, 1.0) * (1.0 - conf)
            old = best.get(x)
            if old is None or (conf, k) > (old.confidence, old.together):
                if names is None:
                    names = tuple(sorted(p for a in ante if (p := index.id_paths[a]) is not None))
                best[x] = Candidate(path, conf, k, n, names)
    out = list(best.values())
    if settings.combine:
        out = [replace(c, confidence=max(c.confidence, 1.0 - miss.get(index.file_ids[c.path], 1.0))) for c in out]
    if settings.nearby:
        dirs = [p.split("/")[:-1] for p in touched_paths]
        return sorted(out, key=lambda c: (-c.confidence, -c.together, -_nearness(c.path, dirs), c.path))
    return sorted(out, key=lambda c: (-c.confidence, -c.together, c.path))


def _nearness(path: str, dirs: list[list[str]]) -> int:
    """Directory levels ``path`` shares with the nearest touched file."""
    parts = path.split("/")[:-1]
    best = 0
    for d in dirs:
        n = 0
        for a, b in zip(parts, d, strict=False):
            if a != b:
                break
            n += 1
        best = max(best, n)
    return best


def baseline(index: CoChanges, touched: Iterable[str]) -> list[Candidate]:
    """Plain association rules: best single-antecedent confidence over all history, no smoothing."""
    return rank(index, touched, RankSettings(window=None, prior=0.0, multi=False, tests_as_evidence=True,
                                             docs_as_evidence=True, combine=False, nearby=False))
