"""The `emdrill` command. Each command parses, makes one core call, and renders.

Heavy modules (sqlmodel, fsrs, the deck parser) are imported inside the commands that need
them, so `emdrill --help` and `emdrill where` start fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from emdrill.cli.base import App, Group, open_here
from emdrill.cli.complete import family_slugs, question_ids
from emdrill.cli.drill import register as _register_drill
from emdrill.cli.lazy import narrowed
from emdrill.cli.mock import register as _register_mock

COMPLETE_VAR = "_EMDRILL_COMPLETE"  # click's shell-completion variable for prog "emdrill"

app = App(
    cls=Group,
    help="Drill engineering-manager behavioral questions by spaced repetition.",
    no_args_is_help=False,
    invoke_without_command=True,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
deck_app = App(cls=Group, help="Check, load and list question decks.",
                       no_args_is_help=True, rich_markup_mode=None)
app.add_typer(deck_app, name="deck")
_register_drill(app)  # first in --help: the drill is the main job
_register_mock(app)



# ---------------------------------------------------------------- top level


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

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
        status(as_json=False, hint=True)


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command()
def where(as_json: JsonOption = False) -> None:
    """Print where emdrill keeps its data."""
    from emdrill import env

    home = env.home_dir()
    if as_json:
        from emdrill.ui.console import emit_json

        emit_json({"data_folder": str(home), "database": str(env.db_path())})
        return
    typer.echo(f"data folder: {home}")
    typer.echo(f"database:    {env.db_path()}")


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    hint: Annotated[bool, typer.Option(hidden=True)] = False,
) -> None:
    """Show what is due now, new questions left today, reviews today and your streak."""
    from emdrill import env
    from emdrill.ops import collection
    from emdrill.ui import views
    from emdrill.ui.console import emit_json

    clock = env.read_clock()
    store = open_here()
    result = collection.status(store, clock)
    if as_json:
        emit_json(views.status_json(result, local=clock.local))
        return
    outlook = None
    if hint:  # the home screen: the next step in words
        from emdrill.ops import advice

        outlook = advice.outlook(store, clock, due=result.due)
    views.show_status(result, clock=clock, hint=hint, minutes=collection.settings(store).minutes,
                      outlook=outlook)


@app.command("next")
def next_(
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1,
                                              help="Show at most N questions.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the questions a drill would show now, in the order it would show them."""
    from emdrill import env
    from emdrill.ops import collection
    from emdrill.ui import views
    from emdrill.ui.console import emit_json

    clock = env.read_clock()
    store = open_here()
    items = collection.next_queue(store, clock, limit=limit)
    if as_json:
        emit_json([views.queue_item_json(i) for i in items])
    else:
        views.show_queue(items, now=clock.now)


@app.command()
def grade(
    question_id: Annotated[str | None, typer.Argument(
        metavar="ID", help="The question's id.", autocompletion=question_ids)] = None,
    intent: Annotated[str | None, typer.Option(
        help="How well you recalled the intent: again, hard, good or easy.")] = None,
    story: Annotated[str | None, typer.Option(
        help="The story slot you named (1-8), system (a system answer), 0 (not sure), or "
             "right / wrong.")] = None,
    seconds: Annotated[float | None, typer.Option(min=0, help="Time spent, in seconds.")] = None,
    intent_pick: Annotated[str | None, typer.Option(
        "--intent-pick", metavar="OTHER_ID",
        help="Instead of --intent: the question whose intent you picked from four, as "
        "decoding records it (ID itself is a right pick).")] = None,
    batch: Annotated[bool, typer.Option(
        "--batch", help="Read JSON lines from stdin: {\"id\", \"intent\", \"story\", "
        "\"seconds\"}. All lines are checked before any is written.")] = False,
) -> None:
    """Record one answer from a script, exactly as a drill would (see emdrill next)."""
    from emdrill import env
    from emdrill.core.errors import InputError
    from emdrill.ops import batch as batch_mod
    from emdrill.ops import collection
    from emdrill.ui import views

    clock = env.read_clock()
    if batch:
        if question_id or intent or story or intent_pick:
            raise typer.BadParameter("--batch reads everything from stdin; give no ID or options")
        try:
            text = sys.stdin.read()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise InputError(f"stdin: cannot read ({reason}); nothing was recorded") from None
        requests = batch_mod.parse_lines(text)  # all of it, before any write
        done = batch_mod.grade_lines(open_here(), clock, requests)
        views.show_batch(done, now=clock.now)
        return
    if intent_pick is not None:
        _grade_pick(question_id, intent_pick, intent=intent, story=story, seconds=seconds)
        return
    if question_id is None or intent is None or story is None:
        raise typer.BadParameter("give ID, --intent and --story (or use --batch)")
    request = batch_mod.parse_request(question_id, intent, story, seconds)
    store = open_here()
    graded = collection.grade(store, clock, request.question_id, intent=request.intent,
                              story=request.story, seconds=request.seconds, mode="grade")
    views.show_graded(graded, now=clock.now)


def _grade_pick(question_id: str | None, picked: str, *, intent: str | None,
                story: str | None, seconds: float | None) -> None:
    from emdrill import env
    from emdrill.ops import decode
    from emdrill.ops.collection import StoryAnswer
    from emdrill.ui import views

    if intent is not None:
        raise typer.BadParameter("give --intent or --intent-pick, not both")
    if question_id is None or story is None:
        raise typer.BadParameter("give ID, --intent-pick and --story")
    clock = env.read_clock()
    answer = StoryAnswer.parse(story)
    graded, choice = decode.record_pick(open_here(), clock, question_id.strip(), picked.strip(),
                                        story=answer, seconds=seconds)
    views.show_graded(graded, now=clock.now, picked=choice.picked)


@app.command()
def show(
    question_id: Annotated[str, typer.Argument(
        metavar="ID", help="The question's id (see `emdrill deck list --ids`).",
        autocompletion=question_ids)],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one question: its front, its back with your story, how well you know it, reviews."""
    from emdrill import env
    from emdrill.ops.back import question_detail
    from emdrill.ui import views
    from emdrill.ui.back import render_back
    from emdrill.ui.console import emit_json, out

    clock = env.read_clock()
    detail = question_detail(open_here(), question_id, now=clock.now)
    if as_json:
        emit_json(views.question_json(detail, now=clock.now, local=clock.local))
        return
    back = render_back(detail.card.question, detail.back, width=out().width)
    views.show_question(detail, now=clock.now, back=back)


@app.command("help")
def help_(
    ctx: typer.Context,
    command: Annotated[list[str] | None, typer.Argument(
        metavar="[COMMAND]...", help="A command, e.g. drill or story add.")] = None,
) -> None:
    """Show a short guide (the daily loop, the keys), or one command: emdrill help story add"""
    from emdrill.core.errors import InputError

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


@app.command()
def undo() -> None:
    """Take back the last answer: the question's schedule goes back exactly as it was."""
    from emdrill import env
    from emdrill.ops import collection

    store = open_here(autoload=False)
    record = collection.undo(store)
    when = record.reviewed_at.astimezone(env.read_clock().local).strftime("%Y-%m-%d %H:%M")
    source = " (made in Anki)" if record.mode == "anki" else ""
    typer.echo(f"undid the review of {record.question_id} from {when}{source}")


@app.command()
def check(
    repair: Annotated[bool, typer.Option("--repair", help="First bring out-of-range stored "
                                         "values (times before 1970 or after 2200) back into "
                                         "range.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Check the collection file for damage (reading only) and say how to recover."""
    from emdrill import env
    from emdrill.ops import health

    path = env.db_path()
    exists = path.exists()
    repaired = (health.repair(path) if repair and exists else [])
    problems = health.check_database(path) if exists else []
    if as_json:  # the same exit status: 1 when damaged
        from emdrill.ui.console import emit_json

        good = health.latest_good_backup(path) if problems else None
        emit_json({"database": str(path), "exists": exists, "ok": not problems,
                   "problems": problems, "repaired": repaired,
                   "latest_good_backup": str(good) if good else None})
        if problems:
            raise typer.Exit(1)
        return
    if not exists:
        typer.echo(f"no database yet at {path}; nothing to check")
        return
    if repair:
        for line in repaired or ["nothing to repair"]:
            typer.echo(f"repaired: {line}" if repaired else line)
    if problems:
        for problem in problems[:20]:
            typer.echo(f"emdrill: {path}: {problem}", err=True)
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        typer.echo(f"emdrill: {path} is damaged ({count}); {health.RECOVER}", err=True)
        good = health.latest_good_backup(path)
        if good is not None:
            typer.echo(f"emdrill: the latest good backup is {good}: emdrill restore {good}",
                       err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {path} passes the full integrity check")


# "-1" is a value to reject by its range, not an unknown flag.
@app.command("config", context_settings={"ignore_unknown_options": True})
def config_cmd(
    key: Annotated[str | None, typer.Argument(help="Setting to show or change.")] = None,
    value: Annotated[str | None, typer.Argument(help="New value.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Show settings, or set one: emdrill config retention 0.92"""
    from emdrill.core import settings
    from emdrill.ops import collection

    if key is not None and value is not None:
        normal = settings.validate_setting(key, value)  # before the store is touched
        normal = collection.change_setting(open_here(autoload=False), key, normal)
        typer.echo(f"{key} = {normal}")
        return
    if key is not None and key not in settings.SETTINGS:
        settings.validate_setting(key, "")
    values = collection.setting_values(open_here(autoload=False))
    if as_json:
        from emdrill.ui.console import emit_json

        emit_json({k: {"value": v, "help": settings.SETTINGS[k].help} for k, v in values.items()
                   if key is None or key == k})
        return
    width = max(len(k) for k in settings.SETTINGS)
    for spec in settings.SETTINGS.values():
        if key is None or key == spec.key:
            typer.echo(f"{spec.key:<{width}} {values[spec.key]:<6} {spec.help}")


# ---------------------------------------------------------------- decks

# readable=False: an unreadable file is ours to report (file:1: cannot read, status 1).
PathsArg = Annotated[list[Path] | None, typer.Argument(
    metavar="[PATH]...", readable=False,
    help="Deck files or folders (default: the bundled decks and yours).")]


def _default_decks() -> list[Path]:
    """The bundled decks, then the user's own (written by `add` and `import`)."""
    from emdrill import env
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
def deck_load(paths: PathsArg = None) -> None:
    """Validate, then add new questions, update changed ones and suspend removed ones."""
    from emdrill import env
    from emdrill.ops import decks

    clock = env.read_clock()
    store = open_here(autoload=False)
    result = decks.load_paths(store, paths or _default_decks(), now=clock.now)
    merged = f", merged {result.merged}" if result.merged else ""
    typer.echo(f"added {result.added}, updated {result.updated}, "
               f"unchanged {result.unchanged}, suspended {result.suspended}, "
               f"restored {result.restored}{merged}")


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
    from emdrill.ops import collection
    from emdrill.ui import views

    store = open_here()
    if as_json:
        from emdrill.ui.console import emit_json

        if ids or family is not None:
            emit_json(views.question_ids_json(collection.question_list(store, family=family)))
        else:
            emit_json(views.decks_json(collection.deck_summary(store)))
        return
    if ids or family is not None:
        views.show_question_ids(collection.question_list(store, family=family))
    else:
        views.show_decks(collection.deck_summary(store))


from emdrill.cli.story import story_app, system_app  # noqa: E402

app.add_typer(story_app, name="story")
app.add_typer(system_app, name="system")


from emdrill.cli.stats import register as _register_stats  # noqa: E402

_register_stats(app)

from emdrill.cli.transfer import register as _register_transfer  # noqa: E402

_register_transfer(app)

from emdrill.cli.questions import register as _register_questions  # noqa: E402

_register_questions(app)

from emdrill.cli.interview import register as _register_interview  # noqa: E402

_register_interview(app)

from emdrill.cli.set_aside import register as _register_set_aside  # noqa: E402

_register_set_aside(app)
from emdrill.cli.coach import register as _register_coach  # noqa: E402

_register_coach(app)
from emdrill.cli.exam import register as _register_exam  # noqa: E402

_register_exam(app)


# ---------------------------------------------------------------- start-up


def main() -> None:
    from emdrill.ui.console import guard_streams

    guard_streams()
    completing = COMPLETE_VAR in os.environ  # the shell asks; it may need any command's words
    try:
        (app if completing else narrowed(app, sys.argv[1:]))(prog_name="emdrill")
    except Exception as exc:  # outside any command (parsing, start-up): still one line
        from emdrill.cli.base import unexpected

        try:
            unexpected(exc)
        except typer.Exit as done:
            sys.exit(done.exit_code)
