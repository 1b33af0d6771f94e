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
  questions as fit, in `introduction_order`, and names those that stay unseen. Intent groups
  come first: when one question of every unseen group does not fit with all its reviews, as
  many of those as fit at the coverage load are introduced (a new question costs its first
  ANSWERS_BEFORE_DATE days, the first sight with the drill's retries and its one review; the
  other reviews take what the day's new questions leave, as the drill spreads those through
  its answers).
- The order covers intent groups (`core.groups`) before cards: the user's own questions
  first, then one question of every group not yet seen, taken a family at a time (a family
  not started first, then the weakest and least covered), then the siblings the same way.
  The days are front-loaded so that every family not yet seen gets its first question
  within the first third of the days from the booking (`FRONT_SHARE`, `days_booked`), at
  any `minutes`. A family without a story for its slot is not held
  back: the plan names the story to write instead (`Plan.write_slots`).
- `coverage` says what a few drill lengths buy: every intent group once or not, the reviews
  each new question gets before the date, the day the last group is first seen, and whether
  the siblings fit too.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo

from emdrill.core.cards import SYSTEM_ANSWER, Card
from emdrill.core.forecast import FirstDays, Path, Projection, first_days, follow, lead_days
from emdrill.core.groups import intent_groups
from emdrill.core.interview import below_target, drill_times, in_taper, morning_recall
from emdrill.core.order import spread_new
from emdrill.core.scheduler import FacetParameters

ANSWERS_BEFORE_DATE = 2  # first sight and one review
DEFAULT_PACE = 60 / 25  # answers a minute until the user's own pace is known
DEFAULT_FIRST_SIGHT = 0.5  # chance a first sight is recalled, until the user's is known
RESERVE = 0.10  # minutes kept on top of the expected answers: misses beyond the model's
FRONT_SHARE = 1 / 3  # every family not yet seen is introduced within this share of the days
COVERAGE_MINUTES = (5, 10, 20)  # the drill lengths `coverage` reports on

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
    own: frozenset[str] = frozenset()  # the user's own questions ("added by you"): first
    # Intent groups over the whole scope, exam pool included, so a held-back question that
    # links two wordings does not split their intent in two (None: from `cards` alone).
    groups: Mapping[str, str] | None = None
    # Study days from the booking to the date (None: from today), so the first third in
    # which every family starts is the booking's, not a window that slides with each day.
    days_booked: int | None = None


def plan_groups(given: PlanInput) -> dict[str, str]:
    """Each planned question's intent group: `given.groups` where set, else the groups
    among `given.cards` alone."""
    if given.groups is None:
        return intent_groups(c.question for c in given.cards)
    return {c.id: given.groups.get(c.id, c.id) for c in given.cards}


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
    groups_in_scope: int = 0  # intent groups among the questions in scope
    groups_at_date: int = 0  # of those, seen or introduced by the plan before the date
    groups_by_day: int | None = None  # plan day the last group is first seen (all fit)
    reviews_each: int = 0  # reviews on later days before the date the last new question gets
    write_slots: tuple[int, ...] = ()  # story slots the plan's new questions need, unwritten
    intro_day: tuple[int, ...] = ()  # plan day (0: today) each of `introduce` is first seen
    # predicted recall (intent, story) on the morning of every question seen or introduced
    morning: Mapping[str, tuple[float, float]] = field(default_factory=dict, compare=False)

    @property
    def unseen_at_date(self) -> int:
        return len(self.unseen)


# ---------------------------------------------------------------- order of introduction


def introduction_order(cards: Sequence[Card], *, weakness: Mapping[str, float],
                       story_slots: frozenset[int], own: frozenset[str] = frozenset(),
                       groups: Mapping[str, str] | None = None) -> list[Card]:
    """Unseen questions in the order the plan introduces them: the user's own first; then
    one question of every intent group not yet seen, a family at a time (weak families,
    then the least covered, first; within a family questions whose story slot the user has
    a story for, then the deck's spread); then the other members the same way."""
    found = dict(groups) if groups is not None else intent_groups(c.question for c in cards)
    spread = {c.id: i for i, c in enumerate(spread_new(cards))}
    fresh = sorted((c for c in cards if c.is_new), key=lambda c: spread[c.id])
    covered = {found.get(c.id, c.id) for c in cards if not c.is_new}
    mine = [c for c in fresh if c.id in own]
    covered.update(found.get(c.id, c.id) for c in mine)
    first: list[Card] = []
    later: list[Card] = []
    for card in sorted((c for c in fresh if c.id not in own),
                       key=lambda c: (c.question.story not in story_slots, spread[c.id])):
        group = found.get(card.id, card.id)
        (later if group in covered else first).append(card)
        covered.add(group)
    rank = _family_rank(cards, weakness, found)
    return mine + _round_robin(first, rank) + _round_robin(later, rank)


def _family_rank(cards: Sequence[Card], weakness: Mapping[str, float],
                 groups: Mapping[str, str]) -> dict[str, tuple[bool, float, float, int]]:
    """Each family's turn: a family not yet started first (so every family starts before any
    family's next group), then the weakest, then the smallest share of its groups seen, then
    deck order."""
    every: dict[str, set[str]] = {}
    seen: dict[str, set[str]] = {}
    for card in cards:
        group = groups.get(card.id, card.id)
        every.setdefault(card.family, set()).add(group)
        if not card.is_new:
            seen.setdefault(card.family, set()).add(group)
    return {f: (f in seen, -max(0.0, round(weakness.get(f, 0.0), 2)),
                round(len(seen.get(f, ())) / len(g), 6), i)
            for i, (f, g) in enumerate(every.items())}


def _round_robin(cards: Sequence[Card], rank: Mapping[str, tuple[bool, float, float, int]],
                 ) -> list[Card]:
    """One card of each family in turn (families in `rank` order), keeping each family's
    own order."""
    queues: dict[str, list[Card]] = {}
    for card in cards:
        queues.setdefault(card.family, []).append(card)
    order = sorted(queues, key=lambda f: rank[f])
    result: list[Card] = []
    depth = 0
    while len(result) < len(cards):
        result += [queues[f][depth] for f in order if depth < len(queues[f])]
        depth += 1
    return result


def front_days(days_left: int) -> int:
    """The first days (FRONT_SHARE of them, at least one) in which every family starts."""
    return max(1, math.floor(days_left * FRONT_SHARE + 0.5))


def front_load(counts: Sequence[int], *, need: int, days: int) -> list[int]:
    """`counts` of new questions per day, moved from the last days to the emptiest of the
    first `days` until those hold at least `need`."""
    result = list(counts)
    days = min(days, len(result))
    last = len(result) - 1
    while days and sum(result[:days]) < need and last >= days:
        if result[last] == 0:
            last -= 1
            continue
        result[last] -= 1
        result[min(range(days), key=lambda d: (result[d], d))] += 1
    return result


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
    front: int = 0  # new questions due within the first `front_days` (one per family)
    front_days: int = 1

    def per_day(self, k: int) -> int:
        return math.ceil(k / self.intro_days) if self.intro_days else 0

    def intros(self, k: int) -> list[int]:
        """Per intro day, how many of the `k` questions (counted from the start of today)
        are still to be introduced."""
        n = self.per_day(k)
        counts = spread_intros(k - self.introduced_today, today=n - self.introduced_today,
                               per_day=n, days=self.intro_days)
        need = min(self.front, k - self.introduced_today)
        return front_load(counts, need=need, days=self.front_days)

    def load(self, k: int, *, cover: bool = False) -> list[float]:
        """Answers per day with `k` new questions. `cover`: the coverage load, in which a
        new question costs its first sight with the drill's retries and its one review
        (its first ANSWERS_BEFORE_DATE days) and nothing more; the other reviews, of the
        seen questions too, take what the day's new questions leave of the minutes (the
        drill spreads those through its answers: `core.order`)."""
        load = [0.0] * len(self.base) if cover else list(self.base)
        days = ANSWERS_BEFORE_DATE if cover else len(load)
        for start, count in enumerate(self.intros(k)):
            for d in range(start, min(len(load), start + days)):
                load[d] += count * self.fresh.answers[d - start]
        return load

    def most_that_fit(self, low: int, high: int, capacity: float, *,
                      cover: bool = False) -> int:
        """The largest k in [low, high] whose answers a day fit in `capacity` (low if none)."""
        while low < high:
            mid = (low + high + 1) // 2
            if answers_needed(self.load(mid, cover=cover)) <= capacity:
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
    groups = plan_groups(given)
    order = introduction_order(given.cards, weakness=given.weakness,
                               story_slots=given.story_slots, own=given.own, groups=groups)
    projected = {c.id: follow(c.intent, c.story, path) for c in seen}
    loads = _Loads(intro_days, given.introduced_today, _base_load(projected, given.days_left),
                   first_days(given.days_left, minutes=float(given.minutes),
                              first_sight=given.first_sight,
                              retention=round(given.retention, 4),
                              parameters=given.parameters),
                   front=_front(order, seen), front_days=_front_left(given))
    last_group = _last_new_group(order, seen, groups)
    cover = given.introduced_today + (last_group + 1 if last_group is not None else 0)
    k, needed, covering = _covered(given, loads, len(order), cover=cover)
    minutes_needed = _minutes_for_all(given, loads, len(order), needed)
    covered = k - given.introduced_today
    below = below_target(seen, at=given.interview, target=given.target,
                         parameters=given.parameters, local=given.local)
    seen_ids = {c.id for c in seen}
    intros = loads.intros(k)
    recall = _morning(given, projected, order[:covered], intros, loads.fresh)
    introduce = tuple(order[:covered])
    at_date = {groups[c.id] for c in (*seen, *introduce)}
    every = set(groups.values())
    days = _intro_days(intros)
    return Plan(
        days_left=given.days_left, lead_days=lead, intro_days=intro_days,
        in_scope=len(given.cards), seen=len(seen), new_per_day=loads.per_day(k),
        allowance_today=intros[0] if intro_days else 0,
        answers_per_day=answers_needed(loads.load(k, cover=covering)),
        minutes_per_day=min(given.minutes, minutes_needed),
        minutes_needed=minutes_needed, pace=given.pace,
        introduce=introduce, unseen=tuple(order[covered:]),
        below_target=tuple(below),
        taper=in_taper(given.days_left, below=len(below),
                       answers_per_day=math.floor(given.minutes * given.pace)),
        readiness=readiness(given.cards, lambda c: recall.get(c.id, (0.0, 0.0)),
                            seen=seen_ids),
        now=readiness(given.cards,
                      lambda c: morning_recall(c, given.now, given.parameters, local=given.local),
                      seen=seen_ids),
        groups_in_scope=len(every), groups_at_date=len(at_date),
        groups_by_day=(days[last_group] if last_group is not None else 0)
        if at_date == every else None,
        reviews_each=_reviews_after(loads.fresh, given.days_left, days[-1] if days else None),
        write_slots=_write_slots(introduce, given.story_slots),
        intro_day=tuple(days[:len(introduce)]),
        morning=recall,
    )


def _front_left(given: PlanInput) -> int:
    """The days from today (at least today) left of the booking's first third."""
    if given.days_booked is None:
        return front_days(given.days_left)
    gone = max(0, given.days_booked - given.days_left)
    return max(1, front_days(given.days_booked) - gone)


def _front(order: Sequence[Card], seen: Sequence[Card]) -> int:
    """How many of `order` come up to the first question of the last family not yet seen."""
    started = {c.family for c in seen}
    front = 0
    for i, card in enumerate(order):
        if card.family not in started:
            started.add(card.family)
            front = i + 1
    return front


def _last_new_group(order: Sequence[Card], seen: Sequence[Card],
                    groups: Mapping[str, str]) -> int | None:
    """Index in `order` of the question that first sees the last unseen group."""
    covered = {groups[c.id] for c in seen}
    last = None
    for i, card in enumerate(order):
        if groups[card.id] not in covered:
            covered.add(groups[card.id])
            last = i
    return last


def _reviews_after(fresh: FirstDays, days_left: int, day: int | None) -> int:
    """Reviews before the date on the study days after its first sight's, for a question new
    on plan `day` (its first day's retries are not reviews: a drill repeats a miss anyway)."""
    if day is None:
        return 0
    return max(0, math.floor(sum(fresh.answers[1:max(0, days_left - day)]) + 1e-6))


def _write_slots(introduce: Sequence[Card], story_slots: frozenset[int]) -> tuple[int, ...]:
    """Story slots the new questions rely on without a story, the most needed first."""
    counts = Counter(c.question.story for c in introduce
                     if c.question.story not in story_slots and c.question.story != SYSTEM_ANSWER)
    return tuple(slot for slot, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass(frozen=True)
class PlanCoverage:
    """What `minutes` a day buy: every intent group once (by plan day `by_day`), the
    answers each new question gets after its first sight, and whether the siblings fit."""

    minutes: int
    groups_once: bool
    by_day: int | None
    reviews_each: int
    siblings: bool
    groups: int = 0  # intent groups seen or introduced by the date


def coverage(given: PlanInput, minutes: Sequence[int] = COVERAGE_MINUTES) -> list[PlanCoverage]:
    """The plan again at each of `minutes`."""
    result = []
    for m in minutes:
        p = make_plan(replace(given, minutes=m))
        result.append(PlanCoverage(m, p.groups_by_day is not None, p.groups_by_day,
                               p.reviews_each, not p.unseen, p.groups_at_date))
    return result


@dataclass(frozen=True)
class Narrower:
    """A scope that fits the user's minutes better: what it keeps, and what it asks."""

    families: tuple[str, ...]  # empty: the user's questions and one per intent group
    minutes_needed: int
    groups_once: bool  # at the user's minutes


def narrower(given: PlanInput) -> list[Narrower]:
    """When the user's minutes do not see every intent group once: the minutes that the
    user's own questions with one question per group need, and the most families (weakest
    and least covered first) whose groups all fit at the user's minutes."""
    plan = make_plan(given)
    if plan.groups_by_day is not None:
        return []
    groups = plan_groups(given)
    order = introduction_order(given.cards, weakness=given.weakness,
                               story_slots=given.story_slots, own=given.own, groups=groups)
    last = _last_new_group(order, [c for c in given.cards if not c.is_new], groups)
    keep = {c.id for c in order[:(last + 1) if last is not None else 0]}
    keep.update(c.id for c in given.cards if not c.is_new or c.id in given.own)
    firsts = make_plan(replace(given, cards=[c for c in given.cards if c.id in keep]))
    found = [Narrower((), firsts.minutes_needed, firsts.groups_by_day is not None)]
    rank = _family_rank(given.cards, given.weakness, groups)
    families = sorted(rank, key=lambda f: rank[f])
    best: tuple[str, ...] = ()
    best_minutes = 0
    for n in range(1, len(families)):
        chosen = set(families[:n])
        p = make_plan(replace(given, cards=[c for c in given.cards if c.family in chosen]))
        if p.groups_by_day is None:
            break
        best = tuple(families[:n])
        best_minutes = p.minutes_needed
    if best:
        found.append(Narrower(best, best_minutes, True))
    return found


def _base_load(projected: Mapping[str, Projection], days: int) -> tuple[float, ...]:
    """Answers the seen questions need on each day."""
    base = [0.0] * days
    for p in projected.values():
        for d, answers in zip(p.days, p.answers, strict=True):
            base[d] += answers
    return tuple(base)


def _covered(given: PlanInput, loads: _Loads, unseen: int, *,
             cover: int) -> tuple[int, int, bool]:
    """How many new questions (counted from the start of today) the plan introduces, the
    answers a day introducing all of them would take, and whether the plan is held to the
    coverage load. Intent groups come first: when the first `cover` questions (one per
    unseen group) do not fit with every review, as many of them as fit at the coverage load
    (`_Loads.load`) are introduced."""
    everything = unseen + given.introduced_today if loads.intro_days else given.introduced_today
    needed = answers_needed(loads.load(everything))
    room = given.minutes * given.pace / (1 + RESERVE)
    if needed <= room:
        return everything, needed, False
    k = loads.most_that_fit(given.introduced_today, everything, room)
    if k < cover and loads.intro_days:
        more = loads.most_that_fit(k, cover, room, cover=True)
        if more > k:
            return more, needed, True
    return k, needed, False


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


WEAKEST_FAMILIES = 2  # the families `interview` names under its readiness table
_WEAK_COMMAND = {"start": "emdrill drill --family {}",
                 "decode": "emdrill drill --decode --family {}",
                 "stories": "emdrill drill --family {}"}


@dataclass(frozen=True)
class WeakFamily:
    """A family least ready on the day, and what to do: `start` (never seen: drill it),
    `decode` (its intents are the weaker facet) or `stories` (its stories are)."""

    family: str
    readiness: float  # mean of intent and story on the day, 0 to 1
    seen: int
    in_scope: int
    do: str

    @property
    def command(self) -> str:
        return _WEAK_COMMAND[self.do].format(self.family)


def weakest_families(r: Readiness, days_left: int,
                     count: int = WEAKEST_FAMILIES) -> list[WeakFamily]:
    """The `count` families least ready on the day (ties by slug), only when there are three
    or more and a day is left; `interview`'s text and its JSON both name these."""
    if len(r.families) < 3 or days_left == 0:
        return []
    ranked = sorted(r.families, key=lambda f: (f.intent + f.story, f.family))[:count]
    return [WeakFamily(f.family, (f.intent + f.story) / 2, f.seen, f.in_scope,
                       "start" if f.seen == 0 else "decode" if f.intent <= f.story
                       else "stories") for f in ranked]
