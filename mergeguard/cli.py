"""``mergeguard`` command line: score (with the gate's verdict), config check, accept, mine, train, evaluate.

Every user error (bad path, unknown ref, malformed diff, corrupt model, unreadable data) ends in one
line on stderr and exit code 2; results go to stdout (or ``--output``), diagnostics to stderr.
``score`` exits 0 whatever the verdict unless ``--fail-on CONCLUSION`` asks for exit code 1 when a
verdict is that severe, so that CI can gate on it without confusing a risky change with a usage error.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .change import Limits
from .errors import MergeguardError
from .outputs import writable_dir, writable_file
from .runner_log import inert_report, log_line

if TYPE_CHECKING:
    from collections.abc import Callable

    from mergeguard.features import ChangeOnlyFeatures

    from .assessment import Assessment, Verdict
    from .gate import Gate
    from .git import GitRepo
    from .policy import PullRequestFacts


def _limits(args: argparse.Namespace) -> Limits:
    """The caps from the command line; a negative one (or ``--top``) is the user's error, before any work
    (it would otherwise cut every diff to nothing and say "only the first -5 bytes were read")."""
    for flag, value in (("--max-diff-bytes", args.max_diff_bytes), ("--max-files", args.max_files),
                        ("--max-file-lines", args.max_file_lines), ("--top", args.top)):
        if value < 0:
            raise MergeguardError(f"{flag} must be 0 or more, got {value}")
    return Limits(max_diff_bytes=args.max_diff_bytes, max_files=args.max_files, max_file_lines=args.max_file_lines)


def _progress(enabled: bool) -> Callable[[str, int | None], Callable[[int], None]]:
    """tqdm bars on stderr, only on a terminal (CI logs stay clean)."""
    from tqdm import tqdm

    def make(desc: str, total: int | None) -> Callable[[int], None]:
        bar = tqdm(total=total, desc=desc, unit=" commits" if total else " fixes", disable=None if enabled else True,
                   file=sys.stderr, leave=False)

        def update(n: int) -> None:
            bar.update(n)

        return update

    return make


def _write(text: str, output: str | None, fmt: str = "text") -> None:
    """The report to ``output``, or to stdout, where in a workflow the runner reads every line for
    commands: no path or message in it may be one (:func:`runner_log.inert_report`). A file gets the
    same treatment, since the next step of a workflow commonly ``cat``s it into the log."""
    text = inert_report(text, json_text=fmt.strip().lower() in ("json", "sarif"))
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise MergeguardError(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


# -- score ----------------------------------------------------------------------------------------

def cmd_score(args: argparse.Namespace) -> int:
    from mergeguard.features import Context
    from mergeguard.models.model import load
    from mergeguard.render import Item, NotScored, render

    from .assessment import Review
    from .git import GitRepo
    from .review import assess_and_gate, context_at, make_gate, review
    from .sources import change_from_diff, read_diff_input, worktree_of

    limits = _limits(args)  # a bad cap is refused before any work
    shas: list[str] = list(args.commit or [])
    if args.commits:
        shas += _commit_list(args.commits)
    if _pool_ahead(args, len(shas)):
        from .batch import start_pool

        start_pool(SCORE_PRELOAD)  # its imports run on another core while this process imports and plans
    model = load(args.model)
    if args.output:
        writable_file(args.output, "--output")  # before the work, not after it
    modes = sum(bool(m) for m in (args.diff, args.head, shas))
    if modes > 1:
        raise MergeguardError("choose one of --diff, --head (with --base), --commit/--commits")
    if args.diff == "-" and args.description == "-":
        raise MergeguardError("--diff - and --description - cannot both read standard input")
    outputs: list[Item] = []
    repo = GitRepo(args.repo or ".") if (args.repo or not args.diff) else None
    shallow = bool(repo and repo.is_shallow)
    if shallow:
        print("mergeguard: warning: shallow clone: history features are degraded", file=sys.stderr)
    gate = make_gate(repo, model, config_path=args.config, facts=_facts(args, repo), audit_log=args.audit_log,
                     limits=limits, shallow=shallow, score_cache=args.score_cache)
    if args.config:
        gate.config_at(None)  # a broken --config is the user's error before any scoring work

    if args.diff or args.head:
        t0 = time.perf_counter()
        # The gate reads its config and CODEOWNERS at the base revision (the target branch's tip),
        # never from the change under review.
        gate_base = repo.resolve(args.base or "HEAD") if repo else None
        if args.head:
            assert repo is not None and gate_base is not None
            done = review(repo, gate_base, args.head, model=model, facts=gate.facts, config_path=args.config,
                          audit_log=args.audit_log, limits=limits, top_reasons=args.top, shallow=shallow,
                          score_cache=args.score_cache)
        else:
            change = change_from_diff(read_diff_input(args.diff, limits.max_diff_bytes), limits, repo=repo, base=gate_base,
                                      label="stdin" if args.diff == "-" else Path(args.diff).name,
                                      worktree=worktree_of(repo))
            gate.config_at(gate_base)  # a broken config at the base is the user's error before scoring
            context = context_at(repo, gate_base, shallow=shallow) if repo else Context(shallow=shallow)
            done = assess_and_gate(change, context, model, gate, gate_base, top_reasons=args.top, started=t0)
        outputs.append(done)
    else:
        assert repo is not None
        if not shas:
            shas = ["HEAD"]
        resolved = repo.resolve_all(shas)
        fixed_base = repo.resolve(args.base) if args.base else None
        found, failed = _score_in_parallel(args, repo, resolved, fixed_base, limits, shallow, gate)
        for sha in resolved:
            if sha in found:
                gate.remember({sha: found[sha]}, gate.config_at(found[sha].change.gate_base))
        memo = getattr(gate.scorer, "memo", None)
        if memo is not None:
            memo.prefetch(gate.window_calls([found[s].change.gate_base for s in resolved if s in found]))
        try:
            for sha in resolved:
                if sha in found:
                    try:
                        outputs.append(gate.review(found[sha]))
                        continue
                    except (MergeguardError, OSError) as exc:
                        failed[sha] = " ".join(str(exc).split())
                if sha not in failed:  # a log that excludes an incomplete mirror's missing paths skips commits
                    failed[sha] = "not reached by the history replay (it touches only content this repository lacks)"
                print(log_line(f"mergeguard: warning: {sha}: not scored: {failed[sha]}"), file=sys.stderr)
                outputs.append(NotScored(sha, failed[sha]))
        finally:
            if memo is not None:
                memo.stop_prefetch()
    _write(render(outputs, args.format), args.output, args.format)
    return _exit_code([o.verdict for o in outputs if isinstance(o, Review)], args.fail_on)


#: fewer commits than this per process are not worth a process's start-up and its own history replay
MIN_COMMITS_PER_JOB = 50

#: what a ``score --commits`` worker imports: the pool's fork server imports it once for all workers
#: (NumPy, SciPy, LightGBM, tree-sitter and every detector; the language scanners are otherwise
#: imported on a change's first file of that language)
SCORE_PRELOAD = ("mergeguard.pipeline", "mergeguard.models.model", "mergeguard.gate", "mergeguard.sources",
                 "mergeguard.git", "mergeguard.features.ai_style_legacy", "mergeguard.features.ai_style_model",
                 "mergeguard.features.api_surface", "tree_sitter",
                 *(f"mergeguard.features.resilience.{lang}"
                   for lang in ("csharp", "go", "java", "javascript", "jvm", "kotlin", "python")))


def _commit_list(path: str) -> list[str]:
    """The commit SHAs of a ``--commits`` file, one a line, ``#`` lines left out; ``-`` reads standard
    input. Read once, before the pool's early start needs their count: a second read could find a
    file rewritten meanwhile, and a FIFO or standard input has nothing left the second time."""
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        text = data.decode("utf-8")
    except OSError as exc:
        raise MergeguardError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise MergeguardError(f"{path} is not UTF-8 text (one commit SHA per line)") from None
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def _pool_ahead(args: argparse.Namespace, commits: int) -> bool:
    """Whether ``score`` will score enough historical commits (``commits``, from ``--commit`` and
    ``--commits`` together) on a local pool that its fork server is worth starting before this
    process's own imports (a guess: a wrong one costs an idle server or, the other way, the start-up
    it would have hidden, never a result)."""
    if args.scheduler or args.diff or args.head:
        return False
    from .batch import default_jobs

    if (args.jobs if args.jobs is not None else default_jobs()) < 2:
        return False
    return commits >= 2 * MIN_COMMITS_PER_JOB


def _score_in_parallel(args: argparse.Namespace, repo: GitRepo, resolved: list[str], fixed_base: str | None,
                       limits: Limits, shallow: bool, gate: Gate) -> tuple[dict[str, Assessment], dict[str, str]]:
    """Score historical commits in slices on ``--jobs`` processes or a Dask cluster; each slice
    replays the history of *all* the commits, so every assessment equals the single-process one.

    The older commits the gate's percentile windows will need are scored in the same slices (one
    replay, spread over the jobs, instead of about one more replay per 30 bases in this process
    afterwards); the gate's scorer takes each such score only where its own replay would have
    computed exactly that one (see :class:`~mergeguard.review.WindowScorer`).
    """
    from .batch import check_jobs, run_tasks, slices
    from .pipeline import CommitSlice, score_slice
    from .review import WindowScorer

    jobs = check_jobs(args.jobs)
    unique = list(dict.fromkeys(resolved))
    plan = None
    if isinstance(gate.scorer, WindowScorer):
        gate.scorer.keep_log()
        parents = _parents(repo, unique)
        bases: list[str | None] = [fixed_base] if fixed_base else [ps[0] if (ps := parents.get(s)) else None for s in unique]
        plan = gate.windows_to_score(bases, parents)
    window_config, windows = plan if plan is not None else (None, [])
    windows = [s for s in windows if s not in set(unique)]
    parts = 1 if not args.scheduler and jobs == 1 else max(1, min(
        jobs if not args.scheduler else len(unique), (len(unique) + len(windows)) // MIN_COMMITS_PER_JOB))
    tasks = [CommitSlice(repo=str(repo.path), shas=tuple(unique), only=tuple(part), model=args.model, limits=limits,
                         top_reasons=args.top, shallow=shallow, config_path=args.config, fixed_base=fixed_base,
                         windows=tuple(extra), window_config=window_config)
             for part, extra in zip(slices(unique, parts), slices(windows, parts) + [[]] * parts, strict=False)]
    found: dict[str, Assessment] = {}
    failed: dict[str, str] = {}
    scores: dict[str, float] = {}
    features: dict[str, ChangeOnlyFeatures] = {}
    orders: list[list[str]] = []
    # a slice run in this process hands its replay's records to the gate's scorer (one git log, not two)
    keep = gate.scorer.memo if isinstance(gate.scorer, WindowScorer) else None
    in_process = keep is not None and not args.scheduler and (jobs <= 1 or len(tasks) <= 1)
    if keep is not None and not in_process and not args.scheduler:
        # one worker hands its replay's records back: the gate's scorer replays from them afterwards
        tasks[0] = dataclasses.replace(tasks[0], hand_log=True)
    results = [score_slice(t, keep=keep) for t in tasks] if in_process else run_tasks(
        score_slice, tasks, jobs=jobs, scheduler=args.scheduler, preload=SCORE_PRELOAD)
    for f, e, w, records in results:
        if records and keep is not None:
            keep.take(records)
        found.update(f)
        failed.update(e)
        if w is not None:
            scores.update(w.scores)
            features.update(w.features)
            orders.append(w.order)
    if window_config is not None and orders:
        assert isinstance(gate.scorer, WindowScorer)
        same = bool(orders[0]) and all(o == orders[0] for o in orders)
        # the scores only where the slices' streams agree; the change-only features in any case
        gate.scorer.offer(window_config, scores if same else {}, orders[0] if same else [], features, limits)
    return found, failed


def _parents(repo: GitRepo, shas: list[str]) -> dict[str, list[str]]:
    """Each commit's parents, listed in one ``rev-list``."""
    lines = repo.run("rev-list", "--no-walk=unsorted", "--parents", "--stdin", input="\n".join(shas).encode() + b"\n")
    return {sha: rest for sha, *rest in (line.split() for line in lines.decode().splitlines())}


def _facts(args: argparse.Namespace, repo: GitRepo | None) -> PullRequestFacts:
    """Pull-request facts from the command line (the App and the Action get them from GitHub).

    ``--label`` is taken as given: whoever runs the command vouches for the labels (the App and the
    Action look up who added each). The base branch an acceptance must name is the one ``--base``
    (default ``HEAD``) names, as ``mergeguard accept`` records it."""
    from .policy import PullRequestFacts

    description = ""
    if args.description:
        try:
            description = sys.stdin.read() if args.description == "-" else Path(args.description).read_text(
                encoding="utf-8", errors="replace")
        except OSError as exc:
            raise MergeguardError(f"cannot read {args.description}: {exc.strerror}") from None
    base_branch = repo.branch_name(args.base or "HEAD") if repo is not None else args.base
    return PullRequestFacts(author=args.author, labels=tuple(args.label or ()), approvals=tuple(args.approved_by or ()),
                            description=description, teams=_teams(args.team), base_branch=base_branch)


def _teams(specs: list[str] | None) -> dict[str, tuple[str, ...]]:
    """``--team @org/team=alice,bob`` (repeatable) -> ``{"@org/team": ("alice", "bob")}``."""
    teams: dict[str, tuple[str, ...]] = {}
    for spec in specs or []:
        name, sep, members = spec.partition("=")
        if not sep or "/" not in name or not name.strip():
            raise MergeguardError(f"--team expects @org/team=login,login, got {spec!r}")
        key = "@" + name.strip().lstrip("@")
        teams[key] = teams.get(key, ()) + tuple(m.strip().lstrip("@") for m in members.split(",") if m.strip())
    return teams


def _exit_code(verdicts: list[Verdict], fail_on: str | None) -> int:
    """1 when ``--fail-on`` is given and some verdict's conclusion is at least that severe, else 0."""
    from .config import CONCLUSIONS

    if not fail_on:
        return 0
    worst = max((CONCLUSIONS.index(v.conclusion) for v in verdicts), default=0)
    return 1 if worst >= CONCLUSIONS.index(fail_on) else 0


# -- config check / accept ------------------------------------------------------------------------

def cmd_config_check(args: argparse.Namespace) -> int:
    from .config import ConfigError, check, read_file

    try:
        text = read_file(args.file)
    except ConfigError as exc:
        problems = exc.problems
    else:
        _, problems = check(text, args.file)
    if not problems:
        print("ok")
        return 0
    if len(problems) == 1:
        print(log_line(f"mergeguard: error: {problems[0]}"), file=sys.stderr)
        return 2
    for problem in problems:  # a problem quotes the config's keys: in a workflow a line can be a command
        print(log_line(str(problem)), file=sys.stderr)
    print(f"mergeguard: error: {len(problems)} problem{'s' if len(problems) != 1 else ''} in {args.file}",
          file=sys.stderr)
    return 2


def cmd_accept(args: argparse.Namespace) -> int:
    from . import audit
    from .codeowners import is_author
    from .gate import read_config
    from .git import GitRepo
    from .policy import may_accept

    repo = GitRepo(args.repo) if args.repo else None
    if repo is None and not args.config:
        raise MergeguardError("accept needs --config FILE, or --repo PATH to read .github/mergeguard.yml at --base")
    if repo is None and not args.base:
        raise MergeguardError("accept needs --base BRANCH (the branch the change targets) without --repo")
    head = repo.resolve(args.head) if repo else args.head
    base = repo.resolve(args.base or "HEAD") if repo and not args.config else None
    branch = repo.branch_name(args.base or "HEAD") if repo else args.base
    config = read_config(repo, base, args.config)
    if is_author(args.by, args.author):
        raise MergeguardError(f"@{args.by.lstrip('@')} wrote the change and may not accept its risk "
                              "(as the author's approval never counts)")
    if not may_accept(config, args.by, _teams(args.team)):
        allowed = ", ".join(config.risk_acceptance.allowed) or "nobody"
        raise MergeguardError(f"@{args.by.lstrip('@')} may not accept risk (risk_acceptance.allowed in "
                              f"{config.source}: {allowed})")
    if args.level not in config.risk_acceptance.levels:
        raise MergeguardError(f"{args.level} risk may not be accepted (risk_acceptance.levels in {config.source}: "
                              f"{', '.join(config.risk_acceptance.levels) or 'none'})")
    entry = audit.new_acceptance(head, args.by, args.reason, base=branch or "", level=args.level)
    audit.record(args.audit_log, entry)
    print(f"accepted: {entry.level} risk of {entry.head_sha} into '{entry.base}' accepted by @{entry.by} at "
          f"{entry.at}; recorded in {args.audit_log}", file=sys.stderr)
    return 0


# -- mine -----------------------------------------------------------------------------------------

def cmd_mine(args: argparse.Namespace) -> int:
    """Mine one or many repositories; several run in parallel (``--jobs``, ``--scheduler``) and their
    rows are written in the order the repositories were given, as a single-process run writes them."""
    from mergeguard.models.dataset import write_rows
    from mergeguard.models.mining import MineTask, mine_task

    from .batch import check_jobs, run_tasks
    from .git import GitRepo

    writable_file(args.out, "--out")
    if args.report:
        writable_file(args.report, "--report")
    if args.name and len(args.repo) > 1:
        raise MergeguardError("--name names one repository; with several, each is named after its folder")
    jobs = check_jobs(args.jobs)
    for path in args.repo:
        if GitRepo(path).is_shallow:  # also a clear error for a path that is not a repository, before any work
            print(f"mergeguard: warning: {path}: shallow clone: history features and labels are degraded",
                  file=sys.stderr)
    t0 = time.perf_counter()
    single = len(args.repo) == 1 and not args.scheduler
    names = [args.name] if args.name else _repo_names(args.repo)
    tasks = [MineTask(repo=path, rev=args.rev, name=name, maturity_days=args.maturity_days,
                      max_fix_files=args.max_fix_files, max_commits=args.max_commits, workers=args.workers)
             for path, name in zip(args.repo, names, strict=False)]
    if single:  # in this process, with progress bars
        results = [mine_task(tasks[0], progress=_progress(not args.quiet))]
    else:
        results = run_tasks(mine_task, tasks, jobs=jobs, scheduler=args.scheduler)
    n = write_rows([row for rows, _ in results for row in rows], args.out)
    seconds = round(time.perf_counter() - t0, 2)
    reports = []
    for _rows, report in results:
        if report.missing_paths:
            print(f"mergeguard: warning: {report.repo} lacks the content of {len(report.missing_paths)} file(s); "
                  f"they were left out: {', '.join(report.missing_paths[:5])}", file=sys.stderr)
        reports.append({**report.__dict__, "out": str(args.out)})
        print(f"mined {report.rows:,} commits of {report.repo}: {report.labelled:,} labelled, "
              f"{report.bug_inducing:,} bug-inducing, {report.reverted:,} reverted", file=sys.stderr)
    if args.report:
        out = ({**reports[0], "seconds_total": seconds} if len(reports) == 1
               else {"repos": reports, "seconds_total": seconds, "jobs": jobs, "scheduler": args.scheduler})
        _write(json.dumps(out, indent=2) + "\n", args.report, "json")
    print(f"mined {n:,} commits of {len(results)} repositor{'y' if len(results) == 1 else 'ies'} in {seconds:.1f}s "
          f"-> {args.out}", file=sys.stderr)
    return 0


def _repo_names(paths: list[str]) -> list[str]:
    """Each repository's name in the rows: its folder name, or, when folder names collide (mirrors
    laid out as ``owner+name/repo``), the shortest path tail that tells them apart."""
    parts = [Path(p).resolve().parts for p in paths]
    for k in range(1, max(len(p) for p in parts) + 1):
        names = ["/".join(p[-k:]).removesuffix(".git") for p in parts]
        if len(set(names)) == len(set(map(tuple, parts))):
            return names
    return [str(Path(p).resolve()) for p in paths]


# -- train ----------------------------------------------------------------------------------------

def cmd_train(args: argparse.Namespace) -> int:
    from mergeguard.models import metrics as M
    from mergeguard.models.card import build_card, render_card
    from mergeguard.models.dataset import labelled, read_rows
    from mergeguard.models.train import labels, train

    writable_dir(args.out, "--out")
    rows = read_rows(args.data)
    model, split = train(rows, label=args.label, name=args.name, version=args.model_version)
    test = split.test
    y = labels(test, args.label)
    effort = [float((r["features"].get("la") or 0) + (r["features"].get("ld") or 0)) for r in test]
    import numpy as np

    metrics = M.all_metrics(y, model.predict_proba([r["features"] for r in test]), np.array(effort))
    model.card = build_card(model, labelled(rows, args.label), split, metrics, args.label)
    out = model.save(args.out)
    (out / "card.md").write_text(render_card(model.card))
    print(f"trained on {len(split.train):,} changes ({model.params['num_boost_round']} rounds); test ROC-AUC "
          f"{metrics['roc_auc']:.3f}, PR-AUC {metrics['pr_auc']:.3f} on {len(test):,} newer changes -> {out}",
          file=sys.stderr)
    return 0


# -- evaluate -------------------------------------------------------------------------------------

def cmd_evaluate(args: argparse.Namespace) -> int:
    from mergeguard.models.card import render_card
    from mergeguard.models.dataset import read_rows
    from mergeguard.models.evaluate import evaluate, format_results
    from mergeguard.models.model import load

    if args.output:
        writable_file(args.output, "--output")
    if args.plots:
        writable_dir(args.plots, "--plots")
    if args.update_card and args.model is None:
        raise MergeguardError("--update-card needs --model DIR (the shipped model is read-only)")
    model = load(args.model)
    rows = read_rows(args.data)
    modes = ["within", "loro"] if args.mode == "both" else [args.mode]
    repos = {r.get("repo", "") for r in rows}
    if "loro" in modes and len(repos) < 2:
        if args.mode == "loro":
            raise MergeguardError(f"--mode loro (leave-one-repo-out) needs datasets of at least two repositories; "
                                  f"the data holds {len(repos)}")
        modes = ["within"]
        print("mergeguard: warning: one repository in the data: leave-one-repo-out skipped, within-project only "
              "(pass datasets of two or more repositories for both)", file=sys.stderr)
    from .batch import check_jobs

    results = evaluate(rows, model, modes=modes, label=args.label, plots_dir=args.plots, ablation=args.ablation,
                       jobs=check_jobs(args.jobs), scheduler=args.scheduler)
    if args.format == "json":
        _write(json.dumps(results, indent=2), args.output, "json")
    else:
        _write(format_results(results), args.output)
    if args.update_card:
        if args.model is None:
            raise MergeguardError("--update-card needs --model DIR (the shipped model is read-only)")
        card = dict(model.card)
        titles = {"within": "within-project time split", "loro": "leave-one-repo-out"}
        card.setdefault("metrics", {})
        for mode, res in results.items():
            card["metrics"][titles[mode]] = res["pooled"]
            card["metrics"][f"{titles[mode]}, ROC-AUC per repository"] = {
                name: {repo: m[name]["roc_auc"] for repo, m in res["per_repo"].items()}
                for name in res["pooled"]
            }
        Path(args.model, "card.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
        Path(args.model, "card.md").write_text(render_card(card))
    return 0


# -- compare --------------------------------------------------------------------------------------

def cmd_compare(args: argparse.Namespace) -> int:
    """Exit 0 when the candidate should be adopted, 1 when the current model should stay."""
    from mergeguard.models.compare import compare, format_comparison
    from mergeguard.models.dataset import read_rows
    from mergeguard.models.model import load

    result = compare(read_rows(args.data), load(args.candidate), load(args.against), label=args.label)
    if args.format == "json":
        _write(json.dumps(result.as_dict(), indent=2), args.output, "json")
    else:
        _write(format_comparison(result, args.candidate, args.against or "shipped"), args.output)
    return 0 if result.adopt else 1


# -- serve ----------------------------------------------------------------------------------------

def cmd_serve(args: argparse.Namespace) -> int:
    """Run the GitHub App under gunicorn (gthread). One worker process is the default: webhooks only
    verify, store and answer, and the scoring runs on job threads inside each process, so more
    workers are safe (jobs are claimed atomically with a lease) but only help with more CPUs."""
    from mergeguard.app.settings import Settings, preflight
    from mergeguard.app.wsgi import default_bind, gunicorn_options, serve

    settings = Settings.from_env()  # a bad setting stops here, naming the variable, before any fork
    if args.workers < 1 or args.threads < 1:
        raise MergeguardError("--workers and --threads must be at least 1")
    if not 0 < args.read_timeout <= 300:
        raise MergeguardError("--read-timeout must be more than 0 and at most 300 seconds")
    preflight(settings)  # an unwritable data directory or a missing model stops here, not in a worker
    return serve(settings, gunicorn_options(bind=args.bind or default_bind(), workers=args.workers,
                                            threads=args.threads, timeout=args.timeout,
                                            graceful_timeout=args.graceful_timeout),
                 read_seconds=args.read_timeout)


# -- action ---------------------------------------------------------------------------------------

def cmd_action(args: argparse.Namespace) -> int:
    """Inside GitHub Actions: score the event's change; outputs, job summary, annotations, check run."""
    from .action import main_from_args

    return main_from_args(args.repo, args.fail_on, args.mode, args.config, args.model, args.report)


# -- parser ---------------------------------------------------------------------------------------

def _parallel_args(p: argparse.ArgumentParser, what: str) -> None:
    g = p.add_argument_group("parallel work (results identical to one process)")
    g.add_argument("--jobs", "-j", type=int, metavar="N", help=f"{what} on a local process pool (default: the CPUs)")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786 (pip install "
                        "'mergeguard[cluster]'; workers must see the same paths)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mergeguard", description="Pre-merge change-risk scoring.")
    p.add_argument("--version", action="version", version=f"mergeguard {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("score", help="score a diff, a local range, or historical commits")
    src = s.add_argument_group("what to score (one of)")
    src.add_argument("--diff", metavar="FILE|-", help="a unified diff file, or - for stdin")
    src.add_argument("--head", metavar="REF", help="score REF against its merge base with --base (default HEAD)")
    src.add_argument("--commit", nargs="+", metavar="SHA", help="historical commits, each against its first parent")
    src.add_argument("--commits", metavar="FILE", help="file with one commit SHA a line (- reads standard input)")
    s.add_argument("--repo", metavar="PATH", help="git repository, work tree or bare (default: . unless --diff)")
    s.add_argument("--base", metavar="REF", help="base of --head, or the revision a --diff applies to (default HEAD)")
    s.add_argument("--model", metavar="DIR", help="model directory (default: the shipped model)")
    s.add_argument("--format", choices=["text", "json", "markdown", "sarif"], default="text")
    s.add_argument("--output", "-o", metavar="FILE", help="write the report here instead of stdout")
    s.add_argument("--top", type=int, default=5, help="how many reasons to give (default 5)")
    gate = s.add_argument_group("the gate (verdict)")
    gate.add_argument("--config", metavar="FILE",
                      help="gate configuration (default: .github/mergeguard.yml at the base revision, else defaults)")
    gate.add_argument("--fail-on", choices=["neutral", "action_required", "failure"],
                      help="exit 1 when a verdict's conclusion is this or more severe (default: always exit 0)")
    gate.add_argument("--label", action="append", metavar="NAME", help="a label on the pull request (repeatable)")
    gate.add_argument("--approved-by", action="append", metavar="LOGIN", help="an approving reviewer (repeatable)")
    gate.add_argument("--author", metavar="LOGIN", help="the pull request's author (their approval never counts)")
    gate.add_argument("--description", metavar="FILE|-", help="the pull request's description")
    gate.add_argument("--team", action="append", metavar="@ORG/TEAM=LOGIN,...",
                      help="members of a team named in CODEOWNERS or risk_acceptance (repeatable)")
    gate.add_argument("--audit-log", metavar="FILE", help="risk acceptances recorded by `mergeguard accept`")
    gate.add_argument("--score-cache", metavar="DIR", default=os.environ.get("MERGEGUARD_SCORE_CACHE") or None,
                      help="keep the scores of the base's history here, so the default gate's percentile "
                           "thresholds are computed once per commit [MERGEGUARD_SCORE_CACHE]")
    caps = s.add_argument_group("caps (applied caps are reported, never silent)")
    caps.add_argument("--max-diff-bytes", type=int, default=Limits.max_diff_bytes)
    caps.add_argument("--max-files", type=int, default=Limits.max_files)
    caps.add_argument("--max-file-lines", type=int, default=Limits.max_file_lines)
    _parallel_args(s, "processes scoring slices of --commits (50 commits or more each)")
    s.set_defaults(func=cmd_score)

    c = sub.add_parser("config", help="work with gate configuration files")
    csub = c.add_subparsers(dest="config_command", required=True)
    cc = csub.add_parser("check", help="validate a configuration file: prints ok, or every problem (exit 2)")
    cc.add_argument("file", metavar="FILE")
    cc.set_defaults(func=cmd_config_check)

    a = sub.add_parser("accept", help="record that someone allowed by the config accepts a change's risk")
    a.add_argument("--head", required=True, metavar="SHA", help="the head commit accepted (full SHA without --repo)")
    a.add_argument("--by", required=True, metavar="LOGIN", help="who accepts (must be in risk_acceptance.allowed)")
    a.add_argument("--reason", required=True, metavar="TEXT", help="why the risk is acceptable")
    a.add_argument("--level", required=True, choices=["medium", "high", "critical"],
                   help="the risk level accepted, as the verdict shows it: covers it and lower, never higher")
    a.add_argument("--audit-log", required=True, metavar="FILE", help="the JSON Lines audit log to append to")
    a.add_argument("--config", metavar="FILE", help="gate configuration saying who may accept")
    a.add_argument("--repo", metavar="PATH", help="repository: resolves --head; its config at --base unless --config")
    a.add_argument("--base", metavar="REF", help="the branch the change targets: the acceptance counts only for it "
                                                   "(`score --base` must name the same branch); its "
                                                   ".github/mergeguard.yml applies (default HEAD)")
    a.add_argument("--team", action="append", metavar="@ORG/TEAM=LOGIN,...", help="members of an allowed team")
    a.add_argument("--author", metavar="LOGIN", help="the change's author, who may never accept its risk")
    a.set_defaults(func=cmd_accept)

    m = sub.add_parser("mine", help="mine a repository's history into a labelled dataset (JSON Lines)")
    m.add_argument("--repo", required=True, nargs="+", action="extend", metavar="PATH",
                   help="repositories to mine (several: in parallel, rows in this order)")
    m.add_argument("--out", required=True, metavar="FILE")
    m.add_argument("--rev", default="HEAD", help="mine commits reachable from this revision (default HEAD)")
    m.add_argument("--name", help="repository name recorded in the rows (default: the folder name)")
    m.add_argument("--maturity-days", type=int, default=180, help="commits this close to the newest stay unlabelled")
    m.add_argument("--max-fix-files", type=int, default=20, help="fixes touching more code files are tangled: skipped")
    m.add_argument("--max-commits", type=int, help="only emit the newest N commits (history before still counts)")
    m.add_argument("--workers", type=int, default=2, help="concurrent blame processes")
    m.add_argument("--report", metavar="FILE", help="write mining statistics as JSON")
    _parallel_args(m, "repositories mined at once")
    m.add_argument("--quiet", action="store_true", help="no progress bar")
    m.set_defaults(func=cmd_mine)

    t = sub.add_parser("train", help="train a LightGBM risk model on mined datasets")
    t.add_argument("data", nargs="+", metavar="DATA")
    t.add_argument("--out", required=True, metavar="DIR")
    t.add_argument("--label", default="risky", choices=["risky", "bug_inducing", "reverted"])
    t.add_argument("--name", default="mergeguard-risk")
    t.add_argument("--model-version", default="1")
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("evaluate", help="compare the model with LApredict and Kamei-14 LR on the same split")
    e.add_argument("data", nargs="+", metavar="DATA")
    e.add_argument("--model", metavar="DIR", help="model whose configuration is evaluated (default: shipped)")
    e.add_argument("--mode", choices=["within", "loro", "both"], default="both")
    e.add_argument("--label", default="risky", choices=["risky", "bug_inducing", "reverted"])
    e.add_argument("--plots", metavar="DIR", help="write ROC and calibration plots (PNG) here")
    e.add_argument("--format", choices=["text", "json"], default="text")
    e.add_argument("--ablation", choices=["detectors", "each", "none"], default="detectors",
                   help="also fit the same learner without the code-reading detectors' features (detectors), "
                        "also without each group in turn: history, each detector, the partner ranking, the "
                        "API surface, the AI style estimate (each), or not at all (none)")
    e.add_argument("--output", "-o", metavar="FILE")
    e.add_argument("--update-card", action="store_true", help="record the results in the model's card")
    _parallel_args(e, "models fitted at once")
    e.set_defaults(func=cmd_evaluate)

    cp = sub.add_parser("compare", help="adopt a model trained on your own history only if it ranks your newest "
                                        "changes better than the current one (exit 0 adopt, 1 keep)")
    cp.add_argument("data", nargs="+", metavar="DATA", help="your mined datasets (the candidate's training data)")
    cp.add_argument("--candidate", required=True, metavar="DIR", help="the model trained on DATA")
    cp.add_argument("--against", metavar="DIR", help="the model in use (default: the shipped model)")
    cp.add_argument("--label", default="risky", choices=["risky", "bug_inducing", "reverted"])
    cp.add_argument("--format", choices=["text", "json"], default="text")
    cp.add_argument("--output", "-o", metavar="FILE")
    cp.set_defaults(func=cmd_compare)

    v = sub.add_parser("serve", help="run the GitHub App (webhooks, job threads) under gunicorn; settings from MERGEGUARD_*")
    v.add_argument("--bind", metavar="HOST:PORT", help="listen address (default 0.0.0.0:$PORT, else 127.0.0.1:8000)")
    v.add_argument("--workers", type=int, default=1, help="worker processes (default 1; each runs job threads)")
    v.add_argument("--threads", type=int, default=8, help="request threads per worker (default 8)")
    v.add_argument("--timeout", type=int, default=60, help="seconds before a stuck request's worker is restarted")
    v.add_argument("--graceful-timeout", type=int, default=30, help="seconds to finish work on SIGTERM")
    v.add_argument("--read-timeout", type=float, default=10.0,
                   help="seconds a client has to send a whole request, headers and body (default 10); "
                        "requests are read before a thread takes them, so slow clients hold no thread")
    v.set_defaults(func=cmd_serve)

    ac = sub.add_parser("action", help="inside GitHub Actions: score the event's change (inputs also from INPUT_*)")
    ac.add_argument("--repo", metavar="PATH", help="the checked-out repository (default $GITHUB_WORKSPACE, else .)")
    ac.add_argument("--fail-on", metavar="WHEN", help="exit 1 at this conclusion (neutral, action_required, failure) "
                    "or level (medium, high, critical) or worse; never (default) [INPUT_FAIL_ON]")
    ac.add_argument("--mode", metavar="MODE", help="check-run, annotations or both (default) [INPUT_MODE]")
    ac.add_argument("--config", metavar="FILE", help="gate configuration file [INPUT_CONFIG]")
    ac.add_argument("--model", metavar="DIR", help="model directory (default: the shipped model) [INPUT_MODEL]")
    ac.add_argument("--report", metavar="FILE", help="JSON report path (default $RUNNER_TEMP/mergeguard-report.json)")
    ac.set_defaults(func=cmd_action)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except MergeguardError as exc:
        print(log_line(f"mergeguard: error: {exc}"), file=sys.stderr)  # in Actions a log line can be a command
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except OSError as exc:  # the file system said no somewhere no check foresaw: still one line
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        print(log_line(f"mergeguard: error:{where} {exc.strerror or exc}"), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
