"""review()/reverdict() and the check-run content every face posts, on a real repository and a real model."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mergeguard import checkrun
from mergeguard.assessment import Review
from mergeguard.audit import new_acceptance
from mergeguard.git import GitRepo
from mergeguard.models.model import load
from mergeguard.policy import PullRequestFacts
from mergeguard.render.markdown import markdown
from mergeguard.review import reverdict, review

from .gitrepo import commit, git

DAY = 86400
WHEN = 1_500_000_000 + 400 * DAY
CONFIG = """\
thresholds: {medium: 0.0001, high: 0.0002}
conclusions: {critical: action_required}
require:
  high: &risky [{approvals: 1}, {label: canary-planned}]
  critical: *risky
risk_acceptance:
  allowed: [alice]
"""


@pytest.fixture(scope="module")
def model(trained_model_dir):
    return load(str(trained_model_dir[0]))


@pytest.fixture(scope="module")
def pr(synthetic_repos, tmp_path_factory):
    syn = synthetic_repos[0]
    path = tmp_path_factory.mktemp("review") / "repo"
    git(path.parent, "clone", "-q", str(syn.path), str(path))
    base = commit(path, {".github/mergeguard.yml": CONFIG}, "Gate configuration", when=WHEN)
    git(path, "checkout", "-q", "-b", "feature")
    engine = (path / "core/engine0.py").read_text()
    added = "".join(f"    turbo_{i} = compute({i}) * factor\n" for i in range(90))
    head = commit(path, {"core/engine0.py": engine + "def turbo():\n" + added,
                         "proto/orders.proto": 'syntax = "proto3";\nmessage Order { string id = 1; }\n'},
                  "Add turbo mode", when=WHEN + DAY, author=("Dev", "dev@example.com"))
    return GitRepo(path), base, head


def test_review_is_what_score_base_head_prints(pr, model, trained_model_dir):
    repo, base, head = pr
    a = review(repo, "main", head, model=model, facts=PullRequestFacts(author="dev")).to_json()
    p = subprocess.run([sys.executable, "-m", "mergeguard.cli", "score", "--repo", str(repo.path), "--base", "main",
                        "--head", head, "--model", str(trained_model_dir[0]), "--format", "json", "--author", "dev"],
                       capture_output=True, text=True, timeout=300)
    cli = json.loads(p.stdout)
    assert a["score"] == cli["score"] and a["verdict"] == cli["verdict"]
    assert a["change"]["gate_base"] == base and a["verdict"]["conclusion"] == "action_required"
    assert any(f["kind"] == "coupling.contract" for f in a["findings"])


def test_reverdict_follows_new_facts_without_rescoring(pr, model):
    repo, base, head = pr
    a = review(repo, "main", head, model=model, facts=PullRequestFacts(author="dev")).to_json()
    satisfied = reverdict(repo, a, model=model, facts=PullRequestFacts(author="dev", approvals=("bob",),
                                                                       labels=("canary-planned",))).to_json()
    assert satisfied["score"] == a["score"] and satisfied["verdict"]["conclusion"] == "success"
    accepted = reverdict(repo, a, model=model, facts=PullRequestFacts(author="dev", base_branch="main"),
                         acceptances=[new_acceptance(head, "alice", "hotfix for the outage", base="main", level=a["level"])]).to_json()
    assert accepted["verdict"]["conclusion"] == "success" and accepted["verdict"]["accepted"]["by"] == "alice"
    # an acceptance pinned to another head does not carry over to new commits
    other = reverdict(repo, a, model=model, facts=PullRequestFacts(author="dev", base_branch="main"),
                      acceptances=[new_acceptance("0" * 40, "alice", "old head", base="main", level=a["level"])]).to_json()
    assert other["verdict"]["conclusion"] == "action_required"
    # nor does one given for this head into another branch
    retarget = reverdict(repo, a, model=model, facts=PullRequestFacts(author="dev", base_branch="release"),
                         acceptances=[new_acceptance(head, "alice", "hotfix", base="main", level=a["level"])]).to_json()
    assert retarget["verdict"]["conclusion"] == "action_required"


def test_check_run_content_matches_the_markdown_and_offers_the_right_actions(pr, model):
    repo, base, head = pr
    a = review(repo, "main", head, model=model, facts=PullRequestFacts(author="dev"))
    c = checkrun.content(a)
    assert c.conclusion == "action_required"
    assert c.title.startswith(a.verdict.level.capitalize() + " risk (") and "— action required: " in c.title
    assert a.to_json()["level"] == a.verdict.level and a.assessment.model_level in ("low", "medium", "high", "critical")
    assert c.summary == markdown(a, max_chars=checkrun.GITHUB_SUMMARY_LIMIT - 200)
    assert [x["identifier"] for x in c.actions] == [checkrun.ACCEPT_RISK, checkrun.RESCORE]
    assert all(len(x["label"]) <= 20 and len(x["description"]) <= 40 for x in c.actions)
    contract = [x for x in c.annotations if x["title"] == "coupling.contract"]
    assert contract and contract[0]["path"] == "proto/orders.proto" and contract[0]["start_line"] >= 1
    passed = checkrun.content(reverdict(repo, a.to_json(), model=model, facts=PullRequestFacts(
        author="dev", approvals=("bob",), labels=("canary-planned",))))
    assert passed.conclusion == "success" and [x["identifier"] for x in passed.actions] == [checkrun.RESCORE]


def test_check_run_limits_hold_for_hostile_sizes(pr, model):
    repo, base, head = pr
    a = review(repo, "main", head, model=model).to_json()
    a["findings"] = [{"kind": "retry.added", "category": "retry", "path": f"svc/f{i}.py", "line": i + 1,
                      "end_line": i + 1, "severity": ["info", "warning", "error"][i % 3],
                      "message": "x" * 70_000 if i == 0 else f"retry {i}"} for i in range(1_234)]
    c = checkrun.content(Review.from_json(a))
    assert len(c.summary) <= 65535 and len(c.text or "") <= 65535 and len(c.title) <= 255
    assert len(c.annotations) == checkrun.MAX_ANNOTATIONS and c.omitted_annotations == 1_234 - checkrun.MAX_ANNOTATIONS
    assert "1184 more annotations not shown" in c.summary
    batches = c.batches()
    assert len(batches) == 1 and all(len(b) <= 50 for b in batches)
    levels = [x["annotation_level"] for x in c.annotations]
    assert levels == sorted(levels, key=["failure", "warning", "notice"].index)  # most severe first
    assert all(len(x["message"].encode()) < 64 * 1024 for x in c.annotations)
    assert c.output(batches[0])["annotations"] == batches[0] and "annotations" not in c.output()


def test_a_failure_is_neutral_and_says_why():
    c = checkrun.failed("GitHub answered 502 three times\nwhile fetching the pull request")
    assert c.conclusion == "neutral" and "\n" not in c.title and "502" in c.summary
    assert [x["identifier"] for x in c.actions] == [checkrun.RESCORE]
