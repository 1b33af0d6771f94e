"""`emdrill exam` on screen: each question with four intents, a pick (a-d), then the story
slot; no hints and no back until the end, then the result with its interval.

Works the same on a terminal (one key an answer) and piped (one line an answer), as the
decoding drill does.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from emdrill.core.decode import LETTERS
from emdrill.core.exam import Exam, likely_counts
from emdrill.ops.decode import Offer
from emdrill.ops.exam import Reply
from emdrill.ui.keys import InputClosed, KeyReader

SLOT_KEYS = "0123456789"  # 1-8 a slot, 9 the system answer, 0 not sure (as in the drill)


class Abandoned(Exception):
    """The user quit (q) or input ended before the last answer: nothing is recorded."""

    def __init__(self, answered: int) -> None:
        super().__init__(answered)
        self.answered = answered


def ask(offers: Sequence[Offer], reader: KeyReader, console: Console) -> list[Reply]:
    """Every question in turn; raises Abandoned on q or the end of input."""
    console.print(Text.assemble(
        ("Exam: ", "bold"), f"{len(offers)} questions you have never answered. Pick the "
        "intent (a-d), then name the story slot (1-8, 9 system, 0 not sure). No hints; "
        "the answers come at the end. q quits without recording."))
    replies: list[Reply] = []
    with reader.active():
        for n, offer in enumerate(offers, 1):
            console.print()
            console.print(Text(f"Question {n} of {len(offers)}", style="bold"))
            console.print(Text(offer.card.question.text))
            for letter, option in zip(LETTERS, offer.shown, strict=False):
                console.print(Text(f"  {letter}) {option.intent}"))
            index = LETTERS.index(_key(reader, console, LETTERS, "Which intent? a-d",
                                       len(replies)))
            slot = _key(reader, console, SLOT_KEYS, "Which story slot? 1-8, 9 system, 0 not sure",
                        len(replies))
            replies.append(Reply(index, int(slot) if slot != "0" else None))
    return replies


def _key(reader: KeyReader, console: Console, allowed: str, prompt: str, answered: int) -> str:
    console.print(Text(prompt, style="bold"))
    while True:
        try:
            key = reader.read()
        except InputClosed:
            raise Abandoned(answered) from None
        if key is None:
            continue
        if key.value == "q":
            raise Abandoned(answered)
        if len(key.value) == 1 and key.value in allowed:
            return key.value
        console.print(Text(f"{key.label[0].upper()}{key.label[1:]} is not an answer here: "
                           f"{prompt.split('? ')[-1]}.", style="yellow"))


def result_lines(exam: Exam, offers: Sequence[Offer]) -> list[Text]:
    """The score with its interval, then each question: right or not, and its intent."""
    low, high = likely_counts(exam.intent_right, exam.questions)
    story_low, story_high = likely_counts(exam.story_right, exam.questions)
    lines = [Text.assemble(("Intent: ", "bold"),
                           f"{exam.intent_right} of {exam.questions} decoded, likely "
                           f"{low}-{high}."),
             Text.assemble(("Story: ", "bold"),
                           f"{exam.story_right} of {exam.questions} slots right, likely "
                           f"{story_low}-{story_high}."),
             Text("")]
    for answer, offer in zip(exam.answers, offers, strict=True):
        marks = ("✓" if answer.intent_ok else "✗") + ("✓" if answer.story_ok else "✗")
        lines.append(Text.assemble((marks, "bold"), f" {answer.question_id}"))
        if not answer.intent_ok:
            lines.append(Text(f"   its intent: {offer.card.question.intent}"))
    lines.append(Text("(✓✗: intent, then story.) The answers count as these questions' "
                      "first reviews."))
    return lines


def exam_json(exam: Exam) -> dict[str, object]:
    """`exam --json`; `interview --json` shows the same object without `results`."""
    return {**exam_summary(exam),
            "results": [{"id": a.question_id, "intent_ok": a.intent_ok,
                         "story_ok": a.story_ok} for a in exam.answers]}


def exam_summary(exam: Exam) -> dict[str, object]:
    low, high = exam.interval
    story_low, story_high = exam.story_interval
    return {"at": exam.at.isoformat(), "questions": exam.questions,
            "intent": round(exam.intent, 3), "story": round(exam.story, 3),
            "low": round(low, 3), "high": round(high, 3),
            "story_low": round(story_low, 3), "story_high": round(story_high, 3)}
