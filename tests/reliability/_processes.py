"""Worker processes: ``ga-listener-worker run`` as a subprocess, configured through the environment.

Each :class:`WorkerProcess` writes its stderr (JSON log lines) to a file the secrets check reads
later, exposes its health port for ``/readyz`` and ``/metrics``, and can be stopped politely
(SIGTERM, the drain) or killed (SIGKILL). :func:`free_port` finds an ephemeral port for the
health server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from worker.amqp.topology import Topology

__all__ = ["WORKER_SCRIPT", "WorkerProcess", "free_port", "worker_env"]

WORKER_SCRIPT: Final = str(Path(sys.executable).with_name("ga-listener-worker"))
_READY_TIMEOUT_S: Final = 30.0


def free_port() -> int:
    """An ephemeral TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker_env(
    topology: Topology,
    *,
    endpoint: str,
    secret: str,
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/",
    **settings: str,
) -> dict[str, str]:
    """The environment of a worker: contract §2 variables plus ``settings`` (``GA_WORKER_`` + key).

    Fast timings suit the scenarios: short polls, a short reconnect interval, a short drain.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GA_WORKER_", "ALIBABA_"))}
    env.update(
        {
            "GA_WORKER_AMQP_URL": amqp_url,
            "GA_WORKER_GA_ENDPOINT": endpoint,
            "ALIBABA_CLOUD_ACCESS_KEY_ID": "testid",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": secret,
            "GA_WORKER_REQUEST_QUEUE": topology.request_queue,
            "GA_WORKER_EVENTS_EXCHANGE": topology.events_exchange,
            "GA_WORKER_LOG_FORMAT": "json",
            "GA_WORKER_POLL_INTERVAL": "0.2",
            "GA_WORKER_RECONNECT_INTERVAL": "0.5",
            "GA_WORKER_SHUTDOWN_GRACE": "10",
            "GA_WORKER_PUBLISH_DEADLINE": "5",
            "GA_WORKER_HEALTH_HOST": "127.0.0.1",
        }
    )
    env.update({f"GA_WORKER_{key.upper()}": value for key, value in settings.items()})
    return env


class WorkerProcess:
    """One ``ga-listener-worker run`` process."""

    def __init__(self, env: Mapping[str, str], log_dir: Path, name: str) -> None:
        self.health_port = free_port()
        self.env = dict(env, GA_WORKER_HEALTH_PORT=str(self.health_port))
        self.log_path = log_dir / f"{name}.stderr.log"
        self.out_path = log_dir / f"{name}.stdout.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The process id (the worker itself: the console script is a Python program)."""
        if self.process is None:
            raise RuntimeError("not started")
        return self.process.pid

    @property
    def alive(self) -> bool:
        """Started and not exited."""
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start the process (logs append, so restarts under one name share a file)."""
        with self.log_path.open("ab") as err, self.out_path.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own console script
                [WORKER_SCRIPT, "run"], env=self.env, stdout=out, stderr=err
            )

    async def wait_ready(self, timeout: float = _READY_TIMEOUT_S) -> None:
        """Wait until ``/readyz`` answers 200; fail at once if the process exits."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        url = f"http://127.0.0.1:{self.health_port}/readyz"
        async with aiohttp.ClientSession() as session:
            while loop.time() < deadline:
                if not self.alive:
                    raise AssertionError(f"worker exited at start: {self.tail()}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with session.get(url) as resp:
                        if resp.status == 200:
                            return
                await asyncio.sleep(0.05)
        raise AssertionError(f"worker not ready within {timeout} s: {self.tail()}")

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

    def rss_kib(self) -> int:
        """Resident set size of the process, from ``/proc``."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def kill(self) -> None:
        """SIGKILL and reap."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)

    async def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM (the worker drains), wait for the exit status; SIGKILL if it hangs."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.to_thread(self.process.wait, timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return int(self.process.returncode)

    def tail(self, lines: int = 20) -> str:
        """The end of the worker's stderr."""
        if not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def logs(self) -> bytes:
        """Everything the process wrote (stderr and stdout)."""
        parts = [p.read_bytes() for p in (self.log_path, self.out_path) if p.exists()]
        return b"".join(parts)
