"""The drill and commute, driven through a real pseudo-terminal the way a person types."""

from __future__ import annotations

import io
import os
import re
import signal
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pexpect
import pytest
from rich.console import Console
from rich.text import Text

import procs
from conftest import text_reviews
from emdrill.cli.base import open_here
from emdrill.core.timing import Clock
from emdrill.ops.drill import Session
from emdrill.ui import drill
from emdrill.ui.keys import Key
from shared import cli
from term import Term

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TIMEOUT = 20


def _env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "100", "LINES": "40", "TERM": "xterm"}


@pytest.fixture
def deck_loaded(home: Path, mini_deck: Path) -> Path:
    cli("deck", "load", str(mini_deck))  # in-process setup (tests/shared.py)
    return home / "emdrill.db"


def _spawn(*args: str) -> pexpect.spawn:
    child = procs.PtySpawn(sys.executable, ["-m", "emdrill", *args], env=_env(),
                           encoding="utf-8", timeout=TIMEOUT, dimensions=(40, 100))
    child.delaybeforesend = None  # each key follows an expect(): no extra pause
    return child


def _reviews(db: Path) -> list[tuple[str, int, int, int | None, str]]:
    con = text_reviews(sqlite3.connect(db))
    try:
        return con.execute("SELECT question_id, intent_rating, story_rating, slot_named, mode "
                           "FROM review ORDER BY id").fetchall()
    finally:
        con.close()


def _answer_first_card(child: pexpect.spawn) -> None:
    """alpha-1: name its primary slot, grade Good; then beta-1 is on screen."""
    child.expect("Question alpha-1")
    child.send("1")
    child.expect("Intent recall")
    child.send("3")
    child.expect("Question beta-1")


def test_drill_flow_as_typed(deck_loaded: Path) -> None:
    child = _spawn("drill", "--minutes", "10")
    child.expect("Question alpha-1")
    child.expect("Which story")
    child.send("x")  # a wrong key: a hint, no crash
    child.expect("does nothing here")
    child.send("?")
    child.expect("undo the last answer")
    child.send("1")  # the primary slot
    child.expect("✓ story")
    child.expect("Intent recall")
    child.send("3")  # Good
    child.expect("Question beta-1")
    child.send("1")  # wrong slot for beta
    child.expect("✗ story: you said 1")
    child.expect("Intent recall")
    child.send("1")  # Again
    child.expect("Question alpha-2")
    child.send("u")  # undo beta-1: it comes back
    child.expect("Question beta-1")  # back on screen, with the message below it
    child.expect("undone: beta-1")
    child.send("5")
    child.expect("✓ story")
    child.expect("Intent recall")
    child.send("4")  # Easy
    child.expect("Question alpha-2")
    child.send("s")
    child.expect("skipped")
    child.expect("Question alpha-3")  # beta-2 would follow beta-1 back to back
    child.send("q")
    child.expect("Session over: 2 answered")
    child.expect("Intent recall 100%")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert _reviews(deck_loaded) == [("alpha-1", 3, 3, 1, "drill"), ("beta-1", 4, 3, 5, "drill")]


def test_drill_alternate_slot_and_not_sure(deck_loaded: Path) -> None:
    child = _spawn("drill", "--cards", "2")
    child.expect("Question alpha-1")
    child.send("5")  # acceptable alternate for alpha
    child.expect("works; best is 1")
    child.send("2")
    child.expect("Question beta-1")
    child.send("0")  # not sure
    child.expect("you said not sure")
    child.send("3")
    child.expect("Session over: 2 answered")
    child.expect(pexpect.EOF)
    assert _reviews(deck_loaded) == [("alpha-1", 2, 2, 5, "drill"),
                                     ("beta-1", 3, 1, None, "drill")]


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a shell does for a background job


@pytest.mark.parametrize("inherited", ["default", "ignored"])
def test_ctrl_c_ends_cleanly(deck_loaded: Path, inherited: str) -> None:
    child = procs.PtySpawn(sys.executable, ["-m", "emdrill", "drill"], env=_env(),
                           encoding="utf-8", timeout=TIMEOUT, dimensions=(40, 100),
                           preexec_fn=_ignore_sigint if inherited == "ignored" else None)
    child.delaybeforesend = None
    _answer_first_card(child)
    child.sendintr()
    child.expect("Session over: 1 answered")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert len(_reviews(deck_loaded)) == 1


class _Clock:
    """Time moved by the test, never by the wall clock."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> Clock:
        return Clock(now=self.now, local=UTC)


class _Keys:
    """Scripted key presses; a number instead of a key moves the clock that many seconds
    and then times out, as a terminal read with nothing typed would."""

    def __init__(self, clock: _Clock, script: list[str | float], *, tty: bool) -> None:
        self.clock, self.script, self.is_tty = clock, list(script), tty

    @contextmanager
    def active(self) -> Iterator[_Keys]:
        yield self

    def read(self, timeout: float | None = None) -> Key | None:
        step = self.script.pop(0)
        if isinstance(step, str):
            return Key.typed(step)
        self.clock.now += timedelta(seconds=step)
        return None if timeout is not None else self.read(timeout)


def _run_drill(script: list[str | float], *, minutes: float, tty: bool) -> tuple[Session, str]:
    store = open_here(autoload=False)
    clock = _Clock()
    session = Session(store, clock, minutes=minutes)
    console = Console(file=io.StringIO(), width=100, force_terminal=False, color_system=None)
    screen = drill.Screen(console=console, reader=_Keys(clock, script, tty=tty),  # type: ignore[arg-type]
                          session=session, slots={},
                          back=lambda _pick, _short, _level, _width: Text("the back"))
    drill.run(session, screen)
    assert isinstance(console.file, io.StringIO)
    return session, console.file.getvalue()


def test_time_box_finishes_the_card_in_progress(deck_loaded: Path) -> None:
    # three minutes; four pass while the first card is on screen
    session, screen = _run_drill([240.0, "1", "3"], minutes=3, tty=False)
    assert [a.graded.card.id for a in session.answers] == ["alpha-1"]
    assert "Question alpha-1" in screen and "Question beta-1" not in screen
    assert len(_reviews(deck_loaded)) == 1


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGHUP])
def test_killed_mid_card_loses_only_that_card(deck_loaded: Path, sig: int) -> None:
    child = _spawn("drill")
    _answer_first_card(child)
    child.send("5")  # story named, intent not graded yet: this card is in flight
    child.expect("Intent recall")
    child.kill(sig)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus != 0 or child.signalstatus == sig
    assert _reviews(deck_loaded) == [("alpha-1", 3, 3, 1, "drill")]
    con = sqlite3.connect(deck_loaded)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_commute_flow_as_typed(deck_loaded: Path) -> None:
    child = _spawn("commute")
    child.expect("Question alpha-1")
    child.expect("Space")
    child.send(" ")
    child.expect("nailed")
    child.send("y")
    child.expect("Question beta-1")
    child.send("k")  # not a reveal key: a message says so
    child.expect("'k' does nothing here")
    child.send("\r")  # Enter reveals too
    child.expect("nailed")
    child.send("n")
    child.expect("Question alpha-2")
    child.send(" ")
    child.expect("nailed")
    child.send("p")
    child.expect("Question beta-2")
    child.send("u")
    child.expect("Question alpha-2")  # back on screen, with the message below it
    child.expect("undone: alpha-2 comes back")
    child.send("q")
    child.expect("Session over: 2 answered")
    child.expect(pexpect.EOF)
    assert _reviews(deck_loaded) == [("alpha-1", 3, 3, None, "commute"),
                                     ("beta-1", 1, 1, None, "commute")]


def test_commute_fits_forty_columns(deck_loaded: Path) -> None:
    term = Term("commute", cols=40, rows=20)
    term.wait_for("Question alpha-1")
    term.press(" ", then="y nailed")
    assert term.lines[-1].startswith("y nailed")
    assert "Intent: Can you handle alpha-1?" in term.text
    term.press("q")
    assert "Session over" not in term.finish()  # nothing answered: no summary table


def test_piped_drill(deck_loaded: Path) -> None:
    answers = "1\n3\n5\n2\nq\n"
    result = procs.run([sys.executable, "-m", "emdrill", "drill"], input=answers,
                       env=_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Session over: 2 answered" in result.stdout
    assert "\x1b[" not in result.stdout  # plain text when piped
    assert _reviews(deck_loaded) == [("alpha-1", 3, 3, 1, "drill"), ("beta-1", 2, 3, 5, "drill")]


def test_piped_drill_stops_at_end_of_input(deck_loaded: Path) -> None:
    result = procs.run([sys.executable, "-m", "emdrill", "drill"], input="1\n3\n",
                       env=_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "Session over: 1 answered" in result.stdout
    assert len(_reviews(deck_loaded)) == 1


def test_time_left_ticks_while_waiting(deck_loaded: Path) -> None:
    _, screen = _run_drill([1.0, 1.0, 58.0, "q"], minutes=10, tty=True)
    shown = re.findall(r"drill · (\d+:\d\d) left · 0 done", screen)
    assert shown == ["10:00", "9:59", "9:58", "9:00"]  # redrawn each time no key came
