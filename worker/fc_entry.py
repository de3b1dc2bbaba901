"""The deployable Function Compute entry point: ``worker.fc_entry.handler``.

``handlers.fc`` holds the Function Compute logic over the pipeline's ports; this module plugs
in the real adapters, which live here in ``worker`` (``deploy/fc/s.yaml`` runs this handler,
re-exported by ``deploy/fc/index.py``):

- the credentials, read on every invocation by :func:`credentials_of`;
- the GA API: a :class:`~worker.ga.client.GaClient` per set of credentials, configured from
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
from functools import partial

import aio_pika

from handlers.fc import FcHandler, make_handler
from handlers.ports import ListenerApi, OutcomePublisher
from worker.amqp.publisher import OutcomePublisher as AmqpOutcomePublisher
from worker.amqp.topology import Topology, declare_once
from worker.ga.client import GaClient
from worker.ga.credentials import Credentials
from worker.logs import configure_logging
from worker.settings import Settings, load_settings

__all__ = ["AMQP_URL_VARIABLE", "build_handler", "credentials_of", "handler"]

#: Outcomes are published only when this is set (the setting's default is a local broker,
#: which a function has no business assuming).
AMQP_URL_VARIABLE = "GA_WORKER_AMQP_URL"


def credentials_of(context: object, environ: Mapping[str, str]) -> Credentials:
    """``context.credentials`` when it holds a key pair, else the ``ALIBABA_CLOUD_*`` variables.

    Older runtimes put the function role's temporary credentials on ``context.credentials``
    (``access_key_id``, ``access_key_secret``, ``security_token``); the Python 3.12 runtime
    drops that attribute and sets the variables instead. Either may rotate while an instance
    stays warm, so the handler reads them on every invocation and rebuilds its GA client only
    when they change. Neither set: ``ValueError`` naming the missing variable.
    """
    found = getattr(context, "credentials", None)
    key_id = _text(getattr(found, "access_key_id", None))
    secret = _text(getattr(found, "access_key_secret", None))
    if key_id and secret:
        return Credentials(key_id, secret, _text(getattr(found, "security_token", None)))
    return Credentials.from_env(environ)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


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

    def api(self, credentials: Credentials) -> AbstractAsyncContextManager[ListenerApi]:
        """A GA client signing with ``credentials``."""
        return GaClient.from_settings(self._settings(), credentials)

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
) -> FcHandler[Credentials]:
    """A fresh, fully wired handler (the module's :data:`handler` is one; tests build their own).

    ``configure_logs`` sets up the worker's structlog configuration on first use.
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    adapters = _Adapters(env, configure_logs=configure_logs)
    return make_handler(partial(credentials_of, environ=env), adapters.api, adapters.publisher)


#: What Function Compute calls: ``handler(event: bytes, context) -> str``.
handler: FcHandler[Credentials] = build_handler()
