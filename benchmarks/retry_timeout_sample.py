"""A seeded, stratified random sample of the retry/timeout corpus for a blind second labelling.

The audit of the corpus (issue 13, round 6; rules in ``docs/retry_timeout_labelling.md``) needs a
second reader to label commits *without seeing the first labels*. This script draws the commits and
prints only what the reader needs to find each diff: ``owner/name sha`` per line. Labels, notes and
the sampling ``source`` are never printed, so the list can be read before labelling without leaking
anything.

The draw is stratified so that the sample looks like the corpus: the total is split between the
``dev`` and ``heldout`` parts (half each by default, so that both parts get an agreement figure),
each part's share is spread over the languages in proportion to the corpus's language mix, and
each (part, language) share over the sampling sources in proportion to that stratum. Shares are
rounded by the largest-remainder method, so they add up exactly. The same seed gives the same list.

    python benchmarks/retry_timeout_sample.py --n 300 --seed 13 > /work/notes/audit/sample.txt

A later round draws *more* commits without re-reading the first ones: ``--exclude FILE`` (repeatable)
takes earlier sample lists (``owner/name sha`` per line) and removes those commits from the pool before
the draw, so the new sample is disjoint from them and the proportions are those of what is left:

    python benchmarks/retry_timeout_sample.py --n 600 --seed 14 --exclude /work/notes/audit/sample.txt

The last round reads *everything* the samples left: ``--rest`` prints every corpus commit not in an
``--exclude`` list (sorted by repository and sha; ``--n`` and ``--seed`` are then ignored), so that with
the samples each commit of the corpus has been read by two people:

    python benchmarks/retry_timeout_sample.py --rest --exclude A.txt --exclude B.txt
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path

from retry_timeout import DATA_DIR, CorpusError, Labelled, load_corpus  # sibling benchmark

SPLITS = ("dev", "heldout")


def allocate(weights: Mapping[Hashable, float], n: int, caps: Mapping[Hashable, int] | None = None) -> dict:
    """``n`` spread over the keys in proportion to ``weights`` (largest remainder, ties by key order),
    never giving a key more than its cap; what a cap refuses goes to the other keys."""
    keys = sorted(weights, key=str)
    caps = dict(caps) if caps is not None else dict.fromkeys(keys, n)
    out = dict.fromkeys(keys, 0)
    left = min(n, sum(caps[k] for k in keys))
    while left > 0:
        open_keys = [k for k in keys if out[k] < caps[k] and weights[k] > 0]
        if not open_keys:
            break
        total = sum(weights[k] for k in open_keys)
        quotas = {k: left * weights[k] / total for k in open_keys}
        give = {k: min(int(quotas[k]), caps[k] - out[k]) for k in open_keys}
        rest = left - sum(give.values())
        by_remainder = sorted(open_keys, key=lambda k: (-(quotas[k] - int(quotas[k])), str(k)))
        for k in by_remainder:
            if rest <= 0:
                break
            if out[k] + give[k] < caps[k]:
                give[k] += 1
                rest -= 1
        if sum(give.values()) == 0:
            break
        for k in open_keys:
            out[k] += give[k]
        left -= sum(give.values())
    return out


def draw(corpus: Sequence[Labelled], n: int, seed: int) -> list[Labelled]:
    """The stratified sample: half of ``n`` per split, languages as in the whole corpus, sources as in
    each (split, language) stratum; within a stratum a seeded uniform draw."""
    rng = random.Random(seed)
    per_split = allocate(dict.fromkeys(SPLITS, 1.0), n,
                         caps=Counter(c.split for c in corpus))
    language_mix = Counter(c.language for c in corpus)
    chosen: list[Labelled] = []
    for split in SPLITS:
        in_split = [c for c in corpus if c.split == split]
        per_lang = allocate({lang: float(language_mix[lang]) for lang in language_mix}, per_split.get(split, 0),
                            caps={lang: sum(c.language == lang for c in in_split) for lang in language_mix})
        for lang, k in per_lang.items():
            stratum = [c for c in in_split if c.language == lang]
            sources = Counter(c.source for c in stratum)
            per_source = allocate({s: float(v) for s, v in sources.items()}, k, caps=sources)
            for source, m in per_source.items():
                pool = sorted((c for c in stratum if c.source == source), key=lambda c: (c.repository, c.sha))
                chosen.extend(rng.sample(pool, m))
    return sorted(chosen, key=lambda c: (c.repository, c.sha))


def read_sample_list(path: Path) -> set[tuple[str, str]]:
    """The ``(repository, sha)`` pairs of an earlier sample list (``owner/name sha`` per line; blank
    lines and ``#`` comments ignored). A malformed line is an error rather than silently kept in the
    pool, because a commit wrongly left in would be labelled twice."""
    pairs: set[tuple[str, str]] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2 or "/" not in parts[0] or not re.fullmatch(r"[0-9a-f]{40}", parts[1]):
            raise CorpusError(f"{path}:{number}: expected 'owner/name sha', got {line[:60]!r}")
        pairs.add((parts[0], parts[1]))
    return pairs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--n", type=int, default=300, help="sample size (default: %(default)s)")
    p.add_argument("--seed", type=int, default=13, help="random seed (default: %(default)s)")
    p.add_argument("--data", type=Path, default=DATA_DIR, help="corpus folder (default: %(default)s)")
    p.add_argument("--exclude", type=Path, action="append", default=[], metavar="FILE",
                   help="an earlier sample list whose commits are left out of the pool (repeatable)")
    p.add_argument("--rest", action="store_true",
                   help="print every commit not excluded instead of drawing a sample (ignores --n, --seed)")
    args = p.parse_args(argv)
    if args.n < 1:
        print("retry_timeout_sample: error: --n must be at least 1", file=sys.stderr)
        return 2
    try:
        corpus = load_corpus(args.data)
        excluded: set[tuple[str, str]] = set()
        for path in args.exclude:
            excluded |= read_sample_list(path)
    except OSError as exc:
        print(f"retry_timeout_sample: error: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except CorpusError as exc:
        print(f"retry_timeout_sample: error: {exc}", file=sys.stderr)
        return 2
    unknown = excluded - {(c.repository, c.sha) for c in corpus}
    if unknown:
        repo, sha = sorted(unknown)[0]
        print(f"retry_timeout_sample: error: {len(unknown)} excluded commit(s) not in the corpus, e.g. {repo} {sha}",
              file=sys.stderr)
        return 2
    corpus = [c for c in corpus if (c.repository, c.sha) not in excluded]
    chosen = sorted(corpus, key=lambda c: (c.repository, c.sha)) if args.rest else draw(corpus, args.n, args.seed)
    for c in chosen:
        print(c.repository, c.sha)
    return 0


if __name__ == "__main__":
    sys.exit(main())
