"""Numbered schema migrations. Never edit one that has shipped; add the next number.

`PRAGMA user_version` holds the number of the last migration applied.
"""

from __future__ import annotations

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

# The hot path reads what changed, not what exists. `question.due` is the earliest facet due
# once a question has been seen (NULL while it is new), kept by triggers whatever writes the
# facets; `question.reviews` and `review_quarter` (reviews per quarter hour, so any study-day
# boundary can be summed) are kept by triggers on `review`, and so is `review_day`: reviews
# per study day under the UTC offset in `day_shift` (rebuilt from the quarters when the
# user's offset changes), which makes the streak a walk over days, not over the history.
# `question.new_order` ranks new questions (filled when a deck loads). `family_outcome` holds
# the weakness sums, decayed to `as_of`; code rebuilds it after this migration (it needs the
# decay arithmetic).
M003_HOT_PATH = """
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
INSERT INTO day_shift (id, seconds) VALUES (1, -14400);
CREATE TABLE review_day (
    day INTEGER PRIMARY KEY,
    reviews INTEGER NOT NULL
);
INSERT INTO review_day (day, reviews)
    SELECT (quarter * 900 - 14400) / 86400, sum(reviews) FROM review_quarter GROUP BY 1;
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
"""

# `question.draft` lists the fields of a user's question that emdrill filled in and the user has
# not reviewed (the deck file's `draft` key). A question whose family or story is a draft does
# not teach the suggestion model: it would only learn its own guesses back.
M004_DRAFTS = """
ALTER TABLE question ADD COLUMN draft TEXT NOT NULL DEFAULT '[]';
"""

MIGRATIONS: tuple[str, ...] = (M001_INITIAL, M002_STORIES_SYSTEMS, M003_HOT_PATH, M004_DRAFTS)
LATEST = len(MIGRATIONS)
