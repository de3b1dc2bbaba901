"""Tests of schemas.outcome: the CloudEvents outcome models and deterministic ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
import pytest

from schemas.outcome import (
    CreatedData,
    CreatedEvent,
    ErrorDetail,
    ErrorType,
    FailedData,
    FailedEvent,
    OutcomeError,
    outcome_message_id,
    parse_outcome_event,
    routing_key_for,
)

COMMON = {
    "client_token": "tok",
    "request_message_id": "m-1",
    "correlation_id": "c-1",
    "region_id": "cn-hangzhou",
    "accelerator_id": "ga-1",
    "listener_id": "lsr-1",
    "attempts": 1,
    "polls": 2,
    "duration_ms": 12.5,
    "api_request_ids": ["r1"],
}
NOW = datetime(2025, 3, 7, 7, 51, 0, 123000, tzinfo=UTC)


def test_created_event_wire_form() -> None:
    """A created event serialises to exactly the contract's CloudEvents body."""
    event = CreatedEvent(
        id="id-1", subject="tok", time=NOW, data=CreatedData(**COMMON, listener={"State": "active"})
    )
    expected = {
        "specversion": "1.0",
        "id": "id-1",
        "source": "ga-listener-worker",
        "type": "ga.listener.created",
        "subject": "tok",
        "time": "2025-03-07T07:51:00.123000Z",
        "datacontenttype": "application/json",
        "data": {**COMMON, "state": "active", "listener": {"State": "active"}},
    }
    assert expected == orjson.loads(event.model_dump_json())


def test_failed_event_wire_form() -> None:
    """A failed event carries the full error object, null where unknown."""
    error = OutcomeError(
        type=ErrorType.VALIDATION_ERROR,
        code="PortRanges.MustOne",
        message="one",
        details=[ErrorDetail(path="PortRanges", code="PortRanges.MustOne", message="one")],
    )
    event = FailedEvent(id="id-2", subject="tok", time=NOW, data=FailedData(**COMMON, error=error))
    expected_error = {
        "type": "validation_error",
        "code": "PortRanges.MustOne",
        "message": "one",
        "http_status": None,
        "retryable": False,
        "api_request_id": None,
        "details": [{"path": "PortRanges", "code": "PortRanges.MustOne", "message": "one"}],
    }
    body = orjson.loads(event.model_dump_json())
    assert ("ga.listener.failed", expected_error) == (body["type"], body["data"]["error"])


def test_events_read_back() -> None:
    """parse_outcome_event returns the same event, picked by its type."""
    event = CreatedEvent(id="i", subject="t", time=NOW, data=CreatedData(**COMMON, listener={}))
    assert event == parse_outcome_event(event.model_dump_json().encode())


@pytest.mark.parametrize(
    ("error_type", "expected"),
    [(None, "listener.created")] + [(t, f"listener.failed.{t.value}") for t in ErrorType],
)
def test_routing_keys(error_type: ErrorType | None, expected: str) -> None:
    """Created routes to listener.created, each failure to listener.failed.<type>."""
    assert expected == routing_key_for(error_type)


def test_message_id_is_a_deterministic_uuid() -> None:
    """The same token and outcome give the same UUID; another outcome another one."""
    first = outcome_message_id("tok", "listener.created")
    expected = (first, 5, True, True)
    assert expected == (
        outcome_message_id("tok", "listener.created"),
        uuid.UUID(first).version,
        first != outcome_message_id("tok", "listener.failed.api_error"),
        first != outcome_message_id("tok2", "listener.created"),
    )
