"""Where memory will stand on the interview morning if the plan is followed, and what
following it costs.

"Followed" means one drill a day at the same hour, every due question answered at the
first drill on or after its due time, due dates leaning towards the interview
(`interview.toward_date`); time counts in study days (`core.timing`). The forecast for a
facet is FSRS retrievability at the interview time of the memory its path ends with; a
question never seen has none (0).

- A seen question follows one path: recalled (rated Good) at every review (`follow`).
- A new question's first days are where the answers go: a first sight is often a guess,
  and each miss brings it back within the drill (FSRS's learning steps) and on the next
  days. `first_days` works that out by simulating the FSRS model as the learner (a first
  sight recalled with the user's own first-sight rate, later answers with the predicted
  recall) over FRESH_SAMPLES seeded runs: the expected answers on each day after a first
  sight, and the memory each run ends each day with.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

from emdrill.core.interview import toward_date
from emdrill.core.scheduler import (
    FacetParameters,
    Memory,
    Parameters,
    Rating,
    new_memory,
    retrievability,
    review,
)

LAPSE_COST = 2.0  # answers a forgotten review adds: the relearning step and a short interval


@dataclass(frozen=True)
class Projection:
    """A question's two facets at the end of the path, the drill days it is answered, and
    the answers each of those days costs on average (a review the user may forget costs
    1 + LAPSE_COST x the chance of forgetting either facet)."""

    intent: Memory
    story: Memory
    days: tuple[int, ...]
    answers: tuple[float, ...] = ()

    def recall(self, at: datetime, parameters: FacetParameters, *,
               local: tzinfo) -> tuple[float, float]:
        return (retrievability(self.intent, at, local=local, parameters=parameters.intent),
                retrievability(self.story, at, local=local, parameters=parameters.story))


@dataclass(frozen=True)
class Path:
    """What the path needs besides the memory: the drills, the date and the scheduling."""

    drills: Sequence[datetime]
    interview: datetime
    retention: float
    target: float
    parameters: FacetParameters
    local: tzinfo = UTC  # whose 04:00 starts a study day


def _good(memory: Memory, at: datetime, path: Path, parameters: Parameters | None) -> Memory:
    after = review(memory, Rating.GOOD, at, local=path.local, retention=path.retention,
                   fuzz=False, parameters=parameters)
    return toward_date(after, interview=path.interview, target=path.target, local=path.local,
                       parameters=parameters)


def follow(intent: Memory, story: Memory, path: Path, *, start: int = 0) -> Projection:
    """The path of a question from drill `start` on (a new question is answered on its
    first drill: that answer is its first sight)."""
    days, answers = [], []
    for day in range(start, len(path.drills)):
        at = path.drills[day]
        dues = [m.due for m in (intent, story) if m.due is not None]
        if dues and min(dues) > at:
            continue
        kept = (retrievability(intent, at, local=path.local, parameters=path.parameters.intent)
                * retrievability(story, at, local=path.local, parameters=path.parameters.story))
        answers.append(1.0 if intent.is_new else 1 + LAPSE_COST * (1 - kept))
        intent = _good(intent, at, path, path.parameters.intent)
        story = _good(story, at, path, path.parameters.story)
        days.append(day)
    return Projection(intent, story, tuple(days), tuple(answers))


def introduce(day: int, path: Path) -> Projection:
    """The path of a question first seen at drill `day`."""
    fresh = new_memory(path.drills[day])
    return follow(fresh, fresh, path, start=day)


@lru_cache(maxsize=32)
def lead_days(answers: int, retention: float, parameters: FacetParameters) -> int:
    """Study days from a question's first sight to its `answers`-th answer (first sight
    included) when it is recalled every time and answered once a day at most."""
    start = datetime(2000, 1, 3, 8, 0, tzinfo=UTC)
    far = Path(drills=[start + timedelta(days=k) for k in range(400)],
               interview=start + timedelta(days=10_000), retention=retention, target=0.0,
               parameters=parameters)
    days = introduce(0, far).days
    return days[min(answers, len(days)) - 1]


# ---------------------------------------------------------------- a new question's first days

FRESH_SAMPLES = 64
MAX_A_DAY = 8  # answers to one question in one drill, at most (a guard, never reached)
EPOCH = datetime(2000, 1, 3, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class FirstDays:
    """What a question first seen on day 0 costs and keeps, over `len(answers)` days."""

    answers: tuple[float, ...]  # expected answers on each day
    ends: tuple[tuple[tuple[Memory, Memory], ...], ...]  # per run, memories after each day

    def recall(self, after: timedelta, parameters: FacetParameters) -> tuple[float, float]:
        """Mean predicted recall `after` the first day's drill began (over the runs), from
        the memories after the last drill before that moment."""
        day = min(len(self.answers), math.ceil(after / timedelta(days=1))) - 1
        if day < 0:
            return (0.0, 0.0)
        at = EPOCH + after
        pairs = [(retrievability(i, at, local=UTC, parameters=parameters.intent),
                  retrievability(s, at, local=UTC, parameters=parameters.story))
                 for i, s in (run[day] for run in self.ends)]
        return (sum(p[0] for p in pairs) / len(pairs), sum(p[1] for p in pairs) / len(pairs))


@lru_cache(maxsize=16)
def first_days(days: int, *, minutes: float, first_sight: tuple[float, float],
               retention: float, parameters: FacetParameters) -> FirstDays:
    """Expected answers per day after a first sight on day 0 (at a random moment of a
    `minutes`-long drill), and each run's memories after each day; see the module doc."""
    totals = [0.0] * days
    ends = []
    for sample in range(FRESH_SAMPLES):
        dice = random.Random(sample)
        memories = [new_memory(EPOCH), new_memory(EPOCH)]
        at = EPOCH + timedelta(minutes=dice.random() * minutes)
        run = []
        for day in range(days):
            start = EPOCH + timedelta(days=day)
            at = max(at, start)
            for _ in range(MAX_A_DAY):
                due = min(m.due or at for m in memories)
                at = max(at, due)
                if at > start + timedelta(minutes=minutes):
                    break
                memories = [_answer(m, at, dice, first, retention, params) for m, first, params
                            in zip(memories, first_sight, (parameters.intent, parameters.story),
                                   strict=True)]
                totals[day] += 1 / FRESH_SAMPLES
            run.append((memories[0], memories[1]))
        ends.append(tuple(run))
    return FirstDays(tuple(totals), tuple(ends))


def _answer(memory: Memory, at: datetime, dice: random.Random, first_sight: float,
            retention: float, parameters: Parameters | None) -> Memory:
    chance = (first_sight if memory.is_new
              else retrievability(memory, at, local=UTC, parameters=parameters))
    rating = Rating.GOOD if dice.random() < chance else Rating.AGAIN
    return review(memory, rating, at, local=UTC, retention=retention, fuzz=False,
                  parameters=parameters)
