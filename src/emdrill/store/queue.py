"""The queue's reads of due rows, in one total order: what `ops.queueing` builds a drill's
queue from, fresh or kept between answers (`ops.queueing.KeptQueue`).

A due row sorts by its due time, then `buried_until` (NULL first), then rowid: the order of
the `question_due` and `question_family_due` indexes, so a limited read is an index range
with no sort, and a row can be placed among rows read earlier by its `DueRow.key` alone.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from emdrill.core.cards import Card, Question
from emdrill.core.scheduler import Memory
from emdrill.store.card_reads import IN_PLAY, NOT_BURIED
from emdrill.store.codec import ROWS_REMEMBERED, from_db_time, json_list, to_db_time
from emdrill.store.db import Store

_PLAY = IN_PLAY.format(p="")
_UNBURIED = NOT_BURIED.format(p="")
_COLUMNS = "id, deck_id, family, siblings, position, due, buried_until, rowid"
_ORDER = "due, buried_until, rowid"


@dataclass(frozen=True)
class DueRow:
    """A due question as the queue orders it (`card` holds id, family, siblings, place and
    due only) and where it sorts among the due rows (`key`)."""

    card: Card
    key: tuple[str, str, int]  # due, buried_until ("" for none), rowid: as stored


def due_rows(store: Store, as_of: datetime, *, family_keys: Mapping[str, float] | None = None,
             exclude: Collection[str] = (), limit: int | None = None,
             family: str | None = None, deck: str | None = None) -> list[DueRow]:
    """Questions in play at `as_of`, seen and due by then, of one `family` or `deck` when
    given, without `exclude`: by `family_keys` (lowest first, a family not named 0) and then
    `DueRow.key`; the first `limit` only."""
    stamp = to_db_time(as_of)
    sql = f"SELECT {_COLUMNS} FROM question WHERE {_PLAY}AND {_UNBURIED}AND due <= ? "
    params: list[object] = [stamp, stamp]
    if exclude:
        sql += f"AND id NOT IN ({', '.join('?' * len(exclude))}) "
        params += list(exclude)
    if family is not None:
        sql += "AND family = ? "
        params.append(family)
    if deck is not None:
        sql += "AND deck_id = ? "
        params.append(deck)
    order = _ORDER
    if family_keys:
        order = f"CASE family {' '.join('WHEN ? THEN ?' for _ in family_keys)} ELSE 0 END, "
        order += _ORDER
        for name, key in family_keys.items():
            params += [name, key]
    sql += f"ORDER BY {order}"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    with store.read() as con:
        return [_due_row(tuple(row)) for row in con.execute(sql, params)]


@dataclass(frozen=True)
class Placed:
    """Where one question's row stands now, for a kept queue to put it back: its due row
    when it is in play and seen, whether it is in play and never seen, and when it next
    changes by time alone (its due or its bury ending), as stored."""

    id: str
    deck: str
    family: str
    due: DueRow | None  # seen and in play (buried or not: `buried_until` says)
    new: bool  # in play, never seen
    buried_until: str | None


def placed(store: Store, ids: Iterable[str]) -> dict[str, Placed]:
    """The rows of `ids` as they stand (ids not found are left out)."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, Placed] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        sql = (f"SELECT {_COLUMNS}, suspended, user_suspended FROM question "
               f"WHERE id IN ({', '.join('?' * len(chunk))})")
        with store.read() as con:
            rows = con.execute(sql, chunk).fetchall()
        for row in rows:
            playing = not row[8] and not row[9]
            seen = row[5] is not None
            found[row[0]] = Placed(row[0], row[1], row[2],
                                   _due_row(tuple(row[:8])) if playing and seen else None,
                                   playing and not seen, row[6])
    return found


def next_change(store: Store, as_of: datetime) -> str | None:
    """The first moment after `as_of` at which time alone changes which questions are due or
    in play (a due time reached, a bury ending), as stored; None when nothing waits."""
    stamp = to_db_time(as_of)
    with store.read() as con:
        (due,) = con.execute(f"SELECT min(due) FROM question WHERE {_PLAY}AND due > ?",
                             (stamp,)).fetchone()
        (bury,) = con.execute("SELECT min(buried_until) FROM question INDEXED BY question_buried "
                              f"WHERE buried_until > ? AND {_PLAY}", (stamp,)).fetchone()
    found = [t for t in (due, bury) if t is not None]
    return min(found) if found else None


def merged(rows: Iterable[DueRow], family_keys: Mapping[str, float] | None) -> list[DueRow]:
    """`rows` in the order `due_rows` gives them under `family_keys`."""
    keys = family_keys or {}
    return sorted(rows, key=lambda r: (keys.get(r.card.family, 0), r.key))


def cards_of(rows: Sequence[DueRow]) -> list[Card]:
    return [r.card for r in rows]


@functools.lru_cache(maxsize=ROWS_REMEMBERED)
def _due_row(row: tuple[Any, ...]) -> DueRow:
    """A due row from `_COLUMNS`; remembered by its values (an unchanged row is not decoded
    again, a changed one is another key)."""
    qid, deck, family, siblings, position, due_text, buried, rowid = row
    due = from_db_time(due_text)
    question = Question(id=qid, deck=deck, family=family, text="", intent="", story=0,
                        siblings=tuple(json_list(siblings)), position=int(position))
    memory = Memory(due=due, last_review=due)
    return DueRow(Card(question, memory, memory), (due_text, buried or "", int(rowid)))
