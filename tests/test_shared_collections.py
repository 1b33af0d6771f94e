"""The collections tests copy instead of building (tests/shared.py) are what the real
commands make: a copy of the shared new collection equals the one a first `emdrill` run
makes in an empty folder, and a test's copy is its own."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import procs
from shared import cli


def _contents(db: Path) -> tuple[int, list[str]]:
    con = sqlite3.connect(db)
    try:
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
        return version, list(con.iterdump())
    finally:
        con.close()


def test_the_shared_new_collection_is_what_first_use_makes(fresh: Path,
                                                           tmp_path: Path) -> None:
    first = tmp_path / "first"  # the same clock and seed (conftest), another empty folder
    done = procs.run([sys.executable, "-m", "emdrill", "next", "--json", "--limit", "1"],
                     env={**os.environ, "EMDRILL_HOME": str(first)}, capture_output=True,
                     timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in first.iterdir()) == ["emdrill.db"]
    assert sorted(p.name for p in fresh.iterdir()) == ["emdrill.db"]
    made, copied = _contents(first / "emdrill.db"), _contents(fresh / "emdrill.db")
    assert sum(line.startswith('INSERT INTO "question"') for line in copied[1]) > 100
    assert copied == made


def test_a_copy_is_the_tests_own(studied: Path, studied_db: Path) -> None:
    before = _contents(studied_db / "emdrill.db")
    cli("interview", "2026-03-12")  # writes to the test's copy
    assert _contents(studied / "emdrill.db") != before
    assert _contents(studied_db / "emdrill.db") == before

