"""How the long-running commands (``run``, ``emulator``) run: uvloop, and a collector tuned for
a server.

**Event loop.** uvloop runs the same asyncio code on libuv; measured here it takes about a
quarter off the CPU of one aiohttp client call and 5 to 8 % off the worker's and the emulator's
CPU per request in the throughput benchmark. ``GA_WORKER_EVENT_LOOP=asyncio`` keeps the standard
loop (for instance to rule uvloop out when chasing a bug); ``uvloop`` insists on it.

**Garbage collector.** Nearly every object a request makes dies by reference counting, yet the
cyclic collector's default generation-0 threshold (700 net container allocations) ran it about
every twenty requests, each time re-walking young objects, and its full collections walk every
module, schema and validator loaded at start. Measured in the throughput benchmark: 0.46 s of
collections for 5,200 requests (~90 µs a request) before, 0.03 s after. So: what start-up
loaded is frozen (never garbage, never walked again) and generation 0 waits for 20,000 net
allocations. Cycles are still collected, as live objects grow (thousands of requests in flight).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import signal
from collections.abc import AsyncIterator, Coroutine
from types import ModuleType
from typing import Any, Final, Literal, TypeVar

__all__ = [
    "GC_THRESHOLD",
    "EventLoopChoice",
    "run",
    "stop_on_signals",
    "tune_gc",
    "uvloop_module",
]

EventLoopChoice = Literal["auto", "uvloop", "asyncio"]

#: Net container allocations between generation-0 collections (CPython's default: 700).
GC_THRESHOLD: Final = 20_000

_T = TypeVar("_T")


def uvloop_module(choice: EventLoopChoice = "auto") -> ModuleType | None:
    """uvloop if ``choice`` wants it and it is installed (``RuntimeError`` if required, absent)."""
    if choice == "asyncio":
        return None
    try:
        return importlib.import_module("uvloop")
    except ImportError:
        if choice == "uvloop":
            raise RuntimeError("GA_WORKER_EVENT_LOOP=uvloop but uvloop is not installed") from None
        return None


def tune_gc(threshold: int = GC_THRESHOLD) -> None:
    """Freeze what is allocated so far and raise the generation-0 threshold to ``threshold``."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(threshold, gen1, gen2)


def run(main: Coroutine[Any, Any, _T], choice: EventLoopChoice = "auto") -> _T:
    """``asyncio.run(main)`` on the loop ``choice`` names, with the collector tuned."""
    uvloop = uvloop_module(choice)
    tune_gc()
    if uvloop is not None:
        result: _T = uvloop.run(main)
        return result
    return asyncio.run(main)


@contextlib.asynccontextmanager
async def stop_on_signals() -> AsyncIterator[asyncio.Event]:
    """An event SIGTERM or SIGINT sets, for the span of the block (the handlers go after it)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    try:
        yield stop
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
