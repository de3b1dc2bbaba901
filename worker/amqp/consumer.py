"""Consumes requests: each delivery through the pipeline, its outcome published, then acked.

The order that makes the worker at-least-once (contract §4)::

    deliver ─> pipeline.handle ─> publish outcome (confirmed) ─> ack
                    │                      │                      │
              bug: nack+requeue     not confirmed:          channel gone: log;
              (delivery limit       nack+requeue            broker redelivers
               dead-letters)

Settling is explicit, never ``message.process()``: that context manager rejects *without*
requeue on any exception, ``CancelledError`` included, and a request cancelled at shutdown
must be left unacked so closing the channel requeues it.

Each delivery runs in its own task, owned here rather than by the channel, so the drain at
shutdown can wait for them and then cancel the rest. The broker's prefetch bounds how many run.
A consumer cancelled by the broker (its queue deleted, say) is noticed here (logged, counted,
readiness false) and re-established by the robust channel, which redeclares the queue and
consumes again.
"""

from __future__ import annotations

import asyncio
from typing import Final, Protocol

import aio_pika
import aiormq
import structlog

from handlers.log_fields import LogFields
from handlers.pipeline import RequestMessage
from schemas.outcome import Outcome
from worker.amqp.publisher import CHANNEL_FAILURES, OutcomePublisher, PublishError
from worker.metrics import Metrics

__all__ = ["Consumer", "Handler"]

_log = structlog.get_logger("worker.amqp.consumer")

_READINESS_TIMEOUT_S: Final = 0.5
_CANCEL_TIMEOUT_S: Final = 5.0


class Handler(Protocol):
    """What the consumer needs from the pipeline."""

    async def handle(self, msg: RequestMessage) -> Outcome: ...


class Consumer:
    """Consumes the request queue on its own channel, one task per delivery."""

    def __init__(
        self,
        *,
        channel: aio_pika.abc.AbstractRobustChannel,
        queue: aio_pika.abc.AbstractQueue,
        handler: Handler,
        publisher: OutcomePublisher,
        metrics: Metrics,
        prefetch: int,
    ) -> None:
        self._channel = channel
        self._queue = queue
        self._handler = handler
        self._publisher = publisher
        self._metrics = metrics
        self._prefetch = prefetch
        self._tag: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        # Read at scrape time: a request counts until it is settled (published and acked).
        metrics.in_flight.set_function(lambda: self.in_flight)

    @property
    def in_flight(self) -> int:
        """Deliveries being handled right now."""
        return len(self._tasks)

    async def start(self) -> None:
        """Set the prefetch and start consuming."""
        await self._channel.set_qos(prefetch_count=self._prefetch)
        self._channel.reopen_callbacks.add(self._watch_cancellations)
        await self._watch_cancellations()
        self._tag = await self._queue.consume(self._on_delivery)
        _log.info("amqp.consumer.started", queue=self._queue.name, prefetch=self._prefetch)

    async def is_consuming(self) -> bool:
        """True while the broker is delivering to this consumer.

        Looks at the consumer itself: a consumer the broker cancelled leaves the connection and
        channel up, and a channel being reopened has no consumers yet.
        """
        if self._tag is None or self._stopping:
            return False
        try:
            channel = await asyncio.wait_for(
                self._channel.get_underlay_channel(), _READINESS_TIMEOUT_S
            )
        except (TimeoutError, *CHANNEL_FAILURES):
            return False
        consumers = getattr(channel, "consumers", {})  # aiormq.Channel; not on the ABC
        return not channel.is_closed and self._tag in consumers

    async def stop(self, grace: float) -> None:
        """Stop consuming; give in-flight requests ``grace`` seconds, then cancel the rest.

        Cancelled requests are neither acked nor rejected: closing the channel afterwards hands
        them back to the queue for redelivery.
        """
        if self._stopping:
            return
        self._stopping = True
        if self._tag is not None:
            try:
                # Bounded: during a broker outage the robust channel would wait for a reconnect.
                await asyncio.wait_for(self._queue.cancel(self._tag), _CANCEL_TIMEOUT_S)
            except (*CHANNEL_FAILURES, TimeoutError) as exc:
                _log.warning("amqp.consumer.cancel_failed", error=_brief(exc))
        pending = set(self._tasks)
        if pending:
            _log.info("amqp.consumer.draining", in_flight=len(pending), grace_s=grace)
            _done, pending = await asyncio.wait(pending, timeout=grace)
        if pending:
            _log.warning("amqp.consumer.abandoning", in_flight=len(pending))
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        _log.info("amqp.consumer.stopped")

    async def _watch_cancellations(self, *_args: object) -> None:
        # Called at start and after every reopen: each reopen brings a new aiormq channel.
        try:
            channel = await self._channel.get_underlay_channel()
        except CHANNEL_FAILURES:
            return
        channel.on_consumer_cancel_callbacks.add(self._on_broker_cancel)

    def _on_broker_cancel(self, frame: aiormq.spec.Basic.Cancel) -> None:
        if frame.consumer_tag != self._tag:
            return
        self._metrics.consumer_cancellations.inc()
        _log.warning(
            "amqp.consumer.cancelled_by_broker", queue=self._queue.name, consumer_tag=self._tag
        )

    async def _on_delivery(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        # Runs inside aiormq's per-delivery task; hand off at once to a task of our own.
        task = asyncio.create_task(self._handle(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        with LogFields(delivery_tag=message.delivery_tag, redelivered=message.redelivered):
            if message.redelivered:
                self._metrics.redeliveries.inc()
            request = RequestMessage(
                body=message.body,
                content_type=message.content_type,
                message_id=message.message_id,
                correlation_id=message.correlation_id,
                reply_to=message.reply_to,
            )
            try:
                outcome = await self._handler.handle(request)
            except asyncio.CancelledError:
                _log.info("amqp.request.abandoned", message_id=message.message_id)
                raise
            except Exception:
                self._metrics.crashes.inc()
                _log.exception("amqp.request.crashed", message_id=message.message_id)
                await self._requeue(message)
                return
            self._metrics.observe(outcome)
            try:
                await self._publisher.publish(outcome, reply_to=outcome.reply_to)
            except PublishError as exc:
                self._metrics.publish_failures.inc()
                _log.error(
                    "amqp.outcome.not_confirmed",
                    outcome_message_id=outcome.message_id,
                    routing_key=outcome.routing_key,
                    cause=exc.cause,
                )
                await self._requeue(message)
                return
            await self._ack(message)

    async def _ack(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        try:
            await message.ack()
        except CHANNEL_FAILURES as exc:
            self._metrics.ack_failures.inc()
            _log.warning("amqp.ack_failed", error=_brief(exc), left_to="redelivery")

    async def _requeue(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        try:
            await message.nack(requeue=True)
        except CHANNEL_FAILURES as exc:
            self._metrics.ack_failures.inc()
            _log.warning("amqp.nack_failed", error=_brief(exc), left_to="redelivery")


def _brief(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
