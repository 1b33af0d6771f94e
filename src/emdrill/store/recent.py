"""What the home screen and the session summaries read for their advice: answers per family
this week, the user's pace, the slots they have stories for, and how many questions rely on
each slot. Plain SQL over indexed ranges and small tables, so the home screen stays quick."""

from __future__ import annotations

from datetime import datetime

from emdrill.core.advice import PACE_ANSWERS, Pace, pace_of
from emdrill.core.timing import day_shift_seconds
from emdrill.store import study_days
from emdrill.store.codec import json_list, mode_code, to_db_micros
from emdrill.store.db import Store
from emdrill.store.migrations import FAMILY_DAY_COUNTS, SINCE_ID
from emdrill.store.stats import family_counts_from


def family_answers(store: Store, *, since: datetime) -> dict[str, tuple[int, int]]:
    """Per family: answers since `since`, and those with both intent and story right (a
    facet left ungraded, as an Anki review leaves one, does not count against it). Read
    from the per-day tallies (`stats.family_counts_from`: the stored days, plus the history
    for the part of a day another UTC offset moves), not from the week's reviews."""
    with store.read() as con:
        counts = family_counts_from(con, since)
    return {f: (v[_REVIEWS], v[_RIGHT]) for f, v in counts.items() if v[_REVIEWS] > 0}


_REVIEWS, _RIGHT = FAMILY_DAY_COUNTS.index("reviews"), FAMILY_DAY_COUNTS.index("right_answers")


def question_misses(store: Store, *, since: datetime,
                    family: str | None = None) -> dict[str, tuple[str, int]]:
    """Per question answered since `since` and missed at least once (of one `family` when
    given): its family, and its answers with intent or story wrong. With a family, its
    questions first and each one's reviews since `since` by `review_question`, so the home
    screen reads one family's week, not everyone's."""
    missed = "sum(coalesce(r.intent_rating, 2) = 1 OR coalesce(r.story_rating, 2) = 1) AS n"
    if family is None:
        sql = (f"SELECT q.id, q.family, {missed} "
               "FROM review r CROSS JOIN question q ON q.num = r.question_num "
               f"WHERE r.reviewed_at >= ? AND r.id >= {SINCE_ID} GROUP BY q.id HAVING n > 0")
        params: tuple[object, ...] = (to_db_micros(since), to_db_micros(since))
    else:
        sql = (f"SELECT q.id, ?, {missed} FROM review r "
               "CROSS JOIN question q ON q.num = r.question_num "
               "WHERE r.question_num IN (SELECT num FROM question WHERE family = ?) "
               "AND r.reviewed_at >= ? GROUP BY q.id HAVING n > 0")
        params = (family, family, to_db_micros(since))
    with store.read() as con:
        return {q: (f, int(n)) for q, f, n in con.execute(sql, params)}


def seconds_per_answer(store: Store, *, last: int) -> tuple[float, int] | None:
    """Mean seconds over the latest `last` timed answers in drills and commutes, and how
    many answers that mean is over; None before the first."""
    sql = ("SELECT avg(seconds), count(*) FROM (SELECT seconds FROM review WHERE seconds IS "
           "NOT NULL AND mode IN ("
           f"{', '.join(str(mode_code(m)) for m in ('drill', 'commute', 'practice'))}) "
           "ORDER BY id DESC LIMIT ?)")
    with store.read() as con:
        mean, n = con.execute(sql, (last,)).fetchone()
    return (float(mean), int(n)) if n else None


def pace(store: Store) -> Pace:
    """The user's pace over the latest PACE_ANSWERS timed answers: the one figure the home
    screen (answers a drill) and the interview plan (minutes a day) use."""
    return pace_of(seconds_per_answer(store, last=PACE_ANSWERS))


def covered_slots(store: Store) -> set[int]:
    """The slots at least one of the user's stories serves."""
    with store.read() as con:
        return {int(n) for (slots,) in con.execute("SELECT slots FROM story")
                for n in json_list(slots)}


def stories_by_family(store: Store) -> dict[str, dict[int, int]]:
    """Per family: how many active questions name each primary story slot (or the system
    answer), counted from the `question_family_story` index alone (migration 19)."""
    found: dict[str, dict[int, int]] = {}
    with store.read() as con:
        for family, story, n in con.execute("SELECT family, story, count(*) FROM question "
                                            "WHERE suspended = 0 GROUP BY family, story"):
            found.setdefault(family, {})[int(story)] = int(n)
    return found


def latest_run(store: Store, *, offset_minutes: int,
               before: int | None = None) -> tuple[int, int] | None:
    """The latest run of consecutive study days with a review under this UTC offset, as its
    first and last day (days since 1970); None before any review. With `before`, of the days
    before that one only. One statement: from the latest day with a review, down one day at
    a time while the day before has one too, a key lookup (or a range of the quarter-hour
    counts) a day, in SQLite. From the per-day counts when they count under this offset,
    else from the quarter-hour counts (any offset's days are whole quarter hours), so a new
    offset costs no walk over every quarter of the run."""
    shift = day_shift_seconds(offset_minutes)
    bound = _NO_BOUND if before is None else before
    with store.read() as con:
        sql = _RUN_BY_DAY if study_days.stored_shift(con) == shift else _RUN_BY_QUARTER
        first, last = con.execute(sql, {"shift": shift, "before": bound}).fetchone()
    return None if first is None else (int(first), int(last))


def reviews_around(store: Store, start: datetime, end: datetime) -> tuple[int, int, int]:
    """Reviews before `start`, from `start` to before `end`, and from `end` on (quarter-hour
    bounds, as study days are): one statement, from the running total (`review_count`) and
    the quarter-hour counts from `start` on, so the history before it is not read."""
    sql = ("SELECT (SELECT reviews FROM review_count), coalesce(sum(reviews), 0), "
           "coalesce(sum(CASE WHEN quarter >= :end THEN reviews END), 0) "
           "FROM review_quarter WHERE quarter >= :start")
    bounds = {"start": int(start.timestamp()) // 900, "end": int(end.timestamp()) // 900}
    with store.read() as con:
        total, since, later = con.execute(sql, bounds).fetchone()
    return int(total) - int(since), int(since) - int(later), int(later)


_NO_BOUND = 1 << 40  # a day number no review reaches
_RUN = ("WITH RECURSIVE run(day) AS (SELECT ({latest}) AS d WHERE d IS NOT NULL "
        "UNION ALL SELECT day - 1 FROM run WHERE EXISTS ({before})) "
        "SELECT min(day), max(day) FROM run")
_RUN_BY_DAY = _RUN.format(
    latest="SELECT day FROM review_day WHERE reviews > 0 AND day < :before "
           "ORDER BY day DESC LIMIT 1",
    before="SELECT 1 FROM review_day WHERE day = run.day - 1 AND reviews > 0")
_RUN_BY_QUARTER = _RUN.format(  # a day's quarters: (quarter * 900 + shift) / 86400 = day
    latest="SELECT (quarter * 900 + :shift) / 86400 FROM review_quarter WHERE reviews > 0 "
           "AND quarter < (:before * 86400 - :shift) / 900 ORDER BY quarter DESC LIMIT 1",
    before="SELECT 1 FROM review_quarter WHERE quarter >= ((run.day - 1) * 86400 - :shift) "
           "/ 900 AND quarter < (run.day * 86400 - :shift) / 900 AND reviews > 0")
