"""Cards read in plain SQL: a question with both facets' memories (whole collection, by id,
the new ones in order), what is in play, the counts `status` shows, and question ids."""

from __future__ import annotations

import difflib
import sqlite3
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from emdrill.core.cards import Card
from emdrill.core.errors import DamagedError, UnknownQuestionError
from emdrill.store.codec import (
    QUESTION_COLUMNS,
    from_db_time,
    memory_columns,
    memory_of,
    question_columns,
    question_of,
    to_db_time,
)
from emdrill.store.db import Store


def question_count(store: Store) -> int:
    with store.read() as con:
        return int(con.execute("SELECT count(*) FROM question").fetchone()[0])


_CARD_COLUMNS = (
    f"{question_columns('q.')}, "
    f"{memory_columns('i.')}, {memory_columns('s.')}"
)
_CARD_FROM = (
    "FROM question q JOIN facet i ON i.question_id = q.id AND i.kind = 'intent' "
    "JOIN facet s ON s.question_id = q.id AND s.kind = 'story' "
)


def _card_of(row: Sequence[Any]) -> Card:
    """A card from one row of `_CARD_COLUMNS`: plain SQL, no ORM objects on the hot path."""
    size = len(QUESTION_COLUMNS)
    return Card(question_of(row[:size]), memory_of(row[size:size + 6]),
                memory_of(row[size + 6:size + 12]))


def _cards(store: Store, where: str, params: Sequence[object] = ()) -> list[Card]:
    with store.read() as con:
        return [_card_of(r) for r in con.execute(f"SELECT {_CARD_COLUMNS} {_CARD_FROM} {where}",
                                                  params)]


def load_cards(store: Store, *, include_suspended: bool = False) -> list[Card]:
    """Every question with both facets, in deck order, those removed or suspended left out
    unless `include_suspended`. A whole-collection read (practice, decoding's offers, the
    exam, the plan and forecast, mock, simulation, the Anki bridge): the drill's due and new
    queue does not use it: it reads due and new rows alone (`store.queue.due_rows`,
    `new_ranked`)."""
    return _cards(store, ("" if include_suspended
                          else "WHERE q.suspended = 0 AND q.user_suspended = 0 ")
                  + "ORDER BY q.position")


def cards_by_id(store: Store, ids: Sequence[str]) -> dict[str, Card]:
    found: dict[str, Card] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        marks = ", ".join("?" * len(chunk))
        found.update((c.id, c) for c in _cards(store, f"WHERE q.id IN ({marks})", chunk))
    return found


# A question in play: not removed from its deck, not suspended by the user (both leading
# columns of the hot path's indexes), and not buried at the time given (the indexes' last
# column, so a buried row is dropped without reading it). Migration 11.
IN_PLAY = "{p}suspended = 0 AND {p}user_suspended = 0 "
NOT_BURIED = "({p}buried_until IS NULL OR {p}buried_until <= ?) "


def in_play(prefix: str = "") -> str:
    """The SQL condition (one `?`: now, as stored) keeping the questions in play."""
    return IN_PLAY.format(p=prefix) + "AND " + NOT_BURIED.format(p=prefix)


def _scope(family: str | None, deck: str | None, prefix: str = "") -> tuple[str, list[object]]:
    """The SQL condition (and its parameters) keeping one family's or one deck's questions."""
    sql, params = "", list[object]()
    if family is not None:
        sql += f"AND {prefix}family = ? "
        params.append(family)
    if deck is not None:
        sql += f"AND {prefix}deck_id = ? "
        params.append(deck)
    return sql, params


def new_cards(store: Store, limit: int, *, now: datetime) -> list[Card]:
    """The first `limit` new questions in play at `now`, in `new_order`."""
    return [card for _rank, card in new_ranked(store, limit, now=now)]


def new_ranked(store: Store, limit: int, *, now: datetime, family: str | None = None,
               deck: str | None = None, skip_families: Collection[str] = (),
               ) -> list[tuple[int, Card]]:
    """The first `limit` new questions in play at `now` in `new_order`, each with its rank
    there: of one `family` or `deck` when given, without `skip_families`."""
    scope, params = _scope(family, deck, "q.")
    if skip_families:
        scope += f"AND q.family NOT IN ({', '.join('?' * len(skip_families))}) "
        params += list(skip_families)
    # Left to itself the planner walks every never-seen row by the due index and sorts them;
    # the partial index of new questions is already in `new_order`.
    sql = (f"SELECT q.new_order, {_CARD_COLUMNS} "
           f"{_CARD_FROM.replace('question q', 'question q INDEXED BY question_new')} "
           f"WHERE {in_play('q.')}AND q.due IS NULL {scope}ORDER BY q.new_order LIMIT ?")
    with store.read() as con:
        return [(int(row[0] or 0), _card_of(row[1:]))
                for row in con.execute(sql, [to_db_time(now), *params, limit])]


def goes_first_ids(store: Store) -> set[str]:
    """The questions the user added ("added by you"): those whose `new_order` rank puts them
    ahead of every other (below zero, `core.order.goes_first`)."""
    with store.read() as con:
        return {row[0] for row in con.execute("SELECT id FROM question WHERE new_order < 0")}


@dataclass(frozen=True)
class Counts:
    questions: int  # active
    due: int  # seen and due by now
    new: int  # never seen
    next_due: datetime | None  # the earliest due after now
    earliest_due: datetime | None  # the earliest due of any seen question, overdue included


def counts(store: Store, now: datetime, *, family: str | None = None,
           deck: str | None = None, earliest: bool = False) -> Counts:
    """What `status` needs, from the `question.due` index (of one `family` or `deck` when
    given); the whole collection's questions and new ones from the kept totals. The
    earliest due, overdue included, only with `earliest` (a session's summary asks): else
    None."""
    scope, params = _scope(family, deck)
    stamp = to_db_time(now)
    at = (stamp, stamp, *params)
    playing = f"SELECT {{}} FROM question WHERE {in_play()}"
    with store.read() as con:
        if scope:
            questions, new = con.execute(
                playing.format("count(*), count(*) - count(due)") + scope,
                (stamp, *params)).fetchone()
        else:  # the kept totals, less the questions buried at `now` (migration 19); the
            # planner, told by ANALYZE that every row is in play, would walk them all instead
            questions, new = con.execute(
                "SELECT p.questions - b.n, p.new - b.new FROM play_count p, "
                "(SELECT count(*) AS n, count(*) - count(due) AS new FROM question "
                f"INDEXED BY question_buried WHERE {IN_PLAY.format(p='')}"
                "AND buried_until > ?) b", (stamp,)).fetchone()
        (due,) = con.execute(playing.format("count(*)") + "AND due <= ? " + scope,
                             at).fetchone()
        (upcoming,) = con.execute(playing.format("min(due)") + "AND due > ? " + scope,
                                  at).fetchone()
        first = upcoming if not due else None  # nothing due by now: the next is the first
        if earliest and due:
            (first,) = con.execute(playing.format("min(due)") + "AND due IS NOT NULL "
                                   + scope, (stamp, *params)).fetchone()
    return Counts(int(questions), int(due), int(new),
                  from_db_time(upcoming) if upcoming else None,
                  from_db_time(first) if earliest and first else None)


def load_card(store: Store, question_id: str) -> Card:
    with store.read() as con:
        return card_in(con, question_id)


def card_in(con: sqlite3.Connection, question_id: str) -> Card:
    row = con.execute(f"SELECT {_CARD_COLUMNS} {_CARD_FROM} WHERE q.id = ?",
                      (question_id,)).fetchone()
    if row is not None:
        return _card_of(row)
    if con.execute("SELECT 1 FROM question WHERE id = ?", (question_id,)).fetchone():
        raise DamagedError(f"question '{question_id}' lacks a facet row")
    known = [r[0] for r in con.execute("SELECT id FROM question")]
    close = difflib.get_close_matches(question_id, known, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise UnknownQuestionError(f"unknown question id '{question_id}' ({hint}every id: "
                               "`emdrill deck list --ids`)")


def known_ids(store: Store, ids: Iterable[str]) -> set[str]:
    """Which of `ids` name a question (active or suspended)."""
    wanted = sorted(set(ids))
    found: set[str] = set()
    with store.read() as con:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            found.update(r[0] for r in con.execute(
                f"SELECT id FROM question WHERE id IN ({marks})", chunk))
    return found


def question_ids(store: Store) -> list[tuple[str, str, str, str, bool]]:
    """(id, deck, family, text, suspended) of every question, in deck order."""
    with store.read() as con:
        rows = con.execute("SELECT id, deck_id, family, text, suspended FROM question "
                           "ORDER BY deck_id, position")
        return [(q, d, f, t, bool(sus)) for q, d, f, t, sus in rows]
