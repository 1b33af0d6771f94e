"""Plain data the core passes around: questions as loaded, and their two facets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from emdrill.core.scheduler import Memory

FACETS = ("intent", "story")
SYSTEMS = ("delivery", "stakeholders", "team")
MODES = ("drill", "commute", "grade", "practice")


@dataclass(frozen=True)
class Question:
    """One question card's content, as the deck file gives it."""

    id: str
    deck: str
    family: str
    text: str
    intent: str
    story: int
    also: tuple[int, ...] = ()
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


@dataclass(frozen=True)
class Card:
    """A question with both facets' memory."""

    question: Question
    intent: Memory
    story: Memory

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def family(self) -> str:
        return self.question.family

    @property
    def is_new(self) -> bool:
        return self.intent.is_new and self.story.is_new

    @property
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
    """One graded answer, as stored."""

    id: int
    question_id: str
    reviewed_at: datetime
    intent_rating: int
    story_rating: int
    slot_named: int | None
    seconds: float | None
    mode: str
