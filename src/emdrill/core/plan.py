"""The plan to an interview date, and the readiness forecast. Pure arithmetic.

- `days_left` study days remain before the interview day, today included.
- A question is prepared when it is answered ANSWERS_BEFORE_DATE times before the date: its
  first sight and at least one review. Following FSRS that takes `lead_days`, so new
  questions can be introduced on the first `intro_days = days_left - lead_days` days, the
  same number each day (`new_per_day`).
- The load of a day is the answers the plan expects on it (`core.forecast`): the due reviews
  of seen questions, and for each question introduced on an earlier day or that day, the
  answers its first days take (a first sight is often a guess, and misses come back).
- `answers_per_day` is the largest average load from any day to the date (what a drill does
  not finish moves to the next day, so every tail of the plan must fit), and
  `minutes_per_day` that, plus RESERVE for misses beyond the model's, divided by the pace
  (answers a minute), rounded up.
- When the user's `minutes` give fewer answers a day, the plan introduces as many new
  questions as fit, in `introduction_order`, and names those that stay unseen.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo

from emdrill.core.forecast import FirstDays, Path, Projection, first_days, follow, lead_days
from emdrill.core.interview import below_target, drill_times, in_taper, morning_recall
from emdrill.core.order import spread_new
from emdrill.core.scheduler import FacetParameters
from emdrill.core.types import Card

ANSWERS_BEFORE_DATE = 2  # first sight and one review
DEFAULT_PACE = 60 / 25  # answers a minute until the user's own pace is known
DEFAULT_FIRST_SIGHT = 0.5  # chance a first sight is recalled, until the user's is known
RESERVE = 0.10  # minutes kept on top of the expected answers: misses beyond the model's

RecallOf = Callable[[Card], tuple[float, float]]  # a question's intent and story recall


@dataclass(frozen=True)
class PlanInput:
    interview: datetime
    now: datetime
    days_left: int
    cards: Sequence[Card]  # the questions in scope, in deck order
    introduced_today: int  # of those, first seen today
    minutes: int
    pace: float  # answers a minute
    retention: float
    target: float
    first_sight: tuple[float, float] = (DEFAULT_FIRST_SIGHT, DEFAULT_FIRST_SIGHT)
    parameters: FacetParameters = field(default_factory=FacetParameters)
    weakness: Mapping[str, float] = field(default_factory=dict)
    story_slots: frozenset[int] = frozenset()  # slots the user has a story for
    local: tzinfo = UTC  # whose 04:00 starts a study day


@dataclass(frozen=True)
class FamilyReadiness:
    family: str
    in_scope: int
    seen: int
    intent: float
    story: float


@dataclass(frozen=True)
class Readiness:
    """Mean chance of recall over the questions in scope (0 for one never seen)."""

    intent: float
    story: float
    families: tuple[FamilyReadiness, ...]

    @property
    def overall(self) -> float:
        return (self.intent + self.story) / 2


@dataclass(frozen=True)
class Plan:
    days_left: int
    lead_days: int
    intro_days: int
    in_scope: int
    seen: int
    new_per_day: int
    allowance_today: int  # new questions still to introduce today
    answers_per_day: int
    minutes_per_day: int
    minutes_needed: int  # to introduce every unseen question in scope
    pace: float
    introduce: tuple[Card, ...]  # unseen questions the plan introduces, in order
    unseen: tuple[Card, ...]  # unseen questions left for after the date
    below_target: tuple[Card, ...]  # seen, predicted below target on the morning, weakest first
    taper: bool
    readiness: Readiness  # on the interview morning, if the plan is followed
    now: Readiness

    @property
    def unseen_at_date(self) -> int:
        return len(self.unseen)


# ---------------------------------------------------------------- order of introduction


def introduction_order(cards: Sequence[Card], *, weakness: Mapping[str, float],
                       story_slots: frozenset[int]) -> list[Card]:
    """Unseen questions in the order the plan introduces them: weak families first, then
    questions whose story slot the user has a story for, the deck's spread otherwise; and
    one question per intent before its near-siblings (siblings already seen count)."""
    spread = {c.id: i for i, c in enumerate(spread_new(cards))}

    def key(c: Card) -> tuple[float, bool, int]:
        return (-max(0.0, round(weakness.get(c.family, 0.0), 2)),
                c.question.story not in story_slots, spread[c.id])

    covered = {c.id for c in cards if not c.is_new}
    first: list[Card] = []
    later: list[Card] = []
    for card in sorted((c for c in cards if c.is_new), key=key):
        near = covered.intersection(card.question.siblings) or any(
            card.id in other.question.siblings for other in first)
        (later if near else first).append(card)
        if not near:
            covered.add(card.id)
    return first + later


# ---------------------------------------------------------------- load arithmetic


def spread_intros(pending: int, *, today: int, per_day: int, days: int) -> list[int]:
    """New questions per intro day: at most `today` today, `per_day` on later days."""
    counts = []
    for day in range(days):
        n = max(0, min(pending, today if day == 0 else per_day))
        counts.append(n)
        pending -= n
    return counts


def answers_needed(load: Sequence[float]) -> int:
    """The largest average load from any day to the last, rounded up."""
    best, total = 0, 0.0
    for k in range(len(load) - 1, -1, -1):
        total += load[k]
        best = max(best, math.ceil(round(total / (len(load) - k), 6)))
    return best


@dataclass(frozen=True)
class _Loads:
    intro_days: int
    introduced_today: int
    base: tuple[float, ...]  # answers the seen questions need, per day
    fresh: FirstDays  # what a question introduced on day 0 costs, per day

    def per_day(self, k: int) -> int:
        return math.ceil(k / self.intro_days) if self.intro_days else 0

    def intros(self, k: int) -> list[int]:
        """Per intro day, how many of the `k` questions (counted from the start of today)
        are still to be introduced."""
        n = self.per_day(k)
        return spread_intros(k - self.introduced_today, today=n - self.introduced_today,
                             per_day=n, days=self.intro_days)

    def load(self, k: int) -> list[float]:
        load = list(self.base)
        for start, count in enumerate(self.intros(k)):
            for d in range(start, len(load)):
                load[d] += count * self.fresh.answers[d - start]
        return load

    def most_that_fit(self, low: int, high: int, capacity: float) -> int:
        """The largest k in [low, high] whose answers a day fit in `capacity` (low if none)."""
        while low < high:
            mid = (low + high + 1) // 2
            if answers_needed(self.load(mid)) <= capacity:
                low = mid
            else:
                high = mid - 1
        return low


# ---------------------------------------------------------------- the plan


def make_plan(given: PlanInput) -> Plan:
    """The plan from now to the interview, and what it predicts for the morning."""
    path = Path(drill_times(given.now, given.days_left), given.interview, given.retention,
                given.target, given.parameters, given.local)
    lead = lead_days(ANSWERS_BEFORE_DATE, round(given.retention, 4), given.parameters)
    intro_days = max(0, given.days_left - lead)
    seen = [c for c in given.cards if not c.is_new]
    order = introduction_order(given.cards, weakness=given.weakness,
                               story_slots=given.story_slots)
    projected = {c.id: follow(c.intent, c.story, path) for c in seen}
    loads = _Loads(intro_days, given.introduced_today, _base_load(projected, given.days_left),
                   first_days(given.days_left, minutes=float(given.minutes),
                              first_sight=given.first_sight,
                              retention=round(given.retention, 4),
                              parameters=given.parameters))
    k, needed = _covered(given, loads, len(order))
    minutes_needed = _minutes_for_all(given, loads, len(order), needed)
    covered = k - given.introduced_today
    below = below_target(seen, at=given.interview, target=given.target,
                         parameters=given.parameters, local=given.local)
    seen_ids = {c.id for c in seen}
    recall = _morning(given, projected, order[:covered], loads.intros(k), loads.fresh)
    return Plan(
        days_left=given.days_left, lead_days=lead, intro_days=intro_days,
        in_scope=len(given.cards), seen=len(seen), new_per_day=loads.per_day(k),
        allowance_today=loads.intros(k)[0] if intro_days else 0,
        answers_per_day=answers_needed(loads.load(k)),
        minutes_per_day=min(given.minutes, minutes_needed),
        minutes_needed=minutes_needed, pace=given.pace,
        introduce=tuple(order[:covered]), unseen=tuple(order[covered:]),
        below_target=tuple(below),
        taper=in_taper(given.days_left, below=len(below),
                       answers_per_day=math.floor(given.minutes * given.pace)),
        readiness=readiness(given.cards, lambda c: recall.get(c.id, (0.0, 0.0)),
                            seen=seen_ids),
        now=readiness(given.cards,
                      lambda c: morning_recall(c, given.now, given.parameters, local=given.local),
                      seen=seen_ids),
    )


def _base_load(projected: Mapping[str, Projection], days: int) -> tuple[float, ...]:
    """Answers the seen questions need on each day."""
    base = [0.0] * days
    for p in projected.values():
        for d, answers in zip(p.days, p.answers, strict=True):
            base[d] += answers
    return tuple(base)


def _covered(given: PlanInput, loads: _Loads, unseen: int) -> tuple[int, int]:
    """How many new questions (counted from the start of today) the plan introduces, and
    the answers a day introducing all of them would take."""
    everything = unseen + given.introduced_today if loads.intro_days else given.introduced_today
    needed = answers_needed(loads.load(everything))
    room = given.minutes * given.pace / (1 + RESERVE)
    if needed <= room:
        return everything, needed
    return loads.most_that_fit(given.introduced_today, everything, room), needed


def _minutes_for_all(given: PlanInput, loads: _Loads, unseen: int, needed: int) -> int:
    """Minutes a day to introduce every unseen question. A longer drill brings more missed
    first sights back within it, so when that is not the user's drill length, the load is
    worked out again for a drill of the minutes found."""
    found = _minutes(needed, given.pace)
    if found in (0, given.minutes) or not loads.intro_days:
        return found
    longer = replace(loads, fresh=first_days(
        given.days_left, minutes=float(found), first_sight=given.first_sight,
        retention=round(given.retention, 4), parameters=given.parameters))
    return _minutes(answers_needed(longer.load(unseen + given.introduced_today)), given.pace)


def _morning(given: PlanInput, projected: Mapping[str, Projection],
             introduced: Sequence[Card], intros: Sequence[int],
             fresh: FirstDays) -> dict[str, tuple[float, float]]:
    """Predicted recall of intent and story at the interview, for every question the plan
    has seen or will introduce (on the day `intros` gives it)."""
    recall = {qid: p.recall(given.interview, given.parameters, local=given.local)
              for qid, p in projected.items()}
    by_day: dict[int, tuple[float, float]] = {}
    for card, day in zip(introduced, _intro_days(intros), strict=False):
        if day not in by_day:
            by_day[day] = fresh.recall(given.interview - path_day(given.now, day),
                                       given.parameters)
        recall[card.id] = by_day[day]
    return recall


def path_day(now: datetime, day: int) -> datetime:
    """When the drill of plan day `day` begins."""
    return now + timedelta(days=day)


def _intro_days(counts: Iterable[int]) -> list[int]:
    return [day for day, n in enumerate(counts) for _ in range(n)]


def _minutes(answers: int, pace: float) -> int:
    """Minutes a day for `answers`, with RESERVE on top."""
    return math.ceil(round(answers * (1 + RESERVE) / pace, 6)) if answers else 0


def readiness(cards: Sequence[Card], recall: RecallOf, *, seen: set[str]) -> Readiness:
    """Mean recall per family (in deck order) and overall; `recall` gives a card's pair."""
    sums: dict[str, list[float]] = {}
    for card in cards:
        intent, story = recall(card)
        row = sums.setdefault(card.family, [0, 0, 0.0, 0.0])
        row[0] += 1
        row[1] += card.id in seen
        row[2] += intent
        row[3] += story
    families = tuple(FamilyReadiness(f, int(n), int(s), i / n, st / n)
                     for f, (n, s, i, st) in sums.items())
    total = len(cards) or 1
    return Readiness(sum(f.intent * f.in_scope for f in families) / total,
                     sum(f.story * f.in_scope for f in families) / total, families)
