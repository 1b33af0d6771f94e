"""`status`, `next`, `grade`, `show` and `undo`: the collection's schedule, read and
answered from a script or a shell."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from emdrill import env
from emdrill.cli.base import App, open_here
from emdrill.cli.complete import question_ids
from emdrill.core.errors import InputError
from emdrill.ops import grading, opening
from emdrill.ops.grading import StoryAnswer
from emdrill.ui.console import emit_json, out

status_app = App()
next_app = App()
grade_app = App()
show_app = App()
undo_app = App()


@status_app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    hint: Annotated[bool, typer.Option(hidden=True)] = False,
) -> None:
    """Show what is due now, new questions left today, reviews today and your streak."""
    from emdrill.ops import home_status
    from emdrill.ui import views

    clock = env.read_clock()
    store = open_here()
    result = home_status.status(store, clock)
    if as_json:
        emit_json(views.status_json(result, local=clock.local))
        return
    outlook = None
    if hint:  # the home screen: the next step in words
        from emdrill.ops import advice

        outlook = advice.outlook(store, clock, due=result.due)
    views.show_status(result, clock=clock, hint=hint, minutes=opening.settings(store).minutes,
                      outlook=outlook)

@next_app.command("next")
def next_(
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1,
                                              help="Show at most N questions.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the questions a drill would show now, in the order it would show them."""
    from emdrill.ops import queueing
    from emdrill.ui import views

    clock = env.read_clock()
    store = open_here()
    items = queueing.next_queue(store, clock, limit=limit)
    if as_json:
        emit_json([views.queue_item_json(i) for i in items])
    else:
        views.show_queue(items, now=clock.now)

@grade_app.command()
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
    from emdrill.ops import batch as batch_mod
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
    graded = grading.grade(store, clock, request.question_id, intent=request.intent,
                           story=request.story, seconds=request.seconds, mode="grade")
    views.show_graded(graded, now=clock.now)


def _grade_pick(question_id: str | None, picked: str, *, intent: str | None,
                story: str | None, seconds: float | None) -> None:
    from emdrill.ops import decode
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

@show_app.command()
def show(
    question_id: Annotated[str, typer.Argument(
        metavar="ID", help="The question's id (see `emdrill deck list --ids`).",
        autocompletion=question_ids)],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one question: its front, its back with your story, how well you know it, reviews."""
    from emdrill.ops.back import question_detail
    from emdrill.ui import views
    from emdrill.ui.back import render_back

    clock = env.read_clock()
    detail = question_detail(open_here(), question_id, now=clock.now)
    if as_json:
        emit_json(views.question_json(detail, now=clock.now, local=clock.local))
        return
    back = render_back(detail.card.question, detail.back, width=out().width)
    views.show_question(detail, now=clock.now, back=back)

@undo_app.command()
def undo() -> None:
    """Take back the last answer: the question's schedule goes back exactly as it was."""
    store = open_here(autoload=False)
    record = grading.undo(store)
    when = record.reviewed_at.astimezone(env.read_clock().local).strftime("%Y-%m-%d %H:%M")
    source = " (made in Anki)" if record.mode == "anki" else ""
    typer.echo(f"undid the review of {record.question_id} from {when}{source}")
