"""`emdrill mock` in a real pseudo-terminal at 80x24 and 40x20, read through pyte. The
speaking timer reads a file-backed test clock (EMDRILL_TEST_CLOCK): no test sleeps on it."""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from pathlib import Path

import pytest

from shared import cli
from term import FakeClock, Term


@pytest.fixture
def loaded(home: Path, mini_deck: Path) -> Path:
    cli("deck", "load", str(mini_deck))  # in-process setup (tests/shared.py)
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
    term = Term("mock", "--questions", "1", rows=rows, cols=cols, env=clock.env)
    term.wait_for(r"2:30 left of 2:30")
    assert "question 1 of 1" in term.flat()
    asked = term.wait_for(r"Question (alpha|beta)-\d\?").group(0)  # question and timer together
    clock.set(100)
    term.wait_for(r"0:50 left of 2:30")
    assert "target passed" not in term.text
    clock.set(160)
    term.wait_for(r"target passed")
    term.wait_for(r"0:10 over 2:30")
    assert asked in term.flat()  # the question is still on screen when the target passes
    term.press(" ")
    term.wait_for(r"follow-up 1 of 1")
    term.wait_for(r"What next\?")
    term.wait_for(r"1:00 left of 1:00")
    clock.set(190)
    term.wait_for(r"0:30 left of 1:00")
    term.press("\r")
    term.wait_for(r"1/5 Did you name the intent")
    for n, key in enumerate("ynyyn", start=1):
        if n > 1:
            term.wait_for(rf"{n}/5 ")
        term.press(key)
    term.wait_for(r"Grade it\?")
    assert "checks 3/5" in term.flat()
    assert "2:40" in term.flat()  # the answer's length is on the saved line
    term.press("3")
    term.wait_for(r"Your story")
    term.press("y")
    term.wait_for(r"Mock over: 1 answer rehearsed")
    term.finish()
    assert term.exitstatus == 0
    [row] = _rehearsals(loaded)
    assert row[0] == asked.removeprefix("Question ").removesuffix("?")
    assert row[1:3] == (160.0, 150)
    assert json.loads(str(row[3])) == [{"text": "What next?", "seconds": 30.0}]
    assert row[4:9] == (1, 0, 1, 1, 0)
    assert row[9] is not None  # graded: linked to its review


def test_quitting_mid_answer_saves_nothing(loaded: Path, tmp_path: Path) -> None:
    clock = FakeClock(tmp_path / "clock")
    term = Term("mock", rows=24, cols=80, env=clock.env)
    term.wait_for(r"left of 2:30")
    term.press("q")
    term.wait_for(r"No rehearsal saved")
    term.finish()
    assert term.exitstatus == 0
    assert _rehearsals(loaded) == []


SAID = ["My approach is to decide fast and explain why.",
        "We planned it, we argued about it and we shipped it in a hurry.",
        "It went fine and people were happy with it in the end."]


def _coached(db: Path) -> list[tuple[str, str]]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT answer_text, findings FROM rehearsal ORDER BY id").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize(("rows", "cols", "end"), [(24, 80, "\x04"), (20, 40, "\r")])
def test_typed_answer_is_measured_beside_the_self_check(loaded: Path, tmp_path: Path,
                                                        rows: int, cols: int, end: str) -> None:
    clock = FakeClock(tmp_path / "clock")
    term = Term("mock", "--questions", "1", rows=rows, cols=cols, env=clock.env)
    term.wait_for(r"left of 2:30")
    term.press(" ")
    term.wait_for(r"follow-up 1 of 1")
    term.wait_for(r"left of 1:00")
    term.press(" ")
    term.wait_for(r"1/5 Did you name the intent")
    assert "t: type" in term.flat()
    term.press("t")
    term.wait_for(r"Type or paste")
    for line in SAID:  # typed with echo, as in a line-mode terminal
        term.child.send(line + "\r")
        term.wait_for(re.escape(line.split()[-1]), flat=True)
    term.child.send(end)  # Ctrl-D or an empty line ends the box
    term.wait_for(r"read 35 words")
    term.wait_for(r"1/5 Did you name the intent")
    for n, key in enumerate("yyyyy", start=1):  # says yes to everything
        if n > 1:
            term.wait_for(rf"{n}/5 ")
        term.press(key)
    term.wait_for(r"Grade it\?")
    screen = term.flat()
    assert "Coach" in screen and "35 words" in screen
    assert "differ on:" in screen  # "we" and no number: the coach says no where you said yes
    assert "one story, with I" in screen.split("differ on:")[1]
    assert all(len(line) <= cols for line in term.lines)
    term.press("\r")
    term.wait_for(r"not graded")
    term.finish()
    assert term.exitstatus == 0
    [(text, findings)] = _coached(loaded)
    assert text == "\n".join(SAID)
    verdicts = {f["rule"]: f["ok"] for f in json.loads(findings)}
    assert verdicts["i-not-we"] is False and verdicts["number"] is False
    assert verdicts["system-first"] is True
    stats = cli("stats", "--json")
    missed = {m["rule"]: m["missed"] for m in json.loads(stats)["rehearsal"]["coach_missed_30d"]}
    assert missed["i-not-we"] == 1 and missed["number"] == 1


def test_without_a_typed_answer_the_rehearsal_has_no_findings(loaded: Path,
                                                              tmp_path: Path) -> None:
    clock = FakeClock(tmp_path / "clock")
    term = Term("mock", "--questions", "1", rows=24, cols=80, env=clock.env)
    term.wait_for(r"left of 2:30")
    term.press(" ", then=r"left of 1:00")
    term.press(" ", then=r"1/5 Did you name the intent")
    for n, key in enumerate("nnnnn", start=1):
        if n > 1:
            term.wait_for(rf"{n}/5 ")
        term.press(key)
    term.wait_for(r"Grade it\?")
    assert "Coach" not in term.flat()
    term.press("\r", then=r"not graded")
    term.finish()
    assert _coached(loaded) == [("", "[]")]


EDITOR = """\
import pathlib, sys
pathlib.Path(sys.argv[1]).write_text("We did it all. We shipped it. We won. We celebrated it.\\n")
"""


def test_e_writes_the_answer_in_the_editor(loaded: Path, tmp_path: Path) -> None:
    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    clock = FakeClock(tmp_path / "clock")
    env = {**clock.env, "EDITOR": f"{sys.executable} {script}", "VISUAL": ""}
    term = Term("mock", "--questions", "1", rows=24, cols=80, env=env)
    term.wait_for(r"left of 2:30")
    term.press(" ", then=r"left of 1:00")
    term.press(" ", then=r"1/5 Did you name the intent")
    term.press("e", then=r"read 12 words")
    for n, key in enumerate("nnyyy", start=1):
        term.wait_for(rf"{n}/5 ")
        term.press(key)
    term.wait_for(r"Grade it\?")
    assert "differ on: one story, with I" in term.flat()
    term.press("\r", then=r"not graded")
    term.finish()
    [(text, _findings)] = _coached(loaded)
    assert text.startswith("We did it all.")


@pytest.mark.parametrize(("rows", "cols"), [(24, 80), (20, 40)])
def test_the_back_folds_to_the_window_and_m_shows_the_rest(
        fresh: Path, tmp_path: Path, rows: int, cols: int) -> None:
    """Issue 24: a bundled card's whole back is taller than the window. When the grade is
    asked, the header, the question and the intent are on screen (folded, as the drill's
    back folds); `m` shows the rest, `m` again folds it; grading still works."""
    clock = FakeClock(tmp_path / "clock")
    term = Term("mock", "--questions", "1", "--family", "conflict", rows=rows, cols=cols,
                env=clock.env)
    term.wait_for(r"left of 2:30")
    question = re.escape(" ".join(term.flat().split("│")[1].split()[:4]))
    term.press(" ", then=r"follow-up 1 of 1")
    term.press(" ", then=r"1/5 ")
    for n, key in enumerate("yyyyy", start=1):
        term.wait_for(rf"{n}/5 ")
        term.press(key)
    term.wait_for(r"m: more · Enter: skip · q: stop", flat=True)  # the prompt, drawn last
    folded = term.text
    assert term.settle() == folded  # and then nothing more is drawn
    assert term.lines[0] == "mock · question 1 of 1 · compare", folded
    assert re.search(question, term.flat()), folded
    assert "Intent" in folded and "Also" not in folded
    assert len(term.screen.display) == rows
    term.press("m")
    term.wait_for(r"m: fold · Enter: skip · q: stop", flat=True)
    assert "Also" in term.text
    term.press("m")
    term.wait_for(r"m: more", flat=True)
    assert term.lines[0] == "mock · question 1 of 1 · compare"
    term.press("3", then=r"Your story")
    term.press("y", then=r"graded: intent good, story good")
    term.finish()
