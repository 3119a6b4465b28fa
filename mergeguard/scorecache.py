"""Scores of a repository's past commits, kept between runs so percentile thresholds stay cheap.

The default gate sets its thresholds from the scores of the base's newest commits (see
``mergeguard.gate.history_scores``). Scoring 300 commits takes seconds to minutes; a commit's score
never changes for a given model and ignore list, so it is computed once and kept here, keyed by the
commit's SHA. The App keeps the file in its data directory; the Action in a directory the workflow
restores and saves with ``actions/cache`` (README, *Action*).

One JSON file per (model, ignore patterns): ``scores-<key>.json`` holding ``{sha: score}`` (``-1``
for a commit with nothing left to score once ignored paths are dropped, so it is not scored again). Writes
are atomic (a temporary file renamed over the old one), so concurrent workers at worst lose each
other's newest entries, never corrupt the file. A file that cannot be read is treated as empty: a
cache is an optimisation and must never fail a run.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

#: Entries kept per file (the newest written win); 300 per base, many bases, still a small file.
MAX_ENTRIES = 20_000


def cache_key(model_name: str, model_version: str, ignore: Iterable[str]) -> str:
    """A file-name-safe key: a score depends on the model and on the paths the config ignores."""
    text = json.dumps([model_name, model_version, sorted(ignore)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class ScoreCache:
    """``{sha: score}`` for one key, in memory, optionally backed by a file under ``directory``."""

    def __init__(self, directory: str | Path | None, key: str) -> None:
        self.path = Path(directory) / f"scores-{key}.json" if directory else None
        self.scores: dict[str, float] = {}
        self.dirty = False
        if self.path is not None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError):  # a damaged or tampered file is an empty cache
                data = {}
            if isinstance(data, dict):
                self.scores = {str(k): float(v) for k, v in data.items()
                               if isinstance(v, (int, float)) and not isinstance(v, bool) and -1.0 <= v <= 1.0}

    def get(self, shas: Iterable[str]) -> dict[str, float]:
        return {s: self.scores[s] for s in shas if s in self.scores}

    def put(self, found: Mapping[str, float]) -> None:
        for sha, score in found.items():
            if self.scores.get(sha) != score:
                self.scores[sha] = float(score)
                self.dirty = True

    def save(self) -> None:
        """Write the file if anything changed; errors are swallowed (the cache is optional)."""
        if self.path is None or not self.dirty:
            return
        items = list(self.scores.items())[-MAX_ENTRIES:]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".scores-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(dict(items), fh, separators=(",", ":"))
            os.replace(tmp, self.path)
            self.dirty = False
        except OSError:
            pass
