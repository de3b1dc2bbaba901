"""The GA emulator: a faithful local stand-in for the Global Accelerator API (CONTRACT §6).

It speaks the real wire protocol (RPC style, SDK-flattened parameters), verifies ACS3 and RPC V1
signatures, enforces the reference's static rules (through ``schemas``) and its stateful ones,
and fails on demand, deterministically under a seed. The admin API under ``/_emulator/`` shapes
it from tests; ``EmulatorServer`` runs it in-process.
"""

from __future__ import annotations

from worker.emulator._app import create_app
from worker.emulator._auth import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SignatureVerifier
from worker.emulator._faults import FaultDecision, FaultInjector, FaultKind, FaultRule
from worker.emulator._keys import FAULTS_KEY, STATE_KEY, VERIFIER_KEY
from worker.emulator._state import (
    ACTIVATION_SECONDS,
    DEFAULT_LISTENER_QUOTA,
    DELETION_SECONDS,
    Accelerator,
    EmulatorState,
    Listener,
)
from worker.emulator.server import EmulatorServer

__all__ = [
    "ACCESS_KEY_ID",
    "ACCESS_KEY_SECRET",
    "ACTIVATION_SECONDS",
    "DEFAULT_LISTENER_QUOTA",
    "DELETION_SECONDS",
    "FAULTS_KEY",
    "STATE_KEY",
    "VERIFIER_KEY",
    "Accelerator",
    "EmulatorServer",
    "EmulatorState",
    "FaultDecision",
    "FaultInjector",
    "FaultKind",
    "FaultRule",
    "Listener",
    "SignatureVerifier",
    "create_app",
]
