"""Family weakness read from the store (the formula itself is `emdrill.core.weakness`)."""

from __future__ import annotations

from emdrill.core.settings import Settings
from emdrill.core.timing import Clock
from emdrill.core.weakness import Schedule, schedule, tally_scores
from emdrill.store import decks as store_decks
from emdrill.store import tallies
from emdrill.store.db import Store


def family_weakness(store: Store, clock: Clock) -> dict[str, float]:
    return tally_scores(tallies.read(store), [f.slug for f in store_decks.families(store)],
                        clock.now)


def schedule_by_family(store: Store, clock: Clock, prefs: Settings) -> dict[str, Schedule]:
    return {family: schedule(prefs.retention, w)
            for family, w in family_weakness(store, clock).items()}
