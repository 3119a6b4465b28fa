"""What history says about the touched files and the author (Kamei's LT, NDEV, AGE, NUC, EXP, REXP, SEXP).

All values come from ``HistoryIndex`` as it stood at the change's parent; with no repository every
value is missing (None), which LightGBM treats as unknown rather than as zero.

- ``lt``: mean lines of code per touched file before the change (Kamei normalises LT by NF)
- ``ndev``: distinct developers who changed the touched files before
- ``age``: mean days since the touched files were last changed (files new to history excluded)
- ``nuc``: distinct earlier changes to the touched files
- ``exp``: earlier changes by the author; ``rexp``: the same weighted by 1/(years ago + 1);
  ``sexp``: earlier changes by the author in the touched subsystems
- ``prior_fixes``: earlier fix commits (by message) that touched these files; ``max_file_fixes``: the
  most for any one touched file — files that keep needing fixes keep breaking
- ``size_percentile``: share of the repository's earlier changes smaller than this one (LA+LD)
- ``new_files``: touched files with no earlier history
"""

from __future__ import annotations

from mergeguard import paths
from mergeguard.change import Change

from . import Context, Extraction
from .contract import DetectorSpec

FEATURES = [
    "lt", "ndev", "age", "nuc", "exp", "rexp", "sexp", "prior_fixes", "max_file_fixes",
    "size_percentile", "new_files",
]

#: what this detector owns (``features.contract``)
SPEC = DetectorSpec("history", tuple(FEATURES), signals=("history",), core=True)

DAY = 86400.0


def extract(change: Change, context: Context) -> Extraction:
    index = context.history
    if index is None or index.commits == 0:
        return Extraction(dict.fromkeys(FEATURES))
    when = change.author_time or index.newest_time
    states = [index.file(f.path, f.old_path) for f in change.files]
    known = [s for s in states if s is not None]
    authors: set[str] = set()
    commits: set[int] = set()
    for s in known:
        authors |= s.authors
        commits |= s.commits
    ages = [(when - s.last_time) / DAY for s in known if s.last_time is not None]
    exp, rexp, sexp = index.author_experience(
        change.author_email, when, {paths.subsystem(f.path) for f in change.files}
    )
    nf = len(change.files)
    feats: dict[str, float | None] = {
        "lt": (sum(s.lines for s in known) / nf) if nf else 0.0,
        "ndev": float(len(authors)),
        "age": (sum(ages) / len(ages)) if ages else None,
        "nuc": float(len(commits)),
        "exp": float(exp) if change.author_email else None,
        "rexp": rexp if change.author_email else None,
        "sexp": float(sexp) if change.author_email else None,
        "prior_fixes": float(sum(s.fixes for s in known)),
        "max_file_fixes": float(max((s.fixes for s in known), default=0)),
        "size_percentile": index.size_percentile(change.added + change.deleted),
        "new_files": float(sum(s is None for s in states)),
    }
    return Extraction(feats, [], {"history": {"commits_seen": index.commits, "shallow": context.shallow}})
