"""Rendering for `suggest`, `add` and `import`. User text goes in as `Text`, never markup."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from emdrill.core.cards import story_label
from emdrill.core.suggest import SYSTEM, Story, Suggestion
from emdrill.ops.suggestions import Suggested
from emdrill.ui.console import out
from emdrill.ui.fmt import plural

if TYPE_CHECKING:  # `suggest` runs without the store's heavy imports; these bring them
    from emdrill.ops.drafts import Pending
    from emdrill.ops.plan_scope import Widening
    from emdrill.ops.questions import Added, ImportResult, Proposal

LABEL = 12  # width of the labels in a suggestion block


def _story_json(story: Story) -> int | str:
    return story if isinstance(story, int) else SYSTEM


def suggestion_json(s: Suggestion) -> dict[str, Any]:
    """The stable JSON shape of one suggestion."""
    return {"question": s.question, "family": s.family, "story": _story_json(s.story),
            "also": [_story_json(a) for a in s.also], "confidence": s.confidence,
            "nearest": [{"id": qid, "score": score} for qid, score in s.nearest],
            "intent": s.intent, "basis": s.basis or None,
            "candidates": [{"id": qid, "intent": intent, "score": score}
                           for qid, intent, score in s.candidates]}


def _story_line(story: Story, also: tuple[Story, ...], slots: Mapping[int, str]) -> str:
    main = ("system answer: open with your system, then a short example" if story == SYSTEM
            else f"{story} {slots.get(story, '') if isinstance(story, int) else ''}".rstrip())
    return main + (f"; also {', '.join(str(a) for a in also)}" if also else "")


def _row(label: str, value: str, *, width: int, note: str = "") -> Text:
    """`  label       value`, the value wrapped under itself; `note` dim at its end."""
    indent = " " * (2 + LABEL)
    kept = note.replace(" ", "\u00a0")  # the note is never split over two lines
    lines = textwrap.wrap(f"{value}  {kept}" if note else value, max(20, width - len(indent)))
    text = Text(f"  {label:<{LABEL}}", style="dim")
    text.append(("\n" + indent).join(lines).replace("\u00a0", " "))
    if note:
        text.stylize("dim", len(text) - len(note))
    return text


def _reason(line: str) -> str:
    """The engine names its concept terms `~conflict`; here they read `conflict (theme)`."""
    return re.sub(r"~(\w+)", r"\1 (theme)", line)


def show_suggestions(result: Suggested) -> None:
    con = out()
    for n, s in enumerate(result.items):
        if n:
            con.print()
        con.print(Text(s.question or "(empty)", style="bold"), soft_wrap=True)
        name = result.family_names.get(s.family, "")
        _explain(con.width, s, family=f"{s.family}" + (f" ({name})" if name else ""),
                 story=_story_line(s.story, s.also, result.slot_names), intent=s.intent)


def _explain(width: int, s: Suggestion, *, family: str, story: str, intent: str) -> None:
    con = out()
    con.print(_row("family", family, width=width))
    con.print(_row("story", story, width=width))
    con.print(_row("confidence", f"{s.confidence:.2f}", width=width))
    if intent:
        con.print(_row("intent", intent, width=width, note="(a draft)"))
    else:
        con.print(_row("intent", "not drafted: no card is close enough. Decode it yourself; "
                       "the nearest cards want to know:", width=width))
        for n, (qid, text, _) in enumerate(s.candidates, 1):
            con.print(_row("", f"{n}. {text}", width=width, note=f"({qid})"))
    for i, reason in enumerate(s.reasons):
        con.print(_row("why" if i == 0 else "", _reason(reason), width=width))


def show_proposal(p: Proposal) -> None:
    """What `add` is about to write, and why."""
    con = out()
    s, card = p.suggestion, p.card
    con.print(Text(card.text, style="bold"), soft_wrap=True)
    story = f"{card.story} {p.slot_name}".rstrip()
    story += f"; also {', '.join(map(story_label, card.also))}" if card.also else ""
    if s.story == SYSTEM and "story" in card.draft:
        story += " (suggested: a system answer; a deck card needs a slot)"
    _explain(con.width, s, family=f"{card.family} ({p.family_name})", story=story,
             intent="" if card.candidates else card.intent)


def show_added(a: Added) -> None:
    con = out()
    con.print(Text(f"added {a.card.id} to {a.path}"), soft_wrap=True)
    if a.card.draft:
        con.print(Text(f"  drafts to review: {', '.join(a.card.draft)} "
                       "(review them: emdrill drafts)", style="dim"),
                  soft_wrap=True)
    con.print(Text("  it comes first among new questions: emdrill drill", style="dim"))


def show_import(r: ImportResult) -> None:
    con = out()
    con.print(_import_table(r))
    review = sum(1 for row in r.rows if row.review)
    for line in _import_summary(r, review):
        con.print(Text(line), soft_wrap=True)
    undecoded = sum(1 for row in r.rows if row.undecoded)
    if undecoded and not r.dry_run:
        con.print(Text(f"rows marked decode ({undecoded}) have no intent drafted (no card is "
                       "close enough): pick one of their candidates or write your own with "
                       "emdrill drafts", style="dim"), soft_wrap=True)
    if review and not r.dry_run:
        con.print(Text("rows marked review have a guessed family and story; every drafted "
                       "field is marked in the file: review them with emdrill drafts",
                       style="dim"), soft_wrap=True)


def _import_table(r: ImportResult) -> Table:
    table = Table(box=None, show_edge=False, pad_edge=False)
    for name in ("line", "question", "family", "story", "conf", "status"):
        table.add_column(name, justify="right" if name in ("line", "conf") else "left",
                         overflow="fold" if name == "question" else "ellipsis",
                         no_wrap=name != "question")
    for row in r.rows:
        status = f"duplicate of line {row.first}" if row.status == "duplicate" else row.status
        if row.review:
            status += ", review"
        if row.undecoded:
            status += ", decode"
        conf = "-" if row.confidence is None else f"{row.confidence:.2f}"
        table.add_row(str(row.line), Text(row.text), row.family, str(row.story), conf, status)
    return table


def _import_summary(r: ImportResult, review: int) -> list[str]:
    counts = {k: sum(1 for row in r.rows if row.status == k)
              for k in ("new", "edited", "unchanged", "duplicate")}
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    lines = [f"{r.source} ({r.format}): {plural(len(r.rows), 'row')}: {summary or 'none'}; "
             f"{review} to review"]
    if r.removed:
        lines.append(f"gone from the list, so suspended (history kept): {', '.join(r.removed)}")
    if r.dry_run:
        lines.append(f"dry run: nothing written (would write {r.path})")
    elif r.loaded is not None:
        done = r.loaded
        lines.append(f"wrote {r.path} (deck {r.deck}): added {done.added}, updated "
                     f"{done.updated}, unchanged {done.unchanged}, suspended {done.suspended}, "
                     f"restored {done.restored}")
    return lines


def show_draft(item: Pending, *, n: int, total: int) -> None:
    """One card to review: what it asks, each field emdrill filled in, the candidates."""
    con = out()
    card = item.card
    con.print()
    con.print(Text(f"draft {n} of {total} · {card.id} · {item.path.name}", style="dim"),
              soft_wrap=True)
    con.print(Text(card.text, style="bold"), soft_wrap=True)
    story = str(card.story) if 1 <= card.story <= 8 else SYSTEM
    fields = [("family", card.family), ("story", story),
              ("also", ", ".join(map(str, card.also)) or "-"), ("intent", card.intent),
              ("probes", "; ".join(card.probes)), ("system", card.system),
              ("pitfall", card.pitfall)]
    for name, value in fields:
        if name == "intent" and item.undecoded:
            con.print(_row("intent", "not drafted: decode it (pick a candidate or edit)",
                           width=con.width, note="(draft)"))
            continue
        con.print(_row(name, value, width=con.width,
                       note="(draft)" if name in card.draft else ""))
    for k, (qid, intent) in enumerate(item.candidates, 1):
        con.print(_row("candidate" if k == 1 else "", f"{k}. {intent}", width=con.width,
                       note=f"({qid})"))


def show_drafts_done(done: Mapping[str, int], *, left: int) -> None:
    line = f"reviewed {done['reviewed']}, skipped {done['skipped']}"
    if left:
        line += f"; {left} left"
    out().print(Text(line + ("; run `emdrill drafts` again for the rest" if left or
                             done["skipped"] else "")), soft_wrap=True)


# ---------------------------------------------------------------- the plan's scope


def _counts(w: Widening, *, after: bool) -> str:
    questions = w.questions_after if after else w.questions_before
    minutes = w.minutes_after if after else w.minutes_before
    return f"{plural(questions, 'question')}, {plural(minutes, 'minute')} a day to cover them"


def widening_line(w: Widening) -> str:
    """What letting the questions in would do to the plan, asked before it is done."""
    return (f"This adds {plural(len(w.ids), 'question')} to your interview plan's scope: "
            f"{w.questions_before} -> {w.questions_after} questions, {w.minutes_before} -> "
            f"{w.minutes_after} minutes a day to cover them.")


def kept_out_line(w: Widening, *, how: str) -> str:
    """One line: the questions stay out of the plan's scope, and how to let them in."""
    return (f"Kept {plural(len(w.ids), 'new question')} out of your interview plan's scope "
            f"(it stays at {_counts(w, after=False)}); {how} puts "
            f"{'it' if len(w.ids) == 1 else 'them'} in.")


def let_in_line(w: Widening) -> str:
    return (f"Put {plural(len(w.ids), 'question')} in your interview plan's scope: now "
            f"{_counts(w, after=True)}.")


def show_scope_line(line: str, *, terminal: bool) -> None:
    """Wrapped at words on a terminal; one line when piped (a script reads it whole)."""
    out().print(Text(line), soft_wrap=not terminal)
