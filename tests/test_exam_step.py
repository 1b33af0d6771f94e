"""The plan's exam step: after the booking's first third, `interview` asks for a short exam
of new wordings of intents already drilled, so the forecast for unseen questions rests on
the user's own picks rather than on the stated prior (issue 20, docs/interview.md)."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import deck_store, question
from emdrill.cli.main import app
from emdrill.core.exam import (
    PRIOR_ANSWERS,
    PRIOR_TRANSFER,
    STEP_QUESTIONS,
    carried,
    exam_step,
    new_wordings_first,
)
from emdrill.core.groups import intent_groups
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import exam as exam_ops
from emdrill.ops import grading, interview
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads
from emdrill.store import interview as store_interview
from emdrill.store.db import Store
from term import SIZES, Term

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the booking: 10 study days to 2026-03-12


# ---------------------------------------------------------------- the pure rule


def test_the_step_comes_after_the_first_third_and_until_an_exam() -> None:
    def step(days_left: int, exams: int = 0, booked: int = 10) -> int:
        return exam_step(days_booked=booked, days_left=days_left, exams_since_booking=exams,
                         release_days=2)

    # 10 days booked: the first third is 3 days (every family starts in them)
    assert [step(d) for d in (10, 9, 8)] == [0, 0, 0]
    assert [step(d) for d in (7, 6, 5, 4, 3)] == [STEP_QUESTIONS] * 5
    assert step(2) == step(1) == step(0) == 0  # the last two days: the morning's exam
    assert step(6, exams=1) == 0  # sat once since the booking: measured
    assert all(step(d, booked=3) == 0 for d in range(4))  # too short a plan for one
    assert 0 < STEP_QUESTIONS <= 10  # a few minutes, not a drill's worth


def test_new_wordings_of_drilled_intents_come_first(tmp_path: Path) -> None:
    store = _store(tmp_path)
    cards = card_reads.load_cards(store)
    groups = intent_groups(c.question for c in cards)
    first, rest = new_wordings_first(cards, groups=groups, seen={"alpha-1"})
    assert [c.id for c in first] == ["alpha-1", "alpha-2", "alpha-3", "alpha-4"]
    assert [c.id for c in rest] == ["alpha-5", "beta-1", "beta-2", "beta-3", "beta-4"]
    assert new_wordings_first(cards, groups=groups, seen=())[0] == []


# ---------------------------------------------------------------- against the store


QUESTIONS = (
    question("alpha-1", "alpha", siblings='["alpha-2", "alpha-3", "alpha-4"]'),
    question("alpha-2", "alpha"), question("alpha-3", "alpha"),
    question("alpha-4", "alpha"), question("alpha-5", "alpha"),
    question("beta-1", "beta", story=5, also="[]", siblings='["beta-2", "beta-3"]'),
    question("beta-2", "beta", story=5, also="[]"),
    question("beta-3", "beta", story=5, also="[]"),
    question("beta-4", "beta", story=5, also="[]"),
)


def _store(folder: Path) -> Store:
    return deck_store(folder, *QUESTIONS, now=T0)


def _clock(days: float = 0) -> Clock:
    return Clock(now=T0 + timedelta(days=days), local=UTC)


@pytest.fixture
def booked(tmp_path: Path) -> Store:
    """The plan booked at T0; on the first day one question of each family drilled, and
    alpha-5 (a group of its own) too."""
    store = _store(tmp_path)
    interview.set_interview(store, _clock(), "2026-03-12")
    for minute, qid in enumerate(("alpha-1", "beta-4", "alpha-5")):
        grading.grade(store, Clock(now=T0 + timedelta(minutes=minute), local=UTC), qid,
                      intent=Rating.GOOD, story=StoryAnswer(verdict=True), fuzz=False)
    return store


def test_the_plans_exam_asks_new_wordings_and_measures_their_transfer(booked: Store) -> None:
    assert [interview.step_exam(booked, _clock(d)) for d in (0, 1, 2)] == [0, 0, 0]
    day4 = _clock(3)
    assert interview.step_exam(booked, day4) == STEP_QUESTIONS
    offers = exam_ops.prepare(booked, day4, count=3, rng=random.Random(1))
    # alpha-1's intent is drilled: its siblings are what the step measures; beta-4 is a
    # group of its own, so beta's questions are new intents and wait
    asked = [o.card.id for o in offers]
    assert set(asked) <= {"alpha-2", "alpha-3", "alpha-4"} and len(asked) == 3
    exam_ops.record(booked, day4, offers,
                    [exam_ops.Reply(o.right_index, o.card.question.story) for o in offers])
    assert interview.step_exam(booked, day4) == 0  # done: the step goes
    # the picks are first sights of known intents, scored against 1 in 4: all right, T = 1
    evidence = carried(store_interview.first_sight_answers(booked),
                       intent_groups(c.question for c in card_reads.load_cards(booked)))
    assert evidence.intent_known.answers == 3
    assert evidence.intent_known.transfer(PRIOR_TRANSFER) == pytest.approx(
        (PRIOR_ANSWERS * PRIOR_TRANSFER + 3) / (PRIOR_ANSWERS + 3))


def test_without_the_step_the_exam_takes_the_pool_first(booked: Store) -> None:
    """Before the step (and on the morning) an exam draws as it always did: the pool, then
    the rest, one family at a time, whatever was drilled."""
    day2 = _clock(1)
    held = interview.held_now(booked, day2)
    offers = exam_ops.prepare(booked, day2, count=len(held), rng=random.Random(1))
    assert {o.card.id for o in offers} == held
    assert {o.card.family for o in offers} == {"alpha", "beta"}


def test_interview_json_and_screen_show_the_step(booked: Store,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    booked.close()
    runner = CliRunner()
    early = json.loads(runner.invoke(app, ["interview", "--json"]).stdout)
    assert early["exam_step"] is None
    monkeypatch.setenv("EMDRILL_NOW", (T0 + timedelta(days=3)).isoformat())
    due = json.loads(runner.invoke(app, ["interview", "--json"]).stdout)
    assert due["exam_step"] == {"questions": STEP_QUESTIONS}
    assert "exam_step" not in json.loads(runner.invoke(app, ["status", "--json"]).stdout).get(
        "interview", {})  # only the `interview` command's JSON has the steps


@pytest.mark.parametrize("size", ["80x24", "40x20"])
def test_the_step_stays_in_the_window(booked: Store, size: str) -> None:
    booked.close()
    cols, rows = SIZES[size]
    term = Term("interview", cols=cols, rows=rows if cols == 80 else 200,
                env={"EMDRILL_NOW": (T0 + timedelta(days=3)).isoformat()})
    screen = term.finish()
    assert term.exitstatus == 0, screen
    flat = " ".join(screen.split())
    assert f"Step: sit a {STEP_QUESTIONS}-question exam of new wordings" in flat, screen
    assert f"  emdrill exam --questions {STEP_QUESTIONS}" in term.lines
    # the forecast it will measure, with where it likely lies
    assert re.search(r"Unseen questions on the day: intent \d+% \(likely \d+-\d+%\), "
                     r"story \d+%", flat), screen
    assert "…" not in screen and all(len(line) <= cols for line in term.lines)
