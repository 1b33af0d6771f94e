"""Reading answers: single key presses on a terminal, one line per answer otherwise."""

from __future__ import annotations

import os
import select
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TextIO


class InputClosed(Exception):
    """Stdin ended or the terminal went away."""


class KeyReader:
    """`read()` returns one answer: a single key on a TTY, a stripped line when piped."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdin
        self.is_tty = self.stream.isatty()

    @contextmanager
    def active(self) -> Iterator[KeyReader]:
        """Put the terminal in cbreak mode (no Enter, no echo; Ctrl-C still interrupts)."""
        if not self.is_tty:
            yield self
            return
        import termios
        import tty

        fd = self.stream.fileno()
        saved = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd)
            yield self
        finally:
            # the terminal may be gone (SIGHUP): then there is nothing to restore
            with suppress(termios.error):
                termios.tcsetattr(fd, termios.TCSADRAIN, saved)

    def read(self, timeout: float | None = None) -> str | None:
        """One answer; on a terminal, None if `timeout` seconds pass without a key."""
        if self.is_tty:
            if timeout is not None:
                ready, _, _ = select.select([self.stream.fileno()], [], [], timeout)
                if not ready:
                    return None
            data = os.read(self.stream.fileno(), 32)
            if not data:
                raise InputClosed
            text = data.decode("utf-8", errors="replace")
            if text.startswith("\x1b"):
                return "\x1b"  # arrow keys and other escape sequences: one unknown key
            if text == "\x04":
                raise InputClosed
            return text[0]
        line = self.stream.readline()
        if not line:
            raise InputClosed
        return line.strip().lower()
