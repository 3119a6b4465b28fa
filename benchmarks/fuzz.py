"""The long fuzz run (issue 11): many more hostile inputs than CI's tests/test_fuzz.py, with counts.

Same generators and same checks (tests/fuzz_cases.py), three surfaces:

* **webhooks**: mutations of GitHub's published example payloads (``@octokit/webhooks-examples``)
  of every (event, action) the App handles, signed with the webhook secret (so they get past the
  signature) except for a share with broken headers, POSTed to the real Flask app with its SQLite
  store. Must hold: no 5xx, nothing stored for a refused delivery, no malformed job queued.
* **diffs**: mutations of real ``git diff`` output (inserted, deleted, duplicated, replaced lines,
  raw bytes, cuts) and diff-like line soup, through ``mergeguard score --diff`` in-process. Must
  hold: exit 0 with JSON, or exit 2 with one line; never an exception.
* **configs**: mutations of the README's full gate config and YAML edge cases through
  ``mergeguard config check`` in-process. Must hold: "ok", or problems one a line and exit 2.

Then the diff caps (item 11): the hostile diffs of the issue (a 20 MB diff of empty added lines,
alternating lines, 800,000 one-line hunks, 9,000 files, 9 M lines of junk), each parsed once with
time (untraced) and peak traced memory (tracemalloc, a second run) printed.

    python benchmarks/fuzz.py                       # 4000 deliveries, 2000 diffs, 1000 configs, caps
    python benchmarks/fuzz.py --webhooks 200 --diffs 100 --configs 100 --seed 7

Prints one line per surface: examples, outcomes by answer or exit code, failures (0 is the claim),
seconds. Exits 1 if any check failed (the failing example is printed by hypothesis).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, seed, settings

from tests import fuzz_cases as fc


def _settings(n: int) -> settings:
    return settings(max_examples=n, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def run(name: str, n: int, rng_seed: int, strategy, check) -> bool:
    counts: Counter[str] = Counter()
    t0 = time.perf_counter()

    @seed(rng_seed)
    @_settings(n)
    @given(strategy)
    def body(case):
        counts[check(case)] += 1

    ok = True
    try:
        body()
    except Exception as exc:  # noqa: BLE001 -- report and go on to the next surface
        ok = False
        print(f"{name}: FAILED: {type(exc).__name__}: {str(exc)[:500]}")
    seconds = time.perf_counter() - t0
    outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    print(f"{name}: {sum(counts.values())} examples ({outcomes}); failures: {0 if ok else 1}; {seconds:.0f} s",
          flush=True)
    return ok


def caps() -> None:
    from mergeguard.change import parse_diff

    cases = {
        "9.9 M empty added lines (19.8 MB)": b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -0,0 +1,9900000 @@\n"
        + b"+\n" * 9_900_000,
        "4.9 M alternating -/+ lines (19.6 MB)": b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,4900000 +1,4900000 @@\n"
        + b"+\n-\n" * 4_900_000,
        "800,000 one-line hunks (20.6 MB, cut at 20 MB)": b"diff --git a/x b/x\n--- a/x\n+++ b/x\n"
        + b"".join(b"@@ -%d +%d @@\n-\n+\n" % (i, i) for i in range(1, 800_000)),
        "9,000 files of 1,000 lines (18.6 MB)": b"".join(
            b"diff --git a/f%d b/f%d\n--- a/f%d\n+++ b/f%d\n@@ -0,0 +1,1000 @@\n" % (i, i, i, i) + b"+\n" * 1000
            for i in range(9000)),
        "9 M lines of junk after a header (18 MB)": b"diff --git a/x b/x\n" + b"x\n" * 9_000_000,
    }
    for name, data in cases.items():
        t0 = time.perf_counter()
        files, notes = parse_diff(data)
        seconds = time.perf_counter() - t0  # untraced: tracemalloc slows allocation-heavy code several-fold
        tracemalloc.start()
        parse_diff(data)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        kept = sum(len(h.added) + len(h.removed) for f in files for h in f.hunks)
        print(f"caps: {name}: {seconds:.2f} s, peak traced {peak / 1e6:.0f} MB, {len(files)} files, "
              f"{sum(f.added + f.deleted for f in files):,} changed lines counted, {kept:,} kept; {len(notes)} notes",
              flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--webhooks", type=int, default=4000)
    ap.add_argument("--diffs", type=int, default=2000)
    ap.add_argument("--configs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--no-caps", action="store_true", help="skip the hostile-diff timings")
    args = ap.parse_args()
    import logging

    logging.getLogger("mergeguard").setLevel(logging.ERROR)  # 401s are expected here, by the hundred

    from mergeguard.app.web import create_app, runtime
    from tests.test_app_web import make_settings, recorders
    from tests.test_config import FULL

    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        if args.webhooks:
            _, handlers = recorders()
            app = create_app(make_settings(tmp_path, webhook_secret=fc.SECRET), handlers=handlers,
                             start_workers=False)
            client, store = app.test_client(), runtime(app).store
            try:
                ok &= run("webhooks", args.webhooks, args.seed, fc.deliveries(),
                          lambda case: fc.check_delivery(client, store, *case))
            finally:
                runtime(app).stop()
        if args.diffs:
            seeds = fc.seed_diffs(tmp_path)
            path = tmp_path / "fuzz.diff"

            def score(data: bytes) -> str:
                path.write_bytes(data)
                return fc.check_score_diff(path)

            ok &= run("diffs", args.diffs, args.seed, fc.diffs(seeds), score)
        if args.configs:
            cpath = tmp_path / "mergeguard.yml"

            def check(text: str) -> str:
                cpath.write_bytes(text.encode("utf-8", "surrogateescape"))
                return fc.check_config(cpath)

            ok &= run("configs", args.configs, args.seed, fc.configs(FULL), check)
    if not args.no_caps:
        caps()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
