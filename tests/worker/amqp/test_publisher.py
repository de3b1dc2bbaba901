"""Tests for worker.amqp.publisher: confirmed, persistent, mandatory; failures are failures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aio_pika
import pytest

from schemas.outcome import CreatedData, CreatedEvent, Outcome, outcome_message_id
from tests.fixtures.amqp import OutcomeTap, random_name
from worker.amqp.publisher import OutcomePublisher, PublishError
from worker.amqp.topology import Topology, declare


def make_outcome(*, reply_to: str | None = None, token: str = "tok-1") -> Outcome:  # noqa: S107
    """A ``ga.listener.created`` outcome as the pipeline would build it."""
    message_id = outcome_message_id(token, "listener.created")
    event = CreatedEvent(
        id=message_id,
        subject=token,
        time=datetime(2024, 1, 1, tzinfo=UTC),
        data=CreatedData(
            client_token=token,
            request_message_id="req-1",
            correlation_id="corr-1",
            region_id="cn-hangzhou",
            accelerator_id="ga-1",
            listener_id="lsr-1",
            attempts=1,
            polls=1,
            duration_ms=1.0,
            api_request_ids=["r-1"],
            listener={"ListenerId": "lsr-1", "State": "active"},
        ),
    )
    return Outcome(
        body=event.model_dump_json().encode(),
        routing_key="listener.created",
        message_id=message_id,
        correlation_id="corr-1",
        reply_to=reply_to,
        client_token=token,
        accelerator_id="ga-1",
        listener_id="lsr-1",
        error_type=None,
        error_code=None,
        attempts=1,
        polls=1,
        retries=0,
        duration_ms=1.0,
    )


@pytest.fixture(name="publisher")
async def fixture_publisher(
    amqp_url: str, topology: Topology
) -> AsyncIterator[OutcomePublisher]:
    """A publisher on the declared random topology, on its own robust connection."""
    connection = await aio_pika.connect_robust(amqp_url)
    await declare(await connection.channel(), topology)
    publisher = await OutcomePublisher.open(
        connection, topology.events_exchange, deadline=1.0
    )
    try:
        yield publisher
    finally:
        await connection.close()


async def test_outcome_is_published_with_the_contracts_properties(
    amqp_connection: aio_pika.abc.AbstractConnection,
    topology: Topology,
    publisher: OutcomePublisher,
) -> None:
    """Routing key, CloudEvents content type, persistent, message and correlation ids, ce-type."""
    tap = await OutcomeTap.open(amqp_connection, topology.events_exchange)
    outcome = make_outcome()
    await publisher.publish(outcome, reply_to=None)
    received = await tap.next()
    expected = (
        "listener.created",
        "application/cloudevents+json",
        2,
        outcome.message_id,
        "corr-1",
        {"ce-type": "ga.listener.created"},
        outcome.body,
    )
    actual = (
        received.routing_key,
        received.content_type,
        received.delivery_mode,
        received.message_id,
        received.correlation_id,
        received.headers,
        received.body,
    )
    assert expected == actual


async def test_reply_to_is_answered_through_the_default_exchange(
    amqp_connection: aio_pika.abc.AbstractConnection, publisher: OutcomePublisher
) -> None:
    """The same event goes to the request's reply_to queue."""
    reply_queue = random_name("reply")
    tap = await OutcomeTap.open(amqp_connection, "", queue=reply_queue)
    outcome = make_outcome(reply_to=reply_queue)
    await publisher.publish(outcome, reply_to=reply_queue)
    received = await tap.next()
    expected = (outcome.message_id, outcome.body)
    assert expected == (received.message_id, received.body)


async def test_missing_reply_queue_does_not_fail_the_publish(
    amqp_connection: aio_pika.abc.AbstractConnection,
    topology: Topology,
    publisher: OutcomePublisher,
) -> None:
    """A requester that went away does not stop the outcome (or the ack)."""
    tap = await OutcomeTap.open(amqp_connection, topology.events_exchange)
    await publisher.publish(make_outcome(), reply_to=random_name("gone"))
    expected = "listener.created"
    assert expected == (await tap.next()).routing_key


async def test_unbound_routing_key_goes_to_the_unrouted_queue(
    amqp_connection: aio_pika.abc.AbstractConnection,
    topology: Topology,
    publisher: OutcomePublisher,
) -> None:
    """With no subscriber, the alternate exchange keeps the outcome and the publish succeeds."""
    tap = await OutcomeTap.open(amqp_connection, "", existing=topology.unrouted_queue)
    outcome = make_outcome()
    await publisher.publish(outcome, reply_to=None)
    assert outcome.message_id == (await tap.next()).message_id


async def test_a_returned_outcome_is_a_failure(
    amqp_url: str, amqp_connection: aio_pika.abc.AbstractConnection
) -> None:
    """On an exchange without alternate exchange or queue, the mandatory return fails it."""
    exchange = random_name("noroute")
    channel = await amqp_connection.channel()
    await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, auto_delete=True)
    connection = await aio_pika.connect_robust(amqp_url)
    try:
        publisher = await OutcomePublisher.open(connection, exchange, deadline=0.3)
        with pytest.raises(PublishError) as caught:
            await publisher.publish(make_outcome(), reply_to=None)
    finally:
        await connection.close()
        await channel.exchange_delete(exchange)
    expected = "returned (unroutable)"
    assert expected == caught.value.cause


async def test_a_missing_exchange_is_a_failure_and_the_channel_recovers(
    amqp_connection: aio_pika.abc.AbstractConnection,
    topology: Topology,
    publisher: OutcomePublisher,
) -> None:
    """Publishing to a deleted events exchange fails; once it is back, publishing works again."""
    channel = await amqp_connection.channel()
    await channel.exchange_delete(topology.events_exchange)
    with pytest.raises(PublishError):
        await publisher.publish(make_outcome(), reply_to=None)
    await declare(channel, topology)
    tap = await OutcomeTap.open(amqp_connection, topology.events_exchange)
    await publisher.publish(make_outcome(), reply_to=None)
    expected = "listener.created"
    assert expected == (await tap.next()).routing_key
