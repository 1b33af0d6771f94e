"""The user's own questions: cards drafted from a suggestion, their ids, and their deck file.

Pure: no I/O, no clock. A user deck is an ordinary deck file (see decks/README.md) with only
a `[deck]` table and `[[questions]]`; it uses the loaded decks' families and slots. Every
field emdrill fills in for the user is listed in the question's `draft` key until the user
has reviewed it, and `emdrill deck check` lists those.

Ids. A question's id is made once, from its deck and its wording (a few words of it, then a
short hash), and is then kept in the file: progress hangs on it, so a reworded question keeps
its id. Importing a list again finds each row's card by its wording; a row whose wording
changed is paired with the card whose row vanished and reads most alike (see `match_rows`),
so an edit keeps its history. A card whose row is gone leaves the file and is suspended, and
a row that comes back later takes the id of the suspended question with its wording (the
caller looks that up in the collection), so it is restored with its history. Ids from a
row's position would not do: one row inserted near the top would hand every later card the
history of its neighbour. Ids from the wording alone would lose the history at every edit.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import TypeVar

from emdrill.core.cards import Question, Slot
from emdrill.core.deck_fields import ID_PATTERN
from emdrill.core.deckfile import DRAFTABLE
from emdrill.core.questionlist import Row
from emdrill.core.suggest import SYSTEM, Suggestion

T = TypeVar("T")
DEFAULT_DECK = "my-questions"
EDIT_LIKENESS = 0.6  # how alike (0-1) a changed row must read to count as an edit of a card
ID_WORDS = 5
GENERIC_PITFALL = "Answering the literal question instead of the intent behind it."
GENERIC_FOLLOW_UP = "What would you do differently next time?"
# The intent of a card no deck card was close enough to draft one from: a to-do, not a guess.
UNDECODED = ("Not decoded yet: what does the interviewer really want to know? Pick one of the "
             "candidates or write your own with `emdrill drafts`.")
_FILLER_WORDS = """a an the and or of to in on for with at by from as is are was were be
been you your yours me my i we our us it its this that these those do does did have has had
how what when where which who why would could should can will tell describe give share walk
about time example situation please"""
_FILLER = frozenset(_FILLER_WORDS.split())


@dataclass(frozen=True)
class Given:
    """What the user said about a new question; None means: take the suggestion."""

    family: str | None = None
    story: int | None = None
    intent: str | None = None


@dataclass(frozen=True)
class Basis:
    """What a drafted card borrows from the loaded deck."""

    card: Question | None  # the nearest card of the family (the suggestion's `basis`)
    slots: Mapping[int, Slot]
    family_cards: Sequence[Question]  # the family's cards, for its usual system and traits
    usual: Usual | None = None  # `usual(family_cards)` when already worked out (an import)

    def family_usual(self) -> Usual:
        return self.usual if self.usual is not None else usual(self.family_cards)


@dataclass(frozen=True)
class Usual:
    """What a family's cards use most: what a card with no near card of its family gets."""

    story: int
    system: str
    trait: str


def usual(cards: Sequence[Question]) -> Usual:
    return Usual(story=_most_common([q.story for q in cards], 1),
                 system=_most_common([q.system for q in cards], "team"),
                 trait=_most_common([t for q in cards for t in q.traits], "ownership"))


def deck_name_problem(name: str) -> str:
    """Why `name` cannot name a user deck, or ''."""
    if not ID_PATTERN.match(name):
        return f"deck name '{name}' must be lowercase words joined by hyphens, e.g. my-questions"
    return ""


def deck_slug(stem: str) -> str:
    """A deck name from a file name: 'EM questions (2024).csv' -> 'em-questions-2024'."""
    words = _ascii_words(stem)
    return "-".join(words)[:40].strip("-") or "imported"


def normal(text: str) -> str:
    """A question's wording for matching: casefolded words, punctuation and spacing dropped."""
    return " ".join(_ascii_words(text))


def _ascii_words(text: str) -> list[str]:
    flat = unicodedata.normalize("NFKD", text.replace("\u2019", "").replace("'", ""))
    flat = "".join(ch for ch in flat if not unicodedata.combining(ch)).casefold()
    return re.findall(r"[a-z0-9]+", flat)


def card_id(deck: str, text: str, taken: Container[str]) -> str:
    """A new id: a few words of the question and a hash of deck and wording; never one taken
    (`taken` is asked, never copied: an import asks it once per row)."""
    used = taken
    words = [w for w in _ascii_words(text) if w not in _FILLER][:ID_WORDS] or ["question"]
    stem = "-".join(words)[:40].strip("-")
    digest = hashlib.sha1(f"{deck}\n{normal(text)}".encode()).hexdigest()
    for size in (5, 8, 12):
        candidate = f"{stem}-{digest[:size]}"
        if candidate not in used:
            return candidate
    n = 2
    while f"{stem}-{digest[:12]}-{n}" in used:
        n += 1
    return f"{stem}-{digest[:12]}-{n}"


# ---------------------------------------------------------------- drafting a card


def file_story(suggestion: Suggestion, basis: Basis) -> int:
    """The story slot to write. This deck format has no system answer yet, so a suggested
    system answer becomes its best slot: an alternate, else the nearest card's, else the
    family's usual one."""
    if isinstance(suggestion.story, int):
        return suggestion.story
    for slot in suggestion.also:
        if isinstance(slot, int):
            return slot
    if basis.card is not None:
        return basis.card.story
    return basis.family_usual().story


def draft_card(text: str, *, qid: str, deck: str, suggestion: Suggestion, given: Given,
               basis: Basis, reviewed: Iterable[str] = (), source: str = "",
               position: int = 0) -> Question:
    """A complete, valid card for `text`: what the user gave, the rest from the suggestion
    and the nearest card of its family, every borrowed field listed in `draft`."""
    family = given.family or suggestion.family
    story = given.story or file_story(suggestion, basis)
    also = tuple(dict.fromkeys(s for s in suggestion.also if isinstance(s, int) and s != story))
    near = basis.card if basis.card is not None and basis.card.family == family else None
    slot = basis.slots.get(story)
    probes = near.probes if near else _probes(slot)
    intent = given.intent if given.intent is not None else suggestion.intent or UNDECODED
    undecoded = given.intent is None and not suggestion.intent
    filled = {"intent": given.intent is None, "family": given.family is None,
              "story": given.story is None, "also": bool(also)}
    drafts = [f for f in DRAFTABLE if filled.get(f, True) and f not in set(reviewed)]
    return Question(
        id=qid, deck=deck, family=family, text=text,
        intent=intent, story=story, also=also, probes=tuple(probes),
        system=near.system if near else basis.family_usual().system,
        traits=near.traits if near else (basis.family_usual().trait,),
        pitfall=near.pitfall if near else GENERIC_PITFALL,
        follow_ups=near.follow_ups if near else (GENERIC_FOLLOW_UP,),
        position=position, draft=tuple(drafts), source=source,
        candidates=tuple(c[0] for c in suggestion.candidates) if undecoded else (),
    )


def _probes(slot: Slot | None) -> tuple[str, ...]:
    """With no card to borrow from: what the slot's story must contain (2 to 4 of them)."""
    parts = list(slot.must_include[:4]) if slot else []
    while len(parts) < 2:
        parts.append(("what you did yourself, in order", "what changed because of it")[len(parts)])
    return tuple(parts)


def _most_common(values: Sequence[T], default: T) -> T:
    counts = Counter(values)
    return max(counts, key=lambda v: (counts[v], -values.index(v))) if counts else default


def redraft(card: Question, fresh: Question) -> Question:
    """`card` with the fields still in its draft taken from `fresh` (a new draft for new
    wording); what the user reviewed stays."""
    values = {f: getattr(fresh, f) for f in card.draft}
    draft = tuple(f for f in card.draft if f in fresh.draft)
    candidates = fresh.candidates if "intent" in card.draft else ()
    changed = replace(card, text=fresh.text, **values, draft=draft, candidates=candidates)
    if changed.story in changed.also:
        changed = replace(changed, also=tuple(s for s in changed.also if s != changed.story))
    return changed


def confirmed(card: Question, fields: Iterable[str]) -> Question:
    """`card` with `fields` reviewed by the user: out of its draft."""
    gone = set(fields)
    draft = tuple(f for f in card.draft if f not in gone)
    return replace(card, draft=draft, candidates=card.candidates if "intent" in draft else ())


def decoded(card: Question, intent: str) -> Question:
    """`card` with the intent the user chose or wrote: reviewed, its candidates dropped."""
    return replace(confirmed(card, ["intent"]), intent=intent, candidates=())


def reviewed_by_edit(before: Question, after: Question) -> Question:
    """A card the user edited: a drafted field they changed counts as reviewed."""
    still = tuple(f for f in after.draft if getattr(after, f) == getattr(before, f))
    return replace(after, draft=still, candidates=after.candidates if "intent" in still else ())


# ---------------------------------------------------------------- matching imported rows


@dataclass(frozen=True)
class Match:
    """What importing one row does: `new` card, `same` card, `edited` card, or `duplicate`
    of an earlier row (`first` is that row's line)."""

    row: Row
    status: str
    card: Question | None = None
    first: int = 0


def source_of(name: str, line: int) -> str:
    return f"{name}:{line}"


def from_source(card: Question, name: str) -> bool:
    """Whether `card` was imported from the file called `name`."""
    return card.source.rpartition(":")[0] == name


def match_rows(rows: Sequence[Row], cards: Sequence[Question], *, name: str
               ) -> tuple[list[Match], list[Question]]:
    """Each row's match among the deck's cards, and the cards imported before from `name`
    that no row matches any more. Same wording (see `normal`) first, any card of the deck;
    then each changed row is paired with the vanished card of `name` that reads most alike,
    if at least EDIT_LIKENESS alike."""
    owned = [c for c in cards if from_source(c, name)]
    by_text = {normal(c.text): c for c in owned}
    elsewhere = {normal(c.text): c for c in cards if not from_source(c, name)}
    seen: dict[str, int] = {}
    result: dict[int, Match] = {}
    for i, row in enumerate(rows):
        key = normal(row.text)
        if key in seen:
            result[i] = Match(row, "duplicate", first=seen[key])
            continue
        seen[key] = row.line
        if key in by_text:
            result[i] = Match(row, "same", by_text.pop(key))
        elif key in elsewhere:  # already in the deck from another list, or added by hand
            result[i] = Match(row, "same", elsewhere.pop(key))
    pending = [i for i in range(len(rows)) if i not in result]
    left = list(by_text.values())
    pairs = sorted(((SequenceMatcher(None, normal(rows[i].text), normal(c.text)).ratio(), i, c)
                    for i in pending for c in left), key=lambda p: (-p[0], p[1]))
    for likeness, i, card in pairs:
        if likeness >= EDIT_LIKENESS and i not in result and card in left:
            result[i] = Match(rows[i], "edited", card)
            left.remove(card)
    for i in pending:
        result.setdefault(i, Match(rows[i], "new"))
    return [result[i] for i in range(len(rows))], left


# ---------------------------------------------------------------- the file


def render_deck(*, deck: str, name: str, description: str, questions: Sequence[Question],
                note: str = "") -> str:
    """A user deck file: a comment, the `[deck]` table, then one block per question."""
    lines = [f"# {line}".rstrip() for line in note.splitlines()]
    lines += ["[deck]", f"id = {_str(deck)}", f"name = {_str(name)}", 'version = "1"',
              f"description = {_str(description)}", ""]
    text = "\n".join(lines)
    return text + "".join("\n" + render_question(q) for q in questions)


def render_question(q: Question) -> str:
    """One `[[questions]]` block, keys in the deck format's order."""
    lines = ["[[questions]]", f"id = {_str(q.id)}", f"family = {_str(q.family)}",
             f"text = {_str(q.text)}", f"intent = {_str(q.intent)}",
             f"probes = {_list(q.probes)}", f"story = {_story(q.story)}",
             f"also = [{', '.join(_story(s) for s in q.also)}]", f"system = {_str(q.system)}",
             f"traits = {_list(q.traits)}", f"pitfall = {_str(q.pitfall)}",
             f"follow_ups = {_list(q.follow_ups)}"]
    if q.siblings:
        lines.append(f"siblings = {_list(q.siblings)}")
    if q.source:
        lines.append(f"source = {_str(q.source)}")
    if q.note:
        lines.append(f"note = {_str(q.note)}")
    if q.candidates:
        lines.append(f"candidates = {_list(q.candidates)}")
    if q.draft:
        lines.append(f"draft = {_list(q.draft)}")
    return "\n".join(lines) + "\n"


def _story(story: int) -> str:
    """A slot, or "system": a story outside 1-8 is the system answer (issue 11 stores it as 9
    and writes it so)."""
    return str(story) if 1 <= story <= 8 else _str(SYSTEM)


def _str(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, and TOML also wants DEL escaped."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _list(values: Iterable[str]) -> str:
    items = [_str(v) for v in values]
    one_line = f"[{', '.join(items)}]"
    if len(one_line) <= 80:
        return one_line
    return "[\n" + "".join(f"  {item},\n" for item in items) + "]"


def display_story(story: int | str) -> str:
    return "system" if story == SYSTEM else str(story)


_QUESTIONS_HEADER = re.compile(r"^\s*\[\[\s*questions\s*\]\]")


def with_card(text: str, index: int, card: Question) -> str:
    """The deck file `text` with its `index`-th `[[questions]]` block replaced by `card`; the
    rest of the file, comments included, stays as it was. The block ends at the next table
    header; the comments and blank lines just before that header stay with it."""
    lines = text.splitlines(keepends=True)
    heads = [n for n, line in enumerate(lines) if _QUESTIONS_HEADER.match(line)]
    if not 0 <= index < len(heads):
        raise ValueError(f"no question block {index} in the file")
    start = heads[index]
    end = next((n for n in range(start + 1, len(lines)) if lines[n].lstrip().startswith("[")),
               len(lines))
    while end > start + 1 and (not lines[end - 1].strip()
                               or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return "".join(lines[:start]) + render_question(card) + "".join(lines[end:])
