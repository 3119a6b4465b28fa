"""Kamei JIT metrics for the same commits, computed by mergeguard and by PyDriller, timed side by side.

Run::

    python benchmarks/history_vs_pydriller.py --repo PATH [--commits 500] [--pydriller-commits M]
        [--pydriller-mode queries|replay|both] [--json OUT.json]

Targets: the newest ``--commits`` non-merge commits reachable from ``--rev`` (default HEAD), i.e.
``git rev-list --no-merges -n N REV``. Both sides compute the same 14 Kamei et al. (2013) metrics for
those commits in one process, one after the other; mergeguard runs first, so it is the side that pays
for a cold page cache.

What each side computes
=======================

(a) mergeguard (what ``mergeguard mine`` / batch scoring do)
    One ``sources.replay`` from REV: a single streaming ``git log --numstat --summary -M`` over the
    *whole* history (every ancestor is observed by ``HistoryIndex``, not only the targets; that
    replay is inside the timed region). For each target, ``change_from_commit(..., with_diff=False)``
    and ``features.extract_all`` with the index as it stood just before the commit. The timed
    region starts before ``GitRepo(path)`` and ends when the last target's features exist.
    Metrics: ns nd nf entropy la ld fix (diffstat.py), lt ndev age nuc exp rexp sexp (history.py).

(b) PyDriller, mode ``queries`` (default; how a PyDriller-based JIT tool typically does it)
    ``Repository(path, only_commits=targets, only_no_merge=True, to_commit=REV_SHA)`` traversed in
    its default (oldest-first) order, and for each commit:

    - la / ld / nf: ``commit.insertions`` / ``commit.deletions`` / ``commit.files`` (PyDriller runs
      ``git diff --numstat parent commit``);
    - ns / nd / entropy: from ``commit.modified_files`` (GitPython diff with patch, ``-M``) using each
      file's ``added_lines + deleted_lines`` and path (``new_path``, or ``old_path`` if deleted);
      subsystem = top-level directory ('' at the root), directory = dirname, entropy normalised by
      log2(nf), exactly the definitions of ``features/diffstat.py``;
    - fix: the same message rule (``mergeguard.messages.is_fix``), no git work;
    - per touched file that existed at the parent (not ADD; renamed/deleted files by ``old_path``):
      one ``git log PARENT --no-merges --follow --format=%H|%ae|%at -- PATH`` through PyDriller's
      ``Git`` object (``Git(path).repo.git.log``, GitPython) -> NUC (union of SHAs), NDEV (union of
      author e-mails, lower-cased), AGE (author time of the newest earlier change; mean over files,
      days); LT from ``modified_file.content_before`` (the file at the parent, read by GitPython;
      for a pure rename, where GitPython's diff carries no blob, from the parent's tree): its line
      count, 0 for binary content, summed and divided by nf;
    - per commit, one ``git log PARENT --no-merges -F -i --author=<EMAIL> --format=%at --name-only``
      -> EXP (count), REXP (each earlier change weighted 1/(years ago + 1) with the same calendar-year
      buckets as ``HistoryIndex.author_experience``), SEXP (the author's earlier commits per
      touched subsystem, summed over the target's subsystems).

    That is ``nfiles_existing + 3`` git calls per commit (numstat diff, patch diff, per-file logs,
    author log) plus GitPython blob reads; all queries are bounded by the parent, so nothing from
    the future leaks in.

    Why not ``pydriller.metrics.process`` (ContributorsCount, CommitsCount, LinesCount, ...)? They
    exist and are used where they can be: ``--process-metrics-probe K`` times them. But each instance
    re-traverses a commit range with full diffs (``Repository(from_commit, to_commit)`` +
    ``modified_files`` for every commit in it), so "history before this commit" costs a traversal
    of all of history *per target and per metric*, and they return per-file counts, not the sets
    Kamei's NDEV/NUC need for a multi-file change (the union of developers/changes over the touched
    files cannot be rebuilt from per-file counts). The per-file ``git log`` queries above are the
    cheaper and exact way to get the same information out of a PyDriller setup, so they are the
    default: the comparison is against the fast PyDriller implementation, not a strawman.

(b') PyDriller, mode ``replay`` (the mergeguard algorithm written on PyDriller)
    One ``Repository(path, only_no_merge=True, to_commit=REV_SHA)`` traversal of the whole history,
    oldest first, folding every commit's ``modified_files`` into per-file / per-author state (the
    same state ``HistoryIndex`` keeps: lines, last author time, author set, commit set; author
    commits per year and per subsystem; renames move state, deletions drop it). Targets get their
    features from the state before they are folded in; la/ld/nf again from
    ``commit.insertions/deletions/files``. This isolates the cost of PyDriller's one-diff-per-commit
    object model from the choice of algorithm.

Agreement check
===============
la, ld and nf are computed from the same git diff (first parent, rename detection on) by both
sides, so they must agree exactly; the printed fraction is over the commits both sides computed.
ns, nd, entropy and fix should agree too. The history metrics are printed for information only:
mergeguard replays every commit streamed before the target in ``--date-order`` (including
side-branch commits not yet merged at the parent), keys authors by mailmapped e-mail, follows
renames through its own numstat state and forgets a file's history when the file is deleted;
``git log PARENT --follow -- PATH`` sees exactly the parent's ancestry, raw e-mails and git's
``--follow`` heuristics. They measure the same thing, not the identical number.

Bare repositories and side effects
==================================
PyDriller opens a repository with GitPython and *writes* ``blame.markUnblamableLines`` into its
config when it does. The benchmark must not modify the repository under test (ours are shared bare
mirrors), so by default PyDriller runs on a temporary ``git clone --no-checkout --local`` (hard
links, seconds; removed afterwards; the clone time is printed but not counted on either side).
``--pydriller-in-place`` skips the clone. mergeguard only reads, on the original path.

Subsets
=======
``--pydriller-commits M`` (< N) times PyDriller on M of the N targets, spread evenly over them
(newest to oldest), and says so. mergeguard is then timed twice: on all N (its per-commit rate) and
on exactly the same M (same work: it still replays all history). Speed-ups are printed for the
same-work pair and for the per-commit rates.

Figures are printed on stdout; ``--json PATH`` also writes them as JSON. Nothing derived from the
measured repository is written anywhere else.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import posixpath
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from mergeguard import __version__ as MERGEGUARD_VERSION
from mergeguard.change import Limits
from mergeguard.features import Context, extract_all
from mergeguard.git import GitRepo
from mergeguard.messages import is_fix
from mergeguard.sources import change_from_commit, replay

KAMEI = ["ns", "nd", "nf", "entropy", "la", "ld", "fix", "lt", "ndev", "age", "nuc", "exp", "rexp", "sexp"]
SIZE = ["la", "ld", "nf"]
DIFF = ["ns", "nd", "entropy", "fix"]
HISTORY = ["lt", "ndev", "age", "nuc", "exp", "rexp", "sexp"]
YEAR = 365.25 * 86400  # HistoryIndex's calendar-year bucket
DAY = 86400.0

Features = dict[str, float | None]


# -- shared definitions (what a PyDriller user writes from the paper) -----------------------------


def subsystem(path: str) -> str:
    return path.split("/", 1)[0] if "/" in path else ""


def entropy(changed: list[int]) -> float:
    total, n = sum(changed), len(changed)
    if n <= 1 or total == 0:
        return 0.0
    return -sum((c / total) * math.log2(c / total) for c in changed if c) / math.log2(n)


def count_lines(data: bytes | None) -> int:
    """Lines as ``git diff --numstat`` counts them; binary (NUL in the first 8000 bytes) counts 0."""
    if not data or b"\0" in data[:8000]:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def rexp_of(times: list[int], when: int) -> float:
    by_year: dict[int, int] = defaultdict(int)
    for t in times:
        by_year[int(t // YEAR)] += 1
    now = int(when // YEAR)
    return sum(n / (max(0, now - y) + 1) for y, n in by_year.items())


# -- (a) mergeguard -----------------------------------------------------------------------------


def run_mergeguard(path: str, rev_sha: str, targets: set[str]) -> tuple[float, dict[str, Features], int]:
    t0 = time.perf_counter()
    repo = GitRepo(path)
    context = Context(shallow=repo.is_shallow)
    limits = Limits()
    replayed = 0

    def visit(rec, index):
        context.history = index
        feats = extract_all(change_from_commit(repo, rec, limits, with_diff=False), context).features
        return rec.sha, {k: feats.get(k) for k in KAMEI}

    out: dict[str, Features] = {}
    for sha, feats in replay(repo, [rev_sha], visit, targets=targets):
        out[sha] = feats
    seconds = time.perf_counter() - t0
    replayed = int(repo.run("rev-list", "--count", "--no-merges", rev_sha).decode().strip() or 0)
    return seconds, out, replayed


# -- (b) PyDriller --------------------------------------------------------------------------------


def _size_and_diff(commit, mfs) -> Features:
    paths = [mf.new_path or mf.old_path for mf in mfs]
    return {
        "la": float(commit.insertions),
        "ld": float(commit.deletions),
        "nf": float(commit.files),
        "ns": float(len({subsystem(p) for p in paths})),
        "nd": float(len({posixpath.dirname(p) for p in paths})),
        "entropy": entropy([mf.added_lines + mf.deleted_lines for mf in mfs]),
        "fix": float(is_fix(commit.msg)),
    }


def pydriller_queries(path: str, rev_sha: str, targets: list[str], progress: Callable[[int], None]) -> dict[str, Features]:
    from pydriller import Git, ModificationType, Repository

    gitrepo = Git(path).repo  # PyDriller's Git object -> GitPython's Repo
    gitpy = gitrepo.git  # ... and its command wrapper
    out: dict[str, Features] = {}
    for commit in Repository(path, only_commits=targets, only_no_merge=True, to_commit=rev_sha).traverse_commits():
        mfs = commit.modified_files
        feats = _size_and_diff(commit, mfs)
        parent = commit.parents[0] if commit.parents else None
        when = int(commit.author_date.timestamp())
        nf = len(mfs)
        if parent is None:
            feats.update(dict.fromkeys(HISTORY))  # no history at all: missing, as in mergeguard
            out[commit.hash] = feats
            progress(len(out))
            continue
        authors: set[str] = set()
        shas: set[str] = set()
        ages: list[float] = []
        lines = 0
        for mf in mfs:
            if mf.change_type == ModificationType.ADD:
                continue  # no history at the parent
            log = gitpy.log(parent, "--no-merges", "--follow", "--format=%H%x1f%ae%x1f%at", "--", mf.old_path)
            rows = [line.split("\x1f") for line in log.splitlines() if line]
            if not rows:
                continue
            shas.update(r[0] for r in rows)
            authors.update(r[1].lower() for r in rows)
            ages.append((when - int(rows[0][2])) / DAY)
            data = mf.content_before
            if data is None:  # a pure rename has no blob in GitPython's diff: read it from the parent's tree
                try:
                    data = gitrepo.commit(parent).tree[mf.old_path].data_stream.read()
                except KeyError:
                    data = None
            lines += count_lines(data)
        email = commit.author.email or ""
        exp, rexp, sexp = 0.0, 0.0, 0.0
        if email:
            raw = gitpy.log(parent, "--no-merges", "-F", "-i", f"--author=<{email}>", "--format=%x1e%at", "--name-only")
            times: list[int] = []
            per_sub: dict[str, int] = defaultdict(int)
            for block in raw.split("\x1e")[1:]:
                head, *files = block.strip("\n").split("\n")
                times.append(int(head))
                for sub in {subsystem(f) for f in files if f}:
                    per_sub[sub] += 1
            exp, rexp = float(len(times)), rexp_of(times, when)
            sexp = float(sum(per_sub.get(s, 0) for s in {subsystem(mf.new_path or mf.old_path) for mf in mfs}))
        feats.update(
            lt=(lines / nf) if nf else 0.0,
            ndev=float(len(authors)),
            age=(sum(ages) / len(ages)) if ages else None,
            nuc=float(len(shas)),
            exp=exp if email else None,
            rexp=rexp if email else None,
            sexp=sexp if email else None,
        )
        out[commit.hash] = feats
        progress(len(out))
    return out


def pydriller_replay(path: str, rev_sha: str, targets: list[str], progress: Callable[[int], None]) -> tuple[dict[str, Features], int]:
    from pydriller import ModificationType, Repository

    wanted = set(targets)
    files: dict[str, dict[str, Any]] = {}
    author_commits: dict[str, int] = defaultdict(int)
    author_years: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    author_subs: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    out: dict[str, Features] = {}
    seen = 0
    for commit in Repository(path, only_no_merge=True, to_commit=rev_sha).traverse_commits():
        mfs = commit.modified_files
        email = (commit.author.email or "").lower()
        when = int(commit.author_date.timestamp())
        subs = {subsystem(mf.new_path or mf.old_path) for mf in mfs}
        if commit.hash in wanted:
            feats = _size_and_diff(commit, mfs)
            known = [files.get(mf.old_path) for mf in mfs if mf.change_type != ModificationType.ADD]
            known = [s for s in known if s is not None]
            if seen == 0:
                feats.update(dict.fromkeys(HISTORY))
            else:
                nf = len(mfs)
                years = author_years.get(email, {})
                now = int(when // YEAR)
                feats.update(
                    lt=(sum(s["lines"] for s in known) / nf) if nf else 0.0,
                    ndev=float(len(set().union(*(s["authors"] for s in known)))),
                    age=(sum((when - s["last"]) / DAY for s in known) / len(known)) if known else None,
                    nuc=float(len(set().union(*(s["commits"] for s in known)))),
                    exp=float(author_commits.get(email, 0)) if email else None,
                    rexp=sum(n / (max(0, now - y) + 1) for y, n in years.items()) if email else None,
                    sexp=float(sum(author_subs.get(email, {}).get(s, 0) for s in subs)) if email else None,
                )
            out[commit.hash] = feats
            progress(len(out))
        # fold the commit in
        author_commits[email] += 1
        author_years[email][int(when // YEAR)] += 1
        for s in subs:
            author_subs[email][s] += 1
        for mf in mfs:
            new = mf.new_path
            if mf.change_type == ModificationType.RENAME and mf.old_path in files:
                files[new] = files.pop(mf.old_path)
            key = new or mf.old_path
            st = files.setdefault(key, {"lines": 0, "last": None, "authors": set(), "commits": set()})
            st["lines"] = max(0, st["lines"] + mf.added_lines - mf.deleted_lines)
            st["last"] = when
            st["authors"].add(email)
            st["commits"].add(seen)
            if mf.change_type == ModificationType.DELETE:
                files.pop(key, None)
        seen += 1
    return out, seen


def process_metrics_probe(path: str, commits: list[str], progress: Callable[[int], None]) -> float:
    """Seconds to get per-file contributors and commit counts at each commit's parent via pydriller.metrics."""
    from pydriller import Git
    from pydriller.metrics.process.commits_count import CommitsCount
    from pydriller.metrics.process.contributors_count import ContributorsCount

    g = Git(path)
    root = g.repo.git.rev_list("--max-parents=0", commits[0]).split()[-1]
    t0 = time.perf_counter()
    for i, sha in enumerate(commits, 1):
        parent = g.get_commit(sha).parents[0]
        ContributorsCount(path, from_commit=root, to_commit=parent).count()
        CommitsCount(path, from_commit=root, to_commit=parent).count()
        progress(i)
    return time.perf_counter() - t0


# -- comparison -----------------------------------------------------------------------------------


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def agreement(mg: dict[str, Features], pd: dict[str, Features], metrics: list[str]) -> dict[str, float]:
    shas = [s for s in pd if s in mg]
    return {m: sum(same(mg[s][m], pd[s][m]) for s in shas) / len(shas) if shas else float("nan") for m in metrics}


def mismatches(mg: dict[str, Features], pd: dict[str, Features], metrics: list[str], limit: int) -> list[str]:
    out = []
    for sha in pd:
        if sha in mg:
            bad = [f"{m} mergeguard={mg[sha][m]} pydriller={pd[sha][m]}" for m in metrics if not same(mg[sha][m], pd[sha][m])]
            if bad:
                out.append(f"{sha[:12]}: " + ", ".join(bad))
    return out[:limit]


def spread(items: list[str], m: int) -> list[str]:
    """m items spread evenly over the list (first and last included when m >= 2)."""
    if m >= len(items):
        return list(items)
    if m <= 1:
        return items[:m]
    return [items[round(i * (len(items) - 1) / (m - 1))] for i in range(m)]


def ticker(label: str, total: int, quiet: bool) -> Callable[[int], None]:
    t0 = time.perf_counter()
    step = max(1, total // 10)

    def tick(n: int) -> None:
        if not quiet and (n % step == 0 or n == total):
            print(f"  [{label}] {n}/{total} commits, {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)

    return tick


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", required=True, help="git repository (work tree or bare)")
    ap.add_argument("--rev", default="HEAD", help="history to take targets from (default HEAD)")
    ap.add_argument("--commits", type=int, default=500, help="newest N non-merge commits (default 500)")
    ap.add_argument("--pydriller-commits", type=int, default=None, metavar="M",
                    help="time PyDriller on M of the N commits, spread evenly (default: all N)")
    ap.add_argument("--pydriller-mode", choices=["queries", "replay", "both"], default="queries",
                    help="PyDriller implementation (see module docstring; default queries)")
    ap.add_argument("--process-metrics-probe", type=int, default=0, metavar="K",
                    help="also time pydriller.metrics.process (ContributorsCount+CommitsCount) at K targets' parents")
    ap.add_argument("--pydriller-in-place", action="store_true",
                    help="run PyDriller on --repo itself (it writes to the repository config) instead of a temp clone")
    ap.add_argument("--show-mismatches", type=int, default=5, metavar="K", help="list up to K commits whose la/ld/nf differ")
    ap.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = ap.parse_args(argv)

    import pydriller  # noqa: F401  (fail early, before any timing, if it is missing)
    from importlib.metadata import version

    repo = GitRepo(args.repo)
    rev_sha = repo.resolve(args.rev)
    targets = repo.run("rev-list", "--no-merges", "-n", str(args.commits), rev_sha).decode().split()
    n = len(targets)
    m = min(args.pydriller_commits or n, n)
    pd_targets = spread(targets, m)
    modes = ["queries", "replay"] if args.pydriller_mode == "both" else [args.pydriller_mode]
    result: dict[str, Any] = {
        "benchmark": "history_vs_pydriller",
        "repo": os.path.abspath(args.repo),
        "rev": rev_sha,
        "commits": n,
        "pydriller_commits": m,
        "versions": {"mergeguard": MERGEGUARD_VERSION, "pydriller": version("pydriller"), "gitpython": version("GitPython"),
                     "git": subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip(),
                     "python": platform.python_version()},
    }

    # (a) mergeguard, first (pays the cold cache)
    mg_seconds, mg, replayed = run_mergeguard(args.repo, rev_sha, set(targets))
    result["mergeguard"] = {"seconds": mg_seconds, "commits": len(mg), "replayed_commits": replayed}
    mg_same_seconds = None
    if m < n:
        mg_same_seconds, _, _ = run_mergeguard(args.repo, rev_sha, set(pd_targets))
        result["mergeguard"]["seconds_on_pydriller_subset"] = mg_same_seconds

    # (b) PyDriller, on a throw-away clone unless told otherwise
    tmp = None
    pd_path = args.repo
    clone_seconds = None
    if not args.pydriller_in_place:
        tmp = tempfile.mkdtemp(prefix="mg-bench-")
        pd_path = os.path.join(tmp, "repo")
        t0 = time.perf_counter()
        subprocess.run(["git", "clone", "--quiet", "--no-checkout", "--local", os.path.abspath(args.repo), pd_path], check=True)
        clone_seconds = time.perf_counter() - t0
    result["pydriller_path"] = "temporary clone --no-checkout --local" if tmp else "in place"
    result["clone_seconds"] = clone_seconds
    pd_runs: dict[str, dict[str, Any]] = {}
    try:
        for mode in modes:
            tick = ticker(f"pydriller {mode}", m, args.quiet)
            t0 = time.perf_counter()
            if mode == "queries":
                pd, traversed = pydriller_queries(pd_path, rev_sha, pd_targets, tick), m
            else:
                pd, traversed = pydriller_replay(pd_path, rev_sha, pd_targets, tick)
            pd_runs[mode] = {"seconds": time.perf_counter() - t0, "features": pd, "traversed": traversed}
        probe = None
        if args.process_metrics_probe:
            k = min(args.process_metrics_probe, m)
            probe_targets = pd_targets[:k]
            probe = process_metrics_probe(pd_path, probe_targets, ticker("process metrics", k, args.quiet))
            result["process_metrics_probe"] = {"commits": k, "seconds": probe}
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    # -- report --------------------------------------------------------------------------------
    mg_rate = n / mg_seconds
    print(f"mergeguard {MERGEGUARD_VERSION} vs PyDriller {result['versions']['pydriller']} "
          f"(GitPython {result['versions']['gitpython']}, {result['versions']['git']}, Python {platform.python_version()})")
    print(f"repository        {os.path.abspath(args.repo)} @ {rev_sha[:12]} ({replayed:,} non-merge commits in history)")
    print(f"target commits    {n} newest non-merge commits reachable from {args.rev}")
    if m < n:
        print(f"PyDriller subset  {m} of the {n} targets, spread evenly (--pydriller-commits {m}); "
              "mergeguard also timed on exactly those")
    if tmp:
        print(f"PyDriller path    temporary `git clone --no-checkout --local` ({clone_seconds:.2f}s, not counted): "
              "PyDriller writes to the config of a repository it opens")
    print()
    print(f"{'side':<44}{'commits':>8}{'seconds':>10}{'commits/s':>11}{'ms/commit':>11}")
    rows = [("mergeguard: one replay + extract_all", n, mg_seconds)]
    if mg_same_seconds is not None:
        rows.append(("mergeguard, same subset as PyDriller", m, mg_same_seconds))
    for mode, run in pd_runs.items():
        label = "PyDriller: Repository + per-commit git log" if mode == "queries" else "PyDriller: one Repository pass, same state"
        rows.append((label, m, run["seconds"]))
    for label, cnt, sec in rows:
        print(f"{label:<44}{cnt:>8}{sec:>10.2f}{cnt / sec:>11.1f}{1000 * sec / cnt:>11.1f}")
    print(f"  (mergeguard's time includes replaying all {replayed:,} commits of history; "
          + ", ".join(f"PyDriller {mode} traversed {run['traversed']:,}" for mode, run in pd_runs.items()) + ")")
    if "process_metrics_probe" in result:
        k, sec = result["process_metrics_probe"]["commits"], result["process_metrics_probe"]["seconds"]
        print(f"{'pydriller.metrics.process (2 metrics only)':<44}{k:>8}{sec:>10.2f}{k / sec:>11.3f}{1000 * sec / k:>11.1f}"
              f"   -> ~{sec / k * n / 60:.0f} min for {n} commits")
    print()
    result["pydriller"] = {}
    for mode, run in pd_runs.items():
        pd = run["features"]
        pd_rate = m / run["seconds"]
        speed_rate = pd_rate and mg_rate / pd_rate
        same_work = (run["seconds"] / mg_same_seconds) if mg_same_seconds else (run["seconds"] / mg_seconds)
        agree_size = agreement(mg, pd, SIZE)
        agree_diff = agreement(mg, pd, DIFF)
        agree_hist = agreement(mg, pd, HISTORY)
        print(f"PyDriller mode: {mode}")
        print(f"  speed-up, same {m} commits on both sides:   {same_work:.1f}x")
        if m < n:
            print(f"  speed-up, per-commit rates ({n} vs {m}):    {speed_rate:.1f}x")
        compared = sum(1 for s in pd if s in mg)
        print(f"  agreement over {compared} commits (exact):")
        print("    size    " + "  ".join(f"{k} {100 * v:.1f}%" for k, v in agree_size.items())
              + "   (both from the first-parent diff: must agree)")
        print("    diff    " + "  ".join(f"{k} {100 * v:.1f}%" for k, v in agree_diff.items()))
        print("    history " + "  ".join(f"{k} {100 * v:.1f}%" for k, v in agree_hist.items())
              + ("   (same algorithm on PyDriller's diffs: should agree)" if mode == "replay"
                 else "   (parent ancestry via git log --follow vs replayed stream: information only, see docstring)"))
        bad = mismatches(mg, pd, SIZE, args.show_mismatches)
        for line in bad:
            print(f"    size mismatch {line}")
        result["pydriller"][mode] = {
            "seconds": run["seconds"], "commits": len(pd), "traversed_commits": run["traversed"],
            "speedup_same_work": same_work, "speedup_per_commit_rate": speed_rate,
            "agreement": {**agree_size, **agree_diff, **agree_hist},
        }
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
