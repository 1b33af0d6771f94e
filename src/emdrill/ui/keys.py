"""Reading answers: one key press at a time on a terminal, one line per answer otherwise.

The only module that imports `blessed`, which reads keys the same way on Linux, macOS and
Windows terminals (cbreak mode, timeouts, escape sequences decoded into named keys).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from blessed import Terminal
    from blessed.keyboard import Keystroke

# Keys that type nothing, by blessed's name: the token the drill matches and the words a
# message uses. Any other named key is called by its name ("F5", "Page down").
NAMED = {
    "KEY_ENTER": ("enter", "Enter"),
    "KEY_ESCAPE": ("esc", "Esc"),
    "KEY_BACKSPACE": ("backspace", "Backspace"),
    "KEY_DELETE": ("delete", "Delete"),
    "KEY_TAB": ("tab", "Tab"),
    "KEY_UP": ("up", "the up arrow"),
    "KEY_DOWN": ("down", "the down arrow"),
    "KEY_LEFT": ("left", "the left arrow"),
    "KEY_RIGHT": ("right", "the right arrow"),
}


class InputClosed(Exception):
    """Stdin ended, Ctrl-D was pressed, or the terminal went away."""


@dataclass(frozen=True)
class Key:
    """One answer: `value` is what the drill matches (a lower-case character such as '3'
    or 'q', a token such as 'enter' or 'esc', or a whole line when piped); `label` says the
    key in plain words for messages."""

    value: str
    label: str

    @classmethod
    def typed(cls, text: str) -> Key:
        value = text.strip().lower()
        if value == "":
            return cls("enter", "an empty line")
        if value == " ":
            return cls(" ", "Space")
        return cls(value, f"'{value}'" if value.isprintable() else "that key")


def _from_keystroke(ks: Keystroke) -> Key:
    text = str(ks)
    if text == "\x04":
        raise InputClosed
    if text == " ":
        return Key(" ", "Space")
    if ks.is_sequence or not text.isprintable():
        name = ks.name or ""
        if name in NAMED:
            value, label = NAMED[name]
            return Key(value, label)
        words = name.removeprefix("KEY_").replace("_", " ").lower()
        return Key(words or "unknown", words.capitalize() if words else "that key")
    return Key(text.lower(), f"'{text}'")


class KeyReader:
    """`read()` returns one answer: a key on a terminal, a stripped line when piped."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdin
        self.is_tty = self.stream.isatty()
        self._term: Terminal | None = None
        self._modes = ExitStack()

    @contextmanager
    def active(self) -> Iterator[KeyReader]:
        """Keys arrive without Enter and without echo (Ctrl-C still interrupts)."""
        if not self.is_tty:
            yield self
            return
        from blessed import Terminal

        # force_styling=None: blessed only reads keys here (rich draws), so it sends the
        # terminal no capability queries and starts at once.
        self._term = Terminal(force_styling=None)
        self._modes = ExitStack()
        self._modes.enter_context(self._term.cbreak())
        try:
            yield self
        finally:
            # the terminal may be gone (SIGHUP): then there is nothing to restore
            try:
                self._modes.close()
            except Exception as exc:
                if not isinstance(exc, (OSError, *_terminal_errors())):
                    raise
            self._term = None

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The terminal's own line mode for a while (echo, line editing, Ctrl-D): for
        typing text, or for an editor to run in."""
        if self._term is None:
            yield
            return
        self._modes.close()
        try:
            yield
        finally:
            self._modes = ExitStack()
            self._modes.enter_context(self._term.cbreak())

    def lines(self) -> list[str]:
        """Lines typed or pasted, up to an empty line or Ctrl-D; [] when input has ended."""
        got: list[str] = []
        with self.paused():
            while True:
                try:
                    line = self.stream.readline()
                except (OSError, EOFError):
                    break
                if not line.strip():
                    break
                got.append(line.rstrip("\r\n"))
        return got

    def read(self, timeout: float | None = None) -> Key | None:
        """One answer; on a terminal, None if `timeout` seconds pass without a key."""
        if self._term is not None:
            try:
                ks = self._term.inkey(timeout=timeout)
            except EOFError:
                raise InputClosed from None
            if not str(ks) and not ks.is_sequence:
                return None
            return _from_keystroke(ks)
        line = self.stream.readline()
        if not line:
            raise InputClosed
        return Key.typed(line)


def _terminal_errors() -> tuple[type[Exception], ...]:
    try:
        import termios
    except ImportError:  # Windows: blessed restores the console mode itself
        return ()
    return (termios.error,)
