"""Assembles the worker and runs it until SIGTERM/SIGINT.

::

    connect_robust ─┬─ topology channel (declare, closed; again after each reconnect)
                    ├─ publish channel (confirms, returns raise) ── OutcomePublisher
                    └─ consume channel (prefetch) ── Consumer ── Pipeline ── GaClient
    HealthServer (/healthz, /readyz, /metrics)

:class:`Worker` is the running whole, usable in-process (tests, ``demo``); :func:`run` is the
process: logging, signals, the optional embedded emulator, a drain on stop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, Protocol

import aio_pika
import structlog
from pydantic import SecretStr

from handlers.pipeline import Pipeline
from handlers.ports import ListenerApi
from worker.amqp.consumer import Consumer
from worker.amqp.publisher import OutcomePublisher
from worker.amqp.topology import Topology, declare_once
from worker.emulator import ACCESS_KEY_ID, ACCESS_KEY_SECRET, EmulatorServer
from worker.ga.client import GaClient
from worker.health import HealthServer
from worker.logs import configure_logging
from worker.loop_lag import LoopLagMonitor
from worker.metrics import Metrics
from worker.runtime import stop_on_signals
from worker.settings import Settings

__all__ = ["Worker", "emulator_settings", "run", "serve"]

_log = structlog.get_logger("worker.app")


class ClosableApi(ListenerApi, Protocol):
    """The GA client as the worker owns it: the pipeline's port plus ``aclose``."""

    async def aclose(self) -> None: ...


class Worker:
    """One worker: connection, topology, publisher, consumer, pipeline, probes.

    ``api`` replaces the GA client built from the settings (tests pass their own); the worker
    closes whatever client it uses. ``health_port`` overrides the setting (``0`` = ephemeral
    here; ``None`` = from settings, where ``0`` disables).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        api: ClosableApi | None = None,
        metrics: Metrics | None = None,
        health_port: int | None = None,
    ) -> None:
        self.settings = settings
        self.topology = Topology.from_settings(settings)
        self.metrics = metrics if metrics is not None else Metrics()
        self._api = api
        self._health_port = health_port
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._publisher: OutcomePublisher | None = None
        self._consume_channel: aio_pika.abc.AbstractRobustChannel | None = None
        self._consumer: Consumer | None = None
        self.health: HealthServer | None = None
        self.pipeline: Pipeline | None = None
        self._loop_lag = LoopLagMonitor(self.metrics.loop_lag.observe)
        self._stopped = False

    @property
    def consumer(self) -> Consumer:
        """The running consumer (after :meth:`start`)."""
        if self._consumer is None:
            raise RuntimeError("the worker is not started")
        return self._consumer

    async def start(self) -> None:
        """Connect, declare the topology, and start consuming. Raises if the broker is not there."""
        s = self.settings
        connection = await aio_pika.connect_robust(
            s.amqp_url,
            reconnect_interval=s.reconnect_interval,
            client_properties={"connection_name": "ga-listener-worker"},
        )
        self._connection = connection
        try:
            await self._declare_topology()
            connection.reconnect_callbacks.add(self._on_reconnect)
            self._publisher = await OutcomePublisher.open(
                connection,
                self.topology.events_exchange,
                deadline=s.publish_deadline,
            )
            channel = await connection.channel(publisher_confirms=False)
            self._consume_channel = channel
            # Declared on the consuming channel too, so the robust channel redeclares it
            # (with its arguments) when it recovers a consumer the broker cancelled.
            queue = await channel.declare_queue(
                self.topology.request_queue,
                durable=True,
                arguments=self.topology.request_queue_arguments(),
            )
            if self._api is None:
                self._api = GaClient.from_settings(s)
            self.pipeline = Pipeline(self._api)
            self._consumer = Consumer(
                channel=channel,
                queue=queue,
                handler=self.pipeline,
                publisher=self._publisher,
                metrics=self.metrics,
                prefetch=s.prefetch,
            )
            port = self._health_port if self._health_port is not None else s.health_port
            if self._health_port is not None or s.health_port:
                self.health = HealthServer(
                    readiness=self.is_ready, metrics=self.metrics, host=s.health_host, port=port
                )
                await self.health.start()
            await self._consumer.start()
            self._loop_lag.start()
        except BaseException:
            await self._close()
            raise
        _log.info(
            "worker.started",
            request_queue=self.topology.request_queue,
            events_exchange=self.topology.events_exchange,
            prefetch=s.prefetch,
            health_port=self.health.port if self.health else None,
        )

    async def is_ready(self) -> bool:
        """Connected and consuming (what ``/readyz`` reports)."""
        if self._stopped or self._consumer is None:
            return False
        if self._connection is None or self._connection.is_closed:
            return False
        return await self._consumer.is_consuming()

    async def stop(self, grace: float | None = None) -> None:
        """Stop consuming, drain in-flight requests for ``grace`` seconds, then close.

        What did not finish is left unacked, so the broker redelivers it. Idempotent.
        """
        if self._stopped:
            return
        self._stopped = True
        grace = self.settings.shutdown_grace if grace is None else grace
        if self._consumer is not None:
            await self._consumer.stop(grace)
        await self._close()
        _log.info("worker.stopped")

    async def _close(self) -> None:
        await self._loop_lag.stop()
        if self.health is not None:
            await self.health.stop()
        if self._consume_channel is not None and not self._consume_channel.is_closed:
            with contextlib.suppress(Exception):
                await self._consume_channel.close()
        if self._publisher is not None:
            with contextlib.suppress(Exception):
                await self._publisher.close()
        if self._connection is not None and not self._connection.is_closed:
            with contextlib.suppress(Exception):
                await self._connection.close()
        if self._api is not None:
            api, self._api = self._api, None
            await api.aclose()

    async def _declare_topology(self) -> None:
        if self._connection is not None:
            await declare_once(self._connection, self.topology)

    async def _on_reconnect(self, *_args: Any) -> None:
        # A broker that lost its definitions (a fresh node) gets them back.
        try:
            await self._declare_topology()
        except Exception as exc:
            _log.warning("worker.redeclare_failed", error=f"{type(exc).__name__}: {exc}")


def emulator_settings(settings: Settings, url: str) -> Settings:
    """``settings`` pointed at an emulator at ``url`` with the emulator's credentials."""
    return settings.model_copy(
        update={
            "ga_endpoint": url,
            "access_key_id": ACCESS_KEY_ID,
            "access_key_secret": SecretStr(ACCESS_KEY_SECRET),
            "security_token": None,
        }
    )


@contextlib.asynccontextmanager
async def _maybe_emulator(settings: Settings, enabled: bool) -> AsyncIterator[Settings]:
    if not enabled:
        yield settings
        return

    async with EmulatorServer(
        access_key_id=ACCESS_KEY_ID, access_key_secret=ACCESS_KEY_SECRET
    ) as server:
        _log.info("worker.emulator_started", url=server.url)
        yield emulator_settings(settings, server.url)


async def serve(settings: Settings, *, emulator: bool = False, stop: asyncio.Event) -> None:
    """Run a worker (and the embedded emulator) until ``stop`` is set, then drain and close."""
    async with _maybe_emulator(settings, emulator) as effective:
        worker = Worker(effective)
        await worker.start()
        try:
            await stop.wait()
            _log.info("worker.stopping", grace_s=effective.shutdown_grace)
        finally:
            await worker.stop()


async def run(settings: Settings, *, emulator: bool = False) -> None:
    """The process: logging, SIGTERM/SIGINT handling, then :func:`serve`."""
    configure_logging(settings.log_format, settings.log_level, cache=True)
    async with stop_on_signals() as stop:
        await serve(settings, emulator=emulator, stop=stop)
