"""Scenario 5: outcomes nobody is bound to, and a request the worker cannot survive."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping

import orjson
import pytest

from tests.fixtures.requests import accelerator_ids
from tests.reliability._broker import Request
from tests.reliability._checker import CREATED, assert_clean
from tests.reliability._requests import valid_requests
from tests.reliability._scenario import Scenario
from worker.amqp.topology import DELIVERY_LIMIT

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(240)]

_POISON_ACCELERATOR = "ga-poison"
_MAX_ROUNDS = DELIVERY_LIMIT + 3


async def test_outcomes_nobody_binds_land_in_unrouted_queue(
    scenario: Callable[..., Scenario],
) -> None:
    """With no binding on the events exchange, every outcome lands in the unrouted queue."""
    async with scenario("5a unrouted outcomes", activation_seconds=0.2, observe=False) as sc:
        accelerators = accelerator_ids("unrouted", 20)
        await sc.add_accelerators(accelerators)
        created = await sc.rig.publish(valid_requests(accelerators, 5), allowed={CREATED})
        invalid = [Request(body=b"{not json", message_id=f"unrouted-bad-{n}") for n in range(20)]
        await sc.rig.publish(invalid, allowed={"validation_error"})
        await sc.start_worker()
        assert await sc.rig.wait_complete(60), f"{len(sc.ledger.pending())} unanswered"
        sources = {d.source for d in sc.ledger.deliveries}
        report = await sc.finish(notes={"read_from": sorted(sources)})

    assert_clean(report)
    assert {sc.rig.topology.unrouted_queue} == sources
    assert {CREATED: created, "validation_error": 20} == dict(report.kinds)


def _is_poison(query: Mapping[str, str]) -> bool:
    return query.get("Action") == "CreateListener" and query.get("AcceleratorId") == (
        _POISON_ACCELERATOR
    )


async def test_request_that_kills_the_worker_is_dead_lettered(
    scenario: Callable[..., Scenario],
) -> None:
    """A request whose every delivery kills the worker ends in the dead-letter queue after the
    delivery limit, while the requests around it all get their outcomes.

    How the worker "cannot survive" it: the emulator holds the poison request's CreateListener
    and the test kills the worker process with SIGKILL while it waits — a crash on that one
    message (an OOM kill, a segfault in a C extension), delivery after delivery.
    """
    async with scenario("5b poison -> dead-letter queue", activation_seconds=0.2) as sc:
        sc.emulator.hold = _is_poison
        accelerators = accelerator_ids("dlq", 20)
        await sc.add_accelerators([*accelerators, _POISON_ACCELERATOR])
        poison = Request(
            body=orjson.dumps(
                {
                    "AcceleratorId": _POISON_ACCELERATOR,
                    "Name": "poison",
                    "Protocol": "tcp",
                    "PortRanges": [{"FromPort": 3000, "ToPort": 3000}],
                }
            ),
            message_id="poison-1",
        )
        await sc.rig.publish([poison])
        sc.ledger.expected_dead.add(poison.message_id)
        others = await sc.rig.publish(valid_requests(accelerators, 5), allowed={CREATED})

        kills = 0
        dead_queue = sc.rig.topology.dead_queue
        while await sc.rig.queue_length(dead_queue) == 0:
            assert kills < _MAX_ROUNDS, f"not dead-lettered after {kills} kills"
            # One delivery at a time while the poison kills workers: with more in flight, the
            # requests delivered alongside it die with each worker and reach the limit too.
            worker = await sc.start_worker(prefetch="1")
            held = await _wait_held(sc)
            if not held:
                break  # not redelivered again: dead-lettered meanwhile
            worker.kill()
            kills += 1
            sc.emulator.release()
        dead = await sc.rig.read_dead_letters()
        await sc.start_worker(prefetch="20")
        assert await sc.rig.wait_complete(90), f"{len(sc.ledger.pending())} unanswered"
        headers = dict(dead[0].headers or {}) if dead else {}
        report = await sc.finish(
            notes={
                "kills": kills,
                "poison_calls_held": sc.emulator.holds,
                "death": _death(headers),
            }
        )

    assert_clean(report)
    assert ["poison-1"] == [m.message_id for m in dead]
    assert {CREATED: others} == dict(report.kinds)
    assert kills >= DELIVERY_LIMIT


async def _wait_held(sc: Scenario, timeout: float = 30.0) -> bool:
    """Wait until the emulator holds the poison call (``True``) or it is dead-lettered."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sc.emulator.held.wait(), 0.25)
            return True
        if await sc.rig.queue_length(sc.rig.topology.dead_queue):
            return False
    ready = await sc.rig.queue_length(sc.rig.topology.request_queue)
    raise AssertionError(
        f"poison neither delivered nor dead-lettered: held {sc.emulator.holds} times, "
        f"{ready} ready, {sc.ledger.answered} answered"
    )


def _death(headers: Mapping[str, object]) -> str | None:
    deaths = headers.get("x-death")
    if isinstance(deaths, list) and deaths and isinstance(deaths[0], Mapping):
        death = deaths[0]
        return f"{death.get('reason')} from {death.get('queue')}"
    return None
