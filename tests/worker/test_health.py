"""Tests for worker.health: liveness, readiness that follows the consumer, Prometheus metrics."""

from __future__ import annotations

import aiohttp

from tests.fixtures.amqp import Rig, wait_until
from worker.health import HealthServer
from worker.metrics import Metrics


async def _status(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(url) as response:
        return response.status


async def test_probes_of_a_running_worker(rig: Rig) -> None:
    """/healthz and /readyz answer 200, /metrics is Prometheus text with the worker's counters."""
    await rig.admin.add_accelerator("ga-health")
    handle = await rig.start_worker(rig.settings, health_port=0)
    health = handle.worker.health
    assert health is not None
    base = f"http://127.0.0.1:{health.port}"
    await rig.publish(
        b'{"AcceleratorId": "ga-health", "Protocol": "tcp"}', message_id="req-health"
    )
    await rig.events.next()
    async with aiohttp.ClientSession() as session:
        healthz = await _status(session, f"{base}/healthz")
        readyz = await _status(session, f"{base}/readyz")
        async with session.get(f"{base}/metrics") as response:
            content_type = response.content_type
            metrics = await response.text()

        async def loop_lag_observed() -> bool:
            async with session.get(f"{base}/metrics") as response:
                text = await response.text()
            return "ga_worker_event_loop_lag_seconds_count 0.0" not in text

        await wait_until(loop_lag_observed)
    expected = (200, 200, "text/plain", True, True)
    actual = (
        healthz,
        readyz,
        content_type,
        'ga_worker_requests_total{error_type="validation_error",outcome="failed"} 1.0' in metrics,
        "ga_worker_event_loop_lag_seconds_bucket" in metrics,
    )
    assert expected == actual


async def test_readyz_is_503_while_the_consumer_is_cancelled(rig: Rig) -> None:
    """Deleting the request queue makes /readyz 503 until the worker consumes again."""
    handle = await rig.start_worker(rig.settings, health_port=0)
    assert handle.worker.health is not None
    url = f"http://127.0.0.1:{handle.worker.health.port}/readyz"
    channel = await rig.connection.channel()
    seen: list[int] = []
    async with aiohttp.ClientSession() as session:

        async def status_is(code: int) -> bool:
            seen.append(await _status(session, url))
            return seen[-1] == code

        await channel.queue_delete(rig.topology.request_queue, if_unused=False, if_empty=False)
        await wait_until(lambda: status_is(503))
        await wait_until(lambda: status_is(200))
    expected = (True, 200)
    assert expected == (503 in seen, seen[-1])


async def test_not_ready_means_503() -> None:
    """The server reports what the readiness callback says."""
    metrics = Metrics()

    async def never() -> bool:
        return False

    server = HealthServer(readiness=never, metrics=metrics, host="127.0.0.1", port=0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            statuses = (
                await _status(session, f"http://127.0.0.1:{server.port}/healthz"),
                await _status(session, f"http://127.0.0.1:{server.port}/readyz"),
            )
    finally:
        await server.stop()
    expected = (200, 503)
    assert expected == statuses
