"""The commands a user reached for (issue 11, point 10): show, help, question ids,
story tags checked, drill scopes that do not exist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emdrill.cli.main import app


@pytest.fixture
def loaded(runner: CliRunner, mini_deck: Path) -> CliRunner:
    assert runner.invoke(app, ["deck", "load", str(mini_deck)]).exit_code == 0
    return runner


def _ok(runner: CliRunner, args: list[str], stdin: str | None = None) -> str:
    result = runner.invoke(app, args, input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def test_show_prints_front_back_memory_and_reviews(loaded: CliRunner) -> None:
    before = _ok(loaded, ["show", "alpha-1"])
    assert "Question alpha-1?" in before and "Can you handle alpha-1?" in before
    assert "intent new: not reviewed yet" in " ".join(before.split())
    assert "No reviews yet." in before and "What next?" in before  # follow-ups too
    _ok(loaded, ["grade", "alpha-1", "--intent", "good", "--story", "1"])
    after = _ok(loaded, ["show", "alpha-1"])
    assert "Latest 1 review" in after and "intent good, story good, said slot 1" in after
    data = json.loads(_ok(loaded, ["show", "alpha-1", "--json"]))
    assert {k: data[k] for k in ("id", "family", "story", "story_name")} == {
        "id": "alpha-1", "family": "alpha", "story": 1,
        "story_name": "Managing an underperformer"}
    assert data["facets"]["intent"]["state"] == "learning"
    assert 0 < data["facets"]["intent"]["retrievability"] <= 1
    assert data["reviews"][0]["intent"] == "good" and data["your_story"] is None


def test_show_an_unknown_id_suggests_the_nearest(loaded: CliRunner) -> None:
    result = loaded.invoke(app, ["show", "alpha1"])
    assert result.exit_code == 1
    assert ("emdrill: unknown question id 'alpha1' (did you mean 'alpha-1'? every id: "
            "`emdrill deck list --ids`)") in result.output


def test_help_for_emdrill_and_for_a_command(loaded: CliRunner) -> None:
    guide = _ok(loaded, ["help"])  # a usage guide, not --help again
    assert "The daily loop" in guide and "Keys in a drill" in guide and "Read more" in guide
    assert "Commands:" not in guide and "Commands:" in _ok(loaded, ["--help"])
    story_add = _ok(loaded, ["help", "story", "add"])
    assert "story add [OPTIONS]" in story_add and "--slot" in story_add
    drill = _ok(loaded, ["help", "drill"])
    assert "--family" in drill and "--deck" in drill
    bad = loaded.invoke(app, ["help", "story", "nope"])
    assert bad.exit_code == 1
    assert "emdrill: no command 'nope' in emdrill story (see: emdrill help)" in bad.output


def test_deck_list_points_to_ids_it_can_show(loaded: CliRunner) -> None:
    listing = _ok(loaded, ["deck", "list"])
    assert "their ids: emdrill deck list --ids" in listing
    ids = _ok(loaded, ["deck", "list", "--ids"])
    for qid in ("alpha-1", "beta-3"):
        assert qid in ids
    only = _ok(loaded, ["deck", "list", "--ids", "--family", "beta"])
    assert "beta-1" in only and "alpha-1" not in only
    bad = loaded.invoke(app, ["deck", "list", "--ids", "--family", "nope"])
    assert bad.exit_code == 1 and "no family 'nope' (known: alpha, beta)" in bad.output


def test_story_tags_are_checked_against_ids_and_families(loaded: CliRunner,
                                                         tmp_path: Path) -> None:
    stories = tmp_path / "stories.md"
    stories.write_text("## Vendor fight\n- slots: 5\n- tags: beta-1, alpha, bta-2, nothing\n\n"
                       "### Context\nA vendor.\n", encoding="utf-8")
    out = " ".join(_ok(loaded, ["story", "import", str(stories)]).split())
    assert "tag 'beta-1'" not in out and "tag 'alpha'" not in out
    assert "tag 'bta-2' is neither a question id nor a family" in out
    assert "did you mean 'beta-2'?" in out
    assert "tag 'nothing' is neither a question id nor a family" in out


@pytest.mark.parametrize(("option", "message"), [
    ("--family", "emdrill: --family: no family 'nope' (known: alpha, beta)"),
    ("--deck", "emdrill: --deck: no deck 'nope' (loaded: mini; see `emdrill deck list`)"),
])
def test_drill_scope_that_does_not_exist_is_one_line(loaded: CliRunner, option: str,
                                                     message: str) -> None:
    result = loaded.invoke(app, ["commute", option, "nope"])
    assert result.exit_code == 1
    assert result.output.strip() == message
