"""Deck files: parse TOML, validate every field, report problems as `file:line: message`.

Pure: parsing and validation of text already read. Reading files and loading them into
the store is `emdrill.ops.decks`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from emdrill.core.cards import SYSTEM_ANSWER, SYSTEM_WORD, SYSTEMS, Family, Question, Slot
from emdrill.core.deck_fields import Getter

TRAITS = ("reliability", "communication", "emotional-intelligence", "resilience", "ownership",
          "initiative", "autonomy")
QUESTION_KEYS = {"id", "family", "text", "intent", "probes", "story", "also", "system",
                 "traits", "pitfall", "follow_ups", "siblings", "draft", "source",
                 "replaces", "candidates", "note"}
# Fields emdrill filled in for the user (from a suggestion) that the user has not reviewed yet.
DRAFTABLE = ("family", "story", "also", "intent", "probes", "system", "traits", "pitfall",
             "follow_ups")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str
    warning: bool = False  # worth a look, but the deck still loads

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.path}:{self.line}: {kind}{self.message}"


@dataclass
class DeckFile:
    """One parsed deck file (whatever of it was valid) plus where each table starts."""

    path: Path
    deck_id: str = ""
    name: str = ""
    version: str = ""
    description: str = ""
    families: list[Family] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    lines: _Lines | None = None

    def line_of(self, question: Question, key: str) -> int:
        """Line of `key` inside the question's table (its position is its index in the file)."""
        if self.lines is None:
            return 1
        return self.lines.key("questions", question.position, key)

    def family_line(self, slug: str) -> int:
        if self.lines is None:
            return 1
        index = next((i for i, f in enumerate(self.families) if f.slug == slug), None)
        return self.lines.key("families", index, "slug")


# ---------------------------------------------------------------- line finding


class _Lines:
    """Maps `[[table]]` entries and their keys to line numbers in the raw text."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")  # as tomllib counts lines: by newline only
        self.headers: dict[str, list[int]] = {}
        self.all_headers: list[int] = []
        for number, line in enumerate(self.lines, start=1):
            match = re.match(r"^\s*\[\[?\s*([A-Za-z0-9_.\-]+)\s*\]\]?", line)
            if match:
                self.headers.setdefault(match.group(1), []).append(number)
                self.all_headers.append(number)

    def table(self, name: str, index: int | None = None) -> int:
        found = self.headers.get(name, [])
        if not found:
            return 1
        return found[index] if index is not None and index < len(found) else found[0]

    def key(self, name: str, index: int | None, key: str) -> int:
        start = self.table(name, index)
        if not self.headers.get(name):
            start = 0
        end = next((h for h in self.all_headers if h > start), len(self.lines) + 1)
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start + 1 if start else 1, end):
            if pattern.match(self.lines[number - 1]):
                return number
        return max(start, 1)


# ---------------------------------------------------------------- parsing


def parse_bytes(path: Path, raw: bytes) -> DeckFile:
    """Parse one deck file's contents; `path` only names it in problems."""
    deck = DeckFile(path=path)
    try:
        text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")  # a BOM is no content
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        deck.problems.append(Problem(path, line, "file is not valid UTF-8"))
        return deck
    try:
        data = _toml(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else 1
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc).splitlines()[0])
        deck.problems.append(Problem(path, line, f"TOML syntax error: {message}"))
        return deck
    except RecursionError:
        deck.problems.append(Problem(path, 1, "tables or arrays nested too deeply"))
        return deck
    deck.lines = _Lines(text)
    _Parser(deck, data, deck.lines).run()
    return deck


@lru_cache(maxsize=4)
def _toml(text: str) -> dict[str, Any]:
    """The TOML of one deck text. A process that reads the same text again (the bundled
    deck, for every new collection it opens) parses it once; the parser below only reads
    the result, so sharing it is safe. A text that fails raises and is not kept."""
    return tomllib.loads(text)


class _Parser:
    def __init__(self, deck: DeckFile, data: dict[str, Any], lines: _Lines) -> None:
        self.deck, self.data, self.lines = deck, data, lines

    def problem(self, line: int, message: str) -> None:
        self.deck.problems.append(Problem(self.deck.path, line, message))

    def run(self) -> None:
        known = {"deck", "families", "slots", "questions"}
        for key in self.data:
            if key not in known:
                self.problem(self.lines.key(key, None, key) if key not in self.lines.headers
                             else self.lines.table(key), f"unknown table '{key}'")
        self._deck_table()
        for index, item in enumerate(self._array("families")):
            self._family(index, item)
        for index, item in enumerate(self._array("slots")):
            self._slot(index, item)
        for index, item in enumerate(self._array("questions")):
            self._question(index, item)

    def _deck_table(self) -> None:
        table = self.data.get("deck")
        if not isinstance(table, dict):
            self.problem(1, "missing [deck] table (id, name, version, description)")
            return
        get = Getter(self, "deck", None, table)
        self.deck.deck_id = get.slug("id")
        self.deck.name = get.text("name")
        self.deck.version = get.text("version")
        self.deck.description = get.text("description", required=False)

    def _array(self, name: str) -> list[dict[str, Any]]:
        value = self.data.get(name, [])
        if not isinstance(value, list):
            self.problem(self.lines.key(name, None, name), f"'{name}' must be an array of tables")
            return []
        good: list[dict[str, Any]] = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                good.append(item)
            else:
                self.problem(self.lines.table(name, index), f"{name} entry must be a table")
        return good

    def _family(self, index: int, item: dict[str, Any]) -> None:
        get = Getter(self, "families", index, item)
        slug, name = get.slug("slug"), get.text("name")
        probes = get.text("probes", required=False)
        if slug and name:
            self.deck.families.append(Family(slug=slug, name=name, probes=probes))

    def _slot(self, index: int, item: dict[str, Any]) -> None:
        get = Getter(self, "slots", index, item)
        number, name = get.slot("slot"), get.text("name")
        competency = get.text("competency", required=False)
        must = get.strings("must_include", low=1, high=12)
        if number and name:
            self.deck.slots.append(Slot(number, name, competency, tuple(must)))

    def _question(self, index: int, item: dict[str, Any]) -> None:
        get = Getter(self, "questions", index, item)
        for key in item:
            if key not in QUESTION_KEYS:
                get.fail(key, f"unknown key '{key}' in question")
        qid, family = get.slug("id"), get.slug("family")
        text, intent = get.text("text"), get.text("intent")
        probes = get.strings("probes", low=2, high=4)
        story = get.story("story")
        also = get.slots("also")
        system = get.choice("system", SYSTEMS)
        traits = get.choices("traits", TRAITS)
        pitfall = get.text("pitfall")
        follow_ups = get.strings("follow_ups", low=1, high=3)
        siblings = get.strings("siblings", low=0, high=6, required=False)
        replaces = get.ids("replaces")
        draft = get.strings("draft", low=0, high=len(DRAFTABLE), required=False)
        for name in draft:
            if name not in DRAFTABLE:
                get.fail("draft", f"'{name}' in 'draft' is not a field emdrill drafts "
                                  f"(expected some of {', '.join(DRAFTABLE)})")
        source = get.text("source", required=False)
        note = get.text("note", required=False)
        candidates = get.strings("candidates", low=0, high=3, required=False)
        if story and story in also:
            get.fail("also", f"{_named(story)} is already the primary story")
        if qid and qid in replaces:
            get.fail("replaces", f"question '{qid}' cannot replace itself")
        if not get.failed and qid and family and story:
            self.deck.questions.append(Question(
                id=qid, deck=self.deck.deck_id, family=family, text=text, intent=intent,
                story=story, also=tuple(also), probes=tuple(probes), system=system,
                traits=tuple(traits), pitfall=pitfall, follow_ups=tuple(follow_ups),
                siblings=tuple(siblings), position=index, replaces=tuple(replaces),
                draft=tuple(draft), source=source, candidates=tuple(candidates), note=note,
            ))


# ---------------------------------------------------------------- whole-set validation


@dataclass(frozen=True)
class Context:
    """What already exists outside the files being checked (bundled deck, the collection)."""

    families: frozenset[str] = frozenset()
    question_decks: dict[str, str] = field(default_factory=dict)  # question id -> deck id
    deck_owners: dict[str, str] = field(default_factory=dict)  # deck id -> its (other) file


def validate(files: list[DeckFile], context: Context = Context()) -> list[Problem]:
    """Every problem in the files, alone and together, in file and line order."""
    problems = [p for f in files for p in f.problems]
    problems += _cross_deck(files)
    for f in files:
        owner = context.deck_owners.get(f.deck_id)
        if f.deck_id and owner is not None:
            line = f.lines.key("deck", None, "id") if f.lines else 1
            problems.append(Problem(f.path, line, f"deck id '{f.deck_id}' already belongs to "
                                    f"{owner}; give this deck an id of its own"))
    families = set(context.families) | {fam.slug for f in files for fam in f.families}
    first: dict[str, tuple[DeckFile, str]] = {}
    for f in files:
        for q in f.questions:
            if q.id in first:
                other = first[q.id][0]
                where = other.path if other is not f else "this file"
                problems.append(Problem(f.path, f.line_of(q, "id"),
                                        f"duplicate question id '{q.id}' (also in {where})"))
            else:
                first[q.id] = (f, f.deck_id)
            owner = context.question_decks.get(q.id)
            if owner is not None and owner != f.deck_id:
                problems.append(Problem(f.path, f.line_of(q, "id"),
                                        f"question id '{q.id}' already belongs to deck '{owner}'"))
            if q.family not in families:
                problems.append(Problem(f.path, f.line_of(q, "family"),
                                        f"unknown family '{q.family}'"))
    replaced = _replacements(files, first, context, problems)
    known_ids = set(first) | set(context.question_decks)
    for f in files:
        for q in f.questions:
            for sibling in q.siblings:
                if sibling == q.id or sibling not in known_ids:
                    what = "itself" if sibling == q.id else "nowhere"
                    problems.append(Problem(f.path, f.line_of(q, "siblings"),
                                            f"sibling '{sibling}' points {what}"))
                elif sibling in replaced:
                    problems.append(Problem(f.path, f.line_of(q, "siblings"),
                                            f"sibling '{sibling}' was merged into "
                                            f"'{replaced[sibling]}'; link that instead"))
    return sorted(problems, key=lambda p: (str(p.path), p.line))


def _replacements(files: list[DeckFile], first: dict[str, tuple[DeckFile, str]],
                  context: Context, problems: list[Problem]) -> dict[str, str]:
    """Old id -> the question that replaces it; a problem for each impossible replacement."""
    replaced: dict[str, str] = {}
    for f in files:
        for q in f.questions:
            for old in q.replaces:
                line = f.line_of(q, "replaces")
                owner = context.question_decks.get(old)
                if old in first:
                    problems.append(Problem(f.path, line, f"'{q.id}' replaces '{old}', which is "
                                            "still in the deck; remove that question or drop "
                                            "it from 'replaces'"))
                elif old in replaced:
                    problems.append(Problem(f.path, line, f"'{old}' is already replaced by "
                                            f"'{replaced[old]}'"))
                elif owner is not None and owner != f.deck_id:
                    problems.append(Problem(f.path, line, f"'{old}' belongs to deck '{owner}'; "
                                            "a question can only replace ids of its own deck"))
                else:
                    replaced[old] = q.id
    return replaced


def drafts(files: list[DeckFile]) -> list[Problem]:
    """One note per question with fields still marked `draft`: not errors, a to-do list."""
    notes = [Problem(f.path, f.line_of(q, "draft"),
                     f"'{q.id}' has unreviewed fields: {', '.join(q.draft)} (review them, then "
                     "take them out of 'draft')")
             for f in files for q in f.questions if q.draft]
    return sorted(notes, key=lambda p: (str(p.path), p.line))


def _cross_deck(files: list[DeckFile]) -> list[Problem]:
    problems: list[Problem] = []
    deck_owner: dict[str, Path] = {}
    family_owner: dict[str, Path] = {}
    for f in files:
        if f.deck_id:
            if f.deck_id in deck_owner:
                problems.append(Problem(f.path, f.lines.key("deck", None, "id") if f.lines else 1,
                                        f"deck id '{f.deck_id}' is also used by "
                                        f"{deck_owner[f.deck_id]}"))
            deck_owner.setdefault(f.deck_id, f.path)
        seen_slots: set[int] = set()
        for slot in f.slots:
            if slot.slot in seen_slots:
                problems.append(Problem(f.path, 1, f"story slot {slot.slot} is defined twice"))
            seen_slots.add(slot.slot)
        for fam in f.families:
            if fam.slug in family_owner:
                problems.append(Problem(f.path, f.family_line(fam.slug),
                                        f"duplicate family '{fam.slug}' (also in "
                                        f"{family_owner[fam.slug]})"))
            family_owner.setdefault(fam.slug, f.path)
    return problems


@dataclass(frozen=True)
class LoadResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    suspended: int = 0
    restored: int = 0
    merged: int = 0  # replaced ids whose history moved to their new question


def _named(story: int) -> str:
    return f'"{SYSTEM_WORD}"' if story == SYSTEM_ANSWER else f"slot {story}"
