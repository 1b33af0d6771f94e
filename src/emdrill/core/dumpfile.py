"""The `emdrill export json` file: one JSON object, a header and one array per table.

Pure text in, text out; docs/export-json.md describes every field. Each row sits on its own
line, so the file diffs well and a person can read it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emdrill.core.errors import EmdrillError

FORMAT = "emdrill-export"
VERSION = 1  # the file layout; the tables' columns follow the database schema it names
# The arrays, in the order rows must be written back (rows point at earlier sections).
SECTIONS = ("decks", "families", "slots", "questions", "progress", "reviews", "anki_reviews",
            "intent_picks", "rehearsals", "stories", "systems", "settings", "interview",
            "fsrs_parameters", "sequences")

Row = dict[str, Any]


class DumpError(EmdrillError):
    """A JSON export that cannot be read back."""


@dataclass(frozen=True)
class Dump:
    schema: int  # the database schema version the rows follow
    exported_at: str
    sections: Mapping[str, list[Row]]

    def counts(self) -> dict[str, int]:
        return {name: len(self.sections.get(name, [])) for name in SECTIONS}


def render(dump: Dump) -> str:
    """The file's text: a header, then each section with one row per line."""
    return "".join(render_parts(dump.schema, dump.exported_at,
                                lambda name: dump.sections.get(name, [])))


def render_parts(schema: int, exported_at: str,
                 rows_of: Callable[[str], Iterable[Row]]) -> Iterator[str]:
    """`render`'s text in pieces, a row at a time, each section's rows read only when it is
    its turn (`rows_of`): the export streams, never holding more than one row."""
    yield (f'{{\n "format": "{FORMAT}",\n "version": {VERSION},\n "schema": {schema},\n'
           f' "exported_at": {json.dumps(exported_at)},\n')
    for i, name in enumerate(SECTIONS):
        end = "," if i < len(SECTIONS) - 1 else ""
        first = True
        for row in rows_of(name):
            yield (f' "{name}": [\n  ' if first else ",\n  ") + json.dumps(row, ensure_ascii=False)
            first = False
        yield f' "{name}": []{end}\n' if first else f"\n ]{end}\n"
    yield "}\n"


def parse(text: str, path: Path) -> Dump:
    """Read a file written by `render`; raise DumpError naming the file and the fault."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DumpError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise DumpError(f"{path}: not an emdrill JSON export (nested too deeply)") from None
    except ValueError as exc:  # a number too long to read (over 4300 digits)
        raise DumpError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DumpError(f"{path}: not an emdrill JSON export (no \"format\": \"{FORMAT}\")")
    if data.get("version") != VERSION:
        raise DumpError(f"{path}: export layout {data.get('version')!r} is not one this "
                        f"emdrill reads ({VERSION}); upgrade emdrill")
    schema = data.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise DumpError(f"{path}: \"schema\" must be a whole number")
    unknown = sorted(set(data) - set(SECTIONS) - {"format", "version", "schema", "exported_at"})
    if unknown:
        raise DumpError(f"{path}: unknown key \"{unknown[0]}\"")
    sections: dict[str, list[Row]] = {}
    for name in SECTIONS:
        rows = data.get(name, [])
        if not isinstance(rows, list):
            raise DumpError(f"{path}: \"{name}\" must be a list")
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                raise DumpError(f"{path}: {name}[{i}] must be an object")
        sections[name] = rows
    return Dump(schema=schema, exported_at=str(data.get("exported_at", "")), sections=sections)
