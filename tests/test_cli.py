"""The scripting surface through CliRunner and a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import procs
from conftest import mini_deck_folder
from emdrill.cli.main import app


def _db(home: Path) -> Path:
    return home / "emdrill.db"


def _dump(home: Path) -> list[str]:
    """The database's whole logical content (in-process runs may checkpoint the WAL later,
    so the file's bytes are not a fair measure of 'untouched' here)."""
    con = sqlite3.connect(_db(home))
    try:
        return list(con.iterdump())
    finally:
        con.close()


def _count_reviews(home: Path) -> int:
    return int(sqlite3.connect(_db(home)).execute("SELECT count(*) FROM review").fetchone()[0])


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini deck's data folder, made once for the module."""
    return mini_deck_folder(tmp_path_factory)


@pytest.fixture
def loaded(made: Path, home: Path, runner: CliRunner) -> CliRunner:
    """That folder, copied into this test's data folder."""
    shutil.copytree(made, home)
    return runner


def test_next_json_lists_new_questions_spread_over_families(loaded: CliRunner) -> None:
    result = loaded.invoke(app, ["next", "--json"])
    assert result.exit_code == 0
    items = json.loads(result.stdout)
    assert [i["id"] for i in items] == ["alpha-1", "beta-1", "alpha-2", "beta-2", "alpha-3",
                                        "beta-3"]
    assert all(i["new"] is True and i["due"] is None for i in items)
    assert set(items[0]) >= {"id", "family", "question", "due", "new"}
    limited = json.loads(loaded.invoke(app, ["next", "--json", "--limit", "2"]).stdout)
    assert len(limited) == 2


def test_new_per_day_limits_the_queue(loaded: CliRunner) -> None:
    assert loaded.invoke(app, ["config", "new-per-day", "2"]).exit_code == 0
    items = json.loads(loaded.invoke(app, ["next", "--json"]).stdout)
    assert len(items) == 2
    loaded.invoke(app, ["grade", items[0]["id"], "--intent", "good", "--story", "1"])
    again = json.loads(loaded.invoke(app, ["next", "--json"]).stdout)
    assert [i["id"] for i in again] == [items[1]["id"]]


def test_grade_status_undo_round(loaded: CliRunner, home: Path) -> None:
    result = loaded.invoke(app, ["grade", "alpha-1", "--intent", "good", "--story", "1",
                                 "--seconds", "14"])
    assert result.exit_code == 0, result.output
    assert "graded alpha-1" in result.output and "story right" in result.output
    status = json.loads(loaded.invoke(app, ["status", "--json"]).stdout)
    assert status["reviews_today"] == 1 and status["streak"] == 1
    assert status["new_today"] == 5 and status["due"] == 0
    undo = loaded.invoke(app, ["undo"])
    assert undo.exit_code == 0 and "undid the review of alpha-1" in undo.output
    assert _count_reviews(home) == 0


def test_due_question_comes_first_after_its_step(loaded: CliRunner, monkeypatch:
                                                 pytest.MonkeyPatch) -> None:
    loaded.invoke(app, ["grade", "beta-2", "--intent", "again", "--story", "wrong"])
    monkeypatch.setenv("EMDRILL_NOW", "2026-03-02T09:30:00+00:00")
    items = json.loads(loaded.invoke(app, ["next", "--json"]).stdout)
    assert items[0]["id"] == "beta-2" and items[0]["new"] is False
    assert items[0]["due"].startswith("2026-03-02T09:01")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["grade", "nope", "--intent", "good", "--story", "1"], "unknown question id 'nope'"),
        (["grade", "alpha-1", "--intent", "great", "--story", "1"], "again, hard, good, easy"),
        (["grade", "alpha-1", "--intent", "good", "--story", "9"], "slot 1-8"),
        (["grade", "alpha-1", "--intent", "good", "--story", "maybe"], "slot 1-8"),
        (["config", "retention", "1.5"], "out of range"),
        (["config", "retention", "abc"], "not a number"),
        (["config", "colour", "red"], "unknown setting 'colour'"),
        (["config", "adaptive", "maybe"], "not on or off"),
    ],
)
def test_bad_values_give_one_line_and_exit_1(loaded: CliRunner, home: Path, args: list[str],
                                             message: str) -> None:
    before = _dump(home)
    result = loaded.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert _dump(home) == before


def test_bad_flag_is_a_usage_error(loaded: CliRunner) -> None:
    result = loaded.invoke(app, ["next", "--limit", "0"])
    assert result.exit_code == 2
    result = loaded.invoke(app, ["status", "--bogus"])
    assert result.exit_code == 2 and "--bogus" in result.output


def test_undo_with_nothing_to_undo(loaded: CliRunner) -> None:
    result = loaded.invoke(app, ["undo"])
    assert result.exit_code == 1
    assert "nothing to undo" in result.stderr


def test_bad_emdrill_now(loaded: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMDRILL_NOW", "2026-03-02 09:00")
    result = loaded.invoke(app, ["status"])
    assert result.exit_code == 1 and "has no UTC offset" in result.stderr


def test_batch_grades_every_line(loaded: CliRunner, home: Path) -> None:
    lines = "\n".join([
        json.dumps({"id": "alpha-1", "intent": "good", "story": 1, "seconds": 12}),
        json.dumps({"id": "beta-1", "intent": "again", "story": "wrong"}),
    ])
    result = loaded.invoke(app, ["grade", "--batch"], input=lines + "\n")
    assert result.exit_code == 0, result.output
    assert "recorded 2 reviews" in result.output
    assert _count_reviews(home) == 2


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "stdin:2: not valid JSON"),
        ('{"id": "zzz", "intent": "good", "story": 1}', "stdin:2: unknown question id 'zzz'"),
        ('{"id": "beta-1", "intent": "meh", "story": 1}', "stdin:2: intent"),
        ('{"id": "beta-1", "intent": "good"}', "stdin:2: missing 'story'"),
        ('{"id": "beta-1", "intent": "good", "story": 1, "secs": 3}', "stdin:2: unknown field"),
    ],
)
def test_batch_bad_line_writes_nothing(loaded: CliRunner, home: Path, bad: str,
                                       message: str) -> None:
    good = json.dumps({"id": "alpha-1", "intent": "good", "story": 1})
    result = loaded.invoke(app, ["grade", "--batch"], input=f"{good}\n{bad}\n")
    assert result.exit_code == 1
    assert message in result.stderr and "nothing was recorded" in result.stderr
    assert _count_reviews(home) == 0


def test_no_command_shows_status_and_next_step(loaded: CliRunner) -> None:
    result = loaded.invoke(app, [])
    assert result.exit_code == 0
    assert "new left today" in result.output and "emdrill drill" in result.output


def test_where_prints_paths(runner: CliRunner, home: Path) -> None:
    result = runner.invoke(app, ["where"])
    assert result.exit_code == 0
    assert str(home / "emdrill.db") in result.output


def test_config_shows_defaults_and_saves(runner: CliRunner) -> None:
    shown = runner.invoke(app, ["config"])
    assert "retention" in shown.output and "0.90" in shown.output
    assert runner.invoke(app, ["config", "minutes", "7"]).output.strip() == "minutes = 7"
    assert "7" in runner.invoke(app, ["config", "minutes"]).output
    # a saved setting saved again replaces it (one row per key, the newest value)
    assert runner.invoke(app, ["config", "minutes", "9"]).output.strip() == "minutes = 9"
    assert runner.invoke(app, ["config", "minutes"]).output.split()[:2] == ["minutes", "9"]


def test_first_use_loads_the_bundled_deck(runner: CliRunner) -> None:
    items = json.loads(runner.invoke(app, ["next", "--json"]).stdout)
    assert len(items) == 10
    assert len({i["family"] for i in items}) == 10


def _run(*args: str, env: dict[str, str],
         stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return procs.run([sys.executable, "-m", "emdrill", *args], env=env, input=stdin,
                     capture_output=True, text=True, timeout=60)


def test_subprocess_round_trip(home: Path, mini_deck: Path) -> None:
    env = {**os.environ}
    assert _run("deck", "load", str(mini_deck), env=env).returncode == 0
    first = json.loads(_run("next", "--json", env=env).stdout)[0]["id"]
    graded = _run("grade", first, "--intent", "easy", "--story", "right", env=env)
    assert graded.returncode == 0, graded.stderr
    status = json.loads(_run("status", "--json", env=env).stdout)
    assert status["reviews_today"] == 1
    bad = _run("grade", "missing-id", "--intent", "good", "--story", "1", env=env)
    assert bad.returncode == 1
    assert bad.stderr.strip() == ("emdrill: unknown question id 'missing-id' "
                                  "(every id: `emdrill deck list --ids`)")
    near = _run("grade", "alpha1", "--intent", "good", "--story", "1", env=env)
    assert "did you mean 'alpha-1'?" in near.stderr
    assert "Traceback" not in bad.stderr
    assert _run("undo", env=env).returncode == 0
    assert _count_reviews(home) == 0


def test_subprocess_refuses_newer_database(home: Path) -> None:
    home.mkdir(parents=True)
    con = sqlite3.connect(_db(home))
    con.execute("PRAGMA user_version=999")
    con.commit()
    con.close()
    before = _db(home).read_bytes()
    result = _run("status", env={**os.environ})
    assert result.returncode == 1
    assert "newer than this emdrill" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert _db(home).read_bytes() == before


@pytest.mark.parametrize("args", [["--help"], ["where"], ["deck", "--help"]])
def test_commands_without_a_database_do_not_import_sqlmodel(args: list[str]) -> None:
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "emdrill", *args],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    assert "emdrill.cli" in imported
    assert "sqlmodel" not in imported and "fsrs" not in imported


def test_first_use_by_two_commands_at_once_loads_the_deck_once(home: Path) -> None:
    env = {**os.environ}
    started = [procs.Popen([sys.executable, "-m", "emdrill", "status", "--json"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(4)]
    results = [p.communicate(timeout=60) for p in started]
    assert [p.returncode for p in started] == [0, 0, 0, 0], [err for _, err in results]
    assert all(json.loads(out)["questions"] >= 144 for out, _ in results)
    con = sqlite3.connect(_db(home))
    assert con.execute("SELECT count(*) FROM deck").fetchone() == (1,)
