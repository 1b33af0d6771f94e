"""Migration 20 keeps reviews compact and loses nothing undo, replay or export needs."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import UNDO_M020
from emdrill.core.scheduler import Memory, Rating
from emdrill.core.timing import Clock
from emdrill.ops import decks, grading
from emdrill.ops.grading import StoryAnswer
from emdrill.store import dump, review_log
from emdrill.store.db import Store, open_store
from emdrill.store.migrations import LATEST

T0 = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)
GRADES = [("alpha-1", Rating.GOOD, 1, "drill"), ("beta-2", Rating.AGAIN, 2, "commute"),
          ("alpha-1", Rating.HARD, 1, "exam"), ("alpha-2", Rating.EASY, 1, "practice"),
          ("beta-2", Rating.GOOD, 5, "grade")]


def _graded(path: Path, mini_deck: Path) -> Store:
    store = open_store(path)
    decks.load_paths(store, [mini_deck], now=T0)
    for i, (qid, rating, slot, mode) in enumerate(GRADES):
        at = T0 + timedelta(days=i * 3, seconds=i * 7, microseconds=i * 101)
        grading.grade(store, Clock(now=at, local=UTC), qid, intent=rating,
                      story=StoryAnswer(slot=slot), seconds=12.25 + i, mode=mode, fuzz=False)
    return store


def _facets(path: Path) -> list[tuple[object, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT * FROM facet ORDER BY id").fetchall()
    finally:
        con.close()


def _export(store: Store) -> str:
    return json.dumps(dump.read_all(store), sort_keys=True)


def test_an_upgraded_file_exports_and_undoes_exactly_as_before(tmp_path: Path,
                                                               mini_deck: Path) -> None:
    path = tmp_path / "c.db"
    store = _graded(path, mini_deck)
    exported = _export(store)
    with store.transact("link") as con:  # an Anki link and a pick on the last review
        last_id = con.execute("SELECT max(id) FROM review").fetchone()[0]
        con.execute("INSERT INTO anki_review (revlog_id, question_id, kind, review_id) "
                    "VALUES (7, 'beta-2', 'intent', ?)", (last_id,))
        con.execute("INSERT INTO intent_pick (review_id, question_id, picked, picked_at) "
                    "VALUES (?, 'beta-2', 'alpha-1', '2026-03-02T09:00:00.000000+00:00')",
                    (last_id,))
    linked = _export(store)
    store.close()
    facets_now = _facets(path)
    con = sqlite3.connect(path)
    con.executescript(UNDO_M020)  # the same file as migration 19 left it
    assert con.execute("PRAGMA user_version").fetchone()[0] == 19
    assert con.execute("SELECT typeof(reviewed_at), typeof(question_id), mode FROM review "
                       "LIMIT 1").fetchone() == ("text", "text", "drill")
    con.close()

    store = open_store(path)  # migration 20 runs
    assert store.migrated_from == 19
    assert _export(store) == linked
    assert _facets(path) == facets_now
    with store.read() as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert con.execute("SELECT count(*) FROM anki_review").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM intent_pick").fetchone()[0] == 1
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        counts = con.execute("SELECT sum(reviews) FROM review_quarter").fetchone()[0]
        assert counts == len(GRADES)
    record = grading.undo(store)
    assert (record.question_id, record.mode) == ("beta-2", "grade")
    with store.read() as con:  # the link and the pick went with their review
        assert con.execute("SELECT count(*) FROM anki_review").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM intent_pick").fetchone()[0] == 0
    store.close()
    once_less = tmp_path / "four.db"
    store = open_store(once_less)
    decks.load_paths(store, [mini_deck], now=T0)
    for i, (qid, rating, slot, mode) in enumerate(GRADES[:-1]):
        at = T0 + timedelta(days=i * 3, seconds=i * 7, microseconds=i * 101)
        grading.grade(store, Clock(now=at, local=UTC), qid, intent=rating,
                      story=StoryAnswer(slot=slot), seconds=12.25 + i, mode=mode, fuzz=False)
    store.close()
    assert _facets(path) == _facets(once_less)  # exactly the memory from before the review
    store = open_store(path)
    for _ in range(len(GRADES) - 1):  # and every review undoes to its state before it
        grading.undo(store)
    store.close()
    fresh = tmp_path / "fresh.db"
    store = open_store(fresh)
    decks.load_paths(store, [mini_deck], now=T0)
    store.close()
    assert _facets(path) == _facets(fresh)
    assert exported != linked


def test_a_review_costs_few_bytes(tmp_path: Path, mini_deck: Path) -> None:
    """The review table and its indexes, per review, on a small built history (sizes, not
    times): the text layout of migration 19 took over 250 bytes here."""
    store = open_store(tmp_path / "s.db")
    decks.load_paths(store, [mini_deck], now=T0)
    ids = ["alpha-1", "alpha-2", "alpha-3", "beta-1", "beta-2", "beta-3"]
    n = 3000
    with store.transact("history") as con:
        rows = []
        for k in range(n):
            at = T0 + timedelta(minutes=k * 17, microseconds=k * 37)
            last = at - timedelta(days=2, microseconds=311)
            memory = Memory(state=2, step=None, stability=3.1 + k / 7, difficulty=5.3 + k / 1e4,
                            due=at + timedelta(hours=3), last_review=last)
            rows.append(review_log.review_values(ids[k % 6], at, 3, 3, 1, 12.5 + k / 3,
                                                  "drill", memory, memory))
        con.executemany(review_log.INSERT_REVIEW, rows)
    with store.read() as con:
        used = con.execute("SELECT sum(pgsize) FROM dbstat WHERE name IN ('review', "
                           "'review_question', 'review_lapse', 'review_first')").fetchone()[0]
    store.close()
    assert used / n < 150
