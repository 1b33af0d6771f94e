"""How values are stored, one codec per type, for plain SQL and the ORM alike:

- a time: fixed-width UTC ISO text, so comparing text compares times (`to_db_time`,
  `from_db_time`; the models' `UTCDateTime` column type calls them), except in `review`,
  whose million rows keep their times as whole microseconds since 1970 UTC, the same
  instant exactly in a quarter of the bytes (`to_db_micros`, `from_db_micros`; the models'
  `UTCMicros`; migration 20);
- a list: JSON text, non-ASCII kept as is (`to_json_list`, `json_list`; the models'
  `JSONList`);
- a facet's memory (`core.scheduler.Memory`): the six columns `MEMORY_COLUMNS` of `facet`,
  and of `review` after `intent_prev_` / `story_prev_` (`memory_values`, `memory_of`);
- a question (`core.cards.Question`): the columns `QUESTION_COLUMNS` of `question`
  (`question_of` reads a row, `question_content` gives what a deck load writes);
- a review's mode: its place in `core.cards.MODES` (`mode_code`, `mode_of`);
- ids, ratings, states and the other enum names (a facet's kind) are stored as the plain
  text or integer they are in `core`, with no conversion. A review names its question by
  `question.num`, an integer key given to each question once (migration 20).

Kept apart from the table models so the hot path's plain-SQL reads use it without importing
SQLAlchemy; `tests/test_schema_models.py` holds the column lists here to the models.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from emdrill.core.cards import MODES, Question
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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROS = timedelta(microseconds=1)


def to_db_micros(value: datetime) -> int:
    """A time as `review` stores it: whole microseconds since 1970 UTC (exact: a datetime
    holds nothing finer)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime written to the store")
    return (value - _EPOCH) // _MICROS


def from_db_micros(value: int) -> datetime:
    try:
        return _EPOCH + timedelta(microseconds=int(value))
    except (ValueError, TypeError, OverflowError):
        raise DamagedError(f"a stored time '{str(value)[:40]}' cannot be read") from None


def mode_code(mode: str) -> int:
    """A review's mode as stored: its place in `MODES`."""
    return MODES.index(mode)


def mode_of(code: int) -> str:
    try:
        return MODES[int(code)]
    except (IndexError, ValueError, TypeError):
        raise DamagedError(f"a stored review mode '{str(code)[:40]}' cannot be read") from None


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


def memory_of(row: Sequence[Any], *, review: bool = False) -> Memory:
    """A `Memory` from its six stored columns (`MEMORY_COLUMNS`), of `facet`, or of `review`
    (`review`: its times are microseconds); `memory_values` is its inverse."""
    state, step, stability, difficulty, due, last = row
    read = from_db_micros if review else from_db_time
    return Memory(state=int(state), step=step, stability=stability, difficulty=difficulty,
                  due=read(due), last_review=None if last is None else read(last))


def memory_values(memory: Memory, *, review: bool = False) -> tuple[object, ...]:
    """A `Memory` as its six stored columns, in `MEMORY_COLUMNS` order (`review`: as
    `review` keeps them)."""
    if memory.due is None:
        raise ValueError("a memory without a due date written to the store")
    last = memory.last_review
    write: Any = to_db_micros if review else to_db_time
    return (memory.state, memory.step, memory.stability, memory.difficulty,
            write(memory.due), None if last is None else write(last))


# ---------------------------------------------------------------- a question

QUESTION_COLUMNS = ("id", "deck_id", "family", "text", "intent", "story", "also", "probes",
                    "system", "traits", "pitfall", "follow_ups", "siblings", "suspended",
                    "position", "draft", "user_suspended", "buried_until")


ROWS_REMEMBERED = 20_000  # decoded rows kept per process: a few MB at most


def question_columns(alias: str = "") -> str:
    """The columns `question_of` reads, for a SELECT (`alias` such as "q.")."""
    return ", ".join(alias + c for c in QUESTION_COLUMNS)


def question_of(row: Sequence[Any]) -> Question:
    """The one codec from a row of `question_columns()` to a `Question`; a list column that
    is not a JSON list reads as damage, one line, not a traceback.

    Remembered by the row's values: a drill reads the same rows after every answer, and a
    `Question` is immutable, so an unchanged row need not be decoded again (a changed one is
    another key)."""
    return _decoded(tuple(row))


@functools.lru_cache(maxsize=ROWS_REMEMBERED)
def _decoded(row: tuple[Any, ...]) -> Question:
    (qid, deck, family, text, intent, story, also, probes, system, traits, pitfall,
     follow_ups, siblings, suspended, position, draft, user_suspended, buried_until) = row
    return Question(id=qid, deck=deck, family=family, text=text, intent=intent,
                    story=int(story), also=tuple(json_list(also)),
                    probes=tuple(json_list(probes)), system=system,
                    traits=tuple(json_list(traits)), pitfall=pitfall,
                    follow_ups=tuple(json_list(follow_ups)),
                    siblings=tuple(json_list(siblings)), suspended=bool(suspended),
                    position=int(position), draft=tuple(json_list(draft)),
                    user_suspended=bool(user_suspended),
                    buried_until=from_db_time(buried_until) if buried_until else None)


def question_content(q: Question) -> dict[str, object]:
    """A question's content columns (those a deck file gives) as the table models take them:
    lists as lists, which the models' `JSONList` stores with `to_json_list`, as `question_of`
    reads them back. The other columns (deck, suspension, burying, the hot path's due and
    counts) are the collection's, not the question's."""
    return {
        "family": q.family, "text": q.text, "intent": q.intent, "probes": list(q.probes),
        "story": q.story, "also": list(q.also), "system": q.system, "traits": list(q.traits),
        "pitfall": q.pitfall, "follow_ups": list(q.follow_ups), "siblings": list(q.siblings),
        "position": q.position, "draft": list(q.draft),
    }
