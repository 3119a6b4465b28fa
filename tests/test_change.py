"""Parsing real git diffs into Changes: renames, deletions, modes, binaries, bad encodings, caps."""

from __future__ import annotations

import pytest

from mergeguard.change import Limits, files_from_stats, parse_diff
from mergeguard.errors import DiffError
from mergeguard.git import GitRepo

from .gitrepo import commit, git, init_repo


@pytest.fixture
def repo_with_everything(tmp_path):
    path = init_repo(tmp_path / "r")
    commit(path, {"src/a.py": "a = 1\nb = 2\n", "old.txt": "x\ny\nz\n", "run.sh": "echo\n",
                  "img.bin": b"\x00\x01\x02", "gone.py": "print(1)\n"}, "init", when=1_700_000_000)
    git(path, "mv", "old.txt", "new.txt")
    (path / "new.txt").write_text("x\ny\nz\nw\n")
    (path / "run.sh").chmod(0o755)
    (path / "img.bin").write_bytes(b"\x00\x09\x09")
    (path / "latin.txt").write_bytes("café\n".encode("latin-1"))
    (path / "src/a.py").write_text("a = 1\nb = 3\nc = 4\n")
    git(path, "rm", "-q", "gone.py")
    git(path, "add", "-A")
    sha = commit(path, {}, "second", when=1_700_000_100)
    return GitRepo(path), sha


def test_diff_statuses_match_log_numstat(repo_with_everything):
    repo, sha = repo_with_everything
    files, notes = parse_diff(repo.diff(f"{sha}^", sha))
    by_path = {f.path: f for f in files}
    assert by_path["new.txt"].status == "renamed" and by_path["new.txt"].old_path == "old.txt"
    assert (by_path["new.txt"].added, by_path["new.txt"].deleted) == (1, 0)
    assert by_path["gone.py"].status == "deleted" and by_path["gone.py"].deleted == 1
    assert by_path["latin.txt"].status == "added"
    assert by_path["img.bin"].binary
    assert by_path["run.sh"].mode_changed and by_path["run.sh"].added == 0
    assert (by_path["src/a.py"].added, by_path["src/a.py"].deleted) == (2, 1)
    assert any("UTF-8" in n for n in notes)
    # the cheap mining path (one git log) must agree with the diff on every count and status
    rec = next(r for r in repo.log([sha]) if r.sha == sha)
    mined = {f.path: f for f in files_from_stats(rec.files)}
    assert set(mined) == set(by_path)
    for path, f in by_path.items():
        m = mined[path]
        assert (m.status, m.added, m.deleted, m.binary, m.mode_changed, m.old_path) == (
            f.status, f.added, f.deleted, f.binary, f.mode_changed, f.old_path), path


def test_hunk_lines_point_into_pre_and_post_images(repo_with_everything):
    repo, sha = repo_with_everything
    files, _ = parse_diff(repo.diff(f"{sha}^", sha))
    a = next(f for f in files if f.path == "src/a.py")
    assert a.hunks[0].removed == [(2, "b = 2")]
    assert a.hunks[0].added == [(2, "b = 3"), (3, "c = 4")]


def test_empty_diff_is_an_empty_change():
    assert parse_diff(b"") == ([], [])
    assert parse_diff(b"\n\n") == ([], [])


@pytest.mark.parametrize("text", [b"hello world\nnot a diff\n", b"@@ -1,2 +1,2 @@\n-a\n+b\n"])
def test_not_a_diff_raises_diff_error(text):
    with pytest.raises(DiffError):
        parse_diff(text)


def test_malformed_hunk_raises_diff_error():
    bad = b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-a\n+b\n"  # hunk says 3 lines, has 1
    with pytest.raises(DiffError, match="malformed"):
        parse_diff(bad)


def test_caps_truncate_and_report(tmp_path):
    path = init_repo(tmp_path / "big")
    commit(path, {"seed.txt": "s\n"}, "seed", when=1_700_000_000)
    files = {f"f{i}.py": "".join(f"x{j} = {j}\n" for j in range(50)) for i in range(12)}
    sha = commit(path, files, "big", when=1_700_000_100)
    raw = GitRepo(path).diff(f"{sha}^", sha)

    few_files, notes = parse_diff(raw, Limits(max_files=5))
    assert len(few_files) == 5 and any("only the first 5" in n for n in notes)

    capped, notes = parse_diff(raw, Limits(max_file_lines=10))
    assert all(f.truncated and f.added == 50 for f in capped), "counts stay exact under the cap"
    assert any("not analysed" in n for n in notes)

    cut, notes = parse_diff(raw, Limits(max_diff_bytes=len(raw) // 2))
    assert 0 < len(cut) < 12 and all(f.added == 50 for f in cut), "cut at a file boundary, no half file"
    assert any("bytes" in n for n in notes)
