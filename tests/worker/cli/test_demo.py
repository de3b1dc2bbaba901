"""Tests of ``ga-listener-worker demo``, run as a user runs it: a subprocess, examples shipped."""

from __future__ import annotations

import asyncio
import os
import re

import aio_pika
import orjson
import pytest

from schemas.errors import RequestInvalid
from schemas.request import parse_request
from tests.fixtures.processes import WORKER_CLI
from worker.cli._examples import find_examples_dir

_ROW = re.compile(
    r"^(?P<request>\S+\.json)\s+(?P<outcome>created|failed: \w+|no outcome)\s+"
    r"(?P<detail>\S+)\s+(?P<attempts>\d+)\s+\d+\.\ds$"
)
_QUEUE = re.compile(r"queue (?P<queue>ga\.listener\.demo-\w+\.requests)")


def _expected() -> dict[str, tuple[str, str | None]]:
    """Each example's expected outcome: created, or validation_error with the API's code."""
    directory = find_examples_dir()
    assert directory is not None
    expected: dict[str, tuple[str, str | None]] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            parse_request(orjson.loads(path.read_bytes()))
        except RequestInvalid as exc:
            expected[path.name] = ("failed: validation_error", exc.code)
        else:
            expected[path.name] = ("created", None)
    return expected


async def _demo(amqp_url: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        WORKER_CLI,
        "demo",
        env={**os.environ, "GA_WORKER_AMQP_URL": amqp_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 240)
    assert process.returncode is not None
    return process.returncode, out.decode()


def _outcomes(output: str) -> dict[str, tuple[str, str | None]]:
    outcomes: dict[str, tuple[str, str | None]] = {}
    for line in output.splitlines():
        if match := _ROW.match(line):
            created = match["outcome"] == "created"
            outcomes[match["request"]] = (match["outcome"], None if created else match["detail"])
    return outcomes


def test_examples_cover_both_kinds() -> None:
    """The examples hold valid requests and failing ones, so the demo shows both."""
    kinds = {outcome for outcome, _ in _expected().values()}

    assert {"created", "failed: validation_error"} == kinds


async def test_demo_through_the_broker(
    amqp_url: str, amqp_connection: aio_pika.abc.AbstractConnection
) -> None:
    """Through RabbitMQ: every valid example created, every invalid one its API code; the
    private queue is gone afterwards."""
    exit_code, output = await _demo(amqp_url)
    queue = _QUEUE.search(output)

    assert exit_code == 0, output
    assert _expected() == _outcomes(output), output
    assert "in-memory" not in output
    assert queue is not None, output
    channel = await amqp_connection.channel()
    with pytest.raises(aio_pika.exceptions.ChannelNotFoundEntity):
        await channel.declare_queue(queue["queue"], passive=True)


async def test_demo_without_a_broker() -> None:
    """No RabbitMQ: one line saying so with how to start one, then the same outcomes over the
    in-memory transport, exit 0."""
    exit_code, output = await _demo("amqp://guest:guest@127.0.0.1:1/")

    assert exit_code == 0, output
    assert _expected() == _outcomes(output), output
    assert "transport:   in-memory transport" in output
    assert output.count("rabbitmq-server -detached") == 1
