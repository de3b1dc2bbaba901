"""Scenario 2: the broker connection cut by a TCP proxy; the broker stopped and started."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import Callable
from functools import partial
from urllib.parse import SplitResult, urlsplit

import aio_pika
import pytest

from tests.fixtures.requests import accelerator_ids
from tests.reliability._broker import wait_until
from tests.reliability._checker import CREATED, assert_clean
from tests.reliability._proxy import TcpProxy
from tests.reliability._requests import valid_requests
from tests.reliability._scenario import Scenario

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(240)]

_ACCELERATORS = 100
_PER_ACCELERATOR = 3
#: ``rabbitmqctl stop_app`` stops the broker for every test on the machine, so the scenario only
#: runs where nothing else uses it: in CI (``CI=true``, tests run serially) or when this
#: variable is ``1``.
BROKER_RESTART_ENV = "GA_RELIABILITY_BROKER_RESTART"


def _broker_restart_wanted() -> bool:
    return os.environ.get(BROKER_RESTART_ENV) == "1" or os.environ.get("CI") == "true"


async def test_proxy_cuts_connections_mid_run(
    scenario: Callable[..., Scenario], amqp_url: str
) -> None:
    """Every connection cut twice mid-run: the worker reconnects, re-consumes and finishes."""
    upstream = urlsplit(amqp_url)
    async with (
        TcpProxy(upstream.hostname or "127.0.0.1", upstream.port or 5672) as proxy,
        scenario("2b TCP proxy cuts x2", activation_seconds=0.5) as sc,
    ):
        accelerators = accelerator_ids("proxy", _ACCELERATORS)
        await sc.add_accelerators(accelerators)
        total = await sc.rig.publish(
            valid_requests(accelerators, _PER_ACCELERATOR), allowed={CREATED}
        )
        worker = await sc.start_worker(amqp_url=_through(upstream, proxy.port), prefetch="200")
        wake = sc.rig.reader.wake if sc.rig.reader else None
        cut = []
        for fraction in (0.2, 0.5):
            threshold = int(total * fraction)
            reached = await wait_until(partial(_answered, sc, threshold), 60, wake=wake)
            assert reached, f"stuck at {sc.ledger.answered}: {worker.tail()}"
            cut.append(await proxy.cut())
        assert await sc.rig.wait_complete(120), (
            f"{len(sc.ledger.pending())} unanswered: {worker.tail()}"
        )
        assert worker.alive
        report = await sc.finish(
            notes={"cuts": proxy.cuts, "connections_cut": cut, "proxy_accepted": proxy.accepted}
        )

    assert_clean(report)
    assert {CREATED: total} == dict(report.kinds)
    assert proxy.accepted >= 3, "the worker did not reconnect after each cut"


def _through(upstream: SplitResult, port: int) -> str:
    """The broker URL ``upstream`` with its host and port replaced by the proxy's."""
    credentials = upstream.netloc.rpartition("@")[0]
    return upstream._replace(netloc=f"{credentials}@127.0.0.1:{port}").geturl()


def _answered(sc: Scenario, threshold: int) -> bool:
    return sc.ledger.answered >= threshold


async def _rabbitmqctl(*args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl",
        *args,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 120)
    assert 0 == process.returncode, f"rabbitmqctl {' '.join(args)}: {err.decode()[-500:]}"


async def _broker_answers(amqp_url: str, timeout: float = 120.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            connection = await aio_pika.connect(amqp_url, timeout=5)
        except (OSError, aio_pika.exceptions.AMQPError, TimeoutError):
            await asyncio.sleep(0.5)
            continue
        await connection.close()
        return True
    return False


@pytest.mark.skipif(
    not _broker_restart_wanted() or shutil.which("rabbitmqctl") is None,
    reason=f"stops the shared broker: runs in CI or with {BROKER_RESTART_ENV}=1 (rabbitmqctl)",
)
async def test_broker_stop_app_start_app_mid_run(
    scenario: Callable[..., Scenario], amqp_url: str
) -> None:
    """``rabbitmqctl stop_app`` / ``start_app`` mid-run: the worker reconnects and finishes."""
    async with scenario("2a rabbitmqctl stop_app/start_app", activation_seconds=0.5) as sc:
        accelerators = accelerator_ids("broker", _ACCELERATORS)
        await sc.add_accelerators(accelerators)
        total = await sc.rig.publish(
            valid_requests(accelerators, _PER_ACCELERATOR), allowed={CREATED}
        )
        worker = await sc.start_worker(prefetch="200")
        wake = sc.rig.reader.wake if sc.rig.reader else None
        threshold = total // 4
        assert await wait_until(lambda: sc.ledger.answered >= threshold, 60, wake=wake), (
            f"stuck at {sc.ledger.answered}: {worker.tail()}"
        )
        answered_at_stop = sc.ledger.answered
        try:
            await _rabbitmqctl("stop_app")
        finally:
            with contextlib.suppress(AssertionError, TimeoutError):
                await _rabbitmqctl("start_app")
            assert await _broker_answers(amqp_url), "the broker did not come back"
        assert await sc.rig.wait_complete(180), (
            f"{len(sc.ledger.pending())} unanswered: {worker.tail()}"
        )
        assert worker.alive
        report = await sc.finish(notes={"broker_restarts": 1, "answered_at_stop": answered_at_stop})

    assert_clean(report)
    assert {CREATED: total} == dict(report.kinds)
