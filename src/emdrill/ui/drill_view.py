"""What the drill and commute screens look like. Rendering only; no input, no database."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from emdrill.core.scheduler import Rating, story_rating
from emdrill.core.types import SYSTEM_ANSWER, SYSTEM_ANSWER_NAME, Card, Slot
from emdrill.ops.drill import Pick, Summary
from emdrill.ui.fmt import due_text, span

DRILL_KEYS = [
    ("1-8", "name the story slot you would tell"),
    ("9", "system answer: no core story fits, answer with your system and a short example"),
    ("0", "not sure which story"),
    ("a-d", "with --decode: pick the intent from four"),
    ("1-4", "after the reveal: grade your intent recall (Again/Hard/Good/Easy)"),
    ("u", "undo the last answer"),
    ("s", "skip this question"),
    ("q", "end the session (Ctrl-C too)"),
    ("?", "show these keys"),
]
COMMUTE_KEYS = [
    ("any key", "reveal"),
    ("a-d", "with --decode: pick the intent from four"),
    ("y", "nailed it: intent and story right"),
    ("p", "partly"),
    ("n", "missed it"),
    ("u", "undo the last answer"),
    ("s", "skip"),
    ("q", "stop (Ctrl-C too)"),
]


CONTRAST = "contrast: confused with the one before last"


def clock_text(left: timedelta | None) -> str:
    if left is None:
        return ""
    seconds = max(0, int(left.total_seconds()))
    return f"{seconds // 60}:{seconds % 60:02d} left"


def header(pick: Pick, *, left: timedelta | None, done: int, mode: str) -> Text:
    parts = [mode]
    if left is not None:
        parts.append(clock_text(left))
    parts.append(f"{done} done")
    label = {"new": "new question", "due": "review", "practice": "practice: nothing due, "
             "drilling your shakiest", "contrast": CONTRAST}[pick.kind]
    text = Text(" · ".join(parts), style="bold")
    text.append(f"  [{label}]", style="dim" if pick.kind != "practice" else "yellow")
    return text


def front(pick: Pick, *, left: timedelta | None, done: int, mode: str, width: int) -> Group:
    question = Panel(Text(pick.card.question.text, style="bold"), padding=(1, 2) if
                     width >= 60 else (0, 1), width=min(width, 100))
    return Group(header(pick, left=left, done=done, mode=mode), question)


def _with_clock(left: timedelta | None, text: Text) -> Text:
    if left is None:
        return text
    clock = Text(f"{clock_text(left)} · ", style="bold yellow" if left.total_seconds() < 60
                 else "bold")
    return clock + text


def story_prompt(compact: bool, left: timedelta | None = None) -> Text:
    if compact:
        return Text("any key: reveal · q: stop", style="dim")
    return _with_clock(left, Text("Which story? 1-8, 9 system, 0 not sure · s skip · u undo · "
                                  "q quit · ? keys", style="dim"))


def slot_legend(slots: dict[int, Slot], width: int) -> Table:
    """The eight slots by number, and 9 for a system answer, so the user can name one
    without a cheat sheet."""
    columns = 2 if width >= 70 else 1
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 0))
    for _ in range(columns):
        table.add_column(style="dim")
    names = [f"{n} {slots[n].name}" for n in sorted(slots)]
    names.append(f"{SYSTEM_ANSWER} {SYSTEM_ANSWER_NAME} (no story fits)")
    rows = (len(names) + columns - 1) // columns
    for r in range(rows):
        table.add_row(*[names[r + c * rows] if r + c * rows < len(names) else ""
                        for c in range(columns)])
    return table


def story_verdict(card: Card, named: int | None, slots: dict[int, Slot]) -> Text:
    q = card.question

    def name(n: int) -> str:
        if n == SYSTEM_ANSWER:
            return f"{SYSTEM_ANSWER_NAME.lower()} ({q.system} system)" if n == q.story \
                else SYSTEM_ANSWER_NAME.lower()
        return f"{n} {slots[n].name}" if n in slots else f"slot {n}"

    verdict = story_rating(named, primary=q.story, also=q.also)  # the one rule, not a copy
    if named is not None and verdict is Rating.GOOD:
        return Text(f"✓ story: {name(named)}", style="bold green")
    if named is not None and verdict is Rating.HARD:
        return Text(f"~ story: {name(named)} works; best is {name(q.story)}", style="bold yellow")
    said = "not sure" if named is None else name(named)
    return Text(f"✗ story: you said {said}; best is {name(q.story)}", style="bold red")


def grade_prompt(intervals: dict[Rating, timedelta], left: timedelta | None = None) -> Text:
    text = Text("Intent recall?  ", style="bold")
    for rating in Rating:
        text.append(f"{int(rating)} ", style="bold")
        text.append(f"{rating.label.capitalize()} ({span(intervals[rating])})  ")
    return _with_clock(left, text)


def commute_prompt() -> Text:
    return Text("y nailed · p partly · n missed · u undo · q stop", style="bold")


def keys_help(compact: bool) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for key, what in COMMUTE_KEYS if compact else DRILL_KEYS:
        table.add_row(key, what)
    return table


def summary(s: Summary, *, now: datetime, family_names: dict[str, str]) -> RenderableType:
    if s.answered == 0:
        return Text("No questions answered this time.")
    lines: list[RenderableType] = []
    lines.append(Text(f"Session over: {s.answered} answered in {span(s.elapsed)}.", style="bold"))
    assert s.intent_recall is not None and s.story_accuracy is not None
    lines.append(Text(f"Intent recall {s.intent_recall:.0%} · story choice "
                      f"{s.story_accuracy:.0%}"))
    table = Table(box=None, pad_edge=False)
    table.add_column("family")
    table.add_column("answered", justify="right")
    table.add_column("intent", justify="right")
    table.add_column("story", justify="right")
    for f in s.families:
        table.add_row(family_names.get(f.family, f.family), str(f.answered),
                      f"{f.intent_recalled}/{f.answered}", f"{f.story_right}/{f.answered}")
    lines.append(table)
    if s.next_due is not None:
        lines.append(Text(f"Next question due: {due_text(s.next_due, now)}"))
    return Group(*lines)


def say(console: Console, message: str, style: str = "dim") -> None:
    console.print(Text(message, style=style))
