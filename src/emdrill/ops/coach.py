"""The answer coach against the store: the text to read, the question's intent, the user's
target and pace, and the stories of the bank checked part by part (core/coach.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from emdrill.core.cards import Question
from emdrill.core.coach import CoachReport, analyse, analyse_story
from emdrill.core.errors import InputError
from emdrill.core.settings import Settings
from emdrill.core.stories import PARTS, Story
from emdrill.ops import opening
from emdrill.store import card_reads
from emdrill.store import stories as store_stories
from emdrill.store.db import Store


def read_text(path: Path | None, stdin: TextIO) -> str:
    """The answer to read: a file, or standard input without one; one line when it fails."""
    where = str(path) if path is not None else "stdin"
    try:
        text = path.read_text(encoding="utf-8") if path is not None else stdin.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = (exc.strerror or type(exc).__name__) if isinstance(exc, OSError) \
            else "not UTF-8 text"
        raise InputError(f"{where}: cannot read ({reason})") from None
    if not text.strip():
        raise InputError(f"{where}: no text to read")
    return text


def intent_text(question: Question) -> str:
    """What the intent rule compares an answer with: the intent and every probe."""
    return " ".join([question.intent, *question.probes])


def coach(store: Store, text: str, *, question_id: str | None = None) -> CoachReport:
    """Findings for any text, at the user's pace against `mock-target`."""
    prefs = opening.settings(store)
    intent = ""
    if question_id is not None:
        intent = intent_text(card_reads.load_card(store, question_id).question)
    return analyse(text, target=prefs.mock_target, pace=prefs.speaking_pace, intent=intent)


def story_report(story: Story, prefs: Settings) -> CoachReport:
    return analyse_story({p: story.part(p) for p in PARTS},
                         target=prefs.mock_target, pace=prefs.speaking_pace)


def check_stories(store: Store, story_id: int | None = None) -> list[tuple[Story, CoachReport]]:
    """Every story's findings (or one story's), in the bank's order."""
    prefs = opening.settings(store)
    stories: Sequence[Story] = (store_stories.list_stories(store) if story_id is None
                                else [store_stories.get_story(store, story_id)])
    return [(s, story_report(s, prefs)) for s in stories]
