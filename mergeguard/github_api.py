"""GitHub access for the App and the Action: installation tokens, pull request facts, check runs.

It lives in the core (not in ``app/``) because two faces use it: the App and the Action; the core
never imports the App (``tests/test_git_boundary.py`` holds that rule).

Everything goes through PyGithub, and every call through :func:`mergeguard.retry.call_with_retries`
(PyGithub's own urllib3 retry is switched off with ``retry=None`` so there is exactly one retry policy,
ours, with waits we can see and bound). Failures that survive the retries become :class:`GitHubError`
with one line naming the call and the HTTP status; a plain 403 on a check-run write becomes
:class:`PermissionDenied`, because for a ``GITHUB_TOKEN`` on a fork pull request that is the normal
case and the Action falls back to another output instead of failing.

Check runs follow GitHub's limits: at most 50 annotations per request (the rest go in further
PATCHes with the same title and summary), summary/text up to 65535 characters, annotation message
and raw details up to 64 KB, annotation title up to 255 characters, at most 3 actions with label and
identifier up to 20 and description up to 40 characters. :func:`clip_output` enforces them by
truncation, so a huge report degrades into a shorter one rather than a 422.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from github import Auth, Github, GithubException, GithubIntegration

from .errors import MergeguardError
from .labelling import LabelEvent, LabelProvenance, judge, latest_labelling, needs_permission
from .retry import RetryWaitTooLong, call_with_retries, is_rate_limited

T = TypeVar("T")

DEFAULT_API_URL = "https://api.github.com"
ANNOTATIONS_PER_REQUEST = 50
SUMMARY_MAX_CHARS = 65535
TITLE_MAX_CHARS = 255  # output title: undocumented; we keep to the annotation-title limit
ANNOTATION_TEXT_MAX_BYTES = 64 * 1024 - 1  # "The maximum size is 64 KB"
ANNOTATION_TITLE_MAX_CHARS = 255
MAX_ACTIONS = 3
ACTION_LABEL_MAX, ACTION_DESCRIPTION_MAX, ACTION_IDENTIFIER_MAX = 20, 40, 20
TOKEN_REFRESH_MARGIN = 300.0  # renew installation tokens 5 minutes before they expire
#: pages of 100 issue events read at most per pull request and scoring (newest first where GitHub says
#: which page is the last); a label whose latest event lies further back does not count
MAX_EVENT_PAGES = 10
TRUNCATED = "… (truncated)"


class GitHubError(MergeguardError):
    """A GitHub API call failed after retries; the message names the call and the status."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


#: a reviewer's ``author_association`` whose approval counts: people the repository's owners let in
TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})


class PermissionDenied(GitHubError):
    """GitHub refused a write for lack of permission (not a rate limit): e.g. GITHUB_TOKEN on a fork PR."""


# -- output limits -------------------------------------------------------------------------------


def _clip_chars(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - len(TRUNCATED)] + TRUNCATED


def _clip_bytes(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    keep = limit - len(TRUNCATED.encode("utf-8"))
    return raw[:keep].decode("utf-8", "ignore") + TRUNCATED


def clip_output(
    output: dict[str, Any], annotations: Iterable[dict[str, Any]] = (), actions: Iterable[dict[str, Any]] = ()
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """(output, annotations, actions) truncated to GitHub's check-run limits; inputs are not modified.

    Only lengths change: no annotation or field is dropped, except actions beyond the third (GitHub
    accepts at most three buttons).
    """
    out = dict(output)
    out["title"] = _clip_chars(out.get("title") or "", TITLE_MAX_CHARS)
    out["summary"] = _clip_chars(out.get("summary") or "", SUMMARY_MAX_CHARS)
    if out.get("text") is not None:
        out["text"] = _clip_chars(out["text"], SUMMARY_MAX_CHARS)
    else:
        out.pop("text", None)
    anns = []
    for a in annotations:
        a = dict(a)
        a["message"] = _clip_bytes(a.get("message") or "", ANNOTATION_TEXT_MAX_BYTES)
        if a.get("raw_details") is not None:
            a["raw_details"] = _clip_bytes(a["raw_details"], ANNOTATION_TEXT_MAX_BYTES)
        if a.get("title") is not None:
            a["title"] = _clip_chars(a["title"], ANNOTATION_TITLE_MAX_CHARS)
        anns.append(a)
    acts = []
    for a in list(actions)[:MAX_ACTIONS]:
        acts.append({
            "label": a["label"][:ACTION_LABEL_MAX],
            "description": a["description"][:ACTION_DESCRIPTION_MAX],
            "identifier": a["identifier"][:ACTION_IDENTIFIER_MAX],
        })
    return out, anns, acts


# -- credentials -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppCredentials:
    """What identifies the GitHub App: its id, its private key (PEM) and the API it talks to."""

    app_id: int
    private_key_pem: str
    api_url: str = DEFAULT_API_URL

    def __repr__(self) -> str:  # never print the key
        return f"AppCredentials(app_id={self.app_id}, api_url={self.api_url!r})"


def _describe(call: str, exc: BaseException) -> GitHubError:
    """One line for a failed call; PermissionDenied for a plain 403."""
    if isinstance(exc, RetryWaitTooLong):
        return GitHubError(f"GitHub {call} failed: {exc}", getattr(exc.__cause__, "status", None))
    if isinstance(exc, GithubException):
        data = exc.data if isinstance(exc.data, dict) else {}
        message = str(data.get("message") or exc.message or "").strip().splitlines()
        text = f"GitHub {call} failed: HTTP {exc.status}" + (f" ({message[0]})" if message else "")
        if exc.status == 403 and not is_rate_limited(exc):
            return PermissionDenied(text, exc.status)
        return GitHubError(text, exc.status)
    return GitHubError(f"GitHub {call} failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")


class _Retrying:
    """Shared by token minting and API calls: one retry configuration, errors turned into GitHubError."""

    def __init__(self, retry: dict[str, Any] | None):
        self._retry = dict(retry or {})

    def _call(self, call: str, fn: Callable[[], T]) -> T:
        try:
            return call_with_retries(fn, **self._retry)
        except (GithubException, RetryWaitTooLong, requests.RequestException) as exc:
            raise _describe(call, exc) from exc


class InstallationTokens(_Retrying):
    """Installation access tokens, minted with the App's JWT and cached until 5 minutes before expiry.

    Thread-safe: concurrent jobs for one installation share one token and one minting request.
    ``clock`` is injectable so tests can move time past the refresh point.
    """

    def __init__(self, creds: AppCredentials, *, clock: Callable[[], float] = time.time,
                 refresh_margin: float = TOKEN_REFRESH_MARGIN, retry: dict[str, Any] | None = None, timeout: int = 15):
        super().__init__(retry)
        self.creds = creds
        self.clock = clock
        self.refresh_margin = refresh_margin
        self._integration = GithubIntegration(
            auth=Auth.AppAuth(creds.app_id, creds.private_key_pem), base_url=creds.api_url, retry=None,
            timeout=timeout, seconds_between_requests=None, seconds_between_writes=None,
        )
        self._cache: dict[int, tuple[str, float]] = {}
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()

    def token(self, installation_id: int) -> str:
        with self._guard:
            lock = self._locks.setdefault(installation_id, threading.Lock())
        with lock:
            cached = self._cache.get(installation_id)
            if cached and self.clock() < cached[1] - self.refresh_margin:
                return cached[0]
            auth = self._call(f"token for installation {installation_id}",
                              lambda: self._integration.get_access_token(installation_id))
            expires = auth.expires_at
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=dt.UTC)
            self._cache[installation_id] = (auth.token, expires.timestamp())
            return auth.token

    def installation_for(self, owner_repo: str) -> int:
        """The id of the installation covering ``owner_repo`` (GET /repos/{o}/{r}/installation)."""
        owner, repo = owner_repo.split("/", 1)
        return self._call(f"installation of {owner_repo}",
                          lambda: self._integration.get_repo_installation(owner, repo).id)


def _links(headers: Any) -> dict[str, str]:
    """A response's ``Link`` header as ``{rel: url}``."""
    value = str((headers or {}).get("link") or "")
    out = {}
    for part in value.split(","):
        url, _, params = part.strip().partition(";")
        for param in params.split(";"):
            key, _, rel = param.strip().partition("=")
            if key == "rel" and url.strip().startswith("<") and url.strip().endswith(">"):
                out[rel.strip('"')] = url.strip()[1:-1]
    return out


def _page_of(url: str | None) -> int | None:
    """The ``page`` number a pagination link names, if any."""
    if not url:
        return None
    values = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get("page") or []
    return int(values[0]) if values and values[0].isdigit() else None


def _label_events(data: Any) -> list[LabelEvent]:
    """The label events of one page of an issue events listing (other events and odd entries skipped)."""
    out = []
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict) or item.get("event") not in ("labeled", "unlabeled"):
            continue
        label, actor, ident = item.get("label"), item.get("actor"), item.get("id")
        name = label.get("name") if isinstance(label, dict) else None
        if not isinstance(name, str) or not isinstance(ident, int):
            continue
        login = actor.get("login") if isinstance(actor, dict) else None
        kind = actor.get("type") if isinstance(actor, dict) else None
        out.append(LabelEvent(ident, str(item["event"]), name, login if isinstance(login, str) else None,
                              kind if isinstance(kind, str) else "User"))
    return out


# -- the client --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PullRequestInfo:
    number: int
    title: str
    body: str
    author: str
    base_ref: str
    base_sha: str
    head_ref: str
    head_sha: str
    head_repo: str  # full name; differs from the base repository for a fork
    labels: tuple[str, ...]
    draft: bool
    clone_url: str
    author_type: str = "User"  # GitHub's account type: "Bot" for an App or agent account

    @property
    def from_fork(self) -> bool:
        return self.head_repo != self.clone_repo

    @property
    def clone_repo(self) -> str:
        path = urllib.parse.urlparse(self.clone_url).path
        return "/".join(path.removesuffix(".git").strip("/").split("/")[-2:])


@dataclass(frozen=True)
class PullCommit:
    """A pull request commit as GitHub links it: the accounts behind the commit's e-mail addresses
    (``None`` when the address belongs to no account)."""

    sha: str
    author_login: str | None = None
    author_type: str | None = None
    committer_login: str | None = None


@dataclass(frozen=True)
class PullFile:
    filename: str
    status: str
    additions: int
    deletions: int
    previous_filename: str | None = None


class GitHubClient(_Retrying):
    """GitHub calls for one installation (App) or one token (Action); all retried, all one-line errors.

    ``token`` is either a string (the Action's GITHUB_TOKEN) or a callable returning a current token
    (the App: ``lambda: tokens.token(installation_id)``), asked before every call so an expiring
    installation token is replaced without the caller noticing.
    ``seconds_between_writes`` is PyGithub's write throttle (GitHub asks integrators to space content
    writes); None disables it (tests).
    """

    def __init__(self, token: str | Callable[[], str], api_url: str = DEFAULT_API_URL, *,
                 retry: dict[str, Any] | None = None, timeout: int = 15,
                 seconds_between_writes: float | None = None):
        super().__init__(retry)
        self._token = token if callable(token) else (lambda: token)
        self.api_url = api_url
        self._timeout = timeout
        self._writes = seconds_between_writes
        self._gh: tuple[str, Github] | None = None
        self._lock = threading.Lock()

    @classmethod
    def for_installation(cls, tokens: InstallationTokens, installation_id: int, **kw: Any) -> GitHubClient:
        return cls(lambda: tokens.token(installation_id), tokens.creds.api_url, **kw)

    def _github(self) -> Github:
        token = self._token()
        with self._lock:
            if self._gh is None or self._gh[0] != token:
                if self._gh is not None:
                    self._gh[1].close()
                gh = Github(auth=Auth.Token(token), base_url=self.api_url, retry=None, timeout=self._timeout,
                            per_page=100,  # GitHub's maximum: a 3,000-file pull request is 30 pages, not 100
                            lazy=True, seconds_between_requests=None, seconds_between_writes=self._writes)
                self._gh = (token, gh)
            return self._gh[1]

    def _repo(self, owner_repo: str) -> Any:
        return self._github().get_repo(owner_repo)  # lazy: no request until an attribute is needed

    # pull requests ---------------------------------------------------------------------------

    def pull_request(self, owner_repo: str, number: int) -> PullRequestInfo:
        def fetch() -> PullRequestInfo:
            pr = self._repo(owner_repo).get_pull(number)
            return PullRequestInfo(
                number=pr.number, title=pr.title or "", body=pr.body or "", author=pr.user.login,
                base_ref=pr.base.ref, base_sha=pr.base.sha, head_ref=pr.head.ref, head_sha=pr.head.sha,
                head_repo=pr.head.repo.full_name if pr.head.repo is not None else "",
                labels=tuple(label.name for label in pr.labels), draft=bool(pr.draft),
                clone_url=pr.base.repo.clone_url, author_type=pr.user.type or "User",
            )
        return self._call(f"GET pull request {owner_repo}#{number}", fetch)

    def approvals(self, owner_repo: str, number: int, head_sha: str) -> tuple[str, ...]:
        """Logins whose latest review is an approval *of ``head_sha``*, by someone the repository let in.

        Comments do not undo an approval, dismissals and requested changes do. An approval counts
        only for the commit it reviewed (the review's ``commit_id``): approving and then pushing a
        riskier change must not pass on the old approval. This is GitHub branch protection's
        "Dismiss stale pull request approvals when new commits are pushed", always on.

        Only reviewers whose ``author_association`` is OWNER, MEMBER or COLLABORATOR count: on a public
        repository anyone can submit an approving review, and a second account of the author's would
        otherwise satisfy ``approvals: N`` (and "any approval" where no code owner is named). Branch
        protection likewise counts only approvals of people with access to the repository.
        """
        head = head_sha.lower()

        def fetch() -> tuple[str, ...]:
            latest: dict[str, tuple[str, str]] = {}
            for review in self._repo(owner_repo).get_pull(number).get_reviews():
                if review.user is None or review.state in ("COMMENTED", "PENDING"):
                    continue
                if getattr(review, "author_association", None) not in TRUSTED_ASSOCIATIONS:
                    continue
                latest[review.user.login] = (review.state, (review.commit_id or "").lower())
            return tuple(sorted(u for u, (state, sha) in latest.items() if state == "APPROVED" and sha == head))
        return self._call(f"GET reviews of {owner_repo}#{number}", fetch)

    def files(self, owner_repo: str, number: int) -> list[PullFile]:
        def fetch() -> list[PullFile]:
            return [PullFile(f.filename, f.status, f.additions, f.deletions, f.previous_filename)
                    for f in self._repo(owner_repo).get_pull(number).get_files()]
        return self._call(f"GET files of {owner_repo}#{number}", fetch)

    def commits(self, owner_repo: str, number: int) -> list[PullCommit]:
        """The pull request's commits (GitHub lists at most 250) with their GitHub accounts."""
        def fetch() -> list[PullCommit]:
            return [PullCommit(c.sha, c.author.login if c.author else None, c.author.type if c.author else None,
                               c.committer.login if c.committer else None)
                    for c in self._repo(owner_repo).get_pull(number).get_commits()]
        return self._call(f"GET commits of {owner_repo}#{number}", fetch)

    def label_events(self, owner_repo: str, number: int, wanted: Iterable[str], *,
                     max_pages: int = MAX_EVENT_PAGES) -> tuple[list[LabelEvent], str | None]:
        """The ``labeled``/``unlabeled`` events of the pull request (``GET .../issues/N/events``), and
        why the listing cannot be trusted to hold the latest event of every ``wanted`` label (or None).

        One listing of at most ``max_pages`` pages of 100. GitHub lists oldest first; when it names
        the last page, pages are read from there backwards and the listing stops once every wanted
        label has an event (the newest come first, so that is its latest). Without a ``last`` link
        the pages are read forwards, and a listing cut short cannot say which event is the latest.
        """
        names = {w.strip().lower() for w in wanted}

        def fetch() -> tuple[list[LabelEvent], str | None]:
            repo = self._repo(owner_repo)
            url = f"{repo.url}/issues/{int(number)}/events"
            headers, data = repo.requester.requestJsonAndCheck("GET", url, parameters={"per_page": 100})
            events = _label_events(data)
            pages = 1
            links = _links(headers)
            last = _page_of(links.get("last"))
            if last is not None and last > 1:
                # newest first: only the pages read back from the last one say which event is the latest
                # (the first page, read for its links, is the oldest and says nothing of the kind)
                newest: list[LabelEvent] = []
                page = last
                while page > 1 and not names <= set(latest_labelling(newest, names)):
                    if pages >= max_pages:
                        return newest, None  # the newest pages were read: what is missing is older still
                    _, data = repo.requester.requestJsonAndCheck("GET", url, parameters={"per_page": 100,
                                                                                         "page": page})
                    newest += _label_events(data)
                    pages, page = pages + 1, page - 1
                return newest + events if page == 1 else newest, None
            following = links.get("next")
            while following:
                if pages >= max_pages:
                    return events, f"more than {max_pages * 100} events on the pull request"
                headers, data = repo.requester.requestJsonAndCheck("GET", following)
                events += _label_events(data)
                pages += 1
                following = _links(headers).get("next")
            return events, None
        return self._call(f"GET events of {owner_repo}#{number}", fetch)

    def label_provenance(self, owner_repo: str, number: int, labels: Iterable[str],
                         author: str | None) -> LabelProvenance:
        """Who last added each of ``labels`` (those a validation asks for and the pull request carries)
        and whether it counts (:mod:`mergeguard.labelling`): one events listing, and one permission
        look-up per person other than the author who added one. A failed call fails closed: the
        provenance carries the reason and no label counts."""
        wanted = sorted({label.strip().lower() for label in labels if label.strip()})
        if not wanted:
            return LabelProvenance()
        try:
            events, problem = self.label_events(owner_repo, number, wanted)
            if problem:
                return LabelProvenance(error=problem)
            latest = latest_labelling(events, wanted)
            permissions: dict[str, str] = {}
            adders = {}
            for name in wanted:
                event = latest.get(name)
                permission = None
                if event is not None and event.actor and needs_permission(event, author):
                    key = event.actor.lower()
                    if key not in permissions:
                        permissions[key] = self.user_permission(owner_repo, event.actor)
                    permission = permissions[key]
                adders[name] = judge(event, author, permission)
            return LabelProvenance(adders)
        except GitHubError as exc:
            return LabelProvenance(error=str(exc))

    def user_permission(self, owner_repo: str, login: str) -> str:
        """admin / maintain / write / triage / read / none (a non-collaborator is "none")."""
        def fetch() -> str:
            repo = self._repo(owner_repo)
            try:
                _, data = repo.requester.requestJsonAndCheck(
                    "GET", f"{repo.url}/collaborators/{urllib.parse.quote(login, safe='')}/permission")
            except GithubException as exc:
                if exc.status == 404:
                    return "none"
                raise
            role = data.get("role_name")
            return role if role in ("admin", "maintain", "write", "triage", "read") else data.get("permission") or "none"
        return self._call(f"GET permission of {login} on {owner_repo}", fetch)

    def team_members(self, org: str, slug: str) -> tuple[str, ...]:
        """Logins of the team's members, child teams' members included (as CODEOWNERS counts them).

        Needs the App's ``members: read`` organization permission: without it GitHub answers 403
        (:class:`PermissionDenied`); an unknown or secret team is a 404.
        """
        from github.NamedUser import NamedUser
        from github.PaginatedList import PaginatedList

        url = f"/orgs/{urllib.parse.quote(org, safe='')}/teams/{urllib.parse.quote(slug, safe='')}/members"

        def fetch() -> tuple[str, ...]:
            members = PaginatedList(NamedUser, self._github().requester, url, {"per_page": 100})
            return tuple(sorted({m.login for m in members}, key=str.lower))
        return self._call(f"GET members of team {org}/{slug}", fetch)

    # check runs ------------------------------------------------------------------------------

    def create_check_run(self, owner_repo: str, head_sha: str, name: str, *, status: str = "in_progress",
                         external_id: str | None = None, details_url: str | None = None) -> int:
        """Create a check run and return its id; PermissionDenied if the token may not write checks."""
        kw: dict[str, Any] = {"name": name, "head_sha": head_sha, "status": status}
        if external_id is not None:
            kw["external_id"] = external_id
        if details_url is not None:
            kw["details_url"] = details_url
        return self._call(f"POST check run on {owner_repo}@{head_sha[:12]}",
                          lambda: int(self._repo(owner_repo).create_check_run(**kw).id))

    def find_check_run(self, owner_repo: str, head_sha: str, name: str, app_id: int | None = None) -> int | None:
        """The newest check run called ``name`` on ``head_sha`` (by ``app_id`` if given), or None."""
        def fetch() -> int | None:
            runs = self._repo(owner_repo).get_commit(head_sha).get_check_runs(check_name=name, filter="all")
            ids = [r.id for r in runs if app_id is None or (r.app is not None and r.app.id == app_id)]
            return max(ids) if ids else None
        return self._call(f"GET check runs of {owner_repo}@{head_sha[:12]}", fetch)

    def ensure_check_run(self, owner_repo: str, head_sha: str, name: str, *, app_id: int | None = None,
                         status: str = "in_progress", external_id: str | None = None) -> int:
        """One check run per app per head SHA: reuse the existing one, create it only if absent."""
        existing = self.find_check_run(owner_repo, head_sha, name, app_id)
        if existing is not None:
            self.update_check_run(owner_repo, existing, status=status)
            return existing
        return self.create_check_run(owner_repo, head_sha, name, status=status, external_id=external_id)

    def check_run_status(self, owner_repo: str, check_run_id: int) -> str:
        """``queued``, ``in_progress`` or ``completed``: the sweeper completes only runs not yet completed."""
        return self._call(f"GET check run {check_run_id} on {owner_repo}",
                          lambda: str(self._repo(owner_repo).get_check_run(check_run_id).status))

    def annotations_count(self, owner_repo: str, check_run_id: int) -> int:
        """How many annotations the run already carries (GitHub appends on every update)."""
        def fetch() -> int:
            output = self._repo(owner_repo).get_check_run(check_run_id).output
            return int(getattr(output, "annotations_count", 0) or 0)
        return self._call(f"GET check run {check_run_id} on {owner_repo}", fetch)

    def update_check_run(self, owner_repo: str, check_run_id: int, *, status: str = "in_progress",
                         output: dict[str, Any] | None = None) -> None:
        kw: dict[str, Any] = {"status": status}
        if output is not None:
            kw["output"] = clip_output(output)[0]
        self._call(f"PATCH check run {check_run_id} on {owner_repo}",
                   lambda: self._repo(owner_repo).get_check_run(check_run_id).edit(**kw))

    def complete_check_run(self, owner_repo: str, check_run_id: int, conclusion: str, output: dict[str, Any],
                           annotations: Iterable[dict[str, Any]] = (), actions: Iterable[dict[str, Any]] = ()) -> int:
        """Complete the run with ``conclusion``; annotations go 50 per PATCH. Returns the number of PATCHes."""
        out, anns, acts = clip_output(output, annotations, actions)
        batches = [anns[i: i + ANNOTATIONS_PER_REQUEST] for i in range(0, len(anns), ANNOTATIONS_PER_REQUEST)] or [[]]
        for i, batch in enumerate(batches):
            body_output = dict(out) if i == 0 else {"title": out["title"], "summary": out["summary"]}
            if batch:
                body_output["annotations"] = batch
            kw: dict[str, Any] = {"output": body_output}
            if i == 0:
                kw["conclusion"] = conclusion
                if acts:
                    kw["actions"] = acts
            def edit(kw: dict[str, Any] = kw) -> None:  # bound now: B023
                self._repo(owner_repo).get_check_run(check_run_id).edit(**kw)

            self._call(f"PATCH check run {check_run_id} on {owner_repo} ({i + 1}/{len(batches)})", edit)
        return len(batches)

    def close(self) -> None:
        with self._lock:
            if self._gh is not None:
                self._gh[1].close()
                self._gh = None
