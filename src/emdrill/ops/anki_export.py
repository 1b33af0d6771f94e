"""`emdrill export anki FILE.apkg`: the questions as an Anki deck, for review on a phone.

The only module that imports `genanki`. One note per question with a GUID from its deck and
question ids (`core.anki.note_guid`), so exporting again after edits updates the same notes in
Anki and keeps their progress there. Two card types: "Intent" and "Story"; the Story card names
the eight slots, the alternates, what a missing story must show and what each button records
(docs/anki.md), in colours that keep AA contrast by day and by night.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import genanki

from emdrill.core.anki import (
    NOTETYPE_ID,
    NOTETYPE_NAME,
    STORY_BUTTONS,
    deck_name,
    family_tag,
    note_guid,
)
from emdrill.core.cards import SLOTS, SYSTEM_ANSWER_NAME, Question, Slot
from emdrill.core.errors import InputError
from emdrill.core.stories import SYSTEM_NAMES
from emdrill.core.story_bank import best_story
from emdrill.ops.back import BackData, load_back
from emdrill.ops.transfer import write_whole
from emdrill.store import card_reads
from emdrill.store import decks as store_decks
from emdrill.store.db import Store

SYSTEM_ANSWER_LABEL = f"{SYSTEM_ANSWER_NAME} (no core story)"

FIELDS = ("Question", "Intent", "Probes", "Pitfall", "Slot", "Story", "System", "Family", "Id")
# The fields are the note type's schema: Anki keeps a note's progress across exports only
# while they stay the same, so what changed (the slot list, the buttons, the colours) lives in
# the templates and the CSS, which Anki replaces when a newer export of the note type comes in.

_FRONT = '<div class="q">{{Question}}</div>\n<div class="ask">%s</div>'
_INTENT_BACK = """{{FrontSide}}
<hr id="answer">
<div class="label">Intent</div><div class="intent">{{Intent}}</div>
{{#Probes}}<div class="label">Probes</div>{{Probes}}{{/Probes}}
{{#Pitfall}}<div class="label">Avoid</div><div>{{Pitfall}}</div>{{/Pitfall}}
<div class="meta">{{Family}} · {{Id}}</div>"""
_STORY_BACK = """{{FrontSide}}
<hr id="answer">
<div class="label">Story</div>{{Slot}}
{{#Story}}<div class="label">Your story</div>{{Story}}{{/Story}}
{{#System}}<div class="label">Lead with your system</div>{{System}}{{/System}}
<div class="label">Buttons</div><div class="buttons">%s</div>
<div class="meta">{{Family}} · {{Id}}</div>"""


@dataclass(frozen=True)
class Palette:
    """One mode's colours. Each text colour is at least 4.5:1 against the background (WCAG
    AA for body text); tests/test_anki_card.py measures it on the CSS as written."""

    text: str
    muted: str  # the prompt under the question, the note's family and id
    accent: str  # the section labels
    background: str


DAY = Palette(text="#1f1f1f", muted="#575757", accent="#1b5c88", background="#ffffff")
NIGHT = Palette(text="#ececec", muted="#b4b4b4", accent="#85c1ea", background="#1e1e1e")
# Anki desktop marks night mode with `nightMode`, AnkiDroid with `night_mode`, on the card
# itself or on an element around it.
_NIGHT_SCOPES = (".nightMode", ".night_mode")

_CSS = """.card {{ font-family: -apple-system, system-ui, sans-serif; font-size: 19px;
  line-height: 1.45; text-align: left; color: {p.text}; background: {p.background};
  padding: 0 6px; }}
.q {{ font-size: 22px; font-weight: 600; margin: 12px 0; }}
.ask {{ color: {p.muted}; font-style: italic; }}
.label {{ color: {p.accent}; font-size: 14px; font-weight: 700; text-transform: uppercase;
  letter-spacing: .04em; margin: 14px 0 2px; }}
.intent {{ font-weight: 600; }}
ul, ol {{ margin: 4px 0; padding-left: 24px; }}
.slots {{ font-size: 16px; }}
.hook {{ font-style: italic; }}
.meta {{ color: {p.muted}; font-size: 13px; margin-top: 18px; }}"""
_NIGHT_CSS = """{card} {{ color: {p.text}; background: {p.background}; }}
{ask} {{ color: {p.muted}; }}
{label} {{ color: {p.accent}; }}
{meta} {{ color: {p.muted}; }}"""


def card_css() -> str:
    """The note type's CSS: day colours, then the same classes under each night-mode mark."""
    def scoped(cls: str) -> str:
        return ", ".join(f"{scope} {cls}" for scope in _NIGHT_SCOPES)

    card = ", ".join([*(f"{scope} .card" for scope in _NIGHT_SCOPES),
                      *(f".card{scope}" for scope in _NIGHT_SCOPES)])
    night = _NIGHT_CSS.format(p=NIGHT, card=card, ask=scoped(".ask"), label=scoped(".label"),
                              meta=scoped(".meta"))
    return _CSS.format(p=DAY) + "\n" + night


def story_front(slots: dict[int, Slot]) -> str:
    """The Story card's prompt: the eight slots by name, and the system answer."""
    items = "".join(f'<li value="{n}">{_text(_slot(slots, n).name)}</li>' for n in SLOTS)
    return (_FRONT % "Which story would you tell? Name its slot, or the system answer."
            + f'\n<ol class="slots">{items}</ol>'
            + f'\n<div class="slots">or: {_text(SYSTEM_ANSWER_LABEL)}</div>')


def story_buttons() -> str:
    """What each Anki button records on the Story card (`core.anki.STORY_BUTTONS`)."""
    return " · ".join(f"<b>{rating.label.capitalize()}</b>: {_text(meaning)}"
                      for rating, meaning in STORY_BUTTONS)


def note_model(slots: dict[int, Slot]) -> genanki.Model:
    """The note type, its Story front naming the slots as the loaded decks define them."""
    return genanki.Model(
        NOTETYPE_ID, NOTETYPE_NAME,
        fields=[{"name": name} for name in FIELDS],
        templates=[
            {"name": "Intent", "qfmt": _FRONT % "What is this really asking?",
             "afmt": _INTENT_BACK},
            {"name": "Story", "qfmt": story_front(slots), "afmt": _STORY_BACK % story_buttons()},
        ],
        css=card_css(),
    )


@dataclass(frozen=True)
class AnkiExport:
    path: Path
    notes: int
    decks: int


def export_anki(store: Store, path: Path, *, now: datetime, decks: Sequence[str] = (),
                families: Sequence[str] = ()) -> AnkiExport:
    """Write the active questions (of `decks` and `families`, when given) as an .apkg."""
    if path.suffix.lower() != ".apkg":
        raise InputError(f"{path}: give a file name ending in .apkg (the Anki apps open "
                         "only those)")
    questions = _chosen(store, decks, families)
    back = load_back(store)
    titles = {d: name for d, name, *_ in store_decks.deck_summary(store)}
    names = {f.slug: f.name for f in store_decks.families(store)}
    model = note_model(back.slots)
    anki_decks: dict[str, genanki.Deck] = {}
    for q in questions:
        name = deck_name(titles.get(q.deck, q.deck), names.get(q.family, q.family))
        if name not in anki_decks:
            anki_decks[name] = genanki.Deck(_deck_id(name), name)
        anki_decks[name].add_note(genanki.Note(
            model=model, fields=_fields(q, back, names.get(q.family, q.family)),
            guid=note_guid(q.deck, q.id), tags=[family_tag(q.family)]))
    package = genanki.Package(list(anki_decks.values()))
    write_whole(path, lambda partial: package.write_to_file(str(partial),
                                                            timestamp=now.timestamp()),
                collection=store.path)
    return AnkiExport(path, len(questions), len(anki_decks))


def _chosen(store: Store, decks: Sequence[str], families: Sequence[str]) -> list[Question]:
    questions = [c.question for c in card_reads.load_cards(store)]
    for given, known, what in ((decks, {q.deck for q in questions}, "deck"),
                               (families, {q.family for q in questions}, "family")):
        wrong = [name for name in given if name not in known]
        if wrong:
            raise InputError(f"unknown {what} '{wrong[0]}' (known: {', '.join(sorted(known))})")
    return [q for q in questions
            if (not decks or q.deck in decks) and (not families or q.family in families)]


def _deck_id(name: str) -> int:
    """A stable Anki deck id for a deck name (Anki ids are positive 63-bit numbers)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") >> 2 | 1 << 40


def _text(value: str) -> str:
    return html.escape(value).replace("\n", "<br>")


def _slot(slots: dict[int, Slot], number: int) -> Slot:
    return slots.get(number) or Slot(number, f"slot {number}")


def _fields(q: Question, back: BackData, family: str) -> list[str]:
    system = back.systems.get(q.system, "").strip().split("\n\n")[0]
    probes = "".join(f"<li>{_text(p)}</li>" for p in q.probes)
    return [
        _text(q.text), _text(q.intent), f"<ul>{probes}</ul>" if probes else "", _text(q.pitfall),
        _answer(q, back.slots), _story(q, back),
        f"<b>{_text(SYSTEM_NAMES[q.system])}</b><br>{_text(system)}" if system else "",
        _text(family), _text(q.id),
    ]


def _answer(q: Question, slots: dict[int, Slot]) -> str:
    """The Slot field: the question's slot (or the system answer) and the alternates."""
    if q.system_answer:
        return (f'<div class="intent">{_text(SYSTEM_ANSWER_LABEL)}</div>'
                f"<div>Answer with your system for {_text(SYSTEM_NAMES[q.system])}, then one "
                "short example.</div>")
    main = _slot(slots, q.story)
    parts = [f'<div class="intent">{main.slot} · {_text(main.name)}</div>']
    if q.also:
        also = "; ".join(f"{n} · {_text(_slot(slots, n).name)}" for n in q.also)
        parts.append(f"<div>Also fits (press Hard): {also}</div>")
    return "".join(parts)


def _story(q: Question, back: BackData) -> str:
    """The Story field: the user's story for the slot, or what one must contain."""
    if q.system_answer:
        return ""
    story = best_story(q, back.stories)
    if story is None:
        return _missing(_slot(back.slots, q.story))
    parts = [f"<b>{_text(story.title)}</b>"]
    if story.hook:
        parts.append(f'<div class="hook">{_text(story.hook)}</div>')
    learning = story.learning_line()
    if learning:
        parts.append(f"<div>Learning: {_text(learning)}</div>")
    return "".join(parts)


def _missing(slot: Slot) -> str:
    head = f"None yet for slot {slot.slot} ({_text(slot.name)})"
    if not slot.must_include:
        return f"<div>{head}: write one with <code>emdrill story add</code>.</div>"
    needs = "".join(f"<li>{_text(item)}</li>" for item in slot.must_include)
    return (f"<div>{head}. Write one with <code>emdrill story add</code>; it must "
            f"show:</div><ul>{needs}</ul>")
