"""The SQLite store: opening, migrations, transactions. The only module that speaks SQL.

Deck, story and stats queries live in sibling modules named `store_*.py`, which
take a `Store` and use its sessions; nothing outside those modules touches SQL.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, create_engine

from emdrill.core.errors import DamagedError, DuplicateError, ReadOnlyError, StoreError
from emdrill.store import health
from emdrill.store.migrations import LATEST, MIGRATIONS

BUSY_TIMEOUT_MS = 5000


def inspect_existing(path: Path) -> int:
    """Read the header, schema version and schema without writing anything; refuse files
    that are not ours or that read as damaged."""
    health.check_header(path)
    try:
        con = sqlite3.connect(health.file_uri(path, mode="ro"), uri=True)
        try:
            version = int(con.execute("PRAGMA user_version").fetchone()[0])
            tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            expected = expected_schema(version) if 0 < version <= LATEST else frozenset()
            problems = health.schema_problems(con, expected)
            foreign = bool(expected) and health.none_of(con, expected)
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


def _on_connect(dbapi_con: Any, _record: Any) -> None:
    # WAL lets a reader (stats) and a writer (a drill) share the file. In WAL mode NORMAL
    # sync keeps every committed grade through a killed process or a closed terminal (the
    # commit is in the log before the call returns); only a power cut can lose the last
    # commits, never the file. FULL would add an fsync (milliseconds) to every answer.
    # We issue BEGIN ourselves (see `_on_begin`), so the driver must not.
    dbapi_con.isolation_level = None
    cur = dbapi_con.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _on_begin(conn: Any) -> None:
    # A write takes the write lock when it starts, so what it reads (a facet's state, the
    # ids a batch names) cannot change before it commits: no lost update, and no "database
    # is locked" halfway through, since waiting happens here, under the busy timeout.
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


WRITE_OPTION = "emdrill_write"


@dataclass
class Store:
    path: Path
    engine: Engine
    migrated_from: int = LATEST  # the schema version found on opening
    _reader: tuple[Any, sqlite3.Connection] | None = field(default=None, repr=False)
    _active: Session | None = field(default=None, init=False, repr=False)
    _checked: bool = field(default=False, init=False, repr=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits when the block ends cleanly, rolls back otherwise.
        Inside `write()` it is that write's session."""
        if self._active is not None:
            yield self._active
            return
        with self._unit(self.engine) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE): read the state and write the change in
        it, all or nothing. Nested `write()` and `session()` blocks join it."""
        if self._active is not None:
            yield self._active
            return
        with self._unit(self._write_engine) as session:
            self._active = session
            try:
                if not self._checked:
                    self._quick_check(session)
                yield session
            finally:
                self._active = None

    @cached_property
    def _write_engine(self) -> Engine:
        return self.engine.execution_options(**{WRITE_OPTION: True})

    def _quick_check(self, session: Session) -> None:
        problems = health.quick_problems(self._driver(session))
        if problems:
            raise health.damaged(self.path, problems[0])
        self._checked = True

    @contextmanager
    def _unit(self, bind: Engine) -> Iterator[Session]:
        with guard(self.path), Session(bind, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Plain SQL reads on one connection kept for the store's life: the hot path's
        queries cost what SQLite costs, without an ORM session around each. Inside `write()`
        they are that write's reads, on its connection."""
        if self._active is not None:
            yield self._driver(self._active)
            return
        if self._reader is None:
            raw = self.engine.raw_connection()
            con = raw.driver_connection
            assert isinstance(con, sqlite3.Connection)
            con.isolation_level = None  # each statement reads the latest committed state
            self._reader = (raw, con)
        with guard(self.path):
            yield self._reader[1]

    @staticmethod
    def _driver(session: Session) -> sqlite3.Connection:
        raw = session.connection().connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        return raw

    def close(self) -> None:
        if self._reader is not None:
            self._reader[0].close()
            self._reader = None
        self.engine.dispose()


@contextmanager
def guard(path: Path) -> Iterator[None]:
    """Turn SQLite failures into one-line errors that name the file."""
    try:
        yield
    except IntegrityError as exc:
        reason = str(exc.orig) if exc.orig is not None else str(exc)
        raise DuplicateError(f"{path}: another emdrill wrote the same data at the same time "
                             f"({reason}); nothing was written, try again") from None
    except DamagedError as exc:
        if str(path) in str(exc):
            raise
        raise health.damaged(path, str(exc)) from None
    except sqlite3.OperationalError as exc:  # plain reads, and a first connect that fails
        reason = str(exc)
        if "locked" in reason or "busy" in reason:
            raise StoreError(f"{path}: database is busy (another emdrill is writing); "
                             "try again") from None
        if "readonly" in reason or "unable to open" in reason:
            raise _open_error(path, exc) from None
        raise StoreError(f"{path}: database error: {reason}") from None
    except sqlite3.DatabaseError as exc:
        raise health.damaged(path, str(exc)) from None
    except OperationalError as exc:
        reason = str(exc.orig) if exc.orig is not None else str(exc)
        if "locked" in reason or "busy" in reason:
            raise StoreError(f"{path}: database is busy (another emdrill is writing); "
                             "try again") from None
        if "readonly" in reason or "unable to open" in reason:
            raise _open_error(path, sqlite3.OperationalError(reason)) from None
        if "disk" in reason and "full" in reason:
            raise StoreError(f"{path}: the disk is full; nothing was written") from None
        raise StoreError(f"{path}: database error: {reason}") from None
    except SADatabaseError as exc:
        reason = str(exc.orig) if exc.orig is not None else str(exc)
        if "malformed" in reason or "not a database" in reason:
            raise health.damaged(path, reason) from None
        raise


def open_store(path: Path) -> Store:
    """Open (creating if needed) the database at `path` and bring its schema up to date."""
    try:
        exists = path.exists()
        if not exists:
            path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{path.parent}: cannot create the data folder "
                         f"({exc.strerror or exc})") from None
    if exists and not path.is_file():
        raise StoreError(f"{path}: not a database file; it was left untouched")
    version = inspect_existing(path) if exists else 0
    # A URI, so that no character of the folder's name (?, #, %) changes what is opened.
    engine = create_engine("sqlite://", creator=_connector(health.file_uri(path)),
                           poolclass=QueuePool)
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    if version < LATEST:
        with guard(path):
            _migrate(engine)
    return Store(path=path, engine=engine, migrated_from=version)


def _connector(uri: str) -> Callable[[], sqlite3.Connection]:
    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                               check_same_thread=False)
    return connect


def _migrate(engine: Engine) -> None:
    raw = engine.raw_connection()
    try:
        con = raw.driver_connection
        assert isinstance(con, sqlite3.Connection)
        previous = con.isolation_level
        con.isolation_level = None  # we issue BEGIN ourselves
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                run_migrations(con, upto=LATEST)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        finally:
            con.isolation_level = previous
    finally:
        raw.close()


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


@cache
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
