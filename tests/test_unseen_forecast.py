"""The forecast for questions never seen, before two exams: the stated prior moved by the
user's first sights (core.exam.carried, store.interview.first_sight_answers), and what
`interview --json` prints."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import deck_store, question
from emdrill.cli.base import open_here
from emdrill.cli.main import app
from emdrill.core.exam import (
    INTENT_CHANCE,
    LIKELY_Z,
    PRIOR_ANSWERS,
    PRIOR_TRANSFER,
    SELF_GRADE_GUESS,
    STORY_CHANCE,
    Carried,
    Exam,
    ExamAnswer,
    FirstSight,
    SightTally,
    carried,
    forecast_unseen,
    likely,
    share_known_at_date,
)
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import grading, interview
from emdrill.ops.decode import record_pick
from emdrill.ops.grading import StoryAnswer
from emdrill.store import interview as store_interview
from emdrill.store.db import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PRIOR_INTENT = INTENT_CHANCE + (1 - INTENT_CHANCE) * PRIOR_TRANSFER  # a known group, no evidence


def _tally(right: int, wrong: int, guess: float = SELF_GRADE_GUESS) -> SightTally:
    found = SightTally()
    for ok in [True] * right + [False] * wrong:
        found = found.add(ok, guess)
    return found


# ---------------------------------------------------------------- the pure calibration


def test_without_first_sights_the_forecast_is_the_stated_prior() -> None:
    got = forecast_unseen([], seen_share=0.4)
    assert got.source == "prior" and not got.measured
    assert PRIOR_TRANSFER == 0.6  # the stated prior (docs/interview.md, Evidence)
    assert got.intent == pytest.approx(INTENT_CHANCE + (1 - INTENT_CHANCE) * 0.6 * 0.4)
    assert got.story == pytest.approx(STORY_CHANCE + (1 - STORY_CHANCE) * 0.6 * 0.4)


def test_a_few_first_sights_stay_near_the_prior() -> None:
    # two self-graded first sights of known intents, both right: the most they can say
    few = Carried(intent_known=_tally(2, 0), story_known=_tally(2, 0))
    got = forecast_unseen([], seen_share=1.0, evidence=few)
    assert got.source == "first sights"
    assert PRIOR_INTENT < got.intent < PRIOR_INTENT + 0.15


def test_many_first_sights_with_a_high_rate_move_it_up() -> None:
    # 40 new wordings of known intents, 36 recalled (90%): transfer 0.8, against 0.6 assumed
    many = Carried(intent_known=_tally(36, 4), story_known=_tally(36, 4))
    got = forecast_unseen([], seen_share=1.0, evidence=many)
    transfer = (PRIOR_ANSWERS * PRIOR_TRANSFER + 40 * 0.8) / (PRIOR_ANSWERS + 40)
    assert got.intent == pytest.approx(INTENT_CHANCE + (1 - INTENT_CHANCE) * transfer)
    assert got.intent > PRIOR_INTENT + 0.1  # 0.6 -> 0.78: most of the way to 0.8
    # and a low rate moves it down, to the guess at worst
    poor = Carried(intent_known=_tally(8, 32))
    assert forecast_unseen([], seen_share=1.0, evidence=poor).intent == INTENT_CHANCE


def test_groups_not_yet_seen_use_the_cross_group_rate() -> None:
    # first sights of new groups recalled 80% of the time: transfer 0.6 across groups, where
    # the prior says none; a known group's rate is left at the prior
    across = Carried(intent_new=_tally(32, 8))
    none_seen = forecast_unseen([], seen_share=0.0, evidence=across)
    assert none_seen.intent == pytest.approx(
        INTENT_CHANCE + (1 - INTENT_CHANCE) * (40 * 0.6) / (PRIOR_ANSWERS + 40))
    all_seen = forecast_unseen([], seen_share=1.0, evidence=across)
    assert all_seen.intent == pytest.approx(PRIOR_INTENT)
    half = forecast_unseen([], seen_share=0.5, evidence=across)
    assert half.intent == pytest.approx((none_seen.intent + all_seen.intent) / 2)


def test_a_pick_among_four_is_scored_against_the_exams_guess() -> None:
    # right half the time: no better than a self-grade's guess, but well above 1 in 4
    picked = _tally(20, 20, guess=INTENT_CHANCE)
    self_graded = _tally(20, 20)
    assert picked.transfer(0.0, weight=0) == pytest.approx(1 / 3)
    assert self_graded.transfer(0.0, weight=0) == 0.0


def test_first_sights_are_split_by_whether_the_group_was_seen_before() -> None:
    groups = {"a1": "a1", "a2": "a1", "a3": "a3", "b1": "b1"}
    sights = [FirstSight("a1", True, True, family="a"),  # a family's first: left out
              FirstSight("a2", False, True, picked=True, named=True, family="a"),
              FirstSight("a3", True, None, family="a"),  # a new group of a started family
              FirstSight("b1", True, True, family="b")]  # a family's first: left out
    found = carried(sights, groups)
    assert (found.intent_new.answers, found.intent_known.answers) == (1, 1)
    assert found.intent_known.score == pytest.approx(-INTENT_CHANCE / (1 - INTENT_CHANCE))
    assert found.intent_new.score == pytest.approx(1.0)
    assert found.story_known.score == pytest.approx(1.0)  # a slot named right
    assert found.story_new.answers == 0  # a3's story was not graded


def test_two_exams_still_decide() -> None:
    exams = [Exam(T0, (ExamAnswer("a", "f", True, False), ExamAnswer("b", "f", False, False)))
             for _ in range(2)]
    many = Carried(intent_known=_tally(36, 4))
    got = forecast_unseen(exams, seen_share=1.0, evidence=many)
    assert (got.intent, got.story, got.measured, got.source) == (0.5, 0.0, True, "exams")


def test_the_interval_holds_the_prior_and_narrows_with_the_picks() -> None:
    """The forecast's 80% interval: the prior alone is as unsure as 5 picks, and picks of
    new wordings narrow it around what they measured; never below the guess."""
    prior = forecast_unseen([], seen_share=1.0)
    assert prior.low < prior.intent < prior.high
    # the prior as 5 picks at T = 0.6: T's spread (1 - T)(g / (1 - g) + T) / 5
    spread = math.sqrt(0.4 * (INTENT_CHANCE / (1 - INTENT_CHANCE) + 0.6) / PRIOR_ANSWERS)
    assert prior.high - prior.intent == pytest.approx(
        LIKELY_Z * (1 - INTENT_CHANCE) * spread)
    picks = _tally(30, 10, guess=INTENT_CHANCE)  # 40 picks of new wordings, 75% right
    measured = forecast_unseen([], seen_share=1.0, evidence=Carried(intent_known=picks))
    assert measured.high - measured.low < (prior.high - prior.low) / 2
    assert measured.low < measured.intent < measured.high
    assert measured.low > prior.intent - 0.05  # the picks said more than the prior
    nothing = forecast_unseen([], seen_share=0.0)  # a guess for T_new: never below it
    assert nothing.low == nothing.intent == INTENT_CHANCE < nothing.high
    assert (nothing.story_low, nothing.story) == (STORY_CHANCE, STORY_CHANCE)
    exams = [Exam(T0, tuple(ExamAnswer(str(i), "f", i < 7, i < 5) for i in range(10)))] * 2
    got = forecast_unseen(exams, seen_share=1.0)
    assert (got.low, got.high) == pytest.approx(likely(14, 20))
    assert (got.story_low, got.story_high) == pytest.approx(likely(10, 20))


def test_the_share_is_of_the_questions_still_unseen_on_the_day() -> None:
    groups = {"a1": "a", "a2": "a", "a3": "a", "b1": "b", "c1": "c"}
    # a1 seen: of the four unseen on the day, a2 and a3 are new wordings of a known intent
    assert share_known_at_date(groups, groups, seen_by_date={"a1"}) == 0.5
    assert share_known_at_date(groups, groups, seen_by_date=set(groups)) == 1.0


# ---------------------------------------------------------------- the store and the plan


QUESTIONS = (
    question("alpha-1", "alpha", siblings='["alpha-2", "alpha-3"]'),
    question("alpha-2", "alpha"), question("alpha-3", "alpha"),
    question("alpha-4", "alpha"),
    question("beta-1", "beta", story=5, also="[]", siblings='["beta-2"]'),
    question("beta-2", "beta", story=5, also="[]"),
    question("beta-3", "beta", story=5, also="[]"),
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return deck_store(tmp_path, *QUESTIONS, now=T0)


def _clock(at: datetime = T0) -> Clock:
    return Clock(now=at, local=UTC)


def _grade(store: Store, qid: str, ok: bool, at: datetime) -> None:
    grading.grade(store, _clock(at), qid, intent=Rating.GOOD if ok else Rating.AGAIN,
                     story=StoryAnswer(verdict=ok), mode="drill", fuzz=False)


def test_a_first_sight_counts_once_and_a_second_answer_does_not(store: Store) -> None:
    _grade(store, "alpha-1", True, T0)
    _grade(store, "alpha-1", False, T0 + timedelta(minutes=1))  # a retry: not a first sight
    _grade(store, "alpha-2", False, T0 + timedelta(minutes=2))
    record_pick(store, _clock(T0 + timedelta(minutes=3)), "beta-1", "beta-1",
                story=StoryAnswer(slot=5))
    _grade(store, "alpha-4", True, T0 + timedelta(minutes=4))
    found = store_interview.first_sight_answers(store)
    assert found == [FirstSight("alpha-1", True, True, family="alpha"),
                     FirstSight("alpha-2", False, False, family="alpha"),
                     FirstSight("beta-1", True, True, picked=True, named=True, family="beta"),
                     FirstSight("alpha-4", True, True, family="alpha")]
    # alpha-2 is a new wording of alpha-1's intent, alpha-4 a new group of a started family;
    # alpha-1 and beta-1 open their families
    evidence = carried(found, {"alpha-1": "g", "alpha-2": "g", "alpha-4": "alpha-4",
                               "beta-1": "beta-1"})
    assert evidence.intent_known == SightTally(1, -1.0, SELF_GRADE_GUESS / (1 - SELF_GRADE_GUESS))
    assert evidence.intent_new == SightTally(1, 1.0, 1.0)
    # the plan's first-sight recall reads the same first sights
    assert store_interview.first_sights(store) == (4, 3, 3)


def test_interview_json_carries_the_calibrated_forecast(store: Store) -> None:
    interview.set_interview(store, _clock(), "2026-03-12")
    runner = CliRunner()
    store.close()
    before = json.loads(runner.invoke(app, ["interview", "--json"]).stdout)["forecast_unseen"]
    assert before["source"] == "prior" and before["measured"] is False
    # every first sight of a new wording of a seen intent right, one sibling after another
    reopened = open_here(autoload=False)
    at = T0
    for qid in ("alpha-1", "alpha-2", "alpha-3", "alpha-4", "beta-1", "beta-2"):
        _grade(reopened, qid, True, at)
        at += timedelta(minutes=1)
    reopened.close()
    after = json.loads(runner.invoke(app, ["interview", "--json"]).stdout)["forecast_unseen"]
    assert after["source"] == "first sights" and after["measured"] is False
    # what the first sights say, at the plan's share for the date
    evidence = Carried(intent_known=_tally(3, 0), intent_new=_tally(1, 0),
                       story_known=_tally(3, 0), story_new=_tally(1, 0))
    low = forecast_unseen([], seen_share=0.0, evidence=evidence).intent
    high = forecast_unseen([], seen_share=1.0, evidence=evidence).intent
    assert low <= after["intent"] <= high
    assert after["intent"] > forecast_unseen([], seen_share=1.0).intent
