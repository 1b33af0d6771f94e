"""A real pseudo-terminal read the way a person sees it.

`Term` runs emdrill under pexpect in a pty of a given size and feeds everything it writes
to a pyte terminal emulator, so tests assert on the rendered screen (what is on which line
after cursor moves, clears and redraws), not on the byte stream. The program is a process
of its own in that pty, started from the fork server (tests/procs.py). `FakeClock` is the
file behind EMDRILL_TEST_CLOCK: the on-screen timers read it, so a test moves time without
sleeping. Every screen test (drill, commute, decoding, mock, the printed screens) uses these.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from pathlib import Path

import pexpect
import pyte

from procs import EMDRILL, PtySpawn

SIZES = {"80x24": (80, 24), "100x30": (100, 30), "40x20": (40, 20)}
TIMEOUT = 20.0


class Term:
    def __init__(self, *args: str, cols: int = 80, rows: int = 24,
                 env: Mapping[str, str] | None = None, timeout: float = TIMEOUT) -> None:
        self.rows, self.cols = rows, cols
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        # No COLUMNS / LINES: the program must read the pty's size (and follow a resize).
        base = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        self.child = PtySpawn(EMDRILL[0], [*EMDRILL[1:], *args],
                            env={**base, "TERM": "xterm-256color", **(env or {})},
                            dimensions=(rows, cols), timeout=timeout)
        # Keys go out as the test types them: a wait for the screen comes before each one
        # that matters, so pexpect's own pause before every write only costs time.
        self.child.delaybeforesend = None
        self.timeout = timeout
        self.transcript = b""

    # ------------------------------------------------------------ reading

    def pump(self, wait: float = 0.05) -> bool:
        """Feed what the program wrote so far; False once it has exited."""
        while True:
            try:
                data = self.child.read_nonblocking(65536, timeout=wait)
            except pexpect.TIMEOUT:
                return True
            except pexpect.EOF:
                return False
            self.transcript += data
            self.stream.feed(data)
            wait = 0.02

    @property
    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def flat(self) -> str:
        """The screen with line breaks and runs of spaces folded, for phrases that wrap."""
        return " ".join(self.text.split())

    def wait_for(self, pattern: str, *, timeout: float | None = None, flat: bool = False,
                 ) -> re.Match[str]:
        """Wait until `pattern` (a regex) is on the screen as rendered, line by line or (for
        phrases that wrap) folded flat; with `flat`, only folded. Fail showing the screen."""
        deadline = time.monotonic() + (timeout or self.timeout)
        wait = 0.0  # first what has arrived (ended by a quiet spell), then wait for more
        while True:
            alive = self.pump(wait)
            wait = 0.05
            found = ((None if flat else re.search(pattern, self.text))
                     or re.search(pattern, self.flat()))
            if found:
                return found
            if not alive or time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not on screen:\n{self.text}")

    def settle(self, quiet: float = 0.3) -> str:
        """Wait until nothing new is drawn for `quiet` seconds; the screen then. Costs
        `quiet` at least: a test waits for what it expects instead (`wait_for`, `wait_new`),
        and settles only to prove that nothing more is drawn."""
        while self.pump(quiet) and self._pending(quiet):
            pass
        return self.text

    def _pending(self, quiet: float) -> bool:
        try:
            data = self.child.read_nonblocking(65536, timeout=quiet)
        except (pexpect.TIMEOUT, pexpect.EOF):
            return False
        self.transcript += data
        self.stream.feed(data)
        return True

    # ------------------------------------------------------------ typing

    def press(self, *keys: str, then: str | None = None) -> None:
        """Type keys one at a time; with `then`, wait for that pattern afterwards."""
        for key in keys:
            self.child.send(key)
            self.pump(0.05)
        if then is not None:
            self.wait_for(then)

    def wait_new(self, pattern: str, *, since: int) -> bool:
        """Wait until `pattern` (a regex) is in what the program wrote after byte `since` of
        the transcript (not on the screen: a prompt drawn again where it stood counts), or
        until the program has exited; True if it is still running."""
        deadline = time.monotonic() + self.timeout
        wait = 0.0
        while True:
            alive = self.pump(wait)
            wait = 0.05
            if re.search(pattern, self.transcript[since:].decode("utf-8", "replace")):
                return alive
            if not alive:
                return False
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not written again:\n{self.text}")

    def resize(self, cols: int, rows: int) -> None:
        self.screen.resize(rows, cols)
        self.child.setwinsize(rows, cols)

    def finish(self) -> str:
        """Wait for the program to exit; the final screen (`exitstatus` says how it ended)."""
        deadline = time.monotonic() + self.timeout
        while self.pump(0.1):
            if not self.child.isalive() or time.monotonic() > deadline:
                self.pump(0.1)
                break
        if not self.child.isalive():  # exited and reaped: no time to give the kernel
            self.child.ptyproc.delayafterclose = 0
        self.child.close()
        return self.text

    @property
    def exitstatus(self) -> int | None:
        return self.child.exitstatus  # type: ignore[no-any-return]


class FakeClock:
    """The file behind EMDRILL_TEST_CLOCK: the screen's timers read it on every tick."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.set(0)

    def set(self, seconds: float) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(str(seconds), encoding="utf-8")
        tmp.replace(self.path)  # atomic: a tick never reads a half-written number

    @property
    def env(self) -> dict[str, str]:
        return {"EMDRILL_TEST_CLOCK": str(self.path)}


def ansi_free(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
