"""What intent decoding looks like: four candidate intents, the verdict on a pick (both
intents side by side when it was wrong), and the confusions `shaky` lists. The drill's
frames (`drill_view.frame`) place these pieces; the keys line is theirs."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import datetime

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from emdrill.core.decode import LETTERS, Confusion, IntentChoice
from emdrill.ops.decode import Offer
from emdrill.ui.fmt import iso, span

WIDE = 60  # from this width on: a blank line between options, wrong picks side by side


def options(offer: Offer, width: int, *, lines: int | None = None) -> RenderableType:
    """The question's own intent among three rivals, lettered a-d; with `lines`, each intent
    cut to that many lines (ending in an ellipsis), so all four fit a small window."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style="bold cyan")
    grid.add_column(ratio=1, overflow="fold")
    for i, q in enumerate(offer.shown):
        if i and width >= WIDE:
            grid.add_row("", "")
        grid.add_row(LETTERS[i], q.intent if lines is None else _cut(q.intent, width - 2, lines))
    if width < WIDE:  # every line counts on a phone: the prompt says what to do
        return grid
    return Group(Text("Which intent is this question probing?", style="bold"), grid)


def _cut(text: str, width: int, lines: int) -> str:
    """`text` wrapped at `width`, at most `lines` lines, an ellipsis where it was cut."""
    width = max(width, 8)
    wrapped = textwrap.wrap(text, width)
    if len(wrapped) <= lines:
        return text
    last = textwrap.shorten(" ".join(wrapped[lines - 1:]), width, placeholder=" …")
    return "\n".join([*wrapped[:lines - 1], last])


def verdict(offer: Offer, choice: IntentChoice, width: int, *,
            own: bool = True) -> RenderableType:
    """✓ with the intent, or ✗ with this question's intent beside the one picked (stacked
    when narrow). `own=False` leaves this question's intent to the back shown right after."""
    mine = offer.card.question
    if choice.right:
        return Text.assemble(("✓ intent: ", "bold green"), mine.intent)
    other = next(q for q in offer.shown if q.id == choice.picked)
    if width >= WIDE:
        theirs = Text.assemble(other.intent, ("\nasked by: ", "dim"), (other.text, "dim"))
        table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0), expand=True)
        table.add_column("this question probes", ratio=1, style="green", overflow="fold")
        table.add_column("you picked", ratio=1, overflow="fold")
        table.add_row(Text(mine.intent), theirs)
        return Group(Text("✗ that intent belongs to another question", style="bold red"), table)
    picked = [Text("✗ you picked another question's intent", style="bold red"),
              Text(other.intent)]
    if not own:
        return Group(*picked)
    return Group(*picked, Text("this question probes", style="bold"),
                 Text(mine.intent, style="green"))


def verdict_line(choice: IntentChoice, width: int) -> Text:
    """The pick's verdict in one line, above the back (which shows the intent itself)."""
    if choice.right:
        return Text("✓ intent: you picked this question's own", style="bold green")
    return Text("✗ intent: you picked another question's"
                + (" (graded Again)" if width >= WIDE else ""), style="bold red")


# ---------------------------------------------------------------- shaky


def confusion_json(c: Confusion) -> dict[str, object]:
    return {"question": c.question.id, "mistaken_for": c.mistaken_for.id, "count": c.count,
            "last": iso(c.last), "told_apart": c.told_apart,
            "intent": c.question.intent, "mistaken_intent": c.mistaken_for.intent,
            "difference": c.difference}


def confusions(items: Sequence[Confusion], *, now: datetime) -> RenderableType:
    """Each pair: which was taken for which, how often, both intents, the difference."""
    parts: list[RenderableType] = [
        Text.assemble(("Confused intents", "bold"),
                      " · a question, and the one whose intent you picked for it")]
    for c in items:
        head = Text.assemble("\n", (c.question.id, "bold"), " taken for ",
                             (c.mistaken_for.id, "bold"),
                             f" · {c.count}x, last {span(now - c.last)} ago")
        if c.told_apart:
            head.append(" · told apart since", style="green")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, style="dim", width=10)
        grid.add_column(ratio=1, overflow="fold")
        grid.add_row("its intent", Text(c.question.intent, style="green"))
        grid.add_row("you picked", Text(c.mistaken_for.intent))
        grid.add_row("tell apart", Text(c.difference, style="cyan"))
        parts += [head, Padding(grid, (0, 0, 0, 2))]
    return Group(*parts)
