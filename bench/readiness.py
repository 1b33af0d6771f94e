"""Readiness on questions never seen: the forecast against a measured exam, simulated.

    python bench/readiness.py [--seeds 20] [--days 10] [--minutes 5 10] [--questions 10]
                              [--sibling 0.7] [--family 0.2] [--first-sight 0.5]
                              [--exam-day 0] [--no-step]

A loop is booked `--days` ahead on a new collection with the bundled deck (every question
in scope). The learner is emdrill.ops.simulation's (a true memory per facet following
FSRS, one weak family keeping 0.15 of each review's consolidation), with *transfer*
between questions: a question it has never answered is decoded with
    base + (1 - base) * max(SIBLING * R_sibling, FAMILY * R_family)
where R_sibling is its best recall now of a question of the same intent group and R_family
its mean recall of the family's questions it has answered. `base` is the first-sight guess
in a drill (0.5) and the guess among the options in an exam (1 in 4 for the intent, 1 in 8
for the slot). SIBLING = 0.7 and FAMILY = 0.2 are the transfer rates the simulation knows
(`--sibling`, `--family` try others; `--first-sight` the drill's guess); emdrill does not: its
forecast starts from a stated prior and is moved by the learner's own first sights.

The learner drills once a day (08:00 UTC, an answer every 25 seconds, the minutes given)
through the real core with the plan on: a drill is an `ops.drill.Session` of those minutes
(the plan's queue, its exam pool held back, the 35% family bound, contrast cards). On day 5
and on the evening before, the `interview` forecast for unseen questions is read, overall
(`forecast_unseen`, as `interview --json` prints it) and per family (the same prior over the
family's share of groups seen). On the morning an exam is drawn by `ops.exam.prepare`
(never-answered questions, the plan's pool first, spread over the families), the learner
answers it with the rule above and its own dice, and the share decoded right is the measured
score. *Expected exam* is the learner's exact chance on that exam's questions, the measured
score without the dice (one exam of 10 questions is about 15 points either way by luck alone).
Per family the exam answers are pooled over the seeds. Beside it, *loop draw* is the
learner's exact mean chance over every in-scope question it has never answered: what a loop
asking unseen questions at random would find (the exam pool is drawn from the larger intent
groups, so its questions more often have a drilled sibling).

The learner follows the plan's steps like a user: when `interview` asks it to sit a short
exam (`interview.step_exam`, from the day after the booking's first third), it sits that
exam at the end of the day's drill, answering as in `--exam-day` below; `--no-step` has it
ignore the step (the forecast then rests on the drills' first sights alone).

`--exam-day N` also has the learner sit an exam (the pool's questions, as `emdrill exam`
asks them) at the end of day N, before the day-5 forecast when N < 5: its answers are first
sights too, picks among four, and the pool then joins the drills.

It also checks the plan's side: the day each family is first introduced, the intent groups
seen by the date (and those answered on two study days or more: a first sight and a review)
against what the plan said on day 1 at these minutes (its "At your N minutes" figure), the
largest share one family takes of any drill's answers, and where each drill's answers go:
first sights of a new intent group, of a sibling, reviews from earlier days, retries (a
question already answered in the same drill), contrast cards and practice.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from emdrill.core.cards import Card
from emdrill.core.exam import (
    INTENT_CHANCE,
    PRIOR_NEW_GROUP,
    PRIOR_TRANSFER,
    STORY_CHANCE,
    Carried,
    forecast_unseen,
    share_known_at_date,
    unseen_on_the_day,
)
from emdrill.core.groups import group_count, intent_groups
from emdrill.core.scheduler import FacetParameters, Rating, retrievability
from emdrill.core.timing import Clock
from emdrill.ops import decks, grading, opening, optimize, simulation
from emdrill.ops import exam as exam_ops
from emdrill.ops import interview as plan_ops
from emdrill.ops.drill import Pick, Session
from emdrill.ops.simulation import Learner, SimulationPlan
from emdrill.store import card_reads, setting_rows
from emdrill.store import interview as store_interview
from emdrill.store.db import Store

SECONDS = 25.0
SIBLING, FAMILY = 0.7, 0.2  # the learner's true transfer rates
FORECAST_DAY = 5
KINDS = ("group", "sibling", "review", "retry", "contrast", "practice")  # where answers go


@dataclass
class TransferLearner(Learner):
    """Learner whose first sight of a question draws on what it knows of the question's
    intent group and family."""

    group: dict[str, str] = field(default_factory=dict)  # question id -> group root
    family: dict[str, str] = field(default_factory=dict)  # question id -> family
    sibling: float = SIBLING  # the true transfer rates (emdrill never reads them)
    in_family: float = FAMILY

    def fresh(self) -> TransferLearner:
        return TransferLearner(self.weak_family, self.weak_learning, self.first_sight,
                               group=self.group, family=self.family, sibling=self.sibling,
                               in_family=self.in_family)

    def carried(self, question_id: str, facet: str, now: datetime) -> float:
        """What the learner's answered questions lend an unanswered one, 0 to 1."""
        root, fam = self.group.get(question_id, question_id), self.family.get(question_id)
        sibling, in_family = 0.0, []
        for (qid, f), memory in self.memory.items():
            if f != facet or qid == question_id:
                continue
            r = retrievability(memory, now, local=UTC)
            if self.group.get(qid, qid) == root:
                sibling = max(sibling, r)
            if self.family.get(qid) == fam:
                in_family.append(r)
        family = sum(in_family) / len(in_family) if in_family else 0.0
        return max(self.sibling * sibling, self.in_family * family)

    def unseen(self, question_id: str, facet: str, now: datetime, base: float) -> float:
        return base + (1 - base) * self.carried(question_id, facet, now)

    def chance(self, question_id: str, facet: str, now: datetime) -> float:
        if (question_id, facet) in self.memory:
            return super().chance(question_id, facet, now)
        return self.unseen(question_id, facet, now, self.first_sight)


@dataclass
class Outcome:
    first_day: dict[str, int]  # family -> the day it was first introduced
    groups: int
    groups_seen: int
    worst_share: float  # the largest share one family took of one day's answers
    forecast: dict[str, tuple[float, float]]  # "day5"/"eve": overall (intent, story)
    family_forecast: dict[str, float]  # family -> intent forecast made on day 5
    exam: list[tuple[str, bool, bool]]  # (family, intent right, story right)
    loop: tuple[float, float]  # mean chance over every unanswered question: intent, story
    planned: int = 0  # intent groups the plan said on day 1 it sees by the date
    reviewed: int = 0  # intent groups with a question answered on two study days or more
    kinds: list[Counter[str]] = field(default_factory=list)  # per day: answers by KINDS
    expected: tuple[float, float] = (0.0, 0.0)  # exact mean chance on the exam's questions
    source: str = ""  # where the day-5 forecast came from
    first_sights: int = 0  # first sights it drew on
    evidence: Carried = field(default_factory=Carried)  # what they showed, on day 5
    # the exam's intents: (its group seen, the learner's true carry-over T), per question
    carry: list[tuple[bool, float]] = field(default_factory=list)
    step_day: int = 0  # the day the plan's exam step was sat (0: none)
    interval: tuple[float, float] = (0.0, 1.0)  # the day-5 intent forecast's low-high
    share: float = 0.0  # the day-5 forecast's share of unseen questions of a known intent
    chances: list[float] = field(default_factory=list)  # the intent chance per exam question
    story_chances: list[float] = field(default_factory=list)  # the slot's, likewise


def _share_known(cards: Sequence[Card], groups: dict[str, str],
                 outlook: plan_ops.InterviewOutlook) -> float:
    """The mix the day-5 forecast assumes (`share_known_at_date`, as `interview` takes it)."""
    by_date = {c.id for c in cards if not c.is_new} | {c.id for c in outlook.plan.introduce}
    return share_known_at_date(groups, groups, seen_by_date=by_date)


def clock_parameters(store: Store) -> FacetParameters:
    """The FSRS parameters `interview` reads (the fitted ones once in force)."""
    return optimize.in_force(store)


def _family_forecast(store: Store, cards: Sequence[Card], groups: dict[str, str],
                     outlook: plan_ops.InterviewOutlook) -> dict[str, float]:
    """Per family, the day-5 forecast the way `interview` makes the overall one: the same
    first sights, over the family's questions still unseen on the day (each with its group's
    recall on the morning, `core.exam.unseen_on_the_day`)."""
    evidence = plan_ops.first_sight_evidence(store, cards, parameters=clock_parameters(store),
                                             local=UTC)
    by: dict[str, list[str]] = defaultdict(list)
    for c in cards:
        by[c.family].append(c.id)
    morning = outlook.plan.morning
    return {f: forecast_unseen([], evidence=evidence,
                               unseen=unseen_on_the_day(
                                   ids, groups, {q: r for q, r in morning.items()
                                                 if q in set(ids)})).intent
            for f, ids in by.items()}


def _kind(pick: Pick, today: Counter[str], groups: dict[str, str], seen: set[str]) -> str:
    """Where an answer goes (KINDS); `seen` holds the groups with a question answered."""
    qid = pick.card.id
    if pick.kind == "contrast":
        return "contrast"
    if pick.kind in ("practice", "widen"):
        return "practice"
    if today[qid]:
        return "retry"
    if pick.kind == "new":
        return "sibling" if groups.get(qid, qid) in seen else "group"
    return "review"


def drill_day(store: Store, learner: TransferLearner, plan: SimulationPlan, minutes: int, *,
              day: int, tally: Counter[str], kinds: Counter[str] | None = None,
              seen: set[str] | None = None) -> Counter[str]:
    """One day's drill through `ops.drill.Session` (its queue, the 35% bound, contrast
    cards), an answer every `plan.seconds`; the answers each family took (and, into
    `kinds`, where they went; `seen` gathers the intent groups answered)."""
    now = [plan.start + timedelta(days=day)]
    session = Session(store, lambda: Clock(now=now[0], local=UTC), minutes=minutes)
    families: Counter[str] = Counter()
    today: Counter[str] = Counter()
    while not session.finished():
        pick = session.next_pick()
        if pick is None:
            break
        qid = pick.card.id
        if kinds is not None and seen is not None:
            kinds[_kind(pick, today, learner.group, seen)] += 1
            seen.add(learner.group.get(qid, qid))
        today[qid] += 1
        dice = random.Random(f"{plan.seed}:{qid}:{tally[qid]}")
        intent_ok = dice.random() < learner.chance(qid, "intent", now[0])
        story_ok = dice.random() < learner.chance(qid, "story", now[0])
        session.answer(pick, intent=Rating.GOOD if intent_ok else Rating.AGAIN,
                       story=grading.StoryAnswer(verdict=story_ok), seconds=plan.seconds)
        learner.learn(qid, pick.card.family, "intent", intent_ok, now[0])
        learner.learn(qid, pick.card.family, "story", story_ok, now[0])
        tally[qid] += 1
        families[pick.card.family] += 1
        now[0] += timedelta(seconds=plan.seconds)
    return families


def run(paths: list[Path], *, days: int, minutes: int, seed: int, questions: int,
        sibling: float = SIBLING, in_family: float = FAMILY,
        first_sight: float = 0.5, exam_day: int = 0, steps: bool = True) -> Outcome:
    plan = SimulationPlan(days=days, answers=max(1, round(minutes * 60 / SECONDS)), seconds=SECONDS,
                seed=seed)
    interview_at = (plan.start + timedelta(days=days)).replace(hour=9, minute=0)
    with tempfile.TemporaryDirectory(prefix="emdrill-readiness-") as home:
        store = opening.open_collection(Path(home) / "emdrill.db", now=plan.start,
                                        autoload=False)
        try:
            decks.load_paths(store, paths, now=plan.start)
            setting_rows.save_setting(store, "minutes", str(minutes))
            cards = card_reads.load_cards(store)
            groups = intent_groups(c.question for c in cards)
            learner = TransferLearner(simulation.default_weak_family(paths),
                                      first_sight=first_sight, group=groups,
                                      family={c.id: c.family for c in cards},
                                      sibling=sibling, in_family=in_family)
            plan_ops.set_interview(store, Clock(now=plan.start, local=UTC),
                                   interview_at.isoformat())
            planned = plan_ops.outlook(store, Clock(now=plan.start, local=UTC),
                                       opening.settings(store))
            assert planned is not None
            tally: Counter[str] = Counter()
            kinds: list[Counter[str]] = []
            answered: set[str] = set()
            days_answered: dict[str, set[int]] = defaultdict(set)
            first_day: dict[str, int] = {}
            worst = 0.0
            forecast: dict[str, tuple[float, float]] = {}
            family_forecast: dict[str, float] = {}
            source, sights, evidence = "", 0, Carried()
            step_day, share, interval = 0, 0.0, (0.0, 1.0)
            for day in range(days):
                kinds.append(Counter())
                before = Counter(tally)
                today = drill_day(store, learner, plan, minutes, day=day, tally=tally,
                                  kinds=kinds[-1], seen=answered)
                for qid in tally - before:
                    days_answered[groups.get(qid, qid)].add(day)
                total = sum(today.values())
                if total:
                    worst = max(worst, max(today.values()) / total)
                for fam in today:
                    first_day.setdefault(fam, day)
                evening = plan.start + timedelta(days=day, hours=11)
                if day + 1 == exam_day:
                    _sit_exam(store, learner, evening, count=questions, seed=seed)
                step = plan_ops.step_exam(store, Clock(now=evening, local=UTC)) if steps else 0
                if step:  # the plan's step: "sit an 8-question exam", as a user follows it
                    _sit_exam(store, learner, evening, count=step, seed=seed)
                    step_day = day + 1
                if day + 1 in (FORECAST_DAY, days):
                    clock = Clock(now=plan.start + timedelta(days=day, hours=12), local=UTC)
                    outlook = plan_ops.outlook(store, clock, opening.settings(store))
                    assert outlook is not None
                    key = "day5" if day + 1 == FORECAST_DAY else "eve"
                    forecast[key] = outlook.forecast_unseen[:2]
                    if key == "day5":
                        interval = (outlook.forecast_unseen.low, outlook.forecast_unseen.high)
                    if key == "day5":
                        family_forecast = _family_forecast(
                            store, card_reads.load_cards(store), groups, outlook)
                        source = outlook.forecast_unseen.source
                        share = _share_known(card_reads.load_cards(store), groups, outlook)
                        sights = len(store_interview.first_sight_answers(store))
                        evidence = plan_ops.first_sight_evidence(
                            store, card_reads.load_cards(store),
                            parameters=clock_parameters(store), local=UTC)
            cards = card_reads.load_cards(store)
            seen = {groups.get(c.id, c.id) for c in cards if not c.is_new}
            morning = Clock(now=interview_at - timedelta(minutes=30), local=UTC)
            offers = exam_ops.prepare(store, morning, count=questions,
                                      rng=random.Random(seed))
            unanswered = [c.id for c in cards if c.is_new]
        finally:
            store.close()
    dice = random.Random(f"exam:{seed}")
    exam = []
    expected: tuple[list[float], list[float]] = ([], [])  # exact chance per exam question
    carry = []
    for offer in offers:
        qid = offer.card.id
        carry.append((groups.get(qid, qid) in seen, learner.carried(qid, "intent", morning.now)))
        assert offer.card.is_new  # the exam asks only questions never answered
        chances = (learner.unseen(qid, "intent", morning.now, INTENT_CHANCE),
                   learner.unseen(qid, "story", morning.now, STORY_CHANCE))
        intent, story = (dice.random() < c for c in chances)
        exam.append((offer.card.family, intent, story))
        for kept, c in zip(expected, chances, strict=True):
            kept.append(c)
    loop = tuple(_mean([learner.unseen(q, facet, morning.now, base) for q in unanswered])
                 for facet, base in (("intent", INTENT_CHANCE), ("story", STORY_CHANCE)))
    return Outcome(first_day, group_count(groups), len(seen), worst,
                   forecast, family_forecast, exam, (loop[0], loop[1]),
                   expected=(_mean(expected[0]), _mean(expected[1])), source=source,
                   first_sights=sights, evidence=evidence, carry=carry,
                   planned=planned.plan.groups_at_date, step_day=step_day, share=share,
                   interval=interval, chances=expected[0], story_chances=expected[1],
                   reviewed=sum(len(d) >= 2 for d in days_answered.values()), kinds=kinds)


def _sit_exam(store: Store, learner: TransferLearner, at: datetime, *, count: int,
              seed: int) -> None:
    """An exam sat during the plan (`--exam-day`): the pool's questions answered with the
    learner's chance, recorded as `emdrill exam` records them (the pool then joins drills)."""
    clock = Clock(now=at, local=UTC)
    offers = exam_ops.prepare(store, clock, count=count, rng=random.Random(f"mid:{seed}"))
    dice = random.Random(f"mid-exam:{seed}")
    replies = []
    for offer in offers:
        qid, slot = offer.card.id, offer.card.question.story
        intent_ok = dice.random() < learner.unseen(qid, "intent", at, INTENT_CHANCE)
        story_ok = dice.random() < learner.unseen(qid, "story", at, STORY_CHANCE)
        wrong = (offer.right_index + 1) % len(offer.shown)
        passing = {slot, *offer.card.question.also}  # a slot the exam marks right
        miss = next(s for s in range(1, 9) if s not in passing)
        replies.append(exam_ops.Reply(offer.right_index if intent_ok else wrong,
                                      slot if story_ok else miss))
        learner.learn(qid, offer.card.family, "intent", intent_ok, at)
        learner.learn(qid, offer.card.family, "story", story_ok, at)
    exam_ops.record(store, clock, offers, replies)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def report(minutes: int, outcomes: Sequence[Outcome], names: dict[str, str]) -> None:
    n = len(outcomes)
    last_intro = [max(o.first_day.values()) for o in outcomes]
    families = len(names)
    all_in = sum(len(o.first_day) == families for o in outcomes)
    print(f"\n== {minutes} minutes a day, {n} seeds")
    print(f"every family introduced: {all_in}/{n} seeds; the last family's first day: "
          f"median {sorted(last_intro)[n // 2] + 1}, worst {max(last_intro) + 1} (day 1 = "
          "the first)")
    print(f"intent groups seen by the date: {_mean([o.groups_seen for o in outcomes]):.1f} of "
          f"{outcomes[0].groups} (fewest {min(o.groups_seen for o in outcomes)})")
    print(f"  every group in {sum(o.groups_seen == o.groups for o in outcomes)}/{n} seeds; "
          f"answered on two days or more (a review after the first sight): "
          f"{_mean([o.reviewed for o in outcomes]):.1f}; the plan said on day 1: "
          f"{_mean([o.planned for o in outcomes]):.1f}")
    print(f"largest share one family took of a day's answers: "
          f"{max(o.worst_share for o in outcomes):.0%}")
    _where(outcomes)
    answers = [a for o in outcomes for a in o.exam]
    measured = _mean([float(a[1]) for a in answers])
    measured_story = _mean([float(a[2]) for a in answers])
    print(f"exam on the morning: {len(answers)} answers; intent {measured:.0%}, "
          f"slot {measured_story:.0%}; expected (no dice): intent "
          f"{_mean([o.expected[0] for o in outcomes]):.0%}, slot "
          f"{_mean([o.expected[1] for o in outcomes]):.0%}")
    loop_intent = _mean([o.loop[0] for o in outcomes])
    loop_story = _mean([o.loop[1] for o in outcomes])
    print(f"loop draw (every unanswered question): intent {loop_intent:.0%}, "
          f"slot {loop_story:.0%}")
    for key, label in (("day5", f"day {FORECAST_DAY}"), ("eve", "the evening before")):
        intent = _mean([o.forecast[key][0] for o in outcomes])
        story = _mean([o.forecast[key][1] for o in outcomes])
        print(f"forecast made on {label}: intent {intent:.0%}, slot {story:.0%}")
    sources = Counter(o.source for o in outcomes)
    print(f"day-{FORECAST_DAY} forecast from: "
          + ", ".join(f"{k} {v}/{n}" for k, v in sorted(sources.items()))
          + f" ({_mean([o.first_sights for o in outcomes]):.0f} first sights on average)")
    _carry(outcomes)
    _errors(outcomes)
    _dice_ceiling(outcomes)
    _interval(outcomes)
    _per_seed(outcomes)
    _family_table(outcomes, names)


def _carry(outcomes: Sequence[Outcome]) -> None:
    """Where the error comes from: the intent's carry-over T the day-5 first sights show,
    against the learner's true T on the morning's exam questions."""
    known = [o.evidence.intent_known for o in outcomes]
    new = [o.evidence.intent_new for o in outcomes]
    carry = [c for o in outcomes for c in o.carry]
    true_known = [t for seen, t in carry if seen]
    true_new = [t for seen, t in carry if not seen]
    print(f"intent carry-over on day {FORECAST_DAY}: known intent, rate K per remembered "
          f"sibling {_mean([t.transfer(PRIOR_TRANSFER) for t in known]):.2f} (the learner's: "
          f"--sibling) from {_mean([t.answers for t in known]):.1f} first sights, new intent "
          f"{_mean([t.transfer(PRIOR_NEW_GROUP) for t in new]):.2f} from "
          f"{_mean([t.answers for t in new]):.1f}; on the exam: "
          f"{len(true_known) / max(1, len(carry)):.0%} of its questions a known intent, "
          f"true T {_mean(true_known):.2f} known, {_mean(true_new):.2f} new; the forecast "
          f"took {_mean([o.share for o in outcomes]):.0%} a known intent")
    steps = [o.step_day for o in outcomes if o.step_day]
    print(f"the plan's exam step sat in {len(steps)}/{len(outcomes)} seeds"
          + (f", on day {min(steps)}-{max(steps)}" if steps else ""))


def _errors(outcomes: Sequence[Outcome]) -> None:
    """The day-5 forecast against each seed's exam, its expected score and the loop draw."""
    n = len(outcomes)
    print(f"day-{FORECAST_DAY} forecast minus, in points:     mean   mean abs   within 10")
    for facet, i in (("intent", 0), ("slot", 1)):
        against = {
            "the exam (dice)": [_mean([float(a[1 + i]) for a in o.exam]) for o in outcomes],
            "the expected exam (no dice)": [o.expected[i] for o in outcomes],
            "the loop draw": [o.loop[i] for o in outcomes]}
        for label, truth in against.items():
            errors = [100 * (o.forecast["day5"][i] - t) for o, t in zip(outcomes, truth,
                                                                       strict=True)]
            print(f"  {facet + ', ' + label:<34} {_mean(errors):>+6.1f} "
                  f"{_mean([abs(e) for e in errors]):>9.1f} "
                  f"{sum(abs(e) <= 10 for e in errors):>7}/{n}")


def _within_dice(chances: Sequence[float], forecast: float, *, points: float = 10) -> float:
    """The chance that an exam of questions answered right with `chances` scores within
    `points` of `forecast` (the exact distribution of the count right)."""
    counts = [1.0]
    for c in chances:
        counts = [(counts[k] if k < len(counts) else 0.0) * (1 - c)
                  + (counts[k - 1] * c if k else 0.0) for k in range(len(counts) + 1)]
    n = len(chances)
    return sum(p for k, p in enumerate(counts)
               if n and abs(100 * (k / n - forecast)) <= points + 1e-9)


EXAM_LENGTHS = (10, 20, 30, 40, 60, 80)  # questions, for what an exam's dice allow


def _dice_ceiling(outcomes: Sequence[Outcome]) -> None:
    """What the exam's dice alone allow. An oracle forecast, equal to each seed's expected
    exam (the learner's true chance on the exam's questions), set against the measured exam:
    how many seeds it has within 10 points on the dice drawn, and on average over the dice;
    the day-5 forecast's own average over the dice; then the same at longer exams (the
    seed's questions asked again and again, so the expected score stays), to find the
    length at which "within 10 of the measured exam" is in reach per seed."""
    n = len(outcomes)
    def chances(o: Outcome, i: int) -> list[float]:
        return o.chances if i == 0 else o.story_chances

    facets = (("intent", 0), ("slot", 1))
    for facet, i in facets:
        measured = [_mean([float(a[1 + i]) for a in o.exam]) for o in outcomes]
        drawn = sum(abs(o.expected[i] - m) <= 0.1 + 1e-9
                    for o, m in zip(outcomes, measured, strict=True))
        oracle = sum(_within_dice(chances(o, i), o.expected[i]) for o in outcomes)
        ours = sum(_within_dice(chances(o, i), o.forecast["day5"][i]) for o in outcomes)
        spread = _mean([100 * (sum(c * (1 - c) for c in chances(o, i))
                               / len(chances(o, i)) ** 2) ** 0.5
                        for o in outcomes if chances(o, i)])
        print(f"the exam's dice ({facet}): {spread:.1f} points either way (one sd); within 10 "
              f"of the measured exam: the oracle (the expected exam itself) {drawn}/{n} on "
              f"these dice, {oracle:.1f}/{n} on average over the dice; the day-{FORECAST_DAY} "
              f"forecast {ours:.1f}/{n} on average")
    print("exam length: seeds within 10 of the measured exam, on average over the dice "
          f"(of {n})")
    print(f"  {'questions':<14}" + "".join(f"{q:>6}" for q in EXAM_LENGTHS))
    for facet, i in facets:
        for label in ("oracle", f"day-{FORECAST_DAY}"):
            row = [sum(_within_dice(_longer(chances(o, i), q),
                                    o.expected[i] if label == "oracle" else o.forecast["day5"][i])
                       for o in outcomes)
                   for q in EXAM_LENGTHS]
            print(f"  {facet + ' ' + label:<14}" + "".join(f"{v:>6.1f}" for v in row))


def _longer(chances: Sequence[float], questions: int) -> list[float]:
    """An exam of `questions` drawn like this one: its questions asked in turn."""
    return [chances[k % len(chances)] for k in range(questions)] if chances else []


def _interval(outcomes: Sequence[Outcome]) -> None:
    """How often the day-5 forecast's 80% interval holds the morning's figures."""
    n = len(outcomes)
    width = _mean([o.interval[1] - o.interval[0] for o in outcomes])
    held = {"the expected exam": [o.expected[0] for o in outcomes],
            "the exam (dice)": [_mean([float(a[1]) for a in o.exam]) for o in outcomes],
            "the loop draw": [o.loop[0] for o in outcomes]}
    inside = {label: sum(o.interval[0] <= t <= o.interval[1]
                         for o, t in zip(outcomes, truth, strict=True))
              for label, truth in held.items()}
    print(f"day-{FORECAST_DAY} intent interval (80%, mean width {100 * width:.0f} points) holds "
          + ", ".join(f"{label} in {count}/{n}" for label, count in inside.items()))


def _per_seed(outcomes: Sequence[Outcome]) -> None:
    """Each seed's day-5 intent forecast against its morning exam (dice and expected)."""
    print("per seed, intent: day-5 forecast (its interval) / exam (dice) / expected exam, %")
    cells = []
    for seed, o in enumerate(outcomes, start=1):
        exam = _mean([float(a[1]) for a in o.exam])
        low, high = (100 * v for v in o.interval)
        cells.append(f"{seed:>2}: {100 * o.forecast['day5'][0]:3.0f} ({low:2.0f}-{high:3.0f})/"
                     f"{100 * exam:3.0f}/{100 * o.expected[0]:3.0f}")
    for start in range(0, len(cells), 4):
        print("  " + "  ".join(cells[start:start + 4]))


def _family_table(outcomes: Sequence[Outcome], names: dict[str, str]) -> None:
    answers = [a for o in outcomes for a in o.exam]
    print(f"{'family':<28} {'day-5 forecast':>14} {'exam':>10}")
    for slug in sorted(names, key=lambda s: names[s]):
        got = [a[1] for a in answers if a[0] == slug]
        fc = _mean([o.family_forecast.get(slug, 0.0) for o in outcomes])
        exam = f"{sum(got)}/{len(got)}" if got else "-"
        print(f"{names[slug]:<28} {fc:>14.0%} {exam:>10}")


def _where(outcomes: Sequence[Outcome]) -> None:
    """Where each day's answers went, the mean over the seeds."""
    days = len(outcomes[0].kinds)
    print(f"{'answers a drill, by day (mean of seeds)':<42}" + " ".join(
        f"{d + 1:>4}" for d in range(days)))
    for kind in KINDS:
        row = [_mean([o.kinds[d][kind] for o in outcomes]) for d in range(days)]
        print(f"  {kind:<40}" + " ".join(f"{v:>4.1f}" for v in row))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--minutes", type=int, nargs="+", default=[5, 10])
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--sibling", type=float, default=SIBLING,
                        help="the learner's transfer to an unseen sibling")
    parser.add_argument("--family", type=float, default=FAMILY,
                        help="the learner's transfer to another group of the family")
    parser.add_argument("--first-sight", type=float, default=0.5,
                        help="the learner's chance at a drill's first sight with no transfer")
    parser.add_argument("--no-step", action="store_true",
                        help="the learner ignores the plan's exam step")
    parser.add_argument("--exam-day", type=int, default=0,
                        help="also sit an exam at the end of this day (0: none before the "
                             "morning)")
    args = parser.parse_args()
    paths = decks.bundled_paths()
    names = {f.family_slug: f.family_name for f in _families(paths)}
    print(f"{args.days} days to the loop, bundled deck, transfer: sibling {args.sibling}, "
          f"family {args.family}, drill first sight {args.first_sight}; exam of "
          f"{args.questions} unseen questions on the morning")
    for minutes in args.minutes:
        started = time.perf_counter()
        outcomes = [run(paths, days=args.days, minutes=minutes, seed=s,
                        questions=args.questions, sibling=args.sibling,
                        in_family=args.family, first_sight=args.first_sight,
                        exam_day=args.exam_day, steps=not args.no_step)
                    for s in range(1, args.seeds + 1)]
        report(minutes, outcomes, names)
        print(f"({time.perf_counter() - started:.0f} s)")


@dataclass(frozen=True)
class _Family:
    family_slug: str
    family_name: str


def _families(paths: list[Path]) -> list[_Family]:
    with tempfile.TemporaryDirectory(prefix="emdrill-readiness-") as home:
        store = opening.open_collection(Path(home) / "emdrill.db", now=simulation.START,
                                        autoload=False)
        try:
            decks.load_paths(store, paths, now=simulation.START)
            from emdrill.store import decks as store_decks

            return [_Family(f.slug, f.name) for f in store_decks.families(store)]
        finally:
            store.close()


if __name__ == "__main__":
    main()
