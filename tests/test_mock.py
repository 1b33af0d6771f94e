"""The mock interview's core and operations: question choice, follow-ups, the speaking timer,
rehearsals stored and graded, and the rehearsal stats (`stats`, `stats --json`)."""

from __future__ import annotations

import json
import os
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import procs
from emdrill.cli.base import open_here
from emdrill.cli.main import app
from emdrill.core.cards import Card, Question
from emdrill.core.mock import (
    CHECKS,
    Rehearsal,
    SpeakingTimer,
    follow_up_target,
    pick_follow_ups,
    pick_questions,
    rehearsal_stats,
)
from emdrill.core.scheduler import Rating, new_memory
from emdrill.core.timing import Clock
from emdrill.ops import decks, grading
from emdrill.ops import mock as mock_ops
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads, rehearsal_edits
from emdrill.store import practice as store_practice
from emdrill.store.db import Store
from shared import cli
from term import FakeClock, Term

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def card(qid: str, family: str) -> Card:
    question = Question(id=qid, deck="d", family=family, text=f"{qid}?", intent="i", story=1)
    return Card(question, new_memory(T0), new_memory(T0))


def test_questions_cover_families_story_first_then_weakest() -> None:
    cards = [card(f"{f}-{i}", f) for f in ("a", "b", "c") for i in range(3)]
    written = {"c-2"}
    chosen = pick_questions(cards, count=4, weakness={"b": 0.3, "a": -0.1}, now=T0,
                            rng=random.Random(1), has_story=lambda c: c.id in written)
    assert [c.family for c in chosen[:3]] == ["c", "b", "a"]  # one per family first
    assert chosen[0].id == "c-2"
    assert chosen[3].family == "b"  # the second round starts again from the top
    assert len({c.id for c in chosen}) == 4


def test_follow_ups_one_or_two() -> None:
    asked = {len(pick_follow_ups(["x", "y", "z"], random.Random(s))) for s in range(20)}
    assert asked == {1, 2}
    assert pick_follow_ups([], random.Random(1)) == []
    assert follow_up_target(150) == 60 and follow_up_target(30) == 20


def test_speaking_timer_reads_the_injected_clock() -> None:
    now = [100.0]
    timer = SpeakingTimer(lambda: now[0], 150)
    now[0] = 249.0
    assert timer.elapsed() == 149.0 and not timer.over()
    now[0] = 250.0
    assert timer.over()


def _r(family: str, seconds: float, checks: tuple[bool, ...], days_ago: int) -> Rehearsal:
    return Rehearsal("q", family, T0 - timedelta(days=days_ago), 150, seconds, (), checks)


def test_rehearsal_stats() -> None:
    rows = [_r("a", 100, (True,) * 5, 1), _r("a", 200, (True, True, True, False, True), 2),
            _r("b", 170, (True, False, True, False, True), 3),
            _r("b", 90, (False, True, True, True, True), 40)]
    stats = rehearsal_stats(rows, target=150, split=T0 - timedelta(days=29),
                            since=T0 - timedelta(days=59))
    assert stats.count == 4 and stats.median_seconds == 135
    assert [(f.family, f.count, f.median_seconds) for f in stats.families] == [
        ("a", 2, 150), ("b", 2, 130)]
    result = stats.checks[3]
    assert (result.passed, result.total, result.recent_passed, result.recent_total) == (
        2, 4, 1, 3)
    assert result.previous == 1.0
    assert stats.weakest is not None and stats.weakest.check.key == "result"


# ---------------------------------------------------------------- operations


@pytest.fixture
def store(mini_deck: Path) -> Store:
    s = open_here(autoload=False)
    decks.load_paths(s, [mini_deck], now=T0)
    return s


def _mock(store: Store, count: int = 2) -> mock_ops.Mock:
    clock = Clock(now=T0, local=UTC)
    asked = mock_ops.plan(store, clock, count=count, rng=random.Random(3))
    return mock_ops.Mock(store, lambda: clock, lambda: 0.0, asked, target=150)


def test_plan_rejects_unknown_family_and_deck(store: Store) -> None:
    from emdrill.core.errors import InputError

    clock = Clock(now=T0, local=UTC)
    with pytest.raises(InputError, match="unknown family 'nope'"):
        mock_ops.plan(store, clock, count=2, family="nope", rng=random.Random(1))
    with pytest.raises(InputError, match="unknown deck 'nope'"):
        mock_ops.plan(store, clock, count=2, deck="nope", rng=random.Random(1))
    only = mock_ops.plan(store, clock, count=5, family="beta", rng=random.Random(1))
    assert {a.card.family for a in only} == {"beta"} and len(only) == 3


def test_rehearsal_saved_graded_and_undone(store: Store) -> None:
    mock = _mock(store)
    asked = mock.questions[0]
    assert {a.card.family for a in mock.questions} == {"alpha", "beta"}
    saved = mock.save(asked, at=T0, answer_seconds=171.04, follow_ups=[("What next?", 41.0)],
                      checks=[True, False, True, True, False])
    [stored] = store_practice.rehearsals(store)
    assert stored.answer_seconds == 171.0 and stored.follow_ups == (("What next?", 41.0),)
    assert stored.checks == (True, False, True, True, False) and stored.review_id is None
    graded = mock.grade(saved, intent=Rating.GOOD, story=StoryAnswer(verdict=True))
    assert store_practice.rehearsals(store)[0].review_id == graded.review_id
    grading.undo(store)
    assert store_practice.rehearsals(store)[0].review_id is None  # the rehearsal stays


def test_wrong_number_of_checks_is_refused(store: Store) -> None:
    from emdrill.core.errors import InputError

    mock = _mock(store)
    with pytest.raises(InputError):
        mock.save(mock.questions[0], at=T0, answer_seconds=1, follow_ups=[], checks=[True])


def _seed_rehearsals(store: Store) -> None:
    mock = _mock(store)
    for i, checks in enumerate([(True, True, True, False, True), (True, False, True, False,
                                                                   True)]):
        mock.save(mock.questions[i], at=T0 - timedelta(hours=i + 1), answer_seconds=140 + 40 * i,
                  follow_ups=[], checks=list(checks))


def test_stats_json_gains_rehearsal(runner: CliRunner, store: Store) -> None:
    _seed_rehearsals(store)
    result = runner.invoke(app, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["rehearsal"]
    assert data["count"] == 2 and data["median_seconds"] == 160.0
    assert data["target_seconds"] == 150
    assert set(data["checks"]) == {c.key for c in CHECKS}
    assert data["checks"]["result"]["rate"] == 0.0 and data["checks"]["intent"]["rate"] == 1.0
    assert data["weakest_check"] == "result"


def test_stats_json_without_rehearsals(runner: CliRunner, home: Path) -> None:
    data = json.loads(runner.invoke(app, ["stats", "--json"]).stdout)["rehearsal"]
    assert data["count"] == 0 and data["median_seconds"] is None
    assert data["checks"]["intent"]["rate"] is None


def test_stats_rehearsals_at_forty_columns(store: Store) -> None:
    _seed_rehearsals(store)
    store.close()
    term = Term("stats", rows=60, cols=40)
    term.wait_for(r"Your weakest check")
    screen = term.text
    assert "Mock interviews · 2 rehearsals" in screen
    assert "median answer 2:40 against 2:30" in screen
    assert any("a result with a number" in line and "0%" in line for line in screen.splitlines())
    assert "a result with a number (passed 0 of the last 2)" in term.flat()
    term.finish()
    assert term.exitstatus == 0


def test_piped_mock(home: Path, mini_deck: Path, tmp_path: Path) -> None:
    cli("deck", "load", str(mini_deck))  # in-process setup (tests/shared.py)
    clock = FakeClock(tmp_path / "clock")
    answers = "\n\ny\ny\ny\ny\ny\n\n"  # answer, one follow-up, five checks, no grade
    result = procs.run([sys.executable, "-m", "emdrill", "mock", "-n", "1"], input=answers,
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, **clock.env})
    assert result.returncode == 0, result.stderr
    assert "checks 5/5" in result.stdout and "not graded" in result.stdout
    assert "Mock over: 1 answer rehearsed." in result.stdout


def test_a_rehearsal_grade_and_its_link_are_one_write(store: Store,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The review (the grade's undo record) and the rehearsal's link to it commit as one:
    a failure while linking leaves no review and the facets as they were."""
    mock = _mock(store)
    asked = mock.questions[0]
    saved = mock.save(asked, at=T0, answer_seconds=120, follow_ups=[],
                      checks=[True] * 5)
    before = card_reads.load_card(store, asked.card.id)

    def broken(*_: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(rehearsal_edits, "link_review", broken)
    with pytest.raises(OSError, match="disk gone"):
        mock.grade(saved, intent=Rating.AGAIN, story=StoryAnswer(verdict=False))
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM review").fetchone()[0] == 0
    assert card_reads.load_card(store, asked.card.id) == before
    assert store_practice.rehearsals(store)[0].review_id is None
