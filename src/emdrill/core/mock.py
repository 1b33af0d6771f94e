"""The mock interview's pure parts: the five self-checks, which questions an interviewer
would ask, the speaking timer, and the arithmetic behind the rehearsal stats."""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from emdrill.core.cards import Card
from emdrill.core.scheduler import NO_FIT, FacetParameters, retrievability


@dataclass(frozen=True)
class Check:
    key: str
    label: str  # short, for tables
    ask: str  # the yes/no question after an answer
    advice: str  # what to do next time, in plain words


CHECKS: tuple[Check, ...] = (
    Check("intent", "named the intent", "Did you name the intent behind the question?",
          "say what the interviewer is really asking before you answer it"),
    Check("system", "led with the system", "Did you lead with your system, the approach "
          "you repeat?", "open with the approach you always use, then tell the story"),
    Check("story", "one story, with I", 'Did you tell one specific story, saying "I", '
          'not "we"?', 'tell one specific story and say "I" for what you did'),
    Check("result", "a result with a number", "Did you give a concrete result with a "
          "number?", "put a number on the result: a percentage, a count, a date"),
    Check("learning", "a learning applied since", "Did you end with a learning you have "
          "applied since?", "end with what you learned and where you have used it since"),
)
CHECK_KEYS = tuple(c.key for c in CHECKS)
# The coach's rule that measures what each self-check asks (core/coach.py).
COACH_RULE = {"intent": "intent", "system": "system-first", "story": "i-not-we",
              "result": "number", "learning": "learning"}


@dataclass(frozen=True)
class Measured:
    """One self-check next to what the coach measured in the typed answer."""

    check: Check
    said: bool
    measured: bool | None  # None: the coach did not judge it (no question, a fragment)

    @property
    def disagree(self) -> bool:
        return self.measured is not None and self.measured != self.said


def measured(checks: Sequence[bool], verdicts: Mapping[str, bool]) -> list[Measured]:
    """The five self-checks beside the coach's verdicts (rule id -> ok)."""
    return [Measured(c, said, verdicts.get(COACH_RULE[c.key]))
            for c, said in zip(CHECKS, checks, strict=True)]


def follow_up_target(target: int) -> int:
    """Follow-ups want short, crisp answers: two fifths of the main target, 20 s at least."""
    return max(20, round(target * 0.4))


def mm_ss(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


@dataclass
class SpeakingTimer:
    """Seconds spoken against a target, read from an injected monotonic clock."""

    tick: Callable[[], float]
    target: int
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.tick()

    def elapsed(self) -> float:
        return max(0.0, self.tick() - self.started)

    def over(self) -> bool:
        return self.elapsed() >= self.target


# ---------------------------------------------------------------- choosing questions


def pick_questions(cards: Sequence[Card], *, count: int, weakness: Mapping[str, float],
                   has_story: Callable[[Card], bool], now: datetime,
                   rng: random.Random, parameters: FacetParameters = NO_FIT,
                   local: tzinfo = UTC) -> list[Card]:
    """Questions as an interviewer covers a loop: a different family each time until every
    family has had one; within that, questions whose story the user has written first, then
    the weakest families, then the shakiest questions (unseen ones count as half known)."""
    pool = [c for c in cards if not c.question.suspended]
    dice = {c.id: rng.random() for c in pool}

    def shaky(card: Card) -> float:
        if card.is_new:
            return 0.5
        return min(retrievability(card.intent, now, local=local, parameters=parameters.intent),
                   retrievability(card.story, now, local=local, parameters=parameters.story))

    def rank(card: Card) -> tuple[bool, float, float, float]:
        return (not has_story(card), -round(weakness.get(card.family, 0.0), 2),
                round(shaky(card), 1), dice[card.id])

    ordered = sorted(pool, key=rank)
    chosen: list[Card] = []
    while ordered and len(chosen) < count:
        used: set[str] = set()
        for card in list(ordered):
            if card.family not in used and len(chosen) < count:
                chosen.append(card)
                used.add(card.family)
                ordered.remove(card)
    return chosen


def pick_follow_ups(follow_ups: Sequence[str], rng: random.Random) -> list[str]:
    """One or two of the card's follow-ups, as an interviewer would probe."""
    if not follow_ups:
        return []
    return rng.sample(list(follow_ups), min(len(follow_ups), rng.choice((1, 2))))


# ---------------------------------------------------------------- rehearsals


@dataclass(frozen=True)
class Rehearsal:
    """One mock answer as stored: seconds per part and the five checks."""

    question_id: str
    family: str
    started_at: datetime
    target: int
    answer_seconds: float
    follow_ups: tuple[tuple[str, float], ...]
    checks: tuple[bool, ...]  # in CHECKS order
    review_id: int | None = None
    id: int | None = None
    answer_text: str = ""  # what the user typed or pasted that they said, if anything
    findings: tuple[tuple[str, bool], ...] = ()  # the coach's (rule, ok) on answer_text

    @property
    def passed(self) -> int:
        return sum(self.checks)


@dataclass(frozen=True)
class CheckRate:
    check: Check
    passed: int
    total: int
    recent_passed: int
    recent_total: int
    previous_passed: int
    previous_total: int

    @property
    def rate(self) -> float | None:
        return self.passed / self.total if self.total else None

    @property
    def recent(self) -> float | None:
        return self.recent_passed / self.recent_total if self.recent_total else None

    @property
    def previous(self) -> float | None:
        return self.previous_passed / self.previous_total if self.previous_total else None


@dataclass(frozen=True)
class FamilyRehearsals:
    family: str
    count: int
    median_seconds: float


@dataclass(frozen=True)
class RehearsalStats:
    count: int
    median_seconds: float | None
    target: int  # the target in force now
    families: list[FamilyRehearsals]
    checks: list[CheckRate]
    coach_missed: list[tuple[str, int, int]] = field(default_factory=list)
    # (rule, missed, judged) over the recent typed answers, most missed first

    @property
    def weakest(self) -> CheckRate | None:
        """The check the user keeps failing: lowest recent pass rate under 70%, over at
        least two rehearsals."""
        rated = [c for c in self.checks if c.recent_total >= 2 and (c.recent or 0) < 0.7]
        return min(rated, key=lambda c: (c.recent or 0.0, CHECKS.index(c.check)), default=None)


def rehearsal_stats(rows: Iterable[Rehearsal], *, target: int, split: datetime,
                    since: datetime) -> RehearsalStats:
    """`split` starts the recent period (the last 30 days), `since` the one before it."""
    items = list(rows)
    per_family: dict[str, list[float]] = {}
    for r in items:
        per_family.setdefault(r.family, []).append(r.answer_seconds)
    families = sorted((FamilyRehearsals(f, len(v), statistics.median(v))
                       for f, v in per_family.items()), key=lambda f: (-f.count, f.family))
    recent = [r for r in items if r.started_at >= split]
    previous = [r for r in items if since <= r.started_at < split]
    checks = [CheckRate(c, *_tally(items, i), *_tally(recent, i), *_tally(previous, i))
              for i, c in enumerate(CHECKS)]
    median = statistics.median(r.answer_seconds for r in items) if items else None
    return RehearsalStats(len(items), median, target, families, checks,
                          coach_missed(r.findings for r in recent))


def coach_missed(findings: Iterable[Sequence[tuple[str, bool]]]) -> list[tuple[str, int, int]]:
    """The coach's rules by how often typed answers missed them: (rule, missed, judged)."""
    missed: dict[str, int] = {}
    judged: dict[str, int] = {}
    for answer in findings:
        for rule, ok in answer:
            judged[rule] = judged.get(rule, 0) + 1
            missed[rule] = missed.get(rule, 0) + (not ok)
    ranked = sorted(((rule, n, judged[rule]) for rule, n in missed.items() if n),
                    key=lambda t: (-t[1], -t[1] / t[2], t[0]))
    return ranked


def _tally(items: Sequence[Rehearsal], index: int) -> tuple[int, int]:
    return sum(r.checks[index] for r in items), len(items)
