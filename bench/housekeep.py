"""Housekeeping costs (issue 25): the quick check, a UTC-offset change, `export json`.

    python bench/housekeep.py [--questions 2000] [--reviews 200000] [--runs 5] [--keep DIR]

Builds one collection with bench/scale.py's builder, then, as if an emdrill from before
ba5f7a1 had been used at UTC+00:00, counts the per-day tables under that offset (the recount
that code ran at the first read after every offset change; its cost is printed). Then, all in
whole `python -m emdrill` processes (CPU is the child's user + system time from `wait4`):

- **the first write of a process**: `grade` with the quick check skipped (passed already
  this UTC day, `quick_checked`) and forced (never passed), alternating by round, each
  grade undone untimed; and `PRAGMA quick_check(20)` alone, in this process;
- **a UTC-offset change**: `status --json` and `stats --json` under EMDRILL_NOW at +00:00
  (the offset the per-day tables count under) and at +02:00 (the same instant, another
  offset: a daylight-saving change or travel), alternating, so each +02:00 run is the first
  after a change; the stored shift is read before and after;
- **`export json`** and **`import` of that file**: the child's peak RSS (its VmHWM) and
  time, next to a `status` process's peak RSS as the floor, and the file's size.

Medians of `--runs`; round 0 is an untimed warm-up (it makes the day's backup). Nothing
asserts: the script prints figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta, timezone
from functools import partial
from pathlib import Path

import scale  # bench/scale.py: the bulk-SQL builder and its clock

NOW = scale.NOW
HOUR = timedelta(hours=1)
Run = tuple[float, float, float]  # wall ms, CPU ms, peak RSS MB


# `python -m emdrill ARGS` that, however it ends, reports its own peak RSS (VmHWM: this
# process image's, where `ru_maxrss` would also count the parent's pages copied at the spawn).
_RUN = ("import runpy, sys\nsys.argv = ['emdrill', *sys.argv[1:]]\ntry:\n"
        "    runpy.run_module('emdrill', run_name='__main__', alter_sys=True)\nfinally:\n"
        "    peak = [x for x in open('/proc/self/status') if x.startswith('VmHWM:')]\n"
        "    sys.stderr.write('\\nPEAK ' + peak[0].split()[1] + '\\n')\n")


def child(cmd: list[str], env: dict[str, str]) -> Run:
    """One whole `python -m emdrill ...` process: wall ms, CPU ms (`wait4`), peak RSS MB."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", _RUN, *cmd], env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = (time.perf_counter() - start) * 1000
        err.seek(0)
        text = err.read().decode()
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"emdrill {' '.join(cmd)} failed:\n{text}")
    peak = int(text.rsplit("PEAK ", 1)[1].split()[0]) / 1024
    return wall, (usage.ru_utime + usage.ru_stime) * 1000, peak


def env_at(home: Path, hours: int) -> dict[str, str]:
    now = NOW.astimezone(timezone(timedelta(hours=hours))).isoformat()
    return {**os.environ, "EMDRILL_HOME": str(home), "EMDRILL_NOW": now}


@contextmanager
def connected(db: Path) -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(db, isolation_level=None)
    try:
        yield con
    finally:
        con.close()


def build(home: Path, questions: int, reviews: int) -> float:
    """The collection, its per-day tables counted under +00:00; returns that recount's s."""
    from emdrill.core.timing import day_shift_seconds
    from emdrill.store import tallies

    start = time.perf_counter()
    scale.build_emdrill(home / "emdrill.db", questions=questions, reviews=reviews)
    print(f"built {questions:,} questions / {reviews:,} reviews in "
          f"{time.perf_counter() - start:.0f} s", flush=True)
    with connected(home / "emdrill.db") as con:
        cpu = time.process_time()
        con.execute("BEGIN IMMEDIATE")  # what store/cards._recount_days (gone) did before ba5f7a1
        shift = day_shift_seconds(0)
        con.execute("UPDATE day_shift SET seconds = ?", (shift,))
        con.execute("DELETE FROM review_day")
        con.execute("INSERT INTO review_day (day, reviews) SELECT (quarter * 900 + ?) / 86400, "
                    "sum(reviews) FROM review_quarter GROUP BY 1", (shift,))
        tallies.recount_family_days(con)
        con.execute("COMMIT")
        return time.process_time() - cpu


def rounds(runs: int, ways: dict[str, Callable[[], Run]]) -> dict[str, list[Run]]:
    """Every way once a round, the first one alternating; round 0 is not kept."""
    got: dict[str, list[Run]] = {k: [] for k in ways}
    names = list(ways)
    for r in range(runs + 1):
        order = names if r % 2 else names[::-1]
        for name in order:
            value = ways[name]()
            if r:
                got[name].append(value)
    return got


def median(values: list[Run], i: int) -> float:
    return statistics.median(v[i] for v in values)


def first_write(home: Path, runs: int) -> dict[str, list[Run]]:
    from emdrill.store.codec import to_db_time

    env = env_at(home, 0)
    done = subprocess.run([sys.executable, "-m", "emdrill", "next", "--json", "-n", "1"],
                          env=env, capture_output=True, text=True, check=True)
    qid = done.stdout.split('"id": "', 1)[1].split('"', 1)[0]

    ran = {"skipped": 0, "forced": 0}

    def grade(way: str, checked: str | None) -> Run:
        with connected(home / "emdrill.db") as con:
            con.execute("UPDATE quick_checked SET at = ?", (checked,))
        value = child(["grade", qid, "--intent", "good", "--story", "1"], env)
        with connected(home / "emdrill.db") as con:  # a check that ran records NOW
            ran[way] += con.execute("SELECT at FROM quick_checked").fetchone()[0] != checked
        child(["undo"], env)
        return value

    # skipped: passed an hour earlier the same UTC day; forced: never passed
    got = rounds(runs, {"skipped": partial(grade, "skipped", to_db_time(NOW - HOUR)),
                        "forced": partial(grade, "forced", None)})
    print(f"  the check ran in {ran['skipped']} of {runs + 1} skipped grades and "
          f"{ran['forced']} of {runs + 1} forced ones")
    return got


def check_alone(db: Path, runs: int) -> tuple[float, float]:
    from emdrill.store import health

    walls, cpus = [], []
    with connected(db) as con:
        for _ in range(runs):
            wall, cpu = time.perf_counter(), time.process_time()
            health.quick_problems(con)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def stored_shift(db: Path) -> int:
    with connected(db) as con:
        return int(con.execute("SELECT seconds FROM day_shift").fetchone()[0])


def offsets(home: Path, runs: int) -> dict[str, list[Run]]:
    """Per command, +00:00 and +02:00 alternating: each +02:00 run is the first after a
    change."""
    got: dict[str, list[Run]] = {}
    for cmd in ("status", "stats"):
        got |= rounds(runs, {f"{cmd} +{h:02d}:00": partial(child, [cmd, "--json"],
                                                           env_at(home, h)) for h in (0, 2)})
    return got


def export(home: Path, runs: int) -> tuple[dict[str, list[Run]], int]:
    out = home.parent / "export.json"
    env = env_at(home, 0)
    got = rounds(runs, {"export json": lambda: child(["export", "json", str(out)], env),
                        "status (floor)": lambda: child(["status"], env)})
    # the file back in, over the same collection (a backup is made first, as for a user)
    got |= rounds(runs, {"import json": lambda: child(["import", str(out), "--replace"], env)})
    return got, out.stat().st_size


def show(title: str, got: dict[str, list[Run]], *, rss: bool = False) -> None:
    if title:
        print(f"\n{title}")
    print(f"  {'':<18}{'CPU ms':>10}{'wall ms':>10}" + (f"{'peak RSS MB':>13}" if rss else ""))
    for name, values in got.items():
        line = f"  {name:<18}{median(values, 1):10.0f}{median(values, 0):10.0f}"
        print(line + (f"{median(values, 2):13.0f}" if rss else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--reviews", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build here once, reuse it next time")
    args = parser.parse_args()
    scale.compile_installed()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="emdrill-housekeep-"))
    home = folder / "home"
    try:
        if not (home / "emdrill.db").exists():
            home.mkdir(parents=True, exist_ok=True)
            recount = build(home, args.questions, args.reviews)
            print(f"per-day tables recounted under +00:00 (what the first read after an "
                  f"offset change cost before ba5f7a1): {recount * 1000:.0f} ms CPU")
        db = home / "emdrill.db"
        print(f"file {db.stat().st_size / 1e6:.0f} MB; runs {args.runs}", flush=True)

        print("\nfirst write of a process (whole `grade`, quick check skipped vs forced)")
        got = first_write(home, args.runs)
        show("", got)
        for i, what in ((1, "CPU"), (0, "wall")):
            print(f"  forced / skipped, {what}: "
                  f"{median(got['forced'], i) / median(got['skipped'], i):.2f}x")
        wall, cpu = check_alone(db, args.runs)
        print(f"  PRAGMA quick_check(20) alone, in-process: {cpu:.0f} ms CPU, {wall:.0f} ms wall")

        before = stored_shift(db)
        got = offsets(home, args.runs)
        show("first read after a UTC-offset change (whole processes)", got)
        for cmd in ("status", "stats"):
            a, b = got[f"{cmd} +00:00"], got[f"{cmd} +02:00"]
            print(f"  {cmd} +02:00 / +00:00: CPU {median(b, 1) / median(a, 1):.2f}x, "
                  f"wall {median(b, 0) / median(a, 0):.2f}x")
        print(f"  stored day_shift before {before} s, after {stored_shift(db)} s")

        got, size = export(home, args.runs)
        show(f"export json and its import ({size / 1e6:.0f} MB file)", got, rss=True)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
