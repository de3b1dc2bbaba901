"""Worker processes: ``ga-listener-worker run`` as a subprocess, configured through the environment.

Each :class:`WorkerProcess` writes its stderr (JSON log lines) to a file the secrets check reads
later, exposes its health port for ``/readyz`` and ``/metrics``, and can be stopped politely
(SIGTERM, the drain) or killed (SIGKILL); the lifecycle is :class:`ChildProcess`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures import processes
from tests.fixtures.processes import WORKER_CLI, ChildProcess, free_port
from worker.amqp.topology import Topology

__all__ = ["WorkerProcess", "worker_env"]

_READY_TIMEOUT_S: Final = 30.0


def worker_env(
    topology: Topology,
    *,
    endpoint: str,
    secret: str,
    amqp_url: str,
    **settings: str,
) -> dict[str, str]:
    """The environment of a worker: contract §2 variables plus ``settings`` (``GA_WORKER_`` + key).

    Fast timings suit the scenarios: short polls, a short reconnect interval, a short drain.
    """
    fast = {
        "poll_interval": "0.2",
        "reconnect_interval": "0.5",
        "shutdown_grace": "10",
        "publish_deadline": "5",
        "health_host": "127.0.0.1",
    }
    variables = {f"GA_WORKER_{key.upper()}": value for key, value in (fast | settings).items()}
    return processes.worker_env(topology, amqp_url, endpoint=endpoint, secret=secret, **variables)


class WorkerProcess(ChildProcess):
    """One ``ga-listener-worker run`` process; stderr in ``<name>.stderr.log``, stdout beside it."""

    def __init__(self, env: Mapping[str, str], log_dir: Path, name: str) -> None:
        self.health_port = free_port()
        super().__init__(
            name,
            [WORKER_CLI, "run"],
            dict(env, GA_WORKER_HEALTH_PORT=str(self.health_port)),
            log_dir / f"{name}.stdout.log",
            errors=log_dir / f"{name}.stderr.log",
        )

    async def wait_ready(self, timeout: float = _READY_TIMEOUT_S) -> None:
        """Wait until ``/readyz`` answers 200; fail at once if the process exits."""
        await self.wait_http(f"http://127.0.0.1:{self.health_port}/readyz", timeout)

    async def metrics(self) -> str:
        """The worker's ``/metrics`` text."""
        url = f"http://127.0.0.1:{self.health_port}/metrics"
        async with aiohttp.ClientSession() as session, session.get(url) as resp:
            return await resp.text()

    async def metric(self, name: str) -> float:
        """The sum of the samples of metric ``name`` (e.g. ``ga_worker_api_retries_total``)."""
        text = await self.metrics()
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name
        )

    def logs(self) -> bytes:
        """Everything the process wrote (stderr and stdout)."""
        paths = (self.errors, self.output)
        return b"".join(p.read_bytes() for p in paths if p is not None and p.exists())
