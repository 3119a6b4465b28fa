"""A local stand-in for the GitHub REST API and git smart-HTTP, for tests that must talk HTTP for real.

``GitHubStub`` is a real HTTP server on 127.0.0.1 (random port, background thread). It is strict
where GitHub is strict, so passing against it means something:

* every request body is validated against the request schema of the matching operation in GitHub's
  own OpenAPI description (``@octokit/openapi``); a body GitHub would refuse gets 422 and lands in
  ``stub.violations``, and so does any route GitHub does not have or the stub does not implement;
* installation tokens are only issued for a valid RS256 JWT signed by the app's key (iss = app id,
  lifetime at most 10 minutes), expire, and are checked on every repository call and git request;
* responses reuse the shape of GitHub's documented examples, with ids, urls and state of our own;
* repositories are real git repositories served over smart HTTP by ``git http-backend`` (basic auth
  ``x-access-token:<token>``, partial clone filters allowed), so mirrors clone and fetch for real.

Faults are injected with :meth:`GitHubStub.fail` (e.g. 500 twice, 403 rate-limited), and every
request is recorded in ``stub.requests``. For the GitHub Action flow, ``github_token`` is a fixed
token, and ``checks_write=False`` makes check-run writes answer 403 "Resource not accessible by
integration", as GitHub does for a pull request from a fork.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import itertools
import json
import logging
import os
import re
import secrets
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import jwt
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .npm_fixtures import openapi_spec

logging.getLogger("werkzeug").setLevel(logging.ERROR)

JsonBody = dict[str, Any] | list[Any] | None


# -- the OpenAPI description: route matching and request-body validation ------------------------


def _nullable_to_type(schema: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` is not JSON Schema; turn it into ``type: [t, "null"]``."""
    if isinstance(schema, dict):
        out = {k: _nullable_to_type(v) for k, v in schema.items() if k not in ("nullable", "example", "examples")}
        if schema.get("nullable") and "type" in schema:
            t = schema["type"]
            out["type"] = [*t, "null"] if isinstance(t, list) else [t, "null"]
        if schema.get("nullable") and "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return out
    if isinstance(schema, list):
        return [_nullable_to_type(x) for x in schema]
    return schema


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    regex: re.Pattern[str]
    literal_segments: int


@functools.lru_cache(maxsize=1)
def _operations() -> tuple[Operation, ...]:
    ops = []
    for template, item in openapi_spec()["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template)) + "$"
        literal = sum(1 for s in template.split("/") if s and not s.startswith("{"))
        for method in item:
            if method in ("get", "post", "patch", "put", "delete"):
                ops.append(Operation(method.upper(), template, re.compile(pattern), literal))
    # Prefer the most specific template: /repos/{o}/{r}/check-runs/{id}/annotations over catch-alls.
    return tuple(sorted(ops, key=lambda o: -o.literal_segments))


def find_operation(method: str, path: str) -> tuple[Operation, tuple[str, ...]] | None:
    """The OpenAPI operation (and its path parameters) that GitHub would route ``method path`` to."""
    for op in _operations():
        if op.method == method:
            m = op.regex.match(path)
            if m:
                return op, tuple(urllib.parse.unquote(g) for g in m.groups())
    return None


@functools.cache
def _body_validator(method: str, template: str) -> jsonschema.protocols.Validator | None:
    op = openapi_spec()["paths"][template][method.lower()]
    content = (op.get("requestBody") or {}).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema")
    if schema is None:
        return None
    schema = _nullable_to_type(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def validate_body(method: str, template: str, body: Any) -> str | None:
    """None if ``body`` is what GitHub accepts for the operation, else the first validation message."""
    validator = _body_validator(method, template)
    if validator is None:
        return None
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    e = errors[0]
    where = "/".join(str(p) for p in e.absolute_path) or "(body)"
    return f"{where}: {e.message}"


def example(template: str, method: str, status: str = "200") -> Any:
    """A deep copy of the first documented response example of an operation."""
    resp = openapi_spec()["paths"][template][method]["responses"][status]
    examples = resp["content"]["application/json"]["examples"]
    return copy.deepcopy(next(iter(examples.values()))["value"])


# -- state -------------------------------------------------------------------------------------


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _git(path: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True,
                          env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"})
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout


@dataclass
class Review:
    id: int
    user: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED
    submitted_at: float
    commit_id: str = ""  # the head the review was submitted on (GitHub's ``commit_id``)
    #: the reviewer's relation to the repository (GitHub's ``author_association``): OWNER, MEMBER,
    #: COLLABORATOR for people the repository let in; CONTRIBUTOR, NONE ... for anyone else
    association: str = "COLLABORATOR"


@dataclass
class Pull:
    number: int
    title: str
    body: str | None
    author: str
    base_ref: str
    head_ref: str
    base_sha: str
    head_sha: str
    head_full_name: str
    labels: list[str] = field(default_factory=list)
    draft: bool = False
    reviews: list[Review] = field(default_factory=list)
    #: the issue events GitHub records for the pull request, oldest first: (id, event, label, actor, at)
    events: list[tuple[int, str, str, str | None, float]] = field(default_factory=list)


@dataclass
class Repo:
    id: int
    owner: str
    name: str
    git_dir: Path
    default_branch: str = "main"
    collaborators: dict[str, str] = field(default_factory=dict)  # login -> role_name
    pulls: dict[int, Pull] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class CheckRun:
    data: dict[str, Any]
    annotations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Fault:
    method: str
    path_regex: re.Pattern[str]
    status: int
    times: int
    headers: dict[str, str]
    body: Any


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    json: Any
    status: int = 0


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # tests read stub.requests instead
        pass


class GitHubStub:
    """The stand-in server; use as a context manager (``with GitHubStub(...) as stub``)."""

    ROLE_TO_PERMISSION = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read"}

    def __init__(
        self,
        *,
        app_id: int = 4242,
        app_public_key_pem: str | bytes | None = None,
        app_slug: str = "mergeguard",
        github_token: str | None = None,
        checks_write: bool = True,
        token_ttl: float = 3600.0,
        clock: Any = time.time,
        first_id: int = 1000,
    ):
        self.app_id = app_id
        self.app_slug = app_slug
        self.app_public_key_pem = app_public_key_pem
        self.github_token = github_token
        self.checks_write = checks_write
        self.token_ttl = token_ttl
        self.clock = clock
        self.requests: list[Recorded] = []
        self.violations: list[dict[str, Any]] = []
        self.installations: dict[int, dict[str, Any]] = {}
        self.tokens: dict[str, tuple[int, float]] = {}  # token -> (installation id, expires epoch)
        self.repos: dict[str, Repo] = {}
        self.check_runs: dict[int, CheckRun] = {}
        self.teams: dict[tuple[str, str], dict[str, Any]] = {}
        self.accounts: dict[str, str] = {}  # commit e-mail (lower case) -> GitHub login
        self.account_types: dict[str, str] = {}  # login -> "User" | "Bot" | "Organization"
        #: answer pages with ``next``/``prev`` links only, as some GitHub listings do (no ``last``)
        self.omit_last_link = False
        self._faults: list[Fault] = []
        self._ids = itertools.count(first_id)  # GitHub's own ids (check runs) are past 2**34
        self._lock = threading.RLock()
        self._tmp = tempfile.TemporaryDirectory(prefix="ghstub-")
        self.git_root = Path(self._tmp.name) / "git"
        self.git_root.mkdir()
        self._server = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> GitHubStub:
        openapi_spec()  # load before serving: the first request must not wait a second on it
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="ghstub", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._tmp.cleanup()

    @property
    def url(self) -> str:
        """The API base URL (what PyGithub takes as ``base_url``)."""
        return f"http://127.0.0.1:{self.port}"

    def clone_url(self, full_name: str) -> str:
        return f"{self.url}/git/{full_name}.git"

    # -- test setup -----------------------------------------------------------------------------

    def add_installation(self, installation_id: int, account: str, repositories: list[str] | None = None, *,
                         members_read: bool = True) -> None:
        """An installation of the app on ``account``; ``repositories`` None means all of them.
        ``members_read`` is the organization permission ``members: read`` (listing team members)."""
        with self._lock:
            self.installations[installation_id] = {"account": account, "repositories": repositories,
                                                   "members_read": members_read}

    def add_account(self, login: str, *, emails: list[str] = (), kind: str = "User") -> None:
        """A GitHub account: its ``kind`` (``User``, ``Bot``) and the commit e-mails linked to it (GitHub
        names the account as a commit's ``author`` when the commit's e-mail is linked, else null)."""
        with self._lock:
            self.account_types[login] = kind
            for email in emails:
                self.accounts[email.lower()] = login

    def add_team(self, org: str, slug: str, members: list[str], *, secret: bool = False) -> None:
        """A team of organization ``org``; a ``secret`` team is invisible to installations (404)."""
        with self._lock:
            self.teams[(org.lower(), slug.lower())] = {"members": list(members), "secret": secret}

    def add_repo(self, full_name: str, path: str | os.PathLike[str], *, default_branch: str = "main",
                 collaborators: dict[str, str] | None = None) -> Repo:
        """Serve the real git repository at ``path`` (work tree or bare) as ``full_name``."""
        owner, name = full_name.split("/")
        git_dir = Path(_git(Path(path), "rev-parse", "--absolute-git-dir").strip())
        link = self.git_root / owner / f"{name}.git"
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(git_dir, target_is_directory=True)
        repo = Repo(next(self._ids), owner, name, git_dir, default_branch, dict(collaborators or {}))
        with self._lock:
            self.repos[full_name] = repo
        return repo

    def add_pull(self, full_name: str, number: int, *, head: str, base: str = "main", title: str = "A change",
                 body: str | None = "", author: str = "octocat", labels: list[str] | None = None,
                 draft: bool = False, head_full_name: str | None = None) -> Pull:
        """A pull request from branch/commit ``head`` into ``base``; publishes ``refs/pull/N/head``."""
        repo = self.repos[full_name]
        head_sha = _git(repo.git_dir, "rev-parse", f"{head}^{{commit}}").strip()
        base_sha = _git(repo.git_dir, "rev-parse", f"{base}^{{commit}}").strip()
        _git(repo.git_dir, "update-ref", f"refs/pull/{number}/head", head_sha)
        pull = Pull(number, title, body, author, base, head if not re.fullmatch(r"[0-9a-f]{40}", head) else f"pr-{number}",
                    base_sha, head_sha, head_full_name or full_name, list(labels or []), draft)
        with self._lock:
            repo.pulls[number] = pull
            for name in pull.labels:  # labels given when opening are the author's (GitHub records them so)
                pull.events.append((next(self._ids), "labeled", name, author, self.clock()))
        return pull

    def label(self, full_name: str, number: int, name: str, *, by: str | None) -> None:
        """``by`` adds label ``name`` to the pull request: a ``labeled`` event (``by`` None: a deleted
        account). Adding a label that is already there changes nothing and records nothing."""
        with self._lock:
            pull = self.repos[full_name].pulls[number]
            if name not in pull.labels:
                pull.labels.append(name)
                pull.events.append((next(self._ids), "labeled", name, by, self.clock()))

    def unlabel(self, full_name: str, number: int, name: str, *, by: str | None) -> None:
        """``by`` removes label ``name`` (an ``unlabeled`` event)."""
        with self._lock:
            pull = self.repos[full_name].pulls[number]
            if name in pull.labels:
                pull.labels.remove(name)
                pull.events.append((next(self._ids), "unlabeled", name, by, self.clock()))

    def add_events(self, full_name: str, number: int, count: int, *, event: str = "referenced",
                   by: str = "octocat") -> None:
        """``count`` events that are not about labels (commits referencing the pull request, say), to
        make the events listing long."""
        with self._lock:
            pull = self.repos[full_name].pulls[number]
            pull.events.extend((next(self._ids), event, "", by, self.clock()) for _ in range(count))

    def add_review(self, full_name: str, number: int, user: str, state: str, *, commit_id: str | None = None,
                   association: str = "COLLABORATOR") -> Review:
        """A review submitted on the pull request's current head (or on ``commit_id``), as GitHub records it."""
        with self._lock:
            pull = self.repos[full_name].pulls[number]
            review = Review(next(self._ids), user, state, self.clock(), commit_id or pull.head_sha, association)
            pull.reviews.append(review)
        return review

    def push(self, full_name: str, number: int, head: str) -> str:
        """A new push to the pull request: its head becomes ``head`` (a ref or sha of the repository)."""
        repo = self.repos[full_name]
        head_sha = _git(repo.git_dir, "rev-parse", f"{head}^{{commit}}").strip()
        _git(repo.git_dir, "update-ref", f"refs/pull/{number}/head", head_sha)
        with self._lock:
            repo.pulls[number].head_sha = head_sha
        return head_sha

    def fail(self, method: str, path_regex: str, status: int, *, times: int = 1,
             headers: dict[str, str] | None = None, body: Any = None) -> None:
        """Answer the next ``times`` requests matching ``method`` ("*" = any) and ``path_regex`` with ``status``."""
        if body is None:
            body = {"message": f"injected fault {status}", "documentation_url": "https://docs.github.com/rest"}
        with self._lock:
            self._faults.append(Fault(method.upper(), re.compile(path_regex), status, times, dict(headers or {}), body))

    def issue_token(self, installation_id: int, ttl: float | None = None) -> str:
        """An installation token minted directly (for git tests that need no JWT dance)."""
        token = "ghs_" + secrets.token_hex(18)
        with self._lock:
            self.tokens[token] = (installation_id, self.clock() + (self.token_ttl if ttl is None else ttl))
        return token

    def calls(self, method: str, path_regex: str) -> list[Recorded]:
        """Recorded requests matching method and path (the API view of what the client did)."""
        rx = re.compile(path_regex)
        return [r for r in self.requests if r.method == method.upper() and rx.search(r.path)]

    # -- WSGI -----------------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        path = request.path
        body: Any = None
        is_git = path.startswith("/git/")
        if not is_git and request.method in ("POST", "PATCH", "PUT"):
            raw = request.get_data()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = ("<invalid json>", raw[:200])
        rec = Recorded(request.method, path, request.query_string.decode(), dict(request.headers), body)
        with self._lock:
            self.requests.append(rec)
        response = self._fault_for(request.method, path) or (
            self._git(request) if is_git else self._api(request, path, body)
        )
        rec.status = response.status_code
        return response(environ, start_response)

    def _fault_for(self, method: str, path: str) -> Response | None:
        with self._lock:
            for f in self._faults:
                if f.times > 0 and f.method in ("*", method) and f.path_regex.search(path):
                    f.times -= 1
                    return self._json(f.body, f.status, f.headers)
        return None

    def _json(self, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        now = int(self.clock())
        base = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999", "x-ratelimit-reset": str(now + 3600),
                "x-github-request-id": secrets.token_hex(8)}
        base.update(headers or {})
        return Response(json.dumps(data), status=status, headers=base, content_type="application/json; charset=utf-8")

    def _error(self, status: int, message: str, *, violation: bool = False, request: Request | None = None) -> Response:
        if violation and request is not None:
            with self._lock:
                self.violations.append({"method": request.method, "path": request.path, "status": status, "message": message})
        return self._json({"message": message, "documentation_url": "https://docs.github.com/rest"}, status)

    # -- REST API -------------------------------------------------------------------------------

    def _api(self, request: Request, path: str, body: Any) -> Response:
        found = find_operation(request.method, path)
        if found is None:
            return self._error(404, f"Not Found: GitHub has no {request.method} {path}", violation=True, request=request)
        op, params = found
        if request.method in ("POST", "PATCH", "PUT"):
            if isinstance(body, tuple):
                return self._error(400, "Problems parsing JSON", violation=True, request=request)
            problem = validate_body(request.method, op.template, body if body is not None else {})
            if problem:
                return self._error(422, f"Invalid request. {problem}", violation=True, request=request)
        handler = self._ROUTES.get((op.method, op.template))
        if handler is None:
            return self._error(404, f"stub does not implement {op.method} {op.template}", violation=True, request=request)
        return handler(self, request, *params, body=body)

    # auth ------------------------------------------------------------------------------------

    def _bearer(self, request: Request) -> str | None:
        value = request.headers.get("Authorization", "")
        scheme, _, cred = value.partition(" ")
        return cred.strip() if scheme.lower() in ("token", "bearer") and cred.strip() else None

    def _check_jwt(self, request: Request) -> str | None:
        """None if the request carries a valid app JWT, else the reason it does not."""
        token = self._bearer(request)
        if token is None:
            return "A JSON web token could not be decoded"
        if self.app_public_key_pem is None:
            return "stub has no app key configured"
        try:
            claims = jwt.decode(token, self.app_public_key_pem, algorithms=["RS256"],
                                options={"require": ["iat", "exp", "iss"], "verify_iat": False},
                                leeway=60)
        except jwt.PyJWTError as exc:
            return f"A JSON web token could not be decoded: {exc}"
        if str(claims["iss"]) != str(self.app_id):
            return f"Integration {claims['iss']!r} not found"
        if int(claims["exp"]) - int(claims["iat"]) > 660:
            return "'Expiration time' claim ('exp') is too far in the future"
        return None

    def _repo_access(self, request: Request, owner: str, repo: str) -> tuple[Repo | None, Response | None]:
        """The repository if the request's token may read it, else the error GitHub would send."""
        token = self._bearer(request)
        full = f"{owner}/{repo}"
        target = self.repos.get(full)
        if token is None:
            return None, self._error(401, "Requires authentication")
        if self.github_token is not None and token == self.github_token:
            pass
        else:
            with self._lock:
                entry = self.tokens.get(token)
            if entry is None or entry[1] <= self.clock():
                return None, self._error(401, "Bad credentials")
            inst = self.installations.get(entry[0])
            if inst is None or target is None or inst["account"] != owner or (
                inst["repositories"] is not None and full not in inst["repositories"]
            ):
                return None, self._error(404, "Not Found")
        if target is None:
            return None, self._error(404, "Not Found")
        return target, None

    def _check_write(self, request: Request) -> Response | None:
        if self.github_token is not None and self._bearer(request) == self.github_token and not self.checks_write:
            return self._error(403, "Resource not accessible by integration")
        return None

    # shapes ----------------------------------------------------------------------------------

    def _user(self, login: str) -> dict[str, Any]:
        u = example("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "get")[0]["user"]
        uid = abs(hash(login)) % 10_000_000
        u.update(login=login, id=uid, url=f"{self.url}/users/{login}", html_url=f"http://github.invalid/{login}",
                 type=self.account_types.get(login, "User"), site_admin=False)
        return u

    def _repo_json(self, repo: Repo, full_name: str | None = None) -> dict[str, Any]:
        r = example("/repos/{owner}/{repo}", "get")
        full = full_name or repo.full_name
        owner, name = full.split("/")
        r.update(id=repo.id, name=name, full_name=full, private=True, default_branch=repo.default_branch,
                 url=f"{self.url}/repos/{full}", html_url=f"http://github.invalid/{full}",
                 clone_url=self.clone_url(full), git_url=self.clone_url(full), fork=full != repo.full_name)
        r["owner"] = self._user(owner)
        for k in [k for k in r if k in ("parent", "source", "organization", "template_repository")]:
            del r[k]
        return r

    def _pull_json(self, repo: Repo, p: Pull) -> dict[str, Any]:
        d = example("/repos/{owner}/{repo}/pulls/{pull_number}", "get")
        base_url = f"{self.url}/repos/{repo.full_name}"
        d.update(
            id=repo.id * 100_000 + p.number, number=p.number, title=p.title, body=p.body, draft=p.draft,
            state="open", url=f"{base_url}/pulls/{p.number}", html_url=f"http://github.invalid/{repo.full_name}/pull/{p.number}",
            issue_url=f"{base_url}/issues/{p.number}", commits_url=f"{base_url}/pulls/{p.number}/commits",
            review_comments_url=f"{base_url}/pulls/{p.number}/comments",
            statuses_url=f"{base_url}/statuses/{p.head_sha}", merged=False, mergeable=None, merge_commit_sha=None,
            user=self._user(p.author), labels=[self._label(repo, n) for n in p.labels],
            requested_reviewers=[], requested_teams=[], assignees=[], assignee=None, milestone=None,
        )
        head_owner = p.head_full_name.split("/")[0]
        d["head"] = {"label": f"{head_owner}:{p.head_ref}", "ref": p.head_ref, "sha": p.head_sha,
                     "user": self._user(head_owner), "repo": self._repo_json(repo, p.head_full_name)}
        d["base"] = {"label": f"{repo.owner}:{p.base_ref}", "ref": p.base_ref, "sha": p.base_sha,
                     "user": self._user(repo.owner), "repo": self._repo_json(repo)}
        d["_links"] = {k: {"href": f"{base_url}/pulls/{p.number}"} for k in d.get("_links", {})}
        return d

    def _label(self, repo: Repo, name: str) -> dict[str, Any]:
        lab = example("/repos/{owner}/{repo}/issues/{issue_number}/labels", "get")[0]
        lab.update(id=abs(hash((repo.full_name, name))) % 10_000_000, name=name, default=False,
                   url=f"{self.url}/repos/{repo.full_name}/labels/{urllib.parse.quote(name)}")
        return lab

    def _paginate(self, request: Request, items: list[Any], wrap: str | None = None, extra: dict[str, Any] | None = None) -> Response:
        """GitHub pagination: ``per_page``/``page`` query, ``Link`` header with next/last."""
        per_page = max(1, min(100, int(request.args.get("per_page", 30))))
        page = max(1, int(request.args.get("page", 1)))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        links = []
        for rel, n, shown in (("prev", page - 1, page > 1), ("next", page + 1, page < last),
                              ("last", last, page < last and not self.omit_last_link), ("first", 1, page > 1)):
            if shown:
                q = dict(request.args)
                q.update(page=str(n), per_page=str(per_page))
                links.append(f'<{self.url}{request.path}?{urllib.parse.urlencode(q)}>; rel="{rel}"')
        headers = {"Link": ", ".join(links)} if links else {}
        data: Any = chunk if wrap is None else {"total_count": len(items), wrap: chunk, **(extra or {})}
        return self._json(data, 200, headers)

    # handlers --------------------------------------------------------------------------------

    def _h_access_token(self, request: Request, installation_id: str, *, body: Any) -> Response:
        problem = self._check_jwt(request)
        if problem:
            return self._error(401, problem)
        iid = int(installation_id)
        if iid not in self.installations:
            return self._error(404, "Not Found")
        token = self.issue_token(iid)
        d = example("/app/installations/{installation_id}/access_tokens", "post", "201")
        d.update(token=token, expires_at=_iso(self.tokens[token][1]),
                 permissions={"checks": "write", "pull_requests": "read", "contents": "read", "metadata": "read",
                              **({"members": "read"} if self.installations[iid].get("members_read", True) else {})},
                 repository_selection="all" if self.installations[iid]["repositories"] is None else "selected")
        d.pop("repositories", None)
        return self._json(d, 201)

    def _h_repo_installation(self, request: Request, owner: str, repo: str, *, body: Any) -> Response:
        problem = self._check_jwt(request)
        if problem:
            return self._error(401, problem)
        full = f"{owner}/{repo}"
        for iid, inst in self.installations.items():
            if inst["account"] == owner and full in self.repos and (inst["repositories"] is None or full in inst["repositories"]):
                d = example("/repos/{owner}/{repo}/installation", "get")
                d.update(id=iid, app_id=self.app_id, app_slug=self.app_slug, target_type="Organization",
                         access_tokens_url=f"{self.url}/app/installations/{iid}/access_tokens")
                d["account"] = self._user(owner)
                return self._json(d)
        return self._error(404, "Not Found")

    def _h_team_members(self, request: Request, org: str, team_slug: str, *, body: Any) -> Response:
        token = self._bearer(request)
        if token is None:
            return self._error(401, "Requires authentication")
        with self._lock:
            entry = self.tokens.get(token)
        if entry is None or entry[1] <= self.clock():
            return self._error(401, "Bad credentials")
        inst = self.installations.get(entry[0]) or {}
        if inst.get("account", "").lower() != org.lower():
            return self._error(404, "Not Found")
        if not inst.get("members_read", True):
            return self._error(403, "Resource not accessible by integration")
        team = self.teams.get((org.lower(), team_slug.lower()))
        if team is None or team["secret"]:
            return self._error(404, "Not Found")
        return self._paginate(request, [self._user(login) for login in team["members"]])

    def _h_repo(self, request: Request, owner: str, repo: str, *, body: Any) -> Response:
        r, err = self._repo_access(request, owner, repo)
        return err or self._json(self._repo_json(r))

    def _pull(self, request: Request, owner: str, repo: str, number: str) -> tuple[Repo | None, Pull | None, Response | None]:
        r, err = self._repo_access(request, owner, repo)
        if err:
            return None, None, err
        p = r.pulls.get(int(number))
        if p is None:
            return None, None, self._error(404, "Not Found")
        return r, p, None

    def _h_pull(self, request: Request, owner: str, repo: str, number: str, *, body: Any) -> Response:
        r, p, err = self._pull(request, owner, repo, number)
        return err or self._json(self._pull_json(r, p))

    def _h_pull_files(self, request: Request, owner: str, repo: str, number: str, *, body: Any) -> Response:
        r, p, err = self._pull(request, owner, repo, number)
        if err:
            return err
        base = _git(r.git_dir, "merge-base", p.base_sha, p.head_sha).strip()
        status_of = {"A": "added", "D": "removed", "M": "modified", "R": "renamed", "C": "copied", "T": "changed"}
        fields = _git(r.git_dir, "diff", "-z", "--name-status", "-M", base, p.head_sha).split("\0")
        statuses: dict[str, tuple[str, str | None]] = {}
        i = 0
        while i < len(fields) and fields[i]:
            code = fields[i][0]
            if code in "RC":
                statuses[fields[i + 2]] = (status_of[code], fields[i + 1])
                i += 3
            else:
                statuses[fields[i + 1]] = (status_of.get(code, "modified"), None)
                i += 2
        numstat = {}
        for line in _git(r.git_dir, "diff", "--numstat", "-M", base, p.head_sha).splitlines():
            added, deleted, _ = line.split("\t", 2)
            numstat.setdefault(len(numstat), (added, deleted))
        template = example("/repos/{owner}/{repo}/pulls/{pull_number}/files", "get")[0]
        files = []
        for (name, (status, previous)), (added, deleted) in zip(statuses.items(), numstat.values(), strict=True):
            f = dict(template)
            a = 0 if added == "-" else int(added)
            dl = 0 if deleted == "-" else int(deleted)
            f.update(filename=name, status=status, additions=a, deletions=dl, changes=a + dl,
                     sha=_git(r.git_dir, "rev-parse", f"{p.head_sha}:{name}").strip() if status != "removed" else "0" * 40)
            f.pop("patch", None)
            f.pop("previous_filename", None)
            if previous:
                f["previous_filename"] = previous
            files.append(f)
        return self._paginate(request, files)

    def _h_pull_commits(self, request: Request, owner: str, repo: str, number: str, *, body: Any) -> Response:
        r, p, err = self._pull(request, owner, repo, number)
        if err:
            return err
        template = example("/repos/{owner}/{repo}/pulls/{pull_number}/commits", "get")[0]
        out = []
        listing = _git(r.git_dir, "log", "--reverse", "--format=%H %ae %ce", p.head_sha, f"^{p.base_sha}")
        for line in listing.splitlines():
            sha, author_email, committer_email = line.split(" ")
            c = copy.deepcopy(template)
            c.update(sha=sha, url=f"{self.url}/repos/{r.full_name}/commits/{sha}")
            for role, email in (("author", author_email), ("committer", committer_email)):
                login = self.accounts.get(email.lower())
                c[role] = self._user(login) if login else None
            c.pop("files", None)
            c.pop("stats", None)
            out.append(c)
        return self._paginate(request, out)

    def _h_pull_reviews(self, request: Request, owner: str, repo: str, number: str, *, body: Any) -> Response:
        r, p, err = self._pull(request, owner, repo, number)
        if err:
            return err
        template = example("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "get")[0]
        out = []
        for rv in p.reviews:  # chronological, like GitHub
            d = copy.deepcopy(template)
            d.update(id=rv.id, user=self._user(rv.user), state=rv.state, submitted_at=_iso(rv.submitted_at),
                     author_association=rv.association,
                     commit_id=rv.commit_id or p.head_sha, pull_request_url=f"{self.url}/repos/{r.full_name}/pulls/{p.number}")
            out.append(d)
        return self._paginate(request, out)

    def _h_issue_labels(self, request: Request, owner: str, repo: str, number: str, *, body: Any) -> Response:
        r, p, err = self._pull(request, owner, repo, number)
        return err or self._paginate(request, [self._label(r, n) for n in p.labels])

    def _h_issue_events(self, request: Request, owner: str, repo: str, number: str, *, body: Any) -> Response:
        r, p, err = self._pull(request, owner, repo, number)
        if err:
            return err
        template = example("/repos/{owner}/{repo}/issues/{issue_number}/events", "get")[0]
        out = []
        for ident, kind, label, actor, at in p.events:  # oldest first, like GitHub
            d = copy.deepcopy(template)
            d.update(id=ident, node_id=f"LE_{ident}", event=kind, created_at=_iso(at), commit_id=None, commit_url=None,
                     url=f"{self.url}/repos/{r.full_name}/issues/events/{ident}", performed_via_github_app=None,
                     actor=self._user(actor) if actor else None)
            if kind in ("labeled", "unlabeled"):
                d["label"] = {"name": label, "color": "ededed"}
            else:
                d.pop("label", None)
            out.append(d)
        return self._paginate(request, out)

    def _h_permission(self, request: Request, owner: str, repo: str, username: str, *, body: Any) -> Response:
        r, err = self._repo_access(request, owner, repo)
        if err:
            return err
        role = r.collaborators.get(username)
        if role is None:
            return self._error(404, f"{username} is not a user")  # GitHub: 404 for non-collaborators who are not users
        d = example("/repos/{owner}/{repo}/collaborators/{username}/permission", "get")
        d.update(permission=self.ROLE_TO_PERMISSION.get(role, "none"), role_name=role, user=self._user(username))
        return self._json(d)

    def _check_run_json(self, r: Repo, run_id: int, body: dict[str, Any], by_app: bool) -> dict[str, Any]:
        d = example("/repos/{owner}/{repo}/check-runs", "post", "201")
        now = _iso(self.clock())
        d.update(id=run_id, node_id=f"CR_{run_id}", head_sha=body["head_sha"], name=body["name"],
                 external_id=body.get("external_id", ""), details_url=body.get("details_url"),
                 url=f"{self.url}/repos/{r.full_name}/check-runs/{run_id}",
                 html_url=f"http://github.invalid/{r.full_name}/runs/{run_id}",
                 status=body.get("status", "queued"), conclusion=None, started_at=body.get("started_at", now),
                 completed_at=None, pull_requests=[])
        d["output"] = {"title": None, "summary": None, "text": None, "annotations_count": 0,
                       "annotations_url": f"{self.url}/repos/{r.full_name}/check-runs/{run_id}/annotations"}
        d["check_suite"] = {"id": abs(hash((r.full_name, body["head_sha"]))) % 10_000_000}
        # A run created with GITHUB_TOKEN belongs to the github-actions app, as on GitHub.
        d["app"].update(id=self.app_id if by_app else 15368, slug=self.app_slug if by_app else "github-actions")
        return d

    def _apply_check_update(self, run: CheckRun, body: dict[str, Any]) -> None:
        d = run.data
        for k in ("name", "details_url", "external_id", "started_at", "status", "conclusion", "completed_at", "actions"):
            if k in body:
                d[k] = body[k]
        if body.get("conclusion"):
            d["status"] = "completed"
            d.setdefault("completed_at", None)
            d["completed_at"] = d["completed_at"] or _iso(self.clock())
        out = body.get("output")
        if out:
            for k in ("title", "summary", "text"):
                if k in out:
                    d["output"][k] = out[k]
            run.annotations.extend(copy.deepcopy(out.get("annotations") or []))
            d["output"]["annotations_count"] = len(run.annotations)

    def _h_create_check_run(self, request: Request, owner: str, repo: str, *, body: Any) -> Response:
        r, err = self._repo_access(request, owner, repo)
        if err:
            return err
        denied = self._check_write(request)
        if denied:
            return denied
        try:
            _git(r.git_dir, "cat-file", "-e", f"{body['head_sha']}^{{commit}}")
        except RuntimeError:
            return self._error(422, "No commit found for SHA: " + body["head_sha"])
        with self._lock:
            run_id = next(self._ids)
            by_app = self._bearer(request) != self.github_token
            run = CheckRun(self._check_run_json(r, run_id, body, by_app))
            run.data["_repo"] = r.full_name
            self._apply_check_update(run, body)
            self.check_runs[run_id] = run
        return self._json(self._public(run), 201)

    @staticmethod
    def _public(run: CheckRun) -> dict[str, Any]:
        return {k: v for k, v in run.data.items() if not k.startswith("_")}

    def _h_update_check_run(self, request: Request, owner: str, repo: str, run_id: str, *, body: Any) -> Response:
        r, err = self._repo_access(request, owner, repo)
        if err:
            return err
        denied = self._check_write(request)
        if denied:
            return denied
        with self._lock:
            run = self.check_runs.get(int(run_id))
            if run is None or run.data["_repo"] != r.full_name:
                return self._error(404, "Not Found")
            self._apply_check_update(run, body)
            return self._json(self._public(run))

    def _h_get_check_run(self, request: Request, owner: str, repo: str, run_id: str, *, body: Any) -> Response:
        r, err = self._repo_access(request, owner, repo)
        if err:
            return err
        run = self.check_runs.get(int(run_id))
        if run is None or run.data["_repo"] != r.full_name:
            return self._error(404, "Not Found")
        return self._json(self._public(run))

    def _h_annotations(self, request: Request, owner: str, repo: str, run_id: str, *, body: Any) -> Response:
        r, err = self._repo_access(request, owner, repo)
        if err:
            return err
        run = self.check_runs.get(int(run_id))
        if run is None or run.data["_repo"] != r.full_name:
            return self._error(404, "Not Found")
        return self._paginate(request, [dict(a, blob_href=f"{self.url}/blob/{a['path']}") for a in run.annotations])

    def _h_ref_check_runs(self, request: Request, owner: str, repo: str, ref: str, *, body: Any) -> Response:
        r, err = self._repo_access(request, owner, repo)
        if err:
            return err
        try:
            sha = _git(r.git_dir, "rev-parse", f"{ref}^{{commit}}").strip()
        except RuntimeError:
            return self._error(422, f"No commit found for SHA: {ref}")
        runs = [c.data for c in self.check_runs.values() if c.data["_repo"] == r.full_name and c.data["head_sha"] == sha]
        if "check_name" in request.args:
            runs = [d for d in runs if d["name"] == request.args["check_name"]]
        if "app_id" in request.args:
            runs = [d for d in runs if str(d["app"]["id"]) == request.args["app_id"]]
        if "status" in request.args:
            runs = [d for d in runs if d["status"] == request.args["status"]]
        if request.args.get("filter", "latest") == "latest":
            newest: dict[tuple[str, int], dict[str, Any]] = {}
            for d in runs:
                newest[(d["name"], d["app"]["id"])] = d
            runs = list(newest.values())
        runs = sorted(runs, key=lambda d: -d["id"])
        return self._paginate(request, [{k: v for k, v in d.items() if not k.startswith("_")} for d in runs], wrap="check_runs")

    _ROUTES = {
        ("POST", "/app/installations/{installation_id}/access_tokens"): _h_access_token,
        ("GET", "/repos/{owner}/{repo}/installation"): _h_repo_installation,
        ("GET", "/repos/{owner}/{repo}"): _h_repo,
        ("GET", "/orgs/{org}/teams/{team_slug}/members"): _h_team_members,
        ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}"): _h_pull,
        ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files"): _h_pull_files,
        ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits"): _h_pull_commits,
        ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"): _h_pull_reviews,
        ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels"): _h_issue_labels,
        ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/events"): _h_issue_events,
        ("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission"): _h_permission,
        ("POST", "/repos/{owner}/{repo}/check-runs"): _h_create_check_run,
        ("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}"): _h_update_check_run,
        ("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}"): _h_get_check_run,
        ("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations"): _h_annotations,
        ("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs"): _h_ref_check_runs,
    }

    # -- git smart HTTP -------------------------------------------------------------------------

    def _git_auth_ok(self, request: Request, full_name: str) -> bool:
        value = request.headers.get("Authorization", "")
        scheme, _, cred = value.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(cred).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        if self.github_token is not None and password == self.github_token:
            return True
        with self._lock:
            entry = self.tokens.get(password)
        if user != "x-access-token" or entry is None or entry[1] <= self.clock():
            return False
        inst = self.installations.get(entry[0])
        owner = full_name.split("/")[0]
        return inst is not None and inst["account"] == owner and (inst["repositories"] is None or full_name in inst["repositories"])

    def _git(self, request: Request) -> Response:
        m = re.match(r"^/git/([^/]+)/([^/]+?)\.git(/.*)$", request.path)
        if not m or f"{m[1]}/{m[2]}" not in self.repos:
            return Response("Repository not found.\n", status=404, content_type="text/plain")
        full_name = f"{m[1]}/{m[2]}"
        if not self._git_auth_ok(request, full_name):
            return Response("Invalid username or token.\n", status=401, content_type="text/plain",
                            headers={"WWW-Authenticate": 'Basic realm="GitHub"'})
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self._tmp.name,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_PROJECT_ROOT": str(self.git_root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": f"/{m[1]}/{m[2]}.git{m[3]}",
            "QUERY_STRING": request.query_string.decode(),
            "REQUEST_METHOD": request.method,
            "CONTENT_TYPE": request.headers.get("Content-Type", ""),
            "REMOTE_USER": "x-access-token",
            "REMOTE_ADDR": "127.0.0.1",
            "GIT_CONFIG_COUNT": "4",
            "GIT_CONFIG_KEY_0": "uploadpack.allowFilter", "GIT_CONFIG_VALUE_0": "true",
            "GIT_CONFIG_KEY_1": "uploadpack.allowAnySHA1InWant", "GIT_CONFIG_VALUE_1": "true",
            "GIT_CONFIG_KEY_2": "safe.directory", "GIT_CONFIG_VALUE_2": "*",
            "GIT_CONFIG_KEY_3": "http.receivepack", "GIT_CONFIG_VALUE_3": "false",
        }
        if request.content_length is not None:
            env["CONTENT_LENGTH"] = str(request.content_length)
        for key, value in request.environ.items():  # HTTP_CONTENT_ENCODING (gzip), HTTP_GIT_PROTOCOL (v2), ...
            if key.startswith("HTTP_") and key != "HTTP_AUTHORIZATION":
                env[key] = value
        proc = subprocess.Popen(["git", "http-backend"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)
        stream = request.stream

        def feed() -> None:  # stream the request body in; http-backend inflates gzip itself
            try:
                while chunk := stream.read(1 << 16):
                    proc.stdin.write(chunk)
            except (BrokenPipeError, OSError):
                pass
            finally:
                try:
                    proc.stdin.close()
                except OSError:
                    pass

        stderr_chunks: list[bytes] = []
        feeder = threading.Thread(target=feed, daemon=True)
        drainer = threading.Thread(target=lambda: stderr_chunks.append(proc.stderr.read()), daemon=True)
        feeder.start()
        drainer.start()
        status, headers = 200, []
        while True:  # CGI headers up to the blank line
            line = proc.stdout.readline()
            if not line or line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            else:
                headers.append((name.strip(), value.strip()))

        def body() -> Any:
            try:
                while chunk := proc.stdout.read(1 << 16):
                    yield chunk
            finally:
                proc.stdout.close()
                feeder.join(timeout=30)
                drainer.join(timeout=30)
                proc.wait(timeout=30)

        return Response(body(), status=status, headers=headers, direct_passthrough=True)


def rsa_keypair() -> tuple[str, str]:
    """A fresh RSA key for a test GitHub App: (private PEM, public PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public
