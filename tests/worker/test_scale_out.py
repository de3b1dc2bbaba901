"""Scale-out: 1, 2 and 4 worker processes on one queue against one emulator process.

More consumers on the same quorum queue is the whole scaling story (KEDA on Kubernetes, the
Function Compute trigger): each run must finish its batch with exactly one outcome per request
message and exactly one listener per ClientToken, however the broker spreads the messages. The
wall times are printed (with the speed-up) and never asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aio_pika
import aiohttp
import orjson
import pytest

from tests.fixtures.amqp import OutcomeTap, random_name
from tests.fixtures.emulator import EmulatorAdmin
from tests.fixtures.processes import WORKER_CLI, ChildProcess, clean_env, free_port, worker_env
from tests.fixtures.requests import tcp_body
from worker.amqp.topology import Topology, declare, delete

# One request per accelerator: the API refuses a second CreateListener on an accelerator while
# one is `init`, so requests sharing one serialise (per worker) or retry (across workers), and
# the run would time that instead of the workers.
ACCELERATORS = 400
REQUESTS_PER_ACCELERATOR = 1  # 400 requests per run
ACTIVATION_SECONDS = 0.3
PREFETCH = 16  # small, so one worker's capacity is what limits a run
WORKER_COUNTS = (1, 2, 4)


@pytest.fixture(name="emulator_process")
async def fixture_emulator_process(tmp_path: Path) -> AsyncIterator[str]:
    """``ga-listener-worker emulator`` on a free port, answering; its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [WORKER_CLI, "emulator", "--port", str(port)]
    argv += ["--activation-seconds", str(ACTIVATION_SECONDS), "--deletion-seconds", "0"]
    process = ChildProcess("emulator", argv, clean_env(), tmp_path / "emulator.log").start()
    try:
        await process.wait_http(f"{url}/_emulator/state")
        yield url
    finally:
        await process.stop()


@pytest.fixture(name="http")
async def fixture_http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP client for probes and the emulator's admin API."""
    async with aiohttp.ClientSession() as session:
        yield session


@dataclass(frozen=True)
class RunResult:
    """One run: how many workers, how long the batch took, what the emulator holds."""

    workers: int
    seconds: float
    outcomes: list[dict[str, Any]]
    message_ids: list[str | None]
    listeners: list[dict[str, Any]]
    calls: dict[str, int]


async def run_batch(
    workers: int,
    *,
    emulator_url: str,
    amqp_url: str,
    connection: aio_pika.abc.AbstractConnection,
    http: aiohttp.ClientSession,
    tmp_path: Path,
) -> RunResult:
    """Start ``workers`` processes on a fresh queue, publish the batch, collect every outcome."""
    admin = EmulatorAdmin(http, emulator_url)
    await admin.reset()
    accelerators = [f"ga-scale-{i:03d}" for i in range(ACCELERATORS)]
    await asyncio.gather(*(admin.add_accelerator(a, quota=10) for a in accelerators))

    prefix = random_name("scale")
    topology = Topology(request_queue=f"{prefix}.requests", events_exchange=f"{prefix}.events")
    channel = await connection.channel()
    await declare(channel, topology)
    tap = await OutcomeTap.open(connection, topology.events_exchange)

    processes: list[ChildProcess] = []
    try:
        for index in range(workers):
            health_port = free_port()
            env = worker_env(
                topology,
                amqp_url,
                endpoint=emulator_url,
                GA_WORKER_PREFETCH=str(PREFETCH),
                GA_WORKER_POLL_INTERVAL="0.15",
                GA_WORKER_HEALTH_PORT=str(health_port),
                GA_WORKER_LOG_LEVEL="warning",
                GA_WORKER_SHUTDOWN_GRACE="5",
            )
            name = f"worker-{workers}-{index}"
            process = ChildProcess(name, [WORKER_CLI, "run"], env, tmp_path / f"{name}.log")
            processes.append(process.start())
            await process.wait_http(f"http://127.0.0.1:{health_port}/readyz")

        publisher = await connection.channel(publisher_confirms=True)
        messages = [
            (f"{prefix}-m{i:03d}-{p}", tcp_body(acc, 80 + p))
            for i, acc in enumerate(accelerators)
            for p in range(REQUESTS_PER_ACCELERATOR)
        ]
        started = time.perf_counter()
        await asyncio.gather(
            *(
                publisher.default_exchange.publish(
                    aio_pika.Message(
                        orjson.dumps(body),
                        content_type="application/json",
                        message_id=message_id,
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    routing_key=topology.request_queue,
                )
                for message_id, body in messages
            )
        )
        try:
            received = await tap.take(len(messages), 50)
        except TimeoutError:
            logs = "\n".join(p.tail() for p in processes)
            raise AssertionError(f"{tap.pending()} of {len(messages)} outcomes\n{logs}") from None
        seconds = time.perf_counter() - started
        await publisher.close()

        statuses = [await p.stop() for p in processes]
        expected_statuses = [0] * workers
        assert expected_statuses == statuses, "\n".join(p.tail() for p in processes)
        remaining = await channel.declare_queue(topology.request_queue, passive=True)
        state = await admin.state()
        # Workers are gone and the queue is empty: anything still arriving would be a duplicate.
        extra = tap.pending()
        expected_leftovers = (0, 0)
        assert expected_leftovers == (remaining.declaration_result.message_count, extra)
        return RunResult(
            workers=workers,
            seconds=seconds,
            outcomes=[r.event for r in received],
            message_ids=[r.event["data"]["request_message_id"] for r in received],
            listeners=state["listeners"],
            calls=state["calls"],
        )
    finally:
        for process in processes:
            with contextlib.suppress(Exception):
                await process.stop()
        await tap.close()
        await delete(channel, topology)
        await channel.close()


async def test_workers_share_one_queue_without_doing_anything_twice(
    emulator_process: str,
    amqp_url: str,
    amqp_connection: aio_pika.abc.AbstractConnection,
    http: aiohttp.ClientSession,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """1, 2 and 4 worker processes each finish 400 requests: one outcome per message id, one
    listener per ClientToken, every listener created; the speed-up is printed."""
    total = ACCELERATORS * REQUESTS_PER_ACCELERATOR
    results = []
    for workers in WORKER_COUNTS:
        result = await run_batch(
            workers,
            emulator_url=emulator_process,
            amqp_url=amqp_url,
            connection=amqp_connection,
            http=http,
            tmp_path=tmp_path,
        )
        tokens = [listener["ClientToken"] for listener in result.listeners]
        expected = (total, total, total, total, ["ga.listener.created"])
        assert expected == (
            len(result.message_ids),
            len(set(result.message_ids)),
            len(tokens),
            len(set(tokens)),
            sorted({o["type"] for o in result.outcomes}),
        )
        results.append(result)

    base = results[0].seconds
    lines = [
        f"scale-out: {total} requests, {ACCELERATORS} accelerators, activation "
        f"{ACTIVATION_SECONDS}s, prefetch {PREFETCH} per worker",
        *(
            f"  {r.workers} worker(s): {r.seconds:6.2f} s  "
            f"{total / r.seconds:7.1f} req/s  speed-up x{base / r.seconds:.2f}  "
            f"(API calls: {r.calls.get('CreateListener', 0)} create, "
            f"{r.calls.get('DescribeListener', 0)} describe)"
            for r in results
        ),
    ]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
