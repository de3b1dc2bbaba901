"""``/healthz``, ``/readyz`` and ``/metrics`` over HTTP (aiohttp), for probes and Prometheus.

``/healthz`` answers while the event loop runs (liveness). ``/readyz`` asks the worker whether
it is connected *and* consuming — a broker-cancelled consumer leaves the connection up, so the
check must look at the consumer itself. ``/metrics`` is the worker's own registry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from worker.metrics import CONTENT_TYPE, Metrics

__all__ = ["HealthPortUnavailable", "HealthServer"]

Readiness = Callable[[], Awaitable[bool]]


class HealthPortUnavailable(Exception):
    """The probe server cannot listen where it was told to; the message names the setting."""


class HealthServer:
    """The probe server. ``port=0`` binds an ephemeral port (see :attr:`port` once started)."""

    def __init__(
        self,
        *,
        readiness: Readiness,
        metrics: Metrics,
        host: str = "0.0.0.0",  # noqa: S104 - probes come from outside the container
        port: int = 8080,
    ) -> None:
        self._readiness = readiness
        self._metrics = metrics
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics_handler)
        return app

    async def start(self) -> None:
        """Bind and serve; raises :class:`HealthPortUnavailable` if the port is taken."""
        runner = web.AppRunner(self._app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise HealthPortUnavailable(
                f"cannot serve /healthz on {self._host}:{self._port} ({exc.strerror or exc}); "
                "set GA_WORKER_HEALTH_PORT to a free port, or 0 to disable the probes"
            ) from None
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        addresses = runner.addresses
        self.port = int(addresses[0][1]) if addresses else self._port

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _readyz(self, _request: web.Request) -> web.Response:
        ready = await self._readiness()
        return web.json_response(
            {"status": "ready" if ready else "not ready"}, status=200 if ready else 503
        )

    async def _metrics_handler(self, _request: web.Request) -> web.Response:
        response = web.Response(body=self._metrics.render())
        response.content_type = CONTENT_TYPE.split(";")[0]
        response.charset = "utf-8"
        return response
