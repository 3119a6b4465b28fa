"""A refused "Accept risk" press is shown on the check run, against the local GitHub stand-in.

GitHub gives a ``requested_action`` no reply channel, so the only place the person who pressed the
button can learn why nothing happened is the check run itself. These tests press the button as
people the configuration or GitHub refuse, and read what the check run then says.
"""

from __future__ import annotations

from .test_app_serve import (NUMBER, REPO, app, drain, our_runs, post, pr_payload,  # noqa: F401 -- fixtures
                             pr_repo, stub)


def press(app, stub, login: str) -> None:
    payload = pr_payload(stub, "check_run", "requested_action", requested_action={"identifier": "accept_risk"})
    payload["sender"]["login"] = login
    assert post(app.test_client(), "check_run", payload).status_code == 202
    assert drain(app) == 1


def scored(app, stub):
    assert post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "opened")).status_code == 202
    assert drain(app) == 1
    (run,) = our_runs(stub)
    return run, run.data["output"]["summary"], len(run.annotations)


def test_a_press_by_someone_without_write_access_is_explained_on_the_check_run(app, stub):
    from mergeguard.app.web import runtime

    run, summary, n_annotations = scored(app, stub)
    press(app, stub, "mallory")  # listed in risk_acceptance.allowed, but GitHub says read
    pull = stub.repos[REPO].pulls[NUMBER]
    assert runtime(app).store.acceptances_for(REPO, pull.head_sha) == []
    (run,) = our_runs(stub)
    text = run.data["output"]["summary"]
    assert text.startswith("> **Accept risk refused:** @&#8203;mallory asked to accept the risk but has no write "
                           f"access to {REPO} (GitHub reports 'read').")
    assert text.endswith(summary)  # the verdict's own summary is kept under the note
    assert run.data["conclusion"] == "action_required"
    assert [a["identifier"] for a in run.data["actions"]] == ["accept_risk", "rescore"]
    assert len(run.annotations) == n_annotations  # not sent again (GitHub would append duplicates)
    assert stub.violations == []


def test_a_press_by_someone_the_config_does_not_list_names_the_config(app, stub):
    stub.repos[REPO].pulls[NUMBER].author = "erin"  # dev is not the author here: refused for the config alone
    scored(app, stub)
    press(app, stub, "dev")  # may write, but is not in risk_acceptance.allowed
    (run,) = our_runs(stub)
    text = run.data["output"]["summary"]
    assert "@&#8203;dev asked to accept the risk but is not allowed by risk\\_acceptance.allowed in " in text
    assert ":.github/mergeguard.yml." in text.splitlines()[0]  # <base>:.github/mergeguard.yml
    assert run.data["conclusion"] == "action_required"
    assert stub.violations == []


def test_an_allowed_press_afterwards_replaces_the_note(app, stub):
    from mergeguard.app.web import runtime

    stub.repos[REPO].pulls[NUMBER].author = "erin"
    scored(app, stub)
    press(app, stub, "dev")
    press(app, stub, "alice")
    (run,) = our_runs(stub)
    assert run.data["conclusion"] == "success"
    assert "Accept risk refused" not in run.data["output"]["summary"]
    assert "alice" in run.data["output"]["summary"]
    pull = stub.repos[REPO].pulls[NUMBER]
    assert [a["by"] for a in runtime(app).store.acceptances_for(REPO, pull.head_sha)] == ["alice"]
    assert stub.violations == []


def test_the_author_cannot_accept_the_risk_of_their_own_pull_request(app, stub):
    """alice is allowed to accept and may write, but she wrote this pull request (issue 11, item 3)."""
    from mergeguard.app.web import runtime

    pull = stub.repos[REPO].pulls[NUMBER]
    pull.author = "alice"
    scored(app, stub)
    press(app, stub, "alice")
    store = runtime(app).store
    assert store.acceptances_for(REPO, pull.head_sha) == []
    (run,) = our_runs(stub)
    text = run.data["output"]["summary"]
    assert text.startswith("> **Accept risk refused:** @&#8203;alice asked to accept the risk of their own pull request")
    assert run.data["conclusion"] == "action_required"
    # an acceptance recorded anyway (an old row, another path) still does not count for the author
    store.record_acceptance(REPO, NUMBER, pull.head_sha, "alice", "mine", base_ref="main", level="critical")
    assert post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "labeled")).status_code == 202
    assert drain(app) == 1
    (run,) = our_runs(stub)
    assert run.data["conclusion"] == "action_required"
    assert "the pull request's author cannot accept its own risk" in run.data["output"]["summary"] + run.data["output"].get("text", "")
    assert stub.violations == []
