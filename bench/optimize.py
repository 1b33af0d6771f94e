"""`emdrill optimize` next to Anki's `compute_fsrs_params` on the same answers.

Both products read one history: the files `fair.py --keep DIR` built (emdrill's collection
and Anki's, written from one shared history, two Anki revlog rows per emdrill review, one
per card). Each measurement runs in a child process of its own, on a fresh copy of the
files, so its peak memory (`ru_maxrss`) is that product's alone. The children alternate
(emdrill, Anki, Anki, emdrill, ...) so a busy moment costs both sides alike. CPU time is
the figure to compare on a shared machine; wall time is printed beside it.

Equal work: emdrill's `optimize` scores the defaults (or the parameters in force), fits,
and scores the fit, for each of its two facets; Anki's `compute_fsrs_params` with the
parameters in force (FSRS's defaults, as emdrill's are before a first fit) fits and
compares the fit with them. `--fit-only` times emdrill's fit
alone (items read and fitted, no scoring), the narrowest comparison.

    python bench/fair.py --sizes b --runs 1 --keep /tmp/opt/keep     # once: build (b)
    python bench/optimize.py --reuse /tmp/opt/keep/b --runs 3
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _child(product: str, folder: Path, fit_only: bool) -> dict[str, Any]:
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    if product == "emdrill":
        from emdrill.core import fitting
        from emdrill.core.timing import Clock
        from emdrill.ops import opening, optimize
        from emdrill.store import interview as store_interview

        now = datetime.now(UTC)
        clock = Clock(now=now, local=UTC)
        store = opening.open_collection(folder / "emdrill.db", now=now, autoload=False)
        start_cpu, start_wall = time.process_time(), time.perf_counter()  # open excluded
        if fit_only:
            items = 0
            for facet in ("intent", "story"):
                training = fitting.training_items(store_interview.histories(store, facet),
                                                  clock)
                fitting.fit(training)
                items += len(training)
            detail: Any = items
        else:
            detail = [r.kept for r in optimize.optimize(store, clock)]
        store.close()
    else:
        import fsrs_rs_python as rs
        from anki.collection import Collection

        col = Collection(str(folder / "anki" / "collection.anki2"))
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        response = col.backend.compute_fsrs_params(
            search="deck:bench", current_params=list(rs.DEFAULT_PARAMETERS),
            ignore_revlogs_before_ms=0,
            num_of_relearning_steps=1, health_check=False)
        detail = response.fsrs_items
        col.close()
    return {"cpu_s": time.process_time() - start_cpu, "wall_s": time.perf_counter() - start_wall,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "detail": detail}


def _run(product: str, source: Path, fit_only: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="emdrill-opt-") as tmp:
        folder = Path(tmp) / "c"
        shutil.copytree(source, folder)
        out = subprocess.run([sys.executable, __file__, "--child", product, str(folder)]
                             + (["--fit-only"] if fit_only else []),
                             capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reuse", type=Path, help="a size folder that fair.py --keep built")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fit-only", action="store_true",
                        help="emdrill's fit alone, without scoring")
    parser.add_argument("--child", nargs=2, metavar=("PRODUCT", "FOLDER"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child[0], Path(args.child[1]), args.fit_only)))
        return
    if args.reuse is None:
        parser.error("--reuse DIR is required (a size folder fair.py --keep built)")
    runs: dict[str, list[dict[str, Any]]] = {"emdrill": [], "anki": []}
    for r in range(args.runs):
        for product in (("emdrill", "anki") if r % 2 == 0 else ("anki", "emdrill")):
            runs[product].append(_run(product, args.reuse, args.fit_only))
            last = runs[product][-1]
            print(f"run {r + 1} {product:8} cpu {last['cpu_s']:7.2f} s  wall "
                  f"{last['wall_s']:7.2f} s  peak {last['peak_mb']:6.0f} MB  {last['detail']}",
                  flush=True)
    med = {p: {k: statistics.median(x[k] for x in v) for k in ("cpu_s", "wall_s", "peak_mb")}
           for p, v in runs.items()}
    print()
    print("| medians | emdrill | Anki | ratio |")
    print("|---|---:|---:|---:|")
    for key, label in (("cpu_s", "CPU s"), ("wall_s", "wall s"), ("peak_mb", "peak MB")):
        e, a = med["emdrill"][key], med["anki"][key]
        print(f"| {label} | {e:.2f} | {a:.2f} | {e / a:.2f}x |")


if __name__ == "__main__":
    main()
