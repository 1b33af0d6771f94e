"""Rendering for the story and system commands. User text goes in as `Text`, never markup."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.table import Table
from rich.text import Text

from emdrill.core.cards import Slot
from emdrill.core.stories import PARTS, SYSTEM_NAMES, SYSTEM_PROMPTS, Story
from emdrill.core.story_bank import ImportPlan, StoryCoverage
from emdrill.ui.console import out
from emdrill.ui.fmt import iso, plural, slot_words


def _slot_name(number: int, slots: Mapping[int, Slot]) -> str:
    return f"{number} · {slots[number].name}" if number in slots else f"slot {number}"


def show_saved(story: Story, slots: Mapping[int, Slot], *, verb: str) -> None:
    line = Text(f"{verb} story {story.id}: ").append(story.title, style="bold")
    line.append(f" (main slot {_slot_name(story.slot, slots)})")
    out().print(line)
    if story.missing():
        out().print(Text(f"still empty: {', '.join(story.missing())} "
                         f"(fill in with: emdrill story edit {story.id})", style="dim"))


def show_list(stories: Sequence[Story]) -> None:
    con = out()
    if not stories:
        con.print("No stories yet. Write the first: emdrill story add  "
                  "(see what to write: emdrill story coverage)")
        return
    table = Table(box=None, show_edge=False, pad_edge=False)
    table.add_column("id", justify="right")
    table.add_column("slots")
    table.add_column("title", overflow="fold")
    table.add_column("missing", overflow="fold")
    for s in stories:
        table.add_row(str(s.id), ", ".join(str(n) for n in s.slots), Text(s.title),
                      ", ".join(s.missing()) or "-")
    con.print(table)


def show_story(story: Story, slots: Mapping[int, Slot], *, backs: int) -> None:
    con = out()
    con.print(Text(f"Story {story.id}: ").append(story.title, style="bold"))
    names = [_slot_name(n, slots) + (" (main)" if i == 0 and len(story.slots) > 1 else "")
             for i, n in enumerate(story.slots)]
    con.print(Text("slots: " + "; ".join(names), style="dim"))
    if story.hook:
        con.print(Text("hook:  ", style="dim").append(story.hook, style="italic"))
    if story.tags:
        con.print(Text("tags:  " + ", ".join(story.tags), style="dim"))
    con.print(Text(f"on the back of {plural(backs, 'question')}", style="dim"))
    for name in PARTS:
        con.print()
        con.print(Text(name.capitalize(), style="bold cyan"))
        con.print(Text(story.part(name) or "(empty)", style="" if story.part(name) else "dim"))


def show_coverage(cov: StoryCoverage, *, open_findings: Mapping[int, int] | None = None) -> None:
    """`open_findings`: story id -> the coach's open findings, marked with a `!`."""
    con = out()
    flagged = open_findings or {}
    wide = con.width >= 60  # on a phone-sized terminal the slot names make way for titles
    table = Table(box=None, show_edge=False, pad_edge=False)
    table.add_column("slot", justify="right")
    if wide:
        table.add_column("story it stands for")
    table.add_column("questions" if wide else "qs", justify="right")
    table.add_column("your stories", overflow="fold")
    for row in cov.slots:
        titles = Text("; ".join(f"{s.title} (#{s.id}){'!' if flagged.get(s.id or 0) else ''}"
                                for s in row.stories))
        cells = [str(row.slot.slot), *([row.slot.name or "-"] if wide else []),
                 str(row.questions)]
        table.add_row(*cells, titles if row.stories else Text("none yet", style="bold red"))
    con.print(table)
    if any(flagged.values()):
        ids = ", ".join(f"#{i}" for i, n in sorted(flagged.items()) if n)
        con.print(Text(f"! the coach has open findings on {ids} (see emdrill story check)",
                       style="yellow"))
    if cov.system_answers:
        each = ", ".join(f"{n} {category}" for category, n in cov.system_answers)
        total = sum(n for _, n in cov.system_answers)
        con.print(Text(f"system answers (no story; your system and a short example): "
                       f"{plural(total, 'question')} ({each})", style="dim"))
    gaps = [f"{slot_words(r.slot)} has no story; "
            f"{plural(r.questions, 'question')} {'relies' if r.questions == 1 else 'rely'} on it"
            + (f", {r.weak} of them weak for you" if r.weak else "")
            for r in cov.empty]
    for n in cov.narrow:
        slots = ", ".join(str(s) for s in n.slots)
        gaps.append(f"family '{n.family}': all {n.questions} questions land on "
                    f"'{n.story.title}'; write another story for slot {slots} and tag it "
                    "with the ids of the questions it fits best")
    con.print()
    if not gaps:
        con.print("No gaps: every slot has a story and every family has more than one.")
        return
    con.print(Text("Gaps", style="bold"))
    listed = Table.grid(padding=(0, 1))
    listed.add_column(no_wrap=True)
    listed.add_column(ratio=1)
    for gap in gaps:
        listed.add_row("  -", Text(gap))
    con.print(listed)
    if any(r.weak for r in cov.empty):
        con.print(Text("weak for you: missed lately, or in a family you miss more than usual "
                       "(see emdrill shaky)", style="dim"))
    if cov.empty:
        con.print(f"\nWrite next: emdrill story add --slot {cov.empty[0].slot.slot}")


def show_import(plan: ImportPlan, *, source: str, dry_run: bool) -> None:
    con = out()
    verb = "would add" if dry_run else "added"
    for story in plan.added:
        what = f" as story {story.id}" if story.id is not None else ""
        con.print(Text(f"{verb}{what}: ").append(story.title), soft_wrap=True)
    for story in plan.updated:
        con.print(Text(f"{'would update' if dry_run else 'updated'} story {story.id}: ")
                  .append(story.title), soft_wrap=True)
    summary = (f"{source}: {len(plan.added)} added, {len(plan.updated)} updated, "
               f"{len(plan.unchanged)} unchanged")
    con.print(Text(summary + (" (dry run: nothing written)" if dry_run else "")),
              soft_wrap=True)


def show_systems(systems: Mapping[str, str], categories: Sequence[str]) -> None:
    con = out()
    for n, category in enumerate(categories):
        if n:
            con.print()
        con.print(Text(f"{category}", style="bold cyan")
                  .append(f"  {SYSTEM_NAMES[category]}", style="dim"))
        text = systems.get(category, "")
        if text:
            con.print(Text(text))
        else:
            con.print(Text(f"not written yet. {SYSTEM_PROMPTS[category]}", style="dim"))
            con.print(Text(f"write it: emdrill system edit {category}", style="dim"))


def show_tag_warnings(found: Sequence[tuple[Story, str, str | None]]) -> None:
    """Tags that match no question id or family: the back ignores them, so say so."""
    for story, tag, close in found:
        hint = f"; did you mean '{close}'?" if close else ""
        out().print(Text(f"note: story '{story.title}': tag '{tag}' is neither a question id nor a "
                         f"family, so no card picks this story by it{hint} (ids: emdrill deck "
                         "list --ids)", style="yellow"), soft_wrap=False)


# ---------------------------------------------------------------- JSON


def story_json(story: Story, slots: Mapping[int, Slot] | None = None,
               *, backs: int | None = None) -> dict[str, object]:
    """One story as `story list --json` and `story show --json` print it."""
    value: dict[str, object] = {
        "id": story.id, "title": story.title, "slots": list(story.slots), "hook": story.hook,
        "tags": list(story.tags), **{part: story.part(part) for part in PARTS},
        "missing": list(story.missing()),
        "created_at": iso(story.created_at), "updated_at": iso(story.updated_at)}
    if slots is not None:
        value["slot_names"] = {str(n): slots[n].name for n in story.slots if n in slots}
    if backs is not None:
        value["backs"] = backs
    return value


def coverage_json(cov: StoryCoverage, *, open_findings: Mapping[int, int] | None = None
                  ) -> dict[str, object]:
    """`open_findings`: story id -> the coach's open findings (`story check`)."""
    return {
        "slots": [{"slot": row.slot.slot, "name": row.slot.name,
                   "stories": [s.id for s in row.stories], "questions": row.questions,
                   "missed_lately": row.weak} for row in cov.slots],
        "write_next": [row.slot.slot for row in cov.empty],
        "narrow_families": [{"family": n.family, "story": n.story.id, "questions": n.questions,
                             "slots": list(n.slots)} for n in cov.narrow],
        "system_answers": [{"category": c, "questions": n} for c, n in cov.system_answers],
        "open_findings": [{"story": sid, "findings": n}
                          for sid, n in sorted((open_findings or {}).items()) if n],
    }


def systems_json(systems: Mapping[str, str], categories: Sequence[str]) -> dict[str, object]:
    return {c: {"name": SYSTEM_NAMES[c], "text": systems.get(c, "")} for c in categories}
