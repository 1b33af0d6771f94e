"""How emdrill questions live in Anki, shared by the export and the import. No I/O.

One note per question, identified by a GUID computed from its deck id and question id, so
every export names the same note and Anki updates it in place. The note type has two card
types, in this order: "Intent" (ordinal 0) reviews the intent facet, "Story" (ordinal 1)
the story facet.

What an Anki button means is the same on both cards: the rating of that name. On the Story
card, Again is the wrong story, Hard a close one (an acceptable alternate slot, or the right
slot told thinly: what emdrill's own drill records as Hard for naming an alternate, and the
commute for "partly"), Good the question's own slot, and Easy that slot told in full without
a pause. Keeping the buttons as they are keeps the two apps' memory of a card the same: the
memory Anki's FSRS computes from its review log is the one emdrill computes from the same
answers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from emdrill.core.scheduler import Rating

NOTETYPE_ID = 1745392811  # fixed: Anki matches the note type across exports by this id
NOTETYPE_NAME = "emdrill question"
DECK_ROOT = "emdrill"
CARD_FACETS = ("intent", "story")  # by card ordinal

# Anki's revlog.type: 0 learning, 1 review, 2 relearning, 3 filtered deck, 4 manual (set due
# date, reset), 5 rescheduled (FSRS moved the due date). Anki's FSRS computes a card's memory
# from the rows it keeps (rslib scheduler/fsrs/params.rs, `reviews_for_fsrs`): it drops every
# manual and rescheduled row and every row with no button (ease 0), and it drops a filtered
# deck's row whose factor is 0, which is a preview (a filtered deck that does not reschedule:
# the card's schedule is left as it was). A filtered deck that reschedules logs a factor and
# counts. And a card reset in Anki (Forget: a manual row with factor 0) starts its memory
# again: the answers before the reset no longer count (`forgotten`). The import keeps
# exactly the rows Anki keeps.
LEARNING, REVIEW, RELEARNING, FILTERED, MANUAL, RESCHEDULED = range(6)
ANSWER_TYPES = frozenset({LEARNING, REVIEW, RELEARNING, FILTERED})

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
    factor: int = 0  # revlog.factor: the ease factor after the answer; 0 for a preview
    card_id: int = 0  # revlog.cid: the Anki card, which outlives its note in the log

    @property
    def is_preview(self) -> bool:
        """An answer in a filtered deck that does not reschedule: Anki's FSRS ignores it."""
        return self.kind == FILTERED and self.factor == 0 and 1 <= self.ease <= 4

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.revlog_id / 1000, tz=UTC)

    @property
    def is_answer(self) -> bool:
        """An answer Anki's FSRS learns from: a button pressed, no schedule change, no
        preview."""
        return 1 <= self.ease <= 4 and self.kind in ANSWER_TYPES and not self.is_preview

    @property
    def seconds(self) -> float:
        return round(min(max(self.millis, 0) / 1000, 86400), 1)


def forgotten(rows: Sequence[AnkiReview]) -> set[int]:
    """Revlog ids of the answers Anki's FSRS leaves out of a card's memory because the card
    was reset (Forget) after them."""
    by_card: dict[int, list[AnkiReview]] = {}
    for row in sorted(rows, key=lambda r: r.revlog_id):
        by_card.setdefault(row.card_id, []).append(row)
    dropped: set[int] = set()
    for history in by_card.values():
        start = _memory_starts(history)
        dropped.update(row.revlog_id for row in history[:start] if row.is_answer)
    return dropped


def _memory_starts(history: Sequence[AnkiReview]) -> int:
    """Where a card's memory starts in its log, oldest first, as Anki's FSRS picks it: the
    first of the last run of learning answers; without one, the first answer after the last
    reset; the end of the log when no answer follows the reset."""
    learning_from = first_answer = None
    for index in range(len(history) - 1, -1, -1):
        row = history[index]
        if row.is_preview:
            continue
        answered = 1 <= row.ease <= 4
        if answered:
            first_answer = index
        if answered and row.kind == LEARNING:
            learning_from = index
        elif learning_from is not None:
            break
        elif row.kind == MANUAL and row.factor == 0:  # the reset
            return len(history) if first_answer is None else first_answer
    if learning_from is not None:
        return learning_from
    return len(history) if first_answer is None else first_answer


def facet_rating(ordinal: int, ease: int) -> tuple[str, Rating] | None:
    """The facet a card reviews and the rating its button means there, or None for a card
    type emdrill did not make. Both cards take Anki's four buttons as they are (see the
    module's docstring for what each means on the Story card)."""
    if not 0 <= ordinal < len(CARD_FACETS) or not 1 <= ease <= 4:
        return None
    return CARD_FACETS[ordinal], Rating(ease)


# What each button means on the Story card: printed on its back, and in the docs.
STORY_BUTTONS = (
    (Rating.AGAIN, "a wrong story"),
    (Rating.HARD, "close: an alternate named here, or the right one told thinly"),
    (Rating.GOOD, "the answer named here"),
    (Rating.EASY, "the answer named here, told in full without a pause"),
)
