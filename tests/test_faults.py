"""The habit: real processes killed at determined points (either side of every commit, by
the EMDRILL_TEST_KILL hook) and at a random moment, and several at once, then the file is
checked as a whole: SQLite's integrity check and the review chain (each review's "before"
of a facet is the previous review's "after" of that facet, and the facet row is the last
review's "after")."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

import procs
from conftest import mini_deck_text, text_reviews

RUNS = int(os.environ.get("EMDRILL_FAULT_RUNS", "6"))


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "EMDRILL_HOME": str(home), "COLUMNS": "100", "LINES": "40",
           "TERM": "xterm", **extra}
    env.pop("EMDRILL_NOW", None)  # the real clock: grades in order of time, as for a person
    return env


def _emdrill(home: Path, *args: str, stdin: str | None = None,
             timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return procs.run([sys.executable, "-m", "emdrill", *args], env=_env(home),
                     input=stdin, capture_output=True, text=True, timeout=timeout)


def chain_problems(db: Path) -> list[str]:
    """Whole-file checks after a fault: SQLite's own, then emdrill's review chain."""
    con = text_reviews(sqlite3.connect(db))
    try:
        problems = [r[0] for r in con.execute("PRAGMA integrity_check") if r[0] != "ok"]
        facets = {(q, k): last for q, k, last in
                  con.execute("SELECT question_id, kind, last_review FROM facet")}
        rows = con.execute("SELECT id, question_id, reviewed_at, intent_prev_last_review, "
                           "story_prev_last_review FROM review ORDER BY id").fetchall()
    finally:
        con.close()
    after: dict[tuple[str, str], str | None] = {}
    for rid, qid, at, *prev in rows:
        for kind, before in zip(("intent", "story"), prev, strict=True):
            if (qid, kind) in after and before != after[(qid, kind)]:
                problems.append(f"review {rid}: {qid} {kind} before is {before}, but the "
                                f"previous review left {after[(qid, kind)]}")
            after[(qid, kind)] = at
    for key, last in after.items():
        if facets.get(key) != last:
            problems.append(f"facet {key} last_review {facets.get(key)} != last review {last}")
    firsts = [qid for _, qid, _, i, s in rows if i is None and s is None]
    problems += [f"{q}: two reviews saw it new" for q in set(firsts) if firsts.count(q) > 1]
    return problems


def _review_count(db: Path) -> int:
    con = sqlite3.connect(db)
    try:
        return int(con.execute("SELECT count(*) FROM review").fetchone()[0])
    finally:
        con.close()


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    path = tmp_path / "mini.toml"
    path.write_text(mini_deck_text(4), encoding="utf-8")
    return path


@pytest.fixture
def loaded(home: Path, deck: Path) -> Path:
    assert _emdrill(home, "deck", "load", str(deck)).returncode == 0
    return home / "emdrill.db"


def _batch(n: int, seed: int) -> str:
    rng = random.Random(seed)
    ids = [f"{f}-{i}" for f in ("alpha", "beta") for i in range(1, 5)]
    return "".join(json.dumps({"id": rng.choice(ids), "intent": rng.choice(
        ["again", "hard", "good", "easy"]), "story": rng.randint(0, 8), "seconds": 3}) + "\n"
        for _ in range(n))


def _kill_after_start(proc: subprocess.Popen[str] | pexpect.spawn, delay: float) -> None:
    time.sleep(delay)
    if isinstance(proc, pexpect.spawn):
        proc.kill(signal.SIGKILL)
    else:
        proc.kill()


def _traced(args: list[str], home: Path, log: Path, *, stdin: str | None = None) -> list[str]:
    """Run `emdrill ARGS` whole with the kill hook logging (EMDRILL_TEST_KILL=log:PATH):
    its statements on the collection, in the order the hook counts them (1 first)."""
    done = procs.run([sys.executable, "-m", "emdrill", *args], input=stdin, text=True,
                     env=_env(home, EMDRILL_TEST_KILL=f"log:{log}"), capture_output=True,
                     timeout=60)
    assert done.returncode == 0, done.stderr
    lines = log.read_text(encoding="utf-8").splitlines()
    assert [int(line.split(" ", 1)[0]) for line in lines] == list(range(1, len(lines) + 1))
    return [line.split(" ", 1)[1] for line in lines]


def _commit_points(statements: list[str]) -> list[tuple[int, bool]]:
    """Where to kill to meet every commit: for each transaction, (statement number, whether
    the transaction is on the disk when killed there) just before its COMMIT, when all of
    its writes are made and none is kept, and just after it (the next statement, or the
    connection's close)."""
    begins = [n for n, s in enumerate(statements, 1) if s.startswith("BEGIN")]
    commits = [n for n, s in enumerate(statements, 1) if s == "COMMIT"]
    assert len(begins) == len(commits) > 0 and all(
        b < c for b, c in zip(begins, commits, strict=True)), statements
    assert commits[-1] < len(statements)  # something (at least the close) follows the last
    return [(at, kept) for c in commits for at, kept in ((c, False), (c + 1, True))]


def _killed_at(args: list[str], home: Path, at: int, *, stdin: str | None = None) -> None:
    """Run `emdrill ARGS` with the kill hook armed at statement `at`; it must die there."""
    done = procs.run([sys.executable, "-m", "emdrill", *args], input=stdin, text=True,
                     env=_env(home, EMDRILL_TEST_KILL=str(at)), capture_output=True,
                     timeout=60)
    assert done.returncode == -signal.SIGKILL, (at, done.returncode, done.stderr)


# ---------------------------------------------------------------- kills


def test_batch_killed_either_side_of_its_commit_is_all_or_nothing(loaded: Path, home: Path,
                                                                  tmp_path: Path) -> None:
    """The batch killed at determined points (the kill hook): just before its COMMIT, all
    50 reviews written and none kept, and just after it. Each run starts from a copy of the same
    collection, so the statements are numbered alike in all of them."""
    batch = _batch(50, 0)
    statements = _traced(["grade", "--batch"], _copy(home, tmp_path / "traced"),
                         tmp_path / "statements.log", stdin=batch)
    points = _commit_points(statements)
    assert len(points) == 2  # one transaction: the whole batch
    for at, committed in points:
        folder = _copy(home, tmp_path / f"at{at}")
        _killed_at(["grade", "--batch"], folder, at, stdin=batch)
        db = folder / "emdrill.db"
        assert _review_count(db) == (50 if committed else 0), f"killed at statement {at}"
        assert chain_problems(db) == []
        assert _emdrill(folder, "status", "--json").returncode == 0


def _copy(home: Path, to: Path) -> Path:
    """A copy of the data folder `home` (closed: its database is one whole file)."""
    shutil.copytree(home, to)
    return to


def test_drill_killed_at_random_points_keeps_a_whole_chain(loaded: Path, home: Path) -> None:
    """The one kill at a random moment (the others are at determined statements): it can
    land anywhere, inside SQLite's own commit too."""
    rng = random.Random(12)
    for _ in range(RUNS):
        child = procs.PtySpawn(sys.executable, ["-m", "emdrill", "drill", "--minutes", "30"],
                               env=_env(home), encoding="utf-8", timeout=20,
                               dimensions=(40, 100))
        child.expect("Which story")
        # answer as fast as the keys go in, and kill somewhere in the middle of it
        child.send("".join(rng.choice("12345678") + rng.choice("1234") for _ in range(40)))
        _kill_after_start(child, rng.uniform(0.0, 1.0))
        child.close(force=True)
        assert chain_problems(loaded) == []
    assert _emdrill(home, "status").returncode == 0


def test_deck_load_killed_either_side_of_each_commit_loads_all_or_nothing(
        home: Path, tmp_path: Path) -> None:
    """A first `deck load` on a new folder writes twice: the schema (the migrations, one
    transaction), then the deck. Killed just before each COMMIT and just after it: the
    file holds no schema, the whole schema and no deck, or the whole deck; and loading again
    then works."""
    big = tmp_path / "big.toml"
    big.write_text(mini_deck_text(60), encoding="utf-8")
    load = ["deck", "load", str(big)]
    points = _commit_points(_traced(load, tmp_path / "traced", tmp_path / "statements.log"))
    assert len(points) == 4  # the schema, then the deck
    seen = []
    for run, (at, _) in enumerate(points):
        folder = tmp_path / f"home{run}"
        _killed_at(load, folder, at)
        con = sqlite3.connect(folder / "emdrill.db")
        try:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            version = con.execute("PRAGMA user_version").fetchone()[0]
            objects = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if version == 0:
                # killed while the file was being created: the migrations are one
                # transaction, so nothing of the schema is there either
                assert objects == 0, f"run {run}: a half-made schema ({objects} objects)"
                questions = facets = 0
            else:
                questions = con.execute("SELECT count(*) FROM question").fetchone()[0]
                facets = con.execute("SELECT count(*) FROM facet").fetchone()[0]
        finally:
            con.close()
        assert questions in (0, 120) and facets == 2 * questions
        seen.append((version > 0, questions))
        again = procs.run([sys.executable, "-m", "emdrill", *load], env=_env(folder),
                          capture_output=True, text=True, timeout=60)
        assert again.returncode == 0, again.stderr
    # the schema's transaction (before, after), then the deck's
    assert [committed for _, committed in points] == [False, True] * 2
    assert seen == [(False, 0), (True, 0), (True, 0), (True, 120)]


# ---------------------------------------------------------------- several at once

_GRADER = """
import random, sys
from emdrill.cli.base import open_here
from emdrill.ops import grading
from emdrill import env
from emdrill.ops.grading import StoryAnswer
from emdrill.core.scheduler import Rating
rng = random.Random(int(sys.argv[1]))
ids = sys.argv[2:]
for _ in range(25):
    store = open_here(autoload=False)
    grading.grade(store, env.read_clock(), rng.choice(ids), intent=rng.choice(list(Rating)),
                  story=StoryAnswer(slot=rng.randint(1, 8)))
    store.close()
print("done", flush=True)
"""


def test_concurrent_graders_lose_nothing_and_keep_the_chain(loaded: Path, home: Path) -> None:
    workers = [subprocess.Popen([sys.executable, "-c", _GRADER, str(n), "alpha-1", "beta-1",
                                 f"beta-{n + 1}"], env=_env(home), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for n in range(4)]
    for w in workers:
        out, err = w.communicate(timeout=120)
        assert w.returncode == 0 and "done" in out, err
        assert "locked" not in err and "busy" not in err
    assert _review_count(loaded) == 4 * 25
    assert chain_problems(loaded) == []


def test_concurrent_cli_writers_all_succeed(loaded: Path, home: Path, deck: Path,
                                            tmp_path: Path) -> None:
    stories = tmp_path / "stories.md"
    stories.write_text("## The coverage push\n- id: 7\n- slots: 6\n\n### Context\nA team.\n",
                       encoding="utf-8")
    commands = [["deck", "load", str(deck)], ["deck", "load", str(deck)],
                ["story", "import", str(stories)], ["story", "import", str(stories)],
                ["grade", "alpha-1", "--intent", "good", "--story", "1"],
                ["grade", "alpha-1", "--intent", "hard", "--story", "5"]]
    started = [procs.Popen([sys.executable, "-m", "emdrill", *c], env=_env(home),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for c in commands]
    for command, proc in zip(commands, started, strict=True):
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, (command, err)
        assert "Traceback" not in err
    con = sqlite3.connect(loaded)
    assert con.execute("SELECT count(*) FROM story").fetchone() == (1,)
    con.close()
    assert chain_problems(loaded) == []


BURNERS = int(os.environ.get("EMDRILL_RACE_BURNERS", "1"))  # CPU-burning loops alongside
_FIRST_USE = [["status"], ["next", "--json"], ["stats", "--json"], ["status", "--json"],
              ["grade", "decisions-unpopular", "--intent", "good", "--story", "1"],
              ["status"], ["next", "--json"], ["stats", "--json"]]


def test_eight_commands_at_once_on_a_new_folder_all_wait_and_succeed(tmp_path: Path) -> None:
    """The first creates the collection and loads the bundled deck (seconds of CPU under
    load, more than the usual busy timeout); the other seven wait for it instead of saying
    "database is busy". A busy loop keeps the CPUs loaded, as on a shared machine
    (`bench/first_use_race.py` measures more rounds)."""
    folder = tmp_path / "new"
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
               for _ in range(BURNERS)]
    try:
        started = [procs.Popen([sys.executable, "-m", "emdrill", *c], env=_env(folder),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for c in _FIRST_USE]
        results = [(c, p.wait(timeout=120), p.communicate()[1])
                   for c, p in zip(_FIRST_USE, started, strict=True)]
    finally:
        for b in burners:
            b.kill()
            b.wait()
    assert [(c, err) for c, code, err in results if code != 0] == []
    con = sqlite3.connect(folder / "emdrill.db")
    try:
        assert con.execute("SELECT count(DISTINCT deck_id), count(*) FROM question "
                           "WHERE deck_id = 'em-core'").fetchone()[1] > 0
        assert con.execute("SELECT count(*) FROM review").fetchone() == (1,)
    finally:
        con.close()


@pytest.mark.parametrize("value", ["soon", "0", "-3", "1.5"])
def test_a_kill_hook_that_names_no_statement_is_one_line(value: str, home: Path) -> None:
    from typer.testing import CliRunner

    from emdrill.cli.main import app

    result = CliRunner().invoke(app, ["status"], env={"EMDRILL_TEST_KILL": value})
    assert result.exit_code == 1, result.output
    assert result.output.strip() == (f"emdrill: EMDRILL_TEST_KILL: '{value}' is not a "
                                     "statement number (1 or more) or log:PATH")
    assert not home.exists()  # refused before anything was opened
