"""Names a shell completes (question ids, family slugs), read without opening the store:
read-only, no migration, no backup, nothing written; any failure is simply no names."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def question_names(path: Path) -> tuple[list[str], list[str]]:
    """The active questions' ids and the family slugs, both sorted; empty when unreadable."""
    if not path.exists():
        return [], []
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.5)
        try:
            rows = con.execute("SELECT id, family FROM question WHERE NOT suspended").fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return [], []
    return sorted(str(r[0]) for r in rows), sorted({str(r[1]) for r in rows})
