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
- Markdown (read by markdown-it-py): every item of a top-level list, bulleted or numbered,
  is a question, up to the end of its first sentence (a question wrapped over lines reads
  whole; a follow-up line, a list nested in the item or a second paragraph is not part of
  it); the nearest heading above is the hint for the items under it; other paragraphs,
  quotes, tables, HTML and code blocks are ignored. Emphasis, code marks and links are
  reduced to their text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from emdrill.core.deckfile import Problem

if TYPE_CHECKING:
    from markdown_it.token import Token

QUESTION_COLUMNS = ("question", "questions", "text", "prompt")
HINT_COLUMNS = ("category", "topic", "theme", "section")
FAMILY_COLUMN = "family"
MAX_LENGTH = 600  # characters: longer than any real interview question, shorter than a memo
FORMATS = ("csv", "tsv", "text", "markdown")

_MARKER = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?")
_TASK = re.compile(r"^\[[ xX]\]\s+")
_LISTS = ("bullet_list_open", "ordered_list_open")


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
    """Each top-level list item's first paragraph, read from markdown-it-py's tokens: the
    containers open around a paragraph say whether it is one (a list nested in an item, a
    list inside a quote or a table cell is not)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)
    heading = ""
    open_: list[str] = []  # the block containers around the current token, outermost first
    taken = False  # the current item has given its question
    for index, token in enumerate(tokens):
        if token.nesting == 1:
            open_.append(token.type)
            if token.type == "list_item_open":
                taken = False
        elif token.nesting == -1:
            open_.pop()
        elif token.type == "inline":
            if open_ and open_[-1] == "heading_open":
                heading = clean(_plain_text(token))
            elif (len(open_) == 3 and open_[0] in _LISTS and open_[2] == "paragraph_open"
                  and not taken):
                taken = True  # the item's first paragraph; later ones are notes
                line = (token.map or tokens[index - 1].map or [0])[0] + 1
                yield Row(line, _question(_plain_text(token)), heading)


def _plain_text(inline: Token) -> str:
    """An inline token's text with its marks dropped (a link keeps its words, an image its
    description); a line break inside the paragraph stays a newline."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "image"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def _question(text: str) -> str:
    """An item's lines up to the first that ends a sentence: a wrapped question joins, a
    follow-up on the next line stays out. A leading task box `[ ]` is dropped."""
    kept = []
    for line in text.split("\n"):
        kept.append(line)
        if line.rstrip().endswith(("?", ".", "!")):
            break
    return _TASK.sub("", clean(" ".join(kept)), count=1)
