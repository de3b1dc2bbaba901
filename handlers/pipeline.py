"""The transport-free pipeline: request bytes + properties in, exactly one outcome out.

::

    bytes ── size ── content type ── JSON ── CloudEvents envelope ── ClientToken
          ── parse_request ── [accelerator lock: create_listener ── wait_until_active] ── outcome

The AMQP worker and the Function Compute handler both drive it with a :class:`RequestMessage`
and publish the :class:`~schemas.outcome.Outcome` it returns. :meth:`Pipeline.handle` turns every
input and every failure of our exception tree into an outcome; it raises only when cancelled
(``asyncio.CancelledError`` passes through untouched, so shutdown can leave the message unacked)
or on a genuine bug, which the caller should treat as "requeue" so the queue's delivery limit
dead-letters a message that keeps crashing the worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog

from handlers._envelope import parameters_of, parse_document
from handlers._locks import KeyedLocks
from handlers._outcomes import (
    Facts,
    HandledError,
    created_outcome,
    error_of,
    failed_outcome,
    raw_ids,
)
from handlers._tokens import UNPARSED, derive_client_token, own_client_token
from handlers.log_fields import LogFields
from handlers.ports import CallTrace, ListenerApi
from schemas.errors import ApiError, PollFailed, RequestInvalid
from schemas.outcome import Outcome
from schemas.request import parse_request

__all__ = ["Outcome", "Pipeline", "RequestMessage"]

_log = structlog.get_logger("handlers.pipeline")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RequestMessage:
    """One request as any transport delivers it: the raw body and the properties that matter."""

    body: bytes
    content_type: str | None = None
    message_id: str | None = None
    correlation_id: str | None = None
    reply_to: str | None = None


class Pipeline:
    """Validate, create (the client retries), poll to ``active``, and describe what happened.

    Requests for one accelerator run one at a time (create through ``active``), because the API
    refuses a second CreateListener while one is ``init``; other accelerators run in parallel.
    ``clock`` (seconds, monotonic) times the request; ``now`` stamps the event.
    """

    def __init__(
        self,
        api: ListenerApi,
        *,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._api = api
        self._clock = clock
        self._now = now
        self._locks = KeyedLocks()

    @property
    def accelerators_in_flight(self) -> int:
        """Accelerators with a request holding or waiting on their lock (for tests, metrics)."""
        return len(self._locks)

    async def handle(self, msg: RequestMessage) -> Outcome:
        """The one outcome for ``msg``; logs one ``ga.request.completed`` line."""
        started = self._clock()
        with LogFields(message_id=msg.message_id, correlation_id=msg.correlation_id):
            outcome = await self._handle(msg, started)
            log = _log.info if outcome.error_type is None else _log.warning
            log(
                "ga.request.completed",
                client_token=outcome.client_token,
                accelerator_id=outcome.accelerator_id,
                outcome=outcome.ce_type,
                error_type=outcome.error_type,
                error_code=outcome.error_code,
                attempts=outcome.attempts,
                polls=outcome.polls,
                retries=outcome.retries,
                duration_ms=outcome.duration_ms,
                outcome_message_id=outcome.message_id,
            )
            return outcome

    async def _handle(self, msg: RequestMessage, started: float) -> Outcome:
        document: object = UNPARSED
        parameters: object = None  # no own ClientToken while the envelope is refused
        refused: RequestInvalid | None = None
        try:
            document, structured = parse_document(msg.body, msg.content_type)
            parameters = parameters_of(document, structured=structured)
        except RequestInvalid as exc:
            refused = exc
        token = derive_client_token(
            own=own_client_token(parameters),
            message_id=msg.message_id,
            document=document,
            body=msg.body,
        )
        correlation_id = msg.correlation_id or msg.message_id
        facts = Facts(token, msg.message_id, correlation_id, msg.reply_to)
        if refused is not None:
            return self._failed(facts, CallTrace(), refused, started)
        try:
            request = parse_request(parameters)
        except RequestInvalid as exc:
            facts.region_id, facts.accelerator_id = raw_ids(parameters)
            return self._failed(facts, CallTrace(), exc, started)

        # The raw JSON is not needed past this point; a request can wait minutes for "active"
        # and thousands wait at once, so do not keep a second copy of every one alive.
        del document, parameters
        if request.client_token != token:
            request = request.model_copy(update={"client_token": token})
        region_id, accelerator_id = request.region_id, request.accelerator_id
        facts.region_id, facts.accelerator_id = region_id, accelerator_id
        trace = CallTrace()
        result: dict[str, Any] | HandledError
        with LogFields(client_token=token, accelerator_id=accelerator_id):
            async with self._locks.hold(accelerator_id):
                try:
                    facts.listener_id = await self._api.create_listener(request, trace)
                    # Nor the model: only the ids matter while the listener comes up.
                    del request
                    result = await self._api.wait_until_active(
                        region_id=region_id, listener_id=facts.listener_id, trace=trace
                    )
                except (ApiError, PollFailed, RequestInvalid) as exc:
                    result = exc
        if isinstance(result, dict):
            return created_outcome(
                facts, trace, listener=result, duration_ms=self._elapsed(started), time=self._now()
            )
        return self._failed(facts, trace, result, started)

    def _failed(self, facts: Facts, trace: CallTrace, exc: HandledError, started: float) -> Outcome:
        error = error_of(exc)
        return failed_outcome(
            facts, trace, error=error, duration_ms=self._elapsed(started), time=self._now()
        )

    def _elapsed(self, started: float) -> float:
        return round((self._clock() - started) * 1000.0, 3)
