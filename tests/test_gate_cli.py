"""The gate end to end, as a user runs it: ``score --config``, the base revision's own config and CODEOWNERS,
``accept`` and the audit log, ignored paths, ``--fail-on``; real processes on a real repository and model."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .gitrepo import commit, git
from .schema import assert_valid

DAY = 86400
WHEN = 1_500_000_000 + 400 * DAY
DEV = ("Dev", "dev@example.com")

BASE_CONFIG = """\
thresholds: {medium: 0.0001, high: 0.0002}
conclusions: {critical: action_required}
require:
  high: &risky [codeowners, {approvals: 2}, {label: canary-planned}, rollout_note]
  critical: *risky
risk_acceptance:
  allowed: [alice, "@acme/sre"]
"""
BASE_OWNERS = "* @lead\n/core/ @alice @acme/core\n/docs/\n"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mergeguard.cli", *args], capture_output=True, text=True,
                          input=stdin, timeout=300)


@pytest.fixture(scope="module")
def model(trained_model_dir):
    return str(trained_model_dir[0])


@pytest.fixture(scope="module")
def pr(synthetic_repos, tmp_path_factory):
    """A clone of a synthetic repository whose main has a gate config and CODEOWNERS, and a pull-request
    branch ``feature`` that makes a large change to core/ and tries to relax both files."""
    syn = synthetic_repos[0]
    path = tmp_path_factory.mktemp("gate") / "repo"
    git(path.parent, "clone", "-q", str(syn.path), str(path))
    base = commit(path, {".github/CODEOWNERS": BASE_OWNERS, ".github/mergeguard.yml": BASE_CONFIG},
                  "Gate configuration", when=WHEN)
    git(path, "checkout", "-q", "-b", "feature")
    engine = (path / "core/engine0.py").read_text()
    added = "".join(f"    turbo_{i} = compute({i}) * factor  # new mode\n" for i in range(90))
    head = commit(path, {
        "core/engine0.py": engine + "def turbo():\n" + added,
        "api/handler0.py": (path / "api/handler0.py").read_text() + "def turbo_handler():\n    return turbo()\n",
        ".github/CODEOWNERS": "* @dev\n",
        ".github/mergeguard.yml": "conclusions: {high: success, critical: success}\n",
    }, "Add turbo mode", when=WHEN + DAY, author=DEV)
    return path, base, head


def score(pr, model, *extra: str, fmt: str = "json") -> tuple[subprocess.CompletedProcess, dict | None]:
    path, _, _ = pr
    p = run("score", "--repo", str(path), "--base", "main", "--head", "feature", "--model", model,
            "--format", fmt, *extra)
    return p, (json.loads(p.stdout) if fmt == "json" and p.returncode in (0, 1) else None)


# @lead owns the .github/ files the pull request also touches, @alice core/
ALL_SATISFIED = ("--author", "dev", "--approved-by", "alice", "--approved-by", "lead", "--label", "canary-planned")
ROLLOUT = "Adds turbo mode.\n\n## Rollout\n\nBehind the `turbo` flag; canary 5% for a day, then everyone.\n"


def test_risky_change_with_every_validation_satisfied_passes_and_says_why(pr, model):
    p = run("score", "--repo", str(pr[0]), "--base", "main", "--head", "feature", "--model", model, "--format", "json",
            *ALL_SATISFIED, "--description", "-", stdin=ROLLOUT)
    assert p.returncode == 0, p.stderr
    v = json.loads(p.stdout)["verdict"]
    assert v["level"] in ("high", "critical") and v["conclusion"] == "success"
    assert [(r["id"], r["satisfied"]) for r in v["required_validations"]] == [
        ("codeowners", True), ("approvals:2", True), ("label:canary-planned", True), ("rollout-note", True)]
    assert v["notes"][0] == f"Passes: all 4 validations required at {v['level']} risk are satisfied."
    assert v["config"] == f"{pr[1][:12]}:.github/mergeguard.yml"


def test_missing_validations_need_action_and_fail_on_sets_the_exit_code(pr, model):
    p, a = score(pr, model, "--author", "dev", "--approved-by", "bob")
    assert p.returncode == 0, p.stderr
    v = a["verdict"]
    assert v["conclusion"] == "action_required"
    missing = {r["id"]: r["detail"] for r in v["required_validations"] if not r["satisfied"]}
    assert set(missing) == {"codeowners", "approvals:2", "label:canary-planned", "rollout-note"}
    assert missing["codeowners"] == ("waiting for @lead for .github/CODEOWNERS, .github/mergeguard.yml, "
                                     "api/handler0.py; @alice or @acme/core for core/engine0.py")
    assert score(pr, model, "--fail-on", "action_required")[0].returncode == 1
    assert score(pr, model, "--fail-on", "failure")[0].returncode == 0


def test_the_base_revision_decides_not_the_pull_request(pr, model):
    """The head relaxes CODEOWNERS (``* @dev``) and the config (everything passes); neither counts."""
    p = run("score", "--repo", str(pr[0]), "--base", "main", "--head", "feature", "--model", model, "--format", "json",
            "--author", "mallory", "--approved-by", "dev", "--approved-by", "bob", "--label", "canary-planned",
            "--description", "-", stdin=ROLLOUT)
    v = json.loads(p.stdout)["verdict"]
    assert v["conclusion"] == "action_required"
    (owners,) = [r for r in v["required_validations"] if r["id"] == "codeowners"]
    assert not owners["satisfied"] and "@alice" in owners["detail"] and "@dev" not in owners["detail"]
    # scoring from the branch itself as the base would see the relaxed files: that is what --base main prevents
    assert ".github/mergeguard.yml" in v["config"] and pr[1][:12] in v["config"]


@pytest.fixture(scope="module")
def score_of_buggy(synthetic_repos, model):
    syn = synthetic_repos[0]
    sha = sorted(syn.buggy)[0]
    p = run("score", "--repo", str(syn.path), "--commit", sha, "--model", model, "--format", "json")
    s = json.loads(p.stdout)["score"]
    assert 0 < s < 1
    return syn, sha, s


@pytest.mark.parametrize("level, conclusion", [  # never failure by default: every level can pass
    ("low", "success"), ("medium", "success"), ("high", "action_required"), ("critical", "action_required")])
def test_conclusions_per_level(score_of_buggy, model, tmp_path, level, conclusion):
    syn, sha, s = score_of_buggy
    cuts = {  # thresholds placing the score exactly in the level under test
        "low": ((1 + s) / 2, (3 + s) / 4, (7 + s) / 8),
        "medium": (s / 2, (1 + s) / 2, (3 + s) / 4),
        "high": (s / 4, s / 2, (1 + s) / 2),
        "critical": (s / 8, s / 4, s / 2),
    }[level]
    config = tmp_path / "mergeguard.yml"
    medium, high, critical = cuts
    config.write_text(f"thresholds: {{medium: {medium!r}, high: {high!r}, critical: {critical!r}}}\n")
    p = run("score", "--repo", str(syn.path), "--commit", sha, "--model", model, "--format", "json",
            "--config", str(config))
    assert p.returncode == 0, p.stderr
    a = json.loads(p.stdout)
    assert a["verdict"]["level"] == level and a["verdict"]["conclusion"] == conclusion
    assert a["level"] == level  # the gate's level is the level
    assert a["verdict"]["config"] == str(config)
    assert a["change"]["paths"], "the assessment names the touched paths"


def test_default_verdict_without_any_config(score_of_buggy, model):
    syn, sha, _ = score_of_buggy
    p = run("score", "--repo", str(syn.path), "--commit", sha, "--model", model, "--format", "json")
    v = json.loads(p.stdout)["verdict"]
    assert v["config"] == "defaults" and v["conclusion"] in ("success", "action_required", "failure")
    assert "Config: defaults (no .github/mergeguard.yml at the base revision)" in v["notes"]


def test_accept_allowed_refused_and_stale_after_new_commits(pr, model, tmp_path):
    path, _, head = pr
    log = tmp_path / "audit.jsonl"
    refused = run("accept", "--repo", str(path), "--base", "main", "--head", "feature", "--by", "mallory",
                  "--level", "critical", "--reason", "trust me", "--audit-log", str(log))
    assert refused.returncode == 2 and "@mallory may not accept risk" in refused.stderr and not log.exists()
    no_config = run("accept", "--head", head, "--by", "alice", "--level", "high", "--reason", "x", "--audit-log", str(log))
    assert no_config.returncode == 2 and not log.exists()
    own = run("accept", "--repo", str(path), "--base", "main", "--head", "feature", "--by", "alice",
              "--author", "Alice", "--level", "critical", "--reason", "mine", "--audit-log", str(log))
    assert own.returncode == 2 and not log.exists()
    assert own.stderr.strip() == ("mergeguard: error: @alice wrote the change and may not accept its risk "
                                  "(as the author's approval never counts)")
    ok = run("accept", "--repo", str(path), "--base", "main", "--head", "feature", "--by", "alice", "--level",
             "critical", "--reason", "hotfix for incident 42; SRE watching the canary", "--audit-log", str(log))
    assert ok.returncode == 0, ok.stderr
    (entry,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert entry["head_sha"] == head and entry["by"] == "alice" and entry["at"].endswith("+00:00")
    assert (entry["base"], entry["level"]) == ("main", "critical")
    assert entry["reason"] == "hotfix for incident 42; SRE watching the canary"
    team = run("accept", "--repo", str(path), "--base", "main", "--head", head, "--by", "sam", "--team",
               "@acme/sre=sam,kim", "--level", "critical", "--reason", "on call", "--audit-log", str(log))
    assert team.returncode == 0, team.stderr

    p, a = score(pr, model, "--audit-log", str(log))
    v = a["verdict"]
    assert v["conclusion"] == "success" and v["accepted"]["by"] in ("alice", "sam")
    assert v["notes"][0].startswith("Passes: critical risk accepted by @")
    assert any(n.startswith("Without that acceptance the conclusion would be action_required") for n in v["notes"])
    for fmt, said in (("text", "risk accepted by @"), ("markdown", "risk accepted by @&#8203;")):  # no mention
        assert said in score(pr, model, "--audit-log", str(log), fmt=fmt)[0].stdout

    # new commits arrive: the acceptance was for another head and no longer applies
    git(path, "checkout", "-q", "feature")
    newer = commit(path, {"core/engine1.py": (path / "core/engine1.py").read_text() + "late = 1\n"}, "More turbo",
                   when=WHEN + 2 * DAY, author=DEV)
    try:
        p, a = score(pr, model, "--audit-log", str(log))
        assert a["change"]["head"] == newer and a["verdict"]["conclusion"] == "action_required"
        assert a["verdict"]["accepted"] is None
    finally:
        git(path, "reset", "-q", "--hard", head)


PINNED = """\
require:
  high: &risky [{approvals: 2}, rollout_note]
  critical: *risky
risk_acceptance:
  allowed: [alice, bob, carol]
"""


def test_an_acceptance_counts_only_for_its_base_branch_and_level(pr, model, tmp_path):
    """An acceptance names the branch and the level it accepted: a retarget, or a stricter config
    that makes the change critical, is not covered; a line an older version wrote (neither named)
    accepts nothing, and each is said in the verdict. Real audit log, real processes."""
    path, _, head = pr
    lenient, strict = tmp_path / "lenient.yml", tmp_path / "strict.yml"
    lenient.write_text("thresholds: {medium: 0.0001, high: 0.0002, critical: 0.99999}\n" + PINNED)  # high
    strict.write_text("thresholds: {medium: 0.0001, high: 0.0002, critical: 0.0003}\n" + PINNED)  # critical
    log = tmp_path / "audit.jsonl"
    log.write_text(json.dumps({"schema": "mergeguard.acceptance/1", "head_sha": head, "by": "alice",  # as 0.x wrote it
                               "at": "2026-11-20T10:00:00+00:00", "reason": "old", "level": None, "score": None,
                               "change": None}) + "\n")
    git(path, "branch", "-f", "release", "main")
    try:
        for by, base, level in (("bob", "main", "high"), ("carol", "release", "critical")):
            done = run("accept", "--repo", str(path), "--config", str(strict), "--base", base, "--head", head,
                       "--by", by, "--level", level, "--reason", f"{by} looked", "--audit-log", str(log))
            assert done.returncode == 0, done.stderr
        p, a = score(pr, model, "--config", str(strict), "--audit-log", str(log))
        v = a["verdict"]
        assert (v["level"], v["conclusion"], v["accepted"]) == ("critical", "action_required", None)
        assert "Acceptance by @bob ignored: it accepted high risk and this change is now critical risk." in v["notes"]
        assert ("Acceptance by @carol ignored: it was given for base branch 'release' and the pull request now "
                "targets 'main'.") in v["notes"]
        assert any(n.startswith("Acceptance by @alice ignored: it was recorded without the base branch and the level")
                   for n in v["notes"]), v["notes"]
        # each counts where it was given: bob's at high into main, carol's into release
        _, a = score(pr, model, "--config", str(lenient), "--audit-log", str(log))
        assert (a["verdict"]["level"], a["verdict"]["conclusion"], a["verdict"]["accepted"]["by"]) == ("high", "success", "bob")
        assert (a["verdict"]["accepted"]["base"], a["verdict"]["accepted"]["level"]) == ("main", "high")
        assert_valid(a)
        p = run("score", "--repo", str(path), "--base", "release", "--head", "feature",
                "--model", model, "--format", "json", "--config", str(strict), "--audit-log", str(log))
        v = json.loads(p.stdout)["verdict"]
        assert (v["conclusion"], v["accepted"]["by"], v["accepted"]["base"]) == ("success", "carol", "release")
    finally:
        git(path, "branch", "-D", "release")


def test_ignored_paths_are_left_out(score_of_buggy, model, tmp_path):
    syn, sha, _ = score_of_buggy
    config = tmp_path / "mergeguard.yml"
    config.write_text("ignore: [api/]\n")
    plain = json.loads(run("score", "--repo", str(syn.path), "--commit", sha, "--model", model,
                           "--format", "json").stdout)
    p = run("score", "--repo", str(syn.path), "--commit", sha, "--model", model, "--format", "json",
            "--config", str(config))
    a = json.loads(p.stdout)
    api = [x for x in plain["change"]["paths"] if x.startswith("api/")]
    assert api and a["change"]["files"] == plain["change"]["files"] - len(api)
    assert not any(x.startswith("api/") for x in a["change"]["paths"])
    assert any(n.startswith(f"{len(api)} path") and "ignored by the config" in n for n in a["verdict"]["notes"])


def test_unreachable_budget_never_crashes_and_is_stated(score_of_buggy, model, tmp_path):
    syn, sha, _ = score_of_buggy
    config = tmp_path / "mergeguard.yml"
    config.write_text("error_budget:\n  json: {file: %s}\n  tighten: {require: [{approvals: 1}]}\n"
                      % (tmp_path / "missing.json"))
    p = run("score", "--repo", str(syn.path), "--commit", sha, "--model", model, "--format", "json",
            "--config", str(config))
    assert p.returncode == 0, p.stderr
    v = json.loads(p.stdout)["verdict"]
    assert v["error_budget"]["state"] == "unavailable" and v["error_budget"]["tightened"]
    assert v["conclusion"] != "success" and [r["id"] for r in v["required_validations"]][-1] == "approvals:1"
    # a file outside the repository's work tree is not read at all (see tests/test_budget_access.py)
    assert any(n.startswith("Error budget unavailable") and "outside the repository's work tree" in n
               for n in v["notes"]), v["notes"]
    config.write_text("error_budget:\n  json: {file: ci/missing.json}\n  tighten: {require: [{approvals: 1}]}\n")
    p = run("score", "--repo", str(syn.path), "--commit", sha, "--model", model, "--format", "json",
            "--config", str(config))
    assert p.returncode == 0, p.stderr
    v = json.loads(p.stdout)["verdict"]
    assert v["error_budget"]["state"] == "unavailable" and v["error_budget"]["tightened"]
    assert any(n.startswith("Error budget unavailable") and "cannot read ci/missing.json" in n for n in v["notes"])


def test_percentile_thresholds_from_the_repositorys_own_history(score_of_buggy, model, tmp_path):
    syn, sha, _ = score_of_buggy
    config = tmp_path / "mergeguard.yml"
    config.write_text("thresholds: {mode: percentile, medium: 50, high: 80, critical: 95}\nhistory_commits: 40\n")
    p = run("score", "--repo", str(syn.path), "--commit", sha, "--model", model, "--format", "json",
            "--config", str(config))
    assert p.returncode == 0, p.stderr
    v = json.loads(p.stdout)["verdict"]
    assert any("percentiles of the scores of this repository's newest" in n for n in v["notes"])
    t = v["thresholds"]
    assert 0 < t["medium"] <= t["high"] <= t["critical"] < 1


@pytest.mark.parametrize("case", ["bad-config-file", "bad-config-in-repo", "bad-team"])
def test_bad_gate_input_exits_2_with_one_line(pr, model, tmp_path, case):
    path, _, _ = pr
    if case == "bad-config-file":
        bad = tmp_path / "bad.yml"
        bad.write_text("thresholds:\n  high: lots\n")
        args = ["score", "--repo", str(path), "--model", model, "--config", str(bad)]
    elif case == "bad-config-in-repo":
        git(path, "checkout", "-q", "-b", f"broken-{tmp_path.name}", "main")
        commit(path, {".github/mergeguard.yml": "thresolds: {high: 0.4}\n"}, "typo", when=WHEN + 3 * DAY)
        args = ["score", "--repo", str(path), "--base", f"broken-{tmp_path.name}", "--head", "feature", "--model", model]
        git(path, "checkout", "-q", "feature")
    else:
        args = ["score", "--repo", str(path), "--model", model, "--team", "sre=alice"]
    p = run(*args)
    assert p.returncode == 2, p.stdout
    err = p.stderr.strip()
    assert err.startswith("mergeguard: error: ") and "\n" not in err and "Traceback" not in err
    if case == "bad-config-in-repo":
        assert ":.github/mergeguard.yml:1:1: thresolds: unknown key; did you mean 'thresholds'?" in err
