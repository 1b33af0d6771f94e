"""The next step in words (issue 11, points 7 and 9): the rule in `core.advice`, and what the
home screen reads for it (`store.recent`): stories written, slots relied on, answers this
week, the pace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from conftest import deck_store, question
from emdrill.cli.main import app
from emdrill.core.advice import backlog, weakest
from emdrill.core.cards import SYSTEM_ANSWER, Slot
from emdrill.core.scheduler import Rating
from emdrill.core.stories import Story
from emdrill.core.timing import Clock
from emdrill.core.weakness import WEAK_AT
from emdrill.ops import grading, story_edits
from emdrill.ops.grading import StoryAnswer
from emdrill.store import recent

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SLOTS = {1: Slot(1, "Managing an underperformer"), 5: Slot(5, "Difficult stakeholder")}


def test_the_weakest_family_names_the_gap_its_questions_rely_on_most() -> None:
    found = weakest({"alpha": WEAK_AT * 2, "beta": 0.0}, names={"alpha": "Alpha"},
                    week={"alpha": (6, 1), "beta": (6, 5)},
                    stories={"alpha": {1: 2, 5: 3, SYSTEM_ANSWER: 9}}, covered=(), slots=SLOTS)
    assert found is not None and (found.name, found.answers, found.right) == ("Alpha", 6, 1)
    assert found.slot == SLOTS[5] and found.slot_questions == 3  # never the system answer
    covered = weakest({"alpha": WEAK_AT * 2}, names={}, week={"alpha": (6, 1)},
                      stories={"alpha": {1: 2, 5: 3}}, covered={5}, slots=SLOTS)
    assert covered is not None and covered.slot == SLOTS[1]  # a written story is no gap
    assert weakest({"alpha": WEAK_AT / 2}, names={}, week={"alpha": (6, 1)},
                   stories={}, covered=(), slots=SLOTS) is None  # not weak enough to name
    assert weakest({"alpha": WEAK_AT * 2, "beta": 0.0}, names={},
                   week={"alpha": (6, 6), "beta": (6, 1)}, stories={}, covered=(),
                   slots=SLOTS) is None  # weak by its history, better than the rest now


def test_backlog_in_drills_at_the_users_pace() -> None:
    assert backlog(0, minutes=5, pace=None).drills == 0
    measured = backlog(45, minutes=5, pace=(20.0, 100))
    assert (measured.per_drill, measured.drills, measured.measured) == (15, 3, True)
    assert not backlog(10, minutes=5, pace=None).measured


QUESTIONS = (
    question("alpha-1", "alpha", story=1, also="[]"),
    question("alpha-2", "alpha", story=5, also="[]"),
    question("alpha-3", "alpha", story="system", also="[]"),
    question("beta-1", "beta", story=5, also="[]"),
)


def test_what_the_home_screen_reads(tmp_path: Path) -> None:
    store = deck_store(tmp_path, *QUESTIONS, now=T0)
    assert recent.stories_by_family(store) == {"alpha": {1: 1, 5: 1, SYSTEM_ANSWER: 1},
                                               "beta": {5: 1}}
    assert recent.covered_slots(store) == set()
    story_edits.add_story(store, Story(title="The feud", slots=(5, 1)), now=T0)
    assert recent.covered_slots(store) == {1, 5}
    assert recent.seconds_per_answer(store, last=10) is None
    clock = Clock(now=T0, local=UTC)
    grading.grade(store, clock, "alpha-1", intent=Rating.GOOD, story=StoryAnswer(slot=1),
                  seconds=12, mode="drill")
    grading.grade(store, clock, "alpha-2", intent=Rating.AGAIN, story=StoryAnswer(slot=5),
                  seconds=30, mode="drill")
    grading.record(store, clock, "beta-1", intent=Rating.GOOD, story=None, mode="anki")
    assert recent.seconds_per_answer(store, last=10) == (21.0, 2)
    assert recent.family_answers(store, since=T0 - timedelta(days=1)) == {
        "alpha": (2, 1), "beta": (1, 1)}  # an Anki review grades one facet: it counts right
    store.close()


def test_the_home_screen_moves_on_once_the_story_is_written(runner: CliRunner,
                                                           tmp_path: Path) -> None:
    store = deck_store(tmp_path, *QUESTIONS, now=T0)
    for day in range(6):  # alpha missed each day, beta right: alpha is the weakest
        clock = Clock(now=T0 - timedelta(days=6 - day), local=UTC)
        for qid in ("alpha-1", "alpha-2", "beta-1"):
            missed = qid.startswith("alpha")
            grading.grade(store, clock, qid, intent=Rating.AGAIN if missed else Rating.GOOD,
                          story=StoryAnswer(verdict=not missed), seconds=10, mode="drill")
    before = " ".join(runner.invoke(app, []).output.split())
    assert "Weakest: Alpha, 0 of 12 right this week." in before
    assert "write your story for slot 1 (Managing an underperformer)" in before
    story_edits.add_story(store, Story(title="The quiet senior", slots=(1,)), now=T0)
    store.close()
    after = " ".join(runner.invoke(app, []).output.split())
    assert "write your story for slot 5 (Difficult stakeholder)" in after


def test_a_slot_the_deck_does_not_name_is_not_named_twice() -> None:
    from emdrill.ui.advice_view import weakest_text

    def step(slots: dict[int, Slot]) -> str:
        found = weakest({"alpha": WEAK_AT * 2}, names={}, week={"alpha": (40, 19)},
                        stories={"alpha": {3: 21}}, covered=(), slots=slots)
        assert found is not None
        return next(str(t) for t in weakest_text(found) if str(t).startswith("Next step"))

    assert step({}).startswith("Next step: write your story for slot 3; ")
    assert step({3: Slot(3, "Sustainable delivery")}).startswith(
        "Next step: write your story for slot 3 (Sustainable delivery); ")


def test_a_family_missed_on_one_confused_pair_is_told_to_decode(runner: CliRunner,
                                                               tmp_path: Path) -> None:
    from emdrill.ops import decode

    store = deck_store(tmp_path, *QUESTIONS, now=T0)
    for day in range(6):  # alpha-1 and alpha-2 taken for each other every day, no story
        clock = Clock(now=T0 - timedelta(days=6 - day), local=UTC)
        decode.record_pick(store, clock, "alpha-1", "alpha-2", story=StoryAnswer(slot=1))
        decode.record_pick(store, clock, "alpha-2", "alpha-1", story=StoryAnswer(slot=5))
        grading.grade(store, clock, "beta-1", intent=Rating.GOOD,
                      story=StoryAnswer(slot=5), seconds=10, mode="drill")
    store.close()
    screen = " ".join(runner.invoke(app, []).output.split())
    assert "Weakest: Alpha, 0 of 12 right this week." in screen
    assert ("Next step: you confuse alpha-1 with alpha-2: emdrill drill --decode --family alpha"
            in screen)
    assert "write your story" not in screen  # slot 1 has no story, but that is not the problem


def test_a_pair_behind_few_of_the_misses_is_not_named() -> None:
    from emdrill.core.advice import confused_pair

    pairs = [("a", "b"), ("c", "d")]
    assert confused_pair(8, {"a": 3, "b": 2, "e": 3}, pairs) == ("a", "b")
    assert confused_pair(12, {"a": 3, "b": 2, "e": 7}, pairs) is None  # 5 of 12
    assert confused_pair(1, {"a": 1}, pairs) is None  # one miss says nothing
    assert confused_pair(4, {"a": 1}, []) is None


def test_the_advice_reads_as_plain_english() -> None:
    """Issue 24's wording: no "2 5-minute drills", no "1 of its questions rely"."""
    from emdrill.core.advice import Backlog, Weakest
    from emdrill.core.cards import Slot
    from emdrill.ui.advice_view import backlog_text, weakest_text

    assert backlog_text(Backlog(37, 5, 30, True)).plain == (
        "37 questions due: about 2 drills of 5 minutes clear them (30 answers a drill at "
        "your pace).")
    assert backlog_text(Backlog(1, 5, 30, False)).plain == (
        "1 question due: one 5-minute drill clears it (30 answers a drill at about 20 "
        "seconds an answer).")
    slot = Slot(7, "Resolving team conflict")
    lines = [t.plain for t in weakest_text(Weakest("conflict", "Conflict", 6, 2, 0.8, slot, 1))]
    assert lines[1] == ("Next step: write your story for slot 7 (Resolving team conflict); "
                        "1 of its questions relies on it.")
    lines = [t.plain for t in weakest_text(Weakest("conflict", "Conflict", 6, 2, 0.8, slot, 4))]
    assert lines[1].endswith("4 of its questions rely on it.")
