"""The queue: exactly what a drill shows next, in order (`next_queue`), the new questions
left today, and the family weakness the order follows.

Each takes the store and a `Clock` read once at the edge; nothing here reads the system clock.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from datetime import datetime
from itertools import groupby
from typing import TYPE_CHECKING

from emdrill.core.cards import Card
from emdrill.core.order import (
    QueueItem,
    SessionScope,
    build_queue,
    due_order_key,
    has_clash,
    new_allowance,
    unsettled,
    weak_families,
    widen_new,
)
from emdrill.core.settings import Settings
from emdrill.core.timing import Clock
from emdrill.ops import weakness
from emdrill.ops.answer_context import AnswerContext, orders_by_weakness
from emdrill.ops.kept import DIRECT as _DIRECT
from emdrill.ops.kept import KeptQueue, Rows
from emdrill.store import review_log
from emdrill.store.db import Store

if TYPE_CHECKING:
    from emdrill.core.interview import Interview
    from emdrill.ops.interview import Today


def _today(store: Store, clock: Clock, prefs: Settings, running: Interview | None,
           ) -> Today | None:
    """The plan's part in today's queue while an interview plan is `running`."""
    if running is None:
        return None
    from emdrill.ops import interview

    return interview.today(store, clock, prefs)


def todays_allowance(store: Store, clock: Clock, prefs: Settings,
                     running: Interview | None) -> int:
    """New questions left today: the interview plan's while one is active (`running`, as
    `opening.booked` read it), else from the user's `new-per-day`."""
    return _allowance(store, clock, prefs, _today(store, clock, prefs, running))


def _allowance(store: Store, clock: Clock, prefs: Settings, day: Today | None) -> int:
    if day is not None:
        return day.allowance
    introduced = review_log.new_introduced_since(store, clock.day_start())
    return new_allowance(prefs.new_per_day, introduced)


def next_queue(store: Store, clock: Clock, *, limit: int | None = None,
               previous: Card | None = None, exclude: Collection[str] = (),
               weakest_first: bool | None = None, scope: SessionScope | None = None,
               context: AnswerContext | None = None, kept: KeptQueue | None = None,
               ) -> list[QueueItem]:
    """Exactly what a drill would show now, in order. `exclude` drops ids (a session's
    skips); `weakest_first` overrides the `adaptive` setting for the order (commute);
    `scope` keeps one family's or one deck's questions; `context`: the settings, interview
    and tallies just read (else read here). Reads only the due rows and the first new ones,
    whatever the size of the collection. While an interview plan is active, only questions
    in its scope come up, new ones in the plan's order, and in the taper the questions below
    target come after the due. With `kept` (a drill's `KeptQueue`), the rows come from what
    it holds where that is still what the file holds: the same queue, fewer reads."""
    source: Rows = _DIRECT if kept is None else kept.sync(store, clock.now)
    held = context if context is not None else source.context(store)
    prefs = held.prefs
    within = scope or SessionScope()
    weak = held.ordering(clock.now, weakest_first)
    day = _today(store, clock, prefs, held.booked(clock.now))
    if day is not None:
        return _planned_queue(store, clock, day, weak, limit=limit, previous=previous,
                              exclude=exclude, scope=within, source=source)
    allowance = _allowance(store, clock, prefs, None)
    keys = _due_keys(weak)
    fresh = [c for c in _fresh(store, allowance + len(exclude), within, weak_families(weak),
                               now=clock.now, source=source)
             if c.id not in exclude] if allowance else []

    def build(due: list[Card]) -> list[QueueItem]:
        return build_queue(due, fresh, allowance=allowance, weakness=weak, previous=previous,
                           limit=limit)

    return _shown(store, _due_queue(store, clock.now, keys, build, exclude=exclude,
                                    scope=within, limit=limit, previous=previous, source=source),
                  source)


WINDOW_SPARE = 8  # rows past the queue's length read at first from each family, so that a
# card passed over as a sibling of the one before seldom costs a wider read (`unsettled`
# decides whether one is needed, whatever the decks hold)
WHOLE = 1_000_000  # a window this wide reads the family's every due row instead


def _due_queue(store: Store, now: datetime, keys: dict[str, float],
               build: Callable[[list[Card]], list[QueueItem]], *, exclude: Collection[str],
               scope: SessionScope, limit: int | None, previous: Card | None, source: Rows,
               ) -> list[QueueItem]:
    """The queue `build` makes from every due row, reading as few as it can show it needs.

    Weakest family first (`keys`): each family's most overdue rows by an index range
    (`_by_family`). Plain due order: a window of the most overdue rows, when the queue built
    from it fills its due places with no clash (`_settled`); else every due row."""
    def read(limit: int | None = None, family: str | None = None,
             order: Mapping[str, float] = keys) -> list[Card]:
        return source.due(store, now, family_keys=order, exclude=exclude, limit=limit,
                        family=family or scope.family, deck=scope.deck)

    if limit is not None and limit <= WHOLE:  # past that, every due row
        if keys and scope.family is None:
            return _by_family(read, keys, build, limit=limit, previous=previous)
        window = limit * 10 + 50
        rows = read(window)
        items = build(rows)
        if len(rows) < window or _settled(items, previous, limit):
            return items
    return build(read())


def _by_family(read: Callable[[int | None, str | None, Mapping[str, float]], list[Card]],
               keys: dict[str, float], build: Callable[[list[Card]], list[QueueItem]], *,
               limit: int, previous: Card | None) -> list[QueueItem]:
    """The queue from each family's most overdue rows: the weakest families first (one
    group of equal weakness at a time, since its families interleave by due), then, while
    rows not read could change the queue (`core.order.unsettled`), the next group, or a
    family's window doubled. The loop ends: each pass reads a new group or doubles a
    window short of a family's due rows, and a window past `WHOLE` reads them all."""
    groups = [list(g) for _k, g in groupby(sorted(keys, key=lambda f: (keys[f], f)),
                                           key=lambda f: keys[f])]
    rows: dict[str, list[Card]] = {}
    window: dict[str, int] = {}
    unread: dict[str, datetime | None] = dict.fromkeys(keys)  # family -> due of its last row

    def take(family: str, size: int) -> None:
        found = read(None if size > WHOLE else size, family, {})
        rows[family], window[family] = found, size
        if size > WHOLE or len(found) < size:
            unread.pop(family, None)  # every due row of it read
        else:
            unread[family] = found[-1].due

    passes = len(groups) + len(keys) * (WHOLE.bit_length() + 1)  # enough, see above
    for group in groups[:1]:
        for family in group:
            take(family, limit + WINDOW_SPARE)
    for _pass in range(passes):
        items = build([c for g in groups for f in g for c in rows.get(f, [])])
        blocked = unsettled([i.card for i in items if not i.new], previous, limit=limit,
                            keys=keys, unread=unread)
        if not blocked:
            return items
        new = next((g for g in groups if g[0] not in rows and set(g) & blocked), None)
        for family in new or []:
            take(family, limit + WINDOW_SPARE)
        if new is None:
            for family in blocked:
                take(family, window[family] * 2)
    return build(read(None, None, keys))  # not reached (see above), and exact anyway


def _settled(items: list[QueueItem], previous: Card | None, limit: int | None) -> bool:
    """Whether a queue built from a partial read is the one every due row gives: it filled
    its due places before running out of rows, and shows no same-family or sibling pair
    (which an unread row might have broken up)."""
    shown_due = sum(1 for i in items if not i.new)
    return shown_due == limit and not has_clash(items, previous)


def _fresh(store: Store, count: int, scope: SessionScope, weak: set[str], *,
           now: datetime, source: Rows = _DIRECT) -> list[Card]:
    """The first `count` new questions in the order they are introduced: `new_order`, a weak
    family's widened (`widen_new`). Reads `count` rows, and as many per weak family."""
    if scope.family is not None:
        weak = weak & {scope.family}
    ranked = source.new_ranked(store, count, now=now, family=scope.family, deck=scope.deck,
                             skip_families=weak)
    for family in sorted(weak):
        ranked += source.new_ranked(store, count, now=now, family=family, deck=scope.deck)
    return widen_new(ranked, weak)[:count]


def _planned_queue(store: Store, clock: Clock, day: Today, weak: dict[str, float] | None, *,
                   limit: int | None, previous: Card | None, exclude: Collection[str],
                   scope: SessionScope, source: Rows) -> list[QueueItem]:
    """`next_queue` while an interview plan is active: the in-scope due questions, the
    plan's new ones in its order, and the taper (of the session's `scope` too)."""
    keys = _due_keys(weak)
    due = [c for c in source.due(store, clock.now, family_keys=keys, exclude=exclude,
                               family=scope.family, deck=scope.deck) if c.id in day.scope]
    taper = tuple(c for c in day.queue.taper if c.id not in exclude and scope.includes(c))
    # every new question only when the plan may bring later days' ahead (nothing else
    # waits but the card before); else the day's allowance, and one for the card before
    ahead = day.queue.ahead and len(due) + len(taper) <= 1
    from emdrill.ops import interview

    fresh = interview.fresh_cards(
        store, day, want=None if ahead else day.allowance + 1,
        keep=lambda c: (c.id not in exclude and scope.includes(c) and not c.question.suspended
                        and not c.question.set_aside(clock.now)))
    return _shown(store, build_queue(due, fresh, allowance=day.allowance, weakness=weak,
                                     previous=previous, limit=limit,
                                     plan=replace(day.queue, taper=taper)), source)


def _shown(store: Store, items: list[QueueItem], source: Rows) -> list[QueueItem]:
    """The queue with each due question read in full (its rows held only what ordering
    needs); new ones came whole."""
    full = source.full(store, [i.card.id for i in items if not i.new])
    return [i if i.new else QueueItem(full[i.card.id], False) for i in items]


def _due_keys(weak: dict[str, float] | None) -> dict[str, float]:
    """Each family's place in the due order (`due_order_key`); none without weakness."""
    return {family: due_order_key(weak, family) for family in weak} if weak else {}


def ordering_weakness(store: Store, clock: Clock, prefs: Settings,
                      weakest_first: bool | None = None) -> dict[str, float] | None:
    """Family weakness to order by, or None for plain FSRS order (adaptive off)."""
    if not orders_by_weakness(prefs, weakest_first):
        return None
    return weakness.family_weakness(store, clock)
