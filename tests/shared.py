"""Collections built once per test run and copied into each test's data folder, and the
command run in-process for a test's setup.

Building a collection costs seconds: the bundled deck is parsed and loaded on first use,
and tests/history.py drills two weeks of sessions. Tests that only need "a new collection"
or "two weeks of study" copy one built here, once per run: under pytest-xdist the first
worker builds it under a lock in the run's shared temp folder and the others copy it. Tests
that check first use itself (test_cli, test_faults, ...) keep starting from an empty folder.

`cli` runs a command in this process (typer's CliRunner) for setup and for JSON read back
after a screen test: the same code as `python -m emdrill`, without starting an interpreter.
Tests about the process itself (stdout encoding, pipes, exit status, signals) still spawn.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

import history

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: each worker builds its own
    fcntl = None  # type: ignore[assignment]


def cli(*args: str, input: str | None = None) -> str:
    """`emdrill ARGS` in this process, on the test's EMDRILL_HOME; its stdout. Fails the
    test, showing the output, unless it exits 0."""
    from emdrill.cli.main import app

    result = CliRunner().invoke(app, list(args), input=input)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.stdout


def copy_into(folder: Path, home: Path) -> Path:
    """The collection in `folder` (with any -wal/-shm beside it, and the suggestion model's
    cache when one was built) copied into `home`."""
    home.mkdir(parents=True, exist_ok=True)
    for file in [*folder.glob("emdrill.db*"), *folder.glob("suggest-model.json")]:
        shutil.copy(file, home / file.name)
    return home


def built_once(factory: pytest.TempPathFactory, name: str,
               build: Callable[[Path], None]) -> Path:
    """A folder holding what `build(folder)` makes, built once per test run (once across
    xdist workers: the first one builds under a lock, the others reuse it)."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None or fcntl is None:
        folder = factory.mktemp(name)
        build(folder)
        return folder
    shared = factory.getbasetemp().parent  # one per run, shared by its workers
    folder = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (folder / "done").exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                build(folder)
                (folder / "done").touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder


def _new_collection(folder: Path) -> None:
    """A new collection made by the path every command takes on first use (`open_here`:
    the bundled deck loaded at the tests' fixed time, zone and seed)."""
    from conftest import data_folder
    from emdrill.cli.base import open_here

    with data_folder(folder):
        open_here().close()


def _suggested(folder: Path) -> None:
    """A new collection whose suggestion model is built and cached, by `suggest` itself."""
    from conftest import data_folder

    _new_collection(folder)
    with data_folder(folder):
        cli("suggest", "How do you run a retro?")
    assert (folder / "suggest-model.json").exists()


def _studied(folder: Path) -> None:
    history.build(folder / "emdrill.db", skip=(9, 10))


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a new collection: the bundled deck loaded, nothing answered."""
    return built_once(tmp_path_factory, "bundled", _new_collection)


@pytest.fixture(scope="session")
def suggested_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a new collection and the suggestion model cached beside it (building
    the model costs a third of a second, each time a test's first `suggest` or `add` runs)."""
    return built_once(tmp_path_factory, "suggested", _suggested)


@pytest.fixture(scope="session")
def studied_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with two weeks of study (tests/history.py: daily drills, the conflict
    family missed on purpose, days 9 and 10 skipped)."""
    return built_once(tmp_path_factory, "studied", _studied)


@pytest.fixture
def fresh(home: Path, bundled_db: Path) -> Path:
    """The test's data folder holding a new collection, as first use leaves it."""
    return copy_into(bundled_db, home)


@pytest.fixture
def suggested(home: Path, suggested_db: Path) -> Path:
    """The test's data folder holding a new collection and its cached suggestion model."""
    return copy_into(suggested_db, home)


@pytest.fixture
def studied(home: Path, studied_db: Path) -> Path:
    """The test's data folder holding the two-week collection."""
    return copy_into(studied_db, home)
