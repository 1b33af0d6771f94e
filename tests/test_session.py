"""Queue rules and the session core, with a clock moved by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from emdrill.cli.base import open_here
from emdrill.core.cards import Card, Question
from emdrill.core.order import (
    QueueItem,
    build_queue,
    declump,
    due_cards,
    goes_first,
    new_order,
)
from emdrill.core.scheduler import Memory, Rating
from emdrill.core.timing import Clock
from emdrill.ops import decks
from emdrill.ops.drill import PRACTICE_ROUND, Session
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads, review_log

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class ManualClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> Clock:
        return Clock(now=self.now, local=UTC)


def _session(mini_deck: Path, **kwargs: object) -> tuple[Session, ManualClock]:
    store = open_here(autoload=False)
    decks.load_paths(store, [mini_deck], now=T0)
    clock = ManualClock()
    return Session(store, clock, **kwargs), clock  # type: ignore[arg-type]


def test_missed_card_returns_after_its_learning_step(mini_deck: Path) -> None:
    session, clock = _session(mini_deck, minutes=5)
    first = session.next_pick()
    assert first is not None and first.kind == "new"
    session.answer(first, intent=Rating.AGAIN, story=StoryAnswer(slot=8), seconds=10)
    clock.now += timedelta(seconds=20)
    soon = session.next_pick()
    assert soon is not None and soon.card.id != first.card.id and soon.kind == "new"
    session.answer(soon, intent=Rating.GOOD, story=StoryAnswer(slot=5), seconds=10)
    clock.now += timedelta(seconds=45)  # the one-minute step has passed
    back = session.next_pick()
    assert back is not None and back.card.id == first.card.id and back.kind == "due"


def test_time_box_and_card_limit(mini_deck: Path) -> None:
    session, clock = _session(mini_deck, minutes=1, max_cards=2)
    assert not session.finished()
    clock.now += timedelta(seconds=61)
    assert session.finished()
    session2, _ = _session(mini_deck, max_cards=1)
    pick = session2.next_pick()
    assert pick is not None
    session2.answer(pick, intent=Rating.GOOD, story=StoryAnswer(slot=1), seconds=3)
    assert session2.finished()


def test_practice_fills_the_time_when_nothing_is_due(mini_deck: Path) -> None:
    session, clock = _session(mini_deck, minutes=5)
    while (pick := session.next_pick()) is not None and pick.kind != "practice":
        session.answer(pick, intent=Rating.EASY, story=StoryAnswer(verdict=True), seconds=5)
        clock.now += timedelta(seconds=5)
    assert pick is not None and pick.kind == "practice"
    assert len(session.answers) == 6  # every new question once, then practice
    session.answer(pick, intent=Rating.GOOD, story=StoryAnswer(verdict=True), seconds=5)
    assert review_log.last_reviews(session.store, 1)[0].mode == "practice"


def test_undo_restores_and_returns_the_card(mini_deck: Path) -> None:
    session, _ = _session(mini_deck)
    pick = session.next_pick()
    assert pick is not None
    before = card_reads.load_card(session.store, pick.card.id)
    session.answer(pick, intent=Rating.HARD, story=StoryAnswer(slot=2), seconds=4)
    undone = session.undo()
    assert undone is not None and undone.card == before
    assert session.undo() is None


def test_summary_counts_per_family(mini_deck: Path) -> None:
    session, clock = _session(mini_deck)
    grades = [(Rating.GOOD, 1), (Rating.AGAIN, 5), (Rating.GOOD, 8)]
    for intent, slot in grades:
        pick = session.next_pick()
        assert pick is not None
        session.answer(pick, intent=intent, story=StoryAnswer(slot=slot), seconds=5)
        clock.now += timedelta(seconds=30)
    summary = session.summary()
    assert summary.answered == 3
    assert summary.intent_recall == 2 / 3
    # alpha-1 named 1 (primary), beta-1 named 5 (primary), alpha-2 named 8 (wrong)
    assert summary.story_accuracy == 2 / 3
    by_family = {f.family: f for f in summary.families}
    assert (by_family["alpha"].answered, by_family["alpha"].story_right) == (2, 1)
    assert summary.next_due is not None


# ------------------------------------------------------------------ pure queue rules


def _card(qid: str, family: str, *, due_minutes: int | None, siblings: tuple[str, ...] = (),
          position: int = 0) -> Card:
    question = Question(id=qid, deck="d", family=family, text=qid, intent="i", story=1,
                        siblings=siblings, position=position)
    if due_minutes is None:
        memory = Memory(due=T0)
    else:
        memory = Memory(state=2, step=None, stability=3.0, difficulty=5.0,
                        due=T0 + timedelta(minutes=due_minutes), last_review=T0 - timedelta(3))
    return Card(question, memory, memory)


def _queue(cards: list[Card], *, now: datetime, allowance: int,
           weakness: dict[str, float] | None = None) -> list[QueueItem]:
    """What the store hands `build_queue`: the due cards, and the new ones in `new_order`."""
    ranks = new_order((c.id, c.family, c.question.deck, c.question.position) for c in cards)
    fresh = sorted((c for c in cards if c.is_new), key=lambda c: ranks[c.id])
    return build_queue(due_cards(cards, now), fresh, allowance=allowance, weakness=weakness)


def test_no_two_of_a_family_in_a_row_when_avoidable() -> None:
    cards = [_card("a1", "a", due_minutes=-50), _card("a2", "a", due_minutes=-40),
             _card("a3", "a", due_minutes=-30), _card("b1", "b", due_minutes=-20)]
    order = [i.card.id for i in _queue(cards, now=T0, allowance=0)]
    assert order == ["a1", "b1", "a2", "a3"]  # most overdue first, b breaks the a-run


def test_siblings_are_not_back_to_back() -> None:
    cards = [_card("a1", "a", due_minutes=-50, siblings=("b1",)),
             _card("b1", "b", due_minutes=-40, siblings=("a1",)),
             _card("c1", "c", due_minutes=-30)]
    assert [c.id for c in declump(cards)] == ["a1", "c1", "b1"]


def test_a_sibling_named_by_one_side_only_still_keeps_them_apart() -> None:
    # a deck may name the pair on one question only: either side's list is enough
    for first, second in ((("b1",), ()), ((), ("a1",))):
        cards = [_card("a1", "a", due_minutes=-50, siblings=first),
                 _card("b1", "b", due_minutes=-40, siblings=second),
                 _card("c1", "c", due_minutes=-30)]
        assert [c.id for c in declump(cards)] == ["a1", "c1", "b1"]
        assert [c.id for c in declump(cards[1:], cards[0])] == ["c1", "b1"]


def test_weakest_family_first_then_most_overdue() -> None:
    cards = [_card("a1", "a", due_minutes=-90), _card("b1", "b", due_minutes=-10),
             _card("b2", "b", due_minutes=-5), _card("c1", "c", due_minutes=60)]
    order = [i.card.id for i in _queue(cards, now=T0, allowance=0,
                                            weakness={"b": 0.2, "a": 0.0})]
    assert order == ["b1", "a1", "b2"]


def test_new_questions_respect_the_allowance_and_come_after_due() -> None:
    cards = [_card(f"n{i}", "ab"[i % 2], due_minutes=None, position=i) for i in range(6)]
    cards.append(_card("d1", "c", due_minutes=-1))
    items = _queue(cards, now=T0, allowance=3)
    assert [i.card.id for i in items] == ["d1", "n0", "n1", "n2"]
    assert [i.new for i in items] == [False, True, True, True]


def test_new_order_puts_the_first_ids_ahead_of_everything_else() -> None:
    rows = [("a1", "a", "core", 0), ("b1", "b", "core", 1), ("a2", "a", "core", 2),
            ("m1", "b", "mine", 0), ("m2", "a", "mine", 1)]
    plain = new_order(rows)
    assert sorted(plain, key=plain.__getitem__) == ["a1", "b1", "a2", "m1", "m2"]
    ranks = new_order(rows, first={"m1", "m2"})
    assert sorted(ranks, key=ranks.__getitem__) == ["m1", "m2", "a1", "b1", "a2"]
    assert all(goes_first(ranks[q]) == q.startswith("m") for q in ranks)
    assert not goes_first(None)


def test_a_commute_counts_down_and_ends_when_nothing_is_due(mini_deck: Path) -> None:
    """Six new questions: left counts 6, 5, ... (a missed one that comes due again counts
    again); once none is due or new the commute offers nothing, where a drill practises."""
    session, clock = _session(mini_deck, mode="commute")
    assert not session.practice_round
    lefts = []
    missed = False
    while (pick := session.next_pick()) is not None:
        lefts.append(session.cards_left())
        rating = Rating.GOOD if missed else Rating.AGAIN
        missed = True
        session.answer(pick, intent=rating, story=StoryAnswer(verdict=True), seconds=5)
        clock.now += timedelta(seconds=30)
        assert len(session.answers) < 20
    # The first, missed, is due again a minute later: it counts again.
    assert lefts == [6, 5, 5, 4, 3, 2, 1]
    assert session.cards_left() == 0 and all(a.kind in ("new", "due") for a in session.answers)
    drill = Session(session.store, clock, mode="drill")
    practice = drill.next_pick()
    assert practice is not None and practice.kind == "practice"


def test_a_commute_with_nothing_due_is_a_round_of_practice(mini_deck: Path) -> None:
    session, clock = _session(mini_deck, mode="commute", max_cards=6)
    while (pick := session.next_pick()) is not None and not session.finished():
        session.answer(pick, intent=Rating.EASY, story=StoryAnswer(verdict=True), seconds=5)
    idle = Session(session.store, clock, mode="commute")
    assert idle.practice_round and idle.cards_left() == PRACTICE_ROUND
    for n in range(PRACTICE_ROUND):
        pick = idle.next_pick()
        assert pick is not None and pick.kind == "practice"
        assert idle.cards_left() == PRACTICE_ROUND - n
        idle.answer(pick, intent=Rating.GOOD, story=StoryAnswer(verdict=True), seconds=5)
    assert idle.finished()
    counted = Session(session.store, clock, mode="commute", max_cards=3)
    assert not counted.practice_round and counted.cards_left() == 3
