"""Function Compute 3.0 event handler: the AMQP worker's pipeline, one invocation at a time.

Shape of an invocation::

    event bytes ── parse_event ── [RequestMessage, ...] ── Pipeline.handle (concurrently)
                ── publish final outcomes (when a publisher is wired) ── JSON summary | RetryBatch

Wiring, and why it lives in two places. ``handlers`` imports ``schemas`` only, yet the handler
needs credentials, a GA client and an AMQP publisher, which live in ``worker``. So this module
holds all the Function Compute logic over the :mod:`handlers.ports` protocols and an opaque
credentials value (:func:`make_handler`), and the deployable entry point is
``worker.fc_entry.handler``, which calls :func:`make_handler` with the worker's credentials
lookup (the invocation context's, else the environment's), the real ``GaClient`` and the AMQP
publisher; ``deploy/fc/s.yaml`` runs it (through ``deploy/fc/index.py``: the runtime loads a
top-level ``<file>.<function>``). :func:`handler` below keeps the name the issue gives
(``handlers.fc.handler``) working for callers that expect it: on its first call it imports
:data:`ENTRY_MODULE` by name and delegates to it. That is a late, explicit, one-string binding
rather than an import: importing ``handlers`` never imports ``worker``, and tests drive
:func:`make_handler` with whatever adapters they like.

Warm invocations. Function Compute calls the handler synchronously, from any runtime thread.
One :class:`~handlers._fc_loop.LoopThread` per handler runs every invocation on the same event
loop, so the GA client's connection pool and the AMQP connection are built once per instance
and reused. The client is rebuilt only when the invocation's credentials change (the function
role's STS token rotates); the old one is closed once the invocations still using it finish.

Partial batches. Every message of the batch runs to its outcome, and every outcome is final,
as in the AMQP worker: created, validation, API, auth, poll failures and ``retries_exhausted``
alike are published as soon as they are known, so each request gets exactly one outcome
(CONTRACT §4). Only a message with no published outcome — an unexpected exception in the
pipeline, or an outcome the broker did not confirm — makes the invocation raise
:class:`RetryBatch`, so the trigger delivers the whole batch again under its retry policy.
The retried batch is safe: each request reaches the API with the same ClientToken (the body's
own, or one derived from the message id), so the API returns the first call's ListenerId and
creates nothing twice, and each outcome is re-published with the same deterministic
``message_id`` for consumers to deduplicate. When the trigger's own retries run out, the batch
goes to the trigger's dead-letter target, not to the events exchange: configure one
(``deploy/fc/s.yaml``) if such requests must not vanish.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass, replace
from typing import Any, Final, Generic, TypeVar

import orjson
import structlog

from handlers._fc_event import parse_event
from handlers._fc_loop import LoopThread
from handlers.pipeline import Outcome, Pipeline, RequestMessage
from handlers.ports import ListenerApi, OutcomePublisher

__all__ = [
    "ENTRY_MODULE",
    "ApiFactory",
    "CredentialsLookup",
    "FcHandler",
    "MessageResult",
    "PublisherFactory",
    "RetryBatch",
    "handler",
    "make_handler",
    "parse_event",
]

#: The module holding the deployable, fully wired handler (``handler = make_handler(...)``).
ENTRY_MODULE: Final = "worker.fc_entry"

#: Whatever the API factory needs to sign calls; compared with ``==`` to spot a rotation.
CredentialsT = TypeVar("CredentialsT")

#: The invocation's credentials, read from the Function Compute context on every invocation.
CredentialsLookup = Callable[[object], CredentialsT]
#: Builds the GA API for one set of credentials.
ApiFactory = Callable[[CredentialsT], AbstractAsyncContextManager[ListenerApi]]
#: Builds the outcome publisher once per instance, or returns ``None`` to publish nothing.
PublisherFactory = Callable[[], AbstractAsyncContextManager[OutcomePublisher] | None]
#: Builds the pipeline around an API (the worker passes its settings this way).
PipelineFactory = Callable[[ListenerApi], Pipeline]

_log = structlog.get_logger("handlers.fc")

# Why a message sends the batch back to the platform.
_REASON_CRASHED: Final = "pipeline_crashed"
_REASON_UNPUBLISHED: Final = "publish_failed"


@dataclass(frozen=True, slots=True)
class MessageResult:
    """One message of a batch, as the summary reports it."""

    message_id: str | None
    client_token: str | None
    type: str | None
    error_type: str | None
    error_code: str | None
    listener_id: str | None
    outcome_message_id: str | None
    published: bool
    retry_reason: str | None = None

    @classmethod
    def of(cls, msg: RequestMessage, outcome: Outcome, *, published: bool) -> MessageResult:
        """The result of a message the pipeline answered."""
        return cls(
            message_id=msg.message_id,
            client_token=outcome.client_token,
            type=outcome.ce_type,
            error_type=outcome.error_type.value if outcome.error_type else None,
            error_code=outcome.error_code,
            listener_id=outcome.listener_id,
            outcome_message_id=outcome.message_id,
            published=published,
        )

    def as_dict(self) -> dict[str, Any]:
        """The summary entry (JSON-ready)."""
        return {
            "message_id": self.message_id,
            "client_token": self.client_token,
            "type": self.type,
            "error_type": self.error_type,
            "error_code": self.error_code,
            "listener_id": self.listener_id,
            "outcome_message_id": self.outcome_message_id,
            "published": self.published,
            "retry": self.retry_reason,
        }


def _summary(results: list[MessageResult]) -> dict[str, Any]:
    return {
        "messages": len(results),
        "created": sum(1 for r in results if r.error_type is None and r.type is not None),
        "failed": sum(1 for r in results if r.error_type is not None),
        "published": sum(1 for r in results if r.published),
        "retry": sum(1 for r in results if r.retry_reason is not None),
        "outcomes": [r.as_dict() for r in results],
    }


class RetryBatch(Exception):
    """Raised to make the platform deliver the batch again: some message has no published outcome.

    ``summary`` is the summary the invocation would have returned. The message names each
    message to retry and why (ids and error codes only, never a body or a credential).
    """

    def __init__(self, summary: dict[str, Any]) -> None:
        self.summary = summary
        retried = [o for o in summary["outcomes"] if o["retry"]]
        shown = ", ".join(
            f"{o['message_id'] or o['client_token'] or '?'} ({o['retry']}: {o['error_code']})"
            for o in retried[:10]
        )
        more = f" and {len(retried) - 10} more" if len(retried) > 10 else ""
        super().__init__(
            f"{len(retried)} of {summary['messages']} messages must be retried: {shown}{more}"
        )


@dataclass(eq=False, slots=True)
class _Client(Generic[CredentialsT]):
    """A pipeline over one API client, shared by every invocation with the same credentials."""

    credentials: CredentialsT
    pipeline: Pipeline
    stack: AsyncExitStack
    users: int = 0
    retired: bool = False


class FcHandler(Generic[CredentialsT]):
    """The Function Compute handler: ``handler(event: bytes, context) -> str`` (JSON summary).

    Call it as the platform does (synchronously, any thread), or ``await`` :meth:`handle` from
    code already running on an event loop that may own the clients.
    """

    def __init__(
        self,
        credentials_lookup: CredentialsLookup[CredentialsT],
        api_factory: ApiFactory[CredentialsT],
        publisher_factory: PublisherFactory,
        *,
        pipeline_factory: PipelineFactory = Pipeline,
    ) -> None:
        self._credentials_lookup = credentials_lookup
        self._api_factory = api_factory
        self._publisher_factory = publisher_factory
        self._pipeline_factory = pipeline_factory
        self._loop = LoopThread()
        self._lock = asyncio.Lock()
        self._client: _Client[CredentialsT] | None = None
        self._publisher: OutcomePublisher | None = None
        self._publisher_stack = AsyncExitStack()
        self._publisher_ready = False

    def __call__(self, event: bytes, context: object) -> str:
        """The Function Compute entry point; raises :class:`RetryBatch` to get a retry."""
        credentials = self._credentials_lookup(context)
        return self._loop.run(self.handle(event, credentials))

    async def handle(self, event: bytes | str, credentials: CredentialsT) -> str:
        """Process one invocation; the JSON summary, or :class:`RetryBatch`."""
        summary = await self.process(event, credentials)
        if summary["retry"]:
            raise RetryBatch(summary)
        return orjson.dumps(summary).decode()

    async def process(self, event: bytes | str, credentials: CredentialsT) -> dict[str, Any]:
        """Run every message of ``event`` to its outcome and return the summary (never raises
        for a message; raises only if the API client or the publisher cannot be set up)."""
        messages = parse_event(event)
        client = await self._acquire(credentials)
        try:
            publisher = await self._publisher_once()
            results = await asyncio.gather(
                *(self._run_one(client.pipeline, publisher, msg) for msg in messages)
            )
        finally:
            await self._release(client)
        summary = _summary(list(results))
        _log.info(
            "fc.batch.completed",
            messages=summary["messages"],
            created=summary["created"],
            failed=summary["failed"],
            published=summary["published"],
            retry=summary["retry"],
        )
        return summary

    async def aclose(self) -> None:
        """Close the API client and the publisher (on the loop that owns them)."""
        async with self._lock:
            client, self._client = self._client, None
            if client is not None:
                client.retired = True
                if client.users == 0:
                    await client.stack.aclose()
            stack, self._publisher_stack = self._publisher_stack, AsyncExitStack()
            self._publisher, self._publisher_ready = None, False
            await stack.aclose()

    def close(self) -> None:
        """Close the clients and stop the handler's loop thread (tests; the platform exits)."""
        self._loop.run(self.aclose())
        self._loop.stop()
        self._lock = asyncio.Lock()

    async def _run_one(
        self, pipeline: Pipeline, publisher: OutcomePublisher | None, msg: RequestMessage
    ) -> MessageResult:
        try:
            outcome = await pipeline.handle(msg)
        except Exception as exc:
            # The pipeline turns every known failure into an outcome; this is a bug or an
            # outage it did not foresee. Retrying is what the AMQP worker does (requeue).
            _log.error("fc.message.crashed", message_id=msg.message_id, error=type(exc).__name__)
            return MessageResult(
                message_id=msg.message_id,
                client_token=None,
                type=None,
                error_type=None,
                error_code=type(exc).__name__,
                listener_id=None,
                outcome_message_id=None,
                published=False,
                retry_reason=_REASON_CRASHED,
            )
        result = MessageResult.of(msg, outcome, published=False)
        if publisher is None:
            return result
        try:
            await publisher.publish(outcome, reply_to=outcome.reply_to)
        except Exception as exc:
            _log.error(
                "fc.outcome.unpublished",
                message_id=msg.message_id,
                outcome_message_id=outcome.message_id,
                error=type(exc).__name__,
            )
            return replace(result, retry_reason=_REASON_UNPUBLISHED)
        return replace(result, published=True)

    async def _acquire(self, credentials: CredentialsT) -> _Client[CredentialsT]:
        async with self._lock:
            client = self._client
            if client is None or client.credentials != credentials:
                if client is not None:
                    client.retired = True
                    if client.users == 0:
                        await client.stack.aclose()
                client = await self._open_client(credentials)
                self._client = client
            client.users += 1
            return client

    async def _open_client(self, credentials: CredentialsT) -> _Client[CredentialsT]:
        stack = AsyncExitStack()
        try:
            api = await stack.enter_async_context(self._api_factory(credentials))
            pipeline = self._pipeline_factory(api)
        except BaseException:
            await stack.aclose()
            raise
        return _Client(credentials=credentials, pipeline=pipeline, stack=stack)

    async def _release(self, client: _Client[CredentialsT]) -> None:
        client.users -= 1
        if client.retired and client.users == 0:
            await client.stack.aclose()

    async def _publisher_once(self) -> OutcomePublisher | None:
        if self._publisher_ready:
            return self._publisher
        async with self._lock:
            if not self._publisher_ready:
                manager = self._publisher_factory()
                if manager is not None:
                    self._publisher = await self._publisher_stack.enter_async_context(manager)
                self._publisher_ready = True
            return self._publisher


def make_handler(
    credentials_lookup: CredentialsLookup[CredentialsT],
    api_factory: ApiFactory[CredentialsT],
    publisher_factory: PublisherFactory,
    *,
    pipeline_factory: PipelineFactory = Pipeline,
) -> FcHandler[CredentialsT]:
    """A Function Compute handler over these adapters (see the module docstring)."""
    return FcHandler(
        credentials_lookup, api_factory, publisher_factory, pipeline_factory=pipeline_factory
    )


def handler(event: bytes, context: object) -> str:
    """``handlers.fc.handler``: delegates to the wired handler in :data:`ENTRY_MODULE`.

    Imported by name on first call (then cached by Python's import system), so ``handlers``
    keeps no import-time dependency on ``worker``.
    """
    entry = importlib.import_module(ENTRY_MODULE)
    wired: Callable[[bytes, object], str] = entry.handler
    return wired(event, context)
