"""The SQLite store: opening, migrations, transactions. The only module that speaks SQL.

Deck, story and stats queries live in sibling modules named `store_*.py`, which
take a `Store` and use its sessions; nothing outside those modules touches SQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, create_engine

from emdrill.core.errors import DuplicateError, StoreError
from emdrill.store.migrations import LATEST, MIGRATIONS

BUSY_TIMEOUT_MS = 5000


def inspect_existing(path: Path) -> int:
    """Read the schema version without writing anything; refuse files that are not ours."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            version = int(con.execute("PRAGMA user_version").fetchone()[0])
            tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: cannot read the database ({exc}); it is damaged "
                         "or not an emdrill database, and was left untouched") from None
    if version > LATEST:
        raise StoreError(f"{path}: database schema {version} is newer than this emdrill "
                         f"understands ({LATEST}); upgrade emdrill (the file was not touched)")
    if version == 0 and tables:
        raise StoreError(f"{path}: not an emdrill database (it has tables but no emdrill "
                         "schema); it was left untouched")
    return version


def _on_connect(dbapi_con: Any, _record: Any) -> None:
    # WAL lets a reader (stats) and a writer (a drill) share the file. In WAL mode NORMAL
    # sync keeps every committed grade through a killed process or a closed terminal (the
    # commit is in the log before the call returns); only a power cut can lose the last
    # commits, never the file. FULL would add an fsync (milliseconds) to every answer.
    cur = dbapi_con.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


@dataclass
class Store:
    path: Path
    engine: Engine
    migrated_from: int = LATEST  # the schema version found on opening
    _reader: tuple[Any, sqlite3.Connection] | None = field(default=None, repr=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits when the block ends cleanly, rolls back otherwise."""
        with guard(self.path), Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Plain SQL reads on one connection kept for the store's life: the hot path's
        queries cost what SQLite costs, without an ORM session around each."""
        if self._reader is None:
            raw = self.engine.raw_connection()
            con = raw.driver_connection
            assert isinstance(con, sqlite3.Connection)
            con.isolation_level = None  # each statement reads the latest committed state
            self._reader = (raw, con)
        with guard(self.path):
            yield self._reader[1]

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
    except sqlite3.OperationalError as exc:
        reason = str(exc)
        if "locked" in reason or "busy" in reason:
            raise StoreError(f"{path}: database is busy (another emdrill is writing); "
                             "try again") from None
        raise StoreError(f"{path}: database error: {reason}") from None
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: database is damaged: {exc}") from None
    except IntegrityError as exc:
        reason = str(exc.orig) if exc.orig is not None else str(exc)
        raise DuplicateError(f"{path}: another emdrill wrote the same data at the same time "
                             f"({reason}); nothing was written, try again") from None
    except OperationalError as exc:
        reason = str(exc.orig) if exc.orig is not None else str(exc)
        if "locked" in reason or "busy" in reason:
            raise StoreError(f"{path}: database is busy (another emdrill is writing); "
                             "try again") from None
        raise StoreError(f"{path}: database error: {reason}") from None
    except SADatabaseError as exc:
        reason = str(exc.orig) if exc.orig is not None else str(exc)
        if "malformed" in reason or "not a database" in reason:
            raise StoreError(f"{path}: database is damaged: {reason}") from None
        raise


def open_store(path: Path) -> Store:
    """Open (creating if needed) the database at `path` and bring its schema up to date."""
    version = inspect_existing(path) if path.exists() else 0
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{path.parent}: cannot create the data folder ({exc.strerror})") from None
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _on_connect)
    if version < LATEST:
        with guard(path):
            _migrate(engine)
    return Store(path=path, engine=engine, migrated_from=version)


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
