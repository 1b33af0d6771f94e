"""One codec per stored type (`store/codec.py`): each round-trips, the plain-SQL reads and
the ORM models decode a row alike, and the column lists the plain SQL reads are the models'."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert
from sqlmodel import Session, create_engine, select

from conftest import ASYMMETRIC, STORE_NOW
from emdrill.core.cards import Question
from emdrill.core.errors import DamagedError
from emdrill.core.scheduler import Memory
from emdrill.store import card_reads, codec, health, tables
from emdrill.store.db import Store

ZONES = st.builds(lambda m: timezone(timedelta(minutes=m)), st.integers(-14 * 60, 14 * 60))
TIMES = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(9000, 1, 1),
                     timezones=ZONES)
MEMORIES = st.builds(
    Memory, state=st.integers(1, 3), step=st.none() | st.integers(0, 5),
    stability=st.none() | st.floats(0.001, 1e6), difficulty=st.none() | st.floats(1, 10),
    due=TIMES.map(lambda t: t.astimezone(UTC)),
    last_review=st.none() | TIMES.map(lambda t: t.astimezone(UTC)))


@given(TIMES, TIMES)
def test_a_time_reads_back_and_its_text_sorts_as_time_does(a: datetime, b: datetime) -> None:
    assert codec.from_db_time(codec.to_db_time(a)) == a
    assert codec.from_db_time(codec.to_db_time(a)).tzinfo == UTC
    assert (codec.to_db_time(a) < codec.to_db_time(b)) == (a < b)
    assert len(codec.to_db_time(a)) == 32


def test_a_naive_time_is_refused_and_a_broken_one_is_damage() -> None:
    with pytest.raises(ValueError, match="naive"):
        codec.to_db_time(datetime(2026, 1, 1))
    with pytest.raises(DamagedError, match="'yesterday' cannot be read"):
        codec.from_db_time("yesterday")


@given(st.lists(st.text() | st.integers(-10**6, 10**6)))
def test_a_list_reads_back(values: list[object]) -> None:
    assert codec.json_list(codec.to_json_list(values)) == values


def test_a_list_keeps_non_ascii_and_anything_else_is_damage() -> None:
    assert codec.to_json_list(["équipe"]) == '["équipe"]'
    assert codec.json_list(None) == [] and codec.json_list("") == []
    for broken in ('{"a": 1}', "[1,", "3"):
        with pytest.raises(DamagedError, match="cannot be read"):
            codec.json_list(broken)


@given(MEMORIES)
def test_a_memory_reads_back(memory: Memory) -> None:
    values = codec.memory_values(memory)
    assert len(values) == len(codec.MEMORY_COLUMNS)
    assert codec.memory_of(values) == memory


def test_a_memory_without_a_due_date_is_never_written() -> None:
    with pytest.raises(ValueError, match="due date"):
        codec.memory_values(Memory(due=None))


def _columns(model: type) -> list[str]:
    return [c.name for c in model.__table__.columns]  # type: ignore[attr-defined]


def test_the_plain_sql_reads_the_models_columns() -> None:
    """The column lists the hot path reads without SQLAlchemy are the models' own."""
    facet = _columns(tables.FacetRow)
    assert tuple(facet[-len(codec.MEMORY_COLUMNS):]) == codec.MEMORY_COLUMNS
    review = _columns(tables.ReviewRow)
    for kind in ("intent", "story"):
        start = review.index(f"{kind}_prev_state")
        assert tuple(review[start:start + 6]) == tuple(
            f"{kind}_prev_{c}" for c in codec.MEMORY_COLUMNS)
    assert set(codec.QUESTION_COLUMNS) <= set(_columns(tables.QuestionRow))
    assert codec.memory_columns("i.") == ", ".join(f"i.{c}" for c in codec.MEMORY_COLUMNS)


def _orm_memories(path: Path, question: str) -> dict[str, Memory]:
    """Each facet's memory as the ORM model decodes its row (its own engine on the file)."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with Session(engine) as s:
            rows = s.exec(select(tables.FacetRow).where(tables.FacetRow.question_id == question))
            return {r.kind: Memory(**{c: getattr(r, c) for c in codec.MEMORY_COLUMNS})
                    for r in rows}
    finally:
        engine.dispose()


def test_each_facet_reads_back_its_own_memory_by_sql_and_by_the_orm(asymmetric: Store) -> None:
    """Two questions graded facet against facet (conftest ASYMMETRIC): the plain-SQL card,
    the raw columns through the codec and the ORM's row give each facet the same memory,
    and the intent's is not the story's."""
    for question, _intent, _right in ASYMMETRIC:
        card = card_reads.load_card(asymmetric, question)
        assert card.intent != card.story  # a swap of the facets would show
        assert card.intent.last_review == card.story.last_review == STORE_NOW
        with asymmetric.read() as con:
            raw = {kind: codec.memory_of(rest) for kind, *rest in con.execute(
                f"SELECT kind, {codec.memory_columns()} FROM facet WHERE question_id = ?",
                (question,))}
        assert raw == {"intent": card.intent, "story": card.story}
        assert _orm_memories(asymmetric.path, question) == raw


def test_what_the_orm_writes_the_codec_reads_and_back(tmp_path: Path) -> None:
    """A memory written by the ORM model reads back by the codec, and a row written by the
    codec reads back through the ORM, both exactly."""
    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    tables.create_schema(engine)
    memory = Memory(state=2, step=None, stability=12.5, difficulty=4.25,
                    due=datetime(2026, 3, 9, 4, tzinfo=UTC),
                    last_review=datetime(2026, 3, 2, 9, 30, 1, 5, tzinfo=UTC))
    with Session(engine) as s:
        s.add(tables.QuestionRow(id="q", deck_id="d", family="f", text="t", intent="i",
                                 story=1, system="team", added_at=STORE_NOW))
        s.add(tables.FacetRow(question_id="q", kind="intent",
                              **{c: getattr(memory, c) for c in codec.MEMORY_COLUMNS}))
        s.commit()
    con = sqlite3.connect(tmp_path / "c.db")
    row = con.execute(f"SELECT {codec.memory_columns()} FROM facet").fetchone()
    assert codec.memory_of(row) == memory
    assert row == codec.memory_values(memory)
    other = Memory(due=datetime(2026, 4, 1, tzinfo=timezone(timedelta(hours=-5))))
    con.execute(f"INSERT INTO facet (question_id, kind, {codec.memory_columns()}) "
                "VALUES ('q', 'story', ?, ?, ?, ?, ?, ?)", codec.memory_values(other))
    con.commit()
    engine.dispose()
    assert _orm_memories(tmp_path / "c.db", "q") == {"intent": memory, "story": other}


def test_a_question_the_models_write_from_its_content_reads_back_whole(tmp_path: Path) -> None:
    """The one question codec: what a deck load writes through the model
    (`question_content`) reads back by plain SQL (`question_of`) as the same question, every
    list and text field in place, non-ASCII kept."""
    q = Question(id="q-1", deck="d", family="conflict", text="Désaccord: «why»?",
                 intent="Ownership", story=3, also=(5, 7), probes=("How?", "Then?"),
                 system="team", traits=("calm",), pitfall="blame", follow_ups=("Next?",),
                 siblings=("q-2",), position=4, draft=("intent", "story"))
    assert set(codec.question_content(q)) <= set(codec.QUESTION_COLUMNS)
    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    tables.create_schema(engine)
    with Session(engine) as s:
        s.execute(insert(tables.QuestionRow), [{"id": q.id, "deck_id": q.deck,
                                                "added_at": STORE_NOW,
                                                **codec.question_content(q)}])
        s.commit()
    engine.dispose()
    con = sqlite3.connect(tmp_path / "c.db")
    row = con.execute(f"SELECT {codec.question_columns()} FROM question").fetchone()
    assert codec.question_of(row) == q


def _typed(kind: type) -> dict[str, tuple[str, ...]]:
    found = {}
    for model in (m for m in vars(tables).values() if hasattr(m, "__table__")):
        table = model.__table__
        names = tuple(c.name for c in table.columns if isinstance(c.type, kind))
        if names:
            found[table.name] = names
    return found


def test_the_check_reads_back_every_time_and_list_the_models_declare() -> None:
    """`emdrill check` (store/health.py, read on every open: no models there) looks at the
    very columns the models store through the time and the list codec."""
    assert _typed(tables.UTCDateTime) == health.TIME_COLUMNS
    assert _typed(tables.UTCMicros) == health.MICROS_COLUMNS
    assert _typed(tables.JSONList) == health.JSON_COLUMNS
