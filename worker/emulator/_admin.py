"""The admin API under ``/_emulator/`` (``../shared/CONTRACT.md`` §6): unsigned, never faulted.

Tests, benchmarks and the demo shape the emulated world through it: accelerators, timing,
faults, a look at everything, and a reset that forgets all but the credentials.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from worker.emulator._faults import FaultRule
from worker.emulator._keys import FAULTS_KEY, STATE_KEY, VERIFIER_KEY
from worker.emulator._responses import json_response
from worker.emulator._state import DEFAULT_LISTENER_QUOTA

__all__ = ["add_admin_routes"]

_PREFIX = "/_emulator"


def add_admin_routes(app: web.Application) -> None:
    """Register the admin routes on ``app``."""
    app.router.add_post(f"{_PREFIX}/accelerators", _add_accelerator)
    app.router.add_get(f"{_PREFIX}/state", _get_state)
    app.router.add_get(f"{_PREFIX}/config", _get_config)
    app.router.add_put(f"{_PREFIX}/config", _put_config)
    app.router.add_get(f"{_PREFIX}/faults", _get_faults)
    app.router.add_put(f"{_PREFIX}/faults", _put_faults)
    app.router.add_post(f"{_PREFIX}/reset", _reset)


def _bad(message: str) -> web.Response:
    return json_response({"error": message}, status=400)


async def _object(request: web.Request) -> dict[str, Any]:
    """The request's JSON object body; ``ValueError`` if it is not one."""
    raw = await request.read()
    try:
        data = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError:
        raise ValueError("body must be JSON") from None
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


async def _add_accelerator(request: web.Request) -> web.Response:
    try:
        data = await _object(request)
        accelerator_id = data.get("AcceleratorId")
        state = data.get("State", "active")
        quota = data.get("ListenerQuota", DEFAULT_LISTENER_QUOTA)
        if not isinstance(accelerator_id, str) or not accelerator_id:
            raise ValueError("AcceleratorId must be a non-empty string")
        if not isinstance(state, str):
            raise ValueError("State must be a string")
        if not isinstance(quota, int) or isinstance(quota, bool):
            raise ValueError("ListenerQuota must be an integer")
        acc = request.app[STATE_KEY].add_accelerator(accelerator_id, state=state, quota=quota)
    except ValueError as exc:
        return _bad(str(exc))
    return json_response(acc.to_json())


async def _get_state(request: web.Request) -> web.Response:
    return json_response(request.app[STATE_KEY].snapshot())


async def _get_config(request: web.Request) -> web.Response:
    return json_response(request.app[STATE_KEY].config())


async def _put_config(request: web.Request) -> web.Response:
    try:
        data = await _object(request)
        unknown = set(data) - {"activation_seconds", "deletion_seconds"}
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        for key, value in data.items():
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError(f"{key} must be a number")
        config = request.app[STATE_KEY].configure(**data)
    except ValueError as exc:
        return _bad(str(exc))
    return json_response(config)


async def _get_faults(request: web.Request) -> web.Response:
    return json_response(request.app[FAULTS_KEY].to_json())


async def _put_faults(request: web.Request) -> web.Response:
    try:
        data = await _object(request)
        seed = data.get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError("seed must be an integer or null")
        rules_json = data.get("rules", [])
        if not isinstance(rules_json, list):
            raise ValueError("rules must be a list")
        rules = [FaultRule.from_json(rule) for rule in rules_json]
    except ValueError as exc:
        return _bad(str(exc))
    faults = request.app[FAULTS_KEY]
    faults.configure(seed, rules)
    return json_response(faults.to_json())


async def _reset(request: web.Request) -> web.Response:
    app = request.app
    app[STATE_KEY].reset()
    app[FAULTS_KEY].configure(None, ())
    app[VERIFIER_KEY].forget_nonces()
    return json_response({"reset": True})
