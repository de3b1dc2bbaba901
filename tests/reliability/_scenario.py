"""One scenario's whole world: emulator, broker rig, worker processes, and the closing check.

::

    async with Scenario("kill -9 x2", secret=..., log_dir=..., amqp_url=...) as sc:
        await sc.add_accelerators([...])
        await sc.rig.publish(valid_requests(...))
        worker = await sc.start_worker(prefetch="400")
        ...
        report = await sc.finish()      # stops workers, drains outcomes, checks, files the report

:meth:`Scenario.finish` stops every worker politely, reads the last outcomes, takes the
emulator's state, runs the checker and the secrets check, and adds the report to the session's
summary. Leaving the block kills whatever still runs and deletes the scenario's queues.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
import orjson

from tests.fixtures.emulator import EmulatorAdmin
from tests.reliability._broker import Rig
from tests.reliability._checker import Ledger, check, find_leaks
from tests.reliability._emulator import RecordingEmulator
from tests.reliability._processes import WorkerProcess, worker_env
from tests.reliability._report import REPORTS, ScenarioReport

__all__ = ["Scenario"]

#: Counters scraped from the workers still running at the end (killed ones took theirs along).
_METRICS = (
    "ga_worker_api_retries_total",
    "ga_worker_redeliveries_total",
    "ga_worker_pipeline_crashes_total",
    "ga_worker_ack_failures_total",
    "ga_worker_publish_failures_total",
)


_CLOSE_TIMEOUT_S = 30.0


def _short(metric: str) -> str:
    return "m_" + metric.removeprefix("ga_worker_").removesuffix("_total")


class Scenario:
    """Emulator + rig + workers for one scenario; an async context manager."""

    def __init__(
        self,
        name: str,
        *,
        secret: str,
        log_dir: Path,
        amqp_url: str,
        activation_seconds: float = 0.5,
        observe: bool = True,
    ) -> None:
        self.name = name
        self.secret = secret
        self.log_dir = log_dir
        self.ledger = Ledger()
        self.emulator = RecordingEmulator(secret=secret, activation_seconds=activation_seconds)
        self.rig = Rig(self.ledger, amqp_url, observe=observe)
        self.workers: list[WorkerProcess] = []
        #: Every secret the scenario's processes know; none may appear in logs or events.
        self.secrets = [secret]
        self._session: aiohttp.ClientSession | None = None
        self._admin: EmulatorAdmin | None = None

    @property
    def admin(self) -> EmulatorAdmin:
        """The emulator's admin API over HTTP (CONTRACT §6)."""
        if self._admin is None:
            raise RuntimeError("the scenario is not open")
        return self._admin

    async def __aenter__(self) -> Scenario:
        await self.emulator.__aenter__()
        self._session = aiohttp.ClientSession()
        self._admin = EmulatorAdmin(self._session, self.emulator.url)
        await self.rig.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for worker in self.workers:
            worker.kill()
        # Bounded: a robust connection in the middle of reconnecting can wait forever.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.rig.close(), _CLOSE_TIMEOUT_S)
        if self._session is not None:
            await self._session.close()
        await self.emulator.__aexit__(exc_type, exc, tb)

    async def add_accelerators(self, ids: Iterable[str], quota: int = 100) -> None:
        """Create active accelerators through the admin API."""
        for accelerator_id in ids:
            await self.admin.add_accelerator(accelerator_id, quota=quota)

    def env(
        self, *, amqp_url: str | None = None, secret: str | None = None, **settings: str
    ) -> dict[str, str]:
        """A worker environment for this scenario (its broker unless ``amqp_url`` is given)."""
        return worker_env(
            self.rig.topology,
            endpoint=self.emulator.url,
            secret=self.secret if secret is None else secret,
            amqp_url=self.rig.amqp_url if amqp_url is None else amqp_url,
            **settings,
        )

    def spawn(self, env: Mapping[str, str] | None = None, /, **settings: str) -> WorkerProcess:
        """Start one more worker process (not waiting for it)."""
        name = f"worker-{len(self.workers) + 1}"
        worker = WorkerProcess(env if env is not None else self.env(**settings), self.log_dir, name)
        worker.start()
        self.workers.append(worker)
        return worker

    async def start_worker(
        self, env: Mapping[str, str] | None = None, /, **settings: str
    ) -> WorkerProcess:
        """Start a worker and wait until it consumes."""
        worker = self.spawn(env, **settings)
        await worker.wait_ready()
        return worker

    def retry_codes(self) -> Counter[str]:
        """``code`` of every ``*.retry_scheduled`` log line of every worker process."""
        codes: Counter[str] = Counter()
        for worker in self.workers:
            for line in worker.logs().splitlines():
                if b"retry_scheduled" not in line:
                    continue
                with contextlib.suppress(orjson.JSONDecodeError):
                    entry = orjson.loads(line)
                    if isinstance(entry, dict) and str(entry.get("event", "")).endswith(
                        "retry_scheduled"
                    ):
                        codes[str(entry.get("code"))] += 1
        return codes

    async def finish(self, *, notes: Mapping[str, Any] | None = None) -> ScenarioReport:
        """Stop the workers, read the last outcomes, check everything, file the report."""
        scraped: dict[str, float] = {}
        for worker in self.workers:
            if not worker.alive:
                continue
            for metric in _METRICS:
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    scraped[metric] = scraped.get(metric, 0.0) + await worker.metric(metric)
        exit_codes = [await worker.stop() for worker in self.workers if worker.alive]
        if self.rig.reader is not None:
            await self.rig.reader.drain()
        state = await self.admin.state()
        all_notes = dict(notes or {})
        all_notes.setdefault("processes", len(self.workers))
        all_notes.update({_short(name): int(value) for name, value in scraped.items() if value})
        report = check(self.name, self.ledger, state, notes=all_notes)
        report.violations.extend(
            f"a worker exited {code} on SIGTERM" for code in exit_codes if code != 0
        )
        texts = [(w.name, w.logs()) for w in self.workers]
        texts += [(f"event {d.message_id}", d.body) for d in self.ledger.deliveries]
        for secret in self.secrets:
            report.violations.extend(
                find_leaks(secret=secret, signatures=self.emulator.signatures, texts=texts)
            )
        retry_codes = self.retry_codes()
        if retry_codes:
            report.notes["retry_codes_logged"] = dict(retry_codes.most_common())
        report.notes["signatures_checked"] = len(self.emulator.signatures)
        report.notes["log_bytes_checked"] = sum(len(w.logs()) for w in self.workers)
        REPORTS.append(report)
        return report
