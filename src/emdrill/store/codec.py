"""How times are stored: fixed-width UTC ISO text, so comparing text compares times.

Kept apart from the tables so plain-SQL reads can use it without building the ORM models.
"""

from __future__ import annotations

from datetime import UTC, datetime


def to_db_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def from_db_time(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)
