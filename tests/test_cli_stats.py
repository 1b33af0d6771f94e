"""`emdrill stats`, `shaky` and `simulate` as a user runs them (CliRunner, real SQLite).

conftest fixes EMDRILL_NOW at 2026-03-02 09:00 UTC, the NOW of test_stats' crafted history.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emdrill.cli.base import open_here
from emdrill.cli.main import app
from emdrill.ops import decks
from test_stats import build_history, write_deck


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    return write_deck(tmp_path)


@pytest.fixture
def history(deck: Path) -> Path:
    store = open_here(autoload=False)
    try:
        decks.load_paths(store, [deck], now=datetime(2026, 1, 1, tzinfo=UTC))
        build_history(store)
    finally:
        store.close()
    return deck


def _ok(runner: CliRunner, args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_stats_json_figures(runner: CliRunner, history: Path) -> None:
    data = json.loads(_ok(runner, ["stats", "--json"]))
    assert data["total_reviews"] == 8
    assert data["adaptive"] is True and data["streak"] == 2
    alpha, beta = data["families"]
    assert (alpha["family"], alpha["name"], alpha["questions"], alpha["seen"],
            alpha["reviews"]) == ("alpha", "Alpha", 3, 3, 4)
    assert alpha["intent_recall"] == pytest.approx(0.3333)
    assert alpha["story_accuracy"] == pytest.approx(0.3333)
    assert alpha["lapses"] == 1
    assert beta["intent_recall"] == 1.0 and beta["seen"] == 2
    assert alpha["weakness"] > 0 > beta["weakness"]
    assert 0.87 <= beta["desired_retention"] < 0.90 < alpha["desired_retention"] <= 0.95
    assert data["true_retention"]["today"]["all"] == {"passed": 1, "total": 2, "rate": 0.5}
    assert data["forecast"][0]["date"] == "2026-03-02" and data["forecast"][0]["due"] >= 4
    assert data["heatmap"][-1] == {"date": "2026-03-02", "reviews": 2}


def test_stats_screen_is_plain_when_piped(runner: CliRunner, history: Path) -> None:
    text = _ok(runner, ["stats"])
    assert "\x1b[" not in text
    for part in ("8 reviews", "streak 2 days", "Families", "alpha", "True retention",
                 "today", "mature", "Due", "Reviews per day", "less", "more"):
        assert part in text, part
    assert "█" in text  # bars and heatmap cells are characters, so they survive piping


def test_stats_with_no_reviews(runner: CliRunner, deck: Path) -> None:
    _ok(runner, ["deck", "load", str(deck)])
    text = _ok(runner, ["stats"])
    assert "No reviews yet" in text
    data = json.loads(_ok(runner, ["stats", "--json"]))
    assert data["total_reviews"] == 0 and data["families"][0]["intent_recall"] is None


def test_shaky_reads_as_a_review(runner: CliRunner, history: Path) -> None:
    text = _ok(runner, ["shaky"])
    assert text.index("alpha-1") < text.index("alpha-2")
    assert re.search(r"\n  question +Question alpha-1\?\n  intent +Can you handle alpha-1\?\n"
                     r"  story +1 · Managing an underperformer\n", text), text
    assert "alpha-1 (alpha) · missed its last test, latest 30m ago" in text
    assert "recall now" not in text  # retrievability right after a review misleads


def test_shaky_json_and_filters(runner: CliRunner, history: Path) -> None:
    data = json.loads(_ok(runner, ["shaky", "--json"]))
    assert [f["family"] for f in data["families"]] == ["alpha", "beta"]
    first = data["questions"][0]
    assert {k: first[k] for k in ("id", "family", "intent", "story")} == {
        "id": "alpha-1", "family": "alpha", "intent": "Can you handle alpha-1?", "story": 1}
    assert 0 <= first["intent_retrievability"] <= 1
    assert 0 <= first["story_retrievability"] <= 1
    only = json.loads(_ok(runner, ["shaky", "--family", "beta", "--limit", "1", "--json"]))
    assert [f["family"] for f in only["families"]] == ["beta"]
    assert [q["family"] for q in only["questions"]] == ["beta"]


def test_shaky_unknown_family_is_one_line(runner: CliRunner, history: Path) -> None:
    result = runner.invoke(app, ["shaky", "--family", "gamma"])
    assert result.exit_code == 1
    assert result.output.strip() == "emdrill: unknown family 'gamma' (known: alpha, beta)"


def test_adaptive_off_shows_plain_retention(runner: CliRunner, history: Path) -> None:
    _ok(runner, ["config", "adaptive", "off"])
    data = json.loads(_ok(runner, ["stats", "--json"]))
    assert data["adaptive"] is False
    assert {f["desired_retention"] for f in data["families"]} == {0.9}
    assert "adaptive off" in _ok(runner, ["shaky"])


def test_simulate_small_run(runner: CliRunner, deck: Path, home: Path) -> None:
    args = ["simulate", "--deck", str(deck), "--days", "4", "--answers", "5", "--runs", "1",
            "--weak", "beta"]
    data = json.loads(_ok(runner, [*args, "--json"]))
    assert data["weak_family"] == "beta"
    for arm in ("adaptive_on", "adaptive_off"):
        assert data[arm]["total_reviews"] == 20  # 4 drills of 5 answers
        assert {f["family"] for f in data[arm]["families"]} == {"alpha", "beta"}
    assert [c["target"] for c in data["checks"]][1] == "total reviews rise by at most 20%"
    text = _ok(runner, args)
    assert "beta (weak)" in text and "its reviews on/off" in text
    shown = runner.invoke(app, args)
    assert "simulating run 1/1, adaptive off..." in shown.stderr
    assert not (home / "emdrill.db").exists()  # ran in its own throwaway folder


def test_simulate_is_repeatable(runner: CliRunner, deck: Path) -> None:
    args = ["simulate", "--deck", str(deck), "--days", "3", "--answers", "4", "--runs", "1",
            "--json"]
    assert _ok(runner, args) == _ok(runner, args)


def test_simulate_unknown_weak_family(runner: CliRunner, deck: Path) -> None:
    result = runner.invoke(app, ["simulate", "--deck", str(deck), "--weak", "gamma"])
    assert result.exit_code == 1
    assert "no questions in family 'gamma'" in result.output


def test_help_lists_the_commands_without_importing_sqlmodel() -> None:
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "emdrill", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for line in ("stats", "shaky", "simulate"):
        assert line in result.stdout
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    # the command modules come through importlib.import_module, which -X importtime leaves
    # out; what they import themselves is listed
    assert "emdrill.cli.main" in imported
    assert "sqlmodel" not in imported
