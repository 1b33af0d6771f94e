"""Queries over the user's stories and systems."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from emdrill.core.stories import PARTS, Story, UnknownStoryError, check_category, with_parts
from emdrill.store.codec import from_db_time, json_list
from emdrill.store.db import Store

if TYPE_CHECKING:  # the ORM models load only where stories are written
    from sqlmodel import Session

    from emdrill.core.story_bank import ImportPlan
    from emdrill.store.tables import StoryRow

# ---------------------------------------------------------------- conversion


def to_story(row: StoryRow) -> Story:
    story = Story(title=row.title, slots=tuple(row.slots), hook=row.hook, tags=tuple(row.tags),
                  id=row.id, created_at=row.created_at, updated_at=row.updated_at)
    return with_parts(story, {name: getattr(row, name) for name in PARTS})


_COLUMNS = f"id, title, slots, hook, tags, created_at, updated_at, {', '.join(PARTS)}"


def _story_of(row: Sequence[Any]) -> Story:
    """A story from one plain row of `_COLUMNS` (reads need no ORM)."""
    sid, title, slots, hook, tags, created, updated, *parts = row
    story = Story(title=title, slots=tuple(json_list(slots)), hook=hook,
                  tags=tuple(json_list(tags)), id=int(sid), created_at=from_db_time(created),
                  updated_at=from_db_time(updated))
    return with_parts(story, dict(zip(PARTS, parts, strict=True)))


def _fill(row: StoryRow, story: Story) -> None:
    row.title, row.slots, row.hook = story.title, list(story.slots), story.hook
    row.tags = list(story.tags)
    for name in PARTS:
        setattr(row, name, story.part(name))


# ---------------------------------------------------------------- stories


def list_stories(store: Store) -> list[Story]:
    """Every story, oldest first (the order ties are broken in)."""
    with store.read() as con:
        return [_story_of(r) for r in con.execute(f"SELECT {_COLUMNS} FROM story ORDER BY id")]


def get_story(store: Store, story_id: int) -> Story:
    with store.read() as con:
        row = con.execute(f"SELECT {_COLUMNS} FROM story WHERE id = ?", (story_id,)).fetchone()
    if row is None:
        raise _unknown(story_id)
    return _story_of(row)


def _unknown(story_id: int) -> UnknownStoryError:
    return UnknownStoryError(f"no story with id {story_id} (see `emdrill story list`)")


def _row(s: Session, story_id: int) -> StoryRow:
    from emdrill.store.tables import StoryRow

    row = s.get(StoryRow, story_id)
    if row is None:
        raise _unknown(story_id)
    return row


def _insert(s: Session, story: Story, now: datetime) -> StoryRow:
    from emdrill.store.tables import StoryRow

    row = StoryRow(id=story.id, title=story.title, created_at=now, updated_at=now)
    _fill(row, story)
    s.add(row)
    s.flush()
    return row


def add_story(store: Store, story: Story, *, now: datetime) -> Story:
    """Store a new story; a given id is kept (restoring an export), otherwise one is assigned."""
    with store.transact("add a story", orm=True), store.session() as s:
        return to_story(_insert(s, story, now))


def update_story(store: Store, story_id: int, story: Story, *, now: datetime) -> Story:
    with store.transact("edit a story", orm=True), store.session() as s:
        row = _row(s, story_id)
        _fill(row, story)
        row.updated_at = now
        s.add(row)
        s.flush()
        return to_story(row)


def delete_story(store: Store, story_id: int) -> Story:
    with store.transact("delete a story", orm=True), store.session() as s:
        row = _row(s, story_id)
        story = to_story(row)
        s.delete(row)
        return story


def apply_import(store: Store, plan: ImportPlan, *, now: datetime) -> None:
    """Write a whole import in one transaction: all of it or none of it."""
    with store.transact("import stories", orm=True), store.session() as s:
        for story in plan.added:
            _insert(s, story, now)
        for story in plan.updated:
            assert story.id is not None
            row = _row(s, story.id)
            _fill(row, story)
            row.updated_at = now
            s.add(row)


# ---------------------------------------------------------------- systems


def systems(store: Store) -> dict[str, str]:
    """The user's system text per category; categories never written are absent."""
    with store.read() as con:
        return {c: t for c, t in con.execute("SELECT category, text FROM system") if t}


def save_system(store: Store, category: str, text: str, *, now: datetime) -> None:
    from emdrill.store.tables import SystemRow

    with store.transact("save a system", orm=True), store.session() as s:
        s.merge(SystemRow(category=check_category(category), text=text, updated_at=now))


# ---------------------------------------------------------------- questions
