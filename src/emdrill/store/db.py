"""The SQLite store: opening, migrations, transactions, and turning SQLite's failures into
one line that names the file.

A store is one sqlite3 connection. Every write goes through `Store.transact`; the ORM
(`Store.session`) runs on that same connection, so a write is one transaction whatever
mix of plain SQL and ORM it uses. SQLAlchemy loads only when a session is first asked for
(deck loads, stories, imports): opening a store and answering a card never load it.
Queries live in the sibling modules.
"""

from __future__ import annotations

import functools
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from emdrill.core.errors import DamagedError, DuplicateError, ReadOnlyError, StoreError
from emdrill.store import health
from emdrill.store.codec import to_db_time
from emdrill.store.migrations import LATEST, LATEST_SCHEMA_DIGEST, MIGRATIONS, statements

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

BUSY_TIMEOUT_MS = 5000
# The first use of a new folder loads the bundled deck in one write, which takes a second or
# two of CPU; on a loaded machine that is more than the 5 s above, so the commands that start
# at the same moment wait this long for it (`Store.transact(..., wait_ms=...)`).
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
    # The store issues BEGIN itself (`Store.transact`, `Store.read`), and so does the
    # ORM on this same connection: the driver must not.
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


_T = TypeVar("_T")


@dataclass
class Store:
    """An open collection: one sqlite3 connection, and one way to write to it.

    - `read()`: plain SQL reads (`snapshot=True`: all of them from one moment);
    - `transact(op)`: the one write transaction: BEGIN IMMEDIATE, the quick check when due,
      one COMMIT or one ROLLBACK;
    - `session()`: the ORM (SQLModel) on the same connection, built on first use.

    A store opened by `open_read_only` has a read-only connection and refuses `transact`.

    There is one transaction at a time because there is one connection: a block opened
    inside a write, plain or ORM, is part of that write, and what the ORM has pending is
    flushed before plain SQL runs and before the commit."""

    path: Path
    con: sqlite3.Connection
    migrated_from: int = LATEST  # the schema version found on opening
    # When the first write's quick check is due (`_check_due`): the command's time (None:
    # always) and whether the file was left open (`left_open`) when this store opened it.
    now: datetime | None = None
    left_open: bool = True
    read_only: bool = False  # `open_read_only`: no migration, and `transact` refuses
    writing: str | None = field(default=None, init=False)  # the op of the write in progress
    _reading: bool = field(default=False, init=False, repr=False)  # a read snapshot is open
    _engine: Engine | None = field(default=None, init=False, repr=False)
    _session: Session | None = field(default=None, init=False, repr=False)
    _checked: bool = field(default=False, init=False, repr=False)
    _commits: int = field(default=0, init=False, repr=False)  # this store's own, see `version`
    _other_commits: int = field(default=0, init=False, repr=False)  # `basis_version`'s
    _memos: dict[str, tuple[tuple[tuple[int, int], Hashable], Any]] = field(
        default_factory=dict, init=False, repr=False)
    _answering: bool = field(default=False, init=False, repr=False)  # the write is an answer

    @contextmanager
    def read(self, *, snapshot: bool = False) -> Iterator[sqlite3.Connection]:
        """Plain SQL reads. Outside a write each statement reads the latest committed state,
        or with `snapshot` every statement of the block reads the same moment (a read
        transaction); inside a write they are that write's reads."""
        if self.writing is not None or self._reading:
            self._flush()
            yield self.con
            return
        if not snapshot:
            with guard(self.path):
                yield self.con
            return
        with guard(self.path):
            self.con.execute("BEGIN")
            self._reading = True
            try:
                yield self.con
            finally:
                self._reading = False
                self._end_session()
                if self.con.in_transaction:
                    self.con.execute("ROLLBACK")

    @contextmanager
    def transact(self, op: str, *, orm: bool = False, wait_ms: int | None = None,
                 answer: bool = False) -> Iterator[sqlite3.Connection]:
        """The one write transaction, named by its operation (`op`: "grade", "load decks"):
        BEGIN IMMEDIATE, so what it reads cannot change before it commits; the quick check
        before the process's first write; then one COMMIT, or one ROLLBACK on any exception
        (a kill leaves nothing of it). Joins a write already open. `orm`: the block uses
        `session()`, so SQLAlchemy is loaded before the lock is taken, not while other
        writers wait on it. `wait_ms`: wait that long for another writer instead of the
        usual busy timeout. `answer`: the write is one answer or its undo (the facets, the
        review, the counts and tallies that follow them, nothing else), so it does not move
        `basis_version`; a write it joins decides for it."""
        if self.writing is not None:
            self._flush()
            yield self.con
            return
        if self._reading:
            raise RuntimeError(f"{op}: a write cannot start inside a read snapshot; "
                               "open the write first and read inside it")
        if self.read_only:
            raise RuntimeError(f"{op}: this store was opened read-only (`open_read_only`)")
        if orm:
            self._orm()
        with guard(self.path):
            self._begin(wait_ms)
            self.writing, self._answering = op, answer
            try:
                if not self._checked:
                    self._quick_check(self.con)
                yield self.con
                self._flush()
                if not self.con.in_transaction:
                    raise RuntimeError(f"{op}: the write was ended inside its block")
                self.con.execute("COMMIT")
                self._commits += 1
                if not answer:
                    self._other_commits += 1
            except BaseException:
                if self.con.in_transaction:
                    self.con.execute("ROLLBACK")
                raise
            finally:
                self.writing, self._answering = None, False
                self._end_session()

    def _begin(self, wait_ms: int | None) -> None:
        # A write takes the write lock when it starts, so what it reads (a facet's state, the
        # ids a batch names) cannot change before it commits: no lost update, and no
        # "database is locked" halfway through, since waiting happens here.
        if wait_ms is None:
            self.con.execute("BEGIN IMMEDIATE")
            return
        self.con.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
        try:
            self.con.execute("BEGIN IMMEDIATE")
        finally:
            self.con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def version(self) -> tuple[int, int]:
        """Where the file stands: equal at two moments when nothing was committed in between,
        by another connection (`PRAGMA data_version`) or by this store."""
        with guard(self.path):
            (others,) = self.con.execute("PRAGMA data_version").fetchone()
        return int(others), self._commits

    def basis_version(self) -> tuple[int, int]:
        """As `version`, but this store's own answers (`transact(answer=True)`) do not move
        it: equal at two moments when nothing but those answers was committed in between
        (another process's answer moves it too: `PRAGMA data_version` cannot tell)."""
        with guard(self.path):
            (others,) = self.con.execute("PRAGMA data_version").fetchone()
        return int(others), self._other_commits

    def basis_of(self, version: tuple[int, int]) -> tuple[int, int]:
        """`basis_version` at the moment `version` (a `version()`) was read, when nothing
        was committed since: no statement."""
        return version[0], self._other_commits

    def memo(self, name: str, read: Callable[[], _T], *,
             version: tuple[int, int] | None = None, key: Hashable = None) -> _T:
        """`read()`'s value, kept while `basis_version` stays where it was when it was read:
        what only a write other than an answer can change (the settings, the FSRS parameters
        in force, the interview, the families), read and checked once, not at every call.
        Inside a write other than an answer it reads afresh and keeps nothing (the write
        may have changed it). `version`: the store's `version()` just read, which saves
        reading `PRAGMA data_version` again. `key`: what else the value depends on (the day,
        a count an answer moves): a different key reads afresh and replaces the kept one."""
        if self.writing is not None and not self._answering:
            self._memos.pop(name, None)
            return read()
        at = (self.basis_version() if version is None else self.basis_of(version), key)
        kept = self._memos.get(name)
        if kept is not None and kept[0] == at:
            return cast("_T", kept[1])
        value = read()
        self._memos[name] = (at, value)
        return value

    # ------------------------------------------------------------ the ORM

    @contextmanager
    def session(self) -> Iterator[Session]:
        """The ORM on the store's connection. Inside a write it is that write's session
        (one per write: nested blocks share it, the write flushes and commits it); outside
        one it reads a snapshot, and a change made through it is refused."""
        if self.writing is None and not self._reading:
            with self.read(snapshot=True), self.session() as session:
                yield session
                if session.new or session.dirty or session.deleted:
                    _read_only()
            return
        if self._session is None:
            from sqlalchemy import event
            from sqlmodel import Session

            self._session = Session(self._orm(), expire_on_commit=False)
            if self.writing is None:
                event.listen(self._session, "before_flush", _read_only)
        yield self._session

    def _orm(self) -> Engine:
        """The ORM's engine: its one connection is the store's own, and the store, not the
        ORM, begins, commits and rolls back."""
        if self._engine is None:
            from sqlalchemy import event
            from sqlalchemy.pool import StaticPool
            from sqlmodel import create_engine

            con = self.con
            # The connection is in autocommit mode to the driver (`_pragmas`): SQLAlchemy
            # then begins nothing, and with skip_autocommit_rollback ends nothing either.
            self._engine = create_engine("sqlite://", creator=lambda: con,
                                         poolclass=StaticPool, pool_reset_on_return=None,
                                         skip_autocommit_rollback=True)
            event.listen(self._engine, "commit", _commit_refused)
            with self._engine.connect():  # the dialect's first-connect reads, done here
                pass
            import emdrill.store.tables  # noqa: F401  (the models a session works on)
        return self._engine

    def _flush(self) -> None:
        if self._session is not None:
            self._session.flush()

    def _end_session(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            session.close()

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

    def close(self) -> None:
        self._end_session()
        self._engine = None  # its one connection is `con`, closed here
        self.con.close()


def _read_only(*_: object) -> None:
    raise RuntimeError("a change through the ORM outside a write: make it inside "
                       "`Store.transact`")


def _commit_refused(*_: object) -> None:
    raise RuntimeError("the ORM session does not commit: `Store.transact` does")


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
    """A write refused by a rule of the schema. A UNIQUE (or primary) key is what two
    emdrills writing the same row at once meet; a NOT NULL, CHECK or foreign key refusal is
    no race, and saying "try again" would mislead."""
    if reason.startswith("UNIQUE constraint failed"):
        return DuplicateError(f"{path}: another emdrill wrote the same data at the same time "
                              f"({reason}); nothing was written, try again")
    return StoreError(f"{path}: a write broke a rule of the collection's schema ({reason}); "
                      "nothing was written")


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


def open_read_only(path: Path, *, timeout_ms: int = BUSY_TIMEOUT_MS) -> Store:
    """The store at `path` for reading only: SQLite opens the file read-only, nothing is
    migrated, checked or written (`transact` raises), and no journal mode is set. For what
    only reads and must not create, migrate or back up a collection: the suggestion reader,
    shell completion, the full check. Raises sqlite3.Error when SQLite cannot open it."""
    con = sqlite3.connect(health.file_uri(path, mode="ro"), uri=True, isolation_level=None,
                          timeout=timeout_ms / 1000, check_same_thread=False)
    return Store(path=path, con=con, read_only=True)


def open_current(path: Path) -> Store | None:
    """A read-only store (`open_read_only`) when the collection exists, its schema is current
    and it holds questions; None when it must be opened the full way (to be created,
    migrated, loaded, or refused with a reason)."""
    if not path.is_file():
        return None
    try:
        store = open_read_only(path)
    except sqlite3.Error:
        return None
    try:
        with store.read() as con:
            version = int(con.execute("PRAGMA user_version").fetchone()[0])
            current = version == LATEST and bool(con.execute(
                "SELECT EXISTS (SELECT 1 FROM question)").fetchone()[0])
    except StoreError:
        current = False
    if not current:
        store.close()
        return None
    return store


def full_check(path: Path) -> list[str]:
    """Every problem the full check finds (`health.full_check_problems`), read-only; an empty
    list means whole."""
    try:
        health.check_header(path)
        store = open_read_only(path)
        try:
            return health.full_check_problems(store.con, LATEST, expected_schema)
        finally:
            store.close()
    except (DamagedError, sqlite3.DatabaseError) as exc:
        return [str(exc)]


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
    _reclaim(con)


def _reclaim(con: sqlite3.Connection) -> None:
    """Give the disk back when a migration left most of the file free (migration 20 rebuilds
    `review` in a third of its pages): VACUUM, once, outside the migration's transaction. A
    file another process holds open stays as it is (its free pages are reused as it grows)."""
    free = int(con.execute("PRAGMA freelist_count").fetchone()[0])
    if free * 2 <= int(con.execute("PRAGMA page_count").fetchone()[0]):
        return
    with suppress(sqlite3.OperationalError):
        con.execute("VACUUM")


def run_migrations(con: sqlite3.Connection, *, upto: int) -> None:
    """Apply the migrations after the database's `user_version`, up to number `upto`, inside
    the caller's transaction."""
    current = int(con.execute("PRAGMA user_version").fetchone()[0])
    for number in range(current + 1, upto + 1):
        migration = MIGRATIONS[number - 1]
        if callable(migration):
            migration(con)
        else:
            for statement in statements(migration):
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
