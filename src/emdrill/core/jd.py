"""Which families a job description stresses: the suggester's family vote (core/suggest.py,
the same TF-IDF model over the loaded cards) read passage by passage, then summed.

A job description mixes what the role is about with boilerplate (benefits, the office, how to
apply). Voting per passage (a line, or a sentence of a long line) keeps one long paragraph
from drowning the rest, and a passage sharing no term with any card (most boilerplate) casts
no vote. The vote gives every family something (its description and its cards summed are
compared with any text), so a passage counts only what it gives a family above its own mean
over the families: what it stresses. Each family's weight is its summed lift as a share of
all. On a mixed job description (four lines on stakeholders, one each on hiring and
delivery, one on benefits) the raw vote gave stakeholders 13% and the next five 9-11%; the
lift gives stakeholders 23%, then delivery 15% and hiring 14%. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from emdrill.core.suggest import Model

STRESSED = 1.5  # proposed: the families holding this many times an even share of the vote,
PROPOSE_MIN, PROPOSE_MAX = 2, 4  # ... the best of them, at least 2 families and at most 4
_SPLIT = re.compile(r"\n+|(?<=[.!?;])\s+")
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u2013]|\d+[.)])\s*")


@dataclass(frozen=True)
class FamilyWeight:
    family: str
    share: float  # of the job description's vote, 0 to 1
    passages: int  # passages that voted for it first


@dataclass(frozen=True)
class Ranking:
    """The families best first; `proposed` the top few, as a narrower scope."""

    families: tuple[FamilyWeight, ...]
    proposed: tuple[str, ...]
    passages: int  # passages that shared a term with the cards (voted)


def passages(text: str) -> list[str]:
    """Lines, and the sentences of a long line, without bullet marks; blank ones dropped."""
    parts = (_BULLET.sub("", p).strip() for p in _SPLIT.split(text))
    return [p for p in parts if p]


def rank(model: Model, text: str, *, families: Mapping[str, int]) -> Ranking:
    """The families of `families` (slug -> questions in scope; a family with none is left
    out) ranked by the share of the vote the passages of `text` give them."""
    totals = dict.fromkeys(families, 0.0)
    firsts = dict.fromkeys(families, 0)
    voted = 0
    for passage in passages(text):
        votes = [(f, v) for f, v in model.family_votes(passage) if f in totals and v > 0]
        if not votes:
            continue
        voted += 1
        firsts[votes[0][0]] += 1
        mean = sum(v for _f, v in votes) / len(totals)
        for family, vote in votes:
            totals[family] += max(0.0, vote - mean)
    whole = sum(totals.values())
    ranked = sorted(((f, v / whole if whole else 0.0) for f, v in totals.items()
                     if families[f] > 0), key=lambda fv: (-fv[1], fv[0]))
    weights = tuple(FamilyWeight(f, share, firsts[f]) for f, share in ranked)
    return Ranking(weights, propose(weights) if whole else (), voted)


def propose(weights: tuple[FamilyWeight, ...]) -> tuple[str, ...]:
    """The families (best first) holding STRESSED times an even share of the vote, at least
    PROPOSE_MIN and at most PROPOSE_MAX of them."""
    even = 1 / len(weights) if weights else 0.0
    stressed = [w.family for w in weights if w.share >= STRESSED * even]
    if len(stressed) < PROPOSE_MIN:
        return tuple(w.family for w in weights[:PROPOSE_MIN])
    return tuple(stressed[:PROPOSE_MAX])
