"""Two ways around the App's gate, closed, against the local GitHub stand-in over real HTTP.

* A ``label`` validation counts the label only when its latest ``labeled`` event (GitHub's issue
  events) was made by someone other than the author, with triage access or more, and not by a bot.
* An acceptance is pinned to the base branch and the level it accepted, not only to the head: a
  retarget, or a stricter config on the base that makes the head critical, is a risk nobody accepted.
"""

from __future__ import annotations

import urllib.parse

import pytest

from .gitrepo import commit, git
from .test_app_accept import press
from .test_app_serve import (CONFIG, NUMBER, REPO, WHEN, app, drain, our_runs, post,  # noqa: F401 -- fixtures
                             pr_payload, pr_repo, stub)

LABEL = "canary-planned"


def stored_verdict(app) -> dict:
    from mergeguard.app.web import runtime

    return runtime(app).store.latest_assessment(REPO, pr_number=NUMBER)["assessment"]["verdict"]


def label_result(app) -> dict:
    (result,) = [r for r in stored_verdict(app)["required_validations"] if r["id"] == f"label:{LABEL}"]
    return result


def opened(app, stub) -> None:
    stub.add_review(REPO, NUMBER, "bob", "APPROVED")  # the approval the config asks for besides the label
    assert post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "opened")).status_code == 202
    assert drain(app) == 1


def relabelled(app, stub) -> dict:
    assert post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "labeled")).status_code == 202
    assert drain(app) == 1
    (run,) = our_runs(stub)
    return run.data


def text_of(run: dict) -> str:
    return run["output"]["summary"] + run["output"].get("text", "")


# -- labels -------------------------------------------------------------------------------------------


def test_a_label_the_author_added_does_not_count(app, stub):
    stub.label(REPO, NUMBER, LABEL, by="dev")  # dev wrote the pull request (and may write to the repository)
    opened(app, stub)
    (run,) = our_runs(stub)
    assert run.data["conclusion"] == "action_required"
    result = label_result(app)
    assert not result["satisfied"]
    assert result["detail"].startswith(f"label '{LABEL}' was added by the author, so it does not count")
    assert "was added by the author" in text_of(run.data)
    assert stub.violations == []


def test_a_label_a_maintainer_added_counts(app, stub):
    stub.label(REPO, NUMBER, LABEL, by="alice")  # write access, not the author
    opened(app, stub)
    (run,) = our_runs(stub)
    assert run.data["conclusion"] == "success"
    assert label_result(app) == {**label_result(app), "satisfied": True, "detail": "label present, added by @alice"}
    # one events listing and one permission look-up for the one label the config asks for
    assert len(stub.calls("GET", rf"/issues/{NUMBER}/events$")) == 1
    assert len(stub.calls("GET", r"/collaborators/alice/permission$")) == 1
    assert stub.violations == []


def test_the_author_re_adding_the_label_after_a_maintainer_does_not_count(app, stub):
    stub.label(REPO, NUMBER, LABEL, by="alice")
    opened(app, stub)
    assert our_runs(stub)[0].data["conclusion"] == "success"
    stub.unlabel(REPO, NUMBER, LABEL, by="dev")
    stub.label(REPO, NUMBER, LABEL, by="dev")  # the label is back, but the author put it there
    run = relabelled(app, stub)
    assert run["conclusion"] == "action_required"
    assert "was added by the author" in label_result(app)["detail"]
    stub.unlabel(REPO, NUMBER, LABEL, by="alice")
    stub.label(REPO, NUMBER, LABEL, by="alice")
    assert relabelled(app, stub)["conclusion"] == "success"
    assert stub.violations == []


@pytest.mark.parametrize("who, kind, role, why", [
    ("mallory", "User", None, "who has no triage access to the repository (GitHub reports 'read')"),
    ("eve", "User", None, "who has no triage access to the repository (GitHub reports 'none')"),
    ("ci-bot[bot]", "Bot", None, "an App or bot account"),
    ("tina", "User", "triage", None),
])
def test_only_people_the_repository_let_in_label_for_the_gate(app, stub, who, kind, role, why):
    stub.add_account(who, kind=kind)
    if role:
        stub.repos[REPO].collaborators[who] = role
    stub.label(REPO, NUMBER, LABEL, by=who)
    opened(app, stub)
    result = label_result(app)
    assert result["satisfied"] is (why is None)
    if why:
        assert why in result["detail"]
    assert stub.violations == []


def test_events_the_app_cannot_read_fail_closed(app, stub):
    """The installation lacks the permission to read issue events: the label does not count, and the
    check run says why; nothing else fails."""
    stub.label(REPO, NUMBER, LABEL, by="alice")
    stub.fail("GET", rf"/issues/{NUMBER}/events$", 403, times=1,
              body={"message": "Resource not accessible by integration", "documentation_url": "x"})
    opened(app, stub)
    (run,) = our_runs(stub)
    assert run.data["conclusion"] == "action_required"
    detail = label_result(app)["detail"]
    assert detail.startswith(f"label '{LABEL}' cannot be traced to whoever added it (GitHub GET events of "
                             f"{REPO}#{NUMBER} failed: HTTP 403 (Resource not accessible by integration))")
    assert stub.violations == []
    # readable again: the next re-decision counts the label
    assert relabelled(app, stub)["conclusion"] == "success"


def test_many_events_are_read_newest_first_within_a_bound(app, stub):
    """A long-lived pull request: the maintainer's label is buried under hundreds of events and the
    author re-added it since. The newest pages decide, and the listing stops once they do."""
    stub.label(REPO, NUMBER, LABEL, by="alice")
    stub.add_events(REPO, NUMBER, 450)
    stub.unlabel(REPO, NUMBER, LABEL, by="dev")
    stub.label(REPO, NUMBER, LABEL, by="dev")
    stub.add_events(REPO, NUMBER, 30)
    opened(app, stub)
    assert label_result(app)["satisfied"] is False and "by the author" in label_result(app)["detail"]
    pages = [dict(urllib.parse.parse_qsl(c.query)) for c in stub.calls("GET", rf"/issues/{NUMBER}/events$")]
    assert pages == [{"per_page": "100"}, {"per_page": "100", "page": "5"}]  # the first page (its links), the last
    # the maintainer's own label under the same pile: found on the first page after walking back
    stub.unlabel(REPO, NUMBER, LABEL, by="dev")
    stub.add_events(REPO, NUMBER, 20)
    stub.label(REPO, NUMBER, LABEL, by="alice")
    assert relabelled(app, stub)["conclusion"] == "success"
    assert stub.violations == []


def test_no_events_are_listed_when_the_config_asks_for_no_label_the_pull_request_has(app, stub):
    stub.label(REPO, NUMBER, "docs", by="dev")
    opened(app, stub)
    assert stub.calls("GET", r"/issues/\d+/events$") == []
    assert stub.violations == []


# -- acceptances ----------------------------------------------------------------------------------------


def retarget(app, stub, path, branch: str) -> None:
    """The pull request is retargeted to ``branch`` (GitHub sends ``edited`` with ``changes.base``)."""
    pull = stub.repos[REPO].pulls[NUMBER]
    pull.base_ref, pull.base_sha = branch, git(path, "rev-parse", branch).strip()
    payload = pr_payload(stub, "pull_request", "opened")  # GitHub's examples have no "edited": the same shape
    payload.update(action="edited", changes={"base": {"ref": {"from": "main"}, "sha": {"from": "0" * 40}}})
    payload["pull_request"]["base"]["ref"] = branch
    assert post(app.test_client(), "pull_request", payload).status_code == 202
    assert drain(app) == 1


def test_an_acceptance_does_not_follow_a_retarget(app, stub, pr_repo):
    from mergeguard.app.web import runtime

    path, _ = pr_repo
    git(path, "branch", "-f", "release", "main")  # the same config: only the base branch differs
    try:
        opened(app, stub)
        press(app, stub, "alice")
        assert our_runs(stub)[0].data["conclusion"] == "success"
        (row,) = runtime(app).store.acceptances_for(REPO, stub.repos[REPO].pulls[NUMBER].head_sha)
        assert (row["base_ref"], row["level"]) == ("main", stored_verdict(app)["level"])
        retarget(app, stub, path, "release")
        (run,) = our_runs(stub)
        verdict = stored_verdict(app)
        assert run.data["conclusion"] == "action_required" and verdict["accepted"] is None
        assert ("Acceptance by @alice ignored: it was given for base branch 'main' and the pull request now targets "
                "'release'.") in verdict["notes"]
        press(app, stub, "alice")  # accepted again, for the new base
        assert our_runs(stub)[0].data["conclusion"] == "success"
        assert stored_verdict(app)["accepted"]["base"] == "release"
    finally:
        stub.repos[REPO].pulls[NUMBER].base_ref = "main"
        git(path, "branch", "-D", "release")


def test_an_acceptance_of_high_risk_does_not_cover_critical_after_a_stricter_config(app, stub, pr_repo):
    path, _ = pr_repo
    lenient = CONFIG.replace("thresholds: {medium: 0.0001, high: 0.0002}",
                             "thresholds: {medium: 0.0001, high: 0.0002, critical: 0.99999}")
    git(path, "branch", "-f", "gate-test", "main")
    git(path, "checkout", "-q", "gate-test")
    try:
        commit(path, {".github/mergeguard.yml": lenient}, "Lenient gate", when=WHEN + 2 * 86400)
        git(path, "checkout", "-q", "main")
        retarget_base(stub, path, "gate-test")
        opened(app, stub)
        assert stored_verdict(app)["level"] == "high"
        press(app, stub, "alice")
        assert our_runs(stub)[0].data["conclusion"] == "success"
        # the base tightens: the same head is now critical, which nobody accepted
        git(path, "checkout", "-q", "gate-test")
        commit(path, {".github/mergeguard.yml": lenient.replace("critical: 0.99999", "critical: 0.0003")},
               "Strict gate", when=WHEN + 3 * 86400)
        git(path, "checkout", "-q", "main")
        assert post(app.test_client(), "check_run", pr_payload(stub, "check_run", "rerequested")).status_code == 202
        assert drain(app) == 1
        verdict = stored_verdict(app)
        assert verdict["level"] == "critical" and verdict["conclusion"] == "action_required"
        assert verdict["accepted"] is None
        assert "Acceptance by @alice ignored: it accepted high risk and this change is now critical risk." in verdict["notes"]
        assert "it accepted high risk and this change is now critical risk" in text_of(our_runs(stub)[0].data)
    finally:
        git(path, "checkout", "-q", "main")
        stub.repos[REPO].pulls[NUMBER].base_ref = "main"
        git(path, "branch", "-D", "gate-test")


def retarget_base(stub, path, branch: str) -> None:
    pull = stub.repos[REPO].pulls[NUMBER]
    pull.base_ref, pull.base_sha = branch, git(path, "rev-parse", branch).strip()


def test_an_acceptance_row_from_before_the_pinning_accepts_nothing(app, stub):
    """Rows an older version wrote have no base branch or level: they count for nothing, and say so;
    pressing the button again records a pinned one (the old row does not block it)."""
    from mergeguard.app.web import runtime

    opened(app, stub)
    pull = stub.repos[REPO].pulls[NUMBER]
    store = runtime(app).store
    store.record_acceptance(REPO, NUMBER, pull.head_sha, "alice", "before the upgrade", base_ref=None, level=None)
    run = relabelled(app, stub)
    assert run["conclusion"] == "action_required"
    assert any(n.startswith("Acceptance by @alice ignored: it was recorded without the base branch and the level")
               for n in stored_verdict(app)["notes"])
    press(app, stub, "alice")
    assert our_runs(stub)[0].data["conclusion"] == "success"
    assert [(r["base_ref"], r["level"]) for r in store.acceptances_for(REPO, pull.head_sha)][-1][0] == "main"
    assert stub.violations == []
