"""Deck files: every checker error with file and line, loading, and the shipped deck."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import DECK_HEADER, mini_deck_text, question, text_reviews
from emdrill.cli.base import open_here
from emdrill.cli.main import app
from emdrill.core.deckfile import parse_bytes
from emdrill.core.errors import DeckError
from emdrill.ops import decks, grading
from emdrill.store import card_reads
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
    from emdrill.ops.grading import StoryAnswer

    path = tmp_path / "deck.toml"
    path.write_text(mini_deck_text(), encoding="utf-8")
    store = _open()
    assert decks.load_paths(store, [path], now=T0).added == 6
    grading.grade(store, Clock(now=T0, local=UTC), "alpha-2", intent=Rating.GOOD,
                  story=StoryAnswer(slot=1))
    graded = card_reads.load_card(store, "alpha-2")

    path.write_text(mini_deck_text().replace("Question alpha-2?", "Reworded alpha two?"),
                    encoding="utf-8")
    result = decks.load_paths(store, [path], now=T0)
    assert (result.added, result.updated, result.unchanged) == (0, 1, 5)
    edited = card_reads.load_card(store, "alpha-2")
    assert edited.question.text == "Reworded alpha two?"
    assert (edited.intent, edited.story) == (graded.intent, graded.story)

    without = mini_deck_text().split("\n[[questions]]\nid = \"alpha-2\"")[0]
    rest = mini_deck_text().split('id = "alpha-3"')[1]
    path.write_text(without + '\n[[questions]]\nid = "alpha-3"' + rest, encoding="utf-8")
    assert decks.load_paths(store, [path], now=T0).suspended == 1
    assert card_reads.load_card(store, "alpha-2").question.suspended
    assert "alpha-2" not in {c.id for c in card_reads.load_cards(store)}
    assert _review_count(store) == 1

    path.write_text(mini_deck_text(), encoding="utf-8")
    assert decks.load_paths(store, [path], now=T0).restored == 1
    back = card_reads.load_card(store, "alpha-2")
    assert not back.question.suspended and back.intent == graded.intent
    assert _review_count(store) == 1


def test_invalid_deck_loads_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(mini_deck_text().replace('family = "beta"', 'family = "nope"', 1),
                    encoding="utf-8")
    store = _open()
    with pytest.raises(DeckError, match="unknown family 'nope'"):
        decks.load_paths(store, [path], now=T0)
    assert card_reads.question_count(store) == 0


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


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new, fully migrated collection with nothing loaded, made once: each example copies
    the file instead of running every migration again."""
    path = tmp_path_factory.mktemp("empty") / "emdrill.db"
    open_store(path).close()
    return path


@settings(max_examples=60, deadline=None)
@given(edits=_MUTATIONS)
def test_mutated_deck_text_never_crashes_or_half_loads(empty_db: Path,
                                                      edits: list[tuple[int, int, str]]) -> None:
    text = mini_deck_text()
    for at, cut, insert in edits:
        at %= len(text) + 1
        text = text[:at] + insert + text[at + cut:]
    with tempfile.TemporaryDirectory() as folder:  # a fresh data folder for each example
        path = Path(folder) / "fuzz.toml"
        path.write_text(text, encoding="utf-8")
        files, problems = decks.check_paths([path])
        assert all(p.line >= 1 and str(path) in str(p) for p in problems)
        db = Path(folder) / "data" / "emdrill.db"
        db.parent.mkdir()
        shutil.copyfile(empty_db, db)
        store = open_store(db)
        try:
            decks.load_paths(store, [path], now=T0)
        except DeckError:
            assert card_reads.question_count(store) == 0
        else:
            assert not problems
            assert card_reads.question_count(store) == sum(len(f.questions) for f in files)
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
# (its content against the deck 2 requirements: test_deck_content.py)


def test_bundled_deck_passes_check(runner: CliRunner) -> None:
    result = runner.invoke(app, ["deck", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ")


def test_format_doc_example_passes_the_checker(tmp_path: Path) -> None:
    doc = (BUNDLED.parent / "README.md").read_text(encoding="utf-8")
    example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.toml"
    path.write_text(example, encoding="utf-8")
    _, problems = decks.check_paths([path], decks.bundled_context([path]))
    assert problems == []
    assert len(tomllib.loads(example)["questions"]) == 1


# ------------------------------------------------------------------ merging with `replaces`


def _merge_decks(tmp_path: Path) -> tuple[Path, str, str]:
    """Version 1 has alpha-1..3 and beta-1..3; version 2 drops alpha-2 and adds alpha-4,
    which replaces it."""
    path = tmp_path / "deck.toml"
    v1 = mini_deck_text()
    head, rest = v1.split('\n[[questions]]\nid = "alpha-2"', 1)
    rest = rest.split('\n[[questions]]\nid = "alpha-3"', 1)[1]
    v2 = (head + '\n[[questions]]\nid = "alpha-3"' + rest
          + question("alpha-4", "alpha", text="Merged alpha two?", replaces='["alpha-2"]'))
    return path, v1, v2


def _kept_columns(store: Store, qid: str) -> tuple[int, bool]:
    """What migration 3's triggers keep on a question: its review count, and whether it has
    a due time (only once seen)."""
    con = sqlite3.connect(store.path)
    reviews, due = con.execute("SELECT reviews, due FROM question WHERE id = ?", (qid,)).fetchone()
    return int(reviews), due is not None


def _review_owners(store: Store) -> list[str]:
    con = text_reviews(sqlite3.connect(store.path))
    return [r[0] for r in con.execute("SELECT question_id FROM review ORDER BY id")]


def test_replaces_moves_history_and_undo_still_works(tmp_path: Path) -> None:
    from emdrill.core.scheduler import Rating
    from emdrill.core.timing import Clock
    from emdrill.ops.grading import StoryAnswer

    path, v1, v2 = _merge_decks(tmp_path)
    path.write_text(v1, encoding="utf-8")
    store = _open()
    decks.load_paths(store, [path], now=T0)
    grading.grade(store, Clock(now=T0, local=UTC), "alpha-2", intent=Rating.GOOD,
                  story=StoryAnswer(verdict=False))
    graded = card_reads.load_card(store, "alpha-2")
    assert graded.intent != graded.story  # each facet's memory moves to its own facet

    path.write_text(v2, encoding="utf-8")
    result = decks.load_paths(store, [path], now=T0)
    assert (result.added, result.merged, result.suspended) == (1, 1, 0)
    assert "alpha-2" not in {c.id for c in card_reads.load_cards(store, include_suspended=True)}
    merged = card_reads.load_card(store, "alpha-4")
    assert (merged.intent, merged.story) == (graded.intent, graded.story)
    assert _review_owners(store) == ["alpha-4"]
    assert _kept_columns(store, "alpha-4") == (1, True)  # the triggers followed the move

    assert decks.load_paths(store, [path], now=T0).merged == 0  # loading again: nothing to do

    undone = grading.undo(store)
    assert undone.question_id == "alpha-4"
    assert _review_count(store) == 0
    assert card_reads.load_card(store, "alpha-4").is_new
    assert _kept_columns(store, "alpha-4") == (0, False)


def test_replaces_keeps_the_survivors_own_memory(tmp_path: Path) -> None:
    from datetime import timedelta

    from emdrill.core.scheduler import Rating
    from emdrill.core.timing import Clock
    from emdrill.ops.grading import StoryAnswer

    path, v1, v2 = _merge_decks(tmp_path)
    both = v1 + question("alpha-4", "alpha", text="Merged alpha two?")
    path.write_text(both, encoding="utf-8")
    store = _open()
    decks.load_paths(store, [path], now=T0)
    grading.grade(store, Clock(now=T0, local=UTC), "alpha-4", intent=Rating.EASY,
                  story=StoryAnswer(slot=1))
    own = card_reads.load_card(store, "alpha-4")
    later = Clock(now=T0 + timedelta(minutes=5), local=UTC)
    grading.grade(store, later, "alpha-2", intent=Rating.AGAIN, story=StoryAnswer())

    path.write_text(v2, encoding="utf-8")
    assert decks.load_paths(store, [path], now=T0).merged == 1
    kept = card_reads.load_card(store, "alpha-4")
    assert (kept.intent, kept.story) == (own.intent, own.story)
    assert _review_owners(store) == ["alpha-4", "alpha-4"]

    grading.undo(store)  # the moved review: deleted, and alpha-4's own memory stays
    assert _review_count(store) == 1
    after = card_reads.load_card(store, "alpha-4")
    assert (after.intent, after.story) == (own.intent, own.story)
    grading.undo(store)  # alpha-4's own review: back to new
    assert card_reads.load_card(store, "alpha-4").is_new


def test_replaces_moves_decoding_picks_and_mock_answers(tmp_path: Path) -> None:
    path, v1, v2 = _merge_decks(tmp_path)
    path.write_text(v1, encoding="utf-8")
    store = _open()
    decks.load_paths(store, [path], now=T0)
    con = sqlite3.connect(store.path)
    at = "2026-03-02T09:00:00.000000+00:00"
    con.execute("INSERT INTO intent_pick (question_id, picked, options, picked_at) VALUES "
                "('alpha-1', 'alpha-2', '[\"alpha-1\", \"alpha-2\", \"beta-1\"]', ?)", (at,))
    con.execute("INSERT INTO intent_pick (question_id, picked, options, picked_at) VALUES "
                "('alpha-2', 'alpha-2', '[\"beta-2\", \"alpha-2\"]', ?)", (at,))
    con.execute("INSERT INTO rehearsal (question_id, started_at, target_seconds, answer_seconds,"
                " check_intent, check_system, check_story, check_result, check_learning) "
                "VALUES ('alpha-2', ?, 120, 95.0, 1, 1, 0, 1, 0)", (at,))
    con.commit()
    con.close()

    path.write_text(v2, encoding="utf-8")
    assert decks.load_paths(store, [path], now=T0).merged == 1
    con = sqlite3.connect(store.path)
    picks = con.execute("SELECT question_id, picked, options FROM intent_pick ORDER BY id")
    assert [(q, p, json.loads(o)) for q, p, o in picks] == [
        ("alpha-1", "alpha-4", ["alpha-1", "alpha-4", "beta-1"]),
        ("alpha-4", "alpha-4", ["beta-2", "alpha-4"])]
    assert con.execute("SELECT question_id FROM rehearsal").fetchall() == [("alpha-4",)]
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (question("alpha-4", "alpha", replaces='["alpha-1"]'),
         "'alpha-4' replaces 'alpha-1', which is still in the deck"),
        (question("alpha-4", "alpha", replaces='["alpha-4"]'),
         "question 'alpha-4' cannot replace itself"),
        (question("alpha-4", "alpha", replaces='["Not An Id"]'),
         "'Not An Id' in 'replaces' is not a question id"),
        (question("alpha-4", "alpha", replaces='["old-one"]')
         + question("alpha-5", "alpha", replaces='["old-one"]'),
         "'old-one' is already replaced by 'alpha-4'"),
    ],
)
def test_replaces_problems(tmp_path: Path, extra: str, message: str) -> None:
    path = tmp_path / "deck.toml"
    path.write_text(mini_deck_text() + extra, encoding="utf-8")
    problems = _problems(path)
    line = _line_of(path, "replaces = ") if "already" not in message else max(
        i for i, text in enumerate(path.read_text().splitlines(), 1) if "replaces" in text)
    assert any(p.startswith(f"{path}:{line}: ") and message in p for p in problems), problems


def test_sibling_may_not_point_at_a_replaced_id(tmp_path: Path) -> None:
    path, v1, v2 = _merge_decks(tmp_path)
    path.write_text(v1, encoding="utf-8")
    store = _open()
    decks.load_paths(store, [path], now=T0)
    linked = v2.replace("siblings = []", 'siblings = ["alpha-2"]', 1)
    path.write_text(linked, encoding="utf-8")
    with pytest.raises(DeckError, match="sibling 'alpha-2' was merged into 'alpha-4'"):
        decks.load_paths(store, [path], now=T0)
    assert {c.id for c in card_reads.load_cards(store)} >= {"alpha-2"}  # nothing written


def test_replacing_another_decks_question_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deck.toml"
    path.write_text(mini_deck_text(), encoding="utf-8")
    store = _open()
    decks.load_paths(store, [path], now=T0)
    other = tmp_path / "other.toml"
    other.write_text('[deck]\nid = "other"\nname = "Other"\nversion = "1"\n'
                     + question("other-1", "alpha", replaces='["alpha-1"]'), encoding="utf-8")
    with pytest.raises(DeckError, match="'alpha-1' belongs to deck 'mini'"):
        decks.load_paths(store, [other], now=T0)


# ------------------------------------------------------------------ near-duplicate warnings


def test_check_warns_about_cards_that_read_alike(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "alike.toml"
    path.write_text(DECK_HEADER + "".join([
        question("alpha-1", "alpha", text="How do you grow a first-time manager?",
                 intent="Can you coach a new manager without running their team for them?"),
        question("alpha-2", "alpha", text="Tell me about a production outage you ran.",
                 intent="Do you stay calm and organise the incident response?"),
        question("beta-1", "beta", text="How do you develop someone who just became a manager?",
                 intent="Can you coach a new manager at one remove, not run their team?"),
    ]).replace('probes = ["first probe", "second probe"]\n', 'probes = ["a", "b"]\n'),
        encoding="utf-8")
    result = runner.invoke(app, ["deck", "check", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    beta_intent = next(i for i, text in enumerate(path.read_text().splitlines(), 1)
                   if text.startswith('intent = "Can you coach a new manager at'))
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}:{beta_intent}: warning: intent reads like 'alpha-1' (0.")
    assert lines[1] == "ok: 1 file(s), 3 questions in 2 families (1 warning)"


def test_bundled_deck_has_no_near_duplicates() -> None:
    files = [decks.parse_file(p) for p in decks.bundled_paths()]
    assert [str(w) for w in decks.warnings(files)] == []


def test_a_text_parsed_again_gives_its_own_content_not_an_earlier_ones(tmp_path: Path) -> None:
    """The TOML of a deck text is kept for the next parse of the same text in the process;
    the same path with new content, or the same content under a new path, reads as written."""
    first = mini_deck_text().encode()
    edited = first.replace(b'name = "Mini deck"', b'name = "Edited deck"')
    assert edited != first
    one = parse_bytes(tmp_path / "a.toml", first)
    again = parse_bytes(tmp_path / "a.toml", edited)
    elsewhere = parse_bytes(tmp_path / "b.toml", first)
    assert (one.name, again.name, elsewhere.name) == ("Mini deck", "Edited deck", "Mini deck")
    assert [q.id for q in one.questions] == [q.id for q in elsewhere.questions]
    assert elsewhere.path == tmp_path / "b.toml" and not elsewhere.problems
