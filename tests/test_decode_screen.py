"""`drill --decode` and `commute --decode` in a real pseudo-terminal at 80x24 and 40x20,
read through pyte; response time comes from the file-backed test clock."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from conftest import text_reviews
from shared import cli
from term import FakeClock, Term


@pytest.fixture
def loaded(home: Path, mini_deck: Path) -> Path:
    cli("deck", "load", str(mini_deck))  # in-process setup (tests/shared.py)
    return home / "emdrill.db"


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = text_reviews(sqlite3.connect(db))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _letters(term: Term) -> dict[str, str]:
    """Question id whose intent each letter offers, as on screen."""
    term.wait_for(r"a-d pick")
    found = re.findall(r"^ *([abcd]) +Can you handle ([a-z]+-\d)\?", term.text, re.M)
    assert len(found) == 4, term.text
    return {qid: letter for letter, qid in found}


@pytest.mark.parametrize(("rows", "cols"), [(24, 80), (20, 40)])
def test_drill_decode_wrong_then_slow_right(loaded: Path, tmp_path: Path, rows: int,
                                            cols: int) -> None:
    clock = FakeClock(tmp_path / "clock")
    term = Term("drill", "--decode", "--cards", "2", rows=rows, cols=cols,
                env=clock.env)
    term.wait_for(r"Question alpha-1\?")
    term.wait_for(r"a-d pick")
    letters = _letters(term)
    assert "alpha-1" in letters and "Question alpha-1?" in term.flat()  # all on one screen
    wrong = next(q for q in letters if q != "alpha-1")
    term.press(letters[wrong])
    term.wait_for(r"✗ (that intent belongs to another question|you picked another)")
    term.wait_for(r"Which story\?")
    screen = term.text
    if cols >= 60:  # side by side: both headings on one line
        assert re.search(r"this question probes +you picked", screen), screen
    assert "Can you handle alpha-1?" in term.flat() and f"Can you handle {wrong}?" in term.flat()
    term.press("1")
    term.wait_for(r"any key: next")
    term.press(" ")
    term.wait_for(r"│ +Question beta-1\?")
    letters = _letters(term)
    clock.set(100)  # far longer than reading four short intents takes
    term.press(letters["beta-1"])
    term.wait_for(r"✓ intent")
    term.press("5")
    term.wait_for(r"any key: next")
    term.press(" ")
    term.wait_for(r"Session over: 2 answered")
    term.finish()
    assert term.exitstatus == 0
    assert _rows(loaded, "SELECT question_id, intent_rating, story_rating FROM review "
                 "ORDER BY id") == [("alpha-1", 1, 3), ("beta-1", 2, 3)]
    picks = _rows(loaded, "SELECT question_id, picked, options, seconds FROM intent_pick "
                  "ORDER BY id")
    assert [(q, p) for q, p, _o, _s in picks] == [("alpha-1", wrong), ("beta-1", "beta-1")]
    assert len(json.loads(str(picks[0][2]))) == 4 and picks[1][3] == 100.0
    [pair] = json.loads(cli("shaky", "--json"))["confusions"]
    assert (pair["question"], pair["mistaken_for"], pair["count"]) == ("alpha-1", wrong, 1)


@pytest.mark.parametrize(("rows", "cols"), [(24, 80), (20, 40)])
def test_commute_decode_fits_and_grades(loaded: Path, rows: int, cols: int) -> None:
    term = Term("commute", "--decode", "--cards", "1", rows=rows, cols=cols)
    term.wait_for(r"a-d pick")
    assert "Question alpha-1?" in term.flat()
    letters = _letters(term)
    term.press(letters["alpha-1"])
    term.wait_for(r"✓ intent")
    term.wait_for(r"story: y right")
    term.press("y")
    term.wait_for(r"Session over: 1 answered")
    term.finish()
    assert term.exitstatus == 0
    assert _rows(loaded, "SELECT question_id, intent_rating, story_rating, mode FROM review") \
        == [("alpha-1", 3, 3, "commute")]


def test_decode_setting_makes_it_the_default(loaded: Path) -> None:
    cli("config", "decode", "on")
    term = Term("drill", "--cards", "1", rows=24, cols=80)
    term.wait_for(r"Which intent is this question probing")
    term.press("q")
    term.wait_for(r"No questions answered")
    term.finish()
    assert term.exitstatus == 0
    term = Term("drill", "--no-decode", "--cards", "1", rows=24, cols=80)
    term.wait_for(r"Which story\?")
    assert "Which intent" not in term.flat()
    term.press("q")
    term.finish()
    assert term.exitstatus == 0


def test_undo_takes_the_pick_back(loaded: Path) -> None:
    term = Term("drill", "--decode", rows=24, cols=80)
    letters = _letters(term)
    term.press(letters["alpha-2"])
    term.wait_for(r"Which story\?")
    term.press("1")
    term.wait_for(r"any key: next")
    term.press("u")
    term.wait_for(r"0 done")  # alpha-1 is back on screen, the next card not yet shown
    assert "Question alpha-1?" in term.flat()
    term.wait_for(r"a-d pick")
    term.press("q")
    term.finish()
    assert term.exitstatus == 0
    assert _rows(loaded, "SELECT count(*) FROM review") == [(0,)]
    assert _rows(loaded, "SELECT count(*) FROM intent_pick") == [(0,)]


def test_commute_wrong_pick_shows_both_intents_on_a_phone(loaded: Path) -> None:
    term = Term("commute", "--decode", "--cards", "1", rows=20, cols=40)
    letters = _letters(term)
    wrong = next(q for q in letters if q != "alpha-1")
    term.press(letters[wrong])
    term.wait_for(r"story: y right")
    screen = term.flat()
    assert "✗ you picked another question's intent" in screen
    assert f"Can you handle {wrong}?" in screen and "Intent: Can you handle alpha-1?" in screen
    term.press("n")
    term.wait_for(r"Session over: 1 answered")
    term.finish()
    assert term.exitstatus == 0
    assert _rows(loaded, "SELECT intent_rating, story_rating FROM review") == [(1, 1)]


# The deck's longest question (144 characters) and four intents as long as its longest.
LONG_QUESTION = ("You know about a reorg that hasn't been announced, and one of your engineers "
                 "asks you straight out whether something is coming. What do you say?")
LONG_INTENTS = [
    "With someone who holds power over you, do you raise friction honestly and own your "
    "share, rather than going quiet or around them?",
    "Can you tell real warning signs from noise, and keep a sound decision alive long "
    "enough to pay off, when the pressure to change is loud?",
    "Do you think for yourself and act on it, rather than defaulting to accepted practice "
    "or waiting to be told what the right thing is?",
    "Will you make a call people resist, and still have their trust and effort the week "
    "after, with the sceptics brought back in by name?",
]


@pytest.mark.parametrize(("rows", "cols", "cut"), [(24, 80, False), (20, 40, True)])
def test_four_long_intents_all_fit_a_phone(home: Path, tmp_path: Path, rows: int, cols: int,
                                           cut: bool) -> None:
    from conftest import DECK_HEADER, question

    deck = tmp_path / "long.toml"
    deck.write_text(DECK_HEADER + "".join(
        question(f"alpha-{i + 1}", "alpha", intent=intent,
                 text=LONG_QUESTION if i == 0 else f"Another question {i}?")
        for i, intent in enumerate(LONG_INTENTS)), encoding="utf-8")
    cli("deck", "load", str(deck))
    term = Term("commute", "--decode", "--cards", "1", rows=rows, cols=cols)
    term.wait_for(r"a-d pick")
    screen = term.lines
    starts = [line.split(" ", 1)[0] for line in screen]
    assert [s for s in starts if s in ("a", "b", "c", "d")] == ["a", "b", "c", "d"], term.text
    assert "a-d pick" in screen[-1]
    assert ("…" in term.text) is cut  # whole where they fit, cut short where they do not
    firsts = [line[2:].rstrip() for line in screen if line[:1] in "abcd" and line[1:2] == " "]
    assert sorted(next(i for i, intent in enumerate(LONG_INTENTS) if intent.startswith(f))
                  for f in firsts) == [0, 1, 2, 3]  # each intent once, from its start
    term.press("q")
    term.finish()
    assert term.exitstatus == 0
