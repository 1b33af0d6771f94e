"""Queries over intent picks (decoding, confusions) and reads of rehearsals (mock
interviews), in plain SQL; rehearsals are written through the models in `rehearsal_edits.py`."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from emdrill.core.decode import TOLD_APART, IntentChoice
from emdrill.core.mock import Rehearsal
from emdrill.store.codec import from_db_time, json_list, to_db_time, to_json_list
from emdrill.store.db import Store


def add_pick(con: sqlite3.Connection, choice: IntentChoice, *, review_id: int | None,
             at: datetime) -> None:
    """Written inside the review's own transaction (see review_log.record_review)."""
    con.execute("INSERT INTO intent_pick (review_id, question_id, picked, options, seconds, "
                "picked_at) VALUES (?, ?, ?, ?, ?, ?)",
                (review_id, choice.question_id, choice.picked,
                 to_json_list(choice.options), choice.seconds,
                 to_db_time(at)))


# A confusion is a wrong pick; it is settled once the question has been picked right
# TOLD_APART times since its latest confusion with that rival, the rival on offer each time.
_CONFUSIONS = f"""
WITH wrong AS (
    SELECT question_id, picked, count(*) AS n, max(picked_at) AS last
    FROM intent_pick WHERE picked != question_id GROUP BY question_id, picked
)
SELECT w.question_id, w.picked, w.n, w.last,
    (SELECT count(*) FROM intent_pick r
     WHERE r.question_id = w.question_id AND r.picked = r.question_id
       AND r.picked_at > w.last
       AND EXISTS (SELECT 1 FROM json_each(r.options) WHERE value = w.picked))
    >= {TOLD_APART} AS settled
FROM wrong w
"""


def confusions(store: Store) -> list[tuple[str, str, int, datetime, bool]]:
    """(question, mistaken_for, count, last, told apart) for every pair ever confused."""
    with store.read() as con:
        rows = list(con.execute(_CONFUSIONS))
    return [(q, p, int(n), from_db_time(last), bool(settled)) for q, p, n, last, settled in rows]


def open_confusions_of(store: Store, question_id: str) -> list[str]:
    """Questions this one is still confused with, either way round, most frequent first."""
    sql = (f"SELECT * FROM ({_CONFUSIONS}) WHERE NOT settled "
           "AND (question_id = :q OR picked = :q)")
    with store.read() as con:
        rows = list(con.execute(sql, {"q": question_id}))
    rows.sort(key=lambda r: (-int(r[2]), r[3]))
    return list(dict.fromkeys(p if q == question_id else q for q, p, *_ in rows))


def mistaken_for(store: Store, question_id: str) -> list[str]:
    """Intents this question was mistaken for and not yet told apart, most frequent first."""
    sql = (f"SELECT picked FROM ({_CONFUSIONS}) WHERE NOT settled AND question_id = :q "
           "ORDER BY n DESC, last DESC")
    with store.read() as con:
        return [row[0] for row in con.execute(sql, {"q": question_id})]


def pick_count(store: Store) -> int:
    with store.read() as con:
        return int(con.execute("SELECT count(*) FROM intent_pick").fetchone()[0])


# ---------------------------------------------------------------- rehearsals


_REHEARSAL_COLUMNS = ("r.id, r.question_id, q.family, r.started_at, r.target_seconds, "
                      "r.answer_seconds, r.follow_ups, r.check_intent, r.check_system, "
                      "r.check_story, r.check_result, r.check_learning, r.review_id, "
                      "r.answer_text, r.findings")


def rehearsals(store: Store, *, since: datetime | None = None) -> list[Rehearsal]:
    """Every rehearsal (since `since`, if given) with its question's family, oldest first."""
    where, params = ("WHERE r.started_at >= ? ", [to_db_time(since)]) if since else ("", [])
    sql = (f"SELECT {_REHEARSAL_COLUMNS} FROM rehearsal r JOIN question q "
           f"ON q.id = r.question_id {where}ORDER BY r.id")
    with store.read() as con:
        return [_rehearsal(row) for row in con.execute(sql, params)]


def _rehearsal(row: Sequence[Any]) -> Rehearsal:
    rid, qid, family, started, target, answer, follow_ups, *checks, review_id, text, found = row
    intent, system, story, result, learning = (bool(c) for c in checks)
    return Rehearsal(
        question_id=qid, family=family, started_at=from_db_time(started), target=int(target),
        answer_seconds=answer,
        follow_ups=tuple((str(f["text"]), float(f["seconds"])) for f in json_list(follow_ups)),
        checks=(intent, system, story, result, learning), review_id=review_id, id=int(rid),
        answer_text=str(text),
        findings=tuple((str(f["rule"]), bool(f["ok"])) for f in json_list(found)))
