"""A study history made the way a user makes one: daily drill sessions through the real
operations (the same `Session` the drill screen runs), missing one family on purpose, so
screen tests and the README's captures start from a realistic collection.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import opening
from emdrill.ops.drill import Session
from emdrill.ops.grading import StoryAnswer

START = datetime(2026, 2, 16, 8, 0, tzinfo=UTC)
SECONDS = 10.0  # per answer: a five-minute drill holds 30


def build(db: Path, *, days: int = 12, answers: int = 30, weak: str = "conflict",
          skip: tuple[int, ...] = (), start: datetime = START) -> datetime:
    """A drill of `answers` cards a day for `days` study days (except `skip`): every
    question of `weak` missed, the rest right. Returns the moment after the last drill."""
    store = opening.open_collection(db, now=start, seed=7)
    moment = [start]  # the sessions' clock, moved by hand

    def clock() -> Clock:
        return Clock(now=moment[0], local=UTC)

    for day in range(days):
        if day in skip:
            continue
        moment[0] = start + timedelta(days=day)
        session = Session(store, clock, max_cards=answers)
        while not session.finished() and (pick := session.next_pick()) is not None:
            card = pick.card
            missed = card.family == weak
            session.answer(pick, intent=Rating.AGAIN if missed else Rating.GOOD,
                           story=StoryAnswer(slot=None if missed else card.question.story),
                           seconds=SECONDS)
            moment[0] += timedelta(seconds=SECONDS)
    store.close()
    return moment[0]
