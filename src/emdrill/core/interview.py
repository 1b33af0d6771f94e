"""An interview date: when it is, what it covers, and how scheduling leans towards it.

Pure functions of the values given; the clock and the cards come in as arguments.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo

from emdrill.core.cards import Card, Question
from emdrill.core.errors import InputError
from emdrill.core.scheduler import (
    FacetParameters,
    Memory,
    Parameters,
    days_until_recall,
    retrievability,
    with_due,
)
from emdrill.core.timing import Clock, study_day, study_day_start

MORNING = time(9, 0)  # a date without a time means 09:00 local: the interview morning


@dataclass(frozen=True)
class InterviewScope:
    """Which questions the interview covers: empty tuples mean every deck, every family.
    `excluded` holds questions the user kept out of the plan when adding them (`import` and
    `add` with `--not-in-plan`, or their safe default without a terminal)."""

    decks: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    excluded: frozenset[str] = frozenset()

    def covers(self, question: Question) -> bool:
        return self.reaches(question) and question.id not in self.excluded

    def reaches(self, question: Question) -> bool:
        """Within the scope's decks and families, whether or not it was kept out."""
        return ((not self.decks or question.deck in self.decks)
                and (not self.families or question.family in self.families))

    def reaches_same(self, other: InterviewScope) -> bool:
        """The same decks and families (what was kept out aside)."""
        return (self.decks, self.families) == (other.decks, other.families)

    def keeping_out(self, ids: Iterable[str]) -> InterviewScope:
        return replace(self, excluded=self.excluded | frozenset(ids))

    def letting_in(self, ids: Iterable[str]) -> InterviewScope:
        return replace(self, excluded=self.excluded - frozenset(ids))

    def describe(self) -> str:
        parts = []
        if self.decks:
            parts.append(f"decks {', '.join(self.decks)}")
        if self.families:
            parts.append(f"families {', '.join(self.families)}")
        text = "; ".join(parts) or "every question"
        return f"{text}, {len(self.excluded)} kept out" if self.excluded else text


@dataclass(frozen=True)
class Interview:
    """A booked interview: its time (UTC), its scope, and when the plan was made."""

    at: datetime
    scope: InterviewScope
    set_at: datetime

    def active(self, now: datetime) -> bool:
        """A plan ends by itself once the interview time has passed."""
        return now < self.at


def parse_when(text: str, local: tzinfo) -> datetime:
    """An ISO date (09:00 local that day) or date and time; no offset means the local zone."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), MORNING, tzinfo=local)
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InputError(f"'{text}' is not a date: use YYYY-MM-DD, or YYYY-MM-DDTHH:MM with "
                         "an optional offset such as +01:00") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=local)


def days_left(clock: Clock, at: datetime) -> int:
    """Study days from today to the interview's study day: 0 on the day itself."""
    return max(0, (date.fromisoformat(clock.day_key(at))
                   - date.fromisoformat(clock.day_key(clock.now))).days)


def drill_times(now: datetime, days: int) -> list[datetime]:
    """One drill a day at this time of day, from today up to the day before the interview."""
    return [now + timedelta(days=k) for k in range(days)]


# ---------------------------------------------------------------- towards the date


def toward_date(memory: Memory, *, interview: datetime, target: float, local: tzinfo,
                parameters: Parameters | None = None) -> Memory:
    """Bring a due date that lands after the interview forward, when waiting for it would
    leave the predicted recall on the interview morning below `target`: the review then
    falls on the last whole day the recall is still at the target, so one more review comes
    before the interview. Any other memory is returned unchanged."""
    if memory.due is None or memory.last_review is None or memory.due <= interview:
        return memory
    if retrievability(memory, interview, local=local, parameters=parameters) >= target:
        return memory
    days = max(1, int(days_until_recall(memory, target, parameters=parameters)))
    due = study_day_start(study_day(memory.last_review, local) + days, local)
    return with_due(memory, min(memory.due, due))


def toward_date_both(intent: Memory, story: Memory, *, interview: datetime, target: float,
                     local: tzinfo, parameters: FacetParameters) -> tuple[Memory, Memory]:
    return (toward_date(intent, interview=interview, target=target, local=local,
                        parameters=parameters.intent),
            toward_date(story, interview=interview, target=target, local=local,
                        parameters=parameters.story))


# ---------------------------------------------------------------- the taper


def morning_recall(card: Card, at: datetime, parameters: FacetParameters, *,
                   local: tzinfo) -> tuple[float, float]:
    """Predicted recall of intent and story at `at` from the memory as it stands."""
    return (retrievability(card.intent, at, local=local, parameters=parameters.intent),
            retrievability(card.story, at, local=local, parameters=parameters.story))


def below_target(cards: Iterable[Card], *, at: datetime, target: float,
                 parameters: FacetParameters, local: tzinfo) -> list[Card]:
    """Seen questions whose weaker facet would be below `target` at `at`, weakest first."""
    scored = [(min(morning_recall(c, at, parameters, local=local)), c) for c in cards
              if not c.is_new]
    low = [(r, c) for r, c in scored if r < target]
    return [c for _r, c in sorted(low, key=lambda pair: (pair[0], pair[1].question.position))]


def in_taper(days: int, *, below: int, answers_per_day: int) -> bool:
    """The last study day before the interview (and its morning) is always a taper; the
    day before that too when what is below target would not fit in one day's answers."""
    if days <= 1:
        return True
    return days == 2 and below > answers_per_day


def new_first(*, introduced: int, quota: int, answers: int, per_drill: int) -> bool:
    """Whether the next answer should be a new question: the day's quota of new questions is
    spread evenly over a drill's answers, so due reviews never crowd it out."""
    if introduced >= quota:
        return False
    return introduced * max(1, per_drill) <= answers * quota
