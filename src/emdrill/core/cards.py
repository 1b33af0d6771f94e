"""Plain data the core passes around: questions as loaded, and their two facets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from emdrill.core.scheduler import Memory

FACETS = ("intent", "story")
SYSTEMS = ("delivery", "stakeholders", "team", "self")
MODES = ("drill", "commute", "grade", "practice", "mock", "anki", "exam")
SLOTS = range(1, 9)  # the eight core story slots: the one place their range is written

# A question that no core story answers is a "system answer": the user answers with their
# system for the question's category plus a short example. It is stored in the same integer
# column as a slot (and as the slot a user named in a review), but it is never a slot: no
# story serves it. `also` may list it where a system answer would also pass. Deck files,
# the command line and every JSON output spell it "system"; the drill's key is 9.
SYSTEM_ANSWER = 9
SYSTEM_WORD = "system"
SYSTEM_ANSWER_NAME = "System answer"


def is_slot(value: int) -> bool:
    """A core story slot (1-8), as opposed to the system answer."""
    return value in SLOTS


def story_label(story: int) -> str:
    """How a primary story or a named answer reads in text: '3', or 'system'."""
    return SYSTEM_WORD if story == SYSTEM_ANSWER else str(story)


def story_json(story: int | None) -> int | str | None:
    """How it reads in JSON: the slot number, or "system"."""
    return SYSTEM_WORD if story == SYSTEM_ANSWER else story


@dataclass(frozen=True)
class Question:
    """One question card's content, as the deck file gives it."""

    id: str
    deck: str
    family: str
    text: str
    intent: str
    story: int  # a slot 1-8, or SYSTEM_ANSWER
    also: tuple[int, ...] = ()  # slots 1-8, and SYSTEM_ANSWER where a system answer passes
    probes: tuple[str, ...] = ()
    system: str = "team"
    traits: tuple[str, ...] = ()
    pitfall: str = ""
    follow_ups: tuple[str, ...] = ()
    siblings: tuple[str, ...] = ()
    suspended: bool = False
    position: int = 0
    draft: tuple[str, ...] = ()  # fields filled in by emdrill, not yet reviewed by the user
    source: str = ""  # where an imported question came from: "FILE:LINE"
    note: str = ""  # the user's own text kept with the card (an Anki card's back); file only
    replaces: tuple[str, ...] = ()  # ids whose history loading moves to this question
    user_suspended: bool = False  # set aside by the user until `unsuspend`
    buried_until: datetime | None = None  # set aside until then (UTC): the next study day
    # With the intent a draft and none drafted: the cards whose intents were offered instead.
    candidates: tuple[str, ...] = ()

    def set_aside(self, now: datetime) -> bool:
        """Out of the queue at `now`: removed from its deck, suspended or buried."""
        return (self.suspended or self.user_suspended
                or (self.buried_until is not None and self.buried_until > now))

    @property
    def system_answer(self) -> bool:
        return self.story == SYSTEM_ANSWER


@dataclass(frozen=True)
class Card:
    """A question with both facets' memory."""

    question: Question
    intent: Memory
    story: Memory

    @cached_property  # the queue sorts and declumps by these on every call: worked once
    def id(self) -> str:
        return self.question.id

    @cached_property
    def family(self) -> str:
        return self.question.family

    @property
    def is_new(self) -> bool:
        return self.intent.is_new and self.story.is_new

    @cached_property
    def due(self) -> datetime:
        """A question is due when its earliest facet is due."""
        dues = [m.due for m in (self.intent, self.story) if m.due is not None]
        return min(dues)


@dataclass(frozen=True)
class Family:
    slug: str
    name: str
    probes: str = ""


@dataclass(frozen=True)
class Slot:
    slot: int
    name: str
    competency: str = ""
    must_include: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReviewRecord:
    """One graded answer, as stored. A review made in Anki grades one facet only: the
    other rating is None."""

    id: int
    question_id: str
    reviewed_at: datetime
    intent_rating: int | None
    story_rating: int | None
    slot_named: int | None
    seconds: float | None
    mode: str
