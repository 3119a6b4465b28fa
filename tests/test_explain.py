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


def test_a_style_score_is_shown_only_where_its_words_agree_with_its_arrow():
    """Issue 15: a human-looking added code never reads as raising the risk (the model may still weigh it)."""
    feats = ["ai_style_score", "la"]
    low_raising = reasons(feats, {"ai_style_score": 0.2, "la": 40.0}, [0.5, 0.2], top=5)
    assert [r["feature"] for r in low_raising] == ["la"]
    high_raising = reasons(feats, {"ai_style_score": 0.8, "la": 40.0}, [0.5, 0.2], top=5)
    assert [r["feature"] for r in high_raising][0] == "ai_style_score"
    assert "AI-written" in high_raising[0]["text"]
    high_lowering = reasons(feats, {"ai_style_score": 0.8, "la": 40.0}, [-0.5, 0.2], top=5)
    assert "ai_style_score" not in [r["feature"] for r in high_lowering]


def test_a_weak_partner_score_is_no_headline_without_its_finding(tmp_path):
    """Nearly every change with history has a best co-change candidate, so ``max_partner_rate`` is
    above 0 for most; it headlined "leaves out a file that changed with these in 33% of commits" (a
    smoothed confidence, from 1 change of 1) with no file named and no finding behind it. End to end
    on a real repository and the shipped model: it stays in the details, in its own words."""
    import json
    import subprocess
    import sys

    from .gitrepo import commit, init_repo

    p = init_repo(tmp_path / "r")
    commit(p, {"src/a.py": "def f(x):\n    return x\n", "src/b.py": "def g(x):\n    return x\n"}, "init", 1_700_000_000)
    commit(p, {"src/a.py": "def f(x):\n    return x + 1\n"}, "f: one more", 1_700_086_400)
    out = subprocess.run([sys.executable, "-m", "mergeguard.cli", "score", "--repo", str(p), "--commit", "HEAD",
                          "--format", "json", "--top", "20"], capture_output=True, check=True, timeout=1800)
    a = json.loads(out.stdout)
    assert a["features"]["max_partner_rate"] > 0 and not [f for f in a["findings"] if f["kind"] == "coupling.missing_partner"]
    [r] = [r for r in a["reasons"] if r["feature"] == "max_partner_rate"]
    assert r["contribution"] > 0 and not r["notable"]
    assert r["text"] == "leaves out a file history pairs with these (partner confidence 0.33)"


def test_a_partner_score_with_its_finding_headlines_and_names_it():
    found = [{"kind": "coupling.missing_partner", "path": "src/api.py", "line": 3, "message": "m"}]
    [r] = reasons(["max_partner_rate"], {"max_partner_rate": 0.62}, [0.2], findings=found)
    assert r["notable"] and r["text"] == "leaves out a file history pairs with these (partner confidence 0.62) (src/api.py:3)"
    [r] = reasons(["max_partner_rate"], {"max_partner_rate": 0.62}, [0.2], findings=[])
    assert not r["notable"]
