"""A one-line progress display on stderr while ``submit --wait`` waits on many outcomes.

Only on a terminal: redirected stderr (CI, a log file) gets nothing, so it never fills logs with
carriage returns. Lines printed to stdout meanwhile go through :meth:`Progress.echo`, which
clears the progress line first so the two never mix.
"""

from __future__ import annotations

import sys
from typing import TextIO

__all__ = ["Progress"]

_CLEAR = "\r\x1b[K"


class Progress:
    """Counts outcomes and redraws ``waiting: 3/10 outcomes (2 created, 1 failed), 25s left``."""

    def __init__(self, total: int, *, stream: TextIO | None = None, enabled: bool | None = None):
        self._stream = stream if stream is not None else sys.stderr
        self._enabled = (total > 1 and self._stream.isatty()) if enabled is None else enabled
        self.total = total
        self.created = 0
        self.failed = 0

    def count(self, *, created: bool) -> None:
        """Record one outcome."""
        if created:
            self.created += 1
        else:
            self.failed += 1

    def line(self, seconds_left: float) -> str:
        """The progress text (without control codes)."""
        done = self.created + self.failed
        return (
            f"waiting: {done}/{self.total} outcomes ({self.created} created, "
            f"{self.failed} failed), {seconds_left:.0f}s left"
        )

    def draw(self, seconds_left: float) -> None:
        """Redraw the line in place."""
        if self._enabled:
            self._stream.write(_CLEAR + self.line(seconds_left))
            self._stream.flush()

    def echo(self, text: str, out: TextIO) -> None:
        """Print ``text`` as a line of ``out`` without tearing the progress line."""
        if self._enabled:
            self._stream.write(_CLEAR)
            self._stream.flush()
        out.write(text + "\n")
        out.flush()

    def close(self) -> None:
        """Remove the progress line."""
        if self._enabled:
            self._stream.write(_CLEAR)
            self._stream.flush()
