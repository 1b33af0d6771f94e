"""Two facets, two memories: every path that touches both keeps them apart.

Every fixture here gives intent and story different ratings, memories or parameters (the
intent forgotten while the story is right, and the reverse), so a swap anywhere fails.
Each test names the mutant in bench/mutants.py it was written to kill.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pexpect
import pytest

from conftest import STORE_NOW
from emdrill.core import anki as core_anki
from emdrill.core import scheduler
from emdrill.core.decode import TOLD_APART, IntentChoice
from emdrill.core.fitting import StoredFit
from emdrill.core.forecast import Projection
from emdrill.core.plan import readiness
from emdrill.core.scheduler import DEFAULT_PARAMETERS, FacetParameters, Memory, Rating
from emdrill.core.stats import SeenQuestion
from emdrill.core.timing import Clock
from emdrill.ops import collection
from emdrill.ops.collection import StoryAnswer
from emdrill.store import cards as store_cards
from emdrill.store import interview as store_interview
from emdrill.store import practice
from emdrill.store.db import Store
from shared import cli

T0 = STORE_NOW  # the shared `store` fixture (conftest.py) opens and loads at this time
BOTH = [(Rating.AGAIN, True), (Rating.GOOD, False)]  # intent forgotten / story missed
IDS = ["intent-forgotten-story-right", "intent-right-story-missed"]


def clock(at: datetime) -> Clock:
    return Clock(at, UTC)


def _story(right: bool) -> Rating:
    return Rating.GOOD if right else Rating.AGAIN


def _expected(memory: Memory, rating: Rating, at: datetime,
              parameters: scheduler.Parameters | None = None) -> Memory:
    return scheduler.review(memory, rating, at, local=UTC, fuzz=False, parameters=parameters)


# ------------------------------------------------------------------ grade, undo, replay


@pytest.mark.parametrize(("intent", "story_right"), BOTH, ids=IDS)
def test_grade_gives_each_facet_its_own_rating(store: Store, intent: Rating,
                                               story_right: bool) -> None:
    """Kills 'grade: the facets' ratings swapped'."""
    before = store_cards.load_card(store, "alpha-1")
    collection.grade(store, clock(T0), "alpha-1", intent=intent,
                     story=StoryAnswer(verdict=story_right), fuzz=False)
    after = store_cards.load_card(store, "alpha-1")
    assert after.intent == _expected(before.intent, intent, T0)
    assert after.story == _expected(before.story, _story(story_right), T0)
    assert after.intent.stability != after.story.stability


def test_each_facet_is_scheduled_with_its_own_fitted_parameters(store: Store) -> None:
    """Kills 'grade: the facets' parameters swapped'."""
    fitted = {"intent": tuple(w * (1.3 if i in (0, 1, 2, 3) else 1.0)
                              for i, w in enumerate(DEFAULT_PARAMETERS)),
              "story": tuple(w * (0.6 if i in (0, 1, 2, 3) else 1.0)
                             for i, w in enumerate(DEFAULT_PARAMETERS))}
    for facet, params in fitted.items():
        store_interview.save_fit(store, StoredFit(facet, scheduler.check_parameters(params),
                                                  500, 500, 0.3, 0.05, T0))
    before = store_cards.load_card(store, "alpha-1")
    collection.change_setting(store, "adaptive", "off")
    collection.grade(store, clock(T0), "alpha-1", intent=Rating.GOOD,
                     story=StoryAnswer(verdict=True), fuzz=False)
    after = store_cards.load_card(store, "alpha-1")
    assert after.intent == _expected(before.intent, Rating.GOOD, T0, fitted["intent"])
    assert after.story == _expected(before.story, Rating.GOOD, T0, fitted["story"])
    assert after.intent.stability != after.story.stability  # same rating, other curves


@pytest.mark.parametrize(("intent", "story_right"), BOTH, ids=IDS)
def test_undo_puts_each_facet_back(store: Store, intent: Rating, story_right: bool) -> None:
    """Kills 'undo: the facets put back crossed'."""
    collection.grade(store, clock(T0), "alpha-1", intent=intent,
                     story=StoryAnswer(verdict=story_right), fuzz=False)
    middle = store_cards.load_card(store, "alpha-1")
    assert middle.intent != middle.story
    collection.grade(store, clock(T0 + timedelta(days=2)), "alpha-1", intent=Rating.GOOD,
                     story=StoryAnswer(verdict=True), fuzz=False)
    collection.undo(store)
    back = store_cards.load_card(store, "alpha-1")
    assert (back.intent, back.story) == (middle.intent, middle.story)


def test_an_older_review_replays_the_later_ones_facet_by_facet(store: Store) -> None:
    """Kills 'replay: later reviews replayed with crossed ratings': an Anki review of the
    intent alone, older than a desk review that forgot the intent and got the story."""
    desk, phone = T0 + timedelta(days=3), T0 + timedelta(days=1)
    collection.grade(store, clock(T0), "alpha-1", intent=Rating.GOOD,
                     story=StoryAnswer(verdict=True), fuzz=False)
    first = store_cards.load_card(store, "alpha-1")
    collection.grade(store, clock(desk), "alpha-1", intent=Rating.AGAIN,
                     story=StoryAnswer(verdict=True), fuzz=False)
    collection.record(store, clock(phone), "alpha-1", intent=Rating.HARD, story=None,
                      mode="anki", fuzz=False)
    card = store_cards.load_card(store, "alpha-1")
    intent = _expected(_expected(first.intent, Rating.HARD, phone), Rating.AGAIN, desk)
    story = _expected(first.story, Rating.GOOD, desk)
    assert card.intent.stability == pytest.approx(intent.stability)
    assert card.intent.difficulty == pytest.approx(intent.difficulty)
    assert card.story.stability == pytest.approx(story.stability)
    assert card.story.difficulty == pytest.approx(story.difficulty)


# ------------------------------------------------------------------ readiness and forecast


def test_readiness_reports_intent_and_story_apart(store: Store) -> None:
    """Kills 'readiness: intent and story swapped'."""
    cards = store_cards.load_cards(store)
    ready = readiness(cards, lambda c: (0.9, 0.2), seen={c.id for c in cards})
    assert (ready.intent, ready.story) == pytest.approx((0.9, 0.2))
    assert all((f.intent, f.story) == pytest.approx((0.9, 0.2)) for f in ready.families)


def _strong_and_weak() -> tuple[Memory, Memory]:
    strong = weak = scheduler.new_memory(T0)
    for day in (0, 1, 4, 12):
        at = T0 + timedelta(days=day)
        strong = scheduler.review(strong, Rating.GOOD, at, local=UTC, fuzz=False)
        weak = scheduler.review(weak, Rating.AGAIN if day else Rating.HARD, at, local=UTC,
                                fuzz=False)
    return strong, weak


def test_the_forecast_keeps_each_facets_recall() -> None:
    """Kills 'forecast: the facets' recall swapped'."""
    strong, weak = _strong_and_weak()
    at = T0 + timedelta(days=30)
    intent_r, story_r = Projection(strong, weak, ()).recall(at, FacetParameters(), local=UTC)
    assert intent_r == pytest.approx(scheduler.retrievability(strong, at, local=UTC))
    assert story_r == pytest.approx(scheduler.retrievability(weak, at, local=UTC))
    assert intent_r > story_r
    reverse = Projection(weak, strong, ()).recall(at, FacetParameters(), local=UTC)
    assert reverse == pytest.approx((story_r, intent_r))


def test_stats_recall_keeps_each_facet() -> None:
    """Kills 'recall: retrievability of the story read from the intent'."""
    strong, weak = _strong_and_weak()
    seen = SeenQuestion("q", "alpha", "?", "?", 1, intent=weak, story=strong)
    at = T0 + timedelta(days=30)
    assert seen.recall(at, local=UTC) == pytest.approx(
        (scheduler.retrievability(weak, at, local=UTC),
         scheduler.retrievability(strong, at, local=UTC)))


# ------------------------------------------------------------------ Anki buttons


def test_anki_buttons_reach_the_facet_of_their_card_type() -> None:
    """Kills 'anki: the two card types' facets swapped': ordinal 0 is the Intent card."""
    intent_card = core_anki.CARD_FACETS.index("intent")
    story_card = core_anki.CARD_FACETS.index("story")
    assert core_anki.facet_rating(intent_card, 2) == ("intent", Rating.HARD)
    assert core_anki.facet_rating(story_card, 2) == ("story", Rating.HARD)  # "close"
    assert core_anki.facet_rating(story_card, 1) == ("story", Rating.AGAIN)
    assert core_anki.facet_rating(intent_card, 4) == ("intent", Rating.EASY)
    assert core_anki.facet_rating(story_card, 3) == ("story", Rating.GOOD)


# ------------------------------------------------------------------ decoding


def _pick(store: Store, at: datetime, qid: str, picked: str, options: tuple[str, ...]) -> None:
    right = picked == qid
    collection.grade(store, clock(at), qid, intent=Rating.GOOD if right else Rating.AGAIN,
                     story=StoryAnswer(verdict=True), fuzz=False,
                     choice=IntentChoice(qid, picked, options, 3.0))


def test_a_confusion_is_told_apart_only_with_the_rival_on_offer(store: Store) -> None:
    """Kills 'decode: told apart without the rival on offer'."""
    at = T0
    _pick(store, at, "alpha-1", "alpha-2", ("alpha-1", "alpha-2", "beta-1", "beta-2"))
    for _ in range(TOLD_APART + 1):  # right every time, but alpha-2 is never among the four
        at += timedelta(days=2)
        _pick(store, at, "alpha-1", "alpha-1", ("alpha-1", "alpha-3", "beta-1", "beta-2"))
    assert practice.mistaken_for(store, "alpha-1") == ["alpha-2"]
    for _ in range(TOLD_APART):
        at += timedelta(days=2)
        _pick(store, at, "alpha-1", "alpha-1", ("alpha-1", "alpha-2", "beta-1", "beta-3"))
    assert practice.mistaken_for(store, "alpha-1") == []


# ------------------------------------------------------------------ the commute's "partly"


def test_commute_partly_is_hard_on_both_facets_as_pressed(home: Path, mini_deck: Path) -> None:
    """Kills 'commute: p grades Again': `p` pressed, nothing undone, the row read back."""
    env = {**os.environ, "COLUMNS": "80", "LINES": "24", "TERM": "xterm"}
    cli("deck", "load", str(mini_deck))  # in-process setup (tests/shared.py)
    child = pexpect.spawn(sys.executable, ["-m", "emdrill", "commute"], env=env,
                          encoding="utf-8", timeout=20, dimensions=(24, 80))
    child.delaybeforesend = None  # each key follows an expect(): no extra pause
    child.expect("Question alpha-1")
    child.send(" ")
    child.expect("nailed")
    child.send("p")
    child.expect("Question beta-1")
    child.send("q")
    child.expect(pexpect.EOF)
    con = sqlite3.connect(home / "emdrill.db")
    try:
        rows = con.execute("SELECT question_id, intent_rating, story_rating, mode "
                           "FROM review").fetchall()
    finally:
        con.close()
    assert rows == [("alpha-1", int(Rating.HARD), int(Rating.HARD), "commute")]
