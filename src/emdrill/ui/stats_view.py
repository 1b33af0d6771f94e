"""Rendering of `stats`, `shaky` and `simulate`: JSON shapes and rich screens.

On a terminal the screens use colour; piped or under NO_COLOR they are the same characters
without escape codes (bars and the heatmap use block characters, so they still read).
"""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from emdrill.core.cards import story_json, story_label
from emdrill.core.stats import (
    RECENT_TESTS,
    FamilyStats,
    Leech,
    Passes,
    Period,
    Shaky,
    ShakyQuestion,
    StatsReport,
)
from emdrill.core.weakness import WEAK_AT
from emdrill.ops.interview import InterviewOutlook
from emdrill.ui.console import out
from emdrill.ui.decode_view import confusion_json, confusions
from emdrill.ui.fmt import iso, pct, plural, span, trend
from emdrill.ui.interview_view import countdown, gaps_line, plan_json, readiness_table
from emdrill.ui.mock_view import rehearsal_json, rehearsal_section

if TYPE_CHECKING:  # a simulation's result, for `simulate` only (it parses and loads decks)
    from emdrill.ops.simulation import Arm, Comparison

SHADES = "·░▒▓█"
HEAT_STYLES = ("grey42", "green4", "green3", "chartreuse3", "bright_green")


def _num(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


# ---------------------------------------------------------------- JSON


def _period_json(p: Period) -> dict[str, Any]:
    return {"reviews": p.reviews, "intent_recall": _num(p.intent_recall),
            "story_accuracy": _num(p.story_accuracy), "lapses": p.lapses}


def _passes_json(p: Passes) -> dict[str, Any]:
    return {"passed": p.passed, "total": p.total, "rate": _num(p.rate)}


def family_json(f: FamilyStats) -> dict[str, Any]:
    return {
        "family": f.family, "name": f.name, "questions": f.questions, "seen": f.seen,
        "reviews": f.reviews, "reviews_30d": f.recent.reviews,
        "intent_recall": _num(f.recent.intent_recall),
        "story_accuracy": _num(f.recent.story_accuracy), "lapses": f.recent.lapses,
        "intent_retrievability": _num(f.intent_retrievability),
        "story_retrievability": _num(f.story_retrievability),
        "weakness": _num(f.weakness), "desired_retention": _num(f.desired_retention),
        "previous_30d": _period_json(f.previous),
        "tests_30d": f.recent.tests, "missed_30d": f.recent.missed,
    }


def report_json(r: StatsReport, *, interview: InterviewOutlook | None = None,
                local: tzinfo = UTC) -> dict[str, Any]:
    return {
        "today": r.today.isoformat(),
        "total_reviews": r.total_reviews,
        "adaptive": r.adaptive,
        "retention": r.retention_setting,
        "streak": r.streak,
        "families": [family_json(f) for f in r.families],
        "true_retention": {row.label: {"young": _passes_json(row.young),
                                       "mature": _passes_json(row.mature),
                                       "all": _passes_json(row.all)} for row in r.retention},
        "forecast": [{"date": d.isoformat(), "due": n} for d, n in r.forecast],
        "heatmap": [{"date": d.isoformat(), "reviews": n} for d, n in r.heatmap],
        "trend": {"last_30d": _period_json(r.recent), "previous_30d": _period_json(r.previous)},
        **({"rehearsal": rehearsal_json(r.rehearsal)} if r.rehearsal is not None else {}),
        "interview": None if interview is None else plan_json(interview, local),
        "set_aside": None if r.set_aside is None else {
            "suspended": r.set_aside.suspended, "buried": r.set_aside.buried,
            "leeches": r.set_aside.leeches},
    }


def shaky_json(s: Shaky) -> dict[str, Any]:
    return {
        "adaptive": s.adaptive,
        "families": [{"family": f.family, "name": f.name, "weakness": _num(f.weakness),
                      "desired_retention": _num(f.desired_retention),
                      "questions": f.questions, "seen": f.seen} for f in s.families],
        "questions": [_shaky_question_json(q) for q in s.questions],
        "confusions": [confusion_json(c) for c in s.confusions],
        "leeches": [q.id for q in s.leeches],
    }


def _shaky_question_json(item: ShakyQuestion) -> dict[str, Any]:
    q = item.question
    return {"id": q.id, "family": q.family, "question": q.text, "intent": q.intent_line,
            "story": story_json(q.slot), "story_name": item.slot_name,
            "intent_retrievability": _num(item.intent_retrievability),
            "story_retrievability": _num(item.story_retrievability),
            "lapses_7d": item.lapses, "last_lapse": iso(item.last_lapse),
            "recent_tests": item.recent.tests, "recent_misses": item.recent.misses,
            "last_miss": iso(item.recent.last_miss)}


# ---------------------------------------------------------------- small pieces


def bar(fraction: float | None, width: int = 8) -> str:
    """A left-filled bar in eighths; blank when there is nothing to show."""
    if fraction is None:
        return " " * width
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    partial = " ▏▎▍▌▋▊▉"[part] if part else ""
    return ("█" * full + partial).ljust(width, "·" if full + (part > 0) < width else " ")


COLUMNS = (("family", "left"), ("seen", "right"), ("intent right", "left"),
           ("story right", "left"), ("tests missed", "right"), ("trend", "right"))


def _weak_text(w: float) -> Text:
    style = "red" if w >= 0.05 else ("green" if w <= -0.05 else "")
    return Text(f"{w:+.2f}", style=style)


# ---------------------------------------------------------------- stats


NARROW = 60  # below this width the screens switch to their compact layouts


def show_report(r: StatsReport, *, interview: InterviewOutlook | None = None) -> None:
    con = out()
    narrow = con.width < NARROW
    seen = sum(f.seen for f in r.families)
    questions = sum(f.questions for f in r.families)
    mode = (f"adaptive on ({r.retention_setting:.2f})" if r.adaptive
            else f"adaptive off ({r.retention_setting:.2f})")
    facts = [f"{seen}/{questions} seen", plural(r.total_reviews, "review"),
             f"streak {plural(r.streak, 'day')}", mode]
    if narrow:
        con.print("[bold]emdrill stats[/bold]")
        con.print(" · ".join(facts[:2]))
        con.print(" · ".join(facts[2:]))
    else:
        con.print(f"[bold]emdrill stats[/bold] · {' · '.join(facts)}")
    if interview is not None:
        _interview(con, interview)
    if r.total_reviews == 0:
        con.print("\nNo reviews yet. Start with: [bold]emdrill drill[/bold]")
    else:
        _families(con, r, narrow)
        _overall(con, r, narrow)
        _forecast(con, r, narrow)
        _heatmap(con, r, narrow)
    if r.rehearsal is not None and (r.rehearsal.count or r.total_reviews):
        con.print()
        con.print(rehearsal_section(r.rehearsal))
    aside = r.set_aside
    if aside is not None and (aside.suspended or aside.buried or aside.leeches):
        con.print(f"\n[bold]Set aside[/bold] · {aside.suspended} suspended · "
                  f"{aside.buried} buried · {aside.leeches} "
                  f"{'leech' if aside.leeches == 1 else 'leeches'}")


def _weak_tag(f: FamilyStats) -> str:
    return " (weak)" if f.weakness >= WEAK_AT else ""


def _interview(con: Console, o: InterviewOutlook) -> None:
    con.print(f"\n[bold]Interview[/bold] · {countdown(o)} (emdrill interview)")
    con.print(readiness_table(o, con.width))
    gaps = gaps_line(o)
    if gaps:
        con.print(gaps)


def _missed(p: Period) -> str:
    return "—" if not p.tests else f"{p.missed} of {p.tests}"


def _families(con: Console, r: StatsReport, narrow: bool) -> None:
    ordered = sorted(r.families, key=lambda f: -f.weakness)
    if narrow:
        con.print("\n[bold]Families[/bold], weakest first\n(last 30 days)")
        for f in ordered:
            line = Text(f.family, style="bold").append(_weak_tag(f), style="red")
            line.append(f"  {f.seen}/{f.questions} seen")
            con.print(line)
            missed = f"{f.recent.missed}/{f.recent.tests}" if f.recent.tests else "—"
            con.print(Text(f"  intent {pct(f.recent.intent_recall)} · story "
                           f"{pct(f.recent.story_accuracy)} · missed {missed}"))
        con.print("[dim]intent, story: answers right · missed: recall tests missed[/dim]")
        return
    con.print("\n[bold]Families[/bold], weakest first · last 30 days")
    table = Table(box=None, pad_edge=False, padding=(0, 1), collapse_padding=True)
    for name, justify in COLUMNS:
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for f in ordered:
        table.add_row(
            Text(f.family).append(_weak_tag(f), style="red"), f"{f.seen}/{f.questions}",
            f"{bar(f.recent.intent_recall, 5)} {pct(f.recent.intent_recall):>4}",
            f"{bar(f.recent.story_accuracy, 5)} {pct(f.recent.story_accuracy):>4}",
            _missed(f.recent), trend(f.recent.intent_recall, f.previous.intent_recall),
        )
    con.print(table)
    con.print("[dim]intent, story right: share of answers · trend: intent right against the "
              "30 days before\ntests missed: intent and story recall tests (an hour or more "
              "after the last review) rated Again[/dim]")


def _cell(p: Passes) -> str:
    return "—" if p.total == 0 else f"{pct(p.rate):>4} of {p.total}"


def _overall(con: Console, r: StatsReport, narrow: bool) -> None:
    if narrow:
        con.print("\n[bold]True retention[/bold]\n(recall tests passed; mature: 21+ days)")
        for row in r.retention:
            con.print(f"  {row.label:<6} {_cell(row.all).strip()}"
                      + (f" · mature {_cell(row.mature).strip()}" if row.mature.total else ""))
        for label, p in (("Last 30 days", r.recent), ("30 days before", r.previous)):
            con.print(f"\n{label}: {plural(p.reviews, 'review')}")
            line = Text(f"  intent {pct(p.intent_recall)} · story {pct(p.story_accuracy)} ")
            if p is r.recent:
                line.append_text(trend(r.recent.intent_recall, r.previous.intent_recall))
            con.print(line)
        return
    con.print("\n[bold]True retention[/bold] · recall tests passed; mature = interval of "
              "21+ days")
    table = Table(box=None, pad_edge=False, padding=(0, 2))
    for name in ("", "young", "mature", "all"):
        table.add_column(name, justify="left" if not name else "right", no_wrap=True)
    for row in r.retention:
        table.add_row(row.label, _cell(row.young), _cell(row.mature), _cell(row.all))
    con.print(table)
    con.print()
    for label, p in (("last 30 days", r.recent), ("30 days before", r.previous)):
        line = Text(f"{label:<15} {plural(p.reviews, 'review'):>12} · intent "
                    f"{pct(p.intent_recall):>4} · story {pct(p.story_accuracy):>4}  ")
        if p is r.recent:
            line.append_text(trend(r.recent.intent_recall, r.previous.intent_recall))
        con.print(line)


def _forecast(con: Console, r: StatsReport, narrow: bool) -> None:
    con.print("\n[bold]Due[/bold] · next 7 days" + ("\n" if narrow else " ")
              + "(today includes overdue)")
    top = max((n for _d, n in r.forecast), default=0) or 1
    size = max(8, min(24, con.width - 16))
    for day, n in r.forecast:
        label = "today" if day == r.today else day.strftime("%a %d")
        con.print(f"  {label:<7} [cyan]{bar(n / top, size)}[/cyan] {n}")


def _level(n: int, top: int) -> int:
    return 0 if n == 0 else min(4, 1 + (n * 4 - 1) // top) if top else 0


def _heatmap(con: Console, r: StatsReport, narrow: bool) -> None:
    con.print(f"\n[bold]Reviews per day[/bold] · last {len(r.heatmap) // 7 + 1} weeks")
    top = max((n for _d, n in r.heatmap), default=0)
    weeks = [r.heatmap[i:i + 7] for i in range(0, len(r.heatmap), 7)]
    con.print("      " + _month_labels([w[0][0] for w in weeks]))
    for weekday, name in enumerate(("Mon", "", "Wed", "", "Fri", "", "Sun")):
        line = Text(f"  {name:<4}")
        for column, week in enumerate(weeks):
            if weekday < len(week):
                level = _level(week[weekday][1], top)
                line.append(" " if column else "")
                line.append(SHADES[level], style=HEAT_STYLES[level])
        con.print(line)
    legend = Text("      less")
    for level, shade in enumerate(SHADES):
        legend.append(" ")
        legend.append(shade, style=HEAT_STYLES[level])
    legend.append(" more" + ("\n      " if narrow else " ") + f"(busiest day: {top})")
    con.print(legend)


def _month_labels(week_starts: list[date]) -> str:
    """Month names above the heatmap's week columns (two characters per week)."""
    labels, last = "", ""
    for column, start in enumerate(week_starts):
        month = start.strftime("%b")
        if month != last and len(labels) <= 2 * column:
            labels = labels.ljust(2 * column) + month
        last = month
    return labels


# ---------------------------------------------------------------- shaky


def show_shaky(s: Shaky, *, now: datetime) -> None:
    con = out()
    narrow = con.width < NARROW
    off = "" if s.adaptive else " (adaptive off: it changes nothing)"
    if narrow:
        con.print(f"[bold]Weakest families[/bold]{off}\n[dim]weakness 0 is your norm; above "
                  "it you miss more[/dim]")
    else:
        con.print("[bold]Weakest families[/bold] · weakness 0 is your norm, above it you miss "
                  "more" + off)
    table = Table(box=None, pad_edge=False, padding=(0, 1), show_header=False)
    for _ in range(4 if narrow else 5):
        table.add_column(no_wrap=True)
    for rank, f in enumerate(s.families, start=1):
        cells: list[RenderableType] = [f"{rank:>2}", f.family, _weak_text(f.weakness)]
        if not narrow:
            cells.append(f"target {f.desired_retention:.2f}")
        table.add_row(*cells, f"{f.seen}/{f.questions} seen")
    con.print(table)
    if not s.questions:
        con.print("\nNo questions seen yet. Start with: [bold]emdrill drill[/bold]")
        return
    if s.confusions:
        con.print()
        con.print(confusions(s.confusions, now=now))
    con.print(f"\n[bold]Shakiest questions[/bold]{chr(10) if narrow else ' · '}most missed "
              f"among their last {RECENT_TESTS} recall tests first")
    for item in s.questions:
        _shaky_question(con, item, now, narrow)
    _leeches(con, s.leeches)


def _leeches(con: Console, leeches: list[Leech]) -> None:
    """Questions that keep lapsing: they no longer count towards their family's weakness."""
    if not leeches:
        return
    con.print("\n[bold]Leeches[/bold] · lapsed again and again; rewrite the story for the "
              "slot, read the whole back (m in a drill), or suspend")
    for q in leeches:
        tag = " [dim](suspended)[/dim]" if q.suspended else ""
        con.print(f"  {escape(q.id)}{tag} · lapses: intent {q.intent_lapses}, "
                  f"story {q.story_lapses}")


def recent_text(item: ShakyQuestion, now: datetime) -> tuple[str, str]:
    """How the question went lately, in words: ('missed 3 of the last 4', 'latest 2d ago')."""
    r = item.recent
    if not r.tests:
        return "no recall test in the last 30 days yet", ""
    if not r.misses:
        return f"passed {'its last test' if r.tests == 1 else f'its last {r.tests} tests'}", ""
    ago = f"latest {span(now - r.last_miss)} ago" if r.last_miss is not None else ""
    if r.tests == 1:
        return "missed its last test", ago
    return f"missed {r.misses} of the last {r.tests}", ago


def _shaky_question(con: Console, item: ShakyQuestion, now: datetime, narrow: bool,
                    ) -> None:
    q = item.question
    style = "red" if item.recent.misses else "dim"
    how, ago = recent_text(item, now)
    if len(f"{q.id} ({q.family}) · {how}, {ago}") > con.width:
        con.print(Text(f"\n{q.id}", style="bold"))
        con.print(Text(f"  {q.family} · ").append(how, style=style))
        if ago:
            con.print(Text(f"  {ago}", style="dim"))
    else:
        con.print(Text(f"\n{q.id}", style="bold").append(f" ({q.family}) · ", style="dim")
                  .append(how, style=style).append(f", {ago}" if ago else "", style="dim"))
    _hanging(con, "question", q.text, "", narrow)
    _hanging(con, "intent", q.intent_line, "green", narrow)
    _hanging(con, "story", f"{story_label(q.slot)} · {item.slot_name}", "cyan", narrow)


def _hanging(con: Console, label: str, text: str, style: str, narrow: bool) -> None:
    """`  label     text`, wrapped at word boundaries under the text's first column (a
    narrower label column on a narrow screen)."""
    indent = 11 if narrow else 12
    lines = textwrap.wrap(text, width=max(20, con.width - indent)) or [""]
    line = Text(f"  {label:<{indent - 2}}", style="dim")
    line.append(("\n" + " " * indent).join(lines), style=style)
    con.print(line, soft_wrap=True)


# ---------------------------------------------------------------- simulate


def simulation_json(c: Comparison) -> dict[str, Any]:
    def arm(a: Arm) -> dict[str, Any]:
        return {"total_reviews": round(a.total, 1), "practice": round(a.practice, 1),
                "weak_share": _num(c.share(a)),
                "families": [{"family": f, "questions": a.questions[f],
                              "seen": round(a.seen[f], 1), "reviews": round(a.reviews[f], 1),
                              "recall": _num(a.recall[f]), "recall_month": _num(a.month[f])}
                             for f in a.questions]}

    return {"weak_family": c.weak_family, "adaptive_on": arm(c.on), "adaptive_off": arm(c.off),
            "weak_ratio": _num(c.weak_ratio), "total_change": _num(c.total_change),
            "checks": [{"target": name, "met": ok} for name, ok in c.checks()]}


def show_simulation(c: Comparison, *, title: str) -> None:
    con = out()
    con.print(f"[bold]{title}[/bold]")
    table = Table(box=None, pad_edge=False, padding=(0, 1))
    for name in ("family", "reviews on", "off", "seen on", "off", "recall on", "off",
                 "month on", "off"):
        table.add_column(name, justify="left" if name == "family" else "right", no_wrap=True)
    for f in c.on.questions:
        label = f"{f} (weak)" if f == c.weak_family else f
        table.add_row(label, f"{c.on.reviews[f]:.1f}", f"{c.off.reviews[f]:.1f}",
                      f"{c.on.seen[f]:.1f}", f"{c.off.seen[f]:.1f}",
                      pct(c.on.recall[f]), pct(c.off.recall[f]),
                      pct(c.on.month[f]), pct(c.off.month[f]),
                      style="bold" if f == c.weak_family else None)
    table.add_row("total", f"{c.on.total:.1f}", f"{c.off.total:.1f}",
                  f"{sum(c.on.seen.values()):.1f}", f"{sum(c.off.seen.values()):.1f}")
    con.print(table)
    con.print("[dim]recall: the day after the last drill · month: mean over the 30 days "
              "after, no study[/dim]")
    ratio, change = c.weak_ratio, c.total_change
    con.print(f"weak family: {pct(c.share(c.on))} of answers on, {pct(c.share(c.off))} off · "
              f"its reviews on/off: {'—' if ratio is None else f'{ratio:.2f}x'}")
    con.print(f"total answers {'—' if change is None else f'{change * 100:+.1f}%'} "
              f"(time-boxed) · questions met {sum(c.on.seen.values()):.1f} on, "
              f"{sum(c.off.seen.values()):.1f} off · practice {c.on.practice:.1f} on, "
              f"{c.off.practice:.1f} off")
    for name, ok in c.checks():
        con.print(f"  {'[green]met[/green]   ' if ok else '[red]missed[/red]'} {name}")
