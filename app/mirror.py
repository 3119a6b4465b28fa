"""A local bare mirror per repository: cloned once, then fetched incrementally, never with a stored token.

Scoring needs history (``git log --numstat``) and file contents at the pull request's head, so the App
keeps one bare clone per repository under ``root/<owner>/<repo>.git`` and only fetches what a job
names (the base branch, ``refs/pull/N/head``, specific SHAs).

The first clone is partial, ``--filter=blob:limit=1m``: blobs above 1 MB (vendored archives, data
files) are left on the server, which bounds the mirror's size, while every blob the history replay
reads (source files) is present, so it never triggers a lazy fetch (a lazy fetch would run without
credentials and fail; :class:`mergeguard.git.GitRepo` then leaves those paths out). The large blobs a
pull request's own diff needs are fetched by :meth:`Mirror.backfill`, with the token.

The installation token is handed to git per invocation as an ``http.extraHeader`` through the
``GIT_CONFIG_COUNT`` environment (same effect as ``-c``, but not visible in the process list); it is
never written to the repository config, and git's stderr is scrubbed of it before it reaches an error.

Two jobs for the same repository must not fetch into the same mirror at once (git would fail on
ref locks, or worse, on a half-written pack): a per-repository thread lock plus a file lock serialises
them within and across worker processes. A mirror left shallow, unfinished (no completion marker)
or unreadable is removed and cloned again.
"""

from __future__ import annotations

import base64
import fcntl
import os
import re
import shutil
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import RepositoryError
from ..git import GitRepo, GitResult, run_git

PARTIAL_FILTER = "blob:limit=1m"
#: large blobs fetched for one pull request at most (each may be many megabytes)
MAX_BACKFILL_BLOBS = 100
_MARKER = "mergeguard-mirror-complete"
_SHA = re.compile(r"^[0-9a-f]{40}$")
_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def refspec(ref: str) -> str:
    """A fetch refspec for a ref a job needs: full refs map onto themselves, SHAs are fetched as is."""
    if _SHA.match(ref):
        return ref
    if ref.startswith("refs/"):
        return f"+{ref}:{ref}"
    return f"+refs/heads/{ref}:refs/heads/{ref}"


class Mirror:
    """Bare mirrors under ``root``; :meth:`sync` brings one up to date and returns it as a GitRepo."""

    def __init__(self, root: str | os.PathLike[str], *, timeout: float = 600.0):
        self.root = Path(root)
        self.timeout = timeout
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def path(self, full_name: str) -> Path:
        if not _NAME.match(full_name) or ".." in full_name:
            raise RepositoryError(f"not a repository name: {full_name!r}")
        owner, repo = full_name.split("/")
        return self.root / owner / f"{repo}.git"

    @contextmanager
    def _locked(self, full_name: str) -> Iterator[Path]:
        path = self.path(full_name)
        with self._guard:
            lock = self._locks.setdefault(full_name, threading.Lock())
        path.parent.mkdir(parents=True, exist_ok=True)
        with lock, open(path.parent / f"{path.name}.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield path
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def sync(self, full_name: str, clone_url: str, token: str | None, refs: Sequence[str] = ()) -> GitRepo:
        """Clone (first time) or fetch ``refs`` (default: all branches) and return the mirror.

        Raises RepositoryError with git's message (token removed) if the clone or fetch fails or a
        named SHA is still missing afterwards.
        """
        with self._locked(full_name) as path:
            if path.exists() and not self._healthy(path):
                shutil.rmtree(path)
            if not path.exists():
                self._clone(full_name, clone_url, token, path)
                if not refs:
                    return GitRepo(path)  # the clone just brought every branch
            # Fetch through the "origin" remote (its URL kept current, never with a token in it) so the
            # partial-clone filter recorded for it applies to every fetch, not only to the clone.
            self._git(full_name, None, ["-C", str(path), "remote", "set-url", "origin", clone_url], what="remote set-url")
            specs = [refspec(r) for r in refs] or ["+refs/heads/*:refs/heads/*"]
            self._git(full_name, token, ["-C", str(path), "fetch", "--quiet", "--no-tags",
                                         "--prune" if not refs else "--no-prune", "origin", *specs], what="fetch")
            repo = GitRepo(path)
            for ref in refs:
                if _SHA.match(ref):
                    repo.resolve(ref)  # RefError if the server did not send it
            return repo

    def backfill(self, full_name: str, token: str | None, base: str, head: str) -> list[str]:
        """Fetch the blobs the diff ``base..head`` needs that the partial clone left on the server.

        Files over 1 MB stay out of the mirror's history, but a pull request that changes one needs
        its two versions to be diffed like any other file; git's own lazy fetch cannot get them (it
        runs without the token), so they are fetched here, by object id, with it. Returns the paths
        whose blobs were fetched; at most ``MAX_BACKFILL_BLOBS`` blobs (the rest are left out of the
        scoring, which says so).
        """
        with self._locked(full_name) as path:
            repo = GitRepo(path)
            missing = repo.missing_blobs(base, head)
            oids = list(dict.fromkeys(oid for oids in missing.values() for oid in oids))[:MAX_BACKFILL_BLOBS]
            if not oids:
                return []
            self._git(full_name, token, ["-C", str(path), "fetch", "--quiet", "--no-tags", "--no-write-fetch-head",
                                         "--filter=blob:none", "origin", *oids], what=f"fetch of {len(oids)} large file(s)")
            wanted = set(oids)
            return [p for p, ids in missing.items() if wanted.intersection(ids)]

    # -- internals --------------------------------------------------------------------------------

    def _healthy(self, path: Path) -> bool:
        if not (path / _MARKER).exists():
            return False  # an interrupted clone
        proc = _run(["-C", str(path), "rev-parse", "--is-bare-repository", "--is-shallow-repository"], None)
        return bool(proc.ok and proc.out.split() == ["true", "false"])

    def _clone(self, full_name: str, clone_url: str, token: str | None, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        if tmp.exists():
            shutil.rmtree(tmp)
        try:
            self._git(full_name, token, ["clone", "--quiet", "--bare", f"--filter={PARTIAL_FILTER}", clone_url, str(tmp)],
                      what="clone")
            (tmp / _MARKER).write_text("clone finished\n")
            tmp.rename(path)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    def _git(self, full_name: str, token: str | None, args: list[str], *, what: str) -> None:
        proc = _run(args, token, timeout=self.timeout)
        if proc.timed_out:
            raise RepositoryError(f"git {what} of {full_name} timed out after {self.timeout:.0f}s")
        if not proc.ok:
            err = _scrub(proc.err, token)
            lines = [ln.strip() for ln in err.splitlines() if ln.strip()]
            raise RepositoryError(f"git {what} of {full_name} failed: {' | '.join(lines[-3:]) or f'exit {proc.returncode}'}")


def _run(args: list[str], token: str | None, *, timeout: float | None = None) -> GitResult:
    """git through the product's one runner (:func:`mergeguard.git.run_git`), in the mirror's environment."""
    return run_git(args, env=_env(token), timeout=timeout)


def _auth_header(token: str) -> str:
    return "Authorization: Basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()


def _env(token: str | None) -> dict[str, str]:
    """git's environment: no prompts, no system config, the token as a one-shot extra header."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_CONFIG_")}
    env.update(LC_ALL="C", GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1", GCM_INTERACTIVE="never")
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    pairs = [("credential.helper", ""), ("core.askPass", "")]
    if token:
        pairs.append(("http.extraHeader", _auth_header(token)))
    env["GIT_CONFIG_COUNT"] = str(len(pairs))
    for i, (k, v) in enumerate(pairs):
        env[f"GIT_CONFIG_KEY_{i}"] = k
        env[f"GIT_CONFIG_VALUE_{i}"] = v
    return env


def _scrub(text: str, token: str | None) -> str:
    if not token:
        return text
    for secret in (token, base64.b64encode(f"x-access-token:{token}".encode()).decode()):
        text = text.replace(secret, "***")
    return text
