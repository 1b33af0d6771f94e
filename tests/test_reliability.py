"""Every promise kept: nothing committed is lost when the process dies, and each break
issue 10 found stays fixed (one test or more per finding)."""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import procs
from conftest import mini_deck_folder, text_reviews
from emdrill.cli.base import open_here
from emdrill.cli.main import app
from emdrill.core.errors import EmdrillError
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import grading, home_status
from emdrill.ops.drill import Session
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads, review_log
from emdrill.store.migrations import LATEST

# Grade through the real core, then report and wait to be killed: the kill lands right after
# grade() has returned, with the process (and its database connection) still alive.
_GRADE_THEN_HANG = """
import sys, time
from emdrill.cli.base import open_here
from emdrill.ops import grading
from emdrill import env
from emdrill.ops.grading import StoryAnswer
from emdrill.core.scheduler import Rating
store = open_here(autoload=False)
clock = env.read_clock()
for qid in sys.argv[1:]:
    grading.grade(store, clock, qid, intent=Rating.GOOD, story=StoryAnswer(slot=1))
print("graded", flush=True)
time.sleep(60)
"""


def test_sigkill_right_after_grade_loses_nothing(home: Path, mini_deck: Path) -> None:
    env = {**os.environ}
    load = procs.run([sys.executable, "-m", "emdrill", "deck", "load", str(mini_deck)],
                     env=env, capture_output=True, text=True, timeout=60)
    assert load.returncode == 0, load.stderr
    proc = subprocess.Popen([sys.executable, "-c", _GRADE_THEN_HANG, "alpha-1", "beta-1"],
                            env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "graded"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    con = text_reviews(sqlite3.connect(home / "emdrill.db"))
    rows = con.execute("SELECT question_id FROM review ORDER BY id").fetchall()
    assert rows == [("alpha-1",), ("beta-1",)]
    facets = con.execute("SELECT count(*) FROM facet WHERE last_review IS NOT NULL").fetchone()
    assert facets == (4,)
    # and the collection still opens and works afterwards
    status = procs.run([sys.executable, "-m", "emdrill", "status", "--json"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert json.loads(status.stdout)["reviews_today"] == 2


def test_sigkill_of_the_cli_after_grade_returns(home: Path, mini_deck: Path) -> None:
    env = {**os.environ}
    procs.run([sys.executable, "-m", "emdrill", "deck", "load", str(mini_deck)], env=env,
              check=True, capture_output=True, timeout=60)
    done = procs.run([sys.executable, "-m", "emdrill", "grade", "beta-3", "--intent",
                      "hard", "--story", "5"], env=env, capture_output=True, text=True,
                     timeout=60)
    assert done.returncode == 0
    con = text_reviews(sqlite3.connect(home / "emdrill.db"))
    assert con.execute("SELECT question_id, intent_rating, story_rating FROM review"
                       ).fetchall() == [("beta-3", 2, 3)]


# ================================================================ issue 10, finding by finding
# Each test failed on the code before its fix (see the commit messages).


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _dump(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def _one_line_error(result: object, *needles: str) -> str:
    """Status 1, exactly one line on stderr naming every needle, no traceback."""
    assert getattr(result, "exit_code", getattr(result, "returncode", None)) == 1, result
    err = getattr(result, "stderr", "")
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "unexpected error" not in err, err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini deck's data folder, made once for the module."""
    return mini_deck_folder(tmp_path_factory)


@pytest.fixture
def loaded(made: Path, home: Path) -> Path:
    """That folder, copied into this test's data folder."""
    shutil.copytree(made, home)
    return home / "emdrill.db"


# ---------------------------------------------------------------- 2. batches are atomic


def test_batch_line_failing_at_write_time_records_nothing(cli: CliRunner, loaded: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    later = (T0 + timedelta(hours=2)).isoformat()
    monkeypatch.setenv("EMDRILL_NOW", later)
    assert cli.invoke(app, ["grade", "beta-1", "--intent", "good", "--story", "5"]).exit_code == 0
    monkeypatch.setenv("EMDRILL_NOW", T0.isoformat())
    before = _dump(loaded)
    lines = ('{"id": "alpha-1", "intent": "good", "story": 1}\n'
             '{"id": "beta-1", "intent": "good", "story": 5}\n')  # dated before its last review
    result = cli.invoke(app, ["grade", "--batch"], input=lines)
    _one_line_error(result, "stdin:2:", "beta-1", "backwards", "nothing was recorded")
    assert _dump(loaded) == before


def test_batch_values_are_checked_before_the_store_is_opened(cli: CliRunner, home: Path) -> None:
    lines = ('{"id": "decisions-unpopular", "intent": "good", "story": 3}\n'
             '{"id": "decisions-unpopular", "intent": "good", "story": 3, "seconds": 99999}\n')
    result = cli.invoke(app, ["grade", "--batch"], input=lines)
    _one_line_error(result, "stdin:2:", "seconds", "out of range")
    assert not (home / "emdrill.db").exists()  # not even the bundled deck was loaded


# ---------------------------------------------------------------- 3. damage


def _damage_index(db: Path, name: str = "review_question") -> None:
    """Overwrite the root page of one index with garbage, as a bad disk would: a command
    that never walks that index (config, story import) cannot notice it by reading."""
    con = sqlite3.connect(db)
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
    con.close()
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    rng = random.Random(3)
    start = (root - 1) * page
    data[start:start + page] = bytes(rng.randrange(256) for _ in range(page))
    db.write_bytes(bytes(data))
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() != ("ok",)
    except sqlite3.DatabaseError:
        pass  # so damaged that the check itself stops
    finally:
        con.close()


@pytest.fixture
def damaged(cli: CliRunner, loaded: Path, tmp_path: Path) -> Path:
    for qid in ("alpha-1", "beta-1", "alpha-2"):
        assert cli.invoke(app, ["grade", qid, "--intent", "good", "--story", "1"]).exit_code == 0
    con = sqlite3.connect(loaded)  # the in-process grades may still sit in the WAL
    assert con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    con.close()
    shutil.copy(loaded, tmp_path / "whole.db")
    _damage_index(loaded)
    return loaded


WRITERS = [
    ["grade", "alpha-3", "--intent", "good", "--story", "1"],
    ["undo"],
    ["config", "new-per-day", "3"],
    ["story", "import", "STORIES"],
    ["deck", "load", "DECK"],
    ["system", "edit", "team", "--no-edit"],
]


@pytest.mark.parametrize("args", WRITERS, ids=lambda a: " ".join(a[:2]))
def test_no_command_writes_into_a_damaged_database(damaged: Path, tmp_path: Path,
                                                   mini_deck: Path, args: list[str]) -> None:
    stories = tmp_path / "s.md"
    stories.write_text("## A story\n- slots: 2\n\n### Context\nx\n", encoding="utf-8")
    args = [{"STORIES": str(stories), "DECK": str(mini_deck)}.get(a, a) for a in args]
    before = damaged.read_bytes()
    # The first write of a later day runs the quick check (on the day of the last check it
    # runs only after an unclean shutdown: tests/test_quick_check.py pins that policy).
    later = {**os.environ, "EMDRILL_NOW": "2026-03-03T09:00:00+00:00"}
    result = procs.run([sys.executable, "-m", "emdrill", *args], input="My system.\n\n",
                       capture_output=True, text=True, timeout=60, env=later)
    _one_line_error(result, "damaged")
    assert damaged.read_bytes() == before
    wal = damaged.with_name("emdrill.db-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_check_reports_damage_and_how_to_recover(damaged: Path, tmp_path: Path) -> None:
    result = procs.run([sys.executable, "-m", "emdrill", "check"], capture_output=True,
                       text=True, timeout=60, env={**os.environ})
    assert result.returncode == 1
    assert "emdrill restore FILE" in result.stderr and "damaged" in result.stderr
    assert "Traceback" not in result.stderr
    shutil.copy(tmp_path / "whole.db", damaged)
    ok = procs.run([sys.executable, "-m", "emdrill", "check"], capture_output=True,
                   text=True, timeout=60, env={**os.environ})
    assert ok.returncode == 0 and ok.stdout.startswith("ok: "), ok.stderr


def test_check_names_the_latest_good_backup(damaged: Path, tmp_path: Path) -> None:
    folder = damaged.parent / "backups"
    folder.mkdir(exist_ok=True)
    good = folder / "manual-20260302T100000Z-backup.db"  # after the day's automatic one
    shutil.copy(tmp_path / "whole.db", good)
    shutil.copy(damaged, folder / "manual-20260302T110000Z-backup.db")  # newer, but damaged
    result = procs.run([sys.executable, "-m", "emdrill", "check"], capture_output=True,
                       text=True, timeout=60, env={**os.environ})
    assert result.returncode == 1
    assert f"the latest good backup is {good}" in result.stderr


CONTENT_DAMAGE = {
    "negative schema version": "PRAGMA user_version=-3",
    "setting not a number": "INSERT OR REPLACE INTO setting VALUES ('retention', 'lots')",
    "bad time": "UPDATE facet SET due = 'yesterday-ish' WHERE question_id = 'alpha-1'",
    "bad JSON": "UPDATE question SET probes = '[\"unclosed' WHERE id = 'alpha-1'",
    "missing facet": "DELETE FROM facet WHERE question_id = 'alpha-1' AND kind = 'story'",
}


@pytest.mark.parametrize("sql", CONTENT_DAMAGE.values(), ids=list(CONTENT_DAMAGE))
@pytest.mark.parametrize("args", [["status"], ["next"], ["suggest", "How do you handle conflict?"],
                                  ["grade", "alpha-1", "--intent", "good", "--story", "1"]],
                         ids=lambda a: a[0])
def test_damaged_contents_are_one_line_and_untouched(cli: CliRunner, loaded: Path, sql: str,
                                                     args: list[str]) -> None:
    con = sqlite3.connect(loaded)
    con.execute(sql)
    con.commit()
    con.close()
    before = _dump(loaded)
    result = procs.run([sys.executable, "-m", "emdrill", *args], capture_output=True,
                       text=True, timeout=60, env={**os.environ})
    if args[0] == "grade" or result.returncode != 0:
        _one_line_error(result)  # a grade reads the damaged row; a read may never meet it
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    if result.returncode != 0:
        assert _dump(loaded) == before  # (a read that succeeds may refresh derived counts)
    check = procs.run([sys.executable, "-m", "emdrill", "check"], capture_output=True,
                      text=True, timeout=60, env={**os.environ})
    assert check.returncode == 1 and "Traceback" not in check.stderr


# ---------------------------------------------------------------- 4. validation first


@pytest.mark.parametrize("args", [*WRITERS[:4], ["grade", "--batch"]], ids=lambda a: a[0])
def test_bad_environment_is_refused_before_any_write(cli: CliRunner, loaded: Path,
                                                     tmp_path: Path, args: list[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.invoke(app, ["grade", "alpha-1", "--intent", "good", "--story", "1"]
                      ).exit_code == 0
    stories = tmp_path / "s.md"
    stories.write_text("## A story\n- slots: 2\n\n### Context\nx\n", encoding="utf-8")
    args = [str(stories) if a == "STORIES" else a for a in args]
    before = _dump(loaded)
    for name, value in (("EMDRILL_NOW", "garbage"), ("EMDRILL_NOW", "0001-01-01T00:00:00+01:00"),
                        ("EMDRILL_NOW", "9999-12-31T23:00:00-05:00"), ("EMDRILL_SEED", "x")):
        monkeypatch.setenv(name, value)
        result = cli.invoke(app, args, input='{"id": "alpha-2", "intent": "good", "story": 1}\n')
        assert result.exit_code == 1, (name, value, result.output)
        assert name in result.output
        monkeypatch.setenv("EMDRILL_NOW", T0.isoformat())
        monkeypatch.setenv("EMDRILL_SEED", "7")
    assert _dump(loaded) == before


# ---------------------------------------------------------------- 5. one line, never a trace

HOSTILE = [
    ["grade", "alpha-1", "--intent", "good", "--story", "²"],
    ["grade", "alpha-1", "--intent", "good", "--story", "3", "--seconds", "1" + "0" * 400],
    ["story", "import", "HUGE_ID"],
    ["story", "import", "SUPERSCRIPT"],
    ["deck", "check", "LOOP"],
    ["deck", "check", "LONG"],
    ["deck", "check", "DEEP"],
    ["deck", "load", "DEEP"],
    ["grade", "--batch", "<DEEP_JSON"],
    ["grade", "--batch", "<SUPERSCRIPT_JSON"],
]


@pytest.fixture
def hostile_files(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "loop").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop")
    (tmp_path / "deep.toml").write_text("a = " + "[" * 50_000 + "]" * 50_000, encoding="utf-8")
    (tmp_path / "huge.md").write_text("## T\n- id: " + "9" * 5000 + "\n- slots: 2\n\n"
                                      "### Context\nx\n", encoding="utf-8")
    (tmp_path / "sup.md").write_text("## T\n- id: ²\n- slots: ³\n", encoding="utf-8")
    return {"LOOP": str(tmp_path / "loop"), "LONG": str(tmp_path / ("x" * 300 + ".toml")),
            "DEEP": str(tmp_path / "deep.toml"), "HUGE_ID": str(tmp_path / "huge.md"),
            "SUPERSCRIPT": str(tmp_path / "sup.md"),
            "<DEEP_JSON": '{"id": ' + "[" * 50_000 + "]" * 50_000 + "}\n",
            "<SUPERSCRIPT_JSON": '{"id": "alpha-1", "intent": "good", "story": "³"}\n'}


@pytest.mark.parametrize("args", HOSTILE, ids=lambda a: " ".join(a)[:40])
def test_hostile_input_gets_one_line_and_status_1(cli: CliRunner, loaded: Path,
                                                   hostile_files: dict[str, str],
                                                   args: list[str]) -> None:
    stdin = next((hostile_files[a] for a in args if a.startswith("<")), None)
    args = [hostile_files.get(a, a) for a in args if not a.startswith("<")]
    before = _dump(loaded)
    result = procs.run([sys.executable, "-m", "emdrill", *args], input=stdin,
                       capture_output=True, text=True, timeout=60, env={**os.environ})
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr + result.stdout
    assert "unexpected error" not in result.stderr + result.stdout
    assert _dump(loaded) == before


@pytest.mark.parametrize("home_name", ["q?b", "q#b", "q%20b", "a b"])
def test_odd_folder_names_are_used_as_given(tmp_path: Path, home_name: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / home_name
    monkeypatch.setenv("EMDRILL_HOME", str(folder))
    result = procs.run([sys.executable, "-m", "emdrill", "status"], capture_output=True,
                       text=True, timeout=60, env={**os.environ})
    assert result.returncode == 0, result.stderr
    assert (folder / "emdrill.db").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [home_name]


def test_a_bug_prints_one_line_and_logs_the_trace(cli: CliRunner, loaded: Path, home: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("deliberately broken")

    monkeypatch.setattr(home_status, "status", broken)
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "unexpected error (ZeroDivisionError" in lines[0]
    log = home / "error.log"
    assert str(log) in lines[0]
    assert "Traceback" in log.read_text() and "deliberately broken" in log.read_text()


# ---------------------------------------------------------------- 6. files that are not ours


def test_export_to_a_full_device_fails_and_keeps_the_device(tmp_path: Path) -> None:
    # A private copy of /dev/full: were export to replace the node, the machine's stays.
    full = tmp_path / "full"
    try:
        os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        full.write_text("x")
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            pytest.skip(f"no /dev/full device to make here ({exc})")
    result = procs.run([sys.executable, "-m", "emdrill", "story", "export", str(full)],
                       capture_output=True, text=True, timeout=60, env={**os.environ})
    _one_line_error(result, str(full), "No space left")
    assert full.is_char_device()


def test_export_on_a_full_disk_leaves_no_half_file(cli: CliRunner, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "stories.md"
    target.write_text("my old export\n", encoding="utf-8")

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = cli.invoke(app, ["story", "export", str(target)])
    assert result.exit_code == 1 and "No space left" in result.output
    assert target.read_text(encoding="utf-8") == "my old export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "stories.md"]


# ---------------------------------------------------------------- 7. ownership and time


def _user_deck(tmp_path: Path, deck_id: str, qid: str = "mine-1") -> Path:
    from conftest import DECK_HEADER, question

    path = tmp_path / "user.toml"
    path.write_text(DECK_HEADER.replace('id = "mini"', f'id = "{deck_id}"')
                    + question(qid, "alpha"), encoding="utf-8")
    return path


def test_a_second_file_claiming_the_bundled_deck_id_is_refused(cli: CliRunner, home: Path,
                                                               tmp_path: Path) -> None:
    assert cli.invoke(app, ["status"]).exit_code == 0  # the bundled deck is loaded
    path = _user_deck(tmp_path, "em-core")
    checked = cli.invoke(app, ["deck", "check", str(path)])
    assert checked.exit_code == 1 and "deck id 'em-core' already belongs to" in checked.output
    before = _dump(home / "emdrill.db")
    loaded = cli.invoke(app, ["deck", "load", str(path)])
    assert loaded.exit_code == 1 and "already belongs to" in loaded.output
    assert _dump(home / "emdrill.db") == before


def test_a_second_user_file_claiming_a_loaded_deck_id_is_refused(cli: CliRunner,
                                                                 tmp_path: Path,
                                                                 mini_deck: Path) -> None:
    # loaded here, not copied (`loaded`): the collection names the file it came from
    assert cli.invoke(app, ["deck", "load", str(mini_deck)]).exit_code == 0
    copy = tmp_path / "copy" / "mini.toml"
    copy.parent.mkdir()
    copy.write_text(mini_deck.read_text(encoding="utf-8"), encoding="utf-8")
    result = cli.invoke(app, ["deck", "load", str(copy)])
    assert result.exit_code == 1 and f"already belongs to {mini_deck}" in result.output
    mini_deck.unlink()  # the deck moved: its id goes with it
    assert cli.invoke(app, ["deck", "load", str(copy)]).exit_code == 0


def test_a_question_id_of_another_deck_is_refused(cli: CliRunner, tmp_path: Path) -> None:
    path = _user_deck(tmp_path, "mine", qid="decisions-unpopular")
    checked = cli.invoke(app, ["deck", "check", str(path)])
    assert checked.exit_code == 1
    assert "question id 'decisions-unpopular' already belongs to deck 'em-core'" in checked.output


def test_a_grade_dated_before_the_last_review_is_refused(cli: CliRunner, loaded: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMDRILL_NOW", (T0 + timedelta(days=3)).isoformat())
    assert cli.invoke(app, ["grade", "alpha-1", "--intent", "good", "--story", "1"]
                      ).exit_code == 0
    before = _dump(loaded)
    monkeypatch.setenv("EMDRILL_NOW", T0.isoformat())
    result = cli.invoke(app, ["grade", "alpha-1", "--intent", "good", "--story", "1"])
    assert result.exit_code == 1
    assert "alpha-1 was last reviewed at 2026-03-05 09:00 UTC" in result.output
    assert "runs backwards" in result.output
    assert _dump(loaded) == before
    status = json.loads(cli.invoke(app, ["status", "--json"]).output)
    assert status["reviews_today"] == 0  # the review three days ahead is not today's


def test_a_grade_a_few_seconds_behind_is_dated_at_the_last_review(loaded: Path) -> None:
    store = open_here(autoload=False)
    clock = Clock(now=T0, local=UTC)
    grading.grade(store, clock, "alpha-1", intent=Rating.GOOD, story=StoryAnswer(slot=1))
    behind = Clock(now=T0 - timedelta(seconds=20), local=UTC)
    grading.grade(store, behind, "alpha-1", intent=Rating.GOOD, story=StoryAnswer(slot=1))
    assert [r.reviewed_at for r in review_log.last_reviews(store, 2)] == [T0, T0]


# ---------------------------------------------------------------- 8. smaller


def test_bom_is_accepted_in_deck_files_and_batch_stdin(cli: CliRunner, mini_deck: Path,
                                                       tmp_path: Path) -> None:
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + mini_deck.read_bytes())
    assert cli.invoke(app, ["deck", "load", str(bom)]).exit_code == 0
    result = cli.invoke(app, ["grade", "--batch"],
                        input='\ufeff{"id": "alpha-1", "intent": "good", "story": 1}\n')
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("odd", ["\f", "\v", "\u2028", "\x1c", "\x85"])
def test_batch_line_numbers_count_newlines_only(cli: CliRunner, loaded: Path, odd: str) -> None:
    good = '{"id": "alpha-1", "intent": "good", "story": 1}'
    result = cli.invoke(app, ["grade", "--batch"], input=f"{good}\n{odd}{odd}\n{{\"id\": \"x\"}}\n")
    assert result.exit_code == 1
    assert result.output.startswith("emdrill: stdin:3: missing 'intent'"), result.output


def test_deck_problem_lines_count_newlines_only(mini_deck: Path, tmp_path: Path) -> None:
    from emdrill.ops import decks

    text = mini_deck.read_text(encoding="utf-8").replace('pitfall = "Answering',
                                                        'pitfall = "\u2028Answering', 1)
    text = text.replace('system = "team"', 'system = "nope"', 1)
    path = tmp_path / "odd.toml"
    path.write_text(text, encoding="utf-8")
    _, problems = decks.check_paths([path])
    line = next(n for n, s in enumerate(text.split("\n"), 1) if s == 'system = "nope"')
    assert [p.line for p in problems] == [line]


def _read_only_mount(folder: Path) -> list[str]:
    """A command prefix that sees `folder` read-only (a private mount namespace)."""
    return ["unshare", "-m", "sh", "-c",
            f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}" '
            '&& exec "$@"', "sh"]


def test_read_only_data_folder_is_said_as_such(tmp_path: Path, home: Path) -> None:
    procs.run([sys.executable, "-m", "emdrill", "status"], check=True,
              capture_output=True, timeout=60, env={**os.environ})
    probe = subprocess.run([*_read_only_mount(tmp_path), "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no private read-only mounts here")
    for folder in (home, tmp_path / "empty"):
        folder.mkdir(exist_ok=True)
        result = subprocess.run([*_read_only_mount(tmp_path), sys.executable, "-m", "emdrill",
                                 "status"], capture_output=True, text=True, timeout=60,
                                env={**os.environ, "EMDRILL_HOME": str(folder)})
        _one_line_error(result, str(folder), "read-only")
        assert "damaged" not in result.stderr


def test_unreadable_deck_file_is_status_1(cli: CliRunner, mini_deck: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    real_access, real_read = os.access, Path.read_bytes

    def access(path: object, mode: int, **kwargs: object) -> bool:
        return False if str(path) == str(mini_deck) else real_access(path, mode)  # type: ignore

    def read_bytes(self: Path) -> bytes:
        if self == mini_deck:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_read(self)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    for command in ("check", "load"):
        result = cli.invoke(app, ["deck", command, str(mini_deck)])
        assert result.exit_code == 1, result.output
        assert f"{mini_deck}:1: cannot read file (Permission denied)" in result.output


def test_config_negative_number_is_a_value(cli: CliRunner) -> None:
    result = cli.invoke(app, ["config", "new-per-day", "-1"])
    assert result.exit_code == 1
    assert "new-per-day: -1 is out of range (0 to 500)" in result.output


# ---------------------------------------------------------------- tests that were missing


def test_undo_restores_each_facet_to_its_own_state(loaded: Path) -> None:
    store = open_here(autoload=False)
    clock = Clock(now=T0, local=UTC)
    grading.grade(store, clock, "alpha-1", intent=Rating.EASY, story=StoryAnswer(slot=8))
    card = card_reads.load_card(store, "alpha-1")
    assert card.intent != card.story  # the two facets differ, so a swap would show
    later = Clock(now=T0 + timedelta(days=2), local=UTC)
    grading.grade(store, later, "alpha-1", intent=Rating.AGAIN, story=StoryAnswer(slot=1))
    grading.undo(store)
    back = card_reads.load_card(store, "alpha-1")
    assert (back.intent, back.story) == (card.intent, card.story)


def test_schema_one_above_latest_is_refused(tmp_path: Path) -> None:
    from emdrill.core.errors import StoreError
    from emdrill.store.db import open_store

    path = tmp_path / "next.db"
    open_store(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version={LATEST + 1}")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer than this emdrill"):
        open_store(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize(("local_time", "day"), [
    ("2026-03-03T00:30:00+01:00", "2026-03-02"), ("2026-03-03T03:59:00+01:00", "2026-03-02"),
    ("2026-03-03T04:00:00+01:00", "2026-03-03"), ("2026-03-03T23:59:00+01:00", "2026-03-03")])
def test_study_day_starts_at_four(local_time: str, day: str) -> None:
    from emdrill.core.timing import parse_now

    given = parse_now(local_time)
    assert given.tzinfo is not None
    clock = Clock(now=given.astimezone(UTC), local=given.tzinfo)
    assert clock.day_key(clock.now) == day
    assert clock.day_start().astimezone(given.tzinfo).isoformat() == f"{day}T04:00:00+01:00"


def test_reviews_after_midnight_count_for_the_study_day_before(cli: CliRunner, loaded: Path,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    monkeypatch.setenv("EMDRILL_NOW", "2026-03-02T23:00:00+01:00")
    assert cli.invoke(app, ["grade", "alpha-1", "--intent", "good", "--story", "1"]
                      ).exit_code == 0
    monkeypatch.setenv("EMDRILL_NOW", "2026-03-03T02:00:00+01:00")
    status = json.loads(cli.invoke(app, ["status", "--json"]).output)
    assert status["reviews_today"] == 1 and status["streak"] == 1


def test_drill_undo_refuses_when_another_emdrill_graded_since(loaded: Path) -> None:
    store = open_here(autoload=False)
    clock = Clock(now=T0, local=UTC)
    session = Session(store, lambda: clock)
    pick = session.next_pick()
    assert pick is not None
    session.answer(pick, intent=Rating.GOOD, story=StoryAnswer(slot=1), seconds=3)
    other = open_here(autoload=False)  # a second emdrill, on its own connection
    grading.grade(other, clock, "beta-2", intent=Rating.GOOD, story=StoryAnswer(slot=5))
    with pytest.raises(EmdrillError, match="another emdrill recorded a review since"):
        session.undo()
    assert [r.question_id for r in review_log.last_reviews(store, 5)] == ["beta-2", pick.card.id]
