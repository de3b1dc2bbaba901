"""The processes a benchmark runs beside its load generator: emulator, workers, echo, profiler.

Each runs as its own OS process, so none shares the load generator's event loop (on two cores
they still share the CPUs; that is the machine being measured). Output goes to files under the
run's directory, never to a pipe nobody reads (a full pipe would stall the process).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import aiohttp

__all__ = [
    "AMQP_URL",
    "BIN",
    "SECRET",
    "Emulator",
    "Proc",
    "broker_pid",
    "cpu_seconds",
    "free_port",
    "new_logs",
    "worker_env",
]

AMQP_URL: Final = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
BIN: Final = Path(sys.executable).parent
SECRET: Final = "bench-secret"  # the emulator's key for this run, nothing real
_READY_TIMEOUT_S: Final = 30.0


def free_port() -> int:
    """An ephemeral TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time process ``pid`` has used so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def broker_pid() -> int | None:
    """The local RabbitMQ node's process (``beam.smp``), to read its CPU time; None if unseen."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "beam.smp":
                    return int(entry.name)
    return None


def _clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GA_WORKER_", "ALIBABA_CLOUD_", "BENCH_"))
    }


def worker_env(
    *, request_queue: str, events_exchange: str, endpoint: str, prefetch: int, **extra: str
) -> dict[str, str]:
    """A ``ga-listener-worker run`` environment (contract §2) for one benchmark run."""
    env = _clean_env()
    env.update(
        {
            "GA_WORKER_AMQP_URL": AMQP_URL,
            "GA_WORKER_GA_ENDPOINT": endpoint,
            "ALIBABA_CLOUD_ACCESS_KEY_ID": "testid",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
            "GA_WORKER_REQUEST_QUEUE": request_queue,
            "GA_WORKER_EVENTS_EXCHANGE": events_exchange,
            "GA_WORKER_PREFETCH": str(prefetch),
            "GA_WORKER_LOG_FORMAT": "json",
            "GA_WORKER_HEALTH_HOST": "127.0.0.1",
            "GA_WORKER_HEALTH_PORT": str(free_port()),
        }
    )
    env.update(extra)
    return env


class Proc:
    """One child process: started with an environment, stopped with SIGTERM, measured in /proc."""

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str], logs: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.log_path = logs / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The child's process id."""
        if self.process is None:
            raise RuntimeError(f"{self.name} not started")
        return self.process.pid

    def start(self) -> Proc:
        """Start the child; stdout and stderr both go to ``<logs>/<name>.log``."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own commands
                self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def alive(self) -> bool:
        """Started and still running."""
        return self.process is not None and self.process.poll() is None

    def status_kib(self, field: str) -> int:
        """A ``/proc/<pid>/status`` size field in KiB: ``VmHWM`` (peak RSS), ``VmRSS``."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise RuntimeError(f"no {field} for {self.name}")

    def cpu_seconds(self) -> float:
        """User + system CPU time the child has used so far."""
        return cpu_seconds(self.pid)

    async def wait_http(self, url: str, timeout: float = _READY_TIMEOUT_S) -> None:
        """Wait until ``url`` answers 200; fail at once if the child exits."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with aiohttp.ClientSession() as session:
            while loop.time() < deadline:
                if not self.alive():
                    raise RuntimeError(f"{self.name} exited at start:\n{self.tail()}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with session.get(url) as resp:
                        if resp.status == 200:
                            return
                await asyncio.sleep(0.05)
        raise RuntimeError(f"{self.name} not ready within {timeout} s:\n{self.tail()}")

    async def stop(self, timeout: float = 30.0, sig: int = signal.SIGTERM) -> int | None:
        """Send ``sig`` (SIGTERM: the worker drains), wait, SIGKILL if it hangs."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            await asyncio.to_thread(self.process.wait, timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            await asyncio.to_thread(self.process.wait, 10)
        return self.process.returncode

    def tail(self, lines: int = 15) -> str:
        """The end of the child's log."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class Emulator:
    """``ga-listener-worker emulator`` as a child process, driven through its admin API."""

    def __init__(self, logs: Path, *, activation_seconds: float = 0.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [
            str(BIN / "ga-listener-worker"),
            "emulator",
            "--port",
            str(self.port),
            "--activation-seconds",
            str(activation_seconds),
            "--deletion-seconds",
            "0",
        ]
        env = _clean_env()
        env["GA_EMULATOR_ACCESS_KEY_SECRET"] = SECRET
        self.proc = Proc("emulator", argv, env, logs)

    async def start(self) -> Emulator:
        """Start and wait until the admin API answers."""
        self.proc.start()
        await self.proc.wait_http(f"{self.url}/_emulator/config")
        return self

    async def _admin(self, method: str, path: str, body: Any = None) -> Any:
        async with (
            aiohttp.ClientSession() as session,
            session.request(method, f"{self.url}/_emulator{path}", json=body) as resp,
        ):
            resp.raise_for_status()
            return await resp.json()

    async def prepare(
        self, accelerator_ids: Sequence[str], *, activation_seconds: float, concurrency: int = 32
    ) -> None:
        """Forget everything, set the activation time, create ``accelerator_ids`` (active)."""
        await self._admin("POST", "/reset")
        await self._admin("PUT", "/config", {"activation_seconds": activation_seconds})
        queue = list(accelerator_ids)
        url = f"{self.url}/_emulator/accelerators"
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def add(accelerator_id: str) -> None:
                body = {"AcceleratorId": accelerator_id, "State": "active", "ListenerQuota": 10}
                async with session.post(url, json=body) as resp:
                    resp.raise_for_status()

            for start in range(0, len(queue), 500):
                await asyncio.gather(*(add(a) for a in queue[start : start + 500]))

    async def configure(self, **config: float) -> None:
        """``PUT /_emulator/config``."""
        await self._admin("PUT", "/config", config)

    async def calls(self) -> dict[str, int]:
        """The per-action call counts (``GET /_emulator/state``)."""
        state = await self._admin("GET", "/state")
        return dict(state.get("calls", {}))

    async def stop(self) -> None:
        """Stop the emulator."""
        await self.proc.stop(timeout=10, sig=signal.SIGINT)


def new_logs(benchmark: str) -> Path:
    """A fresh directory for this run's process logs, profiles and probe files."""
    path = Path(tempfile.mkdtemp(prefix=f"ga-bench-{benchmark}-"))
    print(f"logs: {path}", file=sys.stderr)
    return path
