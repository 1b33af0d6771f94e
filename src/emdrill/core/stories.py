"""The story bank's text format: the editor template, Markdown export and import, systems.

Everything here is pure: text in, stories out (or the reverse). One Markdown format serves
the editor and `story export`/`import`, so a file kept after a failed save can be imported.

    ## Title of the story
    - id: 3            (export only; ties the section to a stored story)
    - slots: 6, 8      (the first is the main slot)
    - hook: The sentence that opens the answer.
    - tags: decisions-unpopular, conflict

    ### Context
    ...one heading per part: Context, Challenge, Actions, Results, Learnings

The file is read with markdown-it: `##`/`###` headings and `<!-- ... -->` comments starting
at column 0 give the structure; everything else is text, kept line for line. A body line
that starts with `#` or `<` is written with a backslash in front, so any text survives a
round trip.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from emdrill.core.cards import SLOTS, SYSTEMS, Slot, is_slot
from emdrill.core.errors import EmdrillError
from emdrill.core.numbers import MAX_ROW_ID, whole_number

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

PARTS = ("context", "challenge", "actions", "results", "learnings")
PART_HINTS = {
    "context": "Where and when, your role, the team, and what was at stake.",
    "challenge": "What made it hard, and why it was yours to solve.",
    "actions": "What you did, step by step. Say 'I', not 'we'.",
    "results": "What changed, with numbers if you have them. Imperfect endings are fine.",
    "learnings": "Specific: what went wrong, your blind spot, what you do differently since.",
}
SYSTEM_NAMES = {
    "delivery": "Delivering the product",
    "stakeholders": "Influencing stakeholders",
    "team": "Leading the team",
    "self": "You as a manager",
}
SYSTEM_PROMPTS = {
    "delivery": "How do you plan, commit and keep shipping while scope, quality and debt pull "
                "at you?",
    "stakeholders": "How do you keep partners informed, weigh competing asks and say no without "
                    "losing them?",
    "team": "How do you hire, grow people, set direction and handle friction, as a habit?",
    "self": "Who are you as a manager, why are you moving and what do you want next, and how "
            "do you run your own week and growth?",
}
SYSTEM_TOPICS = {
    "delivery": "metrics and goals, planning and capacity, negotiating scope, tech debt "
                "against business needs, build or buy",
    "stakeholders": "progress and risk reporting, competing demands, trust across functions, "
                    "saying no and keeping the relationship",
    "team": "hiring and onboarding, one-to-ones and careers, vision and culture, conflict "
            "and hard conversations",
    "self": "your two-minute story, what drives you, why this company and why now, strengths "
            "and a real weakness, your week, your stress, where you are heading",
}
META_KEYS = ("id", "slots", "hook", "tags")


class StoryError(EmdrillError):
    """Story or system text that cannot be read; `problems` holds (line, message) pairs."""

    def __init__(self, message: str, problems: Sequence[tuple[int, str]] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class UnknownStoryError(EmdrillError):
    """A story id that is not in the collection."""


@dataclass(frozen=True)
class Story:
    """One story from the user's bank. `slots[0]` is its main slot."""

    title: str
    slots: tuple[int, ...]
    context: str = ""
    challenge: str = ""
    actions: str = ""
    results: str = ""
    learnings: str = ""
    hook: str = ""
    tags: tuple[str, ...] = ()
    id: int | None = None
    created_at: datetime | None = field(default=None, compare=False)
    updated_at: datetime | None = field(default=None, compare=False)

    @property
    def slot(self) -> int:
        return self.slots[0]

    def part(self, name: str) -> str:
        return str(getattr(self, name))

    def missing(self) -> list[str]:
        return [name for name in PARTS if not self.part(name)]

    def learning_line(self) -> str:
        """The first line of the learnings: the sentence worth ending on."""
        return next((line.strip() for line in self.learnings.split("\n") if line.strip()), "")

    def same_content(self, other: Story) -> bool:
        return replace(self, id=None) == replace(other, id=None)


# ---------------------------------------------------------------- cleaning


def clean_text(text: str) -> str:
    """A part as stored: Unix newlines, no surrounding blank space."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def clean_line(text: str) -> str:
    """A one-line field (title, hook): whitespace runs become one space."""
    return " ".join(text.split())


def clean_tags(values: Iterable[str]) -> tuple[str, ...]:
    tags: list[str] = []
    for value in values:
        for tag in re.split(r"[,\s]+", value):
            if tag and tag not in tags:
                tags.append(tag)
    return tuple(tags)


def clean_story(story: Story) -> Story:
    """The story as it will be stored: the form export and import keep exactly."""
    return with_parts(replace(story, title=clean_line(story.title), hook=clean_line(story.hook),
                              tags=clean_tags(story.tags)),
                      {name: clean_text(story.part(name)) for name in PARTS})


def with_parts(story: Story, parts: Mapping[str, str]) -> Story:
    return replace(story, context=parts["context"], challenge=parts["challenge"],
                   actions=parts["actions"], results=parts["results"],
                   learnings=parts["learnings"])


def check_category(category: str) -> str:
    if category not in SYSTEMS:
        raise StoryError(f"unknown system category '{category}' (expected delivery, "
                         "stakeholders, team or self)")
    return category


def parse_slots(value: str) -> tuple[int, ...]:
    """'6, 8' -> (6, 8); raises ValueError with a readable reason."""
    slots: list[int] = []
    for item in (v for v in re.split(r"[,\s]+", value.strip()) if v):
        number = whole_number(item)
        if number is None or not is_slot(number):
            raise ValueError(f"slot '{item}' is not a number from 1 to 8")
        if number in slots:
            raise ValueError(f"slot {item} is listed twice")
        slots.append(number)
    if not slots:
        raise ValueError("no slot given: add '- slots: N' (1-8; the first is the main slot)")
    return tuple(slots)


# ---------------------------------------------------------------- writing


# A line of user text that Markdown could read as a heading or an HTML block gets a backslash.
_NEEDS_ESCAPE = re.compile(r"^\\*[#<]")
_ESCAPED = re.compile(r"^\\+[#<]")


def _escape(text: str) -> list[str]:
    return ["\\" + line if _NEEDS_ESCAPE.match(line) else line for line in text.split("\n")]


def _comment(text: str) -> str:
    return "<!--\n" + text.replace("-->", "->").rstrip() + "\n-->"


def render_story(story: Story, *, hints: bool = False) -> str:
    """One story as a Markdown section; `hints` adds a comment under each part heading."""
    lines = [f"## {story.title}".rstrip(), ""]
    if story.id is not None:
        lines.append(f"- id: {story.id}")
    lines.append(f"- slots: {', '.join(str(s) for s in story.slots)}".rstrip())
    if story.hook or hints:
        lines.append(f"- hook: {story.hook}".rstrip())
    if story.tags or hints:
        lines.append(f"- tags: {', '.join(story.tags)}".rstrip())
    for name in PARTS:
        lines += ["", f"### {name.capitalize()}"]
        if hints:
            lines.append(f"<!-- {PART_HINTS[name]} -->")
        text = story.part(name)
        if text:
            lines += ["", *_escape(text)]
    return "\n".join(lines) + "\n"


def render_markdown(stories: Sequence[Story]) -> str:
    """Every story in one readable file that `parse_markdown` reads back exactly."""
    head = ("# My emdrill stories\n\n"
            "<!-- Edit freely, then read it back with: emdrill story import FILE\n"
            "A section with an id line updates that story; remove the line to add a new one. -->\n")
    return head + "".join("\n" + render_story(s) for s in stories)


def story_template(*, slots: Mapping[int, Slot], slot: int | None = None,
                   story: Story | None = None) -> str:
    """The file `story add` and `story edit` open in the editor."""
    guide = ("Write one story, then save and close the editor. Saving it empty or unchanged\n"
             "cancels. Comments like this one are ignored.\n"
             "  title  goes after '## ': a short handle you can say to yourself\n"
             "  slots  the first number is the main slot; add others it also serves\n"
             "  hook   optional: the one sentence you would open the answer with\n"
             "  tags   optional: question ids or family names this story is the pick for\n"
             "To start a line with '#', type '\\#'.")
    chosen = story.slot if story is not None else slot
    body = story or Story(title="", slots=(chosen,) if chosen else ())
    text = render_story(body, hints=True)
    if not body.title:
        text = "## " + text[2:]  # a space after '##' shows where the title goes
    return "\n\n".join([_comment(guide), _comment(_slot_guide(slots, chosen)), text])


def _slot_guide(slots: Mapping[int, Slot], chosen: int | None) -> str:
    if chosen is None or chosen not in slots:
        names = [f"  {n}  {slots[n].name if n in slots else ''}".rstrip() for n in SLOTS]
        return "The eight story slots:\n" + "\n".join(names)
    s = slots[chosen]
    what = f" ({s.competency})" if s.competency else ""
    items = "\n".join(f"  - {item}" for item in s.must_include)
    return f"Slot {s.slot}, {s.name}{what}. A strong story covers:\n{items}"


# ---------------------------------------------------------------- reading


_HEADING = re.compile(r"^(#{1,3})(?:[ \t]+(.*))?$")
_META = re.compile(r"^(?:[-*][ \t]*)?([A-Za-z]+)[ \t]*:[ \t]*(.*)$")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    """A Markdown parser that knows only what the story format uses: ATX headings, HTML
    comments and plain paragraphs (no lists, fences or setext headings, so a line of user
    text never changes how the lines after it are read). Imported here: only reading a
    story file needs markdown-it, and commands that never do start quicker without it."""
    from markdown_it import MarkdownIt

    return MarkdownIt("zero", {"html": True}).enable(["heading", "html_block"])


def _lines(text: str, problems: list[tuple[int, str]]) -> Iterator[tuple[int, str, int]]:
    """(number, line, heading level) for every line outside `<!-- -->` comments, as
    markdown-it reads the file; level 0 is text. Headings of levels 1-3 and comments count
    only at column 0 (an indented one is text)."""
    text = text.removeprefix("\ufeff")  # some editors start UTF-8 files with a BOM
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    levels: dict[int, int] = {}
    hidden: set[int] = set()
    for token in _markdown().parse(text):
        if token.map is None:
            continue
        first = token.map[0]
        if (token.type == "heading_open" and token.markup in ("#", "##", "###")
                and lines[first].startswith("#")):
            levels[first] = len(token.markup)
        elif token.type == "html_block" and lines[first].startswith("<!--"):
            hidden.update(range(first, token.map[1]))
            if "-->" not in token.content[4:]:
                problems.append((first + 1, "comment '<!--' is never closed with '-->'"))
    for index, line in enumerate(lines):
        if index not in hidden:
            yield index + 1, line, levels.get(index, 0)


@dataclass
class _Section:
    line: int
    title: str
    meta: dict[str, tuple[int, str]] = field(default_factory=dict)
    parts: dict[str, list[str]] = field(default_factory=dict)
    part: str | None = None


class _Reader:
    """Reads Markdown story sections line by line, collecting every problem with its line."""

    def __init__(self) -> None:
        self.sections: list[_Section] = []
        self.problems: list[tuple[int, str]] = []

    def read(self, text: str) -> None:
        for number, line, level in _lines(text, self.problems):
            self._line(number, line, level)

    def _line(self, number: int, line: str, level: int) -> None:
        heading = _HEADING.match(line) if level else None
        section = self.sections[-1] if self.sections else None
        if heading and level == 1 and section is not None:
            heading = None  # a '# ' line inside a story is text, like any other line
        if heading:
            self._heading(number, len(heading.group(1)), (heading.group(2) or "").strip())
        elif section is None:
            if line.strip():
                self.problems.append((number, "text before the first story title; start a "
                                              "story with '## Title'"))
        elif section.part is not None:
            section.parts[section.part].append(line[1:] if _ESCAPED.match(line) else line)
        elif line.strip():
            self._meta(number, line, section)

    def _heading(self, number: int, level: int, name: str) -> None:
        if level == 3 and self.sections:
            # Lines under a bad part heading go nowhere, instead of raising more problems.
            self.sections[-1].part = "_skipped"
            self.sections[-1].parts.setdefault("_skipped", [])
        if level == 2:
            self.sections.append(_Section(line=number, title=clean_line(name)))
        elif level == 1:
            pass  # the file's own title, before the first story
        elif not self.sections:
            self.problems.append((number, f"part '{name}' before the first story title"))
        elif name.lower() not in PARTS:
            self.problems.append((number, f"unknown part '{name}' (expected Context, "
                                          "Challenge, Actions, Results or Learnings)"))
        elif name.lower() in self.sections[-1].parts:
            self.problems.append((number, f"part '{name}' appears twice in this story"))
        else:
            self.sections[-1].part = name.lower()
            self.sections[-1].parts[name.lower()] = []

    def _meta(self, number: int, line: str, section: _Section) -> None:
        match = _META.match(line.strip())
        key = match.group(1).lower() if match else ""
        if match is None or key not in META_KEYS:
            self.problems.append((number, "expected '- slots: N', '- hook: ...' or '- tags: "
                                          "...' under the title, or a part heading like "
                                          "'### Context'"))
        elif key in section.meta:
            self.problems.append((number, f"'{key}' is given twice"))
        else:
            section.meta[key] = (number, match.group(2).strip())

    def story(self, s: _Section) -> Story | None:
        before = len(self.problems)
        if not s.title:
            self.problems.append((s.line, "the story has no title: write it after '## '"))
        slots: tuple[int, ...] = ()
        line, value = s.meta.get("slots", (s.line, ""))
        try:
            slots = parse_slots(value)
        except ValueError as exc:
            self.problems.append((line, str(exc)))
        story_id = self._id(s)
        if len(self.problems) > before:
            return None
        story = Story(title=s.title, slots=slots, id=story_id, hook=clean_line(_value(s, "hook")),
                      tags=clean_tags([_value(s, "tags")]))
        return with_parts(story, {name: clean_text("\n".join(s.parts.get(name, [])))
                                  for name in PARTS})

    def _id(self, s: _Section) -> int | None:
        if "id" not in s.meta:
            return None
        line, value = s.meta["id"]
        number = whole_number(value)
        if number is None or number < 1:
            self.problems.append((line, f"id '{value[:40]}' is not a positive whole number"))
            return None
        if number > MAX_ROW_ID:
            self.problems.append((line, f"id {value[:40]} is too large (at most {MAX_ROW_ID})"))
            return None
        return number


def _value(s: _Section, key: str) -> str:
    return s.meta.get(key, (0, ""))[1]


def _is_blank(s: _Section) -> bool:
    """A section holding nothing but the template's skeleton."""
    typed = [s.title, _value(s, "hook"), _value(s, "tags"), *("".join(v) for v in s.parts.values())]
    return not any(t.strip() for t in typed)


def _fail(what: str, problems: list[tuple[int, str]], source: str) -> StoryError:
    """One line per problem as `file:line: message`; without a file, one line for all."""
    problems.sort()
    if source:
        return StoryError("\n".join(f"{source}:{n}: {m}" for n, m in problems), problems)
    return StoryError(f"{what}: " + "; ".join(f"line {n}: {m}" for n, m in problems), problems)


def parse_markdown(text: str, *, source: str = "") -> list[Story]:
    """All stories in an exported (or hand-written) file; any problem fails the whole file."""
    reader = _Reader()
    reader.read(text)
    stories = [reader.story(s) for s in reader.sections]
    seen: dict[int, int] = {}
    for s, story in zip(reader.sections, stories, strict=True):
        if story is not None and story.id is not None:
            if story.id in seen:
                reader.problems.append((s.meta["id"][0], f"id {story.id} is also used on line "
                                                         f"{seen[story.id]}"))
            seen.setdefault(story.id, s.meta["id"][0])
    if reader.problems:
        raise _fail("cannot read the stories", reader.problems, source)
    return [s for s in stories if s is not None]


def parse_story_text(text: str) -> Story | None:
    """The single story saved from the editor; None when nothing was written (cancel)."""
    reader = _Reader()
    reader.read(text)
    if not reader.problems and all(_is_blank(s) for s in reader.sections):
        return None
    if len(reader.sections) > 1:
        reader.problems.append((reader.sections[1].line, "the file holds more than one story; "
                                                         "add them one at a time or use "
                                                         "`emdrill story import`"))
    story = reader.story(reader.sections[0]) if reader.sections else None
    if reader.problems:
        raise _fail("cannot read the story", reader.problems, "")
    return story


# ---------------------------------------------------------------- systems


def system_template(category: str, text: str) -> str:
    guide = (f"Your system for {category} ({SYSTEM_NAMES[category]}): the repeatable way you\n"
             "work that an answer opens with, before the story. A few sentences: what you\n"
             "usually do, why, and when you break your own rule.\n"
             f"Think about: {SYSTEM_TOPICS[category]}.\n"
             "Save an empty file to cancel. Comments like this one are ignored.")
    return _comment(guide) + "\n\n" + ("\n".join(_escape(text)) + "\n" if text else "")


def parse_system_text(text: str) -> str:
    """The system text saved from the editor ('' means the file was left empty)."""
    problems: list[tuple[int, str]] = []
    kept = [line[1:] if _ESCAPED.match(line) else line for _, line, _ in _lines(text, problems)]
    if problems:
        raise _fail("cannot read the system", problems, "")
    return clean_text("\n".join(kept))
