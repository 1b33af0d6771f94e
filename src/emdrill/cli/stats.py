"""The `stats`, `shaky` and `simulate` commands, each named in the command table of cli/main.py.

Each command parses, makes one core call and renders; this module is imported only when one
of them runs (`emdrill --help` lists the table's summaries).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from emdrill import env
from emdrill.cli.base import App, open_here
from emdrill.cli.complete import family_slugs
from emdrill.core.errors import InputError
from emdrill.ops import interview, opening
from emdrill.ops import stats as stats_mod
from emdrill.ui import stats_view
from emdrill.ui.console import emit_json

stats_app = App()
shaky_app = App()
simulate_app = App()

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@stats_app.command()
def stats(as_json: JsonOption = False) -> None:
    """Show recall, weakness and forecasts per family, a heatmap and your streak."""
    clock = env.read_clock()
    store = open_here()
    result = stats_mod.report(store, clock)
    outlook = interview.outlook(store, clock, opening.settings(store))
    if as_json:
        emit_json(stats_view.report_json(result, interview=outlook, local=clock.local))
    else:
        stats_view.show_report(result, interview=outlook)


@shaky_app.command()
def shaky(
    family: Annotated[str | None, typer.Option(
        "--family", "-f", help="Only this family (its slug, e.g. conflict).",
        autocompletion=family_slugs)] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1,
                                       help="Show at most N questions.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """List the weakest families and the questions you missed most lately."""
    clock = env.read_clock()
    store = open_here()
    result = stats_mod.shaky(store, clock, family=family, limit=limit)
    if as_json:
        emit_json(stats_view.shaky_json(result))
    else:
        stats_view.show_shaky(result, now=clock.now)


@simulate_app.command()
def simulate(
    days: Annotated[int, typer.Option(min=1, max=365, help="Days of daily drills.")] = 60,
    answers: Annotated[int, typer.Option(min=1, max=200,
                                         help="Answers per daily drill.")] = 12,
    weak: Annotated[str | None, typer.Option(
        help="The family the learner finds hard (default: the largest family).")] = None,
    learning: Annotated[float, typer.Option(
        min=0.01, max=1.0,
        help="Share of a review's consolidation the weak family keeps (1 = not weak).")] = 0.15,
    new_per_day: Annotated[int, typer.Option(
        min=0, max=500, help="The learner's new-per-day setting.")] = 10,
    runs: Annotated[int, typer.Option(min=1, max=50, help="Seeds to average over.")] = 3,
    seed: Annotated[int, typer.Option(help="First random seed.")] = 1,
    deck: Annotated[list[Path] | None, typer.Option(
        metavar="PATH", readable=False,
        help="Deck file or folder (default: the bundled decks); repeatable.",
    )] = None,
    as_json: JsonOption = False,
) -> None:
    """Simulate a learner with one weak family, with the 'adaptive' setting on and off."""
    from emdrill.ops import decks, simulation  # deck parsing and loading: stats stays light

    paths = deck or decks.bundled_paths()
    files, problems = decks.check_paths(paths)
    if problems:
        simulation.raise_deck_problems(problems)
    families = {q.family for f in files for q in f.questions}
    chosen = weak or simulation.default_weak_family(paths)
    if chosen not in families:
        raise InputError(f"--weak: no questions in family '{chosen}' "
                         f"(known: {', '.join(sorted(families)) or 'none'})")
    learner = simulation.Learner(chosen, weak_learning=learning)
    plan = simulation.SimulationPlan(days=days, answers=answers, new_per_day=new_per_day, seed=seed)

    def progress(run: int, adaptive: bool) -> None:
        typer.echo(f"simulating run {run}/{runs}, adaptive {'on' if adaptive else 'off'}...",
                   err=True)

    result = simulation.compare(paths, learner, plan, runs=runs, progress=progress)
    if as_json:
        emit_json(stats_view.simulation_json(result))
    else:
        stats_view.show_simulation(result, title=(
            f"Simulated learner · {days} days x {answers} answers · {new_per_day} new a day · "
            f"'{chosen}' consolidates {learning:g}x · mean of {runs} run(s)"))
