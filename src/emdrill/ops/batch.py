"""Parsing grade requests from flags or JSON lines; every line is checked before any write."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from emdrill.core.errors import InputError
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import grading
from emdrill.ops.grading import Graded, StoryAnswer
from emdrill.store import card_reads
from emdrill.store.db import Store


@dataclass(frozen=True)
class GradeRequest:
    question_id: str
    intent: Rating
    story: StoryAnswer
    seconds: float | None


def parse_request(question_id: str, intent: str, story: str,
                  seconds: float | None) -> GradeRequest:
    try:
        rating = Rating.parse(intent)
    except ValueError as exc:
        raise InputError(f"intent {exc}") from None
    if seconds is not None and not 0 <= seconds <= 86400:
        raise InputError(f"seconds {seconds} is out of range (0 to 86400)")
    return GradeRequest(question_id.strip(), rating, StoryAnswer.parse(story), seconds)


def _from_json(line: str) -> GradeRequest:
    try:
        data: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise InputError("JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object")
    unknown = set(data) - {"id", "intent", "story", "seconds"}
    if unknown:
        raise InputError(f"unknown field(s): {', '.join(sorted(unknown))}")
    for key in ("id", "intent", "story"):
        if key not in data:
            raise InputError(f"missing '{key}'")
    if not isinstance(data["id"], str) or not isinstance(data["intent"], str):
        raise InputError("'id' and 'intent' must be strings")
    story = data["story"]
    if isinstance(story, bool) or not isinstance(story, str | int):
        raise InputError("'story' must be a slot number, \"system\", 0, or right/wrong")
    seconds = data.get("seconds")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int | float)):
        raise InputError("'seconds' must be a number")
    return parse_request(data["id"], data["intent"], str(story),
                         float(seconds) if seconds is not None else None)


def split_lines(text: str) -> list[str]:
    """Stdin as lines, numbered as an editor numbers them: by newline only (not by \\f, \\v
    or U+2028, which str.splitlines also splits on); a leading byte-order mark is dropped."""
    lines = text.removeprefix("\ufeff").split("\n")
    return [line.removesuffix("\r") for line in lines]


Lines = list[tuple[int, GradeRequest]]


def parse_lines(text: str) -> Lines:
    """Every non-blank line checked, with its line number; before the store is opened."""
    requests: Lines = []
    for number, line in enumerate(split_lines(text), start=1):
        if not line.strip():
            continue
        try:
            requests.append((number, _from_json(line)))
        except InputError as exc:
            raise InputError(f"stdin:{number}: {exc}; nothing was recorded") from None
    if not requests:
        raise InputError("stdin: no grades given (expected JSON lines)")
    return requests


def grade_lines(store: Store, clock: Clock, requests: Lines) -> list[Graded]:
    """Check the ids, then record every line in one transaction: a failure (or a kill) at
    any line leaves none of them recorded."""
    with store.transact("grade lines"):
        known = card_reads.known_ids(store, (r.question_id for _, r in requests))
        done = []
        for number, r in requests:
            if r.question_id not in known:
                raise InputError(f"stdin:{number}: unknown question id '{r.question_id}'; "
                                 "nothing was recorded")
        for number, r in requests:
            try:
                done.append(grading.grade(store, clock, r.question_id, intent=r.intent,
                                          story=r.story, seconds=r.seconds, mode="grade"))
            except InputError as exc:
                raise InputError(f"stdin:{number}: {exc}") from None
        return done
