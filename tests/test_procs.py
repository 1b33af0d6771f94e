"""The fork server (tests/zygote.py, tests/procs.py): a forked emdrill is the process a cold
`python -m emdrill` would be. Each check runs both and compares what a test can see: exit
status, stdout and stderr, what lands on a pty, Ctrl-C, a kill, the pid's parent, and that
nothing one child changes (environment, cwd, caches, the collection) reaches the next."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest

import procs
from conftest import mini_deck_folder
from procs import EMDRILL, ZYGOTE_SERVER, PtySpawn

pytestmark = pytest.mark.skipif(procs.NOFORK or ZYGOTE_SERVER.broken is not None,
                                reason="the fork server is off (EMDRILL_TEST_NOFORK)")

Run = Callable[..., subprocess.CompletedProcess[Any]]
BOTH: list[tuple[str, Run]] = [("cold", subprocess.run), ("forked", procs.run)]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini deck's data folder, made once for the module."""
    return mini_deck_folder(tmp_path_factory)


@pytest.fixture
def forked() -> Iterator[None]:
    """Fails the test unless every forked spawn in it came from the server."""
    before = ZYGOTE_SERVER.spawned
    yield
    assert ZYGOTE_SERVER.spawned > before, "nothing came from the fork server"


def _both(*args: str, **kwargs: Any) -> list[tuple[int, str, str]]:
    seen = []
    for _name, run in BOTH:
        done = run([*EMDRILL, *args], capture_output=True, text=True, timeout=60, **kwargs)
        seen.append((done.returncode, done.stdout, done.stderr))
    return seen


@pytest.mark.parametrize("args", [["--version"], ["help"],
                                  ["grade", "x", "--intent", "nope", "--story", "1"],
                                  ["no-such-command"]])
def test_exit_status_stdout_and_stderr_match_a_cold_process(forked: None,
                                                            args: list[str]) -> None:
    cold, fork = _both(*args)
    assert fork == cold
    assert cold[0] in (0, 1, 2) and (cold[1] or cold[2])


def test_piped_input_and_a_missing_cwd_match(forked: None, home: Path,
                                             tmp_path: Path) -> None:
    cold, fork = _both("grade", "--batch", input='{"id": "nope"}\n')
    assert fork == cold and cold[0] == 1
    gone = tmp_path / "gone"
    for _name, run in BOTH:
        with pytest.raises(FileNotFoundError) as raised:
            run([*EMDRILL, "where"], cwd=gone, capture_output=True)
        assert str(raised.value.filename) == str(gone)


def test_a_forked_child_is_a_child_of_the_test_and_dies_by_a_kill(forked: None) -> None:
    proc = procs.Popen([*EMDRILL, "grade", "--batch"], stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    status = Path(f"/proc/{proc.pid}/status").read_text(encoding="utf-8")
    assert f"\nPPid:\t{os.getpid()}\n" in status  # waitpid works on it: ours, not the server's
    proc.kill()
    assert proc.wait(timeout=20) == -signal.SIGKILL
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) == signal.SIG_IGN:
            continue  # ignored here (under nohup, say): a child keeps it ignored, cold or not
        proc = procs.Popen([*EMDRILL, "grade", "--batch"], stdin=subprocess.PIPE)
        proc.send_signal(sig)
        assert proc.wait(timeout=20) == -sig
        assert proc.stdin is not None
        proc.stdin.close()


def _pty(spawn: type[pexpect.spawn], *args: str, rows: int = 20, cols: int = 40,
         ) -> pexpect.spawn:
    child = spawn(sys.executable, ["-m", "emdrill", *args], env={**os.environ, "TERM": "xterm"},
                  dimensions=(rows, cols), timeout=20)
    child.delaybeforesend = None
    return child


@pytest.mark.parametrize("args", [["help"], ["status"]])
def test_a_pty_gets_the_same_bytes(forked: None, made: Path, home: Path,
                                   args: list[str]) -> None:
    seen = []
    for spawn in (pexpect.spawn, PtySpawn):
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(made, home)  # the same collection for both (status backs it up)
        child = _pty(spawn, *args)
        child.expect(pexpect.EOF)
        child.close()
        seen.append((child.exitstatus, child.signalstatus, child.before))
    assert seen[1] == seen[0]
    assert seen[0][0] == 0 and b"\r\n" in seen[0][2]  # a terminal's line ends
    if args == ["status"]:
        assert b"\x1b[" in seen[0][2]  # colour, as a tty gets


def test_ctrl_c_and_a_kill_in_a_pty_end_the_drill_as_cold(forked: None, made: Path,
                                                          home: Path) -> None:
    shutil.copytree(made, home)
    ends = []
    for spawn in (pexpect.spawn, PtySpawn):
        child = _pty(spawn, "drill", rows=40, cols=100)
        child.expect("Question alpha-1")
        child.sendintr()
        child.expect("No questions answered this time")
        child.expect(pexpect.EOF)
        child.close()
        killed = _pty(spawn, "drill", rows=40, cols=100)
        killed.expect("Question alpha-1")
        killed.kill(signal.SIGKILL)
        killed.expect(pexpect.EOF)
        killed.close()
        ends.append((child.exitstatus, child.signalstatus, killed.signalstatus))
    assert ends == [(0, None, signal.SIGKILL)] * 2


def test_nothing_one_child_changes_reaches_the_next(forked: None, made: Path,
                                                    tmp_path: Path) -> None:
    """A child that opens a collection in one folder (its deck, the store's engine and
    caches, a backup), with its own environment and cwd, leaves the server as it was: the
    next child, elsewhere, sees what a cold process sees."""
    first, second = tmp_path / "one", tmp_path / "two"
    steps: list[tuple[Path, list[str], dict[str, str]]] = [
        (first, ["next", "--json"], {"EMDRILL_HOME": str(first / "data"), "COLUMNS": "60",
                                     "EMDRILL_SEED": "3", "TZ": "Asia/Tokyo"}),
        (second, ["where"], {"EMDRILL_HOME": "data"}),  # relative: under cwd two
        (second, ["help"], {}),  # piped, no COLUMNS: 100 wide, not the 60 above
        (first, ["stats", "--json"], {"EMDRILL_HOME": str(first / "data")}),
    ]
    results: dict[str, list[tuple[int, str, str]]] = {}
    for name, run in BOTH:
        shutil.rmtree(first, ignore_errors=True)
        shutil.copytree(made, first / "data")
        second.mkdir(exist_ok=True)
        results[name] = []
        for cwd, args, extra in steps:
            env = {k: v for k, v in os.environ.items()
                   if k not in ("COLUMNS", "EMDRILL_SEED", "TZ")}
            done = run([*EMDRILL, *args], cwd=cwd, env={**env, **extra}, capture_output=True,
                       text=True, timeout=120)
            results[name].append((done.returncode, done.stdout, done.stderr))
    assert results["forked"] == results["cold"]
    assert [code for code, _, _ in results["cold"]] == [0, 0, 0, 0]
    assert "database:    data/emdrill.db" in results["cold"][1][1]
    assert max(len(line) for line in results["cold"][2][1].splitlines()) > 60


def test_other_start_up_variables_start_cold(home: Path) -> None:
    """PYTHONIOENCODING (like the locale, UTF-8 mode and the other PYTHON* variables) is
    read while the interpreter starts, so such a spawn is a cold one."""
    before = ZYGOTE_SERVER.spawned
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    cold, fork = _both("help", env=env)
    assert fork == cold and cold[0] == 0
    assert ZYGOTE_SERVER.spawned == before


def test_a_variable_the_imports_read_starts_cold_when_it_differs(home: Path) -> None:
    """typer reads TYPER_USE_RICH when it is imported, which the server did with its own
    environment: a spawn that sets it otherwise is a cold one, and sees what cold sees."""
    assert ZYGOTE_SERVER.forks(EMDRILL, dict(os.environ))  # started: its imports are known
    assert {"TYPER_USE_RICH", "HOME"} <= ZYGOTE_SERVER.read
    before = ZYGOTE_SERVER.spawned
    for changed in ({"TYPER_USE_RICH": "0"}, {"HOME": str(home)}):
        env = {**os.environ, **changed}
        assert not ZYGOTE_SERVER.forks(EMDRILL, env)
        cold, fork = _both("no-such-command", env=env)
        assert fork == cold and cold[0] == 2
    assert ZYGOTE_SERVER.spawned == before


def test_resource_limits_are_the_test_process_s(forked: None) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    lowered = min(soft, 200)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lowered, hard))
    try:
        proc = procs.Popen([*EMDRILL, "grade", "--batch"], stdin=subprocess.PIPE,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    try:
        limits = Path(f"/proc/{proc.pid}/limits").read_text(encoding="utf-8")
    finally:
        proc.kill()
        proc.wait(timeout=20)
    row = next(line for line in limits.splitlines() if line.startswith("Max open files"))
    assert row.split()[3] == str(lowered)


def test_a_server_of_its_own_starts_serves_and_stops() -> None:
    """What each xdist worker does: its own server, started on first use, gone (and
    waited for) once closed, as tests/conftest.py does at the end of the session."""
    server = procs.Zygote()
    pid = server.spawn(["--version"], env=dict(os.environ), cwd=os.getcwd(),
                       stdio=(0, 1, 2), tty=False, session=False)
    assert os.waitpid(pid, 0)[1] == 0
    assert server._proc is not None and server._proc.poll() is None
    server.close()
    assert server._proc.returncode == 0
    server.close()  # a second close (atexit after the session's) is harmless
