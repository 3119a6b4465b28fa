"""Labelled change datasets as JSON Lines: one mined commit a line.

Row: ``{"repo", "sha", "time", "author_time", "features": {name: value|null},
"labels": {"bug_inducing", "reverted", "risky", "mature"}, "schema"}``. JSON Lines keeps the tool
free of a columnar-storage dependency and lets ``head``/``jq`` inspect a dataset.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mergeguard.errors import DataError

ROW_SCHEMA = "mergeguard.dataset/1"


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def write_rows(rows: Iterable[dict[str, Any]], path: str | Path) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            row = dict(row, features={k: _clean(v) for k, v in row["features"].items()})
            fh.write(json.dumps(row, separators=(",", ":"), sort_keys=True) + "\n")
            n += 1
    return n


def read_rows(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in paths:
        try:
            fh = open(path, encoding="utf-8")
        except OSError as exc:
            raise DataError(f"cannot read dataset {path}: {exc.strerror}") from None
        with fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    row["features"], row["labels"], row["time"]
                except (ValueError, KeyError, TypeError):
                    raise DataError(f"{path}:{lineno}: not a mergeguard dataset row") from None
                row.setdefault("repo", Path(path).stem)
                rows.append(row)
    if not rows:
        raise DataError("the dataset is empty")
    return rows


def labelled(rows: list[dict[str, Any]], label: str = "risky") -> list[dict[str, Any]]:
    """Rows whose label is known (mature, not None)."""
    return [r for r in rows if r["labels"].get("mature") and r["labels"].get(label) is not None]
