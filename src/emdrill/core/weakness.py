"""Family weakness: which question families the user keeps missing lately.

Formula (explained in docs/weakness.md):
  an outcome is a recall test: a facet that had been reviewed before, at least MIN_GAP_HOURS
  earlier (first sights and retries within a drill say little about memory); it is a miss
  when rated Again. A review t days old weighs w = 0.5 ** (t / HALF_LIFE_DAYS); the store
  keeps these weighted sums per family up to date on every review (`Tally`). For family f
  with weighted misses m_f over weighted tests n_f, and the user's overall weighted miss rate
  p (smoothed toward BASE_MISS_RATE),
      rate_f     = (m_f + PRIOR * p) / (n_f + PRIOR)
      weakness_f = rate_f - p            (0 = neutral, > 0 weaker than the user's norm)
  desired retention_f = clamp(r + GAIN * weakness_f, r - BELOW, min(r + ABOVE, CEILING)).
  Once retention_f is at least half way up the band, the family is clearly weak: a lapse is
  retried after RELEARN_WEAK (within the same drill) instead of FSRS's 10-minute step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_GAP_HOURS = 1.0
HALF_LIFE_DAYS = 14.0
PRIOR = 300.0
BASE_MISS_RATE = 0.10
GAIN = 4.0
ABOVE = 0.05
BELOW = 0.03
CEILING = 0.97
RELEARN_WEAK = timedelta(minutes=1)


@dataclass(frozen=True)
class Bucket:
    """Aggregated outcomes of one family's reviews of one age (whole days)."""

    family: str
    age_days: int
    facets: int  # recall tests: facets reviewed before, at least MIN_GAP_HOURS earlier
    misses: int  # those of them rated Again


def decay(age_days: float) -> float:
    return float(0.5 ** (max(0.0, age_days) / HALF_LIFE_DAYS))


def scores(buckets: Iterable[Bucket], families: Iterable[str]) -> dict[str, float]:
    """Weakness per family from aggregated review outcomes; families with no data are 0."""
    misses: dict[str, float] = {}
    weight: dict[str, float] = {}
    for b in buckets:
        w = decay(b.age_days)
        misses[b.family] = misses.get(b.family, 0.0) + w * b.misses
        weight[b.family] = weight.get(b.family, 0.0) + w * b.facets
    return weighted_scores(misses, weight, families)


def weighted_scores(misses: Mapping[str, float], weight: Mapping[str, float],
                    families: Iterable[str]) -> dict[str, float]:
    """The formula itself: decayed misses and recall tests per family -> weakness."""
    overall = (sum(misses.values()) + PRIOR * BASE_MISS_RATE) / (sum(weight.values()) + PRIOR)
    result: dict[str, float] = {}
    for family in families:
        m, n = misses.get(family, 0.0), weight.get(family, 0.0)
        rate = (m + PRIOR * overall) / (n + PRIOR)
        result[family] = rate - overall
    return result


# ---------------------------------------------------------------- kept as running sums
# The store keeps one Tally per family and updates it on every review and undo, so reading
# weakness costs one row per family instead of a scan of the history.


def is_recall_test(previous_review: datetime | None, at: datetime) -> bool:
    """A facet reviewed before, at least MIN_GAP_HOURS earlier (see the module docstring)."""
    return previous_review is not None and at - previous_review >= timedelta(hours=MIN_GAP_HOURS)


def outcome(previous_review: datetime | None, at: datetime,
            rating: int | None) -> tuple[int, int]:
    """(recall tests, misses) one facet's review adds: (0, 0), (1, 0) or (1, 1). A facet
    left ungraded (a review made in Anki grades one) adds nothing."""
    if rating is None or not is_recall_test(previous_review, at):
        return (0, 0)
    return (1, 1 if rating == 1 else 0)


@dataclass(frozen=True)
class Tally:
    """Decayed recall tests and misses of one family, as weighed at the moment `as_of`."""

    tests: float
    misses: float
    as_of: datetime

    def at(self, now: datetime) -> tuple[float, float]:
        """(tests, misses) as weighed at `now`."""
        factor = decay_between(self.as_of, now)
        return self.tests * factor, self.misses * factor

    def add(self, when: datetime, *, tests: float, misses: float) -> Tally:
        """Count an outcome that happened at `when` (negative counts take one back)."""
        if when >= self.as_of:
            kept_tests, kept_misses = self.at(when)
            return Tally(max(0.0, kept_tests + tests), max(0.0, kept_misses + misses), when)
        factor = decay_between(when, self.as_of)
        return Tally(max(0.0, self.tests + tests * factor),
                     max(0.0, self.misses + misses * factor), self.as_of)


def decay_between(earlier: datetime, later: datetime) -> float:
    return decay((later - earlier).total_seconds() / 86400)


def tally_scores(tallies: Mapping[str, Tally], families: Iterable[str],
                 now: datetime) -> dict[str, float]:
    """Weakness per family from the running sums, weighed at `now`."""
    weighed = {family: t.at(now) for family, t in tallies.items()}
    return weighted_scores({f: m for f, (_n, m) in weighed.items()},
                           {f: n for f, (n, _m) in weighed.items()}, families)


def retention(base: float, weakness: float) -> float:
    """Desired retention for a family: moves with weakness inside a bounded band."""
    high = min(base + ABOVE, CEILING)
    low = base - BELOW
    return max(low, min(high, base + GAIN * weakness))


def retentions(weak: Mapping[str, float], base: float) -> dict[str, float]:
    return {family: retention(base, w) for family, w in weak.items()}


@dataclass(frozen=True)
class Schedule:
    """How one family is scheduled right now."""

    retention: float
    relearn: timedelta | None = None  # None: FSRS's default relearning step


def schedule(base: float, weakness: float) -> Schedule:
    """Desired retention from the band; and once a family is clearly weak (its retention
    raised at least half way up the band), a lapse is retried within the same drill."""
    target = retention(base, weakness)
    clearly_weak = target - base >= (min(base + ABOVE, CEILING) - base) / 2
    return Schedule(target, RELEARN_WEAK if clearly_weak and target > base else None)
