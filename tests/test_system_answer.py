"""The system answer: a question no core story fits, answered with the user's system and a
short example. Deck format, rating rule, grade and batch, JSON, the drill, the back, coverage,
and the migration that lets the store hold it."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import procs
from conftest import DECK_HEADER, question, text_reviews
from emdrill.cli.base import open_here
from emdrill.cli.main import app
from emdrill.core.cards import SYSTEM_ANSWER, Question, Slot, story_json, story_label
from emdrill.core.scheduler import Rating, story_rating
from emdrill.ops import decks
from emdrill.ops.grading import StoryAnswer
from emdrill.store.db import open_store
from emdrill.store.migrations import LATEST, M001_INITIAL, M002_STORIES_SYSTEMS
from emdrill.ui.back import compose_back
from shared import cli

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def system_deck_text() -> str:
    """alpha-1 is a system answer (slot 1 also acceptable); alpha-2 and beta-1 are stories."""
    return (DECK_HEADER + question("alpha-1", "alpha", story="system", also="[1]")
            + question("alpha-2", "alpha", story=1, also="[]")
            + question("beta-1", "beta", story=5, also="[]"))


@pytest.fixture
def system_deck(tmp_path: Path) -> Path:
    path = tmp_path / "system.toml"
    path.write_text(system_deck_text(), encoding="utf-8")
    return path


@pytest.fixture
def loaded(runner: CliRunner, system_deck: Path) -> CliRunner:
    result = runner.invoke(app, ["deck", "load", str(system_deck)])
    assert result.exit_code == 0, result.output
    return runner


# ------------------------------------------------------------------ the format


def test_system_parses_and_other_words_do_not(tmp_path: Path, system_deck: Path) -> None:
    files, problems = decks.check_paths([system_deck])
    assert problems == []
    stories = {q.id: q.story for q in files[0].questions}
    assert stories == {"alpha-1": SYSTEM_ANSWER, "alpha-2": 1, "beta-1": 5}
    assert files[0].questions[0].system_answer

    for bad, message in [('"systems"', "must be a slot 1-8 or \"system\""),
                         ("9", "story slot 9 is outside 1-8"),
                         ("true", "must be a slot 1-8 or \"system\"")]:
        path = tmp_path / "bad.toml"
        path.write_text(system_deck_text().replace('story = "system"', f"story = {bad}"),
                        encoding="utf-8")
        line = next(n for n, text in enumerate(path.read_text().splitlines(), 1)
                    if text.startswith("story = ") and "1" not in text and "5" not in text)
        found = [str(p) for p in decks.check_paths([path])[1]]
        assert any(p.startswith(f"{path}:{line}: ") and message in p for p in found), found


def test_also_may_name_the_system_answer(tmp_path: Path) -> None:
    """A story question may accept a system answer as an alternate; a system question may
    not list itself, and other words stay refused."""
    path = tmp_path / "also.toml"
    path.write_text(DECK_HEADER + question("alpha-1", "alpha", also='[2, "system"]'),
                    encoding="utf-8")
    files, problems = decks.check_paths([path])
    assert problems == []
    assert files[0].questions[0].also == (2, SYSTEM_ANSWER)
    for also, message in [('["system"]', '"system" is already the primary story'),
                          ('["systems"]', "'also' must be a list of slot numbers")]:
        path.write_text(DECK_HEADER + question("alpha-1", "alpha", story="system", also=also),
                        encoding="utf-8")
        found = [str(p) for p in decks.check_paths([path])[1]]
        assert any(message in p for p in found), found


def test_grade_accepts_an_alternate_system_answer(tmp_path: Path, runner: CliRunner,
                                                  home: Path) -> None:
    path = tmp_path / "also.toml"
    path.write_text(DECK_HEADER + question("alpha-1", "alpha", story=2, also='["system"]'),
                    encoding="utf-8")
    assert runner.invoke(app, ["deck", "load", str(path)]).exit_code == 0
    close = runner.invoke(app, ["grade", "alpha-1", "--intent", "good", "--story", "system"])
    assert close.exit_code == 0, close.output
    assert "story close" in close.output
    shown = json.loads(runner.invoke(app, ["show", "alpha-1", "--json"]).stdout)
    assert shown["also"] == ["system"]
    assert _reviews(home) == [("alpha-1", 2, SYSTEM_ANSWER)]


def test_labels() -> None:
    assert (story_label(SYSTEM_ANSWER), story_label(3)) == ("system", "3")
    assert (story_json(SYSTEM_ANSWER), story_json(3), story_json(None)) == ("system", 3, None)


# ------------------------------------------------------------------ the rating rule


def test_rating_rule_for_system_and_slot_questions() -> None:
    # a system question: system is right, an acceptable slot is close, any other slot wrong
    assert story_rating(SYSTEM_ANSWER, primary=SYSTEM_ANSWER, also=(1,)) == Rating.GOOD
    assert story_rating(1, primary=SYSTEM_ANSWER, also=(1,)) == Rating.HARD
    assert story_rating(2, primary=SYSTEM_ANSWER, also=(1,)) == Rating.AGAIN
    assert story_rating(None, primary=SYSTEM_ANSWER, also=(1,)) == Rating.AGAIN
    # a story question: naming the system is wrong, unless its `also` accepts it
    assert story_rating(SYSTEM_ANSWER, primary=3, also=(5,)) == Rating.AGAIN
    assert story_rating(SYSTEM_ANSWER, primary=3, also=(5, SYSTEM_ANSWER)) == Rating.HARD


def test_story_answer_spellings() -> None:
    assert StoryAnswer.parse("system") == StoryAnswer(slot=SYSTEM_ANSWER)
    assert StoryAnswer.parse(" System ") == StoryAnswer(slot=SYSTEM_ANSWER)
    assert StoryAnswer.parse("0") == StoryAnswer()  # "not sure" never collides with it
    from emdrill.core.errors import InputError

    with pytest.raises(InputError, match="slot 1-8, system, 0"):
        StoryAnswer.parse("9")  # 9 is only the drill's key


# ------------------------------------------------------------------ grade, batch, JSON


def _reviews(home: Path) -> list[tuple[str, int, int | None]]:
    con = text_reviews(sqlite3.connect(home / "emdrill.db"))
    try:
        return con.execute("SELECT question_id, story_rating, slot_named FROM review "
                           "ORDER BY id").fetchall()
    finally:
        con.close()


def test_grade_names_the_system_answer(loaded: CliRunner, home: Path) -> None:
    right = loaded.invoke(app, ["grade", "alpha-1", "--intent", "good", "--story", "system"])
    assert right.exit_code == 0, right.output
    assert "story right (system answer)" in right.output
    wrong = loaded.invoke(app, ["grade", "alpha-2", "--intent", "good", "--story", "system"])
    assert "story wrong (slot 1)" in wrong.output
    close = loaded.invoke(app, ["grade", "alpha-1", "--intent", "good", "--story", "1"])
    assert "story close (system answer)" in close.output
    assert _reviews(home) == [("alpha-1", 3, SYSTEM_ANSWER), ("alpha-2", 1, SYSTEM_ANSWER),
                              ("alpha-1", 2, 1)]


def test_batch_json_says_system(loaded: CliRunner, home: Path) -> None:
    lines = [json.dumps({"id": "alpha-1", "intent": "good", "story": "system"}),
             json.dumps({"id": "beta-1", "intent": "good", "story": "system"})]
    result = loaded.invoke(app, ["grade", "--batch"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert _reviews(home) == [("alpha-1", 3, SYSTEM_ANSWER), ("beta-1", 1, SYSTEM_ANSWER)]
    bad = loaded.invoke(app, ["grade", "--batch"],
                        input=json.dumps({"id": "alpha-1", "intent": "good", "story": 9}))
    assert bad.exit_code == 1 and "stdin:1: story '9'" in bad.stderr


def test_shaky_shows_system(loaded: CliRunner) -> None:
    loaded.invoke(app, ["grade", "alpha-1", "--intent", "again", "--story", "0"])
    data = json.loads(loaded.invoke(app, ["shaky", "--json"]).stdout)
    first = data["questions"][0]
    assert (first["id"], first["story"], first["story_name"]) == ("alpha-1", "system",
                                                                  "System answer")
    text = loaded.invoke(app, ["shaky"]).stdout
    assert "story     system · System answer" in text


# ------------------------------------------------------------------ the back


SYSTEM_QUESTION = Question(
    id="failure-recent-mistake", deck="em-core", family="failure",
    text="What's a mistake you made recently?", intent="Do you still catch your own errors?",
    story=SYSTEM_ANSWER, also=(), system="team", probes=("a small real mistake", "the fix"),
    pitfall="A mistake from years ago.",
)


def _render(*, compact: bool, width: int = 80) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=width).print(compose_back(
        SYSTEM_QUESTION, slots={1: Slot(1, "Managing an underperformer")}, stories=[],
        systems={}, width=width, compact=compact))
    return " ".join(buffer.getvalue().split())


def test_back_says_to_answer_with_the_system() -> None:
    full = _render(compact=False)
    assert "Answer with your team system and a short example" in full
    assert "no core story fits" in full
    assert "story add" not in full  # no slot to write a story for
    assert full.index("Intent") < full.index("System") < full.index("Answer with") \
        < full.index("Avoid")
    short = _render(compact=True, width=40)
    assert "system · your team system + a short example" in short


# ------------------------------------------------------------------ coverage


def test_coverage_counts_system_answers_apart(loaded: CliRunner) -> None:
    text = loaded.invoke(app, ["story", "coverage"]).stdout
    slot_one = next(line for line in text.splitlines() if line.strip().startswith("1 "))
    assert slot_one.split()[-3] == "1"  # alpha-2 only; alpha-1 is a system answer
    assert "system answers (no story; your system and a short example): 1 question (1 team)" \
        in " ".join(text.split())


# ------------------------------------------------------------------ the drill


def _env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "100", "LINES": "40", "TERM": "xterm"}


def test_piped_drill_accepts_9_as_the_system_answer(home: Path, system_deck: Path) -> None:
    cli("deck", "load", str(system_deck))  # in-process setup (tests/shared.py)
    # queue: alpha-1 (system), beta-1 (slot 5), alpha-2 (slot 1)
    answers = "9\n3\n9\n3\n0\n3\nq\n"
    result = procs.run([sys.executable, "-m", "emdrill", "drill", "--cards", "3"],
                       input=answers, env=_env(), capture_output=True, text=True,
                       timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "9 System answer (no story fits)" in out  # on the front's slot list
    assert "✓ story: system answer (team system)" in out
    assert "✗ story: you said system answer; best is 5 Difficult stakeholder" in out
    assert "✗ story: you said not sure; best is 1 Managing an underperformer" in out
    assert "Answer with your team system and a short example" in out
    assert _reviews(home) == [("alpha-1", 3, SYSTEM_ANSWER), ("beta-1", 1, SYSTEM_ANSWER),
                              ("alpha-2", 1, None)]


def test_drill_key_help_lists_9() -> None:
    from emdrill.core.cards import Card
    from emdrill.core.scheduler import Memory
    from emdrill.ops.drill import Pick
    from emdrill.ui.drill_view import CardView, key_line
    from emdrill.ui.keymap import help_rows

    question = Question(id="q", deck="d", family="f", text="Q?", intent="I?", story=1)
    card = Card(question, Memory(due=T0), Memory(due=T0))
    assert ("9", "system answer: no core story fits, answer with your system and a short "
                 "example") in help_rows("drill")
    front = CardView(pick=Pick(card, "due"), mode="drill", left=None, done=0, slots={})
    assert "9 system · 0 not sure" in key_line(front, 80).plain
    assert "1-9" in key_line(front, 40).plain  # 9 stays among the keys on a phone


# ------------------------------------------------------------------ the store


def test_schema_2_database_migrates_and_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.executescript(M001_INITIAL + M002_STORIES_SYSTEMS)
    con.executescript("""
        INSERT INTO deck VALUES ('d', 'D', '1', '', '', '2026-01-01T00:00:00.000000+00:00');
        INSERT INTO question (id, deck_id, family, text, intent, story, system, added_at)
            VALUES ('q1', 'd', 'alpha', 'Q?', 'I?', 3, 'team',
                    '2026-01-01T00:00:00.000000+00:00');
        INSERT INTO facet (question_id, kind, state, due)
            VALUES ('q1', 'intent', 1, '2026-01-01T00:00:00.000000+00:00'),
                   ('q1', 'story', 1, '2026-01-01T00:00:00.000000+00:00');
        INSERT INTO review (question_id, reviewed_at, intent_rating, story_rating, mode,
                            intent_prev_state, intent_prev_due, story_prev_state,
                            story_prev_due)
            VALUES ('q1', '2026-01-01T00:00:00.000000+00:00', 3, 3, 'grade', 1,
                    '2026-01-01T00:00:00.000000+00:00', 1,
                    '2026-01-01T00:00:00.000000+00:00');
        PRAGMA user_version = 2;
    """)
    con.close()
    open_store(path).close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == LATEST
    assert "CHECK (story BETWEEN 1 AND 9)" in con.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'question'").fetchone()[0]
    assert con.execute("SELECT id, story, reviews FROM question").fetchall() == [("q1", 3, 1)]
    assert con.execute("SELECT count(*) FROM facet").fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM review").fetchone()[0] == 1
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.execute("UPDATE question SET story = 9")  # the system answer now fits
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("UPDATE question SET story = 10")
    con.commit()
    con.execute("PRAGMA foreign_keys = ON")  # (a no-op inside a transaction)
    with pytest.raises(sqlite3.IntegrityError):  # references to question still hold
        con.execute("INSERT INTO facet (question_id, kind, state, due) "
                    "VALUES ('nope', 'intent', 1, 'x')")
    con.close()


def test_bundled_deck_loads_with_its_system_answers() -> None:
    store = open_here(autoload=False)
    decks.load_paths(store, decks.bundled_paths(), now=T0)
    from emdrill.store import card_reads

    system = [c.id for c in card_reads.load_cards(store) if c.question.system_answer]
    assert "failure-recent-mistake" in system
