"""Deck files: every checker error with file and line, loading, and the shipped deck."""

from __future__ import annotations

import sqlite3
import tempfile
import tomllib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import DECK_HEADER, mini_deck_text, question
from emdrill.cli.base import open_here
from emdrill.cli.main import app
from emdrill.core.errors import DeckError
from emdrill.ops import collection, decks
from emdrill.store import cards as store_cards
from emdrill.store.db import Store, open_store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BUNDLED = Path(__file__).resolve().parents[1] / "decks" / "em-core.toml"


def _problems(path: Path) -> list[str]:
    _, problems = decks.check_paths([path])
    return [str(p) for p in problems]


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ('family = "beta"', 'family = "gamma"', 'family = "gamma"', "unknown family 'gamma'"),
        ("story = 5", "story = 9", "story = 9", "story slot 9 is outside 1-8"),
        ('system = "team"', 'system = "office"', 'system = "office"', "unknown system 'office'"),
        ('traits = ["ownership"]', 'traits = ["charisma"]', "charisma", "unknown trait 'charisma'"),
        ('intent = "Can you handle beta-1?"', 'intent = "  "', 'intent = "  "',
         "'intent' is empty"),
        ('siblings = []', 'siblings = ["nowhere-9"]', "nowhere-9",
         "sibling 'nowhere-9' points nowhere"),
        ('probes = ["first probe", "second probe"]', 'probes = ["only one"]', "only one",
         "'probes' needs 2 to 4 entries"),
        ('pitfall = "Answering the literal question."', 'pitfal = "typo"', "pitfal =",
         "unknown key 'pitfal'"),
    ],
)
def test_each_problem_has_file_and_line(tmp_path: Path, old: str, new: str, needle: str,
                                        message: str) -> None:
    text = mini_deck_text()
    marker = 'id = "beta-1"'
    head, tail = text.split(marker, 1)
    path = tmp_path / "deck.toml"
    path.write_text(head + marker + tail.replace(old, new, 1), encoding="utf-8")
    expected = f"{path}:{_line_of(path, needle)}: {message}"
    problems = _problems(path)
    assert any(p.startswith(expected) for p in problems), problems


def test_duplicate_id_names_both_places(tmp_path: Path) -> None:
    path = tmp_path / "dup.toml"
    path.write_text(DECK_HEADER + question("alpha-1", "alpha") + question("alpha-1", "beta"),
                    encoding="utf-8")
    second = [i for i, line in enumerate(path.read_text().splitlines(), 1)
              if 'id = "alpha-1"' in line][1]
    assert _problems(path) == [f"{path}:{second}: duplicate question id 'alpha-1' "
                               "(also in this file)"]


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    one = tmp_path / "one.toml"
    one.write_text(mini_deck_text(), encoding="utf-8")
    two = tmp_path / "two.toml"
    two.write_text(DECK_HEADER.replace('id = "mini"', 'id = "other"').split("[[families]]")[0]
                   + question("alpha-1", "alpha"), encoding="utf-8")
    _, problems = decks.check_paths([one, two])
    line = _line_of(two, 'id = "alpha-1"')
    assert [str(p) for p in problems] == [
        f"{two}:{line}: duplicate question id 'alpha-1' (also in {one})"]


def test_toml_syntax_error_has_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(mini_deck_text().replace('text = "Question beta-2?"', 'text = "unclosed'),
                    encoding="utf-8")
    problems = _problems(path)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:{_line_of(path, 'unclosed')}: TOML syntax error")


def test_missing_deck_table_and_missing_key(tmp_path: Path) -> None:
    path = tmp_path / "bare.toml"
    body = question("x-1", "alpha").replace('pitfall = "Answering the literal question."\n', "")
    path.write_text(body, encoding="utf-8")
    problems = _problems(path)
    assert f"{path}:1: missing [deck] table (id, name, version, description)" in problems
    assert any("question 'x-1' is missing 'pitfall'" in p for p in problems)


def test_cli_check_exit_codes(runner: CliRunner, mini_deck: Path, tmp_path: Path) -> None:
    ok = runner.invoke(app, ["deck", "check", str(mini_deck)])
    assert ok.exit_code == 0
    assert "ok: 1 file(s), 6 questions in 2 families" in ok.output
    bad = tmp_path / "bad.toml"
    bad.write_text(mini_deck_text().replace("story = 5", "story = 0", 1), encoding="utf-8")
    result = runner.invoke(app, ["deck", "check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:" in result.output and "outside 1-8" in result.output


# ------------------------------------------------------------------ loading


def _open() -> Store:
    return open_here(autoload=False)


def _review_count(store: Store) -> int:
    return int(sqlite3.connect(store.path).execute("SELECT count(*) FROM review").fetchone()[0])


def test_edit_keeps_progress_remove_suspends_readd_restores(tmp_path: Path) -> None:
    from emdrill.core.scheduler import Rating
    from emdrill.core.timing import Clock
    from emdrill.ops.collection import StoryAnswer

    path = tmp_path / "deck.toml"
    path.write_text(mini_deck_text(), encoding="utf-8")
    store = _open()
    assert decks.load_paths(store, [path], now=T0).added == 6
    collection.grade(store, Clock(now=T0, local=UTC), "alpha-2", intent=Rating.GOOD,
                     story=StoryAnswer(slot=1))
    graded = store_cards.load_card(store, "alpha-2")

    path.write_text(mini_deck_text().replace("Question alpha-2?", "Reworded alpha two?"),
                    encoding="utf-8")
    result = decks.load_paths(store, [path], now=T0)
    assert (result.added, result.updated, result.unchanged) == (0, 1, 5)
    edited = store_cards.load_card(store, "alpha-2")
    assert edited.question.text == "Reworded alpha two?"
    assert (edited.intent, edited.story) == (graded.intent, graded.story)

    without = mini_deck_text().split("\n[[questions]]\nid = \"alpha-2\"")[0]
    rest = mini_deck_text().split('id = "alpha-3"')[1]
    path.write_text(without + '\n[[questions]]\nid = "alpha-3"' + rest, encoding="utf-8")
    assert decks.load_paths(store, [path], now=T0).suspended == 1
    assert store_cards.load_card(store, "alpha-2").question.suspended
    assert "alpha-2" not in {c.id for c in store_cards.load_cards(store)}
    assert _review_count(store) == 1

    path.write_text(mini_deck_text(), encoding="utf-8")
    assert decks.load_paths(store, [path], now=T0).restored == 1
    back = store_cards.load_card(store, "alpha-2")
    assert not back.question.suspended and back.intent == graded.intent
    assert _review_count(store) == 1


def test_invalid_deck_loads_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(mini_deck_text().replace('family = "beta"', 'family = "nope"', 1),
                    encoding="utf-8")
    store = _open()
    with pytest.raises(DeckError, match="unknown family 'nope'"):
        decks.load_paths(store, [path], now=T0)
    assert store_cards.question_count(store) == 0


def test_cli_load_and_list(runner: CliRunner, mini_deck: Path) -> None:
    loaded = runner.invoke(app, ["deck", "load", str(mini_deck)])
    assert loaded.exit_code == 0
    assert loaded.output.strip() == ("added 6, updated 0, unchanged 0, suspended 0, "
                                     "restored 0")
    listing = runner.invoke(app, ["deck", "list"])
    assert "Mini deck" in listing.output and "alpha" in listing.output
    assert "6 active questions" in listing.output


_MUTATIONS = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 40),
                                st.text(max_size=12)), max_size=4)


@settings(max_examples=60, deadline=None)
@given(edits=_MUTATIONS)
def test_mutated_deck_text_never_crashes_or_half_loads(edits: list[tuple[int, int, str]]) -> None:
    text = mini_deck_text()
    for at, cut, insert in edits:
        at %= len(text) + 1
        text = text[:at] + insert + text[at + cut:]
    with tempfile.TemporaryDirectory() as folder:  # a fresh data folder for each example
        path = Path(folder) / "fuzz.toml"
        path.write_text(text, encoding="utf-8")
        files, problems = decks.check_paths([path])
        assert all(p.line >= 1 and str(path) in str(p) for p in problems)
        store = open_store(Path(folder) / "data" / "emdrill.db")
        try:
            decks.load_paths(store, [path], now=T0)
        except DeckError:
            assert store_cards.question_count(store) == 0
        else:
            assert not problems
            assert store_cards.question_count(store) == sum(len(f.questions) for f in files)
        finally:
            store.close()


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_random_text_never_crashes_the_checker(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.toml"
        path.write_text(text, encoding="utf-8")
        _, problems = decks.check_paths([path])
        assert problems  # random text is never a complete deck


# ------------------------------------------------------------------ the shipped deck


def test_bundled_deck_passes_check(runner: CliRunner) -> None:
    result = runner.invoke(app, ["deck", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ")


def test_bundled_deck_meets_the_counts() -> None:
    data = tomllib.loads(BUNDLED.read_text(encoding="utf-8"))
    questions = data["questions"]
    families = Counter(q["family"] for q in questions)
    assert set(families) == {"decisions", "underperformance", "growth", "motivation",
                             "delivery", "hiring", "stakeholders", "conflict", "technical",
                             "failure", "ownership", "pressure"}
    assert len(questions) >= 144
    assert min(families.values()) >= 10
    slots = {s["slot"]: s for s in data["slots"]}
    assert sorted(slots) == list(range(1, 9))
    assert all(len(s["must_include"]) >= 3 for s in slots.values())
    primary = Counter(q["story"] for q in questions)
    assert all(primary[n] >= 6 for n in range(1, 9)), primary
    with_siblings = Counter(q["family"] for q in questions if q.get("siblings"))
    assert all(with_siblings[f] >= 2 for f in families), with_siblings
    by_id = {q["id"]: q for q in questions}
    for q in questions:
        for other in q.get("siblings", []):
            assert q["id"] in by_id[other]["siblings"], (q["id"], other)
            assert by_id[other]["intent"] != q["intent"]


def test_bundled_deck_phrasing_is_varied() -> None:
    questions = tomllib.loads(BUNDLED.read_text(encoding="utf-8"))["questions"]
    openers = Counter(" ".join(q["text"].split()[:2]).lower() for q in questions)
    assert len(openers) >= 12
    assert openers.most_common(1)[0][1] < len(questions) / 2
    assert len({q["intent"] for q in questions}) == len(questions)


def test_format_doc_example_passes_the_checker(tmp_path: Path) -> None:
    doc = (BUNDLED.parent / "README.md").read_text(encoding="utf-8")
    example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.toml"
    path.write_text(example, encoding="utf-8")
    _, problems = decks.check_paths([path], decks.bundled_context([path]))
    assert problems == []
    assert len(tomllib.loads(example)["questions"]) == 1
