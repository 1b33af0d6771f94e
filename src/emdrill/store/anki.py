"""Reading an Anki package (.apkg or .colpkg): its review log, cards and notes.

A package is a zip holding the collection as SQLite. Current Anki, AnkiDroid and AnkiMobile
write `collection.anki21b` (zstd-compressed); "support older Anki versions" writes
`collection.anki21`, and very old versions `collection.anki2`. A new-format package also
carries a stub `collection.anki2` that only says "please update", so the newest one wins.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import select

from emdrill.core.anki import AnkiReview
from emdrill.core.errors import InputError
from emdrill.core.timing import FIRST_YEAR, LAST_YEAR
from emdrill.store.db import Store
from emdrill.store.tables import AnkiReviewRow

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")

_REVIEWS = """
SELECT r.id, n.guid, c.ord, r.ease, r.type, r.time, r.factor, r.cid
FROM revlog r LEFT JOIN cards c ON c.id = r.cid LEFT JOIN notes n ON n.id = c.nid
ORDER BY r.id
"""


def collection_member(names: list[str]) -> str | None:
    """The collection file inside a package, newest format first."""
    return next((name for name in COLLECTIONS if name in names), None)


def read_reviews(path: Path) -> list[AnkiReview]:
    """Every review in the package's log, oldest first."""
    try:
        with zipfile.ZipFile(path) as package, tempfile.TemporaryDirectory() as tmp:
            member = collection_member(package.namelist())
            if member is None:
                raise InputError(f"{path}: not an Anki package (no collection inside)")
            copy = Path(tmp) / "collection.sqlite"
            with package.open(member) as packed, copy.open("wb") as out:
                if member.endswith("b"):
                    with zstd.ZstdFile(packed) as unpacked:
                        shutil.copyfileobj(unpacked, out)
                else:
                    shutil.copyfileobj(packed, out)
            return _query(copy, path)
    except (zipfile.BadZipFile, zstd.ZstdError, EOFError) as exc:
        raise InputError(f"{path}: damaged Anki package ({exc})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


# A package is someone else's file: read its tables as data, within bounds. Views and
# triggers are code (an endless recursive view hangs a query), so a package holding one is
# refused; the one query may take QUERY_SECONDS and return MAX_REVIEWS rows.
QUERY_SECONDS = 10.0
MAX_REVIEWS = 2_000_000
_FIRST_MS = int(datetime(FIRST_YEAR, 1, 1, tzinfo=UTC).timestamp() * 1000)
_LAST_MS = int(datetime(LAST_YEAR, 12, 31, tzinfo=UTC).timestamp() * 1000)


def _query(copy: Path, path: Path) -> list[AnkiReview]:
    con = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    deadline = time.monotonic() + QUERY_SECONDS
    con.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        code = con.execute("SELECT type, name FROM sqlite_master WHERE type IN "
                           "('view', 'trigger') ORDER BY type DESC, name").fetchall()
        if code:
            raise InputError(f"{path}: the Anki collection inside holds {code[0][0]} "
                             f"'{code[0][1]}'; emdrill reads packages as tables only, refused")
        cursor = con.execute(_REVIEWS)
        rows = cursor.fetchmany(MAX_REVIEWS + 1)
    except sqlite3.Error as exc:
        if "interrupted" in str(exc):
            raise InputError(f"{path}: reading the Anki collection inside took longer than "
                             f"{QUERY_SECONDS:g} s; refused") from None
        raise InputError(f"{path}: cannot read the Anki collection inside ({exc})") from None
    finally:
        con.close()
    if len(rows) > MAX_REVIEWS:
        raise InputError(f"{path}: the Anki collection inside holds more than {MAX_REVIEWS} "
                         "reviews; refused")
    return [_review(path, row) for row in rows]


def _review(path: Path, row: tuple[Any, ...]) -> AnkiReview:
    rid, guid, ordinal, ease, kind, millis, factor, cid = row
    where = f"{path}: review {rid!r} in the Anki log"
    if not isinstance(rid, int) or not _FIRST_MS <= rid <= _LAST_MS:
        raise InputError(f"{where}: its id (the time it was made) is out of range "
                         f"({FIRST_YEAR} to {LAST_YEAR}); refused")
    if not isinstance(ease, int):
        raise InputError(f"{where}: no answer button (ease is {ease!r}); refused")
    if not isinstance(kind, int) or not isinstance(millis, int | None):
        raise InputError(f"{where}: its type or time is not a whole number; refused")
    if not isinstance(factor, int | None) or not isinstance(cid, int | None):
        raise InputError(f"{where}: its ease factor or card id is not a whole number; refused")
    if not isinstance(ordinal, int | None) or not isinstance(guid, str | None):
        raise InputError(f"{where}: its card is not one Anki writes; refused")
    return AnkiReview(revlog_id=rid, guid=guid, ordinal=ordinal, ease=ease, kind=kind,
                      millis=millis or 0, factor=factor or 0, card_id=cid or 0)


def imported(store: Store) -> set[tuple[int, str, str]]:
    """(revlog id, question id, facet) of every Anki review recorded already."""
    with store.session() as s:
        return {(r.revlog_id, r.question_id, r.kind) for r in s.exec(select(AnkiReviewRow))}
