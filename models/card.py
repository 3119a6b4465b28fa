"""Model cards: what a model was trained on and how well it does, as JSON and as readable text.

A model without its card cannot be trusted by a reviewer: the card names the repositories and date
ranges, the label definition and positive rate, the feature schema, and metrics on data newer than
anything the model was trained on, side by side with the literature's baselines.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from mergeguard.features import FEATURE_SCHEMA

from .train import Split


def _date(ts: int | None) -> str | None:
    return dt.datetime.fromtimestamp(ts, dt.UTC).date().isoformat() if ts else None


def describe_data(rows: list[dict[str, Any]], label: str = "risky") -> dict[str, Any]:
    by_repo: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_repo[r.get("repo", "")].append(r)
    sources: list[dict[str, Any]] = []
    for repo, rs in sorted(by_repo.items()):
        times = [r["time"] for r in rs]
        pos = sum(1 for r in rs if r["labels"].get(label))
        sources.append({
            "repo": repo, "languages": next((r["languages"] for r in rs if r.get("languages")), []),
            "changes": len(rs), "positives": pos, "positive_rate": round(pos / len(rs), 4) if rs else None,
            "from": _date(min(times)), "to": _date(max(times)),
            "bug_inducing": sum(1 for r in rs if r["labels"].get("bug_inducing")),
            "reverted": sum(1 for r in rs if r["labels"].get("reverted")),
        })
    pos = sum(s["positives"] for s in sources)
    return {"sources": sources, "changes": len(rows), "positives": pos,
            "positive_rate": round(pos / len(rows), 4) if rows else None}


def build_card(model, rows: list[dict[str, Any]], split: Split, metrics: dict[str, Any], label: str = "risky",
               extra: dict[str, Any] | None = None) -> dict[str, Any]:
    card = {
        "name": model.name,
        "version": model.version,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "feature_schema": FEATURE_SCHEMA,
        "features": model.features,
        "label": {
            "name": label,
            "definition": "bug-inducing by SZZ (a later bug fix blamed its lines) or reverted by a later commit; "
                          "commits younger than the maturity window are left unlabelled",
        },
        "data": describe_data(rows, label),
        "split": {
            "method": "time-ordered per repository: oldest 70% train, next 15% early stopping, newest 15% calibration and test",
            "train": len(split.train), "valid": len(split.valid), "test": len(split.test),
            "test_from": _date(min((r["time"] for r in split.test), default=None)),
        },
        "calibration": {"method": "platt", "a": model.calibration[0], "b": model.calibration[1]},
        "thresholds": model.thresholds,
        "params": model.params,
        "metrics": {"test": metrics},
    }
    card["notes"] = {
        "Sources": "Public GitHub repositories, one row per non-merge commit of the default branch: "
                   + ", ".join(f"https://github.com/{s['repo']}{_langs_note(s)}" for s in card["data"]["sources"])
                   + ". Only numbers derived from their history are in this model; none of their content is.",
        "Caveats": "SZZ blames only code lines, so changes that touch no code are never labelled risky; every model "
                   "(ours and the baselines) benefits from these easy negatives alike. Labels are right-censored: a "
                   "bug not yet found is not yet a label, which is why the newest slice has a lower risky rate and "
                   "why scores are calibrated on it (the practice of today, not of a project's early years).",
        "Reproduce": "models/default/recipe.sh MIRRORS WORK (see the script's header).",
    }
    if extra:
        card.update(extra)
    return card


def _langs_note(source: dict[str, Any]) -> str:
    return f" ({', '.join(source['languages'])})" if source.get("languages") else ""


def _fmt(v: Any) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) >= 2:
        return f"{int(v):,}"  # counts (n, positives)
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def render_card(card: dict[str, Any]) -> str:
    """Readable text of a card (card.md)."""
    lines = [f"# Model card: {card['name']} {card['version']}", ""]
    lines.append(f"Created {card.get('created', '?')}; feature schema `{card['feature_schema']}` ({len(card['features'])} features).")
    lines += ["", "## Label", "", card["label"]["definition"] + ".", ""]
    data = card["data"]
    lines += ["## Training data", "",
              f"{data['changes']:,} labelled changes, {data['positives']:,} risky ({data['positive_rate']:.1%}).", "",
              "| repository | languages | changes | risky | rate | bug-inducing | reverted | from | to |",
              "|---|---|---:|---:|---:|---:|---:|---|---|"]
    for s in data["sources"]:
        langs = ", ".join(s.get("languages") or []) or "not recorded"
        lines.append(f"| {s['repo']} | {langs} | {s['changes']:,} | {s['positives']:,} | {s['positive_rate']:.1%} | "
                     f"{s['bug_inducing']:,} | {s['reverted']:,} | {s['from']} | {s['to']} |")
    sp = card["split"]
    lines += ["", "## Split", "", f"{sp['method']}: {sp['train']:,} / {sp['valid']:,} / {sp['test']:,} changes.", ""]
    lines += ["## Levels", "", "Score thresholds (calibrated probability): "
              + ", ".join(f"{k} >= {v:.3f}" for k, v in card["thresholds"].items()) + ".", ""]
    for title, table in card.get("metrics", {}).items():
        lines += [f"## Metrics: {title}", ""]
        lines += _metrics_table(table)
        lines.append("")
    for key, text in card.get("notes", {}).items():
        lines += [f"## {key}", "", text, ""]
    return "\n".join(lines).rstrip() + "\n"


_METRIC_ORDER = ["roc_auc", "pr_auc", "recall_at_20_effort", "effort_at_20_recall", "popt", "recall_top10",
                 "recall_top20", "n", "positives"]


def _metrics_table(table: dict[str, Any]) -> list[str]:
    """A {model: {metric: value}} mapping as a markdown table; a flat {metric: value} as a list."""
    if table and all(isinstance(v, dict) for v in table.values()):
        baselines = ("LApredict", "Kamei14-LR")
        names = sorted(table, key=lambda n: (n in baselines, baselines.index(n) if n in baselines else 0, n))
        first = table[names[0]]
        metrics = [m for m in _METRIC_ORDER if m in first] + sorted(m for m in first if m not in _METRIC_ORDER)
        out = ["| metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
        for m in metrics:
            out.append(f"| {m} | " + " | ".join(_fmt(table[n].get(m)) for n in names) + " |")
        return out
    keys = [m for m in _METRIC_ORDER if m in table] + sorted(m for m in table if m not in _METRIC_ORDER)
    return [f"- {k}: {_fmt(table[k])}" for k in keys]
