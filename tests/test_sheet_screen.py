"""The loop morning sheet as a user sees it: `interview --sheet` in a real pseudo-terminal,
read through pyte, on a collection with two weeks of study (tests/history.py, built once
by tests/shared.py). At 80x24 the whole sheet fits one screen; at 40x20 it pages (Space
for the next page, q to stop), and the pages together hold every family."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from emdrill.ui.sheet_view import PAGE_KEYS
from shared import cli as _emdrill  # in-process setup (tests/shared.py)
from term import Term


@pytest.fixture
def planned(studied: Path) -> Path:
    _emdrill("interview", "2026-03-12")  # every question: all 13 families
    return studied


def _names() -> list[str]:
    sheet = json.loads(_emdrill("interview", "--sheet", "--json"))
    return [f["name"] for f in sheet["families"]]


def test_at_80x24_the_whole_sheet_is_one_screen(planned: Path) -> None:
    names = _names()
    assert len(names) == 13
    term = Term("interview", "--sheet", cols=80, rows=24)
    screen = term.finish()
    assert term.exitstatus == 0
    lines = screen.splitlines()
    assert lines[0].startswith("Loop sheet · Thu 12 Mar 09:00, in 10 days"), screen
    for name in names:  # a row a family, led by its short name
        assert sum(line.startswith(f"{name.split()[0]} ") for line in lines) == 1, screen
    assert "Still confused" in screen and "Read once more" in screen, screen
    assert PAGE_KEYS not in term.transcript.decode("utf-8", "replace")
    assert all(len(line) <= 80 for line in lines)
    assert "Read once more:" in lines[-1] or any(
        line.startswith("Read once more") for line in lines[-6:] if line), screen


def test_at_40_columns_it_pages_and_every_family_comes_up(planned: Path) -> None:
    names = _names()
    term = Term("interview", "--sheet", cols=40, rows=20)
    term.wait_for(PAGE_KEYS)
    first = term.text
    assert first.splitlines()[0].startswith("Loop sheet"), first
    assert all(len(line) <= 40 for line in first.splitlines())
    seen, pages = first, 1
    while PAGE_KEYS in term.text and pages < 15:
        since = len(term.transcript)
        term.press(" ")
        term.wait_new(re.escape(PAGE_KEYS), since=since)  # the next page is all out (or the end)
        seen += "\n" + term.text
        pages += 1
    term.finish()
    assert term.exitstatus == 0
    assert pages >= 2
    flat = " ".join(seen.split())
    for name in names:
        assert name.split()[0] in flat, seen
    assert "Read once more" in flat


def test_at_40_columns_q_stops_after_the_first_page(planned: Path) -> None:
    term = Term("interview", "--sheet", cols=40, rows=20)
    term.wait_for(PAGE_KEYS)
    term.press("q")
    screen = term.finish()
    assert term.exitstatus == 0
    assert "Read once more" not in screen
    assert PAGE_KEYS not in screen  # the keys line is wiped before the prompt comes back
