"""The back of a card from the store: what every drill mode calls after the reveal."""

from __future__ import annotations

from rich.console import RenderableType

from emdrill.core.types import Card, Question
from emdrill.store import decks as store_decks
from emdrill.store import stories as store_stories
from emdrill.store.db import Store
from emdrill.ui.back import compose_back


def back_for(store: Store, card: Card | Question, *, compact: bool, width: int) -> RenderableType:
    """Load the slots, the user's stories and systems, and compose the back of `card`."""
    question = card.question if isinstance(card, Card) else card
    return compose_back(question, slots=store_decks.slots(store),
                        stories=store_stories.list_stories(store),
                        systems=store_stories.systems(store), width=width, compact=compact)
