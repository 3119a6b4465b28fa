"""The GitHub stand-in itself: it must refuse what GitHub refuses, or tests built on it prove nothing."""

from __future__ import annotations

import base64
import time

import jwt
import pytest
import requests

from .ghstub import GitHubStub, find_operation, rsa_keypair, validate_body
from .gitrepo import commit, init_repo
from .npm_fixtures import openapi_spec, webhook_examples


@pytest.fixture(scope="module")
def keys():
    return rsa_keypair()


@pytest.fixture
def stub(keys, tmp_path):
    w = init_repo(tmp_path / "w")
    commit(w, {"a.py": "x = 1\n"}, "c1")
    with GitHubStub(app_id=77, app_public_key_pem=keys[1], github_token="ghp_action") as s:
        s.add_installation(5, "octo")
        s.add_repo("octo/svc", w)
        yield s


def _jwt(private: str, iss: str = "77", lifetime: int = 540) -> str:
    now = int(time.time())
    return jwt.encode({"iat": now - 60, "exp": now + lifetime, "iss": iss}, private, algorithm="RS256")


def test_webhook_examples_are_githubs_payloads():
    opened = webhook_examples("pull_request", "opened")
    assert opened and all(p["action"] == "opened" for p in opened)
    assert {"number", "pull_request", "repository"} <= set(opened[0])
    assert opened[0]["pull_request"]["head"]["sha"]
    with pytest.raises(KeyError):
        webhook_examples("pull_requests")


def test_routes_and_schemas_come_from_the_openapi_description():
    assert openapi_spec()["servers"][0]["url"] == "https://api.github.com"
    op, params = find_operation("PATCH", "/repos/o/r/check-runs/12")
    assert op.template == "/repos/{owner}/{repo}/check-runs/{check_run_id}" and params == ("o", "r", "12")
    op, _ = find_operation("GET", "/repos/o/r/check-runs/12/annotations")
    assert op.template.endswith("/annotations")
    assert find_operation("GET", "/no/such/thing") is None
    ok = {"name": "mergeguard", "head_sha": "a" * 40}
    assert validate_body("POST", "/repos/{owner}/{repo}/check-runs", ok) is None
    assert "head_sha" in validate_body("POST", "/repos/{owner}/{repo}/check-runs", {"name": "x"})
    too_many = {"output": {"title": "t", "summary": "s", "annotations": [
        {"path": "a", "start_line": 1, "end_line": 1, "annotation_level": "notice", "message": "m"}] * 51}}
    assert "annotations" in validate_body("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", too_many)


def test_invalid_body_gets_422_and_is_recorded(stub):
    token = stub.issue_token(5)
    r = requests.post(f"{stub.url}/repos/octo/svc/check-runs", json={"name": "x", "status": "bogus"},
                      headers={"Authorization": f"token {token}"})
    assert r.status_code == 422 and "head_sha" in r.json()["message"]
    assert len(stub.violations) == 1 and stub.violations[0]["status"] == 422
    assert stub.requests[-1].status == 422 and stub.requests[-1].json == {"name": "x", "status": "bogus"}


def test_unknown_route_is_404_and_a_violation(stub):
    r = requests.get(f"{stub.url}/repos/octo/svc/frobnicate", headers={"Authorization": "token x"})
    assert r.status_code == 404
    assert stub.violations and stub.violations[0]["path"] == "/repos/octo/svc/frobnicate"


def test_access_token_requires_the_apps_jwt(stub, keys):
    url = f"{stub.url}/app/installations/5/access_tokens"
    other_private, _ = rsa_keypair()
    assert requests.post(url, headers={"Authorization": f"Bearer {_jwt(other_private)}"}).status_code == 401
    assert requests.post(url, headers={"Authorization": f"Bearer {_jwt(keys[0], iss='78')}"}).status_code == 401
    assert requests.post(url, headers={"Authorization": f"Bearer {_jwt(keys[0], lifetime=3600)}"}).status_code == 401
    assert requests.post(url).status_code == 401
    r = requests.post(url, headers={"Authorization": f"Bearer {_jwt(keys[0])}"})
    assert r.status_code == 201 and r.json()["token"].startswith("ghs_") and r.json()["expires_at"].endswith("Z")
    ok = requests.get(f"{stub.url}/repos/octo/svc", headers={"Authorization": f"token {r.json()['token']}"})
    assert ok.status_code == 200 and ok.json()["clone_url"] == stub.clone_url("octo/svc")
    assert requests.get(f"{stub.url}/repos/octo/svc", headers={"Authorization": "token ghs_nope"}).status_code == 401
    assert requests.post(f"{stub.url}/app/installations/9/access_tokens",
                         headers={"Authorization": f"Bearer {_jwt(keys[0])}"}).status_code == 404


def test_expired_token_is_refused(stub):
    token = stub.issue_token(5, ttl=-1)
    assert requests.get(f"{stub.url}/repos/octo/svc", headers={"Authorization": f"token {token}"}).status_code == 401


def test_fault_injection_is_counted(stub):
    token = stub.issue_token(5)
    stub.fail("GET", r"^/repos/octo/svc$", 502, times=2, headers={"Retry-After": "1"})
    codes = [requests.get(f"{stub.url}/repos/octo/svc", headers={"Authorization": f"token {token}"}) for _ in range(3)]
    assert [c.status_code for c in codes] == [502, 502, 200]
    assert codes[0].headers["Retry-After"] == "1"
    assert [r.status for r in stub.calls("GET", r"^/repos/octo/svc$")] == [502, 502, 200]


def test_action_token_without_checks_write_gets_403(keys, tmp_path):
    w = init_repo(tmp_path / "w")
    sha = commit(w, {"a.py": "x\n"}, "c1")
    with GitHubStub(app_id=77, app_public_key_pem=keys[1], github_token="ghp_fork", checks_write=False) as s:
        s.add_repo("octo/svc", w)
        r = requests.post(f"{s.url}/repos/octo/svc/check-runs", json={"name": "m", "head_sha": sha},
                          headers={"Authorization": "Bearer ghp_fork"})
        assert r.status_code == 403 and r.json()["message"] == "Resource not accessible by integration"
        assert s.violations == []


def test_git_endpoint_requires_basic_auth_with_a_valid_token(stub):
    url = stub.clone_url("octo/svc") + "/info/refs?service=git-upload-pack"
    r = requests.get(url)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    bad = base64.b64encode(b"x-access-token:ghs_wrong").decode()
    assert requests.get(url, headers={"Authorization": f"Basic {bad}"}).status_code == 401
    good = base64.b64encode(f"x-access-token:{stub.issue_token(5)}".encode()).decode()
    r = requests.get(url, headers={"Authorization": f"Basic {good}"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/x-git-upload-pack-advertisement"
    assert b"refs/heads/main" in r.content


def test_pagination_follows_github_link_headers(stub, tmp_path):
    repo = stub.repos["octo/svc"]
    w = tmp_path / "w"
    from .gitrepo import git
    git(w, "checkout", "-q", "-b", "feat")
    commit(w, {f"f{i}.py": f"{i}\n" for i in range(5)}, "five files")
    stub.add_pull("octo/svc", 1, head="feat")
    token = stub.issue_token(5)
    r = requests.get(f"{stub.url}/repos/octo/svc/pulls/1/files?per_page=2", headers={"Authorization": f"token {token}"})
    assert [f["filename"] for f in r.json()] == ["f0.py", "f1.py"]
    assert 'rel="next"' in r.headers["Link"] and "page=3" in r.headers["Link"]
    assert repo.pulls[1].head_sha != repo.pulls[1].base_sha


def test_git_sends_gzip_and_chunked_bodies_and_the_stub_serves_them(stub, tmp_path):
    """Many wants make git gzip its request (>1 KB) and, past http.postBuffer, send it chunked."""
    from .gitrepo import git

    repo = stub.repos["octo/svc"]
    head = git(repo.git_dir, "rev-parse", "main").strip()
    commits = [head]
    w = tmp_path / "w"
    for i in range(4):
        commits.append(commit(w, {"a.py": f"x = {i}\n"}, f"c{i}"))
    lines = "".join(f"create refs/heads/b{i:04d} {commits[i % len(commits)]}\n" for i in range(1500))
    git(repo.git_dir, "update-ref", "--stdin", input=lines.encode())
    auth = base64.b64encode(f"x-access-token:{stub.issue_token(5)}".encode()).decode()
    for extra in ([], ["-c", "http.postBuffer=65520", "-c", "protocol.version=0"]):
        dest = tmp_path / f"clone{len(extra)}"
        git(tmp_path, "-c", f"http.extraHeader=Authorization: Basic {auth}", *extra,
            "clone", "-q", "--bare", "--filter=blob:none", stub.clone_url("octo/svc"), str(dest))
        assert git(dest, "rev-parse", "b1499").strip() == commits[1499 % len(commits)]
    posts = stub.calls("POST", r"/git-upload-pack$")
    assert any(p.headers.get("Content-Encoding") == "gzip" for p in posts)
    assert any(p.headers.get("Transfer-Encoding") == "chunked" for p in posts)
    assert all(p.status == 200 for p in posts)


def test_missing_npm_is_a_clear_error(tmp_path, monkeypatch):
    from . import npm_fixtures

    monkeypatch.setenv("MERGEGUARD_NPM_PREFIX", str(tmp_path / "npm"))
    monkeypatch.setenv("PATH", str(tmp_path / "nobin"))
    with pytest.raises(npm_fixtures.NpmMaterialError, match="npm is not installed; run: npm install --no-save"):
        npm_fixtures.npm_dir()
    assert npm_fixtures.install_command(tmp_path)[-2:] == ["@octokit/webhooks-examples@7", "@octokit/openapi"]


def test_installation_limited_to_selected_repositories(stub, tmp_path):
    other = init_repo(tmp_path / "other")
    commit(other, {"z.py": "z\n"}, "c")
    stub.add_repo("octo/other", other)
    stub.add_installation(6, "octo", repositories=["octo/svc"])
    token = stub.issue_token(6)
    h = {"Authorization": f"token {token}"}
    assert requests.get(f"{stub.url}/repos/octo/svc", headers=h).status_code == 200
    assert requests.get(f"{stub.url}/repos/octo/other", headers=h).status_code == 404
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    refs = "/info/refs?service=git-upload-pack"
    assert requests.get(stub.clone_url("octo/other") + refs, headers={"Authorization": f"Basic {basic}"}).status_code == 401
