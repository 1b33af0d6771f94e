"""`emdrill export anki FILE.apkg`: the questions as an Anki deck, for review on a phone.

The only module that imports `genanki`. One note per question with a GUID from its deck and
question ids (`core.anki.note_guid`), so exporting again after edits updates the same notes in
Anki and keeps their progress there. Two card types: "Intent" and "Story".
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import genanki

from emdrill.core.anki import NOTETYPE_ID, NOTETYPE_NAME, deck_name, family_tag, note_guid
from emdrill.core.errors import InputError
from emdrill.core.stories import SYSTEM_NAMES, Story
from emdrill.core.story_bank import best_story
from emdrill.core.types import Question, Slot
from emdrill.ops.back import BackData, load_back
from emdrill.ops.transfer import write_whole
from emdrill.store import cards as store_cards
from emdrill.store import decks as store_decks
from emdrill.store.db import Store

FIELDS = ("Question", "Intent", "Probes", "Pitfall", "Slot", "Story", "System", "Family", "Id")

_FRONT = '<div class="q">{{Question}}</div>\n<div class="ask">%s</div>'
_INTENT_BACK = """{{FrontSide}}
<hr id="answer">
<div class="label">Intent</div><div class="intent">{{Intent}}</div>
{{#Probes}}<div class="label">Probes</div>{{Probes}}{{/Probes}}
{{#Pitfall}}<div class="label">Avoid</div><div>{{Pitfall}}</div>{{/Pitfall}}
<div class="meta">{{Family}} · {{Id}}</div>"""
_STORY_BACK = """{{FrontSide}}
<hr id="answer">
<div class="label">Story</div><div class="intent">{{Slot}}</div>
{{#Story}}<div class="label">Your story</div>{{Story}}{{/Story}}
{{#System}}<div class="label">Lead with your system</div>{{System}}{{/System}}
<div class="meta">{{Family}} · {{Id}}</div>"""
_CSS = """.card { font-family: -apple-system, system-ui, sans-serif; font-size: 19px;
  line-height: 1.45; text-align: left; color: #222; background: #fff; padding: 0 6px; }
.nightMode .card, .card.nightMode { color: #eee; background: #1e1e1e; }
.q { font-size: 22px; font-weight: 600; margin: 12px 0; }
.ask { color: #888; font-style: italic; }
.label { color: #2a7ab0; font-size: 14px; font-weight: 700; text-transform: uppercase;
  letter-spacing: .04em; margin: 14px 0 2px; }
.intent { font-weight: 600; }
ul { margin: 4px 0; padding-left: 20px; }
.hook { font-style: italic; }
.meta { color: #999; font-size: 13px; margin-top: 18px; }"""

MODEL = genanki.Model(
    NOTETYPE_ID, NOTETYPE_NAME,
    fields=[{"name": name} for name in FIELDS],
    templates=[
        {"name": "Intent", "qfmt": _FRONT % "What is this really asking?",
         "afmt": _INTENT_BACK},
        {"name": "Story", "qfmt": _FRONT % "Which story would you tell? Name its slot (1-8).",
         "afmt": _STORY_BACK},
    ],
    css=_CSS,
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
    anki_decks: dict[str, genanki.Deck] = {}
    for q in questions:
        name = deck_name(titles.get(q.deck, q.deck), names.get(q.family, q.family))
        if name not in anki_decks:
            anki_decks[name] = genanki.Deck(_deck_id(name), name)
        anki_decks[name].add_note(genanki.Note(
            model=MODEL, fields=_fields(q, back, names.get(q.family, q.family)),
            guid=note_guid(q.deck, q.id), tags=[family_tag(q.family)]))
    package = genanki.Package(list(anki_decks.values()))
    write_whole(path, lambda partial: package.write_to_file(str(partial),
                                                            timestamp=now.timestamp()),
                collection=store.path)
    return AnkiExport(path, len(questions), len(anki_decks))


def _chosen(store: Store, decks: Sequence[str], families: Sequence[str]) -> list[Question]:
    questions = [c.question for c in store_cards.load_cards(store)]
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


def _fields(q: Question, back: BackData, family: str) -> list[str]:
    slot = back.slots.get(q.story) or Slot(q.story, f"slot {q.story}")
    system = back.systems.get(q.system, "").strip().split("\n\n")[0]
    probes = "".join(f"<li>{_text(p)}</li>" for p in q.probes)
    return [
        _text(q.text), _text(q.intent), f"<ul>{probes}</ul>" if probes else "", _text(q.pitfall),
        _text(f"{slot.slot} · {slot.name}"), _story(best_story(q, back.stories)),
        f"<b>{_text(SYSTEM_NAMES[q.system])}</b><br>{_text(system)}" if system else "",
        _text(family), _text(q.id),
    ]


def _story(story: Story | None) -> str:
    if story is None:
        return ""
    parts = [f"<b>{_text(story.title)}</b>"]
    if story.hook:
        parts.append(f'<div class="hook">{_text(story.hook)}</div>')
    learning = story.learning_line()
    if learning:
        parts.append(f"<div>Learning: {_text(learning)}</div>")
    return "".join(parts)
