"""Reads the loop morning sheet needs beyond the cards: intent misses per question."""

from __future__ import annotations

from emdrill.store.db import Store


def intent_misses(store: Store) -> dict[str, int]:
    """Times each question's intent was rated Again (a miss), over its whole history."""
    sql = ("SELECT q.id, count(*) FROM review r JOIN question q ON q.num = r.question_num "
           "WHERE r.intent_rating = 1 GROUP BY q.id")
    with store.read() as con:
        return {qid: int(n) for qid, n in con.execute(sql)}
