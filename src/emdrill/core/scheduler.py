"""Memory states and ratings. The only module that imports `fsrs`.

A `Memory` is one facet's FSRS state as plain data; reviewing returns a new one.
`parameters` (FSRS weights fitted to the user, `None` for the defaults) can be given to
every function that schedules or predicts.

Elapsed time is counted in study days (`core.timing`: a day starts at 04:00 local), as Anki
and the FSRS optimiser count it, never in 24-hour periods: a review made at 08:30 the day after
one made at 09:30 is one day later. py-fsrs reads elapsed time as `(now - last_review).days`,
so it is handed a card whose last review is moved to exactly that many days before `now`
(the only thing py-fsrs reads `last_review` for). A review-state due date is the start of its
study day, so a question due "in 2 days" is due all of that day, morning included. Learning
steps stay in minutes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from enum import IntEnum
from functools import lru_cache

import fsrs

from emdrill.core.timing import study_day, study_day_start, study_days_between

Parameters = tuple[float, ...]
DEFAULT_PARAMETERS: Parameters = tuple(float(w) for w in fsrs.scheduler.DEFAULT_PARAMETERS)


class Rating(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Rating:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"'{text}' is not one of again, hard, good, easy") from None


LEARNING, REVIEW, RELEARNING = 1, 2, 3


@dataclass(frozen=True)
class Memory:
    """One facet's memory: FSRS state, learning step, stability, difficulty, due, last review."""

    state: int = LEARNING
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None

    @property
    def is_new(self) -> bool:
        return self.last_review is None

    def interval_days(self) -> float | None:
        if self.due is None or self.last_review is None:
            return None
        return (self.due - self.last_review).total_seconds() / 86400


def new_memory(now: datetime) -> Memory:
    return Memory(due=_utc(now))


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the scheduler")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class FacetParameters:
    """The FSRS parameters in force for each facet; `None` means the defaults."""

    intent: Parameters | None = None
    story: Parameters | None = None

    def of(self, facet: str) -> Parameters | None:
        return self.intent if facet == "intent" else self.story


NO_FIT = FacetParameters()  # FSRS's default parameters for both facets


def check_parameters(values: Sequence[float]) -> Parameters:
    """The values as parameters this scheduler accepts; ValueError when they are not."""
    chosen = tuple(float(v) for v in values)
    fsrs.Scheduler(parameters=chosen)  # validates the count and every bound
    return chosen


@lru_cache(maxsize=64)
def _scheduler(retention: float, fuzz: bool, relearn: timedelta | None = None,
               parameters: Parameters | None = None) -> fsrs.Scheduler:
    weights = parameters or DEFAULT_PARAMETERS
    if relearn is None:
        return fsrs.Scheduler(weights, desired_retention=retention, enable_fuzzing=fuzz)
    return fsrs.Scheduler(weights, desired_retention=retention, enable_fuzzing=fuzz,
                          relearning_steps=(relearn,))


def seed(value: int) -> None:
    """Make fuzzing repeatable; fsrs draws its fuzz from the `random` module."""
    random.seed(value)


def _to_card(memory: Memory, card_id: int, now: datetime) -> fsrs.Card:
    return fsrs.Card(
        card_id=card_id,
        state=fsrs.State(memory.state),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due or now,
        last_review=memory.last_review,
    )


def _from_card(card: fsrs.Card) -> Memory:
    return Memory(
        state=int(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=_utc(card.due),
        last_review=_utc(card.last_review) if card.last_review else None,
    )


def review(
    memory: Memory,
    rating: Rating,
    now: datetime,
    *,
    local: tzinfo,
    retention: float = 0.9,
    fuzz: bool = True,
    card_id: int = 1,
    relearn: timedelta | None = None,
    parameters: Parameters | None = None,
) -> Memory:
    """The memory after grading `rating` at `now`; the input is left untouched.

    `relearn` replaces FSRS's default relearning step (10 minutes) after a lapse; `local` is
    the zone whose 04:00 starts a study day."""
    at = _utc(now)
    given = _to_card(memory, card_id, at)
    if memory.last_review is not None:
        given.last_review = at - timedelta(days=study_days_between(memory.last_review, at,
                                                                   local))
    card, _log = _scheduler(round(retention, 4), fuzz, relearn, parameters).review_card(
        given, fsrs.Rating(int(rating)), review_datetime=at
    )
    after = _from_card(card)
    if after.state == REVIEW and after.due is not None and after.due - at >= timedelta(hours=23):
        days = round((after.due - at) / timedelta(days=1))
        after = replace(after, due=study_day_start(study_day(at, local) + days, local))
    return after


def preview(
    memory: Memory, now: datetime, *, local: tzinfo, retention: float = 0.9, card_id: int = 1,
    relearn: timedelta | None = None, parameters: Parameters | None = None,
) -> dict[Rating, Memory]:
    """What each rating would give, without fuzz (for labelling keys with intervals)."""
    return {
        rating: review(memory, rating, now, local=local, retention=retention, fuzz=False,
                       card_id=card_id, relearn=relearn, parameters=parameters)
        for rating in Rating
    }


def memory_after(reviews: Sequence[tuple[datetime, Rating]], *, local: tzinfo,
                 parameters: Parameters | None = None) -> tuple[float, float] | None:
    """(stability, difficulty) after `reviews` (oldest first), replayed from a new memory:
    what FSRS's memory state is for that history under the study-day count. None when
    there are no reviews."""
    memory: Memory | None = None
    for at, rating in reviews:
        memory = review(memory or new_memory(at), rating, at, local=local, fuzz=False,
                        parameters=parameters)
    if memory is None or memory.stability is None or memory.difficulty is None:
        return None
    return memory.stability, memory.difficulty


def retrievability(memory: Memory, now: datetime, *, local: tzinfo,
                   parameters: Parameters | None = None) -> float:
    """Chance of recall now (0 for a facet never reviewed).

    FSRS's forgetting curve in closed form, with the curve's constants read once per set of
    parameters: the same figure as `Scheduler.get_card_retrievability` without building a
    `Card` per facet, which matters when stats reads ten thousand of them."""
    return recall_at(memory.stability, memory.last_review, now, local=local,
                     parameters=parameters)


def recall_at(stability: float | None, last_review: datetime | None, now: datetime, *,
              local: tzinfo, parameters: Parameters | None = None) -> float:
    """Retrievability from the two numbers it depends on (0 for a facet never reviewed),
    the study days between them counting as elapsed time."""
    if last_review is None:
        return 0.0
    return recall_after(stability, study_days_between(last_review, _utc(now), local),
                        parameters=parameters)


def recall_after(stability: float | None, days: int | None, *,
                 parameters: Parameters | None = None) -> float:
    """Retrievability `days` study days after a review (0 for a facet never reviewed)."""
    if stability is None or days is None:
        return 0.0
    decay, factor = _curve(parameters)
    return float((1 + factor * days / stability) ** decay)


def days_until_recall(memory: Memory, target: float, *,
                      parameters: Parameters | None = None) -> float:
    """Days after the last review at which the chance of recall falls to `target` (FSRS's
    forgetting curve solved for time; 0 for a facet never reviewed)."""
    if memory.last_review is None or memory.stability is None:
        return 0.0
    decay, factor = _curve(parameters)
    return float(memory.stability / factor * (target ** (1 / decay) - 1))


@lru_cache(maxsize=8)
def _curve(parameters: Parameters | None = None) -> tuple[float, float]:
    decay = -float((parameters or DEFAULT_PARAMETERS)[20])
    return decay, 0.9 ** (1 / decay) - 1


# ---------------------------------------------------------------------------
# The story facet's rating rule.
# ---------------------------------------------------------------------------


def story_rating(named: int | None, *, primary: int, also: tuple[int, ...] = ()) -> Rating:
    """Primary slot -> Good, an acceptable alternate -> Hard, anything else or unsure -> Again."""
    if named == primary:
        return Rating.GOOD
    if named is not None and named in also:
        return Rating.HARD
    return Rating.AGAIN


def story_verdict_rating(right: bool) -> Rating:
    """When the user self-grades the story instead of naming a slot."""
    return Rating.GOOD if right else Rating.AGAIN


def with_due(memory: Memory, due: datetime) -> Memory:
    return replace(memory, due=_utc(due))
