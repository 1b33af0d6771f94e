"""Question lists (emdrill.core.questionlist): CSV, TSV, text and Markdown rows, with every
problem reported as FILE:LINE."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import parsed_list
from emdrill.core.questionlist import MAX_LENGTH, Row, detect_format, parse_list

DATA = Path(__file__).resolve().parent / "data"


def test_csv_reads_the_question_column_and_keeps_the_category_as_a_hint() -> None:
    text = ('id,Category,Question\n'
            '1,Conflict,"How do you handle conflict, say between two leads?"\n'
            '\n'
            '2,Hiring,"Walk me through a hire\nyou regret."\n'
            '3,,Why this company?\n')
    rows, problems, kind = parsed_list("list.csv", text)
    assert (kind, problems) == ("csv", [])
    assert rows == [Row(2, "How do you handle conflict, say between two leads?", "Conflict"),
                    Row(4, "Walk me through a hire you regret.", "Hiring"),
                    Row(6, "Why this company?", "")]


def test_tsv_with_a_byte_order_mark_and_no_category() -> None:
    got = parse_list(Path("x.tsv"), "\ufeffquestion\tnotes\nWhy?\tfirst\nHow?\t\n".encode())
    assert [(r.line, r.text, r.hint) for r in got.rows] == [(2, "Why?", ""), (3, "How?", "")]


def test_the_shared_real_list_reads_whole() -> None:
    got = parse_list(DATA / "chitamoor-em.tsv", (DATA / "chitamoor-em.tsv").read_bytes())
    assert (got.format, got.problems, len(got.rows)) == ("tsv", (), 117)
    assert got.rows[0].line == 2 and got.rows[0].hint == "Leadership and Management"


def test_plain_text_one_question_a_line() -> None:
    text = ("# my list\n\nWhy do you want to leave?\n  - How do you hire?  \n"
            "3. What is your weakness?\n// skip\n")
    rows, problems, kind = parsed_list("list.txt", text)
    assert (kind, problems) == ("text", [])
    assert [(r.line, r.text) for r in rows] == [(3, "Why do you want to leave?"),
                                               (4, "How do you hire?"),
                                               (5, "What is your weakness?")]


def test_markdown_items_with_headings_as_hints() -> None:
    text = ("# Interview prep\n\nSome prose that is not a question.\n\n## Conflict\n"
            "- How do you handle **conflict** between `leads`?\n"
            "- Tell me about a time you\n  disagreed with [your manager](http://x).\n\n"
            "```\n- not an item\n```\n\n## Hiring\n1. Who was your best hire?\n"
            "* [ ] Why?\n")
    rows, problems, kind = parsed_list("prep.md", text)
    assert (kind, problems) == ("markdown", [])
    assert rows == [Row(6, "How do you handle conflict between leads?", "Conflict"),
                    Row(7, "Tell me about a time you disagreed with your manager.", "Conflict"),
                    Row(15, "Who was your best hire?", "Hiring"),
                    Row(16, "Why?", "Hiring")]


def test_a_text_file_with_a_header_is_read_as_a_table() -> None:
    assert detect_format(Path("list.txt"), "category\tquestion\nA\tWhy?\n") == "tsv"
    assert detect_format(Path("list"), '"question",x\n"Why?",1\n') == "csv"
    assert detect_format(Path("list"), "Why, then, this company?\n") == "text"


def test_bad_rows_are_reported_as_file_and_line() -> None:
    long = "x" * (MAX_LENGTH + 1)
    text = f'question,category\n"",A\nfine?,B\n{long},C\nonly one column\nok?,D,extra\n'
    rows, problems, _ = parsed_list("bad.csv", text)
    assert [r.text for r in rows] == ["fine?"]
    assert problems == ["bad.csv:2: empty question",
                        f"bad.csv:4: question is {MAX_LENGTH + 1} characters long "
                        f"(at most {MAX_LENGTH})",
                        "bad.csv:5: 1 columns where the header has 2",
                        "bad.csv:6: 3 columns where the header has 2"]


def test_a_header_without_a_question_column() -> None:
    _, problems, _ = parsed_list("x.csv", "\n\nprompt_text,category\nWhy?,A\n")
    assert problems == ["x.csv:3: the header names no question column (wanted 'question' or "
                        "'questions' or 'text'; found 'prompt_text', 'category')"]


def test_not_utf8_and_empty_files() -> None:
    got = parse_list(Path("x.txt"), b"Why?\nHow \xff?\n")
    assert [str(p) for p in got.problems] == ["x.txt:2: not valid UTF-8 text"]
    assert [str(p) for p in parse_list(Path("e.md"), b"# only a heading\n").problems] == [
        "e.md:1: no questions found (read as markdown)"]


def test_a_control_character_is_refused() -> None:
    _, problems, _ = parsed_list("x.txt", "Why\x00 not?\n")
    assert problems == ["x.txt:1: question holds a control character"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["a.csv", "a.tsv", "a.txt", "a.md"]))
def test_any_text_gives_rows_or_problems_never_a_crash(text: str, name: str) -> None:
    got = parse_list(Path(name), text.encode("utf-8", "surrogatepass"))
    assert got.rows or got.problems
    for row in got.rows:
        assert row.text and row.text == row.text.strip() and "\n" not in row.text
        assert 1 <= row.line <= text.count("\n") + 1 + text.count("\r")
    for problem in got.problems:
        assert str(problem).startswith(f"{name}:")


def test_markdown_constructs_the_line_reader_got_wrong() -> None:
    """Nested tips, numbered lists, headings at any level, fenced and indented code, links,
    quotes, tables and a follow-up line: read as Markdown's structure says, not line by
    line."""
    text = ("Leadership questions\n"
            "====================\n"
            "\n"
            "1. Tell me about a time you had to let\n"
            "   someone go.\n"
            "   What would you do differently?\n"
            "   - tip: name the *support* you gave first\n"
            "   - tip: say what the team heard\n"
            "2) How do you grow a [senior engineer](https://example.com/x \"t\") into a lead?\n"
            "\n"
            "   A second paragraph is a note, not a question.\n"
            "\n"
            "### Delivery ###\n"
            "\n"
            "```markdown\n"
            "- How do you ship? (inside a fence: an example, not a question)\n"
            "```\n"
            "\n"
            "    - indented four spaces: a code block\n"
            "\n"
            "> - a quoted item is not a question\n"
            "\n"
            "| a | b |\n|---|---|\n| - not an item | x |\n"
            "\n"
            "+ When did you miss a `deadline` &amp; what did you tell ~~them~~ people?\n"
            "  <!-- an HTML comment -->\n")
    rows, problems, kind = parsed_list("prep.md", text)
    assert (kind, problems) == ("markdown", [])
    assert rows == [
        Row(4, "Tell me about a time you had to let someone go.", "Leadership questions"),
        Row(9, "How do you grow a senior engineer into a lead?", "Leadership questions"),
        Row(27, "When did you miss a deadline & what did you tell them people?", "Delivery"),
    ]
