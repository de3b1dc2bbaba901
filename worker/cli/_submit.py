"""``ga-listener-worker submit FILE... [--wait SECONDS]``: send request files to the worker."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import aio_pika
import click
import orjson

from schemas.outcome import CreatedEvent
from worker.amqp.topology import Topology, declare
from worker.cli import main
from worker.cli._broker import BrokerUnreachable, broker_failure, connect
from worker.cli._exit import CannotStart, load_settings_or_exit
from worker.cli._progress import Progress
from worker.cli._request_files import RequestFile, read_request_file
from worker.cli._requester import Requester
from worker.settings import Settings


def _read_all(paths: tuple[Path, ...]) -> list[RequestFile]:
    requests = []
    for path in paths:
        try:
            requests.append(read_request_file(path))
        except OSError as exc:
            raise CannotStart(f"cannot read {path}: {exc.strerror or exc}; nothing sent") from None
    return requests


async def _submit(settings: Settings, requests: list[RequestFile], wait: float | None) -> int:
    """Publish, then (with ``wait``) print outcomes; the exit status."""
    try:
        connection = await connect(settings.amqp_url)
    except BrokerUnreachable as exc:
        raise CannotStart(str(exc)) from None
    async with connection:
        channel = await connection.channel()
        try:
            await declare(channel, Topology.from_settings(settings))
        except aio_pika.exceptions.ChannelPreconditionFailed as exc:
            raise CannotStart(broker_failure(settings.amqp_url, exc)) from None
        requester = Requester(channel, settings.request_queue)
        if wait is not None:
            await requester.open()
        await requester.publish(requests)
        for request in requests:
            click.echo(f"published {request.path} (message_id {request.message_id})", err=True)
        if wait is None:
            return 0
        return await _print_outcomes(requester, total=len(requests), wait=wait)


async def _print_outcomes(requester: Requester, *, total: int, wait: float) -> int:
    progress = Progress(total)
    deadline = time.monotonic() + wait
    failed = False
    progress.draw(wait)
    try:
        async for received in requester.outcomes(wait=wait, on_tick=progress.draw):
            created = isinstance(received.event, CreatedEvent)
            failed = failed or not created
            progress.count(created=created)
            # One line per event, whatever the publisher's formatting.
            progress.echo(orjson.dumps(orjson.loads(received.body)).decode(), sys.stdout)
            progress.draw(max(deadline - time.monotonic(), 0.0))
    finally:
        progress.close()
    for request in requester.pending:
        click.echo(f"no outcome for {request.path} within {wait:g}s", err=True)
    return 1 if failed or requester.pending else 0


@main.command(name="submit")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--wait",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Wait up to SECONDS for every outcome and print each as one JSON line on stdout.",
)
def submit(files: tuple[Path, ...], wait: float | None) -> None:
    """Publish request FILEs (JSON CreateListener parameters) to the worker's request queue.

    Each file becomes one persistent message with a message_id derived from its content (or its
    own ClientToken), so sending the same file again creates no second listener. The broker and
    queue come from GA_WORKER_AMQP_URL and GA_WORKER_REQUEST_QUEUE; the topology is declared
    if it is missing, so requests wait for a worker that is not running yet.

    With --wait, outcome events come back on a private reply queue and are printed as they
    arrive (a progress line on stderr when waiting on several, on a terminal).

    Exit status: 0 all sent (and, with --wait, all created); 1 some request failed or had no
    outcome in time; 2 nothing sent (unreadable file, bad setting, broker unreachable).

    \b
    Example:
      ga-listener-worker submit deploy/examples/*.json --wait 60
    """
    requests = _read_all(files)
    settings = load_settings_or_exit()
    sys.exit(asyncio.run(_submit(settings, requests, wait)))
