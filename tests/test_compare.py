"""`mergeguard compare`: a model trained on an organisation's history against the one in use, on the newest changes."""

from __future__ import annotations

import json


def test_compare_adopts_only_a_better_model(trained_model_dir, tmp_path, capsys):
    """The synthetic repositories' own model against the shipped one, on their newest changes, both ways round."""
    from mergeguard.cli import main
    from mergeguard.models.compare import compare
    from mergeguard.models.dataset import read_rows
    from mergeguard.models.model import load

    model, data = str(trained_model_dir[0]), trained_model_dir[1]
    rows = read_rows(data)
    own, shipped = load(model), load(None)
    forward, backward = compare(rows, own, shipped), compare(rows, shipped, own)
    assert forward.changes == backward.changes > 20 and forward.candidate == backward.current
    assert not (forward.adopt and backward.adopt), "two models cannot both be better"
    code = main(["compare", *data, "--candidate", model, "--format", "json", "--output", str(tmp_path / "c.json")])
    out = json.loads((tmp_path / "c.json").read_text())
    assert code == (0 if out["adopt"] else 1) and out["adopt"] == forward.adopt
    assert out["candidate"]["roc_auc"] == forward.candidate["roc_auc"]
    assert main(["compare", *data, "--candidate", model, "--against", model]) == 1  # not better than itself
    assert "keep the current model" in capsys.readouterr().out


def test_compare_table_names_metrics_as_evaluate_does(trained_model_dir):
    """The table a platform team reads: metric names as `evaluate` prints them, counts once in the
    first line (not as '| n | 73.000 |' rows), 3 decimals for the metrics."""
    from mergeguard.models.compare import compare, format_comparison
    from mergeguard.models.dataset import read_rows
    from mergeguard.models.model import load

    c = compare(read_rows(trained_model_dir[1]), load(str(trained_model_dir[0])), load(None))
    text = format_comparison(c, "org-model", "shipped")
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| metric")]
    assert [r.split(" | ")[0] for r in rows] == [
        "| ROC-AUC", "| PR-AUC", "| Recall@20%Effort", "| Effort@20%Recall (lower is better)", "| Popt",
        "| Recall, top 10% flagged", "| Recall, top 20% flagged"]
    assert rows[0] == f"| ROC-AUC | {c.candidate['roc_auc']:.3f} | {c.current['roc_auc']:.3f} |"
    assert text.startswith(f"{c.changes:,} newest labelled changes ({c.positives:,} risky)")
