"""Suggest a family, a story slot and a draft intent for an interview question not in the deck.

Standard library only; no I/O, no clock. Method: nearest cards, then a vote.
- Terms: casefolded words, accents and apostrophes dropped, stop words out, a light stemmer,
  plus a hand-written EM vocabulary (_VOCAB) that adds a concept term ("~conflict") for words
  meaning the same here (friction, clash...). A concept weighs CONCEPT_WEIGHT, the words that
  formed it WORD_IN_PHRASE. The CUE concept marks a question about the candidate; only
  system-answer cards and SYSTEM_TEXT keep it.
- Each card is a TF-IDF vector (log tf) over its fields, FIELD_WEIGHTS: question 4, intent 2,
  each probe, the pitfall and each follow-up 1. Cosine similarity finds the K nearest cards;
  each votes with its similarity squared, so one close card outweighs several loose ones.
- Family: that vote + FAMILY_TEXT_WEIGHT x similarity to the family description + CENTROID_WEIGHT
  x similarity to the family's cards summed, all without the CUE: "this is about you" says how
  to answer (a system answer), not which family. A question sharing no term with any card gets
  the family most like SYSTEM_TEXT (such a question is most likely about the candidate).
- Story: the vote for each card's story (its `also` slots at ALSO_SHARE) + SLOT_TEXT_WEIGHT x
  similarity to the slot description; SYSTEM runs as an imaginary card at similarity NO_STORY
  plus its likeness to SYSTEM_TEXT, so a question no card resembles gets a system answer, and
  story = "system" cards vote for it like any slot.
- Confidence: the mean lead of the winning family and story over their runners-up, scaled
  down when even the nearest card is below 2 x NO_STORY. A question with the same terms as a
  card (a deck question typed again) gets that card's own answers at confidence 1.
- Intent: copied from the nearest reviewed card of the chosen family when it is at least
  INTENT_FLOOR alike (nearest by the question without the CUE, which every about-you card
  shares); else none is drafted and `candidates` holds the CANDIDATES nearest cards' intents
  for the user to decode from. A family description is not an intent, so it is never one.
- A user's card that still holds drafts (`Doc.weight` = DRAFT_WEIGHT) counts for half a card
  as a neighbour and never lends its intent: an import must not take over the deck's own
  questions with copies of their intents.
More docs (the user's confirmed cards) mean more voters, vocabulary and sharper centroids.
A `hint` (an imported list's category) is read only when the question alone finds no card.

Tuning, stated plainly: the labels (tests/data/labelled-questions.tsv) were committed before
this module existed; the engine was then tuned on them by hand in about twenty runs over round
values (K 5/10/20, vote power 1/2, centroid and description weights 0-4, field weights, NO_STORY
0.1-0.3, concept weights), and the vocabulary and stop words grew after reading its misses
(about-you questions such as "why this company" or salary, stemmer collisions like career/care,
generic words such as "part" or "best"; "team" joined the ~team concept after a teammate/team
stemming slip showed it mattered). Nearby settings score within 2 points: a plateau, not a
peak. Result: family 0.80 (187 of 233, the least that clears the test's bar) and story 0.84
(195). The EM-oriented list scores 0.90/0.89, the software-engineer one 0.71/0.78. On 40 other
questions labelled by hand afterwards and kept out of tuning it scored family 0.70 and story
0.65: expect about that on new wording. Deck 2.0.0 (243 cards, system answers in most
families) gives family 0.79 (185) and story 0.79 (185) with these settings unchanged; the
about-you questions now meet system-answer cards of several families.


Growing the deck (issue 13). On the 243-card deck in progress for issue 11, which adds
system-answer cards, family fell to 0.68: system cards keep the CUE, so every about-you
question ("why this company", "what frustrates you") was pulled to the family of whichever
system card happened to be about the candidate (failure-self-review then). Two changes, made
from that diagnosis and not tuned on the labels: the family vote leaves the CUE out (above),
and the fallback family for a question with no matching card is the one most like SYSTEM_TEXT
(it was the family with the most system cards, ties broken by name). Family went back to 0.79
on that deck (and 0.80 on its next version, where the card moved to growth and the old engine
scored 0.79), 0.81 on the 156-card deck; story unchanged. A label-free check agrees: each
deck card's question asked of a model built without it (leave one out) gets its family 0.564
before and after on 156 cards, 0.498 -> 0.502 on 243. No weight was changed.

Issue 23 (saying what it knows). The labelled set is now split once, by a hash of each row's
source and number (bench/suggest_accuracy.py, `held_back`): 148 rows to tune on, 85 held back.
Changes, each checked on the tuning part only: "can you think of a time" is framing (FRAME),
not about-you; bare "change" left the change vocabulary, "system" and "bug"-only wording the
technical one; rollouts joined delivery, restructuring a team the team-structure concept,
and ownership learned above-and-beyond, responsibility and "the first months"; the intent
floor (0.3) was read off the tuning part's drafted share and fit at 0.15-0.45. The idea of
finding the intent's card without the CUE came from reading held-back drafts (the about-you
questions all drew one card's intent), so the held-back fit figure is not blind. Weights
unchanged. Deck 2.0.0, before -> after: family 0.797 -> 0.838 (tuning), 0.812 -> 0.800 (held
back); story 0.804 -> 0.797, 0.776 -> 0.788; a drafted intent for 100% -> 31% / 22% of the
questions. "Fits" by the bench's proxy (drafted from a card of the labelled family and story):
0.49 -> 0.70 and 0.53 -> 0.68; judged by hand by the author: 27 of 46 drafts fit on the tuning
part, 10 of 19 held back (before: 15 of 35 held-back drafts).
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cached_property, lru_cache
from operator import itemgetter
from typing import TypeAlias

from emdrill.core.textsim import cosine as _cosine
from emdrill.core.textsim import idf as _idf
from emdrill.core.textsim import stem as _stem
from emdrill.core.textsim import unit as _unit
from emdrill.core.textsim import words as _words

SYSTEM = "system"
SYSTEM_ANSWER = 9  # core.cards.SYSTEM_ANSWER: a deck's `also` may name the system answer
Story: TypeAlias = int | str
Vector: TypeAlias = dict[str, float]
Hits: TypeAlias = list[tuple[int, float]]  # (card index, similarity), best first

FORMAT = 4  # bump whenever terms, vocabulary or weights change: older caches are refused
K = 10
FIELD_WEIGHTS = {"text": 4.0, "intent": 2.0, "probes": 1.0, "pitfall": 1.0, "follow_ups": 1.0}
CONCEPT_WEIGHT = 2.0
WORD_IN_PHRASE = 0.5
FAMILY_TEXT_WEIGHT = 1.0
CENTROID_WEIGHT = 2.0
SLOT_TEXT_WEIGHT = 0.5
ALSO_SHARE = 0.5
NO_STORY = 0.2
CUE = "~self"
FRAME = "~frame"  # a vocabulary phrase that only frames the question: its words are dropped
SHOWN = 5  # nearest cards returned
INTENT_FLOOR = 0.3  # a card this similar (or more) of the chosen family lends its intent
CANDIDATES = 3  # nearest cards' intents offered when none is drafted
DRAFT_WEIGHT = 0.5  # a user's card still holding drafts counts for this much of a card
EXPLAINED = 3  # nearest cards explained in reasons, and shared words named per card
BLOCK = 16  # cards read from each term's list in a turn (`_nearest`)


@dataclass(frozen=True)
class Doc:
    """One deck question as plain values."""

    id: str
    family: str
    text: str
    intent: str
    probes: tuple[str, ...]
    pitfall: str
    follow_ups: tuple[str, ...]
    story: Story
    also: tuple[int, ...]
    weight: float = 1.0  # DRAFT_WEIGHT for a user's card that still holds drafts


@dataclass(frozen=True)
class Suggestion:
    """What the engine proposes for one question; `intent` is a draft for the user to edit,
    or "" when no card is close enough to draft one from: then `candidates` holds the
    nearest cards' intents, (card id, intent, similarity), for the user to choose from."""

    question: str
    family: str
    story: Story
    also: tuple[Story, ...]
    confidence: float
    nearest: tuple[tuple[str, float], ...]
    intent: str
    reasons: tuple[str, ...]
    basis: str = ""  # the card whose intent (and, for a new card, probes...) is the draft
    candidates: tuple[tuple[str, str, float], ...] = ()


# --- terms ------------------------------------------------------------------------------------

def _parse_vocab(text: str) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Phrase (as stems) -> its concept terms; a phrase listed under two concepts gets both."""
    phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
    for entry in re.split(r"\n(?=\w)", text.strip()):
        concept, _, body = entry.partition(":")
        for phrase in body.split(","):
            key, term = tuple(_stem(w) for w in _words(phrase)), "~" + concept.strip()
            if key and term not in phrases.get(key, ()):
                phrases[key] = (*phrases.get(key, ()), term)
    return phrases


@lru_cache(maxsize=1 << 15)
def _terms(text: str) -> tuple[tuple[str, str, float], ...]:
    """(term, surface word, weight) for each stem that is not a stop word, plus the concepts of
    vocabulary phrases (longest phrase first); a phrase's own words weigh WORD_IN_PHRASE.
    Remembered: a build reads each card's question twice (its vector and its `_key`)."""
    words = _words(text)
    stems = [_stem(w) for w in words]
    starts = _vocabulary()[1]
    out: list[tuple[str, str, float]] = []
    i = 0
    while i < len(stems):
        if stems[i] not in starts:  # most words: no phrase starts here (as in _phrase_at)
            if _keep(words[i]):
                out.append((stems[i], words[i], 1.0))
            i += 1
            continue
        n, concepts = _phrase_at(stems, i)
        if FRAME in concepts:  # "can you think of a time": framing, no meaning of its own
            i += n
            continue
        out += [(c, c, CONCEPT_WEIGHT) for c in concepts]
        weight = WORD_IN_PHRASE if concepts else 1.0
        out += [(stems[j], words[j], weight) for j in range(i, i + n) if _keep(words[j])]
        i += n
    return tuple(out)


def _phrase_at(stems: Sequence[str], i: int) -> tuple[int, tuple[str, ...]]:
    phrases, starts = _vocabulary()
    longest = starts.get(stems[i], 0)  # most words start no phrase: one lookup, not six
    for n in range(min(longest, len(stems) - i), 0, -1):
        concepts = phrases.get(tuple(stems[i : i + n]), ())
        if concepts:
            return n, concepts
    return 1, ()


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[dict[tuple[str, ...], tuple[str, ...]], dict[str, int]]:
    """The parsed _VOCAB, and for each stem that starts a phrase the longest phrase it
    starts; built on first use to keep imports cheap."""
    phrases = _parse_vocab(_VOCAB)
    starts: dict[str, int] = {}
    for phrase in phrases:
        starts[phrase[0]] = max(starts.get(phrase[0], 0), len(phrase))
    return phrases, starts


def _keep(word: str) -> bool:
    return word not in _STOP and len(word) > 1 and not word.isdigit()


# --- vectors ----------------------------------------------------------------------------------

def _counts(fields: Iterable[tuple[str, float]], *, cue: bool = True) -> dict[str, float]:
    """Weighted term counts; cue=False drops the about-you CUE (only system answers keep it)."""
    counts: dict[str, float] = {}
    for text, weight in fields:
        for term, _, share in _terms(text):
            if cue or term != CUE:
                counts[term] = counts.get(term, 0.0) + weight * share
    return counts


def _doc_counts(doc: Doc) -> dict[str, float]:
    w = FIELD_WEIGHTS
    fields = [(doc.text, w["text"]), (doc.intent, w["intent"]), (doc.pitfall, w["pitfall"])]
    fields += [(p, w["probes"]) for p in doc.probes]
    fields += [(f, w["follow_ups"]) for f in doc.follow_ups]
    return _counts(fields, cue=doc.story == SYSTEM)


def _vector(counts: Mapping[str, float], idf: Mapping[str, float]) -> Vector:
    unseen = max(idf.values(), default=1.0)  # a word no card uses weighs like the rarest
    return _unit({t: math.log1p(c) * idf.get(t, unseen) for t, c in counts.items()})


def _centroids(docs: Sequence[Doc], vectors: Sequence[Vector]) -> dict[str, Vector]:
    """Each family's cards summed into one unit vector: what the family as a whole is about."""
    sums: dict[str, dict[str, float]] = {}
    for doc, vec in zip(docs, vectors, strict=True):
        total = sums.setdefault(doc.family, {})
        for term, weight in vec.items():
            total[term] = total.get(term, 0.0) + weight
    return {f: _unit(total) for f, total in sorted(sums.items())}


# --- votes ------------------------------------------------------------------------------------

def _add(votes: dict[str, float], key: str, amount: float) -> None:
    votes[key] = votes.get(key, 0.0) + amount


def _ranked(votes: Mapping[str, float]) -> list[tuple[str, float]]:
    return sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))


def _lead(ranked: Sequence[tuple[str, float]]) -> float:
    """How far the winner is ahead of the runner-up, as a share of the winner's vote."""
    if not ranked or ranked[0][1] <= 0:
        return 0.0
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return (ranked[0][1] - second) / ranked[0][1]


def _story(key: str) -> Story:
    return int(key) if key.isdigit() else key


def _key(text: str) -> tuple[str, ...]:
    """A question's identity for exact matching: its terms, sorted, with no weights."""
    return tuple(sorted({term for term, _, _ in _terms(text)}))


def _content(doc: Doc) -> tuple[object, ...]:
    """What a card's terms and key are read from: every field but id, family and weight."""
    return (doc.text, doc.intent, doc.probes, doc.pitfall, doc.follow_ups, doc.story)


def _best(hits: Hits) -> float:
    return hits[0][1] if hits else 0.0


@dataclass(frozen=True)
class _Index:
    idf: Vector
    vectors: list[Vector]
    centroids: dict[str, Vector]  # family -> its cards summed
    families: dict[str, Vector]  # family -> its description
    slots: dict[str, Vector]  # "1".."8" and SYSTEM -> its description
    keys: list[list[str]]  # each card's question as `_key` gives it (kept: costly to redo)


class Model:
    """An index over deck cards: build once, suggest many times, cache with to_json."""

    def __init__(self, docs: Sequence[Doc], family_text: Mapping[str, str],
                 slot_text: Mapping[int, str], index: _Index) -> None:
        if not len(index.vectors) == len(index.keys) == len(docs):
            raise ValueError("suggestion model: one vector per card expected")
        self.docs, self.index = tuple(docs), index
        self.family_text, self.slot_text = dict(family_text), dict(slot_text)
        self.weights = [d.weight for d in docs]
        self.heaviest = max(self.weights, default=1.0)

    # Worked out on first use: a stale model read only to lend to a new build needs none.
    @cached_property
    def prior(self) -> str:
        return self._prior()

    @cached_property
    def known(self) -> dict[tuple[str, ...], int]:
        """A reviewed card's `_key` -> its position (the first card with that key)."""
        return {tuple(k): i for i, k in reversed(list(enumerate(self.index.keys)))
                if self.docs[i].weight >= 1.0}

    @cached_property
    def postings(self) -> dict[str, Hits]:
        """Each term's cards, heaviest first, ties by position (a reversed sort is still
        stable, and each list is built in position order): what `_nearest` reads."""
        postings: dict[str, Hits] = {}
        for i, vec in enumerate(self.index.vectors):
            for term, weight in vec.items():
                postings.setdefault(term, []).append((i, weight))
        for hits in postings.values():
            hits.sort(key=itemgetter(1), reverse=True)
        return postings

    @classmethod
    def build(cls, docs: Sequence[Doc], *, family_text: Mapping[str, str],
              slot_text: Mapping[int, str], previous: Model | None = None) -> Model:
        """The model over `docs`. `previous`, a model built before (a stale cache), lends
        what a card's own fields decide: for each card it holds with the same fields, its
        terms and `_key`, and its vector too while word rarity is unchanged (as when drafts
        are added: they teach no rarity). The model is the same, to the byte, as one built
        afresh; only reading the new cards' text costs."""
        old = previous.index if previous is not None else None
        lent = previous._lent(docs) if previous is not None else [None] * len(docs)
        # A lent card's terms are its old vector's: every counted term has a weight there.
        counts: list[Mapping[str, float]] = [
            old.vectors[j] if old is not None and j is not None else _doc_counts(d)
            for j, d in zip(lent, docs, strict=True)]
        # Word rarity is learnt from reviewed cards only: adding a draft leaves every other
        # card's vector, and so the deck's own answers, exactly as they were.
        idf = _idf([c for c, d in zip(counts, docs, strict=True) if d.weight >= 1.0] or counts)
        if old is not None and idf == old.idf:
            vectors = [old.vectors[j] if j is not None else _vector(c, idf)
                       for c, j in zip(counts, lent, strict=True)]
        else:  # rarity moved (or nothing to lend): every card weighed afresh
            vectors = [_vector(_doc_counts(d) if j is not None else c, idf)
                       for c, j, d in zip(counts, lent, docs, strict=True)]
        keys = [old.keys[j] if old is not None and j is not None else list(_key(d.text))
                for j, d in zip(lent, docs, strict=True)]
        texts = {str(s): t for s, t in sorted(slot_text.items())}
        slots = {s: _vector(_counts([(t, 1.0)], cue=False), idf) for s, t in texts.items()}
        slots[SYSTEM] = _vector(_counts([(SYSTEM_TEXT, 1.0)]), idf)
        families = {f: _vector(_counts([(t, 1.0)], cue=False), idf)
                    for f, t in sorted(family_text.items())}
        index = _Index(idf, vectors, _centroids(docs, vectors), families, slots, keys)
        return cls(docs, family_text, slot_text, index)

    def _lent(self, docs: Sequence[Doc]) -> list[int | None]:
        """For each of `docs`, the position of a card of this model with the same fields (all
        that its terms depend on), or None."""
        mine = {_content(d): i for i, d in enumerate(self.docs)}
        return [mine.get(_content(d)) for d in docs]

    def suggest(self, question: str, *, hint: str = "", family: str | None = None
                ) -> Suggestion:
        """A deck question (same words once stemmed) gets its own card's answer; any other
        question gets the vote of its nearest cards. `hint` (say, the category column of an
        imported list) is read only when the question shares no term with any card: measured
        on the labelled set, broad list categories ("Leadership and Management") blur more
        questions than they help.
        `family`, when the user chose it, is kept, and the draft intent comes from it."""
        counts, query, hits = self._query(question)
        if not hits and hint.strip():
            counts, query, hits = self._query(f"{question}\n{hint}")
        # The about-you cue says "answer with your system", not which family: vote without it.
        if CUE in counts:
            plain = _vector({t: c for t, c in counts.items() if t != CUE}, self.index.idf)
            plain_hits = self._nearest(plain)
        else:  # the same counts give the same vector and the same nearest cards
            plain, plain_hits = query, hits
        chosen, family_lead = self._family(plain, plain_hits)
        story, also, story_lead = self._story(query, hits)
        confidence = (family_lead + story_lead) / 2 * min(1.0, _best(hits) / (2 * NO_STORY))
        reasons: tuple[str, ...] = ()
        same = self.known.get(_key(question))
        if same is not None:
            doc, confidence = self.docs[same], 1.0
            chosen, story = doc.family, doc.story
            also = tuple(SYSTEM if a == SYSTEM_ANSWER else a for a in doc.also)
            hits = [(same, _best(hits)), *(h for h in hits if h[0] != same)]
            reasons = (f"same question as {doc.id}: its own family, story and intent",)
        if family is not None and family != chosen:
            chosen, reasons = family, (f"family {family}: your choice",)
        if same is not None and chosen == self.docs[same].family:
            intent, basis = self.docs[same].intent, self.docs[same].id
        else:
            intent, basis = self._intent(chosen, plain_hits)
        return Suggestion(
            question=question, family=chosen, story=story, also=also,
            confidence=round(confidence, 3),
            nearest=tuple((self.docs[i].id, round(s, 3)) for i, s in hits[:SHOWN]),
            intent=intent, reasons=reasons + self._reasons(question, query, hits, chosen, story),
            basis=basis, candidates=() if intent else self._candidates(hits),
        )

    def family_votes(self, text: str) -> list[tuple[str, float]]:
        """How strongly `text` leans to each family, best first: the vote `suggest` picks a
        family by (descriptions, each family's cards summed, the nearest cards), without the
        about-you cue. [] for a text sharing no term with any card."""
        plain = _vector(_counts([(text, 1.0)], cue=False), self.index.idf)
        hits = self._nearest(plain)
        return self._family_votes(plain, hits) if hits else []

    def _query(self, text: str) -> tuple[dict[str, float], Vector, Hits]:
        """The text's term counts, its vector and its nearest cards."""
        counts = _counts([(text, 1.0)])
        query = _vector(counts, self.index.idf)
        return counts, query, self._nearest(query)

    def _nearest(self, query: Vector) -> Hits:
        """The K most similar cards, best first (ties by id): exactly the cards and scores a
        full scan of every card sharing a term gives, found by the threshold algorithm (Fagin).
        Each term's cards are kept heaviest first (`postings`); the query's terms are read in
        turn, BLOCK cards at a time, and each new card met is scored in full. A card not met
        yet weighs at most, under each term, the weight at that term's read position, so it
        scores at most those weights times the query's, summed (times the largest card
        weight): once that falls below the K-th best score so far, no unread card can reach
        the K nearest, and reading stops. The K nearest have heavy weights in the query's
        terms, so they are met early; the long tail of cards that use a common word lightly
        ("team") is never read."""
        lists = [(qw, self.postings[t]) for t, qw in query.items() if t in self.postings]
        terms = list(query.items())
        vectors, weights = self.index.vectors, self.weights
        margin = self.heaviest * (1 + 1e-9)  # float sums may differ in the last bits
        scores: dict[int, float] = {}
        best: list[float] = []  # the K best scores so far, smallest first
        depth = 0
        while lists:
            reach = sum(qw * hits[depth][1] for qw, hits in lists) * margin
            if len(best) == K and reach < best[0]:
                break
            for _, hits in lists:
                for i, _ in hits[depth : depth + BLOCK]:
                    if i in scores:
                        continue
                    vec, total = vectors[i], 0.0
                    for term, qw in terms:  # in the query's order: one float however found
                        dw = vec.get(term)
                        if dw is not None:
                            total += qw * dw
                    score = scores[i] = total * weights[i]
                    if len(best) < K:
                        heapq.heappush(best, score)
                    elif score > best[0]:
                        heapq.heapreplace(best, score)
            depth += BLOCK
            lists = [(qw, hits) for qw, hits in lists if len(hits) > depth]
        return self._top(scores, best[0] if len(best) == K else -math.inf)

    def _top(self, scores: Mapping[int, float], floor: float = -math.inf) -> Hits:
        """The K best of `scores` (ties by id); `floor`, the K-th best score when known,
        leaves the rest unsorted."""
        docs = self.docs
        kept = [kv for kv in scores.items() if kv[1] >= floor]
        ranked = heapq.nsmallest(K, kept, key=lambda kv: (-kv[1], docs[kv[0]].id))
        return [(i, s) for i, s in ranked if s > 0]

    def _prior(self) -> str:
        """The family for a question that shares no term with the deck. Such a question is
        most likely about the candidate (a system answer), so: the family whose description
        and cards are most like SYSTEM_TEXT; the first family named if none is."""
        plain = _vector(_counts([(SYSTEM_TEXT, 1.0)], cue=False), self.index.idf)
        ranked = self._family_votes(plain, [])
        if ranked and ranked[0][1] > 0:
            return ranked[0][0]
        return min(self.family_text, default="")

    def _family(self, query: Vector, hits: Hits) -> tuple[str, float]:
        ranked = self._family_votes(query, hits)
        if not ranked or ranked[0][1] <= 0:
            return self.prior, 0.0
        return ranked[0][0], _lead(ranked)

    def _family_votes(self, query: Vector, hits: Hits) -> list[tuple[str, float]]:
        votes = {f: FAMILY_TEXT_WEIGHT * _cosine(query, v) for f, v in self.index.families.items()}
        for f, v in self.index.centroids.items():
            _add(votes, f, CENTROID_WEIGHT * _cosine(query, v))
        for i, s in hits:
            _add(votes, self.docs[i].family, s * s)
        return _ranked(votes)

    def _story(self, query: Vector, hits: Hits) -> tuple[Story, tuple[Story, ...], float]:
        votes = {s: SLOT_TEXT_WEIGHT * _cosine(query, v) for s, v in self.index.slots.items()}
        _add(votes, SYSTEM, NO_STORY * NO_STORY)
        for i, s in hits:
            doc = self.docs[i]
            _add(votes, str(doc.story), s * s)
            for slot in doc.also:  # an alternate of 9 is the system answer, not a slot
                _add(votes, SYSTEM if slot == SYSTEM_ANSWER else str(slot), ALSO_SHARE * s * s)
        ranked = _ranked(votes)
        also = tuple(_story(k) for k, v in ranked[1:3] if v >= ranked[0][1] / 2)
        return _story(ranked[0][0]), also, _lead(ranked)

    def _intent(self, family: str, hits: Hits) -> tuple[str, str]:
        """The intent of the closest card of the family, with its id, if that card is at
        least INTENT_FLOOR alike and reviewed; else ("", ""): no draft. A family description
        or a generic about-you line is not an intent, so neither is offered as one."""
        for i, s in hits[:SHOWN]:
            doc = self.docs[i]
            if s >= INTENT_FLOOR and doc.family == family and doc.weight >= 1.0:
                return doc.intent, doc.id
        return "", ""

    def _candidates(self, hits: Hits) -> tuple[tuple[str, str, float], ...]:
        """The nearest reviewed cards' intents, one per distinct intent, best first."""
        seen: dict[str, tuple[str, str, float]] = {}
        for i, s in hits:
            doc = self.docs[i]
            if doc.weight >= 1.0 and doc.intent not in seen:
                seen[doc.intent] = (doc.id, doc.intent, round(s, 3))
        return tuple(seen.values())[:CANDIDATES]

    def _reasons(self, question: str, query: Vector, hits: Hits, family: str, story: Story
                 ) -> tuple[str, ...]:
        surface = {t: w for t, w, _ in reversed(_terms(question))}
        lines = []
        for i, s in hits[:EXPLAINED]:
            vec = self.index.vectors[i]
            shared = sorted((-w * vec[t], t) for t, w in query.items() if t in vec)
            words = ", ".join(surface.get(t, t) for _, t in shared[:EXPLAINED])
            lines.append(f"like {self.docs[i].id} ({s:.2f}): shares {words}")
        count = sum(1 for i, _ in hits if self.docs[i].family == family)
        lines.append(f"family {family}: {count} of the {len(hits)} nearest cards are in it")
        if story == SYSTEM:
            lines.append("story system: no core story fits closely; open with your system")
        else:
            count = sum(1 for i, _ in hits if story in (self.docs[i].story, *self.docs[i].also))
            lines.append(f"story {story}: fits {count} of the {len(hits)} nearest cards")
        return tuple(lines)

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "docs": [_fields(d) for d in self.docs],
            "family_text": self.family_text, "slot_text": self.slot_text,
            "index": _fields(self.index),
        }, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Model:
        """Load a cached model; ValueError if it is malformed or from another FORMAT."""
        try:
            data = json.loads(text)
            if data["format"] != FORMAT:
                raise ValueError("cached suggestion model has another format; rebuild it")
            raw = data["index"]
            index = _Index(_vector_of(raw["idf"]), [_vector_of(v) for v in raw["vectors"]],
                           centroids=_vectors(raw["centroids"]),
                           families=_vectors(raw["families"]), slots=_vectors(raw["slots"]),
                           keys=[[str(t) for t in k] for k in raw["keys"]])
            docs = [_doc(d) for d in data["docs"]]
            slot_text = {int(k): str(v) for k, v in data["slot_text"].items()}
            family_text = {str(k): str(v) for k, v in data["family_text"].items()}
            return cls(docs, family_text, slot_text, index)
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError("cached suggestion model is malformed") from error


def fingerprint(docs: Sequence[Doc], *, family_text: Mapping[str, str],
                slot_text: Mapping[int, str]) -> str:
    """What a model is built from, hashed: a cached model with another fingerprint is stale."""
    cards = [[d.id, d.family, d.text, d.intent, d.probes, d.pitfall, d.follow_ups, d.story,
              d.also, d.weight] for d in docs]
    data = json.dumps([FORMAT, cards, sorted(family_text.items()), sorted(slot_text.items())])
    return hashlib.sha256(data.encode()).hexdigest()


def _fields(value: Doc | _Index) -> dict[str, object]:
    """A dataclass's fields by name, its values as they are: what `asdict` gives for JSON,
    without deep-copying every vector first (which made writing the cache cost more than
    building the model)."""
    return {f.name: getattr(value, f.name) for f in fields(value)}


def _vector_of(value: object) -> Vector:
    if not isinstance(value, dict):
        raise TypeError("expected an object")
    if set(map(type, value.values())) <= {float}:  # as written (JSON keys are strings)
        return value
    return {str(t): float(w) for t, w in value.items()}


def _vectors(value: object) -> dict[str, Vector]:
    if not isinstance(value, dict):
        raise TypeError("expected an object")
    return {str(k): _vector_of(v) for k, v in value.items()}


def _doc(d: dict[str, object]) -> Doc:
    story, probes, follow_ups, also = d["story"], d["probes"], d["follow_ups"], d["also"]
    if not (isinstance(story, int | str) and isinstance(probes, list)
            and isinstance(follow_ups, list) and isinstance(also, list)):
        raise TypeError("bad card")
    return Doc(id=str(d["id"]), family=str(d["family"]), text=str(d["text"]),
               intent=str(d["intent"]), probes=tuple(str(p) for p in probes),
               pitfall=str(d["pitfall"]), follow_ups=tuple(str(f) for f in follow_ups),
               story=story, also=tuple(int(a) for a in also),
               weight=float(str(d.get("weight", 1.0))))


# --- word lists -------------------------------------------------------------------------------

SYSTEM_TEXT = (
    "A question about you and your approach rather than one past event: why this company or "
    "role, what you want next, what excites or frustrates you, your strengths and weaknesses, "
    "what colleagues or your boss would say about you, where you see yourself in five years, "
    "your views and opinions, your favourite work, your methodology, tools and habits."
)

_STOP_WORDS = """
about above after again all also am an and any are as at be been before being both but by can
could did do does doing done during each either even ever every few for from get give go going got
had has have having he her here hers him his how if in into is it its just let like made make may
me might more most much must my no nor not now of off on once one only or other our out over own
please put really same say see she should so some such take tell than that the their them then
there these they this those through thus to too under until up upon us very want was way we well
were what when where whether which while who whom why will with within would yet you your yours
yourself youd youve youre dont cant didnt wasnt isnt ive im whats hasnt havent wont theyre time
describe example walk instance situation handle approach ensure share talk two three four five
six seven eight nine ten someone something anyone anything everyone everything thing things lot
kind best worst hardest biggest toughest least part whole big major large good great bad recent
recently last past actually engineer engineers engineering manager managers
"""
_STOP = frozenset(_STOP_WORDS.split())

_VOCAB = """
underperform: underperform, low performer, poor performer, poor performance, performance problem,
 performance issue, improvement plan, pip, struggling, keep up, fire, let go, let someone go,
 let them go, managed out, up the slack
stakeholder: stakeholder, partner, product manager, pm, cross functional, cross team, sales,
 customer, another team, other teams, multiple teams, peer, business
leadership: leadership, executive, senior leader, senior leadership, vp, director, cto, boss,
 manage up, upper management, senior management, your manager, supervisor
conflict: conflict, disagreement, friction, clash, argue, dispute, tension, difference of opinion,
 different viewpoint, get along, cant stand, divided, difficult coworker, difficult employee
deadline: deadline, crunch, tight, late, delay, missed, slip, due date, launch date
stress: pressure, stress, overwhelm, overloaded, burnout, burn out, urgent, crisis, uncomfortable,
 work life balance, time management
incident: incident, outage, production issue, postmortem, post mortem, on call, roll back,
 downtime, fail in
failure: failure, fail, mistake, misstep, wrong call, regret, let down, went badly, went wrong,
 differently
motivation: motivate, morale, engaged, energy, excite, passion, enthusiasm, inspire, care, enjoy,
 fun, retain, retention, frustrate, want to work, want to join, work here, interested in,
 opportunity, looking for, mission, resonate, leave, yourself, about you, good fit, this company,
 current company, best day, salary, apply, dream job, proud, struggling team, why do you,
 why are you, why would you, why should we, mean to you
trust: trust, psychological safety, safe, relationship, rapport, belong, win over, 1 1, 1 1s,
 one on one, skip level, check in
safety: psychological safety, safe, speak up, afraid, dissent, fear
culture: culture, norms, inclusion, inclusive, cohesion, cohesive, diversity
hiring: hire, recruit, interview, candidate, talent, headcount, pipeline, onboard, new hire
growth: career, grow, growth, develop people, career development, development plan,
 develop leaders, promotion, promote, mentor, mentorship, coach, stretch, succession,
 individual contributor, ic, see yourself, five years, next role, learn, teach
feedback: feedback, criticism, critical, criticize, performance review, rating, strength, weakness,
 area of growth, say about you, describe you, annual review
debt: tech debt, technical debt, legacy, refactor, rewrite, maintainability, neglected,
 infrastructure
quality: quality, bug, defect, test coverage, reliability, reliable, stability, best practice,
 code review
decision: decide, decision, call, judgment, choose, choice, trade off, tradeoff
uncertainty: ambiguity, ambiguous, uncertainty, uncertain, incomplete, unknown, instinct, gut,
 predict, missing data, missing information, partial information, half the information, unclear,
 fuzzy, vague
risk: risk, gamble, bet, calculated risk, risky
scope: scope, requirement, feature, roadmap, prioritize, priority, backlog
delivery: deliver, delivery, ship, release, launch, execution, milestone, on track, project,
 struggling team, rollout, roll out, phased, big bang
plan: estimate, commitment, plan, capacity, sprint, methodology, agile, scrum
ownership: ownership, initiative, nobody owned, without approval, approval, push for, step up,
 outside your job, took charge, remit, persevere, follow through, see through, above and beyond,
 extra mile, responsibility, responsible, accountable, accountability, proactive, proactively,
 nobody, no one owned, first six months, first 90 days, first ninety days,
 first 30 days, first month, first year, being hired, hired here, you were hired
change: reorg, reorganization, restructure, pivot, transformation, transition, layoff,
 budget cut, change initiative, change management, organizational change, big change
communicate: communicate, explain, present, non technical, translate, tailor, audience,
 transparency, transparent, inform, bad news, terrible news, deliver bad news
influence: influence, persuade, convince, buy in, sell, authority, advocate, push back, pushback,
 skeptical, sceptical, resistance, resist, no say, without authority, direct authority
scale: grow your team, grow the team, scale the team, split, team structure, bench strength,
 restructure your team, restructure the team
delegate: delegate, oversight, micromanage, autonomy, empower, hands on
metric: metric, measure, kpi, okr, dora, indicator, track
technical: architecture, architectural, design, technology, technical, stack, language,
 build vs buy, system design, systems design, distributed system, scaling systems, bug
team: team, direct report, your report, team member, employee, teammate, individual
peer: coworker, co worker, colleague, fellow manager, work associate, peer
vision: vision, strategy, direction, mission, purpose, north star
goal: goal, objective, okr, target, outcome
budget: budget, cost, money, spend, headcount cut
remote: remote, distributed, hybrid, time zone, asynchronous, async, in person
self: yourself, about you, strength, weakness, see yourself, five years, salary, favourite,
 favorite, good fit, next role, this company, work here, want to work, want to join, excite,
 frustrate, say about you, describe you, interested in, looking for, best day, current company,
 dream job, apply, why do you, why are you, why would you, why should we, mean to you, think of,
 if you were, if you had
frame: think of a time, think of an example, think of a situation, think of an instance,
 think of an occasion, think of one, recall a time, remember a time, think back to a time
"""
