"""Team membership for the gate: who is in ``@org/team``, asked of GitHub and kept for a few minutes.

CODEOWNERS and ``risk_acceptance.allowed`` may name teams; the gate counts an approval (or an
"Accept risk" press) by a member as the team's. The CLI and the Action are told the members
(``--team``); the App asks GitHub (``GET /orgs/{org}/teams/{team_slug}/members``, which needs the
``members: read`` organization permission).

What may go wrong, and what the reviewer sees:

* the App lacks ``members: read`` (403), or the team does not exist or is secret (404): the team
  counts nobody, and the verdict says so in a note -- a required code-owner review then stays
  unmet rather than being waved through;
* GitHub is down (5xx, network): the error propagates and the job is retried, because a verdict
  that silently ignored a team's approvals would be wrong.

Answers are cached per installation for ``ttl`` seconds (refusals for ``refusal_ttl``), so a busy
repository costs one lookup per team every few minutes, not one per pull request event.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..github_api import GitHubClient, GitHubError, PermissionDenied


@dataclass(frozen=True)
class _Entry:
    expires: float
    members: tuple[str, ...] | None
    note: str | None


class TeamDirectory:
    """Cached team lookups; thread-safe (job threads share one)."""

    def __init__(self, *, ttl: float = 300.0, refusal_ttl: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.refusal_ttl = refusal_ttl
        self.clock = clock
        self._cache: dict[tuple[int, str], _Entry] = {}
        self._lock = threading.Lock()
        self.lookups = 0

    def resolve(self, gh: GitHubClient, installation: int, names: Iterable[str]
                ) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
        """(``{"@org/team": members}`` for the teams GitHub told us, notes for the ones it did not)."""
        teams: dict[str, tuple[str, ...]] = {}
        notes: list[str] = []
        for name in names:
            entry = self._lookup(gh, installation, name)
            if entry.members is not None:
                teams[name] = entry.members
            elif entry.note:
                notes.append(entry.note)
        return teams, tuple(notes)

    def _lookup(self, gh: GitHubClient, installation: int, name: str) -> _Entry:
        key = (installation, name.lower())
        now = self.clock()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and cached.expires > now:
            return cached
        org, slug = name.lstrip("@").split("/", 1)
        self.lookups += 1
        try:
            entry = _Entry(now + self.ttl, gh.team_members(org, slug), None)
        except PermissionDenied:
            entry = _Entry(now + self.refusal_ttl, None,
                           f"Team {name} counts nobody here: GitHub refused to list its members (the App "
                           f"needs the Members: read organization permission).")
        except GitHubError as exc:
            if exc.status != 404:
                raise  # 5xx, rate limit, network: retry the job rather than decide without the team
            entry = _Entry(now + self.refusal_ttl, None,
                           f"Team {name} counts nobody here: GitHub knows no such team, or it is secret "
                           f"and hidden from the App.")
        with self._lock:
            self._cache[key] = entry
        return entry
