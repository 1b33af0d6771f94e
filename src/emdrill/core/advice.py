"""Turning numbers into a next step: the weakest family in plain words, and the backlog.

Pure functions of counts the store gathered. The home screen and the drill and commute
summaries show what `outlook` returns.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from emdrill.core.cards import Slot, is_slot
from emdrill.core.weakness import WEAK_AT

DEFAULT_SECONDS = 20.0  # assumed time per answer before the user has any timed answers
PACE_ANSWERS = 100  # the pace is the mean over this many latest answers
WEEK_DAYS = 7


@dataclass(frozen=True)
class Backlog:
    """How much is due, and how many drills of the user's length clear it at their pace."""

    due: int
    minutes: int
    per_drill: int  # answers in one drill at the user's pace
    measured: bool  # False: no timed answers yet, DEFAULT_SECONDS was assumed

    @property
    def drills(self) -> int:
        return math.ceil(self.due / self.per_drill) if self.due else 0


@dataclass(frozen=True)
class Pace:
    """The user's pace: the home screen's "answers a drill" and the interview plan's minutes
    both come from it, so they never disagree."""

    seconds: float  # a mean answer
    measured: bool  # False: no timed answers yet, DEFAULT_SECONDS was assumed

    def per_drill(self, minutes: int) -> int:
        """Answers in a drill of `minutes`."""
        return max(1, int(minutes * 60 // max(self.seconds, 1.0)))

    @property
    def per_minute(self) -> float:
        return 60 / max(self.seconds, 1.0)


def pace_of(found: tuple[float, int] | None) -> Pace:
    """The pace from (mean seconds, answers) over the latest timed answers, if any."""
    return Pace(found[0], True) if found is not None else Pace(DEFAULT_SECONDS, False)


def backlog(due: int, *, minutes: int, pace: tuple[float, int] | None) -> Backlog:
    found = pace_of(pace)
    return Backlog(due, minutes, found.per_drill(minutes), found.measured)


@dataclass(frozen=True)
class Weakest:
    """The family to work on, the evidence for it, and the story gap that hurts it most."""

    family: str
    name: str
    answers: int  # answers this week
    right: int  # of those, with intent and story both right
    weakness: float
    slot: Slot | None  # the slot most of its questions rely on that has no story yet
    slot_questions: int  # how many of its questions rely on that slot
    confused: tuple[str, str] | None = None  # the pair behind most of its misses (ids)


def weakest(
    weakness: Mapping[str, float],
    *,
    names: Mapping[str, str],
    week: Mapping[str, tuple[int, int]],
    stories: Mapping[str, Mapping[int, int]],
    covered: Collection[int],
    slots: Mapping[int, Slot],
) -> Weakest | None:
    """The weakest family answered this week, if it is weak (WEAK_AT) and did no better this
    week than the rest; None when no family stands out. `stories` counts each family's
    active questions per primary story slot; `covered` is the slots the user has a story for.
    The confused pair behind most of its misses is added by `confused_pair`.
    """
    answered = [f for f, w in weakness.items() if w >= WEAK_AT and week.get(f, (0, 0))[0]]
    if not answered:
        return None
    family = max(answered, key=lambda f: weakness[f])
    answers, right = week[family]
    rest = [week[f] for f in week if f != family]
    rest_answers = sum(n for n, _ in rest)
    if rest_answers and right / answers > sum(r for _, r in rest) / rest_answers:
        return None  # weak by its decayed score, but doing better than the rest this week
    gaps = Counter({slot: n for slot, n in stories.get(family, {}).items()
                    if is_slot(slot) and slot not in covered})  # a system answer needs none
    slot, count = gaps.most_common(1)[0] if gaps else (None, 0)
    chosen = None if slot is None else slots.get(slot, Slot(slot, ""))  # no deck names it
    return Weakest(family, names.get(family, family), answers, right, weakness[family],
                   chosen, count)


def confused_pair(missed: int, misses: Mapping[str, int],
                  pairs: Sequence[tuple[str, str]]) -> tuple[str, str] | None:
    """The open confusion whose two questions hold most of a family's `missed` answers this
    week (at least half of them, and more than one), or None."""
    ordered = sorted({tuple(sorted(p)) for p in pairs})  # either way round, one pair
    best = max(ordered, key=lambda p: misses.get(p[0], 0) + misses.get(p[1], 0), default=None)
    if best is None:
        return None
    held = misses.get(best[0], 0) + misses.get(best[1], 0)
    return (best[0], best[1]) if held >= 2 and 2 * held >= missed else None


@dataclass(frozen=True)
class BacklogOutlook:
    backlog: Backlog
    weakest: Weakest | None
