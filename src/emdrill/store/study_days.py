"""Study days: the shift the per-day tables (`review_day`, `family_day`) count days under,
and setting it once from the migrations' placeholder."""

from __future__ import annotations

import sqlite3

from emdrill.core.timing import day_shift_seconds
from emdrill.store import tallies
from emdrill.store.db import Store


def stored_shift(con: sqlite3.Connection) -> int:
    """The shift (`core.timing.day_shift_seconds`) the per-day tables (`review_day`,
    `family_day`) count study days under. It is never changed for a new UTC offset: readers
    correct for the difference instead (`recent.latest_run`, `stats.family_counts_from`), so an
    offset change (daylight saving, travel) recounts nothing and a read writes nothing."""
    return int(con.execute("SELECT seconds FROM day_shift").fetchone()[0])


UNSET_SHIFT = 1  # the migrations' placeholder in `day_shift`: no real UTC offset gives it


def count_days_under(store: Store, *, offset_minutes: int) -> None:
    """While `day_shift` still holds the migrations' placeholder, count the per-day tables
    under this UTC offset from now on, so readers take the plain path (`stored_shift` equal
    to theirs) instead of correcting for the placeholder on every read. A collection with
    reviews by then (one upgraded from before the per-day tables, or written whole by an
    import before any local read) has its days recounted once from the history (`tallies`'
    recounts, as after a bulk build), the cost of one migration. A real shift is never
    changed (an offset change recounts nothing: readers correct instead)."""
    shift = day_shift_seconds(offset_minutes)
    with store.read() as con:
        if stored_shift(con) != UNSET_SHIFT:
            return
    with store.transact("count days under an offset") as con:
        if stored_shift(con) != UNSET_SHIFT:  # another process did it first
            return
        con.execute("UPDATE day_shift SET seconds = ?", (shift,))
        if con.execute("SELECT 1 FROM review LIMIT 1").fetchone() is None:
            return
        tallies.recount_review_days(con)
        tallies.recount_family_days(con)
