"""The loop morning sheet against the store (`core.sheet` does the choosing), and when plain
`emdrill interview` shows it: on the last study day before the booked interview and on the
day itself."""

from __future__ import annotations

from emdrill.core.groups import intent_groups
from emdrill.core.interview import Scope
from emdrill.core.scheduler import retrievability
from emdrill.core.sheet import Sheet, make_sheet
from emdrill.core.timing import Clock
from emdrill.core.types import Card
from emdrill.ops import decode, optimize
from emdrill.ops import interview as plan
from emdrill.store import cards as store_cards
from emdrill.store import decks as store_decks
from emdrill.store import sheet as store_sheet
from emdrill.store import stories as store_stories
from emdrill.store.db import Store

SHEET_DAYS = 1  # plain `interview` shows the sheet when this many study days or fewer are left


def sheet(store: Store, clock: Clock) -> Sheet:
    """The sheet for the active plan's scope, or for every question without a plan."""
    booked = plan.active(store, clock)
    scope = booked.scope if booked is not None else Scope()
    cards = [c for c in store_cards.load_cards(store) if scope.covers(c.question)]
    parameters = optimize.in_force(store)

    def recall(card: Card) -> float:
        return (retrievability(card.intent, clock.now, local=clock.local,
                               parameters=parameters.intent)
                + retrievability(card.story, clock.now, local=clock.local,
                                 parameters=parameters.story)) / 2

    return make_sheet(
        cards, family_names={f.slug: f.name for f in store_decks.families(store)},
        stories=store_stories.list_stories(store), systems=store_stories.systems(store),
        misses=store_sheet.intent_misses(store),
        groups=intent_groups(c.question for c in cards),
        confusions=decode.confusions(store), recall=recall)


def morning(days_left: int) -> bool:
    """Whether plain `interview` shows the sheet instead of the plan."""
    return days_left <= SHEET_DAYS
