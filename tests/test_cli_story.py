"""`emdrill story ...` and `emdrill system ...` through CliRunner, with a fake $EDITOR."""

from __future__ import annotations

import io
import json
import os
import shlex
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from typer.testing import CliRunner

import procs
from emdrill.cli.main import app

# A stand-in for the user's editor: it records the file it was given, then applies the plan
# (replacements, or a whole new content) and exits with the planned status.
EDITOR_SCRIPT = """\
import json, pathlib, sys
plan_path = pathlib.Path(sys.argv[1])
target = pathlib.Path(sys.argv[2])
plan = json.loads(plan_path.read_text())
text = target.read_text(encoding="utf-8")
seen = plan_path.with_suffix(".seen.json")
opened = json.loads(seen.read_text()) if seen.exists() else []
seen.write_text(json.dumps(opened + [text]))
if "steps" in plan:  # a different plan for each time the editor opens
    plan = plan["steps"][min(len(opened), len(plan["steps"]) - 1)]
if plan.get("content") is not None:
    text = plan["content"]
for old, new in plan.get("replace", []):
    text = text.replace(old, new)
target.write_text(text, encoding="utf-8")
sys.exit(plan.get("status", 0))
"""

CONTEXT = "The team shipped a hotfix every week.\n\n# not a heading\n[bold]not markup[/bold]"


class FakeEditor:
    def __init__(self, folder: Path) -> None:
        self.script = folder / "fake_editor.py"
        self.script.write_text(EDITOR_SCRIPT)
        self.plan = folder / "plan.json"
        self.plan_to()

    def plan_to(self, *, replace: list[tuple[str, str]] | None = None,
                content: str | None = None, status: int = 0) -> None:
        self.plan.write_text(json.dumps(self.step(replace=replace, content=content,
                                                  status=status)))

    @staticmethod
    def step(*, replace: list[tuple[str, str]] | None = None, content: str | None = None,
             status: int = 0) -> dict[str, object]:
        return {"replace": replace or [], "content": content, "status": status}

    def plan_steps(self, *steps: dict[str, object]) -> None:
        self.plan.write_text(json.dumps({"steps": list(steps)}))

    @property
    def command(self) -> str:
        return shlex.join([sys.executable, str(self.script), str(self.plan)])

    @property
    def opened(self) -> list[str]:
        seen = self.plan.with_suffix(".seen.json")
        return list(json.loads(seen.read_text())) if seen.exists() else []


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEditor]:
    fake = FakeEditor(tmp_path)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", fake.command)
    yield fake


@pytest.fixture
def loaded(runner: CliRunner, mini_deck: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    result = runner.invoke(app, ["deck", "load", str(mini_deck)])
    assert result.exit_code == 0, result.output
    return runner


def _story_rows(home: Path) -> list[tuple[int, str]]:
    con = sqlite3.connect(home / "emdrill.db")
    return [(int(i), str(t)) for i, t in con.execute("SELECT id, title FROM story ORDER BY id")]


FILL = [("## \n", "## The quiet senior\n"), ("- hook:", "- hook: I had to say it plainly."),
        ("### Context\n", f"### Context\n{CONTEXT}\n")]


def _add(runner: CliRunner, editor: FakeEditor, *, title: str, slot: int,
         extra: list[tuple[str, str]] | None = None) -> None:
    editor.plan_to(replace=[("## \n", f"## {title}\n"), *(extra or [])])
    result = runner.invoke(app, ["story", "add", "--slot", str(slot)])
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------- add / edit with an editor


def test_add_opens_the_template_and_saves(loaded: CliRunner, editor: FakeEditor,
                                          home: Path) -> None:
    editor.plan_to(replace=FILL)
    result = loaded.invoke(app, ["story", "add", "--slot", "1"])
    assert result.exit_code == 0, result.output
    assert "added story 1: The quiet senior (main slot 1 · Managing an underperformer)" \
        in result.output
    assert "still empty: challenge, actions, results, learnings" in result.output
    template = editor.opened[0]
    assert "Slot 1, Managing an underperformer" in template
    assert "  - the signals\n  - the plan" in template
    assert _story_rows(home) == [(1, "The quiet senior")]
    shown = loaded.invoke(app, ["story", "show", "1"])
    assert shown.exit_code == 0
    assert CONTEXT in shown.output and "hook:  I had to say it plainly." in shown.output
    assert "on the back of 3 questions" in shown.output
    assert "\x1b" not in shown.output


def test_edit_changes_the_story(loaded: CliRunner, editor: FakeEditor, home: Path) -> None:
    editor.plan_to(replace=FILL)
    loaded.invoke(app, ["story", "add", "--slot", "1"])
    editor.plan_to(replace=[("I had to say it plainly.", "I said it plainly."),
                            ("- slots: 1", "- slots: 1, 7")])
    result = loaded.invoke(app, ["story", "edit", "1"])
    assert result.exit_code == 0, result.output
    assert "updated story 1: The quiet senior" in result.output
    assert "- id: 1" in editor.opened[-1]
    assert CONTEXT.replace("\n# not", "\n\\# not") in editor.opened[-1]
    listed = loaded.invoke(app, ["story", "list"])
    assert "1, 7" in listed.output and "The quiet senior" in listed.output
    editor.plan_to()
    same = loaded.invoke(app, ["story", "edit", "1"])
    assert same.exit_code == 0 and "no changes to story 1" in same.output


def test_broken_file_is_refused_and_kept_for_recovery(loaded: CliRunner, editor: FakeEditor,
                                                      home: Path) -> None:
    editor.plan_to(replace=[*FILL, ("### Results", "### Resluts")])
    result = loaded.invoke(app, ["story", "add", "--slot", "1"])
    assert result.exit_code == 1
    message = result.output.strip().splitlines()[-1]
    assert message.startswith("emdrill: story not saved: line ")
    assert "unknown part 'Resluts'" in message
    recovery = home / "recovery" / "story-20260302-090000.md"
    assert f"Your text is kept in {recovery}" in message
    assert f"emdrill story import {recovery}" in message
    kept = recovery.read_text(encoding="utf-8")
    assert "The quiet senior" in kept and CONTEXT in kept
    assert _story_rows(home) == []
    # The kept file, once fixed, imports as it stands.
    recovery.write_text(kept.replace("### Resluts", "### Results"), encoding="utf-8")
    again = loaded.invoke(app, ["story", "import", str(recovery)])
    assert again.exit_code == 0, again.output
    assert _story_rows(home) == [(1, "The quiet senior")]


def test_broken_edit_keeps_the_story_and_the_text(loaded: CliRunner, editor: FakeEditor,
                                                  home: Path) -> None:
    _add(loaded, editor, title="Original", slot=1)
    editor.plan_to(replace=[("- slots: 1", "- slots: nine"), ("## Original", "## Changed")])
    result = loaded.invoke(app, ["story", "edit", "1"])
    assert result.exit_code == 1
    assert "slot 'nine' is not a number from 1 to 8" in result.output
    assert _story_rows(home) == [(1, "Original")]
    kept = next((home / "recovery").glob("story-1-*.md")).read_text(encoding="utf-8")
    assert "## Changed" in kept and "- id: 1" in kept


def test_empty_or_unchanged_file_cancels(loaded: CliRunner, editor: FakeEditor,
                                         home: Path) -> None:
    for plan in ({"content": ""}, {}):
        editor.plan_to(**plan)  # type: ignore[arg-type]
        result = loaded.invoke(app, ["story", "add"])
        assert result.exit_code == 1
        assert "emdrill: story add cancelled: the file was left empty or unchanged; nothing " \
            "saved" in result.output
    assert _story_rows(home) == []
    assert not (home / "recovery").exists()


def test_editor_failures_are_one_line(loaded: CliRunner, editor: FakeEditor,
                                      monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    editor.plan_to(replace=FILL, status=3)
    result = loaded.invoke(app, ["story", "add", "--slot", "1"])
    assert result.exit_code == 1
    assert "emdrill: the editor exited with an error; nothing saved; your text is kept in " \
        in result.output
    assert "The quiet senior" in next((home / "recovery").glob("*.md")).read_text()
    monkeypatch.setenv("VISUAL", "no-such-editor-xyz --wait")
    missing = loaded.invoke(app, ["story", "add"])
    assert missing.exit_code == 1
    assert "emdrill: cannot start the editor 'no-such-editor-xyz' (from $VISUAL)" \
        in missing.output
    assert _story_rows(home) == []


# ---------------------------------------------------------------- prompts


def test_add_without_an_editor_asks_in_the_terminal(loaded: CliRunner, home: Path) -> None:
    typed = "\n".join(["", "Budget fight", "5, 9", "5, 1", "", "beta-1, beta",
                       "They wanted it all.", "", "", "I split it.", "", "", "", ""]) + "\n"
    result = loaded.invoke(app, ["story", "add", "--no-edit"], input=typed)
    assert result.exit_code == 0, result.output
    assert "  Title (a short handle you can say to yourself) is required." in result.output
    assert "slot '9' is not a number from 1 to 8" in result.output
    assert "A strong 'Difficult stakeholder' story covers:" in result.output
    assert "added story 1: Budget fight (main slot 5 · Difficult stakeholder)" in result.output
    shown = loaded.invoke(app, ["story", "show", "1"]).output
    assert "tags:  beta-1, beta" in shown
    assert "They wanted it all." in shown and "I split it." in shown


def test_prompted_edit_keeps_what_is_not_retyped(loaded: CliRunner, editor: FakeEditor,
                                                 home: Path) -> None:
    editor.plan_to(replace=FILL)
    loaded.invoke(app, ["story", "add", "--slot", "1"])
    typed = "\n".join(["", "", "", "", "-", "", "", "", "", "Learned to act early.", ""]) + "\n"
    result = loaded.invoke(app, ["story", "edit", "1", "--no-edit"], input=typed)
    assert result.exit_code == 0, result.output
    shown = loaded.invoke(app, ["story", "show", "1"]).output
    assert "Learned to act early." in shown
    assert "The team shipped a hotfix" not in shown  # '-' cleared the context
    assert "I had to say it plainly." in shown


def test_prompts_need_a_title(loaded: CliRunner, home: Path) -> None:
    result = loaded.invoke(app, ["story", "add", "--no-edit", "--slot", "2"], input="")
    assert result.exit_code == 1
    assert "emdrill: input ended before 'Title (a short handle you can say to yourself)' " \
        "was given; nothing saved" in result.output
    assert _story_rows(home) == []


# ---------------------------------------------------------------- list / show / rm


def test_list_and_show(loaded: CliRunner, editor: FakeEditor) -> None:
    empty = loaded.invoke(app, ["story", "list"])
    assert empty.exit_code == 0 and "No stories yet" in empty.output
    _add(loaded, editor, title="First", slot=1)
    _add(loaded, editor, title="Second", slot=5, extra=[("- slots: 5", "- slots: 5, 1")])
    listed = loaded.invoke(app, ["story", "list"]).output
    assert "First" in listed and "Second" in listed and "5, 1" in listed
    missing = loaded.invoke(app, ["story", "show", "7"])
    assert missing.exit_code == 1
    assert "emdrill: no story with id 7 (see `emdrill story list`)" in missing.output


def test_rm_asks_first(loaded: CliRunner, editor: FakeEditor, home: Path) -> None:
    _add(loaded, editor, title="Doomed", slot=1)
    no = loaded.invoke(app, ["story", "rm", "1"], input="n\n")
    assert no.exit_code == 0 and "kept story 1" in no.output
    silent = loaded.invoke(app, ["story", "rm", "1"], input="")
    assert silent.exit_code == 1
    assert "emdrill: story 1 was not deleted: no answer to the question (pass --yes to skip " \
        "it)" in silent.output
    assert _story_rows(home) == [(1, "Doomed")]
    yes = loaded.invoke(app, ["story", "rm", "1"], input="y\n")
    assert yes.exit_code == 0 and "deleted story 1: Doomed" in yes.output
    _add(loaded, editor, title="Also doomed", slot=1)
    forced = loaded.invoke(app, ["story", "rm", "2", "--yes"])
    assert forced.exit_code == 0 and "deleted story 2: Also doomed" in forced.output
    assert _story_rows(home) == []
    gone = loaded.invoke(app, ["story", "rm", "2", "--yes"])
    assert gone.exit_code == 1 and "no story with id 2" in gone.output


# ---------------------------------------------------------------- export / import


def test_export_import_round_trip_between_collections(loaded: CliRunner, editor: FakeEditor,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    editor.plan_to(replace=FILL)
    loaded.invoke(app, ["story", "add", "--slot", "1"])
    _add(loaded, editor, title="Second", slot=5, extra=[("- tags:", "- tags: beta")])
    printed = loaded.invoke(app, ["story", "export"])
    assert printed.exit_code == 0 and printed.output.startswith("# My emdrill stories")
    file = tmp_path / "stories.md"
    written = loaded.invoke(app, ["story", "export", str(file)])
    assert written.exit_code == 0 and f"wrote 2 stories to {file}" in written.output
    assert file.read_text(encoding="utf-8") == printed.output
    monkeypatch.setenv("EMDRILL_HOME", str(tmp_path / "elsewhere"))
    result = loaded.invoke(app, ["story", "import", str(file)])
    assert result.exit_code == 0, result.output
    assert f"{file}: 2 added, 0 updated, 0 unchanged" in result.output
    assert loaded.invoke(app, ["story", "export"]).output == printed.output
    again = loaded.invoke(app, ["story", "import", str(file)])
    assert f"{file}: 0 added, 0 updated, 2 unchanged" in again.output


def test_import_updates_by_id_and_dry_run_writes_nothing(loaded: CliRunner, editor: FakeEditor,
                                                         tmp_path: Path, home: Path) -> None:
    _add(loaded, editor, title="Old title", slot=1)
    file = tmp_path / "s.md"
    loaded.invoke(app, ["story", "export", str(file)])
    text = file.read_text().replace("## Old title", "## New title")
    file.write_text(text + "\n## Brand new\n- slots: 5\n")
    dry = loaded.invoke(app, ["story", "import", str(file), "--dry-run"])
    assert dry.exit_code == 0
    assert "would update story 1: New title" in dry.output
    assert "would add: Brand new" in dry.output and "(dry run: nothing written)" in dry.output
    assert _story_rows(home) == [(1, "Old title")]
    done = loaded.invoke(app, ["story", "import", str(file)])
    assert done.exit_code == 0 and "1 added, 1 updated, 0 unchanged" in done.output
    assert _story_rows(home) == [(1, "New title"), (2, "Brand new")]


def test_bad_import_names_file_and_line_and_writes_nothing(loaded: CliRunner, tmp_path: Path,
                                                          home: Path) -> None:
    file = tmp_path / "bad.md"
    file.write_text("# Mine\n\n## Good one\n- slots: 1\n\n## Bad one\n- slots: 0\n")
    result = loaded.invoke(app, ["story", "import", str(file)])
    assert result.exit_code == 1
    assert f"emdrill: {file}:7: slot '0' is not a number from 1 to 8" in result.output
    assert _story_rows(home) == []
    nothing = tmp_path / "none.md"
    nothing.write_text("# just a heading\n")
    empty = loaded.invoke(app, ["story", "import", str(nothing)])
    assert empty.exit_code == 1 and "no stories found" in empty.output
    absent = loaded.invoke(app, ["story", "import", str(tmp_path / "absent.md")])
    assert absent.exit_code == 1
    assert f"emdrill: {tmp_path / 'absent.md'}: cannot read (No such file or directory)" \
        in absent.output


def test_import_reads_standard_input(loaded: CliRunner, home: Path) -> None:
    result = loaded.invoke(app, ["story", "import", "-"], input="## Piped\n- slots: 2\n")
    assert result.exit_code == 0 and "-: 1 added" in result.output
    assert _story_rows(home) == [(1, "Piped")]


# ---------------------------------------------------------------- coverage


def test_coverage_shows_gaps_and_what_to_write_next(loaded: CliRunner,
                                                    editor: FakeEditor) -> None:
    before = loaded.invoke(app, ["story", "coverage"])
    assert before.exit_code == 0
    assert "slot 1 (Managing an underperformer) has no story; 3 questions rely on it" \
        in before.output
    assert "Write next: emdrill story add --slot 1" in before.output
    _add(loaded, editor, title="Only one", slot=1)
    _add(loaded, editor, title="Stakeholder", slot=5)
    after = loaded.invoke(app, ["story", "coverage"]).output
    assert "Only one (#1)" in after and "Stakeholder (#2)" in after
    assert "family 'alpha': all 3 questions land on 'Only one'" in after
    assert "family 'beta': all 3 questions land on 'Stakeholder'" in after
    assert "slot 2 has no story; 0 questions rely on it" in " ".join(after.split())


# ---------------------------------------------------------------- systems


def test_system_edit_and_show(loaded: CliRunner, editor: FakeEditor) -> None:
    shown = loaded.invoke(app, ["system", "show"])
    assert shown.exit_code == 0
    assert "not written yet" in shown.output and "emdrill system edit delivery" in shown.output
    editor.plan_to(content="<!-- my notes -->\nI plan in quarters.\n\\# no heading\n")
    result = loaded.invoke(app, ["system", "edit", "delivery"])
    assert result.exit_code == 0, result.output
    assert "saved your delivery system (Delivering the product)" in result.output
    assert "metrics and goals" in editor.opened[0]
    one = loaded.invoke(app, ["system", "show", "delivery"])
    assert "I plan in quarters.\n# no heading" in one.output and "team" not in one.output
    editor.plan_to()
    same = loaded.invoke(app, ["system", "edit", "delivery"])
    assert same.exit_code == 0 and "no changes to your delivery system" in same.output
    assert "I plan in quarters." in editor.opened[-1]


def test_self_system_has_its_own_prompt(loaded: CliRunner, editor: FakeEditor) -> None:
    """The fourth category, for questions about the candidate: listed, prompted, saved."""
    shown = loaded.invoke(app, ["system", "show"])
    assert "self" in shown.output and "You as a manager" in shown.output
    assert "emdrill system edit self" in shown.output
    editor.plan_to(content="I moved into management because...\n")
    result = loaded.invoke(app, ["system", "edit", "self"])
    assert result.exit_code == 0, result.output
    assert "saved your self system (You as a manager)" in result.output
    assert "why this company and why now" in editor.opened[0]
    one = loaded.invoke(app, ["system", "show", "self"])
    assert "I moved into management because..." in one.output


def test_system_errors(loaded: CliRunner, editor: FakeEditor, home: Path) -> None:
    bad = loaded.invoke(app, ["system", "edit", "budget"])
    assert bad.exit_code == 1
    assert "emdrill: unknown system category 'budget' (expected delivery, stakeholders, " \
        "team or self)" in bad.output
    assert loaded.invoke(app, ["system", "show", "budget"]).exit_code == 1
    editor.plan_to(content="")
    empty = loaded.invoke(app, ["system", "edit", "team"])
    assert empty.exit_code == 1 and "system edit cancelled" in empty.output
    editor.plan_to(content="<!-- never closed\nMy system.")
    broken = loaded.invoke(app, ["system", "edit", "team"])
    assert broken.exit_code == 1
    assert "emdrill: system not saved: line 1: comment '<!--' is never closed" in broken.output
    kept = next((home / "recovery").glob("system-team-*.md")).read_text()
    assert "My system." in kept


def test_system_edit_with_prompts(loaded: CliRunner) -> None:
    result = loaded.invoke(app, ["system", "edit", "team", "--no-edit"],
                           input="I hire slowly.\nI coach weekly.\n\n")
    assert result.exit_code == 0, result.output
    assert "I hire slowly.\nI coach weekly." in loaded.invoke(app, ["system", "show"]).output


def test_every_command_has_help(runner: CliRunner) -> None:
    for group, commands in (("story", ["add", "list", "show", "edit", "rm", "export", "import",
                                       "coverage"]), ("system", ["edit", "show"])):
        listing = runner.invoke(app, [group, "--help"])
        assert listing.exit_code == 0
        for name in commands:
            line = next(line for line in listing.output.splitlines()
                        if line.strip().startswith(name + " "))
            assert len(line.split(None, 1)[1]) > 10


# ---------------------------------------------------------------- a real terminal


def _spawn(args: list[str]) -> pexpect.spawn:
    child = procs.PtySpawn(sys.executable, ["-m", "emdrill", *args], env=dict(os.environ),
                           encoding="utf-8", timeout=20, dimensions=(40, 100))
    child.logfile_read = io.StringIO()
    return child


def test_on_a_terminal_a_broken_file_can_be_reopened_and_fixed(
        loaded: CliRunner, editor: FakeEditor, home: Path) -> None:
    broken = editor.step(replace=[*FILL, ("### Results", "### Resluts")])
    fixed = editor.step(replace=[("### Resluts", "### Results")])
    editor.plan_steps(broken, fixed)
    child = _spawn(["story", "add", "--slot", "1"])
    child.expect("unknown part 'Resluts'")
    child.expect(r"Open the editor again to fix it\? \[Y/n\]")
    child.sendline("")
    child.expect(r"added story 1: \S*The quiet senior")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    reopened = editor.opened[1]
    assert reopened.startswith("<!-- emdrill did not save this file:")
    line = int(reopened.split("  line ", 1)[1].split(":", 1)[0])
    assert reopened.splitlines()[line - 1] == "### Resluts"  # the number points at the line
    assert _story_rows(home) == [(1, "The quiet senior")]
    assert not (home / "recovery").exists()


def test_on_a_terminal_declining_keeps_the_text(loaded: CliRunner, editor: FakeEditor,
                                                home: Path) -> None:
    editor.plan_to(replace=[*FILL, ("- slots: 1", "- slots: 0")])
    child = _spawn(["story", "add", "--slot", "1"])
    child.expect(r"\[Y/n\]")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    output = " ".join(str(child.logfile_read.getvalue()).split())
    assert "emdrill: story not saved: line " in output
    assert "slot '0' is not a number from 1 to 8" in output
    assert "The quiet senior" in next((home / "recovery").glob("story-*.md")).read_text()
    assert _story_rows(home) == []


def test_prompts_on_a_terminal(loaded: CliRunner, home: Path) -> None:
    child = _spawn(["story", "add", "--no-edit", "--slot", "5"])
    for prompt, answer in [("Title", "Vendor fight"), (r"Slots.*\[5\]", ""), ("Hook", ""),
                           ("Tags", "beta"), ("Context", "The vendor missed its SLA."),
                           ("> ", ""), ("Challenge", ""), ("Actions", ""), ("Results", ""),
                           ("Learnings", "Escalate in writing, early."), ("> ", "")]:
        child.expect(prompt)
        child.sendline(answer)
    child.expect(r"added story 1: \S*Vendor fight")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert _story_rows(home) == [(1, "Vendor fight")]
