"""One place that builds rich consoles, so NO_COLOR and pipes behave the same everywhere."""

from __future__ import annotations

import json
import os
import sys

from rich.console import Console


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
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
