"""Queries over questions, facets, reviews and settings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from emdrill.core.errors import DamagedError, NothingToUndoError, UnknownQuestionError
from emdrill.core.scheduler import Memory
from emdrill.core.types import Card, Question, ReviewRecord
from emdrill.store.db import Store
from emdrill.store.tables import FacetRow, QuestionRow, ReviewRow, SettingRow, to_db_time

# ---------------------------------------------------------------- settings


def stored_settings(store: Store) -> dict[str, str]:
    with store.session() as s:
        return {row.key: row.value for row in s.exec(select(SettingRow))}


def save_setting(store: Store, key: str, value: str) -> None:
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
    try:
        return [Card(to_question(q), to_memory(facets[(qid, "intent")]),
                     to_memory(facets[(qid, "story")])) for qid, q in questions.items()]
    except KeyError as exc:
        qid, kind = exc.args[0]
        raise DamagedError(f"question '{qid}' has no {kind} facet row") from None


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
    if set(rows) != {"intent", "story"}:
        raise DamagedError(f"question '{question_id}' lacks a facet row")
    return rows["intent"], rows["story"]


# ---------------------------------------------------------------- reviews


def record_review(
    store: Store,
    card: Card,
    *,
    intent_after: Memory,
    story_after: Memory,
    intent_rating: int,
    story_rating: int,
    at: datetime,
    mode: str,
    slot_named: int | None = None,
    seconds: float | None = None,
) -> ReviewRecord:
    """Write the review row and both facet updates in one transaction."""
    with store.write() as s:
        intent_row, story_row = _facets(s, card.id)
        before_i, before_s = to_memory(intent_row), to_memory(story_row)
        review = ReviewRow(
            question_id=card.id, reviewed_at=at, intent_rating=intent_rating,
            story_rating=story_rating, slot_named=slot_named, seconds=seconds, mode=mode,
            intent_prev_state=before_i.state, story_prev_state=before_s.state,
        )
        _set_prev(review, "intent", before_i)
        _set_prev(review, "story", before_s)
        s.add(review)
        _apply(intent_row, intent_after)
        _apply(story_row, story_after)
        s.add(intent_row)
        s.add(story_row)
        s.flush()
        return _record(review)


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
    """Delete the newest review and put both facets back exactly as they were before it."""
    with store.write() as s:
        last = s.exec(select(ReviewRow).order_by(col(ReviewRow.id).desc()).limit(1)).first()
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
            select(ReviewRow).order_by(col(ReviewRow.id).desc()).limit(limit))
        return [_record(r) for r in rows]
