"""Names a shell completes (question ids, family slugs), read on a read-only store
(`db.open_read_only`): no migration, no backup, nothing written; any failure is simply no
names."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from emdrill.core.errors import StoreError
from emdrill.store.db import open_read_only

WAIT_MS = 500  # a shell waits on completion: a writer holding the file longer means no names


def question_names(path: Path) -> tuple[list[str], list[str]]:
    """The active questions' ids and the family slugs, both sorted; empty when unreadable."""
    if not path.exists():
        return [], []
    try:
        store = open_read_only(path, timeout_ms=WAIT_MS)
    except sqlite3.Error:
        return [], []
    try:
        with store.read() as con:
            rows = con.execute("SELECT id, family FROM question WHERE NOT suspended").fetchall()
    except StoreError:
        return [], []
    finally:
        store.close()
    return sorted(str(r[0]) for r in rows), sorted({str(r[1]) for r in rows})
