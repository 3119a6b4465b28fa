"""Which webhook deliveries matter, and the job each one becomes (python/bedevere's shape).

Each handled ``(event, action)`` pair maps to a small pure function that reads the payload and
returns what to persist: jobs to enqueue and, for installation events, the installation's new state.
Nothing here talks to GitHub or the database, so the routing is testable with GitHub's published
payload examples alone; app/web.py wires it to HTTP and app/store.py persists the result.

Job kinds: ``score`` (score the pull request's head and publish a check run), ``reevaluate`` (the
facts changed -- labels, reviews -- so re-run the gate on the stored assessment without scoring
again), ``accept`` (someone pressed "Accept risk" on the check run).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mergeguard.checkrun import ACCEPT_RISK, RESCORE

from . import schemas
from .store import JobSpec

SCORE, REEVALUATE, ACCEPT = "score", "reevaluate", "accept"


class PayloadError(ValueError):
    """The payload lacks a field a handled event must have, or has it in the wrong shape (answered with 400)."""


@dataclass(frozen=True)
class Routed:
    """What a delivery becomes: jobs to enqueue, an installation record to update, or nothing."""

    jobs: list[JobSpec] = field(default_factory=list)
    installation: dict[str, Any] | None = None

    @property
    def ignored(self) -> bool:
        return not self.jobs and self.installation is None


EventHandler = Callable[[Mapping[str, Any], "Context"], Routed]


@dataclass(frozen=True)
class Context:
    """What routing may know besides the payload: our App's id (to ignore other apps' check runs)."""

    app_id: int | None = None


class Router:
    """``(event, action)`` -> handler; ``action=None`` registers for every action of an event."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str | None], EventHandler] = {}
        self._schemas: dict[tuple[str, str | None], schemas.Schema] = {}

    def events(self) -> list[str]:
        """The events some handler acts on (what the App must subscribe to)."""
        return sorted({event for event, _ in self._routes})

    def register(self, event: str, *actions: str | None,
                 schema: Mapping[str, Any] | None = None) -> Callable[[EventHandler], EventHandler]:
        """Route ``event`` (and ``actions``) to the decorated handler; a payload that does not match
        ``schema`` (app/schemas.py) is refused before the handler sees it."""
        compiled = schemas.Schema(schema) if schema is not None else None

        def deco(fn: EventHandler) -> EventHandler:
            for action in actions or (None,):
                self._routes[(event, action)] = fn
                if compiled is not None:
                    self._schemas[(event, action)] = compiled
            return fn
        return deco

    def handles(self, event: str, action: str | None) -> bool:
        return (event, action) in self._routes or (event, None) in self._routes

    def dispatch(self, event: str, payload: Mapping[str, Any], context: Context = Context()) -> Routed:
        action = payload.get("action") if isinstance(payload.get("action"), str) else None
        key = (event, action) if (event, action) in self._routes else (event, None)
        fn = self._routes.get(key)
        if fn is None:
            return Routed()
        schema = self._schemas.get(key)
        problem = schema.problem(payload) if schema is not None else None
        if problem:
            raise PayloadError(f"{event}.{action}: {problem}")
        try:
            return fn(payload, context)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise PayloadError(f"{event}.{action}: payload lacks what it needs ({type(exc).__name__}: {exc})") from None


router = Router()


# -- payload helpers -----------------------------------------------------------------------------

_FULL_NAME = re.compile(schemas.FULL_NAME_PATTERN)


def repo_name(payload: Mapping[str, Any]) -> str | None:
    """``owner/name`` of the payload's repository; None when absent or not of that form (any event,
    handled or not, is recorded with it, so it is never trusted to be well formed)."""
    repo = payload.get("repository")
    name = repo.get("full_name") if isinstance(repo, Mapping) else None
    return name if isinstance(name, str) and _FULL_NAME.fullmatch(name) else None


def installation_id(payload: Mapping[str, Any]) -> int | None:
    """The installation's id when it is an integer the database can hold; None otherwise."""
    inst = payload.get("installation")
    value = inst.get("id") if isinstance(inst, Mapping) else None
    return value if type(value) is int and 1 <= value <= schemas.MAX_ID else None


def _repo_info(payload: Mapping[str, Any]) -> dict[str, Any]:
    repo = payload["repository"]
    return {"full_name": repo["full_name"], "clone_url": repo.get("clone_url"),
            "default_branch": repo.get("default_branch")}


def _pr_job(kind: str, payload: Mapping[str, Any], pr: Mapping[str, Any], **extra: Any) -> JobSpec:
    """A job about one pull request; the payload keeps only what the handler needs, not the delivery."""
    head = pr.get("head") or {}
    base = pr.get("base") or {}
    body = {"repository": _repo_info(payload), "number": int(pr["number"]),
            "head_sha": head.get("sha"), "base_ref": base.get("ref"), "base_sha": base.get("sha"),
            "sender": (payload.get("sender") or {}).get("login"), **extra}
    return JobSpec(kind=kind, repo=repo_name(payload), pr_number=int(pr["number"]),
                   installation=installation_id(payload), payload=body)


def _ours(check: Mapping[str, Any], context: Context) -> bool:
    app = check.get("app")
    return context.app_id is None or not isinstance(app, Mapping) or app.get("id") in (None, context.app_id)


def _check_jobs(kind: str, payload: Mapping[str, Any], check: Mapping[str, Any], **extra: Any) -> list[JobSpec]:
    """One job per pull request a check run/suite belongs to.

    GitHub lists no pull requests for a fork's head; then the job carries only the head SHA and the
    handler finds the pull request from the assessment stored when it was first scored.
    """
    head_sha = check.get("head_sha")
    prs = [p for p in check.get("pull_requests") or [] if isinstance(p, Mapping) and p.get("number") is not None]
    if not prs:
        return [JobSpec(kind=kind, repo=repo_name(payload), pr_number=None, installation=installation_id(payload),
                        payload={"repository": _repo_info(payload), "number": None, "head_sha": head_sha,
                                 "sender": (payload.get("sender") or {}).get("login"), **extra})]
    jobs = []
    for pr in prs:
        spec = _pr_job(kind, payload, pr, **extra)
        jobs.append(JobSpec(spec.kind, spec.repo, spec.pr_number, spec.installation,
                            {**spec.payload, "head_sha": head_sha or spec.payload.get("head_sha")}))
    return jobs


# -- pull requests -------------------------------------------------------------------------------

@router.register("pull_request", "opened", "synchronize", "reopened", "ready_for_review", schema=schemas.PULL_REQUEST)
def pull_request_changed(payload: Mapping[str, Any], context: Context) -> Routed:
    """New code (or a pull request back in play): score it."""
    return Routed(jobs=[_pr_job(SCORE, payload, payload["pull_request"])])


@router.register("pull_request", "labeled", "unlabeled", schema=schemas.PULL_REQUEST)
def pull_request_labels(payload: Mapping[str, Any], context: Context) -> Routed:
    """Labels feed the gate (e.g. a skip label), not the score: re-decide only."""
    return Routed(jobs=[_pr_job(REEVALUATE, payload, payload["pull_request"])])


@router.register("pull_request", "edited", schema=schemas.PULL_REQUEST_EDITED)
def pull_request_edited(payload: Mapping[str, Any], context: Context) -> Routed:
    """A new base branch is a new change under another gate: score it (a pull request opened against a
    lenient branch and retargeted would otherwise keep that branch's verdict). A new description may add
    or remove a rollout note: re-decide. A new title changes nothing."""
    changes = payload.get("changes") or {}
    if "base" in changes:
        return Routed(jobs=[_pr_job(SCORE, payload, payload["pull_request"])])
    if "body" in changes:
        return Routed(jobs=[_pr_job(REEVALUATE, payload, payload["pull_request"])])
    return Routed()


@router.register("pull_request_review", "submitted", "dismissed", schema=schemas.PULL_REQUEST)
def review_changed(payload: Mapping[str, Any], context: Context) -> Routed:
    """An approval may satisfy (or stop satisfying) the gate's required reviews: re-decide only."""
    return Routed(jobs=[_pr_job(REEVALUATE, payload, payload["pull_request"])])


# -- check runs and suites -----------------------------------------------------------------------

@router.register("check_run", "rerequested", schema=schemas.CHECK_RUN)
def check_run_rerequested(payload: Mapping[str, Any], context: Context) -> Routed:
    check = payload["check_run"]
    if not _ours(check, context):
        return Routed()
    return Routed(jobs=_check_jobs(SCORE, payload, check))


@router.register("check_suite", "rerequested", schema=schemas.CHECK_SUITE)
def check_suite_rerequested(payload: Mapping[str, Any], context: Context) -> Routed:
    suite = payload["check_suite"]
    if not _ours(suite, context):
        return Routed()
    return Routed(jobs=_check_jobs(SCORE, payload, suite))


@router.register("check_run", "requested_action", schema=schemas.CHECK_RUN)
def check_run_action(payload: Mapping[str, Any], context: Context) -> Routed:
    """The buttons on our check run: accept the risk, or score again."""
    check = payload["check_run"]
    if not _ours(check, context):
        return Routed()
    identifier = (payload.get("requested_action") or {}).get("identifier")
    if identifier == ACCEPT_RISK:
        return Routed(jobs=_check_jobs(ACCEPT, payload, check, check_run_id=check.get("id")))
    if identifier == RESCORE:
        return Routed(jobs=_check_jobs(SCORE, payload, check))
    return Routed()


# -- installations -------------------------------------------------------------------------------

_INSTALLATION_STATE = {"created": "active", "unsuspend": "active", "new_permissions_accepted": "active",
                       "suspend": "suspended", "deleted": "deleted"}


def _names(repos: Any) -> list[str]:
    return [str(r["full_name"]) for r in repos or [] if isinstance(r, Mapping) and r.get("full_name")]


@router.register("installation", schema=schemas.INSTALLATION)
def installation_changed(payload: Mapping[str, Any], context: Context) -> Routed:
    inst = payload["installation"]
    action = payload.get("action")
    change: dict[str, Any] = {"id": int(inst["id"]), "account": (inst.get("account") or {}).get("login"),
                              "state": _INSTALLATION_STATE.get(str(action))}
    if action == "created" and payload.get("repositories") is not None:
        change["repos"] = _names(payload.get("repositories"))
    return Routed(installation=change)


@router.register("installation_repositories", "added", "removed", schema=schemas.INSTALLATION_REPOSITORIES)
def installation_repositories(payload: Mapping[str, Any], context: Context) -> Routed:
    inst = payload["installation"]
    return Routed(installation={"id": int(inst["id"]), "account": (inst.get("account") or {}).get("login"),
                                "repos_added": _names(payload.get("repositories_added")),
                                "repos_removed": _names(payload.get("repositories_removed"))})
