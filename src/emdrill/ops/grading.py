"""Answers: what the user said about the story (`StoryAnswer`), grading both facets now,
recording a review made elsewhere (replaying later ones over it), the clock a grade is dated
by, and undo.

Each takes the store and a `Clock` read once at the edge; nothing here reads the system clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from emdrill.core import scheduler
from emdrill.core.cards import MODES, SYSTEM_ANSWER, SYSTEM_WORD, Card, ReviewRecord, is_slot
from emdrill.core.errors import EmdrillError, InputError
from emdrill.core.interview import toward_date
from emdrill.core.numbers import whole_number
from emdrill.core.scheduler import Memory, Rating
from emdrill.core.settings import Settings
from emdrill.core.timing import Clock
from emdrill.ops.answer_context import AnswerContext, answer_context
from emdrill.ops.opening import settings
from emdrill.store import review_log
from emdrill.store.db import Store

if TYPE_CHECKING:
    from emdrill.core.decode import IntentChoice

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


def key_preview(card: Card, clock: Clock, context: AnswerContext) -> dict[Rating, Memory]:
    """The intent facet after each rating at `clock.now`, without fuzz: what the keys are
    labelled with, under the schedule and parameters the grade will use (`context`)."""
    plan = context.schedule(card.family, clock.now)
    return scheduler.preview(card.intent, clock.now, local=clock.local,
                             retention=plan.retention, relearn=plan.relearn,
                             parameters=context.parameters.intent)


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
    context: AnswerContext | None = None,
) -> Graded:
    """Grade both facets of one question and commit the review (with the intent `choice`
    it was graded from, when the intent was picked from four). `context`: what the keys
    were labelled from, used as it is unless the file changed since it was read."""
    _check(mode, seconds)
    # One write transaction: the facet state read here is the one this review replaces.
    with store.transact("grade", answer=True):
        held = context if context is not None and context.fresh(store) else answer_context(store)
        card, later = review_log.history_after(store, question_id, clock.now)
        if later:  # a grade is made now: reviews after it mean the clock ran backwards
            clock = review_clock(question_id, later[-1].reviewed_at, clock)
            card, later = review_log.history_after(store, question_id, clock.now)
        story_rating = story.rating(card)
        saved, after = _commit(store, clock, held, card, later, intent=intent,
                               story=story_rating, seconds=seconds, mode=mode, fuzz=fuzz,
                               slot_named=story.slot, choice=choice)
    assert after.intent.due is not None and after.story.due is not None
    return Graded(card, saved.record.id, intent, story_rating, after.intent.due,
                  after.story.due, leech=saved.became_leech)


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
    with store.transact("record a review"):  # what it replays over is what it writes
        before, later = review_log.history_after(store, question_id, clock.now)
        saved, after = _commit(store, clock, answer_context(store), before, later,
                               intent=intent, story=story, mode=mode, seconds=seconds,
                               slot_named=slot_named, fuzz=fuzz, anki_revlog=anki_revlog)
        return saved.record, after


def _check(mode: str, seconds: float | None) -> None:
    if mode not in MODES:
        raise InputError(f"mode '{mode}' is not one of {', '.join(MODES)}")
    if seconds is not None and not 0 <= seconds <= 86400:
        raise InputError(f"seconds {seconds} is out of range (0 to 86400)")


def _commit(store: Store, clock: Clock, context: AnswerContext, before: Card,
            later: list[ReviewRecord], *, intent: Rating | None, story: Rating | None,
            mode: str, seconds: float | None, slot_named: int | None, fuzz: bool,
            anki_revlog: int | None = None, choice: IntentChoice | None = None,
            ) -> tuple[review_log.Recorded, Card]:
    """Review `before` (the card as it stood at `clock.now`, read in this transaction),
    replay `later` over it, save. While an interview plan is active, the review being made
    has its due dates brought before the interview where waiting would leave it below
    target; replayed ones do not."""
    params = context.parameters
    running = context.booked(clock.now)
    state = _review(before, context, clock, intent=intent, story=story, fuzz=fuzz)
    if running is not None and running.scope.covers(before.question):
        state = _toward(state, before, running.at, context.prefs, params, intent=intent,
                        story=story, local=clock.local)
    replayed: list[tuple[int, Memory, Memory]] = []
    for review in later:
        replayed.append((review.id, state.intent, state.story))
        state = _review(state, context, Clock(review.reviewed_at, clock.local),
                        intent=_rating(review.intent_rating),
                        story=_rating(review.story_rating), fuzz=fuzz)
    saved = review_log.record_review(
        store, before, intent_after=state.intent, story_after=state.story,
        intent_rating=_int(intent), story_rating=_int(story), at=clock.now, mode=mode,
        slot_named=slot_named, seconds=seconds, replayed=replayed, anki_revlog=anki_revlog,
        choice=choice, leech_lapses=context.prefs.leech_lapses)
    return saved, state


def _review(card: Card, context: AnswerContext, clock: Clock, *, intent: Rating | None,
            story: Rating | None, fuzz: bool) -> Card:
    """The card after rating its facets at `clock.now`, under its family's schedule then,
    with the FSRS parameters in force (personal ones once `optimize` kept them)."""
    plan = context.schedule(card.family, clock.now)
    parameters = context.parameters

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
    """Undo the newest review, with the leech threshold of the settings in force (read once
    and kept while only answers are written, as a grade's are)."""
    return review_log.undo_last(store, leech_lapses=settings(store).leech_lapses)


def undo_review(store: Store, review_id: int) -> ReviewRecord:
    """Undo review `review_id` if it is still the newest one (a drill undoing its own)."""
    with store.transact("undo", answer=True):
        newest = review_log.last_reviews(store, 1)
        if not newest or newest[0].id != review_id:
            raise EmdrillError("cannot undo: another emdrill recorded a review since")
        return review_log.undo_last(store, leech_lapses=settings(store).leech_lapses)
