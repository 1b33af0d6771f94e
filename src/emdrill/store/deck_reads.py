"""Plain sqlite3 reads of what is loaded (questions, families, slots, decks); a question row
becomes a `Question` through `codec.question_of`.

`emdrill suggest` reads through these on a read-only store (`db.open_current`) and never
pays for importing SQLAlchemy and SQLModel; a full store reads through the same functions.
"""

from __future__ import annotations

import sqlite3

from emdrill.core.cards import Family, Question, Slot
from emdrill.store.codec import json_list, question_columns, question_of


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
