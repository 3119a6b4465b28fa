"""``score --diff`` reads the code (issue 13, item 4): the post-image from the work tree the diff applies
to, or the base blob with the hunks applied; unknown (null, with a warning) when neither can be had."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mergeguard.change import parse_diff
from mergeguard.postimage import apply_hunks, holds, worktree_file

from .gitrepo import commit, git, init_repo

PRE = '''import requests

API = "https://pay.example.com"


def charge(order):
    return requests.post(API + "/charges", json=order, timeout=5)


def refund(order):
    return requests.post(API + "/refunds", json=order, timeout=5)
'''
POST = PRE.replace('json=order, timeout=5)\n\n\ndef refund', 'json=order, timeout=60)\n\n\ndef refund').replace(
    'import requests\n', 'import requests\nimport logging\n')


@pytest.fixture
def repo(tmp_path):
    """A work tree at the base with the change made (not committed) and its diff."""
    r = init_repo(tmp_path / "repo")
    commit(r, {"pay/client.py": PRE, "README.md": "pay\n"}, "base", when=1_700_000_000)
    (r / "pay" / "client.py").write_text(POST)
    diff = git(r, "diff")
    return r, diff


def score(*args: str, cwd: Path) -> dict:
    p = subprocess.run([sys.executable, "-m", "mergeguard.cli", "score", *args, "--format", "json"],
                       capture_output=True, cwd=cwd, timeout=300)
    assert p.returncode in (0, 1), p.stderr.decode()
    return json.loads(p.stdout)


def test_hunks_apply_both_ways_on_a_real_diff(repo):
    _, diff = repo
    [f], _ = parse_diff(diff.encode())
    assert apply_hunks(PRE, f) == POST
    assert apply_hunks(POST, f, reverse=True) == PRE
    assert holds(POST, f, "post") and not holds(PRE, f, "post")
    assert holds(PRE, f, "pre") and not holds(POST, f, "pre")


def test_hunks_that_do_not_fit_give_nothing(repo):
    _, diff = repo
    [f], _ = parse_diff(diff.encode())
    other = PRE.replace("timeout=5)\n\n\ndef refund", "timeout=7)\n\n\ndef refund")
    assert apply_hunks(other, f) is None  # a removed line differs: another base
    assert apply_hunks("x = 1\n", f) is None  # too short


def test_worktree_paths_never_leave_the_tree(tmp_path):
    (tmp_path / "inside.py").write_text("x = 1\n")
    (tmp_path.parent / "outside.py").write_text("secret = 1\n")
    assert worktree_file(tmp_path, "inside.py") == "x = 1\n"
    for bad in ("../outside.py", "/etc/passwd", "a/../../outside.py", ""):
        assert worktree_file(tmp_path, bad) is None


def test_diff_without_repo_reads_the_work_tree(repo, tmp_path):
    r, diff = repo
    (tmp_path / "change.diff").write_text(diff)
    a = score("--diff", str(tmp_path / "change.diff"), cwd=r)
    assert a["signals"]["timeout"]["changed"] is True
    [t] = [f for f in a["findings"] if f["kind"] == "timeout.changed"]
    assert t["line"] == 8 and "5 (5s) → 60 (60s)" in t["message"]


def test_diff_with_repo_at_the_base_applies_the_hunks(repo, tmp_path):
    r, diff = repo
    git(r, "checkout", "--", ".")  # the work tree is back at the base: the patch is not applied yet
    (tmp_path / "change.diff").write_text(diff)
    a = score("--diff", str(tmp_path / "change.diff"), "--repo", str(r), cwd=tmp_path)
    assert a["signals"]["timeout"]["changed"] is True
    assert [f["line"] for f in a["findings"] if f["kind"] == "timeout.changed"] == [8]


def test_diff_without_repo_in_the_unapplied_work_tree_applies_the_hunks(repo, tmp_path):
    r, diff = repo
    git(r, "checkout", "--", ".")
    (tmp_path / "change.diff").write_text(diff)
    a = score("--diff", str(tmp_path / "change.diff"), cwd=r)
    assert a["signals"]["timeout"]["changed"] is True


def test_diff_that_cannot_be_placed_is_unknown_not_false(repo, tmp_path):
    _, diff = repo
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "change.diff").write_text(diff)
    a = score("--diff", "change.diff", cwd=elsewhere)
    assert a["signals"]["timeout"]["changed"] is None and a["signals"]["retry"]["changed"] is None
    assert any("retry/timeout" in w and "pay/client.py" in w for w in a["warnings"])


def test_new_file_in_a_diff_needs_no_repository(tmp_path):
    new = tmp_path / "n"
    new.mkdir()
    diff = ("diff --git a/svc/poll.go b/svc/poll.go\nnew file mode 100644\n--- /dev/null\n+++ b/svc/poll.go\n"
            "@@ -0,0 +1,5 @@\n+package svc\n+\n+import \"time\"\n+\n+var requestTimeout = 3 * time.Second\n")
    (new / "change.diff").write_text(diff)
    a = score("--diff", "change.diff", cwd=new)
    assert a["signals"]["timeout"]["changed"] is True
    assert any("requestTimeout 3 * time.Second (3s)" in f["message"] for f in a["findings"])
