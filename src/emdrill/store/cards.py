"""Queries over questions, facets, reviews and settings."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from emdrill.core.decode import IntentChoice
from emdrill.core.errors import DamagedError, NothingToUndoError, UnknownQuestionError
from emdrill.core.scheduler import Memory
from emdrill.core.timing import day_shift_seconds
from emdrill.core.types import Card, Question, ReviewRecord
from emdrill.store import practice, tallies
from emdrill.store.codec import from_db_time, json_list, to_db_time
from emdrill.store.db import Store
from emdrill.store.rows import QUESTION_COLUMNS, question_columns, question_of

if TYPE_CHECKING:  # the ORM models load only in the functions that write (start-up time)
    from emdrill.store.tables import FacetRow, QuestionRow, ReviewRow

# ---------------------------------------------------------------- settings


def stored_settings(store: Store) -> dict[str, str]:
    with store.read() as con:
        return {str(k): str(v) for k, v in con.execute("SELECT key, value FROM setting")}


def save_setting(store: Store, key: str, value: str) -> None:
    from emdrill.store.tables import SettingRow

    with store.write() as s:
        s.merge(SettingRow(key=key, value=value))


# ---------------------------------------------------------------- conversion


def to_question(row: QuestionRow) -> Question:
    return Question(
        id=row.id, deck=row.deck_id, family=row.family, text=row.text, intent=row.intent,
        story=row.story, also=tuple(row.also), probes=tuple(row.probes), system=row.system,
        traits=tuple(row.traits), pitfall=row.pitfall, follow_ups=tuple(row.follow_ups),
        siblings=tuple(row.siblings), suspended=row.suspended, position=row.position,
    )


MEMORY_FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review")


def to_memory(row: FacetRow) -> Memory:
    return memory_from(row)


def memory_from(obj: object, prefix: str = "") -> Memory:
    """A `Memory` from an ORM object's (decoded) fields, named `prefix` + field."""
    values: dict[str, Any] = {name: getattr(obj, prefix + name) for name in MEMORY_FIELDS}
    return Memory(**values)


def put_memory(obj: object, memory: Memory, prefix: str = "") -> None:
    """Write a `Memory` into an ORM object's fields named `prefix` + field."""
    assert memory.due is not None
    for name in MEMORY_FIELDS:
        setattr(obj, prefix + name, getattr(memory, name))


def _apply(row: FacetRow, memory: Memory) -> None:
    put_memory(row, memory)


# ---------------------------------------------------------------- cards


def question_count(store: Store) -> int:
    with store.read() as con:
        return int(con.execute("SELECT count(*) FROM question").fetchone()[0])


_CARD_COLUMNS = (
    f"{question_columns('q.')}, "
    "i.state, i.step, i.stability, i.difficulty, i.due, i.last_review, "
    "s.state, s.step, s.stability, s.difficulty, s.due, s.last_review"
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


def memory_of(row: Sequence[Any]) -> Memory:
    """The one codec from stored facet columns (state, step, stability, difficulty, due,
    last review) to a `Memory`."""
    state, step, stability, difficulty, due, last = row
    return Memory(state=int(state), step=step, stability=stability, difficulty=difficulty,
                  due=from_db_time(due), last_review=from_db_time(last) if last else None)


def _cards(store: Store, where: str, params: Sequence[object] = ()) -> list[Card]:
    with store.read() as con:
        return [_card_of(r) for r in con.execute(f"SELECT {_CARD_COLUMNS} {_CARD_FROM} {where}",
                                                  params)]


def load_cards(store: Store, *, include_suspended: bool = False) -> list[Card]:
    """Every question with both facets, in deck order (practice and simulation only: the
    drill's queue reads due and new rows alone)."""
    return _cards(store, ("" if include_suspended else "WHERE q.suspended = 0 ")
                  + "ORDER BY q.position")


def cards_by_id(store: Store, ids: Sequence[str]) -> dict[str, Card]:
    found: dict[str, Card] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        marks = ", ".join("?" * len(chunk))
        found.update((c.id, c) for c in _cards(store, f"WHERE q.id IN ({marks})", chunk))
    return found


def due_entries(store: Store, now: datetime, *, family_keys: Mapping[str, float],
                exclude: Collection[str] = (), limit: int | None = None,
                family: str | None = None, deck: str | None = None) -> list[Card]:
    """Active questions seen before and due by `now`, sorted as the queue wants them (by
    `family_keys`, lowest first, then most overdue), the first `limit` only (an index range,
    not a scan), of one `family` or `deck` when given. Each holds only what ordering needs:
    id, family, siblings, place and due; `cards_by_id` fills in the few that are shown."""
    cases = " ".join("WHEN ? THEN ?" for _ in family_keys)
    order = f"CASE family {cases} ELSE 0 END, " if family_keys else ""
    marks = ", ".join("?" * len(exclude))
    scope, scope_params = _scope(family, deck)
    sql = ("SELECT id, deck_id, family, siblings, position, due FROM question "
           "WHERE suspended = 0 AND due <= ? "
           + (f"AND id NOT IN ({marks}) " if exclude else "") + scope
           + f"ORDER BY {order}due" + (" LIMIT ?" if limit is not None else ""))
    params: list[object] = [to_db_time(now), *exclude, *scope_params]
    for name, key in family_keys.items():
        params += [name, key]
    if limit is not None:
        params.append(limit)
    with store.read() as con:
        return [_entry(row) for row in con.execute(sql, params)]


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


def _entry(row: Sequence[Any]) -> Card:
    qid, deck, family, siblings, position, due_text = row
    due = from_db_time(due_text)
    question = Question(id=qid, deck=deck, family=family, text="", intent="", story=0,
                        siblings=tuple(json_list(siblings)), position=int(position))
    memory = Memory(due=due, last_review=due)
    return Card(question, memory, memory)


def new_cards(store: Store, limit: int) -> list[Card]:
    """The first `limit` new questions in `new_order`."""
    return [card for _rank, card in new_ranked(store, limit)]


def new_ranked(store: Store, limit: int, *, family: str | None = None,
               deck: str | None = None, skip_families: Collection[str] = (),
               ) -> list[tuple[int, Card]]:
    """The first `limit` new questions in `new_order`, each with its rank there: of one
    `family` or `deck` when given, without `skip_families`."""
    scope, params = _scope(family, deck, "q.")
    if skip_families:
        scope += f"AND q.family NOT IN ({', '.join('?' * len(skip_families))}) "
        params += list(skip_families)
    sql = (f"SELECT q.new_order, {_CARD_COLUMNS} {_CARD_FROM} "
           f"WHERE q.suspended = 0 AND q.due IS NULL {scope}ORDER BY q.new_order LIMIT ?")
    with store.read() as con:
        return [(int(row[0] or 0), _card_of(row[1:])) for row in con.execute(sql, [*params, limit])]


@dataclass(frozen=True)
class Counts:
    questions: int  # active
    due: int  # seen and due by now
    new: int  # never seen
    next_due: datetime | None  # the earliest due after now
    earliest_due: datetime | None  # the earliest due of any seen question, overdue included


def counts(store: Store, now: datetime, *, family: str | None = None,
           deck: str | None = None) -> Counts:
    """What `status` needs, from the `question.due` index (of one `family` or `deck` when
    given)."""
    scope, params = _scope(family, deck)
    at = (to_db_time(now), *params)
    with store.read() as con:
        questions, new = con.execute(
            "SELECT count(*), count(*) - count(due) FROM question WHERE suspended = 0 "
            + scope, params).fetchone()
        (due,) = con.execute("SELECT count(*) FROM question WHERE suspended = 0 "
                             "AND due <= ? " + scope, at).fetchone()
        (upcoming,) = con.execute("SELECT min(due) FROM question WHERE suspended = 0 "
                                  "AND due > ? " + scope, at).fetchone()
        (earliest,) = con.execute("SELECT min(due) FROM question WHERE suspended = 0 "
                                  "AND due IS NOT NULL " + scope, params).fetchone()
    return Counts(int(questions), int(due), int(new),
                  from_db_time(upcoming) if upcoming else None,
                  from_db_time(earliest) if earliest else None)


def load_card(store: Store, question_id: str) -> Card:
    with store.session() as s:
        return _card(s, question_id)


def _card(s: Session, question_id: str) -> Card:
    from emdrill.store.tables import QuestionRow

    row = s.get(QuestionRow, question_id)
    if row is None:
        known = list(s.exec(select(QuestionRow.id)))
        close = difflib.get_close_matches(question_id, known, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise UnknownQuestionError(f"unknown question id '{question_id}' ({hint}every id: "
                                   "`emdrill deck list --ids`)")
    intent, story = _facets(s, question_id)
    return Card(to_question(row), to_memory(intent), to_memory(story))


def _facets(s: Session, question_id: str) -> tuple[FacetRow, FacetRow]:
    from emdrill.store.tables import FacetRow

    rows = {f.kind: f for f in s.exec(select(FacetRow).where(FacetRow.question_id == question_id))}
    if set(rows) != {"intent", "story"}:
        raise DamagedError(f"question '{question_id}' lacks a facet row")
    return rows["intent"], rows["story"]


# ---------------------------------------------------------------- reviews


def history_after(store: Store, question_id: str, at: datetime) -> tuple[Card, list[ReviewRecord]]:
    """The card as it stood at `at`, and its reviews made after `at`, oldest first.

    Each review keeps both facets' state from before it, so the state at `at` is the one
    saved with the first later review, or the current state when there is none."""
    from emdrill.store.tables import ReviewRow

    with store.session() as s:
        card = _card(s, question_id)
        later = list(s.exec(
            select(ReviewRow).where(ReviewRow.question_id == question_id)
            .where(col(ReviewRow.reviewed_at) > at).order_by(*_oldest_first())))
    if later:
        card = Card(card.question, _restore("intent", later[0]), _restore("story", later[0]))
    return card, [_record(r) for r in later]


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
    slot_named: int | None = None,
    seconds: float | None = None,
    replayed: Sequence[tuple[int, Memory, Memory]] = (),
    anki_revlog: int | None = None,
    choice: IntentChoice | None = None,
) -> ReviewRecord:
    """Write the review and the facets in one transaction. A review older than others replays
    them: `card` then holds the memories at the review's time, `replayed` gives each later
    review's id with the states before it, and the facets take `*_after` of the last one.
    `anki_revlog` remembers the Anki review this one came from; `choice` (an intent picked
    from four) is written with it, so undo takes both back."""
    from emdrill.store.tables import AnkiReviewRow, ReviewRow

    with store.write() as s:
        intent_row, story_row = _facets(s, card.id)
        # The newest review keeps the facets exactly as this transaction found them, so undo
        # puts back what was there even if another emdrill wrote since `card` was read.
        before_i, before_s = ((card.intent, card.story) if replayed
                              else (to_memory(intent_row), to_memory(story_row)))
        review = ReviewRow(
            question_id=card.id, reviewed_at=at, intent_rating=intent_rating,
            story_rating=story_rating, slot_named=slot_named, seconds=seconds, mode=mode,
            intent_prev_state=before_i.state, story_prev_state=before_s.state,
        )
        _set_prev(review, "intent", before_i)
        _set_prev(review, "story", before_s)
        s.add(review)
        for review_id, before_i, before_s in replayed:
            later = s.get(ReviewRow, review_id)
            assert later is not None
            _set_prev(later, "intent", before_i)
            _set_prev(later, "story", before_s)
            s.add(later)
        _apply(intent_row, intent_after)
        _apply(story_row, story_after)
        s.add(intent_row)
        s.add(story_row)
        s.flush()
        if anki_revlog is not None:
            assert review.id is not None
            kind = "intent" if intent_rating is not None else "story"
            s.add(AnkiReviewRow(revlog_id=anki_revlog, question_id=card.id, kind=kind,
                                review_id=review.id))
        if choice is not None:
            practice.add_pick(s, choice, review_id=review.id, at=at)
        if replayed:  # later reviews now follow this one: their outcomes changed
            s.flush()
            tallies.rebuild(s)
        else:
            tallies.count(s, card.family, at, [(before_i.last_review, intent_rating),
                                               (before_s.last_review, story_rating)])
        return _record(review)


def _oldest_first() -> tuple[Any, Any]:
    from emdrill.store.tables import ReviewRow

    return (col(ReviewRow.reviewed_at), col(ReviewRow.id))


def _newest_first() -> tuple[Any, Any]:
    from emdrill.store.tables import ReviewRow

    return (col(ReviewRow.reviewed_at).desc(), col(ReviewRow.id).desc())


def _set_prev(review: ReviewRow, kind: str, m: Memory) -> None:
    """Keep the facet's state before the review, so undo can put it back exactly."""
    put_memory(review, m, f"{kind}_prev_")


def _restore(kind: str, r: ReviewRow) -> Memory:
    return memory_from(r, f"{kind}_prev_")


def _record(r: ReviewRow) -> ReviewRecord:
    assert r.id is not None
    return ReviewRecord(id=r.id, question_id=r.question_id, reviewed_at=r.reviewed_at,
                        intent_rating=r.intent_rating, story_rating=r.story_rating,
                        slot_named=r.slot_named, seconds=r.seconds, mode=r.mode)


def undo_last(store: Store) -> ReviewRecord:
    """Delete the newest review and put both facets back exactly as they were before it.

    Newest in time: an imported Anki review can be older than reviews made here, and only
    the last review in time holds the state the facets are in now.

    The facets are put back only if that review is the one that gave them their state (their
    last review is its time). The one review that is not: a review moved in from a merged
    question whose new question kept its own memory (`store.decks`); undoing it only
    deletes it, since the memory it left behind was never this question's."""
    from emdrill.store.tables import QuestionRow, ReviewRow

    with store.write() as s:
        last = s.exec(select(ReviewRow).order_by(*_newest_first()).limit(1)).first()
        if last is None:
            raise NothingToUndoError("nothing to undo: no reviews recorded")
        intent_row, story_row = _facets(s, last.question_id)
        if _produced(intent_row, last) and _produced(story_row, last):
            _apply(intent_row, _restore("intent", last))
            _apply(story_row, _restore("story", last))
            s.add(intent_row)
            s.add(story_row)
        question = s.get(QuestionRow, last.question_id)
        if question is not None:
            tallies.count(s, question.family, last.reviewed_at,
                          [(last.intent_prev_last_review, last.intent_rating),
                           (last.story_prev_last_review, last.story_rating)], sign=-1)
        record = _record(last)
        s.delete(last)
        return record


def _produced(facet: FacetRow, review: ReviewRow) -> bool:
    return facet.last_review is not None and facet.last_review == review.reviewed_at


def new_introduced_since(store: Store, start: datetime) -> int:
    """Questions whose first review happened at or after `start`."""
    sql = ("SELECT count(*) FROM review WHERE reviewed_at >= ? "
           "AND intent_prev_last_review IS NULL AND story_prev_last_review IS NULL")
    with store.read() as con:
        return int(con.execute(sql, (to_db_time(start),)).fetchone()[0])


def ensure_day_shift(store: Store, *, offset_minutes: int) -> int:
    """Make the per-day counts count study days under this UTC offset (recounting them when
    the user's offset has changed, as at a daylight-saving change); returns the shift."""
    shift = day_shift_seconds(offset_minutes)
    with store.read() as con:
        (stored,) = con.execute("SELECT seconds FROM day_shift").fetchone()
    if stored != shift:
        _recount_days(store, shift)
    return shift


def study_days(store: Store, *, offset_minutes: int) -> list[int]:
    """Study days (days since 1970) with at least one review, newest first, from the per-day
    counts."""
    ensure_day_shift(store, offset_minutes=offset_minutes)
    with store.read() as con:
        return [row[0] for row in con.execute(
            "SELECT day FROM review_day WHERE reviews > 0 ORDER BY day DESC")]


def _recount_days(store: Store, shift: int) -> None:
    with store.write() as s:
        s.execute(text("UPDATE day_shift SET seconds = :shift"), {"shift": shift})
        s.execute(text("DELETE FROM review_day"))
        s.execute(text("INSERT INTO review_day (day, reviews) SELECT "
                       "(quarter * 900 + :shift) / 86400, sum(reviews) FROM review_quarter "
                       "GROUP BY 1"), {"shift": shift})
        tallies.recount_family_days(s)


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


def question_reviews(store: Store, question_id: str, limit: int) -> list[ReviewRecord]:
    """The question's latest reviews, newest first (in time: an imported review can be older
    than one made here)."""
    from emdrill.store.tables import ReviewRow

    with store.session() as s:
        rows: Iterable[ReviewRow] = s.exec(
            select(ReviewRow).where(ReviewRow.question_id == question_id)
            .order_by(*_newest_first()).limit(limit))
        return [_record(r) for r in rows]


def question_ids(store: Store) -> list[tuple[str, str, str, str, bool]]:
    """(id, deck, family, text, suspended) of every question, in deck order."""
    with store.read() as con:
        rows = con.execute("SELECT id, deck_id, family, text, suspended FROM question "
                           "ORDER BY deck_id, position")
        return [(q, d, f, t, bool(sus)) for q, d, f, t, sus in rows]


def last_reviews(store: Store, limit: int) -> list[ReviewRecord]:
    from emdrill.store.tables import ReviewRow

    with store.session() as s:
        rows: Iterable[ReviewRow] = s.exec(
            select(ReviewRow).order_by(*_newest_first()).limit(limit))
        return [_record(r) for r in rows]
