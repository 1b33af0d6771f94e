"""A weak family widens (issue 11, point 8): its unseen questions come sooner, in the new
queue and in practice, and a question missed in a drill returns at most twice in it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import DECK_HEADER, question
from emdrill.cli.base import open_here
from emdrill.core.cards import Card, Question
from emdrill.core.order import (
    WIDEN,
    QueueItem,
    SessionScope,
    build_queue,
    due_cards,
    new_order,
    practice_queue,
    weak_families,
    widen_new,
)
from emdrill.core.scheduler import Memory, Rating
from emdrill.core.timing import Clock
from emdrill.core.weakness import WEAK_AT
from emdrill.ops import decks, queueing
from emdrill.ops.drill import MAX_SHOWS, Session
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _card(qid: str, family: str, position: int, *, seen: bool = False) -> Card:
    memory = (Memory(state=2, step=None, stability=5.0, difficulty=5.0,
                     due=T0 + timedelta(days=3), last_review=T0 - timedelta(days=2))
              if seen else Memory(due=T0))
    q = Question(id=qid, deck="t", family=family, text="?", intent="?", story=1,
                 position=position)
    return Card(q, memory, replace(memory))


def _deck() -> list[Card]:
    cards, position = [], 0
    for family in ("alpha", "beta", "gamma"):
        for n in range(6):
            cards.append(_card(f"{family}-{n}", family, position, seen=n < 1))
            position += 1
    return cards


def _queue(cards: list[Card], allowance: int,
           weakness: dict[str, float] | None = None) -> list[QueueItem]:
    """What the store hands `build_queue` (due cards, new ones in `new_order` with a weak
    family widened), and the queue it makes."""
    ranks = new_order((c.id, c.family, c.question.deck, c.question.position) for c in cards)
    fresh = widen_new([(ranks[c.id], c) for c in cards if c.is_new], weak_families(weakness))
    return build_queue(due_cards(cards, T0), fresh, allowance=allowance, weakness=weakness)


def test_a_weak_familys_unseen_questions_come_sooner() -> None:
    plain = [i.card.family for i in _queue(_deck(), 6)]
    assert plain.count("gamma") == 2  # one family at a time
    weak = {"alpha": 0.0, "beta": 0.0, "gamma": WEAK_AT + 0.01}
    widened = [i.card.family for i in _queue(_deck(), 6, weak)]
    assert widened.count("gamma") >= WIDEN  # WIDEN at a time for the weak family
    assert widened[0] == "gamma" and "alpha" in widened  # the others still get some
    assert {i.card.id for i in _queue(_deck(), 2, {"gamma": WEAK_AT / 2})} == {
        "alpha-1", "beta-1"}  # below WEAK_AT: not widened


def test_the_users_own_questions_stay_first_when_a_family_widens() -> None:
    cards = _deck()
    ranks = new_order(((c.id, c.family, c.question.deck, c.question.position) for c in cards),
                      first={"alpha-4", "beta-5"})
    widened = widen_new([(ranks[c.id], c) for c in cards if c.is_new], {"gamma"})
    assert {c.id for c in widened[:2]} == {"alpha-4", "beta-5"}
    assert [c.family for c in widened[2:2 + WIDEN]] == ["gamma"] * WIDEN


def test_the_store_reads_the_widened_order_in_a_window(tmp_path: Path) -> None:
    """The queue reads only the first new rows (and as many per weak family), yet gives
    exactly the order `widen_new` gives over every new question."""
    parts = [DECK_HEADER]
    for family in ("alpha", "beta"):
        parts += [question(f"{family}-{n}", family) for n in range(1, 9)]
    path = tmp_path / "deck.toml"
    path.write_text("".join(parts), encoding="utf-8")
    store = open_here(autoload=False)
    decks.load_paths(store, [path], now=T0)
    every = card_reads.new_ranked(store, 1000, now=T0)
    for weak in (set(), {"beta"}, {"alpha", "beta"}):
        for count in (1, 3, 7, 16):
            expected = [c.id for c in widen_new(every, weak)][:count]
            fresh = queueing._fresh(store, count, SessionScope(), weak, now=T0)
            assert [c.id for c in fresh] == expected
        scoped = queueing._fresh(store, 5, SessionScope(family="beta"), weak, now=T0)
        assert [c.id for c in scoped] == [f"beta-{n}" for n in range(1, 6)]


def test_practice_goes_round_and_meets_unseen_questions_of_a_weak_family() -> None:
    cards = _deck()
    weak = {"alpha": 0.0, "beta": 0.0, "gamma": 0.2}
    top = practice_queue(cards, now=T0, weakness=weak, limit=None, widen=True)
    assert top[0].card.family == "gamma"
    gamma = [i for i in top if i.card.family == "gamma"]
    assert len(gamma) == 6 and sum(i.new for i in gamma) == 5  # its unseen ones join
    assert not any(i.new for i in top if i.card.family != "gamma")
    shown = practice_queue(cards, now=T0, weakness=weak, limit=None, widen=True,
                           shown={"gamma-0": 2})
    assert shown[0].card.id != "gamma-0"  # the least shown come first
    assert all(not i.new for i in practice_queue(cards, now=T0, weakness=weak, limit=None))


def _weak_deck(folder: Path) -> Path:
    parts = [DECK_HEADER]
    parts += [question(f"alpha-{n}", "alpha") for n in range(1, 4)]
    path = folder / "deck.toml"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def test_a_question_missed_in_a_drill_returns_at_most_twice(tmp_path: Path) -> None:
    store = open_here(autoload=False)
    decks.load_paths(store, [_weak_deck(tmp_path)], now=T0)
    moment = [T0]
    session = Session(store, lambda: Clock(now=moment[0], local=UTC), minutes=30)
    shows: dict[str, int] = {}
    while (pick := session.next_pick()) is not None and len(session.answers) < 40:
        shows[pick.card.id] = shows.get(pick.card.id, 0) + 1
        session.answer(pick, intent=Rating.AGAIN, story=StoryAnswer(), seconds=5)
        moment[0] += timedelta(minutes=2)  # every relearning step has passed
    assert MAX_SHOWS == 3  # shown once, back at most twice
    assert set(shows) == {"alpha-1", "alpha-2", "alpha-3"}
    assert max(shows.values()) == MAX_SHOWS  # missed every time, yet back only twice
    assert pick is None  # then the drill has nothing more to show


def test_scope_keeps_one_family_or_one_deck() -> None:
    card = _card("a", "alpha", 0)
    assert SessionScope().includes(card)
    assert SessionScope(family="alpha").includes(card)
    assert not SessionScope(family="beta").includes(card)
    assert SessionScope(deck="t").includes(card) and not SessionScope(deck="x").includes(card)
