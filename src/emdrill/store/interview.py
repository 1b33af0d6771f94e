"""The interview plan's row, the fitted FSRS parameters, and the history they read.

Plain SQL throughout: the queue asks for the interview on every call, and the hot path
never loads the table models.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from emdrill.core.exam import FirstSight, MemoryBefore
from emdrill.core.fitting import FacetHistory, StoredFit
from emdrill.core.interview import Interview, InterviewScope
from emdrill.store import health
from emdrill.store.codec import (
    from_db_micros,
    from_db_time,
    json_list,
    memory_columns,
    memory_of,
    to_db_micros,
    to_db_time,
    to_json_list,
)
from emdrill.store.db import Store

# ---------------------------------------------------------------- the interview


def load_interview(store: Store) -> Interview | None:
    with store.read() as con:
        row = con.execute("SELECT at, decks, families, set_at, excluded FROM interview "
                          "WHERE id = 1").fetchone()
    if row is None:
        return None
    at, decks, families, set_at, excluded = row
    if not health.TIME_FLOOR <= at <= health.TIME_CEILING:
        return None  # no plan one can reach (an older import's); `check` reports it
    return Interview(at=from_db_time(at),
                     scope=InterviewScope(tuple(json_list(decks)), tuple(json_list(families)),
                                 frozenset(json_list(excluded))),
                     set_at=from_db_time(set_at))


def save_interview(store: Store, interview: Interview) -> None:
    """The plan's one row (id 1), made or replaced."""
    scope = interview.scope
    with store.transact("book the interview") as con:
        con.execute("INSERT INTO interview (id, at, decks, families, set_at, excluded) "
                    "VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at, "
                    "decks = excluded.decks, families = excluded.families, "
                    "set_at = excluded.set_at, excluded = excluded.excluded",
                    (to_db_time(interview.at), to_json_list(scope.decks),
                     to_json_list(scope.families), to_db_time(interview.set_at),
                     to_json_list(sorted(scope.excluded))))


def save_excluded(store: Store, excluded: frozenset[str]) -> None:
    """The questions kept out of the booked plan's scope (no plan: nothing to change)."""
    with store.transact("keep questions out of the plan") as con:
        con.execute("UPDATE interview SET excluded = ? WHERE id = 1",
                    (to_json_list(sorted(excluded)),))


def clear_interview(store: Store) -> Interview | None:
    """Delete the plan; returns what it was."""
    found = load_interview(store)
    with store.transact("clear the interview") as con:
        con.execute("DELETE FROM interview")
    return found


def introduced_since(store: Store, start: datetime) -> set[str]:
    """Questions first seen at or after `start`."""
    sql = ("SELECT q.id FROM review r CROSS JOIN question q ON q.num = r.question_num "
           "WHERE r.reviewed_at >= ? "
           "AND r.intent_prev_last_review IS NULL AND r.story_prev_last_review IS NULL")
    with store.read() as con:
        return {row[0] for row in con.execute(sql, (to_db_micros(start),))}


def plan_inputs(store: Store) -> tuple[object, ...]:
    """A fingerprint of what a day's plan is made from besides the questions' memories, in
    one read of small indexes and tables: the plan's row, the settings, the fitted
    parameters, the stories, the exams and the set of questions (an import, a removal or a
    suspension changes it). `ops.interview.today` makes the plan again when it changes."""
    sql = ("SELECT (SELECT at || decks || families || set_at || excluded FROM interview "
           "WHERE id = 1), (SELECT group_concat(key || '=' || value, ';') FROM "
           "(SELECT key, value FROM setting ORDER BY key)), "
           "(SELECT group_concat(facet || fitted_at || parameters, ';') FROM "
           "(SELECT facet, fitted_at, parameters FROM fsrs_parameters ORDER BY facet)), "
           "(SELECT group_concat(id || slots || updated_at, ';') FROM "
           "(SELECT id, slots, updated_at FROM story ORDER BY id)), "
           "(SELECT count(*) || '/' || coalesce(max(id), 0) FROM exam), "
           "(SELECT count(*) || '/' || coalesce(max(rowid), 0) FROM question), "
           "(SELECT count(*) FROM question WHERE suspended = 0 AND user_suspended = 0)")
    with store.read() as con:
        return tuple(con.execute(sql).fetchone())


# A question's first sight: a review before which neither facet had been reviewed. The
# plan's first-sight recall and the forecast for unseen questions both read it from here.
_FIRST_SIGHT = "intent_prev_last_review IS NULL AND story_prev_last_review IS NULL"


def first_sights(store: Store, *, last: int = 200) -> tuple[int, int, int]:
    """(first sights, intents recalled, stories right) over the newest `last` first sights
    that graded both facets (a review made in Anki grades one)."""
    sql = ("SELECT count(*), coalesce(sum(intent_rating > 1), 0), "
           "coalesce(sum(story_rating > 1), 0) FROM (SELECT intent_rating, story_rating "
           f"FROM review WHERE {_FIRST_SIGHT} AND intent_rating IS NOT NULL "
           "AND story_rating IS NOT NULL ORDER BY id DESC LIMIT ?)")
    with store.read() as con:
        count, intent, story = con.execute(sql, (last,)).fetchone()
    return int(count), int(intent), int(story)


def first_sight_answers(store: Store) -> list[FirstSight]:
    """Every question's first answer, oldest first: each facet right or not (None: not
    graded), the intent a pick among four (an intent pick was recorded with it: a decode
    drill, an exam) and the story a slot named. The first sights alone, in time order, from
    their partial index (`review_first`): the planner would otherwise walk every question's
    reviews (2.8 s at 1M reviews, against 0.06 s)."""
    sql = ("SELECT q.id, r.intent_rating, r.story_rating, r.slot_named, "
           "(SELECT p.picked = p.question_id FROM intent_pick p WHERE p.review_id = r.id "
           "ORDER BY p.id LIMIT 1), q.family FROM review r INDEXED BY review_first "
           f"CROSS JOIN question q ON q.num = r.question_num WHERE {_FIRST_SIGHT} "
           "ORDER BY r.reviewed_at, r.id")
    found: dict[str, FirstSight] = {}
    with store.read() as con:
        for qid, intent, story, slot, pick, family in con.execute(sql):
            if qid in found:
                continue  # a one-facet review (Anki) leaves the other facet's first open
            found[qid] = FirstSight(
                qid, intent=None if intent is None else (bool(pick) if pick is not None
                                                          else intent > 1),
                story=None if story is None else story > 1,
                picked=pick is not None, named=slot is not None, family=family)
    return list(found.values())


# ---------------------------------------------------------------- fitted parameters


def review_total(store: Store) -> int:
    """Every review ever made (the running sums per question), as `optimize` counts them:
    their total, kept in one row by triggers on `question.reviews` (migration 19)."""
    with store.read() as con:
        return int(con.execute("SELECT reviews FROM review_count").fetchone()[0])


def load_fits(store: Store) -> dict[str, StoredFit]:
    sql = ("SELECT facet, parameters, reviews, total_reviews, log_loss, rmse, fitted_at "
           "FROM fsrs_parameters")
    with store.read() as con:
        rows = con.execute(sql).fetchall()
    return {facet: StoredFit(facet=facet,
                             parameters=tuple(float(v) for v in json_list(params)) or None,
                             reviews=int(reviews), total_reviews=int(total),
                             log_loss=log_loss, rmse=rmse, fitted_at=from_db_time(at))
            for facet, params, reviews, total, log_loss, rmse, at in rows}


def save_fit(store: Store, fit: StoredFit) -> None:
    """Record what `optimize` kept for one facet (replacing the facet's earlier run). Plain
    SQL, so `optimize` does not load the ORM for one row."""
    with store.transact("save fitted parameters") as con:
        con.execute(
            "INSERT OR REPLACE INTO fsrs_parameters (facet, parameters, reviews, total_reviews,"
            " log_loss, rmse, fitted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (fit.facet, to_json_list(fit.parameters), fit.reviews, fit.total_reviews,
             fit.log_loss, fit.rmse, to_db_time(fit.fitted_at)))


def histories(store: Store, facet: str) -> list[FacetHistory]:
    """Every question's ratings of one facet, oldest first; reviews that did not grade the
    facet (one-facet reviews made in Anki) are left out."""
    column = "intent_rating" if facet == "intent" else "story_rating"
    # CROSS JOIN: read the table in its own order and sort, rather than walk the
    # review_question index and fetch each row from elsewhere (half the CPU at 1M reviews)
    sql = (f"SELECT q.id, r.reviewed_at, r.{column} FROM review r "
           "CROSS JOIN question q ON q.num = r.question_num "
           f"WHERE r.{column} IS NOT NULL ORDER BY q.id, r.reviewed_at, r.id")
    result: list[FacetHistory] = []
    with store.read() as con:
        for question_id, at, rating in con.execute(sql):
            if not result or result[-1].question_id != question_id:
                result.append(FacetHistory(question_id, []))
            result[-1].reviews.append((from_db_micros(at), int(rating)))
    return result


def first_reviewed(store: Store, ids: Iterable[str]) -> dict[str, datetime]:
    """When each of the questions `ids` was first answered (those never answered left out)."""
    sql = ("SELECT q.id, (SELECT min(r.reviewed_at) FROM review r "
           "WHERE r.question_num = q.num) AS first FROM question q "
           "WHERE q.id IN (SELECT value FROM json_each(?)) AND first IS NOT NULL")
    with store.read() as con:
        return {qid: from_db_micros(at)
                for qid, at in con.execute(sql, (json.dumps(sorted(set(ids))),))}


def reviews_from(store: Store,
                 asks: Iterable[tuple[str, datetime]]) -> dict[str, list[MemoryBefore]]:
    """For each (question, moment) of `asks`, the question's first review at or after that
    moment (when, and both facets' memory just before it), per question oldest first, each
    review once: with the question's first review and its memory now, what
    `core.exam.memory_at` needs for those moments, without reading the whole history."""
    sql = (f"SELECT q.id, r.reviewed_at, {memory_columns('r.intent_prev_')}, "
           f"{memory_columns('r.story_prev_')} FROM review r "
           "JOIN question q ON q.num = r.question_num WHERE r.id IN "
           "(SELECT (SELECT x.id FROM review x WHERE x.question_num = "
           "(SELECT num FROM question WHERE id = json_extract(a.value, '$[0]')) "
           "AND x.reviewed_at >= json_extract(a.value, '$[1]') "
           "ORDER BY x.reviewed_at, x.id LIMIT 1) FROM json_each(?) a) "
           "ORDER BY q.id, r.reviewed_at, r.id")
    pairs = json.dumps(sorted({(qid, to_db_micros(at)) for qid, at in asks}))
    found: dict[str, list[MemoryBefore]] = {}
    with store.read() as con:
        for row in con.execute(sql, (pairs,)):
            found.setdefault(row[0], []).append(
                MemoryBefore(from_db_micros(row[1]), memory_of(row[2:8], review=True),
                             memory_of(row[8:14], review=True)))
    return found
