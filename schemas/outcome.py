"""Outcome events (``../shared/CONTRACT.md`` §4): exactly one per request message.

Each outcome is a CloudEvents 1.0 event in structured mode::

    {"specversion": "1.0", "id": <message_id>, "source": "ga-listener-worker",
     "type": "ga.listener.created" | "ga.listener.failed", "subject": <ClientToken>,
     "time": <RFC 3339, UTC>, "datacontenttype": "application/json", "data": {...}}

:class:`Outcome` wraps one event with what a transport needs to publish it (routing key, AMQP
``message_id``, ``correlation_id``, ``reply_to``, the ``ce-type`` header, the serialised body)
and what metrics and the canonical log line need (error type and code, attempts, polls, retries,
duration). The models validate on input too, so consumers (``submit --wait``, tests, downstream
Python code) can read events back with :func:`parse_outcome_event`.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

__all__ = [
    "CE_CONTENT_TYPE",
    "CE_SOURCE",
    "CREATED_ROUTING_KEY",
    "CreatedData",
    "CreatedEvent",
    "ErrorDetail",
    "ErrorType",
    "EventType",
    "FailedData",
    "FailedEvent",
    "Outcome",
    "OutcomeData",
    "OutcomeError",
    "OutcomeEvent",
    "outcome_message_id",
    "parse_outcome_event",
    "routing_key_for",
]

CE_SOURCE: Final = "ga-listener-worker"
CE_CONTENT_TYPE: Final = "application/cloudevents+json"
CREATED_ROUTING_KEY: Final = "listener.created"


class ErrorType(StrEnum):
    """``error.type`` of a ``ga.listener.failed`` event; also the routing-key suffix."""

    VALIDATION_ERROR = "validation_error"
    API_ERROR = "api_error"
    AUTH_ERROR = "auth_error"
    RETRIES_EXHAUSTED = "retries_exhausted"
    POLL_TIMEOUT = "poll_timeout"
    LISTENER_FAILED = "listener_failed"


class EventType(StrEnum):
    """The CloudEvents ``type`` of an outcome (also sent as the ``ce-type`` AMQP header)."""

    CREATED = "ga.listener.created"
    FAILED = "ga.listener.failed"


def routing_key_for(error_type: ErrorType | None) -> str:
    """``listener.created`` for success (``None``), else ``listener.failed.<error.type>``."""
    if error_type is None:
        return CREATED_ROUTING_KEY
    return f"listener.failed.{error_type.value}"


# A fixed namespace, so every worker (and the Function Compute handler) derives the same ids.
_MESSAGE_ID_NAMESPACE: Final = uuid.UUID("6b1f6c2e-5d0a-5b8e-9a7c-3f0e2d4c1a90")
_NAMESPACE_BYTES: Final = _MESSAGE_ID_NAMESPACE.bytes


def outcome_message_id(client_token: str, routing_key: str) -> str:
    """The outcome's AMQP ``message_id`` (and CloudEvents ``id``): a UUID5 of token and outcome.

    Deterministic, so an outcome published again after a crash (at-least-once) carries the same
    id and consumers can deduplicate; a different outcome for the same request (say, created
    after an earlier ``retries_exhausted``) gets a different id. The routing key is the outcome
    type because it includes ``error.type``.
    """
    # uuid.uuid5 without the UUID object (its __init__ is most of the cost); same bytes.
    digest = bytearray(
        hashlib.sha1(
            _NAMESPACE_BYTES + f"{client_token}\n{routing_key}".encode(), usedforsecurity=False
        ).digest()[:16]
    )
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _Model(BaseModel):
    # Events are values: frozen; unknown fields from a newer producer are kept, not dropped.
    model_config = ConfigDict(frozen=True, extra="allow")


class ErrorDetail(_Model):
    """One violation of a ``validation_error``: wire path, API code, a sentence to act on."""

    path: str
    code: str
    message: str


class OutcomeError(_Model):
    """``data.error`` of a ``ga.listener.failed`` event.

    ``details`` lists every violation for ``validation_error`` and is ``null`` otherwise;
    ``retryable`` says whether sending the same request again later could succeed.
    """

    type: ErrorType
    code: str
    message: str
    http_status: int | None = None
    retryable: bool = False
    api_request_id: str | None = None
    details: list[ErrorDetail] | None = None


class OutcomeData(_Model):
    """The ``data`` fields both outcome types share."""

    client_token: str
    request_message_id: str | None
    correlation_id: str | None
    region_id: str | None
    accelerator_id: str | None
    listener_id: str | None
    attempts: int
    polls: int
    duration_ms: float
    api_request_ids: list[str]


class CreatedData(OutcomeData):
    """``data`` of ``ga.listener.created``: the listener is ``active``, as DescribeListener says."""

    state: Literal["active"] = "active"
    listener: dict[str, Any]


class FailedData(OutcomeData):
    """``data`` of ``ga.listener.failed``: what went wrong, in :class:`OutcomeError`."""

    error: OutcomeError


class _Event(_Model):
    specversion: Literal["1.0"] = "1.0"
    id: str
    source: str = CE_SOURCE
    type: EventType
    subject: str
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"


class CreatedEvent(_Event):
    """``ga.listener.created``."""

    type: Literal[EventType.CREATED] = EventType.CREATED
    data: CreatedData


class FailedEvent(_Event):
    """``ga.listener.failed``."""

    type: Literal[EventType.FAILED] = EventType.FAILED
    data: FailedData


OutcomeEvent = Annotated[CreatedEvent | FailedEvent, Field(discriminator="type")]

_EVENT_ADAPTER: TypeAdapter[CreatedEvent | FailedEvent] = TypeAdapter(OutcomeEvent)


def parse_outcome_event(body: bytes | str) -> CreatedEvent | FailedEvent:
    """Read an outcome event body back (raises ``pydantic.ValidationError`` if it is not one)."""
    return _EVENT_ADAPTER.validate_json(body)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One outcome, ready to publish: the event's body and its AMQP properties.

    ``body`` is the event serialised once; publish it as is with ``content_type`` and
    ``headers``. The remaining fields feed metrics and logs without re-reading the event;
    :attr:`event` reads it back as a model for the few callers that want one.
    """

    content_type: ClassVar[str] = CE_CONTENT_TYPE

    body: bytes
    routing_key: str
    message_id: str
    correlation_id: str | None
    reply_to: str | None
    client_token: str
    accelerator_id: str | None
    listener_id: str | None
    error_type: ErrorType | None
    error_code: str | None
    attempts: int
    polls: int
    retries: int
    duration_ms: float

    @property
    def event(self) -> CreatedEvent | FailedEvent:
        """The event, parsed (and validated) from :attr:`body` on each access."""
        return parse_outcome_event(self.body)

    @property
    def ce_type(self) -> str:
        """The CloudEvents ``type``, also the value of the ``ce-type`` AMQP header."""
        return (EventType.CREATED if self.error_type is None else EventType.FAILED).value

    @property
    def headers(self) -> dict[str, str]:
        """AMQP headers to publish with: ``ce-type`` (contract §4)."""
        return {"ce-type": self.ce_type}

    @property
    def created(self) -> bool:
        """True for ``ga.listener.created``."""
        return self.error_type is None
