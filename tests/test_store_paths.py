"""The store's one connection and one write (`Store.transact`, plain SQL and the ORM in the
same transaction), and what each command loads: the hot path (status, next, grade, undo)
and the reports never import SQLAlchemy."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import TEXT_REVIEWS, text_reviews
from emdrill.core.errors import DuplicateError, StoreError
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import grading, opening, queueing
from emdrill.ops.grading import StoryAnswer
from emdrill.store import review_log, setting_rows, tallies
from emdrill.store.codec import to_db_time
from emdrill.store.db import Store, _into_wal, guard, open_store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# One interpreter imports the command line (what a fresh `emdrill` does first, before it reads
# its arguments) and the modules every command of the hot path imports anyway (HOT), then
# forks a child per command: each child is `emdrill ARGS` from there on, and says on exit
# whether SQLAlchemy was loaded. (One interpreter running the commands in turn would not do:
# the first to load the ORM would hide whether the next ones load it.) Importing HOT first
# hides nothing: the parent checks that they leave SQLAlchemy out, and a child that loads it,
# at an import or a call, still says so; it spares each child importing them again.
HOT = ("emdrill.cli.base", "emdrill.ops.home_status", "emdrill.ops.grading",
       "emdrill.ops.queueing", "emdrill.ops.optimize", "emdrill.ops.backups", "emdrill.ui.console")
FORKS = f"""
import atexit, importlib, json, os, sys
sys.argv = ["emdrill"]
from emdrill.cli.main import main
for name in {HOT!r}:
    importlib.import_module(name)
assert "sqlalchemy" not in sys.modules
for line in sys.stdin:
    args, out, err = json.loads(line)
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        for fd, path, flags in ((0, os.devnull, os.O_RDONLY),
                                (1, out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                                (2, err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
            os.dup2(os.open(path, flags), fd)
        sys.stdin = open(0, encoding="utf-8", closefd=False)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
        atexit.register(lambda: sys.stderr.write(
            "ORM loaded: %s\\n" % ("sqlalchemy" in sys.modules)))
        sys.argv = ["emdrill", *args]
        main()
        sys.exit(0)
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""


class _Commands:
    """`emdrill ARGS` run one after another, each in a child forked from FORKS."""

    def __init__(self, home: Path) -> None:
        env = {**os.environ, "EMDRILL_HOME": str(home), "EMDRILL_NOW": T0.isoformat()}
        self.folder = home.parent
        self.proc = subprocess.Popen([sys.executable, "-c", FORKS], env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.runs = 0

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.runs += 1
        out, err = (self.folder / f"run{self.runs}.{name}" for name in ("out", "err"))
        self.proc.stdin.write(json.dumps([list(args), str(out), str(err)]) + "\n")
        self.proc.stdin.flush()
        code = int(self.proc.stdout.readline())
        return subprocess.CompletedProcess(list(args), code, out.read_text(encoding="utf-8"),
                                           err.read_text(encoding="utf-8"))

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        assert self.proc.wait(timeout=120) == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the children are forked")
def test_the_hot_path_and_the_reports_never_load_the_orm(tmp_path: Path) -> None:
    _run = _Commands(tmp_path / "home")
    first = _run("status")  # a new collection: the bundled deck loads by the ORM
    assert first.returncode == 0, first.stderr
    assert "ORM loaded: True" in first.stderr
    queued = _run("next", "--json", "-n", "3")
    qid = json.loads(queued.stdout)[0]["id"]
    for args in (["status"], ["next", "-n", "20"], ["next", "--json"],
                 ["grade", qid, "--intent", "good", "--story", "1"], ["undo"],
                 ["grade", qid, "--intent", "again", "--story", "2"], ["stats"],
                 ["stats", "--json"], ["shaky"], ["show", qid], ["story", "list"], ["optimize"]):
        done = _run(*args)
        assert done.returncode == 0, (args, done.stderr)
        assert "ORM loaded: False" in done.stderr, args
    # a setting is plain SQL (`config` is one upsert beside the hot path's reads) ...
    assert "ORM loaded: False" in _run("config", "new-per-day", "5").stderr
    # ... and the probe does see the ORM where a command uses it: a story is written through
    # its model (store/story_edits)
    stories = tmp_path / "stories.md"
    stories.write_text("## The coverage push\n- slots: 6\n\n### Context\nA team of six.\n",
                       encoding="utf-8")
    imported = _run("story", "import", str(stories))
    assert imported.returncode == 0, imported.stderr
    assert "ORM loaded: True" in imported.stderr
    _run.close()
    con = text_reviews(sqlite3.connect(tmp_path / "home" / "emdrill.db"))
    assert con.execute("SELECT count(*) FROM review WHERE question_id = ?",
                       (qid,)).fetchone()[0] == 1  # graded, undone, graded again


def test_a_plain_transaction_is_all_or_nothing(tmp_path: Path) -> None:
    store = open_store(tmp_path / "e.db")
    with pytest.raises(KeyboardInterrupt), store.transact("test") as con:
        con.execute("INSERT INTO setting (key, value) VALUES ('new-per-day', '3')")
        raise KeyboardInterrupt
    assert not store.con.in_transaction and store.writing is None
    assert setting_rows.stored_settings(store) == {}
    with store.transact("test") as con:
        con.execute("INSERT INTO setting (key, value) VALUES ('new-per-day', '4')")
    other = sqlite3.connect(tmp_path / "e.db")  # committed: another connection sees it
    assert other.execute("SELECT value FROM setting").fetchall() == [("4",)]


def _orm_inside_plain(store: Store, *, fail: bool) -> None:
    from emdrill.store.tables import SettingRow

    with store.transact("plain outside") as con:
        con.execute("INSERT INTO setting (key, value) VALUES ('decode', 'on')")
        with store.session() as s:  # joins the write: the same connection, no second lock
            s.add(SettingRow(key="minutes", value="7"))
        if fail:
            raise LookupError


def _plain_inside_orm(store: Store, *, fail: bool) -> None:
    from emdrill.store.tables import SettingRow

    with store.transact("orm outside"), store.session() as s:
        s.add(SettingRow(key="minutes", value="7"))  # pending: flushed before plain SQL runs
        with store.transact("plain inside") as con:
            assert con.execute("SELECT value FROM setting WHERE key = 'minutes'"
                               ).fetchone() == ("7",)
            con.execute("INSERT INTO setting (key, value) VALUES ('decode', 'on')")
        if fail:
            raise LookupError


@pytest.mark.parametrize("write", [_orm_inside_plain, _plain_inside_orm])
def test_plain_sql_and_the_orm_in_one_write_commit_or_roll_back_as_one(
        tmp_path: Path, write: Any) -> None:
    store = open_store(tmp_path / "e.db")
    other = sqlite3.connect(tmp_path / "e.db")
    with pytest.raises(LookupError):
        write(store, fail=True)
    assert not store.con.in_transaction
    assert other.execute("SELECT * FROM setting").fetchall() == []  # neither half landed
    before = store.version()
    write(store, fail=False)
    assert sorted(other.execute("SELECT key, value FROM setting")) == [
        ("decode", "on"), ("minutes", "7")]
    assert store.version()[1] == before[1] + 1  # one commit for both


# A child writes plain SQL and then through the ORM in one write and is killed before the
# commit, or the other way round: the file holds nothing of either.
KILLED = """
import os, signal, sys
from pathlib import Path
from emdrill.store.db import open_store
from emdrill.store.tables import SettingRow
store = open_store(Path(sys.argv[1]))
with store.transact("killed"), store.session() as s:
    if sys.argv[2] == "plain-first":
        store.con.execute("INSERT INTO setting (key, value) VALUES ('decode', 'on')")
        s.add(SettingRow(key="minutes", value="7"))
        s.flush()
    else:
        s.add(SettingRow(key="minutes", value="7"))
        s.flush()
        with store.transact("inside") as con:
            con.execute("INSERT INTO setting (key, value) VALUES ('decode', 'on')")
    print(store.con.execute("SELECT count(*) FROM setting").fetchone()[0], flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(not hasattr(os, "kill") or sys.platform == "win32", reason="SIGKILL")
@pytest.mark.parametrize("order", ["plain-first", "orm-first"])
def test_a_kill_inside_a_mixed_write_leaves_nothing_of_either(tmp_path: Path,
                                                              order: str) -> None:
    path = tmp_path / "e.db"
    open_store(path).close()
    done = subprocess.run([sys.executable, "-c", KILLED, str(path), order], text=True,
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == -9, done.stderr
    assert done.stdout.strip() == "2"  # both rows were written, in the one transaction
    con = sqlite3.connect(path)
    assert con.execute("SELECT * FROM setting").fetchall() == []


def test_an_orm_session_outside_a_write_reads_and_refuses_changes(tmp_path: Path) -> None:
    from emdrill.store.tables import SettingRow

    store = open_store(tmp_path / "e.db")
    with pytest.raises(RuntimeError, match="outside a write"), store.session() as s:
        s.add(SettingRow(key="minutes", value="7"))
    assert not store.con.in_transaction
    snapshot = store.read(snapshot=True)
    with pytest.raises(RuntimeError, match="inside a read snapshot"), snapshot, \
            store.transact("test"):
        pass
    assert setting_rows.stored_settings(store) == {}


def _snapshot(store: opening.Store) -> tuple[list[tuple[object, ...]], ...]:
    with store.read() as con:
        tables = [con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                  for t in ("facet", "question", "review")]
        # the per-day counts keep a row at zero once a day's last review is undone
        return (*tables, *(con.execute(f"SELECT * FROM {t} WHERE reviews != 0 "
                                       "ORDER BY 1, 2").fetchall()
                           for t in ("review_day", "family_day")))


def test_a_grade_and_its_undo_round_trip_every_column(tmp_path: Path) -> None:
    store = opening.open_collection(tmp_path / "e.db", now=T0)
    clock = Clock(now=T0, local=UTC)
    qid = queueing.next_queue(store, clock, limit=1)[0].card.id
    grading.grade(store, clock, qid, intent=Rating.GOOD, story=StoryAnswer(slot=1))
    before = _snapshot(store)  # the two facets now differ (a right and a wrong story)
    tally = tallies.read(store)
    later = Clock(now=T0 + timedelta(days=3), local=UTC)
    graded = grading.grade(store, later, qid, intent=Rating.AGAIN,
                           story=StoryAnswer(slot=2), seconds=12.5, mode="drill")
    with store.read() as con:
        row = con.execute("SELECT question_id, reviewed_at, intent_rating, story_rating, "
                          f"slot_named, seconds, mode FROM {TEXT_REVIEWS} WHERE id = ?",
                          (graded.review_id,)).fetchone()
        due = con.execute("SELECT due FROM facet WHERE question_id = ? AND kind = 'intent'",
                          (qid,)).fetchone()[0]
    assert row == (qid, to_db_time(later.now), 1, int(graded.story_rating), 2, 12.5, "drill")
    assert due == to_db_time(graded.intent_due)
    assert review_log.last_reviews(store, 1)[0].reviewed_at == later.now
    assert _snapshot(store) != before
    grading.undo(store)
    assert _snapshot(store) == before
    for family, kept in tallies.read(store).items():  # decayed sums: equal as of a time
        was = tally[family].at(later.now) if family in tally else (0.0, 0.0)
        assert kept.at(later.now) == pytest.approx(was, abs=1e-9)


def test_a_naive_time_is_never_written() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_db_time(datetime(2026, 3, 2, 9, 0))


@pytest.mark.parametrize(("error", "says"), [
    (sqlite3.IntegrityError("UNIQUE constraint failed: review.id"), "same data at the same"),
    (sqlite3.IntegrityError("NOT NULL constraint failed: review_quarter.first_id"),
     "a write broke a rule of the collection's schema"),
    (sqlite3.OperationalError("database or disk is full"), "the disk is full"),
    (sqlite3.OperationalError("database is locked"), "database is busy"),
    (sqlite3.DatabaseError("database disk image is malformed"), "damaged"),
])
def test_plain_sqlite_failures_become_one_line_naming_the_file(
        tmp_path: Path, error: Exception, says: str) -> None:
    path = tmp_path / "e.db"
    with pytest.raises(StoreError) as caught, guard(path):
        raise error
    assert says in str(caught.value) and str(path) in str(caught.value)
    assert "\n" not in str(caught.value)
    # only a key two writers met is a race worth trying again
    assert isinstance(caught.value, DuplicateError) == ("UNIQUE" in str(error))


class _RefusedTwice(sqlite3.Connection):
    """A real connection whose first two asks for WAL are refused as a racing first use's
    would be (SQLite's deadlock guard answers at once, without the busy handler)."""

    refusals = 2
    error = "database is locked"

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "PRAGMA journal_mode=WAL" and self.refusals:
            self.refusals -= 1
            raise sqlite3.OperationalError(self.error)
        return super().execute(sql, *args)


def test_a_refused_switch_to_wal_is_asked_again(tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / "new.db", factory=_RefusedTwice)
    _into_wal(con, pause=0)
    assert isinstance(con, _RefusedTwice) and con.refusals == 0
    assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_other_failures_to_switch_to_wal_are_not_retried(tmp_path: Path) -> None:
    class Full(_RefusedTwice):
        error = "database or disk is full"

    con = sqlite3.connect(tmp_path / "new.db", factory=Full)
    with pytest.raises(sqlite3.OperationalError, match="full"):
        _into_wal(con, pause=0)
    assert isinstance(con, Full) and con.refusals == 1  # asked once


def test_a_read_only_store_reads_and_never_writes(tmp_path: Path, store: Store) -> None:
    """`open_read_only` (suggest, completion, the full check): reads go through the Store,
    a write through it is refused before SQL runs, and SQLite refuses one below it too."""
    from emdrill.store.db import open_current, open_read_only
    from emdrill.store.names import question_names

    empty = tmp_path / "e.db"
    assert open_current(empty) is None  # no file: the full open creates it
    open_store(empty).close()
    assert open_current(empty) is None  # current but empty: the full open loads the decks
    expected = setting_rows.stored_settings(store)
    reader = open_current(store.path)
    assert reader is not None and reader.read_only
    with pytest.raises(RuntimeError, match="read-only"), reader.transact("save a setting"):
        pass
    with pytest.raises(StoreError, match=str(store.path.name)), reader.read() as con:
        con.execute("INSERT INTO setting (key, value) VALUES ('minutes', '7')")
    reader.close()
    again = open_read_only(store.path)
    assert setting_rows.stored_settings(again) == expected
    again.close()
    ids, families = question_names(store.path)
    assert "alpha-1" in ids and "beta-1" in ids and families == sorted(set(families))
    assert question_names(tmp_path / "none.db") == ([], [])
