"""Your own questions: adding one, and importing a list of them, each drafted from a
suggestion (`ops.suggestions`).

A store and an explicit `now` in, plain values out. User decks live in the data folder (the
one holding the collection), as `decks/NAME.toml`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from emdrill.core.cards import Question
from emdrill.core.deckfile import DeckFile, LoadResult, parse_bytes, validate
from emdrill.core.errors import DeckError, InputError
from emdrill.core.questionlist import MAX_LENGTH, QuestionList, Row, clean, parse_list
from emdrill.core.suggest import Model, Suggestion
from emdrill.core.userdeck import (
    DEFAULT_DECK,
    Basis,
    Given,
    Match,
    Usual,
    card_id,
    deck_name_problem,
    deck_slug,
    draft_card,
    from_source,
    match_rows,
    normal,
    redraft,
    render_deck,
    render_question,
    reviewed_by_edit,
    source_of,
    usual,
)
from emdrill.ops import backups, plan_scope
from emdrill.ops.decks import USER_DECKS, parse_file
from emdrill.ops.suggestions import CONFIRMED, Loaded, data_folder, model, write_atomically
from emdrill.store import deck_load as store_deck_load
from emdrill.store import decks as store_decks
from emdrill.store.db import Store

REVIEW_BELOW = 0.3  # confidence under which an imported row's family and story stay drafts


# ---------------------------------------------------------------- user decks


def deck_path(store: Store, deck: str) -> Path:
    """The file of the user deck `deck`; refused if the name is taken by another deck."""
    problem = deck_name_problem(deck)
    if problem:
        raise InputError(problem)
    path = data_folder(store) / USER_DECKS / f"{deck}.toml"
    source = store_decks.deck_sources(store).get(deck)
    if source is not None and Path(source).resolve() != path.resolve():
        raise InputError(f"deck '{deck}' is already loaded from {source}; choose another "
                         "name with --deck")
    return path


def _read_deck(path: Path) -> DeckFile | None:
    if not path.exists():
        return None
    deck = parse_file(path)
    if deck.problems:
        raise DeckError("\n".join(str(p) for p in deck.problems))
    return deck


def save_deck(store: Store, path: Path, text: str, *, now: datetime,
              reason: str | None = None) -> tuple[LoadResult, tuple[str, ...]]:
    """Check the new deck text against what is loaded, back the collection up (given a
    `reason`: add, import), write the file, load it; the questions it adds go first among new ones.
    Nothing is written, the backup included, if it does not check out. Returns the load and
    the new questions held out of an active interview plan's scope (`ops.plan_scope`)."""
    deck = parse_bytes(path, text.encode("utf-8"))
    problems = validate([deck], store_deck_load.context(store))
    if problems:
        raise DeckError("\n".join(str(p) for p in problems))
    if reason is not None:
        backups.automatic(store, reason, now=now)
    held = plan_scope.hold(store, now, deck.questions)
    before = path.read_bytes() if path.exists() else None
    write_atomically(path, text)
    try:
        return store_deck_load.load(store, [deck], now=now, first=True), held
    except BaseException:
        if before is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(before)
        raise


def _header(deck: str, *, imported_from: str = "") -> str:
    if imported_from:
        return render_deck(
            deck=deck, name=f"Imported from {imported_from}",
            description=f"Questions imported from {imported_from} with emdrill import.",
            questions=(), note=f"Written by `emdrill import {imported_from}`; importing it "
            "again updates this file.\nReviewed fields are kept; comments are not. 'draft' "
            "lists what emdrill filled in\nand you have not reviewed yet.\n")
    name = "My questions" if deck == DEFAULT_DECK else deck.replace("-", " ").capitalize()
    return render_deck(
        deck=deck, name=name, description="Your own questions, added with emdrill add.",
        questions=(), note="Your own questions. Edit freely, then run `emdrill deck check`.\n"
        "'draft' lists what emdrill filled in and you have not reviewed yet.\n")


def _returning(store: Store, deck: str) -> dict[str, str]:
    """Normalised text -> id of the deck's suspended questions: a question that comes back
    takes its old id, so loading restores it with its history."""
    return {normal(text): qid for qid, text in store_decks.suspended_texts(store, deck).items()}


def _basis(loaded: Loaded, suggestion: Suggestion, family: str,
           known: dict[str, Usual] | None = None) -> Basis:
    """What the card drafted from `suggestion` borrows; `known` keeps each family's usual
    values across the rows of an import (worked out once per family, not once per row)."""
    cards = loaded.by_family.get(family, ())
    seen = None
    if known is not None:
        seen = known[family] = known.get(family) or usual(cards)
    return Basis(card=loaded.by_id.get(suggestion.basis), slots=loaded.slots,
                 family_cards=cards, usual=seen)


def _check_text(text: str) -> str:
    cleaned = clean(text)
    if not cleaned:
        raise InputError("the question is empty")
    if len(cleaned) > MAX_LENGTH:
        raise InputError(f"the question is {len(cleaned)} characters long (at most "
                         f"{MAX_LENGTH})")
    return cleaned


def _check_family(loaded: Loaded, family: str | None) -> None:
    known = [f.slug for f in loaded.families]
    if family is not None and family not in known:
        raise InputError(f"unknown family '{family}' (one of {', '.join(known)})")


# ---------------------------------------------------------------- add


@dataclass(frozen=True)
class Proposal:
    """A new card, ready to write: the suggestion it came from and where it would go."""

    suggestion: Suggestion
    card: Question
    path: Path
    family_name: str
    slot_name: str
    families: tuple[str, ...]  # the loaded families, which an edited card must use

    @property
    def block(self) -> str:
        return render_question(self.card)


def propose(store: Store, text: str, *, deck: str = DEFAULT_DECK, given: Given = Given(),
            reviewed: Iterable[str] = ()) -> Proposal:
    """The card `add` would write for `text`: what the user gave, the rest suggested.
    `reviewed` names suggested fields the user has confirmed (not drafts)."""
    question = _check_text(text)
    path = deck_path(store, deck)
    loaded = Loaded.read(store)
    _check_family(loaded, given.family)
    existing = _read_deck(path)
    mine = existing.questions if existing else []
    twin = next((q for q in mine if normal(q.text) == normal(question)), None)
    if twin is not None:
        raise InputError(f"{path}: already holds this question as '{twin.id}'")
    suggestion = model(store, loaded).suggest(question, family=given.family)
    taken = {q.id for q in loaded.questions} | {q.id for q in mine}
    qid = _returning(store, deck).get(normal(question)) or card_id(deck, question, taken)
    card = draft_card(question, qid=qid, deck=deck,
                      suggestion=suggestion, given=given,
                      basis=_basis(loaded, suggestion, given.family or suggestion.family),
                      reviewed=reviewed, position=len(mine))
    slot = loaded.slots.get(card.story)
    return Proposal(suggestion, card, path, loaded.family_names().get(card.family, ""),
                    slot.name if slot else "", tuple(f.slug for f in loaded.families))


def edited_card(proposal: Proposal, text: str) -> Question:
    """The card as the user edited it (one `[[questions]]` block); a drafted field they
    changed counts as reviewed. DeckError, with lines in their text, if it does not parse."""
    return parse_edited(proposal.card, text, proposal.families)


def parse_edited(before: Question, text: str, families: tuple[str, ...]) -> Question:
    """`before` as edited into `text` (one `[[questions]]` block), keeping its deck and
    source; a drafted field changed counts as reviewed. DeckError with lines in `text`."""
    where = Path("edited card")
    tail = '\n\n[deck]\nid = "x"\nname = "x"\nversion = "1"\n'  # after it: lines stay
    deck = parse_bytes(where, (text.rstrip("\n") + tail).encode("utf-8"))
    if deck.problems:
        raise DeckError("\n".join(str(p) for p in deck.problems))
    if len(deck.questions) != 1:
        raise DeckError(f"{where}:1: expected one [[questions]] block, found "
                        f"{len(deck.questions)}")
    card = replace(deck.questions[0], deck=before.deck, source=before.source,
                   position=before.position)
    if card.family not in families:
        raise DeckError(f"{where}:{deck.line_of(card, 'family')}: unknown family "
                        f"'{card.family}' (one of {', '.join(families)})")
    return reviewed_by_edit(before, card)


@dataclass(frozen=True)
class Added:
    card: Question
    path: Path
    loaded: LoadResult
    held: tuple[str, ...] = ()  # kept out of an active plan's scope until let in


def add(store: Store, proposal: Proposal, *, now: datetime, card: Question | None = None
        ) -> Added:
    """Append the proposed (or edited) card to its deck file and load it; it goes first among
    new questions, so it can be drilled today."""
    chosen = card or proposal.card
    path = proposal.path
    before = path.read_text(encoding="utf-8") if path.exists() else _header(chosen.deck)
    text = before.rstrip("\n") + "\n\n" + render_question(chosen)
    result, held = save_deck(store, path, text, now=now, reason="add")
    return Added(chosen, path, result, held)


# ---------------------------------------------------------------- import


@dataclass(frozen=True)
class ImportedRow:
    """One row of an imported list and what became of it. `status`: new, unchanged, edited,
    or duplicate (of the row on line `first`); `confidence` is None when nothing was
    suggested (the card was already there)."""

    line: int
    text: str
    status: str
    id: str = ""
    family: str = ""
    story: int | str = ""
    confidence: float | None = None
    review: bool = False
    first: int = 0
    undecoded: bool = False  # no intent drafted: its candidates are recorded instead


@dataclass(frozen=True)
class ImportResult:
    source: Path
    format: str
    deck: str
    path: Path
    rows: tuple[ImportedRow, ...]
    removed: tuple[str, ...]  # cards whose rows are gone: suspended, history kept
    loaded: LoadResult | None  # None on a dry run
    dry_run: bool
    held: tuple[str, ...] = ()  # new questions kept out of an active plan's scope until let in


def import_question_list(store: Store, path: Path, *, now: datetime, deck: str | None = None,
                         dry_run: bool = False) -> ImportResult:
    """Suggest for every question of a CSV, TSV, text or Markdown list, then write (unless
    `dry_run`) one user deck file named after the list (or `deck`) and load it."""
    listed = _read_list(path)
    name = deck or deck_slug(path.stem)
    target = deck_path(store, name)
    existing = _read_deck(target)
    cards = existing.questions if existing else []
    matches, gone = match_rows(listed.rows, cards, name=path.name)
    loaded = Loaded.read(store)
    drafter = _Drafter(loaded, model(store, loaded), deck=name,
                       taken={q.id for q in loaded.questions} | {q.id for q in cards},
                       returning=_returning(store, name))
    rows, written = _apply(matches, drafter, name=path.name)
    ours = {c.id for c in written} | {c.id for c in gone}
    written += [c for c in cards if c.id not in ours]  # added by hand: kept as they are
    text = _header(name, imported_from=path.name) + "".join(
        "\n" + render_question(c) for c in written)
    result, held = (None, ()) if dry_run else save_deck(store, target, text, now=now,
                                                         reason="import")
    return ImportResult(path, listed.format, name, target, tuple(rows),
                        tuple(c.id for c in gone), result, dry_run, held)


def _read_list(path: Path) -> QuestionList:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    listed = parse_list(path, raw)
    if listed.problems:
        raise InputError("\n".join(str(p) for p in listed.problems))
    return listed


def _apply(matches: Iterable[Match], drafter: _Drafter, *, name: str
           ) -> tuple[list[ImportedRow], list[Question]]:
    """Each row's outcome, and the cards to write in row order."""
    rows: list[ImportedRow] = []
    written: list[Question] = []
    for match in matches:
        row, source = match.row, source_of(name, match.row.line)
        if match.status == "duplicate":
            rows.append(ImportedRow(row.line, row.text, "duplicate", first=match.first))
            continue
        if match.status == "same" and match.card is not None:
            mine = from_source(match.card, name)
            # A note written in the deck file stays when the list has none for the row.
            note = row.note or match.card.note
            card = replace(match.card, source=source, note=note) if mine else match.card
            confidence = None
        else:
            card, confidence = drafter.draft(row, source=source, old=match.card)
        written.append(card)
        status = "unchanged" if match.status == "same" else match.status
        rows.append(ImportedRow(row.line, card.text, status, card.id, card.family, card.story,
                                confidence, bool(set(card.draft) & set(CONFIRMED)),
                                undecoded=bool(card.candidates)))
    return rows, written


class _Drafter:
    """Drafts the cards of one import: ids never collide, a `family` column naming a family
    is taken as the user's choice."""

    def __init__(self, loaded: Loaded, engine: Model, *, deck: str, taken: set[str],
                 returning: dict[str, str]) -> None:
        self.loaded, self.engine, self.deck, self.taken = loaded, engine, deck, taken
        self.returning = returning
        self.usual: dict[str, Usual] = {}
        self.named = {key.casefold(): f.slug for f in loaded.families
                      for key in (f.slug, f.name)}

    def draft(self, row: Row, *, source: str, old: Question | None
              ) -> tuple[Question, float]:
        """A card for the row (`old` with its drafted fields redone, for an edited row)."""
        family = self.named.get(row.family.casefold()) if row.family else None
        hint = " ".join(filter(None, (row.hint, "" if family else row.family)))
        suggestion = self.engine.suggest(row.text, hint=hint, family=family)
        sure = suggestion.confidence >= REVIEW_BELOW
        back = self.returning.pop(normal(row.text), None)
        qid = old.id if old is not None else back or card_id(self.deck, row.text, self.taken)
        self.taken.add(qid)
        card = draft_card(row.text, qid=qid, deck=self.deck, suggestion=suggestion,
                          given=Given(family=family),
                          basis=_basis(self.loaded, suggestion, suggestion.family,
                                       self.usual),
                          reviewed=("story", "also", "family") if sure else (), source=source)
        if old is not None:
            card = redraft(old, card)
        note = row.note or (old.note if old is not None else "")
        return replace(card, source=source, note=note), suggestion.confidence

