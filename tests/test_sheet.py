"""The loop morning sheet, pure (`core.sheet`): crafted cards, stories, confusions and
recall in, the leads, pairs and weakest intents out; and its words on screen (`ui.sheet_view`)
rendered to plain lines at 80 and 40 columns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from emdrill.core.cards import SYSTEM_ANSWER, Card, Question
from emdrill.core.decode import Confusion
from emdrill.core.groups import intent_groups
from emdrill.core.scheduler import Memory
from emdrill.core.sheet import Sheet, lead_of, loop_morning, make_sheet, weakest
from emdrill.core.stories import Story
from emdrill.core.timing import Clock
from emdrill.ui import sheet_view
from emdrill.ui.screen import render

NOW = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
SEEN = Memory(state=2, step=None, stability=5.0, difficulty=5.0, due=NOW + timedelta(days=3),
              last_review=NOW - timedelta(days=2))
NEW = Memory()


def q(qid: str, family: str, *, story: int = 1, system: str = "team", position: int = 0,
      siblings: tuple[str, ...] = (), intent: str | None = None) -> Question:
    return Question(id=qid, deck="d", family=family, text=f"Tell me about {qid}.",
                    intent=intent or f"Can you handle {qid}?", story=story, system=system,
                    siblings=siblings, position=position)


def card(question: Question, *, new: bool = False) -> Card:
    memory = NEW if new else SEEN
    return Card(question, memory, memory)


# A crafted deck: decisions (five reviewed, two of them siblings, one new), stakeholders
# (slot 5, no story written), career (a system answer).
QUESTIONS = [
    q("dec-a", "decisions", position=1), q("dec-b", "decisions", position=2),
    q("dec-c", "decisions", position=3, siblings=("dec-d",)),
    q("dec-d", "decisions", position=4), q("dec-e", "decisions", position=5),
    q("dec-new", "decisions", position=6),
    q("st-a", "stakeholders", story=5, system="stakeholders", position=7),
    q("car-a", "career", story=SYSTEM_ANSWER, system="self", position=8),
]
CARDS = [card(x, new=x.id == "dec-new") for x in QUESTIONS]
BY_ID = {x.id: x for x in QUESTIONS}
RECALL = {"dec-a": 0.95, "dec-b": 0.40, "dec-c": 0.55, "dec-d": 0.50, "dec-e": 0.70,
          "dec-new": 0.0, "st-a": 0.90, "car-a": 0.99}
NAMES = {"decisions": "Decisions and judgment", "stakeholders": "Stakeholders and influence",
         "career": "You and your career"}
STORIES = [Story(title="Shipping without the load test", slots=(6, 1), id=1),
           Story(title="The quiet senior who stopped shipping", slots=(1,), id=2)]


def confusion(a: str, b: str, count: int, *, told_apart: bool = False) -> Confusion:
    return Confusion(BY_ID[a], BY_ID[b], count, NOW, told_apart, f'"{a}" → x  vs  "{b}" → y')


def sheet(*, confusions: Sequence[Confusion] = (), misses: dict[str, int] | None = None,
          stories: Sequence[Story] = STORIES, cards: Sequence[Card] = CARDS) -> Sheet:
    return make_sheet(cards, family_names=NAMES, stories=stories,
                      systems={"team": "I decide with the team.\nThen I explain why."},
                      misses=misses or {}, groups=intent_groups(c.question for c in cards),
                      confusions=confusions, recall=lambda c: RECALL[c.id])


def test_the_three_weakest_reviewed_intents_lowest_first_one_per_group() -> None:
    weak = sheet().weakest
    # dec-b 0.40, then dec-d 0.50 stands for its group (dec-c 0.55 is its sibling), then
    # dec-e 0.70; the new question (recall 0) is not among them: there is nothing to re-read.
    assert [(w.question_id, w.recall) for w in weak] == [
        ("dec-b", 0.40), ("dec-d", 0.50), ("dec-e", 0.70)]
    assert weak[0].intent == "Can you handle dec-b?"


def test_weakest_ties_follow_the_deck_order() -> None:
    cards = [c for c in CARDS if c.id in ("dec-a", "dec-e", "st-a")]
    chosen = weakest(cards, {}, lambda c: 0.5)
    assert [w.question_id for w in chosen] == ["dec-a", "dec-e", "st-a"]


def test_each_family_leads_with_its_most_missed_intent_in_deck_order() -> None:
    found = sheet(misses={"dec-e": 3, "dec-b": 1}).leads
    assert [(f.family, f.question_id) for f in found] == [
        ("decisions", "dec-e"), ("stakeholders", "st-a"), ("career", "car-a")]
    assert found[0].misses == 3 and found[0].name == "Decisions and judgment"
    # dec-e's slot 1 has two stories: the one whose main slot it is wins, as on the back
    assert found[0].story == "The quiet senior who stopped shipping"
    assert found[0].system_text == "I decide with the team."  # the system's first line


def test_without_a_miss_the_largest_intent_group_leads() -> None:
    cards = [c for c in CARDS if c.family == "decisions"]
    groups = intent_groups(c.question for c in cards)
    assert lead_of(cards, {}, groups).id == "dec-c"  # dec-c and dec-d: a group of two


def test_a_story_tagged_with_the_question_wins() -> None:
    tagged = Story(title="Tagged for dec-a", slots=(1,), tags=("dec-a",), id=3)
    found = sheet(misses={"dec-a": 1}, stories=[*STORIES, tagged]).leads[0]
    assert found.story == "Tagged for dec-a"


def test_a_family_without_a_story_or_system_says_so() -> None:
    found = {f.family: f for f in sheet().leads}
    stake, career = found["stakeholders"], found["career"]
    assert stake.story is None and stake.slot == 5 and stake.system_text is None
    assert career.slot == SYSTEM_ANSWER and career.story is None
    assert sheet_view.story_line(stake) == (
        "no story yet for slot 5: emdrill story add --slot 5")
    assert sheet_view.system_line(stake) == (
        "no stakeholders system yet: emdrill system edit stakeholders")
    assert sheet_view.story_line(career).startswith("a system answer")
    text = _text(sheet(), 80)
    assert "no story yet for slot 5" in text
    assert "Stakeholders  no story 5" in " ".join(_lines(sheet(), 80, compact=True))


def test_open_confused_pairs_with_the_line_that_tells_them_apart() -> None:
    pairs = sheet(confusions=[
        confusion("dec-a", "dec-b", 5),
        confusion("dec-b", "dec-a", 2),  # the same pair the other way round: once
        confusion("dec-c", "dec-e", 4, told_apart=True),  # told apart since: left off
        confusion("st-a", "dec-e", 3),
        confusion("dec-d", "dec-e", 2),
        confusion("car-a", "dec-a", 1),  # a fourth open pair: past PAIRS
    ]).pairs
    assert [(p.question_id, p.mistaken_for, p.count) for p in pairs] == [
        ("dec-a", "dec-b", 5), ("st-a", "dec-e", 3), ("dec-d", "dec-e", 2)]
    first = pairs[0]
    assert first.difference == '"dec-a" → x  vs  "dec-b" → y'
    assert (first.intent, first.mistaken_intent) == ("Can you handle dec-a?",
                                                     "Can you handle dec-b?")


def test_pairs_wholly_outside_the_scope_are_left_off() -> None:
    in_scope = [c for c in CARDS if c.family != "decisions"]
    found = sheet(cards=in_scope, confusions=[confusion("dec-a", "dec-b", 5),
                                              confusion("st-a", "dec-e", 1)])
    assert [p.question_id for p in found.pairs] == ["st-a"]
    assert [f.family for f in found.leads] == ["stakeholders", "career"]


# ---------------------------------------------------------------- the loop morning


@pytest.mark.parametrize(("now", "at", "morning"), [
    ("2026-03-12T07:30", "2026-03-12T09:00", True),  # the interview's study day
    ("2026-03-12T04:00", "2026-03-12T09:00", True),
    ("2026-03-11T22:00", "2026-03-12T09:00", False),  # the day before a 09:00 interview
    ("2026-03-12T03:59", "2026-03-12T09:00", False),  # before 04:00: still the day before
    ("2026-03-11T20:00", "2026-03-12T07:30", True),  # an early interview: the day before
    ("2026-03-11T03:00", "2026-03-12T07:30", False),  # two study days before it
    ("2026-03-11T10:00", "2026-03-12T08:00", False),  # 08:00 is not early
    ("2026-03-11T20:00", "2026-03-12T02:00", True),  # 02:00 belongs to the 11th's study day
])
def test_the_loop_morning(now: str, at: str, morning: bool) -> None:
    clock = Clock(now=datetime.fromisoformat(now).replace(tzinfo=UTC), local=UTC)
    assert loop_morning(clock, datetime.fromisoformat(at).replace(tzinfo=UTC)) is morning


# ---------------------------------------------------------------- words on screen


def _console(width: int) -> Console:
    return Console(width=width, color_system=None, force_terminal=False)


def _lines(s: Sheet, width: int, *, compact: bool = False) -> list[str]:
    con = _console(width)
    items = (sheet_view.compact(s, heading="Loop sheet", width=width, pairs=3) if compact
             else sheet_view.full(s, heading="Loop sheet"))
    return ["".join(seg.text for seg in line).rstrip() for line in render(con, items, width)]


def _text(s: Sheet, width: int) -> str:
    return " ".join(" ".join(_lines(s, width)).split())


LONG = ("Will you make a call people resist, and still have their trust and effort the "
        "week after the decision has landed on the whole team?")


@pytest.mark.parametrize("width", [80, 40])
def test_the_whole_sheet_wraps_every_text_in_full(width: int) -> None:
    cards = [card(q("dec-a", "decisions", intent=LONG)), *CARDS[1:]]
    s = sheet(cards=cards, misses={"dec-a": 2}, confusions=[confusion("dec-b", "dec-d", 2)])
    lines = _lines(s, width)
    assert max(map(len, lines)) <= width
    text = _text(s, width)
    assert LONG in text  # wrapped, not cut
    assert "The quiet senior who stopped shipping" in text
    assert "system team: I decide with the team." in text
    assert '"dec-b" → x vs "dec-d" → y' in text
    assert "Read once more: 40% Can you handle dec-b?" in text
    assert "…" not in text


def test_the_compact_sheet_keeps_a_line_per_family_and_cuts_between_words() -> None:
    cards = [card(q("dec-a", "decisions", intent=LONG)), *CARDS[1:]]
    s = sheet(cards=cards, misses={"dec-a": 2}, confusions=[confusion("dec-b", "dec-d", 2)])
    lines = _lines(s, 80, compact=True)
    assert max(map(len, lines)) <= 80
    row = next(line for line in lines if line.startswith("Decisions"))
    cut = row.split("team", 1)[1].strip()
    assert cut.endswith("…") and LONG.startswith(cut[:-1])
    assert LONG[len(cut) - 1] in " ,"  # the cut falls between words
    assert "Stories: 1 The quiet senior who stopped shipping" in lines


@pytest.mark.parametrize(("text", "room", "cut"), [
    ("Short enough.", 20, "Short enough."),
    ("Can you reach a clear decision when the facts are thin, and every option costs?", 60,
     "Can you reach a clear decision when the facts are thin…"),
    ("Do you act early and fairly on a performance problem, with a plan?", 40,
     "Do you act early and fairly on a…"),
    ("Unbreakable", 5, "Unbr…"),
])
def test_clause_cuts(text: str, room: int, cut: str) -> None:
    assert sheet_view.clause(text, room) == cut
    assert len(cut) <= room
