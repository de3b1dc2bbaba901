"""``ga-listener-worker demo``: the whole system on an embedded default, in one command.

It starts the GA emulator in-process (with the accelerators the examples name), a worker, and
publishes the sample requests of ``deploy/examples/``; each outcome is printed as a table row as
it arrives, then a summary. With RabbitMQ it goes through the real queue and events exchange,
under random names (deleted afterwards) so it never touches a running deployment. Without one
it says so and runs the same pipeline over an in-memory transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Final, Protocol

import aio_pika
import click

from handlers.pipeline import Pipeline
from schemas.outcome import CreatedEvent, FailedEvent
from worker.amqp.topology import Topology, delete
from worker.app import Worker, emulator_settings
from worker.cli import main
from worker.cli._broker import BrokerUnreachable, connect, redact_url
from worker.cli._examples import accelerator_ids, find_examples_dir, load_examples
from worker.cli._exit import CannotStart, load_settings_or_exit
from worker.cli._inmemory import InMemoryTransport
from worker.cli._request_files import RequestFile
from worker.cli._requester import Requester
from worker.cli._table import OutcomeRow, OutcomeTable, summarize
from worker.emulator import ACCESS_KEY_ID, ACCESS_KEY_SECRET, EmulatorServer
from worker.ga.client import GaClient
from worker.logs import configure_logging
from worker.settings import Settings

#: Seconds a demo listener takes from ``init`` to ``active`` in the emulator.
ACTIVATION_SECONDS: Final = 1.0
#: How long the demo waits for all outcomes before it reports the missing ones.
_WAIT_SECONDS: Final = 120.0

Event = CreatedEvent | FailedEvent


class _Transport(Protocol):
    label: str

    def outcomes(self, requests: Sequence[RequestFile]) -> AsyncIterator[tuple[str, Event]]: ...


class _BrokerTransport:
    """A real worker on a random, private topology of the real broker."""

    def __init__(self, connection: aio_pika.abc.AbstractConnection, settings: Settings) -> None:
        self._connection = connection
        self._settings = settings
        self.label = (
            f"RabbitMQ at {redact_url(settings.amqp_url)}, "
            f"queue {settings.request_queue} (deleted afterwards)"
        )
        self.missing: list[RequestFile] = []

    async def outcomes(self, requests: Sequence[RequestFile]) -> AsyncIterator[tuple[str, Event]]:
        topology = Topology.from_settings(self._settings)
        worker = Worker(self._settings)
        try:
            await worker.start()
            channel = await self._connection.channel()
            requester = Requester(channel, self._settings.request_queue)
            await requester.open()
            await requester.publish(requests)
            async for received in requester.outcomes(wait=_WAIT_SECONDS):
                yield received.request.name, received.event
            self.missing = requester.pending
            await channel.close()
        finally:
            await worker.stop(grace=0.0)
            await _delete_topology(self._connection, topology)


class _InMemory:
    """The pipeline driven by :class:`InMemoryTransport`, with the GA client of the settings."""

    label = InMemoryTransport.label

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.missing: list[RequestFile] = []  # in-memory, every request gets its outcome

    async def outcomes(self, requests: Sequence[RequestFile]) -> AsyncIterator[tuple[str, Event]]:
        async with GaClient.from_settings(self._settings) as client:
            transport = InMemoryTransport(Pipeline(client), prefetch=self._settings.prefetch)
            async for request, outcome in transport.run(requests):
                yield request.name, outcome.event


async def _delete_topology(connection: aio_pika.abc.AbstractConnection, topology: Topology) -> None:
    channel = await connection.channel()
    try:
        await delete(channel, topology)
    finally:
        await channel.close()


def _demo_settings(base: Settings, emulator_url: str) -> Settings:
    prefix = f"ga.listener.demo-{uuid.uuid4().hex[:8]}"
    return emulator_settings(base, emulator_url).model_copy(
        update={
            "request_queue": f"{prefix}.requests",
            "events_exchange": f"{prefix}.events",
            "health_port": 0,  # no probes: a running worker may hold the port
            "poll_interval": 0.2,
        }
    )


async def _show(transport: _Transport, requests: list[RequestFile]) -> list[OutcomeRow]:
    table = OutcomeTable((request.name for request in requests), sys.stdout)
    table.header()
    rows = []
    async for name, event in transport.outcomes(requests):
        row = OutcomeRow.from_event(name, event)
        rows.append(row)
        table.add(row)
    return rows


async def _demo(base: Settings, requests: list[RequestFile], examples: Path) -> int:
    started = time.monotonic()
    async with EmulatorServer(
        access_key_id=ACCESS_KEY_ID,
        access_key_secret=ACCESS_KEY_SECRET,
        activation_seconds=ACTIVATION_SECONDS,
    ) as emulator:
        accelerators = sorted(accelerator_ids(requests))
        for accelerator_id in accelerators:
            emulator.state.add_accelerator(accelerator_id)
        settings = _demo_settings(base, emulator.url)
        click.echo(f"GA emulator: {emulator.url} (accelerators {', '.join(accelerators)})")
        click.echo(f"requests:    {len(requests)} files from {examples}")
        async with contextlib.AsyncExitStack() as stack:
            transport: _BrokerTransport | _InMemory
            try:
                connection = await connect(settings.amqp_url)
            except BrokerUnreachable as exc:
                click.echo(f"RabbitMQ:    {exc}")
                transport = _InMemory(settings)
            else:
                await stack.enter_async_context(connection)
                transport = _BrokerTransport(connection, settings)
            click.echo(f"transport:   {transport.label}\n")
            rows = await _show(transport, requests)
            for request in transport.missing:
                rows.append(OutcomeRow.missing(request.name))
                click.echo(f"no outcome for {request.name} within {_WAIT_SECONDS:g}s")
    click.echo("\n" + summarize(rows, elapsed=time.monotonic() - started))
    return 1 if transport.missing else 0


@main.command(name="demo")
@click.option(
    "--examples",
    "examples_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Directory of request files to send (default: the repository's deploy/examples).",
)
def demo(examples_dir: Path | None) -> None:
    """Run the embedded default: GA emulator + worker + the sample requests, then exit.

    Starts the GA emulator in-process (listeners become active after about a second), a worker,
    and sends every request file of deploy/examples/ (valid listeners of each kind and common
    mistakes). Each outcome is printed as it arrives: request file, outcome, listener id or error
    code, CreateListener attempts, time; then a summary.

    With RabbitMQ (GA_WORKER_AMQP_URL, default amqp://guest:guest@127.0.0.1:5672/) it uses
    a private, randomly named queue and exchange, deleted at the end, so a running deployment is
    never disturbed. Without RabbitMQ it says so and runs the same pipeline over an in-memory
    transport. Real Alibaba Cloud credentials are never used.

    Exit status: 0 when every request got its outcome (failed ones included), 1 otherwise,
    2 when it cannot start (no examples found, bad setting).
    """
    directory = find_examples_dir(examples_dir)
    if directory is None:
        raise CannotStart(
            "no request examples found: run from a clone of the repository "
            "(deploy/examples/) or pass --examples DIR"
        )
    requests = load_examples(directory)
    if not requests:
        raise CannotStart(f"no *.json request files in {directory}")
    base = load_settings_or_exit()
    # Only real trouble on stderr: the table is the demo's output.
    configure_logging(base.log_format, "error")
    sys.exit(asyncio.run(_demo(base, requests, directory)))
