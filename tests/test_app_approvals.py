"""Through the App: an approval of an earlier head does not carry over to a new push (issue 11, item 2)."""

from __future__ import annotations

from .gitrepo import git
from .test_app_serve import (NUMBER, REPO, app, drain, our_runs, post, pr_payload,  # noqa: F401 -- fixtures
                             pr_repo, stub)


def test_approve_then_push_a_riskier_change_needs_a_new_approval(app, stub, pr_repo):
    path, _ = pr_repo
    client = app.test_client()
    stub.label(REPO, NUMBER, "canary-planned", by="alice")  # a maintainer, not the author
    stub.add_review(REPO, NUMBER, "bob", "APPROVED")
    assert post(client, "pull_request", pr_payload(stub, "pull_request", "opened")).status_code == 202
    assert drain(app) == 1
    (approved,) = our_runs(stub)
    assert approved.data["conclusion"] == "success"  # bob's approval and the label satisfy the gate

    # a new commit on top of the approved head (made without moving any branch of the shared repository)
    old = stub.repos[REPO].pulls[NUMBER].head_sha
    tree = git(path, "rev-parse", f"{old}^{{tree}}").strip()
    new = git(path, "commit-tree", tree, "-p", old, "-m", "Riskier, after the approval").strip()
    stub.push(REPO, NUMBER, new)
    assert post(client, "pull_request", pr_payload(stub, "pull_request", "synchronize")).status_code == 202
    assert drain(app) == 1
    (run,) = [r for r in our_runs(stub) if r.data["head_sha"] == new]
    assert run.data["conclusion"] == "action_required"
    assert "no approvals yet" in run.data["output"]["summary"] + run.data["output"].get("text", "")

    stub.add_review(REPO, NUMBER, "bob", "APPROVED")  # bob reviews the new head
    assert post(client, "pull_request_review", pr_payload(stub, "pull_request_review", "submitted")).status_code == 202
    assert drain(app) == 1
    (run,) = [r for r in our_runs(stub) if r.data["head_sha"] == new]
    assert run.data["conclusion"] == "success"
    assert stub.violations == []
