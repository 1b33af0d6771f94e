"""Anki's "Notes in Plain Text" export as a question list (emdrill.core.questionlist): the
header lines Anki writes, its separators, HTML on and off, quoted fields; the front is the
question and the back is kept as the card's note through `emdrill import`."""

from __future__ import annotations

import tomllib
from pathlib import Path

from typer.testing import CliRunner

from conftest import parsed_list
from emdrill.cli.main import app
from emdrill.core.questionlist import Row, detect_format


def test_a_tab_export_with_html_and_an_empty_tags_column() -> None:
    """What Anki writes by default: tab-separated, HTML fields, a trailing tab for empty
    tags (the old reader glued front and back into one question)."""
    text = ("#separator:tab\n#html:true\n#tags column:3\n"
            "Tell me about a time you <b>disagreed</b> with your boss.\t"
            "STAR: the <i>launch</i>&nbsp;date<br>Result &amp; learning<div>Next</div>\t\n"
            "Why leave your job?\tGrowth<br><br>Scope\tinterview::career why_now\n")
    rows, problems, kind = parsed_list("notes.txt", text)
    assert (kind, problems) == ("anki-text", [])
    assert rows == [
        Row(4, "Tell me about a time you disagreed with your boss.", "",
            note="STAR: the launch date\nResult & learning\nNext"),
        Row(5, "Why leave your job?", "interview career why now", note="Growth\nScope"),
    ]


def test_html_off_keeps_angle_brackets_as_written() -> None:
    text = "#separator:tab\n#html:false\nWhat does <b> do in a review?\tIt is <literal>.\n"
    rows, problems, _ = parsed_list("notes.txt", text)
    assert problems == []
    assert rows == [Row(3, "What does <b> do in a review?", note="It is <literal>.")]


def test_comma_separator_with_quoted_fields_over_lines() -> None:
    """Quoted as in CSV: a separator, a doubled quote and a line break inside a field; the
    line numbers stay the file's."""
    text = ('#separator:comma\n#html:false\n'
            '"How do you hire, and why?","Bar ""raiser""\nthen a trial"\n'
            'Who was your best hire?,\n')
    rows, problems, kind = parsed_list("export.csv", text)  # the header wins over the suffix
    assert (kind, problems) == ("anki-text", [])
    assert rows == [Row(3, "How do you hire, and why?", note='Bar "raiser"\nthen a trial'),
                    Row(5, "Who was your best hire?")]


def test_named_columns_and_special_columns() -> None:
    """`#columns` names the fields (Back before Front here); the guid, note type and deck
    columns are not fields; the deck is a hint."""
    text = ("#separator:semicolon\n#html:true\n#guid column:1\n#notetype column:2\n"
            "#deck column:3\n#columns:guid;notetype;deck;Back;Front\n"
            "a1B;Basic;EM::Conflict;Name the <u>cost</u>;How do you settle a fight?\n")
    rows, problems, _ = parsed_list("n.tsv", text)
    assert problems == []
    assert rows == [Row(7, "How do you settle a fight?", "EM Conflict", note="Name the cost")]


def test_only_anki_headers_make_an_anki_file() -> None:
    assert detect_format(Path("a.txt"), "#separator:pipe\nWhy?|Because\n") == "anki-text"
    assert detect_format(Path("a.txt"), "# my list\nWhy?\n") == "text"
    assert detect_format(Path("a.md"), "#heading\n- Why?\n") == "markdown"
    rows, _, _ = parsed_list("a.txt", "#separator:pipe\nWhy?|Because\n")
    assert rows == [Row(2, "Why?", note="Because")]


def test_bad_headers_and_notes_are_reported_on_their_line() -> None:
    _, problems, _ = parsed_list("n.txt", "#html:true\n#separator:dash\nWhy?\tx\n")
    assert problems == ["n.txt:2: unknown separator 'dash' (one of tab, comma, semicolon, "
                        "space, pipe, colon, or one character)"]
    _, problems, _ = parsed_list("n.txt", "#separator:tab\n#tags column:last\nWhy?\tx\n")
    assert problems == ["n.txt:2: 'tags column' must be a column number, not 'last'"]
    _, problems, _ = parsed_list("n.txt", "#separator:tab\n\tonly a back\nWhy?\tx\x01y\n")
    assert problems == ["n.txt:2: empty question", "n.txt:3: the back holds a control character"]


def test_import_keeps_the_back_as_a_note(tmp_path: Path, runner: CliRunner, home: Path) -> None:
    """End to end: the deck file holds each back as `note`; it reloads; importing the export
    again after editing a back in Anki updates the note and changes nothing else."""
    notes = tmp_path / "anki-notes.txt"
    notes.write_text("#separator:tab\n#html:true\n#tags column:3\n"
                     "Tell me about a time you missed a deadline.\tSay <b>when</b> you told "
                     "them\t\nHow do you grow a senior engineer?\t\t\n", encoding="utf-8")
    done = runner.invoke(app, ["import", str(notes)])
    assert done.exit_code == 0, done.output
    assert "(anki-text): 2 rows: 2 new" in done.output
    deck = home / "decks" / "anki-notes.toml"
    cards = tomllib.loads(deck.read_text(encoding="utf-8"))["questions"]
    assert [(c["text"], c.get("note")) for c in cards] == [
        ("Tell me about a time you missed a deadline.", "Say when you told them"),
        ("How do you grow a senior engineer?", None)]
    checked = runner.invoke(app, ["deck", "check", str(deck)])
    assert checked.exit_code == 0, checked.output
    notes.write_text(notes.read_text(encoding="utf-8").replace("Say <b>when</b>", "Say early"),
                     encoding="utf-8")
    again = runner.invoke(app, ["import", str(notes)])
    assert again.exit_code == 0, again.output
    assert "2 unchanged" in again.output
    cards = tomllib.loads(deck.read_text(encoding="utf-8"))["questions"]
    assert cards[0]["note"] == "Say early you told them"
