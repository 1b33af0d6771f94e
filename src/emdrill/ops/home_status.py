"""The home screen's counts: due, new today, today's reviews, the streak, and the
interview countdown while a plan is active.

Each takes the store and a `Clock` read once at the edge; nothing here reads the system clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from emdrill.core.settings import Settings
from emdrill.core.timing import Clock, run_streak, study_day_start
from emdrill.ops import optimize
from emdrill.ops.opening import booked, settings
from emdrill.ops.queueing import todays_allowance
from emdrill.store import card_reads
from emdrill.store import recent as store_recent
from emdrill.store.db import Store

if TYPE_CHECKING:
    from emdrill.core.interview import Interview
    from emdrill.ops.interview import InterviewOutlook


def _outlook(store: Store, clock: Clock, prefs: Settings,
             running: Interview | None) -> InterviewOutlook | None:
    if running is None:
        return None
    from emdrill.ops import interview

    return interview.outlook(store, clock, prefs)


@dataclass(frozen=True)
class Status:
    due: int
    new_today: int
    reviews_today: int
    streak: int
    questions: int
    next_due: datetime | None
    interview: InterviewOutlook | None = None  # the countdown, while a plan is active
    offer_optimize: bool = False  # enough new history to fit personal parameters


def status(store: Store, clock: Clock) -> Status:
    """Counts for the home screen; while an interview plan is active, due and new count the
    questions in its scope, and the countdown comes along."""
    prefs = settings(store)
    counts = card_reads.counts(store, clock.now)
    running = booked(store, clock)
    outlook = _outlook(store, clock, prefs, running)
    due, new, next_due = counts.due, counts.new, counts.next_due
    allowance = todays_allowance(store, clock, prefs, running)  # the day plan's, as the queue's
    if outlook is not None:
        scope = outlook.interview.scope
        cards = [c for c in card_reads.load_cards(store) if scope.covers(c.question)]
        due = sum(1 for c in cards if not c.is_new and c.due <= clock.now)
        new = sum(1 for c in cards if c.is_new)
        next_due = min((c.due for c in cards if not c.is_new and c.due > clock.now),
                       default=None)
    around = _around_today(store, clock)
    return Status(
        due=due,
        new_today=min(allowance, new),
        reviews_today=around[1],  # not reviews dated in a later day
        streak=current_streak(store, clock, around=around),
        questions=counts.questions,
        next_due=next_due,
        interview=outlook,
        offer_optimize=optimize.offer(store),
    )


def _around_today(store: Store, clock: Clock) -> tuple[int, int, int]:
    """Reviews before today, today and after today (`recent.reviews_around`), today's
    bounds being its study day's start and the next one's."""
    today = clock.day_number()
    return store_recent.reviews_around(store, study_day_start(today, clock.local),
                                       study_day_start(today + 1, clock.local))


def current_streak(store: Store, clock: Clock, *,
                   around: tuple[int, int, int] | None = None) -> int:
    """Consecutive study days with reviews, ending today (or yesterday, today not studied
    yet). The run before today is kept (`Store.memo`) for as long as nothing changes the
    days before today: keyed on the day, the offset and how many reviews precede today,
    which an answer leaves alone and an undo of an earlier day's review moves; any other
    write moves the store's basis. So a drill's answers cost one small read here, not a
    walk over every day of a long run. `around`: `_around_today` just read (`status`)."""
    offset, today = clock.utc_offset_minutes(), clock.day_number()
    before, on_the_day, later = around if around is not None else _around_today(store, clock)
    if later:  # reviews dated after today (a clock set back): the whole run, as found
        return run_streak(store_recent.latest_run(store, offset_minutes=offset), today=today)
    run = store.memo("run before today", lambda: store_recent.latest_run(
        store, offset_minutes=offset, before=today), key=(today, offset, before))
    if on_the_day:
        run = (run[0], today) if run is not None and run[1] == today - 1 else (today, today)
    return run_streak(run, today=today)
