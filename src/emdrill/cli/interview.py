"""The `interview` and `optimize` commands, each named in the command table of cli/main.py."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from emdrill import env
from emdrill.cli.base import App, open_here
from emdrill.core.errors import InputError
from emdrill.ops import interview as plan
from emdrill.ops import opening, plan_scope
from emdrill.ops import optimize as fit
from emdrill.ops.jd import weigh
from emdrill.ops.sheet import morning, sheet
from emdrill.ui import interview_view as view
from emdrill.ui import question_views
from emdrill.ui.console import emit_json
from emdrill.ui.fmt import iso
from emdrill.ui.jd_view import jd_json, show_jd
from emdrill.ui.sheet_view import sheet_json, show_sheet

interview_app = App()
optimize_app = App()

if TYPE_CHECKING:
    from emdrill.core.timing import Clock
    from emdrill.ops.interview import InterviewOutlook
    from emdrill.ops.opening import Store

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@interview_app.command()
def interview(
    date: Annotated[str | None, typer.Argument(
        metavar="DATE", help="The interview: YYYY-MM-DD (09:00 that day) or "
        "YYYY-MM-DDTHH:MM, local time unless an offset is given.")] = None,
    jd: Annotated[Path | None, typer.Option(
        "--jd", metavar="FILE", dir_okay=False, help="A job description (plain text): rank "
        "the families by how much it stresses them, and propose the top ones as the scope."
    )] = None,
    into_plan: Annotated[bool, typer.Option(
        "--into-plan", help="Put the questions kept out of the plan's scope (by import or "
        "add) into it.")] = False,
    decks: Annotated[list[str] | None, typer.Option(
        "--decks", metavar="IDS", help="Only these decks (comma-separated or repeated).")] = None,
    families: Annotated[list[str] | None, typer.Option(
        "--families", metavar="SLUGS",
        help="Only these families (comma-separated or repeated).")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="End the plan.")] = False,
    sheet: Annotated[bool, typer.Option(
        "--sheet", help="Show the loop morning sheet: per family the intent, story and "
        "system to lead with, the pairs you confuse, the weakest intents.")] = False,
    show_plan: Annotated[bool, typer.Option(
        "--plan", help="Show the plan even on the loop morning, when plain interview shows "
        "the sheet.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Plan to an interview date: new questions a day, minutes, and readiness on the day."""
    clock = env.read_clock()
    if jd is not None or into_plan:
        _aside(clock, jd, others=bool(date or decks or families or clear or sheet or show_plan
                                   or (jd and into_plan)),
               as_json=as_json)
        return
    if clear and (date or decks or families):
        raise InputError("--clear ends the plan: give no date, --decks or --families with it")
    if date is None and (decks or families):
        raise InputError("--decks and --families set the scope of a new plan: give its DATE")
    if sheet and (date or decks or families or clear or show_plan):
        raise InputError("--sheet shows the plan's sheet: give no date, --decks, --families, "
                         "--clear or --plan with it")
    if show_plan and clear:
        raise InputError("--plan shows the plan: give no --clear with it")
    store = open_here()
    if clear:
        ended = plan.clear(store)
        typer.echo("interview plan cleared" if ended else "no interview plan to clear")
        return
    if date is not None:
        plan.set_interview(store, clock, date, decks=decks or (), families=families or ())
    outlook = plan.outlook(store, clock, opening.settings(store), choices=True)
    # On the loop morning the sheet is what the day needs; `--json` keeps the plan's shape.
    morning = (not sheet and not as_json and not show_plan and date is None and outlook is not None
               and _morning(clock, outlook))
    if sheet or morning:
        _show_sheet(store, clock, outlook, as_json=as_json, auto=morning)
    elif as_json:
        emit_json(None if outlook is None else view.interview_json(outlook, clock.local))
    elif outlook is None:
        view.show_none(plan.stored(store), local=clock.local)
    else:
        view.show_outlook(outlook, local=clock.local)


def _morning(clock: Clock, outlook: InterviewOutlook) -> bool:
    return morning(clock, outlook.interview)


def _show_sheet(store: Store, clock: Clock, outlook: InterviewOutlook | None, *, as_json: bool,
                auto: bool = False) -> None:
    """The loop morning sheet for the plan (or every question without one); `auto` when
    plain `interview` shows it, which then says how to see the plan."""
    found = sheet(store, clock)
    if as_json:
        emit_json(sheet_json(
            found, date=iso(outlook.interview.at.astimezone(clock.local)) if outlook else None,
            days_left=outlook.plan.days_left if outlook else None))
        return
    if outlook is None:
        heading = "Loop sheet · every question (no interview planned)"
    else:
        day = {0: "today", 1: "tomorrow"}.get(outlook.plan.days_left,
                                              f"in {outlook.plan.days_left} days")
        heading = (f"Loop sheet · {outlook.interview.at.astimezone(clock.local):%a %d %b %H:%M}"
                   f", {day}")
    if auto:
        heading += " · the plan: emdrill interview --plan"
    show_sheet(found, heading=heading)


@optimize_app.command()
def optimize(as_json: JsonOption = False) -> None:
    """Fit the scheduler (FSRS) to your own answers; keep it only if it predicts you better."""
    clock = env.read_clock()
    results = fit.optimize(open_here(autoload=False), clock)
    if as_json:
        emit_json(view.optimize_json(results))
    else:
        view.show_optimize(results)


def _aside(clock: Clock, jd: Path | None, *, others: bool, as_json: bool) -> None:
    """--jd (the families a job description stresses) or --into-plan: each alone."""
    if others:
        raise InputError("--jd and --into-plan each stand alone: give no date, --decks, "
                         "--families, --clear, --sheet or --plan with them")
    store = open_here()
    if jd is None:
        widening = plan_scope.widening(store, clock, plan_scope.kept_out(store, clock))
        if widening is None:
            typer.echo("no questions are kept out of an interview plan's scope")
            return
        plan_scope.let_in(store, clock, widening.ids)
        typer.echo(question_views.let_in_line(widening))
        return

    weighed = weigh(store, clock, jd)
    if as_json:
        emit_json(jd_json(weighed))
    else:
        show_jd(weighed)

