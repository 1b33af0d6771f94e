"""`emdrill exam`: never-answered questions decoded, the interval, the sitting stored."""

from __future__ import annotations

import json
import random
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import text_reviews
from emdrill.cli.base import open_here
from emdrill.cli.main import app
from emdrill.core.exam import choose, likely, likely_counts
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import decks, grading
from emdrill.ops import exam as exam_ops
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads
from emdrill.store.db import Store
from term import Term

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(mini_deck: Path) -> Store:
    s = open_here(autoload=False)
    decks.load_paths(s, [mini_deck], now=T0)
    return s


def test_the_interval_is_plain() -> None:
    assert likely_counts(7, 10) == (5, 8)
    assert likely_counts(10, 10)[1] == 10 and likely_counts(0, 10)[0] == 0
    low, high = likely(5, 10)
    assert low < 0.5 < high and abs((0.5 - low) - (high - 0.5)) < 1e-9
    assert likely(0, 0) == (0.0, 1.0)
    assert likely(70, 100)[1] - likely(70, 100)[0] < likely(7, 10)[1] - likely(7, 10)[0]


def test_choose_spreads_over_families_and_skips_what_was_answered(store: Store) -> None:
    cards = card_reads.load_cards(store)
    chosen = choose(cards, answered={"alpha-1"}, count=4, rng=random.Random(1))
    assert "alpha-1" not in {c.id for c in chosen}
    assert Counter(c.family for c in chosen) == {"alpha": 2, "beta": 2}
    assert len(choose(cards, answered=(), count=50, rng=random.Random(1))) == 6


def test_an_exam_never_shows_an_answered_question(store: Store) -> None:
    clock = Clock(now=T0, local=UTC)
    for qid in ("alpha-1", "alpha-2", "beta-1"):
        grading.grade(store, clock, qid, intent=Rating.GOOD, story=StoryAnswer(slot=1))
    offers = exam_ops.prepare(store, clock, count=10, rng=random.Random(3))
    assert {o.card.id for o in offers} == {"alpha-3", "beta-2", "beta-3"}
    # a first exam's questions are answered now: a second one has nothing left to ask
    exam = exam_ops.record(store, clock, offers, [exam_ops.Reply(o.right_index, 1)
                                                  for o in offers])
    assert (exam.intent_right, exam.questions) == (3, 3)
    assert [a.story_ok for a in exam.answers] == [a.family == "alpha" for a in exam.answers]
    assert exam_ops.prepare(store, clock, count=10, rng=random.Random(4)) == []
    assert exam_ops.history(store) == [exam]


def _reviews(home: Path) -> list[tuple[str, str]]:
    con = text_reviews(sqlite3.connect(home / "emdrill.db"))
    try:
        return list(con.execute("SELECT question_id, mode FROM review ORDER BY id"))
    finally:
        con.close()


def test_a_piped_exam_prints_json_and_is_stored(runner: CliRunner, home: Path,
                                                store: Store) -> None:
    store.close()
    result = runner.invoke(app, ["exam", "--questions", "2", "--json"],
                           input="a\n1\nx\nb\n5\n")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"at", "questions", "intent", "story", "low", "high", "results"}
    assert data["questions"] == 2 and data["at"] == "2026-03-02T09:00:00+00:00"
    assert 0 <= data["low"] <= data["intent"] <= data["high"] <= 1
    asked = [r["id"] for r in data["results"]]
    assert len(set(asked)) == 2 and {a.split("-")[0] for a in asked} == {"alpha", "beta"}
    assert _reviews(home) == [(qid, "exam") for qid in asked]
    assert "'x' is not an answer here" in result.stderr
    again = runner.invoke(app, ["exam", "-n", "6", "--json"], input="a\n1\n" * 4)
    assert {r["id"] for r in json.loads(again.stdout)["results"]}.isdisjoint(asked)


def test_an_exam_stopped_early_records_nothing(runner: CliRunner, home: Path,
                                               store: Store) -> None:
    store.close()
    result = runner.invoke(app, ["exam", "-n", "3"], input="a\n1\nb\n")
    assert result.exit_code == 1
    assert "Exam stopped after 1 of 3 answers: nothing recorded." in result.stderr
    assert _reviews(home) == []


@pytest.mark.parametrize("cols", [80, 40])
def test_the_exam_on_a_terminal(cols: int, store: Store) -> None:
    store.close()
    term = Term("exam", "-n", "2", cols=cols, rows=24)
    term.wait_for("Which intent")
    term.press("b")
    term.wait_for("Which story slot")
    term.press("1")
    term.wait_for("Question 2 of 2")
    term.press("a", "5")
    screen = term.finish()
    assert "of 2 decoded, likely" in " ".join(screen.split())
    assert all(len(line) <= cols for line in screen.splitlines())
