"""Intent decoding: candidate choice, the grade a pick earns, confusions stored, told apart,
interleaved closer, `grade --intent-pick`, and the migration that adds the tables."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emdrill.cli.base import open_here
from emdrill.cli.main import app
from emdrill.core.cards import Card, Question
from emdrill.core.decode import (
    IntentChoice,
    difference,
    document_frequency,
    options,
    pick_rating,
    rivals,
    words,
)
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import decks, decode
from emdrill.ops.drill import Session
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads
from emdrill.store.db import Store, open_store
from emdrill.store.migrations import LATEST, MIGRATIONS

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def q(qid: str, family: str = "f", *, text: str = "", intent: str = "",
      siblings: tuple[str, ...] = (), position: int = 0, suspended: bool = False) -> Question:
    return Question(id=qid, deck="d", family=family, text=text or f"Question {qid}?",
                    intent=intent or f"Intent of {qid}?", story=1, siblings=siblings,
                    position=position, suspended=suspended)


# ---------------------------------------------------------------- core


def test_rivals_come_siblings_first_then_family_then_similar_wording() -> None:
    me = q("me", text="A time you made an unpopular decision", siblings=("sib",))
    pool = [
        me,
        q("far", "g", text="Tell me about your hiring process", position=1),
        q("near", "g", text="A decision you made that was unpopular with peers", position=2),
        q("fam", text="Something else entirely", position=3),
        q("sib", "g", text="Nothing alike", position=4),
        q("back", "g", text="Also nothing", siblings=("me",), position=5),
    ]
    assert [r.id for r in rivals(me, pool)] == ["sib", "back", "fam"]
    assert [r.id for r in rivals(me, pool, count=5)] == ["sib", "back", "fam", "near", "far"]
    # a past confusion outranks everything, most frequent first
    assert [r.id for r in rivals(me, pool, confused=("far", "near"))] == ["far", "near", "sib"]


def test_rivals_skip_suspended_and_same_intent() -> None:
    me = q("me", intent="Same words?")
    pool = [me, q("twin", intent="same words?"), q("gone", suspended=True), q("ok"),
            q("ok2", intent="Intent of ok?")]
    assert [r.id for r in rivals(me, pool)] == ["ok"]


def test_options_force_the_picked_rival_in() -> None:
    pool = [q(f"q{i}", position=i) for i in range(8)]
    shown = options(pool[0], pool, must="q7")
    assert [s.id for s in shown] == ["q0", "q1", "q2", "q7"]
    assert [s.id for s in options(pool[0], pool, must="q0")] == ["q0", "q1", "q2", "q3"]


def test_pick_rating() -> None:
    assert pick_rating(False, 1.0, words_shown=40) == Rating.AGAIN
    assert pick_rating(True, None, words_shown=40) == Rating.GOOD
    assert pick_rating(True, 19.0, words_shown=40) == Rating.GOOD  # 10 s reading + 10
    assert pick_rating(True, 21.0, words_shown=40) == Rating.HARD


def test_words_and_difference() -> None:
    assert words("Tell me about a time you made an UNPOPULAR team's decision") == [
        "made", "unpopular", "team", "decision"]
    a = q("a", text="A time you made an unpopular decision",
          intent="Will you make a call people resist?")
    b = q("b", text="A time you made a difficult decision",
          intent="Can you decide when the facts are thin?")
    df = document_frequency([a.text, b.text, a.intent, b.intent])
    line = difference(a, b, df)
    assert line.startswith('"unpopular" → ') and '"difficult" → ' in line
    assert "resist" in line and "thin" in line


# ---------------------------------------------------------------- store and ops


@pytest.fixture
def store(mini_deck: Path) -> Store:
    s = open_here(autoload=False)
    decks.load_paths(s, [mini_deck], now=T0)
    return s


def _clock(at: datetime = T0) -> Clock:
    return Clock(now=at, local=UTC)


def test_a_wrong_pick_is_again_and_a_confusion(store: Store) -> None:
    graded, choice = decode.record_pick(store, _clock(), "alpha-1", "beta-2",
                                        story=StoryAnswer(slot=1))
    assert graded.intent_rating == Rating.AGAIN and not choice.right
    assert "beta-2" in choice.options and len(choice.options) == 4
    [pair] = decode.confusions(store)
    assert (pair.question.id, pair.mistaken_for.id, pair.count, pair.told_apart) == (
        "alpha-1", "beta-2", 1, False)
    # the confused rival is offered first from now on
    offer = decode.offer(store, _card(store, "alpha-1"), rng=random.Random(1))
    assert "beta-2" in [s.id for s in offer.shown]


def _card(store: Store, qid: str) -> Card:
    return card_reads.load_card(store, qid)


def test_two_right_picks_tell_a_pair_apart(store: Store) -> None:
    decode.record_pick(store, _clock(), "alpha-1", "beta-2", story=StoryAnswer(slot=1))
    decode.record_pick(store, _clock(T0 + timedelta(minutes=1)), "alpha-1", "alpha-1",
                       story=StoryAnswer(slot=1))
    assert not decode.confusions(store)[0].told_apart
    decode.record_pick(store, _clock(T0 + timedelta(minutes=2)), "alpha-1", "alpha-1",
                       story=StoryAnswer(slot=1))
    assert decode.confusions(store)[0].told_apart


def test_undo_takes_the_pick_with_the_review(store: Store) -> None:
    from emdrill.ops import grading

    decode.record_pick(store, _clock(), "alpha-1", "beta-2", story=StoryAnswer(slot=1))
    grading.undo(store)
    assert decode.confusions(store) == []


def test_confused_partner_comes_back_one_card_later(store: Store) -> None:
    decode.record_pick(store, _clock(T0 - timedelta(days=1)), "alpha-1", "beta-3",
                       story=StoryAnswer(slot=1))
    session = Session(store, lambda: _clock(T0), max_cards=10)
    first = session.next_pick()
    assert first is not None and first.card.id == "alpha-1"
    session.answer(first, intent=Rating.GOOD, story=StoryAnswer(slot=1), seconds=5)
    second = session.next_pick()
    assert second is not None and second.kind != "contrast"
    session.answer(second, intent=Rating.GOOD, story=StoryAnswer(slot=5), seconds=5)
    third = session.next_pick()
    assert third is not None and (third.card.id, third.kind) == ("beta-3", "contrast")
    session.answer(third, intent=Rating.GOOD, story=StoryAnswer(slot=5), seconds=5)
    fourth = session.next_pick()
    assert fourth is not None and fourth.kind != "contrast"  # once a session


def test_told_apart_pairs_are_no_longer_interleaved(store: Store) -> None:
    decode.record_pick(store, _clock(T0 - timedelta(days=2)), "alpha-1", "beta-3",
                       story=StoryAnswer(slot=1))
    for minutes in (1, 2):
        decode.record_pick(store, _clock(T0 - timedelta(days=2) + timedelta(minutes=minutes)),
                           "alpha-1", "alpha-1", story=StoryAnswer(slot=1))
    assert decode.contrast_card(store, ["alpha-1", "alpha-2"]) is None


def test_intent_choice_right() -> None:
    assert IntentChoice("a", "a", ("a", "b")).right
    assert not IntentChoice("a", "b", ("a", "b")).right


# ---------------------------------------------------------------- command line


def test_grade_intent_pick_cli(runner: CliRunner, home: Path) -> None:
    result = runner.invoke(app, ["grade", "decisions-unpopular", "--intent-pick",
                                 "decisions-difficult", "--story", "6"])
    assert result.exit_code == 0, result.output
    assert "intent pick: wrong (decisions-difficult)" in result.stdout
    assert "intent again" in result.stdout
    right = runner.invoke(app, ["grade", "decisions-difficult", "--intent-pick",
                                "decisions-difficult", "--story", "6", "--seconds", "12"])
    assert right.exit_code == 0 and "intent good" in right.stdout
    data = json.loads(runner.invoke(app, ["shaky", "--json"]).stdout)
    [pair] = data["confusions"]
    assert {k: pair[k] for k in ("question", "mistaken_for", "count")} == {
        "question": "decisions-unpopular", "mistaken_for": "decisions-difficult", "count": 1}
    assert pair["last"] == "2026-03-02T09:00:00+00:00"
    text = runner.invoke(app, ["shaky"]).stdout
    assert "decisions-unpopular taken for decisions-difficult" in text
    assert '"unpopular"' in text and '"difficult"' in text


@pytest.mark.parametrize(("args", "message"), [
    (["decisions-unpopular", "--intent-pick", "nope", "--story", "6"], "unknown question id"),
    (["decisions-unpopular", "--intent-pick", "decisions-difficult", "--intent", "good",
      "--story", "6"], "not both"),
    (["decisions-unpopular", "--intent-pick", "decisions-difficult"], "--story"),
])
def test_grade_intent_pick_errors(runner: CliRunner, home: Path, args: list[str],
                                  message: str) -> None:
    result = runner.invoke(app, ["grade", *args])
    assert result.exit_code in (1, 2)
    assert message in result.output


def test_version_two_database_gains_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:
        assert isinstance(script, str)  # the first migrations are SQL text
        con.executescript(script)
    con.execute("PRAGMA user_version=2")
    con.commit()
    con.close()
    open_store(path).close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == LATEST
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"intent_pick", "rehearsal"} <= tables
