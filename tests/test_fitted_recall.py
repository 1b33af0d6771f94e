"""Once `optimize` keeps personal FSRS parameters, every recall figure uses them: stats,
shaky (its ranking too), `show --json`, practice and mock picks; not FSRS's defaults."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emdrill.cli.main import app
from emdrill.core.fitting import StoredFit
from emdrill.core.order import practice_queue
from emdrill.core.scheduler import DEFAULT_PARAMETERS, FacetParameters, Rating, recall_after
from emdrill.core.timing import Clock
from emdrill.ops import decks, grading, opening, optimize
from emdrill.ops import stats as ops_stats
from emdrill.ops.grading import StoryAnswer
from emdrill.ops.opening import Store
from emdrill.store import card_reads
from emdrill.store import interview as store_interview
from emdrill.store.codec import to_db_time

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=40)


def _with_decay(decay: float) -> tuple[float, ...]:
    return (*DEFAULT_PARAMETERS[:20], decay)


# The intent's curve falls much faster than the default one, the story's much slower.
FIT = FacetParameters(intent=_with_decay(0.8), story=_with_decay(0.1))


def _fit(store: Store) -> None:
    for facet in ("intent", "story"):
        store_interview.save_fit(store, StoredFit(
            facet=facet, parameters=FIT.of(facet), reviews=400, total_reviews=800,
            log_loss=0.3, rmse=0.02, fitted_at=T0))


@pytest.fixture
def store(home: Path, mini_deck: Path) -> Store:
    store = opening.open_collection(home / "emdrill.db", now=T0, autoload=False)
    decks.load_paths(store, [mini_deck], now=T0)
    for qid in ("alpha-1", "beta-1"):
        grading.grade(store, Clock(T0, UTC), qid, intent=Rating.GOOD,
                      story=StoryAnswer(verdict=True))
    # alpha-1: the intent 20 days into a 10-day stability, the story fresh; beta-1 the other
    # way round, a little further out (22 of 10): the default curve calls beta-1 shakier.
    with store.transact("set up the test") as con:
        for qid, kind, stability, days in (("alpha-1", "intent", 10, 20),
                                           ("alpha-1", "story", 10, 0),
                                           ("beta-1", "intent", 10, 0),
                                           ("beta-1", "story", 10, 22)):
            con.execute("UPDATE facet SET stability = ?, last_review = ? "
                        "WHERE question_id = ? AND kind = ?",
                        (stability, to_db_time(LATER - timedelta(days=days)), qid, kind))
    return store


def test_the_default_curve_and_the_fit_disagree_on_which_is_shakier() -> None:
    # the premise of the tests below
    default = (recall_after(10, 20), recall_after(10, 22))
    fitted = (recall_after(10, 20, parameters=FIT.intent),
              recall_after(10, 22, parameters=FIT.story))
    assert default[0] > default[1]  # beta-1's story the lower by default
    assert fitted[0] < fitted[1]  # alpha-1's intent the lower under the fit


def test_stats_shaky_and_show_use_the_kept_parameters(store: Store,
                                                      runner: CliRunner) -> None:
    clock = Clock(LATER, UTC)
    before = ops_stats.shaky(store, clock, limit=1).questions
    assert [q.question.id for q in before] == ["beta-1"]
    _fit(store)
    assert optimize.in_force(store) == FIT
    shaky = ops_stats.shaky(store, clock, limit=1).questions
    assert [q.question.id for q in shaky] == ["alpha-1"]
    assert shaky[0].intent_retrievability == pytest.approx(
        recall_after(10, 20, parameters=FIT.intent))
    family = {f.family: f for f in ops_stats.report(store, clock).families}["alpha"]
    # alpha's seen questions: alpha-1 only
    assert family.intent_retrievability == pytest.approx(
        recall_after(10, 20, parameters=FIT.intent))
    assert family.story_retrievability == pytest.approx(1.0)
    shown = runner.invoke(app, ["show", "beta-1", "--json"],
                          env={"EMDRILL_NOW": LATER.isoformat()})
    assert shown.exit_code == 0, shown.output
    facets = json.loads(shown.output)["facets"]
    assert facets["story"]["retrievability"] == pytest.approx(
        recall_after(10, 22, parameters=FIT.story), abs=1e-4)
    assert facets["story"]["retrievability"] != pytest.approx(recall_after(10, 22), abs=1e-3)


def test_practice_takes_the_shakiest_under_the_fit(store: Store) -> None:
    cards = [c for c in card_reads.load_cards(store) if not c.is_new]
    plain = practice_queue(cards, now=LATER, weakness=None, limit=1)
    fitted = practice_queue(cards, now=LATER, weakness=None, limit=1, parameters=FIT)
    assert [i.card.id for i in plain] == ["beta-1"]
    assert [i.card.id for i in fitted] == ["alpha-1"]
