"""How tests start `python -m emdrill` as a process of its own: `run`, `Popen` and `PtySpawn`
(subprocess.run, subprocess.Popen and pexpect.spawn, with the same arguments and results).

Each is a real, separate process with its own pid, pty or pipes, exit status and signals,
but it starts from the fork server (tests/zygote.py: emdrill's modules imported once per
test process) instead of a cold interpreter, which spends about half a second of CPU
importing. The child is made a child of the test process, so `wait`, `poll`, `kill`,
pexpect's `isalive` and `exitstatus` work on it as on any child.

A spawn stays cold (a plain exec of `sys.executable`) when it is not `python -m emdrill`,
when it asks for what the server cannot give (preexec_fn, pass_fds, another user, a
`-X`/`-I` flag), when its PYTHON*/LC_*/LANG variables differ from the server's (they
shape the interpreter's start-up: encodings, UTF-8 mode), and always with
EMDRILL_TEST_NOFORK=1 in the environment pytest starts with. The tests that measure what a
cold process imports or how fast it starts spawn cold on purpose (`-X importtime`, `-c`).
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import pty
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Literal, overload

import pexpect
import ptyprocess  # type: ignore[import-untyped]

EMDRILL = [sys.executable, "-m", "emdrill"]
ZYGOTE = Path(__file__).with_name("zygote.py")
NOFORK = os.environ.get("EMDRILL_TEST_NOFORK", "") not in ("", "0")
_BASE_ENV = dict(os.environ)  # as pytest started: before any test's monkeypatch
_PR_SET_CHILD_SUBREAPER = 36
_LIMITS = [getattr(resource, n) for n in dir(resource) if n.startswith("RLIMIT_")]


def _startup_vars(env: Mapping[str, str]) -> dict[str, str]:
    """The variables the interpreter reads while it starts (a forked child cannot)."""
    return {k: v for k, v in env.items()
            if k.startswith(("PYTHON", "LC_")) or k == "LANG"}


def inherited_environment() -> dict[str, str]:
    """What a child started without `env` gets: the C library's environment, which is
    os.environ plus what C code set behind its back (readline, say, sets COLUMNS and LINES
    when it starts), as execv passes it."""
    try:
        table = ctypes.POINTER(ctypes.c_char_p).in_dll(ctypes.CDLL(None), "environ")
    except (OSError, ValueError):
        return dict(os.environ)
    found: dict[str, str] = {}
    index = 0
    while (entry := table[index]) is not None:
        name, _, value = os.fsdecode(entry).partition("=")
        found.setdefault(name, value)
        index += 1
    return found


class Zygote:
    """One fork server for this test process, started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._channel: socket.socket | None = None
        self._log: IO[bytes] | None = None
        self._pid = os.getpid()
        self.startup = _startup_vars(_BASE_ENV)
        self.read: frozenset[str] = frozenset()  # what the server's imports read (its hello)
        self.broken: str | None = None
        self.spawned = 0  # children started from the server (a test checks it forked)
        try:
            self._prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            self.broken = "no prctl (not Linux)"

    def _start(self) -> socket.socket:
        if self._channel is not None and self._pid == os.getpid():
            return self._channel
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (read by log(), closed with us)
        self._proc = subprocess.Popen(
            [sys.executable, str(ZYGOTE), str(theirs.fileno())], pass_fds=[theirs.fileno()],
            env=_BASE_ENV, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self._log, cwd="/")
        theirs.close()
        hello = ours.recv(1 << 16)  # sent once emdrill's modules are imported
        if not hello:
            ours.close()
            self._proc.wait()
            self.broken = f"the fork server did not start:\n{self.log()}"
            raise RuntimeError(self.broken)
        self.read = frozenset(json.loads(hello)["read"])
        self._channel, self._pid = ours, os.getpid()
        return ours

    def _subreaper(self, on: bool) -> None:
        if self._prctl(_PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")

    def spawn(self, args: Sequence[str], *, env: Mapping[str, str], cwd: str,
              stdio: tuple[int, int, int], tty: bool, session: bool, umask: int = -1,
              ignored: Sequence[int] = ()) -> int:
        """Start `python -m emdrill ARGS` on these fds; its pid (a child of this process)."""
        if umask < 0:
            umask = os.umask(0o022)
            os.umask(umask)
        ignored_now = {int(s) for s in signal.valid_signals()
                       if s not in (signal.SIGKILL, signal.SIGSTOP)
                       and signal.getsignal(s) == signal.SIG_IGN}
        request = {"argv": list(args), "env": dict(env), "cwd": cwd, "tty": tty,
                   "session": session, "umask": umask,
                   "ignored": sorted(ignored_now | set(ignored)),
                   "blocked": sorted(int(s) for s in signal.pthread_sigmask(
                       signal.SIG_BLOCK, [])),
                   "limits": {str(r): resource.getrlimit(r) for r in _LIMITS}}
        with self._lock:
            channel = self._start()
            self._subreaper(True)
            try:
                socket.send_fds(channel, [json.dumps(request).encode()], list(stdio))
                answer = channel.recv(1 << 16)
            finally:
                self._subreaper(False)
        if not answer:
            raise RuntimeError(f"the fork server is gone:\n{self.log()}")
        reply = json.loads(answer)
        if "error" in reply:
            if "pid" in reply:
                os.waitpid(reply["pid"], 0)
            number, message, name = reply["error"]
            if number:
                raise OSError(number, message, name)
            raise RuntimeError(message)
        self.spawned += 1
        return int(reply["pid"])

    def close(self) -> None:
        """Stop the server and wait for it (its CPU then counts in this process's)."""
        with self._lock:
            if self._channel is None or self._proc is None or self._pid != os.getpid():
                return
            self._channel.close()
            self._channel = None
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def log(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def forks(self, args: Any, env: Mapping[str, Any] | None) -> bool:
        """Whether `args` (an argv) and `env` can start from the server."""
        if NOFORK or self.broken is not None:
            return False
        if not (isinstance(args, list | tuple) and len(args) >= 3
                and list(args[:3]) == EMDRILL and all(isinstance(a, str) for a in args)):
            return False
        env = inherited_environment() if env is None else env
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
            return False
        if _startup_vars(env) != self.startup:
            return False
        with self._lock:
            try:
                self._start()
            except RuntimeError:
                return False  # cold, and tests/test_procs.py fails: nothing forked
        if "*" in self.read:
            return dict(env) == _BASE_ENV
        return all(env.get(name) == _BASE_ENV.get(name) for name in self.read)


ZYGOTE_SERVER = Zygote()
atexit.register(ZYGOTE_SERVER.close)


class Popen(subprocess.Popen[Any]):
    """subprocess.Popen; `python -m emdrill ...` starts from the fork server."""

    def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
        self._forks = (not rest and ZYGOTE_SERVER.forks(args, kwargs.get("env"))
                       and kwargs.get("shell") is not True
                       and all(kwargs.get(k) is None for k in (
                           "executable", "preexec_fn", "user", "group", "extra_groups"))
                       and not kwargs.get("pass_fds")
                       and kwargs.get("close_fds", True)
                       and kwargs.get("process_group") in (None, -1))
        super().__init__(args, *rest, **kwargs)

    def _execute_child(self, args: Any, executable: Any, preexec_fn: Any, close_fds: Any,
                       pass_fds: Any, cwd: Any, env: Any, startupinfo: Any, creationflags: Any,
                       shell: Any, p2cread: int, p2cwrite: int, c2pread: int, c2pwrite: int,
                       errread: int, errwrite: int, restore_signals: Any, gid: Any, gids: Any,
                       uid: Any, umask: int, start_new_session: bool, process_group: Any,
                       ) -> None:
        if not self._forks:
            super()._execute_child(  # type: ignore[misc]
                args, executable, preexec_fn, close_fds, pass_fds, cwd, env, startupinfo,
                creationflags, shell, p2cread, p2cwrite, c2pread, c2pwrite, errread,
                errwrite, restore_signals, gid, gids, uid, umask, start_new_session,
                process_group)
            return
        stdio = (p2cread if p2cread != -1 else 0, c2pwrite if c2pwrite != -1 else 1,
                 errwrite if errwrite != -1 else 2)
        try:
            self.pid = ZYGOTE_SERVER.spawn(
                list(args)[3:], env=inherited_environment() if env is None else dict(env),
                cwd=os.fspath(cwd) if cwd is not None else os.getcwd(), stdio=stdio,
                tty=False, session=bool(start_new_session), umask=umask)
            self._child_created = True
        finally:
            self._close_pipe_fds(p2cread, p2cwrite, c2pread, c2pwrite,  # type: ignore[attr-defined]
                                 errread, errwrite)


@overload
def run(args: Any, *, text: Literal[True], input: str | None = None,
        capture_output: bool = False, timeout: float | None = None, check: bool = False,
        **kwargs: Any) -> subprocess.CompletedProcess[str]: ...


@overload
def run(args: Any, *, text: Literal[False] | None = None, input: Any = None,
        capture_output: bool = False, timeout: float | None = None, check: bool = False,
        **kwargs: Any) -> subprocess.CompletedProcess[Any]: ...


def run(args: Any, *, text: bool | None = None, input: Any = None,
        capture_output: bool = False, timeout: float | None = None, check: bool = False,
        **kwargs: Any) -> subprocess.CompletedProcess[Any]:
    """subprocess.run through `Popen` (the same arguments, the same result)."""
    if text is not None:
        kwargs["text"] = text
    if input is not None:
        kwargs["stdin"] = subprocess.PIPE
    if capture_output:
        kwargs["stdout"] = kwargs["stderr"] = subprocess.PIPE
    with Popen(args, **kwargs) as process:
        try:
            stdout, stderr = process.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            process.kill()
            exc.stdout, exc.stderr = process.communicate()
            raise
        except BaseException:
            process.kill()
            raise
        code = process.poll()
        assert code is not None
        if check and code:
            raise subprocess.CalledProcessError(code, process.args, output=stdout,
                                                stderr=stderr)
    return subprocess.CompletedProcess(process.args, code, stdout, stderr)


class PtySpawn(pexpect.spawn):  # type: ignore[misc]
    """pexpect.spawn; `python -m emdrill ...` starts from the fork server in a new pty."""

    def _spawnpty(self, args: list[str], **kwargs: Any) -> ptyprocess.PtyProcess:
        env = kwargs.get("env")
        preexec = kwargs.get("preexec_fn")
        argv = [sys.executable, *args[1:]] if args and os.path.realpath(
            args[0]) == os.path.realpath(sys.executable) else args
        if (preexec is not None or not kwargs.get("echo", True)
                or not ZYGOTE_SERVER.forks(argv, env)):
            return super()._spawnpty(args, **kwargs)
        rows, cols = kwargs.get("dimensions") or (24, 80)
        master, slave = pty.openpty()
        try:
            ptyprocess.ptyprocess._setwinsize(slave, rows, cols)
            pid = ZYGOTE_SERVER.spawn(
                argv[3:], env=inherited_environment() if env is None else dict(env),
                cwd=kwargs.get("cwd") or os.getcwd(), stdio=(slave, slave, slave),
                tty=True, session=True,
)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        proc = ptyprocess.PtyProcess(pid, master)
        proc.argv = args
        if env is not None:
            proc.env = env
        if kwargs.get("cwd") is not None:
            proc.launch_dir = kwargs["cwd"]
        return proc
