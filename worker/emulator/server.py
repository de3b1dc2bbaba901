"""``EmulatorServer``: the emulator on a real TCP port, started and stopped from async code.

Used by ``ga-listener-worker emulator``, ``run --emulator``, ``demo`` and the tests::

    async with EmulatorServer(port=0, activation_seconds=0) as emu:
        emu.state.add_accelerator("ga-x")
        client = GaClient(endpoint=emu.url, ...)

``port=0`` takes an ephemeral port; ``url`` tells which. ``state`` is the live
``EmulatorState``, for seeding without HTTP.
"""

from __future__ import annotations

from types import TracebackType

from aiohttp import web

from worker.emulator._app import create_app
from worker.emulator._auth import ACCESS_KEY_ID, ACCESS_KEY_SECRET
from worker.emulator._keys import STATE_KEY
from worker.emulator._state import ACTIVATION_SECONDS, DELETION_SECONDS, EmulatorState

__all__ = ["EmulatorServer"]


class EmulatorServer:
    """The GA emulator served over HTTP on ``host:port``; an async context manager."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        access_key_id: str = ACCESS_KEY_ID,
        access_key_secret: str = ACCESS_KEY_SECRET,
        activation_seconds: float = ACTIVATION_SECONDS,
        deletion_seconds: float = DELETION_SECONDS,
        seed: int | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.app = create_app(
            access_key_id=access_key_id,
            access_key_secret=access_key_secret,
            activation_seconds=activation_seconds,
            deletion_seconds=deletion_seconds,
            seed=seed,
        )
        self._runner: web.AppRunner | None = None

    @property
    def state(self) -> EmulatorState:
        """The emulated service's live state (accelerators, listeners, call counts)."""
        return self.app[STATE_KEY]

    @property
    def url(self) -> str:
        """``http://host:port`` of the running server (the real port when ``port=0``)."""
        if self._runner is None:
            raise RuntimeError("the emulator is not running")
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host  # noqa: S104
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Bind and serve; after this ``url`` is valid."""
        if self._runner is not None:
            return
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self.port = runner.addresses[0][1]
        self._runner = runner

    async def stop(self) -> None:
        """Close the listening socket and every connection."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> EmulatorServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
