"""Intent decoding: four candidate intents, the grade a pick earns, and telling two apart.

Pure functions of the questions they are given. The rivals for a question are the ones it is
most easily confused with: intents the user has already mistaken it for, then its siblings
(same-sounding questions the deck links), then its family, then similar wording anywhere.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from emdrill.core.cards import Question
from emdrill.core.scheduler import Rating

OPTIONS = 4  # the question's own intent and three rivals
LETTERS = "abcd"
READ_WORDS_PER_SECOND = 4.0  # about 240 words a minute, reading to choose
HESITATION_SECONDS = 10.0  # beyond reading time, a right pick this slow is graded Hard
TOLD_APART = 2  # right picks in a row, with the rival on offer, that settle a confusion

_WORD = re.compile(r"[a-z][a-z']+")
_STOP_WORDS = (
    "about after all also and any are been before being but can could did does doing done "
    "for from had has have how into its just more most not one our out over own some such "
    "than that the their them then there these they this those through time too under very "
    "was were what when where which who why will with would you your tell describe give "
    "example share talk walk"
)
_STOP = frozenset(_STOP_WORDS.split())


def words(text: str) -> list[str]:
    """Content words in order of appearance: lower case, no stop words, 's dropped."""
    found = (w.removesuffix("'s").strip("'") for w in _WORD.findall(text.lower()))
    return [w for w in found if len(w) > 2 and "'" not in w and w not in _STOP]


def similarity(a: str, b: str) -> float:
    """Share of content words two texts have in common (Jaccard), 0 to 1."""
    left, right = _word_set(a), _word_set(b)
    return len(left & right) / len(left | right) if left | right else 0.0


@lru_cache(maxsize=4096)
def _word_set(text: str) -> frozenset[str]:
    """A text's content words, kept: ranking one question's rivals compares its text with
    every other question's, once per card offered."""
    return frozenset(words(text))


def _siblings(question: Question, pool: Iterable[Question]) -> set[str]:
    """Siblings either way round: a deck may name the link on one card only."""
    return set(question.siblings) | {q.id for q in pool if question.id in q.siblings}


def rivals(question: Question, pool: Sequence[Question], *, confused: Sequence[str] = (),
           count: int = OPTIONS - 1) -> list[Question]:
    """The `count` questions whose intents are most easily taken for this one's, best first:
    past confusions (most frequent first), siblings, the family, then similar wording.
    Suspended questions and rivals whose intent reads the same are left out."""
    mine = question.intent.strip().lower()
    others = [q for q in pool if q.id != question.id and not q.suspended
              and q.intent.strip().lower() != mine]
    siblings = _siblings(question, others)
    order = {qid: i for i, qid in enumerate(confused)}

    def rank(q: Question) -> tuple[int, int, float, str, int, str]:
        tier = (0 if q.id in order else 1 if q.id in siblings
                else 2 if q.family == question.family else 3)
        return (tier, order.get(q.id, 0), -similarity(question.text, q.text), q.deck,
                q.position, q.id)

    chosen: list[Question] = []
    seen_intents = {mine}
    for q in sorted(others, key=rank):
        if q.intent.strip().lower() not in seen_intents:
            chosen.append(q)
            seen_intents.add(q.intent.strip().lower())
        if len(chosen) == count:
            break
    return chosen


def options(question: Question, pool: Sequence[Question], *, confused: Sequence[str] = (),
            must: str | None = None) -> list[Question]:
    """The question and its rivals, in rank order (the screen shuffles them). `must` forces
    one rival in (a pick recorded by script names the intent it chose)."""
    chosen = rivals(question, pool, confused=confused)
    if must is not None and must != question.id and must not in {q.id for q in chosen}:
        extra = next(q for q in pool if q.id == must)
        chosen = [*chosen[:OPTIONS - 2], extra]
    return [question, *chosen]


@dataclass(frozen=True)
class IntentChoice:
    """One pick from the candidate intents: which question's intent was chosen, out of
    which options (question ids), and how long it took (None when not timed)."""

    question_id: str
    picked: str
    options: tuple[str, ...]
    seconds: float | None = None

    @property
    def right(self) -> bool:
        return self.picked == self.question_id


def reading_words(question: Question, shown: Sequence[Question]) -> int:
    return len(question.text.split()) + sum(len(q.intent.split()) for q in shown)


def pick_rating(right: bool, seconds: float | None, *, words_shown: int) -> Rating:
    """A wrong pick is Again. A right one is Good, or Hard when it took clearly longer than
    reading the screen. Never Easy: recognising an intent among four is easier than recalling
    it, so a pick should not stretch the interval further than a good recall would."""
    if not right:
        return Rating.AGAIN
    if seconds is not None and seconds > words_shown / READ_WORDS_PER_SECOND + HESITATION_SECONDS:
        return Rating.HARD
    return Rating.GOOD


# ---------------------------------------------------------------- telling two apart


def document_frequency(texts: Iterable[str]) -> Counter[str]:
    """In how many texts each content word occurs: rare words tell questions apart."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(set(words(text)))
    return counts


def distinctive(text: str, other: str, df: Mapping[str, int], *, limit: int = 1) -> list[str]:
    """Up to `limit` words of `text` missing from `other`, the rarest in the deck, kept in
    the order they appear."""
    theirs = set(words(other))
    mine = list(dict.fromkeys(w for w in words(text) if w not in theirs))
    rarest = set(sorted(mine, key=lambda w: (df.get(w, 0), -len(w), mine.index(w)))[:limit])
    return [w for w in mine if w in rarest]


def difference(a: Question, b: Question, df: Mapping[str, int]) -> str:
    """One line that tells two questions apart: the word in each question's wording that the
    other lacks, and what its intent turns on."""

    def side(q: Question, other: Question) -> str:
        cue = distinctive(q.text, other.text, df)
        keys = distinctive(q.intent, other.intent, df, limit=3)
        head = f'"{cue[0]}"' if cue else q.id
        return f"{head} → {', '.join(keys)}" if keys else head

    return f"{side(a, b)}  vs  {side(b, a)}"


@dataclass(frozen=True)
class Confusion:
    """A question whose intent was mistaken for another's, as `shaky` lists it."""

    question: Question
    mistaken_for: Question
    count: int
    last: datetime
    told_apart: bool
    difference: str  # one line: what tells the two apart
