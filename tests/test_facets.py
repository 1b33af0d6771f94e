"""Two facets, two memories: every path that touches both keeps them apart.

Every fixture here gives intent and story different ratings, memories or parameters (the
intent forgotten while the story is right, and the reverse: `asymmetric` in conftest.py),
so a swap anywhere fails: in the grade, undo, replay, an Anki package's buttons, readiness
and the forecast, stats, `next --json`, `show --json` and the JSON export read back.
Each test names the mutant in bench/mutants.py it was written to kill.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pexpect
import pytest
from typer.testing import CliRunner

import procs
from conftest import ASYMMETRIC, STORE_NOW, anki_package, text_reviews
from emdrill.cli.main import app
from emdrill.core import anki as core_anki
from emdrill.core import forecast, scheduler
from emdrill.core.cards import Card
from emdrill.core.decode import TOLD_APART, IntentChoice
from emdrill.core.fitting import StoredFit
from emdrill.core.forecast import Projection
from emdrill.core.plan import FamilyReadiness, Readiness, readiness, weakest_families
from emdrill.core.scheduler import DEFAULT_PARAMETERS, FacetParameters, Memory, Rating
from emdrill.core.stats import SeenQuestion
from emdrill.core.timing import Clock
from emdrill.ops import anki_import, grading, opening, transfer
from emdrill.ops import interview as ops_interview
from emdrill.ops import stats as ops_stats
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads, practice, review_log
from emdrill.store import interview as store_interview
from emdrill.store.db import Store
from emdrill.ui.fmt import iso
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
    before = card_reads.load_card(store, "alpha-1")
    grading.grade(store, clock(T0), "alpha-1", intent=intent,
                  story=StoryAnswer(verdict=story_right), fuzz=False)
    after = card_reads.load_card(store, "alpha-1")
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
    before = card_reads.load_card(store, "alpha-1")
    opening.change_setting(store, "adaptive", "off")
    grading.grade(store, clock(T0), "alpha-1", intent=Rating.GOOD,
                  story=StoryAnswer(verdict=True), fuzz=False)
    after = card_reads.load_card(store, "alpha-1")
    assert after.intent == _expected(before.intent, Rating.GOOD, T0, fitted["intent"])
    assert after.story == _expected(before.story, Rating.GOOD, T0, fitted["story"])
    assert after.intent.stability != after.story.stability  # same rating, other curves


@pytest.mark.parametrize(("intent", "story_right"), BOTH, ids=IDS)
def test_undo_puts_each_facet_back(store: Store, intent: Rating, story_right: bool) -> None:
    """Kills 'undo: the facets put back crossed'."""
    grading.grade(store, clock(T0), "alpha-1", intent=intent,
                  story=StoryAnswer(verdict=story_right), fuzz=False)
    middle = card_reads.load_card(store, "alpha-1")
    assert middle.intent != middle.story
    grading.grade(store, clock(T0 + timedelta(days=2)), "alpha-1", intent=Rating.GOOD,
                  story=StoryAnswer(verdict=True), fuzz=False)
    grading.undo(store)
    back = card_reads.load_card(store, "alpha-1")
    assert (back.intent, back.story) == (middle.intent, middle.story)


@pytest.mark.parametrize("facet", ["intent", "story"])
def test_undoing_a_one_facet_review_puts_that_facet_back(store: Store, facet: str) -> None:
    """Kills 'undo: a one-facet review's facet left where it moved': an Anki review grades
    one facet; undone, that facet is back as it was and the other never moved. (Undo once
    put nothing back unless both facets' last review was the one undone.)"""
    grading.grade(store, clock(T0), "alpha-1", intent=Rating.GOOD,
                     story=StoryAnswer(verdict=True), fuzz=False)
    first = card_reads.load_card(store, "alpha-1")
    grading.record(store, clock(T0 + timedelta(days=1)), "alpha-1",
                      intent=Rating.AGAIN if facet == "intent" else None,
                      story=Rating.AGAIN if facet == "story" else None, mode="anki", fuzz=False)
    moved = card_reads.load_card(store, "alpha-1")
    assert _facets(moved)[facet] != _facets(first)[facet]
    grading.undo(store)
    assert _facets(card_reads.load_card(store, "alpha-1")) == _facets(first)
    assert review_log.last_reviews(store, 5)[0].reviewed_at == T0


def test_an_older_review_replays_the_later_ones_facet_by_facet(store: Store) -> None:
    """Kills 'replay: later reviews replayed with crossed ratings': an Anki review of the
    intent alone, older than a desk review that forgot the intent and got the story."""
    desk, phone = T0 + timedelta(days=3), T0 + timedelta(days=1)
    grading.grade(store, clock(T0), "alpha-1", intent=Rating.GOOD,
                  story=StoryAnswer(verdict=True), fuzz=False)
    first = card_reads.load_card(store, "alpha-1")
    grading.grade(store, clock(desk), "alpha-1", intent=Rating.AGAIN,
                  story=StoryAnswer(verdict=True), fuzz=False)
    grading.record(store, clock(phone), "alpha-1", intent=Rating.HARD, story=None,
                   mode="anki", fuzz=False)
    card = card_reads.load_card(store, "alpha-1")
    intent = _expected(_expected(first.intent, Rating.HARD, phone), Rating.AGAIN, desk)
    story = _expected(first.story, Rating.GOOD, desk)
    assert card.intent.stability == pytest.approx(intent.stability)
    assert card.intent.difficulty == pytest.approx(intent.difficulty)
    assert card.story.stability == pytest.approx(story.stability)
    assert card.story.difficulty == pytest.approx(story.difficulty)


# ------------------------------------------------------------------ readiness and forecast


def test_readiness_reports_intent_and_story_apart(store: Store) -> None:
    """Kills 'readiness: intent and story swapped'."""
    cards = card_reads.load_cards(store)
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
    grading.grade(store, clock(at), qid, intent=Rating.GOOD if right else Rating.AGAIN,
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
    child = procs.PtySpawn(sys.executable, ["-m", "emdrill", "commute"], env=env,
                           encoding="utf-8", timeout=20, dimensions=(24, 80))
    child.delaybeforesend = None  # each key follows an expect(): no extra pause
    child.expect("Question alpha-1")
    child.send(" ")
    child.expect("nailed")
    child.send("p")
    child.expect("Question beta-1")
    child.send("q")
    child.expect(pexpect.EOF)
    con = text_reviews(sqlite3.connect(home / "emdrill.db"))
    try:
        rows = con.execute("SELECT question_id, intent_rating, story_rating, mode "
                           "FROM review").fetchall()
    finally:
        con.close()
    assert rows == [("alpha-1", int(Rating.HARD), int(Rating.HARD), "commute")]


# ------------------------------------------------------------------ what is read back
# These start from the shared `asymmetric` store (conftest.py): alpha-1 graded with the
# intent forgotten and the story right, beta-1 the reverse, both at T0.


def _facets(card: Card) -> dict[str, Memory]:
    return {"intent": card.intent, "story": card.story}


def test_next_json_gives_each_question_its_earlier_facets_due(asymmetric: Store,
                                                              runner: CliRunner,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    """Kills 'card: a question is due when its later facet is': the forgotten facet comes
    back first, whichever it is."""
    monkeypatch.setenv("EMDRILL_NOW", (T0 + timedelta(days=1)).isoformat())
    result = runner.invoke(app, ["next", "--json", "--limit", "2"])
    assert result.exit_code == 0, result.output
    due = {item["id"]: item["due"] for item in json.loads(result.output)}
    alpha, beta = (card_reads.load_card(asymmetric, q) for q in ("alpha-1", "beta-1"))
    assert alpha.intent.due is not None and beta.story.due is not None
    assert alpha.intent.due < alpha.story.due  # type: ignore[operator]
    assert beta.story.due < beta.intent.due  # type: ignore[operator]
    assert due == {"alpha-1": iso(alpha.intent.due), "beta-1": iso(beta.story.due)}


@pytest.mark.parametrize("qid", ["alpha-1", "beta-1"])
def test_show_json_gives_each_facet_its_own_memory_and_grade(asymmetric: Store,
                                                             runner: CliRunner,
                                                             qid: str) -> None:
    """Kills 'show --json: the facets' memories crossed' and 'show --json: a review's
    facet grades crossed'."""
    result = runner.invoke(app, ["show", qid, "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    card = card_reads.load_card(asymmetric, qid)
    for facet, memory in _facets(card).items():
        got = shown["facets"][facet]
        assert memory.due is not None and memory.stability is not None
        assert (got["due"], got["stability_days"]) == (iso(memory.due),
                                                       round(memory.stability, 4)), facet
    _, intent, right = next(a for a in ASYMMETRIC if a[0] == qid)
    assert [(r["intent"], r["story"]) for r in shown["reviews"]] == [
        (intent.label, _story(right).label)]


def test_the_json_export_and_import_keep_each_facet(asymmetric: Store, tmp_path: Path) -> None:
    """Kills 'export json: the progress rows' facets read back crossed': a collection
    exported and imported elsewhere has every facet's memory where it was."""
    dump = tmp_path / "export.json"
    transfer.export_json(asymmetric, dump, now=T0)
    fresh = tmp_path / "fresh" / "emdrill.db"
    transfer.import_json(fresh, dump, now=T0)
    elsewhere = opening.open_collection(fresh, now=T0, autoload=False)
    try:
        for qid, _intent, _right in ASYMMETRIC:
            here, there = (card_reads.load_card(s, qid) for s in (asymmetric, elsewhere))
            assert here.intent != here.story
            assert _facets(there) == _facets(here), qid
    finally:
        elsewhere.close()


# ------------------------------------------------------------------ an Anki package read back


def _anki_package(tmp_path: Path, answers: list[tuple[str, int, int, datetime]]) -> Path:
    """A package as Anki writes its tables: a note per question (emdrill's GUID), its Intent
    (ordinal 0) and Story (ordinal 1) cards, and the answers (question, ordinal, button,
    when) in the review log."""
    notes = sorted({qid for qid, *_ in answers})

    def fill(con: sqlite3.Connection) -> None:
        for n, qid in enumerate(notes, start=1):
            con.execute("INSERT INTO notes VALUES (?, ?)",
                        (n, core_anki.note_guid("mini", qid)))
            con.executemany("INSERT INTO cards VALUES (?, ?, ?)",
                            [(n * 10 + ordinal, n, ordinal) for ordinal in (0, 1)])
        for qid, ordinal, ease, when in answers:
            card = (notes.index(qid) + 1) * 10 + ordinal
            con.execute("INSERT INTO revlog VALUES (?, ?, ?, ?, 4200, 0)",
                        (int(when.timestamp() * 1000), card, ease, core_anki.LEARNING))

    return anki_package(tmp_path, "phone.apkg", fill)


def test_an_anki_button_moves_only_the_facet_of_its_card(store: Store, tmp_path: Path) -> None:
    """Kills 'anki import: a button recorded on the other facet': Again on alpha-2's Intent
    card and Good on beta-2's Story card each move that facet alone."""
    phone = T0 + timedelta(hours=2)
    package = _anki_package(tmp_path, [("alpha-2", 0, 1, phone),
                                       ("beta-2", 1, 3, phone + timedelta(minutes=1))])
    done = anki_import.import_anki(store, clock(T0 + timedelta(days=1)), package)
    assert len(done.planned) == 2
    fresh = card_reads.load_card(store, "alpha-3").intent  # never reviewed
    alpha, beta = (card_reads.load_card(store, q) for q in ("alpha-2", "beta-2"))
    assert alpha.intent == _expected(fresh, Rating.AGAIN, phone) and alpha.story.is_new
    assert beta.story == _expected(fresh, Rating.GOOD, phone + timedelta(minutes=1))
    assert beta.intent.is_new


# ------------------------------------------------------------------ the plan's readiness


def test_the_interview_outlook_reads_each_facets_recall(asymmetric: Store) -> None:
    """Kills 'interview: morning recall of the facets crossed': two days on, alpha's story
    (right) is recalled better than its intent (forgotten), beta's the reverse; the plan's
    readiness now and on the day keep the facets apart."""
    later = clock(T0 + timedelta(days=2))
    ops_interview.set_interview(asymmetric, later, "2026-03-20")
    seen = ops_interview.outlook(asymmetric, later, opening.settings(asymmetric))
    assert seen is not None
    cards = {q: card_reads.load_card(asymmetric, q) for q in ("alpha-1", "beta-1")}
    for moment in (seen.plan.now, seen.plan.readiness):
        family = {f.family: f for f in moment.families}
        assert family["alpha"].intent < family["alpha"].story
        assert family["beta"].story < family["beta"].intent
    now = {f.family: f for f in seen.plan.now.families}
    for qid, fam in (("alpha-1", "alpha"), ("beta-1", "beta")):
        r = [scheduler.retrievability(m, later.now, local=UTC)
             for m in _facets(cards[qid]).values()]
        assert (now[fam].intent, now[fam].story) == pytest.approx(
            (r[0] / now[fam].in_scope, r[1] / now[fam].in_scope))


@pytest.mark.parametrize(("intent", "story", "do"), [(0.2, 0.8, "decode"),
                                                     (0.8, 0.2, "stories")])
def test_a_weak_familys_advice_names_its_weaker_facet(intent: float, story: float,
                                                      do: str) -> None:
    """Kills 'plan: a weak family's advice names the other facet'."""
    families = (FamilyReadiness("alpha", 2, 2, intent, story),
                FamilyReadiness("beta", 2, 2, 0.9, 0.9), FamilyReadiness("gamma", 2, 2, 0.95, 0.95))
    weakest = weakest_families(Readiness(0.5, 0.5, families), days_left=5, count=1)
    assert [(w.family, w.do) for w in weakest] == [("alpha", do)]


# ------------------------------------------------------------------ the forecast's parts


def test_a_new_questions_first_days_keep_each_facets_first_sight() -> None:
    """Kills 'forecast: first sights' recall rates crossed' and 'forecast: first days'
    recall read crossed': an intent recalled at first sight almost always, a story almost
    never, and the reverse."""
    def recall(first_sight: tuple[float, float]) -> tuple[float, float]:
        days = forecast.first_days(3, minutes=20.0, first_sight=first_sight, retention=0.9,
                                   parameters=FacetParameters())
        return days.recall(timedelta(days=2), FacetParameters())

    intent, story = recall((0.95, 0.05))
    assert intent > story + 0.05
    intent, story = recall((0.05, 0.95))
    assert story > intent + 0.05


def test_a_followed_path_schedules_each_facet_with_its_own_parameters() -> None:
    """Kills 'forecast: a followed path's facets reviewed with each other's parameters'."""
    sure = tuple(w * (3.0 if i in (0, 1, 2, 3) else 1.0) for i, w in enumerate(DEFAULT_PARAMETERS))
    shaky = tuple(w * (0.3 if i in (0, 1, 2, 3) else 1.0) for i, w in enumerate(DEFAULT_PARAMETERS))
    strong, weak = scheduler.check_parameters(sure), scheduler.check_parameters(shaky)

    def ends(parameters: FacetParameters) -> Projection:
        drills = [T0 + timedelta(days=d) for d in range(20)]
        path = forecast.Path(drills=drills, interview=T0 + timedelta(days=21), retention=0.9,
                             target=0.9, parameters=parameters)
        return forecast.introduce(0, path)

    one = ends(FacetParameters(intent=strong, story=weak))
    assert one.intent.stability > one.story.stability  # type: ignore[operator]
    other = ends(FacetParameters(intent=weak, story=strong))
    assert other.story.stability > other.intent.stability  # type: ignore[operator]


# ------------------------------------------------------------------ the grade's reply, stats


@pytest.mark.parametrize(("intent", "story_right"), BOTH, ids=IDS)
def test_the_grades_reply_gives_each_facet_its_own_rating_and_due(
        store: Store, intent: Rating, story_right: bool) -> None:
    """Kills 'grade: the reply's facets crossed': what `grade` prints comes from it."""
    got = grading.grade(store, clock(T0), "alpha-1", intent=intent,
                           story=StoryAnswer(verdict=story_right), fuzz=False)
    after = card_reads.load_card(store, "alpha-1")
    assert after.intent.due != after.story.due
    assert (got.intent_rating, got.story_rating) == (intent, _story(story_right))
    assert (got.intent_due, got.story_due) == (after.intent.due, after.story.due)


def test_stats_give_each_facet_its_own_recall(asymmetric: Store) -> None:
    """Kills 'stats: intent recall read from the story's counts' and 'stats: a family's
    intent and story retrievability crossed'."""
    later = clock(T0 + timedelta(days=2))
    report = {f.family: f for f in ops_stats.report(asymmetric, later).families}
    alpha, beta = report["alpha"], report["beta"]
    assert (alpha.recent.intent_recall, alpha.recent.story_accuracy) == (0.0, 1.0)
    assert (beta.recent.intent_recall, beta.recent.story_accuracy) == (1.0, 0.0)
    for family, qid in (("alpha", "alpha-1"), ("beta", "beta-1")):
        card = card_reads.load_card(asymmetric, qid)
        assert (report[family].intent_retrievability,
                report[family].story_retrievability) == pytest.approx(
            (scheduler.retrievability(card.intent, later.now, local=UTC),
             scheduler.retrievability(card.story, later.now, local=UTC)), abs=1e-3)
