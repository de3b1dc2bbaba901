"""Tests for worker.amqp.topology: derived names, idempotent declaration, definitions JSON."""

from __future__ import annotations

import aio_pika
import pytest

from tests.fixtures.amqp import OutcomeTap
from worker.amqp.topology import Topology, declare, definitions


def test_default_names_are_the_contracts() -> None:
    """The defaults derive exactly the contract's six names."""
    topology = Topology()
    expected = (
        "ga.listener.requests",
        "ga.listener.dead",
        "ga.listener.dead",
        "ga.listener.events",
        "ga.listener.unrouted",
        "ga.listener.unrouted",
    )
    actual = (
        topology.request_queue,
        topology.dead_exchange,
        topology.dead_queue,
        topology.events_exchange,
        topology.unrouted_exchange,
        topology.unrouted_queue,
    )
    assert expected == actual


@pytest.mark.parametrize(
    ("request_queue", "events_exchange", "dead", "unrouted"),
    [
        ("team.x.requests", "team.x.events", "team.x.dead", "team.x.unrouted"),
        ("jobs", "outcomes", "jobs.dead", "outcomes.unrouted"),
    ],
)
def test_names_derive_from_the_two_settings(
    request_queue: str, events_exchange: str, dead: str, unrouted: str
) -> None:
    """A `.requests`/`.events` suffix is swapped; any other name gets the suffix appended."""
    topology = Topology(request_queue=request_queue, events_exchange=events_exchange)
    expected = (dead, unrouted)
    assert expected == (topology.dead_exchange, topology.unrouted_exchange)


def test_request_queue_arguments_are_the_contracts() -> None:
    """Quorum, dead-lettering to the dead exchange, delivery limit 5, nothing else."""
    expected = {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": "ga.listener.dead",
        "x-delivery-limit": 5,
    }
    assert expected == Topology().request_queue_arguments()


def test_definitions_document() -> None:
    """The definitions JSON lists the three exchanges, three queues and two bindings."""
    document = definitions(Topology())
    expected = (
        {
            ("ga.listener.dead", "fanout"),
            ("ga.listener.unrouted", "fanout"),
            ("ga.listener.events", "topic"),
        },
        {"alternate-exchange": "ga.listener.unrouted"},
        {"ga.listener.dead", "ga.listener.unrouted", "ga.listener.requests"},
        {
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": "ga.listener.dead",
            "x-delivery-limit": 5,
        },
        {
            ("ga.listener.dead", "ga.listener.dead"),
            ("ga.listener.unrouted", "ga.listener.unrouted"),
        },
    )
    exchanges = {x["name"]: x for x in document["exchanges"]}
    queues = {q["name"]: q for q in document["queues"]}
    actual = (
        {(x["name"], x["type"]) for x in document["exchanges"]},
        exchanges["ga.listener.events"]["arguments"],
        set(queues),
        queues["ga.listener.requests"]["arguments"],
        {(b["source"], b["destination"]) for b in document["bindings"]},
    )
    assert expected == actual


async def test_declare_is_idempotent(
    amqp_connection: aio_pika.abc.AbstractConnection, topology: Topology
) -> None:
    """Declaring twice succeeds and leaves the same entities."""
    channel = await amqp_connection.channel()
    await declare(channel, topology)
    declared = await declare(channel, topology)
    assert topology.request_queue == declared.request_queue.name


async def test_declared_queue_accepts_a_contract_declaration(
    amqp_connection: aio_pika.abc.AbstractConnection, topology: Topology
) -> None:
    """A client declaring the request queue with the contract's arguments gets no mismatch."""
    channel = await amqp_connection.channel()
    await declare(channel, topology)
    queue = await channel.declare_queue(
        topology.request_queue,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": topology.dead_exchange,
            "x-delivery-limit": 5,
        },
    )
    expected = 0
    assert expected == queue.declaration_result.message_count


async def test_unroutable_outcomes_reach_the_unrouted_queue(
    amqp_connection: aio_pika.abc.AbstractConnection, topology: Topology
) -> None:
    """An event nobody is bound for lands in the unrouted queue via the alternate exchange."""
    channel = await amqp_connection.channel()
    declared = await declare(channel, topology)
    tap = await OutcomeTap.open(amqp_connection, topology.unrouted_exchange, "")
    await declared.events_exchange.publish(
        aio_pika.Message(b"{}", message_id="m-1"), routing_key="listener.created"
    )
    expected = "m-1"
    assert expected == (await tap.next()).message_id


async def test_dead_lettering_after_the_delivery_limit(
    amqp_connection: aio_pika.abc.AbstractConnection, topology: Topology
) -> None:
    """A request requeued more than the delivery limit lands in the dead-letter queue."""
    channel = await amqp_connection.channel()
    declared = await declare(channel, topology)
    dead = await OutcomeTap.open(amqp_connection, "", queue=None, existing=topology.dead_queue)
    deliveries = 0

    async def nack(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        nonlocal deliveries
        deliveries += 1
        await message.nack(requeue=True)

    await declared.request_queue.consume(nack)
    await channel.default_exchange.publish(
        aio_pika.Message(b"poison", message_id="m-dead"), routing_key=topology.request_queue
    )
    received = await dead.next()
    expected = ("m-dead", 6)
    assert expected == (received.message_id, deliveries)


@pytest.mark.parametrize("at_least_once", [True])
async def test_at_least_once_dead_lettering_declares_on_this_broker(
    amqp_connection: aio_pika.abc.AbstractConnection, topology: Topology, at_least_once: bool
) -> None:
    """The opt-in at-least-once dead-letter strategy is accepted by the broker."""
    strict = Topology(
        request_queue=topology.request_queue,
        events_exchange=topology.events_exchange,
        dead_letter_at_least_once=at_least_once,
    )
    declared = await declare(await amqp_connection.channel(), strict)
    assert strict.request_queue == declared.request_queue.name
