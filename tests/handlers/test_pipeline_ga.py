"""Tests of handlers.pipeline against the real GA client and the emulator over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from handlers import Pipeline, RequestMessage
from tests.fixtures.emulator import EmulatorAdmin
from tests.fixtures.requests import tcp_body
from tests.handlers._events import created, failed
from worker.emulator import EmulatorServer
from worker.ga.client import GaClient
from worker.ga.credentials import Credentials

EXAMPLES = Path(__file__).resolve().parents[2] / "deploy" / "examples"
VALID = [
    pytest.param(orjson.loads(p.read_bytes()), id=p.stem) for p in sorted(EXAMPLES.glob("valid-*"))
]
INVALID = [
    pytest.param(orjson.loads(p.read_bytes()), id=p.stem)
    for p in sorted(EXAMPLES.glob("invalid-*"))
]
GOOD = Credentials("testid", "testsecret")
RETRY_ATTEMPTS = 3


def message(body: dict[str, Any], message_id: str | None = None) -> RequestMessage:
    return RequestMessage(orjson.dumps(body), "application/json", message_id, None, None)


def client(emulator: EmulatorServer, **options: Any) -> GaClient:
    """A GA client on the emulator with fast retries and polls."""
    options.setdefault("credentials", GOOD)
    return GaClient(
        endpoint=emulator.url,
        retry_attempts=RETRY_ATTEMPTS,
        backoff_initial=0.01,
        backoff_max=0.02,
        poll_interval=0.02,
        **options,
    )


@pytest.fixture(name="ga")
async def fixture_ga(emulator: EmulatorServer) -> AsyncIterator[GaClient]:
    async with client(emulator) as ga:
        yield ga


@pytest.fixture(name="pipeline")
def fixture_pipeline(ga: GaClient) -> Pipeline:
    return Pipeline(ga)


@pytest.mark.parametrize("body", VALID)
async def test_every_listener_kind_is_created(
    pipeline: Pipeline, emulator_admin: EmulatorAdmin, body: dict[str, Any]
) -> None:
    """Each valid example becomes an active listener the emulator holds under our token."""
    await emulator_admin.add_accelerator(body["AcceleratorId"])
    outcome = await pipeline.handle(message(body, message_id=f"m-{body['Name']}"))
    event = created(outcome)
    state = await emulator_admin.state()
    expected = {
        "routing_key": "listener.created",
        "listeners": [(event.data.listener_id, outcome.client_token, "active")],
        "described": (event.data.listener_id, "active"),
        "attempts": 1,
        "request_ids": True,
    }
    actual = {
        "routing_key": outcome.routing_key,
        "listeners": [(x["ListenerId"], x["ClientToken"], x["State"]) for x in state["listeners"]],
        "described": (event.data.listener.get("ListenerId"), event.data.listener.get("State")),
        "attempts": event.data.attempts,
        "request_ids": len(event.data.api_request_ids) >= 1 + event.data.polls,
    }
    assert expected == actual


@pytest.mark.parametrize("body", INVALID)
async def test_invalid_examples_never_call_the_api(
    pipeline: Pipeline, emulator_admin: EmulatorAdmin, body: dict[str, Any]
) -> None:
    """Each invalid example is a validation_error, and the emulator sees no call at all."""
    await emulator_admin.add_accelerator(body["AcceleratorId"])
    outcome = await pipeline.handle(message(body))
    state = await emulator_admin.state()
    expected: tuple[str, str, dict[str, int]] = (
        "listener.failed.validation_error",
        body["AcceleratorId"],
        {},
    )
    assert expected == (outcome.routing_key, outcome.accelerator_id, state["calls"])


async def test_redelivery_creates_nothing_twice(
    pipeline: Pipeline, emulator_admin: EmulatorAdmin
) -> None:
    """The same message handled twice reaches the API with one token: one listener, same id."""
    await emulator_admin.add_accelerator("ga-redeliver")
    first = await pipeline.handle(message(tcp_body("ga-redeliver"), message_id="m-once"))
    again = await pipeline.handle(message(tcp_body("ga-redeliver"), message_id="m-once"))
    state = await emulator_admin.state()
    expected = (created(first).data.listener_id, first.message_id, 1, 2)
    assert expected == (
        created(again).data.listener_id,
        again.message_id,
        len(state["listeners"]),
        state["calls"]["CreateListener"],
    )


async def test_unknown_accelerator_is_an_api_error(pipeline: Pipeline) -> None:
    """The API's refusal comes back with its code, HTTP status and RequestId."""
    outcome = await pipeline.handle(message(tcp_body("ga-nowhere")))
    error = failed(outcome).data.error
    expected = ("listener.failed.api_error", "NotExist.Accelerator", True, True, 1)
    assert expected == (
        outcome.routing_key,
        error.code,
        error.http_status is not None and 400 <= error.http_status < 500,
        bool(error.api_request_id),
        outcome.attempts,
    )


async def test_wrong_secret_is_an_auth_error(
    emulator: EmulatorServer, emulator_admin: EmulatorAdmin
) -> None:
    """A refused signature is auth_error, and nothing is created."""
    await emulator_admin.add_accelerator("ga-auth")
    async with client(emulator, credentials=Credentials("testid", "wrong")) as ga:
        outcome = await Pipeline(ga).handle(message(tcp_body("ga-auth")))
    state = await emulator_admin.state()
    expected: tuple[str, list[Any]] = ("listener.failed.auth_error", [])
    assert expected == (outcome.routing_key, state["listeners"])


async def test_throttling_outlasting_retries_is_retries_exhausted(
    pipeline: Pipeline, emulator_admin: EmulatorAdmin
) -> None:
    """Throttling on every attempt ends as retries_exhausted with the last code."""
    await emulator_admin.add_accelerator("ga-throttled")
    await emulator_admin.faults(1, [{"action": "CreateListener", "kind": "throttle", "rate": 1.0}])
    outcome = await pipeline.handle(message(tcp_body("ga-throttled")))
    error = failed(outcome).data.error
    expected = ("listener.failed.retries_exhausted", "Throttling.User", True, RETRY_ATTEMPTS)
    assert expected == (outcome.routing_key, error.code, error.retryable, outcome.attempts)


async def test_slow_activation_is_a_poll_timeout(
    emulator: EmulatorServer, emulator_admin: EmulatorAdmin
) -> None:
    """A listener not active within the poll timeout is poll_timeout with its id."""
    await emulator_admin.add_accelerator("ga-slow")
    await emulator_admin.configure(activation_seconds=600.0)
    async with client(emulator, poll_timeout=0.1) as ga:
        outcome = await Pipeline(ga).handle(message(tcp_body("ga-slow")))
    state = await emulator_admin.state()
    event = failed(outcome)
    expected = ("listener.failed.poll_timeout", "PollTimeout", state["listeners"][0]["ListenerId"])
    assert expected == (outcome.routing_key, event.data.error.code, event.data.listener_id)


async def test_one_accelerator_never_sees_a_concurrent_create(
    pipeline: Pipeline, emulator_admin: EmulatorAdmin
) -> None:
    """Concurrent requests on one accelerator are serialised: no StateError, no retry."""
    await emulator_admin.add_accelerator("ga-busy")
    await emulator_admin.add_accelerator("ga-other")
    await emulator_admin.configure(activation_seconds=0.1)
    bodies = [tcp_body("ga-busy", port) for port in (81, 82, 83)] + [tcp_body("ga-other", 81)]
    outcomes = await asyncio.wait_for(
        asyncio.gather(*(pipeline.handle(message(body)) for body in bodies)), timeout=60
    )
    state = await emulator_admin.state()
    expected = (["listener.created"] * 4, [0] * 4, [1] * 4, 4, 0)
    assert expected == (
        [o.routing_key for o in outcomes],
        [o.retries for o in outcomes],
        [o.attempts for o in outcomes],
        state["calls"]["CreateListener"],
        pipeline.accelerators_in_flight,
    )
