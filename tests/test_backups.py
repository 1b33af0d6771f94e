"""Backups: automatic ones (daily, before migrations, deck loads, imports and restores),
`emdrill backup [FILE]` and `emdrill restore FILE`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import STORE_NOW
from emdrill.cli.main import app
from emdrill.core.errors import StoreError
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import backups, decks, grading, opening
from emdrill.ops.grading import StoryAnswer
from emdrill.store import backup as store_backup
from emdrill.store import review_log
from emdrill.store.codec import to_db_micros
from emdrill.store.db import Store, run_migrations
from emdrill.store.migrations import LATEST
from term import Term

NOW = STORE_NOW  # the shared `store` fixture (conftest.py) opens and loads at this time


def names(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "backups").glob("*.db"))


def made_for(home: Path) -> list[str]:
    """The backups made for a change (not the first-use-of-the-day one a command makes)."""
    return [name for name in names(home) if not name.endswith("-daily.db")]


def review_count(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("SELECT count(*) FROM review").fetchone()[0])
    finally:
        con.close()


def grade(store: Store, qid: str = "alpha-1", at: datetime = NOW) -> None:
    grading.grade(store, Clock(at, UTC), qid, intent=Rating.GOOD, story=StoryAnswer(slot=1))


def test_first_use_of_each_study_day_backs_up_once(home: Path, store: Store) -> None:
    path = home / "emdrill.db"
    opening.open_collection(path, now=NOW, local=UTC).close()
    assert names(home) == []  # nothing of the user's yet
    grade(store)
    for hours in (0, 1, 5):  # 09:00, 10:00, 14:00: one study day
        opening.open_collection(path, now=NOW + timedelta(hours=hours), local=UTC).close()
    assert names(home) == ["auto-20260302T090000Z-daily.db"]
    opening.open_collection(path, now=NOW + timedelta(hours=19), local=UTC).close()  # 04:00
    assert names(home) == ["auto-20260302T090000Z-daily.db", "auto-20260303T040000Z-daily.db"]
    assert review_count(home / "backups" / "auto-20260302T090000Z-daily.db") == 1


def test_a_deck_load_backs_up_first_and_only_the_newest_are_kept(
        home: Path, store: Store, mini_deck: Path) -> None:
    opening.change_setting(store, "backups", "2")
    grade(store)
    for minute in range(3):
        decks.load_paths(store, [mini_deck], now=NOW + timedelta(minutes=minute))
    assert names(home) == ["auto-20260302T090100Z-deck-load.db",
                           "auto-20260302T090200Z-deck-load.db"]
    manual = backups.backup_to(home / "emdrill.db", None, now=NOW)
    decks.load_paths(store, [mini_deck], now=NOW + timedelta(minutes=5))
    assert manual.exists()  # `emdrill backup` copies are never pruned
    assert len(names(home)) == 3


def test_a_database_is_backed_up_before_it_is_migrated(home: Path) -> None:
    path = home / "emdrill.db"
    home.mkdir()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN")
    run_migrations(con, upto=LATEST - 1)
    con.execute("COMMIT")
    con.close()
    opening.open_collection(path, now=NOW, autoload=False).close()
    [made] = list((home / "backups").glob("auto-*-migrate.db"))
    assert store_backup.sound_version(made) == LATEST - 1
    assert store_backup.sound_version(path) == LATEST


def test_backup_command_writes_a_sound_copy(home: Path, store: Store, runner: CliRunner,
                                            tmp_path: Path) -> None:
    grade(store)
    target = tmp_path / "copy.db"
    result = runner.invoke(app, ["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert f"backed up to {target}" in result.output
    assert store_backup.sound_version(target) == LATEST
    assert review_count(target) == 1
    assert not list(tmp_path.glob("*.partial"))
    again = runner.invoke(app, ["backup", str(target)])
    assert again.exit_code == 1
    assert "already exists (pass --force to overwrite it)" in again.output
    assert runner.invoke(app, ["backup", str(target), "--force"]).exit_code == 0
    into_backups = runner.invoke(app, ["backup"])
    assert "backups/manual-20260302T090000Z-backup.db" in into_backups.output


def test_a_backup_to_a_name_the_system_refuses_says_so_in_one_line(
        home: Path, store: Store, runner: CliRunner, tmp_path: Path) -> None:
    """A name longer than the file system allows (found by test_cli_fuzz) or a loop of
    symlinks: one line naming the target, exit status 1, nothing written."""
    grade(store)
    out = tmp_path / "out"
    out.mkdir()
    loop = out / "loop"
    loop.symlink_to(loop)
    for target in (str(out / ("9" * 300)), str(loop / "copy.db")):
        result = runner.invoke(app, ["backup", target])
        assert result.exit_code == 1, result.output
        assert result.output.startswith(f"emdrill: {target}: cannot write ("), result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert "unexpected" not in result.output
    assert [p.name for p in out.iterdir()] == ["loop"]


def test_restore_brings_back_the_copy_and_keeps_the_current_one(
        home: Path, store: Store, runner: CliRunner, tmp_path: Path) -> None:
    grade(store)
    saved = backups.backup_to(home / "emdrill.db", tmp_path / "saved.db", now=NOW)
    grade(store, "alpha-2")
    grade(store, "beta-1")
    result = runner.invoke(app, ["restore", str(saved), "--yes"])
    assert result.exit_code == 0, result.output
    assert "backed up the collection as it was to" in result.output
    assert [r.question_id for r in review_log.last_reviews(store, 10)] == ["alpha-1"]
    [safety] = list((home / "backups").glob("*-restore.db"))
    assert review_count(safety) == 3


@pytest.mark.parametrize(("content", "message"), [
    (b"hello, not a database at all" * 200, "not an SQLite database"),
    (None, "not an emdrill database"),
])
def test_restore_refuses_what_is_not_an_emdrill_database(
        home: Path, store: Store, runner: CliRunner, tmp_path: Path, content: bytes | None,
        message: str) -> None:
    grade(store)
    bad = tmp_path / "bad.db"
    if content is None:
        con = sqlite3.connect(bad)
        con.execute("CREATE TABLE notes (id INTEGER)")
        con.execute("PRAGMA user_version = 2")
        con.close()
    else:
        bad.write_bytes(content)
    result = runner.invoke(app, ["restore", str(bad), "--yes"])
    assert result.exit_code == 1
    assert message in result.output
    assert len(review_log.last_reviews(store, 10)) == 1
    assert names(home) == []


def test_restore_refuses_a_newer_schema_and_a_damaged_file(
        home: Path, store: Store, tmp_path: Path) -> None:
    newer = backups.backup_to(home / "emdrill.db", tmp_path / "newer.db", now=NOW)
    con = sqlite3.connect(newer)
    con.execute(f"PRAGMA user_version = {LATEST + 1}")
    con.close()
    with pytest.raises(StoreError, match="newer than this emdrill understands"):
        backups.restore(home / "emdrill.db", newer, now=NOW)
    damaged = backups.backup_to(home / "emdrill.db", tmp_path / "damaged.db", now=NOW)
    raw = bytearray(damaged.read_bytes())
    raw[4096 * 3: 4096 * 3 + 200] = b"\xff" * 200  # a page in the middle, header intact
    damaged.write_bytes(bytes(raw))
    with pytest.raises(StoreError, match="damaged"):
        backups.restore(home / "emdrill.db", damaged, now=NOW)


def test_a_damaged_collection_can_be_restored(home: Path, store: Store, tmp_path: Path) -> None:
    grade(store)
    saved = backups.backup_to(home / "emdrill.db", tmp_path / "saved.db", now=NOW)
    store.close()
    live = home / "emdrill.db"
    Path(f"{live}-wal").unlink(missing_ok=True)
    live.write_bytes(b"garbage" * 1000)
    done = backups.restore(live, saved, now=NOW)
    assert done.safety is not None and done.safety.read_bytes() == b"garbage" * 1000
    assert review_count(live) == 1
    assert store_backup.sound_version(live) == LATEST


def test_importing_a_list_and_adding_a_question_back_up_first(
        home: Path, store: Store, runner: CliRunner, tmp_path: Path) -> None:
    """Each write of a user deck is preceded by a backup holding the collection as it was;
    a dry run and a refused list make none."""
    grade(store)
    listed = tmp_path / "mine.txt"
    listed.write_text("How do you onboard a new lead?\n", encoding="utf-8")
    assert runner.invoke(app, ["import", str(listed), "--dry-run"]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("question\n\"\"\n", encoding="utf-8")
    assert runner.invoke(app, ["import", str(bad)]).exit_code == 1
    assert made_for(home) == []
    done = runner.invoke(app, ["import", str(listed)])
    assert done.exit_code == 0, done.output
    assert made_for(home) == ["auto-20260302T090000Z-import.db"]
    made = home / "backups" / "auto-20260302T090000Z-import.db"
    assert review_count(made) == 1
    con = sqlite3.connect(made)
    assert con.execute("SELECT count(*) FROM question WHERE deck_id = 'mine'").fetchone() == (0,)
    con.close()
    added = runner.invoke(app, ["add", "Tell me about a hire you got wrong.", "--yes"])
    assert added.exit_code == 0, added.output
    assert made_for(home) == ["auto-20260302T090000Z-add.db", "auto-20260302T090000Z-import.db"]


def test_restore_without_a_terminal_needs_yes(
        home: Path, store: Store, runner: CliRunner, tmp_path: Path) -> None:
    grade(store)
    saved = backups.backup_to(home / "emdrill.db", tmp_path / "saved.db", now=NOW)
    grade(store, "alpha-2")
    result = runner.invoke(app, ["restore", str(saved)])
    assert result.exit_code == 1
    assert result.output == (f"emdrill: {saved}: not restored: restore replaces the collection "
                             "and asks first; pass --yes to restore without a terminal\n")
    assert len(review_log.last_reviews(store, 10)) == 2
    assert made_for(home) == []


@pytest.mark.parametrize(("answer", "reviews"), [("n", 2), ("y", 1), ("", 2)])
def test_restore_on_a_terminal_asks_first(
        home: Path, store: Store, tmp_path: Path, answer: str, reviews: int) -> None:
    """In a real pty: the question names the backup and what it holds; only yes restores."""
    grade(store)
    saved = backups.backup_to(home / "emdrill.db", tmp_path / "saved.db", now=NOW)
    grade(store, "alpha-2")
    term = Term("restore", str(saved), cols=40, rows=20)
    # The long path is folded by characters wherever the line ends (its length depends on
    # the temporary folder, longer under xdist), so a fold may also land before a comma.
    term.wait_for(r"Replace the collection with .*saved\.db\s*\(1 answer\s*, the last on "
                  r"2026-03-02\s*\)\?\s*\[y/N\]", flat=True)
    term.press(answer + "\r")
    screen = term.finish()
    assert term.exitstatus == 0, screen
    assert len(review_log.last_reviews(store, 10)) == reviews
    if reviews == 1:
        assert "restored" in screen and made_for(home) == ["auto-20260302T090000Z-restore.db"]
    else:
        assert "not restored: nothing changed" in screen.splitlines()
        assert made_for(home) == []


def test_a_killed_backups_partial_files_are_removed_on_the_next_open(home: Path,
                                                                     runner: CliRunner) -> None:
    import subprocess
    import sys

    assert runner.invoke(app, ["status"]).exit_code == 0
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    folder = home / "backups"
    folder.mkdir(exist_ok=True)
    killed = [folder / f"auto-20260101T000000Z-daily.db.{dead.pid}.partial",
              folder / f"auto-20260101T000000Z-daily.db.{dead.pid}.partial-journal"]
    running = folder / f"manual-20260101T000000Z-backup.db.{alive.pid}.partial"
    other = folder / "notes.partial.txt"
    try:
        for path in [*killed, running, other]:
            path.write_bytes(b"half a database")
        result = runner.invoke(app, ["status"])
        assert result.exit_code == 0, result.output
        assert [p.exists() for p in killed] == [False, False]
        assert running.exists() and other.exists()  # still being written; not ours
    finally:
        alive.kill()
        alive.wait()


# ---------------------------------------------------------------- each refusal by its own cause


def folder_bytes(home: Path) -> dict[str, bytes]:
    return {str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*"))
            if p.is_file()}


def sql(path: Path, *statements: str) -> None:
    con = sqlite3.connect(path)
    try:
        for statement in statements:
            con.execute(statement)
        con.commit()
    finally:
        con.close()


def damage_an_index(path: Path) -> None:
    """Change one key in the review_question index's page and nothing else: the file reads,
    every query that skips the index answers, and only integrity_check sees the damage."""
    con = sqlite3.connect(path)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    (root,) = con.execute("SELECT rootpage FROM sqlite_master "
                          "WHERE name = 'review_question'").fetchone()
    con.close()
    raw = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    page = raw[start:start + page_size]
    key = to_db_micros(NOW).to_bytes(8, "big")  # the review's time, as the index keeps it
    assert page.count(key) == 1
    raw[start:start + page_size] = page.replace(key, (to_db_micros(NOW) + 1).to_bytes(8, "big"))
    path.write_bytes(bytes(raw))


def stale_log_beside(path: Path, live: Path) -> None:
    """A -wal beside `path`: the log of a write that deletes every answer, made on a scratch
    copy of the collection at `live` (whose pages it fits); `live` is left as it was."""
    scratch = path.with_name(f"{path.name}.scratch")
    store_backup.copy_database(live, scratch)
    con = sqlite3.connect(scratch, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("DELETE FROM review")
    Path(f"{path}-wal").write_bytes(Path(f"{scratch}-wal").read_bytes())
    con.close()
    store_backup.drop_sidecars(scratch, also_file=True)


Spoil = Callable[[Path, Path], None]
CAUSES: dict[str, tuple[str, Spoil]] = {
    "trigger": ("trigger 'wipe'", lambda b, live: sql(
        b, "CREATE TRIGGER wipe AFTER INSERT ON review BEGIN DELETE FROM story; END")),
    "view": ("view 'peek'", lambda b, live: sql(b, "CREATE VIEW peek AS SELECT * FROM review")),
    "application-id": ("application id is 0x41424344",
                       lambda b, live: sql(b, "PRAGMA application_id = 1094861636")),
    "newer-schema": (f"database schema {LATEST + 1} is newer",
                     lambda b, live: sql(b, f"PRAGMA user_version = {LATEST + 1}")),
    "integrity": ("missing from index review_question", lambda b, live: damage_an_index(b)),
    "stale-wal": ("B.db-wal beside it", stale_log_beside),
}


@pytest.mark.parametrize("cause", CAUSES)
def test_a_restore_is_refused_for_each_cause_in_one_line_and_nothing_changes(
        home: Path, store: Store, runner: CliRunner, tmp_path: Path, cause: str) -> None:
    """Each check on a backup pinned by a file that only it refuses: drop the check and this
    restore goes through."""
    grade(store)
    saved = backups.backup_to(home / "emdrill.db", tmp_path / "B.db", now=NOW)
    store.close()
    named, spoil = CAUSES[cause]
    spoil(saved, home / "emdrill.db")
    before = folder_bytes(home)
    result = runner.invoke(app, ["restore", str(saved), "--yes"])
    assert result.exit_code == 1, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"emdrill: {saved}: ") and named in line, line
    assert "unexpected" not in line
    assert folder_bytes(home) == before
    with pytest.raises(StoreError):
        backups.restore(home / "emdrill.db", saved, now=NOW)
    assert folder_bytes(home) == before


def test_a_stale_log_beside_a_damaged_collection_is_not_replayed_over_the_restore(
        home: Path, store: Store, tmp_path: Path) -> None:
    live = home / "emdrill.db"
    grade(store)
    saved = backups.backup_to(live, tmp_path / "saved.db", now=NOW)
    grade(store, "alpha-2")
    grade(store, "beta-1")
    store.close()
    old = tmp_path / "old.db"
    stale_log_beside(old, live)
    raw = bytearray(live.read_bytes())
    raw[4096 * 3: 4096 * 3 + 200] = b"\xff" * 200  # the collection is damaged
    live.write_bytes(bytes(raw))
    Path(f"{live}-wal").write_bytes(Path(f"{old}-wal").read_bytes())
    done = backups.restore(live, saved, now=NOW)
    assert done.safety is not None and Path(f"{done.safety}-wal").exists()  # kept, aside
    assert review_count(live) == 1  # a replayed log would leave 0
    assert store_backup.sound_version(live) == LATEST


def test_a_backup_over_a_file_with_a_stale_log_restores_the_new_copy(
        home: Path, store: Store, runner: CliRunner, tmp_path: Path) -> None:
    live = home / "emdrill.db"
    grade(store)
    target = tmp_path / "copy.db"
    backups.backup_to(live, target, now=NOW)
    grade(store, "alpha-2")
    store.close()
    stale_log_beside(target, live)
    assert runner.invoke(app, ["backup", str(target), "--force"]).exit_code == 0
    assert review_count(target) == 2  # a replayed log would leave 0
    restored = runner.invoke(app, ["restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert review_count(live) == 2
