"""Whole-database copies with SQLite's online backup API: backups, checks and restores.

The backup API copies a consistent snapshot even while another emdrill is writing, and
copying *into* the live database replaces its content in one transaction, so a restore is
all or nothing for every reader.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from emdrill.core.errors import StoreError
from emdrill.store import health
from emdrill.store.codec import from_db_micros, to_db_time
from emdrill.store.db import BUSY_TIMEOUT_MS, inspect_existing
from emdrill.store.migrations import LATEST

# Tables every emdrill database has had since its first schema; their absence means the file
# is some other SQLite database.
_CORE_TABLES = {"deck", "family", "slot", "question", "facet", "review", "setting"}
# The files SQLite keeps beside a database and replays into it when it opens it: a log of
# commits not yet folded in (-wal, with its index -shm) or a rollback journal (-journal).
SIDECARS = ("-wal", "-shm", "-journal")


@contextlib.contextmanager
def _connect(path: Path, *, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    uri = health.file_uri(path, mode="ro" if read_only else None)
    try:
        con = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open ({exc})") from None
    try:
        yield con
    finally:
        con.close()


def copy_database(source: Path, dest: Path) -> None:
    """A consistent copy of `source` at `dest`, written beside it first and then renamed into
    place, so `dest` is never half a database."""
    # One partial file per process: two emdrills making the day's backup at once must not
    # write into the same file.
    partial = dest.with_name(f"{dest.name}.{os.getpid()}.partial")
    try:
        drop_sidecars(partial, also_file=True)
        with _connect(source, read_only=True) as src, _connect(partial) as out:
            src.backup(out)
            # A standalone copy: one file, no -wal beside it.
            out.execute("PRAGMA journal_mode=DELETE")
        fsync_file(partial)
        # A -wal left beside an older `dest` would be replayed over the new copy the next time
        # it is opened (SQLite checks no more than the log's own checksums): it goes first.
        drop_sidecars(dest)
        os.replace(partial, dest)
    except sqlite3.Error as exc:
        _discard(partial)
        raise StoreError(f"{source}: cannot copy the database to {dest} ({exc})") from None
    except OSError as exc:
        _discard(partial)
        raise StoreError(f"{dest}: cannot write ({exc.strerror})") from None


def _discard(partial: Path) -> None:
    """Remove a partial copy, if it can be reached at all (a loop of symlinks in its folder
    cannot be): the error that stopped the copy is the one to report."""
    with contextlib.suppress(OSError):
        partial.unlink(missing_ok=True)


def drop_sidecars(path: Path, *, also_file: bool = False) -> None:
    """Delete the journal files beside `path` (and `path` itself with `also_file`)."""
    for suffix in ("", *SIDECARS) if also_file else SIDECARS:
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def refuse_sidecars(path: Path) -> None:
    """Refuse a backup with a journal file beside it: emdrill's copies are one file each, and
    SQLite would replay the journal into what is restored, unchecked by anything we read."""
    found = [Path(f"{path}{suffix}") for suffix in SIDECARS
             if Path(f"{path}{suffix}").exists()]
    if found:
        raise StoreError(f"{path}: has {found[0].name} beside it, which SQLite would replay "
                         "into the restored collection; emdrill's backups are one file, so "
                         "move it aside if it is stale (nothing was changed)")


def fsync_file(path: Path) -> None:
    """Flush a file we just wrote to the disk. The handle is opened for writing: Windows
    flushes only through one (a read-only handle fails with EBADF there)."""
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sound_version(path: Path) -> int:
    """The schema version of a sound emdrill database at `path`; raises StoreError, naming
    the file and the fault, for anything else. Reads only."""
    if not path.is_file():
        raise StoreError(f"{path}: no such file")
    version = inspect_existing(path)  # refuses non-SQLite files and newer schemas
    with _connect(path, read_only=True) as con:
        try:
            application = int(con.execute("PRAGMA application_id").fetchone()[0])
            verdict = [row[0] for row in con.execute("PRAGMA integrity_check")]
            tables = {row[0] for row in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            broken_links = con.execute("PRAGMA foreign_key_check").fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: database is damaged ({exc})") from None
    if application:  # emdrill never sets one: another program claims the file
        raise StoreError(f"{path}: not an emdrill database (its application id is "
                         f"{application:#x}, another program's)")
    if verdict != ["ok"]:
        raise StoreError(f"{path}: database is damaged ({'; '.join(verdict[:3])})")
    if version < 1 or not tables >= _CORE_TABLES:
        raise StoreError(f"{path}: not an emdrill database")
    if broken_links:
        raise StoreError(f"{path}: database is damaged ({len(broken_links)} rows point at "
                         "rows that do not exist)")
    assert version <= LATEST
    return version


def review_summary(path: Path) -> tuple[int, str]:
    """How many answers the database at `path` holds and when the last was given (stored
    UTC text, "" if none). Reads only."""
    with _connect(path, read_only=True) as con:
        try:
            count, last = con.execute("SELECT count(*), max(reviewed_at) FROM review").fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot read its answers ({exc})") from None
    if isinstance(last, int):  # microseconds, since migration 20
        last = to_db_time(from_db_micros(last))
    return int(count), str(last or "")


def replace_content(live: Path, source: Path) -> None:
    """Make the database at `live` a copy of `source`, in one transaction."""
    try:
        with _connect(source, read_only=True) as src, _connect(live) as out:
            src.backup(out)
    except sqlite3.Error as exc:
        raise StoreError(f"{live}: cannot replace the database with {source} ({exc}); "
                         "nothing was changed") from None


def keep_files(path: Path, dest: Path) -> Path:
    """Copy a database's files byte for byte (its -wal and -journal too), for one SQLite
    cannot read."""
    for suffix in ("", "-wal", "-journal"):
        part = Path(str(path) + suffix)
        if part.exists():
            shutil.copyfile(part, Path(str(dest) + suffix))
    return dest


def swap_file(live: Path, source: Path) -> None:
    """Put a copy of `source` in place of `live` (a damaged file), dropping its -wal and -shm,
    which belong to the old file and would be replayed into the new one."""
    partial = live.with_name(f"{live.name}.{os.getpid()}.restoring")
    copy_database(source, partial)
    try:
        # On Windows a file another program holds open cannot be removed or replaced: that
        # fails here, before the new copy is in place, and says so in one line.
        drop_sidecars(live)
        os.replace(partial, live)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"{live}: cannot replace the damaged collection ({exc.strerror}); "
                         "close any other program using it and try again") from None
