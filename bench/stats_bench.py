"""Time and peak memory of `emdrill stats --json` (and `shaky --json`) on a big collection.

    python bench/stats_bench.py [--questions 10000] [--reviews 1000000] [--runs 3]

Builds a throwaway collection with bulk SQL inserts (schema from the real migrations), then
runs each command in a fresh process and reports the median wall time and the peak resident
memory, next to two baselines measured in the same run: `python -c pass` and
`python -c "import sqlmodel"`. Nothing here asserts a timing; it prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FAMILIES = ["decisions", "underperformance", "growth", "motivation", "delivery", "hiring",
            "stakeholders", "conflict", "technical", "failure", "ownership", "pressure"]
HISTORY_DAYS = 730


def _t(value: datetime) -> str:
    from emdrill.store.tables import to_db_time

    return to_db_time(value)


def _questions(n: int) -> Iterator[tuple[object, ...]]:
    added = _t(NOW - timedelta(days=HISTORY_DAYS + 1))
    for i in range(n):
        yield (f"q-{i}", "bench", FAMILIES[i % len(FAMILIES)], i, f"Question {i}?",
               f"Intent behind question {i}", '["a", "b"]', i % 8 + 1, "[]", "team",
               '["ownership"]', "pitfall", '["follow-up"]', "[]", 0, added)


def _facets(n: int, rng: random.Random) -> Iterator[tuple[object, ...]]:
    for i in range(n):
        for kind in ("intent", "story"):
            last = NOW - timedelta(days=rng.uniform(0, 40))
            stability = rng.uniform(1, 90)
            yield (f"q-{i}", kind, 2, None, stability, rng.uniform(2, 9),
                   _t(last + timedelta(days=stability)), _t(last))


def _reviews(n: int, questions: int, rng: random.Random) -> Iterator[tuple[object, ...]]:
    start = NOW - timedelta(days=HISTORY_DAYS)
    step = HISTORY_DAYS * 86400 / n
    for k in range(n):
        at = start + timedelta(seconds=k * step)
        prev = []
        for _kind in ("intent", "story"):
            interval = rng.choice([0.007, 1, 3, 8, 21, 45])
            last = at - timedelta(days=interval * rng.uniform(0.8, 1.3))
            prev += [2, None, interval, 5.0, _t(last + timedelta(days=interval)), _t(last)]
        yield (f"q-{rng.randrange(questions)}", _t(at), rng.choice([1, 3, 3, 3, 3, 4]),
               rng.choice([1, 2, 3, 3, 3]), None, 25.0, "drill", *prev)


def build(db: Path, *, questions: int, reviews: int) -> float:
    """Create the schema through the real store, then bulk-insert rows. Returns seconds."""
    from emdrill.store.db import open_store

    started = time.perf_counter()
    open_store(db).close()
    rng = random.Random(1)
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("INSERT INTO deck VALUES ('bench', 'Bench', '1', '', '', ?)", (_t(NOW),))
    con.executemany("INSERT INTO family VALUES (?, 'bench', ?, '')",
                    [(f, f.title()) for f in FAMILIES])
    con.executemany("INSERT INTO slot VALUES (?, ?, '', '[]')",
                    [(n, f"Slot {n}") for n in range(1, 9)])
    con.executemany("INSERT INTO question VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    _questions(questions))
    con.executemany("INSERT INTO facet (question_id, kind, state, step, stability, difficulty,"
                    " due, last_review) VALUES (?,?,?,?,?,?,?,?)", _facets(questions, rng))
    con.executemany(
        "INSERT INTO review (question_id, reviewed_at, intent_rating, story_rating, slot_named,"
        " seconds, mode, intent_prev_state, intent_prev_step, intent_prev_stability,"
        " intent_prev_difficulty, intent_prev_due, intent_prev_last_review, story_prev_state,"
        " story_prev_step, story_prev_stability, story_prev_difficulty, story_prev_due,"
        " story_prev_last_review) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        _reviews(reviews, questions, rng))
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return time.perf_counter() - started


def measure(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, float, str]:
    """Median wall seconds, peak RSS in MiB (largest over the runs) and the last stdout."""
    times, peaks, output = [], [], ""
    for _ in range(runs):
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            started = time.perf_counter()
            proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
            _pid, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
            times.append(time.perf_counter() - started)
            proc.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            output = out.read()
            if proc.returncode:
                raise SystemExit(f"{' '.join(cmd)} failed: {err.read().strip()}")
        peaks.append(usage.ru_maxrss / 1024)  # Linux reports KiB
    return statistics.median(times), max(peaks), output


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:  # the child that fills the database
        seconds = build(args.build, questions=args.questions, reviews=args.reviews)
        print(f"built {args.questions:,} questions and {args.reviews:,} reviews in "
              f"{seconds:.1f} s ({args.build.stat().st_size / 2**20:.0f} MiB)")
        return
    # This process never imports emdrill or sqlmodel: a child's peak RSS starts from its
    # parent's size (fork, then exec keeps the high-water mark), so the parent stays small.
    with tempfile.TemporaryDirectory(prefix="emdrill-bench-") as folder:
        home = Path(folder)
        subprocess.run([sys.executable, __file__, "--build", str(home / "emdrill.db"),
                        "--questions", str(args.questions), "--reviews", str(args.reviews)],
                       check=True)
        env = {**os.environ, "EMDRILL_HOME": str(home), "EMDRILL_NOW": NOW.isoformat()}
        env.pop("NO_COLOR", None)
        py = sys.executable
        rows = [
            ("python -c pass", [py, "-c", "pass"]),
            ("python -c 'import sqlmodel'", [py, "-c", "import sqlmodel"]),
            ("emdrill stats --json", [py, "-m", "emdrill", "stats", "--json"]),
            ("emdrill shaky --json", [py, "-m", "emdrill", "shaky", "--json"]),
        ]
        results = {name: measure(cmd, env, args.runs) for name, cmd in rows}
        base_t, base_m, _ = results["python -c 'import sqlmodel'"]
        print(f"{'command':<30} {'median':>9} {'peak RSS':>10}  vs import sqlmodel")
        for name, (t, mem, _out) in results.items():
            print(f"{name:<30} {t * 1000:7.0f} ms {mem:7.1f} MiB  "
                  f"{t / base_t:5.2f}x time, {mem / base_m:4.2f}x memory")
        data = json.loads(results["emdrill stats --json"][2])
        print(f"check: stats --json saw {data['total_reviews']:,} reviews in "
              f"{len(data['families'])} families")


if __name__ == "__main__":
    main()
