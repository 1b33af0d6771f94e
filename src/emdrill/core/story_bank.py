"""Choosing and counting stories: the best story for a question, coverage, import plans.

Pure functions of the stories, slots and questions they are given.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from emdrill.core.cards import SLOTS, Question, Slot
from emdrill.core.stories import Story


def best_story(question: Question, stories: Sequence[Story]) -> Story | None:
    """The user's story for the question's primary slot.

    Among several, one tagged with the question's id wins, then one tagged with its family,
    then one whose *main* slot it is, then the oldest (first in the list). A system answer
    has none: the user's system is the answer.
    """
    if question.system_answer:
        return None
    candidates = [s for s in stories if question.story in s.slots]
    if not candidates:
        return None

    def rank(item: tuple[int, Story]) -> tuple[bool, bool, bool, int]:
        index, story = item
        return (question.id not in story.tags, question.family not in story.tags,
                story.slot != question.story, index)

    return min(enumerate(candidates), key=rank)[1]


# ---------------------------------------------------------------- coverage


@dataclass(frozen=True)
class SlotCoverage:
    slot: Slot
    stories: tuple[Story, ...]  # stories serving the slot, those whose main slot it is first
    questions: int  # active questions that name this slot as their primary story
    weak: int = 0  # of those, questions the user missed lately


@dataclass(frozen=True)
class NarrowFamily:
    """A family whose every question would be answered with the same story."""

    family: str
    story: Story
    questions: int
    slots: tuple[int, ...]  # the primary slots its questions use


@dataclass(frozen=True)
class StoryCoverage:
    slots: tuple[SlotCoverage, ...]
    narrow: tuple[NarrowFamily, ...]
    system_answers: tuple[tuple[str, int], ...] = ()  # (category, active questions), no story

    @property
    def empty(self) -> list[SlotCoverage]:
        """Slots with no story: first those the most questions the user keeps missing rely
        on, then those the most questions rely on."""
        gaps = [row for row in self.slots if not row.stories]
        return sorted(gaps, key=lambda row: (-row.weak, -row.questions, row.slot.slot))


def coverage(slots: Mapping[int, Slot], stories: Sequence[Story],
             questions: Sequence[Question], weak: Collection[str] = ()) -> StoryCoverage:
    """Which slots the user can answer, how much each slot matters (all questions, and the
    `weak` ones the user missed lately), and where it is thin."""
    counts: dict[int, int] = defaultdict(int)
    systems: dict[str, int] = defaultdict(int)
    missed: dict[int, int] = defaultdict(int)
    for q in questions:
        if q.system_answer:
            systems[q.system] += 1
        else:
            counts[q.story] += 1
            missed[q.story] += q.id in weak
    rows = []
    for number in SLOTS:
        slot = slots.get(number, Slot(number, ""))  # no loaded deck names this slot
        serving = sorted((s for s in stories if number in s.slots),
                         key=lambda s: s.slot != number)
        rows.append(SlotCoverage(slot, tuple(serving), counts[number], missed[number]))
    storied = [q for q in questions if not q.system_answer]
    return StoryCoverage(tuple(rows), tuple(_narrow(stories, storied)),
                    tuple(sorted(systems.items())))


def _narrow(stories: Sequence[Story], questions: Sequence[Question]) -> list[NarrowFamily]:
    by_family: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        by_family[q.family].append(q)
    narrow = []
    for family, members in by_family.items():
        picks = [best_story(q, stories) for q in members]
        first = picks[0]
        if len(members) > 1 and first is not None and all(p == first for p in picks):
            used = tuple(sorted({q.story for q in members}))
            narrow.append(NarrowFamily(family, first, len(members), used))
    return narrow


# ---------------------------------------------------------------- import


@dataclass(frozen=True)
class ImportPlan:
    """What `story import` will do; nothing is written until the whole file is read."""

    added: tuple[Story, ...]
    updated: tuple[Story, ...]
    unchanged: tuple[Story, ...]


def plan_import(existing: Sequence[Story], incoming: Sequence[Story]) -> ImportPlan:
    """A section with a known id updates that story; others (and unknown ids) are added."""
    stored = {s.id: s for s in existing}
    added, updated, unchanged = [], [], []
    for story in incoming:
        old = stored.get(story.id)
        if old is None:
            added.append(story)
        elif old.same_content(story):
            unchanged.append(story)
        else:
            updated.append(story)
    return ImportPlan(tuple(added), tuple(updated), tuple(unchanged))
