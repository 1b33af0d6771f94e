"""`emdrill story ...` and `emdrill system ...`: the user's own stories and systems.

Named in the command table of `emdrill.cli.main`, so this module is imported only when one
of its commands runs (`emdrill --help` lists the table's summaries).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from emdrill import env
from emdrill.cli import editor
from emdrill.cli.base import App, Group, open_here
from emdrill.core.cards import SYSTEMS
from emdrill.core.errors import InputError
from emdrill.core.numbers import MAX_ROW_ID
from emdrill.core.stories import (
    SYSTEM_NAMES,
    StoryError,
    check_category,
    parse_markdown,
    render_markdown,
)
from emdrill.ops import coach as coach_ops
from emdrill.ops import stories as ops_stories
from emdrill.ui import coach_view, story_views
from emdrill.ui.console import emit_json, out, write_document

if TYPE_CHECKING:
    from emdrill.ops.opening import Store

story_app = App(cls=Group, name="story",
                help="Write, list and check the stories you answer with.", no_args_is_help=True)
system_app = App(cls=Group, name="system", help="Write the system you lead an answer with, per "
                 "area (delivery, stakeholders, team, self).", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
IdArg = Annotated[int, typer.Argument(metavar="ID", min=1, max=MAX_ROW_ID,
                                      help="The story's id (see `story list`).")]
NoEdit = Annotated[bool, typer.Option("--no-edit", help="Ask for each field in the terminal "
                                      "instead of opening $VISUAL / $EDITOR.")]


# ---------------------------------------------------------------- stories


@story_app.command("add")
def story_add(
    slot: Annotated[int | None, typer.Option("--slot", "-s", min=1, max=8,
                                             help="The story's main slot (1-8).")] = None,
    no_edit: NoEdit = False,
) -> None:
    """Write a new story in your editor, or answer prompts with --no-edit."""
    from emdrill.ops import story_edits

    now = env.read_clock().now
    store = open_here()
    slots = ops_stories.slots(store)
    story = editor.write_story(slots, slot=slot, start=None, no_edit=no_edit, now=now)
    if story is None:
        raise StoryError("story add cancelled: the file was left empty or unchanged; "
                         "nothing saved")
    saved = story_edits.add_story(store, story, now=now)
    story_views.show_saved(saved, slots, verb="added")
    story_views.show_tag_warnings(ops_stories.unknown_tags(store, [saved]))
    _show_check(store, saved.id)


@story_app.command("list")
def story_list(as_json: JsonOption = False) -> None:
    """List your stories: id, slots (main first), title and parts still empty."""
    stories = ops_stories.list_stories(open_here(autoload=False))
    if as_json:
        emit_json([story_views.story_json(s) for s in stories])
        return
    story_views.show_list(stories)


@story_app.command("show")
def story_show(story_id: IdArg, as_json: JsonOption = False) -> None:
    """Show one story in full, and how many questions it backs."""
    detail = ops_stories.story_detail(open_here(), story_id)
    if as_json:
        emit_json(story_views.story_json(detail.story, detail.slots, backs=detail.backs))
        return
    story_views.show_story(detail.story, detail.slots, backs=detail.backs)


@story_app.command("edit")
def story_edit(story_id: IdArg, no_edit: NoEdit = False) -> None:
    """Change a story in your editor (or through prompts with --no-edit)."""
    from emdrill.ops import story_edits

    now = env.read_clock().now
    store = open_here()
    old = ops_stories.get_story(store, story_id)
    slots = ops_stories.slots(store)
    story = editor.write_story(slots, slot=None, start=old, no_edit=no_edit, now=now)
    if story is None:
        raise StoryError(f"story edit cancelled: the file was left empty; story {story_id} "
                         f"is unchanged (to delete it: emdrill story rm {story_id})")
    if story.id is not None and story.id != story_id:
        raise StoryError(f"the file says '- id: {story.id}' but this edits story {story_id}; "
                         "nothing saved")
    if story.same_content(old):
        typer.echo(f"no changes to story {story_id}")
        return
    saved = story_edits.update_story(store, story_id, story, now=now)
    story_views.show_saved(saved, slots, verb="updated")
    story_views.show_tag_warnings(ops_stories.unknown_tags(store, [saved]))
    _show_check(store, saved.id)


def _show_check(store: Store, story_id: int | None) -> None:
    """After a save: the coach's findings on the story just written."""
    if story_id is not None:
        out().print(coach_view.stories_view(coach_ops.check_stories(store, story_id)))


@story_app.command("check")
def story_check(
    story_id: Annotated[int | None, typer.Argument(
        metavar="[ID]", min=1, max=MAX_ROW_ID,
        help="One story's id (default: every story).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Read your stories against the method, part by part: I not we, a number, a learning."""
    checked = coach_ops.check_stories(open_here(autoload=False), story_id)
    if as_json:
        emit_json([{"id": s.id, "title": s.title, **coach_view.report_json(r)}
                   for s, r in checked])
    else:
        out().print(coach_view.stories_view(checked))


@story_app.command("rm")
def story_rm(
    story_id: IdArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a story (asks first; --yes skips the question)."""
    from emdrill.ops import story_edits

    store = open_here(autoload=False)
    story = ops_stories.get_story(store, story_id)
    if not yes:
        answer = editor.confirm(f"Delete story {story_id} '{story.title}'?")
        if answer is None:
            raise InputError(f"story {story_id} was not deleted: no answer to the question "
                             "(pass --yes to skip it)")
        if not answer:
            typer.echo(f"kept story {story_id}")
            return
    story_edits.delete_story(store, story_id)
    typer.echo(f"deleted story {story_id}: {story.title}")


@story_app.command("export")
def story_export(
    file: Annotated[Path | None, typer.Argument(
        metavar="[FILE]", help="Markdown file to write (default: standard output).")] = None,
) -> None:
    """Write all stories as one Markdown file that `story import` reads back exactly."""
    from emdrill.ops import transfer  # its file writer; the JSON export beside it loads the ORM

    store = open_here(autoload=False)
    stories = ops_stories.list_stories(store)
    text = render_markdown(stories)
    if file is None or str(file) == "-":
        write_document(text)
        return
    transfer.write_whole(file, lambda partial: partial.write_text(text, encoding="utf-8"),
                         collection=store.path)
    typer.echo(f"wrote {len(stories)} stor{'y' if len(stories) == 1 else 'ies'} to {file}")


@story_app.command("import")
def story_import(
    file: Annotated[Path, typer.Argument(metavar="FILE", readable=False,
                                         help="Markdown file, as written by "
                                         "`story export` ('-' reads standard input).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; "
                                          "write nothing.")] = False,
) -> None:
    """Add or update stories from a Markdown file; sections with an id update that story."""
    from emdrill.ops import story_edits

    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InputError(f"{file}: cannot read ({reason or exc})") from None
    incoming = parse_markdown(text, source=str(file))
    if not incoming:
        raise InputError(f"{file}: no stories found (each starts with a '## Title' line)")
    store = open_here(autoload=False)
    plan = story_edits.import_stories(store, incoming, now=env.read_clock().now,
                                      dry_run=dry_run)
    story_views.show_import(plan, source=str(file), dry_run=dry_run)
    story_views.show_tag_warnings(ops_stories.unknown_tags(store, [*plan.added, *plan.updated]))


@story_app.command("coverage")
def story_coverage(as_json: JsonOption = False) -> None:
    """Show stories per slot, how many questions rely on each, and what to write next."""
    store = open_here()
    cov = ops_stories.story_coverage(store, env.read_clock())
    flagged = {s.id: len(r.open) for s, r in coach_ops.check_stories(store) if s.id}
    if as_json:
        emit_json(story_views.coverage_json(cov, open_findings=flagged))
        return
    story_views.show_coverage(cov, open_findings=flagged)


# ---------------------------------------------------------------- systems

CategoryArg = Annotated[str, typer.Argument(metavar="CATEGORY",
                                            help="delivery, stakeholders, team or self.")]


@system_app.command("edit")
def system_edit(category: CategoryArg, no_edit: NoEdit = False) -> None:
    """Write or change your system for one category in your editor."""
    from emdrill.ops import story_edits

    check_category(category)
    now = env.read_clock().now
    store = open_here(autoload=False)
    current = ops_stories.systems(store).get(category, "")
    text = editor.write_system(category, current, no_edit=no_edit, now=now)
    if not text:
        raise StoryError(f"system edit cancelled: the text was empty; your {category} system "
                         "is unchanged")
    if text == current:
        typer.echo(f"no changes to your {category} system")
        return
    story_edits.save_system(store, category, text, now=now)
    typer.echo(f"saved your {category} system ({SYSTEM_NAMES[category]})")


@system_app.command("show")
def system_show(
    category: Annotated[str | None, typer.Argument(
        metavar="[CATEGORY]",
        help="delivery, stakeholders, team or self (default: all four).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Show your systems, or the one for CATEGORY."""
    chosen = [check_category(category)] if category is not None else list(SYSTEMS)
    systems = ops_stories.systems(open_here(autoload=False))
    if as_json:
        emit_json(story_views.systems_json(systems, chosen))
        return
    story_views.show_systems(systems, chosen)
