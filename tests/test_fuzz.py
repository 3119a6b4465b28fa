"""Fuzzing what outsiders write (issue 11): webhook deliveries, diffs, configs. Bounded for CI.

Hypothesis drives mutations of real material (tests/fuzz_cases.py) against the real code: the Flask
app with its database (the test client is the HTTP layer here; tests/test_app_edge.py covers the
real server for chunked bodies), ``mergeguard score --diff`` and ``mergeguard config check``
in-process. What must hold for every input: no 5xx, nothing malformed queued, nothing stored for a
refused delivery; exit 0 or 2 with one-line errors, never a traceback. ``max_examples`` keeps the
run to a minute or two; ``benchmarks/fuzz.py`` runs the same checks with many more examples.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings

from mergeguard.app.web import create_app, runtime

from . import fuzz_cases as fc
from .test_app_web import make_settings, recorders
from .test_config import FULL

EXAMPLES = int(os.environ.get("MERGEGUARD_FUZZ_EXAMPLES", "0"))
SETTINGS = {"deadline": None, "database": None, "derandomize": True,
            "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]}


def test_fuzzed_webhook_deliveries_never_5xx_and_never_queue_malformed_jobs(tmp_path):
    _, handlers = recorders()
    app = create_app(make_settings(tmp_path, webhook_secret=fc.SECRET), handlers=handlers, start_workers=False)
    client, store = app.test_client(), runtime(app).store
    seen: dict[str, int] = {}

    @settings(max_examples=EXAMPLES or 400, **SETTINGS)
    @given(fc.deliveries())
    def deliver(case):
        outcome = fc.check_delivery(client, store, *case)
        seen[outcome] = seen.get(outcome, 0) + 1

    try:
        deliver()
    finally:
        runtime(app).stop()
    # the mutations reach every kind of answer, not only the signature check's 401
    assert {"202", "400", "401"} <= set(seen), seen


def test_fuzzed_diffs_score_or_fail_in_one_line(tmp_path):
    seeds = fc.seed_diffs(tmp_path)
    path = tmp_path / "fuzz.diff"
    seen: dict[str, int] = {}

    @settings(max_examples=EXAMPLES or 150, **SETTINGS)
    @given(fc.diffs(seeds))
    def score(data):
        path.write_bytes(data)
        outcome = fc.check_score_diff(path)
        seen[outcome] = seen.get(outcome, 0) + 1

    score()
    assert set(seen) == {"exit 0", "exit 2"}, seen


def test_fuzzed_configs_are_ok_or_problems_one_a_line(tmp_path):
    path = tmp_path / "mergeguard.yml"
    seen: dict[str, int] = {}

    @settings(max_examples=EXAMPLES or 300, **SETTINGS)
    @given(fc.configs(FULL))
    def check(text):
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
        outcome = fc.check_config(path)
        seen[outcome] = seen.get(outcome, 0) + 1

    check()
    assert set(seen) == {"exit 0", "exit 2"}, seen


def test_fuzzed_diffs_under_small_caps_keep_counts_exact_and_bounded(tmp_path):
    """Whatever the caps, a diff that parses gives the same exact counts, and never keeps more than allowed."""
    from hypothesis import strategies as st

    from mergeguard.change import Limits, parse_diff
    from mergeguard.errors import DiffError

    seeds = fc.seed_diffs(tmp_path)

    @settings(max_examples=EXAMPLES or 300, **SETTINGS)
    @given(fc.diffs(seeds), st.integers(0, 30), st.integers(0, 5), st.integers(0, 60))
    def capped(data, file_lines, files, lines):
        try:
            whole, _ = parse_diff(data)
        except DiffError:
            return
        few, _ = parse_diff(data, Limits(max_file_lines=file_lines, max_files=files, max_lines=lines))
        assert [(f.path, f.added, f.deleted) for f in few] == [(f.path, f.added, f.deleted) for f in whole[:files]]
        kept = [sum(len(h.added) + len(h.removed) for h in f.hunks) for f in few]
        assert all(k <= file_lines for k in kept) and sum(kept) <= lines
        assert all(f.truncated == (k < f.added + f.deleted) for f, k in zip(few, kept, strict=True))

    capped()
