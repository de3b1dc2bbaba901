"""``GaClient``: the Global Accelerator API on one shared aiohttp session.

It implements ``handlers.ports.ListenerApi`` for the pipeline: :meth:`GaClient.create_listener`
retries retryable failures under one ClientToken, so a response lost after the server committed
is answered, on the next attempt, with the first call's ``ListenerId`` and nothing is created
twice; :meth:`GaClient.wait_until_active` polls DescribeListener. Both fill in the caller's
``CallTrace`` as they go, so a failure still reports every attempt and RequestId.

The session is created lazily inside the running loop (or injected) and shared by every call:
one connection pool, keep-alive, and a connection limit sized for thousands of concurrent polls.
"""

from __future__ import annotations

import functools
import uuid
from types import TracebackType
from typing import Any, Final, Protocol, Self

import aiohttp

from handlers.ports import CallTrace
from schemas.errors import ApiError
from schemas.request import CreateListenerRequest
from schemas.wire import to_query
from worker.ga._errors import translate
from worker.ga._poll import PollPolicy, poll_until_active
from worker.ga._retry import RetryPolicy, note_retry
from worker.ga._transport import SignatureVersion, Transport
from worker.ga.credentials import Credentials

__all__ = ["GaClient", "GaSettings"]

DEFAULT_MAX_CONNECTIONS: Final = 1000
DEFAULT_REQUEST_TIMEOUT: Final = 30.0
# The policies' own defaults, so the keyword arguments below do not restate them.
_RETRY: Final = RetryPolicy()
_POLL: Final = PollPolicy()


class GaSettings(Protocol):
    """What :meth:`GaClient.from_settings` reads (``worker.settings.Settings`` has it all)."""

    @property
    def ga_endpoint(self) -> str: ...
    @property
    def retry_attempts(self) -> int: ...
    @property
    def retry_deadline(self) -> float: ...
    @property
    def poll_interval(self) -> float: ...
    @property
    def poll_timeout(self) -> float: ...
    def credentials(self) -> Credentials | None: ...


class GaClient:
    """The GA API: CreateListener (retried, one ClientToken), DescribeListener polling, and
    ListListeners/DeleteListener for completeness. Use ``async with`` or call :meth:`aclose`."""

    def __init__(
        self,
        *,
        endpoint: str,
        credentials: Credentials,
        session: aiohttp.ClientSession | None = None,
        signature_version: SignatureVersion = "v3",
        retry_attempts: int = _RETRY.attempts,
        retry_deadline: float = _RETRY.deadline,
        backoff_initial: float = _RETRY.backoff_initial,
        backoff_max: float = _RETRY.backoff_max,
        poll_interval: float = _POLL.interval,
        poll_timeout: float = _POLL.timeout,
        first_poll_delay: float = _POLL.first_delay,
        not_found_checks: int = _POLL.not_found_checks,
        not_found_grace: float = _POLL.not_found_grace,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self._closed = False
        self._max_connections = max_connections
        self._retry = RetryPolicy(
            attempts=retry_attempts,
            deadline=retry_deadline,
            backoff_initial=backoff_initial,
            backoff_max=backoff_max,
        )
        self._poll = PollPolicy(
            interval=poll_interval,
            timeout=poll_timeout,
            first_delay=first_poll_delay,
            not_found_checks=not_found_checks,
            not_found_grace=not_found_grace,
        )
        self._transport = Transport(
            endpoint=endpoint,
            credentials=credentials,
            session_factory=self._get_session,
            signature_version=signature_version,
            request_timeout=request_timeout,
        )

    @classmethod
    def from_settings(
        cls, settings: GaSettings, credentials: Credentials | None = None, **overrides: Any
    ) -> GaClient:
        """A client configured from ``worker.settings.Settings``.

        Credentials: the argument, else the settings' own (``settings.credentials()``), else the
        ``ALIBABA_CLOUD_*`` environment (``ValueError`` naming the variable if absent).
        """
        if credentials is None:
            # from_env only to raise its ValueError naming the missing variable.
            credentials = settings.credentials() or Credentials.from_env()
        options: dict[str, Any] = {
            "endpoint": settings.ga_endpoint,
            "retry_attempts": settings.retry_attempts,
            "retry_deadline": settings.retry_deadline,
            "poll_interval": settings.poll_interval,
            "poll_timeout": settings.poll_timeout,
        }
        options.update(overrides)
        return cls(credentials=credentials, **options)

    # --- session -----------------------------------------------------------------------------

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            if self._closed:
                # A call racing aclose() must not open a session nobody will close.
                raise RuntimeError("the GA client is closed")
            if not self._owns_session:
                raise RuntimeError("the injected aiohttp session is closed")
            connector = aiohttp.TCPConnector(
                limit=self._max_connections,
                limit_per_host=0,
                keepalive_timeout=30.0,
                ttl_dns_cache=300,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),  # the API sets none; nothing to keep
                raise_for_status=False,  # every request carries its own timeout (Transport)
            )
        return self._session

    async def aclose(self) -> None:
        """Close the session if this client created it (an injected one is the caller's)."""
        self._closed = True
        if self._owns_session and self._session is not None and not self._session.closed:
            await self._session.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- calls -------------------------------------------------------------------------------

    async def _call(
        self,
        action: str,
        query: dict[str, str],
        *,
        trace: CallTrace | None,
        counter: str | None,
    ) -> dict[str, Any]:
        """Retried call; ``counter`` names the CallTrace field counting HTTP attempts.

        No attempt may outlive the retry deadline: the policy hands each the time left.
        """
        once = functools.partial(self._once, action, query, trace=trace, counter=counter)
        return await self._retry.run(once, action=action, trace=trace)

    async def _once(
        self,
        action: str,
        query: dict[str, str],
        budget: float,
        *,
        trace: CallTrace | None,
        counter: str | None,
    ) -> dict[str, Any]:
        """One HTTP attempt within ``budget`` seconds, recorded in ``trace``."""
        if trace is not None and counter is not None:
            setattr(trace, counter, getattr(trace, counter) + 1)
        try:
            body = await self._transport.call(action, query, budget=budget)
        except ApiError as exc:
            if trace is not None and exc.request_id:
                trace.api_request_ids.append(exc.request_id)
            raise
        request_id = body.get("RequestId")
        if trace is not None and isinstance(request_id, str) and request_id:
            trace.api_request_ids.append(request_id)
        return body

    async def create_listener(self, request: CreateListenerRequest, trace: CallTrace) -> str:
        """Create the listener; retry retryable failures, all with one ClientToken.

        Returns the ``ListenerId``. A request without a ClientToken gets one here, once, so no
        two attempts of this call can ever carry different tokens.
        """
        query = to_query(request)
        if "ClientToken" not in query:  # not setdefault: that would make a UUID every time
            query["ClientToken"] = str(uuid.uuid4())
        body = await self._call("CreateListener", query, trace=trace, counter="attempts")
        listener_id = body.get("ListenerId")
        if not isinstance(listener_id, str) or not listener_id:
            raise translate(ValueError("CreateListener answered without a ListenerId"))
        return listener_id

    async def list_listeners(
        self,
        *,
        region_id: str,
        accelerator_id: str,
        page_number: int = 1,
        page_size: int = 50,
    ) -> dict[str, Any]:
        """ListListeners (retried): one page of an accelerator's listeners."""
        query = {
            "RegionId": region_id,
            "AcceleratorId": accelerator_id,
            "PageNumber": str(page_number),
            "PageSize": str(page_size),
        }
        return await self._call("ListListeners", query, trace=None, counter=None)

    async def delete_listener(
        self,
        *,
        region_id: str,
        listener_id: str,
        accelerator_id: str | None = None,
        client_token: str | None = None,
    ) -> dict[str, Any]:
        """DeleteListener (retried under one ClientToken)."""
        query = {
            "RegionId": region_id,
            "ListenerId": listener_id,
            "ClientToken": client_token or str(uuid.uuid4()),
        }
        if accelerator_id:
            query["AcceleratorId"] = accelerator_id
        return await self._call("DeleteListener", query, trace=None, counter=None)

    async def wait_until_active(
        self, *, region_id: str, listener_id: str, trace: CallTrace
    ) -> dict[str, Any]:
        """Poll DescribeListener until ``active``; return its body.

        First poll right away (see ``PollPolicy``), then every ``poll_interval`` until
        ``poll_timeout``. Raises ``PollTimedOut``, ``ListenerLost``, a final ``ApiError``, or the
        last transient ``ApiError`` if the API kept failing until the deadline.
        """
        query = {"RegionId": region_id, "ListenerId": listener_id}
        action = "DescribeListener"
        return await poll_until_active(
            functools.partial(self._once, action, query, trace=trace, counter="polls"),
            listener_id=listener_id,
            policy=self._poll,
            on_transient=functools.partial(note_retry, trace, action, listener_id=listener_id),
        )
