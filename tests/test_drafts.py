"""Drafts that say what they are (issue 23): `emdrill drafts` walks them one by one, piped
and through a real pseudo-terminal; `show` and the card back mark them; `deck check` counts
them instead of listing each; a card with drafts does not take over the deck's own questions."""

from __future__ import annotations

import json
import sys
import textwrap
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from emdrill.cli.main import app
from emdrill.core import userdeck
from emdrill.core.cards import Question
from emdrill.core.userdeck import render_question, with_card
from term import Term

DATA = Path(__file__).resolve().parent / "data"
# The first of these is far from every bundled card (no intent drafted), the second close to
# one (an intent drafted from it), the third in between.
ROWS = ["What is the best gift you have ever given or received?",
        "How do you set goals for your team each quarter, and how do you track them?",
        "Tell me about a time you had to let someone go."]


def _ok(runner: CliRunner, *args: str, input: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def _cards(home: Path, name: str) -> list[dict[str, Any]]:
    data = tomllib.loads((home / "decks" / f"{name}.toml").read_text(encoding="utf-8"))
    return list(data["questions"])


@pytest.fixture
def imported(runner: CliRunner, suggested: Path, tmp_path: Path) -> list[dict[str, Any]]:
    """The three rows imported into a new collection (copied, with its suggestion model)."""
    listed = tmp_path / "mine.txt"
    listed.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    _ok(runner, "import", str(listed))
    return _cards(suggested, "mine")


def test_an_import_below_the_floor_records_candidates(imported: list[dict[str, Any]]) -> None:
    gift, goals, _ = imported
    assert gift["intent"] == userdeck.UNDECODED and "intent" in gift["draft"]
    assert len(gift["candidates"]) == 3
    assert goals["intent"] != userdeck.UNDECODED and "candidates" not in goals


def test_drafts_piped_one_answer_a_line(runner: CliRunner, home: Path,
                                        imported: list[dict[str, Any]]) -> None:
    gift, goals, let_go = imported
    out = _ok(runner, "drafts", input="a\n2\na\ns\n")
    assert "draft 1 of 3" in out and "has no intent yet" in out  # accepting needs an intent
    assert "2. " in out and f"saved {gift['id']}" in out and f"saved {goals['id']}" in out
    assert "reviewed 2, skipped 1" in out
    after = {c["id"]: c for c in _cards(home, "mine")}
    offered = _ok(runner, "show", gift["candidates"][1], "--json")
    assert after[gift["id"]]["intent"] == json.loads(offered)["intent"]
    assert "draft" not in after[gift["id"]] and "candidates" not in after[gift["id"]]
    assert "draft" not in after[goals["id"]] and after[goals["id"]]["intent"] == goals["intent"]
    assert after[let_go["id"]] == let_go  # skipped: untouched
    again = _ok(runner, "drafts", input="q\n")
    assert "draft 1 of 1" in again and let_go["text"] in again
    assert _ok(runner, "drafts", input="a\n").count("saved ") == 1
    assert _ok(runner, "drafts").strip() == "no drafts to review"
    assert json.loads(_ok(runner, "show", goals["id"], "--json"))["draft"] == []


def test_drafts_end_of_input_stops_cleanly(runner: CliRunner, home: Path,
                                           imported: list[dict[str, Any]]) -> None:
    before = (home / "decks" / "mine.toml").read_text(encoding="utf-8")
    out = _ok(runner, "drafts", input="")
    assert "reviewed 0, skipped 0; 3 left" in out
    assert (home / "decks" / "mine.toml").read_text(encoding="utf-8") == before


def test_drafts_edit_in_the_editor(runner: CliRunner, home: Path, tmp_path: Path,
                                   imported: list[dict[str, Any]],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "editor.py"
    script.write_text(textwrap.dedent("""
        import re, sys
        path = sys.argv[1]
        text = open(path, encoding="utf-8").read()
        text = re.sub(r'^intent = .*$', 'intent = "Do you know what you value?"', text,
                      flags=re.M)
        open(path, "w", encoding="utf-8").write(text)
        """), encoding="utf-8")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    out = _ok(runner, "drafts", input="e\nq\n")
    gift = _cards(home, "mine")[0]
    assert gift["intent"] == "Do you know what you value?"
    assert "intent" not in gift["draft"] and "candidates" not in gift
    assert "probes" in gift["draft"]  # not changed: still a draft
    assert "saved " in out and "still drafts: " in out


def _prompted(term: Term, times: int) -> None:
    """Wait until the actions prompt has been written `times` times."""
    deadline = time.monotonic() + term.timeout
    while term.transcript.count(b"q quit:") < times:
        assert term.pump() and time.monotonic() < deadline, term.text


@pytest.mark.parametrize(("cols", "rows"), [(80, 24), (40, 20)])
def test_drafts_through_a_terminal(imported: list[dict[str, Any]], home: Path, cols: int,
                                   rows: int) -> None:
    term = Term("drafts", rows=rows, cols=cols)
    term.wait_for(r"q quit")  # a card is taller than a 40x20 screen: its head scrolls away
    assert b"draft 1 of 3" in term.transcript and b"not drafted" in term.transcript
    assert all(len(line) <= cols for line in term.lines)
    assert "3. " in term.flat()
    term.press("1", "\r")
    _prompted(term, 2)
    assert b"saved " in term.transcript and b"draft 2 of 3" in term.transcript
    term.press("q", "\r")
    term.wait_for(r"reviewed 1, skipped 0; 2 left")
    term.finish()
    assert term.exitstatus == 0
    gift = _cards(home, "mine")[0]
    assert "draft" not in gift and gift["intent"] != userdeck.UNDECODED


def test_show_and_the_back_mark_every_draft(runner: CliRunner,
                                            imported: list[dict[str, Any]]) -> None:
    goals = imported[1]
    shown = _ok(runner, "show", goals["id"])
    assert "drafts, not reviewed yet: " in shown and "(draft" in shown
    data = json.loads(_ok(runner, "show", goals["id"], "--json"))
    assert data["draft"] == goals["draft"] and "intent" in data["draft"]
    bundled = _ok(runner, "show", json.loads(_ok(runner, "suggest", "--json", ROWS[1]))
                  ["basis"])
    assert "(draft" not in bundled and "drafts, not reviewed" not in bundled


def test_deck_check_after_a_real_import_summarises(runner: CliRunner, suggested: Path) -> None:
    """Issue 23: after an import of 116 rows `deck check` printed 237 lines of warnings and
    drafts. Now: one line for the drafts, no warning that a marked draft copies a card."""
    _ok(runner, "import", str(DATA / "chitamoor-em.tsv"))
    result = runner.invoke(app, ["deck", "check"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "chitamoor-em" not in result.output  # no per-card line about the imported deck
    assert any("with drafts to review: run `emdrill drafts`" in line for line in lines)
    assert len(lines) <= 3, result.output


def test_a_draft_card_does_not_take_over_the_decks_own_question(runner: CliRunner,
                                                                suggested: Path) -> None:
    """Issue 23: after an import, 'balance tech debt against feature work' borrowed the intent
    of an imported 'favourite feature' card."""
    asked = "How do you balance tech debt against feature work?"
    before = json.loads(_ok(runner, "suggest", "--json", asked))
    _ok(runner, "add", "--yes", "--family", before["family"], "--story", "3",
        "What is your favourite feature of our product, and how would you balance tech "
        "debt in it against feature work?")
    after = json.loads(_ok(runner, "suggest", "--json", asked))
    assert (after["intent"], after["basis"]) == (before["intent"], before["basis"])
    assert after["basis"] is not None and not after["basis"].startswith("favourite")


def test_with_card_keeps_the_rest_of_the_file() -> None:
    card = Question(id="b", deck="d", family="f", text="B?", intent="new",
                             story=1, probes=("x", "y"), traits=("ownership",),
                             pitfall="p", follow_ups=("f",))
    text = ("# mine\n[deck]\nid = \"d\"\n\n[[questions]]\nid = \"a\"\n\n# about b\n"
            "[[questions]]\nid = \"b\"\nintent = \"old\"\n\n# trailing\n")
    got = with_card(text, 1, card)
    assert got.startswith("# mine\n[deck]\nid = \"d\"\n\n[[questions]]\nid = \"a\"\n\n# about b\n")
    assert render_question(card) in got and got.endswith("\n# trailing\n")
    assert "old" not in got
    with pytest.raises(ValueError):
        with_card(text, 2, card)
