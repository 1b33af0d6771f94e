"""What is loaded (decks, families, slots, questions), read in plain SQL, and the
aggregates a load or an import recounts. Writing decks through the table models is
`store.deck_load`'s job, so reading what is loaded never loads the ORM."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection

from emdrill.core.cards import Family, Question, Slot
from emdrill.core.order import goes_first, new_order
from emdrill.store import deck_reads, tallies
from emdrill.store.db import Store


def refresh_new_order(con: sqlite3.Connection, *, first: Collection[str] = ()) -> None:
    """Store each active question's place among new ones (the rule: `core.order.new_order`).
    `first` are questions to put ahead of all others; those marked so before stay ahead."""
    found = con.execute("SELECT id, family, deck_id, position, new_order FROM question "
                        "WHERE suspended = 0").fetchall()
    ahead = set(first) | {qid for qid, _, _, _, rank in found if goes_first(rank)}
    order = new_order(((qid, fam, deck, int(pos)) for qid, fam, deck, pos, _ in found),
                      first=ahead)
    con.execute("UPDATE question SET new_order = NULL WHERE suspended = 1")
    con.executemany("UPDATE question SET new_order = ? WHERE id = ?",
                    [(n, qid) for qid, n in order.items()])


def rebuild_aggregates(store: Store) -> None:
    """Recount everything the hot path keeps from the history: each question's due and
    review count, new order, the reviews per quarter hour and per day, and the weakness
    tallies (after migration 4, or rows written whole, as a JSON import does)."""
    with store.transact("rebuild aggregates") as con:
        con.execute(
            "UPDATE question SET reviews = (SELECT count(*) FROM review r "
            "WHERE r.question_num = question.num), due = CASE WHEN EXISTS (SELECT 1 FROM facet f "
            "WHERE f.question_id = question.id AND f.last_review IS NOT NULL) THEN "
            "(SELECT min(f.due) FROM facet f WHERE f.question_id = question.id) END")
        refresh_new_order(con)
        tallies.recount_review_days(con)
        tallies.rebuild(con)


def deck_summary(store: Store) -> list[tuple[str, str, str, str, int, int]]:
    """(deck id, deck name, version, family, active questions, suspended) per family."""
    sql = ("SELECT d.id, d.name, d.version, q.family, sum(NOT q.suspended), sum(q.suspended) "
           "FROM deck d JOIN question q ON q.deck_id = d.id "
           "GROUP BY d.id, q.family ORDER BY d.id, min(q.position), q.family")
    with store.read() as con:
        return [(d, n, v, f, int(a or 0), int(b or 0)) for d, n, v, f, a, b in con.execute(sql)]


def families(store: Store) -> list[Family]:
    """Families in the order their decks define them."""
    with store.read() as con:
        return deck_reads.families(con)


def slots(store: Store) -> dict[int, Slot]:
    with store.read() as con:
        return deck_reads.slots(con)


def active_questions(store: Store) -> list[Question]:
    """Every active question's content, drafts included, in deck order."""
    with store.read() as con:
        return deck_reads.active_questions(con)


def deck_sources(store: Store) -> dict[str, str]:
    """Deck id -> the file it was last loaded from."""
    with store.read() as con:
        return deck_reads.deck_sources(con)


def suspended_texts(store: Store, deck: str) -> dict[str, str]:
    """Id -> text of the deck's suspended questions."""
    with store.read() as con:
        return deck_reads.suspended_texts(con, deck)
