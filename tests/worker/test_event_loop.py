"""Tests for worker.event_loop: which loop ``run`` and ``emulator`` get, and the setting."""

from __future__ import annotations

import asyncio
import importlib
from types import ModuleType

import pytest

from worker import event_loop
from worker.settings import SettingsError, load_settings


async def _loop_class() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_auto_runs_on_uvloop_where_installed() -> None:
    """The default runs the coroutine on uvloop's loop, which this project installs on Linux."""
    assert event_loop.run(_loop_class()).startswith("uvloop")


def test_asyncio_keeps_the_standard_loop() -> None:
    """``asyncio`` runs on the standard library's loop."""
    assert event_loop.run(_loop_class(), "asyncio").startswith("asyncio")


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
    assert event_loop.run(_loop_class()).startswith("asyncio")


def test_requiring_a_missing_uvloop_is_a_setting_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """``GA_WORKER_EVENT_LOOP=uvloop`` without uvloop stops the start with one line."""
    _without_uvloop(monkeypatch)
    monkeypatch.setenv("GA_WORKER_EVENT_LOOP", "uvloop")
    with pytest.raises(SettingsError, match=r"GA_WORKER_EVENT_LOOP: .*uvloop is not installed"):
        load_settings()

