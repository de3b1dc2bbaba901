"""Tests for worker.amqp.consumer with the real broker, the real GA client and the emulator.

Each test runs a worker in-process on random queue and exchange names, publishes requests as an
upstream system would, and reads the outcomes from the events exchange.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from handlers.ports import CallTrace
from schemas.request import CreateListenerRequest
from tests.fixtures.amqp import OutcomeTap, Rig, fast_client, random_name, settings_for, wait_until
from tests.fixtures.requests import tcp_body
from worker.amqp.topology import declare
from worker.ga.client import GaClient
from worker.ga.credentials import Credentials

EXAMPLES = Path(__file__).resolve().parents[3] / "deploy" / "examples"
VALID = [
    pytest.param(orjson.loads(p.read_bytes()), id=p.stem)
    for p in sorted(EXAMPLES.glob("valid-*.json"))
]


@pytest.mark.parametrize("body", VALID)
async def test_every_listener_kind_is_created(body: dict[str, Any], rig: Rig) -> None:
    """A valid request yields ga.listener.created on listener.created, correlated, replied."""
    await rig.admin.add_accelerator(body["AcceleratorId"])
    reply_queue = random_name("reply")
    replies = await OutcomeTap.open(rig.connection, "", queue=reply_queue)
    handle = await rig.start_worker(rig.settings)
    await rig.publish(body, message_id="req-1", correlation_id="corr-1", reply_to=reply_queue)
    outcome = await rig.events.next()
    reply = await replies.next()
    await handle.stop()
    state = await rig.admin.state()
    event = outcome.event
    expected = (
        "listener.created",
        "ga.listener.created",
        {"ce-type": "ga.listener.created"},
        "corr-1",
        state["listeners"][0]["ListenerId"],
        "active",
        outcome.body,
        0,
    )
    actual = (
        outcome.routing_key,
        event["type"],
        outcome.headers,
        outcome.correlation_id,
        event["data"]["listener_id"],
        event["data"]["state"],
        reply.body,
        await rig.depth(),
    )
    assert expected == actual


Setup = Callable[[Rig, dict[str, Any]], Awaitable[None]]


async def _nothing(_rig: Rig, _body: dict[str, Any]) -> None:
    return None


async def _throttle(rig: Rig, _body: dict[str, Any]) -> None:
    await rig.admin.faults(1, [{"action": "CreateListener", "kind": "throttle", "rate": 1.0}])


async def _slow(rig: Rig, _body: dict[str, Any]) -> None:
    await rig.admin.configure(activation_seconds=600.0)


async def _lost_listener(rig: Rig, body: dict[str, Any]) -> None:
    # Create the listener with the request's own ClientToken and delete it: the worker's
    # CreateListener then gets that listener back (idempotency) and polls it while deleting.
    await rig.admin.configure(activation_seconds=60.0, deletion_seconds=60.0)
    credentials = Credentials("testid", "testsecret")
    async with GaClient(endpoint=rig.emulator.url, credentials=credentials) as client:
        request = CreateListenerRequest.model_validate(body)
        listener_id = await client.create_listener(request, CallTrace())
        await client.delete_listener(
            region_id="cn-hangzhou", listener_id=listener_id, accelerator_id=body["AcceleratorId"]
        )


ERROR_CASES = [
    pytest.param(
        tcp_body("ga-known", 65500),
        _nothing,
        {},
        ("validation_error", "SystemPort.Listener"),
        id="validation_error",
    ),
    pytest.param(
        tcp_body("ga-unknown"), _nothing, {}, ("api_error", "NotExist.Accelerator"), id="api_error"
    ),
    pytest.param(
        tcp_body("ga-known"), _nothing, {"access_key_secret": "wrong"}, ("auth_error", None),
        id="auth_error",
    ),
    pytest.param(
        tcp_body("ga-known"),
        _throttle,
        {},
        ("retries_exhausted", "Throttling.User"),
        id="retries_exhausted",
    ),
    pytest.param(
        tcp_body("ga-known"),
        _slow,
        {"poll_timeout": 0.3},
        ("poll_timeout", "PollTimeout"),
        id="poll_timeout",
    ),
    pytest.param(
        tcp_body("ga-known", ClientToken="tok-lost"),
        _lost_listener,
        {},
        ("listener_failed", "deleting"),
        id="listener_failed",
    ),
]


@pytest.mark.parametrize(("body", "setup", "overrides", "expected_error"), ERROR_CASES)
async def test_each_error_type_is_reached_and_routed(
    body: dict[str, Any],
    setup: Setup,
    overrides: dict[str, Any],
    expected_error: tuple[str, str | None],
    rig: Rig,
) -> None:
    """Each error.type of the contract ends as ga.listener.failed on listener.failed.<type>."""
    await rig.admin.add_accelerator("ga-known")
    await setup(rig, body)
    settings = settings_for(rig.settings, **overrides)
    await rig.start_worker(settings, api=fast_client(settings))
    await rig.publish(body, message_id="req-err")
    outcome = await rig.events.next()
    error = outcome.event["data"]["error"]
    error_type, code = expected_error
    expected = (f"listener.failed.{error_type}", "ga.listener.failed", error_type, code)
    actual = (
        outcome.routing_key,
        outcome.event["type"],
        error["type"],
        error["code"] if code is not None else None,
    )
    assert expected == actual


async def test_hostile_input_is_acked_as_validation_error(rig: Rig) -> None:
    """Not JSON, wrong shape, wrong content type, huge: one validation_error each, all acked."""
    handle = await rig.start_worker(rig.settings)
    bodies: list[tuple[bytes, str | None]] = [
        (b"\xff\xfe not json", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"<xml/>", "text/xml"),
        (b"{" + b" " * (300 * 1024) + b"}", "application/json"),
    ]
    for index, (body, content_type) in enumerate(bodies):
        await rig.publish(body, message_id=f"bad-{index}", content_type=content_type)
    outcomes = await rig.events.take(len(bodies))
    await handle.stop()
    expected = (["listener.failed.validation_error"] * len(bodies), 0)
    actual = ([o.routing_key for o in outcomes], await rig.depth())
    assert expected == actual


async def test_redelivery_of_a_done_request_creates_no_second_listener(rig: Rig) -> None:
    """The same message delivered twice reports the same listener; the emulator holds one."""
    await rig.admin.add_accelerator("ga-once")
    await rig.start_worker(rig.settings)
    for _ in range(2):
        await rig.publish(tcp_body("ga-once"), message_id="req-twice")
    first, second = await rig.events.take(2)
    state = await rig.admin.state()
    expected = (
        ("listener.created", "listener.created"),
        first.event["data"]["listener_id"],
        first.message_id,
        1,
    )
    actual = (
        (first.routing_key, second.routing_key),
        second.event["data"]["listener_id"],
        second.message_id,
        len(state["listeners"]),
    )
    assert expected == actual


async def test_nothing_is_acked_before_its_outcome_is_confirmed(rig: Rig) -> None:
    """With the events exchange gone the request stays queued; restored, it gets its outcome."""
    await rig.admin.add_accelerator("ga-blocked")
    handle = await rig.start_worker(rig.settings)
    channel = await rig.connection.channel()
    await channel.exchange_delete(rig.topology.events_exchange)
    await rig.publish(tcp_body("ga-blocked"), message_id="req-blocked")
    failures = handle.metrics.publish_failures
    await wait_until(lambda: failures._value.get() >= 1)
    await handle.stop(grace=0.0)
    depth_while_blocked = await rig.depth()

    await declare(channel, rig.topology)
    events = await OutcomeTap.open(rig.connection, rig.topology.events_exchange)
    await rig.start_worker(rig.settings)
    outcome = await events.next()
    expected = (1, "listener.created", "req-blocked")
    actual = (depth_while_blocked, outcome.routing_key, outcome.event["data"]["request_message_id"])
    assert expected == actual


class _Broken:
    """A GA API whose code has a bug: every call raises something outside the error tree."""

    async def create_listener(self, request: CreateListenerRequest, trace: CallTrace) -> str:
        raise RuntimeError("bug")

    async def wait_until_active(
        self, *, region_id: str, listener_id: str, trace: CallTrace
    ) -> dict[str, Any]:
        raise RuntimeError("bug")

    async def aclose(self) -> None:
        return None


async def test_a_request_the_worker_keeps_dying_on_is_dead_lettered(rig: Rig) -> None:
    """A pipeline bug requeues the request until the delivery limit dead-letters it."""
    dead = await OutcomeTap.open(rig.connection, "", existing=rig.topology.dead_queue)
    handle = await rig.start_worker(rig.settings, api=_Broken())
    await rig.publish(tcp_body("ga-bug"), message_id="req-bug")
    letter = await dead.next()
    expected = ("req-bug", 6, 0)
    actual = (letter.message_id, int(handle.metrics.crashes._value.get()), rig.events.pending())
    assert expected == actual


async def _not(value: Awaitable[bool]) -> bool:
    return not await value


async def test_readiness_follows_the_consumer(rig: Rig) -> None:
    """Deleting the queue cancels the consumer: not ready; the worker re-consumes, ready again."""
    await rig.admin.add_accelerator("ga-ready")
    handle = await rig.start_worker(rig.settings)
    ready_at_start = await handle.is_ready()
    channel = await rig.connection.channel()
    await channel.queue_delete(rig.topology.request_queue, if_unused=False, if_empty=False)
    await wait_until(lambda: _not(handle.is_ready()))
    await wait_until(handle.is_ready)
    await rig.publish(tcp_body("ga-ready"), message_id="req-ready")
    outcome = await rig.events.next()
    expected = (True, 1, "listener.created")
    actual = (
        ready_at_start,
        int(handle.metrics.consumer_cancellations._value.get()),
        outcome.routing_key,
    )
    assert expected == actual


async def test_many_requests_in_flight_get_one_outcome_each(rig: Rig) -> None:
    """Requests across accelerators run concurrently: one outcome and one listener each."""
    accelerators = [f"ga-many-{i}" for i in range(4)]
    for accelerator in accelerators:
        await rig.admin.add_accelerator(accelerator, quota=20)
    await rig.start_worker(rig.settings)
    count = 20
    for index in range(count):
        body = tcp_body(accelerators[index % 4], 1000 + index)
        await rig.publish(body, message_id=str(uuid.uuid4()))
    outcomes = await rig.events.take(count)
    state = await rig.admin.state()
    expected = ({"listener.created"}, count, count)
    actual = (
        {o.routing_key for o in outcomes},
        len({o.event["data"]["listener_id"] for o in outcomes}),
        len(state["listeners"]),
    )
    assert expected == actual
