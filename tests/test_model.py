"""Train, save, load, score: a real LightGBM model on mined history, and the ways loading must fail."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from mergeguard.errors import DataError, ModelError
from mergeguard.features import FEATURE_SCHEMA, FEATURES
from mergeguard.models import metrics as M
from mergeguard.models.dataset import labelled, read_rows
from mergeguard.models.model import load
from mergeguard.models.train import train


def test_trained_model_round_trips_and_learns(trained_model_dir):
    model_dir, data = trained_model_dir
    for name in ("model.txt", "model.json", "card.json", "card.md"):
        assert (model_dir / name).is_file(), name
    model = load(model_dir)
    assert model.features == FEATURES
    rows = labelled(read_rows(data))
    y = np.array([r["labels"]["risky"] for r in rows], dtype=int)
    scores = model.predict_proba([r["features"] for r in rows])
    assert np.all((scores > 0) & (scores < 1))
    # the designed signal (big additions by a newcomer) is learnt: risky changes rank high
    assert M.roc_auc(y, scores) > 0.8
    # thresholds are ordered and levels follow them
    t = model.thresholds
    assert 0 < t["medium"] <= t["high"] <= t["critical"] < 1
    assert model.level(t["critical"]) == "critical" and model.level(t["medium"] - 1e-6) == "low"


def test_contributions_add_up_to_the_calibrated_logit(trained_model_dir):
    model = load(trained_model_dir[0])
    rows = read_rows(trained_model_dir[1])[:20]
    x = model.matrix([r["features"] for r in rows])
    contrib = model.contributions(x)
    p = model.calibrate(model.margin(x))
    logit = np.log(p / (1 - p))
    b = model.calibration[1]
    np.testing.assert_allclose(contrib.sum(axis=1) + b, logit, rtol=1e-6, atol=1e-6)


def test_card_names_sources_and_metrics(trained_model_dir):
    card = json.loads((trained_model_dir[0] / "card.json").read_text())
    assert {s["repo"] for s in card["data"]["sources"]} == {"demo/svc0", "demo/svc1"}
    assert card["feature_schema"] == FEATURE_SCHEMA == "mergeguard.features/2"
    assert 0 < card["data"]["positive_rate"] < 1
    assert set(card["metrics"]["test"]) >= {"roc_auc", "pr_auc", "popt", "recall_at_20_effort"}
    text = (trained_model_dir[0] / "card.md").read_text()
    assert "demo/svc0" in text and "ROC" not in text or "roc_auc" in text


def test_schema_mismatch_is_refused(trained_model_dir, tmp_path):
    d = tmp_path / "m"
    shutil.copytree(trained_model_dir[0], d)
    meta = json.loads((d / "model.json").read_text())
    meta["feature_schema"] = "mergeguard.features/0"
    (d / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="feature schema"):
        load(d)


@pytest.mark.parametrize("damage", ["booster", "meta", "missing"])
def test_corrupt_model_is_a_clear_error(trained_model_dir, tmp_path, damage):
    d = tmp_path / "m"
    shutil.copytree(trained_model_dir[0], d)
    if damage == "booster":
        (d / "model.txt").write_text("tree\nnot a model\n")
    elif damage == "meta":
        (d / "model.json").write_text("{ nope")
    else:
        (d / "model.txt").unlink()
    with pytest.raises(ModelError):
        load(d)


def test_training_needs_both_classes(mined):
    rows = [dict(r, labels={**r["labels"], "risky": False}) for r in mined[0][0] if r["labels"]["mature"]]
    with pytest.raises(DataError, match="one class"):
        train(rows)


def test_shipped_default_model_loads():
    model = load()
    assert model.features == FEATURES and model.card["data"]["sources"]


def test_ablation_variants_leave_out_exactly_the_detectors_features():
    from mergeguard.features import CORE_DETECTORS, FEATURES, detector_features
    from mergeguard.models.evaluate import ablation_variants

    core = detector_features(CORE_DETECTORS)
    v = ablation_variants(FEATURES, "detectors")
    assert v == {"without detectors": core} and "ai_style_score" in FEATURES and "ai_style_score" not in core
    each = ablation_variants(FEATURES, "each")
    assert "components_touched" not in each["without coupling"] and "ai_explicit" in each["without coupling"]
    assert ablation_variants(FEATURES, "none") == {}


# -- a model trained on an older feature set keeps loading -------------------------------------------


def _score_with_cli(repo, sha, model_dir):
    from mergeguard.cli import main

    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["score", "--repo", str(repo), "--commit", sha, "--model", str(model_dir), "--format", "json"]) == 0
    return json.loads(out.getvalue())


def test_a_model_trained_before_features_were_added_loads_and_uses_what_it_knows(mined, synthetic_repos, tmp_path):
    from mergeguard.features import CORE_DETECTORS, detector_features

    older = detector_features(CORE_DETECTORS)  # as if every detector after history were added later
    rows = [r for rows, _ in mined for r in rows]
    model, _ = train(rows, features=older)
    model.save(tmp_path / "old")
    loaded = load(tmp_path / "old")
    assert loaded.features == older and len(older) < len(FEATURES)
    assert loaded.missing_features == [] and loaded.warnings() == []
    # the extractor's extra features are ignored, not misread: same scores with or without them
    full = [r["features"] for r in rows[:40]]
    only_old = [{k: v for k, v in f.items() if k in older} for f in full]
    assert set(full[0]) > set(older)
    np.testing.assert_array_equal(loaded.predict_proba(full), loaded.predict_proba(only_old))
    np.testing.assert_array_equal(loaded.predict_proba(full), model.predict_proba(full))
    # and it scores a real commit end to end
    syn = synthetic_repos[0]
    a = _score_with_cli(syn.path, sorted(syn.buggy)[0], tmp_path / "old")
    assert 0 < a["score"] < 1 and {r["feature"] for r in a["reasons"]} <= set(older)
    assert not any("no longer computes" in w for w in a["warnings"])


def test_a_feature_the_extractor_no_longer_computes_is_missing_with_a_warning(mined, synthetic_repos, tmp_path,
                                                                                caplog):
    rows = []
    for rs, _ in mined:
        for r in rs:
            risky = r["labels"].get("risky")
            # a retired feature that carried the label: the booster splits on it
            rows.append({**r, "features": {**r["features"], "retired_signal": float(bool(risky))}})
    feats = ["la", "nf", "retired_signal"]
    model, _ = train(rows, features=feats)
    model.save(tmp_path / "retired")
    with caplog.at_level("WARNING", logger="mergeguard.models.model"):
        loaded = load(tmp_path / "retired")
    assert loaded.missing_features == ["retired_signal"]
    assert "retired_signal" in caplog.text and "retired_signal" in loaded.warnings()[0]
    x = loaded.matrix([r["features"] for r in mined[0][0][:5]])  # today's rows: no retired_signal
    assert np.isnan(x[:, 2]).all() and not np.isnan(x[:, :2]).any()
    p = loaded.predict_proba([r["features"] for r in mined[0][0][:5]])
    assert np.all((p > 0) & (p < 1))
    syn = synthetic_repos[0]
    a = _score_with_cli(syn.path, sorted(syn.buggy)[0], tmp_path / "retired")
    assert any("retired_signal" in w and "no longer computes" in w for w in a["warnings"])
    assert a["features"].get("retired_signal") is None


def test_duplicate_feature_names_are_a_corrupt_model(trained_model_dir, tmp_path):
    d = tmp_path / "m"
    shutil.copytree(trained_model_dir[0], d)
    meta = json.loads((d / "model.json").read_text())
    meta["features"] = [meta["features"][0]] * len(meta["features"])
    (d / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="distinct"):
        load(d)


def test_ablation_each_leaves_out_every_detector_group_in_turn():
    """The card's ablation covers history, every code-reading detector and the finer groups the issues
    ask about (hidden-coupling partners, API surface, AI style), each variant missing exactly its group."""
    from mergeguard.features import DETECTORS, detector_features
    from mergeguard.models.evaluate import ablation_groups, ablation_variants

    each = ablation_variants(FEATURES, "each")
    assert set(each) == {"without detectors", "without history", "without coupling", "without AI authorship",
                         "without retry/timeout", "without partners", "without api surface", "without AI style"}
    for name, group in ablation_groups().items():
        kept = each[f"without {name}"]
        assert set(group) <= set(FEATURES), name  # a renamed feature would silently ablate nothing
        assert set(kept) == set(FEATURES) - set(group) and kept == [f for f in FEATURES if f in kept]
    coupling = set(detector_features(("coupling",)))
    assert {"missing_partners", "max_partner_rate"} == set(FEATURES) - set(each["without partners"])
    assert set(FEATURES) - set(each["without api surface"]) == {"api_changes"} and "api_changes" in coupling
    assert set(FEATURES) - set(each["without AI style"]) == {"ai_style_score"}
    assert "ai_explicit" in each["without AI style"] and "age" not in each["without history"]
    # every feature a code-reading detector adds is ablated by some group
    detector_only = set(detector_features([d for d in DETECTORS if d not in ("diffstat", "history")]))
    assert detector_only <= set().union(*(set(g) for g in ablation_groups().values()))


def test_evaluate_ablation_each_reaches_the_card(trained_model_dir, tmp_path):
    """``evaluate --ablation each --update-card`` fits every group's variant on the same split and the
    card shows them beside the model, each a different fit from the full model's."""
    from mergeguard.cli import main

    d = tmp_path / "m"
    shutil.copytree(trained_model_dir[0], d)
    out = tmp_path / "eval.json"
    assert main(["evaluate", *trained_model_dir[1], "--model", str(d), "--mode", "loro", "--ablation", "each",
                 "--update-card", "--format", "json", "--output", str(out), "--jobs", "1"]) == 0
    pooled = json.loads(out.read_text())["loro"]["pooled"]
    card = json.loads((d / "card.json").read_text())
    text = (d / "card.md").read_text()
    for name in ("without history", "without coupling", "without partners", "without api surface",
                 "without retry/timeout", "without AI authorship", "without AI style", "without detectors"):
        assert name in pooled and name in text, name
    full = pooled[load(d).name]
    # the learner is deterministic: the same features would give the very same figures
    assert pooled["without history"] != full and pooled["without detectors"] != pooled["without history"]
    assert set(card["metrics"]["leave-one-repo-out"]) == set(pooled)


def test_evaluate_says_n_a_where_a_test_slice_has_one_class():
    """A small repository's newest 20% often holds no risky change: its ROC-AUC is undefined, and
    the report says so instead of printing ``nan`` (a new user's `evaluate` on two small histories)."""
    from mergeguard.models.evaluate import format_results

    scores, effort = list(np.linspace(0.1, 0.9, 12)), [10] * 12
    quiet = M.all_metrics([0] * 12, scores, effort)
    busy = M.all_metrics([0, 1] * 6, scores, effort)
    assert np.isnan(quiet["roc_auc"]) and not np.isnan(busy["roc_auc"])
    text = format_results({"within": {"pooled": {"mergeguard-risk": quiet},
                                      "per_repo": {"acme/quiet": {"mergeguard-risk": quiet, "LApredict": quiet},
                                                   "acme/busy": {"mergeguard-risk": busy, "LApredict": busy}}}})
    assert "nan" not in text
    assert "  acme/quiet: ROC-AUC n/a: 0 risky of 12 test changes (it needs risky and safe ones)" in text
    assert f"  acme/busy: ROC-AUC mergeguard-risk {busy['roc_auc']:.3f}, LApredict" in text
    [pooled_auc] = [line for line in text.splitlines() if line.startswith("ROC-AUC")]
    assert pooled_auc.split() == ["ROC-AUC", "n/a"]
