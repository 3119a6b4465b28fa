"""Which worker a repository's jobs go to when several ``mergeguard serve`` processes share one database.

A worker that scored a repository has its mirror on local disk and its history index warm in memory;
the next job of that repository costs it a fetch and a few milliseconds, while any other worker pays a
clone and a full history replay. So a repository has an *owner*: the worker that last claimed one of
its jobs (``repo_owners``). Every job-working process registers itself in ``workers`` and renews
``seen_at`` with a heartbeat. A queued job of a repository is claimable

* by its owner,
* by anyone when the repository has no owner, or its owner is dead (not seen for ``ttl_seconds``:
  SIGKILL, a lost host, or a graceful stop, which retires the worker at once), or
* by anyone once the job has waited ``wait_seconds`` since it became runnable: the owner is
  overloaded (its queue is deeper than it can work in that time), so the repository moves.

Whoever claims a job becomes the repository's owner, so a repository moves only in those cases. Each
worker takes its own repositories' jobs first. Affinity only orders and filters claims; the claim
itself is the queue's (app/jobs.py: one conditional UPDATE; on PostgreSQL the candidate row is also
locked with ``SELECT ... FOR UPDATE SKIP LOCKED`` so that concurrent workers do not queue on one row),
so nothing is lost or run twice because of it. A job whose lease expired is claimable by anyone.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, exists, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from .store import Store, jobs, repo_owners, workers

#: seconds between two heartbeats of a worker
DEFAULT_HEARTBEAT_SECONDS = 10.0
#: a worker not seen for this long is dead: its repositories go to whoever claims their next job
DEFAULT_TTL_SECONDS = 30.0
#: a job waiting this long for its repository's owner goes to any worker (the owner is overloaded)
DEFAULT_WAIT_SECONDS = 30.0
#: rows of workers not seen for this long are deleted (restarts leave one row each)
FORGET_SECONDS = 86_400.0


def new_worker_id() -> str:
    """Host, process and a random part: unique across hosts and restarts, readable in the database."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Affinity:
    """One worker's view: the SQL that filters and orders its claims, and its registry row."""

    worker_id: str = field(default_factory=new_worker_id)
    ttl_seconds: float = DEFAULT_TTL_SECONDS
    wait_seconds: float = DEFAULT_WAIT_SECONDS

    # -- claiming -----------------------------------------------------------------------------------

    def allowed(self, now: float) -> ColumnElement[bool]:
        """Jobs this worker may claim at ``now`` (a condition on ``jobs``)."""
        held_elsewhere = exists(
            select(repo_owners.c.repo)
            .select_from(repo_owners.join(workers, workers.c.id == repo_owners.c.worker))
            .where(repo_owners.c.repo == jobs.c.repo, repo_owners.c.worker != self.worker_id,
                   workers.c.seen_at >= now - self.ttl_seconds))
        return or_(jobs.c.repo.is_(None), jobs.c.state == "running", ~held_elsewhere,
                   jobs.c.run_after <= now - self.wait_seconds)

    def preference(self) -> ColumnElement[int]:
        """ORDER BY key: 0 for this worker's own repositories, 1 for the others."""
        mine = exists(select(repo_owners.c.repo).where(repo_owners.c.repo == jobs.c.repo,
                                                       repo_owners.c.worker == self.worker_id))
        return case((mine, 0), else_=1)

    def take(self, conn: Connection, repo: str | None, now: float) -> None:
        """This worker now owns ``repo`` (inside the claiming transaction)."""
        if repo:
            _upsert(conn, repo_owners, {"repo": repo}, {"worker": self.worker_id, "claimed_at": now})

    # -- the registry -------------------------------------------------------------------------------

    def heartbeat(self, store: Store, now: float | None = None) -> None:
        """Say this worker is alive (registering it if its row is gone); forget long-dead workers."""
        now = time.time() if now is None else now
        with store.begin() as conn:
            _upsert(conn, workers, {"id": self.worker_id},
                    {"host": socket.gethostname()[:255], "pid": os.getpid(), "seen_at": now},
                    insert_only={"started_at": now})
            dead = select(workers.c.id).where(workers.c.seen_at < now - FORGET_SECONDS)
            conn.execute(delete(repo_owners).where(repo_owners.c.worker.in_(dead)))
            conn.execute(delete(workers).where(workers.c.seen_at < now - FORGET_SECONDS))

    def retire(self, store: Store) -> None:
        """A graceful stop: the worker's repositories are free at once, not after ``ttl_seconds``."""
        with store.begin() as conn:
            conn.execute(delete(repo_owners).where(repo_owners.c.worker == self.worker_id))
            conn.execute(delete(workers).where(workers.c.id == self.worker_id))


def live_workers(store: Store, ttl_seconds: float, now: float | None = None) -> int:
    now = time.time() if now is None else now
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(workers)
                                .where(workers.c.seen_at >= now - ttl_seconds)).scalar_one())


def owners(store: Store) -> dict[str, str]:
    """repository -> owning worker id (tests and operations)."""
    with store.engine.connect() as conn:
        return dict(conn.execute(select(repo_owners.c.repo, repo_owners.c.worker)).all())


def _upsert(conn: Connection, table: Any, key: Mapping[str, Any], values: Mapping[str, Any], *,
            insert_only: Mapping[str, Any] | None = None) -> None:
    """INSERT ... ON CONFLICT DO UPDATE where the dialect has it (PostgreSQL, SQLite), else update-then-insert
    (the row is keyed by this worker or claimed under the job's row lock: no concurrent insert races it)."""
    name = conn.dialect.name
    if name in ("postgresql", "sqlite"):
        from sqlalchemy.dialects import postgresql, sqlite

        row = {**key, **values, **(insert_only or {})}
        # the two dialects' Insert types differ but both have on_conflict_do_update with these arguments
        stmt: Any = (postgresql.insert(table) if name == "postgresql" else sqlite.insert(table)).values(**row)
        conn.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=dict(values)))
        return
    where = and_(*(table.c[k] == v for k, v in key.items()))
    if not conn.execute(update(table).where(where).values(**values)).rowcount:
        conn.execute(insert(table).values(**key, **values, **(insert_only or {})))
