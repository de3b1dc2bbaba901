"""The peer, ``python -m tests.bench._peer_worker``: the worker a user would write without us.

aio-pika + the official SDK's client (``alibabacloud_ga20191120.client.Client``, its ``*_async``
methods): consume a request, build the SDK model from the JSON, CreateListener (the message id as
ClientToken), DescribeListener every ``BENCH_POLL_INTERVAL`` seconds until ``active``, publish the
listener as the result (persistent, confirmed), ack. It validates nothing beyond what the SDK
does, retries nothing, and serialises nothing per accelerator: the least a working consumer does.

Environment: ``BENCH_REQUEST_QUEUE``, ``BENCH_EVENTS_EXCHANGE``, ``BENCH_PREFETCH``,
``BENCH_GA_ENDPOINT`` (``host:port``), ``BENCH_POLL_INTERVAL``, ``GA_WORKER_AMQP_URL`` (as the
harness gives every child), ``ALIBABA_CLOUD_ACCESS_KEY_ID``/``_SECRET``. Runs until SIGTERM.
It imports nothing of this project, so its memory is its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal

import aio_pika
from alibabacloud_ga20191120 import models as ga  # type: ignore[import-untyped]
from alibabacloud_ga20191120.client import Client  # type: ignore[import-untyped]
from alibabacloud_tea_openapi.models import Config  # type: ignore[import-untyped]


async def _main() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    poll_interval = float(os.environ.get("BENCH_POLL_INTERVAL", "2"))
    client = Client(
        Config(
            access_key_id=os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
            access_key_secret=os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
            endpoint=os.environ["BENCH_GA_ENDPOINT"],
            protocol="http",
        )
    )
    connection = await aio_pika.connect(os.environ["GA_WORKER_AMQP_URL"])
    publish_channel = await connection.channel(publisher_confirms=True)
    events = await publish_channel.get_exchange(os.environ["BENCH_EVENTS_EXCHANGE"], ensure=False)
    channel = await connection.channel(publisher_confirms=False)
    await channel.set_qos(prefetch_count=int(os.environ["BENCH_PREFETCH"]))
    queue = await channel.get_queue(os.environ["BENCH_REQUEST_QUEUE"], ensure=False)

    async def create(body: dict[str, object], token: str | None) -> dict[str, object]:
        request = ga.CreateListenerRequest().from_map(body)
        request.region_id = request.region_id or "cn-hangzhou"
        request.client_token = request.client_token or token
        created = await client.create_listener_async(request)
        describe = ga.DescribeListenerRequest(
            region_id=request.region_id, listener_id=created.body.listener_id
        )
        while True:
            described = await client.describe_listener_async(describe)
            if described.body.state == "active":
                result: dict[str, object] = described.body.to_map()
                return result
            await asyncio.sleep(poll_interval)

    async def handle(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        try:
            result = await create(json.loads(message.body), message.message_id)
            routing_key = "listener.created"
        except Exception as exc:
            result = {"error": type(exc).__name__, "message": str(exc)[:300]}
            routing_key = "listener.failed.api_error"
        await events.publish(
            aio_pika.Message(
                json.dumps(result).encode(),
                content_type="application/json",
                message_id=message.message_id,
                correlation_id=message.message_id,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=routing_key,
        )
        await message.ack()

    await queue.consume(handle)
    await stop.wait()
    await connection.close()


if __name__ == "__main__":
    asyncio.run(_main())
