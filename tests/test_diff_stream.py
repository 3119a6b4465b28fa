"""``GitRepo.diff_commit`` (one long-lived ``git diff-tree --stdin``, issue 16) answers exactly what
``GitRepo.diff`` (a ``git diff`` process per call) answers: the same bytes on renames, binaries,
mode changes, odd names, merges against their first parent; the same error on a damaged repository;
and ``git diff`` itself where porcelain reads configuration that plumbing does not."""

from __future__ import annotations

import os

import pytest

from mergeguard.errors import RepositoryError
from mergeguard.git import GitRepo

from .gitrepo import commit, git, init_repo

T0 = 1_700_000_000


@pytest.fixture()
def varied(tmp_path):
    """A history with every kind of file change a patch can show."""
    p = init_repo(tmp_path / "varied")
    body = "".join(f"line {i}\n" for i in range(60))
    commit(p, {"a.py": body, "bin.dat": bytes(range(256)) * 4, "run.sh": "echo hi\n",
               "dir with space/ümlaut.py": "x = 1\n", "tab\tname.txt": "t\n"}, "root", when=T0)
    commit(p, {"a.py": body.replace("line 3\n", "line three\n").replace("line 50\n", "")}, "edit", when=T0 + 10)
    os.chmod(p / "run.sh", 0o755)
    commit(p, {"bin.dat": bytes(range(255, -1, -1)) * 4}, "mode and binary", when=T0 + 20)
    git(p, "mv", "a.py", "b.py")
    commit(p, {"tab\tname.txt": None, "b.py": body + "tail\n"}, "rename with edit, delete", when=T0 + 30)
    git(p, "checkout", "-q", "-b", "side")
    commit(p, {"side.py": "s = 1\n", "b.py": "short\n"}, "side", when=T0 + 40)
    git(p, "checkout", "-q", "main")
    commit(p, {"main.py": "m = 1\n"}, "main", when=T0 + 50)
    git(p, "merge", "-q", "--no-ff", "-m", "merge", "side",
        env={"GIT_AUTHOR_DATE": f"@{T0 + 60} +0000", "GIT_COMMITTER_DATE": f"@{T0 + 60} +0000"})
    commit(p, {}, "empty", when=T0 + 70, allow_empty=True)
    return p


def _pairs(p) -> list[tuple[str | None, str]]:
    out = []
    for line in git(p, "rev-list", "--all", "--parents").splitlines():
        sha, *parents = line.split()
        out.append((parents[0] if parents else None, sha))
    return out


def test_every_commit_gets_the_bytes_of_git_diff(varied):
    repo = GitRepo(varied)
    pairs = _pairs(varied)
    assert repo._diff_tree.usable()
    patches = [repo.diff_commit(parent, sha) for parent, sha in pairs]
    assert patches == [repo.diff(parent, sha) for parent, sha in pairs]
    joined = b"".join(patches)
    for kind in (b"\nrename from a.py", b"\nBinary files ", b"\nold mode 100644", b"\ndeleted file mode"):
        assert kind in joined, kind  # the fixture really has each case
    # the stream served every commit that has a parent (the root goes to git diff), and asking
    # again, in another order, gives the same bytes from the same process
    assert repo._diff_tree.served == len(pairs) - 1
    proc = repo._diff_tree.proc
    assert [repo.diff_commit(parent, sha) for parent, sha in reversed(pairs)] == patches[::-1]
    assert repo._diff_tree.proc is proc


def test_a_commit_against_another_base_after_its_parent(varied):
    """The parent given is the one diffed against, whatever the process was asked before."""
    repo = GitRepo(varied)
    shas = git(varied, "rev-list", "--first-parent", "main").split()
    head, parent, older = shas[1], shas[2], shas[4]
    assert repo.diff_commit(parent, head) == repo.diff(parent, head)
    assert repo.diff_commit(older, head) == repo.diff(older, head) != repo.diff(parent, head)
    assert repo.diff_commit(parent, head) == repo.diff(parent, head)


def test_porcelain_configuration_sends_it_to_git_diff(varied):
    """``diff.interHunkContext`` is read by ``git diff`` only: with it set, the answer is git diff's."""
    git(varied, "config", "diff.interHunkContext", "40")
    repo = GitRepo(varied)
    shas = git(varied, "rev-list", "--first-parent", "main").split()
    edit = next(s for s in shas if git(varied, "log", "-1", "--format=%s", s).strip() == "edit")
    parent = git(varied, "rev-parse", f"{edit}^").strip()
    assert not repo._diff_tree.usable()
    assert repo.diff_commit(parent, edit) == repo.diff(parent, edit)
    assert repo.diff_commit(parent, edit).count(b"\n@@ ") == 1  # one hunk: the setting applied...
    plumbing = git(varied, "diff-tree", "-p", "-M", "-U3", parent, edit)
    assert plumbing.count("\n@@ ") == 2  # ...which plumbing ignores: the stream would have differed
    assert repo._diff_tree.proc is None


@pytest.mark.parametrize("path,bare", [("bin.dat", True), ("bin.dat", False), ("b.py", True)])
def test_a_missing_blob_fails_as_git_diff_fails_and_the_stream_recovers(varied, path, bare):
    """A binary change and a text one, in a bare mirror and in a work tree. In a work tree diff-tree
    takes a lost blob's content from a clean checked-out file, and it names a binary change from the
    pre-image alone; ``git diff`` fails on both. A text change with a lost blob never gets here in a
    replay: ``git log --numstat`` reads it first and fails, and the log's missing paths then send
    every diff to ``git diff`` (see the next test)."""
    if bare:
        mirror = init_repo(varied.parent / "mirror", bare=True)
        git(varied, "push", "-q", str(mirror), "main", "side")  # a small push stays in loose objects
        varied = mirror
    objects = varied / "objects" if bare else varied / ".git" / "objects"
    repo = GitRepo(varied)
    pairs = [(p, s) for p, s in _pairs(varied) if p is not None]
    target = next(s for p, s in pairs if f"+++ b/{path}\n".encode() in repo.diff(p, s)
                  or f"b/{path} differ".encode() in repo.diff(p, s))
    parent = {s: p for p, s in pairs}[target]
    blob = git(varied, "rev-parse", f"{target}:{path}").strip()
    (objects / blob[:2] / blob[2:]).unlink()
    with pytest.raises(RepositoryError) as slow:
        repo.diff(parent, target)
    with pytest.raises(RepositoryError) as fast:
        repo.diff_commit(parent, target)
    assert str(fast.value) == str(slow.value)
    # every other commit: the same bytes, or the same failure where it needs the lost blob too
    def outcome(fn, parent, sha):
        try:
            return fn(parent, sha)
        except RepositoryError as exc:
            return str(exc)

    others = [(p, s) for p, s in pairs if s != target]
    fast_all = [outcome(repo.diff_commit, *o) for o in others]
    assert fast_all == [outcome(repo.diff, *o) for o in others]
    assert any(isinstance(a, bytes) and a for a in fast_all)
    assert repo._diff_tree.proc is not None and repo._diff_tree.proc.poll() is None


def test_an_incomplete_mirror_is_left_to_git_diff(varied):
    repo = GitRepo(varied)
    repo.missing_paths = ["bin.dat"]  # what a log that met a missing blob sets
    assert repo.diff_commit("main~1", "main") == repo.diff("main~1", "main")
    assert repo._diff_tree.proc is None


def test_names_that_are_not_object_ids_never_reach_the_stream(varied):
    repo = GitRepo(varied)
    with pytest.raises(RepositoryError):
        repo.diff_commit("HEAD~1\nHEAD", "HEAD")
    assert repo.diff_commit("main~1", "main") == repo.diff("main~1", "main")
    assert repo._diff_tree.proc is None


def test_a_repository_let_go_stops_its_diff_process(varied):
    """The stream belongs to its GitRepo: once that is collected, the process is stopped (the App
    makes a GitRepo per job; a process left behind by each would pile up)."""
    import gc
    import weakref

    repo = GitRepo(varied)
    parent, head = (git(varied, "rev-parse", r).strip() for r in ("main~1", "main"))
    assert repo.diff_commit(parent, head) == repo.diff(parent, head)
    proc = repo._diff_tree.proc
    assert proc is not None and proc.poll() is None
    alive = weakref.ref(repo)
    del repo
    gc.collect()
    assert alive() is None
    assert proc.poll() is not None
