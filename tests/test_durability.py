"""Grades commit durably: every connection the store opens flushes each commit to the disk."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from emdrill.ops import opening

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


def test_plain_and_orm_writes_commit_with_full_sync(tmp_path: Path) -> None:
    store = opening.open_collection(tmp_path / "c.db", now=T0, autoload=False)
    try:
        with store.read() as con:
            assert con.execute("PRAGMA synchronous").fetchone()[0] == FULL
            assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        with store.transact("test") as con, store.session() as session:
            assert con.execute("PRAGMA synchronous").fetchone()[0] == FULL
            # the ORM runs on the store's one connection, so its commits are as durable
            orm = session.connection().connection.driver_connection
            assert orm is store.con
    finally:
        store.close()
