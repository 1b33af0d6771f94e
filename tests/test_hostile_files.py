"""Files users hand emdrill (backups, exports, packages) and files emdrill owns: nothing in
one can cost data, run code in the collection, or hang a command (docs/guarantees.md)."""

from __future__ import annotations

import sqlite3
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import ANKI_REVLOG, STORE_NOW, anki_package, run_sql
from emdrill.cli.main import app
from emdrill.core.errors import StoreError
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import backups, grading
from emdrill.ops.grading import StoryAnswer
from emdrill.store import backup as store_backup
from emdrill.store.db import Store

NOW = STORE_NOW  # the shared `store` fixture (conftest.py) opens and loads at this time


def count(path: Path, table: str) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        con.close()


def grade(store: Store, qid: str = "alpha-1") -> None:
    grading.grade(store, Clock(NOW, UTC), qid, intent=Rating.GOOD, story=StoryAnswer(slot=1))


FOREIGN = [
    ("trigger 'wipe'", "CREATE TRIGGER wipe AFTER INSERT ON review BEGIN "
                       "DELETE FROM review WHERE id < NEW.id; DELETE FROM story; END"),
    ("view 'peek'", "CREATE VIEW peek AS SELECT * FROM review"),
    ("index 'extra_idx'", "CREATE INDEX extra_idx ON review (mode)"),
    ("table 'notes'", "CREATE TABLE notes (id INTEGER)"),
    ("column", "ALTER TABLE story ADD COLUMN spy TEXT"),
]


# ---------------------------------------------------------------- only what the migrations made


@pytest.mark.parametrize(("named", "sql"), FOREIGN, ids=[n for n, _ in FOREIGN])
def test_a_backup_with_a_foreign_object_is_refused_before_anything_is_replaced(
        home: Path, store: Store, runner: CliRunner, tmp_path: Path, named: str,
        sql: str) -> None:
    grade(store)
    saved = backups.backup_to(home / "emdrill.db", tmp_path / "B.db", now=NOW)
    run_sql(saved, sql)
    before = (home / "emdrill.db").read_bytes()
    result = runner.invoke(app, ["restore", str(saved), "--yes"])
    assert result.exit_code == 1, result.output
    assert named in result.output and str(saved) in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert (home / "emdrill.db").read_bytes() == before
    assert not list((home / "backups").glob("*-restore.db"))  # refused before the safety copy


@pytest.mark.parametrize(("named", "sql"), FOREIGN, ids=[n for n, _ in FOREIGN])
def test_a_collection_with_a_foreign_object_is_refused_on_open_and_by_check(
        home: Path, store: Store, runner: CliRunner, named: str, sql: str) -> None:
    grade(store)
    store.close()
    run_sql(home / "emdrill.db", sql)
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1, result.output
    assert named in result.output
    checked = runner.invoke(app, ["check"])
    assert checked.exit_code == 1, checked.output
    assert named in checked.output
    assert count(home / "emdrill.db", "review") == 1


def test_check_database_names_every_foreign_object(home: Path, store: Store,
                                                    tmp_path: Path) -> None:
    saved = backups.backup_to(home / "emdrill.db", tmp_path / "B.db", now=NOW)
    run_sql(saved, FOREIGN[0][1])
    run_sql(saved, FOREIGN[1][1])
    with pytest.raises(StoreError, match="trigger 'wipe', view 'peek'"):
        store_backup.sound_version(saved)


# ---------------------------------------------------------------- Windows file rules


@pytest.fixture
def windows_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows' rule on Linux: fsync (FlushFileBuffers) needs a handle open for writing."""
    import errno
    import fcntl
    import os

    real = os.fsync

    def fsync(fd: int) -> None:
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
            raise OSError(errno.EBADF, "Bad file descriptor")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_backups_and_exports_work_under_windows_fsync_rules(
        home: Path, store: Store, runner: CliRunner, tmp_path: Path,
        windows_fsync: None, monkeypatch: pytest.MonkeyPatch) -> None:
    grade(store)
    store.close()
    monkeypatch.setenv("EMDRILL_NOW", "2026-03-03T09:00:00+00:00")  # a new day: daily backup
    status = runner.invoke(app, ["status"])
    assert status.exit_code == 0, status.output
    assert list((home / "backups").glob("auto-*-daily.db"))
    made = runner.invoke(app, ["backup", str(tmp_path / "copy.db")])
    assert made.exit_code == 0, made.output
    exported = runner.invoke(app, ["export", "json", str(tmp_path / "all.json")])
    assert exported.exit_code == 0, exported.output
    restored = runner.invoke(app, ["restore", str(tmp_path / "copy.db"), "--yes"])
    assert restored.exit_code == 0, restored.output


# ---------------------------------------------------------------- never over what emdrill owns


def owned_targets(home: Path, tmp_path: Path) -> list[Path]:
    (home / "decks").mkdir(exist_ok=True)
    (home / "decks" / "mine.toml").write_text("# the user's deck\n")
    link = tmp_path / "innocent.json"
    link.symlink_to(home / "emdrill.db")
    apkg = tmp_path / "innocent.apkg"
    apkg.symlink_to(home / "emdrill.db")
    [daily] = list((home / "backups").glob("*.db")) or [home / "backups" / "x.db"]
    return [home / "emdrill.db", home / "emdrill.db-wal", home / "emdrill.db-shm",
            daily, home / "decks" / "mine.toml", home / "decks" / "new.json", link, apkg,
            home / "backups" / ".." / "emdrill.db", home / "decks" / "new.apkg",
            home / "backups" / "new.apkg"]


@pytest.mark.parametrize("command", [["export", "json"], ["story", "export"],
                                     ["export", "anki"], ["backup", "--force"]])
def test_no_export_or_backup_writes_over_what_emdrill_owns(
        home: Path, store: Store, runner: CliRunner, tmp_path: Path,
        command: list[str]) -> None:
    grade(store)
    backups.backup_to(home / "emdrill.db", None, now=NOW)
    for target in owned_targets(home, tmp_path):
        before = {p: p.read_bytes() for p in home.rglob("*") if p.is_file()}
        result = runner.invoke(app, [*command, str(target)])
        assert result.exit_code == 1, (target, result.output)
        anki_refuses = command[1] == "anki" and target.suffix != ".apkg"
        assert ("ending in .apkg" if anki_refuses else "emdrill's own") in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
        after = {p: p.read_bytes() for p in home.rglob("*") if p.is_file()
                 if not p.name.endswith(("-wal", "-shm"))}
        assert all(before[p] == data for p, data in after.items() if p in before)
        assert not [p for p in home.rglob("*partial*")]
    assert count(home / "emdrill.db", "review") == 1
    ok = runner.invoke(app, [*command, str(tmp_path / "out.apkg")])
    assert ok.exit_code == 0, ok.output


# ---------------------------------------------------------------- JSON import values


def exported(runner: CliRunner, tmp_path: Path) -> dict[str, object]:
    import json

    out = tmp_path / "all.json"
    assert runner.invoke(app, ["export", "json", str(out)]).exit_code == 0
    data: dict[str, object] = json.loads(out.read_text())
    return data


def tampered(tmp_path: Path, data: dict[str, object], change: str) -> Path:
    import json

    sections: Any = data
    if change == "due-year-1":
        sections["progress"][0]["due"] = "0001-01-01T00:00:00+00:00"
    elif change == "interview-9999":
        sections["interview"] = [{"id": 1, "at": "9999-12-31T00:00:00+00:00",
                                  "scope": "[]", "set_at": "2026-03-01T00:00:00+00:00"}]
    elif change == "negative-count":
        sections["questions"][0]["reviews"] = -5
    elif change == "huge-number":
        sections["reviews"][0]["seconds"] = 10 ** 30
    elif change == "huge-int":
        sections["reviews"][0]["slot_named"] = 2 ** 70
    elif change == "unknown-id":
        sections["reviews"][0]["question_id"] = "no-such-question"
    elif change == "all-empty":
        from emdrill.core.dumpfile import SECTIONS

        for name in SECTIONS:
            sections[name] = []
    path = tmp_path / f"{change}.json"
    path.write_text(json.dumps(data))
    return path


BAD_VALUES = ["due-year-1", "interview-9999", "negative-count", "huge-number", "huge-int",
              "unknown-id"]


@pytest.mark.parametrize("change", BAD_VALUES)
def test_a_json_import_with_an_out_of_range_value_is_refused_and_leaves_nothing(
        home: Path, store: Store, runner: CliRunner, tmp_path: Path, change: str) -> None:
    grade(store)
    store.close()
    data = exported(runner, tmp_path)
    bad = tampered(tmp_path, data, change)
    before = (home / "emdrill.db").read_bytes()
    def listing() -> list[str]:
        return sorted(p.name for p in home.rglob("*") if not p.name.endswith(("-wal", "-shm")))

    files = listing()
    result = runner.invoke(app, ["import", "--replace", str(bad)])
    assert result.exit_code == 1, result.output
    assert str(bad) in result.output and "unexpected" not in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert (home / "emdrill.db").read_bytes() == before
    assert listing() == files
    assert runner.invoke(app, ["status"]).exit_code == 0


def test_a_json_export_with_every_list_empty_imports(
        home: Path, store: Store, runner: CliRunner, tmp_path: Path) -> None:
    store.close()
    empty = tampered(tmp_path, exported(runner, tmp_path), "all-empty")
    result = runner.invoke(app, ["import", "--replace", str(empty)])
    assert "unexpected" not in result.output, result.output
    assert runner.invoke(app, ["status"]).exit_code == 0
    assert runner.invoke(app, ["check"]).exit_code == 0


@pytest.mark.parametrize(("table", "sql"), [
    ("interview", "INSERT INTO interview VALUES (1, '9999-12-31T00:00:00.000000+00:00', '[]', "
                  "'[]', '2026-03-01T00:00:00.000000+00:00', '[]')"),
    ("facet", "UPDATE facet SET due = '9999-12-31T00:00:00.000000+00:00' "
              "WHERE question_id = 'alpha-1'"),
    ("facet", "UPDATE facet SET due = '0001-01-01T00:00:00.000000+00:00' "
              "WHERE question_id = 'alpha-2'"),
    # a review keeps microseconds since 1970 (migration 20): far out either way
    ("review", "UPDATE review SET reviewed_at = 9000000000000000000"),
    ("review", "UPDATE review SET intent_prev_due = -9000000000000000000"),
])
def test_an_out_of_range_time_already_stored_is_reported_and_repaired(
        home: Path, store: Store, runner: CliRunner, table: str, sql: str) -> None:
    grade(store)
    store.close()
    run_sql(home / "emdrill.db", sql)
    status = runner.invoke(app, ["status"])
    assert "unexpected" not in status.output, status.output
    checked = runner.invoke(app, ["check"])
    assert checked.exit_code == 1
    assert f"{table} row" in checked.output and "out of range" in checked.output
    assert "emdrill check --repair" in checked.output
    repaired = runner.invoke(app, ["check", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "repaired" in repaired.output and "passes the full integrity check" in repaired.output
    assert count(home / "emdrill.db", "review") == 1
    for command in (["status"], ["next", "--json"], ["interview"]):
        result = runner.invoke(app, command)
        assert "unexpected" not in result.output, (command, result.output)
    # the repaired review is still the newest one undo finds (the per-quarter ids recounted)
    undone = runner.invoke(app, ["undo"])
    assert undone.exit_code == 0, undone.output
    assert count(home / "emdrill.db", "review") == 0


# ---------------------------------------------------------------- Anki packages are data


def package(tmp_path: Path, *extra: str, revlog: str | None = None,
            rows: tuple[tuple[object, ...], ...] = ()) -> Path:
    def fill(con: sqlite3.Connection) -> None:
        if rows:
            con.executemany("INSERT INTO revlog VALUES (?, 1, ?, 1, 3000, 2500)", rows)
        for sql in extra:
            con.execute(sql)

    return anki_package(tmp_path, "hostile.apkg", fill, revlog=revlog or ANKI_REVLOG)


ENDLESS = ("CREATE VIEW revlog AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
           "FROM n) SELECT i AS id, 1 AS cid, 3 AS ease, 1 AS type, 0 AS time, 2500 AS factor "
           "FROM n")


@pytest.mark.parametrize(("case", "message"), [
    ("endless-view", "view 'revlog'"),
    ("trigger", "trigger 'boom'"),
    ("null-ease", "no answer button"),
    ("far-future-id", "out of range"),
    ("negative-id", "out of range"),
])
def test_a_hostile_anki_package_ends_in_one_line(
        home: Path, store: Store, runner: CliRunner, tmp_path: Path, case: str,
        message: str) -> None:
    grade(store)
    now_ms = int(NOW.timestamp() * 1000)
    path = {
        "endless-view": lambda: package(tmp_path, revlog=ENDLESS),
        "trigger": lambda: package(tmp_path, "CREATE TRIGGER boom AFTER INSERT ON notes BEGIN "
                                   "DELETE FROM cards; END", rows=((now_ms, 3),)),
        "null-ease": lambda: package(tmp_path, rows=((now_ms, None),)),
        "far-future-id": lambda: package(tmp_path, rows=((2 ** 62, 3),)),
        "negative-id": lambda: package(tmp_path, rows=((-5, 3),)),
    }[case]()
    before = (home / "emdrill.db").read_bytes()
    for dry in (["--dry-run"], []):
        result = runner.invoke(app, ["import", *dry, str(path)])
        assert result.exit_code == 1, result.output
        assert message in result.output and str(path) in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
    assert (home / "emdrill.db").read_bytes() == before


def test_an_anki_query_that_runs_too_long_is_stopped(
        home: Path, store: Store, runner: CliRunner, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from emdrill.store import anki

    rows = tuple((int(NOW.timestamp() * 1000) + i, 3) for i in range(3000))
    monkeypatch.setattr(anki, "QUERY_SECONDS", 0.0)
    result = runner.invoke(app, ["import", "--dry-run", str(package(tmp_path, rows=rows))])
    assert result.exit_code == 1, result.output
    assert "took longer than" in result.output, result.output
    monkeypatch.setattr(anki, "QUERY_SECONDS", 30.0)
    monkeypatch.setattr(anki, "MAX_REVIEWS", 100)
    result = runner.invoke(app, ["import", "--dry-run", str(package(tmp_path, rows=rows))])
    assert result.exit_code == 1, result.output
    assert "more than 100 reviews" in result.output, result.output
