"""A mock interview against the store: the questions chosen, each rehearsal saved, the
optional grade, and the rehearsal stats.

No terminal I/O. "Now" comes from a `clock` callable and speaking time from a `tick`
callable (monotonic seconds), both injected, so tests move time by hand.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from emdrill.core.cards import Card
from emdrill.core.coach import CoachReport, analyse
from emdrill.core.errors import InputError
from emdrill.core.mock import (
    CHECKS,
    Rehearsal,
    SpeakingTimer,
    follow_up_target,
    pick_follow_ups,
    pick_questions,
)
from emdrill.core.scheduler import Rating
from emdrill.core.story_bank import best_story
from emdrill.core.timing import Clock
from emdrill.ops import grading, opening, optimize, queueing
from emdrill.ops.coach import intent_text
from emdrill.ops.grading import Graded, StoryAnswer
from emdrill.store import card_reads, rehearsal_edits
from emdrill.store import decks as store_decks
from emdrill.store import stories as store_stories
from emdrill.store.db import Store


@dataclass(frozen=True)
class Asked:
    """One question of the mock and the follow-ups the interviewer will probe with."""

    card: Card
    follow_ups: tuple[str, ...]


def plan(store: Store, clock: Clock, *, count: int, family: str | None = None,
         deck: str | None = None, rng: random.Random) -> list[Asked]:
    """The questions an interviewer would ask, with one or two follow-ups each."""
    cards = card_reads.load_cards(store)
    if family is not None:
        families = {f.slug for f in store_decks.families(store)}
        if family not in families:
            raise InputError(f"unknown family '{family}' (known: "
                             f"{', '.join(sorted(families)) or 'none loaded'})")
        cards = [c for c in cards if c.family == family]
    if deck is not None:
        decks = {c.question.deck for c in cards}
        if deck not in decks:
            raise InputError(f"unknown deck '{deck}' (loaded: "
                             f"{', '.join(sorted(decks)) or 'none'})")
        cards = [c for c in cards if c.question.deck == deck]
    stories = store_stories.list_stories(store)
    prefs = opening.settings(store)
    weak = queueing.ordering_weakness(store, clock, prefs, True) or {}
    chosen = pick_questions(cards, count=count, weakness=weak, now=clock.now, rng=rng,
                            parameters=optimize.in_force(store), local=clock.local,
                            has_story=lambda c: best_story(c.question, stories) is not None)
    return [Asked(c, tuple(pick_follow_ups(c.question.follow_ups, rng))) for c in chosen]


@dataclass
class Mock:
    """One mock interview in progress."""

    store: Store
    clock: Callable[[], Clock]
    tick: Callable[[], float]
    questions: list[Asked]
    target: int
    minutes: float | None = None
    pace: int = 150  # words a minute, for the coach's spoken time
    done: list[Rehearsal] = field(default_factory=list)
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.tick()

    def out_of_time(self) -> bool:
        return self.minutes is not None and self.tick() - self.started >= self.minutes * 60

    def answer_timer(self) -> SpeakingTimer:
        return SpeakingTimer(self.tick, self.target)

    def follow_up_timer(self) -> SpeakingTimer:
        return SpeakingTimer(self.tick, follow_up_target(self.target))

    def coach(self, asked: Asked, text: str) -> CoachReport:
        """The coach's findings on what the user typed that they said, against the card's
        intent and probes and the mock's target."""
        return analyse(text, target=self.target, pace=self.pace,
                       intent=intent_text(asked.card.question))

    def save(self, asked: Asked, *, at: datetime, answer_seconds: float,
             follow_ups: Sequence[tuple[str, float]], checks: Sequence[bool],
             text: str = "", report: CoachReport | None = None) -> Rehearsal:
        """Store one rehearsal as soon as its five checks are answered, with the typed
        answer and the coach's findings on it when there is one."""
        if len(checks) != len(CHECKS):
            raise InputError(f"expected {len(CHECKS)} checks, got {len(checks)}")
        found = report.findings if report is not None else ()
        draft = Rehearsal(asked.card.id, asked.card.family, at, self.target,
                          round(answer_seconds, 1), tuple(follow_ups), tuple(checks),
                          answer_text=text.strip(),
                          findings=tuple((f.rule, f.ok) for f in found))
        detail = [{"rule": f.rule, "ok": f.ok, "sentence": f.sentence, "fix": f.fix}
                  for f in found]
        saved = replace(draft, id=rehearsal_edits.add_rehearsal(self.store, draft, detail))
        self.done.append(saved)
        return saved

    def grade(self, rehearsal: Rehearsal, *, intent: Rating, story: StoryAnswer) -> Graded:
        """The optional grade after a rehearsal, so FSRS gets the signal when it is given."""
        assert rehearsal.id is not None
        # one write: the review (the grade's undo record) and the rehearsal's link to it
        with self.store.transact("grade a rehearsal", orm=True):
            graded = grading.grade(self.store, self.clock(), rehearsal.question_id,
                                   intent=intent, story=story,
                                   seconds=rehearsal.answer_seconds, mode="mock")
            rehearsal_edits.link_review(self.store, rehearsal.id, graded.review_id)
        return graded
