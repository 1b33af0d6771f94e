"""The loop morning sheet against the store (`core.sheet` does the choosing), and when plain
`emdrill interview` shows it (`core.sheet.loop_morning`)."""

from __future__ import annotations

from emdrill.core.cards import Card
from emdrill.core.groups import intent_groups
from emdrill.core.interview import Interview, InterviewScope
from emdrill.core.scheduler import retrievability
from emdrill.core.sheet import Sheet, loop_morning, make_sheet
from emdrill.core.timing import Clock
from emdrill.ops import decode, optimize
from emdrill.ops import interview as plan
from emdrill.store import card_reads
from emdrill.store import decks as store_decks
from emdrill.store import sheet as store_sheet
from emdrill.store import stories as store_stories
from emdrill.store.db import Store


def sheet(store: Store, clock: Clock) -> Sheet:
    """The sheet for the active plan's scope, or for every question without a plan. Recall
    is predicted for the interview morning (now, without a plan)."""
    booked = plan.active(store, clock)
    scope = booked.scope if booked is not None else InterviewScope()
    at = booked.at if booked is not None else clock.now
    cards = [c for c in card_reads.load_cards(store) if scope.covers(c.question)]
    parameters = optimize.in_force(store).intent

    def recall(card: Card) -> float:
        return retrievability(card.intent, at, local=clock.local, parameters=parameters)

    return make_sheet(
        cards, family_names={f.slug: f.name for f in store_decks.families(store)},
        stories=store_stories.list_stories(store), systems=store_stories.systems(store),
        misses=store_sheet.intent_misses(store),
        groups=intent_groups(c.question for c in cards),
        confusions=decode.confusions(store), recall=recall)


def morning(clock: Clock, booked: Interview) -> bool:
    """Whether plain `interview` shows the sheet instead of the plan: on the loop morning."""
    return loop_morning(clock, booked.at)
