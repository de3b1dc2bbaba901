"""The broker topology (``../shared/CONTRACT.md`` §1): names, declaration, definitions JSON.

Two names are configurable, the request queue and the events exchange; the rest derive from
them, so tests can run side by side with random names::

    <prefix>.requests  quorum queue ──(delivery limit / rejected)──> <prefix>.dead  fanout ─> queue
    <prefix>.events    topic exchange ──(nobody bound)──> <prefix>.unrouted fanout ─> queue

A name ending in ``.requests`` (``.events``) swaps that suffix for ``.dead`` (``.unrouted``);
any other name gets the suffix appended. :func:`declare` is idempotent; :func:`definitions` is
the same topology as a RabbitMQ definitions document for ``rabbitmqctl import_definitions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import aio_pika

if TYPE_CHECKING:
    from worker.settings import Settings

__all__ = [
    "DELIVERY_LIMIT",
    "DeclaredTopology",
    "Topology",
    "declare",
    "declare_once",
    "definitions",
    "delete",
]

#: Deliveries of one request before the quorum queue dead-letters it (a message the worker
#: keeps dying on must not loop forever; RabbitMQ 3.10 has no default limit).
DELIVERY_LIMIT: Final = 5


def _derive(name: str, suffix: str, replacing: str) -> str:
    if name.endswith(replacing):
        return name[: -len(replacing)] + suffix
    return name + suffix


@dataclass(frozen=True, slots=True)
class Topology:
    """Every name and argument of the topology, derived from the two configurable names."""

    request_queue: str = "ga.listener.requests"
    events_exchange: str = "ga.listener.events"
    delivery_limit: int = DELIVERY_LIMIT
    dead_letter_at_least_once: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Topology:
        """The topology the settings name."""
        return cls(
            request_queue=settings.request_queue,
            events_exchange=settings.events_exchange,
            dead_letter_at_least_once=settings.dead_letter_at_least_once,
        )

    @property
    def dead_exchange(self) -> str:
        """Fanout exchange that receives dead-lettered requests."""
        return _derive(self.request_queue, ".dead", ".requests")

    @property
    def dead_queue(self) -> str:
        """Queue bound to :attr:`dead_exchange`; same name as the exchange, as the contract says."""
        return self.dead_exchange

    @property
    def unrouted_exchange(self) -> str:
        """Fanout exchange, the alternate exchange of :attr:`events_exchange`."""
        return _derive(self.events_exchange, ".unrouted", ".events")

    @property
    def unrouted_queue(self) -> str:
        """Queue bound to :attr:`unrouted_exchange`, keeping outcomes nobody subscribed to."""
        return self.unrouted_exchange

    def request_queue_arguments(self) -> dict[str, Any]:
        """Arguments of the request queue (RabbitMQ refuses a redeclaration that differs)."""
        arguments: dict[str, Any] = {
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": self.dead_exchange,
            "x-delivery-limit": self.delivery_limit,
        }
        if self.dead_letter_at_least_once:
            arguments["x-dead-letter-strategy"] = "at-least-once"
            arguments["x-overflow"] = "reject-publish"
        return arguments

    def events_exchange_arguments(self) -> dict[str, Any]:
        """Arguments of the events exchange: unroutable outcomes go to the unrouted exchange."""
        return {"alternate-exchange": self.unrouted_exchange}


@dataclass(frozen=True, slots=True)
class DeclaredTopology:
    """The declared entities a caller goes on to use."""

    request_queue: aio_pika.abc.AbstractQueue
    events_exchange: aio_pika.abc.AbstractExchange


async def declare(channel: aio_pika.abc.AbstractChannel, topology: Topology) -> DeclaredTopology:
    """Declare the whole topology on ``channel``; safe to call any number of times.

    Exchanges first, so the request queue's dead-letter target and the events exchange's
    alternate exchange exist before anything can be routed to them. A differing existing
    entity raises ``aio_pika.exceptions.ChannelPreconditionFailed`` (and closes the channel).
    """
    dead = await channel.declare_exchange(
        topology.dead_exchange, aio_pika.ExchangeType.FANOUT, durable=True
    )
    dead_queue = await channel.declare_queue(topology.dead_queue, durable=True)
    await dead_queue.bind(dead, routing_key="")

    unrouted = await channel.declare_exchange(
        topology.unrouted_exchange, aio_pika.ExchangeType.FANOUT, durable=True
    )
    unrouted_queue = await channel.declare_queue(topology.unrouted_queue, durable=True)
    await unrouted_queue.bind(unrouted, routing_key="")

    events = await channel.declare_exchange(
        topology.events_exchange,
        aio_pika.ExchangeType.TOPIC,
        durable=True,
        arguments=topology.events_exchange_arguments(),
    )
    requests = await channel.declare_queue(
        topology.request_queue, durable=True, arguments=topology.request_queue_arguments()
    )
    return DeclaredTopology(request_queue=requests, events_exchange=events)


async def declare_once(connection: aio_pika.abc.AbstractConnection, topology: Topology) -> None:
    """Declare ``topology`` on a short-lived channel of its own (a differing entity closes only
    that channel), then close it."""
    channel = await connection.channel(publisher_confirms=False)
    try:
        await declare(channel, topology)
    finally:
        if not channel.is_closed:
            await channel.close()


async def delete(channel: aio_pika.abc.AbstractChannel, topology: Topology) -> None:
    """Delete all six entities, messages included (temporary topologies: demo, tests)."""
    for queue in (topology.request_queue, topology.dead_queue, topology.unrouted_queue):
        await channel.queue_delete(queue)
    for exchange in (topology.events_exchange, topology.dead_exchange, topology.unrouted_exchange):
        await channel.exchange_delete(exchange)


def definitions(topology: Topology, *, vhost: str = "/") -> dict[str, Any]:
    """The topology as a RabbitMQ definitions document (``rabbitmqctl import_definitions``)."""

    def exchange(name: str, kind: str, arguments: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": name,
            "vhost": vhost,
            "type": kind,
            "durable": True,
            "auto_delete": False,
            "internal": False,
            "arguments": arguments,
        }

    def queue(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": name,
            "vhost": vhost,
            "durable": True,
            "auto_delete": False,
            "arguments": arguments,
        }

    def binding(source: str, destination: str) -> dict[str, Any]:
        return {
            "source": source,
            "vhost": vhost,
            "destination": destination,
            "destination_type": "queue",
            "routing_key": "",
            "arguments": {},
        }

    return {
        "vhosts": [{"name": vhost}],
        "exchanges": [
            exchange(topology.dead_exchange, "fanout", {}),
            exchange(topology.unrouted_exchange, "fanout", {}),
            exchange(topology.events_exchange, "topic", topology.events_exchange_arguments()),
        ],
        "queues": [
            queue(topology.dead_queue, {}),
            queue(topology.unrouted_queue, {}),
            queue(topology.request_queue, topology.request_queue_arguments()),
        ],
        "bindings": [
            binding(topology.dead_exchange, topology.dead_queue),
            binding(topology.unrouted_exchange, topology.unrouted_queue),
        ],
    }
