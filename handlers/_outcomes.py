"""Exceptions and results -> outcome events: the one place that shapes ``data`` and ``error``.

Only the exception tree of :mod:`schemas.errors` becomes a failed outcome; anything else is a bug
and is left to propagate (the worker requeues it; the delivery limit dead-letters it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypedDict

import orjson

from handlers.ports import CallTrace
from schemas.errors import ApiError, PollFailed, RequestInvalid
from schemas.outcome import (
    CE_SOURCE,
    CREATED_ROUTING_KEY,
    ErrorType,
    EventType,
    Outcome,
    outcome_message_id,
    routing_key_for,
)
from schemas.request import REGION_ID

__all__ = [
    "ErrorJson",
    "Facts",
    "HandledError",
    "created_outcome",
    "error_of",
    "failed_outcome",
    "raw_ids",
]

HandledError = RequestInvalid | ApiError | PollFailed

_MAX_RAW_ID: Final = 128  # longer "ids" from a refused body are noise, not worth echoing


@dataclass(slots=True)
class Facts:
    """What the pipeline knows about one request when its outcome is built."""

    client_token: str
    request_message_id: str | None
    correlation_id: str | None  # the request's, else its message_id (CONTRACT §4)
    reply_to: str | None
    region_id: str | None = None
    accelerator_id: str | None = None
    listener_id: str | None = None


def _raw_str(parameters: Mapping[str, Any], wire: str, snake: str) -> str | None:
    value = parameters.get(wire, parameters.get(snake))
    if isinstance(value, str) and len(value) <= _MAX_RAW_ID:
        return value
    return None


def raw_ids(parameters: object) -> tuple[str | None, str | None]:
    """``(region_id, accelerator_id)`` read from a refused body, where they are strings.

    The region defaults to ``cn-hangzhou`` as the request model's does.
    """
    if not isinstance(parameters, Mapping):
        return None, None
    region = _raw_str(parameters, "RegionId", "region_id")
    if region is None and "RegionId" not in parameters and "region_id" not in parameters:
        region = REGION_ID
    return region, _raw_str(parameters, "AcceleratorId", "accelerator_id")


class ErrorJson(TypedDict):
    """``data.error`` as serialised: :class:`~schemas.outcome.OutcomeError`'s fields, in order."""

    type: ErrorType
    code: str
    message: str
    http_status: int | None
    retryable: bool
    api_request_id: str | None
    details: list[dict[str, str]] | None


def error_of(exc: HandledError) -> ErrorJson:
    """The ``error`` object of a failed outcome for one of our exceptions."""
    if isinstance(exc, RequestInvalid):
        details = [{"path": v.path, "code": v.code, "message": v.message} for v in exc.violations]
        return _error(exc, exc.message, details=details)
    if isinstance(exc, ApiError):
        return _error(
            exc,
            exc.api_message or exc.message,
            http_status=exc.http_status,
            api_request_id=exc.request_id,
        )
    return _error(exc, exc.message)


def _error(
    exc: HandledError,
    message: str,
    *,
    http_status: int | None = None,
    api_request_id: str | None = None,
    details: list[dict[str, str]] | None = None,
) -> ErrorJson:
    return {
        "type": exc.error_type,
        "code": exc.code,
        "message": message,
        "http_status": http_status,
        "retryable": exc.retryable,
        "api_request_id": api_request_id,
        "details": details,
    }


# The body is serialised by orjson from plain dicts in the models' field order, not built as
# models and dumped (measured: created 27.5 -> 16 µs, failed 28 -> 22 µs per outcome). That the
# bodies are valid events is the tests' business (they read every one back with
# ``parse_outcome_event``), not the hot path's.
_JSON_OPTIONS: Final = orjson.OPT_UTC_Z  # pydantic's datetime form: ``...Z`` for UTC


def _common(facts: Facts, trace: CallTrace, duration_ms: float) -> dict[str, Any]:
    return {
        "client_token": facts.client_token,
        "request_message_id": facts.request_message_id,
        "correlation_id": facts.correlation_id,
        "region_id": facts.region_id,
        "accelerator_id": facts.accelerator_id,
        "listener_id": facts.listener_id,
        "attempts": trace.attempts,
        "polls": trace.polls,
        "duration_ms": float(duration_ms),
        "api_request_ids": list(trace.api_request_ids),
    }


def _event_fields(
    event_id: str, event_type: EventType, facts: Facts, time: datetime
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": CE_SOURCE,
        "type": event_type,
        "subject": facts.client_token,
        "time": time,
        "datacontenttype": "application/json",
    }


def _outcome(
    facts: Facts,
    trace: CallTrace,
    duration_ms: float,
    *,
    body: dict[str, Any],
    routing_key: str,
    error: ErrorJson | None,
) -> Outcome:
    return Outcome(
        body=orjson.dumps(body, option=_JSON_OPTIONS),
        routing_key=routing_key,
        message_id=body["id"],
        correlation_id=facts.correlation_id,
        reply_to=facts.reply_to,
        client_token=facts.client_token,
        accelerator_id=facts.accelerator_id,
        listener_id=facts.listener_id,
        error_type=error["type"] if error else None,
        error_code=error["code"] if error else None,
        attempts=trace.attempts,
        polls=trace.polls,
        retries=trace.retries,
        duration_ms=duration_ms,
    )


def created_outcome(
    facts: Facts,
    trace: CallTrace,
    *,
    listener: dict[str, Any],
    duration_ms: float,
    time: datetime,
) -> Outcome:
    """``ga.listener.created``: the listener is ``active``; ``listener`` is its DescribeListener."""
    data = _common(facts, trace, duration_ms)
    data["state"] = "active"
    data["listener"] = listener
    fields = _event_fields(
        outcome_message_id(facts.client_token, CREATED_ROUTING_KEY), EventType.CREATED, facts, time
    )
    fields["data"] = data
    return _outcome(
        facts, trace, duration_ms, body=fields, routing_key=CREATED_ROUTING_KEY, error=None
    )


def failed_outcome(
    facts: Facts,
    trace: CallTrace,
    *,
    error: ErrorJson,
    duration_ms: float,
    time: datetime,
) -> Outcome:
    """``ga.listener.failed`` with ``error``, routed as ``listener.failed.<error.type>``."""
    routing_key = routing_key_for(error["type"])
    data = _common(facts, trace, duration_ms)
    data["error"] = error
    fields = _event_fields(
        outcome_message_id(facts.client_token, routing_key), EventType.FAILED, facts, time
    )
    fields["data"] = data
    return _outcome(facts, trace, duration_ms, body=fields, routing_key=routing_key, error=error)
