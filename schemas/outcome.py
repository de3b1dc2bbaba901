"""Outcome events (``../shared/CONTRACT.md`` §4). Placeholder: the foundation issue completes it."""

from __future__ import annotations

from enum import StrEnum


class ErrorType(StrEnum):
    """``error.type`` of a ``ga.listener.failed`` event; also the routing-key suffix."""

    VALIDATION_ERROR = "validation_error"
    API_ERROR = "api_error"
    AUTH_ERROR = "auth_error"
    RETRIES_EXHAUSTED = "retries_exhausted"
    POLL_TIMEOUT = "poll_timeout"
    LISTENER_FAILED = "listener_failed"
