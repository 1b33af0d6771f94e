"""Small text formatters shared by every screen."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text

from emdrill.core.cards import Slot


def span(delta: timedelta) -> str:
    """A short human duration: 45s, 10m, 3h, 36h, 4d, 45d, 5mo, 1.5y.

    Hours up to two days and days up to 100, so that nearby intervals (a day and a half
    against two days, 40 days against 60) read differently."""
    seconds = delta.total_seconds()
    if seconds < 60:
        return f"{max(0, round(seconds))}s"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 2 * 86400 - 1800:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 100:
        return f"{round(days)}d"
    if days < 365:
        return f"{round(days / 30.4)}mo"
    return f"{days / 365:.1f}y"


def due_text(due: datetime | None, now: datetime) -> str:
    if due is None:
        return "new"
    if due <= now:
        return "due now" if now - due < timedelta(minutes=1) else f"{span(now - due)} overdue"
    return f"in {span(due - now)}"


def iso(value: datetime | None) -> str | None:
    """The one time format in JSON: ISO 8601 to the second, with its offset
    (2026-03-02T09:00:00+00:00), whether or not the time had microseconds."""
    return value.isoformat(timespec="seconds") if value is not None else None


def slot_words(slot: Slot) -> str:
    """"slot 3 (Sustainable delivery)", or "slot 3" where no loaded deck names it."""
    return f"slot {slot.slot} ({slot.name})" if slot.name else f"slot {slot.slot}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def trend(now: float | None, before: float | None) -> Text:
    """The change between two rates in points, with an arrow: ▲ +5, ▼ -3, = 0."""
    if now is None or before is None:
        return Text("")
    delta = round((now - before) * 100)
    if delta == 0:
        return Text("= 0", style="dim")
    arrow, style = ("▲", "green") if delta > 0 else ("▼", "red")
    return Text(f"{arrow} {delta:+d}", style=style)
