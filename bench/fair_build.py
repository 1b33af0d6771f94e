"""Both collections of one fair.py size, built from one shared history (issue 25).

`build(folder, questions, reviews)` writes DIR/emdrill.db and DIR/anki/collection.anki2 and
returns what it built; `reused(folder)` reads the same figures back from an earlier build.
fair.py's docstring says what the history is and why it is fair; this module is how it is
written fast. The build runs with each file's journal off, no syncs and a large page cache,
the review and revlog indexes dropped while the rows go in and made again after (and
emdrill's triggers on `review`, whose tallies `rebuild_aggregates` recounts once); then each
file gets back the journal mode its product gave it, and both products open it later with
their own shipped settings, so the timed operations run at equal durability (FULL in both).
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from emdrill.core.scheduler import Memory
from emdrill.store import review_log, study_days
from emdrill.store.codec import from_db_micros, mode_code, mode_of

SIZES = {"a": (0, 0), "b": (500, 50_000), "c": (10_000, 1_000_000),
         "d": (50_000, 5_000_000)}
HISTORY_DAYS = 730
UNSEEN = 0.1  # a tenth of the questions have never been reviewed

# FSRS-4.5 default weights: the chain's memory model. Any consistent update would do; this one
# keeps each facet's stability near the gaps it is reviewed at, as a real history does.
W = [0.4872, 1.4003, 3.7145, 13.8206, 5.1618, 1.2298, 0.8975, 0.031, 1.6474, 0.1367, 1.0461,
     2.1072, 0.0793, 0.3246, 1.587, 0.2272, 2.8755]
RATINGS = [1, 2, 3, 3, 3, 3, 3, 3, 3, 4]  # 10% again, 10% hard, 70% good, 10% easy
ANKI_DECAY = 0.154  # what Anki 26.9.3 writes into a card's data with its default parameters
LEARN_SECONDS = 600  # an again or hard on a new card comes back in ten minutes


# ---------------------------------------------------------------- the shared history

# A facet's state as a tuple, for speed (millions are made at size d):
# (state, step, stability, difficulty, due, last, ivl, reps, lapses), where state uses
# emdrill's numbering (1 learning, 2 review, 3 relearning), due and last are epoch seconds
# (last None while new) and ivl is Anki's interval in days (negative: seconds).
State = tuple[int, int | None, float | None, float | None, float, float | None, int, int, int]
Answered = tuple[int, int | None, float, float, float, float, int, int, int]  # once answered
_E8 = math.exp(W[8])


def fresh(due: float) -> State:
    """A facet never answered, due from `due`."""
    return (1, 0, None, None, due, None, 0, 0, 0)


def answer(f: State, rating: int, at: float) -> Answered:
    """The facet after `rating` at `at` (epoch seconds): one link of the chain."""
    state0, _, s0, d0, _, last, _, reps, lapses = f
    if last is None or s0 is None or d0 is None:
        s = W[rating - 1]
        d = min(10.0, max(1.0, W[4] - (rating - 3) * W[5]))
    else:
        elapsed = max(0.0, (at - last) / 86400)
        r = (1 + 19 / 81 * elapsed / s0) ** -0.5
        if rating == 1:
            s = min(s0, W[11] * d0 ** -W[12] * ((s0 + 1) ** W[13] - 1) * math.exp(W[14] * (1 - r)))
        else:
            bonus = W[15] if rating == 2 else W[16] if rating == 4 else 1.0
            s = s0 * (1 + _E8 * (11 - d0) * s0 ** -W[9]
                      * (math.exp(W[10] * (1 - r)) - 1) * bonus)
        d = d0 - W[6] * (rating - 3)
        d = min(10.0, max(1.0, W[7] * (W[4] - (rating - 3) * W[5]) + (1 - W[7]) * d))
    s = max(0.01, s)
    if (last is None and rating <= 2) or (last is not None and rating == 1):  # learning
        return ((1 if last is None else 3), 0, s, d, at + LEARN_SECONDS, at, -LEARN_SECONDS,
                reps + 1, lapses + (state0 == 2 and rating == 1))
    days = max(1, round(s))
    return (2, None, s, d, at + days * 86400, at, days, reps + 1,
            lapses + (state0 == 2 and rating == 1))


_DATES: dict[int, str] = {}


def _t(epoch: float) -> str:
    """emdrill's stored time text (`%Y-%m-%dT%H:%M:%S.%f+00:00`), the text
    `datetime.fromtimestamp(epoch, UTC).isoformat(timespec="microseconds")` writes (the same
    rounding: the fraction to microseconds, half to even), with the date formatted once per
    day: millions of times are formatted at size d."""
    whole = math.floor(epoch)
    micro = round((epoch - whole) * 1e6)
    if micro >= 1_000_000:
        micro -= 1_000_000
        whole += 1
    day, second = divmod(whole, 86400)
    date = _DATES.get(day)
    if date is None:
        date = _DATES[day] = datetime.fromtimestamp(day * 86400, UTC).date().isoformat()
    hour, second = divmod(second, 3600)
    minute, second = divmod(second, 60)
    return f"{date}T{hour:02d}:{minute:02d}:{second:02d}.{micro:06d}+00:00"


def _us(epoch: float) -> int:
    """A time as `review` stores it (migration 20): whole microseconds since 1970 UTC, with
    `_t`'s rounding, so it is `codec.to_db_micros(datetime.fromtimestamp(epoch, UTC))`."""
    whole = math.floor(epoch)
    return whole * 1_000_000 + round((epoch - whole) * 1e6)


# ---------------------------------------------------------------- writing fast, then as shipped

CACHE_KIB = 262_144  # each file's page cache while it is built (256 MiB)


def _for_bulk(con: sqlite3.Connection) -> str:
    """Set `con` up for one bulk write and return the journal mode to give back after: no
    journal, no syncs, a large cache. A crash mid-build leaves a broken file, which a build
    can afford (it is thrown away); what is timed later is opened by its product at its own
    settings."""
    (mode,) = con.execute("PRAGMA journal_mode").fetchone()
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    con.execute("PRAGMA temp_store=MEMORY")
    return str(mode)


def _drop(con: sqlite3.Connection, kind: str, table: str) -> list[str]:
    """Drop the objects of `kind` ('index' or 'trigger') on `table` and return the
    statements that make them again, in the order they were made."""
    made = [(name, sql) for name, sql in con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = ? AND tbl_name = ? "
        "AND sql IS NOT NULL ORDER BY rowid", (kind, table))]
    for name, _ in made:
        con.execute(f'DROP {kind.upper()} "{name}"')
    return [sql for _, sql in made]


def _drop_indexes(con: sqlite3.Connection, table: str) -> list[str]:
    """Drop `table`'s own indexes (not the primary key's) and return the statements that
    make them again: one sort per index after the rows are in, instead of a random insert per
    row into each."""
    return _drop(con, "index", table)


def _drop_triggers(con: sqlite3.Connection, table: str) -> list[str]:
    """Drop the triggers on `table` and return the statements that make them again. emdrill's
    triggers on `review` keep its tallies one row at a time (a dozen statements per review);
    the build recounts them once through the product's own `rebuild_aggregates` instead."""
    return _drop(con, "trigger", table)


# ---------------------------------------------------------------- building both files


def _bundled_rows() -> list[dict[str, Any]]:
    """The bundled deck's questions as emdrill stores them (loaded through the real loader)."""
    from emdrill.ops import opening

    with tempfile.TemporaryDirectory() as folder:
        store = opening.open_collection(Path(folder) / "deck.db", now=datetime.now(UTC))
        store.close()
        con = sqlite3.connect(Path(folder) / "deck.db")
        con.row_factory = sqlite3.Row
        rows = [dict(r) for r in con.execute("SELECT * FROM question ORDER BY new_order")]
        con.close()
    return rows


def build(folder: Path, questions: int, reviews: int, *, seed: int = 1) -> dict[str, Any]:
    """Both collections for one size, from one history. Returns what was built."""
    from anki.collection import AddNoteRequest, Collection

    from emdrill.ops import opening
    from emdrill.store import decks as store_decks

    started, cpu = time.perf_counter(), time.process_time()
    now = time.time()
    start = now - HISTORY_DAYS * 86400
    base = _bundled_rows()
    n = questions or len(base)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        row = dict(base[i % len(base)])
        variant = i // len(base)
        if variant:
            row["id"] = f"{row['id']}~{variant}"
            row["text"] = f"{row['text']} (variant {variant})"
            row["siblings"] = json.dumps([f"{s}~{variant}" for s in json.loads(row["siblings"])])
            row["position"] = row["position"] + variant * len(base)
            row.pop("num", None)  # a question's integer key is given by a trigger (migration 20)
        rows.append(row)

    # emdrill: the bundled deck through the loader, the rest as rows like it
    db = folder / "emdrill.db"
    store = opening.open_collection(db, now=datetime.fromtimestamp(start - 86400, UTC))
    # the study days counted in the machine's zone, which fair.py's clock uses, as the
    # product's first open with a local zone does (not the migrations' placeholder); set
    # before any review is in, so the days are counted once, by rebuild_aggregates below
    offset = datetime.fromtimestamp(now, UTC).astimezone().utcoffset()
    study_days.count_days_under(
        store, offset_minutes=int(offset.total_seconds() // 60) if offset else 0)
    store.close()
    con = sqlite3.connect(db)
    e_mode = _for_bulk(con)
    extra = rows[len(base):]
    if extra:
        cols = list(extra[0])
        con.executemany(f"INSERT INTO question ({', '.join(cols)}) VALUES "
                        f"({', '.join('?' * len(cols))})",
                        [tuple(r[c] for c in cols) for r in extra])
        con.executemany("INSERT INTO facet (question_id, kind, state, step, due) VALUES "
                        "(?, ?, 1, 0, ?)", [(r["id"], k, r["added_at"]) for r in extra
                                            for k in ("intent", "story")])
    con.commit()

    # Anki: the same notes through its API, dated from the history's start
    anki_path = folder / "anki" / "collection.anki2"
    anki_path.parent.mkdir(exist_ok=True)
    col = Collection(str(anki_path))
    col.set_config("fsrs", True)
    model = col.models.by_name("Basic (and reversed card)")
    assert model is not None
    deck_id = col.decks.id("bench")
    assert deck_id is not None
    requests = []
    for r in rows:
        note = col.new_note(model)
        note["Front"] = r["text"]
        note["Back"] = "<br>".join([r["intent"], *json.loads(r["probes"]), r["pitfall"],
                                    *json.loads(r["follow_ups"])])
        note["Front"] += f"<!--{r['id']}-->"
        requests.append(AddNoteRequest(note=note, deck_id=deck_id))
    col.add_notes(requests)
    col.decks.select(deck_id)
    col.close()
    acon = sqlite3.connect(anki_path)
    a_mode = _for_bulk(acon)
    crt = acon.execute("SELECT crt FROM col").fetchone()[0]
    days_back = math.ceil((crt - start) / 86400) + 1
    crt -= days_back * 86400  # same hour of day: Anki's rollover stays where it was
    acon.execute("UPDATE col SET crt = ?", (crt,))
    cards: dict[str, tuple[int, int]] = {}  # question id -> (intent card, story card)
    card_ids: dict[int, list[int]] = {}
    for nid, cid in acon.execute("SELECT nid, id FROM cards ORDER BY nid, ord"):
        card_ids.setdefault(nid, []).append(cid)
    for nid, flds in acon.execute("SELECT id, flds FROM notes"):
        qid = flds.split("\x1f")[0].rsplit("<!--", 1)[1][:-3]
        cards[qid] = (card_ids[nid][0], card_ids[nid][1])
    today = math.floor((now - crt) / 86400)

    if reviews:
        con.commit()
        acon.commit()
        remake = {c: _drop_indexes(c, t) for c, t in ((con, "review"), (acon, "revlog"))}
        remake[con] += _drop_triggers(con, "review")
        _history(con, acon, rows, cards, reviews=reviews, start=start, now=now, crt=crt,
                 today=today, seed=seed)
        for c, statements in remake.items():
            for sql in statements:
                c.execute(sql)
    con.commit()
    acon.commit()
    for c, mode in ((con, e_mode), (acon, a_mode)):
        c.execute(f"PRAGMA journal_mode={mode}")
        c.close()
    store = opening.open_collection(db, now=datetime.fromtimestamp(now, UTC), autoload=False)
    store_decks.rebuild_aggregates(store)  # the tallies the review triggers would have kept
    store.close()
    sizes = {}
    objects: dict[str, list[tuple[str, int]]] = {}
    for name, path in (("emdrill", db), ("anki", anki_path)):
        c = sqlite3.connect(path)
        c.create_collation("unicase", _unicase)  # Anki's, needed to rebuild its indexes
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        mode = _for_bulk(c)
        c.execute("VACUUM")
        c.execute("ANALYZE")
        c.execute(f"PRAGMA journal_mode={mode}")
        objects[name] = _objects(c)
        c.close()
        sizes[name] = path.stat().st_size
    revlog = sqlite3.connect(anki_path).execute("SELECT count(*) FROM revlog").fetchone()[0]
    return {"questions": n, "reviews": reviews, "revlog_rows": revlog, "bytes": sizes,
            "objects": objects, "build_s": time.perf_counter() - started,
            "build_cpu_s": time.process_time() - cpu}


def reused(folder: Path) -> dict[str, Any]:
    """What an earlier `--keep` run built in `folder`, read back from its files."""
    db, anki_path = folder / "emdrill.db", folder / "anki" / "collection.anki2"
    for path in (db, anki_path):
        if not path.exists():
            raise SystemExit(f"--reuse: {path} is missing (build it with --keep first)")
    objects: dict[str, list[tuple[str, int]]] = {}
    counts: dict[str, int] = {}
    for name, path in (("emdrill", db), ("anki", anki_path)):
        c = sqlite3.connect(path)
        objects[name] = _objects(c)
        if name == "emdrill":
            counts["questions"] = c.execute("SELECT count(*) FROM question").fetchone()[0]
            counts["reviews"] = c.execute("SELECT count(*) FROM review").fetchone()[0]
        else:
            counts["revlog_rows"] = c.execute("SELECT count(*) FROM revlog").fetchone()[0]
        c.close()
    return {**counts, "bytes": {"emdrill": db.stat().st_size, "anki": anki_path.stat().st_size},
            "objects": objects, "build_s": 0.0}


def _objects(con: sqlite3.Connection) -> list[tuple[str, int]]:
    """The largest tables and indexes with their bytes (empty when SQLite lacks dbstat)."""
    try:
        return [(str(n), int(b)) for n, b in con.execute(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 6")]
    except sqlite3.Error:
        return []


def _unicase(a: str, b: str) -> int:
    x, y = a.casefold(), b.casefold()
    return (x > y) - (x < y)


DRILL = mode_code("drill")


def write_reviews(con: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Write emdrill `review` rows through the product's own statement (`INSERT_REVIEW`), one
    tuple per review in `store.review_log.review_values` order, times already in microseconds
    (the one place the builder writes emdrill's review layout). The first row of each batch is
    made again by `review_values` from its decoded values and must come out the same, so the
    bench cannot drift from the product's layout."""
    if rows:
        qid, at, r0, r1, slot, seconds, mode, *facets = rows[0]

        def memory(state: int, step: int | None, stability: float | None,
                   difficulty: float | None, due: int, last: int | None) -> Memory:
            return Memory(state, step, stability, difficulty, from_db_micros(due),
                          None if last is None else from_db_micros(last))

        again = review_log.review_values(qid, from_db_micros(at), r0, r1, slot, seconds,
                                          mode_of(mode), memory(*facets[:6]),
                                          memory(*facets[6:]))
        if again != rows[0]:
            raise SystemExit(f"fair_build: a review row {rows[0]} is not the product's {again}")
    con.executemany(review_log.INSERT_REVIEW, rows)


def _write_revlog(acon: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    acon.executemany("INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time,"
                     " type) VALUES (?,?,?,?,?,?,?,?,?)", rows)


BATCH = 100_000  # reviews per executemany


def _history(con: sqlite3.Connection, acon: sqlite3.Connection, rows: list[dict[str, Any]],
             cards: dict[str, tuple[int, int]], *, reviews: int, start: float, now: float,
             crt: int, today: int, seed: int) -> None:
    """One chain per facet, in time order: review k at start + k * step, of a question drawn
    at random among the seen ones; written into both files as it goes."""
    rng = random.Random(seed)
    seen = [r for r in rows if rng.random() >= UNSEEN]
    # per question: (intent state, story state, intent due text, story due text, last text,
    # and those three as review rows keep them), each state's times formatted once, when the
    # state is made: the facets keep text, the reviews microseconds
    chain: dict[str, tuple[Answered, Answered, str, str, str | None, int, int, int | None]] = {}
    added = {r["id"]: datetime.fromisoformat(r["added_at"]).timestamp() for r in seen}
    story_of = {r["id"]: r["story"] for r in seen}
    intent_card = {q: c[0] for q, c in cards.items()}
    story_card = {q: c[1] for q, c in cards.items()}
    step = (now - 3600 - start) / reviews  # the last review an hour before now
    e_rows: list[tuple[Any, ...]] = []
    a_rows: list[tuple[Any, ...]] = []
    pick, choose, n_seen = rng.randrange, rng.choice, len(seen)
    qids = [r["id"] for r in seen]
    for k in range(reviews):
        at = start + k * step
        qid = qids[pick(n_seen)]
        link = chain.get(qid)
        f0: State
        f1: State
        if link is None:
            f0 = f1 = fresh(added[qid])
            due0 = due1 = _t(added[qid])
            due0_us = due1_us = _us(added[qid])
            last_text, last_us = None, None
        else:
            f0, f1, due0, due1, last_text, due0_us, due1_us, last_us = link
        r0, r1 = choose(RATINGS), choose(RATINGS)
        g0, g1 = answer(f0, r0, at), answer(f1, r1, at)
        at_us = _us(at)
        chain[qid] = (g0, g1, _t(g0[4]), _t(g1[4]), _t(at), _us(g0[4]), _us(g1[4]), at_us)
        story = story_of[qid]
        e_rows.append((qid, at_us, r0, r1, story if r1 > 1 else (story % 8) + 1, 25.0,
                       DRILL, f0[0], f0[1], f0[2], f0[3], due0_us, last_us,
                       f1[0], f1[1], f1[2], f1[3], due1_us, last_us))
        ms = int(at * 1000)
        a_rows.append((ms, intent_card[qid], -1, r0, g0[6], f0[6], round(g0[3] * 100) + 100,
                       12_500, 0 if f0[5] is None or f0[0] == 1 else 2 if f0[0] == 3 else 1))
        a_rows.append((ms + 1, story_card[qid], -1, r1, g1[6], f1[6],
                       round(g1[3] * 100) + 100, 12_500,
                       0 if f1[5] is None or f1[0] == 1 else 2 if f1[0] == 3 else 1))
        if len(e_rows) >= BATCH:
            write_reviews(con, e_rows)
            _write_revlog(acon, a_rows)
            e_rows.clear()
            a_rows.clear()
    write_reviews(con, e_rows)
    _write_revlog(acon, a_rows)
    facet_updates = []
    card_updates = []
    for qid, (g0, g1, due0, due1, last_text, *_) in chain.items():
        for ord_, (facet, f, due_text) in enumerate(
                (("intent", g0, due0), ("story", g1, due1))):
            state, fstep, stability, difficulty, due_at, last, f_ivl, reps, lapses = f
            facet_updates.append((state, fstep, stability, difficulty, due_text, last_text,
                                  qid, facet))
            # as Anki serialises it: stability to 4 places, difficulty to 3, compact JSON.
            # Anki rewrites a card's data in that form on every write (an undo too); a
            # difficulty kept to 4 places made the states it had queued before an undo differ
            # from the card after it, and answer_card refused them ("card was modified").
            data = json.dumps({"s": round(stability, 4), "d": round(difficulty, 3),
                               "dr": 0.9, "decay": ANKI_DECAY, "lrt": int(last)},
                              separators=(",", ":"))
            if state == 2:  # review: due is a day number counted from crt
                ctype, queue, due = 2, 2, today + math.floor((due_at - now) / 86400)
            else:  # (re)learning: due in epoch seconds
                ctype, queue, due = (1 if state == 1 else 3), 1, int(due_at)
            # a relearning card keeps the interval it returns to (Anki's ReviewState inside
            # RelearnState); a seen card carries the initial ease Anki gives it
            ivl = f_ivl if state == 2 else max(1, round(stability)) if state == 3 else 0
            card_updates.append((ctype, queue, due, ivl, reps, lapses,
                                 1 if queue == 1 else 0, data, cards[qid][ord_]))
    con.executemany("UPDATE facet SET state=?, step=?, stability=?, difficulty=?, due=?,"
                    " last_review=? WHERE question_id=? AND kind=?", facet_updates)
    acon.executemany("UPDATE cards SET type=?, queue=?, due=?, ivl=?, reps=?, lapses=?,"
                     " left=?, factor=2500, data=? WHERE id=?", card_updates)
