"""The core operations every front end shares: open, queue, grade, undo, status.

Each takes the store and a `Clock` read once at the edge; nothing here reads the system clock.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from emdrill.core import scheduler
from emdrill.core.errors import EmdrillError, InputError
from emdrill.core.numbers import whole_number
from emdrill.core.order import QueueItem, build_queue, due_cards, new_allowance
from emdrill.core.scheduler import Rating
from emdrill.core.settings import Settings, validate_setting, with_defaults
from emdrill.core.timing import Clock
from emdrill.core.types import MODES, Card, ReviewRecord
from emdrill.core.weakness import Schedule
from emdrill.ops import weakness
from emdrill.store import cards as store_cards
from emdrill.store import decks as store_decks
from emdrill.store.db import Store, open_store

__all__ = ["Store"]  # the handle commands pass around; only its type leaves ops

# ---------------------------------------------------------------- opening


def open_collection(path: Path, *, now: datetime, seed: int | None = None,
                    autoload: bool = True) -> Store:
    """Open the database at `path`; load the bundled deck the first time, so drills just work.
    `seed` makes interval fuzz repeatable."""
    if seed is not None:
        scheduler.seed(seed)
    store = open_store(path)
    if autoload and store_cards.question_count(store) == 0:
        _load_bundled(store, now)
    return store


def _load_bundled(store: Store, now: datetime) -> None:
    from emdrill.ops import decks  # deck parsing is only needed on first use

    # Two commands may start on a new collection at once (`next | grade --batch`): the
    # count is read again under the write lock, so only the first one loads.
    with store.write():
        if store_cards.question_count(store) == 0:
            decks.load_paths(store, decks.bundled_paths(), now=now)


def family_names(store: Store) -> dict[str, str]:
    """Family slug -> display name, in deck order."""
    return {f.slug: f.name for f in store_decks.families(store)}


def settings(store: Store) -> Settings:
    return Settings.from_stored(store_cards.stored_settings(store))


def setting_values(store: Store) -> dict[str, str]:
    """Every setting as text, stored or default."""
    return with_defaults(store_cards.stored_settings(store))


def change_setting(store: Store, key: str, value: str) -> str:
    """Validate, then save one setting; returns the value as stored."""
    normal = validate_setting(key, value)
    store_cards.save_setting(store, key, normal)
    return normal


def deck_summary(store: Store) -> list[tuple[str, str, str, str, int, int]]:
    return store_decks.deck_summary(store)


# ---------------------------------------------------------------- answers


@dataclass(frozen=True)
class StoryAnswer:
    """What the user said about the story: a slot (1-8), a verdict (right/wrong), or unsure."""

    slot: int | None = None
    verdict: bool | None = None
    partly: bool = False  # commute's "partly": the story was close, not right

    @classmethod
    def partial(cls) -> StoryAnswer:
        return cls(partly=True)

    @classmethod
    def parse(cls, text: str) -> StoryAnswer:
        value = text.strip().lower()
        if value in ("right", "wrong"):
            return cls(verdict=value == "right")
        if value in ("0", "unsure", "not-sure", "?"):
            return cls()
        number = whole_number(value)
        if number is not None and 1 <= number <= 8:
            return cls(slot=number)
        raise InputError(f"story '{text[:40]}' is not a slot 1-8, 0 (not sure), right or wrong")

    def rating(self, card: Card) -> Rating:
        if self.partly:
            return Rating.HARD
        if self.verdict is not None:
            return scheduler.story_verdict_rating(self.verdict)
        return scheduler.story_rating(self.slot, primary=card.question.story,
                                      also=card.question.also)


@dataclass(frozen=True)
class Graded:
    card: Card
    review_id: int
    intent_rating: Rating
    story_rating: Rating
    intent_due: datetime
    story_due: datetime


def schedule_for(card: Card, store: Store, clock: Clock, prefs: Settings) -> Schedule:
    """The family's schedule in force: plain FSRS at the user's retention when not adaptive."""
    if not prefs.adaptive:
        return Schedule(prefs.retention)
    return weakness.schedule_by_family(store, clock, prefs).get(card.family,
                                                                 Schedule(prefs.retention))


def grade(
    store: Store,
    clock: Clock,
    question_id: str,
    *,
    intent: Rating,
    story: StoryAnswer,
    seconds: float | None = None,
    mode: str = "grade",
    fuzz: bool = True,
) -> Graded:
    """Grade both facets of one question and commit the review."""
    if mode not in MODES:
        raise InputError(f"mode '{mode}' is not one of {', '.join(MODES)}")
    if seconds is not None and not 0 <= seconds <= 86400:
        raise InputError(f"seconds {seconds} is out of range (0 to 86400)")
    # One write transaction: the facet state read here is the one this review replaces.
    with store.write():
        card = store_cards.load_card(store, question_id)
        clock = review_clock(card, clock)
        prefs = settings(store)
        plan = schedule_for(card, store, clock, prefs)
        story_rating = story.rating(card)
        new_intent = scheduler.review(card.intent, intent, clock.now, retention=plan.retention,
                                      fuzz=fuzz, relearn=plan.relearn)
        new_story = scheduler.review(card.story, story_rating, clock.now,
                                     retention=plan.retention, fuzz=fuzz, relearn=plan.relearn)
        record = store_cards.record_review(
            store, card, intent_after=new_intent, story_after=new_story,
            intent_rating=int(intent), story_rating=int(story_rating), at=clock.now, mode=mode,
            slot_named=story.slot, seconds=seconds,
        )
    assert new_intent.due is not None and new_story.due is not None
    return Graded(card, record.id, intent, story_rating, new_intent.due, new_story.due)


# Two emdrills racing for one question: the later one read "now", then waited for the lock.
CLOCK_SKEW = timedelta(minutes=1)


def review_clock(card: Card, clock: Clock) -> Clock:
    """The clock a grade of `card` is dated by: never before the question's last review.
    A clock that runs backwards would move the due date back and break undo's chain."""
    last = max((m.last_review for m in (card.intent, card.story) if m.last_review is not None),
               default=None)
    if last is None or clock.now >= last:
        return clock
    if last - clock.now <= CLOCK_SKEW:
        return replace(clock, now=last)
    raise InputError(f"{card.id} was last reviewed at {last:%Y-%m-%d %H:%M} UTC, after this "
                     f"grade's time ({clock.now:%Y-%m-%d %H:%M} UTC): the clock or EMDRILL_NOW "
                     "runs backwards; nothing was recorded")


def undo(store: Store) -> ReviewRecord:
    return store_cards.undo_last(store)


def undo_review(store: Store, review_id: int) -> ReviewRecord:
    """Undo review `review_id` if it is still the newest one (a drill undoing its own)."""
    with store.write():
        newest = store_cards.last_reviews(store, 1)
        if not newest or newest[0].id != review_id:
            raise EmdrillError("cannot undo: another emdrill recorded a review since")
        return store_cards.undo_last(store)


# ---------------------------------------------------------------- queue and status


def todays_allowance(store: Store, clock: Clock, prefs: Settings) -> int:
    introduced = store_cards.new_introduced_since(store, clock.day_start())
    return new_allowance(prefs.new_per_day, introduced)


def next_queue(store: Store, clock: Clock, *, limit: int | None = None,
               previous: Card | None = None, exclude: Collection[str] = (),
               weakest_first: bool | None = None) -> list[QueueItem]:
    """Exactly what a drill would show now, in order. `exclude` drops ids (a session's
    skips); `weakest_first` overrides the `adaptive` setting for the order (commute)."""
    prefs = settings(store)
    cards = [c for c in store_cards.load_cards(store) if c.id not in exclude]
    return build_queue(cards, now=clock.now, allowance=todays_allowance(store, clock, prefs),
                       weakness=ordering_weakness(store, clock, prefs, weakest_first),
                       previous=previous, limit=limit)


def ordering_weakness(store: Store, clock: Clock, prefs: Settings,
                      weakest_first: bool | None = None) -> dict[str, float] | None:
    """Family weakness to order by, or None for plain FSRS order (adaptive off)."""
    if not (prefs.adaptive if weakest_first is None else weakest_first):
        return None
    return weakness.family_weakness(store, clock)


@dataclass(frozen=True)
class Status:
    due: int
    new_today: int
    reviews_today: int
    streak: int
    questions: int
    next_due: datetime | None


def status(store: Store, clock: Clock) -> Status:
    prefs = settings(store)
    cards = store_cards.load_cards(store)
    new_left = min(todays_allowance(store, clock, prefs), sum(1 for c in cards if c.is_new))
    upcoming = [c.due for c in cards if not c.is_new and c.due > clock.now]
    return Status(
        due=len(due_cards(cards, clock.now)),
        new_today=new_left,
        reviews_today=store_cards.reviews_between(  # not reviews dated in a later day
            store, clock.day_start(), clock.day_start(clock.now + timedelta(days=1))),
        streak=streak(store_cards.review_days(store, clock.utc_offset_minutes()),
                      today=clock.day_key(clock.now)),
        questions=len(cards),
        next_due=min(upcoming, default=None),
    )


def streak(days_newest_first: list[str], *, today: str) -> int:
    """Consecutive study days with reviews, ending today (or yesterday, if today has none yet)."""
    from datetime import date, timedelta

    if not days_newest_first:
        return 0
    expected = date.fromisoformat(today)
    if days_newest_first[0] != today:
        expected -= timedelta(days=1)
    count = 0
    for day in days_newest_first:
        if day > expected.isoformat():
            continue
        if day != expected.isoformat():
            break
        count += 1
        expected -= timedelta(days=1)
    return count
