"""The edge: environment variables and the platform's data folder.

The only module that reads emdrill's own variables (EMDRILL_*) or calls `platformdirs`.
Commands read these once and pass plain values (a path, a clock, a seed) down to the
operations. The terminal's conventions (NO_COLOR, FORCE_COLOR, COLUMNS) are read where the
console is built (ui/console.py), $VISUAL/$EDITOR where the editor starts (cli/editor.py);
tests/test_architecture.py holds the list.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from emdrill.core.errors import ConfigError
from emdrill.core.timing import NOW_ENV, Clock, parse_now

HOME_ENV = "EMDRILL_HOME"
SEED_ENV = "EMDRILL_SEED"
TICK_ENV = "EMDRILL_TEST_CLOCK"
KILL_ENV = "EMDRILL_TEST_KILL"
DB_NAME = "emdrill.db"


def home_dir() -> Path:
    """The data folder: $EMDRILL_HOME, else the platform's user data dir."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs  # only needed when no override is set

    return Path(platformdirs.user_data_dir("emdrill", appauthor=False))


def db_path() -> Path:
    return home_dir() / DB_NAME


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


def read_test_kill() -> int | Path | None:
    """Test hook: $EMDRILL_TEST_KILL=N makes the process SIGKILL itself just before its Nth
    SQL statement on the collection (counted from 1 over its connections; a connection's close
    counts as one too), so a test kills it at a determined point, such as either side of a
    commit, instead of after a random delay. =log:PATH instead appends each of those
    statements to PATH, one line each, numbered as the kill counts them, so the test can pick
    its points. Unset or empty: nothing."""
    raw = os.environ.get(KILL_ENV, "").strip()
    if not raw:
        return None
    if raw.startswith("log:"):
        return Path(raw[4:])
    try:
        at = int(raw)
    except ValueError:
        at = 0
    if at < 1:
        raise ConfigError(f"{KILL_ENV}: '{raw}' is not a statement number (1 or more) or "
                          "log:PATH")
    return at


def read_ticker() -> Callable[[], float]:
    """The monotonic seconds that on-screen timers read (the mock's speaking timer, the
    drill's clock, decoding's response time).

    Test hook: $EMDRILL_TEST_CLOCK names a file holding a number of seconds. Timers then read
    that file on every tick instead of the system's monotonic clock, so a test moves time by
    rewriting the file and never sleeps. A missing or unreadable file reads as 0.
    """
    path = os.environ.get(TICK_ENV)
    if not path:
        return time.monotonic
    source = Path(path)

    def tick() -> float:
        try:
            return float(source.read_text(encoding="utf-8").strip() or 0)
        except (OSError, ValueError):
            return 0.0

    return tick
