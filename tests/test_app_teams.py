"""Team membership in the App (app/teams.py, GitHubClient.team_members): asked of the GitHub stand-in
over HTTP, paginated, cached, and refusals turned into notes the reviewer reads -- never silently
counted as approvals."""

from __future__ import annotations

import pytest

from mergeguard.github_api import AppCredentials, GitHubClient, GitHubError, InstallationTokens
from mergeguard.app.teams import TeamDirectory

from .ghstub import GitHubStub, rsa_keypair
from .test_github import Waits

APP_ID = 4242


@pytest.fixture(scope="module")
def keys():
    return rsa_keypair()


@pytest.fixture
def stub(keys):
    with GitHubStub(app_id=APP_ID, app_public_key_pem=keys[1]) as s:
        s.add_installation(5, "octo")
        s.add_installation(6, "octo", members_read=False)
        s.add_team("octo", "core", ["Alice", "bob"])
        s.add_team("octo", "everyone", [f"user{i:03d}" for i in range(130)])  # two pages of 100
        s.add_team("octo", "hidden", ["eve"], secret=True)
        yield s


def client(stub, keys, installation: int) -> GitHubClient:
    waits = Waits()
    tokens = InstallationTokens(AppCredentials(APP_ID, keys[0], stub.url), retry={"sleep": waits})
    return GitHubClient.for_installation(tokens, installation, retry={"sleep": waits, "rng": lambda: 1.0})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_members_come_from_github_across_pages(stub, keys):
    gh = client(stub, keys, 5)
    assert gh.team_members("octo", "core") == ("Alice", "bob")
    everyone = gh.team_members("octo", "everyone")
    assert len(everyone) == 130 and everyone[0] == "user000" and everyone[-1] == "user129"
    assert len(stub.calls("GET", r"^/orgs/octo/teams/everyone/members$")) == 2
    assert stub.violations == []


def test_teams_are_cached_per_installation_until_the_ttl_passes(stub, keys):
    clock = Clock()
    directory = TeamDirectory(ttl=300, clock=clock)
    gh = client(stub, keys, 5)
    teams, notes = directory.resolve(gh, 5, ["@octo/core"])
    assert teams == {"@octo/core": ("Alice", "bob")} and notes == ()
    directory.resolve(gh, 5, ["@Octo/Core"])  # same team, other spelling: cached
    assert directory.lookups == 1
    stub.teams[("octo", "core")]["members"].append("carol")
    clock.now += 301
    teams, _ = directory.resolve(gh, 5, ["@octo/core"])
    assert teams["@octo/core"] == ("Alice", "bob", "carol") and directory.lookups == 2


def test_a_missing_permission_or_a_hidden_team_counts_nobody_and_says_why(stub, keys):
    directory = TeamDirectory()
    teams, notes = directory.resolve(client(stub, keys, 6), 6, ["@octo/core"])
    assert teams == {}
    assert notes == ("Team @octo/core counts nobody here: GitHub refused to list its members (the App needs "
                     "the Members: read organization permission).",)
    teams, notes = directory.resolve(client(stub, keys, 5), 5, ["@octo/hidden", "@octo/nope", "@octo/core"])
    assert list(teams) == ["@octo/core"]
    assert [n.split(":")[0] for n in notes] == ["Team @octo/hidden counts nobody here", "Team @octo/nope counts nobody here"]
    assert all("no such team, or it is secret" in n for n in notes)


def test_github_trouble_is_raised_so_the_job_is_retried_and_not_decided_without_the_team(stub, keys):
    stub.fail("GET", r"^/orgs/octo/teams/core/members$", 502, times=10)
    directory = TeamDirectory()
    with pytest.raises(GitHubError) as info:
        directory.resolve(client(stub, keys, 5), 5, ["@octo/core"])
    assert info.value.status == 502
    from mergeguard.app.handlers import transient
    assert transient(info.value) is True
    # nothing was cached: the next attempt asks again and succeeds
    stub._faults.clear()
    teams, _ = directory.resolve(client(stub, keys, 5), 5, ["@octo/core"])
    assert teams == {"@octo/core": ("Alice", "bob")}
