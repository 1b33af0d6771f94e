"""emdrill's hot path next to Anki's own backend, at three collection sizes, in one run.

    python bench/scale.py [--sizes a,b,c] [--runs N] [--json]

Sizes: (a) the bundled deck with no reviews, (b) 500 questions with 50,000 reviews,
(c) 10,000 questions with 1,000,000 reviews. Anki's collections are the same size: one
"Basic (and reversed card)" note per question (two cards, as emdrill has two facets), FSRS
on, the same number of review-log rows. Needs the `bench` extra (`pip install -e ".[bench]"`)
for Anki; without it the Anki figures are null.

What is timed: `status` is emdrill's status next to Anki's deck list with its due counts
(`deck_due_tree` plus `studied_today`); `next` is the next 20 questions with their text next
to Anki's 20 queued cards with each card's question rendered; `grade` and `undo` are one
answer and its undo; `stats` is emdrill's whole report next to Anki's graphs for a year.

Every figure is a median. In-process timings run in a fresh child process per size and
product, so `peak_rss_mb` is that child's high-water mark. Whole processes give three figures
per command, all timed here in one alternating loop so machine noise hits each alike:
`process_ms` is the whole `emdrill` command in milliseconds; `process_over_floor` divides it by
`floor_ms`, the time of `python -c "import typer, rich, sqlmodel, fsrs"` (the stack every
command sat on when issue 9 was measured); `own_floor` divides it by `python -c "import ..."`
of exactly the modules other than emdrill's that command loaded (read once from
`-X importtime`: the libraries and the standard library modules loaded with them), so 1.0
would mean emdrill's own modules and work cost nothing.

Before timing, the installed emdrill package is byte-compiled (`python -m compileall`): a pip
install ships bytecode, but a machine with PYTHONDONTWRITEBYTECODE set would otherwise
recompile every emdrill module on every run and charge that to emdrill. Nothing asserts: the
script prints figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SIZES = {"a": (0, 0), "b": (500, 50_000), "c": (10_000, 1_000_000)}
FAMILIES = ["decisions", "underperformance", "growth", "motivation", "delivery", "hiring",
            "stakeholders", "conflict", "technical", "failure", "ownership", "pressure"]
HISTORY_DAYS = 730
FLOOR = "import typer, rich, sqlmodel, fsrs"


# ---------------------------------------------------------------- emdrill collections


def _t(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def deck_text(n: int) -> str:
    parts = ['[deck]\nid = "bench"\nname = "Bench"\nversion = "1"\ndescription = "x"\n']
    parts += [f'[[families]]\nslug = "{f}"\nname = "{f.title()}"\nprobes = "p"\n'
              for f in FAMILIES]
    for i in range(n):
        parts.append(
            f'[[questions]]\nid = "q-{i}"\nfamily = "{FAMILIES[i % len(FAMILIES)]}"\n'
            f'text = "Question {i}?"\nintent = "Intent behind question {i}"\n'
            f'probes = ["a", "b"]\nstory = {i % 8 + 1}\nalso = []\nsystem = "team"\n'
            'traits = ["ownership"]\npitfall = "p"\nfollow_ups = ["f"]\n')
    return "\n".join(parts)


def _reviews(n: int, questions: int, rng: random.Random) -> Iterator[tuple[object, ...]]:
    """`n` reviews spread over the history, each as the product makes its row
    (`store.review_log.review_values`, the stored layout)."""
    from emdrill.core.scheduler import Memory
    from emdrill.store import review_log

    start = NOW - timedelta(days=HISTORY_DAYS)
    step = HISTORY_DAYS * 86400 / n
    for k in range(n):
        at = start + timedelta(seconds=k * step)
        prev: list[Memory] = []
        for _kind in ("intent", "story"):
            interval = rng.choice([0.007, 1, 3, 8, 21, 45])
            last = at - timedelta(days=interval * rng.uniform(0.8, 1.3))
            prev.append(Memory(state=2, step=None, stability=interval, difficulty=5.0,
                               due=last + timedelta(days=interval), last_review=last))
        yield review_log.review_values(
            f"q-{rng.randrange(questions)}", at, rng.choice([1, 3, 3, 3, 3, 4]),
            rng.choice([1, 2, 3, 3, 3]), None, 25.0, "drill", *prev)


def build_emdrill(db: Path, *, questions: int, reviews: int) -> None:
    """Load a generated deck through the real loader, then bulk-insert history with SQL
    (the schema's triggers keep their counts), then fill the running sums as a migration
    would."""
    from emdrill.ops import decks, opening
    from emdrill.store import decks as store_decks

    store = opening.open_collection(db, now=NOW - timedelta(days=HISTORY_DAYS + 1),
                                    autoload=questions == 0)
    if questions:
        deck = db.with_name("bench.toml")
        deck.write_text(deck_text(questions), encoding="utf-8")
        decks.load_paths(store, [deck], now=NOW - timedelta(days=HISTORY_DAYS + 1))
    if reviews:
        _bulk_history(db, questions=questions, reviews=reviews)
        store_decks.rebuild_aggregates(store)
    store.close()


def _bulk_history(db: Path, *, questions: int, reviews: int) -> None:
    from emdrill.store import review_log

    rng = random.Random(1)
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous=OFF")
    con.executemany(review_log.INSERT_REVIEW, _reviews(reviews, questions, rng))
    for i in range(questions):  # most seen, some due now, the rest new
        if rng.random() < 0.1:
            continue
        for kind in ("intent", "story"):
            last = NOW - timedelta(days=rng.uniform(0, 40))
            stability = rng.uniform(1, 90)
            con.execute("UPDATE facet SET state=2, step=NULL, stability=?, difficulty=?, due=?,"
                        " last_review=? WHERE question_id=? AND kind=?",
                        (stability, rng.uniform(2, 9), _t(last + timedelta(days=stability)),
                         _t(last), f"q-{i}", kind))
    con.commit()
    con.execute("ANALYZE")
    con.close()


def time_emdrill(db: Path, runs: int) -> dict[str, float]:
    """In-process medians (ms) of each operation, as the commands call them."""
    from emdrill.core.timing import Clock
    from emdrill.ops import opening

    store = opening.open_collection(db, now=NOW, autoload=False)
    results: dict[str, list[float]] = {k: [] for k in
                                       ("status", "next", "grade", "undo", "stats", "shaky",
                                        "grade_next")}
    for r in range(runs):
        _round(store, Clock(now=NOW + timedelta(seconds=r), local=UTC), results,
               aggregates=r < max(3, runs // 4))  # the slow reports need fewer samples
    return {k: statistics.median(v) for k, v in results.items()}


def _round(store: object, clock: object, results: dict[str, list[float]], *,
           aggregates: bool) -> None:
    from emdrill.core.scheduler import Rating
    from emdrill.core.timing import Clock
    from emdrill.ops import grading, home_status, queueing
    from emdrill.ops import stats as ops_stats
    from emdrill.ops.grading import StoryAnswer
    from emdrill.ops.opening import Store

    assert isinstance(store, Store) and isinstance(clock, Clock)

    def grade(qid: str) -> object:
        return grading.grade(store, clock, qid, intent=Rating.GOOD,
                             story=StoryAnswer(slot=1), mode="drill")

    _timed(results["status"], lambda: home_status.status(store, clock))
    queue = _timed(results["next"], lambda: queueing.next_queue(store, clock, limit=20))
    qid = queue[0].card.id
    _timed(results["grade"], lambda: grade(qid))
    _timed(results["undo"], lambda: grading.undo(store))
    _timed(results["grade_next"],
           lambda: (grade(qid), queueing.next_queue(store, clock, limit=1)))
    grading.undo(store)
    if aggregates:
        _timed(results["stats"], lambda: ops_stats.report(store, clock))
        _timed(results["shaky"], lambda: ops_stats.shaky(store, clock))


def _timed(sink: list[float], work: Callable[[], T]) -> T:
    start = time.perf_counter()
    value = work()
    sink.append((time.perf_counter() - start) * 1000)
    return value


# ---------------------------------------------------------------- Anki collections


def _bundled_size() -> int:
    """Questions in the bundled deck: size (a) of the Anki side matches what emdrill loads."""
    import tomllib

    deck = Path(__file__).resolve().parents[1] / "decks" / "em-core.toml"
    return len(tomllib.loads(deck.read_text(encoding="utf-8"))["questions"])


def build_anki(path: Path, *, questions: int, reviews: int) -> None:
    from anki.collection import Collection

    col = Collection(str(path))
    col.set_config("fsrs", True)
    model = col.models.by_name("Basic (and reversed card)")
    assert model is not None
    deck_id = col.decks.id("bench")
    assert deck_id is not None
    notes = []
    for i in range(questions or _bundled_size()):
        note = col.new_note(model)
        note["Front"], note["Back"] = f"Question {i}?", f"Intent behind question {i}"
        notes.append(note)
    from anki.collection import AddNoteRequest

    col.add_notes([AddNoteRequest(note=n, deck_id=deck_id) for n in notes])
    today = col.sched.today
    col.close()
    if reviews:  # bulk rows straight into the file: the backend's bridge takes one at a time
        _anki_history(path, reviews=reviews, today=today)


def _anki_history(path: Path, *, reviews: int, today: int) -> None:
    rng = random.Random(1)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    card_ids = [row[0] for row in con.execute("SELECT id FROM cards")]
    updates = []
    for cid in card_ids:  # the same mix as emdrill: most seen, some due, the rest new
        if rng.random() < 0.1:
            continue
        stability = rng.uniform(1, 90)
        data = json.dumps({"s": round(stability, 2), "d": round(rng.uniform(2, 9), 2),
                           "dr": 0.9})
        updates.append((max(1, round(stability)), today + round(stability - rng.uniform(0, 40)),
                        data, cid))
    con.executemany("UPDATE cards SET type=2, queue=2, ivl=?, due=?, data=? WHERE id=?", updates)
    start_ms = int((NOW - timedelta(days=HISTORY_DAYS)).timestamp() * 1000)
    step = HISTORY_DAYS * 86400 * 1000 // reviews
    con.executemany(
        "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        ((start_ms + k * step, rng.choice(card_ids), -1, rng.choice([1, 3, 3, 3, 3, 4]),
          rng.choice([1, 3, 8, 21]), rng.choice([1, 3, 8]), 0, 25_000, 1)
         for k in range(reviews)))
    con.commit()
    con.close()


def _next_twenty(col: object) -> Any:
    from anki.collection import Collection

    assert isinstance(col, Collection)
    queued = col.sched.get_queued_cards(fetch_limit=20)
    for entry in queued.cards:
        col.get_card(entry.card.id).question()
    return queued


def time_anki(path: Path, runs: int) -> dict[str, float]:
    from anki.collection import Collection

    col = Collection(str(path))
    col.decks.select(col.decks.id("bench") or 1)
    results: dict[str, list[float]] = {k: [] for k in ("status", "next", "grade", "undo",
                                                       "stats")}
    for r in range(runs):
        _timed(results["status"], lambda: (col.sched.deck_due_tree(), col.studied_today()))
        # next: the 20 queued cards with their question text, as emdrill's `next` returns them
        queued = _timed(results["next"], lambda: _next_twenty(col))
        top = queued.cards[0]
        card = col.get_card(top.card.id)
        card.start_timer()
        answer = col.sched.build_answer(card=card, states=top.states, rating=3)
        _timed(results["grade"], partial(col.sched.answer_card, answer))
        _timed(results["undo"], col.undo)
        if r < max(3, runs // 4):
            _timed(results["stats"], lambda: col._backend.graphs(search="", days=365))
    col.close()
    return {k: statistics.median(v) for k, v in results.items()}


# ---------------------------------------------------------------- whole processes


def process_ratios(db: Path, runs: int) -> dict[str, Any]:
    """Whole `emdrill` processes next to both import floors, alternating all of them each round.

    Returns `process_over_floor`, `process_ms`, `floor_ms` and `own_floor` (see the module
    docstring)."""
    env = {**os.environ, "EMDRILL_HOME": str(db.parent), "EMDRILL_NOW": NOW.isoformat()}
    py = sys.executable
    compile_installed()
    wanted = {"status": ["status"], "next": ["next", "-n", "20"],
              "grade": ["grade", "{qid}", "--intent", "good", "--story", "1"]}
    first = json.loads(subprocess.run([py, "-m", "emdrill", "next", "--json", "-n", "1"],
                                      env=env, capture_output=True, text=True,
                                      check=True).stdout)[0]["id"]
    undo = [py, "-m", "emdrill", "undo"]
    commands = {name: [py, "-m", "emdrill", *[a.format(qid=first) for a in args]]
                for name, args in wanted.items()}
    own = {name: [py, "-c", "import " + ", ".join(libraries_loaded(cmd, env))]
           for name, cmd in commands.items()}
    subprocess.run(undo, env=env, check=True, capture_output=True)  # the grade just traced
    floor: list[float] = []
    spent: dict[str, list[float]] = {k: [] for k in wanted}
    own_spent: dict[str, list[float]] = {k: [] for k in wanted}
    for _ in range(runs):
        floor.append(_wall([py, "-c", FLOOR], env))
        for name, cmd in commands.items():
            own_spent[name].append(_wall(own[name], env))
            spent[name].append(_wall(cmd, env))
            if name == "grade":
                subprocess.run(undo, env=env, check=True, capture_output=True)
    base = statistics.median(floor)
    whole = {k: statistics.median(v) for k, v in spent.items()}
    return {"process_over_floor": {k: v / base for k, v in whole.items()},
            "process_ms": {k: v * 1000 for k, v in whole.items()},
            "floor_ms": base * 1000,
            "own_floor": {k: v / statistics.median(own_spent[k]) for k, v in whole.items()}}


def compile_installed() -> None:
    """Byte-compile the installed emdrill package, as `pip install` would have done."""
    spec = importlib.util.find_spec("emdrill")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("emdrill is not installed in this Python")
    for folder in spec.submodule_search_locations:
        subprocess.run([sys.executable, "-m", "compileall", "-q", folder], check=True)


# Runs `python -m emdrill ARGS` and, however it ends, names every module left loaded:
# `-X importtime` also lists imports that failed (optional ones, probed and absent).
_TRACE = ("import runpy, sys\nsys.argv = ['emdrill', *sys.argv[1:]]\ntry:\n"
          "    runpy.run_module('emdrill', run_name='__main__', alter_sys=True)\n"
          "finally:\n    sys.stderr.write('LOADED ' + ' '.join(sys.modules) + '\\n')\n")


def libraries_loaded(cmd: list[str], env: dict[str, str]) -> list[str]:
    """Every module other than emdrill's that `python -m emdrill ARGS` loads, in the order
    `-X importtime` reports them: the libraries, and the standard library modules they (or
    emdrill) import, also those imported late, as pydantic's plugin loader imports
    `importlib.metadata` when typer first builds a parameter. C helpers named with a leading
    underscore come with their parents and are left out."""
    assert cmd[1:3] == ["-m", "emdrill"], cmd
    done = subprocess.run([cmd[0], "-X", "importtime", "-c", _TRACE, *cmd[3:]], env=env,
                          check=True, capture_output=True, text=True)
    lines = done.stderr.splitlines()
    loaded = set(next(x for x in reversed(lines) if x.startswith("LOADED ")).split()[1:])
    names: dict[str, None] = {}
    for line in lines:
        if not line.startswith("import time:") or line.rstrip().endswith("imported package"):
            continue
        name = line.rsplit("|", 1)[1].strip()
        top = name.split(".")[0]
        if name not in loaded or top == "emdrill" or top.startswith("_"):
            continue
        names[name] = None
    return list(names)


def _wall(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


# ---------------------------------------------------------------- driver


def child(kind: str, size: str, folder: Path, runs: int) -> None:
    """Runs in its own process: build or time one product at one size, print JSON."""
    questions, reviews = SIZES[size]
    if kind == "build-emdrill":
        build_emdrill(folder / "emdrill.db", questions=questions, reviews=reviews)
    elif kind == "build-anki":
        build_anki(folder / "anki" / "collection.anki2", questions=questions, reviews=reviews)
    elif kind == "time-emdrill":
        print(json.dumps(time_emdrill(folder / "emdrill.db", runs)))
    elif kind == "time-anki":
        print(json.dumps(time_anki(folder / "anki" / "collection.anki2", runs)))


def run_child(kind: str, size: str, folder: Path, runs: int) -> tuple[object, float]:
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen([sys.executable, __file__, "--child", kind, "--sizes", size,
                                 "--folder", str(folder), "--runs", str(runs)],
                                stdout=out, stderr=subprocess.PIPE, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        err = proc.stderr.read() if proc.stderr else ""
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"{kind} ({size}) failed:\n{err}")
        out.seek(0)
        text = out.read().strip()
    return (json.loads(text) if text else None), usage.ru_maxrss / 1024


def has_anki() -> bool:
    return subprocess.run([sys.executable, "-c", "import anki"],
                          capture_output=True).returncode == 0


def measure(size: str, runs: int, *, anki: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"emdrill-scale-{size}-") as name:
        folder = Path(name)
        (folder / "anki").mkdir()
        run_child("build-emdrill", size, folder, runs)
        mine, rss = run_child("time-emdrill", size, folder, runs)
        assert isinstance(mine, dict)
        theirs = None
        if anki:
            run_child("build-anki", size, folder, runs)
            theirs, _ = run_child("time-anki", size, folder, runs)
        processes = process_ratios(folder / "emdrill.db", max(5, runs // 4))
    grade_next = mine.pop("grade_next")
    return {"emdrill_ms": mine, "anki_ms": theirs, "grade_next_ms": grade_next,
            "peak_rss_mb": rss, **processes}


def table(result: dict[str, dict[str, object]]) -> str:
    lines = [f"{'size':<5}{'op':<8}{'emdrill ms':>11}{'anki ms':>10}{'ratio':>8}"]
    for size, s in result.items():
        mine, theirs = s["emdrill_ms"], s["anki_ms"] or {}
        assert isinstance(mine, dict) and isinstance(theirs, dict)
        for op, value in mine.items():
            other = theirs.get(op)
            ratio = f"{value / other:7.2f}x" if other else "       -"
            shown = f"{other:10.2f}" if other else f"{'-':>10}"
            lines.append(f"{size:<5}{op:<8}{value:11.2f}{shown}{ratio}")
        over, whole, own = s["process_over_floor"], s["process_ms"], s["own_floor"]
        assert isinstance(over, dict) and isinstance(whole, dict) and isinstance(own, dict)
        lines.append(f"{size:<5}grade+next {s['grade_next_ms']:.2f} ms · peak RSS "
                     f"{s['peak_rss_mb']:.0f} MB")
        lines.append(f"{size:<5}whole process ms (over stack floor {s['floor_ms']:.0f} ms · "
                     "over its own imports): "
                     + ", ".join(f"{k} {whole[k]:.0f} ({over[k]:.2f}x · {own[k]:.2f}x)"
                                 for k in whole))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="a,b,c")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.sizes, args.folder, args.runs)
        return
    sizes = [s for s in args.sizes.split(",") if s]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {', '.join(unknown)} (choose from a, b, c)")
    anki = has_anki()
    result = {size: measure(size, args.runs, anki=anki) for size in sizes}
    print(json.dumps({"sizes": result}, indent=2) if args.json else table(result))


if __name__ == "__main__":
    main()
