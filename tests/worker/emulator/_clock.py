"""A clock the emulator tests set and move by hand."""

from __future__ import annotations


class Clock:
    """Returns ``now``, whatever a test last made it."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
