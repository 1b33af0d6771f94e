"""A drill or commute session: what to show next, answering, undo, skip, the summary.

No terminal I/O here. Time comes from a `now` callable so tests can move it by hand;
the CLI passes the start time (EMDRILL_NOW or the system clock) plus elapsed monotonic time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from emdrill.core import scheduler
from emdrill.core.advice import BacklogOutlook
from emdrill.core.cards import Card
from emdrill.core.decode import IntentChoice
from emdrill.core.order import QueueItem, SessionScope, crowded, practice_queue
from emdrill.core.scheduler import Memory, Rating
from emdrill.core.timing import Clock
from emdrill.ops import advice, decode, grading, interview, queueing, set_aside
from emdrill.ops.answer_context import AnswerContext, answer_context
from emdrill.ops.grading import Graded, StoryAnswer
from emdrill.ops.kept import KeptQueue
from emdrill.store import card_reads
from emdrill.store.db import Store

MAX_SHOWS = 3  # per question and session: a question missed in a drill returns at most twice
PRACTICE_ROUND = 10  # answers in a commute begun with nothing due and no --cards
# widen: a weak family's unseen question in practice; contrast: a confused pair's other half
KINDS = ("due", "new", "practice", "widen", "contrast")


@dataclass(frozen=True)
class Pick:
    card: Card
    kind: str  # one of KINDS


@dataclass(frozen=True)
class Answer:
    graded: Graded
    kind: str
    seconds: float

    @property
    def intent_recalled(self) -> bool:
        return self.graded.intent_rating != Rating.AGAIN

    @property
    def story_right(self) -> bool:
        return self.graded.story_rating != Rating.AGAIN


@dataclass(frozen=True)
class FamilyScore:
    family: str
    answered: int
    intent_recalled: int
    story_right: int


@dataclass(frozen=True)
class Summary:
    answered: int
    elapsed: timedelta
    intent_recall: float | None
    story_accuracy: float | None
    families: list[FamilyScore]
    next_due: datetime | None
    outlook: BacklogOutlook | None = None  # what is still due in the session's scope, the next step


@dataclass
class Session:
    store: Store
    clock: Callable[[], Clock]
    mode: str = "drill"  # or "commute"
    minutes: float | None = None
    max_cards: int | None = None
    scope: SessionScope = field(default_factory=SessionScope)
    answers: list[Answer] = field(default_factory=list)
    skipped: set[str] = field(default_factory=set)
    started: datetime | None = None
    # Questions suspended in this session (`!`): how many answers there were by then, the
    # pick, and its flags before, so `u` can put them back.
    suspended: list[tuple[int, Pick, set_aside.Flags]] = field(default_factory=list)
    # A commute without --cards begun with nothing due or new: a round of practice.
    practice_round: bool = False
    # What the card on screen was picked with: its keys are labelled and it is graded with
    # it (`AnswerContext`); read again for each pick.
    context: AnswerContext | None = field(default=None, repr=False)
    # The queue's rows, kept between answers as Anki keeps its queue: told of each write the
    # session makes, read afresh after any other (`ops.kept`).
    kept: KeptQueue = field(default_factory=KeptQueue, repr=False)

    def __post_init__(self) -> None:
        self.started = self.clock().now
        if self.mode == "commute" and self.max_cards is None:
            self.practice_round = not self._queue_now(limit=1)

    # ------------------------------------------------------------ time

    def elapsed(self) -> timedelta:
        assert self.started is not None
        return self.clock().now - self.started

    def time_left(self) -> timedelta | None:
        if self.minutes is None:
            return None
        return max(timedelta(0), timedelta(minutes=self.minutes) - self.elapsed())

    def finished(self) -> bool:
        """Time is up or the card limit is reached; checked only between cards."""
        left = self.time_left()
        if left is not None and left <= timedelta(0):
            return True
        if self.practice_round:
            return len(self.answers) >= PRACTICE_ROUND
        return self.max_cards is not None and len(self.answers) >= self.max_cards

    def cards_left(self) -> int | None:
        """A commute's answers still to give, the card on screen included: up to --cards N;
        without it, the due and today's new questions in scope, counted again each time (a
        missed question that comes due again counts), or what is left of a practice round.
        None in a drill (its clock says what is left)."""
        if self.mode != "commute":
            return None
        done = len(self.answers)
        if self.max_cards is not None:
            return max(0, self.max_cards - done)
        if self.practice_round:
            return max(0, PRACTICE_ROUND - done)
        return len(self._queue_now())

    def _excluded(self) -> set[str]:
        return (self.skipped | {qid for qid, n in self.shown().items() if n >= MAX_SHOWS}
                | {pick.card.id for _n, pick, _f in self.suspended})

    def _queue_now(self, limit: int | None = None) -> list[QueueItem]:
        return queueing.next_queue(self.store, self.clock(), limit=limit,
                                   exclude=self._excluded(), weakest_first=True,
                                   scope=self.scope, kept=self.kept)

    # ------------------------------------------------------------ choosing

    def next_pick(self) -> Pick | None:
        """Due (including learning steps that came due during the session), then new, then
        practice on the shakiest questions of the weakest families, widened to their unseen
        questions; a confused partner comes first, one card after its pair (see ops.decode).
        No question is shown more than MAX_SHOWS times in one session, and no family takes
        more than MAX_SHARE of the answers while another family has work (`crowded`).
        A commute without --cards ends when nothing is due or new: it does not practice,
        unless it began with nothing to do (`practice_round`)."""
        self.context = self.kept.sync(self.store, self.clock().now).context(self.store)
        shown = self.shown()
        exclude = self._excluded()
        full = crowded(Counter(a.graded.card.family for a in self.answers))
        held = exclude | self._family_ids(full) if full else exclude
        for skip in ([held, exclude] if full else [exclude]):
            pick = self._contrast(skip) or self._queued(skip)
            if pick is not None:
                return pick
        if self.mode == "commute" and self.max_cards is None and not self.practice_round:
            return None  # everything due is answered: the commute is done
        for skip in ([held, exclude] if full else [exclude]):
            pick = self._practice(skip, shown)
            if pick is not None:
                return pick
        return None

    def _family_ids(self, families: set[str]) -> set[str]:
        # which question is in which family changes only with a load or an import, never
        # with an answer: read once while only answers are written (`Store.memo`)
        every = self.store.memo("question families", lambda: tuple(
            (qid, family) for qid, _deck, family, _text, _off
            in card_reads.question_ids(self.store)))
        return {qid for qid, family in every if family in families}

    def _contrast(self, exclude: set[str]) -> Pick | None:
        contrast = decode.contrast_card(self.store, [a.graded.card.id for a in self.answers],
                                        exclude=exclude, scope=self.scope)
        return None if contrast is None else Pick(contrast, "contrast")

    def _queued(self, exclude: set[str]) -> Pick | None:
        # Commute always leads with the weakest families; the drill does when adaptive is on.
        weakest_first = True if self.mode == "commute" else None
        previous = self.answers[-1].graded.card if self.answers else None
        items = queueing.next_queue(self.store, self.clock(), limit=1, previous=previous,
                                    exclude=exclude, weakest_first=weakest_first,
                                    scope=self.scope, context=self._context(),
                                    kept=self.kept)
        return Pick(items[0].card, "new" if items[0].new else "due") if items else None

    def _practice(self, exclude: set[str], shown: Counter[str]) -> Pick | None:
        clock = self.clock()
        weakest_first = True if self.mode == "commute" else None
        previous = self.answers[-1].graded.card if self.answers else None
        context = self._context()
        weakness = context.ordering(clock.now, weakest_first)
        every = card_reads.load_cards(self.store)
        held = interview.held_now(self.store, clock, every)  # the exam pool stays unseen
        cards = [c for c in every
                 if self.scope.includes(c) and c.id not in exclude and c.id not in held]
        recent = {a.graded.card.id for a in self.answers[-3:]}
        # Not one of the last three answers, unless the scope holds nothing else.
        for pool in ([c for c in cards if c.id not in recent], cards):
            practice = practice_queue(pool, now=clock.now, limit=1, previous=previous,
                                      shown=shown, widen=True, weakness=weakness,
                                      parameters=context.parameters, local=clock.local)
            if practice:
                return Pick(practice[0].card, "widen" if practice[0].new else "practice")
        return None

    def shown(self) -> Counter[str]:
        """How often each question was answered in this session."""
        return Counter(a.graded.card.id for a in self.answers)

    def intervals(self, card: Card) -> dict[Rating, timedelta]:
        """What each intent grade would schedule next (no fuzz), to label the keys: under
        the context the grade will use."""
        clock = self.clock()
        outcomes = grading.key_preview(card, clock, self._context())
        return {r: _wait(m, clock) for r, m in outcomes.items()}

    def _context(self) -> AnswerContext:
        if self.context is None:
            self.context = answer_context(self.store)
        return self.context

    # ------------------------------------------------------------ answering

    def answer(self, pick: Pick, *, intent: Rating, story: StoryAnswer,
               seconds: float, choice: IntentChoice | None = None) -> Answer:
        """Grade and commit before anything else is shown (with the intent `choice`, when
        the intent was picked from four)."""
        mode = "practice" if pick.kind in ("practice", "widen") else self.mode
        before = self.store.version()
        graded = grading.grade(self.store, self.clock(), pick.card.id, intent=intent,
                               story=story, seconds=round(seconds, 1), mode=mode,
                               choice=choice, context=self.context)
        self.kept.wrote(self.store, [pick.card.id], before)
        self.context = None  # the tallies moved
        result = Answer(graded, pick.kind, seconds)
        self.answers.append(result)
        return result

    def skip(self, pick: Pick) -> None:
        self.skipped.add(pick.card.id)

    def suspend(self, pick: Pick) -> None:
        """Suspend the question on screen (`!`): out of every drill until `unsuspend`."""
        before = set_aside.flags(self.store, pick.card.id, self.clock().now)
        version = self.store.version()
        set_aside.suspend(self.store, [pick.card.id])
        self.kept.wrote(self.store, [pick.card.id], version)
        self.suspended.append((len(self.answers), pick, before))

    def last_action(self) -> str | None:
        """What `undo` would take back: "suspend", "answer" or None."""
        if self.suspended and self.suspended[-1][0] == len(self.answers):
            return "suspend"
        return "answer" if self.answers else None

    def undo(self) -> Pick | None:
        """Revert this session's last action; returns its card so it can be shown again.
        A suspension made after the last answer is lifted first (the question's flags go
        back as they were, a bury included); then answers, newest first."""
        self.context = None  # what it changes, the next card is labelled from anew
        version = self.store.version()
        if self.last_action() == "suspend":
            _n, pick, before = self.suspended.pop()
            set_aside.restore(self.store, pick.card.id, before)
            self.kept.wrote(self.store, [pick.card.id], version)
            return Pick(card_reads.load_card(self.store, pick.card.id), pick.kind)
        if not self.answers:
            return None
        last = self.answers[-1]
        grading.undo_review(self.store, last.graded.review_id)
        self.kept.wrote(self.store, [last.graded.card.id], version)
        self.answers.pop()
        return Pick(card_reads.load_card(self.store, last.graded.card.id), last.kind)

    # ------------------------------------------------------------ the end

    def summary(self) -> Summary:
        families: dict[str, list[Answer]] = {}
        for a in self.answers:
            families.setdefault(a.graded.card.family, []).append(a)
        scores = [FamilyScore(f, len(v), sum(a.intent_recalled for a in v),
                              sum(a.story_right for a in v)) for f, v in families.items()]
        count = len(self.answers)
        counts = card_reads.counts(self.store, self.clock().now, family=self.scope.family,
                                    deck=self.scope.deck, earliest=True)
        return Summary(
            answered=count,
            elapsed=self.elapsed(),
            intent_recall=sum(a.intent_recalled for a in self.answers) / count if count else None,
            story_accuracy=sum(a.story_right for a in self.answers) / count if count else None,
            families=sorted(scores, key=lambda s: -s.answered),
            next_due=counts.earliest_due,
            outlook=advice.outlook(self.store, self.clock(), due=counts.due) if count else None,
        )


def _wait(memory: Memory, clock: Clock) -> timedelta:
    """How long until `memory` is due: whole study days for a review-state due date (due
    from the start of its day, so "2d" however late in the day the answer is), the exact
    time for a learning step."""
    due = memory.due or clock.now
    days = clock.day_number(due) - clock.day_number()
    if memory.state == scheduler.REVIEW and days >= 1:
        return timedelta(days=days)
    return due - clock.now
