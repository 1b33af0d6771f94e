"""`emdrill deck check`, `deck load` and `deck list`: the question decks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from emdrill import env
from emdrill.cli.base import App, Group, open_here
from emdrill.cli.complete import family_slugs
from emdrill.cli.plan_scope import IntoPlanOption
from emdrill.ui.console import emit_json

deck_app = App(cls=Group, name="deck", help="Check, load and list question decks.",
               no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]

# readable=False: an unreadable file is ours to report (file:1: cannot read, status 1).
PathsArg = Annotated[list[Path] | None, typer.Argument(
    metavar="[PATH]...", readable=False,
    help="Deck files or folders (default: the bundled decks and yours).")]


def _default_decks() -> list[Path]:
    """The bundled decks, then the user's own (written by `add` and `import`)."""
    from emdrill.ops import decks

    return decks.bundled_paths() + decks.user_paths(env.home_dir())


@deck_app.command("check")
def deck_check(paths: PathsArg = None) -> None:
    """Validate deck files; print every problem as file:line: message.

    Cards that read like another card are reported as warnings, and questions with fields
    emdrill drafted that you have not reviewed yet are counted (review them with `emdrill
    drafts`); neither fails the check."""
    from emdrill.core.deckfile import drafts
    from emdrill.ops import decks

    chosen = paths or _default_decks()
    files, problems = decks.check_paths(chosen, decks.bundled_context(chosen))
    warnings = decks.warnings(files)
    for problem in sorted([*problems, *warnings], key=lambda p: (str(p.path), p.line)):
        typer.echo(str(problem))
    if problems:
        raise typer.Exit(1)
    notes = drafts(files)
    if notes:  # one line, not one per card: an import of a hundred rows is a hundred drafts
        typer.echo(f"{len(notes)} question{'s' if len(notes) != 1 else ''} with drafts to "
                   "review: run `emdrill drafts`")
    count = sum(len(f.questions) for f in files)
    families = len({q.family for f in files for q in f.questions})
    warned = f" ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})" if warnings else ""
    unreviewed = f", {len(notes)} with drafts to review" if notes else ""
    typer.echo(f"ok: {len(files)} file(s), {count} questions in {families} families"
               f"{warned}{unreviewed}")


@deck_app.command("load")
def deck_load(paths: PathsArg = None, into_plan: IntoPlanOption = None) -> None:
    """Validate, then add new questions, update changed ones and suspend removed ones."""
    from emdrill.cli.plan_scope import settle
    from emdrill.ops import decks, plan_scope

    clock = env.read_clock()
    store = open_here(autoload=False)
    result, held = decks.load_holding(store, paths or _default_decks(), now=clock.now,
                                      hold=plan_scope.hold)
    merged = f", merged {result.merged}" if result.merged else ""
    typer.echo(f"added {result.added}, updated {result.updated}, "
               f"unchanged {result.unchanged}, suspended {result.suspended}, "
               f"restored {result.restored}{merged}")
    settle(store, clock, held, into=into_plan, how="emdrill interview --into-plan")


@deck_app.command("list")
def deck_list(
    ids: Annotated[bool, typer.Option("--ids", help="List every question's id and text "
                                      "(the ids `grade` and `show` take).")] = False,
    family: Annotated[str | None, typer.Option(
        "--family", "-f", help="With --ids: only this family's questions.",
        autocompletion=family_slugs)] = None,
    as_json: JsonOption = False,
) -> None:
    """List loaded decks with question counts per family; --ids lists the questions."""
    from emdrill.ops import opening
    from emdrill.ui import views

    store = open_here()
    if as_json:
        if ids or family is not None:
            emit_json(views.question_ids_json(opening.question_list(store, family=family)))
        else:
            emit_json(views.decks_json(opening.deck_summary(store)))
        return
    if ids or family is not None:
        views.show_question_ids(opening.question_list(store, family=family))
    else:
        views.show_decks(opening.deck_summary(store))
