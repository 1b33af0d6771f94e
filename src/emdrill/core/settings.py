"""The settings emdrill knows, their defaults and ranges: the one place they are defined."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from emdrill.core.errors import ConfigError, DamagedError

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
        Setting("interview-target", "0.90",
                "chance of recall to reach on the interview morning (with a plan)", "float",
                0.70, 0.99),
        Setting("decode", "off", "drill and commute: pick the intent from four", "bool"),
        Setting("mock-target", "150", "mock interview: seconds to aim an answer at", "int",
                30, 900),
        Setting("speaking-pace", "150", "words a minute you speak at (the coach's spoken "
                "time)", "int", 80, 250),
        Setting("backups", "10", "automatic backups kept in the data folder's backups/", "int",
                1, 1000),
        Setting("leech-lapses", "8", "lapses on either facet that mark a question a leech",
                "int", 1, 100),
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
    """The settings in force, typed; defaults come from SETTINGS only."""

    retention: float
    new_per_day: int
    minutes: int
    adaptive: bool
    interview_target: float
    decode: bool
    mock_target: int
    backups: int
    leech_lapses: int
    speaking_pace: int = 150

    @classmethod
    def from_stored(cls, stored: Mapping[str, str]) -> Settings:
        def get(key: str) -> str:
            value = stored.get(key, SETTINGS[key].default)
            try:
                return validate_setting(key, value)
            except ConfigError as exc:
                raise DamagedError(f"the stored setting {exc}; set it again with "
                                   f"`emdrill config {key} VALUE`") from None

        return cls(
            retention=float(get("retention")),
            new_per_day=int(get("new-per-day")),
            minutes=int(get("minutes")),
            adaptive=get("adaptive") == "on",
            interview_target=float(get("interview-target")),
            decode=get("decode") == "on",
            mock_target=int(get("mock-target")),
            backups=int(get("backups")),
            leech_lapses=int(get("leech-lapses")),
            speaking_pace=int(get("speaking-pace")),
        )


def with_defaults(stored: Mapping[str, str]) -> dict[str, str]:
    """Every known setting's value: the stored one, else its default."""
    return {key: stored.get(key, spec.default) for key, spec in SETTINGS.items()}
