"""What the drill and commute screens look like. Rendering only; no input, no database.

On a terminal each screen is a `Frame` (see `ui/screen.py`): the header with the one clock
and the question on top, the back folded to the window in the middle, and at the bottom
one status line and one line of keys. Piped, the same pieces print one after another.
A card played with intent decoding (`--decode`, ui/decode.py) adds the four intents
(phase "pick") and the verdict on the pick (`decode_view`) to the same frames.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from emdrill.core.cards import SYSTEM_ANSWER, SYSTEM_ANSWER_NAME, Card, Slot
from emdrill.core.decode import IntentChoice
from emdrill.core.scheduler import Rating, story_rating
from emdrill.ops.decode import Offer
from emdrill.ops.drill import Pick, Summary
from emdrill.ui import decode_view, keymap
from emdrill.ui.advice_view import outlook_lines
from emdrill.ui.back import FULL
from emdrill.ui.fmt import due_text, slot_words, span
from emdrill.ui.screen import Frame

BackFn = Callable[[Pick, bool, int, int], RenderableType]  # pick, compact, level, width

KIND_LABELS = {  # (wide, narrow)
    "new": ("new question", "new"),
    "due": ("review", "review"),
    "practice": ("practice: nothing due, drilling your shakiest", "practice"),
    "widen": ("practice: a question your weakest family has not shown yet", "new, weak family"),
    "contrast": ("contrast: confused with the one before last", "contrast"),
}


@dataclass(frozen=True)
class Message:
    """The status line: one message at a time, in plain words."""

    text: str
    style: str = "dim"


@dataclass
class CardView:
    """Everything one card's screen shows; the frame is a pure function of it."""

    pick: Pick
    mode: str  # "drill" or "commute"
    left: timedelta | None
    done: int
    slots: dict[int, Slot]
    phase: str = "front"  # pick (decoding), front, back, more (the whole back), help
    named: int | None = None  # the story slot named (drill), once revealed
    intervals: dict[Rating, timedelta] = field(default_factory=dict)
    message: Message | None = None
    folded: bool = False  # the back on screen leaves sections out: `m` shows them
    offer: Offer | None = None  # decoding: the four intents offered
    choice: IntentChoice | None = None  # decoding: the pick, once made (already graded)
    confirm: bool = False  # `!` pressed: asking y/n before suspending
    leech: bool = False  # graded, and that answer made it a leech: the notice is up
    remaining: int | None = None  # commute: answers still to give, this card's included

    @property
    def compact(self) -> bool:
        return self.mode == "commute"


# ---------------------------------------------------------------- pieces


def clock_text(left: timedelta | None) -> str:
    if left is None:
        return ""
    seconds = max(0, int(left.total_seconds()))
    return f"{seconds // 60}:{seconds % 60:02d} left"


def header(view: CardView, width: int) -> Text:
    """mode · the one clock · answers done · (commute) answers left · what kind of card
    this is."""
    parts = [view.mode]
    if view.left is not None:
        parts.append(clock_text(view.left) if view.left > timedelta(0) else "time is up")
    parts.append(f"{view.done} done")
    if view.remaining is not None:
        parts.append(f"{view.remaining} left")
    wide, narrow = KIND_LABELS[view.pick.kind]
    text = Text(" · ".join(parts), style="bold")
    if view.left is not None and view.left < timedelta(minutes=1):
        text.stylize("bold yellow")
    label = wide if text.cell_len + 3 + len(wide) <= width else narrow
    text.append(f" · {label}", style="yellow" if view.pick.kind in ("practice", "widen")
                else "dim")
    return text


def question_panel(card: Card, width: int, *, roomy: bool) -> Panel:
    return Panel(Text(card.question.text, style="bold"),
                 padding=(1, 2) if roomy and width >= 60 else (0, 1), width=min(width, 100))


def slot_legend(slots: dict[int, Slot], width: int) -> Table:
    """The eight slots by number, and 9 for a system answer, so the user can name one
    without a cheat sheet."""
    columns = 2 if width >= 70 else 1
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 0))
    for _ in range(columns):
        table.add_column(style="dim", no_wrap=True, overflow="ellipsis")
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


def interval_labels(intervals: dict[Rating, timedelta]) -> tuple[dict[Rating, str], str]:
    """Each grade's interval in short words, and a note when two grades give the same."""
    labels = {r: span(intervals[r]) for r in Rating}
    same = [r for r in (Rating.HARD, Rating.GOOD, Rating.EASY)
            if r != Rating.HARD and labels[r] == labels[Rating(r - 1)]]
    if not same:
        return labels, ""
    group = sorted({r for s in same for r in (Rating(s - 1), s)})
    names = " and ".join(r.label.capitalize() for r in group)
    gap = intervals[group[0]]
    why = ("a day is the shortest gap between reviews, and this question's memory is still "
           "short" if gap <= timedelta(days=1, hours=1)
           else "the scheduler gives them the same interval")
    return labels, f"{names} both bring it back in {labels[group[0]]}: {why}"


def _fit(options: Sequence[Text], width: int) -> Text:
    """The first wording whose lines fit the width (the last one otherwise)."""
    return next((t for t in options
                 if max(line.cell_len for line in t.split("\n")) <= width), options[-1])


def _keys(pairs: Sequence[tuple[str, str]], sep: str = " · ") -> Text:
    text = Text()
    for n, (key, what) in enumerate(pairs):
        if n:
            text.append(sep, style="dim")
        text.append(key, style="bold")
        if what:
            text.append(f" {what}")
    return text


def key_step(view: CardView) -> keymap.Step:
    """The step of the card on screen in its mode's key map: what keys do right now."""
    if view.phase == "help":
        return keymap.HELP
    if view.confirm:
        return keymap.CONFIRM
    table = keymap.COMMUTE if view.compact else keymap.DRILL
    if view.leech:
        return table["leech"]
    if view.phase in ("back", "more"):
        decoded = view.choice is not None
        return table[("story" if view.compact else "read") if decoded else "grade"]
    return table[view.phase]  # front, pick


def shown_keys(view: CardView) -> list[tuple[keymap.Binding, str]]:
    """The bindings the key line shows now (before narrowing), each with its word: `m`
    only when there is more (or less) to show, a grade with its interval."""
    step = key_step(view)
    more = "less" if view.phase == "more" else "more" if view.folded else None
    intervals = interval_labels(view.intervals)[0] if view.intervals else {}
    shown: list[tuple[keymap.Binding, str]] = []
    for b in step.bindings:
        word: str | None = b.label
        if b.drop == keymap.HIDDEN:
            continue
        if b.action == "more":
            word = more
        elif b.action == "grade" and not view.compact and intervals:
            word = f"{b.label} {intervals[Rating(int(b.shown))]}"
        if word is not None:
            shown.append((b, word))
    return shown


def key_line(view: CardView, width: int) -> Text:
    """The keys that work now, worded to fit the width: the widest wording that fits, the
    step's prompt and keys left out in their `drop` order (then the step's `narrow`
    wording), then the same without the prompt, then the short words, and last the keys on
    two lines."""
    step = key_step(view)
    shown = shown_keys(view)
    cuts = sorted({b.drop for b, _ in shown if b.drop > 0}, reverse=True)
    kept = [shown, *([(b, w) for b, w in shown if b.drop == 0 or b.drop < cut]
                     for cut in cuts)]
    lines = [_keys([(b.shown, w) for b, w in pairs], step.sep) for pairs in kept]
    if step.narrow:
        lines.append(_keys(step.narrow, step.sep))
    options = [Text(step.prompt, style="bold") + line for line in lines] if step.prompt else []
    options += lines
    last = [(b.shown, b.short or w) for b, w in kept[-1]]
    half = (len(last) + 1) // 2
    options += [_keys(last, step.sep),
                _keys(last[:half], step.sep) + "\n" + _keys(last[half:], step.sep)]
    return _fit(options, width)


def leech_text(card: Card, slots: dict[int, Slot]) -> str:
    """The notice a drill gives once, when an answer makes the question a leech."""
    slot = card.question.story
    where = ("your system answer" if slot == SYSTEM_ANSWER
             else f"the story for {slot_words(slots[slot])}" if slot in slots
             else f"the story for slot {slot}")
    return (f"Leech: this question keeps lapsing. Rewrite {where}, read the whole back (m), "
            "or suspend it (!).")


def status_line(view: CardView) -> Text:
    if view.message is not None:
        return Text(view.message.text, style=view.message.style)
    if view.phase == "back" and view.compact and view.choice is not None and view.folded:
        return Text("m shows the rest of the back", style="dim")
    if view.phase == "back" and not view.compact and view.intervals:
        return Text(interval_labels(view.intervals)[1], style="dim")
    return Text("")


def keys_help(compact: bool) -> Table:
    """The `?` screen: every key of the mode, from its key map."""
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, what in keymap.help_rows("commute" if compact else "drill"):
        table.add_row(key, what)
    return table


# ---------------------------------------------------------------- whole screens


def frame(view: CardView, back: BackFn, *, width: int, height: int) -> Frame:
    """The card's screen for a window of `width` x `height`."""
    roomy = height >= 30
    head: list[RenderableType] = [header(view, width)]
    card = question_panel(view.pick.card, width, roomy=roomy)
    bottom: list[RenderableType] = [status_line(view), key_line(view, width)]
    if view.phase == "help":
        return Frame(top=head, body=[[keys_help(view.compact)]], bottom=bottom)
    if view.phase == "more":
        return Frame(top=head, body=[[back(view.pick, False, FULL, width)]], bottom=bottom)
    if view.phase == "pick":  # all four intents on screen, each cut shorter if need be
        assert view.offer is not None
        narrow = min(width, decode_view.WIDE - 1)
        return Frame(top=[*head, card],
                     body=[[decode_view.options(view.offer, width)],
                           *([decode_view.options(view.offer, narrow, lines=n)]
                             for n in (None, 3, 2, 1))],
                     bottom=bottom)
    if view.phase == "front":
        legend: list[RenderableType] = (
            [slot_legend(view.slots, width)] if view.slots and not view.compact else [])
        picked = _picked(view, width)
        return Frame(top=[*head, card], body=[[*picked, *legend], picked, []], bottom=bottom)
    verdict: list[RenderableType] = (
        [] if view.compact else [story_verdict(view.pick.card, view.named, view.slots)])
    if view.choice is not None:  # decoded: the pick's verdict stays above the back
        if view.compact:
            verdict = [_picked(view, width, own=False)[0]]
        else:
            verdict.insert(0, decode_view.verdict_line(view.choice, width))
    levels = (2, 1, 0) if view.compact else (FULL, 3, 2, 1, 0)
    return Frame(top=[*head, card, *verdict],
                 body=[[back(view.pick, view.compact, level, width)] for level in levels],
                 bottom=bottom)


def _picked(view: CardView, width: int, *, own: bool = True) -> list[RenderableType]:
    """The verdict on the intent picked from four, once there is one."""
    if view.offer is None or view.choice is None:
        return []
    return [decode_view.verdict(view.offer, view.choice, width, own=own)]


def printed_front(view: CardView, width: int) -> RenderableType:
    """The front as printed when input is piped (no frame, nothing redrawn)."""
    return Group(header(view, width), question_panel(view.pick.card, width, roomy=True))


def printed_verdict(view: CardView, width: int) -> RenderableType:
    """Decoding, piped: the verdict on the pick (the card is already printed above)."""
    return Group(*_picked(view, width, own=not view.compact))


def printed_prompt(view: CardView, width: int) -> Text:
    return key_line(view, width)


# ---------------------------------------------------------------- the summary


def summary(s: Summary, *, now: datetime, family_names: dict[str, str],
            width: int) -> RenderableType:
    if s.answered == 0:
        return Text("No questions answered this time.")
    assert s.intent_recall is not None and s.story_accuracy is not None
    lines: list[RenderableType] = [
        Text(f"Session over: {s.answered} answered in {span(s.elapsed)}.", style="bold"),
        Text(f"Intent recall {s.intent_recall:.0%} · story choice {s.story_accuracy:.0%}"),
        _family_scores(s, family_names, width),
    ]
    if s.outlook is not None:
        lines += outlook_lines(s.outlook, after_drill=True)
    nothing_due = s.outlook is None or not s.outlook.backlog.due
    if nothing_due and s.next_due is not None and s.next_due > now:
        lines.append(Text(f"Next question due {due_text(s.next_due, now)}."))
    return Group(*lines)


def _family_scores(s: Summary, names: dict[str, str], width: int) -> Table:
    table = Table(box=None, pad_edge=False, padding=(0, 1) if width < 60 else (0, 2))
    table.add_column("family", overflow="fold")
    if width >= 60:
        table.add_column("answered", justify="right")
    table.add_column("intent", justify="right", no_wrap=True)
    table.add_column("story", justify="right", no_wrap=True)
    for f in s.families:
        counts = [str(f.answered)] if width >= 60 else []
        table.add_row(names.get(f.family, f.family), *counts,
                      f"{f.intent_recalled}/{f.answered}", f"{f.story_right}/{f.answered}")
    return table
