"""`emdrill export ...`, `emdrill import`, `emdrill backup` and `emdrill restore`.

Each is named in the command table of `emdrill.cli.main`. Each command imports its ops and
ui modules in its body: `backup` and `restore` need none of what the Anki and JSON transfers
load (genanki, the ORM).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from emdrill import env
from emdrill.cli.base import App, Group, open_here
from emdrill.cli.plan_scope import IntoPlanOption
from emdrill.cli.questions import DeckOption
from emdrill.core.errors import InputError

export_app = App(cls=Group, name="export",
                 help="Write your questions for Anki, or everything as JSON.", no_args_is_help=True)
import_app = App()
backup_app = App()
restore_app = App()

FileArg = Annotated[Path, typer.Argument(metavar="FILE", dir_okay=False)]


@export_app.command("anki")
def export_anki(
    file: FileArg,
    decks: Annotated[list[str] | None, typer.Option(
        "--decks", metavar="DECK", help="Only this deck (by id); repeat for more.")] = None,
    families: Annotated[list[str] | None, typer.Option(
        "--families", metavar="FAMILY", help="Only this family; repeat for more.")] = None,
) -> None:
    """Write the questions in your drills as an Anki package (.apkg), to review on a phone."""
    from emdrill.ops import anki_export

    result = anki_export.export_anki(open_here(), file, now=env.read_clock().now,
                                     decks=decks or (), families=families or ())
    typer.echo(f"wrote {result.notes} questions in {result.decks} Anki decks to {file}")
    typer.echo("import it in Anki (File > Import), review, then export from Anki with "
               "scheduling and run: emdrill import FILE.apkg")


@export_app.command("json")
def export_json(file: FileArg) -> None:
    """Write everything in your collection to one JSON file (emdrill import reads it back)."""
    from emdrill.ops import transfer
    from emdrill.ui import transfer_views

    counts = transfer.export_json(open_here(), file, now=env.read_clock().now)
    transfer_views.show_json_export(file, counts)


@import_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(metavar="FILE", dir_okay=False, help=(
        "A list of questions (CSV, TSV, text, Markdown, an Anki text export), an "
        ".apkg/.colpkg from Anki, or a JSON export."))],
    kind: Annotated[str | None, typer.Option(
        "--format", metavar="KIND", help="Read FILE as this: anki, json or questions "
        "(default: tell by its contents).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be recorded; "
                                          "write nothing.")] = False,
    replace: Annotated[bool, typer.Option("--replace", help="JSON: replace a collection that "
                                          "already holds reviews or stories.")] = False,
    deck: DeckOption = None,
    into_plan: IntoPlanOption = None,
) -> None:
    """Import questions (a list or an Anki text export), Anki reviews (.apkg), or a JSON export."""
    from emdrill.ops import transfer
    from emdrill.ui import transfer_views

    if kind is not None and kind not in transfer.KINDS:
        raise typer.BadParameter(f"'{kind}' is not one of {', '.join(transfer.KINDS)}",
                                 param_hint="--format")
    kind = kind or transfer.detect_kind(file)
    clock = env.read_clock()
    if kind == "anki":
        from emdrill.ops import anki_import

        result = anki_import.import_anki(open_here(), clock, file, dry_run=dry_run)
        transfer_views.show_anki_import(file, result, local=clock.local)
    elif kind == "json":
        done = transfer.import_json(env.db_path(), file, now=clock.now, replace=replace,
                                    dry_run=dry_run)
        transfer_views.show_json_import(file, done)
    else:
        from emdrill.cli.plan_scope import settle
        from emdrill.ops import questions
        from emdrill.ui import question_views

        store = open_here()
        imported = questions.import_question_list(store, file, now=clock.now, deck=deck,
                                                dry_run=dry_run)
        question_views.show_import(imported)
        if not dry_run:  # --into-plan also lets in the list's questions kept out before
            settle(store, clock, [r.id for r in imported.rows if r.id] if into_plan
                   else imported.held, into=into_plan,
                   how=f"emdrill import {file} --into-plan")


@backup_app.command("backup")
def backup(
    file: Annotated[Path | None, typer.Argument(
        metavar="[FILE]", dir_okay=False,
        help="Where to write the copy (default: the data folder's backups/).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE.")] = False,
) -> None:
    """Copy the collection safely, even while a drill is running."""
    from emdrill.ops import backups

    made = backups.backup_to(env.db_path(), file, now=env.read_clock().now, force=force)
    typer.echo(f"backed up to {made}")


@restore_app.command("restore")
def restore(
    file: Annotated[Path, typer.Argument(metavar="FILE", dir_okay=False,
                                         help="A backup (see the data folder's backups/).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first (needed when "
                                      "not on a terminal).")] = False,
) -> None:
    """Replace the collection with a backup (asks first); the current one is backed up."""
    from emdrill.cli import editor
    from emdrill.ops import backups

    db_path = env.db_path()
    checked = backups.check_restore(db_path, file)
    if not yes:
        if not editor.interactive():
            raise InputError(f"{file}: not restored: restore replaces the collection and asks "
                             "first; pass --yes to restore without a terminal")
        if not editor.confirm(f"Replace the collection with {file} ({checked})?"):
            typer.echo("not restored: nothing changed")
            return
    done = backups.restore(db_path, file, now=env.read_clock().now)
    if done.safety is not None:
        typer.echo(f"backed up the collection as it was to {done.safety}")
    typer.echo(f"restored {file}")
