"""Whole numbers typed by people: ASCII digits only, and within what SQLite can store."""

from __future__ import annotations

MAX_ROW_ID = 2**63 - 1  # SQLite's largest INTEGER: an id beyond it names nothing


def whole_number(text: str) -> int | None:
    """'12' -> 12; None for anything else, including digits that are not ASCII ('²'),
    which str.isdigit accepts and int() does not."""
    value = text.strip()
    return int(value) if value.isascii() and value.isdigit() else None
