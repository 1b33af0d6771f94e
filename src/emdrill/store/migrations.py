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

MIGRATIONS: tuple[str, ...] = (M001_INITIAL, M002_STORIES_SYSTEMS, M003_ANKI_REVIEWS)
LATEST = len(MIGRATIONS)
