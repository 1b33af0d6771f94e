"""Writes of the user's stories and systems, through the table models. Only the commands
that write them import this (`ops/story_edits.py`), so reading stories (`stories.py`)
never loads the ORM."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from emdrill.core.stories import PARTS, Story, check_category
from emdrill.core.story_bank import ImportPlan
from emdrill.store.db import Store
from emdrill.store.stories import get_story, unknown_story
from emdrill.store.tables import StoryRow, SystemRow


def _fill(row: StoryRow, story: Story) -> None:
    row.title, row.slots, row.hook = story.title, list(story.slots), story.hook
    row.tags = list(story.tags)
    for name in PARTS:
        setattr(row, name, story.part(name))


# ---------------------------------------------------------------- stories


def _row(s: Session, story_id: int) -> StoryRow:
    row = s.get(StoryRow, story_id)
    if row is None:
        raise unknown_story(story_id)
    return row


def _insert(s: Session, story: Story, now: datetime) -> StoryRow:
    row = StoryRow(id=story.id, title=story.title, created_at=now, updated_at=now)
    _fill(row, story)
    s.add(row)
    s.flush()
    return row


def add_story(store: Store, story: Story, *, now: datetime) -> Story:
    """Store a new story; a given id is kept (restoring an export), otherwise one is assigned."""
    with store.transact("add a story", orm=True), store.session() as s:
        row = _insert(s, story, now)
        assert row.id is not None
        return get_story(store, row.id)  # read back as every read does (flushed, one write)


def update_story(store: Store, story_id: int, story: Story, *, now: datetime) -> Story:
    with store.transact("edit a story", orm=True), store.session() as s:
        row = _row(s, story_id)
        _fill(row, story)
        row.updated_at = now
        s.add(row)
        s.flush()
        return get_story(store, story_id)


def delete_story(store: Store, story_id: int) -> Story:
    with store.transact("delete a story", orm=True), store.session() as s:
        row = _row(s, story_id)
        story = get_story(store, story_id)
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


def save_system(store: Store, category: str, text: str, *, now: datetime) -> None:
    with store.transact("save a system", orm=True), store.session() as s:
        s.merge(SystemRow(category=check_category(category), text=text, updated_at=now))
