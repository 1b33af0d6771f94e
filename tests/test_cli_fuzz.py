"""The habit, part two: random arguments, environment and input files thrown at the whole
command line, each example on a fresh copy of a lived-in data folder. Whatever comes in:
no traceback, no "unexpected error", exit status 0, 1 or 2, and on 1 or 2 the data is
exactly as it was.

EMDRILL_FUZZ_EXAMPLES raises the number of examples for a longer campaign."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import FIXED_NOW, mini_deck_text
from emdrill.cli.main import app

EXAMPLES = int(os.environ.get("EMDRILL_FUZZ_EXAMPLES", "150"))

STORIES = """## The coverage push
- id: 3
- slots: 6, 8
- hook: We shipped a hotfix every week.
- tags: decisions-unpopular, delivery

### Context
A team of six.

### Learnings
Align first.
"""

# ---------------------------------------------------------------- the lived-in folder


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data folder with the bundled deck, a user deck, reviews, a story and a setting,
    made by real processes (so nothing of it waits in a WAL)."""
    root = tmp_path_factory.mktemp("template")
    home, deck, stories = root / "home", root / "mini.toml", root / "stories.md"
    deck.write_text(mini_deck_text(), encoding="utf-8")
    stories.write_text(STORIES, encoding="utf-8")
    env = {**os.environ, "EMDRILL_HOME": str(home), "EMDRILL_NOW": FIXED_NOW,
           "EMDRILL_SEED": "7"}
    for args in (["status"], ["deck", "load", str(deck)], ["story", "import", str(stories)],
                 ["grade", "decisions-unpopular", "--intent", "good", "--story", "3"],
                 ["grade", "alpha-1", "--intent", "again", "--story", "5"],
                 ["config", "new-per-day", "4"]):
        done = subprocess.run([sys.executable, "-m", "emdrill", *args], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (args, done.stderr)
    yield home


def _dump(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return list(con.iterdump())
    finally:
        con.close()


# ---------------------------------------------------------------- what is thrown

WORDS = ["decisions-unpopular", "alpha-1", "beta-2", "nope", "3", "0", "1", "-1", "8", "9",
         "²", "٣", "1e400", "nan", "inf", "-0", "99999999999999999999", "9" * 400, "", " ",
         "good", "again", "easy", "right", "wrong", "--json", "--yes", "-n", "--", "FILE",
         "DECK", "STORIES", "MISSING", "FOLDER", "retention", "new-per-day", "minutes",
         "adaptive", "on", "0.5", "0.9", "team", "delivery", "conflict", "\x00", "a\nb",
         "é", "\u2028", "\ufeff3"]
word = st.one_of(st.sampled_from(WORDS), st.text(max_size=12))

COMMANDS: list[list[str]] = [
    ["status"], ["status", "--json"], ["next"], ["next", "--json", "--limit"],
    ["grade"], ["grade", "--intent"], ["grade", "--batch"], ["undo"], ["config"],
    ["deck", "check"], ["deck", "load"], ["deck", "list"], ["story", "list"],
    ["story", "show"], ["story", "export"], ["story", "import"], ["story", "import", "--dry-run"],
    ["story", "coverage"], ["story", "rm"], ["system", "show"], ["stats"], ["stats", "--json"],
    ["shaky"], ["shaky", "--family"], ["check"], ["where"], ["drill", "--cards"],
    ["commute", "--cards"], ["export", "json"], ["export", "anki"], ["import"],
    ["import", "--dry-run"], ["backup"], ["restore"], ["suggest"], ["add"], ["mock"], [],
]

TIMES = [FIXED_NOW, "2026-03-02T02:30:00+01:00", "2026-01-01T00:00:00+00:00",
         "2027-06-01T12:00:00-07:00", "garbage", "0001-01-01T00:00:00+01:00",
         "9999-12-31T23:00:00-05:00", "2026-03-02T09:00:00", "", "2026-02-30T00:00:00+00:00"]

deck_text = st.one_of(
    st.tuples(st.integers(0, 3000), st.integers(0, 40), st.text(max_size=12)).map(
        lambda e: (t := mini_deck_text())[:e[0]] + e[2] + t[e[0] + e[1]:]),
    st.text(max_size=200),
    st.just("\ufeff" + mini_deck_text()),
)
story_text = st.one_of(
    st.tuples(st.integers(0, len(STORIES)), st.integers(0, 20), st.text(max_size=12)).map(
        lambda e: STORIES[:e[0]] + e[2] + STORIES[e[0] + e[1]:]),
    st.text(max_size=200),
)
batch_line = st.one_of(
    st.fixed_dictionaries({"id": word, "intent": word, "story": st.one_of(word, st.integers()),
                           "seconds": st.one_of(st.none(), st.floats(), st.integers())}).map(
        lambda d: __import__("json").dumps(d, allow_nan=True)),
    st.text(max_size=40),
)
stdin_text = st.one_of(st.lists(batch_line, max_size=4).map("\n".join),
                       st.lists(word, max_size=6).map("\n".join))


# Well-formed command lines, each "?" a random word: these get past the parser to the core.
FORMED = [
    "grade ? --intent ? --story ?", "grade ? --intent ? --story ? --seconds ?",
    "grade decisions-unpopular --intent good --story ? --seconds ?", "grade --batch",
    "config ? ?", "config retention ?", "config new-per-day ?", "next --limit ?",
    "story show ?", "story rm ? --yes", "deck check DECK", "deck load DECK", "deck check ?",
    "story import STORIES", "story import STORIES --dry-run", "story export ?",
    "shaky --family ?", "system show ?", "drill --cards 3", "commute --cards 2", "undo",
    "undo", "deck load DECK STORIES", "export json ?", "export json FILE", "import FILE",
    "import STORIES", "import DECK --dry-run", "backup ?", "backup FILE", "restore FILE --yes",
    "restore FILE",
    "restore DECK", "suggest ?", "add ? --yes", "grade ? --intent-pick ?",
]


def _formed(draw: st.DrawFn) -> list[str]:
    template = draw(st.sampled_from(FORMED)).split()
    return [draw(word) if part == "?" else part for part in template]


@st.composite
def invocation(draw: st.DrawFn) -> tuple[list[str], dict[str, str], str, str, str]:
    if draw(st.booleans()):
        args = _formed(draw)
    else:
        args = draw(st.sampled_from(COMMANDS)) + draw(st.lists(word, max_size=4))
    env = {"EMDRILL_NOW": draw(st.sampled_from(TIMES)),
           "EMDRILL_SEED": draw(st.sampled_from(["7", "x", "", "-3", "9" * 30]))}
    return args, env, draw(stdin_text), draw(deck_text), draw(story_text)


def _materialise(args: list[str], folder: Path, deck: str, stories: str) -> list[str]:
    """Turn the placeholder words into real paths inside this example's folder."""
    (folder / "deck.toml").write_text(deck, encoding="utf-8", errors="surrogatepass")
    (folder / "stories.md").write_text(stories, encoding="utf-8", errors="surrogatepass")
    paths = {"FILE": folder / "out.md", "DECK": folder / "deck.toml",
             "STORIES": folder / "stories.md", "MISSING": folder / "missing" / "x",
             "FOLDER": folder}
    return [str(paths[a]) if a in paths else a for a in args]


def _check(code: int, output: str, before: list[str], db: Path, args: list[str]) -> None:
    assert code in (0, 1, 2), (args, code, output)
    assert "Traceback" not in output, (args, output)
    assert "unexpected error" not in output, (args, output)
    if code != 0:
        assert _dump(db) == before, (args, output)


# ---------------------------------------------------------------- in process, many


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=invocation())
def test_any_command_line_gets_a_clean_answer(template: Path,
                                              case: tuple[list[str], dict[str, str], str, str,
                                                          str]) -> None:
    args, env, stdin, deck, stories = case
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        home = folder / "home"
        shutil.copytree(template, home)
        args = _materialise(args, folder, deck, stories)
        before = _dump(home / "emdrill.db")
        here = os.getcwd()
        os.chdir(folder)  # a relative file name (story export WORD) lands in the scratch
        try:
            result = CliRunner().invoke(app, args, input=stdin,
                                        env={**env, "EMDRILL_HOME": str(home),
                                             "EDITOR": "false", "VISUAL": ""})
        finally:
            os.chdir(here)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        _check(result.exit_code, result.output, before, home / "emdrill.db", args)


# ---------------------------------------------------------------- real processes, a few


@settings(max_examples=max(EXAMPLES // 10, 5), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=invocation())
def test_any_command_line_in_a_real_process(template: Path,
                                            case: tuple[list[str], dict[str, str], str, str,
                                                        str]) -> None:
    args, env, stdin, deck, stories = case
    args = [a for a in args if "\x00" not in a]  # an OS argument cannot hold NUL
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        home = folder / "home"
        shutil.copytree(template, home)
        args = _materialise(args, folder, deck, stories)
        before = _dump(home / "emdrill.db")
        done = subprocess.run([sys.executable, "-m", "emdrill", *args], input=stdin, cwd=folder,
                              env={**os.environ, **env, "EMDRILL_HOME": str(home),
                                   "EDITOR": "false", "VISUAL": ""},
                              capture_output=True, text=True, timeout=60, errors="replace")
        _check(done.returncode, done.stdout + done.stderr, before, home / "emdrill.db", args)
