"""The `emdrill` command: the root, its command table, and the entry point.

Every command lives in a module of its own group (cli/review.py, cli/stats.py, ...) as a
typer app of its own; `COMMANDS` names each one, in the order `--help` lists them, and a
run imports and builds only the one it calls (cli/lazy.py).
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from typing import Annotated

import typer

from emdrill.cli.base import App, unexpected
from emdrill.cli.lazy import LazyGroup
from emdrill.core.errors import InputError
from emdrill.ui.console import guard_streams

# name -> (the typer app that holds it, as "module:attribute"; its --help summary, which
# test_cli_lazy holds to the command's own docstring). --help lists them in this order, from
# here: it builds none of them.
COMMANDS = {
    "drill": ("emdrill.cli.drill:drill_app",  # first in --help: the drill is the main job
        "Run a timed drill: name the story, see the back, grade how well you knew the intent."),
    "commute": ("emdrill.cli.drill:commute_app",
        "One-handed review for small screens: reveal, then y / p / n; ends when none is due."),
    "mock": ("emdrill.cli.mock:mock_app",
        "Rehearse an interview: answer aloud against a timer, take follow-ups, check yourself."),
    "where": ("emdrill.cli.upkeep:where_app",
        "Print where emdrill keeps its data."),
    "status": ("emdrill.cli.review:status_app",
        "Show what is due now, new questions left today, reviews today and your streak."),
    "next": ("emdrill.cli.review:next_app",
        "List the questions a drill would show now, in the order it would show them."),
    "grade": ("emdrill.cli.review:grade_app",
        "Record one answer from a script, exactly as a drill would (see emdrill next)."),
    "show": ("emdrill.cli.review:show_app",
        "Show one question: its front, its back with your story, how well you know it, reviews."),
    "help": ("emdrill.cli.main:help_app",
        "Show a short guide (the daily loop, the keys), or one command: emdrill help story add"),
    "undo": ("emdrill.cli.review:undo_app",
        "Take back the last answer: the question's schedule goes back exactly as it was."),
    "check": ("emdrill.cli.upkeep:check_app",
        "Check the collection file for damage (reading only) and say how to recover."),
    "config": ("emdrill.cli.upkeep:config_app",
        "Show settings, or set one: emdrill config retention 0.92"),
    "stats": ("emdrill.cli.stats:stats_app",
        "Show recall, weakness and forecasts per family, a heatmap and your streak."),
    "shaky": ("emdrill.cli.stats:shaky_app",
        "List the weakest families and the questions you missed most lately."),
    "simulate": ("emdrill.cli.stats:simulate_app",
        "Simulate a learner with one weak family, with the 'adaptive' setting on and off."),
    "import": ("emdrill.cli.transfer:import_app",
        "Import questions (a list or an Anki text export), Anki reviews (.apkg), or a JSON "
        "export."),
    "backup": ("emdrill.cli.transfer:backup_app",
        "Copy the collection safely, even while a drill is running."),
    "restore": ("emdrill.cli.transfer:restore_app",
        "Replace the collection with a backup (asks first); the current one is backed up."),
    "suggest": ("emdrill.cli.questions:suggest_app",
        "Suggest the family, story slot and intent for any question, with the cards behind it."),
    "add": ("emdrill.cli.questions:add_app",
        "Add a question of your own; what you leave out is suggested and marked as a draft."),
    "drafts": ("emdrill.cli.questions:drafts_app",
        "Go through what emdrill filled in on your own questions, one card at a time."),
    "interview": ("emdrill.cli.interview:interview_app",
        "Plan to an interview date: new questions a day, minutes, and readiness on the day."),
    "optimize": ("emdrill.cli.interview:optimize_app",
        "Fit the scheduler (FSRS) to your own answers; keep it only if it predicts you better."),
    "suspend": ("emdrill.cli.set_aside:suspend_app",
        "Take questions out of every drill until you unsuspend them."),
    "unsuspend": ("emdrill.cli.set_aside:unsuspend_app",
        "Put suspended or buried questions back into the drills."),
    "bury": ("emdrill.cli.set_aside:bury_app",
        "Keep questions out of the drills until the next study day (04:00)."),
    "coach": ("emdrill.cli.coach:coach_app",
        "Read an answer against the method: I not we, a number, a learning, length."),
    "exam": ("emdrill.cli.exam:exam_app",
        "Test yourself on questions never answered: how many you decode, and the likely range."),
    "deck": ("emdrill.cli.deck:deck_app",
        "Check, load and list question decks."),
    "story": ("emdrill.cli.story:story_app",
        "Write, list and check the stories you answer with."),
    "system": ("emdrill.cli.story:system_app",
        "Write the system you lead an answer with, per area (delivery, stakeholders, team, self)."),
    "export": ("emdrill.cli.transfer:export_app",
        "Write your questions for Anki, or everything as JSON."),
}


class Root(LazyGroup):
    """The `emdrill` group: every command comes from `COMMANDS`."""

    table = COMMANDS


app = App(
    cls=Root,
    help="Drill engineering-manager behavioral questions by spaced repetition.",
    no_args_is_help=False,
    invoke_without_command=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
help_app = App()


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"emdrill {version('emdrill')}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    _version: Annotated[bool, typer.Option(
        "--version", is_eager=True, expose_value=False, callback=_print_version,
        help="Print emdrill's version and exit.")] = False,
) -> None:
    """Drill engineering-manager behavioral questions by spaced repetition."""
    if ctx.invoked_subcommand is None:
        from emdrill.cli.review import status

        status(as_json=False, hint=True)


@help_app.command("help")
def help_(
    ctx: typer.Context,
    command: Annotated[list[str] | None, typer.Argument(
        metavar="[COMMAND]...", help="A command, e.g. drill or story add.")] = None,
) -> None:
    """Show a short guide (the daily loop, the keys), or one command: emdrill help story add"""
    if not command:
        from emdrill.ui.guide import show_guide

        show_guide()
        return
    root = ctx.find_root()
    target, target_ctx = root.command, root
    for name in command:
        found = getattr(target, "get_command", lambda _ctx, _name: None)(target_ctx, name)
        if found is None:
            where = " ".join(["emdrill", *command][:-1])
            raise InputError(f"no command '{name}' in {where} (see: emdrill help)")
        target, target_ctx = found, type(ctx)(found, info_name=name, parent=target_ctx)
    typer.echo(target.get_help(target_ctx))


def main() -> None:
    guard_streams()
    try:
        app(prog_name="emdrill")
    except Exception as exc:  # outside any command (parsing, start-up): still one line
        try:
            unexpected(exc)
        except typer.Exit as done:
            sys.exit(done.exit_code)
