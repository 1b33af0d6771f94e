"""Readiness on questions never seen: the forecast against a measured exam, simulated.

    python bench/readiness.py [--seeds 20] [--days 10] [--minutes 5 10] [--questions 10]

A loop is booked `--days` ahead on a new collection with the bundled deck (every question
in scope). The learner is emdrill.ops.simulation's (a true memory per facet following
FSRS, one weak family keeping 0.15 of each review's consolidation), with *transfer*
between questions: a question it has never answered is decoded with
    base + (1 - base) * max(SIBLING * R_sibling, FAMILY * R_family)
where R_sibling is its best recall now of a question of the same intent group and R_family
its mean recall of the family's questions it has answered. `base` is the first-sight guess
in a drill (0.5) and the guess among the options in an exam (1 in 4 for the intent, 1 in 8
for the slot). SIBLING = 0.7 and FAMILY = 0.2 are the transfer rates the simulation knows;
emdrill does not (its prior assumes PRIOR_TRANSFER = 0.5 times the share of groups seen).

The learner drills once a day (08:00 UTC, an answer every 25 seconds, the minutes given)
through the real core with the plan on: a drill is an `ops.drill.Session` of those minutes
(the plan's queue, its exam pool held back, the 35% family bound, contrast cards). On day 5
and on the evening before, the `interview` forecast for unseen questions is read, overall
(`forecast_unseen`, as `interview --json` prints it) and per family (the same prior over the
family's share of groups seen). On the morning an exam is drawn by `ops.exam.prepare`
(never-answered questions, the plan's pool first, spread over the families), the learner
answers it with the rule above and its own dice, and the share decoded right is the measured
score. Per family the exam answers are pooled over the seeds. Beside it, *loop draw* is the
learner's exact mean chance over every in-scope question it has never answered: what a loop
asking unseen questions at random would find (the exam pool is drawn from the larger intent
groups, so its questions more often have a drilled sibling).

It also checks the plan's side: the day each family is first introduced, the intent groups
seen by the date, and the largest share one family takes of any drill's answers.
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

from emdrill.core.exam import INTENT_CHANCE, STORY_CHANCE, forecast_unseen
from emdrill.core.groups import group_count, intent_groups
from emdrill.core.scheduler import Rating, retrievability
from emdrill.core.timing import Clock
from emdrill.core.types import Card
from emdrill.ops import decks, grading, opening, simulation
from emdrill.ops import exam as exam_ops
from emdrill.ops import interview as plan_ops
from emdrill.ops.drill import Session
from emdrill.ops.simulation import Learner, SimulationPlan
from emdrill.store import cards as store_cards
from emdrill.store.db import Store

SECONDS = 25.0
SIBLING, FAMILY = 0.7, 0.2  # the learner's true transfer rates
FORECAST_DAY = 5


@dataclass
class TransferLearner(Learner):
    """Learner whose first sight of a question draws on what it knows of the question's
    intent group and family."""

    group: dict[str, str] = field(default_factory=dict)  # question id -> group root
    family: dict[str, str] = field(default_factory=dict)  # question id -> family

    def fresh(self) -> TransferLearner:
        return TransferLearner(self.weak_family, self.weak_learning, self.first_sight,
                               group=self.group, family=self.family)

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
        return max(SIBLING * sibling, FAMILY * family)

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


def _family_forecast(cards: Sequence[Card], groups: dict[str, str]) -> dict[str, float]:
    by: dict[str, set[str]] = defaultdict(set)
    seen: dict[str, set[str]] = defaultdict(set)
    for c in cards:
        root = groups.get(c.id, c.id)
        by[c.family].add(root)
        if not c.is_new:
            seen[c.family].add(root)
    return {f: forecast_unseen([], seen_share=len(seen[f]) / len(roots))[0]
            for f, roots in by.items()}


def drill_day(store: Store, learner: TransferLearner, plan: SimulationPlan, minutes: int, *,
              day: int, tally: Counter[str]) -> Counter[str]:
    """One day's drill through `ops.drill.Session` (its queue, the 35% bound, contrast
    cards), an answer every `plan.seconds`; the answers each family took."""
    now = [plan.start + timedelta(days=day)]
    session = Session(store, lambda: Clock(now=now[0], local=UTC), minutes=minutes)
    families: Counter[str] = Counter()
    while not session.finished():
        pick = session.next_pick()
        if pick is None:
            break
        qid = pick.card.id
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


def run(paths: list[Path], *, days: int, minutes: int, seed: int, questions: int) -> Outcome:
    plan = SimulationPlan(days=days, answers=max(1, round(minutes * 60 / SECONDS)), seconds=SECONDS,
                seed=seed)
    interview_at = (plan.start + timedelta(days=days)).replace(hour=9, minute=0)
    with tempfile.TemporaryDirectory(prefix="emdrill-readiness-") as home:
        store = opening.open_collection(Path(home) / "emdrill.db", now=plan.start,
                                        autoload=False)
        try:
            decks.load_paths(store, paths, now=plan.start)
            store_cards.save_setting(store, "minutes", str(minutes))
            cards = store_cards.load_cards(store)
            groups = intent_groups(c.question for c in cards)
            learner = TransferLearner(simulation.default_weak_family(paths),
                                      group=groups, family={c.id: c.family for c in cards})
            plan_ops.set_interview(store, Clock(now=plan.start, local=UTC),
                                   interview_at.isoformat())
            tally: Counter[str] = Counter()
            first_day: dict[str, int] = {}
            worst = 0.0
            forecast: dict[str, tuple[float, float]] = {}
            family_forecast: dict[str, float] = {}
            for day in range(days):
                today = drill_day(store, learner, plan, minutes, day=day, tally=tally)
                total = sum(today.values())
                if total:
                    worst = max(worst, max(today.values()) / total)
                for fam in today:
                    first_day.setdefault(fam, day)
                if day + 1 in (FORECAST_DAY, days):
                    clock = Clock(now=plan.start + timedelta(days=day, hours=12), local=UTC)
                    outlook = plan_ops.outlook(store, clock, opening.settings(store))
                    assert outlook is not None
                    key = "day5" if day + 1 == FORECAST_DAY else "eve"
                    forecast[key] = outlook.forecast_unseen[:2]
                    if key == "day5":
                        family_forecast = _family_forecast(store_cards.load_cards(store),
                                                           groups)
            cards = store_cards.load_cards(store)
            seen = {groups.get(c.id, c.id) for c in cards if not c.is_new}
            morning = Clock(now=interview_at - timedelta(minutes=30), local=UTC)
            offers = exam_ops.prepare(store, morning, count=questions,
                                      rng=random.Random(seed))
            unanswered = [c.id for c in cards if c.is_new]
        finally:
            store.close()
    dice = random.Random(f"exam:{seed}")
    exam = []
    for offer in offers:
        qid = offer.card.id
        assert offer.card.is_new  # the exam asks only questions never answered
        intent = dice.random() < learner.unseen(qid, "intent", morning.now, INTENT_CHANCE)
        story = dice.random() < learner.unseen(qid, "story", morning.now, STORY_CHANCE)
        exam.append((offer.card.family, intent, story))
    loop = tuple(_mean([learner.unseen(q, facet, morning.now, base) for q in unanswered])
                 for facet, base in (("intent", INTENT_CHANCE), ("story", STORY_CHANCE)))
    return Outcome(first_day, group_count(groups), len(seen), worst,
                   forecast, family_forecast, exam, (loop[0], loop[1]))


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
    print(f"largest share one family took of a day's answers: "
          f"{max(o.worst_share for o in outcomes):.0%}")
    answers = [a for o in outcomes for a in o.exam]
    measured = _mean([float(a[1]) for a in answers])
    measured_story = _mean([float(a[2]) for a in answers])
    per_seed = [abs(o.forecast["day5"][0] - _mean([float(a[1]) for a in o.exam]))
                for o in outcomes]
    print(f"exam on the morning: {len(answers)} answers; intent {measured:.0%}, "
          f"slot {measured_story:.0%}")
    loop_intent = _mean([o.loop[0] for o in outcomes])
    loop_story = _mean([o.loop[1] for o in outcomes])
    print(f"loop draw (every unanswered question): intent {loop_intent:.0%}, "
          f"slot {loop_story:.0%}")
    for key, label in (("day5", f"day {FORECAST_DAY}"), ("eve", "the evening before")):
        intent = _mean([o.forecast[key][0] for o in outcomes])
        story = _mean([o.forecast[key][1] for o in outcomes])
        print(f"forecast made on {label}: intent {intent:.0%} ({100 * (intent - measured):+.0f} "
              f"points against the exam, {100 * (intent - loop_intent):+.0f} against the loop "
              f"draw), slot {story:.0%} ({100 * (story - measured_story):+.0f}, "
              f"{100 * (story - loop_story):+.0f})")
    within = sum(e <= 0.10 for e in per_seed)
    print(f"day-{FORECAST_DAY} forecast within 10 points of that seed's exam: {within}/{n} "
          f"seeds (one exam of {len(outcomes[0].exam)} questions is coarse)")
    print(f"{'family':<28} {'day-5 forecast':>14} {'exam':>10}")
    for slug in sorted(names, key=lambda s: names[s]):
        got = [a[1] for a in answers if a[0] == slug]
        fc = _mean([o.family_forecast.get(slug, 0.0) for o in outcomes])
        exam = f"{sum(got)}/{len(got)}" if got else "-"
        print(f"{names[slug]:<28} {fc:>14.0%} {exam:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--minutes", type=int, nargs="+", default=[5, 10])
    parser.add_argument("--questions", type=int, default=10)
    args = parser.parse_args()
    paths = decks.bundled_paths()
    names = {f.family_slug: f.family_name for f in _families(paths)}
    print(f"{args.days} days to the loop, bundled deck, transfer: sibling {SIBLING}, "
          f"family {FAMILY}; exam of {args.questions} unseen questions on the morning")
    for minutes in args.minutes:
        started = time.perf_counter()
        outcomes = [run(paths, days=args.days, minutes=minutes, seed=s,
                        questions=args.questions) for s in range(1, args.seeds + 1)]
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
