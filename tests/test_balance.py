"""Balance: one family, however weak or confused, never crowds a drill (`core.order.crowded`)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from emdrill.cli.base import open_here
from emdrill.core.decode import IntentChoice
from emdrill.core.order import MAX_SHARE, crowded
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import decode
from emdrill.ops.drill import Session
from emdrill.ops.grading import StoryAnswer
from emdrill.store.db import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PAIR = ("decisions-unpopular", "decisions-difficult")


def test_crowded_keeps_every_prefix_under_the_share() -> None:
    assert crowded(Counter()) == set()
    assert crowded(Counter(a=1)) == {"a"}  # a second answer of two would be half
    assert crowded(Counter(a=1, b=1, c=1)) == {"a", "b", "c"}  # 2 of 4 is over 35%
    assert crowded(Counter(a=1, b=2, c=2)) == {"b", "c"}  # 2 of 6 is 33%, 3 of 6 is not
    answered: Counter[str] = Counter()
    for _ in range(40):
        family = next(f for f in "abcde" if f not in crowded(answered))
        answered[family] += 1
        assert answered[family] <= max(1, MAX_SHARE * sum(answered.values()))


def _confused_pair(store: Store) -> None:
    """Three days of mixing up the two decisions questions, both ways round."""
    for day in (3, 2, 1):
        at = T0 - timedelta(days=day)
        for n, (qid, other) in enumerate((PAIR, PAIR[::-1])):
            decode.record_pick(store, Clock(now=at + timedelta(minutes=n), local=UTC), qid,
                               other, story=StoryAnswer(slot=4))


def test_a_confused_pair_takes_no_more_than_its_share() -> None:
    store = open_here()
    _confused_pair(store)
    ticks: list[int] = []
    session = Session(store, lambda: Clock(now=T0 + timedelta(seconds=20 * len(ticks)),
                                           local=UTC), max_cards=20)
    while not session.finished():
        pick = session.next_pick()
        assert pick is not None
        if pick.card.id in PAIR:  # the pair is missed every time, as the user does
            other = PAIR[1 - PAIR.index(pick.card.id)]
            session.answer(pick, intent=Rating.AGAIN, story=StoryAnswer(slot=4), seconds=20,
                           choice=IntentChoice(pick.card.id, other, (pick.card.id, other)))
        else:
            session.answer(pick, intent=Rating.GOOD, story=StoryAnswer.partial(), seconds=20)
        ticks.append(1)
    families = Counter(a.graded.card.family for a in session.answers)
    kinds = Counter(a.kind for a in session.answers if a.graded.card.family == "decisions")
    assert len(session.answers) == 20
    assert families["decisions"] <= MAX_SHARE * 20, (families, kinds)
    assert max(families.values()) <= MAX_SHARE * 20, families
    # still the most frequent family: the bound stops crowding, not the weak family's lead
    assert families["decisions"] == max(families.values()), families
