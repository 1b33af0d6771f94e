"""The story bank and systems, read: every story command is one call here or, to write,
in `story_edits.py`."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import timedelta

from emdrill.core.cards import Slot
from emdrill.core.stats import RECENT_DAYS, RECENT_TESTS
from emdrill.core.stories import Story
from emdrill.core.story_bank import StoryCoverage, best_story, coverage
from emdrill.core.timing import Clock
from emdrill.core.weakness import WEAK_AT
from emdrill.ops.weakness import family_weakness
from emdrill.store import card_reads
from emdrill.store import decks as store_decks
from emdrill.store import stats as store_stats
from emdrill.store import stories as store_stories
from emdrill.store.db import Store


def slots(store: Store) -> dict[int, Slot]:
    return store_decks.slots(store)


def list_stories(store: Store) -> list[Story]:
    return store_stories.list_stories(store)


def get_story(store: Store, story_id: int) -> Story:
    return store_stories.get_story(store, story_id)


@dataclass(frozen=True)
class StoryDetail:
    story: Story
    slots: dict[int, Slot]
    backs: int  # active questions for which this is the best story


def story_detail(store: Store, story_id: int) -> StoryDetail:
    story = store_stories.get_story(store, story_id)
    stories = store_stories.list_stories(store)
    backs = sum(1 for q in store_decks.active_questions(store)
                if best_story(q, stories) == story)
    return StoryDetail(story, store_decks.slots(store), backs)


def story_coverage(store: Store, clock: Clock) -> StoryCoverage:
    """StoryCoverage, with gaps ranked by the user's weak questions: those missed lately (as in
    `shaky`) and those of a weak family."""
    recent = store_stats.recent_misses(store, since=clock.now - timedelta(days=RECENT_DAYS),
                                       last=RECENT_TESTS)
    questions = store_decks.active_questions(store)
    families = family_weakness(store, clock)
    weak = set(recent)
    weak |= {q.id for q in questions if families.get(q.family, 0.0) >= WEAK_AT}
    return coverage(store_decks.slots(store), store_stories.list_stories(store), questions,
                    weak)


def systems(store: Store) -> dict[str, str]:
    return store_stories.systems(store)


def unknown_tags(store: Store, stories: list[Story]) -> list[tuple[Story, str, str | None]]:
    """Tags that name neither a question id nor a family, so the back can never use them:
    (story, tag, the closest real id or family or None)."""
    known = [row[0] for row in card_reads.question_ids(store)]
    known += [f.slug for f in store_decks.families(store)]
    found = []
    for story in stories:
        for tag in story.tags:
            if tag not in known:
                close = difflib.get_close_matches(tag, known, n=1)
                found.append((story, tag, close[0] if close else None))
    return found
