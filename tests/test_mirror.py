"""Bare mirrors cloned and fetched over real smart HTTP from the GitHub stand-in."""

from __future__ import annotations

import threading

import pytest

from mergeguard.app.mirror import Mirror, refspec
from mergeguard.errors import RefError, RepositoryError
from mergeguard.git import GitRepo

from .ghstub import GitHubStub
from .gitrepo import commit, git, init_repo


@pytest.fixture
def origin(tmp_path):
    w = init_repo(tmp_path / "origin")
    shas = [commit(w, {"a.py": f"x = {i}\n", "docs/readme.md": f"v{i}\n"}, f"c{i}", when=1_700_000_000 + i * 60)
            for i in range(3)]
    return w, shas


@pytest.fixture
def stub(origin):
    with GitHubStub() as s:
        s.add_installation(5, "octo")
        s.add_repo("octo/svc", origin[0])
        yield s


def _all_text(path):
    return "".join(p.read_text(errors="replace") for p in path.rglob("*") if p.is_file() and p.stat().st_size < 1_000_000)


def test_refspecs():
    assert refspec("main") == "+refs/heads/main:refs/heads/main"
    assert refspec("refs/pull/3/head") == "+refs/pull/3/head:refs/pull/3/head"
    assert refspec("a" * 40) == "a" * 40


def test_clone_then_incremental_fetch_sees_new_commit(stub, origin, tmp_path):
    w, shas = origin
    token = stub.issue_token(5)
    mirror = Mirror(tmp_path / "mirrors")
    repo = mirror.sync("octo/svc", stub.clone_url("octo/svc"), token)
    assert isinstance(repo, GitRepo) and repo.is_bare and not repo.is_shallow
    assert repo.path == tmp_path / "mirrors" / "octo" / "svc.git"
    assert repo.resolve("main") == shas[-1]
    assert git(repo.path, "config", "remote.origin.partialclonefilter").strip() == "blob:limit=1048576"
    clones = len(stub.calls("GET", r"/info/refs$"))

    new = commit(w, {"a.py": "x = 99\n"}, "c3", when=1_700_001_000)
    repo = mirror.sync("octo/svc", stub.clone_url("octo/svc"), token, refs=["main"])
    assert repo.resolve("main") == new
    assert [c.sha for c in repo.log(["main"])][-1] == new
    assert len(stub.calls("GET", r"/info/refs$")) == clones + 1  # one fetch, no re-clone
    # The token never lands on disk.
    assert token not in _all_text(repo.path)


def test_fetch_pull_ref_and_specific_sha(stub, origin, tmp_path):
    w, shas = origin
    git(w, "checkout", "-q", "-b", "feat")
    head = commit(w, {"b.py": "y = 1\n"}, "feature", when=1_700_002_000)
    git(w, "checkout", "-q", "main")
    stub.add_pull("octo/svc", 7, head="feat")
    git(w, "branch", "-D", "feat")  # only refs/pull/7/head keeps it now
    token = stub.issue_token(5)
    mirror = Mirror(tmp_path / "m")
    mirror.sync("octo/svc", stub.clone_url("octo/svc"), token)
    repo = mirror.sync("octo/svc", stub.clone_url("octo/svc"), token, refs=["main", "refs/pull/7/head", head])
    assert repo.resolve("refs/pull/7/head") == head
    assert repo.read_blobs([f"{head}:b.py"]) == {f"{head}:b.py": b"y = 1\n"}


def test_unknown_sha_is_a_clear_error(stub, tmp_path):
    mirror = Mirror(tmp_path / "m")
    with pytest.raises((RepositoryError, RefError)):
        mirror.sync("octo/svc", stub.clone_url("octo/svc"), stub.issue_token(5), refs=["f" * 40])


def test_wrong_token_is_a_clear_error_without_the_token(stub, tmp_path):
    mirror = Mirror(tmp_path / "m")
    secret = "ghs_thisisnotavalidtoken0123456789"
    with pytest.raises(RepositoryError) as info:
        mirror.sync("octo/svc", stub.clone_url("octo/svc"), secret)
    message = str(info.value)
    assert message.startswith("git clone of octo/svc failed:") and secret not in message
    assert not (tmp_path / "m" / "octo" / "svc.git").exists()  # nothing half-made left behind
    assert stub.calls("GET", r"/info/refs$")[0].status == 401


def test_expired_token_on_fetch_is_a_clear_error(stub, tmp_path):
    mirror = Mirror(tmp_path / "m")
    mirror.sync("octo/svc", stub.clone_url("octo/svc"), stub.issue_token(5))
    stale = stub.issue_token(5, ttl=-1)
    with pytest.raises(RepositoryError, match="git fetch of octo/svc failed") as info:
        mirror.sync("octo/svc", stub.clone_url("octo/svc"), stale, refs=["main"])
    assert stale not in str(info.value)


def test_history_replay_needs_no_lazy_fetch(stub, origin, tmp_path):
    mirror = Mirror(tmp_path / "m")
    repo = mirror.sync("octo/svc", stub.clone_url("octo/svc"), stub.issue_token(5))
    before = len(stub.requests)
    records = list(repo.log(["main"]))
    assert len(records) == 3 and all(r.files for r in records) and repo.missing_paths == []
    assert repo.read_blobs([f"{records[0].sha}:a.py"])[f"{records[0].sha}:a.py"] == b"x = 0\n"
    assert len(stub.requests) == before  # every small blob was already there


def test_large_blobs_stay_on_the_server(stub, origin, tmp_path):
    w, _ = origin
    big = commit(w, {"data/big.bin": b"\x00\x01" * 700_000, "a.py": "x = 5\n"}, "big", when=1_700_005_000)
    mirror = Mirror(tmp_path / "m")
    repo = mirror.sync("octo/svc", stub.clone_url("octo/svc"), stub.issue_token(5))
    missing = git(repo.path, "rev-list", "--objects", "--missing=print", "main").splitlines()
    assert [m for m in missing if m.startswith("?")] != []
    assert repo.read_blobs([f"{big}:a.py"])[f"{big}:a.py"] == b"x = 5\n"


def test_shallow_or_unfinished_mirror_is_recloned(stub, origin, tmp_path):
    mirror = Mirror(tmp_path / "m")
    token = stub.issue_token(5)
    path = mirror.sync("octo/svc", stub.clone_url("octo/svc"), token).path
    (path / "shallow").write_text(origin[1][-1] + "\n")  # what a --depth clone leaves
    repo = mirror.sync("octo/svc", stub.clone_url("octo/svc"), token)
    assert not repo.is_shallow and len(list(repo.log(["main"]))) == 3
    (path / "mergeguard-mirror-complete").unlink()  # a clone that died half-way
    (path / "HEAD").write_text("garbage")
    repo = mirror.sync("octo/svc", stub.clone_url("octo/svc"), token)
    assert repo.resolve("main") == origin[1][-1]


def test_concurrent_syncs_of_one_repository_are_serialised(stub, origin, tmp_path):
    mirror = Mirror(tmp_path / "m")
    token = stub.issue_token(5)
    errors, results = [], []

    def job():
        try:
            results.append(mirror.sync("octo/svc", stub.clone_url("octo/svc"), token, refs=["main"]).resolve("main"))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=job) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)  # a wedged thread fails the test instead of holding the suite
    assert not any(t.is_alive() for t in threads)
    assert errors == [] and results == [origin[1][-1]] * 4


def test_bad_repository_name_is_refused(tmp_path):
    with pytest.raises(RepositoryError, match="not a repository name"):
        Mirror(tmp_path).sync("../etc", "http://127.0.0.1:1/x.git", None)


def _big_change(w):
    """A pull request that edits a 1.4 MB data file (over the mirror's 1 MB filter) and a source file."""
    lines = "".join(f"row {i} " + "x" * 60 + "\n" for i in range(20_000))
    base = commit(w, {"data/big.csv": lines, "a.py": "x = 10\n"}, "data", when=1_700_006_000)
    head = commit(w, {"data/big.csv": lines.replace("row 5 ", "row five "), "a.py": "x = 11\n"}, "edit",
                  when=1_700_006_100)
    return base, head


def test_a_pull_requests_large_files_are_fetched_with_the_token_and_diffed(stub, origin, tmp_path):
    from mergeguard.change import Limits
    from mergeguard.sources import change_from_range

    base, head = _big_change(origin[0])
    mirror = Mirror(tmp_path / "m")
    repo = mirror.sync("octo/svc", stub.clone_url("octo/svc"), stub.issue_token(5))
    assert repo.is_partial
    missing = repo.missing_blobs(base, head)
    assert list(missing) == ["data/big.csv"] and len(missing["data/big.csv"]) == 2  # both versions
    assert mirror.backfill("octo/svc", stub.issue_token(5), base, head) == ["data/big.csv"]
    repo = GitRepo(repo.path)
    assert repo.missing_blobs(base, head) == {}
    before = len(stub.requests)
    change = change_from_range(repo, base, head, Limits())
    big = next(f for f in change.files if f.path == "data/big.csv")
    assert (big.added, big.deleted) == (1, 1) and not change.truncated
    assert len(stub.requests) == before  # nothing fetched lazily while scoring
    assert mirror.backfill("octo/svc", stub.issue_token(5), base, head) == []  # nothing left to fetch


def test_without_the_large_files_the_range_is_scored_without_them_and_says_so(stub, origin, tmp_path):
    from mergeguard.change import Limits
    from mergeguard.sources import change_from_range

    base, head = _big_change(origin[0])
    mirror = Mirror(tmp_path / "m")
    repo = mirror.sync("octo/svc", stub.clone_url("octo/svc"), stub.issue_token(5))
    with pytest.raises(RepositoryError, match="fetch of 2 large file"):
        mirror.backfill("octo/svc", "expired-or-wrong", base, head)
    change = change_from_range(repo, base, head, Limits())
    assert [f.path for f in change.files] == ["a.py"]
    assert change.truncated == ["1 file left out: not in this partial clone (data/big.csv)"]


def test_a_whole_repository_has_no_missing_blobs(origin):
    w, shas = origin
    repo = GitRepo(w)
    assert repo.is_partial is False and repo.missing_blobs(shas[0], shas[-1]) == {}
