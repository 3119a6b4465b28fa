"""Round 5's measurement (benchmarks/ai_style_set.py --human-era / --train-human / --era-quantiles):
which human changes are evaluated and fitted on, and what the held-out figures then say, on a small
synthetic labelled set scored by the product's statistics and the product-form refit."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mergeguard.features import authorship
from tests.benchscripts import load

#: an agent's change: narrated, capitalised comments, docstrings, long names, type hints
AI_CODE = [
    "def compute_retry_delay_seconds(attempt_number: int, base_delay: float) -> float:",
    '    """Compute the delay before the next attempt, growing exponentially."""',
    "    # Ensure the delay never exceeds the configured maximum, to avoid long stalls.",
    "    exponential_delay = base_delay * (2 ** attempt_number)",
    "",
    "    # Now clamp the value instead of letting it grow without bound.",
    "    bounded_delay_value = min(exponential_delay, MAXIMUM_DELAY_SECONDS)",
    "    return bounded_delay_value",
]
#: a person's change before 2021: terse, no comments, short names
HUMAN_CODE = [
    "def delay(n, b):",
    "    d = b * 2 ** n",
    "    if d > MAX:",
    "        d = MAX",
    "    return d",
    "x = delay(1, 2)",
]


def _row(mod_repo: str, label: int, period: str, code: list[str], k: int, family: str = "agent-session") -> dict:
    # each change repeats its template with a per-change variation, so no two are identical
    lines = [ln.replace("delay", f"delay{k}") for ln in code] * (3 + k % 4)
    stats, n = authorship.statistics_of([("python", lines)])
    row = {"repo": mod_repo, "language": "python", "split": "dev", "sha": f"{mod_repo}-{label}-{period}-{k}",
           "label": label, "period": period, "original": True, "lines": [["python", lines]], "stats": stats,
           "n": n, "main": "python"}
    return row | ({"family": family} if label else {"family": "human"})


def _set() -> list[dict]:
    """Three repositories: AI changes look like AI_CODE, pre-2021 human ones like HUMAN_CODE, and
    the same-period "human" ones are half HUMAN_CODE, half unmarked AI_CODE (the label noise)."""
    rows = []
    for repo in ("o/a", "o/b", "o/c"):
        rows += [_row(repo, 1, "ai-era", AI_CODE, k) for k in range(12)]
        rows += [_row(repo, 1, "ai-era", HUMAN_CODE, 100 + k, family="suggestion") for k in range(3)]
        rows += [_row(repo, 0, "pre-2021", HUMAN_CODE, k) for k in range(10)]
        rows += [_row(repo, 0, "ai-era", AI_CODE if k % 2 else HUMAN_CODE, 200 + k) for k in range(10)]
    rows += [_row("o/new", 1, "ai-era", AI_CODE, k) for k in range(12)]  # no pre-2021 history
    rows += [_row("o/new", 0, "ai-era", HUMAN_CODE, 300 + k) for k in range(6)]
    return rows


@pytest.fixture(scope="module")
def bench():
    return load("ai_style_set")


def test_each_human_era_keeps_every_ai_change_and_its_own_human_ones(bench):
    rows = _set()
    pre = bench.with_human_era(rows, "pre2021")
    same = bench.with_human_era(rows, "same")
    assert {r["period"] for r in pre if r["label"] == 0} == {"pre-2021"}
    assert {r["period"] for r in same if r["label"] == 0} == {"ai-era"}
    n_ai = sum(r["label"] for r in rows)
    assert sum(r["label"] for r in pre) == sum(r["label"] for r in same) == n_ai
    assert len(pre) + len(same) - n_ai == len(rows) == len(bench.with_human_era(rows, "all"))


def test_training_on_clean_negatives_leaves_out_noisy_humans_and_unpaired_repositories(bench):
    rows = _set()
    agents = bench.train_rows(rows, "agents", "all")
    assert not any(r["family"] == "suggestion" for r in agents) and any(r["period"] == "ai-era" and r["label"] == 0 for r in agents)
    pre = bench.train_rows(rows, "agents", "pre2021")
    assert {r["period"] for r in pre if r["label"] == 0} == {"pre-2021"}
    assert "o/new" in {r["repo"] for r in pre}  # its AI changes stay: one side only
    paired = bench.train_rows(rows, "agents", "pre2021-paired")
    assert {r["repo"] for r in paired} == {"o/a", "o/b", "o/c"}
    assert bench.train_rows(rows, "all", "pre2021-paired") != paired  # the suggestion labels come back


def test_held_out_figures_by_era_show_the_noise_in_the_same_period_class(bench):
    rows = _set()
    trainable = bench.train_rows(rows, "agents", "pre2021")
    held = bench.held_out(["refit"], rows, trainable, 1.0)["refit"]
    assert set(held) == {"o/a", "o/b", "o/c", "o/new"}
    table_pre, pooled_pre = bench.evaluate(rows, held, "pre2021")
    table_same, _ = bench.evaluate(rows, held, "same")
    table_all, _ = bench.evaluate(rows, held, "all")
    # no pre-2021 human change: no AUC there, and not pooled
    assert table_pre["o/new"] == {"ai": 12, "human": 0, "auc": None}
    assert "o/new" not in {p[5]["repo"] for p in pooled_pre}
    for repo in ("o/a", "o/b", "o/c"):
        sub = [r for r in rows if r["repo"] == repo and (r["label"] or r["period"] == "pre-2021")]
        scores = [s for r, s in zip([r for r in rows if r["repo"] == repo], held[repo], strict=True)
                  if r["label"] or r["period"] == "pre-2021"]
        assert table_pre[repo]["auc"] == pytest.approx(roc_auc_score([r["label"] for r in sub], scores))
        assert table_pre[repo]["human"] == 10 and table_pre[repo]["ai"] == 15
        # the unmarked AI-like half of the same-period class costs AUC no score can win back
        assert table_pre[repo]["auc"] > table_all[repo]["auc"] > table_same[repo]["auc"]
        assert table_same[repo]["auc"] < 0.8 < table_pre[repo]["auc"]
    # ranks are taken within each repository over the changes evaluated
    ranks = np.array([p[1] for p in pooled_pre if p[5]["repo"] == "o/a"])
    assert len(ranks) == 25 and ranks.min() == pytest.approx(0.5 / 25) and ranks.max() == pytest.approx(24.5 / 25)
    both = bench.repos_with_both_eras(rows, 10)
    assert both == {"o/a", "o/b", "o/c"}
    s = bench.summary(table_pre, pooled_pre, 10, both)
    assert s["repos"] == 3 and s["n"] == 75 and s["n_ai"] == 45

    q = bench.era_quantiles(rows, held, both)
    assert (q["ai"]["n"], q["same"]["n"], q["pre2021"]["n"]) == (45, 30, 30)
    assert q["pre2021"]["above_ai_median"] == 0.0
    assert 0.3 <= q["same"]["above_ai_median"] <= 0.5  # the AI-like half, at most, sits above
    assert q["pre2021"]["raw"][4] < q["same"]["raw"][4] and q["same"]["rank"][2] < q["ai"]["rank"][2]


def test_an_unknown_era_is_a_one_line_error_before_anything_is_read(bench, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys, "argv", ["ai_style_set.py", "--human-era", "all,1999", "--cache", str(tmp_path / "none.json")])
    assert bench.main() == 2
    err = capsys.readouterr().err
    assert err.startswith("mergeguard: error: unknown human era '1999'") and err.count("\n") == 1
    assert not (tmp_path / "none.json").exists()


def test_the_era_model_finds_an_era_axis_without_any_ai_label(bench):
    """Same-period human code written with type hints and docstrings, pre-2021 code without: the era
    model separates the two human classes, and its axis is the AI-vs-pre-2021 scorer's."""
    rows = []
    for repo in ("o/a", "o/b", "o/c"):
        rows += [_row(repo, 1, "ai-era", AI_CODE, k) for k in range(12)]
        rows += [_row(repo, 0, "pre-2021", HUMAN_CODE, k) for k in range(8)]
        rows += [_row(repo, 0, "ai-era", AI_CODE if k % 3 else HUMAN_CODE, 200 + k) for k in range(9)]
    rows += [_row("o/new", 1, "ai-era", AI_CODE, k) for k in range(12)]
    rows += [_row("o/new", 0, "ai-era", HUMAN_CODE, 300 + k) for k in range(6)]  # one human era only: left out
    e = bench.era_model(rows, "agents", 10)
    assert e["repos"] == ["o/a", "o/b", "o/c"] and e["n"] == 3 * 17
    assert e["per_repo"]["o/a"][:2] == (9, 8) and e["auc"] > 0.75
    assert e["n_ai_vs_same"] == 3 * 21
    assert e["cosine"]["era/ai-vs-pre2021"] > 0.8
    assert len(e["top"]) == 8 and abs(e["top"][0][1]) >= abs(e["top"][-1][1])


def test_commit_times_come_from_the_mirror(bench, tmp_path, monkeypatch):
    from tests.gitrepo import commit, git, init_repo

    work = init_repo(tmp_path / "work")
    a = commit(work, {"a.py": "x = 1\n"}, "first", 1_700_000_000)
    b = commit(work, {"a.py": "x = 2\n"}, "second", 1_710_000_000)
    git(tmp_path, "clone", "-q", "--bare", str(work), str(tmp_path / "mirrors" / "o+r" / "repo"))
    monkeypatch.setattr(bench, "MIRRORS", tmp_path / "mirrors")
    assert bench.commit_times("o/r", [b, a]) == {a: 1_700_000_000, b: 1_710_000_000}


def test_the_trend_sees_same_period_changes_turning_ai_like_over_time(bench):
    """Same-period human changes that score AI-like only after the repository's median AI date: their
    mean rank rises from before to after, and date and rank correlate; AI changes stay flat."""
    rows, times, scores = [], {}, {}
    for repo in ("o/a", "o/b"):
        sub = []
        for k in range(12):
            sub.append({"repo": repo, "sha": f"{repo}-ai-{k}", "label": 1, "period": "ai-era"})
            times[f"{repo}-ai-{k}"] = 1_000 + 100 * k  # median AI date 1_550
        for k in range(10):
            sub.append({"repo": repo, "sha": f"{repo}-h-{k}", "label": 0, "period": "ai-era"})
            times[f"{repo}-h-{k}"] = 1_000 + 120 * k  # five before 1_550, five after
        sub.append({"repo": repo, "sha": f"{repo}-old", "label": 0, "period": "pre-2021"})
        times[f"{repo}-old"] = 10
        rows += sub
        # AI changes score 1.0 alternating with 0.2; human ones 0.1 early, 0.9 late; pre-2021 lowest
        scores[repo] = np.array([(1.0 if k % 2 else 0.2) for k in range(12)]
                                + [0.1 + 0.001 * k if k < 5 else 0.9 + 0.001 * k for k in range(10)] + [0.0])
    tr = bench.era_trend(rows, scores, times, 10)
    same, ai = tr["same"], tr["ai"]
    assert same["before"][1] == same["after"][1] == 10  # five a repository on each side, pre-2021 left out
    assert same["after"][0] - same["before"][0] > 0.3
    assert same["rho_median"] > 0.8 and same["rho_positive"] == 2 == same["repos"]
    assert ai["before"][1] + ai["after"][1] == 24 and abs(ai["rho_median"]) < 0.3
    assert bench.era_trend(rows, scores, times, 13) == {
        c: {"before": (None, 0), "after": (None, 0), "rho_median": None, "repos": 0, "rho_positive": 0} for c in ("same", "ai")}


def test_a_calibration_reads_every_held_out_change_whatever_the_era(bench):
    rows = _set()
    held = bench.held_out(["refit"], rows, bench.train_rows(rows, "agents", "all"), 1.0)["refit"]
    y, s = bench.all_held_out(rows, held)
    assert len(y) == len(s) == len(rows) and sum(y) == sum(r["label"] for r in rows)
    first = [r for r in rows if r["repo"] == "o/a"][0]
    assert (y[0], s[0]) == (first["label"], pytest.approx(float(held["o/a"][0])))
