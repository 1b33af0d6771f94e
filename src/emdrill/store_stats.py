"""Aggregate queries for weakness and stats. Aggregation happens in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text

from emdrill.models import to_db_time
from emdrill.store import Store
from emdrill.weakness import Bucket


def family_slugs(store: Store) -> list[str]:
    with store.session() as s:
        return [row[0] for row in s.execute(text("SELECT slug FROM family ORDER BY rowid"))]


def outcome_buckets(store: Store, *, now: datetime, since: datetime) -> list[Bucket]:
    """Facet outcomes per family and whole-day age since `since`."""
    sql = text(
        "SELECT q.family, CAST(julianday(:now) - julianday(r.reviewed_at) AS INTEGER) AS age, "
        "2 * count(*), sum(r.intent_rating = 1) + sum(r.story_rating = 1) "
        "FROM review r JOIN question q ON q.id = r.question_id "
        "WHERE r.reviewed_at >= :since GROUP BY q.family, age"
    )
    params = {"now": to_db_time(now), "since": to_db_time(since)}
    with store.session() as s:
        return [Bucket(family=f, age_days=int(a), facets=int(n), misses=int(m))
                for f, a, n, m in s.execute(sql, params)]


# ---------------------------------------------------------------- stats and shaky
# Times are stored as fixed-width UTC ISO text, so comparing text compares times.


def _shift(offset_minutes: int) -> str:
    """SQLite date modifier that turns a UTC time into its study day (04:00 local)."""
    return f"{offset_minutes - 4 * 60:+d} minutes"


def total_reviews(store: Store) -> int:
    with store.session() as s:
        return int(s.execute(text("SELECT count(*) FROM review")).scalar_one())


def family_names(store: Store) -> list[tuple[str, str]]:
    """(slug, name) of every family, in the order the decks define them."""
    with store.session() as s:
        return [(r[0], r[1]) for r in s.execute(text("SELECT slug, name FROM family ORDER BY rowid"))]


def family_counts(store: Store) -> dict[str, tuple[int, int, int]]:
    """Per family: active questions, active questions seen, reviews of all time."""
    cards = text(
        "SELECT q.family, count(*), sum(f.seen) FROM question q JOIN "
        "(SELECT question_id, max(last_review IS NOT NULL) AS seen FROM facet "
        " GROUP BY question_id) f ON f.question_id = q.id "
        "WHERE NOT q.suspended GROUP BY q.family"
    )
    reviews = text(
        "SELECT q.family, sum(r.n) FROM (SELECT question_id, count(*) AS n FROM review "
        "GROUP BY question_id) r JOIN question q ON q.id = r.question_id GROUP BY q.family"
    )
    result: dict[str, tuple[int, int, int]] = {}
    with store.session() as s:
        for family, questions, seen in s.execute(cards):
            result[family] = (int(questions), int(seen or 0), 0)
        for family, n in s.execute(reviews):
            questions, seen, _ = result.get(family, (0, 0, 0))
            result[family] = (questions, seen, int(n))
    return result


def family_periods(store: Store, *, split: datetime,
                   since: datetime) -> list[tuple[str, bool, int, int, int, int]]:
    """(family, recent, reviews, intent passes, story passes, lapses) for reviews since
    `since`; `recent` is True for those at or after `split`. A lapse is a facet rated Again."""
    sql = text(
        "SELECT q.family, r.reviewed_at >= :split AS recent, count(*), "
        "sum(r.intent_rating > 1), sum(r.story_rating > 1), "
        "sum(r.intent_rating = 1) + sum(r.story_rating = 1) "
        "FROM review r JOIN question q ON q.id = r.question_id "
        "WHERE r.reviewed_at >= :since GROUP BY q.family, recent"
    )
    params = {"split": to_db_time(split), "since": to_db_time(since)}
    with store.session() as s:
        return [(f, bool(recent), int(n), int(i), int(st), int(lapses))
                for f, recent, n, i, st, lapses in s.execute(sql, params)]


def _facet_outcomes(kind: str) -> str:
    interval = f"julianday(r.{kind}_prev_due) - julianday(r.{kind}_prev_last_review)"
    return (f"SELECT r.reviewed_at AS at, r.{kind}_rating > 1 AS passed, "
            f"{interval} >= :mature AS mature FROM review r "
            f"WHERE r.reviewed_at >= :since AND r.{kind}_prev_last_review IS NOT NULL")


def retention_counts(store: Store, *, bounds: list[datetime], mature_days: float,
                     ) -> list[tuple[int, bool, int, int]]:
    """Facet reviews since bounds[-1] that were not a first sight, as (period, mature,
    passed, total): period i holds those at or after bounds[i] and before bounds[i-1]."""
    cases = " ".join(f"WHEN at >= :b{i} THEN {i}" for i in range(len(bounds)))
    sql = text(
        f"SELECT CASE {cases} END AS period, mature, sum(passed), count(*) FROM "
        f"({_facet_outcomes('intent')} UNION ALL {_facet_outcomes('story')}) "
        "GROUP BY period, mature"
    )
    params: dict[str, object] = {f"b{i}": to_db_time(b) for i, b in enumerate(bounds)}
    params.update(since=to_db_time(bounds[-1]), mature=mature_days)
    with store.session() as s:
        return [(int(p), bool(m), int(passed), int(n)) for p, m, passed, n in s.execute(sql, params)]


def reviews_per_day(store: Store, *, since: datetime, offset_minutes: int) -> dict[str, int]:
    """Reviews per study day (YYYY-MM-DD) since `since`."""
    sql = text("SELECT date(reviewed_at, :shift) AS d, count(*) FROM review "
               "WHERE reviewed_at >= :since GROUP BY d")
    params = {"shift": _shift(offset_minutes), "since": to_db_time(since)}
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


def seen_facets(store: Store, *, family: str | None = None) -> list[tuple[Any, ...]]:
    """Seen, active questions with both facets' memory: (id, family, intent text, story slot,
    then state, step, stability, difficulty, due, last_review for intent and for story)."""
    columns = "{k}.state, {k}.step, {k}.stability, {k}.difficulty, {k}.due, {k}.last_review"
    sql = (
        "SELECT q.id, q.family, q.intent, q.story, "
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
        return [tuple(row) for row in s.execute(text(sql + " ORDER BY q.position"), params)]


def recent_lapses(store: Store, *, since: datetime) -> dict[str, tuple[int, str]]:
    """Per question: facets rated Again since `since`, and the time of the latest (DB text)."""
    sql = text(
        "SELECT question_id, sum(intent_rating = 1) + sum(story_rating = 1), max(reviewed_at) "
        "FROM review WHERE reviewed_at >= :since AND (intent_rating = 1 OR story_rating = 1) "
        "GROUP BY question_id"
    )
    with store.session() as s:
        return {q: (int(n), str(at)) for q, n, at in s.execute(sql, {"since": to_db_time(since)})}


def slot_names(store: Store) -> dict[int, str]:
    with store.session() as s:
        return {int(n): str(name) for n, name in s.execute(text("SELECT slot, name FROM slot"))}
