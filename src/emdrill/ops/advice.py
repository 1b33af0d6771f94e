"""The next step in plain words, read from the store (the rules are `emdrill.core.advice`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from emdrill.core.advice import WEEK_DAYS, Backlog, BacklogOutlook, Weakest, confused_pair, weakest
from emdrill.core.timing import Clock
from emdrill.ops import opening
from emdrill.ops.weakness import family_weakness
from emdrill.store import decks as store_decks
from emdrill.store import practice as store_practice
from emdrill.store import recent
from emdrill.store.db import Store


def pace_backlog(store: Store, *, due: int) -> Backlog:
    """`due` questions measured in drills of the user's length at their recent pace."""
    minutes = opening.settings(store).minutes
    pace = recent.pace(store)
    return Backlog(due, minutes, pace.per_drill(minutes), pace.measured)


def _with_confusion(store: Store, found: Weakest, *, since: datetime) -> Weakest:
    """The weakest family with the confused pair behind most of its misses, if one is."""
    missed = recent.question_misses(store, since=since, family=found.family)
    mine = {q: n for q, (family, n) in missed.items() if family == found.family}
    if not mine:
        return found
    pairs = [(q, p) for q, p, _n, _last, settled in store_practice.confusions(store)
             if not settled and (q in mine or p in mine)]
    pair = confused_pair(found.answers - found.right, mine, pairs)
    return replace(found, confused=pair) if pair else found


def outlook(store: Store, clock: Clock, *, due: int) -> BacklogOutlook:
    """The backlog of `due` questions, and the weakest family with its next step."""
    since = clock.day_start() - timedelta(days=WEEK_DAYS - 1)
    week = recent.family_answers(store, since=since)
    found = weakest(family_weakness(store, clock), names=opening.family_names(store),
                    week=week, stories=recent.stories_by_family(store),
                    covered=recent.covered_slots(store), slots=store_decks.slots(store))
    if found is not None:
        found = _with_confusion(store, found, since=since)
    return BacklogOutlook(pace_backlog(store, due=due), found)
