"""Tests of ``ga-listener-worker run``, run as an operator runs it: a subprocess, signals."""

from __future__ import annotations

import asyncio
import signal
import socket

import aio_pika
import orjson

from tests.fixtures.amqp import OutcomeTap, publish_request
from tests.fixtures.processes import WORKER_CLI, worker_env
from worker.amqp.topology import Topology, declare
from worker.settings import Settings


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    # --emulator: the worker brings its own endpoint and key.
    defaults = {"GA_WORKER_HEALTH_PORT": "0", "GA_WORKER_SHUTDOWN_GRACE": "5"}
    return worker_env(Topology.from_settings(settings), settings.amqp_url, **(defaults | extra))


async def _run(*args: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        WORKER_CLI, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def _wait_for_event(stream: asyncio.StreamReader, event: str) -> list[str]:
    lines = []
    async with asyncio.timeout(30):
        while True:
            line = (await stream.readline()).decode()
            if not line:
                raise AssertionError(f"stderr ended before {event!r}: {lines}")
            lines.append(line)
            if f'"event":"{event}"' in line:
                return lines


async def test_run_with_emulator_answers_and_exits_0_on_sigterm(
    amqp_settings: Settings, amqp_connection: aio_pika.abc.AbstractConnection
) -> None:
    """The worker serves requests against the embedded emulator; SIGTERM drains and exits 0."""
    topology = Topology.from_settings(amqp_settings)
    await declare(await amqp_connection.channel(), topology)
    events = await OutcomeTap.open(amqp_connection, topology.events_exchange)
    process = await asyncio.create_subprocess_exec(
        WORKER_CLI,
        "run",
        "--emulator",
        env=_env(amqp_settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    try:
        await _wait_for_event(process.stderr, "worker.started")
        body = {"AcceleratorId": "ga-unseeded", "Protocol": "tcp",
                "PortRanges": [{"FromPort": 80, "ToPort": 80}]}
        await publish_request(
            amqp_connection, topology.request_queue, orjson.dumps(body), message_id="req-run"
        )
        outcome = await events.next()
        process.send_signal(signal.SIGTERM)
        rest = await _wait_for_event(process.stderr, "worker.stopped")
        code = await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    expected = ("listener.failed.api_error", 0, True)
    actual = (outcome.routing_key, code, any('"worker.stopping"' in line for line in rest))
    assert expected == actual


async def test_a_bad_setting_is_one_line_and_exit_2(amqp_settings: Settings) -> None:
    """GA_WORKER_PREFETCH=0: exit 2 with one line naming the variable, no traceback."""
    code, err = await _run("run", "--emulator", env=_env(amqp_settings, GA_WORKER_PREFETCH="0"))
    lines = err.strip().splitlines()
    expected = (2, 1, True)
    assert expected == (code, len(lines), "GA_WORKER_PREFETCH" in lines[0])


async def test_missing_credentials_without_emulator_exit_2(amqp_settings: Settings) -> None:
    """Without --emulator the AccessKey is required; its absence is named in one line."""
    code, err = await _run("run", env=_env(amqp_settings))
    lines = err.strip().splitlines()
    expected = (2, 1, True)
    assert expected == (code, len(lines), "ALIBABA_CLOUD_ACCESS_KEY_ID" in lines[0])


async def test_unreachable_broker_exit_2(amqp_settings: Settings) -> None:
    """No broker at the URL: exit 2 with a line naming it, password hidden, no traceback."""
    env = _env(amqp_settings, GA_WORKER_AMQP_URL="amqp://guest:hunter2@127.0.0.1:1/")
    code, err = await _run("run", "--emulator", env=env)
    last = err.strip().splitlines()[-1]
    expected = (2, True, False, False)
    actual = (code, last.startswith("Error: cannot reach RabbitMQ"), "hunter2" in err,
              "Traceback" in err)
    assert expected == actual


async def test_a_taken_health_port_is_named_not_blamed_on_the_broker(
    amqp_settings: Settings,
) -> None:
    """The probe port in use: the line names GA_WORKER_HEALTH_PORT, not RabbitMQ."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        env = _env(amqp_settings, GA_WORKER_HEALTH_HOST="127.0.0.1", GA_WORKER_HEALTH_PORT=port)
        code, err = await _run("run", "--emulator", env=env)
    last = err.strip().splitlines()[-1]
    expected = (2, True, True, False)
    actual = (
        code,
        last.startswith(f"Error: cannot serve /healthz on 127.0.0.1:{port}"),
        "GA_WORKER_HEALTH_PORT" in last,
        "Traceback" in err,
    )
    assert expected == actual, err


async def test_a_refused_login_says_so(amqp_settings: Settings) -> None:
    """A wrong password: "refused the login", the password hidden, not "start RabbitMQ"."""
    url = amqp_settings.amqp_url.replace("guest:guest@", "guest:hunter2@")
    code, err = await _run("run", "--emulator", env=_env(amqp_settings, GA_WORKER_AMQP_URL=url))
    last = err.strip().splitlines()[-1]
    expected = (2, True, False, False)
    actual = (code, "refused the login" in last, "hunter2" in err, "Traceback" in err)
    assert expected == actual, err
