"""Publishes outcome events and returns only once the broker has confirmed them.

The guarantee the consumer builds on: when :meth:`OutcomePublisher.publish` returns, the
outcome is on the events exchange, persistent and confirmed (contract §4). Everything short of
that is a :class:`PublishError`: a broker nack, a ``basic.return`` (mandatory publish that no
queue and not even the alternate exchange took), a missing exchange, a closed channel, or no
confirm within ``deadline`` (a blocked broker). A publish whose channel failed is published
again, with capped backoff, until the deadline; a publish that is merely waiting for its confirm
is never published again: under load confirms come late, and re-publishing (then requeueing the
request) would multiply the very load that delayed them.

The ``reply_to`` copy goes through the default exchange *not* mandatory: a requester that has
gone away (its reply queue deleted) must not stop the request from being acked. A failed reply
is logged, never raised: the event on the events exchange is the outcome of record.

Publishes go straight to the aiormq channel under the robust channel: one properties object,
no ``aio_pika.Message`` copy, and no exchange registered for restoration, so a deleted events
exchange stays a visible failure instead of being silently recreated.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Final

import aio_pika
import aiormq
import structlog
from aiormq.abc import ConfirmationFrameType
from pamqp.commands import Basic

from schemas.outcome import Outcome

__all__ = ["CHANNEL_FAILURES", "OutcomePublisher", "PublishError"]

_log = structlog.get_logger("worker.amqp.publisher")

_APP_ID: Final = "ga-listener-worker"
_PERSISTENT: Final = 2
_FIRST_BACKOFF_S: Final = 0.05
_MAX_BACKOFF_S: Final = 2.0

# What an operation on a channel fails with, short of a bug, when the broker refuses it or the
# channel/connection is gone: a publish may be tried again, an ack is left to redelivery.
# Not a late confirm: that one is waited for, up to the deadline.
CHANNEL_FAILURES: Final = (
    aiormq.exceptions.AMQPError,
    aiormq.exceptions.ChannelInvalidStateError,
    ConnectionError,
)


class PublishError(Exception):
    """The outcome could not be confirmed by the broker within the publish deadline."""

    def __init__(self, message: str, *, cause: str) -> None:
        super().__init__(message)
        self.cause = cause


def _properties(outcome: Outcome) -> Basic.Properties:
    return Basic.Properties(
        content_type=outcome.content_type,
        delivery_mode=_PERSISTENT,
        message_id=outcome.message_id,
        correlation_id=outcome.correlation_id,
        headers={"ce-type": outcome.ce_type},
        app_id=_APP_ID,
    )


class OutcomePublisher:
    """Confirmed, persistent, mandatory publishes of outcomes on one dedicated channel.

    The channel must be opened with publisher confirms and ``on_return_raises=True`` (see
    :meth:`open`), so a returned message fails its confirm instead of passing as delivered.
    """

    def __init__(
        self,
        channel: aio_pika.abc.AbstractChannel,
        exchange: str,
        *,
        deadline: float = 60.0,
    ) -> None:
        self._channel = channel
        self._exchange = exchange
        self._deadline = deadline

    @classmethod
    async def open(
        cls,
        connection: aio_pika.abc.AbstractConnection,
        exchange: str,
        *,
        deadline: float = 60.0,
    ) -> OutcomePublisher:
        """Open a publishing channel on ``connection`` (kept by the publisher) and wrap it."""
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        return cls(channel, exchange, deadline=deadline)

    async def close(self) -> None:
        """Close the publishing channel."""
        if not self._channel.is_closed:
            await self._channel.close()

    async def publish(self, outcome: Outcome, *, reply_to: str | None) -> None:
        """Publish ``outcome`` to the events exchange, then to ``reply_to`` if given.

        Returns once the events exchange copy is confirmed; raises :class:`PublishError` if it
        could not be within the deadline. The ``reply_to`` copy is best effort.
        """
        properties = _properties(outcome)
        await self._confirmed(
            self._exchange, outcome.routing_key, outcome.body, properties, mandatory=True
        )
        if reply_to:
            try:
                await self._confirmed("", reply_to, outcome.body, properties, mandatory=False)
            except PublishError as exc:
                _log.warning(
                    "outcome.reply_failed",
                    reply_to=reply_to,
                    outcome_message_id=outcome.message_id,
                    cause=exc.cause,
                )

    async def _confirmed(
        self,
        exchange: str,
        routing_key: str,
        body: bytes,
        properties: Basic.Properties,
        *,
        mandatory: bool,
    ) -> None:
        deadline = time.monotonic() + self._deadline
        backoff = _FIRST_BACKOFF_S
        attempt = 0
        cause = "no confirm in time"
        while True:
            attempt += 1
            try:
                # One bound for waiting on a reconnecting channel and for the confirm; a
                # context manager, not wait_for, so the hot path creates no extra task.
                async with asyncio.timeout(max(deadline - time.monotonic(), 0.0)):
                    channel = await self._channel.get_underlay_channel()
                    confirmation = await channel.basic_publish(
                        body,
                        exchange=exchange,
                        routing_key=routing_key,
                        properties=properties,
                        mandatory=mandatory,
                    )
                _check_confirmation(confirmation)
                return
            except TimeoutError:
                raise PublishError(
                    f"outcome not confirmed within {self._deadline:g} s after {attempt} attempts:"
                    f" {cause}",
                    cause=cause,
                ) from None
            except CHANNEL_FAILURES as exc:
                cause = _describe(exc)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PublishError(
                        f"outcome not confirmed after {attempt} attempts: {cause}", cause=cause
                    ) from None
                _log.warning(
                    "outcome.publish_retry",
                    exchange=exchange,
                    routing_key=routing_key,
                    attempt=attempt,
                    cause=cause,
                )
                await asyncio.sleep(min(backoff * (0.5 + random.random()), remaining))
                backoff = min(backoff * 2, _MAX_BACKOFF_S)


def _check_confirmation(confirmation: ConfirmationFrameType | None) -> None:
    # With confirms on, a publish resolves to Basic.Ack; a Nack (or anything else, say a
    # returned message on a channel without on_return_raises) is not a confirmation.
    if not isinstance(confirmation, Basic.Ack):
        raise aiormq.exceptions.DeliveryError(None, confirmation)  # type: ignore[arg-type]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, aiormq.exceptions.PublishError):
        return "returned (unroutable)"
    text = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]
