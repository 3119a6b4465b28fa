"""Reasons a reviewer reads: the strongest contributions, stated as facts with their numbers."""

from __future__ import annotations

from mergeguard.models.explain import reasons, sentence


def test_strongest_contributions_first_and_unknowns_skipped():
    feats = ["la", "exp", "nf", "fix"]
    values = {"la": 640.0, "exp": None, "nf": 3.0, "fix": 1.0}
    out = reasons(feats, values, [0.9, -2.0, 0.005, -0.3], top=5)
    assert [r["feature"] for r in out] == ["la", "fix"]  # exp unknown; nf below the noise floor
    assert out[0]["contribution"] == 0.9 and out[0]["value"] == 640.0
    assert out[1]["text"] == "says it fixes a bug"


def test_percentile_comparison_wording():
    pct = lambda feature, value: (0.975, "this repository's changes")  # noqa: E731
    assert sentence("la", 640.0, pct) == "adds 640 lines, more than 97% of this repository's changes"
    top = lambda feature, value: (1.0, "this repository's changes")  # noqa: E731
    assert sentence("la", 9000.0, top) == "adds 9,000 lines, more than 99% of this repository's changes"
    assert sentence("nf", 1.0) == "touches 1 file"
    assert sentence("size_percentile", 1.0) == "is larger than every earlier change in this repository"
    assert sentence("prior_fixes", 2.0) == "touches files that needed 2 bug fixes before"


def test_low_values_read_as_lower_than_most_changes():
    from mergeguard.models.explain import sentence

    text = sentence("la", 23.0, lambda feature, value: (0.21, "this repository's changes"))
    assert text == "adds 23 lines, lower than in 79% of this repository's changes"
    assert sentence("la", 900.0, lambda f, v: (0.98, "this repository's changes")).endswith(
        "more than 98% of this repository's changes")
