"""The deployable Function Compute entry point: ``worker.fc_entry.handler``.

``handlers.fc`` holds the Function Compute logic over the pipeline's ports; this module plugs
in the real adapters, which live here in ``worker`` (``deploy/fc/s.yaml`` runs this handler,
re-exported by ``deploy/fc/index.py``):

- the GA API: a :class:`~worker.ga.client.GaClient` per set of credentials (the invocation's
  ``context.credentials``, else the ``ALIBABA_CLOUD_*`` variables), configured from
  :class:`~worker.settings.Settings` and kept open across warm invocations;
- the outcome publisher, only when ``GA_WORKER_AMQP_URL`` is set: one robust connection per
  instance, the topology declared once (idempotent, as the worker does at start), and the
  worker's confirmed :class:`~worker.amqp.publisher.OutcomePublisher`.

Settings are read when an adapter is built (the first invocation of an instance, or after the
credentials rotate), so a bad setting fails that invocation with one line naming the variable.
"""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import aio_pika

from handlers.fc import FcCredentials, FcHandler, make_handler
from handlers.ports import ListenerApi, OutcomePublisher
from worker.amqp.publisher import OutcomePublisher as AmqpOutcomePublisher
from worker.amqp.topology import Topology, declare_once
from worker.ga.client import GaClient
from worker.ga.credentials import Credentials
from worker.logs import configure_logging
from worker.settings import Settings, load_settings

__all__ = ["AMQP_URL_VARIABLE", "build_handler", "handler"]

#: Outcomes are published only when this is set (the setting's default is a local broker,
#: which a function has no business assuming).
AMQP_URL_VARIABLE = "GA_WORKER_AMQP_URL"


class _Adapters:
    """The factories :func:`handlers.fc.make_handler` takes, reading settings on each build."""

    def __init__(self, environ: Mapping[str, str], *, configure_logs: bool) -> None:
        self._environ = environ
        self._configure_logs = configure_logs
        self._logs_configured = threading.Event()

    def _settings(self) -> Settings:
        settings = load_settings()
        if self._configure_logs and not self._logs_configured.is_set():
            configure_logging(settings.log_format, settings.log_level)
            self._logs_configured.set()
        return settings

    def api(self, credentials: FcCredentials | None) -> AbstractAsyncContextManager[ListenerApi]:
        """A GA client for ``credentials`` (``None``: the settings', else the environment's)."""
        settings = self._settings()
        own = (
            Credentials(
                credentials.access_key_id,
                credentials.access_key_secret,
                credentials.security_token,
            )
            if credentials is not None
            else None
        )
        return GaClient.from_settings(settings, own)

    def publisher(self) -> AbstractAsyncContextManager[OutcomePublisher] | None:
        """The confirmed AMQP publisher, or ``None`` when ``GA_WORKER_AMQP_URL`` is unset."""
        if not self._environ.get(AMQP_URL_VARIABLE):
            return None
        return _amqp_publisher(self._settings())


@asynccontextmanager
async def _amqp_publisher(settings: Settings) -> AsyncIterator[OutcomePublisher]:
    topology = Topology.from_settings(settings)
    connection = await aio_pika.connect_robust(
        settings.amqp_url,
        reconnect_interval=settings.reconnect_interval,
        client_properties={"connection_name": "ga-listener-worker-fc"},
    )
    try:
        await declare_once(connection, topology)
        publisher = await AmqpOutcomePublisher.open(
            connection,
            topology.events_exchange,
            deadline=settings.publish_deadline,
        )
        try:
            yield publisher
        finally:
            await publisher.close()
    finally:
        await connection.close()


def build_handler(
    environ: Mapping[str, str] | None = None, *, configure_logs: bool = True
) -> FcHandler:
    """A fresh, fully wired handler (the module's :data:`handler` is one; tests build their own).

    ``configure_logs`` sets up the worker's structlog configuration on first use.
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    adapters = _Adapters(env, configure_logs=configure_logs)
    return make_handler(adapters.api, adapters.publisher, environ=env)


#: What Function Compute calls: ``handler(event: bytes, context) -> str``.
handler: FcHandler = build_handler()
