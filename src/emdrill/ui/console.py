"""One place that builds rich consoles, so NO_COLOR and pipes behave the same everywhere."""

from __future__ import annotations

import codecs
import json
import os
import re
import sys
import unicodedata
from typing import IO, cast

from rich.console import Console

# What a character this program prints becomes on a stdout that cannot encode it (an ASCII
# locale, or cp1252 on a redirected Windows stdout). One character for one where it can sit
# in a bar or a table column, so widths still line up.
ASCII_FOR = {
    "·": ".", "░": ":", "▒": "+", "▓": "%", "█": "#", "▏": "-", "▎": "-", "▍": "-",
    "▌": "+", "▋": "+", "▊": "+", "▉": "+", "─": "-", "━": "-", "│": "|", "▲": "^",
    "▼": "v", "●": "*", "✓": "+", "✗": "x", "→": ">", "—": "-", "\u2013": "-",
    "…": "...", "\u2018": "'", "\u2019": "'", "“": '"', "”": '"', "\u00a0": " ",
}
ERRORS = "emdrill-ascii"


def _to_ascii(exc: UnicodeError) -> tuple[str, int]:
    """The codec error handler: our ASCII stand-ins, then accents dropped, then '?'."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    chunk = exc.object[exc.start:exc.end]
    parts = []
    for char in chunk:
        plain = ASCII_FOR.get(char)
        if plain is None:
            bare = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            plain = bare or "?"
        parts.append(plain)
    return "".join(parts), exc.end


codecs.register_error(ERRORS, _to_ascii)


def _encodes(stream: object, sample: str) -> bool:
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        sample.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def guard_streams() -> None:
    """Make stdout and stderr degrade to ASCII stand-ins instead of raising on a character
    their encoding lacks; called once at start-up. A UTF-8 stream is left as it is."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and not _encodes(stream, "".join(ASCII_FOR)):
            reconfigure(errors=ERRORS)


PIPED_WIDTH = 100  # piped output without COLUMNS: wide enough for a table, still readable


def _flag(name: str) -> bool:
    """NO_COLOR / FORCE_COLOR count only when set to something (an empty value is unset)."""
    return os.environ.get(name, "") != ""


def piped_width() -> int:
    """The width of output that is not going to a terminal: COLUMNS when it is a number."""
    value = os.environ.get("COLUMNS", "").strip()
    return int(value) if value.isdigit() and int(value) >= 20 else PIPED_WIDTH


class _Trimmed:
    """stdout without the spaces rich pads lines with (a table's last column, a panel's
    fill): piped text ends each line at its last character. Partial lines wait for the
    rest, so only true line ends are trimmed."""

    _END = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)\n")

    def __init__(self) -> None:
        self._pending = ""

    def write(self, text: str) -> int:
        whole, _, rest = (self._pending + text).rpartition("\n")
        self._pending = rest
        if _:
            sys.stdout.write(self._END.sub(r"\1\n", whole + "\n"))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            sys.stdout.write(self._pending)
            self._pending = ""
        sys.stdout.flush()

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return sys.stdout.fileno()

    @property
    def encoding(self) -> str:
        return getattr(sys.stdout, "encoding", None) or "utf-8"


def out(width: int | None = None) -> Console:
    """The console for stdout. Colour and layout are separate choices: colour is on for a
    terminal unless NO_COLOR is set, or anywhere FORCE_COLOR is set; the layout follows the
    window on a terminal, and COLUMNS (else 100 columns) when piped, without trailing spaces."""
    terminal = sys.stdout.isatty()
    colour = (terminal or _flag("FORCE_COLOR")) and not _flag("NO_COLOR")
    if terminal:
        return Console(width=width, no_color=not colour, color_system="auto" if colour else None,
                       highlight=False, soft_wrap=False)
    return Console(file=cast("IO[str]", _Trimmed()), width=width or piped_width(),
                   no_color=not colour, color_system="standard" if colour else None,
                   force_terminal=colour, highlight=False, soft_wrap=False)


def err() -> Console:
    return Console(stderr=True, highlight=False, no_color=_flag("NO_COLOR"))


def emit_json(value: object) -> None:
    """Machine-readable output: plain JSON on stdout, never styled or wrapped."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    if not _encodes(sys.stdout, text):  # \u escapes lose nothing, unlike a stand-in
        text = json.dumps(value, indent=2, ensure_ascii=True)
    sys.stdout.write(text + "\n")


def write_document(text: str) -> None:
    """A file's text on stdout (a story export): as UTF-8 bytes when stdout's encoding lacks
    some of its characters, so `> file` keeps them all."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None or _encodes(sys.stdout, text):
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()
