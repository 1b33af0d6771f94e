"""The interactive drill and commute loops: show, read keys, commit, repeat.

A card is played by a flow (`drill_card`, `commute_card`): it sets what the screen shows and
asks for a key with `Screen.ask`, which takes the keys the card's step binds in its mode's
key map (ui/keymap.py), acts on the screen's own (u, s, q, ?, m, !), and keeps the clock,
resizes and the status line. Another way to play a card is one more flow
passed to `run`: intent decoding (`--decode`) is `ui.decode.Decoder`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from rich.console import Console
from rich.text import Text

from emdrill.core.cards import Slot
from emdrill.core.errors import EmdrillError
from emdrill.core.scheduler import Rating
from emdrill.ops.drill import Answer, Pick, Session
from emdrill.ops.grading import StoryAnswer
from emdrill.ui import decode_view, keymap
from emdrill.ui import drill_view as view
from emdrill.ui.back import FULL
from emdrill.ui.drill_view import BackFn, CardView, Message
from emdrill.ui.keys import InputClosed, Key, KeyReader
from emdrill.ui.screen import Painter, terminal_size

TICK = 0.25  # seconds between looks at the clock and the window size while waiting


class _Quit(Exception):
    pass


class _Undo(Exception):
    pass


class _Skip(Exception):
    pass


class _Suspend(Exception):
    """`!` confirmed: suspend the question on screen and move on."""


@dataclass
class Screen:
    console: Console
    reader: KeyReader
    session: Session
    back: BackFn
    slots: dict[int, Slot]
    compact: bool = False
    card: CardView | None = None
    _painter: Painter | None = None
    _printed: tuple[str, str] | None = None  # piped: (card id, phase) already printed
    _before_help: str = "front"
    _pending: Message | None = None  # for the next card: "skipped", "undone: ..."
    _clock: str = field(default="")
    _opened: tuple[int, int | None] = (0, None)  # answers done and left when the card opened

    @property
    def framed(self) -> bool:
        return self._painter is not None

    # ------------------------------------------------------------ showing

    def open_card(self, pick: Pick) -> CardView:
        done, remaining = len(self.session.answers), self.session.cards_left()
        self._opened = (done, remaining)
        self.card = CardView(pick=pick, mode="commute" if self.compact else "drill",
                             left=self.session.time_left(), done=done,
                             slots=self.slots, message=self._pending, remaining=remaining)
        self._pending = None
        return self.card

    def say(self, text: str, style: str = "dim", *, later: bool = False) -> None:
        """Put a message on the status line (replacing the one there), or print it piped.
        `later`: for the next card's screen."""
        message = Message(text, style)
        if later or self.card is None:
            self._pending = message
            if not self.framed:
                self.console.print(Text(text, style=style))
            return
        self.card.message = message
        if self.framed:
            self.draw()
        else:
            self.console.print(Text(text, style=style))

    def draw(self) -> None:
        """Show the current card: the whole frame on a terminal, what is new when piped."""
        card = self.card
        assert card is not None
        card.left = self.session.time_left()
        card.done = len(self.session.answers)
        done, remaining = self._opened
        if remaining is not None:  # answered on this screen (a leech notice): one fewer
            card.remaining = max(0, remaining - (card.done - done))
        self._clock = view.clock_text(card.left)
        if self._painter is None:
            self._print_piped(card)
            return
        width, height = terminal_size(self.console)
        laid = self._painter.draw(view.frame(card, self.back, width=width, height=height))
        cut = card.phase == "more" and not laid.fits and card.message is None
        if cut:
            card.message = Message("the rest does not fit: make the window taller", "yellow")
        if cut or (card.phase == "back" and (laid.choice > 0) != card.folded):
            card.folded = card.folded if card.phase == "more" else laid.choice > 0
            self._painter.draw(view.frame(card, self.back, width=width, height=height))

    def _print_piped(self, card: CardView) -> None:
        width = self.console.width
        if self._printed != (card.pick.card.id, card.phase):
            decoded = card.choice is not None
            self._printed = (card.pick.card.id, card.phase)
            if card.phase == "pick":
                assert card.offer is not None
                self.console.print(view.printed_front(card, width))
                self.console.print(decode_view.options(card.offer, width))
            elif card.phase == "front":
                self.console.print(view.printed_verdict(card, width) if decoded
                                   else view.printed_front(card, width))
                if card.slots and not card.compact:
                    self.console.print(view.slot_legend(card.slots, width))
            elif card.phase == "back":
                if decoded and card.compact:
                    self.console.print(view.printed_verdict(card, width))
                if not card.compact:
                    self.console.print(view.story_verdict(card.pick.card, card.named, card.slots))
                self.console.print(self.back(card.pick, card.compact, FULL, width))
        self.console.print(view.printed_prompt(card, width))

    # ------------------------------------------------------------ asking

    def ask(self) -> str:
        """Wait for a key the card's step in the key map (ui/keymap.py) hands to the flow,
        and return it; the screen's own keys (u, s, q, ?, m, !) act here."""
        card = self.card
        assert card is not None
        self.draw()
        while True:
            key = self._next_key()
            bound = view.key_step(card).binding(key.value)
            if card.phase == "help":  # any key closes the keys; one bound by name acts
                card.phase, card.message = self._before_help, None
                step = view.key_step(card)
                bound = step.binding(key.value) if key.value in step.bound() else None
                if bound is None or bound.action == "help":
                    self.draw()
                    continue
            action = bound.action if bound is not None else None
            if action in ("quit", "undo", "skip"):
                raise {"quit": _Quit, "undo": _Undo, "skip": _Skip}[action]
            if action == "help":
                self._help(card)
                continue
            if action == "suspend":
                self._confirm_suspend(card)
                continue
            if action == "more":
                card.phase = "more" if card.phase == "back" else "back"
                card.message = None
                self.draw()
                continue
            if action is not None:
                card.message = None
                return key.value
            hint = "press ? for keys" if self.reader.is_tty else "type ? for keys"
            self.say(f"{key.label[0].upper()}{key.label[1:]} does nothing here; {hint}.",
                     "yellow")
            if not self.framed:
                self.console.print(view.printed_prompt(card, self.console.width))

    def _confirm_suspend(self, card: CardView) -> None:
        """Ask y/n before suspending the question on screen; y raises `_Suspend`."""
        card.confirm = True
        qid = card.pick.card.id
        self.say(f"Suspend {qid}? `emdrill unsuspend {qid}` brings it back.", "yellow")
        if not self.framed:
            self.console.print(view.printed_prompt(card, self.console.width))
        key = self._next_key()
        card.confirm = False
        answer = keymap.CONFIRM.binding(key.value)
        if answer is not None and answer.action == "yes":
            raise _Suspend
        self.say("Not suspended.", "dim")
        if not self.framed:
            self.console.print(view.printed_prompt(card, self.console.width))

    def _help(self, card: CardView) -> None:
        if self.framed:
            self._before_help, card.phase = card.phase, "help"
            self.draw()
        else:
            self.console.print(view.keys_help(card.compact))
            self.console.print(view.printed_prompt(card, self.console.width))

    def _next_key(self) -> Key:
        """The next key; meanwhile the clock ticks and a resized window is redrawn."""
        if not self.framed:
            key = self.reader.read()
            assert key is not None
            return key
        assert self._painter is not None
        while True:
            key = self.reader.read(timeout=TICK)
            if key is not None:
                return key
            if (self._painter.size_changed()
                    or view.clock_text(self.session.time_left()) != self._clock):
                self.draw()

    # ------------------------------------------------------------ the session

    def start(self) -> None:
        if self.reader.is_tty:
            self._painter = Painter(self.console)
            self._painter.start()

    def stop(self) -> None:
        if self._painter is not None:
            self._painter.stop()
            self._painter = None


CardFlow = Callable[[Pick, Screen], None]


def run(session: Session, screen: Screen, flow: CardFlow | None = None) -> None:
    """Loop until time is up, the queue is empty, or the user quits. Grades commit at once."""
    play = flow or (commute_card if screen.compact else drill_card)
    pending: Pick | None = None
    with screen.reader.active():
        screen.start()
        try:
            _loop(session, screen, play, pending)
        finally:
            screen.stop()


def _loop(session: Session, screen: Screen, play: CardFlow, pending: Pick | None) -> None:
    while not session.finished():
        pick = pending or session.next_pick()
        pending = None
        if pick is None:
            screen.stop()
            if session.answers and session.mode == "commute":
                what = "Done: nothing more is due."
            elif session.answers:
                what = "Nothing more to show in this session."
            else:
                what = "Nothing to review here: no questions in this selection."
            screen.console.print(Text(what))
            return
        try:
            play(pick, screen)
        except _Skip:
            session.skip(pick)
            screen.say("skipped", later=True)
        except _Undo:
            pending = _undo(screen)
        except _Suspend:
            session.suspend(pick)
            screen.say(f"suspended {pick.card.id}: `emdrill unsuspend {pick.card.id}` brings "
                       "it back", later=True)
        except (_Quit, KeyboardInterrupt, InputClosed):
            return


def _undo(screen: Screen) -> Pick | None:
    what = screen.session.last_action()
    try:
        undone = screen.session.undo()
    except EmdrillError as exc:
        screen.say(str(exc), "red", later=True)
        return None
    if undone is None:
        screen.say("nothing to undo in this session", "yellow", later=True)
    elif what == "suspend":
        answers = screen.session.answers
        if answers and answers[-1].graded.card.id == undone.card.id:  # answered, then `!`
            screen.say(f"unsuspended: {undone.card.id} (already answered)", "yellow",
                       later=True)
            return None
        screen.say(f"unsuspended: {undone.card.id} comes back", "yellow", later=True)
    else:
        screen.say(f"undone: {undone.card.id} comes back", "yellow", later=True)
    return undone


def leech_notice(screen: Screen, answer: Answer) -> None:
    """Once, on the answer that made the question a leech: say so with the fixes, on the
    card's back, and wait for a key (`!` suspends it, `m` shows the whole back)."""
    if not answer.graded.leech:
        return
    card = screen.card
    assert card is not None
    card.phase, card.leech = ("more" if card.phase == "more" else "back"), True
    screen.say(view.leech_text(card.pick.card, screen.slots), "yellow")
    screen.ask()


def _since(session: Session, started: datetime) -> float:
    """Seconds on the session's clock since `started`: the figure a review records."""
    return (session.clock().now - started).total_seconds()


def drill_card(pick: Pick, screen: Screen) -> None:
    """Name the story slot, see the back with the verdict, grade the intent recall."""
    session = screen.session
    started = session.clock().now  # the session's one clock (a test clock in tests)
    card = screen.open_card(pick)
    key = screen.ask()
    named = int(key) if key != "0" else None
    card.named, card.phase = named, "back"
    card.intervals = session.intervals(pick.card)
    grade = Rating(int(screen.ask()))
    answer = session.answer(pick, intent=grade, story=StoryAnswer(slot=named),
                            seconds=_since(session, started))
    leech_notice(screen, answer)


COMMUTE_GRADES = {
    "y": (Rating.GOOD, StoryAnswer(verdict=True)),
    "p": (Rating.HARD, StoryAnswer.partial()),
    "n": (Rating.AGAIN, StoryAnswer(verdict=False)),
}


def commute_card(pick: Pick, screen: Screen) -> None:
    """Reveal with Space, then y / p / n for intent and story together."""
    started = screen.session.clock().now
    card = screen.open_card(pick)
    screen.ask()
    card.phase = "back"
    intent, story = COMMUTE_GRADES[screen.ask()]
    answer = screen.session.answer(pick, intent=intent, story=story,
                                   seconds=_since(screen.session, started))
    leech_notice(screen, answer)
