"""`emdrill export json` and `emdrill import FILE`: what a file is, and the JSON round trip.

`import` takes one FILE and tells by its contents what it holds (`detect_kind`): an Anki
package (ops/anki_import.py), emdrill's own JSON export (here), or a list of questions.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from emdrill.core import dumpfile
from emdrill.core.dumpfile import SECTIONS, Header, Read, Row, render_parts
from emdrill.core.errors import InputError
from emdrill.ops import backups
from emdrill.store import backup as store_backup
from emdrill.store import decks as store_decks
from emdrill.store import dump as store_dump
from emdrill.store.anki import collection_member
from emdrill.store.codec import to_db_time
from emdrill.store.db import Store, open_store
from emdrill.store.migrations import LATEST

KINDS = ("anki", "json", "questions")
_BOM = b"\xef\xbb\xbf"


def detect_kind(path: Path) -> str:
    """"anki", "json" or "questions" (CSV, TSV, plain text or Markdown), by the contents."""
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as package:
            if collection_member(package.namelist()) is None:
                raise InputError(f"{path}: a zip file, but not an Anki package "
                                 "(no collection inside)")
        return "anki"
    if head.removeprefix(_BOM).lstrip()[:1] == b"{":
        return "json"
    return "questions"


# ---------------------------------------------------------------- JSON


def export_json(store: Store, path: Path, *, now: datetime) -> dict[str, int]:
    """Write everything in the collection to `path` (docs/export-json.md), a row at a time
    as it is read, in one read transaction; returns the rows written per section."""
    counts = dict.fromkeys(SECTIONS, 0)

    def write(target: Path) -> None:
        with store.read() as con, target.open("w", encoding="utf-8") as out:
            con.execute("BEGIN")  # every section from one snapshot, as the ORM read gave
            try:
                def rows_of(section: str) -> Iterator[Row]:
                    for row in store_dump.iter_rows(con, section):
                        counts[section] += 1
                        yield row

                for part in render_parts(LATEST, to_db_time(now), rows_of):
                    out.write(part)
            finally:
                if con.in_transaction:
                    con.execute("ROLLBACK")

    write_whole(path, write, collection=store.path)
    return counts


def write_whole(path: Path, write: Callable[[Path], object], *, collection: Path) -> None:
    """`write` a file beside `path`, then rename it into place: `path` is never half
    written, and a failure (a full disk) leaves the old file as it was and nothing else.
    Only a regular file is replaced: a device or a pipe (/dev/stdout) is written to, and a
    symlink's target is replaced, not the link. Nothing emdrill owns beside `collection`
    is ever written (`backups.refuse_owned`)."""
    backups.refuse_owned(path, collection)
    try:
        if path.exists() and not path.is_file():
            write(path)  # the error (disk full) comes at the latest from the close
            return
        target = Path(os.path.realpath(path))
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        try:
            write(partial)
            store_backup.fsync_file(partial)
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc}); "
                         "nothing was written") from None


@contextmanager
def _text_of(path: Path) -> Iterator[Read]:
    """The export's text, read a chunk at a time (a byte-order mark is dropped). Only the
    file's own open and reads are said as "cannot read"; what the caller does with the text
    raises its own errors."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None

    def read(n: int) -> str:
        try:
            return handle.read(n)
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror})") from None

    with handle:
        yield read


def read_header(path: Path) -> Header:
    """The export's header, checked, including that this emdrill can read its schema."""
    with _text_of(path) as read:
        header = dumpfile.read_header(read, path)
    if header.schema > LATEST:
        raise InputError(f"{path}: written by a newer emdrill (schema {header.schema}, this "
                         f"one reads up to {LATEST}); upgrade emdrill")
    return header


@dataclass(frozen=True)
class JsonImport:
    counts: dict[str, int]
    replaced: dict[str, int]  # what the collection held of the user's own before
    dry_run: bool
    backup: Path | None


def import_json(db_path: Path, path: Path, *, now: datetime, replace: bool = False,
                dry_run: bool = False) -> JsonImport:
    """Make the collection exactly what the export holds. The file is checked whole, in a
    new database beside the collection, before anything is touched; the collection is backed
    up, then its content is swapped for the new one in one step."""
    header = read_header(path)
    # One import at a time per data folder, each building in a file of its own.
    partial = db_path.with_name(f"{db_path.name}.{os.getpid()}.importing")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with import_lock(db_path):
        return _import_into(db_path, path, header, partial, now=now, replace=replace,
                            dry_run=dry_run)


def _import_into(db_path: Path, path: Path, header: Header, partial: Path, *,
                 now: datetime, replace: bool, dry_run: bool) -> JsonImport:
    try:
        with _text_of(path) as read:
            counts = store_dump.build(partial, header.schema, dumpfile.rows(read, path),
                                      source=path)
        built = open_store(partial)  # brings an older export's schema up to date
        try:
            store_decks.rebuild_aggregates(built)  # what the file leaves out: derived sums
        finally:
            built.close()
        store_backup.sound_version(partial)
        mine, made = _guard_current(db_path, now=now, replace=replace, dry_run=dry_run)
        if not dry_run:
            store_backup.replace_content(db_path, partial)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
    return JsonImport(counts, mine, dry_run, made)


LOCK_SUFFIX = ".import-lock"


@contextmanager
def import_lock(db_path: Path) -> Iterator[None]:
    """Hold the data folder's import lock: a file naming this process, created only if
    absent. One left by a process that is gone (killed) is taken over."""
    lock = db_path.with_name(db_path.name + LOCK_SUFFIX)
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            owner = _lock_owner(lock)
            if owner is not None and backups.process_running(owner):
                raise InputError(f"{db_path.parent}: another import is running (process "
                                 f"{owner}); wait for it to finish, nothing was changed"
                                 ) from None
            lock.unlink(missing_ok=True)  # stale: its process is gone
            continue
        try:
            os.write(fd, str(os.getpid()).encode())
        finally:
            os.close(fd)
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)
        return
    raise InputError(f"{db_path.parent}: another import is running; try again")


def _lock_owner(lock: Path) -> int | None:
    try:
        text = lock.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else os.getpid() if not text else None


def _guard_current(db_path: Path, *, now: datetime, replace: bool,
                   dry_run: bool) -> tuple[dict[str, int], Path | None]:
    """What the collection holds of the user's own; refuses to replace that without
    `replace`, and backs it up before it is replaced."""
    if not db_path.exists():
        return {}, None
    store = open_store(db_path)
    try:
        mine = store_dump.user_counts(store)
        if any(mine.values()) and not replace and not dry_run:
            raise InputError(_refusal(db_path, mine))
        return mine, None if dry_run else backups.automatic(store, "import", now=now)
    finally:
        store.close()


_ONE = {"reviews": "review", "stories": "story", "systems": "system", "settings": "setting"}


def _refusal(db_path: Path, mine: dict[str, int]) -> str:
    held = ", ".join(f"{n} {name if n != 1 else _ONE[name]}" for name, n in mine.items() if n)
    return (f"{db_path}: the collection already holds {held}; importing a JSON export "
            "replaces everything in it. Pass --replace to do that (a backup is made first), "
            "or export it first with `emdrill export json FILE`")
