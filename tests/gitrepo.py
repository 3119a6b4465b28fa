"""Build real git repositories in temp dirs for tests: commits with chosen authors, times and files.

Small on purpose: ``init_repo``, ``commit``, ``git``. Times are pinned per commit (author and
committer date) so history-dependent features and label maturity are exact.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

DEFAULT_AUTHOR = ("Alice", "alice@example.com")


def git(repo: str | Path, *args: str, env: dict[str, str] | None = None, input: bytes | None = None) -> str:
    """Run git in ``repo``; return stdout as text, raise with stderr on failure."""
    full_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", **(env or {})}
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, env=full_env, input=input)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode("utf-8", "replace")


def init_repo(path: str | Path, *, bare: bool = False) -> Path:
    """Create an empty repository (branch ``main``, identity set, signing off) and return its path.

    Identity lives in the repo config so tests never depend on the machine's global git config.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main", *(["--bare"] if bare else []))
    git(path, "config", "user.name", DEFAULT_AUTHOR[0])
    git(path, "config", "user.email", DEFAULT_AUTHOR[1])
    git(path, "config", "commit.gpgsign", "false")
    return path


def _stamp(when: int | dt.datetime) -> str:
    ts = int(when.timestamp()) if isinstance(when, dt.datetime) else int(when)
    return f"@{ts} +0000"


def commit(
    repo: str | Path,
    files: dict[str, str | bytes | None],
    message: str,
    when: int | dt.datetime = 1_700_000_000,
    author: tuple[str, str] = DEFAULT_AUTHOR,
    *,
    allow_empty: bool = False,
) -> str:
    """Write ``files`` (None deletes), stage everything and commit; returns the new commit's SHA."""
    repo = Path(repo)
    for rel, content in files.items():
        target = repo / rel
        if content is None:
            if target.exists():
                git(repo, "rm", "-q", "--", rel)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    git(repo, "add", "-A")
    stamp = _stamp(when)
    env = {
        "GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1], "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_NAME": author[0], "GIT_COMMITTER_EMAIL": author[1], "GIT_COMMITTER_DATE": stamp,
    }
    git(repo, "commit", "-q", "--no-verify", *(["--allow-empty"] if allow_empty else []), "-m", message, env=env)
    return git(repo, "rev-parse", "HEAD").strip()


def numbered_history(path: str | Path, count: int) -> tuple[Path, list[str]]:
    """A new repository at ``path`` of ``count`` commits ``c0``, ``c1``, ... each rewriting ``a.py`` to
    ``x = i``, one minute apart: a plain linear history whose shas a test can index; returns the work
    tree and the shas, oldest first."""
    w = init_repo(path)
    return w, [commit(w, {"a.py": f"x = {i}\n"}, f"c{i}", when=1_700_000_000 + i * 60) for i in range(count)]
