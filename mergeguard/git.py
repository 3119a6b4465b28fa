"""The one place that runs git: the :class:`Git` interface and its one subprocess implementation.

Everything else in mergeguard works on data (``CommitRecord``, diff text, file contents); this module
turns a repository path into that data. It works on work trees and bare repositories alike (a mirror
clone has no work tree) because it only ever asks git for objects, never for files on disk.

Every git process of the product starts here, whoever needs it: the core (scoring, history replay,
mining, labelling) through :class:`GitRepo`, the Action (fetching the history a shallow checkout
lacks) through :meth:`GitRepo.attempt` and :meth:`GitRepo.fetch`, and the App's mirror (clone and
fetch with an installation token) through :func:`run_git` with the mirror's own environment. Code
that needs git takes the :class:`Git` protocol, so the boundary is one small surface to read and to
test; keeping every ``subprocess`` call in this file keeps the environment hardening (no prompts,
no inherited ``GIT_DIR``, C locale) and the mapping of failures to :mod:`mergeguard.errors` in one
place.

History comes from a single streaming ``git log`` (one subprocess for the whole history, not one per
commit): that is what makes scoring thousands of commits cheap.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import secrets
import subprocess
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol, runtime_checkable

from .errors import RefError, RepositoryError

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"



def _log_format(marker: str) -> str:
    """``git log --format`` of one record: ``\x1e`` and ``marker`` start it; the id, parents and times
    (hex digits, spaces and digits) are separated by ``\x1f``; the author's name and e-mail and the
    message (which can hold any byte but NUL) end with NUL; ``marker`` and ``\x1f`` end the header,
    before the ``-z`` numstat.

    Why a marker: ``\x1e`` and ``\x1f`` alone are valid in a commit message, and one pull request's
    ``\x1e`` made every scoring of it, and once merged every history replay, a traceback; a whole
    record after it added a commit of the author's making to the history. ``marker`` is drawn afresh
    for each ``git log`` (:func:`log_marker`), so no commit can hold it.
    """
    return f"%x1e{marker}%H%x1f%P%x1f%at%x1f%ct%x1f%aN%x00%aE%x00%B%x00{marker}%x1f"


def log_marker() -> str:
    """A marker no commit, name or path can hold: 32 random hex digits (see :func:`_log_format`)."""
    return secrets.token_hex(16)

_FULL_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class FileStat:
    """One file of a commit as ``git log --numstat`` reports it; binary files have no line counts."""

    path: str
    old_path: str | None
    added: int
    deleted: int
    binary: bool = False
    status: str = "modified"  # added | deleted | modified | renamed
    mode_changed: bool = False


@dataclass(frozen=True)
class CommitRecord:
    """A commit's metadata and per-file line counts, as streamed from one ``git log`` pass."""

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_time: int
    commit_time: int
    message: str
    files: tuple[FileStat, ...] = field(default_factory=tuple)

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


@dataclass(frozen=True)
class GitResult:
    """What one git command did: its exit code and output. ``timed_out`` when it was stopped at its
    time limit (the exit code is then 124, as ``timeout(1)`` reports it)."""

    returncode: int
    stdout: bytes = b""
    stderr: bytes = b""
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def out(self) -> str:
        """stdout as text (undecodable bytes replaced: paths and messages are shown, not parsed)."""
        return self.stdout.decode("utf-8", "replace")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", "replace")


def run_git(args: Sequence[str], *, env: Mapping[str, str] | None = None, input: bytes | None = None,
            timeout: float | None = None) -> GitResult:
    """Run ``git *args`` to completion and return what it did; never raises for git's own failures.

    The one ``subprocess.run`` of git in the product. ``env`` defaults to :func:`git_env`; a caller
    with its own policy (the App's mirror hands a token to git through ``GIT_CONFIG_*``) passes a
    complete environment. A command past ``timeout`` seconds is killed and reported as exit 124.
    """
    try:
        proc = subprocess.run(["git", *args], input=input, capture_output=True,
                              env=dict(env) if env is not None else git_env(), timeout=timeout)
    except subprocess.TimeoutExpired:
        return GitResult(124, b"", f"timed out after {timeout or 0:.0f}s".encode(), timed_out=True)
    return GitResult(proc.returncode, proc.stdout, proc.stderr)


@runtime_checkable
class Git(Protocol):
    """The git operations mergeguard needs, on one repository (work tree or bare).

    :class:`GitRepo` is the implementation; the protocol is what callers depend on (the Action's
    fetching, the gate's reading of files at the base, the history replay, the reference counter).
    Reads that may legitimately fail (``has_commit``, ``attempt``) say so in their result; the
    rest raise :class:`~mergeguard.errors.RepositoryError` or :class:`~mergeguard.errors.RefError`.
    """

    path: Path

    def run(self, *args: str, input: bytes | None = None, check: bool = True,
            timeout: float | None = None) -> bytes: ...

    def attempt(self, *args: str, timeout: float | None = None) -> GitResult: ...

    def resolve(self, ref: str) -> str: ...

    def has_commit(self, sha: str) -> bool: ...

    def parents(self, sha: str) -> tuple[str, ...]: ...

    def merge_base(self, a: str, b: str) -> str: ...

    def diff(self, base: str | None, head: str, *, context: int = 3, exclude: Iterable[str] = ()) -> bytes: ...

    def read_blobs(self, specs: Iterable[str]) -> dict[str, bytes | None]: ...

    def log(self, revs: list[str], *, no_merges: bool = True,
            extra: list[str] | None = None) -> Iterator[CommitRecord]: ...

    def fetch(self, remote: str, *specs: str, options: Sequence[str] = (),
              timeout: float | None = None) -> GitResult: ...

    def remotes(self) -> list[str]: ...

    @property
    def is_shallow(self) -> bool: ...


class GitRepo:
    """A git repository (work tree or bare) addressed by path: the subprocess implementation of :class:`Git`."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        if not self.path.exists():
            raise RepositoryError(f"{self.path}: no such directory")
        try:
            out = self.run("rev-parse", "--git-dir").decode().strip()
        except RepositoryError:
            raise RepositoryError(f"{self.path}: not a git repository") from None
        self.git_dir = (self.path / out).resolve()
        #: where git runs when it diffs (``-C ...``). A work tree may be a change's own checkout (the
        #: Action's workspace on ``pull_request``, a CI clone of the branch), whose ``.gitattributes``
        #: saying ``* -diff`` made every file "binary" and a change of hundreds of lines count none.
        #: So diffs and the history's line counts are read with an empty directory as the work tree
        #: (and no index), as a bare repository -- the App's mirror, the mined training data -- reads
        #: them; ``$GIT_DIR/info/attributes`` (the operator's) still applies. Code files are diffed as
        #: text whatever bytes they hold (:func:`_code_attributes`).
        self._bare = self.git_dir == self.path.resolve()
        self.diff_location: tuple[str, ...] = ("-c", f"core.attributesFile={_code_attributes()}", *(
            ("-C", str(self.path)) if self._bare
            else ("-C", _empty_dir(), "--git-dir", str(self.git_dir), "--work-tree", _empty_dir())))
        self.missing_paths: list[str] = []
        #: files cat-file cannot be asked for by name, by revision (:meth:`_unnamable`)
        self._unnamables: dict[str, dict[str, str]] = {}
        self._cat_file = _CatFile(self.path)
        weakref.finalize(self, self._cat_file.close)
        self._diff_tree = _DiffTree(self.path, self.diff_location, self._diff_env())
        weakref.finalize(self, self._diff_tree.close)

    # -- plumbing -------------------------------------------------------------------------------

    def _diff_env(self) -> dict[str, str]:
        """git's environment at :attr:`diff_location`: without a work tree's index either."""
        env = git_env()
        if not self._bare:
            env["GIT_INDEX_FILE"] = os.path.join(_empty_dir(), "index")  # never created: an empty index
        return env

    def run(self, *args: str, input: bytes | None = None, check: bool = True,
            timeout: float | None = None) -> bytes:
        """Run git in this repository and return stdout; a failure becomes a RepositoryError."""
        return self._run_at(("-C", str(self.path)), args, input=input, check=check, timeout=timeout)

    def _run_at(self, location: Sequence[str], args: Sequence[str], *, input: bytes | None = None,
                check: bool = True, timeout: float | None = None, env: Mapping[str, str] | None = None) -> bytes:
        """:meth:`run` with git placed by ``location`` (``-C`` and friends) and in ``env``."""
        proc = run_git(["-c", "core.quotepath=off", *location, *args], env=env, input=input, timeout=timeout)
        if check and not proc.ok:
            msg = proc.err.strip().splitlines()
            raise RepositoryError(f"git {args[0]} failed: {msg[-1] if msg else proc.returncode}")
        return proc.stdout

    def attempt(self, *args: str, timeout: float | None = None) -> GitResult:
        """Run git in this repository and say what happened, for commands whose failure is an answer
        (``merge-base`` of unrelated commits, a ``fetch`` the network refuses)."""
        return run_git(["-C", str(self.path), *args], timeout=timeout)

    def fetch(self, remote: str, *specs: str, options: Sequence[str] = (),
              timeout: float | None = None) -> GitResult:
        """``git fetch --no-tags --quiet [options] remote specs…``, bounded by ``timeout``; the result
        says whether it worked (a read-only or offline runner is a normal case, not an exception)."""
        return self.attempt("fetch", "--no-tags", "--quiet", *options, remote, *specs, timeout=timeout)

    def remotes(self) -> list[str]:
        """The names of the configured remotes (none in a plain local repository)."""
        return self.attempt("remote").out.split()

    def has_commit(self, sha: str) -> bool:
        """Whether the commit is here (``cat-file -e``: reads no content, starts no lazy fetch of a tree)."""
        return self.attempt("cat-file", "-e", f"{sha}^{{commit}}").ok

    def stream(self, *args: str) -> Iterator[bytes]:
        """Yield stdout of a long git command in chunks, so a huge history never sits in memory twice."""
        proc = subprocess.Popen(
            ["git", "-c", "core.quotepath=off", *self.diff_location, *args],  # log --numstat: line counts
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self._diff_env(),
        )
        assert proc.stdout is not None
        try:
            while chunk := proc.stdout.read(1 << 16):
                yield chunk
        finally:
            proc.stdout.close()
            err = proc.stderr.read() if proc.stderr else b""
            code = proc.wait()
        if code != 0:
            raise RepositoryError(f"git {args[0]} failed: {err.decode('utf-8', 'replace').strip()}")

    # -- facts ----------------------------------------------------------------------------------

    @property
    def is_bare(self) -> bool:
        return self.run("rev-parse", "--is-bare-repository").strip() == b"true"

    @property
    def is_shallow(self) -> bool:
        return self.run("rev-parse", "--is-shallow-repository").strip() == b"true"

    def resolve(self, ref: str) -> str:
        """Full SHA of a commit-ish; an unknown ref is the user's error, said plainly."""
        proc = self.attempt("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        if not proc.ok:
            raise RefError(f"unknown revision {ref!r} in {self.path}")
        return proc.stdout.decode().strip()

    def branch_name(self, ref: str) -> str:
        """The branch ``ref`` names, without ``refs/heads/`` or ``refs/remotes/<remote>/`` (``main``,
        ``origin/main`` and ``refs/heads/main`` are all ``main``): what an acceptance is pinned to.
        Anything else (a tag, a commit, a detached ``HEAD``) is its full name, or its full SHA."""
        full = self.attempt("rev-parse", "--symbolic-full-name", ref).out.strip()
        if full.startswith("refs/heads/"):
            return full.removeprefix("refs/heads/")
        if full.startswith("refs/remotes/") and "/" in full.removeprefix("refs/remotes/"):
            return full.removeprefix("refs/remotes/").split("/", 1)[1]
        return full if full.startswith("refs/") else self.resolve(ref)

    def resolve_all(self, refs: Sequence[str]) -> list[str]:
        """``[resolve(r) for r in refs]`` with one ``rev-parse`` per 1,000 full SHAs instead of one each
        (a ``--commits`` file of thousands); anything else, or a chunk git refuses, goes one by one,
        so an unknown revision is reported exactly as :meth:`resolve` reports it."""
        out: list[str] = []
        for i in range(0, len(refs), 1000):
            chunk = list(refs[i:i + 1000])
            if all(_FULL_SHA.fullmatch(r) for r in chunk):
                proc = self.attempt("rev-parse", "--quiet", *(f"{r}^{{commit}}" for r in chunk))
                found = proc.stdout.decode().split()
                if proc.ok and len(found) == len(chunk):
                    out += found
                    continue
            out += [self.resolve(r) for r in chunk]
        return out

    def parents(self, sha: str) -> tuple[str, ...]:
        line = self.run("rev-list", "--parents", "-n", "1", sha).decode().split()
        return tuple(line[1:])

    def merge_base(self, a: str, b: str) -> str:
        out = self.run("merge-base", a, b, check=False).decode().strip()
        if not out:
            raise RefError(f"{a} and {b} have no common history")
        return out

    # -- content --------------------------------------------------------------------------------

    def diff(self, base: str | None, head: str, *, context: int = 3, exclude: Iterable[str] = ()) -> bytes:
        """Unified diff of head against base (None: against the empty tree, for root commits),
        without the paths in ``exclude``."""
        pathspecs = [f":(exclude,literal){p}" for p in exclude]
        args = ("diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M", f"-U{context}",
                "--src-prefix=a/", "--dst-prefix=b/", base or EMPTY_TREE, head,
                *(["--", ".", *pathspecs] if pathspecs else []))
        return self._run_at(self.diff_location, args, env=self._diff_env())

    def diff_commit(self, parent: str | None, sha: str) -> bytes:
        """``diff(parent, sha)``, byte for byte, from one long-lived ``git diff-tree --stdin`` process.

        Why: a batch diffs every commit it scores against its first parent, and a ``git diff``
        process per commit cost about a fifth of ``score --commits``' time (start-up, not diffing).
        Plumbing and porcelain share the diff machinery but not the ``diff.*`` configuration
        (``diff.algorithm``, ``diff.interHunkContext``, ``diff.orderFile`` ... are porcelain's), so
        the process is used only where no ``diff.*`` key and no ``GIT_DIFF_OPTS`` is set; a root
        commit, anything git says on stderr, or a process that dies is answered by :meth:`diff` as
        before (same bytes, same errors). So is a binary change, and a repository that may lack blobs.
        """
        if parent is None or self.missing_paths or self.is_partial or not self._diff_tree.usable():
            return self.diff(parent, sha)
        out = self._diff_tree.diff(parent, sha)
        if out is None or b"\nBinary files " in out:
            # diff-tree names a binary change from the pre-image alone, where git diff (and git log)
            # reads both sides and fails on a missing post-image: a damaged mirror must fail alike
            return self.diff(parent, sha)
        return out

    @functools.cached_property
    def is_partial(self) -> bool:
        """A partial clone (``--filter``): some blobs may be left on the server."""
        out = self.run("config", "--get-regexp", r"^(extensions\.partialclone|remote\..*\.promisor)$", check=False)
        return any(line.split(b" ", 1)[-1].strip().lower() not in (b"", b"false", b"0", b"no", b"off")
                   for line in out.splitlines())

    def missing_blobs(self, base: str | None, head: str) -> dict[str, tuple[str, ...]]:
        """Blobs the diff ``base..head`` reads that this partial clone lacks, by path; ``{}`` when whole.

        Found without reading (or lazily fetching) a blob: ``diff --raw`` names the blobs of both
        sides from the trees alone, and a throw-away tree holding just those (``mktree --missing``)
        lets ``rev-list --missing=print`` say which are absent.
        """
        if not self.is_partial:
            return {}
        raw = self.run("diff", "--raw", "--no-abbrev", "-z", "--no-renames", base or EMPTY_TREE, head).split(b"\0")
        paths_of: dict[str, set[str]] = {}
        i = 0
        while i + 1 < len(raw):
            meta = raw[i].split()
            if len(meta) >= 5 and meta[0].startswith(b":"):
                path = raw[i + 1].decode("utf-8", "surrogateescape")
                for mode, oid in ((meta[0][1:], meta[2]), (meta[1], meta[3])):
                    if mode != b"160000" and oid.strip(b"0"):  # not a submodule, not the null id
                        paths_of.setdefault(oid.decode(), set()).add(path)
                i += 2
            else:
                i += 1
        by_path: dict[str, list[str]] = {}
        for absent in self._absent(paths_of):
            for name in paths_of.get(absent, set()):
                by_path.setdefault(name, []).append(absent)
        return {p: tuple(oids) for p, oids in sorted(by_path.items())}

    def absent_at(self, rev: str, paths: Iterable[str]) -> set[str]:
        """Which of ``paths`` at ``rev`` are files whose blob this partial clone lacks (``set()`` when
        whole). Reading such a blob would start a lazy fetch, which a mirror cannot make."""
        paths = list(paths)
        if not self.is_partial or not paths:
            return set()
        out = self.run("ls-tree", "-z", rev, "--", *paths, check=False)
        paths_of: dict[str, set[str]] = {}
        for entry in out.split(b"\0"):
            meta, _, name = entry.partition(b"\t")
            fields = meta.split()
            if len(fields) == 3 and fields[1] == b"blob":
                paths_of.setdefault(fields[2].decode(), set()).add(name.decode("utf-8", "surrogateescape"))
        return {path for oid in self._absent(paths_of) for path in paths_of[oid]}

    def _absent(self, oids: Iterable[str]) -> set[str]:
        """The blob ids in ``oids`` this repository lacks, found without reading (or fetching) any:
        a throw-away tree holding just those (``mktree --missing``) lets ``rev-list --missing=print``
        say which are absent."""
        oids = list(oids)
        if not oids:
            return set()
        listing = "".join(f"100644 blob {oid}\t{n}\n" for n, oid in enumerate(oids))
        tree = self.run("mktree", "--missing", input=listing.encode()).decode().strip()
        out = self.run("rev-list", "--objects", "--missing=print", "--no-object-names", tree).decode().split()
        return {line[1:] for line in out if line.startswith("?")}

    def read_blobs(self, specs: Iterable[str]) -> dict[str, bytes | None]:
        """Contents of ``rev:path`` specs; missing objects (and non-blobs) map to None.

        Served by one long-lived ``git cat-file --batch`` per repository: scoring and mining read
        a pre- and a post-image for every touched file of every commit, and a process per read
        would cost more than the parsing.
        """
        specs = list(dict.fromkeys(specs))
        ids = self._object_ids([s for s in specs if _BY_ID.search(s)])
        return {spec: self._cat_file.read(ids.get(spec, "") if _BY_ID.search(spec) else spec) for spec in specs}

    def _object_ids(self, specs: Iterable[str]) -> dict[str, str]:
        """Object ids of ``rev:path`` specs that cannot be read by name (absent or ambiguous ones left out).

        Why: ``cat-file --batch`` reads one name a line (git 2.39 has no ``-Z``) and drops a CR before
        the line end; and a name that is not UTF-8 reaches mergeguard with U+FFFD for its bad bytes
        (as the diff is decoded), which names no file. A pull request can name its file so on purpose,
        to hide its code from the detectors (or to have them read ``a.py`` for its ``a.py<CR>``). Such
        a file cannot be asked for by name; its id can. The ids come from one NUL-terminated listing
        of the revision's tree (:meth:`_unnamable`), matched by the exact path as mergeguard decodes
        it, so a spec never gets another file's blob (two names that decode alike get none), and a
        thousand such files cost one ``ls-tree``, not a thousand.
        """
        ids: dict[str, str] = {}
        for spec in specs:
            rev, sep, path = spec.partition(":")
            if sep and rev and path:
                oid = self._unnamable(rev).get(path)
                if oid:
                    ids[spec] = oid
        return ids

    def _unnamable(self, rev: str) -> dict[str, str]:
        """``{path: blob id}`` of the files at ``rev`` whose name has a line break or a CR or is not
        UTF-8 (decoded with U+FFFD, as diffs are; ``""`` for a name two files decode to); the last few kept."""
        names = self._unnamables.get(rev)
        if names is None:
            names = {}
            for entry in self.run("ls-tree", "-r", "-z", "--full-tree", rev, check=False).split(b"\0"):
                meta, _, raw = entry.partition(b"\t")
                fields = meta.split()
                name = raw.decode("utf-8", "replace")
                if _BY_ID.search(name) and len(fields) == 3 and fields[1] == b"blob":
                    names[name] = "" if name in names else fields[2].decode()
            if len(self._unnamables) >= 8:
                self._unnamables.pop(next(iter(self._unnamables)), None)
            self._unnamables[rev] = names
        return names

    def log(self, revs: list[str], *, no_merges: bool = True, extra: list[str] | None = None) -> Iterator[CommitRecord]:
        """Stream commits reachable from ``revs``, oldest first, parents always before children.

        ``--date-order --reverse`` keeps ancestry and otherwise follows commit time, so the state
        built by replaying this stream at any commit holds only what was known before it.

        A repository with missing blobs (an incomplete mirror, a damaged clone) makes ``git log
        --numstat`` die at the first commit that needs one. Rather than lose the rest of history,
        the stream restarts once with the files whose content is missing left out, and carries on
        where it stopped; ``self.missing_paths`` says which files were left out.
        """
        marker = log_marker()
        args = ["log", "-z", "--reverse", "--date-order", "--numstat", "--summary", "-M", f"--format={_log_format(marker)}"]
        if no_merges:
            args.append("--no-merges")
        args += list(extra or []) + list(revs) + ["--"]
        seen: set[str] = set()
        excludes: list[str] = []
        while True:
            try:
                for rec in parse_log(self.stream(*args, *excludes), marker):
                    if rec.sha not in seen:
                        seen.add(rec.sha)
                        yield rec
                return
            except RepositoryError as exc:
                if excludes or not _MISSING_OBJECT.search(str(exc)):
                    raise
            self.missing_paths = self._paths_of_missing_blobs(revs)
            if not self.missing_paths:
                raise RepositoryError("git log failed on a missing object that no file path leads to")
            excludes = ["."] + [f":(exclude,literal){p}" for p in self.missing_paths]

    def _paths_of_missing_blobs(self, revs: list[str]) -> list[str]:
        """Paths whose content is missing somewhere in the history of ``revs`` (found without reading blobs).

        ``--no-renames``: rename detection compares the contents of deleted and added files, i.e.
        reads blobs, and would die on the very blob it is looking for.
        """
        listing = self.run("rev-list", "--objects", "--missing=print", *revs, "--").decode().split("\n")
        missing = {line[1:].strip() for line in listing if line.startswith("?")}
        if not missing:
            return []
        raw = self.run("log", "--raw", "--no-abbrev", "-z", "--format=", "--no-renames", *revs, "--").split(b"\0")
        found: set[str] = set()
        i = 0
        while i < len(raw):
            meta = raw[i].split()
            if meta and meta[0].startswith(b":") and len(meta) >= 5:
                if meta[2].decode() in missing or meta[3].decode() in missing:
                    found.add(raw[i + 1].decode("utf-8", "surrogateescape") if i + 1 < len(raw) else "")
                i += 2
            else:
                i += 1
        found.discard("")
        return sorted(found)


#: how git says it met an object it lacks (a damaged clone) or could not fetch (a partial clone
#: whose promisor remote is unreachable or wants credentials)
_MISSING_OBJECT = re.compile(r"unable to read|could not read|could not fetch .* from promisor remote|"
                             r"promisor remote|missing blob object")


_EMPTY_DIRS: dict[int, str] = {}


def _empty_dir() -> str:
    """An empty directory, the work tree git sees when it diffs (it stays empty): one per process."""
    return _per_process(_EMPTY_DIRS, os.path.isdir, lambda: tempfile.mkdtemp(prefix="mergeguard-no-attributes-"),
                        os.rmdir)


def _per_process(made: dict[int, str], exists: Callable[[str], bool], make: Callable[[], str],
                 remove: Callable[[str], None]) -> str:
    """The path ``make()`` gave this process (made again if it is gone), removed by ``remove`` when the
    process exits: never by a forked child, which may share its parent's."""
    pid = os.getpid()
    path = made.get(pid)
    if path is None or not exists(path):
        path = made[pid] = make()
        atexit.register(_remove_own, path, pid, remove)
    return path


def _remove_own(path: str, pid: int, remove: Callable[[str], None]) -> None:
    """``remove(path)`` at exit in the process that made it (a forked child may share its parent's)."""
    if os.getpid() == pid:
        try:
            remove(path)
        except OSError:
            pass


_ATTRIBUTE_FILES: dict[int, str] = {}


def code_attributes_text() -> str:
    """Git attributes setting ``diff`` on every code file the language registry knows (any case of
    its extension): git then diffs such a file as text even with a NUL byte in it.

    Why: git calls a file binary when a NUL is in its first 8,000 bytes and shows none of its lines.
    One NUL in a comment is valid JavaScript, TypeScript, Java, C#, C, PHP..., so a pull request
    starting its file with ``// <NUL>`` hid every line from the counts and the detectors (a retry
    loop without bound or timeout scored 0.32 and needed review; with the NUL, 0.007 and passed).
    """
    from .languages import BY_EXTENSION  # data only; imported here, as git.py is imported by everything

    def any_case(ext: str) -> str:
        return "".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in ext)

    return "".join(f"*{any_case(ext)} diff\n" for ext in sorted(BY_EXTENSION))


def _code_attributes() -> str:
    """A file of :func:`code_attributes_text`, given to git as ``core.attributesFile`` when it diffs:
    the lowest precedence, so the operator's ``$GIT_DIR/info/attributes`` still decides, and a change's
    own ``.gitattributes`` is never read (no work tree). One per process, removed when it exits."""
    def write() -> str:
        fd, path = tempfile.mkstemp(prefix="mergeguard-code-attributes-")
        with os.fdopen(fd, "w") as fh:
            fh.write(code_attributes_text())
        return path

    return _per_process(_ATTRIBUTE_FILES, os.path.isfile, write, os.unlink)


def git_env() -> dict[str, str]:
    """git's environment for reading a repository: never a prompt (a job would hang on it), no
    ``GIT_DIR``/``GIT_WORK_TREE`` inherited from a hook or a runner, the C locale unless chosen."""
    env = dict(os.environ)
    env.setdefault("LC_ALL", "C")
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    return env


def parse_log(chunks: Iterable[bytes], marker: str) -> Iterator[CommitRecord]:
    """Parse the ``-z --numstat`` log stream produced with ``_log_format(marker)`` into records."""
    start, end = b"\x1e" + marker.encode(), b"\x00" + marker.encode() + b"\x1f"
    buf = b""
    for chunk in chunks:
        buf += chunk
        parts = buf.split(start)
        buf = parts.pop()
        for part in parts:
            if part:
                yield _parse_commit(part, end)
    if buf:
        yield _parse_commit(buf, end)


def _parse_commit(raw: bytes, end: bytes) -> CommitRecord:
    head, found, stats = raw.partition(end)
    if not found:
        raise RepositoryError("git log: a commit record without its end")
    sha, parents, at, ct, rest = (head.split(b"\x1f", 4) + [b""] * 4)[:5]
    name, email, message = (rest.split(b"\x00", 2) + [b""] * 2)[:3]
    return CommitRecord(
        sha=sha.decode("ascii", "replace"),
        parents=tuple(parents.decode("ascii", "replace").split()),
        author_name=name.decode("utf-8", "replace"),
        author_email=email.decode("utf-8", "replace").lower(),
        author_time=int(at or 0),
        commit_time=int(ct or 0),
        message=message.decode("utf-8", "replace").strip(),
        files=tuple(_parse_numstat(stats)),
    )


def _parse_numstat(raw: bytes) -> Iterator[FileStat]:
    """Numstat entries (NUL-terminated) followed by ``--summary`` lines (create/delete/mode change)."""
    tokens = raw.lstrip(b"\0\n").split(b"\0")
    stats: list[FileStat] = []
    summary = b""
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        cols = tok.split(b"\t", 2)
        if len(cols) != 3 or not (cols[0].isdigit() or cols[0] == b"-"):
            summary += tok
            continue
        binary = cols[0] == b"-"
        added = 0 if binary else int(cols[0])
        deleted = 0 if binary else int(cols[1])
        if cols[2]:
            stats.append(FileStat(cols[2].decode("utf-8", "replace"), None, added, deleted, binary))
        else:  # rename: the two paths follow as their own tokens
            old, new = tokens[i].decode("utf-8", "replace"), tokens[i + 1].decode("utf-8", "replace")
            i += 2
            stats.append(FileStat(new, old, added, deleted, binary, "renamed"))
    created, deleted_paths, mode_changed = _parse_summary(summary.decode("utf-8", "replace"))
    for st in stats:
        status = "added" if st.path in created else "deleted" if st.path in deleted_paths else st.status
        yield FileStat(st.path, st.old_path, st.added, st.deleted, st.binary, status, st.path in mode_changed)


_SUMMARY_RE = re.compile(r"^ (create|delete) mode \d+ (.+)$|^ mode change \d+ => \d+ (.+)$", re.M)


#: the escapes git writes in a quoted path (``quote_c_style``), besides three-digit octal bytes
_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def unquote_path(name: str) -> str:
    """A path as git names it in a diff: ``"b/secure/a\\"b.py"`` (C-style quoted, as git writes a name with
    a quote, a backslash, a control character, or -- without ``core.quotepath=off`` -- any non-ASCII
    byte) is the file ``b/secure/a"b.py``. Read as it stands, such a name is no path CODEOWNERS owns,
    and a change to an owned file would pass on anyone's approval. Unquoted names are returned as they are.

    Hand-written because unidiff does not decode these: its ``PatchedFile.path`` only strips the
    quotes, leaving the escapes in. Used for diff headers and ``git log --summary`` lines alike.
    """
    if len(name) < 2 or name[0] != '"' or name[-1] != '"':
        return name
    body, out, i = name[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in _C_ESCAPES:
                out.append(_C_ESCAPES[nxt])
                i += 2
                continue
            octal = body[i + 1:i + 4]
            if len(octal) == 3 and all(d in "01234567" for d in octal):
                out.append(int(octal, 8) & 0xFF)
                i += 4
                continue
        out += c.encode("utf-8", "surrogateescape")
        i += 1
    return out.decode("utf-8", "replace")


def _parse_summary(text: str) -> tuple[set[str], set[str], set[str]]:
    created: set[str] = set()
    deleted: set[str] = set()
    mode: set[str] = set()
    for m in _SUMMARY_RE.finditer(text):
        if m.group(1) == "create":
            created.add(unquote_path(m.group(2)))
        elif m.group(1) == "delete":
            deleted.add(unquote_path(m.group(2)))
        else:
            mode.add(unquote_path(m.group(3)))
    return created, deleted, mode


class _CatFile:
    """One ``git cat-file --batch`` process, started on first use, restarted if it dies; thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.proc: subprocess.Popen[bytes] | None = None
        self.lock = threading.Lock()

    def read(self, spec: str) -> bytes | None:
        if _BY_ID.search(spec) or not spec:
            return None  # the batch protocol is line-based (and drops a CR before the end): read by id
        with self.lock:
            for attempt in (1, 2):
                try:
                    return self._read(spec)
                except (OSError, ValueError, BrokenPipeError) as exc:
                    self._stop()
                    if attempt == 2:
                        raise RepositoryError(f"git cat-file failed reading {spec}: {exc}") from None
        return None

    def _read(self, spec: str) -> bytes | None:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                ["git", "-c", "core.quotepath=off", "-C", str(self.path), "cat-file", "--batch"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=git_env(),
            )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(spec.encode("utf-8", "surrogateescape") + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline()
        if not header:
            raise ValueError("no answer")
        parts = header.split()
        if len(parts) == 2 and parts[1] in (b"missing", b"ambiguous"):
            return None
        if len(parts) != 3:
            raise ValueError(f"unexpected answer {header[:80]!r}")
        size = int(parts[2])
        data = self.proc.stdout.read(size + 1)[:size]
        return data if parts[1] == b"blob" else None

    def _stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            _end(proc)

    def close(self) -> None:
        with self.lock:
            self._stop()


class _DiffTree:
    """One ``git diff-tree --stdin -p`` process answering ``diff(parent, sha)``, started on first use;
    thread-safe. See :meth:`GitRepo.diff_commit` for when it may stand in for ``git diff``.

    Protocol: each request is ``<sha> <parent>`` (the parent grafted on the commit in diff-tree's
    memory, so the diff is against it alone) followed by a line that is not an object name, which
    diff-tree echoes and flushes: the end of that request's patch (no patch line starts with ``~``).
    diff-tree's stderr goes to a file; if it grew during a request, the answer is not trusted.
    """

    #: the marker echoed after each patch
    END = b"~mergeguard-end\n"
    #: requests per process before it is restarted (its object cache only grows)
    REQUESTS = 5000

    def __init__(self, path: Path, location: tuple[str, ...], env: Mapping[str, str]) -> None:
        self.path = path  # not the GitRepo: its finalizer calls close(), which must not keep it alive
        self.location = location  # GitRepo.diff_location: no work-tree attributes
        self.env = dict(env)
        self.proc: subprocess.Popen[bytes] | None = None
        self.errors: IO[bytes] | None = None
        self.served = 0
        self.lock = threading.Lock()
        self._usable: bool | None = None

    def usable(self) -> bool:
        """No configuration that porcelain ``git diff`` reads and plumbing does not."""
        if self._usable is None:
            env = git_env()
            keys = run_git(["-C", str(self.path), "config", "--get-regexp", r"^diff\."], env=env)
            self._usable = keys.returncode in (0, 1) and not keys.stdout.strip() and not any(
                k.startswith("GIT_DIFF") for k in env)
        return self._usable

    def diff(self, parent: str, sha: str) -> bytes | None:
        """The patch, or None when the caller must ask ``git diff`` (a failure, a message on stderr)."""
        if not (_SHA.fullmatch(parent) and _SHA.fullmatch(sha)):
            return None
        with self.lock:
            try:
                return self._diff(parent, sha)
            except (OSError, ValueError):
                self._stop()
                return None

    def _diff(self, parent: str, sha: str) -> bytes | None:
        if self.proc is None or self.proc.poll() is not None or self.served >= self.REQUESTS:
            self._stop()
            self.errors = tempfile.TemporaryFile()
            self.proc = subprocess.Popen(
                ["git", "-c", "core.quotepath=off", *self.location, "diff-tree", "--stdin",
                 "--no-commit-id", "-r", "-p", "--no-color", "--no-ext-diff", "--no-textconv", "-M", "-U3",
                 "--src-prefix=a/", "--dst-prefix=b/"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, env=self.env,
            )
            self.served = 0
        assert self.proc.stdin is not None and self.proc.stdout is not None and self.errors is not None
        said = os.fstat(self.errors.fileno()).st_size
        self.proc.stdin.write(f"{sha} {parent}\n".encode() + self.END)
        self.proc.stdin.flush()
        self.served += 1
        fd = self.proc.stdout.fileno()
        buf = bytearray()
        while not (buf.endswith(self.END) and (len(buf) == len(self.END) or buf[-len(self.END) - 1] == 10)):
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise ValueError("diff-tree stopped")
            buf += chunk
        if os.fstat(self.errors.fileno()).st_size != said:
            self._stop()  # git complained (a missing object, a bad parent): its answer may be partial
            return None
        return bytes(buf[:-len(self.END)])

    def _stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            _end(proc)
            for pipe in (proc.stdin, proc.stdout):
                try:
                    if pipe is not None:
                        pipe.close()
                except OSError:
                    pass
        if self.errors is not None:
            self.errors.close()
            self.errors = None

    def close(self) -> None:
        with self.lock:
            self._stop()


def _end(proc: subprocess.Popen[bytes]) -> None:
    """Kill a long-lived git child and reap it; one that will not die in 5 s is left to the OS."""
    try:
        proc.kill()
        proc.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        pass


_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
#: what a name given to ``cat-file --batch`` must not hold: it ends the name (LF), is dropped (CR), or
#: stands for bytes that were not UTF-8 (U+FFFD); such files are read by id (:meth:`GitRepo._object_ids`)
_BY_ID = re.compile("[\n\r\ufffd]")
