"""`emdrill exam` against the store: the questions to ask, and the answers recorded.

An exam asks questions the user has never answered, as a decode: the intent among four,
then the story slot. Its answers are recorded as the questions' first reviews (mode 'exam',
so they stay apart from drill answers in the history and the pace), because the user has
now seen them; and the sitting is stored with each result (`store.exams`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from emdrill.core.cards import Card
from emdrill.core.exam import Exam, ExamAnswer, choose, new_wordings_first
from emdrill.core.groups import intent_groups
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import decode, grading, interview
from emdrill.ops.decode import Offer
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads
from emdrill.store import exams as store_exams
from emdrill.store import interview as store_interview
from emdrill.store.db import Store


@dataclass(frozen=True)
class Reply:
    """One question's answer: the option picked (0-3) and the slot named (None: not sure)."""

    index: int
    slot: int | None


def in_scope(store: Store, clock: Clock) -> list[Card]:
    """The questions an exam may ask: the active interview plan's scope, else every one."""
    cards = card_reads.load_cards(store)
    booked = store_interview.load_interview(store)
    if booked is None or not booked.active(clock.now):
        return cards
    return [c for c in cards if booked.scope.covers(c.question)]


def prepare(store: Store, clock: Clock, *, count: int, rng: random.Random) -> list[Offer]:
    """Up to `count` never-answered questions, spread over the families in scope, each with
    its four intents in random order; the plan's exam pool first (`interview.held_now`).
    The exam the plan's step asks for (`interview.step_exam`) takes new wordings of
    intents already drilled first (the pool's first among them): what it measures is how
    far a decoded intent carries to a wording never seen."""
    cards = in_scope(store, clock)
    answered = store_exams.answered_ids(store)
    held = interview.held_now(store, clock, cards)
    pool = [c for c in cards if c.id in held]
    rest = [c for c in cards if c.id not in held]
    parts = [pool, rest]
    if interview.step_exam(store, clock):
        groups = intent_groups(c.question for c in cards)
        seen = [c.id for c in cards if not c.is_new]
        (pool_known, pool), (rest_known, rest) = (
            new_wordings_first(part, groups=groups, seen=seen) for part in (pool, rest))
        parts = [pool_known, rest_known, pool, rest]
    chosen: list[Card] = []
    for part in parts:
        chosen += choose(part, answered=answered, count=count - len(chosen), rng=rng)
    return [decode.offer(store, card, rng=rng) for card in chosen]


def record(store: Store, clock: Clock, offers: Sequence[Offer],
           replies: Sequence[Reply]) -> Exam:
    """Every answer as a first review (mode 'exam') and the sitting, all in one write."""
    answers, picked, slots, reviews = [], [], [], []
    with store.transact("record an exam") as con:
        for offer, reply in zip(offers, replies, strict=True):
            choice = offer.choice(reply.index, None)
            graded = grading.grade(store, clock, offer.card.id, intent=offer.rating(choice),
                                   story=StoryAnswer(slot=reply.slot), mode="exam",
                                   choice=choice)
            answers.append(ExamAnswer(offer.card.id, offer.card.family, choice.right,
                                      graded.story_rating != Rating.AGAIN))
            picked.append(choice.picked)
            slots.append(reply.slot)
            reviews.append(graded.review_id)
        exam = Exam(clock.now, tuple(answers))
        store_exams.save_exam(con, exam, picked=picked, slots=slots, reviews=reviews)
    return exam


def history(store: Store) -> list[Exam]:
    return store_exams.exams(store)
