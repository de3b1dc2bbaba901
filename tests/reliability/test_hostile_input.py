"""Scenario 4: thousands of hostile messages against one worker process."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable

import pytest

from tests.reliability._broker import Request
from tests.reliability._checker import assert_clean
from tests.reliability._hostile import FAMILIES, KNOWN_ACCELERATORS, Hostile, generate
from tests.reliability._scenario import Scenario

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(240)]

_RSS_GROWTH_LIMIT_KIB = 50 * 1024
_WARM_UP_ROUNDS = 1


def _request(index: int, hostile: Hostile) -> Request:
    return Request(
        body=hostile.body,
        content_type=hostile.content_type,
        message_id=f"hostile-{index}-{hostile.family}-{uuid.uuid4().hex[:8]}",
    )


async def test_hostile_input(scenario: Callable[..., Scenario]) -> None:
    """Every hostile message gets its one outcome; the worker never restarts; RSS stays flat."""
    messages = [h for strategy, count in FAMILIES.values() for h in generate(strategy, count)]
    families = Counter(h.family for h in messages)
    async with scenario("4 hostile input (hypothesis)", activation_seconds=0.0) as sc:
        await sc.add_accelerators(KNOWN_ACCELERATORS, quota=5000)
        worker = await sc.start_worker(prefetch="64")
        pid = worker.pid
        index = 0

        async def send_round() -> None:
            nonlocal index
            for hostile in messages:
                request = _request(index, hostile)
                index += 1
                await sc.rig.publish([request], allowed=hostile.allowed)
            assert await sc.rig.wait_complete(120), (
                f"{len(sc.ledger.pending())} unanswered: {worker.tail()}"
            )

        for _ in range(_WARM_UP_ROUNDS):
            await send_round()
        rss_after_warm_up = worker.status_kib("VmRSS")
        await send_round()
        rss_at_end = worker.status_kib("VmRSS")
        crashes = await worker.metric("ga_worker_pipeline_crashes_total")
        assert worker.alive
        assert pid == worker.pid
        report = await sc.finish(
            notes={
                "families": dict(families),
                "rss_kib_after_warm_up": rss_after_warm_up,
                "rss_kib_at_end": rss_at_end,
                "same_pid": pid == worker.pid,
            }
        )

    assert_clean(report)
    assert 0 == crashes
    assert rss_at_end - rss_after_warm_up < _RSS_GROWTH_LIMIT_KIB
