"""`emdrill interview --sheet` and the loop morning, as a user runs them (CliRunner, real
SQLite in EMDRILL_HOME, time moved by EMDRILL_NOW): what the sheet holds, when plain
`interview` shows it, the JSON shape, one-line errors.

conftest fixes EMDRILL_NOW at 2026-03-02 09:00 UTC; the interview is Thu 12 Mar, 09:00."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emdrill.cli.main import app

SHEET_KEYS = {"date", "days_left", "families", "confusions", "weakest"}
FAMILY_KEYS = {"family", "name", "id", "intent", "slot", "story", "system", "system_text",
               "misses"}
PLAN_KEYS = {"date", "days_left", "in_scope", "seen", "new_per_day", "answers_per_day",
             "minutes_per_day", "unseen_at_date", "readiness", "groups", "exam",
             "forecast_unseen", "coverage", "narrower", "weakest", "exam_step"}
STORIES = "## The quiet senior who stopped shipping\n- slots: 1\n\n### Context\nA team.\n"


def _ok(runner: CliRunner, args: list[str], *, now: str | None = None,
        monkeypatch: pytest.MonkeyPatch | None = None) -> str:
    if now is not None:
        assert monkeypatch is not None
        monkeypatch.setenv("EMDRILL_NOW", now)
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def studied(runner: CliRunner, mini_deck: Path, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The mini deck, a story for slot 1 (none for beta's slot 5), a team system, an
    interview on the 12th, and a week of answers: alpha-1 missed twice, beta-2 taken for
    beta-3 (an open confusion)."""
    stories = tmp_path / "stories.md"
    stories.write_text(STORIES, encoding="utf-8")
    for args in (["deck", "load", str(mini_deck)], ["story", "import", str(stories)],
                 ["interview", "2026-03-12"]):
        _ok(runner, args)
    result = runner.invoke(app, ["system", "edit", "team", "--no-edit"],
                           input="I decide with the team.\nThen I explain.\n\n")
    assert result.exit_code == 0, result.output
    answers = [("alpha-1", ["--intent", "again", "--story", "wrong"]),
               ("alpha-2", ["--intent", "good", "--story", "right"]),
               ("alpha-3", ["--intent", "good", "--story", "right"]),
               ("beta-1", ["--intent", "good", "--story", "right"]),
               ("beta-2", ["--intent-pick", "beta-3", "--story", "5"])]
    for day in ("02", "04"):
        monkeypatch.setenv("EMDRILL_NOW", f"2026-03-{day}T09:00:00+00:00")
        for qid, grade in answers:
            _ok(runner, ["grade", qid, *grade])
    monkeypatch.setenv("EMDRILL_NOW", "2026-03-05T09:00:00+00:00")
    return runner


def test_the_sheet_as_json(studied: CliRunner) -> None:
    data = json.loads(_ok(studied, ["interview", "--sheet", "--json"]))
    assert set(data) == SHEET_KEYS
    assert data["date"] == "2026-03-12T09:00:00+00:00" and data["days_left"] == 7
    alpha, beta = data["families"]
    assert set(alpha) == FAMILY_KEYS
    # alpha leads with its most-missed intent, told with the user's slot-1 story
    assert (alpha["id"], alpha["misses"], alpha["slot"]) == ("alpha-1", 2, 1)
    assert alpha["intent"] == "Can you handle alpha-1?"
    assert alpha["story"] == "The quiet senior who stopped shipping"
    assert (alpha["system"], alpha["system_text"]) == ("team", "I decide with the team.")
    # beta's slot 5 has no story: the sheet says so (null), it does not borrow one
    assert (beta["family"], beta["slot"], beta["story"]) == ("beta", 5, None)
    [pair] = data["confusions"]
    assert (pair["id"], pair["mistaken_for"], pair["count"]) == ("beta-2", "beta-3", 2)
    assert pair["mistaken_intent"] == "Can you handle beta-3?"
    assert " vs " in pair["difference"]
    weakest = data["weakest"]
    assert len(weakest) == 3 and weakest[0]["id"] == "alpha-1"
    assert [w["recall"] for w in weakest] == sorted(w["recall"] for w in weakest)
    assert "beta-3" not in {w["id"] for w in weakest}  # never reviewed: nothing to re-read


def test_the_sheet_on_screen_says_what_is_missing(studied: CliRunner) -> None:
    out = _ok(studied, ["interview", "--sheet"])
    assert out.startswith("Loop sheet · Thu 12 Mar 09:00, in 7 days\n")
    flat = " ".join(out.split())
    assert ("Alpha Can you handle alpha-1? story 1: The quiet senior who stopped shipping "
            "system team: I decide with the team.") in flat
    assert "Beta Can you handle " in flat
    assert "no story yet for slot 5: emdrill story add --slot 5" in flat
    assert "Still confused, what tells them apart: Can you handle beta-2? vs Can you " \
        "handle beta-3?" in flat
    assert "Read once more:" in flat and "the plan: emdrill interview --plan" not in flat


def test_plain_interview_shows_the_sheet_on_the_loop_morning_only(
        studied: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    day_before = _ok(studied, ["interview"], now="2026-03-11T20:00:00+00:00",
                     monkeypatch=monkeypatch)
    assert day_before.startswith("Interview Thu 12 Mar 2026 09:00 · tomorrow")
    morning = _ok(studied, ["interview"], now="2026-03-12T07:00:00+00:00",
                  monkeypatch=monkeypatch)
    assert morning.startswith(
        "Loop sheet · Thu 12 Mar 09:00, today · the plan: emdrill interview --plan\n")
    assert "Read once more:" in morning
    assert _ok(studied, ["interview", "--plan"]).startswith("Interview Thu 12 Mar 2026 09:00")
    # scripts keep the plan's shape on the morning too
    assert set(json.loads(_ok(studied, ["interview", "--json"]))) == PLAN_KEYS
    after = _ok(studied, ["interview"], now="2026-03-12T09:30:00+00:00",
                monkeypatch=monkeypatch)
    assert "its plan has ended" in after


def test_an_early_interview_has_its_loop_morning_the_day_before(
        studied: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    _ok(studied, ["interview", "2026-03-12T07:30"])
    assert _ok(studied, ["interview"], now="2026-03-11T21:00:00+00:00",
               monkeypatch=monkeypatch).startswith("Loop sheet · Thu 12 Mar 07:30, tomorrow")
    assert _ok(studied, ["interview"], now="2026-03-10T21:00:00+00:00",
               monkeypatch=monkeypatch).startswith("Interview Thu 12 Mar 2026 07:30")


def test_the_sheet_follows_the_plan_scope_and_works_without_a_plan(
        studied: CliRunner) -> None:
    _ok(studied, ["interview", "2026-03-12", "--families", "beta"])
    data = json.loads(_ok(studied, ["interview", "--sheet", "--json"]))
    assert [f["family"] for f in data["families"]] == ["beta"]
    assert {w["id"] for w in data["weakest"]} <= {"beta-1", "beta-2", "beta-3"}
    _ok(studied, ["interview", "--clear"])
    data = json.loads(_ok(studied, ["interview", "--sheet", "--json"]))
    assert (data["date"], data["days_left"]) == (None, None)
    assert [f["family"] for f in data["families"]] == ["alpha", "beta"]
    assert _ok(studied, ["interview", "--sheet"]).startswith(
        "Loop sheet · every question (no interview planned)")


@pytest.mark.parametrize(("args", "message"), [
    (["interview", "2026-03-16", "--sheet"], "--sheet shows the plan's sheet: give no date"),
    (["interview", "--sheet", "--families", "alpha"], "set the scope of a new plan"),
    (["interview", "--sheet", "--plan"], "--sheet shows the plan's sheet"),
    (["interview", "--plan", "--clear"], "--plan shows the plan: give no --clear"),
])
def test_bad_combinations_are_one_line_and_change_nothing(studied: CliRunner, args: list[str],
                                                          message: str) -> None:
    before = _ok(studied, ["interview", "--json"])
    result = studied.invoke(app, args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("emdrill: ") and message in lines[0]
    assert result.stdout == ""
    assert _ok(studied, ["interview", "--json"]) == before
