"""The queue: exactly what a drill shows next, in order (`next_queue`), the new questions
left today, and the family weakness the order follows.

Each takes the store and a `Clock` read once at the edge; nothing here reads the system clock.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from itertools import groupby
from typing import TYPE_CHECKING

from emdrill.core.order import (
    QueueItem,
    SessionScope,
    build_queue,
    due_order_key,
    has_clash,
    new_allowance,
    weak_families,
    widen_new,
)
from emdrill.core.settings import Settings
from emdrill.core.timing import Clock
from emdrill.core.types import Card
from emdrill.ops import weakness
from emdrill.ops.opening import booked, settings
from emdrill.store import cards as store_cards
from emdrill.store.db import Store

if TYPE_CHECKING:
    from emdrill.ops.interview import Today


def _today(store: Store, clock: Clock, prefs: Settings) -> Today | None:
    if booked(store, clock) is None:
        return None
    from emdrill.ops import interview

    return interview.today(store, clock, prefs)


def todays_allowance(store: Store, clock: Clock, prefs: Settings) -> int:
    """New questions left today: the interview plan's while one is active, else from the
    user's `new-per-day`."""
    day = _today(store, clock, prefs)
    if day is not None:
        return day.allowance
    introduced = store_cards.new_introduced_since(store, clock.day_start())
    return new_allowance(prefs.new_per_day, introduced)


def next_queue(store: Store, clock: Clock, *, limit: int | None = None,
               previous: Card | None = None, exclude: Collection[str] = (),
               weakest_first: bool | None = None, scope: SessionScope | None = None,
               ) -> list[QueueItem]:
    """Exactly what a drill would show now, in order. `exclude` drops ids (a session's
    skips); `weakest_first` overrides the `adaptive` setting for the order (commute);
    `scope` keeps one family's or one deck's questions. Reads only the due rows and the
    first new ones, whatever the size of the collection. While an interview plan is active,
    only questions in its scope come up, new ones in the plan's order, and in the taper the
    questions below target come after the due."""
    prefs = settings(store)
    within = scope or SessionScope()
    day = _today(store, clock, prefs)
    if day is not None:
        return _planned_queue(store, clock, prefs, day, limit=limit, previous=previous,
                              exclude=exclude, weakest_first=weakest_first, scope=within)
    allowance = todays_allowance(store, clock, prefs)
    weak = ordering_weakness(store, clock, prefs, weakest_first)
    keys = {family: due_order_key(weak, family) for family in weak} if weak else {}
    fresh = [c for c in _fresh(store, allowance + len(exclude), within, weak_families(weak),
                               now=clock.now)
             if c.id not in exclude] if allowance else []
    for due, complete in _due_reads(store, clock.now, keys, exclude=exclude, scope=within,
                                    limit=limit):
        items = build_queue(due, fresh, allowance=allowance, weakness=weak, previous=previous,
                            limit=limit)
        if complete or _settled(items, previous, limit):
            break
    full = store_cards.cards_by_id(store, [i.card.id for i in items if not i.new])
    return [i if i.new else QueueItem(full[i.card.id], False) for i in items]


# Each family's window holds this many more rows than the queue shows: a card is skipped
# for another of its family only when it is a sibling of the card before, and a card has
# at most a handful of siblings (see decks/CONTRIBUTING.md).
FAMILY_SLACK = 8


def _due_reads(store: Store, now: datetime, keys: dict[str, float], *,
               exclude: Collection[str], scope: SessionScope, limit: int | None,
               ) -> Iterator[tuple[list[Card], bool]]:
    """Due rows to build the queue from, smallest read first: each time the queue built
    from them cannot be shown to be the one a full read gives (`_settled`), a wider read
    follows, and last every due row (`True`: complete).

    Weakest family first (`keys`): each family's most overdue rows by an index range,
    family by family in queue order, until the families after the first hold a queue's
    worth, then the rest of the families. Plain due order: a window of the most overdue
    rows, then every due row."""
    def read(limit: int | None = None, family: str | None = None,
             order: Mapping[str, float] = keys) -> list[Card]:
        return store_cards.due_entries(store, now, family_keys=order, exclude=exclude,
                                       limit=limit, family=family or scope.family,
                                       deck=scope.deck)

    if limit is not None and limit <= 1_000_000:  # past that, every due row
        if keys and scope.family is None:
            window = limit + FAMILY_SLACK
            rows: list[Card] = []
            # `keys` holds every loaded family (weakness scores each); families of one
            # weakness interleave by due, so a whole group is read before judging
            for _key, group in groupby(sorted(keys, key=lambda f: (keys[f], f)),
                                       key=lambda f: keys[f]):
                for family in group:
                    rows += read(window, family, order={})
                later = sum(1 for c in rows if c.family != rows[0].family) if rows else 0
                if later >= limit:
                    yield rows, False
            # Every family's window read: no more is needed. A family's row past its window
            # comes after the window's rows, so it is shown only when all of them were passed
            # over as siblings of the card before, and a window holds more than that.
            yield rows, True
            return
        else:
            window = limit * 10 + 50
            rows = read(window)
            yield rows, len(rows) < window
    yield read(), True


def _settled(items: list[QueueItem], previous: Card | None, limit: int | None) -> bool:
    """Whether a queue built from a partial read is the one every due row gives: it filled
    its due places before running out of rows, and shows no same-family or sibling pair
    (which an unread row might have broken up)."""
    shown_due = sum(1 for i in items if not i.new)
    return shown_due == limit and not has_clash(items, previous)


def _fresh(store: Store, count: int, scope: SessionScope, weak: set[str], *,
           now: datetime) -> list[Card]:
    """The first `count` new questions in the order they are introduced: `new_order`, a weak
    family's widened (`widen_new`). Reads `count` rows, and as many per weak family."""
    if scope.family is not None:
        weak = weak & {scope.family}
    ranked = store_cards.new_ranked(store, count, now=now, family=scope.family,
                                    deck=scope.deck, skip_families=weak)
    for family in sorted(weak):
        ranked += store_cards.new_ranked(store, count, now=now, family=family, deck=scope.deck)
    return widen_new(ranked, weak)[:count]


def _planned_queue(store: Store, clock: Clock, prefs: Settings, day: Today, *,
                   limit: int | None, previous: Card | None, exclude: Collection[str],
                   weakest_first: bool | None, scope: SessionScope) -> list[QueueItem]:
    """`next_queue` while an interview plan is active: the in-scope due questions, the
    plan's new ones in its order, and the taper (of the session's `scope` too)."""
    weak = ordering_weakness(store, clock, prefs, weakest_first)
    keys = {family: due_order_key(weak, family) for family in weak} if weak else {}
    due = [c for c in store_cards.due_entries(store, clock.now, family_keys=keys,
                                              exclude=exclude, family=scope.family,
                                              deck=scope.deck) if c.id in day.scope]
    taper = tuple(c for c in day.queue.taper if c.id not in exclude and scope.includes(c))
    # every new question only when the plan may bring later days' ahead (nothing else
    # waits but the card before); else the day's allowance, and one for the card before
    ahead = day.queue.ahead and len(due) + len(taper) <= 1
    from emdrill.ops import interview

    fresh = interview.fresh_cards(
        store, day, want=None if ahead else day.allowance + 1,
        keep=lambda c: (c.id not in exclude and scope.includes(c) and not c.question.suspended
                        and not c.question.set_aside(clock.now)))
    items = build_queue(due, fresh, allowance=day.allowance, weakness=weak, previous=previous,
                        limit=limit, plan=replace(day.queue, taper=taper))
    full = store_cards.cards_by_id(store, [i.card.id for i in items if not i.new])
    return [i if i.new else QueueItem(full[i.card.id], False) for i in items]


def ordering_weakness(store: Store, clock: Clock, prefs: Settings,
                      weakest_first: bool | None = None) -> dict[str, float] | None:
    """Family weakness to order by, or None for plain FSRS order (adaptive off)."""
    if not (prefs.adaptive if weakest_first is None else weakest_first):
        return None
    return weakness.family_weakness(store, clock)
