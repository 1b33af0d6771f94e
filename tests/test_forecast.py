"""The readiness forecast's paths (core.forecast): a seen question followed to the date,
a new question's first days, and the days a question needs before its first review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from emdrill.core.forecast import EPOCH, LAPSE_COST, Path, first_days, follow, lead_days
from emdrill.core.interview import drill_times
from emdrill.core.scheduler import FacetParameters, Rating, new_memory, retrievability, review

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PARAMS = FacetParameters()


def path(days: int, *, hours: int = 1, target: float = 0.9) -> Path:
    return Path(drill_times(NOW, days), NOW + timedelta(days=days, hours=hours), 0.9, target,
                PARAMS)


def test_a_seen_question_is_answered_on_the_drills_where_it_is_due() -> None:
    memory = review(new_memory(NOW), Rating.GOOD, NOW - timedelta(days=1), fuzz=False, local=UTC)
    # due in a week:
    memory = review(memory, Rating.GOOD, NOW - timedelta(hours=1), fuzz=False, local=UTC)
    assert memory.due is not None
    projection = follow(memory, memory, path(20))
    first = projection.days[0]
    assert NOW + timedelta(days=first - 1) < memory.due <= NOW + timedelta(days=first)
    kept = retrievability(memory, NOW + timedelta(days=first), local=UTC) ** 2
    assert projection.answers[0] == 1 + LAPSE_COST * (1 - kept)
    at = NOW + timedelta(days=20, hours=1)
    # due dates lean towards the date
    assert retrievability(projection.intent, at, local=UTC) >= 0.9


def test_a_question_with_nothing_due_before_the_date_keeps_its_memory() -> None:
    memory = review(new_memory(NOW), Rating.EASY, NOW - timedelta(days=1), fuzz=False, local=UTC)
    memory = review(memory, Rating.EASY, NOW, fuzz=False, local=UTC)
    projection = follow(memory, memory, path(2))
    assert projection.days == () and projection.intent == memory


def test_first_days_are_repeatable_and_count_the_first_sight() -> None:
    args = {"minutes": 5.0, "first_sight": (0.5, 0.5), "retention": 0.9, "parameters": PARAMS}
    once = first_days(10, **args)
    first_days.cache_clear()
    again = first_days(10, **args)
    assert once == again
    assert once.answers[0] >= 1 and sum(once.answers) > 2


def test_a_first_sight_always_recalled_in_a_short_drill_is_one_answer() -> None:
    sure = first_days(3, minutes=5.0, first_sight=(1.0, 1.0), retention=0.9,
                      parameters=PARAMS)
    assert sure.answers[0] == 1.0  # its learning step (10 minutes) outlasts the drill
    guessed = first_days(3, minutes=5.0, first_sight=(0.0, 0.0), retention=0.9,
                         parameters=PARAMS)
    assert guessed.answers[0] > 1.0  # a miss comes back after a minute


def test_first_days_recall_reads_the_memory_after_the_last_drill_before() -> None:
    days = first_days(5, minutes=5.0, first_sight=(1.0, 1.0), retention=0.9, parameters=PARAMS)
    assert days.recall(timedelta(hours=-1), PARAMS) == (0.0, 0.0)
    after = timedelta(days=2, hours=3)  # the memory after the drill of day 2
    at = EPOCH + after
    by_hand = [retrievability(run[2][0], at, local=UTC) for run in days.ends]
    assert days.recall(after, PARAMS)[0] == sum(by_hand) / len(by_hand)
    assert 0 < days.recall(timedelta(days=30), PARAMS)[0] <= 1  # past the end: the last day


def test_lead_days_follow_fsrs() -> None:
    assert lead_days(1, 0.9, PARAMS) == 0
    assert lead_days(2, 0.9, PARAMS) == 1
    assert lead_days(2, 0.97, PARAMS) == 1
