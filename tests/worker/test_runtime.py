"""Tests for worker.runtime: the loop ``run`` and ``emulator`` get, the setting, the collector."""

from __future__ import annotations

import asyncio
import gc
import importlib
from collections.abc import Iterator
from types import ModuleType

import pytest

from worker import runtime
from worker.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def _restore_gc() -> Iterator[None]:
    """runtime.run tunes the process's collector: give the test process its own back."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


async def _loop_class() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_auto_runs_on_uvloop_where_installed() -> None:
    """The default runs the coroutine on uvloop's loop, which this project installs on Linux."""
    assert runtime.run(_loop_class()).startswith("uvloop")


def test_asyncio_keeps_the_standard_loop() -> None:
    """``asyncio`` runs on the standard library's loop."""
    assert runtime.run(_loop_class(), "asyncio").startswith("asyncio")


def _without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def refuse_uvloop(name: str, package: str | None = None) -> ModuleType:
        if name == "uvloop":
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", refuse_uvloop)


def test_auto_falls_back_to_asyncio_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where uvloop is missing (another platform), ``auto`` quietly uses asyncio."""
    _without_uvloop(monkeypatch)
    assert runtime.run(_loop_class()).startswith("asyncio")


def test_requiring_a_missing_uvloop_is_a_setting_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """``GA_WORKER_EVENT_LOOP=uvloop`` without uvloop stops the start with one line."""
    _without_uvloop(monkeypatch)
    monkeypatch.setenv("GA_WORKER_EVENT_LOOP", "uvloop")
    with pytest.raises(SettingsError, match=r"GA_WORKER_EVENT_LOOP: .*uvloop is not installed"):
        load_settings()


def test_the_collector_is_tuned_for_a_server() -> None:
    """Start-up objects are frozen and generation 0 waits for GC_THRESHOLD allocations."""
    gc.unfreeze()
    runtime.run(_loop_class(), "asyncio")
    assert (gc.get_threshold()[0], gc.get_freeze_count() > 1000) == (runtime.GC_THRESHOLD, True)


def test_cycles_are_still_collected() -> None:
    """A raised threshold delays the collector; it does not switch it off."""
    runtime.tune_gc(threshold=100)
    collected: list[int] = []
    gc.callbacks.append(
        lambda phase, info: collected.append(info["collected"]) if phase == "stop" else None
    )
    try:
        for _ in range(1000):
            cycle: list[object] = []
            cycle.append(cycle)
            del cycle
    finally:
        gc.callbacks.pop()
    assert sum(collected) >= 500
