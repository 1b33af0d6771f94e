"""Question lists to import: CSV, TSV, plain text and Markdown, parsed into numbered rows.

Pure: text in, rows and `FILE:LINE` problems out. Which format a file is comes from its
suffix (.csv, .tsv/.tab, .md/.markdown, anything else is plain text), and a plain-text file
whose first line is a tab- or comma-separated header naming a question column is read as
TSV or CSV.

- CSV and TSV: the first row is a header; the column named `question` (or `questions`,
  `text`, `prompt`) holds the question; a `category` column (or `topic`, `theme`, `section`)
  is kept as a hint, and a `family` column as the family the user means (a file exported
  from a deck, say). A line break inside a quoted cell is a space.
- Plain text: one question per non-blank line; a leading list marker or number is dropped,
  and lines starting with `#` or `//` are comments.
- Markdown: every list item is a question (indented lines that follow join it); headings
  are the hint for the items under them; other paragraphs, quotes, tables and code blocks
  are ignored. Emphasis, code marks and links are reduced to their text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from emdrill.core.deckfile import Problem

QUESTION_COLUMNS = ("question", "questions", "text", "prompt")
HINT_COLUMNS = ("category", "topic", "theme", "section")
FAMILY_COLUMN = "family"
MAX_LENGTH = 600  # characters: longer than any real interview question, shorter than a memo
FORMATS = ("csv", "tsv", "text", "markdown")

_MARKER = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?")
_MD_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?(.*)$")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_FENCE = re.compile(r"^\s*(```|~~~)")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"(\*\*|__|\*|`|~~)")


@dataclass(frozen=True)
class Row:
    """One question of a list: its line in the file, its text, its category if any (a hint),
    and the family a `family` column gives (the user's word, if it names a family)."""

    line: int
    text: str
    hint: str = ""
    family: str = ""


@dataclass(frozen=True)
class QuestionList:
    path: Path
    format: str
    rows: tuple[Row, ...]
    problems: tuple[Problem, ...]


def detect_format(path: Path, text: str) -> str:
    """The list's format, from the suffix; a header line can make a text file CSV or TSV."""
    suffix = path.suffix.casefold()
    named = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".md": "markdown",
             ".markdown": "markdown"}
    if suffix in named:
        return named[suffix]
    first = next((line for line in _lines(text) if line.strip()), "")
    for sep, kind in (("\t", "tsv"), (",", "csv")):
        cells = [c.strip().strip('"').casefold() for c in first.split(sep)]
        if sep in first and any(c in QUESTION_COLUMNS for c in cells):
            return kind
    return "text"


def parse_list(path: Path, raw: bytes) -> QuestionList:
    """Every question in the file, in file order, with each problem on its own line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return QuestionList(path, "text", (), (Problem(path, line, "not valid UTF-8 text"),))
    kind = detect_format(path, text)
    problems: list[Problem] = []
    if kind in ("csv", "tsv"):
        found = list(_table(path, text, "\t" if kind == "tsv" else ",", problems))
    elif kind == "markdown":
        found = list(_markdown(text))
    else:
        found = list(_plain(text))
    rows = []
    for row in found:
        problem = _check(row)
        if problem:
            problems.append(Problem(path, row.line, problem))
        else:
            rows.append(row)
    if not rows and not problems:
        problems.append(Problem(path, 1, f"no questions found (read as {kind})"))
    return QuestionList(path, kind, tuple(rows), tuple(sorted(problems, key=lambda p: p.line)))


def clean(text: str) -> str:
    """One line of plain text: runs of white space (line breaks included) become one space."""
    return " ".join(text.split())


def _check(row: Row) -> str:
    if not row.text:
        return "empty question"
    if len(row.text) > MAX_LENGTH:
        return f"question is {len(row.text)} characters long (at most {MAX_LENGTH})"
    if any(ord(ch) < 32 for ch in row.text):
        return "question holds a control character"
    return ""


# ---------------------------------------------------------------- CSV and TSV


def _table(path: Path, text: str, sep: str, problems: list[Problem]) -> Iterable[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)  # blank lines before the header
        if header is None:
            return
        names = [cell.strip().casefold() for cell in header]
        column = _column(names, QUESTION_COLUMNS)
        if column is None:
            listed = ", ".join(repr(cell.strip()) for cell in header) or "nothing"
            wanted = " or ".join(f"'{c}'" for c in QUESTION_COLUMNS[:3])
            problems.append(Problem(path, reader.line_num, f"the header names no question "
                                    f"column (wanted {wanted}; found {listed})"))
            return
        hint = _column(names, HINT_COLUMNS)
        family = _column(names, (FAMILY_COLUMN,))
        start = reader.line_num + 1
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                problems.append(Problem(path, line, f"{len(cells)} columns where the header "
                                        f"has {len(header)}"))
                continue
            yield Row(line, clean(cells[column]), clean(cells[hint]) if hint is not None else "",
                      clean(cells[family]) if family is not None else "")
    except csv.Error as exc:
        problems.append(Problem(path, reader.line_num, f"cannot read this row ({exc})"))


def _column(names: list[str], wanted: tuple[str, ...]) -> int | None:
    for name in wanted:
        if name in names:
            return names.index(name)
    return None


# ---------------------------------------------------------------- text and Markdown


def _lines(text: str) -> list[str]:
    """Lines as an editor numbers them: only \n, \r\n and \r end one."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _plain(text: str) -> Iterable[Row]:
    for number, line in enumerate(_lines(text), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "//")):
            continue
        yield Row(number, clean(_MARKER.sub("", stripped, count=1)))


def _markdown(text: str) -> Iterable[Row]:
    heading = ""
    item: list[str] = []
    item_line = 0
    fenced = False
    for number, line in enumerate(_lines(text), start=1):
        if _MD_FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else _MD_ITEM.match(line)
        joins = item and line.strip() and line[:1].isspace() and not match and not fenced
        if joins:
            item.append(line)
            continue
        if item:
            yield Row(item_line, _inline(" ".join(item)), heading)
            item = []
        if fenced:
            continue
        if match:
            item, item_line = [match.group(2)], number
        elif heading_match := _MD_HEADING.match(line):
            heading = _inline(heading_match.group(1))
    if item:
        yield Row(item_line, _inline(" ".join(item)), heading)


def _inline(text: str) -> str:
    """Markdown inline marks reduced to their text: links, emphasis, code, strikethrough."""
    return clean(_MD_MARKS.sub("", _MD_LINK.sub(r"\1", text)))
