"""Reading a py-spy ``--format raw`` profile: where the worker's busy samples went.

Each line of the raw (collapsed) format is ``frame;frame;...;leaf count``, a frame being
``function (file:line)``. Idle threads are not sampled, so the shares are of busy time.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = ["Profile", "read_profile"]

_FRAME: Final = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]*)(?::\d+)?\)$")
# Package of a frame, by path fragment: first match wins.
_PACKAGES: Final = (
    ("/worker/emulator/", "emulator"),
    ("/worker/", "worker"),
    ("/handlers/", "handlers"),
    ("/schemas/", "schemas"),
    ("/aio_pika/", "aio_pika"),
    ("/aiormq/", "aiormq"),
    ("/pamqp/", "pamqp"),
    ("/aiohttp/", "aiohttp"),
    ("/yarl/", "yarl"),
    ("/multidict/", "multidict"),
    ("/structlog/", "structlog"),
    ("/pydantic", "pydantic"),
    ("/prometheus_client/", "prometheus_client"),
    ("/tenacity/", "tenacity"),
    ("/asyncio/", "asyncio"),
    ("/logging/", "logging"),
)


# Frames every sample passes through (process start, event loop): no information.
_SCAFFOLDING: Final = (
    "/click/",
    "/asyncio/runners.py",
    "/asyncio/base_events.py",
    "/asyncio/events.py",
    "/worker/cli/_run.py",
    "/_probe_worker.py",
    "/ga-listener-worker",
)


def _package(path: str) -> str:
    path = "/" + path  # py-spy writes paths relative to sys.path entries
    for fragment, name in _PACKAGES:
        if fragment in path:
            return name
    return "other"


def _scaffolding(path: str) -> bool:
    path = "/" + path
    return any(fragment in path for fragment in _SCAFFOLDING)


def _split(frame: str) -> tuple[str, str]:
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip(), ""
    return match["func"], match["file"]


@dataclass(slots=True)
class Profile:
    """Busy samples, and their shares by leaf package and by function (inclusive)."""

    samples: int
    self_by_package: Counter[str]
    self_by_function: Counter[tuple[str, str]]  # (function, short file) -> samples as the leaf
    inclusive: Counter[tuple[str, str]]  # (function, short file) -> samples with it on the stack

    def share(self, count: int) -> float:
        """``count`` as a percentage of all samples."""
        return 100.0 * count / self.samples if self.samples else 0.0


def _short(path: str) -> str:
    for marker in ("site-packages/", "/work/main/", "python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def read_profile(path: Path) -> Profile:
    """Parse a raw py-spy profile."""
    total = 0
    self_by_package: Counter[str] = Counter()
    self_by_function: Counter[tuple[str, str]] = Counter()
    inclusive: Counter[tuple[str, str]] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_split(f) for f in stack.split(";") if f.strip()]
        # py-spy's first frame is the thread ("process 123:...") in some modes; skip non-frames.
        frames = [(func, file) for func, file in frames if file]
        if not frames:
            continue
        leaf_func, leaf_file = frames[-1]
        self_by_package[_package(leaf_file)] += count
        self_by_function[(leaf_func, _short(leaf_file))] += count
        for key in {(func, _short(file)) for func, file in frames if not _scaffolding(file)}:
            inclusive[key] += count
    return Profile(
        samples=total,
        self_by_package=self_by_package,
        self_by_function=self_by_function,
        inclusive=inclusive,
    )
