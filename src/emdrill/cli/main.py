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

# name -> the typer app that holds it, as "module:attribute"; --help lists them in this order.
COMMANDS = {
    "drill": "emdrill.cli.drill:drill_app",  # first in --help: the drill is the main job
    "commute": "emdrill.cli.drill:commute_app",
    "mock": "emdrill.cli.mock:mock_app",
    "where": "emdrill.cli.upkeep:where_app",
    "status": "emdrill.cli.review:status_app",
    "next": "emdrill.cli.review:next_app",
    "grade": "emdrill.cli.review:grade_app",
    "show": "emdrill.cli.review:show_app",
    "help": "emdrill.cli.main:help_app",
    "undo": "emdrill.cli.review:undo_app",
    "check": "emdrill.cli.upkeep:check_app",
    "config": "emdrill.cli.upkeep:config_app",
    "stats": "emdrill.cli.stats:stats_app",
    "shaky": "emdrill.cli.stats:shaky_app",
    "simulate": "emdrill.cli.stats:simulate_app",
    "import": "emdrill.cli.transfer:import_app",
    "backup": "emdrill.cli.transfer:backup_app",
    "restore": "emdrill.cli.transfer:restore_app",
    "suggest": "emdrill.cli.questions:suggest_app",
    "add": "emdrill.cli.questions:add_app",
    "drafts": "emdrill.cli.questions:drafts_app",
    "interview": "emdrill.cli.interview:interview_app",
    "optimize": "emdrill.cli.interview:optimize_app",
    "suspend": "emdrill.cli.set_aside:suspend_app",
    "unsuspend": "emdrill.cli.set_aside:unsuspend_app",
    "bury": "emdrill.cli.set_aside:bury_app",
    "coach": "emdrill.cli.coach:coach_app",
    "exam": "emdrill.cli.exam:exam_app",
    "deck": "emdrill.cli.deck:deck_app",
    "story": "emdrill.cli.story:story_app",
    "system": "emdrill.cli.story:system_app",
    "export": "emdrill.cli.transfer:export_app",
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
