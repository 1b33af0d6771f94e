"""Every facet's memory (stability and difficulty) computed again from its review history.

FSRS's stability and difficulty are a function of a facet's ratings and the study days
between them, nothing else: not the retention, the relearning steps, the interview's pull on
due dates or the fuzz, which only move due dates. So they can be recomputed exactly from the
review log, which is what migration 10 does when emdrill moves from counting elapsed time in
24-hour periods to counting study days (`core.timing`), and what `recompute` offers again.

A facet's history starts from the state saved with its first review (new for almost every
question; a merged question's first review can start from a memory it brought along). Each
later review's saved "before" state is rewritten with the recomputed values, so undo puts back
what the new count gives. A facet whose last review is not its newest one (the memory it
kept when questions were merged, `store.decks`) is left as it is. State, step, due date and
last review are kept: they are scheduling decisions already made and shown.

It reads and writes `review` as migrations 1 to 19 lay it out (question ids, text times):
migration 10 is its one caller, and always runs before migration 20 compacts the table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, timedelta, timezone, tzinfo

from emdrill.core.scheduler import Memory, Parameters, Rating, review
from emdrill.core.timing import DAY_STARTS_AT
from emdrill.store.codec import from_db_time, json_list

FACETS = ("intent", "story")
_EPSILON = 1e-9  # a change smaller than this is the same value read back


@dataclass(frozen=True)
class Recomputed:
    """What a recompute changed: facets whose memory moved, and reviews whose saved
    "before" state moved."""

    facets: int
    reviews: int


def zone_of(con: sqlite3.Connection) -> tzinfo:
    """The zone the per-day counts were last kept in (`day_shift`), as a fixed offset; UTC
    before any command has set it."""
    row = con.execute("SELECT seconds FROM day_shift").fetchone()
    if row is None or (int(row[0]) + int(DAY_STARTS_AT.total_seconds())) % 60:
        return UTC  # the initial one-second shift: no offset has been seen yet
    minutes = (int(row[0]) + int(DAY_STARTS_AT.total_seconds())) // 60
    return timezone(timedelta(minutes=minutes))


def parameters_of(con: sqlite3.Connection, facet: str) -> Parameters | None:
    """The FSRS parameters a facet is scheduled with: the kept fit, else the defaults."""
    row = con.execute("SELECT parameters FROM fsrs_parameters WHERE facet = ?",
                      (facet,)).fetchone()
    values = json_list(row[0]) if row is not None else []
    return tuple(float(v) for v in values) or None


def recompute(con: sqlite3.Connection, *, local: tzinfo | None = None) -> Recomputed:
    """Recompute every facet's stability and difficulty from its reviews, in the open
    transaction of `con`. Exact (each value is a replay of the stored ratings) and idempotent
    (a second run changes nothing)."""
    zone = local or zone_of(con)
    facets = reviews = 0
    for facet in FACETS:
        params = parameters_of(con, facet)
        for question_id, rows in _histories(con, facet):
            changed_reviews, changed_facet = _replay(con, facet, question_id, rows,
                                                     zone=zone, parameters=params)
            reviews += changed_reviews
            facets += changed_facet
    return Recomputed(facets, reviews)


_Row = tuple[int, str, int | None, float | None, float | None, str | None]


def _histories(con: sqlite3.Connection, facet: str) -> Iterator[tuple[str, list[_Row]]]:
    sql = (f"SELECT question_id, id, reviewed_at, {facet}_rating, {facet}_prev_stability, "
           f"{facet}_prev_difficulty, {facet}_prev_last_review FROM review "
           "ORDER BY question_id, reviewed_at, id")
    current: str | None = None
    rows: list[_Row] = []
    for qid, *row in con.execute(sql).fetchall():
        if qid != current:
            if current is not None:
                yield current, rows
            current, rows = qid, []
        rows.append((int(row[0]), row[1], row[2], row[3], row[4], row[5]))
    if current is not None:
        yield current, rows


def _replay(con: sqlite3.Connection, facet: str, question_id: str, rows: Sequence[_Row], *,
            zone: tzinfo, parameters: Parameters | None) -> tuple[int, int]:
    _rid, _at, _rating, stability, difficulty, last = rows[0]
    memory = Memory(state=2, step=None, stability=stability, difficulty=difficulty,
                    last_review=None if last is None else from_db_time(last))
    if memory.last_review is None or stability is None or difficulty is None:
        memory = Memory(last_review=memory.last_review)  # FSRS starts from its first rating
    changed = 0
    newest: str | None = None
    for rid, at, rating, saved_s, saved_d, _last in rows:
        if (memory.stability, memory.difficulty) != (saved_s, saved_d) and not (
                _close(memory.stability, saved_s) and _close(memory.difficulty, saved_d)):
            con.execute(f"UPDATE review SET {facet}_prev_stability = ?, "
                        f"{facet}_prev_difficulty = ? WHERE id = ?",
                        (memory.stability, memory.difficulty, rid))
            changed += 1
        if rating is None:
            continue
        when = from_db_time(at)
        after = review(replace(memory, due=memory.due or when), Rating(rating), when,
                       local=zone, fuzz=False, parameters=parameters)
        memory = replace(memory, stability=after.stability, difficulty=after.difficulty,
                         last_review=when)
        newest = at
    stored = con.execute("SELECT stability, difficulty, last_review FROM facet "
                         "WHERE question_id = ? AND kind = ?", (question_id, facet)).fetchone()
    if stored is None or newest is None or stored[2] != newest:
        return changed, 0
    if _close(stored[0], memory.stability) and _close(stored[1], memory.difficulty):
        return changed, 0
    con.execute("UPDATE facet SET stability = ?, difficulty = ? WHERE question_id = ? "
                "AND kind = ?", (memory.stability, memory.difficulty, question_id, facet))
    return changed, 1


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= _EPSILON * max(1.0, abs(a))
