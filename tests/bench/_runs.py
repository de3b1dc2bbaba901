"""One measured run: a fresh topology, the system under test as a process, warm-up, timed batch.

The three systems under test consume the same request bodies from the same kind of queue and
publish to the same kind of exchange, so their rates compare directly:

- ``ceiling``: the bare echo (:mod:`tests.bench._echo`);
- ``worker``: ``ga-listener-worker run`` (or, with ``lag=True``, the same run with a loop-lag
  probe, :mod:`tests.bench._probe_worker`);
- ``peer``: aio-pika + the official SDK (:mod:`tests.bench._peer_worker`).

The warm-up batch (its own accelerators) opens connections and fills caches first; only the
batch after it is timed. Peak RSS is the process's ``VmHWM`` after the batch; CPU is what the
process used during the batch.
"""

from __future__ import annotations

import os
import resource
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import orjson

from tests.bench._load import LoadResult, Rig, percentile, request_bodies
from tests.bench._procs import BIN, Emulator, Proc, broker_pid, cpu_seconds, worker_env
from tests.fixtures.processes import WORKER_CLI
from tests.fixtures.requests import accelerator_ids

__all__ = ["Kind", "Measured", "measure"]

Kind = Literal["ceiling", "worker", "peer"]
_WARMUP_TIMEOUT_S: Final = 120.0


@dataclass(slots=True)
class Measured:
    """What one run measured."""

    name: str
    load: LoadResult
    peak_rss_mib: float
    cpu_s: float
    #: CPU seconds the other processes used during the batch: emulator, broker, load generator.
    other_cpu_s: dict[str, float] = field(default_factory=dict)
    lag_ms: dict[str, float] = field(default_factory=dict)
    profile: Path | None = None

    def row(self) -> dict[str, Any]:
        """The run's numbers for the JSON line."""
        out: dict[str, Any] = {
            "requests": self.load.sent,
            "outcomes": self.load.received,
            "created": self.load.created,
            "seconds": round(self.load.seconds, 3),
            "req_per_s": round(self.load.rate, 1),
            "p50_ms": round(self.load.p50_ms, 1),
            "p99_ms": round(self.load.p99_ms, 1),
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "cpu_s": round(self.cpu_s, 2),
            "cpu_us_per_request": round(self.cpu_s / max(self.load.received, 1) * 1e6, 1),
            "other_cpu_us_per_request": {
                name: round(seconds / max(self.load.received, 1) * 1e6, 1)
                for name, seconds in self.other_cpu_s.items()
            },
        }
        if self.lag_ms:
            out["loop_lag_ms"] = self.lag_ms
        return out


def _argv(kind: Kind, lag: bool) -> list[str]:
    if kind == "worker" and not lag:
        return [WORKER_CLI, "run"]
    module = {
        "ceiling": "tests.bench._echo",
        "peer": "tests.bench._peer_worker",
        "worker": "tests.bench._probe_worker",
    }[kind]
    return [sys.executable, "-m", module]


def _lag_summary(path: Path, start: float, end: float) -> dict[str, float]:
    samples = [lag for at, lag in orjson.loads(path.read_bytes()) if start <= at <= end]
    return {
        "samples": len(samples),
        "p50": round(percentile(samples, 0.50), 2),
        "p99": round(percentile(samples, 0.99), 2),
        "max": round(max(samples, default=0.0), 2),
    }


async def measure(
    kind: Kind,
    *,
    name: str,
    logs: Path,
    n: int,
    prefetch: int,
    warmup: int = 200,
    emulator: Emulator | None = None,
    activation_seconds: float = 0.0,
    poll_interval: float = 2.0,
    timeout: float = 300.0,
    lag: bool = False,
    profile: bool = False,
) -> Measured:
    """Run ``kind`` once: warm up on ``warmup`` requests, then time ``n`` requests."""
    accelerators = accelerator_ids(f"{name}-{uuid.uuid4().hex[:6]}", warmup + n)
    bodies = request_bodies(accelerators)
    if kind != "ceiling":
        if emulator is None:
            raise ValueError(f"{kind} needs the emulator")
        # Warm-up listeners are active at once; the timed batch gets the requested activation.
        await emulator.prepare(accelerators, activation_seconds=0.0)
    async with Rig(prefix=f"bench-{name}") as rig:
        t = rig.topology
        env = worker_env(
            t,
            endpoint=emulator.url if emulator else "http://127.0.0.1:9",
            prefetch=prefetch,
            GA_WORKER_POLL_INTERVAL=str(poll_interval),
            BENCH_REQUEST_QUEUE=t.request_queue,
            BENCH_EVENTS_EXCHANGE=t.events_exchange,
            BENCH_PREFETCH=str(prefetch),
            BENCH_POLL_INTERVAL=str(poll_interval),
            BENCH_GA_ENDPOINT=emulator.url.removeprefix("http://") if emulator else "",
        )
        lag_file = logs / f"{name}.lag.json"
        if lag:
            env["BENCH_LAG_FILE"] = str(lag_file)
        proc = Proc(name, _argv(kind, lag), env, logs).start()
        profiler: Proc | None = None
        try:
            await rig.wait_consumer()
            if warmup:
                warm = await rig.drive(bodies[:warmup], timeout=_WARMUP_TIMEOUT_S)
                if not warm.complete:
                    raise RuntimeError(f"{name}: warm-up incomplete\n{proc.tail()}")
            if emulator is not None and activation_seconds:
                await emulator.configure(activation_seconds=activation_seconds)
            if profile:
                profiler = _profiler(name, proc.pid, logs).start()
            others_before = _other_cpu(emulator)
            cpu_before = proc.cpu_seconds()
            load = await rig.drive(bodies[warmup:], timeout=timeout)
            cpu = proc.cpu_seconds() - cpu_before
            others = {k: v - others_before[k] for k, v in _other_cpu(emulator).items()}
            peak = proc.status_kib("VmHWM") / 1024.0
            if profiler is not None:
                await profiler.stop(sig=2)  # SIGINT: py-spy writes its file and exits
        finally:
            code = await proc.stop()
        if code not in (0, None):
            print(f"warning: {name} exited {code}; log: {proc.output}", file=sys.stderr)
    lag_ms = _lag_summary(lag_file, load.wall_start, load.wall_start + load.seconds) if lag else {}
    return Measured(
        name=name,
        load=load,
        peak_rss_mib=peak,
        cpu_s=cpu,
        other_cpu_s=others,
        lag_ms=lag_ms,
        profile=logs / f"{name}.pyspy.txt" if profile else None,
    )


def _other_cpu(emulator: Emulator | None) -> dict[str, float]:
    out: dict[str, float] = {}
    if emulator is not None:
        out["emulator"] = emulator.proc.cpu_seconds()
    broker = broker_pid()
    if broker is not None:
        out["broker"] = cpu_seconds(broker)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["load_generator"] = usage.ru_utime + usage.ru_stime
    return out


def _profiler(name: str, pid: int, logs: Path) -> Proc:
    argv = [
        str(BIN / "py-spy"),
        "record",
        "--pid",
        str(pid),
        "--rate",
        "200",
        "--format",
        "raw",
        "--output",
        str(logs / f"{name}.pyspy.txt"),
    ]
    return Proc(f"{name}.pyspy", argv, dict(os.environ), logs)
