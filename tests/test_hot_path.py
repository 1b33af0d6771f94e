"""The running sums the hot path reads (question.due, review counts, per-day counts, weakness
tallies, new order) always agree with what a full read of the history gives."""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import DECK_HEADER, TEXT_REVIEWS, made_whole, question
from emdrill.core import order, stats, weakness
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock, day_shift_seconds, run_streak
from emdrill.ops import decks, grading, home_status, opening, queueing
from emdrill.ops import stats as ops_stats
from emdrill.ops import weakness as ops_weakness
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads, review_log, study_days, tallies
from emdrill.store import queue as store_queue
from emdrill.store import recent as store_recent
from emdrill.store import stats as store_stats
from emdrill.store.codec import to_db_time
from emdrill.store.db import Store, open_store
from emdrill.store.migrations import MIGRATIONS

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _deck(tmp_path: Path, per_family: int = 8) -> Path:
    parts = [DECK_HEADER]
    for family in ("alpha", "beta"):
        for i in range(per_family):
            parts.append(question(f"{family}-{i}", family, story=1 if family == "alpha" else 5,
                                  also="[5]" if family == "alpha" else "[]"))
    path = tmp_path / "deck.toml"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def _store(tmp_path: Path) -> Store:
    store = opening.open_collection(tmp_path / "c.db", now=T0, seed=3, autoload=False)
    decks.load_paths(store, [_deck(tmp_path)], now=T0)
    return store


def _brute_tallies(store: Store, at: datetime,
                   leech_lapses: int = 8) -> dict[str, tuple[float, float]]:
    """Weighted recall tests and misses per family, read from every review row; a leech's
    reviews (`leech_lapses` Agains from the review state on one facet) count for nothing."""
    with store.read() as con:
        rows = con.execute(
            "SELECT q.family, r.reviewed_at, r.intent_prev_last_review, r.intent_rating, "
            "r.story_prev_last_review, r.story_rating, q.id, r.intent_prev_state, "
            f"r.story_prev_state FROM {TEXT_REVIEWS} r "
            "JOIN question q ON q.id = r.question_id").fetchall()
    lapses: dict[tuple[str, str], int] = {}
    for *_, ir, _sp, sr, qid, istate, sstate in rows:
        for kind, rating, state in (("intent", ir, istate), ("story", sr, sstate)):
            if rating == 1 and state == 2:
                lapses[qid, kind] = lapses.get((qid, kind), 0) + 1
    leeches = {qid for (qid, _kind), n in lapses.items() if n >= leech_lapses}
    sums: dict[str, tuple[float, float]] = {}
    for family, when, ip, ir, sp, sr, qid, _istate, _sstate in rows:
        if qid in leeches:
            continue
        moment = datetime.fromisoformat(when)
        w = weakness.decay((at - moment).total_seconds() / 86400)
        for prev, rating in ((ip, ir), (sp, sr)):
            tested, missed = weakness.outcome(datetime.fromisoformat(prev) if prev else None,
                                              moment, rating)
            n, m = sums.get(family, (0.0, 0.0))
            sums[family] = (n + w * tested, m + w * missed)
    return sums


def _play(store: Store, rng: random.Random, steps: int) -> datetime:
    """Grade, undo and let time pass at random, as days of drills would."""
    now = T0
    for _ in range(steps):
        now += timedelta(minutes=rng.choice([1, 5, 90, 60 * 20]))
        clock = Clock(now=now, local=UTC)
        if rng.random() < 0.15 and review_log.last_reviews(store, 1):
            grading.undo(store)
            continue
        queue = queueing.next_queue(store, clock, limit=1)
        qid = queue[0].card.id if queue else rng.choice(["alpha-0", "beta-3"])
        grading.grade(store, clock, qid, intent=rng.choice(list(Rating)),
                      story=StoryAnswer(slot=rng.choice([1, 5, 7])), mode="drill")
    return now


@pytest.mark.parametrize(("seed", "leech_lapses"), [(1, 8), (2, 8), (3, 8), (4, 2), (5, 3)])
def test_running_sums_match_the_history_after_grades_and_undos(
        tmp_path: Path, seed: int, leech_lapses: int) -> None:
    """Low `leech-lapses` make questions cross into leeches (and back, by undo) often."""
    store = _store(tmp_path)
    opening.change_setting(store, "leech-lapses", str(leech_lapses))
    now = _play(store, random.Random(seed), 120)
    brute = _brute_tallies(store, now, leech_lapses)
    if leech_lapses < 8:
        assert opening.settings(store).leech_lapses == leech_lapses
        assert brute != _brute_tallies(store, now, 1000)  # leeches were left out
    kept = {f: t.at(now) for f, t in tallies.read(store).items()}
    for family in ("alpha", "beta"):
        n, m = brute.get(family, (0.0, 0.0))
        got_n, got_m = kept.get(family, (0.0, 0.0))
        assert got_n == pytest.approx(n, abs=1e-9) and got_m == pytest.approx(m, abs=1e-9)
    with store.read() as con:
        mismatched = con.execute(
            "SELECT count(*) FROM question q WHERE q.reviews != "
            "(SELECT count(*) FROM review r WHERE r.question_num = q.num) OR "
            "coalesce(q.due, '') != coalesce((SELECT min(f.due) FROM facet f WHERE "
            "f.question_id = q.id AND EXISTS (SELECT 1 FROM facet g WHERE "
            "g.question_id = q.id AND g.last_review IS NOT NULL)), '')").fetchone()[0]
    assert mismatched == 0
    assert _family_days(store) == _family_days_recounted(store)


def _family_days(store: Store) -> list[tuple[object, ...]]:
    with store.read() as con:
        return con.execute("SELECT * FROM family_day WHERE reviews != 0 "
                           "ORDER BY day, family").fetchall()


def _family_days_recounted(store: Store) -> list[tuple[object, ...]]:
    with store.transact("set up the test") as con:
        tallies.recount_family_days(con)
    return _family_days(store)


def test_daily_counts_use_the_recall_test_and_maturity_rules() -> None:
    from emdrill.core.stats import MATURE_DAYS
    from emdrill.store.migrations import M004_HOT_PATH, M015_MATURE_STUDY_DAYS, MATURE_RULE

    assert weakness.MIN_GAP_HOURS == 1.0 and ">= 1.0 / 24" in M004_HOT_PATH
    assert MATURE_DAYS == 21 and ">= 21," in M004_HOT_PATH  # as shipped; migration 15 below
    assert f"> {MATURE_DAYS - 1}" == MATURE_RULE and f"{MATURE_RULE}," in M015_MATURE_STUDY_DAYS


@pytest.mark.parametrize(("days", "mature"), [(20, False), (21, True), (22, True)])
def test_an_interval_of_21_study_days_is_mature(tmp_path: Path, days: int, mature: bool) -> None:
    """A review-state due date is the start of a study day (04:00), so 21 study days after a
    review at 09:00 are 20.8 periods of 24 hours: still mature (it was young under the 24-hour
    count). The day tables' triggers and their recount agree."""
    store = _store(tmp_path)
    first = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    grading.grade(store, Clock(now=first, local=UTC), "alpha-0", intent=Rating.GOOD,
                  story=StoryAnswer(slot=1), mode="drill")
    due = datetime(2026, 3, 2, 4, 0, tzinfo=UTC) + timedelta(days=days)
    with store.transact("set up the test") as con:
        con.execute("UPDATE facet SET state = 2, stability = 30, due = ? "
                    "WHERE question_id = 'alpha-0'", (to_db_time(due),))
    grading.grade(store, Clock(now=due + timedelta(hours=6), local=UTC), "alpha-0",
                  intent=Rating.GOOD, story=StoryAnswer(slot=1), mode="drill")
    with store.read() as con:
        young, old = con.execute("SELECT sum(young_tests), sum(mature_tests) "
                                 "FROM family_day").fetchone()
    assert (young, old) == ((0, 2) if mature else (2, 0))  # both facets were tested
    assert _family_days(store) == _family_days_recounted(store)


def test_status_and_next_match_a_full_read(tmp_path: Path) -> None:
    store = _store(tmp_path)
    now = _play(store, random.Random(9), 80) + timedelta(days=3)
    clock = Clock(now=now, local=UTC)
    cards = card_reads.load_cards(store)
    status = home_status.status(store, clock)
    assert status.due == len(order.due_cards(cards, now))
    assert status.questions == len(cards)
    assert status.next_due == min((c.due for c in cards if not c.is_new and c.due > now),
                                  default=None)
    ranks = order.new_order((c.id, c.family, c.question.deck, c.question.position)
                            for c in cards)
    weak = ops_weakness.family_weakness(store, clock)
    fresh = order.widen_new([(ranks[c.id], c) for c in cards if c.is_new],
                            order.weak_families(weak))
    prefs = opening.settings(store)
    expected = order.build_queue(
        order.due_cards(cards, now), fresh,
        allowance=queueing.todays_allowance(store, clock, prefs,
                                             opening.booked(store, clock)),
        weakness=weak)
    got = queueing.next_queue(store, clock)
    assert [(i.card, i.new) for i in got] == [(i.card, i.new) for i in expected]
    assert [i.card for i in queueing.next_queue(store, clock, limit=3)] == \
        [i.card for i in expected[:3]]


def _brute_recent(store: Store, now: datetime) -> dict[str, stats.Recent]:
    """Each question's latest RECENT_TESTS recall tests within RECENT_DAYS, from every row."""
    since = now - timedelta(days=stats.RECENT_DAYS)
    with store.read() as con:
        rows = con.execute(
            "SELECT question_id, id, reviewed_at, intent_prev_last_review, intent_rating, "
            f"story_prev_last_review, story_rating FROM {TEXT_REVIEWS}").fetchall()
    tests: dict[str, list[tuple[datetime, int, bool]]] = {}
    for qid, rid, when, ip, ir, sp, sr in rows:
        moment = datetime.fromisoformat(when)
        outcomes = [weakness.outcome(datetime.fromisoformat(prev) if prev else None, moment,
                                     rating) for prev, rating in ((ip, ir), (sp, sr))]
        if moment >= since and any(tested for tested, _missed in outcomes):
            missed = any(m for _tested, m in outcomes)
            tests.setdefault(qid, []).append((moment, rid, missed))
    result = {}
    for qid, found in tests.items():
        latest = sorted(found, reverse=True)[:stats.RECENT_TESTS]
        misses = [at for at, _rid, missed in latest if missed]
        result[qid] = stats.Recent(len(latest), len(misses), max(misses, default=None))
    return result


_PLAYED: dict[int, tuple[Path, datetime]] = {}


def _played(factory: pytest.TempPathFactory, tmp_path: Path, seed: int) -> tuple[Store, datetime]:
    """`_store` after 150 steps of `_play` with `seed`, and when they ended: played once per
    seed in a run (the cases of a seed differ only in what they read) and copied for each."""
    if seed not in _PLAYED:
        folder = factory.mktemp(f"played-{seed}")
        store = _store(folder)
        _PLAYED[seed] = folder / "c.db", _play(store, random.Random(seed), 150)
        store.close()
        made_whole(folder / "c.db")
    db, ended = _PLAYED[seed]
    shutil.copy(db, tmp_path / "c.db")
    return opening.open_collection(tmp_path / "c.db", now=T0, seed=3, autoload=False), ended


@pytest.mark.parametrize(("seed", "chunk"), [(4, 64), (5, 64), (4, 1), (5, 2)])
def test_shaky_reads_a_window_yet_ranks_as_a_full_read(
        tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, seed: int, chunk: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`shaky` reads only the most missed questions (a few at a time, stopping once the rest
    cannot reach the list) and the shakiest others, yet lists exactly what ranking every
    seen question with its whole recent history gives."""
    monkeypatch.setattr(ops_stats, "CHUNK", chunk)
    store, ended = _played(tmp_path_factory, tmp_path, seed)
    now = ended + timedelta(hours=2)
    clock = Clock(now=now, local=UTC)
    recent = _brute_recent(store, now)
    for family, limit in ((None, 3), (None, 10), ("beta", 4)):
        expected = stats.rank_questions(
            store_stats.seen_questions(store, family=family), now=now,
            lapses=store_stats.recent_lapses(
                store, since=now - timedelta(days=stats.LAPSE_DAYS)),
            slot_names=store_stats.slot_names(store), recent=recent)[:limit]
        got = ops_stats.shaky(store, clock, family=family, limit=limit).questions
        assert [(q.question.id, q.recent, q.lapses) for q in got] == \
            [(q.question.id, q.recent, q.lapses) for q in expected]
    assert any(q.recent.misses for q in got)  # the history has misses to rank by


@pytest.mark.parametrize("chunk", [1, 2, 64])
def test_shaky_reads_until_the_rest_cannot_reach_the_list(
        tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """alpha-0 was rated Again most often, but only 2 of its last 4 tests were misses: the
    questions with fewer Agains but a worse record lately must still be read and rank first."""
    monkeypatch.setattr(ops_stats, "CHUNK", chunk)
    store = _store(tmp_path)
    plan = {"alpha-0": "AAAAGG", "alpha-1": "AA", "alpha-2": "AAA", "alpha-3": "A"}
    at = T0
    for qid, grades in plan.items():
        at = T0
        for grade in "G" + grades:  # the first sight is no recall test
            grading.grade(store, Clock(now=at, local=UTC), qid, mode="drill",
                          intent=Rating.AGAIN if grade == "A" else Rating.GOOD,
                          story=StoryAnswer(slot=1))
            at += timedelta(hours=2)
    clock = Clock(now=at, local=UTC)
    order_shown = [q.question.id for q in ops_stats.shaky(store, clock, limit=3).questions]
    assert order_shown == ["alpha-2", "alpha-1", "alpha-0"]
    assert [q.question.id for q in ops_stats.shaky(store, clock, limit=2).questions] == \
        ["alpha-2", "alpha-1"]


def test_a_miss_gone_from_the_latest_tests_does_not_put_a_question_on_the_list(
        tmp_path: Path) -> None:
    """alpha-0 was rated Again once, then passed its next four tests: its latest tests hold
    no miss, so it is not among the most missed, and the shakiest question (alpha-1, seen
    once lately) tops the list by recall. Counting every question tested lately as missed
    would fill the list with alpha-0 and never read the others."""
    store = _store(tmp_path)
    for days, grade in ((0, "G"), (1, "A"), (2, "G"), (5, "G"), (12, "G"), (25, "G")):
        grading.grade(store, Clock(now=T0 + timedelta(days=days), local=UTC), "alpha-0",
                      mode="drill", intent=Rating.AGAIN if grade == "A" else Rating.GOOD,
                      story=StoryAnswer(slot=1))
    for hours in (0, 2):
        grading.grade(store, Clock(now=T0 + timedelta(days=25, hours=hours), local=UTC),
                      "alpha-1", mode="drill", intent=Rating.GOOD, story=StoryAnswer(slot=1))
    clock = Clock(now=T0 + timedelta(days=26), local=UTC)
    shown = ops_stats.shaky(store, clock, limit=1).questions
    assert [(q.question.id, q.recent.misses) for q in shown] == [("alpha-1", 0)]
    by_recall = ops_stats.shaky(store, clock, limit=2).questions
    assert [q.question.id for q in by_recall] == ["alpha-1", "alpha-0"]


def test_a_window_of_due_rows_falls_back_to_all_when_it_cannot_break_a_run(
        tmp_path: Path) -> None:
    """Sixty alpha questions due before the only beta one: limit 1 after an alpha card
    must still find beta far down the list, as ordering the whole list would."""
    parts = [DECK_HEADER] + [question(f"alpha-{i}", "alpha") for i in range(70)]
    parts.append(question("beta-0", "beta", story=5, also="[]"))
    path = tmp_path / "deck.toml"
    path.write_text("".join(parts), encoding="utf-8")
    store = opening.open_collection(tmp_path / "c.db", now=T0, seed=1, autoload=False)
    decks.load_paths(store, [path], now=T0)
    opening.change_setting(store, "adaptive", "off")
    for i, qid in enumerate([*(f"alpha-{i}" for i in range(70)), "beta-0"]):
        grading.grade(store, Clock(now=T0 + timedelta(seconds=i), local=UTC), qid,
                      intent=Rating.GOOD, story=StoryAnswer(slot=5 if i == 70 else 1))
    later = Clock(now=T0 + timedelta(days=30), local=UTC)
    alpha = card_reads.load_card(store, "alpha-0")
    window = store_queue.due_rows(store, later.now, family_keys={}, limit=60)
    assert "beta-0" not in {r.card.id for r in window}  # beta is due last, past any window
    got = queueing.next_queue(store, later, limit=1, previous=alpha)
    assert [i.card.id for i in got] == ["beta-0"]


def test_streak_follows_the_users_offset_and_recounts_when_it_changes(tmp_path: Path) -> None:
    store = _store(tmp_path)
    # 02:30 UTC on the 10th-12th falls before 04:00 at UTC (the previous study day) but
    # after it at +03:00; 05:00 UTC on the 13th is the 13th for both.
    times = [datetime(2026, 3, d, 2, 30, tzinfo=UTC) for d in (10, 11, 12)]
    times.append(datetime(2026, 3, 13, 5, 0, tzinfo=UTC))
    for i, at in enumerate(times):
        grading.grade(store, Clock(now=at, local=UTC), f"alpha-{i}",
                      intent=Rating.GOOD, story=StoryAnswer(slot=1))
    now = datetime(2026, 3, 14, 3, 0, tzinfo=UTC)
    utc = Clock(now=now, local=UTC)  # study day 13: days 9, 10, 11, 13 -> 1
    plus3 = Clock(now=now, local=timezone(timedelta(hours=3)))  # day 14: 10-13 -> 4
    assert home_status.current_streak(store, utc) == 1
    assert home_status.current_streak(store, plus3) == 4
    assert home_status.current_streak(store, utc) == 1


def test_an_upgrade_counts_the_placeholders_days_once_in_the_users_zone(tmp_path: Path) -> None:
    """A file from before the per-day tables has its days counted under the migrations'
    placeholder shift; the open that migrates it, knowing the user's zone, counts them again
    in that zone, so every read after takes the plain path. An open that migrates nothing
    writes nothing for it (a refused import must leave the file as it was)."""
    plus3 = timezone(timedelta(hours=3))
    path = tmp_path / "old.db"
    _old_schema(path)
    # 00:30 UTC is that UTC date under the placeholder and the study day before at +03:00
    # (03:30 local, before 04:00): days left uncounted are a day off
    times = [datetime(2026, 3, d, 0, 30, tzinfo=UTC) for d in (11, 12, 13)]
    times.append(datetime(2026, 3, 13, 5, 0, tzinfo=UTC))
    with sqlite3.connect(path) as con:
        con.execute("DELETE FROM review")
        con.executemany(
            "INSERT INTO review (question_id, reviewed_at, intent_rating, story_rating, mode, "
            "intent_prev_state, intent_prev_due, story_prev_state, story_prev_due) "
            "VALUES ('q0', ?, 3, 3, 'drill', 2, ?, 2, ?)",
            [(to_db_time(at),) * 3 for at in times])
    con.close()
    store = opening.open_collection(path, now=times[-1], local=plus3, autoload=False)
    with store.read() as con:
        shift = study_days.stored_shift(con)
        days = con.execute("SELECT day, reviews FROM review_day WHERE reviews > 0 "
                           "ORDER BY day").fetchall()
        family_days = con.execute("SELECT DISTINCT day FROM family_day ORDER BY day").fetchall()
    assert shift == day_shift_seconds(180)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)  # study days 10-13 March at +03:00
    study = [(datetime(2026, 3, d, tzinfo=UTC) - epoch).days for d in (10, 11, 12, 13)]
    assert days == [(d, 1) for d in study]
    assert family_days == [(d,) for d in study]
    now = datetime(2026, 3, 14, 3, 0, tzinfo=UTC)
    assert home_status.current_streak(store, Clock(now=now, local=plus3)) == 4
    store.close()
    # a later open of a file still holding the placeholder (written without a zone) writes
    # nothing: its readers correct for the shift instead
    other = _store(tmp_path / "placeholder")
    grading.grade(other, Clock(now=times[0], local=UTC), "alpha-0", intent=Rating.GOOD,
                  story=StoryAnswer(slot=1))
    other.close()
    before = (tmp_path / "placeholder" / "c.db").read_bytes()
    again = opening.open_collection(tmp_path / "placeholder" / "c.db", now=times[-1],
                                    local=plus3, autoload=False)
    with again.read() as con:
        assert study_days.stored_shift(con) == study_days.UNSET_SHIFT
    again.close()
    assert (tmp_path / "placeholder" / "c.db").read_bytes() == before


def _walked_days(store: Store, *, offset_minutes: int) -> list[int]:
    """The oracle for `recent.latest_run`: the latest run of consecutive study days with a
    review under this offset, newest first, walked day by day in Python from the per-day
    counts (when they count under this offset) or every quarter-hour count."""
    shift = day_shift_seconds(offset_minutes)
    with store.read() as con:
        if study_days.stored_shift(con) == shift:
            rows = con.execute("SELECT day FROM review_day WHERE reviews > 0 ORDER BY day DESC")
        else:
            rows = con.execute("SELECT (quarter * 900 + ?) / 86400 FROM review_quarter "
                               "WHERE reviews > 0 ORDER BY quarter DESC", (shift,))
        days: list[int] = []
        for (day,) in rows:
            if days and day == days[-1]:
                continue
            if days and day < days[-1] - 1:
                break
            days.append(int(day))
        return days


def streak(days_newest_first: Sequence[int], *, today: int) -> int:
    """The oracle for `timing.run_streak`: consecutive study days with reviews (newest
    first), ending today, or yesterday if today has none yet, counted one by one."""
    if not days_newest_first:
        return 0
    expected = today if days_newest_first[0] == today else today - 1
    count = 0
    for day in days_newest_first:
        if day > expected:
            continue
        if day != expected:
            break
        count += 1
        expected -= 1
    return count


def test_latest_run_is_the_run_study_days_walks(tmp_path: Path) -> None:
    """The one-statement run (`recent.latest_run`) against the day-by-day walk over random
    study days, days counted down to no review (an undo) among them."""
    store = _store(tmp_path)
    study_days.count_days_under(store, offset_minutes=0)
    rng = random.Random(7)
    assert store_recent.latest_run(store, offset_minutes=0) is None
    for _ in range(60):
        days = {d: rng.choice((0, 1, 1, 1, 3)) for d in rng.sample(range(100, 160),
                                                                    rng.randint(1, 55))}
        with store.transact("set the study days") as con:
            con.execute("DELETE FROM review_day")
            con.executemany("INSERT INTO review_day (day, reviews) VALUES (?, ?)",
                            days.items())
        walked = _walked_days(store, offset_minutes=0)
        run = store_recent.latest_run(store, offset_minutes=0)
        assert run == ((walked[-1], walked[0]) if walked else None)
        for today in (150, 160, 161):
            assert run_streak(run, today=today) == streak(walked, today=today)


def test_a_kept_streak_follows_every_answer_undo_and_day(tmp_path: Path) -> None:
    """The streak with the run before today kept in the store (`home_status.current_streak`)
    against the day-by-day oracle, read again after every step of a long-lived store:
    answers on new days and on the same day, days skipped, undos of today's answer and of
    yesterday's (the step that moves the days before today without any other write), a
    clock set back before the newest review, and a second offset."""
    store = _store(tmp_path)
    study_days.count_days_under(store, offset_minutes=0)
    rng = random.Random(11)
    plus3 = timezone(timedelta(hours=3))
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def same_as_the_walk(step: int) -> None:
        # Now under UTC, the kept run's case; every seventh step also another offset and a
        # clock set back (reviews after its "today"), which each replace the kept run.
        others = [(UTC, at - timedelta(days=2)), (plus3, at), (UTC, at)] if step % 7 == 0 else []
        for local, now in [(UTC, at), *others]:
            clock = Clock(now=now, local=local)
            walked = _walked_days(store, offset_minutes=clock.utc_offset_minutes())
            assert home_status.current_streak(store, clock) == streak(
                walked, today=clock.day_number()), (step, local, now)

    reviewed = 0
    for step in range(160):
        move = rng.random()
        if move < 0.45:
            at += timedelta(hours=rng.choice((1, 3, 20, 24, 26, 49)))
            grading.grade(store, Clock(now=at, local=UTC), f"alpha-{step % 5}",
                          intent=Rating.GOOD, story=StoryAnswer(slot=1))
            reviewed += 1
        elif move < 0.65 and reviewed:
            at += timedelta(hours=rng.choice((0, 0, 14, 24)))  # undo today's or yesterday's
            same_as_the_walk(step)  # the run before the new day is kept, then the undo
            grading.undo(store)
            reviewed -= 1
        same_as_the_walk(step)


def test_streak_rule() -> None:
    assert streak([], today=10) == 0
    assert streak([10, 9, 8, 6], today=10) == 3
    assert streak([9, 8], today=10) == 2  # today not studied yet
    assert streak([8, 7], today=10) == 0


def _old_schema(path: Path) -> None:
    """A database exactly as main's schema 2 left it, with a little history."""
    con = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:
        assert isinstance(script, str)  # the first migrations are SQL text
        con.executescript(script)
    con.execute("PRAGMA user_version=2")
    t = "2026-03-01T08:00:00.000000+00:00"
    con.execute("INSERT INTO deck VALUES ('d', 'D', '1', '', '', ?)", (t,))
    con.execute("INSERT INTO family VALUES ('alpha', 'd', 'Alpha', '')")
    for i, seen in enumerate([True, True, False]):
        con.execute("INSERT INTO question (id, deck_id, family, position, text, intent, story, "
                    "system, added_at) VALUES (?, 'd', 'alpha', ?, 'q', 'i', 1, 'team', ?)",
                    (f"q{i}", i, t))
        for kind in ("intent", "story"):
            con.execute("INSERT INTO facet (question_id, kind, state, step, stability, "
                        "difficulty, due, last_review) VALUES (?, ?, 2, NULL, 3.0, 5.0, ?, ?)",
                        (f"q{i}", kind, "2026-03-05T08:00:00.000000+00:00" if seen else t,
                         t if seen else None))
    for i in range(2):
        con.execute("INSERT INTO review (question_id, reviewed_at, intent_rating, story_rating,"
                    " mode, intent_prev_state, intent_prev_due, intent_prev_last_review, "
                    "story_prev_state, story_prev_due, story_prev_last_review) VALUES "
                    "(?, ?, 1, 3, 'drill', 2, ?, ?, 2, ?, ?)",
                    (f"q{i}", t, t, "2026-02-20T08:00:00.000000+00:00", t,
                     "2026-02-20T08:00:00.000000+00:00"))
    con.commit()
    con.close()


def test_a_database_from_main_migrates_and_fills_its_running_sums(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_schema(path)
    store = opening.open_collection(path, now=T0, autoload=False)
    with store.read() as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        rows = con.execute("SELECT id, reviews, due IS NULL, new_order IS NOT NULL "
                           "FROM question ORDER BY id").fetchall()
    assert rows == [("q0", 1, 0, 1), ("q1", 1, 0, 1), ("q2", 0, 1, 1)]
    kept = tallies.read(store)["alpha"].at(T0)
    assert kept == pytest.approx(_brute_tallies(store, T0)["alpha"])
    assert kept[1] > 0  # both reviews missed the intent after a ten-day gap
    status = home_status.status(store, Clock(now=T0, local=UTC))
    assert (status.questions, status.due) == (3, 0)
    assert [i.card.id for i in queueing.next_queue(store, Clock(now=T0, local=UTC))] == ["q2"]


def test_tally_decays_and_takes_back_exactly() -> None:
    start = weakness.Tally(0.0, 0.0, T0)
    later = T0 + timedelta(days=weakness.HALF_LIFE_DAYS)
    added = start.add(T0, tests=2, misses=1)
    assert added.at(later) == pytest.approx((1.0, 0.5))
    back = added.add(T0, tests=-2, misses=-1)
    assert back.at(later) == pytest.approx((0.0, 0.0))
    past = added.add(later, tests=1, misses=0).add(T0, tests=1, misses=1)  # an older review
    assert past.at(later) == pytest.approx((2.5, 1.0))


def test_open_store_alone_does_not_need_the_rebuild(tmp_path: Path) -> None:
    store = open_store(tmp_path / "fresh.db")
    assert store.migrated_from == 0
    assert tallies.read(store) == {}


def test_a_limit_past_what_sqlite_holds_reads_every_due_row(tmp_path: Path) -> None:
    """`next --limit 99999999999999999999` once overflowed the window's SQL LIMIT."""
    store = _store(tmp_path)
    now = _play(store, random.Random(3), 40) + timedelta(days=3)
    clock = Clock(now=now, local=UTC)
    assert queueing.next_queue(store, clock, limit=10**20) == queueing.next_queue(store,
                                                                                       clock)


FIVE = ("alpha", "beta", "gamma", "delta", "epsilon")


def _five_family_store(tmp_path: Path, rng: random.Random) -> tuple[Store, datetime]:
    """Five families of 24, sibling pairs inside and across families, every question seen
    and then drilled for three weeks with each family missed at its own rate."""
    parts = [DECK_HEADER] + [f'\n[[families]]\nslug = "{f}"\nname = "{f.title()}"\n'
                             'probes = "p"\n' for f in FIVE[2:]]
    for f_index, family in enumerate(FIVE):
        for i in range(24):
            links = [f"{family}-{i ^ 1}"] if i % 4 < 2 else []  # pairs 0-1, 4-5, ...
            if i % 6 == 0:  # and a link to the same place in the next and previous family
                links += [f"{FIVE[(f_index + 1) % 5]}-{i}", f"{FIVE[f_index - 1]}-{i}"]
            parts.append(question(f"{family}-{i}", family, siblings=str(links).replace("'", '"')))
    path = tmp_path / "five.toml"
    path.write_text("".join(parts), encoding="utf-8")
    store = opening.open_collection(tmp_path / "c.db", now=T0, seed=5, autoload=False)
    decks.load_paths(store, [path], now=T0)
    miss = {family: rng.uniform(0.0, 0.7) for family in FIVE}
    now = T0
    ids = [f"{family}-{i}" for family in FIVE for i in range(24)]
    for qid in rng.sample(ids, len(ids)) + rng.choices(ids, k=240):
        now += timedelta(minutes=rng.choice([1, 3, 60 * 3]))
        family = qid.split("-")[0]
        grading.grade(store, Clock(now=now, local=UTC), qid,
                      intent=Rating.AGAIN if rng.random() < miss[family] else Rating.GOOD,
                      story=StoryAnswer(slot=rng.choice([1, 5])), mode="drill")
    return store, now


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_the_queue_read_family_by_family_matches_a_full_read(tmp_path: Path, seed: int) -> None:
    """`next` reads each family's most overdue rows, weakest family first, and stops early;
    whatever the limit, the card before and the moment, it shows what ordering every due
    row would."""
    rng = random.Random(seed)
    store, played = _five_family_store(tmp_path, rng)
    cards = card_reads.load_cards(store)
    assert not [c for c in cards if c.is_new]
    compared = 0
    for _ in range(40):  # soon after (a few due in each family) and much later (most due)
        days = rng.choice([rng.uniform(0, 4), rng.uniform(0, 40)])
        clock = Clock(now=played + timedelta(days=days), local=UTC)
        weak = ops_weakness.family_weakness(store, clock)
        assert len(set(weak.values())) > 1  # the families do differ in weakness
        previous = rng.choice(cards) if rng.random() < 0.7 else None
        limit = rng.choice([1, 2, 5, 12, 30])
        expected = order.build_queue(order.due_cards(cards, clock.now), [], allowance=0,
                                     weakness=weak, previous=previous, limit=limit)
        got = queueing.next_queue(store, clock, limit=limit, previous=previous)
        assert [i.card.id for i in got] == [i.card.id for i in expected]
        compared += len(expected)
    assert compared > 100


def test_an_early_stop_that_would_show_a_pair_reads_the_next_family(tmp_path: Path) -> None:
    """The two weakest families hold a queue's worth of rows, so `next` first builds from
    them alone; that queue ends beta, beta, and only the third family can break the pair,
    so it reads on and shows what a full read shows."""
    parts = [DECK_HEADER, '\n[[families]]\nslug = "gamma"\nname = "Gamma"\nprobes = "p"\n']
    parts += [question(f"{family}-{i}", family) for family in ("alpha", "beta", "gamma")
              for i in range(6)]
    path = tmp_path / "three.toml"
    path.write_text("".join(parts), encoding="utf-8")
    store = opening.open_collection(tmp_path / "c.db", now=T0, seed=5, autoload=False)
    decks.load_paths(store, [path], now=T0)
    for qid in card_reads.known_ids(store, [f"{f}-{i}" for f in ("alpha", "beta", "gamma")
                                              for i in range(6)]):
        grading.grade(store, Clock(now=T0, local=UTC), qid, intent=Rating.GOOD,
                      story=StoryAnswer(slot=1))
    now = T0 + timedelta(days=1)
    due = {"alpha-0": 9, "beta-0": 8, "beta-1": 7, "beta-2": 6, "beta-3": 5, "gamma-0": 4,
           "gamma-1": 3}  # days overdue
    with store.transact("set up the test") as con:
        con.execute("UPDATE facet SET due = ?", (to_db_time(now + timedelta(days=60)),))
        for qid, days in due.items():
            con.execute("UPDATE facet SET due = ? WHERE question_id = ?",
                        (to_db_time(now - timedelta(days=days)), qid))
        for family, misses in (("alpha", 18), ("beta", 9), ("gamma", 0)):
            con.execute("UPDATE family_outcome SET tests = 20, misses = ?, as_of = ? "
                        "WHERE family = ?", (misses, to_db_time(now), family))
            con.execute("INSERT OR IGNORE INTO family_outcome VALUES (?, 20, ?, ?)",
                        (family, misses, to_db_time(now)))
    clock = Clock(now=now, local=UTC)
    weak = ops_weakness.family_weakness(store, clock)
    assert weak["alpha"] > weak["beta"] > weak["gamma"]
    previous = card_reads.load_card(store, "alpha-1")
    got = queueing.next_queue(store, clock, limit=4, previous=previous)
    assert [i.card.id for i in got] == ["beta-0", "alpha-0", "beta-1", "gamma-0"]
    expected = order.build_queue(order.due_cards(card_reads.load_cards(store), now), [],
                                 allowance=0, weakness=weak, previous=previous, limit=4)
    assert [i.card.id for i in got] == [i.card.id for i in expected]


def test_a_question_moving_family_on_reload_takes_its_tallies_along(tmp_path: Path) -> None:
    """A reload that moves a reviewed question to another family recounts the sums: its
    reviews now count towards the family it joined."""
    store = _store(tmp_path)
    now = _play(store, random.Random(6), 60)
    path = _deck(tmp_path)
    moved = [q for q in ("alpha-0", "alpha-1", "alpha-2")
             if _reviewed(store, q)]
    assert moved  # the play graded at least one of them
    text = path.read_text(encoding="utf-8")
    for qid in moved:
        text = text.replace(f'id = "{qid}"\nfamily = "alpha"', f'id = "{qid}"\nfamily = "beta"')
    path.write_text(text, encoding="utf-8")
    decks.load_paths(store, [path], now=now)
    brute = _brute_tallies(store, now)
    kept = {f: t.at(now) for f, t in tallies.read(store).items()}
    for family in ("alpha", "beta"):
        n, m = brute.get(family, (0.0, 0.0))
        got_n, got_m = kept.get(family, (0.0, 0.0))
        assert got_n == pytest.approx(n, abs=1e-9) and got_m == pytest.approx(m, abs=1e-9)


def _reviewed(store: Store, qid: str) -> bool:
    with store.read() as con:
        return bool(con.execute(f"SELECT count(*) FROM {TEXT_REVIEWS} WHERE question_id = ?",
                                (qid,)).fetchone()[0])


def _seen_once(path: Path, parts: list[str], ids: list[str]) -> Store:
    """The deck `parts` written to `path` and loaded into a new collection beside it, each of
    `ids` answered once (Good, the right slot) at T0."""
    path.write_text("".join(parts), encoding="utf-8")
    store = opening.open_collection(path.parent / "c.db", now=T0, seed=5, autoload=False)
    decks.load_paths(store, [path], now=T0)
    for qid in ids:
        grading.grade(store, Clock(now=T0, local=UTC), qid, intent=Rating.GOOD,
                      story=StoryAnswer(slot=1))
    return store


def _hub_store(tmp_path: Path, spokes: int, *, hub: str = "beta",
               misses: tuple[int, int, int] = (12, 0, 0)) -> tuple[Store, Clock]:
    """alpha (the weakest family) holds `spokes` most overdue questions that each name
    `hub`-0 as a sibling (one link each, so every card keeps within a deck's six), then
    alpha-tail, overdue but linked to nothing; beta and gamma hold four questions each,
    less overdue. `misses`: alpha's, beta's and gamma's in 20 recall tests."""
    ids = ([f"alpha-{i}" for i in range(spokes)] + ["alpha-tail"]
           + [f"{f}-{i}" for f in ("beta", "gamma") for i in range(4)])
    parts = [DECK_HEADER, '\n[[families]]\nslug = "gamma"\nname = "Gamma"\nprobes = "p"\n']
    parts += [question(qid, "alpha", siblings=f'["{hub}-0"]') for qid in ids[:spokes]]
    parts += [question(qid, qid.split("-")[0]) for qid in ids[spokes:]]
    store = _seen_once(tmp_path / "hub.toml", parts, ids)
    now = T0 + timedelta(days=1)
    overdue = {qid: 40 - i for i, qid in enumerate(ids[:spokes])}
    overdue |= {"alpha-tail": 5, "beta-1": 4, "beta-2": 3, "beta-3": 2, "gamma-1": 4,
                "gamma-2": 3}
    with store.transact("set up the test") as con:
        con.execute("UPDATE facet SET due = ?", (to_db_time(now + timedelta(days=60)),))
        for qid, days in overdue.items():
            con.execute("UPDATE facet SET due = ? WHERE question_id = ?",
                        (to_db_time(now - timedelta(days=days)), qid))
        con.execute("DELETE FROM family_outcome")
        for family, missed in zip(("alpha", "beta", "gamma"), misses, strict=True):
            con.execute("INSERT INTO family_outcome VALUES (?, 20, ?, ?)",
                        (family, missed, to_db_time(now)))
    return store, Clock(now=now, local=UTC)


@pytest.mark.parametrize("spokes", [3, 9, 10, 30])
def test_a_card_with_many_siblings_before_it_cannot_hide_the_next_one(
        tmp_path: Path, spokes: int) -> None:
    """After beta-0, every alpha question linked to it is passed over: alpha-tail comes
    next, however many of them are more overdue. (Each family's first window is the queue's
    length and eight more; a deck rule once promised no card had more siblings than that.)"""
    store, clock = _hub_store(tmp_path, spokes)
    weak = ops_weakness.family_weakness(store, clock)
    assert weak["alpha"] > weak["beta"]
    previous = card_reads.load_card(store, "beta-0")
    for limit in (1, 2, 3):
        got = queueing.next_queue(store, clock, limit=limit, previous=previous)
        expected = order.build_queue(order.due_cards(card_reads.load_cards(store), clock.now),
                                     [], allowance=0, weakness=weak, previous=previous,
                                     limit=limit)
        assert [i.card.id for i in got] == [i.card.id for i in expected]
        assert got[0].card.id == "alpha-tail"


def test_a_family_of_equal_weakness_read_past_its_window_is_read_further(
        tmp_path: Path) -> None:
    """alpha and beta weigh the same, so their rows interleave by due. After gamma-0 the
    first window of alpha holds only its siblings, and beta-1 is less overdue than
    alpha-tail, which lies past that window: alpha is read further, and alpha-tail shows."""
    store, clock = _hub_store(tmp_path, 12, hub="gamma", misses=(12, 12, 0))
    weak = ops_weakness.family_weakness(store, clock)
    assert weak["alpha"] == weak["beta"] > weak["gamma"]
    previous = card_reads.load_card(store, "gamma-0")
    got = queueing.next_queue(store, clock, limit=2, previous=previous)
    assert [i.card.id for i in got] == ["alpha-tail", "beta-1"]
    expected = order.build_queue(order.due_cards(card_reads.load_cards(store), clock.now),
                                 [], allowance=0, weakness=weak, previous=previous, limit=2)
    assert [i.card.id for i in got] == [i.card.id for i in expected]


def test_weakest_first_overrides_the_adaptive_setting_both_ways(tmp_path: Path) -> None:
    """The commute's `weakest_first`: True orders by weakness with adaptive off, False keeps
    plain due order with adaptive on; left out, the setting decides."""
    store, clock = _hub_store(tmp_path, 3, hub="gamma", misses=(0, 12, 0))
    weak = ops_weakness.family_weakness(store, clock)
    assert weak["beta"] > weak["alpha"]
    cards = order.due_cards(card_reads.load_cards(store), clock.now)

    def first(weakest_first: bool | None) -> list[str]:
        return [i.card.id for i in queueing.next_queue(store, clock, limit=3,
                                                       weakest_first=weakest_first)]

    def expected(weakness: dict[str, float] | None) -> list[str]:
        return [i.card.id for i in order.build_queue(cards, [], allowance=0, weakness=weakness,
                                                     previous=None, limit=3)]

    by_weakness, plain = expected(weak), expected(None)
    assert by_weakness != plain and by_weakness[0].startswith("beta")
    assert (first(None), first(False)) == (by_weakness, plain)  # adaptive on (the default)
    opening.change_setting(store, "adaptive", "off")
    assert (first(None), first(True)) == (plain, by_weakness)


@pytest.mark.parametrize("seed", [31, 32])
def test_one_way_links_to_a_few_hubs_still_give_a_full_reads_queue(tmp_path: Path,
                                                                    seed: int) -> None:
    """Many questions name the same few hubs as siblings (one way: allowed, and unbounded
    per hub), with random dues and weakness: whatever the card before and the limit, the
    queue read family by family is the one every due row gives."""
    rng = random.Random(seed)
    families = ("alpha", "beta", "gamma", "delta")
    ids = [f"{f}-{i}" for f in families for i in range(20)]
    hubs = rng.sample(ids, 2)
    parts = [DECK_HEADER] + [f'\n[[families]]\nslug = "{f}"\nname = "{f.title()}"\n'
                             'probes = "p"\n' for f in families[2:]]
    for qid in ids:
        links = [h for h in hubs if h != qid and rng.random() < 0.9]
        parts.append(question(qid, qid.split("-")[0],
                              siblings=str(links).replace("'", '"')))
    store = _seen_once(tmp_path / "hubs.toml", parts, ids)
    now = T0 + timedelta(days=100)
    with store.transact("set up the test") as con:
        for qid in ids:
            con.execute("UPDATE facet SET due = ? WHERE question_id = ?",
                        (to_db_time(now + timedelta(days=rng.uniform(-60, 20))), qid))
        con.execute("DELETE FROM family_outcome")
        for family in families:
            con.execute("INSERT INTO family_outcome VALUES (?, 20, ?, ?)",
                        (family, rng.choice([0, 4, 4, 12]), to_db_time(now)))
    clock = Clock(now=now, local=UTC)
    weak = ops_weakness.family_weakness(store, clock)
    cards = card_reads.load_cards(store)
    for _ in range(30):
        previous = card_reads.load_card(store, rng.choice([*hubs, rng.choice(ids)]))
        limit = rng.choice([1, 2, 3, 7, 20])
        got = queueing.next_queue(store, clock, limit=limit, previous=previous)
        expected = order.build_queue(order.due_cards(cards, clock.now), [], allowance=0,
                                     weakness=weak, previous=previous, limit=limit)
        assert [i.card.id for i in got] == [i.card.id for i in expected]


def test_latest_run_under_another_offset_is_the_run_the_quarters_walk(tmp_path: Path) -> None:
    """Under an offset other than the stored one the run is read from the quarter-hour
    counts a day at a time (`recent.latest_run`); held to the walk over every quarter
    (`_walked_days`), quarters near a day's edge and counted down to none among them."""
    store = _store(tmp_path)
    study_days.count_days_under(store, offset_minutes=0)
    rng = random.Random(11)
    base = 20_000 * 96  # quarter hours since 1970: a day in 2024
    for _ in range(60):
        quarters = {base + q: rng.choice((0, 1, 2)) for q in rng.sample(range(0, 96 * 40),
                                                                          rng.randint(1, 300))}
        with store.transact("set the quarter hours") as con:
            con.execute("DELETE FROM review_quarter")
            con.executemany("INSERT INTO review_quarter (quarter, reviews, first_id) "
                            "VALUES (?, ?, 0)", quarters.items())
        for offset in (180, -300, 345, 840):
            walked = _walked_days(store, offset_minutes=offset)
            run = store_recent.latest_run(store, offset_minutes=offset)
            assert run == ((walked[-1], walked[0]) if walked else None), offset


def test_the_earliest_due_is_read_only_when_asked_and_is_the_first_seen_due(
        tmp_path: Path) -> None:
    """`card_reads.counts(earliest=True)` (a session summary's "next due"): the earliest due
    of any seen question, overdue ones included, whether some are due by then or none is;
    status does not ask, and reads one statement fewer."""
    store = _store(tmp_path)
    for i, qid in enumerate(("alpha-0", "alpha-1", "beta-0")):
        grading.grade(store, Clock(now=T0 + timedelta(minutes=i), local=UTC), qid,
                      intent=Rating.GOOD, story=StoryAnswer(slot=1))
    seen = [c.due for c in card_reads.load_cards(store) if not c.is_new]
    first = min(seen)
    for now in (first - timedelta(hours=1), first + timedelta(seconds=1), max(seen)):
        got = card_reads.counts(store, now, earliest=True)
        assert got.earliest_due == first, now
        assert got.due == sum(1 for d in seen if d <= now)
        assert card_reads.counts(store, now).earliest_due is None


def test_todays_reviews_count_in_the_first_hour_of_a_25_hour_study_day(tmp_path: Path) -> None:
    """The study day of 24 October 2026 in London runs 25 hours (the clocks go back at 02:00
    on the 25th). An hour into it, a day from now is still that study day: today's end is the
    next study day's start, so the answer just made counts, and so does its day's streak."""
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    store = _store(tmp_path)
    study_days.count_days_under(store, offset_minutes=60)
    grading.grade(store, Clock(now=datetime(2026, 10, 24, 3, 20, tzinfo=UTC), local=london),
                  "alpha-0", intent=Rating.GOOD, story=StoryAnswer(slot=1))
    now = Clock(now=datetime(2026, 10, 24, 3, 30, tzinfo=UTC), local=london)  # 04:30 BST
    got = home_status.status(store, now)
    assert (got.reviews_today, got.streak) == (1, 1)
