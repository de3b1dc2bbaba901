"""The one exception tree of ga-listener-worker.

Every failure a request can meet is one of these, and each maps to exactly one ``error.type`` of
the outcome event (``../shared/CONTRACT.md`` §4)::

    GaWorkerError
    ├── RequestInvalid          validation_error   the request breaks a rule; API never called
    ├── ApiError                                   the GA API, or the way to it, failed
    │   ├── ApiRefused          api_error          a final 4xx answer
    │   │   └── AuthFailed      auth_error         credentials, signature or permission refused
    │   ├── ApiUnavailable      retries_exhausted  a retryable answer (throttling, 5xx, busy
    │   │                                          accelerator) that outlasted the retry budget
    │   └── TransportFailed     retries_exhausted  no answer at all: connection error, timeout
    └── PollFailed                                 created, but never seen ``active``
        ├── PollTimedOut        poll_timeout
        └── ListenerLost        listener_failed    vanished or left the path to ``active``

Third-party exceptions (aiohttp, asyncio timeouts) are translated into this tree in exactly one
place, the GA client's transport. Messages never carry secrets or signatures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final

from schemas.outcome import ErrorType

INVALID_PARAMETER: Final = "InvalidParameter"
"""The code of a broken rule the reference names no code for, a missing parameter included
(CONTRACT §4); the reference never names ``MissingParameter``."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: where (a dotted wire path such as ``PortRanges.1.FromPort``), which API
    error code, and a sentence a person can act on."""

    path: str
    code: str
    message: str


class GaWorkerError(Exception):
    """Root of every error this project raises on purpose."""

    error_type: ClassVar[ErrorType]
    retryable: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RequestInvalid(GaWorkerError):
    """The request would be refused by the API: every violation at once, each with its code."""

    error_type = ErrorType.VALIDATION_ERROR

    def __init__(self, violations: list[Violation]) -> None:
        if not violations:
            raise ValueError("RequestInvalid needs at least one violation")
        self.violations = list(violations)
        first = violations[0]
        where = f"{first.path}: " if first.path else ""  # no path: about the whole body
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        super().__init__(f"{where}{first.message}{more}")

    @property
    def code(self) -> str:
        """The API's own code of the first violation, as the API itself would answer."""
        return self.violations[0].code


class ApiError(GaWorkerError):
    """The GA API, or the way to it, failed. Carries HTTP status, API code and RequestId."""

    error_type = ErrorType.API_ERROR

    def __init__(
        self,
        *,
        code: str,
        message: str,
        http_status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.api_message = message
        self.http_status = http_status
        self.request_id = request_id


class ApiRefused(ApiError):
    """A final refusal (4xx): retrying the same request would get the same answer."""


class AuthFailed(ApiRefused):
    """Credentials, signature, clock or permission refused."""

    error_type = ErrorType.AUTH_ERROR


class ApiUnavailable(ApiError):
    """A retryable answer: throttling, 5xx, or the accelerator busy with another listener."""

    error_type = ErrorType.RETRIES_EXHAUSTED
    retryable = True


class TransportFailed(ApiError):
    """No usable answer at all: connection refused or reset, timeout, malformed response."""

    error_type = ErrorType.RETRIES_EXHAUSTED
    retryable = True


class PollFailed(GaWorkerError):
    """The listener was created but never seen ``active``."""

    error_type = ErrorType.LISTENER_FAILED

    def __init__(self, message: str, *, code: str, listener_id: str) -> None:
        super().__init__(message)
        self.code = code
        self.listener_id = listener_id


class PollTimedOut(PollFailed):
    """Not ``active`` within the poll deadline."""

    error_type = ErrorType.POLL_TIMEOUT


class ListenerLost(PollFailed):
    """The listener vanished (``NotExist.Listener``) or went to a state off the path to active."""

    error_type = ErrorType.LISTENER_FAILED
