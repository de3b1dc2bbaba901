"""The Function Compute handler: trigger shapes, credentials, warm reuse, partial batches.

The handler runs as Function Compute runs it: called synchronously from another thread
(``asyncio.to_thread``) with event bytes, against the emulator over HTTP and the real broker.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from functools import partial
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

import handlers.fc
from handlers.fc import FcHandler, RetryBatch, make_handler, parse_event
from handlers.pipeline import RequestMessage
from handlers.ports import ListenerApi, OutcomePublisher
from tests.fixtures.amqp import OutcomeTap, Rig
from tests.fixtures.emulator import EmulatorAdmin
from tests.fixtures.requests import tcp_body
from worker.emulator import EmulatorServer
from worker.fc_entry import build_handler, credentials_of
from worker.ga.client import GaClient
from worker.ga.credentials import Credentials

GOOD = Credentials("testid", "testsecret")

#: The credentials lookup of a handler that reads the context only (no environment).
context_credentials = partial(credentials_of, environ={})


def trigger_event(
    body: object,
    *,
    message_id: str | None = None,
    correlation_id: str | None = None,
    reply_to: str | None = None,
    content_type: str | None = "application/json",
    tag: int = 1,
) -> dict[str, Any]:
    """One CloudEvent as the RabbitMQ trigger (EventBridge) delivers a message."""
    props: dict[str, Any] = {"contentEncoding": "UTF-8", "deliveryMode": 2}
    if message_id is not None:
        props["messageId"] = message_id
    if correlation_id is not None:
        props["correlationId"] = correlation_id
    if reply_to is not None:
        props["replyTo"] = reply_to
    if content_type is not None:
        props["contentType"] = content_type
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "ga-listener-requests.rabbitmq",
        "type": "amqp:Queue:SendMessage",
        "subject": "acs:amqp:cn-hangzhou:1234:/instances/amqp-cn-x/vhosts/v/queues/q",
        "datacontenttype": "application/json;charset=utf-8",
        "time": "2025-03-07T07:51:00.000Z",
        "aliyunregionid": "cn-hangzhou",
        "data": {
            "envelope": {
                "deliveryTag": tag,
                "exchange": "",
                "redeliver": False,
                "routingKey": "ga.listener.requests",
            },
            "body": body,
            "props": props,
        },
    }


def encode(document: object) -> bytes:
    """The invocation payload, as Function Compute passes it (bytes)."""
    return orjson.dumps(document)


def context_with(credentials: Credentials | None = None) -> SimpleNamespace:
    """A Function Compute context; ``credentials`` as older runtimes set them."""
    if credentials is None:
        return SimpleNamespace(request_id="req-1")
    return SimpleNamespace(
        request_id="req-1",
        credentials=SimpleNamespace(
            access_key_id=credentials.access_key_id,
            access_key_secret=credentials.access_key_secret,
            security_token=credentials.security_token,
        ),
    )


async def invoke(
    fc: FcHandler[Credentials], event: bytes, context: object | None = None
) -> dict[str, Any]:
    """Call the handler as the platform does (blocking, another thread); the parsed summary."""
    text = await asyncio.to_thread(fc, event, context if context is not None else context_with())
    summary: dict[str, Any] = orjson.loads(text)
    return summary


def by_message_id(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The summary's outcomes keyed by request message id."""
    return {o["message_id"]: o for o in summary["outcomes"]}


# --- parse_event: the shapes -----------------------------------------------------------------


def test_array_of_trigger_events_unwraps_each_message() -> None:
    """A JSON array of trigger CloudEvents gives one message per event, properties mapped."""
    events = [
        trigger_event(
            tcp_body("ga-1"), message_id="m-1", correlation_id="c-1", reply_to="r", tag=1
        ),
        trigger_event('{"AcceleratorId": "ga-2"}', message_id="m-2", tag=2),
    ]

    actual = parse_event(encode(events))

    expected = [
        RequestMessage(
            body=orjson.dumps(tcp_body("ga-1")),
            content_type="application/json",
            message_id="m-1",
            correlation_id="c-1",
            reply_to="r",
        ),
        RequestMessage(
            body=b'{"AcceleratorId": "ga-2"}', content_type="application/json", message_id="m-2"
        ),
    ]
    assert expected == actual


def test_single_trigger_event_is_one_message() -> None:
    """The trigger's event mode (one CloudEvent, not an array) is one message."""
    actual = parse_event(encode(trigger_event(tcp_body("ga-1"), message_id="m-1")))

    expected = [("m-1", orjson.dumps(tcp_body("ga-1")))]
    assert expected == [(m.message_id, m.body) for m in actual]


def test_bare_request_object_is_passed_through_untouched() -> None:
    """A bare request object is the body itself, byte for byte, with no properties."""
    raw = b'{"AcceleratorId": "ga-1", "Name": "web"}'

    expected = [RequestMessage(body=raw, content_type="application/json")]
    assert expected == parse_event(raw)


def test_bare_cloudevents_request_keeps_its_content_type() -> None:
    """A structured-mode CloudEvents request (contract §3) is read as one."""
    raw = encode({"specversion": "1.0", "id": "1", "source": "s", "type": "t", "data": {}})

    expected = ["application/cloudevents+json"]
    assert expected == [m.content_type for m in parse_event(raw)]


def test_missing_props_and_body_give_an_empty_message() -> None:
    """An event without props or body is still one message (the pipeline refuses it)."""
    event = {"specversion": "1.0", "type": "amqp:Queue:SendMessage", "data": {"envelope": {}}}

    expected = [RequestMessage(body=b"", content_type="application/json")]
    assert expected == parse_event(encode([event]))


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        pytest.param(b"not json", [b"not json"], id="not-json"),
        pytest.param(b"[]", [], id="empty-array"),
        pytest.param(b"[1, null]", [b"1", b"null"], id="array-of-scalars"),
        pytest.param(b'"text"', [b'"text"'], id="json-string"),
    ],
)
def test_broken_events_become_messages_for_the_pipeline(
    event: bytes, expected: list[bytes]
) -> None:
    """Whatever is not a trigger event becomes a message body the pipeline will judge."""
    assert expected == [m.body for m in parse_event(event)]


def test_numeric_message_id_is_stringified() -> None:
    """A numeric ``messageId`` is kept, as a string."""
    event = trigger_event(tcp_body("ga-1"))
    event["data"]["props"]["messageId"] = 42

    expected = ["42"]
    assert expected == [m.message_id for m in parse_event(encode(event))]


# --- credentials -----------------------------------------------------------------------------


def test_context_credentials_win_over_the_environment() -> None:
    """Older runtimes' ``context.credentials`` are used when present."""
    context = context_with(Credentials("ctx-id", "ctx-secret", "ctx-token"))
    environ = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "env", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env"}

    actual = credentials_of(context, environ)

    expected = Credentials("ctx-id", "ctx-secret", "ctx-token")
    assert expected == actual


def test_environment_credentials_when_the_context_has_none() -> None:
    """The Python 3.12 runtime's ``ALIBABA_CLOUD_*`` variables are the fallback."""
    environ = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "env-id",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret",
        "ALIBABA_CLOUD_SECURITY_TOKEN": "env-token",
    }

    actual = credentials_of(context_with(), environ)

    expected = Credentials("env-id", "env-secret", "env-token")
    assert expected == actual


def test_no_credentials_anywhere_names_the_missing_variable() -> None:
    """Neither the context nor the environment: a ``ValueError`` naming the variable."""
    with pytest.raises(ValueError, match="ALIBABA_CLOUD_ACCESS_KEY_ID is not set"):
        credentials_of(context_with(), {})


def test_credentials_repr_hides_the_secret() -> None:
    """Neither the secret nor the token shows in ``repr``."""
    text = repr(Credentials("id", "very-secret", "very-token"))

    expected = (False, False)
    assert expected == ("very-secret" in text, "very-token" in text)


# --- against the emulator --------------------------------------------------------------------


@pytest.fixture(name="fc_env")
def fixture_fc_env(monkeypatch: pytest.MonkeyPatch, emulator: EmulatorServer) -> None:
    """Settings for the wired handler: the emulator, fast polls, a short retry budget."""
    monkeypatch.delenv("GA_WORKER_AMQP_URL", raising=False)
    for name, value in {
        "GA_WORKER_GA_ENDPOINT": emulator.url,
        "GA_WORKER_POLL_INTERVAL": "0.05",
        "GA_WORKER_POLL_TIMEOUT": "10",
        "GA_WORKER_RETRY_ATTEMPTS": "2",
        "GA_WORKER_RETRY_DEADLINE": "3",
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "testid",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "testsecret",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ALIBABA_CLOUD_SECURITY_TOKEN", raising=False)


@pytest.fixture(name="fc")
def fixture_fc(fc_env: None) -> Iterator[FcHandler[Credentials]]:
    """The deployable handler (``worker.fc_entry``), fresh for the test."""
    fc = build_handler(configure_logs=False)
    try:
        yield fc
    finally:
        fc.close()


async def test_batch_creates_one_listener_per_message(
    fc: FcHandler[Credentials], emulator_admin: EmulatorAdmin
) -> None:
    """An array of trigger events runs each through the pipeline to a created listener."""
    for accelerator in ("ga-a", "ga-b", "ga-c"):
        await emulator_admin.add_accelerator(accelerator)
    events = [
        trigger_event(tcp_body("ga-a"), message_id="m-a", tag=1),
        trigger_event(orjson.dumps(tcp_body("ga-b")).decode(), message_id="m-b", tag=2),
        trigger_event(tcp_body("ga-c", ClientToken="own-token"), message_id="m-c", tag=3),
    ]

    summary = await invoke(fc, encode(events))

    state = await emulator_admin.state()
    listeners = {lsn["ClientToken"]: lsn["ListenerId"] for lsn in state["listeners"]}
    outcomes = by_message_id(summary)
    expected = (3, 3, 0, 0, 0)
    created_x3 = ["ga.listener.created"] * 3
    assert expected == (
        summary["messages"],
        summary["created"],
        summary["failed"],
        summary["retry"],
        summary["published"],
    )
    assert created_x3 == [o["type"] for o in outcomes.values()]
    assert listeners == {o["client_token"]: o["listener_id"] for o in outcomes.values()}
    assert outcomes["m-c"]["client_token"] == "own-token"


async def test_single_event_and_bare_object(
    fc: FcHandler[Credentials], emulator_admin: EmulatorAdmin
) -> None:
    """A single trigger event and a bare request object each create their listener."""
    await emulator_admin.add_accelerator("ga-single")
    await emulator_admin.add_accelerator("ga-bare")

    single = await invoke(fc, encode(trigger_event(tcp_body("ga-single"), message_id="m-1")))
    bare = await invoke(fc, encode(tcp_body("ga-bare")))

    expected = [("m-1", "ga.listener.created"), (None, "ga.listener.created")]
    assert expected == [
        (s["outcomes"][0]["message_id"], s["outcomes"][0]["type"]) for s in (single, bare)
    ]


async def test_broken_messages_are_final_validation_errors(
    fc: FcHandler[Credentials], emulator_admin: EmulatorAdmin
) -> None:
    """Broken bodies fail as validation errors, are not retried, and never reach the API."""
    events = [
        trigger_event("not json", message_id="m-text"),
        trigger_event(None, message_id="m-empty"),
        trigger_event({"AcceleratorId": "ga-x", "Protocol": "tcp"}, message_id="m-invalid"),
        trigger_event(tcp_body("ga-x"), message_id="m-xml", content_type="text/xml"),
    ]

    summary = await invoke(fc, encode(events))

    state = await emulator_admin.state()
    expected = ["validation_error"] * 4
    assert expected == [o["error_type"] for o in summary["outcomes"]]
    expected = (0, 0)
    assert expected == (summary["retry"], state["calls"].get("CreateListener", 0))


async def test_not_json_invocation_is_one_validation_error(fc: FcHandler[Credentials]) -> None:
    """An invocation payload that is not JSON at all is one message, refused."""
    summary = await invoke(fc, b"\x00garbage")

    expected = [("ga.listener.failed", "validation_error")]
    assert expected == [(o["type"], o["error_type"]) for o in summary["outcomes"]]


async def test_context_credentials_are_used(
    fc: FcHandler[Credentials], emulator_admin: EmulatorAdmin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``context.credentials`` sign the calls; wrong ones are a final auth error."""
    await emulator_admin.add_accelerator("ga-ctx")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "wrong-id")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wrong-secret")
    event = encode(trigger_event(tcp_body("ga-ctx"), message_id="m-ctx"))

    with_context = await invoke(fc, event, context_with(GOOD))
    from_env = await invoke(fc, event, context_with())

    expected = [("ga.listener.created", None), ("ga.listener.failed", "auth_error")]
    assert expected == [
        (s["outcomes"][0]["type"], s["outcomes"][0]["error_type"]) for s in (with_context, from_env)
    ]
    expected = 0
    assert expected == from_env["retry"]


async def test_retries_exhausted_is_final_and_a_redelivered_batch_creates_nothing_twice(
    fc: FcHandler[Credentials], emulator_admin: EmulatorAdmin
) -> None:
    """retries_exhausted is a final outcome (no RetryBatch); the batch delivered again finds
    the listener the lost responses created (same ClientToken) and creates nothing twice."""
    await emulator_admin.add_accelerator("ga-lost")
    events = encode(
        [
            trigger_event({"Protocol": "tcp"}, message_id="m-final", tag=1),
            trigger_event(tcp_body("ga-lost"), message_id="m-lost", tag=2),
        ]
    )
    # The API commits the listener, then every response is lost: the client's retries run out.
    await emulator_admin.faults(1, [{"action": "CreateListener", "kind": "reset_after_commit"}])

    first = await invoke(fc, events)
    await emulator_admin.faults(None, [])
    redelivered = await invoke(fc, events)

    state = await emulator_admin.state()
    failed = by_message_id(first)
    outcomes = by_message_id(redelivered)
    expected = [(None, "validation_error"), (None, "retries_exhausted")]
    assert expected == [
        (failed[m]["retry"], failed[m]["error_type"]) for m in ("m-final", "m-lost")
    ]
    expected = 0
    assert expected == first["retry"]
    expected = ("ga.listener.created", 0)
    assert expected == (outcomes["m-lost"]["type"], redelivered["retry"])
    expected = [(outcomes["m-lost"]["client_token"], outcomes["m-lost"]["listener_id"])]
    assert expected == [(lsn["ClientToken"], lsn["ListenerId"]) for lsn in state["listeners"]]


async def test_warm_invocations_reuse_the_client_until_credentials_rotate(
    emulator: EmulatorServer, emulator_admin: EmulatorAdmin
) -> None:
    """One GA client serves warm invocations; rotated credentials get a new one."""
    await emulator_admin.add_accelerator("ga-warm", quota=10)
    built: list[Credentials] = []
    closed: list[Credentials] = []

    @asynccontextmanager
    async def api(credentials: Credentials) -> AsyncIterator[ListenerApi]:
        built.append(credentials)
        own = Credentials(credentials.access_key_id, credentials.access_key_secret)
        async with GaClient(endpoint=emulator.url, credentials=own, poll_interval=0.05) as c:
            yield c
        closed.append(credentials)

    fc = make_handler(context_credentials, api, lambda: None)
    rotated = Credentials("testid", "testsecret", "sts-token-2")
    try:
        for port, credentials in ((81, GOOD), (82, GOOD), (83, rotated)):
            body = tcp_body("ga-warm", port)
            await invoke(fc, encode(body), context_with(credentials))
    finally:
        await asyncio.to_thread(fc.close)

    expected = ([GOOD, rotated], [GOOD, rotated])
    assert expected == (built, closed)


async def test_concurrent_invocations_share_one_client(
    emulator: EmulatorServer, emulator_admin: EmulatorAdmin
) -> None:
    """Invocations from several runtime threads at once run on the one loop and one client."""
    accelerators = [f"ga-conc-{i}" for i in range(8)]
    for accelerator in accelerators:
        await emulator_admin.add_accelerator(accelerator)
    built: list[Credentials] = []

    @asynccontextmanager
    async def api(credentials: Credentials) -> AsyncIterator[ListenerApi]:
        built.append(credentials)
        own = Credentials("testid", "testsecret")
        async with GaClient(endpoint=emulator.url, credentials=own, poll_interval=0.05) as c:
            yield c

    fc = make_handler(context_credentials, api, lambda: None)
    try:
        summaries = await asyncio.gather(
            *(invoke(fc, encode(tcp_body(a)), context_with(GOOD)) for a in accelerators)
        )
    finally:
        await asyncio.to_thread(fc.close)

    expected = (["ga.listener.created"] * len(accelerators), [GOOD])
    assert expected == ([s["outcomes"][0]["type"] for s in summaries], built)


class ExplodingApi:
    """A GA API whose CreateListener fails in a way the pipeline does not foresee."""

    async def create_listener(self, request: Any, trace: Any) -> str:
        raise RuntimeError("a bug")

    async def wait_until_active(self, **_: Any) -> dict[str, Any]:
        raise AssertionError("not reached")


@asynccontextmanager
async def exploding_api(_credentials: Credentials) -> AsyncIterator[ListenerApi]:
    """The API factory of a handler whose every CreateListener crashes the pipeline."""
    yield ExplodingApi()


async def test_pipeline_crash_raises_for_a_retry() -> None:
    """An exception the pipeline did not turn into an outcome makes the batch retry."""
    fc = make_handler(context_credentials, exploding_api, lambda: None)
    try:
        with pytest.raises(RetryBatch) as raised:
            await asyncio.to_thread(fc, encode(tcp_body("ga-1")), context_with(GOOD))
    finally:
        await asyncio.to_thread(fc.close)

    expected = [("pipeline_crashed", "RuntimeError")]
    assert expected == [(o["retry"], o["error_code"]) for o in raised.value.summary["outcomes"]]


async def test_unpublished_outcome_raises_for_a_retry() -> None:
    """An outcome the publisher could not deliver makes the batch retry."""

    class RefusingPublisher:
        async def publish(self, outcome: Any, *, reply_to: str | None) -> None:
            raise ConnectionError("broker gone")

    @asynccontextmanager
    async def publisher() -> AsyncIterator[OutcomePublisher]:
        yield RefusingPublisher()

    fc = make_handler(context_credentials, exploding_api, publisher)
    try:
        with pytest.raises(RetryBatch) as raised:
            await asyncio.to_thread(fc, encode({"Protocol": "tcp"}), context_with(GOOD))
    finally:
        await asyncio.to_thread(fc.close)

    expected = [("publish_failed", "validation_error", False)]
    assert expected == [
        (o["retry"], o["error_type"], o["published"]) for o in raised.value.summary["outcomes"]
    ]


async def test_module_handler_delegates_to_the_wired_entry(
    fc: FcHandler[Credentials], emulator_admin: EmulatorAdmin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``handlers.fc.handler`` runs ``worker.fc_entry.handler``."""
    await emulator_admin.add_accelerator("ga-entry")
    monkeypatch.setattr("worker.fc_entry.handler", fc)
    event = encode([trigger_event(tcp_body("ga-entry"), message_id="m-entry")])

    text = await asyncio.to_thread(handlers.fc.handler, event, context_with())

    expected = ["ga.listener.created"]
    assert expected == [o["type"] for o in orjson.loads(text)["outcomes"]]


# --- against the broker ----------------------------------------------------------------------


@pytest.fixture(name="fc_amqp")
def fixture_fc_amqp(
    fc_env: None, monkeypatch: pytest.MonkeyPatch, rig: Rig
) -> Iterator[FcHandler[Credentials]]:
    """The wired handler publishing outcomes to the rig's topology on the real broker."""
    monkeypatch.setenv("GA_WORKER_AMQP_URL", rig.settings.amqp_url)
    monkeypatch.setenv("GA_WORKER_REQUEST_QUEUE", rig.topology.request_queue)
    monkeypatch.setenv("GA_WORKER_EVENTS_EXCHANGE", rig.topology.events_exchange)
    monkeypatch.setenv("GA_WORKER_PUBLISH_DEADLINE", "5")
    fc = build_handler(configure_logs=False)
    try:
        yield fc
    finally:
        fc.close()


async def test_outcomes_are_published_to_the_events_exchange(
    fc_amqp: FcHandler[Credentials], rig: Rig
) -> None:
    """Each final outcome is published once, confirmed, with the summary's message id."""
    await rig.admin.add_accelerator("ga-pub")
    reply = await OutcomeTap.open(rig.connection, "", queue=f"reply.{uuid.uuid4().hex}")
    try:
        events = [
            trigger_event(
                tcp_body("ga-pub"),
                message_id="m-ok",
                correlation_id="c-ok",
                reply_to=reply.queue_name,
            ),
            trigger_event({"Protocol": "tcp"}, message_id="m-bad"),
        ]

        summary = await invoke(fc_amqp, encode(events))
        received = await rig.events.take(2)
        replied = await reply.next()
    finally:
        await reply.close()

    outcomes = by_message_id(summary)
    assert {(o["outcome_message_id"], True) for o in outcomes.values()} == {
        (r.message_id, r.delivery_mode == 2) for r in received
    }
    expected = {"listener.created", "listener.failed.validation_error"}
    assert expected == {r.routing_key for r in received}
    expected = ("c-ok", outcomes["m-ok"]["outcome_message_id"])
    assert expected == (
        replied.correlation_id,
        replied.message_id,
    )
    expected = 2
    assert expected == summary["published"]


async def test_retries_exhausted_is_published_and_redelivery_repeats_the_outcome_ids(
    fc_amqp: FcHandler[Credentials], rig: Rig
) -> None:
    """A retries_exhausted outcome is published like any other, without a retry; the batch
    delivered again publishes its outcomes with the same message_id."""
    await rig.admin.add_accelerator("ga-retry")
    events = encode(
        [
            trigger_event({"Protocol": "tcp"}, message_id="m-final"),
            trigger_event(tcp_body("ga-retry"), message_id="m-later"),
        ]
    )
    await rig.admin.faults(2, [{"action": "CreateListener", "kind": "throttle"}])

    summary = await invoke(fc_amqp, events)
    first = {r.routing_key: r.message_id for r in await rig.events.take(2)}
    await rig.admin.faults(None, [])
    await invoke(fc_amqp, events)
    second = {r.routing_key: r.message_id for r in await rig.events.take(2)}

    outcomes = by_message_id(summary)
    expected = (0, 2)
    assert expected == (summary["retry"], summary["published"])
    expected = {
        "listener.failed.validation_error": outcomes["m-final"]["outcome_message_id"],
        "listener.failed.retries_exhausted": outcomes["m-later"]["outcome_message_id"],
    }
    assert expected == first
    expected = {
        "listener.failed.validation_error": first["listener.failed.validation_error"],
        "listener.created": second["listener.created"],
    }
    assert expected == second
    expected = 0
    assert expected == rig.events.pending()


def test_entry_module_names_the_deployable_handler() -> None:
    """``ENTRY_MODULE`` is importable and exposes a handler (what s.yaml points at)."""
    import importlib

    entry = importlib.import_module(handlers.fc.ENTRY_MODULE)

    expected = (True, "worker.fc_entry")
    assert expected == (callable(entry.handler), handlers.fc.ENTRY_MODULE)
