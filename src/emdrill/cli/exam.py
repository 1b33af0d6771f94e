"""`emdrill exam`: a measured readiness on questions never answered."""

from __future__ import annotations

import random
from typing import Annotated

import typer

from emdrill import env
from emdrill.cli.base import App, open_here
from emdrill.ops import exam as exam_ops
from emdrill.ui import exam as exam_ui
from emdrill.ui.console import emit_json, err, out
from emdrill.ui.keys import KeyReader

exam_app = App()


@exam_app.command()
def exam(
    questions: Annotated[int, typer.Option(
        "--questions", "-n", min=1, max=40, help="How many questions to ask.")] = 10,
    json_out: Annotated[bool, typer.Option(
        "--json", help="Print the result as JSON (the questions go to stderr).")] = False,
) -> None:
    """Test yourself on questions never answered: how many you decode, and the likely range."""
    clock = env.read_clock()
    store = open_here()
    rng = random.Random(env.read_seed())
    offers = exam_ops.prepare(store, clock, count=questions, rng=rng)
    console = err() if json_out else out(width=None)
    if not offers:
        err().print("No exam: every question in scope has been answered already.")
        raise typer.Exit(1)
    try:
        replies = exam_ui.ask(offers, KeyReader(), console)
    except exam_ui.Abandoned as stop:
        err().print(f"Exam stopped after {stop.answered} of {len(offers)} answers: "
                    "nothing recorded.")
        raise typer.Exit(1) from None
    result = exam_ops.record(store, clock, offers, replies)
    if json_out:
        emit_json(exam_ui.exam_json(result))
        return
    console.print()
    for line in exam_ui.result_lines(result, offers):
        console.print(line)
