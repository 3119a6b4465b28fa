"""The job handlers: score a pull request, re-decide its gate, record an acceptance.

They glue GitHub (mergeguard/github_api.py), the mirrors (app/mirror.py) and the shared review
(mergeguard/review.py, mergeguard/checkrun.py) together, and hold no scoring logic of their own, so a
pull request gets the same verdict from the App as from the CLI and the Action.

Every handler is idempotent, because the queue delivers at least once: the check run is found (or
created) per head SHA and then overwritten, an acceptance already recorded is not recorded twice.
No check run is left ``in_progress``: the scorer opens it first thing (noting it in the store before
it asks GitHub), and when a job fails for good :meth:`ScoreHandler.on_failure` completes it as neutral
with the reason; runs whose job died without either are completed by app/sweeper.py.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from mergeguard import audit
from mergeguard.assessment import Assessment, Review
from mergeguard.budget import SourceAccess
from mergeguard.change import Limits
from mergeguard.checkrun import CHECK_NAME, content, failed, superseded, with_note
from mergeguard.errors import MergeguardError, ModelError, RefError
from mergeguard.git import GitRepo
from mergeguard.gate import base_files, read_codeowners, read_config
from mergeguard.policy import PullRequestFacts, labels_to_trace, may_accept, teams_to_resolve
from mergeguard.review import reverdict

from ..github_api import (AppCredentials, GitHubClient, GitHubError, InstallationTokens, PermissionDenied, PullCommit,
                     PullRequestInfo)
from .jobs import Job, PermanentError
from .metrics import Metrics
from .mirror_budget import BudgetedMirror
from .scoring import ScoreRequest, scorer
from .settings import Settings
from .store import JobSpec, Store
from .sweeper import Sweeper
from .teams import TeamDirectory

log = logging.getLogger("mergeguard.app.handlers")

#: repository permissions that may press "Accept risk" (and are then checked against the config)
WRITE_ROLES = ("write", "maintain", "admin")


class Services:
    """What the handlers share in one process: GitHub clients, mirrors, the model, warm histories."""

    def __init__(self, settings: Settings, store: Store, metrics: Metrics) -> None:
        self.settings = settings
        self.store = store
        self.metrics = metrics
        self.tokens = InstallationTokens(AppCredentials(settings.app_id, settings.private_key,
                                                        settings.github_api_url))
        self.mirror = BudgetedMirror(settings.mirrors_dir, budget_bytes=settings.mirror_disk_mb * 2**20
                                     if settings.mirror_disk_mb else None)
        metrics.watch_mirrors(self.mirror.stats)
        #: error-budget sources: only the operator's URL prefixes, never a file on this server
        self.budget_access = SourceAccess.app(settings.error_budget_urls)
        self.teams = TeamDirectory()
        self._model: Any = None
        self._lock = threading.Lock()
        self._clients: dict[int, GitHubClient] = {}
        self.scorer = scorer(settings.job_scoring, model_dir=settings.model_dir, model=self.model,
                             processes=settings.job_threads, timeout=settings.scoring_timeout_seconds,
                             on_start=metrics.scoring_process_started,
                             warm_bytes=settings.warm_index_mb * 2**20)
        metrics.watch_warm(self.scorer.warm_stats)
        self.sweeper = Sweeper(self, interval=settings.sweep_seconds)

    def close(self) -> None:
        """Stop the scoring processes (after the job threads stopped); idempotent."""
        self.scorer.close()

    def model(self) -> Any:
        """The risk model, loaded once per process on first use (a bad model dir fails the job, not start-up)."""
        with self._lock:
            if self._model is None:
                from mergeguard.models.model import load

                self._model = load(self.settings.model_dir)
            return self._model

    def installation(self, job: Job) -> int:
        if job.installation is not None:
            return int(job.installation)
        if not job.repo:
            raise PermanentError("the job names neither an installation nor a repository")
        return self.tokens.installation_for(job.repo)

    def client(self, installation: int) -> GitHubClient:
        with self._lock:
            if installation not in self._clients:
                self._clients[installation] = GitHubClient.for_installation(self.tokens, installation)
            return self._clients[installation]

    def acceptances(self, repo: str, head_sha: str) -> list[audit.Acceptance]:
        return [audit.Acceptance(head_sha=r["head_sha"], by=r["by"], at=r["at"], reason=r["reason"],
                                 base=r.get("base_ref"), level=r.get("level"))
                for r in self.store.acceptances_for(repo, head_sha)]


def transient(exc: BaseException) -> bool | None:
    """Retry network trouble, GitHub 5xx/429 and failed git fetches; never input errors or refusals."""
    if isinstance(exc, PermissionDenied):
        return False
    if isinstance(exc, GitHubError):
        return exc.status is None or exc.status >= 500 or exc.status == 429
    if isinstance(exc, RefError | ModelError):
        return False
    if isinstance(exc, MergeguardError):
        # RepositoryError from a clone/fetch is almost always the network or the server
        return type(exc).__name__ == "RepositoryError"
    return None  # let the queue decide (OSError, timeouts: transient; bugs: not)


class _Base:
    def __init__(self, services: Services) -> None:
        self.s = services

    def close(self) -> None:
        self.s.close()

    @property
    def sweeper(self) -> Sweeper:
        """Run periodically by the worker pool (once per process, however many handlers share it)."""
        return self.s.sweeper

    def transient(self, exc: BaseException) -> bool | None:
        return transient(exc)

    def run(self, job: Job) -> None:
        try:
            with self.s.mirror.in_use(job.repo):  # its mirror is not evicted while the job runs
                self._run(job)
        except GitHubError as exc:
            self.s.metrics.github_error(exc.status)
            raise

    def _run(self, job: Job) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def on_failure(self, job: Job, reason: str) -> None:
        """Complete the head's check run as neutral with ``reason``: a check is never left in progress.

        Runs this job opened for heads the pull request has since left are completed as superseded.
        """
        try:
            installation = self.s.installation(job)
            gh = self.s.client(installation)
            head_sha = job.payload.get("head_sha")
            number = self._number(job)
            if number is not None and job.repo:
                try:
                    head_sha = gh.pull_request(job.repo, number).head_sha
                except GitHubError:
                    pass  # keep the head the webhook named
            if not isinstance(head_sha, str) or not head_sha or not job.repo:
                log.error("job %s failed (%s) and names no head commit: no check run to complete", job.id, reason)
                return
            for row in self.s.store.open_check_runs(repo=job.repo, job_id=job.id):
                if row["head_sha"] != head_sha:
                    self.s.sweeper.complete(gh, job.repo, row["head_sha"], superseded(head_sha),
                                            check_run_id=row["check_run_id"], job_id=job.id)
            check_id = self._open_run(gh, job, installation, number, head_sha)
            out = failed(reason)
            gh.complete_check_run(job.repo, check_id, out.conclusion, out.output(), (), out.actions)
            self.s.store.close_check_run(job.repo, head_sha, job_id=job.id)
        except GitHubError as exc:
            self.s.metrics.github_error(exc.status)
            raise

    def _open_run(self, gh: GitHubClient, job: Job, installation: int, number: int | None, head_sha: str,
                  external_id: str | None = None) -> int:
        """Put ``head_sha``'s check run in progress (found or created), noted first so that a worker
        killed at any point after leaves the sweeper something to complete."""
        repo = job.repo or ""
        self.s.store.open_check_run(repo, head_sha, pr_number=number, installation=installation, job_id=job.id)
        check_id = gh.ensure_check_run(repo, head_sha, CHECK_NAME, app_id=self.s.settings.app_id,
                                       external_id=external_id)
        self.s.store.set_check_run_id(repo, head_sha, check_id)
        return check_id

    # -- shared steps ----------------------------------------------------------------------------

    def _number(self, job: Job) -> int | None:
        """The pull request's number; a fork's check run names none, the stored assessment does."""
        if job.pr_number is not None:
            return int(job.pr_number)
        head_sha = job.payload.get("head_sha")
        if job.repo and head_sha:
            row = self.s.store.latest_assessment(job.repo, head_sha=head_sha)
            if row:
                return int(row["pr_number"])
        return None

    def _require_number(self, job: Job) -> int:
        number = self._number(job)
        if number is None:
            raise PermanentError("this check run belongs to no pull request mergeguard has seen")
        return number

    def _pull_request(self, job: Job, number: int) -> tuple[int, GitHubClient, PullRequestInfo]:
        """The job's installation, a client for it, and the pull request as GitHub has it now."""
        installation = self.s.installation(job)
        gh = self.s.client(installation)
        return installation, gh, gh.pull_request(job.repo or "", number)

    def _facts(self, gh: GitHubClient, installation: int, git: GitRepo, repo: str, pr: PullRequestInfo, *,
               base: str | None, paths: Iterable[str]) -> PullRequestFacts:
        """What the gate needs from GitHub: approvals, labels and who added them, description, acceptances,
        and the members of the teams the config at ``base`` and the CODEOWNERS owners of ``paths`` name.

        Who added a label is looked up only for the labels a validation of the config asks for and the
        pull request carries: none asked for, no events listing."""
        files = base_files(git, base)
        config = read_config(git, base, files=files)
        wanted = teams_to_resolve(config, read_codeowners(git, base, files), paths)
        teams, notes = self.s.teams.resolve(gh, installation, wanted)
        return PullRequestFacts(author=pr.author, labels=pr.labels,
                                approvals=gh.approvals(repo, pr.number, pr.head_sha),
                                description=pr.body, head_sha=pr.head_sha, teams=teams, notes=notes,
                                acceptances=tuple(self.s.acceptances(repo, pr.head_sha)),
                                label_provenance=gh.label_provenance(repo, pr.number, labels_to_trace(config, pr.labels),
                                                                    pr.author),
                                base_branch=pr.base_ref)

    def _publish(self, gh: GitHubClient, repo: str, check_id: int, done: Review) -> None:
        """Complete the run. GitHub *appends* annotations on every update, so a run that already has
        them (a re-decision, a re-score of the same head, a retried job) gets none again."""
        c = content(done)
        annotations = c.annotations if c.annotations and gh.annotations_count(repo, check_id) == 0 else []
        gh.complete_check_run(repo, check_id, c.conclusion, c.output(), annotations, c.actions)

    def _git(self, installation: int, repo: str, pr: PullRequestInfo, *, fetch: bool) -> GitRepo:
        """The repository's mirror; fetched (base branch and the pull request's head) when ``fetch``
        or when there is none yet. A re-decision reads only the config at the stored base, which the
        mirror has since the scoring."""
        path = self.s.mirror.path(repo)
        if not fetch and path.exists():
            return GitRepo(path)
        return self.s.mirror.sync(repo, pr.clone_url, self.s.tokens.token(installation),
                                  refs=[pr.base_ref, f"refs/pull/{pr.number}/head"])


class ScoreHandler(_Base):
    """``score``: check run in progress -> mirror -> review base..head -> store -> complete the check run."""

    def _run(self, job: Job) -> None:
        repo = job.repo or ""
        number = self._require_number(job)
        installation, gh, pr = self._pull_request(job, number)
        check_id = self._open_run(gh, job, installation, number, pr.head_sha, external_id=f"{repo}#{number}")
        git = self._git(installation, repo, pr, fetch=True)
        base_sha = git.resolve(f"refs/heads/{pr.base_ref}")
        head_sha = git.resolve(pr.head_sha)
        merge_base = git.merge_base(base_sha, head_sha)
        self._backfill(installation, repo, merge_base, head_sha)
        files = gh.files(repo, number)
        facts = replace(self._facts(gh, installation, git, repo, pr, base=base_sha,
                                    paths=sorted({p for f in files for p in (f.filename, f.previous_filename) if p})),
                        accounts=bot_accounts(pr, gh.commits(repo, number)))
        request = ScoreRequest(str(git.path), base_sha, head_sha, merge_base, facts, Limits(),
                               budget_access=self.s.budget_access,
                               score_cache=str(self.s.settings.scores_dir / repo.replace("/", "+")))
        assessment = self.s.scorer.score(repo, request)  # JSON: what crosses the scoring child's pipe
        self.s.store.save_assessment(repo, number, assessment, check_run_id=check_id, base_ref=pr.base_ref)
        self._publish(gh, repo, check_id, Review.from_json(assessment))
        self.s.store.close_check_run(repo, pr.head_sha, job_id=job.id)
        # runs of heads this pull request has left, whose job is gone (or was this one, taken over);
        # the verdict is out, so nothing here may fail the job (the periodic sweep tries again)
        try:
            self.s.sweeper.supersede(gh, repo, number, pr.head_sha, job.id)
        except Exception:
            log.exception("%s#%d: completing the runs of older heads failed; the sweeper will", repo, number)

    def _backfill(self, installation: int, repo: str, base: str, head: str) -> None:
        """Bring the pull request's files over 1 MB into the mirror; on failure they are left out of
        the scoring (which notes it) rather than failing the job for a data file."""
        try:
            fetched = self.s.mirror.backfill(repo, self.s.tokens.token(installation), base, head)
        except MergeguardError as exc:
            log.warning("%s: large files of %s..%s not fetched, scoring without them: %s",
                        repo, base[:12], head[:12], exc)
            return
        if fetched:
            log.info("%s: fetched %d large file(s) for %s..%s", repo, len(fetched), base[:12], head[:12])


class ReevaluateHandler(_Base):
    """``reevaluate``: labels or reviews changed; re-decide the gate on the stored assessment."""

    def _run(self, job: Job) -> None:
        repo = job.repo or ""
        number = self._require_number(job)
        installation, gh, pr = self._pull_request(job, number)
        self.reevaluate(gh, installation, repo, pr, job)

    def reevaluate(self, gh: GitHubClient, installation: int, repo: str, pr: PullRequestInfo, job: Job) -> None:
        stored = self.s.store.latest_assessment(repo, pr_number=pr.number, head_sha=pr.head_sha)
        if stored is None:
            # never scored at this head (installed after the push, or a score still queued): score it
            self.s.store.enqueue(JobSpec("score", repo, pr.number, installation, dict(job.payload)),
                                 max_attempts=self.s.settings.max_attempts)
            return
        if not stored["check_run_id"]:  # a run is about to be put in progress: noted first (app/sweeper.py)
            self.s.store.open_check_run(repo, pr.head_sha, pr_number=pr.number, installation=installation,
                                        job_id=job.id)
        git = self._git(installation, repo, pr, fetch=False)
        change = Assessment.from_json(stored["assessment"]).change
        facts = self._facts(gh, installation, git, repo, pr, base=change.gate_base or str(stored.get("base_sha") or ""),
                            paths=change.paths)
        done = reverdict(git, stored["assessment"], model=self.s.model(), facts=facts,
                         acceptances=facts.acceptances, budget_access=self.s.budget_access,
                         score_cache=str(self.s.settings.scores_dir / repo.replace("/", "+")))
        check_id = stored["check_run_id"] or gh.ensure_check_run(repo, pr.head_sha, CHECK_NAME,
                                                                 app_id=self.s.settings.app_id)
        self.s.store.save_assessment(repo, pr.number, done.to_json(), check_run_id=check_id,
                                     base_ref=stored.get("base_ref"))  # the branch it was scored against
        self._publish(gh, repo, check_id, done)
        if not stored["check_run_id"]:
            self.s.store.close_check_run(repo, pr.head_sha, job_id=job.id)

    def on_failure(self, job: Job, reason: str) -> None:
        # a failed re-decision leaves the previous (completed) check run as it was: nothing is in progress
        log.error("reevaluate job %s failed: %s", job.id, reason)


class AcceptHandler(ReevaluateHandler):
    """``accept``: the "Accept risk" button. Allowed only if the config lists the user AND GitHub says
    they can write to the repository; recorded in the audit table, then the gate is re-decided. A
    refusal is shown on the check run (a note above the summary), since the button has no reply."""

    REASON = "accepted with the check run's Accept risk button"

    def _run(self, job: Job) -> None:
        repo = job.repo or ""
        number = self._require_number(job)
        login = str(job.payload.get("sender") or "")
        if not login:
            raise PermanentError("the button press names no user")
        installation, gh, pr = self._pull_request(job, number)
        head_sha = str(job.payload.get("head_sha") or pr.head_sha)
        if head_sha != pr.head_sha:
            log.warning("accept by %s on %s#%d ignored: %s is no longer the head", login, repo, number, head_sha[:12])
            return
        stored = self.s.store.latest_assessment(repo, pr_number=number, head_sha=head_sha)
        if stored is None:
            raise PermanentError(f"no assessment of {head_sha[:12]} to accept")
        git = self._git(installation, repo, pr, fetch=False)
        refusal = self.refusal(gh, installation, git, repo, stored, login, author=pr.author)
        if refusal is not None:
            self._tell(gh, repo, stored, job, refusal)
            return
        # what the press accepts: the verdict on the check run (its level), into the branch it was scored
        # against; a row scored before the branch was kept stands for the pull request's branch now
        level = Review.from_json(stored["assessment"]).verdict.level
        base_ref = stored.get("base_ref") or pr.base_ref
        if base_ref != pr.base_ref:
            self._tell(gh, repo, stored, job, f"@{login} asked to accept the risk scored against '{base_ref}', but the "
                                              f"pull request now targets '{pr.base_ref}' and is scored again; "
                                              "accept its new verdict.")
            return
        if not any(a["by"].lower() == login.lower() and a.get("base_ref") == base_ref and a.get("level") == level
                   for a in self.s.store.acceptances_for(repo, head_sha)):
            self.s.store.record_acceptance(repo, number, head_sha, login, self.REASON, base_ref=base_ref, level=level)
        self.reevaluate(gh, installation, repo, pr, job)

    def refusal(self, gh: GitHubClient, installation: int, git: GitRepo, repo: str, stored: Mapping[str, Any],
                login: str, *, author: str | None = None) -> str | None:
        """Why ``login`` may not accept this risk (one sentence for the check run), or None if they may.

        The pull request's ``author`` never may, whatever the config says: approvals exclude the
        author, and so does acceptance (:func:`mergeguard.policy.may_accept`)."""
        if author and login.lower() == author.lower():
            log.warning("accept by %s on %s refused: the pull request's author", login, repo)
            return (f"@{login} asked to accept the risk of their own pull request; the author never may "
                    "(ask someone in risk_acceptance.allowed).")
        base = Assessment.from_json(stored["assessment"]).change.gate_base or stored.get("base_sha")
        config = read_config(git, base)
        teams, notes = self.s.teams.resolve(gh, installation, teams_to_resolve(config, None, ()))
        if not may_accept(config, login, teams, author=author):
            log.warning("accept by %s on %s refused: not in risk_acceptance.allowed", login, repo)
            return (f"@{login} asked to accept the risk but is not allowed by risk_acceptance.allowed "
                    f"in {config.source}." + "".join(f" {n}" for n in notes))
        permission = gh.user_permission(repo, login)
        if permission not in WRITE_ROLES:
            log.warning("accept by %s on %s refused: repository permission %r", login, repo, permission)
            return (f"@{login} asked to accept the risk but has no write access to {repo} "
                    f"(GitHub reports {permission!r}).")
        return None

    def _tell(self, gh: GitHubClient, repo: str, stored: Mapping[str, Any], job: Job, note: str) -> None:
        """Show a refusal on the check run: GitHub has no reply channel for a button press.

        The stored verdict is published again with the note above its summary. No annotations are
        sent (GitHub appends them on every update, so re-sending would duplicate them); conclusion and
        buttons stay as they were. The next re-decision or score replaces the note.
        """
        check_id = stored.get("check_run_id") or job.payload.get("check_run_id")
        if not check_id:
            return
        c = content(Review.from_json(stored["assessment"]))
        gh.complete_check_run(repo, int(check_id), c.conclusion, with_note(c, note), (), c.actions)


def bot_accounts(pr: PullRequestInfo, commits: Iterable[PullCommit]) -> dict[str, str]:
    """The bot accounts GitHub names behind a pull request: its author and its commits' authors.

    Only accounts GitHub itself types as ``Bot`` (Apps and agents such as ``copilot-swe-agent[bot]``):
    a person whose login happens to read "claude" is not evidence of anything.
    """
    accounts = {"pull request": pr.author} if pr.author_type == "Bot" and pr.author else {}
    for c in commits:
        if c.author_type == "Bot" and c.author_login:
            accounts[f"author of {c.sha[:12]}"] = c.author_login
    return accounts


def default_handlers(settings: Settings, store: Store, metrics: Metrics) -> dict[str, Any]:
    services = Services(settings, store, metrics)
    return {"score": ScoreHandler(services), "reevaluate": ReevaluateHandler(services),
            "accept": AcceptHandler(services)}
