"""The review log in plain SQL: an answer written (its review row, both facets, the family's
weakness tally) and undone, and the reviews read back (a question's, the newest, counts)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from emdrill.core.cards import Card, ReviewRecord
from emdrill.core.errors import DamagedError, NothingToUndoError
from emdrill.core.scheduler import Memory
from emdrill.store import set_aside, tallies
from emdrill.store.card_reads import card_in
from emdrill.store.codec import (
    MEMORY_COLUMNS,
    from_db_micros,
    memory_columns,
    memory_of,
    memory_values,
    mode_code,
    mode_of,
    to_db_micros,
)
from emdrill.store.db import Store

if TYPE_CHECKING:
    from emdrill.core.decode import IntentChoice


def _facet_memories(con: sqlite3.Connection, question_id: str) -> tuple[Memory, Memory]:
    rows = {kind: memory_of(rest) for kind, *rest in con.execute(
        f"SELECT kind, {memory_columns()} FROM facet WHERE question_id = ?",
        (question_id,))}
    if set(rows) != {"intent", "story"}:
        raise DamagedError(f"question '{question_id}' lacks a facet row")
    return rows["intent"], rows["story"]


def _put_facet(con: sqlite3.Connection, question_id: str, kind: str, memory: Memory) -> None:
    con.execute(f"UPDATE facet SET {_ASSIGN_MEMORY} WHERE question_id = ? AND kind = ?",
                (*memory_values(memory), question_id, kind))


_ASSIGN_MEMORY = ", ".join(f"{name} = ?" for name in MEMORY_COLUMNS)

# Each review keeps both facets' state from before it, so undo can put it back exactly.
_PREV = [f"{kind}_prev_{name}" for kind in ("intent", "story") for name in MEMORY_COLUMNS]
_REVIEW_FIELDS = ["reviewed_at", "intent_rating", "story_rating", "slot_named", "seconds",
                  "mode", *_PREV]
# A review names its question by `question.num` (migration 20): read back as its text id.
_REVIEW_COLUMNS = "r.id, q.id, " + ", ".join(f"r.{c}" for c in _REVIEW_FIELDS)
# CROSS JOIN: the review rows first (by id range or `review_question`), then each one's
# question by `question_num`; never every question first.
_FROM_REVIEWS = "FROM review r CROSS JOIN question q ON q.num = r.question_num"
QUESTION_NUM = "(SELECT num FROM question WHERE id = ?)"
INSERT_REVIEW = (f"INSERT INTO review (question_num, {', '.join(_REVIEW_FIELDS)}) "
                 f"VALUES ({QUESTION_NUM}, {', '.join('?' * len(_REVIEW_FIELDS))})")


def review_values(question_id: str, at: datetime, intent_rating: int | None,
                  story_rating: int | None, slot_named: int | None, seconds: float | None,
                  mode: str, intent_before: Memory, story_before: Memory) -> tuple[object, ...]:
    """One review's parameters for `INSERT_REVIEW`, in the stored layout (migration 20): the
    one place a review row is made, for `record_review` and the bench's bulk history
    (bench/fair_build.py) alike."""
    return (question_id, to_db_micros(at), intent_rating, story_rating, slot_named, seconds,
            mode_code(mode), *memory_values(intent_before, review=True),
            *memory_values(story_before, review=True))
_SET_PREV = f"UPDATE review SET {', '.join(f'{c} = ?' for c in _PREV)} WHERE id = ?"
# The newest review in time lies in the last quarter hour that has reviews, at or after
# that quarter's first id (`migrations.SINCE_ID`): a short range of ids, with no time index.
_NEWEST = ("WHERE r.id >= (SELECT first_id FROM review_quarter WHERE reviews > 0 "
           "ORDER BY quarter DESC LIMIT 1) ORDER BY r.reviewed_at DESC, r.id DESC LIMIT 1")


@dataclass(frozen=True)
class _Stored:
    """A review row: the record, and both facets' memories from before it."""

    record: ReviewRecord
    intent_before: Memory
    story_before: Memory


def _stored(row: Sequence[Any]) -> _Stored:
    rid, qid, at, intent, story, slot, seconds, mode = row[:8]
    record = ReviewRecord(id=int(rid), question_id=qid, reviewed_at=from_db_micros(at),
                          intent_rating=intent, story_rating=story, slot_named=slot,
                          seconds=seconds, mode=mode_of(mode))
    return _Stored(record, memory_of(row[8:14], review=True),
                   memory_of(row[14:20], review=True))


def _reviews(con: sqlite3.Connection, where: str, params: Sequence[object]) -> list[_Stored]:
    return [_stored(r) for r in con.execute(f"SELECT {_REVIEW_COLUMNS} {_FROM_REVIEWS} {where}",
                                            params)]


def history_after(store: Store, question_id: str, at: datetime) -> tuple[Card, list[ReviewRecord]]:
    """The card as it stood at `at`, and its reviews made after `at`, oldest first.

    Each review keeps both facets' state from before it, so the state at `at` is the one
    saved with the first later review, or the current state when there is none."""
    with store.read() as con:
        card = card_in(con, question_id)
        later = _reviews(con, f"WHERE r.question_num = {QUESTION_NUM} AND r.reviewed_at > ? "
                         "ORDER BY r.reviewed_at, r.id", (question_id, to_db_micros(at)))
    if later:
        card = Card(card.question, later[0].intent_before, later[0].story_before)
    return card, [r.record for r in later]


@dataclass(frozen=True)
class Recorded:
    record: ReviewRecord
    became_leech: bool  # this review made the question a leech (`leech-lapses`)


def record_review(
    store: Store,
    card: Card,
    *,
    intent_after: Memory,
    story_after: Memory,
    intent_rating: int | None,
    story_rating: int | None,
    at: datetime,
    mode: str,
    leech_lapses: int,
    slot_named: int | None = None,
    seconds: float | None = None,
    replayed: Sequence[tuple[int, Memory, Memory]] = (),
    anki_revlog: int | None = None,
    choice: IntentChoice | None = None,
) -> Recorded:
    """Write the review, both facets and the family's weakness tally, in one transaction:
    the one place an answer is stored. `card` is the card as read in the caller's
    transaction (`history_after`), so the review keeps the facets exactly as they were and
    undo puts them back. A review older than others replays them: `card` then holds the
    memories at the review's time, `replayed` gives each later review's id with the states
    before it, and the facets take `*_after` of the last one. `anki_revlog` remembers the
    Anki review this one came from; `choice` (an intent picked from four) is written with
    it, so undo takes both back. `leech_lapses`: the setting in force."""
    with store.transact("grade") as con:
        lapses_before = set_aside.lapses(con, card.id)
        was = set_aside.is_leech(lapses_before, leech_lapses)
        if replayed and not was:  # the later reviews' outcomes are about to change
            tallies.question_outcomes(con, card.family, card.id, since=at, sign=-1)
        before_i, before_s = card.intent, card.story
        cursor = con.execute(INSERT_REVIEW, review_values(
            card.id, at, intent_rating, story_rating, slot_named, seconds, mode,
            before_i, before_s))
        review_id = cursor.lastrowid
        assert review_id is not None
        for later_id, later_i, later_s in replayed:
            con.execute(_SET_PREV, (*memory_values(later_i, review=True),
                                    *memory_values(later_s, review=True), later_id))
        _put_facet(con, card.id, "intent", intent_after)
        _put_facet(con, card.id, "story", story_after)
        if anki_revlog is not None:
            kind = "intent" if intent_rating is not None else "story"
            con.execute("INSERT INTO anki_review (revlog_id, question_id, kind, review_id) "
                        "VALUES (?, ?, ?, ?)", (anki_revlog, card.id, kind, review_id))
        if choice is not None:  # decoding: the pick is part of the review
            from emdrill.store import practice  # a decoding answer only

            practice.add_pick(con, choice, review_id=review_id, at=at)
        # replayed reviews start from other states: their lapses are counted again
        lapses_now = (set_aside.lapses(con, card.id) if replayed else
                      set_aside.with_lapse(lapses_before, (intent_rating, before_i.state),
                                           (story_rating, before_s.state)))
        now_leech = set_aside.is_leech(lapses_now, leech_lapses)
        if replayed:  # later reviews now follow this one: only this question's tally moves
            if not was and not now_leech:  # this review and the later ones, as they are now
                tallies.question_outcomes(con, card.family, card.id, since=at, sign=1)
            elif not was:  # it just became a leech: the earlier reviews leave too
                tallies.question_outcomes(con, card.family, card.id, before=at, sign=-1)
            elif not now_leech:  # no longer one: all its reviews come back
                tallies.leech_changed(con, card.family, card.id, sign=1)
        elif not was:  # a leech's reviews count for nothing
            tallies.count(con, card.family, at, [(before_i.last_review, intent_rating),
                                                 (before_s.last_review, story_rating)])
            if now_leech:  # it just became one: all of them leave, this one too
                tallies.leech_changed(con, card.family, card.id, sign=-1)
        record = ReviewRecord(id=review_id, question_id=card.id, reviewed_at=at,
                              intent_rating=intent_rating, story_rating=story_rating,
                              slot_named=slot_named, seconds=seconds, mode=mode)
        return Recorded(record, became_leech=not was and now_leech)


def undo_last(store: Store, *, leech_lapses: int) -> ReviewRecord:
    """Delete the newest review and put both facets back exactly as they were before it.

    Newest in time: an imported Anki review can be older than reviews made here, and only
    the last review in time holds the state the facets are in now.

    The facets the review graded are put back (an Anki review grades one; the other never
    moved), and only if that review is the one that gave them their state (their last review
    is its time). The one review that is not: a review moved in from a merged question whose
    new question kept its own memory (`store.decks`); undoing it only deletes it, since the
    memory it left behind was never this question's.

    `leech_lapses`: the setting in force (the caller's answer context). Whether the question
    stops being a leech is read from its lapses before the delete, less the review's own."""
    with store.transact("undo", answer=True) as con:
        newest = _reviews(con, _NEWEST, ())
        if not newest:
            raise NothingToUndoError("nothing to undo: no reviews recorded")
        last = newest[0]
        record = last.record
        now = dict(zip(("intent", "story"), _facet_memories(con, record.question_id),
                       strict=True))
        before = {"intent": last.intent_before, "story": last.story_before}
        graded = [f for f, rating in (("intent", record.intent_rating),
                                      ("story", record.story_rating)) if rating is not None]
        if graded and all(now[f].last_review == record.reviewed_at for f in graded):
            for facet in graded:
                _put_facet(con, record.question_id, facet, before[facet])
        family = con.execute("SELECT family FROM question WHERE id = ?",
                             (record.question_id,)).fetchone()
        counted = set_aside.lapses(con, record.question_id)
        was = set_aside.is_leech(counted, leech_lapses)
        if family is not None and not was:
            tallies.count(con, family[0], record.reviewed_at,
                          [(last.intent_before.last_review, record.intent_rating),
                           (last.story_before.last_review, record.story_rating)], sign=-1)
        con.execute("DELETE FROM review WHERE id = ?", (record.id,))
        left = set_aside.with_lapse(counted, (record.intent_rating, last.intent_before.state),
                                    (record.story_rating, last.story_before.state), sign=-1)
        if family is not None and was and not set_aside.is_leech(left, leech_lapses):
            tallies.leech_changed(con, family[0], record.question_id, sign=1)
        return record


def new_introduced_since(store: Store, start: datetime) -> int:
    """Questions whose first review happened at or after `start` (a range of the
    `review_first` index, migration 19)."""
    sql = ("SELECT count(*) FROM review WHERE reviewed_at >= ? "
           "AND intent_prev_last_review IS NULL AND story_prev_last_review IS NULL")
    with store.read() as con:
        return int(con.execute(sql, (to_db_micros(start),)).fetchone()[0])


def reviews_since(store: Store, start: datetime, *, until: datetime | None = None) -> int:
    """Reviews at or after `start` (and before `until`, if given; quarter-hour boundaries,
    as study days are)."""
    sql = "SELECT coalesce(sum(reviews), 0) FROM review_quarter WHERE quarter >= ?"
    bounds = [int(start.timestamp()) // 900]
    if until is not None:
        sql += " AND quarter < ?"
        bounds.append(int(until.timestamp()) // 900)
    with store.read() as con:
        return int(con.execute(sql, bounds).fetchone()[0])


def question_reviews(store: Store, question_id: str, limit: int) -> list[ReviewRecord]:
    """The question's latest reviews, newest first (in time: an imported review can be older
    than one made here)."""
    with store.read() as con:
        return [r.record for r in _reviews(con, f"WHERE r.question_num = {QUESTION_NUM} "
                                           "ORDER BY r.reviewed_at DESC, r.id DESC LIMIT ?",
                                           (question_id, limit))]


def last_reviews(store: Store, limit: int) -> list[ReviewRecord]:
    """The newest `limit` reviews, newest first."""
    with store.read() as con:
        return [r.record for r in _reviews(con, f"WHERE r.id >= {_LAST_QUARTERS} "
                                           "ORDER BY r.reviewed_at DESC, r.id DESC LIMIT ?",
                                           (limit, limit))]


# The least first id of the last quarter hours that hold the newest `?` reviews: every one
# of them is at or after it (`migrations.SINCE_ID`).
_LAST_QUARTERS = ("(SELECT min(first_id) FROM (SELECT first_id, reviews, sum(reviews) "
                  "OVER (ORDER BY quarter DESC ROWS UNBOUNDED PRECEDING) AS upto "
                  "FROM review_quarter WHERE reviews > 0) WHERE upto - reviews < ?)")
