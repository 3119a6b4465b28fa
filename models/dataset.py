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
            try:
                for lineno, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    row = _row(line)
                    if row is None:
                        raise DataError(f"{path}:{lineno}: not a mergeguard dataset row")
                    row.setdefault("repo", Path(path).stem)
                    rows.append(row)
            except UnicodeDecodeError:
                raise DataError(f"{path}: not UTF-8 text (a dataset is JSON Lines written by `mergeguard mine`)") from None
    if not rows:
        raise DataError("the dataset is empty")
    return rows


def _row(line: str) -> dict[str, Any] | None:
    """One dataset row, or None when the line is not one: JSON objects for ``features`` and ``labels``
    (the rest of the code reads them with ``.get``/``.items``) and a number for ``time``."""
    try:
        row = json.loads(line)
    except (ValueError, RecursionError):  # RecursionError: nested past the parser's limit
        return None
    if not (isinstance(row, dict) and isinstance(row.get("features"), dict) and isinstance(row.get("labels"), dict)
            and isinstance(row.get("time"), int | float) and not isinstance(row.get("time"), bool)):
        return None
    if "repo" in row and not isinstance(row["repo"], str):
        return None
    return row


def labelled(rows: list[dict[str, Any]], label: str = "risky") -> list[dict[str, Any]]:
    """Rows whose label is known (mature, not None)."""
    return [r for r in rows if r["labels"].get("mature") and r["labels"].get(label) is not None]
