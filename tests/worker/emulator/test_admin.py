"""Tests of the admin API (``/_emulator/``), driven over HTTP as outside tests drive it."""

# House style (STYLE.md) is ``expected == actual``; ruff would flip it.

from __future__ import annotations

import aiohttp
import pytest

from tests.fixtures.emulator import EmulatorAdmin
from tests.worker.emulator._signed import SignedClient
from worker.emulator import EmulatorServer

TCP_80 = {"AcceleratorId": "ga-a", "PortRanges.1.FromPort": "80", "PortRanges.1.ToPort": "80"}


async def test_add_accelerator_and_state(emulator_admin: EmulatorAdmin) -> None:
    """An accelerator added over HTTP shows in the state."""
    added = await emulator_admin.add_accelerator("ga-a", quota=3)
    expected = {"AcceleratorId": "ga-a", "State": "active", "ListenerQuota": 3, "ListenerCount": 0}
    assert expected == added
    assert [expected] == (await emulator_admin.state())["accelerators"]


async def test_add_accelerator_replaces(emulator_admin: EmulatorAdmin) -> None:
    """Posting an accelerator again replaces its state and quota."""
    await emulator_admin.add_accelerator("ga-a")
    await emulator_admin.add_accelerator("ga-a", state="configuring", quota=1)
    (acc,) = (await emulator_admin.state())["accelerators"]
    assert ("configuring", 1) == (acc["State"], acc["ListenerQuota"])


async def test_calls_are_counted(emulator: EmulatorServer, emulator_admin: EmulatorAdmin) -> None:
    """``calls`` counts every request per action, refused ones included."""
    await emulator_admin.add_accelerator("ga-a")
    async with aiohttp.ClientSession() as session:
        client = SignedClient(session, emulator.url)
        await client.call("CreateListener", TCP_80)
        await client.call("CreateListener", TCP_80)
        await client.call("DescribeListener", {"ListenerId": "lsr-x"})
    state = await emulator_admin.state()
    assert {"CreateListener": 2, "DescribeListener": 1} == state["calls"]
    (listener,) = state["listeners"]
    assert ("ga-a", "active", "tcp") == (
        listener["AcceleratorId"],
        listener["State"],
        listener["Protocol"],
    )


async def test_config(emulator_admin: EmulatorAdmin) -> None:
    """``PUT /_emulator/config`` changes the timing and answers the whole config."""
    expected = {"activation_seconds": 2.5, "deletion_seconds": 0.0}
    assert expected == await emulator_admin.configure(activation_seconds=2.5)


async def test_faults_round_trip(emulator_admin: EmulatorAdmin) -> None:
    """``PUT /_emulator/faults`` answers the rules as understood."""
    rules = [{"action": "CreateListener", "kind": "error", "rate": 0.1}]
    assert {"seed": 1, "rules": rules} == await emulator_admin.faults(1, rules)


async def test_reset(emulator: EmulatorServer, emulator_admin: EmulatorAdmin) -> None:
    """``POST /_emulator/reset`` forgets everything but the credentials."""
    await emulator_admin.add_accelerator("ga-a")
    await emulator_admin.configure(activation_seconds=9)
    await emulator_admin.faults(1, [{"action": "*", "kind": "error"}])
    await emulator_admin.reset()
    state = await emulator_admin.state()
    assert ([], [], {}) == (state["accelerators"], state["listeners"], state["calls"])
    assert 0.0 == state["config"]["activation_seconds"]
    async with aiohttp.ClientSession() as session:
        status, _ = await SignedClient(session, emulator.url).call("ListListeners", {})
    assert 200 == status


async def test_admin_is_never_faulted(emulator_admin: EmulatorAdmin) -> None:
    """Faults on ``*`` leave the admin API alone."""
    await emulator_admin.faults(1, [{"action": "*", "kind": "reset"}])
    assert [] == (await emulator_admin.state())["listeners"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/accelerators", {"State": "active"}),
        ("POST", "/accelerators", {"AcceleratorId": "ga-a", "ListenerQuota": "ten"}),
        ("PUT", "/config", {"activation_seconds": "soon"}),
        ("PUT", "/config", {"activation_seconds": -1}),
        ("PUT", "/config", {"speed": 1}),
        ("PUT", "/faults", {"seed": 1, "rules": [{"action": "*", "kind": "meteor"}]}),
        ("PUT", "/faults", {"seed": "one", "rules": []}),
        ("PUT", "/faults", [1, 2]),
    ],
)
async def test_bad_admin_input(
    emulator: EmulatorServer, method: str, path: str, body: object
) -> None:
    """Malformed admin calls answer 400 with a reason."""
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{emulator.url}/_emulator{path}", json=body) as resp,
    ):
        assert 400 == resp.status
        assert (await resp.json())["error"]
