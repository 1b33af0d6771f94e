"""The `interview` and `optimize` commands, each named in the command table of cli/main.py."""

from __future__ import annotations

from typing import Annotated

import typer

from emdrill.cli.base import App, open_here

interview_app = App()
optimize_app = App()

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@interview_app.command()
def interview(
    date: Annotated[str | None, typer.Argument(
        metavar="DATE", help="The interview: YYYY-MM-DD (09:00 that day) or "
        "YYYY-MM-DDTHH:MM, local time unless an offset is given.")] = None,
    decks: Annotated[list[str] | None, typer.Option(
        "--decks", metavar="IDS", help="Only these decks (comma-separated or repeated).")] = None,
    families: Annotated[list[str] | None, typer.Option(
        "--families", metavar="SLUGS",
        help="Only these families (comma-separated or repeated).")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="End the plan.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Plan to an interview date: new questions a day, minutes, and readiness on the day."""
    from emdrill import env
    from emdrill.core.errors import InputError
    from emdrill.ops import collection
    from emdrill.ops import interview as plan
    from emdrill.ui import interview_view as view
    from emdrill.ui.console import emit_json

    clock = env.read_clock()
    if clear and (date or decks or families):
        raise InputError("--clear ends the plan: give no date, --decks or --families with it")
    if date is None and (decks or families):
        raise InputError("--decks and --families set the scope of a new plan: give its DATE")
    store = open_here()
    if clear:
        ended = plan.clear(store)
        typer.echo("interview plan cleared" if ended else "no interview plan to clear")
        return
    if date is not None:
        plan.set_interview(store, clock, date, decks=decks or (), families=families or ())
    outlook = plan.outlook(store, clock, collection.settings(store))
    if as_json:
        emit_json(None if outlook is None else view.plan_json(outlook, clock.local))
    elif outlook is None:
        view.show_none(plan.stored(store), local=clock.local)
    else:
        view.show_outlook(outlook, local=clock.local)


@optimize_app.command()
def optimize(as_json: JsonOption = False) -> None:
    """Fit the scheduler (FSRS) to your own answers; keep it only if it predicts you better."""
    from emdrill import env
    from emdrill.ops import optimize as fit
    from emdrill.ui import interview_view as view
    from emdrill.ui.console import emit_json

    clock = env.read_clock()
    results = fit.optimize(open_here(autoload=False), clock)
    if as_json:
        emit_json(view.optimize_json(results))
    else:
        view.show_optimize(results)
