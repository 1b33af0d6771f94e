"""Interleaved answers (phone reviews an Anki import puts among emdrill's): cost per answer.

    python bench/replay_speed.py [--questions 500] [--reviews 50000] [--answers 10,20,40]
                                 [--baseline main]

Builds one collection with bench/scale.py's builder (`questions` questions, `reviews`
reviews over two years), then, for each answer count N, records N answers at moments among
the existing reviews, each on a random question, through `grading.record`, the call
`emdrill import FILE.apkg` makes for every Anki answer. Each run is a child process on a fresh
copy of the collection, by this code and by the baseline (a git ref's src/), alternating.
Prints the child's CPU seconds for the N answers and per answer: linear cost means the
per-answer figure stays flat as N grows. Nothing asserts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import random, sys, time
from datetime import timedelta, timezone
from pathlib import Path
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
try:
    from emdrill.ops import grading
except ImportError:  # a baseline from before ops/collection.py was split
    from emdrill.ops import collection as grading
from emdrill.store.db import open_store
sys.path.insert(0, {bench!r})
from scale import NOW, HISTORY_DAYS
store = open_store(Path({db!r}))
rng = random.Random(3)
start = time.process_time()
for _ in range({n}):
    at = NOW - timedelta(days=rng.uniform(1, HISTORY_DAYS - 1))
    rating = rng.choice(list(Rating))
    facet = rng.random() < 0.5
    grading.record(store, Clock(now=at, local=timezone.utc), f"q-{{rng.randrange({q})}}",
                   intent=rating if facet else None, story=None if facet else rating,
                   mode="anki")
print(time.process_time() - start)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--reviews", type=int, default=50_000)
    parser.add_argument("--answers", default="10,20,40")
    parser.add_argument("--baseline", default="main", help="git ref to compare with")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from scale import build_emdrill

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        db = tmp / "built" / "emdrill.db"
        db.parent.mkdir()
        build_emdrill(db, questions=args.questions, reviews=args.reviews)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline, "src"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
        codes = {"this": str(ROOT / "src"), "baseline": str(tmp / "src")}
        print(f"{args.questions} questions, {args.reviews} reviews")
        print(f"{'answers':>8} {'code':<9} {'cpu s':>8} {'per answer ms':>14}")
        for n in map(int, args.answers.split(",")):
            for name, src in codes.items():
                run = tmp / "run"
                shutil.rmtree(run, ignore_errors=True)
                shutil.copytree(db.parent, run)
                script = CHILD.format(bench=str(ROOT / "bench"), db=str(run / db.name), n=n,
                                      q=args.questions)
                done = subprocess.run([sys.executable, "-c", script], capture_output=True,
                                      text=True, env={**os.environ, "PYTHONPATH": src})
                if done.returncode:
                    raise SystemExit(done.stderr[-800:])
                cpu = float(done.stdout.split()[-1])
                print(f"{n:>8} {name:<9} {cpu:8.2f} {cpu / n * 1000:14.1f}", flush=True)


if __name__ == "__main__":
    main()
