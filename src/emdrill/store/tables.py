"""SQLModel tables. Their columns mirror the numbered migrations in `migrations.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Dialect, Text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from emdrill.store.codec import from_db_time, json_list, to_db_time, to_json_list

__all__ = ["from_db_time", "to_db_time"]  # the codec, re-exported for the tables' users


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as fixed-width UTC ISO text, so text order is time order."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else to_db_time(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else from_db_time(value)


class JSONList(TypeDecorator[list[Any]]):
    """A list kept as JSON text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> str:
        return to_json_list(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> list[Any]:
        return json_list(value)


def _time(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


def _list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSONList(), nullable=False))


class DeckRow(SQLModel, table=True):
    __tablename__ = "deck"
    id: str = Field(primary_key=True)
    name: str
    version: str
    description: str = ""
    source: str = ""
    loaded_at: datetime = _time()


class FamilyRow(SQLModel, table=True):
    __tablename__ = "family"
    slug: str = Field(primary_key=True)
    deck_id: str
    name: str
    probes: str = ""


class SlotRow(SQLModel, table=True):
    __tablename__ = "slot"
    slot: int = Field(primary_key=True)
    name: str
    competency: str = ""
    must_include: list[str] = _list()


class QuestionRow(SQLModel, table=True):
    __tablename__ = "question"
    id: str = Field(primary_key=True)
    deck_id: str
    family: str
    position: int = 0
    text: str
    intent: str
    probes: list[str] = _list()
    story: int
    also: list[int] = _list()
    system: str
    traits: list[str] = _list()
    pitfall: str = ""
    follow_ups: list[str] = _list()
    siblings: list[str] = _list()
    suspended: bool = False
    added_at: datetime = _time()
    # Kept by triggers and deck loads (migration 4); the ORM never writes them.
    due: datetime | None = _time(nullable=True)
    reviews: int = 0
    new_order: int | None = None
    draft: list[str] = _list()  # migration 4
    # The user's setting aside (migration 11): deck loads never write them.
    user_suspended: bool = False
    buried_until: datetime | None = _time(nullable=True)


class FacetRow(SQLModel, table=True):
    __tablename__ = "facet"
    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id")
    kind: str
    state: int = 1
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    due: datetime = _time()
    last_review: datetime | None = _time(nullable=True)


class ReviewRow(SQLModel, table=True):
    __tablename__ = "review"
    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id")
    reviewed_at: datetime = _time()
    intent_rating: int | None = None  # None: this review did not grade the facet (Anki)
    story_rating: int | None = None
    slot_named: int | None = None
    seconds: float | None = None
    mode: str
    intent_prev_state: int
    intent_prev_step: int | None = None
    intent_prev_stability: float | None = None
    intent_prev_difficulty: float | None = None
    intent_prev_due: datetime = _time()
    intent_prev_last_review: datetime | None = _time(nullable=True)
    story_prev_state: int
    story_prev_step: int | None = None
    story_prev_stability: float | None = None
    story_prev_difficulty: float | None = None
    story_prev_due: datetime = _time()
    story_prev_last_review: datetime | None = _time(nullable=True)


class AnkiReviewRow(SQLModel, table=True):
    """An Anki review already recorded: its revlog id and the review it became."""

    __tablename__ = "anki_review"
    revlog_id: int = Field(primary_key=True)
    question_id: str = Field(primary_key=True, foreign_key="question.id")
    kind: str = Field(primary_key=True)
    review_id: int = Field(foreign_key="review.id")


class SettingRow(SQLModel, table=True):
    __tablename__ = "setting"
    key: str = Field(primary_key=True)
    value: str


class StoryRow(SQLModel, table=True):
    __tablename__ = "story"
    id: int | None = Field(default=None, primary_key=True)
    title: str
    slots: list[int] = _list()  # the first is the story's main slot
    context: str = ""
    challenge: str = ""
    actions: str = ""
    results: str = ""
    learnings: str = ""
    hook: str = ""
    tags: list[str] = _list()
    created_at: datetime = _time()
    updated_at: datetime = _time()


class SystemRow(SQLModel, table=True):
    __tablename__ = "system"
    category: str = Field(primary_key=True)
    text: str = ""
    updated_at: datetime = _time()


class IntentPickRow(SQLModel, table=True):
    __tablename__ = "intent_pick"
    id: int | None = Field(default=None, primary_key=True)
    review_id: int | None = Field(default=None, foreign_key="review.id")
    question_id: str = Field(foreign_key="question.id")
    picked: str = Field(foreign_key="question.id")
    options: list[str] = _list()
    seconds: float | None = None
    picked_at: datetime = _time()


class RehearsalRow(SQLModel, table=True):
    __tablename__ = "rehearsal"
    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id")
    review_id: int | None = Field(default=None, foreign_key="review.id")
    started_at: datetime = _time()
    target_seconds: int
    answer_seconds: float
    follow_ups: list[dict[str, Any]] = _list()  # [{"text": ..., "seconds": ...}]
    check_intent: bool
    check_system: bool
    check_story: bool
    check_result: bool
    check_learning: bool
    answer_text: str = ""
    findings: list[dict[str, Any]] = _list()  # [{"rule", "ok", "sentence", "fix"}]


class InterviewRow(SQLModel, table=True):
    __tablename__ = "interview"
    id: int = Field(default=1, primary_key=True)
    at: datetime = _time()
    decks: list[str] = _list()
    families: list[str] = _list()
    set_at: datetime = _time()
    excluded: list[str] = _list()  # question ids kept out of the scope


class ParametersRow(SQLModel, table=True):
    __tablename__ = "fsrs_parameters"
    facet: str = Field(primary_key=True)
    parameters: list[float] = _list()  # empty: the defaults were kept
    reviews: int  # recall reviews the last `optimize` read
    total_reviews: int  # all reviews at that time
    log_loss: float | None = None  # of the parameters kept, on that history
    rmse: float | None = None
    fitted_at: datetime = _time()
