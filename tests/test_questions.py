"""Your own questions through the command line: `suggest`, `add`, `import`, and what the data
folder holds afterwards (emdrill.ops.suggestions, emdrill.ops.questions, emdrill.cli.questions).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from emdrill.cli.main import app
from emdrill.core import userdeck
from emdrill.core.deckfile import parse_bytes

DATA = Path(__file__).resolve().parent / "data"
FRICTION = "How do you deal with friction between two of your engineers?"


def _ok(runner: CliRunner, *args: str, input: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def _deck(home: Path, name: str) -> list[dict[str, Any]]:
    """The questions of a user deck file, as TOML gives them."""
    import tomllib

    data = tomllib.loads((home / "decks" / f"{name}.toml").read_text(encoding="utf-8"))
    return list(data.get("questions", []))


def _row(home: Path, qid: str) -> tuple[str, int, int]:
    """(text, reviews, suspended) of a question as stored."""
    con = sqlite3.connect(home / "emdrill.db")
    try:
        text, reviews, suspended = con.execute(
            "SELECT text, reviews, suspended FROM question WHERE id = ?", (qid,)).fetchone()
    finally:
        con.close()
    return str(text), int(reviews), int(suspended)


# ---------------------------------------------------------------- suggest


@pytest.mark.usefixtures("suggested")
def test_suggest_json_has_the_stable_shape(runner: CliRunner) -> None:
    got = json.loads(_ok(runner, "suggest", "--json", FRICTION))
    assert list(got) == ["question", "family", "story", "also", "confidence", "nearest",
                         "intent", "basis", "candidates"]
    assert got["question"] == FRICTION and got["family"] == "conflict"
    assert got["story"] == "system" or got["story"] in range(1, 9)
    assert 0 <= got["confidence"] <= 1
    # Below the similarity floor no intent is drafted: the nearest cards' intents instead.
    assert bool(got["intent"]) != bool(got["candidates"])
    assert bool(got["intent"]) == bool(got["basis"])
    assert all(set(c) == {"id", "intent", "score"} for c in got["candidates"])
    assert got["nearest"] and all(list(n) == ["id", "score"] for n in got["nearest"])


@pytest.mark.usefixtures("suggested")
def test_suggest_reads_stdin_in_order(runner: CliRunner) -> None:
    asked = ["Tell me about yourself.", "", FRICTION, "How do you handle scope creep?"]
    got = json.loads(_ok(runner, "suggest", "--json", input="\n".join(asked) + "\n"))
    assert [g["question"] for g in got] == [a for a in asked if a]
    assert got[0]["story"] == "system"
    assert got[1]["family"] == "conflict" and got[2]["family"] == "delivery"
    one = json.loads(_ok(runner, "suggest", "--json", input=FRICTION + "\n"))
    assert isinstance(one, list) and len(one) == 1


@pytest.mark.usefixtures("suggested")
def test_suggest_explains_which_cards_it_resembles(runner: CliRunner) -> None:
    out = _ok(runner, "suggest", FRICTION)
    assert "family      conflict (Conflict)" in out
    assert "like conflict-" in out and "friction" in out
    assert "(a draft)" in out or ("not drafted" in out and "\n              1. " in out)


@pytest.mark.usefixtures("fresh")
def test_the_model_is_cached_rebuilt_when_decks_change_and_when_damaged(
        runner: CliRunner, home: Path) -> None:
    first = json.loads(_ok(runner, "suggest", "--json", FRICTION))
    cache = home / "suggest-model.json"
    key = cache.read_text(encoding="utf-8").splitlines()[0]
    assert json.loads(_ok(runner, "suggest", "--json", FRICTION)) == first
    for damage in ("", key + "\n{not json", "\x00\xff garbage", key + '\n{"format": 4}',
                   "stale\n[1, 2]", "stale\n" + cache.read_text(encoding="utf-8")[:999], None):
        if damage is None:  # missing
            cache.unlink()
            assert json.loads(_ok(runner, "suggest", "--json", FRICTION)) == first
            continue
        cache.write_text(damage, encoding="utf-8")
        assert json.loads(_ok(runner, "suggest", "--json", FRICTION)) == first
        assert cache.read_text(encoding="utf-8").splitlines()[0] == key
    _ok(runner, "add", "--yes", "--family", "conflict", "--story", "7",
        "How do you settle a feud between two of your staff engineers?")
    assert cache.read_text(encoding="utf-8").splitlines()[0] == key  # a draft teaches nothing
    _ok(runner, "add", "--yes", "--family", "hiring", "--story", "4",
        "--intent", "Do you know what a bar raiser is for?",
        "How do you run a bar raiser programme?")
    _ok(runner, "suggest", "--json", FRICTION)
    assert cache.read_text(encoding="utf-8").splitlines()[0] != key


@pytest.mark.usefixtures("suggested")
def test_a_stale_cache_never_answers_for_the_old_deck(runner: CliRunner, home: Path) -> None:
    """After an add and after an edit the model is rebuilt, lending from the stale cache:
    its answer is the answer of a model built with no cache at all, and not the old one."""
    asked = "How do you calm a feud between two of your staff engineers?"
    cache = home / "suggest-model.json"

    def answer(*, cold: bool = False) -> Any:
        if cold:
            cache.unlink()
        return json.loads(_ok(runner, "suggest", "--json", asked))

    before = answer()
    _ok(runner, "add", "--family", "conflict", "--story", "7", "--intent",
        "Do you step in before it festers?", "--deck", "prep",
        "How do you settle a feud between two of your staff engineers?")
    [card] = _deck(home, "prep")
    added = answer()
    assert card["id"] in [n["id"] for n in added["nearest"]] and added != before
    assert answer(cold=True) == added
    deck = home / "decks" / "prep.toml"
    deck.write_text(deck.read_text(encoding="utf-8").replace(
        "settle a feud between two of your staff engineers", "plan a hackathon"),
        encoding="utf-8")
    _ok(runner, "deck", "load", str(deck))
    edited = answer()
    assert card["id"] not in [n["id"] for n in edited["nearest"]]
    assert answer(cold=True) == edited


def test_suggest_on_a_new_data_folder_loads_the_bundled_deck(runner: CliRunner,
                                                             home: Path) -> None:
    assert not home.exists()
    assert json.loads(_ok(runner, "suggest", "--json", FRICTION))["family"] == "conflict"


@pytest.mark.usefixtures("suggested")
def test_suggest_without_a_question(runner: CliRunner) -> None:
    got = json.loads(_ok(runner, "suggest", "--json", input=""))
    assert got == []


# ---------------------------------------------------------------- add


@pytest.mark.usefixtures("suggested")
def test_add_with_every_flag_writes_a_reviewed_card(runner: CliRunner, home: Path) -> None:
    out = _ok(runner, "add", "--family", "conflict", "--story", "7", "--intent",
              "Do you step in before it festers?", "--deck", "prep", FRICTION)
    assert "added " in out and str(home / "decks" / "prep.toml") in out
    [card] = _deck(home, "prep")
    assert (card["family"], card["story"], card["intent"]) == (
        "conflict", 7, "Do you step in before it festers?")
    assert card["draft"] == ["also", "probes", "system", "traits", "pitfall", "follow_ups"]
    assert _row(home, str(card["id"])) == (FRICTION, 0, 0)


@pytest.mark.usefixtures("suggested")
def test_add_without_flags_asks_then_marks_what_it_filled_in(runner: CliRunner,
                                                             home: Path) -> None:
    out = _ok(runner, "add", FRICTION, input="y\n\n")
    assert "Keep this family and story?" in out and "like conflict-" in out
    [card] = _deck(home, "my-questions")
    assert card["family"] == "conflict"
    assert "family" not in card["draft"] and "story" not in card["draft"]  # confirmed
    assert "intent" in card["draft"]
    checked = _ok(runner, "deck", "check")
    assert "1 question with drafts to review: run `emdrill drafts`" in checked
    assert f"'{card['id']}' has unreviewed fields" not in checked


@pytest.mark.usefixtures("suggested")
@pytest.mark.parametrize("answer", ["2", "Do you stop friction early?", ""])
def test_add_below_the_floor_asks_to_decode(runner: CliRunner, home: Path, answer: str) -> None:
    """No card is close enough to FRICTION to lend an intent: `add` shows the three nearest
    cards' intents and asks; Enter keeps the card a draft with the candidates recorded."""
    offered = json.loads(_ok(runner, "suggest", "--json", FRICTION))["candidates"]
    assert len(offered) == 3
    out = _ok(runner, "add", FRICTION, input=f"y\n{answer}\n")
    assert "No card is close enough" in out and offered[1]["intent"][:30] in out
    [card] = _deck(home, "my-questions")
    if answer:
        chosen = offered[1]["intent"] if answer == "2" else answer
        assert card["intent"] == chosen and "intent" not in card["draft"]
        assert "candidates" not in card
    else:
        assert card["intent"] == userdeck.UNDECODED and "intent" in card["draft"]
        assert card["candidates"] == [c["id"] for c in offered]


@pytest.mark.usefixtures("suggested")
def test_add_yes_takes_the_suggestion_unreviewed(runner: CliRunner, home: Path) -> None:
    _ok(runner, "add", "--yes", FRICTION)
    [card] = _deck(home, "my-questions")
    assert {"family", "story", "intent"} <= set(card["draft"])


@pytest.mark.usefixtures("suggested")
def test_add_declined_asks_for_family_and_story(runner: CliRunner, home: Path) -> None:
    out = _ok(runner, "add", FRICTION, input="n\nnope\nstakeholders\n9\n5\n\n")
    assert "stakeholders" in out
    [card] = _deck(home, "my-questions")
    assert (card["family"], card["story"]) == ("stakeholders", 5)
    assert not {"family", "story"} & set(card["draft"])


@pytest.mark.usefixtures("suggested")
def test_add_edit_opens_the_card_in_the_editor(runner: CliRunner, home: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "editor.py"
    script.write_text(textwrap.dedent("""
        import re, sys
        path = sys.argv[1]
        text = open(path, encoding="utf-8").read()
        text = re.sub(r'^pitfall = .*$', 'pitfall = "Picking a side."', text, flags=re.M)
        text = re.sub(r'^draft = \\[(.*)\\]$', lambda m: m.group(0).replace('"intent", ', ''),
                      text, flags=re.M)
        open(path, "w", encoding="utf-8").write(text)
        """), encoding="utf-8")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    _ok(runner, "add", "--yes", "--edit", "--family", "conflict", "--story", "7", FRICTION)
    [card] = _deck(home, "my-questions")
    assert card["pitfall"] == "Picking a side."
    assert "pitfall" not in card["draft"] and "intent" not in card["draft"]
    assert "probes" in card["draft"]


@pytest.mark.usefixtures("suggested")
def test_add_edit_that_breaks_the_card_keeps_the_text(runner: CliRunner, home: Path,
                                                     tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "editor.py"
    script.write_text("import sys\np = sys.argv[1]\nt = open(p).read()\n"
                      "open(p, 'w').write(t.replace('story = 7', 'story = 12'))\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    result = runner.invoke(app, ["add", "--yes", "--edit", "--family", "conflict", "--story",
                                 "7", FRICTION])
    assert result.exit_code == 1
    assert "edited card:" in result.output and "story slot 12 is outside 1-8" in result.output
    kept = list((home / "recovery").glob("add-*.toml"))
    assert len(kept) == 1 and "story = 12" in kept[0].read_text(encoding="utf-8")
    assert not (home / "decks" / "my-questions.toml").exists()


@pytest.mark.usefixtures("suggested")
def test_add_appends_and_keeps_the_users_own_edits(runner: CliRunner, home: Path) -> None:
    _ok(runner, "add", "--yes", FRICTION)
    path = home / "decks" / "my-questions.toml"
    path.write_text(path.read_text(encoding="utf-8") + "# my note\n", encoding="utf-8")
    _ok(runner, "add", "--yes", "What makes a good on-call rotation?")
    text = path.read_text(encoding="utf-8")
    assert "# my note" in text and len(_deck(home, "my-questions")) == 2


@pytest.mark.usefixtures("suggested")
def test_add_refuses_bad_input_and_writes_nothing(runner: CliRunner, home: Path) -> None:
    cases = [(["add", "--yes", "--family", "nope", FRICTION], "unknown family 'nope'"),
             (["add", "--yes", "   "], "the question is empty"),
             (["add", "--yes", "--deck", "em-core", FRICTION],
              "deck 'em-core' is already loaded from"),
             (["add", "--yes", "--deck", "My Deck", FRICTION], "must be lowercase words")]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        assert message in result.output
    assert not (home / "decks").exists() or not list((home / "decks").glob("*.toml"))
    _ok(runner, "add", "--yes", FRICTION)
    again = runner.invoke(app, ["add", "--yes", FRICTION.upper()])
    assert again.exit_code == 1 and "already holds this question as" in again.output
    bad = runner.invoke(app, ["add", "--story", "12", "How do you run a retro?"])
    assert bad.exit_code == 2 and "'12' is not a slot 1-8 or system" in bad.output


@pytest.mark.usefixtures("suggested")
@pytest.mark.parametrize("word", ["system", "9", "SYSTEM"])
def test_add_takes_a_system_answer_as_grade_does(runner: CliRunner, home: Path,
                                                  word: str) -> None:
    _ok(runner, "add", "--yes", "--story", word, "--family", "technical",
        "How do you choose between building and buying a platform?")
    assert _deck(home, "my-questions")[0]["story"] == "system"


@pytest.mark.usefixtures("suggested")
def test_a_question_added_today_comes_first(runner: CliRunner, home: Path) -> None:
    before = json.loads(_ok(runner, "next", "--json"))
    assert before and before[0]["new"]
    _ok(runner, "add", "--yes", FRICTION)
    qid = str(_deck(home, "my-questions")[0]["id"])
    after = json.loads(_ok(runner, "next", "--json"))
    assert after[0]["id"] == qid
    assert [i["id"] for i in after[1:]] == [i["id"] for i in before][:len(after) - 1]
    _ok(runner, "deck", "load")  # a reload keeps it first
    assert json.loads(_ok(runner, "next", "--json"))[0]["id"] == qid
    _ok(runner, "grade", qid, "--intent", "good", "--story", "7")
    assert _row(home, qid)[1] == 1


# ---------------------------------------------------------------- import

LIST_ROWS = ["How do you handle conflicts within your team?",
             "Describe a time you had to let someone go.",
             "How do you keep your team motivated during a long crunch?"]


def _write_list(path: Path, rows: list[str]) -> None:
    """The rows in the format the file's suffix names."""
    if path.suffix == ".csv":
        body = "question,category\n" + "".join(f'"{r}",Leadership\n' for r in rows)
    elif path.suffix == ".tsv":
        body = "category\tquestion\n" + "".join(f"Leadership\t{r}\n" for r in rows)
    elif path.suffix == ".md":
        body = "# Prep\n\n## Leadership\n" + "".join(f"- {r}\n" for r in rows)
    else:
        body = "".join(f"{r}\n" for r in rows)
    path.write_text(body, encoding="utf-8")


@pytest.mark.usefixtures("suggested")
@pytest.mark.parametrize("name", ["list.csv", "list.tsv", "list.txt", "list.md"])
def test_import_round_trip(runner: CliRunner, home: Path, tmp_path: Path, name: str) -> None:
    source = tmp_path / name
    _write_list(source, LIST_ROWS)
    out = _ok(runner, "import", str(source))
    assert "added 3" in out and "3 new" in out
    deck = home / "decks" / "list.toml"
    cards = _deck(home, "list")
    assert [c["text"] for c in cards] == LIST_ROWS
    assert all(str(c["source"]).startswith(f"{name}:") for c in cards)
    written = deck.read_bytes()
    again = _ok(runner, "import", str(source))
    assert "added 0" in again and "3 unchanged" in again
    assert deck.read_bytes() == written
    assert _ok(runner, "deck", "check").startswith("3 questions with drafts to review: run "
                                                    "`emdrill drafts`")


@pytest.mark.usefixtures("suggested")
def test_an_edited_row_keeps_its_card_and_history(runner: CliRunner, home: Path,
                                                 tmp_path: Path) -> None:
    source = tmp_path / "prep.csv"
    _write_list(source, LIST_ROWS)
    _ok(runner, "import", str(source))
    ids = [str(c["id"]) for c in _deck(home, "prep")]
    _ok(runner, "grade", ids[1], "--intent", "good", "--story", "1")
    edited = ["Which new hire surprised you most, and why?", LIST_ROWS[0],
              "Describe a time you had to let an engineer go.", LIST_ROWS[2]]
    _write_list(source, edited)
    out = _ok(runner, "import", str(source))
    assert "added 1" in out and "1 edited" in out
    cards = _deck(home, "prep")
    assert [c["text"] for c in cards] == edited
    assert [str(c["id"]) for c in cards][1:] == ids
    assert _row(home, ids[1]) == (edited[2], 1, 0)
    _write_list(source, edited[:2])
    out = _ok(runner, "import", str(source))
    assert "suspended 2" in out and ids[1] in out
    assert _row(home, ids[1])[1:] == (1, 1)
    _write_list(source, edited)
    assert "restored 2" in _ok(runner, "import", str(source))
    assert _row(home, ids[1]) == (edited[2], 1, 0)


@pytest.mark.usefixtures("suggested")
def test_reviewed_fields_survive_a_reimport(runner: CliRunner, home: Path,
                                            tmp_path: Path) -> None:
    source = tmp_path / "prep.txt"
    _write_list(source, LIST_ROWS)
    _ok(runner, "import", str(source))
    path = home / "decks" / "prep.toml"
    text = path.read_text(encoding="utf-8")
    first = str(_deck(home, "prep")[0]["intent"])
    text = text.replace(f"intent = {json.dumps(first)}", 'intent = "My own reading."', 1)
    path.write_text(text.replace('draft = ["intent", ', "draft = [", 1), encoding="utf-8")
    _write_list(source, ["How do you handle conflicts inside your team?", *LIST_ROWS[1:]])
    out = _ok(runner, "import", str(source))
    assert "1 edited" in out
    card = _deck(home, "prep")[0]
    assert card["intent"] == "My own reading." and "intent" not in card["draft"]


@pytest.mark.usefixtures("suggested")
def test_import_dry_run_writes_nothing(runner: CliRunner, home: Path, tmp_path: Path) -> None:
    source = tmp_path / "list.md"
    _write_list(source, LIST_ROWS)
    out = _ok(runner, "import", "--dry-run", str(source))
    assert "dry run: nothing written" in out and "3 new" in out
    assert "How do you handle conflicts within your team?" in out
    assert not (home / "decks").exists()


@pytest.mark.usefixtures("suggested")
def test_import_the_real_list_with_duplicates_and_a_named_deck(runner: CliRunner, home: Path,
                                                               tmp_path: Path) -> None:
    source = tmp_path / "chitamoor-em.tsv"
    shutil.copy(DATA / "chitamoor-em.tsv", source)
    with source.open("a", encoding="utf-8") as fh:
        fh.write("x\tx\tx\tHow do you handle conflicts within your team?\n")
    out = _ok(runner, "import", "--deck", "em-prep", str(source))
    assert "117 new, 1 duplicate" in out and "duplicate of line 3" in out
    cards = _deck(home, "em-prep")
    assert len(cards) == 117 and len({c["id"] for c in cards}) == 117
    review = [c for c in cards if "story" in c["draft"]]
    assert 0 < len(review) < len(cards)
    deck = parse_bytes(home / "decks" / "em-prep.toml",
                       (home / "decks" / "em-prep.toml").read_bytes())
    assert not deck.problems


@pytest.mark.usefixtures("suggested")
def test_bad_rows_are_reported_as_file_and_line(runner: CliRunner, home: Path,
                                               tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text('question,category\n"Fine?",A\n"",B\nok?,C,extra\n', encoding="utf-8")
    result = runner.invoke(app, ["import", str(source)])
    assert result.exit_code == 1
    assert f"emdrill: {source}:3: empty question" in result.output
    assert f"emdrill: {source}:4: 3 columns where the header has 2" in result.output
    assert not (home / "decks").exists()
    missing = runner.invoke(app, ["import", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 1 and "cannot read" in missing.output


@pytest.mark.usefixtures("suggested")
def test_a_family_column_naming_a_family_is_taken(runner: CliRunner, home: Path,
                                            tmp_path: Path) -> None:
    source = tmp_path / "sorted.csv"
    source.write_text("question,family\nWhat is your favourite programming book?,Hiring and "
                      "team building\n", encoding="utf-8")
    _ok(runner, "import", str(source))
    [card] = _deck(home, "sorted")
    assert card["family"] == "hiring" and "family" not in card["draft"]


def test_suggest_reads_without_the_orm_once_the_collection_exists(runner: CliRunner,
                                                                  home: Path) -> None:
    _ok(runner, "status")
    code = ("import sys\nfrom emdrill.cli.main import main\nsys.argv = ['emdrill', 'suggest', "
            f"{FRICTION!r}]\ntry:\n    main()\nexcept SystemExit as exit:\n"
            "    assert not exit.code, exit.code\n"
            "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sqlalchemy', 'sqlmodel')))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert "family      conflict" in done.stdout
    assert "LOADED []" in done.stdout


@pytest.mark.usefixtures("fresh")
def test_suggest_on_a_newer_database_refuses_as_every_command_does(runner: CliRunner,
                                                                   home: Path) -> None:
    _ok(runner, "status")
    con = sqlite3.connect(home / "emdrill.db")
    con.execute("PRAGMA user_version=999")
    con.commit()
    con.close()
    result = runner.invoke(app, ["suggest", FRICTION])
    assert result.exit_code == 1 and "newer than this emdrill" in result.output
