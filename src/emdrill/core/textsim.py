"""Text similarity shared by the suggester (core/suggest.py) and the near-duplicate check
(core/near_duplicates.py): one way to split text into words, one stemmer, one TF-IDF weight
and one cosine, so "stakeholders" is the same term to both (the check once had a stemmer of
its own that made it "stakeholder" while the suggester made it "stakehold").

Standard library only; no I/O. Each caller keeps its own stop words: the suggester drops the
framing of a question, the check the framing of a card.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TypeAlias

Vector: TypeAlias = dict[str, float]

_WORD = re.compile(r"[^\W_]+")
_APOSTROPHES = str.maketrans("", "", "'\u2019\u2018`")
# (suffix, shortest stem it may leave, replacement), tried in order, first fit wins
_SUFFIXES = (("ization", 3, ""), ("ations", 3, ""), ("ation", 3, ""), ("ments", 4, ""),
             ("ment", 4, ""), ("ness", 3, ""), ("ating", 4, ""), ("ated", 4, ""),
             ("ates", 4, ""), ("ate", 4, ""), ("izing", 4, ""), ("ising", 4, ""),
             ("ized", 4, ""), ("ised", 4, ""), ("ize", 4, ""), ("ise", 4, ""), ("ings", 3, ""),
             ("ing", 3, ""), ("ies", 3, "y"), ("ied", 3, "y"), ("ers", 5, ""), ("er", 5, ""),
             ("ed", 3, ""), ("es", 3, ""), ("ly", 4, ""), ("s", 3, ""))


def words(text: str) -> list[str]:
    """Casefolded words, accents and apostrophes dropped (don't -> dont)."""
    flat = text.translate(_APOSTROPHES)
    if not flat.isascii():  # ASCII has no accents to drop: NFKD leaves it as it is
        flat = _OTHER.sub(_flat, flat)
    return _WORD.findall(flat.casefold())


_OTHER = re.compile(r"[^\x00-\x7f]")


def _flat(match: re.Match[str]) -> str:
    return _flat_char(match.group())


@lru_cache(maxsize=4096)
def _flat_char(ch: str) -> str:
    """One character decomposed (NFKD) without its combining marks. NFKD works character by
    character (it composes nothing) and only reorders combining marks, which are all dropped,
    so doing it one character at a time gives what it gives on the whole text."""
    return "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """A light suffix stemmer: enough to join hire/hiring/hired and manager/managing."""
    if word.startswith("teammate"):
        return "teammate"  # not team + -ate
    word = _strip_suffix(word)
    if len(word) > 3 and word[-1] == word[-2] and word[-1] in "bdgmnprt":
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def _strip_suffix(word: str) -> str:
    if word.endswith(("ss", "us", "is")):
        return word
    for suffix, keep, add in _SUFFIXES:
        base = word[: -len(suffix)]
        if not word.endswith(suffix) or len(base) < keep:
            continue
        if suffix in ("er", "ers") and base.endswith("e"):
            continue  # engineer, career, peer: not a doer suffix
        return base + add
    return word


def idf(counts: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Smoothed inverse document frequency of every term of `counts` (one map per text)."""
    df: dict[str, int] = {}
    for doc in counts:
        for term in doc:
            df[term] = df.get(term, 0) + 1
    n = len(counts)
    return {term: round(math.log((n + 1) / (d + 1)) + 1.0, 6) for term, d in sorted(df.items())}


def unit(raw: Mapping[str, float]) -> Vector:
    """`raw` scaled to length 1 (rounded, so a cached vector compares equal); {} if empty."""
    norm = math.sqrt(sum(v * v for v in raw.values()))
    return {t: round(v / norm, 6) for t, v in sorted(raw.items()) if v} if norm else {}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """The dot product of two unit vectors: their cosine."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())
