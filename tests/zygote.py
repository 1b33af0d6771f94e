"""A fork server for the tests' `python -m emdrill` processes (run by tests/procs.py).

A cold `python -m emdrill` spends most of its CPU importing typer, rich, sqlmodel and fsrs
before it reads its first argument. This server imports emdrill's modules once, runs
nothing, and then, for each request a test sends over its socket (the argv, environment,
working directory, umask, signal state and the three file descriptors: a pty's slave or
pipes), forks a child that becomes what a cold start would have been:

- a real process with its own pid, made a child of the test process (the server forks
  twice and the test process is the "child subreaper" for that moment), so the test waits
  for it and reads its exit status or signal as with any child;
- its stdin/stdout/stderr are the descriptors sent (with a pty: a new session whose
  controlling terminal is that pty, so Ctrl-C, a resize and a hang-up reach it), with fresh
  `sys.std*` objects (a tty line-buffers, a pipe does not);
- the environment, cwd, umask, resource limits, `sys.argv`, `sys.path[0]`, the signal
  dispositions and mask a cold process would have, a fresh `random` state, TZ read again;
- it runs `emdrill` with `runpy` as `-m` does and leaves through the interpreter's own exit
  (atexit, thread join, flush of stdout, finalization, the exit status of an uncaught
  KeyboardInterrupt), not through os._exit.

Nothing stateful is inherited: the server only imports (no command runs, no store is
opened, no clock or environment variable is read by emdrill), so every child starts from
the same pristine modules. The few environment variables the libraries read while they
import (HOME and PYTHONUSERBASE for sysconfig, TYPER_USE_RICH, ...) are recorded and sent
to the test process, which starts a spawn cold when one of them differs from the server's.
What a cold start keeps and this does not: a fresh hash seed (every child shares the
server's) and the cost of the imports (which the tests that measure start-up or imports
keep by spawning cold: see tests/procs.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import importlib
import io
import json
import os
import pkgutil
import random
import resource
import runpy
import signal
import socket
import sys
import tempfile
import termios
import time
from typing import Any

if __name__ == "__main__":
    sys.path.pop(0)  # this folder: the children put their own cwd there, as -m does

_UNCATCHABLE = {signal.SIGKILL, signal.SIGSTOP}


def preload() -> list[str]:
    """Import every emdrill module (and the parts of the libraries they load lazily),
    running nothing: module bodies only define things. Returns the environment variables
    those imports read (a library that reads one at import keeps the server's value, so a
    spawn whose value differs must start cold: tests/procs.py checks)."""
    read: set[str] = set()
    environ = type(os.environ)
    getitem, listing = environ.__getitem__, environ.__iter__

    def record(self: Any, key: str) -> str:
        read.add(key)
        return getitem(self, key)

    def every(self: Any) -> Any:
        read.add("*")  # the whole environment was read (copied or listed)
        return listing(self)

    environ.__getitem__, environ.__iter__ = record, every  # type: ignore[method-assign]
    try:
        import emdrill

        for info in pkgutil.walk_packages(emdrill.__path__, "emdrill."):
            if not info.name.endswith("__main__"):
                importlib.import_module(info.name)
        for name in ("sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.sqlite.pysqlite",
                     "importlib.metadata"):
            importlib.import_module(name)
    finally:
        environ.__getitem__, environ.__iter__ = getitem, listing  # type: ignore[method-assign]
    return sorted(read)


def serve(channel: socket.socket) -> dict[str, Any] | None:
    """Answer requests until the test process goes away (None); in a child, its request."""
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(channel, 1 << 20, 3)
        except (ConnectionError, OSError):
            return None
        if not message:
            return None
        request = json.loads(message)
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            job, reply = _fork(request, fds, channel)
        except Exception as exc:  # the server goes on; the test sees why
            job, reply = None, {"error": [0, f"fork server: {exc!r}", ""]}
        if job is not None:
            return job  # in the child: its fds are 0-2 now
        for fd in fds:
            os.close(fd)
        channel.send(json.dumps(reply).encode())


def _fork(request: dict[str, Any], fds: list[int], channel: socket.socket,
          ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Fork the child (through a middle process that exits at once, so the child is
    adopted by the test process, the subreaper); in the child, (request, {})."""
    read_end, write_end = os.pipe()
    middle = os.fork()
    if middle == 0:  # the middle process: fork the child, then exit at once
        os.close(read_end)
        try:
            child = os.fork()
        except BaseException:
            os._exit(1)
        if child == 0:
            _become(request, fds, channel, write_end)
            return request, {}
        os._exit(0)
    os.close(write_end)
    os.waitpid(middle, 0)
    data = b""
    while chunk := os.read(read_end, 65536):
        data += chunk
    os.close(read_end)
    pid, _, error = data.decode().partition("\n")
    if not pid:
        return None, {"error": [0, "the fork server could not fork", ""]}
    reply: dict[str, Any] = {"pid": int(pid)}
    if error:
        reply["error"] = json.loads(error)
    return None, reply


def _become(request: dict[str, Any], fds: list[int], channel: socket.socket,
            report: int) -> None:
    """Turn this fresh child into the process a cold start would be; an error on the way
    (a missing cwd) goes to `report` and the child exits 255."""
    os.write(report, f"{os.getpid()}\n".encode())
    try:
        channel.detach()  # the fd is closed below; the object must not close it again
        if request["session"]:
            os.setsid()
        if request["tty"]:
            fcntl.ioctl(fds[0], termios.TIOCSCTTY, 0)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        top = min(1 << 20, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        os.closerange(3, report)
        os.closerange(report + 1, top)
        os.umask(request["umask"])
        for number, limits in request["limits"].items():  # the test process's, as exec keeps
            if resource.getrlimit(int(number)) != tuple(limits):
                resource.setrlimit(int(number), tuple(limits))
        try:
            os.chdir(request["cwd"])
        except OSError as exc:
            raise _Failed(exc.errno or 0, exc.strerror or "", request["cwd"]) from exc
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()
        _signals(set(request["ignored"]), set(request["blocked"]))
        sys.argv = ["-m", *request["argv"]]  # runpy puts __main__.py's path first, as -m
        sys.orig_argv = [sys.executable, "-m", "emdrill", *request["argv"]]
        sys.path.insert(0, os.getcwd())
        importlib.invalidate_caches()
        random.seed()  # fsrs fuzzes from `random`: a cold process draws a fresh seed
        tempfile.tempdir = None
        _fresh_stdio()
    except _Failed as exc:
        os.write(report, json.dumps(list(exc.args)).encode())
        os._exit(255)
    except BaseException as exc:
        os.write(report, json.dumps([0, f"{type(exc).__name__}: {exc}", ""]).encode())
        os._exit(255)
    os.close(report)


class _Failed(Exception):
    pass


def _signals(ignored: set[int], blocked: set[int]) -> None:
    """Dispositions as after exec (ignored stays ignored, handled becomes default), then
    what Python's start-up sets: SIGINT raises KeyboardInterrupt, SIGPIPE and SIGXFSZ are
    ignored."""
    for number in signal.valid_signals():
        if number in _UNCATCHABLE:
            continue
        with contextlib.suppress(OSError, ValueError):  # glibc's own real-time ones
            signal.signal(number, signal.SIG_IGN if number in ignored else signal.SIG_DFL)
    if signal.SIGINT not in ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _fresh_stdio() -> None:
    """sys.stdin/stdout/stderr over fds 0-2 as Python's start-up makes them: the same
    encoding and errors (the same locale and PYTHON* variables: tests/procs.py only forks
    when they match), line-buffered on a tty (stderr always)."""
    made = []
    for fd, old in enumerate((sys.__stdin__, sys.__stdout__, sys.__stderr__)):
        assert old is not None
        write = fd > 0
        raw = io.FileIO(fd, "wb" if write else "rb", closefd=False)
        raw.name = ("<stdin>", "<stdout>", "<stderr>")[fd]
        buffered: io.BufferedWriter | io.BufferedReader = (
            io.BufferedWriter(raw) if write else io.BufferedReader(raw))
        stream = io.TextIOWrapper(buffered, encoding=old.encoding, errors=old.errors,
                                  newline="\n", line_buffering=raw.isatty() or fd == 2)
        stream.mode = "w" if write else "r"  # type: ignore[misc]
        made.append(stream)
    for name, stream in zip(("stdin", "stdout", "stderr"), made, strict=True):
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def main() -> dict[str, Any] | None:
    channel = socket.socket(fileno=int(sys.argv[1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C at pytest's terminal is not ours
    read = preload()
    gc.collect()
    gc.freeze()  # the children share these pages and their collector skips them
    channel.send(json.dumps({"read": read}).encode())  # ready: what the imports read
    return serve(channel)


if __name__ == "__main__":
    job = main()
    if job is None:
        sys.exit(0)
    del job
    runpy.run_module("emdrill", run_name="__main__", alter_sys=True)
