"""The SQLite store: opening, migrations, transactions, and turning SQLite's failures into
one line that names the file.

A store keeps one plain sqlite3 connection for reads and for the hot path's writes (grade,
undo: `transaction()`), so opening it and answering a card never load SQLAlchemy. The ORM
engine is built the first time something writes through the models (`write()`,
`session()`): deck loads, stories, imports. Queries live in the sibling modules.
"""

from __future__ import annotations

import functools
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from emdrill.core.errors import DamagedError, DuplicateError, ReadOnlyError, StoreError
from emdrill.store import health
from emdrill.store.codec import to_db_time
from emdrill.store.migrations import LATEST, LATEST_SCHEMA_DIGEST, MIGRATIONS

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlmodel import Session

BUSY_TIMEOUT_MS = 5000
# The first use of a new folder loads the bundled deck in one write, which takes a second or
# two of CPU; on a loaded machine that is more than the 5 s above, so the commands that start
# at the same moment wait this long for it (`Store.write(wait_ms=...)`).
FIRST_USE_WAIT_MS = 60_000
SYNCHRONOUS = "FULL"  # every commit is flushed to the disk before it returns (`_pragmas`)


def inspect_existing(path: Path) -> int:
    """Read the header, schema version and schema without writing anything; refuse files
    that are not ours or that read as damaged."""
    health.check_header(path)
    try:
        con = sqlite3.connect(health.file_uri(path, mode="ro"), uri=True,
                              isolation_level=None)
        try:
            # one read transaction: a first use migrating the file in another process is
            # seen either before or after, never half (its version from before, its tables after)
            con.execute("BEGIN")
            version = int(con.execute("PRAGMA user_version").fetchone()[0])
            rows = health.schema_rows(con)
            if version == LATEST and health.schema_digest(rows) == LATEST_SCHEMA_DIGEST:
                return version  # exactly what the migrations make: nothing more to compare
            tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            expected = expected_schema(version) if 0 < version <= LATEST else frozenset()
            problems = health.schema_problems(rows, expected)
            foreign = bool(expected) and health.none_of(rows, expected)
            extra = health.foreign_objects(rows, expected) if expected and not foreign else []
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise _open_error(path, exc) from None
    if version > LATEST:
        raise StoreError(f"{path}: database schema {version} is newer than this emdrill "
                         f"understands ({LATEST}); upgrade emdrill (the file was not touched)")
    if version < 0:
        raise health.damaged(path, f"schema version {version}")
    if (version == 0 and tables) or foreign:
        raise StoreError(f"{path}: not an emdrill database (it has tables but no emdrill "
                         "schema); it was left untouched")
    if problems:
        raise health.damaged(path, "; ".join(problems[:3]))
    if extra:
        raise health.foreign(path, extra)
    return version


def _open_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """Why SQLite could not open or read the file: permissions first, then damage."""
    folder = path.parent
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        return ReadOnlyError(f"{folder}: the data folder is read-only, and emdrill keeps its "
                             "database and journal there (check its permissions, or point "
                             "EMDRILL_HOME elsewhere); nothing was changed")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return ReadOnlyError(f"{path}: the database file is read-only or not yours (check its "
                             "permissions); nothing was changed")
    return StoreError(f"{path}: cannot read the database ({exc}); it is damaged "
                      "or not an emdrill database, and was left untouched")


def _pragmas(con: sqlite3.Connection) -> None:
    # WAL lets a reader (stats) and a writer (a drill) share the file. FULL sync flushes
    # the log to the disk at every commit, so a grade that has returned is on the disk: a
    # power cut or an OS crash keeps it, as a killed process does (NORMAL would flush only
    # at checkpoints, and a power cut could lose the last commits). The price is one fsync
    # per answer: wall time, hardly any CPU (bench/durability.py measures it).
    # We issue BEGIN ourselves (see `Store.transaction` and `_on_begin`), so the driver
    # must not.
    con.isolation_level = None
    _into_wal(con)
    con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    con.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
    con.execute("PRAGMA foreign_keys=ON")


def _into_wal(con: sqlite3.Connection, *, pause: float = 0.01) -> None:
    """Ask for WAL, asking again while the file is locked, up to the busy timeout.

    Two first uses at once both find the new file in rollback mode, and switching needs it
    alone: each holds the read lock the other waits on, so SQLite refuses one at once
    instead of calling the busy handler. Asking again after the other has switched costs
    nothing (the file is already WAL)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            con.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)


def _on_connect(dbapi_con: sqlite3.Connection, _record: object) -> None:
    _pragmas(dbapi_con)


def _on_begin(conn: Connection) -> None:
    # A write takes the write lock when it starts, so what it reads (a facet's state, the
    # ids a batch names) cannot change before it commits: no lost update, and no "database
    # is locked" halfway through, since waiting happens here, under the busy timeout.
    options = conn.get_execution_options()
    write, wait = options.get(WRITE_OPTION, False), options.get(WAIT_OPTION)
    if wait is None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
        return
    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait)}")
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


WRITE_OPTION = "emdrill_write"
WAIT_OPTION = "emdrill_wait_ms"  # a longer busy timeout for this write's BEGIN


@dataclass
class Store:
    """An open collection. Three ways in:

    - `read()`: plain SQL reads on the store's own connection;
    - `transaction()`: a plain-SQL write (BEGIN IMMEDIATE), the hot path's;
    - `write()` / `session()`: a unit of work through the ORM models.

    Blocks nest: inside a write of either kind, every other block joins that write (its
    connection and its transaction). The one nesting refused is the ORM inside a plain
    transaction: it would need a second connection, which would wait on the first's lock."""

    path: Path
    con: sqlite3.Connection
    migrated_from: int = LATEST  # the schema version found on opening
    # When the first write's quick check is due (`_check_due`): the command's time (None:
    # always) and whether the file was left open (`left_open`) when this store opened it.
    now: datetime | None = None
    left_open: bool = True
    _engines: tuple[Engine, Engine] | None = field(default=None, init=False, repr=False)
    _active: Session | None = field(default=None, init=False, repr=False)
    _plain: bool = field(default=False, init=False, repr=False)
    _checked: bool = field(default=False, init=False, repr=False)
    _commits: int = field(default=0, init=False, repr=False)  # this store's own, see `version`

    # ------------------------------------------------------------ plain SQL

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Plain SQL reads: outside a write, each statement reads the latest committed
        state; inside one, they are that write's reads, on its connection."""
        if self._active is not None:
            yield driver_of(self._active)
            return
        with guard(self.path):
            yield self.con

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One plain-SQL write transaction (BEGIN IMMEDIATE): read the state and write the
        change in it, all or nothing. Joins a write already open."""
        if self._active is not None:
            yield driver_of(self._active)
            return
        if self._plain:
            yield self.con
            return
        with guard(self.path):
            self.con.execute("BEGIN IMMEDIATE")
            self._plain = True
            try:
                if not self._checked:
                    self._quick_check(self.con)
                yield self.con
                self.con.execute("COMMIT")
                self._commits += 1
            except BaseException:
                if self.con.in_transaction:
                    self.con.execute("ROLLBACK")
                raise
            finally:
                self._plain = False

    def version(self) -> tuple[int, int] | None:
        """Where the file stands: equal at two moments when nothing was committed in between,
        by another connection (`PRAGMA data_version`) or by this store. None inside an ORM
        write, whose own changes it cannot see."""
        if self._active is not None:
            return None
        with guard(self.path):
            (others,) = self.con.execute("PRAGMA data_version").fetchone()
        return int(others), self._commits

    # ------------------------------------------------------------ the ORM

    def _orm(self) -> tuple[Engine, Engine]:
        """The ORM's engines (plain and writing; their own connections), built on first
        use."""
        if self._plain:
            raise RuntimeError("an ORM unit of work inside a plain transaction would wait on "
                               "its own lock; use the transaction's connection")
        if self._engines is None:
            from sqlalchemy import event
            from sqlalchemy.pool import QueuePool
            from sqlmodel import create_engine

            # A URI, so that no character of the folder's name (?, #, %) changes what opens.
            engine = create_engine("sqlite://", creator=_connector(health.file_uri(self.path)),
                                   poolclass=QueuePool)
            event.listen(engine, "connect", _on_connect)
            event.listen(engine, "begin", _on_begin)
            self._engines = (engine, engine.execution_options(**{WRITE_OPTION: True}))
        return self._engines

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits when the block ends cleanly, rolls back otherwise.
        Inside `write()` it is that write's session."""
        if self._active is not None:
            yield self._active
            return
        with self._unit(self._orm()[0]) as session:
            yield session

    @contextmanager
    def write(self, *, wait_ms: int | None = None) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE) through the ORM: read the state and
        write the change in it, all or nothing. Nested blocks join it. `wait_ms`: wait
        that long for another writer, instead of the usual busy timeout."""
        if self._active is not None:
            yield self._active
            return
        bind = self._orm()[1]
        if wait_ms is not None:
            bind = bind.execution_options(**{WAIT_OPTION: wait_ms})
        with self._unit(bind) as session:
            self._active = session
            try:
                if not self._checked:
                    self._quick_check(driver_of(session))
                yield session
            finally:
                self._active = None

    def _quick_check(self, con: sqlite3.Connection) -> None:
        """SQLite's quick check before the process's first write, when it is due; a pass is
        recorded in that write's transaction."""
        if self._check_due(con):
            problems = health.quick_problems(con)
            if problems:
                raise health.damaged(self.path, problems[0])
            if self.now is not None:
                con.execute("UPDATE quick_checked SET at = ?", (to_db_time(self.now),))
        self._checked = True

    def _check_due(self, con: sqlite3.Connection) -> bool:
        """Due after an unclean shutdown (or beside another emdrill that has written), on
        the first write of a UTC day, and whenever the caller gave no time."""
        if self.now is None or self.left_open:
            return True
        row = con.execute("SELECT at FROM quick_checked").fetchone()
        return row is None or row[0] is None or str(row[0])[:10] != to_db_time(self.now)[:10]

    @contextmanager
    def _unit(self, bind: Engine) -> Iterator[Session]:
        from sqlmodel import Session

        with guard(self.path), Session(bind, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
                self._commits += 1
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        self.con.close()
        if self._engines is not None:
            self._engines[0].dispose()
            self._engines = None


def driver_of(session: Session) -> sqlite3.Connection:
    """The sqlite3 connection under an ORM session, in its transaction: plain SQL that must
    be part of the session's unit of work (flush the session first)."""
    raw = session.connection().connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


@contextmanager
def guard(path: Path) -> Iterator[None]:
    """Turn SQLite failures into one-line errors that name the file."""
    try:
        yield
    except DamagedError as exc:
        if str(path) in str(exc):
            raise
        raise health.damaged(path, str(exc)) from None
    except sqlite3.IntegrityError as exc:
        raise _duplicate(path, str(exc)) from None
    except sqlite3.OperationalError as exc:
        raise _operational(path, str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise health.damaged(path, str(exc)) from None
    except Exception as exc:
        orm = _orm_error(path, exc)
        if orm is None:
            raise
        raise orm from None


def _duplicate(path: Path, reason: str) -> StoreError:
    return DuplicateError(f"{path}: another emdrill wrote the same data at the same time "
                          f"({reason}); nothing was written, try again")


def _operational(path: Path, reason: str) -> StoreError:
    if "locked" in reason or "busy" in reason:
        return StoreError(f"{path}: database is busy (another emdrill is writing); "
                          "try again")
    if "readonly" in reason or "unable to open" in reason:
        return _open_error(path, sqlite3.OperationalError(reason))
    if "disk" in reason and "full" in reason:
        return StoreError(f"{path}: the disk is full; nothing was written")
    return StoreError(f"{path}: database error: {reason}")


def _orm_error(path: Path, exc: Exception) -> StoreError | None:
    """The same failures raised through SQLAlchemy (only loaded when the ORM is in use)."""
    sa = sys.modules.get("sqlalchemy.exc")
    if sa is None or not isinstance(exc, sa.DBAPIError):
        return None
    reason = str(exc.orig) if exc.orig is not None else str(exc)
    if isinstance(exc, sa.IntegrityError):
        return _duplicate(path, reason)
    if isinstance(exc, sa.OperationalError):
        return _operational(path, reason)
    if isinstance(exc, sa.DatabaseError) and ("malformed" in reason
                                              or "not a database" in reason):
        return health.damaged(path, reason)
    return None


def open_store(path: Path, *, version: int | None = None,
               now: datetime | None = None) -> Store:
    """Open (creating if needed) the database at `path` and bring its schema up to date.
    `version` is the schema version `inspect_existing` just found, when the caller has
    already looked (None: look here). `now`, the command's time, lets the first write skip
    the quick check on a day it already passed (`Store._check_due`); None checks always."""
    try:
        exists = path.exists()
        if not exists:
            path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{path.parent}: cannot create the data folder "
                         f"({exc.strerror or exc})") from None
    if exists and not path.is_file():
        raise StoreError(f"{path}: not a database file; it was left untouched")
    if version is None or not exists:
        version = inspect_existing(path) if exists else 0
    unclean = left_open(path)  # before our own connection makes a log of its own
    with guard(path):
        con = _connector(health.file_uri(path))()
        try:
            _pragmas(con)
            if version < LATEST:
                _migrate(con)
        except BaseException:
            con.close()
            raise
    return Store(path=path, con=con, migrated_from=version, now=now, left_open=unclean)


def left_open(path: Path) -> bool:
    """True when the file's write-ahead log holds frames: the last emdrill that wrote to it
    did not close it (killed, a crash, a power cut), or is still running. SQLite removes the
    log when the last connection closes cleanly."""
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def _connector(uri: str) -> Callable[[], sqlite3.Connection]:
    def connect() -> sqlite3.Connection:
        if _test_kill is None:
            return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                                   check_same_thread=False)
        con = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                              check_same_thread=False, factory=_Watched)
        con.set_trace_callback(_test_kill.statement)
        return con
    return connect


# ---------------------------------------------------------------- the kill test hook


@dataclass
class _Kill:
    """$EMDRILL_TEST_KILL (`env.read_test_kill`): count the statements of every connection
    `_connector` makes (and their closes), and SIGKILL the process just before number `at`,
    or log each one to `log`."""

    at: int | None
    log: Path | None
    count: int = 0

    def statement(self, sql: str) -> None:
        self.count += 1
        if self.log is not None:
            with self.log.open("a", encoding="utf-8") as out:
                out.write(f"{self.count} {' '.join(sql.split())[:120]}\n")
        elif self.count == self.at:
            kill = getattr(signal, "SIGKILL", None)
            if kill is None:  # Windows: no signal, the same abrupt end
                os._exit(137)
            os.kill(os.getpid(), kill)


_test_kill: _Kill | None = None


class _Watched(sqlite3.Connection):
    """A connection whose close is a point of the kill test hook (killed just before it, the
    file is left open as by a crash after the last commit)."""

    def close(self) -> None:
        self._closing()
        super().close()

    def __del__(self) -> None:  # a connection dropped without close() closes here
        self._closing()

    def _closing(self) -> None:
        if _test_kill is not None and not getattr(self, "_closed", False):
            self._closed = True
            _test_kill.statement("-- close")


def set_test_kill(point: int | Path | None) -> None:
    """Arm the kill test hook for this process: a statement number to be killed at, a file
    to log the statements to, or None (off). Arming it again with the same point keeps the
    count (a command may open the collection more than once)."""
    global _test_kill
    if _test_kill is not None and point in (_test_kill.at, _test_kill.log):
        return
    if point is None:
        _test_kill = None
    elif isinstance(point, Path):
        _test_kill = _Kill(at=None, log=point)
    else:
        _test_kill = _Kill(at=point, log=None)


def _migrate(con: sqlite3.Connection) -> None:
    con.execute("BEGIN IMMEDIATE")
    try:
        run_migrations(con, upto=LATEST)
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise


def run_migrations(con: sqlite3.Connection, *, upto: int) -> None:
    """Apply the migrations after the database's `user_version`, up to number `upto`, inside
    the caller's transaction."""
    current = int(con.execute("PRAGMA user_version").fetchone()[0])
    for number in range(current + 1, upto + 1):
        migration = MIGRATIONS[number - 1]
        if callable(migration):
            migration(con)
        else:
            for statement in _statements(migration):
                con.execute(statement)
        con.execute(f"PRAGMA user_version={number}")


@functools.cache
def expected_schema(version: int) -> frozenset[tuple[str, str, str]]:
    """(type, name, sql) of everything the migrations up to `version` create."""
    con = sqlite3.connect(":memory:", isolation_level=None)
    try:
        con.execute("BEGIN")
        run_migrations(con, upto=version)
        con.execute("COMMIT")
        return frozenset(health.schema_rows(con))
    finally:
        con.close()


def _statements(script: str) -> list[str]:
    """Split a migration into statements; a trigger's body holds `;` of its own."""
    result: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                result.append(pending.strip())
            pending = ""
    return result
