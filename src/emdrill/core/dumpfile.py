"""The `emdrill export json` file: one JSON object, a header and one array per table.

Pure text in, text out; docs/export-json.md describes every field. Each row sits on its own
line, so the file diffs well and a person can read it.

Reading streams: `read_header` and `rows` pull the text through a `read(n)` function a
chunk at a time and hand over one row at a time, so an import holds one row (and one chunk
of text), never the whole file, whatever its size. Any JSON layout is read, not only the
one `render` writes: keys in any order, any spacing.
"""

from __future__ import annotations

import io
import json
import re
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


Read = Callable[[int], str]  # at most n more characters of the text; "" at its end
HEADER = ("format", "version", "schema", "exported_at")


@dataclass(frozen=True)
class Header:
    schema: int
    exported_at: str


def parse(text: str, path: Path) -> Dump:
    """Read a whole file written by `render` (held in memory; imports use `rows`)."""
    header = read_header(io.StringIO(text).read, path)
    sections: dict[str, list[Row]] = {name: [] for name in SECTIONS}
    for name, _, row in rows(io.StringIO(text).read, path):
        sections[name].append(row)
    return Dump(schema=header.schema, exported_at=header.exported_at, sections=sections)


def read_header(read: Read, path: Path) -> Header:
    """The file's header, checked; reading stops once it is whole (at the top of a file
    `render` wrote), else goes on past the sections to find it."""
    text = _Text(read, path)
    found: dict[str, Any] = {}
    for key in text.members():
        if key in HEADER:
            found[key] = text.value()
            if len(found) == len(HEADER):
                break
        else:
            text.skip()
    if not isinstance(found.get("format"), str) or found["format"] != FORMAT:
        raise DumpError(f"{path}: not an emdrill JSON export (no \"format\": \"{FORMAT}\")")
    if found.get("version") != VERSION:
        raise DumpError(f"{path}: export layout {found.get('version')!r} is not one this "
                        f"emdrill reads ({VERSION}); upgrade emdrill")
    schema = found.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise DumpError(f"{path}: \"schema\" must be a whole number")
    return Header(schema=schema, exported_at=str(found.get("exported_at", "")))


def rows(read: Read, path: Path) -> Iterator[tuple[str, int, Row]]:
    """Every row of the file as (section, index in it, row), in the file's order, checking
    the whole file's shape on the way (the header's values are `read_header`'s to check)."""
    text = _Text(read, path)
    for key in text.members():
        if key in HEADER:
            text.skip()
        elif key in SECTIONS:
            if text.peek() != "[":
                raise DumpError(f"{path}: \"{key}\" must be a list")
            for i, row in enumerate(text.items()):
                if not isinstance(row, dict):
                    raise DumpError(f"{path}: {key}[{i}] must be an object")
                yield key, i, row
        else:
            raise DumpError(f"{path}: unknown key \"{key}\"")


_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
CHUNK = 1 << 20  # characters read at a time


class _Text:
    """A JSON text read a chunk at a time: the top object's keys, then each value or each
    item of an array value, decoded one at a time. Errors name the file and line."""

    def __init__(self, read: Read, path: Path) -> None:
        self._read, self.path = read, path
        self.buf, self.pos = "", 0
        self.lines = 0  # line breaks in the text dropped from the front of `buf`
        self.eof = False

    def _more(self) -> bool:
        """Read on (dropping what has been used); False at the end of the text."""
        if self.eof:
            return False
        # a value longer than a chunk: read as much again as is held, so it is decoded
        # in a few passes, not one per chunk
        chunk = self._read(max(CHUNK, len(self.buf) - self.pos))
        if not chunk:
            self.eof = True  # `buf` stays as it was: an error's position still holds
            return False
        if self.pos:
            self.lines += self.buf.count("\n", 0, self.pos)
            self.buf, self.pos = self.buf[self.pos:], 0
        self.buf += chunk
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end), not taken."""
        while True:
            match = _SPACE.match(self.buf, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def fail(self, msg: str, at: int | None = None) -> DumpError:
        line = self.lines + self.buf.count("\n", 0, self.pos if at is None else at) + 1
        return DumpError(f"{self.path}:{line}: not valid JSON ({msg})")

    def _closed(self, closer: str) -> bool:
        """After an item: True (taken) at `closer`, False (taken) at a comma, else fail."""
        char = self.peek()
        if char not in (closer, ","):
            raise self.fail("Expecting ',' delimiter")
        self.pos += 1
        return char == closer

    def _take(self, char: str, msg: str) -> None:
        if self.peek() != char:
            raise self.fail(msg)
        self.pos += 1

    def value(self) -> Any:
        """The next JSON value, decoded."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self._more():  # the value may go on in the next chunk
                    continue
                raise self.fail(exc.msg, exc.pos) from None
            except RecursionError:
                raise DumpError(f"{self.path}: not an emdrill JSON export (nested too "
                                "deeply)") from None
            except ValueError as exc:  # a number too long to read (over 4300 digits)
                raise DumpError(f"{self.path}: not valid JSON ({exc})") from None
            if end == len(self.buf) and self._more():
                continue  # a number at the end of a chunk may go on
            self.pos = end
            return value

    def skip(self) -> None:
        """Pass over the next value; an array an item at a time, so it is never held."""
        if self.peek() == "[":
            for _ in self.items():
                pass
        else:
            self.value()

    def items(self) -> Iterator[Any]:
        """The items of the array that comes next, one at a time."""
        self._take("[", "Expecting value")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            if self._closed("]"):
                return

    def members(self) -> Iterator[str]:
        """The top object's keys in order; after each, the caller takes or skips its value.
        A key that comes twice is refused, and so is anything after the object."""
        if self.peek() != "{":
            try:
                _DECODER.raw_decode(self.buf, self.pos)  # what the first chunk holds
            except json.JSONDecodeError as exc:
                if self.eof or len(self.buf) - self.pos < CHUNK:
                    raise self.fail(exc.msg, exc.pos) from None
            except (RecursionError, ValueError):
                pass
            raise DumpError(f"{self.path}: not an emdrill JSON export (no \"format\": "
                            f"\"{FORMAT}\")")
        self.pos += 1
        seen: set[str] = set()
        if self.peek() == "}":
            self.pos += 1
        else:
            while True:
                if self.peek() != '"':
                    raise self.fail("Expecting property name enclosed in double quotes")
                key = self.value()
                if key in seen:
                    raise DumpError(f"{self.path}: the key \"{key}\" comes twice")
                seen.add(key)
                self._take(":", "Expecting ':' delimiter")
                yield key
                if self._closed("}"):
                    break
        if self.peek() != "":
            raise self.fail("Extra data")
