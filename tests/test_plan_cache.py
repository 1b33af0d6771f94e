"""The interview plan made once a study day (`ops.interview.day_plan`): a drill's queue with
the kept plan is the queue the plan made afresh gives, over several simulated days of
answers, and the kept plan is made again when the day, the plan, its scope or the settings
change. Real SQLite, explicit clocks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from conftest import DECK_HEADER, question
from emdrill.cli.base import open_here
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import decks, grading, home_status, opening, queueing
from emdrill.ops import interview as plan
from emdrill.ops.grading import StoryAnswer
from emdrill.store.db import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FAMILIES = ("alpha", "beta", "gamma", "delta")


def clock(at: datetime) -> Clock:
    return Clock(now=at, local=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "deck.toml"
    header = DECK_HEADER + "".join(
        f'\n[[families]]\nslug = "{f}"\nname = "{f.title()}"\nprobes = "What {f} probes."\n'
        for f in FAMILIES[2:])
    path.write_text(header + "".join(
        question(f"{FAMILIES[i % 4]}-{i}", FAMILIES[i % 4], story=1 + i % 8, also="[]")
        for i in range(48)), encoding="utf-8")
    opened = open_here(autoload=False)
    decks.load_paths(opened, [path], now=T0)
    plan.forget_day_plans()
    yield opened
    plan.forget_day_plans()


def queues(store: Store, at: Clock, monkeypatch: pytest.MonkeyPatch,
           ) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """The whole queue now: with the kept day plan, and with the plan made afresh."""
    kept = [(i.card.id, i.new) for i in queueing.next_queue(store, at)]
    with monkeypatch.context() as m:
        m.setattr(plan, "today", partial(plan.today, cached=False))
        fresh = [(i.card.id, i.new) for i in queueing.next_queue(store, at)]
    return kept, fresh


def makes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts each time a day plan is made."""
    made: list[int] = []
    real = plan._make_day

    def counting(*args: object, **kwargs: object) -> plan.DayPlan:
        made.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(plan, "_make_day", counting)
    return made


def test_each_days_kept_plan_gives_the_fresh_plans_queue_over_days_of_answers(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """At each day's first drill the two agree; during the day the kept plan holds the
    morning's allowance and order, less the new questions introduced since (the fresh plan,
    made after every answer, may move its allowance by one as misses add load)."""
    opening.change_setting(store, "minutes", "3")
    plan.set_interview(store, clock(T0), "2026-03-12")
    made = makes(monkeypatch)
    prefs = opening.settings(store)
    calls = 0
    for day in range(6):
        at = T0 + timedelta(days=day)
        kept, fresh = queues(store, clock(at), monkeypatch)
        assert kept == fresh, day
        morning = plan.today(store, clock(at), prefs)
        assert morning is not None
        introduced = 0
        for step in range(1, 15):
            if not kept:
                break
            rating = Rating.AGAIN if step % 3 == 0 else Rating.GOOD
            grading.grade(store, clock(at + timedelta(minutes=step - 1)), kept[0][0],
                          intent=rating, story=StoryAnswer(verdict=step % 4 != 0),
                          fuzz=False)
            introduced += kept[0][1]
            now = clock(at + timedelta(minutes=step))
            kept = [(i.card.id, i.new) for i in queueing.next_queue(store, now)]
            calls += 1
            day_now = plan.today(store, now, prefs)
            assert day_now is not None
            assert day_now.allowance == max(0, morning.allowance - introduced)
            order = [qid for qid in morning.fresh]
            shown = [qid for qid, new in kept if new]
            assert shown == [qid for qid in order if qid in set(shown)]
    # one plan made a day for the kept path (and one per comparison for the fresh path)
    assert sum(made) == 6 + 6
    assert calls > 30


def test_a_grade_takes_one_from_the_days_allowance_and_undo_gives_it_back(
        store: Store) -> None:
    plan.set_interview(store, clock(T0), "2026-03-12")
    prefs = opening.settings(store)
    before = plan.today(store, clock(T0), prefs)
    assert before is not None and before.allowance >= 2
    first = queueing.next_queue(store, clock(T0), limit=1)[0]
    assert first.new
    graded = grading.grade(store, clock(T0), first.card.id, intent=Rating.GOOD,
                           story=StoryAnswer(verdict=True), fuzz=False)
    after = plan.today(store, clock(T0 + timedelta(minutes=1)), prefs)
    assert after is not None and after.allowance == before.allowance - 1
    assert first.card.id not in [i.card.id for i in queueing.next_queue(
        store, clock(T0 + timedelta(minutes=1))) if i.new]
    grading.undo_review(store, graded.review_id)
    again = plan.today(store, clock(T0 + timedelta(minutes=2)), prefs)
    assert again is not None and again.allowance == before.allowance
    assert queueing.next_queue(store, clock(T0 + timedelta(minutes=2)),
                               limit=1)[0].card.id == first.card.id


@pytest.mark.parametrize("change", ["setting", "scope", "date", "day", "suspend"])
def test_the_kept_plan_is_made_again_when_what_it_was_made_from_changes(
        store: Store, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    plan.set_interview(store, clock(T0), "2026-03-12")
    made = makes(monkeypatch)
    queueing.next_queue(store, clock(T0))
    queueing.next_queue(store, clock(T0 + timedelta(minutes=5)))
    assert sum(made) == 1  # the same day, nothing changed: the kept plan
    at = clock(T0 + timedelta(minutes=6))
    if change == "setting":
        opening.change_setting(store, "minutes", "2")
    elif change == "scope":
        plan.set_interview(store, at, "2026-03-12", families=["alpha"])
    elif change == "date":
        plan.set_interview(store, at, "2026-03-20")
    elif change == "day":
        at = clock(T0 + timedelta(days=1))
    else:
        from emdrill.ops import set_aside

        set_aside.suspend(store, ["alpha-0"])
    kept, fresh = queues(store, at, monkeypatch)
    assert sum(made) == 3  # made again for the kept path, and once for the fresh path
    assert kept == fresh


def test_the_home_screen_counts_the_day_plans_new_questions(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    plan.set_interview(store, clock(T0), "2026-03-12")
    made = makes(monkeypatch)
    first = home_status.status(store, clock(T0))
    assert sum(made) == 0  # the home screen's plan is kept as the day plan
    queue = queueing.next_queue(store, clock(T0))
    assert sum(made) == 0
    assert first.new_today == sum(1 for i in queue if i.new) > 0
    new_one = next(i for i in queue if i.new)
    grading.grade(store, clock(T0), new_one.card.id, intent=Rating.AGAIN,
                  story=StoryAnswer(verdict=False), fuzz=False)
    later = clock(T0 + timedelta(minutes=1))
    assert home_status.status(store, later).new_today == first.new_today - 1
    day = plan.today(store, later, opening.settings(store))
    assert day is not None and day.allowance == first.new_today - 1
