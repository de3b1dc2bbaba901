"""The ceiling: a bare aio-pika echo, ``python -m tests.bench._echo`` (configured by environment).

Consume a request -> publish its body as the outcome (persistent, confirmed, to the events
exchange, ``correlation_id`` = the request's ``message_id``) -> ack. The same broker work per
request as the worker does, and nothing else: no parsing, no API, no outcome building. Its
rate is the most any worker can reach through this broker and client on this machine.

Same shape as the worker: one connection, a confirming publish channel, a consume channel with
the same prefetch. ``BENCH_REQUEST_QUEUE``, ``BENCH_EVENTS_EXCHANGE``, ``BENCH_PREFETCH``,
``GA_WORKER_AMQP_URL`` (as the harness gives every child). Runs until SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import signal

import aio_pika

from worker import runtime


async def _main() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    connection = await aio_pika.connect(os.environ["GA_WORKER_AMQP_URL"])
    publish_channel = await connection.channel(publisher_confirms=True)
    events = await publish_channel.get_exchange(os.environ["BENCH_EVENTS_EXCHANGE"], ensure=False)
    channel = await connection.channel(publisher_confirms=False)
    await channel.set_qos(prefetch_count=int(os.environ["BENCH_PREFETCH"]))
    queue = await channel.get_queue(os.environ["BENCH_REQUEST_QUEUE"], ensure=False)

    async def echo(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        await events.publish(
            aio_pika.Message(
                message.body,
                content_type="application/json",
                message_id=message.message_id,
                correlation_id=message.message_id,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key="listener.created",
        )
        await message.ack()

    await queue.consume(echo)
    await stop.wait()
    await connection.close()


if __name__ == "__main__":
    # The worker's own runtime (uvloop, tuned collector): the ceiling is this broker and client
    # at their best, so it must not run on a slower loop than the worker it bounds.
    runtime.run(_main())
