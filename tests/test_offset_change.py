"""A new UTC offset (daylight saving, travel) recounts nothing and writes nothing (issue 25):
the per-day tables keep the offset they were counted under, and readers correct for the
difference with at most a day of reviews per bound. The corrected figures must equal a full
recount under the new offset."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import procs
from conftest import data_folder, made_whole
from emdrill.cli.main import app
from emdrill.core.timing import day_shift_seconds
from emdrill.store import stats as store_stats
from emdrill.store import tallies
from emdrill.store.codec import to_db_micros
from emdrill.store.db import open_store
from emdrill.store.migrations import family_day_window

WINTER, SUMMER = 60, 120  # Berlin's offsets either side of 2026-03-29


def _grade_history(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """Grades at times near the study day's start (04:00 local), under winter time."""
    rng = random.Random(11)
    start = datetime(2026, 3, 10, tzinfo=UTC)
    times = []
    for day in range(19):
        for _ in range(2):
            at = start + timedelta(days=day, hours=rng.choice([1, 2, 2.5, 3, 3.5, 4, 9, 22]),
                                   minutes=rng.randrange(60))
            times.append(at)
    ids = [row["id"] for row in json.loads(runner.invoke(app, ["next", "-n", "5",
                                                                "--json"]).stdout)]
    for i, at in enumerate(sorted(times)):
        local = at.astimezone(datetime.fromisoformat("2026-01-01T00:00:00+01:00").tzinfo)
        monkeypatch.setenv("EMDRILL_NOW", local.isoformat())
        result = runner.invoke(app, ["grade", ids[i % len(ids)], "--intent", "good",
                                     "--story", "3" if i % 4 else "1"])
        assert result.exit_code == 0, result.output
    return sorted(times)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[datetime]]:
    """A data folder holding `_grade_history`, made once for the module; each test copies it
    into its own data folder (`_lived_in`)."""
    folder = tmp_path_factory.mktemp("history") / "home"
    with data_folder(folder) as patch:
        times = _grade_history(CliRunner(), patch)
    made_whole(folder / "emdrill.db")
    return folder, times


def _lived_in(history: tuple[Path, list[datetime]], home: Path) -> list[datetime]:
    shutil.copytree(history[0], home)
    return history[1]


def _recount(db: Path, offset_minutes: int) -> None:
    """The old way: every per-day table counted again, under the new offset."""
    con = sqlite3.connect(db, isolation_level=None)
    shift = day_shift_seconds(offset_minutes)
    con.execute("BEGIN")
    con.execute("UPDATE day_shift SET seconds = ?", (shift,))
    con.execute("DELETE FROM review_day")
    con.execute("INSERT INTO review_day (day, reviews) SELECT (quarter * 900 + ?) / 86400, "
                "sum(reviews) FROM review_quarter GROUP BY 1", (shift,))
    tallies.recount_family_days(con)
    con.execute("COMMIT")
    con.close()


def _json(home: Path, now: str, args: list[str]) -> object:
    env = {"EMDRILL_HOME": str(home), "EMDRILL_NOW": now, "EMDRILL_SEED": "7",
           "PATH": "/usr/bin:/bin", "COLUMNS": "80"}
    result = procs.run([sys.executable, "-m", "emdrill", *args], capture_output=True,
                       text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_after_the_change_reads_equal_a_full_recount_and_write_nothing(
        history: tuple[Path, list[datetime]], home: Path, tmp_path: Path) -> None:
    _lived_in(history, home)
    db = home / "emdrill.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    kept = con.execute("SELECT seconds FROM day_shift").fetchone()[0]
    con.close()
    recounted = tmp_path / "recounted"
    shutil.copytree(home, recounted)
    _recount(recounted / "emdrill.db", SUMMER)
    before = db.read_bytes()
    for now in ("2026-03-29T05:00:00+02:00", "2026-03-30T03:30:00+02:00"):
        for args in (["stats", "--json"], ["status", "--json"]):
            assert _json(home, now, args) == _json(recounted, now, args), (now, args)
    assert db.read_bytes() == before  # the reads wrote nothing, not even a new shift
    con = sqlite3.connect(db)
    assert con.execute("SELECT seconds FROM day_shift").fetchone()[0] == kept
    con.close()


def test_counts_from_any_bound_equal_the_history(history: tuple[Path, list[datetime]],
                                                 home: Path) -> None:
    times = _lived_in(history, home)
    store = open_store(home / "emdrill.db")
    try:
        with store.read() as con:
            for offset in (WINTER, SUMMER, -300, 0, 345):
                for at in [*times[::5], times[0] - timedelta(days=1)]:
                    bound = at.replace(minute=0, second=0, microsecond=0) + timedelta(
                        minutes=offset % 60)
                    got = store_stats.family_counts_from(con, bound)
                    want = {str(f): [int(v or 0) for v in rest] for f, *rest in con.execute(
                        family_day_window(),
                        (to_db_micros(bound), 2 ** 62, to_db_micros(bound)))}
                    assert {f: v for f, v in got.items() if any(v)} == want, (offset, bound)
    finally:
        store.close()


def _stored_shift(home: Path) -> int:
    con = sqlite3.connect(home / "emdrill.db")
    try:
        return int(con.execute("SELECT seconds FROM day_shift").fetchone()[0])
    finally:
        con.close()


def test_a_new_collection_counts_its_days_in_the_users_zone_and_keeps_it(
        runner: CliRunner, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first use counts study days in the user's zone (the tables are empty, so nothing is
    recounted); after the first review a new offset leaves the shift alone."""
    monkeypatch.setenv("EMDRILL_NOW", "2026-03-10T09:00:00+02:00")
    assert runner.invoke(app, ["status", "--json"]).exit_code == 0
    assert _stored_shift(home) == day_shift_seconds(SUMMER)
    qid = json.loads(runner.invoke(app, ["next", "--json"]).stdout)[0]["id"]
    assert runner.invoke(app, ["grade", qid, "--intent", "good", "--story", "1"]).exit_code == 0
    monkeypatch.setenv("EMDRILL_NOW", "2026-03-11T09:00:00+05:00")
    assert runner.invoke(app, ["grade", qid, "--intent", "good", "--story", "1"]).exit_code == 0
    assert runner.invoke(app, ["status", "--json"]).exit_code == 0
    assert _stored_shift(home) == day_shift_seconds(SUMMER)
