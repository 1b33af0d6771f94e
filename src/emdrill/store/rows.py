"""Plain sqlite3 reads of what is loaded (questions, families, slots, decks), and the one
codec from a question row to a `Question`.

`emdrill suggest` reads through these on a read-only store (`db.open_current`) and never
pays for importing SQLAlchemy and SQLModel; a full store reads through the same functions.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from typing import Any

from emdrill.core.types import Family, Question, Slot
from emdrill.store.codec import from_db_time, json_list

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


def active_questions(con: sqlite3.Connection) -> list[Question]:
    """Every active question's content, drafts included, in deck order."""
    sql = (f"SELECT {question_columns()} FROM question WHERE suspended = 0 "
           "ORDER BY deck_id, position")
    return [question_of(row) for row in con.execute(sql)]


def families(con: sqlite3.Connection) -> list[Family]:
    """Families in the order their decks define them."""
    rows = con.execute("SELECT slug, name, probes FROM family ORDER BY rowid")
    return [Family(slug=slug, name=name, probes=probes) for slug, name, probes in rows]


def slots(con: sqlite3.Connection) -> dict[int, Slot]:
    rows = con.execute("SELECT slot, name, competency, must_include FROM slot ORDER BY slot")
    return {int(n): Slot(int(n), name, competency, tuple(json_list(must)))
            for n, name, competency, must in rows}


def deck_sources(con: sqlite3.Connection) -> dict[str, str]:
    """Deck id -> the file it was last loaded from."""
    return {deck: source for deck, source in con.execute("SELECT id, source FROM deck")}


def suspended_texts(con: sqlite3.Connection, deck: str) -> dict[str, str]:
    """Id -> text of the deck's suspended questions (removed from its file, history kept)."""
    rows = con.execute("SELECT id, text FROM question WHERE deck_id = ? AND suspended = 1 "
                       "ORDER BY position", (deck,))
    return {qid: text for qid, text in rows}
