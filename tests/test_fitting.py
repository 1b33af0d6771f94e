"""Personal FSRS parameters: the optimizer's items from a history, `optimize` keeping the
defaults unless a fit lowers the log loss, and scheduling with the parameters it keeps."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import DECK_HEADER, question
from emdrill.cli.base import open_here
from emdrill.core import fitting
from emdrill.core.fitting import FacetHistory, StoredFit, TrainingSet
from emdrill.core.scheduler import DEFAULT_PARAMETERS, Rating, review
from emdrill.core.timing import Clock
from emdrill.ops import decks, grading, opening, optimize, simulation
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads
from emdrill.store import interview as store_interview
from emdrill.store.db import Store

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PLUS_ONE_CLOCK = Clock(now=T0, local=UTC)


def at(day: int, hour: int = 9) -> datetime:
    return T0 + timedelta(days=day, hours=hour - 9)


# ---------------------------------------------------------------- items


def test_each_answer_a_study_day_or_more_after_the_last_is_one_item() -> None:
    history = FacetHistory("q", [(at(0), 1), (at(0, 10), 3), (at(1, 3), 3), (at(2), 3),
                                 (at(9), 1)])
    items = fitting.training_items([history], PLUS_ONE_CLOCK)
    # 03:00 on day 1 still belongs to day 0 (days start at 04:00)
    assert list(items) == [((1, 0), (3, 0), (3, 0), (3, 2)),
                           ((1, 0), (3, 0), (3, 0), (3, 2), (1, 7))]
    assert len(items) == 2 and items[1] == list(items)[1] and items.steps() == 9


def test_the_optimizers_items_hold_the_same_steps() -> None:
    """Each item the optimizer gets is its history up to that review, whatever history it
    comes from (the objects are shared between items, so a slip in a slice shows here)."""
    histories = [FacetHistory("a", [(at(0), 1), (at(1), 3), (at(3), 2), (at(3, 15), 3)]),
                 FacetHistory("b", [(at(0), 3)]),
                 FacetHistory("c", [(at(0), 4), (at(5), 3)])]
    items = fitting.training_items(histories, PLUS_ONE_CLOCK)
    converted = items.converted()
    # the binding shows a review only through its repr: FSRSReview { rating: 3, delta_t: 1 }
    seen = [tuple((int(m[1]), int(m[2])) for m in (re.search(r"rating: (\d+), delta_t: (\d+)",
                                                             repr(r)) for r in item.reviews)
                  if m) for item in converted]
    assert seen == list(items) == [((1, 0), (3, 1)), ((1, 0), (3, 1), (2, 2)), ((4, 0), (3, 5))]
    assert items.converted() is converted  # made once, for the fit and both scores


def test_first_sights_and_same_day_answers_are_no_items() -> None:
    assert list(fitting.training_items([FacetHistory("q", [(at(0), 3), (at(0, 11), 3)])],
                                       PLUS_ONE_CLOCK)) == []


def test_the_offer_waits_for_enough_answers_then_for_growth() -> None:
    assert not fitting.should_offer(fitting.OFFER_AT - 1, [])
    assert fitting.should_offer(fitting.OFFER_AT, [])
    last = StoredFit("intent", None, 80, 400, None, None, T0)
    assert not fitting.should_offer(599, [last])
    assert fitting.should_offer(600, [last])


# ---------------------------------------------------------------- a simulated history


def _history(home: Path) -> None:
    """A learner who forgets faster than FSRS's defaults expect, 25 days of drills."""
    deck = home.parent / "deck.toml"
    deck.write_text(DECK_HEADER + "".join(question(f"alpha-{i}", "alpha") for i in range(30)),
                    encoding="utf-8")
    store = open_here(autoload=False)
    try:
        decks.load_paths(store, [deck], now=T0)
        opening.change_setting(store, "new-per-day", "6")
        learner = simulation.Learner("alpha", weak_learning=0.3, first_sight=0.6)
        plan = simulation.SimulationPlan(days=25, answers=16, start=T0)
        tally: Counter[str] = Counter()
        for day in range(plan.days):
            simulation.drill_day(store, learner, plan, day=day, tally=tally)
    finally:
        store.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("history") / "home"
    folder.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMDRILL_HOME", str(folder))
        _history(folder)
    return folder / "emdrill.db"


@pytest.fixture
def store(built: Path, home: Path) -> Store:
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(built, home / "emdrill.db")
    return open_here(autoload=False)


LATER = Clock(now=T0 + timedelta(days=26), local=UTC)


def _returning(values: Sequence[float]) -> optimize.Fitter:
    def fit(_items: TrainingSet) -> Sequence[float]:
        return values

    return fit


def test_the_history_is_enough_to_fit(store: Store) -> None:
    for facet in ("intent", "story"):
        items = fitting.training_items(store_interview.histories(store, facet), LATER)
        assert len(items) >= fitting.MIN_REVIEWS


def test_optimize_keeps_the_defaults_when_fitting_does_not_improve(store: Store) -> None:
    results = optimize.optimize(store, LATER, fitter=_returning(DEFAULT_PARAMETERS))
    assert [r.kept for r in results] == ["default", "default"]
    for r in results:
        assert r.default is not None and r.fitted is not None
        assert r.fitted.log_loss == r.default.log_loss  # the same, so not better
    assert optimize.in_force(store).intent is None and optimize.in_force(store).story is None


def test_optimize_keeps_the_defaults_when_the_fit_is_worse(store: Store) -> None:
    worse = list(DEFAULT_PARAMETERS)
    worse[:4] = [90.0, 90.0, 90.0, 90.0]  # absurdly long first intervals
    results = optimize.optimize(store, LATER, fitter=_returning(worse))
    for r in results:
        assert r.fitted is not None and r.default is not None
        assert r.fitted.log_loss > r.default.log_loss and r.kept == "default"
    assert optimize.in_force(store).intent is None


def test_an_unusable_fit_is_not_kept(store: Store) -> None:
    results = optimize.optimize(store, LATER, fitter=_returning([1.0, 2.0]))
    assert all(r.fitted is None and r.kept == "default" for r in results)


def test_a_better_fit_is_kept_and_scheduling_uses_it(store: Store) -> None:
    results = optimize.optimize(store, LATER)
    better = [r for r in results if r.kept == "fitted"]
    assert better, results  # this learner forgets faster than the defaults expect
    for r in better:
        assert r.fitted is not None and r.default is not None
        assert r.fitted.log_loss < r.default.log_loss
        assert store_interview.load_fits(store)[r.facet].log_loss == r.fitted.log_loss
    facet = better[0].facet
    params = optimize.in_force(store).of(facet)
    assert params is not None and params != DEFAULT_PARAMETERS
    # the next grade schedules that facet with the fitted parameters
    opening.change_setting(store, "adaptive", "off")
    before = card_reads.load_card(store, "alpha-29")
    graded = grading.grade(store, LATER, "alpha-29", intent=Rating.GOOD,
                           story=StoryAnswer(verdict=True), fuzz=False)
    due = graded.intent_due if facet == "intent" else graded.story_due
    memory = before.intent if facet == "intent" else before.story
    after = card_reads.load_card(store, "alpha-29")
    stored = after.intent if facet == "intent" else after.story
    fitted = review(memory, Rating.GOOD, LATER.now, fuzz=False, parameters=params, local=UTC)
    assert stored == fitted and due == fitted.due
    default = review(memory, Rating.GOOD, LATER.now, fuzz=False, local=UTC)
    assert stored.stability != default.stability
    # a later run whose fit is no better keeps the earlier fit
    again = {r.facet: r for r in optimize.optimize(store, LATER,
                                                   fitter=_returning(DEFAULT_PARAMETERS))}
    assert again[facet].kept == "previous" and optimize.in_force(store).of(facet) == params


def test_too_little_history_says_how_much_more(home: Path, mini_deck: Path) -> None:
    store = open_here(autoload=False)
    decks.load_paths(store, [mini_deck], now=T0)
    grading.grade(store, PLUS_ONE_CLOCK, "alpha-1", intent=Rating.GOOD,
                  story=StoryAnswer(slot=1))
    results = optimize.optimize(store, PLUS_ONE_CLOCK)
    assert [(r.reviews, r.needed, r.kept) for r in results] == [
        (0, fitting.MIN_REVIEWS, "default"), (0, fitting.MIN_REVIEWS, "default")]
    assert store_interview.load_fits(store)["story"].total_reviews == 1
