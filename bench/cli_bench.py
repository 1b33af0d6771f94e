"""Start-up and hot-path timings, as ratios against baselines measured in the same run.

    python bench/cli_bench.py [--runs N]

Prints: cold `emdrill --help` and `emdrill status` against `python -c pass` and
`python -c "import sqlmodel"`, and the median of one grade + next round inside one
process on a collection of 500 questions with 50,000 reviews.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

FAMILIES = ["decisions", "underperformance", "growth", "motivation", "delivery", "hiring",
            "stakeholders", "conflict", "technical", "failure", "ownership", "pressure"]


def _median_run(cmd: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def deck_text(n: int) -> str:
    parts = ['[deck]\nid = "bench"\nname = "Bench"\nversion = "1"\ndescription = "x"\n']
    for f in FAMILIES:
        parts.append(f'[[families]]\nslug = "{f}"\nname = "{f}"\nprobes = "p"\n')
    for i in range(n):
        f = FAMILIES[i % len(FAMILIES)]
        parts.append(
            f'[[questions]]\nid = "q-{i}"\nfamily = "{f}"\ntext = "Question {i}?"\n'
            f'intent = "Intent {i}"\nprobes = ["a", "b"]\nstory = {i % 8 + 1}\nalso = []\n'
            'system = "team"\ntraits = ["ownership"]\npitfall = "p"\nfollow_ups = ["f"]\n')
    return "\n".join(parts)


def build_collection(home: Path, *, questions: int, reviews: int, now: datetime) -> None:
    """Load a generated deck, then bulk-insert review history and matching facet states."""
    env = {**os.environ, "EMDRILL_HOME": str(home), "EMDRILL_NOW": now.isoformat()}
    deck = home / "bench.toml"
    home.mkdir(parents=True, exist_ok=True)
    deck.write_text(deck_text(questions), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "emdrill", "deck", "load", str(deck)], env=env,
                   check=True, capture_output=True)
    from emdrill.store.tables import to_db_time

    rng = random.Random(1)
    con = sqlite3.connect(home / "emdrill.db")
    rows = []
    for n in range(reviews):
        at = now - timedelta(days=365) + timedelta(seconds=n * (365 * 86400 // reviews))
        t = to_db_time(at)
        rows.append((f"q-{rng.randrange(questions)}", t, rng.choice([1, 3, 3, 3, 4]),
                     rng.choice([1, 3, 3]), 3, 20.0, "drill", 2, None, 5.0, 5.0, t, t,
                     2, None, 5.0, 5.0, t, t))
    con.executemany(
        "INSERT INTO review (question_id, reviewed_at, intent_rating, story_rating, slot_named,"
        " seconds, mode, intent_prev_state, intent_prev_step, intent_prev_stability,"
        " intent_prev_difficulty, intent_prev_due, intent_prev_last_review, story_prev_state,"
        " story_prev_step, story_prev_stability, story_prev_difficulty, story_prev_due,"
        " story_prev_last_review) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    for i in range(questions):
        last = now - timedelta(days=rng.randint(1, 30))
        due = last + timedelta(days=rng.randint(1, 40))
        con.execute("UPDATE facet SET state=2, step=NULL, stability=?, difficulty=5.0, due=?, "
                    "last_review=? WHERE question_id=?",
                    (rng.uniform(2, 60), to_db_time(due), to_db_time(last), f"q-{i}"))
    con.commit()
    con.close()


def grade_next_round(home: Path, now: datetime, rounds: int) -> list[float]:
    os.environ["EMDRILL_HOME"] = str(home)
    from emdrill.cli.base import open_here
    from emdrill.core.scheduler import Rating
    from emdrill.core.timing import Clock
    from emdrill.ops import collection
    from emdrill.ops.collection import StoryAnswer

    store = open_here(autoload=False)
    times = []
    for r in range(rounds):
        clock = Clock(now=now + timedelta(seconds=30 * r), local=UTC)
        start = time.perf_counter()
        queue = collection.next_queue(store, clock, limit=1)
        qid = queue[0].card.id if queue else f"q-{r}"
        collection.grade(store, clock, qid, intent=Rating.GOOD, story=StoryAnswer(slot=1),
                         mode="drill")
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        env = {**os.environ, "EMDRILL_HOME": str(home), "EMDRILL_NOW": now.isoformat()}
        py = sys.executable
        base = _median_run([py, "-c", "pass"], env, args.runs)
        sqlm = _median_run([py, "-c", "import sqlmodel"], env, args.runs)
        subprocess.run([py, "-m", "emdrill", "status"], env=env, check=True,
                       capture_output=True)  # first use loads the bundled deck
        help_t = _median_run([py, "-m", "emdrill", "--help"], env, args.runs)
        status_t = _median_run([py, "-m", "emdrill", "status"], env, args.runs)
        print(f"python -c pass            {base * 1000:7.1f} ms   1.00x")
        print(f"python -c 'import sqlmodel' {sqlm * 1000:5.1f} ms   {sqlm / base:.2f}x")
        print(f"emdrill --help            {help_t * 1000:7.1f} ms   {help_t / base:.2f}x pass, "
              f"{help_t / sqlm:.2f}x import sqlmodel")
        print(f"emdrill status            {status_t * 1000:7.1f} ms   {status_t / base:.2f}x pass, "
              f"{status_t / sqlm:.2f}x import sqlmodel")
        big = Path(folder) / "big"
        build_collection(big, questions=500, reviews=50_000, now=now)
        times = grade_next_round(big, now, 60)
        median = statistics.median(times[5:])
        print(f"grade + next, 500 questions / 50,000 reviews: median {median * 1000:.1f} ms "
              f"({median / base:.2f}x python start-up)")


if __name__ == "__main__":
    main()
