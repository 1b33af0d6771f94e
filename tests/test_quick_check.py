"""When a write runs SQLite's quick check (issue 25): after an unclean shutdown, on the first
write of a UTC day, never twice in a day otherwise. Real processes on a real file: a clean
one exits normally (SQLite removes the write-ahead log), an unclean one ends with `os._exit`
right after its write, as a kill would, and leaves the log behind."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import procs

DAY = "2026-03-02"
UNCLEAN = ("import os, sys\n"
           "from emdrill.cli.main import main\n"
           "sys.argv = ['emdrill', *sys.argv[1:]]\n"
           "try:\n    main()\nfinally:\n    os._exit(0)\n")


def _run(home: Path, at: str, args: list[str], *, clean: bool = True,
         ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EMDRILL_HOME": str(home), "EMDRILL_NOW": f"{at}+00:00"}
    command = ["-m", "emdrill"] if clean else ["-c", UNCLEAN]
    result = procs.run([sys.executable, *command, *args], capture_output=True, text=True,
                       timeout=120, env=env)
    assert (result.returncode == 0) == ok, result.stderr
    return result


def _checked_at(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return str(con.execute("SELECT at FROM quick_checked").fetchone()[0])
    finally:
        con.close()


def _wal(db: Path) -> Path:
    return db.with_name(db.name + "-wal")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose collection's first write (at 09:00) was checked, closed cleanly
    by its process: one whole file, made once for the module."""
    home = tmp_path_factory.mktemp("made") / "home"
    _run(home, f"{DAY}T09:00:00", ["config", "new-per-day", "3"])
    path = home / "emdrill.db"
    assert not _wal(path).exists()
    assert _checked_at(path).startswith(f"{DAY}T09:00:00")
    return home


@pytest.fixture
def db(made: Path, tmp_path: Path) -> Path:
    """A copy of that collection, each test's own."""
    home = tmp_path / "home"
    shutil.copytree(made, home)
    return home / "emdrill.db"


def _damage_index(db: Path, root: int) -> None:
    """Garbage over one index page of the main file, without opening it with SQLite (which
    would fold a left-behind log into the file): a config write never walks it."""
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    rng = random.Random(5)
    data[(root - 1) * page:root * page] = bytes(rng.randrange(256) for _ in range(page))
    db.write_bytes(bytes(data))


def _root(db: Path, name: str = "rehearsal_time") -> int:
    con = sqlite3.connect(db)
    try:
        return int(con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                               (name,)).fetchone()[0])
    finally:
        con.close()


def test_a_second_process_the_same_day_after_a_clean_one_is_not_checked(db: Path) -> None:
    _run(db.parent, f"{DAY}T10:00:00", ["config", "new-per-day", "4"])
    assert _checked_at(db).startswith(f"{DAY}T09:00:00")


def test_the_first_write_after_an_unclean_shutdown_is_checked(db: Path) -> None:
    _run(db.parent, f"{DAY}T10:00:00", ["config", "new-per-day", "4"], clean=False)
    assert _wal(db).stat().st_size > 0  # the log the killed process left
    _run(db.parent, f"{DAY}T11:00:00", ["config", "new-per-day", "5"])
    assert _checked_at(db).startswith(f"{DAY}T11:00:00")


def test_the_first_write_of_the_next_day_is_checked(db: Path) -> None:
    _run(db.parent, "2026-03-03T08:00:00", ["config", "new-per-day", "4"])
    assert _checked_at(db).startswith("2026-03-03T08:00:00")


def test_damage_after_an_unclean_shutdown_is_caught(db: Path) -> None:
    root = _root(db)
    _run(db.parent, f"{DAY}T10:00:00", ["config", "new-per-day", "4"], clean=False)
    _damage_index(db, root)
    result = _run(db.parent, f"{DAY}T11:00:00", ["config", "new-per-day", "5"], ok=False)
    assert "damaged" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    con = sqlite3.connect(db)  # the killed process's commit stays; the refused write is not
    value = con.execute("SELECT value FROM setting WHERE key = 'new-per-day'").fetchone()
    con.close()
    assert value == ("4",)


def test_the_same_damage_after_a_clean_shutdown_waits_for_the_next_day(db: Path) -> None:
    """The trade (docs/guarantees.md): damage that arrives while no emdrill has the file
    open, on a day it was already checked, is not looked for before a write that does not
    walk it; the next day's first write finds it."""
    _damage_index(db, _root(db))
    _run(db.parent, f"{DAY}T10:00:00", ["config", "new-per-day", "4"])
    result = _run(db.parent, "2026-03-03T08:00:00", ["config", "new-per-day", "5"], ok=False)
    assert "damaged" in result.stderr


def test_check_always_runs_the_full_check(db: Path) -> None:
    _damage_index(db, _root(db))
    result = _run(db.parent, f"{DAY}T10:00:00", ["check"], ok=False)
    assert "damaged" in result.stderr or "damaged" in result.stdout
