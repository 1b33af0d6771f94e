"""Typed, checked access to one table of a deck file; each bad value is reported on its line."""

from __future__ import annotations

import re
from typing import Any, Protocol

from emdrill.core.cards import SYSTEM_ANSWER, SYSTEM_WORD

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class LineFinder(Protocol):
    def key(self, name: str, index: int | None, key: str) -> int: ...

    def table(self, name: str, index: int | None = None) -> int: ...


class Reporter(Protocol):
    @property
    def lines(self) -> LineFinder: ...

    def problem(self, line: int, message: str) -> None: ...


class Getter:
    """Typed access to one table's keys; each bad value becomes a Problem on its own line."""

    def __init__(self, parser: Reporter, table: str, index: int | None,
                 item: dict[str, Any]) -> None:
        self.parser, self.table, self.index, self.item = parser, table, index, item
        self.failed = False

    def line(self, key: str) -> int:
        return self.parser.lines.key(self.table, self.index, key)

    def fail(self, key: str, message: str) -> None:
        self.failed = True
        self.parser.problem(self.line(key), message)

    def _present(self, key: str, required: bool) -> Any:
        if key not in self.item:
            if required:
                self.failed = True
                self.parser.problem(self.parser.lines.table(self.table, self.index),
                                    f"{self._what()} is missing '{key}'")
            return None
        return self.item[key]

    def _what(self) -> str:
        singular = {"families": "family", "slots": "slot", "questions": "question"}
        name = singular.get(self.table, self.table)
        ident = self.item.get("id", self.item.get("slug", self.item.get("slot")))
        return f"{name} '{ident}'" if isinstance(ident, str | int) else name

    def text(self, key: str, *, required: bool = True) -> str:
        value = self._present(key, required)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.fail(key, f"'{key}' must be a string")
            return ""
        if required and not value.strip():
            self.fail(key, f"'{key}' is empty")
            return ""
        return value.strip()

    def slug(self, key: str) -> str:
        value = self.text(key)
        if value and not ID_PATTERN.match(value):
            self.fail(key, f"'{key}' = '{value}' must be lowercase words joined by hyphens")
            return ""
        return value

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.text(key)
        if value and value not in allowed:
            self.fail(key, f"unknown {key} '{value}' (expected one of {', '.join(allowed)})")
            return ""
        return value

    def strings(self, key: str, *, low: int, high: int, required: bool = True) -> list[str]:
        value = self._present(key, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, f"'{key}' must be a list of strings")
            return []
        cleaned = [v.strip() for v in value]
        if any(not v for v in cleaned):
            self.fail(key, f"'{key}' has an empty entry")
        if not low <= len(cleaned) <= high:
            self.fail(key, f"'{key}' needs {low} to {high} entries, found {len(cleaned)}")
        return cleaned

    def choices(self, key: str, allowed: tuple[str, ...]) -> list[str]:
        values = self.strings(key, low=1, high=len(allowed))
        for value in values:
            if value not in allowed:
                self.fail(key, f"unknown trait '{value}' (expected one of {', '.join(allowed)})")
        return values

    def slot(self, key: str) -> int:
        value = self._present(key, True)
        if value is None:
            return 0
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"'{key}' must be a whole number 1-8")
            return 0
        if not 1 <= value <= 8:
            self.fail(key, f"story slot {value} is outside 1-8")
            return 0
        return value

    def story(self, key: str) -> int:
        """A question's primary story: a slot 1-8, or "system" (SYSTEM_ANSWER)."""
        value = self._present(key, True)
        if value is None:
            return 0
        if isinstance(value, str):
            if value.strip() == SYSTEM_WORD:
                return SYSTEM_ANSWER
            self.fail(key, f"'{key}' = '{value}' must be a slot 1-8 or \"{SYSTEM_WORD}\"")
            return 0
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"'{key}' must be a slot 1-8 or \"{SYSTEM_WORD}\"")
            return 0
        return self.slot(key)

    def ids(self, key: str) -> list[str]:
        """An optional list of question ids (lowercase words joined by hyphens)."""
        values = self.strings(key, low=0, high=50, required=False)
        for value in values:
            if value and not ID_PATTERN.match(value):
                self.fail(key, f"'{value}' in '{key}' is not a question id "
                               "(lowercase words joined by hyphens)")
        return values

    def slots(self, key: str) -> list[int]:
        """Alternate stories: slots 1-8, and "system" (SYSTEM_ANSWER) where a system answer
        would also pass."""
        value = self._present(key, False)
        if value is None:
            return []
        if isinstance(value, list) and SYSTEM_WORD in value:
            rest = [v for v in value if v != SYSTEM_WORD]
            return [*self._slot_list(key, rest), SYSTEM_ANSWER]
        return self._slot_list(key, value)

    def _slot_list(self, key: str, value: object) -> list[int]:
        if not isinstance(value, list) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in value):
            self.fail(key, f"'{key}' must be a list of slot numbers or \"{SYSTEM_WORD}\"")
            return []
        for v in value:
            if not 1 <= v <= 8:
                self.fail(key, f"story slot {v} is outside 1-8")
        return [v for v in value if 1 <= v <= 8]
