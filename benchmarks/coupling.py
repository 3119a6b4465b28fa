"""Hidden coupling: does the missing-partner finding bring back a file the change left out?

Run::

    python benchmarks/coupling.py [--repos owner/name ...] [--per-repo 120] [--seed 17]
        [--heldout 0.4] [--grid] [--records OUT.jsonl] [--from-records IN.jsonl]

Protocol (Zimmermann et al.'s ROSE, Rolfsnes et al.'s TARMAQ; issue 17)
=====================================================================

For each repository (bare mirrors under ``/work/.mirror/<owner>+<name>/repo``), the non-merge commits
reachable from HEAD that touch 3 to 10 files, at least one of them a modified source file (code in a
known language, not a test, not documentation), are sampled with a fixed seed (``--per-repo`` each).
For every sampled commit, with the history index exactly as it stood before that commit (ONE replay
per repository, ``sources.replay``: the index is warm and advanced commit by commit, never sees the
commit itself or anything after it):

- **partner query**: one modified source file is dropped (chosen with the seed); the remaining files'
  diff against the parent is built exactly as ``mergeguard score --diff … --repo … --base <parent>``
  builds it (``git diff parent commit`` without the dropped path, ``sources.change_from_diff``), and
  ``features.coupling.missing_partners`` (what ``coupling.extract`` runs) ranks and emits. Hit = the
  dropped file among the product's first k code candidates; emitted ``coupling.missing_partner``
  findings are right when they name the dropped file.
- **test query** (commits that also modify a test file): one modified test file is dropped instead;
  the same for ``coupling.missing_test``.
- **intact**: the whole commit, nothing dropped: how often each finding fires on a complete change
  (every one of those is, as far as history can tell, an alert about nothing).

Baseline, same run, same index: plain association rules (``features.partners.baseline``): for each
remaining touched file ``a`` (tests and docs included) and each file ``c`` that changed with it in a
commit of at most 30 files, confidence ``n(a,c)/n(a)`` (``n(a)``: commits of at most 30 files touching
``a``), support ``n(a,c)``; a candidate takes its best antecedent; ranked by confidence then support.
Its "emitted" figure is the issue's thresholded variant (support >= 5, confidence >= 0.5).

Split: a commit is held out when ``sha256(sha)`` mod 100 < ``--heldout`` x 100; everything is tuned
on dev (``--grid`` prints recall of the ranking variants on dev only; the threshold is chosen on dev),
held-out figures are printed beside dev figures and were not looked at while choosing.

Prints, per split: queries, recall@1/3/5/10 of product and baseline (and baseline restricted to
non-test candidates), the share of queries with a proposal, precision/recall of emitted findings,
findings per intact commit, and the ranking's time per change (median, p95; warm index).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
from pathlib import Path

from mergeguard import paths
from mergeguard.change import Limits
from mergeguard.errors import RepositoryError
from mergeguard.features import Context
from mergeguard.features import partners
from mergeguard.features.coupling import CouplingSettings, missing_partners
from mergeguard.git import GitRepo
from mergeguard.sources import change_from_diff, replay

MIRRORS = Path("/work/.mirror")
REPOS = [
    "pallets/flask", "psf/requests", "celery/kombu", "fastify/fastify", "sindresorhus/got", "square/okhttp",
    "hashicorp/go-retryablehttp", "etcd-io/etcd", "spf13/cobra", "sqlalchemy/alembic", "django/asgiref",
    "expressjs/express", "pallets/click", "urllib3/urllib3", "axios/axios", "apache/httpcomponents-client",
    "gin-gonic/gin", "urfave/cli",
]
KS = (1, 3, 5, 10)
FIXED_ROWS = ("product", "product_tests", "baseline", "baseline_code", "baseline_tests")
TOP = 10


def _bright(rows: list) -> list:
    """The baseline's proposals at support >= 5 and confidence >= 0.5 (the 'bright' threshold)."""
    return [c[0] for c in rows if c[1] >= 0.5 and c[2] >= 5]


def is_source(path: str) -> bool:
    return paths.is_code(path)


def heldout(sha: str, share: float) -> bool:
    return int(hashlib.sha256(sha.encode()).hexdigest(), 16) % 100 < share * 100


def grid() -> dict[str, partners.RankSettings]:
    """The variants compared on dev (two rounds); the chosen one is ``RankSettings()``."""
    R = partners.RankSettings
    out = {}
    for multi in (True, False):  # round 1: antecedents, recency window, prior
        for window in (None, 10, 20, 30, 50, 100):
            for prior in (0.0, 1.0, 2.0):
                out[f"m{int(multi)}_w{window}_p{prior:g}"] = R(window=window, prior=prior, multi=multi, docs_as_evidence=False,
                                                              combine=False, nearby=False)
    plain = {"docs_as_evidence": False, "combine": False, "nearby": False}
    out["m1_w30_p1_notests"] = R(prior=1.0, tests_as_evidence=False, **plain)
    out["m1_w30_p1_docs"] = R(prior=1.0, **{**plain, "docs_as_evidence": True})
    out.update({  # round 2: documentation as evidence, noisy-or of the single-file rules, nearby ties
        "m1_w30_p2_docs": R(combine=False, nearby=False),
        "m1_w30_p2_docs_or": R(nearby=False),
        "m1_w30_p2_docs_near": R(combine=False),
        "m1_w30_p2_docs_or_near": R(),
        "m0_w30_p1_docs": R(prior=1.0, multi=False, combine=False, nearby=False),
        "m0_w30_p1_docs_or_near": R(prior=1.0, multi=False),
        "m1_w50_p2_docs_or_near": R(window=50),
        "m1_w20_p2_docs_or_near": R(window=20),
        "m1_w30_p3_docs_or_near": R(prior=3.0),
        "m1_w30_p1_or_near": R(prior=1.0, docs_as_evidence=False),
    })
    return out


def sample(repo: GitRepo, per_repo: int, seed: int, name: str) -> dict[str, dict]:
    """Sampled commits: sha -> the file to drop for the partner query and (maybe) the test query."""
    pool = []
    for rec in repo.log(["HEAD"]):
        if not rec.parents or not 3 <= len(rec.files) <= 10:
            continue
        modified = [f.path for f in rec.files if f.status == "modified" and not f.binary]
        sources = [p for p in modified if is_source(p)]
        if sources:
            pool.append((rec.sha, sources, [p for p in modified if paths.is_test(p)]))
    rnd = random.Random(f"{seed}:{name}")
    chosen = rnd.sample(pool, min(per_repo, len(pool)))
    return {sha: {"drop": rnd.choice(sources), "drop_test": rnd.choice(tests) if tests else None}
            for sha, sources, tests in chosen}


def _proposed(message: str) -> str:
    """The file a missing_partner / missing_test finding proposes, read back from its message."""
    if " its usual test " in message:
        return message.split(" its usual test ", 1)[1].split(" ", 1)[0]
    return message.split(" ", 1)[0]


def run_repo(name: str, per_repo: int, seed: int, share: float, variants: dict[str, partners.RankSettings],
             settings: CouplingSettings) -> list[dict]:
    path = MIRRORS / name.replace("/", "+") / "repo"
    repo = GitRepo(path)
    plan = sample(repo, per_repo, seed, name)
    records: list[dict] = []

    def query(rec, index, drop: str | None) -> dict:
        parent = rec.parents[0]
        change = change_from_diff(repo.diff(parent, rec.sha, exclude=[drop] if drop else []), Limits(),
                                  repo=repo, base=parent)
        t0 = time.perf_counter()
        out = missing_partners(change, Context(history=index), settings)
        ms = (time.perf_counter() - t0) * 1000
        touched = [f.path for f in change.files] + [f.old_path for f in change.files if f.old_path]
        code = partners.rank(index, touched, settings.ranking)
        t1 = time.perf_counter()
        base = partners.baseline(index, touched)
        base_ms = (time.perf_counter() - t1) * 1000

        def top(cands):
            return [[c.path, round(c.confidence, 4), c.together, c.changes] for c in cands[:TOP]]

        rows = {
            "product": top([c for c in code if not c.is_test and not paths.is_doc(c.path)]),
            "product_tests": top([c for c in code if c.is_test]),
            "baseline": top(base),
            "baseline_code": top([c for c in base if not c.is_test and not paths.is_doc(c.path)]),
            "baseline_tests": top([c for c in base if c.is_test]),
        }
        for vname, vs in variants.items():
            rows[vname] = top([c for c in partners.rank(index, touched, vs) if not c.is_test and not paths.is_doc(c.path)])
        return {
            "findings": [[f["kind"], _proposed(f["message"])] for f in out["findings"]],
            "ms": round(ms, 3), "baseline_ms": round(base_ms, 3), "rows": rows,
        }

    def visit(rec, index):
        spec = plan[rec.sha]
        split = "heldout" if heldout(rec.sha, share) else "dev"
        common = {"repo": name, "sha": rec.sha, "split": split, "history": index.commits}
        try:
            out = [{**common, "kind": "partner", "dropped": spec["drop"], **query(rec, index, spec["drop"])}]
            if spec["drop_test"]:
                out.append({**common, "kind": "test", "dropped": spec["drop_test"], **query(rec, index, spec["drop_test"])})
            out.append({**common, "kind": "intact", "dropped": None, **query(rec, index, None)})
        except RepositoryError:  # an incomplete mirror lacks this commit's blobs: the commit is left out
            return None
        return out

    for batch in replay(repo, ["HEAD"], visit, targets=set(plan)):
        records.extend(batch)
    return records


# -- figures -----------------------------------------------------------------------------------


def recall(records: list[dict], row: str) -> dict[int, float]:
    n = len(records)
    return {k: (sum(r["dropped"] in [c[0] for c in r["rows"][row][:k]] for r in records) / n if n else 0.0) for k in KS}


def emitted(records: list[dict], kind: str) -> tuple[int, int, int]:
    """(findings emitted, of which right, queries with a right one) for one finding kind."""
    n = right = hit = 0
    for r in records:
        named = [p for k, p in r["findings"] if k == kind]
        n += len(named)
        right += sum(p == r["dropped"] for p in named)
        hit += r["dropped"] in named
    return n, right, hit


def thresholded(records: list[dict], row: str, conf: float, support: int, limit: int | None = None) -> tuple[int, int]:
    n = right = 0
    for r in records:
        kept = [c for c in r["rows"][row] if c[1] >= conf and c[2] >= support][:limit]
        n += len(kept)
        right += sum(c[0] == r["dropped"] for c in kept)
    return n, right


def pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def report(records: list[dict], variants: list[str]) -> None:
    for split in ("dev", "heldout"):
        recs = [r for r in records if r["split"] == split]
        part = [r for r in recs if r["kind"] == "partner"]
        test = [r for r in recs if r["kind"] == "test"]
        intact = [r for r in recs if r["kind"] == "intact"]
        print(f"\n== {split}: {len(part)} partner queries, {len(test)} test queries, {len(intact)} intact commits, "
              f"{len({r['repo'] for r in recs})} repositories")
        print(f"{'ranking':<22}" + "".join(f"{'R@' + str(k):>8}" for k in KS) + f"{'proposal':>10}")
        for row in ["product", "baseline", "baseline_code"] + [v for v in variants if split == "dev"]:
            rc = recall(part, row)
            proposed = sum(bool(r["rows"][row]) for r in part) / len(part) if part else 0
            print(f"{row:<22}" + "".join(f"{pct(rc[k]):>8}" for k in KS) + f"{pct(proposed):>10}")
        for label, qs, kind, row, brow in (("missing_partner", part, "coupling.missing_partner", "product", "baseline"),
                                           ("missing_test", test, "coupling.missing_test", "product_tests", "baseline_tests")):
            n, right, hit = emitted(qs, kind)
            bn, bright = thresholded(qs, brow, 0.5, 5)
            fired = sum(any(k == kind for k, _ in r["findings"]) for r in intact)
            print(f"{label}: emitted {n}, right {right} (precision {pct(right / n if n else 0)}), recall {pct(hit / len(qs) if qs else 0)}"
                  f", queries with one {pct(sum(any(k == kind for k, _ in r['findings']) for r in qs) / len(qs) if qs else 0)}"
                  f"; intact commits with one {pct(fired / len(intact) if intact else 0)}"
                  f"; baseline support>=5 conf>=0.5: {bn} emitted, precision {pct(bright / bn if bn else 0)}, recall "
                  f"{pct(sum(r['dropped'] in _bright(r['rows'][brow]) for r in qs) / len(qs) if qs else 0)}")
            rc = recall(qs, row)
            print(f"  {label} ranking " + " ".join(f"R@{k} {pct(rc[k])}" for k in KS)
                  + "   baseline " + " ".join(f"R@{k} {pct(v)}" for k, v in recall(qs, brow).items()))
        ms = sorted(r["ms"] for r in recs)
        bms = sorted(r["baseline_ms"] for r in recs)
        if ms:
            print(f"time per change (missing_partners, warm index): median {statistics.median(ms):.2f} ms, "
                  f"p95 {ms[int(0.95 * (len(ms) - 1))]:.2f} ms, max {ms[-1]:.2f} ms; baseline median "
                  f"{statistics.median(bms):.2f} ms")
    per_repo: dict[str, list[dict]] = {}
    for r in records:
        if r["kind"] == "partner":
            per_repo.setdefault(r["repo"], []).append(r)
    print("\nper repository (all splits): partner queries, R@3 product / baseline")
    for name, rs in sorted(per_repo.items()):
        print(f"  {name:<34} {len(rs):4d}  {pct(recall(rs, 'product')[3])} / {pct(recall(rs, 'baseline')[3])}")


def calibrate(records: list[dict], row: str, kind: str, target: float = 0.55) -> None:
    """Dev only: precision and recall of emitting the top candidates above each confidence."""
    qs = [r for r in records if r["split"] == "dev" and r["kind"] == kind]
    intact = [r for r in records if r["split"] == "dev" and r["kind"] == "intact"]
    print(f"\ncalibration on dev ({kind}, row {row}): threshold, limit -> emitted, precision, recall, intact firing")
    for limit in (1, 2):
        for conf in (0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8):
            n, right = thresholded(qs, row, conf, 2, limit)
            ni, _ = thresholded(intact, row, conf, 2, limit)
            fired = sum(bool([c for c in r["rows"][row] if c[1] >= conf and c[2] >= 2]) for r in intact)
            mark = " <" if n and right / n >= target else ""
            print(f"  conf>={conf:.2f} top{limit}: {n:5d} emitted, precision {pct(right / n if n else 0)}, "
                  f"recall {pct(right / len(qs) if qs else 0)}, intact {pct(fired / len(intact) if intact else 0)}{mark}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repos", nargs="*", default=REPOS)
    ap.add_argument("--per-repo", type=int, default=120)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--heldout", type=float, default=0.4)
    ap.add_argument("--grid", action="store_true", help="also rank with the variants tuned over (dev figures only)")
    ap.add_argument("--calibrate", action="store_true", help="print the dev threshold sweep")
    ap.add_argument("--records", help="write every query's ranking here (JSON lines; outside the checkout)")
    ap.add_argument("--from-records", help="only print figures from an earlier --records file")
    args = ap.parse_args(argv)
    variants = grid() if args.grid else {}
    records: list[dict] = []
    if args.from_records:
        with open(args.from_records) as fh:
            records = [json.loads(line) for line in fh]
        variants = {v: None for v in records[0]["rows"] if v not in FIXED_ROWS} if records else {}
    else:
        settings = CouplingSettings()
        out = open(args.records, "w") if args.records else None
        for name in args.repos:
            t0 = time.perf_counter()
            try:
                recs = run_repo(name, args.per_repo, args.seed, args.heldout, variants, settings)
            except (RepositoryError, OSError) as exc:
                print(f"{name}: skipped ({exc})", file=sys.stderr)
                continue
            records.extend(recs)
            if out:
                for r in recs:
                    out.write(json.dumps(r) + "\n")
                out.flush()
            print(f"{name}: {sum(r['kind'] == 'partner' for r in recs)} commits in {time.perf_counter() - t0:.0f} s",
                  file=sys.stderr)
        if out:
            out.close()
    report(records, list(variants))
    if args.calibrate:
        calibrate(records, "product", "partner")
        calibrate(records, "product_tests", "test")
    return 0


if __name__ == "__main__":
    sys.exit(main())
