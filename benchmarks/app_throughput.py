"""Pull requests scored per minute by one App worker at steady state (issue 16, item 1).

``mergeguard serve`` (real gunicorn, default settings: one worker process, two job threads each with
its scoring process, the shipped model unless ``--model-dir``) against ``tests.ghstub.GitHubStub``
in this process, which serves a real repository over git smart HTTP: a ``git clone --bare`` of a
mirror under ``/work/.mirror`` (default aio-libs+aiohttp, else psf+requests; ``--repo`` for another).
GitHub's own latency is excluded.

Pull requests are real commits: the newest first-parent, non-merge commits C1..Cn of the default
branch, oldest first; PR *i* is ``base-i`` <- Ci with ``base-i`` at Ci's parent (each PR's diff is
one real commit, its base moving forward as a target branch does).

PR 1 is delivered alone and waited for: the warm-up (mirror clone, full history replay, scoring
process start and model load; ``app_e2e.py`` reports that cold case). Then ``--rounds`` rounds of a
backlog: ``--batch`` PRs are delivered at once and the clock runs from the first POST to the last
check run completed, so the queue is never empty and both job threads stay busy: that is the steady
state (warm mirror, incremental fetch, history index advanced). Printed per round: PRs per minute
and the server's CPU seconds per PR (its processes and their reaped git children, from /proc); then
the medians over rounds, and the rate the CPU figure projects for a worker with the machine's cores to
itself. The machine is shared: quote medians of several runs, with the load average.

    python benchmarks/app_throughput.py [--repo PATH] [--batch 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_e2e import APP_ID, INSTALLATION, MIRRORS, SECRET, free_port, git, post, start_serve, stop_serve  # noqa: E402


def tree_cpu_seconds(root: int) -> float:
    """CPU time (user + system) of ``root`` and its descendants, including their reaped children (git
    fetches): a figure the machine's other load barely changes, unlike wall time."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after the command: state ppid ... utime(12) stime(13) cutime(14) cstime(15), 0-based from state
        stats[int(entry.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / tick)
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        if pid in stats:
            total += stats[pid][1]
        stack.extend(child for child, (ppid, _) in stats.items() if ppid == pid)
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", type=Path, help="a git repository to serve (default: a mirror under /work/.mirror)")
    ap.add_argument("--batch", type=int, default=20, help="pull requests delivered at once per round (default 20)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds measured (default 3)")
    ap.add_argument("--threads", type=int, default=2, help="MERGEGUARD_JOB_THREADS (default 2, as serve)")
    ap.add_argument("--scoring", choices=("process", "thread"), default="process", help="MERGEGUARD_JOB_SCORING")
    ap.add_argument("--model-dir", help="model directory (default: the shipped model)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for one round (default 1800)")
    args = ap.parse_args()
    source = args.repo or next((m for m in MIRRORS if m.exists()), None)
    if source is None or not source.exists():
        ap.error("no repository: pass --repo PATH (no mirror under /work/.mirror)")
    if args.batch < 1 or args.rounds < 1:
        ap.error("--batch and --rounds must be at least 1")

    from tests.ghstub import GitHubStub, rsa_keypair
    from tests.npm_fixtures import webhook_examples

    n = 1 + args.batch * args.rounds
    tmp = Path(tempfile.mkdtemp(prefix="mg-tput-"))
    served = tmp / "served.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(source), str(served)], check=True)
    branch = git(served, "symbolic-ref", "--short", "HEAD")
    commits = git(served, "rev-list", "--first-parent", "--no-merges", "-n", str(n), branch).split()[::-1]
    if len(commits) < n:
        ap.error(f"{source} has only {len(commits)} usable commits; lower --batch or --rounds")
    for i, sha in enumerate(commits, start=1):
        git(served, "update-ref", f"refs/heads/base-{i}", f"{sha}^")
    total = int(git(served, "rev-list", "--count", branch))
    print(f"repository: {source} ({total} commits on {branch}); {n} pull requests; "
          f"job threads {args.threads}, scoring in a {args.scoring}; cpus {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f} at start")

    private, public = rsa_keypair()
    owner, name = "bench", source.parent.name.split("+")[-1]
    full = f"{owner}/{name}"
    with GitHubStub(app_id=APP_ID, app_public_key_pem=public) as stub:
        stub.add_installation(INSTALLATION, owner)
        stub.add_repo(full, served, collaborators={"dev": "write"})
        pulls = [stub.add_pull(full, i, head=sha, base=f"base-{i}", author="dev", title=f"PR {i}")
                 for i, sha in enumerate(commits, start=1)]

        def deliver(i: int) -> None:
            pull = pulls[i - 1]
            payload = webhook_examples("pull_request", "opened")[0]
            payload["repository"].update(full_name=full, name=name, clone_url=stub.clone_url(full))
            payload["repository"]["owner"]["login"] = owner
            payload["installation"] = {"id": INSTALLATION, "node_id": "MDIz"}
            pr = payload["pull_request"]
            pr["number"] = i
            pr["head"]["sha"], pr["base"]["ref"], pr["base"]["sha"] = pull.head_sha, f"base-{i}", pull.base_sha
            status, _ = post(base + "/webhook", "pull_request", payload)
            if status != 202:
                raise SystemExit(f"PR {i}: webhook answered {status}")

        def completed(shas: set[str]) -> int:
            return sum(1 for r in list(stub.check_runs.values())
                       if r.data.get("head_sha") in shas and r.data.get("status") == "completed")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MERGEGUARD_")}
        env.update(MERGEGUARD_APP_ID=str(APP_ID), MERGEGUARD_PRIVATE_KEY=private, MERGEGUARD_WEBHOOK_SECRET=SECRET,
                   MERGEGUARD_DATA_DIR=str(tmp / "data"), MERGEGUARD_GITHUB_API_URL=stub.url, PYTHONUNBUFFERED="1",
                   MERGEGUARD_JOB_THREADS=str(args.threads), MERGEGUARD_JOB_SCORING=args.scoring)
        if args.model_dir:
            env["MERGEGUARD_MODEL_DIR"] = args.model_dir
        log = tmp / "serve.log"
        proc = start_serve(env, port, log, startup_seconds=120)
        rates: list[float] = []
        cpu_per_pr: list[float] = []
        try:

            def wait(shas: set[str], t0: float) -> float:
                deadline = time.monotonic() + args.timeout
                while completed(shas) < len(shas):
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise SystemExit(f"{completed(shas)} of {len(shas)} check runs completed; server log:\n"
                                         f"{log.read_text()[-3000:]}")
                    time.sleep(0.02)
                return time.perf_counter() - t0

            t0 = time.perf_counter()
            deliver(1)
            print(f"warm-up (PR 1: clone, full replay, model load): {wait({commits[0]}, t0):.1f} s")
            for r in range(args.rounds):
                numbers = range(2 + r * args.batch, 2 + (r + 1) * args.batch)
                cpu0 = tree_cpu_seconds(proc.pid)
                t0 = time.perf_counter()
                for i in numbers:
                    deliver(i)
                seconds = wait({commits[i - 1] for i in numbers}, t0)
                time.sleep(1.0)  # the last jobs are marked done just after their check runs complete
                cpu = (tree_cpu_seconds(proc.pid) - cpu0) / args.batch
                rates.append(args.batch / seconds * 60)
                cpu_per_pr.append(cpu)
                print(f"round {r + 1}: {args.batch} PRs in {seconds:.1f} s = {rates[-1]:.0f} PRs/min "
                      f"(load average {os.getloadavg()[0]:.1f}); server CPU {cpu:.2f} s per PR")
        finally:
            stop_serve(proc)
        conclusions = sorted({r.data.get("conclusion") for r in stub.check_runs.values()})
        print(f"median {statistics.median(rates):.0f} PRs/min over {len(rates)} rounds "
              f"(min {min(rates):.0f}, max {max(rates):.0f}); conclusions seen {conclusions}; "
              f"stub contract violations {len(stub.violations)}; files in {tmp}")
        cpu = statistics.median(cpu_per_pr)
        print(f"server CPU per PR: median {cpu:.2f} s -> a worker with {os.cpu_count()} cores to itself: "
              f"about {os.cpu_count() * 60 / cpu:.0f} PRs/min if CPU-bound (git traffic of the stand-in excluded)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
