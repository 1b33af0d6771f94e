"""What decoding changes, on a simulated learner who confuses one pair of intents.

The learner (built on `simulation.Learner`'s memory model, with no weak family):
- for every question but the pair, recalls the intent with its memory's chance; decoding, a
  recalled intent is picked right and a forgotten one is a guess among the four;
- for the pair (A, B), while the other's intent is on offer, picks it with chance
  `confusion` (it was never learnt which is which). Self-grading, the learner recalls the
  wrong intent with that same chance and, being generous, still grades it Good with chance
  `generous`, so nothing is stored and nothing changes;
- seeing both intents side by side after a wrong pick multiplies `confusion` by
  `side_by_side`; answering one of the pair right one card after the other (the drill's
  interleaving, a "contrast" pick) multiplies it by `contrast`.
Each day runs one real drill session (`ops.drill.Session`, `max_cards` answers `seconds`
apart) on a throwaway collection with a clock moved by hand; picks go through
`ops.decode.offer` and `Session.answer`, exactly as on screen; `shaky` is read after each
drill. Dice depend only on the seed, the question and the answer's number.
"""

from __future__ import annotations

import random
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from emdrill.core.cards import Card
from emdrill.core.decode import pick_rating
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import decks, decode, opening
from emdrill.ops import stats as stats_ops
from emdrill.ops.drill import Pick, Session
from emdrill.ops.grading import StoryAnswer
from emdrill.ops.simulation import START, Learner
from emdrill.store import setting_rows
from emdrill.store.db import Store

PAIR = ("decisions-unpopular", "decisions-difficult")  # the method's key example


@dataclass
class Confuser:
    pair: tuple[str, str] = PAIR
    confusion: float = 0.8
    generous: float = 0.7
    side_by_side: float = 0.5
    contrast: float = 0.7
    memory: Learner = field(default_factory=lambda: Learner(weak_family=""))

    def partner(self, question_id: str) -> str | None:
        a, b = self.pair
        return b if question_id == a else a if question_id == b else None


@dataclass(frozen=True)
class Run:
    decode: bool
    seed: int
    in_shaky: list[int]  # after each drill: wrong picks of the pair that `shaky` lists
    told_apart: bool  # at the end, `shaky` says the pair has been told apart since
    shown: int  # answers to either question of the pair
    contrasts: int  # partner brought back one card after the other
    confusion_left: float  # the learner's chance of mixing them up at the end

    @property
    def first_drill(self) -> int | None:
        return next((day + 1 for day, n in enumerate(self.in_shaky) if n), None)


@dataclass
class _Clock:
    now: datetime

    def __call__(self) -> Clock:
        return Clock(now=self.now, local=UTC)


def _dice(seed: int, question_id: str, nth: int) -> random.Random:
    return random.Random(f"{seed}:{question_id}:{nth}")


def _decode_answer(session: Session, pick: Pick, learner: Confuser, dice: random.Random,
                   now: datetime) -> bool:
    """Pick from the four as the learner would; True when the pick was right."""
    card = pick.card
    offer = decode.offer(session.store, card, rng=dice)
    ids = [q.id for q in offer.shown]
    partner = learner.partner(card.id)
    if partner in ids and dice.random() < learner.confusion:
        index = ids.index(partner)
    elif dice.random() < learner.memory.chance(card.id, "intent", now):
        index = offer.right_index
    else:
        index = dice.randrange(len(ids))
    choice = offer.choice(index, 20.0)
    session.answer(pick, intent=offer.rating(choice), story=_story(learner, card, dice, now),
                   seconds=25.0, choice=choice)
    if not choice.right and partner is not None and choice.picked == partner:
        learner.confusion *= learner.side_by_side
    return choice.right


def _self_graded(session: Session, pick: Pick, learner: Confuser, dice: random.Random,
                 now: datetime) -> bool:
    card = pick.card
    mixed_up = learner.partner(card.id) is not None and dice.random() < learner.confusion
    recalled = not mixed_up and dice.random() < learner.memory.chance(card.id, "intent", now)
    if mixed_up:
        rating = Rating.GOOD if dice.random() < learner.generous else Rating.AGAIN
    else:
        rating = pick_rating(recalled, None, words_shown=0)
    session.answer(pick, intent=rating, story=_story(learner, card, dice, now), seconds=25.0)
    return recalled


def _story(learner: Confuser, card: Card, dice: random.Random, now: datetime) -> StoryAnswer:
    return StoryAnswer(verdict=dice.random() < learner.memory.chance(card.id, "story", now))


def _drill(store: Store, learner: Confuser, *, now: datetime, answers: int, seed: int,
           decoding: bool, tally: Counter[str]) -> None:
    clock = _Clock(now)
    session = Session(store, clock, mode="drill", max_cards=answers)
    while not session.finished():
        pick = session.next_pick()
        if pick is None:
            return
        dice = _dice(seed, pick.card.id, tally[pick.card.id])
        play = _decode_answer if decoding else _self_graded
        right = play(session, pick, learner, dice, clock.now)
        learner.memory.learn(pick.card.id, pick.card.family, "intent", right, clock.now)
        learner.memory.learn(pick.card.id, pick.card.family, "story", True, clock.now)
        tally[pick.card.id] += 1
        if learner.partner(pick.card.id) is not None:
            tally["pair"] += 1
            if pick.kind == "contrast":
                tally["contrast"] += 1
                if right:
                    learner.confusion *= learner.contrast
        clock.now += timedelta(seconds=25)


def _pair_in_shaky(store: Store, learner: Confuser, now: datetime) -> tuple[int, bool]:
    """Wrong picks of the pair that `shaky --limit 100` lists; whether all are told apart."""
    listed = [c for c in stats_ops.shaky(store, Clock(now=now, local=UTC), limit=100).confusions
              if {c.question.id, c.mistaken_for.id} == set(learner.pair)]
    return sum(c.count for c in listed), bool(listed) and all(c.told_apart for c in listed)


def run(paths: Sequence[Path], *, decoding: bool, days: int = 3, answers: int = 12,
        new_per_day: int = 10, seed: int = 1, model: Confuser | None = None,
        start: datetime = START) -> Run:
    learner = Confuser() if model is None else Confuser(
        model.pair, model.confusion, model.generous, model.side_by_side, model.contrast)
    in_shaky: list[int] = []
    settled = False
    tally: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="emdrill-decode-sim-") as home:
        store = opening.open_collection(Path(home) / "emdrill.db", now=start,
                                        autoload=False)
        try:
            decks.load_paths(store, list(paths), now=start)
            setting_rows.save_setting(store, "new-per-day", str(new_per_day))
            for day in range(days):
                now = start + timedelta(days=day)
                _drill(store, learner, now=now, answers=answers, seed=seed,
                       decoding=decoding, tally=tally)
                count, settled = _pair_in_shaky(store, learner, now + timedelta(hours=1))
                in_shaky.append(count)
        finally:
            store.close()
    return Run(decoding, seed, in_shaky, settled, tally["pair"], tally["contrast"],
               learner.confusion)
