"""Shared fixtures: every test gets its own data folder and a fixed clock."""

from __future__ import annotations

import gc
import sqlite3
import sys
import textwrap
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from emdrill.core import scheduler
from emdrill.core.questionlist import Row, parse_list

if TYPE_CHECKING:
    from emdrill.store.db import Store

# Bytecode for the tests and what they import, kept under .pytest_cache (not beside the
# sources) even where PYTHONDONTWRITEBYTECODE is set: else every test process (each xdist
# worker) compiles and assertion-rewrites every test module again, about 4 s of CPU of its
# 6 s of collection. Only this process: the commands the tests start keep the environment.
if sys.dont_write_bytecode:
    sys.pycache_prefix = sys.pycache_prefix or str(
        Path(__file__).resolve().parents[1] / ".pytest_cache" / "pycache")
    sys.dont_write_bytecode = False

FIXED_NOW = "2026-03-02T09:00:00+00:00"
STORE_NOW = datetime.fromisoformat(FIXED_NOW)  # when the shared `store` opens and loads


def _test_environment(patch: pytest.MonkeyPatch, folder: Path) -> None:
    """What every test runs under: its own data folder, a fixed clock and seed, and none of
    the layout variables (output follows them when piped: a test gets the same screen
    wherever it runs, a CI runner, an xdist worker or a narrow terminal exporting COLUMNS)."""
    patch.setenv("EMDRILL_HOME", str(folder))
    patch.setenv("EMDRILL_NOW", FIXED_NOW)
    patch.setenv("EMDRILL_SEED", "7")
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES"):
        patch.delenv(name, raising=False)
    scheduler.seed(7)


# The files that take longest (seconds of one worker, --durations=0 serially), run first:
# xdist hands out whole files (`--dist loadfile`), and a long one started last would keep
# one worker busy while the other has nothing left. The rest keep their collected order.
LONGEST_FIRST = ("test_faults.py", "test_screens.py", "test_reliability.py", "test_console.py",
                 "test_mock_screen.py", "test_cli_fuzz.py", "test_procs.py", "test_drill.py",
                 "test_cli_story.py", "test_questions.py", "test_hot_path.py",
                 "test_suggest_speed.py", "test_store_paths.py", "test_transfer.py",
                 "test_packaging.py", "test_cli.py", "test_offset_change.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files in LONGEST_FIRST first, in that order (a stable sort: a file's own tests
    keep their order)."""
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def pytest_sessionfinish() -> None:
    """Stop this test process's fork server (tests/procs.py) and wait for it."""
    from procs import ZYGOTE_SERVER

    ZYGOTE_SERVER.close()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point EMDRILL_HOME at a temp dir so no test touches real user data."""
    folder = tmp_path / "home"
    _test_environment(monkeypatch, folder)
    yield folder


@contextmanager
def data_folder(folder: Path) -> Iterator[pytest.MonkeyPatch]:
    """The environment the `home` fixture gives a test, pointed at `folder`: for a module
    fixture that makes a collection once (in-process), which each test then copies
    (`made_whole`, then shutil.copytree into its `home`)."""
    with pytest.MonkeyPatch.context() as patch:
        _test_environment(patch, folder)
        yield patch


def mini_deck_folder(factory: pytest.TempPathFactory) -> Path:
    """A data folder where the mini deck was loaded (after the bundled one, on first use),
    for a module fixture to make once and each test to copy into its `home`."""
    from emdrill.cli.main import app

    root = factory.mktemp("loaded")
    deck = root / "mini.toml"
    deck.write_text(mini_deck_text(), encoding="utf-8")
    with data_folder(root / "home"):
        result = CliRunner().invoke(app, ["deck", "load", str(deck)])
    assert result.exit_code == 0, result.output
    assert "added 6" in result.output
    made_whole(root / "home" / "emdrill.db")
    return root / "home"


def _undo_m020() -> str:
    from emdrill.store import migrations as m
    from emdrill.store.codec import MEMORY_COLUMNS

    def text(column: str) -> str:  # microseconds back to the stored ISO text
        return (f"CASE WHEN {column} IS NOT NULL THEN strftime('%Y-%m-%dT%H:%M:%S', "
                f"{column} / 1000000, 'unixepoch') || '.' || printf('%06d', {column} % 1000000)"
                " || '+00:00' END")

    body = m.M003_ANKI_REVIEWS[:m.M003_ANKI_REVIEWS.index("INSERT INTO review_new")]
    m004 = m.M004_HOT_PATH
    triggers = m004[m004.index("CREATE TRIGGER review_added"):m004.index("CREATE TRIGGER facet")]
    lapse = m.M011_SET_ASIDE[m.M011_SET_ASIDE.index("CREATE INDEX review_lapse"):]
    m019 = m.M019_HOME_TALLIES
    first = m019[m019.index("CREATE INDEX review_first"):m019.index("CREATE TABLE play_count")]
    modes = " ".join(f"WHEN {i} THEN '{name}'" for i, name in enumerate(m._MODES_M020))
    columns = ", ".join(text(f"r.{c}") if c in m._REVIEW_TIMES_M020 else f"r.{c}" for c in (
        "reviewed_at", "intent_rating", "story_rating", "slot_named", "seconds"))
    prev = ", ".join(text(f"r.{k}_prev_{c}") if c in ("due", "last_review") else f"r.{k}_prev_{c}"
                     for k in ("intent", "story") for c in MEMORY_COLUMNS)
    return f"""
    CREATE TEMP TABLE kept_anki AS SELECT * FROM anki_review;
    CREATE TEMP TABLE kept_pick AS SELECT * FROM intent_pick;
    {body}
    INSERT INTO review_new SELECT r.id, q.id, {columns}, CASE r.mode {modes} END, {prev}
        FROM review r JOIN question q ON q.num = r.question_num ORDER BY r.id;
    DROP TABLE review;
    ALTER TABLE review_new RENAME TO review;
    CREATE INDEX review_question ON review (question_id, reviewed_at);
    CREATE INDEX review_time ON review (reviewed_at);
    {lapse}
    {first}
    DELETE FROM anki_review; INSERT INTO anki_review SELECT * FROM kept_anki;
    DELETE FROM intent_pick; INSERT INTO intent_pick SELECT * FROM kept_pick;
    DROP TABLE kept_anki; DROP TABLE kept_pick;
    DROP TRIGGER question_numbered; DROP INDEX question_num;
    ALTER TABLE question DROP COLUMN num;
    DROP TABLE review_quarter;
    CREATE TABLE review_quarter (
    quarter INTEGER PRIMARY KEY,
    reviews INTEGER NOT NULL
);
    INSERT INTO review_quarter SELECT CAST(strftime('%s', reviewed_at) AS INTEGER) / 900,
        count(*) FROM review GROUP BY 1;
    {triggers}
    {m._family_day_triggers(m.MATURE_RULE, layout=m.TEXT_LAYOUT)}
    PRAGMA user_version = 19;
"""


def _text_reviews_view() -> str:
    return "CREATE TEMP VIEW review AS " + _text_reviews_select()


def _text_reviews_select() -> str:
    from emdrill.store import migrations as m
    from emdrill.store.codec import MEMORY_COLUMNS

    def text(column: str) -> str:
        return (f"CASE WHEN {column} IS NOT NULL THEN strftime('%Y-%m-%dT%H:%M:%S', "
                f"{column} / 1000000, 'unixepoch') || '.' || printf('%06d', {column} % 1000000)"
                " || '+00:00' END")

    modes = " ".join(f"WHEN {i} THEN '{name}'" for i, name in enumerate(m._MODES_M020))
    prev = ", ".join((text(f"r.{k}_prev_{c}") if c in ("due", "last_review") else f"r.{k}_prev_{c}")
                     + f" AS {k}_prev_{c}" for k in ("intent", "story") for c in MEMORY_COLUMNS)
    return (f"SELECT r.id AS id, q.id AS question_id, "
            f"{text('r.reviewed_at')} AS reviewed_at, r.intent_rating AS intent_rating, "
            "r.story_rating AS story_rating, r.slot_named AS slot_named, r.seconds AS seconds, "
            f"CASE r.mode {modes} END AS mode, {prev} "
            "FROM main.review r JOIN main.question q ON q.num = r.question_num")


# The same rows as a subquery, for a read on a store's own connection: `FROM {TEXT_REVIEWS} r`.
TEXT_REVIEWS = f"({_text_reviews_select()})"


def text_reviews(con: sqlite3.Connection) -> sqlite3.Connection:
    """`con` with a temporary view `review` in the text layout of migration 19 (question
    ids, ISO times, mode names) over the stored one, for tests that read review rows by
    hand; it shadows the table on this connection only (reads, not writes)."""
    con.execute(_text_reviews_view())
    return con


# Migration 20 taken back: `review` as migration 19 left it (text times and ids), exactly,
# for tests that rebuild an older file or check what migration 20 keeps.
UNDO_M020 = _undo_m020()


# Migration 19 taken back (its column, counts, triggers and indexes), for tests that rebuild
# an older file; what 19 replaced (migration 17's index, the older triggers) is theirs to add.
UNDO_M019 = """
    ALTER TABLE family_day DROP COLUMN right_answers;
    DROP TRIGGER review_count_added; DROP TRIGGER review_count_removed;
    DROP TRIGGER review_count_changed; DROP TABLE review_count;
    DROP INDEX question_family_story; DROP INDEX review_first;
    DROP TRIGGER play_count_added; DROP TRIGGER play_count_removed;
    DROP TRIGGER play_count_changed; DROP TABLE play_count;
    DROP INDEX question_buried;
"""


ANKI_REVLOG = ("CREATE TABLE revlog (id INTEGER PRIMARY KEY, cid INTEGER, ease INTEGER, "
               "type INTEGER, time INTEGER, factor INTEGER)")


def anki_package(folder: Path, name: str, fill: Callable[[sqlite3.Connection], None], *,
                 revlog: str = ANKI_REVLOG) -> Path:
    """An Anki package `folder/name` made by hand: the tables emdrill reads (notes, cards and
    the review log, `revlog` its CREATE statement), filled by `fill`, zipped as Anki names
    its collection file."""
    db = folder / "collection.anki21"
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    try:
        con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, guid TEXT)")
        con.execute("CREATE TABLE cards (id INTEGER PRIMARY KEY, nid INTEGER, ord INTEGER)")
        con.execute(revlog)
        fill(con)
        con.commit()
    finally:
        con.close()
    out = folder / name
    with zipfile.ZipFile(out, "w") as z:
        z.write(db, "collection.anki21")
    return out


def run_sql(path: Path, sql: str) -> None:
    """One statement committed on the SQLite file at `path`, from outside emdrill (a test
    spoiling a backup or planting an object)."""
    con = sqlite3.connect(path)
    try:
        con.execute(sql)
        con.commit()
    finally:
        con.close()


def made_whole(db: Path) -> None:
    """Close what the in-process commands left open and fold the log into the file, so a
    copy of the folder is the whole collection in one file."""
    gc.collect()
    con = sqlite3.connect(db)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


DECK_HEADER = """\
[deck]
id = "mini"
name = "Mini deck"
version = "1"
description = "A small deck for tests."

[[families]]
slug = "alpha"
name = "Alpha"
probes = "What alpha probes."

[[families]]
slug = "beta"
name = "Beta"
probes = "What beta probes."

[[slots]]
slot = 1
name = "Managing an underperformer"
competency = "Hiring and growth"
must_include = ["the signals", "the plan"]

[[slots]]
slot = 5
name = "Difficult stakeholder"
competency = "Influence"
must_include = ["the conflict", "the outcome"]
"""


def question(qid: str, family: str, *, story: int | str = 1, also: str = "[5]",
             text: str | None = None, siblings: str = "[]", replaces: str | None = None,
             intent: str | None = None) -> str:
    """One [[questions]] table; a string `story` (e.g. "system") is written quoted."""
    story_value = f'"{story}"' if isinstance(story, str) else str(story)
    extra = f"\n        replaces = {replaces}" if replaces is not None else ""
    return textwrap.dedent(f"""
        [[questions]]
        id = "{qid}"
        family = "{family}"
        text = "{text or f'Question {qid}?'}"
        intent = "{intent or f'Can you handle {qid}?'}"
        probes = ["first probe", "second probe"]
        story = {story_value}
        also = {also}
        system = "team"
        traits = ["ownership"]
        pitfall = "Answering the literal question."
        follow_ups = ["What next?"]
        siblings = {siblings}{extra}
        """)


def mini_deck_text(n_per_family: int = 3) -> str:
    parts = [DECK_HEADER]
    for family in ("alpha", "beta"):
        for i in range(1, n_per_family + 1):
            parts.append(question(f"{family}-{i}", family, story=1 if family == "alpha" else 5,
                                  also="[5]" if family == "alpha" else "[]"))
    return "".join(parts)


def deck_store(folder: Path, *questions: str, now: datetime = STORE_NOW) -> Store:
    """The test's collection (`open_here`, without the bundled decks) with one deck of
    `questions` (each from `question`) loaded at `now`; the deck file is written in
    `folder`."""
    from emdrill.cli.base import open_here
    from emdrill.ops import decks

    path = folder / "deck.toml"
    path.write_text(DECK_HEADER + "".join(questions), encoding="utf-8")
    store = open_here(autoload=False)
    decks.load_paths(store, [path], now=now)
    return store


@pytest.fixture
def mini_deck(tmp_path: Path) -> Path:
    path = tmp_path / "mini.toml"
    path.write_text(mini_deck_text(), encoding="utf-8")
    return path


@pytest.fixture
def store(home: Path, mini_deck: Path) -> Iterator[Store]:
    """The collection in the test's data folder, opened at STORE_NOW without the built-in
    decks, with the mini deck loaded; closed after the test. (The store is imported here,
    not at the top: conftest loads first in every test, including those that check what a
    command imports.)"""
    from emdrill.ops import decks, opening

    opened = opening.open_collection(home / "emdrill.db", now=STORE_NOW, autoload=False)
    decks.load_paths(opened, [mini_deck], now=STORE_NOW)
    yield opened
    opened.close()


# Two questions graded facet against facet (question, intent rating, story right?): alpha-1's
# intent forgotten while its story is right, beta-1 the reverse. A swap of the facets
# anywhere between the grade and what is read back fails a test built on these.
ASYMMETRIC = (("alpha-1", scheduler.Rating.AGAIN, True), ("beta-1", scheduler.Rating.GOOD, False))


@pytest.fixture
def asymmetric(store: Store) -> Store:
    """The shared `store` with the ASYMMETRIC grades given at STORE_NOW (fuzz off)."""
    from emdrill.core.timing import Clock
    from emdrill.ops import grading

    for qid, intent, right in ASYMMETRIC:
        grading.grade(store, Clock(STORE_NOW, UTC), qid, intent=intent,
                      story=grading.StoryAnswer(verdict=right), fuzz=False)
    return store


def parsed_list(name: str, text: str) -> tuple[list[Row], list[str], str]:
    """A question list's rows, its problems as text and the format it was read as, for a
    file called `name` holding `text`."""
    got = parse_list(Path(name), text.encode("utf-8"))
    return list(got.rows), [str(p) for p in got.problems], got.format


# Collections built once per run and copied into a test's folder (tests/shared.py).
from shared import bundled_db, fresh, studied, studied_db, suggested, suggested_db  # noqa: E402, F401
