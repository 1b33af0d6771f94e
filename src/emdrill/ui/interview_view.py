"""Rendering of the interview plan (`interview`, the home countdown, `stats`) and of
`optimize`: JSON shapes and rich screens."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from emdrill.core.exam import likely_counts
from emdrill.core.fitting import Score
from emdrill.core.interview import Interview
from emdrill.core.plan import PlanCoverage, weakest_families
from emdrill.ops.interview import InterviewOutlook
from emdrill.ops.optimize import FacetResult
from emdrill.ui.console import out
from emdrill.ui.exam import exam_summary
from emdrill.ui.fmt import iso, plural


def _r(value: float) -> float:
    return round(value, 4)


def plan_json(o: InterviewOutlook, local: tzinfo) -> dict[str, Any]:
    """The `interview --json` shape (also `status --json`'s and `stats --json`'s
    `interview`). Readiness is the predicted recall on the interview morning, 0 to 1."""
    p, r = o.plan, o.plan.readiness
    return {
        "date": iso(o.interview.at.astimezone(local)), "days_left": p.days_left,
        "in_scope": p.in_scope, "seen": p.seen, "new_per_day": p.new_per_day,
        "answers_per_day": p.answers_per_day, "minutes_per_day": p.minutes_per_day,
        "unseen_at_date": p.unseen_at_date,
        "readiness": {"intent": _r(r.intent), "story": _r(r.story), "families": [
            {"family": f.family, "in_scope": f.in_scope, "seen": f.seen,
             "intent": _r(f.intent), "story": _r(f.story)} for f in r.families]},
        "groups": {"in_scope": o.groups_in_scope, "seen": o.groups_seen},
        "exam": exam_summary(o.exam) if o.exam is not None else None,
        "forecast_unseen": {"intent": _r(o.forecast_unseen.intent),
                            "story": _r(o.forecast_unseen.story),
                            "measured": o.forecast_unseen.measured,
                            "source": o.forecast_unseen.source,
                            "low": _r(o.forecast_unseen.low),
                            "high": _r(o.forecast_unseen.high),
                            "story_low": _r(o.forecast_unseen.story_low),
                            "story_high": _r(o.forecast_unseen.story_high)},
    }


def interview_json(o: InterviewOutlook, local: tzinfo) -> dict[str, Any]:
    """`interview --json`: the plan (`plan_json`), what a few drill lengths buy, the
    narrower scopes that fit and the weakest families (only this command works those out)."""
    return {**plan_json(o, local),
            "coverage": [{"minutes": b.coverage.minutes, "groups_once": b.coverage.groups_once,
                          "groups": b.coverage.groups,
                          "by": b.by.isoformat() if b.by is not None else None,
                          "reviews_each": b.coverage.reviews_each,
                          "siblings": b.coverage.siblings} for b in o.buys],
            "narrower": [{"families": list(n.families), "minutes_needed": n.minutes_needed,
                          "groups_once": n.groups_once} for n in o.narrower],
            "exam_step": {"questions": o.exam_step} if o.exam_step else None,
            "weakest": [{"family": w.family, "readiness": _r(w.readiness), "seen": w.seen,
                         "in_scope": w.in_scope, "do": w.do, "command": w.command}
                        for w in weakest_families(o.plan.readiness, o.plan.days_left)]}


def measured_lines(o: InterviewOutlook) -> list[str]:
    """Intent groups seen, the last exam, and the forecast for questions never seen."""
    lines = [f"Intent groups seen: {o.groups_seen} of {o.groups_in_scope}."]
    if o.exam is None:
        lines.append("No exam yet: `emdrill exam` measures decoding on unseen questions.")
    else:
        low, high = likely_counts(o.exam.intent_right, o.exam.questions)
        lines.append(f"Last exam ({o.exam.at:%d %b}): {o.exam.intent_right} of "
                     f"{o.exam.questions} intents, likely {low}-{high}; "
                     f"{o.exam.story_right} stories.")
    f = o.forecast_unseen
    source = {"exams": "from your exams",
              "first sights": "from your first sights until two exams"}.get(
                  f.source, "a prior until two exams")
    lines.append(f"Unseen questions on the day: intent {f.intent:.0%} (likely "
                 f"{f.low * 100:.0f}-{f.high:.0%}), story {f.story:.0%} ({source}).")
    return lines


def when(at: datetime, local: tzinfo) -> str:
    return at.astimezone(local).strftime("%a %d %b %Y %H:%M")


def _days(days: int) -> str:
    return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")


def drilled_recall(o: InterviewOutlook) -> float | None:
    """Mean recall now of the questions drilled in scope (None before any is drilled)."""
    p = o.plan
    return p.now.overall * p.in_scope / p.seen if p.seen else None


def countdown(o: InterviewOutlook, *, short: bool = False) -> str:
    """The home screen's line, the one readiness `interview` shows: 'Loop in 9 days ·
    groups 12/40 · recall 85% · exam 7/10 · unseen 44%' (recall: of
    the questions drilled, now); `short` (a phone) drops the
    words around the figures."""
    p = o.plan
    drilled = drilled_recall(o)
    recall = "-" if drilled is None else f"{drilled:.0%}"
    unseen = f"{o.forecast_unseen[0]:.0%}"
    if short:
        exam = "-" if o.exam is None else f"{o.exam.intent_right}/{o.exam.questions}"
        return (f"Loop {_days(p.days_left)} · {o.groups_seen}/{o.groups_in_scope} · "
                f"{recall} · exam {exam} · {unseen}")
    exam = ("no exam yet" if o.exam is None
            else f"exam {o.exam.intent_right}/{o.exam.questions}")
    return (f"Loop {_days(p.days_left)} · groups {o.groups_seen}/{o.groups_in_scope} · "
            f"recall {recall} · {exam} · unseen {unseen}")


def show_outlook(o: InterviewOutlook, *, local: tzinfo, console: Console | None = None) -> None:
    """The plan, readiness per family, the story bank; last (so it stays in the window),
    what the minutes buy, narrower scopes that fit, and the story to write."""
    con = console or out()
    p = o.plan
    con.print(f"[bold]Interview[/bold] {when(o.interview.at, local)} · {_days(p.days_left)} · "
              f"{o.interview.scope.describe()} ({plural(p.in_scope, 'question')})")
    for line in plan_lines(o):
        con.print(line)
    for line in measured_lines(o):
        con.print(line)
    con.print()
    con.print(readiness_table(o, con.width))
    for text, command in weakest_lines(o):
        con.print(text)
        con.print(Text(f"  {command}", style="bold"), soft_wrap=True)
    step = p.days_left > 0 and bool(p.write_slots)
    line = gaps_line(o, step=not step)
    if line:
        con.print(line)
    if p.days_left == 0:
        return
    for text, command in (*choice_lines(o, local), *exam_step_lines(o),
                          *(story_step(o) if step else [])):
        con.print(text)
        if command:
            con.print(Text(f"  {command}", style="bold"), soft_wrap=True)


def buys_line(o: InterviewOutlook) -> str:
    """What each drill length buys, in the user's terms: "At 5 minutes: every intent once,
    2 reviews each, by Mar 6. At 10: also the siblings." """
    parts: list[str] = []
    before: PlanCoverage | None = None
    for b in o.buys:
        c = b.coverage
        minutes = f"your {c.minutes} minutes" if c.minutes == o.minutes_setting \
            else f"{c.minutes} minutes" if not parts else str(c.minutes)
        by = f", by {b.by:%b} {b.by.day}" if b.by is not None else ""
        if c.siblings and before is not None and before.groups_once and not before.siblings:
            what = f"also the siblings{by}"
        elif c.siblings:
            what = f"every question{_reviews(c)}{by}"
        elif c.groups_once:
            what = (f"the same{by}" if before is not None and before.groups_once
                    else f"every intent once{_reviews(c)}{by}")
        else:
            what = f"{c.groups} of {o.plan.groups_in_scope} intents once"
        parts.append(f"At {minutes}: {what}.")
        before = c
    return " ".join(parts)


def _reviews(c: PlanCoverage) -> str:
    """", 2 reviews each" (on later days, before the date); nothing when the last ones come
    too late for a review."""
    return f", {plural(c.reviews_each, 'review')} each" if c.reviews_each else ""


def _date_arg(at: datetime, local: tzinfo) -> str:
    """The interview as `emdrill interview` takes it again: the date alone for 09:00."""
    here = at.astimezone(local)
    return f"{here:%Y-%m-%d}" if (here.hour, here.minute) == (9, 0) else f"{here:%Y-%m-%dT%H:%M}"


def choice_lines(o: InterviewOutlook, local: tzinfo) -> list[tuple[str, str]]:
    """The minutes line, then, when the user's minutes do not see every intent once, the
    narrower scopes that do, each with the command that sets it."""
    if not o.buys:
        return []
    found = [(buys_line(o), "")]
    if o.plan.groups_by_day is not None or not o.narrower:
        return found
    found.append((f"Your {plural(o.minutes_setting, 'minute')} do not see every intent once "
                  "before the date. Narrower plans that do:", ""))
    decks = o.interview.scope.decks
    for n in o.narrower:
        if not n.families:
            found.append((f"- your own questions and one per intent (their siblings after the "
                          f"date): {plural(n.minutes_needed, 'minute')} a day",
                          f"emdrill config minutes {n.minutes_needed}"))
            continue
        names = ", ".join(o.family_names.get(f, f) for f in n.families)
        command = f"emdrill interview {_date_arg(o.interview.at, local)}"
        if decks:
            command += f" --decks {','.join(decks)}"
        found.append((f"- only {names}: every intent once at your {o.minutes_setting}; all "
                      f"their questions at {n.minutes_needed}",
                      f"{command} --families {','.join(n.families)}"))
    return found


def story_step(o: InterviewOutlook) -> list[tuple[str, str]]:
    """The story the plan's new questions need most: their family is introduced anyway."""
    slot = o.plan.write_slots[0]
    count = sum(c.question.story == slot for c in o.plan.introduce)
    name = o.slot_names.get(slot, "")
    return [(f"Step: write your slot-{slot} story{f' ({name})' if name else ''}: "
             f"{plural(count, 'new question')} in the plan rely on it.",
             f"emdrill story add --slot {slot}")]


def exam_step_lines(o: InterviewOutlook) -> list[tuple[str, str]]:
    """The short exam the plan asks for now: new wordings of intents you drilled, so the
    forecast for unseen questions rests on your own answers, not on a prior."""
    if not o.exam_step:
        return []
    return [(f"Step: sit a {o.exam_step}-question exam of new wordings of intents you "
             "drilled; it measures how far your decoding carries to a question never seen.",
             f"emdrill exam --questions {o.exam_step}")]


_WEAK_WHAT = {"start": "not started: drill it", "decode": "its intents: decode them",
              "stories": "its stories: name them"}


def weakest_lines(o: InterviewOutlook) -> list[tuple[str, str]]:
    """The families least ready on the day (core.plan.weakest_families), each with what to do
    and the command: a family not started is drilled on its own; else its weaker facet says
    which drill (decoding the intent, or the whole answer)."""
    return [(f"Weakest: {o.family_names.get(w.family, w.family)}, {w.readiness:.0%} on the day "
             f"({w.seen} of {w.in_scope} seen); {_WEAK_WHAT[w.do]}", w.command)
            for w in weakest_families(o.plan.readiness, o.plan.days_left)]


def gaps_line(o: InterviewOutlook, *, step: bool = True) -> str:
    """Story-bank gaps for the slots in-scope questions rely on, the most needed first;
    `step`: with the command that writes the first."""
    if not o.gaps:
        return ""
    first = o.gaps[0]
    text = (f"Story bank: no story yet for slot {first.slot.slot} {first.slot.name} "
            f"({plural(first.questions, 'question')} in scope "
            f"{'relies' if first.questions == 1 else 'rely'} on it)")
    if len(o.gaps) > 1:
        rest = ", ".join(f"{g.slot.slot} ({g.questions})" for g in o.gaps[1:])
        text += f", nor for slots {rest}"
    if not step:
        return f"{text}."
    return f"{text}.\nNext: [bold]emdrill story add --slot {first.slot.slot}[/bold]"


def plan_lines(o: InterviewOutlook) -> list[str]:
    """The plan in words: the pace, what does not fit, the taper, readiness."""
    p = o.plan
    lines = [f"Seen {p.seen} of {p.in_scope}; ready {p.now.overall:.0%} now, "
             f"{p.readiness.overall:.0%} on the day if you follow the plan "
             f"(intent {p.readiness.intent:.0%}, story {p.readiness.story:.0%})."]
    if p.days_left == 0:
        return [*lines, "The interview is today: no more plan. Good luck."]
    if p.introduce:
        lines.append(f"Plan: {plural(p.new_per_day, 'new question')} a day for "
                     f"{plural(p.intro_days, 'day')} (each is seen, then reviewed before the "
                     f"day), about {plural(p.answers_per_day, 'answer')} a day: "
                     f"{plural(p.minutes_per_day, 'minute')} a day.")
    else:
        lines.append(f"Plan: reviews only, about {plural(p.answers_per_day, 'answer')} a day: "
                     f"{plural(p.minutes_per_day, 'minute')} a day.")
    if p.unseen:
        lines += _short(o)
    lines.append(_taper(o))
    return lines


def _short(o: InterviewOutlook) -> list[str]:
    p = o.plan
    if p.intro_days == 0:
        head = (f"Too close to the date for new questions to be seen and reviewed before it: "
                f"{plural(p.unseen_at_date, 'question')} stay unseen.")
    else:
        head = (f"Your {plural(o.minutes_setting, 'minute')} a day cannot cover all "
                f"{p.in_scope}: {p.unseen_at_date} stay unseen. Covering all needs "
                f"{plural(p.minutes_needed, 'minute')} a day "
                f"(emdrill config minutes {p.minutes_needed}). First come your own questions, "
                "then one question per intent, every family started before any goes on "
                "(weak families first), then the near-siblings.")
    counts = Counter(c.family for c in p.unseen)
    names = ", ".join(f"{o.family_names.get(f, f)} {n}" for f, n in counts.items())
    return [head, f"Unseen at the date: {names}."]


def _taper(o: InterviewOutlook) -> str:
    p = o.plan
    target = f"{o.target:.0%}"
    if p.taper:
        return (f"Taper: today goes over the {plural(len(p.below_target), 'question')} "
                f"below {target} on the morning, weakest first.")
    return (f"The last day or two are a taper: everything below {target} on the morning, "
            "weakest first.")


def readiness_table(o: InterviewOutlook, width: int = 100) -> Table:
    """Readiness per family; under 60 columns (a phone) families by slug and seen over the
    questions in scope, so nothing is cut."""
    narrow = width < 60
    table = Table(box=None, show_edge=False, pad_edge=False, title_justify="left",
                  title="Ready on the day, per family")
    columns = ((("family", False), ("seen", True), ("intent", True), ("story", True)) if narrow
               else (("family", False), ("in scope", True), ("seen", True), ("intent", True),
                     ("story", True)))
    for name, right in columns:
        table.add_column(name, justify="right" if right else "left", no_wrap=narrow)
    for f in o.plan.readiness.families:
        counts = ([f"{f.seen}/{f.in_scope}"] if narrow
                  else [str(f.in_scope), str(f.seen)])
        table.add_row(f.family if narrow else o.family_names.get(f.family, f.family), *counts,
                      f"{f.intent:.0%}", f"{f.story:.0%}")
    return table


def show_none(booked: Interview | None, *, local: tzinfo) -> None:
    if booked is None:
        out().print("No interview planned. Book one: emdrill interview YYYY-MM-DD")
    else:
        out().print(f"Your interview was {when(booked.at, local)}; its plan has ended. "
                    "Book the next: emdrill interview YYYY-MM-DD")


# ---------------------------------------------------------------- optimize


def _score_json(s: Score | None) -> dict[str, float] | None:
    return None if s is None else {"log_loss": _r(s.log_loss), "rmse": _r(s.rmse)}


def optimize_json(results: Sequence[FacetResult]) -> dict[str, Any]:
    return {r.facet: {"reviews": r.reviews, "needed": r.needed, "default": _score_json(r.default),
                      "previous": _score_json(r.previous), "fitted": _score_json(r.fitted),
                      "kept": r.kept} for r in results}


def show_optimize(results: Sequence[FacetResult]) -> None:
    con = out()
    table = Table(box=None, show_edge=False, pad_edge=False)
    for name in ("facet", "recall reviews", "log loss default / fitted",
                 "RMSE default / fitted", "kept"):
        table.add_column(name, justify="left" if name in ("facet", "kept") else "right")
    for r in results:
        reviews = f"{r.reviews} (needs {r.needed} more)" if r.needed else str(r.reviews)
        table.add_row(r.facet, reviews, _pair(r.default, r.fitted, "log_loss"),
                      _pair(r.default, r.fitted, "rmse"), f"{r.kept} parameters")
    con.print(table)
    for r in results:
        if r.previous is not None:
            con.print(f"{r.facet}: the parameters in force before scored log loss "
                      f"{r.previous.log_loss:.4f}, RMSE {r.previous.rmse:.4f}")
    con.print("Lower is better. Fitted parameters are kept only if they lower the log loss "
              "of those in force; scheduling and the interview forecast use them from the "
              "next answer on.")


def _pair(default: Score | None, fitted: Score | None, name: str) -> str:
    if default is None:
        return ""
    first = f"{getattr(default, name):.4f}"
    return f"{first} / {getattr(fitted, name):.4f}" if fitted is not None else f"{first} / -"
