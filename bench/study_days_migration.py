"""What migration 10 (elapsed time in study days) changes on a lived-in collection.

    # 1. a collection lived in under the old 24-hour count (an emdrill before migration 10):
    git worktree add /tmp/old f719ba2
    PYTHONPATH=/tmp/old/src python bench/study_days_migration.py build /tmp/lived.db
    # 2. open a copy with this emdrill and count what moved:
    python bench/study_days_migration.py measure /tmp/lived.db

`build` drills the bundled deck for 60 days with a simulated learner who answers at a
different time each day (a lunch drill, a morning commute, some late evenings), about 15
answers a day. `measure` opens a copy (which runs the migration and its backup) and prints
how many facets and saved review states changed, and by how much.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2026, 9, 1, tzinfo=UTC)


def build(path: Path, *, days: int, seed: int) -> None:
    from emdrill.core.scheduler import Rating
    from emdrill.core.timing import Clock
    from emdrill.ops import grading, opening, queueing
    from emdrill.ops.grading import StoryAnswer

    dice = random.Random(seed)
    store = opening.open_collection(path, now=START, seed=seed)
    answers = 0
    try:
        for day in range(days):
            for _session in range(dice.choice((1, 1, 2))):
                at = START + timedelta(days=day, hours=dice.choice((7.5, 8, 12.5, 13, 21, 23)),
                                       minutes=dice.randrange(40))
                for _ in range(dice.randint(6, 10)):
                    clock = Clock(at, UTC)
                    queue = queueing.next_queue(store, clock, limit=1)
                    if not queue:
                        break
                    card = queue[0].card
                    intent = Rating.GOOD if dice.random() < 0.8 else Rating.AGAIN
                    grading.grade(store, clock, card.id, intent=intent,
                                  story=StoryAnswer(slot=None, verdict=dice.random() < 0.75))
                    answers += 1
                    at += timedelta(seconds=dice.randint(15, 40))
    finally:
        store.close()
    print(f"built {path}: {answers} answers over {days} days")


def _facets(path: Path) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    con = sqlite3.connect(path)
    try:
        return {(q, k): (s, d) for q, k, s, d in con.execute(
            "SELECT question_id, kind, stability, difficulty FROM facet "
            "WHERE last_review IS NOT NULL")}
    finally:
        con.close()


def measure(path: Path) -> None:
    from emdrill.ops import opening

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "emdrill.db"
        shutil.copyfile(path, copy)
        before = _facets(copy)
        opening.open_collection(copy, now=START + timedelta(days=400),
                                autoload=False).close()
        after = _facets(copy)
    moved = {key: (before[key], after[key]) for key in before
             if before[key] != after[key]}
    ratios = sorted((a[0] or 0) / (b[0] or 1) for b, a in moved.values())
    print(f"reviewed facets: {len(before)}; changed by the migration: {len(moved)} "
          f"({len(moved) / max(1, len(before)):.0%})")
    if ratios:
        mid = ratios[len(ratios) // 2]
        print(f"stability after / before: median {mid:.2f}, min {ratios[0]:.2f}, "
              f"max {ratios[-1]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("step", choices=("build", "measure"))
    parser.add_argument("db", type=Path)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    if args.step == "build":
        build(args.db, days=args.days, seed=args.seed)
    else:
        measure(args.db)


if __name__ == "__main__":
    main()
