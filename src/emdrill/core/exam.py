"""The exam: a measured readiness on questions never answered before.

Pure functions: which questions an exam asks (never answered, spread over the families), and
the share decoded right with a plain interval around it. See docs/interview.md.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from emdrill.core.types import Card

EXAM_QUESTIONS = 10  # about as many as a loop asks, and enough for an interval of use
# An 80% Wilson interval: "likely" in words, wide enough to be honest at ten questions
# (7 of 10 is likely 5-8) and narrow enough to say something.
LIKELY_Z = 1.2816


def choose(cards: Sequence[Card], *, answered: Collection[str], count: int,
           rng: random.Random) -> list[Card]:
    """Up to `count` questions never answered (no review of either facet, not suspended),
    spread over the families: one from each family in turn (families in random order),
    chosen at random inside a family. The result is in the order they are asked."""
    by_family: dict[str, list[Card]] = defaultdict(list)
    for card in sorted(cards, key=lambda c: c.id):
        if card.is_new and card.id not in answered and not card.question.suspended:
            by_family[card.family].append(card)
    families = sorted(by_family)
    rng.shuffle(families)
    for family in families:
        rng.shuffle(by_family[family])
    chosen: list[Card] = []
    while len(chosen) < count and any(by_family.values()):
        for family in families:
            if by_family[family] and len(chosen) < count:
                chosen.append(by_family[family].pop())
    return chosen


POOL_SHARE = 0.10  # of the questions in a plan's scope, held back for exams


def exam_pool(cards: Sequence[Card], *, groups: Mapping[str, str], answered: Collection[str],
              share: float = POOL_SHARE) -> set[str]:
    """The questions a plan holds back for exams: about `share` of each family's questions
    (at least one), never answered, taken from the family's largest intent groups and never
    a group's last member, so every intent is still drilled through another wording. A
    family whose groups are all single questions gives none. Deterministic: the same
    collection holds back the same questions."""
    by_family: dict[str, list[Card]] = defaultdict(list)
    for card in cards:
        by_family[card.family].append(card)
    sizes: dict[str, int] = defaultdict(int)
    for card in cards:
        sizes[groups.get(card.id, card.id)] += 1
    left = dict(sizes)  # members of each group not held back
    held: set[str] = set()
    for family_cards in by_family.values():
        want = max(1, round(share * len(family_cards)))
        ranked = sorted((c for c in family_cards
                         if c.is_new and c.id not in answered and not c.question.suspended),
                        key=lambda c: (-sizes[groups.get(c.id, c.id)], groups.get(c.id, c.id),
                                       -c.question.position, c.id))
        taken = 0
        for card in ranked:
            group = groups.get(card.id, card.id)
            if taken >= want:
                break
            if left[group] > 1:
                held.add(card.id)
                left[group] -= 1
                taken += 1
    return held


def likely(right: int, total: int, *, z: float = LIKELY_Z) -> tuple[float, float]:
    """The Wilson score interval for `right` of `total`, as shares (0 to 1)."""
    if total <= 0:
        return (0.0, 1.0)
    p = right / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    margin = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return (max(0.0, centre - margin), min(1.0, centre + margin))


def likely_counts(right: int, total: int) -> tuple[int, int]:
    """The interval in questions: "7 of 10, likely 5-8"."""
    low, high = likely(right, total)
    return (math.floor(low * total + 0.5), math.floor(high * total + 0.5))


@dataclass(frozen=True)
class ExamAnswer:
    question_id: str
    family: str
    intent_ok: bool
    story_ok: bool


@dataclass(frozen=True)
class Exam:
    """One sitting: when, and each question's result."""

    at: datetime
    answers: tuple[ExamAnswer, ...]

    @property
    def questions(self) -> int:
        return len(self.answers)

    @property
    def intent_right(self) -> int:
        return sum(a.intent_ok for a in self.answers)

    @property
    def story_right(self) -> int:
        return sum(a.story_ok for a in self.answers)

    @property
    def intent(self) -> float:
        return self.intent_right / self.questions if self.questions else 0.0

    @property
    def story(self) -> float:
        return self.story_right / self.questions if self.questions else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """The intent share's interval (the exam's headline figure)."""
        return likely(self.intent_right, self.questions)

    @property
    def story_interval(self) -> tuple[float, float]:
        return likely(self.story_right, self.questions)


# Before two exams, the forecast for an unseen question is a stated prior: a guess among the
# options, plus PRIOR_TRANSFER of the rest for the share of intent groups already seen (a
# decoded intent carries over to a new wording about half the time, until measured).
PRIOR_TRANSFER = 0.5
INTENT_CHANCE = 0.25  # one of four
STORY_CHANCE = 0.125  # one of eight slots
EXAMS_TO_MEASURE = 2


def forecast_unseen(exams: Sequence[Exam], *, seen_share: float) -> tuple[float, float, bool]:
    """The chance to decode an unseen question's intent and name its story on the day, and
    whether it is measured: from the user's exams (pooled over every answer) once
    EXAMS_TO_MEASURE exist, else the prior for `seen_share` of the groups seen."""
    if len(exams) >= EXAMS_TO_MEASURE:
        total = sum(e.questions for e in exams)
        if total:
            return (sum(e.intent_right for e in exams) / total,
                    sum(e.story_right for e in exams) / total, True)
    share = min(1.0, max(0.0, seen_share))
    return (INTENT_CHANCE + (1 - INTENT_CHANCE) * PRIOR_TRANSFER * share,
            STORY_CHANCE + (1 - STORY_CHANCE) * PRIOR_TRANSFER * share, False)
