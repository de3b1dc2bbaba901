"""The GA emulator as the reliability suite runs it: in-process, with a recording middleware.

:class:`RecordingEmulator` is an ``EmulatorServer`` on an ephemeral port plus one aiohttp
middleware (added before the app starts, so the shared emulator code stays untouched) that

- keeps every signature a client sent (the ``Signature=`` of an ACS3 ``Authorization`` header, or
  the RPC V1 ``Signature`` parameter), for the secrets check;
- can *hold* the API calls a predicate over their parameters (``Action`` included) picks (the
  poison request of the dead-letter scenario): the call waits, :attr:`held` fires, and the test
  kills the worker while it waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Final

from aiohttp import web

from worker.emulator import EmulatorServer

__all__ = ["RecordingEmulator"]

_ACS3_SIGNATURE: Final = re.compile(r"Signature=([0-9a-fA-F]{64})")
_HOLD_LIMIT_S: Final = 30.0
_SEED: Final = 7  # one seed for every scenario: fault draws repeat from run to run

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HoldPredicate = Callable[[Mapping[str, str]], bool]


class RecordingEmulator:
    """An ``EmulatorServer`` whose API calls are recorded (signatures) and optionally held."""

    def __init__(self, *, secret: str, activation_seconds: float) -> None:
        self.server = EmulatorServer(
            port=0,
            access_key_id="testid",
            access_key_secret=secret,
            activation_seconds=activation_seconds,
            deletion_seconds=0.0,
            seed=_SEED,
        )
        self.signatures: set[str] = set()
        self.hold: HoldPredicate | None = None
        self.held = asyncio.Event()
        self.holds = 0
        self._release = asyncio.Event()
        self.server.app.middlewares.append(self._middleware)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return self.server.url

    def release(self) -> None:
        """Let held calls go on (they answer 503; their client is usually dead by then)."""
        self._release.set()
        self._release = asyncio.Event()
        self.held.clear()

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/_emulator"):
            return await handler(request)
        authorization = request.headers.get("Authorization", "")
        self.signatures.update(_ACS3_SIGNATURE.findall(authorization))
        if "Signature" in request.query:
            self.signatures.add(request.query["Signature"])
        if self.hold is not None and self.hold(_parameters(request)):
            self.holds += 1
            release = self._release
            self.held.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(release.wait(), _HOLD_LIMIT_S)
            raise web.HTTPServiceUnavailable
        return await handler(request)

    async def __aenter__(self) -> RecordingEmulator:
        await self.server.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._release.set()
        await self.server.stop()


def _parameters(request: web.Request) -> dict[str, str]:
    """The call's query parameters plus ``Action`` (ACS3 sends it as ``x-acs-action``)."""
    parameters = dict(request.query)
    action = request.headers.get("x-acs-action")
    if action:
        parameters.setdefault("Action", action)
    return parameters
