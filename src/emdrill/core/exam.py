"""The exam: a measured readiness on questions never answered before.

Pure functions: which questions an exam asks (never answered, spread over the families), and
the share decoded right with a plain interval around it. See docs/interview.md.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NamedTuple

from emdrill.core.cards import Card
from emdrill.core.plan import DEFAULT_FIRST_SIGHT, front_days
from emdrill.core.scheduler import Memory

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
# the user knows carries over to it. For a question whose intent group has a member seen,
# T = K x R: the rate K at which a remembered sibling carries over, times R, the predicted
# recall (of that facet) of the group's best-remembered seen member when the question is
# asked: a sibling forgotten by the morning carries nothing. For a question whose group has
# none, T = T_new, a flat rate. Per facet (intent, story), each its own K and T_new. The
# stated prior: K = PRIOR_TRANSFER (a remembered intent carries over to a new wording three
# times in five: the middle of the range from weak to strong transfer, so the shrinkage costs
# least at either end; docs/interview.md, Evidence), T_new = 0 (a guess).
# Every first sight is an answer to a never-seen question, so the user's first sights
# measure K (against the sibling's recall at that moment) and T_new; the prior counts as
# PRIOR_ANSWERS first sights of each kind, each with a sibling fully recalled.
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
    # The predicted recall, at this first sight, of the best-remembered question of its intent
    # group seen before it, per facet (`sibling_recall`); 1.0 when not worked out.
    intent_base: float = 1.0
    story_base: float = 1.0


@dataclass(frozen=True)
class SightTally:
    """First sights of one kind and the sums that fit their rate: an answer right with chance
    `g` without help scores y = (right - g) / (1 - g), whose mean is K x r, r being what it
    could carry over from (the sibling's recall then; 1 for a flat rate). K is fitted as a
    line through the origin, y against r: K = sum(y r) / sum(r^2), the prior counted as
    answers with r = 1."""

    answers: int = 0
    score: float = 0.0  # the sum of y r
    odds: float = 0.0  # the sum of r^2 g / (1 - g): their spread (`variance`)
    leverage: float | None = None  # the sum of r^2 (None: every r was 1, so `answers`)

    @property
    def weight(self) -> float:
        return float(self.answers) if self.leverage is None else self.leverage

    def add(self, right: bool, guess: float, base: float = 1.0) -> SightTally:
        r = min(1.0, max(0.0, base))
        return SightTally(self.answers + 1,
                          self.score + r * (float(right) - guess) / (1 - guess),
                          self.odds + r * r * guess / (1 - guess),
                          None if self.leverage is None and r == 1.0
                          else self.weight + r * r)

    def transfer(self, prior: float, *, weight: int = PRIOR_ANSWERS) -> float:
        """K (T for a flat rate), the prior counted as `weight` answers, between 0 and 1."""
        return min(1.0, max(0.0, (weight * prior + self.score) / (weight + self.weight)))

    def variance(self, prior: float, *, guess: float, weight: int = PRIOR_ANSWERS) -> float:
        """How far K may be off: an answer right with chance p = g + (1 - g) T scores with a
        variance of (1 - T)(g / (1 - g) + T), T taken as K here; the prior counts as
        `weight` answers of the exam's own `guess`, uncertainty included, so with no answer
        K is as unsure as `weight` picks would leave it."""
        t = self.transfer(prior, weight=weight)
        spread = (1 - t) * (weight * (guess / (1 - guess) + t) + self.odds + self.weight * t)
        return spread / (weight + self.weight) ** 2


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
        known = kind == "known"  # only a seen sibling gives a recall to carry over from
        if sight.intent is not None:
            guess = INTENT_CHANCE if sight.picked else SELF_GRADE_GUESS
            tallies[f"intent_{kind}"] = tallies[f"intent_{kind}"].add(
                sight.intent, guess, sight.intent_base if known else 1.0)
        if sight.story is not None:
            guess = STORY_CHANCE if sight.named else SELF_GRADE_GUESS
            tallies[f"story_{kind}"] = tallies[f"story_{kind}"].add(
                sight.story, guess, sight.story_base if known else 1.0)
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


class UnseenQuestion(NamedTuple):
    """A question still unseen on the day: whether its intent group has a member seen by
    then (`known`), and that group's best predicted recall on the morning, per facet."""

    known: bool
    intent_base: float = 1.0
    story_base: float = 1.0


def forecast_unseen(exams: Sequence[Exam], *, seen_share: float = 1.0,
                    evidence: Carried | None = None,
                    unseen: Sequence[UnseenQuestion] = ()) -> UnseenForecast:
    """The forecast for an unseen question on the day: from the user's exams (pooled over
    every answer) once EXAMS_TO_MEASURE exist; before that the prior moved by the first
    sights' `evidence`, averaged over the questions `unseen` on the day (each K x its
    group's recall on the morning, or T_new). Without them, for an unseen question whose
    group is seen with chance `seen_share`, its sibling fully recalled."""
    if len(exams) >= EXAMS_TO_MEASURE:
        total = sum(e.questions for e in exams)
        if total:
            decoded = sum(e.intent_right for e in exams)
            named = sum(e.story_right for e in exams)
            return UnseenForecast(decoded / total, named / total, True, "exams",
                                  *likely(decoded, total), *likely(named, total))
    found = evidence or Carried()
    share = min(1.0, max(0.0, seen_share))
    mix = list(unseen)

    def chance(base: float, known: SightTally, new: SightTally,
               recall: list[float] | None) -> tuple[float, float, float]:
        """The chance, and its interval: the mean over the day's unseen questions; K's and
        T_new's uncertainty carried through their share of it."""
        k = known.transfer(PRIOR_TRANSFER)
        t_new = new.transfer(PRIOR_NEW_GROUP)
        if recall is None:  # no mix given: `share` of known groups, fully recalled
            pull, rest = share, 1 - share
            middle = base + (1 - base) * (share * k + rest * t_new)
        else:
            pull = sum(r for r in recall if r >= 0) / len(recall)  # the mean of R (0 if new)
            rest = sum(r < 0 for r in recall) / len(recall)
            middle = sum(base + (1 - base) * (min(1.0, k * r) if r >= 0 else t_new)
                         for r in recall) / len(recall)
        spread = math.sqrt(pull ** 2 * known.variance(PRIOR_TRANSFER, guess=base)
                           + rest ** 2 * new.variance(PRIOR_NEW_GROUP, guess=base))
        margin = LIKELY_Z * (1 - base) * spread
        return middle, max(base, middle - margin), min(1.0, middle + margin)

    intent_r = [q.intent_base if q.known else -1.0 for q in mix] if mix else None
    story_r = [q.story_base if q.known else -1.0 for q in mix] if mix else None
    intent, low, high = chance(INTENT_CHANCE, found.intent_known, found.intent_new, intent_r)
    story, story_low, story_high = chance(STORY_CHANCE, found.story_known, found.story_new,
                                          story_r)
    return UnseenForecast(intent, story, False, "first sights" if found.answers else "prior",
                          low, high, story_low, story_high)


class MemoryBefore(NamedTuple):
    """A review of a question: when, and both facets' memory just before it."""

    at: datetime
    intent: Memory
    story: Memory


def memory_at(trail: Sequence[MemoryBefore], now: tuple[Memory, Memory],
              at: datetime) -> tuple[Memory, Memory] | None:
    """A question's memory (intent, story) at `at` from its reviews oldest first (`trail`)
    and its memory `now`: what its last answer before `at` left, which is the memory before
    the answer after it, or the one now. None when it had not been answered by then."""
    later = [r for r in trail if r.at >= at]
    if len(later) == len(trail):
        return None
    return (later[0].intent, later[0].story) if later else now


def first_sight_bases(sights: Sequence[FirstSight], groups: Mapping[str, str],
                      trails: Mapping[str, Sequence[MemoryBefore]],
                      now: Mapping[str, tuple[Memory, Memory]],
                      recall: Callable[[Memory, Memory, datetime], tuple[float, float]],
                      ) -> list[FirstSight]:
    """`sights` (one per question, oldest first, each with its time in `trails`) with the
    best recall, at each first sight, of a question of its group answered before it
    (`recall(intent, story, at)`), facet by facet; a first sight of a new group is left as
    it is."""
    members: dict[str, list[str]] = defaultdict(list)
    for qid in now:
        members[groups.get(qid, qid)].append(qid)
    result = []
    for sight in sights:
        trail = trails.get(sight.question_id)
        if not trail:
            result.append(sight)
            continue
        at = trail[0].at
        found = []
        for other in members[groups.get(sight.question_id, sight.question_id)]:
            if other == sight.question_id:
                continue
            memory = memory_at(trails.get(other, ()), now[other], at)
            if memory is not None:
                found.append(recall(*memory, at))
        result.append(sight if not found else replace(
            sight, intent_base=max(r[0] for r in found), story_base=max(r[1] for r in found)))
    return result


def unseen_on_the_day(scope: Iterable[str], groups: Mapping[str, str],
                      morning: Mapping[str, tuple[float, float]]) -> list[UnseenQuestion]:
    """The questions of `scope` not in `morning` (the predicted recall on the morning of
    every question seen or introduced by then), each with its group's best recall there.
    When the plan sees them all, one new wording of every group."""
    ids = list(scope)
    best: dict[str, tuple[float, float]] = {}
    for qid, (i, s) in morning.items():
        group = groups.get(qid, qid)
        old = best.get(group, (0.0, 0.0))
        best[group] = (max(old[0], i), max(old[1], s))

    def question(group: str) -> UnseenQuestion:
        r = best.get(group)
        return UnseenQuestion(False) if r is None else UnseenQuestion(True, *r)

    unseen = [q for q in ids if q not in morning]
    if not unseen:
        return [question(g) for g in sorted({groups.get(q, q) for q in ids})]
    return [question(groups.get(q, q)) for q in unseen]


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
