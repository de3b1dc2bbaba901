"""``ga-listener-worker run`` that cannot start: one line naming the cause, exit 2, no traceback."""

from __future__ import annotations

import asyncio
import socket

from tests.fixtures.processes import WORKER_CLI, clean_env
from worker.settings import Settings


async def _run_worker(settings: Settings, **variables: str) -> tuple[int, str]:
    env = clean_env()
    env.update(
        GA_WORKER_AMQP_URL=settings.amqp_url,
        GA_WORKER_REQUEST_QUEUE=settings.request_queue,
        GA_WORKER_EVENTS_EXCHANGE=settings.events_exchange,
        GA_WORKER_HEALTH_HOST="127.0.0.1",
        GA_WORKER_HEALTH_PORT="0",
        GA_WORKER_LOG_FORMAT="json",
    )
    env.update(variables)
    process = await asyncio.create_subprocess_exec(
        WORKER_CLI, "run", "--emulator", env=env, stderr=asyncio.subprocess.PIPE
    )
    _out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def test_a_taken_health_port_is_named_not_blamed_on_the_broker(
    amqp_settings: Settings,
) -> None:
    """The probe port in use: the line names GA_WORKER_HEALTH_PORT, not RabbitMQ."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        code, err = await _run_worker(amqp_settings, GA_WORKER_HEALTH_PORT=port)
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
    code, err = await _run_worker(amqp_settings, GA_WORKER_AMQP_URL=url)
    last = err.strip().splitlines()[-1]
    expected = (2, True, False, False)
    actual = (code, "refused the login" in last, "hunter2" in err, "Traceback" in err)
    assert expected == actual, err
