"""The next step in plain words, read from the store (the rules are `emdrill.core.advice`)."""

from __future__ import annotations

from datetime import timedelta

from emdrill.core.advice import PACE_ANSWERS, WEEK_DAYS, Backlog, Outlook, backlog, weakest
from emdrill.core.timing import Clock
from emdrill.ops import collection
from emdrill.ops.weakness import family_weakness
from emdrill.store import decks as store_decks
from emdrill.store import recent
from emdrill.store.db import Store


def pace_backlog(store: Store, *, due: int) -> Backlog:
    """`due` questions measured in drills of the user's length at their recent pace."""
    return backlog(due, minutes=collection.settings(store).minutes,
                   pace=recent.seconds_per_answer(store, last=PACE_ANSWERS))


def outlook(store: Store, clock: Clock, *, due: int) -> Outlook:
    """The backlog of `due` questions, and the weakest family with its next step."""
    week = recent.family_answers(store, since=clock.day_start() - timedelta(days=WEEK_DAYS - 1))
    found = weakest(family_weakness(store, clock), names=collection.family_names(store),
                    week=week, stories=recent.stories_by_family(store),
                    covered=recent.covered_slots(store), slots=store_decks.slots(store))
    return Outlook(pace_backlog(store, due=due), found)
