"""`emdrill mock` in a real pseudo-terminal at 80x24 and 40x20, read through pyte. The
speaking timer reads a file-backed test clock (EMDRILL_TEST_CLOCK): no test sleeps on it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from term import FakeClock, Term


@pytest.fixture
def loaded(home: Path, mini_deck: Path) -> Path:
    subprocess.run([sys.executable, "-m", "emdrill", "deck", "load", str(mini_deck)],
                   check=True, capture_output=True, timeout=60)
    return home / "emdrill.db"


def _rehearsals(db: Path) -> list[tuple[object, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(
            "SELECT question_id, answer_seconds, target_seconds, follow_ups, check_intent, "
            "check_system, check_story, check_result, check_learning, review_id "
            "FROM rehearsal ORDER BY id").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize(("rows", "cols"), [(24, 80), (20, 40)])
def test_a_mock_session_as_spoken(loaded: Path, tmp_path: Path, rows: int, cols: int) -> None:
    clock = FakeClock(tmp_path / "clock")
    term = Term(["mock", "--questions", "1"], rows=rows, cols=cols, extra_env=clock.env)
    term.wait_for(r"2:30 left of 2:30")
    assert "question 1 of 1" in term.flat()
    asked = term.wait_for(r"Question (alpha|beta)-\d\?").group(0)  # question and timer together
    clock.set(100)
    term.wait_for(r"0:50 left of 2:30")
    assert "target passed" not in term.text()
    clock.set(160)
    term.wait_for(r"target passed")
    term.wait_for(r"0:10 over 2:30")
    assert asked in term.flat()  # the question is still on screen when the target passes
    term.send(" ")
    term.wait_for(r"follow-up 1 of 1")
    term.wait_for(r"What next\?")
    term.wait_for(r"1:00 left of 1:00")
    clock.set(190)
    term.wait_for(r"0:30 left of 1:00")
    term.send("\r")
    term.wait_for(r"1/5 Did you name the intent")
    for n, key in enumerate("ynyyn", start=1):
        if n > 1:
            term.wait_for(rf"{n}/5 ")
        term.send(key)
    term.wait_for(r"Grade it\?")
    assert "checks 3/5" in term.flat()
    assert "2:40" in term.flat()  # the answer's length is on the saved line
    term.send("3")
    term.wait_for(r"Your story")
    term.send("y")
    term.wait_for(r"Mock over: 1 answer rehearsed")
    assert term.finish() == 0
    [row] = _rehearsals(loaded)
    assert row[0] == asked.removeprefix("Question ").removesuffix("?")
    assert row[1:3] == (160.0, 150)
    assert json.loads(str(row[3])) == [{"text": "What next?", "seconds": 30.0}]
    assert row[4:9] == (1, 0, 1, 1, 0)
    assert row[9] is not None  # graded: linked to its review


def test_quitting_mid_answer_saves_nothing(loaded: Path, tmp_path: Path) -> None:
    clock = FakeClock(tmp_path / "clock")
    term = Term(["mock"], rows=24, cols=80, extra_env=clock.env)
    term.wait_for(r"left of 2:30")
    term.send("q")
    term.wait_for(r"No rehearsal saved")
    assert term.finish() == 0
    assert _rehearsals(loaded) == []
