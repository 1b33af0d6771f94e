"""Aggregate queries for weakness and stats. Aggregation happens in SQL."""

from __future__ import annotations

from datetime import datetime

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
