"""Cards that read alike: a warning from `deck check`, never an error.

Two cards are near-duplicates when they ask about the same thing and decode it the same way.
Each card is reduced to the stemmed content words of what it asks and what it tests (its
question, intent and probes); the words are weighted by TF-IDF over the cards being
checked, so words every card uses ("team", "engineer") count for little and the words that
make a card specific count for a lot; two cards score the cosine of their weights.

The threshold, 0.30, comes from measurement. On deck 1.0.0 (156 questions written to be
distinct) the highest pair scored 0.27 (an underperformer and an improvement plan), 99.9% of
pairs scored under 0.21, and two of the confusable groups the deck 2 review named sat at
0.23-0.25. The three fragments written for deck 2 held ten pairs that two authors had written
on the same theme: the five near-identical ones (same scenario, same ask: attrition, customer
escalation, single points of failure, layoff criteria, output without outcome) scored
0.32-0.37 and the other five 0.22-0.28, two of these (a budget cut, "who would run your
team") with the same question but intents and probes worded apart. Question text alone does
not separate better: it puts "how do you make decisions?" next to "a decision that was hard
to reverse" (0.75), a pair of siblings. The one other pair above 0.30 (an onboarding card and
a slow-new-hire card whose probes repeated its checklist) needed sharpening too. Below 0.30
the top pairs are related cards that belong together as siblings, not duplicates; deck 2.0.0
peaks at 0.28. Word overlap cannot see a paraphrase with no shared words, so a clean check is
no proof of distinct intents: linking confusable cards as siblings is still the author's job.

Since issue 23 the words are split and stemmed by core/textsim.py, the suggester's own
stemmer (this module had a cruder one). It joins a few more forms, so scores rise a little:
deck 2.0.0's top pair went from 0.284 to 0.293 and its 99.9th percentile from 0.20 to 0.22,
still none at 0.30; the threshold is unchanged. A card whose intent is a marked draft is
not compared (see `near_duplicates`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from emdrill.core import textsim
from emdrill.core.cards import Question
from emdrill.core.deckfile import DeckFile, Problem
from emdrill.core.textsim import stem

THRESHOLD = 0.30

# Function words, and the words every behavioural question is framed with ("tell me about
# a time you...", "walk me through..."), which say nothing about what a card tests.
_STOP_TEXT = """
a about after again all also an and any are as at be because been before being both but by
can cant could did didnt do does doesnt done dont down each even ever every few for from
get got had has have having he her here his how i if in instead into is isnt it its just
keep know less let made make may me might more most must my no nor not now of off on once
one only onto or other our out over own rather same see shall she should so some someone
something still such take than that the their theirs them then there these they theyre
this those through to too two under up us very was wasnt way we were what when where
whether which while who whom whose why will with without wont would yet you youd youre
your yours yourself youve tell time describe walk example give
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

def words(text: str) -> set[str]:
    """The stemmed content words of `text`, stemmed as the suggester stems them."""
    return {stem(w) for w in textsim.words(text) if len(w) > 1 and w not in STOP_WORDS}


def card_words(q: Question) -> set[str]:
    return words(" ".join((q.text, q.intent, *q.probes)))


def similarities(bags: list[set[str]]) -> dict[tuple[int, int], float]:
    """Cosine of TF-IDF weights for every pair (i < j) that shares a word."""
    weights = textsim.idf([dict.fromkeys(bag, 1.0) for bag in bags])
    vectors = [textsim.unit({w: weights[w] for w in bag}) for bag in bags]
    postings: dict[str, list[int]] = defaultdict(list)
    for index, vector in enumerate(vectors):
        for w in vector:
            postings[w].append(index)
    scores: dict[tuple[int, int], float] = defaultdict(float)
    for w, holders in postings.items():
        for n, i in enumerate(holders):
            for j in holders[n + 1:]:
                scores[(i, j)] += vectors[i][w] * vectors[j][w]
    return dict(scores)


def near_duplicates(files: Iterable[DeckFile], threshold: float = THRESHOLD) -> list[Problem]:
    """One warning per card at most: on the later card of its closest pair above `threshold`,
    at its intent line, naming the earlier card. A card whose intent is a marked draft is
    left out: its intent was copied from the card it resembles on purpose, and the draft
    marker already says it needs review."""
    cards = [(f, q) for f in files for q in f.questions if "intent" not in q.draft]
    scores = similarities([card_words(q) for _, q in cards])
    best: dict[int, tuple[float, int]] = {}
    for (i, j), score in scores.items():
        if score >= threshold and score > best.get(j, (0.0, -1))[0]:
            best[j] = (score, i)
    warnings = []
    for j, (score, i) in sorted(best.items()):
        f, q = cards[j]
        other = cards[i][1].id
        warnings.append(Problem(f.path, f.line_of(q, "intent"),
                                f"intent reads like '{other}' ({score:.2f})", warning=True))
    return warnings
