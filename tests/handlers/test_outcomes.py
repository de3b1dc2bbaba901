"""Tests of handlers._outcomes: every exception of the tree maps to its error object."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers._outcomes import Facts, created_outcome, error_of, failed_outcome, raw_ids
from handlers.ports import CallTrace
from schemas.errors import (
    ApiError,
    ApiRefused,
    ApiUnavailable,
    AuthFailed,
    ListenerLost,
    PollTimedOut,
    RequestInvalid,
    TransportFailed,
    Violation,
)
from schemas.outcome import ErrorType, OutcomeError, parse_outcome_event

NOW = datetime(2025, 3, 7, 7, 51, tzinfo=UTC)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            ApiRefused(
                code="QuotaExceeded.Listener", message="quota", http_status=400, request_id="r"
            ),
            OutcomeError(
                type=ErrorType.API_ERROR,
                code="QuotaExceeded.Listener",
                message="quota",
                http_status=400,
                api_request_id="r",
            ),
        ),
        (
            AuthFailed(code="Forbidden.RAM", message="no", http_status=403),
            OutcomeError(
                type=ErrorType.AUTH_ERROR, code="Forbidden.RAM", message="no", http_status=403
            ),
        ),
        (
            ApiUnavailable(code="Throttling.User", message="slow down", http_status=400),
            OutcomeError(
                type=ErrorType.RETRIES_EXHAUSTED,
                code="Throttling.User",
                message="slow down",
                http_status=400,
                retryable=True,
            ),
        ),
        (
            TransportFailed(code="ServerDisconnectedError", message=""),
            OutcomeError(
                type=ErrorType.RETRIES_EXHAUSTED,
                code="ServerDisconnectedError",
                message="ServerDisconnectedError",
                retryable=True,
            ),
        ),
        (
            ApiUnavailable(code="SystemBusy", message="busy", http_status=503),
            OutcomeError(
                type=ErrorType.RETRIES_EXHAUSTED,
                code="SystemBusy",
                message="busy",
                http_status=503,
                retryable=True,
            ),
        ),
        (
            PollTimedOut("not active after 900 s", code="PollTimeout", listener_id="lsr-1"),
            OutcomeError(
                type=ErrorType.POLL_TIMEOUT, code="PollTimeout", message="not active after 900 s"
            ),
        ),
        (
            ListenerLost("gone", code="NotExist.Listener", listener_id="lsr-1"),
            OutcomeError(type=ErrorType.LISTENER_FAILED, code="NotExist.Listener", message="gone"),
        ),
    ],
)
def test_error_of_api_and_poll_failures(
    exc: ApiError | PollTimedOut, expected: OutcomeError
) -> None:
    """Each exception class becomes its error.type, code, status and request id."""
    assert expected == OutcomeError.model_validate(error_of(exc))


def test_error_of_request_invalid_lists_every_violation() -> None:
    """A validation error takes the first violation's code and lists all in details."""
    exc = RequestInvalid(
        [
            Violation("PortRanges", "PortRanges.MustOne", "one port range for http"),
            Violation("Name", "InvalidParameter", "bad name"),
        ]
    )
    error = OutcomeError.model_validate(error_of(exc))
    expected = ("validation_error", "PortRanges.MustOne", ["PortRanges", "Name"], False)
    assert expected == (
        error.type,
        error.code,
        [d.path for d in error.details or []],
        error.retryable,
    )


@pytest.mark.parametrize(
    "exc",
    [
        RequestInvalid([Violation("Name", "InvalidParameter", "bad name")]),
        ApiRefused(code="NotExist.Accelerator", message="no", http_status=404, request_id="r"),
        ListenerLost("gone", code="NotExist.Listener", listener_id="lsr-1"),
    ],
)
def test_error_of_keeps_the_models_field_order(
    exc: RequestInvalid | ApiError | ListenerLost,
) -> None:
    """The error is serialised as built: its keys are OutcomeError's fields, in their order."""
    expected = list(OutcomeError.model_fields)
    assert expected == list(error_of(exc))


@pytest.mark.parametrize(
    ("violations", "expected"),
    [
        ([Violation("Name", "InvalidParameter", "bad name")], "Name: bad name"),
        ([Violation("", "InvalidParameter", "not JSON")], "not JSON"),
        (
            [Violation("", "InvalidParameter", "not JSON"), Violation("Name", "X", "y")],
            "not JSON (and 1 more)",
        ),
        (
            [Violation("Name", "X", "bad"), Violation("", "X", "y"), Violation("A", "X", "z")],
            "Name: bad (and 2 more)",
        ),
    ],
)
def test_error_of_request_invalid_message(violations: list[Violation], expected: str) -> None:
    """The message is the first violation, with its path unless it has none, and how many more."""
    assert expected == error_of(RequestInvalid(violations))["message"]


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({"AcceleratorId": "ga-1", "RegionId": "cn-shanghai"}, ("cn-shanghai", "ga-1")),
        ({"accelerator_id": "ga-1", "region_id": "cn-shanghai"}, ("cn-shanghai", "ga-1")),
        ({"AcceleratorId": "ga-1"}, ("cn-hangzhou", "ga-1")),
        ({"AcceleratorId": 7, "RegionId": 7}, (None, None)),
        ({"AcceleratorId": "g" * 500}, ("cn-hangzhou", None)),
        ([], (None, None)),
        ("ga-1", (None, None)),
    ],
)
def test_raw_ids(parameters: object, expected: tuple[str | None, str | None]) -> None:
    """Ids of a refused body are echoed only when they are (reasonably short) strings."""
    assert expected == raw_ids(parameters)


def test_created_outcome_is_published_as_built() -> None:
    """The body is the event's JSON; routing key, ids and header follow the contract."""
    trace = CallTrace(attempts=1, polls=2, retries=3, api_request_ids=["r1", "r2"])
    facts = Facts("tok", "m-1", "c-1", "reply", "cn-hangzhou", "ga-1", "lsr-1")
    outcome = created_outcome(
        facts, trace, listener={"ListenerId": "lsr-1", "State": "active"}, duration_ms=1.5, time=NOW
    )
    event = parse_outcome_event(outcome.body)
    expected = (
        "listener.created",
        "c-1",
        "reply",
        {"ce-type": "ga.listener.created"},
        outcome.message_id,
        "tok",
        "2025-03-07T07:51:00Z",
        (1, 2, 3),
        "lsr-1",
    )
    actual = (
        outcome.routing_key,
        outcome.correlation_id,
        outcome.reply_to,
        outcome.headers,
        event.id,
        event.subject,
        outcome.event.model_dump(mode="json")["time"],
        (outcome.attempts, outcome.polls, outcome.retries),
        event.data.listener_id,
    )
    assert expected == actual


def test_failed_outcome_routes_by_error_type() -> None:
    """A failed outcome goes to listener.failed.<type> and has a different id than created."""
    facts = Facts("tok", None, None, None)
    error = error_of(PollTimedOut("slow", code="PollTimeout", listener_id="lsr-1"))
    failed = failed_outcome(facts, CallTrace(), error=error, duration_ms=0.0, time=NOW)
    created = created_outcome(facts, CallTrace(), listener={}, duration_ms=0.0, time=NOW)
    expected = ("listener.failed.poll_timeout", ErrorType.POLL_TIMEOUT, "PollTimeout", True)
    assert expected == (
        failed.routing_key,
        failed.error_type,
        failed.error_code,
        failed.message_id != created.message_id,
    )
