"""What `review_total` (`SELECT sum(reviews) FROM question`) costs, with and without the
`question_reviews` index, at 1k and 10k questions carrying realistic text (~740 characters a
question, as the bundled deck's do). Both forms run in the same process on the same file; the
ratio is the scan's time over the index's. Run: .venv/bin/python bench/review_total.py
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from emdrill.store import interview as store_interview
from emdrill.store.db import open_store
from scale import build_emdrill

RUNS = 50


def _best(con: sqlite3.Connection, sql: str) -> float:
    best = float("inf")
    for _ in range(RUNS):
        start = time.perf_counter()
        con.execute(sql).fetchone()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    for questions in (1_000, 10_000):
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "emdrill.db"
            build_emdrill(db, questions=questions, reviews=0)
            con = sqlite3.connect(db)
            con.execute("UPDATE question SET reviews = abs(random() % 300), "
                        "text = text || ' ' || printf('%.740c', 'x')")
            con.commit()
            scan = _best(con, "SELECT coalesce(sum(reviews), 0) FROM question NOT INDEXED")
            indexed = _best(con, "SELECT coalesce(sum(reviews), 0) FROM question")
            plan = con.execute("EXPLAIN QUERY PLAN SELECT sum(reviews) FROM question"
                               ).fetchall()[-1][-1]
            con.close()
            store = open_store(db)
            total = store_interview.review_total(store)
            store.close()
            print(f"{questions:>6} questions: scan {scan * 1000:.2f} ms, index "
                  f"{indexed * 1000:.2f} ms, scan/index {scan / indexed:.1f}x "
                  f"[{plan}] total={total}")


if __name__ == "__main__":
    main()
