"""What time it is for emdrill: "now" and the study day it falls in.

The one source of the 04:00 study-day rule: Python uses `Clock`, SQL uses `sql_day_shift`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from emdrill.core.errors import ConfigError

NOW_ENV = "EMDRILL_NOW"
DAY_STARTS_AT = timedelta(hours=4)
EPOCH = date(1970, 1, 1)
# Years "now" may be in: every date emdrill derives (a century-long interval, 12 weeks of
# history) must stay inside what datetime and the fixed-width stored times can hold.
YEARS = (1970, 9000)
# Years a stored time (a due date, an interview, a review) may be in: imports refuse others
# and `emdrill check` reports them, since the date arithmetic on them would overflow.
FIRST_YEAR, LAST_YEAR = 1970, 2200


def time_in_range(at: datetime) -> bool:
    return FIRST_YEAR <= at.astimezone(UTC).year <= LAST_YEAR if at.tzinfo else False


def day_shift_seconds(offset_minutes: int) -> int:
    """Seconds that turn a UTC time into its study day's date (the 04:00 rule, local)."""
    return offset_minutes * 60 - int(DAY_STARTS_AT.total_seconds())


def sql_day_shift(offset_minutes: int) -> str:
    """SQLite date modifier that turns a stored UTC time into its study-day date."""
    return f"{day_shift_seconds(offset_minutes) // 60:+d} minutes"


def study_day(at: datetime, local: tzinfo) -> int:
    """The study day `at` falls in (days since 1970-01-01; a day starts at 04:00 local)."""
    return ((at.astimezone(local) - DAY_STARTS_AT).date() - EPOCH).days


def study_days_between(earlier: datetime, later: datetime, local: tzinfo) -> int:
    """Whole study days from the one `earlier` falls in to the one `later` falls in (0 on the
    same day, never negative): how emdrill, Anki and the FSRS optimiser count elapsed time."""
    return max(0, study_day(later, local) - study_day(earlier, local))


def study_day_start(day: int, local: tzinfo) -> datetime:
    """When study day `day` begins (04:00 local), in UTC."""
    start = datetime.combine(EPOCH + timedelta(days=day), time(0), tzinfo=local)
    return (start + DAY_STARTS_AT).astimezone(UTC)


@dataclass(frozen=True)
class Clock:
    """"Now" read once at the edge, plus the zone that decides where a day starts."""

    now: datetime  # UTC-aware
    local: tzinfo

    def day_start(self, at: datetime | None = None) -> datetime:
        """Start (UTC) of the study day containing `at`; days begin at 04:00 local, as in Anki."""
        return study_day_start(study_day(at or self.now, self.local), self.local)

    def day_key(self, at: datetime) -> str:
        """The study day `at` belongs to, as YYYY-MM-DD."""
        return (at.astimezone(self.local) - DAY_STARTS_AT).date().isoformat()

    def day_number(self, at: datetime | None = None) -> int:
        """The study day `at` (default now) belongs to, as days since 1970-01-01."""
        return study_day(at or self.now, self.local)

    def utc_offset_minutes(self) -> int:
        offset = self.now.astimezone(self.local).utcoffset() or timedelta(0)
        return int(offset.total_seconds() // 60)


def parse_now(text: str) -> datetime:
    """Parse an ISO-8601 time that carries an offset; reject naive times."""
    try:
        value = datetime.fromisoformat(text.strip())
        value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ConfigError(f"{NOW_ENV}: '{text}' is not an ISO-8601 time") from None
    if value.tzinfo is None:
        raise ConfigError(f"{NOW_ENV}: '{text}' has no UTC offset (add e.g. +00:00)")
    if not YEARS[0] <= value.year < YEARS[1]:
        raise ConfigError(f"{NOW_ENV}: '{text}' is out of range (years {YEARS[0]} to "
                          f"{YEARS[1] - 1})")
    return value


def run_streak(run: tuple[int, int] | None, *, today: int) -> int:
    """Consecutive study days with reviews ending today, or yesterday if today has none yet,
    from the latest run of them given as its first and last day (`recent.latest_run`)."""
    if run is None:
        return 0
    first, last = run
    expected = today if last == today else today - 1
    return expected - first + 1 if first <= expected <= last else 0
