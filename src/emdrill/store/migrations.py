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

# Practice as it will be asked. `intent_pick` keeps every pick from four intents (decoding):
# a wrong one is a confusion, and right ones after it tell when the pair was told apart; it
# goes with its review on undo. `rehearsal` keeps one mock-interview answer: seconds spoken,
# the follow-ups asked and the five self-checks; its grade is optional and may be undone.
M003_PICKS_REHEARSALS = """
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

MIGRATIONS: tuple[str, ...] = (M001_INITIAL, M002_STORIES_SYSTEMS, M003_PICKS_REHEARSALS)
LATEST = len(MIGRATIONS)
