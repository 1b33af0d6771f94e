"""Whole screens on a terminal: a frame of lines that fits the window, drawn in place.

A `Frame` has a top (always shown, from the first line), body choices (richest first: the
first whose lines fit between top and bottom is shown) and a bottom (always on the last
lines: the status line and the keys). Redrawing writes every line again from the top-left
corner, so a clock tick or a resize never leaves stale text behind.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass

from rich.color import ColorSystem
from rich.console import Console, Group, RenderableType
from rich.segment import Segment

_SYSTEMS = {"standard": ColorSystem.STANDARD, "256": ColorSystem.EIGHT_BIT,
            "truecolor": ColorSystem.TRUECOLOR, "windows": ColorSystem.WINDOWS}
HOME, CLEAR, HIDE_CURSOR, SHOW_CURSOR = "\x1b[H", "\x1b[2J", "\x1b[?25l", "\x1b[?25h"


@dataclass
class Frame:
    top: Sequence[RenderableType] = ()
    body: Sequence[Sequence[RenderableType]] = ()  # richest first
    bottom: Sequence[RenderableType] = ()


@dataclass(frozen=True)
class Laid:
    """A frame laid out for one window: its lines, and which body choice fitted."""

    lines: list[list[Segment]]
    choice: int  # index into Frame.body; the last one (cut) when none fitted
    fits: bool


def terminal_size(console: Console) -> tuple[int, int]:
    """Columns and lines of the window now; read each time, because windows get resized."""
    try:
        size = os.get_terminal_size(console.file.fileno())
    except (AttributeError, ValueError, OSError):
        size = shutil.get_terminal_size()
    return max(size.columns, 20), max(size.lines, 6)


def render(console: Console, items: Sequence[RenderableType], width: int) -> list[list[Segment]]:
    if not items:
        return []
    options = console.options.update(width=width, height=None)
    return console.render_lines(Group(*items), options, pad=True)


def lay_out(console: Console, frame: Frame, width: int, height: int) -> Laid:
    top = render(console, frame.top, width)
    bottom = render(console, frame.bottom, width)
    room = max(0, height - len(bottom))
    top = top[:room]
    room -= len(top)
    choices = frame.body or [()]
    for index, choice in enumerate(choices):
        body = render(console, choice, width)
        if len(body) <= room:
            return Laid(_fill(top + body, room + len(top), width) + bottom, index, True)
    return Laid(top + body[:room] + bottom, len(choices) - 1, False)


def _fill(lines: list[list[Segment]], height: int, width: int) -> list[list[Segment]]:
    blank = [Segment(" " * width)]
    return lines + [blank] * (height - len(lines))


def ansi(console: Console, line: list[Segment]) -> str:
    system = _SYSTEMS.get(console.color_system or "")
    if system is None:
        return "".join(segment.text for segment in line)
    return "".join(segment.style.render(segment.text, color_system=system)
                   if segment.style else segment.text for segment in line)


class Painter:
    """Draws frames on the terminal behind `console`, in place, with the cursor hidden."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._drawn_size: tuple[int, int] | None = None

    def start(self) -> None:
        self._write(HIDE_CURSOR)

    def stop(self) -> None:
        """Clear the screen for what follows (the summary), the cursor visible again."""
        self._write(CLEAR + HOME + SHOW_CURSOR)
        self._drawn_size = None

    def size_changed(self) -> bool:
        return self._drawn_size is not None and terminal_size(self.console) != self._drawn_size

    def draw(self, frame: Frame) -> Laid:
        width, height = terminal_size(self.console)
        laid = lay_out(self.console, frame, width, height)
        clear = CLEAR if (width, height) != self._drawn_size else ""
        self._drawn_size = (width, height)
        # Every line is padded to the full width, so nothing stale survives; no newline after
        # the last line, so a full screen never scrolls.
        text = "\r\n".join(ansi(self.console, line) for line in laid.lines)
        self._write(clear + HOME + text)
        return laid

    def _write(self, text: str) -> None:
        self.console.file.write(text)
        self.console.file.flush()
