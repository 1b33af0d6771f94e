"""The loop morning sheet on screen (one screen at 80x24; pages at narrow widths) and as
JSON (`interview --sheet --json`)."""

from __future__ import annotations

import shutil
import sys
from typing import Any

from emdrill.core.sheet import Lead, Pair, Sheet
from emdrill.core.types import SYSTEM_ANSWER
from emdrill.ui.console import out

SCREEN_ROWS = 23  # lines the wide sheet may take: 24 rows less the shell's prompt
WIDE = 60  # from this width on, one line per family


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


def _cut(text: str, width: int) -> str:
    lead = text[:len(text) - len(text.lstrip())]
    text = lead + " ".join(text.split())
    return text if len(text) <= width else text[:max(width - 1, 0)].rstrip() + "…"


def _short(name: str) -> str:
    """A family's name by its first word (Stakeholders, Conflict) for the wide sheet."""
    return (name.split() or [name])[0]


def _story(f: Lead) -> str:
    if f.slot == SYSTEM_ANSWER:
        return "system answer"
    return f"story {f.slot} {f.story}" if f.story else f"no story: write slot {f.slot}"


def _system(f: Lead) -> str:
    return f"{f.system}: {f.system_text}" if f.system_text else f"no {f.system} system"


def _pair_lines(p: Pair, width: int) -> list[str]:
    if width >= WIDE:
        half = (width - 5) // 2
        return [f"  {_cut(p.intent, half)} | {_cut(p.mistaken_intent, width - half - 5)}",
                f"    {_cut('apart: ' + p.difference, width - 4)}"]
    return [f"  {_cut(p.intent, width - 2)}",
            f"  vs {_cut(p.mistaken_intent, width - 5)}",
            f"    {_cut('apart: ' + p.difference, width - 4)}"]


def sheet_lines(s: Sheet, width: int, *, heading: str) -> list[str]:
    """The sheet as plain lines of at most `width` characters; at WIDE or more it is
    trimmed to SCREEN_ROWS (confused pairs that do not fit are counted, not shown)."""
    lines = [_cut(heading, width)]
    if not s.leads:
        lines.append("No questions in scope.")
    name_width = min(max((len(_short(f.name)) for f in s.leads), default=0), 12)
    for f in s.leads:
        if width >= WIDE:
            story = _cut(_story(f), 20)
            system = _cut(f"system {f.system}" if f.system_text else f"no {f.system} system", 18)
            room = width - name_width - 1 - len(story) - len(system) - 6
            lines.append(f"{_cut(_short(f.name), name_width):<{name_width}} "
                         f"{_cut(f.intent, room):<{room}} · {story} · {system}")
        else:
            lines.append(_cut(f"{f.name}: {f.intent}", width))
            lines.append(f"  {_cut(_story(f), width - 2)}")
            lines.append(f"  {_cut(_system(f), width - 2)}")
    weak = ["Read once more:"] + [
        _cut(f"  {w.recall:.0%} {w.intent}", width) for w in s.weakest] if s.weakest else [
        "Read once more: nothing reviewed yet."]
    pairs: list[str] = []
    if s.pairs:
        pairs.append("Still confused (tell them apart):")
        shown = 0
        for p in s.pairs:
            block = _pair_lines(p, width)
            if width >= WIDE and len(lines) + len(pairs) + len(block) + len(weak) + 1 > \
                    SCREEN_ROWS:
                break
            pairs += block
            shown += 1
        if shown < len(s.pairs):
            pairs.append(f"  +{len(s.pairs) - shown} more: emdrill shaky")
    else:
        pairs.append("Still confused: no open pairs.")
    return lines + pairs + weak


def show_sheet(s: Sheet, *, heading: str) -> None:
    """Print the sheet; on a terminal too short for it, a page at a time with a more
    prompt (Enter for the next page, q to stop). Piped, everything at once."""
    con = out()
    lines = sheet_lines(s, con.width, heading=heading)
    terminal = sys.stdout.isatty() and sys.stdin.isatty()
    rows = shutil.get_terminal_size((con.width, 24)).lines if terminal else 0
    page = max(rows - 1, 3)
    if not terminal or len(lines) <= page:
        for line in lines:
            con.print(line, markup=False, highlight=False)
        return
    for start in range(0, len(lines), page):
        for line in lines[start:start + page]:
            con.print(line, markup=False, highlight=False)
        if start + page >= len(lines):
            break
        con.print("-- more: Enter, q to stop --", end="", markup=False)
        answer = sys.stdin.readline()
        if answer.strip().lower().startswith("q") or not answer:
            break
