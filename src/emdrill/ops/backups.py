"""Backups of the collection: automatic ones in the data folder's backups/, `backup`, `restore`.

Automatic backups are made before a migration, a deck load, an import (of reviews, a JSON
export or a question list), an `add` and a restore, and on
the first use of each study day; the newest `backups` (a setting) of them are kept. Backups
made with `emdrill backup` are never deleted by emdrill.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from emdrill.core.errors import InputError, StoreError
from emdrill.core.settings import Settings
from emdrill.core.timing import Clock
from emdrill.store import backup as store_backup
from emdrill.store import review_log, setting_rows
from emdrill.store.db import Store, inspect_existing
from emdrill.store.migrations import LATEST

FOLDER = "backups"
_STAMP = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"^(?P<kind>auto|manual)-(?P<at>\d{8}T\d{6}Z)-(?P<reason>[a-z-]+?)"
                   r"(?:-(?P<n>\d+))?\.db$")


@dataclass(frozen=True)
class Backup:
    path: Path
    at: datetime
    reason: str  # daily, migrate, deck-load, import, add, restore, or manual
    automatic: bool


def folder(db_path: Path) -> Path:
    return db_path.parent / FOLDER


_USER_DECKS = "decks"  # ops.decks.USER_DECKS (which imports this module)
_SIDECARS = ("", "-wal", "-shm", "-journal")


def refuse_owned(target: Path, db_path: Path) -> None:
    """Refuse, in one line, to write `target` when it is (through symlinks, `..` or a hard
    link) the collection, one of its SQLite files, or in the backups or user decks folder."""
    where = _resolved(target)
    owned = [_resolved(Path(f"{db_path}{suffix}")) for suffix in _SIDECARS]
    folders = [_resolved(db_path.parent / name) for name in (FOLDER, _USER_DECKS)]
    hit = where in owned or any(where.is_relative_to(f) for f in folders)
    if not hit and where.exists():
        hit = any(_same(where, p) for p in owned)
    if hit:
        raise InputError(f"{target}: is emdrill's own (the collection, its journal, a backup "
                         "or a user deck); write somewhere else, nothing was written")


def _resolved(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _same(a: Path, b: Path) -> bool:
    try:
        return b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


_PARTIAL = re.compile(r"\.(?P<pid>\d+)\.partial(?:-journal)?$")


def clean_partials(db_path: Path) -> list[Path]:
    """Delete what a killed backup left in backups/ (`*.<pid>.partial` and its journal),
    unless the process named in it is still running; returns what was deleted."""
    removed = []
    for path in folder(db_path).glob("*.partial*"):
        match = _PARTIAL.search(path.name)
        if match is None or process_running(int(match["pid"])):
            continue
        try:
            path.unlink()
        except OSError:  # in use (Windows), or gone already: the next open tries again
            continue
        removed.append(path)
    return removed


def process_running(pid: int) -> bool:
    """Whether process `pid` may still be running (this one counts; on Windows: no)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return False  # Windows refuses to delete a file another process holds open
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    return True


def list_backups(db_path: Path) -> list[Backup]:
    """The backups in the data folder's backups/, newest first."""
    found = []
    for path in folder(db_path).glob("*.db"):
        match = _NAME.match(path.name)
        if match:
            at = datetime.strptime(match["at"], _STAMP).replace(tzinfo=UTC)
            reason = "manual" if match["kind"] == "manual" else match["reason"]
            found.append((at, int(match["n"] or 0), Backup(path, at, reason,
                                                            match["kind"] == "auto")))
    return [b for _at, _n, b in sorted(found, key=lambda t: (t[0], t[1]), reverse=True)]


def _name(db_path: Path, kind: str, reason: str, now: datetime) -> Path:
    """A new file name in backups/ that sorts by time."""
    target = folder(db_path)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{target}: cannot create the backups folder ({exc.strerror})") from None
    stem = f"{kind}-{now.astimezone(UTC).strftime(_STAMP)}-{reason}"
    dest, n = target / f"{stem}.db", 1
    while dest.exists():
        dest, n = target / f"{stem}-{n}.db", n + 1
    return dest


def _make(db_path: Path, *, kind: str, reason: str, now: datetime) -> Path:
    dest = _name(db_path, kind, reason, now)
    store_backup.copy_database(db_path, dest)
    return dest


def automatic(store: Store, reason: str, *, now: datetime) -> Path:
    """Back up before something that changes much; keep the newest `backups` of them."""
    made = _make(store.path, kind="auto", reason=reason, now=now)
    prune(store.path, keep=Settings.from_stored(setting_rows.stored_settings(store)).backups)
    return made


def prune(db_path: Path, *, keep: int) -> list[Path]:
    """Delete all but the newest `keep` automatic backups; returns what was deleted."""
    old = [b.path for b in list_backups(db_path) if b.automatic][keep:]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def before_migration(db_path: Path, *, now: datetime) -> tuple[Path | None, int | None]:
    """Back up a database that the next open will migrate (not a new or empty one). Returns
    the backup, if one was made, and the schema version found (None: no file yet), which
    the open need not read again."""
    if not db_path.exists():
        return None, None
    version = inspect_existing(db_path)
    if not 0 < version < LATEST:
        return None, version
    return _make(db_path, kind="auto", reason="migrate", now=now), version


def daily(store: Store, *, now: datetime, local: tzinfo) -> Path | None:
    """The first use of a study day backs up the collection, unless a backup was made today
    or there is nothing of the user's to keep yet. Costs a folder listing on other uses."""
    today = Clock(now, local).day_start()
    if any(b.at >= today for b in list_backups(store.path)):
        return None
    if not review_log.last_reviews(store, 1):
        return None
    return automatic(store, "daily", now=now)


def backup_to(db_path: Path, dest: Path | None, *, now: datetime, force: bool = False) -> Path:
    """`emdrill backup [FILE]`: a copy at FILE, or a manual backup in backups/."""
    if not db_path.exists():
        raise InputError(f"{db_path}: no collection yet, nothing to back up")
    inspect_existing(db_path)
    if dest is None:
        return _make(db_path, kind="manual", reason="backup", now=now)
    try:
        if dest.is_dir():
            raise InputError(f"{dest}: is a folder; give a file name")
        if dest.exists() and not force:
            raise InputError(f"{dest}: already exists (pass --force to overwrite it)")
        refuse_owned(dest, db_path)
    except OSError as exc:  # a name too long, a loop of symlinks: nothing was written
        raise InputError(f"{dest}: cannot write ({exc.strerror})") from None
    store_backup.copy_database(db_path, dest)
    return dest


@dataclass(frozen=True)
class Restored:
    source: Path
    version: int
    safety: Path | None  # the backup of the collection as it was, if there was one


def check_restore(db_path: Path, source: Path) -> str:
    """Refuse a `source` that cannot be restored (not an emdrill database, a newer schema,
    a journal beside it, the collection itself); else say in a few words what it holds, for
    the question asked before restoring."""
    store_backup.refuse_sidecars(source)
    store_backup.sound_version(source)
    if db_path.exists() and source.resolve() == db_path.resolve():
        raise InputError(f"{source}: is the collection itself")
    reviews, last = store_backup.review_summary(source)
    if not reviews:
        return "no answers"
    return f"{reviews} answer{'s' if reviews != 1 else ''}, the last on {last[:10]}"


def restore(db_path: Path, source: Path, *, now: datetime) -> Restored:
    """Check `source`, back up the current collection, then swap `source`'s content in."""
    store_backup.refuse_sidecars(source)
    version = store_backup.sound_version(source)
    if db_path.exists() and source.resolve() == db_path.resolve():
        raise InputError(f"{source}: is the collection itself")
    if not db_path.exists():
        db_path.parent.mkdir(parents=True, exist_ok=True)
        store_backup.replace_content(db_path, source)
        return Restored(source, version, None)
    try:
        store_backup.sound_version(db_path)
    except StoreError:
        # A damaged collection is the usual reason to restore: keep its files as they are,
        # then put a fresh copy of the backup in its place.
        safety = store_backup.keep_files(db_path, _name(db_path, "auto", "damaged", now))
        store_backup.swap_file(db_path, source)
        return Restored(source, version, safety)
    safety = _make(db_path, kind="auto", reason="restore", now=now)
    store_backup.replace_content(db_path, source)
    return Restored(source, version, safety)
