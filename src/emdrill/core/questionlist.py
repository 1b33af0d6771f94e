"""Question lists to import: CSV, TSV, plain text and Markdown, parsed into numbered rows.

Pure: text in, rows and `FILE:LINE` problems out. Which format a file is comes from its
suffix (.csv, .tsv/.tab, .md/.markdown, anything else is plain text), and a plain-text file
whose first line is a tab- or comma-separated header naming a question column is read as
TSV or CSV. A file that starts with Anki's header lines (`#separator:tab`, `#html:true`,
`#columns:...`: what Anki's "Notes in Plain Text" export writes) is an Anki text export,
whatever its suffix.

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
- Anki text export: the header lines name the separator (tab, comma, semicolon, space,
  pipe, colon or the character itself), whether fields are HTML (then tags are dropped and
  entities read), the column names, and which columns hold the guid, note type, deck and
  tags. The first field (or the one named Front or Question) is the question; the next (or
  the one named Back or Answer) is kept as the card's note; the deck and tags are the hint.
  Fields are quoted as in CSV.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt

from emdrill.core.deckfile import Problem

if TYPE_CHECKING:
    from markdown_it.token import Token

QUESTION_COLUMNS = ("question", "questions", "text", "prompt")
HINT_COLUMNS = ("category", "topic", "theme", "section")
FAMILY_COLUMN = "family"
MAX_LENGTH = 600  # characters: longer than any real interview question, shorter than a memo
MAX_NOTE = 4000  # characters of a note (an Anki card's back): a page of text
FORMATS = ("csv", "tsv", "text", "markdown", "anki-text")
ANKI_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|",
                   "colon": ":"}
ANKI_HEADERS = ("separator", "html", "columns", "tags", "deck", "notetype", "guid",
                "if matches", "guid column", "notetype column", "deck column",
                "tags column")
FRONT_COLUMNS = ("front", "question", "text", "prompt")
BACK_COLUMNS = ("back", "answer", "note", "notes", "extra")

_MARKER = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?")
_TASK = re.compile(r"^\[[ xX]\]\s+")
_LISTS = ("bullet_list_open", "ordered_list_open")


@dataclass(frozen=True)
class Row:
    """One question of a list: its line in the file, its text, its category if any (a hint),
    the family a `family` column gives (the user's word, if it names a family), and a note
    (an Anki card's back)."""

    line: int
    text: str
    hint: str = ""
    family: str = ""
    note: str = ""  # text kept with the card, not asked: an Anki card's back


@dataclass(frozen=True)
class QuestionList:
    path: Path
    format: str
    rows: tuple[Row, ...]
    problems: tuple[Problem, ...]


def detect_format(path: Path, text: str) -> str:
    """The list's format, from the suffix; a header line can make a text file CSV or TSV."""
    if _anki_header(_lines(text)):
        return "anki-text"
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
    elif kind == "anki-text":
        found = list(_anki_text(path, text, problems))
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
    if len(row.note) > MAX_NOTE:
        return f"the back is {len(row.note)} characters long (at most {MAX_NOTE})"
    if any(ord(ch) < 32 and ch != "\n" for ch in row.note):
        return "the back holds a control character"
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


# ---------------------------------------------------------------- Anki's text export


_ANKI_LINE = re.compile(r"^#([a-z ]+):(.*)$")


def _anki_header(lines: list[str]) -> dict[str, str]:
    """The `#key:value` lines Anki writes at the top of a text export, by key; empty if the
    file does not start with one (a comment such as `# my list` is not one)."""
    found: dict[str, str] = {}
    for line in lines:
        match = _ANKI_LINE.match(line.removeprefix("\ufeff"))
        if match is None or match.group(1) not in ANKI_HEADERS:
            break
        found[match.group(1)] = match.group(2).strip()
    return found


def _anki_text(path: Path, text: str, problems: list[Problem]) -> Iterable[Row]:
    lines = _lines(text)
    header = _anki_header(lines)
    skip = len(header)
    first = skip + 1  # the line the notes start on
    sep = header.get("separator", "tab")
    sep = ANKI_SEPARATORS.get(sep.casefold(), sep)
    if len(sep) != 1:
        problems.append(Problem(path, _header_line(lines, "separator"),
                                f"unknown separator '{sep}' (one of "
                                f"{', '.join(ANKI_SEPARATORS)}, or one character)"))
        return
    is_html = header.get("html", "false").casefold() in ("true", "yes", "1")
    special: dict[int, str] = {}
    for key in ("guid", "notetype", "deck", "tags"):
        value = header.get(f"{key} column")
        if value is None:
            continue
        if not value.isascii() or not value.isdigit() or int(value) < 1:
            problems.append(Problem(path, _header_line(lines, f"{key} column"),
                                    f"'{key} column' must be a column number, not '{value}'"))
            return
        special[int(value) - 1] = key
    names = [n.strip().casefold() for n in header["columns"].split(sep)] if (
        "columns" in header) else []
    body = "\n".join(lines[skip:])
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=sep)
    start = first
    try:
        for cells in reader:
            line, start = start, first + reader.line_num
            fields = [i for i in range(len(cells)) if i not in special]
            if not any(cells[i].strip() for i in fields):
                continue
            front = _named_column(names, fields, FRONT_COLUMNS) if names else None
            front = front if front is not None else fields[0]
            back = _named_column(names, fields, BACK_COLUMNS) if names else None
            if back is None:
                back = next((i for i in fields if i > front), None)
            hint = " ".join(_hint(cells[i]) for i, key in sorted(special.items())
                            if key in ("deck", "tags") and i < len(cells))
            yield Row(line, clean(_field(cells[front], is_html)),
                      clean(hint),
                      note=_note(_field(cells[back], is_html)) if back is not None else "")
    except csv.Error as exc:
        problems.append(Problem(path, first + reader.line_num - 1,
                                f"cannot read this note ({exc})"))


def _header_line(lines: list[str], key: str) -> int:
    return next((n for n, line in enumerate(lines, start=1)
                 if line.removeprefix("\ufeff").startswith(f"#{key}:")), 1)


def _named_column(names: list[str], fields: list[int], wanted: tuple[str, ...]) -> int | None:
    for name in wanted:
        for i in fields:
            if i < len(names) and names[i] == name:
                return i
    return None


def _hint(cell: str) -> str:
    """A deck name or tags as words: `Interview::Conflict hard_ones` -> `Interview Conflict
    hard ones`."""
    return " ".join(cell.replace("::", " ").replace("_", " ").split())


def _field(cell: str, is_html: bool) -> str:
    """A field's text: with `#html:true`, its tags dropped (a line break, paragraph or list
    item becomes a new line) and its entities read; else as written."""
    if not is_html:
        return cell
    reader = _HtmlText()
    reader.feed(cell)
    reader.close()
    return "".join(reader.parts)


def _note(text: str) -> str:
    """A back as a note: each line cleaned, blank lines dropped."""
    return "\n".join(filter(None, (clean(line) for line in _lines(text))))


class _HtmlText(HTMLParser):
    """The text of an HTML fragment, block tags and <br> as line breaks; scripts, styles and
    Anki's `[sound:...]` references dropped."""

    BREAKS = frozenset(("br", "div", "p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                        "ul", "ol", "table", "blockquote", "pre"))
    HIDDEN = frozenset(("script", "style"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(alt)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(_SOUND.sub("", data))


_SOUND = re.compile(r"\[sound:[^\]]*\]")
