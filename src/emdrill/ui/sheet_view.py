"""The loop morning sheet on screen and as JSON (`interview --sheet --json`).

Two layouts, chosen the way the drill folds a card's back (`ui.screen.lay_out`, richest
first): the whole sheet, every text wrapped in full; and, from WIDE columns, a compact one
with a line per family (the intent cut at a clause, the story by slot with the titles once
below) that fits 80x24 with the bundled deck's thirteen families. When neither fits the
window (a phone), the whole sheet is shown a page at a time, a key for the next page.
Piped, the whole sheet is printed at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from emdrill.core.cards import SYSTEM_ANSWER
from emdrill.core.sheet import Lead, Sheet, Weak
from emdrill.ui.console import out
from emdrill.ui.keys import InputClosed, KeyReader
from emdrill.ui.screen import Frame, ansi, lay_out, render, terminal_size

WIDE = 60  # from this width on, the compact layout is on offer
PAGE_KEYS = "Space: next page · q: done"
# Words a cut intent may end before: the clause before them reads whole.
_BREAKS = (", ", "; ", ": ", " - ", " and ", " or ", " but ", " while ",
           " rather than ")


def sheet_json(s: Sheet, *, date: str | None, days_left: int | None) -> dict[str, Any]:
    return {
        "date": date, "days_left": days_left,
        "families": [{"family": f.family, "name": f.name, "id": f.question_id,
                      "intent": f.intent, "slot": f.slot, "story": f.story,
                      "system": f.system, "system_text": f.system_text, "misses": f.misses}
                     for f in s.leads],
        "confusions": [{"id": p.question_id, "intent": p.intent,
                        "mistaken_for": p.mistaken_for, "mistaken_intent": p.mistaken_intent,
                        "difference": p.difference, "count": p.count} for p in s.pairs],
        "weakest": [{"id": w.question_id, "intent": w.intent, "recall": round(w.recall, 4)}
                    for w in s.weakest],
    }


# ---------------------------------------------------------------- words


def clause(text: str, room: int) -> str:
    """`text` if it fits in `room` characters, else cut to fit and marked with '…': before a
    comma or a joining word when that keeps most of the room, else after a whole word
    (never inside one)."""
    text = " ".join(text.split())
    if len(text) <= room:
        return text
    limit = max(room - 1, 1)
    cuts = [i for b in _BREAKS for i in _starts(text, b) if limit * 0.6 <= i <= limit]
    if not cuts:
        space = text.rfind(" ", 0, limit + 1)
        cuts = [space] if space > 0 else [limit]
    return text[:max(cuts)].rstrip(" ,;:-") + "…"


def _starts(text: str, part: str) -> list[int]:
    found, at = [], text.find(part)
    while at >= 0:
        found.append(at)
        at = text.find(part, at + 1)
    return found


def _short(name: str) -> str:
    """A family's name by its first word (Stakeholders, Conflict) for the compact sheet."""
    return (name.split() or [name])[0]


def story_line(f: Lead) -> str:
    if f.slot == SYSTEM_ANSWER:
        return "a system answer: no story, your system and an example"
    if f.story is None:
        return f"no story yet for slot {f.slot}: emdrill story add --slot {f.slot}"
    return f"story {f.slot}: {f.story}"


def system_line(f: Lead, *, again: bool = False) -> str:
    """The family's system; `again` when an earlier family showed it: its name only."""
    if f.system_text is None:
        return f"no {f.system} system yet: emdrill system edit {f.system}"
    return f"system {f.system} (above)" if again else f"system {f.system}: {f.system_text}"


def _story_tag(f: Lead) -> str:
    if f.slot == SYSTEM_ANSWER:
        return "system"
    return f"story {f.slot}" if f.story is not None else f"no story {f.slot}"


def _indent(text: str, left: int = 2, style: str = "") -> Padding:
    return Padding(Text(text, style=style), (0, 0, 0, left))


def _empty_pairs(s: Sheet) -> list[RenderableType]:
    return [] if s.pairs else [Text("Still confused: no open pairs.")]


def _weak_head(s: Sheet) -> Text:
    return Text("Read once more:" if s.weakest else "Read once more: nothing reviewed yet.",
                style="bold" if s.weakest else "")


# ---------------------------------------------------------------- the two layouts


def full(s: Sheet, *, heading: str) -> list[RenderableType]:
    """The whole sheet: every intent, story title, system line and pair in full, wrapped."""
    items: list[RenderableType] = [Text(heading, style="bold")]
    if not s.leads:
        items.append(Text("No questions in scope."))
    shown: set[str] = set()
    for f in s.leads:
        items += [Text(f.name, style="bold"), _indent(f.intent), _indent(story_line(f)),
                  _indent(system_line(f, again=f.system in shown))]
        shown.add(f.system)
    if s.pairs:
        items.append(Text("Still confused, what tells them apart:", style="bold"))
    for p in s.pairs:
        items += [_indent(p.intent), _indent(f"vs {p.mistaken_intent}"),
                  _indent(p.difference, 4, "cyan")]
    items += _empty_pairs(s)
    items.append(_weak_head(s))
    items += [_indent(f"{w.recall:.0%} {w.intent}") for w in s.weakest]
    return items


def compact(s: Sheet, *, heading: str, width: int, pairs: int,
            titles: bool = True) -> list[RenderableType]:
    """A line per family and per weak intent (cut to the line), the titles of the stories
    and which systems are written once (`titles` False: the titles cut to share one line),
    and the first `pairs` confused pairs by the line that tells them apart."""
    items: list[RenderableType] = [Text(heading, style="bold")]
    names = [_short(f.name) for f in s.leads]
    name_w = max(map(len, names), default=0)
    tag_w = max((len(_story_tag(f)) for f in s.leads), default=0)
    sys_w = max((len(f.system) for f in s.leads), default=0)
    room = width - name_w - tag_w - sys_w - 6
    for name, f in zip(names, s.leads, strict=True):
        items.append(Text(f"{name:<{name_w}}  {_story_tag(f):<{tag_w}}  {f.system:<{sys_w}}  "
                          f"{clause(f.intent, room)}"))
    items += _legend(s.leads, width=None if titles else width)
    if s.pairs and pairs:
        items.append(Text("Still confused, tell apart:", style="bold"))
        items += [_indent(p.difference, 2, "cyan") for p in s.pairs[:pairs]]
        if len(s.pairs) > pairs:
            items.append(_indent(f"and {len(s.pairs) - pairs} more: emdrill shaky"))
    elif s.pairs:
        items.append(Text(f"Still confused: {len(s.pairs)} pairs, see emdrill shaky."))
    items += _empty_pairs(s)
    items.append(_weak_head(s))
    items += [Text(f"  {_weak_line(w, width - 2)}") for w in s.weakest]
    return items


def _weak_line(w: Weak, room: int) -> str:
    pct = f"{w.recall:.0%} "
    return pct + clause(w.intent, room - len(pct))


def _legend(leads: Sequence[Lead], *, width: int | None) -> list[RenderableType]:
    """The story titles by slot (a title told for several slots once) and which systems are
    written, once for the whole sheet; with `width`, the titles cut to share one line."""
    slots: dict[str, list[int]] = {}
    for f in sorted(leads, key=lambda f: f.slot):
        if f.story is not None and f.slot not in slots.setdefault(f.story, []):
            slots[f.story].append(f.slot)
    parts = [(", ".join(map(str, n)), title) for title, n in slots.items()]
    if width is not None and parts:
        room = (width - len("Stories: ")) // len(parts) - 3
        parts = [(n, clause(title, room - len(n) - 1)) for n, title in parts]
    stories = "Stories: " + (" · ".join(f"{n} {t}" for n, t in parts) or "none yet")
    written = sorted({f.system for f in leads if f.system_text is not None})
    unwritten = sorted({f.system for f in leads if f.system_text is None})
    systems = "Systems: " + (", ".join(written) or "none yet")
    if unwritten and written:
        systems += f"; not yet {', '.join(unwritten)}"
    return [Text(stories), Text(systems)] if leads else []


def choices(s: Sheet, *, heading: str, width: int) -> list[list[RenderableType]]:
    """The layouts on offer at this width, richest first."""
    found = [full(s, heading=heading)]
    if width >= WIDE:
        found += [compact(s, heading=heading, width=width, pairs=n, titles=titles)
                  for n in range(len(s.pairs), -1, -1) for titles in (True, False)]
    return found


# ---------------------------------------------------------------- on screen


def show_sheet(s: Sheet, *, heading: str, reader: KeyReader | None = None) -> None:
    """Print the sheet: the richest layout that fits the window; when none fits, the whole
    sheet a page at a time (a key for the next, q to stop). Piped, the whole sheet."""
    con = out()
    reader = reader or KeyReader()
    if not (con.is_terminal and reader.is_tty):
        con.print(Group(*full(s, heading=heading)))
        return
    width, height = terminal_size(con)
    room = height - 1  # the shell's prompt comes back on the last line
    laid = lay_out(con, Frame(body=choices(s, heading=heading, width=width)), width, room)
    if laid.fits:
        con.print(Group(*choices(s, heading=heading, width=width)[laid.choice]))
        return
    page(con, render(con, full(s, heading=heading), width), reader, rows=height)


def page(con: Console, lines: Sequence[Sequence[Any]], reader: KeyReader, *,
         rows: int) -> None:
    """Lines a window (`rows`) at a time, the keys on its last line; the prompt is wiped
    before the next page, so the scrollback holds the sheet alone."""
    size = max(rows - 1, 1)
    with reader.active():
        for start in range(0, len(lines), size):
            for line in lines[start:start + size]:
                con.file.write(ansi(con, list(line)).rstrip() + "\n")
            if start + size >= len(lines):
                break
            con.file.write(PAGE_KEYS)
            con.file.flush()
            try:
                key = reader.read()
            except (InputClosed, KeyboardInterrupt):
                key = None
            con.file.write("\r\x1b[2K")
            if key is None or key.value in ("q", "esc"):
                break
    con.file.flush()
