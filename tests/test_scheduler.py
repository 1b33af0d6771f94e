"""The scheduler wrapper agrees with fsrs, and the story rating rule is right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fsrs
import fsrs_rs_python as rs
import pytest

from emdrill.core import scheduler
from emdrill.core.scheduler import Memory, Rating
from emdrill.core.timing import study_days_between

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SEQUENCE = [Rating.GOOD, Rating.GOOD, Rating.AGAIN, Rating.GOOD, Rating.EASY, Rating.HARD]


def _ours(ratings: list[Rating], retention: float = 0.9) -> list[timedelta]:
    memory, now, intervals = scheduler.new_memory(T0), T0, []
    for rating in ratings:
        memory = scheduler.review(memory, rating, now, retention=retention, fuzz=False, local=UTC)
        assert memory.due is not None
        intervals.append(memory.due - now)
        now = memory.due
    return intervals


def _reference(ratings: list[Rating]) -> list[float]:
    """fsrs-rs's stability after each rating, answered at emdrill's due times, with the
    study days between answers as the gaps (see tests/test_study_days.py for the full
    comparison over generated histories)."""
    memory, now, gaps, out = scheduler.new_memory(T0), T0, [], []
    last: datetime | None = None
    for rating in ratings:
        gaps.append(rs.FSRSReview(int(rating), 0 if last is None else
                                  study_days_between(last, now, UTC)))
        out.append(rs.FSRS(rs.DEFAULT_PARAMETERS).memory_state(rs.FSRSItem(gaps), None)
                   .stability)
        memory = scheduler.review(memory, rating, now, fuzz=False, local=UTC)
        assert memory.due is not None
        last, now = now, memory.due
    return out


def _stabilities(ratings: list[Rating]) -> list[float]:
    memory, now, out = scheduler.new_memory(T0), T0, []
    for rating in ratings:
        memory = scheduler.review(memory, rating, now, fuzz=False, local=UTC)
        assert memory.due is not None and memory.stability is not None
        out.append(memory.stability)
        now = memory.due
    return out


def test_fixed_sequence_matches_fsrs() -> None:
    ours = _ours(SEQUENCE)
    assert _stabilities(SEQUENCE) == pytest.approx(_reference(SEQUENCE), rel=1e-4)
    # learning steps first (minutes), then days once in review
    assert ours[0] == timedelta(minutes=10)
    assert ours[1] >= timedelta(hours=19)  # due from 04:00 of its day
    assert ours[2] == timedelta(minutes=10)  # a lapse goes to the relearning step
    assert all(d >= timedelta(hours=23) for d in ours[3:])  # whole study days


def test_both_facets_schedule_independently() -> None:
    intent = [Rating.GOOD, Rating.GOOD, Rating.GOOD]
    story = [Rating.AGAIN, Rating.AGAIN, Rating.GOOD]
    assert _stabilities(intent) == pytest.approx(_reference(intent), rel=1e-4)
    assert _stabilities(story) == pytest.approx(_reference(story), rel=1e-4)
    assert _ours(intent)[-1] > _ours(story)[-1]


def test_higher_retention_gives_shorter_intervals() -> None:
    assert _ours(SEQUENCE[:3] + [Rating.GOOD] * 3, 0.95)[-1] < _ours(
        SEQUENCE[:3] + [Rating.GOOD] * 3, 0.90)[-1]


def test_review_leaves_input_untouched_and_is_utc() -> None:
    before = scheduler.new_memory(T0)
    after = scheduler.review(before, Rating.GOOD, T0.astimezone(), fuzz=False, local=UTC)
    assert before == scheduler.new_memory(T0)
    assert after.due is not None and after.due.tzinfo == UTC
    assert after.last_review == T0


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValueError):
        scheduler.review(Memory(due=T0), Rating.GOOD, datetime(2026, 1, 1), local=UTC)


def test_retrievability() -> None:
    assert scheduler.retrievability(scheduler.new_memory(T0), T0, local=UTC) == 0.0
    memory = scheduler.review(scheduler.new_memory(T0), Rating.GOOD, T0, fuzz=False, local=UTC)
    memory = scheduler.review(memory, Rating.GOOD, T0 + timedelta(minutes=10), fuzz=False,
                              local=UTC)
    assert memory.due is not None and memory.stability is not None
    at_due = scheduler.retrievability(memory, memory.due, local=UTC)
    later = scheduler.retrievability(memory, memory.due + timedelta(days=30), local=UTC)
    assert 0.85 < at_due <= 1.0
    assert later < at_due
    # py-fsrs's curve, at the study days elapsed (its own count would say one day fewer:
    # the last review was at 09:10, the due date is 04:00)
    assert memory.last_review is not None
    days = study_days_between(memory.last_review, memory.due + timedelta(days=30), UTC)
    reference = fsrs.Scheduler().get_card_retrievability(
        fsrs.Card(card_id=1, state=fsrs.State(memory.state), step=memory.step,
                  stability=memory.stability, difficulty=memory.difficulty, due=memory.due,
                  last_review=memory.due + timedelta(days=30) - timedelta(days=days)),
        memory.due + timedelta(days=30))
    assert later == pytest.approx(reference)


def test_preview_has_every_rating_in_order() -> None:
    memory = scheduler.review(scheduler.new_memory(T0), Rating.GOOD, T0, fuzz=False, local=UTC)
    memory = scheduler.review(memory, Rating.GOOD, T0 + timedelta(minutes=10), fuzz=False,
                              local=UTC)
    now = T0 + timedelta(days=3)
    dues = [m.due for m in scheduler.preview(memory, now, local=UTC).values()]
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
        assert retrievability(memory, now, local=UTC) == pytest.approx(
            reference.get_card_retrievability(card, now), abs=1e-12)
