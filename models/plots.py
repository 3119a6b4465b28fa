"""Evaluation plots for ``mergeguard evaluate`` (PNG, headless).

Why: numbers in a report hide *where* a model fails.  A ROC plot shows the
ranking trade-off across thresholds for every model side by side, and a
reliability diagram shows whether a "70% risky" score really means ~70% of
such changes were risky -- which matters because we show probabilities to
reviewers.

The Agg backend is selected before pyplot is imported so this works on CI
and servers without a display.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

__all__ = ["roc_plot", "calibration_plot", "calibration_bins"]


def _prepare_path(path) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def _save(fig, path) -> Path:
    out = _prepare_path(path)
    fig.savefig(out, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out


def roc_plot(curves: dict[str, tuple[np.ndarray, np.ndarray]], path, title: str) -> Path:
    """One ROC curve per model (``name -> (y, score)``), AUC in the legend.

    Models whose labels contain a single class have no ROC curve; they are
    listed in the legend as ``n/a`` rather than silently dropped.
    """
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="chance")
    for name, (y, s) in curves.items():
        yy = np.asarray(y, dtype=int).ravel()
        ss = np.asarray(s, dtype=float).ravel()
        if yy.size == 0 or yy.min() == yy.max():
            ax.plot([], [], label=f"{name} (AUC n/a: one class)")
            continue
        fpr, tpr, _ = roc_curve(yy, ss)
        auc = roc_auc_score(yy, ss)
        ax.plot(fpr, tpr, linewidth=1.6, label=f"{name} (AUC {auc:.3f})")
    ax.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="False positive rate",
           ylabel="True positive rate", title=title)
    ax.legend(loc="lower right", fontsize="small")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def calibration_bins(y, prob, bins: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quantile-binned reliability data: (mean predicted, observed rate, count).

    Quantile bins put the same number of changes in each bin, so sparse
    high-risk tails do not produce noisy single-point bins.  Duplicate edges
    (many identical probabilities) collapse, and empty bins are skipped.
    """
    yy = np.asarray(y, dtype=float).ravel()
    pp = np.asarray(prob, dtype=float).ravel()
    if yy.size != pp.size:
        raise ValueError(f"{yy.size} labels but {pp.size} probabilities")
    if yy.size == 0:
        empty = np.zeros(0)
        return empty, empty, empty
    edges = np.unique(np.quantile(pp, np.linspace(0.0, 1.0, max(1, bins) + 1)))
    # Interior edges only; ``right=True`` keeps the minimum in the first bin.
    idx = np.digitize(pp, edges[1:-1], right=True)
    mean_pred, observed, counts = [], [], []
    for b in range(len(edges)):
        mask = idx == b
        if not mask.any():
            continue
        mean_pred.append(pp[mask].mean())
        observed.append(yy[mask].mean())
        counts.append(mask.sum())
    return np.array(mean_pred), np.array(observed), np.array(counts)


def calibration_plot(curves: dict[str, tuple[np.ndarray, np.ndarray]], path, title: str,
                     bins: int = 10) -> Path:
    """Reliability diagram per model (``name -> (y, prob)``) plus a diagonal."""
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1,
            label="perfectly calibrated")
    for name, (y, prob) in curves.items():
        mean_pred, observed, _ = calibration_bins(y, prob, bins)
        ax.plot(mean_pred, observed, marker="o", linewidth=1.4, label=name)
    ax.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="Mean predicted risk",
           ylabel="Observed risky rate", title=title)
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)
    return _save(fig, path)
