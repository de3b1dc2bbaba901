"""GaClient against the GA emulator over real HTTP: signatures, faults, idempotency, polling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from handlers.ports import CallTrace
from schemas.errors import (
    ApiRefused,
    ApiUnavailable,
    AuthFailed,
    ListenerLost,
    PollTimedOut,
    TransportFailed,
)
from schemas.request import CreateListenerRequest
from tests.fixtures.emulator import EmulatorAdmin
from worker.emulator import EmulatorServer
from worker.ga import GaClient, set_testing
from worker.ga.credentials import Credentials

ACCELERATOR = "ga-emu1"


def _request(
    port: int = 80, idempotency: str | None = "tok-emu-1", **extra: Any
) -> CreateListenerRequest:
    data: dict[str, Any] = {
        "AcceleratorId": ACCELERATOR,
        "Name": "web-listener_1",
        "Description": "web ~ *listener* für 监听 a+b",
        "Protocol": "tcp",
        "PortRanges": [{"FromPort": port, "ToPort": port}],
        "EndpointGroupConfigurations": [
            {
                "EndpointGroupRegion": "cn-hangzhou",
                "EndpointConfigurations": [{"Type": "Ip", "Endpoint": "47.0.0.1", "Weight": 100}],
            }
        ],
        **extra,
    }
    if idempotency is not None:
        data["ClientToken"] = idempotency
    return CreateListenerRequest.model_validate(data)


@pytest.fixture(name="admin")
async def fixture_admin(emulator_admin: EmulatorAdmin) -> EmulatorAdmin:
    """The emulator's admin API, with one active accelerator."""
    await emulator_admin.add_accelerator(ACCELERATOR, quota=50)
    return emulator_admin


@pytest.fixture(name="client")
async def fixture_client(emulator: EmulatorServer) -> AsyncIterator[GaClient]:
    """A client of the emulator with its default credentials and fast polls."""
    async with GaClient(
        endpoint=emulator.url,
        credentials=Credentials("testid", "testsecret"),
        poll_interval=0.02,
        poll_timeout=5.0,
    ) as client:
        yield client


async def _listeners(admin: EmulatorAdmin) -> list[dict[str, Any]]:
    state = await admin.state()
    listeners: list[dict[str, Any]] = state["listeners"]
    return listeners


async def test_create_and_wait_until_active(admin: EmulatorAdmin, client: GaClient) -> None:
    """A listener is created once, signed with V3, and polled to active."""
    trace = CallTrace()
    listener_id = await client.create_listener(_request(), trace)
    body = await client.wait_until_active(
        region_id="cn-hangzhou", listener_id=listener_id, trace=trace
    )
    assert body["State"] == "active"
    assert [listener_id] == [item["ListenerId"] for item in await _listeners(admin)]
    expected = (1, 1, 0, 2)
    assert expected == (trace.attempts, trace.polls, trace.retries, len(trace.api_request_ids))


async def test_rpc_v1_signing_is_accepted(emulator: EmulatorServer, admin: EmulatorAdmin) -> None:
    """The emulator accepts RPC V1 HMAC-SHA1 requests from the client."""
    async with GaClient(
        endpoint=emulator.url,
        credentials=Credentials("testid", "testsecret"),
        signature_version="v1",
    ) as client:
        listener_id = await client.create_listener(_request(), CallTrace())
    assert [listener_id] == [item["ListenerId"] for item in await _listeners(admin)]


@pytest.mark.parametrize("kind", ["error", "throttle", "unavailable", "reset"])
async def test_retryable_faults_are_retried(
    admin: EmulatorAdmin, client: GaClient, kind: str
) -> None:
    """Each retryable fault is retried until the listener is created, exactly once."""
    await admin.faults(1, [{"action": "CreateListener", "kind": kind, "rate": 0.5}])
    trace = CallTrace()
    listener_id = await client.create_listener(_request(), trace)
    state = await admin.state()
    assert [listener_id] == [item["ListenerId"] for item in state["listeners"]]
    assert trace.attempts == state["calls"]["CreateListener"]
    assert trace.attempts >= 2
    assert trace.retries == trace.attempts - 1


async def test_reset_after_commit_still_creates_one_listener(
    admin: EmulatorAdmin, client: GaClient
) -> None:
    """Answers lost after the work was done: the one ClientToken yields one listener."""
    await admin.faults(1, [{"action": "CreateListener", "kind": "reset_after_commit", "rate": 0.5}])
    trace = CallTrace()
    listener_id = await client.create_listener(_request(), trace)
    assert trace.attempts >= 2
    assert [listener_id] == [item["ListenerId"] for item in await _listeners(admin)]


async def test_reset_after_commit_every_time_exhausts_but_creates_one(
    admin: EmulatorAdmin, client: GaClient
) -> None:
    """Even when no answer ever arrives, the retries create exactly one listener."""
    await admin.faults(1, [{"action": "CreateListener", "kind": "reset_after_commit"}])
    trace = CallTrace()
    with pytest.raises(TransportFailed):
        await client.create_listener(_request(), trace)
    assert trace.attempts == 8
    assert len(await _listeners(admin)) == 1


async def test_throttling_that_never_ends_is_retries_exhausted(
    admin: EmulatorAdmin, client: GaClient
) -> None:
    """Throttling on every attempt ends as ApiUnavailable after the attempt budget."""
    await admin.faults(1, [{"action": "*", "kind": "throttle"}])
    trace = CallTrace()
    with pytest.raises(ApiUnavailable) as info:
        await client.create_listener(_request(), trace)
    expected = ("Throttling.User", 8, 8)
    assert expected == (info.value.code, trace.attempts, len(trace.api_request_ids))
    assert await _listeners(admin) == []


async def test_final_errors_are_not_retried(admin: EmulatorAdmin, client: GaClient) -> None:
    """An unknown accelerator is refused at once, no retry."""
    trace = CallTrace()
    with pytest.raises(ApiRefused) as info:
        await client.create_listener(_request(AcceleratorId="ga-unknown"), trace)
    expected = ("NotExist.Accelerator", 1, 0)
    assert expected == (info.value.code, trace.attempts, trace.retries)


@pytest.mark.parametrize(
    ("access_key_id", "secret"), [("testid", "wrong-secret"), ("unknown-id", "testsecret")]
)
async def test_bad_credentials_are_auth_failed(
    emulator: EmulatorServer, admin: EmulatorAdmin, access_key_id: str, secret: str
) -> None:
    """A wrong secret or unknown key is AuthFailed after one attempt, secret never shown."""
    trace = CallTrace()
    async with GaClient(
        endpoint=emulator.url, credentials=Credentials(access_key_id, secret)
    ) as client:
        with pytest.raises(AuthFailed) as info:
            await client.create_listener(_request(), trace)
    assert trace.attempts == 1
    assert "wrong-secret" not in f"{info.value!r} {info.value}"


async def test_deadline_holds(emulator: EmulatorServer, admin: EmulatorAdmin) -> None:
    """Answers slower than the retry deadline end in TransportFailed without a second try."""
    await admin.faults(1, [{"action": "CreateListener", "kind": "latency", "latency_ms": 1500}])
    trace = CallTrace()
    async with GaClient(
        endpoint=emulator.url,
        credentials=Credentials("testid", "testsecret"),
        retry_deadline=0.3,
    ) as client:
        with pytest.raises(TransportFailed):
            await client.create_listener(_request(), trace)
    assert trace.attempts == 1


async def test_busy_accelerator_is_waited_out(
    emulator: EmulatorServer, admin: EmulatorAdmin
) -> None:
    """Two listeners on one accelerator at once: StateError.Accelerator is retried until free."""
    set_testing(False)
    await admin.configure(activation_seconds=0.2)
    async with GaClient(
        endpoint=emulator.url,
        credentials=Credentials("testid", "testsecret"),
        retry_attempts=100,
        retry_deadline=30.0,
        backoff_initial=0.02,
        backoff_max=0.1,
    ) as client:
        traces = [CallTrace(), CallTrace()]
        ids = await asyncio.gather(
            client.create_listener(_request(80, "tok-a"), traces[0]),
            client.create_listener(_request(81, "tok-b"), traces[1]),
        )
    assert sorted(ids) == sorted(item["ListenerId"] for item in await _listeners(admin))
    assert sum(t.retries for t in traces) >= 1


async def test_poll_waits_for_activation(admin: EmulatorAdmin, client: GaClient) -> None:
    """With a slow activation, polling sees init and then active."""
    await admin.configure(activation_seconds=0.15)
    trace = CallTrace()
    listener_id = await client.create_listener(_request(), trace)
    body = await client.wait_until_active(
        region_id="cn-hangzhou", listener_id=listener_id, trace=trace
    )
    assert body["State"] == "active"
    assert trace.polls >= 2


async def test_poll_times_out(emulator: EmulatorServer, admin: EmulatorAdmin) -> None:
    """A listener that stays init past the poll timeout is PollTimedOut."""
    await admin.configure(activation_seconds=60.0)
    async with GaClient(
        endpoint=emulator.url,
        credentials=Credentials("testid", "testsecret"),
        poll_interval=0.02,
        poll_timeout=0.2,
    ) as client:
        trace = CallTrace()
        listener_id = await client.create_listener(_request(), trace)
        with pytest.raises(PollTimedOut) as info:
            await client.wait_until_active(region_id="r", listener_id=listener_id, trace=trace)
    assert info.value.code == "PollTimeout"


async def test_poll_reports_a_deleting_listener(admin: EmulatorAdmin, client: GaClient) -> None:
    """A listener being deleted while polled is ListenerLost with code deleting."""
    await admin.configure(activation_seconds=60.0, deletion_seconds=60.0)
    trace = CallTrace()
    listener_id = await client.create_listener(_request(), trace)
    await client.delete_listener(
        region_id="cn-hangzhou", listener_id=listener_id, accelerator_id=ACCELERATOR
    )
    with pytest.raises(ListenerLost) as info:
        await client.wait_until_active(region_id="r", listener_id=listener_id, trace=trace)
    assert info.value.code == "deleting"


async def test_poll_reports_a_vanished_listener(admin: EmulatorAdmin, client: GaClient) -> None:
    """A listener deleted and gone is ListenerLost(NotExist.Listener) after the tolerance."""
    trace = CallTrace()
    listener_id = await client.create_listener(_request(), trace)
    await client.delete_listener(
        region_id="cn-hangzhou", listener_id=listener_id, accelerator_id=ACCELERATOR
    )
    with pytest.raises(ListenerLost) as info:
        await client.wait_until_active(region_id="r", listener_id=listener_id, trace=trace)
    expected = ("NotExist.Listener", 4)
    assert expected == (info.value.code, trace.polls)


async def test_list_listeners(admin: EmulatorAdmin, client: GaClient) -> None:
    """ListListeners returns the created listener."""
    listener_id = await client.create_listener(_request(), CallTrace())
    body = await client.list_listeners(region_id="cn-hangzhou", accelerator_id=ACCELERATOR)
    assert [listener_id] == [item["ListenerId"] for item in body["Listeners"]]
