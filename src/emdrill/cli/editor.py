"""Getting story and system text from the user: $VISUAL/$EDITOR (launched by `click.edit`,
which knows each platform's ways), or terminal prompts.

Nothing typed is ever lost: text that cannot be saved is written to a recovery file in the
data folder before the command fails, and the error names that file.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import click
import typer

from emdrill import env
from emdrill.core.cards import SLOTS, Slot
from emdrill.core.stories import (
    PART_HINTS,
    PARTS,
    SYSTEM_NAMES,
    SYSTEM_PROMPTS,
    Story,
    StoryError,
    clean_story,
    clean_text,
    parse_slots,
    parse_story_text,
    parse_system_text,
    story_template,
    system_template,
    with_parts,
)

T = TypeVar("T")
EDITOR_VARS = ("VISUAL", "EDITOR")
_HEADER = "<!-- emdrill did not save this file:"


class EditorError(StoryError):
    """The editor could not run, or the text it returned was refused."""


def editor_command() -> tuple[str, list[str]] | None:
    """($VISUAL or $EDITOR, its words) when one is set; None means: use prompts."""
    for var in EDITOR_VARS:
        try:
            words = shlex.split(os.environ.get(var, ""))
        except ValueError as exc:
            raise EditorError(f"${var} cannot be read as a command ({exc}); fix it or use "
                              "--no-edit") from None
        if words:
            return var, words
    return None


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


# ---------------------------------------------------------------- public flows


def write_story(slots: Mapping[int, Slot], *, slot: int | None, start: Story | None,
                no_edit: bool, now: datetime) -> Story | None:
    """A story from the editor (or prompts); None when the user cancelled."""
    editor = None if no_edit else editor_command()
    if editor is None:
        return ask_story(slots, slot=slot, start=start)
    name = f"story-{start.id}" if start is not None and start.id else "story"
    hint = "fix it, then run: emdrill story import {path}"
    return edit_until_valid(story_template(slots=slots, slot=slot, story=start),
                            parse_story_text, editor=editor, name=name, now=now, recover=hint)


def write_system(category: str, current: str, *, no_edit: bool, now: datetime) -> str:
    """The system text for `category`; '' when the user left it empty (cancel)."""
    editor = None if no_edit else editor_command()
    if editor is None:
        return ask_block(f"Your system for {category} ({SYSTEM_NAMES[category]})",
                         hint=SYSTEM_PROMPTS[category], current=current)
    hint = f"run `emdrill system edit {category}` and paste it back in"
    return edit_until_valid(system_template(category, current), parse_system_text,
                            editor=editor, name=f"system-{category}", now=now, recover=hint)


# ---------------------------------------------------------------- editor


def run_editor(text: str, *, editor: tuple[str, list[str]], name: str, suffix: str = ".md",
               ) -> tuple[str, bool]:
    """Open the editor (through `click.edit`) on a temporary copy of `text` named
    `name` + `suffix`; return what was saved, and whether the editor reported success. The
    file is ours, not click's, so the text survives an editor that fails."""
    var, words = editor
    folder = Path(tempfile.mkdtemp(prefix="emdrill-"))
    path = folder / f"{name}{suffix}"
    try:
        path.write_text(text, encoding="utf-8")
        ok = _edit_ignoring_interrupts(path, shlex.join(words), var)
        if not path.exists():
            return "", ok
        return path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n"), ok
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _edit_ignoring_interrupts(path: Path, command: str, var: str) -> bool:
    """Run the editor on `path`. Ctrl-C belongs to it (as in git): if emdrill died on it,
    the temporary file, and everything typed into it, would go with it."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals cannot be changed here
        previous = None
    try:
        click.edit(filename=str(path), editor=command)
    except click.ClickException as exc:
        if isinstance(exc.__cause__, OSError):
            reason = exc.__cause__.strerror or exc.__cause__
            raise EditorError(f"cannot start the editor '{shlex.split(command)[0]}' (from "
                              f"${var}): {reason}; fix ${var} or use --no-edit") from None
        return False
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    return True


def edit_until_valid(initial: str, parse: Callable[[str], T], *, editor: tuple[str, list[str]],
                     name: str, now: datetime, recover: str) -> T:
    """Open the editor until `parse` accepts the text.

    On a terminal the user may reopen the file to fix it; otherwise (or if they decline) the
    text goes to a recovery file and the command fails naming it. `recover` says how to use
    that file; `{path}` in it becomes the file's path.
    """
    text = initial
    while True:
        saved, ok = run_editor(text, editor=editor, name=name)
        if not ok:
            kept = keep(saved, name=name, now=now) if saved.strip() and saved != text else None
            tail = f"; your text is kept in {kept}" if kept else ""
            raise EditorError(f"the editor exited with an error; nothing saved{tail}")
        try:
            return parse(_drop_header(saved))
        except StoryError as exc:
            if interactive() and _again(exc):
                text = _with_header(saved, exc)
                continue
            path = keep(saved, name=name, now=now)
            detail = "; ".join(f"line {n}: {m}" for n, m in exc.problems) or str(exc)
            raise EditorError(f"{name.split('-')[0]} not saved: {detail}. Your text is kept "
                              f"in {path}; {recover.format(path=path)}") from None


def _again(exc: StoryError) -> bool:
    """Ask to reopen; end of input or Ctrl-C means no, so the text goes to recovery."""
    for line, message in exc.problems:
        typer.echo(f"line {line}: {message}", err=True)
    try:
        answer = _read("Not saved. Open the editor again to fix it? [Y/n]: ")
    except KeyboardInterrupt:
        typer.echo("")
        return False
    return answer is not None and answer.strip().lower() in ("", "y", "yes")


def _drop_header(text: str) -> str:
    """Remove the problem list a previous attempt put at the top of the file."""
    if not text.startswith(_HEADER) or "-->" not in text:
        return text
    rest = text.split("-->", 1)[1]
    return rest[1:] if rest.startswith("\n") else rest


def _with_header(saved: str, exc: StoryError) -> str:
    body = _drop_header(saved)
    shift = len(exc.problems) + 2  # the header's lines, so numbers match the reopened file
    listed = "\n".join(f"  line {n + shift}: {m.replace('-->', '->')}" for n, m in exc.problems)
    return f"{_HEADER}\n{listed}\nFix it and save, or empty the file to cancel. -->\n{body}"


def keep(text: str, *, name: str, now: datetime, suffix: str = ".md") -> Path:
    """Write refused text to the data folder's recovery/ (the temp dir if that fails)."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    for folder in (env.home_dir() / "recovery", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path, n = folder / f"{name}-{stamp}{suffix}", 1
            while path.exists():
                n += 1
                path = folder / f"{name}-{stamp}-{n}{suffix}"
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    raise EditorError(f"{name} not saved, and no recovery file could be written")


# ---------------------------------------------------------------- prompts


def _read(prompt: str) -> str | None:
    try:
        return input(prompt)
    except EOFError:
        return None


def ask_line(label: str, *, current: str = "", required: bool = False) -> str:
    """One line; Enter keeps `current`. A required field is asked again until given."""
    shown = f" [{current}]" if current else ""
    while True:
        answer = _read(f"{label}{shown}: ")
        if answer is None:
            if required and not current:
                raise StoryError(f"input ended before '{label}' was given; nothing saved")
            return current
        value = answer.strip() or current
        if value or not required:
            return value
        typer.echo(f"  {label} is required.")


def ask_block(label: str, *, hint: str, current: str = "") -> str:
    """Several lines ending with an empty one. Enter alone keeps `current`; '-' clears it."""
    typer.echo(f"\n{label}: {hint}")
    if current:
        typer.echo("  now: " + current.replace("\n", "\n       "))
        typer.echo("  (Enter alone keeps it, '-' clears it, or type new text)")
    typer.echo("  (end with an empty line)")
    lines: list[str] = []
    while (line := _read("> ")) not in (None, ""):
        assert line is not None
        lines.append(line)
    text = clean_text("\n".join(lines))
    if not lines:
        return current
    return "" if text == "-" else text


def ask_story(slots: Mapping[int, Slot], *, slot: int | None, start: Story | None) -> Story:
    """Every field of a story asked in turn (no editor, or --no-edit)."""
    what = f"Editing story {start.id}" if start is not None else "New story"
    typer.echo(f"{what}. Press Enter to keep the value in [brackets].")
    if start is None and slot is None:
        for n in SLOTS:
            typer.echo(f"  {n}  {slots[n].name if n in slots else ''}".rstrip())
    title = ask_line("Title (a short handle you can say to yourself)",
                     current=start.title if start else "", required=True)
    chosen = _ask_slots(start.slots if start else ((slot,) if slot else ()))
    _checklist(slots.get(chosen[0]))
    hook = ask_line("Hook (optional: the sentence that opens your answer)",
                    current=start.hook if start else "")
    tags = ask_line("Tags (optional: question ids or families, comma separated)",
                    current=", ".join(start.tags) if start else "")
    story = Story(title=title, slots=chosen, hook=hook, tags=(tags,),
                  id=start.id if start else None)
    parts = {name: ask_block(name.capitalize(), hint=PART_HINTS[name],
                             current=start.part(name) if start else "") for name in PARTS}
    return clean_story(with_parts(story, parts))


def _ask_slots(current: tuple[int, ...]) -> tuple[int, ...]:
    shown = ", ".join(str(n) for n in current)
    while True:
        answer = ask_line("Slots (1-8, the main one first)", current=shown, required=True)
        try:
            return parse_slots(answer)
        except ValueError as exc:
            typer.echo(f"  {exc}")


def _checklist(slot: Slot | None) -> None:
    if slot is not None and slot.must_include:
        typer.echo(f"A strong '{slot.name}' story covers:")
        for item in slot.must_include:
            typer.echo(f"  - {item}")


def confirm(question: str) -> bool | None:
    """y/N on the terminal; None when input ended without an answer."""
    answer = _read(f"{question} [y/N]: ")
    if answer is None:
        return None
    return answer.strip().lower() in ("y", "yes")
