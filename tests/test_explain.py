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


def test_comparisons_agree_with_the_arrow():
    from mergeguard.models.explain import sentence

    low = lambda feature, value: (0.21, "this repository's changes")  # noqa: E731
    high = lambda feature, value: (0.91, "this repository's changes")  # noqa: E731
    # a small change lowering the risk: "fewer than" agrees with the arrow
    assert sentence("la", 23.0, low, -0.4) == "adds 23 lines, fewer than 79% of this repository's changes"
    # a small change *raising* it: no comparison words that would contradict the arrow
    assert sentence("la", 23.0, low, +0.4) == "adds 23 lines"
    # many files lowering the risk: never "more than" next to a downward arrow
    assert sentence("nf", 18.0, high, -0.47) == "touches 18 files"
    assert sentence("nf", 18.0, high, +0.47) == "touches 18 files, more than 91% of this repository's changes"
    # experience points the other way: few earlier commits raise the risk
    assert sentence("exp", 2.0, low, +0.3) == ("comes from an author with 2 earlier commits here, "
                                               "fewer than 79% of this repository's changes")
    assert sentence("exp", 2.0, low, -0.3) == "comes from an author with 2 earlier commits here"


def test_only_notable_reasons_headline():
    from mergeguard.models.explain import notable

    typical = lambda feature, value: (0.5, "this repository's changes")  # noqa: E731
    unusual = lambda feature, value: (0.95, "this repository's changes")  # noqa: E731
    assert not notable("components_touched", 1.0, 0.6, typical)  # true of most changes
    assert notable("components_touched", 4.0, 0.6, unusual)
    assert not notable("tests_changed", 0.0, 0.5)  # an absence
    assert notable("tests_changed", 1.0, -0.5) and not notable("tests_changed", 1.0, 0.5)
    assert not notable("ai_style_score", 0.07, 0.37)  # a low AI-style score never reads as raising risk
    assert notable("ai_style_score", 0.83, 0.37)
    assert not notable("nf", 18.0, -0.47, unusual)  # many files lowering the risk: against its direction
    feats = ["code_files", "api_changes", "tests_changed"]
    out = reasons(feats, {"code_files": 1.0, "api_changes": 1.0, "tests_changed": 0.0}, [0.9, 0.4, 0.3],
                  percentile=typical,
                  findings=[{"kind": "coupling.api_change", "path": "src/a.py", "line": 42, "message": "m"}])
    assert [(r["feature"], r["notable"]) for r in out] == [("api_changes", True), ("code_files", False),
                                                           ("tests_changed", False)]
    assert out[0]["text"] == "changes the signature of 1 function or class (src/a.py:42)"
