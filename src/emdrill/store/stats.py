"""Aggregate queries for weakness and stats. Aggregation happens in SQL."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from emdrill.core.scheduler import NO_FIT, FacetParameters, recall_after
from emdrill.core.stats import SeenQuestion
from emdrill.core.timing import sql_day_shift
from emdrill.core.weakness import MIN_GAP_HOURS
from emdrill.store.cards import ensure_day_shift, memory_of
from emdrill.store.codec import from_db_time, to_db_time
from emdrill.store.db import Store


def _tested(kind: str) -> str:
    """1 when the facet was a recall test: graded in this review (an Anki review grades one
    facet), and reviewed before, at least MIN_GAP_HOURS earlier."""
    return (f"(r.{kind}_rating IS NOT NULL AND coalesce(julianday(r.reviewed_at) "
            f"- julianday(r.{kind}_prev_last_review) >= {MIN_GAP_HOURS / 24!r}, 0))")


# ---------------------------------------------------------------- stats and shaky
# Times are stored as fixed-width UTC ISO text, so comparing text compares times.


def _shift(offset_minutes: int) -> str:
    return sql_day_shift(offset_minutes)


def total_reviews(store: Store) -> int:
    with store.read() as con:
        return int(con.execute("SELECT coalesce(sum(reviews), 0) FROM question").fetchone()[0])


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

def family_periods(store: Store, *, split: datetime, since: datetime, offset_minutes: int,
                   ) -> list[tuple[str, bool, int, int, int, int, int, int, int]]:
    """(family, recent, reviews, intent passes, story passes, lapses, intent graded, story
    graded, recall tests) for reviews since `since`; `recent` is True for those at or after
    `split` (both study-day starts). A recall test is a facet graded at least an hour after
    its previous review; a lapse is one rated Again. Read from `family_day`."""
    shift = ensure_day_shift(store, offset_minutes=offset_minutes)
    sql = ("SELECT family, day >= ? AS recent, sum(reviews), sum(intent_passes), "
           "sum(story_passes), sum(lapses), sum(intent_graded), sum(story_graded), "
           "sum(young_tests + mature_tests) "
           "FROM family_day WHERE day >= ? GROUP BY family, recent HAVING sum(reviews) > 0")
    with store.read() as con:
        rows = con.execute(sql, (_day(split, shift), _day(since, shift))).fetchall()
    return [(f, bool(recent), int(n), int(i), int(st), int(lapses), int(ni), int(ns), int(t))
            for f, recent, n, i, st, lapses, ni, ns, t in rows]


def retention_counts(store: Store, *, bounds: list[datetime], offset_minutes: int,
                     ) -> list[tuple[int, bool, int, int]]:
    """Recall tests since bounds[-1] (study-day starts), as (period, mature, passed, total):
    period i is from bounds[i] up to bounds[i-1]. Mature: stats.MATURE_DAYS."""
    shift = ensure_day_shift(store, offset_minutes=offset_minutes)
    days = [_day(b, shift) for b in bounds]
    cases = " ".join(f"WHEN day >= {d} THEN {i}" for i, d in enumerate(days))
    sql = (f"SELECT CASE {cases} END AS period, sum(young_passes), sum(young_tests), "
           "sum(mature_passes), sum(mature_tests) FROM family_day WHERE day >= ? "
           "GROUP BY period")
    with store.read() as con:
        rows = con.execute(sql, (days[-1],)).fetchall()
    result = []
    for period, young_passed, young, mature_passed, mature in rows:
        result += [(int(period), False, int(young_passed), int(young)),
                   (int(period), True, int(mature_passed), int(mature))]
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
    columns = "{k}.state, {k}.step, {k}.stability, {k}.difficulty, {k}.due, {k}.last_review"
    sql = (
        "SELECT q.id, q.family, q.text, q.intent, q.story, "
        f"{columns.format(k='i')}, {columns.format(k='s')}, q.position FROM question q "
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
        where += f" AND r.question_id IN ({', '.join('?' * len(ids))})"
    sql = (f"SELECT r.question_id, sum({_lapses()}) AS n, "
           f"max(CASE WHEN {_lapses()} > 0 THEN r.reviewed_at END) AS latest "
           "FROM review r JOIN question q ON q.id = r.question_id "
           f"WHERE r.reviewed_at >= ? AND (r.intent_rating = 1 OR r.story_rating = 1){where} "
           "GROUP BY r.question_id HAVING n > 0 ORDER BY latest DESC"
           + (" LIMIT ?" if limit is not None else ""))
    params: list[object] = [to_db_time(since)]
    params += [family] if family is not None else []
    params += list(ids) if ids is not None else []
    params += [limit] if limit is not None else []
    with store.read() as con:
        rows = con.execute(sql, params).fetchall()
    return {q: (int(n), from_db_time(at)) for q, n, at in rows}


def slot_names(store: Store) -> dict[int, str]:
    with store.read() as con:
        return {int(n): str(name) for n, name in con.execute("SELECT slot, name FROM slot")}


# Recent reviews with their question: the window of `review_time` first (CROSS JOIN keeps
# SQLite from walking every question's reviews instead), `?` the window's start.
_WINDOW = ("FROM review r CROSS JOIN question q ON q.id = r.question_id "
           "WHERE r.reviewed_at >= ?")


def _again_since(since: datetime, family: str | None) -> tuple[str, list[object]]:
    """FROM and WHERE for the reviews since `since` with a facet rated Again (of `family`);
    grouping by `+r.question_id` keeps SQLite on the window's index."""
    if family is None:
        return ("FROM review r WHERE r.reviewed_at >= ? AND (r.intent_rating = 1 "
                "OR r.story_rating = 1)", [to_db_time(since)])
    return (f"{_WINDOW} AND (r.intent_rating = 1 OR r.story_rating = 1) AND q.family = ?",
            [to_db_time(since), family])


def recent_misses(store: Store, *, since: datetime, last: int, family: str | None = None,
                  ) -> dict[str, tuple[int, int, datetime | None]]:
    """Every question missed among its latest `last` recall tests since `since` (reviews
    where either facet was a test, see `_tested`): how many tests that was, how many were
    missed (a tested facet rated Again) and when the latest miss happened. Reads only the
    reviews since `since` (the `review_time` index) of questions rated Again in them."""
    where, params = _again_since(since, family)
    found = _latest_tests(store, f"SELECT DISTINCT +r.question_id AS id {where}", params,
                          since=since, last=last)
    return {q: v for q, v in found.items() if v[1]}


def miss_bounds(store: Store, *, since: datetime, family: str | None = None,
                ) -> dict[str, tuple[int, datetime]]:
    """Per question rated Again since `since`: how many such reviews, and the latest. A
    question's misses among its latest tests since then (`recent_tests`) are no more, and
    its latest miss no later. One pass over the window."""
    where, params = _again_since(since, family)
    sql = f"SELECT r.question_id, count(*), max(r.reviewed_at) {where} GROUP BY +r.question_id"
    with store.read() as con:
        return {q: (int(n), from_db_time(at)) for q, n, at in con.execute(sql, params)}


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
        f"latest AS (SELECT r.question_id, r.reviewed_at AS at, {missed} AS missed, "
        "row_number() OVER (PARTITION BY r.question_id "
        "ORDER BY r.reviewed_at DESC, r.id DESC) AS n "
        "FROM chosen JOIN review r ON r.question_id = chosen.id "
        f"WHERE r.reviewed_at >= ? AND {tested}) "
        "SELECT question_id, count(*), sum(missed), max(CASE WHEN missed THEN at END) "
        "FROM latest WHERE n <= ? GROUP BY question_id")
    with store.read() as con:
        rows = con.execute(sql, [*params, to_db_time(since), last]).fetchall()
    return {q: (int(n), int(m), from_db_time(at) if at else None) for q, n, m, at in rows}
