"""Family weakness read from the store (the formula itself is `emdrill.core.weakness`)."""

from __future__ import annotations

from datetime import timedelta

from emdrill.core.settings import Settings
from emdrill.core.timing import Clock
from emdrill.core.weakness import WINDOW_DAYS, Schedule, schedule, scores
from emdrill.store import decks as store_decks
from emdrill.store import stats as store_stats
from emdrill.store.db import Store


def family_weakness(store: Store, clock: Clock) -> dict[str, float]:
    since = clock.now - timedelta(days=WINDOW_DAYS)
    buckets = store_stats.outcome_buckets(store, now=clock.now, since=since)
    return scores(buckets, [f.slug for f in store_decks.families(store)])


def schedule_by_family(store: Store, clock: Clock, prefs: Settings) -> dict[str, Schedule]:
    return {family: schedule(prefs.retention, w)
            for family, w in family_weakness(store, clock).items()}
