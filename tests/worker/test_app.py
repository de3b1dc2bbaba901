"""Tests for worker.app: graceful shutdown drains or leaves work for redelivery, never loses it."""

from __future__ import annotations

import uuid

import aio_pika
import pytest

from tests.fixtures.amqp import ReceivedOutcome, Rig, wait_until
from tests.fixtures.requests import tcp_body
from worker.app import Worker, emulator_settings


async def _publish_batch(rig: Rig, count: int) -> list[str]:
    message_ids = []
    for index in range(count):
        accelerator = f"ga-drain-{index}"
        await rig.admin.add_accelerator(accelerator)
        message_id = str(uuid.uuid4())
        await rig.publish(tcp_body(accelerator), message_id=message_id)
        message_ids.append(message_id)
    return message_ids


async def _all_outcomes(rig: Rig) -> list[ReceivedOutcome]:
    """Every outcome published so far: a barrier event marks the end of what is queued."""
    channel = await rig.connection.channel(publisher_confirms=True)
    exchange = await channel.get_exchange(rig.topology.events_exchange)
    await exchange.publish(aio_pika.Message(b"{}", message_id="barrier"), routing_key="barrier")
    received = []
    while (outcome := await rig.events.next()).message_id != "barrier":
        received.append(outcome)
    await channel.close()
    return received


async def test_stop_lets_in_flight_requests_finish(rig: Rig) -> None:
    """Requests mid-poll when the stop comes finish within the grace, are published and acked."""
    await rig.admin.configure(activation_seconds=1.0)
    handle = await rig.start_worker(rig.settings)
    message_ids = await _publish_batch(rig, 4)
    await wait_until(lambda: handle.worker.consumer.in_flight == 4)
    await handle.stop(grace=30.0)
    outcomes = await _all_outcomes(rig)
    expected = (sorted(message_ids), {"listener.created"}, 0)
    actual = (
        sorted(o.event["data"]["request_message_id"] for o in outcomes),
        {o.routing_key for o in outcomes},
        await rig.depth(),
    )
    assert expected == actual


async def test_stop_past_the_grace_loses_nothing(rig: Rig) -> None:
    """Cancelled mid-poll, requests go back to the queue; a new worker answers each exactly once."""
    await rig.admin.configure(activation_seconds=2.0)
    handle = await rig.start_worker(rig.settings)
    message_ids = await _publish_batch(rig, 4)
    await wait_until(lambda: handle.worker.consumer.in_flight == 4)
    await wait_until(lambda: len(rig.emulator.state.listeners) == 4)
    await handle.stop(grace=0.0)
    outcomes_after_stop = await _all_outcomes(rig)
    depth_after_stop = await rig.depth()

    second = await rig.start_worker(rig.settings)
    received = [await rig.events.next() for _ in message_ids]
    await second.stop()
    received += await _all_outcomes(rig)
    state = await rig.admin.state()
    expected = ([], 4, sorted(message_ids), 4)
    actual = (
        outcomes_after_stop,
        depth_after_stop,
        sorted(o.event["data"]["request_message_id"] for o in received),
        len(state["listeners"]),
    )
    assert expected == actual


async def test_stop_is_idempotent(rig: Rig) -> None:
    """Stopping twice is harmless (a signal during the drain, say)."""
    handle = await rig.start_worker(rig.settings)
    await handle.worker.stop(grace=0.0)
    await handle.worker.stop(grace=0.0)
    expected = False
    assert expected == await handle.is_ready()


async def test_unreachable_broker_fails_start(rig: Rig) -> None:
    """No broker at the URL: start raises a connection error instead of hanging."""
    settings = rig.settings.model_copy(update={"amqp_url": "amqp://guest:guest@127.0.0.1:1/"})
    worker = Worker(settings)
    with pytest.raises(ConnectionError):
        await worker.start()


def test_emulator_settings_use_the_emulators_credentials(rig: Rig) -> None:
    """--emulator points the client at the emulator with testid/testsecret."""
    settings = emulator_settings(rig.settings, "http://127.0.0.1:1234")
    credentials = settings.credentials()
    assert credentials is not None
    expected = ("http://127.0.0.1:1234", "testid", "testsecret")
    actual = (settings.ga_endpoint, credentials.access_key_id, credentials.access_key_secret)
    assert expected == actual
