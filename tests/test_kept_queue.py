"""The drill keeps its queue between answers (`ops.kept.KeptQueue`, issue 25): after every
answer, undo, suspension and outside write, the kept queue is exactly what a fresh
`next_queue` gives, on decks built to tell them apart (facets graded against each other,
a weak family, a confused pair, learning steps coming due mid-drill, an interview plan,
the 35% family bound)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from emdrill.cli.base import open_here
from emdrill.core.decode import IntentChoice
from emdrill.core.order import MAX_SHARE, QueueItem, SessionScope
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import decode, grading, opening, queueing
from emdrill.ops import interview as plan
from emdrill.ops.drill import Session
from emdrill.ops.grading import StoryAnswer
from emdrill.ops.kept import KeptQueue
from emdrill.store import card_reads
from emdrill.store.db import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PAIR = ("decisions-unpopular", "decisions-difficult")


def _history(store: Store, seed: int) -> None:
    """Five days of answers on a third of the deck, facets graded apart (intent missed with
    the story right and the reverse), decisions mostly missed, and a confused pair."""
    dice = random.Random(seed)
    every = [c.id for c in card_reads.load_cards(store)]
    ids = list(dict.fromkeys([*PAIR, *every[::4]]))
    for day in range(6, 1, -1):
        at = T0 - timedelta(days=day)
        for n, qid in enumerate(ids[:60]):
            weak = qid.startswith("decisions")
            intent = Rating.AGAIN if weak or dice.random() < 0.3 else Rating.GOOD
            right = not weak and dice.random() < 0.6
            grading.grade(store, Clock(at + timedelta(minutes=n), UTC), qid, intent=intent,
                          story=StoryAnswer(verdict=right), fuzz=False)
        for n, (qid, other) in enumerate((PAIR, PAIR[::-1]) if day <= 3 else ()):
            decode.record_pick(store, Clock(at + timedelta(hours=3, minutes=n), UTC), qid,
                               other, story=StoryAnswer(slot=4))


@pytest.fixture
def drilled(home: Path) -> Iterator[Store]:
    store = open_here()
    _history(store, 7)
    yield store
    store.close()


class Spy:
    """Each `next_queue` the drill makes with its kept queue, made again fresh and
    compared; with it, the whole queue and a screenful, kept against fresh."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = queueing.next_queue

        def spied(store: Store, clock: Clock, **kw: Any) -> list[QueueItem]:
            got = real(store, clock, **kw)
            kept = kw.pop("kept", None)
            if kept is not None:
                self.calls += 1
                assert got == real(store, clock, **kw), f"call {self.calls}"
                for limit in (None, 20, 3):
                    wide = {**kw, "limit": limit}
                    assert real(store, clock, kept=kept, **wide) == real(store, clock, **wide), (
                        f"call {self.calls}, limit {limit}")
            return got

        monkeypatch.setattr(queueing, "next_queue", spied)


def _drill(store: Store, spy: Spy, *, answers: int, minutes: Callable[[int], float],
           outside: int | None = None, seed: int = 3) -> Session:
    """A drill of `answers`: the pair missed as the user misses it, a third of the rest
    missed; an undo, a suspension and its undo on the way; at answer `outside`, another
    process grades a card the drill holds."""
    dice = random.Random(seed)
    steps: list[int] = []
    session = Session(store, lambda: Clock(now=T0 + timedelta(minutes=minutes(len(steps))),
                                           local=UTC), max_cards=answers)
    while not session.finished():
        pick = session.next_pick()
        assert pick is not None
        steps.append(1)
        n = len(session.answers)
        if n == 4 and len(steps) == 5:
            session.suspend(pick)
            assert session.undo() is not None  # the suspension lifted
        if n == outside and len(steps) == n + 2:
            other = opening.open_collection(store.path, now=T0, autoload=False)
            try:
                held = queueing.next_queue(store, session.clock(), limit=3)[-1].card.id
                grading.grade(other, session.clock(), held, intent=Rating.EASY,
                              story=StoryAnswer(verdict=True), fuzz=False)
            finally:
                other.close()
        if pick.card.id in PAIR:
            rival = PAIR[1 - PAIR.index(pick.card.id)]
            session.answer(pick, intent=Rating.AGAIN, story=StoryAnswer(slot=4), seconds=20,
                           choice=IntentChoice(pick.card.id, rival, (pick.card.id, rival)))
        else:
            intent = Rating.AGAIN if dice.random() < 0.35 else Rating.GOOD
            session.answer(pick, intent=intent, story=StoryAnswer(verdict=dice.random() < 0.5),
                           seconds=20)
        if n == 7 and len(steps) == 8:  # once
            session.undo()
    return session


def test_a_drill_keeps_its_queue_exactly(drilled: Store,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    # 40 s an answer, then an hour's gap (every learning step comes due at once)
    session = _drill(drilled, spy, answers=30, outside=12,
                     minutes=lambda n: n * 0.7 + (60 if n > 18 else 0))
    assert len(session.answers) == 30 and spy.calls >= 30
    kinds = {a.kind for a in session.answers}
    assert {"due", "contrast"} <= kinds, kinds
    answered = [a.graded.card.family for a in session.answers]
    assert max(answered.count(f) for f in set(answered)) <= MAX_SHARE * 30


def test_a_planned_drill_keeps_its_queue_exactly(drilled: Store,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    plan.set_interview(drilled, Clock(now=T0, local=UTC),
                       (T0 + timedelta(days=9)).replace(hour=9).isoformat())
    spy = Spy(monkeypatch)
    session = _drill(drilled, spy, answers=25, outside=9, minutes=lambda n: n * 2.0)
    assert len(session.answers) == 25 and spy.calls >= 25
    assert "new" in {a.kind for a in session.answers}


def test_the_asymmetric_deck_and_a_scope(asymmetric: Store) -> None:
    """The mini deck with the facets graded apart: one family's scope, kept and fresh,
    as answers move its cards (learning steps due a minute later)."""
    kept = KeptQueue()
    scope = SessionScope(family="alpha")
    for n in range(12):
        clock = Clock(datetime(2026, 1, 1, 12, tzinfo=UTC) + timedelta(minutes=3 * n), UTC)
        for limit in (None, 1, 2):
            fresh = queueing.next_queue(asymmetric, clock, limit=limit, scope=scope)
            assert queueing.next_queue(asymmetric, clock, limit=limit, scope=scope,
                                       kept=kept) == fresh, (n, limit)
        everything = queueing.next_queue(asymmetric, clock, kept=kept)
        assert everything == queueing.next_queue(asymmetric, clock), n
        top = everything[0].card.id
        before = asymmetric.version()
        grading.grade(asymmetric, clock, top, intent=Rating.AGAIN if n % 3 else Rating.GOOD,
                      story=StoryAnswer(verdict=n % 2 == 0), fuzz=False)
        kept.wrote(asymmetric, [top], before)


def test_an_unreported_write_is_read_afresh(drilled: Store) -> None:
    kept = KeptQueue()
    clock = Clock(T0, UTC)
    first = queueing.next_queue(drilled, clock, limit=5, kept=kept)
    grading.grade(drilled, clock, first[0].card.id, intent=Rating.EASY,
                  story=StoryAnswer(verdict=True), fuzz=False)  # not told
    after = queueing.next_queue(drilled, clock, limit=5, kept=kept)
    assert after == queueing.next_queue(drilled, clock, limit=5)
    assert after[0].card.id != first[0].card.id


def test_a_told_write_after_an_untold_one_is_read_afresh(drilled: Store) -> None:
    """An answer it was not told of, then one it was: putting back the told answer's row
    alone would keep the untold one's stale row, so it reads everything again."""
    kept = KeptQueue()
    clock = Clock(T0, UTC)
    first = queueing.next_queue(drilled, clock, limit=5, kept=kept)
    untold, told = first[0].card.id, first[1].card.id
    grading.grade(drilled, clock, untold, intent=Rating.EASY, story=StoryAnswer(verdict=True),
                  fuzz=False)  # not told
    before = drilled.version()
    grading.grade(drilled, clock, told, intent=Rating.EASY, story=StoryAnswer(verdict=True),
                  fuzz=False)
    kept.wrote(drilled, [told], before)
    after = queueing.next_queue(drilled, clock, limit=5, kept=kept)
    assert after == queueing.next_queue(drilled, clock, limit=5)
    assert untold not in {i.card.id for i in after}


def test_an_answer_costs_no_read_of_the_due_rows(drilled: Store,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept, not re-read: after a told answer the next queue reads no due row and asks
    nothing of the index of due times (the answered card is put back by itself)."""
    from emdrill.store import queue as store_queue

    kept, clock = KeptQueue(), Clock(T0, UTC)
    first = queueing.next_queue(drilled, clock, limit=20, kept=kept)
    reads: list[str] = []

    def counted(name: str) -> Callable[..., Any]:
        real = getattr(store_queue, name)

        def read(*args: Any, **kwargs: Any) -> Any:
            reads.append(name)
            return real(*args, **kwargs)
        return read

    for name in ("due_rows", "next_change"):
        monkeypatch.setattr(store_queue, name, counted(name))
    for step in range(3):
        top = first[0].card.id
        before = drilled.version()
        grading.grade(drilled, clock, top, intent=Rating.GOOD, story=StoryAnswer(slot=1),
                      fuzz=False)
        kept.wrote(drilled, [top], before)
        reads.clear()
        first = queueing.next_queue(drilled, clock, limit=20, kept=kept)
        assert reads == [], step
        assert first == queueing.next_queue(drilled, clock, limit=20), step
        assert reads, "the fresh queue reads"
        assert top not in {i.card.id for i in first}
