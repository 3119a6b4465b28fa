"""Completing the check runs whose job is gone, so that no check run stays in progress forever.

A score job puts its head's check run in progress first thing and completes it last. In between it
can die in ways no ``except`` sees: the worker is killed (``kill -9``, out of memory, a deploy), the
job is taken over after its lease expired and finds the pull request at a newer head (it then scores
that one), or it fails for good while its ``on_failure`` cannot reach GitHub. Each run a job opens is
noted in the ``check_runs`` table *before* GitHub is asked, and closed after it is completed; the
sweeper reads the notes whose job has ended (done, failed, superseded, or missing) while no other
job of the pull request is queued or running, and completes each run:

* the pull request moved to another head: neutral, "Superseded by <sha>";
* it is still the head: neutral, "Not scored: <the job's last error>" with the Re-score button;
* the run is already completed (the job died between completing it and noting it): nothing to do.

It runs on its own thread in every server process (``WorkerPool``), every ``sweep_seconds``, and at
the end of each score job for the pull request's older heads. Two sweepers completing one run both
write the same thing; a sweeper never closes a note that a newer job has opened again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from mergeguard.checkrun import CHECK_NAME, CheckRunContent, failed, superseded

from ..github_api import GitHubClient, GitHubError, PermissionDenied

log = logging.getLogger("mergeguard.app.sweeper")

#: failed attempts at one run before the sweeper stops trying (GitHub refuses it for good)
MAX_SWEEPS = 20
#: GitHub answers that will not change by asking again: the run, the repository or the access is gone
GONE = (401, 403, 404, 410, 422)


def _gone(exc: GitHubError) -> bool:
    return isinstance(exc, PermissionDenied) or exc.status in GONE


class Sweeper:
    """Completes stranded check runs; ``services`` is app/handlers.py's :class:`Services`."""

    def __init__(self, services: Any, *, interval: float = 60.0) -> None:
        self.s = services
        #: seconds between two periodic sweeps (read by the worker pool)
        self.interval = interval

    def sweep(self, *, limit: int = 50) -> int:
        """Complete the stranded runs (up to ``limit``); returns how many were completed or closed."""
        done = 0
        for row in self.s.store.stranded_check_runs(limit=limit):
            try:
                done += self._sweep_one(row)
            except Exception as exc:
                final = (isinstance(exc, GitHubError) and _gone(exc)) or row["sweeps"] + 1 >= MAX_SWEEPS
                log.log(logging.ERROR if final else logging.WARNING, "%s@%s: cannot complete its check run%s: %s",
                        row["repo"], row["head_sha"][:12], ", giving up" if final else " yet", exc,
                        exc_info=not isinstance(exc, GitHubError))
                if final:
                    self.s.store.close_check_run(row["repo"], row["head_sha"], job_id=row["job_id"])
                else:
                    self.s.store.swept_in_vain(row["id"])
        return done

    def _sweep_one(self, row: Mapping[str, Any]) -> int:
        repo, head = row["repo"], row["head_sha"]
        gh = self.s.client(int(row["installation"]) if row["installation"] is not None
                           else self.s.tokens.installation_for(repo))
        current: str | None = None
        if row["pr_number"] is not None:
            try:
                current = gh.pull_request(repo, int(row["pr_number"])).head_sha
            except GitHubError as exc:
                if not _gone(exc):
                    raise
        reason = row.get("last_error") or "the scoring job ended without completing this check run"
        content = superseded(current) if current and current != head else failed(reason)
        return int(self.complete(gh, repo, head, content, check_run_id=row["check_run_id"], job_id=row["job_id"]))

    def complete(self, gh: GitHubClient, repo: str, head_sha: str, content: CheckRunContent, *,
                 check_run_id: int | None, job_id: int | None) -> bool:
        """Complete ``head_sha``'s run with ``content`` unless GitHub has it completed already; then
        close the note (if ``job_id`` still owns it). ``False`` when a newer job owns the note."""
        run_id = check_run_id or gh.find_check_run(repo, head_sha, CHECK_NAME, app_id=self.s.settings.app_id)
        if run_id is not None and gh.check_run_status(repo, run_id) != "completed" and self._owns(repo, head_sha, job_id):
            gh.complete_check_run(repo, run_id, content.conclusion, content.output(), (), content.actions)
            log.info("%s@%s: check run %s completed by the sweeper: %s", repo, head_sha[:12], run_id, content.title)
        return self.s.store.close_check_run(repo, head_sha, job_id=job_id)

    def _owns(self, repo: str, head_sha: str, job_id: int | None) -> bool:
        """Whether the note is still open and ``job_id``'s: a newer job that opened it completes it itself."""
        return any(r["head_sha"] == head_sha and r["job_id"] == job_id for r in self.s.store.open_check_runs(repo=repo))

    def supersede(self, gh: GitHubClient, repo: str, pr_number: int, head_sha: str, job_id: int) -> int:
        """After ``job_id`` completed ``head_sha``: complete the pull request's runs of older heads that
        no live job owns (or that this job opened before the pull request moved on)."""
        n = 0
        for row in self.s.store.open_check_runs(repo=repo, pr_number=pr_number):
            if row["head_sha"] == head_sha or not (row["job_id"] == job_id or not self.s.store.job_live(row["job_id"])):
                continue
            try:
                n += self.complete(gh, repo, row["head_sha"], superseded(head_sha),
                                   check_run_id=row["check_run_id"], job_id=row["job_id"])
            except GitHubError as exc:  # the periodic sweep tries again
                log.warning("%s@%s: superseded check run not completed yet: %s", repo, row["head_sha"][:12], exc)
        return n
