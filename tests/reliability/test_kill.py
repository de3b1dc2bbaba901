"""Scenario 1: ``kill -9`` of the worker process with hundreds of requests in flight."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.fixtures.requests import accelerator_ids
from tests.reliability._checker import CREATED, assert_clean
from tests.reliability._processes import WorkerProcess
from tests.reliability._requests import valid_requests
from tests.reliability._scenario import Scenario

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(180)]

_ACCELERATORS = 100
_PER_ACCELERATOR = 4
_MIN_IN_FLIGHT = 100
_PROGRESS = 30


async def _busy(sc: Scenario, worker: WorkerProcess, total: int, timeout: float = 60.0) -> int:
    """Wait until ``worker`` made progress and holds at least 100 requests; return how many.

    Held = delivered and not yet answered: neither ready in the queue nor with an outcome.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    answered_at_start = sc.ledger.answered
    while loop.time() < deadline:
        if sc.ledger.answered >= answered_at_start + _PROGRESS:
            ready = await sc.rig.queue_length(sc.rig.topology.request_queue)
            in_flight = total - ready - sc.ledger.answered
            if in_flight >= _MIN_IN_FLIGHT:
                return in_flight
        await asyncio.sleep(0.02)
    raise AssertionError(f"worker never busy: {sc.ledger.answered} answered; {worker.tail()}")


async def test_kill_9_twice_then_restart(scenario: Callable[..., Scenario]) -> None:
    """Two SIGKILLs mid-run and a restart: every request ends created, no listener twice."""
    async with scenario("1 kill -9 x2 + restart", activation_seconds=1.0) as sc:
        accelerators = accelerator_ids("kill", _ACCELERATORS)
        await sc.add_accelerators(accelerators)
        total = await sc.rig.publish(
            valid_requests(accelerators, _PER_ACCELERATOR), allowed={CREATED}
        )
        in_flight = []
        answered_at_kill = []
        for _ in range(2):
            worker = await sc.start_worker(prefetch=str(total))
            in_flight.append(await _busy(sc, worker, total))
            worker.kill()
            answered_at_kill.append(sc.ledger.answered)
        await sc.start_worker(prefetch=str(total))
        assert await sc.rig.wait_complete(90), f"{len(sc.ledger.pending())} requests unanswered"

        report = await sc.finish(
            notes={
                "kills": 2,
                "in_flight_at_kill": in_flight,
                "answered_at_kill": answered_at_kill,
            }
        )

    assert_clean(report)
    assert {CREATED: total} == dict(report.kinds)
