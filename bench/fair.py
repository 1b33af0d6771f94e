"""emdrill next to Anki on equal work: one clock, one history, one durability, one process.

    python bench/fair.py [--sizes a,b,c,d] [--runs N] [--import-lines N] [--keep DIR] [--json]
    python bench/fair.py --sizes c --reuse DIR [--runs N] [--json]
    python bench/fair.py --report RUN.json [RUN.json ...]

Sizes: (a) the bundled deck with no reviews; (b) 500 questions, 50,000 reviews; (c) 10,000
questions, 1,000,000 reviews; (d) 50,000 questions, 5,000,000 reviews. Every review is over
two years that end at the machine's clock when the size is built.

What makes it fair (issue 25):
- One clock. Anki's backend reads the machine's clock and cannot be told another, so both
  histories are built relative to the real clock, Anki's collection is dated from the start of
  the history (`col.crt`), and emdrill is timed with `Clock(now=datetime.now(UTC))`: both see
  the same "now" and the same last year.
- Realistic text. Every question is a bundled deck question (decks/em-core.toml, about 740
  characters of content each), repeated with a variant tag to reach the size; Anki's notes
  carry the same text (question on the front, intent, probes, pitfall and follow-ups on the
  back).
- Chains. One shared history is generated once, review by review in time order: each facet's
  state after a review (an FSRS-4.5 update with the default weights) is the state the next
  review of that facet starts from, and it is written into both files in the same pass.
  An emdrill review grades both facets (intent, story); Anki gets the two answers it would
  record for the same study, one revlog row per card of a "Basic (and reversed card)" note.
  The final card states are the chain's last states, in the form Anki 26.9.3 writes them
  (card data with stability to 4 places, difficulty to 3, and `decay`; a relearning card keeps
  the interval it returns to; revlog factor 100 + 100 x difficulty), so an answer, an undo and
  the same answer again are accepted as they are in Anki. The rows go in with bulk SQL
  (emdrill's triggers on `review` set aside meanwhile; `rebuild_aggregates`, the product's own
  recount, makes every tally the triggers keep).
- Equal durability. emdrill ships `PRAGMA synchronous=FULL` with WAL (store/db.py); Anki
  26.9.3 opens at FULL (2) too, and the bench sets it again and prints what both report.
- One process, one loop. Both collections are open in this process; every round times each
  operation for both products back to back, the one going first alternating by round, and
  records CPU time (`time.process_time`) next to wall time. Figures are medians.

Operations (emdrill | Anki):
- status: `home_status.status` | `sched.counts()` + `studied_today()` (the overview's counts)
- next20: `next_queue(limit=20)` with each question's text, through the drill's kept queue
  (`ops.kept.KeptQueue`, told of each grade and undo; a tree without one reads afresh) |
  `get_queued_cards(20)` and each card's note fields
- grade: `grading.grade` (intent Good) of the queue's first question | `answer_card` (Good)
  of its first
- undo: `grading.undo` | `col.undo()`
- grade+next: grade, then `next_queue(limit=1)` as a drill does | answer, then the next queued
  card with its note
- home: `status` + `advice.outlook` (the home screen) | `deck_due_tree()` + `studied_today()`
  (the deck list)
- stats: `stats.report` | `graphs(days=365)`

`--reuse DIR` times the files an earlier `--keep DIR` run built (DIR/SIZE/emdrill.db and
DIR/SIZE/anki/) instead of building again: the emdrill file is upgraded on open if its schema
is older, and what was built is read back from the files as found, before that upgrade
(build time 0). Each run grades and
undoes, so a reused pair is where the last run left it; the history ends when it was built,
so reuse it the same day (work it to a copy: `cp -r DIR DIR2`).

Also printed: bytes per review (each file, after a checkpoint and VACUUM, over the shared
history's reviews; Anki's also over its revlog rows), each op's growth from one size to the
next (CPU at the larger / at the smaller, a -> b included) and scaled to 10x reviews, and
with `--import-lines N` the whole `emdrill import` of an N-line question list at the largest
size. Nothing asserts: the script prints figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fair_build import SIZES, build, reused  # bench/fair_build.py: both files, one history

ROOT = Path(__file__).resolve().parents[1]
LOCAL = datetime.now().astimezone().tzinfo or UTC  # Anki counts days in the machine's zone
OPS = ["status", "next20", "grade", "undo", "grade+next", "home", "stats"]
GOOD = 2  # anki's CardAnswer.GOOD (AGAIN is 0): the bench grades Good in both products


# ---------------------------------------------------------------- timing


class Emdrill:
    def __init__(self, db: Path) -> None:
        from emdrill.ops import opening

        self.store = opening.open_collection(db, now=datetime.now(UTC), autoload=False,
                                             local=LOCAL)  # as the CLI opens it
        self.top: str | None = None
        try:  # the drill's kept queue, as Anki keeps its own (an older tree has none)
            from emdrill.ops.kept import KeptQueue

            self.kept: Any = KeptQueue()
        except ImportError:
            self.kept = None

    def _queue(self, limit: int) -> list[Any]:
        from emdrill.ops import queueing

        if self.kept is None:
            return queueing.next_queue(self.store, self.clock(), limit=limit)
        return queueing.next_queue(self.store, self.clock(), limit=limit, kept=self.kept)

    def _told(self, ids: list[str], before: Any) -> None:
        if self.kept is not None:
            self.kept.wrote(self.store, ids, before)

    def clock(self) -> Any:
        from emdrill.core.timing import Clock

        return Clock(now=datetime.now(UTC), local=LOCAL)

    def durability(self) -> str:
        with self.store.read() as con:
            level = con.execute("PRAGMA synchronous").fetchone()[0]
        return {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(level, "?")

    def status(self) -> object:
        from emdrill.ops import home_status

        return home_status.status(self.store, self.clock())

    def next20(self) -> object:
        items = self._queue(20)
        texts = [i.card.question.text for i in items]
        self.top = items[0].card.id
        return texts

    def grade(self) -> object:
        from emdrill.core.scheduler import Rating
        from emdrill.ops import grading
        from emdrill.ops.grading import StoryAnswer

        assert self.top is not None
        before = self.store.version()
        graded = grading.grade(self.store, self.clock(), self.top, intent=Rating.GOOD,
                               story=StoryAnswer(slot=1), mode="drill")
        self._told([self.top], before)
        return graded

    def undo(self) -> object:
        from emdrill.ops import grading

        before = self.store.version()
        undone = grading.undo(self.store)
        self._told([undone.question_id], before)
        return undone

    def grade_next(self) -> object:
        graded = self.grade()
        items = self._queue(1)
        return graded, [i.card.question.text for i in items]

    def home(self) -> object:
        from emdrill.ops import advice, home_status

        clock = self.clock()
        result = home_status.status(self.store, clock)
        return result, advice.outlook(self.store, clock, due=result.due)

    def stats(self) -> object:
        from emdrill.ops import stats

        return stats.report(self.store, self.clock())

    def close(self) -> None:
        self.store.close()


class Anki:
    def __init__(self, path: Path) -> None:
        from anki.collection import Collection

        self.col = Collection(str(path))
        self.col.db.execute("PRAGMA synchronous = FULL")
        self.col.decks.select(self.col.decks.id("bench") or 1)
        self.top: Any = None

    def durability(self) -> str:
        return {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
            self.col.db.scalar("PRAGMA synchronous"), "?")

    def status(self) -> object:
        return self.col.sched.counts(), self.col.studied_today()

    def _queue(self, n: int) -> list[Any]:
        queued = self.col.sched.get_queued_cards(fetch_limit=n)
        self.top = queued.cards[0] if queued.cards else None
        return [self.col.get_note(e.card.note_id).fields for e in queued.cards]

    def next20(self) -> object:
        return self._queue(20)

    def grade(self) -> object:
        top = self.top
        card = self.col.get_card(top.card.id)
        card.start_timer()
        answer_ = self.col.sched.build_answer(card=card, states=top.states, rating=GOOD)
        return self.col.sched.answer_card(answer_)

    def undo(self) -> object:
        return self.col.undo()

    def grade_next(self) -> object:
        return self.grade(), self._queue(1)

    def home(self) -> object:
        return self.col.sched.deck_due_tree(), self.col.studied_today()

    def stats(self) -> object:
        return self.col._backend.graphs(search="", days=365)

    def close(self) -> None:
        self.col.close()


def _measure(work: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def time_both(folder: Path, runs: int) -> dict[str, Any]:
    """Both products in this process, one interleaved loop; medians in milliseconds."""
    mine, theirs = Emdrill(folder / "emdrill.db"), Anki(folder / "anki" / "collection.anki2")
    products: dict[str, Emdrill | Anki] = {"emdrill": mine, "anki": theirs}
    out: dict[str, dict[str, dict[str, list[float]]]] = {
        p: {op: {"wall": [], "cpu": []} for op in OPS} for p in products}
    steps: dict[str, Callable[[Any], object]] = {
        "status": lambda p: p.status(), "next20": lambda p: p.next20(),
        "grade": lambda p: p.grade(), "undo": lambda p: p.undo(),
        "grade+next": lambda p: p.grade_next(), "home": lambda p: p.home(),
        "stats": lambda p: p.stats()}
    for r in range(runs + 1):  # round 0 warms both up and is not kept
        order = ["emdrill", "anki"] if r % 2 else ["anki", "emdrill"]
        for op in OPS:
            for name in order:
                product, step = products[name], steps[op]
                wall, cpu = _measure(lambda: step(product))  # noqa: B023 (called at once)
                if r:
                    out[name][op]["wall"].append(wall)
                    out[name][op]["cpu"].append(cpu)
                if op == "grade+next":
                    products[name].undo()  # untimed: the next round starts where this one did
    durability = {name: p.durability() for name, p in products.items()}
    mine.close()
    theirs.close()
    return {"durability": durability,
            "ms": {p: {op: {k: statistics.median(v) for k, v in d.items()}
                       for op, d in ops.items()} for p, ops in out.items()}}


# ---------------------------------------------------------------- import of a list


def time_import(folder: Path, lines: int) -> dict[str, float]:
    """A whole `emdrill import` of a `lines`-line question list, wall and CPU seconds."""
    rows = (ROOT / "tests" / "data" / "labelled-questions.tsv").read_text(
        encoding="utf-8").splitlines()[1:]
    texts = [row.split("\t")[2] for row in rows]
    listing = folder / "list.txt"
    listing.write_text("".join(f"{texts[i % len(texts)]} ({i})\n" for i in range(lines)),
                       encoding="utf-8")
    env = {**os.environ, "EMDRILL_HOME": str(folder)}
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "emdrill", "import", str(listing)], env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        print(f"import failed ({done.returncode}): {done.stderr.strip()[-300:]}",
              file=sys.stderr)
    cpu = after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime
    return {"lines": lines, "wall_s": wall, "cpu_s": cpu, "exit": done.returncode}


# ---------------------------------------------------------------- report


def _growth(results: dict[str, Any], s1: str, s2: str, k: float) -> list[str]:
    """Each op's "emdrill / Anki" cell: CPU at size s2 over CPU at size s1, raised to `k`
    (1 for the plain factor; log 10 / log(reviews ratio) for per 10x reviews)."""
    cells = []
    for op in OPS:
        g = []
        for p in ("emdrill", "anki"):
            t1 = results[s1]["timing"]["ms"][p][op]["cpu"]
            t2 = results[s2]["timing"]["ms"][p][op]["cpu"]
            g.append(f"{(t2 / t1) ** k:.1f}x" if t1 > 0 and t2 > 0 else "-")
        cells.append(" / ".join(g))
    return cells


def table(results: dict[str, dict[str, Any]]) -> str:
    out = ["| size | op | emdrill CPU | Anki CPU | CPU ratio | emdrill wall | Anki wall "
           "| wall ratio |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for size, res in results.items():
        ms = res["timing"]["ms"]
        for op in OPS:
            e, a = ms["emdrill"][op], ms["anki"][op]
            out.append(f"| {size} | {op} | {e['cpu']:.2f} | {a['cpu']:.2f} | "
                       f"{_ratio(e['cpu'], a['cpu'])} | {e['wall']:.2f} | {a['wall']:.2f} | "
                       f"{_ratio(e['wall'], a['wall'])} |")
    out += ["", "| size | questions | reviews | Anki revlog rows | emdrill bytes/review "
            "| Anki bytes/review | Anki bytes/revlog row | build s | durability |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for size, res in results.items():
        b, n = res["built"]["bytes"], res["built"]["reviews"]
        rows = res["built"]["revlog_rows"]
        d = res["timing"]["durability"]
        per_row = f"{b['anki'] / rows:.0f}" if rows else "-"
        out.append(f"| {size} | {res['built']['questions']} | {n} | {rows} "
                   f"| {_per(b['emdrill'], n)} | {_per(b['anki'], n)} | {per_row} "
                   f"| {res['built']['build_s']:.0f} | emdrill {d['emdrill']}, "
                   f"Anki {d['anki']} |")
    if len(results) > 1:
        out += ["", "Growth from each size to the next: CPU at the larger size / CPU at the "
                "smaller (emdrill / Anki), with the reviews' factor:", "",
                "| from -> to | reviews | " + " | ".join(f"{op} e / A" for op in OPS) + " |",
                "|---|---:|" + "---:|" * len(OPS)]
        for s1, s2 in itertools.pairwise(results):
            n1, n2 = results[s1]["built"]["reviews"], results[s2]["built"]["reviews"]
            cells = _growth(results, s1, s2, 1.0)
            out.append(f"| {s1} -> {s2} | {f'{n2 / n1:.0f}x' if n1 else f'0 -> {n2}'} | "
                       + " | ".join(cells) + " |")
    with_reviews = [s for s in results if results[s]["built"]["reviews"]]
    if len(with_reviews) > 1:
        out += ["", "Growth of CPU time per 10x reviews (t2/t1 scaled to a factor of 10):", "",
                "| from -> to | " + " | ".join(f"{op} e / A" for op in OPS) + " |",
                "|---|" + "---:|" * len(OPS)]
        for s1, s2 in itertools.pairwise(with_reviews):
            k = math.log(10) / math.log(results[s2]["built"]["reviews"]
                                        / results[s1]["built"]["reviews"])
            cells = _growth(results, s1, s2, k)
            out.append(f"| {s1} -> {s2} | " + " | ".join(cells) + " |")
    for size, res in results.items():
        n = res["built"]["reviews"]
        for product, objs in res["built"].get("objects", {}).items():
            if n and objs:
                out.append(f"\n({size}) {product}, bytes per review by table and index: "
                           + ", ".join(f"{name} {b / n:.0f}" for name, b in objs))
    for size, res in results.items():
        if "import" in res:
            i = res["import"]
            out.append(f"\n`emdrill import` of a {i['lines']}-line list at ({size}): "
                       f"{i['wall_s']:.1f} s wall, {i['cpu_s']:.1f} s CPU (exit {i['exit']})")
    return "\n".join(out)


def _per(size: int, n: int) -> str:
    return f"{size / n:.0f}" if n else "-"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="a,b,c")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--import-lines", type=int, default=0,
                        help="also time `emdrill import` of a list this long at the last size")
    parser.add_argument("--keep", type=Path, help="build into this folder and keep the files")
    parser.add_argument("--reuse", type=Path, metavar="DIR",
                        help="time the files an earlier --keep DIR run built, not new ones")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--report", type=Path, nargs="+", metavar="JSON",
                        help="print the table of earlier --json runs (sizes merged in order)")
    args = parser.parse_args()
    if args.report:
        merged: dict[str, dict[str, Any]] = {}
        for path in args.report:
            merged.update(json.loads(path.read_text(encoding="utf-8")))
        print(table(merged))
        return
    sizes = [s for s in args.sizes.split(",") if s]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {', '.join(unknown)} (choose from {', '.join(SIZES)})")
    if args.reuse and args.keep:
        parser.error("--reuse and --keep: choose one")
    results: dict[str, dict[str, Any]] = {}
    for size in sizes:
        if args.reuse:
            folder = args.reuse / size
            results[size] = {"built": reused(folder), "timing": time_both(folder, args.runs)}
            if args.import_lines and size == sizes[-1]:
                results[size]["import"] = time_import(folder, args.import_lines)
            continue
        with tempfile.TemporaryDirectory(prefix=f"emdrill-fair-{size}-") as name:
            folder = args.keep / size if args.keep else Path(name)
            folder.mkdir(parents=True, exist_ok=True)
            questions, reviews = SIZES[size]
            built = build(folder, questions, reviews)
            print(f"({size}) built in {built['build_s']:.0f} s, {built['build_cpu_s']:.0f} s CPU",
                  file=sys.stderr, flush=True)
            results[size] = {"built": built, "timing": time_both(folder, args.runs)}
            if args.import_lines and size == sizes[-1]:
                results[size]["import"] = time_import(folder, args.import_lines)
    print(json.dumps(results, indent=2) if args.json else table(results))


if __name__ == "__main__":
    main()
