"""Aggregate queries for weakness and stats. Aggregation happens in SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from emdrill.core.scheduler import NO_FIT, FacetParameters, recall_after
from emdrill.core.stats import SeenQuestion
from emdrill.core.timing import sql_day_shift
from emdrill.core.weakness import MIN_GAP_HOURS
from emdrill.store.codec import (
    from_db_micros,
    memory_columns,
    memory_of,
    to_db_micros,
    to_db_time,
)
from emdrill.store.db import Store
from emdrill.store.migrations import FAMILY_DAY_COUNTS, SINCE_ID, family_day_window
from emdrill.store.study_days import stored_shift


def _tested(kind: str) -> str:
    """1 when the facet was a recall test: graded in this review (an Anki review grades one
    facet), and reviewed before, at least MIN_GAP_HOURS earlier."""
    return (f"(r.{kind}_rating IS NOT NULL AND coalesce(r.reviewed_at "
            f"- r.{kind}_prev_last_review >= {round(MIN_GAP_HOURS * 3_600_000_000)}, 0))")


# ---------------------------------------------------------------- stats and shaky
# Times are stored as fixed-width UTC ISO text, so comparing text compares times.


def _shift(offset_minutes: int) -> str:
    return sql_day_shift(offset_minutes)


def total_reviews(store: Store) -> int:
    """`sum(question.reviews)`, kept in one row by triggers (migration 19)."""
    with store.read() as con:
        return int(con.execute("SELECT reviews FROM review_count").fetchone()[0])


def _lapses() -> str:
    return (f"({_tested('intent')} AND r.intent_rating = 1) "
            f"+ ({_tested('story')} AND r.story_rating = 1)")


def family_counts(store: Store) -> dict[str, tuple[int, int, int]]:
    """Per family: active questions, active questions seen, reviews of all time."""
    sql = ("SELECT family, sum(suspended = 0), sum(suspended = 0 AND due IS NOT NULL), "
           "sum(reviews) FROM question GROUP BY family")
    with store.read() as con:
        return {f: (int(n or 0), int(seen or 0), int(reviews or 0))
                for f, n, seen, reviews in con.execute(sql)}


def _day(at: datetime, shift: int) -> int:
    """The study day (days since 1970) a time falls in, under `shift`
    (`core.timing.day_shift_seconds`)."""
    return (int(at.timestamp()) + shift) // 86400


def _days_since(column: str, shift: int) -> str:
    """SQL for the study days from `column` (a stored UTC time) to the study day bound as
    the next parameter, under `shift`: elapsed time as the scheduler counts it."""
    return (f"max(0, ? - (CAST(strftime('%s', {column}) AS INTEGER) + {int(shift)}) / 86400)")

Counts = dict[str, list[int]]  # family -> FAMILY_DAY_COUNTS


def family_counts_from(con: sqlite3.Connection, start: datetime) -> Counts:
    """Every family's counts (FAMILY_DAY_COUNTS) for the reviews at or after `start`: the
    stored days (`family_day`, under `stored_shift`) from the one nearest `start`, with the
    reviews between `start` and that day's start read from the history, added when the day
    starts after `start`, taken off when before. That part is at most half a day, and none
    when `start` is a study-day start under the stored shift: a new UTC offset costs half a
    day's reviews at most per bound, not a recount."""
    shift, at = stored_shift(con), int(start.timestamp())
    first = -(-(at + shift) // 86400)  # the first stored day that starts at or after `start`
    if first * 86400 - shift - at > 43200:  # the day before starts nearer
        first -= 1
    sums = ", ".join(f"sum({c})" for c in FAMILY_DAY_COUNTS)
    counts: Counts = {str(f): [int(v) for v in rest] for f, *rest in con.execute(
        f"SELECT family, {sums} FROM family_day WHERE day >= ? GROUP BY family", (first,))}
    edge = first * 86400 - shift
    if edge != at:
        sign = 1 if edge > at else -1
        low, high = (to_db_micros(datetime.fromtimestamp(b, UTC)) for b in sorted((at, edge)))
        for family, *rest in con.execute(family_day_window(), (low, high, low)):
            into = counts.setdefault(str(family), [0] * len(FAMILY_DAY_COUNTS))
            for i, value in enumerate(rest):
                into[i] += sign * int(value or 0)
    return counts


def _minus(a: Counts, b: Counts) -> Counts:
    return {f: [x - y for x, y in zip(v, b.get(f, [0] * len(v)), strict=True)]
            for f, v in a.items()}


def _total(counts: Counts) -> list[int]:
    return [sum(column) for column in zip(*counts.values(), strict=True)] or \
        [0] * len(FAMILY_DAY_COUNTS)


_AT = {c: i for i, c in enumerate(FAMILY_DAY_COUNTS)}


def family_periods(store: Store, *, split: datetime, since: datetime, offset_minutes: int,
                   ) -> list[tuple[str, bool, int, int, int, int, int, int, int]]:
    """(family, recent, reviews, intent passes, story passes, lapses, intent graded, story
    graded, recall tests) for reviews since `since`; `recent` is True for those at or after
    `split` (both study-day starts). A recall test is a facet graded at least an hour after
    its previous review; a lapse is one rated Again. Read from `family_day`
    (`family_counts_from`); `offset_minutes` is in the bounds already."""
    del offset_minutes
    with store.read() as con:
        recent = family_counts_from(con, split)
        older = _minus(family_counts_from(con, since), recent)
    rows = []
    for is_recent, counts in ((False, older), (True, recent)):
        for family, v in counts.items():
            if v[_AT["reviews"]] > 0:
                rows.append((family, is_recent, v[_AT["reviews"]], v[_AT["intent_passes"]],
                             v[_AT["story_passes"]], v[_AT["lapses"]],
                             v[_AT["intent_graded"]], v[_AT["story_graded"]],
                             v[_AT["young_tests"]] + v[_AT["mature_tests"]]))
    return rows


def retention_counts(store: Store, *, bounds: list[datetime], offset_minutes: int,
                     ) -> list[tuple[int, bool, int, int]]:
    """Recall tests since bounds[-1] (study-day starts), as (period, mature, passed, total):
    period i is from bounds[i] up to bounds[i-1]. Mature: stats.MATURE_DAYS."""
    del offset_minutes
    with store.read() as con:
        totals = [_total(family_counts_from(con, b)) for b in bounds]
    result = []
    for period, total in enumerate(totals):
        newer = totals[period - 1] if period else [0] * len(total)
        v = [x - y for x, y in zip(total, newer, strict=True)]
        result += [(period, False, v[_AT["young_passes"]], v[_AT["young_tests"]]),
                   (period, True, v[_AT["mature_passes"]], v[_AT["mature_tests"]])]
    return [r for r in result if r[3]]


def reviews_per_day(store: Store, *, since: datetime, offset_minutes: int) -> dict[str, int]:
    """Reviews per study day (YYYY-MM-DD) since `since`."""
    sql = ("SELECT date(quarter * 900, 'unixepoch', :shift) AS d, sum(reviews) "
           "FROM review_quarter WHERE quarter >= :since GROUP BY d")
    params = {"shift": _shift(offset_minutes), "since": int(since.timestamp()) // 900}
    with store.read() as con:
        return {d: int(n) for d, n in con.execute(sql, params)}


def due_per_day(store: Store, *, until: datetime, offset_minutes: int) -> dict[str, int]:
    """Seen, active questions due before `until`, per study day of their earliest facet due
    (`question.due`, indexed)."""
    sql = ("SELECT date(due, ?) AS d, count(*) FROM question "
           "WHERE suspended = 0 AND user_suspended = 0 AND due < ? GROUP BY d")
    with store.read() as con:
        return {d: int(n) for d, n in con.execute(sql, (_shift(offset_minutes),
                                                          to_db_time(until)))}


def recall_by_family(store: Store, now: datetime, parameters: FacetParameters = NO_FIT, *,
                     shift: int) -> dict[str, tuple[float, float]]:
    """Mean intent and story retrievability per family over seen, active questions: SQL
    gives each facet's stability and the study days since its review (under `shift`),
    `core.scheduler` the curve (each facet's, under the parameters in force)."""
    sql = ("SELECT q.family, f.kind = 'intent', f.stability, "
           f"{_days_since('f.last_review', shift)} FROM question q "
           "JOIN facet f ON f.question_id = q.id "
           "WHERE q.suspended = 0 AND q.due IS NOT NULL")
    sums: dict[str, list[float]] = {}
    with store.read() as con:
        for family, intent, stability, days in con.execute(sql, (_day(now, shift),)):
            entry = sums.setdefault(family, [0.0, 0.0, 0.0, 0.0])
            slot = 0 if intent else 2
            entry[slot] += recall_after(stability, days, parameters=parameters.intent
                                        if intent else parameters.story)
            entry[slot + 1] += 1
    return {f: (a / n if n else 0.0, b / m if m else 0.0) for f, (a, n, b, m) in sums.items()}


def seen_questions(store: Store, *, family: str | None = None, ids: Collection[str] | None = None,
                   shakiest: int | None = None, now: datetime | None = None,
                   shift: int = 0) -> list[SeenQuestion]:
    """Active questions reviewed at least once, with both facets' memory, in deck order; only
    `ids` if given; with `shakiest` (and `now`), only that many, the lowest recall first
    (study days counted under `shift`).

    Retrievability falls as days-since-review over stability grows, for every facet, so the
    question whose weaker facet has the largest ratio is the one least likely recalled: SQL
    can order by that ratio and stop, without the curve itself."""
    sql = (
        "SELECT q.id, q.family, q.text, q.intent, q.story, "
        f"{memory_columns('i.')}, {memory_columns('s.')}, q.position FROM question q "
        "JOIN facet i ON i.question_id = q.id AND i.kind = 'intent' "
        "JOIN facet s ON s.question_id = q.id AND s.kind = 'story' "
        "WHERE q.suspended = 0 AND q.user_suspended = 0 AND q.due IS NOT NULL"
    )
    params: list[object] = []
    if family is not None:
        sql += " AND q.family = ?"
        params.append(family)
    if ids is not None:
        sql += f" AND q.id IN ({', '.join('?' * len(ids))})"
        params += list(ids)
    if shakiest is not None and now is not None:
        def ratio(k: str) -> str:
            return (f"coalesce({_days_since(k + '.last_review', shift)} * 1.0 "
                    f"/ {k}.stability, 1e300)")
        sql += f" ORDER BY max({ratio('i')}, {ratio('s')}) DESC, q.position LIMIT ?"
        today = _day(now, shift)
        params += [today, today, shakiest]
    else:
        sql += " ORDER BY q.position"
    with store.read() as con:
        rows = con.execute(sql, params).fetchall()
    return [SeenQuestion(id=r[0], family=r[1], text=r[2], intent_line=r[3], slot=int(r[4]),
                         intent=memory_of(r[5:11]), story=memory_of(r[11:17]),
                         position=int(r[17])) for r in rows]


def recent_lapses(store: Store, *, since: datetime, family: str | None = None,
                  limit: int | None = None, ids: Collection[str] | None = None,
                  ) -> dict[str, tuple[int, datetime]]:
    """Per question: lapses since `since`, and when the latest one happened; with `limit`,
    only the questions that lapsed most recently (of `family`, or of `ids`, if given)."""
    where = " AND q.family = ?" if family is not None else ""
    if ids is not None:
        where += f" AND q.id IN ({', '.join('?' * len(ids))})"
    sql = (f"SELECT q.id, sum({_lapses()}) AS n, "
           f"max(CASE WHEN {_lapses()} > 0 THEN r.reviewed_at END) AS latest "
           "FROM review r CROSS JOIN question q ON q.num = r.question_num "
           f"WHERE r.reviewed_at >= ? AND r.id >= {SINCE_ID} "
           f"AND (r.intent_rating = 1 OR r.story_rating = 1){where} "
           "GROUP BY q.id HAVING n > 0 ORDER BY latest DESC"
           + (" LIMIT ?" if limit is not None else ""))
    params: list[object] = [to_db_micros(since)] * 2
    params += [family] if family is not None else []
    params += list(ids) if ids is not None else []
    params += [limit] if limit is not None else []
    with store.read() as con:
        rows = con.execute(sql, params).fetchall()
    return {q: (int(n), from_db_micros(at)) for q, n, at in rows}


def slot_names(store: Store) -> dict[int, str]:
    with store.read() as con:
        return {int(n): str(name) for n, name in con.execute("SELECT slot, name FROM slot")}


# Recent reviews with their question: the window's range of ids first (`SINCE_ID`; CROSS
# JOIN keeps SQLite from walking every question's reviews instead), both `?` the window's
# start.
_WINDOW = ("FROM review r CROSS JOIN question q ON q.num = r.question_num "
           f"WHERE r.reviewed_at >= ? AND r.id >= {SINCE_ID}")


def _again_since(since: datetime, family: str | None) -> tuple[str, list[object]]:
    """FROM and WHERE for the reviews since `since` with a facet rated Again (of `family`);
    grouping by `q.id` keeps SQLite on the window's range of ids."""
    where = f"{_WINDOW} AND (r.intent_rating = 1 OR r.story_rating = 1)"
    if family is None:
        return where, [to_db_micros(since)] * 2
    return f"{where} AND q.family = ?", [to_db_micros(since), to_db_micros(since), family]


def recent_misses(store: Store, *, since: datetime, last: int, family: str | None = None,
                  ) -> dict[str, tuple[int, int, datetime | None]]:
    """Every question missed among its latest `last` recall tests since `since` (reviews
    where either facet was a test, see `_tested`): how many tests that was, how many were
    missed (a tested facet rated Again) and when the latest miss happened. Reads only the
    reviews since `since` (a range of ids) of questions rated Again in them."""
    where, params = _again_since(since, family)
    found = _latest_tests(store, f"SELECT DISTINCT q.id AS id {where}", params,
                          since=since, last=last)
    return {q: v for q, v in found.items() if v[1]}


def miss_bounds(store: Store, *, since: datetime, family: str | None = None,
                ) -> dict[str, tuple[int, datetime]]:
    """Per question rated Again since `since`: how many such reviews, and the latest. A
    question's misses among its latest tests since then (`recent_tests`) are no more, and
    its latest miss no later. One pass over the window."""
    where, params = _again_since(since, family)
    sql = f"SELECT q.id, count(*), max(r.reviewed_at) {where} GROUP BY q.id"
    with store.read() as con:
        return {q: (int(n), from_db_micros(at)) for q, n, at in con.execute(sql, params)}


def recent_tests(store: Store, ids: Sequence[str], *, since: datetime, last: int,
                 ) -> dict[str, tuple[int, int, datetime | None]]:
    """(tests, misses, latest miss) over the latest `last` recall tests since `since` of the
    questions `ids` (those without a test are left out); each one's tests through the
    `review_question` index."""
    found: dict[str, tuple[int, int, datetime | None]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        which = f"SELECT id FROM question WHERE id IN ({', '.join('?' * len(chunk))})"
        found.update(_latest_tests(store, which, chunk, since=since, last=last))
    return found


def _latest_tests(store: Store, which: str, params: Sequence[object], *, since: datetime,
                  last: int) -> dict[str, tuple[int, int, datetime | None]]:
    """(tests, misses, latest miss) over the latest `last` tests since `since` of each
    question the query `which` names (its column `id`)."""
    tested = f"({_tested('intent')} OR {_tested('story')})"
    missed = (f"(({_tested('intent')} AND r.intent_rating = 1) "
              f"OR ({_tested('story')} AND r.story_rating = 1))")
    sql = (
        f"WITH chosen AS ({which}), "
        f"latest AS (SELECT chosen.id AS question_id, r.reviewed_at AS at, {missed} AS missed, "
        "row_number() OVER (PARTITION BY r.question_num "
        "ORDER BY r.reviewed_at DESC, r.id DESC) AS n "
        "FROM chosen JOIN question cq ON cq.id = chosen.id "
        "JOIN review r ON r.question_num = cq.num "
        f"WHERE r.reviewed_at >= ? AND {tested}) "
        "SELECT question_id, count(*), sum(missed), max(CASE WHEN missed THEN at END) "
        "FROM latest WHERE n <= ? GROUP BY question_id")
    with store.read() as con:
        rows = con.execute(sql, [*params, to_db_micros(since), last]).fetchall()
    return {q: (int(n), int(m), from_db_micros(at) if at else None) for q, n, m, at in rows}
