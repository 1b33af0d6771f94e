"""The core operations every front end shares: open, queue, grade, undo, status.

Each takes the store and a `Clock` read once at the edge; nothing here reads the system clock.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from emdrill.core import scheduler
from emdrill.core.errors import EmdrillError, InputError
from emdrill.core.numbers import whole_number
from emdrill.core.order import (
    QueueItem,
    SessionScope,
    build_queue,
    due_order_key,
    has_clash,
    new_allowance,
    weak_families,
    widen_new,
)
from emdrill.core.scheduler import Memory, Rating
from emdrill.core.settings import Settings, validate_setting, with_defaults
from emdrill.core.timing import Clock, streak
from emdrill.core.types import MODES, SYSTEM_ANSWER, SYSTEM_WORD, Card, ReviewRecord, is_slot
from emdrill.core.weakness import Schedule
from emdrill.ops import backups, optimize, weakness
from emdrill.store import cards as store_cards
from emdrill.store import decks as store_decks
from emdrill.store import interview as store_interview
from emdrill.store import set_aside as store_set_aside
from emdrill.store.db import FIRST_USE_WAIT_MS, Store, open_store, set_test_kill

if TYPE_CHECKING:
    from emdrill.core.decode import IntentChoice
    from emdrill.core.interview import Interview
    from emdrill.ops.interview import InterviewOutlook, Today

HOT_PATH_SCHEMA = 4  # the migration that added the running sums `rebuild_aggregates` fills

__all__ = ["Store", "set_test_kill"]  # the handle commands pass around; the kill test hook

# ---------------------------------------------------------------- opening


def open_collection(path: Path, *, now: datetime, seed: int | None = None,
                    autoload: bool = True, local: tzinfo | None = None) -> Store:
    """Open the database at `path`; load the bundled deck the first time, so drills just work.
    `seed` makes interval fuzz repeatable. A database about to be migrated is backed up
    first; given the user's zone (`local`), the first open of a study day backs up too."""
    if seed is not None:
        scheduler.seed(seed)
    backups.clean_partials(path)  # what a killed backup left behind
    migrated, version = backups.before_migration(path, now=now)
    store = open_store(path, version=version, now=now)
    if 0 < store.migrated_from < HOT_PATH_SCHEMA:
        store_decks.rebuild_aggregates(store)
    if autoload and store_cards.question_count(store) == 0:
        _load_bundled(store, now, local)
    if local is not None:
        backups.daily(store, now=now, local=local)
    if migrated is not None:
        backups.prune(path, keep=settings(store).backups)
    return store


def _load_bundled(store: Store, now: datetime, local: tzinfo | None) -> None:
    from emdrill.ops import decks  # deck parsing is only needed on first use

    # Several commands may start on a new collection at once (`next | grade --batch`): the
    # files are parsed before the write lock, the count is read again under it, so only the
    # first one loads, and the others wait for that load (FIRST_USE_WAIT_MS), not fail.
    files = decks.parse_paths(decks.bundled_paths())
    with store.write(wait_ms=FIRST_USE_WAIT_MS):
        if store_cards.question_count(store) == 0:
            decks.load_parsed(store, files, now=now)
            if local is not None:  # nothing counted yet: count study days in the user's zone
                offset = now.astimezone(local).utcoffset()
                store_cards.count_days_under(
                    store, offset_minutes=int(offset.total_seconds() // 60) if offset else 0)


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
    if key == "leech-lapses":  # which questions are leeches changed: their tallies with it
        store_decks.rebuild_aggregates(store)
    return normal


def deck_summary(store: Store) -> list[tuple[str, str, str, str, int, int]]:
    return store_decks.deck_summary(store)


def question_list(store: Store, *, family: str | None = None,
                  ) -> list[tuple[str, str, str, str, bool]]:
    """(id, deck, family, text, suspended) of every question, or of one family's."""
    if family is not None:
        check_scope(store, SessionScope(family=family))
    return [row for row in store_cards.question_ids(store) if family in (None, row[2])]


def check_scope(store: Store, scope: SessionScope) -> SessionScope:
    """The scope, once its family and deck are known to be loaded; else one clear error."""
    if scope.family is not None:
        names = family_names(store)
        if scope.family not in names:
            raise InputError(f"--family: no family '{scope.family}' (known: "
                             f"{', '.join(names) or 'none loaded'})")
    if scope.deck is not None:
        decks = sorted({row[0] for row in store_decks.deck_summary(store)})
        if scope.deck not in decks:
            raise InputError(f"--deck: no deck '{scope.deck}' (loaded: "
                             f"{', '.join(decks) or 'none'}; see `emdrill deck list`)")
    return scope


# ---------------------------------------------------------------- answers


@dataclass(frozen=True)
class StoryAnswer:
    """What the user said about the story: a slot (1-8) or the system answer, a verdict
    (right/wrong), or unsure."""

    slot: int | None = None  # 1-8, SYSTEM_ANSWER, or None for "not sure"
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
        if value == SYSTEM_WORD:  # spelled out: 9 is only the drill's key for it
            return cls(slot=SYSTEM_ANSWER)
        number = whole_number(value)
        if number is not None and is_slot(number):
            return cls(slot=number)
        raise InputError(f"story '{text[:40]}' is not a slot 1-8, system, 0 (not sure), "
                         "right or wrong")

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
    leech: bool = False  # this answer made the question a leech (`leech-lapses`)


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
    choice: IntentChoice | None = None,
) -> Graded:
    """Grade both facets of one question and commit the review (with the intent `choice`
    it was graded from, when the intent was picked from four)."""
    _check(mode, seconds)
    # One write transaction: the facet state read here is the one this review replaces.
    with store.transaction():
        (lapses, threshold) = store_set_aside.leech_state(store, question_id)
        card, later = store_cards.history_after(store, question_id, clock.now)
        if later:  # a grade is made now: reviews after it mean the clock ran backwards
            clock = review_clock(question_id, later[-1].reviewed_at, clock)
            card, later = store_cards.history_after(store, question_id, clock.now)
        story_rating = story.rating(card)
        saved, after = _commit(store, clock, card, later, intent=intent, story=story_rating,
                               seconds=seconds, mode=mode, fuzz=fuzz, slot_named=story.slot,
                               choice=choice)
        became = (not store_set_aside.is_leech(lapses, threshold)
                  and store_set_aside.is_leech(
                      store_set_aside.leech_state(store, question_id)[0], threshold))
    assert after.intent.due is not None and after.story.due is not None
    return Graded(card, saved.id, intent, story_rating, after.intent.due, after.story.due,
                  leech=became)


def record(
    store: Store,
    clock: Clock,
    question_id: str,
    *,
    intent: Rating | None,
    story: Rating | None,
    mode: str,
    seconds: float | None = None,
    slot_named: int | None = None,
    fuzz: bool = True,
    anki_revlog: int | None = None,
) -> tuple[ReviewRecord, Card]:
    """Record a review made elsewhere (Anki, a JSON import): the given facets at
    `clock.now`, committed. `grade` is the other way in, for an answer made now; both write
    through `_commit`, the one place a review and its facets are stored.

    A facet rated None is left as it was (a review made in Anki grades one facet). When the
    question has reviews later than `clock.now` (an imported review from the past), the review
    is put in its place in time and the later ones are replayed over it with their own
    ratings, so the facets end as if every review had been made in time order. Returns the
    review and the card as it now stands."""
    _check(mode, seconds)
    with store.transaction():  # what it replays over is what it writes
        before, later = store_cards.history_after(store, question_id, clock.now)
        return _commit(store, clock, before, later, intent=intent, story=story, mode=mode,
                       seconds=seconds, slot_named=slot_named, fuzz=fuzz,
                       anki_revlog=anki_revlog)


def _check(mode: str, seconds: float | None) -> None:
    if mode not in MODES:
        raise InputError(f"mode '{mode}' is not one of {', '.join(MODES)}")
    if seconds is not None and not 0 <= seconds <= 86400:
        raise InputError(f"seconds {seconds} is out of range (0 to 86400)")


def _commit(store: Store, clock: Clock, before: Card, later: list[ReviewRecord], *,
            intent: Rating | None, story: Rating | None, mode: str, seconds: float | None,
            slot_named: int | None, fuzz: bool, anki_revlog: int | None = None,
            choice: IntentChoice | None = None) -> tuple[ReviewRecord, Card]:
    """Review `before` (the card as it stood at `clock.now`), replay `later` over it, save.
    While an interview plan is active, the review being made has its due dates brought
    before the interview where waiting would leave it below target; replayed ones do not."""
    prefs = settings(store)
    params = optimize.in_force(store)
    booked = _booked(store, clock)
    state = _review(before, store, clock, prefs, intent=intent, story=story, fuzz=fuzz,
                    parameters=params)
    if booked is not None and booked.scope.covers(before.question):
        state = _toward(state, before, booked.at, prefs, params, intent=intent, story=story,
                        local=clock.local)
    replayed: list[tuple[int, Memory, Memory]] = []
    for review in later:
        replayed.append((review.id, state.intent, state.story))
        state = _review(state, store, Clock(review.reviewed_at, clock.local), prefs,
                        intent=_rating(review.intent_rating),
                        story=_rating(review.story_rating), fuzz=fuzz, parameters=params)
    saved = store_cards.record_review(
        store, before, intent_after=state.intent, story_after=state.story,
        intent_rating=_int(intent), story_rating=_int(story), at=clock.now, mode=mode,
        slot_named=slot_named, seconds=seconds, replayed=replayed, anki_revlog=anki_revlog,
        choice=choice)
    return saved, state


def _review(card: Card, store: Store, clock: Clock, prefs: Settings, *, intent: Rating | None,
            story: Rating | None, fuzz: bool,
            parameters: scheduler.FacetParameters) -> Card:
    """The card after rating its facets at `clock.now`, under its family's schedule then,
    with the FSRS parameters in force (personal ones once `optimize` kept them)."""
    plan = schedule_for(card, store, clock, prefs)

    def one(memory: Memory, rating: Rating | None, params: scheduler.Parameters | None
            ) -> Memory:
        if rating is None:
            return memory
        return scheduler.review(memory, rating, clock.now, local=clock.local,
                                retention=plan.retention, fuzz=fuzz, relearn=plan.relearn,
                                parameters=params)

    return Card(card.question, one(card.intent, intent, parameters.intent),
                one(card.story, story, parameters.story))


def _toward(after: Card, before: Card, at: datetime, prefs: Settings,
            parameters: scheduler.FacetParameters, *, intent: Rating | None,
            story: Rating | None, local: tzinfo) -> Card:
    """The facets just rated, with due dates leaning towards the interview at `at`."""
    from emdrill.core.interview import toward_date

    def one(memory: Memory, rating: Rating | None, params: scheduler.Parameters | None
            ) -> Memory:
        if rating is None:
            return memory
        return toward_date(memory, interview=at, target=prefs.interview_target, local=local,
                           parameters=params)

    return Card(before.question, one(after.intent, intent, parameters.intent),
                one(after.story, story, parameters.story))


def _rating(value: int | None) -> Rating | None:
    return None if value is None else Rating(value)


def _int(rating: Rating | None) -> int | None:
    return None if rating is None else int(rating)


# Two emdrills racing for one question: the later one read "now", then waited for the lock.
CLOCK_SKEW = timedelta(minutes=1)


def review_clock(question_id: str, last: datetime, clock: Clock) -> Clock:
    """The clock a grade made now is dated by, given the question's last review: a clock
    that runs backwards would move the due date back and rewrite history, so it is refused;
    a few seconds behind (a process that waited for another) is dated at that review."""
    if clock.now >= last:
        return clock
    if last - clock.now <= CLOCK_SKEW:
        return replace(clock, now=last)
    raise InputError(f"{question_id} was last reviewed at {last:%Y-%m-%d %H:%M} UTC, after "
                     f"this grade's time ({clock.now:%Y-%m-%d %H:%M} UTC): the clock or "
                     "EMDRILL_NOW runs backwards; nothing was recorded")


def undo(store: Store) -> ReviewRecord:
    return store_cards.undo_last(store)


def undo_review(store: Store, review_id: int) -> ReviewRecord:
    """Undo review `review_id` if it is still the newest one (a drill undoing its own)."""
    with store.transaction():
        newest = store_cards.last_reviews(store, 1)
        if not newest or newest[0].id != review_id:
            raise EmdrillError("cannot undo: another emdrill recorded a review since")
        return store_cards.undo_last(store)


# ---------------------------------------------------------------- queue and status


def _booked(store: Store, clock: Clock) -> Interview | None:
    """The interview whose plan is running now, if any (one small read; the plan's modules
    load only when there is one)."""
    found = store_interview.load_interview(store)
    return found if found is not None and found.active(clock.now) else None


def _today(store: Store, clock: Clock, prefs: Settings) -> Today | None:
    if _booked(store, clock) is None:
        return None
    from emdrill.ops import interview

    return interview.today(store, clock, prefs)


def _outlook(store: Store, clock: Clock, prefs: Settings) -> InterviewOutlook | None:
    if _booked(store, clock) is None:
        return None
    from emdrill.ops import interview

    return interview.outlook(store, clock, prefs)


def todays_allowance(store: Store, clock: Clock, prefs: Settings) -> int:
    """New questions left today: the interview plan's while one is active, else from the
    user's `new-per-day`."""
    day = _today(store, clock, prefs)
    if day is not None:
        return day.allowance
    introduced = store_cards.new_introduced_since(store, clock.day_start())
    return new_allowance(prefs.new_per_day, introduced)


def next_queue(store: Store, clock: Clock, *, limit: int | None = None,
               previous: Card | None = None, exclude: Collection[str] = (),
               weakest_first: bool | None = None, scope: SessionScope | None = None,
               ) -> list[QueueItem]:
    """Exactly what a drill would show now, in order. `exclude` drops ids (a session's
    skips); `weakest_first` overrides the `adaptive` setting for the order (commute);
    `scope` keeps one family's or one deck's questions. Reads only the due rows and the
    first new ones, whatever the size of the collection. While an interview plan is active,
    only questions in its scope come up, new ones in the plan's order, and in the taper the
    questions below target come after the due."""
    prefs = settings(store)
    within = scope or SessionScope()
    day = _today(store, clock, prefs)
    if day is not None:
        return _planned_queue(store, clock, prefs, day, limit=limit, previous=previous,
                              exclude=exclude, weakest_first=weakest_first, scope=within)
    allowance = todays_allowance(store, clock, prefs)
    weak = ordering_weakness(store, clock, prefs, weakest_first)
    keys = {family: due_order_key(weak, family) for family in weak} if weak else {}
    fresh = [c for c in _fresh(store, allowance + len(exclude), within, weak_families(weak),
                               now=clock.now)
             if c.id not in exclude] if allowance else []
    for due, complete in _due_reads(store, clock.now, keys, exclude=exclude, scope=within,
                                    limit=limit):
        items = build_queue(due, fresh, allowance=allowance, weakness=weak, previous=previous,
                            limit=limit)
        if complete or _settled(items, previous, limit):
            break
    full = store_cards.cards_by_id(store, [i.card.id for i in items if not i.new])
    return [i if i.new else QueueItem(full[i.card.id], False) for i in items]


# Each family's window holds this many more rows than the queue shows: a card is skipped
# for another of its family only when it is a sibling of the card before, and a card has
# at most a handful of siblings (see decks/CONTRIBUTING.md).
FAMILY_SLACK = 8


def _due_reads(store: Store, now: datetime, keys: dict[str, float], *,
               exclude: Collection[str], scope: SessionScope, limit: int | None,
               ) -> Iterator[tuple[list[Card], bool]]:
    """Due rows to build the queue from, smallest read first: each time the queue built
    from them cannot be shown to be the one a full read gives (`_settled`), a wider read
    follows, and last every due row (`True`: complete).

    Weakest family first (`keys`): each family's most overdue rows by an index range,
    family by family in queue order, until the families after the first hold a queue's
    worth, then the rest of the families. Plain due order: a window of the most overdue
    rows, then every due row."""
    def read(limit: int | None = None, family: str | None = None,
             order: Mapping[str, float] = keys) -> list[Card]:
        return store_cards.due_entries(store, now, family_keys=order, exclude=exclude,
                                       limit=limit, family=family or scope.family,
                                       deck=scope.deck)

    if limit is not None and limit <= 1_000_000:  # past that, every due row
        if keys and scope.family is None:
            window = limit + FAMILY_SLACK
            rows: list[Card] = []
            # `keys` holds every loaded family (weakness scores each); families of one
            # weakness interleave by due, so a whole group is read before judging
            for _key, group in groupby(sorted(keys, key=lambda f: (keys[f], f)),
                                       key=lambda f: keys[f]):
                for family in group:
                    rows += read(window, family, order={})
                later = sum(1 for c in rows if c.family != rows[0].family) if rows else 0
                if later >= limit:
                    yield rows, False
            # Every family's window read: no more is needed. A family's row past its window
            # comes after the window's rows, so it is shown only when all of them were passed
            # over as siblings of the card before, and a window holds more than that.
            yield rows, True
            return
        else:
            window = limit * 10 + 50
            rows = read(window)
            yield rows, len(rows) < window
    yield read(), True


def _settled(items: list[QueueItem], previous: Card | None, limit: int | None) -> bool:
    """Whether a queue built from a partial read is the one every due row gives: it filled
    its due places before running out of rows, and shows no same-family or sibling pair
    (which an unread row might have broken up)."""
    shown_due = sum(1 for i in items if not i.new)
    return shown_due == limit and not has_clash(items, previous)


def _fresh(store: Store, count: int, scope: SessionScope, weak: set[str], *,
           now: datetime) -> list[Card]:
    """The first `count` new questions in the order they are introduced: `new_order`, a weak
    family's widened (`widen_new`). Reads `count` rows, and as many per weak family."""
    if scope.family is not None:
        weak = weak & {scope.family}
    ranked = store_cards.new_ranked(store, count, now=now, family=scope.family,
                                    deck=scope.deck, skip_families=weak)
    for family in sorted(weak):
        ranked += store_cards.new_ranked(store, count, now=now, family=family, deck=scope.deck)
    return widen_new(ranked, weak)[:count]


def _planned_queue(store: Store, clock: Clock, prefs: Settings, day: Today, *,
                   limit: int | None, previous: Card | None, exclude: Collection[str],
                   weakest_first: bool | None, scope: SessionScope) -> list[QueueItem]:
    """`next_queue` while an interview plan is active: the in-scope due questions, the
    plan's new ones in its order, and the taper (of the session's `scope` too)."""
    weak = ordering_weakness(store, clock, prefs, weakest_first)
    keys = {family: due_order_key(weak, family) for family in weak} if weak else {}
    due = [c for c in store_cards.due_entries(store, clock.now, family_keys=keys,
                                              exclude=exclude, family=scope.family,
                                              deck=scope.deck) if c.id in day.scope]
    taper = tuple(c for c in day.queue.taper if c.id not in exclude and scope.includes(c))
    # every new question only when the plan may bring later days' ahead (nothing else
    # waits but the card before); else the day's allowance, and one for the card before
    ahead = day.queue.ahead and len(due) + len(taper) <= 1
    from emdrill.ops import interview

    fresh = interview.fresh_cards(
        store, day, want=None if ahead else day.allowance + 1,
        keep=lambda c: (c.id not in exclude and scope.includes(c) and not c.question.suspended
                        and not c.question.set_aside(clock.now)))
    items = build_queue(due, fresh, allowance=day.allowance, weakness=weak, previous=previous,
                        limit=limit, plan=replace(day.queue, taper=taper))
    full = store_cards.cards_by_id(store, [i.card.id for i in items if not i.new])
    return [i if i.new else QueueItem(full[i.card.id], False) for i in items]


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
    interview: InterviewOutlook | None = None  # the countdown, while a plan is active
    offer_optimize: bool = False  # enough new history to fit personal parameters


def status(store: Store, clock: Clock) -> Status:
    """Counts for the home screen; while an interview plan is active, due and new count the
    questions in its scope, and the countdown comes along."""
    prefs = settings(store)
    counts = store_cards.counts(store, clock.now)
    outlook = _outlook(store, clock, prefs)
    due, new, next_due = counts.due, counts.new, counts.next_due
    allowance = todays_allowance(store, clock, prefs)  # the day plan's, as the queue's
    if outlook is not None:
        scope = outlook.interview.scope
        cards = [c for c in store_cards.load_cards(store) if scope.covers(c.question)]
        due = sum(1 for c in cards if not c.is_new and c.due <= clock.now)
        new = sum(1 for c in cards if c.is_new)
        next_due = min((c.due for c in cards if not c.is_new and c.due > clock.now),
                       default=None)
    return Status(
        due=due,
        new_today=min(allowance, new),
        reviews_today=store_cards.reviews_since(  # not reviews dated in a later day
            store, clock.day_start(), until=clock.day_start(clock.now + timedelta(days=1))),
        streak=current_streak(store, clock),
        questions=counts.questions,
        next_due=next_due,
        interview=outlook,
        offer_optimize=optimize.offer(store),
    )


def current_streak(store: Store, clock: Clock) -> int:
    days = store_cards.study_days(store, offset_minutes=clock.utc_offset_minutes())
    return streak(days, today=clock.day_number())
