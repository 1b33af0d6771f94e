"""The story commands that write: add, edit, remove, import, and a system saved. Their own
module because the writes go through the table models (`store/story_edits.py`): the
commands that only read stories (`story list`, `show`) never import it, and so never load
the ORM."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from emdrill.core.stories import Story
from emdrill.core.story_bank import ImportPlan, plan_import
from emdrill.store import stories as store_stories
from emdrill.store import story_edits
from emdrill.store.db import Store


def add_story(store: Store, story: Story, *, now: datetime) -> Story:
    return story_edits.add_story(store, replace(story, id=None), now=now)


def update_story(store: Store, story_id: int, story: Story, *, now: datetime) -> Story:
    return story_edits.update_story(store, story_id, story, now=now)


def delete_story(store: Store, story_id: int) -> Story:
    return story_edits.delete_story(store, story_id)


def import_stories(store: Store, incoming: list[Story], *, now: datetime,
                   dry_run: bool) -> ImportPlan:
    """Match incoming stories to the bank; write them unless `dry_run`."""
    if dry_run:
        return plan_import(store_stories.list_stories(store), incoming)
    # the bank read to match against is the one written to
    with store.transact("import stories", orm=True):
        plan = plan_import(store_stories.list_stories(store), incoming)
        story_edits.apply_import(store, plan, now=now)
        return plan


def save_system(store: Store, category: str, text: str, *, now: datetime) -> None:
    story_edits.save_system(store, category, text, now=now)
