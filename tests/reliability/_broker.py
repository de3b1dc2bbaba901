"""The broker side of a scenario: random topology names, publishing requests, reading outcomes.

:class:`Rig` declares the contract's topology under random names (the same declaration the worker
makes, so it is idempotent against it), optionally binds an observer queue of its own to the
events exchange with ``#``, publishes requests with confirms, and runs an :class:`OutcomeReader`
that moves every outcome it finds (observer queue and unrouted queue) into the scenario's
:class:`~tests.reliability._checker.Ledger`. The observer queue is durable and the connection
robust, so the reader survives a broker restart. Everything is deleted on :meth:`Rig.close`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

import aio_pika
import aiormq

from tests.fixtures.amqp import random_name
from tests.reliability._checker import Delivery, Ledger
from worker.amqp.topology import Topology, declare, delete

__all__ = ["OutcomeReader", "Request", "Rig", "wait_until"]

_IDLE_S: Final = 0.02
#: How long stopping the reader waits for its in-flight get (its own timeout is 5 s).
_STOP_TIMEOUT_S: Final = 15.0
_BROKER_ERRORS: Final = (
    aiormq.exceptions.AMQPError,
    aio_pika.exceptions.AMQPException,
    ConnectionError,
    OSError,
    RuntimeError,
)


async def wait_until(
    predicate: Callable[[], bool], timeout: float, *, wake: asyncio.Event | None = None
) -> bool:
    """Wait (at most ``timeout`` s) until ``predicate()``; re-check on ``wake`` or every 50 ms."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        if wake is None:
            await asyncio.sleep(min(0.05, remaining))
            continue
        wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), min(0.5, remaining))
    return True


@dataclass(frozen=True, slots=True)
class Request:
    """One request message to publish."""

    body: bytes
    message_id: str
    content_type: str | None = "application/json"
    correlation_id: str | None = None


class OutcomeReader:
    """Reads outcome events from queues into a ledger, with ``basic.get`` so a final drain is exact.

    ``basic.get`` with acks, one message at a time: after the workers have stopped, "the queue
    answered empty" means every outcome they published has been read.
    """

    def __init__(self, channel: aio_pika.abc.AbstractChannel, ledger: Ledger) -> None:
        self._channel = channel
        self._ledger = ledger
        self._queues: list[str] = []
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.wake = asyncio.Event()

    def start(self, queues: Iterable[str]) -> None:
        """Start reading ``queues`` in the background."""
        self._queues = list(queues)
        self._task = asyncio.create_task(self._run())

    async def _get_one(self, name: str) -> bool:
        queue = await self._channel.get_queue(name, ensure=False)
        message = await queue.get(no_ack=False, fail=False, timeout=5)
        if message is None:
            return False
        self._ledger.delivered(
            Delivery(
                message_id=message.message_id,
                routing_key=message.routing_key or "",
                body=message.body,
                source=name,
            )
        )
        await message.ack()
        self.wake.set()
        return True

    async def _run(self) -> None:
        while not self._stopping:
            got = False
            for name in self._queues:
                try:
                    while not self._stopping and await self._get_one(name):
                        got = True
                except (*_BROKER_ERRORS, TimeoutError):
                    await asyncio.sleep(0.2)  # broker away: the robust connection comes back
            if not got:
                await asyncio.sleep(_IDLE_S)

    async def drain(self, timeout: float = 30.0) -> None:
        """Stop the background reader, then read until every queue answers empty."""
        await self.stop()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        for name in self._queues:
            while loop.time() < deadline:
                try:
                    if not await self._get_one(name):
                        break
                except (*_BROKER_ERRORS, TimeoutError):
                    await asyncio.sleep(0.2)

    async def stop(self) -> None:
        """Stop the background reader once its current ``basic.get`` has finished.

        Cancelling a ``basic.get`` mid-RPC can leave the channel waiting for a reply that was
        already consumed, and the drain's next get then hangs (seen in CI): ask, don't cancel.
        """
        if self._task is None:
            return
        self._stopping = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), _STOP_TIMEOUT_S)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        finally:
            self._task = None
            self._stopping = False


class Rig:
    """A scenario's topology, publisher and outcome reader on one robust connection."""

    def __init__(self, ledger: Ledger, amqp_url: str, *, observe: bool = True) -> None:
        prefix = random_name("rel")
        self.topology = Topology(
            request_queue=f"{prefix}.requests", events_exchange=f"{prefix}.events"
        )
        self.observer_queue = f"{prefix}.observer"
        self.ledger = ledger
        self.amqp_url = amqp_url
        self.observe = observe
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._channel: aio_pika.abc.AbstractChannel | None = None
        self.reader: OutcomeReader | None = None

    @property
    def channel(self) -> aio_pika.abc.AbstractChannel:
        """The rig's channel (publisher confirms on)."""
        if self._channel is None:
            raise RuntimeError("the rig is not open")
        return self._channel

    async def open(self) -> Rig:
        """Connect, declare, bind the observer (if observing) and start reading outcomes."""
        self._connection = await aio_pika.connect_robust(self.amqp_url, reconnect_interval=0.5)
        self._channel = await self._connection.channel(publisher_confirms=True)
        declared = await declare(self._channel, self.topology)
        queues = [self.topology.unrouted_queue]
        if self.observe:
            observer = await self._channel.declare_queue(self.observer_queue, durable=True)
            await observer.bind(declared.events_exchange, routing_key="#")
            queues.insert(0, self.observer_queue)
        self.reader = OutcomeReader(self._channel, self.ledger)
        self.reader.start(queues)
        return self

    async def publish(
        self, requests: Iterable[Request], *, allowed: Iterable[str] | None = None
    ) -> int:
        """Publish requests persistently with confirms, recording each in the ledger."""
        allowed_kinds = None if allowed is None else frozenset(allowed)
        pending: list[asyncio.Future[object]] = []
        count = 0
        for request in requests:
            self.ledger.sent(request.message_id, allowed_kinds)
            message = aio_pika.Message(
                request.body,
                content_type=request.content_type,
                message_id=request.message_id,
                correlation_id=request.correlation_id,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            )
            pending.append(
                asyncio.ensure_future(
                    self.channel.default_exchange.publish(
                        message, routing_key=self.topology.request_queue
                    )
                )
            )
            count += 1
            if len(pending) >= 200:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        return count

    async def wait_complete(self, timeout: float) -> bool:
        """Wait until every request of the ledger is answered or dead-lettered."""
        wake = self.reader.wake if self.reader is not None else None
        return await wait_until(self.ledger.complete, timeout, wake=wake)

    async def queue_length(self, name: str) -> int:
        """Messages ready in queue ``name`` now.

        Asks the broker on the underlying channel: aio-pika's robust channel answers a passive
        ``declare_queue`` of a queue it declared before from its cache, with the old count.
        """
        channel = await self.channel.get_underlay_channel()
        result = await channel.queue_declare(name, passive=True)
        return int(result.message_count or 0)

    async def read_dead_letters(self) -> list[aio_pika.abc.AbstractIncomingMessage]:
        """Take every message from the dead-letter queue, recording their ids in the ledger."""
        queue = await self.channel.get_queue(self.topology.dead_queue, ensure=False)
        messages = []
        while (message := await queue.get(no_ack=True, fail=False, timeout=5)) is not None:
            messages.append(message)
            if message.message_id:
                self.ledger.dead_lettered(message.message_id)
        return messages

    async def close(self) -> None:
        """Stop reading, delete every queue and exchange of the scenario, disconnect."""
        if self.reader is not None:
            await self.reader.stop()
        if self._connection is None:
            return
        try:
            channel = await self._connection.channel()
            with contextlib.suppress(*_BROKER_ERRORS):
                await channel.queue_delete(self.observer_queue)
            with contextlib.suppress(*_BROKER_ERRORS):
                await delete(channel, self.topology)
        finally:
            await self._connection.close()
