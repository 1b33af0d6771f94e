"""The daily backup's cost (issue 25: at most 2x a normal command at 10k/1M).

    python bench/daily_backup.py --reuse DIR [--size c] [--runs 5]

DIR is a `bench/fair.py --keep` folder (DIR/c/emdrill.db). The collection is copied to a
temporary folder first, then, in whole `python -m emdrill status` processes (CPU is the
child's user + system time from `wait4`), each round times:

- the **first command of a study day**, which makes the day's backup (the round's `backups/`
  folder is removed first, untimed, so each round makes one);
- a **normal command** right after it (a backup exists for today, none is made).

Round 0 is an untimed warm-up (the file in the page cache, as on a machine in use). Prints
medians, their ratio and the file's size. Nothing asserts: the script prints figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path


def whole(home: Path) -> tuple[float, float]:
    """One `python -m emdrill status` in `home`: (wall ms, CPU ms)."""
    env = {**os.environ, "EMDRILL_HOME": str(home),
           "EMDRILL_NOW": datetime.now(UTC).isoformat(timespec="seconds")}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "emdrill", "status"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = (time.perf_counter() - start) * 1000
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.stderr is not None
    if proc.returncode != 0:
        raise SystemExit(f"emdrill status exited {proc.returncode}: {proc.stderr.read()!r}")
    proc.stderr.close()
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", type=Path, required=True, help="a fair.py --keep folder")
    parser.add_argument("--size", default="c")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    source = args.reuse / args.size / "emdrill.db"
    if not source.is_file():
        raise SystemExit(f"{source}: no collection there (build one with bench/fair.py --keep)")
    with tempfile.TemporaryDirectory(prefix="emdrill-daily-") as tmp:
        home = Path(tmp)
        shutil.copy2(source, home / "emdrill.db")
        firsts: list[tuple[float, float]] = []
        normals: list[tuple[float, float]] = []
        for round_ in range(args.runs + 1):
            shutil.rmtree(home / "backups", ignore_errors=True)
            first = whole(home)
            made = list((home / "backups").glob("*-daily.db"))
            if len(made) != 1:
                raise SystemExit(f"round {round_}: expected one daily backup, found {made}")
            normal = whole(home)
            if len(list((home / "backups").glob("*-daily.db"))) != 1:
                raise SystemExit(f"round {round_}: the normal command made another backup")
            if round_:
                firsts.append(first)
                normals.append(normal)
        size_mb = (home / "emdrill.db").stat().st_size / 1e6
    print(f"size {args.size}: {size_mb:.0f} MB, medians of {args.runs}")
    print("| command | wall ms | CPU ms |")
    print("|---|---:|---:|")
    for name, runs in (("first of the day (makes the backup)", firsts), ("normal", normals)):
        print(f"| {name} | {statistics.median(w for w, _ in runs):.0f} "
              f"| {statistics.median(c for _, c in runs):.0f} |")
    wall = statistics.median(w for w, _ in firsts) / statistics.median(w for w, _ in normals)
    cpu = statistics.median(c for _, c in firsts) / statistics.median(c for _, c in normals)
    print(f"first of the day / normal: {wall:.2f}x wall, {cpu:.2f}x CPU (target: at most 2x)")


if __name__ == "__main__":
    main()
