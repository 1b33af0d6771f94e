"""The fast paths of the suggester (issue 25) give exactly what the plain ones gave: the nearest
cards by max-score pruning against a scan of every card sharing a term, and the word splitter
and term reader against their first, slower forms, kept here as the reference."""

from __future__ import annotations

import csv
import dataclasses
import functools
import random
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from emdrill.core import suggest, textsim
from emdrill.core.suggest import Model, Vector
from test_suggest import LABELLED, ODD_INPUTS, Deck, _load_deck

LISTS = Path(__file__).resolve().parents[1].parent / "shared" / "question-lists"


def _scan_nearest(self: Model, query: Vector) -> suggest.Hits:
    """The K nearest cards as first written: every card sharing a term scored, all sorted."""
    scores: dict[int, float] = {}
    for term, qw in query.items():
        for i, dw in self.postings.get(term, ()):
            scores[i] = scores.get(i, 0.0) + qw * dw
    scores = {i: s * self.docs[i].weight for i, s in scores.items()}
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], self.docs[kv[0]].id))
    return [(i, s) for i, s in ranked[: suggest.K] if s > 0]


def _plain_words(text: str) -> list[str]:
    flat = unicodedata.normalize("NFKD", text.translate(textsim._APOSTROPHES))
    flat = "".join(ch for ch in flat if not unicodedata.combining(ch)).casefold()
    return textsim._WORD.findall(flat)


@functools.cache
def _longest_phrase() -> int:
    """The most words in any vocabulary phrase (the vocabulary is fixed: worked out once, not
    at every word, which made the reference build of 1,500 cards take most of the test)."""
    return max(map(len, suggest._vocabulary()[0]))


def _plain_phrase_at(stems: Sequence[str], i: int) -> tuple[int, tuple[str, ...]]:
    phrases = suggest._vocabulary()[0]
    longest = _longest_phrase()
    for n in range(min(longest, len(stems) - i), 0, -1):
        concepts = phrases.get(tuple(stems[i: i + n]), ())
        if concepts:
            return n, concepts
    return 1, ()


@functools.cache
def _plain_terms(text: str) -> tuple[tuple[str, str, float], ...]:
    """The terms of `text`, read word by word. Kept for each text, as `suggest._terms` keeps
    them: the grown cards repeat their source cards' intents and probes, and reading each
    again made the plain run of the 1,500 cards cost most of this file."""
    words = _plain_words(text)
    stems = [textsim.stem(w) for w in words]
    out: list[tuple[str, str, float]] = []
    i = 0
    while i < len(stems):
        n, concepts = _plain_phrase_at(stems, i)
        if suggest.FRAME in concepts:
            i += n
            continue
        out += [(c, c, suggest.CONCEPT_WEIGHT) for c in concepts]
        weight = suggest.WORD_IN_PHRASE if concepts else 1.0
        out += [(stems[j], words[j], weight) for j in range(i, i + n)
                if suggest._keep(words[j])]
        i += n
    return tuple(out)


def _grown(deck: Deck, n: int) -> Deck:
    """`n` cards from the deck's text, each question joined with another's, every seventh a
    card still holding drafts: big enough that the nearest cards are pruned."""
    docs, families, slots = deck
    rng = random.Random(5)
    grown = [dataclasses.replace(d, id=f"g-{i:05}", text=f"{d.text} {o.text}",
                                 weight=suggest.DRAFT_WEIGHT if i % 7 == 0 else 1.0)
             for i in range(n)
             for d, o in [(docs[i % len(docs)], docs[rng.randrange(len(docs))])]]
    return grown, families, slots


def _questions(deck: Deck) -> Iterator[tuple[str, str]]:
    """(question, hint): the deck's own, the labelled set, the shared real lists if present
    (read where they are, never copied here), odd input."""
    yield from ((d.text, "") for d in deck[0])
    with LABELLED.open(encoding="utf-8", newline="") as fh:
        yield from ((r["question"], r.get("category", ""))
                    for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    for path in sorted(LISTS.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as fh:
            yield from ((r["question"], r["category"])
                        for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    yield from ((q, "") for q in ODD_INPUTS)


def _answers(deck: Deck, questions: list[tuple[str, str]]) -> tuple[str, list[object]]:
    docs, families, slots = deck
    model = Model.build(docs, family_text=families, slot_text=slots)
    return model.to_json(), [dataclasses.asdict(model.suggest(q, hint=h)) for q, h in questions]


@pytest.fixture(scope="module")
def deck() -> Deck:
    return _load_deck()


@pytest.mark.parametrize("grown", [0, 1500])
def test_the_fast_paths_suggest_exactly_what_the_plain_ones_did(
        deck: Deck, grown: int, monkeypatch: pytest.MonkeyPatch) -> None:
    used = _grown(deck, grown) if grown else deck
    questions = list(_questions(deck))
    assert len(questions) > 500
    fast = _answers(used, questions)
    with monkeypatch.context() as patch:
        patch.setattr(Model, "_nearest", _scan_nearest)
        patch.setattr(suggest, "_terms", _plain_terms)
        plain = _answers(used, questions)
    assert fast[0] == plain[0]  # the same model, to the byte
    for got, want in zip(fast[1], plain[1], strict=True):
        assert got == want


def test_pruning_scores_few_of_the_cards_that_share_a_term(
        deck: Deck, monkeypatch: pytest.MonkeyPatch) -> None:
    """The threshold algorithm stops early: it scores far fewer cards than a scan would (at
    1,500 cards about a fifth of them; at 10,000 about a tenth)."""
    docs, families, slots = _grown(deck, 1500)
    model = Model.build(docs, family_text=families, slot_text=slots)
    scored: list[int] = []
    real = Model._top

    def counted(self: Model, scores: dict[int, float], floor: float) -> suggest.Hits:
        scored.append(len(scores))
        return real(self, scores, floor)

    monkeypatch.setattr(Model, "_top", counted)
    scanned = 0
    for doc in deck[0][:60]:
        query = suggest._vector(suggest._counts([(doc.text, 1.0)]), model.index.idf)
        scanned += len({i for t in query for i, _ in model.postings.get(t, ())})
        model._nearest(query)
    assert 0 < sum(scored) < scanned * 0.5


def test_words_match_the_whole_text_decomposition() -> None:
    rng = random.Random(11)
    alphabet = [chr(c) for c in range(0x20, 0x2FFF)] + list("e\u0301\u0308\u0327\ufb01\u0130")
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) if rng.random() < 0.4 else rng.choice("ab cd'e")
                       for _ in range(rng.randrange(1, 40)))
        assert textsim.words(text) == _plain_words(text), repr(text)


def _edits(deck: Deck) -> Iterator[tuple[str, list[suggest.Doc]]]:
    """The deck's cards as a later load may give them: with drafts added (word rarity
    unchanged), a reviewed card added (rarity moves), one card's intent or question edited,
    a draft confirmed, a card gone, the order changed."""
    docs = list(deck[0])
    first = docs[0]
    yield "drafts added", docs + [dataclasses.replace(d, id=f"x-{i}", text=f"{d.text} again",
                                                       weight=suggest.DRAFT_WEIGHT)
                                  for i, d in enumerate(docs[:30])]
    guild = dataclasses.replace(first, id="x-new", text="How do you run a guild?")
    yield "a reviewed card added", [*docs, guild]
    yield "an intent edited", [dataclasses.replace(first, intent="Can you say no to a peer?"),
                               *docs[1:]]
    yield "a question edited", [*docs[:-1], dataclasses.replace(docs[-1], text="Why us?")]
    yield "a draft confirmed", docs
    yield "a card gone", docs[1:]
    yield "reordered", docs[::-1]


def test_a_model_built_from_a_stale_one_is_the_fresh_model_to_the_byte(deck: Deck) -> None:
    """The cache of an older deck lends what unchanged cards decide; what it gives must be
    what building afresh gives, or a stale cache would answer for the old deck."""
    docs, families, slots = deck
    drafted = [dataclasses.replace(d, weight=suggest.DRAFT_WEIGHT) if i % 9 == 0 else d
               for i, d in enumerate(docs)]
    # Each edit's fresh model (its JSON and answer) worked out once, for both stale models.
    fresh = {}
    for what, after in _edits(deck):
        model = Model.build(after, family_text=families, slot_text=slots)
        question = after[0].text + " with a twist"
        fresh[what] = (model.to_json(), question, model.suggest(question))
    for before in (docs, drafted):
        old = Model.build(before, family_text=families, slot_text=slots)
        for what, after in _edits(deck):
            lent = Model.build(after, family_text=families, slot_text=slots, previous=old)
            want_json, question, want = fresh[what]
            assert lent.to_json() == want_json, what
            assert lent.suggest(question) == want, what


def test_drafts_added_to_a_stale_model_read_only_the_new_cards(
        deck: Deck, monkeypatch: pytest.MonkeyPatch) -> None:
    docs, families, slots = deck
    old = Model.build(docs, family_text=families, slot_text=slots)
    counted: list[str] = []
    real = suggest._doc_counts

    def counts(doc: suggest.Doc) -> dict[str, float]:
        counted.append(doc.id)
        return real(doc)

    monkeypatch.setattr(suggest, "_doc_counts", counts)
    added = next(after for what, after in _edits(deck) if what == "drafts added")
    Model.build(added, family_text=families, slot_text=slots, previous=old)
    assert counted == [d.id for d in added[len(docs):]]
