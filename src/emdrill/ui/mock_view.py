"""What the mock interview looks like: the question, the speaking timer, the self-check,
the end summary, and the rehearsal section of `stats`. Rendering only."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from emdrill.core.coach import LABELS, CoachReport
from emdrill.core.mock import CHECKS, Check, Measured, Rehearsal, RehearsalStats, mm_ss
from emdrill.ui.fmt import pct, plural, trend

WIDE = 60


def header(number: int, total: int, part: str, width: int = 100) -> Text:
    text = f"mock · question {number} of {total} · {part}"
    if len(text) > width:  # a phone: the header stays one line
        text = f"mock · {number}/{total} · {part}"
    return Text(text, style="bold")


def asked(text: str, width: int, *, follow_up: bool = False) -> RenderableType:
    body = Text(text, style="bold")
    return Panel(body, padding=(1, 2) if width >= WIDE else (0, 1), width=min(width, 100),
                 title="follow-up" if follow_up else None, title_align="left")


def hint(width: int, *, follow_up: bool) -> Text:
    if follow_up:
        words = "Short and crisp: the answer, one fact, done."
    elif width >= WIDE:
        words = "Answer aloud: the intent, your system, one story with I, a number, a learning."
    else:
        words = "Aloud: intent, system, story, number, learning."
    return Text(words, style="dim")


def timer_line(elapsed: float, target: int, width: int) -> Text:
    """The speaking timer: a countdown to the target, then the time over it."""
    over = elapsed >= target
    clock = (f"{mm_ss(elapsed - target)} over {mm_ss(target)}" if over
             else f"{mm_ss(math.ceil(target - elapsed))} left of {mm_ss(target)}")
    line = Text("● ", style="bold red" if over else "bold green")
    if width >= WIDE:
        line.append(f"speaking {mm_ss(elapsed)} · ")
    line.append(clock, style="bold red" if over else "bold")
    keys = " · space or Enter: done · q: stop" if width >= WIDE else " · space: done"
    return line.append(keys, style="dim")


def target_passed(target: int, width: int) -> Text:
    words = "target passed: land the result and the learning" if width >= WIDE else \
        "target passed: wrap up"
    return Text(f"── {mm_ss(target)} {words} ──", style="bold yellow")


def text_hint(width: int) -> Text:
    words = ("t: type or paste what you said · e: write it in $EDITOR · the coach measures it"
             if width >= WIDE else "t: type what you said · e: editor")
    return Text(words, style="dim")


def box_prompt(width: int) -> Text:
    words = ("Type or paste what you said; an empty line or Ctrl-D ends it." if width >= WIDE
             else "Type or paste it; an empty line ends it.")
    return Text(words, style="bold")


def typed_line(text: str) -> Text:
    count = len(text.split())
    if not count:
        return Text("nothing typed: the self-check alone counts", style="dim")
    return Text(f"read {plural(count, 'word')}; now the self-check", style="dim")


def measured_view(rows: Sequence[Measured], report: CoachReport, width: int) -> RenderableType:
    """The self-check beside what the coach measured, disagreements marked, then the open
    findings' fixes."""
    table = Table(box=None, pad_edge=False, padding=(0, 1))
    table.add_column("check", no_wrap=width >= WIDE, overflow="fold")
    table.add_column("you", no_wrap=True)
    table.add_column("coach", no_wrap=True)
    if width >= WIDE:
        table.add_column("", no_wrap=True)
    marks = {True: "yes", False: "no", None: "-"}
    for row in rows:
        cells = [row.check.label, marks[row.said], marks[row.measured]]
        flag = Text("differ", style="bold yellow") if row.disagree else Text("")
        if width >= WIDE:
            table.add_row(*cells, flag)
        else:
            table.add_row(cells[0], cells[1], Text(cells[2] + ("!" if row.disagree else ""),
                                                   style="bold yellow" if row.disagree
                                                   else ""))
    head = Text.assemble(("Coach", "bold"), f" · {report.words} words, about "
                         f"{mm_ss(report.spoken_seconds)}" + (" at your pace" if width >= WIDE
                                                              else ""))
    parts: list[RenderableType] = [head, table]
    differ = [r for r in rows if r.disagree]
    if differ:
        names = ", ".join(r.check.label for r in differ)
        parts.append(Text(f"You and the coach differ on: {names}.", style="yellow"))
    for f in report.open[: 3 if width >= WIDE else 0]:  # a phone: the table says enough
        parts.append(Text(f"- {LABELS[f.rule]}: {f.fix}", style="dim"))
    return Group(*parts)


def check_question(number: int, check: Check) -> Text:
    return Text.assemble((f"{number}/{len(CHECKS)} ", "dim"), check.ask, (" y/n", "bold"))


def check_mark(passed: bool) -> Text:
    return Text("   ✓ yes", style="green") if passed else Text("   ✗ no", style="red")


def saved(r: Rehearsal) -> Text:
    delta = r.answer_seconds - r.target
    sign = "+" if delta >= 0 else "-"
    return Text(f"saved: answer {mm_ss(r.answer_seconds)} ({sign}{mm_ss(abs(delta))} on "
                f"{mm_ss(r.target)}) · {plural(len(r.follow_ups), 'follow-up')} · "
                f"checks {r.passed}/{len(CHECKS)}", style="bold")


def grade_prompt(*, fold: str = "") -> Text:
    """The grade question; `fold` "more" adds that `m` shows the rest of a folded back,
    "fold" that `m` folds it again."""
    keys = {"more": " · m: more", "fold": " · m: fold"}.get(fold, "")
    return Text(f"Grade it? intent 1-4 (Again/Hard/Good/Easy){keys} · Enter: skip · q: stop",
                style="dim")


def story_prompt() -> Text:
    return Text("Your story: y the right one · p partly · n wrong", style="bold")


def next_prompt() -> Text:
    return Text("any key: next question · q: stop", style="dim")


def summary(done: Sequence[Rehearsal], *, stopped_early: bool) -> RenderableType:
    if not done:
        return Text("No rehearsal saved this time.")
    lines: list[RenderableType] = [Text(f"Mock over: {plural(len(done), 'answer')} "
                                        "rehearsed" + (" (stopped early)" if stopped_early
                                                       else "") + ".", style="bold")]
    for r in done:
        follow = ", ".join(mm_ss(s) for _t, s in r.follow_ups) or "none"
        lines.append(Text.assemble((r.question_id, "bold"), "\n  ",
                                   f"answer {mm_ss(r.answer_seconds)} of {mm_ss(r.target)}"
                                   f" · follow-ups {follow} · checks {r.passed}/{len(CHECKS)}"))
    missed = [sum(not r.checks[i] for r in done) for i in range(len(CHECKS))]
    worst = max(range(len(CHECKS)), key=lambda i: (missed[i], -i))
    if missed[worst]:
        check = CHECKS[worst]
        lines.append(Text(f"Missed most: {check.label} ({missed[worst]} of {len(done)}). "
                          f"Next time: {check.advice}.", style="yellow"))
    return Group(*lines)


# ---------------------------------------------------------------- stats


def _num(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def rehearsal_json(s: RehearsalStats) -> dict[str, Any]:
    return {
        "count": s.count,
        "median_seconds": None if s.median_seconds is None else round(s.median_seconds, 1),
        "target_seconds": s.target,
        "families": [{"family": f.family, "count": f.count,
                      "median_seconds": round(f.median_seconds, 1)} for f in s.families],
        "checks": {c.check.key: {"label": c.check.label, "rate": _num(c.rate),
                                 "passed": c.passed, "total": c.total,
                                 "last_30d": _num(c.recent), "previous_30d": _num(c.previous)}
                   for c in s.checks},
        "weakest_check": s.weakest.check.key if s.weakest else None,
        "coach_missed_30d": [{"rule": rule, "missed": n, "judged": judged}
                             for rule, n, judged in s.coach_missed],
    }


def rehearsal_section(s: RehearsalStats) -> RenderableType:
    """Rehearsals per family, the median answer against the target, each check's pass rate
    (last 30 days, trend against the 30 before), and the check most often failed. Fits in
    40 columns."""
    if s.count == 0:
        return Text("No mock interviews yet. Try: emdrill mock", style="dim")
    assert s.median_seconds is not None
    delta = s.median_seconds - s.target
    parts: list[RenderableType] = [
        Text.assemble(("Mock interviews", "bold"), f" · {plural(s.count, 'rehearsal')}"),
        Text(f"median answer {mm_ss(s.median_seconds)} against {mm_ss(s.target)} "
             f"({'+' if delta >= 0 else '-'}{mm_ss(abs(delta))})"),
    ]
    families = Table(box=None, pad_edge=False, padding=(0, 1), show_header=False)
    for justify in ("left", "right", "left"):
        families.add_column(justify=justify, no_wrap=True)
    for f in s.families:
        families.add_row(f"  {f.family}", str(f.count), f"median {mm_ss(f.median_seconds)}")
    checks = Table(box=None, pad_edge=False, padding=(0, 1))
    checks.add_column("  check (30 days)", no_wrap=True)
    checks.add_column("pass", justify="right", no_wrap=True)
    checks.add_column("trend", justify="right", no_wrap=True)
    for c in s.checks:
        checks.add_row(f"  {c.check.label}", pct(c.recent), trend(c.recent, c.previous))
    parts += [families, checks]
    if s.weakest is not None:
        w = s.weakest
        parts.append(Text(f"Your weakest check: {w.check.label} (passed {w.recent_passed} "
                          f"of the last {w.recent_total}). Next time: {w.check.advice}.",
                          style="yellow"))
    if s.coach_missed:
        most = "; ".join(f"{LABELS.get(rule, rule)} {n} of {judged}"
                         for rule, n, judged in s.coach_missed[:3])
        parts.append(Text(f"The coach, on typed answers (30 days), missed most: {most}."))
    return Group(*parts)
