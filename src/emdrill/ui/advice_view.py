"""The next step in plain words: the backlog in drills at the user's pace, and the weakest
family with its evidence. The home screen and the drill and commute summaries show these."""

from __future__ import annotations

from rich.text import Text

from emdrill.core.advice import Backlog, BacklogOutlook, Weakest
from emdrill.ui.fmt import plural, slot_words


def backlog_text(b: Backlog) -> Text:
    """How much is due, in drills of the user's length at their pace."""
    if not b.due:
        return Text("Nothing is due.")
    pace = "at your pace" if b.measured else "at about 20 seconds an answer"
    if b.drills <= 1:
        how = f"one {b.minutes}-minute drill clears {'it' if b.due == 1 else 'them'}"
    else:
        how = f"about {b.drills} drills of {b.minutes} minutes clear them"
    return Text(f"{plural(b.due, 'question')} due: {how} ({b.per_drill} answers a drill "
                f"{pace}).")


def weakest_text(w: Weakest) -> list[Text]:
    """The weakest family with its evidence, and the next step; commands on lines of their
    own, so a narrow window never breaks one in two."""
    lines = [Text.assemble(("Weakest: ", "bold"), (w.name, "bold red"),
                           f", {w.right} of {w.answers} right this week.")]
    drill = Text(f"  emdrill drill --family {w.family}", style="bold", no_wrap=True)
    if w.confused is not None:
        first, second = w.confused
        return [*lines, Text(f"Next step: you confuse {first} with {second}:"),
                Text(f"  emdrill drill --decode --family {w.family}", style="bold",
                     no_wrap=True)]
    if w.slot is None:
        return [*lines, Text("Next step: drill that family."), drill]
    return [*lines,
            Text(f"Next step: write your story for {slot_words(w.slot)}; "
                 f"{w.slot_questions} of its questions "
                 f"{'relies' if w.slot_questions == 1 else 'rely'} on it."),
            Text(f"  emdrill story add --slot {w.slot.slot}", style="bold", no_wrap=True),
            Text("Then drill the family:"), drill]


def outlook_lines(o: BacklogOutlook, *, after_drill: bool = False) -> list[Text]:
    lines = []
    if o.backlog.due or not after_drill:
        text = backlog_text(o.backlog)
        lines.append(Text("Still ") + text if after_drill else text)
    if o.weakest is not None:
        lines += weakest_text(o.weakest)
    return lines
