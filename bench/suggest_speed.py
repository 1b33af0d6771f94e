"""How long `emdrill suggest` takes, against the import floor measured in the same run.

    python bench/suggest_speed.py [--runs N] [--deck PATH]

The budget (issue 13): one question costs at most the import floor plus 100 ms; 300 questions
on stdin take under 2 s. The import floor is what any command that opens the collection pays
before doing anything: `python -c "import sqlmodel"`. Prints medians of whole processes, then
where the time goes inside one (model from the cache, fingerprint, one suggestion). `--deck`
loads another deck file first (say, a grown deck) into a fresh data folder. Nothing here
asserts a figure.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "data" / "labelled-questions.tsv"
QUESTION = "How do you deal with friction between two of your engineers?"


def _questions(n: int) -> str:
    rows = LABELLED.read_text(encoding="utf-8").splitlines()[1:]
    texts = [row.split("\t")[2] for row in rows]
    return "\n".join(texts[i % len(texts)] for i in range(n)) + "\n"


def _median(cmd: list[str], env: dict[str, str], runs: int, *, stdin: str = "",
            before: Callable[[], None] | None = None) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of `runs` runs, in seconds. On a
    busy machine the CPU time is the steadier figure."""
    walls, cpus = [], []
    for _ in range(runs):
        if before is not None:
            before()
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True, input=stdin.encode())
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def _inside(home: Path) -> dict[str, float]:
    """Milliseconds for each step of one suggestion, inside a process that has imported all."""
    os.environ["EMDRILL_HOME"] = str(home)
    from emdrill.cli.base import open_here
    from emdrill.core.suggest import Model, fingerprint
    from emdrill.ops import suggestions as questions
    from emdrill.store.db import Store

    steps: dict[str, float] = {}

    def timed(name: str, call: Callable[[], object]) -> object:
        start = time.perf_counter()
        value = call()
        steps[name] = round((time.perf_counter() - start) * 1000, 1)
        return value

    store = timed("open the collection (full)", open_here)
    assert isinstance(store, Store)
    light = timed("open the collection (light reader)",
                  lambda: questions.open_reader(store.path))
    assert light is not None
    loaded = timed("read the loaded questions", lambda: questions.Loaded.read(store))
    assert isinstance(loaded, questions.Loaded)
    docs, families, slots = questions.model_input(loaded)
    timed("fingerprint", lambda: fingerprint(docs, family_text=families, slot_text=slots))
    model = timed("model from the cache", lambda: questions.model(store, loaded))
    assert isinstance(model, Model)
    timed("model built (no cache)", lambda: Model.build(docs, family_text=families,
                                                        slot_text=slots))
    timed("one suggestion", lambda: model.suggest(QUESTION))
    batch = _questions(300).splitlines()
    timed("300 suggestions", lambda: [model.suggest(q) for q in batch])
    steps["cards in the model"] = len(docs)
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--deck", type=Path, help="load this deck file first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        env = {**os.environ, "EMDRILL_HOME": str(home),
               "EMDRILL_NOW": "2026-03-02T09:00:00+00:00"}
        py = sys.executable
        emdrill = [py, "-m", "emdrill"]
        subprocess.run([*emdrill, "status"], env=env, check=True, capture_output=True)
        if args.deck:
            subprocess.run([*emdrill, "deck", "load", str(args.deck)], env=env, check=True,
                           capture_output=True)
        cache = home / "suggest-model.json"
        base = _median([py, "-c", "pass"], env, args.runs)
        floor = _median([py, "-c", "import sqlmodel"], env, args.runs)
        status = _median([*emdrill, "status"], env, args.runs)
        warm = _median([*emdrill, "suggest", QUESTION], env, args.runs)
        cold = _median([*emdrill, "suggest", QUESTION], env, args.runs,
                       before=lambda: cache.unlink(missing_ok=True))
        batch = _median([*emdrill, "suggest", "--json"], env, args.runs,
                        stdin=_questions(300))
        rows = [("python -c pass", base), ("import floor: python -c 'import sqlmodel'", floor),
                ("emdrill status", status), ("emdrill suggest TEXT (model cached)", warm),
                ("emdrill suggest TEXT (no cache: builds it)", cold),
                ("emdrill suggest --json, 300 lines on stdin", batch)]
        print(f"{'':<46} {'wall':>9} {'over floor':>11} {'cpu':>9} {'over floor':>11}")
        for name, (wall, cpu) in rows:
            print(f"{name:<46} {wall * 1000:6.0f} ms {(wall - floor[0]) * 1000:+8.0f} ms "
                  f"{cpu * 1000:6.0f} ms {(cpu - floor[1]) * 1000:+8.0f} ms")
        print("inside one process:")
        for name, ms in _inside(home).items():
            unit = "" if name == "cards in the model" else " ms"
            print(f"  {name:<44} {ms:7}{unit}")


if __name__ == "__main__":
    main()
