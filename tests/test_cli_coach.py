"""`emdrill coach`, `story check`, the coach after `story add`, `story coverage` marks and
the card back's line, through CliRunner on a real store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emdrill.cli.main import app
from test_cli_story import FakeEditor

WE_ANSWER = ("My approach is to ship small. We planned the release, we wrote the tests and "
             "we shipped it on a Friday, which was risky. It went well and people were "
             "happy. Since then I always ship on Tuesdays.")

STORY = """## The release that slipped
- slots: 1

### Context
A payments team of eight, shipping weekly.

### Challenge
Releases broke checkout twice a month and product was losing patience.

### Actions
We added canary releases. We wrote a rollback script. We paired on every deploy.

### Results
Releases were calmer and product stopped complaining.

### Learnings
Testing matters.
"""


@pytest.fixture
def loaded(runner: CliRunner, mini_deck: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    result = runner.invoke(app, ["deck", "load", str(mini_deck)])
    assert result.exit_code == 0, result.output
    return runner


def test_coach_json_on_stdin(runner: CliRunner) -> None:
    result = runner.invoke(app, ["coach", "--json"], input=WE_ANSWER)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["words"] == 38 and data["spoken_seconds"] == 15.2
    by_rule = {f["rule"]: f for f in data["findings"]}
    assert set(by_rule["i-not-we"]) == {"rule", "ok", "sentence", "fix"}
    assert by_rule["i-not-we"]["ok"] is False
    assert by_rule["i-not-we"]["sentence"].startswith("We planned the release")
    assert by_rule["number"]["ok"] is False
    assert by_rule["system-first"]["ok"] is True
    assert "intent" not in by_rule


def test_coach_reads_a_file_and_a_question(loaded: CliRunner, tmp_path: Path) -> None:
    answer = tmp_path / "answer.txt"
    answer.write_text(WE_ANSWER, encoding="utf-8")
    result = loaded.invoke(app, ["coach", str(answer), "--question", "alpha-1", "--json"])
    assert result.exit_code == 0, result.output
    rules = [f["rule"] for f in json.loads(result.stdout)["findings"]]
    assert rules[-1] == "intent" or "intent" not in rules  # judged from 60 words on
    shown = loaded.invoke(app, ["coach", str(answer)])
    assert shown.exit_code == 0
    assert 'says "I" for what you did' in shown.output and "to fix" in shown.output


def test_coach_pace_setting_changes_the_spoken_time(runner: CliRunner) -> None:
    assert runner.invoke(app, ["config", "speaking-pace", "100"]).exit_code == 0
    data = json.loads(runner.invoke(app, ["coach", "--json"], input=WE_ANSWER).stdout)
    assert data["spoken_seconds"] == 22.8


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["coach", "missing.txt"], None, "emdrill: missing.txt: cannot read"),
    (["coach"], "   \n", "emdrill: stdin: no text to read"),
    (["coach", "--question", "no-such-id"], WE_ANSWER, "unknown question id 'no-such-id'"),
])
def test_coach_bad_input_is_one_line(runner: CliRunner, args: list[str], stdin: str | None,
                                     message: str) -> None:
    result = runner.invoke(app, args, input=stdin)
    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_story_check_after_story_add(loaded: CliRunner, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    editor = FakeEditor(tmp_path)
    monkeypatch.setenv("EDITOR", editor.command)
    editor.plan_to(content=STORY)
    added = loaded.invoke(app, ["story", "add"])
    assert added.exit_code == 0, added.output
    assert "added story 1" in added.output
    assert 'says "I" for what you did (actions)' in added.output  # shown after saving
    checked = loaded.invoke(app, ["story", "check", "1", "--json"])
    assert checked.exit_code == 0, checked.output
    [story] = json.loads(checked.stdout)
    opened = {(f["rule"], f.get("part")) for f in story["findings"] if not f["ok"]}
    assert {("i-not-we", "actions"), ("number", "results"),
            ("learning", "learnings"), ("generic-learning", "learnings")} <= opened
    every = loaded.invoke(app, ["story", "check"])
    assert every.exit_code == 0 and "Story 1: The release that slipped" in every.output
    assert loaded.invoke(app, ["story", "check", "9"]).exit_code == 1


def test_coverage_and_the_back_show_open_findings(loaded: CliRunner, tmp_path: Path) -> None:
    stories = tmp_path / "stories.md"
    stories.write_text(STORY, encoding="utf-8")
    assert loaded.invoke(app, ["story", "import", str(stories)]).exit_code == 0
    coverage = loaded.invoke(app, ["story", "coverage"])
    assert coverage.exit_code == 0, coverage.output
    assert "(#1)!" in coverage.output and "open findings on #1" in coverage.output
    shown = loaded.invoke(app, ["show", "alpha-3"])  # its story slot is 1
    assert shown.exit_code == 0, shown.output
    assert "to fix:" in " ".join(shown.output.split()), shown.output
