"""Benchmark 1, the ceiling: ``python -m tests.bench.ceiling [--n 5000] [--prefetch 256]``.

A bare aio-pika echo (consume -> publish confirmed -> ack, :mod:`tests.bench._echo`) of the
throughput benchmark's request bodies, through the same broker and the same topology: the most
requests per second this broker and client can carry here. The other benchmarks measure it
again beside themselves, since only ratios from one run compare across machines.
"""

from __future__ import annotations

import argparse
import asyncio

from tests.bench._procs import new_logs
from tests.bench._report import emit_json, table
from tests.bench._runs import Measured, measure

__all__ = ["HEADERS", "main", "rows"]

HEADERS = (
    "run",
    "requests",
    "seconds",
    "req/s",
    "p50 ms",
    "p99 ms",
    "CPU µs/req",
    "emulator",
    "broker",
    "loadgen",
    "peak RSS MiB",
)


def rows(*runs: Measured) -> list[tuple[object, ...]]:
    """One table row per run; CPU columns are µs per request of each process."""
    return [
        (
            m.name,
            m.load.received,
            m.load.seconds,
            m.load.rate,
            m.load.p50_ms,
            m.load.p99_ms,
            m.cpu_s / max(m.load.received, 1) * 1e6,
            *(_per_request(m, name) for name in ("emulator", "broker", "load_generator")),
            m.peak_rss_mib,
        )
        for m in runs
    ]


def _per_request(m: Measured, name: str) -> object:
    seconds = m.other_cpu_s.get(name)
    return "-" if seconds is None else seconds / max(m.load.received, 1) * 1e6


async def main(n: int, prefetch: int, warmup: int) -> None:
    """Measure the echo once and report it."""
    logs = new_logs("ceiling")
    ceiling = await measure(
        "ceiling", name="ceiling", logs=logs, n=n, prefetch=prefetch, warmup=warmup
    )
    print(table(HEADERS, rows(ceiling)))
    emit_json({"benchmark": "ceiling", "prefetch": prefetch, "ceiling": ceiling.row()})


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.ceiling", description=__doc__)
    parser.add_argument("--n", type=int, default=5000, help="timed requests")
    parser.add_argument("--prefetch", type=int, default=256)
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests first")
    return parser.parse_args()


if __name__ == "__main__":
    a = _args()
    asyncio.run(main(a.n, a.prefetch, a.warmup))
