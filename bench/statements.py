"""SQL statements per hot-path operation, counted with sqlite3's trace callback.

    python bench/statements.py [--db FILE]

Without `--db`: a collection in a temporary folder (the bundled deck, a week of answers).
With `--db FILE`: a copy of that file (a bench/fair.py reuse folder's `SIZE/emdrill.db`),
so the file itself is left as found. Counts, for each operation as bench/fair.py times it
(status, next20, grade, undo, grade+next, home) and for one drill answer as
`ops.drill.Session` makes it (the key labels, the grade, the next pick): the statements run,
a statement's trigger programs folded into it (SQLite's trace reports each one again with
the text of the statement that fired it), and, beside them, the trace's lines with the
trigger programs. Nothing asserts: the script prints figures.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import grading, opening
from emdrill.ops.drill import Session
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads

NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def _studied(folder: Path) -> Path:
    """The bundled deck with a week of answers on a third of it, a miss in five."""
    path = folder / "emdrill.db"
    store = opening.open_collection(path, now=NOW - timedelta(days=8), local=UTC)
    ids = [c.id for c in card_reads.load_cards(store)][::3]
    for day in range(8, 1, -1):
        for n, qid in enumerate(ids):
            at = NOW - timedelta(days=day, minutes=-n)
            grading.grade(store, Clock(now=at, local=UTC), qid, story=StoryAnswer(slot=1),
                          intent=Rating.AGAIN if n % 5 == 0 else Rating.GOOD, fuzz=False)
    store.close()
    return path


def folded(trace: list[str]) -> list[str]:
    out: list[str] = []
    for text in trace:
        if not out or text != out[-1]:
            out.append(text)
    return out


def count(store: opening.Store, work: Callable[[], object]) -> tuple[int, int]:
    trace: list[str] = []
    store.con.set_trace_callback(trace.append)
    try:
        work()
    finally:
        store.con.set_trace_callback(None)
    return len(folded(trace)), len(trace)


def drill_answer(path: Path, now: datetime) -> tuple[int, int]:
    store = opening.open_collection(path, now=now, autoload=False)
    session = Session(store, lambda: Clock(now=now, local=UTC))
    pick = session.next_pick()
    if pick is None:
        return 0, 0

    def answer() -> None:
        session.intervals(pick.card)
        session.answer(pick, intent=Rating.GOOD, story=StoryAnswer(slot=1), seconds=4)
        session.next_pick()

    counted = count(store, answer)
    session.undo()
    store.close()
    return counted


def fair_ops(path: Path, now: datetime) -> list[tuple[str, int, int]]:
    import fair

    mine = fair.Emdrill(path)
    mine.clock = lambda: Clock(now=now, local=UTC)  # type: ignore[method-assign]
    mine.next20()
    mine.status()
    mine.home()  # each op once untimed first, as fair.py's round 0
    rows = []
    for name, work in (("status", mine.status), ("next20", mine.next20),
                       ("grade", mine.grade), ("undo", mine.undo),
                       ("grade+next", mine.grade_next), ("home", mine.home)):
        rows.append((name, *count(mine.store, work)))
        if name == "grade+next":
            mine.undo()
    mine.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", type=Path, help="count on a copy of this emdrill file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.db is None:
            path, now = _studied(folder), NOW
        else:
            path, now = folder / "emdrill.db", datetime.now(UTC)
            shutil.copyfile(args.db, path)
        rows = fair_ops(path, now)
        rows.append(("drill answer", *drill_answer(path, now)))
    print(f"statements per operation ({args.db or 'the bundled deck, a week of answers'})")
    print("| op | statements | trace lines (trigger programs too) |")
    print("|---|---:|---:|")
    for name, statements, lines in rows:
        print(f"| {name} | {statements} | {lines} |")


if __name__ == "__main__":
    main()
