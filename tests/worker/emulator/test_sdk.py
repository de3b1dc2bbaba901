"""The unmodified official SDK (``alibabacloud-ga20191120``) against the emulator over HTTP.

The SDK is synchronous: each call runs in a thread while the emulator serves on the test's loop.
Time in the emulator is a hand-moved clock, so "until active" needs no sleeping.
"""

# House style (STYLE.md) is ``expected == actual``; ruff would flip it.

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_ga20191120 import models as ga
from alibabacloud_ga20191120.client import Client
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException
from alibabacloud_tea_openapi.models import Config

from tests.fixtures.emulator import EmulatorAdmin
from tests.worker.emulator._clock import Clock
from worker.emulator import EmulatorServer


def _client(
    emulator: EmulatorServer,
    secret: str = "testsecret",  # noqa: S107 - the emulator's test key
    **config: Any,
) -> Client:
    return Client(
        Config(
            access_key_id="testid",
            access_key_secret=secret,
            endpoint=emulator.url.removeprefix("http://"),
            protocol="http",
            **config,
        )
    )


def _create(accelerator_id: str = "ga-sdk", **fields: Any) -> ga.CreateListenerRequest:
    body = {
        "RegionId": "cn-hangzhou",
        "AcceleratorId": accelerator_id,
        "Name": "web",
        "Protocol": "tcp",
        "PortRanges": [{"FromPort": 80, "ToPort": 80}],
        "EndpointGroupConfigurations": [
            {
                "EndpointGroupRegion": "cn-hangzhou",
                "EndpointConfigurations": [{"Type": "Ip", "Weight": 20, "Endpoint": "10.0.0.1"}],
            }
        ],
        **fields,
    }
    return ga.CreateListenerRequest().from_map(body)


async def _sdk_error(call: Callable[[], object]) -> ClientException:
    with pytest.raises(ClientException) as info:
        await asyncio.to_thread(call)
    return info.value


@pytest.mark.parametrize("algorithm", [None, "v2"])
async def test_sdk_listener_lifecycle(
    emulator: EmulatorServer, emulator_admin: EmulatorAdmin, algorithm: str | None
) -> None:
    """The SDK (ACS3 by default, RPC V1 with ``v2``) creates, polls, lists and deletes."""
    clock = Clock()
    emulator.state.clock = clock
    await emulator_admin.add_accelerator("ga-sdk")
    await emulator_admin.configure(activation_seconds=30, deletion_seconds=5)
    client = _client(emulator, **({"signature_algorithm": algorithm} if algorithm else {}))

    created = await asyncio.to_thread(client.create_listener, _create(ClientToken="tok-1"))
    listener_id = created.body.listener_id
    assert listener_id.startswith("lsr-")
    describe = ga.DescribeListenerRequest(region_id="cn-hangzhou", listener_id=listener_id)
    states = [(await asyncio.to_thread(client.describe_listener, describe)).body.state]
    clock.now += 30
    states.append((await asyncio.to_thread(client.describe_listener, describe)).body.state)
    assert ["init", "active"] == states
    body = (await asyncio.to_thread(client.describe_listener, describe)).body
    assert ("ga-sdk", "web", "tcp", 80) == (
        body.accelerator_id,
        body.name,
        body.protocol,
        body.port_ranges[0].from_port,
    )

    listed = await asyncio.to_thread(
        client.list_listeners,
        ga.ListListenersRequest(region_id="cn-hangzhou", accelerator_id="ga-sdk"),
    )
    assert [listener_id] == [item.listener_id for item in listed.body.listeners]
    assert 1 == listed.body.total_count

    await asyncio.to_thread(
        client.delete_listener,
        ga.DeleteListenerRequest(accelerator_id="ga-sdk", listener_id=listener_id),
    )

    body = (await asyncio.to_thread(client.describe_listener, describe)).body
    assert "deleting" == body.state
    clock.now += 5
    error = await _sdk_error(lambda: client.describe_listener(describe))
    assert "NotExist.Listener" == error.code


async def test_sdk_wrong_secret(emulator: EmulatorServer) -> None:
    """With a wrong secret the SDK raises ``ClientException`` ``SignatureDoesNotMatch``."""
    client = _client(emulator, secret="not-the-secret")
    request = ga.ListListenersRequest(region_id="cn-hangzhou")
    error = await _sdk_error(lambda: client.list_listeners(request))
    assert ("SignatureDoesNotMatch", 400) == (error.code, error.status_code)


async def test_sdk_python_booleans(emulator: EmulatorServer) -> None:
    """The SDK's ``True``/``False`` booleans are understood."""
    emulator.state.add_accelerator("ga-sdk")
    client = _client(emulator)
    request = _create(
        Protocol="http",
        XForwardedForConfig={"XRealIpEnabled": True, "XForwardedForGaIdEnabled": False},
    )
    created = await asyncio.to_thread(client.create_listener, request)
    body = emulator.state.describe_listener(created.body.listener_id)
    assert (True, False) == (
        body["XForwardedForConfig"]["XRealIpEnabled"],
        body["XForwardedForConfig"]["XForwardedForGaIdEnabled"],
    )


@pytest.mark.parametrize(
    ("setup", "fields", "code"),
    [
        ({}, {"AcceleratorId": "ga-missing"}, "NotExist.Accelerator"),
        ({"state": "configuring"}, {}, "StateError.Accelerator"),
        ({"quota": 0}, {}, "QuotaExceeded.Listener"),
        (
            {},
            {"Protocol": "http", "PortRanges": [{"FromPort": 80, "ToPort": 81}]},
            "PortRanges.MustOne",
        ),
        ({}, {"PortRanges": [{"FromPort": 65500, "ToPort": 65500}]}, "SystemPort.Listener"),
    ],
)
async def test_sdk_refusals(
    emulator: EmulatorServer, setup: dict[str, Any], fields: dict[str, Any], code: str
) -> None:
    """Static and stateful refusals reach the SDK as ``ClientException`` with the API's code."""
    emulator.state.add_accelerator("ga-sdk", **setup)
    client = _client(emulator)
    error = await _sdk_error(lambda: client.create_listener(_create(**fields)))
    assert (code, 400) == (error.code, error.status_code)


async def test_sdk_port_conflict(emulator: EmulatorServer) -> None:
    """A second listener on the same port is ``PortConflict.Listener``."""
    emulator.state.add_accelerator("ga-sdk")
    client = _client(emulator)
    await asyncio.to_thread(client.create_listener, _create())
    error = await _sdk_error(lambda: client.create_listener(_create(Name="again")))
    assert "PortConflict.Listener" == error.code


async def test_sdk_server_fault(emulator: EmulatorServer, emulator_admin: EmulatorAdmin) -> None:
    """An injected 503 reaches the SDK as ``ServerException``."""
    await emulator_admin.faults(3, [{"action": "*", "kind": "unavailable"}])
    client = _client(emulator)
    request = ga.ListListenersRequest(region_id="cn-hangzhou")
    with pytest.raises(ServerException) as info:
        await asyncio.to_thread(client.list_listeners, request)
    assert ("ServiceUnavailable", 503) == (info.value.code, info.value.status_code)
