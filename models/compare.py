"""Should an organisation adopt the model it trained on its own history? Compare it with the one in use.

Both models score the same rows: the newest changes of each repository (the test slice of
``mergeguard train``'s time split: the candidate never trained or early-stopped on them), and the
candidate is adopted only if it ranks them better on both ROC-AUC and PR-AUC. Ranking metrics only:
the candidate's Platt calibration was fitted on that slice, which moves no ranking but would flatter
any calibration figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mergeguard.errors import DataError

from . import metrics as M
from .dataset import labelled
from .evaluate import METRIC_LABELS
from .model import RiskModel
from .train import labels, time_split

#: what adoption is judged on (both must improve)
DECISIVE = ("roc_auc", "pr_auc")


@dataclass(frozen=True)
class Comparison:
    changes: int
    positives: int
    candidate: dict[str, float]
    current: dict[str, float]
    adopt: bool

    def as_dict(self) -> dict[str, Any]:
        return {"changes": self.changes, "positives": self.positives, "candidate": self.candidate,
                "current": self.current, "adopt": self.adopt, "decided_on": list(DECISIVE)}


def compare(rows: list[dict[str, Any]], candidate: RiskModel, current: RiskModel, *, label: str = "risky",
            test_frac: float = 0.15) -> Comparison:
    """Both models on the newest ``test_frac`` of each repository's labelled changes."""
    test = time_split(labelled(rows, label), valid_frac=0.15, test_frac=test_frac).test
    y = labels(test, label)
    if not 0 < int(y.sum()) < len(y):
        raise DataError(f"the newest changes ({len(test)}) need both risky and other ones to compare models")
    effort = np.array([float((r["features"].get("la") or 0) + (r["features"].get("ld") or 0)) for r in test])
    feats = [r["features"] for r in test]
    a = M.all_metrics(y, candidate.predict_proba(feats), effort)
    b = M.all_metrics(y, current.predict_proba(feats), effort)
    return Comparison(len(test), int(y.sum()), a, b, all(a[m] > b[m] for m in DECISIVE))


def format_comparison(c: Comparison, candidate: str, current: str) -> str:
    lines = [f"{c.changes:,} newest labelled changes ({c.positives:,} risky), scored by both models:", "",
             f"| metric | candidate ({candidate}) | current ({current}) |", "|---|---:|---:|"]
    def cell(v: float) -> str:
        return "n/a" if math.isnan(v) else f"{v:.3f}"

    for m in c.candidate:
        if m in ("n", "positives"):  # counts, already in the first line
            continue
        lines.append(f"| {METRIC_LABELS.get(m, m)} | {cell(c.candidate[m])} | {cell(c.current[m])} |")
    verdict = ("adopt: the candidate ranks them better on ROC-AUC and PR-AUC" if c.adopt
               else "keep the current model: the candidate is not better on both ROC-AUC and PR-AUC")
    return "\n".join(lines + ["", verdict])
