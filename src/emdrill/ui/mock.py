"""The interactive mock interview: ask, time the answer aloud, probe, self-check, compare.

Speaking time comes from the mock's injected `tick`; on a terminal the timer line is
redrawn every `poll` seconds of waiting, so a test clock that jumps shows on the next poll.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console, RenderableType
from rich.text import Text

from emdrill.core.cards import Question
from emdrill.core.coach import CoachReport
from emdrill.core.mock import CHECKS, Rehearsal, SpeakingTimer, measured
from emdrill.core.scheduler import Rating
from emdrill.ops.grading import StoryAnswer
from emdrill.ops.mock import Asked, Mock
from emdrill.ui import mock_view as view
from emdrill.ui.back import FULL
from emdrill.ui.keys import InputClosed, KeyReader
from emdrill.ui.screen import render, terminal_size

DONE_KEYS = ("enter", " ", "d")  # key values (ui.keys): Enter, Space, d
STORY = {"y": StoryAnswer(verdict=True), "p": StoryAnswer.partial(),
         "n": StoryAnswer(verdict=False)}


class _Quit(Exception):
    pass


@dataclass
class MockScreen:
    console: Console
    reader: KeyReader
    back: Callable[[Question, int], RenderableType]  # the back at a fold level (ui.back)
    poll: float = 0.25
    edit: Callable[[], str | None] = lambda: None  # $EDITOR on an empty file (cli)

    def rewrite(self, line: Text) -> None:
        """Replace the last printed line (a one-line prompt or timer) in place."""
        self.console.file.write("\x1b[1A\r\x1b[2K")
        self.console.print(line)

    def key(self, prompt: Text, allowed: str, *, any_key: bool = False) -> str:
        """Wait for one of the characters in `allowed` (Enter counts as Space), or any key."""
        self.console.print(prompt)
        while True:
            read = self.reader.read()
            key = "" if read is None else read.value
            if key == "q":
                raise _Quit
            if (len(key) == 1 and key in allowed) or (read is not None and any_key):
                return key
            if key == "enter" and " " in allowed:
                return " "
            self.console.print(Text("not a choice here; q stops", style="yellow"))
            self.console.print(prompt)


def run(mock: Mock, screen: MockScreen) -> bool:
    """Ask every planned question; True if the user stopped early."""
    with screen.reader.active():
        total = len(mock.questions)
        for number, asked in enumerate(mock.questions, start=1):
            if number > 1 and mock.out_of_time():
                screen.console.print(Text("Time is up.", style="yellow"))
                return False
            try:
                _one(mock, screen, asked, number, total)
            except (_Quit, KeyboardInterrupt, InputClosed):
                return True
    return False


def _clear(screen: MockScreen) -> None:
    if screen.reader.is_tty:
        screen.console.clear()


def _one(mock: Mock, screen: MockScreen, asked: Asked, number: int, total: int) -> None:
    con = screen.console
    started_at = mock.clock().now
    _clear(screen)
    con.print(view.header(number, total, "answer aloud", con.width))
    con.print(view.asked(asked.card.question.text, con.width))
    con.print(view.hint(con.width, follow_up=False))
    answer = _speak(screen, mock.answer_timer())
    follow_ups: list[tuple[str, float]] = []
    for i, text in enumerate(asked.follow_ups, start=1):
        _clear(screen)
        part = f"follow-up {i} of {len(asked.follow_ups)}"
        con.print(view.header(number, total, part, con.width))
        con.print(view.asked(text, con.width, follow_up=True))
        con.print(view.hint(con.width, follow_up=True))
        follow_ups.append((text, _speak(screen, mock.follow_up_timer())))
    _clear(screen)
    con.print(view.header(number, total, "self-check", con.width))
    con.print(view.text_hint(con.width))
    checks: list[bool] = []
    text = ""
    for i, check in enumerate(CHECKS, start=1):
        key = screen.key(view.check_question(i, check), "yn" if checks or text else "ynte")
        if key in ("t", "e"):
            text = _typed(screen, key)
            key = screen.key(view.check_question(i, check), "yn")
        passed = key == "y"
        con.print(view.check_mark(passed))
        checks.append(passed)
    report = mock.coach(asked, text) if text.strip() else None
    saved = mock.save(asked, at=started_at, answer_seconds=answer, follow_ups=follow_ups,
                      checks=checks, text=text, report=report)
    _compare(mock, screen, asked, saved, report, number=number, total=total)
    if number < total:
        screen.key(view.next_prompt(), "", any_key=True)


def _typed(screen: MockScreen, key: str) -> str:
    """What the user says they said: typed or pasted in a box, or written in $EDITOR."""
    con = screen.console
    if key == "t":
        con.print(view.box_prompt(con.width))
        text = "\n".join(screen.reader.lines())
    else:
        with screen.reader.paused():
            text = screen.edit() or ""
    con.print(view.typed_line(text))
    return text


def _compare(mock: Mock, screen: MockScreen, asked: Asked, saved: Rehearsal,
             report: CoachReport | None = None, *, number: int = 1, total: int = 1) -> None:
    """The question and the card's back to compare against, what the coach measured in a
    typed answer, then the optional intent and story grades. On a terminal the back folds,
    as the drill's does, so the question and the intent are still on screen when the grade
    is asked; `m` shows the whole back and folds it again."""
    con = screen.console
    after: list[RenderableType] = [view.saved(saved)]
    if report is not None:
        verdicts = {f.rule: f.ok for f in report.findings}
        after.append(view.measured_view(measured(saved.checks, verdicts), report, con.width))
    whole = False
    while True:
        _clear(screen)
        folded = _compare_screen(screen, asked.card.question, after, number, total,
                                 whole=whole)
        key = screen.key(view.grade_prompt(fold="fold" if whole else "more" if folded
                                           else ""), "1234", any_key=True)
        if key == "m" and (folded or whole):
            whole = not whole
            continue
        break
    if key in ("1", "2", "3", "4"):
        story = STORY[screen.key(view.story_prompt(), "ypn")]
        graded = mock.grade(saved, intent=Rating(int(key)), story=story)
        con.print(Text(f"graded: intent {graded.intent_rating.label}, story "
                       f"{graded.story_rating.label}", style="dim"))
    else:
        con.print(Text("not graded: the rehearsal is saved, the schedule unchanged",
                       style="dim"))


def _compare_screen(screen: MockScreen, question: Question, after: list[RenderableType],
                    number: int, total: int, *, whole: bool) -> bool:
    """Print the compare screen; True if the back was folded to fit the window. Piped, or
    with `whole`, the whole back is printed (a terminal then scrolls)."""
    con = screen.console
    width = con.width
    top = [view.header(number, total, "compare", width), view.asked(question.text, width)]
    if not screen.reader.is_tty or whole:
        body = screen.back(question, FULL)
        if screen.reader.is_tty:
            con.print(*top, body, *after)
        else:
            con.print(body, *after)
        return False
    height = terminal_size(con)[1]
    prompt = view.grade_prompt(fold="more")
    for level in range(FULL, -1, -1):
        body = screen.back(question, level)
        hint = [] if level == FULL else [prompt]
        # The prompt is printed after, with its line break: one line more than is laid out.
        if len(render(con, [*top, body, *after, *hint], width)) + 1 <= height or level == 0:
            break
    con.print(*top, body, *after)
    return level < FULL


def _speak(screen: MockScreen, timer: SpeakingTimer) -> float:
    """Wait for "done" while the timer counts down; mark the moment the target passes."""
    con, width = screen.console, screen.console.width
    shown = view.timer_line(timer.elapsed(), timer.target, width)
    con.print(shown)
    marked = False
    while True:
        read = screen.reader.read(timeout=screen.poll if screen.reader.is_tty else None)
        key = None if read is None else read.value
        if key == "q":
            raise _Quit
        if key is not None and key in DONE_KEYS:
            elapsed = timer.elapsed()
            if not marked and elapsed >= timer.target and not screen.reader.is_tty:
                con.print(view.target_passed(timer.target, width))
            return elapsed
        line = view.timer_line(timer.elapsed(), timer.target, width)
        if not marked and timer.over():
            screen.rewrite(view.target_passed(timer.target, width))
            con.print(line)
            marked = True
        elif line.plain != shown.plain:
            screen.rewrite(line)
        shown = line
