"""The schema as it stands at the last migration: every table, index and trigger, declared
once. SQLModel table models for the tables (their columns, types, defaults, keys, checks and
indexes), and `TRIGGERS` beside them.

The numbered migrations (`migrations.py`) are the history that brings an older file here;
these models are what that history must arrive at. `tests/test_schema_models.py` builds a
database from these models (`create_schema`) and one by running every migration, and holds
them equal, table by table (columns, declared types, NOT NULL, defaults, keys, foreign keys,
checks), index by index (columns, uniqueness, partial WHERE) and trigger by trigger; the
schema fingerprint every open compares (`LATEST_SCHEMA_DIGEST`) is checked there too, so
this module is never imported to open a store (the hot path does not load SQLAlchemy).

The ORM writes go through these models. Plain-SQL reads take their column lists from
`codec.py` (no SQLAlchemy), which the same test holds to these models.

Declared as SQLite stores them: the shipped tables say `TEXT PRIMARY KEY` without NOT NULL,
which SQLite lets hold a NULL key, so a text key here is `nullable` too (`_key`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    REAL,
    Boolean,
    CheckConstraint,
    Column,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import Field, SQLModel

from emdrill.store.codec import (
    from_db_micros,
    from_db_time,
    json_list,
    to_db_micros,
    to_db_time,
    to_json_list,
)
from emdrill.store.migrations import MATURE_RULE, family_day_change, review_day, review_quarter_of


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as fixed-width UTC ISO text, so text order is time order
    (`codec.to_db_time`)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else to_db_time(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else from_db_time(value)


class UTCMicros(TypeDecorator[datetime]):
    """Stores aware datetimes as whole microseconds since 1970 UTC, as `review` keeps its
    times (`codec.to_db_micros`)."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        return None if value is None else to_db_micros(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> datetime | None:
        return None if value is None else from_db_micros(value)


class JSONList(TypeDecorator[list[Any]]):
    """A list kept as JSON text (`codec.to_json_list`)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> str:
        return to_json_list(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> list[Any]:
        return json_list(value)


# ---------------------------------------------------------------- column kinds
# Each returns a model field with its own Column: `server` is the DEFAULT the table declares
# (SQL text), `default` what a new model object holds when none is given.

_NO_DEFAULT: Any = ...


def _field(column: Column[Any], default: Any = _NO_DEFAULT, **kw: Any) -> Any:
    if default is _NO_DEFAULT and not kw:
        return Field(sa_column=column)
    return Field(default, sa_column=column, **kw)


def _server(value: str | None) -> Any:
    return None if value is None else text(value)


def _key(kind: type[TypeEngine[Any]] = Text, *, ref: str | None = None) -> Any:
    """A primary key column. A text one is declared as the migrations made it, without NOT
    NULL; an integer one alone is the rowid (never NULL)."""
    args = (ForeignKey(ref),) if ref else ()
    if kind is Integer:
        return _field(Column(Integer, *args, primary_key=True), None)
    return _field(Column(kind(), *args, primary_key=True, nullable=kind is Text))


def _text(server: str | None = None, *, nullable: bool = False, default: Any = _NO_DEFAULT,
          ref: str | None = None, ondelete: str | None = None) -> Any:
    args = (ForeignKey(ref, ondelete=ondelete),) if ref else ()
    if default is _NO_DEFAULT and server is not None:
        default = server.strip("'")
    return _field(Column(Text, *args, nullable=nullable, server_default=_server(server)),
                  default)


def _int(server: str | None = None, *, nullable: bool = False, default: Any = _NO_DEFAULT,
         ref: str | None = None, ondelete: str | None = None) -> Any:
    args = (ForeignKey(ref, ondelete=ondelete),) if ref else ()
    if default is _NO_DEFAULT and server is not None:
        default = int(server)
    if default is _NO_DEFAULT and nullable:
        default = None
    return _field(Column(Integer, *args, nullable=nullable, server_default=_server(server)),
                  default)


def _float(*, nullable: bool = True, kind: type[TypeEngine[Any]] = Float) -> Any:
    return _field(Column(kind(), nullable=nullable), None if nullable else _NO_DEFAULT)


def _flag(server: str | None = None) -> Any:
    default = _NO_DEFAULT if server is None else bool(int(server))
    return _field(Column(Boolean, nullable=False, server_default=_server(server)), default)


def _time(*, nullable: bool = False) -> Any:
    return _field(Column(UTCDateTime(), nullable=nullable), None)


def _micros(*, nullable: bool = False) -> Any:
    return _field(Column(UTCMicros(), nullable=nullable), None)


def _list() -> Any:
    return Field(default_factory=list,
                 sa_column=Column(JSONList(), nullable=False, server_default=text("'[]'")))


def _one_row() -> Any:
    """The key of a table that holds one row: 1."""
    return _field(Column(Integer, CheckConstraint("id = 1"), primary_key=True), 1)


# ---------------------------------------------------------------- decks and questions


class DeckRow(SQLModel, table=True):
    __tablename__ = "deck"
    id: str = _key()
    name: str = _text()
    version: str = _text()
    description: str = _text("''")
    source: str = _text("''")
    loaded_at: datetime = _time()


class FamilyRow(SQLModel, table=True):
    __tablename__ = "family"
    slug: str = _key()
    deck_id: str = _text()
    name: str = _text()
    probes: str = _text("''")


class SlotRow(SQLModel, table=True):
    __tablename__ = "slot"
    slot: int = _key(Integer)
    name: str = _text()
    competency: str = _text("''")
    must_include: list[str] = _list()


class QuestionRow(SQLModel, table=True):
    __tablename__ = "question"
    __table_args__ = (
        CheckConstraint("story BETWEEN 1 AND 9"),
        Index("question_family", "family"),
        # the hot path's indexes (docs/architecture.md, "The hot path")
        Index("question_due", "suspended", "user_suspended", "due", "buried_until"),
        Index("question_new", "suspended", "user_suspended", "new_order", "buried_until",
              sqlite_where=text("due IS NULL")),
        Index("question_family_due", "suspended", "user_suspended", "family", "due",
              "buried_until"),
        Index("question_family_story", "suspended", "family", "story"),
        Index("question_buried", "buried_until", "suspended", "user_suspended", "due",
              sqlite_where=text("buried_until IS NOT NULL")),
        Index("question_num", "num", unique=True),
    )
    id: str = _key()
    deck_id: str = _text()
    family: str = _text()
    position: int = _int("0")
    text: str = _text()
    intent: str = _text()
    probes: list[str] = _list()
    story: int = _int()
    also: list[int] = _list()
    system: str = _text()
    traits: list[str] = _list()
    pitfall: str = _text("''")
    follow_ups: list[str] = _list()
    siblings: list[str] = _list()
    suspended: bool = _flag("0")
    added_at: datetime = _time()
    # Kept by triggers and deck loads; the ORM never writes them.
    due: datetime | None = _time(nullable=True)
    reviews: int = _int("0")
    new_order: int | None = _int(nullable=True)
    draft: list[str] = _list()
    # The user's setting aside: deck loads never write them.
    user_suspended: bool = _flag("0")
    buried_until: datetime | None = _time(nullable=True)
    # The integer key reviews name the question by, given once by trigger (migration 20).
    num: int | None = _int(nullable=True)


class FacetRow(SQLModel, table=True):
    """One facet's memory; its last six columns are `codec.MEMORY_COLUMNS`."""

    __tablename__ = "facet"
    __table_args__ = (
        CheckConstraint("kind IN ('intent', 'story')"),
        UniqueConstraint("question_id", "kind"),
    )
    id: int | None = _key(Integer)
    question_id: str = _text(ref="question.id")
    kind: str = _text()
    state: int = _int(default=1)
    step: int | None = _int(nullable=True, default=0)
    stability: float | None = _float()
    difficulty: float | None = _float()
    due: datetime = _time()
    last_review: datetime | None = _time(nullable=True)


# ---------------------------------------------------------------- reviews


class ReviewRow(SQLModel, table=True):
    """One answer; both facets' memory before it (`codec.MEMORY_COLUMNS` after `intent_prev_`
    and `story_prev_`), so undo puts them back. Kept compact (migration 20): times as
    microseconds (`UTCMicros`), the question by `question.num`, the mode by its place in
    `core.cards.MODES` (`codec.mode_code`)."""

    __tablename__ = "review"
    __table_args__ = (
        CheckConstraint("intent_rating BETWEEN 1 AND 4"),
        CheckConstraint("story_rating BETWEEN 1 AND 4"),
        CheckConstraint("intent_rating IS NOT NULL OR story_rating IS NOT NULL"),
        Index("review_question", "question_num", "reviewed_at"),
        Index("review_lapse", "question_num", sqlite_where=text(
            "(intent_rating = 1 AND intent_prev_state = 2) "
            "OR (story_rating = 1 AND story_prev_state = 2)")),
        Index("review_first", "reviewed_at", sqlite_where=text(
            "intent_prev_last_review IS NULL AND story_prev_last_review IS NULL")),
    )
    id: int | None = _key(Integer)
    question_num: int = _int(ref="question.num")
    reviewed_at: datetime = _micros()
    intent_rating: int | None = _int(nullable=True)  # None: not graded here (Anki)
    story_rating: int | None = _int(nullable=True)
    slot_named: int | None = _int(nullable=True)
    seconds: float | None = _float()
    mode: int = _int()
    intent_prev_state: int = _int()
    intent_prev_step: int | None = _int(nullable=True)
    intent_prev_stability: float | None = _float()
    intent_prev_difficulty: float | None = _float()
    intent_prev_due: datetime = _micros()
    intent_prev_last_review: datetime | None = _micros(nullable=True)
    story_prev_state: int = _int()
    story_prev_step: int | None = _int(nullable=True)
    story_prev_stability: float | None = _float()
    story_prev_difficulty: float | None = _float()
    story_prev_due: datetime = _micros()
    story_prev_last_review: datetime | None = _micros(nullable=True)


class AnkiReviewRow(SQLModel, table=True):
    """An Anki review already recorded: its revlog id and the review it became."""

    __tablename__ = "anki_review"
    __table_args__ = (
        CheckConstraint("kind IN ('intent', 'story')"),
        Index("anki_review_review", "review_id"),
    )
    revlog_id: int = _field(Column(Integer, primary_key=True, autoincrement=False))
    question_id: str = _field(Column(Text, ForeignKey("question.id"), primary_key=True))
    kind: str = _field(Column(Text, primary_key=True))
    review_id: int = _int(ref="review.id", ondelete="CASCADE")


# ---------------------------------------------------------------- the user's own material


class SettingRow(SQLModel, table=True):
    __tablename__ = "setting"
    key: str = _key()
    value: str = _text()


class StoryRow(SQLModel, table=True):
    # AUTOINCREMENT: a deleted story's id is never reused (exports name stories by id)
    __tablename__ = "story"
    __table_args__ = {"sqlite_autoincrement": True}
    id: int | None = _key(Integer)
    title: str = _text()
    slots: list[int] = _list()  # the first is the story's main slot
    context: str = _text("''")
    challenge: str = _text("''")
    actions: str = _text("''")
    results: str = _text("''")
    learnings: str = _text("''")
    hook: str = _text("''")
    tags: list[str] = _list()
    created_at: datetime = _time()
    updated_at: datetime = _time()


class SystemRow(SQLModel, table=True):
    __tablename__ = "system"
    __table_args__ = (
        CheckConstraint("category IN ('delivery', 'stakeholders', 'team', 'self')"),
    )
    category: str = _key()
    text: str = _text("''")
    updated_at: datetime = _time()


# ---------------------------------------------------------------- practice


class IntentPickRow(SQLModel, table=True):
    __tablename__ = "intent_pick"
    __table_args__ = (
        Index("intent_pick_question", "question_id", "picked_at"),
        Index("intent_pick_review", "review_id"),
    )
    id: int | None = _key(Integer)
    review_id: int | None = _int(nullable=True, ref="review.id", ondelete="CASCADE")
    question_id: str = _text(ref="question.id")
    picked: str = _text(ref="question.id")
    options: list[str] = _list()
    seconds: float | None = _float()
    picked_at: datetime = _time()


class RehearsalRow(SQLModel, table=True):
    __tablename__ = "rehearsal"
    __table_args__ = (
        Index("rehearsal_time", "started_at"),
        Index("rehearsal_review", "review_id"),
    )
    id: int | None = _key(Integer)
    question_id: str = _text(ref="question.id")
    review_id: int | None = _int(nullable=True, ref="review.id", ondelete="SET NULL")
    started_at: datetime = _time()
    target_seconds: int = _int()
    answer_seconds: float = _float(nullable=False)
    follow_ups: list[dict[str, Any]] = _list()  # [{"text": ..., "seconds": ...}]
    check_intent: bool = _flag()
    check_system: bool = _flag()
    check_story: bool = _flag()
    check_result: bool = _flag()
    check_learning: bool = _flag()
    answer_text: str = _text("''")
    findings: list[dict[str, Any]] = _list()  # [{"rule", "ok", "sentence", "fix"}]


class ExamRow(SQLModel, table=True):
    """One exam sitting (`emdrill exam`); its answers are also reviews (mode 'exam')."""

    __tablename__ = "exam"
    __table_args__ = {"sqlite_autoincrement": True}
    id: int | None = _key(Integer)
    at: datetime = _time()
    questions: int = _int()
    intent_right: int = _int()
    story_right: int = _int()


class ExamAnswerRow(SQLModel, table=True):
    __tablename__ = "exam_answer"
    exam_id: int = _field(Column(Integer, ForeignKey("exam.id", ondelete="CASCADE"),
                                 primary_key=True, autoincrement=False))
    question_id: str = _field(Column(Text, primary_key=True))
    family: str = _text()
    picked: str = _text()
    slot_named: int | None = _int(nullable=True)
    intent_ok: int = _int()
    story_ok: int = _int()
    review_id: int | None = _int(nullable=True)


# ---------------------------------------------------------------- the interview


class InterviewRow(SQLModel, table=True):
    __tablename__ = "interview"
    id: int = _one_row()
    at: datetime = _time()
    decks: list[str] = _list()
    families: list[str] = _list()
    set_at: datetime = _time()
    excluded: list[str] = _list()  # question ids kept out of the scope


class ParametersRow(SQLModel, table=True):
    __tablename__ = "fsrs_parameters"
    __table_args__ = (CheckConstraint("facet IN ('intent', 'story')"),)
    facet: str = _key()
    parameters: list[float] = _list()  # empty: the defaults were kept
    reviews: int = _int()  # recall reviews the last `optimize` read
    total_reviews: int = _int()  # all reviews at that time
    log_loss: float | None = _float()  # of the parameters kept, on that history
    rmse: float | None = _float()
    fitted_at: datetime = _time()


# ---------------------------------------------------------------- kept by triggers and tallies
# The hot path reads these instead of the history (docs/architecture.md, "The hot path").


class ReviewQuarterRow(SQLModel, table=True):
    """Reviews per quarter hour since 1970 (any study-day boundary is a sum of them)."""

    __tablename__ = "review_quarter"
    quarter: int = _key(Integer)
    reviews: int = _int()
    first_id: int = _int()  # at most the least id of its reviews (`migrations.SINCE_ID`)


class DayShiftRow(SQLModel, table=True):
    """The UTC offset (seconds, plus the 04:00 rule) `review_day` and `family_day` count
    study days under."""

    __tablename__ = "day_shift"
    id: int = _one_row()
    seconds: int = _int()


class ReviewDayRow(SQLModel, table=True):
    __tablename__ = "review_day"
    day: int = _key(Integer)
    reviews: int = _int()


class FamilyOutcomeRow(SQLModel, table=True):
    """A family's weakness sums, decayed to `as_of` (`store.tallies`)."""

    __tablename__ = "family_outcome"
    family: str = _key()
    tests: float = _float(nullable=False, kind=REAL)
    misses: float = _float(nullable=False, kind=REAL)
    as_of: datetime = _time()


class FamilyDayRow(SQLModel, table=True):
    """Per study day and family, the counts `stats` sums (`migrations.FAMILY_DAY_COUNTS`)."""

    __tablename__ = "family_day"
    day: int = _field(Column(Integer, primary_key=True, autoincrement=False))
    family: str = _field(Column(Text, primary_key=True))
    reviews: int = _int("0")
    intent_graded: int = _int("0")
    intent_passes: int = _int("0")
    story_graded: int = _int("0")
    story_passes: int = _int("0")
    lapses: int = _int("0")
    young_tests: int = _int("0")
    young_passes: int = _int("0")
    mature_tests: int = _int("0")
    mature_passes: int = _int("0")
    right_answers: int = _int("0")


class QuickCheckedRow(SQLModel, table=True):
    """When the last quick check before a write passed (NULL: never)."""

    __tablename__ = "quick_checked"
    id: int = _one_row()
    at: datetime | None = _time(nullable=True)


class ReviewCountRow(SQLModel, table=True):
    """`sum(question.reviews)`, kept by triggers on `question`."""

    __tablename__ = "review_count"
    id: int = _one_row()
    reviews: int = _int()


class PlayCountRow(SQLModel, table=True):
    """The questions in play and how many of them are new, kept by triggers on `question`."""

    __tablename__ = "play_count"
    id: int = _one_row()
    questions: int = _int()
    new: int = _int()


# ---------------------------------------------------------------- triggers


def _family_day_triggers() -> tuple[str, ...]:
    change = family_day_change
    return (
        f"CREATE TRIGGER family_day_added AFTER INSERT ON review BEGIN "
        f"{change('NEW', 1, MATURE_RULE)} END",
        f"CREATE TRIGGER family_day_removed AFTER DELETE ON review BEGIN "
        f"{change('OLD', -1, MATURE_RULE)} END",
        f"CREATE TRIGGER family_day_changed AFTER UPDATE ON review BEGIN "
        f"{change('OLD', -1, MATURE_RULE)} {change('NEW', 1, MATURE_RULE)} END",
    )


_PLAYING = "{row}.suspended = 0 AND {row}.user_suspended = 0"

# What keeps the tallies above (and `question.due`, `question.reviews`) true whatever
# writes the rows they follow.
TRIGGERS: tuple[str, ...] = (
    "CREATE TRIGGER review_added AFTER INSERT ON review BEGIN "
    "UPDATE question SET reviews = reviews + 1 WHERE num = NEW.question_num; "
    "INSERT INTO review_quarter (quarter, reviews, first_id) "
    f"VALUES ({review_quarter_of('NEW')}, 1, NEW.id) "
    "ON CONFLICT (quarter) DO UPDATE SET reviews = reviews + 1, "
    "first_id = min(first_id, excluded.first_id); "
    f"INSERT INTO review_day (day, reviews) VALUES ({review_day('NEW')}, 1) "
    "ON CONFLICT (day) DO UPDATE SET reviews = reviews + 1; END",
    "CREATE TRIGGER review_removed AFTER DELETE ON review BEGIN "
    "UPDATE question SET reviews = reviews - 1 WHERE num = OLD.question_num; "
    "UPDATE review_quarter SET reviews = reviews - 1 "
    f"WHERE quarter = {review_quarter_of('OLD')}; "
    f"UPDATE review_day SET reviews = reviews - 1 WHERE day = {review_day('OLD')}; END",
    "CREATE TRIGGER review_moved AFTER UPDATE OF question_num ON review BEGIN "
    "UPDATE question SET reviews = reviews - 1 WHERE num = OLD.question_num; "
    "UPDATE question SET reviews = reviews + 1 WHERE num = NEW.question_num; END",
    "CREATE TRIGGER question_numbered AFTER INSERT ON question WHEN NEW.num IS NULL BEGIN "
    "UPDATE question SET num = (SELECT coalesce(max(num), 0) + 1 FROM question) "
    "WHERE rowid = NEW.rowid; END",
    "CREATE TRIGGER facet_changed AFTER UPDATE ON facet BEGIN "
    "UPDATE question SET due = CASE "
    "WHEN EXISTS (SELECT 1 FROM facet f WHERE f.question_id = NEW.question_id "
    "AND f.last_review IS NOT NULL) "
    "THEN (SELECT min(f.due) FROM facet f WHERE f.question_id = NEW.question_id) END "
    "WHERE id = NEW.question_id; END",
    *_family_day_triggers(),
    "CREATE TRIGGER review_count_added AFTER INSERT ON question WHEN NEW.reviews <> 0 BEGIN "
    "UPDATE review_count SET reviews = reviews + NEW.reviews; END",
    "CREATE TRIGGER review_count_removed AFTER DELETE ON question WHEN OLD.reviews <> 0 "
    "BEGIN UPDATE review_count SET reviews = reviews - OLD.reviews; END",
    "CREATE TRIGGER review_count_changed AFTER UPDATE OF reviews ON question "
    "WHEN NEW.reviews <> OLD.reviews BEGIN "
    "UPDATE review_count SET reviews = reviews + NEW.reviews - OLD.reviews; END",
    "CREATE TRIGGER play_count_added AFTER INSERT ON question "
    f"WHEN {_PLAYING.format(row='NEW')} BEGIN "
    "UPDATE play_count SET questions = questions + 1, new = new + (NEW.due IS NULL); END",
    "CREATE TRIGGER play_count_removed AFTER DELETE ON question "
    f"WHEN {_PLAYING.format(row='OLD')} BEGIN "
    "UPDATE play_count SET questions = questions - 1, new = new - (OLD.due IS NULL); END",
    "CREATE TRIGGER play_count_changed AFTER UPDATE OF suspended, user_suspended, due "
    f"ON question WHEN ({_PLAYING.format(row='OLD')}) IS NOT ({_PLAYING.format(row='NEW')}) "
    "OR (OLD.due IS NULL) IS NOT (NEW.due IS NULL) BEGIN "
    "UPDATE play_count SET "
    f"questions = questions + ({_PLAYING.format(row='NEW')}) "
    f"- ({_PLAYING.format(row='OLD')}), "
    f"new = new + ({_PLAYING.format(row='NEW')} AND NEW.due IS NULL) "
    f"- ({_PLAYING.format(row='OLD')} AND OLD.due IS NULL); END",
)


def create_schema(engine: Engine) -> None:
    """The schema these models declare, created in an empty database (the tables, their
    indexes, the triggers): what the migrations must arrive at. No rows."""
    SQLModel.metadata.create_all(engine)
    with engine.begin() as connection:
        for trigger in TRIGGERS:
            connection.exec_driver_sql(trigger)
