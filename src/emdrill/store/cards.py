"""Queries over questions, facets, reviews and settings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from emdrill.core.errors import NothingToUndoError, UnknownQuestionError
from emdrill.core.scheduler import Memory
from emdrill.core.types import Card, Question, ReviewRecord
from emdrill.store.db import Store
from emdrill.store.tables import (
    AnkiReviewRow,
    FacetRow,
    QuestionRow,
    ReviewRow,
    SettingRow,
    to_db_time,
)

# ---------------------------------------------------------------- settings


def stored_settings(store: Store) -> dict[str, str]:
    with store.session() as s:
        return {row.key: row.value for row in s.exec(select(SettingRow))}


def save_setting(store: Store, key: str, value: str) -> None:
    with store.session() as s:
        s.merge(SettingRow(key=key, value=value))


# ---------------------------------------------------------------- conversion


def to_question(row: QuestionRow) -> Question:
    return Question(
        id=row.id, deck=row.deck_id, family=row.family, text=row.text, intent=row.intent,
        story=row.story, also=tuple(row.also), probes=tuple(row.probes), system=row.system,
        traits=tuple(row.traits), pitfall=row.pitfall, follow_ups=tuple(row.follow_ups),
        siblings=tuple(row.siblings), suspended=row.suspended, position=row.position,
    )


def to_memory(row: FacetRow) -> Memory:
    return Memory(state=row.state, step=row.step, stability=row.stability,
                  difficulty=row.difficulty, due=row.due, last_review=row.last_review)


def _apply(row: FacetRow, memory: Memory) -> None:
    assert memory.due is not None
    row.state, row.step = memory.state, memory.step
    row.stability, row.difficulty = memory.stability, memory.difficulty
    row.due, row.last_review = memory.due, memory.last_review


# ---------------------------------------------------------------- cards


def question_count(store: Store) -> int:
    with store.session() as s:
        return int(s.exec(select(func.count()).select_from(QuestionRow)).one())


def load_cards(store: Store, *, include_suspended: bool = False) -> list[Card]:
    """Every question with both facets, in deck order."""
    with store.session() as s:
        query = select(QuestionRow)
        if not include_suspended:
            query = query.where(col(QuestionRow.suspended).is_(False))
        questions = {q.id: q for q in s.exec(query.order_by(col(QuestionRow.position)))}
        facets: dict[tuple[str, str], FacetRow] = {
            (f.question_id, f.kind): f for f in s.exec(select(FacetRow))
        }
    return [
        Card(to_question(q), to_memory(facets[(qid, "intent")]), to_memory(facets[(qid, "story")]))
        for qid, q in questions.items()
    ]


def load_card(store: Store, question_id: str) -> Card:
    with store.session() as s:
        return _card(s, question_id)


def _card(s: Session, question_id: str) -> Card:
    row = s.get(QuestionRow, question_id)
    if row is None:
        raise UnknownQuestionError(f"unknown question id '{question_id}' "
                                   "(see `emdrill next` or `emdrill deck list`)")
    intent, story = _facets(s, question_id)
    return Card(to_question(row), to_memory(intent), to_memory(story))


def _facets(s: Session, question_id: str) -> tuple[FacetRow, FacetRow]:
    rows = {f.kind: f for f in s.exec(select(FacetRow).where(FacetRow.question_id == question_id))}
    return rows["intent"], rows["story"]


# ---------------------------------------------------------------- reviews


def history_after(store: Store, question_id: str, at: datetime) -> tuple[Card, list[ReviewRecord]]:
    """The card as it stood at `at`, and its reviews made after `at`, oldest first.

    Each review keeps both facets' state from before it, so the state at `at` is the one
    saved with the first later review, or the current state when there is none."""
    with store.session() as s:
        card = _card(s, question_id)
        later = list(s.exec(
            select(ReviewRow).where(ReviewRow.question_id == question_id)
            .where(col(ReviewRow.reviewed_at) > at).order_by(*_OLDEST_FIRST)))
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
) -> ReviewRecord:
    """Write the review and the facets in one transaction. A review older than others replays
    them: `card` then holds the memories at the review's time, `replayed` gives each later
    review's id with the states before it, and the facets take `*_after` of the last one.
    `anki_revlog` remembers the Anki review this one came from."""
    with store.session() as s:
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
        return _record(review)


_OLDEST_FIRST = (col(ReviewRow.reviewed_at), col(ReviewRow.id))
_NEWEST_FIRST = (col(ReviewRow.reviewed_at).desc(), col(ReviewRow.id).desc())
_MEMORY_FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review")


def _set_prev(review: ReviewRow, kind: str, m: Memory) -> None:
    """Keep the facet's state before the review, so undo can put it back exactly."""
    for name in _MEMORY_FIELDS:
        setattr(review, f"{kind}_prev_{name}", getattr(m, name))


def _restore(kind: str, r: ReviewRow) -> Memory:
    values: dict[str, Any] = {name: getattr(r, f"{kind}_prev_{name}") for name in _MEMORY_FIELDS}
    return Memory(**values)


def _record(r: ReviewRow) -> ReviewRecord:
    assert r.id is not None
    return ReviewRecord(id=r.id, question_id=r.question_id, reviewed_at=r.reviewed_at,
                        intent_rating=r.intent_rating, story_rating=r.story_rating,
                        slot_named=r.slot_named, seconds=r.seconds, mode=r.mode)


def undo_last(store: Store) -> ReviewRecord:
    """Delete the newest review and put both facets back exactly as they were before it.

    Newest in time: an imported Anki review can be older than reviews made here, and only
    the last review in time holds the state the facets are in now."""
    with store.session() as s:
        last = s.exec(select(ReviewRow).order_by(*_NEWEST_FIRST).limit(1)).first()
        if last is None:
            raise NothingToUndoError("nothing to undo: no reviews recorded")
        intent_row, story_row = _facets(s, last.question_id)
        _apply(intent_row, _restore("intent", last))
        _apply(story_row, _restore("story", last))
        s.add(intent_row)
        s.add(story_row)
        record = _record(last)
        s.delete(last)
        return record


def reviews_between(store: Store, start: datetime, end: datetime | None = None) -> int:
    with store.session() as s:
        query = select(func.count()).select_from(ReviewRow).where(
            col(ReviewRow.reviewed_at) >= start)
        if end is not None:
            query = query.where(col(ReviewRow.reviewed_at) < end)
        return int(s.exec(query).one())


def new_introduced_since(store: Store, start: datetime) -> int:
    """Questions whose first review happened at or after `start`."""
    sql = text(
        "SELECT count(*) FROM review WHERE reviewed_at >= :start "
        "AND intent_prev_last_review IS NULL AND story_prev_last_review IS NULL"
    )
    with store.session() as s:
        return int(s.execute(sql, {"start": to_db_time(start)}).scalar_one())


def review_days(store: Store, offset_minutes: int) -> list[str]:
    """Distinct study days (04:00 local boundaries) with at least one review, newest first."""
    shift = offset_minutes - 4 * 60
    sql = text(
        "SELECT DISTINCT date(reviewed_at, :shift) AS d FROM review ORDER BY d DESC"
    )
    with store.session() as s:
        return [row[0] for row in s.execute(sql, {"shift": f"{shift:+d} minutes"})]


def last_reviews(store: Store, limit: int) -> list[ReviewRecord]:
    with store.session() as s:
        rows: Iterable[ReviewRow] = s.exec(
            select(ReviewRow).order_by(*_NEWEST_FIRST).limit(limit))
        return [_record(r) for r in rows]
