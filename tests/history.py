"""A study history made the way a user makes one: daily drills through the real operations.

`build` grades what a drill would show, day after day, missing one family on purpose, so
screen tests and the README's captures start from a realistic collection.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import collection
from emdrill.ops.collection import StoryAnswer

START = datetime(2026, 2, 16, 8, 0, tzinfo=UTC)


def build(db: Path, *, days: int = 12, answers: int = 33, weak: str = "conflict",
          skip: tuple[int, ...] = (), start: datetime = START) -> datetime:
    """Drill `answers` cards a day for `days` study days (except `skip`), missing every
    question of `weak` and getting the rest right; returns the moment after the last drill."""
    store = collection.open_collection(db, now=start, seed=7)
    now = start
    for day in range(days):
        now = start + timedelta(days=day)
        if day in skip:
            continue
        for n in range(answers):
            clock = Clock(now=now, local=UTC)
            items = collection.next_queue(store, clock, limit=1)
            if not items:
                break
            card = items[0].card
            missed = card.family == weak
            collection.grade(store, clock, card.id,
                             intent=Rating.AGAIN if missed else Rating.GOOD,
                             story=StoryAnswer(slot=None if missed else card.question.story),
                             seconds=9.0 if n % 2 else 11.0, mode="drill")
            now += timedelta(seconds=10)
    return now
