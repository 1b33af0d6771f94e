"""What an active interview plan costs a drill per answer, with the day plan kept and without.

    python bench/plan_cost.py [--size b|c] [--answers N] [--keep DIR]

Builds a collection with bench/scale.py's builder (bulk SQL: (b) 500 questions / 50,000
reviews, (c) 10,000 / 1,000,000), books an interview 14 days ahead over every question, and
times one drill step (a grade, then `next_queue(limit=1)` as `ops.drill.Session` asks) in
three ways, in one interleaved loop on the same file, each step undone untimed so every way
sees the same collection:

- `no plan`: the interview cleared;
- `plan, made every call`: the plan made afresh at each queue (`interview.today(cached=False)`,
  what every call did before the day plan was kept);
- `plan, kept for the day`: `ops.interview.day_plan` as shipped.

Also: the first queue of the day with the plan (when the day plan is made). Prints medians of
CPU time (`time.process_time`) and wall time in ms, and the plan's extra cost per answer.
Nothing asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import grading, opening, queueing
from emdrill.ops import interview as plan
from emdrill.ops.grading import StoryAnswer
from emdrill.ops.opening import Store
from emdrill.store import interview as store_interview
from scale import NOW, SIZES, build_emdrill

WAYS = ("no plan", "plan, made every call", "plan, kept for the day")


def _timed(work: Callable[[], object]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    work()
    return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000


def _step(store: Store, at: Clock) -> None:
    item = queueing.next_queue(store, at, limit=1)[0]
    grading.grade(store, at, item.card.id, intent=Rating.GOOD,
                  story=StoryAnswer(slot=1), mode="drill")
    queueing.next_queue(store, at, limit=1)


def measure(db: Path, answers: int) -> dict[str, list[tuple[float, float]]]:
    store = opening.open_collection(db, now=NOW, autoload=False)
    start = Clock(now=NOW, local=UTC)
    plan.set_interview(store, start, (NOW + timedelta(days=14)).date().isoformat())
    booked = plan.stored(store)
    assert booked is not None
    real_today = plan.today
    found: dict[str, list[tuple[float, float]]] = {w: [] for w in (*WAYS, "first of the day")}
    found["first of the day"].append(
        _timed(lambda: queueing.next_queue(store, start, limit=1)))
    for n in range(answers):
        at = Clock(now=NOW + timedelta(minutes=n + 1), local=UTC)
        order = WAYS if n % 2 == 0 else WAYS[::-1]
        for way in order:
            if way == "no plan":
                plan.clear(store)
            plan.today = (partial(real_today, cached=False)
                          if way == "plan, made every call" else real_today)
            found[way].append(_timed(partial(_step, store, at)))
            grading.undo(store)
            if way == "no plan":
                store_interview.save_interview(store, booked)
    plan.today = real_today
    store.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="c", choices=["b", "c"])
    parser.add_argument("--answers", type=int, default=6)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the collection here")
    args = parser.parse_args()
    questions, reviews = SIZES[args.size]
    folder = args.keep or Path(tempfile.mkdtemp(prefix="plan_cost_"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"plan-{args.size}.db"
    if not db.exists():
        began = time.perf_counter()
        build_emdrill(db, questions=questions, reviews=reviews)
        print(f"built {questions:,} questions / {reviews:,} reviews in "
              f"{time.perf_counter() - began:.0f} s")
    found = measure(db, args.answers)
    print(f"size {args.size}: {questions:,} questions, {reviews:,} reviews; "
          f"{args.answers} answers per way; medians, ms")
    print(f"{'one drill step (grade + next)':32} {'cpu':>9} {'wall':>9} {'plan adds (cpu)':>16}")
    base = statistics.median(c for c, _w in found["no plan"])
    for way, rows in found.items():
        cpu = statistics.median(c for c, _w in rows)
        wall = statistics.median(w for _c, w in rows)
        extra = "" if way == "no plan" else f"{cpu - base:16.1f}"
        print(f"{way:32} {cpu:9.1f} {wall:9.1f} {extra}")
    made = statistics.median(c for c, _w in found["plan, made every call"])
    kept = statistics.median(c for c, _w in found["plan, kept for the day"])
    print(f"made every call / kept for the day: {made / kept:.1f}x")


if __name__ == "__main__":
    main()
