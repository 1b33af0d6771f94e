"""`--json` on every read command, and one time format in all JSON output."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from emdrill.cli.main import app

ROOT = Path(__file__).resolve().parents[1]

STORY = """\
## Coaching an underperformer
- slots: 1, 5
- hook: back on track in six weeks

### Context
Three missed deadlines.
"""
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def _json(runner: CliRunner, *args: str) -> Any:
    done = runner.invoke(app, [*args, "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


@pytest.fixture
def used(runner: CliRunner, tmp_path: Path) -> CliRunner:
    story = tmp_path / "story.md"
    story.write_text(STORY, encoding="utf-8")
    assert runner.invoke(app, ["story", "import", str(story)]).exit_code == 0
    return runner


def test_where_and_config(used: CliRunner, home: Path) -> None:
    assert _json(used, "where") == {"data_folder": str(home),
                                    "database": str(home / "emdrill.db")}
    config = _json(used, "config")
    assert config["retention"]["value"] == "0.90" and "minutes" in config
    assert list(_json(used, "config", "minutes")) == ["minutes"]


def test_deck_list_and_ids(used: CliRunner) -> None:
    decks = _json(used, "deck", "list")
    core = next(d for d in decks if d["id"] == "em-core")
    bundled = tomllib.loads((ROOT / "decks" / "em-core.toml").read_text(encoding="utf-8"))
    assert sum(f["questions"] for f in core["families"]) == len(bundled["questions"])
    assert {f["family"] for f in core["families"]} == {f["slug"] for f in bundled["families"]}
    ids = _json(used, "deck", "list", "--ids", "--family", "conflict")
    assert ids and {q["family"] for q in ids} == {"conflict"}
    assert set(ids[0]) == {"id", "deck", "family", "text", "suspended"}


def test_story_list_show_coverage_and_systems(used: CliRunner) -> None:
    listed = _json(used, "story", "list")
    assert [(s["id"], s["slots"], s["title"]) for s in listed] == [
        (1, [1, 5], "Coaching an underperformer")]
    assert listed[0]["missing"] == ["challenge", "actions", "results", "learnings"]
    shown = _json(used, "story", "show", "1")
    assert shown["backs"] > 0 and shown["slot_names"]["5"] == "Difficult stakeholder"
    assert TIME.match(shown["created_at"])
    coverage = _json(used, "story", "coverage")
    first = coverage["slots"][0]
    assert first["slot"] == 1 and first["stories"] == [1] and first["questions"] > 0
    assert 1 not in coverage["write_next"] and 2 in coverage["write_next"]
    assert _json(used, "system", "show", "team") == {
        "team": {"name": "Leading the team", "text": ""}}


def test_check(used: CliRunner, home: Path) -> None:
    assert _json(used, "check") == {"database": str(home / "emdrill.db"), "exists": True,
                                    "ok": True, "problems": [], "repaired": [],
                                    "latest_good_backup": None}


def test_one_time_format_with_microseconds_in_the_clock(
        runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _json(runner, "next")
    for n, item in enumerate(first[:4]):
        monkeypatch.setenv("EMDRILL_NOW", f"2026-03-02T09:0{n}:07.{n + 1}23456+00:00")
        done = runner.invoke(app, ["grade", item["id"], "--intent", "good", "--story", "1"])
        assert done.exit_code == 0, done.output
    monkeypatch.setenv("EMDRILL_NOW", "2026-03-09T09:00:00+00:00")
    times = [i["due"] for i in _json(runner, "next") if i["due"] is not None]
    shown = _json(runner, "show", first[0]["id"])
    times += [r["at"] for r in shown["reviews"]]
    times += [shown["facets"]["intent"]["due"], shown["facets"]["story"]["last_review"]]
    assert len(times) >= 6
    assert [t for t in times if not TIME.match(t)] == []
