"""The load generator: random topology, N request messages in, N outcomes out, timed.

One :class:`Topology` under random names per run, declared exactly as the worker declares it
(quorum request queue with its dead-letter arguments, topic events exchange with its alternate
exchange), plus an exclusive observer queue bound to the events exchange with ``#``. Requests
are published persistent with publisher confirms, pipelined in windows; every outcome is taken
from the observer queue without acks and timed on arrival. The system under test (the worker,
the SDK peer, the bare echo) is a separate process consuming the request queue.

Outcomes are matched to requests by ``correlation_id`` (contract §4: the request's
``message_id`` when it has no ``correlation_id``), so publish->outcome latency is per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import aio_pika
import orjson

from tests.bench._procs import AMQP_URL
from worker.amqp.topology import Topology, declare, delete

__all__ = [
    "LoadResult",
    "Rig",
    "percentile",
    "request_bodies",
]

_TEMPLATE: Final = Path(__file__).parents[2] / "deploy" / "examples" / "valid-tcp.json"
_PUBLISH_WINDOW: Final = 500


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0..1) of ``values``, nearest rank; 0.0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))
    return ordered[rank]


def request_bodies(accelerators: Sequence[str]) -> list[bytes]:
    """One valid CreateListener body per accelerator: ``deploy/examples/valid-tcp.json``.

    A realistic request (two endpoint groups, health checks, three endpoints), so validation
    and encoding do the work a real one needs.
    """
    template: dict[str, Any] = orjson.loads(_TEMPLATE.read_bytes())
    return [orjson.dumps({**template, "AcceleratorId": a}) for a in accelerators]


@dataclass(slots=True)
class LoadResult:
    """One timed batch: how many, how long, how fast, which outcomes."""

    sent: int
    received: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    routing_keys: Counter[str]
    wall_start: float  # time.time() at the first publish, to line up with other processes

    @property
    def rate(self) -> float:
        """Outcomes per second, first publish to last outcome."""
        return self.received / self.seconds if self.seconds > 0 else 0.0

    @property
    def p50_ms(self) -> float:
        """Median publish->outcome latency."""
        return percentile(self.latencies_ms, 0.50)

    @property
    def p99_ms(self) -> float:
        """99th percentile publish->outcome latency."""
        return percentile(self.latencies_ms, 0.99)

    @property
    def complete(self) -> bool:
        """Every request answered."""
        return self.received == self.sent

    @property
    def created(self) -> int:
        """Outcomes routed ``listener.created``."""
        return self.routing_keys.get("listener.created", 0)


class Rig:
    """A run's topology, publisher and outcome observer; an async context manager.

    Everything it declares is deleted on exit.
    """

    def __init__(self, prefix: str = "bench") -> None:
        name = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self.topology = Topology(request_queue=f"{name}.requests", events_exchange=f"{name}.events")
        self._connection: aio_pika.abc.AbstractConnection | None = None
        self._observer: aio_pika.abc.AbstractConnection | None = None
        self._publish_channel: aio_pika.abc.AbstractChannel | None = None
        self._arrivals: dict[str, float] = {}
        self._keys: Counter[str] = Counter()
        self._expected = 0
        self._all_in = asyncio.Event()

    async def __aenter__(self) -> Rig:
        # Publishing and observing on separate connections: neither waits behind the other.
        self._connection = await aio_pika.connect(AMQP_URL)
        self._observer = await aio_pika.connect(AMQP_URL)
        self._publish_channel = await self._connection.channel(publisher_confirms=True)
        declared = await declare(self._publish_channel, self.topology)
        observe = await self._observer.channel(publisher_confirms=False)
        queue = await observe.declare_queue(exclusive=True, auto_delete=True)
        exchange = await observe.get_exchange(declared.events_exchange.name, ensure=False)
        await queue.bind(exchange, routing_key="#")
        await queue.consume(self._on_outcome, no_ack=True)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                channel = await self._connection.channel()
                await delete(channel, self.topology)
            await self._connection.close()
        if self._observer is not None:
            await self._observer.close()

    async def _on_outcome(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        key = message.correlation_id or message.message_id or ""
        if key not in self._arrivals:
            self._arrivals[key] = time.perf_counter()
            self._keys[message.routing_key or ""] += 1
            if len(self._arrivals) >= self._expected:
                self._all_in.set()

    async def drive(self, bodies: Sequence[bytes], *, timeout: float) -> LoadResult:
        """Publish ``bodies`` as requests and wait (at most ``timeout`` s) for every outcome."""
        if self._publish_channel is None:
            raise RuntimeError("the rig is not open")
        run = uuid.uuid4().hex[:8]
        ids = [f"{run}-{n}" for n in range(len(bodies))]
        self._arrivals = {}
        self._keys = Counter()
        self._expected = len(bodies)
        self._all_in = asyncio.Event()
        exchange = self._publish_channel.default_exchange
        queue = self.topology.request_queue
        sent: dict[str, float] = {}
        wall_start = time.time()
        first = time.perf_counter()
        for start in range(0, len(bodies), _PUBLISH_WINDOW):
            window = []
            for message_id, body in zip(
                ids[start : start + _PUBLISH_WINDOW],
                bodies[start : start + _PUBLISH_WINDOW],
                strict=True,
            ):
                message = aio_pika.Message(
                    body,
                    content_type="application/json",
                    message_id=message_id,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                )
                sent[message_id] = time.perf_counter()
                window.append(exchange.publish(message, routing_key=queue))
            await asyncio.gather(*window)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._all_in.wait(), timeout)
        arrivals = dict(self._arrivals)
        last = max(arrivals.values(), default=first)
        latencies = [(arrivals[m] - sent[m]) * 1000.0 for m in ids if m in arrivals]
        return LoadResult(
            sent=len(bodies),
            received=len(latencies),
            seconds=last - first,
            latencies_ms=latencies,
            routing_keys=Counter(self._keys),
            wall_start=wall_start,
        )

    async def wait_consumer(self, timeout: float = 30.0) -> None:
        """Wait until something consumes the request queue (the system under test is up)."""
        if self._connection is None:
            raise RuntimeError("the rig is not open")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        channel = await self._connection.channel()
        try:
            while loop.time() < deadline:
                queue = await channel.declare_queue(self.topology.request_queue, passive=True)
                if queue.declaration_result.consumer_count:
                    return
                await asyncio.sleep(0.05)
        finally:
            await channel.close()
        raise RuntimeError(f"nobody consumes {self.topology.request_queue} after {timeout} s")
