"""Family weakness: which question families the user keeps missing lately.

Formula (explained in docs/weakness.md):
  an outcome is a recall test: a facet that had been reviewed before, at least MIN_GAP_HOURS
  earlier (first sights and retries within a drill say little about memory); it is a miss
  when rated Again. A review t days old weighs w = 0.5 ** (t / HALF_LIFE_DAYS). For family f
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
from datetime import timedelta

MIN_GAP_HOURS = 1.0
HALF_LIFE_DAYS = 14.0
WINDOW_DAYS = 90
PRIOR = 300.0
BASE_MISS_RATE = 0.10
GAIN = 4.0
ABOVE = 0.05
BELOW = 0.03
CEILING = 0.97
RELEARN_WEAK = timedelta(minutes=1)
WEAK_AT = 0.02  # from this weakness on a family is called weak: named on screens, widened


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
    overall = (sum(misses.values()) + PRIOR * BASE_MISS_RATE) / (sum(weight.values()) + PRIOR)
    result: dict[str, float] = {}
    for family in families:
        m, n = misses.get(family, 0.0), weight.get(family, 0.0)
        rate = (m + PRIOR * overall) / (n + PRIOR)
        result[family] = rate - overall
    return result


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
