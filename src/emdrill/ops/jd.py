"""`emdrill interview --jd FILE`: the families a pasted job description stresses
(`core.jd`, on the suggester's model over what is loaded), and the narrower scope they make."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from emdrill.core.errors import InputError
from emdrill.core.interview import MORNING
from emdrill.core.jd import Ranking, rank
from emdrill.core.timing import Clock
from emdrill.ops import interview as plan
from emdrill.ops.suggestions import Loaded, model
from emdrill.store.db import Store

MAX_BYTES = 1_000_000  # a job description is a page or two; a bigger file is not one


@dataclass(frozen=True)
class Weighed:
    """The ranking, with what it needs to be said: family names, the questions each family
    holds within the plan's decks, and the plan (None without one)."""

    ranking: Ranking
    names: dict[str, str]
    questions: dict[str, int]
    decks: tuple[str, ...]  # the plan's decks (empty: every deck), kept by the proposal
    date: datetime | None  # the plan's interview time, local


def read_text(path: Path) -> str:
    """The job description's text; InputError naming the path when it is no text file."""
    try:
        raw = path.read_bytes()[: MAX_BYTES + 1]
    except OSError as exc:
        raise InputError(f"{path}: cannot read the job description "
                         f"({exc.strerror or exc})") from None
    if len(raw) > MAX_BYTES or b"\0" in raw:
        raise InputError(f"{path}: not a job description: give a plain text file "
                         f"(at most {MAX_BYTES // 1000} kB)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text: save the job description as plain "
                         "text") from None


def weigh(store: Store, clock: Clock, path: Path) -> Weighed:
    """Rank the families (within the active plan's decks) by the job description at `path`."""
    text = read_text(path)
    booked = plan.active(store, clock)
    decks = booked.scope.decks if booked is not None else ()
    loaded = Loaded.read(store)
    counts = Counter(q.family for q in loaded.questions if not decks or q.deck in decks)
    ranking = rank(model(store, loaded), text,
                   families={f.slug: counts.get(f.slug, 0) for f in loaded.families})
    if not ranking.passages:
        raise InputError(f"{path}: no word of it is one the questions use: paste the job "
                         "description's text")
    return Weighed(ranking, loaded.family_names(), dict(counts), decks,
                   booked.at.astimezone(clock.local) if booked is not None else None)


def command(w: Weighed) -> str:
    """The command that books the plan with the proposed families."""
    when = ("YYYY-MM-DD" if w.date is None else w.date.strftime(
        "%Y-%m-%d" if w.date.time() == MORNING else "%Y-%m-%dT%H:%M"))
    decks = f" --decks {','.join(w.decks)}" if w.decks else ""
    return f"emdrill interview {when}{decks} --families {','.join(w.ranking.proposed)}"
