"""`!` in the drill and the commute, and the leech notice, through a real pseudo-terminal
(tests/term.py) at 80x24 and 40x20, and piped one line per answer."""

from __future__ import annotations

import sqlite3
import sys
from datetime import timedelta
from pathlib import Path

import pytest

import procs
from emdrill.cli.base import open_here
from emdrill.core.scheduler import Rating
from emdrill.ops import set_aside
from term import SIZES, Term, ansi_free
from test_set_aside import Learner, _store


def _suspended(home: Path) -> list[str]:
    con = sqlite3.connect(home / "emdrill.db")
    try:
        return [r[0] for r in con.execute(
            "SELECT id FROM question WHERE user_suspended = 1 ORDER BY id")]
    finally:
        con.close()


def _reviews(home: Path) -> int:
    con = sqlite3.connect(home / "emdrill.db")
    try:
        return int(con.execute("SELECT count(*) FROM review").fetchone()[0])
    finally:
        con.close()


@pytest.fixture
def loaded(home: Path, mini_deck: Path) -> Path:
    _store(mini_deck).close()
    return home


@pytest.mark.parametrize("size", ["80x24", "40x20"])
def test_bang_asks_then_suspends_and_u_lifts_it(loaded: Path, size: str) -> None:
    cols, rows = SIZES[size]
    term = Term("drill", cols=cols, rows=rows)
    term.wait_for("Question alpha-1")
    term.press("!", then="Suspend this question\\? y yes · n no")
    term.wait_for("Suspend alpha-1\\?", flat=True)
    term.press("n", then="Not suspended")
    assert _suspended(loaded) == []
    assert "Question alpha-1" in term.text
    term.press("!", then="Suspend this question")
    term.press("y", then="Question beta-1")
    term.wait_for("suspended alpha-1: `emdrill unsuspend alpha-1` brings it back", flat=True)
    assert _suspended(loaded) == ["alpha-1"]
    term.press("u", then="Question alpha-1")  # the suspension is the last thing done
    term.wait_for("unsuspended: alpha-1 comes back", flat=True)
    assert _suspended(loaded) == []
    term.press("!", then="Suspend this question")
    term.press("y", then="Question beta-1")
    term.press("q")
    term.finish()
    assert term.exitstatus == 0
    assert _suspended(loaded) == ["alpha-1"] and _reviews(loaded) == 0


@pytest.mark.parametrize("size", ["80x24", "40x20"])
def test_the_keys_list_bang_in_drill_and_commute(loaded: Path, size: str) -> None:
    cols, rows = SIZES[size]
    for command, reveal in (("drill", "Which story"), ("commute", "reveal")):
        term = Term(command, cols=cols, rows=rows)
        term.wait_for(reveal)
        if cols >= 80:  # the key line names it where there is room
            assert "! suspend" in term.lines[-1]
        term.press("?", then="suspend this question \\(asks y/n\\)")
        assert "show these keys" in term.text  # the whole list still fits
        term.press("q")
        term.finish()


def test_commute_suspends_after_the_reveal_too(loaded: Path) -> None:
    term = Term("commute", cols=40, rows=20)
    term.wait_for("Question alpha-1")
    term.press(" ", then="nailed")
    term.press("!", then="Suspend this question")
    term.press("y", then="Question beta-1")
    term.press("q")
    term.finish()
    assert _suspended(loaded) == ["alpha-1"] and _reviews(loaded) == 0


def test_piped_one_line_per_answer(loaded: Path) -> None:
    result = procs.run([sys.executable, "-m", "emdrill", "drill"], text=True,
                       input="!\nn\n!\ny\n1\n3\nq\n", capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Suspend this question? y yes · n no") == 2
    assert "Not suspended." in result.stdout
    assert _suspended(loaded) == ["alpha-1"] and _reviews(loaded) == 1  # beta-1 graded


@pytest.mark.parametrize("size", ["80x24", "40x20"])
def test_the_leech_notice_comes_once_with_its_fixes(home: Path, mini_deck: Path,
                                                    size: str) -> None:
    """alpha-1 has lapsed 7 times on its intent; the drill's Again makes the 8th."""
    store = _store(mini_deck)
    learner = Learner(store, "alpha-1")
    learner.to_review()
    for _ in range(7):
        learner.grade(Rating.AGAIN, 1)
        learner.grade(Rating.GOOD, 1)
    set_aside.suspend(store, ["alpha-2", "alpha-3", "beta-1", "beta-2", "beta-3"])
    store.close()
    cols, rows = SIZES[size]
    now = (learner.now + timedelta(days=200)).isoformat()
    term = Term("drill", cols=cols, rows=rows, env={"EMDRILL_NOW": now})
    term.wait_for("Question alpha-1")
    term.press("1", then="Intent recall|Again")
    term.press("1")
    term.wait_for("Leech: this question keeps lapsing. Rewrite the story for slot 1 "
                  "\\(Managing an underperformer\\), read the whole back \\(m\\), or suspend "
                  "it \\(!\\).", flat=True)
    term.wait_for("any key: next")
    term.press("!", then="Suspend this question")
    term.press("y", then="Nothing more to show")
    term.finish()
    assert _suspended(home) == ["alpha-1", "alpha-2", "alpha-3", "beta-1", "beta-2", "beta-3"]
    # Once: the next lapse (the notice's answer undone is not one) says nothing more.
    store = open_here(autoload=False)
    set_aside.unsuspend(store, ["alpha-1"])
    store.close()
    later = (learner.now + timedelta(days=400)).isoformat()
    term = Term("drill", cols=cols, rows=rows, env={"EMDRILL_NOW": later})
    term.wait_for("Question alpha-1")
    term.press("1", then="Intent recall|Again")
    term.press("1")  # saved, and no notice waits for a key: the session ends
    term.wait_for("Session over: 1 answered", flat=True)
    assert "Leech" not in term.flat()
    term.finish()
    assert "Leech" not in ansi_free(term.transcript.decode("utf-8", "replace"))

