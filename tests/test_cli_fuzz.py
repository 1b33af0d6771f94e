"""The habit, part two: random arguments, environment and input files thrown at the whole
command line, each example on a fresh copy of a lived-in data folder. Whatever comes in:
no traceback, no "unexpected error", exit status 0, 1 or 2, and on 1 or 2 the data is
exactly as it was.

A second test throws hostile files: backups with foreign objects, JSON imports with extreme
values, Anki packages with views, nulls and overflowing ids, and export targets inside the
data folder.

EMDRILL_FUZZ_EXAMPLES raises the number of examples for a longer campaign."""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import procs
from conftest import FIXED_NOW, data_folder, made_whole, mini_deck_text, run_sql
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
    made by the commands in this process, then closed and folded into one file (nothing of
    it waits in a WAL)."""
    root = tmp_path_factory.mktemp("template")
    home, deck, stories = root / "home", root / "mini.toml", root / "stories.md"
    deck.write_text(mini_deck_text(), encoding="utf-8")
    stories.write_text(STORIES, encoding="utf-8")
    with data_folder(home):
        for args in (["status"], ["deck", "load", str(deck)],
                     ["story", "import", str(stories)],
                     ["grade", "decisions-unpopular", "--intent", "good", "--story", "3"],
                     ["grade", "alpha-1", "--intent", "again", "--story", "5"],
                     ["config", "new-per-day", "4"]):
            done = CliRunner().invoke(app, args)
            assert done.exit_code == 0, (args, done.output)
    made_whole(home / "emdrill.db")
    assert not (home / "emdrill.db-wal").exists()
    yield home


def _dump(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return list(con.iterdump())
    finally:
        con.close()


@pytest.fixture(scope="module")
def as_made(template: Path) -> list[str]:
    """The lived-in database as SQL: what every example's copy holds before its command
    (dumped once here, not once per example)."""
    return _dump(template / "emdrill.db")


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


# A fifth of the in-process examples go to the hostile files below, so the whole file costs
# what it did before they were added.
@settings(max_examples=EXAMPLES - EXAMPLES // 5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=invocation())
def test_any_command_line_gets_a_clean_answer(template: Path, as_made: list[str],
                                              case: tuple[list[str], dict[str, str], str, str,
                                                          str]) -> None:
    args, env, stdin, deck, stories = case
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        home = folder / "home"
        shutil.copytree(template, home)
        args = _materialise(args, folder, deck, stories)
        before = as_made
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
def test_any_command_line_in_a_real_process(template: Path, as_made: list[str],
                                            case: tuple[list[str], dict[str, str], str, str,
                                                        str]) -> None:
    args, env, stdin, deck, stories = case
    args = [a for a in args if "\x00" not in a]  # an OS argument cannot hold NUL
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        home = folder / "home"
        shutil.copytree(template, home)
        args = _materialise(args, folder, deck, stories)
        before = as_made
        done = procs.run([sys.executable, "-m", "emdrill", *args], input=stdin, cwd=folder,
                         env={**os.environ, **env, "EMDRILL_HOME": str(home),
                              "EDITOR": "false", "VISUAL": ""},
                         capture_output=True, text=True, timeout=60, errors="replace")
        _check(done.returncode, done.stdout + done.stderr, before, home / "emdrill.db", args)


# ---------------------------------------------------------------- hostile files, built once

# What is spoiled in a backup before `restore` is asked to take it: each must be refused.
FOREIGN_SQL = [
    "CREATE TRIGGER {n} AFTER INSERT ON review BEGIN DELETE FROM story; END",
    "CREATE TRIGGER {n} BEFORE DELETE ON question BEGIN SELECT 1; END",
    "CREATE VIEW {n} AS SELECT * FROM review",
    "CREATE VIEW {n} AS WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) "
    "SELECT i FROM c",
    "CREATE INDEX {n} ON review (mode)", "CREATE TABLE {n} (x)",
    "ALTER TABLE story ADD COLUMN {n} TEXT",
    "PRAGMA application_id = {id}", "PRAGMA user_version = {version}",
]
NAMES = ["wipe", "peek", "x", "review_question2", "sqlitex", "\"a b\"", "[é]"]
EXTREMES: list[object] = [
    -1, 0, 2 ** 31, 2 ** 63, -(2 ** 63) - 1, 10 ** 30, 10 ** 400, 1e308, -1e308, 0.5,
    float("nan"), float("inf"), "", "x" * 100_000, "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59+00:00", "1969-12-31T23:59:59+00:00", "2201-01-01T00:00:00+00:00",
    None, True, [], {}, [[[[[]]]]], {"a": {"b": None}}, "\x00", "\ud800",
]
DEEP = "[" * 50_000 + "]" * 50_000
OWNED = ["emdrill.db", "emdrill.db-wal", "emdrill.db-shm", "emdrill.db-journal", "BACKUP",
         "backups/new.json", "backups/new.apkg", "decks/mine.toml", "decks/new.apkg",
         "./emdrill.db", "backups/../emdrill.db", "LINK", "LINK.apkg"]
ANKI_IDS = [2 ** 63 - 1, -(2 ** 63), 2 ** 62, 10 ** 15, -5, 0, 1_772_442_000_000]


@pytest.fixture(scope="module")
def built(template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sound files every hostile example starts from: a backup and a JSON export of the
    lived-in folder (each example spoils a copy)."""
    from emdrill.store import backup as store_backup

    root = tmp_path_factory.mktemp("built")
    store_backup.copy_database(template / "emdrill.db", root / "B.db")
    shutil.copytree(template, root / "home")
    done = CliRunner().invoke(app, ["export", "json", str(root / "all.json")],
                              env={"EMDRILL_HOME": str(root / "home"), "EMDRILL_NOW": FIXED_NOW})
    assert done.exit_code == 0, done.output
    return {"backup": root / "B.db", "json": root / "all.json"}


@st.composite
def hostile_backup(draw: st.DrawFn) -> tuple[str, Any]:
    from emdrill.store.migrations import LATEST

    sql = draw(st.sampled_from(FOREIGN_SQL)).format(
        n=draw(st.sampled_from(NAMES)), id=draw(st.integers(1, 2 ** 31 - 1)),
        version=draw(st.sampled_from([LATEST + 1, LATEST + 1000, -1, 2 ** 31 - 1])))
    return "backup", (sql, draw(st.booleans()))  # and, maybe, a stale -wal beside it


@st.composite
def hostile_json(draw: st.DrawFn) -> tuple[str, Any]:
    from emdrill.core.dumpfile import SECTIONS

    section = draw(st.sampled_from(["decks", "questions", "progress", "reviews", "stories",
                                    "settings", *SECTIONS]))
    value = draw(st.one_of(st.sampled_from(EXTREMES), st.integers(), st.floats(),
                           st.text(max_size=30)))
    whole: object = draw(st.sampled_from([None, None, None, [], {}, "x", 0, [None], [[]]]))
    field = draw(st.integers(0, 40))
    deep = draw(st.sampled_from([False, False, True]))
    mode = draw(st.sampled_from([["--dry-run"], [], ["--replace"]]))
    return "json", (section, field, value, whole, deep, mode)


@st.composite
def hostile_anki(draw: st.DrawFn) -> tuple[str, Any]:
    cell = st.one_of(st.sampled_from([None, -1, 0, 1, 3, 4, 99, 2 ** 63 - 1, "x", 1.5, b"\x00"]),
                     st.integers(-(2 ** 63), 2 ** 63 - 1))
    rows = draw(st.lists(st.tuples(st.one_of(st.sampled_from(ANKI_IDS), cell), cell, cell,
                                   cell, cell), max_size=4))
    shape = draw(st.sampled_from(["table", "table", "view", "endless-view", "trigger",
                                  "no-revlog", "text-ids"]))
    return "anki", (shape, rows, draw(st.booleans()))


@st.composite
def owned_target(draw: st.DrawFn) -> tuple[str, Any]:
    command = draw(st.sampled_from([["export", "json"], ["story", "export"],
                                    ["export", "anki"], ["backup", "--force"], ["backup"]]))
    return "owned", (command, draw(st.sampled_from(OWNED)))


def _spoil_backup(case: Any, built: dict[str, Path], folder: Path) -> list[str]:
    sql, stale = case
    path = folder / "B.db"
    shutil.copyfile(built["backup"], path)
    run_sql(path, sql)
    if stale:
        Path(f"{path}-wal").write_bytes(b"\x37\x7f\x06\x82" + bytes(28))
    return ["restore", str(path), "--yes"]


def _spoil_json(case: Any, built: dict[str, Path], folder: Path) -> list[str]:
    import json

    section, field, value, whole, deep, mode = case
    data = json.loads(built["json"].read_text(encoding="utf-8"))
    rows = data.get(section)
    if whole is not None:
        data[section] = whole
    elif isinstance(rows, list) and rows and isinstance(rows[0], dict):
        keys = sorted(rows[0])
        rows[0][keys[field % len(keys)]] = value
    else:
        data[section] = [value]
    text = json.dumps(data, allow_nan=True, ensure_ascii=False, default=str)
    if deep:
        text = text.replace('"settings": [', f'"settings": [{DEEP}, ', 1)
    path = folder / "hostile.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return ["import", *mode, str(path)]


def _spoil_anki(case: Any, folder: Path) -> list[str]:
    import zipfile

    shape, rows, dry = case
    db = folder / "collection.anki21"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, guid TEXT)")
    con.execute("CREATE TABLE cards (id INTEGER PRIMARY KEY, nid INTEGER, ord INTEGER)")
    con.execute("INSERT INTO notes VALUES (1, 'emdrill:decisions-unpopular')")
    con.execute("INSERT INTO cards VALUES (1, 1, 0)")
    columns = "id, cid, ease, type, time, factor"
    if shape == "endless-view":
        con.execute("CREATE VIEW revlog AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT "
                    "i + 1 FROM n) SELECT i AS id, 1 AS cid, 3 AS ease, 1 AS type, 0 AS time, "
                    "2500 AS factor FROM n")
    elif shape != "no-revlog":
        kind = "TEXT" if shape == "text-ids" else "INTEGER"
        name = "revlog_data" if shape == "view" else "revlog"
        con.execute(f"CREATE TABLE {name} (id {kind}, cid INTEGER, ease INTEGER, "
                    "type INTEGER, time INTEGER, factor INTEGER)")
        con.executemany(f"INSERT INTO {name} ({columns}) VALUES (?, 1, ?, ?, ?, ?)", rows)
        if shape == "view":
            con.execute(f"CREATE VIEW revlog AS SELECT {columns} FROM revlog_data")
        if shape == "trigger":
            con.execute("CREATE TRIGGER boom AFTER INSERT ON notes BEGIN DELETE FROM cards; END")
    con.commit()
    con.close()
    path = folder / "hostile.apkg"
    with zipfile.ZipFile(path, "w") as z:
        z.write(db, "collection.anki21")
    return ["import", *(["--dry-run"] if dry else []), str(path)]


def _owned(case: Any, home: Path, folder: Path) -> list[str]:
    command, where = case
    (home / "decks").mkdir(exist_ok=True)
    (home / "decks" / "mine.toml").write_text("# the user's own deck\n", encoding="utf-8")
    (home / "backups").mkdir(exist_ok=True)
    made = sorted((home / "backups").glob("*.db"))
    (folder / "LINK").symlink_to(home / "emdrill.db")
    (folder / "LINK.apkg").symlink_to(home / "emdrill.db")
    target = {"BACKUP": made[0] if made else home / "backups" / "x.db",
              "LINK": folder / "LINK", "LINK.apkg": folder / "LINK.apkg"}.get(where)
    return [*command, str(target or home / where)]


def _listing(home: Path) -> dict[str, bytes]:
    """Every file of the data folder but SQLite's -wal and -shm, which an open may make."""
    return {str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*"))
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


@settings(max_examples=EXAMPLES // 5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=st.one_of(hostile_backup(), hostile_json(), hostile_anki(), owned_target()))
def test_any_hostile_file_gets_a_clean_answer(template: Path, as_made: list[str],
                                              built: dict[str, Path],
                                              case: tuple[str, Any]) -> None:
    """Backups with foreign objects, imports with extreme values, Anki packages with views,
    nulls and overflowing ids, and targets inside the data folder: a clean answer, and a
    refusal leaves the data folder as it was; a backup or a target that emdrill owns is
    always refused."""
    kind, spec = case
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        home = folder / "home"
        shutil.copytree(template, home)
        args = {"backup": lambda: _spoil_backup(spec, built, folder),
                "json": lambda: _spoil_json(spec, built, folder),
                "anki": lambda: _spoil_anki(spec, folder),
                "owned": lambda: _owned(spec, home, folder)}[kind]()
        before, files = as_made, _listing(home)
        result = CliRunner().invoke(app, args, env={"EMDRILL_HOME": str(home),
                                                    "EMDRILL_NOW": FIXED_NOW})
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        _check(result.exit_code, result.output, before, home / "emdrill.db", args)
        if kind in ("backup", "owned"):
            assert result.exit_code == 1, (args, result.output)
            assert len(result.output.strip().splitlines()) == 1, (args, result.output)
            assert _listing(home) == files, (args, result.output)
        elif result.exit_code != 0:
            assert _listing(home) == files, (args, result.output)
