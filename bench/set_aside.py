"""What setting questions aside costs the hot path (docs/set-aside.md).

    python bench/set_aside.py [--questions N] [--reviews N] [--runs N]

Builds bench/scale.py's collection (default 10,000 questions, 1,000,000 reviews), times
`next` (20 questions), `status`, one grade with its undo, `shaky` and `stats` with nothing
set aside, then suspends the 2,000 most overdue questions and buries 500 more (the worst
case for the queue's index ranges: every one of them would be read first) and times them
again. Medians in milliseconds, in process. Nothing asserts: the script prints figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale


def _ms(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def measure(db: Path, runs: int) -> dict[str, float]:
    from emdrill.core.scheduler import Rating
    from emdrill.core.timing import Clock
    from emdrill.ops import grading, home_status, opening, queueing
    from emdrill.ops import stats as ops_stats
    from emdrill.ops.grading import StoryAnswer

    store = opening.open_collection(db, now=scale.NOW, autoload=False)
    clock = Clock(now=scale.NOW, local=UTC)
    first = queueing.next_queue(store, clock, limit=1)[0].card.id

    def grade_undo() -> None:
        grading.grade(store, clock, first, intent=Rating.GOOD, story=StoryAnswer(slot=1),
                      mode="drill")
        grading.undo(store)

    figures = {
        "next": _ms(lambda: queueing.next_queue(store, clock, limit=20), runs),
        "status": _ms(lambda: home_status.status(store, clock), runs),
        "grade_undo": _ms(grade_undo, runs),
        "shaky": _ms(lambda: ops_stats.shaky(store, clock), max(3, runs // 4)),
        "stats": _ms(lambda: ops_stats.report(store, clock), max(3, runs // 4)),
    }
    store.close()
    return figures


def set_aside(db: Path, *, suspend: int, bury: int) -> tuple[int, int, int]:
    """Suspend the `suspend` most overdue questions and bury the next `bury` (fewer, in the
    same shares, when fewer are due); returns (due before, suspended, buried)."""
    from emdrill.core.timing import Clock
    from emdrill.ops import home_status, opening
    from emdrill.ops import set_aside as ops_set_aside

    store = opening.open_collection(db, now=scale.NOW, autoload=False)
    clock = Clock(now=scale.NOW, local=UTC)
    due = home_status.status(store, clock).due
    with store.read() as con:
        ids = [r[0] for r in con.execute(
            "SELECT id FROM question WHERE due <= ? ORDER BY due LIMIT ?",
            (scale._t(scale.NOW), suspend + bury))]
    cut = len(ids) * suspend // (suspend + bury)  # a small collection: the same shares
    ops_set_aside.suspend(store, ids[:cut])
    ops_set_aside.bury(store, Clock(now=scale.NOW - timedelta(hours=1), local=UTC),
                       ids[cut:])
    store.close()
    return due, cut, len(ids) - cut


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "emdrill.db"
        scale.build_emdrill(db, questions=args.questions, reviews=args.reviews)
        before = measure(db, args.runs)
        due, suspended, buried = set_aside(db, suspend=2000, bury=500)
        after = measure(db, args.runs)
    print(json.dumps({"questions": args.questions, "reviews": args.reviews, "due": due,
                      "nothing_set_aside_ms": before, "suspended": suspended,
                      "buried": buried, "set_aside_ms": after}, indent=2))


if __name__ == "__main__":
    main()
