"""Where data lives, what time it is, and which settings exist.

The only module that reads `platformdirs` or the environment variables emdrill honours.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from emdrill.errors import ConfigError

HOME_ENV = "EMDRILL_HOME"
NOW_ENV = "EMDRILL_NOW"
SEED_ENV = "EMDRILL_SEED"
DB_NAME = "emdrill.db"
DAY_STARTS_AT = timedelta(hours=4)


def home_dir() -> Path:
    """The data folder: $EMDRILL_HOME, else the platform's user data dir."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs  # only needed when no override is set

    return Path(platformdirs.user_data_dir("emdrill", appauthor=False))


def db_path() -> Path:
    return home_dir() / DB_NAME


@dataclass(frozen=True)
class Clock:
    """"Now" read once at the edge, plus the zone that decides where a day starts."""

    now: datetime  # UTC-aware
    local: tzinfo

    def day_start(self, at: datetime | None = None) -> datetime:
        """Start (UTC) of the study day containing `at`; days begin at 04:00 local, as in Anki."""
        local = (at or self.now).astimezone(self.local)
        shifted = local - DAY_STARTS_AT
        start = shifted.replace(hour=0, minute=0, second=0, microsecond=0) + DAY_STARTS_AT
        return start.astimezone(UTC)

    def day_key(self, at: datetime) -> str:
        """The study day `at` belongs to, as YYYY-MM-DD."""
        return (at.astimezone(self.local) - DAY_STARTS_AT).date().isoformat()

    def utc_offset_minutes(self) -> int:
        offset = self.now.astimezone(self.local).utcoffset() or timedelta(0)
        return int(offset.total_seconds() // 60)


def parse_now(text: str) -> datetime:
    """Parse an ISO-8601 time that carries an offset; reject naive times."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"{NOW_ENV}: '{text}' is not an ISO-8601 time") from None
    if value.tzinfo is None:
        raise ConfigError(f"{NOW_ENV}: '{text}' has no UTC offset (add e.g. +00:00)")
    return value


def read_clock() -> Clock:
    """$EMDRILL_NOW if set (its offset is the local zone), else the system clock and zone."""
    raw = os.environ.get(NOW_ENV)
    if raw:
        given = parse_now(raw)
        local = given.tzinfo
        assert local is not None
        return Clock(now=given.astimezone(UTC), local=local)
    system_now = datetime.now().astimezone()
    local_zone = system_now.tzinfo
    assert local_zone is not None
    return Clock(now=system_now.astimezone(UTC), local=local_zone)


def read_seed() -> int | None:
    """$EMDRILL_SEED makes interval fuzzing repeatable (tests, demos); unset means random."""
    raw = os.environ.get(SEED_ENV)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{SEED_ENV}: '{raw}' is not an integer") from None


# ---------------------------------------------------------------------------
# Settings: stored in the database, defined and validated here.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    key: str
    default: str
    help: str
    kind: str  # "float", "int" or "bool"
    low: float = 0.0
    high: float = 0.0


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting("retention", "0.90", "desired retention: chance of recall when due", "float",
                0.70, 0.97),
        Setting("new-per-day", "10", "new questions introduced per study day", "int", 0, 500),
        Setting("minutes", "5", "length of a drill in minutes", "int", 1, 120),
        Setting("adaptive", "on", "weak families come up more often (off: plain FSRS)", "bool"),
    )
}

_TRUE = {"on", "true", "yes", "1"}
_FALSE = {"off", "false", "no", "0"}


def validate_setting(key: str, value: str) -> str:
    """Return the normalised value, or raise ConfigError saying what is allowed."""
    spec = SETTINGS.get(key)
    if spec is None:
        known = ", ".join(SETTINGS)
        raise ConfigError(f"unknown setting '{key}' (known: {known})")
    text = value.strip().lower()
    if spec.kind == "bool":
        if text in _TRUE:
            return "on"
        if text in _FALSE:
            return "off"
        raise ConfigError(f"{key}: '{value}' is not on or off")
    try:
        number = float(text) if spec.kind == "float" else int(text)
    except ValueError:
        raise ConfigError(f"{key}: '{value}' is not a "
                          f"{'whole number' if spec.kind == 'int' else 'number'}") from None
    if not spec.low <= number <= spec.high:
        low, high = _fmt(spec.low, spec.kind), _fmt(spec.high, spec.kind)
        raise ConfigError(f"{key}: {value} is out of range ({low} to {high})")
    return _fmt(number, spec.kind)


def _fmt(number: float, kind: str) -> str:
    return str(int(number)) if kind == "int" else f"{number:.2f}"


@dataclass(frozen=True)
class Settings:
    retention: float = 0.90
    new_per_day: int = 10
    minutes: int = 5
    adaptive: bool = True

    @classmethod
    def from_stored(cls, stored: dict[str, str]) -> Settings:
        def get(key: str) -> str:
            return stored.get(key, SETTINGS[key].default)

        return cls(
            retention=float(get("retention")),
            new_per_day=int(get("new-per-day")),
            minutes=int(get("minutes")),
            adaptive=get("adaptive") == "on",
        )
