"""Tests of handlers.pipeline against a small fake ListenerApi (the pure core, no I/O)."""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
import structlog
from hypothesis import given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from handlers import CallTrace, Pipeline, RequestMessage
from schemas.errors import (
    ApiError,
    ApiRefused,
    ApiUnavailable,
    AuthFailed,
    ListenerLost,
    PollTimedOut,
    TransportFailed,
)
from schemas.outcome import parse_outcome_event
from schemas.request import CreateListenerRequest
from tests.fixtures.requests import tcp_body
from tests.handlers._events import created, failed

NOW = datetime(2025, 3, 7, 7, 51, tzinfo=UTC)


ACCELERATOR = "ga-bp1odcab8tmno0hdq"  # the contract example's


def message(body: object = None, **props: Any) -> RequestMessage:
    """A RequestMessage of a JSON body (a valid request unless given one)."""
    if body is None:
        body = tcp_body(ACCELERATOR)
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    props.setdefault("content_type", "application/json")
    return RequestMessage(body=raw, **props)


class FakeApi:
    """An in-memory ListenerApi: idempotent by ClientToken, scriptable failures and gates."""

    def __init__(self) -> None:
        self.listeners: dict[str, str] = {}  # ClientToken -> ListenerId
        self.requests: list[CreateListenerRequest] = []
        self.create_errors: dict[str, BaseException] = {}  # AcceleratorId -> raised by create
        self.poll_errors: dict[str, BaseException] = {}  # AcceleratorId -> raised by wait
        self.gates: dict[str, asyncio.Event] = {}  # AcceleratorId -> create waits for it
        self.entered: dict[str, asyncio.Event] = {}  # AcceleratorId -> set when create starts
        self.open: Counter[str] = Counter()  # requests between create and active, per accelerator
        self.most_open: Counter[str] = Counter()
        self.contexts: list[dict[str, Any]] = []
        self.accelerator_of: dict[str, str] = {}  # ListenerId -> AcceleratorId
        self._ids = 0

    def _request_id(self, trace: CallTrace) -> None:
        self._ids += 1
        trace.api_request_ids.append(f"req-{self._ids}")

    async def create_listener(self, request: CreateListenerRequest, trace: CallTrace) -> str:
        accelerator = request.accelerator_id
        self.requests.append(request)
        self.contexts.append(structlog.contextvars.get_contextvars())
        self.open[accelerator] += 1
        self.most_open[accelerator] = max(self.most_open[accelerator], self.open[accelerator])
        self.most_open["*"] = max(self.most_open["*"], self.open.total())
        trace.attempts += 1
        self._request_id(trace)
        try:
            self.entered.setdefault(accelerator, asyncio.Event()).set()
            if accelerator in self.gates:
                await self.gates[accelerator].wait()
            if accelerator in self.create_errors:
                raise self.create_errors[accelerator]
        except BaseException:
            self.open[accelerator] -= 1
            raise
        token = request.client_token or ""
        listener_id = self.listeners.setdefault(token, f"lsr-{len(self.listeners) + 1}")
        self.accelerator_of[listener_id] = accelerator
        return listener_id

    async def wait_until_active(
        self, *, region_id: str, listener_id: str, trace: CallTrace
    ) -> dict[str, Any]:
        accelerator = self.accelerator_of[listener_id]
        try:
            trace.polls += 1
            self._request_id(trace)
            if accelerator in self.poll_errors:
                raise self.poll_errors[accelerator]
            return {"ListenerId": listener_id, "State": "active", "RegionId": region_id}
        finally:
            self.open[accelerator] -= 1


class _Clock:
    """A monotonic clock that advances 0.25 s per reading."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        self.now += 0.25
        return self.now


@pytest.fixture(name="api")
def fixture_api() -> FakeApi:
    return FakeApi()


@pytest.fixture(name="pipeline")
def fixture_pipeline(api: FakeApi) -> Pipeline:
    return Pipeline(api, clock=_Clock(), now=lambda: NOW)


async def test_valid_request_is_created(pipeline: Pipeline, api: FakeApi) -> None:
    """A valid request becomes ga.listener.created with the listener, ids and counts."""
    outcome = await pipeline.handle(
        message(message_id="m-1", correlation_id="c-1", reply_to="amq.gen-reply")
    )
    event = created(outcome)
    expected = {
        "routing_key": "listener.created",
        "ce_type": "ga.listener.created",
        "correlation_id": "c-1",
        "reply_to": "amq.gen-reply",
        "subject": api.requests[0].client_token,
        "listener_id": "lsr-1",
        "listener": {"ListenerId": "lsr-1", "State": "active", "RegionId": "cn-hangzhou"},
        "data": (1, 1, ["req-1", "req-2"], 250.0, "m-1", "c-1"),
        "ids": ("cn-hangzhou", "ga-bp1odcab8tmno0hdq"),
        "time": NOW,
        "body": event,
    }
    actual = {
        "routing_key": outcome.routing_key,
        "ce_type": outcome.ce_type,
        "correlation_id": outcome.correlation_id,
        "reply_to": outcome.reply_to,
        "subject": event.subject,
        "listener_id": event.data.listener_id,
        "listener": event.data.listener,
        "data": (
            event.data.attempts,
            event.data.polls,
            event.data.api_request_ids,
            event.data.duration_ms,
            event.data.request_message_id,
            event.data.correlation_id,
        ),
        "ids": (event.data.region_id, event.data.accelerator_id),
        "time": event.time,
        "body": parse_outcome_event(outcome.body),
    }
    assert expected == actual


async def test_correlation_id_falls_back_to_message_id(pipeline: Pipeline) -> None:
    """Without a correlation_id the outcome correlates by the request's message_id."""
    outcome = await pipeline.handle(message(message_id="m-7"))
    expected = ("m-7", "m-7")
    assert expected == (outcome.correlation_id, created(outcome).data.correlation_id)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            orjson.dumps(
                {
                    "specversion": "1.0",
                    "id": "1",
                    "source": "s",
                    "type": "t",
                    "data": tcp_body(ACCELERATOR),
                }
            ),
            "application/cloudevents+json",
        ),
        (
            orjson.dumps(
                {
                    "specversion": "1.0",
                    "id": "1",
                    "source": "s",
                    "type": "t",
                    "data_base64": base64.b64encode(orjson.dumps(tcp_body(ACCELERATOR))).decode(),
                }
            ),
            "application/json",
        ),
        (orjson.dumps(tcp_body(ACCELERATOR)), None),
        (orjson.dumps(tcp_body(ACCELERATOR)), "text/json"),
        (orjson.dumps(tcp_body(ACCELERATOR)), "application/json; charset=utf-8"),
    ],
)
async def test_accepted_envelopes_create(
    pipeline: Pipeline, body: bytes, content_type: str | None
) -> None:
    """Plain JSON under each accepted content type, and CloudEvents envelopes, all create."""
    outcome = await pipeline.handle(RequestMessage(body=body, content_type=content_type))
    expected = "lsr-1"
    assert expected == created(outcome).data.listener_id


async def test_snake_case_body_creates(pipeline: Pipeline, api: FakeApi) -> None:
    """snake_case parameter names are accepted like the API's own."""
    body = {
        "accelerator_id": "ga-snake",
        "name": "web",
        "protocol": "tcp",
        "port_ranges": [{"from_port": 80, "to_port": 80}],
        "endpoint_group_configurations": [
            {
                "endpoint_group_region": "cn-hangzhou",
                "endpoint_configurations": [{"endpoint": "47.0.0.1", "type": "Ip", "weight": 100}],
            }
        ],
    }
    outcome = await pipeline.handle(message(body))
    expected = ("ga-snake", "ga-snake")
    assert expected == (created(outcome).data.accelerator_id, api.requests[0].accelerator_id)


async def test_redelivery_reaches_the_api_with_the_same_token(
    pipeline: Pipeline, api: FakeApi
) -> None:
    """The same message delivered twice gets one token, one listener, one outcome id."""
    first = await pipeline.handle(message(message_id="m-1"))
    again = await pipeline.handle(message(message_id="m-1"))
    expected = (api.requests[0].client_token, "lsr-1", first.message_id, first.event.subject)
    assert expected == (
        api.requests[1].client_token,
        created(again).data.listener_id,
        again.message_id,
        again.event.subject,
    )


async def test_body_hash_token_ignores_serialisation(pipeline: Pipeline, api: FakeApi) -> None:
    """Without a message id, the same request re-serialised still gets the same token."""
    body = tcp_body(ACCELERATOR)
    await pipeline.handle(message(orjson.dumps(body)))
    await pipeline.handle(message(orjson.dumps(dict(reversed(body.items())))))
    await pipeline.handle(message(orjson.dumps(tcp_body("ga-other"))))
    tokens = [r.client_token for r in api.requests]
    expected = (True, True, True)
    assert expected == (
        tokens[0] == tokens[1],
        tokens[0] != tokens[2],
        str(tokens[0]).startswith("gaw-b-"),
    )


async def test_own_client_token_is_sent(pipeline: Pipeline, api: FakeApi) -> None:
    """The body's own ClientToken reaches the API and is the event's subject."""
    outcome = await pipeline.handle(
        message(tcp_body(ACCELERATOR, ClientToken="my-token-1"), message_id="m")
    )
    expected = ("my-token-1", "my-token-1")
    assert expected == (api.requests[0].client_token, outcome.event.subject)


VALIDATION_CASES = [
    pytest.param(
        b"x" * (256 * 1024 + 1), "application/json", ("InvalidParameter", None), id="huge"
    ),
    pytest.param(
        orjson.dumps(tcp_body(ACCELERATOR)), "text/plain", ("InvalidParameter", None), id="type"
    ),
    pytest.param(b"{not json", "application/json", ("InvalidParameter", None), id="not-json"),
    pytest.param(b"\xff\xfe", None, ("InvalidParameter", None), id="not-utf8"),
    pytest.param(
        orjson.dumps({"specversion": "1.0", "data": "x"}),
        "application/cloudevents+json",
        ("InvalidParameter", None),
        id="envelope",
    ),
    pytest.param(b"[]", "application/json", (None, None), id="array"),
    pytest.param(b"null", "application/json", (None, None), id="null"),
    pytest.param(
        orjson.dumps(tcp_body(ACCELERATOR, PortRanges=[])),
        "application/json",
        (None, "ga-bp1odcab8tmno0hdq"),
        id="no-port-range",
    ),
    pytest.param(
        orjson.dumps(tcp_body(ACCELERATOR, Protocol="sctp")),
        None,
        (None, "ga-bp1odcab8tmno0hdq"),
        id="protocol",
    ),
    pytest.param(orjson.dumps({"AcceleratorId": 5}), None, (None, None), id="wrong-type"),
]


@pytest.mark.parametrize(("body", "content_type", "code_and_accelerator"), VALIDATION_CASES)
async def test_invalid_requests_never_reach_the_api(
    pipeline: Pipeline,
    api: FakeApi,
    body: bytes,
    content_type: str | None,
    code_and_accelerator: tuple[str | None, str | None],
) -> None:
    """Huge, mistyped, non-JSON, broken-envelope and rule-breaking bodies are validation errors.

    A ``None`` code means "the request parser's own code", checked to be the first detail's.
    """
    code, accelerator_id = code_and_accelerator
    outcome = await pipeline.handle(RequestMessage(body, content_type, "m-bad", None, None))
    error = failed(outcome).data.error
    assert error.details
    expected: dict[str, Any] = {
        "routing_key": "listener.failed.validation_error",
        "type": "validation_error",
        "code": code or error.details[0].code,
        "first_detail": error.details[0].code,
        "accelerator_id": accelerator_id,
        "api_calls": 0,
        "counts": (0, 0, []),
    }
    actual = {
        "routing_key": outcome.routing_key,
        "type": error.type,
        "code": error.code,
        "first_detail": error.code,
        "accelerator_id": outcome.event.data.accelerator_id,
        "api_calls": len(api.requests),
        "counts": (outcome.attempts, outcome.polls, outcome.event.data.api_request_ids),
    }
    assert expected == actual


API_FAILURES = [
    (ApiRefused(code="NotExist.Accelerator", message="no", http_status=404), "api_error", None),
    (AuthFailed(code="IncompleteSignature", message="sig", http_status=400), "auth_error", None),
    (
        ApiUnavailable(code="Throttling.User", message="slow", http_status=400),
        "retries_exhausted",
        None,
    ),
    (TransportFailed(code="ClientConnectorError", message="refused"), "retries_exhausted", None),
]


@pytest.mark.parametrize(("exc", "error_type", "listener_id"), API_FAILURES)
async def test_create_failures_become_failed_outcomes(
    pipeline: Pipeline,
    api: FakeApi,
    exc: Exception,
    error_type: str,
    listener_id: str | None,
) -> None:
    """Each API failure of create is routed as listener.failed.<its type> with its code."""
    api.create_errors[ACCELERATOR] = exc
    outcome = await pipeline.handle(message(message_id="m-1"))
    event = failed(outcome)
    code = exc.code if isinstance(exc, ApiError) else None
    expected = (f"listener.failed.{error_type}", error_type, code, listener_id, 1, ["req-1"])
    assert expected == (
        outcome.routing_key,
        event.data.error.type,
        event.data.error.code,
        event.data.listener_id,
        event.data.attempts,
        event.data.api_request_ids,
    )


@pytest.mark.parametrize(
    ("exc", "error_type", "code"),
    [
        (
            PollTimedOut("slow", code="PollTimeout", listener_id="lsr-1"),
            "poll_timeout",
            "PollTimeout",
        ),
        (
            ListenerLost("gone", code="NotExist.Listener", listener_id="lsr-1"),
            "listener_failed",
            "NotExist.Listener",
        ),
        (
            ApiUnavailable(code="ServiceUnavailable", message="x", http_status=503),
            "retries_exhausted",
            "ServiceUnavailable",
        ),
    ],
)
async def test_poll_failures_keep_the_listener_id(
    pipeline: Pipeline, api: FakeApi, exc: Exception, error_type: str, code: str
) -> None:
    """A failure while polling reports the created listener's id and every call."""
    api.poll_errors[ACCELERATOR] = exc
    outcome = await pipeline.handle(message())
    event = failed(outcome)
    expected = (f"listener.failed.{error_type}", code, "lsr-1", 1, 1, ["req-1", "req-2"])
    assert expected == (
        outcome.routing_key,
        event.data.error.code,
        event.data.listener_id,
        event.data.attempts,
        event.data.polls,
        event.data.api_request_ids,
    )


async def test_bug_propagates(pipeline: Pipeline, api: FakeApi) -> None:
    """An exception outside the tree is a bug: it propagates, and the lock is released."""
    api.create_errors[ACCELERATOR] = ZeroDivisionError("bug")
    with pytest.raises(ZeroDivisionError):
        await pipeline.handle(message())
    assert not pipeline.accelerators_in_flight


async def test_cancellation_propagates(pipeline: Pipeline, api: FakeApi) -> None:
    """Cancelling a request mid-call raises CancelledError and leaves no lock behind."""
    api.gates[ACCELERATOR] = asyncio.Event()
    task = asyncio.create_task(pipeline.handle(message()))
    await asyncio.wait_for(api.entered.setdefault(ACCELERATOR, asyncio.Event()).wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not pipeline.accelerators_in_flight


async def test_one_accelerator_is_serialised_others_run_in_parallel(
    pipeline: Pipeline, api: FakeApi
) -> None:
    """Requests for one accelerator never overlap create-to-active; other accelerators do."""
    gate_a = api.gates["ga-a"] = asyncio.Event()
    first_a = asyncio.create_task(pipeline.handle(message(tcp_body("ga-a"), message_id="a1")))
    second_a = asyncio.create_task(pipeline.handle(message(tcp_body("ga-a"), message_id="a2")))
    only_b = asyncio.create_task(pipeline.handle(message(tcp_body("ga-b"), message_id="b1")))
    await asyncio.wait_for(only_b, 5)
    calls_while_a_held = [r.accelerator_id for r in api.requests]
    in_flight_while_a_held = pipeline.accelerators_in_flight
    gate_a.set()
    outcomes = await asyncio.wait_for(asyncio.gather(first_a, second_a), 5)
    expected = (["ga-a", "ga-b"], 1, 1, 2, ["listener.created"] * 2, 0)
    assert expected == (
        calls_while_a_held,
        in_flight_while_a_held,
        api.most_open["ga-a"],
        api.most_open["*"],
        [o.routing_key for o in outcomes],
        pipeline.accelerators_in_flight,
    )


async def test_one_canonical_log_line(pipeline: Pipeline) -> None:
    """Each request logs exactly one ga.request.completed line with the outcome's facts."""
    secret_body = tcp_body(ACCELERATOR, Description="hunter2-do-not-log")
    with capture_logs() as logs:
        outcome = await pipeline.handle(message(secret_body, message_id="m-1"))
    completed = [e for e in logs if e["event"] == "ga.request.completed"]
    expected = [
        {
            "event": "ga.request.completed",
            "log_level": "info",
            "client_token": outcome.client_token,
            "accelerator_id": "ga-bp1odcab8tmno0hdq",
            "outcome": "ga.listener.created",
            "error_type": None,
            "error_code": None,
            "attempts": 1,
            "polls": 1,
            "retries": 0,
            "duration_ms": 250.0,
            "outcome_message_id": outcome.message_id,
        }
    ]
    assert expected == completed
    assert "hunter2" not in repr(logs)


async def test_failed_request_logs_a_warning(pipeline: Pipeline) -> None:
    """A failed outcome's canonical line is a warning with the error type and code."""
    with capture_logs() as logs:
        await pipeline.handle(message(b"nope"))
    expected = [("warning", "validation_error", "InvalidParameter")]
    assert expected == [(e["log_level"], e["error_type"], e["error_code"]) for e in logs]


async def test_context_is_bound_during_api_calls(pipeline: Pipeline, api: FakeApi) -> None:
    """The GA client's own log lines carry the message, token and accelerator."""
    outcome = await pipeline.handle(message(message_id="m-1", correlation_id="c-1"))
    expected = {
        "message_id": "m-1",
        "correlation_id": "c-1",
        "client_token": outcome.client_token,
        "accelerator_id": "ga-bp1odcab8tmno0hdq",
    }
    assert expected == api.contexts[0]
    assert not structlog.contextvars.get_contextvars()


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
_KEYS = st.sampled_from(
    [
        "AcceleratorId",
        "accelerator_id",
        "RegionId",
        "ClientToken",
        "client_token",
        "Protocol",
        "PortRanges",
        "Name",
        "specversion",
        "data",
        "data_base64",
        "EndpointGroupConfigurations",
    ]
)
_BODIES = (
    st.binary(max_size=300)
    | _JSON.map(orjson.dumps)
    | st.dictionaries(_KEYS, _JSON, max_size=6).map(orjson.dumps)
    | st.builds(
        lambda extra: orjson.dumps({**tcp_body(ACCELERATOR), **extra}),
        st.dictionaries(_KEYS, _JSON, max_size=2),
    )
)
_CONTENT_TYPES = (
    st.none()
    | st.sampled_from(
        ["application/json", "application/cloudevents+json", "text/json", "text/plain", ""]
    )
    | st.text(max_size=30)
)
_PROPERTY = st.none() | st.text(max_size=40)


@settings(max_examples=200, deadline=None)
@given(body=_BODIES, content_type=_CONTENT_TYPES, message_id=_PROPERTY, correlation_id=_PROPERTY)
async def test_any_input_yields_one_outcome(
    body: bytes, content_type: str | None, message_id: str | None, correlation_id: str | None
) -> None:
    """Whatever the bytes and properties, handle returns an outcome that reads back."""
    pipeline = Pipeline(FakeApi())
    outcome = await pipeline.handle(
        RequestMessage(body, content_type, message_id, correlation_id, None)
    )
    event = parse_outcome_event(outcome.body)
    expected = (event.id, correlation_id or message_id, True, 0)
    assert expected == (
        outcome.message_id,
        outcome.correlation_id,
        0 < len(event.subject) <= 64 and event.subject.isascii(),
        pipeline.accelerators_in_flight,
    )
