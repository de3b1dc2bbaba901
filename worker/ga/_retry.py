"""Retry policy for GA API calls, on tenacity.

Capped exponential backoff with *full* jitter (each wait uniform in ``[0, min(cap, initial *
2**n)]``), bounded by attempts **and** a total deadline that no wait ever crosses, retrying only
our own retryable exceptions (``schemas.errors.GaWorkerError.retryable``). Each scheduled retry
emits one ``ga.<action>.retry_scheduled`` log event and bumps ``CallTrace.retries``.

:func:`set_testing` turns every wait to zero for fast tests, as ``stamina.set_testing`` does;
attempts and the deadline still apply.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_none,
    wait_random_exponential,
)
from tenacity.wait import wait_base

from handlers.ports import CallTrace
from schemas.errors import GaWorkerError

__all__ = ["RetryPolicy", "event_name", "note_retry", "set_testing"]

_T = TypeVar("_T")
_log = structlog.get_logger("worker.ga")
_testing = False


def set_testing(enabled: bool) -> None:
    """Make every retry wait zero seconds (tests); attempts and deadlines are unchanged."""
    global _testing  # noqa: PLW0603 - one process-wide switch, like stamina.set_testing
    _testing = enabled


@functools.cache  # a handful of actions: built once each, not per retry
def event_name(action: str, what: str) -> str:
    """``CreateListener``, ``retry_scheduled`` -> ``ga.create_listener.retry_scheduled``."""
    return f"ga.{re.sub(r'(?<!^)(?=[A-Z])', '_', action).lower()}.{what}"


def note_retry(
    trace: CallTrace | None,
    action: str,
    exc: BaseException | None,
    delay: float,
    **context: object,
) -> None:
    """Book one scheduled retry: ``trace.retries += 1`` and a ``ga.<action>.retry_scheduled``
    warning with the failure's code, HTTP status and RequestId, ``context`` and ``delay``."""
    if trace is not None:
        trace.retries += 1
    _log.warning(
        event_name(action, "retry_scheduled"),
        action=action,
        code=getattr(exc, "code", type(exc).__name__),
        http_status=getattr(exc, "http_status", None),
        request_id=getattr(exc, "request_id", None),
        **context,
        delay=delay,
    )


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, GaWorkerError) and exc.retryable


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How one API call is retried: at most ``attempts`` tries within ``deadline`` seconds."""

    attempts: int = 8
    deadline: float = 120.0
    backoff_initial: float = 0.5
    backoff_max: float = 20.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.deadline <= 0:
            raise ValueError("retry attempts must be >= 1 and the deadline > 0")

    def _wait(self) -> wait_base:
        if _testing or self.backoff_max <= 0:
            return wait_none()
        return wait_random_exponential(multiplier=self.backoff_initial, max=self.backoff_max)

    async def run(
        self,
        fn: Callable[[float], Awaitable[_T]],
        *,
        action: str,
        trace: CallTrace | None,
    ) -> _T:
        """Await ``fn(remaining)`` until it succeeds, fails for good, or attempts/deadline run out.

        ``remaining`` is the time left of the deadline (the whole of it for the first attempt),
        so no attempt outlives the deadline. The last exception is re-raised as is (never
        ``tenacity.RetryError``). The first attempt runs outside tenacity: most calls succeed at
        once, and tenacity's per-call machinery (~0.1 ms) would be pure overhead on that hot
        path. A retryable first failure is replayed as tenacity's attempt 1, so backoff, logging
        and bounds are tenacity's throughout.
        """
        started = time.monotonic()
        try:
            return await fn(self.deadline)
        except GaWorkerError as exc:
            if not exc.retryable or self.attempts == 1:
                raise
            replay: list[GaWorkerError] = [exc]
        deadline = started + self.deadline

        async def attempt() -> _T:
            if replay:
                raise replay.pop()
            return await fn(max(deadline - time.monotonic(), 0.001))

        def before_sleep(state: RetryCallState) -> None:
            note_retry(
                trace,
                action,
                state.outcome.exception() if state.outcome else None,
                round(state.upcoming_sleep, 3),
                attempt=state.attempt_number,
            )

        retrying: AsyncRetrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts) | stop_before_delay(deadline - time.monotonic()),
            wait=self._wait(),
            retry=retry_if_exception(_is_retryable),
            before_sleep=before_sleep,
            reraise=True,
        )
        return await retrying(attempt)
