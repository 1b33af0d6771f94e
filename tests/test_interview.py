"""Interview day: the date and its scope, scheduling towards the date (no due date after
the interview while it could help), the taper, the daily allowance that follows the plan,
and the plan ending by itself after the date. Real SQLite, explicit clocks."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conftest import DECK_HEADER, question
from emdrill.cli.base import open_here
from emdrill.core import interview as core
from emdrill.core.cards import Card, Question
from emdrill.core.errors import InputError
from emdrill.core.interview import Interview, InterviewScope
from emdrill.core.scheduler import FacetParameters, Memory, Rating, new_memory, retrievability
from emdrill.core.scheduler import review as fsrs_review
from emdrill.core.timing import Clock, study_day, study_day_start
from emdrill.ops import decks, grading, home_status, opening, queueing
from emdrill.ops import interview as plan
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads
from emdrill.store.db import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PLUS_ONE = timezone(timedelta(hours=1))


def clock(at: datetime) -> Clock:
    return Clock(now=at, local=UTC)


def reviewed(*gaps_days: float, start: datetime = T0) -> Memory:
    """A facet rated Good at `start` and then after each gap."""
    at = start
    m = fsrs_review(new_memory(at), Rating.GOOD, at, local=UTC, fuzz=False)
    for gap in gaps_days:
        at += timedelta(days=gap)
        m = fsrs_review(m, Rating.GOOD, at, local=UTC, fuzz=False)
    return m


# ---------------------------------------------------------------- the date


def test_a_date_alone_means_nine_in_the_morning_local_time() -> None:
    assert core.parse_when("2026-03-16", PLUS_ONE) == datetime(2026, 3, 16, 9, 0,
                                                               tzinfo=PLUS_ONE)
    assert core.parse_when("2026-03-16T14:30", PLUS_ONE) == datetime(2026, 3, 16, 14, 30,
                                                                     tzinfo=PLUS_ONE)
    given = core.parse_when("2026-03-16T14:30-05:00", PLUS_ONE)
    assert given.utcoffset() == timedelta(hours=-5)


@pytest.mark.parametrize("text", ["16/03/2026", "", "2026-13-01", "soon", "2026-03-16T25:00"])
def test_a_bad_date_says_what_to_give(text: str) -> None:
    with pytest.raises(InputError, match="is not a date: use YYYY-MM-DD"):
        core.parse_when(text, UTC)


def test_days_left_counts_study_days() -> None:
    now = clock(T0)
    assert core.days_left(now, datetime(2026, 3, 16, 9, 0, tzinfo=UTC)) == 14
    assert core.days_left(now, datetime(2026, 3, 2, 23, 0, tzinfo=UTC)) == 0
    # 02:00 still belongs to the study day before (days start at 04:00)
    assert core.days_left(now, datetime(2026, 3, 3, 2, 0, tzinfo=UTC)) == 0
    assert core.days_left(now, datetime(2026, 3, 3, 5, 0, tzinfo=UTC)) == 1


# ---------------------------------------------------------------- towards the date


def test_a_due_after_the_interview_that_would_leave_recall_below_target_comes_forward() -> None:
    memory = reviewed(1)  # graduated: due about a week later
    assert memory.due is not None and memory.last_review is not None
    at = memory.due + timedelta(days=3)
    assert retrievability(memory, at, local=UTC) < 0.9
    moved = core.toward_date(memory, interview=at, target=0.9, local=UTC)
    assert moved.due is not None and moved.due < at and moved.last_review is not None
    assert retrievability(moved, moved.due, local=UTC) >= 0.9
    assert moved.due == study_day_start(study_day(moved.due, UTC), UTC)  # a whole study day
    assert moved.stability == memory.stability  # only the due date changes


def test_a_due_after_the_interview_is_kept_when_recall_stays_above_target() -> None:
    memory = reviewed(1, 7)
    assert memory.due is not None and memory.last_review is not None
    at = memory.last_review + timedelta(days=2)
    assert memory.due > at and retrievability(memory, at, local=UTC) >= 0.9
    assert core.toward_date(memory, interview=at, target=0.9, local=UTC) == memory


def test_dues_before_the_interview_and_new_facets_are_left_alone() -> None:
    memory = reviewed(1)
    assert memory.due is not None
    later = memory.due + timedelta(days=1)
    assert core.toward_date(memory, interview=later, target=0.99, local=UTC) == memory
    fresh = new_memory(T0)
    assert core.toward_date(fresh, interview=T0 + timedelta(days=1), target=0.9, local=UTC) == fresh


# ---------------------------------------------------------------- the taper


@pytest.mark.parametrize(("days", "below", "per_day", "expected"), [
    (0, 0, 10, True), (1, 0, 10, True), (2, 11, 10, True), (2, 10, 10, False),
    (3, 100, 10, False),
])
def test_the_taper_is_the_last_day_or_two(days: int, below: int, per_day: int,
                                          expected: bool) -> None:
    assert core.in_taper(days, below=below, answers_per_day=per_day) is expected


def test_below_target_is_weakest_first() -> None:
    q = Question(id="x", deck="d", family="f", text="?", intent="!", story=1)
    at = T0 + timedelta(days=10)
    shaky = Card(q, reviewed(1), reviewed(1))
    shakier = Card(Question(id="y", deck="d", family="f", text="?", intent="!", story=1,
                            position=1), reviewed(), reviewed(1))
    solid = Card(Question(id="z", deck="d", family="f", text="?", intent="!", story=1,
                          position=2), reviewed(1, 8), reviewed(1, 8))
    found = core.below_target([solid, shaky, shakier], at=at, target=0.9,
                              parameters=FacetParameters(), local=UTC)
    assert [c.id for c in found] == ["y", "x"]


@pytest.mark.parametrize(("introduced", "quota", "answers", "per_drill", "expected"), [
    (0, 4, 0, 12, True),  # the first answer of the day is new
    (1, 4, 1, 12, False),  # then reviews until the next new one is due
    (1, 4, 3, 12, True),
    (4, 4, 30, 12, False),  # the quota is met
    (0, 0, 0, 12, False),
])
def test_new_questions_are_spread_through_the_drill(introduced: int, quota: int, answers: int,
                                                    per_drill: int, expected: bool) -> None:
    assert core.new_first(introduced=introduced, quota=quota, answers=answers,
                          per_drill=per_drill) is expected


# ---------------------------------------------------------------- against the store


def deck_text(n: int, *, families: tuple[str, ...] = ("alpha", "beta")) -> str:
    return DECK_HEADER + "".join(
        question(f"{families[i % len(families)]}-{i}", families[i % len(families)],
                 story=1 if i % 2 == 0 else 5, also="[]") for i in range(n))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    path = tmp_path / "deck.toml"
    path.write_text(deck_text(12), encoding="utf-8")
    opened = open_here(autoload=False)
    decks.load_paths(opened, [path], now=T0)
    return opened


def test_setting_rejects_the_past_and_unknown_scope(store: Store) -> None:
    with pytest.raises(InputError, match="is in the past"):
        plan.set_interview(store, clock(T0), "2026-03-01")
    with pytest.raises(InputError, match="is in the past"):
        plan.set_interview(store, clock(T0), T0.isoformat())
    with pytest.raises(InputError, match=r"unknown family 'gamma' \(known: alpha, beta\)"):
        plan.set_interview(store, clock(T0), "2026-03-16", families=["alpha,gamma"])
    with pytest.raises(InputError, match=r"unknown deck 'other' \(known: mini\)"):
        plan.set_interview(store, clock(T0), "2026-03-16", decks=["other"])
    assert plan.stored(store) is None


def test_a_scope_without_active_questions_is_refused(store: Store, tmp_path: Path) -> None:
    same_file = tmp_path / "deck.toml"  # a deck id belongs to one file: edit that file
    text = DECK_HEADER + "".join(question(f"alpha-{i}", "alpha") for i in range(0, 12, 2))
    same_file.write_text(text, encoding="utf-8")
    decks.load_paths(store, [same_file], now=T0)  # the beta questions are suspended
    with pytest.raises(InputError, match="no active questions in families beta"):
        plan.set_interview(store, clock(T0), "2026-03-16", families=["beta"])


def test_scope_takes_repeated_and_comma_separated_values(store: Store) -> None:
    booked = plan.set_interview(store, clock(T0), "2026-03-16",
                                families=["alpha, beta", "alpha"], decks=["mini"])
    assert booked.scope == InterviewScope(decks=("mini",), families=("alpha", "beta"))
    assert plan.stored(store) == booked


def test_only_questions_in_scope_come_up_while_the_plan_runs(store: Store) -> None:
    plan.set_interview(store, clock(T0), "2026-03-16", families=["beta"])
    queue = queueing.next_queue(store, clock(T0))
    assert queue and {item.card.family for item in queue} == {"beta"}


def test_the_daily_allowance_follows_the_plan_and_new_per_day_is_kept(store: Store) -> None:
    opening.change_setting(store, "new-per-day", "1")
    plan.set_interview(store, clock(T0), "2026-03-08")  # 6 days left, 5 to introduce
    status = home_status.status(store, clock(T0))
    assert status.interview is not None
    assert status.new_today == status.interview.plan.new_per_day == 3  # ceil(12 / 5)
    assert opening.setting_values(store)["new-per-day"] == "1"


def test_the_plan_ends_by_itself_after_the_date(store: Store) -> None:
    opening.change_setting(store, "new-per-day", "1")
    plan.set_interview(store, clock(T0), "2026-03-08", families=["beta"])
    after = clock(datetime(2026, 3, 8, 9, 0, tzinfo=UTC))
    assert plan.active(store, after) is None
    assert plan.outlook(store, after, opening.settings(store)) is None
    assert plan.stored(store) is not None  # kept, to say when it was
    status = home_status.status(store, after)
    assert status.interview is None and status.new_today == 1
    assert {i.card.family for i in queueing.next_queue(store, after)} == {"alpha"}
    just_before = clock(datetime(2026, 3, 8, 8, 59, tzinfo=UTC))
    assert plan.active(store, just_before) is not None


def test_clear_ends_the_plan(store: Store) -> None:
    booked = plan.set_interview(store, clock(T0), "2026-03-16")
    assert plan.clear(store) == booked
    assert plan.clear(store) is None
    assert home_status.status(store, clock(T0)).interview is None


def _drill_everything(store: Store, days: int, *, start: datetime = T0) -> list[datetime]:
    """Answer whatever is due (and new) once a day; return the grade times."""
    times = []
    for day in range(days):
        now = start + timedelta(days=day)
        for item in queueing.next_queue(store, clock(now)):
            graded = grading.grade(store, clock(now), item.card.id, intent=Rating.GOOD,
                                   story=StoryAnswer(verdict=True))
            assert graded.intent_due > now
            times.append(now)
            now += timedelta(seconds=20)
    return times


def test_no_due_date_falls_after_the_interview_while_the_plan_is_active(store: Store) -> None:
    """With a low retention, FSRS alone would schedule past the interview with recall below
    the 0.90 target; while the plan runs, every such due date comes before the interview."""
    opening.change_setting(store, "retention", "0.75")
    opening.change_setting(store, "adaptive", "off")
    at = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    plan.set_interview(store, clock(T0), at.isoformat())
    _drill_everything(store, 14)
    cards = card_reads.load_cards(store)
    assert all(not c.is_new for c in cards)
    for card in cards:
        for memory in (card.intent, card.story):
            assert memory.due is not None
            assert memory.due <= at or retrievability(memory, at, local=UTC) >= 0.9, card.id


def test_without_a_plan_the_same_drills_leave_dues_past_the_interview(tmp_path: Path) -> None:
    path = tmp_path / "deck.toml"
    path.write_text(deck_text(12), encoding="utf-8")
    store = open_here(autoload=False)
    decks.load_paths(store, [path], now=T0)
    opening.change_setting(store, "retention", "0.75")
    opening.change_setting(store, "adaptive", "off")
    opening.change_setting(store, "new-per-day", "12")
    at = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    _drill_everything(store, 14)
    late = [m for c in card_reads.load_cards(store) for m in (c.intent, c.story)
            if m.due is not None and m.due > at and retrievability(m, at, local=UTC) < 0.9]
    assert late  # so the test above shows the plan at work


def test_a_question_out_of_scope_keeps_its_fsrs_due(store: Store) -> None:
    opening.change_setting(store, "retention", "0.75")
    at = T0 + timedelta(days=9)
    plan.set_interview(store, clock(T0), at.isoformat(), families=["alpha"])
    graded = grading.grade(store, clock(T0), "beta-1", intent=Rating.GOOD,
                           story=StoryAnswer(verdict=True))
    again = grading.grade(store, clock(T0 + timedelta(days=1)), "beta-1",
                          intent=Rating.GOOD, story=StoryAnswer(verdict=True))
    assert graded.intent_due < again.intent_due
    assert again.intent_due > at


def test_the_taper_brings_up_what_is_below_target_though_not_due(store: Store) -> None:
    """Everything is reviewed on days 0 and 1 (due about a week later). With a 0.95 target
    and the interview on day 7, on day 6 the questions are not due but below target."""
    opening.change_setting(store, "new-per-day", "12")
    opening.change_setting(store, "interview-target", "0.95")
    for day in (0, 1):
        now = T0 + timedelta(days=day)
        for item in queueing.next_queue(store, clock(now)):
            grading.grade(store, clock(now), item.card.id, intent=Rating.GOOD,
                          story=StoryAnswer(verdict=True))
            now += timedelta(seconds=20)
    at = T0 + timedelta(days=7)
    plan.set_interview(store, clock(T0 + timedelta(days=1, hours=2)), at.isoformat())
    day6 = clock(T0 + timedelta(days=6))
    cards = card_reads.load_cards(store)
    weakest_first = core.below_target(cards, at=at, target=0.95, parameters=FacetParameters(),
                                      local=UTC)
    assert len(weakest_first) == 12
    # due from 04:00 of their day: at most one of them is due on day 6, the rest are not
    assert len([c for c in weakest_first if c.due > day6.now]) >= 11
    queue = queueing.next_queue(store, day6)
    assert not any(item.new for item in queue)
    assert sorted(i.card.id for i in queue) == sorted(c.id for c in weakest_first)
    assert queueing.next_queue(store, clock(T0 + timedelta(days=3))) == []


def test_a_new_booking_replaces_the_old_one(store: Store) -> None:
    plan.set_interview(store, clock(T0), "2026-03-16", families=["alpha"])
    second = plan.set_interview(store, clock(T0), "2026-03-20")
    assert plan.stored(store) == second
    assert isinstance(second, Interview) and second.scope == InterviewScope()


def test_the_outlook_counts_scope_seen_and_story_gaps(store: Store) -> None:
    plan.set_interview(store, clock(T0), "2026-03-16", families=["alpha"])
    grading.grade(store, clock(T0), "alpha-0", intent=Rating.GOOD, story=StoryAnswer(slot=1))
    outlook = plan.outlook(store, clock(T0 + timedelta(minutes=5)), opening.settings(store))
    assert outlook is not None
    assert (outlook.plan.in_scope, outlook.plan.seen) == (6, 1)
    assert [g.slot.slot for g in outlook.gaps] == [1]  # alpha questions rely on slot 1


def test_deck_text_helper_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    path.write_text(textwrap.dedent(deck_text(4)), encoding="utf-8")
    files, problems = decks.check_paths([path])
    assert not problems and len(files[0].questions) == 4


def test_a_schema_7_database_upgrades_keeping_its_data(tmp_path: Path) -> None:
    import sqlite3

    from emdrill.store.db import open_store, run_migrations
    from emdrill.store.migrations import LATEST

    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    run_migrations(con, upto=7)
    con.execute("INSERT INTO setting VALUES ('minutes', '7')")
    con.commit()
    con.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 7
    upgraded = open_store(path)
    assert LATEST >= 8
    assert opening.setting_values(upgraded)["minutes"] == "7"
    assert plan.stored(upgraded) is None
    con = sqlite3.connect(path)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"interview", "fsrs_parameters"} <= tables


def test_the_days_new_questions_are_spread_through_the_drill(store: Store) -> None:
    opening.change_setting(store, "new-per-day", "6")
    for item in queueing.next_queue(store, clock(T0)):
        grading.grade(store, clock(T0), item.card.id, intent=Rating.GOOD,
                      story=StoryAnswer(verdict=True))
    day1 = T0 + timedelta(days=1)
    plan.set_interview(store, clock(day1), (T0 + timedelta(days=4)).isoformat())
    queue = queueing.next_queue(store, clock(day1))
    assert queue[0].new and not queue[1].new  # a new one first, then what is due
    assert sum(1 for item in queue if not item.new) == 6


def test_with_nothing_else_waiting_the_drill_takes_new_questions_early(store: Store) -> None:
    plan.set_interview(store, clock(T0), "2026-03-16")  # 12 questions: 1 new a day
    first = queueing.next_queue(store, clock(T0), limit=1)[0]
    grading.grade(store, clock(T0), first.card.id, intent=Rating.GOOD,
                  story=StoryAnswer(verdict=True))
    later = clock(T0 + timedelta(minutes=1))
    queue = queueing.next_queue(store, later)
    assert len(queue) == 11 and all(item.new for item in queue)
    assert home_status.status(store, later).new_today == 0  # the day's quota is met
    plan.clear(store)
    opening.change_setting(store, "new-per-day", "1")
    assert queueing.next_queue(store, later) == []


@given(reviews=st.lists(st.sampled_from([Rating.AGAIN, Rating.HARD, Rating.GOOD, Rating.EASY]),
                        min_size=1, max_size=6),
       gaps=st.lists(st.floats(min_value=0.01, max_value=20), min_size=6, max_size=6),
       ahead=st.floats(min_value=0.05, max_value=60),
       target=st.floats(min_value=0.7, max_value=0.99))
# Always tried: a due months after the interview, recall there below the target, which must
# be brought forward (random draws find such a case only most of the time: a mutant that
# never moves a due survived one run of bench/mutants.py in two).
@example(reviews=[Rating.GOOD] * 3, gaps=[3.0, 8.0, 20.0, 1.0, 1.0, 1.0], ahead=30.0,
         target=0.99)
def test_toward_date_never_leaves_a_due_after_the_interview_below_target(
        reviews: list[Rating], gaps: list[float], ahead: float, target: float) -> None:
    at, memory = T0, new_memory(T0)
    for rating, gap in zip(reviews, gaps, strict=False):
        memory = fsrs_review(memory, rating, at, retention=0.75, local=UTC, fuzz=False)
        at += timedelta(days=gap)
    interview = memory.last_review + timedelta(days=ahead) if memory.last_review else T0
    moved = core.toward_date(memory, interview=interview, target=target, local=UTC)
    assert moved.due is not None and memory.due is not None
    assert moved.due <= memory.due  # only ever earlier
    assert moved.due <= interview or retrievability(moved, interview, local=UTC) >= target
    assert moved.due > (memory.last_review or T0)  # never before the review itself


# ---------------------------------------------------------------- on main's hot path


def test_without_a_plan_the_queue_and_status_never_read_every_question(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def scan(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("read every question with no plan active")

    monkeypatch.setattr(card_reads, "load_cards", scan)
    assert queueing.next_queue(store, clock(T0))
    assert home_status.status(store, clock(T0)).interview is None


def test_the_interview_and_fitted_parameters_are_exported(store: Store, tmp_path: Path) -> None:
    from emdrill.core.dumpfile import parse
    from emdrill.ops import transfer

    plan.set_interview(store, clock(T0), "2026-03-16", families=["alpha"])
    transfer.export_json(store, tmp_path / "out.json", now=T0)
    dump = parse((tmp_path / "out.json").read_text(encoding="utf-8"), tmp_path / "out.json")
    rows = dump.sections["interview"]
    assert len(rows) == 1 and rows[0]["families"] == ["alpha"]
    assert dump.sections["fsrs_parameters"] == []


def test_while_a_plan_is_active_next_due_counts_only_its_scope(store: Store) -> None:
    # beta-1 is reviewed first, so its due comes first; alpha-0 a minute later
    grading.grade(store, clock(T0), "beta-1", intent=Rating.GOOD,
                  story=StoryAnswer(verdict=True), fuzz=False)
    grading.grade(store, clock(T0 + timedelta(minutes=1)), "alpha-0", intent=Rating.GOOD,
                  story=StoryAnswer(verdict=True), fuzz=False)
    now = clock(T0 + timedelta(minutes=2))
    beta = card_reads.load_card(store, "beta-1")
    alpha = card_reads.load_card(store, "alpha-0")
    assert home_status.status(store, now).next_due == min(beta.due, alpha.due)
    plan.set_interview(store, now, "2026-03-16", families=["alpha"])
    assert home_status.status(store, now).next_due == alpha.due


# ---------------------------------------------------------------- own questions, one pace


def test_the_users_own_questions_come_first_in_the_plan(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "deck.toml"
    path.write_text(deck_text(12) + question("beta-mine", "beta", story=5, also="[]")
                    + question("alpha-mine", "alpha", also="[]"), encoding="utf-8")
    decks.load_paths(store, [path], now=T0, first=True)  # as `add` loads them
    assert card_reads.goes_first_ids(store) == {"alpha-mine", "beta-mine"}
    plan.set_interview(store, clock(T0), "2026-03-12")
    prefs = replace(opening.settings(store), minutes=1)
    day = plan.today(store, clock(T0), prefs)
    assert day is not None and set(day.fresh[:2]) == {"alpha-mine", "beta-mine"}
    found = plan.outlook(store, clock(T0), prefs)
    assert found is not None
    assert {c.id for c in found.plan.introduce[:2]} == {"alpha-mine", "beta-mine"}


def test_the_plan_and_the_home_screen_share_one_pace(store: Store) -> None:
    from emdrill.ops import advice

    for qid, seconds in (("alpha-0", 10.0), ("beta-1", 12.0)):  # a mean of 11 seconds
        grading.grade(store, clock(T0), qid, intent=Rating.GOOD,
                      story=StoryAnswer(verdict=True), seconds=seconds, mode="drill")
    opening.change_setting(store, "minutes", "11")
    plan.set_interview(store, clock(T0), "2026-03-12")
    prefs = opening.settings(store)
    home = advice.pace_backlog(store, due=1).per_drill
    assert home == 60  # 11 minutes of 11-second answers (11 * (60 / 11) is 59.99...)
    found = plan.outlook(store, clock(T0), prefs)
    day = plan.today(store, clock(T0), prefs)
    assert found is not None and day is not None
    assert found.per_drill == day.queue.per_drill == home
    assert found.plan.pace == pytest.approx(60 / 11)
