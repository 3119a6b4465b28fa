"""Mining: a repository's history -> labelled rows for training.

Features come from the same replay and the same extractors as scoring (``sources.replay`` +
``features.extract_all``), computed for each commit as of its parent. Labels come afterwards, from
the future of each commit: SZZ (a later fix blames its lines) and reverts; commits too young for
their bugs to have been found yet stay unlabelled (label maturity).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from mergeguard.change import Limits
from mergeguard.features import FEATURE_SCHEMA, Context, extract_all
from mergeguard.git import CommitRecord, GitRepo
from mergeguard.sources import change_from_commit, replay

from . import labels as labelling
from .dataset import ROW_SCHEMA


@dataclass
class MiningReport:
    repo: str
    commits: int = 0
    rows: int = 0
    labelled: int = 0
    bug_inducing: int = 0
    reverted: int = 0
    risky: int = 0
    szz: dict[str, int] = field(default_factory=dict)
    first_time: int = 0
    last_time: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    shallow: bool = False
    missing_paths: list[str] = field(default_factory=list)  # files left out: their content is missing
    languages: list[str] = field(default_factory=list)  # of the mined revision's code files (model cards name them)


def mine(
    repo: GitRepo,
    *,
    rev: str = "HEAD",
    name: str | None = None,
    maturity_days: int = 180,
    max_fix_files: int = 20,
    max_commits: int | None = None,
    workers: int = 2,
    progress: Callable[[str, int | None], Callable[[int], None]] | None = None,
) -> tuple[list[dict[str, Any]], MiningReport]:
    """Mine every non-merge commit reachable from ``rev`` (the newest ``max_commits`` if given)."""
    name = name or repo.path.resolve().name.removesuffix(".git")
    report = MiningReport(repo=name, shallow=repo.is_shallow)
    head = repo.resolve(rev)
    from mergeguard.languages import repo_languages

    report.languages = repo_languages(repo, head)
    total = int(repo.run("rev-list", "--count", "--no-merges", head).decode().strip() or 0)
    skip = max(0, total - max_commits) if max_commits else 0
    context = Context(shallow=report.shallow)
    limits = Limits()
    records: list[CommitRecord] = []
    tick = progress("features", total) if progress else (lambda n: None)

    def visit(rec: CommitRecord, index) -> dict[str, Any] | None:
        records.append(rec)
        tick(1)
        if len(records) <= skip:
            return None
        context.history = index
        change = change_from_commit(repo, rec, limits)
        feats = extract_all(change, context).features
        return {
            "schema": ROW_SCHEMA,
            "feature_schema": FEATURE_SCHEMA,
            "repo": name,
            "languages": report.languages,
            "sha": rec.sha,
            "time": rec.commit_time,
            "author_time": rec.author_time,
            "features": feats,
        }

    t0 = time.perf_counter()
    rows = list(replay(repo, [head], visit))
    report.seconds["features"] = round(time.perf_counter() - t0, 2)
    report.commits = len(records)
    report.missing_paths = list(repo.missing_paths)

    t0 = time.perf_counter()
    first_time = min((r["time"] for r in rows), default=0)
    fixes_tick = progress("szz", None) if progress else None
    # A fix older than every mined commit cannot blame one of them: skip its blame work.
    candidates = [r for r in records if r.commit_time >= first_time]
    szz = labelling.find_bug_inducing(repo, candidates if skip else records, max_fix_files=max_fix_files,
                                      workers=workers, progress=fixes_tick)
    reverted = labelling.find_reverted(records)
    labels = labelling.assign_labels(records, szz.inducing, reverted, maturity_days=maturity_days)
    report.seconds["labels"] = round(time.perf_counter() - t0, 2)
    report.szz = {k: v for k, v in asdict(szz).items() if isinstance(v, int)}

    for row in rows:
        lab = labels.get(row["sha"])
        row["labels"] = asdict(lab) if lab else {"bug_inducing": None, "reverted": None, "risky": None, "mature": False}
    report.rows = len(rows)
    report.labelled = sum(1 for r in rows if r["labels"]["mature"])
    report.bug_inducing = sum(1 for r in rows if r["labels"]["bug_inducing"])
    report.reverted = sum(1 for r in rows if r["labels"]["reverted"])
    report.risky = sum(1 for r in rows if r["labels"]["risky"])
    report.first_time = first_time
    report.last_time = max((r["time"] for r in rows), default=0)
    return rows, report


@dataclass(frozen=True)
class MineTask:
    """One repository to mine, as a picklable task for a process pool or a Dask worker."""

    repo: str
    rev: str = "HEAD"
    name: str | None = None
    maturity_days: int = 180
    max_fix_files: int = 20
    max_commits: int | None = None
    workers: int = 2


def mine_task(task: MineTask, progress: Callable[[str, int | None], Callable[[int], None]] | None = None
              ) -> tuple[list[dict[str, Any]], MiningReport]:
    """:func:`mine` for one :class:`MineTask` (in whichever process runs it)."""
    return mine(GitRepo(task.repo), rev=task.rev, name=task.name, maturity_days=task.maturity_days,
                max_fix_files=task.max_fix_files, max_commits=task.max_commits, workers=task.workers,
                progress=progress)
