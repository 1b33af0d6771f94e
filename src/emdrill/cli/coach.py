"""`emdrill coach`: any answer or transcript read against the method."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from emdrill.cli.base import App, open_here
from emdrill.ops import coach as coach_ops
from emdrill.ui import coach_view
from emdrill.ui.console import emit_json, out

coach_app = App()


@coach_app.command()
def coach(
    file: Annotated[Path | None, typer.Argument(
        metavar="[FILE]", help="The answer as text; standard input without FILE.")] = None,
    question: Annotated[str | None, typer.Option(
        "--question", "-q", metavar="ID",
        help="The question it answers: also check it speaks to the question's intent.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Read an answer against the method: I not we, a number, a learning, length."""
    text = coach_ops.read_text(file, sys.stdin)
    report = coach_ops.coach(open_here(), text, question_id=question)
    if as_json:
        emit_json(coach_view.report_json(report))
    else:
        out().print(coach_view.report_view(report))
