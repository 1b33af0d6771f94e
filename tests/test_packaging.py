"""The bundled deck ships inside the wheel: a plain install (not editable) can drill."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (built,) = out.glob("emdrill-*.whl")
    return built


def test_wheel_contains_the_deck(wheel: Path) -> None:
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "emdrill/decks/em-core.toml" in names
    assert "emdrill/cli/main.py" in names


def test_installed_wheel_runs_from_a_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "venv"
    # No pip inside the venv (seeding it is most of this test's time): this environment's
    # pip installs the wheel into it, console script included.
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True,
                   timeout=300)
    # Dependencies come from this environment (no network needed); emdrill itself only
    # from the wheel: a path added by a .pth file does not run the editable install's hook.
    site = Path(subprocess.run([str(python), "-c", "import sysconfig;print(sysconfig."
                                "get_paths()['purelib'])"], capture_output=True, text=True,
                               check=True).stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {**os.environ, "EMDRILL_HOME": str(tmp_path / "home")}
    where = subprocess.run([str(python), "-c", "import emdrill, sys; print(emdrill.__file__)"],
                           env=env, capture_output=True, text=True, check=True, cwd=tmp_path)
    assert str(target) in where.stdout
    check = subprocess.run([str(target / "bin" / "emdrill"), "deck", "check"], env=env,
                           capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert check.returncode == 0, check.stderr
    assert "ok:" in check.stdout
    queue = subprocess.run([str(target / "bin" / "emdrill"), "next", "--json"], env=env,
                           capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert queue.returncode == 0, queue.stderr
    assert len(json.loads(queue.stdout)) == 10


def test_declared_ranges_have_tested_floors_and_bounded_zero_x() -> None:
    """Every dependency has a floor; a 0.x one an upper bound too; and .ci/run installs the
    floors (lowest-direct) and runs tests on them, so a floor that breaks fails CI."""
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in project["dependencies"]:
        spec = requirement.split(";")[0]
        floor = re.search(r">=\s*([0-9.]+)", spec)
        assert floor, f"no floor: {requirement}"
        if floor.group(1).startswith("0."):
            assert "<" in spec.replace("<=", "<"), f"0.x without an upper bound: {requirement}"
    pinned = {re.split(r"[<>=;\s]", r)[0]: r for r in project["dependencies"]}
    # fsrs before 6.3.2 schedules with the FSRS-5 default weights (Good stability 3.26, not
    # 2.31); typer before 0.16 breaks on click 8.2+; click 8.1's runner mixes stderr in.
    assert ">=6.3.2" in pinned["fsrs"] and ">=0.16" in pinned["typer"]
    assert ">=8.2" in pinned["click"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "--resolution lowest-direct" in ci and ".venv-lowest/bin/pytest" in ci
