"""`emdrill drill` and `emdrill commute`: the interactive sessions."""

from __future__ import annotations

import random
import signal
from datetime import timedelta
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from emdrill import env
from emdrill.cli.base import App, open_here
from emdrill.cli.complete import family_slugs
from emdrill.core.cards import Card
from emdrill.core.order import SessionScope
from emdrill.core.timing import Clock
from emdrill.ops import decode, opening
from emdrill.ops.back import load_back
from emdrill.ops.drill import Pick, Session
from emdrill.ui import drill as drill_ui
from emdrill.ui import drill_view as view
from emdrill.ui.back import Renderable, render_back
from emdrill.ui.console import out
from emdrill.ui.decode import Decoder
from emdrill.ui.keys import KeyReader

if TYPE_CHECKING:
    from emdrill.ops.opening import Store


def _hang_up(_signum: int, _frame: FrameType | None) -> None:
    # The terminal is gone: unwind (closing the database cleanly); grades already committed.
    raise SystemExit(129)


def _start(*, mode: str, minutes: float | None, cards: int | None, compact: bool,
           decode: bool | None, family: str | None, deck: str | None) -> None:
    if hasattr(signal, "SIGHUP"):  # not on Windows
        signal.signal(signal.SIGHUP, _hang_up)
    # Ctrl-C ends the session even when the shell started us with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    tick = env.read_ticker()
    start, t0 = env.read_clock(), tick()

    def clock() -> Clock:
        return Clock(now=start.now + _seconds(tick() - t0), local=start.local)

    store = open_here()
    scope = opening.check_scope(store, SessionScope(family=family, deck=deck))
    length = minutes if minutes is not None else (
        opening.settings(store).minutes if mode == "drill" else None)
    session = Session(store, clock, mode=mode, minutes=length, max_cards=cards, scope=scope)
    console = out(width=None)

    data = load_back(store)  # the story bank does not change during a session

    def back(pick: Pick, short: bool, level: int, width: int) -> Renderable:
        return render_back(pick.card.question, data, compact=short, width=width, level=level)

    screen = drill_ui.Screen(console=console, reader=KeyReader(), session=session, back=back,
                          slots=data.slots, compact=compact)
    decoding = opening.settings(store).decode if decode is None else decode
    drill_ui.run(session, screen, flow=_decoder(store) if decoding else None)
    console.print(view.summary(session.summary(), now=clock().now,
                               family_names=opening.family_names(store),
                               width=console.size.width))


def _decoder(store: Store) -> Decoder:
    rng = random.Random(env.read_seed())

    def offer(card: Card) -> decode.Offer:
        return decode.offer(store, card, rng=rng)

    return Decoder(offer=offer)


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


FamilyOption = Annotated[str | None, typer.Option(
    "--family", "-f", help="Only this family's questions (its slug, e.g. conflict).",
    autocompletion=family_slugs)]
DeckOption = Annotated[str | None, typer.Option(
    "--deck", "-d", help="Only this deck's questions (its id, see `emdrill deck list`).")]
CardsOption = Annotated[int | None, typer.Option("--cards", "-n", min=1,
                                                 help="Stop after N answers.")]


DecodeOption = Annotated[bool | None, typer.Option(
    "--decode/--no-decode",
    help="Pick the intent from four candidates instead of grading your own recall "
    "(default: the 'decode' setting, off).")]


drill_app = App()
commute_app = App()


@drill_app.command()
def drill(
    minutes: Annotated[float | None, typer.Option(
        "--minutes", "-m", min=0.01, max=240,
        help="Length of the session (default: the 'minutes' setting, 5).")] = None,
    cards: CardsOption = None,
    family: FamilyOption = None,
    deck: DeckOption = None,
    decode: DecodeOption = None,
) -> None:
    """Run a timed drill: name the story, see the back, grade how well you knew the intent."""
    _start(mode="drill", minutes=minutes, cards=cards, compact=False, decode=decode,
           family=family, deck=deck)


@commute_app.command()
def commute(
    cards: CardsOption = None,
    family: FamilyOption = None,
    deck: DeckOption = None,
    decode: DecodeOption = None,
) -> None:
    """One-handed review for small screens: reveal, then y / p / n; ends when none is due."""
    _start(mode="commute", minutes=None, cards=cards, compact=True, decode=decode,
           family=family, deck=deck)
