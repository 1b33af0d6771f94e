"""Reads of the user's stories and systems, in plain SQL (their writes, through the table
models, are `story_edits.py`: a command that only reads stories never loads the ORM)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from emdrill.core.stories import PARTS, Story, UnknownStoryError, with_parts
from emdrill.store.codec import from_db_time, json_list
from emdrill.store.db import Store

_COLUMNS = f"id, title, slots, hook, tags, created_at, updated_at, {', '.join(PARTS)}"


def _story_of(row: Sequence[Any]) -> Story:
    """A story from one plain row of `_COLUMNS` (reads need no ORM)."""
    sid, title, slots, hook, tags, created, updated, *parts = row
    story = Story(title=title, slots=tuple(json_list(slots)), hook=hook,
                  tags=tuple(json_list(tags)), id=int(sid), created_at=from_db_time(created),
                  updated_at=from_db_time(updated))
    return with_parts(story, dict(zip(PARTS, parts, strict=True)))


# ---------------------------------------------------------------- stories


def list_stories(store: Store) -> list[Story]:
    """Every story, oldest first (the order ties are broken in)."""
    with store.read() as con:
        return [_story_of(r) for r in con.execute(f"SELECT {_COLUMNS} FROM story ORDER BY id")]


def get_story(store: Store, story_id: int) -> Story:
    with store.read() as con:
        row = con.execute(f"SELECT {_COLUMNS} FROM story WHERE id = ?", (story_id,)).fetchone()
    if row is None:
        raise unknown_story(story_id)
    return _story_of(row)


def unknown_story(story_id: int) -> UnknownStoryError:
    return UnknownStoryError(f"no story with id {story_id} (see `emdrill story list`)")


# ---------------------------------------------------------------- systems


def systems(store: Store) -> dict[str, str]:
    """The user's system text per category; categories never written are absent."""
    with store.read() as con:
        return {c: t for c, t in con.execute("SELECT category, text FROM system") if t}
