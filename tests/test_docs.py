"""The README and docs/ stay true: every command they show parses, every JSON example has the
shape of real output.

Commands are taken from shell code blocks (```sh, ```console, ...), from `$ emdrill ...`
lines in any code block, and from inline code that starts with `emdrill`. Each is resolved in
the real click command tree and parsed by that command's own parser; placeholders (FILE, ID,
DATE, ...) are replaced by sample values first. A ```json block names the command that
produces it on the line before (`<!-- json: emdrill stats --json -->`); that command is run
on a small collection with history, and the two must have the same keys at every level.
"""

from __future__ import annotations

import functools
import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from emdrill.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_LANGS = {"sh", "shell", "bash", "console", "zsh"}
STOP_TOKENS = {"|", "||", "&&", ";", ">", ">>", "<", "2>", "&"}
FIXED_NOW = "2026-03-02T09:00:00+00:00"

# Placeholder -> sample value. An upper-case word not listed here is reported, so a new
# placeholder gets a sample instead of silently passing as a literal.
SAMPLES = {
    "ID": "decisions-unpopular", "OTHER_ID": "decisions-difficult", "DATE": "2026-03-16",
    "N": "3", "M": "5", "S": "12", "F": "conflict", "D": "em-core", "SLOT": "7",
    "CATEGORY": "team", "KEY": "retention", "VALUE": "0.92", "NAME": "my-questions",
    "COMMAND": "drill", "TEXT": "How do you handle scope creep?",
    "QUESTION": "How do you handle scope creep?",
}
FILE_PLACEHOLDERS = {"FILE", "PATH", "FILE.apkg"}

# click's exceptions come through typer's (typer may vendor click).
_CLICK_EXCEPTION: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


@dataclass(frozen=True)
class Found:
    path: Path
    line: int
    text: str  # the command as written
    inline: bool = False  # in running text, where `emdrill import` may name the command only

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


# ---------------------------------------------------------------- reading the docs


def _fences(lines: list[str]) -> Iterator[tuple[str, int, list[str]]]:
    """(language, line number of the first content line, content lines) per fenced block."""
    i = 0
    while i < len(lines):
        opening = re.match(r"^\s*(```+)\s*(\S*)", lines[i])
        if not opening:
            i += 1
            continue
        fence, lang = opening.groups()
        start, i = i + 1, i + 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            i += 1
        yield lang.lower(), start + 1, lines[start:i]
        i += 1


def _screen_hints(line: str) -> list[str]:
    """Commands a captured screen tells the user to type: at the start of a line or after
    a colon ("write one: emdrill story add --slot 7"), up to a wide gap, " · " or a bracket."""
    hints = []
    for match in re.finditer(r"(?:^\s*|: )(emdrill(?: .*)?)$", line):
        hint = re.split(r"  | · |[();]", match.group(1))[0].strip()
        hints.append(hint)
    return hints


def _outside_fences(lines: list[str]) -> Iterator[tuple[int, str]]:
    inside = None
    for number, line in enumerate(lines, 1):
        opening = re.match(r"^\s*(```+)", line)
        if opening:
            inside = None if inside else opening.group(1)
            continue
        if not inside:
            yield number, line


def doc_commands() -> list[Found]:
    found: list[Found] = []
    for path in DOCS:
        lines = path.read_text(encoding="utf-8").splitlines()
        for lang, first, body in _fences(lines):
            for offset, line in enumerate(body):
                text = line.strip()
                prompted = text.startswith("$ ")
                text = text.removeprefix("$ ").removeprefix(".venv/bin/")
                if (prompted or lang in SHELL_LANGS) and re.match(r"emdrill(\s|$)", text):
                    found.append(Found(path, first + offset, text))
                elif lang in SHELL_LANGS and " | emdrill " in text:  # printf ... | emdrill x
                    found.append(Found(path, first + offset,
                                       text.split(" | ", 1)[1].removeprefix(".venv/bin/")))
                elif lang not in SHELL_LANGS:  # a screen: a hint such as "  emdrill story add"
                    found += [Found(path, first + offset, hint) for hint in _screen_hints(line)]
        for number, line in _outside_fences(lines):
            for span in re.findall(r"`([^`]+)`", line):
                if re.match(r"emdrill(\s|$)", span):
                    found.append(Found(path, number, span, inline=True))
                elif " | emdrill " in span:
                    found.append(Found(path, number, span.split(" | ", 1)[1], inline=True))
    return found


def json_examples() -> tuple[list[tuple[Found, str, Any]], list[str]]:
    """(where, producing command, parsed example) for every ```json block, and the blocks
    that name no command or do not parse."""
    examples, problems = [], []
    for path in DOCS:
        lines = path.read_text(encoding="utf-8").splitlines()
        for lang, first, body in _fences(lines):
            if lang != "json":
                continue
            here = Found(path, first - 1, "\n".join(body))
            before = [ln.strip() for ln in lines[max(0, first - 6):first - 2] if ln.strip()]
            marker = re.fullmatch(r"<!-- json: (emdrill .+?) -->", before[-1]) if before else None
            if marker is None:
                problems.append(f"{here.where()}: a ```json block needs the command that "
                                "prints it on the line before: <!-- json: emdrill ... -->")
                continue
            try:
                examples.append((here, marker.group(1), json.loads(here.text)))
            except json.JSONDecodeError as exc:
                problems.append(f"{here.where()}: the JSON example does not parse: {exc}")
    return examples, problems


# ---------------------------------------------------------------- parsing commands


def _words(text: str, sample_file: Path) -> list[str]:
    """The arguments after `emdrill`, with synopsis syntax and placeholders made concrete."""
    text = re.sub(r"([\w-]+)(\|[\w-]+)+", r"\1", text)  # again|hard|good -> again
    text = text.replace("[", " ").replace("]", " ").replace("...", " ")
    words = shlex.split(text, comments=True)
    for i, word in enumerate(words):
        if word in STOP_TOKENS or word.startswith(">") or word.startswith("2>"):
            words = words[:i]
            break
    words = words[1:]  # "emdrill"
    samples = dict(SAMPLES, ID="1") if words[:1] == ["story"] else SAMPLES  # story ids: numbers
    concrete = []
    for word in words:
        key, eq, rest = word.partition("=")
        target = rest if eq else word
        if target in FILE_PLACEHOLDERS:
            target = str(sample_file)
        elif target in samples:
            target = samples[target]
        elif re.fullmatch(r"[A-Z][A-Z_]+", target):
            raise LookupError(f"placeholder {target!r} has no sample value in tests/test_docs.py")
        concrete.append(f"{key}={target}" if eq else target)
    return concrete


@functools.cache
def _root() -> Any:
    return typer.main.get_command(app)


def parse_problem(words: list[str], *, mention: bool = False) -> str | None:
    """None when the words name a command and its parser accepts them; else why not. A
    mention (running text) may leave out required arguments: "`emdrill import` reads it"."""
    command: Any = _root()
    name = "emdrill"
    rest = list(words)
    while hasattr(command, "get_command") and rest and not rest[0].startswith("-"):
        sub = command.get_command(typer.Context(command), rest[0])
        if sub is None:
            return f"no command {' '.join([name, rest[0]])!r}"
        name, command, rest = f"{name} {rest[0]}", sub, rest[1:]
    try:
        command.make_context(name, rest, resilient_parsing=False)
    except _CLICK_EXCEPTION as exc:
        if mention and type(exc).__name__ == "MissingParameter":
            return None
        return f"{name}: {getattr(exc, 'format_message', exc.__str__)()}"
    except Exception as exc:
        if type(exc).__name__ == "Exit":  # --help ends parsing by exiting
            code = getattr(exc, "exit_code", 0)
            return None if code == 0 else f"{name}: parsing exits with status {code}"
        raise
    return None


COMMANDS = doc_commands()


def test_the_docs_show_commands() -> None:
    files = {c.path.name for c in COMMANDS}
    assert len(COMMANDS) > 100 and {"README.md", "drill.md", "scripting.md"} <= files


@pytest.mark.parametrize("found", COMMANDS, ids=lambda f: f"{f.where()} {f.text}")
def test_documented_command_parses(found: Found, tmp_path: Path) -> None:
    sample = tmp_path / "sample.md"
    sample.write_text("- How do you handle scope creep?\n", encoding="utf-8")
    try:
        words = _words(found.text, sample)
    except (ValueError, LookupError) as exc:
        pytest.fail(f"{found.where()}: `{found.text}`: {exc}")
    problem = parse_problem(words, mention=found.inline)
    if problem is not None:
        pytest.fail(f"{found.where()}: `{found.text}` does not parse: {problem}")


def test_a_broken_command_is_caught() -> None:
    assert parse_problem(["drill", "--minutes", "5"]) is None
    assert parse_problem(["drill", "--minuets", "5"]) is not None
    assert parse_problem(["story", "ad"]) is not None
    assert parse_problem(["grade", "x", "--seconds", "soon"]) is not None
    assert parse_problem(["--help"]) is None
    assert parse_problem(["import"]) is not None
    assert parse_problem(["import"], mention=True) is None
    assert parse_problem(["import", "--dry-rn"], mention=True) is not None


# ---------------------------------------------------------------- JSON examples


STORIES = """\
## The coverage push
- slots: 6, 8
- hook: We were shipping a hotfix every week, and I decided that had to stop.
- tags: decisions-unpopular, delivery

### Context
A product with weekly hotfixes.

### Challenge
An overloaded team.

### Actions
A two-sprint trial.

### Results
Production issues fell by about 70%.

### Learnings
Set quality criteria at the start.
"""

HISTORY_IDS = ("decisions-unpopular", "decisions-difficult", "conflict-with-manager",
               "conflict-step-in-or-not", "delivery-late-project", "pressure-own-stress")


class Collection:
    """A small collection with history: reviews over a week, a lapse, a confusion, a story,
    a mock rehearsal with a typed answer, leeches and an interview plan. Commands run
    in-process on it."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.runner = CliRunner()
        for day, intent in ((23, "good"), (24, "good"), (26, "again"), (27, "hard")):
            lines = "\n".join(json.dumps({"id": qid, "intent": intent, "story": 6,
                                          "seconds": 12}) for qid in HISTORY_IDS)
            self.run(["grade", "--batch"], now=f"2026-02-{day}T09:00:00+00:00", stdin=lines)
        self.run(["grade", "decisions-unpopular", "--intent-pick", "decisions-difficult",
                  "--story", "6"], now="2026-03-01T09:00:00+00:00")
        stories = home.parent / "stories.md"
        stories.write_text(STORIES, encoding="utf-8")
        self.run(["story", "import", str(stories)])
        typed = "t\nWe decided to ship less and the team agreed.\n\n"  # the coach reads it
        self.run(["mock", "-n", "1"], stdin="\n" * 3 + typed + "y\nn\ny\ny\ny\n" + "\n" * 3)
        self.run(["config", "leech-lapses", "1"])  # one lapse makes a leech: shaky lists it
        self.run(["interview", "2026-03-16"])

    def run(self, args: list[str], *, now: str = FIXED_NOW, stdin: str | None = None) -> str:
        env = {"EMDRILL_HOME": str(self.home), "EMDRILL_NOW": now, "EMDRILL_SEED": "7"}
        result = self.runner.invoke(app, args, input=stdin, env=env)
        assert result.exit_code == 0, f"emdrill {' '.join(args)}: {result.output}"
        return result.stdout


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> Collection:
    return Collection(tmp_path_factory.mktemp("docs") / "home")


def shape_problems(doc: Any, real: Any, path: str = "$") -> list[str]:
    """Where `doc` and `real` differ in keys or in kind (values may differ; null matches
    anything, and a documented list is checked item by item against the real first item)."""
    if doc is None or real is None:
        return []
    if isinstance(doc, dict) != isinstance(real, dict) or \
            isinstance(doc, list) != isinstance(real, list):
        return [f"{path}: documented as {type(doc).__name__}, real output is "
                f"{type(real).__name__}"]
    if isinstance(doc, dict):
        problems = []
        missing, extra = sorted(set(real) - set(doc)), sorted(set(doc) - set(real))
        if missing:
            problems.append(f"{path}: real output has keys the example lacks: {missing}")
        if extra:
            problems.append(f"{path}: the example has keys real output lacks: {extra}")
        for key in set(doc) & set(real):
            problems += shape_problems(doc[key], real[key], f"{path}.{key}")
        return problems
    if isinstance(doc, list):
        if doc and not real:
            return [f"{path}: real output is an empty list; the fixture cannot check this "
                    "example (give tests/test_docs.py's collection more history)"]
        problems = []
        for i, item in enumerate(doc):
            problems += shape_problems(item, real[min(i, len(real) - 1)], f"{path}[{i}]")
        return problems
    return []


EXAMPLES, UNREADABLE = json_examples()


def test_every_json_example_names_its_command_and_parses() -> None:
    assert not UNREADABLE, "\n".join(UNREADABLE)
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"{e[0].where()} {e[1]}")
def test_json_example_has_the_shape_of_real_output(
        example: tuple[Found, str, Any], collection: Collection) -> None:
    found, command, doc = example
    words = shlex.split(command)[1:]
    stdin = None
    if words[:1] == ["suggest"] and len(words) == 2:  # no TEXT: one question a line on stdin
        stdin = "How do you handle scope creep?\nTell me about yourself.\n"
    words = [str(ROOT / "tests" / "data" / "jd-payments.txt")
             if w == "FILE" and words[i - 1] == "--jd" else w for i, w in enumerate(words)]
    real = json.loads(collection.run(words, stdin=stdin))
    problems = shape_problems(doc, real)
    assert not problems, f"{found.where()}: the example of `{command}` differs from real " \
        "output:\n  " + "\n  ".join(problems)


def test_shape_check_catches_a_renamed_key() -> None:
    real = {"due": 1, "families": [{"family": "a", "seen": 2}], "interview": None}
    assert shape_problems({"due": 0, "families": [{"family": "b", "seen": 0}],
                           "interview": {"x": 1}}, real) == []
    assert shape_problems({"due": 0, "families": [{"family": "b", "sen": 0}],
                           "interview": None}, real)
    assert shape_problems({"families": [], "interview": None}, real)
    assert shape_problems({"due": 0, "families": {}, "interview": None}, real)


# ---------------------------------------------------------------- links


def _anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes."""
    lines = path.read_text(encoding="utf-8").splitlines()
    inside = {n for _, first, body in _fences(lines) for n in range(first, first + len(body))}
    headings = [ln for n, ln in enumerate(lines, 1) if n not in inside and ln.startswith("#")]
    return {re.sub(r"[^\w\- ]", "", h.lstrip("#").strip().lower()).replace(" ", "-")
            for h in headings}


def test_every_relative_link_resolves() -> None:
    broken = []
    for path in DOCS:
        for number, line in _outside_fences(path.read_text(encoding="utf-8").splitlines()):
            for target in re.findall(r"\]\(([^)\s]+)\)", line):
                if re.match(r"[a-z]+:", target):
                    continue  # https:, mailto:
                file, _, anchor = target.partition("#")
                resolved = (path.parent / file).resolve() if file else path
                if not resolved.exists():
                    broken.append(f"{path.relative_to(ROOT)}:{number}: no file {target}")
                elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
                    broken.append(f"{path.relative_to(ROOT)}:{number}: no heading #{anchor} "
                                  f"in {resolved.relative_to(ROOT)}")
    assert not broken, "\n".join(broken)


def test_the_index_lists_every_page_and_the_readme_stays_short() -> None:
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    pages = {p.name for p in (ROOT / "docs").glob("*.md")} - {"README.md"}
    missing = sorted(p for p in pages if f"]({p})" not in index)
    assert not missing, f"docs/README.md does not link {missing}"
    lines = len((ROOT / "README.md").read_text(encoding="utf-8").splitlines())
    assert lines <= 250, f"README.md has {lines} lines; move detail into docs/ (at most 250)"
