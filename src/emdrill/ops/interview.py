"""The interview plan against the store: set, clear and show it, and what the queue and the
grade path take from it while it is active. The arithmetic is `core.plan`, the forecast
`core.forecast`, the rules towards the date `core.interview`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo

from emdrill.core import interview as core
from emdrill.core.cards import Card
from emdrill.core.errors import InputError
from emdrill.core.exam import (
    Carried,
    Exam,
    UnseenForecast,
    carried,
    exam_pool,
    exam_step,
    first_sight_bases,
    forecast_unseen,
    unseen_on_the_day,
)
from emdrill.core.groups import group_count, intent_groups, seen_groups
from emdrill.core.interview import Interview, InterviewScope
from emdrill.core.order import PlanQueue
from emdrill.core.plan import (
    COVERAGE_MINUTES,
    DEFAULT_FIRST_SIGHT,
    Narrower,
    Plan,
    PlanCoverage,
    PlanInput,
    coverage,
    make_plan,
    narrower,
)
from emdrill.core.scheduler import FacetParameters, Memory, retrievability
from emdrill.core.settings import Settings
from emdrill.core.story_bank import SlotCoverage
from emdrill.core.story_bank import coverage as bank_coverage
from emdrill.core.timing import Clock
from emdrill.ops import optimize, weakness
from emdrill.store import card_reads, recent, review_log, setting_rows
from emdrill.store import decks as store_decks
from emdrill.store import exams as store_exams
from emdrill.store import interview as store_interview
from emdrill.store import stories as store_stories
from emdrill.store.db import Store

MIN_TIMED_ANSWERS = 20  # first sights before the user's own first-sight recall counts


# ---------------------------------------------------------------- set, clear, read


def set_interview(store: Store, clock: Clock, when: str, *, decks: Sequence[str] = (),
                  families: Sequence[str] = ()) -> Interview:
    """Book the interview (replacing any plan); the scope must name known decks and
    families and hold at least one active question."""
    at = core.parse_when(when, clock.local).astimezone(UTC)
    if at <= clock.now:
        raise InputError(f"'{when}' is in the past: give the interview's coming date")
    scope = _scope(store, decks, families)
    before = store_interview.load_interview(store)
    if (before is not None and before.active(clock.now)
            and before.scope.reaches_same(scope)):
        scope = before.scope  # a new date, the same scope: what was kept out stays out
    interview = Interview(at=at, scope=scope, set_at=clock.now)
    store_interview.save_interview(store, interview)
    return interview


def _split(values: Sequence[str]) -> tuple[str, ...]:
    """Repeated options and comma lists alike: --families a,b --families c."""
    return tuple(dict.fromkeys(v.strip() for raw in values for v in raw.split(",")
                               if v.strip()))


def _scope(store: Store, decks: Sequence[str], families: Sequence[str]) -> InterviewScope:
    scope = InterviewScope(_split(decks), _split(families))
    known_decks = {row[0] for row in store_decks.deck_summary(store)}
    known_families = [f.slug for f in store_decks.families(store)]
    for kind, given, known in (("deck", scope.decks, sorted(known_decks)),
                               ("family", scope.families, known_families)):
        unknown = [g for g in given if g not in known]
        if unknown:
            raise InputError(f"unknown {kind} '{unknown[0]}' (known: "
                             f"{', '.join(known) or 'none loaded'})")
    if not any(scope.covers(c.question) for c in card_reads.load_cards(store)):
        raise InputError(f"no active questions in {scope.describe()}")
    return scope


def clear(store: Store) -> Interview | None:
    return store_interview.clear_interview(store)


def stored(store: Store) -> Interview | None:
    """The booked interview, even one whose date has passed."""
    return store_interview.load_interview(store)


def active(store: Store, clock: Clock) -> Interview | None:
    """The interview while its plan runs: until the interview time."""
    found = store_interview.load_interview(store)
    return found if found is not None and found.active(clock.now) else None


# ---------------------------------------------------------------- the plan


def _first_sight(store: Store) -> tuple[float, float]:
    """The user's own chance to recall a first sight (intent, story), to the nearest 0.05,
    once MIN_TIMED_ANSWERS first sights are known."""
    count, intent, story = store_interview.first_sights(store)
    if count < MIN_TIMED_ANSWERS:
        return (DEFAULT_FIRST_SIGHT, DEFAULT_FIRST_SIGHT)
    return (round(intent / count * 20) / 20, round(story / count * 20) / 20)


RELEASE_DAYS = 2  # on the last two study days the exam pool joins the drills


def held_back(store: Store, clock: Clock, booked: Interview, cards: Sequence[Card], *,
              groups: Mapping[str, str] | None = None) -> frozenset[str]:
    """The exam pool drills do not show (`core.exam.exam_pool`): held while the plan runs,
    until the user sits an exam after booking it or the last RELEASE_DAYS days arrive.
    `groups`: the scope's intent groups, when the caller has them already."""
    if core.days_left(clock, booked.at) <= RELEASE_DAYS:
        return frozenset()
    if any(e.at >= booked.set_at for e in store_exams.exams(store)):
        return frozenset()
    in_scope = [c for c in cards if booked.scope.covers(c.question)]
    if groups is None:
        groups = intent_groups(c.question for c in in_scope)
    return frozenset(exam_pool(in_scope, groups=groups, answered=store_exams.answered_ids(store)))


def step_exam(store: Store, clock: Clock) -> int:
    """The questions of the exam the active plan asks for now (`core.exam.exam_step`), 0
    for none (no plan, too early, or an exam sat since the booking)."""
    booked = active(store, clock)
    if booked is None:
        return 0
    return exam_step(days_booked=_days_booked(clock, booked),
                     days_left=core.days_left(clock, booked.at),
                     exams_since_booking=sum(e.at >= booked.set_at
                                             for e in store_exams.exams(store)),
                     release_days=RELEASE_DAYS)


def _days_booked(clock: Clock, booked: Interview) -> int:
    """Study days from the booking to the date."""
    return core.days_left(replace(clock, now=min(booked.set_at, clock.now)), booked.at)


def held_now(store: Store, clock: Clock, cards: Sequence[Card] | None = None) -> frozenset[str]:
    """The exam pool held back now (empty without an active plan)."""
    booked = active(store, clock)
    if booked is None:
        return frozenset()
    kept = _DAY_PLANS.get(str(store.path))
    if kept is not None and kept.key == day_key(store, clock,
                                            Settings.from_stored(setting_rows.stored_settings(store))):
        return kept.held
    return held_back(store, clock, booked,
                     list(cards) if cards is not None else card_reads.load_cards(store))


def _plan_input(store: Store, clock: Clock, prefs: Settings, booked: Interview,
                cards: Sequence[Card], parameters: FacetParameters) -> PlanInput:
    """What the plan is made from: the questions in scope (less the exam pool), the user's
    own questions among them, their pace (`store.recent.pace`, as the home screen's), their
    first-sight recall, weakness and stories."""
    scope = [c for c in cards if booked.scope.covers(c.question)]
    groups = intent_groups(c.question for c in scope)
    held = held_back(store, clock, booked, cards, groups=groups)
    in_scope = [c for c in scope if c.id not in held]
    ids = {c.id for c in in_scope}
    today = store_interview.introduced_since(store, clock.day_start())
    slots = frozenset(n for s in store_stories.list_stories(store) for n in s.slots)
    return PlanInput(
        interview=booked.at, now=clock.now, days_left=core.days_left(clock, booked.at),
        cards=in_scope, introduced_today=len(today & ids), minutes=prefs.minutes,
        pace=recent.pace(store).per_minute, retention=prefs.retention,
        target=prefs.interview_target, first_sight=_first_sight(store), parameters=parameters,
        weakness=weakness.family_weakness(store, clock), story_slots=slots,
        local=clock.local, own=frozenset(card_reads.goes_first_ids(store)) & ids,
        groups=groups,
        days_booked=_days_booked(clock, booked))


def _plan(store: Store, clock: Clock, prefs: Settings, booked: Interview,
          cards: Sequence[Card], parameters: FacetParameters) -> Plan:
    return make_plan(_plan_input(store, clock, prefs, booked, cards, parameters))


@dataclass(frozen=True)
class Buys:
    """What a drill length buys (`core.plan.coverage`), with the study date by which every
    intent group has been seen once (None when they do not all fit)."""

    coverage: PlanCoverage
    by: date | None


def plan_for(store: Store, clock: Clock, prefs: Settings, booked: Interview,
             cards: Sequence[Card]) -> Plan:
    """The plan `booked` would make (say, with another scope) over `cards` (every loaded
    question)."""
    return _plan(store, clock, prefs, booked, cards, optimize.in_force(store))


_NO_FORECAST = UnseenForecast(0.0, 0.0, False, "prior")


@dataclass(frozen=True)
class InterviewOutlook:
    """Everything `emdrill interview` shows."""

    interview: Interview
    plan: Plan
    family_names: dict[str, str]
    gaps: tuple[SlotCoverage, ...]  # story slots in-scope questions rely on, with no story
    minutes_setting: int
    target: float
    groups_in_scope: int = 0  # intent groups in scope
    groups_seen: int = 0  # of those, with a member seen
    exam: Exam | None = None  # the latest exam, if any
    forecast_unseen: UnseenForecast = _NO_FORECAST
    per_drill: int = 0  # answers a drill at the user's pace (the home screen's figure)
    slot_names: dict[int, str] = field(default_factory=dict)
    exam_step: int = 0  # questions of the exam the plan asks for now (0: none)
    # only for the `interview` command (`choices=True`): each makes the plan again
    buys: tuple[Buys, ...] = ()  # what a few drill lengths buy, the user's among them
    narrower: tuple[Narrower, ...] = ()  # scopes that fit when the minutes are short


def outlook(store: Store, clock: Clock, prefs: Settings, *,
            choices: bool = False) -> InterviewOutlook | None:
    """The active plan with its forecast, or None without one. `choices` (the `interview`
    command only: it makes the plan a dozen times more) adds what other drill lengths buy
    and the narrower scopes that fit."""
    booked = active(store, clock)
    if booked is None:
        return None
    cards = card_reads.load_cards(store)
    given = _plan_input(store, clock, prefs, booked, cards, optimize.in_force(store))
    plan = make_plan(given)
    _keep_day(store, clock, prefs, booked, cards, plan)
    in_scope = [c.question for c in cards if booked.scope.covers(c.question)]
    slots = store_decks.slots(store)
    bank = bank_coverage(slots, store_stories.list_stories(store), in_scope)
    groups = given.groups or intent_groups(in_scope)  # the plan's, over the whole scope
    seen = seen_groups(groups, (c.id for c in cards if not c.is_new and c.id in groups))
    count = group_count(groups)
    exams = store_exams.exams(store)
    found = InterviewOutlook(booked, plan, {f.slug: f.name for f in store_decks.families(store)},
                    tuple(row for row in bank.empty if row.questions), prefs.minutes,
                    prefs.interview_target, count, len(seen), exams[-1] if exams else None,
                    unseen_forecast(store, cards, plan, groups=groups, exams=exams,
                                    parameters=given.parameters, local=clock.local),
                    per_drill=recent.pace(store).per_drill(prefs.minutes),
                    slot_names={n: s.name for n, s in slots.items()},
                    exam_step=step_exam(store, clock))
    return replace(found, buys=_buys(given, clock), narrower=tuple(narrower(given))) \
        if choices else found


def unseen_forecast(store: Store, cards: Sequence[Card], plan: Plan, *,
                    groups: Mapping[str, str], exams: Sequence[Exam],
                    parameters: FacetParameters | None = None,
                    local: tzinfo = UTC) -> UnseenForecast:
    """The forecast for an unseen question on the day (`core.exam.forecast_unseen`): the
    exams once two exist, else the prior moved by every first sight so far (split by whether
    the question's intent group had been seen; a seen group's scored against the recall its
    best-remembered member had then), averaged over the questions still unseen on the day,
    each with its group's best predicted recall on the morning (`plan.morning`).
    `groups`: the scope's intent groups (every question in scope, the exam pool included)."""
    morning = {qid: r for qid, r in plan.morning.items() if qid in groups}
    by_date = {c.id for c in cards if not c.is_new} | {c.id for c in plan.introduce}
    for qid in by_date & groups.keys() - morning.keys():
        morning[qid] = (1.0, 1.0)  # (a plan made without its morning: the old figure)
    unseen = unseen_on_the_day(groups, groups, morning)
    return forecast_unseen(exams, evidence=first_sight_evidence(store, cards,
                                                               parameters=parameters,
                                                               local=local),
                           unseen=unseen)


def first_sight_evidence(store: Store, cards: Sequence[Card], *,
                         parameters: FacetParameters | None = None,
                         local: tzinfo = UTC) -> Carried:
    """What every first sight so far shows of transfer (`core.exam.carried`), each of a seen
    group scored against the recall its best-remembered member had then (the memory its
    answers left, from the review trail, `core.exam.first_sight_bases`)."""
    every = intent_groups(c.question for c in cards)
    seen = [c for c in cards if not c.is_new]
    sizes = Counter(every.get(c.id, c.id) for c in seen)  # only a group's second on has a base
    answered = {c.id: (c.intent, c.story) for c in seen if sizes[every.get(c.id, c.id)] > 1}
    facets = parameters or FacetParameters()

    def recall(intent: Memory, story: Memory, at: datetime) -> tuple[float, float]:
        return (retrievability(intent, at, local=local, parameters=facets.intent),
                retrievability(story, at, local=local, parameters=facets.story))

    sights = store_interview.first_sight_answers(store)
    first = store_interview.first_reviewed(store, answered)
    members: dict[str, list[str]] = {}
    for qid in answered:
        members.setdefault(every.get(qid, qid), []).append(qid)
    # each answered question at its first sight, and at every later first sight of its group
    asks = [(qid, at) for qid, at in first.items()]
    asks += [(other, first[s.question_id]) for s in sights if s.question_id in first
             for other in members[every.get(s.question_id, s.question_id)]
             if other != s.question_id]
    trails = store_interview.reviews_from(store, asks)
    return carried(first_sight_bases(sights, every, trails, answered, recall), every)


def _buys(given: PlanInput, clock: Clock) -> tuple[Buys, ...]:
    """The plan again at COVERAGE_MINUTES and the user's own minutes."""
    start = date.fromisoformat(clock.day_key(clock.now))
    return tuple(Buys(c, None if c.by_day is None else start + timedelta(days=c.by_day))
                 for c in coverage(given, sorted({*COVERAGE_MINUTES, given.minutes})))


@dataclass(frozen=True)
class DayPlan:
    """What the queue takes from the plan made on a study day (`today`): kept for the day,
    and made again when what it was made from changes (`key`)."""

    key: tuple[object, ...]  # the study day, the plan's inputs (`plan_inputs`), settings
    scope: frozenset[str]  # question ids in scope: the only ones offered
    held: frozenset[str]  # the exam pool held back (`held_back`)
    allowance: int  # new questions still to introduce today, when the plan was made
    introduced: int  # new questions in scope first seen today by then
    fresh: tuple[str, ...]  # the then unseen questions in scope, in the plan's order
    taper: tuple[str, ...]  # seen questions below target, weakest first (in the taper)
    ahead: bool  # the plan has intro days: later days' new questions may come early


@dataclass(frozen=True)
class Today:
    """What the queue takes from an active plan, now."""

    scope: frozenset[str]  # question ids in scope: the only ones offered
    allowance: int  # new questions still to introduce today
    fresh: tuple[str, ...]  # the unseen questions in scope, in the plan's order (ids: some
    # may have been seen since the plan was made; `fresh_cards` reads them as they are now)
    queue: PlanQueue  # its taper holds the cards as they were when the plan was made


# One day plan per collection file in this process: a drill asks for the queue after every
# answer, and making the plan simulates every question's path to the date (`core.forecast`).
_DAY_PLANS: dict[str, DayPlan] = {}


def day_key(store: Store, clock: Clock, prefs: Settings) -> tuple[object, ...]:
    """What a day plan is made from, besides the memories it reads in the morning."""
    return (clock.day_key(clock.now), str(clock.local), repr(prefs),
            store_interview.plan_inputs(store), optimize.in_force(store))


def _make_day(store: Store, clock: Clock, prefs: Settings, booked: Interview,
              key: tuple[object, ...], cards: Sequence[Card] | None) -> DayPlan:
    every = list(cards) if cards is not None else card_reads.load_cards(store)
    plan = _plan(store, clock, prefs, booked, every, optimize.in_force(store))
    return _day_of(store, clock, booked, key, every, plan)


def _day_of(store: Store, clock: Clock, booked: Interview, key: tuple[object, ...],
            every: Sequence[Card], plan: Plan) -> DayPlan:
    held = held_back(store, clock, booked, every)
    scope = frozenset(c.id for c in every if booked.scope.covers(c.question)
                      and c.id not in held)
    introduced = len(store_interview.introduced_since(store, clock.day_start()) & scope)
    return DayPlan(key, scope, held, plan.allowance_today, introduced,
                   tuple(c.id for c in (*plan.introduce, *plan.unseen)),
                   tuple(c.id for c in plan.below_target) if plan.taper else (),
                   plan.intro_days > 0)


def day_plan(store: Store, clock: Clock, prefs: Settings, booked: Interview, *,
             cards: Sequence[Card] | None = None, cached: bool = True) -> DayPlan:
    """Today's plan: the one made earlier today in this process while nothing it was made
    from has changed, else made now (`cached=False`: always made now)."""
    key = day_key(store, clock, prefs)
    name = str(store.path)
    found = _DAY_PLANS.get(name) if cached else None
    if found is None or found.key != key:
        found = _make_day(store, clock, prefs, booked, key, cards)
        if cached:
            _DAY_PLANS[name] = found
    return found


def _keep_day(store: Store, clock: Clock, prefs: Settings, booked: Interview,
              cards: Sequence[Card], plan: Plan) -> None:
    """Keep the plan `outlook` made as the day plan, when none is kept for now: the home
    screen's plan is the one the drill after it follows."""
    key = day_key(store, clock, prefs)
    kept = _DAY_PLANS.get(str(store.path))
    if kept is None or kept.key != key:
        _DAY_PLANS[str(store.path)] = _day_of(store, clock, booked, key, cards, plan)


def forget_day_plans() -> None:
    """Drop every kept day plan (tests; a process that wants the plan made again)."""
    _DAY_PLANS.clear()


def today(store: Store, clock: Clock, prefs: Settings,
          cards: Sequence[Card] | None = None, *, cached: bool = True) -> Today | None:
    """The plan's part in today's queue, or None without an active plan. The plan is made
    once a study day (`day_plan`); an answer changes only what it changes: the new questions
    introduced (each one takes one from the day's allowance), the answers given today, and
    the cards as they are now (`fresh_cards`, `taper_cards`)."""
    booked = active(store, clock)
    if booked is None:
        return None
    day = day_plan(store, clock, prefs, booked, cards=cards, cached=cached)
    introduced = len(store_interview.introduced_since(store, clock.day_start()) & day.scope)
    allowance = max(0, day.allowance - (introduced - day.introduced))
    queue = PlanQueue(
        introduced=introduced, answers=review_log.reviews_since(store, clock.day_start()),
        per_drill=recent.pace(store).per_drill(prefs.minutes), ahead=day.ahead)
    taper = tuple(c for c in _by_ids(store, day.taper) if not c.is_new)
    return Today(day.scope, allowance, day.fresh, replace(queue, taper=taper))


def _by_ids(store: Store, ids: Sequence[str]) -> list[Card]:
    found = card_reads.cards_by_id(store, list(ids)) if ids else {}
    return [found[i] for i in ids if i in found]


FRESH_CHUNK = 64  # plan-ordered ids read at a time while looking for the unseen


def fresh_cards(store: Store, day: Today, *, keep: Callable[[Card], bool],
                want: int | None) -> list[Card]:
    """The first `want` (None: every one) of the day's plan order that are still unseen and
    pass `keep`, read as they are now."""
    found: list[Card] = []
    ids = day.fresh
    step = len(ids) if want is None else FRESH_CHUNK
    for start in range(0, len(ids), max(1, step)):
        found += [c for c in _by_ids(store, ids[start:start + step])
                  if c.is_new and keep(c)]
        if want is not None and len(found) >= want:
            return found[:want]
    return found


def graded_toward_date(store: Store, clock: Clock, card: Card, intent: Memory, story: Memory, *,
                target: float, parameters: FacetParameters) -> tuple[Memory, Memory]:
    """A graded question's new memories, with due dates brought before the interview where
    waiting would leave it below target (only while a plan is active, for questions in
    its scope)."""
    booked = active(store, clock)
    if booked is None or not booked.scope.covers(card.question):
        return intent, story
    return core.toward_date_both(intent, story, interview=booked.at, target=target,
                                 local=clock.local, parameters=parameters)
