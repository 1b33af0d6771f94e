"""The interactive drill and commute loops: show, read keys, commit, repeat."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console, RenderableType
from rich.text import Text

from emdrill.core.errors import EmdrillError
from emdrill.core.scheduler import Rating
from emdrill.core.types import Slot
from emdrill.ops.collection import StoryAnswer
from emdrill.ops.drill import Pick, Session
from emdrill.ui import drill_view as view
from emdrill.ui.keys import InputClosed, KeyReader

BackFn = Callable[[Pick, bool], RenderableType]
# Plays a whole card in place of the drill's own flow: intent decoding (ui.decode.Decoder).
CardFn = Callable[[Pick, "Screen", float], None]


class _Quit(Exception):
    pass


class _Undo(Exception):
    pass


class _Skip(Exception):
    pass


@dataclass
class Screen:
    console: Console
    reader: KeyReader
    session: Session
    back: BackFn
    slots: dict[int, Slot]
    compact: bool = False
    decode: CardFn | None = None

    def show(self, *items: RenderableType) -> None:
        for item in items:
            self.console.print(item)

    def ask(self, prompt: Callable[[], Text], allowed: str, *, any_key: bool = False) -> str:
        """Show `prompt` as the last line, then wait for one of `allowed`; u, s, q and ? work
        everywhere. In a timed drill on a terminal the prompt's clock ticks every second."""
        self.console.print(prompt())
        ticking = self.reader.is_tty and self.session.minutes is not None
        while True:
            key = self.reader.read(timeout=1.0 if ticking else None)
            if key is None:
                self._redraw_last_line(prompt())
                continue
            if key == "q":
                raise _Quit
            if key == "u":
                raise _Undo
            if key == "s":
                raise _Skip
            if key == "?":
                self.show(view.keys_help(self.compact), prompt())
                continue
            if key and key in allowed:
                return key
            if any_key:
                return key
            hint = "press ? for keys" if self.reader.is_tty else "type ? for keys"
            view.say(self.console, f"'{_printable(key)}' does nothing here; {hint}.", "yellow")
            self.console.print(prompt())

    def _redraw_last_line(self, line: Text) -> None:
        # Only a prompt that fits on one line can be rewritten in place.
        if line.cell_len < self.console.width:
            self.console.file.write("\x1b[1A\r\x1b[2K")
            self.console.print(line)


def _printable(key: str) -> str:
    return key if key.isprintable() and key else repr(key)


def run(session: Session, screen: Screen) -> None:
    """Loop until time is up, the queue is empty, or the user quits. Grades commit at once."""
    pending: Pick | None = None
    with screen.reader.active():
        while not session.finished():
            pick = pending or session.next_pick()
            pending = None
            if pick is None:
                view.say(screen.console, "Nothing to review: the collection has no questions.")
                return
            try:
                _play(pick, screen)
            except _Skip:
                session.skip(pick)
                view.say(screen.console, "skipped")
            except _Undo:
                undone = _undo(screen)
                if undone is not None:
                    pending = undone
            except (_Quit, KeyboardInterrupt, InputClosed):
                return


def _undo(screen: Screen) -> Pick | None:
    try:
        undone = screen.session.undo()
    except EmdrillError as exc:
        view.say(screen.console, str(exc), "red")
        return None
    if undone is None:
        view.say(screen.console, "nothing to undo in this session", "yellow")
    else:
        view.say(screen.console, f"undone: {undone.card.id} comes back", "yellow")
    return undone


def _play(pick: Pick, screen: Screen) -> None:
    session, con = screen.session, screen.console
    started = time.monotonic()
    if screen.reader.is_tty:
        con.clear()
    mode = "commute" if screen.compact else "drill"
    con.print(view.front(pick, left=session.time_left(), done=len(session.answers),
                         mode=mode, width=con.width))
    if screen.decode is not None:
        screen.decode(pick, screen, started)
        return
    if not screen.compact and screen.slots:
        con.print(view.slot_legend(screen.slots, con.width))
    if screen.compact:
        _commute_card(pick, screen, started)
    else:
        _drill_card(pick, screen, started)


def _drill_card(pick: Pick, screen: Screen, started: float) -> None:
    session = screen.session
    key = screen.ask(lambda: view.story_prompt(False, session.time_left()), "0123456789")
    named = int(key) if key != "0" else None
    screen.show(view.story_verdict(pick.card, named, screen.slots), screen.back(pick, False))
    intervals = session.intervals(pick.card)
    grade = Rating(int(screen.ask(lambda: view.grade_prompt(intervals, session.time_left()),
                                  "1234")))
    screen.session.answer(pick, intent=grade, story=StoryAnswer(slot=named),
                          seconds=time.monotonic() - started)


COMMUTE_GRADES = {
    "y": (Rating.GOOD, StoryAnswer(verdict=True)),
    "p": (Rating.HARD, StoryAnswer.partial()),
    "n": (Rating.AGAIN, StoryAnswer(verdict=False)),
}


def _commute_card(pick: Pick, screen: Screen, started: float) -> None:
    screen.ask(lambda: view.story_prompt(True), "", any_key=True)
    screen.show(screen.back(pick, True))
    intent, story = COMMUTE_GRADES[screen.ask(view.commute_prompt, "ypn")]
    screen.session.answer(pick, intent=intent, story=story, seconds=time.monotonic() - started)
