"""What an answer reads beside the cards (the settings, the FSRS parameters in force, the
interview, the families) is read once and kept (`Store.memo`, keyed by
`Store.basis_version`) while nothing but answers is written. Each test writes what the kept
value comes from in one of the ways it can change (`emdrill config`, this store's own
write, another connection's write, a write it was read inside, a drill's told write) and
fails if the kept value were still used."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from emdrill.cli.main import app
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import grading, opening
from emdrill.ops.answer_context import answer_context
from emdrill.ops.grading import StoryAnswer
from emdrill.ops.kept import KeptQueue
from emdrill.store.db import Store, open_store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def traced(store: Store) -> Iterator[list[str]]:
    trace: list[str] = []
    store.con.set_trace_callback(trace.append)
    yield trace
    store.con.set_trace_callback(None)


def _reads(trace: list[str], table: str) -> int:
    return sum(1 for s in trace if s.startswith("SELECT") and f"FROM {table}" in s)


def _grade(store: Store, qid: str = "alpha-1", at: datetime = T0) -> None:
    grading.grade(store, Clock(now=at, local=UTC), qid, intent=Rating.GOOD,
                  story=StoryAnswer(slot=1), fuzz=False)


def test_answers_and_undo_keep_the_settings_read(store: Store, traced: list[str]) -> None:
    assert opening.settings(store).new_per_day == 10
    _grade(store)
    grading.undo(store)
    traced.clear()
    assert opening.settings(store).new_per_day == 10
    assert answer_context(store).prefs.new_per_day == 10
    assert _reads(traced, "setting") == _reads(traced, "fsrs_parameters") == 0
    assert _reads(traced, "interview") == _reads(traced, "family ") == 0


def test_a_setting_this_store_writes_is_read_again(store: Store) -> None:
    assert opening.settings(store).new_per_day == 10
    opening.change_setting(store, "new-per-day", "3")
    assert opening.settings(store).new_per_day == 3
    assert answer_context(store).prefs.new_per_day == 3


def test_emdrill_config_in_another_connection_is_read_again(store: Store) -> None:
    assert opening.settings(store).adaptive
    assert answer_context(store).prefs.adaptive
    done = CliRunner().invoke(app, ["config", "adaptive", "off"])  # its own connection
    assert done.exit_code == 0, done.output
    assert not opening.settings(store).adaptive
    assert not answer_context(store).prefs.adaptive


def test_another_connections_write_is_read_again(store: Store) -> None:
    assert opening.settings(store).minutes == 5
    other = open_store(store.path, now=T0)
    try:
        with other.transact("set minutes") as con:  # a plain write, as another process's
            con.execute("INSERT INTO setting (key, value) VALUES ('minutes', '7')")
    finally:
        other.close()
    assert opening.settings(store).minutes == 7


def test_a_write_reads_afresh_what_it_changed(store: Store) -> None:
    assert opening.settings(store).minutes == 5
    with store.transact("set minutes") as con:
        con.execute("INSERT INTO setting (key, value) VALUES ('minutes', '9')")
        assert opening.settings(store).minutes == 9  # not the value kept before the write
    assert opening.settings(store).minutes == 9


def test_a_failed_write_keeps_nothing_it_read(store: Store) -> None:
    assert opening.settings(store).minutes == 5
    with pytest.raises(RuntimeError), store.transact("set minutes") as con:
        con.execute("INSERT INTO setting (key, value) VALUES ('minutes', '9')")
        assert opening.settings(store).minutes == 9
        raise RuntimeError("undone")
    assert opening.settings(store).minutes == 5


def test_the_kept_queue_reads_the_context_again_after_a_told_write_that_is_no_answer(
        store: Store) -> None:
    kept = KeptQueue()
    now = T0 + timedelta(days=1)
    assert kept.sync(store, now).context(store).prefs.adaptive
    before = store.version()
    opening.change_setting(store, "adaptive", "off")
    kept.wrote(store, [], before)  # told, as a drill tells it of its suspensions
    assert not kept.sync(store, now).context(store).prefs.adaptive


def test_the_kept_queue_keeps_the_context_over_an_answer_but_not_its_tallies(
        store: Store) -> None:
    _grade(store, at=T0 - timedelta(days=3))  # seen before: the next answer is a test
    kept = KeptQueue()
    held = kept.sync(store, T0).context(store)
    before = store.version()
    grading.grade(store, Clock(now=T0, local=UTC), "alpha-1", intent=Rating.AGAIN,
                  story=StoryAnswer(slot=1), fuzz=False, context=held)
    kept.wrote(store, ["alpha-1"], before)
    after = kept.sync(store, T0).context(store)
    assert after.prefs is held.prefs and after.families is held.families
    assert after.tallies == answer_context(store).tallies != held.tallies
    assert after.fresh(store)


def test_the_interview_and_the_fits_are_kept_over_answers_and_read_again_after_their_writes(
        store: Store, traced: list[str]) -> None:
    """`opening.booked` and `optimize.offer` keep the interview row and the fits on record
    (the home screen reads both on every call): an answer keeps them, booking an interview
    and recording a fit (each a write other than an answer) are seen at the next call."""
    from emdrill.core.fitting import OFFER_AT, StoredFit
    from emdrill.ops import interview as ops_interview
    from emdrill.ops import optimize
    from emdrill.store import interview as store_interview

    clock = Clock(now=T0, local=UTC)
    assert opening.booked(store, clock) is None
    assert not optimize.offer(store)
    _grade(store)
    traced.clear()
    assert opening.booked(store, clock) is None
    assert not optimize.offer(store)
    assert _reads(traced, "interview") == _reads(traced, "fsrs_parameters") == 0
    ops_interview.set_interview(store, clock, (T0 + timedelta(days=9)).date().isoformat())
    found = opening.booked(store, clock)
    assert found is not None and found.at > T0
    with store.transact("answers elsewhere") as con:  # a total past the offer's threshold
        con.execute("UPDATE review_count SET reviews = ?", (OFFER_AT * 10,))
    assert optimize.offer(store)  # no fit on record yet
    store_interview.save_fit(store, StoredFit(  # a fit at the total now
        facet="intent", parameters=None, reviews=0, total_reviews=OFFER_AT * 10,
        log_loss=None, rmse=None, fitted_at=T0))
    assert not optimize.offer(store)
