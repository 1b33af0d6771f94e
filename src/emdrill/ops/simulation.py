"""A simulated learner drilled through the real core, with adaptivity on and then off.

The learner model (docs/weakness.md explains the reasoning):
- the learner has a memory of its own for every facet, separate from what the scheduler
  believes; it follows the FSRS memory model (the same equations, reached through
  `scheduler.review`), and the chance to recall a facet is that memory's retrievability;
- in the weak family each successful review consolidates only `weak_learning` of what FSRS
  expects (the gain in stability is scaled down) and the first exposure leaves a memory that
  much weaker, so those questions are forgotten much sooner than the scheduler assumes until
  the misses teach it otherwise;
- a facet seen for the first time is recalled with chance `first_sight` (a guess from the
  wording); a recalled intent is rated Good and a missed one Again; a recalled story names the
  right slot (Good), a missed one is wrong (Again).
Each simulated day has one drill of `answers` questions, `seconds` apart: what `next_queue`
offers (due, then new), and when that runs dry, `practice_queue` (mode "practice"). All of it
goes through `grading.grade` in a throwaway EMDRILL_HOME, with explicit UTC clocks, no
interval fuzz and dice that depend only on the seed, the question and the answer's number,
so both settings meet the same luck and two runs with the same inputs print the same figures.
"""

from __future__ import annotations

import random
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from emdrill.core.cards import FACETS, Card
from emdrill.core.errors import DeckError
from emdrill.core.order import practice_queue
from emdrill.core.scheduler import Memory, Rating, new_memory, retrievability, review
from emdrill.core.timing import Clock
from emdrill.ops import decks, grading, opening, queueing
from emdrill.store import card_reads, setting_rows

if TYPE_CHECKING:
    from emdrill.store.db import Store

START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)  # a Monday, 08:00 UTC
FAMILY, PRACTICE = "family:", "mode:practice"  # tally keys beside the question ids
MONTH_DAYS = 30  # durability: mean chance over this many days after the last drill


@dataclass
class Learner:
    """The simulated person: one weak family, and a true memory per facet."""

    weak_family: str
    weak_learning: float = 0.15
    first_sight: float = 0.5
    memory: dict[tuple[str, str], Memory] = field(default_factory=dict)

    def fresh(self) -> Learner:
        return Learner(self.weak_family, self.weak_learning, self.first_sight)

    def chance(self, question_id: str, facet: str, now: datetime) -> float:
        known = self.memory.get((question_id, facet))
        return self.first_sight if known is None else retrievability(known, now, local=UTC)

    def learn(self, question_id: str, family: str, facet: str, recalled: bool,
              now: datetime) -> None:
        """Update the true memory after an answer (the back was seen either way)."""
        before = self.memory.get((question_id, facet), new_memory(now))
        after = review(before, Rating.GOOD if recalled else Rating.AGAIN, now, local=UTC,
                       fuzz=False)
        if family == self.weak_family and after.stability is not None:
            old = before.stability or 0.0
            if after.stability > old:  # consolidation is what the weak family lacks
                after = replace(after, stability=old + self.weak_learning * (after.stability - old))
        self.memory[(question_id, facet)] = after


@dataclass(frozen=True)
class SimulationPlan:
    days: int = 60
    answers: int = 12  # a five-minute drill at about 25 seconds an answer
    seconds: float = 25.0
    new_per_day: int = 10  # the learner's `new-per-day` setting (the app's default)
    seed: int = 1
    start: datetime = START


@dataclass(frozen=True)
class Arm:
    """One setting's outcome, averaged over the runs (seeds)."""

    adaptive: bool
    reviews: dict[str, float]  # answers per family, practice included
    practice: float  # answers given in practice mode (nothing due, no new left)
    questions: dict[str, int]
    seen: dict[str, float]
    recall: dict[str, float | None]  # chance of recall the day after the last drill
    month: dict[str, float | None]  # mean chance over the MONTH_DAYS after it, no more study

    @property
    def total(self) -> float:
        return sum(self.reviews.values())


def average(arms: Sequence[Arm]) -> Arm:
    """Mean of several runs of the same setting; recall averages the runs that saw the family."""
    first, n = arms[0], len(arms)
    families = list(first.questions)

    def mean(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return sum(known) / len(known) if known else None

    return Arm(
        adaptive=first.adaptive,
        reviews={f: sum(a.reviews[f] for a in arms) / n for f in families},
        practice=sum(a.practice for a in arms) / n,
        questions=first.questions,
        seen={f: sum(a.seen[f] for a in arms) / n for f in families},
        recall={f: mean([a.recall[f] for a in arms]) for f in families},
        month={f: mean([a.month[f] for a in arms]) for f in families},
    )


@dataclass(frozen=True)
class Comparison:
    weak_family: str
    on: Arm
    off: Arm

    @property
    def weak_ratio(self) -> float | None:
        off = self.off.reviews.get(self.weak_family, 0)
        return self.on.reviews.get(self.weak_family, 0) / off if off else None

    @property
    def total_change(self) -> float | None:
        return self.on.total / self.off.total - 1 if self.off.total else None

    def share(self, arm: Arm) -> float | None:
        return arm.reviews.get(self.weak_family, 0) / arm.total if arm.total else None

    def checks(self) -> list[tuple[str, bool]]:
        ratio, change = self.weak_ratio, self.total_change
        on_recall = self.on.recall.get(self.weak_family)
        off_recall = self.off.recall.get(self.weak_family)
        return [
            ("weak family gets at least 1.3x the reviews", ratio is not None and ratio >= 1.3),
            ("total reviews rise by at most 20%", change is not None and change <= 0.20),
            ("weak family ends with higher recall", on_recall is not None
             and off_recall is not None and on_recall > off_recall),
        ]


def default_weak_family(paths: Sequence[Path]) -> str:
    """The family with the most questions (the first such in deck order)."""
    files, problems = decks.check_paths(list(paths))
    if problems:
        raise_deck_problems(problems)
    counts = Counter(q.family for f in files for q in f.questions)
    if not counts:
        raise DeckError(f"{', '.join(map(str, paths))}: no questions to simulate with")
    return counts.most_common(1)[0][0]


def raise_deck_problems(problems: Sequence[object]) -> None:
    raise DeckError("\n".join(str(p) for p in problems))


def _next_card(store: Store, clock: Clock, *,
               previous: Card | None) -> tuple[Card, str] | None:
    items = queueing.next_queue(store, clock, limit=1, previous=previous)
    if items:
        return items[0].card, "drill"
    weak = queueing.ordering_weakness(store, clock, opening.settings(store))
    items = practice_queue(card_reads.load_cards(store), now=clock.now, weakness=weak,
                           limit=1, previous=previous, local=clock.local)
    return (items[0].card, "practice") if items else None


def _luck(plan: SimulationPlan, question_id: str, nth: int) -> tuple[float, float]:
    """The learner's two dice for the nth answer to a question. Both settings roll the same
    dice for the same answer, so their difference comes from adaptivity, not luck."""
    dice = random.Random(f"{plan.seed}:{question_id}:{nth}")
    return dice.random(), dice.random()


def drill_day(store: Store, learner: Learner, plan: SimulationPlan, *, day: int,
              tally: Counter[str]) -> None:
    """One day's drill of `plan.answers` answers, starting at `plan.start` + `day` days."""
    now = plan.start + timedelta(days=day)
    previous: Card | None = None
    for _ in range(plan.answers):
        clock = Clock(now=now, local=UTC)
        picked = _next_card(store, clock, previous=previous)
        if picked is None:
            return
        card, mode = picked
        intent_roll, story_roll = _luck(plan, card.id, tally[card.id])
        intent_ok = intent_roll < learner.chance(card.id, "intent", now)
        story_ok = story_roll < learner.chance(card.id, "story", now)
        grading.grade(store, clock, card.id, intent=Rating.GOOD if intent_ok else Rating.AGAIN,
                      story=grading.StoryAnswer(verdict=story_ok), seconds=plan.seconds,
                      mode=mode, fuzz=False)
        learner.learn(card.id, card.family, "intent", intent_ok, now)
        learner.learn(card.id, card.family, "story", story_ok, now)
        tally[card.id] += 1
        tally[FAMILY + card.family] += 1
        tally[PRACTICE] += mode == "practice"
        previous = card
        now += timedelta(seconds=plan.seconds)


def run(paths: Sequence[Path], model: Learner, plan: SimulationPlan, *, adaptive: bool) -> Arm:
    """One simulated learner over `plan.days` days, in a throwaway collection."""
    learner = model.fresh()

    with tempfile.TemporaryDirectory(prefix="emdrill-sim-") as home:
        store = opening.open_collection(Path(home) / "emdrill.db", now=plan.start,
                                        autoload=False)
        try:
            decks.load_paths(store, list(paths), now=plan.start)
            setting_rows.save_setting(store, "adaptive", "on" if adaptive else "off")
            setting_rows.save_setting(store, "new-per-day", str(plan.new_per_day))
            tally: Counter[str] = Counter()
            for day in range(plan.days):
                drill_day(store, learner, plan, day=day, tally=tally)
            cards = card_reads.load_cards(store)
        finally:
            store.close()
    per_family = Counter({k[len(FAMILY):]: n for k, n in tally.items() if k.startswith(FAMILY)})
    return _summarise(cards, learner, plan, adaptive=adaptive, tally=per_family,
                      practice=tally[PRACTICE])


def _mean_chance(cards: Sequence[Card], learner: Learner,
                 times: Sequence[datetime]) -> dict[str, float | None]:
    """Per family, the learner's mean chance of recalling a seen question's facets at `times`."""
    sums: dict[str, float] = {}
    counts: Counter[str] = Counter()
    for c in cards:
        if not c.is_new:
            chances = [learner.chance(c.id, m, at) for m in FACETS for at in times]
            sums[c.family] = sums.get(c.family, 0.0) + sum(chances) / len(chances)
            counts[c.family] += 1
    return {f: sums[f] / counts[f] if counts[f] else None for f in {c.family for c in cards}}


def _summarise(cards: Sequence[Card], learner: Learner, plan: SimulationPlan, *, adaptive: bool,
               tally: Counter[str], practice: int) -> Arm:
    last = plan.start + timedelta(days=plan.days - 1)
    questions: Counter[str] = Counter(c.family for c in cards)
    seen: Counter[str] = Counter(c.family for c in cards if not c.is_new)
    families = list(questions)
    return Arm(
        adaptive=adaptive,
        reviews={f: float(tally.get(f, 0)) for f in families},
        practice=float(practice),
        questions=dict(questions),
        seen={f: float(seen.get(f, 0)) for f in families},
        recall=_mean_chance(cards, learner, [last + timedelta(days=1, hours=1)]),
        month=_mean_chance(cards, learner,
                           [last + timedelta(days=k, hours=1) for k in range(1, MONTH_DAYS + 1)]),
    )


def compare(paths: Sequence[Path], learner: Learner, plan: SimulationPlan, *, runs: int = 1,
            progress: Callable[[int, bool], None] | None = None) -> Comparison:
    """The same learner and plan with adaptivity on and off, each averaged over `runs`
    seeds (plan.seed, plan.seed + 1, ...). `progress(run, adaptive)` is told before each."""
    arms: dict[bool, list[Arm]] = {True: [], False: []}
    for i in range(runs):
        for adaptive in (True, False):
            if progress is not None:
                progress(i + 1, adaptive)
            arms[adaptive].append(run(paths, learner, replace(plan, seed=plan.seed + i),
                                      adaptive=adaptive))
    return Comparison(learner.weak_family, average(arms[True]), average(arms[False]))
