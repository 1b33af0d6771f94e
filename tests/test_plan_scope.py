"""Adding questions while an interview plan runs (`import`, `add`): they are held out of the
plan's scope until the user lets them in: asked on a terminal, `--into-plan` /
`--not-in-plan` up front, kept out when piped. Real SQLite, CliRunner and a real pty.

conftest fixes EMDRILL_NOW at 2026-03-02 09:00 UTC."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import mini_deck_text
from emdrill.cli.main import app
from emdrill.core.cards import Question
from emdrill.core.interview import InterviewScope
from term import Term

ROWS = ["How do you handle conflicts within your team?",
        "Describe a time you had to let someone go.",
        "How do you keep your team motivated during a long crunch?"]
KEPT = re.compile(r"^Kept 3 new questions out of your interview plan's scope \(it stays at "
                  r"6 questions, \d+ minutes? a day to cover them\); emdrill import \S+list\.txt "
                  r"--into-plan puts them in\.$")


@pytest.fixture
def listed(tmp_path: Path) -> Path:
    path = tmp_path / "list.txt"
    path.write_text("".join(f"{r}\n" for r in ROWS), encoding="utf-8")
    return path


@pytest.fixture
def planned(runner: CliRunner, mini_deck: Path) -> CliRunner:
    """The mini deck (6 questions) and a plan over every question."""
    _ok(runner, "deck", "load", str(mini_deck))
    _ok(runner, "interview", "2026-03-16")
    return runner


def _ok(runner: CliRunner, *args: str, input: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


def _in_scope(runner: CliRunner) -> int:
    return int(json.loads(_ok(runner, "interview", "--json"))["in_scope"])


def _excluded(home: Path) -> list[str]:
    con = sqlite3.connect(home / "emdrill.db")
    try:
        return list(json.loads(con.execute("SELECT excluded FROM interview").fetchone()[0]))
    finally:
        con.close()


def _last_line(out: str) -> str:
    return out.rstrip("\n").splitlines()[-1]


# ---------------------------------------------------------------- import


def test_piped_import_keeps_new_questions_out_and_says_so_in_one_line(
        planned: CliRunner, listed: Path, home: Path) -> None:
    out = _ok(planned, "import", str(listed))
    assert "added 3" in out
    assert KEPT.match(_last_line(out)), out
    assert sum("interview plan" in line for line in out.splitlines()) == 1
    assert _in_scope(planned) == 6
    assert len(_excluded(home)) == 3
    assert "every question, 3 kept out (6 questions)" in _ok(planned, "interview")
    offered = {item["id"] for item in json.loads(_ok(planned, "next", "--json", "--limit", "50"))}
    assert offered and not offered & set(_excluded(home))


def test_into_plan_lets_them_in_and_says_what_it_costs(planned: CliRunner, listed: Path,
                                                       home: Path) -> None:
    out = _ok(planned, "import", str(listed), "--into-plan")
    assert re.fullmatch(r"Put 3 questions in your interview plan's scope: now 9 questions, "
                        r"\d+ minutes? a day to cover them\.", _last_line(out)), out
    assert _in_scope(planned) == 9 and _excluded(home) == []


def test_not_in_plan_keeps_them_out(planned: CliRunner, listed: Path, home: Path) -> None:
    assert KEPT.match(_last_line(_ok(planned, "import", str(listed), "--not-in-plan")))
    assert _in_scope(planned) == 6 and len(_excluded(home)) == 3
    # Importing the list again adds nothing new: nothing to ask, the questions stay out.
    again = _ok(planned, "import", str(listed))
    assert "interview plan" not in again and len(_excluded(home)) == 3
    # ... until --into-plan on the list lets in the questions it kept out before.
    assert "Put 3 questions in" in _ok(planned, "import", str(listed), "--into-plan")
    assert _in_scope(planned) == 9 and _excluded(home) == []


def test_without_a_plan_nothing_is_asked_or_said(runner: CliRunner, mini_deck: Path,
                                                 listed: Path) -> None:
    _ok(runner, "deck", "load", str(mini_deck))
    out = _ok(runner, "import", str(listed), "--into-plan")
    assert "added 3" in out and "interview plan" not in out


def test_a_plan_whose_decks_do_not_reach_the_list_is_left_alone(
        runner: CliRunner, mini_deck: Path, listed: Path, home: Path) -> None:
    _ok(runner, "deck", "load", str(mini_deck))
    _ok(runner, "interview", "2026-03-16", "--decks", "mini")
    out = _ok(runner, "import", str(listed))
    assert "interview plan" not in out and _excluded(home) == [] and _in_scope(runner) == 6


def test_a_dry_run_holds_nothing(planned: CliRunner, listed: Path, home: Path) -> None:
    out = _ok(planned, "import", str(listed), "--dry-run")
    assert "interview plan" not in out and _excluded(home) == []


# ---------------------------------------------------------------- add and the plan


def test_add_piped_keeps_the_question_out_and_interview_into_plan_lets_it_in(
        planned: CliRunner, home: Path) -> None:
    out = _ok(planned, "add", "How do you plan a quarter with two competing priorities?",
              "--family", "alpha", "--story", "1", "--yes")
    assert re.fullmatch(r"Kept 1 new question out of your interview plan's scope \(it stays "
                        r"at 6 questions, \d+ minutes? a day to cover them\); emdrill "
                        r"interview --into-plan puts it in\.", _last_line(out)), out
    assert _in_scope(planned) == 6
    assert "Put 1 question in" in _ok(planned, "interview", "--into-plan")
    assert _in_scope(planned) == 7
    assert _ok(planned, "interview", "--into-plan") == (
        "no questions are kept out of an interview plan's scope\n")


def test_add_into_plan(planned: CliRunner) -> None:
    out = _ok(planned, "add", "How do you plan a quarter with two competing priorities?",
              "--family", "beta", "--story", "5", "--yes", "--into-plan")
    assert "Put 1 question in your interview plan's scope: now 7 questions" in out
    assert _in_scope(planned) == 7


def test_a_new_date_keeps_what_was_kept_out_a_new_scope_drops_it(
        planned: CliRunner, listed: Path, home: Path) -> None:
    _ok(planned, "import", str(listed))
    _ok(planned, "interview", "2026-03-20")
    assert len(_excluded(home)) == 3 and _in_scope(planned) == 6
    _ok(planned, "interview", "2026-03-20", "--families", "alpha,beta")
    assert _excluded(home) == [] and _in_scope(planned) == 9


def test_into_plan_on_interview_stands_alone(planned: CliRunner) -> None:
    result = planned.invoke(app, ["interview", "2026-03-20", "--into-plan"])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("emdrill: --jd and --into-plan each stand alone: give no "
                                     "date, --decks, --families, --clear, --sheet or --plan "
                                     "with them")


# ---------------------------------------------------------------- on a terminal


@pytest.mark.parametrize(("answer", "scope"), [("y", 9), ("n", 6), ("", 6)])
def test_on_a_terminal_import_asks_before_widening(planned: CliRunner, listed: Path,
                                                   answer: str, scope: int) -> None:
    term = Term("import", str(listed), cols=80, rows=24)
    term.wait_for(r"This adds 3 questions to your interview plan's scope: 6 -> 9 questions, "
                  r"\d+ -> \d+ minutes a day to cover them\. Put them in the plan's scope\? "
                  r"\[y/N\]", flat=True)
    term.press(answer + "\r")
    screen = term.finish()
    assert term.exitstatus == 0, screen
    assert _in_scope(planned) == scope
    assert ("Put 3 questions in" if scope == 9 else "Kept 3 new questions out") in " ".join(
        screen.split())


# ---------------------------------------------------------------- the scope itself


def _q(qid: str, deck: str = "core", family: str = "alpha") -> Question:
    return Question(id=qid, deck=deck, family=family, text="?", intent="", story=1)


def test_a_kept_out_question_is_reached_but_not_covered() -> None:
    scope = InterviewScope(families=("alpha",)).keeping_out(["a1"])
    assert scope.reaches(_q("a1")) and not scope.covers(_q("a1")) and scope.covers(_q("a2"))
    assert not scope.reaches(_q("b1", family="beta"))
    assert scope.describe() == "families alpha, 1 kept out"
    assert scope.letting_in(["a1"]) == InterviewScope(families=("alpha",))
    assert scope.reaches_same(InterviewScope(families=("alpha",)))


# ---------------------------------------------------------------- deck load


def test_deck_load_keeps_new_questions_out_like_import(planned: CliRunner, tmp_path: Path,
                                                       home: Path) -> None:
    """A new version of a deck that adds questions does not widen the plan unasked."""
    grown = tmp_path / "mini.toml"  # the same file, same deck: four more questions in it
    grown.write_text(mini_deck_text(5), encoding="utf-8")
    out = _ok(planned, "deck", "load", str(grown))
    assert out.startswith("added 4,"), out
    assert _last_line(out).startswith("Kept 4 new questions out of your interview plan's "
                                      "scope (it stays at 6 questions"), out
    assert _last_line(out).endswith("emdrill interview --into-plan puts them in."), out
    assert sorted(_excluded(home)) == ["alpha-4", "alpha-5", "beta-4", "beta-5"]
    assert _in_scope(planned) == 6


def test_deck_load_into_plan_and_without_a_plan(runner: CliRunner, mini_deck: Path,
                                                tmp_path: Path, home: Path) -> None:
    _ok(runner, "deck", "load", str(mini_deck))
    _ok(runner, "interview", "2026-03-16")
    mini_deck.write_text(mini_deck_text(4), encoding="utf-8")
    _ok(runner, "deck", "load", str(mini_deck), "--into-plan")
    assert _excluded(home) == []
    assert _in_scope(runner) == 8
    _ok(runner, "interview", "--clear")
    mini_deck.write_text(mini_deck_text(5), encoding="utf-8")
    out = _ok(runner, "deck", "load", str(mini_deck))
    assert "interview plan" not in out


# ---------------------------------------------------------------- the bundled decks


def _questions(home: Path) -> int:
    con = sqlite3.connect(home / "emdrill.db")
    try:
        return int(con.execute("SELECT count(*) FROM question").fetchone()[0])
    finally:
        con.close()


def test_a_grown_bundled_deck_never_widens_a_plan_on_open(
        runner: CliRunner, tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening loads the bundled decks only into an empty collection (questions are suspended
    or merged, never deleted, and a plan is booked after that first load): a new emdrill
    whose bundled deck has more questions adds nothing on open. Only `deck load` brings the
    new ones in, and it keeps them out of the plan like `import`."""
    from emdrill.ops import decks

    shipped = tmp_path / "shipped" / "mini.toml"  # the bundled set, as a test can grow it
    shipped.parent.mkdir()
    shipped.write_text(mini_deck_text(), encoding="utf-8")
    monkeypatch.setattr(decks, "bundled_paths", lambda: [shipped])
    _ok(runner, "interview", "2026-03-16")  # the first use loads the bundled deck, then books
    assert _questions(home) == 6 and _in_scope(runner) == 6
    shipped.write_text(mini_deck_text(5), encoding="utf-8")  # the next version: 4 more
    for args in (["status", "--json"], ["next", "--json"], [], ["interview"]):
        _ok(runner, *args)
    assert _questions(home) == 6 and _in_scope(runner) == 6 and _excluded(home) == []
    out = _ok(runner, "deck", "load")  # the bundled decks and yours
    assert out.startswith("added 4,"), out
    assert _last_line(out).startswith("Kept 4 new questions out of your interview plan's "
                                      "scope (it stays at 6 questions"), out
    assert _questions(home) == 10 and _in_scope(runner) == 6
    assert sorted(_excluded(home)) == ["alpha-4", "alpha-5", "beta-4", "beta-5"]
