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


# -- caps bound time and memory (issue 11, item 11) -------------------------------------------------

def _traced_peak(fn):
    import tracemalloc

    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_20_mb_diff_of_empty_added_lines_is_capped_before_it_is_parsed():
    from mergeguard.sources import change_from_diff

    lines = 9_900_000
    data = b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -0,0 +1,%d @@\n" % lines + b"+\n" * lines
    assert len(data) < Limits().max_diff_bytes  # inside the default cap: only the line caps can bound it
    change, peak = _traced_peak(lambda: change_from_diff(data, Limits()))
    [fc] = change.files
    assert fc.added == lines and fc.truncated, "counts stay exact under the cap"
    assert sum(len(h.added) for h in fc.hunks) == Limits().max_file_lines
    assert any("9,900,000 changed lines" in note for note in change.truncated)
    # a line object per line was ~200 bytes: 2 GB. Now: the decoded text and what the caps keep.
    assert peak < 150_000_000, f"peak traced memory {peak:,} bytes"


def test_the_diff_wide_line_cap_bounds_many_files_of_many_lines():
    data = b"".join(b"diff --git a/f%d b/f%d\n--- a/f%d\n+++ b/f%d\n@@ -0,0 +1,500 @@\n" % (i, i, i, i) + b"+x\n" * 500
                    for i in range(40))
    files, notes = parse_diff(data, Limits(max_lines=3_000))
    assert len(files) == 40 and all(f.added == 500 for f in files)
    assert sum(len(h.added) for f in files for h in f.hunks) == 3_000
    assert [f.truncated for f in files] == [False] * 6 + [True] * 34
    assert any("only the first 3,000" in n for n in notes) and any("34 files were not analysed" in n for n in notes)


def test_a_hunk_cut_by_a_cap_gets_a_header_that_matches_what_was_kept():
    data = b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,6 +1,6 @@ def f():\n a\n-b\n+B\n-c\n+C\n d\n-e\n+E\n f\n"
    [fc], _ = parse_diff(data, Limits(max_file_lines=3))
    [hunk] = fc.hunks
    assert (hunk.source_start, hunk.source_length, hunk.target_start, hunk.target_length) == (1, 3, 1, 2)
    assert hunk.removed == [(2, "b"), (3, "c")] and hunk.added == [(2, "B")] and hunk.section == "def f():"
    assert (fc.added, fc.deleted, fc.truncated) == (3, 3, True)


def test_a_cut_at_max_diff_bytes_inside_a_hunk_keeps_what_is_there():
    data = b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -0,0 +1,1000 @@\n" + b"+line\n" * 1000
    [fc], notes = parse_diff(data, Limits(max_diff_bytes=3_000))
    assert fc.truncated and 0 < fc.added < 1000 and sum(len(h.added) for h in fc.hunks) == fc.added
    assert any("bytes" in n for n in notes)


def test_hunk_lengths_decide_where_a_hunk_ends():
    # git format-patch's signature looks like a removed line; a plain diff's next file like one too
    patch = (b"From 1 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] x\n\n---\n x | 1 +\n\n"
             b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1,2 @@\n a\n+b\n-- \n2.40.0\n\n")
    [fc], _ = parse_diff(patch)
    assert (fc.added, fc.deleted) == (1, 0)
    plain = (b"--- a/one\n+++ b/one\n@@ -1,2 +1,2 @@\n-x\n+y\n z\n--- a/two\n+++ b/two\n@@ -1 +1 @@\n-p\n+q\n"
             b"\\ No newline at end of file\n")
    files, _ = parse_diff(plain)
    assert [(f.path, f.added, f.deleted) for f in files] == [("one", 1, 1), ("two", 1, 1)]


@pytest.mark.parametrize("bad", [
    b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,1 +1,1 @@\n-a\n-b\n+c\n",  # longer than its header
    b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-a\n+b\ndiff --git a/y b/y\n",  # shorter
    b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1," + b"9" * 5000 + b" +1 @@\n-a\n+b\n",  # int() would raise
])
def test_hunks_that_disagree_with_their_headers_are_malformed(bad):
    with pytest.raises(DiffError, match="malformed"):
        parse_diff(bad)


def test_the_scan_reads_real_diffs_as_unidiff_does(repo_with_everything):
    """Every commit of a real repository: the same files, counts and hunks as unidiff alone."""
    from unidiff import PatchSet

    repo, _ = repo_with_everything
    for sha in git(repo.path, "rev-list", "HEAD").split():
        parent = git(repo.path, "rev-list", "--parents", "-n", "1", sha).split()[1:]
        raw = repo.diff(parent[0] if parent else None, sha)
        files, _ = parse_diff(raw)
        patch = PatchSet(raw.decode("utf-8", "replace"))
        assert [(f.added, f.deleted, len(f.hunks)) for f in files] == [(p.added, p.removed, len(p)) for p in patch]
        assert [[(h.source_start, h.source_length, h.target_start, h.target_length) for h in f.hunks] for f in files] == \
            [[(h.source_start, h.source_length, h.target_start, h.target_length) for h in p] for p in patch]


@pytest.mark.parametrize("junk", [b"--- x\n", b"@@ not a hunk\n"])
def test_lines_that_only_look_like_headers_end_as_malformed_not_as_a_slow_walk(junk):
    from mergeguard.diffscan import MAX_STRAY_LINES

    data = b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n" + junk * (MAX_STRAY_LINES + 1)
    with pytest.raises(DiffError, match="look like headers"):
        parse_diff(data)
    files, _ = parse_diff(data.replace(junk * (MAX_STRAY_LINES + 1), junk * 3))  # a few are ignored, as unidiff does
    assert [(f.added, f.deleted) for f in files] == [(1, 1)]


def test_files_past_the_file_cap_are_counted_not_kept():
    data = b"".join(b"diff --git a/f%d b/f%d\n--- a/f%d\n+++ b/f%d\n@@ -1 +1 @@\n-a\n+b\n" % (i, i, i, i) for i in range(50))
    files, notes = parse_diff(data, Limits(max_files=7))
    assert len(files) == 7 and "diff touches 50 files; only the first 7 were analysed" in notes
    plain = b"".join(b"--- a/f%d\n+++ b/f%d\n@@ -1 +1 @@\n-a\n+b\n" % (i, i) for i in range(50))
    files, notes = parse_diff(plain, Limits(max_files=7, max_file_lines=1))
    assert len(files) == 7 and all((f.added, f.deleted, f.truncated) == (1, 1, True) for f in files)
    assert "diff touches 50 files; only the first 7 were analysed" in notes
