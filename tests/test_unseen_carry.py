"""The carry-over to an unseen question: a rate K times the morning recall of its group's
best-remembered seen member, a flat T_new for a question whose group is unseen, each facet
on its own (core.exam), fitted from first sights scored against their sibling's recall then
(the review trail, ops.interview.first_sight_evidence)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import deck_store, question
from emdrill.core.exam import (
    INTENT_CHANCE,
    PRIOR_ANSWERS,
    PRIOR_TRANSFER,
    STORY_CHANCE,
    Carried,
    FirstSight,
    MemoryBefore,
    SightTally,
    UnseenQuestion,
    carried,
    first_sight_bases,
    forecast_unseen,
    memory_at,
    unseen_on_the_day,
)
from emdrill.core.scheduler import Memory, Rating, new_memory, retrievability
from emdrill.core.timing import Clock
from emdrill.ops import grading
from emdrill.ops import interview as interview_ops
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads
from emdrill.store.db import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _picks(right: int, wrong: int, base: float, guess: float = INTENT_CHANCE) -> SightTally:
    found = SightTally()
    for ok in [True] * right + [False] * wrong:
        found = found.add(ok, guess, base)
    return found


# ---------------------------------------------------------------- the forecast on the day


def test_a_known_groups_carry_over_is_the_rate_times_its_morning_recall() -> None:
    # intent well remembered, story half forgotten by the morning: the facets part
    got = forecast_unseen([], unseen=[UnseenQuestion(True, intent_base=1.0, story_base=0.5)])
    assert got.intent == pytest.approx(INTENT_CHANCE + (1 - INTENT_CHANCE) * PRIOR_TRANSFER)
    assert got.story == pytest.approx(STORY_CHANCE + (1 - STORY_CHANCE) * PRIOR_TRANSFER * 0.5)
    # and the other way round
    flipped = forecast_unseen([], unseen=[UnseenQuestion(True, 0.5, 1.0)])
    assert flipped.intent == pytest.approx(
        INTENT_CHANCE + (1 - INTENT_CHANCE) * PRIOR_TRANSFER * 0.5)
    assert flipped.story == pytest.approx(STORY_CHANCE + (1 - STORY_CHANCE) * PRIOR_TRANSFER)


def test_a_forgotten_sibling_carries_nothing() -> None:
    got = forecast_unseen([], unseen=[UnseenQuestion(True, 0.0, 0.0)])
    assert (got.intent, got.story) == (INTENT_CHANCE, STORY_CHANCE)


def test_an_unseen_group_takes_the_flat_lower_rate_whatever_the_recall() -> None:
    # first sights of new groups: intents picked right half the time, stories never
    new = Carried(intent_new=_picks(5, 5, 1.0), story_new=_picks(0, 10, 1.0, STORY_CHANCE))
    t_new = new.intent_new.transfer(0.0)
    assert 0 < t_new < PRIOR_TRANSFER
    for base in (0.1, 0.9):
        got = forecast_unseen([], evidence=new, unseen=[UnseenQuestion(False, base, base)])
        assert got.intent == pytest.approx(INTENT_CHANCE + (1 - INTENT_CHANCE) * t_new)
        assert got.story == STORY_CHANCE


def test_the_forecast_is_the_mean_over_the_days_unseen_questions() -> None:
    mix = [UnseenQuestion(True, 0.8, 0.4), UnseenQuestion(True, 0.4, 0.8), UnseenQuestion(False)]
    got = forecast_unseen([], unseen=mix)
    k = PRIOR_TRANSFER
    assert got.intent == pytest.approx(INTENT_CHANCE + (1 - INTENT_CHANCE) * k * 1.2 / 3)
    assert got.story == pytest.approx(STORY_CHANCE + (1 - STORY_CHANCE) * k * 1.2 / 3)
    assert got.low < got.intent < got.high


def test_without_a_mix_the_old_share_stands() -> None:
    assert forecast_unseen([], seen_share=1.0) == forecast_unseen(
        [], unseen=[UnseenQuestion(True)])


# ---------------------------------------------------------------- fitting the rate


def test_the_rate_is_fitted_against_the_siblings_recall_at_the_first_sight() -> None:
    # the same 4 right and 4 wrong picks: with siblings half forgotten they show a higher
    # rate per remembered sibling than with siblings fully recalled
    right, wrong = (1 - INTENT_CHANCE) / (1 - INTENT_CHANCE), -INTENT_CHANCE / (1 - INTENT_CHANCE)
    half = _picks(4, 4, 0.5).transfer(PRIOR_TRANSFER)
    full = _picks(4, 4, 1.0).transfer(PRIOR_TRANSFER)
    w = PRIOR_ANSWERS
    assert half == pytest.approx((w * PRIOR_TRANSFER + 0.5 * (4 * right + 4 * wrong))
                                 / (w + 8 * 0.25))
    assert full == pytest.approx((w * PRIOR_TRANSFER + 4 * right + 4 * wrong) / (w + 8))
    assert half > full


def test_the_facets_are_fitted_apart() -> None:
    # intents carried over (picked right), stories not (slots named wrong)
    groups = {"a1": "g", "a2": "g", "a3": "g", "a4": "g"}
    sights = [FirstSight("a1", True, True, picked=True, named=True, family="a")]  # opens "a"
    sights += [FirstSight(q, True, False, picked=True, named=True, family="a",
                          intent_base=0.8, story_base=0.8) for q in ("a2", "a3", "a4")]
    found = carried(sights, groups)
    assert found.intent_known == _picks(3, 0, 0.8)
    assert found.story_known == _picks(0, 3, 0.8, STORY_CHANCE)
    got = forecast_unseen([], evidence=found, unseen=[UnseenQuestion(True, 0.9, 0.9)])
    prior = forecast_unseen([], unseen=[UnseenQuestion(True, 0.9, 0.9)])
    assert got.intent > prior.intent
    assert got.story < prior.story


def test_a_new_groups_first_sight_keeps_a_flat_score() -> None:
    sights = [FirstSight("a1", True, True, family="a"),
              FirstSight("b1", True, True, family="a", intent_base=0.2, story_base=0.2)]
    found = carried(sights, {"a1": "a1", "b1": "b1"})
    assert found.intent_new == SightTally().add(True, 0.5)
    assert found.intent_new.leverage is None


# ---------------------------------------------------------------- what the trail says


def _memory(stability: float, last: datetime) -> Memory:
    return Memory(state=2, step=None, stability=stability, difficulty=5.0,
                  due=last + timedelta(days=1), last_review=last)


def test_a_memory_at_a_moment_is_what_the_answer_before_it_left() -> None:
    t1, t2, t3 = T0, T0 + timedelta(days=1), T0 + timedelta(days=3)
    fresh = new_memory(t1)
    after_first = _memory(2.0, t1)
    now = (_memory(9.0, t3), _memory(4.0, t3))
    trail = [MemoryBefore(t1, fresh, fresh), MemoryBefore(t3, after_first, after_first)]
    assert memory_at(trail, now, T0 - timedelta(hours=1)) is None  # not answered yet
    assert memory_at(trail, now, t2) == (after_first, after_first)
    assert memory_at(trail, now, t3 + timedelta(hours=1)) == now
    later = _memory(5.0, t3)  # a third answer: the one right after the moment decides
    longer = [*trail, MemoryBefore(t3 + timedelta(days=2), later, later)]
    assert memory_at(longer, now, t2) == (after_first, after_first)
    assert memory_at(longer, now, t3 + timedelta(hours=1)) == (later, later)


def test_first_sight_bases_take_the_best_sibling_answered_before_it() -> None:
    t1, t2, t3 = T0, T0 + timedelta(days=1), T0 + timedelta(days=2)
    fresh = new_memory(t1)
    groups = {"a1": "g", "a2": "g", "a3": "g", "b1": "b1"}
    trails = {"a1": [MemoryBefore(t1, fresh, fresh)],
              "a2": [MemoryBefore(t2, fresh, fresh)],
              "a3": [MemoryBefore(t3, fresh, fresh)],  # answered after a2: no part in it
              "b1": [MemoryBefore(t2, fresh, fresh)]}
    now = {"a1": (_memory(3.0, t1), _memory(1.0, t1)),
           "a2": (_memory(2.0, t2), _memory(2.0, t2)),
           "a3": (_memory(9.0, t3), _memory(9.0, t3)),
           "b1": (_memory(5.0, t2), _memory(5.0, t2))}

    def recall(intent: Memory, story: Memory, at: datetime) -> tuple[float, float]:
        assert intent.stability is not None and story.stability is not None
        return intent.stability / 10, story.stability / 10  # plain numbers to follow

    sights = [FirstSight("a1", True, True, family="a"), FirstSight("a2", True, True, family="a"),
              FirstSight("b1", True, True, family="a"), FirstSight("a3", True, True, family="a")]
    got = first_sight_bases(sights, groups, trails, now, recall)
    assert got[0] == sights[0]  # nothing of its group before it
    assert (got[1].intent_base, got[1].story_base) == (0.3, 0.1)  # a1's, what it left
    assert got[2] == sights[2]  # a new group
    assert (got[3].intent_base, got[3].story_base) == (0.3, 0.2)  # the best of a1 and a2


def test_unseen_on_the_day_reads_each_groups_best_morning_recall() -> None:
    groups = {"a1": "g", "a2": "g", "a3": "g", "b1": "b1"}
    morning = {"a1": (0.9, 0.3), "a2": (0.5, 0.8)}
    assert unseen_on_the_day(groups, groups, morning) == [UnseenQuestion(True, 0.9, 0.8),
                                                          UnseenQuestion(False)]
    # every question seen by the date: a new wording of every group
    every = {"a1": (0.9, 0.3), "a2": (0.5, 0.8), "a3": (0.1, 0.1), "b1": (0.4, 0.6)}
    assert unseen_on_the_day(groups, groups, every) == [UnseenQuestion(True, 0.4, 0.6),
                                                        UnseenQuestion(True, 0.9, 0.8)]


# ---------------------------------------------------------------- against a real store


QUESTIONS = (
    question("alpha-1", "alpha", siblings='["alpha-2", "alpha-3"]'),
    question("alpha-2", "alpha"), question("alpha-3", "alpha"),
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return deck_store(tmp_path, *QUESTIONS, now=T0)


def _grade(store: Store, qid: str, intent: bool, story: bool, at: datetime) -> None:
    grading.grade(store, Clock(now=at, local=UTC), qid,
                  intent=Rating.GOOD if intent else Rating.AGAIN,
                  story=StoryAnswer(verdict=story), mode="drill", fuzz=False)


def test_first_sights_are_scored_against_the_siblings_recall_from_the_store(
        store: Store) -> None:
    t2, t3 = T0 + timedelta(days=4), T0 + timedelta(days=6)
    _grade(store, "alpha-1", True, False, T0)  # intent remembered, story missed
    _grade(store, "alpha-2", True, True, t2)  # a new wording, days later
    _grade(store, "alpha-1", True, True, t3)  # a later review of alpha-1: no part in alpha-2
    cards = card_reads.load_cards(store)
    evidence = interview_ops.first_sight_evidence(store, cards)
    # alpha-1's memory at t2 is what its first answer left: the "before" of its review at t3
    trail_intent, trail_story = _after_first(store)
    r_intent = retrievability(trail_intent, t2, local=UTC)
    r_story = retrievability(trail_story, t2, local=UTC)
    assert 0 < r_story < r_intent < 1  # the facets part: a missed story is the weaker memory
    # alpha-2 is self-graded: right scores 1 against the self-grade guess, times its base
    assert evidence.intent_known.answers == 1
    assert evidence.intent_known.score == pytest.approx(r_intent)
    assert evidence.intent_known.weight == pytest.approx(r_intent ** 2)
    assert evidence.story_known.score == pytest.approx(r_story)
    assert math.isclose(evidence.story_known.weight, r_story ** 2)


def _after_first(store: Store) -> tuple[Memory, Memory]:
    from emdrill.store import interview as store_interview

    first = store_interview.first_reviewed(store, ["alpha-1", "alpha-3"])
    assert list(first) == ["alpha-1"]  # alpha-3 never answered
    # the first review at or after a moment: its own first, and the one after day 4
    trail = store_interview.reviews_from(store, [("alpha-1", first["alpha-1"]),
                                                 ("alpha-1", T0 + timedelta(days=4))])
    assert [r.at for r in trail["alpha-1"]] == [T0, T0 + timedelta(days=6)]
    later = trail["alpha-1"][1]
    return later.intent, later.story
