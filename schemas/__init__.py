"""The contract as pydantic models: the CreateListener request and its every rule, the wire
encoding, the outcome events, and the one exception tree (``schemas.errors``).

``schemas`` imports nothing else of this project, so producers and consumers can depend on it
alone.
"""

from schemas.errors import (
    ApiError,
    ApiRefused,
    ApiUnavailable,
    AuthFailed,
    GaWorkerError,
    ListenerLost,
    PollFailed,
    PollTimedOut,
    RequestInvalid,
    TransportFailed,
    Violation,
)
from schemas.outcome import ErrorType, Outcome
from schemas.request import CreateListenerRequest, parse_request
from schemas.wire import from_query, to_query

__all__ = [
    "ApiError",
    "ApiRefused",
    "ApiUnavailable",
    "AuthFailed",
    "CreateListenerRequest",
    "ErrorType",
    "GaWorkerError",
    "ListenerLost",
    "Outcome",
    "PollFailed",
    "PollTimedOut",
    "RequestInvalid",
    "TransportFailed",
    "Violation",
    "from_query",
    "parse_request",
    "to_query",
]
