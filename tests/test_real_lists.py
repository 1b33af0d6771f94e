"""Real third-party question lists (shared/question-lists, beside the checkout) turned into a
user deck: the checker and loader handle their wording, length and categories."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emdrill.cli.main import app

LISTS = Path(__file__).resolve().parents[1].parent / "shared" / "question-lists"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _user_deck(rows: list[dict[str, str]]) -> str:
    families = sorted({_slug(r["category"]) for r in rows})
    parts = ['[deck]\nid = "imported"\nname = "Imported lists"\nversion = "1"\n'
             'description = "Real question lists, for testing"\n']
    names = {_slug(r["category"]): r["category"] for r in rows}
    parts += [f'[[families]]\nslug = "{f}"\nname = {_toml(names[f])}\nprobes = "imported"\n'
              for f in families]
    for n, row in enumerate(rows):
        parts.append(
            f'[[questions]]\nid = "imported-{n}"\nfamily = "{_slug(row["category"])}"\n'
            f'text = {_toml(row["question"])}\nintent = "Decode this one yourself."\n'
            'probes = ["one", "two"]\nstory = 1\nalso = []\nsystem = "team"\n'
            'traits = ["ownership"]\npitfall = "Answering the literal question."\n'
            'follow_ups = ["And then?"]\n')
    return "\n".join(parts)


@pytest.mark.skipif(not LISTS.is_dir(), reason="shared/question-lists is not beside the checkout")
def test_real_lists_load_as_a_user_deck(tmp_path: Path, runner: CliRunner) -> None:
    rows = [row for tsv in sorted(LISTS.glob("*.tsv"))
            for row in csv.DictReader(tsv.open(encoding="utf-8"), delimiter="\t")]
    assert len(rows) > 200
    deck = tmp_path / "imported.toml"
    deck.write_text(_user_deck(rows), encoding="utf-8")
    checked = runner.invoke(app, ["deck", "check", str(deck)])
    assert checked.exit_code == 0, checked.output
    loaded = runner.invoke(app, ["deck", "load", str(deck)])
    assert loaded.exit_code == 0, loaded.output
    assert f"added {len(rows)}" in loaded.output
    runner.invoke(app, ["config", "new-per-day", "500"])
    shown = json.loads(runner.invoke(app, ["next", "--json"]).stdout)
    texts = {item["question"] for item in shown}
    assert {row["question"].strip() for row in rows} <= texts
