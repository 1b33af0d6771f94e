"""Aggregate queries for weakness and stats. Aggregation happens in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from emdrill.core.scheduler import recall_at
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
    """The study day (days since 1970) a time falls in, under `shift` (store.cards.day_shift)."""
    return (int(at.timestamp()) + shift) // 86400


def family_periods(store: Store, *, split: datetime, since: datetime, offset_minutes: int,
                   ) -> list[tuple[str, bool, int, int, int, int, int, int]]:
    """(family, recent, reviews, intent passes, story passes, lapses, intent graded, story
    graded) for reviews since `since`; `recent` is True for those at or after `split` (both
    study-day starts). A lapse is a recall test rated Again. Read from `family_day`."""
    shift = ensure_day_shift(store, offset_minutes=offset_minutes)
    sql = ("SELECT family, day >= ? AS recent, sum(reviews), sum(intent_passes), "
           "sum(story_passes), sum(lapses), sum(intent_graded), sum(story_graded) "
           "FROM family_day WHERE day >= ? GROUP BY family, recent HAVING sum(reviews) > 0")
    with store.read() as con:
        rows = con.execute(sql, (_day(split, shift), _day(since, shift))).fetchall()
    return [(f, bool(recent), int(n), int(i), int(st), int(lapses), int(ni), int(ns))
            for f, recent, n, i, st, lapses, ni, ns in rows]


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
    sql = text("SELECT date(quarter * 900, 'unixepoch', :shift) AS d, sum(reviews) "
               "FROM review_quarter WHERE quarter >= :since GROUP BY d")
    params = {"shift": _shift(offset_minutes), "since": int(since.timestamp()) // 900}
    with store.session() as s:
        return {d: int(n) for d, n in s.execute(sql, params)}


def due_per_day(store: Store, *, until: datetime, offset_minutes: int) -> dict[str, int]:
    """Seen, active questions due before `until`, per study day of their earliest facet due
    (`question.due`, indexed)."""
    sql = ("SELECT date(due, ?) AS d, count(*) FROM question "
           "WHERE suspended = 0 AND due < ? GROUP BY d")
    with store.read() as con:
        return {d: int(n) for d, n in con.execute(sql, (_shift(offset_minutes),
                                                          to_db_time(until)))}


def recall_by_family(store: Store, now: datetime) -> dict[str, tuple[float, float]]:
    """Mean intent and story retrievability per family over seen, active questions: two
    columns a facet, the forgetting curve in Python (`core.scheduler.retrievability`)."""
    sql = ("SELECT q.family, f.kind, f.stability, f.last_review FROM question q "
           "JOIN facet f ON f.question_id = q.id "
           "WHERE q.suspended = 0 AND q.due IS NOT NULL")
    sums: dict[str, list[float]] = {}
    with store.read() as con:
        for family, kind, stability, last in con.execute(sql):
            entry = sums.setdefault(family, [0.0, 0.0, 0.0, 0.0])
            slot = 0 if kind == "intent" else 2
            entry[slot] += recall_at(stability, from_db_time(last) if last else None, now)
            entry[slot + 1] += 1
    return {f: (a / n if n else 0.0, b / m if m else 0.0) for f, (a, n, b, m) in sums.items()}


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
