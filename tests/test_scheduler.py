"""The scheduler wrapper agrees with fsrs, and the story rating rule is right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fsrs
import pytest

from emdrill.core import scheduler
from emdrill.core.scheduler import Memory, Rating

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SEQUENCE = [Rating.GOOD, Rating.GOOD, Rating.AGAIN, Rating.GOOD, Rating.EASY, Rating.HARD]


def _ours(ratings: list[Rating], retention: float = 0.9) -> list[timedelta]:
    memory, now, intervals = scheduler.new_memory(T0), T0, []
    for rating in ratings:
        memory = scheduler.review(memory, rating, now, retention=retention, fuzz=False)
        assert memory.due is not None
        intervals.append(memory.due - now)
        now = memory.due
    return intervals


def _reference(ratings: list[Rating], retention: float = 0.9) -> list[timedelta]:
    sched = fsrs.Scheduler(desired_retention=retention, enable_fuzzing=False)
    card, now, intervals = fsrs.Card(card_id=1, due=T0), T0, []
    for rating in ratings:
        card, _ = sched.review_card(card, fsrs.Rating(int(rating)), review_datetime=now)
        intervals.append(card.due - now)
        now = card.due
    return intervals


def test_fixed_sequence_matches_fsrs() -> None:
    ours = _ours(SEQUENCE)
    assert ours == _reference(SEQUENCE)
    # learning steps first (minutes), then days once in review
    assert ours[0] == timedelta(minutes=10)
    assert ours[1] >= timedelta(days=1)
    assert ours[2] == timedelta(minutes=10)  # a lapse goes to the relearning step


def test_both_facets_schedule_independently() -> None:
    intent = _ours([Rating.GOOD, Rating.GOOD, Rating.GOOD])
    story = _ours([Rating.AGAIN, Rating.AGAIN, Rating.GOOD])
    assert intent == _reference([Rating.GOOD, Rating.GOOD, Rating.GOOD])
    assert story == _reference([Rating.AGAIN, Rating.AGAIN, Rating.GOOD])
    assert intent[-1] > story[-1]


def test_higher_retention_gives_shorter_intervals() -> None:
    assert _ours(SEQUENCE[:3] + [Rating.GOOD] * 3, 0.95)[-1] < _ours(
        SEQUENCE[:3] + [Rating.GOOD] * 3, 0.90)[-1]


def test_review_leaves_input_untouched_and_is_utc() -> None:
    before = scheduler.new_memory(T0)
    after = scheduler.review(before, Rating.GOOD, T0.astimezone(), fuzz=False)
    assert before == scheduler.new_memory(T0)
    assert after.due is not None and after.due.tzinfo == UTC
    assert after.last_review == T0


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValueError):
        scheduler.review(Memory(due=T0), Rating.GOOD, datetime(2026, 1, 1))


def test_retrievability() -> None:
    assert scheduler.retrievability(scheduler.new_memory(T0), T0) == 0.0
    memory = scheduler.review(scheduler.new_memory(T0), Rating.GOOD, T0, fuzz=False)
    memory = scheduler.review(memory, Rating.GOOD, T0 + timedelta(minutes=10), fuzz=False)
    assert memory.due is not None and memory.stability is not None
    at_due = scheduler.retrievability(memory, memory.due)
    later = scheduler.retrievability(memory, memory.due + timedelta(days=30))
    assert 0.85 < at_due <= 1.0
    assert later < at_due
    reference = fsrs.Scheduler().get_card_retrievability(
        fsrs.Card(card_id=1, state=fsrs.State(memory.state), step=memory.step,
                  stability=memory.stability, difficulty=memory.difficulty, due=memory.due,
                  last_review=memory.last_review), memory.due + timedelta(days=30))
    assert later == pytest.approx(reference)


def test_preview_has_every_rating_in_order() -> None:
    memory = scheduler.review(scheduler.new_memory(T0), Rating.GOOD, T0, fuzz=False)
    memory = scheduler.review(memory, Rating.GOOD, T0 + timedelta(minutes=10), fuzz=False)
    now = T0 + timedelta(days=3)
    dues = [m.due for m in scheduler.preview(memory, now).values()]
    assert all(d is not None for d in dues)
    assert dues == sorted(dues)  # type: ignore[type-var]
    assert len(set(dues)) == 4


@pytest.mark.parametrize(
    ("named", "expected"),
    [(6, Rating.GOOD), (5, Rating.HARD), (8, Rating.HARD), (1, Rating.AGAIN), (None, Rating.AGAIN)],
)
def test_story_rating_rule(named: int | None, expected: Rating) -> None:
    assert scheduler.story_rating(named, primary=6, also=(5, 8)) == expected


def test_story_verdict_rating() -> None:
    assert scheduler.story_verdict_rating(True) == Rating.GOOD
    assert scheduler.story_verdict_rating(False) == Rating.AGAIN


def test_rating_parse() -> None:
    assert Rating.parse(" Good ") == Rating.GOOD
    with pytest.raises(ValueError, match="again, hard, good, easy"):
        Rating.parse("great")


def test_closed_form_retrievability_matches_fsrs() -> None:
    import fsrs

    from emdrill.core.scheduler import Memory, retrievability

    reference = fsrs.Scheduler(enable_fuzzing=False)
    last = datetime(2026, 1, 1, 8, tzinfo=UTC)
    for stability, days in [(0.5, 0), (2.0, 1), (10.0, 7), (40.0, 90), (3.3, 400)]:
        memory = Memory(state=2, step=None, stability=stability, difficulty=5.0,
                        due=last, last_review=last)
        now = last + timedelta(days=days, hours=5)
        card = fsrs.Card(card_id=1, state=fsrs.State.Review, step=None, stability=stability,
                         difficulty=5.0, due=last, last_review=last)
        assert retrievability(memory, now) == pytest.approx(
            reference.get_card_retrievability(card, now), abs=1e-12)
