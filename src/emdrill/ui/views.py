"""Rendering of the scripting commands' results (status, next, grade, decks)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from rich.console import Console, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from emdrill.core.advice import BacklogOutlook
from emdrill.core.cards import SYSTEM_ANSWER, SYSTEM_ANSWER_NAME, story_json
from emdrill.core.order import QueueItem
from emdrill.core.scheduler import Memory, Parameters, Rating, retrievability
from emdrill.core.timing import Clock
from emdrill.ops.grading import Graded
from emdrill.ops.home_status import Status
from emdrill.ui.advice_view import backlog_text, weakest_text
from emdrill.ui.console import out
from emdrill.ui.fmt import due_text, iso, plural, span
from emdrill.ui.screen import render, terminal_size

if TYPE_CHECKING:  # `show` only: the story bank and its Markdown reader load with it
    from emdrill.ops.back import QuestionDetail


def status_json(s: Status, *, local: tzinfo) -> dict[str, Any]:
    return {"due": s.due, "new_today": s.new_today, "reviews_today": s.reviews_today,
            "streak": s.streak, "questions": s.questions, "next_due": iso(s.next_due),
            "interview": _interview_json(s, local)}


def _interview_json(s: Status, local: tzinfo) -> dict[str, Any] | None:
    if s.interview is None:
        return None
    from emdrill.ui.interview_view import plan_json  # loads only while a plan is active

    return plan_json(s.interview, local)


# The home screen's lines that give way, in this order, when it is taller than the window
# (blank lines first, then the FSRS offer, then today's tallies); the counts, the countdown
# and the advice always stay.
_BLANK, _OFFER, _TALLY = 3, 2, 1


def show_status(s: Status, *, clock: Clock, hint: bool, minutes: int,
                outlook: BacklogOutlook | None = None) -> None:
    """`status`, and with `hint` the home screen: the backlog, the weakest family with its
    next step, and the command to run. On a terminal the home screen fits the window, so
    its first lines (the interview countdown among them) never scroll off."""
    con = out()
    rows: list[tuple[int, RenderableType]] = []  # (which lines give way first, the line)

    def add(line: str | Text, gives_way: int = 0) -> None:
        rows.append((gives_way, Text.from_markup(line) if isinstance(line, str) else line))

    add(f"[bold]emdrill[/bold] · {plural(s.questions, 'question')}")
    if s.interview is not None:
        from emdrill.ui.interview_view import countdown

        add(f"  {countdown(s.interview, short=hint and con.width < 60)}")
    add(f"  due now         {s.due}")
    add(f"  new left today  {s.new_today}")
    add(f"  reviewed today  {s.reviews_today}", _TALLY)
    add(f"  streak          {plural(s.streak, 'day')}", _TALLY)
    if s.due == 0 and s.new_today == 0 and s.next_due is not None:
        add(f"  next due        {due_text(s.next_due, clock.now)}")
    if outlook is not None:
        add("", _BLANK)
        if outlook.backlog.due:
            add(backlog_text(outlook.backlog))
        for line in weakest_text(outlook.weakest) if outlook.weakest else []:
            add(line)
    if hint:
        add("", _BLANK)
        add(_next_step(s, minutes, weak=outlook is not None and outlook.weakest is not None,
                       narrow=con.width < 60))
        if s.offer_optimize:
            add("Enough history to fit FSRS to your own memory: [bold]emdrill optimize[/bold]",
                _OFFER)
    if hint and con.is_terminal:
        rows = _fit(con, rows, terminal_size(con)[1] - 1)  # the shell's prompt takes a line
    for _gives_way, shown in rows:
        con.print(shown)


def _fit(con: Console, rows: list[tuple[int, RenderableType]], room: int
         ) -> list[tuple[int, RenderableType]]:
    """`rows` without the lines that give way first, until they fit in `room` lines (or
    none is left to give way)."""
    sizes = [len(render(con, [line], con.width)) for _n, line in rows]
    total, kept = sum(sizes), set(range(len(rows)))
    for i in sorted((i for i, (n, _l) in enumerate(rows) if n), key=lambda i: -rows[i][0]):
        if total <= room:
            break
        kept.discard(i)
        total -= sizes[i]
    return [row for i, row in enumerate(rows) if i in kept]


def _next_step(s: Status, minutes: int, *, weak: bool, narrow: bool = False) -> str:
    if s.due or s.new_today:
        what = "Or today's drill" if weak else "Next"
        length = "" if narrow else f"  ({minutes}-minute drill)"
        return f"{what}: [bold]emdrill drill[/bold]{length}"
    return ("All caught up. Practice anyway: [bold]emdrill drill[/bold]  "
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
    con.print(f"{sum(r[4] for r in rows)} active questions · their ids: emdrill deck list --ids "
              "(one family: --family F)")


def decks_json(rows: Sequence[tuple[str, str, str, str, int, int]]) -> list[dict[str, Any]]:
    """`deck list --json`: each deck with its families' active and suspended counts."""
    decks: dict[str, dict[str, Any]] = {}
    for deck_id, name, version, family, active, suspended in rows:
        deck = decks.setdefault(deck_id, {"id": deck_id, "name": name, "version": version,
                                          "families": []})
        deck["families"].append({"family": family, "questions": active,
                                 "suspended": suspended})
    return list(decks.values())


def question_ids_json(rows: Sequence[tuple[str, str, str, str, bool]]) -> list[dict[str, Any]]:
    return [{"id": qid, "deck": deck, "family": family, "text": text, "suspended": suspended}
            for qid, deck, family, text, suspended in rows]


def show_question_ids(rows: Sequence[tuple[str, str, str, str, bool]]) -> None:
    """Every question id with its family and text: what `grade` and `show` take."""
    con = out()
    labels = [Text(text + (" (suspended)" if suspended else ""), style="dim" if suspended else "")
              for _qid, _deck, _family, text, suspended in rows]
    if con.width < 60:  # a phone: the id on its own line, the question under it (an id beside
        # the text left the text a column one letter wide)
        for (qid, *_), label in zip(rows, labels, strict=True):
            con.print(Text(qid, style="bold"), soft_wrap=True)  # an id stays whole, to copy
            con.print(Padding(label, (0, 0, 0, 2)))
    else:
        table = Table(box=None, show_edge=False, pad_edge=False)
        table.add_column("id", no_wrap=True)
        table.add_column("family", no_wrap=True)
        table.add_column("question", overflow="fold")
        for (qid, _deck, family, _text, _suspended), label in zip(rows, labels, strict=True):
            table.add_row(qid, family, label)
        con.print(table)
    con.print(f"{plural(len(rows), 'question')} · one in full: emdrill show ID")


# ---------------------------------------------------------------- show

STATES = {1: "learning", 2: "review", 3: "relearning"}


def _memory_json(m: Memory, now: datetime, parameters: Parameters | None,
                 local: tzinfo) -> dict[str, Any]:
    return {"state": "new" if m.is_new else STATES.get(m.state, str(m.state)),
            "due": None if m.is_new else iso(m.due), "last_review": iso(m.last_review),
            "stability_days": None if m.stability is None else round(m.stability, 4),
            "difficulty": None if m.difficulty is None else round(m.difficulty, 4),
            "retrievability": None if m.is_new else round(
                retrievability(m, now, local=local, parameters=parameters), 4)}


def question_json(d: QuestionDetail, *, now: datetime, local: tzinfo) -> dict[str, Any]:
    from emdrill.core.story_bank import best_story

    q = d.card.question
    f = d.flags
    story = best_story(q, d.back.stories)
    return {
        "id": q.id, "deck": q.deck, "family": q.family, "question": q.text,
        "intent": q.intent, "probes": list(q.probes), "story": story_json(q.story),
        "story_name": _slot_name(q.story, d),
        "also": [story_json(a) for a in q.also], "system": q.system, "traits": list(q.traits),
        "pitfall": q.pitfall, "follow_ups": list(q.follow_ups), "siblings": list(q.siblings),
        # true when out of play for good: removed from its deck, or suspended by the user
        "suspended": q.suspended or q.user_suspended,
        "removed": q.suspended,
        "buried_until": iso(f.buried_until) if f else None,
        "leech": bool(f and f.leech),
        "lapses": {"intent": f.intent_lapses, "story": f.story_lapses} if f else None,
        "draft": list(q.draft),
        "your_story": None if story is None else {"id": story.id, "title": story.title},
        "facets": {"intent": _memory_json(d.card.intent, now, d.parameters.intent, local),
                   "story": _memory_json(d.card.story, now, d.parameters.story, local)},
        "reviews": [{"at": iso(r.reviewed_at), "mode": r.mode,
                     "intent": _rating(r.intent_rating), "story": _rating(r.story_rating),
                     "slot_named": story_json(r.slot_named),
                     "seconds": r.seconds} for r in d.reviews],
    }


def _slot_name(slot: int, d: QuestionDetail) -> str | None:
    if slot == SYSTEM_ANSWER:
        return SYSTEM_ANSWER_NAME
    return d.back.slots[slot].name if slot in d.back.slots else None


def _rating(value: int | None) -> str | None:
    """A facet's grade in a review, None when the review left it ungraded (Anki grades one)."""
    return None if value is None else Rating(value).label


def _memory_text(name: str, m: Memory, now: datetime) -> Text:
    if m.is_new:
        return Text(f"{name:<7}new: not reviewed yet")
    assert m.due is not None
    text = Text(f"{name:<7}{STATES.get(m.state, '?')} · {due_text(m.due, now)}")
    if m.state == 2 and m.stability is not None:  # FSRS stability means days only in review
        text.append(f" · stability {span(timedelta(days=m.stability))}", style="dim")
    return text


def set_aside_lines(d: QuestionDetail, now: datetime) -> list[Text]:
    """What `show` says of a question set aside: suspended, buried, a leech."""
    f, lines = d.flags, list[Text]()
    if f is None:
        return lines
    if f.user_suspended:
        lines.append(Text(f"suspended: out of every drill until `emdrill unsuspend {d.card.id}`",
                          style="yellow"))
    if f.buried_until is not None and not f.user_suspended:
        lines.append(Text(f"buried: back {due_text(f.buried_until, now)} (the next study day)",
                          style="yellow"))
    if f.leech:
        lines.append(Text(f"leech: {f.intent_lapses} intent and {f.story_lapses} story lapses;"
                          " rewrite its story, read the whole back, or suspend it",
                          style="yellow"))
    return lines


def show_question(d: QuestionDetail, *, now: datetime, back: RenderableType) -> None:
    """Front, back (with the user's story), both facets' memory and the latest reviews."""
    con = out()
    q = d.card.question
    con.print(Text(q.id, style="bold").append(f" · {q.family} · deck {q.deck}"
                                              + (" · removed from its deck" if q.suspended
                                                 else ""),
                                              style="dim"))
    for line in set_aside_lines(d, now):
        con.print(line)
    if q.draft:
        con.print(Text(f"drafts, not reviewed yet: {', '.join(q.draft)} (review them: "
                       "emdrill drafts)", style="dim"), soft_wrap=True)
    con.print(Panel(Text(q.text, style="bold"), padding=(0, 1), width=min(con.width, 100)))
    con.print(back)
    if q.follow_ups:
        con.print(Text("\nFollow-ups", style="bold cyan").append(
            " (draft)" if "follow_ups" in q.draft else "", style="dim"))
        for item in q.follow_ups:
            con.print(Text(f"  · {item}"))
    con.print(Text("\nMemory", style="bold cyan"))
    con.print(_memory_text("intent", d.card.intent, now))
    con.print(_memory_text("story", d.card.story, now))
    if not d.reviews:
        con.print(Text("\nNo reviews yet.", style="dim"))
        return
    con.print(Text(f"\nLatest {plural(len(d.reviews), 'review')}", style="bold cyan"))
    for r in d.reviews:
        named = ("" if r.slot_named is None else ", said system answer"
                 if r.slot_named == SYSTEM_ANSWER else f", said slot {r.slot_named}")
        con.print(Text(f"  {r.reviewed_at:%Y-%m-%d %H:%M} {r.mode:<8} intent "
                       f"{_rating(r.intent_rating) or '—'}, story "
                       f"{_rating(r.story_rating) or '—'}{named}"))
