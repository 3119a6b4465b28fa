"""The ``mergeguard`` command end to end, as a user runs it: real processes, real repositories, real models."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading

import pytest

from .gitrepo import commit, git, init_repo
from .schema import assert_valid

ASSESSMENT_KEYS = {"schema", "change", "score", "level", "model_level", "reasons", "look_first", "findings", "signals",
                   "features", "model", "timing_ms"}


def run(*args: str, stdin: bytes | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mergeguard.cli", *args], input=stdin, capture_output=True, cwd=cwd,
                          timeout=1800)  # a hang guard, not a speed limit: evaluate takes minutes on a busy machine


@pytest.fixture(scope="module")
def setup(synthetic_repos, trained_model_dir):
    syn = synthetic_repos[0]
    return syn, str(trained_model_dir[0])


def check_assessment(a: dict) -> None:
    assert_valid(a)
    assert ASSESSMENT_KEYS <= set(a)
    assert a["schema"] == "mergeguard.assessment/1"
    assert 0.0 <= a["score"] <= 1.0
    assert a["level"] in ("low", "medium", "high", "critical")
    assert set(a["change"]) >= {"id", "base", "head", "files", "added", "deleted"}
    for r in a["reasons"]:
        assert set(r) == {"feature", "value", "contribution", "text", "notable"} and r["text"]
    assert set(a["model"]) == {"name", "version"}


def test_score_one_commit_json(setup):
    syn, model = setup
    buggy = sorted(syn.buggy)[0]
    p = run("score", "--repo", str(syn.path), "--commit", buggy, "--model", model, "--format", "json")
    assert p.returncode == 0, p.stderr.decode()
    a = json.loads(p.stdout)
    check_assessment(a)
    assert a["change"]["head"] == buggy and a["change"]["base"] == git(syn.path, "rev-parse", f"{buggy}^").strip()
    assert a["features"]["la"] == a["change"]["added"] > 20
    assert a["reasons"], "a risky change says why"


def test_designed_risky_commits_outscore_routine_ones(setup, tmp_path):
    syn, model = setup
    routine = [s for s in syn.shas[2:60] if s not in syn.buggy and s not in syn.fixes][:10]
    risky = sorted(syn.buggy)[:10]
    listing = tmp_path / "shas.txt"
    listing.write_text("# one sha a line\n" + "\n".join(risky + routine) + "\n")
    p = run("score", "--repo", str(syn.path), "--commits", str(listing), "--model", model, "--format", "json")
    assert p.returncode == 0, p.stderr.decode()
    out = [json.loads(line) for line in p.stdout.decode().splitlines()]
    assert [a["change"]["head"] for a in out] == risky + routine  # JSON Lines, in the order asked
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    assert mean([a["score"] for a in out[:10]]) > 2 * mean([a["score"] for a in out[10:]])



@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_commits_file_that_is_not_text_is_one_line(setup, tmp_path, jobs):
    """A commit list of bytes that are not UTF-8 is refused in one line (exit 2), at ``--jobs 2`` too,
    where the pool's early start reads the file first."""
    syn, model = setup
    listing = tmp_path / "shas.bin"
    listing.write_bytes(b"\xff\xfe\x00" + "\n".join(syn.shas[2:200]).encode())
    p = run("score", "--repo", str(syn.path), "--commits", str(listing), "--model", model, "--jobs", jobs)
    assert p.returncode == 2, p.stderr.decode()
    err = p.stderr.decode().strip()
    assert err == f"mergeguard: error: {listing} is not UTF-8 text (one commit SHA per line)"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_commits_from_standard_input(setup, jobs):
    """``--commits -`` reads the list from standard input, once: at ``--jobs 2`` the pool's early
    start needs the count before the batch needs the list, and standard input has nothing left the
    second time."""
    syn, model = setup
    shas = sorted(syn.buggy)[:3]
    listing = ("# asked for review\n" + "\n".join(shas) + "\n").encode()
    p = run("score", "--repo", str(syn.path), "--commits", "-", "--model", model, "--format", "json",
            "--jobs", jobs, stdin=listing)
    assert p.returncode == 0, p.stderr.decode()
    assert [json.loads(line)["change"]["head"] for line in p.stdout.decode().splitlines()] == shas


def test_a_commits_fifo_is_read_once_at_two_jobs(setup, tmp_path):
    """A FIFO given as ``--commits`` (``<(git rev-list ...)`` in a shell) can be read only once. When
    the pool's early start peeked at the file before the batch read it, the second open waited for a
    writer that never came (the run hung until the hang guard)."""
    syn, model = setup
    shas = sorted(syn.buggy)[:2]
    fifo = tmp_path / "shas.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        try:
            with open(fifo, "w", encoding="utf-8") as fh:  # blocks until mergeguard opens it
                fh.write("\n".join(shas) + "\n")
        except OSError:
            pass

    threading.Thread(target=feed, daemon=True).start()
    p = run("score", "--repo", str(syn.path), "--commits", str(fifo), "--model", model, "--format", "json",
            "--jobs", "2")
    assert p.returncode == 0, p.stderr.decode()
    assert [json.loads(line)["change"]["head"] for line in p.stdout.decode().splitlines()] == shas


def test_an_unreadable_commits_file_is_one_line(setup, tmp_path):
    syn, model = setup
    missing = tmp_path / "missing.txt"
    p = run("score", "--repo", str(syn.path), "--commits", str(missing), "--model", model, "--jobs", "2")
    assert p.returncode == 2
    assert p.stderr.decode().strip() == f"mergeguard: error: cannot read {missing}: No such file or directory"

def test_diff_from_stdin_needs_no_repository(setup):
    syn, model = setup
    sha = sorted(syn.buggy)[0]
    diff = subprocess.run(["git", "-C", str(syn.path), "diff", f"{sha}^", sha], capture_output=True).stdout
    p = run("score", "--diff", "-", "--model", model, "--format", "json", stdin=diff)
    assert p.returncode == 0, p.stderr.decode()
    a = json.loads(p.stdout)
    check_assessment(a)
    assert a["features"]["exp"] is None and a["features"]["la"] > 20
    assert any("no repository history" in w for w in a["warnings"])


def test_range_and_bare_mirror(setup, tmp_path):
    syn, model = setup
    mirror = tmp_path / "mirror.git"
    git(tmp_path, "clone", "-q", "--mirror", str(syn.path), str(mirror))
    base, head = syn.shas[10], syn.shas[14]
    outs = []
    for repo in (syn.path, mirror):
        p = run("score", "--repo", str(repo), "--base", base, "--head", head, "--model", model, "--format", "json")
        assert p.returncode == 0, p.stderr.decode()
        outs.append(json.loads(p.stdout))
    a, b = outs
    assert a["change"]["base"] == base and a["change"]["head"] == head
    assert a["features"] == b["features"] and a["score"] == b["score"]
    expected = git(syn.path, "diff", "--numstat", base, head).split()
    assert a["change"]["added"] == sum(int(x) for x in expected[0::3])


def test_an_empty_range_says_nothing_to_score(setup):
    """``--head`` alone compares with HEAD: on the branch itself (a new user forgetting ``--base main``)
    the range is empty, and the headline says so instead of "is smaller than 99% of ... changes"."""
    syn, _ = setup
    p = run("score", "--repo", str(syn.path), "--head", syn.shas[-1])
    assert p.returncode == 0, p.stderr.decode()
    lines = p.stdout.decode().splitlines()
    assert "0 files changed, +0 -0" in lines[2]
    assert lines[1] == "Most important: nothing to score"


def test_shallow_clone_scores_with_a_warning(setup, tmp_path):
    syn, model = setup
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "3", f"file://{syn.path}", str(shallow))
    p = run("score", "--repo", str(shallow), "--model", model, "--format", "json")
    assert p.returncode == 0, p.stderr.decode()
    assert b"shallow clone" in p.stderr
    assert any("shallow" in w for w in json.loads(p.stdout)["warnings"])


@pytest.mark.parametrize("fmt", ["text", "markdown", "sarif"])
def test_other_formats(setup, fmt):
    syn, model = setup
    p = run("score", "--repo", str(syn.path), "--commit", sorted(syn.buggy)[0], "--model", model, "--format", fmt)
    assert p.returncode == 0, p.stderr.decode()
    out = p.stdout.decode()
    if fmt == "sarif":
        doc = json.loads(out)
        assert doc["version"] == "2.1.0" and doc["runs"][0]["tool"]["driver"]["name"] == "mergeguard"
    elif fmt == "markdown":
        assert "risk" in out.lower() and "|" in out
    else:
        assert "%" in out and "Why" in out


def test_caps_are_reported_not_fatal(setup):
    syn, model = setup
    p = run("score", "--repo", str(syn.path), "--commit", sorted(syn.buggy)[0], "--model", model, "--format", "json",
            "--max-files", "1")
    a = json.loads(p.stdout)
    assert p.returncode == 0 and a["change"]["files"] == 1
    assert any("only the first 1" in t for t in a["change"]["truncated"])


def test_binary_and_non_utf8_changes(setup, tmp_path):
    _, model = setup
    p = init_repo(tmp_path / "b")
    commit(p, {"a.py": "x = 1\n"}, "init", when=1_700_000_000)
    sha = commit(p, {"logo.png": b"\x89PNG\x00\x01", "latin.py": "s = 'café'\n".encode("latin-1")}, "assets",
                 when=1_700_000_100)
    r = run("score", "--repo", str(p), "--commit", sha, "--model", model, "--format", "json")
    assert r.returncode == 0, r.stderr.decode()
    a = json.loads(r.stdout)
    assert a["features"]["binary_files"] == 1 and a["change"]["files"] == 2


@pytest.mark.parametrize("case", ["not-a-repo", "unknown-ref", "malformed-diff", "missing-diff", "corrupt-model",
                                  "schema-mismatch", "empty-dataset"])
def test_bad_input_exits_2_with_one_line(setup, tmp_path, case):
    syn, model = setup
    if case == "not-a-repo":
        args = ["score", "--repo", str(tmp_path), "--model", model]
    elif case == "unknown-ref":
        args = ["score", "--repo", str(syn.path), "--commit", "deadbeef", "--model", model]
    elif case == "malformed-diff":
        bad = tmp_path / "bad.diff"
        bad.write_text("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-a\n")
        args = ["score", "--diff", str(bad), "--model", model]
    elif case == "missing-diff":
        args = ["score", "--diff", str(tmp_path / "nope.diff"), "--model", model]
    elif case in ("corrupt-model", "schema-mismatch"):
        m = tmp_path / "m"
        shutil.copytree(model, m)
        if case == "corrupt-model":
            (m / "model.txt").write_bytes(b"\x00garbage")
        else:
            meta = json.loads((m / "model.json").read_text())
            # a feature whose meaning changed is a schema bump: refused (a merely unknown feature is
            # missing, not a refusal: tests/test_model.py)
            meta["feature_schema"] = "mergeguard.features/0"
            (m / "model.json").write_text(json.dumps(meta))
        args = ["score", "--repo", str(syn.path), "--model", str(m)]
    else:
        empty = tmp_path / "empty.jsonl"
        empty.write_text("")
        args = ["train", str(empty), "--out", str(tmp_path / "out")]
    p = run(*args)
    assert p.returncode == 2
    err = p.stderr.decode().strip()
    assert err.startswith("mergeguard: error: ") and "\n" not in err and "Traceback" not in err


def test_mine_train_evaluate_round_trip(setup, synthetic_repos, tmp_path):
    data = []
    for i, syn in enumerate(synthetic_repos):
        out = tmp_path / f"d{i}.jsonl"
        p = run("mine", "--repo", str(syn.path), "--name", f"demo/{i}", "--out", str(out), "--maturity-days", "20",
                "--report", str(tmp_path / f"r{i}.json"))
        assert p.returncode == 0, p.stderr.decode()
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert len(rows) == json.loads((tmp_path / f"r{i}.json").read_text())["rows"] > 100
        data.append(str(out))
    p = run("train", *data, "--out", str(tmp_path / "model"))
    assert p.returncode == 0, p.stderr.decode()
    p = run("evaluate", "--model", str(tmp_path / "model"), *data, "--plots", str(tmp_path / "plots"))
    assert p.returncode == 0, p.stderr.decode()
    out = p.stdout.decode()
    for needle in ("LApredict", "Kamei14-LR", "ROC-AUC", "PR-AUC", "Popt", "Recall@20%Effort", "Effort@20%Recall",
                   "Within-project", "leave one repository out", "without detectors"):
        assert needle in out, needle
    assert sorted(x.name for x in (tmp_path / "plots").iterdir()) == [
        "calibration-loro.png", "calibration-within.png", "roc-loro.png", "roc-within.png"]


def test_default_model_scores_this_kind_of_repository(setup):
    syn, _ = setup
    p = run("score", "--repo", str(syn.path), "--format", "json")
    assert p.returncode == 0, p.stderr.decode()
    a = json.loads(p.stdout)
    assert a["model"]["name"] == "mergeguard-default"
