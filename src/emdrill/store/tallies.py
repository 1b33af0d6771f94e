"""Running sums that the hot path reads instead of the history: the weakness tally per family.

Written in the same transaction as the review or undo that changes it; rebuilt from the whole
history only when the history itself moves (a migration, a deck load, an import).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from emdrill.core.weakness import Tally, outcome
from emdrill.store import set_aside
from emdrill.store.codec import from_db_micros, from_db_time, to_db_micros, to_db_time
from emdrill.store.db import Store
from emdrill.store.migrations import family_day_recount, review_day, review_quarter_of

Outcome = tuple[datetime | None, int | None]  # (the facet's previous review, rating)


def read(store: Store) -> dict[str, Tally]:
    with store.read() as con:
        rows = con.execute("SELECT family, tests, misses, as_of FROM family_outcome")
        return {f: Tally(float(n), float(m), from_db_time(at)) for f, n, m, at in rows}


def count(con: sqlite3.Connection, family: str, at: datetime, facets: Iterable[Outcome], *,
          sign: int = 1) -> None:
    """Add (sign 1) or take back (sign -1) one review's facet outcomes to its family."""
    tests = misses = 0
    for previous, rating in facets:
        n, m = outcome(previous, at, rating)
        tests, misses = tests + n, misses + m
    if not tests:
        return
    row = con.execute("SELECT tests, misses, as_of FROM family_outcome WHERE family = ?",
                      (family,)).fetchone()
    tally = Tally(float(row[0]), float(row[1]), from_db_time(row[2])) if row else Tally(0, 0, at)
    _save(con, family, tally.add(at, tests=sign * tests, misses=sign * misses))


def leech_changed(con: sqlite3.Connection, family: str, question_id: str, *,
                  sign: int) -> None:
    """A question just became a leech (sign -1: its reviews leave its family's tally) or
    stopped being one (sign 1, an undo: they come back). A leech's misses say the card is
    badly made or badly learnt, not that the family is weak; its passes are left out with
    them, so the family is weighed as if the card were not there."""
    question_outcomes(con, family, question_id, sign=sign)


def question_outcomes(con: sqlite3.Connection, family: str, question_id: str, *,
                      since: datetime | None = None, before: datetime | None = None,
                      sign: int) -> None:
    """Add (sign 1) or take back (sign -1) the outcomes of one question's reviews, all of
    them or those made at or after `since` / before `before`. A review put in among older
    ones (an Anki import) changes what the later reviews of its question count for and
    nothing else: it takes those back first and adds them again after, instead of recounting
    the whole history (`rebuild`)."""
    where = "question_num = (SELECT num FROM question WHERE id = ?)"
    params: list[object] = [question_id]
    if since is not None:
        where, params = where + " AND reviewed_at >= ?", [*params, to_db_micros(since)]
    if before is not None:
        where, params = where + " AND reviewed_at < ?", [*params, to_db_micros(before)]
    rows = con.execute("SELECT reviewed_at, intent_prev_last_review, intent_rating, "
                       "story_prev_last_review, story_rating FROM review "
                       f"WHERE {where} ORDER BY reviewed_at", params)
    for at, intent_prev, intent, story_prev, story in rows.fetchall():
        count(con, family, from_db_micros(at),
              [(None if intent_prev is None else from_db_micros(intent_prev), intent),
               (None if story_prev is None else from_db_micros(story_prev), story)],
              sign=sign)


def _save(con: sqlite3.Connection, family: str, tally: Tally) -> None:
    con.execute("INSERT INTO family_outcome (family, tests, misses, as_of) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (family) DO UPDATE SET "
                "tests = excluded.tests, misses = excluded.misses, as_of = excluded.as_of",
                (family, tally.tests, tally.misses, to_db_time(tally.as_of)))


def recount_family_days(con: sqlite3.Connection) -> None:
    """The per-day, per-family counts again from the history (the triggers keep them after)."""
    con.execute("DELETE FROM family_day")
    con.execute(family_day_recount())


def recount_review_days(con: sqlite3.Connection) -> None:
    """The reviews per quarter hour and per study day (under the stored `day_shift`) again
    from the history, for rows written with the triggers on `review` set aside (a bulk build);
    the triggers keep them after."""
    con.execute("DELETE FROM review_quarter")
    con.execute("INSERT INTO review_quarter (quarter, reviews, first_id) SELECT "
                f"{review_quarter_of('r')} AS q, count(*), min(r.id) FROM review r GROUP BY q")
    con.execute("DELETE FROM review_day")
    con.execute(f"INSERT INTO review_day (day, reviews) SELECT {review_day('r')} AS d, count(*) "
                "FROM review r GROUP BY d")


def rebuild(con: sqlite3.Connection) -> None:
    """Recount every family's tally and daily counts from the whole review history; a
    leech's reviews count for nothing (see `leech_changed`)."""
    recount_family_days(con)
    con.execute("DELETE FROM family_outcome")
    leeches = set_aside.leech_ids(con, set_aside.leech_lapses(con))
    rows = con.execute(
        "SELECT q.id, q.family, r.reviewed_at, r.intent_prev_last_review, r.intent_rating, "
        "r.story_prev_last_review, r.story_rating FROM review r "
        "JOIN question q ON q.num = r.question_num ORDER BY r.reviewed_at")
    tallies: dict[str, Tally] = {}
    for qid, family, at_text, intent_prev, intent, story_prev, story in rows:
        if qid in leeches:
            continue
        at = from_db_micros(at_text)
        tests = misses = 0
        for previous, rating in ((intent_prev, intent), (story_prev, story)):
            n, m = outcome(None if previous is None else from_db_micros(previous), at,
                           None if rating is None else int(rating))
            tests, misses = tests + n, misses + m
        if tests:
            start = tallies.get(family, Tally(0.0, 0.0, at))
            tallies[family] = start.add(at, tests=tests, misses=misses)
    for family, tally in tallies.items():
        _save(con, family, tally)
