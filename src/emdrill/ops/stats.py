"""What `stats` and `shaky` report, read from the store (the arithmetic is `core.stats`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from emdrill.core import weakness
from emdrill.core.errors import InputError
from emdrill.core.mock import RehearsalStats, rehearsal_stats
from emdrill.core.scheduler import NO_FIT
from emdrill.core.stats import (
    FORECAST_DAYS,
    LAPSE_DAYS,
    PERIOD_DAYS,
    RECENT_DAYS,
    RECENT_TESTS,
    RETENTION_PERIODS,
    Period,
    Recent,
    Shaky,
    ShakyFamily,
    StatsReport,
    Window,
    day_series,
    family_stats,
    forecast,
    periods,
    rank_families,
    rank_questions,
    recent_rank,
    retention_table,
)
from emdrill.core.timing import Clock, day_shift_seconds
from emdrill.ops import decode, home_status, opening, optimize, set_aside
from emdrill.ops.weakness import family_weakness
from emdrill.store import decks as store_decks
from emdrill.store import practice as store_practice
from emdrill.store import stats as store_stats
from emdrill.store.db import Store


def _weakness_and_retention(store: Store, clock: Clock, *, adaptive: bool,
                            base: float) -> tuple[dict[str, float], dict[str, float]]:
    scores = family_weakness(store, clock)
    chosen = weakness.retentions(scores, base) if adaptive else {}
    return scores, chosen


def _family_names(store: Store) -> list[tuple[str, str]]:
    """(slug, name) of every family, in the order the decks define them."""
    return [(f.slug, f.name) for f in store_decks.families(store)]

def report(store: Store, clock: Clock) -> StatsReport:
    """Everything `emdrill stats` shows."""
    prefs = opening.settings(store)
    win = Window.of(clock)
    scores, chosen = _weakness_and_retention(store, clock, adaptive=prefs.adaptive,
                                             base=prefs.retention)
    recent, previous = periods(store_stats.family_periods(
        store, split=win.month_start, since=win.before_start,
        offset_minutes=win.offset_minutes))
    families = family_stats(
        _family_names(store), counts=store_stats.family_counts(store),
        recent=recent, previous=previous,
        recall=store_stats.recall_by_family(store, clock.now, optimize.in_force(store),
                                            shift=day_shift_seconds(win.offset_minutes)),
        weakness=scores, retention=chosen, base_retention=prefs.retention,
    )
    heat_days = (win.today - win.heat_start).days
    return StatsReport(
        today=win.today, total_reviews=store_stats.total_reviews(store),
        adaptive=prefs.adaptive, retention_setting=prefs.retention, families=families,
        retention=retention_table(store_stats.retention_counts(
            store, bounds=[win.days_back(days - 1) for _label, days in RETENTION_PERIODS],
            offset_minutes=win.offset_minutes)),
        forecast=forecast(store_stats.due_per_day(
            store, until=win.days_back(-FORECAST_DAYS), offset_minutes=win.offset_minutes),
            today=win.today),
        heatmap=day_series(store_stats.reviews_per_day(
            store, since=win.days_back(heat_days), offset_minutes=win.offset_minutes),
            start=win.heat_start, days=heat_days + 1),
        streak=home_status.current_streak(store, clock),
        recent=sum(recent.values(), Period()), previous=sum(previous.values(), Period()),
        rehearsal=rehearsals(store, clock),
        set_aside=set_aside.counts(store, clock.now),
    )


def rehearsals(store: Store, clock: Clock) -> RehearsalStats:
    """Mock rehearsals per family, the median answer against the target, each check's pass
    rate over the last 30 days against the 30 before (and of all time). Read here, not in
    `ops/mock`, which writes rehearsals through the table models: `stats` never loads them."""
    split = clock.day_start() - timedelta(days=PERIOD_DAYS - 1)
    return rehearsal_stats(store_practice.rehearsals(store),
                           target=opening.settings(store).mock_target, split=split,
                           since=split - timedelta(days=PERIOD_DAYS))


def shaky(store: Store, clock: Clock, *, family: str | None = None, limit: int = 10) -> Shaky:
    """Families by weakness, then the shakiest seen questions (of one family if given)."""
    prefs = opening.settings(store)
    names = _family_names(store)
    if family is not None and family not in dict(names):
        known = ", ".join(slug for slug, _ in names) or "none loaded"
        raise InputError(f"unknown family '{family}' (known: {known})")
    scores, chosen = _weakness_and_retention(store, clock, adaptive=prefs.adaptive,
                                             base=prefs.retention)
    counts = store_stats.family_counts(store)
    families = rank_families(
        ShakyFamily(slug, name, scores.get(slug, 0.0), chosen.get(slug, prefs.retention),
                    *counts.get(slug, (0, 0, 0))[:2])
        for slug, name in names if family is None or slug == family
    )
    # Questions missed lately rank first, the rest by recall: the `limit` most missed and
    # the `limit` shakiest others are all that can make the list, at any size.
    since = clock.now - timedelta(days=RECENT_DAYS)
    missed = _most_missed(store, since=since, family=family, limit=limit)
    params = optimize.in_force(store)
    # SQL finds the shakiest by days over stability, which orders recall only while both
    # facets share one forgetting curve; with personal parameters, rank every seen one.
    window = limit + len(missed) if params == NO_FIT else None
    others = [] if len(missed) >= limit else store_stats.seen_questions(
        store, family=family, shakiest=window, now=clock.now,
        shift=day_shift_seconds(clock.utc_offset_minutes()))
    candidates = {q.id: q for q in [
        *store_stats.seen_questions(store, family=family, ids=list(missed)), *others]}
    tested = {**store_stats.recent_tests(store, [q.id for q in others if q.id not in missed],
                                         since=since, last=RECENT_TESTS), **missed}
    questions = rank_questions(
        sorted(candidates.values(), key=lambda q: q.position), now=clock.now,
        lapses=store_stats.recent_lapses(store, since=clock.now - timedelta(days=LAPSE_DAYS),
                                         ids=list(candidates)),
        slot_names=store_stats.slot_names(store),
        recent={q: Recent(n, m, at) for q, (n, m, at) in tested.items()},
        parameters=params, local=clock.local,
    )
    pairs = [c for c in decode.confusions(store, limit=limit)
             if family is None or family in (c.question.family, c.mistaken_for.family)]
    leeches = [q for q in set_aside.leeches(store) if family in (None, q.family)]
    return Shaky(prefs.adaptive, families, questions[:limit], pairs, leeches)


CHUNK = 64  # questions whose latest tests `_most_missed` reads at a time


def _most_missed(store: Store, *, since: datetime, family: str | None, limit: int,
                 ) -> dict[str, tuple[int, int, datetime | None]]:
    """Every question that can rank among the `limit` most missed lately (misses among the
    latest RECENT_TESTS tests since `since`), with its figures, without reading every
    question's tests. A question missed no more often than it was rated Again, and no later
    than its latest Again: that bounds its rank, so questions are read best bound first
    until the rest cannot reach the `limit`-th."""
    bounds = store_stats.miss_bounds(store, since=since, family=family)
    ceiling = {q: recent_rank(Recent(min(n, RECENT_TESTS), min(n, RECENT_TESTS), at))
               for q, (n, at) in bounds.items()}
    pending = sorted(ceiling, key=lambda q: ceiling[q], reverse=True)
    found: dict[str, tuple[int, int, datetime | None]] = {}
    for start in range(0, len(pending), CHUNK):
        tested = store_stats.recent_tests(store, pending[start:start + CHUNK], since=since,
                                          last=RECENT_TESTS)
        found.update((q, v) for q, v in tested.items() if v[1])
        ranks = sorted((recent_rank(Recent(*v)) for v in found.values()), reverse=True)
        rest = start + CHUNK
        if rest < len(pending) and len(ranks) >= limit \
                and ranks[limit - 1] > ceiling[pending[rest]]:
            break
    return found
