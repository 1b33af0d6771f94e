"""What the unseen-question forecast reads of every first sight so far, at a bench size.

    python bench/first_sights.py --db DIR/c/emdrill.db [--runs N]

Times `ops.interview.first_sight_evidence` (the evidence of transfer the interview screen's
unseen forecast stands on) on a copy of a `bench/fair.py --keep DIR` file, so the file itself
is left as found: CPU and wall, median of N runs, with the part spent reading the first
sights (`store.interview.first_sight_answers`) beside it. Nothing asserts: the script prints
figures.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from emdrill.ops import opening
from emdrill.ops.interview import first_sight_evidence
from emdrill.store import card_reads
from emdrill.store import interview as store_interview


def _timed(work: Callable[[], object], runs: int) -> tuple[float, float]:
    cpu, wall = [], []
    for _ in range(runs):
        c, w = time.process_time(), time.perf_counter()
        work()
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    return statistics.median(cpu), statistics.median(wall)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="an emdrill file to copy")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="emdrill-first-sights-") as folder:
        path = Path(folder) / "emdrill.db"
        shutil.copyfile(args.db, path)
        store = opening.open_collection(path, now=datetime.now(UTC), autoload=False,
                                        local=UTC)
        try:
            cards = card_reads.load_cards(store)
            sights = len(store_interview.first_sight_answers(store))
            read = _timed(lambda: store_interview.first_sight_answers(store), args.runs)
            whole = _timed(lambda: first_sight_evidence(store, cards), args.runs)
        finally:
            store.close()
    print(f"{len(cards)} questions, {sights} first sights, median of {args.runs}")
    print("| what | CPU ms | wall ms |\n|---|---:|---:|")
    print(f"| first_sight_answers | {read[0]:.0f} | {read[1]:.0f} |")
    print(f"| first_sight_evidence | {whole[0]:.0f} | {whole[1]:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
