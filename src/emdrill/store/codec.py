"""How times are stored: fixed-width UTC ISO text, so comparing text compares times.

Kept apart from the tables so plain-SQL reads can use it without building the ORM models.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from emdrill.core.errors import DamagedError


def to_db_time(value: datetime) -> str:
    if value.tzinfo is None:  # a naive time would be read as the machine's local time
        raise ValueError("naive datetime written to the store")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def from_db_time(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except (ValueError, TypeError, OverflowError):
        raise DamagedError(f"a stored time '{str(value)[:40]}' cannot be read") from None


def to_json_list(values: Iterable[Any] | None) -> str:
    """A list as stored: JSON text, non-ASCII kept as is."""
    return json.dumps(list(values or []), ensure_ascii=False)


def json_list(value: str | None) -> list[Any]:
    """A stored JSON list; anything else in the column is damage."""
    try:
        found = json.loads(value) if value else []
    except (ValueError, RecursionError):
        found = None
    if not isinstance(found, list):
        raise DamagedError(f"a stored list '{str(value)[:40]}' cannot be read")
    return found
