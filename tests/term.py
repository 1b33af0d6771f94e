"""A real pseudo-terminal read the way a person sees it: pexpect runs the CLI, pyte renders
its output into a ROWSxCOLS screen, and tests wait for text on that screen."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pexpect
import pyte

TIMEOUT = 20.0


class Term:
    def __init__(self, args: list[str], *, rows: int, cols: int,
                 extra_env: dict[str, str] | None = None) -> None:
        env = {**os.environ, "COLUMNS": str(cols), "LINES": str(rows), "TERM": "xterm",
               **(extra_env or {})}
        self.rows, self.cols = rows, cols
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.Stream(self.screen)
        self.raw = ""
        self.child = pexpect.spawn(sys.executable, ["-m", "emdrill", *args], env=env,
                                   encoding="utf-8", timeout=TIMEOUT, dimensions=(rows, cols))
        self.ended = False

    def pump(self, wait: float = 0.05) -> None:
        try:
            data = self.child.read_nonblocking(65536, timeout=wait)
        except pexpect.TIMEOUT:
            return
        except pexpect.EOF:
            self.ended = True
            return
        self.raw += data
        self.stream.feed(data)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def flat(self) -> str:
        """The screen as one string, lines joined by spaces: wrapped text reads whole."""
        return re.sub(r"\s+", " ", " ".join(line.strip() for line in self.screen.display))

    def wait_for(self, pattern: str, *, timeout: float = TIMEOUT) -> re.Match[str]:
        """Until `pattern` (a regex) is on the screen, as rendered."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.text()) or re.search(pattern, self.flat())
            if found:
                return found
            if self.ended or time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not on screen:\n{self.text()}")
            self.pump()

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def finish(self) -> int:
        deadline = time.monotonic() + TIMEOUT
        while not self.ended and time.monotonic() < deadline:
            self.pump(0.2)
        self.child.close()
        return int(self.child.exitstatus or 0)


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
