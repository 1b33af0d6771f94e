"""Setting questions aside: the user's suspension, burying until the next study day, and the
lapse counts that make a question a leech (docs/set-aside.md). Plain SQL.

A lapse is an Again on a facet that was in the review state; each review row keeps the
state before it, so the counts are read from the history, by a partial index holding the
lapses alone (`review_lapse`), and stay right through undo, replays and merges without a
counter of their own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from emdrill.core.scheduler import REVIEW, Rating
from emdrill.core.settings import Settings
from emdrill.core.stats import Leech, SetAsideCounts
from emdrill.store.codec import to_db_time
from emdrill.store.db import Store


def _lapse_sums(prefix: str = "") -> str:
    """SQL for (intent lapses, story lapses) summed over review rows (`prefix`: "r.")."""
    def one(kind: str) -> str:
        return (f"coalesce(sum({prefix}{kind}_rating = {int(Rating.AGAIN)} "
                f"AND {prefix}{kind}_prev_state = {REVIEW}), 0)")

    return f"{one('intent')}, {one('story')}"


_LAPSES = _lapse_sums()


def lapse_rows(prefix: str = "") -> str:
    """The condition of the partial index `review_lapse` (migration 11), word for word, so
    the planner reads the lapses alone by it."""
    return (f"(({prefix}intent_rating = 1 AND {prefix}intent_prev_state = 2) "
            f"OR ({prefix}story_rating = 1 AND {prefix}story_prev_state = 2))")


def leech_lapses(con: sqlite3.Connection) -> int:
    """The `leech-lapses` setting in force, read on the connection of the write at hand."""
    stored = {str(k): str(v) for k, v in con.execute("SELECT key, value FROM setting")}
    return Settings.from_stored(stored).leech_lapses


def lapses(con: sqlite3.Connection, question_id: str) -> tuple[int, int]:
    """(intent, story) lapses of one question over its whole history."""
    row = con.execute(f"SELECT {_LAPSES} FROM review WHERE question_num = "
                      f"(SELECT num FROM question WHERE id = ?) AND {lapse_rows()}",
                      (question_id,)).fetchone()
    return int(row[0]), int(row[1])


def with_lapse(counts: tuple[int, int], intent: tuple[int | None, int],
               story: tuple[int | None, int], *, sign: int = 1) -> tuple[int, int]:
    """`counts` and one more review (`sign` -1: one review fewer), given each facet's
    (rating, state before): the rule `_lapse_sums` counts in SQL."""
    def lapse(rating: int | None, state: int) -> int:
        return sign * int(rating == int(Rating.AGAIN) and state == REVIEW)

    return counts[0] + lapse(*intent), counts[1] + lapse(*story)


def is_leech(counts: tuple[int, int], threshold: int) -> bool:
    """A leech: either facet has lapsed `threshold` times."""
    return max(counts) >= threshold


def leech_ids(con: sqlite3.Connection, threshold: int) -> set[str]:
    """Every question (active, suspended or removed) that is a leech."""
    rows = con.execute(f"SELECT (SELECT id FROM question WHERE num = question_num) "
                       f"FROM review WHERE {lapse_rows()} "
                       f"GROUP BY question_num HAVING max({_LAPSES}) >= ?", (threshold,))
    return {str(r[0]) for r in rows}


def leeches(store: Store) -> list[Leech]:
    """The leeches still in their decks, most lapses first."""
    with store.read() as con:
        threshold = leech_lapses(con)
        rows = con.execute(
            f"SELECT q.id, q.family, {_lapse_sums('r.')}, q.user_suspended "
            "FROM review r JOIN question q ON q.num = r.question_num "
            f"WHERE q.suspended = 0 AND {lapse_rows('r.')} GROUP BY r.question_num")
        found = [Leech(str(q), str(f), int(i), int(s), bool(u)) for q, f, i, s, u in rows
                 if max(int(i), int(s)) >= threshold]
    return sorted(found, key=lambda x: (-max(x.intent_lapses, x.story_lapses), x.id))


def suspend(store: Store, ids: Sequence[str], *, on: bool) -> list[str]:
    """Suspend (`on`) or put back in play the questions `ids`; returns those that changed.
    Putting back also lifts a bury. Every id must name a question (`check_ids` first)."""
    changed: list[str] = []
    with store.transact("suspend") as con:
        for qid in dict.fromkeys(ids):
            if on:
                cur = con.execute("UPDATE question SET user_suspended = 1 "
                                  "WHERE id = ? AND user_suspended = 0", (qid,))
            else:
                cur = con.execute("UPDATE question SET user_suspended = 0, buried_until = NULL "
                                  "WHERE id = ? AND (user_suspended = 1 "
                                  "OR buried_until IS NOT NULL)", (qid,))
            if cur.rowcount:
                changed.append(qid)
    return changed


def bury(store: Store, ids: Sequence[str], *, until: datetime) -> None:
    """Keep the questions `ids` out of the queue until `until` (UTC)."""
    with store.transact("bury") as con:
        con.executemany("UPDATE question SET buried_until = ? WHERE id = ?",
                        [(to_db_time(until), qid) for qid in dict.fromkeys(ids)])


def restore_flags(store: Store, question_id: str, *, user_suspended: bool,
                  buried_until: datetime | None) -> None:
    """Put one question's set-aside flags back as they were (a drill's undo)."""
    with store.transact("restore set-aside flags") as con:
        con.execute("UPDATE question SET user_suspended = ?, buried_until = ? WHERE id = ?",
                    (int(user_suspended),
                     None if buried_until is None else to_db_time(buried_until), question_id))


def set_aside_counts(store: Store, now: datetime) -> SetAsideCounts:
    with store.read() as con:
        suspended, buried = con.execute(
            "SELECT coalesce(sum(user_suspended), 0), coalesce(sum(buried_until > ?), 0) "
            "FROM question WHERE suspended = 0", (to_db_time(now),)).fetchone()
    return SetAsideCounts(int(suspended), int(buried), len(leeches(store)))
