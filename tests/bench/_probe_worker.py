"""``ga-listener-worker run`` plus a finer loop-lag probe: ``python -m tests.bench._probe_worker``.

The worker's own ``ga_worker_event_loop_lag_seconds`` histogram samples four times a second and
keeps no timestamps, too coarse to cut out a benchmark's measured window. So this launcher runs
the very same :func:`worker.app.run` (settings from the environment, logging, signals, drain) on
a loop that also runs a second :class:`worker.loop_lag.LoopLagMonitor`, every ``_PERIOD_S``,
noting each lag with the wall-clock time. At exit every sample goes to ``BENCH_LAG_FILE`` as JSON
pairs ``[wall-clock time, lag ms]``, so the benchmark can keep those of its measured window.
Nothing of the worker is changed or patched.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Final

import orjson

from worker import runtime
from worker.app import run
from worker.loop_lag import LoopLagMonitor
from worker.settings import load_settings

_PERIOD_S: Final = 0.01


async def _main(lag_file: Path) -> None:
    samples: list[tuple[float, float]] = []
    monitor = LoopLagMonitor(
        lambda lag_s: samples.append((time.time(), lag_s * 1000.0)), period=_PERIOD_S
    )
    monitor.start()
    try:
        await run(load_settings())
    finally:
        await monitor.stop()
        await asyncio.to_thread(lag_file.write_bytes, orjson.dumps(samples))


if __name__ == "__main__":
    runtime.run(_main(Path(os.environ["BENCH_LAG_FILE"])), load_settings().event_loop)
