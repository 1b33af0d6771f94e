"""`emdrill check`: the full integrity check of the database, read-only."""

from __future__ import annotations

from pathlib import Path

from emdrill.ops import backups
from emdrill.store import health
from emdrill.store.db import full_check, open_store
from emdrill.store.decks import rebuild_aggregates

RECOVER = health.RECOVER


def database_problems(path: Path) -> list[str]:
    """Every problem found (SQLite's integrity check, the schema, rows emdrill could not
    read back); an empty list means the file is whole. Writes nothing."""
    return full_check(path)


def repair(path: Path) -> list[str]:
    """`emdrill check --repair`: bring stored values an older emdrill let in back into range
    (times outside the years emdrill reckons with), in one write transaction, then recount
    what the hot path keeps from them. Returns what was changed."""
    store = open_store(path)
    try:
        with store.transact("repair") as con:
            done = health.repair_times(con)
        if done:
            rebuild_aggregates(store)
        return done
    finally:
        store.close()


def latest_good_backup(path: Path) -> Path | None:
    """The newest backup in the data folder's backups/ that passes the full check."""
    for backup in backups.list_backups(path):
        if not database_problems(backup.path):
            return backup.path
    return None
