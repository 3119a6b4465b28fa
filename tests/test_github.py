"""GitHub access (PyGithub) against the local stand-in: real HTTP, real JWTs, injected faults."""

from __future__ import annotations

import time

import pytest
import requests
from github import GithubException

from mergeguard.github_api import (
    ANNOTATIONS_PER_REQUEST, AppCredentials, GitHubClient, GitHubError, InstallationTokens, PermissionDenied,
    clip_output,
)
from mergeguard.retry import RetryWaitTooLong, call_with_retries, is_retryable
from mergeguard.errors import MergeguardError

from .ghstub import GitHubStub, rsa_keypair
from .gitrepo import commit, git, init_repo

APP_ID = 77


@pytest.fixture(scope="module")
def keys():
    return rsa_keypair()


@pytest.fixture
def work(tmp_path):
    w = init_repo(tmp_path / "w")
    commit(w, {"a.py": "x = 1\n"}, "c1")
    git(w, "checkout", "-q", "-b", "feat")
    commit(w, {"a.py": "x = 2\n", "b.py": "y = 1\n"}, "c2", when=1_700_000_100)
    git(w, "checkout", "-q", "main")
    return w


@pytest.fixture
def stub(keys, work):
    with GitHubStub(app_id=APP_ID, app_public_key_pem=keys[1]) as s:
        s.add_installation(5, "octo")
        s.add_repo("octo/svc", work, collaborators={"bob": "maintain", "carol": "write", "dave": "triage"})
        s.add_pull("octo/svc", 3, head="feat", title="Fix it", body="why", author="erin", labels=["risky", "db"])
        yield s


class Waits(list):
    """A fake sleep that records the waits it was asked for."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def waits():
    return Waits()


@pytest.fixture
def client(stub, keys, waits):
    # the token's own retries wait apart: ``waits`` is what the API call under test waited, even when a
    # loaded machine makes minting the token retry
    tokens = InstallationTokens(AppCredentials(APP_ID, keys[0], stub.url), retry={"sleep": Waits()})
    c = GitHubClient.for_installation(tokens, 5, retry={"sleep": waits, "rng": lambda: 1.0})
    yield c
    c.close()


def _annotations(n: int) -> list[dict]:
    return [{"path": "a.py", "start_line": i + 1, "end_line": i + 1, "annotation_level": "warning",
             "message": f"risk {i}", "title": "hotspot"} for i in range(n)]


# -- tokens ---------------------------------------------------------------------------------------


def test_installation_token_is_cached_and_refreshed_before_expiry(stub, keys):
    now = [time.time()]
    tokens = InstallationTokens(AppCredentials(APP_ID, keys[0], stub.url), clock=lambda: now[0])
    first = tokens.token(5)
    assert tokens.token(5) == first
    assert len(stub.calls("POST", "/access_tokens$")) == 1
    # the expiry GitHub sent (whole seconds), not the test's start: minting may take seconds on a busy machine
    expires = int(stub.tokens[first][1])
    now[0] = expires - 301  # still more than 5 minutes left
    assert tokens.token(5) == first
    now[0] = expires - 299  # within 5 minutes of expiry: renew
    second = tokens.token(5)
    assert second != first and len(stub.calls("POST", "/access_tokens$")) == 2
    assert stub.violations == []


def test_concurrent_jobs_share_one_token(stub, keys):
    import threading

    tokens = InstallationTokens(AppCredentials(APP_ID, keys[0], stub.url))
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(tokens.token(5))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)  # a wedged mint fails the test instead of holding the suite
    assert not any(t.is_alive() for t in threads)
    assert len(got) == 8 and len(set(got)) == 1
    assert len(stub.calls("POST", "/access_tokens$")) == 1


def test_token_is_sent_on_api_calls(client, stub):
    client.pull_request("octo/svc", 3)
    call = stub.calls("GET", r"/pulls/3$")[0]
    token = call.headers["Authorization"].split()[1]
    assert token in stub.tokens and stub.tokens[token][0] == 5


def test_jwt_from_another_key_is_rejected(stub):
    other_private, _ = rsa_keypair()
    tokens = InstallationTokens(AppCredentials(APP_ID, other_private, stub.url))
    with pytest.raises(GitHubError, match="token for installation 5 failed: HTTP 401") as info:
        tokens.token(5)
    assert isinstance(info.value, MergeguardError) and not isinstance(info.value, PermissionDenied)
    assert len(stub.calls("POST", "/access_tokens$")) == 1  # 401 is final


def test_installation_lookup(stub, keys):
    assert InstallationTokens(AppCredentials(APP_ID, keys[0], stub.url)).installation_for("octo/svc") == 5


# -- pull request facts ----------------------------------------------------------------------------


def test_pull_request_info(client, stub, work):
    pr = client.pull_request("octo/svc", 3)
    assert (pr.number, pr.title, pr.body, pr.author) == (3, "Fix it", "why", "erin")
    assert pr.base_ref == "main" and pr.base_sha == git(work, "rev-parse", "main").strip()
    assert pr.head_ref == "feat" and pr.head_sha == git(work, "rev-parse", "feat").strip()
    assert pr.labels == ("risky", "db") and pr.draft is False
    assert pr.clone_url == stub.clone_url("octo/svc") and pr.head_repo == "octo/svc" and not pr.from_fork
    assert {(f.filename, f.status, f.additions, f.deletions) for f in client.files("octo/svc", 3)} == {
        ("a.py", "modified", 1, 1), ("b.py", "added", 1, 0)}


def test_commits_name_the_github_accounts_behind_their_e_mails(client, stub, work):
    from .gitrepo import DEFAULT_AUTHOR

    assert [(c.author_login, c.author_type) for c in client.commits("octo/svc", 3)] == [(None, None)]  # unlinked
    stub.add_account("copilot-swe-agent[bot]", emails=[DEFAULT_AUTHOR[1].upper()], kind="Bot")
    stub.add_account("Copilot", kind="Bot")
    stub.repos["octo/svc"].pulls[3].author = "Copilot"
    (c,) = client.commits("octo/svc", 3)
    assert c.sha == git(work, "rev-parse", "feat").strip()
    assert (c.author_login, c.author_type, c.committer_login) == ("copilot-swe-agent[bot]", "Bot", "copilot-swe-agent[bot]")
    pr = client.pull_request("octo/svc", 3)
    assert (pr.author, pr.author_type) == ("Copilot", "Bot")
    assert stub.violations == []


def test_fork_pull_request_reports_the_head_repository(client, stub):
    stub.add_pull("octo/svc", 4, head="feat", head_full_name="mallory/svc")
    pr = client.pull_request("octo/svc", 4)
    assert pr.head_repo == "mallory/svc" and pr.from_fork


def test_approvals_use_each_reviewers_latest_decision(client, stub):
    stub.add_review("octo/svc", 3, "bob", "APPROVED")
    stub.add_review("octo/svc", 3, "bob", "COMMENTED")  # a later comment keeps the approval
    stub.add_review("octo/svc", 3, "carol", "APPROVED")
    stub.add_review("octo/svc", 3, "carol", "DISMISSED")
    stub.add_review("octo/svc", 3, "dave", "APPROVED")
    stub.add_review("octo/svc", 3, "dave", "CHANGES_REQUESTED")
    stub.add_review("octo/svc", 3, "frank", "CHANGES_REQUESTED")
    stub.add_review("octo/svc", 3, "frank", "APPROVED")
    head = stub.repos["octo/svc"].pulls[3].head_sha
    assert client.approvals("octo/svc", 3, head) == ("bob", "frank")


def test_an_approval_counts_only_for_the_head_it_reviewed(client, stub, work):
    """Approve, then push a riskier change: the approval of the old head no longer counts (issue 11, item 2)."""
    old = stub.repos["octo/svc"].pulls[3].head_sha
    stub.add_review("octo/svc", 3, "bob", "APPROVED")
    stub.add_review("octo/svc", 3, "carol", "APPROVED")
    assert client.approvals("octo/svc", 3, old) == ("bob", "carol")
    git(work, "checkout", "-q", "feat")
    commit(work, {"a.py": "import os\nos.system('rm -rf /')\n"}, "c3", when=1_700_000_200)
    git(work, "checkout", "-q", "main")
    new = stub.push("octo/svc", 3, "feat")
    assert new != old
    assert client.approvals("octo/svc", 3, new) == ()  # both approved the old head only
    stub.add_review("octo/svc", 3, "carol", "COMMENTED")  # a comment on the new head re-approves nothing
    assert client.approvals("octo/svc", 3, new) == ()
    stub.add_review("octo/svc", 3, "carol", "APPROVED")  # approving the new head counts
    assert client.approvals("octo/svc", 3, new) == ("carol",)
    assert client.approvals("octo/svc", 3, new.upper()) == ("carol",)  # shas compare case-insensitively
    stub.add_review("octo/svc", 3, "bob", "APPROVED", commit_id=old)  # submitted late, on a page showing the old head
    assert client.approvals("octo/svc", 3, new) == ("carol",)
    assert stub.violations == []


def test_user_permission_reports_fine_grained_roles(client):
    assert client.user_permission("octo/svc", "bob") == "maintain"
    assert client.user_permission("octo/svc", "carol") == "write"
    assert client.user_permission("octo/svc", "dave") == "triage"
    assert client.user_permission("octo/svc", "nobody") == "none"


# -- check runs -----------------------------------------------------------------------------------


def test_check_run_with_120_annotations_goes_in_batches_of_50(client, stub):
    sha = client.pull_request("octo/svc", 3).head_sha
    run = client.create_check_run("octo/svc", sha, "mergeguard", external_id="job-1")
    actions = [{"label": "Rescore", "description": "Score this change again", "identifier": "rescore"}]
    n = client.complete_check_run("octo/svc", run, "neutral", {"title": "Risk: high", "summary": "s", "text": "t"},
                                  _annotations(120), actions)
    patches = stub.calls("PATCH", rf"/check-runs/{run}$")
    assert n == 3 and len(patches) == 3
    sizes = [len(p.json["output"].get("annotations", [])) for p in patches]
    assert sizes == [50, 50, 20] and max(sizes) <= ANNOTATIONS_PER_REQUEST
    assert patches[0].json["conclusion"] == "neutral" and patches[0].json["actions"] == actions
    assert all(p.json["output"]["title"] == "Risk: high" and p.json["output"]["summary"] == "s" for p in patches)
    assert stub.violations == []
    stored = stub.check_runs[run]
    assert stored.data["status"] == "completed" and stored.data["conclusion"] == "neutral"
    assert [a["message"] for a in stored.annotations] == [f"risk {i}" for i in range(120)]
    token = patches[0].headers["Authorization"].split()[1]
    listed = requests.get(f"{stub.url}/repos/octo/svc/check-runs/{run}/annotations?per_page=100",
                    headers={"Authorization": f"token {token}"})
    assert len(listed.json()) == 100 and 'rel="next"' in listed.headers["Link"]


def test_check_run_is_found_and_reused_not_duplicated(client, stub):
    sha = client.pull_request("octo/svc", 3).head_sha
    assert client.find_check_run("octo/svc", sha, "mergeguard", app_id=APP_ID) is None
    first = client.ensure_check_run("octo/svc", sha, "mergeguard", app_id=APP_ID)
    again = client.ensure_check_run("octo/svc", sha, "mergeguard", app_id=APP_ID)
    assert first == again and len(stub.calls("POST", r"/check-runs$")) == 1
    assert client.find_check_run("octo/svc", sha, "mergeguard", app_id=APP_ID + 1) is None
    assert client.find_check_run("octo/svc", sha, "other-check") is None
    client.update_check_run("octo/svc", first, status="in_progress", output={"title": "Scoring", "summary": "…"})
    assert stub.check_runs[first].data["output"]["title"] == "Scoring"
    assert stub.violations == []


def test_check_run_on_unknown_sha_is_a_clear_error(client):
    with pytest.raises(GitHubError, match="POST check run on octo/svc@000000000000 failed: HTTP 422"):
        client.create_check_run("octo/svc", "0" * 40, "mergeguard")


def test_action_token_without_checks_permission_raises_permission_denied(keys, work):
    with GitHubStub(app_id=APP_ID, app_public_key_pem=keys[1], github_token="ghp_action", checks_write=False) as s:
        s.add_repo("octo/svc", work)
        s.add_pull("octo/svc", 3, head="feat")
        c = GitHubClient("ghp_action", s.url)
        pr = c.pull_request("octo/svc", 3)
        with pytest.raises(PermissionDenied, match="HTTP 403 \\(Resource not accessible by integration\\)"):
            c.create_check_run("octo/svc", pr.head_sha, "mergeguard")
        assert len(s.calls("POST", r"/check-runs$")) == 1  # a refusal is not retried
        assert s.violations == []


def test_action_token_with_checks_permission_creates_a_github_actions_run(keys, work):
    with GitHubStub(app_id=APP_ID, app_public_key_pem=keys[1], github_token="ghp_action") as s:
        s.add_repo("octo/svc", work)
        s.add_pull("octo/svc", 3, head="feat")
        c = GitHubClient("ghp_action", s.url)
        sha = c.pull_request("octo/svc", 3).head_sha
        run = c.create_check_run("octo/svc", sha, "mergeguard")
        assert c.find_check_run("octo/svc", sha, "mergeguard", app_id=APP_ID) is None
        assert c.find_check_run("octo/svc", sha, "mergeguard") == run


# -- retries --------------------------------------------------------------------------------------


def test_two_server_errors_then_success(client, stub, waits):
    stub.fail("GET", r"/pulls/3$", 500, times=2)
    assert client.pull_request("octo/svc", 3).number == 3
    assert [c.status for c in stub.calls("GET", r"/pulls/3$")] == [500, 500, 200]
    assert waits == [0.5, 1.0]  # rng=1.0: the full backoff, doubling


def test_primary_rate_limit_waits_until_reset(client, stub, waits):
    reset = int(time.time()) + 20
    stub.fail("GET", r"/pulls/3$", 403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
              body={"message": "API rate limit exceeded for installation ID 5."})
    before = time.time()
    assert client.pull_request("octo/svc", 3).number == 3
    after = time.time()
    # until the reset (+1 s: it is whole seconds) as seen when the answer came, however long the call took
    assert len(waits) == 1 and reset - after + 1 <= waits[0] <= reset - before + 1


def test_secondary_rate_limit_honours_retry_after(client, stub, waits):
    stub.fail("POST", r"/check-runs$", 429, headers={"Retry-After": "1"})
    stub.fail("POST", r"/check-runs$", 403, headers={"Retry-After": "2"},
              body={"message": "You have exceeded a secondary rate limit."})
    sha = client.pull_request("octo/svc", 3).head_sha
    client.create_check_run("octo/svc", sha, "mergeguard")
    assert waits == [1.0, 2.0]
    assert [c.status for c in stub.calls("POST", r"/check-runs$")] == [429, 403, 201]


def test_rate_limit_reset_too_far_away_gives_up_at_once(client, stub, waits):
    stub.fail("GET", r"/pulls/3$", 403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 3600)},
              body={"message": "API rate limit exceeded"})
    with pytest.raises(GitHubError, match="GET pull request octo/svc#3 failed: .*giving up") as info:
        client.pull_request("octo/svc", 3)
    assert not isinstance(info.value, PermissionDenied) and waits == []


def test_permanent_server_error_gives_up_after_bounded_attempts(client, stub, waits):
    stub.fail("GET", r"/pulls/3$", 502, times=100)
    with pytest.raises(GitHubError, match=r"GET pull request octo/svc#3 failed: HTTP 502") as info:
        client.pull_request("octo/svc", 3)
    assert info.value.status == 502
    assert len(stub.calls("GET", r"/pulls/3$")) == 5 and len(waits) == 4
    assert waits == sorted(waits) and max(waits) <= 30


def test_not_found_is_not_retried(client, stub, waits):
    with pytest.raises(GitHubError, match="HTTP 404") as info:
        client.pull_request("octo/svc", 99)
    assert info.value.status == 404 and waits == []
    assert len(stub.calls("GET", r"/pulls/99$")) == 1


def test_connection_errors_are_retried_then_reported(waits):
    closed = GitHubClient("t", "http://127.0.0.1:9", retry={"sleep": waits, "attempts": 3})
    with pytest.raises(GitHubError, match="GET pull request o/r#1 failed: ConnectionError"):
        closed.pull_request("o/r", 1)
    assert len(waits) == 2


def test_retry_policy_classification():
    def exc(status, headers=None, message="x"):
        return GithubException(status, {"message": message}, headers or {})
    assert is_retryable(exc(500)) and is_retryable(exc(503)) and is_retryable(exc(429))
    assert is_retryable(exc(403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1"}))
    assert is_retryable(exc(403, message="You have exceeded a secondary rate limit"))
    assert not is_retryable(exc(403, message="Resource not accessible by integration"))
    assert not is_retryable(exc(404)) and not is_retryable(exc(422)) and not is_retryable(ValueError())
    assert is_retryable(requests.ConnectionError()) and is_retryable(requests.Timeout())
    calls = []
    with pytest.raises(RetryWaitTooLong):
        call_with_retries(lambda: calls.append(1) or (_ for _ in ()).throw(exc(429, {"Retry-After": "600"})),
                          sleep=lambda s: None)
    assert calls == [1]
    with pytest.raises(ValueError):
        call_with_retries(lambda: 1, attempts=0)


def test_jitter_stays_within_the_capped_exponential():
    waits = Waits()
    with pytest.raises(GithubException):
        call_with_retries(lambda: (_ for _ in ()).throw(GithubException(500, {}, {})), attempts=8, base=1, cap=4,
                          sleep=waits, rng=lambda: 0.999)
    assert len(waits) == 7 and all(w < 4 for w in waits) and waits[0] < 1 and waits[-1] > 3.9


# -- limits ---------------------------------------------------------------------------------------


def test_clip_output_enforces_github_limits():
    big = "é" * 70_000
    out, anns, acts = clip_output(
        {"title": "t" * 300, "summary": big, "text": big},
        [{"path": "a", "start_line": 1, "end_line": 1, "annotation_level": "notice", "message": big,
          "raw_details": big, "title": "x" * 300}],
        [{"label": "L" * 30, "description": "D" * 50, "identifier": "I" * 30}] * 4,
    )
    assert len(out["title"]) == 255 and len(out["summary"]) == 65535 and len(out["text"]) == 65535
    assert out["summary"].endswith("(truncated)")
    assert len(anns[0]["message"].encode()) <= 65535 and len(anns[0]["raw_details"].encode()) <= 65535
    assert len(anns[0]["title"]) == 255
    assert len(acts) == 3 and all(len(a["label"]) == 20 and len(a["description"]) == 40 and len(a["identifier"]) == 20 for a in acts)
    small = {"title": "ok", "summary": "fine"}
    assert clip_output(small)[0] == small


def test_clipped_oversized_output_is_accepted(client, stub):
    sha = client.pull_request("octo/svc", 3).head_sha
    run = client.create_check_run("octo/svc", sha, "mergeguard")
    client.complete_check_run("octo/svc", run, "failure", {"title": "T", "summary": "s" * 100_000, "text": "x" * 70_000},
                              _annotations(1), [{"label": "A very long label here", "description": "d", "identifier": "id"}] * 5)
    assert stub.violations == []
    assert len(stub.check_runs[run].data["output"]["summary"]) == 65535
    # Unclipped, the same update is refused: the limits are GitHub's, not ours.
    token = stub.calls("PATCH", rf"/check-runs/{run}$")[0].headers["Authorization"]
    raw = requests.patch(f"{stub.url}/repos/octo/svc/check-runs/{run}", headers={"Authorization": token},
                         json={"output": {"title": "T", "summary": "s" * 100_000}})
    assert raw.status_code == 422 and "summary" in raw.json()["message"]


# -- who added a label ---------------------------------------------------------------------------------


def test_label_provenance_from_the_latest_labeled_event(client, stub):
    """bob (maintain) labels, erin (the author) re-adds 'risky'; dave (triage) labels 'db' after erin
    opened with it. One listing, one permission look-up per other person who added a wanted label."""
    stub.unlabel("octo/svc", 3, "risky", by="bob")
    stub.label("octo/svc", 3, "risky", by="bob")
    stub.unlabel("octo/svc", 3, "risky", by="erin")
    stub.label("octo/svc", 3, "risky", by="erin")
    stub.unlabel("octo/svc", 3, "db", by="dave")
    stub.label("octo/svc", 3, "db", by="dave")
    found = client.label_provenance("octo/svc", 3, ["Risky", "db", "absent"], "erin")
    assert found.error is None
    assert found.adder("risky").why == "was added by the author" and not found.adder("risky").counts
    assert found.adder("DB").counts and found.adder("db").why == "added by @dave"
    assert not found.adder("absent").counts and "no event adding it" in found.adder("absent").why
    assert len(stub.calls("GET", r"/issues/3/events$")) == 1
    assert [c.path.split("/")[-2] for c in stub.calls("GET", r"/permission$")] == ["dave"]
    assert client.label_provenance("octo/svc", 3, [], "erin") == type(found)()  # nothing asked: no call
    assert len(stub.calls("GET", r"/issues/3/events$")) == 1
    assert stub.violations == []


def test_label_provenance_fails_closed_after_retries(client, stub, waits):
    stub.label("octo/svc", 3, "qa", by="bob")
    stub.fail("GET", r"/issues/3/events$", 500, times=100)
    found = client.label_provenance("octo/svc", 3, ["qa"], "erin")
    assert found.error == "GitHub GET events of octo/svc#3 failed: HTTP 500 (injected fault 500)"
    assert not found.adder("qa").counts and len(waits) == 4  # retried as every call is, then closed
    # a failed permission look-up closes it too
    stub._faults.clear()
    stub.fail("GET", r"/collaborators/bob/permission$", 502, times=100)
    assert "HTTP 502" in (client.label_provenance("octo/svc", 3, ["qa"], "erin").error or "")


def test_label_events_without_a_last_link_are_read_forwards_within_the_bound(client, stub):
    """Without a ``last`` link the pages are read in order; a listing cut at the bound cannot say which
    event is the latest, so it is an error (the gate then counts no label), never a guess."""
    stub.omit_last_link = True
    stub.label("octo/svc", 3, "qa", by="bob")
    stub.add_events("octo/svc", 3, 230)
    stub.unlabel("octo/svc", 3, "qa", by="erin")
    stub.label("octo/svc", 3, "qa", by="erin")
    found = client.label_provenance("octo/svc", 3, ["qa"], "erin")
    assert found.adder("qa").why == "was added by the author"
    assert len(stub.calls("GET", r"/issues/3/events$")) == 3  # 233 events: pages 1, 2, 3
    events, problem = client.label_events("octo/svc", 3, ["qa"], max_pages=2)
    assert problem == "more than 200 events on the pull request"
    assert stub.violations == []
