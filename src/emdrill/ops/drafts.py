"""Reviewing the drafts in the user's own decks, one card at a time (`emdrill drafts`).

A store and an explicit `now` in, plain values out. The user's deck files are the truth for
their cards: a review rewrites the card's block in its file (the rest of the file, comments
included, is kept), checks the file and loads it, as `add` and `import` do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from emdrill.core.cards import Question
from emdrill.core.errors import DeckError, InputError
from emdrill.core.userdeck import UNDECODED, confirmed, decoded, with_card
from emdrill.ops.decks import parse_file, user_paths
from emdrill.ops.questions import parse_edited, save_deck
from emdrill.ops.suggestions import Loaded, data_folder
from emdrill.store.db import Store


@dataclass(frozen=True)
class Pending:
    """One card with fields still marked draft, and the intents offered for it."""

    card: Question
    path: Path
    index: int  # its block among the file's [[questions]]
    candidates: tuple[tuple[str, str], ...]  # (card id, intent) of the recorded candidates
    families: tuple[str, ...]  # the loaded families, which an edited card must use

    @property
    def undecoded(self) -> bool:
        """No intent was drafted: accepting needs one picked or written first."""
        return "intent" in self.card.draft and self.card.intent == UNDECODED


def pending(store: Store, *, deck: str | None = None) -> list[Pending]:
    """Every card of the user's decks (or of `deck`) with fields still marked draft, in file
    and block order."""
    loaded = Loaded.read(store)
    intents = {q.id: q.intent for q in loaded.questions}
    families = tuple(f.slug for f in loaded.families)
    found: list[Pending] = []
    for path in user_paths(data_folder(store)):
        if deck is not None and path.stem != deck:
            continue
        parsed = parse_file(path)
        if parsed.problems:
            raise DeckError("\n".join(str(p) for p in parsed.problems))
        for q in parsed.questions:
            if q.draft:
                offered = tuple((c, intents[c]) for c in q.candidates if c in intents)
                found.append(Pending(q, path, q.position, offered, families))
    return found


def accept(item: Pending) -> Question:
    """The card as drafted, every field reviewed; refused while no intent was drafted."""
    if item.undecoded:
        raise InputError(f"'{item.card.id}' has no intent yet: pick a candidate or edit it")
    return confirmed(item.card, item.card.draft)


def pick(item: Pending, number: int) -> Question:
    """The card with candidate `number` (from 1) as its intent, every field reviewed."""
    if not 1 <= number <= len(item.candidates):
        raise InputError(f"no candidate {number} for '{item.card.id}' (there are "
                         f"{len(item.candidates)})")
    return confirmed(decoded(item.card, item.candidates[number - 1][1]), item.card.draft)


def edited(item: Pending, text: str) -> Question:
    """The card as the user edited it: a drafted field they changed counts as reviewed."""
    card = parse_edited(item.card, text, item.families)
    return card if card.intent != UNDECODED else replace(card, draft=tuple(
        dict.fromkeys((*card.draft, "intent"))))


def save(store: Store, item: Pending, card: Question, *, now: datetime) -> None:
    """Write the reviewed card into its block of its deck file, check the file, load it."""
    text = item.path.read_text(encoding="utf-8")
    save_deck(store, item.path, with_card(text, item.index, card), now=now)
