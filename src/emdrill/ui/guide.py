"""`emdrill help`: a short usage guide that fits any width (words wrap whole)."""

from __future__ import annotations

from rich.console import Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from emdrill.ui.console import out
from emdrill.ui.keymap import help_rows

DAILY = [
    ("emdrill", "where you stand today and the next step"),
    ("emdrill drill", "the five-minute drill: name the story, reveal, grade"),
    ("emdrill commute", "one-handed review on a phone: Space, then y / p / n"),
    ("emdrill shaky", "the families and questions you keep missing"),
    ("emdrill story add", "write one of your eight core stories"),
    ("emdrill mock", "a mock interview, aloud, against a timer"),
]
MORE = [
    ("emdrill --help", "every command, one line each"),
    ("emdrill help CMD", "one command in full, e.g. emdrill help story add"),
    ("README.md, docs/", "the guide: decoding, stories, Anki, scripting"),
]


def _pairs(rows: list[tuple[str, str]], *, width: int) -> Table:
    """Two columns (text wrapping within its own), or on a narrow screen with long names,
    the name above its text, indented."""
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 0))
    if width < 60 and max(len(name) for name, _ in rows) > 6:
        table.add_column()
        for name, what in rows:
            table.add_row(Text(name, style="bold"))
            table.add_row(Padding(Text(what), (0, 0, 0, 2)))
        return table
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for name, what in rows:
        table.add_row(name, what)
    return table


def guide(width: int) -> Group:
    return Group(
        Text("emdrill: spaced-repetition drills for behavioral interviews", style="bold"),
        Text(""),
        Text("The daily loop", style="bold underline"),
        _pairs(DAILY, width=width),
        Text(""),
        Text("Keys in a drill", style="bold underline"),
        _pairs(help_rows("drill"), width=width),
        Text(""),
        Text("Read more", style="bold underline"),
        _pairs(MORE, width=width),
    )


def show_guide() -> None:
    con = out()
    con.print(guide(con.width))
