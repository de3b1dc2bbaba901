"""Benchmark 4, the peer: ``python -m tests.bench.peer [--n 5000] [--rounds 3]``.

The throughput run twice, side by side: this worker, then the worker a user would write without
this project (aio-pika + the official SDK's async client, :mod:`tests.bench._peer_worker`),
with the same emulator, broker, requests and prefetch. Reports our requests/s, CPU per request
and peak RSS as ratios to the peer's. The pair runs ``--rounds`` times, alternating, and the
round with the median speed-up is reported (the machine's speed drifts between runs).
Target (issue 8): at least 2x its throughput.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from tests.bench._procs import Emulator, new_logs
from tests.bench._report import emit_json, median_index, ratio, table
from tests.bench._runs import Measured, measure
from tests.bench.ceiling import HEADERS, rows

__all__ = ["TARGET_SPEEDUP", "main"]

TARGET_SPEEDUP = 2.0


async def main(n: int, prefetch: int, warmup: int, rounds: int) -> None:
    """Our worker, then the SDK peer, ``rounds`` times; the ratios of the median round."""
    logs = new_logs("peer")
    emulator = await Emulator(logs).start()
    pairs: list[tuple[Measured, Measured]] = []
    try:
        common: dict[str, Any] = {
            "logs": logs,
            "n": n,
            "prefetch": prefetch,
            "warmup": warmup,
            "emulator": emulator,
        }
        for index in range(1, rounds + 1):
            worker = await measure("worker", name=f"worker#{index}", **common)
            peer = await measure("peer", name=f"sdk-peer#{index}", **common)
            pairs.append((worker, peer))
    finally:
        await emulator.stop()
    speedups = [ratio(worker.load.rate, peer.load.rate) for worker, peer in pairs]
    worker, peer = pairs[median_index(speedups)]
    speedup = ratio(worker.load.rate, peer.load.rate)
    rss = ratio(worker.peak_rss_mib, peer.peak_rss_mib)
    cpu = ratio(
        worker.cpu_s / max(worker.load.received, 1), peer.cpu_s / max(peer.load.received, 1)
    )
    print(table(HEADERS, rows(*(run for pair in pairs for run in pair))))
    print(
        f"\nours/peer throughput by round: {', '.join(f'{s:.2f}x' for s in speedups)}\n"
        f"median round ({worker.name}): throughput {speedup:.2f}x (target >= {TARGET_SPEEDUP}x)   "
        f"peak RSS {rss:.2f}x   CPU per request {cpu:.2f}x   "
        f"created: ours {worker.load.created}/{n}, peer {peer.load.created}/{n}"
    )
    emit_json(
        {
            "benchmark": "peer",
            "n": n,
            "prefetch": prefetch,
            "worker": worker.row(),
            "peer": peer.row(),
            "throughput_ratios_by_round": speedups,
            "throughput_ratio": speedup,
            "peak_rss_ratio": rss,
            "cpu_per_request_ratio": cpu,
            "targets": {"throughput_2x": speedup >= TARGET_SPEEDUP},
        }
    )


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.peer", description=__doc__)
    parser.add_argument("--n", type=int, default=5000, help="timed requests per run")
    parser.add_argument("--prefetch", type=int, default=256)
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests first")
    parser.add_argument("--rounds", type=int, default=3, help="worker/peer pairs, alternating")
    return parser.parse_args()


if __name__ == "__main__":
    a = _args()
    asyncio.run(main(a.n, a.prefetch, a.warmup, a.rounds))
