"""Numbered schema migrations. Never edit one that has shipped; add the next number.

`PRAGMA user_version` holds the number of the last migration applied.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

M001_INITIAL = """
CREATE TABLE deck (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    loaded_at TEXT NOT NULL
);
CREATE TABLE family (
    slug TEXT PRIMARY KEY,
    deck_id TEXT NOT NULL,
    name TEXT NOT NULL,
    probes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE slot (
    slot INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    competency TEXT NOT NULL DEFAULT '',
    must_include TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE question (
    id TEXT PRIMARY KEY,
    deck_id TEXT NOT NULL,
    family TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL,
    intent TEXT NOT NULL,
    probes TEXT NOT NULL DEFAULT '[]',
    story INTEGER NOT NULL CHECK (story BETWEEN 1 AND 8),
    also TEXT NOT NULL DEFAULT '[]',
    system TEXT NOT NULL,
    traits TEXT NOT NULL DEFAULT '[]',
    pitfall TEXT NOT NULL DEFAULT '',
    follow_ups TEXT NOT NULL DEFAULT '[]',
    siblings TEXT NOT NULL DEFAULT '[]',
    suspended BOOLEAN NOT NULL DEFAULT 0,
    added_at TEXT NOT NULL
);
CREATE INDEX question_family ON question (family);
CREATE TABLE facet (
    id INTEGER PRIMARY KEY,
    question_id TEXT NOT NULL REFERENCES question (id),
    kind TEXT NOT NULL CHECK (kind IN ('intent', 'story')),
    state INTEGER NOT NULL,
    step INTEGER,
    stability FLOAT,
    difficulty FLOAT,
    due TEXT NOT NULL,
    last_review TEXT,
    UNIQUE (question_id, kind)
);
CREATE TABLE review (
    id INTEGER PRIMARY KEY,
    question_id TEXT NOT NULL REFERENCES question (id),
    reviewed_at TEXT NOT NULL,
    intent_rating INTEGER NOT NULL CHECK (intent_rating BETWEEN 1 AND 4),
    story_rating INTEGER NOT NULL CHECK (story_rating BETWEEN 1 AND 4),
    slot_named INTEGER,
    seconds FLOAT,
    mode TEXT NOT NULL,
    intent_prev_state INTEGER NOT NULL,
    intent_prev_step INTEGER,
    intent_prev_stability FLOAT,
    intent_prev_difficulty FLOAT,
    intent_prev_due TEXT NOT NULL,
    intent_prev_last_review TEXT,
    story_prev_state INTEGER NOT NULL,
    story_prev_step INTEGER,
    story_prev_stability FLOAT,
    story_prev_difficulty FLOAT,
    story_prev_due TEXT NOT NULL,
    story_prev_last_review TEXT
);
CREATE INDEX review_question ON review (question_id, reviewed_at);
CREATE INDEX review_time ON review (reviewed_at);
CREATE TABLE setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

# The user's own material: stories for the eight slots and one system per category.
# AUTOINCREMENT keeps a deleted story's id from being reused, because exported files name
# stories by id and an old export must never overwrite a newer, unrelated story.
M002_STORIES_SYSTEMS = """
CREATE TABLE story (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    slots TEXT NOT NULL DEFAULT '[]',
    context TEXT NOT NULL DEFAULT '',
    challenge TEXT NOT NULL DEFAULT '',
    actions TEXT NOT NULL DEFAULT '',
    results TEXT NOT NULL DEFAULT '',
    learnings TEXT NOT NULL DEFAULT '',
    hook TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE system (
    category TEXT PRIMARY KEY CHECK (category IN ('delivery', 'stakeholders', 'team')),
    text TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
"""

# Reviews made in Anki grade one facet, so a review may leave the other rating empty (SQLite
# cannot relax a column's constraint in place: the table is rebuilt, rows and ids kept). And
# each imported Anki review is remembered by its revlog id, so importing the same file twice
# records it once. Deleting the review (undo) forgets the link too.
M003_ANKI_REVIEWS = """
CREATE TABLE review_new (
    id INTEGER PRIMARY KEY,
    question_id TEXT NOT NULL REFERENCES question (id),
    reviewed_at TEXT NOT NULL,
    intent_rating INTEGER CHECK (intent_rating BETWEEN 1 AND 4),
    story_rating INTEGER CHECK (story_rating BETWEEN 1 AND 4),
    slot_named INTEGER,
    seconds FLOAT,
    mode TEXT NOT NULL,
    intent_prev_state INTEGER NOT NULL,
    intent_prev_step INTEGER,
    intent_prev_stability FLOAT,
    intent_prev_difficulty FLOAT,
    intent_prev_due TEXT NOT NULL,
    intent_prev_last_review TEXT,
    story_prev_state INTEGER NOT NULL,
    story_prev_step INTEGER,
    story_prev_stability FLOAT,
    story_prev_difficulty FLOAT,
    story_prev_due TEXT NOT NULL,
    story_prev_last_review TEXT,
    CHECK (intent_rating IS NOT NULL OR story_rating IS NOT NULL)
);
INSERT INTO review_new SELECT * FROM review;
DROP TABLE review;
ALTER TABLE review_new RENAME TO review;
CREATE INDEX review_question ON review (question_id, reviewed_at);
CREATE INDEX review_time ON review (reviewed_at);
CREATE TABLE anki_review (
    revlog_id INTEGER NOT NULL,
    question_id TEXT NOT NULL REFERENCES question (id),
    kind TEXT NOT NULL CHECK (kind IN ('intent', 'story')),
    review_id INTEGER NOT NULL REFERENCES review (id) ON DELETE CASCADE,
    PRIMARY KEY (revlog_id, question_id, kind)
);
CREATE INDEX anki_review_review ON anki_review (review_id);
"""

# ---------------------------------------------------------------- family_day (migration 4)
# Per study day and family, the counts `stats` sums: kept by triggers on `review`, so a report
# reads a few hundred rows, not the history. A facet is a recall test when graded in the
# review and reviewed at least an hour before it (weakness.MIN_GAP_HOURS); it is mature when
# its interval before the review was at least 21 days (stats.MATURE_DAYS);
# tests/test_hot_path.py holds these two numbers to those constants.
FAMILY_DAY_COUNTS_M004 = ("reviews", "intent_graded", "intent_passes", "story_graded",
                          "story_passes", "lapses", "young_tests", "young_passes",
                          "mature_tests", "mature_passes")
# Migration 19 adds `right_answers`: reviews with both facets right, a facet left ungraded (as
# an Anki review leaves one) not counting against it; the home screen's week per family.
FAMILY_DAY_COUNTS = (*FAMILY_DAY_COUNTS_M004, "right_answers")


# Mature, as migration 4 first counted it: 21 whole 24-hour periods between the last review
# and the due date. Since migration 10 a review-state due date is the start of a study day,
# so an interval of N study days spans more than N - 1 and at most N periods: migration 15
# counts mature as more than 20 (`MATURE_RULE`), which is 21 study days or more.
MATURE_RULE_M004 = ">= 21"
MATURE_RULE = "> 20"


# How `review` keeps its times and names its question: as text (migrations 1 to 19) or as
# microseconds and `question.num` (migration 20, `COMPACT`). The SQL below is written for
# either, so the shipped migrations keep the exact text they ran.
TEXT_LAYOUT, COMPACT = "text", "compact"
MICROS_PER_DAY = 86_400_000_000


def review_day(row: str, layout: str = COMPACT) -> str:
    """SQL for the study day (under `day_shift`) of the review `row`."""
    if layout == TEXT_LAYOUT:
        return (f"(CAST(strftime('%s', {row}.reviewed_at) AS INTEGER) "
                "+ (SELECT seconds FROM day_shift)) / 86400")
    return f"({row}.reviewed_at / 1000000 + (SELECT seconds FROM day_shift)) / 86400"


def review_quarter_of(row: str) -> str:
    """SQL for the quarter hour (since 1970) of the review `row` (the compact layout)."""
    return f"{row}.reviewed_at / 900000000"


def _family_day_values(row: str, mature_rule: str = MATURE_RULE,
                       columns: tuple[str, ...] = FAMILY_DAY_COUNTS,
                       layout: str = COMPACT) -> list[str]:
    """SQL for each of `columns` (FAMILY_DAY_COUNTS, or an older migration's), for the review
    `row` (NEW or OLD)."""
    def tested(k: str) -> str:
        if layout == COMPACT:
            return (f"coalesce({row}.{k}_rating IS NOT NULL AND {row}.reviewed_at "
                    f"- {row}.{k}_prev_last_review >= {MICROS_PER_DAY // 24}, 0)")
        return (f"coalesce({row}.{k}_rating IS NOT NULL AND julianday({row}.reviewed_at) "
                f"- julianday({row}.{k}_prev_last_review) >= 1.0 / 24, 0)")

    def mature(k: str) -> str:
        if layout == COMPACT:
            return (f"coalesce({row}.{k}_prev_due - {row}.{k}_prev_last_review "
                    f"{mature_rule} * {MICROS_PER_DAY}, 0)")
        return (f"coalesce(julianday({row}.{k}_prev_due) "
                f"- julianday({row}.{k}_prev_last_review) {mature_rule}, 0)")

    def passed(k: str) -> str:
        return f"coalesce({row}.{k}_rating > 1, 0)"

    def both(make: Callable[[str], str]) -> str:
        return f"({make('intent')}) + ({make('story')})"

    values = dict(zip(FAMILY_DAY_COUNTS, [
        "1",
        f"{row}.intent_rating IS NOT NULL", passed("intent"),
        f"{row}.story_rating IS NOT NULL", passed("story"),
        both(lambda k: f"{tested(k)} AND coalesce({row}.{k}_rating = 1, 0)"),
        both(lambda k: f"{tested(k)} AND NOT {mature(k)}"),
        both(lambda k: f"{tested(k)} AND NOT {mature(k)} AND {passed(k)}"),
        both(lambda k: f"{tested(k)} AND {mature(k)}"),
        both(lambda k: f"{tested(k)} AND {mature(k)} AND {passed(k)}"),
        f"coalesce({row}.intent_rating, 2) > 1 AND coalesce({row}.story_rating, 2) > 1",
    ], strict=True))
    return [values[c] for c in columns]


def _question_of(row: str, layout: str) -> str:
    if layout == TEXT_LAYOUT:
        return f"id = {row}.question_id"
    return f"num = {row}.question_num"


def family_day_change(row: str, sign: int, mature_rule: str = MATURE_RULE,
                      columns: tuple[str, ...] = FAMILY_DAY_COUNTS,
                      layout: str = COMPACT) -> str:
    """The statement that adds (sign 1) or takes back (sign -1) one review's counts."""
    values = ", ".join(f"{sign} * ({v})"
                       for v in _family_day_values(row, mature_rule, columns, layout))
    updates = ", ".join(f"{c} = {c} + excluded.{c}" for c in columns)
    return (f"INSERT INTO family_day (day, family, {', '.join(columns)}) VALUES ("
            f"{review_day(row, layout)}, "
            # '' only for a review whose question is missing, which the foreign key refuses
            f"coalesce((SELECT family FROM question WHERE {_question_of(row, layout)}), ''), "
            f"{values}) "
            f"ON CONFLICT (day, family) DO UPDATE SET {updates};")


def family_day_window() -> str:
    """Every family's counts (FAMILY_DAY_COUNTS, after the family) for the reviews from the
    first bound to the second (stored microseconds; the third parameter is the first again,
    for `SINCE_ID`): the part of a study day that a UTC offset other than `day_shift`'s puts
    on the other side of a day's start."""
    sums = ", ".join(f"sum({v})" for v in _family_day_values("r"))
    return (f"SELECT q.family, {sums} FROM review r CROSS JOIN question q "
            "ON q.num = r.question_num "
            f"WHERE r.reviewed_at >= ? AND r.reviewed_at < ? AND r.id >= {SINCE_ID} "
            "GROUP BY q.family")


def family_day_recount(columns: tuple[str, ...] = FAMILY_DAY_COUNTS,
                       layout: str = COMPACT) -> str:
    """Every day's counts again from the history, under the current `day_shift`."""
    sums = ", ".join(f"sum({v})" for v in _family_day_values("r", MATURE_RULE, columns, layout))
    join = "q.id = r.question_id" if layout == TEXT_LAYOUT else "q.num = r.question_num"
    return (f"INSERT INTO family_day (day, family, {', '.join(columns)}) "
            f"SELECT {review_day('r', layout)} AS d, q.family, {sums} "
            f"FROM review r JOIN question q ON {join} GROUP BY d, q.family")


def _family_day_triggers(mature_rule: str,
                         columns: tuple[str, ...] = FAMILY_DAY_COUNTS,
                         layout: str = COMPACT) -> str:
    return f"""
CREATE TRIGGER family_day_added AFTER INSERT ON review BEGIN
    {family_day_change("NEW", 1, mature_rule, columns, layout)}
END;
CREATE TRIGGER family_day_removed AFTER DELETE ON review BEGIN
    {family_day_change("OLD", -1, mature_rule, columns, layout)}
END;
CREATE TRIGGER family_day_changed AFTER UPDATE ON review BEGIN
    {family_day_change("OLD", -1, mature_rule, columns, layout)}
    {family_day_change("NEW", 1, mature_rule, columns, layout)}
END;
"""


# Reviews have no index by time (migration 20): a window of time is read as a range of ids,
# from the first id of any review in the window's quarter hours (`review_quarter.first_id`,
# a lower bound kept by the insert trigger), so it reads the recent rows, not the history.
# The one parameter is the window's start (microseconds); the ids after it are also filtered
# by time, so a review imported later with an older time is never counted in.
SINCE_ID = ("(SELECT coalesce(min(first_id), 9223372036854775807) FROM review_quarter "
            "WHERE quarter >= ? / 900000000)")


_FAMILY_DAY = f"""
CREATE TABLE family_day (
    day INTEGER NOT NULL,
    family TEXT NOT NULL,
    {", ".join(f"{c} INTEGER NOT NULL DEFAULT 0" for c in FAMILY_DAY_COUNTS_M004)},
    PRIMARY KEY (day, family)
);""" + _family_day_triggers(MATURE_RULE_M004, FAMILY_DAY_COUNTS_M004, TEXT_LAYOUT)


# The hot path reads what changed, not what exists. `question.due` is the earliest facet due
# once a question has been seen (NULL while it is new), kept by triggers whatever writes the
# facets; `question.reviews` and `review_quarter` (reviews per quarter hour, so any study-day
# boundary can be summed) are kept by triggers on `review`, and so is `review_day`: reviews
# per study day under the UTC offset in `day_shift` (rebuilt from the quarters when the
# user's offset changes), which makes the streak a walk over days, not over the history.
# It starts at a one-second shift, which no real offset gives, so the first read counts the
# days under the user's own offset and the 04:00 rule (`core.timing`).
# `question.new_order` ranks new questions (filled when a deck loads). `family_outcome` holds
# the weakness sums, decayed to `as_of`; code rebuilds it after this migration (it needs the
# decay arithmetic).
M004_HOT_PATH = """
ALTER TABLE question ADD COLUMN due TEXT;
ALTER TABLE question ADD COLUMN reviews INTEGER NOT NULL DEFAULT 0;
ALTER TABLE question ADD COLUMN new_order INTEGER;
UPDATE question SET
    due = (SELECT min(f.due) FROM facet f WHERE f.question_id = question.id)
    WHERE EXISTS (SELECT 1 FROM facet f WHERE f.question_id = question.id
                  AND f.last_review IS NOT NULL);
UPDATE question SET reviews = (SELECT count(*) FROM review r WHERE r.question_id = question.id);
CREATE INDEX question_due ON question (suspended, due);
CREATE INDEX question_new ON question (suspended, new_order) WHERE due IS NULL;
CREATE TABLE review_quarter (
    quarter INTEGER PRIMARY KEY,
    reviews INTEGER NOT NULL
);
INSERT INTO review_quarter (quarter, reviews)
    SELECT CAST(strftime('%s', reviewed_at) AS INTEGER) / 900, count(*) FROM review GROUP BY 1;
CREATE TABLE day_shift (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seconds INTEGER NOT NULL
);
INSERT INTO day_shift (id, seconds) VALUES (1, 1);
CREATE TABLE review_day (
    day INTEGER PRIMARY KEY,
    reviews INTEGER NOT NULL
);
CREATE TABLE family_outcome (
    family TEXT PRIMARY KEY,
    tests REAL NOT NULL,
    misses REAL NOT NULL,
    as_of TEXT NOT NULL
);
CREATE TRIGGER review_added AFTER INSERT ON review BEGIN
    UPDATE question SET reviews = reviews + 1 WHERE id = NEW.question_id;
    INSERT INTO review_quarter (quarter, reviews)
        VALUES (CAST(strftime('%s', NEW.reviewed_at) AS INTEGER) / 900, 1)
        ON CONFLICT (quarter) DO UPDATE SET reviews = reviews + 1;
    INSERT INTO review_day (day, reviews)
        VALUES ((CAST(strftime('%s', NEW.reviewed_at) AS INTEGER)
                 + (SELECT seconds FROM day_shift)) / 86400, 1)
        ON CONFLICT (day) DO UPDATE SET reviews = reviews + 1;
END;
CREATE TRIGGER review_removed AFTER DELETE ON review BEGIN
    UPDATE question SET reviews = reviews - 1 WHERE id = OLD.question_id;
    UPDATE review_quarter SET reviews = reviews - 1
        WHERE quarter = CAST(strftime('%s', OLD.reviewed_at) AS INTEGER) / 900;
    UPDATE review_day SET reviews = reviews - 1
        WHERE day = (CAST(strftime('%s', OLD.reviewed_at) AS INTEGER)
                     + (SELECT seconds FROM day_shift)) / 86400;
END;
CREATE TRIGGER review_moved AFTER UPDATE OF question_id ON review BEGIN
    UPDATE question SET reviews = reviews - 1 WHERE id = OLD.question_id;
    UPDATE question SET reviews = reviews + 1 WHERE id = NEW.question_id;
END;
CREATE TRIGGER facet_changed AFTER UPDATE ON facet BEGIN
    UPDATE question SET due = CASE
        WHEN EXISTS (SELECT 1 FROM facet f WHERE f.question_id = NEW.question_id
                     AND f.last_review IS NOT NULL)
        THEN (SELECT min(f.due) FROM facet f WHERE f.question_id = NEW.question_id)
        END
    WHERE id = NEW.question_id;
END;
""" + _FAMILY_DAY

# Practice as it will be asked. `intent_pick` keeps every pick from four intents (decoding):
# a wrong one is a confusion, and right ones after it tell when the pair was told apart; it
# goes with its review on undo. `rehearsal` keeps one mock-interview answer: seconds spoken,
# the follow-ups asked and the five self-checks; its grade is optional and may be undone.
M005_PICKS_REHEARSALS = """
CREATE TABLE intent_pick (
    id INTEGER PRIMARY KEY,
    review_id INTEGER REFERENCES review (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL REFERENCES question (id),
    picked TEXT NOT NULL REFERENCES question (id),
    options TEXT NOT NULL DEFAULT '[]',
    seconds FLOAT,
    picked_at TEXT NOT NULL
);
CREATE INDEX intent_pick_question ON intent_pick (question_id, picked_at);
CREATE INDEX intent_pick_review ON intent_pick (review_id);
CREATE TABLE rehearsal (
    id INTEGER PRIMARY KEY,
    question_id TEXT NOT NULL REFERENCES question (id),
    review_id INTEGER REFERENCES review (id) ON DELETE SET NULL,
    started_at TEXT NOT NULL,
    target_seconds INTEGER NOT NULL,
    answer_seconds FLOAT NOT NULL,
    follow_ups TEXT NOT NULL DEFAULT '[]',
    check_intent BOOLEAN NOT NULL,
    check_system BOOLEAN NOT NULL,
    check_story BOOLEAN NOT NULL,
    check_result BOOLEAN NOT NULL,
    check_learning BOOLEAN NOT NULL
);
CREATE INDEX rehearsal_time ON rehearsal (started_at);
CREATE INDEX rehearsal_review ON rehearsal (review_id);
"""


def m006_system_answer(con: sqlite3.Connection) -> None:
    """A question's primary story may be the system answer (`core.cards.SYSTEM_ANSWER`, 9),
    so the check on `question.story` widens from 1-8 to 1-9.

    SQLite cannot alter a CHECK constraint, and rebuilding `question` would mean dropping and
    re-creating the triggers of migration 4 that name it. For loosening a constraint SQLite
    documents a smaller way (lang_altertable.html, "making other kinds of table schema
    changes"): edit the table's definition in the schema table and bump `schema_version`, so
    every connection re-reads it. Every stored row passes the wider check, and nothing else
    in the schema refers to the text that changes."""
    old, new = "CHECK (story BETWEEN 1 AND 8)", "CHECK (story BETWEEN 1 AND 9)"
    row = con.execute("SELECT sql FROM sqlite_master WHERE type = 'table' "
                      "AND name = 'question'").fetchone()
    if row is None or old not in row[0]:
        raise sqlite3.DatabaseError("migration 6: question.story's check is not the expected "
                                    f"'{old}'")
    version = int(con.execute("PRAGMA schema_version").fetchone()[0])
    con.execute("PRAGMA writable_schema = ON")
    try:
        con.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'question'",
                    (row[0].replace(old, new),))
        con.execute(f"PRAGMA schema_version = {version + 1}")
    finally:
        con.execute("PRAGMA writable_schema = OFF")
    if con.execute("PRAGMA quick_check").fetchone()[0] != "ok":
        raise sqlite3.DatabaseError("migration 6: the schema did not check out")


# `question.draft` lists the fields of a user's question that emdrill filled in and the user has
# not reviewed (the deck file's `draft` key). A question whose family or story is a draft does
# not teach the suggestion model: it would only learn its own guesses back.
M007_DRAFTS = """
ALTER TABLE question ADD COLUMN draft TEXT NOT NULL DEFAULT '[]';
"""


# An interview date with its scope (one row at most), and FSRS parameters fitted to the
# user's own history per facet. A row whose parameters are an empty list records an
# `optimize` that kept the defaults, so the offer to optimize waits for more history.
M008_INTERVIEW_PARAMETERS = """
CREATE TABLE interview (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at TEXT NOT NULL,
    decks TEXT NOT NULL DEFAULT '[]',
    families TEXT NOT NULL DEFAULT '[]',
    set_at TEXT NOT NULL
);
CREATE TABLE fsrs_parameters (
    facet TEXT PRIMARY KEY CHECK (facet IN ('intent', 'story')),
    parameters TEXT NOT NULL DEFAULT '[]',
    reviews INTEGER NOT NULL,
    total_reviews INTEGER NOT NULL,
    log_loss FLOAT,
    rmse FLOAT,
    fitted_at TEXT NOT NULL
);
"""


Migration = str | Callable[[sqlite3.Connection], None]  # SQL text, or a step run in code
# The queue reads each family's most overdue questions (weakest family first) by an index
# range per family instead of sorting every due row: `ops.queueing.next_queue`.
M009_FAMILY_DUE = """
CREATE INDEX question_family_due ON question (suspended, family, due);
"""



def m010_study_days(con: sqlite3.Connection) -> None:
    """Elapsed time counts in study days, not 24-hour periods (`core.scheduler`): every
    facet's stability and difficulty, and every review's saved "before" state, are
    recomputed from the review log under that count (`store.memories`). The schema does not
    change; the open backs the file up before migrating, as before every migration."""
    from emdrill.store.memories import recompute  # only a file from before migration 10

    recompute(con)


# The user's own setting aside, apart from `suspended` (a question removed from its deck,
# which every deck load rewrites): `user_suspended` until `unsuspend`, `buried_until` (UTC)
# the start of the next study day. Deck loads never touch either. The three indexes the hot
# path reads by take `user_suspended` after `suspended`, so a suspended question costs
# nothing to skip, and `buried_until` last, so the few buried rows are dropped from the index
# entry without reading the row. `review_lapse` holds only the lapses (an Again on a facet in
# the review state), which is all a leech is counted from (docs/set-aside.md).
M011_SET_ASIDE = """
ALTER TABLE question ADD COLUMN user_suspended BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE question ADD COLUMN buried_until TEXT;
DROP INDEX question_due;
DROP INDEX question_new;
DROP INDEX question_family_due;
CREATE INDEX question_due ON question (suspended, user_suspended, due, buried_until);
CREATE INDEX question_new ON question (suspended, user_suspended, new_order, buried_until)
    WHERE due IS NULL;
CREATE INDEX question_family_due ON question (suspended, user_suspended, family, due,
                                              buried_until);
CREATE INDEX review_lapse ON review (question_id) WHERE
    (intent_rating = 1 AND intent_prev_state = 2) OR (story_rating = 1 AND story_prev_state = 2);
"""


# A mock answer the user typed or pasted after speaking, and the coach's findings on it
# (a JSON list of {"rule", "ok", "sentence", "fix"}); both empty for a spoken-only answer.
M012_REHEARSAL_TEXT = """
ALTER TABLE rehearsal ADD COLUMN answer_text TEXT NOT NULL DEFAULT '';
ALTER TABLE rehearsal ADD COLUMN findings TEXT NOT NULL DEFAULT '[]';
"""


# A fourth system category, `self`, for questions about the candidate (motivation, career,
# running their own week). SQLite cannot widen a CHECK in place: the table is rebuilt, rows kept.
M013_SELF_SYSTEM = """
CREATE TABLE system_new (
    category TEXT PRIMARY KEY CHECK (category IN ('delivery', 'stakeholders', 'team', 'self')),
    text TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
INSERT INTO system_new (category, text, updated_at) SELECT category, text, updated_at FROM system;
DROP TABLE system;
ALTER TABLE system_new RENAME TO system;
"""


# Exams (`emdrill exam`): one row a sitting, one row per question asked; the answers are
# also reviews (mode 'exam'), linked by `review_id`.
M014_EXAMS = """
CREATE TABLE exam (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    questions INTEGER NOT NULL,
    intent_right INTEGER NOT NULL,
    story_right INTEGER NOT NULL
);
CREATE TABLE exam_answer (
    exam_id INTEGER NOT NULL REFERENCES exam (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    family TEXT NOT NULL,
    picked TEXT NOT NULL,
    slot_named INTEGER,
    intent_ok INTEGER NOT NULL,
    story_ok INTEGER NOT NULL,
    review_id INTEGER,
    PRIMARY KEY (exam_id, question_id)
);
"""

# Mature in study days (see MATURE_RULE): the family_day triggers again with the new rule,
# and every day's counts recounted from the history under it.
M015_MATURE_STUDY_DAYS = f"""
DROP TRIGGER family_day_added;
DROP TRIGGER family_day_removed;
DROP TRIGGER family_day_changed;
{_family_day_triggers(MATURE_RULE, FAMILY_DAY_COUNTS_M004, TEXT_LAYOUT)}
DELETE FROM family_day;
{family_day_recount(FAMILY_DAY_COUNTS_M004, TEXT_LAYOUT)};
"""

# Questions the user kept out of the interview plan's scope when adding them (`import` and
# `add`: docs/interview.md), as a JSON list of question ids.
M016_PLAN_EXCLUDED = """
ALTER TABLE interview ADD COLUMN excluded TEXT NOT NULL DEFAULT '[]';
"""

# `review_total` sums `question.reviews`: an index on that one column lets SQLite sum it
# from the index's small pages instead of scanning every question's text (issue 25).
M017_REVIEW_TOTAL = """
CREATE INDEX question_reviews ON question (reviews);
"""

# When the last `PRAGMA quick_check` before a write passed (UTC, NULL: never): a write runs
# the check again only on a new UTC day or after an unclean shutdown (`store.db`,
# docs/guarantees.md), not before every process's first write (issue 25). Numbered 20 by
# its author; it is the next after whatever main holds.
M018_QUICK_CHECKED = """
CREATE TABLE quick_checked (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at TEXT
);
INSERT INTO quick_checked (id, at) VALUES (1, NULL);
"""

# The home screen and `status` read tallies, not the history (issue 25):
# - `family_day.right_answers` (see FAMILY_DAY_COUNTS): the family_day triggers again with it,
#   and every day's counts recounted from the history (as migration 15 did);
# - `review_count`: one row holding `sum(question.reviews)`, kept by triggers on `question`
#   itself, so it follows every writer of that column (a grade, an undo, an import, a merge
#   in a deck load, a recount); it replaces migration 17's index, which cost every grade
#   an index write to save a scan that this row removes;
# - `question_family_story`: the active questions per family and primary slot, counted from
#   the index alone;
# - `review_first`: the first reviews of questions (no facet reviewed before), so "new
#   today" counts a short index range instead of reading each of today's reviews;
# - `play_count`: the questions neither removed nor suspended, and how many of them are new
#   (never seen: `due` NULL), kept by triggers on `question`; `status` takes away the few
#   buried at its time, read from `question_buried` (only rows with a bury), instead of
#   counting every question in play (`store.card_reads.counts`).
M019_HOME_TALLIES = f"""
ALTER TABLE family_day ADD COLUMN right_answers INTEGER NOT NULL DEFAULT 0;
DROP TRIGGER family_day_added;
DROP TRIGGER family_day_removed;
DROP TRIGGER family_day_changed;
{_family_day_triggers(MATURE_RULE, layout=TEXT_LAYOUT)}
DELETE FROM family_day;
{family_day_recount(layout=TEXT_LAYOUT)};
CREATE TABLE review_count (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    reviews INTEGER NOT NULL
);
INSERT INTO review_count (id, reviews) SELECT 1, coalesce(sum(reviews), 0) FROM question;
CREATE TRIGGER review_count_added AFTER INSERT ON question WHEN NEW.reviews <> 0 BEGIN
    UPDATE review_count SET reviews = reviews + NEW.reviews;
END;
CREATE TRIGGER review_count_removed AFTER DELETE ON question WHEN OLD.reviews <> 0 BEGIN
    UPDATE review_count SET reviews = reviews - OLD.reviews;
END;
CREATE TRIGGER review_count_changed AFTER UPDATE OF reviews ON question
    WHEN NEW.reviews <> OLD.reviews BEGIN
    UPDATE review_count SET reviews = reviews + NEW.reviews - OLD.reviews;
END;
DROP INDEX question_reviews;
CREATE INDEX question_family_story ON question (suspended, family, story);
CREATE INDEX review_first ON review (reviewed_at)
    WHERE intent_prev_last_review IS NULL AND story_prev_last_review IS NULL;
CREATE TABLE play_count (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    questions INTEGER NOT NULL,
    new INTEGER NOT NULL
);
INSERT INTO play_count (id, questions, new)
    SELECT 1, count(*), count(*) - count(due) FROM question
    WHERE suspended = 0 AND user_suspended = 0;
CREATE TRIGGER play_count_added AFTER INSERT ON question
    WHEN NEW.suspended = 0 AND NEW.user_suspended = 0 BEGIN
    UPDATE play_count SET questions = questions + 1, new = new + (NEW.due IS NULL);
END;
CREATE TRIGGER play_count_removed AFTER DELETE ON question
    WHEN OLD.suspended = 0 AND OLD.user_suspended = 0 BEGIN
    UPDATE play_count SET questions = questions - 1, new = new - (OLD.due IS NULL);
END;
CREATE TRIGGER play_count_changed AFTER UPDATE OF suspended, user_suspended, due ON question
    WHEN (OLD.suspended = 0 AND OLD.user_suspended = 0) IS NOT
         (NEW.suspended = 0 AND NEW.user_suspended = 0)
      OR (OLD.due IS NULL) IS NOT (NEW.due IS NULL) BEGIN
    UPDATE play_count SET
        questions = questions + (NEW.suspended = 0 AND NEW.user_suspended = 0)
                    - (OLD.suspended = 0 AND OLD.user_suspended = 0),
        new = new + (NEW.suspended = 0 AND NEW.user_suspended = 0 AND NEW.due IS NULL)
              - (OLD.suspended = 0 AND OLD.user_suspended = 0 AND OLD.due IS NULL);
END;
CREATE INDEX question_buried ON question (buried_until, suspended, user_suspended, due)
    WHERE buried_until IS NOT NULL;
"""


# `review` in a third of the bytes (issue 25): a review was about 400 bytes at 10k questions
# and 1M reviews, most of it five ISO times and the question's text id, each written twice
# more in the indexes. The table is rebuilt with
# - its times as whole microseconds since 1970 UTC (`codec.to_db_micros`): the same instants
#   exactly, 8 bytes instead of 32;
# - the question named by `question.num`, an integer key each question gets once (the rowid
#   it had, then the next number for each new one, by trigger), 2 bytes instead of ~27;
# - the mode as its place in the modes below (`codec.mode_code`);
# - no index by time: `review_question` serves every per-question read, and a window of time
#   is read as a range of ids from `review_quarter.first_id` (`SINCE_ID`), a lower bound of
#   the ids of each quarter hour's reviews kept by the insert trigger.
# Ids, ratings and every review's memory from before it are copied as they are, so undo,
# replay, the Anki links and the export read the same. Dropping the old table would delete
# the rows that point at it (ON DELETE CASCADE), so those are kept aside and put back.
_MODES_M020 = ("drill", "commute", "grade", "practice", "mock", "anki", "exam")


def _micros_m020(column: str) -> str:
    """SQL for a stored ISO time (`YYYY-MM-DDTHH:MM:SS.ffffff+00:00`) as microseconds."""
    return (f"CAST(strftime('%s', {column}) AS INTEGER) * 1000000 "
            f"+ CAST(substr({column}, 21, 6) AS INTEGER)")


_REVIEW_TIMES_M020 = ("reviewed_at", "intent_prev_due", "intent_prev_last_review",
                      "story_prev_due", "story_prev_last_review")
_REVIEW_TRIGGERS_M020 = f"""
CREATE TRIGGER review_added AFTER INSERT ON review BEGIN
    UPDATE question SET reviews = reviews + 1 WHERE num = NEW.question_num;
    INSERT INTO review_quarter (quarter, reviews, first_id)
        VALUES ({review_quarter_of("NEW")}, 1, NEW.id)
        ON CONFLICT (quarter) DO UPDATE SET reviews = reviews + 1,
            first_id = min(first_id, excluded.first_id);
    INSERT INTO review_day (day, reviews) VALUES ({review_day("NEW")}, 1)
        ON CONFLICT (day) DO UPDATE SET reviews = reviews + 1;
END;
CREATE TRIGGER review_removed AFTER DELETE ON review BEGIN
    UPDATE question SET reviews = reviews - 1 WHERE num = OLD.question_num;
    UPDATE review_quarter SET reviews = reviews - 1 WHERE quarter = {review_quarter_of("OLD")};
    UPDATE review_day SET reviews = reviews - 1 WHERE day = {review_day("OLD")};
END;
CREATE TRIGGER review_moved AFTER UPDATE OF question_num ON review BEGIN
    UPDATE question SET reviews = reviews - 1 WHERE num = OLD.question_num;
    UPDATE question SET reviews = reviews + 1 WHERE num = NEW.question_num;
END;
""" + _family_day_triggers(MATURE_RULE)

M020_COMPACT_REVIEWS = f"""
ALTER TABLE question ADD COLUMN num INTEGER;
UPDATE question SET num = rowid;
CREATE UNIQUE INDEX question_num ON question (num);
CREATE TRIGGER question_numbered AFTER INSERT ON question WHEN NEW.num IS NULL BEGIN
    UPDATE question SET num = (SELECT coalesce(max(num), 0) + 1 FROM question)
        WHERE rowid = NEW.rowid;
END;
CREATE TEMP TABLE kept_anki_review AS SELECT * FROM anki_review;
CREATE TEMP TABLE kept_intent_pick AS SELECT * FROM intent_pick;
CREATE TEMP TABLE kept_rehearsal AS SELECT id, review_id FROM rehearsal
    WHERE review_id IS NOT NULL;
CREATE TABLE review_new (
    id INTEGER PRIMARY KEY,
    question_num INTEGER NOT NULL REFERENCES question (num),
    reviewed_at INTEGER NOT NULL,
    intent_rating INTEGER CHECK (intent_rating BETWEEN 1 AND 4),
    story_rating INTEGER CHECK (story_rating BETWEEN 1 AND 4),
    slot_named INTEGER,
    seconds FLOAT,
    mode INTEGER NOT NULL,
    intent_prev_state INTEGER NOT NULL,
    intent_prev_step INTEGER,
    intent_prev_stability FLOAT,
    intent_prev_difficulty FLOAT,
    intent_prev_due INTEGER NOT NULL,
    intent_prev_last_review INTEGER,
    story_prev_state INTEGER NOT NULL,
    story_prev_step INTEGER,
    story_prev_stability FLOAT,
    story_prev_difficulty FLOAT,
    story_prev_due INTEGER NOT NULL,
    story_prev_last_review INTEGER,
    CHECK (intent_rating IS NOT NULL OR story_rating IS NOT NULL)
);
INSERT INTO review_new SELECT r.id, q.num, {_micros_m020("r.reviewed_at")},
    r.intent_rating, r.story_rating, r.slot_named, r.seconds,
    CASE r.mode {" ".join(f"WHEN '{m}' THEN {i}" for i, m in enumerate(_MODES_M020))} END,
    r.intent_prev_state, r.intent_prev_step, r.intent_prev_stability,
    r.intent_prev_difficulty, {_micros_m020("r.intent_prev_due")},
    {_micros_m020("r.intent_prev_last_review")},
    r.story_prev_state, r.story_prev_step, r.story_prev_stability,
    r.story_prev_difficulty, {_micros_m020("r.story_prev_due")},
    {_micros_m020("r.story_prev_last_review")}
    FROM review r JOIN question q ON q.id = r.question_id ORDER BY r.id;
DROP TABLE review;
ALTER TABLE review_new RENAME TO review;
CREATE INDEX review_question ON review (question_num, reviewed_at);
CREATE INDEX review_lapse ON review (question_num) WHERE
    (intent_rating = 1 AND intent_prev_state = 2) OR (story_rating = 1 AND story_prev_state = 2);
CREATE INDEX review_first ON review (reviewed_at)
    WHERE intent_prev_last_review IS NULL AND story_prev_last_review IS NULL;
INSERT INTO anki_review SELECT * FROM kept_anki_review;
INSERT INTO intent_pick SELECT * FROM kept_intent_pick;
UPDATE rehearsal SET review_id = (SELECT k.review_id FROM kept_rehearsal k
                                  WHERE k.id = rehearsal.id)
    WHERE id IN (SELECT id FROM kept_rehearsal);
DROP TABLE kept_anki_review;
DROP TABLE kept_intent_pick;
DROP TABLE kept_rehearsal;
DROP TABLE review_quarter;
CREATE TABLE review_quarter (
    quarter INTEGER PRIMARY KEY,
    reviews INTEGER NOT NULL,
    first_id INTEGER NOT NULL
);
INSERT INTO review_quarter (quarter, reviews, first_id)
    SELECT {review_quarter_of("review")}, count(*), min(id) FROM review GROUP BY 1;
""" + _REVIEW_TRIGGERS_M020


def m020_compact_reviews(con: sqlite3.Connection) -> None:
    """Migration 20 (`M020_COMPACT_REVIEWS`), once every stored review time has the one
    form it converts exactly and every mode is known: else the file is refused as it is."""
    times = " OR ".join(f"({c} IS NOT NULL AND ({c} NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-"
                        f"[0-9][0-9][T ][0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9]"
                        f"[0-9]+00:00' OR strftime('%s', {c}) IS NULL))"
                        for c in _REVIEW_TIMES_M020)
    modes = ", ".join(f"'{m}'" for m in _MODES_M020)
    odd = con.execute(f"SELECT id FROM review WHERE {times} OR mode NOT IN ({modes}) "
                      "OR question_id NOT IN (SELECT id FROM question) LIMIT 1").fetchone()
    if odd is not None:
        raise sqlite3.DatabaseError(f"migration 20: review {odd[0]} has a time, mode or "
                                    "question it cannot convert")
    for statement in statements(M020_COMPACT_REVIEWS):
        con.execute(statement)


def statements(script: str) -> list[str]:
    """Split a migration into statements; a trigger's body holds `;` of its own."""
    result: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                result.append(pending.strip())
            pending = ""
    return result

MIGRATIONS: tuple[Migration, ...] = (M001_INITIAL, M002_STORIES_SYSTEMS, M003_ANKI_REVIEWS,
                                     M004_HOT_PATH, M005_PICKS_REHEARSALS,
                                     m006_system_answer, M007_DRAFTS,
                                     M008_INTERVIEW_PARAMETERS, M009_FAMILY_DUE,
                                     m010_study_days, M011_SET_ASIDE,
                                     M012_REHEARSAL_TEXT, M013_SELF_SYSTEM, M014_EXAMS,
                                     M015_MATURE_STUDY_DAYS, M016_PLAN_EXCLUDED,
                                     M017_REVIEW_TOTAL, M018_QUICK_CHECKED,
                                     M019_HOME_TALLIES, m020_compact_reviews)
LATEST = len(MIGRATIONS)

# `store.health.schema_digest` of what the migrations up to LATEST make: every open compares
# the file's schema with it in one step, and only a file that differs is compared row by row
# (`store.db.inspect_existing`). tests/test_store.py fails when a migration changes it.
LATEST_SCHEMA_DIGEST = "f0fa2c0dfd06500720cb0491a4f6423bd14a14e649b9cf8d4fdc9eb21c8069c5"
