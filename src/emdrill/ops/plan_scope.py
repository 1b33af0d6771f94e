"""How adding questions (`import`, `add`) changes an active interview plan's scope.

Questions new to the collection that the plan's decks and families reach are first held out
of its scope (`hold`, before they are loaded), so nothing widens the plan by surprise; the
command then says what letting them in would cost (`widening`) and lets them in only when
the user says so (`let_in`). docs/interview.md, "Adding questions during a plan".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from emdrill.core.cards import Question
from emdrill.core.timing import Clock
from emdrill.ops import interview as plan
from emdrill.ops.opening import settings
from emdrill.store import card_reads
from emdrill.store import interview as store_interview
from emdrill.store.db import Store


def hold(store: Store, now: datetime, questions: Sequence[Question]) -> tuple[str, ...]:
    """Keep out of an active plan's scope the `questions` not yet in the collection that
    its decks and families reach; their ids (none without an active plan)."""
    booked = store_interview.load_interview(store)
    if booked is None or not booked.active(now):
        return ()
    present = {qid for qid, _deck, _family, _text, gone in card_reads.question_ids(store)
               if not gone}
    held = tuple(q.id for q in questions
                 if q.id not in present and booked.scope.reaches(q))
    if held:
        store_interview.save_excluded(store, booked.scope.keeping_out(held).excluded)
    return held


@dataclass(frozen=True)
class Widening:
    """What letting `ids` into the plan's scope would change: the questions in scope as
    `interview` counts them (its exam pool aside) and the minutes a day covering them all
    asks (the plan's `minutes_needed`)."""

    ids: tuple[str, ...]
    questions_before: int
    questions_after: int
    minutes_before: int
    minutes_after: int


def widening(store: Store, clock: Clock, ids: Iterable[str]) -> Widening | None:
    """What letting the kept-out `ids` in would change; None without an active plan or
    when none of them is a loaded question kept out of it."""
    booked = plan.active(store, clock)
    if booked is None:
        return None
    cards = card_reads.load_cards(store)
    loaded = {c.id for c in cards}
    chosen = tuple(i for i in dict.fromkeys(ids) if i in booked.scope.excluded and i in loaded)
    if not chosen:
        return None
    wider = replace(booked, scope=booked.scope.letting_in(chosen))
    prefs = settings(store)
    before, after = (plan.plan_for(store, clock, prefs, b, cards) for b in (booked, wider))
    return Widening(chosen, before.in_scope, after.in_scope, before.minutes_needed,
                    after.minutes_needed)


def let_in(store: Store, clock: Clock, ids: Iterable[str]) -> None:
    """Put the kept-out `ids` into the active plan's scope."""
    booked = plan.active(store, clock)
    if booked is not None:
        store_interview.save_excluded(store, booked.scope.letting_in(ids).excluded)


def kept_out(store: Store, clock: Clock) -> tuple[str, ...]:
    """Every question kept out of the active plan's scope (none without a plan)."""
    booked = plan.active(store, clock)
    return tuple(sorted(booked.scope.excluded)) if booked is not None else ()
