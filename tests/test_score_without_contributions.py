"""A score wanted without reasons (the gate's window commits) comes from LightGBM's raw margin
instead of the TreeSHAP sum, and only where the output cannot differ (issue 16): the shipped model,
real predictions, commits of a repository built in a temp dir."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mergeguard.change import Limits
from mergeguard.git import GitRepo
from mergeguard.models.model import load
from mergeguard.pipeline import score_commits

from .gitrepo import commit, init_repo

DAY = 86400
T0 = 1_600_000_000


@pytest.fixture(scope="module")
def model():
    return load(None)


def _treeshap_score(model, x) -> float:
    contrib = model.contributions(x)[0]
    return float(1.0 / (1.0 + math.exp(-(contrib.sum() + model.calibration[1]))))


def test_the_margin_score_gives_the_treeshap_output_on_varied_rows(model):
    rng = np.random.default_rng(16)
    quantiles = np.array([model.quantiles.get(f, [0.0] * 101) for f in model.features])  # (features, 101)
    answered = 0
    for _ in range(300):
        x = quantiles[np.arange(len(model.features)), rng.integers(0, 101, len(model.features))][None, :]
        x = x * rng.uniform(0.5, 2.0, x.shape)
        x[rng.random(x.shape) < 0.2] = np.nan  # unknown features, as history-less changes have
        fast = model.score_without_contributions(x)
        slow = _treeshap_score(model, x)
        if fast is not None:
            answered += 1
            assert round(fast, 4) == round(slow, 4)
            assert model.level(fast) == model.level(slow)
            assert abs(fast - slow) < model.margin_tolerance
    assert answered >= 295  # a refusal is a one-in-100,000 event


def test_a_score_next_to_a_rounding_midpoint_or_a_threshold_is_left_to_treeshap(model):
    x = np.array([[np.nan] * len(model.features)])
    a, b = model.calibration
    margin = float(model.booster.predict(x, raw_score=True, num_threads=1)[0])
    original = model.calibration
    try:
        for target in (0.12345, 0.87655, model.thresholds["high"], model.thresholds["medium"]):  # midpoints, thresholds
            model.calibration = (a, math.log(target / (1 - target)) - a * margin)
            assert abs(1.0 / (1.0 + math.exp(-(a * margin + model.calibration[1]))) - target) < 1e-12
            assert model.score_without_contributions(x) is None
        model.calibration = (a, math.log(0.12341 / (1 - 0.12341)) - a * margin)
        assert model.score_without_contributions(x) == pytest.approx(0.12341, abs=1e-12)
    finally:
        model.calibration = original


def test_the_tolerance_follows_the_trees_and_the_slope(model):
    assert 1e-12 < model.margin_tolerance < 1e-6
    # far above the largest gap measured on real rows (1.3e-14 in logit)
    assert model.margin_tolerance > 1000 * 1.3e-14


def test_commits_scored_without_reasons_have_the_score_and_level_they_have_with_them(tmp_path, model):
    p = init_repo(tmp_path / "r")
    body = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=5)\n"
    shas = [commit(p, {"svc/client.py": body, "README": "r\n"}, "add client", when=T0)]
    for i in range(8):
        body += f"\n\ndef call{i}(url):\n    for _ in range({i + 2}):\n        requests.post(url)\n"
        files = {"svc/client.py": body}
        if i % 3 == 0:
            files[f"tests/test_{i}.py"] = f"def test_{i}():\n    assert {i}\n"
        shas.append(commit(p, files, f"fix: call {i} retried", when=T0 + (i + 1) * DAY))
    repo = GitRepo(p)
    plain = score_commits(repo, shas, model, Limits(), top_reasons=5)
    bare = score_commits(repo, shas, model, Limits(), top_reasons=0)
    assert set(plain) == set(bare) == set(shas)
    assert len({a.score for a in plain.values()}) > 1  # the commits are not all alike
    for sha in shas:
        assert bare[sha].score == plain[sha].score
        assert bare[sha].model_level == plain[sha].model_level
        assert bare[sha].features == plain[sha].features
        assert bare[sha].reasons == ()
