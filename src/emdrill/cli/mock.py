"""`emdrill mock`: a mock interview, one question at a time, answered aloud against a timer."""

from __future__ import annotations

import random
import signal
from datetime import timedelta
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from emdrill import env
from emdrill.cli import editor
from emdrill.cli.base import App, open_here
from emdrill.cli.complete import family_slugs
from emdrill.core.timing import Clock
from emdrill.ops import mock as mock_ops
from emdrill.ops import opening
from emdrill.ops.back import load_back
from emdrill.ui import mock as mock_ui
from emdrill.ui import mock_view
from emdrill.ui.back import Renderable, render_back
from emdrill.ui.console import out
from emdrill.ui.keys import KeyReader

if TYPE_CHECKING:
    from collections.abc import Callable

    from emdrill.core.cards import Question
    from emdrill.core.timing import Clock

mock_app = App()


def _hang_up(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(129)  # the terminal is gone; saved rehearsals are already committed


@mock_app.command()
def mock(
    family: Annotated[str | None, typer.Option(
        "--family", "-f", help="Only this family (its slug, e.g. conflict).",
        autocompletion=family_slugs)] = None,
    deck: Annotated[str | None, typer.Option(help="Only this deck (its id).")] = None,
    questions: Annotated[int, typer.Option(
        "--questions", "-n", min=1, max=20, help="How many questions to ask.")] = 3,
    minutes: Annotated[float | None, typer.Option(
        "--minutes", "-m", min=0.1, max=240,
        help="Ask no new question after this many minutes.")] = None,
) -> None:
    """Rehearse an interview: answer aloud against a timer, take follow-ups, check yourself."""
    if hasattr(signal, "SIGHUP"):  # not on Windows
        signal.signal(signal.SIGHUP, _hang_up)
    tick = env.read_ticker()
    start, clock = env.read_clock(), _moving_clock(tick)
    store = open_here()
    rng = random.Random(env.read_seed())
    asked = mock_ops.plan(store, start, count=questions, family=family, deck=deck, rng=rng)
    console = out(width=None)
    if not asked:
        console.print("No questions to ask: none loaded for that choice.")
        raise typer.Exit(1)
    prefs = opening.settings(store)
    session = mock_ops.Mock(store, clock, tick, asked, target=prefs.mock_target,
                            minutes=minutes, pace=prefs.speaking_pace)
    data = load_back(store)

    def back(question: Question, level: int) -> Renderable:
        return render_back(question, data, width=console.width, level=level)

    stopped = mock_ui.run(session, mock_ui.MockScreen(console, KeyReader(), back,
                                                      edit=_edit_answer))
    console.print()
    console.print(mock_view.summary(session.done, stopped_early=stopped))


def _edit_answer() -> str | None:
    """What the user said, written in $VISUAL / $EDITOR (none set: nothing)."""
    command = editor.editor_command()
    if command is None:
        return None
    text, _ok = editor.run_editor("", editor=command, name="answer", suffix=".txt")
    return text


def _moving_clock(tick: Callable[[], float]) -> Callable[[], Clock]:
    """"Now" that moves on with the timers' tick from the moment the command started."""
    start, t0 = env.read_clock(), tick()

    def clock() -> Clock:
        return Clock(now=start.now + timedelta(seconds=tick() - t0), local=start.local)

    return clock
