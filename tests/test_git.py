"""GitRepo on real repositories: bare mirrors, shallow clones, missing objects, bad refs."""

from __future__ import annotations

import pytest

from mergeguard.errors import RefError, RepositoryError
from mergeguard.git import GitRepo

from .gitrepo import commit, git, init_repo


@pytest.fixture
def small(tmp_path):
    p = init_repo(tmp_path / "w")
    shas = [commit(p, {"a.py": f"x = {i}\n" * (i + 1), "big.bin": bytes([0, i]) * 10}, f"c{i}", when=1_700_000_000 + i * 60)
            for i in range(4)]
    return p, shas


def test_bare_mirror_reads_like_a_work_tree(small, tmp_path):
    p, shas = small
    mirror = tmp_path / "m.git"
    git(tmp_path, "clone", "-q", "--mirror", str(p), str(mirror))
    work, bare = GitRepo(p), GitRepo(mirror)
    assert bare.is_bare and not work.is_bare
    assert [r.sha for r in bare.log(["HEAD"])] == [r.sha for r in work.log(["HEAD"])] == shas
    assert bare.read_blobs([f"{shas[1]}:a.py"]) == {f"{shas[1]}:a.py": b"x = 1\nx = 1\n"}
    assert bare.diff(shas[0], shas[1]) == work.diff(shas[0], shas[1])


def test_shallow_clone_is_detected(small, tmp_path):
    p, _ = small
    shallow = tmp_path / "s"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{p}", str(shallow))
    repo = GitRepo(shallow)
    assert repo.is_shallow and len(list(repo.log(["HEAD"]))) == 2


def test_not_a_repository_and_unknown_ref(tmp_path, small):
    with pytest.raises(RepositoryError, match="not a git repository"):
        GitRepo(tmp_path)
    with pytest.raises(RepositoryError, match="no such directory"):
        GitRepo(tmp_path / "nope")
    with pytest.raises(RefError, match="unknown revision"):
        GitRepo(small[0]).resolve("no-such-branch")


def test_missing_blob_leaves_that_file_out_and_keeps_history(small):
    p, shas = small
    blob = git(p, "rev-parse", f"{shas[2]}:big.bin").strip()
    (p / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # loose object: the repo is now damaged
    repo = GitRepo(p)
    records = list(repo.log(["HEAD"]))
    assert [r.sha for r in records] == shas
    assert repo.missing_paths == ["big.bin"]
    # commits streamed before git hit the hole keep the file; from there on it is left out
    paths = {r.sha: {f.path for f in r.files} for r in records}
    assert paths[shas[0]] == {"a.py", "big.bin"}
    assert paths[shas[2]] == paths[shas[3]] == {"a.py"}


def test_log_parses_renames_modes_and_odd_names(tmp_path):
    p = init_repo(tmp_path / "odd")
    commit(p, {"dir with space/ümlaut.py": "a\nb\nc\nd\n", "tab\tname.txt": "t\n"}, "init", when=1_700_000_000)
    git(p, "mv", "dir with space/ümlaut.py", "moved.py")
    sha = commit(p, {"tab\tname.txt": None}, "move and delete", when=1_700_000_100)
    rec = [r for r in GitRepo(p).log(["HEAD"]) if r.sha == sha][0]
    by_path = {f.path: f for f in rec.files}
    assert by_path["moved.py"].old_path == "dir with space/ümlaut.py" and by_path["moved.py"].status == "renamed"
    assert by_path["tab\tname.txt"].status == "deleted"


def test_mining_a_damaged_repository_keeps_every_commit(small):
    """A diff that needs a missing blob falls back to the log's counts; mining loses no commit."""
    from mergeguard.models.mining import mine

    p, shas = small
    blob = git(p, "rev-parse", f"{shas[2]}:big.bin").strip()
    (p / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    rows, report = mine(GitRepo(p), maturity_days=0)
    assert [r["sha"] for r in rows] == shas and report.missing_paths == ["big.bin"]
    assert all(r["features"]["nf"] >= 1 for r in rows)
