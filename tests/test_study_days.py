"""Elapsed time counts in study days (04:00 local), for scheduling, recall and the migration.

The reference is fsrs-rs (`fsrs_rs_python`, the engine Anki's own FSRS and emdrill's optimiser
use) fed with study-day gaps: emdrill's memory after any history must equal its memory state.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import fsrs_rs_python as rs
import pytest

from conftest import UNDO_M020
from emdrill.core import scheduler
from emdrill.core.scheduler import Memory, Rating
from emdrill.core.timing import Clock, study_day, study_day_start, study_days_between
from emdrill.ops import decks, grading, opening
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads, memories
from emdrill.store.db import Store
from emdrill.store.migrations import m010_study_days

ZONES: list[tzinfo] = [UTC, timezone(timedelta(hours=5, minutes=30)),
                       timezone(timedelta(hours=-8)), ZoneInfo("Europe/Berlin")]
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MODEL = rs.FSRS(rs.DEFAULT_PARAMETERS)


def reference(history: list[tuple[datetime, Rating]], local: tzinfo) -> tuple[float, float]:
    """fsrs-rs's memory state for `history`, with study days as the gaps."""
    reviews, previous = [], None
    for at, rating in history:
        gap = 0 if previous is None else study_days_between(previous, at, local)
        reviews.append(rs.FSRSReview(int(rating), gap))
        previous = at
    state = MODEL.memory_state(rs.FSRSItem(reviews), None)
    return state.stability, state.difficulty


def replay(history: list[tuple[datetime, Rating]], local: tzinfo, *,
           fuzz: bool = False) -> Memory:
    memory = scheduler.new_memory(history[0][0])
    for at, rating in history:
        memory = scheduler.review(memory, rating, at, local=local, fuzz=fuzz)
    return memory


def generated(seed: int) -> list[tuple[datetime, Rating]]:
    """A history at random times of day (across midnight and 04:00), with same-day steps,
    lapses and long gaps."""
    dice = random.Random(seed)
    at = START + timedelta(minutes=dice.randrange(24 * 60))
    history = []
    for _ in range(dice.randint(2, 14)):
        history.append((at, Rating(dice.choices([1, 2, 3, 4], weights=[2, 1, 6, 1])[0])))
        kind = dice.random()
        if kind < 0.3:
            at += timedelta(minutes=dice.randint(1, 90))  # a learning step, same day
        elif kind < 0.6:
            at += timedelta(hours=dice.uniform(18, 30))  # the next day, earlier or later
        else:
            at += timedelta(days=dice.randint(1, 40), minutes=dice.randint(-600, 600))
    return history


def test_a_next_day_review_earlier_in_the_day_is_a_day_later() -> None:
    """The outside report: Good at 09:00 and 09:10, then Good the next day at 08:30 gave
    stability 2.31 (a same-day review); at 09:30, 7.32. Both are one study day later."""
    first = [(START, Rating.GOOD), (START + timedelta(minutes=10), Rating.GOOD)]
    morning = replay([*first, (START + timedelta(hours=23, minutes=30), Rating.GOOD)], UTC)
    late = replay([*first, (START + timedelta(hours=24, minutes=30), Rating.GOOD)], UTC)
    assert morning.stability == pytest.approx(late.stability)
    assert morning.stability == pytest.approx(7.3192, abs=1e-3)
    assert morning.difficulty == pytest.approx(late.difficulty)


def test_a_review_before_four_belongs_to_the_day_before() -> None:
    late_night = START.replace(hour=0) + timedelta(days=1, hours=3)  # 03:00 the next night
    assert study_days_between(START, late_night, UTC) == 0
    assert study_days_between(START, late_night + timedelta(hours=1), UTC) == 1
    tokyo = timezone(timedelta(hours=9))  # 09:00 UTC is 18:00 there; 04:00 there is 19:00 UTC
    assert study_days_between(START, START + timedelta(hours=9, minutes=59), tokyo) == 0
    assert study_days_between(START, START + timedelta(hours=10, minutes=1), tokyo) == 1


@pytest.mark.parametrize("local", ZONES, ids=["utc", "ist", "pst", "berlin"])
def test_generated_histories_match_fsrs_rs_with_study_day_gaps(local: tzinfo) -> None:
    checked = 0
    for seed in range(60):
        history = generated(seed * 7 + 1)
        expected = reference(history, local)
        for fuzz in (False, True):  # fuzz moves due dates, never the memory
            got = replay(history, local, fuzz=fuzz)
            assert got.stability == pytest.approx(expected[0], rel=1e-3, abs=1e-3), seed
            assert got.difficulty == pytest.approx(expected[1], rel=1e-3, abs=1e-3), seed
        checked += 1
    assert checked == 60  # 240 histories over the four zones


def test_a_review_state_due_date_is_the_start_of_its_study_day() -> None:
    memory = replay([(START, Rating.GOOD), (START + timedelta(minutes=10), Rating.GOOD)], UTC)
    assert memory.state == scheduler.REVIEW and memory.due is not None
    assert memory.due == study_day_start(study_day(memory.due, UTC), UTC)
    # due from 04:00, so a commute at 08:00 that day finds it due
    assert memory.due.hour == 4
    learning = scheduler.review(scheduler.new_memory(START), Rating.GOOD, START, local=UTC,
                                fuzz=False)
    assert learning.due == START + timedelta(minutes=10)  # learning steps stay in minutes


def test_recall_counts_study_days() -> None:
    memory = replay([(START, Rating.GOOD), (START + timedelta(minutes=10), Rating.GOOD)], UTC)
    next_morning = START + timedelta(hours=23)  # 08:00 the next day: one study day
    assert scheduler.retrievability(memory, next_morning, local=UTC) == pytest.approx(
        scheduler.recall_after(memory.stability, 1))
    assert scheduler.retrievability(memory, next_morning, local=UTC) < 1.0
    same_night = START + timedelta(hours=18)  # 03:00: still the same study day
    assert scheduler.retrievability(memory, same_night, local=UTC) == 1.0


# ------------------------------------------------------------------ through the store


@pytest.fixture
def store(home: Path, mini_deck: Path) -> Iterator[Store]:
    store = opening.open_collection(home / "emdrill.db", now=START, autoload=False)
    decks.load_paths(store, [mini_deck], now=START)
    yield store
    store.close()


def _grade_history(store: Store, qid: str, intent: list[tuple[datetime, Rating]],
                   story_right: list[bool], local: tzinfo) -> None:
    for (at, rating), right in zip(intent, story_right, strict=True):
        grading.grade(store, Clock(at, local), qid, intent=rating,
                      story=StoryAnswer(slot=None, verdict=right), fuzz=False)


def test_grades_through_the_store_match_fsrs_rs(store: Store) -> None:
    local = ZONES[3]
    for n, qid in enumerate(["alpha-1", "alpha-2", "beta-1", "beta-2"]):
        history = generated(1000 + n)
        rights = [k % 3 != 1 for k in range(len(history))]  # the story facet differs
        _grade_history(store, qid, history, rights, local)
        card = card_reads.load_card(store, qid)
        intent = reference(history, local)
        story = reference([(at, Rating.GOOD if r else Rating.AGAIN)
                           for (at, _), r in zip(history, rights, strict=True)], local)
        assert card.intent.stability == pytest.approx(intent[0], rel=1e-3, abs=1e-3)
        assert card.intent.difficulty == pytest.approx(intent[1], rel=1e-3, abs=1e-3)
        assert card.story.stability == pytest.approx(story[0], rel=1e-3, abs=1e-3)
        assert card.story.difficulty == pytest.approx(story[1], rel=1e-3, abs=1e-3)
        assert card.intent.stability != card.story.stability  # the facets are not swapped


def _rows(path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    con = sqlite3.connect(path)
    try:
        return (con.execute("SELECT * FROM facet ORDER BY id").fetchall(),
                con.execute("SELECT * FROM review ORDER BY id").fetchall())
    finally:
        con.close()


def _spoil(path: Path) -> None:
    """What the old 24-hour count left behind: other stabilities in the facets and in the
    reviews' saved states."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("UPDATE facet SET stability = stability * 0.5 + 0.1, difficulty = 5.5 "
                "WHERE last_review IS NOT NULL")
    con.execute("UPDATE review SET intent_prev_stability = intent_prev_stability * 2 "
                "WHERE intent_prev_stability IS NOT NULL")
    con.close()


def test_recompute_restores_exact_memories_and_is_idempotent(store: Store, home: Path) -> None:
    local = UTC
    _grade_history(store, "alpha-1", generated(5), [True] * len(generated(5)), local)
    _grade_history(store, "beta-1", generated(6), [False] * len(generated(6)), local)
    path = home / "emdrill.db"
    store.close()
    _as_before_migration_20(path)  # the layout migration 10 runs on
    truth = _rows(path)
    _spoil(path)
    assert _rows(path) != truth
    first = _recompute(path, local)
    assert first.facets == 4 and first.reviews > 0
    after_once = _rows(path)
    _same(after_once, truth)
    second = _recompute(path, local)
    assert (second.facets, second.reviews) == (0, 0)
    assert _rows(path) == after_once


def _as_before_migration_20(path: Path) -> None:
    con = sqlite3.connect(path)
    con.executescript(UNDO_M020)
    con.close()


def _recompute(path: Path, local: tzinfo) -> memories.Recomputed:
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        done = memories.recompute(con, local=local)
        con.execute("COMMIT")
    finally:
        con.close()
    return done


def _same(a: tuple[list[tuple[object, ...]], ...], b: tuple[list[tuple[object, ...]], ...]
          ) -> None:
    """The same rows, floats equal to the last bits a replay can differ in."""
    for rows_a, rows_b in zip(a, b, strict=True):
        for ra, rb in zip(rows_a, rows_b, strict=True):
            for x, y in zip(ra, rb, strict=True):
                if isinstance(x, float) and isinstance(y, float):
                    assert x == pytest.approx(y, rel=1e-12)
                else:
                    assert x == y


def test_migration_10_step_recomputes_a_file_left_by_the_old_count(store: Store,
                                                                   home: Path) -> None:
    """The migration's own step on a file whose memories came from the 24-hour count (the
    backup before any migration is tests/test_backups.py's)."""
    history = generated(11)
    _grade_history(store, "alpha-2", history, [True] * len(history), UTC)
    path = home / "emdrill.db"
    store.close()
    _as_before_migration_20(path)  # the layout migration 10 runs on
    truth = _rows(path)
    _spoil(path)
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        m010_study_days(con)
        con.execute("COMMIT")
    finally:
        con.close()
    _same(_rows(path), truth)
    reopened = opening.open_collection(path, now=START + timedelta(days=400),
                                       autoload=False)
    try:
        card = card_reads.load_card(reopened, "alpha-2")
    finally:
        reopened.close()
    expected = reference(history, UTC)
    assert card.intent.stability == pytest.approx(expected[0], rel=1e-3)
    assert card.intent.difficulty == pytest.approx(expected[1], rel=1e-3)
