"""Whole numbers typed by people: ASCII digits only, and within what SQLite can store."""

from __future__ import annotations

MAX_ROW_ID = 2**63 - 1  # SQLite's largest INTEGER: an id beyond it names nothing


TOO_LARGE = 10**30  # what any longer run of digits reads as: more than anything can be


def whole_number(text: str) -> int | None:
    """'12' -> 12; None for anything else, including digits that are not ASCII ('²'),
    which str.isdigit accepts and int() does not. Thousands of digits read as TOO_LARGE
    (int() refuses strings of over 4,300 digits)."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()):
        return None
    return int(value) if len(value) <= 30 else TOO_LARGE
