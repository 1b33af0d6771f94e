"""What `stats` and `shaky` report. Pure functions of aggregated rows and an explicit `now`.

SQL does the counting (store_stats.py); this module turns counts into rates, tables and
rankings. The two store-backed entry points at the bottom, `report` and `shaky`, make the
queries and hand the rows to the pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from emdrill.core.cards import SYSTEM_ANSWER, SYSTEM_ANSWER_NAME
from emdrill.core.decode import Confusion
from emdrill.core.mock import RehearsalStats
from emdrill.core.scheduler import NO_FIT, FacetParameters, Memory, retrievability

if TYPE_CHECKING:
    from emdrill.core.timing import Clock

PERIOD_DAYS = 30  # "last 30 days" and "the 30 days before" for recall and trend
MATURE_DAYS = 21  # a facet is mature when its interval before the review was at least this
FORECAST_DAYS = 7
HEATMAP_WEEKS = 12
LAPSE_DAYS = 7  # shaky: lapses counted for `lapses_7d`
RECENT_TESTS = 4  # shaky ranks questions by misses among this many latest recall tests...
RECENT_DAYS = 30  # ...taken within this many days
RETENTION_PERIODS = (("today", 1), ("week", 7), ("month", 30))  # label, study days


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Period:
    """Review outcomes over a stretch of days. A lapse is a recall test rated Again: a facet
    reviewed before, at least an hour earlier (weakness.MIN_GAP_HOURS), then forgotten."""

    reviews: int = 0
    intent_passes: int = 0
    story_passes: int = 0
    lapses: int = 0
    intent_graded: int = 0  # reviews that graded the intent (an Anki review grades one facet)
    story_graded: int = 0
    tests: int = 0  # recall tests: intent and story count one each, as weakness counts them

    @property
    def missed(self) -> int:
        """Recall tests missed: the lapses."""
        return self.lapses

    @property
    def intent_recall(self) -> float | None:
        return ratio(self.intent_passes, self.intent_graded)

    @property
    def story_accuracy(self) -> float | None:
        return ratio(self.story_passes, self.story_graded)

    def __add__(self, other: Period) -> Period:
        return Period(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


@dataclass(frozen=True)
class SeenQuestion:
    """A question reviewed at least once, with both facets' memory."""

    id: str
    family: str
    text: str
    intent_line: str
    slot: int
    intent: Memory
    story: Memory
    position: int = 0  # deck order, which breaks ties

    def recall(self, now: datetime, parameters: FacetParameters = NO_FIT, *,
               local: tzinfo = UTC) -> tuple[float, float]:
        """Each facet's chance of recall now, under the FSRS parameters in force."""
        return (retrievability(self.intent, now, local=local, parameters=parameters.intent),
                retrievability(self.story, now, local=local, parameters=parameters.story))


@dataclass(frozen=True)
class FamilyStats:
    family: str
    name: str
    questions: int
    seen: int
    reviews: int
    recent: Period
    previous: Period
    intent_retrievability: float | None
    story_retrievability: float | None
    weakness: float
    desired_retention: float


@dataclass(frozen=True)
class Passes:
    passed: int = 0
    total: int = 0

    @property
    def rate(self) -> float | None:
        return ratio(self.passed, self.total)

    def __add__(self, other: Passes) -> Passes:
        return Passes(self.passed + other.passed, self.total + other.total)


@dataclass(frozen=True)
class RetentionRow:
    """True retention over one period: pass rate of facets that were not new."""

    label: str
    young: Passes
    mature: Passes

    @property
    def all(self) -> Passes:
        return self.young + self.mature


@dataclass(frozen=True)
class StatsReport:
    today: date
    total_reviews: int
    adaptive: bool
    retention_setting: float
    families: list[FamilyStats]
    retention: list[RetentionRow]
    forecast: list[tuple[date, int]]
    heatmap: list[tuple[date, int]]
    streak: int
    recent: Period = field(default_factory=Period)
    previous: Period = field(default_factory=Period)
    rehearsal: RehearsalStats | None = None  # mock interviews
    set_aside: SetAsideCounts | None = None


# ---------------------------------------------------------------- pure pieces


def periods(rows: Iterable[tuple[str, bool, int, int, int, int, int, int, int]],
            ) -> tuple[dict[str, Period], dict[str, Period]]:
    """Split store rows into (recent, previous) periods per family."""
    recent: dict[str, Period] = {}
    previous: dict[str, Period] = {}
    for family, is_recent, *counts in rows:
        (recent if is_recent else previous)[family] = Period(*counts)
    return recent, previous


def retention_table(rows: Iterable[tuple[int, bool, int, int]]) -> list[RetentionRow]:
    """Cumulative rows: period 0 is today, 1 the rest of the week, 2 the rest of the month."""
    young = [Passes() for _ in RETENTION_PERIODS]
    mature = [Passes() for _ in RETENTION_PERIODS]
    for period, is_mature, passed, total in rows:
        for i in range(period, len(RETENTION_PERIODS)):
            target = mature if is_mature else young
            target[i] = target[i] + Passes(passed, total)
    return [RetentionRow(label, young[i], mature[i])
            for i, (label, _days) in enumerate(RETENTION_PERIODS)]


def day_series(counts: Mapping[str, int], *, start: date, days: int) -> list[tuple[date, int]]:
    return [(start + timedelta(days=i), counts.get((start + timedelta(days=i)).isoformat(), 0))
            for i in range(days)]


def forecast(counts: Mapping[str, int], *, today: date,
             days: int = FORECAST_DAYS) -> list[tuple[date, int]]:
    """Questions due per study day from today; today also holds everything overdue."""
    overdue = sum(n for key, n in counts.items() if key < today.isoformat())
    series = day_series(counts, start=today, days=days)
    return [(series[0][0], series[0][1] + overdue), *series[1:]]


def heatmap_start(today: date, weeks: int = HEATMAP_WEEKS) -> date:
    """The Monday that starts a calendar of `weeks` weeks ending with today's week."""
    return today - timedelta(days=today.weekday() + 7 * (weeks - 1))


def family_stats(
    names: Sequence[tuple[str, str]],
    *,
    counts: Mapping[str, tuple[int, int, int]],
    recent: Mapping[str, Period],
    previous: Mapping[str, Period],
    recall: Mapping[str, tuple[float, float]],
    weakness: Mapping[str, float],
    retention: Mapping[str, float],
    base_retention: float,
) -> list[FamilyStats]:
    result = []
    for slug, name in names:
        questions, seen, reviews = counts.get(slug, (0, 0, 0))
        intent_r, story_r = recall.get(slug, (None, None))
        result.append(FamilyStats(
            family=slug, name=name, questions=questions, seen=seen, reviews=reviews,
            recent=recent.get(slug, Period()), previous=previous.get(slug, Period()),
            intent_retrievability=intent_r, story_retrievability=story_r,
            weakness=weakness.get(slug, 0.0),
            desired_retention=retention.get(slug, base_retention),
        ))
    return result


# ---------------------------------------------------------------- shaky


@dataclass(frozen=True)
class Recent:
    """A question's latest recall tests (at most RECENT_TESTS within RECENT_DAYS)."""

    tests: int = 0
    misses: int = 0
    last_miss: datetime | None = None


def recent_rank(r: Recent) -> tuple[int, float, float]:
    """Where a question missed lately ranks in `shaky`, larger first: the most misses, then
    the larger share of its tests, then the latest miss."""
    return (r.misses, r.misses / r.tests if r.tests else 0.0,
            r.last_miss.timestamp() if r.last_miss is not None else 0.0)


@dataclass(frozen=True)
class ShakyQuestion:
    question: SeenQuestion
    slot_name: str
    intent_retrievability: float
    story_retrievability: float
    lapses: int  # lapses within LAPSE_DAYS
    last_lapse: datetime | None
    recent: Recent = Recent()


@dataclass(frozen=True)
class ShakyFamily:
    family: str
    name: str
    weakness: float
    desired_retention: float
    questions: int
    seen: int


@dataclass(frozen=True)
class Leech:
    """A question lapsed `leech-lapses` times on one facet (docs/set-aside.md)."""

    id: str
    family: str
    intent_lapses: int
    story_lapses: int
    suspended: bool  # set aside by the user already


@dataclass(frozen=True)
class SetAsideCounts:
    """Questions still in their decks that are out of play, and the leeches among all."""

    suspended: int  # by the user
    buried: int  # until the next study day
    leeches: int


@dataclass(frozen=True)
class Shaky:
    adaptive: bool
    families: list[ShakyFamily]
    questions: list[ShakyQuestion]
    confusions: list[Confusion] = field(default_factory=list)  # intents mistaken, see decode
    leeches: list[Leech] = field(default_factory=list)


def rank_questions(
    seen: Iterable[SeenQuestion],
    *,
    now: datetime,
    lapses: Mapping[str, tuple[int, datetime]],
    slot_names: Mapping[int, str],
    recent: Mapping[str, Recent] | None = None,
    parameters: FacetParameters = NO_FIT,
    local: tzinfo = UTC,
) -> list[ShakyQuestion]:
    """Questions missed among their latest recall tests first: most misses first, then the
    higher share missed, then the latest miss first ("missed 3 of the last 4" above "missed
    1 of the last 1"); then the rest by the lower retrievability of their two facets."""
    tested = recent or {}
    ranked = []
    for q in seen:
        intent_r, story_r = q.recall(now, parameters, local=local)
        count, last = lapses.get(q.id, (0, None))
        name = SYSTEM_ANSWER_NAME if q.slot == SYSTEM_ANSWER else slot_names.get(q.slot, "")
        ranked.append(ShakyQuestion(q, name, intent_r, story_r, count, last,
                                    tested.get(q.id, Recent())))

    def key(item: ShakyQuestion) -> tuple[int, int, float, float]:
        r = item.recent
        if r.misses and r.last_miss is not None:
            return (0, -r.misses, -r.misses / r.tests, -r.last_miss.timestamp())
        return (1, 0, 0.0, min(item.intent_retrievability, item.story_retrievability))

    return sorted(ranked, key=key)


def rank_families(families: Iterable[ShakyFamily]) -> list[ShakyFamily]:
    """Weakest first; ties keep deck order."""
    return sorted(families, key=lambda f: -f.weakness)


@dataclass(frozen=True)
class Window:
    """The study-day boundaries one report uses, all derived from the clock."""

    today: date
    today_start: datetime  # UTC
    month_start: datetime  # start of the last PERIOD_DAYS study days
    before_start: datetime  # start of the PERIOD_DAYS before those
    heat_start: date
    offset_minutes: int

    @classmethod
    def of(cls, clock: Clock) -> Window:
        today_start = clock.day_start()
        month_start = today_start - timedelta(days=PERIOD_DAYS - 1)
        today = date.fromisoformat(clock.day_key(clock.now))
        return cls(today, today_start, month_start, month_start - timedelta(days=PERIOD_DAYS),
                   heatmap_start(today), clock.utc_offset_minutes())

    def days_back(self, days: int) -> datetime:
        """Start of the study day `days` days before today."""
        return self.today_start - timedelta(days=days)
