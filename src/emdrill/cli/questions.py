"""The `suggest`, `add` and `drafts` commands: your own questions (`import` is in transfer.py).

Each parses, makes one call into `emdrill.ops.questions` and renders. Each command imports
its ops and ui modules in its body: `suggest` reads without the store's heavy modules that
`add` and `drafts` need.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import click
import typer

from emdrill import env
from emdrill.cli.base import App, open_here
from emdrill.cli.complete import family_slugs
from emdrill.cli.plan_scope import IntoPlanOption
from emdrill.core.errors import DeckError, EmdrillError, InputError
from emdrill.ui.console import emit_json

if TYPE_CHECKING:
    from emdrill.core.cards import Question
    from emdrill.ops.drafts import Pending
    from emdrill.ops.opening import Store
    from emdrill.ops.questions import Added, Proposal

suggest_app = App()
add_app = App()
drafts_app = App()

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
DeckOption = Annotated[str | None, typer.Option(
    "--deck", metavar="NAME", help="The deck of your own to write to (a file in the data "
    "folder's decks/).")]
_EDIT_NOTE = ("# Edit the card, then save and close; empty the file to cancel. Take a field out\n"
              "# of 'draft' once you have reviewed it (a drafted field you change counts as\n"
              "# reviewed). The format: decks/README.md.\n")
_PROBLEM = "# problem: "


@suggest_app.command()
def suggest(
    text: Annotated[str | None, typer.Argument(
        metavar="[TEXT]", help="The question. Without it, one question per line on stdin.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Suggest the family, story slot and intent for any question, with the cards behind it."""
    from emdrill.ops import suggestions
    from emdrill.ui import question_views

    if text is None and sys.stdin.isatty():
        raise typer.BadParameter("give a question, or pipe questions in, one per line")
    asked = [text] if text is not None else [
        line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
    # Reading needs no ORM: a current collection opens light; else the full way (create,
    # migrate, load the bundled deck, or refuse with the reason).
    reader = suggestions.open_reader(env.db_path())
    result = suggestions.suggest(reader or open_here(), asked)
    if as_json:
        items = [question_views.suggestion_json(s) for s in result.items]
        emit_json(items[0] if text is not None else items)
    else:
        question_views.show_suggestions(result)


@add_app.command()
def add(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The question, as asked.")],
    family: Annotated[str | None, typer.Option(
        help="Its family (a slug, e.g. conflict).", autocompletion=family_slugs)] = None,
    story: Annotated[str | None, typer.Option(
        metavar="SLOT", help="Its story slot, 1-8, or system (also 9): a system answer.")
                     ] = None,
    intent: Annotated[str | None, typer.Option(help="What the interviewer really wants to "
                                               "know.")] = None,
    deck: DeckOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Take the suggestion without "
                                      "asking.")] = False,
    edit: Annotated[bool, typer.Option("--edit", help="Open the new card in $EDITOR before "
                                       "saving.")] = False,
    into_plan: IntoPlanOption = None,
) -> None:
    """Add a question of your own; what you leave out is suggested and marked as a draft."""
    from emdrill.cli.plan_scope import settle
    from emdrill.core.userdeck import DEFAULT_DECK, Given
    from emdrill.ops import questions
    from emdrill.ui import question_views

    clock = env.read_clock()
    now = clock.now
    store = open_here()
    name = deck or DEFAULT_DECK
    proposal = questions.propose(store, text, deck=name,
                                 given=Given(family=family, story=_slot(story), intent=intent))
    if not yes and (family is None or story is None):
        proposal = _ask(store, proposal, text=text, deck=name, intent=intent)
    if not yes and proposal.card.candidates:
        proposal = _decode(proposal)
    card = _edit(proposal, now=now) if edit else None
    added = _save(store, proposal, card, now=now)
    question_views.show_added(added)
    settle(store, clock, added.held, into=into_plan, how="emdrill interview --into-plan")


def _slot(text: str | None) -> int | None:
    """--story: a slot 1-8, or system / 9 for the system answer (as `grade --story` says)."""
    from emdrill.core.cards import SYSTEM_ANSWER, SYSTEM_WORD, is_slot
    from emdrill.core.numbers import whole_number

    if text is None:
        return None
    value = text.strip().lower()
    if value in (SYSTEM_WORD, str(SYSTEM_ANSWER)):
        return SYSTEM_ANSWER
    number = whole_number(value)
    if number is None or not is_slot(number):
        raise typer.BadParameter(f"'{text[:40]}' is not a slot 1-8 or system", param_hint="--story")
    return number


def _ask(store: Store, proposal: Proposal, *, text: str, deck: str, intent: str | None
         ) -> Proposal:
    """Show the suggestion; keeping it confirms its family and story, else ask for them."""
    from emdrill.core.userdeck import confirmed
    from emdrill.ui import question_views

    question_views.show_proposal(proposal)
    if typer.confirm("Keep this family and story?", default=True):
        kept = [f for f in ("family", "story", "also") if f in proposal.card.draft]
        return replace(proposal, card=confirmed(proposal.card, kept))
    return _choose(store, proposal, text=text, deck=deck, intent=intent)


def _decode(proposal: Proposal) -> Proposal:
    """No intent was drafted: pick one of the nearest cards' intents, write your own, or
    leave it to decode later (`emdrill drafts`)."""
    from emdrill.core.userdeck import decoded

    offered = [c[1] for c in proposal.suggestion.candidates]
    typer.echo("No card is close enough to draft the intent. What does the interviewer want "
               "to know?")
    for n, text in enumerate(offered, 1):
        typer.echo(f"  {n}. {text}")
    answer = str(typer.prompt(f"Pick 1-{len(offered)}, write your own, or Enter to decode "
                              "it later", default="", show_default=False)).strip()
    if not answer:
        return proposal
    chosen = offered[int(answer) - 1] if answer in [str(n) for n in range(1, len(offered) + 1)
                                                     ] else answer
    return replace(proposal, card=decoded(proposal.card, chosen))


def _save(store: Store, proposal: Proposal, card: Question | None, *, now: datetime) -> Added:
    """Write the card; an edited card that the deck refuses is kept in recovery/."""
    from emdrill.ops import questions

    try:
        return questions.add(store, proposal, now=now, card=card)
    except DeckError as exc:
        if card is None:
            raise
        from emdrill.cli.editor import keep
        from emdrill.core.userdeck import render_question

        path = keep(render_question(card), name="add", now=now, suffix=".toml")
        raise DeckError(f"{exc}\nnothing added; your card is kept in {path}") from None


def _choose(store: Store, proposal: Proposal, *, text: str, deck: str, intent: str | None
            ) -> Proposal:
    """Ask for the family and the story slot, then draft the card again around them."""
    from emdrill.core.userdeck import Given
    from emdrill.ops import opening, questions

    names = opening.family_names(store)
    for slug, name in names.items():
        typer.echo(f"  {slug:<18} {name}")
    family = ""
    while family not in names:
        family = typer.prompt("Family", default=proposal.card.family).strip()
    story = ""
    while story not in [str(n) for n in range(1, 9)]:
        story = str(typer.prompt("Story slot (1-8)", default=str(proposal.card.story))).strip()
    return questions.propose(store, text, deck=deck,
                             given=Given(family=family, story=int(story), intent=intent))


def _edit(proposal: Proposal, *, now: datetime) -> Question:
    """The card as edited in $EDITOR; reopened while it does not read (on a terminal)."""
    from emdrill.cli.editor import editor_command, interactive, keep, run_editor
    from emdrill.ops import questions

    editor = editor_command()
    if editor is None:
        raise InputError("--edit needs an editor: set $VISUAL or $EDITOR")
    text = _EDIT_NOTE + proposal.block
    while True:
        edited, ok = run_editor(text, editor=editor, name="card", suffix=".toml")
        if not ok:
            raise InputError("the editor exited with an error; nothing added")
        body = "\n".join(line for line in edited.splitlines() if not line.startswith(_PROBLEM))
        if not any(line.strip() and not line.lstrip().startswith("#")
                   for line in body.splitlines()):
            raise InputError("the card was emptied; nothing added")
        try:
            return questions.edited_card(proposal, body)
        except DeckError as exc:
            problems = str(exc).splitlines()
            if interactive() and typer.confirm("\n".join(problems) + "\nOpen the editor "
                                               "again to fix it?", default=True):
                text = body.rstrip("\n") + "\n" + "".join(f"{_PROBLEM}{p}\n" for p in problems)
                continue
            path = keep(body, name="add", now=now, suffix=".toml")
            raise DeckError("\n".join(problems) + f"\nnothing added; your card is kept in "
                            f"{path}") from None


_ACTIONS = "a accept · 1-3 pick an intent · e edit · s skip · q quit"


@drafts_app.command()
def drafts(
    deck: Annotated[str | None, typer.Option(
        "--deck", metavar="NAME", help="Only this deck of your own (a file in the data "
        "folder's decks/).")] = None,
) -> None:
    """Go through what emdrill filled in on your own questions, one card at a time."""
    from emdrill.ops import drafts as ops_drafts
    from emdrill.ui import question_views

    now = env.read_clock().now
    store = open_here()
    items = ops_drafts.pending(store, deck=deck)
    if not items:
        typer.echo("no drafts to review")
        return
    done = {"reviewed": 0, "skipped": 0}
    for n, item in enumerate(items, 1):
        question_views.show_draft(item, n=n, total=len(items))
        while True:
            try:
                answer = str(typer.prompt(_ACTIONS, default="s", show_default=False))
            except (typer.Abort, click.exceptions.Abort):  # end of input (piped) or Ctrl-D
                answer = "q"
            answer = answer.strip().casefold()
            if answer in ("q", "quit"):
                question_views.show_drafts_done(done, left=len(items) - n + 1)
                return
            if answer in ("s", "skip", ""):
                done["skipped"] += 1
                break
            try:
                card = _review(item, answer)
                if card is None:
                    continue
                ops_drafts.save(store, item, card, now=now)
            except EmdrillError as exc:
                typer.echo(str(exc), err=True)
                continue
            done["reviewed"] += 1
            typer.echo(f"saved {card.id}" + (f" (still drafts: {', '.join(card.draft)})"
                                              if card.draft else ""))
            break
    question_views.show_drafts_done(done, left=0)


def _review(item: Pending, answer: str) -> Question | None:
    """The card the answer makes of `item`; None for an answer that is not an action."""
    from emdrill.cli.editor import editor_command, run_editor
    from emdrill.core.userdeck import render_question
    from emdrill.ops import drafts as ops_drafts

    if answer in ("a", "accept"):
        return ops_drafts.accept(item)
    if answer.isdigit():
        return ops_drafts.pick(item, int(answer))
    if answer in ("e", "edit"):
        editor = editor_command()
        if editor is None:
            raise InputError("edit needs an editor: set $VISUAL or $EDITOR")
        text, ok = run_editor(_EDIT_NOTE + render_question(item.card), editor=editor,
                              name="card", suffix=".toml")
        if not ok:
            raise InputError("the editor exited with an error; the card is unchanged")
        return ops_drafts.edited(item, text)
    typer.echo(f"'{answer}' is not one of: {_ACTIONS}", err=True)
    return None
