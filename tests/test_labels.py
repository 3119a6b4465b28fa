"""SZZ, revert and maturity labels on real repositories with known answers."""

from __future__ import annotations

import dataclasses

import pytest

from mergeguard.git import GitRepo
from mergeguard.models.labels import (
    assign_labels, blamed_shas, deleted_lines, filter_ignore_revs, find_bug_inducing, find_reverted,
    is_comment_or_blank, ranges,
)

from .gitrepo import commit, git, init_repo

DAY = 86400
T0 = 1_600_000_000
PARSER = "def parse(s):\n    s = s.strip()\n    return int(s)\n\n\ndef other():\n    return 1\n"


def labels_of(path):
    repo = GitRepo(path)
    records = list(repo.log(["HEAD"], no_merges=False))
    return repo, records, find_bug_inducing(repo, records, max_fix_files=3)


@pytest.fixture
def bug_repo(tmp_path):
    p = init_repo(tmp_path / "bug")
    c = {}
    c["init"] = commit(p, {"app/parser.py": PARSER, "README.md": "hi\n"}, "initial", when=T0)
    c["bug"] = commit(p, {"app/parser.py": PARSER.replace("return int(s)", "return int(s, 16)")},
                      "support hex", when=T0 + DAY)
    c["unrelated"] = commit(p, {"app/util.py": "X = 1\n"}, "add util", when=T0 + 2 * DAY)
    c["fix"] = commit(p, {"app/parser.py": PARSER}, "Fix crash in parser on decimal input", when=T0 + 3 * DAY)
    return p, c


def test_fix_blames_the_commit_that_introduced_the_line(bug_repo):
    p, c = bug_repo
    _, _, result = labels_of(p)
    assert set(result.inducing) == {c["bug"]}
    assert result.inducing[c["bug"]] == {c["fix"]}
    assert result.fixes_seen == 1 and result.fixes_used == 1


def test_fix_of_blank_and_comment_lines_blames_nothing(tmp_path):
    p = init_repo(tmp_path / "c")
    code = "def f(x):\n    # add one\n    return x + 1\n\n\nY = 2\n"
    commit(p, {"m.py": code}, "init", when=T0)
    commit(p, {"m.py": code.replace("# add one", "# adds one").replace("\n\n\nY", "\n\n\n\nY")}, "tweak",
           when=T0 + DAY)
    commit(p, {"m.py": code}, "fix bug in f", when=T0 + 2 * DAY)
    _, _, result = labels_of(p)
    assert result.fixes_seen == 1 and result.fixes_used == 1 and result.inducing == {}


def test_whitespace_only_fix_is_ignored(tmp_path):
    p = init_repo(tmp_path / "w")
    code = "def f(x):\n    return x + 1\n"
    commit(p, {"m.py": code}, "init", when=T0)
    commit(p, {"m.py": code.replace("x + 1", "x  +  1")}, "spacing", when=T0 + DAY)
    commit(p, {"m.py": code}, "fix crash in f", when=T0 + 2 * DAY)
    _, _, result = labels_of(p)
    assert result.fixes_used == 1 and result.inducing == {}


def test_docs_fix_is_not_a_bug_fix(bug_repo):
    p, c = bug_repo
    commit(p, {"app/parser.py": PARSER.replace("def other", "def other2")}, "docs: fix typo", when=T0 + 4 * DAY)
    _, _, result = labels_of(p)
    assert result.fixes_seen == 1  # only the real fix


def test_tangled_fix_is_skipped(tmp_path):
    p = init_repo(tmp_path / "t")
    files = {f"pkg/m{i}.py": f"V = {i}\n" for i in range(5)}
    init = commit(p, files, "init", when=T0)
    commit(p, {k: v.replace("V", "W") for k, v in files.items()}, "fix everything", when=T0 + DAY)
    repo, records, result = labels_of(p)  # max_fix_files=3
    assert result.fixes_tangled == 1 and result.fixes_used == 0 and result.inducing == {}
    assert find_bug_inducing(repo, records, max_fix_files=5).inducing == {init: {records[-1].sha}}


def test_fix_touching_only_new_and_non_code_files_is_counted_not_traced(tmp_path):
    p = init_repo(tmp_path / "n")
    commit(p, {"app.py": "A = 1\n", "notes.txt": "x\n", "tests/test_app.py": "assert 1\n"}, "init", when=T0)
    commit(p, {"notes.txt": "y\n", "tests/test_app.py": "assert 2\n", "new.py": "B = 2\n"}, "fix bug", when=T0 + DAY)
    _, _, result = labels_of(p)
    assert result.fixes_seen == 1 and result.fixes_without_code == 1 and result.fixes_used == 0


def test_renamed_file_is_followed(tmp_path):
    p = init_repo(tmp_path / "r")
    commit(p, {"old_name.py": PARSER}, "init", when=T0)
    bug = commit(p, {"old_name.py": PARSER.replace("s.strip()", "s")}, "simplify", when=T0 + DAY)
    git(p, "mv", "old_name.py", "new_name.py")
    commit(p, {}, "rename module", when=T0 + 2 * DAY)
    fix = commit(p, {"new_name.py": PARSER}, "fix: strip input before parsing", when=T0 + 3 * DAY)
    _, _, result = labels_of(p)
    assert result.inducing == {bug: {fix}}


def test_rename_inside_the_fix_blames_only_modified_lines(tmp_path):
    p = init_repo(tmp_path / "rf")
    commit(p, {"README.md": "hi\n"}, "root", when=T0 - DAY)
    init = commit(p, {"old_name.py": PARSER}, "init", when=T0)
    bug = commit(p, {"old_name.py": PARSER.replace("s.strip()", "s")}, "simplify", when=T0 + DAY)
    git(p, "mv", "old_name.py", "new_name.py")
    fix = commit(p, {"new_name.py": PARSER}, "fix parser crash and move module", when=T0 + 2 * DAY)
    _, _, result = labels_of(p)
    # Not `init`: the untouched lines of the renamed file are not deleted lines.
    assert result.inducing == {bug: {fix}} and init not in result.inducing


def test_blame_ignore_revs_skips_reformatting_commits(tmp_path):
    p = init_repo(tmp_path / "ir")
    commit(p, {"m.py": "def f(x):\n    return x + 1\n"}, "init", when=T0)
    bug = commit(p, {"m.py": "def f(x):\n    return x + 2\n"}, "change f", when=T0 + DAY)
    style = commit(p, {"m.py": "def f(x):\n    return (x + 2)\n"}, "style: parenthesise", when=T0 + 2 * DAY)
    # An abbreviated entry would make git reject the whole file; it must be filtered out, not fail the fix.
    ignore = f"# formatting\n{style}\n{bug[:10]}\n"
    commit(p, {".git-blame-ignore-revs": ignore}, "ignore formatting in blame", when=T0 + 3 * DAY)
    fix = commit(p, {"m.py": "def f(x):\n    return x + 1\n"}, "fix off-by-one in f", when=T0 + 4 * DAY)
    _, _, result = labels_of(p)
    assert result.failures == 0
    assert result.inducing == {bug: {fix}}


def test_one_failing_fix_is_counted_and_the_rest_still_labelled(bug_repo):
    p, c = bug_repo
    repo = GitRepo(p)
    records = list(repo.log(["HEAD"]))
    broken = dataclasses.replace(records[-1], sha="f" * 40, parents=("e" * 40,))
    ticks = []
    result = find_bug_inducing(repo, [*records, broken], workers=4, progress=ticks.append)
    assert result.failures == 1 and result.fixes_used == 1 and result.fixes_seen == 2
    assert result.inducing == {c["bug"]: {c["fix"]}}
    assert ticks == [1, 1]


def test_reverts_including_abbreviated_shas(bug_repo):
    p, c = bug_repo
    git(p, "revert", "--no-edit", c["unrelated"], env={"GIT_COMMITTER_DATE": f"@{T0 + 5 * DAY} +0000",
                                                       "GIT_AUTHOR_DATE": f"@{T0 + 5 * DAY} +0000"})
    reverting = git(p, "rev-parse", "HEAD").strip()
    short = commit(p, {"x.py": "1\n"}, f"Revert 'support hex'\n\nThis reverts commit {c['bug'][:9]}.", when=T0 + 6 * DAY)
    commit(p, {"y.py": "2\n"}, "Revert junk\n\nThis reverts commit 0000000000.", when=T0 + 7 * DAY)  # unknown
    records = list(GitRepo(p).log(["HEAD"]))
    reverted = find_reverted(records)
    assert reverted == {c["unrelated"]: reverting, c["bug"]: short}
    labels = assign_labels(records, {}, reverted, maturity_days=0)
    assert labels[c["unrelated"]].reverted and labels[c["unrelated"]].risky
    assert labels[c["init"]].reverted is False


def test_maturity_window_leaves_young_commits_unlabelled(bug_repo):
    p, c = bug_repo
    repo, records, result = labels_of(p)
    labels = assign_labels(records, result.inducing, {}, maturity_days=2, newest_time=T0 + 3 * DAY)
    assert labels[c["bug"]].mature and labels[c["bug"]].bug_inducing and labels[c["bug"]].risky
    assert labels[c["init"]].risky is False
    assert not labels[c["unrelated"]].mature and labels[c["unrelated"]].risky is None  # 1 day before newest
    assert labels[c["fix"]].bug_inducing is None


def test_merges_do_not_break_labelling(bug_repo):
    p, c = bug_repo
    git(p, "checkout", "-q", "-b", "feature", c["unrelated"])
    commit(p, {"app/feature.py": "F = 1\n"}, "feature", when=T0 + 3 * DAY + 10)
    git(p, "checkout", "-q", "main")
    git(p, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature",
        env={"GIT_COMMITTER_DATE": f"@{T0 + 4 * DAY} +0000", "GIT_AUTHOR_DATE": f"@{T0 + 4 * DAY} +0000"})
    repo, records, result = labels_of(p)
    assert any(r.is_merge for r in records)
    labels = assign_labels(records, result.inducing, {}, maturity_days=0)
    assert set(result.inducing) == {c["bug"]}
    assert all(not r.is_merge for r in records if r.sha in labels)


def test_deleted_lines_reads_pre_image_numbers_and_skips_comments():
    diff = (b"diff --git a/a.go b/a.go\n--- a/a.go\n+++ b/a.go\n@@ -3,3 +3,1 @@\n-x := 1\n-// note\n--- sql-ish\n+y\n"
            b"diff --git a/b.py b/b.py\n--- a/b.py\n+++ b/b.py\n@@ -10 +9,0 @@\n-    # comment\n")
    assert deleted_lines(diff) == {"a.go": [3, 5]}
    assert ranges([7, 3, 4, 5, 9]) == [(3, 5), (7, 7), (9, 9)]
    assert is_comment_or_blank("   ", "go") and is_comment_or_blank(" * doc", "java")
    assert not is_comment_or_blank("x = '#'", "python")
    assert not is_comment_or_blank("# not a comment in Go", "go") and is_comment_or_blank("# c", "shell")


def test_blame_porcelain_drops_boundary_commits():
    a, b = "a" * 40, "b" * 40
    out = (f"{a} 1 1 1\nauthor x\nfilename f\n\tline\n{b} 2 2 1\nauthor y\nboundary\nfilename f\n\tl2\n"
           f"{a} 3 3\nfilename f\n\tl3\n").encode()
    assert blamed_shas(out) == {a}


def test_ignore_revs_keeps_only_full_shas():
    full = "0123456789abcdef0123456789abcdef01234567"
    assert filter_ignore_revs(f"# c\n\n{full.upper()}  # fmt\nabc1234\n".encode()) == f"{full}\n".encode()


def test_shallow_clone_edge_is_not_blamed(bug_repo, tmp_path):
    p, c = bug_repo
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{p}", str(shallow))
    repo = GitRepo(shallow)
    records = list(repo.log(["HEAD"]))
    assert repo.is_shallow and records[0].sha == c["unrelated"]
    result = find_bug_inducing(repo, records)
    assert result.fixes_used == 1 and result.inducing == {}  # the cut-off commit stands for all history before it
