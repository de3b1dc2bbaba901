"""Reaching RabbitMQ from a command: one clear line when it is not there, never a traceback."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Final

import aio_pika
from aio_pika.abc import AbstractConnection
from yarl import URL

__all__ = [
    "BROKER_FAILURES",
    "START_RABBITMQ_HINT",
    "BrokerUnreachable",
    "broker_failure",
    "connect",
    "redact_url",
]

START_RABBITMQ_HINT: Final = (
    "start one with 'rabbitmq-server -detached' "
    "or 'docker run -d -p 5672:5672 rabbitmq:3-management', "
    "or point GA_WORKER_AMQP_URL at yours"
)

#: What talking to RabbitMQ fails with, short of a bug: described by :func:`broker_failure`.
BROKER_FAILURES: Final = (OSError, TimeoutError, aio_pika.exceptions.AMQPError)

# Long enough for a broker on another host; short enough that ``demo`` falls back promptly.
_CONNECT_TIMEOUT: Final = 5.0


class BrokerUnreachable(Exception):
    """No connection to RabbitMQ; the message names the broker (password hidden) and the cause."""


def redact_url(url: str) -> str:
    """The broker URL with its password replaced, fit for a message or a log line."""
    try:
        parsed = URL(url)
    except (TypeError, ValueError):
        return "<unparseable AMQP URL>"
    return str(parsed.with_password("***")) if parsed.password else str(parsed)


@contextlib.contextmanager
def _quiet_connect_errors() -> Iterator[None]:
    # aiormq logs a failed connect at ERROR before raising it; the command says it once, better.
    logger = logging.getLogger("aiormq.connection")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def broker_failure(url: str, exc: BaseException) -> str:
    """The one line to say when RabbitMQ at ``url`` failed a command with ``exc`` (one of
    :data:`BROKER_FAILURES`)."""
    broker = redact_url(url)
    if isinstance(exc, aio_pika.exceptions.ProbableAuthenticationError):
        return (
            f"RabbitMQ at {broker} refused the login; "
            "check the user and password in GA_WORKER_AMQP_URL"
        )
    if isinstance(exc, aio_pika.exceptions.ChannelPreconditionFailed):
        return (
            f"RabbitMQ at {broker} has the topology with other arguments than the worker's "
            f"({exc}); compare with 'ga-listener-worker topology'"
        )
    detail = str(exc).splitlines()[0] if str(exc) else ""
    reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return f"cannot reach RabbitMQ at {broker} ({reason}); {START_RABBITMQ_HINT}"


async def connect(url: str, *, connect_timeout: float = _CONNECT_TIMEOUT) -> AbstractConnection:
    """A plain (non-robust) connection: a command that loses its broker should fail, not wait.

    Raises :class:`BrokerUnreachable` with one line a person can act on.
    """
    try:
        with _quiet_connect_errors():
            return await aio_pika.connect(url, timeout=connect_timeout)
    except BROKER_FAILURES as exc:
        raise BrokerUnreachable(broker_failure(url, exc)) from None
