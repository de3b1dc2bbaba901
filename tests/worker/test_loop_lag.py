"""Tests for worker.loop_lag: a blocked loop shows up as lag, an idle one as almost none."""

from __future__ import annotations

import asyncio
import time

import pytest

from worker.loop_lag import LoopLagMonitor


async def test_a_blocked_loop_is_seen_as_lag() -> None:
    """Blocking the thread for 0.2 s makes the next observation at least about that late."""
    seen: list[float] = []
    monitor = LoopLagMonitor(seen.append, period=0.02)
    monitor.start()
    await asyncio.sleep(0.1)
    idle = list(seen)
    time.sleep(0.2)  # noqa: ASYNC251 - on purpose: the loop stalls, as under a CPU-bound burst
    await asyncio.sleep(0.1)
    await monitor.stop()
    expected = (True, True)
    assert expected == (len(idle) >= 2 and max(idle) < 0.1, max(seen) >= 0.15), (idle, seen)


async def test_stop_ends_the_observations() -> None:
    """After stop nothing more is observed; stop and start are idempotent."""
    seen: list[float] = []
    monitor = LoopLagMonitor(seen.append, period=0.01)
    monitor.start()
    monitor.start()
    await asyncio.sleep(0.05)
    await monitor.stop()
    await monitor.stop()
    count = len(seen)
    await asyncio.sleep(0.05)
    assert (count > 0, len(seen)) == (True, count)


def test_the_period_must_be_positive() -> None:
    """A zero period is refused at once."""
    with pytest.raises(ValueError, match="period"):
        LoopLagMonitor(lambda _lag: None, period=0)
