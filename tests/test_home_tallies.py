"""The home screen and `status` read tallies instead of the history (issue 25, migration 19):
this week's answers per family from `family_day`, the active questions per family and slot
from an index, the review total from one row, today's new questions from a partial index.
Each read must give what the queries it replaced gave (kept here as the reference), on a
history made under several UTC offsets and across a change of the stored day shift."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from conftest import DECK_HEADER, UNDO_M019, UNDO_M020, question
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock, day_shift_seconds
from emdrill.ops import anki_import, grading
from emdrill.ops import decks as ops_decks
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads, recent, review_log, tallies
from emdrill.store import decks as store_decks
from emdrill.store import interview as store_interview
from emdrill.store.codec import from_db_time, to_db_micros, to_db_time
from emdrill.store.db import Store, open_store
from emdrill.store.migrations import (
    FAMILY_DAY_COUNTS,
    FAMILY_DAY_COUNTS_M004,
    MATURE_RULE,
    _family_day_triggers,
)
from test_anki import LATER, Phone, phone, reviewed_on_phone  # noqa: F401 (phone: a fixture)
from test_hot_path import T0, _store

# ---------------------------------------------------------------- the queries replaced
OLD_FAMILY_ANSWERS = (
    "SELECT q.family, count(*), "
    "sum(coalesce(r.intent_rating, 2) > 1 AND coalesce(r.story_rating, 2) > 1) "
    "FROM review r CROSS JOIN question q ON q.num = r.question_num "
    "WHERE r.reviewed_at >= ? GROUP BY q.family")
OLD_STORIES = ("SELECT family, story, count(*) FROM question NOT INDEXED WHERE suspended = 0 "
               "GROUP BY family, story")
OLD_TOTAL = "SELECT coalesce(sum(reviews), 0) FROM question NOT INDEXED"
OLD_MISSES = ("SELECT q.id, q.family, "
              "sum(coalesce(r.intent_rating, 2) = 1 OR coalesce(r.story_rating, 2) = 1) AS n "
              "FROM review r CROSS JOIN question q ON q.num = r.question_num "
              "WHERE r.reviewed_at >= ? GROUP BY q.id HAVING n > 0")
OLD_NEW_SINCE = ("SELECT count(*) FROM review NOT INDEXED WHERE reviewed_at >= ? "
                 "AND intent_prev_last_review IS NULL AND story_prev_last_review IS NULL")

_PLAYING = ("SELECT {} FROM question NOT INDEXED WHERE suspended = 0 AND user_suspended = 0 "
            "AND (buried_until IS NULL OR buried_until <= ?) ")
OLD_COUNTS = (_PLAYING.format("count(*), count(*) - count(due)"),
              _PLAYING.format("count(*)") + "AND due <= ?",
              _PLAYING.format("min(due)") + "AND due > ?",
              _PLAYING.format("min(due)") + "AND due IS NOT NULL")

OFFSETS = (60, 330, -480, 0, 345)  # minutes east of UTC


def _old_counts(con: sqlite3.Connection, now: datetime) -> card_reads.Counts:
    stamp = to_db_time(now)
    (questions, new), (due,), (upcoming,), (earliest,) = (
        con.execute(sql, (stamp,) * sql.count("?")).fetchone() for sql in OLD_COUNTS)
    return card_reads.Counts(questions, due, new,
                              from_db_time(upcoming) if upcoming else None,
                              from_db_time(earliest) if earliest else None)


def _old(con: sqlite3.Connection, since: datetime) -> tuple[Any, ...]:
    stamp = to_db_micros(since)  # review times are microseconds (migration 20)
    answers = {f: (int(n), int(right)) for f, n, right in
               con.execute(OLD_FAMILY_ANSWERS, (stamp,))}
    stories: dict[str, dict[int, int]] = {}
    for family, story, n in con.execute(OLD_STORIES):
        stories.setdefault(family, {})[int(story)] = int(n)
    misses = {family: {q: (f, int(n)) for q, f, n in con.execute(OLD_MISSES, (stamp,))
                       if f == family} for family in ("alpha", "beta")}
    return (answers, stories, int(con.execute(OLD_TOTAL).fetchone()[0]),
            int(con.execute(OLD_NEW_SINCE, (stamp,)).fetchone()[0]), _old_counts(con, since),
            misses)


def _new(store: Store, since: datetime) -> tuple[Any, ...]:
    return (recent.family_answers(store, since=since), recent.stories_by_family(store),
            store_interview.review_total(store), review_log.new_introduced_since(store, since),
            card_reads.counts(store, since, earliest=True),
            {family: recent.question_misses(store, since=since, family=family)
             for family in ("alpha", "beta")})


def _bounds(times: list[datetime]) -> Iterator[datetime]:
    """Study-day starts under every offset, and times that are no day's start."""
    first = min(times) - timedelta(days=1)
    for minutes in OFFSETS:
        zone = timezone(timedelta(minutes=minutes))
        for day in range(0, (max(times) - first).days + 2, 2):
            local = (first + timedelta(days=day)).astimezone(zone)
            yield local.replace(hour=4, minute=0, second=0, microsecond=0).astimezone(UTC)
        for at in times[::7]:
            yield at.replace(minute=0, second=0, microsecond=0) + timedelta(minutes=minutes % 60)
    yield max(times) + timedelta(days=1)


def _assert_same(store: Store, times: list[datetime]) -> int:
    checked = 0
    with store.read() as con:
        for since in _bounds(times):
            old = _old(con, since)
            assert _new(store, since) == old, since
            checked += bool(old[0])
    return checked


def _total_exact(store: Store, now: datetime | None = None) -> None:
    with store.read() as con:
        (count,) = con.execute("SELECT count(*) FROM review").fetchone()
        (summed,) = con.execute(OLD_TOTAL).fetchone()
        assert store_interview.review_total(store) == summed == count
        if now is not None:
            for at in (now - timedelta(days=2), now, now + timedelta(hours=30)):
                old = _old_counts(con, at)
                assert card_reads.counts(store, at, earliest=True) == old, at
                assert card_reads.counts(store, at) == replace(old, earliest_due=None), at


def _set_aside(store: Store, rng: random.Random, ids: list[str], now: datetime) -> None:
    """Bury one question (until a time before or after `now`) and suspend or unsuspend
    another, as `bury` and `suspend` write them."""
    with store.transact("set up the test") as con:
        con.execute("UPDATE question SET buried_until = ? WHERE id = ?",
                    (to_db_time(now + timedelta(hours=rng.uniform(-30, 30))), rng.choice(ids)))
        con.execute("UPDATE question SET user_suspended = NOT user_suspended WHERE id = ?",
                    (rng.choice(ids),))


def _history(store: Store, rng: random.Random, steps: int, start: datetime,
             ) -> list[datetime]:
    """Drills under several UTC offsets, answers from a phone (one facet, put in among
    older ones), and undos; the review total is checked after every write."""
    ids = [f"{f}-{i}" for f in ("alpha", "beta") for i in range(8)]
    now, times = start, []
    for step in range(steps):
        now += timedelta(minutes=rng.choice([20, 90, 300, 900, 1500]))
        zone = timezone(timedelta(minutes=rng.choice(OFFSETS)))
        if step % 9 == 8:
            grading.undo(store)
        elif step % 7 == 6:
            _set_aside(store, rng, ids, now)
        elif step % 5 == 4:
            at = now - timedelta(hours=rng.uniform(1, 60))
            rating = rng.choice(list(Rating))
            facet = rng.choice(["intent", "story"])
            grading.record(store, Clock(now=at, local=zone), rng.choice(ids),
                              intent=rating if facet == "intent" else None,
                              story=rating if facet == "story" else None, mode="anki")
            times.append(at)
        else:
            grading.grade(store, Clock(now=now, local=zone), rng.choice(ids),
                             intent=rng.choice(list(Rating)),
                             story=StoryAnswer(slot=rng.choice([1, 5])), mode="drill")
            times.append(now)
        _total_exact(store, now)
    return times


def _shift_to(store: Store, offset_minutes: int) -> None:
    """Count the per-day tables under another shift (what the readers must not care about)."""
    with store.transact("set up the test") as con:
        con.execute("UPDATE day_shift SET seconds = ?", (day_shift_seconds(offset_minutes),))
        con.execute("DELETE FROM review_day")
        con.execute("INSERT INTO review_day (day, reviews) SELECT (quarter * 900 + "
                    "(SELECT seconds FROM day_shift)) / 86400, sum(reviews) FROM review_quarter "
                    "GROUP BY 1")
        tallies.recount_family_days(con)


def _regrouped_deck(tmp_path: Path) -> Path:
    """The test deck again with beta-0 moved to alpha, alpha-7 gone (suspended), and
    alpha-6's reviews merged into a new question that replaces it."""
    parts = [DECK_HEADER]
    for family in ("alpha", "beta"):
        for i in range(8):
            qid = f"{family}-{i}"
            if qid in ("alpha-7", "alpha-6"):
                continue
            parts.append(question(qid, "alpha" if qid == "beta-0" else family,
                                  story=1 if family == "alpha" else 5,
                                  also="[5]" if family == "alpha" else "[]"))
    parts.append(question("alpha-merged", "alpha", story=5, also="[]",
                          replaces='["alpha-6"]'))
    path = tmp_path / "deck.toml"  # the same file, changed
    path.write_text("".join(parts), encoding="utf-8")
    return path


def test_the_tally_reads_equal_the_old_queries_across_offsets_and_a_shift_change(
        tmp_path: Path) -> None:
    store = _store(tmp_path)
    try:
        rng = random.Random(25)
        times = _history(store, rng, 90, T0)
        with store.read() as con:
            rows = con.execute("SELECT count(*), count(*) - count(intent_rating), "
                               "count(*) - count(story_rating) FROM review").fetchone()
        assert rows[0] > 50 and rows[1] > 3 and rows[2] > 3  # one-facet answers are in
        assert _assert_same(store, times) > 20
        _shift_to(store, 330)  # another stored shift: every bound corrects differently
        assert _assert_same(store, times) > 20
        times += _history(store, rng, 40, max(times))  # written under the new shift
        assert _assert_same(store, times) > 20
        ops_decks.load_paths(store, [_regrouped_deck(tmp_path)], now=max(times))
        _total_exact(store, max(times))
        with store.read() as con:
            assert con.execute("SELECT family, suspended FROM question WHERE id IN "
                               "('beta-0', 'alpha-7') ORDER BY id").fetchall() == [
                ("alpha", 1), ("alpha", 0)]
            assert con.execute("SELECT count(*) FROM question WHERE id = 'alpha-6'"
                               ).fetchone() == (0,)
        assert _assert_same(store, times) > 20
        store_decks.rebuild_aggregates(store)  # as a JSON import recounts
        _total_exact(store, max(times))
        assert _assert_same(store, times) > 20
    finally:
        store.close()


def test_the_review_total_stays_exact_through_an_anki_import(
        tmp_path: Path, store: Store, phone: Phone) -> None:  # noqa: F811 (the fixture)
    reviewed_on_phone(phone, store)
    _total_exact(store)
    result = anki_import.import_anki(store, LATER, phone.export(tmp_path / "back.apkg"))
    assert len(result.planned) == 5
    _total_exact(store)
    grading.undo(store)
    _total_exact(store)


def _back_to_18(path: Path, extra_reviews: int) -> None:
    """What migration 18 left: family_day without `right_answers` and its old triggers, no
    review_count, migration 17's index. Then reviews written under those triggers."""
    con = sqlite3.connect(path)
    con.executescript(UNDO_M020)
    con.executescript(
        "DROP TRIGGER family_day_added; DROP TRIGGER family_day_removed; "
        "DROP TRIGGER family_day_changed;"
        + _family_day_triggers(MATURE_RULE, FAMILY_DAY_COUNTS_M004, "text") + UNDO_M019 + """
        CREATE INDEX question_reviews ON question (reviews);
        PRAGMA user_version = 18;
    """)
    columns = [r[1] for r in con.execute("PRAGMA table_info(review)") if r[1] != "id"]
    picked = ", ".join("datetime(reviewed_at, '+3 hours') || '.000000+00:00'"
                       if c == "reviewed_at" else c for c in columns)
    con.execute(f"INSERT INTO review ({', '.join(columns)}) SELECT {picked} FROM review "
                "ORDER BY id LIMIT ?", (extra_reviews,))
    con.commit()
    con.close()


def test_migration_19_backfills_what_a_recount_gives(tmp_path: Path) -> None:
    store = _store(tmp_path)
    times = _history(store, random.Random(7), 60, T0)
    store.close()
    path = tmp_path / "c.db"
    _back_to_18(path, 12)
    store = open_store(path)
    try:
        assert store.migrated_from == 18
        columns = ", ".join(FAMILY_DAY_COUNTS)
        read = f"SELECT day, family, {columns} FROM family_day WHERE reviews <> 0 ORDER BY 1, 2"
        with store.transact("set up the test") as con:
            migrated = con.execute(read).fetchall()
            assert sum(r[-1] for r in migrated) > 10  # right answers were counted
            tallies.recount_family_days(con)
            assert con.execute(read).fetchall() == migrated
        _total_exact(store)
        assert _assert_same(store, times) > 10
    finally:
        store.close()


def _plans(store: Store, read: Any) -> list[str]:
    """The query plan of every statement `read` runs."""
    statements: list[str] = []
    store.con.set_trace_callback(statements.append)
    try:
        read()
    finally:
        store.con.set_trace_callback(None)
    return [" ".join(row[-1] for row in store.con.execute("EXPLAIN QUERY PLAN " + s))
            for s in statements if s.lstrip().upper().startswith("SELECT")]


def test_the_reads_use_their_index_or_row_and_no_history(tmp_path: Path) -> None:
    store = _store(tmp_path)
    try:
        _history(store, random.Random(3), 20, T0)
        stories = _plans(store, lambda: recent.stories_by_family(store))
        assert len(stories) == 1 and "COVERING INDEX question_family_story" in stories[0]
        assert "TEMP B-TREE" not in stories[0], stories
        new = _plans(store, lambda: review_log.new_introduced_since(store, T0))
        assert len(new) == 1 and "INDEX review_first" in new[0], new
        total = _plans(store, lambda: store_interview.review_total(store))
        assert total == ["SCAN review_count"], total
        misses = _plans(store, lambda: recent.question_misses(store, since=T0, family="beta"))
        assert "SEARCH r USING INDEX review_question" in misses[0], misses
        assert "INDEX question_family (family=?)" in misses[0], misses
        store.con.execute("ANALYZE")  # as the bench's files are: the planner's statistics
        counted = _plans(store, lambda: card_reads.counts(store, T0, earliest=True))
        assert "SCAN p" in counted[0] and "INDEX question_buried" in counted[0], counted
        assert all("question_family_due" not in p for p in counted), counted
        # the unseen forecast's first sights: their partial index, in its order (the SQL
        # names it: at 1M reviews, with no statistics for `review`, the planner walked every
        # question's reviews instead, 2.8 s against 0.06 s; bench/README.md)
        sights = _plans(store, lambda: store_interview.first_sight_answers(store))
        assert len(sights) == 1 and "SCAN r USING INDEX review_first" in sights[0], sights
        assert "TEMP B-TREE" not in sights[0], sights
        with store.read() as con:
            shift = int(con.execute("SELECT seconds FROM day_shift").fetchone()[0])
        day_start = datetime.fromtimestamp((int(T0.timestamp()) + shift) // 86400 * 86400
                                           - shift, UTC)
        week = _plans(store, lambda: recent.family_answers(store, since=day_start))
        assert any("SEARCH family_day" in p for p in week), week
        assert not any("review" in p for p in week), week  # no review row is read
    finally:
        store.close()


def test_rebuild_aggregates_recounts_every_tally_the_review_triggers_keep(
        tmp_path: Path) -> None:
    """A bulk write (the fair bench's builder) sets the triggers on `review` aside and leans
    on `rebuild_aggregates` for what they keep: recounted from nothing, every tally is what
    the triggers made (a count that fell to zero by an undo is the same as no row)."""
    store = _store(tmp_path)
    try:
        _shift_to(store, 330)
        _history(store, random.Random(7), 60, T0)
        kept = ("SELECT id, reviews FROM question ORDER BY id",
                "SELECT quarter, reviews FROM review_quarter WHERE reviews > 0 ORDER BY 1",
                "SELECT day, reviews FROM review_day WHERE reviews > 0 ORDER BY 1",
                "SELECT * FROM family_day WHERE " + " OR ".join(
                    f"{c} <> 0" for c in FAMILY_DAY_COUNTS) + " ORDER BY day, family",
                "SELECT * FROM review_count")
        with store.read() as con:
            before = [con.execute(sql).fetchall() for sql in kept]
        assert len(before[1]) > 20 and len(before[2]) > 5
        with store.transact("forget the tallies") as con:
            for table in ("review_quarter", "review_day", "family_day"):
                con.execute(f"DELETE FROM {table}")
            con.execute("UPDATE question SET reviews = 0")
        store_decks.rebuild_aggregates(store)
        with store.read() as con:
            assert [con.execute(sql).fetchall() for sql in kept] == before
    finally:
        store.close()
