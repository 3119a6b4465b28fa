"""A small service-like project whose history has known bug-inducing commits.

Risky commits are large additions to ``core/`` by a newcomer; a few commits later a "Fix crash ..."
commit edits one of the lines they added, so SZZ must blame exactly them. Everything else is small
edits by regular authors, docs, tests, and one revert. The generator is seeded, so the expected
labels are known for every commit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from .gitrepo import commit, git, init_repo

DAY = 86400
T0 = 1_500_000_000
REGULARS = [("Ada", "ada@example.com"), ("Linus", "linus@example.com"), ("Grace", "grace@example.com")]
NEWCOMER = ("Newbie", "newbie@example.com")


@dataclass
class Synthetic:
    path: Path
    shas: list[str] = field(default_factory=list)
    buggy: set[str] = field(default_factory=set)
    fixes: set[str] = field(default_factory=set)
    reverted: set[str] = field(default_factory=set)


def _block(tag: str, n: int) -> list[str]:
    return [f"    value_{tag}_{i} = compute({i})  # step {i}" for i in range(n)]


def build(path: Path, *, seed: int = 1, commits: int = 160) -> Synthetic:
    rng = random.Random(seed)
    init_repo(path)
    syn = Synthetic(path)
    files: dict[str, list[str]] = {f"core/engine{k}.py": [f"def run{k}():"] + _block(f"base{k}", 5) for k in range(4)}
    files.update({f"api/handler{k}.py": [f"def handle{k}():"] + _block(f"h{k}", 4) for k in range(3)})
    pending: list[tuple[int, str, str, str]] = []  # (due step, buggy sha, file, line text)
    when = T0

    def write(changed: dict[str, list[str] | str | None], message: str, author) -> str:
        nonlocal when
        when += DAY
        payload = {k: ("\n".join(v) + "\n" if isinstance(v, list) else v) for k, v in changed.items()}
        sha = commit(path, payload, message, when=when, author=author)
        syn.shas.append(sha)
        return sha

    write(dict(files), "initial import", REGULARS[0])
    write({"README.md": "# demo\n", "tests/test_core.py": "def test_x():\n    assert True\n"}, "docs and tests", REGULARS[1])
    for step in range(commits):
        due = [p for p in pending if p[0] <= step]
        if due:
            _, bug_sha, fname, text = due[0]
            pending.remove(due[0])
            line = next(i for i, ln in enumerate(files[fname]) if ln.rstrip() == text)
            files[fname][line] = files[fname][line].replace("compute(", "compute_safe(")
            sha = write({fname: files[fname]}, f"Fix crash in {fname.split('/')[-1]} on empty input", rng.choice(REGULARS))
            syn.fixes.add(sha)
            continue
        roll = rng.random()
        if roll < 0.2:
            fname = f"core/engine{rng.randrange(4)}.py"
            start = len(files[fname])
            files[fname] += _block(f"s{step}", rng.randint(25, 60))
            others = {f"api/handler{k}.py": files[f"api/handler{k}.py"] + _block(f"x{step}_{k}", 8) for k in range(rng.randint(1, 3))}
            files.update(others)
            sha = write({fname: files[fname], **others}, f"Add feature {step}", NEWCOMER)
            syn.buggy.add(sha)
            pending.append((step + rng.randint(2, 6), sha, fname, files[fname][start + rng.randint(0, 20)]))
        elif roll < 0.3:
            write({"docs/guide.md": f"Guide revision {step}\n"}, f"docs: update guide {step}", rng.choice(REGULARS))
        elif roll < 0.4:
            write({"tests/test_core.py": f"def test_{step}():\n    assert {step} == {step}\n"}, f"test: cover {step}",
                  rng.choice(REGULARS))
        else:
            fname = rng.choice(list(files))
            idx = rng.randrange(1, len(files[fname]))
            files[fname][idx] = files[fname][idx] + " "  # trailing whitespace keeps blame on the author
            files[fname].insert(idx + 1, f"    tweak_{step} = {step}")
            write({fname: files[fname]}, f"Refine {fname} ({step})", rng.choice(REGULARS))
    # one revert of an earlier small change
    victim = write({"api/extra.py": "EXTRA = 1\n"}, "Add extra endpoint", REGULARS[2])
    when += DAY
    git(path, "revert", "--no-edit", victim, env={"GIT_AUTHOR_DATE": f"@{when} +0000", "GIT_COMMITTER_DATE": f"@{when} +0000"})
    syn.shas.append(git(path, "rev-parse", "HEAD").strip())
    syn.reverted.add(victim)
    # a tail of young commits that must stay unlabelled under a 20-day maturity window
    for k in range(25):
        write({"docs/tail.md": f"tail {k}\n"}, f"docs: tail {k}", REGULARS[0])
    return syn
