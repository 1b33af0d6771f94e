"""What `export json` and `import` print."""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path

from rich.markup import escape

from emdrill.ops.anki_import import AnkiImport
from emdrill.ops.transfer import JsonImport
from emdrill.ui.console import out
from emdrill.ui.fmt import plural

# section -> (one, many)
_LABELS = {"questions": ("question", "questions"), "progress": ("facet", "facets"),
           "reviews": ("review", "reviews"), "stories": ("story", "stories"),
           "systems": ("system", "systems"), "settings": ("setting", "settings")}


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(_count(counts[name], name) for name in _LABELS)


def _count(n: int, section: str) -> str:
    one, many = _LABELS[section]
    return f"{n} {one if n == 1 else many}"


def show_json_export(path: Path, counts: dict[str, int]) -> None:
    out().print(f"wrote {escape(str(path))}: {_summary(counts)}", soft_wrap=True)


def show_json_import(path: Path, done: JsonImport) -> None:
    con = out()
    if done.dry_run:
        con.print(f"{escape(str(path))} reads cleanly: {_summary(done.counts)}", soft_wrap=True)
        if any(done.replaced.values()):
            con.print("importing it would replace the collection, which holds "
                      f"{_summary_mine(done.replaced)} (needs --replace)")
        con.print("dry run: nothing written")
        return
    if done.backup is not None:
        con.print(f"backed up the collection to {escape(str(done.backup))}", soft_wrap=True)
    con.print(f"imported {escape(str(path))}: {_summary(done.counts)}", soft_wrap=True)


def _summary_mine(counts: dict[str, int]) -> str:
    return ", ".join(_count(n, name) for name, n in counts.items() if n)


def _when(at: datetime, local: tzinfo) -> str:
    return at.astimezone(local).strftime("%Y-%m-%d %H:%M")


def show_anki_import(path: Path, result: AnkiImport, *, local: tzinfo) -> None:
    con = out()
    if not result.logged:
        con.print(f"no reviews in {escape(str(path))}: in Anki, export the deck as an .apkg "
                  "with \"Include scheduling information\" ticked", soft_wrap=True)
        return
    planned = result.planned
    intent = sum(1 for p in planned if p.facet == "intent")
    verb = "would record" if result.dry_run else "recorded"
    con.print(f"{verb} {plural(len(planned), 'review')} from Anki: {intent} intent, "
              f"{len(planned) - intent} story, on {plural(len(result.questions), 'question')}")
    if planned:
        con.print(f"  answered from {_when(planned[0].at, local)} "
                  f"to {_when(planned[-1].at, local)}")
    if result.dry_run:
        for p in planned:
            con.print(f"  {_when(p.at, local)}  {p.facet:<6}  {p.rating.label:<5}  "
                      f"{escape(p.question_id)}")
    if result.already:
        con.print(f"already imported before: {plural(result.already, 'review')}")
    if result.unknown:
        con.print(f"not from emdrill, left alone: {plural(result.unknown, 'review')} of "
                  f"{plural(result.unknown_notes, 'note')}")
    if result.previews:
        con.print("previews in Anki (a filtered deck that does not reschedule), skipped: "
                  f"{plural(result.previews, 'review')}")
    if result.forgotten:
        con.print("answers before a reset in Anki (Forget), skipped: "
                  f"{plural(result.forgotten, 'review')}")
    if result.not_answers:
        con.print(f"schedule changes made in Anki (no answer), skipped: {result.not_answers}")
    if result.dry_run:
        con.print("dry run: nothing written")
    elif result.backup is not None:
        con.print(f"backed up the collection first to {escape(str(result.backup))}",
                  soft_wrap=True)
