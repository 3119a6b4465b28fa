"""What the default gate asks of a team: the share of each level and conclusion on real history.

For each repository (a bare mirror), the newest ``--commits`` non-merge commits are gated as their
pull requests would have been with no configuration at all: each against its first parent, the
thresholds taken by the default gate from the scores of the ``history_commits`` (300) newest commits
reachable from that parent (the model's thresholds when there are fewer than 100), CODEOWNERS read at
the parent, and no pull-request facts (no approvals, no description: the state of a pull request
when it is opened). Every commit in any window is scored once, through the batch path
``score --commits`` uses, and the gate reads those scores from its score cache, exactly as a later
pull request would.

Prints, per repository and pooled: the share of each level and each conclusion, the share the
default validations would let pass with one approving review by someone other than the author (and a
rollout note for critical), and the time the gate took to resolve its thresholds from a warm score
cache on disk (what a later pull request pays).

    python benchmarks/default_gate.py /work/.mirror/urllib3+urllib3/repo /work/.mirror/axios+axios/repo ...
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

from mergeguard.change import Limits
from mergeguard.config import Config, LEVELS
from mergeguard.review import make_gate
from mergeguard.git import GitRepo
from mergeguard.models.model import load
from mergeguard.pipeline import score_commits
from mergeguard import policy
from mergeguard.policy import PullRequestFacts

CONCLUSIONS = ("success", "neutral", "action_required", "failure")


def gate_repository(path: str, model, commits: int, log) -> dict:
    repo = GitRepo(path)
    config = Config()
    targets = repo.run("rev-list", "--no-merges", f"--max-count={commits}", "HEAD").decode().split()
    parents: dict[str, str | None] = {}
    wanted: dict[str, None] = dict.fromkeys(targets)
    for sha in targets:
        out = repo.run("rev-list", "--parents", "-n", "1", sha).decode().split()
        parents[sha] = out[1] if len(out) > 1 else None
        if parents[sha]:
            window = repo.run("rev-list", "--no-merges", f"--max-count={config.history_commits}",
                              parents[sha]).decode().split()
            wanted.update(dict.fromkeys(window))
    t0 = time.perf_counter()
    found = score_commits(repo, list(wanted), model, Limits(), top_reasons=5)
    scoring = time.perf_counter() - t0
    log(f"{path}: scored {len(found)} commits in {scoring:.0f} s")
    cache_dir = tempfile.mkdtemp(prefix="mergeguard-scores-")
    gate = make_gate(repo, model, facts=PullRequestFacts(author="author"), score_cache=cache_dir)
    gate.remember(found, config)
    gate.scores_for(config).save()
    levels: collections.Counter[str] = collections.Counter()
    conclusions: collections.Counter[str] = collections.Counter()
    passable = 0
    for sha in targets:
        if sha not in found or not parents[sha] or found[sha].trivial:
            continue
        a = gate.review(found[sha]).to_json()
        levels[a["level"]] += 1
        conclusions[a["verdict"]["conclusion"]] += 1
        # the same gate once the pull request has the approval the defaults ask for (by a code owner,
        # where CODEOWNERS exists) and, for critical, a rollout note
        facts = PullRequestFacts(author="author", approvals=("reviewer",), description="Rollout: canary 5% for a day")
        if policy.decide(found[sha], config, None, facts, gate.thresholds_at(parents[sha], config)).conclusion == "success":
            passable += 1
    # what a later pull request pays: a fresh gate, thresholds from the warm cache on disk
    fresh = make_gate(repo, model, score_cache=cache_dir)
    t0 = time.perf_counter()
    fresh.thresholds_at(repo.resolve("HEAD"), config)
    warm_ms = (time.perf_counter() - t0) * 1000
    return {"levels": levels, "conclusions": conclusions, "n": sum(levels.values()), "passable": passable,
            "warm_ms": warm_ms, "scoring_s": scoring, "scored": len(found)}


def shares(counter: collections.Counter, keys, n: int) -> str:
    return "  ".join(f"{k} {100 * counter[k] / n:5.1f}%" for k in keys) if n else "n/a"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repos", nargs="+", help="bare mirrors (or checkouts) of the repositories")
    ap.add_argument("--commits", type=int, default=300, help="newest non-merge commits gated per repository")
    ap.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    model = load(args.model)
    log = (lambda m: None) if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    total_levels: collections.Counter[str] = collections.Counter()
    total_conclusions: collections.Counter[str] = collections.Counter()
    total_n = total_pass = 0
    print(f"default gate, newest {args.commits} non-merge commits per repository, no approvals or description")
    for path in args.repos:
        r = gate_repository(path, model, args.commits, log)
        name = Path(path).resolve().parent.name if Path(path).name == "repo" else Path(path).name
        print(f"{name:32} n={r['n']:4}  levels: {shares(r['levels'], LEVELS, r['n'])}")
        print(f"{'':32}         conclusions: {shares(r['conclusions'], CONCLUSIONS, r['n'])}")
        print(f"{'':32}         passable with one approval (+ rollout note for critical): "
              f"{100 * r['passable'] / max(1, r['n']):.1f}%; thresholds from a warm cache: {r['warm_ms']:.0f} ms")
        total_levels.update(r["levels"])
        total_conclusions.update(r["conclusions"])
        total_n += r["n"]
        total_pass += r["passable"]
    print(f"{'pooled':32} n={total_n:4}  levels: {shares(total_levels, LEVELS, total_n)}")
    print(f"{'':32}         conclusions: {shares(total_conclusions, CONCLUSIONS, total_n)}")
    print(f"{'':32}         high or critical: {100 * (total_levels['high'] + total_levels['critical']) / max(1, total_n):.1f}%"
          f"; passable with one approval (+ rollout note): {100 * total_pass / max(1, total_n):.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
