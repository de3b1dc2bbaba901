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
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

import aiohttp

from tests.fixtures import processes
from tests.fixtures.amqp import DEFAULT_AMQP_URL
from tests.fixtures.emulator import EmulatorAdmin
from tests.fixtures.processes import WORKER_CLI, ChildProcess, clean_env, free_port
from worker.amqp.topology import Topology

__all__ = [
    "AMQP_URL",
    "BIN",
    "SECRET",
    "Emulator",
    "Proc",
    "broker_pid",
    "cpu_seconds",
    "new_logs",
    "worker_env",
]

AMQP_URL: Final = os.environ.get("BENCH_AMQP_URL", DEFAULT_AMQP_URL)
BIN: Final = Path(sys.executable).parent
SECRET: Final = "bench-secret"  # the emulator's key for this run, nothing real


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


def worker_env(topology: Topology, *, endpoint: str, prefetch: int, **extra: str) -> dict[str, str]:
    """A ``ga-listener-worker run`` environment (contract §2) for one benchmark run."""
    return processes.worker_env(
        topology,
        AMQP_URL,
        endpoint=endpoint,
        secret=SECRET,
        drop=("BENCH_",),
        GA_WORKER_PREFETCH=str(prefetch),
        GA_WORKER_HEALTH_HOST="127.0.0.1",
        GA_WORKER_HEALTH_PORT=str(free_port()),
        **extra,
    )


class Proc(ChildProcess):
    """One child process, its stdout and stderr both in ``<logs>/<name>.log``, measured in /proc."""

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str], logs: Path) -> None:
        super().__init__(name, argv, env, logs / f"{name}.log")

    def cpu_seconds(self) -> float:
        """User + system CPU time the child has used so far."""
        return cpu_seconds(self.pid)


class Emulator:
    """``ga-listener-worker emulator`` as a child process, driven through its admin API."""

    def __init__(self, logs: Path, *, activation_seconds: float = 0.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [
            WORKER_CLI,
            "emulator",
            "--port",
            str(self.port),
            "--activation-seconds",
            str(activation_seconds),
            "--deletion-seconds",
            "0",
        ]
        env = clean_env("BENCH_")
        env["GA_EMULATOR_ACCESS_KEY_SECRET"] = SECRET
        self.proc = Proc("emulator", argv, env, logs)

    async def start(self) -> Emulator:
        """Start and wait until the admin API answers."""
        self.proc.start()
        await self.proc.wait_http(f"{self.url}/_emulator/config")
        return self

    async def prepare(
        self, accelerator_ids: Sequence[str], *, activation_seconds: float, concurrency: int = 32
    ) -> None:
        """Forget everything, set the activation time, create ``accelerator_ids`` (active)."""
        queue = list(accelerator_ids)
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            admin = EmulatorAdmin(session, self.url)
            await admin.reset()
            await admin.configure(activation_seconds=activation_seconds)
            for start in range(0, len(queue), 500):
                await asyncio.gather(
                    *(admin.add_accelerator(a) for a in queue[start : start + 500])
                )

    async def configure(self, **config: float) -> None:
        """``PUT /_emulator/config``."""
        async with aiohttp.ClientSession() as session:
            await EmulatorAdmin(session, self.url).configure(**config)

    async def calls(self) -> dict[str, int]:
        """The per-action call counts (``GET /_emulator/state``)."""
        async with aiohttp.ClientSession() as session:
            state = await EmulatorAdmin(session, self.url).state()
        return dict(state.get("calls", {}))

    async def stop(self) -> None:
        """Stop the emulator."""
        await self.proc.stop(timeout=10, sig=signal.SIGINT)


def new_logs(benchmark: str) -> Path:
    """A fresh directory for this run's process logs, profiles and probe files."""
    path = Path(tempfile.mkdtemp(prefix=f"ga-bench-{benchmark}-"))
    print(f"logs: {path}", file=sys.stderr)
    return path
