"""ui/console: any stdout encoding works (ASCII stand-ins, never a crash), colour and
layout are separate, piped output follows COLUMNS with no trailing spaces."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import procs
from emdrill.cli.main import app
from emdrill.ui import console
from term import Term

STORY = """\
## Coaching an underperformer — the “quiet” engineer
- slots: 1
- hook: A senior engineer → back on track

### Context
Three missed deadlines → I stepped in · fast.

### Results
Shipped on time.
"""

ASCII = {"PYTHONUTF8": "0", "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": ""}
CP1252 = {"PYTHONIOENCODING": "cp1252"}


def _run(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[bytes]:
    full = {**os.environ, **env}
    return procs.run([sys.executable, "-m", "emdrill", *args], env=full,
                     input=stdin.encode(), capture_output=True, timeout=60)


@pytest.fixture
def reviewed(fresh: Path, runner: CliRunner, tmp_path: Path) -> str:
    """A collection with one review and one story, so every report has rows to draw (from
    a copy of a new collection, tests/shared.py)."""
    first = json.loads(runner.invoke(app, ["next", "--json"]).stdout)[0]["id"]
    assert runner.invoke(app, ["grade", first, "--intent", "good", "--story", "1"]).exit_code == 0
    story = tmp_path / "story.md"
    story.write_text(STORY, encoding="utf-8")
    assert runner.invoke(app, ["story", "import", str(story)]).exit_code == 0
    return str(first)


@pytest.mark.parametrize("name, env", [("ascii", ASCII), ("cp1252", CP1252)])
def test_every_report_works_on_a_narrow_encoding(reviewed: str, name: str,
                                                 env: dict[str, str]) -> None:
    encoding = "ascii" if name == "ascii" else "cp1252"
    outputs = {}
    for args in ([], ["stats"], ["shaky"], ["show", reviewed], ["story", "show", "1"],
                 ["story", "list"], ["deck", "list"], ["help"]):
        done = _run(*args, env=env)
        assert done.returncode == 0, (args, done.stderr)
        done.stdout.decode(encoding)  # written in that encoding, not as UTF-8
        assert b"unexpected" not in done.stderr
        outputs[" ".join(args)] = done.stdout.decode(encoding)
    stats = outputs["stats"]
    assert "#" in stats and "█" not in stats  # the bars degrade to ASCII


def test_a_piped_drill_works_on_an_ascii_stdout(reviewed: str) -> None:
    done = _run("drill", env=ASCII, stdin="x\nq\n")
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("ascii")
    assert "drill . 4:59 left . 0 done" in text  # '·' became '.'
    assert "No questions answered this time." in text


def test_json_and_exports_lose_nothing_on_an_ascii_stdout(reviewed: str) -> None:
    shown = _run("story", "export", env=ASCII)
    assert shown.returncode == 0
    assert "“quiet”" in shown.stdout.decode("utf-8")  # a document keeps its characters
    listed = _run("show", reviewed, "--json", env=ASCII)
    listed.stdout.decode("ascii")
    assert json.loads(listed.stdout)["id"] == reviewed


def test_the_stand_ins_keep_one_character_where_widths_matter() -> None:
    for char in "·░▒▓█▏▎▍▌▋▊▉─▲▼●✓✗→—":
        assert len(char.encode("ascii", console.ERRORS)) == 1, char
    assert "café".encode("ascii", console.ERRORS) == b"cafe"
    assert "日".encode("ascii", console.ERRORS) == b"?"


# ------------------------------------------------------------ colour and layout

COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7])[;m]")  # a foreground colour


def _tty(*args: str, env: dict[str, str], cols: int = 40, rows: int = 20) -> Term:
    term = Term(*args, cols=cols, rows=rows, env=env)
    term.finish()
    assert term.exitstatus == 0, term.text
    return term


def test_no_color_turns_colour_off_and_keeps_the_layout(reviewed: str) -> None:
    coloured = _tty("stats", env={})
    plain = _tty("stats", env={"NO_COLOR": "1"})
    assert COLOUR.search(coloured.transcript.decode())
    assert not COLOUR.search(plain.transcript.decode())
    assert plain.lines == coloured.lines  # the same 40-column layout, only without colour
    assert max(len(line) for line in plain.transcript.decode().splitlines()) <= 60


def test_an_empty_no_color_is_unset(reviewed: str) -> None:
    assert COLOUR.search(_tty("stats", env={"NO_COLOR": ""}).transcript.decode())


def test_force_color_colours_piped_output(reviewed: str) -> None:
    forced = _run("stats", env={"FORCE_COLOR": "1"}).stdout.decode()
    assert COLOUR.search(forced)
    assert not COLOUR.search(_run("stats", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
                             .stdout.decode())
    assert not COLOUR.search(_run("stats", env={"FORCE_COLOR": ""}).stdout.decode())


def test_piped_output_follows_columns_without_trailing_spaces(reviewed: str) -> None:
    narrow = _run("stats", env={"COLUMNS": "40"}).stdout.decode().splitlines()
    assert max(len(line) for line in narrow) <= 40
    wide = _run("stats", env={"COLUMNS": ""}).stdout.decode().splitlines()
    assert max(len(line) for line in wide) > 40  # unset: 100 columns
    listed = _run("deck", "list", "--ids", env={}).stdout.decode().splitlines()
    assert len(listed) > 200
    assert [line for line in listed if line != line.rstrip()] == []


def test_trimming_waits_for_the_end_of_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    piped = console._Trimmed()
    piped.write("a  ")
    piped.write("b   \n\x1b[1mbold  \x1b[0m\ntail  ")
    piped.flush()
    assert capsys.readouterr().out == "a  b\n\x1b[1mbold\x1b[0m\ntail  "


def test_a_long_path_is_printed_whole(runner: CliRunner, tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*(["a-rather-long-folder-name"] * 6))
    deep.mkdir(parents=True)
    target = deep / "export.json"
    done = _run("export", "json", str(target), env={"COLUMNS": "40"})
    assert done.returncode == 0, done.stderr
    assert f"wrote {target}: " in done.stdout.decode()


@pytest.mark.parametrize("columns", ["40"])
def test_every_line_that_names_a_path_keeps_it_whole_in_a_pipe(
        reviewed: str, tmp_path: Path, columns: str) -> None:
    """Summaries and error lines through a real pipe, with paths far wider than the line:
    each path stays on the line that names it (a script can cut it out)."""
    deep = tmp_path.joinpath(*(["a-rather-long-folder-name"] * 6))
    deep.mkdir(parents=True)
    env = {"COLUMNS": columns}
    dump, copy, stories, apkg = (deep / name for name in ("all.json", "copy.db", "stories.md",
                                                           "out.apkg"))
    expected = [
        (["export", "json", str(dump)], f"wrote {dump}: "),
        (["import", "--dry-run", str(dump)], f"{dump} reads cleanly: "),
        (["backup", str(copy)], f"backed up to {copy}"),
        (["backup", str(copy)], f"emdrill: {copy}: already exists"),
        (["restore", str(copy), "--yes"], f"restored {copy}"),
        (["restore", str(deep / "none.db"), "--yes"], f"emdrill: {deep / 'none.db'}: "),
        (["story", "export", str(stories)], f"to {stories}"),
        (["export", "anki", str(apkg)], f"to {apkg}"),
        (["import", "--dry-run", str(apkg)], f"{apkg}"),
    ]
    for args, line in expected:
        done = _run(*args, env=env)
        said = (done.stdout + done.stderr).decode().splitlines()
        assert [s for s in said if line in s], (args, said)
