"""Family weakness read from the store (the formula itself is `emdrill.core.weakness`)."""

from __future__ import annotations

from emdrill.core.timing import Clock
from emdrill.core.weakness import tally_scores
from emdrill.store import decks as store_decks
from emdrill.store import tallies
from emdrill.store.db import Store


def family_weakness(store: Store, clock: Clock) -> dict[str, float]:
    return tally_scores(tallies.read(store), [f.slug for f in store_decks.families(store)],
                        clock.now)
