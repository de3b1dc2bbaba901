"""The event loop of the long-running commands (``run``, ``emulator``): uvloop where installed.

uvloop runs the same asyncio code on libuv; measured here it takes about a quarter off the CPU
of one aiohttp client call and 5 to 8 % off the worker's and the emulator's CPU per request in
the throughput benchmark. ``GA_WORKER_EVENT_LOOP=asyncio`` keeps the standard loop (for instance
to rule uvloop out when chasing a bug); ``uvloop`` insists on it.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Coroutine
from types import ModuleType
from typing import Any, Literal, TypeVar

__all__ = ["EventLoopChoice", "run", "uvloop_module"]

EventLoopChoice = Literal["auto", "uvloop", "asyncio"]

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


def run(main: Coroutine[Any, Any, _T], choice: EventLoopChoice = "auto") -> _T:
    """``asyncio.run(main)`` on the loop ``choice`` names."""
    uvloop = uvloop_module(choice)
    if uvloop is not None:
        result: _T = uvloop.run(main)
        return result
    return asyncio.run(main)
