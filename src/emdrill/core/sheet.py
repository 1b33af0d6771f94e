"""The loop morning sheet: per family the intent to lead with, the story and system behind it;
the pairs still confused, with what tells them apart; the weakest intents to read once more.

Pure: the cards, stories, systems, confusions and recall come in as arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from emdrill.core.cards import Card
from emdrill.core.decode import Confusion
from emdrill.core.groups import members
from emdrill.core.interview import days_left
from emdrill.core.stories import Story
from emdrill.core.story_bank import best_story
from emdrill.core.timing import Clock

WEAKEST = 3  # intents to read once more
PAIRS = 3  # confused pairs on the sheet
# An interview this soon after its study day begins (04:00) is early: before 08:00 there is
# no morning left to read the sheet in, so the loop morning is the study day before.
EARLY = timedelta(hours=4)


def loop_morning(clock: Clock, at: datetime) -> bool:
    """Whether today is the loop morning of an interview at `at`: the interview's own study
    day, or the study day before it when the interview is early (within EARLY of its day's
    start)."""
    left = days_left(clock, at)
    return left == 0 or (left == 1 and at - clock.day_start(at) < EARLY)


@dataclass(frozen=True)
class Lead:
    """One family's line: the intent to lead with, the story and the system for it."""

    family: str
    name: str
    question_id: str
    intent: str
    slot: int  # the question's story slot (SYSTEM_ANSWER for a system answer)
    story: str | None  # the title of the user's story for the slot, None without one
    system: str  # the question's system category (core.cards.SYSTEMS)
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
    """An intent to read once more: among the reviewed questions, the lowest predicted
    recall of the intent, one question per intent group."""

    question_id: str
    intent: str
    recall: float  # the intent's predicted recall (on the interview morning, or now)


@dataclass(frozen=True)
class Sheet:
    leads: tuple[Lead, ...]
    pairs: tuple[Pair, ...]
    weakest: tuple[Weak, ...]


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
    is a reviewed card's predicted intent recall; confusions come most pressing first. The
    story is the one the card's back shows (`best_story`)."""
    by_family: dict[str, list[Card]] = {}
    for card in cards:
        by_family.setdefault(card.question.family, []).append(card)
    order = list(family_names)
    leads = []
    for family in sorted(by_family, key=lambda f: (order.index(f) if f in order else len(order),
                                                   f)):
        card = lead_of(by_family[family], misses, groups)
        q = card.question
        story = best_story(q, stories)
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
    return Sheet(tuple(leads), tuple(pairs[:PAIRS]), weakest(cards, groups, recall))


def weakest(cards: Sequence[Card], groups: Mapping[str, str],
            recall: Callable[[Card], float]) -> tuple[Weak, ...]:
    """The WEAKEST reviewed intents, lowest recall first; siblings that share an intent
    group count once (the weakest of them stands for the group)."""
    ranked = sorted(((recall(c), c) for c in cards if not c.is_new),
                    key=lambda rc: (rc[0], rc[1].question.position, rc[1].question.id))
    chosen: list[Weak] = []
    taken: set[str] = set()
    for r, c in ranked:
        group = groups.get(c.question.id, c.question.id)
        if group in taken:
            continue
        taken.add(group)
        chosen.append(Weak(c.question.id, c.question.intent, r))
        if len(chosen) == WEAKEST:
            break
    return tuple(chosen)
