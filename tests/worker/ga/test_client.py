"""GaClient against a scripted GA API on a real local HTTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from alibabacloud_tea_openapi.utils import Utils
from structlog.testing import capture_logs

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
from tests.worker.ga._scripted import DROP, HANG, Reply, ScriptedGa, scripted_ga
from tests.worker.ga._sdk import sdk_verifies
from worker.ga import GaClient
from worker.ga.credentials import Credentials
from worker.ga.signing import canonical_query_string, parse_acs3_authorization

SECRET = "testsecret-never-shown"
TOKEN = "sts-token-never-shown"

RICH = {
    "RegionId": "cn-hangzhou",
    "AcceleratorId": "ga-bp1test",
    "Name": "web ~ *listener*",
    "Description": "监听器 für Ärger: a*b+c/d?e=f&g",
    "Protocol": "tcp",
    "Type": "Standard",
    "ClientAffinity": "SOURCE_IP",
    "ClientToken": "tok-fixed-1",
    "PortRanges": [{"FromPort": 80, "ToPort": 80}, {"FromPort": 443, "ToPort": 443}],
    "EndpointGroupConfigurations": [
        {
            "EndpointGroupRegion": "cn-hangzhou",
            "HealthCheckEnabled": True,
            "EndpointConfigurations": [
                {
                    "Type": "Ip",
                    "Endpoint": "47.0.0.1",
                    "Weight": 100,
                    "EnableClientIPPreservation": False,
                }
            ],
        }
    ],
}


def _request(**changes: Any) -> CreateListenerRequest:
    data = {**RICH, **changes}
    return CreateListenerRequest.model_validate({k: v for k, v in data.items() if v is not None})


@pytest.fixture(name="ga")
async def fixture_ga() -> AsyncIterator[ScriptedGa]:
    """A scripted GA API on an ephemeral port."""
    async with scripted_ga() as ga:
        yield ga


@pytest.fixture(name="client")
async def fixture_client(ga: ScriptedGa) -> AsyncIterator[GaClient]:
    """A client of the scripted API, fast polls."""
    async with GaClient(
        endpoint=ga.url,
        credentials=Credentials("testid", SECRET),
        poll_interval=0.01,
        poll_timeout=5.0,
    ) as client:
        yield client


async def test_wire_query_is_canonical_and_sdk_verifies(ga: ScriptedGa, client: GaClient) -> None:
    """The query on the wire is the signed canonical one and the SDK verifies the signature."""
    trace = CallTrace()
    assert await client.create_listener(_request(), trace) == "lsr-test1"
    (seen,) = ga.of("CreateListener")
    assert canonical_query_string(seen.query) == seen.raw_query
    assert sdk_verifies(seen.query, seen.headers, SECRET)
    assert "content-type" not in {k.lower() for k in seen.headers}
    assert seen.query["Description"] == "监听器 für Ärger: a*b+c/d?e=f&g"
    flags = (
        seen.query["EndpointGroupConfigurations.1.HealthCheckEnabled"],
        seen.query[
            "EndpointGroupConfigurations.1.EndpointConfigurations.1.EnableClientIPPreservation"
        ],
    )
    assert flags == ("true", "false")


async def test_query_equals_what_the_sdk_sends(ga: ScriptedGa, client: GaClient) -> None:
    """The official SDK, sending the same request, puts the same parameters on the wire."""
    from alibabacloud_ga20191120 import models as ga_models
    from alibabacloud_ga20191120.client import Client as SdkClient
    from alibabacloud_tea_openapi.models import Config
    from darabonba.runtime import RuntimeOptions

    await client.create_listener(_request(), CallTrace())
    sdk = SdkClient(
        Config(
            access_key_id="testid",
            access_key_secret=SECRET,
            endpoint=ga.url.removeprefix("http://"),
            protocol="http",
            region_id="cn-hangzhou",
        )
    )
    await sdk.create_listener_with_options_async(
        ga_models.CreateListenerRequest().from_map(RICH), RuntimeOptions(autoretry=False)
    )
    ours, theirs = ga.of("CreateListener")
    normalized = {k: {"True": "true", "False": "false"}.get(v, v) for k, v in theirs.query.items()}
    assert normalized == ours.query
    assert sdk_verifies(theirs.query, theirs.headers, SECRET)


async def test_sts_token_is_sent_and_signed(ga: ScriptedGa) -> None:
    """With an STS token the security-token header is sent, signed, and verifies."""
    credentials = Credentials("testid", SECRET, TOKEN)
    async with GaClient(endpoint=ga.url, credentials=credentials) as client:
        await client.create_listener(_request(), CallTrace())
    (seen,) = ga.of("CreateListener")
    lowered = {k.lower(): v for k, v in seen.headers.items()}
    assert lowered["x-acs-security-token"] == TOKEN
    assert (
        "x-acs-security-token" in parse_acs3_authorization(lowered["authorization"]).signed_headers
    )
    assert sdk_verifies(seen.query, seen.headers, SECRET)


async def test_rpc_v1_signature_verifies_with_sdk(ga: ScriptedGa) -> None:
    """In RPC V1 mode the query carries a Signature the SDK's get_rpcsignature reproduces."""
    async with GaClient(
        endpoint=ga.url, credentials=Credentials("testid", SECRET), signature_version="v1"
    ) as client:
        await client.create_listener(_request(), CallTrace())
    (seen,) = ga.of("CreateListener")
    unsigned = {k: v for k, v in seen.query.items() if k != "Signature"}
    assert Utils.get_rpcsignature(unsigned, "POST", SECRET) == seen.query["Signature"]
    assert canonical_query_string(seen.query) == seen.raw_query


@pytest.mark.parametrize(
    "failure",
    [
        Reply(500, {"Code": "UnknownError", "Message": "try again"}),
        Reply(400, {"Code": "Throttling.User", "Message": "slow down"}),
        Reply(503, {"Code": "ServiceUnavailable", "Message": "down"}),
        Reply(400, {"Code": "StateError.Accelerator", "Message": "busy"}),
        Reply(400, {"Code": "Rejected.Throttling", "Message": "slow down"}),
        Reply(400, {"Code": "SignatureNonceUsed", "Message": "nonce"}),
        DROP,
    ],
    ids=lambda f: f if isinstance(f, str) else f.body["Code"],
)
async def test_retryable_failures_are_retried_with_one_token(
    ga: ScriptedGa, client: GaClient, failure: Reply | str
) -> None:
    """Each retryable kind is retried with the same ClientToken and a fresh nonce and date."""
    ga.script("CreateListener", failure, failure)
    trace = CallTrace()
    assert await client.create_listener(_request(), trace) == "lsr-test1"
    seen = ga.of("CreateListener")
    assert len(seen) == 3
    assert {"tok-fixed-1"} == {s.query["ClientToken"] for s in seen}
    assert len({s.headers["x-acs-signature-nonce"] for s in seen}) == 3
    expected = (3, 2)
    assert expected == (trace.attempts, trace.retries)
    answered = 1 if failure == DROP else 3
    assert answered == len(trace.api_request_ids)


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (Reply(400, {"Code": "PortConflict.Listener", "Message": "conflict"}), ApiRefused),
        (Reply(400, {"Code": "NotExist.Accelerator", "Message": "no such"}), ApiRefused),
        (Reply(403, {"Code": "Forbidden", "Message": "no"}), AuthFailed),
        (Reply(400, {"Code": "SignatureDoesNotMatch", "Message": "bad"}), AuthFailed),
        (Reply(400, {"Code": "InvalidTimeStamp.Expired", "Message": "late"}), AuthFailed),
    ],
    ids=lambda v: v.body["Code"] if isinstance(v, Reply) else v.__name__,
)
async def test_final_failures_are_not_retried(
    ga: ScriptedGa, client: GaClient, reply: Reply, kind: type[Exception]
) -> None:
    """A final answer raises its kind after one attempt, its RequestId recorded."""
    ga.script("CreateListener", reply)
    trace = CallTrace()
    with pytest.raises(kind) as info:
        await client.create_listener(_request(), trace)
    expected = (1, 0, [info.value.request_id])  # type: ignore[attr-defined]
    assert expected == (trace.attempts, trace.retries, trace.api_request_ids)
    assert reply.body["Code"] == info.value.code  # type: ignore[attr-defined]


async def test_attempts_are_bounded(ga: ScriptedGa, client: GaClient) -> None:
    """A failure that never ends stops after the configured attempts, as ApiUnavailable."""
    ga.defaults["CreateListener"] = Reply(503, {"Code": "ServiceUnavailable", "Message": "x"})
    trace = CallTrace()
    with pytest.raises(ApiUnavailable) as info:
        await client.create_listener(_request(), trace)
    expected = (8, 7, "ServiceUnavailable", 503)
    assert expected == (trace.attempts, trace.retries, info.value.code, info.value.http_status)


async def test_deadline_bounds_a_hanging_attempt(ga: ScriptedGa) -> None:
    """An answer that never comes is cut at the deadline; no attempt starts after it."""
    ga.script("CreateListener", HANG, HANG)
    trace = CallTrace()
    async with GaClient(
        endpoint=ga.url, credentials=Credentials("testid", SECRET), retry_deadline=0.2
    ) as client:
        with pytest.raises(TransportFailed) as info:
            await client.create_listener(_request(), trace)
    expected = (1, 0)
    assert expected == (trace.attempts, trace.retries)
    assert "TimeoutError" in info.value.code


async def test_missing_token_is_generated_once(ga: ScriptedGa, client: GaClient) -> None:
    """A request without ClientToken gets one, the same on every attempt."""
    ga.script("CreateListener", DROP, Reply(500, {"Code": "InternalError", "Message": ""}))
    await client.create_listener(_request(ClientToken=None), CallTrace())
    tokens = {s.query.get("ClientToken") for s in ga.of("CreateListener")}
    assert len(tokens) == 1
    assert None not in tokens


async def test_retry_logs_one_event_per_retry_without_secrets(
    ga: ScriptedGa, client: GaClient
) -> None:
    """Each scheduled retry logs ga.create_listener.retry_scheduled with code, attempt, delay."""
    ga.script(
        "CreateListener",
        Reply(400, {"Code": "Throttling.User", "Message": "x"}),
        Reply(500, {"Code": "UnknownError", "Message": "y"}),
    )
    with capture_logs() as logs:
        await client.create_listener(_request(), CallTrace())
    retries = [e for e in logs if e["event"] == "ga.create_listener.retry_scheduled"]
    expected = [("Throttling.User", 1, 0), ("UnknownError", 2, 0)]
    assert expected == [(e["code"], e["attempt"], e["delay"]) for e in retries]
    signatures = {
        parse_acs3_authorization(s.headers["Authorization"]).signature
        for s in ga.of("CreateListener")
    }
    text = repr(logs)
    assert not any(secret in text for secret in (SECRET, *signatures))


async def test_errors_never_show_secrets(ga: ScriptedGa) -> None:
    """A transport failure in RPC V1 mode (signature in the URL) shows no signature or secret."""
    async with scripted_ga() as dead:
        url = dead.url
    async with GaClient(
        endpoint=url,
        credentials=Credentials("testid", SECRET, TOKEN),
        signature_version="v1",
        retry_attempts=2,
    ) as client:
        with pytest.raises(TransportFailed) as info:
            await client.create_listener(_request(), CallTrace())
    text = f"{info.value} {info.value!r} {info.value.api_message}"
    for secret in (SECRET, TOKEN, "Signature="):
        assert secret not in text


async def test_poll_reaches_active(ga: ScriptedGa, client: GaClient) -> None:
    """Polling goes through pending states to active and returns that body."""
    ga.script(
        "DescribeListener",
        Reply(200, {"State": "init"}),
        Reply(200, {"State": "configuring"}),
        Reply(200, {"State": "active", "ListenerId": "lsr-test1", "Name": "web"}),
    )
    trace = CallTrace()
    body = await client.wait_until_active(
        region_id="cn-hangzhou", listener_id="lsr-test1", trace=trace
    )
    assert body["Name"] == "web"
    expected = (3, 3)
    assert expected == (trace.polls, len(trace.api_request_ids))


async def test_poll_times_out(ga: ScriptedGa) -> None:
    """A listener stuck in init raises PollTimedOut(code=PollTimeout)."""
    ga.defaults["DescribeListener"] = Reply(200, {"State": "init"})
    async with GaClient(
        endpoint=ga.url,
        credentials=Credentials("testid", SECRET),
        poll_interval=0.01,
        poll_timeout=0.1,
    ) as client:
        trace = CallTrace()
        with pytest.raises(PollTimedOut) as info:
            await client.wait_until_active(region_id="r", listener_id="lsr-x", trace=trace)
    expected = ("PollTimeout", "lsr-x")
    assert expected == (info.value.code, info.value.listener_id)
    assert trace.polls >= 1


@pytest.mark.parametrize("state", ["deleting", "failed"])
async def test_poll_reports_a_state_off_the_path(
    ga: ScriptedGa, client: GaClient, state: str
) -> None:
    """A state off init/configuring/updating/active is ListenerLost with that state as code."""
    ga.script("DescribeListener", Reply(200, {"State": "init"}), Reply(200, {"State": state}))
    with pytest.raises(ListenerLost) as info:
        await client.wait_until_active(region_id="r", listener_id="lsr-x", trace=CallTrace())
    assert state == info.value.code


async def test_poll_tolerates_a_brief_not_found(ga: ScriptedGa, client: GaClient) -> None:
    """NotExist.Listener right after creation is tolerated a few polls."""
    gone = Reply(400, {"Code": "NotExist.Listener", "Message": "no"})
    ga.script("DescribeListener", gone, gone, gone)
    trace = CallTrace()
    await client.wait_until_active(region_id="r", listener_id="lsr-x", trace=trace)
    assert trace.polls == 4


async def test_poll_reports_a_listener_never_found(ga: ScriptedGa, client: GaClient) -> None:
    """NotExist.Listener beyond the tolerance is ListenerLost(NotExist.Listener)."""
    ga.defaults["DescribeListener"] = Reply(400, {"Code": "NotExist.Listener", "Message": "no"})
    trace = CallTrace()
    with pytest.raises(ListenerLost) as info:
        await client.wait_until_active(region_id="r", listener_id="lsr-x", trace=trace)
    expected = ("NotExist.Listener", 4)
    assert expected == (info.value.code, trace.polls)


async def test_poll_reports_a_vanished_listener(ga: ScriptedGa, client: GaClient) -> None:
    """A listener seen once and then not found has vanished at once."""
    ga.script(
        "DescribeListener",
        Reply(200, {"State": "init"}),
        Reply(400, {"Code": "NotExist.Listener", "Message": "no"}),
    )
    trace = CallTrace()
    with pytest.raises(ListenerLost):
        await client.wait_until_active(region_id="r", listener_id="lsr-x", trace=trace)
    assert trace.polls == 2


async def test_poll_retries_transient_failures(ga: ScriptedGa, client: GaClient) -> None:
    """A transient failure of one poll is followed by the next poll and counted as a retry."""
    ga.script(
        "DescribeListener",
        Reply(503, {"Code": "ServiceUnavailable", "Message": ""}),
        DROP,
        Reply(200, {"State": "active"}),
    )
    trace = CallTrace()
    with capture_logs() as logs:
        await client.wait_until_active(region_id="r", listener_id="lsr-x", trace=trace)
    expected = (3, 2)
    assert expected == (trace.polls, trace.retries)
    events = [e["event"] for e in logs]
    assert events == ["ga.describe_listener.retry_scheduled"] * 2


async def test_poll_raises_a_final_error(ga: ScriptedGa, client: GaClient) -> None:
    """A final error on a poll is raised as is."""
    ga.script("DescribeListener", Reply(403, {"Code": "Forbidden", "Message": "no"}))
    with pytest.raises(AuthFailed):
        await client.wait_until_active(region_id="r", listener_id="lsr-x", trace=CallTrace())


async def test_list_and_delete(ga: ScriptedGa, client: GaClient) -> None:
    """ListListeners and DeleteListener send their parameters."""
    await client.list_listeners(region_id="cn-hangzhou", accelerator_id="ga-1", page_size=10)
    await client.delete_listener(region_id="cn-hangzhou", listener_id="lsr-1", client_token="t")
    (listed,) = ga.of("ListListeners")
    (deleted,) = ga.of("DeleteListener")
    expected = ("ga-1", "10", "lsr-1", "t")
    actual = (
        listed.query["AcceleratorId"],
        listed.query["PageSize"],
        deleted.query["ListenerId"],
        deleted.query["ClientToken"],
    )
    assert expected == actual


async def test_from_settings(ga: ScriptedGa) -> None:
    """from_settings reads the endpoint, budgets and the settings' own credentials."""
    from worker.settings import Settings

    settings = Settings(
        ga_endpoint=ga.url,
        access_key_id="testid",
        access_key_secret=SECRET,
        retry_attempts=2,
        poll_interval=0.01,
    )
    ga.defaults["CreateListener"] = Reply(503, {"Code": "ServiceUnavailable", "Message": ""})
    trace = CallTrace()
    async with GaClient.from_settings(settings) as client:
        with pytest.raises(ApiUnavailable):
            await client.create_listener(_request(), trace)
    assert trace.attempts == 2
    assert sdk_verifies(ga.seen[0].query, ga.seen[0].headers, SECRET)


async def test_injected_session_is_not_closed(ga: ScriptedGa) -> None:
    """An injected session stays open after aclose; it belongs to the caller."""
    async with aiohttp.ClientSession() as session:
        async with GaClient(
            endpoint=ga.url, credentials=Credentials("testid", SECRET), session=session
        ) as client:
            await client.create_listener(_request(), CallTrace())
        assert not session.closed
