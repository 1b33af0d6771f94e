"""Rendering of the scripting commands' results (status, next, grade, decks)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from rich.table import Table

from emdrill.core.order import QueueItem
from emdrill.core.timing import Clock
from emdrill.ops.collection import Graded, Status
from emdrill.ui.console import out
from emdrill.ui.fmt import due_text, iso, plural, span


def status_json(s: Status, *, local: tzinfo) -> dict[str, Any]:
    return {"due": s.due, "new_today": s.new_today, "reviews_today": s.reviews_today,
            "streak": s.streak, "questions": s.questions, "next_due": iso(s.next_due),
            "interview": _interview_json(s, local)}


def _interview_json(s: Status, local: tzinfo) -> dict[str, Any] | None:
    if s.interview is None:
        return None
    from emdrill.ui.interview_view import plan_json  # loads only while a plan is active

    return plan_json(s.interview, local)


def show_status(s: Status, *, clock: Clock, hint: bool, minutes: int) -> None:
    con = out()
    con.print(f"[bold]emdrill[/bold] · {plural(s.questions, 'question')}")
    if s.interview is not None:
        from emdrill.ui.interview_view import countdown

        con.print(f"  {countdown(s.interview)}")
    con.print(f"  due now         {s.due}")
    con.print(f"  new left today  {s.new_today}")
    con.print(f"  reviewed today  {s.reviews_today}")
    con.print(f"  streak          {plural(s.streak, 'day')}")
    if s.due == 0 and s.new_today == 0 and s.next_due is not None:
        con.print(f"  next due        {due_text(s.next_due, clock.now)}")
    if hint:
        con.print(_next_step(s, minutes))
        if s.offer_optimize:
            con.print("Enough history to fit FSRS to your own memory: "
                      "[bold]emdrill optimize[/bold]")


def _next_step(s: Status, minutes: int) -> str:
    if s.due or s.new_today:
        return f"\nNext: [bold]emdrill drill[/bold]  ({minutes}-minute drill)"
    return ("\nAll caught up. Practice anyway: [bold]emdrill drill[/bold]  "
            "or see [bold]emdrill shaky[/bold]")


def queue_item_json(item: QueueItem) -> dict[str, Any]:
    q = item.card.question
    return {"id": q.id, "family": q.family, "question": q.text,
            "due": None if item.new else iso(item.card.due), "new": item.new}


def show_queue(items: Sequence[QueueItem], *, now: datetime) -> None:
    con = out()
    if not items:
        con.print("Nothing due and no new questions left today.")
        return
    table = Table(box=None, show_edge=False, pad_edge=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("id")
    table.add_column("when")
    table.add_column("question", overflow="fold")
    for n, item in enumerate(items, start=1):
        when = "new" if item.new else due_text(item.card.due, now)
        table.add_row(str(n), item.card.id, when, item.card.question.text)
    con.print(table)


def show_graded(g: Graded, *, now: datetime, picked: str | None = None) -> None:
    story = "right" if g.story_rating >= 3 else ("close" if g.story_rating == 2 else "wrong")
    if picked is not None:
        out().print(f"intent pick: {'right' if picked == g.card.id else f'wrong ({picked})'}")
    q = g.card.question
    best = "system answer" if q.system_answer else f"slot {q.story}"
    out().print(f"graded {g.card.id}: intent {g.intent_rating.label} → next in "
                f"{span(g.intent_due - now)}; story {story} ({best}) → "
                f"next in {span(g.story_due - now)}")


def show_batch(done: Sequence[Graded], *, now: datetime) -> None:
    for g in done:
        show_graded(g, now=now)
    out().print(f"recorded {plural(len(done), 'review')}")


def show_decks(rows: Sequence[tuple[str, str, str, str, int, int]]) -> None:
    con = out()
    if not rows:
        con.print("No decks loaded. Run: emdrill deck load")
        return
    table = Table(box=None, show_edge=False, pad_edge=False)
    for name in ("deck", "family", "questions", "suspended"):
        table.add_column(name, justify="right" if name in ("questions", "suspended") else "left")
    last = ""
    for deck_id, name, version, family, active, suspended in rows:
        label = f"{name} ({deck_id} {version})" if deck_id != last else ""
        last = deck_id
        table.add_row(label, family, str(active), str(suspended or ""))
    con.print(table)
    con.print(f"{sum(r[4] for r in rows)} active questions")
