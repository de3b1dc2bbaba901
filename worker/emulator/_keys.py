"""Typed keys under which the application keeps the emulator's parts (shared by every route)."""

from __future__ import annotations

from aiohttp import web

from worker.emulator._auth import SignatureVerifier
from worker.emulator._faults import FaultInjector
from worker.emulator._state import EmulatorState

__all__ = ["FAULTS_KEY", "STATE_KEY", "VERIFIER_KEY"]

STATE_KEY = web.AppKey("ga_emulator_state", EmulatorState)
FAULTS_KEY = web.AppKey("ga_emulator_faults", FaultInjector)
VERIFIER_KEY = web.AppKey("ga_emulator_verifier", SignatureVerifier)
