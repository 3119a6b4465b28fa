"""Batch scoring over incomplete history (issue 11, item 13): one bad commit never costs the others.

Real repositories with real damage: a loose blob deleted from a clone (and a rename that makes
git's rename detection want to read it), a partial clone (``--filter=blob:limit``) whose promisor
remote has gone, and a commit whose gate config cannot be read. Every other commit is scored; the
bad one is reported in the output, and the command exits 0.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from mergeguard.git import GitRepo

from .gitrepo import commit, git, init_repo

WHEN = 1_700_000_000


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mergeguard.cli", *args], capture_output=True, text=True, timeout=600)


def _history(path, *, big_lines: int = 50) -> list[str]:
    """Eight commits; the fifth adds data/big.py, the seventh renames it with an edit."""
    init_repo(path)
    shas = []
    for i in range(8):
        files = {f"src/m{i % 3}.py": "".join(f"x{j} = {j * i}\n" for j in range(5 + i))}
        if i == 4:
            files["data/big.py"] = "".join(f"payload_{j} = {j}\n" for j in range(big_lines))
        if i == 6:
            git(path, "mv", "data/big.py", "data/moved.py")
            files["data/moved.py"] = "".join(f"payload_{j} = {j}\n" for j in range(big_lines - 2)) + "new = 1\n"
        shas.append(commit(path, files, f"change {i}", when=WHEN + i * 86400))
    return shas


def _scored(stdout: str) -> dict[str, dict]:
    records = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    return {r["change"]["id"]: r for r in records}


def test_a_deleted_blob_behind_a_rename_leaves_every_commit_scored(tmp_path):
    path = tmp_path / "r"
    shas = _history(path)
    oid = git(path, "rev-parse", f"{shas[4]}:data/big.py").strip()
    os.remove(path / ".git" / "objects" / oid[:2] / oid[2:])
    # the old fallback asked `git log --raw -M`, whose rename detection reads this very blob
    with pytest.raises(RuntimeError, match="unable to read"):
        git(path, "log", "--raw", "-M", "--format=", "HEAD")
    assert oid and GitRepo(path)._paths_of_missing_blobs(["HEAD"]) == ["data/big.py"]
    (tmp_path / "shas").write_text("\n".join(shas) + "\n")
    p = run("score", "--repo", str(path), "--commits", str(tmp_path / "shas"), "--format", "json")
    assert p.returncode == 0, p.stderr
    scored = _scored(p.stdout)
    assert list(scored) == shas and all("error" not in r for r in scored.values())
    assert any("diff unavailable" in note for note in scored[shas[4]]["change"]["truncated"])


def test_a_partial_clone_whose_promisor_is_gone_still_scores_every_commit(tmp_path):
    src = tmp_path / "src"
    shas = _history(src, big_lines=400)
    git(src, "config", "uploadpack.allowFilter", "true")
    part = tmp_path / "part.git"
    subprocess.run(["git", "clone", "-q", "--bare", "--filter=blob:limit=2k", f"file://{src}", str(part)], check=True)
    shutil.rmtree(src)  # the lazy fetch of data/big.py now fails
    (tmp_path / "shas").write_text("\n".join(shas) + "\n")
    p = run("score", "--repo", str(part), "--commits", str(tmp_path / "shas"), "--format", "json")
    assert p.returncode == 0, p.stderr
    scored = _scored(p.stdout)
    assert list(scored) == shas and all("error" not in r for r in scored.values())


def test_a_commit_that_cannot_be_scored_is_an_error_record_and_the_rest_are_scored(tmp_path):
    path = tmp_path / "r"
    shas = _history(path)
    # the 9th commit breaks the gate config; the 10th is gated at the 9th (its parent), the 11th fixes it
    shas.append(commit(path, {".github/mergeguard.yml": "thresholds: {high: 'high'}\n"}, "bad config", when=WHEN + 9 * 86400))
    shas.append(commit(path, {"src/m0.py": "y = 1\n"}, "gated at a bad config", when=WHEN + 10 * 86400))
    shas.append(commit(path, {".github/mergeguard.yml": "thresholds: {high: 0.5}\n"}, "fix config", when=WHEN + 11 * 86400))
    (tmp_path / "shas").write_text("\n".join(shas) + "\n")
    p = run("score", "--repo", str(path), "--commits", str(tmp_path / "shas"), "--format", "json")
    assert p.returncode == 0, p.stderr
    scored = _scored(p.stdout)
    assert list(scored) == shas
    failed = [sha for sha, r in scored.items() if "error" in r]
    assert failed == shas[-2:], "gated at the bad config: the commit after it and the fix itself"
    assert "thresholds.high: expected a number between 0 and 1" in scored[shas[-1]]["error"]
    assert p.stderr.count("not scored") == 2 and "Traceback" not in p.stderr
    text = run("score", "--repo", str(path), "--commits", str(tmp_path / "shas"), "--format", "text")
    assert text.returncode == 0 and f"{shas[-1]}: not scored: " in text.stdout
    sarif = run("score", "--repo", str(path), "--commits", str(tmp_path / "shas"), "--format", "sarif")
    notes = json.loads(sarif.stdout)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert len(notes) == 2 and notes[0]["level"] == "error"


def test_a_commit_the_replay_never_reaches_is_reported_not_dropped(tmp_path):
    """The log of an incomplete mirror excludes the paths of its missing blobs, and git's history
    simplification then leaves out a commit that only touches them: it is said, never silently lost."""
    path = tmp_path / "r"
    init_repo(path)
    shas = [commit(path, {"src/a.py": "a = 1\n"}, "start", when=WHEN)]
    shas.append(commit(path, {"data/big.py": "".join(f"p{j} = {j}\n" for j in range(50))}, "add", when=WHEN + 86400))
    shas.append(commit(path, {"src/a.py": "a = 2\n"}, "edit", when=WHEN + 2 * 86400))
    git(path, "rm", "-q", "data/big.py")
    git(path, "commit", "-q", "-m", "drop the data")
    shas.append(git(path, "rev-parse", "HEAD").strip())
    shas.append(commit(path, {"src/a.py": "a = 3\n"}, "edit again", when=WHEN + 4 * 86400))
    oid = git(path, "rev-parse", f"{shas[1]}:data/big.py").strip()
    os.remove(path / ".git" / "objects" / oid[:2] / oid[2:])
    (tmp_path / "shas").write_text("\n".join(shas) + "\n")
    p = run("score", "--repo", str(path), "--commits", str(tmp_path / "shas"), "--format", "json")
    assert p.returncode == 0, p.stderr
    scored = _scored(p.stdout)
    assert set(scored) == set(shas), "every commit asked for is in the output"
    missing = [s for s in shas if "error" in scored[s]]
    assert all("not reached" in scored[s]["error"] for s in missing)
    assert all(f"{s}: not scored" in p.stderr for s in missing)
