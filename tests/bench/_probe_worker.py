"""``ga-listener-worker run`` plus an event-loop lag probe: ``python -m tests.bench._probe_worker``.

The worker exposes no loop-lag metric, so this launcher runs the very same
:func:`worker.app.run` (settings from the environment, logging, signals, drain) on a loop that
also runs one small task: sleep ``_PERIOD_S``, note how late it woke. Lateness is lag: the time a
ready callback waited behind others. At exit every sample goes to ``BENCH_LAG_FILE`` as JSON
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
from worker.settings import load_settings

_PERIOD_S: Final = 0.01


async def _probe(samples: list[tuple[float, float]]) -> None:
    while True:
        before = time.perf_counter()
        await asyncio.sleep(_PERIOD_S)
        late = max(0.0, time.perf_counter() - before - _PERIOD_S) * 1000.0
        samples.append((time.time(), late))


async def _main(lag_file: Path) -> None:
    samples: list[tuple[float, float]] = []
    probe = asyncio.create_task(_probe(samples))
    try:
        await run(load_settings())
    finally:
        probe.cancel()
        await asyncio.to_thread(lag_file.write_bytes, orjson.dumps(samples))


if __name__ == "__main__":
    runtime.run(_main(Path(os.environ["BENCH_LAG_FILE"])), load_settings().event_loop)
