"""Tests of the emulator's RPC endpoint over real HTTP: signatures, rules, faults, wire forms."""

# House style (STYLE.md) is ``expected == actual``; ruff would flip it.

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fixtures.emulator import EmulatorAdmin
from tests.worker.emulator._signed import SignedClient, stamp
from worker.emulator import EmulatorServer
from worker.ga.credentials import Credentials

TCP_80 = {
    "RegionId": "cn-hangzhou",
    "AcceleratorId": "ga-1",
    "Name": "web",
    "Protocol": "tcp",
    "PortRanges.1.FromPort": "80",
    "PortRanges.1.ToPort": "80",
}


def _ports(frm: int, to: int, protocol: str = "tcp", **extra: str) -> dict[str, str]:
    return {
        **TCP_80,
        "Protocol": protocol,
        "PortRanges.1.FromPort": str(frm),
        "PortRanges.1.ToPort": str(to),
        **extra,
    }


@pytest.fixture(name="client")
async def fixture_client(emulator: EmulatorServer) -> AsyncIterator[SignedClient]:
    """A signed client for the running emulator, with accelerator ``ga-1`` created."""
    emulator.state.add_accelerator("ga-1")
    async with aiohttp.ClientSession() as session:
        yield SignedClient(session, emulator.url)


async def _code(client: SignedClient, action: str, params: dict[str, str], **kw: Any) -> str:
    status, body = await client.call(action, params, **kw)
    assert status >= 400, body
    return str(body["Code"])


async def test_create_describe_list_delete(client: SignedClient) -> None:
    """A listener goes through its whole life over signed HTTP."""
    status, created = await client.call("CreateListener", TCP_80)
    assert 200 == status
    listener_id = created["ListenerId"]
    assert listener_id.startswith("lsr-")
    assert created["RequestId"]
    _, described = await client.call("DescribeListener", {"ListenerId": listener_id})
    assert ("active", "web", [{"FromPort": 80, "ToPort": 80}]) == (
        described["State"],
        described["Name"],
        described["PortRanges"],
    )
    _, listed = await client.call("ListListeners", {"AcceleratorId": "ga-1"})
    assert [listener_id] == [item["ListenerId"] for item in listed["Listeners"]]
    assert 1 == listed["TotalCount"]
    status, deleted = await client.call(
        "DeleteListener", {"ListenerId": listener_id, "AcceleratorId": "ga-1"}
    )
    assert 200 == status
    assert {"RequestId"} == set(deleted)
    assert "NotExist.Listener" == await _code(
        client, "DescribeListener", {"ListenerId": listener_id}
    )


async def test_error_body_is_the_real_apis(client: SignedClient) -> None:
    """An error carries status plus RequestId, HostId, Code, Message, Recommend."""
    status, body = await client.call("DescribeListener", {"ListenerId": "lsr-nope"})
    assert 400 == status
    assert {"RequestId", "HostId", "Code", "Message", "Recommend"} == set(body)
    assert "NotExist.Listener" == body["Code"]
    assert body["RequestId"] in body["Recommend"]


async def test_get_and_rpc_v1(client: SignedClient) -> None:
    """RPC V1 (HMAC-SHA1) signed GET requests work too."""
    status, body = await client.call("CreateListener", TCP_80, style="rpc", method="GET")
    assert 200 == status, body


async def test_rpc_v1_form_body(client: SignedClient) -> None:
    """Parameters in a form body are read (and signed) like query parameters."""
    status, body = await client.call("CreateListener", TCP_80, style="rpc", form=True)
    assert 200 == status, body


@pytest.mark.parametrize("truth", ["true", "True"])
async def test_booleans_in_both_spellings(client: SignedClient, truth: str) -> None:
    """``true`` and ``True`` both mean true."""
    params = _ports(80, 80, "http", **{"XForwardedForConfig.XRealIpEnabled": truth})
    _, created = await client.call("CreateListener", params)
    _, described = await client.call("DescribeListener", {"ListenerId": created["ListenerId"]})
    assert described["XForwardedForConfig"]["XRealIpEnabled"] is True


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (_ports(80, 81, "http"), "PortRanges.MustOne"),
        (_ports(80, 80, "smtp"), "ProtocalIllegal.Listener"),
        (_ports(65500, 65500), "SystemPort.Listener"),
        (_ports(250, 250, "udp"), "PortRangeIllegal.UDP"),
        (_ports(80, 80, SecurityPolicyId="tls_cipher_policy_1_2"), "SecurityPolicyId.NotNeed"),
        (_ports(90, 80), "PortRangeIllegal.Listener"),
        ({k: v for k, v in TCP_80.items() if k != "AcceleratorId"}, "InvalidParameter"),
    ],
)
async def test_static_rules(client: SignedClient, params: dict[str, str], code: str) -> None:
    """The reference's static rules answer 400 with the first violation's code."""
    assert code == await _code(client, "CreateListener", params)


async def test_unknown_accelerator(client: SignedClient) -> None:
    """``NotExist.Accelerator`` for an accelerator nobody created."""
    params = {**TCP_80, "AcceleratorId": "ga-none"}
    assert "NotExist.Accelerator" == await _code(client, "CreateListener", params)


async def test_inactive_accelerator(client: SignedClient, emulator: EmulatorServer) -> None:
    """``StateError.Accelerator`` for an accelerator that is not active."""
    emulator.state.add_accelerator("ga-1", state="binding")
    assert "StateError.Accelerator" == await _code(client, "CreateListener", TCP_80)


async def test_busy_accelerator_and_idempotent_token(
    client: SignedClient, emulator_admin: EmulatorAdmin
) -> None:
    """While one listener is init: a retry with its token gets its id, another create is refused."""
    await emulator_admin.configure(activation_seconds=3600)
    _, first = await client.call("CreateListener", {**TCP_80, "ClientToken": "tok-1"})
    _, again = await client.call("CreateListener", {**TCP_80, "ClientToken": "tok-1"})
    assert first["ListenerId"] == again["ListenerId"]
    other = {**_ports(81, 81), "ClientToken": "tok-2"}
    assert "StateError.Accelerator" == await _code(client, "CreateListener", other)
    state = await emulator_admin.state()
    assert [("tok-1", "init")] == [(i["ClientToken"], i["State"]) for i in state["listeners"]]


async def test_quota(client: SignedClient, emulator_admin: EmulatorAdmin) -> None:
    """``QuotaExceeded.Listener`` past the accelerator's quota."""
    await emulator_admin.add_accelerator("ga-1", quota=1)
    await client.call("CreateListener", TCP_80)
    assert "QuotaExceeded.Listener" == await _code(client, "CreateListener", _ports(81, 81))


async def test_port_conflict(client: SignedClient) -> None:
    """``PortConflict.Listener`` for ports an HTTP listener shares with a TCP one."""
    await client.call("CreateListener", _ports(70, 90))
    assert "PortConflict.Listener" == await _code(client, "CreateListener", _ports(80, 80, "http"))


async def test_huge_port_listeners(client: SignedClient) -> None:
    """``PortRangeIllegal.ExceedGaAbility`` for a second >300-port listener of one protocol."""
    await client.call("CreateListener", _ports(1000, 1400))
    assert "PortRangeIllegal.ExceedGaAbility" == await _code(
        client, "CreateListener", _ports(2000, 2400)
    )


async def test_unknown_action_and_version(client: SignedClient) -> None:
    """An unknown action is ``InvalidAction.NotFound`` (404); a wrong version ``InvalidVersion``."""
    status, body = await client.call("CreateAccelerator", {})
    assert (404, "InvalidAction.NotFound") == (status, body["Code"])
    assert "InvalidVersion" == await _code(client, "ListListeners", {}, version="2014-05-26")


async def test_missing_listener_id(client: SignedClient) -> None:
    """DescribeListener without ``ListenerId`` is ``MissingParameter``."""
    assert "MissingParameter" == await _code(client, "DescribeListener", {})


@pytest.mark.parametrize(
    ("kw", "status", "code"),
    [
        ({"credentials": Credentials("testid", "wrong")}, 400, "SignatureDoesNotMatch"),
        ({"credentials": Credentials("nobody", "testsecret")}, 404, "InvalidAccessKeyId.NotFound"),
        ({"date": stamp(-16 * 60)}, 400, "InvalidTimeStamp.Expired"),
        ({"date": stamp(-16 * 60), "style": "rpc"}, 400, "InvalidTimeStamp.Expired"),
        (
            {"credentials": Credentials("testid", "wrong"), "style": "rpc"},
            400,
            "SignatureDoesNotMatch",
        ),
    ],
)
async def test_auth_refusals(
    client: SignedClient, kw: dict[str, Any], status: int, code: str
) -> None:
    """Signature, key and clock refusals carry the gateway's status and code."""
    got_status, body = await client.call("ListListeners", {"AcceleratorId": "ga-1"}, **kw)
    assert (status, code) == (got_status, body["Code"])


async def test_reused_nonce(client: SignedClient) -> None:
    """The same nonce twice is ``SignatureNonceUsed``."""
    await client.call("ListListeners", {}, nonce="once")
    assert "SignatureNonceUsed" == await _code(client, "ListListeners", {}, nonce="once")


async def test_unsigned_request(emulator: EmulatorServer) -> None:
    """A request with no signature at all is ``IncompleteSignature``."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emulator.url}/?Action=ListListeners&Version=2019-11-20") as resp,
    ):
        assert (400, "IncompleteSignature") == (resp.status, (await resp.json())["Code"])


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("error", 500, "UnknownError"),
        ("throttle", 400, "Throttling.User"),
        ("unavailable", 503, "ServiceUnavailable"),
    ],
)
async def test_error_faults(
    client: SignedClient, emulator_admin: EmulatorAdmin, kind: str, status: int, code: str
) -> None:
    """Error faults answer with their status and code and create nothing."""
    await emulator_admin.faults(1, [{"action": "CreateListener", "kind": kind, "rate": 1.0}])
    got_status, body = await client.call("CreateListener", TCP_80)
    assert (status, code) == (got_status, body["Code"])
    state = await emulator_admin.state()
    assert ([], {"CreateListener": 1}) == (state["listeners"], state["calls"])


async def test_latency_fault(
    client: SignedClient, emulator_admin: EmulatorAdmin, emulator: EmulatorServer
) -> None:
    """A latency fault delays the answer but still does the work."""
    await emulator_admin.faults(1, [{"action": "*", "kind": "latency", "latency_ms": 50}])
    loop = __import__("asyncio").get_running_loop()
    started = loop.time()
    status, _ = await client.call("CreateListener", TCP_80)
    assert 200 == status
    assert loop.time() - started >= 0.05
    assert 1 == len(emulator.state.listeners)


async def test_reset_fault_drops_the_connection(
    client: SignedClient, emulator_admin: EmulatorAdmin
) -> None:
    """A ``reset`` drops the connection and does nothing."""
    await emulator_admin.faults(1, [{"action": "CreateListener", "kind": "reset"}])
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await client.call("CreateListener", {**TCP_80, "ClientToken": "t"})
    state = await emulator_admin.state()
    assert ([], {"CreateListener": 1}) == (state["listeners"], state["calls"])


async def test_reset_after_commit_does_the_work(
    client: SignedClient, emulator_admin: EmulatorAdmin
) -> None:
    """A ``reset_after_commit`` creates the listener, then drops the connection."""
    await emulator_admin.faults(1, [{"action": "CreateListener", "kind": "reset_after_commit"}])
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await client.call("CreateListener", {**TCP_80, "ClientToken": "t"})
    await emulator_admin.faults(None, [])
    (listener,) = (await emulator_admin.state())["listeners"]
    _, retried = await client.call("CreateListener", {**TCP_80, "ClientToken": "t"})
    assert listener["ListenerId"] == retried["ListenerId"]


async def _fault_codes(client: SignedClient, admin: EmulatorAdmin, seed: int) -> list[str]:
    await admin.faults(
        seed,
        [
            {"action": "DescribeListener", "kind": "error", "rate": 0.3},
            {"action": "*", "kind": "throttle", "rate": 0.3},
        ],
    )
    codes = []
    for _ in range(40):
        _, body = await client.call("DescribeListener", {"ListenerId": "lsr-x"})
        codes.append(str(body["Code"]))
    return codes


async def test_same_seed_same_faults(client: SignedClient, emulator_admin: EmulatorAdmin) -> None:
    """The same seed gives the same sequence of faults over HTTP."""
    first = await _fault_codes(client, emulator_admin, 42)
    second = await _fault_codes(client, emulator_admin, 42)
    assert first == second
    assert {"UnknownError", "Throttling.User", "NotExist.Listener"} == set(first)
