"""The back of a card: what to say, in the order the method says it.

intent and probes → the system to lead with → the best story (title, hook, and in short
its context, actions and results) → its learning → the pitfall; alternate slots by name.
Every mode renders the back through `compose_back`.
User text is added as plain `Text`, never parsed as markup, so brackets stay brackets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

from rich.console import Group, RenderableType
from rich.constrain import Constrain
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from emdrill.core.cards import SYSTEM_ANSWER, SYSTEM_ANSWER_NAME, Question, Slot
from emdrill.core.stories import SYSTEM_NAMES, SYSTEM_PROMPTS, Story
from emdrill.core.story_bank import best_story
from emdrill.ops.back import BackData

__all__ = ["FULL", "Renderable", "best_story", "compose_back", "in_short", "learning_line"]

# What a back is, for cli/ to name without importing rich (rich is ui's).
Renderable: TypeAlias = RenderableType

WIDE = 60  # from this width on, labels sit in a column to the left of the text
LABEL = "bold cyan"
HINT = "dim"


FULL = 4  # every section; each lower level folds more away (see `compose_back`)


def render_back(question: Question, data: BackData, *, width: int, compact: bool = False,
                level: int = FULL) -> RenderableType:
    """The back of `question` with the user's slots, stories and systems."""
    return compose_back(question, slots=data.slots, stories=data.stories, systems=data.systems,
                        width=width, compact=compact, level=level, coach=data.coach)


def compose_back(question: Question, *, slots: Mapping[int, Slot], stories: Sequence[Story],
                 systems: Mapping[str, str], width: int, compact: bool = False,
                 level: int = FULL, coach: Mapping[int, str] | None = None) -> RenderableType:
    """The back side of `question` for a terminal `width` columns wide.

    `level` folds sections away so the back fits a short window; what stays longest is what
    an answer cannot do without, the intent and the story:
      4 everything, with your story's context, actions and results in short
      3 without those · 2 without the system and the alternates · 1 intent without its
      probes, story title and hook, pitfall · 0 the intent and the story's title only.
    `compact` (commute mode) keeps three lines of meaning: the intent, the story to tell
    (its title, or the slot's name when the user has none yet) and the pitfall (level 1+).
    `coach` maps a story id to the coach's open findings on it, shown from level 3.
    """
    slot = slots.get(question.story) or Slot(question.story, f"slot {question.story}")
    story = best_story(question, stories)
    if compact:
        told = (_system_answer(question.system, compact=True) if question.system_answer
                else _story_compact(slot, story))
        rows: list[tuple[str, RenderableType]] = [("Intent", Text(question.intent)),
                                                  ("Story", told)]
    else:
        rows = [("Intent", _intent(question) if level >= 2 else Text(question.intent,
                                                                      style="bold"))]
        # A system answer's system is what the user answers with: it folds away last.
        if level >= 3 or (question.system_answer and level >= 1):
            rows.append(("System", _system(question.system, systems.get(question.system, ""))))
        rows.append(("Story", _system_answer(question.system) if question.system_answer
                     else _story(slot, story, level)))
        if level >= 1 and story is not None and learning_line(story):
            rows.append(("Learning", Text(learning_line(story))))
        if level >= 3 and story is not None and story.id in (coach or {}):
            rows.append(("Coach", Text((coach or {})[story.id or 0], style="yellow")))
    if question.pitfall and level >= 1:
        rows.append(("Avoid", Text(question.pitfall)))
    if question.also and not compact and level >= 3:
        rows.append(("Also", _alternates(question.also, slots)))
    if question.draft:
        rows = [(label, _marked(body, label, question.draft)) for label, body in rows]
    layout = _inline(rows) if compact and width < WIDE else _layout(rows, width)
    return Constrain(layout, width=max(width, 20))


# Which drafted fields each section of the back shows.
_DRAFTED_IN = {"Intent": ("intent", "probes"), "System": ("system",), "Story": ("story",),
               "Avoid": ("pitfall",), "Also": ("also",)}
DRAFT_MARK = "(draft)"


def _marked(body: RenderableType, label: str, draft: Sequence[str]) -> RenderableType:
    """A section holding a field emdrill filled in and the user has not reviewed yet, marked
    so: a guess must never read like the deck's own advice."""
    fields = [f for f in _DRAFTED_IN.get(label, ()) if f in draft]
    if not fields or (label == "Intent" and not isinstance(body, Text)):
        return body  # the intent with its probes marks itself (`_intent`)
    if label == "Intent":  # folded to the intent alone: its probes are not shown
        fields = [f for f in fields if f == "intent"]
        if not fields:
            return body
    if isinstance(body, Text):
        return body.copy().append(f" {DRAFT_MARK}", style=HINT)
    return Group(body, Text(DRAFT_MARK, style=HINT))


def learning_line(story: Story) -> str:
    """The first line of the story's learnings: the sentence worth ending on."""
    return story.learning_line()


# ---------------------------------------------------------------- sections


def _intent(question: Question) -> RenderableType:
    head = Text(question.intent, style="bold")
    if "intent" in question.draft:
        head.append(f" {DRAFT_MARK}", style=HINT)
    parts: list[RenderableType] = [head, _bullets(question.probes)]
    if "probes" in question.draft:
        parts.append(Text("(draft: probes)", style=HINT))
    return Group(*parts)


def _bullets(items: Sequence[str]) -> Table:
    """A list whose wrapped lines stay indented under their own text."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for item in items:
        grid.add_row("·", item)
    return grid


def _system(category: str, written: str) -> Text:
    name = SYSTEM_NAMES.get(category, category)
    if written:
        first = written.split("\n\n", 1)[0].strip()
        return Text(name, style=HINT).append("\n").append(first, style="")
    text = Text(f"{name}: ", style=HINT).append(SYSTEM_PROMPTS.get(category, ""))
    return text.append(f"\nwrite yours: emdrill system edit {category}", style=HINT)


def _story(slot: Slot, story: Story | None, level: int = FULL) -> RenderableType:
    if story is None:
        head = Text(f"{slot.slot} · {slot.name}", style="bold")
        head.append(" (no story of yours yet)", style=HINT)
        hint = Text(f"write one: emdrill story add --slot {slot.slot}", style=HINT)
        if level >= 3:
            return Group(head, _bullets(slot.must_include), hint)
        return Group(head, hint) if level >= 1 else head
    text = Text(story.title, style="bold").append(f"  ({slot.slot} · {slot.name})", style=HINT)
    if story.hook and level >= 1:
        text.append("\n").append(story.hook, style="italic")
    if level >= FULL:
        for part in ("context", "actions", "results"):
            if story.part(part):
                text.append(f"\n{part.capitalize()}: ", style=HINT).append(
                    in_short(story.part(part)))
    return text


def _system_answer(category: str, *, compact: bool = False) -> Text:
    """A question no core story answers: the system is the answer, with a short example."""
    if compact:
        return Text(f"system · your {category} system + a short example")
    text = Text(f"Answer with your {category} system and a short example", style="bold")
    return text.append(" (no core story fits this one)", style=HINT)


def in_short(text: str, limit: int = 140) -> str:
    """The first sentence of a part (or its first `limit` characters), for the back."""
    first = " ".join(text.split("\n\n", 1)[0].split())
    for end in (". ", "! ", "? "):
        if end in first:
            first = first.split(end, 1)[0] + end.strip()
            break
    return first if len(first) <= limit else first[:limit - 1].rstrip() + "…"


def _story_compact(slot: Slot, story: Story | None) -> Text:
    if story is None:
        return Text(f"{slot.slot} · {slot.name}").append(" (none yet)", style=HINT)
    return Text(f"{slot.slot} · ").append(story.title, style="bold")


def _alternates(also: Sequence[int], slots: Mapping[int, Slot]) -> Text:
    names = [SYSTEM_ANSWER_NAME if n == SYSTEM_ANSWER else
             f"{n} · {slots[n].name}" if n in slots else f"slot {n}" for n in also]
    return Text("; ".join(names))


# ---------------------------------------------------------------- layout


def _inline(rows: Sequence[tuple[str, RenderableType]]) -> RenderableType:
    """Commute mode on a narrow screen: each label starts its own wrapped line."""
    lines = []
    for label, body in rows:
        assert isinstance(body, Text)
        lines.append(Text.assemble((f"{label}:", LABEL), " ", body))
    return Group(*lines)


def _layout(rows: Sequence[tuple[str, RenderableType]], width: int) -> RenderableType:
    """Labels in a left column when there is room; above their text when narrow."""
    if width >= WIDE:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=8, no_wrap=True, style=LABEL)
        grid.add_column(ratio=1, overflow="fold")
        for label, body in rows:
            grid.add_row(label, body)
        return grid
    parts: list[RenderableType] = []
    for label, body in rows:
        parts.append(Text(label, style=LABEL))
        parts.append(Padding(body, (0, 0, 0, 2)))
    return Group(*parts)
