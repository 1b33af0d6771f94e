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
import zipfile
from pathlib import Path

from sqlmodel import select

from emdrill.core.anki import AnkiReview
from emdrill.core.errors import InputError
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


def _query(copy: Path, path: Path) -> list[AnkiReview]:
    con = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        rows = con.execute(_REVIEWS).fetchall()
    except sqlite3.Error as exc:
        raise InputError(f"{path}: cannot read the Anki collection inside ({exc})") from None
    finally:
        con.close()
    return [AnkiReview(revlog_id=int(rid), guid=guid, ordinal=ordinal, ease=int(ease),
                       kind=int(kind), millis=int(millis or 0), factor=int(factor or 0),
                       card_id=int(cid or 0))
            for rid, guid, ordinal, ease, kind, millis, factor, cid in rows]


def imported(store: Store) -> set[tuple[int, str, str]]:
    """(revlog id, question id, facet) of every Anki review recorded already."""
    with store.session() as s:
        return {(r.revlog_id, r.question_id, r.kind) for r in s.exec(select(AnkiReviewRow))}
