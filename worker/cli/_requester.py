"""Send request files to the worker over RabbitMQ and match the outcomes that come back.

Shared by ``submit`` and ``demo``: each request gets its own ``correlation_id`` and a
``reply_to`` naming an exclusive, auto-delete queue of this process, so outcomes come straight
back here (the worker publishes them there as well as to the events exchange) without binding
anything to the events exchange or disturbing other consumers.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

import aio_pika
import pydantic
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from schemas.outcome import CreatedEvent, FailedEvent, parse_outcome_event
from worker.cli._request_files import RequestFile

__all__ = ["Received", "Requester"]


@dataclass(frozen=True, slots=True)
class Received:
    """An outcome event matched to the request it answers."""

    request: RequestFile
    event: CreatedEvent | FailedEvent
    body: bytes


class Requester:
    """Publishes requests with ``reply_to`` and yields their outcomes as they arrive.

    Call :meth:`open` before :meth:`publish` to have outcomes sent back (the reply queue must
    exist before any outcome can come back); without it, requests go out without ``reply_to``,
    fire and forget.
    """

    def __init__(self, channel: AbstractChannel, request_queue: str) -> None:
        self._channel = channel
        self._request_queue = request_queue
        self._replies: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self._reply_queue: AbstractQueue | None = None
        self._pending: dict[str, RequestFile] = {}

    @property
    def pending(self) -> list[RequestFile]:
        """Requests published whose outcome has not arrived yet."""
        return list(self._pending.values())

    async def open(self) -> None:
        """Declare the reply queue (server-named, exclusive, auto-delete) and consume it."""
        self._reply_queue = await self._channel.declare_queue(exclusive=True, auto_delete=True)
        await self._reply_queue.consume(self._replies.put, no_ack=True)

    async def publish(self, requests: Sequence[RequestFile]) -> None:
        """Publish every request (persistent, confirmed by the broker) to the request queue."""
        reply_to = self._reply_queue.name if self._reply_queue is not None else None
        messages = []
        for request in requests:
            correlation_id = str(uuid.uuid4())
            if reply_to is not None:
                self._pending[correlation_id] = request
            messages.append(
                aio_pika.Message(
                    request.body,
                    content_type=request.content_type,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    message_id=request.message_id,
                    correlation_id=correlation_id,
                    reply_to=reply_to,
                )
            )
        exchange = self._channel.default_exchange
        await asyncio.gather(
            *(exchange.publish(m, routing_key=self._request_queue) for m in messages)
        )

    async def outcomes(
        self, *, wait: float, on_tick: Callable[[float], None] | None = None
    ) -> AsyncIterator[Received]:
        """Yield each pending request's outcome as it arrives, until none is pending or
        ``wait`` seconds have passed (then :attr:`pending` holds the ones that never came).

        ``on_tick`` is called with the seconds left about once a second, for a progress line.
        Events that answer nothing pending (a repeated outcome after a redelivery) are skipped.
        """
        deadline = time.monotonic() + wait
        while self._pending:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                message = await asyncio.wait_for(self._replies.get(), min(left, 1.0))
            except TimeoutError:
                if on_tick is not None:
                    on_tick(max(deadline - time.monotonic(), 0.0))
                continue
            request = self._pending.pop(message.correlation_id or "", None)
            if request is None:
                continue
            try:
                event = parse_outcome_event(message.body)
            except pydantic.ValidationError:
                self._pending[message.correlation_id or ""] = request
                continue
            yield Received(request=request, event=event, body=message.body)
