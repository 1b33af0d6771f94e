"""FSRS parameters fitted to the user's own history. The only module that imports
`fsrs_rs_python` (the FSRS optimizer, without torch), and only inside the functions that fit
(`fit`, `score`): status imports this module to ask whether to offer `optimize`.

A facet's history becomes the optimizer's items: the ratings of one question's facet in
order, each with the whole study days since the one before (0 for the first, and for
answers on the same day). Every answer that comes a study day or more after the previous
one is a recall review, and each recall review is one item: the history up to it, whose
last rating the model must predict. Fitted parameters are kept only if their log loss on
that history is lower than that of the parameters in force.

The items of one history share their steps: a `TrainingSet` keeps each history's steps once
and where its items end, and turns them into the optimizer's objects once (each review one
object, each item a slice of its history), so the fit and both scores reuse them. The
memory this takes grows with the sum of the items' lengths only inside the optimizer (8
bytes a step), as it does for Anki's; nothing in Python holds one tuple per prefix.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, overload

from emdrill.core.scheduler import Parameters, check_parameters
from emdrill.core.timing import Clock

if TYPE_CHECKING:
    from fsrs_rs_python import FSRSItem

MIN_REVIEWS = 100  # recall reviews of a facet before fitting is worth it
OFFER_AT = 250  # answers in all before `optimize` is first offered (about 100 recall reviews)
OFFER_GROWTH = 1.5  # offer again once the answers have grown by this factor
# The optimizer trains on the items of at most this many reviews (it skips longer ones
# while training; scoring reads every item). On the bench's histories (bench/optimize.py)
# 64 kept 99.5% of 256's gain in log loss over the defaults at a third of the time.
TRAIN_MAX_REVIEWS = 64

Item = tuple[tuple[int, int], ...]  # (rating, study days since the previous answer)


@dataclass(frozen=True)
class FacetHistory:
    """One question's ratings of one facet, oldest first."""

    question_id: str
    reviews: list[tuple[datetime, int]] = field(default_factory=list)


@dataclass(frozen=True)
class StoredFit:
    """What the last `optimize` kept for a facet; `parameters` None: the defaults."""

    facet: str
    parameters: Parameters | None
    reviews: int  # recall reviews it read
    total_reviews: int  # all reviews at that time
    log_loss: float | None
    rmse: float | None
    fitted_at: datetime


@dataclass(frozen=True)
class Score:
    """How well parameters predict a history: log loss and RMSE (binned), lower is better."""

    log_loss: float
    rmse: float


class TrainingSet(Sequence[Item]):
    """The optimizer's items from some histories: each history's steps kept once, with the
    length of each of its items (an item is a prefix of its history)."""

    def __init__(self) -> None:
        self._steps: list[tuple[tuple[int, int], ...]] = []
        self._ends: list[tuple[int, ...]] = []
        self._before: list[int] = []  # per history: the items of the histories before it
        self._count = 0
        self._converted: list[FSRSItem] | None = None

    def add(self, steps: Sequence[tuple[int, int]], ends: Sequence[int]) -> None:
        """One history's steps and the lengths of the items it gives."""
        if not ends:
            return
        self._steps.append(tuple(steps))
        self._ends.append(tuple(ends))
        self._before.append(self._count)
        self._count += len(ends)
        self._converted = None

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, i: int) -> Item: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Item]: ...

    def __getitem__(self, i: int | slice) -> Item | Sequence[Item]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if not -self._count <= i < self._count:
            raise IndexError(i)
        i %= self._count
        history = bisect.bisect_right(self._before, i) - 1
        return self._steps[history][:self._ends[history][i - self._before[history]]]

    def __iter__(self) -> Iterator[Item]:
        for steps, ends in zip(self._steps, self._ends, strict=True):
            for end in ends:
                yield steps[:end]

    def steps(self) -> int:
        """The steps of every item together: what fitting and scoring cost."""
        return sum(sum(ends) for ends in self._ends)

    def converted(self) -> list[FSRSItem]:
        """The items as the optimizer takes them, made once: each step one object shared by
        every item that holds it."""
        if self._converted is None:
            import fsrs_rs_python as rs

            out: list[FSRSItem] = []
            for steps, ends in zip(self._steps, self._ends, strict=True):
                reviews = [rs.FSRSReview(rating, gap) for rating, gap in steps[:ends[-1]]]
                out.extend(rs.FSRSItem(reviews[:end]) for end in ends)
            self._converted = out
        return self._converted


def training_items(histories: Iterable[FacetHistory], clock: Clock) -> TrainingSet:
    """The optimizer's items, one per recall review (see the module docstring)."""
    items = TrainingSet()
    for history in histories:
        steps: list[tuple[int, int]] = []
        ends: list[int] = []
        previous: int | None = None
        for at, rating in history.reviews:
            day = clock.day_number(at)
            gap = day - previous if previous is not None else 0
            steps.append((rating, gap))
            if gap > 0:
                ends.append(len(steps))
            previous = day
        items.add(steps, ends)
    return items


def fit(items: TrainingSet) -> Parameters:
    """Parameters fitted to `items`, starting from the defaults."""
    import fsrs_rs_python as rs

    model = rs.FSRS(rs.DEFAULT_PARAMETERS)
    config = rs.TrainingConfig(max_seq_len=TRAIN_MAX_REVIEWS)
    return tuple(float(w) for w in model.compute_parameters(
        items.converted(), enable_short_term=True, training_config=config))


def score(items: TrainingSet, parameters: Parameters | None) -> Score:
    """How well `parameters` (None: the defaults) predict the last rating of every item."""
    import fsrs_rs_python as rs

    model = rs.FSRS(list(parameters) if parameters else rs.DEFAULT_PARAMETERS)
    result = model.evaluate(items.converted())
    return Score(float(result.log_loss), float(result.rmse_bins))


def usable(parameters: Sequence[float]) -> Parameters | None:
    """The fitted values if the scheduler accepts them (count and bounds), else None."""
    try:
        return check_parameters(parameters)
    except ValueError:
        return None


def better(candidate: Score, current: Score) -> bool:
    """Keep the candidate only when it lowers the log loss."""
    return candidate.log_loss < current.log_loss


def should_offer(total_reviews: int, stored: Sequence[StoredFit]) -> bool:
    """Offer `optimize` once there are OFFER_AT answers in all, and again each time the
    history has grown by OFFER_GROWTH since the last run (whatever that run kept)."""
    last = max((f.total_reviews for f in stored), default=0)
    if not last:
        return total_reviews >= OFFER_AT
    return total_reviews >= OFFER_GROWTH * last
