"""Intent groups from a crafted deck, and the exam pool a plan holds back and releases."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import deck_store, question
from emdrill.core.groups import group_count, intent_groups, members
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import exam as exam_ops
from emdrill.ops import interview, opening
from emdrill.ops.drill import Session
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads
from emdrill.store.db import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


QUESTIONS = (
    # alpha: a group of three (linked one way or the other), a pair, a single
    question("alpha-1", "alpha", siblings='["alpha-2"]'),
    question("alpha-2", "alpha", siblings='["alpha-3"]'),
    question("alpha-3", "alpha"),
    question("alpha-4", "alpha", siblings='["alpha-5"]'),
    question("alpha-5", "alpha"),
    question("alpha-6", "alpha"),
    # beta: three singles and a pair; a link across families makes no group
    question("beta-1", "beta", story=5, also="[]", siblings='["alpha-6"]'),
    question("beta-2", "beta", story=5, also="[]"),
    question("beta-3", "beta", story=5, also="[]"),
    question("beta-4", "beta", story=5, also="[]", siblings='["beta-5"]'),
    question("beta-5", "beta", story=5, also="[]"),
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return deck_store(tmp_path, *QUESTIONS, now=T0)


def test_groups_follow_the_sibling_links(store: Store) -> None:
    groups = intent_groups(c.question for c in card_reads.load_cards(store))
    assert sorted(members(groups).values()) == [
        ["alpha-1", "alpha-2", "alpha-3"], ["alpha-4", "alpha-5"], ["alpha-6"],
        ["beta-1"], ["beta-2"], ["beta-3"], ["beta-4", "beta-5"]]
    assert group_count(groups) == 7


def _clock(at: datetime = T0) -> Clock:
    return Clock(now=at, local=UTC)


def test_the_pool_is_held_back_from_drills_until_an_exam(store: Store) -> None:
    interview.set_interview(store, _clock(), "2026-03-12")
    held = interview.held_now(store, _clock())
    # one a family (10% of 6 and of 5), from its largest group, never a group's last member
    assert held == {"alpha-3", "beta-5"}
    session = Session(store, _clock, max_cards=40)
    shown = set()
    while not session.finished():
        pick = session.next_pick()
        if pick is None:
            break
        shown.add(pick.card.id)
        session.answer(pick, intent=Rating.GOOD, story=StoryAnswer(slot=1), seconds=5)
    assert shown and not shown & held
    assert len(shown) == 9  # everything else came up
    # the exam asks the pool first; once sat, the pool joins the drills
    offers = exam_ops.prepare(store, _clock(), count=2, rng=random.Random(2))
    assert {o.card.id for o in offers} == held
    exam_ops.record(store, _clock(), offers, [exam_ops.Reply(0, 1) for _ in offers])
    assert interview.held_now(store, _clock()) == frozenset()


def test_the_pool_is_released_on_the_last_two_days(store: Store) -> None:
    interview.set_interview(store, _clock(), "2026-03-12")
    assert interview.held_now(store, _clock(T0 + timedelta(days=7)))
    assert interview.held_now(store, _clock(T0 + timedelta(days=8))) == frozenset()
    today = interview.today(store, _clock(T0 + timedelta(days=8)), opening.settings(store))
    assert today is not None and {"alpha-3", "beta-5"} <= today.scope


def test_interview_json_counts_groups_and_the_exams(store: Store) -> None:
    import json

    from typer.testing import CliRunner

    from emdrill.cli.main import app
    from emdrill.core.exam import INTENT_CHANCE, STORY_CHANCE, forecast_unseen

    interview.set_interview(store, _clock(), "2026-03-12")
    store.close()
    runner = CliRunner()
    data = json.loads(runner.invoke(app, ["interview", "--json"]).stdout)
    assert data["groups"] == {"in_scope": 7, "seen": 0}
    assert data["exam"] is None
    # nothing answered yet: the stated prior, for a question unseen on the day whose group
    # the plan will have seen by then (here: the pool's, every other member introduced),
    # times the recall the plan predicts for those members on the morning (under 1)
    full = forecast_unseen([], seen_share=1.0)  # the prior with every sibling fully recalled
    got = data["forecast_unseen"]
    assert set(got) == {"intent", "story", "measured", "source", "low", "high", "story_low",
                        "story_high"}
    assert (got["measured"], got["source"]) == (False, "prior")
    assert INTENT_CHANCE < got["intent"] < full.intent
    assert STORY_CHANCE < got["story"] < full.story
    assert got["low"] < got["intent"] < got["high"]
    assert got["story_low"] < got["story"] < got["story_high"]
    for _ in range(2):  # two exams of two questions
        sat = runner.invoke(app, ["exam", "-n", "2", "--json"], input="a\n1\na\n1\n")
        assert sat.exit_code == 0, sat.output
    again = json.loads(runner.invoke(app, ["interview", "--json"]).stdout)
    results = json.loads(sat.stdout)["results"]
    assert again["exam"]["questions"] == 2 and len(results) == 2
    assert again["groups"]["seen"] >= 2
    assert again["forecast_unseen"]["measured"] is True
    assert again["forecast_unseen"]["source"] == "exams"
    text = " ".join(runner.invoke(app, ["interview"]).stdout.split())
    assert "Intent groups seen:" in text and "Last exam" in text
