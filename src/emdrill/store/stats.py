"""Aggregate queries for weakness and stats. Aggregation happens in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from emdrill.core.stats import SeenQuestion
from emdrill.core.timing import sql_day_shift
from emdrill.core.weakness import MIN_GAP_HOURS
from emdrill.store.cards import memory_of
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
    with store.session() as s:
        return int(s.execute(text("SELECT count(*) FROM review")).scalar_one())


def family_counts(store: Store) -> dict[str, tuple[int, int, int]]:
    """Per family: active questions, active questions seen, reviews of all time."""
    cards = text(
        "SELECT q.family, count(*), sum(f.seen) FROM question q JOIN "
        "(SELECT question_id, max(last_review IS NOT NULL) AS seen FROM facet "
        " GROUP BY question_id) f ON f.question_id = q.id "
        "WHERE NOT q.suspended GROUP BY q.family"
    )
    reviews = text("SELECT family, sum(reviews) FROM question GROUP BY family")
    result: dict[str, tuple[int, int, int]] = {}
    with store.session() as s:
        for family, questions, seen in s.execute(cards):
            result[family] = (int(questions), int(seen or 0), 0)
        for family, n in s.execute(reviews):
            questions, seen, _ = result.get(family, (0, 0, 0))
            result[family] = (questions, seen, int(n))
    return result


def _lapses() -> str:
    return (f"({_tested('intent')} AND r.intent_rating = 1) "
            f"+ ({_tested('story')} AND r.story_rating = 1)")


def family_periods(store: Store, *, split: datetime, since: datetime,
                   ) -> list[tuple[str, bool, int, int, int, int, int, int, int, int]]:
    """(family, recent, reviews, intent passes, story passes, lapses, intent graded, story
    graded, tests, missed) for reviews since `since`; `recent` is True for those at or after
    `split`. A lapse is a recall test (see `_tested`) rated Again; tests and missed count
    answers (either facet)."""
    sql = text(
        "SELECT q.family, r.reviewed_at >= :split AS recent, count(*), "
        "coalesce(sum(r.intent_rating > 1), 0), coalesce(sum(r.story_rating > 1), 0), "
        f"sum({_lapses()}), count(r.intent_rating), count(r.story_rating), "
        f"sum({_tested('intent')} OR {_tested('story')}), sum({_lapses()} > 0) "
        "FROM review r JOIN question q ON q.id = r.question_id "
        "WHERE r.reviewed_at >= :since GROUP BY q.family, recent"
    )
    params = {"split": to_db_time(split), "since": to_db_time(since)}
    with store.session() as s:
        return [(f, bool(recent), int(n), int(i), int(st), int(lapses), int(ni), int(ns),
                 int(t), int(m))
                for f, recent, n, i, st, lapses, ni, ns, t, m in s.execute(sql, params)]


def _facet_outcomes(kind: str) -> str:
    interval = f"julianday(r.{kind}_prev_due) - julianday(r.{kind}_prev_last_review)"
    return (f"SELECT r.reviewed_at AS at, r.{kind}_rating > 1 AS passed, "
            f"{interval} >= :mature AS mature FROM review r "
            f"WHERE r.reviewed_at >= :since AND {_tested(kind)}")


def retention_counts(store: Store, *, bounds: list[datetime], mature_days: float,
                     ) -> list[tuple[int, bool, int, int]]:
    """Recall tests since bounds[-1] (facets reviewed at least MIN_GAP_HOURS before), as
    (period, mature, passed, total): period i is from bounds[i] up to bounds[i-1]."""
    cases = " ".join(f"WHEN at >= :b{i} THEN {i}" for i in range(len(bounds)))
    sql = text(
        f"SELECT CASE {cases} END AS period, mature, sum(passed), count(*) FROM "
        f"({_facet_outcomes('intent')} UNION ALL {_facet_outcomes('story')}) "
        "GROUP BY period, mature"
    )
    params: dict[str, object] = {f"b{i}": to_db_time(b) for i, b in enumerate(bounds)}
    params.update(since=to_db_time(bounds[-1]), mature=mature_days)
    with store.session() as s:
        rows = list(s.execute(sql, params))
    return [(int(p), bool(m), int(passed), int(n)) for p, m, passed, n in rows]


def reviews_per_day(store: Store, *, since: datetime, offset_minutes: int) -> dict[str, int]:
    """Reviews per study day (YYYY-MM-DD) since `since`."""
    sql = text("SELECT date(quarter * 900, 'unixepoch', :shift) AS d, sum(reviews) "
               "FROM review_quarter WHERE quarter >= :since GROUP BY d")
    params = {"shift": _shift(offset_minutes), "since": int(since.timestamp()) // 900}
    with store.session() as s:
        return {d: int(n) for d, n in s.execute(sql, params)}


def due_per_day(store: Store, *, until: datetime, offset_minutes: int) -> dict[str, int]:
    """Seen, active questions due before `until`, per study day of their earliest facet due."""
    sql = text(
        "SELECT date(due, :shift) AS d, count(*) FROM "
        "(SELECT min(f.due) AS due FROM facet f JOIN question q ON q.id = f.question_id "
        " WHERE NOT q.suspended GROUP BY f.question_id HAVING count(f.last_review) > 0) "
        "WHERE due < :until GROUP BY d"
    )
    params = {"shift": _shift(offset_minutes), "until": to_db_time(until)}
    with store.session() as s:
        return {d: int(n) for d, n in s.execute(sql, params)}


def seen_questions(store: Store, *, family: str | None = None) -> list[SeenQuestion]:
    """Active questions reviewed at least once, with both facets' memory, in deck order."""
    columns = "{k}.state, {k}.step, {k}.stability, {k}.difficulty, {k}.due, {k}.last_review"
    sql = (
        "SELECT q.id, q.family, q.text, q.intent, q.story, "
        f"{columns.format(k='i')}, {columns.format(k='s')} FROM question q "
        "JOIN facet i ON i.question_id = q.id AND i.kind = 'intent' "
        "JOIN facet s ON s.question_id = q.id AND s.kind = 'story' "
        "WHERE NOT q.suspended AND (i.last_review IS NOT NULL OR s.last_review IS NOT NULL)"
    )
    params: dict[str, object] = {}
    if family is not None:
        sql += " AND q.family = :family"
        params["family"] = family
    with store.session() as s:
        rows = list(s.execute(text(sql + " ORDER BY q.position"), params))
    return [SeenQuestion(id=r[0], family=r[1], text=r[2], intent_line=r[3], slot=int(r[4]),
                         intent=memory_of(r[5:11]), story=memory_of(r[11:17])) for r in rows]





def recent_lapses(store: Store, *, since: datetime) -> dict[str, tuple[int, datetime]]:
    """Per question: lapses since `since`, and when the latest one happened."""
    sql = text(
        f"SELECT r.question_id, sum({_lapses()}) AS n, "
        f"max(CASE WHEN {_lapses()} > 0 THEN r.reviewed_at END) "
        "FROM review r WHERE r.reviewed_at >= :since AND (r.intent_rating = 1 "
        "OR r.story_rating = 1) GROUP BY r.question_id HAVING n > 0"
    )
    with store.session() as s:
        rows = list(s.execute(sql, {"since": to_db_time(since)}))
    return {q: (int(n), from_db_time(at)) for q, n, at in rows}


def slot_names(store: Store) -> dict[int, str]:
    with store.session() as s:
        return {int(n): str(name) for n, name in s.execute(text("SELECT slot, name FROM slot"))}


def recent_tests(store: Store, *, since: datetime, last: int,
                 family: str | None = None) -> dict[str, tuple[int, int, datetime | None]]:
    """Per question: of its latest `last` recall tests since `since` (reviews where either
    facet was a test, see `_tested`), how many there were, how many were missed (a tested
    facet rated Again), and when the latest miss happened."""
    tested = f"({_tested('intent')} OR {_tested('story')})"
    missed = (f"(({_tested('intent')} AND r.intent_rating = 1) "
              f"OR ({_tested('story')} AND r.story_rating = 1))")
    where = "r.reviewed_at >= :since AND " + tested
    params: dict[str, object] = {"since": to_db_time(since), "last": last}
    if family is not None:
        where += " AND r.question_id IN (SELECT id FROM question WHERE family = :family)"
        params["family"] = family
    sql = text(
        "SELECT question_id, count(*), sum(missed), max(CASE WHEN missed THEN at END) FROM "
        f"(SELECT r.question_id, r.reviewed_at AS at, {missed} AS missed, row_number() OVER "
        "(PARTITION BY r.question_id ORDER BY r.reviewed_at DESC, r.id DESC) AS n "
        f"FROM review r WHERE {where}) WHERE n <= :last GROUP BY question_id"
    )
    with store.session() as s:
        rows = list(s.execute(sql, params))
    return {q: (int(n), int(m), from_db_time(at) if at else None) for q, n, m, at in rows}


def family_answers(store: Store, *, since: datetime) -> dict[str, tuple[int, int]]:
    """Per family: answers since `since`, and those with both intent and story right (a
    facet left ungraded, as an Anki review leaves one, does not count against it)."""
    sql = text(
        "SELECT q.family, count(*), "
        "sum(coalesce(r.intent_rating, 2) > 1 AND coalesce(r.story_rating, 2) > 1) "
        "FROM review r JOIN question q ON q.id = r.question_id "
        "WHERE r.reviewed_at >= :since GROUP BY q.family"
    )
    with store.session() as s:
        return {f: (int(n), int(right)) for f, n, right in
                s.execute(sql, {"since": to_db_time(since)})}


def seconds_per_answer(store: Store, *, last: int) -> tuple[float, int] | None:
    """Mean seconds over the latest `last` timed answers in drills and commutes, and how
    many answers that mean is over; None before the first."""
    sql = text(
        "SELECT avg(seconds), count(*) FROM (SELECT seconds FROM review WHERE seconds IS NOT "
        "NULL AND mode IN ('drill', 'commute', 'practice') ORDER BY id DESC LIMIT :last)"
    )
    with store.session() as s:
        mean, n = s.execute(sql, {"last": last}).one()
    return (float(mean), int(n)) if n else None
