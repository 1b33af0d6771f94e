"""The exam: a measured readiness on questions never answered before.

Pure functions: which questions an exam asks (never answered, spread over the families), and
the share decoded right with a plain interval around it. See docs/interview.md.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from emdrill.core.plan import DEFAULT_FIRST_SIGHT, front_days
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


def new_wordings_first(cards: Sequence[Card], *, groups: Mapping[str, str],
                       seen: Collection[str]) -> tuple[list[Card], list[Card]]:
    """`cards` split in two, order kept: those whose intent group has a member in `seen`
    (a new wording of an intent already drilled) and the rest."""
    known = {groups.get(q, q) for q in seen}
    first = [c for c in cards if groups.get(c.id, c.id) in known]
    return first, [c for c in cards if groups.get(c.id, c.id) not in known]


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


# The forecast for an unseen question (docs/interview.md, "The forecast for unseen questions").
# A question never seen is decoded with  chance + (1 - chance) x T, T being how much of what
# the user knows carries over to it: T_known for a question whose intent group has a member
# seen, T_new for one whose group has none. The stated prior: T_known = PRIOR_TRANSFER (a
# decoded intent carries over to a new wording three times in five: the middle of the range
# from weak to strong transfer, so the shrinkage costs least at either end; docs/interview.md,
# Evidence), T_new = 0 (a guess).
# Every first sight is an answer to a never-seen question, so the user's first sights
# measure T; the prior counts as PRIOR_ANSWERS first sights of each kind.
PRIOR_TRANSFER = 0.6
PRIOR_NEW_GROUP = 0.0
PRIOR_ANSWERS = 5
INTENT_CHANCE = 0.25  # one of four
STORY_CHANCE = 0.125  # one of eight slots
# A self-graded first sight ("did I get it?", no options shown) is marked recalled this often
# with nothing carried over: the plan's own first-sight assumption (core.plan).
SELF_GRADE_GUESS = DEFAULT_FIRST_SIGHT
EXAMS_TO_MEASURE = 2


@dataclass(frozen=True)
class FirstSight:
    """A question's first answer (None: the facet was not graded). `picked`: the intent was
    a pick among four, as in an exam (a decode drill, an exam); `named`: the story was a slot
    named, as in an exam. Otherwise the facet was self-graded."""

    question_id: str
    intent: bool | None
    story: bool | None
    picked: bool = False
    named: bool = False
    family: str = ""


@dataclass(frozen=True)
class SightTally:
    """First sights of one kind and the sum of their transfer scores: an answer right with
    chance `g` without help scores (right - g) / (1 - g), whose mean is T."""

    answers: int = 0
    score: float = 0.0
    odds: float = 0.0  # the sum of g / (1 - g) over the answers: their spread (`variance`)

    def add(self, right: bool, guess: float) -> SightTally:
        return SightTally(self.answers + 1, self.score + (float(right) - guess) / (1 - guess),
                          self.odds + guess / (1 - guess))

    def transfer(self, prior: float, *, weight: int = PRIOR_ANSWERS) -> float:
        """T, the prior counted as `weight` answers, between 0 and 1."""
        return min(1.0, max(0.0, (weight * prior + self.score) / (weight + self.answers)))

    def variance(self, prior: float, *, guess: float, weight: int = PRIOR_ANSWERS) -> float:
        """How far T may be off: an answer right with chance p = g + (1 - g) T scores with a
        variance of (1 - T)(g / (1 - g) + T); the prior counts as `weight` answers of the
        exam's own `guess`, uncertainty included, so with no answer T is as unsure as
        `weight` picks would leave it."""
        t = self.transfer(prior, weight=weight)
        spread = (1 - t) * (weight * (guess / (1 - guess) + t) + self.odds + self.answers * t)
        return spread / (weight + self.answers) ** 2


@dataclass(frozen=True)
class Carried:
    """What the first sights show: per facet, those whose intent group had been seen before
    (a new wording of a known intent) and those whose group had not."""

    intent_known: SightTally = SightTally()
    intent_new: SightTally = SightTally()
    story_known: SightTally = SightTally()
    story_new: SightTally = SightTally()

    @property
    def answers(self) -> int:
        return self.intent_known.answers + self.intent_new.answers


def carried(sights: Iterable[FirstSight], groups: Mapping[str, str]) -> Carried:
    """The first sights' evidence of transfer, `sights` oldest first (one per question). A
    family's first question has nothing to carry over from (no other question of its family
    seen): it says nothing of transfer and is left out. On the day every family in a plan
    has been started, so a new group's question is one of a started family."""
    tallies = {key: SightTally() for key in ("intent_known", "intent_new", "story_known",
                                             "story_new")}
    seen: set[str] = set()
    started: set[str] = set()
    for sight in sights:
        group = groups.get(sight.question_id, sight.question_id)
        kind = "known" if group in seen else "new"
        seen.add(group)
        if sight.family not in started:  # (a group lies within one family)
            started.add(sight.family)
            continue
        if sight.intent is not None:
            guess = INTENT_CHANCE if sight.picked else SELF_GRADE_GUESS
            tallies[f"intent_{kind}"] = tallies[f"intent_{kind}"].add(sight.intent, guess)
        if sight.story is not None:
            guess = STORY_CHANCE if sight.named else SELF_GRADE_GUESS
            tallies[f"story_{kind}"] = tallies[f"story_{kind}"].add(sight.story, guess)
    return Carried(**tallies)


class UnseenForecast(NamedTuple):
    """The chance to decode an unseen question's intent and name its story on the day;
    `measured` once it comes from exams; `source`: "exams", "first sights" or "prior";
    `low`-`high` and `story_low`-`story_high`: where each chance likely lies (the 80%
    interval, as the exam's)."""

    intent: float
    story: float
    measured: bool
    source: str
    low: float = 0.0
    high: float = 1.0
    story_low: float = 0.0
    story_high: float = 1.0


def forecast_unseen(exams: Sequence[Exam], *, seen_share: float,
                    evidence: Carried | None = None) -> UnseenForecast:
    """The forecast for an unseen question on the day: from the user's exams (pooled over
    every answer) once EXAMS_TO_MEASURE exist; before that the prior moved by the first
    sights' `evidence`, for an unseen question whose group is seen with chance `seen_share`
    (the share the plan will have reached by the date)."""
    if len(exams) >= EXAMS_TO_MEASURE:
        total = sum(e.questions for e in exams)
        if total:
            decoded = sum(e.intent_right for e in exams)
            named = sum(e.story_right for e in exams)
            return UnseenForecast(decoded / total, named / total, True, "exams",
                                  *likely(decoded, total), *likely(named, total))
    found = evidence or Carried()
    share = min(1.0, max(0.0, seen_share))

    def chance(base: float, known: SightTally, new: SightTally) -> tuple[float, float, float]:
        """The chance, and its interval: T's two parts weighed by the day's mix."""
        t = (share * known.transfer(PRIOR_TRANSFER)
             + (1 - share) * new.transfer(PRIOR_NEW_GROUP))
        spread = math.sqrt(share ** 2 * known.variance(PRIOR_TRANSFER, guess=base)
                           + (1 - share) ** 2 * new.variance(PRIOR_NEW_GROUP, guess=base))
        middle = base + (1 - base) * t
        margin = LIKELY_Z * (1 - base) * spread
        return middle, max(base, middle - margin), min(1.0, middle + margin)

    intent, low, high = chance(INTENT_CHANCE, found.intent_known, found.intent_new)
    story, story_low, story_high = chance(STORY_CHANCE, found.story_known, found.story_new)
    return UnseenForecast(intent, story, False, "first sights" if found.answers else "prior",
                          low, high, story_low, story_high)


# The plan's exam step (docs/interview.md, "The plan's exam"). At a few minutes a day the
# plan shows one wording of every intent before any second wording, so no first sight before
# the date is a new wording of a known intent and T_known would stay at the prior. A short
# exam of such wordings, once every family has started, measures it from the user's picks.
STEP_QUESTIONS = 8  # about 4 minutes at a drill's pace: under a 5-minute day


def exam_step(*, days_booked: int, days_left: int, exams_since_booking: int,
              release_days: int) -> int:
    """The questions of the exam the plan asks the user to sit now, 0 for none: from the day
    after the booking's first third (every family started, some intents drilled) until an
    exam has been sat since the booking, never in the last `release_days` study days (the
    pool joins the drills then, and an exam is the morning's)."""
    if exams_since_booking or days_left <= release_days:
        return 0
    return STEP_QUESTIONS if days_booked - days_left >= front_days(days_booked) else 0


def share_known_at_date(scope: Iterable[str], groups: Mapping[str, str], *,
                        seen_by_date: Collection[str]) -> float:
    """Of the questions in `scope` still unseen on the day (not in `seen_by_date`: seen, or
    introduced by the plan before the date), the share whose intent group has a member seen
    by then: how likely a never-seen question is a new wording of a known intent. When the
    plan sees them all, the share of groups seen."""
    ids = list(scope)
    known = {groups.get(q, q) for q in seen_by_date}
    unseen = [q for q in ids if q not in seen_by_date]
    if not unseen:
        every = {groups.get(q, q) for q in ids}
        return len(every & known) / len(every) if every else 0.0
    return sum(groups.get(q, q) in known for q in unseen) / len(unseen)
