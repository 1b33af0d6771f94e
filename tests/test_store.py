"""The SQLite store: migrations, refusing foreign or newer files, UTC, undo."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import SQLModel

from conftest import UNDO_M019, UNDO_M020
from emdrill.cli.base import open_here
from emdrill.core.errors import NothingToUndoError, StoreError
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import decks, grading
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads
from emdrill.store.codec import from_db_time, to_db_micros, to_db_time
from emdrill.store.db import Store, open_store
from emdrill.store.migrations import LATEST, MIGRATIONS

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _columns(con: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in con.execute(f"PRAGMA table_info({table})")}


def test_migrations_on_blank_database_give_the_model_schema(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    open_store(path).close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == LATEST
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for name, table in SQLModel.metadata.tables.items():
        assert name in tables
        assert _columns(con, name) == {c.name for c in table.columns}, name
    assert {"deck", "family", "slot", "question", "facet", "review", "setting"} <= tables


def test_reopening_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "again.db"
    open_store(path).close()
    open_store(path).close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == LATEST


def test_newer_schema_is_refused_and_left_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE question (id TEXT)")
    con.execute(f"PRAGMA user_version={LATEST + 5}")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer than this emdrill"):
        open_store(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("content", [b"this is not sqlite at all" * 100, b"\x00" * 4096])
def test_damaged_file_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(content)
    with pytest.raises(StoreError, match=str(path)):
        open_store(path)
    assert path.read_bytes() == content


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (body TEXT)")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not an emdrill database"):
        open_store(path)
    assert path.read_bytes() == before


# Fixed offsets: zone-database times inside a DST gap do not name a real instant.
_OFFSETS = st.builds(timezone, st.timedeltas(min_value=-timedelta(hours=23),
                                             max_value=timedelta(hours=23)))


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 1, 1),
                    timezones=_OFFSETS))
def test_utc_text_round_trip(value: datetime) -> None:
    back = from_db_time(to_db_time(value))
    assert back == value
    assert back.tzinfo == UTC


def test_db_time_sorts_as_time() -> None:
    a = datetime(2026, 1, 1, 23, 0, tzinfo=UTC)
    b = datetime(2026, 1, 2, 1, 0, tzinfo=UTC).astimezone()
    assert (to_db_time(a) < to_db_time(b)) == (a < b)


def _loaded(mini_deck: Path) -> Store:
    store = open_here(autoload=False)
    decks.load_paths(store, [mini_deck], now=T0)
    return store


def test_grade_then_undo_restores_exact_state(mini_deck: Path) -> None:
    store = _loaded(mini_deck)
    clock = Clock(now=T0, local=UTC)
    before = card_reads.load_card(store, "alpha-1")
    grading.grade(store, clock, "alpha-1", intent=Rating.GOOD, story=StoryAnswer(slot=1))
    later = Clock(now=T0 + timedelta(minutes=12), local=UTC)
    middle = card_reads.load_card(store, "alpha-1")
    grading.grade(store, later, "alpha-1", intent=Rating.AGAIN, story=StoryAnswer(slot=3))
    assert card_reads.load_card(store, "alpha-1") != middle
    grading.undo(store)
    assert card_reads.load_card(store, "alpha-1") == middle
    grading.undo(store)
    assert card_reads.load_card(store, "alpha-1") == before
    with pytest.raises(NothingToUndoError):
        grading.undo(store)


def test_review_row_records_everything(mini_deck: Path) -> None:
    store = _loaded(mini_deck)
    clock = Clock(now=T0, local=UTC)
    grading.grade(store, clock, "beta-2", intent=Rating.HARD, story=StoryAnswer(slot=1),
                  seconds=12.5, mode="drill")
    con = sqlite3.connect(store.path)
    row = con.execute("SELECT q.id, reviewed_at, intent_rating, story_rating, slot_named,"
                      " seconds, mode, intent_prev_state, story_prev_last_review FROM review r"
                      " JOIN question q ON q.num = r.question_num").fetchone()
    assert row == ("beta-2", to_db_micros(T0), 2, 1, 1, 12.5, 0, 1, None)


def test_migration_3_keeps_every_review_and_lets_a_review_grade_one_facet(
        tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:  # the schema as main shipped it: both ratings required
        assert isinstance(script, str)
        con.executescript(script)
    con.execute("PRAGMA user_version=2")
    t = "2026-03-01T08:00:00.000000+00:00"
    con.execute("INSERT INTO question (id, deck_id, family, text, intent, story, system, "
                "added_at) VALUES ('q', 'd', 'f', 't', 'i', 1, 'team', ?)", (t,))
    con.execute("INSERT INTO review (question_id, reviewed_at, intent_rating, story_rating, "
                "mode, intent_prev_state, intent_prev_due, story_prev_state, story_prev_due) "
                "VALUES ('q', ?, 2, 3, 'drill', 1, ?, 1, ?)", (t, t, t))
    con.commit()
    before = con.execute("SELECT * FROM review").fetchall()
    con.close()
    open_store(path).close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == LATEST
    con.executescript(UNDO_M020)  # back to the text layout, to compare with it
    assert con.execute("SELECT * FROM review").fetchall() == before
    con.execute("UPDATE review SET story_rating = NULL")  # one facet graded: allowed now
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        con.execute("UPDATE review SET intent_rating = NULL")  # no facet graded: refused
    con.close()


def test_migration_7_adds_drafts_and_keeps_the_questions(tmp_path: Path,
                                                          mini_deck: Path) -> None:
    from emdrill.store.migrations import (
        FAMILY_DAY_COUNTS_M004,
        M002_STORIES_SYSTEMS,
        M007_DRAFTS,
        MATURE_RULE_M004,
        MIGRATIONS,
        _family_day_triggers,
    )

    path = tmp_path / "v3.db"
    store = open_store(path)
    decks.load_paths(store, [mini_deck], now=T0)
    store.close()
    con = sqlite3.connect(path)
    con.executescript(UNDO_M020)
    con.executescript("DROP TRIGGER family_day_added; DROP TRIGGER family_day_removed; "
                      "DROP TRIGGER family_day_changed;"  # migrations 15 and 19
                      + _family_day_triggers(MATURE_RULE_M004, FAMILY_DAY_COUNTS_M004, "text"))
    con.executescript(UNDO_M019)  # migration 19
    con.execute("ALTER TABLE question DROP COLUMN draft")  # back to what migration 6 left
    con.execute("DROP TABLE interview")  # and what came after 7
    con.execute("DROP TABLE fsrs_parameters")
    con.execute("DROP INDEX question_family_due")
    con.executescript("""
        DROP INDEX question_due; DROP INDEX question_new; DROP INDEX review_lapse;
        ALTER TABLE question DROP COLUMN user_suspended;
        ALTER TABLE question DROP COLUMN buried_until;
        CREATE INDEX question_due ON question (suspended, due);
        CREATE INDEX question_new ON question (suspended, new_order) WHERE due IS NULL;
    """)  # and what migration 11 changed
    con.execute("ALTER TABLE rehearsal DROP COLUMN answer_text")  # migration 12
    con.execute("ALTER TABLE rehearsal DROP COLUMN findings")
    con.execute("DROP TABLE system")  # migration 13 widened its categories
    con.execute(M002_STORIES_SYSTEMS[M002_STORIES_SYSTEMS.index("CREATE TABLE system"):])
    con.execute("DROP TABLE exam_answer")
    con.execute("DROP TABLE exam")
    con.execute("DROP TABLE quick_checked")  # migration 18
    con.execute("PRAGMA user_version=6")
    con.commit()
    con.close()
    assert MIGRATIONS[6] == M007_DRAFTS
    store = open_store(path)
    assert store.migrated_from == 6
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*), min(draft), max(draft) FROM question").fetchone() == (
        6, "[]", "[]")


def test_the_schema_fingerprint_is_the_one_the_migrations_make(tmp_path: Path) -> None:
    """Every open compares the file's schema with `LATEST_SCHEMA_DIGEST` in one step; a new
    migration must update it (the value to write is in the message)."""
    from emdrill.store import health
    from emdrill.store.db import expected_schema
    from emdrill.store.migrations import LATEST_SCHEMA_DIGEST

    made = health.schema_digest(expected_schema(LATEST))
    assert made == LATEST_SCHEMA_DIGEST, f"set LATEST_SCHEMA_DIGEST = {made!r}"
    path = tmp_path / "e.db"
    open_store(path).close()
    con = sqlite3.connect(path)
    assert health.schema_digest(health.schema_rows(con)) == made
    con.execute("ANALYZE")  # the planner's statistics are not part of the schema
    con.commit()
    assert health.schema_digest(health.schema_rows(con)) == made


def test_a_changed_schema_still_fails_the_open_after_the_one_step_check(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    open_store(path).close()
    con = sqlite3.connect(path)
    con.execute("DROP INDEX question_family_due")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="question_family_due"):
        open_store(path)
    assert path.read_bytes() == before


def test_review_total_is_one_row_that_follows_every_write_of_question_reviews(
        tmp_path: Path) -> None:
    """`review_total` (what `optimize` counts, on every status) reads `review_count`, which
    triggers on `question` keep equal to `sum(question.reviews)` through rows inserted with
    reviews, updated and deleted (the writers themselves: tests/test_home_tallies.py)."""
    from emdrill.store import interview as store_interview

    path = tmp_path / "e.db"
    open_store(path).close()
    con = sqlite3.connect(path)
    con.executemany(
        "INSERT INTO question (id, deck_id, family, text, intent, story, system, added_at, "
        "reviews) VALUES (?, 'd', 'f', ?, 'i', 1, 'team', '2026-01-01T00:00:00+00:00', ?)",
        [(f"q-{i}", "t" * 700, i * 7 % 13) for i in range(40)])
    con.execute("UPDATE question SET reviews = reviews + 3 WHERE id IN ('q-1', 'q-2')")
    con.execute("UPDATE question SET reviews = 0 WHERE id = 'q-5'")
    con.execute("DELETE FROM question WHERE id IN ('q-6', 'q-7')")
    con.commit()
    plan = " ".join(row[-1] for row in con.execute(
        "EXPLAIN QUERY PLAN SELECT reviews FROM review_count"))
    assert "question" not in plan, plan
    scan = con.execute("SELECT sum(reviews) FROM question").fetchone()[0]
    con.close()
    store = open_store(path)
    expected = sum(i * 7 % 13 for i in range(40) if i not in (5, 6, 7)) + 6
    assert store_interview.review_total(store) == scan == expected
    store.close()
