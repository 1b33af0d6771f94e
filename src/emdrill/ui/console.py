"""One place that builds rich consoles, so NO_COLOR and pipes behave the same everywhere."""

from __future__ import annotations

import codecs
import json
import os
import sys
import unicodedata

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


def out(width: int | None = None) -> Console:
    """Styled on a terminal; plain text (no colour, no markup codes) when piped or NO_COLOR."""
    plain = not sys.stdout.isatty() or "NO_COLOR" in os.environ
    return Console(width=width or (100 if plain else None), no_color=plain,
                   color_system=None if plain else "auto", highlight=False,
                   force_terminal=None if not plain else False, soft_wrap=False)


def err() -> Console:
    return Console(stderr=True, highlight=False, no_color="NO_COLOR" in os.environ)


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
