"""`core.order.unsettled` decides whether the due rows read so far give the queue every row
would give; it looks only at the families keyed at or below a pick that does not clash, and
stops once every family is blocked. Held here to the plain walk over every pick and every
family (the rule as its docstring states it), on random picks, keys and last rows read."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from emdrill.core.cards import Card, Question
from emdrill.core.order import _clashes, unsettled
from emdrill.core.scheduler import Memory

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def walked(picks: Sequence[Card], previous: Card | None, *, limit: int,
           keys: Mapping[str, float], unread: Mapping[str, datetime | None]) -> set[str]:
    """The oracle: every pick against every family with unread rows."""
    if not unread:
        return set()
    if len(picks) < limit:
        return set(unread)

    def ahead(card: Card, family: str) -> bool:
        """The card sorts before the family's first unread row: by key, then by due; with
        no row of it read, nothing is known of that row's due."""
        last_read = unread[family]
        if last_read is None:
            return keys.get(card.family, 0.0) < keys[family]
        return (keys.get(card.family, 0.0), card.due) < (keys[family], last_read)

    blocked: set[str] = set()
    last = previous
    for card in picks:
        forced = _clashes(card, last)
        before = None if last is None else last.family
        for family in unread:
            same = family == before
            fine = (same and ahead(card, family)) if forced else (same or ahead(card, family))
            if not fine:
                blocked.add(family)
        last = card
    return blocked


def _card(qid: str, family: str, due: datetime, siblings: tuple[str, ...] = ()) -> Card:
    question = Question(id=qid, deck="d", family=family, text="?", intent="!", story=1,
                        siblings=siblings)
    return Card(question, Memory(state=2, due=due), Memory(state=2, due=due))


def test_unsettled_is_the_walk_over_every_pick_and_family() -> None:
    rng = random.Random(5)
    blocked_some = all_blocked = nothing = 0
    for _ in range(3000):
        families = [f"f{i}" for i in range(rng.randint(1, 9))]
        keys = {f: rng.choice((0.0, -0.1, -0.25, -0.5, -0.8)) for f in families}
        picks = []
        for n in range(rng.randint(0, 8)):
            sib = (f"q{n - 1}",) if n and rng.random() < 0.15 else ()
            picks.append(_card(f"q{n}", rng.choice(families),
                               T0 + timedelta(hours=rng.randint(0, 30)), sib))
        previous = (_card("prev", rng.choice(families), T0) if rng.random() < 0.6 else None)
        unread = {f: (None if rng.random() < 0.2 else T0 + timedelta(hours=rng.randint(0, 30)))
                  for f in rng.sample(families, rng.randint(0, len(families)))}
        limit = rng.choice((len(picks), len(picks), len(picks) + 1))
        got = unsettled(picks, previous, limit=limit, keys=keys, unread=unread)
        assert got == walked(picks, previous, limit=limit, keys=keys, unread=unread)
        blocked_some += 0 < len(got) < len(unread)
        all_blocked += bool(unread) and got == set(unread)
        nothing += bool(unread) and not got
    assert min(blocked_some, all_blocked, nothing) > 100  # every outcome was met often
