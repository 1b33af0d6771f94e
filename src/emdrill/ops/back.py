"""What the back of a card needs from the store: slots, the user's stories and systems."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from emdrill.core.cards import Card, ReviewRecord, Slot
from emdrill.core.coach import LABELS
from emdrill.core.scheduler import NO_FIT, FacetParameters
from emdrill.core.stories import Story
from emdrill.ops import coach as coach_ops
from emdrill.ops import opening, optimize, set_aside
from emdrill.ops.set_aside import Flags
from emdrill.store import card_reads, review_log
from emdrill.store import decks as store_decks
from emdrill.store import stories as store_stories
from emdrill.store.db import Store


@dataclass(frozen=True)
class BackData:
    """Everything beside the question itself that the back side shows; read once a session."""

    slots: dict[int, Slot]
    stories: list[Story]
    systems: dict[str, str]
    coach: dict[int, str] = field(default_factory=dict)  # story id -> its open findings


def load_back(store: Store) -> BackData:
    stories = store_stories.list_stories(store)
    prefs = opening.settings(store)
    coach = {}
    for story in stories:
        opened = coach_ops.story_report(story, prefs).open
        if story.id is not None and opened:
            coach[story.id] = (f"{len(opened)} to fix: "
                               + "; ".join(LABELS[f.rule] for f in opened)
                               + f" (emdrill story check {story.id})")
    return BackData(slots=store_decks.slots(store), stories=stories,
                    systems=store_stories.systems(store), coach=coach)


@dataclass(frozen=True)
class QuestionDetail:
    """Everything `emdrill show` prints about one question."""

    card: Card
    back: BackData
    reviews: list[ReviewRecord]  # newest first
    parameters: FacetParameters = NO_FIT  # in force: the recall shown is under these
    flags: Flags | None = None  # suspended by the user, buried, lapses and leech


def question_detail(store: Store, question_id: str, *, now: datetime,
                    reviews: int = 10) -> QuestionDetail:
    return QuestionDetail(card_reads.load_card(store, question_id), load_back(store),
                          review_log.question_reviews(store, question_id, reviews),
                          optimize.in_force(store), set_aside.flags(store, question_id, now))
