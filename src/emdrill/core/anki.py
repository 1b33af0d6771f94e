"""How emdrill questions live in Anki, shared by the export and the import. No I/O.

One note per question, identified by a GUID computed from its deck id and question id, so
every export names the same note and Anki updates it in place. The note type has two card
types, in this order: "Intent" (ordinal 0) reviews the intent facet, "Story" (ordinal 1)
the story facet.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from emdrill.core.scheduler import Rating, story_verdict_rating

NOTETYPE_ID = 1745392811  # fixed: Anki matches the note type across exports by this id
NOTETYPE_NAME = "emdrill question"
DECK_ROOT = "emdrill"
CARD_FACETS = ("intent", "story")  # by card ordinal

# Anki's revlog.type: 0 learning, 1 review, 2 relearning, 3 filtered deck. 4 (manual) and
# 5 (rescheduled) are schedule changes with no answer; so is an ease of 0.
ANSWER_TYPES = frozenset({0, 1, 2, 3})

_BASE91 = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
           "!#$%&()*+,-./:;<=>?@[]^_`{|}~")


def note_guid(deck_id: str, question_id: str) -> str:
    """The note's GUID: 64 bits of a hash, in the base-91 alphabet Anki uses for its own."""
    digest = hashlib.sha256(f"emdrill\x1f{deck_id}\x1f{question_id}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    while number:
        number, rest = divmod(number, len(_BASE91))
        chars.append(_BASE91[rest])
    return "".join(reversed(chars)) or _BASE91[0]


def deck_name(deck_title: str, family_name: str) -> str:
    """The Anki deck a question goes in: emdrill::<deck>::<family>."""
    return "::".join(part.replace("::", ":") for part in (DECK_ROOT, deck_title, family_name))


def family_tag(family: str) -> str:
    return f"emdrill::{family}"


@dataclass(frozen=True)
class AnkiReview:
    """One row of an Anki review log, joined to its card and note where they still exist."""

    revlog_id: int  # milliseconds since the epoch, when the answer was given
    guid: str | None  # the note's GUID; None when the card was deleted in Anki
    ordinal: int | None  # the card's template number
    ease: int  # the button: 1 Again, 2 Hard, 3 Good, 4 Easy; 0 for schedule changes
    kind: int  # revlog.type
    millis: int  # time spent answering

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.revlog_id / 1000, tz=UTC)

    @property
    def is_answer(self) -> bool:
        return 1 <= self.ease <= 4 and self.kind in ANSWER_TYPES

    @property
    def seconds(self) -> float:
        return round(min(max(self.millis, 0) / 1000, 86400), 1)


def facet_rating(ordinal: int, ease: int) -> tuple[str, Rating] | None:
    """The facet a card reviews and the rating its button means there, or None for a card
    type emdrill did not make. The intent takes Anki's four buttons as they are; the story
    is right or wrong, so Again is wrong and Hard, Good and Easy are right."""
    if not 0 <= ordinal < len(CARD_FACETS) or not 1 <= ease <= 4:
        return None
    facet = CARD_FACETS[ordinal]
    if facet == "intent":
        return facet, Rating(ease)
    return facet, story_verdict_rating(ease > 1)
