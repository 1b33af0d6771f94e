"""The loop morning sheet: per family the intent to lead with, the story and system behind it;
the pairs still confused, with what tells them apart; the weakest intents to read once more.

Pure: the cards, stories, systems, confusions and recall come in as arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from emdrill.core.decode import Confusion
from emdrill.core.groups import members
from emdrill.core.stories import Story
from emdrill.core.types import SYSTEM_ANSWER, Card

WEAKEST = 3  # intents to read once more
PAIRS = 3  # confused pairs on the sheet


@dataclass(frozen=True)
class Lead:
    """One family's line: the intent to lead with, the story and the system for it."""

    family: str
    name: str
    question_id: str
    intent: str
    slot: int  # the question's story slot (SYSTEM_ANSWER for a system answer)
    story: str | None  # the title of the user's story for the slot, None without one
    system: str  # the question's system category (core.types.SYSTEMS)
    system_text: str | None  # the first line of the user's system for it, None if unwritten
    misses: int  # times its intent was missed (why it leads), 0 when picked as representative


@dataclass(frozen=True)
class Pair:
    """Two questions whose intents the user still mixes up."""

    question_id: str
    intent: str
    mistaken_for: str
    mistaken_intent: str
    difference: str  # one line that tells them apart
    count: int


@dataclass(frozen=True)
class Weak:
    question_id: str
    intent: str
    recall: float  # predicted recall now, intent and story averaged


@dataclass(frozen=True)
class Sheet:
    leads: tuple[Lead, ...]
    pairs: tuple[Pair, ...]
    weakest: tuple[Weak, ...]


def story_for(slot: int, stories: Sequence[Story]) -> Story | None:
    """The user's story for a slot: one whose main slot it is first, then any that lists it."""
    main = [s for s in stories if s.slots and s.slots[0] == slot]
    listed = [s for s in stories if slot in s.slots]
    found = main or listed
    return found[0] if found else None


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def lead_of(cards: Sequence[Card], misses: Mapping[str, int],
            groups: Mapping[str, str]) -> Card:
    """The family's most-missed question; with no miss, the one whose intent group is the
    largest (the most representative), then the deck's order."""
    size = {root: len(ids) for root, ids in members(groups).items()}
    return min(cards, key=lambda c: (-misses.get(c.question.id, 0),
                                     -size.get(groups.get(c.question.id, c.question.id), 1),
                                     c.question.position, c.question.id))


def make_sheet(cards: Sequence[Card], *, family_names: Mapping[str, str],
               stories: Sequence[Story], systems: Mapping[str, str],
               misses: Mapping[str, int], groups: Mapping[str, str],
               confusions: Sequence[Confusion], recall: Callable[[Card], float]) -> Sheet:
    """The sheet for the cards in scope. `misses` counts intent misses per question, `recall`
    is a reviewed card's predicted recall now; confusions come most pressing first."""
    by_family: dict[str, list[Card]] = {}
    for card in cards:
        by_family.setdefault(card.question.family, []).append(card)
    order = list(family_names)
    leads = []
    for family in sorted(by_family, key=lambda f: (order.index(f) if f in order else len(order),
                                                   f)):
        card = lead_of(by_family[family], misses, groups)
        q = card.question
        story = None if q.story == SYSTEM_ANSWER else story_for(q.story, stories)
        text = systems.get(q.system)
        leads.append(Lead(family, family_names.get(family, family), q.id, q.intent, q.story,
                          story.title if story is not None else None, q.system,
                          _first_line(text) if text else None, misses.get(q.id, 0)))
    ids = {c.question.id for c in cards}
    pairs: list[Pair] = []
    taken: set[frozenset[str]] = set()
    for c in confusions:
        key = frozenset((c.question.id, c.mistaken_for.id))
        if c.told_apart or key in taken or not key & ids:
            continue
        taken.add(key)
        pairs.append(Pair(c.question.id, c.question.intent, c.mistaken_for.id,
                          c.mistaken_for.intent, c.difference, c.count))
    reviewed = [c for c in cards if not c.is_new]
    ranked = sorted(((recall(c), c) for c in reviewed), key=lambda rc: (rc[0], rc[1].question.id))
    weakest = tuple(Weak(c.question.id, c.question.intent, r) for r, c in ranked[:WEAKEST])
    return Sheet(tuple(leads), tuple(pairs[:PAIRS]), weakest)
