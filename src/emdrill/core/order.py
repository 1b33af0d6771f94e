"""Which question comes next. Pure functions of the cards, the time and the allowances."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from itertools import pairwise
from typing import TYPE_CHECKING

from emdrill.core.cards import Card
from emdrill.core.interview import new_first
from emdrill.core.scheduler import NO_FIT, retrievability
from emdrill.core.weakness import WEAK_AT

if TYPE_CHECKING:
    from emdrill.core.scheduler import FacetParameters

WIDEN = 3  # a weak family's unseen questions are introduced this many times as fast
MAX_SHARE = 0.35  # of a drill's answers one family may take while others have work


@dataclass(frozen=True)
class QueueItem:
    card: Card
    new: bool


@dataclass(frozen=True)
class SessionScope:
    """The questions one session draws from: one family, one deck, or (both None) all."""

    family: str | None = None
    deck: str | None = None

    def includes(self, card: Card) -> bool:
        return ((self.family is None or card.family == self.family)
                and (self.deck is None or card.question.deck == self.deck))


def crowded(answered: Mapping[str, int], *, share: float = MAX_SHARE) -> set[str]:
    """Families that may not take the next answer of a drill: one more would put them over
    `share` of the answers given so far plus that one (a family may always take one). Retries
    and contrast cards count, as they are answers like any other. With the next answer
    counted, every prefix of a drill keeps each family at or below `share` (or one answer)."""
    total = sum(answered.values()) + 1
    cap = max(1, math.floor(share * total))
    return {family for family, n in answered.items() if n + 1 > cap}


def new_allowance(per_day: int, introduced_today: int) -> int:
    return max(0, per_day - introduced_today)


def due_cards(cards: Iterable[Card], now: datetime) -> list[Card]:
    return [c for c in cards if not c.is_new and c.due <= now]


def new_order(questions: Iterable[tuple[str, str, str, int]], *,
              first: Collection[str] = ()) -> dict[str, int]:
    """Where each question stands among new ones, from (id, family, deck, position) rows of
    every active question: one family at a time, so a day's batch is varied. The ids in
    `first` (questions the user just added) come before all others, in the same way.

    Ranks come from the whole deck (seen questions included), so grading one new question
    does not reshuffle the rest: the order `next` shows is the order the drill uses. The
    store keeps this number per question, refreshed whenever a deck loads; a rank below
    zero marks a question that goes first (`goes_first`), so the mark survives a refresh.
    """
    rows = list(questions)
    ahead = [q for q in rows if q[0] in first]
    result = {qid: rank - _FRONT for qid, rank in _interleaved(ahead).items()}
    result.update(_interleaved([q for q in rows if q[0] not in first]))
    return result


def spread_new(cards: Sequence[Card]) -> list[Card]:
    """The new questions among `cards` in `new_order` (ranks from all of `cards`)."""
    ranks = new_order((c.id, c.family, c.question.deck, c.question.position) for c in cards)
    return sorted((c for c in cards if c.is_new), key=lambda c: ranks[c.id])


def goes_first(rank: int | None) -> bool:
    """Whether a stored `new_order` rank puts its question ahead of every other new one."""
    return rank is not None and rank < 0


def _interleaved(questions: Iterable[tuple[str, str, str, int]]) -> dict[str, int]:
    ordered = sorted(questions, key=lambda q: (q[2], q[3]))
    family_order: dict[str, int] = {}
    seen_in_family: dict[str, int] = defaultdict(int)
    result: dict[str, int] = {}
    for qid, family, _deck, _position in ordered:
        family_order.setdefault(family, len(family_order))
        result[qid] = seen_in_family[family] * _FAMILY_SPAN + family_order[family]
        seen_in_family[family] += 1
    return result


_FAMILY_SPAN = 1_000_000  # more families than any collection will hold
_FRONT = _FAMILY_SPAN * 1_000_000  # more questions per family than any collection will hold


def weak_families(weakness: Mapping[str, float] | None) -> set[str]:
    """Families called weak (weakness at least WEAK_AT): named on screens, widened."""
    return {f for f, w in (weakness or {}).items() if w >= WEAK_AT}


def widen_new(ranked: Iterable[tuple[int, Card]], weak: Collection[str]) -> list[Card]:
    """New questions, each with its `new_order` rank, in the order they are introduced: one
    family at a time, but a weak family takes WIDEN at a time, so its unseen questions come
    sooner instead of the same few seen ones coming back. Questions that go first (the
    user's own, `goes_first`) stay first. Without `weak`, plain `new_order`.
    """

    def key(item: tuple[int, Card]) -> tuple[bool, int, bool, int, int]:
        front = goes_first(item[0])
        rank, family_order = divmod(item[0] + (_FRONT if front else 0), _FAMILY_SPAN)
        boosted = item[1].family in weak
        return (not front, rank // WIDEN if boosted else rank, not boosted, family_order, rank)

    return [card for _rank, card in sorted(ranked, key=key)]


def _clashes(card: Card, previous: Card | None) -> bool:
    if previous is None:
        return False
    return (card.family == previous.family or card.id in previous.question.siblings
            or previous.id in card.question.siblings)


def due_order_key(weakness: Mapping[str, float], family: str) -> float:
    """Due questions sort by this first (weakest family first), then by due."""
    return -round(weakness.get(family, 0.0), 2)


def has_clash(items: Sequence[QueueItem], previous: Card | None = None) -> bool:
    """Whether two neighbours (the previous card included) are of a family or siblings."""
    cards = [previous, *(i.card for i in items)] if previous else [i.card for i in items]
    return any(_clashes(b, a) for a, b in pairwise(cards))


def unsettled(picks: Sequence[Card], previous: Card | None, *, limit: int,
              keys: Mapping[str, float], unread: Mapping[str, datetime | None]) -> set[str]:
    """The families whose unread due rows could change the due cards `declump` picked
    (`picks`, at most `limit`, in order) from the rows read so far. Each family in `unread`
    has rows not read, all sorting after (its key in `keys`, the due of its last row read;
    None: none read). Empty: the picks are the ones every due row would give.

    A pick that does not clash with the card before stands unless an unread row of another
    family could sort ahead of it; a pick made because everything clashed stands only when
    every unread row is of the card before's family (so clashes too) and sorts after it."""
    if not unread:
        return set()
    if len(picks) < limit:  # the rows read ran out: unread ones would fill more places
        return set(unread)

    # by key, so that a pick that does not clash looks only at the families whose key is
    # not above its own: every unread row of the others sorts after it
    waiting = sorted(((keys[family], family, unread[family]) for family in unread),
                     key=lambda w: w[0])
    bounds = [theirs for theirs, _family, _last_read in waiting]

    def ahead(card: Card, mine: float, theirs: float, last_read: datetime | None) -> bool:
        """`card` (of key `mine`) sorts before every unread row of a family of key
        `theirs` whose last row read is due at `last_read`."""
        return mine < theirs or (mine == theirs and last_read is not None
                                 and card.due < last_read)

    blocked: set[str] = set()
    last = previous
    for card in picks:
        forced = _clashes(card, last)
        mine = keys.get(card.family, 0.0)
        before = None if last is None else last.family
        # forced: every family may block; else only those keyed at or below `mine`
        reach = len(waiting) if forced else bisect_right(bounds, mine)
        for theirs, family, last_read in waiting[:reach]:
            if family in blocked:
                continue  # already blocked: nothing more to learn
            same = family == before
            # unread rows of the card before's family clash with it as well
            fine = ((same and ahead(card, mine, theirs, last_read)) if forced
                    else (same or ahead(card, mine, theirs, last_read)))
            if not fine:
                blocked.add(family)
        if len(blocked) == len(waiting):
            break  # every family blocked: the later picks cannot add one
        last = card
    return blocked


def declump(ordered: Sequence[Card], previous: Card | None = None, *,
            limit: int | None = None) -> list[Card]:
    """Keep the priority order, but never show the same family or a sibling back to back
    when something else is waiting: take the first card that does not clash. Stops after
    `limit` cards."""
    pending = list(ordered)
    result: list[Card] = []
    last = previous
    while pending and (limit is None or len(result) < limit):
        if last is None:
            pick = 0
        else:  # `_clashes` spelled out with the card before's fields read once per pick
            family, ident, siblings = last.family, last.id, last.question.siblings
            pick = next((i for i, c in enumerate(pending)
                         if c.family != family and c.id not in siblings
                         and ident not in c.question.siblings), 0)
        last = pending.pop(pick)
        result.append(last)
    return result


@dataclass(frozen=True)
class PlanQueue:
    """An interview plan's say in the queue (see `core.plan`)."""

    taper: tuple[Card, ...] = ()  # seen questions to go over although not due, in order
    introduced: int = 0  # new questions introduced today
    answers: int = 0  # answers given today
    per_drill: int = 0  # answers one drill holds
    ahead: bool = False  # with nothing else waiting, later days' new questions may come


def build_queue(
    due: Iterable[Card],
    fresh: Sequence[Card],
    *,
    allowance: int,
    weakness: Mapping[str, float] | None = None,
    previous: Card | None = None,
    limit: int | None = None,
    plan: PlanQueue | None = None,
) -> list[QueueItem]:
    """Due questions (weakest family first when `weakness` is given, then most overdue),
    then new ones (`fresh`, already in `new_order`, a weak family's widened: `widen_new`)
    within today's allowance; same-family and sibling runs are broken up.

    With an interview `plan`, `fresh` is the plan's order of introduction: the taper follows
    the due questions, new questions spread through the drill, and come ahead of their day
    when nothing else is waiting."""
    fresh = [c for c in fresh if not c.question.suspended]
    if plan is None:
        fresh = fresh[:allowance]
    pool = [c for c in due if not c.question.suspended]
    if previous is not None:
        pool = [c for c in pool if c.id != previous.id]
        fresh = [c for c in fresh if c.id != previous.id]
    weak = weakness or {}
    # each family's key worked once, not once per card (the sort is the queue's hot loop)
    family_keys = {f: due_order_key(weak, f) for f in {c.family for c in pool}}
    ordered = sorted(pool, key=lambda c: (family_keys[c.family], c.due))
    if plan is not None:
        return _planned(ordered, fresh, plan, allowance=allowance, previous=previous,
                        limit=limit)
    ordered_due = declump(ordered, previous, limit=limit)
    tail = ordered_due[-1] if ordered_due else previous
    items = [QueueItem(c, False) for c in ordered_due]
    items += [QueueItem(c, True) for c in declump(fresh, tail)]
    return items[:limit] if limit is not None else items


def _planned(due: Sequence[Card], fresh: Sequence[Card], plan: PlanQueue, *, allowance: int,
             previous: Card | None, limit: int | None) -> list[QueueItem]:
    ordered = declump(due, previous)
    taken = {c.id for c in ordered} | ({previous.id} if previous else set())
    ordered += declump([c for c in plan.taper if c.id not in taken and not c.question.suspended],
                       ordered[-1] if ordered else previous)
    within = list(fresh[:allowance])
    if not ordered and not within and plan.ahead:
        within = list(fresh)
    items = _spread_through(ordered, declump(within, previous), plan,
                            quota=plan.introduced + allowance)
    return items[:limit] if limit is not None else items


def _spread_through(reviews: Sequence[Card], fresh: Sequence[Card], plan: PlanQueue, *,
                    quota: int) -> list[QueueItem]:
    """Reviews and new questions merged so the day's quota of new ones is spread evenly
    over a drill's answers: due reviews never crowd it out."""
    items: list[QueueItem] = []
    old, new = list(reviews), list(fresh)
    introduced, answers = plan.introduced, plan.answers
    while old or new:
        if new and (not old or new_first(introduced=introduced, quota=quota, answers=answers,
                                         per_drill=plan.per_drill)):
            items.append(QueueItem(new.pop(0), True))
            introduced += 1
        else:
            items.append(QueueItem(old.pop(0), False))
        answers += 1
    return items


def practice_queue(
    cards: Iterable[Card],
    *,
    now: datetime,
    weakness: Mapping[str, float] | None,
    limit: int | None,
    previous: Card | None = None,
    shown: Mapping[str, int] | None = None,
    widen: bool = False,
    parameters: FacetParameters | None = None,
    local: tzinfo = UTC,
) -> list[QueueItem]:
    """Seen questions to practise when nothing is due: weakest family first (families at or
    below neutral tie), shakiest question first inside a family (lowest retrievability of
    its two facets). Without `weakness` (adaptive off) simply the shakiest first. Same-family
    and sibling runs are broken up as in `build_queue`.

    `shown` counts how often each question was already answered in this session: the
    least shown come first, so practice goes round a family instead of repeating its
    shakiest few. With `widen`, a weak family's unseen questions join the pool (marked
    new), so practice on a weak family also meets the questions it has not seen yet."""
    parameters = parameters or NO_FIT  # the FSRS parameters in force (personal once fitted)

    weak = weakness or {}
    times = shown or {}

    def wanted(c: Card) -> bool:
        if c.question.suspended or (previous is not None and c.id == previous.id):
            return False
        return not c.is_new or (widen and weak.get(c.family, 0.0) >= WEAK_AT)

    pool = [c for c in cards if wanted(c)]
    shakiness = {c.id: min(retrievability(c.intent, now, local=local,
                                          parameters=parameters.intent),
                           retrievability(c.story, now, local=local,
                                          parameters=parameters.story))
                 for c in pool}
    ordered = sorted(pool, key=lambda c: (-max(0.0, round(weak.get(c.family, 0.0), 2)),
                                          times.get(c.id, 0), shakiness[c.id],
                                          c.question.position))
    items = [QueueItem(c, c.is_new) for c in declump(ordered, previous)]
    return items[:limit] if limit is not None else items
