"""Rendering the answer coach's findings: a line per rule, the sentence it concerns, and the
fix; JSON for `coach --json`. User text goes in as `Text`, never markup."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from emdrill.core.coach import LABELS, CoachReport, Finding
from emdrill.core.mock import mm_ss
from emdrill.core.stories import Story

MARK = {True: ("ok", "green"), False: ("fix", "yellow")}


def report_json(report: CoachReport) -> dict[str, object]:
    return {"words": report.words, "spoken_seconds": report.spoken_seconds,
            "findings": [finding_json(f) for f in report.findings]}


def finding_json(f: Finding) -> dict[str, object]:
    item: dict[str, object] = {"rule": f.rule, "ok": f.ok, "sentence": f.sentence,
                               "fix": f.fix}
    if f.part:
        item["part"] = f.part
    return item


def finding_lines(f: Finding, *, quote: bool = True) -> list[Text]:
    word, style = MARK[f.ok]
    line = Text(f"{word:<4}", style=style).append(LABELS[f.rule], style="bold" if not f.ok
                                                   else "")
    if f.part:
        line.append(f" ({f.part})", style="dim")
    lines = [line, Text("    ").append(f.fix, style="dim" if f.ok else "")]
    if quote and f.sentence and not f.ok:
        lines.append(Text("    \u201c", style="dim").append(_short(f.sentence))
                     .append("\u201d", style="dim"))
    return lines


def _short(sentence: str, limit: int = 160) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "\u2026"


def report_view(report: CoachReport, *, title: str = "") -> RenderableType:
    head = Text(title + " " if title else "", style="bold").append(
        f"{report.words} words, about {mm_ss(report.spoken_seconds)} spoken; "
        f"{len(report.open)} to fix", style="dim" if title else "bold")
    ordered = sorted(report.findings, key=lambda f: f.ok)  # what to fix first
    return Group(head, *[line for f in ordered for line in finding_lines(f)])


def stories_view(checked: Sequence[tuple[Story, CoachReport]]) -> RenderableType:
    if not checked:
        return Text("No stories yet. Write the first: emdrill story add")
    blocks: list[RenderableType] = []
    for story, report in checked:
        blocks.append(Text(f"Story {story.id}: ").append(story.title, style="bold"))
        opened = report.open
        if not opened:
            blocks.append(Text("    no open findings", style="green"))
        for f in opened:
            blocks.extend(finding_lines(f))
        blocks.append(Text(""))
    return Group(*blocks[:-1])


def open_line(report: CoachReport) -> Text:
    """One line for the card back and `story coverage`: the open findings by label."""
    if not report.open:
        return Text("coach: no open findings", style="dim")
    labels = "; ".join(LABELS[f.rule] for f in report.open)
    return Text(f"coach: {len(report.open)} to fix: {labels}", style="yellow")
