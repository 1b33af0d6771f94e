"""`emdrill import` telling files apart, and `export json` read back by `import`."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import FIXED_NOW, data_folder, made_whole, mini_deck_text
from emdrill.cli.main import app
from emdrill.core.dumpfile import SECTIONS, Dump, DumpError, parse, render
from emdrill.core.errors import InputError
from emdrill.ops import transfer
from emdrill.store.migrations import LATEST

STORY = """## The coverage push
- slots: 6, 8
- hook: We shipped a hotfix every week.

### Context
A payments team.

### Learnings
Agree quality bars at the start.
"""


def cli(runner: CliRunner, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A collection with a bit of everything: a user deck, reviews, a story, a system, a
    changed setting, a deleted story (the next id must not be reused), and its export; made
    once for the module, in `root/home` and `root/export.json`."""
    root = tmp_path_factory.mktemp("used")
    deck = root / "mini.toml"
    deck.write_text(mini_deck_text(), encoding="utf-8")
    with data_folder(root / "home"):
        runner = CliRunner()
        cli(runner, "deck", "load", str(deck))
        cli(runner, "grade", "alpha-1", "--intent", "good", "--story", "1")
        cli(runner, "grade", "beta-2", "--intent", "again", "--story", "0", "--seconds", "12.5")
        story = root / "story.md"
        story.write_text(STORY + "\n" + STORY.replace("coverage push", "second"),
                         encoding="utf-8")
        cli(runner, "story", "import", str(story))
        cli(runner, "story", "rm", "2", "--yes")
        result = runner.invoke(app, ["system", "edit", "team", "--no-edit"],
                               input="I decide by discussion, rarely by decree.\n.\n")
        assert result.exit_code == 0, result.output
        cli(runner, "config", "retention", "0.93")
        out = root / "export.json"
        said = cli(runner, "export", "json", str(out))  # one line, however long the path
        assert f"wrote {out}: " in said and "2 reviews, 1 story, 1 system, 1 setting" in said
    made_whole(root / "home" / "emdrill.db")
    return root


@pytest.fixture
def used(made: Path, home: Path, tmp_path: Path) -> Path:
    """That collection, copied into this test's data folder; its export, copied beside."""
    shutil.copytree(made / "home", home)
    return Path(shutil.copy(made / "export.json", tmp_path / "export.json"))


def test_export_import_into_a_fresh_folder_export_again_is_identical(
        used: Path, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMDRILL_HOME", str(tmp_path / "fresh"))
    assert "imported" in cli(runner, "import", str(used))
    again = tmp_path / "again.json"
    cli(runner, "export", "json", str(again))
    assert again.read_text(encoding="utf-8") == used.read_text(encoding="utf-8")
    # and the collection works: the next story gets a new id, not the deleted one's
    story = tmp_path / "new.md"
    story.write_text(STORY.replace("coverage push", "third"), encoding="utf-8")
    cli(runner, "story", "import", str(story))
    assert "\n 3  6, 8   The third" in cli(runner, "story", "list")


def _render_as_before(dump: Dump) -> str:
    """The file as `render` built it before the export streamed: every line in one list."""
    from emdrill.core.dumpfile import FORMAT, VERSION

    lines = ["{", f' "format": "{FORMAT}",', f' "version": {VERSION},',
             f' "schema": {dump.schema},', f' "exported_at": {json.dumps(dump.exported_at)},']
    for i, name in enumerate(SECTIONS):
        rows = dump.sections.get(name, [])
        end = "," if i < len(SECTIONS) - 1 else ""
        if not rows:
            lines.append(f' "{name}": []{end}')
            continue
        lines.append(f' "{name}": [')
        lines.extend(f"  {json.dumps(row, ensure_ascii=False)}{',' if j < len(rows) - 1 else ''}"
                     for j, row in enumerate(rows))
        lines.append(f" ]{end}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def test_the_streamed_export_is_byte_for_byte_the_whole_in_memory_one(
        used: Path, home: Path) -> None:
    """The export is written a row at a time as it is read (issue 25); the file must be what
    rendering every row held in memory gives, byte for byte."""
    from emdrill.core.timing import parse_now
    from emdrill.store import dump as store_dump
    from emdrill.store.codec import to_db_time
    from emdrill.store.db import open_store

    store = open_store(home / "emdrill.db")
    try:
        dump = Dump(schema=LATEST, exported_at=to_db_time(parse_now(FIXED_NOW)),
                    sections=store_dump.read_all(store))
        whole = _render_as_before(dump)
        assert render(dump) == whole
    finally:
        store.close()
    assert used.read_bytes() == whole.encode("utf-8")
    assert '"reviews": [\n  {' in whole and '"anki_reviews": [],' in whole


def test_the_file_is_documented_json_one_row_a_line(used: Path) -> None:
    data = json.loads(used.read_text(encoding="utf-8"))
    assert (data["format"], data["version"], data["schema"]) == ("emdrill-export", 1, LATEST)
    assert list(data)[4:] == list(SECTIONS)
    review = data["reviews"][1]
    assert (review["question_id"], review["intent_rating"], review["seconds"]) == (
        "beta-2", 1, 12.5)
    assert data["questions"][0]["probes"] == ["first probe", "second probe"]
    assert data["settings"] == [{"key": "retention", "value": "0.93"}]
    documented = (Path(__file__).parents[1] / "docs" / "export-json.md").read_text()
    for section in SECTIONS:
        assert f"`{section}`" in documented


def test_a_collection_with_my_work_is_replaced_only_when_asked(
        used: Path, runner: CliRunner) -> None:
    refused = cli(runner, "import", str(used), code=1)
    assert "already holds 2 reviews, 1 story, 1 system, 1 setting" in refused
    assert "Pass --replace" in refused
    dry = cli(runner, "import", str(used), "--dry-run")
    assert "reads cleanly" in dry and "needs --replace" in dry and "nothing written" in dry
    done = cli(runner, "import", str(used), "--replace")
    assert "backed up the collection to" in done


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["reviews"][0].update(intent_rating=7),
     "reviews[0]: CHECK constraint failed"),
    (lambda d: d["reviews"][0].update(reviewed_at="yesterday"),
     "reviews[0].reviewed_at: 'yesterday' is not an ISO-8601 time with an offset"),
    (lambda d: d["progress"][0].update(stability="high"),
     "progress[0].stability: must be a number"),
    (lambda d: d["questions"][0].update(colour="red"), 'questions[0]: unknown field "colour"'),
    (lambda d: d["questions"][0].update(probes="one"), "questions[0].probes: must be a list"),
    (lambda d: d["reviews"][0].update(question_id="nope"),
     "a row of review (row 1) points at a question that is not in the file"),
    (lambda d: d.update(schema=99), "written by a newer emdrill (schema 99"),
    (lambda d: d.update(format="other"), "not an emdrill JSON export"),
])
def test_a_bad_file_names_the_row_and_changes_nothing(
        used: Path, runner: CliRunner, edit: object, message: str) -> None:
    data = json.loads(used.read_text(encoding="utf-8"))
    edit(data)  # type: ignore[operator]
    used.write_text(json.dumps(data), encoding="utf-8")
    before, after = used.with_name("before.json"), used.with_name("after.json")
    cli(runner, "export", "json", str(before))
    out = cli(runner, "import", str(used), "--replace", code=1)
    assert message in out
    assert out.startswith(f"emdrill: {used}")
    cli(runner, "export", "json", str(after))
    assert after.read_text(encoding="utf-8") == before.read_text(encoding="utf-8")
    assert not list(used.parent.glob("home/*.importing*"))


def test_broken_json_says_where(tmp_path: Path, runner: CliRunner) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{\n "format": "emdrill-export",\n "version": 1,,\n}', encoding="utf-8")
    assert f"emdrill: {bad}:3: not valid JSON" in cli(runner, "import", str(bad), code=1)


def test_detect_kind_reads_the_contents_not_the_name(tmp_path: Path) -> None:
    package = tmp_path / "reviews.zip"
    with zipfile.ZipFile(package, "w") as z:
        z.writestr("collection.anki21b", b"")
    assert transfer.detect_kind(package) == "anki"
    dump = tmp_path / "backup.txt"
    dump.write_text('\ufeff  {"format": "emdrill-export"}', encoding="utf-8")
    assert transfer.detect_kind(dump) == "json"
    listing = tmp_path / "questions.json"
    listing.write_text("question,category\nTell me about a conflict.,conflict\n")
    assert transfer.detect_kind(listing) == "questions"
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("a.jpg", b"")
    with pytest.raises(InputError, match="a zip file, but not an Anki package"):
        transfer.detect_kind(other)


def test_one_import_command_takes_question_lists_and_format_forces_a_kind(
        tmp_path: Path, runner: CliRunner) -> None:
    listing = tmp_path / "list.md"
    listing.write_text("- Tell me about a conflict.\n")
    assert "Tell me about a conflict." in cli(runner, "import", str(listing), "--dry-run")
    assert f"{listing}:1: not valid JSON" in cli(
        runner, "import", str(listing), "--format", "json", code=1)
    assert "'csv' is not one of anki, json, questions" in cli(
        runner, "import", str(listing), "--format", "csv", code=2)
    assert "cannot read (No such file or directory)" in cli(
        runner, "import", str(tmp_path / "missing.apkg"), code=1)


rows = st.lists(st.dictionaries(st.sampled_from(["a", "b", "text"]),
                                st.one_of(st.none(), st.integers(), st.floats(allow_nan=False),
                                          st.text(), st.booleans(), st.lists(st.text())),
                                min_size=1), max_size=3)


# Fifteen sections of nested rows take a while to draw on a loaded machine; the draw's
# speed is not what this checks.
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({name: rows for name in SECTIONS}))
def test_render_then_parse_gives_back_the_same_dump(sections: dict[str, list[dict[str, object]]],
                                                    ) -> None:
    dump = Dump(schema=3, exported_at="2026-03-02T09:00:00.000000+00:00", sections=sections)
    assert parse(render(dump), Path("x.json")) == dump


@given(st.text())
def test_random_text_is_refused_cleanly(text: str) -> None:
    try:
        parse(text, Path("x.json"))
    except DumpError as exc:
        assert str(exc).startswith("x.json")


def test_an_import_refuses_while_another_runs_and_takes_over_a_dead_ones_lock(
        runner: CliRunner, used: Path, home: Path) -> None:
    import subprocess
    import sys

    db = home / "emdrill.db"
    before = db.read_bytes()
    with transfer.import_lock(db):
        out = cli(runner, "import", str(used), "--replace", code=1)
        assert "another import is running" in out and len(out.strip().splitlines()) == 1
        assert db.read_bytes() == before
    assert not (home / ("emdrill.db" + transfer.LOCK_SUFFIX)).exists()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (home / ("emdrill.db" + transfer.LOCK_SUFFIX)).write_text(str(dead.pid))  # a killed import
    assert "imported" in cli(runner, "import", str(used), "--replace")
    assert list(home.glob("*.importing*")) == []
    assert not (home / ("emdrill.db" + transfer.LOCK_SUFFIX)).exists()


def test_two_imports_at_once_one_runs_the_other_says_so(used: Path, home: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "EMDRILL_HOME": str(home)}
    command = [sys.executable, "-m", "emdrill", "import", str(used), "--replace"]
    for _ in range(3):
        procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        results = [(p.wait(timeout=120), p.communicate()[1]) for p in procs]
        assert any(code == 0 for code, _ in results), results
        for code, err in results:
            assert code == 0 or (code == 1 and "another import is running" in err), err
        assert list(home.glob("*.importing*")) == []


# ---------------------------------------------------------------- reading a chunk at a time


@pytest.mark.parametrize("chunk", [1, 2, 7, 64])
def test_any_chunk_size_reads_the_same_rows_and_faults(chunk: int,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader decodes across chunk ends: a number, a string or a row cut in two reads
    as if whole, and a fault names the same line whatever the chunk."""
    from emdrill.core import dumpfile

    dump = Dump(schema=12345, exported_at="2026-03-02T09:00:00.000000+00:00",  # cut too
                sections={**{name: [] for name in SECTIONS},
                          "reviews": [{"id": 12345, "at": "x\ny", "n": [1.5e3, -2]},
                                      {"id": 7, "text": "é ✓"}],
                          "sequences": [{"name": "story", "seq": 40}]})
    text = render(dump)
    whole = parse(text, Path("x.json"))
    bad = text.replace('"seq": 40', '"seq": 40,,')
    monkeypatch.setattr(dumpfile, "CHUNK", chunk)
    assert parse(text, Path("x.json")) == whole == dump
    # a source that gives at most `chunk` characters whatever is asked: every value is cut
    # somewhere
    source = io.StringIO(text)
    trickled = [row for _, _, row in dumpfile.rows(lambda _n: source.read(chunk),
                                                   Path("x.json"))]
    assert trickled == [row for name in SECTIONS for row in dump.sections[name]]
    source = io.StringIO(text)
    assert dumpfile.read_header(lambda _n: source.read(chunk), Path("x.json")).schema == 12345
    with pytest.raises(DumpError) as fault:
        parse(bad, Path("x.json"))
    line = next(i for i, t in enumerate(bad.splitlines(), 1) if ",," in t)
    assert str(fault.value).startswith(f"x.json:{line}: not valid JSON")


def test_keys_in_any_order_and_spacing_read_the_same() -> None:
    dump = Dump(schema=3, exported_at="2026-03-02T09:00:00.000000+00:00",
                sections={**{name: [] for name in SECTIONS}, "decks": [{"id": "d"}]})
    data = json.loads(render(dump))
    shuffled = {k: data[k] for k in reversed(list(data))}  # the header last
    assert parse(json.dumps(shuffled), Path("x.json")) == dump
    assert parse(json.dumps(data, indent=None, separators=(",", ":")), Path("x.json")) == dump


@pytest.mark.parametrize(("text", "message"), [
    ('{"format": "emdrill-export", "version": 1, "schema": 3, "decks": [], "decks": []}',
     'the key "decks" comes twice'),
    ('{"format": "emdrill-export", "version": 1, "schema": 3, "decks": {}}',
     '"decks" must be a list'),
    ('{"format": "emdrill-export", "version": 1, "schema": 3, "decks": [1]}',
     "decks[0] must be an object"),
    ('{"format": "emdrill-export", "version": 1, "schema": 3, "extra": 1}',
     'unknown key "extra"'),
    ('{"format": "emdrill-export", "version": 1, "schema": 3} []', "Extra data"),
    ('{"version": 1, "schema": 3, "decks": []}', 'no "format"'),
    ("[1, 2]", 'no "format"'),
])
def test_a_file_of_the_wrong_shape_is_refused_saying_what(text: str, message: str) -> None:
    with pytest.raises(DumpError, match=re.escape(message)):
        parse(text, Path("x.json"))


def test_reading_an_export_holds_one_chunk_not_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An export many times the reader's chunk is read in memory that does not grow with it
    (reading it whole with json.loads peaks at several times the file)."""
    import tracemalloc

    from emdrill.core import dumpfile

    row = {"id": 0, "question_id": "decisions-unpopular-call", "reviewed_at":
           "2026-03-02T09:00:00.000000+00:00", "intent_rating": 3, "story_rating": 3,
           "seconds": 12.5}
    path = tmp_path / "big.json"
    with path.open("w", encoding="utf-8") as out:
        out.writelines(dumpfile.render_parts(3, "2026-03-02T09:00:00.000000+00:00",
                                             lambda name: ({**row, "id": i} for i in
                                                           range(60_000)) if name == "reviews"
                                             else ()))
    size = path.stat().st_size
    monkeypatch.setattr(dumpfile, "CHUNK", 1 << 16)
    assert size > 100 * dumpfile.CHUNK
    tracemalloc.start()
    try:
        with path.open(encoding="utf-8") as handle:
            seen = sum(1 for _ in dumpfile.rows(handle.read, path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seen == 60_000
    assert peak < size / 10, (peak, size)
