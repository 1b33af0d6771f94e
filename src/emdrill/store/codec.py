"""How values are stored, one codec per type, for plain SQL and the ORM alike:

- a time: fixed-width UTC ISO text, so comparing text compares times (`to_db_time`,
  `from_db_time`; the models' `UTCDateTime` column type calls them);
- a list: JSON text, non-ASCII kept as is (`to_json_list`, `json_list`; the models'
  `JSONList`);
- a facet's memory (`core.scheduler.Memory`): the six columns `MEMORY_COLUMNS` of `facet`,
  and of `review` after `intent_prev_` / `story_prev_` (`memory_values`, `memory_of`);
- ids, ratings, states and enum names (a facet's kind, a review's mode) are stored as the
  plain text or integer they are in `core`, with no conversion.

Kept apart from the table models so the hot path's plain-SQL reads use it without importing
SQLAlchemy; `tests/test_schema_models.py` holds the column lists here to the models.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from emdrill.core.errors import DamagedError
from emdrill.core.scheduler import Memory


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


# ---------------------------------------------------------------- a facet's memory

# In the order of `facet`'s last columns (`tables.FacetRow`) and of the `review` columns
# that keep each facet's memory from before the review (`tables.ReviewRow`).
MEMORY_COLUMNS = ("state", "step", "stability", "difficulty", "due", "last_review")


def memory_columns(prefix: str = "") -> str:
    """The columns `memory_of` reads, for a SELECT: `prefix` is a table alias ("i.") or a
    review's facet ("intent_prev_")."""
    return ", ".join(prefix + name for name in MEMORY_COLUMNS)


def memory_of(row: Sequence[Any]) -> Memory:
    """A `Memory` from its six stored columns (`MEMORY_COLUMNS`); `memory_values` is its
    inverse."""
    state, step, stability, difficulty, due, last = row
    return Memory(state=int(state), step=step, stability=stability, difficulty=difficulty,
                  due=from_db_time(due), last_review=from_db_time(last) if last else None)


def memory_values(memory: Memory) -> tuple[object, ...]:
    """A `Memory` as its six stored columns, in `MEMORY_COLUMNS` order."""
    if memory.due is None:
        raise ValueError("a memory without a due date written to the store")
    last = memory.last_review
    return (memory.state, memory.step, memory.stability, memory.difficulty,
            to_db_time(memory.due), None if last is None else to_db_time(last))
