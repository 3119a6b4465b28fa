"""The App's database: deliveries, jobs, installations, assessments and the audit log of acceptances.

SQLAlchemy Core (2.x) so any URL works (PostgreSQL in production if wanted); SQLite by default, in
WAL mode with a busy timeout so the web threads and the job threads can write side by side. Tables
are created at start-up (``metadata.create_all``): there is one schema version so far, and a server
must never need a manual step before it can take its first webhook.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (JSON, BigInteger, Column, DefaultClause, Float, Index, Integer, MetaData, String, Table, Text,
                        create_engine, event, func, insert, inspect, select, text, update)
from sqlalchemy.engine import Connection, CursorResult, Engine, make_url
from sqlalchemy.exc import IntegrityError

metadata = MetaData()

deliveries = Table(
    "deliveries", metadata,
    Column("id", String(64), primary_key=True),  # X-GitHub-Delivery
    Column("event", String(64), nullable=False),
    Column("action", String(64)),
    Column("received_at", Float, nullable=False),
    Column("repo", String(255)),
    Column("installation", BigInteger),
    Column("outcome", String(32), nullable=False),  # queued | ignored | recorded
)

jobs = Table(
    "jobs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("state", String(16), nullable=False),  # queued | running | done | failed | superseded
    Column("repo", String(255)),
    Column("pr_number", Integer),
    Column("installation", BigInteger),
    Column("coalesce_key", String(300)),  # repo#pr: one job at a time per pull request
    Column("payload", JSON, nullable=False),
    Column("delivery_id", String(64)),
    Column("attempts", Integer, nullable=False, default=0),  # claims, whatever became of them
    # genuine failures (the handler raised): these spend the retry budget (max_attempts)
    Column("failures", Integer, nullable=False, default=0, server_default="0"),
    # claims of a job whose lease had expired (its worker died or was killed): a separate, larger
    # budget, so a crash-looping server does not turn the pull requests it was working on neutral
    Column("takeovers", Integer, nullable=False, default=0, server_default="0"),
    Column("max_attempts", Integer, nullable=False),
    Column("run_after", Float, nullable=False),
    Column("lease_until", Float),
    Column("lease_token", String(64)),
    Column("last_error", Text),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("ix_jobs_state_run_after", "state", "run_after"),
    Index("ix_jobs_coalesce", "coalesce_key", "state"),
)

installations = Table(
    "installations", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("account", String(255)),
    Column("state", String(16), nullable=False),  # active | suspended | deleted
    Column("repos", JSON, nullable=False),
    Column("updated_at", Float, nullable=False),
)

assessments = Table(
    "assessments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("repo", String(255), nullable=False),
    Column("pr_number", Integer, nullable=False),
    Column("head_sha", String(64), nullable=False),
    Column("base_sha", String(64)),
    Column("score", Float),
    Column("level", String(16)),
    Column("features", JSON),
    Column("assessment", JSON, nullable=False),
    Column("model_version", String(64)),
    Column("check_run_id", BigInteger),  # GitHub's check run ids are past 2**34: 32 bits overflow
    Column("created_at", Float, nullable=False),
    # the branch the pull request targeted when it was scored (None: scored before this was kept)
    Column("base_ref", String(255)),
    Index("ix_assessments_pr", "repo", "pr_number", "head_sha"),
    Index("ix_assessments_head", "repo", "head_sha"),
)

acceptances = Table(
    "acceptances", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("repo", String(255), nullable=False),
    Column("pr_number", Integer, nullable=False),
    Column("head_sha", String(64), nullable=False),
    Column("by", String(255), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", String(40), nullable=False),  # ISO 8601 UTC, as in mergeguard.audit
    # the base branch and the level accepted (mergeguard.audit): None in rows written before they were
    # kept, which accept nothing (what they accepted cannot be told)
    Column("base_ref", String(255)),
    Column("level", String(16)),
    Index("ix_acceptances_head", "repo", "head_sha"),
)

check_runs = Table(
    "check_runs", metadata,
    # every check run a score job opened (set in progress), until it is completed: what the sweeper
    # (app/sweeper.py) reads to complete the runs whose job is gone, so none stays in progress forever
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("repo", String(255), nullable=False),
    Column("head_sha", String(64), nullable=False),
    Column("pr_number", Integer),
    Column("installation", BigInteger),
    Column("check_run_id", BigInteger),  # None until GitHub answered the create
    Column("job_id", Integer),  # the job that opened it last
    Column("state", String(16), nullable=False),  # open | closed
    Column("sweeps", Integer, nullable=False, default=0, server_default="0"),  # failed sweeper attempts
    Column("opened_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("ux_check_runs_head", "repo", "head_sha", unique=True),
    Index("ix_check_runs_state", "state"),
)

workers = Table(
    "workers", metadata,
    # every job-working process (one per gunicorn worker of every ``mergeguard serve``), with the time it
    # last said it was alive: a repository's jobs stay with its owner (app/affinity.py) while it is
    Column("id", String(64), primary_key=True),
    Column("host", String(255)),
    Column("pid", Integer),
    Column("started_at", Float, nullable=False),
    Column("seen_at", Float, nullable=False),
)

repo_owners = Table(
    "repo_owners", metadata,
    # the worker that last claimed a job of the repository: it has the mirror and the warm history index
    Column("repo", String(255), primary_key=True),
    Column("worker", String(64), nullable=False),
    Column("claimed_at", Float, nullable=False),
    Index("ix_repo_owners_worker", "worker"),
)

TABLES = (deliveries, jobs, installations, assessments, acceptances, check_runs, workers, repo_owners)



@dataclass(frozen=True)
class JobSpec:
    """A job to enqueue, as the event router produces it (no database ids yet)."""

    kind: str
    repo: str | None
    pr_number: int | None
    installation: int | None
    payload: Mapping[str, Any]

    @property
    def coalesce_key(self) -> str | None:
        return f"{self.repo}#{self.pr_number}" if self.repo and self.pr_number is not None else None


def make_engine(url: str) -> Engine:
    """An engine; for SQLite: WAL, a busy timeout, and the data directory created if missing."""
    parsed = make_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    kwargs: dict[str, Any] = {"future": True}
    if is_sqlite:
        db = parsed.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if is_sqlite:
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    return engine


def add_missing_columns(engine: Engine) -> None:
    """Add the columns a newer version declares to tables an older version created.

    ``create_all`` creates missing tables but never alters existing ones; the columns added since the
    first schema all have a server default or may be null (old rows read as null), so ``ALTER TABLE ... ADD COLUMN`` brings an old database
    up to date without a manual step (and without a migration framework for a handful of columns).
    """
    names = set(inspect(engine).get_table_names())
    for table in TABLES:
        if table.name not in names:
            continue
        present = {c["name"] for c in inspect(engine).get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            kind = column.type.compile(dialect=engine.dialect)
            default = f" DEFAULT {column.server_default.arg}" if isinstance(column.server_default, DefaultClause) else ""
            null = " NOT NULL" if not column.nullable and default else ""
            with engine.begin() as conn:
                conn.exec_driver_sql(f'ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}{default}{null}')


class Store:
    """All reads and writes of the App's tables; one per process, shared by threads."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        metadata.create_all(self.engine)
        add_missing_columns(self.engine)
        # SQLite has one writer at a time and its busy handler waits by sleeping (up to 100 ms a step):
        # writers of this process queue on a lock instead, so a webhook's insert never sleeps behind
        # a job thread's claim. Other processes (more gunicorn workers) still meet the busy timeout.
        self._writer = threading.Lock() if self.engine.dialect.name == "sqlite" else None

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction (serialised within the process on SQLite)."""
        if self._writer is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._writer, self.engine.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    # -- deliveries -----------------------------------------------------------------------------

    def record_delivery(self, delivery_id: str, event_name: str, action: str | None, repo: str | None,
                        installation: int | None, specs: Sequence[JobSpec], *, outcome: str,
                        max_attempts: int, installation_change: Mapping[str, Any] | None = None,
                        now: float | None = None) -> list[int] | None:
        """Persist a delivery with its jobs in one transaction; ``None`` when the delivery was seen before.

        The delivery row's primary key is GitHub's delivery id, so a redelivery (GitHub's retry, or a
        manual "Redeliver") collides and adds no second job, even when two arrive at once.
        """
        now = time.time() if now is None else now
        try:
            with self.begin() as conn:
                conn.execute(insert(deliveries).values(id=delivery_id, event=event_name, action=action,
                                                       received_at=now, repo=repo, installation=installation,
                                                       outcome=outcome))
                if installation_change:
                    self._upsert_installation(conn, installation_change, now)
                return [self._enqueue(conn, spec, delivery_id, max_attempts, now) for spec in specs]
        except IntegrityError:
            with self.engine.connect() as conn:
                seen = conn.execute(select(deliveries.c.id).where(deliveries.c.id == delivery_id)).first()
            if seen is not None:
                return None
            raise

    def deliveries_by_event(self) -> dict[tuple[str, str], int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(deliveries.c.event, deliveries.c.outcome, func.count())
                                .group_by(deliveries.c.event, deliveries.c.outcome)).all()
        return {(e, o): n for e, o, n in rows}

    # -- jobs -----------------------------------------------------------------------------------

    def enqueue(self, spec: JobSpec, *, max_attempts: int, delivery_id: str | None = None,
                now: float | None = None) -> int:
        now = time.time() if now is None else now
        with self.begin() as conn:
            return self._enqueue(conn, spec, delivery_id, max_attempts, now)

    @staticmethod
    def _enqueue(conn: Connection, spec: JobSpec, delivery_id: str | None, max_attempts: int, now: float) -> int:
        key = spec.coalesce_key
        if spec.kind == "score" and key:
            # a newer push makes queued scores of older heads pointless: supersede them
            conn.execute(update(jobs).where(jobs.c.coalesce_key == key, jobs.c.kind == "score",
                                            jobs.c.state == "queued")
                         .values(state="superseded", updated_at=now))
        result = conn.execute(insert(jobs).values(
            kind=spec.kind, state="queued", repo=spec.repo, pr_number=spec.pr_number, installation=spec.installation,
            coalesce_key=key, payload=scrub(dict(spec.payload)), delivery_id=delivery_id, attempts=0,
            max_attempts=max_attempts, run_after=now, created_at=now, updated_at=now))
        return _inserted_id(result)

    def job(self, job_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
        return dict(row) if row else None

    def jobs_by_state(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(jobs.c.state, func.count()).group_by(jobs.c.state)).all()
        return dict(rows)

    def all_jobs(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(jobs).order_by(jobs.c.id)).mappings()]

    # -- installations --------------------------------------------------------------------------

    @staticmethod
    def _upsert_installation(conn: Connection, change: Mapping[str, Any], now: float) -> None:
        inst_id = int(change["id"])
        row = conn.execute(select(installations).where(installations.c.id == inst_id)).mappings().first()
        repos = set(row["repos"]) if row else set()
        repos |= set(change.get("repos_added") or ())
        repos -= set(change.get("repos_removed") or ())
        if change.get("repos") is not None:
            repos = set(change["repos"])
        values = {"account": change.get("account") or (row["account"] if row else None),
                  "state": change.get("state") or (row["state"] if row else "active"),
                  "repos": sorted(repos), "updated_at": now}
        if row:
            conn.execute(update(installations).where(installations.c.id == inst_id).values(**values))
        else:
            conn.execute(insert(installations).values(id=inst_id, **values))

    def installation(self, inst_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(installations).where(installations.c.id == inst_id)).mappings().first()
        return dict(row) if row else None

    # -- assessments ----------------------------------------------------------------------------

    def save_assessment(self, repo: str, pr_number: int, assessment: Mapping[str, Any], *,
                        check_run_id: int | None, base_ref: str | None = None) -> int:
        change = assessment.get("change") or {}
        model = assessment.get("model") or {}
        with self.begin() as conn:
            result = conn.execute(insert(assessments).values(
                repo=repo, pr_number=pr_number, head_sha=str(change.get("head") or ""),
                base_sha=change.get("gate_base") or change.get("base"), score=assessment.get("score"),
                level=assessment.get("level"), features=_jsonable(assessment.get("features") or {}),
                assessment=_jsonable(assessment), model_version=str(model.get("version") or "") or None,
                check_run_id=check_run_id, created_at=time.time(), base_ref=base_ref))
            return _inserted_id(result)

    def latest_assessment(self, repo: str, *, pr_number: int | None = None,
                          head_sha: str | None = None) -> dict[str, Any] | None:
        q = select(assessments).where(assessments.c.repo == repo)
        if pr_number is not None:
            q = q.where(assessments.c.pr_number == pr_number)
        if head_sha is not None:
            q = q.where(assessments.c.head_sha == head_sha)
        with self.engine.connect() as conn:
            row = conn.execute(q.order_by(assessments.c.id.desc()).limit(1)).mappings().first()
        return dict(row) if row else None

    # -- acceptances ----------------------------------------------------------------------------

    def record_acceptance(self, repo: str, pr_number: int, head_sha: str, by: str, reason: str, *,
                          base_ref: str | None, level: str | None, at: str | None = None) -> None:
        """One acceptance of ``level`` risk for ``head_sha`` into ``base_ref`` (both None only where a
        test writes a row as an older version did: such a row accepts nothing)."""
        at = at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self.begin() as conn:
            conn.execute(insert(acceptances).values(repo=repo, pr_number=pr_number, head_sha=head_sha.lower(),
                                                    by=by.lstrip("@"), reason=reason, at=at, base_ref=base_ref,
                                                    level=level))

    def acceptances_for(self, repo: str, head_sha: str | None = None) -> list[dict[str, Any]]:
        q = select(acceptances).where(acceptances.c.repo == repo)
        if head_sha:
            q = q.where(acceptances.c.head_sha == head_sha.lower())
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q.order_by(acceptances.c.id)).mappings()]

    # -- check runs a job opened ---------------------------------------------------------------

    def open_check_run(self, repo: str, head_sha: str, *, pr_number: int | None, installation: int | None,
                       job_id: int | None, now: float | None = None) -> None:
        """Note, *before* asking GitHub, that ``job_id`` is about to put ``head_sha``'s run in progress.

        Before, not after: a worker killed between GitHub's answer and this write would otherwise
        leave a run in progress that nothing knows of. The sweeper finds the run by its head if the id
        never got here.
        """
        now = time.time() if now is None else now
        values = {"pr_number": pr_number, "installation": installation, "job_id": job_id, "state": "open",
                  "updated_at": now}
        for _ in range(2):  # two processes inserting the same head: the loser updates
            with self.begin() as conn:
                if conn.execute(update(check_runs).where(check_runs.c.repo == repo, check_runs.c.head_sha == head_sha)
                                .values(**values)).rowcount:
                    return
            try:
                with self.begin() as conn:
                    conn.execute(insert(check_runs).values(repo=repo, head_sha=head_sha, opened_at=now, sweeps=0,
                                                           **values))
                return
            except IntegrityError:
                continue

    def set_check_run_id(self, repo: str, head_sha: str, check_run_id: int) -> None:
        with self.begin() as conn:
            conn.execute(update(check_runs).where(check_runs.c.repo == repo, check_runs.c.head_sha == head_sha)
                         .values(check_run_id=check_run_id))

    def close_check_run(self, repo: str, head_sha: str, *, job_id: int | None = None) -> bool:
        """The run is completed on GitHub. With ``job_id``, only if that job still owns the row (a sweeper
        must not close a run that a newer job has just opened again)."""
        q = update(check_runs).where(check_runs.c.repo == repo, check_runs.c.head_sha == head_sha,
                                     check_runs.c.state == "open")
        if job_id is not None:
            q = q.where(check_runs.c.job_id == job_id)
        with self.begin() as conn:
            return conn.execute(q.values(state="closed", updated_at=time.time())).rowcount == 1

    def swept_in_vain(self, row_id: int) -> None:
        with self.begin() as conn:
            conn.execute(update(check_runs).where(check_runs.c.id == row_id)
                         .values(sweeps=check_runs.c.sweeps + 1, updated_at=time.time()))

    def open_check_runs(self, *, repo: str | None = None, pr_number: int | None = None,
                        job_id: int | None = None) -> list[dict[str, Any]]:
        q = select(check_runs).where(check_runs.c.state == "open")
        for column, value in ((check_runs.c.repo, repo), (check_runs.c.pr_number, pr_number),
                              (check_runs.c.job_id, job_id)):
            if value is not None:
                q = q.where(column == value)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q.order_by(check_runs.c.id)).mappings()]

    def open_check_run_stats(self) -> tuple[int, float | None]:
        """How many check runs are noted open, and when the oldest of them was last opened."""
        with self.engine.connect() as conn:
            n, oldest = conn.execute(select(func.count(), func.min(check_runs.c.updated_at))
                                     .where(check_runs.c.state == "open")).one()
        return int(n), oldest

    def job_takeovers(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.sum(jobs.c.takeovers), 0))).scalar_one())

    def job_live(self, job_id: int | None) -> bool:
        """Whether the job may still run (queued, or running even on an expired lease: it is taken over)."""
        if job_id is None:
            return False
        with self.engine.connect() as conn:
            state = conn.execute(select(jobs.c.state).where(jobs.c.id == job_id)).scalar()
        return state in ("queued", "running")

    def stranded_check_runs(self, *, limit: int = 50) -> list[dict[str, Any]]:
        """Open runs no live job can complete any more: their job ended (done, failed, superseded) or is
        gone, and no other job of their pull request is queued or running (it may yet complete them)."""
        other, owner = jobs.alias("other"), jobs.alias("owner")
        live = ("queued", "running")
        owner_live = select(owner.c.id).where(owner.c.id == check_runs.c.job_id, owner.c.state.in_(live)).exists()
        pr_busy = select(other.c.id).where(other.c.repo == check_runs.c.repo,
                                           other.c.pr_number == check_runs.c.pr_number,
                                           other.c.state.in_(live)).exists()
        q = (select(check_runs, jobs.c.last_error, jobs.c.state.label("job_state"))
             .select_from(check_runs.outerjoin(jobs, jobs.c.id == check_runs.c.job_id))
             .where(check_runs.c.state == "open", ~owner_live, ~pr_busy)
             .order_by(check_runs.c.updated_at, check_runs.c.id).limit(limit))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    # -- tests and operations -------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Rows per table (health checks and tests)."""
        with self.engine.connect() as conn:
            return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in TABLES}


_SURROGATE = re.compile("[\ud800-\udfff]")


def _inserted_id(result: CursorResult[Any]) -> int:
    """The id a single-row INSERT made (SQLAlchemy types the key optional: an executemany has none)."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database reported no primary key for a single-row INSERT")
    return int(key[0])


def scrub(value: Any) -> Any:
    """``value`` with every string made storable: lone surrogates (which JSON's ``\\ud800`` escapes
    can carry) become U+FFFD and NUL characters (which PostgreSQL's text refuses) are dropped.

    Iterative, not recursive: a job payload is built from a few fields of a delivery, but nothing
    here should be the place where a deep structure exhausts the stack.
    """
    def clean(item: Any) -> Any:
        if isinstance(item, str):
            if item.isascii():
                return item.replace("\0", "")
            return _SURROGATE.sub("\ufffd", item).replace("\0", "")
        return item

    root: list[Any] = [value]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        container, key = stack.pop()
        item = container[key]
        if isinstance(item, Mapping):
            copy = {clean(k): v for k, v in item.items()}
            container[key] = copy
            stack.extend((copy, k) for k in copy)
        elif isinstance(item, (list, tuple)):
            copy_list = list(item)
            container[key] = copy_list
            stack.extend((copy_list, i) for i in range(len(copy_list)))
        else:
            container[key] = clean(item)
    return root[0]


def _jsonable(value: Any) -> Any:
    """A JSON round trip: assessments hold tuples and numpy scalars that JSON columns would reject."""
    return json.loads(json.dumps(value, default=_default))


def _default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if isinstance(obj, Path):
        return str(obj)
    return str(obj)
