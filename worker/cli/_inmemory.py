"""The in-memory transport of ``demo``: the worker's pipeline without RabbitMQ.

It plays the broker's part in-process, so the demo runs on a machine with no broker: requests
go onto an :class:`asyncio.Queue`, ``prefetch`` consumers drive the very same
:class:`~handlers.pipeline.Pipeline` the AMQP worker drives, and each outcome comes back the way
``reply_to`` would bring it. Nothing is durable: it demonstrates the pipeline, not delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence

from handlers.pipeline import Pipeline, RequestMessage
from schemas.outcome import Outcome
from worker.cli._request_files import RequestFile

__all__ = ["InMemoryTransport"]


class InMemoryTransport:
    """Runs requests through ``pipeline`` with at most ``prefetch`` in flight at a time."""

    label = "in-memory transport (no RabbitMQ; the same pipeline, nothing durable)"

    def __init__(self, pipeline: Pipeline, *, prefetch: int) -> None:
        self._pipeline = pipeline
        self._prefetch = prefetch

    async def run(
        self, requests: Sequence[RequestFile]
    ) -> AsyncIterator[tuple[RequestFile, Outcome]]:
        """Yield each request's outcome as it is published, in completion order."""
        inbox: asyncio.Queue[tuple[RequestFile, RequestMessage]] = asyncio.Queue()
        replies: asyncio.Queue[tuple[RequestFile, Outcome] | Exception] = asyncio.Queue()
        for request in requests:
            message = RequestMessage(
                body=request.body,
                content_type=request.content_type,
                message_id=request.message_id,
                correlation_id=str(uuid.uuid4()),
                reply_to="in-memory",
            )
            inbox.put_nowait((request, message))

        async def consume() -> None:
            while True:
                request, message = await inbox.get()
                try:
                    replies.put_nowait((request, await self._pipeline.handle(message)))
                except Exception as exc:  # a bug in the pipeline: surface it, do not hang
                    replies.put_nowait(exc)

        consumers = [
            asyncio.create_task(consume()) for _ in range(min(self._prefetch, len(requests)))
        ]
        try:
            for _ in requests:
                reply = await replies.get()
                if isinstance(reply, Exception):
                    raise reply
                yield reply
        finally:
            for task in consumers:
                task.cancel()
            for task in consumers:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
