"""The answer coach's reading of text: sentences, who acts, numbers and the cue words each
rule looks for. Pure and standard library only; `core/coach.py` turns these into findings.

Every cue list errs on the side of finding what a rule asks for: a cue seen where none was
meant makes the coach stay quiet (a missed fault), never raise a false alarm.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from emdrill.core import textsim


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ---------------------------------------------------------------- sentences and words

_QUOTED = re.compile(r'"[^"\n]*"|\u201c[^\u201d\n]*\u201d|\u2018[^\u2019\n]*\u2019')
_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")
_SPLIT = re.compile(r"(?<=[.!?;])\s+|\s+(?:--|\u2014)\s+")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*(?:[.,:][0-9]+)*%?")


def sentences(text: str) -> list[str]:
    """Sentences as spoken or typed: split at . ! ? ; and dashes, and at line breaks (lists,
    fragments, dictation without punctuation arrive one line each)."""
    found: list[str] = []
    for line in _unwrapped(text.splitlines()):
        line = _BULLET.sub("", line).strip()
        found.extend(s.strip() for s in _SPLIT.split(line) if _WORD.search(s))
    return found


def _unwrapped(lines: list[str]) -> list[str]:
    """Lines with hard-wrapped prose joined again: an editor wraps near one width (at most
    100 columns), so a long line ending mid-sentence continues on the next one."""
    width = max((len(line.rstrip()) for line in lines), default=0)
    joined: list[str] = []
    carry = False
    for line in lines:
        text = line.rstrip()
        if carry and text.strip() and not _BULLET.match(text):
            joined[-1] += " " + text.strip()
        else:
            joined.append(text)
        carry = (width <= 100 and len(text) >= width - 20 and bool(text)
                 and text[-1] not in ".!?:;")
    return joined


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def unquoted(sentence: str) -> str:
    """The sentence with quoted speech blanked: "we" inside someone's words is not yours."""
    return _QUOTED.sub(" ", sentence)


def _lower_words(sentence: str) -> list[str]:
    return [w.lower().replace("\u2019", "'") for w in words(unquoted(sentence))]


def has_cue(sentence: str, cues: Iterable[str]) -> bool:
    """Does any cue phrase occur as whole words (case-insensitive, quotes included)?"""
    flat = " " + " ".join(w.lower().replace("\u2019", "'") for w in words(sentence)) + " "
    return any(f" {cue} " in flat or (cue.endswith("*") and f" {cue[:-1]}" in flat)
               for cue in cues)


# ---------------------------------------------------------------- who acts

# After "I": words that make it a hedge, a feeling or a state, not something you did.
HEDGES = _set("""think thought believe guess feel felt mean suppose assume hope wonder
guessed imagine reckon remember recall know knew wish 'd 'm am was were had have 've 'll
would could might may should must also just really still""")
STATE_VERBS = _set("""was am 'm had have 've been joined worked started managed led
owned inherited reported sat came arrived moved""")
_ADVERBS = _set("""then also first finally quickly immediately eventually personally
just actually basically really so still""")
WE = frozenset({"we", "we've", "we'd", "we'll", "we're"})
WE_STATES = _set("""were are 're was had have 've used all both owned needed wanted
knew thought felt worked sat relied depended didn't weren't hadn't""")
_TEAM_SUBJECT = re.compile(r"\b(?:the|our|my) (?:team|engineers|group|squad)\b"
                           r"(?: (?:then|also|quickly|finally|all))? (\w+)", re.IGNORECASE)
_TEAM_ACTS = re.compile(r"(?:ed|ped|ied)$")
_TEAM_VERBS = _set("""built shipped wrote made took ran ran decided agreed came rolled
fixed moved set split chose did found put got began rewrote cut drove""")
_TEAM_NOT = _set("""was were is are had has have felt seemed needed wanted used
based""")


def i_action_after(tokens: Sequence[str], index: int) -> str | None:
    """The verb after "I" at `index`, skipping adverbs; None for a hedge or a state."""
    token = tokens[index]
    if token in ("i'd", "i'm", "i'll"):
        return None  # "I'd say", "I'm not sure", "I'll be honest": talk about talking
    if token == "i've":
        return "have"
    j = index + 1
    while j < len(tokens) and tokens[j] in _ADVERBS:
        j += 1
    if j >= len(tokens):
        return None
    verb = tokens[j]
    if verb == "took" and tokens[j + 1: j + 2] == ["over"]:
        return "inherited"  # "I took over a project": where the story starts, not an action
    if verb in HEDGES or verb.endswith("n't") or verb in ("not", "never", "and", "or"):
        return None
    return verb


def i_actions(sentence: str, *, states: bool = False) -> int:
    """First-person actions: "I" followed by a verb that is not a hedge ("I think") and,
    unless `states`, not a state ("I was", "I joined")."""
    tokens = _lower_words(sentence)
    count = 0
    for i, token in enumerate(tokens):
        if token not in ("i", "i've", "i'd", "i'm", "i'll"):
            continue
        verb = i_action_after(tokens, i)
        if verb is not None and (states or verb not in STATE_VERBS):
            count += 1
    return count


def we_actions(sentence: str) -> int:
    """"We" and "the team" as the subject of an action, quotes left out; "we were" and
    "we had" describe the setting, not who acted."""
    plain = unquoted(sentence)
    tokens = _lower_words(plain)
    count = sum(1 for i, t in enumerate(tokens) if t in WE
                and (i + 1 >= len(tokens) or tokens[i + 1] not in WE_STATES)
                and t not in ("we're", "we've"))
    for match in _TEAM_SUBJECT.finditer(plain):
        verb = match.group(1).lower()
        if verb not in _TEAM_NOT and (verb in _TEAM_VERBS or _TEAM_ACTS.search(verb)):
            count += 1
    return count


# ---------------------------------------------------------------- numbers

_NUMBER_WORDS = _set("""two three four five six seven eight nine ten eleven twelve
thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty
seventy eighty ninety hundred hundreds thousand thousands million millions dozen dozens half
thirds quarter twice double doubled tripled halved zero none percent""")
_MONTHS = _set("""january february march april may june july august september october
november december""")
_DIGITS = re.compile(r"\d")
_QUARTER = re.compile(r"\bQ[1-4]\b")
_DURATION = re.compile(
    r"\b(?:a|an|one|within a|in a|first|second|next|following) (?:week|month|quarter|year|day|"
    r"sprint|fortnight|couple of)s?\b|\ba third\b|\bone (?:in|out of) \w+\b|"
    r"\b(?:no|zero) (?:\w+ )?(?:incidents?|outages?|escalations?|rollbacks?|complaints?|bugs?|"
    r"regressions?|pages?|attrition|data)\b", re.IGNORECASE)


def has_number(sentence: str) -> bool:
    """A figure: digits, a percentage, a count in words, a month, a quarter, a duration."""
    if _DIGITS.search(sentence) or _QUARTER.search(sentence) or _DURATION.search(sentence):
        return True
    tokens = _lower_words(sentence)
    return any(t in _NUMBER_WORDS for t in tokens) or any(
        t in _MONTHS and t != "may" for t in tokens)


# ---------------------------------------------------------------- cue lists

RESULT_CUES = ("result", "results", "resulted", "outcome", "in the end", "by the end",
               "ended up", "went down", "went up", "went from", "dropped", "fell", "rose",
               "grew", "cut", "reduced", "increased", "improved", "saved", "shipped",
               "launched", "delivered", "promoted", "hit", "met", "stopped", "since then",
               "afterwards", "after that", "within", "later", "turned out", "became",
               "landed", "finished", "now take*", "now run*", "down to", "up to",
               "went live", "renewed", "signed", "recovered", "made the deadline",
               "closed", "halved", "doubled")

LEARNING_CUES = ("learned", "learnt", "lesson", "lessons", "taught me", "takeaway",
                 "take away", "realised", "realized", "in hindsight", "looking back",
                 "differently", "what i took", "what stuck", "blind spot", "i learned",
                 "the learning", "my learning", "i'd do", "i would do", "made me see")
CHANGE_CUES = ("now i", "i now", "since then", "ever since", "these days", "today i",
               "the next time", "next time", "from then on", "i've since", "i have since",
               "since that", "i always", "i still", "my rule", "now my", "nowadays",
               "i've started", "i stopped", "i've stopped", "i no longer",
               "i never", "every time", "whenever i", "on every", "i make sure",
               "i've used", "i have used", "i used it", "i reused", "i've done",
               "we now", "now we", "going forward", "i ask", "i check", "i write",
               "i book", "i insist", "i keep", "i hold", "i give", "i bring", "i plan",
               "i offer", "i introduce", "i present", "i raise", "i answer", "i build",
               "i start", "i tell", "i spend", "i try", "i share", "i review")
GENERIC_CUES = ("matters", "matter", "communication matters", "communication is key",
                "communication is",
                "importance of", "is important", "are important", "is key", "is crucial",
                "is everything", "matters most", "learned a lot", "learnt a lot",
                "grew a lot", "value of", "the power of", "teamwork", "people matter",
                "always communicate", "over-communicate", "overcommunicate",
                "be more proactive", "be proactive", "listen more", "be transparent",
                "trust is", "it's all about", "is all about", "never give up",
                "transparency", "communicate more", "communicate better", "the key is")
SETBACK_CUES = ("mistake", "mistakes", "wrong", "failed", "fail", "failure", "missed",
                "slipped", "delay", "delayed", "late", "pushback", "push back", "pushed back",
                "resist*", "conflict", "disagree*", "blocker", "blocked", "problem",
                "problems", "issue", "issues", "risk", "cost", "costs", "lost", "lose",
                "quit", "resigned", "left the", "didn't work", "did not work", "struggl*",
                "hard", "harder", "difficult", "tough", "frustrat*", "angry", "upset", "burn*",
                "overload*", "outage", "outages", "incident", "incidents", "broke", "broken",
                "bug", "bugs", "complain*", "escalat*", "tension", "unfortunately",
                "trade-off", "tradeoff", "regret", "should have", "underestimat*",
                "blind spot", "worse", "gave up", "price", "sacrific*", "behind",
                "slow", "worried", "concern*", "unhappy", "tense", "shortcut", "debt",
                "churn", "attrition", "downside", "ugly", "painful", "too late", "crash*",
                "objection*", "badly", "missing", "passed over", "snapping", "froze",
                "skeptic*", "sceptic*", "argued", "argument",
                "lost", "dropped the ball", "messed up", "not happy", "wasn't happy",
                "stuck", "chaos", "stress*", "panic*", "pressure", "unclear", "ambigu*",
                "rough", "threaten*", "pain", "but it", "but the", "except")
PERFECT_CUES = ("went smoothly", "went perfectly", "without a hitch", "no issues",
                "flawless", "flawlessly", "everyone was happy", "no problems", "perfect")
SYSTEM_CUES = ("approach", "principle", "philosophy", "believer", "when someone",
               "when a", "when an", "when my", "i look for", "i believe", "my usual",
               "my approach", "my rule", "i always", "i usually", "i tend to", "my principle",
               "my default", "the way i", "i believe in", "my system", "my framework",
               "my playbook", "the first thing i do", "in general", "generally", "as a rule",
               "i start by", "i start with", "i try to", "my philosophy", "i make sure",
               "i've found", "i have found", "whenever", "the way i work", "i work by",
               "i follow", "my habit", "my first step", "i lean on", "i prefer",
               "my go-to", "i handle", "i deal with", "when i", "i treat", "i look at",
               "i like to", "for me the", "my view", "i never")
STORY_OPENERS = ("at my last", "a few years ago", "back when", "there was a time",
                 "so there was", "once", "in my previous", "at my previous", "last year",
                 "when i was")


# ---------------------------------------------------------------- intent overlap

_STOP = _set("""a an the and or but of to in on at for with by from as is are was were be
been being it its this that these those you your yours i me my we our us they them their he she
his her what which who whom how why when where while than then there here so if not no do does
did done have has had will would could should can may might must about into over under after
before again also just very more most much many some any each every other own same such only
both all out up down off way thing things one ones get got make made take took say said tell
told know how still even ever really there whether well week""")


def stem(word: str) -> str:
    """The suggester's stemmer (core/textsim.py), after casefolding and dropping apostrophes,
    so the coach and the suggester agree on which words are one word."""
    return textsim.stem(word.lower().replace("'", "").replace("\u2019", ""))


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w.lower() not in _STOP and len(w) > 2
            and not w[0].isdigit()}


@dataclass(frozen=True)
class Overlap:
    shared: tuple[str, ...]
    asked: int  # content stems in the intent and probes

    @property
    def share(self) -> float:
        return len(self.shared) / self.asked if self.asked else 0.0


def overlap(answer: str, intent: str) -> Overlap:
    """The intent's content words the answer also uses (as the answer spells them)."""
    asked = content_stems(intent)
    said: dict[str, str] = {}
    for w in words(answer):
        said.setdefault(stem(w), w.lower())
    return Overlap(tuple(sorted(said[s] for s in asked if s in said)), len(asked))
