"""The answer coach: an answer or a story read against the method (docs/coach.md).

`analyse(text)` returns a `CoachReport`: words, the spoken time at a pace, and one `Finding` per
rule that applies (rule id, ok, the sentence it concerns, a one-line fix). `analyse_story`
reads a story part by part. Pure: text in, findings out; no model, no network.

Precision comes before recall: a false alarm teaches the user to ignore the coach, so each
rule speaks only when the text gives it clear evidence, and stays quiet (ok) when in doubt.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from emdrill.core import coach_rules as r
from emdrill.core.stories import PARTS

RULES = ("i-not-we", "number", "learning", "generic-learning", "setback", "system-first",
         "setup-share", "length", "intent")
LABELS = {
    "i-not-we": 'says "I" for what you did',
    "number": "a result with a number",
    "learning": "a learning you have applied since",
    "generic-learning": "a learning with behaviour in it",
    "setback": "an obstacle, mistake or cost",
    "system-first": "opens with your system",
    "setup-share": "gets to your actions early",
    "length": "fits the target time",
    "intent": "speaks to the question's intent",
}


@dataclass(frozen=True)
class Threshold:
    value: float
    reason: str


THRESHOLDS: dict[str, Threshold] = {
    "we_min": Threshold(2, 'one "we" is normal speech; two or more actions owned by "we" '
                        "are a pattern"),
    "opening_sentences": Threshold(2, "the system is the first thing said: the opening two "
                                   "sentences, or the first third when that is longer"),
    "setup_share": Threshold(0.5, "more than half the answer before your first action leaves "
                             "too little for what you did and what came of it"),
    "setup_min_words": Threshold(40, "a short setup is fine whatever its share: a 30-word "
                                 "answer can spend 20 on where it happened"),
    "length_slack": Threshold(1.2, "20% over the target is still an answer; beyond it the "
                              "interviewer cuts in"),
    "pace_wpm": Threshold(150, "words a minute when no pace is set: calm interview speech "
                          "runs 130-160"),
    "intent_min_share": Threshold(0.08, "the answer shares fewer than 8% of the distinct "
                                  "content words of the intent and probes: word overlap "
                                  "misses synonyms, so only near-zero overlap is flagged"),
    "intent_min_words": Threshold(60, "short follow-up answers are not judged for intent"),
    "min_words": Threshold(25, "under 25 words is a fragment: only length and i-not-we are "
                           "judged"),
}


def _t(name: str) -> float:
    return THRESHOLDS[name].value


@dataclass(frozen=True)
class Finding:
    rule: str
    ok: bool
    sentence: str  # the sentence it concerns; "" when it concerns the whole text
    fix: str  # one line: what to change (when ok, what was found)
    part: str = ""  # a story's part (context, challenge, ...); "" for an answer


@dataclass(frozen=True)
class CoachReport:
    words: int
    spoken_seconds: float
    findings: tuple[Finding, ...]

    @property
    def open(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]

    def verdict(self, rule: str) -> bool | None:
        """True or False for a rule that was judged, None for one that was not."""
        return next((f.ok for f in self.findings if f.rule == rule), None)


def spoken_seconds(word_count: int, pace: float | None = None) -> float:
    return round(word_count * 60 / (pace or _t("pace_wpm")), 1)


def analyse(text: str, *, target: int = 150, pace: float | None = None,
            intent: str = "") -> CoachReport:
    """Findings for an answer. `intent` is the question's intent and probes, when known."""
    said = r.sentences(text)
    count = len(r.words(text))
    seconds = spoken_seconds(count, pace)
    found = [i_not_we(said), length(count, seconds, target)]
    if count >= _t("min_words"):
        first = _first_action(said)
        found += [number(_result_zone(said, first)),
                  *learnings(_tail(said, first)), setback(said), system_first(said),
                  setup_share(said, first, count)]
        if intent and count >= _t("intent_min_words"):
            found.append(intent_overlap(text, intent))
    return CoachReport(count, seconds, tuple(found))


def analyse_story(parts: Mapping[str, str], *, target: int = 150,
                  pace: float | None = None) -> CoachReport:
    """Findings for a story, each tied to the part it concerns (`PARTS`).
    A story is the middle of an answer, so `system-first` and `intent` are not judged."""
    whole = "\n\n".join(parts.get(p, "") for p in PARTS)  # a blank line ends a part
    count = len(r.words(whole))
    seconds = spoken_seconds(count, pace)
    actions = r.sentences(parts.get("actions", "")) or r.sentences(whole)
    found = [replace(i_not_we(actions), part="actions"),
             replace(length(count, seconds, target), part="")]
    results = r.sentences(parts.get("results", ""))
    found.append(replace(number(results), part="results") if results else
                 Finding("number", False, "", "write the results part, with a number",
                         part="results"))
    lessons = r.sentences(parts.get("learnings", ""))
    found += [replace(f, part="learnings") for f in learnings(lessons, part=True)]
    found.append(replace(setback(r.sentences(whole)), part="challenge"))
    setup = sum(len(r.words(parts.get(p, ""))) for p in ("context", "challenge"))
    share = setup / count if count else 0.0
    line = f"context and challenge are {share:.0%} of the story"
    late = setup >= _t("setup_min_words") and share > _t("setup_share")
    found.append(Finding("setup-share", not late, "",
                         f"{line}: cut them to what the listener needs" if late else line,
                         part="context"))
    return CoachReport(count, seconds, tuple(found))


def summary(report: CoachReport) -> str:
    """One line: the open findings by label, or that none are open."""
    missing = [LABELS[f.rule] for f in report.open]
    if not missing:
        return "coach: no open findings"
    return f"coach: {len(missing)} open: " + "; ".join(missing)


# ---------------------------------------------------------------- rules


def i_not_we(said: Sequence[str]) -> Finding:
    mine = sum(r.i_actions(s, states=True) for s in said)
    ours = [s for s in said if r.we_actions(s)]
    we = sum(r.we_actions(s) for s in ours)
    counts = f'"I" {mine}, "we" {we}'
    if we >= _t("we_min") and we > mine:
        return Finding("i-not-we", False, ours[0],
                       f'{counts}: say what you did yourself ("I asked...", "I decided...")')
    return Finding("i-not-we", True, "", counts)


def number(zone: Sequence[str]) -> Finding:
    if any(r.has_number(s) for s in zone):
        return Finding("number", True, next(s for s in zone if r.has_number(s)),
                       "the result has a figure")
    where = next((s for s in zone if r.has_cue(s, r.RESULT_CUES)), zone[-1] if zone else "")
    return Finding("number", False, where,
                   "put a number on the result: a percentage, a count, a date or a duration")


def learnings(tail: Sequence[str], *, part: bool = False) -> list[Finding]:
    """`learning` (a change that lasted) and, when a learning is stated, `generic-learning`.
    In a story's learnings `part` every sentence is a learning."""
    stated = [s for s in tail if part or r.has_cue(s, r.LEARNING_CUES)]
    changed = [s for s in tail if r.has_cue(s, r.CHANGE_CUES)]
    found = []
    if changed:
        found.append(Finding("learning", True, changed[0], "names what you do differently"))
    else:
        found.append(Finding("learning", False, stated[0] if stated else "",
                             'end with what you have done differently since: "since then I..."'))
    generic = [s for s in stated + changed if r.has_cue(s, r.GENERIC_CUES)]
    concrete = [s for s in stated + changed
                if r.has_cue(s, r.CHANGE_CUES) or r.has_number(s)
                or (r.i_actions(s) and not r.has_cue(s, r.GENERIC_CUES))]
    if generic and not concrete:
        found.append(Finding("generic-learning", False, generic[0],
                             "replace the platitude with the behaviour it changed: what you "
                             "now do, when"))
    elif stated or changed:
        found.append(Finding("generic-learning", True, "", "the learning names a behaviour"))
    return found


def setback(said: Sequence[str]) -> Finding:
    hit = next((s for s in said if r.has_cue(s, r.SETBACK_CUES)), None)
    if hit is not None:
        return Finding("setback", True, hit, "the story has a cost or an obstacle")
    perfect = next((s for s in said if r.has_cue(s, r.PERFECT_CUES)), "")
    return Finding("setback", False, perfect,
                   "name what went wrong or what it cost: a flawless story sounds rehearsed")


def system_first(said: Sequence[str]) -> Finding:
    opening = list(said[: max(int(_t("opening_sentences")), len(said) // 3)])
    if any(r.has_cue(s, r.SYSTEM_CUES) for s in opening):
        return Finding("system-first", True, "", "opens with your approach")
    return Finding("system-first", False, said[0] if said else "",
                   "open with the approach you use every time, then tell the story")


def setup_share(said: Sequence[str], first: int | None, count: int) -> Finding:
    skip = _system_sentences(said)
    before = [s for i, s in enumerate(said[: len(said) if first is None else first])
              if i not in skip]
    setup = sum(len(r.words(s)) for s in before)
    share = setup / count if count else 0.0
    line = f"{share:.0%} of the answer comes before your first action"
    if first is None:
        line = "no action of yours found"
    if setup >= _t("setup_min_words") and share > _t("setup_share"):
        at = said[first] if first is not None else ""
        return Finding("setup-share", False, at, f"{line}: cut the setup to a sentence or two")
    return Finding("setup-share", True, "", line)


def length(count: int, seconds: float, target: int) -> Finding:
    line = f"{count} words, about {_mm_ss(seconds)} spoken against {_mm_ss(target)}"
    if seconds > target * _t("length_slack"):
        return Finding("length", False, "", f"{line}: cut it to fit the target")
    return Finding("length", True, "", line)


def intent_overlap(text: str, intent: str) -> Finding:
    got = r.overlap(text, intent)
    line = f"shares {len(got.shared)} of {got.asked} intent words"
    if got.asked >= 5 and got.share < _t("intent_min_share"):
        return Finding("intent", False, "", f"{line}: say which worry of the interviewer's "
                       "your story answers")
    return Finding("intent", True, "", line + (": " + ", ".join(got.shared[:5])
                                               if got.shared else ""))


def _mm_ss(seconds: float) -> str:
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


# ---------------------------------------------------------------- where things are


def _system_sentences(said: Sequence[str]) -> set[int]:
    opening = range(min(len(said), max(int(_t("opening_sentences")), len(said) // 3)))
    return {i for i in opening if r.has_cue(said[i], r.SYSTEM_CUES)}


def _first_action(said: Sequence[str]) -> int | None:
    """The first sentence of the story where you act (or "we" do: who acted is the
    i-not-we rule's business), the system statement left out."""
    skip = _system_sentences(said)
    return next((i for i, s in enumerate(said) if i not in skip
                 and (r.i_actions(s) or r.we_actions(s))), None)


def _result_zone(said: Sequence[str], first: int | None) -> list[str]:
    """Where a result is said: from the first action on, sentences that speak of a result
    (not a list of your actions) and the final third, learnings left out; a number in the
    setup is not a result."""
    start = first or 0
    last_third = max(start, len(said) - max(1, len(said) // 3))
    zone = [s for i, s in enumerate(said) if i >= start and not _learning_line(s)
            and (i >= last_third or (r.has_cue(s, r.RESULT_CUES) and r.i_actions(s) < 2))]
    if not zone:  # a short answer: its last third is the learning
        zone = [s for s in said[start:] if not _learning_line(s)]
    return zone or list(said[-1:])


def _learning_line(sentence: str) -> bool:
    return r.has_cue(sentence, r.LEARNING_CUES) or (
        r.has_cue(sentence, r.CHANGE_CUES) and r.i_actions(sentence, states=True) > 0)


def _tail(said: Sequence[str], first: int | None) -> list[str]:
    """Where a learning is said: after the first action, in the last two fifths."""
    start = max((first or 0) + 1, len(said) - max(2, math.ceil(len(said) * 0.4)))
    return list(said[start:]) or list(said[-1:])
