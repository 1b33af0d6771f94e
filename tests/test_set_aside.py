"""Setting questions aside: `suspend`, `unsuspend`, `bury` and leeches (docs/set-aside.md).

Real SQLite, the real CLI through CliRunner, time moved by EMDRILL_NOW or an explicit clock.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import mini_deck_text
from emdrill.cli.base import open_here
from emdrill.cli.main import app
from emdrill.core.scheduler import REVIEW, Rating
from emdrill.core.timing import Clock
from emdrill.ops import decks, grading, opening
from emdrill.ops.grading import StoryAnswer
from emdrill.ops.weakness import family_weakness
from emdrill.store import card_reads, tallies
from emdrill.store.db import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _dump(home: Path) -> list[str]:
    con = sqlite3.connect(home / "emdrill.db")
    try:
        return list(con.iterdump())
    finally:
        con.close()


def _flag(home: Path, qid: str) -> tuple[int, str | None]:
    con = sqlite3.connect(home / "emdrill.db")
    try:
        flag, until = con.execute("SELECT user_suspended, buried_until FROM question "
                                  "WHERE id = ?", (qid,)).fetchone()
        return int(flag), until
    finally:
        con.close()


@pytest.fixture
def loaded(runner: CliRunner, mini_deck: Path) -> CliRunner:
    result = runner.invoke(app, ["deck", "load", str(mini_deck)])
    assert result.exit_code == 0, result.output
    return runner


def _ids(runner: CliRunner) -> list[str]:
    result = runner.invoke(app, ["next", "--json", "--limit", "50"])
    assert result.exit_code == 0, result.output
    return [item["id"] for item in json.loads(result.stdout)]


def _status(runner: CliRunner) -> dict[str, int]:
    return json.loads(runner.invoke(app, ["status", "--json"]).stdout)  # type: ignore[no-any-return]


def _show(runner: CliRunner, qid: str) -> dict[str, object]:
    result = runner.invoke(app, ["show", qid, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


# ---------------------------------------------------------------- the commands


def test_suspend_and_unsuspend_say_what_changed(loaded: CliRunner, home: Path) -> None:
    result = loaded.invoke(app, ["suspend", "alpha-1", "beta-2", "alpha-1"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "suspended: alpha-1, beta-2\n"
    again = loaded.invoke(app, ["suspend", "alpha-1"])
    assert again.exit_code == 0 and again.stdout == "already suspended: alpha-1\n"
    assert _flag(home, "alpha-1") == (1, None) and _flag(home, "beta-1") == (0, None)
    shown = _show(loaded, "alpha-1")
    assert shown["suspended"] is True and shown["removed"] is False
    assert shown["buried_until"] is None and shown["leech"] is False
    back = loaded.invoke(app, ["unsuspend", "alpha-1", "beta-1"])
    assert back.exit_code == 0
    assert back.stdout == "back in play: alpha-1\nnot suspended or buried: beta-1\n"
    assert _flag(home, "alpha-1") == (0, None) and _flag(home, "beta-2") == (1, None)


@pytest.mark.parametrize("command", ["suspend", "unsuspend", "bury"])
def test_an_unknown_id_is_one_line_exit_1_and_nothing_changes(
        loaded: CliRunner, home: Path, command: str) -> None:
    loaded.invoke(app, ["suspend", "beta-2"])
    before = _dump(home)
    result = loaded.invoke(app, [command, "alpha-1", "alpha-9", "beta-2"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "emdrill: unknown question id 'alpha-9' (did you mean 'alpha-")
    assert _dump(home) == before  # alpha-1, named before the bad id, is untouched too


def test_no_id_is_a_usage_error(loaded: CliRunner) -> None:
    result = loaded.invoke(app, ["suspend"])
    assert result.exit_code == 2 and "ID" in result.output


# ---------------------------------------------------------------- out of play


def test_suspended_and_buried_leave_next_status_and_the_due_counts(
        loaded: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    for qid in ("alpha-1", "beta-1", "alpha-2"):
        assert loaded.invoke(app, ["grade", qid, "--intent", "again", "--story",
                                   "wrong"]).exit_code == 0
    monkeypatch.setenv("EMDRILL_NOW", "2026-03-02T10:00:00+00:00")
    assert _status(loaded)["due"] == 3
    assert _ids(loaded)[:3] == ["alpha-1", "beta-1", "alpha-2"]
    everyone = _status(loaded)["questions"]
    loaded.invoke(app, ["suspend", "alpha-1", "beta-3"])  # one due, one new
    loaded.invoke(app, ["bury", "beta-1"])
    ids = _ids(loaded)
    assert "alpha-1" not in ids and "beta-3" not in ids and "beta-1" not in ids
    assert ids[0] == "alpha-2"
    status = _status(loaded)
    assert status["due"] == 1 and status["questions"] == everyone - 3
    loaded.invoke(app, ["unsuspend", "alpha-1", "beta-3", "beta-1"])
    assert _status(loaded)["due"] == 3 and set(_ids(loaded)) >= {"alpha-1", "beta-1",
                                                                 "beta-3"}


def test_suspension_survives_deck_reloads_and_a_removal(loaded: CliRunner, home: Path,
                                                       tmp_path: Path) -> None:
    loaded.invoke(app, ["suspend", "alpha-1"])
    loaded.invoke(app, ["bury", "beta-1"])
    deck = tmp_path / "mini.toml"
    deck.write_text(mini_deck_text().replace("Question alpha-1?", "Question alpha-1, reworded?"),
                    encoding="utf-8")
    assert loaded.invoke(app, ["deck", "load", str(deck)]).exit_code == 0
    assert _flag(home, "alpha-1")[0] == 1 and _flag(home, "beta-1")[1] is not None
    assert _show(loaded, "alpha-1")["question"] == "Question alpha-1, reworded?"
    # Gone from the file (removed: `suspended` as decks mean it), then back: still the user's.
    deck.write_text(mini_deck_text(1), encoding="utf-8")
    assert loaded.invoke(app, ["deck", "load", str(deck)]).exit_code == 0
    shown = _show(loaded, "alpha-1")
    assert shown["suspended"] is True
    deck.write_text(mini_deck_text(), encoding="utf-8")
    loaded.invoke(app, ["deck", "load", str(deck)])
    shown = _show(loaded, "alpha-1")
    assert shown["removed"] is False and shown["suspended"] is True
    assert "alpha-1" not in _ids(loaded)


def test_a_bundled_question_stays_suspended_when_the_bundled_deck_loads_again(
        runner: CliRunner, home: Path) -> None:
    first = _ids(runner)[0]  # the first use loads the bundled deck
    assert runner.invoke(app, ["suspend", first]).exit_code == 0
    assert runner.invoke(app, ["deck", "load"]).exit_code == 0  # the bundled decks again
    assert _flag(home, first)[0] == 1 and first not in _ids(runner)


@pytest.mark.parametrize(("now", "lifts"), [
    ("2026-03-02T23:30:00+01:00", "2026-03-03T04:00:00+01:00"),  # late evening: tomorrow
    ("2026-03-03T02:10:00+01:00", "2026-03-03T04:00:00+01:00"),  # after midnight: same day
    ("2026-03-03T04:00:00+01:00", "2026-03-04T04:00:00+01:00"),  # a day just begun
])
def test_bury_lifts_at_the_next_study_day(loaded: CliRunner, monkeypatch: pytest.MonkeyPatch,
                                          now: str, lifts: str) -> None:
    monkeypatch.setenv("EMDRILL_NOW", now)
    result = loaded.invoke(app, ["bury", "beta-2"])
    assert result.exit_code == 0
    assert result.stdout == f"buried until {lifts[:10]} 04:00: beta-2\n"
    until = datetime.fromisoformat(lifts)
    shown = _show(loaded, "beta-2")
    assert datetime.fromisoformat(str(shown["buried_until"])) == until
    monkeypatch.setenv("EMDRILL_NOW", (until - timedelta(seconds=1)).isoformat())
    assert "beta-2" not in _ids(loaded)
    monkeypatch.setenv("EMDRILL_NOW", until.isoformat())
    assert "beta-2" in _ids(loaded)
    assert _show(loaded, "beta-2")["buried_until"] is None


# ---------------------------------------------------------------- leeches


class Learner:
    """Grades one question a day apart, through the one grading path."""

    def __init__(self, store: Store, qid: str) -> None:
        self.store, self.qid, self.now = store, qid, T0

    def grade(self, intent: Rating, slot: int) -> grading.Graded:
        self.now += timedelta(days=1)
        return grading.grade(self.store, Clock(self.now, UTC), self.qid, intent=intent,
                             story=StoryAnswer(slot=slot), mode="grade", fuzz=False)

    def to_review(self) -> None:
        for _ in range(3):
            self.grade(Rating.GOOD, 1)


def _store(mini_deck: Path) -> Store:
    store = open_here(autoload=False)
    decks.load_paths(store, [mini_deck], now=T0)
    return store


@pytest.mark.parametrize("facet", ["intent", "story"])
def test_a_leech_at_the_threshold_on_either_facet(mini_deck: Path, runner: CliRunner,
                                                  facet: str) -> None:
    """alpha-1's primary slot is 1: slot 7 is a wrong story. One facet lapses again and
    again while the other stays right; the 8th lapse marks it, once."""
    store = _store(mini_deck)
    learner = Learner(store, "alpha-1")
    learner.to_review()
    bad = (Rating.AGAIN, 1) if facet == "intent" else (Rating.GOOD, 7)
    marked = []
    for _ in range(9):
        card = card_reads.load_card(store, "alpha-1")
        assert getattr(card, facet).state == REVIEW  # each Again below is a lapse
        marked.append(learner.grade(*bad).leech)
        learner.grade(Rating.GOOD, 1)  # relearnt: back in review
    assert marked == [False] * 7 + [True, False]
    shown = _show(runner, "alpha-1")
    assert shown["leech"] is True and shown["suspended"] is False
    other = "story" if facet == "intent" else "intent"
    assert shown["lapses"] == {facet: 9, other: 0}
    shaky = json.loads(runner.invoke(app, ["shaky", "--json"]).stdout)
    assert shaky["leeches"] == ["alpha-1"]
    assert json.loads(runner.invoke(app, ["shaky", "--json", "--family", "beta"]).stdout
                      )["leeches"] == []
    stats = json.loads(runner.invoke(app, ["stats", "--json"]).stdout)
    assert stats["set_aside"] == {"suspended": 0, "buried": 0, "leeches": 1}
    text = runner.invoke(app, ["shaky"]).stdout
    assert "Leeches" in text and "alpha-1" in text


def test_an_again_in_learning_is_not_a_lapse(mini_deck: Path, runner: CliRunner) -> None:
    store = _store(mini_deck)
    learner = Learner(store, "alpha-1")
    for _ in range(10):  # never reaches review: Again keeps it learning
        learner.grade(Rating.AGAIN, 7)
    assert _show(runner, "alpha-1")["lapses"] == {"intent": 0, "story": 0}


def test_a_leech_stops_weighing_on_its_family_and_undo_puts_it_back(mini_deck: Path) -> None:
    store = _store(mini_deck)
    opening.change_setting(store, "leech-lapses", "3")
    learner = Learner(store, "alpha-1")
    learner.to_review()
    for _ in range(2):
        learner.grade(Rating.AGAIN, 1)
        learner.grade(Rating.GOOD, 1)
    clock = Clock(learner.now, UTC)
    before = tallies.read(store)["alpha"]
    assert before.misses > 0 and family_weakness(store, clock)["alpha"] > 0
    assert learner.grade(Rating.AGAIN, 1).leech  # the third lapse
    clock = Clock(learner.now, UTC)
    # alpha-1 was all the evidence alpha had
    assert _alpha(store, clock.now) == pytest.approx((0.0, 0.0), abs=1e-9)
    assert family_weakness(store, clock)["alpha"] == pytest.approx(
        family_weakness(store, clock)["beta"])  # no more boost than a family never missed
    grading.undo(store)  # no longer a leech: its history counts again
    assert _alpha(store, clock.now) == pytest.approx(before.at(clock.now), rel=1e-9)


def test_changing_leech_lapses_recounts_the_family_tallies(mini_deck: Path) -> None:
    store = _store(mini_deck)
    learner = Learner(store, "alpha-1")
    learner.to_review()
    for _ in range(3):
        learner.grade(Rating.AGAIN, 1)
        learner.grade(Rating.GOOD, 1)
    counted = _alpha(store, learner.now)
    assert counted[1] > 0
    opening.change_setting(store, "leech-lapses", "3")
    assert _alpha(store, learner.now) == (0.0, 0.0)
    opening.change_setting(store, "leech-lapses", "8")
    assert _alpha(store, learner.now) == pytest.approx(counted, rel=1e-9)


def _alpha(store: Store, at: datetime) -> tuple[float, float]:
    """The alpha family's weighed recall tests and misses at `at`."""
    kept = tallies.read(store).get("alpha")
    return (0.0, 0.0) if kept is None else kept.at(at)


def test_the_hot_path_and_the_lapses_read_by_their_indexes(loaded: CliRunner,
                                                           home: Path) -> None:
    """Suspension is a leading column of the queue's indexes and burying their last: the
    plans stay index ranges (and counts stay covered); lapses come from a partial index."""
    from emdrill.store.card_reads import in_play
    from emdrill.store.set_aside import _LAPSES, lapse_rows

    con = sqlite3.connect(home / "emdrill.db")
    now = "2026-03-02T09:00:00.000000+00:00"

    def plan(sql: str, *params: object) -> str:
        return " | ".join(r[3] for r in con.execute(f"EXPLAIN QUERY PLAN {sql}", params))

    assert plan(f"SELECT id, siblings FROM question WHERE {in_play()}AND due <= ? "
                "AND family = ? ORDER BY due LIMIT 9", now, now, "alpha") == (
        "SEARCH question USING INDEX question_family_due "
        "(suspended=? AND user_suspended=? AND family=? AND due<?)")
    assert plan(f"SELECT count(*) FROM question WHERE {in_play()}AND due <= ?", now, now) == (
        "SEARCH question USING COVERING INDEX question_due "
        "(suspended=? AND user_suspended=? AND due<?)")
    assert plan(f"SELECT {_LAPSES} FROM review WHERE question_num = "
                f"(SELECT num FROM question WHERE id = ?) AND {lapse_rows()}", "alpha-1") == (
        "SEARCH review USING INDEX review_lapse (question_num=?) | SCALAR SUBQUERY 1 | "
        "SEARCH question USING INDEX sqlite_autoindex_question_1 (id=?)")
    con.close()
