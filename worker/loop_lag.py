"""How late the event loop runs: a timer that notes how much later than asked it fires.

A worker holding thousands of requests does all its work on one thread; when that thread is
saturated, every ready callback (a poll answer, a confirm, an ack) waits behind the others.
That wait is the lag, and it is what an operator needs to see before timeouts start: scale out
when ``ga_worker_event_loop_lag_seconds`` climbs. One sleeping task, four wake-ups a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

__all__ = ["LoopLagMonitor"]


class LoopLagMonitor:
    """Calls ``observe(lag_seconds)`` every ``period`` seconds while started."""

    def __init__(self, observe: Callable[[float], None], *, period: float = 0.25) -> None:
        if period <= 0:
            raise ValueError("the loop lag period must be > 0")
        self._observe = observe
        self._period = period
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start measuring on the running loop (idempotent)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ga-worker-loop-lag")

    async def stop(self) -> None:
        """Stop measuring (idempotent)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        # perf_counter, not loop.time(): uvloop's clock is cached per iteration in milliseconds.
        while True:
            asked = time.perf_counter() + self._period
            await asyncio.sleep(self._period)
            self._observe(max(0.0, time.perf_counter() - asked))
