"""A database an older App created gains the acceptance pinning columns at start-up, and its rows read.

``Store`` adds the columns a newer version declares (``add_missing_columns``); these tests create the
tables as the version before acceptances named their base branch and level did, write rows into them,
then open the store as the server does at start-up (SQLite here, PostgreSQL in test_app_postgres.py).
"""

from __future__ import annotations

from sqlalchemy import MetaData, Table, create_engine, insert

from mergeguard.app.store import TABLES, Store

#: (table, column) added since: absent from the schema an older App created
NEW_COLUMNS = {("acceptances", "base_ref"), ("acceptances", "level"), ("assessments", "base_ref")}


def create_old_schema(url: str) -> None:
    """The App's tables without :data:`NEW_COLUMNS`, and one acceptance and one assessment in them."""
    engine = create_engine(url)
    old = MetaData()
    tables = {t.name: Table(t.name, old, *(c._copy() for c in t.columns if (t.name, c.name) not in NEW_COLUMNS))
              for t in TABLES}
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(tables["acceptances"]).values(repo="octo/svc", pr_number=1, head_sha="a" * 40, by="alice",
                                                          reason="button", at="2026-11-20T10:00:00+00:00"))
        conn.execute(insert(tables["assessments"]).values(repo="octo/svc", pr_number=1, head_sha="a" * 40,
                                                          assessment={"score": 0.5}, created_at=1.0))
    engine.dispose()


def check_upgraded(url: str) -> None:
    store = Store(url)  # what `mergeguard serve` does at start-up: must not fail on the old tables
    try:
        (old,) = store.acceptances_for("octo/svc", "a" * 40)
        assert (old["by"], old["base_ref"], old["level"]) == ("alice", None, None)  # accepts nothing (audit.mismatch)
        assert store.latest_assessment("octo/svc", head_sha="a" * 40)["base_ref"] is None
        store.record_acceptance("octo/svc", 1, "a" * 40, "alice", "button", base_ref="main", level="high")
        assert [(r["base_ref"], r["level"]) for r in store.acceptances_for("octo/svc", "a" * 40)] == [
            (None, None), ("main", "high")]
    finally:
        store.dispose()
    Store(url).dispose()  # a second start finds nothing left to add


def test_an_older_sqlite_database_is_upgraded_in_place(tmp_path):
    url = f"sqlite:///{tmp_path / 'mergeguard.db'}"
    create_old_schema(url)
    check_upgraded(url)
