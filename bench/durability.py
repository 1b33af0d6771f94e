"""What a durable grade costs: one grade + undo at synchronous NORMAL next to FULL, in one
process and one interleaved loop, wall and CPU time.

    python bench/durability.py [--runs N]

Uses the bundled deck in a temporary folder. The store's connection is switched between the
two settings each round, so machine noise hits both alike. Prints medians in milliseconds
and the ratio FULL / NORMAL. Nothing asserts: the script prints figures.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


def main() -> None:
    from emdrill.core.scheduler import Rating
    from emdrill.core.timing import Clock
    from emdrill.ops import grading, opening, queueing
    from emdrill.ops.grading import StoryAnswer

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory(prefix="emdrill-durability-") as name:
        store = opening.open_collection(Path(name) / "emdrill.db", now=now)
        wall: dict[str, list[float]] = {"NORMAL": [], "FULL": []}
        cpu: dict[str, list[float]] = {"NORMAL": [], "FULL": []}
        for r in range(args.runs):
            clock = Clock(now=now + timedelta(seconds=r), local=UTC)
            qid = queueing.next_queue(store, clock, limit=1)[0].card.id
            for mode in ("NORMAL", "FULL") if r % 2 else ("FULL", "NORMAL"):
                store.con.execute(f"PRAGMA synchronous={mode}")
                w, c = time.perf_counter(), time.process_time()
                grading.grade(store, clock, qid, intent=Rating.GOOD,
                              story=StoryAnswer(slot=1), mode="drill")
                grading.undo(store)
                wall[mode].append((time.perf_counter() - w) * 1000)
                cpu[mode].append((time.process_time() - c) * 1000)
        store.close()
    for label, data in (("wall", wall), ("cpu", cpu)):
        n, f = statistics.median(data["NORMAL"]), statistics.median(data["FULL"])
        print(f"grade+undo {label}: NORMAL {n:.2f} ms, FULL {f:.2f} ms, FULL/NORMAL {f / n:.2f}x")


if __name__ == "__main__":
    main()
